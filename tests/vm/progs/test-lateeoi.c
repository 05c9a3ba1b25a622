/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lateeoi: a delivered port stays masked until re-armed; events latch. */
#include "vmtest.h"

int main(void)
{
	uint32_t pa, pb, got[4];
	struct xb_xenback x;

	vt_open(&x);
	vt_pair(&x, NULL, &pa, &pb);
	tap_eq(xb_xenback_notify(&x, pa), 0, "notify");
	tap_eq(xb_xenback_notify(&x, pa), 0, "notify again while the peer is masked");
	tap_eq(xb_xenback_take(&x, got, 4), 1, "one ring entry for two events");
	tap_eq(got[0], pb, "the entry is the peer port");
	tap_eq(vt_stat(&x, pb, 'e'), 2, "two events counted");
	tap_eq(vt_stat(&x, pb, 'w'), 1, "one wake counted");
	tap_eq(xb_xenback_rearm(&x, pb, false), 0, "re-arm");
	tap_eq(xb_xenback_take(&x, got, 4), 1, "the latched event is delivered on re-arm");
	tap_eq(xb_xenback_rearm(&x, pb, false), 0, "re-arm again");
	tap_eq(vt_skip(&x, 4), 0, "nothing more pending");
	xb_xenback_rearm(&x, pb, false); /* re-arming an unmasked port is a no-op */
	xb_xenback_notify(&x, pa);
	tap_eq(vt_skip(&x, 4), 1, "re-arming an unmasked port changes nothing");
	xb_xenback_close(&x);
	return tap_done();
}
