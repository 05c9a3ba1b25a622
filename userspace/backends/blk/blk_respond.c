/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Responses, the end of the path: every completed request answered on its
 * queue's ring and its slot freed; each queue's responses pushed once and
 * its frontend notified only if it asked (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
 * The slot's bounce buffer goes back to the budget (blk_budget.c).
 */
#include "blk.h"

unsigned int blk_respond(struct blk_dev *d)
{
	unsigned int answered = 0, n = 0, i;
	struct blk_req *r, *next;

	for (r = d->done, d->done = NULL; r; r = next) {
		struct blk_queue *q = r->q;
		blkif_response_t *rsp = RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt);

		next = r->next;
		rsp->id = r->id;
		rsp->operation = r->op;
		rsp->status = r->status;
		q->ring.rsp_prod_pvt++;
		q->responses++;
		blk_budget_bounce_put(d, r);
		r->persistent = false; /* done with the guest's mapped pages */
		r->next = q->free;
		q->free = r;
		q->inflight--;
		d->inflight--;
		n++;
		answered |= 1u << q->idx;
	}
	xenback_device_account(d->dev, XENBACK_USAGE_REQUESTS, -(int64_t)n);
	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];
		int notify;

		if (!(answered & 1u << i))
			continue;
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
		if (notify) {
			xenback_evtchn_notify(q->ch);
			q->notifies++;
		}
	}
	return answered;
}
