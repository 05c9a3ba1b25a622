/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Events consumed through the mmap'd ring, woken by poll() and epoll. */
#include <sys/epoll.h>
#include <sys/wait.h>

#include "xbtest.h"

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint32_t pa, pb, got;
	struct xbt x, y;
	void *m;
	int ep, status;
	pid_t pid;

	xbt_open_or_bail(&x);
	xbt_open_or_bail(&y);
	if (xbt_loop(y.fd, x.fd, &pa, &pb))
		t_bail("bind");

	tap_eq(xbt_wait(&x, 0), 0, "poll: nothing pending on a fresh context");
	xbt_notify1(y.fd, pa);
	tap_eq(xbt_wait(&x, 0), 1, "poll: readable after an event");
	tap_eq(xbt_take(&x, &got, 1), 1, "the ring holds one entry");
	tap_eq(got, pb, "the entry names the port");
	tap_eq(xbt_wait(&x, 0), 0, "poll: not readable once cons caught up");

	/* blocking poll woken from another process */
	xbt_eoi1(x.fd, pb, 0);
	pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		_exit(xbt_notify1(y.fd, pa) ? 1 : 0);
	}
	tap_eq(xbt_wait(&x, 10000), 1, "blocking poll woken by a notify from another process");
	waitpid(pid, &status, 0);
	xbt_take(&x, NULL, 4);
	xbt_eoi1(x.fd, pb, 0);

	ep = epoll_create1(EPOLL_CLOEXEC);
	tap_eq(epoll_ctl(ep, EPOLL_CTL_ADD, x.fd, &ev), 0, "epoll: add the context");
	tap_eq(epoll_wait(ep, &out, 1, 0), 0, "epoll: nothing pending");
	pid = fork();
	if (pid == 0) {
		usleep(100 * 1000);
		_exit(xbt_notify1(y.fd, pa) ? 1 : 0);
	}
	tap_eq(epoll_wait(ep, &out, 1, 10000), 1, "epoll: woken by a notify from another process");
	waitpid(pid, &status, 0);
	tap_ok(out.events & EPOLLIN, "epoll: EPOLLIN");
	tap_eq(epoll_wait(ep, &out, 1, 0), 1, "epoll: level-triggered while the entry is unconsumed");
	xbt_take(&x, NULL, 4);
	tap_eq(epoll_wait(ep, &out, 1, 0), 0, "epoll: quiet once consumed");
	close(ep);

	m = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, x.fd, 0);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap MAP_PRIVATE is EINVAL");
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, x.fd, 4096);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap at a non-zero offset is EINVAL");
	m = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, x.fd, 0);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap larger than the ring is EINVAL");
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, x.fd, 0);
	tap_ok(m == MAP_FAILED && errno == EINVAL, "mmap with PROT_EXEC is EINVAL");
	xbt_close(&x);
	xbt_close(&y);
	return tap_done();
}
