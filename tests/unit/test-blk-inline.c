/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory-backed images (tmpfs, ramfs) are read and written in place and
 * answered in the same round instead of going through io_uring: which files
 * qualify, and the data path in that mode (direct, partial, batched and
 * indirect requests, persistent grants, flush and discard still on io_uring,
 * read-only refusal, range checks), data checked in the image file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "xenback/blk.h"

static void tap_skip(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, what, why);
}

static void data_path(struct xbt *t, const char *img, uint32_t domid, bool persistent)
{
	const char *how = persistent ? "persistent" : "grant copy";
	struct sfront f;
	int16_t st[64];
	unsigned int got, i;
	bool ok;

	sfront_persistent = persistent;
	tap_eq(sfront_attach(&f, t, domid, 51712, img, "w", 1, 2), XENBACK_STATE_CONNECTED,
	       "in place (%s): Connected", how);
	sfront_fill(&f, 0, 11, domid);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 2048, 11, 8, 100);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_file_matches(img, 2048 * 512, 11 * 4096, domid),
	       "in place (%s): 44 KiB write lands in the image", how);
	for (i = 0; i < 11; i++)
		memset(f.data[i], 0xee, 4096);
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 2048, 11, 8, 101);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(&f, 0, 11, domid),
	       "in place (%s): read back returns it", how);

	{ /* sectors 2..5 of a page */
		blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 5,
					.sector_number = 2048 };

		memset(f.data[0], 0, 4096);
		req.seg[0] = (struct blkif_request_segment){ f.data_ref[0], 2, 5 };
		sfront_queue_raw(&f, 0, &req);
		got = sfront_run(&f, 0, 1, st, NULL);
		ok = got == 1 && st[0] == 0 && ((uint32_t *)f.data[0])[256] == sfront_word(domid, 0) &&
		     ((uint32_t *)f.data[0])[0] == 0 && ((uint32_t *)f.data[0])[768] == 0;
		tap_ok(ok, "in place (%s): a partial segment lands at its offset", how);
	}
	for (i = 0; i < 32; i++)
		sfront_queue_rw(&f, 0, i % 2 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 8192 + (uint64_t)i * 8, 1, 8,
				1000 + i);
	got = sfront_run(&f, 0, 32, st, NULL);
	for (i = 0, ok = got == 32; ok && i < got; i++)
		ok = st[i] == BLKIF_RSP_OKAY;
	tap_ok(ok, "in place (%s): 32 mixed requests in one push: 32 OK responses", how);

	sfront_fill(&f, 0, 256, domid + 1);
	sfront_queue_indirect(&f, 0, BLKIF_OP_WRITE, 4096, 256, 200);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_last_op == BLKIF_OP_WRITE &&
		       sfront_file_matches(img, 4096 * 512, 256 * 4096, domid + 1),
	       "in place (%s): indirect 1 MiB write lands in the image", how);
	for (i = 0; i < 256; i++)
		memset(f.data[i], 0, 4096);
	sfront_queue_indirect(&f, 0, BLKIF_OP_READ, 4096, 256, 201);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(&f, 0, 256, domid + 1),
	       "in place (%s): indirect 1 MiB read returns it", how);

	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 16384 - 4, 1, 8, 300); /* runs past the end */
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_ERROR, "in place (%s): a read past the end is an error", how);
	{
		blkif_request_t fl = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 301 };

		sfront_queue_raw(&f, 0, &fl);
		got = sfront_run(&f, 0, 1, st, NULL);
		tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "in place (%s): flush (io_uring) OK", how);
	}
	xbt_offline(t, "qdisk", domid, 51712);
	xbt_fe_set_state(t, "qdisk", domid, 51712, XENBACK_STATE_CLOSED);
	xbt_settle(t);
}

int main(void)
{
	char img[64] = "/tmp/xenback-inl-XXXXXX", shm[64] = "/dev/shm/xenback-inl-XXXXXX";
	struct statfs sf;
	struct xbt t;
	struct sfront g;
	int16_t st[4];
	int fd, sfd;
	bool tmpfs_tmp;

	tap_plan(24);
	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, 8 << 20) < 0)
		return printf("Bail out! no image\n"), 1;
	tmpfs_tmp = fstatfs(fd, &sf) == 0 && sf.f_type == 0x01021994;
	unsetenv("XENBACK_BLK_INLINE");
	sfd = mkstemp(shm);
	if (sfd >= 0 && fstatfs(sfd, &sf) == 0 && sf.f_type == 0x01021994)
		tap_ok(blk_image_in_memory(sfd, false), "a file on tmpfs (/dev/shm) is served in place");
	else
		tap_skip("a file on tmpfs is served in place", "no tmpfs at /dev/shm");
	if (tmpfs_tmp)
		tap_skip("a file on a disk file system stays on io_uring", "/tmp is tmpfs here");
	else
		tap_ok(!blk_image_in_memory(fd, false), "a file on a disk file system stays on io_uring");
	tap_ok(!blk_image_in_memory(fd, true), "an image opened O_DIRECT stays on io_uring");
	setenv("XENBACK_BLK_INLINE", "1", 1);
	tap_ok(blk_image_in_memory(fd, true), "XENBACK_BLK_INLINE=1 forces in place");
	if (sfd >= 0) {
		close(sfd);
		unlink(shm);
	}
	close(fd);

	/* the data path in place, on any file (forced) */
	xbt_init(&t, XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	data_path(&t, img, 61, false);
	data_path(&t, img, 62, true);

	/* read-only: refused before any I/O */
	sfront_persistent = false;
	tap_eq(sfront_attach(&g, &t, 63, 51712, img, "r", 1, 0), XENBACK_STATE_CONNECTED,
	       "in place: read-only disk Connected");
	sfront_queue_rw(&g, 0, BLKIF_OP_WRITE, 0, 1, 8, 7);
	tap_ok(sfront_run(&g, 0, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_ERROR,
	       "in place: a write to a read-only disk is refused");
	xbt_fini(&t);
	unsetenv("XENBACK_BLK_INLINE");
	unlink(img);
	return tap_done();
}
