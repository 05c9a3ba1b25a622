/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image behind a disk: params ("aio:/path", "raw:/path" or "/path") and
 * mode ("r" or "w"); O_DIRECT where the file allows it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "blk.h"

static const char *sysfs = "/sys";

void blk_image_set_sysfs(const char *root)
{
	sysfs = root ? root : "/sys";
}

const char *blk_image_sysfs(void)
{
	return sysfs;
}

/* Can the block device rdev discard? Its queue's discard_max_bytes is not
 * 0 (a partition has no queue of its own: its disk's, one level up).
 * Unknown (no sysfs) counts as no: discard is offered only where it works. */
static bool blockdev_discards(dev_t rdev)
{
	static const char *const where[] = { "queue", "../queue" };
	unsigned long long max = 0;
	char path[160];
	unsigned int i;
	FILE *f = NULL;

	for (i = 0; i < 2 && !f; i++) {
		snprintf(path, sizeof(path), "%s/dev/block/%u:%u/%s/discard_max_bytes", sysfs,
			 major(rdev), minor(rdev), where[i]);
		f = fopen(path, "re");
	}
	if (!f)
		return false;
	if (fscanf(f, "%llu", &max) != 1)
		max = 0;
	fclose(f);
	return max > 0;
}

static const char *image_path(const char *params)
{
	static const char *const prefixes[] = { "aio:", "raw:", "file:", "phy:" };
	unsigned int i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(params, prefixes[i], strlen(prefixes[i])))
			return params + strlen(prefixes[i]);
	return strchr(params, ':') && params[0] != '/' ? NULL : params; /* qcow2: etc. */
}

/*
 * A regular file on tmpfs or ramfs is memory: reading or writing it is a
 * memcpy that never waits for a device. io_uring gains nothing there and
 * costs a lot: Linux 6.1 punts every buffered write to a regular file whose
 * file system lacks async buffered writes (tmpfs does) to an io-wq worker
 * thread, serialised per inode, and every completion goes through the
 * eventfd and another epoll round. Such images are read and written in
 * place (preadv/pwritev) and answered in the same round; everything else
 * (block devices, disk file systems, O_DIRECT) stays on io_uring.
 * XENBACK_BLK_INLINE=0/1 in the environment overrides the choice.
 */
bool blk_image_in_memory(int fd, bool direct)
{
	const char *env = getenv("XENBACK_BLK_INLINE");
	struct statfs sf;
	struct stat st;

	if (env && *env)
		return *env == '1';
	if (direct || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fstatfs(fd, &sf) < 0)
		return false;
	return sf.f_type == 0x01021994 /* TMPFS_MAGIC */ || sf.f_type == 0x858458f6 /* RAMFS_MAGIC */;
}

/*
 * A regular file opened O_DIRECT can only do I/O aligned as its file system
 * and disk require: on a disk with 4096-byte sectors, 4096. statx()'s
 * STATX_DIOALIGN (Linux 6.1) says so; that becomes the logical block size
 * (sector-size, the alignment requests are held to), as BLKSSZGET does for
 * a block device. Unknown (older kernel, or a file system that does not
 * say): 512. An alignment no blkif frontend can meet (above a page), or no
 * direct I/O at all for this file: the file is opened again without
 * O_DIRECT (buffered I/O, which takes any alignment).
 */
static int file_dio_align(struct blk_dev *d, const char *path, int flags)
{
	struct statx stx;
	unsigned int a;
	int fd;

	if (statx(d->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) < 0 ||
	    !(stx.stx_mask & STATX_DIOALIGN))
		return 0; /* unknown: 512 */
	a = stx.stx_dio_offset_align;
	if (a && a <= BLK_PAGE && !(a & (a - 1)) && stx.stx_dio_mem_align <= BLK_PAGE) {
		if (a > BLK_SECTOR)
			d->lbs = d->pbs = a;
		return 0;
	}
	xenback_device_log(d->dev, XENBACK_LOG_WARNING,
			   "%s: direct I/O needs %u-byte alignment: buffered I/O instead", path, a);
	fd = open(path, flags);
	if (fd < 0)
		return -1;
	close(d->fd);
	d->fd = fd;
	d->direct = false;
	return 0;
}

int blk_image_open(struct blk_dev *d, const char *params, const char *mode,
		   struct xenback_backend *be)
{
	const char *path = params ? image_path(params) : NULL;
	struct stat st;
	uint64_t bytes;
	int flags, e;

	d->fd = -1;
	if (!path || path[0] != '/')
		return xenback_backend_set_error(be, -EINVAL, "params '%s': need an absolute path to a raw image",
						 params ? params : "");
	d->readonly = mode && mode[0] == 'r';
	flags = (d->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	d->fd = open(path, flags | O_DIRECT);
	d->direct = d->fd >= 0;
	if (d->fd < 0 && errno == EINVAL) /* tmpfs before 6.6: no O_DIRECT */
		d->fd = open(path, flags);
	if (d->fd < 0)
		return xenback_backend_set_error(be, -errno, "cannot open %s: %s", path, strerror(errno));
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, 1);
	if (fstat(d->fd, &st) < 0)
		goto fail;
	d->lbs = d->pbs = BLK_SECTOR;
	d->blockdev = S_ISBLK(st.st_mode);
	if (d->blockdev) {
		int lbs = 0;
		unsigned int pbs = 0;

		if (ioctl(d->fd, BLKGETSIZE64, &bytes) < 0 || ioctl(d->fd, BLKSSZGET, &lbs) < 0)
			goto fail;
		if (lbs < (int)BLK_SECTOR || lbs > (int)BLK_PAGE || (lbs & (lbs - 1))) {
			errno = EINVAL; /* no blkif frontend can use it */
			goto fail;
		}
		d->lbs = d->pbs = (unsigned int)lbs;
		if (ioctl(d->fd, BLKPBSZGET, &pbs) == 0 && pbs >= d->lbs && !(pbs % d->lbs))
			d->pbs = pbs;
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
		if (d->direct && file_dio_align(d, path, flags) < 0)
			goto fail;
	} else {
		errno = EINVAL;
		goto fail;
	}
	d->sectors = bytes / d->lbs * (d->lbs / BLK_SECTOR); /* whole logical blocks */
	d->inline_rw = blk_image_in_memory(d->fd, d->direct);
	/* Discard: PUNCH_HOLE on a file; BLKDISCARD on a block device whose
	 * queue can discard. */
	d->can_discard = !d->readonly && (!d->blockdev || blockdev_discards(st.st_rdev));
	d->path = strdup(path);
	if (!d->path) {
		errno = ENOMEM;
		goto fail;
	}
	if (blk_inplace_map(d) < 0)
		xenback_device_log(d->dev, XENBACK_LOG_WARNING, "%s: cannot map it (%s): preadv/pwritev instead",
				   path, strerror(errno));
	return 0;
fail:
	e = -errno;
	xenback_backend_set_error(be, e, "%s: %s", path, strerror(-e));
	blk_image_close(d);
	return e;
}

void blk_image_close(struct blk_dev *d)
{
	blk_inplace_unmap(d);
	if (d->fd >= 0) {
		close(d->fd);
		xenback_device_account(d->dev, XENBACK_USAGE_FDS, -1);
	}
	d->fd = -1;
	free(d->path);
	d->path = NULL;
}
