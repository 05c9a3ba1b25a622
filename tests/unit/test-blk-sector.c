/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sector size and discard (issue 10, item 11). A block device publishes
 * its logical block size (BLKSSZGET) as sector-size and its physical one
 * (BLKPBSZGET); "sectors" and sector_number stay in 512-byte units (Linux
 * blkfront and blkback), and a request not aligned to the logical size is
 * answered with an error instead of issuing a failing O_DIRECT I/O.
 * Discard on a block device is BLKDISCARD; where the storage has none the
 * answer is BLKIF_RSP_EOPNOTSUPP (blkfront then turns discard off), not an
 * error. The BLKDISCARD runs on the discard thread, never on the daemon's
 * one thread; a disk torn down while its discard runs leaves it to the
 * thread, which closes what it holds when the ioctl returns. Tried on a
 * loop device with 4096-byte sectors (skipped where no
 * loop device can be set up), and on the completion stage directly (a
 * loop device's discard cannot be turned off and back on again: a
 * discard_max_bytes of 0 sticks to the device). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "helpers/loopdev.h"
#include "userspace/backends/blk/blk_backend.h"

static long be_int(struct xbt *t, uint32_t domid, const char *key)
{
	return xenback_sim_read_int(t->sim, xbt_path("/local/domain/0/backend/qdisk/%u/51712/%s",
						     domid, key));
}

static void discard(struct sfront *f, uint64_t sector, uint64_t n, uint64_t id)
{
	union {
		blkif_request_t raw;
		blkif_request_discard_t d;
	} u;

	memset(&u, 0, sizeof(u));
	u.d = (blkif_request_discard_t){
		.operation = BLKIF_OP_DISCARD, .id = id, .sector_number = sector, .nr_sectors = n
	};
	sfront_queue_raw(f, 0, &u.raw);
}

static bool zeroes(struct sfront *f, unsigned int page)
{
	const uint32_t *w = f->data[page];
	unsigned int i;

	for (i = 0; i < 1024; i++)
		if (w[i])
			return false;
	return true;
}

/* With persistent grants: 4 KiB in two 2 KiB halves of two pages (aligned
 * as a whole, not piece by piece, which O_DIRECT on 4096-byte sectors
 * refuses) goes through a bounce buffer, OKAY. */
static void test_split(struct xbt *t, const char *dev)
{
	blkif_request_t req = { .operation = BLKIF_OP_WRITE, .nr_segments = 2, .id = 1, .sector_number = 16 };
	struct sfront g;

	sfront_persistent = true;
	tap_eq(sfront_attach(&g, t, 112, 51712, dev, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "persistent frontend on the same device Connected");
	sfront_fill(&g, 0, 2, 12);
	req.seg[0] = (struct blkif_request_segment){ g.data_ref[0], 4, 7 };
	req.seg[1] = (struct blkif_request_segment){ g.data_ref[1], 0, 3 };
	sfront_queue_raw(&g, 0, &req);
	tap_eq(sfront_status(&g), BLKIF_RSP_OKAY, "4 KiB write in two 2 KiB pieces: OKAY (through a bounce buffer)");
	memset(g.data[2], 0, 4096);
	req = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 2, .sector_number = 16 };
	req.seg[0] = (struct blkif_request_segment){ g.data_ref[2], 0, 7 };
	sfront_queue_raw(&g, 0, &req);
	tap_ok(sfront_status(&g) == BLKIF_RSP_OKAY && !memcmp(g.data[2], (char *)g.data[0] + 2048, 2048) &&
		       !memcmp((char *)g.data[2] + 2048, g.data[1], 2048),
	       "... read back whole: both pieces, in order");
	sfront_detach(&g, "qdisk");
	xbt_rm(t, "qdisk", 112, 51712);
	xbt_settle(t);
	sfront_persistent = false;
}

/* A discard still running when its disk goes: teardown waits a bounded
 * time, then leaves it to the discard thread, which answers nothing and
 * closes its own fd of the device once the ioctl returns. */
static void test_slow_discard(struct xbt *t, const char *dev)
{
	struct blk_discard_stats s0, s;
	struct sfront f;
	int fds0 = fd_count(), i;
	unsigned int got;

	tap_eq(sfront_attach(&f, t, 113, 51712, dev, "w", 1, 0),
	       XENBACK_STATE_CONNECTED, "another disk on the loop device Connected");
	blk_discard_stats(&s0);
	blk_discard_hold(true);
	discard(&f, 16, 8, 9);
	got = sfront_run(&f, 0, 1, NULL, NULL);
	blk_discard_stats(&s);
	tap_ok(!got && s.queued == s0.queued + 1,
	       "a discard the thread is slow with: unanswered, the daemon's thread goes on");
	sfront_detach(&f, "qdisk");
	xbt_rm(t, "qdisk", 113, 51712);
	xbt_settle(t);
	blk_discard_stats(&s);
	tap_eq(s.orphaned, s0.orphaned + 1, "the disk torn down meanwhile: the discard left to the thread");
	blk_discard_hold(false);
	for (i = 0; i < 500 && s.orphans_freed == s0.orphans_freed; i++) {
		usleep(10000);
		blk_discard_stats(&s);
	}
	tap_eq(s.orphans_freed, s0.orphans_freed + 1, "... which freed it when the ioctl returned");
	tap_eq(fd_count(), fds0, "... and closed its fd: no fd gained or lost");
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* feature-discard is offered on a block device only if its queue can
 * discard (discard_max_bytes, read through a sysfs tree: a fake one here,
 * as a real loop device's limit cannot be set back once lowered to 0);
 * for a partition, its disk's queue. */
static void test_no_discard(struct xbt *t, const char *dev)
{
	char root[64] = "/tmp/xenback-sysfs-XXXXXX", p[128], q[256];
	struct stat st;
	struct sfront f;

	if (!mkdtemp(root) || stat(dev, &st) < 0) {
		tap_skip("a fake sysfs tree", "cannot make one");
		return;
	}
	snprintf(p, sizeof(p), "%s/dev", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/dev/block", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/dev/block/%u:%u", root, major(st.st_rdev), minor(st.st_rdev));
	mkdir(p, 0700);
	snprintf(q, sizeof(q), "%s/queue", p);
	mkdir(q, 0700);
	snprintf(q, sizeof(q), "%s/queue/discard_max_bytes", p);
	put_file(q, "0\n");
	blk_image_set_sysfs(root);
	tap_eq(sfront_attach(&f, t, 114, 51712, dev, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "a disk whose queue cannot discard (discard_max_bytes 0) Connected");
	tap_eq(be_int(t, 114, "feature-discard"), -1, "... no feature-discard offered");
	discard(&f, 8, 8, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_ERROR, "... a discard anyway: ERROR");
	sfront_detach(&f, "qdisk");
	xbt_rm(t, "qdisk", 114, 51712);
	xbt_settle(t);
	put_file(q, "4294966784\n");
	tap_eq(sfront_attach(&f, t, 115, 51712, dev, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "discard_max_bytes 4294966784: Connected");
	tap_eq(be_int(t, 115, "feature-discard"), 1, "... feature-discard offered");
	sfront_detach(&f, "qdisk");
	xbt_rm(t, "qdisk", 115, 51712);
	xbt_settle(t);
	/* A partition's node has no queue of its own: its disk's. */
	unlink(q);
	snprintf(q, sizeof(q), "%s/queue", p);
	rmdir(q);
	rmdir(p);
	snprintf(q, sizeof(q), "%s/devices", root);
	mkdir(q, 0700);
	snprintf(q, sizeof(q), "%s/devices/disk", root);
	mkdir(q, 0700);
	snprintf(q, sizeof(q), "%s/devices/disk/part1", root);
	mkdir(q, 0700);
	if (symlink(q, p) < 0)
		tap_diag("symlink %s: %s", p, strerror(errno));
	snprintf(q, sizeof(q), "%s/devices/disk/queue", root);
	mkdir(q, 0700);
	snprintf(q, sizeof(q), "%s/devices/disk/queue/discard_max_bytes", root);
	put_file(q, "0\n");
	tap_eq(sfront_attach(&f, t, 116, 51712, dev, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "a partition of a disk that cannot discard: Connected");
	tap_eq(be_int(t, 116, "feature-discard"), -1, "... no feature-discard offered");
	sfront_detach(&f, "qdisk");
	xbt_rm(t, "qdisk", 116, 51712);
	xbt_settle(t);
	blk_image_set_sysfs(NULL);
	if (system(xbt_path("rm -rf %s", root)) != 0)
		tap_diag("cannot remove %s", root);
}

static void test_loop(struct xbt *t, const char *file)
{
	char dev[32];
	struct blk_discard_stats ds0, ds1;
	struct sfront f;
	blkif_request_t req;
	int lfd, fds0;

	lfd = loop_attach(file, 4096, dev, sizeof(dev));
	if (lfd < 0) {
		tap_skip("a loop device with 4096-byte sectors", "no loop device here (%s)",
			 strerror(errno));
		return;
	}
	fds0 = fd_count();
	sfront_persistent = false;
	tap_eq(sfront_attach(&f, t, 111, 51712, dev, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "%s (4096-byte sectors) Connected", dev);
	close(lfd); /* the backend holds it now; detached when it closes it */
	tap_eq(be_int(t, 111, "sector-size"), 4096, "sector-size: the logical block size, 4096");
	tap_eq(be_int(t, 111, "physical-sector-size"), 4096, "physical-sector-size: 4096");
	tap_eq(be_int(t, 111, "sectors"), 8192, "sectors: still 512-byte units (4 MiB)");
	tap_eq(be_int(t, 111, "feature-discard"), 1, "feature-discard: the loop device can discard");
	sfront_fill(&f, 0, 2, 11);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 8, 2, 8, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "aligned 8 KiB write at sector 8: OKAY");
	memset(f.data[0], 0, 4096);
	memset(f.data[1], 0, 4096);
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 8, 2, 8, 2);
	tap_ok(sfront_status(&f) == BLKIF_RSP_OKAY && sfront_check(&f, 0, 2, 11),
	       "... read back: OKAY, the data");
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 9, 1, 8, 3);
	tap_eq(sfront_status(&f), BLKIF_RSP_ERROR,
	       "write at sector 9 (not on a 4096-byte boundary): ERROR");
	memset(&req, 0, sizeof(req));
	req = (blkif_request_t){
		.operation = BLKIF_OP_READ, .nr_segments = 1, .id = 4, .sector_number = 8
	};
	req.seg[0] = (struct blkif_request_segment){ f.data_ref[0], 0, 0 };
	sfront_queue_raw(&f, 0, &req);
	tap_eq(sfront_status(&f), BLKIF_RSP_ERROR, "read of one 512-byte sector: ERROR");
	blk_discard_stats(&ds0);
	discard(&f, 8, 8, 5);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY,
	       "discard of 4 KiB at sector 8 (BLKDISCARD): OKAY");
	blk_discard_stats(&ds1);
	tap_ok(ds1.queued == ds0.queued + 1 && ds1.done == ds0.done + 1,
	       "... done by the discard thread, not the daemon's thread (%llu queued, %llu done)",
	       (unsigned long long)(ds1.queued - ds0.queued), (unsigned long long)(ds1.done - ds0.done));
	memset(f.data[0], 0xff, 4096);
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 8, 1, 8, 6);
	tap_ok(sfront_status(&f) == BLKIF_RSP_OKAY && zeroes(&f, 0), "... it reads back as zeroes");
	discard(&f, 9, 8, 7);
	tap_eq(sfront_status(&f), BLKIF_RSP_ERROR, "discard not on a 4096-byte boundary: ERROR");
	test_split(t, dev); /* while f holds the device (it goes with its last user) */
	test_slow_discard(t, dev);
	test_no_discard(t, dev);
	sfront_detach(&f, "qdisk");
	xbt_rm(t, "qdisk", 111, 51712);
	xbt_settle(t);
	tap_eq(fd_count(), fds0 - 1, "every fd closed (the loop device's too)");
}

/* The completion stage alone: which engine results become which status. */
static void test_status(void)
{
	struct blk_dev *d = calloc(1, sizeof(*d));
	struct blk_req *r = calloc(1, sizeof(*r));

	r->io_op = BLKIF_OP_DISCARD;
	blk_complete_io(d, r, -EOPNOTSUPP);
	tap_eq(d->done ? d->done->status : 99, BLKIF_RSP_EOPNOTSUPP,
	       "discard answered -EOPNOTSUPP: BLKIF_RSP_EOPNOTSUPP");
	d->done = NULL;
	blk_complete_io(d, r, -EIO);
	tap_eq(d->done ? d->done->status : 99, BLKIF_RSP_ERROR, "discard answered -EIO: ERROR");
	d->done = NULL;
	r->io_op = BLKIF_OP_WRITE;
	r->bytes = 4096;
	blk_complete_io(d, r, -EOPNOTSUPP);
	tap_eq(d->done ? d->done->status : 99, BLKIF_RSP_ERROR,
	       "write answered -EOPNOTSUPP: ERROR");
	free(r);
	free(d);
}

int main(void)
{
	char img[64] = "/tmp/xenback-sec-XXXXXX", back[64] = "/dev/shm/xenback-sec-XXXXXX";
	struct sfront f;
	struct xbt t;

	if (!sfront_image(img, 4 << 20))
		return printf("Bail out! no image\n"), 1;
	/* The loop device's file: on tmpfs, which punches holes (the loop
	 * driver's discard), as some disk file systems here do not. */
	if (!sfront_image(back, 4 << 20))
		return printf("Bail out! no file in /dev/shm\n"), 1;
	test_status();
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	tap_eq(sfront_attach(&f, &t, 110, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "file image Connected");
	tap_eq(be_int(&t, 110, "sector-size"), 512, "a file image: sector-size 512");
	test_loop(&t, back);
	xbt_fini(&t);
	unlink(img);
	unlink(back);
	return tap_done();
}
