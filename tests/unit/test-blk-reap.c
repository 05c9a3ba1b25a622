/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* I/O the kernel completes within its submission (a ramdisk, a cached
 * file: here a tmpfs image on the io_uring path) is answered in the round
 * that submitted it: one bus round from the frontend's notification to its
 * responses, no second round through the engine's eventfd. With
 * XENBACK_BLK_REAP_INLINE=0 it takes two (the behaviour before). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

static void bail(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

/* Rounds of the bus until 8 reads of 4 KiB are answered (at most 10). */
static unsigned int rounds_for_reads(const char *reap_inline, unsigned int domid)
{
	char img[64] = "/tmp/xenback-reap-XXXXXX";
	struct xbt t;
	struct sfront f;
	unsigned int i, got = 0, rounds;
	int notify;

	setenv("XENBACK_BLK_REAP_INLINE", reap_inline, 1);
	setenv("XENBACK_BLK_INLINE", "0", 1); /* io_uring, not in place */
	if (!sfront_image(img, 1 << 20))
		bail("no image");
	sfront_bus(&t, XENBACK_LOG_ERR);
	if (sfront_attach(&f, &t, domid, 51712, img, "w", 1, 0) != XENBACK_STATE_CONNECTED)
		bail("the disk did not connect");
	xbt_settle(&t);
	for (i = 0; i < 8; i++)
		sfront_queue_rw(&f, 0, BLKIF_OP_READ, i * 8, 1, 8, i);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f.q[0].ring, notify);
	if (notify)
		xenback_sim_evtchn_notify(t.sim, domid, f.q[0].port);
	for (rounds = 0; got < 8 && rounds < 10; rounds++) {
		xenback_bus_run_once(t.bus, 10);
		while (RING_HAS_UNCONSUMED_RESPONSES(&f.q[0].ring)) {
			got++;
			f.q[0].ring.rsp_cons++;
		}
	}
	if (got != 8)
		tap_diag("only %u of 8 reads answered", got);
	sfront_detach(&f, "qdisk");
	sfront_release(&f);
	xbt_fini(&t);
	unlink(img);
	return got == 8 ? rounds : 99;
}

int main(void)
{
	unsigned int on = rounds_for_reads("1", 31), off = rounds_for_reads("0", 32);

	tap_eq(on, 1, "completions within the submission: answered in 1 bus round");
	tap_eq(off, 2, "XENBACK_BLK_REAP_INLINE=0: 2 rounds (through the engine's eventfd)");
	return tap_done();
}
