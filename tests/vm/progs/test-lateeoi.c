/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lateeoi: a delivered port stays masked until re-armed; events latch. */
#include "xbtest.h"

int main(void)
{
	uint32_t pa, pb, got;
	struct xbt x;

	t_plan(11);
	xbt_open_or_bail(&x);
	if (xbt_loop(x.fd, -1, &pa, &pb))
		t_bail("bind");
	t_is(xbt_notify1(x.fd, pa), 0, "notify");
	t_is(xbt_notify1(x.fd, pa), 0, "notify again while the peer is masked");
	t_is(xbt_take(&x, &got, 4), 1, "one ring entry for two events");
	t_is(got, pb, "the entry is the peer port");
	t_is(xbt_stat(x.fd, pb, 'e'), 2, "two events counted");
	t_is(xbt_stat(x.fd, pb, 'w'), 1, "one wake counted");
	t_is(xbt_eoi1(x.fd, pb, 0), 0, "re-arm");
	t_is(xbt_take(&x, &got, 4), 1, "the latched event is delivered on re-arm");
	t_is(xbt_eoi1(x.fd, pb, 0), 0, "re-arm again");
	t_is(xbt_take(&x, NULL, 4), 0, "nothing more pending");
	xbt_eoi1(x.fd, pb, 0); /* re-arming an unmasked port is a no-op */
	xbt_notify1(x.fd, pa);
	t_is(xbt_take(&x, NULL, 4), 1, "re-arming an unmasked port changes nothing");
	xbt_close(&x);
	return t_done();
}
