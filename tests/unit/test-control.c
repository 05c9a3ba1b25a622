/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackd's control socket (userspace/tools/xenbackd/control.c) on the
 * simulated bus: the socket exists with its final mode from the moment
 * bind() makes it, whatever the umask; a reply of thousands of devices
 * (far more than a socket buffer holds) reaches a client that reads it
 * late, whole; an idle client is dropped
 * after the timeout; clients past the limit are refused; each device
 * shows what it holds, and the bus its totals.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
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
	xbd_control_close(ctl);
	xbt_fini(&t);
	{
		char sub[160];

		snprintf(sub, sizeof(sub), "%s/run", dir);
		rmdir(sub);
		rmdir(dir);
	}
	return tap_done();
}
