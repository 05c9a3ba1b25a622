/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent grants past the mapping cap (blk_persist.c): a guest whose
 * working set moved gets its fast path back. At the cap, a queue unmaps a
 * batch of its least recently used grants that no request in flight uses,
 * and maps the new ones; the cap still holds; a grant a request in flight
 * uses is never unmapped under it (that request's data stays right). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

/* A read of 8 pages from first, at sector 8 * first. */
static void queue_read(struct sfront *f, unsigned int first, uint64_t id)
{
	blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 8, .id = id,
				.sector_number = (uint64_t)first * 8 };
	unsigned int i;

	for (i = 0; i < 8; i++)
		req.seg[i] = (struct blkif_request_segment){ f->data_ref[first + i], 0, 7 };
	sfront_queue_raw(f, 0, &req);
}

/* The 8 pages from first hold what the image holds at their sectors. */
static bool read_right(struct sfront *f, unsigned int first)
{
	unsigned int p, w;

	for (p = 0; p < 8; p++)
		for (w = 0; w < 1024; w++)
			if (((uint32_t *)f->data[first + p])[w] !=
			    sfront_word(7, (uint64_t)(first + p) * 1024 + w))
				return false;
	return true;
}

/* A read of pages first..first+7 that succeeds while every grant copy
 * fails: it was served through persistent mappings. */
static bool served_mapped(struct xbt *t, struct sfront *f, unsigned int first, uint64_t id)
{
	bool ok;

	memset(f->data[first], 0, 4096);
	xenback_sim_fail_grant_copies(t->sim, 1, -EFAULT);
	queue_read(f, first, id);
	ok = sfront_status(f) == BLKIF_RSP_OKAY && read_right(f, first);
	xenback_sim_fail_grant_copies(t->sim, 0, 0);
	return ok;
}

/* The image's first 128 KiB: the pattern read_right() expects. */
static bool fill_image(const char *img)
{
	static uint32_t buf[32 * 1024];
	unsigned int i;
	int fd = open(img, O_WRONLY);
	bool ok;

	for (i = 0; i < 32 * 1024; i++)
		buf[i] = sfront_word(7, i);
	ok = fd >= 0 && pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);
	if (fd >= 0)
		close(fd);
	return ok;
}

int main(void)
{
	char img[64] = "/tmp/xenback-lru-XXXXXX";
	struct xenback_blk_limits lim, old;
	unsigned int base, i, tries;
	struct sfront f;
	int16_t st[2];
	struct xbt t;

	/* Persistent mappings are this test's subject: I/O straight into
	 * them on an O_DIRECT image too (off by default, blk_connect.c). */
	setenv("XENBACK_BLK_DIRECT_MAPPED", "1", 1);

	if (!sfront_image(img, 1 << 20) || !fill_image(img))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	xenback_blk_get_limits(&old);
	lim = old;
	lim.device_persistent_grants = 8;
	tap_eq(xenback_blk_set_limits(&lim), 0, "a disk may map 8 persistent grants");
	sfront_persistent = true;
	tap_eq(sfront_attach(&f, &t, 81, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "persistent frontend Connected");
	base = xenback_sim_grants_mapped(t.sim);
	tap_ok(served_mapped(&t, &f, 0, 100), "working set A (pages 0-7): served through mappings");
	tap_eq(xenback_sim_grants_mapped(t.sim) - base, 8, "... 8 grants mapped: the cap");
	/* The working set moves to B (pages 8-15). */
	for (tries = 0; tries < 200 && !served_mapped(&t, &f, 8, 200 + tries); tries++)
		;
	tap_ok(tries < 200, "working set B (pages 8-15): served through mappings again (after %u copied)",
	       tries);
	tap_ok(served_mapped(&t, &f, 8, 500), "... and it stays so");
	tap_eq(xenback_sim_grants_mapped(t.sim) - base, 8, "... still 8 grants mapped: A's made room");
	/* C (pages 16-23) and B at once: B's read in flight (io_uring) while
	 * C's finds the cap; B's mappings stay, its data is right. */
	for (i = 0; i < BLK_RING_ROUND_BUDGET; i++) /* the next purge may run */
		served_mapped(&t, &f, 8, 300 + i);
	for (i = 8; i < 24; i++)
		memset(f.data[i], 0, 4096);
	queue_read(&f, 8, 600);
	queue_read(&f, 16, 601);
	tap_eq(sfront_run(&f, 0, 2, st, NULL), 2, "B and C read in one round: both answered");
	tap_ok(st[0] == BLKIF_RSP_OKAY && st[1] == BLKIF_RSP_OKAY && read_right(&f, 8) &&
		       read_right(&f, 16),
	       "... OKAY, each with its data (B's mappings were not purged under it)");
	tap_ok(xenback_sim_grants_mapped(t.sim) - base <= 8, "... the cap held");
	tap_ok(served_mapped(&t, &f, 8, 700), "B still served through its mappings");
	sfront_detach(&f, "qdisk");
	tap_eq(xenback_sim_grants_mapped(t.sim), 1, "disconnect unmapped every persistent grant");
	xenback_blk_set_limits(&old);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
