/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackctl stats: dump the per-port counters of xenback.ko through its
 * generic netlink family (XENBACK_CMD_GET_STATS, uapi/xenback.h), as a table
 * or, with --json, as {"ports":[{...}, ...]}.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "uapi/xenback.h"
#include "stats.h"

struct xbctl_row {
	uint32_t ctx, pid, port, domid, kind;
	uint64_t events, wakes, notifies, spurious, throttled;
};

struct xbctl_rows {
	struct xbctl_row *v;
	size_t n, cap;
	int err;
};

#define XBCTL_POLICY(a, t) [a] = { .type = NLA_##t },
static struct nla_policy xbctl_policy[XENBACK_A_MAX + 1] = {
	XENBACK_GENL_POLICY(XBCTL_POLICY)
};
#undef XBCTL_POLICY

static uint32_t xbctl_u32(struct nlattr **a, int i)
{
	return a[i] ? nla_get_u32(a[i]) : 0;
}

static uint64_t xbctl_u64(struct nlattr **a, int i)
{
	return a[i] ? nla_get_u64(a[i]) : 0;
}

static int xbctl_on_port(struct nl_msg *msg, void *arg)
{
	struct nlattr *a[XENBACK_A_MAX + 1];
	struct xbctl_rows *rows = arg;
	struct xbctl_row *r;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, XENBACK_A_MAX, xbctl_policy) < 0)
		return NL_SKIP;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 64;
		struct xbctl_row *v = realloc(rows->v, cap * sizeof(*v));

		if (!v) {
			rows->err = -ENOMEM;
			return NL_STOP;
		}
		rows->v = v;
		rows->cap = cap;
	}
	r = &rows->v[rows->n++];
	r->ctx = xbctl_u32(a, XENBACK_A_CTX);
	r->pid = xbctl_u32(a, XENBACK_A_PID);
	r->port = xbctl_u32(a, XENBACK_A_PORT);
	r->domid = xbctl_u32(a, XENBACK_A_DOMID);
	r->kind = xbctl_u32(a, XENBACK_A_KIND);
	r->events = xbctl_u64(a, XENBACK_A_EVENTS);
	r->wakes = xbctl_u64(a, XENBACK_A_WAKES);
	r->notifies = xbctl_u64(a, XENBACK_A_NOTIFIES);
	r->spurious = xbctl_u64(a, XENBACK_A_SPURIOUS);
	r->throttled = xbctl_u64(a, XENBACK_A_THROTTLED);
	return NL_OK;
}

static const char *xbctl_kind(uint32_t kind)
{
	switch (kind) {
	case XENBACK_PORT_LOOPBACK:
		return "loopback";
	case XENBACK_PORT_INTERDOMAIN:
		return "interdomain";
	}
	return "unknown";
}

/* Fills rows from the kernel; 0 or a message on stderr and -1. */
static int xbctl_fetch(struct xbctl_rows *rows)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	int fam, ret = -1, err;

	if (!sk) {
		fprintf(stderr, "xenbackctl: out of memory\n");
		return -1;
	}
	if ((err = genl_connect(sk)) < 0) {
		fprintf(stderr, "xenbackctl: generic netlink: %s\n", nl_geterror(err));
		goto out;
	}
	fam = genl_ctrl_resolve(sk, XENBACK_GENL_NAME);
	if (fam < 0) {
		fprintf(stderr, "xenbackctl: no \"%s\" netlink family: is xenback.ko loaded?\n",
			XENBACK_GENL_NAME);
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, xbctl_on_port, rows);
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, NLM_F_DUMP,
				 XENBACK_CMD_GET_STATS, XENBACK_GENL_VERSION)) {
		fprintf(stderr, "xenbackctl: out of memory\n");
		goto out;
	}
	if ((err = nl_send_auto(sk, msg)) < 0 || (err = nl_recvmsgs_default(sk)) < 0) {
		fprintf(stderr, "xenbackctl: stats dump: %s%s\n", nl_geterror(err),
			err == -NLE_PERM ? " (needs CAP_NET_ADMIN)" : "");
		goto out;
	}
	if (rows->err) {
		fprintf(stderr, "xenbackctl: %s\n", strerror(-rows->err));
		goto out;
	}
	ret = 0;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret;
}

static void xbctl_print_table(const struct xbctl_rows *rows)
{
	size_t i;

	printf("%5s %7s %10s %5s %-11s %12s %12s %12s %12s %12s\n", "CTX", "PID", "PORT",
	       "DOMID", "KIND", "EVENTS", "WAKES", "NOTIFIES", "SPURIOUS", "THROTTLED");
	for (i = 0; i < rows->n; i++) {
		const struct xbctl_row *r = &rows->v[i];

		printf("%5" PRIu32 " %7" PRIu32 " %10" PRIu32 " %5" PRIu32 " %-11s %12" PRIu64
		       " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
		       r->ctx, r->pid, r->port, r->domid, xbctl_kind(r->kind), r->events,
		       r->wakes, r->notifies, r->spurious, r->throttled);
	}
}

static int xbctl_print_json(const struct xbctl_rows *rows)
{
	json_object *top = json_object_new_object(), *ports = json_object_new_array();
	size_t i;

	if (!top || !ports)
		return -1;
	for (i = 0; i < rows->n; i++) {
		const struct xbctl_row *r = &rows->v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ctx", json_object_new_int64(r->ctx));
		json_object_object_add(o, "pid", json_object_new_int64(r->pid));
		json_object_object_add(o, "port", json_object_new_int64(r->port));
		json_object_object_add(o, "domid", json_object_new_int64(r->domid));
		json_object_object_add(o, "kind", json_object_new_string(xbctl_kind(r->kind)));
		json_object_object_add(o, "events", json_object_new_uint64(r->events));
		json_object_object_add(o, "wakes", json_object_new_uint64(r->wakes));
		json_object_object_add(o, "notifies", json_object_new_uint64(r->notifies));
		json_object_object_add(o, "spurious", json_object_new_uint64(r->spurious));
		json_object_object_add(o, "throttled", json_object_new_uint64(r->throttled));
		json_object_array_add(ports, o);
	}
	json_object_object_add(top, "ports", ports);
	puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	return 0;
}

static int xbctl_stats_usage(FILE *f)
{
	fprintf(f, "usage: xenbackctl stats [-j|--json]\n"
		   "  per-port counters of xenback.ko: events, wakes, notifies,\n"
		   "  spurious, throttled (needs CAP_NET_ADMIN)\n");
	return f == stdout ? 0 : 2;
}

int xbctl_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct xbctl_rows rows = { 0 };
	int json = 0, c, ret;

	argv[0] = (char *)"xenbackctl stats"; /* was "stats": getopt's messages name it */
	optind = 0;                       /* start over whatever parsed before */
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			return xbctl_stats_usage(stdout);
		default:
			return xbctl_stats_usage(stderr);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xenbackctl stats: unexpected argument '%s'\n", argv[optind]);
		return xbctl_stats_usage(stderr);
	}
	if (xbctl_fetch(&rows)) {
		free(rows.v);
		return 1;
	}
	ret = 0;
	if (json)
		ret = xbctl_print_json(&rows) ? 1 : 0;
	else
		xbctl_print_table(&rows);
	free(rows.v);
	return ret;
}
