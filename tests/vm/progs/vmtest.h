/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the vm-tier test programs, on top of TAP (tests/unit/tap.h)
 * and the one /dev/xenback client, userspace/lib/platform/xenback_dev.c
 * (linked into every program by tests/vm/vm.mk): the tests speak the uapi
 * through it (xb_xenback_*). Raw ioctls stay only where a test's point is
 * the module's checking of the raw arguments (t_ret, t_errno).
 */
#ifndef XENBACK_VMTEST_H
#define XENBACK_VMTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/xenback.h"
#include "xenback_dev.h"

/* TAP: the unit tier's producer (tap_ok, tap_eq, tap_skip, tap_diag, tap_done). */
#include "tests/unit/tap.h"

#define XB_DEV XB_XENBACK_DEVICE

/* A raw call's result: itself, or -errno when it failed. */
static inline int t_ret(int r)
{
	return r < 0 ? -errno : r;
}

/* A raw ioctl expected to fail with errno e. */
#define t_errno(ret, e, ...) tap_eq(t_ret(ret), -(e), __VA_ARGS__)

static inline __attribute__((noreturn)) void t_bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

/* Open a context (mapped) or bail out. */
static inline void vt_open(struct xb_xenback *x)
{
	int r = xb_xenback_open(x);

	if (r) {
		errno = -r;
		t_bail("open " XB_DEV);
	}
}

/* A loopback pair (*a in x, *b in peer, or in x too when peer is NULL) or
 * bail out. */
static inline void vt_pair(struct xb_xenback *x, struct xb_xenback *peer, uint32_t *a,
			   uint32_t *b)
{
	int r = xb_xenback_bind_loopback(x, peer ? peer->fd : -1, a, b);

	if (r) {
		errno = -r;
		t_bail("bind a loopback pair");
	}
}

/* One counter of a port: 'e'vents, 'w'akes, 'n'otifies, 's'purious,
 * 't'hrottled; (uint64_t)-1 on error. */
static inline uint64_t vt_stat(struct xb_xenback *x, uint32_t port, int which)
{
	struct xenback_port_stats st;

	if (xb_xenback_port_stats(x, port, &st))
		return (uint64_t)-1;
	switch (which) {
	case 'e': return st.events;
	case 'w': return st.wakes;
	case 'n': return st.notifies;
	case 's': return st.spurious;
	case 't': return st.throttled;
	}
	return (uint64_t)-1;
}

/* Take up to max pending ports and forget them; returns how many. */
static inline int vt_skip(struct xb_xenback *x, unsigned int max)
{
	uint32_t got[XENBACK_RING_SIZE];

	return xb_xenback_take(x, got, max < XENBACK_RING_SIZE ? max : XENBACK_RING_SIZE);
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t vt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs argv[0] (a path) with stdout (and stderr if with_stderr) into out,
 * NUL-terminated; returns its exit status, -1 if it did not exit. */
static inline int vt_run(char *out, size_t len, char *const argv[], int with_stderr)
{
	int pfd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		if (with_stderr)
			dup2(pfd[1], 2);
		close(pfd[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (got < len - 1 && (n = read(pfd[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
