/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storm throttling (XSA-332 lateeoi): spurious re-arms in a row delay the
 * unmask, so a flood of events costs few wakes. Checks counters, not time.
 */
#include "vmtest.h"

#define STORM 20000

/* The port's events, wakes, spurious and throttled counters, shown. */
static void stats(struct xb_xenback *x, uint32_t port, const char *what, uint64_t *ev, uint64_t *wk,
		  uint64_t *sp, uint64_t *th)
{
	*ev = vt_stat(x, port, 'e');
	*wk = vt_stat(x, port, 'w');
	*sp = vt_stat(x, port, 's');
	*th = vt_stat(x, port, 't');
	tap_diag("%s: events %llu wakes %llu spurious %llu throttled %llu", what, (unsigned long long)*ev,
		 (unsigned long long)*wk, (unsigned long long)*sp, (unsigned long long)*th);
}

int main(void)
{
	struct { uint32_t req_prod, req_event, rsp_prod, rsp_event; } *sring;
	uint32_t pa, pb, flood[256];
	uint32_t *cons;
	uint64_t ev, wk, sp, th;
	struct xb_xenback x;
	int i;

	vt_open(&x);

	/* 1: userspace reports its events as spurious */
	vt_pair(&x, NULL, &pa, &pb);
	for (i = 0; i < 256; i++)
		flood[i] = pa;
	for (i = 0; i < STORM / 256; i++) {
		xb_xenback_kick(&x, NULL, 0, flood, 256);
		if (vt_skip(&x, 4))
			xb_xenback_rearm(&x, pb, true);
	}
	stats(&x, pb, "userspace storm", &ev, &wk, &sp, &th);
	tap_eq(ev, (STORM / 256) * 256, "every event counted");
	tap_ok(sp >= 2, "spurious re-arms counted");
	tap_ok(th >= 1, "repeated spurious re-arms are throttled");
	tap_ok(wk * 16 < ev, "wakes are a small fraction of events");

	/* 2: the module sees the shared ring has nothing new */
	sring = aligned_alloc(4096, 4096);
	cons = malloc(sizeof(*cons));
	memset(sring, 0, 4096);
	*cons = 0;
	xb_xenback_rearm(&x, pb, false);
	vt_skip(&x, 4);
	xb_xenback_unbind(&x, pb);
	xb_xenback_unbind(&x, pa);
	vt_pair(&x, NULL, &pa, &pb);
	for (i = 0; i < 256; i++)
		flood[i] = pa;
	tap_eq(xb_xenback_set_ring(&x, pb, &sring->req_prod, cons), 0, "register the ring");
	for (i = 0; i < STORM / 256; i++)
		xb_xenback_kick(&x, NULL, 0, flood, 256);
	stats(&x, pb, "ring storm", &ev, &wk, &sp, &th);
	tap_eq(wk, 0, "a storm with an empty ring never wakes userspace");
	tap_eq(xb_xenback_avail(&x), 0, "and publishes nothing");
	tap_ok(th >= 1 && sp >= 2, "the module throttles it");
	tap_ok(sp * 16 < ev, "most storm events are absorbed while throttled");

	/* Real work still gets through once the throttle expires. */
	sring->req_prod = 1;
	xb_xenback_notify(&x, pa);
	tap_eq(xb_xenback_poll(&x, 5000), 1, "a real request is delivered after the throttle");
	free(sring);
	free(cons);
	xb_xenback_close(&x);
	return tap_done();
}
