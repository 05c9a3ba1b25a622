/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bind returns the numbers it bound even when another thread unbinds the
 * ports the moment they are published (the numbers are predictable: the
 * lowest free). The module's test hook test_window_ms holds the next
 * binder in that window (once), after the context's lock is dropped; meanwhile the test
 * unbinds the new pair and binds more ports elsewhere, so that the freed
 * port objects are likely reused. A module that read the numbers from the
 * port objects after dropping the lock returns a reused object's number
 * (and a debug kernel's KASAN reports the read of freed memory).
 */
#include "vmtest.h"

#define WINDOW "/sys/module/xenback/parameters/test_window_ms"

struct binder {
	struct xb_xenback *x;
	uint32_t a, b;
	int ret;
	double secs;
};

static void *bind_pair(void *p)
{
	struct binder *bd = p;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	bd->ret = xb_xenback_bind_loopback(bd->x, -1, &bd->a, &bd->b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bd->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return NULL;
}

int main(void)
{
	uint32_t base = XENBACK_LOOPBACK_PORT_BASE, a, b;
	struct xb_xenback x, y;
	struct binder bd = { .x = &x };
	pthread_t t;
	int i, r = 0;

	if (access(WINDOW, F_OK) != 0) {
		tap_skip("bind window", "the module has no test hooks (a DKMS build)");
		return tap_done();
	}
	vt_open(&x);
	vt_open(&y);
	for (i = 0; i < 32 && !r; i++) /* y's next numbers are far from x's */
		r = xb_xenback_bind_loopback(&y, -1, &a, &b);
	tap_eq(r, 0, "32 pairs bound in another context");
	tap_ok(vt_set_param("test_window_ms", "9000"), "test_window_ms = 9000");
	pthread_create(&t, NULL, bind_pair, &bd);
	tap_ok(vt_wait_in_window(), "the bind sleeps in its window");
	tap_ok(xb_xenback_unbind(&x, base) == 0 && xb_xenback_unbind(&x, base + 1) == 0,
	       "the binder's pair %#x/%#x is published before the bind returns, and unbound", base,
	       base + 1);
	/* kfree_rcu() frees in batches every 5 s (Linux 6.1): wait for one */
	usleep(6500 * 1000);
	for (i = 0, r = 0; i < 200 && !r; i++)
		r = xb_xenback_bind_loopback(&y, -1, &a, &b);
	tap_eq(r, 0, "200 more pairs bound meanwhile (reusing freed port objects)");
	pthread_join(t, NULL);
	tap_eq(bd.ret, 0, "the bind succeeded");
	tap_ok(bd.secs >= 8.9, "after waiting in the window (%.2f s)", bd.secs);
	tap_ok(bd.a == base && bd.b == base + 1, "and returned the numbers it bound: %#x/%#x", bd.a,
	       bd.b);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
