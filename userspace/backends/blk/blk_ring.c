/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The request ring, the path's first stage: every new request copied out of
 * the shared ring as bytes (no double fetch) and validated; indirect
 * descriptor pages fetched with one grant copy. A valid read/write goes on
 * to the data stage, a flush or discard to the engine, anything else
 * straight to completion with its error status. */
#include <errno.h>
#include <string.h>

#include "blk.h"

/* A free slot, unless q has none or the device is at its request budget. */
static struct blk_req *slot_get(struct blk_queue *q)
{
	struct blk_req *r = q->free;

	if (r && blk_budget_request_ok(q->d)) {
		q->free = r->next;
		r->next = NULL;
		q->inflight++;
		q->d->inflight++;
		return r;
	}
	return NULL;
}

/* Segments -> byte count; 0 if any segment is malformed. */
static uint32_t seg_bytes(const struct blk_req *r)
{
	uint32_t bytes = 0;
	unsigned int i;

	for (i = 0; i < r->nseg; i++) {
		if (r->seg[i].first_sect > r->seg[i].last_sect ||
		    r->seg[i].last_sect >= BLK_PAGE / BLK_SECTOR)
			return 0;
		bytes += blk_seg_len(&r->seg[i]);
	}
	return bytes;
}

/* sector_number is in 512-byte units whatever the device's logical block
 * size (as Linux blkfront and blkback use it); an I/O the device cannot do
 * (O_DIRECT on a 4096-byte-sector disk) is refused here rather than tried. */
static bool aligned(const struct blk_dev *d, uint64_t sector, uint64_t bytes)
{
	uint64_t mask = d->lbs - 1;

	return !((sector * BLK_SECTOR) & mask) && !(bytes & mask);
}

/* Read/write whose segments are in r->seg: segment, range and alignment
 * checks. */
static bool rw_ok(struct blk_dev *d, struct blk_req *r)
{
	r->bytes = seg_bytes(r);
	if (!r->nseg || !r->bytes)
		return false;
	return r->sector <= d->sectors && r->bytes / BLK_SECTOR <= d->sectors - r->sector &&
	       aligned(d, r->sector, r->bytes);
}

enum take { TAKE_DONE, TAKE_SUBMIT, TAKE_RW, TAKE_INDIRECT };

/* Parse one request already copied out of the ring. */
static enum take take(struct blk_dev *d, struct blk_req *r, const union blk_ring_req *u)
{
	const blkif_request_t *req = &u->rw;
	const blkif_request_discard_t *disc = &u->disc;
	const blkif_request_indirect_t *ind = &u->ind;

	r->id = req->id;
	r->op = req->operation;
	r->status = BLKIF_RSP_OKAY;
	r->why = NULL;
	r->preflush = false;
	switch (req->operation) {
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!req->nr_segments) {
			r->io_op = BLKIF_OP_FLUSH_DISKCACHE;
			r->nseg = 0;
			return TAKE_SUBMIT;
		}
		/* With data (blkfront's REQ_PREFLUSH/REQ_FUA writes): flush,
		 * then write the data, as blkback does. */
		r->preflush = true;
		/* fall through */
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		r->why = "more than 11 segments";
		if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			break;
		r->io_op = r->preflush ? BLKIF_OP_WRITE : req->operation;
		r->nseg = req->nr_segments;
		r->sector = req->sector_number;
		memcpy(r->seg, req->seg, r->nseg * sizeof(r->seg[0]));
		r->why = "a write to a read-only disk";
		if (r->io_op == BLKIF_OP_WRITE && d->readonly)
			break;
		r->why = "bad segments, sectors past the end or not sector-aligned";
		if (!rw_ok(d, r))
			break;
		r->why = NULL;
		return TAKE_RW;
	case BLKIF_OP_INDIRECT:
		/* Responses carry the indirect op (blkfront checks it). */
		r->op = ind->indirect_op;
		r->io_op = ind->indirect_op;
		r->nseg = ind->nr_segments;
		r->sector = ind->sector_number;
		/* We advertise BLK_MAX_INDIRECT_SEGS: one descriptor page. */
		r->why = "indirect request with a bad operation, segment count or on a read-only disk";
		if ((r->io_op != BLKIF_OP_READ && r->io_op != BLKIF_OP_WRITE) || !r->nseg ||
		    r->nseg > BLK_MAX_INDIRECT_SEGS || (r->io_op == BLKIF_OP_WRITE && d->readonly))
			break;
		r->seg[0].gref = ind->indirect_grefs[0]; /* descriptor page, fetched next */
		r->why = NULL;
		return TAKE_INDIRECT;
	case BLKIF_OP_DISCARD:
		r->io_op = BLKIF_OP_DISCARD;
		r->nseg = 0;
		r->sector = disc->sector_number;
		r->nr_sectors = disc->nr_sectors;
		r->why = "discard not offered, past the end or not aligned";
		if (!d->can_discard || r->sector > d->sectors ||
		    r->nr_sectors > d->sectors - r->sector ||
		    r->nr_sectors > UINT64_MAX / BLK_SECTOR ||
		    !aligned(d, r->sector, r->nr_sectors * BLK_SECTOR))
			break;
		r->why = NULL;
		return TAKE_SUBMIT;
	default:
		r->why = "unknown operation";
		r->status = BLKIF_RSP_EOPNOTSUPP;
		return TAKE_DONE;
	}
	r->status = BLKIF_RSP_ERROR;
	return TAKE_DONE;
}

/* Fetch indirect descriptor pages (one grant copy for all), then validate. */
static void fetch_indirect(struct blk_dev *d, struct blk_req *list, struct blk_req **writes)
{
	struct xenback_grant_copy segs[64];
	struct blk_req *r, *next, *batch[64];
	unsigned int n = 0, i;
	int ret;

	for (r = list; r; r = next) {
		next = r->next;
		batch[n] = r;
		segs[n] = (struct xenback_grant_copy){
			.to_guest = false, .ref = r->seg[0].gref, .offset = 0,
			.len = (uint16_t)(r->nseg * sizeof(r->seg[0])), .buf = r->seg,
		};
		if (++n < 64 && next)
			continue;
		/* Failed as a whole: no status written, no descriptor read. */
		ret = xenback_device_grant_copy(d->dev, segs, n);
		for (i = 0; i < n; i++) {
			struct blk_req *b = batch[i];

			b->next = NULL;
			if (ret < 0 || segs[i].status || !rw_ok(d, b)) {
				b->why = ret < 0 || segs[i].status ?
					 "its indirect descriptor page could not be copied (bad grant)" :
					 "bad indirect segments, sectors past the end or not aligned";
				blk_complete(d, b, BLKIF_RSP_ERROR);
			}
			else
				blk_data_route(d, b, writes);
		}
		n = 0;
	}
}

/* Requests the round took but had not sent on when the frontend broke the
 * ring protocol: answered with an error, so none stays counted in flight
 * or holds its slot. */
static void abandon(struct blk_dev *d, struct blk_req *list)
{
	struct blk_req *r, *next;

	for (r = list; r; r = next) {
		next = r->next;
		r->next = NULL;
		r->why = "the frontend broke the ring protocol";
		blk_complete(d, r, BLKIF_RSP_ERROR);
	}
}

/* r holds the request copied in *req: parsed, validated and sent on (the
 * round's writes and indirect requests onto their lists). */
static void dispatch(struct blk_dev *d, struct blk_req *r, const union blk_ring_req *req,
		     struct blk_req **writes, struct blk_req **indirect)
{
	switch (take(d, r, req)) {
	case TAKE_DONE:
		blk_complete(d, r, r->status);
		break;
	case TAKE_SUBMIT:
		if (blk_engine_submit(d, r) < 0)
			blk_complete(d, r, BLKIF_RSP_ERROR);
		break;
	case TAKE_RW:
		blk_data_route(d, r, writes);
		break;
	case TAKE_INDIRECT:
		r->next = *indirect;
		*indirect = r;
		break;
	}
}

/* The round's lists on: indirect descriptors fetched, write data fetched. */
static void round_lists(struct blk_dev *d, struct blk_req *indirect, struct blk_req *writes)
{
	if (indirect)
		fetch_indirect(d, indirect, &writes);
	if (writes)
		blk_data_writes(d, writes);
}

void blk_ring_replay(struct blk_queue *q, const unsigned int *slot, unsigned int n)
{
	struct blk_dev *d = q->d;
	struct blk_req *writes = NULL, *indirect = NULL, **link = &q->free, *r;
	bool taken[BLK_MAX_RING_SLOTS] = { false };
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		taken[slot[i]] = true;
	/* The free list without the replayed slots. */
	for (r = q->free; r; r = r->next)
		if (!taken[r - q->slots]) {
			*link = r;
			link = &r->next;
		}
	*link = NULL;
	for (i = 0; i < n; i++) {
		union blk_ring_req req;

		r = &q->slots[slot[i]];
		r->next = NULL;
		q->inflight++;
		d->inflight++;
		q->requests++;
		memcpy(req.raw, blk_journal_request(q, slot[i]), sizeof(req.raw));
		dispatch(d, r, &req, &writes, &indirect);
	}
	xenback_device_account(d->dev, XENBACK_USAGE_REQUESTS, n);
	round_lists(d, indirect, writes);
}

int blk_ring_consume(struct blk_queue *q, bool *work)
{
	struct blk_dev *d = q->d;
	struct blk_req *writes = NULL, *indirect = NULL, *r;
	unsigned int taken = 0;
	int more, ret = 0;

	q->stalled = q->throttled = q->budgeted = false; /* this call says anew */
	for (;;) {
		RING_IDX rc = q->ring.req_cons, rp = q->ring.sring->req_prod;

		xen_rmb(); /* see requests up to rp */
		if (RING_REQUEST_PROD_OVERFLOW(&q->ring, rp)) {
			xenback_device_fail(d->dev, -EPROTO,
					    "queue %u: frontend req_prod %u runs %u ahead of responses (ring of %u)",
					    q->idx, rp, rp - q->ring.rsp_prod_pvt, RING_SIZE(&q->ring));
			abandon(d, indirect);
			abandon(d, writes);
			indirect = writes = NULL;
			ret = -EPROTO;
			break;
		}
		while (rc != rp) {
			union blk_ring_req req;

			if (d->parked) { /* the device waits for memory */
				q->throttled = true;
				break;
			}
			if (taken == BLK_RING_ROUND_BUDGET) { /* the rest next round */
				q->budgeted = true;
				break;
			}
			r = RING_REQUEST_CONS_OVERFLOW(&q->ring, rc) ? NULL : slot_get(q);
			if (!r) {
				q->stalled = true;
				break;
			}
			/* One copy of every byte; the compiler may not read the
			 * shared slot again (no double fetch). */
			memcpy(req.raw, RING_GET_REQUEST(&q->ring, rc), sizeof(req.raw));
			__asm__ __volatile__("" ::: "memory");
			/* In the journal before anything is done with it. */
			blk_journal_take(q, r, rc, &req);
			q->ring.req_cons = ++rc;
			q->requests++;
			taken++;
			*work = true;
			dispatch(d, r, &req, &writes, &indirect);
		}
		if (q->stalled || q->throttled || q->budgeted)
			break;
		RING_FINAL_CHECK_FOR_REQUESTS(&q->ring, more);
		if (!more)
			break;
	}
	xenback_device_account(d->dev, XENBACK_USAGE_REQUESTS, taken);
	round_lists(d, indirect, writes);
	if (q->budgeted)
		blk_engine_kick(d);
	return ret;
}
