/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Responses, the end of the path: every completed request answered on its
 * queue's ring and its slot freed; each queue's responses pushed once and
 * its frontend notified only if it asked (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
 * The slot's bounce buffer goes back to the budget (blk_budget.c).
 * The in-flight journal (blk_journal.c) follows each step: a request is
 * marked answered before its response is written and forgotten only once
 * the response is published.
 * A request answered with an error is logged with its reason, at most one
 * line a second per disk (the rest counted in the next line), so a guest
 * sending garbage leaves a trace without flooding the log.
 */
#include "blk.h"

static void refused(struct blk_dev *d, const struct blk_req *r)
{
	uint64_t now = blk_now_ns();
	const char *why = r->why ? r->why :
			  r->status == BLKIF_RSP_EOPNOTSUPP ? "not supported by the storage" :
			  "its I/O on the image failed or could not be issued";

	d->refused++;
	if (d->refused_log_ns && now - d->refused_log_ns < 1000000000u) {
		d->refused_quiet++;
		return;
	}
	xenback_device_log(d->dev, XENBACK_LOG_WARNING,
			   "queue %u: request %llu (op %u, sector %llu) answered %s: %s "
			   "(%llu refused in all, %llu not logged since the last line)",
			   r->q->idx, (unsigned long long)r->id, r->op,
			   (unsigned long long)r->sector,
			   r->status == BLKIF_RSP_EOPNOTSUPP ? "EOPNOTSUPP" : "ERROR", why,
			   (unsigned long long)d->refused, (unsigned long long)d->refused_quiet);
	d->refused_quiet = 0;
	d->refused_log_ns = now;
}

enum blk_crash blk_test_crash;
unsigned int blk_test_crashes;

unsigned int blk_respond(struct blk_dev *d)
{
	unsigned int answered = 0, n = 0, i;
	struct blk_req *list = d->done, *r, *next;

	/* Each response written, its journal record marked answered first.
	 * No slot is freed before the push: a record cleared, or a slot
	 * reused, before its response is published would let a crash lose
	 * it. */
	d->done = NULL;
	for (r = list; r; r = r->next) {
		struct blk_queue *q = r->q;
		blkif_response_t *rsp = RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt);

		blk_journal_answer(q, r, q->ring.rsp_prod_pvt);
		if (blk_test_crash != BLK_CRASH_AFTER_MARK) {
			rsp->id = r->id;
			rsp->operation = r->op;
			rsp->status = r->status;
		}
		if (r->status != BLKIF_RSP_OKAY)
			refused(d, r);
		q->ring.rsp_prod_pvt++;
		q->responses++;
		n++;
		answered |= 1u << q->idx;
	}
	if (blk_test_crash == BLK_CRASH_AFTER_MARK || blk_test_crash == BLK_CRASH_BEFORE_PUSH) {
		blk_test_crashes++;
		return 0; /* the slots stay taken: the process "died" here */
	}
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
	if (blk_test_crash == BLK_CRASH_BEFORE_CLEAR) {
		blk_test_crashes++;
		return 0;
	}
	/* Published: the records go, the slots are free again. */
	for (r = list; r; r = next) {
		struct blk_queue *q = r->q;

		next = r->next;
		blk_journal_clear(q, r);
		blk_budget_bounce_put(d, r);
		r->persistent = false; /* done with the guest's mapped pages */
		r->next = q->free;
		q->free = r;
		q->inflight--;
		d->inflight--;
	}
	xenback_device_account(d->dev, XENBACK_USAGE_REQUESTS, -(int64_t)n);
	return answered;
}
