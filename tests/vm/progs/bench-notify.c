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
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>

#include "xbtest.h"

/* Alternating blocks of each ping-pong, medians reported: the host running
 * the VM is shared, and interleaving keeps drift out of the comparison. */
#define BLOCKS 9
#define WARMUP 200
#define ROUNDS 2500
#define NPORTS 64
#define BATCH_ROUNDS 2000

static void map_ring(struct xbt *x)
{
	x->sh = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
	if (x->sh == MAP_FAILED)
		t_bail("mmap");
	x->ring = (uint32_t *)((char *)x->sh + XENBACK_RING_OFFSET);
}

/* One hop: re-arm what we got, notify, wait for the answer. */
static void hop(struct xbt *x, uint32_t port, int rearm, int wait)
{
	if (xbt_kick(x->fd, &port, rearm, &port, 1, wait ? XENBACK_NOTIFY_WAIT : 0) < 0)
		t_bail("notify");
	if (wait && xbt_take(x, NULL, 4) != 1)
		t_bail("ring");
}

static double pingpong_xenback(void)
{
	struct xbt a, b;
	uint32_t pa, pb;
	uint64_t t0 = 0;
	pid_t pid;
	int i;

	a.fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	b.fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (a.fd < 0 || b.fd < 0 || xbt_loop(a.fd, b.fd, &pa, &pb))
		t_bail("setup");
	pid = fork();
	if (pid == 0) {
		close(a.fd);
		map_ring(&b);
		if (xbt_kick(b.fd, NULL, 0, NULL, 0, XENBACK_NOTIFY_WAIT) != 1)
			_exit(1);
		xbt_take(&b, NULL, 4);
		for (i = 0; i < WARMUP + ROUNDS - 1; i++)
			hop(&b, pb, 1, 1);
		hop(&b, pb, 1, 0);
		_exit(0);
	}
	close(b.fd);
	map_ring(&a);
	for (i = 0; i < WARMUP + ROUNDS; i++) {
		if (i == WARMUP)
			t0 = xbt_now_ns();
		hop(&a, pa, i > 0, 1);
	}
	t0 = xbt_now_ns() - t0;
	waitpid(pid, NULL, 0);
	xbt_close(&a);
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
			t0 = xbt_now_ns();
		v = 1;
		if (write(e1, &v, 8) != 8 || read(e2, &v, 8) != 8)
			t_bail("eventfd ping");
	}
	t0 = xbt_now_ns() - t0;
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
	struct xbt x;
	uint32_t ports[NPORTS];
	uint64_t syscalls, events;
};

static void collect(struct side *s, uint32_t *got, const uint32_t *eoi, unsigned int neoi,
		    int notify)
{
	unsigned int n = 0;
	int first = 1;

	while (n < NPORTS) {
		int r = xbt_kick(s->x.fd, first ? eoi : NULL, first ? neoi : 0,
				 first && notify ? s->ports : NULL,
				 first && notify ? NPORTS : 0, XENBACK_NOTIFY_WAIT);

		s->syscalls++;
		if (r < 0)
			t_bail("batch notify");
		first = 0;
		n += xbt_take(&s->x, got + n, NPORTS - n);
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
	fe.x.fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	be.x.fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	fe.syscalls = fe.events = be.syscalls = be.events = 0;
	for (i = 0; i < NPORTS; i++)
		if (xbt_loop(fe.x.fd, be.x.fd, &fe.ports[i], &be.ports[i]))
			t_bail("batch bind");
	pid = fork();
	if (pid == 0) { /* backend: wait for requests, answer all in one call */
		close(fe.x.fd);
		map_ring(&be.x);
		collect(&be, got, NULL, 0, 0);
		for (i = 1; i < BATCH_ROUNDS; i++)
			collect(&be, got, got, NPORTS, 1);
		xbt_kick(be.x.fd, got, NPORTS, be.ports, NPORTS, 0);
		be.syscalls++;
		shared[0] = be.syscalls;
		shared[1] = be.events;
		_exit(0);
	}
	close(be.x.fd);
	map_ring(&fe.x);
	collect(&fe, got, NULL, 0, 1);
	for (i = 1; i < BATCH_ROUNDS; i++)
		collect(&fe, got, got, NPORTS, 1);
	waitpid(pid, NULL, 0);
	*events = fe.events + shared[1];
	*syscalls = fe.syscalls + shared[0];
	xbt_close(&fe.x);
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
