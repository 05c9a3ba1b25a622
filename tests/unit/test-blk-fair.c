/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fairness of the one thread per ring (issue 10): a queue takes at most
 * BLK_RING_ROUND_BUDGET requests from its ring per call and goes on in a
 * later one (it raises its engine's eventfd); a disk whose 512-slot ring
 * is full cannot hold the thread while another disk's request waits.
 * Counted in rounds of the bus (a round runs each ready source once: the
 * event channels, then the other fds, where a kick raised earlier in the
 * same round may already show: at most two calls of a queue per round),
 * on an image served in place (XENBACK_BLK_INLINE=1: answered in the
 * round that takes them, whatever the kernel's O_DIRECT on tmpfs). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static unsigned int answered(struct sfront *f)
{
	return f->q[0].ring.sring->rsp_prod;
}

int main(void)
{
	char img[64] = "/dev/shm/xenback-fair-XXXXXX";
	struct sfront a, b;
	unsigned int i, rounds, max_step = 0, prev = 0;
	struct xbt t;
	int fds0;

	if (!sfront_image(img, 1 << 20))
		return printf("Bail out! no image in /dev/shm\n"), 1;
	setenv("XENBACK_BLK_INLINE", "1", 1);
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	tap_eq(sfront_attach(&a, &t, 101, 51712, img, "w", 1, 4), XENBACK_STATE_CONNECTED,
	       "disk A: a 512-slot ring");
	tap_eq(sfront_attach(&b, &t, 102, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "disk B");
	fds0 = fd_count();
	for (i = 0; i < 512; i++)
		sfront_queue_rw(&a, 0, BLKIF_OP_READ, 0, 1, 8, i);
	sfront_queue_rw(&b, 0, BLKIF_OP_READ, 0, 1, 8, 1);
	sfront_push(&a, 0);
	sfront_push(&b, 0);
	for (rounds = 0; !answered(&b) && rounds < 100; rounds++)
		xenback_bus_run_once(t.bus, 100);
	tap_eq(answered(&b), 1, "disk B's request answered");
	tap_ok(answered(&a) <= 2 * BLK_RING_ROUND_BUDGET,
	       "... while disk A had had at most two budgets answered (%u of 512)", answered(&a));
	for (rounds = 0; answered(&a) < 512 && rounds < 1000; rounds++) {
		prev = answered(&a);
		xenback_bus_run_once(t.bus, 100);
		if (answered(&a) - prev > max_step)
			max_step = answered(&a) - prev;
	}
	tap_eq(answered(&a), 512,
	       "disk A's 512 requests all answered, round after round, with no new event");
	tap_ok(max_step <= 2 * BLK_RING_ROUND_BUDGET,
	       "no round took more than two budgets (2 x %u) of them (%u)", BLK_RING_ROUND_BUDGET,
	       max_step);
	tap_eq(fd_count(), fds0, "no fd gained or lost");
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
