/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend's data path checked through a connected simulated
 * blkfront (8 TAP points), for the tests of each way an image is served:
 * a 44 KiB write lands in the file and reads back, a partial segment lands
 * at its offset, 32 mixed requests in one push, an indirect 1 MiB write and
 * read, a read past the end fails, a flush succeeds. Header-only: the TAP
 * counter (tap.h) is the including program's. */
#ifndef XBTEST_BLK_DATA_CHECKS_H
#define XBTEST_BLK_DATA_CHECKS_H
#include "../tap.h"
#include "blkfront.h"

static void blk_data_checks(struct sfront *f, const char *img, uint32_t domid, const char *label)
{
	int16_t st[64];
	unsigned int got, i;
	bool ok;

	sfront_fill(f, 0, 11, domid);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 2048, 11, 8, 100);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_file_matches(img, 2048 * 512, 11 * 4096, domid),
	       "%s: 44 KiB write lands in the image", label);
	for (i = 0; i < 11; i++)
		memset(f->data[i], 0xee, 4096);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 2048, 11, 8, 101);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(f, 0, 11, domid),
	       "%s: read back returns it", label);
	{ /* sectors 2..5 of a page */
		blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 5,
					.sector_number = 2048 };

		memset(f->data[0], 0, 4096);
		req.seg[0] = (struct blkif_request_segment){ f->data_ref[0], 2, 5 };
		sfront_queue_raw(f, 0, &req);
		got = sfront_run(f, 0, 1, st, NULL);
		ok = got == 1 && st[0] == 0 && ((uint32_t *)f->data[0])[256] == sfront_word(domid, 0) &&
		     ((uint32_t *)f->data[0])[0] == 0 && ((uint32_t *)f->data[0])[768] == 0;
		tap_ok(ok, "%s: a partial segment lands at its offset", label);
	}
	for (i = 0; i < 32; i++)
		sfront_queue_rw(f, 0, i % 2 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 8192 + (uint64_t)i * 8, 1, 8,
				1000 + i);
	got = sfront_run(f, 0, 32, st, NULL);
	for (i = 0, ok = got == 32; ok && i < got; i++)
		ok = st[i] == BLKIF_RSP_OKAY;
	tap_ok(ok, "%s: 32 mixed requests in one push: 32 OK responses", label);

	sfront_fill(f, 0, 256, domid + 1);
	sfront_queue_indirect(f, 0, BLKIF_OP_WRITE, 4096, 256, 200);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_last_op == BLKIF_OP_WRITE &&
		       sfront_file_matches(img, 4096 * 512, 256 * 4096, domid + 1),
	       "%s: indirect 1 MiB write lands in the image", label);
	for (i = 0; i < 256; i++)
		memset(f->data[i], 0, 4096);
	sfront_queue_indirect(f, 0, BLKIF_OP_READ, 4096, 256, 201);
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(f, 0, 256, domid + 1),
	       "%s: indirect 1 MiB read returns it", label);

	sfront_queue_rw(f, 0, BLKIF_OP_READ, 16384 - 4, 1, 8, 300); /* runs past the end */
	got = sfront_run(f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_ERROR, "%s: a read past the end is an error", label);
	{
		blkif_request_t fl = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 301 };

		sfront_queue_raw(f, 0, &fl);
		got = sfront_run(f, 0, 1, st, NULL);
		tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "%s: flush (io_uring) OK", label);
	}
}
#endif
