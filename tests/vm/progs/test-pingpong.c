/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loopback ping-pong between two processes: each owns one context and one
 * end; every round is one XENBACK_IOCTL_NOTIFY (re-arm + notify + wait).
 */
#include <sys/wait.h>

#include "vmtest.h"

#define ROUNDS 2000

/* Reply to what arrived and wait for the next; returns ports received. */
static int round_trip(struct xb_xenback *x, uint32_t port, int have_event, int wait)
{
	uint32_t got[4];
	int r;

	if (!wait)
		return xb_xenback_kick(x, &port, have_event ? 1 : 0, &port, 1);
	r = xb_xenback_kick_wait(x, &port, have_event ? 1 : 0, &port, 1, -1);
	if (r < 0)
		return r;
	r = xb_xenback_take(x, got, 4);
	return (r == 1 && got[0] == port) ? 1 : -EPROTO;
}

/* The peer process: answers every ping on port pb of context b. */
static void __attribute__((noreturn)) pong(struct xb_xenback *b, uint32_t pb)
{
	int i;

	/* wait for the first ping */
	if (xb_xenback_kick_wait(b, NULL, 0, NULL, 0, -1) != 1 || vt_skip(b, 4) != 1)
		_exit(3);
	for (i = 0; i < ROUNDS - 1; i++)
		if (round_trip(b, pb, 1, 1) != 1)
			_exit(4);
	if (round_trip(b, pb, 1, 0) != 0) /* last pong */
		_exit(5);
	_exit(0);
}

int main(void)
{
	struct xb_xenback a, b;
	uint32_t pa = 0, pb = 0;
	int i, status, bad = 0;
	pid_t pid;

	vt_open(&a);
	vt_open(&b);
	tap_eq(xb_xenback_bind_loopback(&a, b.fd, &pa, &pb), 0, "bind a loopback pair across two contexts");
	tap_ok(pa >= XENBACK_LOOPBACK_PORT_BASE && pb >= XENBACK_LOOPBACK_PORT_BASE,
	     "loopback ports are in the loopback range");

	pid = fork();
	if (pid == 0) {
		xb_xenback_close(&a);
		pong(&b, pb);
	}
	xb_xenback_close(&b);
	for (i = 0; i < ROUNDS; i++)
		if (round_trip(&a, pa, i > 0, 1) != 1)
			bad++;
	waitpid(pid, &status, 0);
	tap_eq(bad, 0, "%d round trips, each answered by exactly one event", ROUNDS);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer process completed (status %d)",
	     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	tap_eq(vt_stat(&a, pa, 'n'), ROUNDS, "notifies counted on our port");
	tap_eq(vt_stat(&a, pa, 'w'), ROUNDS, "wakes counted on our port");
	xb_xenback_close(&a);
	return tap_done();
}
