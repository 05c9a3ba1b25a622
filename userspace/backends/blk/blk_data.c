/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Data movement on the way in: a valid read or write either goes to the
 * module's grant I/O (blk_engine_grant_io.c: no data moves here), does its
 * I/O straight into the guest's persistently mapped pages (blk_persist.c) or
 * goes through a bounce buffer (blk_budget.c), whose write data is
 * fetched with one batched grant copy per round (blk_grant.c). Then the
 * engine. (Read data goes back to the guest at completion: blk_complete.c.)
 *
 * Any failure to map persistently (a cap reached, or the mapping itself
 * failed) falls back to grant copy for that request: a bad grant then
 * fails in the copy, as it would without persistent grants. A request
 * whose bounce buffer would pass a budget is parked, in order, and the
 * device throttled: its queues stop taking requests (blk_ring.c) until
 * blk_data_resume(), run at the end of a round, has sent every parked
 * request on.
 */
#include <errno.h>
#include <stdlib.h>

#include "blk.h"

static void park(struct blk_dev *d, struct blk_req *r)
{
	if (!d->parked)
		xenback_device_account(d->dev, XENBACK_USAGE_THROTTLED, 1);
	r->next = NULL;
	if (d->parked_tail)
		d->parked_tail->next = r;
	else
		d->parked = r;
	d->parked_tail = r;
}

/* r has its bounce buffer: writes onto *writes (data fetched first), reads
 * to the engine. */
static void bounce_on(struct blk_dev *d, struct blk_req *r, struct blk_req **writes)
{
	r->q->copies++;
	if (r->io_op == BLKIF_OP_WRITE) {
		r->next = *writes;
		*writes = r;
	} else if (blk_engine_submit(d, r) < 0) {
		blk_complete(d, r, BLKIF_RSP_ERROR);
	}
}

void blk_data_route(struct blk_dev *d, struct blk_req *r, struct blk_req **writes)
{
	int e;

	r->persistent = false;
	r->gio = false;
	if (blk_grant_io_takes(d, r)) {
		if (blk_engine_submit(d, r) < 0)
			blk_complete(d, r, BLKIF_RSP_ERROR);
		return;
	}
	if (d->persistent && blk_persist_resolve(r->q, r) == 0) {
		if (blk_engine_submit(d, r) < 0)
			blk_complete(d, r, BLKIF_RSP_ERROR);
		return;
	}
	r->persistent = false;
	e = d->parked ? -EAGAIN : blk_budget_bounce_get(d, r); /* keep the order */
	if (e == -EAGAIN)
		park(d, r);
	else if (e < 0)
		blk_complete(d, r, BLKIF_RSP_ERROR);
	else
		bounce_on(d, r, writes);
}

bool blk_data_resume(struct blk_dev *d)
{
	struct blk_req *writes = NULL, *r;
	bool any = false;
	int e;

	while ((r = d->parked)) {
		e = blk_budget_bounce_get(d, r);
		if (e == -EAGAIN)
			break;
		d->parked = r->next;
		if (!d->parked)
			d->parked_tail = NULL;
		r->next = NULL;
		any = true;
		if (e < 0)
			blk_complete(d, r, BLKIF_RSP_ERROR);
		else
			bounce_on(d, r, &writes);
	}
	if (writes)
		blk_data_writes(d, writes);
	return any;
}

void blk_data_writes(struct blk_dev *d, struct blk_req *writes)
{
	struct blk_req *r, *next;

	blk_grant_copy(d, writes, false); /* a failed copy leaves BLKIF_RSP_ERROR */
	for (r = writes; r; r = next) {
		next = r->next;
		r->next = NULL;
		if (r->status != BLKIF_RSP_OKAY)
			blk_complete(d, r, r->status);
		else if (blk_engine_submit(d, r) < 0)
			blk_complete(d, r, BLKIF_RSP_ERROR);
	}
}
