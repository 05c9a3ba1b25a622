/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events consumed through the mmap'd ring, woken by poll() and epoll; and
 * the raw mmap() arguments the module refuses (the client maps the one
 * way that works).
 */
#include <sys/epoll.h>
#include <sys/wait.h>

#include "vmtest.h"

/* In a child after 100 ms: notify port pa of y. */
static pid_t notify_later(struct xb_xenback *y, uint32_t pa)
{
	pid_t pid = fork();

	if (pid == 0) {
		usleep(100 * 1000);
		_exit(xb_xenback_notify(y, pa) ? 1 : 0);
	}
	return pid;
}

/* y's port pa notifies x's port pb. */
static void test_poll(struct xb_xenback *x, struct xb_xenback *y, uint32_t pa, uint32_t pb)
{
	uint32_t got[1];
	int status;
	pid_t pid;

	tap_eq(xb_xenback_poll(x, 0), 0, "poll: nothing pending on a fresh context");
	xb_xenback_notify(y, pa);
	tap_eq(xb_xenback_poll(x, 0), 1, "poll: readable after an event");
	tap_eq(xb_xenback_take(x, got, 1), 1, "the ring holds one entry");
	tap_eq(got[0], pb, "the entry names the port");
	tap_eq(xb_xenback_poll(x, 0), 0, "poll: not readable once cons caught up");

	/* blocking poll woken from another process */
	xb_xenback_rearm(x, pb, false);
	pid = notify_later(y, pa);
	tap_eq(xb_xenback_poll(x, 10000), 1, "blocking poll woken by a notify from another process");
	waitpid(pid, &status, 0);
	vt_skip(x, 4);
	xb_xenback_rearm(x, pb, false);
}

static void test_epoll(struct xb_xenback *x, struct xb_xenback *y, uint32_t pa)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep, status;
	pid_t pid;

	ep = epoll_create1(EPOLL_CLOEXEC);
	tap_eq(epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &ev), 0, "epoll: add the context");
	tap_eq(epoll_wait(ep, &out, 1, 0), 0, "epoll: nothing pending");
	pid = notify_later(y, pa);
	tap_eq(epoll_wait(ep, &out, 1, 10000), 1, "epoll: woken by a notify from another process");
	waitpid(pid, &status, 0);
	tap_ok(out.events & EPOLLIN, "epoll: EPOLLIN");
	tap_eq(epoll_wait(ep, &out, 1, 0), 1, "epoll: level-triggered while the entry is unconsumed");
	vt_skip(x, 4);
	tap_eq(epoll_wait(ep, &out, 1, 0), 0, "epoll: quiet once consumed");
	close(ep);
}

static void test_bad_mmap(struct xb_xenback *x)
{
	void *m;

	m = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, x->fd, 0);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap MAP_PRIVATE is EINVAL");
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, x->fd, 4096);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap at a non-zero offset is EINVAL");
	m = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, x->fd, 0);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap larger than the ring is EINVAL");
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, x->fd, 0);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap with PROT_EXEC is EINVAL");
}

int main(void)
{
	struct xb_xenback x, y;
	uint32_t pa, pb;

	vt_open(&x);
	vt_open(&y);
	vt_pair(&y, &x, &pa, &pb);
	test_poll(&x, &y, pa, pb);
	test_epoll(&x, &y, pa);
	test_bad_mmap(&x);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
