/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the vm-tier test programs: TAP output (tests/unit/tap.h) and
 * thin wrappers over /dev/xenback that return 0/count or -errno.
 */
#ifndef XBTEST_H
#define XBTEST_H

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

#define XB_DEV "/dev/xenback"

/* TAP: the unit tier's producer (tap_ok, tap_eq, tap_skip, tap_diag, tap_done). */
#include "tests/unit/tap.h"

/* An ioctl expected to fail with errno e. */
#define t_errno(ret, e, ...) tap_eq((ret) < 0 ? -errno : (ret), -(e), __VA_ARGS__)

static inline __attribute__((noreturn)) void t_bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

/* A context: the fd and its mapped pending ring. */
struct xbt {
	int fd;
	struct xenback_shared *sh;
	uint32_t *ring;
};

static inline int xbt_open(struct xbt *x)
{
	void *m;

	x->sh = NULL;
	x->ring = NULL;
	x->fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (x->fd < 0)
		return -errno;
	m = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
	if (m == MAP_FAILED) {
		int e = -errno;

		close(x->fd);
		return e;
	}
	x->sh = m;
	x->ring = (uint32_t *)((char *)m + XENBACK_RING_OFFSET);
	return 0;
}

static inline void xbt_open_or_bail(struct xbt *x)
{
	int r = xbt_open(x);

	if (r) {
		errno = -r;
		t_bail("open " XB_DEV);
	}
}

static inline void xbt_close(struct xbt *x)
{
	munmap(x->sh, XENBACK_MMAP_SIZE);
	close(x->fd);
	x->fd = -1;
}

static inline int xbt_ret(int r)
{
	return r < 0 ? -errno : r;
}

static inline int xbt_loop(int fd, int peer_fd, uint32_t *a, uint32_t *b)
{
	struct xenback_bind_loopback l = { .peer_fd = peer_fd };
	int r = ioctl(fd, XENBACK_IOCTL_BIND_LOOPBACK, &l);

	*a = *b = 0;
	if (r < 0)
		return -errno;
	*a = l.port;
	*b = l.peer_port;
	return 0;
}

static inline int xbt_kick(int fd, const uint32_t *eoi, unsigned int ne,
			   const uint32_t *ntf, unsigned int nn, uint32_t flags)
{
	struct xenback_notify n = {
		.eoi = (uintptr_t)eoi, .notify = (uintptr_t)ntf,
		.eoi_count = ne, .notify_count = nn, .flags = flags,
	};

	return xbt_ret(ioctl(fd, XENBACK_IOCTL_NOTIFY, &n));
}

static inline int xbt_notify1(int fd, uint32_t port)
{
	return xbt_kick(fd, NULL, 0, &port, 1, 0);
}

static inline int xbt_eoi1(int fd, uint32_t port, int spurious)
{
	uint32_t v = port | (spurious ? XENBACK_EOI_SPURIOUS : 0);

	return xbt_kick(fd, &v, 1, NULL, 0, 0);
}

static inline int xbt_unbind(int fd, uint32_t port)
{
	struct xenback_unbind u = { .port = port };

	return xbt_ret(ioctl(fd, XENBACK_IOCTL_UNBIND, &u));
}

static inline int xbt_stats(int fd, uint32_t port, struct xenback_port_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->port = port;
	return xbt_ret(ioctl(fd, XENBACK_IOCTL_PORT_STATS, st));
}

static inline uint64_t xbt_stat(int fd, uint32_t port, int which)
{
	struct xenback_port_stats st;

	if (xbt_stats(fd, port, &st))
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

static inline int xbt_set_eventfd(int fd, uint32_t port, int efd)
{
	struct xenback_set_eventfd s = { .port = port, .fd = efd };

	return xbt_ret(ioctl(fd, XENBACK_IOCTL_SET_EVENTFD, &s));
}

static inline int xbt_set_ring(int fd, uint32_t port, const void *req_prod,
			       const void *req_cons)
{
	struct xenback_set_ring s = {
		.port = port, .req_prod = (uintptr_t)req_prod,
		.req_cons = (uintptr_t)req_cons,
	};

	return xbt_ret(ioctl(fd, XENBACK_IOCTL_SET_RING, &s));
}

/* Entries waiting in the pending ring. */
static inline unsigned int xbt_avail(const struct xbt *x)
{
	return __atomic_load_n(&x->sh->prod, __ATOMIC_ACQUIRE) - x->sh->cons;
}

/* Consume up to max ports from the pending ring. */
static inline unsigned int xbt_take(struct xbt *x, uint32_t *ports, unsigned int max)
{
	uint32_t prod = __atomic_load_n(&x->sh->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = x->sh->cons;
	unsigned int n = 0;

	while (cons != prod && n < max) {
		uint32_t p = x->ring[cons & (XENBACK_RING_SIZE - 1)];

		if (ports)
			ports[n] = p;
		n++;
		cons++;
	}
	__atomic_store_n(&x->sh->cons, cons, __ATOMIC_RELEASE);
	return n;
}

/* poll() the context; 1 readable, 0 timeout. */
static inline int xbt_wait(const struct xbt *x, int timeout_ms)
{
	struct pollfd p = { .fd = x->fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	return r < 0 ? -errno : r;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t xbt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs argv[0] (a path) with stdout (and stderr if with_stderr) into out,
 * NUL-terminated; returns its exit status, -1 if it did not exit. */
static inline int xbt_run(char *out, size_t len, char *const argv[], int with_stderr)
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
