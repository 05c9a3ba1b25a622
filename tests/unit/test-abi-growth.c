/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The structs callers fill have a reserved tail that must be zero, so later
 * fields can take its slots without breaking binaries built today. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xenback.h"
#include "xenback/sim.h"

static int create_none(struct xenback_backend *be, const struct xenback_opts *opts)
{
	(void)be;
	(void)opts;
	return 0;
}

static void test_bus_config(struct xenback_platform *plat)
{
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR };
	struct xenback_bus *bus = NULL;

	tap_eq(xenback_bus_new(plat, &cfg, &bus), 0, "bus config with a zero reserved tail: accepted");
	xenback_bus_free(bus);
	bus = NULL;
	cfg.reserved[5] = 1;
	tap_eq(xenback_bus_new(plat, &cfg, &bus), -EINVAL,
	       "bus config with a non-zero reserved slot: -EINVAL");
	tap_ok(bus == NULL, "no bus made");
	tap_eq(xenback_bus_new(plat, NULL, &bus), 0, "no config: defaults");
	xenback_bus_free(bus);
}

static void test_backend_info(struct xenback_platform *plat)
{
	static int tag;
	struct xenback_backend_info good = { .type = "good", .create = create_none };
	struct xenback_backend_info grown = { .type = "grown", .create = create_none };
	struct xenback_bus *bus;

	grown.reserved[0] = &tag;
	if (xenback_bus_new(plat, NULL, &bus)) {
		tap_ok(0, "bus");
		return;
	}
	tap_eq(xenback_backend_register(bus, &good), 0, "backend info with a NULL reserved tail: registered");
	tap_eq(xenback_backend_register(bus, &grown), -EINVAL,
	       "backend info with a non-NULL reserved slot: -EINVAL");
	{
		unsigned int nr = 0;
		const char **types = xenback_backend_get_types(bus, &nr);

		tap_ok(types && nr == 1 && !strcmp(types[0], "good"), "only the good type is registered");
		free(types);
	}
	xenback_bus_free(bus);
}

static void test_layout(void)
{
	/* The reserved tails are the last members: growth happens inside them. */
	tap_eq(offsetof(struct xenback_bus_config, reserved) + sizeof(((struct xenback_bus_config *)0)->reserved),
	       sizeof(struct xenback_bus_config), "xenback_bus_config ends with its reserved tail");
	tap_eq(offsetof(struct xenback_backend_info, reserved) +
		       sizeof(((struct xenback_backend_info *)0)->reserved),
	       sizeof(struct xenback_backend_info), "xenback_backend_info ends with its reserved tail");
	tap_eq(offsetof(struct xenback_device_info, reserved) +
		       sizeof(((struct xenback_device_info *)0)->reserved),
	       sizeof(struct xenback_device_info), "xenback_device_info ends with its reserved tail");
}

int main(void)
{
	struct xenback_sim *sim = xenback_sim_new();

	if (!sim) {
		tap_ok(0, "simulated platform");
	} else {
		test_bus_config(xenback_sim_platform(sim));
		test_backend_info(xenback_sim_platform(sim));
		xenback_sim_free(sim);
	}
	test_layout();
	return tap_done();
}
