/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make demo (simulated platform): a toolstack asks for 300 disks in 30
 * guests, plus one disk whose image is missing and one console that is not
 * ours to serve. libxenback brings the disks up; every guest's frontend
 * connects; then we print the registry and what it cost in xenstore
 * requests.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenback.h"
#include "xenback/sim.h"

#define GUESTS 30
#define DISKS 10

/* ---- a toy block backend: refuses images named "missing" ---- */
static int disk_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	const char *params = xenback_opts_get(opts, "params");
	struct xenback_device *dev;

	if (!params || strstr(params, "missing"))
		return xenback_backend_set_error(be, -ENOENT, "cannot open %s: No such file",
						 params ? params : "(no params)");
	if (xenback_device_new(be, 0, &dev))
		return -ENOMEM;
	xenback_device_printf(dev, "sectors", "%u", 2097152);
	xenback_device_printf(dev, "sector-size", "512");
	xenback_device_printf(dev, "feature-flush-cache", "1");
	xenback_backend_set_device(be, dev);
	return 0;
}

static int disk_connect(struct xenback_device *dev)
{
	unsigned long ref;

	return xenback_device_read_frontend_uint(dev, "ring-ref", UINT32_MAX, &ref);
}

/* ---- a console backend that, like QEMU's, ignores non-ioemu consoles ---- */
static int console_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	const char *type = xenback_opts_get(opts, "type");
	struct xenback_device *dev;

	if (!type || strcmp(type, "ioemu"))
		return 0; /* declined, silently */
	if (xenback_device_new(be, 0, &dev))
		return -ENOMEM;
	xenback_backend_set_device(be, dev);
	return 0;
}

static const struct xenback_backend_info disk = {
	.type = "qdisk", .create = disk_create, .connect = disk_connect,
};
static const struct xenback_backend_info console = {
	.type = "console", .create = console_create,
};

/* ---- the toolstack and the guests ---- */
static void add_device(struct xenback_sim *sim, const char *type, unsigned int dom,
		       unsigned int dev, const char *key, const char *val)
{
	char be[96], fe[96], p[160];

	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", type, dom, dev);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%u", dom, type, dev);
	xenback_sim_batch_begin(sim);
#define W(base, k, ...) (snprintf(p, sizeof(p), "%s/%s", base, k), xenback_sim_write(sim, p, __VA_ARGS__))
	W(be, "frontend", "%s", fe);
	W(be, "frontend-id", "%u", dom);
	W(be, "online", "1");
	W(be, "state", "1");
	W(be, key, "%s", val);
	W(fe, "backend", "%s", be);
	W(fe, "state", "1");
#undef W
	xenback_sim_batch_end(sim);
}

static void frontend_connect(struct xenback_sim *sim, unsigned int dom, unsigned int dev)
{
	char p[128];
	uint32_t ref;
	void *page;

	xenback_sim_grant_page(sim, dom, 0, &page, &ref);
	snprintf(p, sizeof(p), "/local/domain/%u/device/qdisk/%u/ring-ref", dom, dev);
	xenback_sim_write(sim, p, "%u", ref);
	snprintf(p, sizeof(p), "/local/domain/%u/device/qdisk/%u/state", dom, dev);
	xenback_sim_write(sim, p, "%d", XENBACK_STATE_INITIALISED);
}

static void settle(struct xenback_bus *bus)
{
	while (xenback_bus_dispatch(bus) > 0)
		;
}

/* ---- the registry, as xenbackctl will show it ---- */
struct tally {
	unsigned int by_state[9], failed, declined, shown;
};

static int show(const struct xenback_device_info *i, void *data)
{
	struct tally *t = data;
	bool interesting = i->error || i->declined || t->shown < 4;

	if (i->error)
		t->failed++;
	else if (i->declined)
		t->declined++;
	else
		t->by_state[i->state]++;
	if (interesting) {
		t->shown++;
		printf("  %-8s %6u %6u  %-12s %s\n", i->type, i->frontend_id, i->devid,
		       i->error ? "failed" : i->declined ? "declined" : xenback_state_name(i->state),
		       i->error ? i->error_msg : "");
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xenback-demo-sim [-l|--log-level LEVEL] [-h|--help]\n"
		   "  libxenback on the simulated platform (no Xen needed): 300 disks in\n"
		   "  30 guests come up, then the registry and the xenstore requests it cost.\n"
		   "  -l, --log-level LEVEL  show the library's log on stderr up to LEVEL\n"
		   "                         (error|warning|notice|info|debug, or 3..7;\n"
		   "                         default: none)\n"
		   "  -h, --help             this text\n");
}

/* Sets *log_level from the command line; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, int *log_level)
{
	static const struct option opts[] = {
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			*log_level = xenback_log_level_parse(optarg);
			if (*log_level < 0) {
				fprintf(stderr, "xenback-demo-sim: bad log level '%s'\n", optarg);
				goto bad;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind == argc)
		return -1;
	fprintf(stderr, "xenback-demo-sim: unexpected argument '%s'\n", argv[optind]);
bad:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	/* Quiet by default: the failing disk's error is part of the show. */
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR - 1 };
	struct xenback_sim *sim;
	struct xenback_bus *bus;
	struct tally t = { 0 };
	unsigned int d, v, k;
	uint64_t total;
	int r = parse_args(argc, argv, &cfg.log_level);

	if (r >= 0)
		return r;
	sim = xenback_sim_new();
	if (!sim || xenback_bus_new(xenback_sim_platform(sim), &cfg, &bus) ||
	    xenback_backend_register(bus, &disk) || xenback_backend_register(bus, &console) ||
	    xenback_bus_start(bus)) {
		fprintf(stderr, "demo: cannot set up the simulated platform\n");
		return 1;
	}
	printf("xenback demo on the simulated platform (no Xen needed)\n\n");
	printf("1. The toolstack asks for %d disks in %d guests, one disk with a missing\n"
	       "   image, and one console of type 'xenconsoled' (not ours to serve).\n",
	       GUESTS * DISKS, GUESTS);
	xenback_sim_reset_counters(sim);
	for (d = 1; d <= GUESTS; d++)
		for (v = 0; v < DISKS; v++) {
			char img[64];

			snprintf(img, sizeof(img), "aio:/images/guest%u-xvd%c.img", d, 'a' + v);
			add_device(sim, "qdisk", d, 51712 + v * 16, "params", img);
		}
	add_device(sim, "qdisk", 31, 51712, "params", "aio:/images/missing.img");
	add_device(sim, "console", 31, 0, "type", "xenconsoled");
	settle(bus);
	printf("2. Every guest's frontend connects its disks.\n");
	for (d = 1; d <= GUESTS; d++)
		for (v = 0; v < DISKS; v++)
			frontend_connect(sim, d, 51712 + v * 16);
	settle(bus);
	printf("3. Watch events keep coming (guests rewrite keys); failed and declined\n"
	       "   devices are never created again.\n");
	for (k = 0; k < 1000; k++) {
		char p[96];

		snprintf(p, sizeof(p), "/local/domain/0/backend/qdisk/31/51712/state");
		xenback_sim_write(sim, p, "1");
	}
	settle(bus);

	printf("\nRegistry (first devices, and every failed or declined one):\n");
	printf("  %-8s %6s %6s  %-12s %s\n", "type", "domain", "device", "state", "error");
	xenback_bus_foreach(bus, show, &t);
	printf("  ...\n  %u devices: %u Connected, %u InitWait, %u failed, %u declined\n",
	       xenback_bus_count(bus), t.by_state[XENBACK_STATE_CONNECTED],
	       t.by_state[XENBACK_STATE_INITWAIT], t.failed, t.declined);

	total = xenback_sim_requests_total(sim);
	printf("\nxenstore requests made by the backend (the simulated xenstore counts them):\n");
	for (k = 0; k < XENBACK_SIM_NR_REQ; k++)
		printf("  %-10s %8llu\n", xenback_sim_req_name(k),
		       (unsigned long long)xenback_sim_requests(sim, k));
	printf("  %-10s %8llu  = %.1f per device, watch events seen: %llu\n", "total",
	       (unsigned long long)total, (double)total / (GUESTS * DISKS + 2),
	       (unsigned long long)xenback_sim_watch_events(sim));
	printf("\n(QEMU's xen-bus re-reads every device on every event: O(N) per event;\n"
	       " `make bench-bringup` measures both policies side by side.)\n");
	xenback_bus_free(bus);
	xenback_sim_free(sim);
	return t.failed == 1 && t.declined == 1 &&
			       t.by_state[XENBACK_STATE_CONNECTED] == GUESTS * DISKS ? 0 : 1;
}
