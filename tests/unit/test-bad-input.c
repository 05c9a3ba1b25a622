/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile input from xenstore and frontends: logged, the device refused or
 * shut down, every other device untouched, no crash, no leak. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "helpers/fdcount.h"
#include "helpers/simbus.h"

#define BE "/local/domain/0/backend/vtest"

/* A raw device node with the given directory names and state/online. */
static void raw_node(struct xbt *t, const char *dom, const char *dev, const char *state,
		     const char *online)
{
	xenback_sim_batch_begin(t->sim);
	xenback_sim_write(t->sim, xbt_path(BE "/%s/%s/frontend", dom, dev), "/local/domain/%s/device/vtest/%s", dom, dev);
	xenback_sim_write(t->sim, xbt_path(BE "/%s/%s/frontend-id", dom, dev), "%s", dom);
	if (state)
		xenback_sim_write(t->sim, xbt_path(BE "/%s/%s/state", dom, dev), "%s", state);
	if (online)
		xenback_sim_write(t->sim, xbt_path(BE "/%s/%s/online", dom, dev), "%s", online);
	xenback_sim_batch_end(t->sim);
}

/* Bad domid/devid names, garbage state/online. */
static void test_bad_nodes(struct xbt *t)
{
	raw_node(t, "abc", "1", "1", "1");
	raw_node(t, "40000", "1", "1", "1");
	raw_node(t, "011", "1", "1", "1");
	raw_node(t, "-1", "1", "1", "1");
	raw_node(t, "11", "xvda", "1", "1");
	raw_node(t, "11", "99999999999", "1", "1");
	raw_node(t, "11", "+5", "1", "1");
	xbt_settle(t);
	tap_eq(vtest.create, 1, "bad domid/devid names (abc, 40000, 011, -1, xvda, 2^36, +5): no create");
	tap_eq(xenback_bus_count(t->bus), 1, "and nothing recorded");

	raw_node(t, "12", "1", NULL, "1");
	raw_node(t, "12", "2", "banana", "1");
	raw_node(t, "12", "3", "1x", "1");
	raw_node(t, "12", "4", "1", "yes");
	raw_node(t, "12", "5", "1", NULL);
	raw_node(t, "12", "6", "", "1");
	raw_node(t, "12", "7", "1", "2");
	xbt_settle(t);
	tap_eq(vtest.create, 1, "missing or garbage state/online: no create");
}

/* Frontend path or id that points at another domain; oversized values. */
static void test_bad_frontends(struct xbt *t)
{
	char *big;

	xbt_add(t, "vtest", 13, 1, (const char *const[]){ "frontend-id=14", NULL });
	xbt_add(t, "vtest", 13, 2, (const char *const[]){ "frontend=/local/domain/14/device/vtest/2", NULL });
	xbt_add(t, "vtest", 13, 3, (const char *const[]){ "frontend=/local/domain/13/../14/x", NULL });
	xbt_settle(t);
	tap_eq(vtest.create, 1, "frontend outside its domain: create() never called");
	tap_eq(xbt_error(t, "vtest", 13, 1), -EINVAL, "frontend-id mismatch refused (-EINVAL)");
	tap_eq(xbt_error(t, "vtest", 13, 2), -EINVAL, "frontend in another domain refused");
	tap_eq(xbt_error(t, "vtest", 13, 3), -EINVAL, "frontend path with .. refused");

	/* Oversized values: a 4 KiB option value and a 2 KiB frontend path. */
	big = malloc(4097);
	memset(big, 'x', 4096);
	big[4096] = 0;
	xbt_add(t, "vtest", 15, 1, NULL);
	xenback_sim_write(t->sim, BE "/15/1/huge", "%s", big);
	big[2000] = 0;
	xbt_add(t, "vtest", 15, 2, NULL);
	xenback_sim_write(t->sim, BE "/15/2/frontend", "/local/domain/15/%s", big);
	free(big);
	xbt_settle(t);
	tap_ok(xbt_error(t, "vtest", 15, 2) == -EINVAL, "a 2 KiB frontend path is refused");
	tap_ok(vtest.create <= 2, "no crash on oversized values (creates: %u)", vtest.create);
}

/* xenstore errors in the middle of the option transaction. */
static void test_xenstore_errors(struct xbt *t)
{
	xenback_sim_fail_requests(t->sim, XENBACK_SIM_DIRECTORY, 1, -EIO);
	xbt_add(t, "vtest", 16, 1, NULL);
	xbt_settle(t);
	tap_eq(xbt_error(t, "vtest", 16, 1), -EIO, "EIO inside the option transaction: device refused");
	xbt_rm(t, "vtest", 16, 1);
	xbt_settle(t);
	xbt_add(t, "vtest", 16, 1, NULL);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", 16, 1), XENBACK_STATE_INITWAIT, "re-added after the EIO: created");
}

/* A frontend flipping states in a loop; garbage frontend state. */
static void test_bad_frontend_states(struct xbt *t)
{
	int i;

	xbt_add(t, "vtest", 17, 1, NULL);
	xbt_settle(t);
	xbt_fe_connect(t, "vtest", 17, 1);
	xbt_settle(t);
	for (i = 0; i < 300; i++) {
		xbt_fe_set_state(t, "vtest", 17, 1, i % 2 ? XENBACK_STATE_INITIALISING
							 : XENBACK_STATE_CLOSED);
		xbt_settle(t);
	}
	tap_eq(xbt_error(t, "vtest", 17, 1), -EPROTO, "flapping frontend: device shut down (-EPROTO)");
	tap_eq(xbt_be_state(t, "vtest", 17, 1), XENBACK_STATE_CLOSED, "its backend state is Closed");
	tap_ok(vtest.connect < 10, "connect() did not run in a loop (%u)", vtest.connect);

	/* Garbage frontend state on a live device. */
	xbt_add(t, "vtest", 18, 1, NULL);
	xbt_settle(t);
	xenback_sim_write(t->sim, "/local/domain/18/device/vtest/1/state", "connected!");
	xbt_settle(t);
	tap_eq(xbt_error(t, "vtest", 18, 1), -EINVAL, "garbage frontend state: device shut down");
}

int main(void)
{
	struct xbt t;
	unsigned int creates;
	int fds;

	xbt_init(&t, XENBACK_LOG_ERR);
	xbt_add(&t, "vtest", 10, 1, NULL); /* the bystander */
	xbt_fe_connect(&t, "vtest", 10, 1);
	xbt_settle(&t);

	fds = fd_count();
	test_bad_nodes(&t);
	tap_eq(fd_count(), fds, "bad nodes: fds back at the baseline");
	test_bad_frontends(&t);
	tap_eq(fd_count(), fds, "bad frontends: fds back at the baseline");
	test_xenstore_errors(&t);
	tap_eq(fd_count(), fds, "xenstore errors: fds back at the baseline");
	test_bad_frontend_states(&t);
	tap_eq(fd_count(), fds, "bad frontend states: fds back at the baseline");

	/* The public create applies enumeration's frontend checks. */
	fds = fd_count();
	creates = vtest.create;
	xenback_sim_batch_begin(t.sim);
	xenback_sim_write(t.sim, BE "/19/1/frontend", "/local/domain/14/device/vtest/1");
	xenback_sim_write(t.sim, BE "/19/1/frontend-id", "19");
	xenback_sim_write(t.sim, BE "/19/2/frontend", "/local/domain/19/device/vtest/2");
	xenback_sim_write(t.sim, BE "/19/2/frontend-id", "14");
	xenback_sim_write(t.sim, BE "/19/3/frontend", "/local/domain/19/../14/x");
	xenback_sim_write(t.sim, BE "/19/3/frontend-id", "19");
	xenback_sim_write(t.sim, "/local/domain/19/name", "guest19");
	xenback_sim_batch_end(t.sim);
	tap_eq(xenback_backend_device_create(t.bus, "vtest", "19/1", NULL), -EINVAL,
	       "device_create() with a frontend in another domain: -EINVAL");
	tap_eq(xenback_backend_device_create(t.bus, "vtest", "19/2", NULL), -EINVAL,
	       "device_create() with a mismatched frontend-id: -EINVAL");
	tap_eq(xenback_backend_device_create(t.bus, "vtest", "19/3", NULL), -EINVAL,
	       "device_create() with .. in the frontend path: -EINVAL");
	tap_eq(vtest.create, creates, "and create() never ran");
	tap_eq(xbt_error(&t, "vtest", 19, 1), -EINVAL, "the refused instance is kept with its error");
	xbt_settle(&t);
	tap_eq(fd_count(), fds, "public create refusals: fds back at the baseline");

	/* Public API with bad names. */
	tap_eq(xenback_backend_device_create(t.bus, "vtest", "1/", NULL), -EINVAL, "device_create(\"1/\") -> -EINVAL");
	tap_eq(xenback_backend_device_create(t.bus, "vtest", "1/2/3", NULL), -EINVAL, "device_create(\"1/2/3\") -> -EINVAL");
	tap_eq(xenback_backend_device_create(t.bus, "nosuch", "1/2", NULL), -ENOENT, "unknown type -> -ENOENT");

	tap_eq(xbt_be_state(&t, "vtest", 10, 1), XENBACK_STATE_CONNECTED,
	       "the bystander stayed Connected through all of it");
	xbt_fini(&t);
	return tap_done();
}
