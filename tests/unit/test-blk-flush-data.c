/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* FLUSH_DISKCACHE with data segments (issue 10, item 5): Linux blkfront
 * sends its REQ_PREFLUSH/REQ_FUA writes so; the data is written after a
 * flush (as blkback does), not dropped with OKAY. Through io_uring (an
 * image on a disk file system) and in place (an image in memory), with
 * and without persistent grants; refused on a read-only disk. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static void flush_data(struct sfront *f, uint64_t sector, unsigned int nseg, uint64_t id)
{
	blkif_request_t req = { .operation = BLKIF_OP_FLUSH_DISKCACHE,
				.nr_segments = (uint8_t)nseg,
				.id = id,
				.sector_number = sector };
	unsigned int i;

	for (i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		req.seg[i] = (struct blkif_request_segment){ f->data_ref[i], 0, 7 };
	sfront_queue_raw(f, 0, &req);
}

static void run(struct xbt *t, const char *img, const char *how, uint32_t domid, bool persistent,
		bool inplace)
{
	struct sfront f;
	int16_t st;

	setenv("XENBACK_BLK_INLINE", inplace ? "1" : "0", 1);
	sfront_persistent = persistent;
	tap_eq(sfront_attach(&f, t, domid, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "%s: Connected", how);
	sfront_fill(&f, 0, 3, domid);
	flush_data(&f, 24, 3, 1);
	st = sfront_status(&f);
	tap_eq(st, BLKIF_RSP_OKAY, "%s: flush with 3 data pages: OKAY", how);
	tap_eq(sfront_last_op, BLKIF_OP_FLUSH_DISKCACHE, "%s: ... answered as a flush", how);
	tap_ok(sfront_file_matches(img, 24 * 512, 3 * 4096, domid),
	       "%s: ... and its data is on the image", how);
	flush_data(&f, 0, 0, 2);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "%s: flush without data: OKAY", how);
	flush_data(&f, 0, 12, 3);
	tap_eq(sfront_status(&f), BLKIF_RSP_ERROR, "%s: flush with 12 direct segments: ERROR", how);
	sfront_detach(&f, "qdisk");
}

int main(void)
{
	char img[64] = "/tmp/xenback-fld-XXXXXX", mem[64] = "/dev/shm/xenback-fld-XXXXXX";
	struct sfront f;
	struct xbt t;
	int fds0;

	if (!sfront_image(img, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	if (!sfront_image(mem, 1 << 20))
		return printf("Bail out! no image in /dev/shm\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	fds0 = fd_count();
	run(&t, img, "io_uring, grant copy", 81, false, false);
	run(&t, img, "io_uring, persistent", 82, true, false);
	run(&t, mem, "in place, grant copy", 83, false, true);
	run(&t, mem, "in place, persistent", 84, true, true);
	setenv("XENBACK_BLK_INLINE", "0", 1);
	sfront_persistent = false;
	tap_eq(sfront_attach(&f, &t, 85, 51712, img, "r", 1, 0), XENBACK_STATE_CONNECTED,
	       "read-only disk Connected");
	sfront_fill(&f, 0, 1, 99);
	flush_data(&f, 0, 1, 4);
	tap_eq(sfront_status(&f), BLKIF_RSP_ERROR, "read-only disk: flush with data is an error");
	tap_ok(!sfront_file_matches(img, 0, 4096, 99), "... and nothing was written");
	sfront_detach(&f, "qdisk");
	tap_eq(fd_count(), fds0, "no fd gained or lost");
	xbt_fini(&t);
	unlink(img);
	unlink(mem);
	return tap_done();
}
