/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incoming events, the top of the request path. Each runs one round down
 * the pipeline (blk.h lists the stages):
 *   the queue's event channel: requests taken from the ring, their I/O
 *     queued and submitted; what finished in the round is answered;
 *   the engine's eventfd: io_uring completions reaped and answered.
 * A queue that ran out of slots stopped taking requests (q->stalled); once
 * a round's responses free some of its slots, it is resumed from here, as
 * if its event channel had fired: the response stage never calls back up.
 */
#include "blk.h"

static void resume(struct blk_dev *d, unsigned int answered);

/* What a round finished: answered (the response stage notifies the
 * frontends that asked), then stalled queues with free slots resumed. */
static void round_end(struct blk_dev *d)
{
	resume(d, blk_complete_round(d));
}

bool blk_queue_event(struct xenback_evtchn *ch, void *arg)
{
	struct blk_queue *q = arg;
	struct blk_dev *d = q->d;
	bool work = false;

	(void)ch;
	if (blk_ring_consume(q, &work) < 0)
		return work; /* the device has failed */
	blk_engine_flush(d);
	round_end(d);
	return work;
}

void blk_engine_event(int fd, uint32_t events, void *arg)
{
	struct blk_dev *d = arg;

	(void)events;
	if (blk_engine_reap(d, fd) < 0)
		return;
	round_end(d);
}

/* answered: the queues that got responses (blk_respond()). */
static void resume(struct blk_dev *d, unsigned int answered)
{
	unsigned int i;

	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];

		if ((answered & 1u << i) && q->stalled) {
			q->stalled = false;
			blk_queue_event(q->ch, q);
		}
	}
}
