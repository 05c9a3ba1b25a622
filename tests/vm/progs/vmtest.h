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
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

/* /dev/xen/evtchn (fd): the next pending port within timeout_ms, unmasked
 * again, or -1. */
static inline int vt_evtchn_next(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t port;

	if (poll(&p, 1, timeout_ms) != 1 || read(fd, &port, sizeof(port)) != sizeof(port))
		return -1;
	if (write(fd, &port, sizeof(port)) != sizeof(port)) /* unmask */
		return -1;
	return (int)port;
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

/* Write val to a file (tracefs, sysfs): 0 or -errno. */
static inline int vt_put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC), r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Kernel log records (/dev/kmsg, the whole buffer) that hold needle;
 * -errno if it cannot be read. */
static inline int vt_klog_count(const char *needle)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), n = 0;
	char rec[2048];
	ssize_t len;

	if (fd < 0)
		return -errno;
	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 || (len < 0 && errno == EPIPE)) {
		if (len < 0)
			continue; /* overwritten while read: the next one */
		rec[len] = '\0';
		n += strstr(rec, needle) != NULL;
	}
	close(fd);
	return n;
}

/* The test hook test_fake_grants' "grant" g: word i of its page. */
static inline uint32_t vt_fake_pattern(uint32_t gref, uint32_t i)
{
	return (gref << 16) ^ i;
}

/* The ramdisk (O_DIRECT) at off holds fake grants first..first+n-1's
 * patterns, a page each. */
static inline bool vt_ram_holds(int ram, uint64_t off, uint32_t first, unsigned int n)
{
	uint32_t *buf = aligned_alloc(4096, n * 4096);
	bool ok = buf && pread(ram, buf, n * 4096, (off_t)off) == (ssize_t)(n * 4096);
	unsigned int p, i;

	for (p = 0; ok && p < n; p++)
		for (i = 0; ok && i < 1024; i++)
			ok = buf[p * 1024 + i] == vt_fake_pattern(first + p, i);
	free(buf);
	return ok;
}

/* Write a parameter of xenback.ko (/sys/module/xenback/parameters/name). */
static inline bool vt_set_param(const char *name, const char *val)
{
	char path[128];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/sys/module/xenback/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Wait (10 s) until a bind sleeps in the module's test window. */
static inline bool vt_wait_in_window(void)
{
	char c = 0;
	int i, fd;

	for (i = 0; i < 1000 && c != '1'; i++) {
		fd = open("/sys/module/xenback/parameters/test_in_window", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, &c, 1) != 1)
			c = 0;
		if (fd >= 0)
			close(fd);
		if (c != '1')
			usleep(10 * 1000);
	}
	return c == '1';
}

/* xenback.ko's reference count (/sys/module/xenback/refcnt): one per open
 * context (file), which a mapping or an ioctl in progress keeps alive past
 * close(); -1 if unreadable. */
static inline int vt_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/xenback/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* Is thread tid of this process asleep (state S) in ioctl(2)? */
static inline bool vt_asleep_in_ioctl(pid_t tid)
{
	char path[64], buf[256], *p;
	bool in_ioctl = false, asleep = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "r");
	if (f) {
		in_ioctl = fgets(buf, sizeof(buf), f) && atoi(buf) == SYS_ioctl &&
			   buf[0] >= '0' && buf[0] <= '9';
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (f) {
		/* "tid (comm) S ...": the state follows the last ')' */
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
			asleep = p[2] == 'S';
		fclose(f);
	}
	return in_ioctl && asleep;
}

/* A thread sleeping in XENBACK_IOCTL_NOTIFY with XENBACK_NOTIFY_WAIT (and
 * WAIT_FD on wait_fd when >= 0), while the test closes and unbinds things
 * under it. Its result is ret (or -errno); it writes the eventfd done when
 * it returns. SIGUSR1 (no SA_RESTART) ends its wait with EINTR. */
struct vt_sleeper {
	pthread_t thread;
	int fd, wait_fd, done, ret;
	pid_t tid;
	int signals;                   /* SIGUSR1s vt_sleeper_join sent */
};

static inline void vt_sleeper_sigusr1(int sig)
{
	(void)sig;
}

static inline void *vt_sleeper_main(void *arg)
{
	struct vt_sleeper *s = arg;
	struct xenback_notify n = { .flags = XENBACK_NOTIFY_WAIT };
	uint64_t one = 1;

	if (s->wait_fd >= 0) {
		n.flags |= XENBACK_NOTIFY_WAIT_FD;
		n.wait_fd = s->wait_fd;
	}
	__atomic_store_n(&s->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	s->ret = t_ret(ioctl(s->fd, XENBACK_IOCTL_NOTIFY, &n));
	if (write(s->done, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

/* Starts the sleeper on fd; with wait_asleep, returns once it sleeps in the
 * ioctl (false if it did not get there in 10 s). */
static inline bool vt_sleeper_start(struct vt_sleeper *s, int fd, int wait_fd, bool wait_asleep)
{
	struct sigaction sa = { .sa_handler = vt_sleeper_sigusr1 };
	pid_t tid;
	int i;

	sigaction(SIGUSR1, &sa, NULL);
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->wait_fd = wait_fd;
	s->done = eventfd(0, EFD_CLOEXEC);
	if (s->done < 0 || pthread_create(&s->thread, NULL, vt_sleeper_main, s))
		t_bail("start a sleeper thread");
	if (!wait_asleep)
		return true;
	for (i = 0; i < 10000; i++) {
		tid = __atomic_load_n(&s->tid, __ATOMIC_ACQUIRE);
		if (tid && vt_asleep_in_ioctl(tid))
			return true;
		usleep(1000);
	}
	return false;
}

/* Has the sleeper returned (within ms)? */
static inline bool vt_sleeper_returned(struct vt_sleeper *s, int ms)
{
	struct pollfd p = { .fd = s->done, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Joins the sleeper: true if it returned by itself within 20 s (a hang
 * otherwise); then SIGUSR1 until it returns, so the test goes on. */
static inline bool vt_sleeper_join(struct vt_sleeper *s)
{
	bool by_itself = vt_sleeper_returned(s, 20000);

	while (!vt_sleeper_returned(s, 100)) {
		pthread_kill(s->thread, SIGUSR1);
		s->signals++;
	}
	pthread_join(s->thread, NULL);
	close(s->done);
	return by_itself;
}

/* Ends a sleeper with SIGUSR1 (sent until it returns: a signal sent before
 * it entered the ioctl is lost) and joins it. */
static inline void vt_sleeper_interrupt(struct vt_sleeper *s)
{
	while (!vt_sleeper_returned(s, 0)) {
		pthread_kill(s->thread, SIGUSR1);
		s->signals++;
		vt_sleeper_returned(s, 10);
	}
	pthread_join(s->thread, NULL);
	close(s->done);
}

#endif
