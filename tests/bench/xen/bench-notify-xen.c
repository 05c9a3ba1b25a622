/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Notification on real Xen (run in dom0 by `make bench-notify-xen`):
 *  1. ping-pong between two processes over an interdomain event channel from
 *     dom0 to itself, both ends through /dev/xenback (one XENBACK_IOCTL_NOTIFY
 *     per hop: re-arm + notify + wait), against the same through libxenevtchn
 *     (/dev/xen/evtchn: notify ioctl, pending read, unmask write per hop);
 *     interleaved blocks, medians;
 *  2. 64 busy channels between two processes, each side notifying all of
 *     them and collecting all answers: every call into the kernel both sides
 *     make (each is one syscall: ioctl, read or write), divided by the events
 *     they consume.
 * Every process is pinned to dom0's vCPU 0 (like the vm tier's bench): what is
 * measured is the software path (syscalls, upcalls, wake-ups), not TCG's
 * cross-vCPU interrupt latency, and a side's batch of notifies is complete
 * before the other side runs.
 * /dev/xenback through libxenback's client of it (xenback_dev.c, linked in).
 * Both ends of a xenback channel live in /dev/xenback: an unbound port from
 * libxenevtchn is bound by context A, then closed, which leaves A's port
 * unbound for dom0 (Xen's evtchn_close), and context B binds to that.
 * EVTCHNOP_bind_interdomain marks the new local port pending: drained first.
 * Prints
 *   BENCH notify-xen xenback_rtt_ns=A evtchn_rtt_ns=B evtchn_over_xenback=R
 *         syscalls_per_event_xenback=S1 syscalls_per_event_evtchn=S2
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <xenevtchn.h>

#include "userspace/lib/platform/xenback_dev.h"

#define BLOCKS 7
#define WARMUP 100
#define ROUNDS 2000
#define NPORTS 64
#define BATCH_ROUNDS 300

static void die(const char *what)
{
	printf("not ok - bench-notify-xen: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int xb_bind(struct xb_xenback *x, uint32_t rport, uint32_t *local)
{
	int r = xb_xenback_bind_interdomain(x, 0, rport);

	if (r < 0) {
		errno = -r;
		return r;
	}
	*local = (uint32_t)r;
	return 0;
}

/* A channel dom0 <-> dom0 with both ends in /dev/xenback: *pa in a, *pb in b. */
static void xb_pair(xenevtchn_handle *tmp, struct xb_xenback *a, struct xb_xenback *b,
		    uint32_t *pa, uint32_t *pb)
{
	int u = xenevtchn_bind_unbound_port(tmp, 0);

	if (u < 0)
		die("xenevtchn_bind_unbound_port");
	if (xb_bind(a, (uint32_t)u, pa))
		die("XENBACK_IOCTL_BIND_INTERDOMAIN (to an evtchn port)");
	if (xenevtchn_unbind(tmp, (uint32_t)u))
		die("xenevtchn_unbind");
	if (xb_bind(b, *pa, pb))
		die("XENBACK_IOCTL_BIND_INTERDOMAIN (to a xenback port left unbound)");
}

/* Take and re-arm every event until none came for quiet_ms. */
static void xb_drain(struct xb_xenback *x, int quiet_ms)
{
	uint32_t got[NPORTS];
	int n;

	while (xb_xenback_poll(x, quiet_ms) == 1) {
		while ((n = xb_xenback_take(x, got, NPORTS)) > 0)
			xb_xenback_kick(x, got, (unsigned int)n, NULL, 0);
	}
}

static void ev_drain(xenevtchn_handle *h, int quiet_ms)
{
	struct pollfd p = { .fd = xenevtchn_fd(h), .events = POLLIN };
	int port;

	while (poll(&p, 1, quiet_ms) == 1) {
		port = xenevtchn_pending(h);
		if (port < 0)
			die("xenevtchn_pending");
		xenevtchn_unmask(h, (uint32_t)port);
	}
}

/* One xenback hop: re-arm what we got, notify, wait for the answer. */
static void hop(struct xb_xenback *x, uint32_t port, int rearm, int wait)
{
	uint32_t got[4];

	if (!wait) {
		if (xb_xenback_kick(x, &port, rearm, &port, 1) < 0)
			die("XENBACK_IOCTL_NOTIFY");
		return;
	}
	if (xb_xenback_kick_wait(x, &port, rearm, &port, 1, -1) < 0)
		die("XENBACK_IOCTL_NOTIFY");
	if (xb_xenback_take(x, got, 4) != 1)
		die("pending ring");
}

static double pingpong_xenback(struct xb_xenback *a, struct xb_xenback *b, uint32_t pa,
			       uint32_t pb)
{
	uint32_t got[4];
	uint64_t t0 = 0;
	pid_t pid;
	int i;

	pid = fork();
	if (pid == 0) {
		if (xb_xenback_kick_wait(b, NULL, 0, NULL, 0, -1) != 1)
			_exit(1);
		xb_xenback_take(b, got, 4);
		for (i = 0; i < WARMUP + ROUNDS - 1; i++)
			hop(b, pb, 1, 1);
		hop(b, pb, 1, 0);
		_exit(0);
	}
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		if (i == WARMUP)
			t0 = now_ns();
		hop(a, pa, i > 0, 1);
	}
	t0 = now_ns() - t0;
	xb_xenback_kick(a, &pa, 1, NULL, 0); /* re-arm the last answer */
	waitpid(pid, NULL, 0);
	return (double)t0 / ROUNDS;
}

static double pingpong_evtchn(xenevtchn_handle *e1, xenevtchn_handle *e2, uint32_t u,
			      uint32_t v)
{
	uint64_t t0 = 0;
	pid_t pid;
	int i, p;

	pid = fork();
	if (pid == 0) {
		for (i = 0; i < WARMUP + ROUNDS; i++) {
			p = xenevtchn_pending(e2);
			if (p < 0 || xenevtchn_unmask(e2, (uint32_t)p) || xenevtchn_notify(e2, v))
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		if (i == WARMUP)
			t0 = now_ns();
		if (xenevtchn_notify(e1, u))
			die("xenevtchn_notify");
		p = xenevtchn_pending(e1);
		if (p < 0 || xenevtchn_unmask(e1, (uint32_t)p))
			die("xenevtchn_pending/unmask");
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	return (double)t0 / ROUNDS;
}

/* 64 busy channels through /dev/xenback: syscalls and events of both sides. */
struct xside {
	struct xb_xenback x;
	uint32_t ports[NPORTS];
	uint64_t syscalls, events;
};

static void xb_collect(struct xside *s, uint32_t *got, unsigned int neoi, int notify)
{
	unsigned int n = 0;
	int first = 1;

	while (n < NPORTS) {
		int r = xb_xenback_kick_wait(&s->x, first ? got : NULL, first ? neoi : 0,
					     first && notify ? s->ports : NULL,
					     first && notify ? NPORTS : 0, -1);

		s->syscalls++;
		if (r < 0)
			die("batch XENBACK_IOCTL_NOTIFY");
		first = 0;
		r = xb_xenback_take(&s->x, got + n, NPORTS - n);
		if (r < 0)
			die("batch pending ring");
		n += (unsigned int)r;
	}
	s->events += n;
}

static double batch_xenback(struct xside *fe, struct xside *be, uint64_t *shared)
{
	uint32_t got[NPORTS];
	pid_t pid;
	int i;

	fe->syscalls = fe->events = be->syscalls = be->events = 0;
	pid = fork();
	if (pid == 0) { /* backend: answer every request, all in one call */
		xb_collect(be, got, 0, 0);
		for (i = 1; i < BATCH_ROUNDS; i++)
			xb_collect(be, got, NPORTS, 1);
		xb_xenback_kick(&be->x, got, NPORTS, be->ports, NPORTS);
		be->syscalls++;
		shared[0] = be->syscalls;
		shared[1] = be->events;
		_exit(0);
	}
	xb_collect(fe, got, 0, 1);
	for (i = 1; i < BATCH_ROUNDS; i++)
		xb_collect(fe, got, NPORTS, 1);
	xb_xenback_kick(&fe->x, got, NPORTS, NULL, 0);
	fe->syscalls++;
	waitpid(pid, NULL, 0);
	return (double)(fe->syscalls + shared[0]) / (double)(fe->events + shared[1]);
}

/* The same through libxenevtchn: each call below is one syscall (notify: an
 * ioctl, pending: a read of one port, unmask: a write of one port). */
static void ev_collect(xenevtchn_handle *h, uint64_t *sc, uint64_t *ev)
{
	int i, p;

	for (i = 0; i < NPORTS; i++) {
		p = xenevtchn_pending(h);
		if (p < 0 || xenevtchn_unmask(h, (uint32_t)p))
			die("batch pending/unmask");
		*sc += 2;
		(*ev)++;
	}
}

static void ev_notify_all(xenevtchn_handle *h, const uint32_t *ports, uint64_t *sc)
{
	int i;

	for (i = 0; i < NPORTS; i++) {
		if (xenevtchn_notify(h, ports[i]))
			die("batch xenevtchn_notify");
		(*sc)++;
	}
}

static double batch_evtchn(xenevtchn_handle *e1, xenevtchn_handle *e2, const uint32_t *u,
			   const uint32_t *v, uint64_t *shared)
{
	uint64_t sc = 0, ev = 0;
	pid_t pid;
	int i;

	pid = fork();
	if (pid == 0) {
		for (i = 0; i < BATCH_ROUNDS; i++) {
			ev_collect(e2, &sc, &ev);
			ev_notify_all(e2, v, &sc);
		}
		shared[0] = sc;
		shared[1] = ev;
		_exit(0);
	}
	for (i = 0; i < BATCH_ROUNDS; i++) {
		ev_notify_all(e1, u, &sc);
		ev_collect(e1, &sc, &ev);
	}
	waitpid(pid, NULL, 0);
	return (double)(sc + shared[0]) / (double)(ev + shared[1]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static xenevtchn_handle *ev_open(void)
{
	xenevtchn_handle *h = xenevtchn_open(NULL, 0);

	if (!h)
		die("xenevtchn_open");
	return h;
}

static void xb_open2(struct xb_xenback *x)
{
	int r = xb_xenback_open(x);

	if (r) {
		errno = -r;
		die("open " XB_XENBACK_DEVICE);
	}
}

int main(void)
{
	double xbs[BLOCKS], evs[BLOCKS], xb, ev, s_xb, s_ev;
	xenevtchn_handle *tmp = ev_open(), *e1 = ev_open(), *e2 = ev_open();
	static struct xside fe, be;
	struct xb_xenback a, b;
	uint32_t pa, pb, u, v, us[NPORTS], vs[NPORTS];
	uint64_t *shared;
	int i, r;

	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (!getenv("XB_NO_PIN") && sched_setaffinity(0, sizeof(one), &one))
		die("sched_setaffinity");
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	/* ping-pong channels */
	xb_open2(&a);
	xb_open2(&b);
	xb_pair(tmp, &a, &b, &pa, &pb);
	xb_drain(&a, 200);
	xb_drain(&b, 200);
	r = xenevtchn_bind_unbound_port(e1, 0);
	if (r < 0)
		die("xenevtchn_bind_unbound_port");
	u = (uint32_t)r;
	r = xenevtchn_bind_interdomain(e2, 0, u);
	if (r < 0)
		die("xenevtchn_bind_interdomain");
	v = (uint32_t)r;
	ev_drain(e1, 200);
	ev_drain(e2, 200);
	printf("# xenback ports %u <-> %u, evtchn ports %u <-> %u\n", pa, pb, u, v);

	for (i = 0; i < BLOCKS; i++) {
		xbs[i] = pingpong_xenback(&a, &b, pa, pb);
		evs[i] = pingpong_evtchn(e1, e2, u, v);
		printf("# block %d: xenback %.0f ns, evtchn %.0f ns\n", i, xbs[i], evs[i]);
		fflush(stdout);
	}
	qsort(xbs, BLOCKS, sizeof(double), cmp_double);
	qsort(evs, BLOCKS, sizeof(double), cmp_double);
	xb = xbs[BLOCKS / 2];
	ev = evs[BLOCKS / 2];

	/* 64 busy channels in each */
	xb_open2(&fe.x);
	xb_open2(&be.x);
	for (i = 0; i < NPORTS; i++)
		xb_pair(tmp, &fe.x, &be.x, &fe.ports[i], &be.ports[i]);
	xb_drain(&fe.x, 300);
	xb_drain(&be.x, 300);
	s_xb = batch_xenback(&fe, &be, shared);
	xenevtchn_handle *b1 = ev_open(), *b2 = ev_open();
	for (i = 0; i < NPORTS; i++) {
		r = xenevtchn_bind_unbound_port(b1, 0);
		if (r < 0)
			die("batch xenevtchn_bind_unbound_port");
		us[i] = (uint32_t)r;
		r = xenevtchn_bind_interdomain(b2, 0, us[i]);
		if (r < 0)
			die("batch xenevtchn_bind_interdomain");
		vs[i] = (uint32_t)r;
	}
	ev_drain(b1, 300);
	ev_drain(b2, 300);
	s_ev = batch_evtchn(b1, b2, us, vs, shared);

	printf("# xenback rtt ns: min %.0f median %.0f max %.0f\n", xbs[0], xb, xbs[BLOCKS - 1]);
	printf("# evtchn rtt ns: min %.0f median %.0f max %.0f\n", evs[0], ev, evs[BLOCKS - 1]);
	printf("BENCH notify-xen xenback_rtt_ns=%.0f evtchn_rtt_ns=%.0f evtchn_over_xenback=%.2f syscalls_per_event_xenback=%.3f syscalls_per_event_evtchn=%.3f\n",
	       xb, ev, ev / xb, s_xb, s_ev);
	printf("ok - bench-notify-xen\n");
	xb_xenback_close(&fe.x);
	xb_xenback_close(&be.x);
	xb_xenback_close(&a);
	xb_xenback_close(&b);
	xenevtchn_close(b1);
	xenevtchn_close(b2);
	xenevtchn_close(e1);
	xenevtchn_close(e2);
	xenevtchn_close(tmp);
	return 0;
}
