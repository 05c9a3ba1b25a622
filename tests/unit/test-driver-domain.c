/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bus in a driver domain watches /local/domain/<its domid>/backend/...,
 * not dom0's backend tree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

static void add(struct xenback_sim *sim, uint32_t bdom, uint32_t fdom, uint32_t dev)
{
	const char *be = xbt_path("/local/domain/%u/backend/vtest/%u/%u", bdom, fdom, dev);
	char p[160];

	xenback_sim_batch_begin(sim);
	/* The frontend domain exists: nothing is created for one that does
	 * not (issue 10 item 15). */
	xenback_sim_write(sim, xbt_path("/local/domain/%u/name", fdom), "guest%u", fdom);
	snprintf(p, sizeof(p), "%s/frontend", be);
	xenback_sim_write(sim, p, "/local/domain/%u/device/vtest/%u", fdom, dev);
	snprintf(p, sizeof(p), "%s/frontend-id", be);
	xenback_sim_write(sim, p, "%u", fdom);
	snprintf(p, sizeof(p), "%s/online", be);
	xenback_sim_write(sim, p, "1");
	snprintf(p, sizeof(p), "%s/state", be);
	xenback_sim_write(sim, p, "1");
	xenback_sim_batch_end(sim);
}

static void add_failing(struct xenback_sim *sim, uint32_t bdom, uint32_t fdom, uint32_t dev)
{
	xenback_sim_write(sim, xbt_path("/local/domain/%u/backend/vtest/%u/%u/fail", bdom, fdom, dev), "1");
	add(sim, bdom, fdom, dev);
}

/* libxl's removal: online=0 and Closing in one transaction */
static void offline(struct xenback_sim *sim, uint32_t bdom, uint32_t fdom, uint32_t dev)
{
	const char *be = xbt_path("/local/domain/%u/backend/vtest/%u/%u", bdom, fdom, dev);
	char p[160];

	xenback_sim_batch_begin(sim);
	snprintf(p, sizeof(p), "%s/online", be);
	xenback_sim_write(sim, p, "0");
	snprintf(p, sizeof(p), "%s/state", be);
	xenback_sim_write(sim, p, "5");
	xenback_sim_batch_end(sim);
}

static void settle(struct xenback_bus *bus)
{
	int n = 0;

	while (xenback_bus_dispatch(bus) > 0 && n++ < 1000)
		;
}

int main(void)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct xenback_bus_config cfg = { .backend_domid = 5, .log_level = XENBACK_LOG_ERR };
	struct xenback_bus *bus;
	int n = 0;

	tap_eq(xenback_bus_new(xenback_sim_platform(sim), &(struct xenback_bus_config){
				       .backend_domid = 0x7ff0 }, &bus), -EINVAL,
	       "a reserved domid (DOMID_FIRST_RESERVED) is refused");
	if (xenback_bus_new(xenback_sim_platform(sim), &cfg, &bus) ||
	    xenback_backend_register(bus, &vtest_info) || xenback_bus_start(bus))
		return printf("Bail out! no bus\n"), 1;
	tap_eq(xenback_bus_backend_domid(bus), 5, "bus serves backend domain 5");
	add(sim, 5, 7, 1);
	add(sim, 0, 7, 2); /* dom0's tree: not ours */
	while (xenback_bus_dispatch(bus) > 0 && n++ < 1000)
		;
	tap_ok(xenback_backend_exists(bus, "vtest", "7/1"), "device under /local/domain/5/backend created");
	tap_eq(xenback_sim_read_int(sim, "/local/domain/5/backend/vtest/7/1/state"), XENBACK_STATE_INITWAIT,
	       "and in InitWait");
	tap_ok(!xenback_backend_exists(bus, "vtest", "7/2"), "dom0's backend tree is ignored");
	xenback_sim_write(sim, "/local/domain/7/device/vtest/1/state", "1");
	xenback_sim_write(sim, "/local/domain/7/device/vtest/1/state", "6");
	n = 0;
	while (xenback_bus_dispatch(bus) > 0 && n++ < 1000)
		;
	tap_eq(xenback_sim_read_int(sim, "/local/domain/5/backend/vtest/7/1/state"), XENBACK_STATE_CLOSED,
	       "its frontend, written late, then closing: backend Closed");

	/* The client is destroyed: a driver domain may not read the parents
	 * of a node that went, so the frontend's state reads EACCES: that is
	 * the frontend gone (Closed), not a protocol error */
	add(sim, 5, 7, 6);
	settle(bus);
	xenback_sim_write(sim, "/local/domain/7/device/vtest/6/state", "1");
	settle(bus);
	xenback_sim_fail_requests(sim, XENBACK_SIM_READ, 1, -EACCES);
	xenback_sim_write(sim, "/local/domain/7/device/vtest/6/state", "4");
	settle(bus);
	xenback_sim_fail_requests(sim, XENBACK_SIM_READ, 0, 0);
	tap_eq(xenback_sim_read_int(sim, "/local/domain/5/backend/vtest/7/6/state"), XENBACK_STATE_CLOSED,
	       "frontend state unreadable (EACCES): backend Closed");
	tap_ok(!strstr(xenback_bus_error(bus), "XenbusState"), "not a protocol error (\"%s\")",
	       xenback_bus_error(bus));
	offline(sim, 5, 7, 6);
	settle(bus);
	tap_ok(!xenback_sim_exists(sim, "/local/domain/5/backend/vtest/7/6"), "then offline: removed");

	/* The toolstack removes it (libxl: online=0 and Closing, then it
	 * waits for the backend domain to remove the node, xl devd's job) */
	offline(sim, 5, 7, 1);
	settle(bus);
	tap_ok(!xenback_sim_exists(sim, "/local/domain/5/backend/vtest/7/1"),
	       "taken offline: the backend domain removes its node");
	tap_ok(!xenback_backend_exists(bus, "vtest", "7/1"), "and forgets the device");
	tap_ok(xenback_sim_exists(sim, "/local/domain/0/backend/vtest/7/2"), "dom0's node is untouched");

	/* a failed create: its record answers Closed, then the node goes */
	add_failing(sim, 5, 7, 4);
	settle(bus);
	tap_ok(xenback_backend_exists(bus, "vtest", "7/4") &&
	       xenback_sim_read_int(sim, "/local/domain/5/backend/vtest/7/4/state") == XENBACK_STATE_INITIALISING,
	       "a device whose create failed is remembered, its node left alone");
	offline(sim, 5, 7, 4);
	settle(bus);
	tap_ok(!xenback_sim_exists(sim, "/local/domain/5/backend/vtest/7/4"),
	       "taken offline: its node is removed too");
	tap_ok(!xenback_backend_exists(bus, "vtest", "7/4"), "and its record forgotten");

	/* a node the toolstack took offline but that is not Closed yet stays */
	add(sim, 5, 7, 5);
	settle(bus);
	xenback_sim_write(sim, "/local/domain/7/device/vtest/5/state", "1");
	settle(bus);
	xenback_sim_write(sim, "/local/domain/5/backend/vtest/7/5/online", "0");
	xenback_sim_write(sim, "/local/domain/5/backend/vtest/7/5/state", "1");
	settle(bus);
	tap_ok(xenback_sim_exists(sim, "/local/domain/5/backend/vtest/7/5"),
	       "a node renewed by the toolstack (state Initialising) is not removed");
	xenback_bus_free(bus);
	xenback_sim_free(sim);

	/* in dom0 the toolstack removes the node itself: the bus leaves it */
	sim = xenback_sim_new();
	if (xenback_bus_new(xenback_sim_platform(sim), &(struct xenback_bus_config){ .log_level = XENBACK_LOG_ERR },
			    &bus) ||
	    xenback_backend_register(bus, &vtest_info) || xenback_bus_start(bus))
		return printf("Bail out! no bus\n"), 1;
	add(sim, 0, 7, 1);
	settle(bus);
	xenback_sim_write(sim, "/local/domain/7/device/vtest/1/state", "1");
	settle(bus);
	offline(sim, 0, 7, 1);
	settle(bus);
	tap_eq(xenback_sim_read_int(sim, "/local/domain/0/backend/vtest/7/1/state"), XENBACK_STATE_CLOSED,
	       "dom0: taken offline, Closed");
	tap_ok(xenback_sim_exists(sim, "/local/domain/0/backend/vtest/7/1"), "and the node left to the toolstack");
	xenback_bus_free(bus);
	xenback_sim_free(sim);
	return tap_done();
}
