/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incoming events, the top of the request path. Each runs one round down
 * the pipeline (blk.h lists the stages):
 *   the queue's event channel: requests taken from the ring, their I/O
 *     queued and submitted; what finished in the round (also I/O the
 *     kernel completed within the submission) is answered;
 *   the engine's eventfd: io_uring completions reaped and answered; also
 *     raised as a kick, for another round (below);
 *   the grant I/O file: the module's completions read and answered.
 * A queue stops taking requests when it runs out of slots or its device
 * reaches its request budget (q->stalled), when its device waits for
 * bounce memory (q->throttled), or when it took its per-round budget
 * (q->budgeted). It is resumed from here, as if its event channel had
 * fired: a stalled queue once a round answered requests, a throttled one
 * once its device's parked requests went on (memory freed by its own
 * answers, or by another device, which kicks it), a budgeted one in the
 * next round, from the kick it raised: one busy ring cannot hold the one
 * thread for long. The later stages never call back up.
 */
#include "blk.h"

static void resume(struct blk_dev *d, unsigned int answered, bool next_round);

/* What a round finished: answered (the response stage notifies the
 * frontends that asked), parked requests sent on if the memory they wait
 * for is there now, then queues resumed. */
static void round_end(struct blk_dev *d, bool next_round)
{
	unsigned int answered = blk_complete_round(d);

	if (d->parked && blk_data_resume(d)) {
		blk_engine_flush_reap(d);
		answered |= blk_complete_round(d);
	}
	resume(d, answered, next_round);
}

bool blk_queue_event(struct xenback_evtchn *ch, void *arg)
{
	struct blk_queue *q = arg;
	struct blk_dev *d = q->d;
	bool work = false;

	(void)ch;
	if (d->drain)
		return true; /* a reattach waits: the ring is read after (not spurious) */
	if (blk_ring_consume(q, &work) < 0) {
		/* The device has failed: what the round took is answered (with
		 * errors for what it had not sent on), nothing resumed. */
		blk_engine_flush(d);
		blk_complete_round(d);
		return work;
	}
	blk_engine_flush_reap(d);
	round_end(d, false);
	return work;
}

void blk_engine_event(int fd, uint32_t events, void *arg)
{
	struct blk_dev *d = arg;

	(void)events;
	if (blk_engine_reap(d, fd) < 0)
		return;
	round_end(d, true);
}

void blk_grant_io_event(int fd, uint32_t events, void *arg)
{
	struct blk_dev *d = arg;

	(void)fd;
	(void)events;
	if (blk_grant_io_reap(d) < 0)
		return;
	round_end(d, false);
}

/* answered: the queues that got responses (blk_respond()); next_round:
 * called from the engine's eventfd (where budgeted queues go on). */
static void resume(struct blk_dev *d, unsigned int answered, bool next_round)
{
	unsigned int i;

	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];
		bool go = (q->stalled && answered) || (q->throttled && !d->parked) ||
			  (q->budgeted && next_round);

		if (go && q->ch)
			blk_queue_event(q->ch, q);
	}
}
