/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Teardown races: one thread floods events (notify, re-arm) while the main
 * thread closes the contexts under it, thousands of times. The vm tier then
 * checks the kernel log and that rmmod succeeds.
 */
#include <pthread.h>
#include <sys/eventfd.h>

#include "xbtest.h"

#define ITER 3000

struct flood {
	int fd_a, fd_b;
	uint32_t pa, pb;
	volatile int stop;
};

static void *flooder(void *arg)
{
	struct flood *f = arg;
	uint32_t v[16];
	int i;

	for (i = 0; i < 16; i++)
		v[i] = f->pa;
	while (!f->stop) {
		if (xbt_kick(f->fd_a, NULL, 0, v, 16, 0) == -EBADF)
			break;
		if (xbt_eoi1(f->fd_b, f->pb, f->stop & 1) == -EBADF)
			break;
	}
	return NULL;
}

int main(void)
{
	static uint32_t sring[1024] __attribute__((aligned(4096)));
	struct flood f;
	pthread_t t;
	int i, errors = 0, efd;

	for (i = 0; i < ITER; i++) {
		uint32_t qa, qb;

		memset(&f, 0, sizeof(f));
		f.fd_a = open(XB_DEV, O_RDWR | O_CLOEXEC);
		f.fd_b = open(XB_DEV, O_RDWR | O_CLOEXEC);
		if (f.fd_a < 0 || f.fd_b < 0 || xbt_loop(f.fd_a, f.fd_b, &f.pa, &f.pb)) {
			errors++;
			break;
		}
		/* more state to tear down: an eventfd, a ring, a same-context pair */
		efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (i & 1)
			xbt_set_eventfd(f.fd_b, f.pb, efd);
		if (i & 2)
			xbt_set_ring(f.fd_b, f.pb, &sring[0], &sring[1]);
		xbt_loop(f.fd_b, -1, &qa, &qb);
		if (i % 3 == 0)
			mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd_b, 0);
		if (pthread_create(&t, NULL, flooder, &f)) {
			errors++;
			break;
		}
		if (i & 4)
			sched_yield();
		/* close the receiving context under the flood, or the sender's */
		if (i & 8) {
			close(f.fd_a);
			close(f.fd_b);
		} else {
			close(f.fd_b);
			close(f.fd_a);
		}
		f.stop = 1;
		pthread_join(t, NULL);
		close(efd);
	}
	tap_eq(errors, 0, "%d open/bind/flood/close iterations", ITER);

	/* Many ports at close time, with events in flight from another context. */
	{
		struct xbt x, y;
		uint32_t a[500], b[500];
		int n;

		xbt_open_or_bail(&x);
		xbt_open_or_bail(&y);
		for (n = 0; n < 500; n++)
			if (xbt_loop(x.fd, y.fd, &a[n], &b[n]))
				break;
		tap_eq(n, 500, "bind 500 pairs across two contexts");
		xbt_kick(x.fd, NULL, 0, a, 500, 0);
		xbt_close(&y);
		tap_eq(xbt_kick(x.fd, NULL, 0, a, 500, 0), 0, "notify 500 ports whose peers are closed");
		xbt_close(&x);
	}
	return tap_done();
}
