/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Persistent grants (feature-persistent): a frontend that offers it reuses
 * a pool of granted pages, so each page is mapped once and I/O goes
 * straight between the image and the guest's pages: no grant operation
 * and no copy per request once the pool is mapped. Bounded per queue
 * (BLK_MAX_PGRANTS), per device and daemon-wide (blk_budget.c): every
 * mapping is an mmap, and vm.max_map_count is one limit for the whole
 * process. When a bound is reached, the queue first unmaps a batch of its
 * least recently used grants (at most BLK_PGRANT_PURGE, at most once per
 * BLK_RING_ROUND_BUDGET requests it takes), so a guest whose working set
 * moved gets its fast path back; a grant that a request in flight may use
 * is never unmapped. Past a bound still, or when a mapping fails, the
 * request falls back to grant copy.
 *
 * In use: each request resolved here takes the next q->use_seq and stamps
 * every grant it uses with it (moving it to the end of the LRU list, which
 * stays ordered by stamp). A grant whose stamp is older than that of every
 * request in flight through mapped pages (and of the request being
 * resolved) was last used by a request since answered: it may go.
 */
#include <errno.h>
#include <stdlib.h>

#include "blk.h"

static void lru_del(struct blk_queue *q, struct blk_pgrant *p)
{
	if (p->lru_prev)
		p->lru_prev->lru_next = p->lru_next;
	else
		q->lru_head = p->lru_next;
	if (p->lru_next)
		p->lru_next->lru_prev = p->lru_prev;
	else
		q->lru_tail = p->lru_prev;
	p->lru_prev = p->lru_next = NULL;
}

/* p used by r now: stamped, to the end of the list. */
static void touch(struct blk_queue *q, struct blk_pgrant *p, const struct blk_req *r)
{
	p->used = r->use_seq;
	if (q->lru_tail == p)
		return;
	if (q->lru_head == p || p->lru_prev)
		lru_del(q, p);
	p->lru_prev = q->lru_tail;
	if (q->lru_tail)
		q->lru_tail->lru_next = p;
	else
		q->lru_head = p;
	q->lru_tail = p;
}

/* p leaves q: unmapped, or (leak) left mapped for good, forgotten. */
static void drop(struct blk_queue *q, struct blk_pgrant *p, bool leak)
{
	lru_del(q, p);
	HASH_DEL(q->pgrants, p);
	if (leak)
		xenback_device_leak_grants(q->d->dev, p->addr);
	else
		xenback_device_unmap_grants(q->d->dev, p->addr);
	free(p);
}

/* A cap is reached while r resolves: up to BLK_PGRANT_PURGE of q's least
 * recently used grants that no request in flight uses are unmapped, at most
 * once per BLK_RING_ROUND_BUDGET requests q takes. The number unmapped. */
static unsigned int purge(struct blk_queue *q, const struct blk_req *r)
{
	uint64_t oldest = r->use_seq;
	unsigned int i, size = RING_SIZE(&q->ring), n = 0;
	struct blk_pgrant *p;

	if (q->requests < q->purge_next)
		return 0;
	q->purge_next = q->requests + BLK_RING_ROUND_BUDGET;
	for (i = 0; i < size; i++)
		if (q->slots[i].persistent && q->slots[i].use_seq < oldest)
			oldest = q->slots[i].use_seq;
	while (n < BLK_PGRANT_PURGE && (p = q->lru_head) && p->used < oldest) {
		drop(q, p, false);
		n++;
	}
	if (n) {
		blk_budget_pgrant_put(q->d, n);
		q->npgrants -= n;
		q->pgrant_purged += n;
	}
	return n;
}

/* Room for one more mapping on q within every cap (counted if so), after a
 * purge if need be. */
static bool room(struct blk_queue *q, const struct blk_req *r)
{
	if (q->npgrants < BLK_MAX_PGRANTS && blk_budget_pgrant_get(q->d))
		return true;
	return purge(q, r) && q->npgrants < BLK_MAX_PGRANTS && blk_budget_pgrant_get(q->d);
}

static struct blk_pgrant *lookup(struct blk_queue *q, const struct blk_req *req, uint32_t gref,
				 int *err)
{
	struct blk_pgrant *p;
	int r;

	HASH_FIND(hh, q->pgrants, &gref, sizeof(gref), p);
	if (p) {
		q->pgrant_hits++;
		touch(q, p, req);
		return p;
	}
	if (!room(q, req)) {
		*err = -ENOSPC;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	r = p ? xenback_device_map_grants(q->d->dev, &gref, 1, true, &p->addr) : -ENOMEM;
	if (r < 0) {
		blk_budget_pgrant_put(q->d, 1);
		free(p);
		*err = r;
		return NULL;
	}
	p->gref = gref;
	HASH_ADD(hh, q->pgrants, gref, sizeof(p->gref), p);
	touch(q, p, req);
	q->npgrants++;
	q->pgrant_maps++;
	return p;
}

int blk_persist_resolve(struct blk_queue *q, struct blk_req *r)
{
	unsigned int i;
	int err = 0;

	if (!blk_segs_aligned(q->d->lbs, r->seg, r->nseg))
		return -EINVAL;
	r->use_seq = ++q->use_seq;
	for (i = 0; i < r->nseg; i++) {
		struct blk_pgrant *p = lookup(q, r, r->seg[i].gref, &err);

		if (!p)
			return err;
		r->iov[i].iov_base = (char *)p->addr + blk_seg_offset(&r->seg[i]);
		r->iov[i].iov_len = blk_seg_len(&r->seg[i]);
	}
	r->persistent = true;
	return 0;
}

void blk_persist_release(struct blk_queue *q)
{
	struct blk_pgrant *p, *tmp;
	unsigned int kept = 0;

	/* A page a request the kernel still holds may use stays mapped:
	 * unmapping a gntdev page the kernel holds corrupts the page (in a PV
	 * dom0, "Bad page map", then a WARN when the I/O ends). It goes with
	 * the process, whose exit does not wait for that I/O either, hence
	 * XENBACK_BLK_DIRECT_MAPPED's warning (blk_connect.c). */
	HASH_ITER(hh, q->pgrants, p, tmp) {
		bool keep = q->keep && p->used >= q->keep_from;

		drop(q, p, keep);
		kept += keep;
	}
	if (kept)
		xenback_device_log(q->d->dev, XENBACK_LOG_ERR,
				   "queue %u: left %u persistently mapped guest page(s) mapped for "
				   "good: requests the kernel still holds may use them", q->idx, kept);
	blk_budget_pgrant_put(q->d, q->npgrants);
	q->npgrants = 0;
	q->keep = false;
}
