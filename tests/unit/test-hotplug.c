/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Types with a hotplug script wait for hotplug-status=connected before
 * connecting; hotplug-status=error shuts the device down. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

int main(void)
{
	struct xbt t;
	char *v;

	xbt_init(&t, XENBACK_LOG_ERR);
	xbt_add(&t, "vhot", 40, 1, NULL);
	xbt_settle(&t);
	v = xenback_sim_read(t.sim, "/local/domain/0/backend/vhot/40/1/hotplug-status");
	tap_ok(!v, "the library does not write hotplug-status for a script type");
	free(v);
	xbt_fe_connect(&t, "vhot", 40, 1);
	xbt_settle(&t);
	tap_eq(vtest.connect, 0, "frontend Initialised, no hotplug-status yet: no connect");
	tap_eq(xbt_be_state(&t, "vhot", 40, 1), XENBACK_STATE_INITWAIT, "still InitWait");
	xenback_sim_write(t.sim, "/local/domain/0/backend/vhot/40/1/hotplug-status", "connected");
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vhot", 40, 1), XENBACK_STATE_CONNECTED, "script done: Connected");

	xbt_add(&t, "vhot", 40, 2, NULL);
	xbt_settle(&t);
	xbt_fe_connect(&t, "vhot", 40, 2);
	xenback_sim_write(t.sim, "/local/domain/0/backend/vhot/40/2/hotplug-status", "error");
	xbt_settle(&t);
	tap_eq(xbt_error(&t, "vhot", 40, 2), -EIO, "hotplug-status=error: device shut down");
	tap_eq(xbt_be_state(&t, "vhot", 40, 1), XENBACK_STATE_CONNECTED, "the other device is fine");
	xbt_fini(&t);
	return tap_done();
}
