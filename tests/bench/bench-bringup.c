/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bring-up cost: N devices appear as a toolstack writes them (backend node
 * in one transaction, frontend Initialising); measure xenstore requests per
 * device and time per device until all are InitWait, on the simulated
 * xenstore.
 *   policy=xenback  libxenback (O(1) requests per watch event)
 *   policy=rescan   QEMU 7.2's xen-bus policy, modelled here: every watch
 *                   event re-enumerates backend/ (directory reads, state and
 *                   online of every device) and looks devices up in a list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenback.h"
#include "xenback/sim.h"
#include "platform.h"

#define BASE "/local/domain/0/backend"
#define PER_DOM 16

static unsigned int created;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void toolstack_add(struct xenback_sim *sim, unsigned int i)
{
	unsigned int dom = 1 + i / PER_DOM, dev = 51712 + i % PER_DOM;
	char be[96], fe[96], p[160];

	snprintf(be, sizeof(be), BASE "/vbench/%u/%u", dom, dev);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbench/%u", dom, dev);
	xenback_sim_batch_begin(sim);
#define W(key, ...) (snprintf(p, sizeof(p), "%s/" key, be), xenback_sim_write(sim, p, __VA_ARGS__))
	W("frontend", "%s", fe);
	W("frontend-id", "%u", dom);
	W("online", "1");
	W("state", "1");
	W("params", "aio:/images/%u-%u.img", dom, dev);
	W("mode", "w");
	W("type", "qdisk");
	W("dev", "xvda");
	W("specification", "xen");
#undef W
	snprintf(p, sizeof(p), "%s/backend", fe);
	xenback_sim_write(sim, p, "%s", be);
	snprintf(p, sizeof(p), "%s/state", fe);
	xenback_sim_write(sim, p, "1");
	xenback_sim_batch_end(sim);
}

/* ------------------------------------------------------------ xenback */

static int bench_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	struct xenback_device *dev;
	int r;

	(void)opts;
	r = xenback_device_new(be, 0, &dev);
	if (r < 0)
		return r;
	xenback_device_printf(dev, "feature-flush-cache", "1");
	xenback_device_printf(dev, "sectors", "%u", 2048);
	xenback_backend_set_device(be, dev);
	created++;
	return 0;
}

static const struct xenback_backend_info bench_info = { .type = "vbench", .create = bench_create };

static void run_xenback(unsigned int n, double *req, double *us)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct xenback_bus *bus;
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR };
	unsigned int i;
	double t0;

	if (!sim || xenback_bus_new(xenback_sim_platform(sim), &cfg, &bus) ||
	    xenback_backend_register(bus, &bench_info) || xenback_bus_start(bus)) {
		fprintf(stderr, "bench: cannot set up the bus\n");
		exit(1);
	}
	while (xenback_bus_dispatch(bus) > 0)
		;
	xenback_sim_reset_counters(sim);
	created = 0;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		toolstack_add(sim, i);
		if (i % 64 == 63)
			while (xenback_bus_dispatch(bus) > 0)
				;
	}
	while (xenback_bus_dispatch(bus) > 0)
		;
	*us = (now_s() - t0) * 1e6 / n;
	*req = (double)xenback_sim_requests_total(sim) / n;
	if (created != n)
		fprintf(stderr, "bench: xenback created %u of %u\n", created, n);
	xenback_bus_free(bus);
	xenback_sim_free(sim);
}

/* ------------------------------------------- the peer: QEMU 7.2's policy */

struct qinst {
	struct qinst *next;
	char type[16];
	char name[32];
};

struct qbus {
	struct xenback_platform *p;
	struct qinst *list; /* QEMU: a QLIST of backend instances */
};

static bool q_exists(struct qbus *q, const char *type, const char *name)
{
	struct qinst *i;

	for (i = q->list; i; i = i->next)
		if (!strcmp(i->type, type) && !strcmp(i->name, name))
			return true;
	return false;
}

static long q_read_int(struct qbus *q, const char *path)
{
	unsigned int len;
	char *v;
	long r;

	if (q->p->xs->read(q->p->xs_h, XB_TXN_NULL, path, &v, &len) < 0)
		return -1;
	r = strtol(v, NULL, 10);
	free(v);
	return r;
}

/* Create: read every key in a transaction, then publish InitWait. */
static void q_create(struct qbus *q, const char *type, const char *dom, const char *dev)
{
	const struct xb_xs_ops *xs = q->p->xs;
	char path[256], **keys;
	unsigned int n, i, len;
	struct qinst *qi;
	xb_txn_t t;
	char *v;

	do {
		xs->txn_start(q->p->xs_h, &t);
		snprintf(path, sizeof(path), BASE "/%s/%s/%s", type, dom, dev);
		if (xs->directory(q->p->xs_h, t, path, &keys, &n) == 0) {
			for (i = 0; i < n; i++) {
				snprintf(path, sizeof(path), BASE "/%s/%s/%s/%s", type, dom, dev, keys[i]);
				if (xs->read(q->p->xs_h, t, path, &v, &len) == 0)
					free(v);
			}
			free(keys);
		}
	} while (xs->txn_end(q->p->xs_h, t, false) == -EAGAIN);
	qi = calloc(1, sizeof(*qi));
	snprintf(qi->type, sizeof(qi->type), "%s", type);
	snprintf(qi->name, sizeof(qi->name), "%s/%s", dom, dev);
	qi->next = q->list;
	q->list = qi;
	snprintf(path, sizeof(path), BASE "/%s/%s/%s/feature-flush-cache", type, dom, dev);
	xs->write(q->p->xs_h, XB_TXN_NULL, path, "1", 1);
	snprintf(path, sizeof(path), BASE "/%s/%s/%s/sectors", type, dom, dev);
	xs->write(q->p->xs_h, XB_TXN_NULL, path, "2048", 4);
	snprintf(path, sizeof(path), BASE "/%s/%s/%s/hotplug-status", type, dom, dev);
	xs->write(q->p->xs_h, XB_TXN_NULL, path, "connected", 9);
	snprintf(path, sizeof(path), BASE "/%s/%s/%s/state", type, dom, dev);
	xs->write(q->p->xs_h, XB_TXN_NULL, path, "2", 1);
	created++;
}

/* xen_bus_enumerate(): every type, every domain, every device. */
static void q_enumerate(struct qbus *q)
{
	const struct xb_xs_ops *xs = q->p->xs;
	char **types, **doms, **devs, path[256], name[32];
	unsigned int nt, nd, nv, a, b, c;

	if (xs->directory(q->p->xs_h, XB_TXN_NULL, BASE, &types, &nt) < 0)
		return;
	for (a = 0; a < nt; a++) {
		snprintf(path, sizeof(path), BASE "/%s", types[a]);
		if (xs->directory(q->p->xs_h, XB_TXN_NULL, path, &doms, &nd) < 0)
			continue;
		for (b = 0; b < nd; b++) {
			snprintf(path, sizeof(path), BASE "/%s/%s", types[a], doms[b]);
			if (xs->directory(q->p->xs_h, XB_TXN_NULL, path, &devs, &nv) < 0)
				continue;
			for (c = 0; c < nv; c++) {
				long state, online;

				snprintf(path, sizeof(path), BASE "/%s/%s/%s/state", types[a], doms[b], devs[c]);
				state = q_read_int(q, path);
				snprintf(path, sizeof(path), BASE "/%s/%s/%s/online", types[a], doms[b], devs[c]);
				online = q_read_int(q, path);
				snprintf(name, sizeof(name), "%s/%s", doms[b], devs[c]);
				if (online == 1 && state == 1 && !q_exists(q, types[a], name))
					q_create(q, types[a], doms[b], devs[c]);
			}
			free(devs);
		}
		free(doms);
	}
	free(types);
}

static void q_drain(struct qbus *q)
{
	char *path, *token;

	while (q->p->xs->read_watch(q->p->xs_h, &path, &token) != -EAGAIN) {
		free(path);
		free(token);
		q_enumerate(q);
	}
}

static void run_rescan(unsigned int n, double *req, double *us)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct qbus q = { .p = xenback_sim_platform(sim) };
	unsigned int i;
	double t0;

	q.p->xs->watch(q.p->xs_h, BASE "/vbench", "q");
	q_drain(&q);
	xenback_sim_reset_counters(sim);
	created = 0;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		toolstack_add(sim, i);
		if (i % 64 == 63)
			q_drain(&q);
	}
	q_drain(&q);
	*us = (now_s() - t0) * 1e6 / n;
	*req = (double)xenback_sim_requests_total(sim) / n;
	if (created != n)
		fprintf(stderr, "bench: rescan created %u of %u\n", created, n);
	while (q.list) {
		struct qinst *qi = q.list;

		q.list = qi->next;
		free(qi);
	}
	xenback_sim_free(sim);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 100, 1000, 10000 };
	double budget = argc > 1 ? atof(argv[1]) : 60.0, last_rescan_s = 0;
	unsigned int last_n = 0, both_n = 0, i;
	double both_ratio = 0, both_req_ratio = 0, xb_req[3] = { 0 };

	for (i = 0; i < 3; i++) {
		unsigned int n = sizes[i];
		double req, us, qreq, qus;

		run_xenback(n, &req, &us);
		xb_req[i] = req;
		printf("BENCH bringup policy=xenback devices=%u xs_requests_per_device=%.1f us_per_device=%.2f\n",
		       n, req, us);
		fflush(stdout);
		/* The peer is O(N^2): run it only if it should end within budget. */
		if (last_n && last_rescan_s * ((double)n / last_n) * ((double)n / last_n) > budget) {
			printf("# rescan policy at N=%u skipped: estimated %.0f s > %.0f s budget\n", n,
			       last_rescan_s * ((double)n / last_n) * ((double)n / last_n), budget);
			continue;
		}
		run_rescan(n, &qreq, &qus);
		last_rescan_s = qus * n / 1e6;
		last_n = n;
		printf("BENCH bringup policy=rescan devices=%u xs_requests_per_device=%.1f us_per_device=%.2f\n",
		       n, qreq, qus);
		fflush(stdout);
		both_n = n;
		both_ratio = qus / us;
		both_req_ratio = qreq / req;
	}
	printf("BENCH bringup-ratio devices=%u rescan_over_xenback=%.1f requests_rescan_over_xenback=%.1f\n",
	       both_n, both_ratio, both_req_ratio);
	printf("BENCH bringup-flatness xenback_requests_10000_over_100=%.3f target<=1.25\n",
	       xb_req[2] / xb_req[0]);
	return 0;
}
