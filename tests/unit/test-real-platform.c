/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real platform on a host without Xen: opening fails with a clear
 * errno (no abort, no leak); with a reachable xenstored (tier xen) it opens. */
#include <string.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "xenback.h"

int main(void)
{
	struct xenback_platform *p = NULL;
	bool xen = access("/proc/xen/capabilities", R_OK) == 0;
	int r;

	setenv("XENSTORED_PATH", "/nonexistent/xenstored/socket", 0);
	r = xenback_platform_open(0, &p);
	if (xen) {
		tap_ok(r == 0, "on Xen: the real platform opens (%s)", strerror(-r));
	} else {
		tap_ok(r < 0, "without Xen: open fails with an errno (%d: %s)", r, strerror(-r));
	}
	tap_ok(r < 0 ? p == NULL : p != NULL, "no platform handed out on failure");
	xenback_platform_free(p);
	r = xenback_platform_open(XENBACK_PLATFORM_NO_MODULE, &p);
	tap_ok(xen ? r == 0 : r < 0, "NO_MODULE (libxenevtchn fallback) path behaves the same (%d)", r);
	xenback_platform_free(p);
	return tap_done();
}
