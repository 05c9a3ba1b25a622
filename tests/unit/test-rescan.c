/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lost watch events (queue overflow, reconnect): a full rescan creates what
 * appeared, forgets what went, and catches up with frontends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

int main(void)
{
	struct xbt t;

	xbt_init(&t, XENBACK_LOG_ERR);
	xbt_add(&t, "vtest", 30, 1, NULL);
	xbt_add(&t, "vtest", 30, 2, (const char *const[]){ "fail=1", NULL });
	xbt_settle(&t);
	/* While events are lost: a device appears, a failed one goes, a
	 * frontend moves to Initialised. */
	xbt_add(&t, "vtest", 30, 3, NULL);
	xbt_rm(&t, "vtest", 30, 2);
	xbt_fe_connect(&t, "vtest", 30, 1);
	xenback_sim_watch_overflow(t.sim);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vtest", 30, 3), XENBACK_STATE_INITWAIT, "new device found by the rescan");
	tap_ok(!xbt_exists(&t, "vtest", 30, 2), "removed device forgotten by the rescan");
	tap_eq(xbt_be_state(&t, "vtest", 30, 1), XENBACK_STATE_CONNECTED, "frontend change caught up");
	tap_eq(vtest.create, 3, "no duplicate create() (1, 2 and 3 once each)");
	xbt_add(&t, "vtest", 30, 4, NULL);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vtest", 30, 4), XENBACK_STATE_INITWAIT, "events flow again afterwards");
	xbt_fini(&t);
	return tap_done();
}
