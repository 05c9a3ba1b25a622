/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* XENBACK_NOTIFY_WAIT_FD: one NOTIFY call answers a round and waits for
 * either the pending ring or another file (an epoll set of the caller's
 * other sources); what wakes it, what it reports, argument checks, signals,
 * and the wait-queue entry's lifetime (the file closed right after). */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "xbtest.h"

static void on_alarm(int sig)
{
	(void)sig;
}

static int wait_fd(int fd, const uint32_t *ntf, unsigned int nn, int wfd)
{
	struct xenback_notify n = {
		.notify = (uintptr_t)ntf, .notify_count = nn,
		.flags = XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD, .wait_fd = wfd,
	};

	return xbt_ret(ioctl(fd, XENBACK_IOCTL_NOTIFY, &n));
}

/* In a child after ms: write the eventfd (efd >= 0) or notify port. */
static pid_t later(int ms, int efd, int nfd, uint32_t port)
{
	pid_t pid = fork();
	uint64_t one = 1;

	if (pid == 0) {
		usleep((useconds_t)ms * 1000);
		if (efd >= 0)
			_exit(write(efd, &one, 8) == 8 ? 0 : 1);
		_exit(xbt_notify1(nfd, port) ? 1 : 0);
	}
	return pid;
}

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct xenback_version v = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };
	uint32_t pa, pb, got;
	struct xbt x, y, z;
	uint64_t cnt;
	int ep, efd, r, i, status, bad = 0, closed;
	double t0;
	pid_t pid;

	xbt_open_or_bail(&x);
	xbt_open_or_bail(&y);
	xbt_open_or_bail(&z);
	if (xbt_loop(y.fd, x.fd, &pa, &pb))
		t_bail("bind");
	ioctl(x.fd, XENBACK_IOCTL_VERSION, &v);
	tap_ok(v.features & XENBACK_F_WAIT_FD, "XENBACK_F_WAIT_FD advertised");

	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.u32 = 1;
	if (ep < 0 || efd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		t_bail("epoll");

	/* what it reports */
	cnt = 1;
	(void)!write(efd, &cnt, 8);
	tap_eq(wait_fd(x.fd, NULL, 0, ep), XENBACK_NOTIFY_FD_READY,
	       "the other file already readable: returns at once, FD_READY, 0 pending");
	(void)!read(efd, &cnt, 8);
	xbt_notify1(y.fd, pa);
	tap_eq(wait_fd(x.fd, NULL, 0, ep), 1, "an event pending, the file quiet: 1, no FD_READY");
	xbt_take(&x, &got, 1);
	tap_eq(got, pb, "and the ring names the port");
	xbt_eoi1(x.fd, pb, 0);
	xbt_notify1(y.fd, pa);
	(void)!write(efd, &cnt, 8);
	tap_eq(wait_fd(x.fd, NULL, 0, ep), 1 | XENBACK_NOTIFY_FD_READY, "both: 1 | FD_READY");
	xbt_take(&x, NULL, 4);
	xbt_eoi1(x.fd, pb, 0);
	(void)!read(efd, &cnt, 8);

	/* what wakes it */
	pid = later(100, efd, -1, 0);
	t0 = (xbt_now_ns() / 1e6);
	r = wait_fd(x.fd, NULL, 0, ep);
	tap_ok(r == XENBACK_NOTIFY_FD_READY && (xbt_now_ns() / 1e6) - t0 >= 50,
	       "sleeps, woken by the epoll set's eventfd written from another process (%d after %.0f ms)", r,
	       (xbt_now_ns() / 1e6) - t0);
	waitpid(pid, &status, 0);
	(void)!read(efd, &cnt, 8);
	pid = later(100, -1, y.fd, pa);
	t0 = (xbt_now_ns() / 1e6);
	r = wait_fd(x.fd, NULL, 0, ep);
	tap_ok(r == 1 && (xbt_now_ns() / 1e6) - t0 >= 50, "sleeps, woken by an event from another process (%d after %.0f ms)",
	       r, (xbt_now_ns() / 1e6) - t0);
	waitpid(pid, &status, 0);
	xbt_take(&x, NULL, 4);
	xbt_eoi1(x.fd, pb, 0);
	pid = later(100, efd, -1, 0);
	r = wait_fd(x.fd, NULL, 0, efd);
	tap_eq(r, XENBACK_NOTIFY_FD_READY, "the other file may be the eventfd itself");
	waitpid(pid, &status, 0);
	(void)!read(efd, &cnt, 8);
	/* the notify of the same call goes out before the wait */
	{
		uint32_t pc, pd;

		if (xbt_loop(x.fd, y.fd, &pc, &pd))
			t_bail("bind 2");
		xbt_notify1(y.fd, pa); /* x has work already: returns at once */
		r = wait_fd(x.fd, &pc, 1, ep);
		tap_ok(r == 1 && xbt_avail(&y) == 1, "the call's notify reached the peer before its wait (%d)", r);
		xbt_take(&x, NULL, 4);
		xbt_take(&y, NULL, 4);
		xbt_eoi1(x.fd, pb, 0);
		xbt_eoi1(y.fd, pd, 0);
	}

	/* an epoll set holding another /dev/xenback context */
	{
		int ep2 = epoll_create1(EPOLL_CLOEXEC);
		uint32_t pe, pf;

		ev.data.u32 = 2;
		if (ep2 < 0 || epoll_ctl(ep2, EPOLL_CTL_ADD, z.fd, &ev) || xbt_loop(y.fd, z.fd, &pe, &pf))
			t_bail("epoll z");
		pid = later(100, -1, y.fd, pe);
		r = wait_fd(x.fd, NULL, 0, ep2);
		tap_eq(r, XENBACK_NOTIFY_FD_READY, "woken through an epoll set holding another context");
		waitpid(pid, &status, 0);
		xbt_take(&z, NULL, 4);
		close(ep2);
	}

	/* argument checks: nothing takes effect */
	{
		struct xenback_notify n = { .flags = XENBACK_NOTIFY_WAIT_FD, .wait_fd = ep };

		t_errno(ioctl(x.fd, XENBACK_IOCTL_NOTIFY, &n), EINVAL, "WAIT_FD without WAIT: EINVAL");
	}
	tap_eq(wait_fd(x.fd, &pb, 1, -1), -EBADF, "wait_fd -1: EBADF");
	closed = dup(efd);
	close(closed);
	tap_eq(wait_fd(x.fd, &pb, 1, closed), -EBADF, "wait_fd closed: EBADF");
	tap_eq(wait_fd(x.fd, &pb, 1, y.fd), -EINVAL, "wait_fd a /dev/xenback context: EINVAL");
	{
		int rf = open("/init", O_RDONLY | O_CLOEXEC);

		tap_eq(wait_fd(x.fd, &pb, 1, rf), -EINVAL, "wait_fd a file without poll (rootfs file): EINVAL");
		close(rf);
	}
	tap_eq(xbt_avail(&y), 0, "and none of those notified");

	/* a signal ends the wait */
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	r = wait_fd(x.fd, NULL, 0, ep);
	tap_eq(r, -EINTR, "a signal ends the wait: EINTR");

	/* lifetime: wait, then close the file at once; and many short waits */
	for (i = 0; i < 300; i++) {
		int e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), ep3 = epoll_create1(EPOLL_CLOEXEC);

		ev.data.u32 = 3;
		epoll_ctl(ep3, EPOLL_CTL_ADD, e2, &ev);
		pid = later(i % 3, e2, -1, 0);
		r = wait_fd(x.fd, NULL, 0, i % 2 ? ep3 : e2);
		bad += r != XENBACK_NOTIFY_FD_READY;
		waitpid(pid, &status, 0);
		close(ep3);
		close(e2);
	}
	tap_eq(bad, 0, "300 waits woken by a child, the file closed right after: all FD_READY");
	/* the file closed by another thread/process while waited on: the
	 * waiter holds a reference; the close of our copy is harmless */
	pid = later(100, efd, -1, 0);
	r = wait_fd(x.fd, NULL, 0, ep);
	close(ep);
	close(efd);
	tap_eq(r, XENBACK_NOTIFY_FD_READY, "the epoll set and its eventfd closed right after a wake");
	waitpid(pid, &status, 0);
	/* plain WAIT still works as before */
	xbt_notify1(y.fd, pa);
	tap_eq(xbt_kick(x.fd, NULL, 0, NULL, 0, XENBACK_NOTIFY_WAIT), 1, "plain XENBACK_NOTIFY_WAIT unchanged");
	xbt_take(&x, NULL, 4);
	xbt_close(&x);
	xbt_close(&y);
	xbt_close(&z);
	return tap_done();
}
