/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* XENBACK_NOTIFY_WAIT_FD: one NOTIFY call answers a round and waits for
 * either the pending ring or another file (an epoll set of the caller's
 * other sources); what wakes it, what it reports, argument checks, signals,
 * and the wait-queue entry's lifetime (the file closed right after).
 * Through the client (xb_xenback_kick_wait), but for the argument checks,
 * which send the module raw arguments the client never sends. */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "vmtest.h"

/* x's ring and an epoll set (ep) holding an eventfd (efd); y's port pa
 * notifies x's port pb. */
struct waitfd {
	struct xb_xenback x, y, z;
	uint32_t pa, pb;
	int ep, efd;
};

static void on_alarm(int sig)
{
	(void)sig;
}

/* Notify nn ports, then wait for x's ring or the file wfd. */
static int wait_fd(struct xb_xenback *x, const uint32_t *ntf, unsigned int nn, int wfd)
{
	return xb_xenback_kick_wait(x, NULL, 0, ntf, nn, wfd);
}

/* The same as a raw ioctl, with any wait_fd (-1 too). */
static int raw_wait_fd(struct xb_xenback *x, const uint32_t *ntf, unsigned int nn, int wfd)
{
	struct xenback_notify n = {
		.notify = (uintptr_t)ntf, .notify_count = nn,
		.flags = XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD, .wait_fd = wfd,
	};

	return t_ret(ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n));
}

/* In a child after ms: write the eventfd (efd >= 0) or notify port of nx. */
static pid_t later(int ms, int efd, struct xb_xenback *nx, uint32_t port)
{
	pid_t pid = fork();
	uint64_t one = 1;

	if (pid == 0) {
		usleep((useconds_t)ms * 1000);
		if (efd >= 0)
			_exit(write(efd, &one, 8) == 8 ? 0 : 1);
		_exit(xb_xenback_notify(nx, port) ? 1 : 0);
	}
	return pid;
}

static double now_ms(void)
{
	return vt_now_ns() / 1e6;
}

static void test_reports(struct waitfd *w)
{
	uint32_t got[1];
	uint64_t cnt = 1;

	(void)!write(w->efd, &cnt, 8);
	tap_eq(wait_fd(&w->x, NULL, 0, w->ep), XENBACK_NOTIFY_FD_READY,
	       "the other file already readable: returns at once, FD_READY, 0 pending");
	(void)!read(w->efd, &cnt, 8);
	xb_xenback_notify(&w->y, w->pa);
	tap_eq(wait_fd(&w->x, NULL, 0, w->ep), 1, "an event pending, the file quiet: 1, no FD_READY");
	xb_xenback_take(&w->x, got, 1);
	tap_eq(got[0], w->pb, "and the ring names the port");
	xb_xenback_rearm(&w->x, w->pb, false);
	xb_xenback_notify(&w->y, w->pa);
	(void)!write(w->efd, &cnt, 8);
	tap_eq(wait_fd(&w->x, NULL, 0, w->ep), 1 | XENBACK_NOTIFY_FD_READY, "both: 1 | FD_READY");
	vt_skip(&w->x, 4);
	xb_xenback_rearm(&w->x, w->pb, false);
	(void)!read(w->efd, &cnt, 8);
}

static void test_wakes(struct waitfd *w)
{
	uint64_t cnt;
	double t0;
	int r, status;
	pid_t pid;

	pid = later(100, w->efd, NULL, 0);
	t0 = now_ms();
	r = wait_fd(&w->x, NULL, 0, w->ep);
	tap_ok(r == XENBACK_NOTIFY_FD_READY && now_ms() - t0 >= 50,
	       "sleeps, woken by the epoll set's eventfd written from another process (%d after %.0f ms)", r,
	       now_ms() - t0);
	waitpid(pid, &status, 0);
	(void)!read(w->efd, &cnt, 8);
	pid = later(100, -1, &w->y, w->pa);
	t0 = now_ms();
	r = wait_fd(&w->x, NULL, 0, w->ep);
	tap_ok(r == 1 && now_ms() - t0 >= 50, "sleeps, woken by an event from another process (%d after %.0f ms)",
	       r, now_ms() - t0);
	waitpid(pid, &status, 0);
	vt_skip(&w->x, 4);
	xb_xenback_rearm(&w->x, w->pb, false);
	pid = later(100, w->efd, NULL, 0);
	r = wait_fd(&w->x, NULL, 0, w->efd);
	tap_eq(r, XENBACK_NOTIFY_FD_READY, "the other file may be the eventfd itself");
	waitpid(pid, &status, 0);
	(void)!read(w->efd, &cnt, 8);
}

/* the notify of the same call goes out before the wait */
static void test_notify_first(struct waitfd *w)
{
	uint32_t pc, pd;
	int r;

	vt_pair(&w->x, &w->y, &pc, &pd);
	xb_xenback_notify(&w->y, w->pa); /* x has work already: returns at once */
	r = wait_fd(&w->x, &pc, 1, w->ep);
	tap_ok(r == 1 && xb_xenback_avail(&w->y) == 1, "the call's notify reached the peer before its wait (%d)", r);
	vt_skip(&w->x, 4);
	vt_skip(&w->y, 4);
	xb_xenback_rearm(&w->x, w->pb, false);
	xb_xenback_rearm(&w->y, pd, false);
}

/* an epoll set holding another /dev/xenback context */
static void test_epoll_context(struct waitfd *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 2 };
	int ep2 = epoll_create1(EPOLL_CLOEXEC), r, status;
	uint32_t pe, pf;
	pid_t pid;

	if (ep2 < 0 || epoll_ctl(ep2, EPOLL_CTL_ADD, w->z.fd, &ev) ||
	    xb_xenback_bind_loopback(&w->y, w->z.fd, &pe, &pf))
		t_bail("epoll z");
	pid = later(100, -1, &w->y, pe);
	r = wait_fd(&w->x, NULL, 0, ep2);
	tap_eq(r, XENBACK_NOTIFY_FD_READY, "woken through an epoll set holding another context");
	waitpid(pid, &status, 0);
	vt_skip(&w->z, 4);
	close(ep2);
}

/* argument checks: nothing takes effect */
static void test_bad_args(struct waitfd *w)
{
	struct xenback_notify n = { .flags = XENBACK_NOTIFY_WAIT_FD, .wait_fd = w->ep };
	int closed, rf;

	t_errno(ioctl(w->x.fd, XENBACK_IOCTL_NOTIFY, &n), EINVAL, "WAIT_FD without WAIT: EINVAL");
	tap_eq(raw_wait_fd(&w->x, &w->pb, 1, -1), -EBADF, "wait_fd -1: EBADF");
	closed = dup(w->efd);
	close(closed);
	tap_eq(raw_wait_fd(&w->x, &w->pb, 1, closed), -EBADF, "wait_fd closed: EBADF");
	tap_eq(raw_wait_fd(&w->x, &w->pb, 1, w->y.fd), -EINVAL, "wait_fd a /dev/xenback context: EINVAL");
	rf = open("/init", O_RDONLY | O_CLOEXEC);
	tap_eq(raw_wait_fd(&w->x, &w->pb, 1, rf), -EINVAL, "wait_fd a file without poll (rootfs file): EINVAL");
	close(rf);
	tap_eq(xb_xenback_avail(&w->y), 0, "and none of those notified");
}

/* lifetime: wait, then close the file at once; and many short waits */
static void test_lifetime(struct waitfd *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 3 };
	int i, r, status, bad = 0;
	pid_t pid;

	for (i = 0; i < 300; i++) {
		int e2 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), ep3 = epoll_create1(EPOLL_CLOEXEC);

		epoll_ctl(ep3, EPOLL_CTL_ADD, e2, &ev);
		pid = later(i % 3, e2, NULL, 0);
		r = wait_fd(&w->x, NULL, 0, i % 2 ? ep3 : e2);
		bad += r != XENBACK_NOTIFY_FD_READY;
		waitpid(pid, &status, 0);
		close(ep3);
		close(e2);
	}
	tap_eq(bad, 0, "300 waits woken by a child, the file closed right after: all FD_READY");
	/* the file closed by another thread/process while waited on: the
	 * waiter holds a reference; the close of our copy is harmless */
	pid = later(100, w->efd, NULL, 0);
	r = wait_fd(&w->x, NULL, 0, w->ep);
	close(w->ep);
	close(w->efd);
	tap_eq(r, XENBACK_NOTIFY_FD_READY, "the epoll set and its eventfd closed right after a wake");
	waitpid(pid, &status, 0);
}

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct waitfd w;

	vt_open(&w.x);
	vt_open(&w.y);
	vt_open(&w.z);
	vt_pair(&w.y, &w.x, &w.pa, &w.pb);
	tap_ok(w.x.features & XENBACK_F_WAIT_FD, "XENBACK_F_WAIT_FD advertised");

	w.ep = epoll_create1(EPOLL_CLOEXEC);
	w.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w.ep < 0 || w.efd < 0 || epoll_ctl(w.ep, EPOLL_CTL_ADD, w.efd, &ev))
		t_bail("epoll");

	test_reports(&w);
	test_wakes(&w);
	test_notify_first(&w);
	test_epoll_context(&w);
	test_bad_args(&w);

	/* a signal ends the wait */
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	tap_eq(wait_fd(&w.x, NULL, 0, w.ep), -EINTR, "a signal ends the wait: EINTR");

	test_lifetime(&w);
	/* plain WAIT still works as before */
	xb_xenback_notify(&w.y, w.pa);
	tap_eq(xb_xenback_kick_wait(&w.x, NULL, 0, NULL, 0, -1), 1, "plain XENBACK_NOTIFY_WAIT unchanged");
	vt_skip(&w.x, 4);
	xb_xenback_close(&w.x);
	xb_xenback_close(&w.y);
	xb_xenback_close(&w.z);
	return tap_done();
}
