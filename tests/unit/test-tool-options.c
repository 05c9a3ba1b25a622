/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command lines of the built tools (build/xenbackd, xenbackctl,
 * xenback-dm, xenback-demo-sim; $XB_BUILD overrides build/): --help exits 0,
 * a bad option or argument prints the usage on stderr and exits 2, and every
 * spelling the scripts and README use still parses. xenback-dm runs with the
 * command line libxl 4.17 gives it (without xenstore) and answers QMP on its
 * path= and fd= sockets. A tool that is not built is skipped (make all).
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static const char *bdir;
static char tmp[64];

struct run {
	int status; /* exit status, or -1 (killed, timeout) */
	char out[16384], err[16384];
};

static bool built(const char *tool)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", bdir, tool);
	return access(p, X_OK) == 0;
}

static void skip(int n, const char *tool)
{
	while (n--)
		tap_ok(1, "%s # SKIP %s/%s is not built", tool, bdir, tool);
}

static pid_t spawn(const char *tool, const char *const *args, int out_fd, int err_fd)
{
	char path[256], *argv[64];
	pid_t pid;
	int i = 0;

	snprintf(path, sizeof(path), "%s/%s", bdir, tool);
	argv[i++] = path;
	for (; *args && i < 63; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/* Runs tool with args (NULL-terminated), 20 s at most. */
static void run(struct run *r, const char *tool, ...)
{
	const char *args[64];
	int po[2], pe[2], n = 0, st;
	size_t lo = 0, le = 0;
	time_t t0 = time(NULL);
	va_list ap;
	pid_t pid;

	va_start(ap, tool);
	while (n < 63 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return;
	pid = spawn(tool, args, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	for (;;) {
		struct pollfd p[2] = { { .fd = po[0], .events = POLLIN }, { .fd = pe[0], .events = POLLIN } };
		ssize_t k = 0;

		if (p[0].fd < 0 && p[1].fd < 0)
			break;
		if (time(NULL) - t0 > 20) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, 1000) <= 0)
			continue;
		if (p[0].revents) {
			k = read(po[0], r->out + lo, sizeof(r->out) - 1 - lo);
			if (k > 0)
				lo += (size_t)k;
			else
				close(po[0]), po[0] = -1;
			r->out[lo] = '\0';
		}
		if (p[1].revents) {
			k = read(pe[0], r->err + le, sizeof(r->err) - 1 - le);
			if (k > 0)
				le += (size_t)k;
			else
				close(pe[0]), pe[0] = -1;
			r->err[le] = '\0';
		}
		if (lo == sizeof(r->out) - 1 && po[0] >= 0)
			close(po[0]), po[0] = -1;
		if (le == sizeof(r->err) - 1 && pe[0] >= 0)
			close(pe[0]), pe[0] = -1;
	}
	if (po[0] >= 0)
		close(po[0]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		r->status = WEXITSTATUS(st);
}

static bool has(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

/* ok if exit status want, and usage text on stdout (0) or stderr (2). */
static void expect(struct run *r, int want, const char *what)
{
	bool usage = want == 0 ? has(r->out, "usage:") : want == 2 ? has(r->err, "usage:") : true;

	if (!tap_ok(r->status == want && usage, "%s: exit %d%s", what, want,
		    want == 0 ? ", usage on stdout" : want == 2 ? ", usage on stderr" : ""))
		tap_diag("exit %d; stdout: %.200s; stderr: %.300s", r->status, r->out, r->err);
}

static void test_xenbackd(void)
{
	struct run r;

	if (!built("xenbackd"))
		return skip(20, "xenbackd");
	run(&r, "xenbackd", "--help", NULL);
	expect(&r, 0, "xenbackd --help");
	run(&r, "xenbackd", "-h", NULL);
	expect(&r, 0, "xenbackd -h");
	run(&r, "xenbackd", "--bogus", NULL);
	expect(&r, 2, "xenbackd --bogus");
	run(&r, "xenbackd", "--types", "qdisk", "extra", NULL);
	expect(&r, 2, "xenbackd with a stray argument");
	run(&r, "xenbackd", "--log-level", "loud", NULL);
	expect(&r, 2, "xenbackd --log-level loud");
	run(&r, "xenbackd", "--backend-domid", "-1", NULL);
	expect(&r, 2, "xenbackd --backend-domid -1");
	/* What tests/xen, tests/bench and README pass, parsed up to --help. */
	run(&r, "xenbackd", "--types", "qdisk", "--foreground", "--log-level", "info", "--no-module",
	    "--backend-domid", "0", "--syslog", "--control", "/nonexistent/x.sock", "--help", NULL);
	expect(&r, 0, "xenbackd --types qdisk --foreground --log-level info --no-module "
		      "--backend-domid 0 --syslog --control P --help");
	run(&r, "xenbackd", "-t", "qdisk,vbd", "-f", "-l", "notice", "-n", "-d", "0", "-s", "-c", "/x",
	    "-h", NULL);
	expect(&r, 0, "xenbackd -t qdisk,vbd -f -l notice -n -d 0 -s -c P -h");
	run(&r, "xenbackd", "--log-level=DEBUG", "-l", "7", "--help", NULL);
	expect(&r, 0, "xenbackd --log-level=DEBUG -l 7 --help (names in any case, numbers)");
	run(&r, "xenbackd", "--max-bounce-mib", "64", "--max-device-bounce-mib=8", "--max-persistent-grants",
	    "4096", "--max-device-persistent-grants", "1024", "--max-device-requests", "256", "--help", NULL);
	expect(&r, 0, "xenbackd with every budget flag, then --help");
	tap_ok(has(r.out, "--max-device-bounce-mib") && has(r.out, "default: 256"),
	       "--help lists the budgets and defaults");
	run(&r, "xenbackd", "--max-device-bounce-mib", "0", NULL);
	expect(&r, 2, "xenbackd --max-device-bounce-mib 0");
	run(&r, "xenbackd", "--max-device-requests", "-3", NULL);
	expect(&r, 2, "xenbackd --max-device-requests -3");
	run(&r, "xenbackd", "--max-bounce-mib", "4", "--max-device-bounce-mib", "8", NULL);
	expect(&r, 2, "xenbackd: a disk's bounce budget above the daemon's");
	run(&r, "xenbackd", "--control-mode", "0660", "--control-timeout", "500", "--help", NULL);
	expect(&r, 0, "xenbackd --control-mode 0660 --control-timeout 500 --help");
	run(&r, "xenbackd", "--control-mode", "1777", NULL);
	expect(&r, 2, "xenbackd --control-mode 1777 (beyond the permission bits)");
	run(&r, "xenbackd", "--control-timeout", "0", NULL);
	expect(&r, 2, "xenbackd --control-timeout 0");
	run(&r, "xenbackd", "--state-dir", "/run/xb-test", "--close-on-exit", "-S", "/run/xb2", "--help", NULL);
	expect(&r, 0, "xenbackd --state-dir D --close-on-exit -S D --help");
	tap_ok(has(r.out, "--state-dir") && has(r.out, "--close-on-exit") && has(r.out, "SIGHUP") &&
		       has(r.out, "xenbackctl restart"),
	       "--help tells the state directory, --close-on-exit, SIGHUP and xenbackctl restart");
	run(&r, "xenbackd", "--state-dir", "run/xenback", NULL);
	expect(&r, 2, "xenbackd --state-dir with a relative path");
}

static void test_xenbackctl(void)
{
	struct run r;

	if (!built("xenbackctl"))
		return skip(21, "xenbackctl");
	run(&r, "xenbackctl", "--help", NULL);
	expect(&r, 0, "xenbackctl --help");
	run(&r, "xenbackctl", "-h", NULL);
	expect(&r, 0, "xenbackctl -h");
	run(&r, "xenbackctl", "help", NULL);
	expect(&r, 0, "xenbackctl help");
	run(&r, "xenbackctl", NULL);
	expect(&r, 2, "xenbackctl without a command");
	run(&r, "xenbackctl", "frobnicate", NULL);
	expect(&r, 2, "xenbackctl frobnicate");
	run(&r, "xenbackctl", "--bogus", "list", NULL);
	expect(&r, 2, "xenbackctl --bogus list");
	run(&r, "xenbackctl", "list", "--help", NULL);
	expect(&r, 0, "xenbackctl list --help");
	run(&r, "xenbackctl", "stats", "--help", NULL);
	expect(&r, 0, "xenbackctl stats --help");
	run(&r, "xenbackctl", "list", "--bogus", NULL);
	expect(&r, 2, "xenbackctl list --bogus");
	tap_ok(has(r.err, "xenbackctl list:"), "getopt's message names the command");
	run(&r, "xenbackctl", "stats", "--json", "extra", NULL);
	expect(&r, 2, "xenbackctl stats --json extra");
	run(&r, "xenbackctl", "list", "--control", NULL);
	expect(&r, 2, "xenbackctl list --control without its path");
	/* Valid command lines: exit 1 (no daemon there), never 2. */
	run(&r, "xenbackctl", "list", "--json", "--control", "/nonexistent/xenbackd.sock", NULL);
	tap_ok(r.status == 1 && has(r.err, "/nonexistent/xenbackd.sock"),
	       "xenbackctl list --json --control P: parsed, exit 1 without a daemon (%d)", r.status);
	run(&r, "xenbackctl", "list", "-j", "--control=/nonexistent/xenbackd.sock", NULL);
	tap_ok(r.status == 1, "xenbackctl list -j --control=P: parsed (%d)", r.status);
	run(&r, "xenbackctl", "stats", "--json", NULL);
	tap_ok(r.status == 0 || r.status == 1, "xenbackctl stats --json: parsed (%d)", r.status);
	run(&r, "xenbackctl", "restart", "--help", NULL);
	expect(&r, 0, "xenbackctl restart --help");
	run(&r, "xenbackctl", "shutdown", "--help", NULL);
	expect(&r, 0, "xenbackctl shutdown --help");
	run(&r, "xenbackctl", "shutdown", "--exec", "/bin/sh", NULL);
	expect(&r, 2, "xenbackctl shutdown --exec (restart's option only)");
	run(&r, "xenbackctl", "restart", "--timeout", "0", NULL);
	expect(&r, 2, "xenbackctl restart --timeout 0");
	run(&r, "xenbackctl", "restart", "--exec", "/bin/sh", "-t", "5", "--control",
	    "/nonexistent/xenbackd.sock", NULL);
	tap_ok(r.status == 1 && has(r.err, "/nonexistent/xenbackd.sock"),
	       "xenbackctl restart --exec P -t 5 --control P: parsed, exit 1 without a daemon (%d)",
	       r.status);
	run(&r, "xenbackctl", "shutdown", "--control=/nonexistent/xenbackd.sock", NULL);
	tap_ok(r.status == 1, "xenbackctl shutdown --control=P: parsed, exit 1 without a daemon (%d)",
	       r.status);
}

static void test_demo(void)
{
	struct run r;

	if (!built("xenback-demo-sim"))
		return skip(6, "xenback-demo-sim");
	run(&r, "xenback-demo-sim", "--help", NULL);
	expect(&r, 0, "xenback-demo-sim --help");
	run(&r, "xenback-demo-sim", "--bogus", NULL);
	expect(&r, 2, "xenback-demo-sim --bogus");
	run(&r, "xenback-demo-sim", "now", NULL);
	expect(&r, 2, "xenback-demo-sim with a stray argument");
	run(&r, "xenback-demo-sim", "--log-level", "loud", NULL);
	expect(&r, 2, "xenback-demo-sim --log-level loud");
	run(&r, "xenback-demo-sim", NULL);
	tap_ok(r.status == 0 && has(r.out, "302 devices: 300 Connected") && !r.err[0],
	       "xenback-demo-sim: the demo, quiet (%d)", r.status);
	run(&r, "xenback-demo-sim", "-l", "error", NULL);
	tap_ok(r.status == 0 && has(r.err, "xenback: error: qdisk/31/51712: cannot open"),
	       "xenback-demo-sim -l error: the library's errors on stderr (%d)", r.status);
}

/* ---- xenback-dm: a QMP client */

static int qmp_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), i;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (i = 0; i < 100; i++) { /* it may still be starting */
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(20000);
	}
	close(fd);
	return -1;
}

/* Sends msg (may be ""), reads until nlines "\r\n"-ended lines came (5 s). */
static bool qmp_talk(int fd, const char *msg, int nlines, char *out, size_t outsz)
{
	size_t len = 0;
	int lines = 0;

	out[0] = '\0';
	if (fd < 0 || (*msg && write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg)))
		return false;
	while (lines < nlines) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *s;

		if (poll(&p, 1, 5000) <= 0)
			return false;
		n = read(fd, out + len, outsz - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		out[len] = '\0';
		for (lines = 0, s = out; (s = strstr(s, "\r\n")); s += 2)
			lines++;
	}
	return true;
}

static int wait_exit(pid_t pid)
{
	int st, i;

	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static const char greeting[] = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
			       "\"major\": 7}, \"package\": \"xenback-dm\"}, \"capabilities\": []}}\r\n";

/* libxl 4.17's command line for a PV guest (as the xen tier's logs show
 * it), with path= sockets; then the same with a listening fd and -S. */
static void test_dm_libxl(void)
{
	char qmp_path[128], stat_path[128], log[128], chq[256], chs[256], out[4096];
	int logfd, fd, sfd;
	pid_t pid;

	snprintf(qmp_path, sizeof(qmp_path), "%s/qmp-libxl-2", tmp);
	snprintf(stat_path, sizeof(stat_path), "%s/qmp-libxenstat-2", tmp);
	snprintf(log, sizeof(log), "%s/dm.log", tmp);
	snprintf(chq, sizeof(chq), "socket,id=libxl-cmd,path=%s,server=on,wait=off", qmp_path);
	snprintf(chs, sizeof(chs), "socket,id=libxenstat-cmd,path=%s,server=on,wait=off", stat_path);
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	{
		const char *args[] = { "-xen-domid", "2", "-no-shutdown", "-chardev", chq, "-mon",
				       "chardev=libxl-cmd,mode=control", "-chardev", chs, "-mon",
				       "chardev=libxenstat-cmd,mode=control", "-nodefaults",
				       "-no-user-config", "-xen-attach", "-name", "xbx", "-vnc", "none",
				       "-display", "none", "-nographic", "-machine", "xenpv", "-m", "512",
				       "--no-xenstore", NULL };

		pid = spawn("xenback-dm", args, logfd, logfd);
	}
	fd = qmp_connect(qmp_path);
	tap_ok(fd >= 0 && qmp_talk(fd, "", 1, out, sizeof(out)) && !strcmp(out, greeting),
	       "xenback-dm with libxl's command line (path=): QMP greeting on its socket");
	tap_ok(qmp_talk(fd, "{\"execute\":\"qmp_capabilities\",\"id\":2020372736}\r\n", 1, out, sizeof(out)) &&
		       !strcmp(out, "{\"return\": {}, \"id\": 2020372736}\r\n") &&
		       qmp_talk(fd, "{\"execute\":\"query-status\",\"id\":2020372737}\r\n", 1, out, sizeof(out)) &&
		       !strcmp(out, "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 2020372737}\r\n"),
	       "qmp_capabilities, query-status: running");
	sfd = qmp_connect(stat_path);
	tap_ok(sfd >= 0 && qmp_talk(sfd, "", 1, out, sizeof(out)) &&
		       qmp_talk(sfd, "{ \"execute\": \"qmp_capabilities\" }", 1, out, sizeof(out)) &&
		       qmp_talk(sfd, "{ \"execute\": \"query-blockstats\" }", 1, out, sizeof(out)) &&
		       !strcmp(out, "{\"return\": []}\r\n"),
	       "libxenstat's socket: its commands without newline answered");
	tap_ok(qmp_talk(fd, "{\"execute\":\"quit\",\"id\":9}\r\n", 1, out, sizeof(out)) && wait_exit(pid) == 0,
	       "quit: answered, exit 0");
	tap_ok(access(qmp_path, F_OK) && access(stat_path, F_OK), "its sockets are removed");
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);

	/* -chardev socket,id=libxl-cmd,fd=N,server,nowait -S ... */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char ch[64];
		int lfd = socket(AF_UNIX, SOCK_STREAM, 0); /* inherited by the child */
		const char *args[] = { "-xen-domid", "3", "-no-shutdown", "-chardev", ch, "-S", "-mon",
				       "chardev=libxl-cmd,mode=control", "-nodefaults", "-no-user-config",
				       "-xen-attach", "-name", "xby", "-vnc", "none", "-display", "none",
				       "-nographic", "-machine", "xenpv", "-m", "256", "--no-xenstore", NULL };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qmp-fd", tmp);
		bind(lfd, (struct sockaddr *)&sa, sizeof(sa));
		listen(lfd, 1);
		snprintf(ch, sizeof(ch), "socket,id=libxl-cmd,fd=%d,server,nowait", lfd);
		pid = spawn("xenback-dm", args, logfd, logfd);
		close(lfd);
		fd = qmp_connect(sa.sun_path);
	}
	tap_ok(fd >= 0 && qmp_talk(fd, "", 1, out, sizeof(out)) &&
		       qmp_talk(fd, "{\"execute\":\"qmp_capabilities\",\"id\":1}\r\n{\"execute\":\"query-status\",\"id\":2}\r\n",
				2, out, sizeof(out)) &&
		       !strcmp(out, "{\"return\": {}, \"id\": 1}\r\n{\"return\": {\"status\": \"prelaunch\", "
				    "\"singlestep\": false, \"running\": false}, \"id\": 2}\r\n"),
	       "fd= socket from libxl, -S: prelaunch");
	tap_ok(qmp_talk(fd, "{\"execute\":\"cont\",\"id\":3}\r\n{\"execute\":\"query-status\",\"id\":4}\r\n",
			2, out, sizeof(out)) &&
		       has(out, "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 4}\r\n"),
	       "cont: running");
	kill(pid, SIGTERM);
	tap_ok(wait_exit(pid) == 0, "SIGTERM: exit 0");
	if (fd >= 0)
		close(fd);
	close(logfd);
	{
		char buf[8192];
		int lf = open(log, O_RDONLY);
		ssize_t n = lf >= 0 ? read(lf, buf, sizeof(buf) - 1) : -1;

		buf[n > 0 ? n : 0] = '\0';
		if (lf >= 0)
			close(lf);
		tap_ok(has(buf, "dom2: QMP: qmp_capabilities -> {}") && has(buf, "dom3: QMP: cont -> {}") &&
			       has(buf, "dom3: exiting"),
		       "one log line per QMP command, as the xen tier greps them");
	}
}

/* dm_restrict=1: libxl adds -runas, -chroot and -xen-domid-restrict (and
 * -S). None would be enforced: refused, exit 1, the reason on stderr (the
 * guest's qemu-dm log), no socket made, nothing announced. */
static void test_dm_restrict(void)
{
	char qmp_path[128], ch[256];
	struct run r;

	snprintf(qmp_path, sizeof(qmp_path), "%s/qmp-libxl-4", tmp);
	snprintf(ch, sizeof(ch), "socket,id=libxl-cmd,path=%s,server=on,wait=off", qmp_path);
	run(&r, "xenback-dm", "-xen-domid", "4", "-no-shutdown", "-chardev", ch, "-S", "-mon",
	    "chardev=libxl-cmd,mode=control", "-nodefaults", "-xen-attach", "-name", "xbr",
	    "-xen-domid-restrict", "-chroot", "/var/run/xen/qemu-root-4", "-machine", "xenpv",
	    "-runas", "1000:1000", "--no-xenstore", NULL);
	tap_ok(r.status == 1 &&
		       has(r.err, "refusing -xen-domid-restrict -chroot /var/run/xen/qemu-root-4 "
				  "-runas 1000:1000 (the guest's dm_restrict=1)") &&
		       has(r.err, "would keep running as root") && has(r.err, "dm_restrict=0"),
	       "xenback-dm with dm_restrict's options: refused, exit 1, says what is not enforced (%d)",
	       r.status);
	tap_ok(access(qmp_path, F_OK) != 0, "... and made no QMP socket (libxl sees it fail)");
	run(&r, "xenback-dm", "-xen-domid", "4", "--runas", "xen-qemuuser-range-base",
	    "--no-xenstore", NULL);
	tap_ok(r.status == 1 && has(r.err, "refusing -runas xen-qemuuser-range-base"),
	       "xenback-dm --runas alone: refused too (%d)", r.status);
}

static void test_dm(void)
{
	struct run r;

	if (!built("xenback-dm"))
		return skip(24, "xenback-dm");
	run(&r, "xenback-dm", "--help", NULL);
	expect(&r, 0, "xenback-dm --help");
	tap_ok(has(r.out, "Refused (exit 1): -runas, -chroot, -xen-domid-restrict") &&
		       has(r.out, "dm_restrict=0"),
	       "xenback-dm --help says dm_restrict's options are refused, and what to do");
	run(&r, "xenback-dm", "-h", NULL);
	expect(&r, 0, "xenback-dm -h");
	run(&r, "xenback-dm", "-help", NULL);
	expect(&r, 0, "xenback-dm -help (QEMU's one dash)");
	run(&r, "xenback-dm", "-xen-domid", "1", "-bogus", NULL);
	expect(&r, 2, "xenback-dm -bogus");
	run(&r, "xenback-dm", "-xen-domid", "1", "disk.img", NULL);
	expect(&r, 2, "xenback-dm with a stray argument");
	run(&r, "xenback-dm", "-nodefaults", "--no-xenstore", NULL);
	expect(&r, 2, "xenback-dm without -xen-domid");
	run(&r, "xenback-dm", "-xen-domid", "guest", NULL);
	expect(&r, 2, "xenback-dm -xen-domid guest");
	run(&r, "xenback-dm", "-xen-domid", "32752", NULL);
	expect(&r, 2, "xenback-dm -xen-domid 32752 (DOMID_FIRST_RESERVED)");
	run(&r, "xenback-dm", "-xen-domid", "1", "-chardev", "socket,id=libxl-cmd,server=on", NULL);
	expect(&r, 2, "xenback-dm: libxl-cmd chardev without path= or fd=");
	run(&r, "xenback-dm", "-xen-domid", "1", "-chardev", "socket,id=libxl-cmd,fd=1000,server,nowait",
	    NULL);
	expect(&r, 2, "xenback-dm: libxl-cmd chardev with fd= not open");
	run(&r, "xenback-dm", "-xen-domid", "1", "-chardev", "socket,id=libxl-cmd,path=/nonexistent/dir/q",
	    "--no-xenstore", NULL);
	tap_ok(r.status == 1 && has(r.err, "cannot listen on /nonexistent/dir/q"),
	       "xenback-dm: a socket it cannot create: exit 1, logged (%d)", r.status);
	test_dm_restrict();
	test_dm_libxl();
}

int main(void)
{
	bdir = getenv("XB_BUILD") ? getenv("XB_BUILD") : "build";
	snprintf(tmp, sizeof(tmp), "/tmp/xb-tool-options-XXXXXX");
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_xenbackd();
	test_xenbackctl();
	test_demo();
	test_dm();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd))
			tap_diag("could not remove %s", tmp);
	}
	return tap_done();
}
