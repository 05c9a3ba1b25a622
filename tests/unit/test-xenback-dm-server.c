/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenback-dm's sockets and loop (userspace/tools/xenback-dm/server.c) with
 * its QMP (qmp.c), xenstore replaced by a pipe: a byte on it is the
 * guest's domain going away. QMP peers that flood commands and read their
 * replies slowly, or never, must not wedge the loop: other clients are
 * answered, and the domain's end still ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "userspace/tools/xenback-dm/dm.h"

/* ---- what xs.c and main.c provide, for server.c */

static int death[2] = { -1, -1 };

int dm_xs_fd(const struct dm *dm)
{
	(void)dm;
	return death[0];
}

bool dm_domain_gone(struct dm *dm)
{
	char b;

	(void)dm;
	return read(death[0], &b, 1) == 1;
}

void dm_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- a QMP client */

static int client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A reads its replies a little at a time: 256 bytes per call (100 ms
 * apart: far less than it asks for). */
static void trickle(int a)
{
	char buf[256];

	if (a >= 0 && read(a, buf, sizeof(buf)) < 0 && errno != EAGAIN)
		tap_diag("the flooding client's socket: %s", strerror(errno));
}

/* Reads fd until s was received (10 s at most), trickling a meanwhile. */
static bool read_until(int fd, const char *s, int a)
{
	char buf[8192];
	size_t len = 0;
	int i;

	for (i = 0; i < 100 && len < sizeof(buf) - 1; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		trickle(a);
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, s))
			return true;
	}
	return false;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	char dir[] = "/tmp/xenback-dm-server-XXXXXX", path[128], log[160];
	struct dm dm = { .domid = 5, .no_xs = true, .qmp_fd = -1, .stat_fd = -1,
			 .qmp = { .status = "running" } };
	size_t sent = 0;
	int a, b, cfd, st = -1;
	double t0;
	pid_t pid;
	char junk[4096];

	if (!mkdtemp(dir) || pipe2(death, O_CLOEXEC))
		return printf("Bail out! no temporary directory\n"), 1;
	snprintf(path, sizeof(path), "%s/qmp", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	dm.qmp_path = strdup(path);
	signal(SIGPIPE, SIG_IGN);
	if (dm_listen(&dm))
		return printf("Bail out! cannot listen on %s\n", path), 1;
	pid = fork();
	if (pid == 0) {
		int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(lf, 2);
		dm_catch_signals();
		dm_serve(&dm);
		dm_log("loop ended");
		dm_unlisten(&dm);
		free(dm.qmp_path);
		_exit(0);
	}
	close(dm.qmp_fd); /* the parent's copy; the child removes the socket */
	free(dm.qmp_path);

	/* A: 1 MiB of tiny bad messages (an error reply each, ~40x the
	 * input), its replies read a little at a time: never a send timeout,
	 * never the end of its backlog. */
	a = client(path);
	fcntl(a, F_SETFL, O_NONBLOCK);
	memset(junk, ' ', sizeof(junk));
	for (size_t i = 0; i < sizeof(junk); i += 2)
		junk[i] = '1';
	t0 = now();
	while (a >= 0 && sent < (1u << 20) && now() - t0 < 1) {
		ssize_t n = write(a, junk, sizeof(junk));

		if (n > 0)
			sent += (size_t)n;
		else
			usleep(1000);
		trickle(a);
	}
	tap_diag("flooding client sent %zu bytes", sent);

	/* B is answered meanwhile. */
	b = client(path);
	tap_ok(b >= 0 && write(b, "{\"execute\":\"query-status\"}\r\n", 28) == 28 &&
		       read_until(b, "\"status\": \"running\"", a),
	       "a client that reads slowly does not keep another from its replies");

	/* C floods too and never reads at all. */
	cfd = client(path);
	if (cfd >= 0) {
		fcntl(cfd, F_SETFL, O_NONBLOCK);
		for (t0 = now(); now() - t0 < 0.5;)
			if (write(cfd, junk, sizeof(junk)) < 0)
				usleep(1000);
	}

	/* The domain goes away while A still trickles and C reads nothing. */
	if (write(death[1], "x", 1) != 1)
		tap_diag("cannot write the death pipe");
	t0 = now();
	while (now() - t0 < 20) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		trickle(a);
		usleep(100000);
	}
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		tap_ok(0, "the domain's end ends xenback-dm while a client trickles its replies "
			  "(still running after 20 s)");
	} else {
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "the domain's end ends xenback-dm while a client trickles its replies and "
		       "another reads none");
	}
	{
		char buf[16384];
		int lf = open(log, O_RDONLY);
		ssize_t n = lf >= 0 ? read(lf, buf, sizeof(buf) - 1) : -1;

		buf[n > 0 ? n : 0] = '\0';
		if (lf >= 0)
			close(lf);
		tap_ok(strstr(buf, "domain 5 is gone: exiting") != NULL, "it says why it exits");
	}
	tap_ok(access(path, F_OK) != 0, "its socket is removed");
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (cfd >= 0)
		close(cfd);
	unlink(log);
	rmdir(dir);
	return tap_done();
}
