/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Contexts are isolated: a context only sees and acts on its own ports. */
#include <sys/eventfd.h>

#include "vmtest.h"

int main(void)
{
	struct xenback_port_stats st;
	uint32_t a1, a2, b[6];
	uint32_t foreign;
	struct xb_xenback x, y;
	int i, efd;

	vt_open(&x);
	vt_open(&y);
	for (i = 0; i < 3; i++)
		vt_pair(&y, NULL, &b[2 * i], &b[2 * i + 1]);
	vt_pair(&x, NULL, &a1, &a2);
	foreign = b[5]; /* a port number only the other context has */
	tap_ok(foreign != a1 && foreign != a2, "context B owns port %u, A does not", foreign);

	tap_eq(xb_xenback_notify(&x, foreign), -EINVAL, "A cannot notify B's port");
	tap_eq(xb_xenback_rearm(&x, foreign, false), -EINVAL, "A cannot re-arm B's port");
	tap_eq(xb_xenback_port_stats(&x, foreign, &st), -EINVAL, "A cannot read B's port counters");
	efd = eventfd(0, EFD_CLOEXEC);
	tap_eq(xb_xenback_set_eventfd(&x, foreign, efd), -EINVAL, "A cannot attach an eventfd to B's port");
	tap_eq(xb_xenback_set_ring(&x, foreign, &st, &st), -EINVAL, "A cannot register a ring on B's port");
	tap_eq(xb_xenback_unbind(&x, foreign), -EINVAL, "A cannot unbind B's port");
	tap_eq(xb_xenback_port_stats(&y, foreign, &st), 0, "B's port survived all that");

	/* Same port numbers, separate namespaces: events stay in their context. */
	tap_eq(xb_xenback_notify(&x, a1), 0, "A notifies its own pair");
	tap_eq(xb_xenback_avail(&y), 0, "B's ring sees nothing");
	tap_eq(xb_xenback_avail(&x), 1, "A's ring has the event");
	tap_eq(vt_stat(&y, b[1], 'e'), 0, "B's same-numbered port counted nothing");
	close(efd);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
