/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Before a reattach runs again what the previous process left unanswered:
 * wait until that process's own I/O is over.
 *
 * A process that dies (SIGKILL, a crash) does not wait for its io_uring
 * requests that are already at the storage: the ring is torn down by a
 * kernel worker after the process is gone, and a direct write can reach the
 * disk later still (milliseconds on a healthy disk, minutes behind a path
 * that queues while it is down). Were the new process to write the same
 * request again, answer it, and the guest then write that block anew, the
 * old write landing last would bring back stale data. Requests that ran in
 * the process's own threads (io-wq workers, the discard thread, buffered
 * I/O, an in-memory image) are over once it is reaped, and a graceful
 * hand-over has waited for its I/O (blk_engine_fini()); what is left is the
 * storage's in-flight I/O, waited for here, only when there is something to
 * run again:
 *   a block device: its in-flight count (sysfs .../inflight, "reads
 *     writes") falls to 0 (nobody else does I/O to a guest's disk; this
 *     process has not started yet);
 *   a regular file: fallocate(FALLOC_FL_KEEP_SIZE) of its first block,
 *     which ext4, XFS and btrfs run only after the inode's direct I/O is
 *     over (inode_dio_wait()); a file system without fallocate (ext2): the
 *     in-flight count of the device it is on.
 * The wait runs on a thread of its own (a poll, or the fallocate, which
 * blocks as long as the storage takes), so the daemon's thread goes on
 * serving the others; the device's rings are not read meanwhile. It is
 * bounded by BLK_DRAIN_WAIT_MS for the polls: past that the device is shut
 * down with the reason (data before availability). The thread owns a
 * dup() of the image fd and an eventfd of its own, which it raises when
 * done; the device joins it then (it is past its last blocking call) and
 * runs the reattach on (blk_reattach_run()), or, torn down meanwhile, lets
 * it finish alone. Set-up, not a stage: the request path only sees that
 * d->drain is set (its queues take nothing meanwhile).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blk.h"
#include "blk_drain_wait.h"

#ifdef XB_TEST_HOOKS
const char *blk_test_drain_inflight;
unsigned int blk_test_drain_wait_ms;
#endif

enum { DRAIN_RUNNING, DRAIN_DONE };

struct blk_drain {
	atomic_int refs;               /* the device's and the thread's */
	atomic_int state;
	atomic_bool cancel;
	int result;                    /* 0, or -errno (set before DRAIN_DONE) */
	int fd;                        /* dup() of the image fd: -1 to poll only */
	int efd;                       /* raised by the thread when done */
	unsigned int wait_ms;
	char inflight[192];            /* sysfs in-flight count to poll ("" none) */
	int64_t t0;
	pthread_t thread;
	void (*then)(struct blk_dev *d); /* the reattach, on (blk_reattach_run()) */
};

static void put(struct blk_drain *dr)
{
	if (atomic_fetch_sub(&dr->refs, 1) != 1)
		return;
	if (dr->fd >= 0)
		close(dr->fd);
	if (dr->efd >= 0)
		close(dr->efd);
	free(dr);
}

static void *run(void *arg)
{
	struct blk_drain *dr = arg;
	uint64_t one = 1;
	int r = 0;

	if (dr->fd >= 0)
		r = blk_drain_wait_dio(dr->fd);
	if (dr->fd < 0 || (r == -EOPNOTSUPP && dr->inflight[0]))
		r = blk_drain_wait_inflight(dr->inflight, dr->t0 + dr->wait_ms, &dr->cancel);
	dr->result = r;
	atomic_store(&dr->state, DRAIN_DONE);
	if (write(dr->efd, &one, sizeof(one)) < 0) {
		/* a full counter is raised already */
	}
	put(dr);
	return NULL;
}

static void done_event(int fd, uint32_t events, void *arg);

/* Where the in-flight count of the device d's image is (or, for a file,
 * of the device its file system is on). False: nothing to wait for. */
static bool what_to_wait(struct blk_dev *d, struct blk_drain *dr)
{
	struct stat st;

#ifdef XB_TEST_HOOKS
	if (blk_test_drain_inflight) {
		snprintf(dr->inflight, sizeof(dr->inflight), "%s", blk_test_drain_inflight);
		return true;
	}
#endif
	if (d->inline_rw || !d->direct || fstat(d->fd, &st) < 0)
		return false; /* I/O in the process's threads: over with it */
	/* A read-only file cannot be fallocated: its file system's device. */
	snprintf(dr->inflight, sizeof(dr->inflight), "%s/dev/block/%u:%u/inflight",
		 blk_image_sysfs(), major(d->blockdev ? st.st_rdev : st.st_dev),
		 minor(d->blockdev ? st.st_rdev : st.st_dev));
	if (!d->blockdev && !d->readonly) {
		dr->fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
		if (dr->fd < 0)
			dr->inflight[0] = '\0'; /* no fd: the result says so */
	}
	return true;
}

int blk_drain_start(struct blk_dev *d, unsigned int n, void (*then)(struct blk_dev *d))
{
	struct blk_drain *dr = calloc(1, sizeof(*dr));
	sigset_t all, old;
	int r;

	if (!dr)
		return -ENOMEM;
	dr->fd = dr->efd = -1;
	dr->wait_ms = BLK_DRAIN_WAIT_MS;
	dr->then = then;
#ifdef XB_TEST_HOOKS
	if (blk_test_drain_wait_ms)
		dr->wait_ms = blk_test_drain_wait_ms;
#endif
	if (!what_to_wait(d, dr)) {
		free(dr);
		return 0;
	}
	if (!dr->inflight[0]) {
		free(dr);
		return -EMFILE;
	}
	dr->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = dr->efd < 0 ? -errno :
	    xenback_bus_add_fd(xenback_device_get_bus(d->dev), dr->efd, EPOLLIN, done_event, d);
	if (r < 0) {
		atomic_init(&dr->refs, 1);
		put(dr);
		return r;
	}
	atomic_init(&dr->refs, 2);
	atomic_init(&dr->state, DRAIN_RUNNING);
	dr->t0 = blk_drain_now_ms();
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread takes no signal */
	r = -pthread_create(&dr->thread, NULL, run, dr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		xenback_bus_del_fd(xenback_device_get_bus(d->dev), dr->efd);
		atomic_store(&dr->refs, 1);
		put(dr);
		return r;
	}
	d->drain = dr;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, dr->fd >= 0 ? 2 : 1);
	xenback_device_log(d->dev, XENBACK_LOG_NOTICE,
			   "%u request(s) the previous process left unanswered wait until its I/O "
			   "is over (%s%s%s)", n,
			   dr->fd >= 0 ? "fallocate of the image" : "", dr->fd >= 0 && dr->inflight[0] ?
			   ", else " : "", dr->inflight);
	return 1;
}

/* The device lets go of the thread (its fds counted until now). */
static void release(struct blk_dev *d, struct blk_drain *dr)
{
	d->drain = NULL;
	xenback_bus_del_fd(xenback_device_get_bus(d->dev), dr->efd);
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, dr->fd >= 0 ? -2 : -1);
}

/* The thread's eventfd: done, the reattach goes on (or the disk is shut
 * down if the wait failed). */
static void done_event(int fd, uint32_t events, void *arg)
{
	struct blk_dev *d = arg;
	struct blk_drain *dr = d->drain;
	void (*then)(struct blk_dev *d);
	uint64_t v;
	int r;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	if (!dr || atomic_load(&dr->state) != DRAIN_DONE)
		return;
	pthread_join(dr->thread, NULL); /* past its last blocking call */
	r = dr->result;
	release(d, dr);
	if (r < 0)
		xenback_device_fail(d->dev, r, "the previous process's I/O on %s is not over "
				    "after %lld ms (%s): its unanswered requests are not run "
				    "again, the disk is shut down", d->path ? d->path : "the image",
				    (long long)(blk_drain_now_ms() - dr->t0), strerror(-r));
	else
		xenback_device_log(d->dev, XENBACK_LOG_NOTICE,
				   "the previous process's I/O was over in %lld ms",
				   (long long)(blk_drain_now_ms() - dr->t0));
	then = dr->then;
	put(dr);
	if (r == 0)
		then(d);
}

void blk_drain_cancel(struct blk_dev *d)
{
	struct blk_drain *dr = d->drain;

	if (!dr)
		return;
	release(d, dr);
	atomic_store(&dr->cancel, true);
	pthread_detach(dr->thread);
	put(dr);
}
