/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Options read from the backend node: every key but the reserved five. */
#include <string.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

static int seen_count;
static char seen_keys[256];

static int opt_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	unsigned int i;

	(void)be;
	seen_count = (int)xenback_opts_count(opts);
	seen_keys[0] = 0;
	for (i = 0; i < xenback_opts_count(opts); i++) {
		strcat(seen_keys, xenback_opts_key(opts, i));
		strcat(seen_keys, "=");
		strcat(seen_keys, xenback_opts_value(opts, i));
		strcat(seen_keys, " ");
	}
	return 0; /* decline: we only look */
}

static const struct xenback_backend_info opt = { .type = "opt", .create = opt_create };

int main(void)
{
	struct xbt t;
	struct xenback_opts *o = xenback_opts_new();

	tap_eq(xenback_opts_set(o, "b", "2"), 0, "opts_set");
	xenback_opts_set(o, "a", "1");
	xenback_opts_set(o, "b", "3");
	tap_eq(xenback_opts_count(o), 2, "a key set twice counts once");
	tap_ok(!strcmp(xenback_opts_get(o, "b"), "3"), "the last value wins");
	tap_ok(!strcmp(xenback_opts_key(o, 0), "a"), "keys are sorted");
	tap_ok(xenback_opts_get(o, "zzz") == NULL, "absent key -> NULL");
	xenback_opts_free(o);

	xbt_init(&t, XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &opt);
	xbt_add(&t, "opt", 20, 5, (const char *const[]){ "hotplug-status=connected", "dev=xvda", NULL });
	xbt_settle(&t);
	tap_eq(seen_count, 3, "options: dev, mode, params (%s)", seen_keys);
	tap_ok(!strcmp(seen_keys, "dev=xvda mode=w params=/images/guest20-5.img "),
	       "state, online, frontend, frontend-id, hotplug-status left out");
	tap_ok(xbt_exists(&t, "opt", 20, 5), "instance recorded");
	xbt_fini(&t);
	return tap_done();
}
