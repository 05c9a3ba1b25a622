/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One XENBACK_IOCTL_NOTIFY notifies 64 ports; one re-arms them all. */
#include "vmtest.h"

#define N 64

static int cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

int main(void)
{
	uint32_t fa[N], fb[N], got[2 * N], dup[2];
	struct xb_xenback a, b;
	int i, same = 1, counters = 1;

	vt_open(&a);
	vt_open(&b);
	for (i = 0; i < N; i++)
		vt_pair(&a, &b, &fa[i], &fb[i]);
	tap_eq(xb_xenback_kick(&a, NULL, 0, fa, N), 0, "notify %d ports in one call", N);
	tap_eq(xb_xenback_avail(&b), N, "%d events pending in the peer's ring", N);
	tap_eq(xb_xenback_take(&b, got, 2 * N), N, "took %d ports", N);
	qsort(got, N, sizeof(got[0]), cmp);
	qsort(fb, N, sizeof(fb[0]), cmp);
	for (i = 0; i < N; i++)
		same &= got[i] == fb[i];
	tap_ok(same, "each peer port exactly once");
	for (i = 0; i < N; i++)
		counters &= vt_stat(&b, fb[i], 'e') == 1 && vt_stat(&b, fb[i], 'w') == 1;
	tap_ok(counters, "every peer port counted one event and one wake");

	tap_eq(xb_xenback_kick(&b, fb, N, NULL, 0), 0, "re-arm %d ports in one call", N);
	tap_eq(xb_xenback_kick(&a, NULL, 0, fa, N), 0, "notify them again");
	tap_eq(vt_skip(&b, 2 * N), N, "second batch delivered after re-arm");

	/* A port twice in one vector: the second event latches. */
	xb_xenback_kick(&b, fb, N, NULL, 0);
	dup[0] = dup[1] = fa[0];
	xb_xenback_kick(&a, NULL, 0, dup, 2);
	tap_eq(vt_skip(&b, 2 * N), 1, "a port notified twice is published once");
	xb_xenback_close(&a);
	xb_xenback_close(&b);
	return tap_done();
}
