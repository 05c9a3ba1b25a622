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
 * usage (libxl builds the command line; only these arguments matter):
 *   xenback-dm -xen-domid <N> [-chardev socket,id=libxl-cmd,path=<p>|fd=<n>,...]
 *              [-chardev socket,id=libxenstat-cmd,path=<p>,...] [-S] [...]
 * Without a libxl-cmd chardev it serves /var/run/xen/qmp-libxl-<N>. With -S
 * (what libxl passes with dm_restrict) it reports "prelaunch" until QMP "cont"
 * and only then writes "running"; -runas and -xen-domid-restrict are ignored
 * (it keeps its privileges: dm_restrict is not supported, only accepted).
 * Guests whose config needs a real QEMU (vfb/vkb, 9pfs, USB, channels, HVM)
 * cannot use it: it serves none of those.
 * Logs one line per QMP command on stderr (libxl sends it to
 * /var/log/xen/qemu-dm-<name>.log).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define MAX_CLIENTS 16
#define MAX_MSG     65536

struct client {
	int fd;
	size_t len;
	char buf[MAX_MSG];
};

static volatile sig_atomic_t stop;
static unsigned int domid;
static struct xs_handle *xs;
/* QEMU's run state as QMP reports it: "prelaunch" when started with -S (libxl
 * does that with dm_restrict, then waits for it over QMP and sends "cont"). */
static const char *run_status = "running";
static bool announced;
static const char *prog = "xenback-dm";

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%s[%d] %lld.%03ld dom%u: ", prog, (int)getpid(),
		(long long)ts.tv_sec, ts.tv_nsec / 1000000, domid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- a minimal JSON reader: enough to find "execute" and "id" of a command */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Skips one JSON value starting at p; returns the end or NULL if malformed. */
static const char *skip_value(const char *p, const char *end, int depth)
{
	p = skip_ws(p, end);
	if (p >= end || depth > 32)
		return NULL;
	if (*p == '"') {
		for (p++; p < end; p++) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				return p + 1;
		}
		return NULL;
	}
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool obj = *p == '{';

		p = skip_ws(p + 1, end);
		if (p < end && *p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = skip_value(p, end, depth + 1); /* key */
				p = p ? skip_ws(p, end) : NULL;
				if (!p || p >= end || *p != ':')
					return NULL;
				p++;
			}
			p = skip_value(p, end, depth + 1);
			p = p ? skip_ws(p, end) : NULL;
			if (!p || p >= end)
				return NULL;
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p++;
		}
	}
	while (p < end && (strchr("+-.eE", *p) || (*p >= '0' && *p <= '9') ||
			   (*p >= 'a' && *p <= 'z')))
		p++; /* number, true, false, null */
	return p;
}

/*
 * Finds the top-level keys "execute" (string, copied unescaped-naive into
 * cmd) and "id" (copied verbatim as JSON into id). Returns 0 or -1.
 */
static int parse_command(const char *p, const char *end, char *cmd, size_t cmdsz,
			 char *id, size_t idsz)
{
	cmd[0] = id[0] = '\0';
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return -1;
	for (;;) {
		const char *k = skip_ws(p, end), *ke, *v, *ve;

		if (k >= end || *k != '"')
			return -1;
		ke = skip_value(k, end, 1);
		if (!ke)
			return -1;
		p = skip_ws(ke, end);
		if (p >= end || *p != ':')
			return -1;
		v = skip_ws(p + 1, end);
		ve = skip_value(v, end, 1);
		if (!ve)
			return -1;
		if (ke - k == 9 && !memcmp(k, "\"execute\"", 9) && *v == '"' &&
		    (size_t)(ve - v - 2) < cmdsz) {
			memcpy(cmd, v + 1, ve - v - 2);
			cmd[ve - v - 2] = '\0';
		} else if (ke - k == 4 && !memcmp(k, "\"id\"", 4) && (size_t)(ve - v) < idsz) {
			memcpy(id, v, ve - v);
			id[ve - v] = '\0';
		}
		p = skip_ws(ve, end);
		if (p < end && *p == '}')
			break;
		if (p >= end || *p != ',')
			return -1;
		p++;
	}
	return cmd[0] ? 0 : -1;
}

/* ---- QMP */

static const char greeting[] =
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
	"\"package\": \"xenback-dm\"}, \"capabilities\": []}}\r\n";

/* Tells libxl the device model runs (QEMU does it when its guest CPUs start). */
static int announce_running(void)
{
	char path[128];

	if (announced || !xs)
		return 0;
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/state", domid);
	if (!xs_write(xs, XBT_NULL, path, "running", 7)) {
		logmsg("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	announced = true;
	return 0;
}

/* The answers a PV guest's libxl may ask for; NULL: not supported. */
static const char *answer(const char *cmd)
{
	static char status[128];
	static const struct { const char *cmd, *ret; } table[] = {
		{ "qmp_capabilities", "{}" },
		{ "query-chardev", "[]" },              /* no ptys: no serial/tty keys */
		{ "query-vnc", "{\"enabled\": false}" },
		{ "query-version", "{\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"xenback-dm\"}" },
		{ "query-blockstats", "[]" },           /* libxenstat (xentop) */
		{ "query-cpus-fast", "[]" },
		{ "query-cpus", "[]" },
		{ "query-hotpluggable-cpus", "[]" },
		{ "query-pci", "[]" },
		{ "xen-set-global-dirty-log", "{}" },
		{ "quit", "{}" },
	};
	if (!strcmp(cmd, "query-status")) {
		snprintf(status, sizeof(status),
			 "{\"status\": \"%s\", \"singlestep\": false, \"running\": %s}",
			 run_status, strcmp(run_status, "running") ? "false" : "true");
		return status;
	}
	if (!strcmp(cmd, "cont")) {
		run_status = "running";
		announce_running();
		return "{}";
	}
	if (!strcmp(cmd, "stop")) {
		run_status = "paused";
		return "{}";
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(cmd, table[i].cmd))
			return table[i].ret;
	return NULL;
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

/* Handles every complete message in c->buf; returns -1 to drop the client. */
static int client_input(struct client *c, bool *quit)
{
	char *nl;

	while ((nl = memchr(c->buf, '\n', c->len))) {
		char cmd[128], id[128], out[512];
		const char *ret;
		size_t msglen = nl - c->buf + 1;
		int n;

		if (parse_command(c->buf, nl, cmd, sizeof(cmd), id, sizeof(id))) {
			/* Like QEMU: an error without id for what is not a command. */
			logmsg("QMP: unparsable message (%zu bytes)", msglen);
			n = snprintf(out, sizeof(out), "{\"error\": {\"class\": \"GenericError\", "
				     "\"desc\": \"Invalid JSON or not a command\"}}\r\n");
		} else if ((ret = answer(cmd))) {
			logmsg("QMP: %s -> %s", cmd, ret);
			n = snprintf(out, sizeof(out), "{\"return\": %s%s%s}\r\n", ret,
				     id[0] ? ", \"id\": " : "", id);
			if (!strcmp(cmd, "quit"))
				*quit = true;
		} else {
			logmsg("QMP: %s -> CommandNotFound", cmd);
			n = snprintf(out, sizeof(out), "{\"error\": {\"class\": \"CommandNotFound\", "
				     "\"desc\": \"xenback-dm does not implement %s\"}%s%s}\r\n",
				     cmd, id[0] ? ", \"id\": " : "", id);
		}
		if (n < 0 || (size_t)n >= sizeof(out) || send_all(c->fd, out, n))
			return -1;
		memmove(c->buf, c->buf + msglen, c->len - msglen);
		c->len -= msglen;
	}
	if (c->len == sizeof(c->buf)) {
		logmsg("QMP: message too long, dropping the connection");
		return -1;
	}
	return 0;
}

/* "-chardev socket,id=<want>,path=<p>|fd=<n>,...": sets *path or *fd. */
static bool chardev_arg(const char *arg, const char *want, const char **path, int *fd)
{
	char idkey[64];
	const char *p;

	if (strncmp(arg, "socket,", 7))
		return false;
	snprintf(idkey, sizeof(idkey), ",id=%s,", want);
	{
		/* match ",id=<want>," or ",id=<want>" at the end */
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s,", arg);
		if (!strstr(tmp, idkey))
			return false;
	}
	if ((p = strstr(arg, ",path="))) {
		char *buf = strndup(p + 6, strcspn(p + 6, ","));

		if (!buf)
			return false;
		*path = buf;
		return true;
	}
	if ((p = strstr(arg, ",fd="))) {
		*fd = atoi(p + 4);
		return true;
	}
	return false;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool domain_exists(void)
{
	char path[64];
	unsigned int len;
	void *v;

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (v) {
		free(v);
		return true;
	}
	return errno != ENOENT;
}

int main(int argc, char **argv)
{
	const char *qmp_path = NULL, *stat_path = NULL;
	char defpath[108];
	int qmp_fd = -1, stat_fd = -1, ignored = -1, i, rc = 1;
	bool have_domid = false, quit = false, no_xs = false;
	struct client *clients[MAX_CLIENTS] = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-xen-domid") && i + 1 < argc) {
			char *e;
			unsigned long v = strtoul(argv[++i], &e, 10);

			if (*e || v >= 0x7ff0) {
				fprintf(stderr, "%s: bad -xen-domid %s\n", prog, argv[i]);
				return 2;
			}
			domid = v;
			have_domid = true;
		} else if (!strcmp(argv[i], "-chardev") && i + 1 < argc) {
			i++;
			if (!chardev_arg(argv[i], "libxl-cmd", &qmp_path, &qmp_fd))
				chardev_arg(argv[i], "libxenstat-cmd", &stat_path, &ignored);
		} else if (!strcmp(argv[i], "-S")) {
			run_status = "prelaunch"; /* "running" only after QMP "cont" */
		} else if (!strcmp(argv[i], "--no-xenstore")) {
			no_xs = true; /* testing: serve QMP only */
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s -xen-domid <N> [-chardev socket,id=libxl-cmd,path=<p>] [...]\n"
			       "  The device model libxl spawns for a PV guest's qdisk disks: reports\n"
			       "  \"running\", answers libxl's QMP, leaves the disks to xenbackd.\n"
			       "  --no-xenstore: serve QMP only, without xenstore (testing)\n", prog);
			return 0;
		}
		/* every other QEMU argument is accepted and ignored */
	}
	if (!have_domid) {
		fprintf(stderr, "%s: -xen-domid <N> is required\n", prog);
		return 2;
	}
	if (!qmp_path && qmp_fd < 0) {
		snprintf(defpath, sizeof(defpath), "/var/run/xen/qmp-libxl-%u", domid);
		qmp_path = defpath;
	}

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The QMP socket exists before libxl is told we run: it connects right after. */
	if (qmp_path && (qmp_fd = listen_unix(qmp_path)) < 0) {
		logmsg("cannot listen on %s: %s", qmp_path, strerror(errno));
		return 1;
	}
	if (stat_path && (stat_fd = listen_unix(stat_path)) < 0)
		logmsg("cannot listen on %s: %s (xentop's disk stats will be missing)",
		       stat_path, strerror(errno));

	xs = no_xs ? NULL : xs_open(0);
	if (!xs && !no_xs) {
		logmsg("cannot open xenstore: %s", strerror(errno));
		goto out;
	}
	if (!strcmp(run_status, "running") && announce_running())
		goto out;
	if (xs && !xs_watch(xs, "@releaseDomain", "release"))
		logmsg("cannot watch @releaseDomain: %s (relying on xl destroy)", strerror(errno));
	logmsg("%s: QMP on %s%s; qdisk backends are left to xenbackd", run_status,
	       qmp_path ? qmp_path : "inherited fd", stat_path ? " (+ libxenstat)" : "");

	while (!stop && !quit) {
		struct pollfd pfd[3 + MAX_CLIENTS];
		int nfd = 0, k;

		pfd[nfd++] = (struct pollfd){ .fd = xs ? xs_fileno(xs) : -1, .events = POLLIN };
		pfd[nfd++] = (struct pollfd){ .fd = qmp_fd, .events = POLLIN };
		pfd[nfd++] = (struct pollfd){ .fd = stat_fd, .events = POLLIN };
		for (k = 0; k < MAX_CLIENTS; k++)
			pfd[nfd++] = (struct pollfd){ .fd = clients[k] ? clients[k]->fd : -1,
						      .events = POLLIN };
		if (poll(pfd, nfd, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents) {
			unsigned int n;
			char **ev = xs_read_watch(xs, &n);

			free(ev);
			if (!domain_exists()) {
				logmsg("domain %u is gone: exiting", domid);
				break;
			}
		}
		for (k = 1; k <= 2; k++) {
			int fd;

			if (!(pfd[k].revents & POLLIN))
				continue;
			fd = accept4(pfd[k].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			for (i = 0; i < MAX_CLIENTS && clients[i]; i++)
				;
			if (i == MAX_CLIENTS || !(clients[i] = calloc(1, sizeof(*clients[i])))) {
				logmsg("too many QMP connections: refusing one");
				close(fd);
				continue;
			}
			clients[i]->fd = fd;
			if (send_all(fd, greeting, sizeof(greeting) - 1)) {
				close(fd);
				free(clients[i]);
				clients[i] = NULL;
			}
		}
		for (k = 0; k < MAX_CLIENTS; k++) {
			struct client *c = clients[k];
			ssize_t n;

			if (!c || !pfd[3 + k].revents)
				continue;
			n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
			if (n > 0) {
				c->len += n;
				if (!client_input(c, &quit))
					continue;
			} else if (n < 0 && errno == EINTR) {
				continue;
			}
			close(c->fd);
			free(c);
			clients[k] = NULL;
		}
	}

	logmsg("exiting");
	rc = 0;
out:
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i]) {
			close(clients[i]->fd);
			free(clients[i]);
		}
	if (qmp_path)
		unlink(qmp_path);
	if (stat_path && stat_fd >= 0)
		unlink(stat_path);
	if (xs)
		xs_close(xs);
	return rc;
}
