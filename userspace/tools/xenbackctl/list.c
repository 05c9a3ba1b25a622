/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenbackctl list: the registry of a running xenbackd, from its control
 * socket: type, frontend domain, devid, state, what each device holds for
 * its guest (grants, ports, memory, requests, fds, times throttled), error
 * of failed devices; then the daemon's totals. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenback.h"
#include "list.h"

#define CONTROL_DEFAULT "/run/xenback/xenbackd.sock"

static char *ask(const char *path, const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf || strlen(path) >= sizeof(sa.sun_path))
		return free(buf), NULL;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		fprintf(stderr, "xenbackctl: %s: %s (is xenbackd running?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* o's key, a byte count, for people: 512, 12.0K, 3.5M, 1.2G; "?" if absent. */
static void bytes(char *out, size_t outsz, json_object *o, const char *key)
{
	static const char unit[] = "KMGT";
	json_object *v;
	double b;
	int u = -1;

	if (!json_object_object_get_ex(o, key, &v)) {
		snprintf(out, outsz, "?");
		return;
	}
	b = (double)json_object_get_uint64(v);
	while (b >= 1024 && u < 3) {
		b /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, outsz, "%.0f", b);
	else
		snprintf(out, outsz, "%.1f%c", b, unit[u]);
}

static int list_usage(FILE *f)
{
	fprintf(f, "usage: xenbackctl list [-j|--json] [-c|--control PATH]\n"
		   "  devices of the running xenbackd: type, domain, devid, state, frontend\n"
		   "  state, what each holds for its guest (grants mapped, ports bound, memory,\n"
		   "  requests in flight, fds, times a budget throttled it), error of failed\n"
		   "  ones; then the daemon's totals (--json: xenbackd's answer)\n"
		   "  --control PATH: xenbackd's control socket (default: " CONTROL_DEFAULT ")\n");
	return f == stdout ? 0 : 2;
}

int xbctl_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = CONTROL_DEFAULT;
	json_object *root, *devs, *usage;
	bool json = false;
	size_t i, n;
	char *reply;
	int c;

	argv[0] = (char *)"xenbackctl list"; /* was "list": getopt's messages name it */
	optind = 0;                       /* start over whatever parsed before */
	while ((c = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			path = optarg;
			break;
		case 'h':
			return list_usage(stdout);
		default:
			return list_usage(stderr);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xenbackctl list: unexpected argument '%s'\n", argv[optind]);
		return list_usage(stderr);
	}
	reply = ask(path, "list\n");
	if (!reply)
		return 1;
	root = json_tokener_parse(reply);
	if (!root || !json_object_object_get_ex(root, "devices", &devs)) {
		fprintf(stderr, "xenbackctl: bad answer from xenbackd\n");
		free(reply);
		json_object_put(root);
		return 1;
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	} else {
		n = json_object_array_length(devs);
		printf("%-8s %6s %8s  %-12s %-12s %6s %5s %8s %5s %4s %9s  %s\n", "type", "domain",
		       "devid", "state", "frontend", "grants", "ports", "mem", "reqs", "fds",
		       "throttled", "error");
		for (i = 0; i < n; i++) {
			json_object *d = json_object_array_get_idx(devs, i), *v;
			const char *err = json_object_object_get_ex(d, "error_msg", &v) ?
						  json_object_get_string(v) : "";
			char mem[16];
			int fst;

			fst = json_object_object_get_ex(d, "frontend_state", &v) ?
				      json_object_get_int(v) : -1;
			bytes(mem, sizeof(mem), d, "mem_bytes");
#define S(k) (json_object_object_get_ex(d, k, &v) ? json_object_get_string(v) : "?")
			printf("%-8s %6s %8s  %-12s %-12s %6s %5s %8s %5s %4s %9s  %s\n", S("type"),
			       S("frontend_id"), S("devid"), S("state_name"), xenback_state_name(fst),
			       S("grants_mapped"), S("ports_bound"), mem, S("requests_inflight"),
			       S("fds"), S("throttled"), err);
#undef S
		}
		printf("%zu device(s)\n", n);
		if (json_object_object_get_ex(root, "usage", &usage)) {
			json_object *v;
			char mem[16];

			bytes(mem, sizeof(mem), usage, "mem_bytes");
#define S(k) (json_object_object_get_ex(usage, k, &v) ? json_object_get_string(v) : "?")
			printf("held for guests: %s memory, %s requests in flight, %s fds, "
			       "throttled %s times\n", mem, S("requests_inflight"), S("fds"),
			       S("throttled"));
#undef S
		}
	}
	json_object_put(root);
	free(reply);
	return 0;
}
