/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Grant I/O: reads and writes of an O_DIRECT image done by xenback.ko
 * straight between the image and the guest's pages (uapi/xenback.h,
 * XENBACK_IOCTL_GRANT_IO_OPEN). The module maps the frontend's grants
 * itself and keeps them mapped, as blkback does with persistent grants: no
 * bounce buffer, no grant copy, no gntdev mapping in this process. A
 * process that dies or tears a device down with I/O in flight leaves the
 * pages to the module, which unmaps them when the I/O ends (the crash a
 * gntdev page under O_DIRECT gives, dom0-37, cannot happen here).
 *
 * The round's requests go to the module in one ioctl per
 * XENBACK_GRANT_IO_MAX_BATCH (blk_grant_io_flush()); the same ioctl brings
 * back what already finished (a ramdisk completes within it). Later
 * completions make the grant I/O file readable in the bus's epoll set
 * (blk_event.c), and blk_grant_io_reap() reads them. Every result goes on
 * to blk_complete_io(); a read's data is already in the guest's pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "blk.h"

/* Mappings the module may keep for a device: blkback's per-ring cap for
 * each queue, within the module's limit, taken from the persistent-grant
 * budgets (blk_budget.c: per device and daemon-wide) for the file's life.
 * 0: the budgets have none left. */
static unsigned int reserve_grants(struct blk_dev *d)
{
	unsigned int want = BLK_MAX_PGRANTS * d->nqueues;

	if (want > XENBACK_GRANT_IO_MAX_GRANTS)
		want = XENBACK_GRANT_IO_MAX_GRANTS;
	return blk_budget_pgrant_reserve(d, want);
}

int blk_grant_io_open(struct blk_dev *d, xenback_fd_fn fn)
{
	const char *env = getenv("XENBACK_BLK_GRANT_IO");
	int fd, r;

	if (!d->direct || !d->nqueues || !d->q[0].ch || (env && *env == '0'))
		return -EOPNOTSUPP;
	d->gio_grants = reserve_grants(d);
	if (!d->gio_grants)
		return -ENOSPC;
	fd = xenback_evtchn_grant_io_open(d->q[0].ch, d->fd, d->gio_grants);
	if (fd < 0) {
		blk_budget_pgrant_put(d, d->gio_grants);
		d->gio_grants = 0;
		return fd;
	}
	d->gio_fd = fd;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, 1);
	r = xenback_bus_add_fd(xenback_device_get_bus(d->dev), fd, EPOLLIN, fn, d);
	if (r < 0) {
		blk_grant_io_close(d);
		return r;
	}
	d->gio_added = true;
	xenback_device_log(d->dev, XENBACK_LOG_INFO,
			   "%s: grant I/O by xenback.ko (O_DIRECT straight to the guest's pages, "
			   "up to %u kept mapped by the module)",
			   d->path ? d->path : "image", d->gio_grants);
	return 0;
}

bool blk_grant_io_takes(const struct blk_dev *d, const struct blk_req *r)
{
	return d->gio_fd >= 0 && !r->preflush &&
	       (r->io_op == BLKIF_OP_READ || r->io_op == BLKIF_OP_WRITE) &&
	       blk_segs_aligned(d->lbs, r->seg, r->nseg);
}

/* A request the module gave back (user_data: its blk_req), or the whole
 * submission's error. */
static void finish(struct blk_dev *d, uint64_t user_data, long res)
{
	d->gio_inflight--;
	blk_complete_io(d, (struct blk_req *)(uintptr_t)user_data, res);
}

int blk_grant_io_flush(struct blk_dev *d, bool reap)
{
	struct xenback_grant_io_done done[XENBACK_GRANT_IO_MAX_BATCH];
	unsigned int i;
	int n;

	if (!d->gio_pending)
		return 0;
	n = xenback_device_grant_io_submit(d->dev, d->gio_fd, d->gio_reqs, d->gio_pending, done,
					   reap ? XENBACK_GRANT_IO_MAX_BATCH : 0);
	if (n < 0) {
		/* Nothing started (EBUSY cannot happen: in flight is bounded
		 * by the rings, far below the module's limit). */
		for (i = 0; i < d->gio_pending; i++)
			finish(d, d->gio_reqs[i].user_data, n);
		d->gio_pending = 0;
		return n;
	}
	d->gio_pending = 0;
	for (i = 0; i < (unsigned int)n; i++)
		finish(d, done[i].user_data, (long)done[i].res);
	return 0;
}

int blk_grant_io_submit(struct blk_dev *d, struct blk_req *r)
{
	struct xenback_grant_io_req *q;
	unsigned int i;

	if (d->gio_pending == XENBACK_GRANT_IO_MAX_BATCH)
		blk_grant_io_flush(d, false);
	for (i = 0; i < r->nseg; i++) {
		r->gseg[i].gref = r->seg[i].gref;
		r->gseg[i].offset = blk_seg_offset(&r->seg[i]);
		r->gseg[i].len = blk_seg_len(&r->seg[i]);
	}
	q = &d->gio_reqs[d->gio_pending++];
	memset(q, 0, sizeof(*q));
	q->user_data = (uintptr_t)r;
	q->offset = r->sector * BLK_SECTOR;
	q->segs = (uintptr_t)r->gseg;
	q->nseg = r->nseg;
	q->op = r->io_op == BLKIF_OP_READ ? XENBACK_GRANT_IO_READ : XENBACK_GRANT_IO_WRITE;
	r->gio = true; /* not in_engine: that is the io_uring's (blk_engine.c) */
	d->gio_inflight++;
	return 0;
}

int blk_grant_io_reap(struct blk_dev *d)
{
	struct xenback_grant_io_done done[XENBACK_GRANT_IO_MAX_BATCH];
	int n, i;

	while ((n = xenback_device_grant_io_reap(d->dev, d->gio_fd, done,
						 XENBACK_GRANT_IO_MAX_BATCH)) > 0) {
		for (i = 0; i < n; i++)
			finish(d, done[i].user_data, (long)done[i].res);
		if (n < (int)XENBACK_GRANT_IO_MAX_BATCH)
			break;
	}
	return n < 0 ? n : 0;
}

void blk_grant_io_close(struct blk_dev *d)
{
	if (d->gio_fd < 0)
		return;
	/* Requests the module still holds are forgotten: their pages stay
	 * mapped in the kernel until the I/O ends, then go. */
	if (d->gio_inflight)
		xenback_device_log(d->dev, XENBACK_LOG_INFO,
				   "%s: %u request(s) still at the disk: xenback.ko unmaps their "
				   "pages when they end",
				   d->path ? d->path : "image", d->gio_inflight);
	if (d->gio_added)
		xenback_bus_del_fd(xenback_device_get_bus(d->dev), d->gio_fd);
	d->gio_added = false;
	xenback_device_grant_io_close(d->dev, d->gio_fd);
	d->gio_fd = -1;
	d->gio_pending = 0;
	d->gio_inflight = 0;
	blk_budget_pgrant_put(d, d->gio_grants);
	d->gio_grants = 0;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, -1);
}
