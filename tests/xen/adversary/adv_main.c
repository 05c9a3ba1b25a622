/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xb-adversary <devid> <scenario> [persistent]: one scenario against the
 * backend of this domain's vbd <devid>, which must be in InitWait with
 * nothing else driving it (no xen-blkfront). "persistent": the frontend
 * writes feature-persistent=1 (as Linux blkfront does; a backend that keeps
 * grants mapped, such as xenback.ko's blkif ring engine, then serves it),
 * else 0. TAP on stdout; exit 0 if the backend did what each point
 * expects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"

static const struct {
	const char *name;
	int (*run)(struct adv *a);
	const char *what;
} scenarios[] = {
	{ "req-prod", adv_scen_req_prod, "req_prod 100000 slots ahead of the ring" },
	{ "bad-segments", adv_scen_bad_segments, "segments and sectors out of range, nr_segments > 11" },
	{ "bad-indirect", adv_scen_bad_indirect, "indirect requests: bad counts, bad grant refs" },
	{ "revoke", adv_scen_revoke, "data grants revoked around the notify" },
	{ "revoke-inflight", adv_scen_revoke_inflight,
	  "data grants revoked with 1 MiB requests in every slot in flight" },
	{ "big", adv_scen_big, "1 MiB reads in every slot of every queue" },
	{ "flush-data", adv_scen_flush_data, "FLUSH_DISKCACHE with a data segment" },
	{ "discard-end", adv_scen_discard_end, "discard past the end" },
	{ "ring-params", adv_scen_ring_params, "ring-page-order and queue counts out of range" },
	{ "state-flood", adv_scen_state_flood, "state flapping, same-value rewrite flood" },
	{ "reconnect", adv_scen_reconnect, "connect/vanish/reconnect loops" },
};

static void usage(void)
{
	unsigned int i;

	fprintf(stderr, "usage: xb-adversary <devid> <scenario> [persistent] | xb-adversary burn <seconds>\n"
			"       xb-adversary net <devid> <scenario>\nscenarios:\n");
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, "  %-13s %s\n", scenarios[i].name, scenarios[i].what);
	adv_net_usage();
}

/* xenstore, event channels and gntalloc for device/<kind>/<devid>. */
static int adv_open(struct adv *a, const char *kind, const char *devid)
{
	if (adv_xs_open(a, kind, (unsigned int)strtoul(devid, NULL, 10)) < 0)
		return -1;
	a->xce = xenevtchn_open(NULL, 0);
	a->xgs = xengntshr_open(NULL, 0);
	if (!a->xce || !a->xgs) {
		ADV_NOTOK("adversary: open /dev/xen/evtchn and /dev/xen/gntalloc\n");
		return -1;
	}
	return 0;
}

/* xb-adversary net <devid> <scenario> */
static int net_main(const char *devid, const char *scenario)
{
	struct adv a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (adv_open(&a, "vif", devid) < 0)
		return 1;
	rc = adv_net(&a, scenario);
	xengntshr_close(a.xgs);
	xenevtchn_close(a.xce);
	xs_close(a.xs);
	return rc;
}

int main(int argc, char **argv)
{
	struct adv a;
	unsigned int i;
	int s, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "burn"))
		return adv_burn(strtod(argv[2], NULL));
	if (argc == 4 && !strcmp(argv[1], "net"))
		return net_main(argv[2], argv[3]);
	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "persistent"))) {
		usage();
		return 2;
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(argv[2], scenarios[i].name))
			break;
	if (i == sizeof(scenarios) / sizeof(scenarios[0])) {
		usage();
		return 2;
	}
	memset(&a, 0, sizeof(a));
	a.persistent = argc == 4;
	if (adv_open(&a, "vbd", argv[1]) < 0)
		return 1;
	s = adv_wait_backend(&a, 1u << XenbusStateInitWait, 30);
	if (s != XenbusStateInitWait) {
		ADV_NOTOK("adversary: backend %s in InitWait (state %d)\n", a.be, s);
		return 1;
	}
	adv_read_features(&a);
	ADV_NOTE("adversary: scenario %s (%s) on %s, feature-persistent=%d\n", scenarios[i].name,
		 scenarios[i].what, a.fe, a.persistent);
	rc = scenarios[i].run(&a);
	/* (with persistent grants the ring may be served by xenback.ko's
	 * engine: dom0 samples its counters, so it stays a moment longer) */
	if (a.persistent)
		sleep(2);
	/* a frontend that is done says so; the backend may already be gone */
	adv_close(&a, 3);
	adv_rings_teardown(&a, true);
	adv_data_unshare(&a);
	xengntshr_close(a.xgs);
	xenevtchn_close(a.xce);
	xs_close(a.xs);
	ADV_NOTE("adversary: scenario %s done (%s)\n", scenarios[i].name, rc ? "an expectation failed" : "as expected");
	return rc;
}

/* The control: this vCPU spins in userspace for seconds, no I/O to any
 * backend, so dom0 can tell what the hostile guest's CPU time alone costs
 * the good guest. */
int adv_burn(double seconds)
{
	double end = adv_now() + seconds;
	volatile unsigned long spin = 0;
	unsigned int i;

	while (adv_now() < end)
		for (i = 0; i < 100000; i++)
			spin++;
	printf("ok - burn: %.0f s of CPU, no I/O to the backend (%lu spins)\n", seconds, (unsigned long)spin);
	return 0;
}
