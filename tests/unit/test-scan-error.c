/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A xenstore error during a scan forgets nothing: a domain's live devices
 * stay (Connected, nothing torn down, no Closed written), and the scan is
 * retried later, finding what it missed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

/* Dispatch with a wait, so the retry timer can fire. */
static void run(struct xbt *t, int rounds)
{
	while (rounds-- > 0)
		xenback_bus_run_once(t->bus, 5);
	xbt_settle(t);
}

int main(void)
{
	struct xbt t;

	xbt_init(&t, XENBACK_LOG_ERR - 1);
	xbt_add(&t, "vtest", 30, 1, NULL);
	xbt_add(&t, "vtest", 30, 2, NULL);
	xbt_add(&t, "vtest", 31, 1, NULL);
	xbt_settle(&t);
	xbt_fe_connect(&t, "vtest", 30, 1);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vtest", 30, 1), XENBACK_STATE_CONNECTED, "30/1 Connected");

	/* A domain-level event: its directory read fails. */
	xenback_sim_fail_requests(t.sim, XENBACK_SIM_DIRECTORY, 1, -EIO);
	xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/30", "%s", "");
	xbt_settle(&t);
	tap_ok(xbt_exists(&t, "vtest", 30, 1) && xbt_exists(&t, "vtest", 30, 2),
	       "EIO scanning domain 30: its devices are kept");
	tap_eq(vtest.destroy, 0, "nothing destroyed");
	tap_eq(vtest.disconnect, 0, "nothing disconnected");
	tap_eq(xenback_sim_ports_bound(t.sim), 1, "the connected device keeps its channel");
	tap_eq(xbt_be_state(&t, "vtest", 30, 1), XENBACK_STATE_CONNECTED, "and stays Connected");

	/* Lost events, and the rescan's first directory read fails: a device
	 * added meanwhile is found by the retry. */
	xbt_add(&t, "vtest", 31, 2, NULL);
	xenback_sim_watch_overflow(t.sim);
	xenback_sim_fail_requests(t.sim, XENBACK_SIM_DIRECTORY, 1, -EIO);
	xbt_settle(&t);
	tap_ok(xbt_exists(&t, "vtest", 30, 1) && xbt_exists(&t, "vtest", 31, 1),
	       "EIO in the rescan: live devices kept");
	run(&t, 20);
	tap_eq(xbt_be_state(&t, "vtest", 31, 2), XENBACK_STATE_INITWAIT,
	       "the rescan is retried: the device added meanwhile is created");

	/* The domain-level scan failed while a device went away: the retry
	 * forgets it then. */
	xenback_sim_fail_requests(t.sim, XENBACK_SIM_DIRECTORY, 1, -EIO);
	xbt_rm(&t, "vtest", 30, 2);
	xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/30", "%s", "");
	run(&t, 20);
	tap_ok(!xbt_exists(&t, "vtest", 30, 2), "a removed node is still forgotten");
	tap_eq(xbt_be_state(&t, "vtest", 30, 1), XENBACK_STATE_CONNECTED, "30/1 Connected throughout");

	/* A new node's events come while reads fail: found by the retry. */
	xenback_sim_fail_requests(t.sim, XENBACK_SIM_READ, 2, -EIO);
	xbt_add(&t, "vtest", 32, 1, NULL);
	xbt_settle(&t);
	run(&t, 20);
	tap_eq(xbt_be_state(&t, "vtest", 32, 1), XENBACK_STATE_INITWAIT,
	       "EIO reading a new node's state: the retry creates it");
	xbt_fini(&t);
	return tap_done();
}
