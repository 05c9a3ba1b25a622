/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackctl stats: dump the per-port counters of xenback.ko through its
 * generic netlink family (XENBACK_CMD_GET_STATS, uapi/xenback.h) and the
 * counters of the blkif rings it serves (XENBACK_CMD_GET_BLKIF; none from a
 * module without it), as tables or, with --json, as
 * {"ports":[{...}, ...],"blkif":[{...}, ...]}.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "uapi/xenback.h"
#include "stats.h"

/* A message of either dump: the attributes it lacks read as 0. */
struct xbctl_row {
	uint32_t ctx, pid, port, domid, kind;
	uint64_t events, wakes, notifies, spurious, throttled;
	/* blkif rings */
	uint64_t requests, responses, errors, maps, hits, evicted;
	uint32_t mapped, max_grants, inflight, stopped;
	char reason[64];
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

static int xbctl_on_msg(struct nl_msg *msg, void *arg)
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
	r->requests = xbctl_u64(a, XENBACK_A_REQUESTS);
	r->responses = xbctl_u64(a, XENBACK_A_RESPONSES);
	r->errors = xbctl_u64(a, XENBACK_A_ERRORS);
	r->maps = xbctl_u64(a, XENBACK_A_MAPS);
	r->hits = xbctl_u64(a, XENBACK_A_HITS);
	r->evicted = xbctl_u64(a, XENBACK_A_EVICTED);
	r->mapped = xbctl_u32(a, XENBACK_A_MAPPED);
	r->max_grants = xbctl_u32(a, XENBACK_A_MAX_GRANTS);
	r->inflight = xbctl_u32(a, XENBACK_A_INFLIGHT);
	r->stopped = xbctl_u32(a, XENBACK_A_STOPPED);
	snprintf(r->reason, sizeof(r->reason), "%s",
		 a[XENBACK_A_REASON] ? nla_get_string(a[XENBACK_A_REASON]) : "");
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

/* Fills rows from the kernel's dump cmd; 0, 1 if the module does not know
 * cmd and optional, or a message on stderr and -1. */
static int xbctl_fetch(uint8_t cmd, struct xbctl_rows *rows, bool optional)
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
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, xbctl_on_msg, rows);
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, NLM_F_DUMP,
				 cmd, XENBACK_GENL_VERSION)) {
		fprintf(stderr, "xenbackctl: out of memory\n");
		goto out;
	}
	if ((err = nl_send_auto(sk, msg)) < 0 || (err = nl_recvmsgs_default(sk)) < 0) {
		if (optional && err == -NLE_OPNOTSUPP) {
			ret = 1;
			goto out;
		}
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

static void xbctl_print_blkif_table(const struct xbctl_rows *rows)
{
	size_t i;

	printf("\nblkif rings served by xenback.ko:\n%5s %10s %12s %12s %10s %8s %7s %10s %10s %12s %10s %s\n",
	       "DOMID", "PORT", "REQUESTS", "RESPONSES", "ERRORS", "INFLIGHT", "MAPPED",
	       "MAX_GRANTS", "MAPS", "HITS", "EVICTED", "STOPPED");
	for (i = 0; i < rows->n; i++) {
		const struct xbctl_row *r = &rows->v[i];

		printf("%5" PRIu32 " %10" PRIu32 " %12" PRIu64 " %12" PRIu64 " %10" PRIu64
		       " %8" PRIu32 " %7" PRIu32 " %10" PRIu32 " %10" PRIu64 " %12" PRIu64
		       " %10" PRIu64 " %s\n",
		       r->domid, r->port, r->requests, r->responses, r->errors, r->inflight,
		       r->mapped, r->max_grants, r->maps, r->hits, r->evicted,
		       r->stopped ? r->reason : "-");
	}
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

static json_object *xbctl_blkif_json(const struct xbctl_rows *rows)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a && i < rows->n; i++) {
		const struct xbctl_row *r = &rows->v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "domid", json_object_new_int64(r->domid));
		json_object_object_add(o, "port", json_object_new_int64(r->port));
		json_object_object_add(o, "requests", json_object_new_uint64(r->requests));
		json_object_object_add(o, "responses", json_object_new_uint64(r->responses));
		json_object_object_add(o, "errors", json_object_new_uint64(r->errors));
		json_object_object_add(o, "notifies", json_object_new_uint64(r->notifies));
		json_object_object_add(o, "maps", json_object_new_uint64(r->maps));
		json_object_object_add(o, "hits", json_object_new_uint64(r->hits));
		json_object_object_add(o, "evicted", json_object_new_uint64(r->evicted));
		json_object_object_add(o, "mapped", json_object_new_int64(r->mapped));
		json_object_object_add(o, "max_grants", json_object_new_int64(r->max_grants));
		json_object_object_add(o, "inflight", json_object_new_int64(r->inflight));
		json_object_object_add(o, "stopped", json_object_new_int64(r->stopped));
		json_object_object_add(o, "reason", json_object_new_string(r->reason));
		json_object_array_add(a, o);
	}
	return a;
}

static int xbctl_print_json(const struct xbctl_rows *rows, const struct xbctl_rows *blkif)
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
	json_object_object_add(top, "blkif", xbctl_blkif_json(blkif));
	puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN));
	json_object_put(top);
	return 0;
}

static int xbctl_stats_usage(FILE *f)
{
	fprintf(f, "usage: xenbackctl stats [-j|--json]\n"
		   "  per-port counters of xenback.ko: events, wakes, notifies,\n"
		   "  spurious, throttled; and per blkif ring it serves: requests,\n"
		   "  responses, errors, in flight, grants mapped and its limit,\n"
		   "  why it stopped (needs CAP_NET_ADMIN)\n");
	return f == stdout ? 0 : 2;
}

int xbctl_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct xbctl_rows rows = { 0 }, blkif = { 0 };
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
	if (xbctl_fetch(XENBACK_CMD_GET_STATS, &rows, false) ||
	    xbctl_fetch(XENBACK_CMD_GET_BLKIF, &blkif, true) < 0) {
		free(rows.v);
		free(blkif.v);
		return 1;
	}
	ret = 0;
	if (json) {
		ret = xbctl_print_json(&rows, &blkif) ? 1 : 0;
	} else {
		xbctl_print_table(&rows);
		if (blkif.n)
			xbctl_print_blkif_table(&blkif);
	}
	free(rows.v);
	free(blkif.v);
	return ret;
}
