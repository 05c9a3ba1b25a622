/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Notification benchmark (run in the VM by `make bench-notify`):
 *  1. ping-pong round trip between two processes over a /dev/xenback loopback
 *     pair (one XENBACK_IOCTL_NOTIFY per hop: re-arm + notify + wait), and the
 *     same ping-pong over two eventfds (write + read per hop), same run;
 *  2. 64 busy ports between a "frontend" and a "backend" process: every
 *     syscall both make, divided by the events they consume.
 * Prints
 *   BENCH notify-pingpong xenback_rtt_ns=A eventfd_rtt_ns=B eventfd_over_xenback=R
 *   BENCH notify-batch ports=64 events=E syscalls_per_event=S
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xenback_dev.h"

/* Alternating blocks of each ping-pong, medians reported: the host running
 * the VM is shared, and interleaving keeps drift out of the comparison. */
#define BLOCKS 9
#define WARMUP 200
#define ROUNDS 2500
#define NPORTS 64
#define BATCH_ROUNDS 2000

static __attribute__((noreturn)) void t_bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void open_or_bail(struct xb_xenback *x)
{
	int r = xb_xenback_open(x);

	if (r) {
		errno = -r;
		t_bail("open " XB_XENBACK_DEVICE);
	}
}

/* One hop: re-arm what we got, notify, wait for the answer. */
static void hop(struct xb_xenback *x, uint32_t port, int rearm, int wait)
{
	uint32_t got[4];

	if (!wait) {
		if (xb_xenback_kick(x, &port, rearm, &port, 1) < 0)
			t_bail("notify");
		return;
	}
	if (xb_xenback_kick_wait(x, &port, rearm, &port, 1, -1) < 0)
		t_bail("notify");
	if (xb_xenback_take(x, got, 4) != 1)
		t_bail("ring");
}

static double pingpong_xenback(void)
{
	struct xb_xenback a, b;
	uint32_t pa, pb, got[4];
	uint64_t t0 = 0;
	pid_t pid;
	int i;

	open_or_bail(&a);
	open_or_bail(&b);
	if (xb_xenback_bind_loopback(&a, b.fd, &pa, &pb))
		t_bail("setup");
	pid = fork();
	if (pid == 0) {
		xb_xenback_close(&a);
		if (xb_xenback_kick_wait(&b, NULL, 0, NULL, 0, -1) != 1)
			_exit(1);
		xb_xenback_take(&b, got, 4);
		for (i = 0; i < WARMUP + ROUNDS - 1; i++)
			hop(&b, pb, 1, 1);
		hop(&b, pb, 1, 0);
		_exit(0);
	}
	xb_xenback_close(&b);
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		if (i == WARMUP)
			t0 = now_ns();
		hop(&a, pa, i > 0, 1);
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	xb_xenback_close(&a);
	return (double)t0 / ROUNDS;
}

static double pingpong_eventfd(void)
{
	int e1 = eventfd(0, EFD_CLOEXEC), e2 = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 1, t0 = 0;
	pid_t pid;
	int i;

	if (e1 < 0 || e2 < 0)
		t_bail("eventfd");
	pid = fork();
	if (pid == 0) {
		for (i = 0; i < WARMUP + ROUNDS; i++)
			if (read(e1, &v, 8) != 8 || write(e2, &v, 8) != 8)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		if (i == WARMUP)
			t0 = now_ns();
		v = 1;
		if (write(e1, &v, 8) != 8 || read(e2, &v, 8) != 8)
			t_bail("eventfd ping");
	}
	t0 = now_ns() - t0;
	waitpid(pid, NULL, 0);
	close(e1);
	close(e2);
	return (double)t0 / ROUNDS;
}

/*
 * One side of the batch test: notify all our ports (re-arming what we got),
 * then wait until all NPORTS answers arrived. Counts syscalls and events.
 */
struct side {
	struct xb_xenback x;
	uint32_t ports[NPORTS];
	uint64_t syscalls, events;
};

static void collect(struct side *s, uint32_t *got, const uint32_t *eoi, unsigned int neoi,
		    int notify)
{
	unsigned int n = 0;
	int first = 1;

	while (n < NPORTS) {
		int r = xb_xenback_kick_wait(&s->x, first ? eoi : NULL, first ? neoi : 0,
					     first && notify ? s->ports : NULL,
					     first && notify ? NPORTS : 0, -1);

		s->syscalls++;
		if (r < 0)
			t_bail("batch notify");
		first = 0;
		r = xb_xenback_take(&s->x, got + n, NPORTS - n);
		if (r < 0)
			t_bail("batch ring");
		n += (unsigned int)r;
	}
	s->events += n;
}

static void batch(uint64_t *events, uint64_t *syscalls)
{
	struct side fe, be;
	uint64_t *shared;
	uint32_t got[NPORTS];
	pid_t pid;
	int i;

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	open_or_bail(&fe.x);
	open_or_bail(&be.x);
	fe.syscalls = fe.events = be.syscalls = be.events = 0;
	for (i = 0; i < NPORTS; i++)
		if (xb_xenback_bind_loopback(&fe.x, be.x.fd, &fe.ports[i], &be.ports[i]))
			t_bail("batch bind");
	pid = fork();
	if (pid == 0) { /* backend: wait for requests, answer all in one call */
		xb_xenback_close(&fe.x);
		collect(&be, got, NULL, 0, 0);
		for (i = 1; i < BATCH_ROUNDS; i++)
			collect(&be, got, got, NPORTS, 1);
		xb_xenback_kick(&be.x, got, NPORTS, be.ports, NPORTS);
		be.syscalls++;
		shared[0] = be.syscalls;
		shared[1] = be.events;
		_exit(0);
	}
	xb_xenback_close(&be.x);
	collect(&fe, got, NULL, 0, 1);
	for (i = 1; i < BATCH_ROUNDS; i++)
		collect(&fe, got, got, NPORTS, 1);
	waitpid(pid, NULL, 0);
	*events = fe.events + shared[1];
	*syscalls = fe.syscalls + shared[0];
	xb_xenback_close(&fe.x);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	double xbs[BLOCKS], efs[BLOCKS], xb, ef;
	uint64_t ev, sc;
	int i;

	for (i = 0; i < BLOCKS; i++) {
		xbs[i] = pingpong_xenback();
		efs[i] = pingpong_eventfd();
	}
	qsort(xbs, BLOCKS, sizeof(double), cmp_double);
	qsort(efs, BLOCKS, sizeof(double), cmp_double);
	xb = xbs[BLOCKS / 2];
	ef = efs[BLOCKS / 2];
	printf("# xenback rtt ns per block: min %.0f median %.0f max %.0f\n", xbs[0], xb, xbs[BLOCKS - 1]);
	printf("# eventfd rtt ns per block: min %.0f median %.0f max %.0f\n", efs[0], ef, efs[BLOCKS - 1]);
	printf("BENCH notify-pingpong xenback_rtt_ns=%.0f eventfd_rtt_ns=%.0f eventfd_over_xenback=%.2f\n",
	       xb, ef, ef / xb);
	batch(&ev, &sc);
	printf("BENCH notify-batch ports=%d events=%llu syscalls_per_event=%.3f\n", NPORTS,
	       (unsigned long long)ev, (double)sc / (double)ev);
	return 0;
}
