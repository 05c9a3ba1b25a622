/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `xenbackctl stats` reads the per-port counters over generic netlink. */

#include "vmtest.h"

#define CTL "/bin/xenbackctl"

/* Runs xenbackctl with args (stdout only), returns its exit status. */
static int run(char *buf, size_t len, const char *arg1, const char *arg2)
{
	char *argv[] = { (char *)CTL, (char *)arg1, (char *)arg2, NULL };

	return vt_run(buf, len, argv, 0);
}

int main(void)
{
	static char out[1 << 16];
	char want[128];
	uint32_t pa, pb;
	struct xb_xenback x;
	int i;

	vt_open(&x);
	vt_pair(&x, NULL, &pa, &pb);
	for (i = 0; i < 3; i++) {
		xb_xenback_notify(&x, pa);
		vt_skip(&x, 4);
		xb_xenback_rearm(&x, pb, false);
	}
	tap_eq(run(out, sizeof(out), "stats", NULL), 0, "xenbackctl stats exits 0");
	tap_ok(strstr(out, "EVENTS") && strstr(out, "THROTTLED"), "prints the table header");
	snprintf(want, sizeof(want), " %u ", pb);
	tap_ok(strstr(out, want) != NULL, "lists port %u", pb);
	if (tap_failed)
		printf("# %s\n", out);

	tap_eq(run(out, sizeof(out), "stats", "--json"), 0, "xenbackctl stats --json exits 0");
	snprintf(want, sizeof(want), "{\"ctx\":");
	tap_ok(strncmp(out, "{\"ports\":[", 10) == 0, "JSON object with a ports array");
	snprintf(want, sizeof(want), "\"port\":%u,\"domid\":%u,\"kind\":\"loopback\",\"events\":3,\"wakes\":3",
		 pb, XENBACK_DOMID_LOOPBACK);
	tap_ok(strstr(out, want) != NULL, "peer port: 3 events, 3 wakes");
	snprintf(want, sizeof(want), "\"port\":%u,\"domid\":%u,\"kind\":\"loopback\",\"events\":0,\"wakes\":0,\"notifies\":3",
		 pa, XENBACK_DOMID_LOOPBACK);
	tap_ok(strstr(out, want) != NULL, "our port: 3 notifies");
	if (tap_failed)
		printf("# %s\n", out);
	xb_xenback_close(&x);
	return tap_done();
}
