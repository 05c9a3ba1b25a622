/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback_device_account(): per-device and bus-wide totals, never below
 * zero, returned to the bus when the device goes, shown by foreach. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/simbus.h"
#include "tap.h"

static struct xenback_device *last;

static int create(struct xenback_backend *be, const struct xenback_opts *o)
{
	struct xenback_device *dev;
	int r = xenback_device_new(be, 0, &dev);

	(void)o;
	if (r < 0)
		return r;
	xenback_backend_set_device(be, dev);
	last = dev;
	return 0;
}

static const struct xenback_backend_info info = { .type = "acct", .create = create };

static int seen_mem, seen_req, seen_fds, seen_thr;
static int row(const struct xenback_device_info *i, void *d)
{
	(void)d;
	seen_mem = (int)i->mem_bytes;
	seen_req = (int)i->requests_inflight;
	seen_fds = (int)i->fds;
	seen_thr = (int)i->throttled;
	return 0;
}

int main(void)
{
	struct xbt t;

	xbt_init(&t, XENBACK_LOG_WARNING);
	tap_eq(xenback_backend_register(t.bus, &info), 0, "type registered");
	xbt_add(&t, "acct", 1, 0, NULL);
	xbt_settle(&t);
	tap_ok(last != NULL, "device created");
	xenback_device_account(last, XENBACK_USAGE_MEM, 8192);
	xenback_device_account(last, XENBACK_USAGE_REQUESTS, 3);
	xenback_device_account(last, XENBACK_USAGE_FDS, 2);
	xenback_device_account(last, XENBACK_USAGE_THROTTLED, 1);
	xenback_device_account(last, XENBACK_USAGE_REQUESTS, -1);
	xenback_device_account(last, (enum xenback_usage)99, 5); /* ignored */
	tap_eq(xenback_device_usage(last, XENBACK_USAGE_MEM), 8192, "device: 8192 bytes");
	tap_eq(xenback_device_usage(last, XENBACK_USAGE_REQUESTS), 2, "device: 2 requests");
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_MEM), 8192, "bus: 8192 bytes");
	xenback_device_account(last, XENBACK_USAGE_FDS, -10);
	tap_eq(xenback_device_usage(last, XENBACK_USAGE_FDS), 0, "never below zero (device)");
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_FDS), 0, "never below zero (bus)");
	xenback_bus_foreach(t.bus, row, NULL);
	tap_ok(seen_mem == 8192 && seen_req == 2 && seen_fds == 0 && seen_thr == 1,
	       "xenback_bus_foreach shows the device's use");
	xbt_rm(&t, "acct", 1, 0);
	xbt_settle(&t);
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_MEM), 0, "the device's memory returned to the bus when it went");
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_REQUESTS), 0, "its requests too");
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_THROTTLED), 1, "the throttle count stays (a count of events)");
	xbt_fini(&t);
	return tap_done();
}
