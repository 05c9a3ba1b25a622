/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image files on 4Kn disks: a file opened O_DIRECT on a file system whose
 * disk has 4096-byte sectors can only do I/O aligned to them. The backend
 * asks the file (statx STATX_DIOALIGN) and publishes that as sector-size,
 * as it publishes a block device's logical block size, and answers an
 * unaligned request with an error rather than try it; a file on an
 * ordinary disk stays at 512. Tried with an ext4 (else ext2) file system
 * on a loop device with 4096-byte sectors, mounted in a private mount
 * namespace (gone with the process); skipped where any of that cannot be
 * done here. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/loopdev.h"

static long be_int(struct xbt *t, uint32_t domid, const char *key)
{
	return xenback_sim_read_int(t->sim, xbt_path("/local/domain/0/backend/qdisk/%u/51712/%s",
						     domid, key));
}

/* A file system on a 4096-byte-sector loop device over backing, mounted on
 * mnt; false (with why) if that cannot be done here. */
static bool mount_4kn(const char *backing, const char *mnt, char *why, size_t len)
{
	static const char *const fstypes[] = { "ext4", "ext2" };
	char dev[32];
	unsigned int i;
	int lfd;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		snprintf(why, len, "no private mount namespace (%s)", strerror(errno));
		return false;
	}
	lfd = loop_attach(backing, 4096, dev, sizeof(dev));
	if (lfd < 0) {
		snprintf(why, len, "no loop device (%s)", strerror(errno));
		return false;
	}
	for (i = 0; i < 2; i++) {
		if (system(xbt_path("mkfs.%s -q -F -b 4096 %s >/dev/null 2>&1", fstypes[i], dev)) == 0 &&
		    mount(dev, mnt, fstypes[i], 0, NULL) == 0) {
			tap_diag("%s on %s (4096-byte sectors)", fstypes[i], dev);
			close(lfd); /* the mount holds it now; detached when unmounted */
			return true;
		}
	}
	snprintf(why, len, "cannot make or mount ext4/ext2 on %s", dev);
	close(lfd);
	return false;
}

static void rw(struct sfront *f, uint32_t domid, const char *what)
{
	blkif_request_t req;

	sfront_fill(f, 0, 2, domid);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 8, 2, 8, 1);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "%s: aligned 8 KiB write at sector 8: OKAY", what);
	memset(f->data[0], 0, 4096);
	memset(f->data[1], 0, 4096);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 8, 2, 8, 2);
	tap_ok(sfront_status(f) == BLKIF_RSP_OKAY && sfront_check(f, 0, 2, domid),
	       "%s: ... read back, the data", what);
	memset(&req, 0, sizeof(req));
	req = (blkif_request_t){ .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 3, .sector_number = 9 };
	req.seg[0] = (struct blkif_request_segment){ f->data_ref[0], 0, 0 };
	sfront_queue_raw(f, 0, &req);
	tap_eq(sfront_status(f), domid == 121 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY,
	       "%s: a 512-byte read at sector 9: %s", what, domid == 121 ? "ERROR" : "OKAY");
}

int main(void)
{
	char backing[64] = "/tmp/xenback-dio-XXXXXX", mnt[64] = "/tmp/xenback-dio-mnt-XXXXXX";
	char plain[64] = "/tmp/xenback-dio-img-XXXXXX", img[128], why[128];
	struct sfront f;
	struct xbt t;

	if (!sfront_image(backing, 64 << 20) || !sfront_image(plain, 4 << 20) || !mkdtemp(mnt))
		return printf("Bail out! no files\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	tap_eq(sfront_attach(&f, &t, 120, 51712, plain, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "a file on this machine's disk Connected");
	tap_eq(be_int(&t, 120, "sector-size"), 512, "... sector-size 512");
	rw(&f, 120, "512-byte disk");
	sfront_detach(&f, "qdisk");
	if (!mount_4kn(backing, mnt, why, sizeof(why))) {
		tap_skip("a file on a 4Kn disk", "%s", why);
	} else {
		snprintf(img, sizeof(img), "%s/disk.img.XXXXXX", mnt);
		if (!sfront_image(img, 4 << 20))
			return printf("Bail out! no image on %s\n", mnt), 1;
		tap_eq(sfront_attach(&f, &t, 121, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
		       "a file on a 4096-byte-sector disk Connected");
		tap_eq(be_int(&t, 121, "sector-size"), 4096,
		       "... sector-size 4096 (its direct-I/O alignment)");
		tap_eq(be_int(&t, 121, "sectors"), 8192, "... sectors: still 512-byte units (4 MiB)");
		rw(&f, 121, "4Kn disk");
		sfront_detach(&f, "qdisk");
		xbt_fini(&t);
		unlink(img);
		umount2(mnt, MNT_DETACH);
		goto out;
	}
	xbt_fini(&t);
out:
	rmdir(mnt);
	unlink(plain);
	unlink(backing);
	return tap_done();
}
