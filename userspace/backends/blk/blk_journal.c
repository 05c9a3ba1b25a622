/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-flight journal: what a process that dies (or is replaced) leaves
 * for the next one, so that every request the frontend queued is answered
 * exactly once (userspace/DESIGN-restart.md).
 *
 * It lives in the device's kept memory (xenback_device_keep(): a file of
 * the state directory mapped shared, whose pages outlive the process):
 * a header naming the rings it is about, then per queue the consumer index
 * and one record per request slot. A record is written when its slot takes
 * a request (blk_ring.c), marked answered with its response index before
 * the response is written (blk_respond.c) and cleared once the response is
 * published. Each step is a few stores; their order is what recovery
 * relies on: stores to one page reach the page in program order on x86,
 * so release stores (no reordering by the compiler) are enough, and no
 * fence or syscall is needed on the request path.
 *
 * Recovery (a reattach), with P the response index the frontend sees
 * (sring->rsp_prod):
 *   - a live record answered at rsp_idx < P was published: dropped;
 *   - every other live record is run again and answered anew;
 *   - req_cons = the journal's, or one past a live record taken just
 *     before the process stopped (its req_cons store not done);
 *   - rsp_prod_pvt = P;
 *   - consistent only if the requests to run again are exactly those
 *     consumed and not answered: req_cons - P of them.
 * Without a kept journal a ring is taken over only if idle (req_prod ==
 * rsp_prod: nothing can be in flight).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blk.h"

/* A store that the compiler keeps after every earlier one. */
#define JSTORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Nor may it move later stores (the ring's) before one. */
#define JORDER() __atomic_signal_fence(__ATOMIC_SEQ_CST)

static size_t queue_bytes(unsigned int nslots)
{
	return sizeof(struct blk_jqueue) + (size_t)nslots * sizeof(struct blk_jrec);
}

static unsigned int ring_slots(unsigned int ring_pages)
{
	return __CONST_RING_SIZE(blkif, (size_t)ring_pages * BLK_PAGE);
}

size_t blk_journal_size(unsigned int nq, unsigned int ring_pages)
{
	return sizeof(struct blk_journal) + nq * queue_bytes(ring_slots(ring_pages));
}

int blk_journal_open(struct blk_dev *d, unsigned int ring_pages)
{
	unsigned int nslots = ring_slots(ring_pages), i;
	size_t size = blk_journal_size(d->nqueues, ring_pages);
	struct blk_journal *j;
	bool kept = false;

	d->journal = NULL;
	d->journal_kept = false;
	j = xenback_device_keep(d->dev, size, &kept);
	if (!j) {
		if (errno != EOPNOTSUPP)
			xenback_device_log(d->dev, XENBACK_LOG_WARNING,
					   "no in-flight journal (%s): a restart would have to wait "
					   "for an idle ring", strerror(errno));
		return 0;
	}
	if (kept && (j->magic != BLK_JOURNAL_MAGIC || j->version != BLK_JOURNAL_VERSION ||
		     j->size != size || j->nqueues != d->nqueues || j->ring_pages != ring_pages))
		return xenback_device_fail(d->dev, -ESTALE,
					   "the in-flight journal the previous process kept is not "
					   "for %u queue(s) of %u ring page(s) (it says %u of %u, "
					   "magic %#x version %u)", d->nqueues, ring_pages,
					   j->nqueues, j->ring_pages, j->magic, j->version);
	if (!kept) {
		memset(j, 0, size);
		j->version = BLK_JOURNAL_VERSION;
		j->size = (uint32_t)size;
		j->nqueues = d->nqueues;
		j->ring_pages = ring_pages;
		JSTORE(&j->magic, BLK_JOURNAL_MAGIC);
	}
	d->journal = j;
	d->journal_kept = kept;
	for (i = 0; i < d->nqueues; i++) {
		struct blk_jqueue *jq = (struct blk_jqueue *)((char *)(j + 1) + i * queue_bytes(nslots));

		if (!kept)
			jq->nslots = nslots;
		else if (jq->nslots != nslots)
			return xenback_device_fail(d->dev, -ESTALE,
						   "queue %u: the kept journal has %u slots, the ring %u",
						   i, jq->nslots, nslots);
		d->q[i].jq = jq;
	}
	return 0;
}

int blk_journal_queue(struct blk_queue *q, const uint32_t *refs, unsigned int nrefs,
		      uint32_t port)
{
	struct blk_dev *d = q->d;
	struct blk_journal *j = d->journal;
	unsigned int i;

	if (!j)
		return 0;
	if (!d->journal_kept) {
		memcpy(j->refs[q->idx], refs, nrefs * sizeof(*refs));
		j->ports[q->idx] = port;
		return 0;
	}
	for (i = 0; i < nrefs; i++)
		if (j->refs[q->idx][i] != refs[i])
			return xenback_device_fail(d->dev, -ESTALE,
						   "queue %u: ring page %u is grant %u, the kept journal "
						   "is about grant %u", q->idx, i, refs[i],
						   j->refs[q->idx][i]);
	if (j->ports[q->idx] != port)
		return xenback_device_fail(d->dev, -ESTALE,
					   "queue %u: event channel %u, the kept journal is about %u",
					   q->idx, port, j->ports[q->idx]);
	return 0;
}

/* Replay order: the order the requests were taken (req_idx, all before
 * req_cons). */
static int by_req_idx(const void *a, const void *b, void *arg)
{
	const struct blk_jqueue *jq = arg;
	int32_t x = (int32_t)(jq->rec[*(const unsigned int *)a].req_idx - jq->req_cons);
	int32_t y = (int32_t)(jq->rec[*(const unsigned int *)b].req_idx - jq->req_cons);

	return (x > y) - (x < y);
}

int blk_journal_recover(struct blk_queue *q, unsigned int *slot, unsigned int *n)
{
	struct blk_dev *d = q->d;
	struct blk_jqueue *jq = q->jq;
	unsigned int size = RING_SIZE(&q->ring), i, nr = 0, ahead = 0;
	RING_IDX prod, rsp, cons;
	unsigned char seen[BLK_MAX_RING_SLOTS] = { 0 };

	*n = 0;
	rsp = q->ring.sring->rsp_prod;
	prod = q->ring.sring->req_prod;
	xen_rmb();
	if (size > BLK_MAX_RING_SLOTS)
		return -EINVAL;
	if (prod - rsp > size)
		return xenback_device_fail(d->dev, -EPROTO,
					   "queue %u: reattaching, req_prod %u runs %u ahead of rsp_prod %u "
					   "(ring of %u)", q->idx, prod, prod - rsp, rsp, size);
	if (jq && d->journal_kept && jq->module_served && !blk_journal_live(d)) {
		/* The module answered all it took before letting go. */
		q->ring.req_cons = q->ring.rsp_prod_pvt = rsp;
		JSTORE(&jq->req_cons, rsp);
		JSTORE(&jq->module_served, 0);
		return 0;
	}
	if (!jq || !d->journal_kept) {
		if (prod != rsp)
			return xenback_device_fail(d->dev, -ESTALE,
						   "queue %u: reattaching without the previous process's "
						   "in-flight journal, and %u request(s) have no response "
						   "yet: which were done cannot be known", q->idx, prod - rsp);
		q->ring.req_cons = q->ring.rsp_prod_pvt = rsp;
		if (jq)
			JSTORE(&jq->req_cons, rsp);
		return 0;
	}
	cons = jq->req_cons;
	for (i = 0; i < size; i++) {
		const struct blk_jrec *rec = &jq->rec[i];
		int32_t off;

		if (!rec->live)
			continue;
		if (rec->answered && (int32_t)(rsp - rec->rsp_idx) > 0)
			continue; /* published: done */
		off = (int32_t)(rec->req_idx - jq->req_cons);
		if (off > 0 || off < -(int32_t)size || seen[rec->req_idx % size]++)
			return xenback_device_fail(d->dev, -EPROTO,
						   "queue %u: journal record %u (request index %u) is "
						   "not within the %u before req_cons %u, or twice",
						   q->idx, i, rec->req_idx, size, jq->req_cons);
		if (off == 0) { /* taken just before the process stopped */
			ahead++;
			cons = jq->req_cons + 1;
		}
		slot[nr++] = i;
	}
	if (ahead > 1 || (int32_t)(prod - cons) < 0 || nr != cons - rsp)
		return xenback_device_fail(d->dev, -EPROTO,
					   "queue %u: the in-flight journal does not add up: %u request(s) "
					   "to run again, but req_cons %u - rsp_prod %u = %d (req_prod %u)",
					   q->idx, nr, cons, rsp, (int32_t)(cons - rsp), prod);
	/* Consistent: what was published goes, what runs again is unanswered. */
	for (i = 0; i < size; i++) {
		struct blk_jrec *rec = &jq->rec[i];

		if (rec->live && rec->answered && (int32_t)(rsp - rec->rsp_idx) > 0)
			JSTORE(&rec->live, 0);
		else if (rec->live)
			JSTORE(&rec->answered, 0);
	}
	JSTORE(&jq->req_cons, cons);
	q->ring.req_cons = cons;
	q->ring.rsp_prod_pvt = rsp;
	qsort_r(slot, nr, sizeof(*slot), by_req_idx, jq);
	*n = nr;
	q->replayed += nr;
	return 0;
}

void blk_journal_take(struct blk_queue *q, const struct blk_req *r, RING_IDX idx,
		      const union blk_ring_req *req)
{
	struct blk_jqueue *jq = q->jq;
	struct blk_jrec *rec;

	if (!jq)
		return;
	rec = &jq->rec[r - q->slots];
	memcpy(rec->raw, req->raw, sizeof(rec->raw));
	rec->req_idx = idx;
	rec->answered = 0;
	JSTORE(&rec->live, 1);
	JSTORE(&jq->req_cons, idx + 1);
	JORDER();
}

void blk_journal_answer(struct blk_queue *q, const struct blk_req *r, RING_IDX rsp_idx)
{
	struct blk_jrec *rec;

	if (!q->jq)
		return;
	rec = &q->jq->rec[r - q->slots];
	rec->rsp_idx = rsp_idx;
	JSTORE(&rec->answered, 1);
	JORDER(); /* before the response is written */
}

void blk_journal_clear(struct blk_queue *q, const struct blk_req *r)
{
	if (!q->jq)
		return;
	JORDER(); /* after the push */
	JSTORE(&q->jq->rec[r - q->slots].live, 0);
}

const unsigned char *blk_journal_request(const struct blk_queue *q, unsigned int i)
{
	return q->jq->rec[i].raw;
}

bool blk_journal_live(const struct blk_dev *d)
{
	unsigned int i, k;

	if (!d->journal || !d->journal_kept)
		return false;
	for (i = 0; i < d->nqueues; i++) {
		const struct blk_jqueue *jq = d->q[i].jq;

		for (k = 0; jq && k < jq->nslots; k++)
			if (jq->rec[k].live)
				return true;
	}
	return false;
}
