/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracepoints work with perf: `perf record -e 'xenback:*'` around a
 * loopback exchange, then `perf script` shows every kind of event.
 * (perf comes from linux-perf; SKIP when the initramfs has none.)
 */

#include "vmtest.h"

#define PERF "/usr/bin/perf"
#define DATA "/tmp/xenback.perf"

static const char *const events[] = { "bind", "unbind", "port_event", "wake", "notify", "spurious" };

/* The workload perf records: one of each event. */
static int load(void)
{
	uint32_t pa, pb, sr[2] = { 0, 0 };
	struct xb_xenback x;

	if (xb_xenback_open(&x) || xb_xenback_bind_loopback(&x, -1, &pa, &pb))
		return 1;
	xb_xenback_notify(&x, pa);
	vt_skip(&x, 4);
	xb_xenback_rearm(&x, pb, false);
	xb_xenback_set_ring(&x, pb, &sr[0], &sr[1]);
	xb_xenback_notify(&x, pa);
	xb_xenback_unbind(&x, pa);
	xb_xenback_close(&x);
	return 0;
}

int main(int argc, char **argv)
{
	static char out[1 << 18];
	char want[64];
	unsigned int i;

	if (argc > 1 && !strcmp(argv[1], "load"))
		return load();
	if (access(PERF, X_OK)) {
		tap_skip("perf record", "no %s in the initramfs (linux-perf)", PERF);
		tap_skip("perf script", "no %s in the initramfs (linux-perf)", PERF);
		for (i = 0; i < 6; i++)
			tap_skip(events[i], "no %s in the initramfs (linux-perf)", PERF);
		return tap_done();
	}
	{
		char *rec[] = { PERF, "record", "-q", "-e", "xenback:*", "-o", DATA, "--",
				"/proc/self/exe", "load", NULL };
		char self[256];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n > 0) {
			self[n] = 0;
			rec[8] = self;
		}
		tap_eq(vt_run(out, sizeof(out), rec, 1), 0, "perf record -e 'xenback:*' -- <loopback exchange>");
		if (tap_failed)
			printf("# %.1500s\n", out);
	}
	{
		char *scr[] = { PERF, "script", "-i", DATA, NULL };

		tap_eq(vt_run(out, sizeof(out), scr, 1), 0, "perf script");
	}
	for (i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "xenback:%s:", events[i]);
		tap_ok(strstr(out, want) != NULL, "perf saw %s", want);
	}
	if (tap_failed)
		printf("# %.2000s\n", out);
	return tap_done();
}
