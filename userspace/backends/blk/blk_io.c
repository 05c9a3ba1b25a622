/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* I/O: io_uring for the image, batched grant copy for guest data. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blk.h"

static void complete(int fd, uint32_t events, void *arg);

int blk_io_init(struct blk_dev *d)
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
	return xenback_bus_add_fd(xenback_device_get_bus(d->dev), d->efd, EPOLLIN, complete, d);
}

/* Completions of one round; reads are copied out in one batch. */
static unsigned int reap(struct blk_dev *d)
{
	struct io_uring_cqe *cqe;
	unsigned int n = 0;

	while (io_uring_peek_cqe(&d->uring, &cqe) == 0) {
		struct blk_req *r = io_uring_cqe_get_data(cqe);
		bool ok;

		switch (r->io_op) {
		case BLKIF_OP_READ:
		case BLKIF_OP_WRITE:
			ok = cqe->res == (int)r->bytes;
			break;
		default:
			ok = cqe->res == 0;
		}
		io_uring_cqe_seen(&d->uring, cqe);
		n++;
		if (ok && r->io_op == BLKIF_OP_READ && !r->persistent) {
			r->next = d->done_reads;
			d->done_reads = r;
			continue;
		}
		r->status = ok ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
		r->next = d->done;
		d->done = r;
	}
	return n;
}

void blk_io_flush_reads(struct blk_dev *d)
{
	struct blk_req *r, *next;

	if (!d->done_reads)
		return;
	blk_io_copy(d, d->done_reads, true);
	for (r = d->done_reads, d->done_reads = NULL; r; r = next) {
		next = r->next;
		r->next = d->done;
		d->done = r;
	}
}

static void complete(int fd, uint32_t events, void *arg)
{
	struct blk_dev *d = arg;
	uint64_t v;

	(void)events;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	while (reap(d))
		;
	blk_io_flush_reads(d);
	if (d->done)
		blk_queue_respond(d);
}

/* A read or write on a memory-backed image, done now. Reads through the
 * bounce buffer join the round's batched copy to the guest. */
static void rw_in_place(struct blk_dev *d, struct blk_req *r)
{
	off_t off = (off_t)(r->sector * BLK_SECTOR);
	bool rd = r->io_op == BLKIF_OP_READ;
	ssize_t n;

	if (d->map)
		n = blk_map_rw(d, r) == 0 ? (ssize_t)r->bytes : -1;
	else if (r->persistent)
		n = rd ? preadv(d->fd, r->iov, r->nseg, off) : pwritev(d->fd, r->iov, r->nseg, off);
	else
		n = rd ? pread(d->fd, r->buf, r->bytes, off) : pwrite(d->fd, r->buf, r->bytes, off);
	r->q->inline_rw++;
	if (n == (ssize_t)r->bytes && rd && !r->persistent) {
		r->next = d->done_reads;
		d->done_reads = r;
		return;
	}
	r->status = n == (ssize_t)r->bytes ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
	r->next = d->done;
	d->done = r;
}

int blk_io_submit(struct blk_dev *d, struct blk_req *r)
{
	struct io_uring_sqe *sqe;
	off_t off = (off_t)(r->sector * BLK_SECTOR);

	if (d->inline_rw && (r->io_op == BLKIF_OP_READ || r->io_op == BLKIF_OP_WRITE)) {
		rw_in_place(d, r);
		return 0;
	}
	sqe = io_uring_get_sqe(&d->uring);

	if (!sqe) {
		blk_io_flush_sq(d);
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

int blk_io_flush_sq(struct blk_dev *d)
{
	int r = 0;

	if (d->sq_pending) {
		r = io_uring_submit(&d->uring);
		d->sq_pending = 0;
	}
	return r < 0 ? r : 0;
}

/* One grant copy for all segments of all requests on the list. A request
 * with a failed segment gets BLKIF_RSP_ERROR. */
int blk_io_copy(struct blk_dev *d, struct blk_req *list, bool to_guest)
{
	struct xenback_grant_copy *segs;
	struct blk_req *r;
	unsigned int n = 0, i, k;
	int ret;

	for (r = list; r; r = r->next)
		n += r->nseg;
	if (!n)
		return 0;
	segs = malloc(n * sizeof(*segs));
	if (!segs) {
		for (r = list; r; r = r->next)
			r->status = BLKIF_RSP_ERROR;
		return -ENOMEM;
	}
	k = 0;
	for (r = list; r; r = r->next) {
		uint32_t off = 0;

		for (i = 0; i < r->nseg; i++, k++) {
			uint16_t len = (uint16_t)((r->seg[i].last_sect - r->seg[i].first_sect + 1) * BLK_SECTOR);

			segs[k] = (struct xenback_grant_copy){
				.to_guest = to_guest, .ref = r->seg[i].gref,
				.offset = (uint16_t)(r->seg[i].first_sect * BLK_SECTOR), .len = len,
				.buf = (char *)r->buf + off,
			};
			off += len;
		}
	}
	ret = xenback_device_grant_copy(d->dev, segs, n);
	k = 0;
	for (r = list; r; r = r->next)
		for (i = 0; i < r->nseg; i++, k++)
			if (segs[k].status || ret == -EINVAL || ret == -ENOSYS)
				r->status = BLKIF_RSP_ERROR;
	free(segs);
	return ret;
}

void blk_io_fini(struct blk_dev *d)
{
	unsigned int i, inflight = 0;

	if (!d->uring_ok)
		goto out;
	blk_io_flush_sq(d);
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
