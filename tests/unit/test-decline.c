/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A create() that declines a device (QEMU's console ignoring non-ioemu
 * consoles) is remembered like a failure but without an error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

static unsigned int errors;

static int count_errors(const struct xenback_device_info *i, void *d)
{
	(void)d;
	errors += i->error != 0;
	return 0;
}

int main(void)
{
	static const char *const decline[] = { "decline=1", NULL };
	struct xbt t;
	const char *msg = NULL;
	int i;

	xbt_init(&t, XENBACK_LOG_WARNING);
	xbt_add(&t, "vtest", 3, 0, decline);
	xbt_settle(&t);
	tap_eq(vtest.create, 1, "create() called once");
	tap_ok(xbt_exists(&t, "vtest", 3, 0), "the declined device is remembered");
	tap_eq(xbt_error(&t, "vtest", 3, 0), 0, "with no error recorded");
	tap_eq(xbt_be_state(&t, "vtest", 3, 0), XENBACK_STATE_INITIALISING,
	       "its node is left alone (state stays Initialising)");
	/* Only the generation mark is written (issue 10 item 8). */
	msg = xenback_sim_read(t.sim, "/local/domain/0/backend/vtest/3/0/xenback-record");
	tap_ok(msg && !strcmp(msg, "declined"), "the node is marked xenback-record=declined");
	free((char *)msg);
	msg = NULL;
	for (i = 0; i < 100; i++)
		xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/3/0/state", "1");
	xbt_settle(&t);
	tap_eq(vtest.create, 1, "100 watch events later: still one create() call");
	xenback_bus_foreach(t.bus, count_errors, NULL);
	tap_eq(errors, 0, "no instance reports an error");
	tap_ok(*xenback_bus_error(t.bus) == 0, "nothing was logged as an error (\"%s\")",
	       xenback_bus_error(t.bus));
	(void)msg;
	xbt_rm(&t, "vtest", 3, 0);
	xbt_settle(&t);
	tap_ok(!xbt_exists(&t, "vtest", 3, 0), "the record goes with the node");
	xbt_fini(&t);
	return tap_done();
}
