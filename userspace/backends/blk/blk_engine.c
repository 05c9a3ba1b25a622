/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The I/O engine: a validated request's read, write, flush or discard on
 * the image. Reads and writes of a memory-backed image are done at once in
 * place (blk_engine_inplace.c); everything else is queued on the device's
 * io_uring and submitted once per round (blk_engine_flush()). Completions
 * already posted when a request round's submission returns are taken in
 * that round (blk_engine_flush_reap()); later ones raise the eventfd in the
 * bus's epoll set (blk_event.c handles it and calls blk_engine_reap()).
 * Every result goes on to blk_complete_io().
 *
 * FLUSH_DISKCACHE with data is a flush linked to the write (IOSQE_IO_LINK:
 * the write starts once the flush succeeded, and fails if it did not).
 * Discard is fallocate(PUNCH_HOLE) on a file; on a block device it is
 * ioctl(BLKDISCARD) on the discard thread (blk_discard.c): io_uring has no
 * discard before Linux 6.12, and PUNCH_HOLE on a block device writes
 * zeroes instead. The thread raises the same eventfd when one is done.
 *
 * Teardown (blk_engine_fini()) never frees memory the kernel may still
 * write: it cancels what is queued, waits at most BLK_TEARDOWN_WAIT_MS in
 * all for the rest, and if storage hangs past that, leaks the buffers of
 * the requests still in flight (with a log line) rather than free them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "blk.h"

int blk_engine_init(struct blk_dev *d, xenback_fd_fn fn)
{
	const char *env = getenv("XENBACK_BLK_REAP_INLINE");
	int r;

	if (d->uring_ok || d->efd >= 0)
		return -EALREADY;
	d->reap_inline = !(env && *env == '0');
	r = io_uring_queue_init(BLK_URING_ENTRIES, &d->uring, 0);
	if (r < 0)
		return r;
	d->uring_ok = true;
	d->uring_inflight = 0;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, 1);
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0)
		return -errno;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, 1);
	r = io_uring_register_eventfd(&d->uring, d->efd);
	if (r < 0)
		return r;
	r = xenback_bus_add_fd(xenback_device_get_bus(d->dev), d->efd, EPOLLIN, fn, d);
	if (r < 0)
		return r;
	d->efd_added = true;
	return 0;
}

void blk_engine_kick(struct blk_dev *d)
{
	uint64_t one = 1;

	if (d->efd >= 0 && write(d->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, a round is pending anyway */
	}
}

#ifdef XB_TEST_HOOKS
unsigned int blk_test_reap_max;
#define reap_max() (blk_test_reap_max ? blk_test_reap_max : UINT_MAX)
#else
#define reap_max() UINT_MAX
#endif

/* Completions in the ring now, each to completion. */
static unsigned int reap(struct blk_dev *d)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;

	while (io_uring_peek_cqe(&d->uring, &cqe) == 0) {
		if (n == reap_max()) { /* test hook: the rest later */
			blk_engine_kick(d);
			break;
		}
		struct blk_req *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&d->uring, cqe);
		n++;
		d->uring_inflight--;
		if (!r)
			continue; /* a preflush: its write reports for both */
		r->in_engine = false;
		blk_complete_io(d, r, res);
	}
	return n;
}

int blk_engine_reap(struct blk_dev *d, int fd)
{
	unsigned int n;
	uint64_t v;

	if (!d->uring_ok)
		return -ENXIO;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	for (n = reap(d); n && n < reap_max(); n = reap(d))
		;
	blk_discard_reap(d);
	return 0;
}

static struct io_uring_sqe *sqe_get(struct blk_dev *d)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->uring);

	if (!sqe) {
		blk_engine_flush(d);
		sqe = io_uring_get_sqe(&d->uring);
	}
	return sqe;
}

/* BLKDISCARD on a block device, now: only if the discard thread cannot
 * take it. EOPNOTSUPP (no discard there) goes to the guest as such, so
 * that blkfront turns discard off. */
static void discard_blockdev(struct blk_dev *d, struct blk_req *r)
{
	uint64_t range[2] = { r->sector * BLK_SECTOR, r->nr_sectors * BLK_SECTOR };

	blk_complete_io(d, r, ioctl(d->fd, BLKDISCARD, range) < 0 ? -errno : 0);
}

int blk_engine_submit(struct blk_dev *d, struct blk_req *r)
{
	struct io_uring_sqe *sqe;
	off_t off = (off_t)(r->sector * BLK_SECTOR);

	if (blk_grant_io_takes(d, r))
		return blk_grant_io_submit(d, r);
	if (d->inline_rw && (r->io_op == BLKIF_OP_READ || r->io_op == BLKIF_OP_WRITE)) {
		blk_inplace_rw(d, r);
		return 0;
	}
	if (r->io_op == BLKIF_OP_DISCARD && d->blockdev) {
		if (blk_discard_submit(d, r) < 0)
			discard_blockdev(d, r);
		return 0;
	}
	if (!d->uring_ok)
		return -ENXIO;
	if (r->preflush) {
		/* Two SQEs: room for both, or neither is queued. */
		if (io_uring_sq_space_left(&d->uring) < 2)
			blk_engine_flush(d);
		if (io_uring_sq_space_left(&d->uring) < 2)
			return -EBUSY;
		sqe = io_uring_get_sqe(&d->uring);
		io_uring_prep_fsync(sqe, d->fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
		io_uring_sqe_set_data(sqe, NULL);
		d->sq_pending++;
		d->uring_inflight++;
	}
	sqe = sqe_get(d);
	if (!sqe)
		return -EBUSY;
	switch (r->io_op) {
	case BLKIF_OP_READ:
		if (r->persistent)
			io_uring_prep_readv(sqe, d->fd, r->iov, r->nseg, (uint64_t)off);
		else
			io_uring_prep_read(sqe, d->fd, r->buf, r->bytes, (uint64_t)off);
		break;
	case BLKIF_OP_WRITE:
		if (r->persistent)
			io_uring_prep_writev(sqe, d->fd, r->iov, r->nseg, (uint64_t)off);
		else
			io_uring_prep_write(sqe, d->fd, r->buf, r->bytes, (uint64_t)off);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		io_uring_prep_fsync(sqe, d->fd, IORING_FSYNC_DATASYNC);
		break;
	case BLKIF_OP_DISCARD:
		io_uring_prep_fallocate(sqe, d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
					(off_t)(r->nr_sectors * BLK_SECTOR));
		break;
	default:
		return -EINVAL;
	}
	io_uring_sqe_set_data(sqe, r);
	r->in_engine = true;
	d->sq_pending++;
	d->uring_inflight++;
	return 0;
}

int blk_engine_flush(struct blk_dev *d)
{
	int r = blk_grant_io_flush(d, false);

	if (d->sq_pending) {
		int s = io_uring_submit(&d->uring);

		d->sq_pending = 0;
		if (s < 0)
			r = s;
	}
	return r < 0 ? r : 0;
}

int blk_engine_flush_reap(struct blk_dev *d)
{
	int r;

	if (d->gio_pending)
		blk_grant_io_flush(d, d->reap_inline);
	if (!d->sq_pending || !d->uring_ok || !d->reap_inline)
		return blk_engine_flush(d);
	/*
	 * Completions posted during the submission do not raise the eventfd
	 * (it would only wake the bus to find them taken); re-enabled before
	 * the second look, so one posted after the first look either is seen
	 * there or raises it.
	 */
	io_uring_cq_eventfd_toggle(&d->uring, false);
	r = blk_engine_flush(d);
	reap(d);
	io_uring_cq_eventfd_toggle(&d->uring, true);
	reap(d);
	return r;
}

static int64_t now_ms(void)
{
	return (int64_t)(blk_now_ns() / 1000000u);
}

/* Ask the kernel to cancel everything queued (I/O already at the device
 * completes, or fails, in its own time). */
static void cancel_all(struct blk_dev *d)
{
	struct io_uring_sqe *sqe = sqe_get(d);

	if (!sqe)
		return;
	io_uring_prep_cancel(sqe, NULL, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data(sqe, NULL);
	d->sq_pending++;
	d->uring_inflight++;
	blk_engine_flush(d);
}

/* Completions until none is in flight or the deadline: each seen, none
 * answered (the device is going). */
static void drain(struct blk_dev *d, int64_t deadline)
{
	while (d->uring_inflight) {
		struct io_uring_cqe *cqe;
		int64_t left = deadline - now_ms();
		struct __kernel_timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };
		struct blk_req *r;

		if (left <= 0 || io_uring_wait_cqe_timeout(&d->uring, &cqe, &ts) < 0)
			break;
		r = io_uring_cqe_get_data(cqe);
		if (r)
			r->in_engine = false;
		io_uring_cqe_seen(&d->uring, cqe);
		d->uring_inflight--;
	}
}

/* Storage hangs: every request still in the kernel's hands keeps its
 * buffer for good (moved to the leaked list; the slot forgets it). */
static void leak_inflight(struct blk_dev *d)
{
	unsigned int i, j, n = 0;
	size_t bytes = 0;

	for (i = 0; i < d->nqueues; i++) {
		struct blk_queue *q = &d->q[i];
		unsigned int size = q->slots ? RING_SIZE(&q->ring) : 0;

		for (j = 0; j < size; j++) {
			struct blk_req *r = &q->slots[j];

			if (!r->in_engine)
				continue;
			r->in_engine = false;
			n++;
			/* A persistent request's pages are the guest's, mapped
			 * through gntdev: they must stay mapped while the kernel
			 * holds them (blk_persist_release() keeps them). */
			if (r->persistent && (!q->keep || r->use_seq < q->keep_from)) {
				q->keep = true;
				q->keep_from = r->use_seq;
			}
			bytes += blk_budget_bounce_leak(d, r);
		}
	}
	xenback_device_log(d->dev, XENBACK_LOG_ERR,
			   "%s: storage did not finish %u request(s) within %u ms of teardown: "
			   "leaking their %zu bytes of buffers rather than free memory the kernel may still write",
			   d->path ? d->path : "image", n, BLK_TEARDOWN_WAIT_MS, bytes);
}

void blk_engine_fini(struct blk_dev *d)
{
	blk_discard_fini(d); /* it writes to the eventfd */
	blk_grant_io_close(d); /* the module keeps what is in flight */
	if (!d->uring_ok)
		goto out;
	blk_engine_flush(d);
	if (d->uring_inflight) {
		cancel_all(d);
		drain(d, now_ms() + BLK_TEARDOWN_WAIT_MS);
	}
	if (d->uring_inflight)
		leak_inflight(d);
	/* Closing the ring lets the kernel finish or cancel the rest on its
	 * own; it does not wait here. */
	io_uring_queue_exit(&d->uring);
	d->uring_ok = false;
	d->uring_inflight = 0;
	d->sq_pending = 0;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, -1);
out:
	if (d->efd >= 0) {
		if (d->efd_added)
			xenback_bus_del_fd(xenback_device_get_bus(d->dev), d->efd);
		d->efd_added = false;
		close(d->efd);
		d->efd = -1;
		xenback_device_account(d->dev, XENBACK_USAGE_FDS, -1);
	}
}
