/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackd: one daemon for all guests, hosting the backend types built into
 * it on libxenback's real platform (libxenstore, libxengnttab, /dev/xenback
 * when xenback.ko is loaded, else libxenevtchn).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "userspace/backends/blk/blk_backend.h"
#include "userspace/backends/console/console_backend.h"
#include "userspace/backends/net/net_backend.h"
#include "xenbackd.h"

static const struct xenback_backend_info *const known[] = {
	&xenback_blk_qdisk_info,
	&xenback_blk_vbd_info,
	&xenback_net_vif_info,
	&xenback_console_info,
};

/* What ends the serving loop, and what follows it. */
enum xbd_exit {
	XBD_RUN,    /* serving */
	XBD_DETACH, /* SIGTERM/SIGINT: devices handed over, frontends see nothing */
	XBD_CLOSE,  /* "shutdown", or SIGTERM with --close-on-exit: frontends told Closed */
	XBD_EXEC,   /* "restart" or SIGHUP: detach, then execv() exec_path */
};
static enum xbd_exit ending = XBD_RUN;
static bool close_on_exit;
static char self_exe[PATH_MAX];  /* /proc/self/exe at startup: "" if unknown */
static char exec_path[PATH_MAX]; /* what XBD_EXEC executes */

#define STR_(x) #x
#define STR(x) STR_(x)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xenbackd [options]\n"
		"  -t, --types LIST          backend types to serve (default: qdisk,console;\n"
		"                            known: qdisk,vbd,vif,console)\n"
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
		"  -S, --state-dir DIR       what outlives the process (a lock, one file per\n"
		"                            connected device): a restarted xenbackd takes\n"
		"                            the devices over from it (default: " XENBACKD_STATE_DIR_DEFAULT ")\n"
		"      --close-on-exit       SIGTERM/SIGINT close every device (frontends told\n"
		"                            Closed) instead of detaching (they stay Connected\n"
		"                            for the next xenbackd)\n"
		"  -f, --foreground          accepted for compatibility: xenbackd never forks\n"
		"  -h, --help                this text\n"
		"Signals: SIGTERM/SIGINT detach (or close, --close-on-exit) and exit 0;\n"
		"SIGHUP executes the binary again (in-place upgrade), devices handed over.\n"
		"`xenbackctl restart [--exec PATH]` and `xenbackctl shutdown` do the same\n"
		"through the control socket.\n"
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
	if (read(fd, &si, sizeof(si)) != sizeof(si) || ending != XBD_RUN)
		return;
	if (si.ssi_signo == SIGHUP) {
		if (!*self_exe) {
			fprintf(stderr, "xenbackd: SIGHUP: own binary unknown (/proc/self/exe "
					"unreadable at startup): ignored\n");
			return;
		}
		snprintf(exec_path, sizeof(exec_path), "%s", self_exe);
		ending = XBD_EXEC;
	} else {
		ending = close_on_exit ? XBD_CLOSE : XBD_DETACH;
	}
}

/* The control socket's "restart [PATH]" and "shutdown". */
static int on_action(void *data, enum xbd_action what, const char *arg, char *err, size_t errlen)
{
	const char *path = arg ? arg : self_exe;
	struct stat st;

	(void)data;
	if (ending != XBD_RUN) {
		snprintf(err, errlen, "already %s", ending == XBD_EXEC ? "restarting" : "stopping");
		return -EBUSY;
	}
	if (what == XBD_ACTION_SHUTDOWN) {
		ending = XBD_CLOSE;
		return 0;
	}
	if (!*path) {
		snprintf(err, errlen, "own binary unknown: give a path");
		return -ENOENT;
	}
	if (*path != '/' || strlen(path) >= sizeof(exec_path)) {
		snprintf(err, errlen, "%s: need an absolute path", path);
		return -EINVAL;
	}
	/* Checked now, so that a typo is an error to the client rather than
	 * a failed execv() after every device was detached. */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "not a regular file");
		return -ENOEXEC;
	}
	snprintf(exec_path, sizeof(exec_path), "%s", path);
	ending = XBD_EXEC;
	return 0;
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
	const char *state_dir;
	struct xbd_control_opts control_opts;
	char types[256];
	unsigned int pflags;
	struct xenback_blk_limits lim;
	bool dev_bounce_set, dev_pgrants_set;
};

enum { OPT_BOUNCE = 256, OPT_DEV_BOUNCE, OPT_PGRANTS, OPT_DEV_PGRANTS, OPT_DEV_REQUESTS,
       OPT_CLOSE_ON_EXIT };

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
		{ "state-dir", required_argument, NULL, 'S' },
		{ "close-on-exit", no_argument, NULL, OPT_CLOSE_ON_EXIT },
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

	while ((c = getopt_long(argc, argv, "t:d:l:sc:nS:fh", opts, &idx)) != -1) {
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
		case 'S':
			if (*optarg != '/' || strlen(optarg) > 200) {
				fprintf(stderr, "xenbackd: --state-dir '%s': need an absolute path "
						"(200 characters at most)\n", optarg);
				goto bad;
			}
			a->state_dir = optarg;
			break;
		case OPT_CLOSE_ON_EXIT:
			close_on_exit = true;
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

/* SIGTERM, SIGINT (stop) and SIGHUP (re-exec) through the bus's epoll set.
 * They stay blocked across execv(): one arriving while the next binary
 * starts waits for its signalfd. */
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

/* Every fd above stderr close-on-exec: nothing of this process (a library's
 * handle, the syslog socket, a held control client) reaches the next one. */
static void cloexec_all(void)
{
	struct dirent *e;
	DIR *d;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(d);
}

static char **saved_argv;

/* Executes exec_path with the original arguments (argv[0] = the path);
 * returns only if that failed: then our own binary, if different. */
static void reexec(void)
{
	const char *paths[2] = { exec_path, self_exe };
	unsigned int i;

	cloexec_all();
	for (i = 0; i < 2; i++) {
		if (!*paths[i] || (i && !strcmp(paths[0], paths[1])))
			continue;
		saved_argv[0] = (char *)paths[i];
		fprintf(stderr, "xenbackd: executing %s\n", paths[i]);
		fflush(NULL);
		execv(paths[i], saved_argv);
		fprintf(stderr, "xenbackd: execv %s: %s\n", paths[i], strerror(errno));
	}
}

/* Serves until a signal or a control action; returns the exit status (or
 * does not return: the next binary runs). */
static int serve(struct xbd_args *a)
{
	struct xenback_platform *plat = NULL;
	struct xenback_bus *bus = NULL;
	struct xbd_control *ctl = NULL;
	int r, ret = 1;
	unsigned int n;

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
	/* Before the control socket: a second xenbackd must not take the
	 * first one's socket away. */
	r = xenback_bus_set_state_dir(bus, a->state_dir);
	if (r == -EBUSY) {
		fprintf(stderr, "xenbackd: another xenbackd is running with state directory %s "
				"(it holds %s/lock): not starting\n", a->state_dir, a->state_dir);
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "xenbackd: state directory %s: %s\n", a->state_dir,
			xenback_bus_error(bus));
		goto out;
	}
	r = xbd_control_open(bus, a->control, &a->control_opts, &ctl);
	if (r < 0) {
		fprintf(stderr, "xenbackd: control socket %s: %s\n", a->control, strerror(-r));
		goto out;
	}
	xbd_control_set_action(ctl, on_action, NULL);
	if (watch_signals(bus) < 0)
		goto out;
	r = xenback_bus_start(bus);
	if (r < 0) {
		fprintf(stderr, "xenbackd: %s\n", xenback_bus_error(bus));
		goto out;
	}
	fprintf(stderr, "xenbackd: serving %s for backend domain %u (%s), control %s, state %s, "
		"%u device(s) at start\n", a->types, a->cfg.backend_domid, xenback_platform_name(plat),
		a->control, a->state_dir, xenback_bus_count(bus));
	while (ending == XBD_RUN) {
		r = xenback_bus_run_once(bus, -1);
		if (r < 0) {
			fprintf(stderr, "xenbackd: %s\n", xenback_bus_error(bus));
			goto out;
		}
	}
	n = xenback_bus_count(bus);
	xbd_control_finish(ctl, 1000); /* an accepted action's client: EOF at exit or exec */
	ctl = NULL;
	if (ending == XBD_CLOSE) {
		fprintf(stderr, "xenbackd: shutting down: closing %u device(s), frontends told\n", n);
		xenback_bus_free(bus);
	} else {
		fprintf(stderr, "xenbackd: %s: %u device(s) handed over (frontends see no change)\n",
			ending == XBD_EXEC ? "restarting" : "stopping", n);
		xenback_bus_detach(bus);
	}
	bus = NULL;
	xenback_platform_free(plat);
	plat = NULL;
	if (ending == XBD_EXEC) {
		closelog();
		reexec();
		/* Nothing to execute: exit non-zero (systemd's Restart=on-failure
		 * starts the unit's binary, which takes the devices over). */
		return 1;
	}
	return 0;
out:
	xbd_control_close(ctl);
	/* Devices taken over before a failure here are handed back as they
	 * are: the next xenbackd finds them where this one did. */
	if (bus)
		xenback_bus_detach(bus);
	xenback_platform_free(plat);
	return ret;
}

int main(int argc, char **argv)
{
	struct xbd_args a = {
		.cfg = { .log_level = XENBACK_LOG_NOTICE, .log = log_stderr },
		.control = XENBACKD_CONTROL_DEFAULT,
		.state_dir = XENBACKD_STATE_DIR_DEFAULT,
		.control_opts = XBD_CONTROL_OPTS_DEFAULT,
		.types = "qdisk,console",
	};
	int r;

	ssize_t n;

	xenback_blk_get_limits(&a.lim);
	/* The arguments as given, for a re-exec (getopt may permute argv). */
	saved_argv = calloc((size_t)argc + 1, sizeof(*saved_argv));
	if (!saved_argv)
		return 1;
	memcpy(saved_argv, argv, (size_t)argc * sizeof(*argv));
	r = parse_args(argc, argv, &a);
	if (r >= 0)
		return r;
	/* The binary's path now: after an upgrade replaced the file, the new
	 * one is executed by the same name. */
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = 0;
	if (strstr(self_exe, " (deleted)"))
		*strstr(self_exe, " (deleted)") = 0;
	return serve(&a);
}
