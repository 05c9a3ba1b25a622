/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Completion: what the engine reports for each request becomes its status;
 * data read into a bounce buffer goes back to the guest with one batched
 * grant copy per round (blk_grant.c); then every completed request is
 * answered (blk_respond.c). Requests the earlier stages refuse arrive here
 * with their error status.
 */
#include <errno.h>

#include "blk.h"

void blk_complete(struct blk_dev *d, struct blk_req *r, int16_t status)
{
	r->status = status;
	r->next = d->done;
	d->done = r;
}

void blk_complete_io(struct blk_dev *d, struct blk_req *r, long res)
{
	bool ok;

	switch (r->io_op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		ok = res == (long)r->bytes;
		break;
	default:
		ok = res == 0;
	}
	if (ok && r->io_op == BLKIF_OP_READ && !r->persistent && !r->gio) {
		r->next = d->done_reads;
		d->done_reads = r;
		return;
	}
	/* No discard on this storage: EOPNOTSUPP, so blkfront stops sending
	 * discards (it turns them off on that answer, not on an error). */
	if (r->io_op == BLKIF_OP_DISCARD && res == -EOPNOTSUPP) {
		blk_complete(d, r, BLKIF_RSP_EOPNOTSUPP);
		return;
	}
	blk_complete(d, r, ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR);
}

/* The round's reads through a bounce buffer: their data to the guest. */
static void copy_reads(struct blk_dev *d)
{
	struct blk_req *r, *next;

	blk_grant_copy(d, d->done_reads, true); /* a failed copy leaves BLKIF_RSP_ERROR */
	for (r = d->done_reads, d->done_reads = NULL; r; r = next) {
		next = r->next;
		r->next = d->done;
		d->done = r;
	}
}

unsigned int blk_complete_round(struct blk_dev *d)
{
	if (d->done_reads)
		copy_reads(d);
	return d->done ? blk_respond(d) : 0;
}
