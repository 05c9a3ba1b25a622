/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounce-buffer memory (issue 10, item 1): a frontend without persistent
 * grants makes the disk hold bounce buffers; once answered they go back to
 * the process's pool, which is no device's and trims itself to nothing
 * once idle (blk_pool.c; test-blk-pool), the device and the daemon stay within their
 * budgets however many 1 MiB requests the rings hold (the device is
 * throttled, its requests wait and are all answered, none failed), and
 * what the device holds is accounted (MEM, REQUESTS, FDS, THROTTLED).
 * The request budget holds the same way. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static struct xenback_device_info info;
static uint32_t want_domid;

static int find(const struct xenback_device_info *i, void *arg)
{
	(void)arg;
	if (i->frontend_id != want_domid)
		return 0;
	info = *i;
	return 1;
}

static struct xenback_device_info *usage(struct xbt *t, uint32_t domid)
{
	memset(&info, 0, sizeof(info));
	want_domid = domid;
	xenback_bus_foreach(t->bus, find, NULL);
	return &info;
}

/* Resident bytes of the process. */
static uint64_t rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Push what is queued on each of f's nq queues, run the bus until n
 * responses came in all; the peak of the device's accounted memory and of
 * the process's growth in resident memory while doing it. */
struct peak {
	uint64_t mem, rss, reqs;
	unsigned int got, okay;
};

static void run_all(struct sfront *f, unsigned int n, struct peak *p)
{
	uint64_t rss0 = rss();
	unsigned int i, rounds;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < f->nq; i++)
		sfront_push(f, i);
	for (rounds = 0; p->got < n && rounds < 20000; rounds++) {
		struct xenback_device_info *u;
		uint64_t r;

		xenback_bus_run_once(f->t->bus, 10);
		u = usage(f->t, f->domid);
		if (u->mem_bytes > p->mem)
			p->mem = u->mem_bytes;
		if (u->requests_inflight > p->reqs)
			p->reqs = u->requests_inflight;
		r = rss();
		if (r > rss0 && r - rss0 > p->rss)
			p->rss = r - rss0;
		for (i = 0; i < f->nq; i++) {
			struct sfront_q *q = &f->q[i];

			while (RING_HAS_UNCONSUMED_RESPONSES(&q->ring)) {
				blkif_response_t *rsp =
					RING_GET_RESPONSE(&q->ring, q->ring.rsp_cons);

				p->okay += rsp->status == BLKIF_RSP_OKAY;
				p->got++;
				q->ring.rsp_cons++;
			}
			q->ring.sring->rsp_event = q->ring.rsp_cons + 1;
		}
	}
	for (i = 0; i < f->nq; i++)
		xenback_sim_evtchn_take(f->t->sim, f->domid, f->q[i].port);
}

/* 64 one-MiB reads on one 2-page ring, then idle. */
static void test_shrink(struct xbt *t, const char *img)
{
	struct xenback_device_info *u;
	struct blk_pool_stats ps;
	struct sfront f;
	struct peak p;
	unsigned int i;
	uint64_t rss0;
	int fds0;

	tap_eq(sfront_attach(&f, t, 61, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "one queue of 2 pages, no persistent grants: Connected");
	u = usage(t, 61);
	tap_ok(u->fds >= 3, "the device accounts its fds: image, io_uring, eventfd (%u)", u->fds);
	fds0 = fd_count();
	rss0 = rss();
	for (i = 0; i < 64; i++)
		sfront_queue_indirect(&f, 0, BLKIF_OP_READ, 0, 256, i);
	run_all(&f, 64, &p);
	tap_ok(p.got == 64 && p.okay == 64, "64 one-MiB reads all answered OKAY (%u/%u)", p.okay,
	       p.got);
	tap_ok(p.mem >= (1u << 20), "bounce memory was accounted while in flight (peak %llu bytes)",
	       (unsigned long long)p.mem);
	tap_ok(p.mem <= (uint64_t)XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT << 20,
	       "... never above the device budget (%u MiB)", XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT);
	tap_ok(p.reqs > 0, "requests in flight were accounted (peak %llu)",
	       (unsigned long long)p.reqs);
	u = usage(t, 61);
	tap_ok(u->throttled > 0,
	       "64 MiB of reads on a 32 MiB budget: the device was throttled (%llu)",
	       (unsigned long long)u->throttled);
	tap_eq(u->mem_bytes, 0, "idle: the device accounts no bounce memory (%llu)",
	       (unsigned long long)u->mem_bytes);
	tap_eq(u->requests_inflight, 0, "idle: no request in flight");
	/* The buffers went back to the daemon-wide pool, which frees what
	 * stays idle, by halves, every trim interval (short here). */
	blk_pool_set_trim_ms(10);
	for (i = 0, blk_pool_stats(&ps); i < 3000 && ps.idle_bytes; i++, blk_pool_stats(&ps))
		xenback_bus_run_once(t->bus, 10);
	blk_pool_set_trim_ms(0);
	tap_eq(ps.idle_bytes, 0, "idle: the pool trimmed its idle buffers to nothing");
	tap_ok(rss() < rss0 + (8u << 20),
	       "idle: resident memory back within 8 MiB of before (grew %lld KiB)",
	       (long long)(rss() - rss0) / 1024);
	tap_eq(fd_count(), fds0, "no fd gained or lost");
	sfront_detach(&f, "qdisk");
}

/* 4 queues of 16 pages full of 1 MiB reads: the device's budget holds;
 * then a lower daemon-wide budget with two such disks. */
static void test_budget(struct xbt *t, const char *img)
{
	struct xenback_blk_limits lim, old;
	struct sfront *f = calloc(2, sizeof(*f));
	struct peak p;
	unsigned int i, j;

	tap_eq(sfront_attach(&f[0], t, 62, 51712, img, "w", 4, 4), XENBACK_STATE_CONNECTED,
	       "4 queues of 16 pages, no persistent grants: Connected");
	for (i = 0; i < 4; i++)
		for (j = 0; j < 96; j++)
			sfront_queue_indirect(&f[0], i, BLKIF_OP_READ, 0, 256, j);
	run_all(&f[0], 384, &p);
	tap_ok(p.got == 384 && p.okay == 384,
	       "384 one-MiB reads on 4 queues all answered OKAY (%u/%u)", p.okay, p.got);
	tap_ok(p.mem <= (uint64_t)XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT << 20,
	       "accounted bounce memory never above the device budget (peak %llu MiB)",
	       (unsigned long long)p.mem >> 20);
	tap_ok(p.rss <= ((uint64_t)XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT + 16) << 20,
	       "resident memory grew by less than the budget + 16 MiB (peak %llu MiB, not 384)",
	       (unsigned long long)p.rss >> 20);
	xenback_blk_get_limits(&old);
	lim = old;
	lim.device_bounce_bytes = 2u << 20;
	lim.bounce_bytes = 3u << 20;
	tap_eq(xenback_blk_set_limits(&lim), 0, "budgets lowered: 2 MiB a device, 3 MiB in all");
	lim.device_bounce_bytes = 4096;
	tap_ok(xenback_blk_set_limits(&lim) < 0,
	       "a device budget below the largest request is refused");
	tap_eq(sfront_attach(&f[1], t, 63, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "second disk Connected");
	for (j = 0; j < 16; j++) {
		sfront_queue_indirect(&f[0], 0, BLKIF_OP_READ, 0, 256, j);
		sfront_queue_indirect(&f[1], 0, BLKIF_OP_READ, 0, 256, j);
	}
	sfront_push(&f[0], 0);
	run_all(&f[1], 16, &p);
	tap_ok(p.got == 16 && p.okay == 16,
	       "both disks at once on a 3 MiB daemon budget: disk 2's 16 reads OKAY");
	tap_ok(p.mem <= (2u << 20), "... disk 2 held at most its 2 MiB (peak %llu KiB)",
	       (unsigned long long)p.mem >> 10);
	f[0].nq = 1;
	run_all(&f[0], 16, &p);
	tap_ok(p.got == 16 && p.okay == 16, "... and disk 1's 16 all OKAY too");
	tap_eq(xenback_bus_usage(t->bus, XENBACK_USAGE_MEM), 0,
	       "idle: no device accounts bounce memory (the pool's idle buffers are no device's)");
	xenback_blk_set_limits(&old);
	free(f);
}

/* The request budget: a disk's queues stop taking requests at it and go
 * on as answers come; every request answered. */
static void test_requests(struct xbt *t, const char *img)
{
	struct xenback_blk_limits lim, old;
	struct sfront f;
	struct peak p;
	unsigned int i;

	xenback_blk_get_limits(&old);
	lim = old;
	lim.device_requests = 8;
	tap_eq(xenback_blk_set_limits(&lim), 0, "request budget lowered to 8 a disk");
	tap_eq(sfront_attach(&f, t, 64, 51712, img, "w", 2, 1), XENBACK_STATE_CONNECTED,
	       "2-queue disk Connected");
	for (i = 0; i < 48; i++) {
		sfront_queue_indirect(&f, 0, BLKIF_OP_READ, 0, 16, i);
		sfront_queue_indirect(&f, 1, BLKIF_OP_READ, 0, 16, i);
	}
	run_all(&f, 96, &p);
	tap_ok(p.got == 96 && p.okay == 96, "96 reads on 2 queues all answered OKAY (%u/%u)",
	       p.okay, p.got);
	tap_ok(p.reqs <= 8, "never more than 8 in flight (peak %llu)", (unsigned long long)p.reqs);
	lim.device_requests = 0;
	tap_ok(xenback_blk_set_limits(&lim) < 0, "a request budget of 0 is refused");
	xenback_blk_set_limits(&old);
}

int main(void)
{
	char img[64] = "/tmp/xenback-bnc-XXXXXX";
	struct xbt t;

	/* These tests hold requests in flight across rounds: completions
	 * wait for the eventfd (the io_uring image here completes within its
	 * submission, which a round would otherwise answer at once). */
	setenv("XENBACK_BLK_REAP_INLINE", "0", 1);

	if (!sfront_image(img, 4 << 20))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	test_shrink(&t, img);
	test_budget(&t, img);
	test_requests(&t, img);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
