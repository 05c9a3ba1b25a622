/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One XENBACK_IOCTL_NOTIFY notifies 64 ports; one re-arms them all. */
#include "xbtest.h"

#define N 64

static int cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

int main(void)
{
	uint32_t fa[N], fb[N], got[2 * N], dup[2];
	struct xbt a, b;
	int i, same = 1, counters = 1;

	xbt_open_or_bail(&a);
	xbt_open_or_bail(&b);
	for (i = 0; i < N; i++)
		if (xbt_loop(a.fd, b.fd, &fa[i], &fb[i]))
			t_bail("bind");
	tap_eq(xbt_kick(a.fd, NULL, 0, fa, N, 0), 0, "notify %d ports in one call", N);
	tap_eq(xbt_avail(&b), N, "%d events pending in the peer's ring", N);
	tap_eq(xbt_take(&b, got, 2 * N), N, "took %d ports", N);
	qsort(got, N, sizeof(got[0]), cmp);
	qsort(fb, N, sizeof(fb[0]), cmp);
	for (i = 0; i < N; i++)
		same &= got[i] == fb[i];
	tap_ok(same, "each peer port exactly once");
	for (i = 0; i < N; i++)
		counters &= xbt_stat(b.fd, fb[i], 'e') == 1 && xbt_stat(b.fd, fb[i], 'w') == 1;
	tap_ok(counters, "every peer port counted one event and one wake");

	tap_eq(xbt_kick(b.fd, fb, N, NULL, 0, 0), 0, "re-arm %d ports in one call", N);
	tap_eq(xbt_kick(a.fd, NULL, 0, fa, N, 0), 0, "notify them again");
	tap_eq(xbt_take(&b, NULL, 2 * N), N, "second batch delivered after re-arm");

	/* A port twice in one vector: the second event latches. */
	xbt_kick(b.fd, fb, N, NULL, 0, 0);
	dup[0] = dup[1] = fa[0];
	xbt_kick(a.fd, NULL, 0, dup, 2, 0);
	tap_eq(xbt_take(&b, NULL, 2 * N), 1, "a port notified twice is published once");
	xbt_close(&a);
	xbt_close(&b);
	return tap_done();
}
