/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackd: one daemon for all guests, hosting the backend types built into
 * it on libxenback's real platform (libxenstore, libxengnttab, /dev/xenback
 * when xenback.ko is loaded, else libxenevtchn).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "userspace/backends/blk/blk_backend.h"
#include "xenbackd.h"

static const struct xenback_backend_info *const known[] = {
	&xenback_blk_qdisk_info,
	&xenback_blk_vbd_info,
};

static bool running = true;

#define STR_(x) #x
#define STR(x) STR_(x)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xenbackd [options]\n"
		"  -t, --types LIST          backend types to serve (default: qdisk; known: qdisk,vbd)\n"
		"  -d, --backend-domid N     domain the backends run in (default: 0, dom0)\n"
		"  -l, --log-level LEVEL     error|warning|notice|info|debug, or 3..7\n"
		"                            (default: notice)\n"
		"  -s, --syslog              log to syslog instead of stderr\n"
		"  -c, --control PATH        control socket (default: " XENBACKD_CONTROL_DEFAULT ")\n"
		"      --control-mode MODE   its permission bits, octal (default: 0600, root only)\n"
		"      --control-timeout MS  a control client idle this long is dropped\n"
		"                            (default: 10000)\n"
		"  -n, --no-module           event channels through libxenevtchn even if\n"
		"                            /dev/xenback is present\n"
		"  -f, --foreground          accepted for compatibility: xenbackd never forks\n"
		"  -h, --help                this text\n"
		"Budgets of the block backend (a disk at one is throttled, never failed):\n"
		"  --max-bounce-mib N        bounce buffers, all disks: in flight and idle\n"
		"                            in the pool (default: " STR(XENBACK_BLK_BOUNCE_MIB_DEFAULT) ")\n"
		"  --max-device-bounce-mib N bounce buffers of one disk's requests in flight,\n"
		"                            >= 1 (default: " STR(XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT) ", or --max-bounce-mib if lower)\n"
		"  --max-persistent-grants N persistent-grant mappings, all disks; past it,\n"
		"                            grant copy (default: " STR(XENBACK_BLK_PERSISTENT_GRANTS_DEFAULT) ")\n"
		"  --max-device-persistent-grants N\n"
		"                            ... one disk (default: " STR(XENBACK_BLK_DEVICE_PERSISTENT_GRANTS_DEFAULT) ",\n"
		"                            or --max-persistent-grants if lower)\n"
		"  --max-device-requests N   requests one disk has in flight\n"
		"                            (default: " STR(XENBACK_BLK_DEVICE_REQUESTS_DEFAULT) ")\n");
}

static void log_stderr(void *data, int level, const char *msg)
{
	(void)data;
	fprintf(stderr, "xenbackd: %s: %s\n", xenback_log_level_name(level), msg);
}

static void log_syslog(void *data, int level, const char *msg)
{
	(void)data;
	syslog(level, "%s", msg);
}

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP)
		running = false;
}

static int register_types(struct xenback_bus *bus, char *list)
{
	char *save = NULL, *name;
	int served = 0;

	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(known[i]->type, name))
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			fprintf(stderr, "xenbackd: unknown backend type '%s'\n", name);
			return -EINVAL;
		}
		if (xenback_backend_register(bus, known[i]) < 0) {
			fprintf(stderr, "xenbackd: %s\n", xenback_bus_error(bus));
			return -EINVAL;
		}
		served++;
	}
	return served ? 0 : -EINVAL;
}

struct xbd_args {
	struct xenback_bus_config cfg;
	const char *control;
	struct xbd_control_opts control_opts;
	char types[256];
	unsigned int pflags;
	struct xenback_blk_limits lim;
	bool dev_bounce_set, dev_pgrants_set;
};

enum { OPT_BOUNCE = 256, OPT_DEV_BOUNCE, OPT_PGRANTS, OPT_DEV_PGRANTS, OPT_DEV_REQUESTS };

/* A budget's value: 1..max, else -1. */
static long long budget_arg(const char *name, const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || !v || v > max) {
		fprintf(stderr, "xenbackd: --%s '%s': need a number from 1 to %llu\n", name, s, max);
		return -1;
	}
	return (long long)v;
}

/* A budget option into a->lim; false if its value is bad. */
static bool budget_opt(struct xbd_args *a, int c, const char *name, const char *s)
{
	long long v = budget_arg(name, s, c <= OPT_DEV_BOUNCE ? 1u << 20 : UINT32_MAX);

	if (v < 0)
		return false;
	switch (c) {
	case OPT_BOUNCE:
		a->lim.bounce_bytes = (uint64_t)v << 20;
		break;
	case OPT_DEV_BOUNCE:
		a->lim.device_bounce_bytes = (uint64_t)v << 20;
		a->dev_bounce_set = true;
		break;
	case OPT_PGRANTS:
		a->lim.persistent_grants = (uint32_t)v;
		break;
	case OPT_DEV_PGRANTS:
		a->lim.device_persistent_grants = (uint32_t)v;
		a->dev_pgrants_set = true;
		break;
	default:
		a->lim.device_requests = (uint32_t)v;
	}
	return true;
}

/* Fills a from the command line; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct xbd_args *a)
{
	static const struct option opts[] = {
		{ "types", required_argument, NULL, 't' },
		{ "backend-domid", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "control-mode", required_argument, NULL, 'M' },
		{ "control-timeout", required_argument, NULL, 'T' },
		{ "no-module", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "max-bounce-mib", required_argument, NULL, OPT_BOUNCE },
		{ "max-device-bounce-mib", required_argument, NULL, OPT_DEV_BOUNCE },
		{ "max-persistent-grants", required_argument, NULL, OPT_PGRANTS },
		{ "max-device-persistent-grants", required_argument, NULL, OPT_DEV_PGRANTS },
		{ "max-device-requests", required_argument, NULL, OPT_DEV_REQUESTS },
		{ 0 },
	};
	int idx = 0;
	unsigned long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "t:d:l:sc:nfh", opts, &idx)) != -1) {
		switch (c) {
		case OPT_BOUNCE:
		case OPT_DEV_BOUNCE:
		case OPT_PGRANTS:
		case OPT_DEV_PGRANTS:
		case OPT_DEV_REQUESTS:
			if (!budget_opt(a, c, opts[idx].name, optarg))
				goto bad;
			break;
		case 't':
			snprintf(a->types, sizeof(a->types), "%s", optarg);
			break;
		case 'd':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-' || v >= 0x7ff0) {
				fprintf(stderr, "xenbackd: bad domain id '%s'\n", optarg);
				goto bad;
			}
			a->cfg.backend_domid = (uint32_t)v;
			break;
		case 'l':
			a->cfg.log_level = xenback_log_level_parse(optarg);
			if (a->cfg.log_level < 0) {
				fprintf(stderr, "xenbackd: bad log level '%s'\n", optarg);
				goto bad;
			}
			break;
		case 's':
			openlog("xenbackd", LOG_PID, LOG_DAEMON);
			a->cfg.log = log_syslog;
			break;
		case 'c':
			a->control = optarg;
			break;
		case 'M':
		case 'T':
			errno = 0;
			v = strtoul(optarg, &end, c == 'M' ? 8 : 10);
			if (errno || *end || !*optarg || *optarg == '-' ||
			    (c == 'M' ? v > 0777 : !v || v > 86400000)) {
				fprintf(stderr, "xenbackd: bad --control-%s '%s'\n",
					c == 'M' ? "mode" : "timeout", optarg);
				goto bad;
			}
			if (c == 'M')
				a->control_opts.mode = (mode_t)v;
			else
				a->control_opts.idle_timeout_ms = (unsigned int)v;
			break;
		case 'n':
			a->pflags |= XENBACK_PLATFORM_NO_MODULE;
			break;
		case 'f':
			break; /* always in the foreground; systemd supervises it */
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind == argc) {
		/* A per-disk default above a lowered daemon-wide budget follows it. */
		if (!a->dev_bounce_set && a->lim.device_bounce_bytes > a->lim.bounce_bytes)
			a->lim.device_bounce_bytes = a->lim.bounce_bytes;
		if (!a->dev_pgrants_set && a->lim.device_persistent_grants > a->lim.persistent_grants)
			a->lim.device_persistent_grants = a->lim.persistent_grants;
		if (xenback_blk_set_limits(&a->lim) == 0)
			return -1;
		fprintf(stderr, "xenbackd: budgets do not fit: a disk's bounce budget must be at least 1 MiB "
				"and at most --max-bounce-mib, its persistent grants at most "
				"--max-persistent-grants\n");
		goto bad;
	}
	fprintf(stderr, "xenbackd: unexpected argument '%s'\n", argv[optind]);
bad:
	usage(stderr);
	return 2;
}

/* SIGTERM, SIGINT (stop) and SIGHUP (ignored) through the bus's epoll set. */
static int watch_signals(struct xenback_bus *bus)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || xenback_bus_add_fd(bus, sfd, EPOLLIN, on_signal, NULL) < 0) {
		perror("xenbackd: signalfd");
		return -1;
	}
	return 0;
}

/* Serves until SIGTERM/SIGINT; returns the exit status. */
static int serve(struct xbd_args *a)
{
	struct xenback_platform *plat = NULL;
	struct xenback_bus *bus = NULL;
	struct xbd_control *ctl = NULL;
	int r, ret = 1;

	r = xenback_platform_open(a->pflags, &plat);
	if (r < 0) {
		fprintf(stderr, "xenbackd: cannot open the Xen platform (is this dom0 with xenstored running?): %s\n",
			strerror(-r));
		return 1;
	}
	r = xenback_bus_new(plat, &a->cfg, &bus);
	if (r < 0) {
		fprintf(stderr, "xenbackd: %s\n", strerror(-r));
		goto out;
	}
	if (register_types(bus, a->types) < 0)
		goto out;
	r = xbd_control_open(bus, a->control, &a->control_opts, &ctl);
	if (r < 0) {
		fprintf(stderr, "xenbackd: control socket %s: %s\n", a->control, strerror(-r));
		goto out;
	}
	if (watch_signals(bus) < 0)
		goto out;
	r = xenback_bus_start(bus);
	if (r < 0) {
		fprintf(stderr, "xenbackd: %s\n", xenback_bus_error(bus));
		goto out;
	}
	fprintf(stderr, "xenbackd: serving %s for backend domain %u (%s), control %s\n", a->types,
		a->cfg.backend_domid, xenback_platform_name(plat), a->control);
	while (running) {
		r = xenback_bus_run_once(bus, -1);
		if (r < 0) {
			fprintf(stderr, "xenbackd: %s\n", xenback_bus_error(bus));
			goto out;
		}
	}
	fprintf(stderr, "xenbackd: shutting down: closing %u device(s)\n", xenback_bus_count(bus));
	ret = 0;
out:
	xbd_control_close(ctl);
	xenback_bus_free(bus); /* devices closed, frontends told Closed */
	xenback_platform_free(plat);
	return ret;
}

int main(int argc, char **argv)
{
	struct xbd_args a = {
		.cfg = { .log_level = XENBACK_LOG_NOTICE, .log = log_stderr },
		.control = XENBACKD_CONTROL_DEFAULT,
		.types = "qdisk",
	};
	int r;

	xenback_blk_get_limits(&a.lim);
	xbd_control_defaults(&a.control_opts);
	r = parse_args(argc, argv, &a);
	return r >= 0 ? r : serve(&a);
}
