/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Teardown races: one thread floods events (notify, re-arm) while the main
 * thread closes the contexts under it, thousands of times. The vm tier then
 * checks the kernel log and that rmmod succeeds.
 */
#include <pthread.h>
#include <sys/eventfd.h>

#include "vmtest.h"

#define ITER 3000

/* Raw fds and ioctls in the flood loop: its point is the file's release
 * racing ioctls, so the flooder keeps issuing them on fds the main thread
 * closes under it (EBADF ends it); a client's context is never used across
 * its own close. The contexts are plain open()s, not the client's: it maps
 * every context and unmaps it on close, which made this loop about twice as
 * slow in the VM; every third context keeps a mapping past its close
 * instead. The last test goes through the client. */
struct flood {
	int fd_a, fd_b;
	uint32_t pa, pb;
	volatile int stop;
};

static int raw_notify(int fd, const uint32_t *eoi, unsigned int ne, const uint32_t *ntf,
		      unsigned int nn)
{
	struct xenback_notify n = {
		.eoi = (uintptr_t)eoi, .notify = (uintptr_t)ntf, .eoi_count = ne, .notify_count = nn,
	};

	return t_ret(ioctl(fd, XENBACK_IOCTL_NOTIFY, &n));
}

static int raw_pair(int fd, int peer_fd, uint32_t *port, uint32_t *peer_port)
{
	struct xenback_bind_loopback l = { .peer_fd = peer_fd };
	int r = t_ret(ioctl(fd, XENBACK_IOCTL_BIND_LOOPBACK, &l));

	*port = l.port;
	*peer_port = l.peer_port;
	return r;
}

static void *flooder(void *arg)
{
	struct flood *f = arg;
	uint32_t v[16], r;
	int i;

	for (i = 0; i < 16; i++)
		v[i] = f->pa;
	while (!f->stop) {
		if (raw_notify(f->fd_a, NULL, 0, v, 16) == -EBADF)
			break;
		r = f->pb | (f->stop & 1 ? XENBACK_EOI_SPURIOUS : 0);
		if (raw_notify(f->fd_b, &r, 1, NULL, 0) == -EBADF)
			break;
	}
	return NULL;
}

/* One iteration: two contexts with state, flooded, closed under the flood.
 * Returns 0, or -1 when it could not set up. */
static int flood_close(int i, uint32_t *sring)
{
	struct xenback_set_eventfd se;
	struct xenback_set_ring sr;
	struct flood f;
	pthread_t t;
	uint32_t qa, qb;
	int efd;

	memset(&f, 0, sizeof(f));
	f.fd_a = open(XB_DEV, O_RDWR | O_CLOEXEC);
	f.fd_b = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (f.fd_a < 0 || f.fd_b < 0 || raw_pair(f.fd_a, f.fd_b, &f.pa, &f.pb))
		return -1;
	/* more state to tear down: an eventfd, a ring, a same-context pair */
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	se = (struct xenback_set_eventfd){ .port = f.pb, .fd = efd };
	if (i & 1)
		ioctl(f.fd_b, XENBACK_IOCTL_SET_EVENTFD, &se);
	sr = (struct xenback_set_ring){ .port = f.pb, .req_prod = (uintptr_t)&sring[0],
					.req_cons = (uintptr_t)&sring[1] };
	if (i & 2)
		ioctl(f.fd_b, XENBACK_IOCTL_SET_RING, &sr);
	raw_pair(f.fd_b, -1, &qa, &qb);
	if (i % 3 == 0)
		mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd_b, 0);
	if (pthread_create(&t, NULL, flooder, &f))
		return -1;
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
	return 0;
}

/* Many ports at close time, with events in flight from another context. */
static void test_many_ports(void)
{
	struct xb_xenback x, y;
	uint32_t a[500], b[500];
	int n;

	vt_open(&x);
	vt_open(&y);
	for (n = 0; n < 500; n++)
		if (xb_xenback_bind_loopback(&x, y.fd, &a[n], &b[n]))
			break;
	tap_eq(n, 500, "bind 500 pairs across two contexts");
	xb_xenback_kick(&x, NULL, 0, a, 500);
	xb_xenback_close(&y);
	tap_eq(xb_xenback_kick(&x, NULL, 0, a, 500), 0, "notify 500 ports whose peers are closed");
	xb_xenback_close(&x);
}

int main(void)
{
	static uint32_t sring[1024] __attribute__((aligned(4096)));
	int i, errors = 0;

	for (i = 0; i < ITER; i++) {
		if (flood_close(i, sring)) {
			errors++;
			break;
		}
	}
	tap_eq(errors, 0, "%d open/bind/flood/close iterations", ITER);
	test_many_ports();
	return tap_done();
}
