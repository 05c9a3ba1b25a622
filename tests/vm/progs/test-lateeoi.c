/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lateeoi: a delivered port stays masked until re-armed; events latch. */
#include "xbtest.h"

int main(void)
{
	uint32_t pa, pb, got;
	struct xbt x;

	xbt_open_or_bail(&x);
	if (xbt_loop(x.fd, -1, &pa, &pb))
		t_bail("bind");
	tap_eq(xbt_notify1(x.fd, pa), 0, "notify");
	tap_eq(xbt_notify1(x.fd, pa), 0, "notify again while the peer is masked");
	tap_eq(xbt_take(&x, &got, 4), 1, "one ring entry for two events");
	tap_eq(got, pb, "the entry is the peer port");
	tap_eq(xbt_stat(x.fd, pb, 'e'), 2, "two events counted");
	tap_eq(xbt_stat(x.fd, pb, 'w'), 1, "one wake counted");
	tap_eq(xbt_eoi1(x.fd, pb, 0), 0, "re-arm");
	tap_eq(xbt_take(&x, &got, 4), 1, "the latched event is delivered on re-arm");
	tap_eq(xbt_eoi1(x.fd, pb, 0), 0, "re-arm again");
	tap_eq(xbt_take(&x, NULL, 4), 0, "nothing more pending");
	xbt_eoi1(x.fd, pb, 0); /* re-arming an unmasked port is a no-op */
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_take(&x, NULL, 4), 1, "re-arming an unmasked port changes nothing");
	xbt_close(&x);
	return tap_done();
}
