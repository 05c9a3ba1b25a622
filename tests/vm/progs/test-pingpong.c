/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loopback ping-pong between two processes: each owns one context and one
 * end; every round is one XENBACK_IOCTL_NOTIFY (re-arm + notify + wait).
 */
#include <sys/wait.h>

#include "xbtest.h"

#define ROUNDS 2000

/* Reply to what arrived and wait for the next; returns ports received. */
static int round_trip(struct xbt *x, uint32_t port, int have_event, int wait)
{
	uint32_t got[4];
	int r;

	r = xbt_kick(x->fd, &port, have_event ? 1 : 0, &port, 1,
		     wait ? XENBACK_NOTIFY_WAIT : 0);
	if (r < 0 || !wait)
		return r;
	r = (int)xbt_take(x, got, 4);
	return (r == 1 && got[0] == port) ? 1 : -EPROTO;
}

int main(void)
{
	struct xbt a, b;
	uint32_t pa = 0, pb = 0;
	int i, status, bad = 0;
	pid_t pid;

	a.fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	b.fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (a.fd < 0 || b.fd < 0)
		t_bail("open");
	tap_eq(xbt_loop(a.fd, b.fd, &pa, &pb), 0, "bind a loopback pair across two contexts");
	tap_ok(pa >= XENBACK_LOOPBACK_PORT_BASE && pb >= XENBACK_LOOPBACK_PORT_BASE,
	     "loopback ports are in the loopback range");

	pid = fork();
	if (pid == 0) {
		struct xbt c = { .fd = b.fd };

		close(a.fd);
		c.sh = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
		if (c.sh == MAP_FAILED)
			_exit(2);
		c.ring = (uint32_t *)((char *)c.sh + XENBACK_RING_OFFSET);
		/* wait for the first ping */
		if (xbt_kick(c.fd, NULL, 0, NULL, 0, XENBACK_NOTIFY_WAIT) != 1 ||
		    xbt_take(&c, NULL, 4) != 1)
			_exit(3);
		for (i = 0; i < ROUNDS - 1; i++)
			if (round_trip(&c, pb, 1, 1) != 1)
				_exit(4);
		if (round_trip(&c, pb, 1, 0) != 0) /* last pong */
			_exit(5);
		_exit(0);
	}
	close(b.fd);
	a.sh = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, a.fd, 0);
	if (a.sh == MAP_FAILED)
		t_bail("mmap");
	a.ring = (uint32_t *)((char *)a.sh + XENBACK_RING_OFFSET);
	for (i = 0; i < ROUNDS; i++)
		if (round_trip(&a, pa, i > 0, 1) != 1)
			bad++;
	waitpid(pid, &status, 0);
	tap_eq(bad, 0, "%d round trips, each answered by exactly one event", ROUNDS);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer process completed (status %d)",
	     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	tap_eq(xbt_stat(a.fd, pa, 'n'), ROUNDS, "notifies counted on our port");
	tap_eq(xbt_stat(a.fd, pa, 'w'), ROUNDS, "wakes counted on our port");
	xbt_close(&a);
	return tap_done();
}
