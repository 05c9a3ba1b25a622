/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The counterparts of every function of QEMU's xen-backend.h. */
#include <string.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

static struct xenback_backend *seen_be;
static struct xenback_bus *seen_bus;
static char seen_name[32];

static int spy_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	struct xenback_device *dev;

	seen_be = be;
	seen_bus = xenback_backend_get_bus(be);
	snprintf(seen_name, sizeof(seen_name), "%s", xenback_backend_get_name(be));
	if (xenback_opts_get(opts, "mode") && !strcmp(xenback_opts_get(opts, "mode"), "fail"))
		return xenback_backend_set_error(be, -EIO, "spy says no");
	if (xenback_device_new(be, 0, &dev))
		return -ENOMEM;
	if (xenback_backend_get_device(be) != NULL)
		return -EINVAL; /* not attached yet */
	xenback_backend_set_device(be, dev);
	return 0;
}

static const struct xenback_backend_info spy = { .type = "spy", .create = spy_create };
static const struct xenback_backend_info bad = { .type = "bad/type", .create = spy_create };
static const struct xenback_backend_info nocreate = { .type = "nocreate" };

int main(void)
{
	struct xbt t;
	struct xenback_opts *o;
	struct xenback_device *dev;
	const char **types;
	const char *msg;
	unsigned int nr;

	xbt_init(&t, XENBACK_LOG_ERR + 1 - 1);
	tap_eq(xenback_backend_register(t.bus, &spy), 0, "register(spy)");
	tap_eq(xenback_backend_register(t.bus, &spy), -EEXIST, "register(spy) again -> -EEXIST");
	tap_eq(xenback_backend_register(t.bus, &bad), -EINVAL, "register(\"bad/type\") -> -EINVAL");
	tap_eq(xenback_backend_register(t.bus, &nocreate), -EINVAL, "register without create -> -EINVAL");
	types = xenback_backend_get_types(t.bus, &nr);
	tap_eq(nr, 3, "get_types: vtest, vhot, spy");
	tap_ok(types && !strcmp(types[2], "spy"), "get_types names them");
	free(types);

	o = xenback_opts_new();
	xenback_opts_set(o, "mode", "w");
	/* Nodes the toolstack wrote but enumeration leaves alone (not
	 * Initialising). The public create applies enumeration's checks
	 * (issue 10 item 14): a frontend domain that exists, a frontend in it
	 * and a matching frontend-id, so the nodes name them. */
	xenback_sim_write(t.sim, "/local/domain/4/name", "guest4");
	xenback_sim_write(t.sim, "/local/domain/0/backend/spy/4/51712/state", "3");
	xenback_sim_write(t.sim, "/local/domain/0/backend/spy/4/51712/frontend", "/local/domain/4/device/spy/51712");
	xenback_sim_write(t.sim, "/local/domain/0/backend/spy/4/51712/frontend-id", "4");
	xenback_sim_write(t.sim, "/local/domain/0/backend/spy/4/1/state", "3");
	xenback_sim_write(t.sim, "/local/domain/0/backend/spy/4/1/frontend", "/local/domain/4/device/spy/1");
	xenback_sim_write(t.sim, "/local/domain/0/backend/spy/4/1/frontend-id", "4");
	xbt_settle(&t);
	tap_ok(!xenback_backend_exists(t.bus, "spy", "4/51712"), "exists() false before create");
	tap_eq(xenback_backend_device_create(t.bus, "spy", "4/9", o), -ENOENT,
	       "device_create for a node that does not exist: -ENOENT");
	tap_eq(xenback_backend_device_create(t.bus, "spy", "4/51712", o), 0, "device_create(spy, 4/51712)");
	tap_ok(xenback_backend_exists(t.bus, "spy", "4/51712"), "exists() true after");
	tap_ok(!xenback_backend_exists(t.bus, "vtest", "4/51712"), "exists() is per type");
	tap_ok(seen_bus == t.bus, "get_bus() in create()");
	tap_ok(!strcmp(seen_name, "4/51712"), "get_name() is <domid>/<devid>");
	dev = xenback_backend_get_device(seen_be);
	tap_ok(dev != NULL, "set_device()/get_device()");
	tap_ok(xenback_device_get_backend(dev) == seen_be, "the device knows its instance");
	tap_eq(xenback_backend_device_create(t.bus, "spy", "4/51712", o), -EEXIST, "device_create twice -> -EEXIST");

	xenback_opts_set(o, "mode", "fail");
	tap_eq(xenback_backend_device_create(t.bus, "spy", "4/1", o), -EIO, "failing create returns its error");
	tap_ok(xenback_backend_exists(t.bus, "spy", "4/1"), "the failed instance is kept (never re-created while its node exists)");
	tap_eq(xenback_backend_get_error(seen_be, &msg), -EIO, "get_error() gives the errno");
	tap_ok(msg && !strcmp(msg, "spy says no"), "and the message (%s)", msg ? msg : "null");

	tap_ok(xenback_backend_try_device_destroy(dev), "try_device_destroy(dev) -> true");
	tap_ok(!xenback_backend_exists(t.bus, "spy", "4/51712"), "the instance is gone");
	xenback_opts_free(o);
	xbt_fini(&t);
	return tap_done();
}
