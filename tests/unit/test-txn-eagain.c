/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option-reading transactions that fail with EAGAIN: bounded retries, then
 * a retry timer; a storm that never ends marks the device failed. */
#include <poll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

static void wait_timer(struct xbt *t)
{
	int i;

	for (i = 0; i < 50; i++) {
		xenback_bus_run_once(t->bus, 5);
		xbt_settle(t);
	}
}

int main(void)
{
	struct xbt t;
	uint64_t commits;

	xbt_init(&t, XENBACK_LOG_ERR);
	/* A short storm: fewer failures than the bounded retries. */
	xenback_sim_fail_commits(t.sim, 5);
	xenback_sim_reset_counters(t.sim);
	xbt_add(&t, "vtest", 9, 1, NULL);
	xbt_settle(&t);
	commits = xenback_sim_requests(t.sim, XENBACK_SIM_TXN_END);
	tap_eq(vtest.create, 1, "5 EAGAINs: device created once");
	tap_ok(commits >= 6 && commits <= 8, "retried in place (%llu commits)",
	       (unsigned long long)commits);
	tap_eq(xbt_be_state(&t, "vtest", 9, 1), XENBACK_STATE_INITWAIT, "and reached InitWait");

	/* A longer storm: retries run out, the retry timer brings it up later. */
	xenback_sim_fail_commits(t.sim, 20);
	xbt_add(&t, "vtest", 9, 2, NULL);
	xbt_settle(&t);
	tap_eq(vtest.create, 1, "20 EAGAINs: not created yet");
	wait_timer(&t);
	tap_eq(xbt_be_state(&t, "vtest", 9, 2), XENBACK_STATE_INITWAIT, "created from the retry timer");
	tap_eq(vtest.create, 2, "exactly one create() for it");

	/* An endless storm: the device is refused, nothing else is hurt. */
	xenback_sim_fail_commits(t.sim, 100000);
	xbt_add(&t, "vtest", 9, 3, NULL);
	xbt_settle(&t);
	wait_timer(&t);
	tap_eq(xbt_error(&t, "vtest", 9, 3), -EAGAIN, "endless EAGAIN: refused with -EAGAIN");
	xenback_sim_fail_commits(t.sim, 0);
	tap_eq(xbt_be_state(&t, "vtest", 9, 1), XENBACK_STATE_INITWAIT, "other devices unaffected");
	xbt_fini(&t);
	return tap_done();
}
