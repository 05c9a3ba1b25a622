/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenstore cost: O(1) requests per watch event, whatever the number of
 * devices; bring-up requests per device flat in N. Counts, not timings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

extern unsigned long xb_test_clock_reads; /* the library's, XB_TEST_HOOKS */

static double bringup(unsigned int n)
{
	struct xbt t;
	unsigned int i;
	uint64_t req;

	xbt_init(&t, XENBACK_LOG_ERR);
	xenback_sim_reset_counters(t.sim);
	for (i = 0; i < n; i++) {
		xbt_add(&t, "vtest", 1 + i / 16, i % 16, NULL);
		if (i % 64 == 63)
			xbt_settle(&t);
	}
	xbt_settle(&t);
	for (i = 0; i < n; i++)
		xbt_fe_connect(&t, "vtest", 1 + i / 16, i % 16);
	xbt_settle(&t);
	req = xenback_sim_requests_total(t.sim);
	if (vtest.connect != n)
		tap_diag("only %u of %u connected", vtest.connect, n);
	xbt_fini(&t);
	return (double)req / n;
}

int main(void)
{
	struct xbt t;
	unsigned int i;
	uint64_t before;
	double small, large;

	small = bringup(16);
	large = bringup(2048);
	tap_diag("requests per device to Connected: N=16 %.1f, N=2048 %.1f", small, large);
	tap_ok(large <= small * 1.25 && large >= small * 0.75,
	       "requests per device flat within 25%% from 16 to 2048 devices");
	tap_ok(large <= 45, "at most Linux blkback's 45 requests per device (%.1f)", large);

	xbt_init(&t, XENBACK_LOG_ERR);
	for (i = 0; i < 1000; i++)
		xbt_add(&t, "vtest", 1 + i / 100, i % 100, NULL);
	xbt_settle(&t);
	xenback_sim_reset_counters(t.sim);
	xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/3/7/params", "/other.img");
	xbt_settle(&t);
	tap_eq(xenback_sim_requests_total(t.sim), 0, "unrelated key of a live device: 0 requests");
	xbt_add(&t, "vtest", 50, 1, (const char *const[]){ "decline=1", NULL });
	xbt_settle(&t);
	xenback_sim_reset_counters(t.sim);
	xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/50/1/online", "1");
	xbt_settle(&t);
	tap_ok(xenback_sim_requests_total(t.sim) <= 1, "online rewrite of a declined device: <= 1 request (%llu)",
	       (unsigned long long)xenback_sim_requests_total(t.sim));
	xenback_sim_reset_counters(t.sim);
	xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/51/1/state", "3");
	xbt_settle(&t);
	before = xenback_sim_requests_total(t.sim);
	tap_ok(before <= 2, "state write of an unknown device: <= 2 requests with 1000 devices (%llu)",
	       (unsigned long long)before);
	xenback_sim_reset_counters(t.sim);
	xbt_fe_set_state(&t, "vtest", 3, 7, XENBACK_STATE_INITIALISING);
	xbt_settle(&t);
	tap_ok(xenback_sim_requests_total(t.sim) <= 1, "frontend state event: <= 1 request (%llu)",
	       (unsigned long long)xenback_sim_requests_total(t.sim));
	/* The clock is a system call in a Xen PV domain (no vDSO clock):
	 * a round that sets no deadline must not read it. */
	xbt_settle(&t);
	before = xb_test_clock_reads;
	for (i = 0; i < 100; i++)
		xenback_bus_run_once(t.bus, 0);
	tap_eq(xb_test_clock_reads - before, 0, "100 idle rounds of the bus read the clock 0 times");
	xbt_fini(&t);
	return tap_done();
}
