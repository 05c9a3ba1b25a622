/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackctl restart / shutdown: actions of a running xenbackd, through its
 * control socket.
 *
 * restart [--exec PATH]: xenbackd answers, hands every device over (the
 * frontends see no change), then executes PATH (default: its own binary)
 * with its original arguments; the new program takes the devices over.
 * xenbackd keeps this connection open until it executes the next binary
 * (the fd is close-on-exec), then we wait for a daemon that answers "list"
 * with another instance number: the new one, with its devices.
 *
 * shutdown: xenbackd answers, closes every device (frontends told Closed)
 * and exits; the connection's end (EOF) is the process's end.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define CONTROL_DEFAULT "/run/xenback/xenbackd.sock"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to path with cmd sent; -errno if none. */
static int send_cmd(const char *path, const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		r = -errno;
		close(fd);
		return r ? r : -EIO;
	}
	return fd;
}

/* Reads fd up to the first newline, or to EOF, until deadline (ms,
 * CLOCK_MONOTONIC); the text (malloc'ed) or NULL. */
static char *read_line(int fd, long long deadline)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	while (buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
	}
	if (!buf)
		return NULL;
	buf[len] = 0;
	if (!len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Waits for EOF on fd until deadline; true if it came. */
static bool wait_eof(int fd, long long deadline)
{
	char b[256];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return false;
		n = read(fd, b, sizeof(b));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return true;
	}
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

/* Sends cmd, reads the answer: its JSON (caller puts it) and *fdp the
 * connection, still open; NULL after printing why. */
static json_object *act(const char *path, const char *cmd, const char *name, long long deadline,
			int *fdp)
{
	json_object *root, *v;
	char *reply;
	int fd = send_cmd(path, cmd);

	if (fd < 0) {
		fprintf(stderr, "xenbackctl %s: %s: %s (is xenbackd running?)\n", name, path,
			strerror(-fd));
		return NULL;
	}
	reply = read_line(fd, deadline);
	root = reply ? json_tokener_parse(reply) : NULL;
	free(reply);
	if (!root) {
		fprintf(stderr, "xenbackctl %s: no answer from xenbackd\n", name);
		close(fd);
		return NULL;
	}
	if (json_object_object_get_ex(root, "error", &v)) {
		fprintf(stderr, "xenbackctl %s: xenbackd refused: %s\n", name, json_object_get_string(v));
		json_object_put(root);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return root;
}

static int usage(FILE *f, const char *cmd)
{
	if (!strcmp(cmd, "restart"))
		fprintf(f, "usage: xenbackctl restart [-e|--exec PATH] [-c|--control PATH] [-t|--timeout S]\n"
			   "  xenbackd hands every device over (frontends see no change) and\n"
			   "  executes PATH (default: its own binary, as found when it started)\n"
			   "  with its original arguments: an upgrade in place. Waits until the\n"
			   "  new program answers on the control socket (at most S seconds,\n"
			   "  default 30); exit 0 then.\n");
	else
		fprintf(f, "usage: xenbackctl shutdown [-c|--control PATH] [-t|--timeout S]\n"
			   "  xenbackd closes every device (frontends told Closed, the guests'\n"
			   "  disks go away) and exits; waits for that (at most S seconds,\n"
			   "  default 30). For a stop that guests do not notice, SIGTERM.\n");
	fprintf(f, "  --control PATH: xenbackd's control socket (default: " CONTROL_DEFAULT ")\n");
	return f == stdout ? 0 : 2;
}

int xbctl_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, 'e' },
		{ "control", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool restart = !strcmp(argv[0], "restart");
	const char *path = CONTROL_DEFAULT, *exec = NULL, *name = restart ? "restart" : "shutdown";
	char cmd[PATH_MAX + 16], abs_exec[PATH_MAX];
	long long deadline, timeout = 30;
	json_object *root, *now = NULL;
	uint64_t old, devs;
	char *end;
	int c, fd = -1;

	argv[0] = restart ? (char *)"xenbackctl restart" : (char *)"xenbackctl shutdown";
	optind = 0;
	while ((c = getopt_long(argc, argv, restart ? "e:c:t:h" : "c:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!restart)
				return usage(stderr, name);
			exec = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtoll(optarg, &end, 10);
			if (errno || *end || !*optarg || timeout <= 0 || timeout > 86400) {
				fprintf(stderr, "%s: bad --timeout '%s'\n", argv[0], optarg);
				return usage(stderr, name);
			}
			break;
		case 'h':
			return usage(stdout, name);
		default:
			return usage(stderr, name);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return usage(stderr, name);
	}
	if (exec) {
		/* xenbackd runs elsewhere: it gets an absolute path. */
		if (!realpath(exec, abs_exec)) {
			fprintf(stderr, "xenbackctl restart: %s: %s\n", exec, strerror(errno));
			return 1;
		}
		exec = abs_exec;
	}
	snprintf(cmd, sizeof(cmd), "%s%s%s\n", name, exec ? " " : "", exec ? exec : "");
	deadline = now_ms() + timeout * 1000;
	root = act(path, cmd, name, deadline, &fd);
	if (!root)
		return 1;
	old = get_u64(root, "instance");
	devs = get_u64(root, "devices");
	json_object_put(root);
	/* The daemon holds the connection until it executes the next binary
	 * or exits: EOF is the end of the old process's part. */
	if (!wait_eof(fd, deadline)) {
		close(fd);
		fprintf(stderr, "xenbackctl %s: xenbackd did not finish within %lld s\n", name, timeout);
		return 1;
	}
	close(fd);
	if (!restart) {
		printf("xenbackd stopped: %llu device(s) closed\n", (unsigned long long)devs);
		return 0;
	}
	/* The new program: a "list" answered by another instance. */
	while (now_ms() < deadline) {
		char *reply;

		fd = send_cmd(path, "list\n");
		if (fd >= 0) {
			reply = read_line(fd, deadline);
			close(fd);
			now = reply ? json_tokener_parse(reply) : NULL;
			free(reply);
			if (now && get_u64(now, "instance") != old) {
				json_object *u, *v;

				printf("xenbackd restarted%s%s: %llu device(s) handed over, %lld now served\n",
				       exec ? " as " : "", exec ? exec : "", (unsigned long long)devs,
				       json_object_object_get_ex(now, "usage", &u) &&
						       json_object_object_get_ex(u, "devices", &v) ?
					       (long long)json_object_get_int64(v) : -1LL);
				json_object_put(now);
				return 0;
			}
			json_object_put(now);
		}
		usleep(50000);
	}
	fprintf(stderr, "xenbackctl restart: no new xenbackd answered on %s within %lld s\n", path,
		timeout);
	return 1;
}
