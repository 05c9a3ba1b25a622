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
#include "helpers/blk-data-checks.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

static void data_path(struct xbt *t, const char *img, uint32_t domid, bool persistent)
{
	const char *how = persistent ? "persistent" : "grant copy";
	struct sfront f;
	char label[64];

	sfront_persistent = persistent;
	tap_eq(sfront_attach(&f, t, domid, 51712, img, "w", 1, 2), XENBACK_STATE_CONNECTED,
	       "in place (%s): Connected", how);
	snprintf(label, sizeof(label), "in place (%s)", how);
	blk_data_checks(&f, img, domid, label);
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

	/* the data path in place with preadv/pwritev, on any file (forced);
	 * test-blk-map covers the mapped image */
	setenv("XENBACK_BLK_MMAP", "0", 1);
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
	unsetenv("XENBACK_BLK_MMAP");
	unlink(img);
	return tap_done();
}
