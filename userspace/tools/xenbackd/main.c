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

#include "xenback/blk.h"
#include "xenbackd.h"

static const struct xenback_backend_info *const known[] = {
	&xenback_blk_qdisk_info,
	&xenback_blk_vbd_info,
};

static bool running = true;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xenbackd [options]\n"
		"  -t, --types LIST          backend types to serve (default: qdisk; known: qdisk,vbd)\n"
		"  -d, --backend-domid N     domain the backends run in (default: 0, dom0)\n"
		"  -l, --log-level LEVEL     error|warning|notice|info|debug (default: notice)\n"
		"  -s, --syslog              log to syslog instead of stderr\n"
		"  -c, --control PATH        control socket (default: " XENBACKD_CONTROL_DEFAULT ")\n"
		"  -n, --no-module           event channels through libxenevtchn even if\n"
		"                            /dev/xenback is present\n"
		"  -f, --foreground          accepted for compatibility: xenbackd never forks\n"
		"  -h, --help\n");
}

static int parse_level(const char *s)
{
	static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
	unsigned int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return XENBACK_LOG_ERR + (int)i;
	return -1;
}

static void log_stderr(void *data, int level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "notice", "info", "debug" };

	(void)data;
	fprintf(stderr, "xenbackd: %s: %s\n",
		level >= XENBACK_LOG_ERR && level <= XENBACK_LOG_DEBUG ?
			names[level - XENBACK_LOG_ERR] : "?", msg);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "types", required_argument, NULL, 't' },
		{ "backend-domid", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'c' },
		{ "no-module", no_argument, NULL, 'n' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_NOTICE, .log = log_stderr };
	const char *control = XENBACKD_CONTROL_DEFAULT;
	char types[256] = "qdisk";
	struct xenback_platform *plat = NULL;
	struct xenback_bus *bus = NULL;
	struct xbd_control *ctl = NULL;
	unsigned int pflags = 0;
	sigset_t mask;
	int c, r, sfd, ret = 1;
	char *end;

	while ((c = getopt_long(argc, argv, "t:d:l:sc:nfh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			snprintf(types, sizeof(types), "%s", optarg);
			break;
		case 'd':
			cfg.backend_domid = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "xenbackd: bad domain id '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			cfg.log_level = parse_level(optarg);
			if (cfg.log_level < 0) {
				fprintf(stderr, "xenbackd: bad log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			openlog("xenbackd", LOG_PID, LOG_DAEMON);
			cfg.log = log_syslog;
			break;
		case 'c':
			control = optarg;
			break;
		case 'n':
			pflags |= XENBACK_PLATFORM_NO_MODULE;
			break;
		case 'f':
			break; /* always in the foreground; systemd supervises it */
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	r = xenback_platform_open(pflags, &plat);
	if (r < 0) {
		fprintf(stderr, "xenbackd: cannot open the Xen platform (is this dom0 with xenstored running?): %s\n",
			strerror(-r));
		return 1;
	}
	r = xenback_bus_new(plat, &cfg, &bus);
	if (r < 0) {
		fprintf(stderr, "xenbackd: %s\n", strerror(-r));
		goto out;
	}
	if (register_types(bus, types) < 0)
		goto out;
	r = xbd_control_open(bus, control, &ctl);
	if (r < 0) {
		fprintf(stderr, "xenbackd: control socket %s: %s\n", control, strerror(-r));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || xenback_bus_add_fd(bus, sfd, EPOLLIN, on_signal, NULL) < 0) {
		perror("xenbackd: signalfd");
		goto out;
	}
	r = xenback_bus_start(bus);
	if (r < 0) {
		fprintf(stderr, "xenbackd: %s\n", xenback_bus_error(bus));
		goto out;
	}
	fprintf(stderr, "xenbackd: serving %s for backend domain %u (%s), control %s\n", types,
		cfg.backend_domid, xenback_platform_name(plat), control);
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
