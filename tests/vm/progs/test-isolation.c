/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Contexts are isolated: a context only sees and acts on its own ports. */
#include <sys/eventfd.h>

#include "xbtest.h"

int main(void)
{
	struct xenback_port_stats st;
	uint32_t a1, a2, b[6];
	uint32_t foreign;
	struct xbt x, y;
	int i, efd;

	xbt_open_or_bail(&x);
	xbt_open_or_bail(&y);
	for (i = 0; i < 3; i++)
		if (xbt_loop(y.fd, -1, &b[2 * i], &b[2 * i + 1]))
			t_bail("bind");
	if (xbt_loop(x.fd, -1, &a1, &a2))
		t_bail("bind");
	foreign = b[5]; /* a port number only the other context has */
	tap_ok(foreign != a1 && foreign != a2, "context B owns port %u, A does not", foreign);

	tap_eq(xbt_notify1(x.fd, foreign), -EINVAL, "A cannot notify B's port");
	tap_eq(xbt_eoi1(x.fd, foreign, 0), -EINVAL, "A cannot re-arm B's port");
	tap_eq(xbt_stats(x.fd, foreign, &st), -EINVAL, "A cannot read B's port counters");
	efd = eventfd(0, EFD_CLOEXEC);
	tap_eq(xbt_set_eventfd(x.fd, foreign, efd), -EINVAL, "A cannot attach an eventfd to B's port");
	tap_eq(xbt_set_ring(x.fd, foreign, &st, &st), -EINVAL, "A cannot register a ring on B's port");
	tap_eq(xbt_unbind(x.fd, foreign), -EINVAL, "A cannot unbind B's port");
	tap_eq(xbt_stats(y.fd, foreign, &st), 0, "B's port survived all that");

	/* Same port numbers, separate namespaces: events stay in their context. */
	tap_eq(xbt_notify1(x.fd, a1), 0, "A notifies its own pair");
	tap_eq(xbt_avail(&y), 0, "B's ring sees nothing");
	tap_eq(xbt_avail(&x), 1, "A's ring has the event");
	tap_eq(xbt_stat(y.fd, b[1], 'e'), 0, "B's same-numbered port counted nothing");
	close(efd);
	xbt_close(&x);
	xbt_close(&y);
	return tap_done();
}
