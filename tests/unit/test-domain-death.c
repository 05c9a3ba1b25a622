/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A frontend domain's death (@releaseDomain, /local/domain/<id> gone) tears
 * its devices down; other domains' devices are untouched. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

int main(void)
{
	struct xbt t;
	uint32_t i;

	xbt_init(&t, XENBACK_LOG_WARNING);
	for (i = 0; i < 4; i++) {
		xbt_add(&t, "vtest", 7, i, NULL);
		xbt_add(&t, "vtest", 8, i, NULL);
	}
	xbt_settle(&t);
	xbt_fe_connect(&t, "vtest", 7, 0);
	xbt_fe_connect(&t, "vtest", 8, 0);
	xbt_settle(&t);
	tap_eq(xenback_bus_count(t.bus), 8, "8 devices in 2 domains");
	tap_eq(xenback_sim_ports_bound(t.sim), 2, "one connected device per domain");
	xenback_sim_domain_destroy(t.sim, 7);
	xbt_settle(&t);
	tap_eq(vtest.destroy, 4, "domain 7 died: its 4 devices destroyed");
	/* The toolstack has not removed domain 7's nodes yet: their records
	 * stay, holding nothing, listed as "domain gone" (issue 10 item 15). */
	tap_eq(xenback_bus_count(t.bus), 8, "domain 7's 4 records kept as 'domain gone'");
	tap_eq(xbt_error(&t, "vtest", 7, 0), -ESRCH, "with error -ESRCH");
	for (i = 0; i < 4 && xbt_exists(&t, "vtest", 8, i); i++)
		;
	tap_eq(i, 4, "domain 8's devices untouched");
	tap_eq(xenback_sim_ports_bound(t.sim), 1, "domain 7's port unbound, domain 8's kept");
	tap_eq(xbt_be_state(&t, "vtest", 8, 0), XENBACK_STATE_CONNECTED, "domain 8 still Connected");
	for (i = 0; i < 4; i++)
		xbt_rm(&t, "vtest", 7, i);
	xbt_settle(&t);
	tap_eq(xenback_bus_count(t.bus), 4, "the toolstack removes domain 7's nodes: 4 devices left");
	xbt_fini(&t);
	return tap_done();
}
