/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bounce-buffer pool (blk_pool.c): a steady stream of 1 MiB requests
 * through bounce buffers reuses pooled buffers instead of allocating
 * (mmap) and freeing (munmap) one per request; the pool's idle buffers are
 * counted in the daemon-wide bounce budget (a lower budget holds, idle
 * buffers included) and are not any device's (a device accounts the
 * buffers of its requests in flight); after the burst the pool trims
 * itself back to nothing, from its own timer, with no further I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

/* n requests of op, nseg pages each, queued and answered on queue 0. */
static unsigned int batch(struct sfront *f, uint8_t op, unsigned int n, unsigned int nseg,
			  unsigned int *okay)
{
	int16_t st[16];
	unsigned int i, got;

	for (i = 0; i < n; i++)
		sfront_queue_indirect(f, 0, op, (uint64_t)i * nseg * 8, nseg, i);
	got = sfront_run(f, 0, n, st, NULL);
	for (i = 0; i < got && i < n; i++)
		*okay += st[i] == BLKIF_RSP_OKAY;
	return got;
}

static uint64_t dev_mem(struct xbt *t)
{
	return xenback_bus_usage(t->bus, XENBACK_USAGE_MEM);
}

static void test_steady(struct xbt *t, const char *img)
{
	struct blk_pool_stats s0, s1;
	struct sfront f;
	unsigned int i, got = 0, okay = 0;

	tap_eq(sfront_attach(&f, t, 71, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "disk without persistent grants Connected");
	batch(&f, BLKIF_OP_READ, 4, 256, &okay); /* warm up */
	okay = 0;
	blk_pool_stats(&s0);
	for (i = 0; i < 100; i++) {
		got += batch(&f, BLKIF_OP_READ, 4, 256, &okay);
		got += batch(&f, BLKIF_OP_WRITE, 4, 256, &okay);
	}
	blk_pool_stats(&s1);
	tap_ok(got == 800 && okay == 800, "800 one-MiB reads and writes answered OKAY (%u/%u)",
	       okay, got);
	tap_ok(s1.allocs - s0.allocs <= 4,
	       "... %llu buffer allocations for 800 bounce-buffered requests (reused, not one per request)",
	       (unsigned long long)(s1.allocs - s0.allocs));
	tap_ok(s1.hits - s0.hits >= 796, "... %llu of them served from the pool",
	       (unsigned long long)(s1.hits - s0.hits));
	tap_ok(s1.idle_bytes >= (1u << 20), "the pool keeps idle buffers (%llu KiB)",
	       (unsigned long long)s1.idle_bytes >> 10);
	tap_eq(dev_mem(t), 0, "... which are no device's: the idle disk accounts no memory");
	sfront_detach(&f, "qdisk");
}

/* A lower daemon-wide budget: what the pool keeps idle counts in it. */
static void test_budget(struct xbt *t, const char *img)
{
	struct xenback_blk_limits lim, old;
	struct blk_pool_stats s;
	struct sfront f;
	unsigned int okay = 0, got;

	tap_eq(sfront_attach(&f, t, 72, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "second disk Connected");
	got = batch(&f, BLKIF_OP_READ, 16, 256, &okay);
	blk_pool_stats(&s);
	tap_ok(got == 16 && okay == 16 && s.idle_bytes >= (8u << 20),
	       "16 one-MiB reads at once: OKAY, the pool holds them idle (%llu MiB)",
	       (unsigned long long)s.idle_bytes >> 20);
	xenback_blk_get_limits(&old);
	lim = old;
	lim.bounce_bytes = 2u << 20;
	lim.device_bounce_bytes = 2u << 20;
	tap_eq(xenback_blk_set_limits(&lim), 0, "daemon-wide bounce budget lowered to 2 MiB");
	okay = 0;
	got = batch(&f, BLKIF_OP_READ, 8, 64, &okay); /* 256 KiB each */
	blk_pool_stats(&s);
	tap_ok(got == 8 && okay == 8, "8 reads of 256 KiB on it: all OKAY (%u/%u)", okay, got);
	tap_ok(s.idle_bytes + s.used_bytes <= (2u << 20),
	       "... idle and in-use buffers together within the 2 MiB budget (%llu KiB)",
	       (unsigned long long)(s.idle_bytes + s.used_bytes) >> 10);
	xenback_blk_set_limits(&old);
	sfront_detach(&f, "qdisk");
}

/* After a burst, with no more I/O, the pool gives its memory back. */
static void test_trim(struct xbt *t, const char *img)
{
	struct blk_pool_stats s;
	struct sfront f;
	unsigned int okay = 0, rounds;

	blk_pool_set_trim_ms(20);
	tap_eq(sfront_attach(&f, t, 73, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "third disk Connected");
	batch(&f, BLKIF_OP_READ, 16, 256, &okay);
	blk_pool_stats(&s);
	tap_ok(okay == 16 && s.idle_bytes >= (8u << 20), "a burst of 16 one-MiB reads left %llu MiB idle",
	       (unsigned long long)s.idle_bytes >> 20);
	for (rounds = 0; rounds < 3000 && s.idle_bytes; rounds++) {
		xenback_bus_run_once(t->bus, 10);
		blk_pool_stats(&s);
	}
	tap_eq(s.idle_bytes, 0, "the disk idle: the pool trimmed itself to nothing from its timer");
	sfront_detach(&f, "qdisk");
}

/* Two buses in the process: the trim timer lives in the first one's
 * epoll set, and moves to the other when the first has no disk left; the
 * last disk gone, the pool holds nothing and its timer's fd is closed. */
static void test_two_buses(struct xbt *t, const char *img)
{
	struct blk_pool_stats s;
	struct sfront f, g;
	struct xbt t2;
	unsigned int okay = 0, rounds;
	int fds0 = fd_count();

	sfront_bus(&t2, XENBACK_LOG_ERR);
	tap_eq(sfront_attach(&f, t, 74, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "a disk on the first bus Connected");
	tap_eq(sfront_attach(&g, &t2, 75, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "a disk on a second bus Connected");
	blk_pool_set_trim_ms(20);
	batch(&g, BLKIF_OP_READ, 16, 256, &okay);
	sfront_detach(&f, "qdisk");
	blk_pool_stats(&s);
	tap_ok(okay == 16 && s.idle_bytes >= (8u << 20),
	       "a burst on the second bus, the first bus's disk gone: %llu MiB idle",
	       (unsigned long long)s.idle_bytes >> 20);
	for (rounds = 0; rounds < 3000 && s.idle_bytes; rounds++) {
		xenback_bus_run_once(t2.bus, 10);
		blk_pool_stats(&s);
	}
	tap_eq(s.idle_bytes, 0, "the timer moved to the second bus and trimmed the pool there");
	batch(&g, BLKIF_OP_READ, 4, 256, &okay);
	sfront_detach(&g, "qdisk");
	blk_pool_stats(&s);
	tap_eq(s.idle_bytes, 0, "the last disk gone: nothing idle kept");
	xbt_rm(t, "qdisk", 74, 51712);
	xbt_settle(t);
	xbt_fini(&t2);
	tap_eq(fd_count(), fds0, "... and no fd kept (the timer's closed)");
	blk_pool_set_trim_ms(0);
}

int main(void)
{
	char img[64] = "/tmp/xenback-pool-XXXXXX";
	struct xbt t;

	if (!sfront_image(img, 32 << 20))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	test_steady(&t, img);
	test_budget(&t, img);
	test_trim(&t, img);
	test_two_buses(&t, img);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
