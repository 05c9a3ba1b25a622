/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenback-dm: the "device model" libxl spawns for a PV guest whose disks have
 * backendtype=qdisk, when the guest's config names it in device_model_override.
 *
 * For such a guest libxl (4.17) writes backend/qdisk/<domid>/<devid> and then
 * starts a device model in dom0 (normally QEMU, which would serve the disk):
 * it waits for /local/domain/0/device-model/<domid>/state = "running", then
 * talks QMP on /var/run/xen/qmp-libxl-<domid> (greeting, qmp_capabilities,
 * query-chardev, query-vnc when a vfb exists...). This program does exactly
 * that and nothing else, so the qdisk backend nodes stay in state 1
 * (Initialising) for xenbackd, which serves them. xl destroy kills it (libxl
 * recorded its pid); it also exits when the guest's domain disappears.
 *
 *   main.c    the command line QEMU-style (what libxl passes), the log
 *   server.c  the QMP sockets, their clients, the poll loop
 *   qmp.c     QMP itself: json-c parsing, QEMU's answers, hostile input
 *   xs.c      xenstore: "running", the domain's end
 *
 * Without a libxl-cmd chardev it serves /var/run/xen/qmp-libxl-<N>. With -S
 * it reports "prelaunch" until QMP "cont" and only then writes "running".
 * dm_restrict (libxl: -runas, -chroot, -xen-domid-restrict) is refused: it
 * exits 1 with a message saying why (see refuse_restrict()).
 * Guests whose config needs a real QEMU (vfb/vkb, 9pfs, USB, channels, HVM)
 * cannot use it: it serves none of those.
 * Logs one line per QMP command on stderr (libxl sends it to
 * /var/log/xen/qemu-dm-<name>.log).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dm.h"

static const char *prog = "xenback-dm";
static unsigned int log_domid;

void dm_log(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%s[%d] %lld.%03ld dom%u: ", prog, (int)getpid(),
		(long long)ts.tv_sec, ts.tv_nsec / 1000000, log_domid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void qmp_log(void *data, const char *msg)
{
	(void)data;
	dm_log("%s", msg);
}

static int qmp_cont(void *data)
{
	return dm_announce_running(data);
}

static char *qmp_chardevs(void *data)
{
	return dm_chardevs(data);
}

/* ---- the command line: QEMU's, as libxl 4.17 builds it */

enum {
	OPT_DOMID = 256,
	OPT_CHARDEV,
	OPT_NO_XS,
	OPT_IGNORED,     /* a QEMU option libxl may pass: accepted, ignored */
	OPT_RESTRICT,    /* dm_restrict's: refused (refuse_restrict()) */
};

/* QEMU's options take one dash or two (getopt_long_only). Besides ours,
 * every option libxl__build_device_model_args_new() (libxl 4.17) can pass,
 * so that no guest config libxl accepts makes us exit; anything else is a
 * usage error. */
static const struct option opts[] = {
	{ "xen-domid", required_argument, NULL, OPT_DOMID },
	{ "chardev", required_argument, NULL, OPT_CHARDEV },
	{ "no-xenstore", no_argument, NULL, OPT_NO_XS },
	{ "help", no_argument, NULL, 'h' },
	{ "no-shutdown", no_argument, NULL, OPT_IGNORED },
	{ "nodefaults", no_argument, NULL, OPT_IGNORED },
	{ "no-user-config", no_argument, NULL, OPT_IGNORED },
	{ "xen-attach", no_argument, NULL, OPT_IGNORED },
	{ "xen-domid-restrict", no_argument, NULL, OPT_RESTRICT },
	{ "nographic", no_argument, NULL, OPT_IGNORED },
	{ "sdl", no_argument, NULL, OPT_IGNORED },
	{ "usb", no_argument, NULL, OPT_IGNORED },
	{ "no-acpi", no_argument, NULL, OPT_IGNORED },
	{ "mon", required_argument, NULL, OPT_IGNORED },
	{ "name", required_argument, NULL, OPT_IGNORED },
	{ "vnc", required_argument, NULL, OPT_IGNORED },
	{ "display", required_argument, NULL, OPT_IGNORED },
	{ "k", required_argument, NULL, OPT_IGNORED },
	{ "machine", required_argument, NULL, OPT_IGNORED },
	{ "m", required_argument, NULL, OPT_IGNORED },
	{ "runas", required_argument, NULL, OPT_RESTRICT },
	{ "chroot", required_argument, NULL, OPT_RESTRICT },
	{ "incoming", required_argument, NULL, OPT_IGNORED },
	{ "device", required_argument, NULL, OPT_IGNORED },
	{ "drive", required_argument, NULL, OPT_IGNORED },
	{ "serial", required_argument, NULL, OPT_IGNORED },
	{ "smp", required_argument, NULL, OPT_IGNORED },
	{ "net", required_argument, NULL, OPT_IGNORED },
	{ "netdev", required_argument, NULL, OPT_IGNORED },
	{ "object", required_argument, NULL, OPT_IGNORED },
	{ "boot", required_argument, NULL, OPT_IGNORED },
	{ "spice", required_argument, NULL, OPT_IGNORED },
	{ "append", required_argument, NULL, OPT_IGNORED },
	{ "kernel", required_argument, NULL, OPT_IGNORED },
	{ "initrd", required_argument, NULL, OPT_IGNORED },
	{ "usbdevice", required_argument, NULL, OPT_IGNORED },
	{ "soundhw", required_argument, NULL, OPT_IGNORED },
	{ 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s -xen-domid N [-chardev socket,id=libxl-cmd,path=P|fd=FD,...]\n"
		"                  [-chardev socket,id=libxenstat-cmd,path=P,...] [-S] [QEMU options]\n"
		"  The device model libxl starts (device_model_override) for a PV guest's qdisk\n"
		"  disks: reports \"running\", answers libxl's QMP, leaves the disks to xenbackd.\n"
		"  -xen-domid N      the guest's domain (required)\n"
		"  -chardev socket,id=libxl-cmd,path=P|fd=FD,...\n"
		"                    libxl's QMP socket (default: /var/run/xen/qmp-libxl-N)\n"
		"  -chardev socket,id=libxenstat-cmd,path=P,...\n"
		"                    xentop's QMP socket\n"
		"  -S                report \"prelaunch\" until QMP \"cont\"\n"
		"  --no-xenstore     serve QMP only, without xenstore (testing)\n"
		"  -h, --help        this text\n"
		"  Accepted and ignored, as libxl passes them to QEMU: -no-shutdown -nodefaults\n"
		"  -no-user-config -xen-attach -nographic -sdl -usb -no-acpi, and with an\n"
		"  argument: -mon -name -vnc -display -k -machine -m -incoming -device -drive\n"
		"  -serial -smp -net -netdev -object -boot -spice -append -kernel -initrd\n"
		"  -usbdevice -soundhw. Options take one dash or two.\n"
		"  Refused (exit 1): -runas, -chroot, -xen-domid-restrict, what libxl passes for\n"
		"  dm_restrict=1. xenback-dm would not drop root, and the guest's disks are\n"
		"  served by xenbackd, which dm_restrict does not confine; xenback-dm reads no\n"
		"  guest data, so there is nothing to gain: set dm_restrict=0 for this guest.\n",
		prog);
}

/* "N" as an int in [0, max); -1 if it is not one. */
static long parse_num(const char *s, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v >= max ? -1 : v;
}

/* "-chardev socket,id=<id>,path=<p>|fd=<n>[,...]": libxl's (libxl-cmd) and
 * libxenstat's (libxenstat-cmd) QMP sockets; other chardevs (a guest's
 * channels) are ignored. Returns 0 or -1 (message on stderr). */
static int chardev(struct dm *dm, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *kv, *id = NULL, *path = NULL, *fd = NULL;
	bool qmp, stat;
	int ret = -1;
	long n = -1;

	if (!copy || !(kv = strtok_r(copy, ",", &save)) || strcmp(kv, "socket")) {
		free(copy);
		return copy ? 0 : -1; /* not a socket: not one of ours */
	}
	while ((kv = strtok_r(NULL, ",", &save))) {
		if (!strncmp(kv, "id=", 3))
			id = kv + 3;
		else if (!strncmp(kv, "path=", 5))
			path = kv + 5;
		else if (!strncmp(kv, "fd=", 3))
			fd = kv + 3;
	}
	qmp = id && !strcmp(id, "libxl-cmd");
	stat = id && !strcmp(id, "libxenstat-cmd");
	if (!qmp && !stat) {
		ret = 0;
	} else if (path && *path) {
		char **dst = qmp ? &dm->qmp_path : &dm->stat_path;

		free(*dst);
		*dst = strdup(path);
		ret = *dst ? 0 : -1;
	} else if (qmp && fd && (n = parse_num(fd, 1L << 30)) >= 0 && fcntl((int)n, F_GETFD) >= 0) {
		dm->qmp_fd = (int)n; /* a listening socket libxl made */
		ret = 0;
	} else {
		fprintf(stderr, "%s: -chardev %s: needs path=<socket>%s\n", prog, arg,
			qmp ? " or fd=<an open listening socket>" : "");
	}
	free(copy);
	return ret;
}

/*
 * dm_restrict=1 makes libxl pass -runas, -chroot and -xen-domid-restrict:
 * the admin asked for a device model that runs unprivileged, confined to
 * its guest. xenback-dm enforces none of that (it would keep root), and
 * what a guest does reach is xenbackd, one daemon for every guest that
 * dm_restrict does not touch. Accepting would lose a requested security
 * property without a word, so it is refused, with what to do instead, in
 * the log libxl keeps (qemu-dm-<name>.log); libxl then fails the domain's
 * creation, as it does when it cannot find dm_restrict's user.
 */
static int refuse_restrict(const char *given)
{
	fprintf(stderr,
		"%s: error: refusing%s (the guest's dm_restrict=1):\n"
		"  none of it would be enforced: xenback-dm would keep running as root, unconfined.\n"
		"  It serves no device and reads no guest data: the guest's qdisk disks are served\n"
		"  by xenbackd, which dm_restrict does not confine either. Set dm_restrict=0 for\n"
		"  this guest (nothing is lost with xenback-dm), or use QEMU.\n",
		prog, given);
	return 1;
}

/* Fills dm from the command line; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct dm *dm)
{
	bool have_domid = false;
	char restrict_given[256] = "";
	int c, idx = -1;
	long v;

	while ((c = getopt_long_only(argc, argv, "Sh", opts, &idx)) != -1) {
		switch (c) {
		case OPT_DOMID:
			v = parse_num(optarg, 0x7ff0); /* DOMID_FIRST_RESERVED */
			if (v < 0) {
				fprintf(stderr, "%s: bad -xen-domid %s\n", prog, optarg);
				goto bad;
			}
			dm->domid = (unsigned int)v;
			have_domid = true;
			break;
		case OPT_CHARDEV:
			if (chardev(dm, optarg))
				goto bad;
			break;
		case 'S':
			dm->qmp.status = "prelaunch"; /* "running" only after QMP "cont" */
			break;
		case OPT_NO_XS:
			dm->no_xs = true;
			break;
		case OPT_IGNORED:
			break;
		case OPT_RESTRICT: {
			const char *arg = opts[idx].has_arg ? optarg : NULL;
			size_t l = strlen(restrict_given);

			snprintf(restrict_given + l, sizeof(restrict_given) - l, " -%s%s%s",
				 opts[idx].name, arg ? " " : "", arg ? arg : "");
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		goto bad;
	}
	if (!have_domid) {
		fprintf(stderr, "%s: -xen-domid <N> is required\n", prog);
		goto bad;
	}
	if (restrict_given[0])
		return refuse_restrict(restrict_given);
	return -1;
bad:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct dm dm = {
		.qmp_fd = -1,
		.stat_fd = -1,
		.qmp = { .status = "running", .log = qmp_log, .on_cont = qmp_cont, .chardevs = qmp_chardevs },
	};
	int r = parse_args(argc, argv, &dm);

	if (r < 0 && !dm.qmp_path && dm.qmp_fd < 0 &&
	    asprintf(&dm.qmp_path, "/var/run/xen/qmp-libxl-%u", dm.domid) < 0) {
		dm.qmp_path = NULL;
		r = 1;
	}
	if (r >= 0) { /* nothing bound yet: no socket of ours to remove */
		free(dm.qmp_path);
		free(dm.stat_path);
		return r;
	}
	dm.qmp.data = &dm;
	log_domid = dm.domid;
	dm_catch_signals();
	r = 1;
	if (dm_listen(&dm) || dm_xs_open(&dm))
		goto out;
	if (!strcmp(dm.qmp.status, "running") && dm_announce_running(&dm))
		goto out;
	dm_log("%s: QMP on %s%s; qdisk backends are left to xenbackd", dm.qmp.status,
	       dm.qmp_path ? dm.qmp_path : "inherited fd", dm.stat_path ? " (+ libxenstat)" : "");
	dm_serve(&dm);
	dm_log("exiting");
	r = 0;
out:
	dm_unlisten(&dm);
	dm_xs_close(&dm);
	free(dm.qmp_path);
	free(dm.stat_path);
	return r;
}
