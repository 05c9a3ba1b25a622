/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The I/O engine: a validated request's read, write, flush or discard on
 * the image. Reads and writes of a memory-backed image are done at once in
 * place (blk_engine_inplace.c); everything else is queued on the device's
 * io_uring and submitted once per round (blk_engine_flush()). Completions
 * raise the eventfd in the bus's epoll set (blk_event.c handles it and
 * calls blk_engine_reap()). Every result goes on to blk_complete_io().
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blk.h"

int blk_engine_init(struct blk_dev *d, xenback_fd_fn fn)
{
	int r = io_uring_queue_init(BLK_URING_ENTRIES, &d->uring, 0);

	if (r < 0)
		return r;
	d->uring_ok = true;
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0)
		return -errno;
	r = io_uring_register_eventfd(&d->uring, d->efd);
	if (r < 0)
		return r;
	return xenback_bus_add_fd(xenback_device_get_bus(d->dev), d->efd, EPOLLIN, fn, d);
}

/* Completions in the ring now, each to completion. */
static unsigned int reap(struct blk_dev *d)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;

	while (io_uring_peek_cqe(&d->uring, &cqe) == 0) {
		struct blk_req *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&d->uring, cqe);
		n++;
		blk_complete_io(d, r, res);
	}
	return n;
}

int blk_engine_reap(struct blk_dev *d, int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	while (reap(d))
		;
	return 0;
}

int blk_engine_submit(struct blk_dev *d, struct blk_req *r)
{
	struct io_uring_sqe *sqe;
	off_t off = (off_t)(r->sector * BLK_SECTOR);

	if (d->inline_rw && (r->io_op == BLKIF_OP_READ || r->io_op == BLKIF_OP_WRITE)) {
		blk_inplace_rw(d, r);
		return 0;
	}
	sqe = io_uring_get_sqe(&d->uring);

	if (!sqe) {
		blk_engine_flush(d);
		sqe = io_uring_get_sqe(&d->uring);
		if (!sqe)
			return -EBUSY;
	}
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
	d->sq_pending++;
	return 0;
}

int blk_engine_flush(struct blk_dev *d)
{
	int r = 0;

	if (d->sq_pending) {
		r = io_uring_submit(&d->uring);
		d->sq_pending = 0;
	}
	return r < 0 ? r : 0;
}

void blk_engine_fini(struct blk_dev *d)
{
	unsigned int i, inflight = 0;

	if (!d->uring_ok)
		goto out;
	blk_engine_flush(d);
	for (i = 0; i < d->nqueues; i++)
		inflight += d->q[i].inflight;
	/* Requests answered at once are not in the uring: count those out. */
	for (struct blk_req *r = d->done; r; r = r->next)
		inflight--;
	for (struct blk_req *r = d->done_reads; r; r = r->next)
		inflight--;
	while (inflight) { /* the kernel may still write into our buffers */
		struct io_uring_cqe *cqe;
		struct __kernel_timespec ts = { .tv_sec = 5 };

		if (io_uring_wait_cqe_timeout(&d->uring, &cqe, &ts) < 0)
			break;
		io_uring_cqe_seen(&d->uring, cqe);
		inflight--;
	}
	io_uring_queue_exit(&d->uring);
	d->uring_ok = false;
out:
	if (d->efd >= 0) {
		xenback_bus_del_fd(xenback_device_get_bus(d->dev), d->efd);
		close(d->efd);
		d->efd = -1;
	}
}
