/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a reattach waits for (userspace/backends/blk/blk_drain.c), on the
 * real kernel: a process killed with a direct write at the storage is
 * reaped before the write is done, so the write can land after one the next
 * process makes; blk_drain_wait_inflight() returns only once it has landed.
 *
 * The storage: a brd ramdisk behind a dm-delay device that holds writes
 * for XB_DELAY_MS, behind a dm-linear device (made here through the
 * device-mapper ioctls): the linear device counts a write in flight from
 * its submission to its end, as a disk does (dm-delay itself counts a bio
 * only once it lets it go: its own count misses what it holds). The killed
 * process writes through the delay device with io_uring (O_DIRECT), as
 * xenbackd does; the later write goes to the ramdisk under it, as a write
 * on another, faster path or hardware queue would. No timing is asserted:
 * only which write the block holds in the end.
 */
#include <linux/dm-ioctl.h>
#include <liburing.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vmtest.h"
#include "userspace/backends/blk/blk_drain_wait.h"

#define XB_DELAY_MS 2000
#define SECTORS 8192 /* 4 MiB of the ramdisk */

static char inflight[96];
static const char *dm_node = "/tmp/xblinear", *ram_node = "/tmp/xbram0";

struct dm_req {
	struct dm_ioctl io;
	char data[1024];
};

static void dm_init(struct dm_req *q, const char *name)
{
	memset(q, 0, sizeof(*q));
	q->io.version[0] = DM_VERSION_MAJOR;
	q->io.data_size = sizeof(*q);
	q->io.data_start = sizeof(struct dm_ioctl);
	snprintf(q->io.name, sizeof(q->io.name), "%s", name);
}

/* A device-mapper device name of one target type over major:minor, with
 * params after the device. Its dev_t, or 0. */
static dev_t dm_create(const char *name, const char *type, dev_t under, const char *params)
{
	struct dm_req q;
	struct dm_target_spec *spec = (struct dm_target_spec *)q.data;
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	dev_t dev = 0;

	if (ctl < 0) {
		mkdir("/dev/mapper", 0755);
		mknod("/dev/mapper/control", S_IFCHR | 0600, makedev(10, 236));
		ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	}
	if (ctl < 0)
		return 0;
	dm_init(&q, name);
	if (ioctl(ctl, DM_DEV_CREATE, &q) < 0)
		goto out;
	dm_init(&q, name);
	q.io.target_count = 1;
	spec->sector_start = 0;
	spec->length = SECTORS;
	snprintf(spec->target_type, sizeof(spec->target_type), "%s", type);
	snprintf((char *)(spec + 1), sizeof(q.data) - sizeof(*spec), "%u:%u %s",
		 major(under), minor(under), params);
	spec->next = 0;
	if (ioctl(ctl, DM_TABLE_LOAD, &q) < 0)
		goto out;
	dm_init(&q, name);
	if (ioctl(ctl, DM_DEV_SUSPEND, &q) < 0) /* no DM_SUSPEND_FLAG: resume */
		goto out;
	dev = makedev((unsigned int)((q.io.dev >> 8) & 0xfff),
		      (unsigned int)((q.io.dev & 0xff) | ((q.io.dev >> 12) & 0xfff00)));
out:
	close(ctl);
	return dev;
}

static void dm_remove(const char *name)
{
	struct dm_req q;
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return;
	dm_init(&q, name);
	ioctl(ctl, DM_DEV_REMOVE, &q);
	close(ctl);
}

static void fill(void *buf, char c)
{
	memset(buf, c, 4096);
}

/* Block 0 of the ramdisk: its first byte. */
static int block0(void)
{
	unsigned char *buf = NULL;
	int fd = open(ram_node, O_RDONLY | O_DIRECT), c = -1;

	if (fd >= 0 && posix_memalign((void **)&buf, 4096, 4096) == 0 && pread(fd, buf, 4096, 0) == 4096)
		c = buf[0];
	free(buf);
	if (fd >= 0)
		close(fd);
	return c;
}

static int write0(const char *node, char c)
{
	void *buf = NULL;
	int fd = open(node, O_WRONLY | O_DIRECT), r = -1;

	if (fd >= 0 && posix_memalign(&buf, 4096, 4096) == 0) {
		fill(buf, c);
		r = pwrite(fd, buf, 4096, 0) == 4096 ? 0 : -1;
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

static unsigned int writes_in_flight(void)
{
	unsigned int rd = 0, wr = 0;
	FILE *f = fopen(inflight, "re");

	if (f && fscanf(f, "%u %u", &rd, &wr) != 2)
		wr = 0;
	if (f)
		fclose(f);
	return wr;
}

/* A child writes 'A' to block 0 through the delay device with io_uring,
 * waits until the write is at the storage, and is killed. Reaped on return:
 * true if it got that far. */
static bool killed_writer(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct io_uring ring;
		struct io_uring_sqe *sqe;
		void *buf = NULL;
		int fd = open(dm_node, O_WRONLY | O_DIRECT), i;

		if (fd < 0 || posix_memalign(&buf, 4096, 4096) || io_uring_queue_init(4, &ring, 0))
			_exit(2);
		fill(buf, 'A');
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_write(sqe, fd, buf, 4096, 0);
		if (io_uring_submit(&ring) != 1)
			_exit(3);
		for (i = 0; i < 5000 && !writes_in_flight(); i++)
			usleep(1000);
		if (!writes_in_flight())
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return false;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		tap_diag("the writer ended with status %#x", st);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

int main(void)
{
	struct stat st;
	char params[64];
	dev_t dm, delay;
	bool killed;
	unsigned int wr;
	int first, r;

	if (system("insmod /mod/brd.ko rd_nr=1 rd_size=8192 2>/dev/null; "
		   "insmod /mod/dm-mod.ko 2>/dev/null; insmod /mod/dm-delay.ko 2>/dev/null") < 0 ||
	    stat("/dev/ram0", &st) < 0) {
		tap_ok(false, "a brd ramdisk in the VM (/mod/brd.ko, from the kernel's modules)");
		return tap_done();
	}
	mknod(ram_node, S_IFBLK | 0600, st.st_rdev);
	snprintf(params, sizeof(params), "0 0 %u:%u 0 %u", major(st.st_rdev), minor(st.st_rdev),
		 XB_DELAY_MS);
	delay = dm_create("xbdelay", "delay", st.st_rdev, params);
	dm = delay ? dm_create("xblinear", "linear", delay, "0") : 0;
	tap_ok(dm != 0, "a dm-linear device over a dm-delay device over the ramdisk, writes held "
	       "%u ms", XB_DELAY_MS);
	if (!dm)
		return tap_done();
	mknod(dm_node, S_IFBLK | 0600, dm);
	snprintf(inflight, sizeof(inflight), "/sys/dev/block/%u:%u/inflight", major(dm), minor(dm));
	tap_ok(write0(ram_node, 'O') == 0 && block0() == 'O', "block 0 holds the old data");
	{
		int64_t t0 = blk_drain_now_ms();
		int w = write0(dm_node, 'O');

		tap_diag("dm %u:%u (%s): a direct write through it took %lld ms (%d)", major(dm),
			 minor(dm), inflight, (long long)(blk_drain_now_ms() - t0), w);
	}

	/* Without a wait: the killed process's write lands last. */
	killed = killed_writer();
	wr = writes_in_flight();
	first = block0();
	tap_ok(killed && wr >= 1 && first == 'O',
	       "a process killed with a direct write at the storage is reaped before it lands "
	       "(%u write(s) in flight, block 0 '%c')", wr, first);
	r = write0(ram_node, 'B');
	blk_drain_wait_inflight(inflight, blk_drain_now_ms() + 30000, NULL);
	first = block0();
	tap_ok(r == 0 && first == 'A',
	       "without a wait, a later write is undone by the killed process's landing after it "
	       "(block 0 '%c')", first);

	/* With blk_drain_wait_inflight(): the later write stays. */
	write0(ram_node, 'O');
	killed = killed_writer();
	wr = writes_in_flight();
	r = blk_drain_wait_inflight(inflight, blk_drain_now_ms() + 30000, NULL);
	first = block0();
	tap_ok(killed && wr >= 1 && r == 0 && first == 'A' && writes_in_flight() == 0,
	       "blk_drain_wait_inflight() returns once the killed process's write is in "
	       "(%u in flight before, returned %d, block 0 '%c')", wr, r, first);
	write0(ram_node, 'B');
	usleep(XB_DELAY_MS * 1000 + 500000);
	first = block0();
	tap_ok(first == 'B', "... and the write made after it stays (block 0 '%c')", first);
	r = blk_drain_wait_inflight("/sys/dev/block/0:0/nonexistent", blk_drain_now_ms() + 100, NULL);
	tap_ok(r == -ENOENT, "no in-flight count to read: an error (%d), not a pass", r);
	dm_remove("xblinear");
	dm_remove("xbdelay");
	unlink(dm_node);
	unlink(ram_node);
	return tap_done();
}
