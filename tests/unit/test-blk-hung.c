/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Teardown while storage hangs (issue 10, item 4): writes to an image on a
 * frozen file system (FIFREEZE) stay in the kernel's hands; the disk is
 * torn down anyway, within a bounded wait, and the buffers of those
 * requests are leaked (logged, counted) rather than freed under the
 * kernel; the daemon goes on serving another disk. Needs root and a loop
 * mount (skipped otherwise). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"

static char fsimg[64] = "/dev/shm/xenback-hung-fs-XXXXXX", mnt[64] = "/tmp/xenback-hung-XXXXXX";

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A small ext4 mounted on mnt; false if this machine cannot. */
static bool mount_fs(void)
{
	char cmd[256];

	if (geteuid() != 0 || !sfront_image(fsimg, 16 << 20) || !mkdtemp(mnt))
		return false;
	snprintf(cmd, sizeof(cmd),
		 "mkfs.ext4 -q -F %s >/dev/null 2>&1 && mount -o loop %s %s 2>/dev/null", fsimg,
		 fsimg, mnt);
	return sh(cmd) == 0;
}

/* The kernel lets the image go once the thawed writes are done (the
 * closed io_uring finishes them in the background): retried a while, then
 * unmounted lazily. Clean-up, not a test. */
static void unmount_fs(void)
{
	char cmd[256];
	int i;

	for (i = 0; i < 50 && umount(mnt) < 0; i++)
		usleep(100 * 1000);
	if (i == 50) {
		snprintf(cmd, sizeof(cmd), "umount -l %s", mnt);
		if (sh(cmd) != 0)
			tap_diag("could not unmount %s", mnt);
	}
	rmdir(mnt);
	unlink(fsimg);
}

/* One disk on the file system, its writes hung by a freeze, torn down;
 * another disk (elsewhere) still served. persistent: the frontend offers
 * persistent grants, so the hung writes go straight from mapped guest
 * pages, which must then stay mapped (unmapping a gntdev page the kernel
 * holds corrupts it in a PV dom0). */
static unsigned int hang(const char *img, const char *other, bool persistent, uint32_t domid)
{
	const char *m = persistent ? "persistent grants" : "grant copy";
	uint64_t leaked0 = blk_budget_leaked();
	struct sfront f, g;
	struct xbt t;
	int mfd;
	unsigned int i, mapped, g_maps, kept;

	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = persistent;
	tap_eq(sfront_attach(&f, &t, domid, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "%s: disk on the file system Connected", m);
	sfront_persistent = false;
	g_maps = xenback_sim_grants_mapped(t.sim);
	tap_eq(sfront_attach(&g, &t, domid + 1, 51712, other, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "%s: another disk Connected", m);
	g_maps = xenback_sim_grants_mapped(t.sim) - g_maps; /* its ring */
	sfront_fill(&f, 0, 4, 1);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 0, 4, 8, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "%s: a write before the freeze: OKAY", m);
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tap_ok(mfd >= 0 && ioctl(mfd, FIFREEZE, 0) == 0, "%s: file system frozen: its writes now wait",
	       m);
	for (i = 0; i < 8; i++)
		sfront_queue_indirect(&f, 0, BLKIF_OP_WRITE, 0, 32, 10 + i);
	sfront_push(&f, 0);
	for (i = 0; i < 5; i++)
		xenback_bus_run_once(t.bus, 10);
	tap_eq(f.q[0].ring.sring->rsp_prod, 1, "%s: the 8 writes hang (none answered)", m);
	mapped = xenback_sim_grants_mapped(t.sim);
	sfront_detach(&f, "qdisk");
	xbt_rm(&t, "qdisk", domid, 51712);
	xbt_settle(&t);
	tap_ok(!xbt_exists(&t, "qdisk", domid, 51712),
	       "%s: the disk was torn down while its writes hang", m);
	/* Those the kernel had not started are cancelled; the rest leak. */
	tap_ok(blk_budget_leaked() > leaked0 || persistent,
	       "%s: the buffers of the writes the kernel holds were leaked, not freed under it "
	       "(%llu bytes)", m, (unsigned long long)(blk_budget_leaked() - leaked0));
	kept = xenback_sim_grants_mapped(t.sim) - g_maps; /* the torn-down disk's */
	tap_diag("%s: %u of the disk's %u grant mappings left after its teardown", m, kept,
		 mapped - g_maps);
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_REQUESTS), 0, "%s: no request left accounted",
	       m);
	sfront_queue_rw(&g, 0, BLKIF_OP_READ, 0, 1, 8, 1);
	tap_eq(sfront_status(&g), BLKIF_RSP_OKAY, "%s: the other disk is still served", m);
	tap_ok(mfd >= 0 && ioctl(mfd, FITHAW, 0) == 0,
	       "%s: file system thawed: the kernel finishes into the leaked buffers", m);
	if (mfd >= 0)
		close(mfd);
	sfront_detach(&g, "qdisk");
	xbt_fini(&t);
	return kept;
}

int main(void)
{
	char img[96], other[64] = "/tmp/xenback-hung-other-XXXXXX";
	unsigned int copy, deflt, kept;
	int fds0;

	if (!mount_fs()) {
		tap_skip("teardown while storage hangs", "needs root, mkfs.ext4 and a loop mount");
		return tap_done();
	}
	snprintf(img, sizeof(img), "%s/disk-XXXXXX", mnt);
	if (!sfront_image(img, 1 << 20) || !sfront_image(other, 1 << 20)) {
		unmount_fs();
		return printf("Bail out! no image\n"), 1;
	}
	fds0 = fd_count();
	copy = hang(img, other, false, 121);
	/* O_DIRECT: by default no I/O straight in mapped guest pages, persistent
	 * grants offered or not (a daemon killed with such I/O in flight would
	 * have them unmapped under the kernel). */
	unsetenv("XENBACK_BLK_DIRECT_MAPPED");
	deflt = hang(img, other, true, 123);
	tap_eq(deflt, copy, "O_DIRECT with persistent grants offered: grant copy by default, "
	       "nothing left mapped (%u, as with grant copy)", deflt);
	setenv("XENBACK_BLK_DIRECT_MAPPED", "1", 1);
	kept = hang(img, other, true, 125);
	unsetenv("XENBACK_BLK_DIRECT_MAPPED");
	/* Without the rule, the persistent disk left as few as the other. */
	tap_ok(kept >= copy + 8, "XENBACK_BLK_DIRECT_MAPPED=1: the guest pages the hung writes use "
	       "stay mapped (%u mappings left, %u with grant copy)", kept, copy);
	tap_eq(fd_count(), fds0, "every fd closed");
	unlink(img);
	unlink(other);
	unmount_fs();
	return tap_done();
}
