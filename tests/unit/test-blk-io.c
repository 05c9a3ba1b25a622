/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend's data path against a simulated blkfront: reads and
 * writes (direct and indirect), multi-page rings, multiple queues, flush,
 * discard, read-only disks; data checked in the image file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

#define IMG_BYTES (8u << 20)

static char img[64];

/* Write 11 segments of 4 KiB at sector 2048, read back into other memory. */
static void test_rw(struct sfront *f)
{
	int16_t st[64];
	uint64_t ids[64];
	unsigned int got;
	int i;

	sfront_fill(f, 0, 11, 7);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 2048, 11, 8, 100);
	got = sfront_run(f, 0, 1, st, ids);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && ids[0] == 100, "write of 44 KiB: OK, id echoed");
	tap_ok(sfront_file_matches(img, 2048 * 512, 11 * 4096, 7), "the image holds the written bytes");
	memset(f->data[0], 0, 11 * 4096 > 4096 ? 4096 : 4096);
	for (i = 0; i < 11; i++)
		memset(f->data[i], 0xee, 4096);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 2048, 11, 8, 101);
	got = sfront_run(f, 0, 1, st, ids);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "read back: OK");
	tap_ok(sfront_check(f, 0, 11, 7), "read data equals what was written");
}

/* Partial-page segments: sectors 2..5 of a page; a batch of 32 requests. */
static void test_partial_and_batch(struct sfront *f)
{
	blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 5,
				.sector_number = 2048 };
	int16_t st[64];
	uint64_t ids[64];
	unsigned int got;
	bool ok;
	int i;

	memset(f->data[0], 0, 4096);
	req.seg[0] = (struct blkif_request_segment){ f->data_ref[0], 2, 5 };
	sfront_queue_raw(f, 0, &req);
	got = sfront_run(f, 0, 1, st, NULL);
	ok = got == 1 && st[0] == 0 && ((uint32_t *)f->data[0])[256] == sfront_word(7, 0) &&
	     ((uint32_t *)f->data[0])[0] == 0 && ((uint32_t *)f->data[0])[768] == 0;
	tap_ok(ok, "segment sectors 2..5 land at their offset in the page");

	/* A batch of 32 requests in one push. */
	for (i = 0; i < 32; i++)
		sfront_queue_rw(f, 0, BLKIF_OP_READ, (uint64_t)i * 8, 1, 8, 1000 + (uint64_t)i);
	got = sfront_run(f, 0, 32, st, ids);
	tap_eq(got, 32, "32 requests pushed at once: 32 responses");
}

/* Indirect: 256 segments = 1 MiB. */
static void test_indirect(struct sfront *f)
{
	int16_t st[64];
	unsigned int got;
	int i;

	sfront_fill(f, 0, 256, 99);
	sfront_queue_indirect(f, 0, BLKIF_OP_WRITE, 4096, 256, 200);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "indirect write of 256 segments (1 MiB): OK");
	tap_eq(sfront_last_op, BLKIF_OP_WRITE, "its response carries the indirect op (WRITE), as blkfront checks");
	tap_ok(sfront_file_matches(img, 4096 * 512, 256 * 4096, 99), "the image holds the 1 MiB");
	for (i = 0; i < 256; i++)
		memset(f->data[i], 0, 4096);
	sfront_queue_indirect(f, 0, BLKIF_OP_READ, 4096, 256, 201);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(f, 0, 256, 99),
	       "indirect read of 1 MiB returns it");
}

/* Flush and discard. */
static void test_flush_discard(struct sfront *f)
{
	blkif_request_t fl = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 300 };
	union {
		blkif_request_t raw;
		blkif_request_discard_t disc;
	} du;
	blkif_request_discard_t *dc = &du.disc;
	int16_t st[64];
	unsigned int got;
	struct stat sb;
	blkcnt_t before;

	memset(&du, 0, sizeof(du));
	*dc = (blkif_request_discard_t){ .operation = BLKIF_OP_DISCARD, .id = 301,
					 .sector_number = 4096, .nr_sectors = 2048 };

	sfront_queue_raw(f, 0, &fl);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "flush: OK");
	stat(img, &sb);
	before = sb.st_blocks;
	sfront_queue_raw(f, 0, &du.raw);
	got = sfront_run(f, 0, 1, st, NULL);
	stat(img, &sb);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "discard: OK");
	tap_ok(sb.st_blocks < before, "discard punched a hole (%lld -> %lld blocks)",
	       (long long)before, (long long)sb.st_blocks);
}

/* Multi-page ring (order 2) with 2 queues. */
static void test_multiqueue(struct xbt *t, struct sfront *g)
{
	int i;

	tap_eq(sfront_attach(g, t, 22, 51712, img, "w", 2, 2), XENBACK_STATE_CONNECTED,
	       "second disk: 2 queues of 4-page rings Connected");
	tap_eq(RING_SIZE(&g->q[1].ring), 128, "a 4-page ring holds 128 requests");
	for (i = 0; i < 100; i++)
		sfront_queue_rw(g, 1, BLKIF_OP_READ, (uint64_t)i * 8, 2, 8, (uint64_t)i);
	tap_eq(sfront_run(g, 1, 100, NULL, NULL), 100, "queue 1: 100 requests answered");
	sfront_queue_rw(g, 0, BLKIF_OP_READ, 0, 1, 8, 1);
	tap_eq(sfront_run(g, 0, 1, NULL, NULL), 1, "queue 0 answers too");
}

/* Read-only disk. */
static void test_read_only(struct xbt *t, struct sfront *r)
{
	int16_t st[64];
	unsigned int got;
	char *info;

	tap_eq(sfront_attach(r, t, 23, 51712, img, "r", 1, 0), XENBACK_STATE_CONNECTED,
	       "read-only disk Connected");
	info = xenback_sim_read(t->sim, "/local/domain/0/backend/qdisk/23/51712/info");
	tap_ok(info && atoi(info) == VDISK_READONLY, "info says VDISK_READONLY");
	free(info);
	sfront_queue_rw(r, 0, BLKIF_OP_WRITE, 0, 1, 8, 1);
	got = sfront_run(r, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_ERROR, "write to a read-only disk: BLKIF_RSP_ERROR");
	sfront_queue_rw(r, 0, BLKIF_OP_READ, 2048, 1, 8, 2);
	got = sfront_run(r, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "read from it: OK");
}

int main(void)
{
	struct xbt t;
	struct sfront f, g, r;
	int fd;

	snprintf(img, sizeof(img), "/tmp/xenback-blk-XXXXXX");
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, IMG_BYTES) < 0)
		return printf("Bail out! cannot make an image\n"), 1;
	close(fd);
	xbt_init(&t, XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);

	tap_eq(sfront_attach(&f, &t, 21, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "qdisk device Connected with a one-page ring");
	test_rw(&f);
	test_partial_and_batch(&f);
	test_indirect(&f);
	test_flush_discard(&f);
	tap_ok(xenback_sim_evtchn_take(t.sim, 21, f.q[0].port) == 0,
	       "frontend port drained by the helper (notifications were delivered)");
	test_multiqueue(&t, &g);
	test_read_only(&t, &r);

	/* Teardown releases everything. */
	xbt_offline(&t, "qdisk", 21, 51712);
	xbt_fe_set_state(&t, "qdisk", 21, 51712, XENBACK_STATE_CLOSED);
	xbt_settle(&t);
	tap_ok(!xbt_exists(&t, "qdisk", 21, 51712), "disk 21 removed");
	tap_eq(xenback_sim_ports_bound(t.sim), 3, "its port unbound (3 left: 2 queues + ro disk)");
	xenback_bus_free(t.bus);
	tap_eq(xenback_sim_ports_bound(t.sim) + xenback_sim_grants_mapped(t.sim) -
	       (unsigned int)(1 + 2 * 4 + 1), 0,
	       "bus freed: no port bound, only the frontends' own ring views mapped");
	xenback_sim_free(t.sim);
	unlink(img);
	return tap_done();
}
