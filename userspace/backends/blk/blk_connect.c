/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Connect: read the frontend's ring layout (multi-page rings, multiple
 * queues), map the rings, bind the channels, start io_uring; with a state
 * directory, the in-flight journal (blk_journal.c), and a reattach takes
 * the rings over where the previous process left them. Disconnect undoes
 * whatever connect got to, in any state it stopped in, and again
 * harmlessly: the library calls it after a failed connect too. It answers
 * nothing: requests in flight stay in the journal for the next process
 * (the rings may be handed over, xenback_bus_detach()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"

static int read_uint(struct xenback_device *dev, const char *key, unsigned long max,
		     unsigned long dflt, unsigned long *v)
{
	int r = xenback_device_read_frontend_uint(dev, key, max, v);

	if (r == -ENOENT) {
		*v = dflt;
		return 0;
	}
	if (r < 0)
		return xenback_device_fail(dev, -EINVAL, "frontend %s is not a number <= %lu", key, max);
	return 0;
}

/* q's ring refs and event channel from the frontend, checked against a
 * kept journal. */
static int queue_keys(struct blk_dev *d, struct blk_queue *q, unsigned int order, uint32_t *refs,
		      unsigned long *port)
{
	struct xenback_device *dev = d->dev;
	char prefix[16] = "", key[48];
	unsigned int i, n = 1u << order;
	unsigned long v;
	int r;

	if (d->nqueues > 1)
		snprintf(prefix, sizeof(prefix), "queue-%u/", q->idx);
	for (i = 0; i < n; i++) {
		if (order)
			snprintf(key, sizeof(key), "%sring-ref%u", prefix, i);
		else
			snprintf(key, sizeof(key), "%sring-ref", prefix);
		r = xenback_device_read_frontend_uint(dev, key, UINT32_MAX, &v);
		if (r < 0)
			return xenback_device_fail(dev, -EINVAL, "frontend %s missing or bad", key);
		refs[i] = (uint32_t)v;
	}
	snprintf(key, sizeof(key), "%sevent-channel", prefix);
	r = xenback_device_read_frontend_uint(dev, key, UINT32_MAX, port);
	if (r < 0)
		return xenback_device_fail(dev, -EINVAL, "frontend %s missing or bad", key);
	return blk_journal_queue(q, refs, n, (uint32_t)*port);
}

/*
 * q's channel bound to this process. If xenback.ko's blkif ring engine
 * served the ring last (the kept journal says so), its file may still be
 * answering what it took: the port stays bound to it until it is done
 * (Xen refuses another bind: EINVAL), and only then is rsp_prod final.
 * Wait for that, bounded (BLK_MODULE_HANDOFF_MS: this blocks the daemon).
 */
#define BLK_MODULE_HANDOFF_MS 2000
static int bind_after_module(struct blk_dev *d, struct blk_queue *q, uint32_t port)
{
	bool module = q->jq && d->journal_kept && q->jq->module_served;
	uint64_t until = blk_now_ns() + BLK_MODULE_HANDOFF_MS * 1000000ull;
	struct timespec ts = { 0, 5 * 1000000 };
	int r;

	for (;;) {
		r = xenback_device_bind_evtchn(d->dev, port, blk_queue_event, q, &q->ch);
		if (r != -EINVAL || !module || blk_now_ns() > until)
			return r;
		nanosleep(&ts, NULL);
	}
}

/* q served by this process: its ring mapped, its channel bound. */
static int queue_connect(struct blk_dev *d, struct blk_queue *q, unsigned int order)
{
	struct xenback_device *dev = d->dev;
	uint32_t refs[1u << BLK_MAX_RING_ORDER];
	unsigned int i, n = 1u << order, size;
	unsigned long port;
	int r;

	r = queue_keys(d, q, order, refs, &port);
	if (r < 0)
		return r;
	r = xenback_device_map_grants(dev, refs, n, true, &q->sring);
	if (r < 0)
		return xenback_device_fail(dev, r, "mapping %u ring page(s): %s", n, strerror(-r));
	q->ring_pages = n;
	/* Nothing written to the shared ring: a reattach sets req_cons and
	 * rsp_prod_pvt from the journal (blk_journal_recover()). */
	BACK_RING_INIT(&q->ring, (blkif_sring_t *)q->sring, (size_t)n * BLK_PAGE);
	size = RING_SIZE(&q->ring);
	q->slots = calloc(size, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	for (i = size; i-- > 0;) {
		q->slots[i].q = q;
		q->slots[i].next = q->free;
		q->free = &q->slots[i];
	}
	r = bind_after_module(d, q, (uint32_t)port);
	if (r < 0)
		return xenback_device_fail(dev, r, "binding event channel %lu: %s", port, strerror(-r));
	return 0;
}

/* Every queue served by xenback.ko's blkif ring engine (blk_blkif.c).
 * 1: done; 0: the module cannot (nothing held: serve them here); < 0: the
 * device failed. */
static int queues_to_module(struct blk_dev *d, unsigned int order)
{
	uint32_t refs[1u << BLK_MAX_RING_ORDER];
	unsigned int i, grants = blk_blkif_grants(d);
	unsigned long port;
	int r;

	if (!grants)
		return 0; /* the budgets cannot give every queue a share */
	for (i = 0; i < d->nqueues; i++) {
		r = queue_keys(d, &d->q[i], order, refs, &port);
		if (r < 0)
			return r;
		r = blk_blkif_queue(&d->q[i], refs, 1u << order, (uint32_t)port, grants);
		if (r == 0)
			continue;
		if (i == 0 && (r == -EOPNOTSUPP || r == -ENOSPC))
			return 0;
		return xenback_device_fail(d->dev, r, "queue %u: xenback.ko's blkif ring engine: %s",
					   i, strerror(-r));
	}
	return 1;
}

/* A reattach, every queue bound: the rings taken over where the previous
 * process left them (blk_journal.c); what it left unanswered waits until
 * its I/O is over (blk_drain.c), then runs again (blk_reattach_run()). */
static int reattach(struct blk_dev *d)
{
	unsigned int i, total = 0;
	int r = 0;

	for (i = 0; i < d->nqueues && r == 0; i++) {
		d->replay_slot[i] = malloc(RING_SIZE(&d->q[i].ring) * sizeof(*d->replay_slot[i]));
		r = d->replay_slot[i] ? blk_journal_recover(&d->q[i], d->replay_slot[i],
							    &d->replay_n[i]) : -ENOMEM;
		total += r == 0 ? d->replay_n[i] : 0;
	}
	if (r == 0 && total)
		r = blk_drain_start(d, total, blk_reattach_run);
	if (r < 0)
		return r == -ENOMEM || r == -EMFILE || r == -EAGAIN ?
		       xenback_device_fail(d->dev, r, "waiting for the previous process's I/O: %s",
					   strerror(-r)) : r;
	if (r == 0)
		blk_reattach_run(d);
	return 0;
}

/* What was left unanswered run again, in ring order, then the frontend
 * notified (what it sent while no process listened was lost) and one
 * round taken from each ring. */
void blk_reattach_run(struct blk_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nqueues; i++)
		blk_ring_replay(&d->q[i], d->replay_slot[i], d->replay_n[i]);
	blk_engine_flush(d);
	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];

		if (d->replay_n[i])
			xenback_device_log(d->dev, XENBACK_LOG_NOTICE,
					   "queue %u: reattached at req_cons %u rsp_prod %u, %u request(s) "
					   "the previous process left unanswered run again",
					   q->idx, q->ring.req_cons, q->ring.rsp_prod_pvt, d->replay_n[i]);
		free(d->replay_slot[i]);
		d->replay_slot[i] = NULL;
		d->replay_n[i] = 0;
		xenback_evtchn_notify(q->ch);
		q->notifies++;
		blk_queue_event(q->ch, q);
	}
}

/*
 * Whether requests may do their I/O straight in the guest's persistently
 * mapped pages. Not with O_DIRECT, unless XENBACK_BLK_DIRECT_MAPPED=1:
 * direct I/O pins the pages until the disk is done with them, and those
 * pages are gntdev mappings, which in a PV dom0 must not be unmapped while
 * the kernel holds them. A daemon killed with such I/O in flight has them
 * unmapped by its exit (a process's memory goes before its files, and the
 * exit does not wait for io_uring's reads and writes): "BUG: Bad page map",
 * then a WARN when the I/O ends, with panic_on_warn the host down (xen
 * tier, dom0-37: one read held at the disk, xenbackd SIGKILLed). Buffered
 * and in-place I/O only copies, and keeps persistent grants; O_DIRECT goes
 * by the module's grant I/O where it can (blk_engine_grant_io.c: the
 * module maps the pages, not this process), else through bounce buffers
 * and batched grant copies.
 */
static bool mapped_io_ok(const struct blk_dev *d)
{
	const char *env = getenv("XENBACK_BLK_DIRECT_MAPPED");

	return !d->direct || (env && !strcmp(env, "1"));
}

int blk_connect(struct xenback_device *dev)
{
	struct blk_dev *d = xenback_device_priv(dev);
	unsigned long nq, order, persistent;
	unsigned int i;
	char *proto = NULL;
	int r;

	if (d->nqueues || d->uring_ok || d->efd >= 0)
		blk_disconnect(dev); /* what an earlier connect left */
	if (xenback_device_read_frontend(dev, "protocol", &proto) == 0) {
		bool native = !strcmp(proto, XEN_IO_PROTO_ABI_NATIVE);

		free(proto);
		if (!native)
			return xenback_device_fail(dev, -EPROTONOSUPPORT,
						   "frontend ABI is not " XEN_IO_PROTO_ABI_NATIVE);
	}
	if ((r = read_uint(dev, "multi-queue-num-queues", BLK_MAX_QUEUES, 1, &nq)) < 0 ||
	    (r = read_uint(dev, "ring-page-order", BLK_MAX_RING_ORDER, 0, &order)) < 0 ||
	    (r = read_uint(dev, "feature-persistent", 1, 0, &persistent)) < 0)
		return r;
	d->persistent = persistent == 1 && mapped_io_ok(d);
	if (nq == 0)
		return xenback_device_fail(dev, -EINVAL, "multi-queue-num-queues is 0");
	d->nqueues = (unsigned int)nq;
	for (i = 0; i < d->nqueues; i++) {
		d->q[i].d = d;
		d->q[i].idx = i;
	}
	r = blk_engine_init(d, blk_engine_event);
	if (r < 0)
		return xenback_device_fail(dev, r, "io_uring: %s", strerror(-r));
	r = blk_pool_attach(xenback_device_get_bus(dev));
	if (r < 0)
		return xenback_device_fail(dev, r, "bounce-buffer pool: %s", strerror(-r));
	d->pool_attached = true;
	/* The in-flight journal, before any queue: its header is checked
	 * against (or records) each queue's rings. */
	r = blk_journal_open(d, 1u << order);
	if (r < 0)
		return r;
	if (persistent == 1 && blk_blkif_wanted(d, true)) {
		r = queues_to_module(d, (unsigned int)order);
		if (r < 0)
			return r;
		if (r == 1) {
			d->persistent = false; /* the module maps the grants */
			return 0; /* a reattach too: the module resumes the rings */
		}
	}
	for (i = 0; i < d->nqueues; i++) {
		r = queue_connect(d, &d->q[i], (unsigned int)order);
		if (r < 0)
			return r; /* disconnect() undoes the rest */
	}
	/* O_DIRECT with persistent grants: the module's grant I/O if it is
	 * there; else bounce buffers and grant copies (mapped_io_ok()). */
	if (persistent == 1) {
		r = blk_grant_io_open(d, blk_grant_io_event);
		if (r < 0 && r != -EOPNOTSUPP)
			xenback_device_log(dev, XENBACK_LOG_WARNING,
					   "grant I/O: %s (grant copies instead)", strerror(-r));
		if (r == 0)
			d->persistent = false; /* no gntdev mapping of guest pages */
	}
	if (xenback_device_reattaching(dev))
		return reattach(d);
	return 0;
}

void blk_disconnect(struct xenback_device *dev)
{
	struct blk_dev *d = xenback_device_priv(dev);
	unsigned int i, j;

	blk_drain_cancel(d);
	for (i = 0; i < BLK_MAX_QUEUES; i++) {
		free(d->replay_slot[i]);
		d->replay_slot[i] = NULL;
		d->replay_n[i] = 0;
	}
	/* I/O in flight: cancelled, waited for (bounded); buffers the kernel
	 * may still write are leaked, not freed (blk_engine.c). */
	blk_engine_fini(d);
	blk_budget_forget(d);
	/* Requests taken and never answered (the rings go): their buffers
	 * back to the pool. */
	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];
		unsigned int size = q->slots ? RING_SIZE(&q->ring) : 0;

		for (j = 0; j < size; j++)
			blk_budget_bounce_put(d, &q->slots[j]);
	}
	if (d->pool_attached)
		blk_pool_detach(xenback_device_get_bus(dev));
	d->pool_attached = false;
	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];

		if (q->d) {
			blk_blkif_close(q);
			blk_persist_release(q);
		}
		if (q->ch)
			xenback_evtchn_unbind(q->ch);
		if (q->sring)
			xenback_device_unmap_grants(dev, q->sring);
		free(q->slots);
		memset(q, 0, sizeof(*q));
	}
	xenback_device_account(dev, XENBACK_USAGE_REQUESTS, -(int64_t)d->inflight);
	d->inflight = 0;
	/* Unmapped by the library after this; left as it is, it tells the
	 * next process what is unanswered. */
	d->journal = NULL;
	d->journal_kept = false;
	d->nqueues = 0;
	d->done = d->done_reads = NULL;
	d->parked = d->parked_tail = NULL;
}
