/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackd's control socket (userspace/tools/xenbackd/control.c) on the
 * simulated bus: the socket exists with its final mode from the moment
 * bind() makes it, whatever the umask; a reply of thousands of devices
 * (far more than a socket buffer holds) reaches a client that reads it
 * late, whole; an idle client, or one not reading its reply, is dropped
 * after the timeout; clients past the limit are refused; each device
 * shows what it holds, and the bus its totals. The actions: "restart
 * [PATH]" and "shutdown" go to the daemon's handler (refused without one,
 * or when it says no), an accepted one's connection stays open through
 * xbd_control_finish() (the process's exit or exec ends it), and
 * xenbackctl restart waits for a new instance, xenbackctl shutdown for the
 * end of the connection.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/simbus.h"
#include "userspace/tools/xenbackd/xenbackd.h"

#define NDEV 4000

/* ---- bind() as control.c calls it: the node's mode the moment it exists */

static int bound_mode = -1;

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*real)(int, const struct sockaddr *, socklen_t) =
		(int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	int r = real(fd, sa, len);
	struct stat st;

	if (r == 0 && sa->sa_family == AF_UNIX && stat(un->sun_path, &st) == 0)
		bound_mode = (int)(st.st_mode & 07777);
	return r;
}

/* setsockopt() as on a host with Debian's default net.core.wmem_max: a
 * socket's send buffer is at most 212992 bytes (the kernel doubles it),
 * whatever is asked for. */
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int (*real)(int, int, int, const void *, socklen_t) =
		(int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
	int v;

	if (level == SOL_SOCKET && name == SO_SNDBUF && len == sizeof(int)) {
		memcpy(&v, val, sizeof(v));
		if (v > 212992)
			v = 212992;
		return real(fd, level, name, &v, len);
	}
	return real(fd, level, name, val, len);
}

static struct xbt t;
static char path[100];

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void pump(int rounds)
{
	while (rounds-- > 0)
		xenback_bus_run_once(t.bus, 10);
}

/* Reads fd to EOF while the bus runs (at most ~10 s); the bytes, or NULL. */
static char *read_all(int fd, size_t *lenp)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int i;

	for (i = 0; buf && i < 1000; i++) {
		ssize_t n = read(fd, buf + len, cap - len - 1);

		if (n == 0)
			break;
		if (n > 0) {
			len += (size_t)n;
			if (len + 1 == cap) {
				char *nb = realloc(buf, cap *= 2);

				if (!nb)
					break;
				buf = nb;
			}
			continue;
		}
		if (errno != EAGAIN)
			break;
		xenback_bus_run_once(t.bus, 10);
	}
	if (buf)
		buf[len] = 0;
	*lenp = len;
	return buf;
}

/* Is fd closed by the other end (EOF), pumping the bus up to ms? */
static bool closed_within(int fd, int ms)
{
	char c;
	int i;

	for (i = 0; i < ms / 10; i++) {
		ssize_t n = read(fd, &c, 1);

		if (n == 0 || (n < 0 && errno != EAGAIN))
			return true;
		xenback_bus_run_once(t.bus, 10);
	}
	return false;
}

static void test_mode(void)
{
	struct xbd_control_opts o;
	struct xbd_control *ctl = NULL;
	struct stat st;
	mode_t old = umask(0);
	int i;

	xbd_control_defaults(&o);
	tap_ok(xbd_control_open(t.bus, path, &o, &ctl) == 0, "control socket opened (umask 0)");
	tap_eq(bound_mode, 0600, "its node has mode 0600 the moment bind() makes it (no window)");
	if (stat(path, &st) < 0)
		st.st_mode = 0;
	tap_ok(S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600,
	       "and keeps it: a socket, root only by default (%o)", (unsigned int)(st.st_mode & 07777));
	xbd_control_close(ctl);
	tap_ok(access(path, F_OK) != 0, "closing removes it");
	umask(0077);
	o.mode = 0660;
	bound_mode = -1;
	ctl = NULL;
	i = xbd_control_open(t.bus, path, &o, &ctl);
	tap_ok(i == 0 && bound_mode == 0660, "--control-mode 0660 under umask 0077: exactly 0660 (%o)",
	       (unsigned int)bound_mode);
	xbd_control_close(ctl);
	o.mode = 01777;
	tap_eq(xbd_control_open(t.bus, path, &o, &ctl), -EINVAL, "a mode beyond 0777: EINVAL");
	umask(old);
}

static void test_list(struct xbd_control *ctl)
{
	json_object *root = NULL, *devs = NULL, *usage = NULL, *v;
	unsigned int i, complete = 0;
	size_t len = 0;
	char *reply;
	int fd = client();

	(void)ctl;
	tap_ok(fd >= 0 && write(fd, "list\n", 5) == 5, "a client asks for the list");
	pump(20); /* the reply is made while the client does not read yet */
	reply = read_all(fd, &len);
	tap_diag("reply: %zu bytes", len);
	if (reply)
		root = json_tokener_parse(reply);
	if (root)
		json_object_object_get_ex(root, "devices", &devs);
	tap_ok(devs && json_object_array_length(devs) == NDEV,
	       "%d devices: the whole reply arrives (%zu bytes, %zu devices)", NDEV, len,
	       devs ? json_object_array_length(devs) : 0);
	for (i = 0; devs && i < json_object_array_length(devs); i++) {
		json_object *d = json_object_array_get_idx(devs, i);
		static const char *const keys[] = { "type", "frontend_id", "devid", "state_name",
						    "grants_mapped", "ports_bound", "mem_bytes",
						    "requests_inflight", "fds", "throttled" };
		unsigned int k;
		bool ok = true;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ok = ok && json_object_object_get_ex(d, keys[k], &v);
		complete += ok;
	}
	tap_eq(complete, NDEV, "each device shows grants, ports, memory, requests, fds, throttles");
	tap_ok(root && json_object_object_get_ex(root, "usage", &usage) &&
		       json_object_object_get_ex(usage, "devices", &v) &&
		       json_object_get_int64(v) == NDEV &&
		       json_object_object_get_ex(usage, "mem_bytes", &v) &&
		       json_object_object_get_ex(usage, "requests_inflight", &v) &&
		       json_object_object_get_ex(usage, "fds", &v) &&
		       json_object_object_get_ex(usage, "throttled", &v),
	       "the bus's totals: devices, mem_bytes, requests_inflight, fds, throttled");
	json_object_put(root);
	free(reply);
	if (fd >= 0)
		close(fd);
}

/* Runs build/xenbackctl (XB_BUILD overrides build/) with args against the
 * socket while the bus runs; its stdout, or NULL. */
static char *xenbackctl(const char *const *args)
{
	const char *bdir = getenv("XB_BUILD") ? getenv("XB_BUILD") : "build";
	char prog[256], *argv[8], *out;
	int p[2], i = 0, st;
	size_t len;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/xenbackctl", bdir);
	if (access(prog, X_OK) || pipe2(p, O_CLOEXEC))
		return NULL;
	argv[i++] = prog;
	for (; *args && i < 7; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	out = read_all(p[0], &len);
	close(p[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		free(out);
		return NULL;
	}
	return out;
}

/* xenbackctl list, plain and --json, over the same socket. */
static void test_xenbackctl(void)
{
	const char *plain[] = { "list", "--control", path, NULL };
	const char *json[] = { "list", "--json", "--control", path, NULL };
	json_object *root = NULL, *devs = NULL;
	unsigned int lines = 0;
	char *out, *s, want[32];

	out = xenbackctl(plain);
	if (!out) {
		for (lines = 0; lines < 3; lines++)
			tap_skip("xenbackctl list", "xenbackctl is not built, or failed (make all)");
		return;
	}
	for (s = out; (s = strchr(s, '\n')); s++)
		lines++;
	snprintf(want, sizeof(want), "\n%d device(s)\n", NDEV);
	tap_ok(lines == NDEV + 3 && strstr(out, want),
	       "xenbackctl list: a header, %d devices, the count, the totals (%u lines)", NDEV, lines);
	tap_ok(strstr(out, " grants ports      mem  reqs  fds throttled  error\n") &&
		       strstr(out, "\nheld for guests: 0 memory, 0 requests in flight, 0 fds, "
				   "throttled 0 times\n"),
	       "its columns: grants, ports, mem, reqs, fds, throttled; the daemon's totals");
	free(out);
	out = xenbackctl(json);
	if (out)
		root = json_tokener_parse(out);
	if (root)
		json_object_object_get_ex(root, "devices", &devs);
	tap_ok(devs && json_object_array_length(devs) == NDEV,
	       "xenbackctl list --json: all %d devices", NDEV);
	json_object_put(root);
	free(out);
}

static void test_idle_and_limit(struct xbd_control *ctl)
{
	int idle = client(), more[4], extra, fd, i;
	size_t len;
	char *reply;

	(void)ctl;
	pump(2);
	tap_ok(idle >= 0 && !closed_within(idle, 50), "an idle client is kept for a while");
	tap_ok(closed_within(idle, 5000), "an idle client is dropped after the timeout (200 ms)");
	for (i = 0; i < 4; i++)
		more[i] = client();
	pump(2);
	extra = client();
	tap_ok(extra >= 0 && closed_within(extra, 100), "a 5th client past the limit of 4: closed");
	for (i = 0; i < 4; i++)
		tap_ok(more[i] >= 0 && closed_within(more[i], 5000), "idle client %d dropped", i);
	/* A client that asks for the list and does not read it: dropped
	 * after the timeout too; it finds part of the reply, then the end. */
	fd = client();
	if (fd >= 0 && write(fd, "list\n", 5) == 5) {
		size_t full = 0;

		pump(100); /* 1 s, five idle timeouts */
		reply = read_all(fd, &len);
		full = reply ? strlen(reply) : 0;
		tap_ok(reply && len == full && len > 0 && !strstr(reply, "}]}"),
		       "a client not reading its reply is dropped after the timeout (%zu bytes "
		       "of it sent)", len);
		free(reply);
	} else {
		tap_ok(0, "a client not reading its reply is dropped after the timeout");
	}
	if (fd >= 0)
		close(fd);
	fd = client();
	reply = fd >= 0 && write(fd, "bogus\n", 6) == 6 ? read_all(fd, &len) : NULL;
	tap_ok(reply && strstr(reply, "\"unknown command\""), "and then a new client is answered");
	free(reply);
	for (i = 0; i < 4; i++)
		if (more[i] >= 0)
			close(more[i]);
	if (extra >= 0)
		close(extra);
	if (idle >= 0)
		close(idle);
	if (fd >= 0)
		close(fd);
}

/* ---- actions */

static int acted, act_what;
static char act_arg[256];

static int handler(void *data, enum xbd_action what, const char *arg, char *err, size_t errlen)
{
	(void)data;
	acted++;
	act_what = (int)what;
	snprintf(act_arg, sizeof(act_arg), "%s", arg ? arg : "(none)");
	if (arg && strstr(arg, "bad")) {
		snprintf(err, errlen, "%s: no such binary", arg);
		return -ENOENT;
	}
	return 0;
}

/* One command, the reply's JSON (or NULL); *fdp: the connection, open. */
static json_object *ask(const char *cmd, int *fdp)
{
	json_object *root = NULL;
	char *reply = NULL, *nl;
	int fd = client(), i;
	size_t len = 0;

	*fdp = fd;
	if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return NULL;
	reply = calloc(1, 4096);
	for (i = 0; reply && i < 300 && !strchr(reply, '\n'); i++) {
		ssize_t n = read(fd, reply + len, 4095 - len);

		if (n > 0)
			len += (size_t)n;
		else if (n == 0)
			break;
		else
			pump(1);
	}
	if (reply && (nl = strchr(reply, '\n')))
		root = json_tokener_parse(reply);
	free(reply);
	return root;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* Runs xenbackctl args in the background; the parent pumps the bus and,
 * once the handler was called, calls swap() (the daemon's exec or exit);
 * returns the exit status (-1: not built or no end in 15 s) and its
 * stdout in out. */
static int xenbackctl_bg(const char *const *args, void (*swap)(void), char *out, size_t outsz)
{
	const char *bdir = getenv("XB_BUILD") ? getenv("XB_BUILD") : "build";
	char prog[256], *argv[12];
	int p[2], i = 0, st = -1, before = acted;
	bool swapped = false;
	size_t len = 0;
	pid_t pid;

	out[0] = 0;
	snprintf(prog, sizeof(prog), "%s/xenbackctl", bdir);
	if (access(prog, X_OK) || pipe2(p, O_CLOEXEC))
		return -1;
	argv[i++] = prog;
	for (; *args && i < 11; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (i = 0; i < 1500; i++) {
		ssize_t n = read(p[0], out + len, outsz - 1 - len);

		if (n > 0)
			len += (size_t)n;
		out[len] = 0;
		if (!swapped && acted > before) {
			pump(2); /* the reply goes out */
			swap();
			swapped = true;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			while ((n = read(p[0], out + len, outsz - 1 - len)) > 0)
				len += (size_t)n;
			out[len] = 0;
			close(p[0]);
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		pump(1);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(p[0]);
	return -1;
}

static struct xbd_control *cur;

/* The daemon executes its next binary: the old socket and its held client
 * go, a new instance opens the socket. */
static void swap_exec(void)
{
	struct xbd_control_opts o;

	xbd_control_defaults(&o);
	xbd_control_close(cur);
	cur = NULL;
	usleep(2000); /* another microsecond: another instance */
	if (xbd_control_open(t.bus, path, &o, &cur) == 0)
		xbd_control_set_action(cur, handler, NULL);
}

/* The daemon exits. */
static void swap_exit(void)
{
	xbd_control_close(cur);
	cur = NULL;
}

static void test_actions(struct xbd_control *ctl)
{
	const char *restart[] = { "restart", "--exec", "/bin/sh", "--control", path, "--timeout", "10", NULL };
	const char *shutdown[] = { "shutdown", "--control", path, NULL };
	json_object *r;
	uint64_t inst = xbd_control_instance(ctl), inst2;
	char out[1024], sh[PATH_MAX];
	int fd, st;

	r = ask("restart\n", &fd);
	tap_ok(r && !strcmp(jstr(r, "error"), "not supported") && closed_within(fd, 1000),
	       "restart without an action handler: refused (\"%s\"), connection closed", jstr(r, "error"));
	json_object_put(r);
	close(fd);
	xbd_control_set_action(ctl, handler, NULL);
	r = ask("restart /opt/bad/xenbackd\n", &fd);
	tap_ok(r && strstr(jstr(r, "error"), "no such binary") && act_what == XBD_ACTION_RESTART &&
		       !strcmp(act_arg, "/opt/bad/xenbackd") && closed_within(fd, 1000),
	       "restart PATH the handler refuses: its error to the client (\"%s\"), closed",
	       jstr(r, "error"));
	json_object_put(r);
	close(fd);
	r = ask("shutdown now\n", &fd);
	tap_ok(r && !strcmp(jstr(r, "error"), "unknown command"), "shutdown takes no argument");
	json_object_put(r);
	close(fd);
	fd = client();
	{
		char want[64], *reply = NULL;
		size_t len;

		snprintf(want, sizeof(want), "{\"instance\":%llu,", (unsigned long long)inst);
		if (fd >= 0 && write(fd, "list\n", 5) == 5)
			reply = read_all(fd, &len);
		tap_ok(inst && reply && !strncmp(reply, want, strlen(want)),
		       "list shows the instance (%llu)", (unsigned long long)inst);
		free(reply);
	}
	close(fd);
	r = ask("restart\n", &fd);
	tap_ok(r && json_object_get_boolean(json_object_object_get(r, "ok")) &&
		       !strcmp(jstr(r, "action"), "restart") && !strcmp(act_arg, "(none)") &&
		       json_object_get_int(json_object_object_get(r, "devices")) == NDEV,
	       "restart accepted: {\"ok\":true,\"action\":\"restart\",...}, the handler got no path, "
	       "%d devices said", NDEV);
	tap_ok(!closed_within(fd, 300), "the accepted action's connection is held open");
	json_object_put(r);
	xbd_control_close(ctl); /* the test's stand-in for the exec */
	tap_ok(closed_within(fd, 100), "and ends with the process (EOF)");
	close(fd);

	/* xenbackctl restart: the old instance goes, a new one answers. */
	cur = NULL;
	swap_exec();
	inst = cur ? xbd_control_instance(cur) : 0;
	st = xenbackctl_bg(restart, swap_exec, out, sizeof(out));
	if (st == -1 && access("build/xenbackctl", X_OK) && !getenv("XB_BUILD")) {
		tap_skip("xenbackctl restart", "xenbackctl is not built (make all)");
		tap_skip("xenbackctl shutdown", "xenbackctl is not built (make all)");
		return;
	}
	inst2 = cur ? xbd_control_instance(cur) : 0;
	if (!realpath("/bin/sh", sh))
		snprintf(sh, sizeof(sh), "/bin/sh");
	if (!tap_ok(st == 0 && !strcmp(act_arg, sh) && act_what == XBD_ACTION_RESTART &&
			    inst2 && inst2 != inst && strstr(out, "xenbackd restarted as ") && strstr(out, sh),
		    "xenbackctl restart --exec /bin/sh: the daemon got the path, xenbackctl waited "
		    "for the new instance (%llu -> %llu), exit 0", (unsigned long long)inst,
		    (unsigned long long)inst2))
		tap_diag("status %d, out: %s", st, out);
	st = xenbackctl_bg(shutdown, swap_exit, out, sizeof(out));
	if (!tap_ok(st == 0 && act_what == XBD_ACTION_SHUTDOWN &&
			    strstr(out, "xenbackd stopped: "),
		    "xenbackctl shutdown: the daemon got it, xenbackctl waited for its end, exit 0"))
		tap_diag("status %d, out: %s", st, out);
}

/* xbd_control_finish(): the socket goes, an accepted action's client
 * stays connected (its fd is close-on-exec: the exec or exit ends it). */
static void test_finish(void)
{
	struct xbd_control_opts o;
	struct xbd_control *ctl = NULL;
	json_object *r;
	int fd, other, flags;

	xbd_control_defaults(&o);
	if (xbd_control_open(t.bus, path, &o, &ctl) < 0) {
		tap_ok(0, "control socket for the finish test");
		return;
	}
	xbd_control_set_action(ctl, handler, NULL);
	other = client(); /* connected, no command: closed by finish */
	pump(2);
	r = ask("shutdown\n", &fd);
	tap_ok(r && json_object_get_boolean(json_object_object_get(r, "ok")) &&
		       act_what == XBD_ACTION_SHUTDOWN, "shutdown accepted");
	json_object_put(r);
	xbd_control_finish(ctl, 100);
	tap_ok(access(path, F_OK) != 0, "finish removes the socket");
	tap_ok(other >= 0 && closed_within(other, 100), "finish closes a client with no action");
	tap_ok(fd >= 0 && !closed_within(fd, 100),
	       "the shutdown's client stays connected until the process ends");
	/* That fd is the process's: close-on-exec, so an exec ends it too. */
	flags = -1;
	{
		char l[64], target[64];
		struct stat st;
		int i;

		for (i = 3; i < 1024; i++) {
			snprintf(l, sizeof(l), "/proc/self/fd/%d", i);
			if (i == fd || i == other || fstat(i, &st) < 0 || !S_ISSOCK(st.st_mode))
				continue;
			if (readlink(l, target, sizeof(target)) > 0 && (fcntl(i, F_GETFD) & FD_CLOEXEC))
				flags = flags < 0 ? 1 : flags;
			else
				flags = 0;
		}
	}
	tap_ok(flags == 1, "every socket the process holds is close-on-exec");
	if (fd >= 0)
		close(fd);
	if (other >= 0)
		close(other);
}

int main(void)
{
	char dir[] = "/tmp/xenback-control-XXXXXX";
	struct xbd_control_opts o;
	struct xbd_control *ctl = NULL;
	unsigned int i;

	if (!mkdtemp(dir))
		return printf("Bail out! no temporary directory\n"), 1;
	snprintf(path, sizeof(path), "%s/run/xenbackd.sock", dir);
	xbt_init(&t, XENBACK_LOG_ERR);
	test_mode();
	for (i = 0; i < NDEV; i++)
		xbt_add(&t, "vtest", 1 + i % 200, 51712 + i / 200, NULL);
	xbt_settle(&t);
	tap_eq(xenback_bus_count(t.bus), NDEV, "%d devices on the simulated bus", NDEV);
	xbd_control_defaults(&o);
	o.idle_timeout_ms = 200;
	o.max_clients = 4;
	tap_ok(xbd_control_open(t.bus, path, &o, &ctl) == 0, "control socket, idle timeout 200 ms, 4 clients");
	test_list(ctl);
	test_xenbackctl();
	test_idle_and_limit(ctl);
	test_actions(ctl); /* closes ctl */
	test_finish();
	xbt_fini(&t);
	{
		char sub[160];

		snprintf(sub, sizeof(sub), "%s/run", dir);
		rmdir(sub);
		rmdir(dir);
	}
	return tap_done();
}
