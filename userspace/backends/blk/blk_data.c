/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Data movement on the way in: a valid read or write either does its I/O
 * straight into the guest's persistently mapped pages (blk_persist.c) or
 * goes through the request's bounce buffer, whose write data is fetched
 * with one batched grant copy per round (blk_grant.c). Then the engine.
 * (Read data goes back to the guest at completion: blk_complete.c.)
 */
#include <errno.h>
#include <stdlib.h>

#include "blk.h"

static int buf_reserve(struct blk_req *r)
{
	size_t need = ((size_t)r->bytes + BLK_PAGE - 1) & ~(size_t)(BLK_PAGE - 1);
	void *p;

	if (need <= r->buf_cap)
		return 0;
	if (posix_memalign(&p, BLK_PAGE, need))
		return -ENOMEM;
	free(r->buf);
	r->buf = p;
	r->buf_cap = need;
	return 0;
}

void blk_data_route(struct blk_dev *d, struct blk_req *r, struct blk_req **writes)
{
	r->persistent = false;
	if (d->persistent) {
		int e = blk_persist_resolve(r->q, r);

		if (e == 0) {
			if (blk_engine_submit(d, r) < 0)
				blk_complete(d, r, BLKIF_RSP_ERROR);
			return;
		}
		if (e != -ENOSPC) {
			blk_complete(d, r, BLKIF_RSP_ERROR);
			return;
		}
	}
	if (buf_reserve(r) < 0) {
		blk_complete(d, r, BLKIF_RSP_ERROR);
		return;
	}
	r->q->copies++;
	if (r->io_op == BLKIF_OP_WRITE) {
		r->next = *writes;
		*writes = r;
	} else if (blk_engine_submit(d, r) < 0) {
		blk_complete(d, r, BLKIF_RSP_ERROR);
	}
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
