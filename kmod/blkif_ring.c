// SPDX-License-Identifier: GPL-2.0
/*
 * The blkif ring engine's requests (the file and its lifetimes: blkif.c).
 * The work copies each new request out of the shared ring once, checks it
 * (the rules xenbackd's blk_ring.c applies) and starts it: reads and
 * writes by the grant I/O engine (grant_io.c), flushes and discards as
 * work items of their own. Each completion writes its response, pushes it
 * and notifies the frontend if it asked. A request whose grants find no
 * room in the grant cache waits parked, the ring with it, until an answer
 * frees some. A frontend whose req_prod runs more than the ring ahead of
 * the responses stops the ring for good.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <xen/events.h>

#include "blkif.h"
#include "grant_io.h"
#include "trace.h"

/* A request with work of its own (flush, discard, a write after a flush). */
struct xb_blkif_slow {
	struct work_struct work;
	struct xb_blkif *b;
	u64 id;
	u8 op;                         /* as answered */
	u64 sector, nr_sectors;        /* discard */
	struct xb_gio_req *write;      /* flush with data: the write after it */
	u64 offset;
	u32 nseg;
	struct xenback_grant_io_seg segs[];
};


/* ------------------------------------------------------------ the ring */

static size_t xb_blkif_slot(struct xb_blkif *b, RING_IDX idx)
{
	return offsetof(struct blkif_sring, ring) +
	       (size_t)(idx & (b->size - 1)) * sizeof(union blkif_sring_entry);
}

/* Bytes of the ring at off (slots straddle pages: no mapping of the ring
 * is contiguous). */
static void xb_blkif_ring_rw(struct xb_blkif *b, size_t off, void *buf, size_t len, bool write)
{
	while (len) {
		size_t o = off & ~PAGE_MASK, n = min_t(size_t, len, PAGE_SIZE - o);
		char *p = (char *)xb_blkif_page(b, off >> PAGE_SHIFT) + o;

		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		off += n;
		buf = (char *)buf + n;
		len -= n;
	}
}

/* The ring stops (the frontend broke it): nothing more is taken. */
static void xb_blkif_stop(struct xb_blkif *b, int err, const char *fmt, ...)
{
	unsigned long flags;
	va_list ap;

	spin_lock_irqsave(&b->lock, flags);
	if (!b->st.stopped) {
		b->st.stopped = err;
		va_start(ap, fmt);
		vsnprintf(b->st.reason, sizeof(b->st.reason), fmt, ap);
		va_end(ap);
		pr_warn_ratelimited("xenback: blkif d%u port %u stopped: %s\n", b->domid,
				    b->remote_port, b->st.reason);
	}
	spin_unlock_irqrestore(&b->lock, flags);
	wake_up_interruptible_poll(&b->wq, EPOLLIN | EPOLLRDNORM);
}

/* A request's answer (any context): its response pushed, the frontend
 * notified if it asked, its reference dropped. */
static void xb_blkif_answer(struct xb_blkif *b, u64 id, u8 op, s16 status)
{
	struct blkif_response rsp = { .id = id, .operation = op, .status = status };
	unsigned long flags;
	bool notify, kick;

	spin_lock_irqsave(&b->lock, flags);
	xb_blkif_ring_rw(b, xb_blkif_slot(b, b->rsp_prod_pvt), &rsp, sizeof(rsp), true);
	b->rsp_prod_pvt++;
	virt_wmb(); /* the response before the index that shows it */
	WRITE_ONCE(b->sring->rsp_prod, b->rsp_prod_pvt);
	virt_mb(); /* rsp_prod out before rsp_event is read */
	/* One new response: notify if the frontend waits for exactly it. */
	notify = READ_ONCE(b->sring->rsp_event) == b->rsp_prod_pvt;
	b->st.responses++;
	if (status != BLKIF_RSP_OKAY)
		b->st.errors++;
	if (notify)
		b->st.notifies++;
	b->st.inflight--;
	trace_blkif_response(b->domid, b->remote_port, b->rsp_prod_pvt - 1, op, status, notify);
	kick = b->kick_on_answer;
	b->kick_on_answer = false;
	spin_unlock_irqrestore(&b->lock, flags);
	if (notify && READ_ONCE(b->irq) > 0)
		notify_remote_via_irq(b->irq);
	if (kick)
		xb_blkif_kick(b);
	xb_blkif_put(b);
}

/* ----------------------------------------------------------- requests */

/* A request that failed at the disk or at its grants (one not granted,
 * revoked): the ring's first is logged, the rest only counted. */
static void xb_blkif_failed(struct xb_blkif *b, u8 op, long err)
{
	if (!atomic_xchg(&b->failure_logged, 1))
		pr_warn_ratelimited("xenback: blkif d%u port %u: a request failed (operation %u): error %ld; further failures on this ring are counted, not logged\n",
				    b->domid, b->remote_port, op, err);
}

static void xb_blkif_io_end(struct xb_gio_req *r)
{
	struct xb_blkif *b = r->owner;
	u64 id = r->user_data;
	u8 op = (u8)r->tag;
	long res = r->res;

	xb_gio_req_free(r);
	if (res < 0)
		xb_blkif_failed(b, op, res);
	xb_blkif_answer(b, id, op, res < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
}

static void xb_blkif_slow_work(struct work_struct *w);

/* A slow request for b's request id (answered as op), room for nseg
 * segments; NULL without memory. Queued by the caller once filled in. */
static struct xb_blkif_slow *xb_blkif_slow_new(struct xb_blkif *b, u64 id, u8 op, u32 nseg)
{
	struct xb_blkif_slow *s = kzalloc(struct_size(s, segs, nseg), GFP_NOIO);

	if (!s)
		return NULL;
	INIT_WORK(&s->work, xb_blkif_slow_work);
	s->b = b;
	s->id = id;
	s->op = op;
	return s;
}

static void xb_blkif_slow_work(struct work_struct *w)
{
	struct xb_blkif_slow *s = container_of(w, struct xb_blkif_slow, work);
	struct xb_blkif *b = s->b;
	struct file *image = b->gio->image;
	int ret = 0;

	/* Its own reference: the answer may drop the request's last one
	 * while this still unlocks b's mutex. */
	kref_get(&b->ref);
	if (s->op == BLKIF_OP_DISCARD) {
		loff_t off = s->sector << 9, len = s->nr_sectors << 9;

		if (S_ISBLK(file_inode(image)->i_mode))
			ret = blkdev_issue_discard(I_BDEV(image->f_mapping->host), s->sector,
						   s->nr_sectors, GFP_KERNEL);
		else
			ret = vfs_fallocate(image, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
					    len);
		if (ret)
			xb_blkif_failed(b, s->op, ret);
		xb_blkif_answer(b, s->id, s->op, ret ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
		goto out;
	}
	ret = vfs_fsync_range(image, 0, LLONG_MAX, 1); /* fdatasync, as xenbackd */
	if (ret)
		xb_blkif_failed(b, s->op, ret);
	if (ret || !s->write) {
		if (s->write)
			xb_gio_req_free(s->write); /* never started: holds no mapping */
		xb_blkif_answer(b, s->id, s->op, ret ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
		goto out;
	}
	/* Flushed: now the data. The grant cache may be full of others'
	 * grants for a while: wait for room here, not on the ring. */
	for (;;) {
		mutex_lock(&b->gio->mutex);
		memcpy(b->gio->segs, s->segs, s->nseg * sizeof(s->segs[0]));
		ret = xb_gio_start_segs(b->gio, s->write, XENBACK_GRANT_IO_WRITE, s->offset);
		mutex_unlock(&b->gio->mutex);
		if (ret != -EBUSY)
			break;
		usleep_range(1000, 2000);
	}
out:
	kfree(s);
	xb_blkif_put(b);
}

/* A read or write of the segments in b->gio->segs (nseg of them, checked):
 * started, or -EBUSY (nothing done: no room for its grants now). */
static int xb_blkif_rw(struct xb_blkif *b, u64 id, u8 op, u32 io_op, u64 sector, u32 nseg,
		       bool preflush)
{
	struct xb_blkif_slow *s;
	struct xb_gio_req *r;
	int ret;

	r = xb_gio_req_alloc(b->gio, nseg, GFP_NOIO);
	if (!r)
		goto nomem;
	r->end = xb_blkif_io_end;
	r->owner = b;
	r->user_data = id;
	r->tag = op;
	if (preflush) {
		s = xb_blkif_slow_new(b, id, op, nseg);
		if (!s) {
			xb_gio_req_free(r);
			goto nomem;
		}
		s->write = r;
		s->offset = sector << 9;
		s->nseg = nseg;
		memcpy(s->segs, b->gio->segs, nseg * sizeof(s->segs[0]));
		queue_work(xb_blkif_slow_wq, &s->work);
		return 0;
	}
	ret = xb_gio_start_segs(b->gio, r, io_op, sector << 9);
	if (ret == -EBUSY) {
		xb_gio_req_free(r);
		return -EBUSY;
	}
	return 0;
nomem:
	xb_blkif_answer(b, id, op, BLKIF_RSP_ERROR);
	return 0;
}

/* nseg segments of seg[] into b->gio->segs: their byte count, 0 if one is
 * malformed or not aligned to the logical block size. */
static u32 xb_blkif_segs(struct xb_blkif *b, const struct blkif_request_segment *seg, u32 nseg)
{
	u32 i, bytes = 0, mask = b->lbs - 1;

	for (i = 0; i < nseg; i++) {
		u32 first = seg[i].first_sect, last = seg[i].last_sect;
		u32 off = first << 9, len = (last - first + 1) << 9;

		if (first > last || last >= PAGE_SIZE >> 9 || (off & mask) || (len & mask))
			return 0;
		b->gio->segs[i].gref = seg[i].gref;
		b->gio->segs[i].offset = off;
		b->gio->segs[i].len = len;
		bytes += len;
	}
	return bytes;
}

static bool xb_blkif_range_ok(struct xb_blkif *b, u64 sector, u64 bytes)
{
	u64 nr = bytes >> 9;

	return sector <= b->sectors && nr <= b->sectors - sector &&
	       !((sector << 9) & (b->lbs - 1)) && !(bytes & (b->lbs - 1));
}

/* An indirect request's segments copied out of its descriptor page(s)
 * (each mapped through the grant cache) into b->iseg. 0, -EBUSY (no room
 * now), or another error (answered as a bad request). */
static int xb_blkif_indirect_segs(struct xb_blkif *b, const struct blkif_request_indirect *ind,
				  u32 nseg)
{
	u32 npages = DIV_ROUND_UP(nseg, XB_BLKIF_SEGS_PER_PAGE), i, done = 0;
	struct xb_gio_gnt *g[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	int ret;

	for (i = 0; i < npages; i++) {
		b->gio->segs[i].gref = ind->indirect_grefs[i];
		b->gio->segs[i].offset = 0;
		b->gio->segs[i].len = PAGE_SIZE;
	}
	ret = xb_gio_pin(b->gio, npages, g);
	if (ret)
		return ret;
	for (i = 0; i < npages; i++) {
		u32 n = min_t(u32, nseg - done, XB_BLKIF_SEGS_PER_PAGE);

		memcpy(&b->iseg[done], pfn_to_kaddr(page_to_pfn(g[i]->page)), n * sizeof(b->iseg[0]));
		done += n;
	}
	xb_gio_unpin(g, npages);
	return 0;
}

/* A request refused (malformed, out of range, not offered): answered with
 * status; the first refusal on a ring is logged with its reason, the rest
 * only counted (errors in XENBACK_BLKIF_STATS): a hostile frontend cannot
 * fill the log. gio->mutex held. */
static void xb_blkif_refuse(struct xb_blkif *b, u64 id, u8 op, s16 status, const char *why)
{
	if (!b->refusal_logged) {
		b->refusal_logged = true;
		pr_warn_ratelimited("xenback: blkif d%u port %u: refused a request (operation %u): %s; further refusals on this ring are counted, not logged\n",
				    b->domid, b->remote_port, op, why);
	}
	xb_blkif_answer(b, id, op, status);
}

/* A request taken from the ring (copied: req is ours), gio->mutex held:
 * started or answered. -EBUSY: no room for its grants while others are in
 * flight (nothing done; the caller parks it). */
static int xb_blkif_dispatch(struct xb_blkif *b, const struct blkif_request *req)
{
	u8 op = req->operation;
	const char *why;
	u64 id, sector;
	u32 nseg, bytes;
	bool preflush = false;
	u32 io_op;
	int ret;

	switch (op) {
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!req->u.rw.nr_segments) {
			struct xb_blkif_slow *s = xb_blkif_slow_new(b, req->u.rw.id, op, 0);

			if (!s)
				break;
			queue_work(xb_blkif_slow_wq, &s->work);
			return 0;
		}
		preflush = true; /* data: flushed, then written */
		fallthrough;
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		id = req->u.rw.id;
		nseg = req->u.rw.nr_segments;
		sector = req->u.rw.sector_number;
		io_op = op == BLKIF_OP_READ ? XENBACK_GRANT_IO_READ : XENBACK_GRANT_IO_WRITE;
		why = "nr_segments 0 or above 11";
		if (!nseg || nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			goto error_id;
		why = "a write to a read-only disk";
		if (io_op == XENBACK_GRANT_IO_WRITE && (b->flags & XENBACK_BLKIF_READONLY))
			goto error_id;
		why = "a malformed or misaligned segment";
		bytes = xb_blkif_segs(b, req->u.rw.seg, nseg);
		if (!bytes)
			goto error_id;
		why = "sectors out of range";
		if (!xb_blkif_range_ok(b, sector, bytes))
			goto error_id;
		return xb_blkif_rw(b, id, op, io_op, sector, nseg, preflush);
	case BLKIF_OP_INDIRECT: {
		const struct blkif_request_indirect *ind = &req->u.indirect;

		id = ind->id;
		op = ind->indirect_op; /* responses carry it (blkfront checks) */
		nseg = ind->nr_segments;
		sector = ind->sector_number;
		why = "an indirect request that is not a read or write, or its nr_segments 0 or above the offer";
		if ((op != BLKIF_OP_READ && op != BLKIF_OP_WRITE) || !nseg ||
		    nseg > b->max_indirect)
			goto error_id;
		why = "a write to a read-only disk";
		if (op == BLKIF_OP_WRITE && (b->flags & XENBACK_BLKIF_READONLY))
			goto error_id;
		ret = xb_blkif_indirect_segs(b, ind, nseg);
		if (ret == -EBUSY)
			return ret;
		why = "an indirect descriptor page that could not be mapped";
		if (ret)
			goto error_id;
		why = "a malformed or misaligned segment";
		bytes = xb_blkif_segs(b, b->iseg, nseg);
		if (!bytes)
			goto error_id;
		why = "sectors out of range";
		if (!xb_blkif_range_ok(b, sector, bytes))
			goto error_id;
		io_op = op == BLKIF_OP_READ ? XENBACK_GRANT_IO_READ : XENBACK_GRANT_IO_WRITE;
		return xb_blkif_rw(b, id, op, io_op, sector, nseg, false);
	}
	case BLKIF_OP_DISCARD: {
		const struct blkif_request_discard *d = &req->u.discard;
		struct xb_blkif_slow *s;

		id = d->id;
		why = "a discard on a disk that offers none";
		if (!(b->flags & XENBACK_BLKIF_DISCARD))
			goto error_id;
		why = "a discard out of range";
		if (d->nr_sectors > U64_MAX >> 9 ||
		    !xb_blkif_range_ok(b, d->sector_number, d->nr_sectors << 9))
			goto error_id;
		s = xb_blkif_slow_new(b, id, op, 0);
		if (!s) {
			xb_blkif_answer(b, id, op, BLKIF_RSP_ERROR);
			return 0;
		}
		s->sector = d->sector_number;
		s->nr_sectors = d->nr_sectors;
		queue_work(xb_blkif_slow_wq, &s->work);
		return 0;
	}
	default:
		/* The id sits at the same place in every layout but discard's
		 * and indirect's, which are handled above. */
		xb_blkif_refuse(b, req->u.rw.id, op, BLKIF_RSP_EOPNOTSUPP, "an unknown operation");
		return 0;
	}
	/* flush without memory */
	xb_blkif_answer(b, req->u.rw.id, op, BLKIF_RSP_ERROR);
	return 0;
error_id:
	xb_blkif_refuse(b, id, op, BLKIF_RSP_ERROR, why);
	return 0;
}

/* New requests taken (at most XB_BLKIF_BUDGET): the count; *again if the
 * budget ran out; b->parked if one waits for room. */
static unsigned int xb_blkif_consume(struct xb_blkif *b, bool *again)
{
	unsigned int taken = 0;
	unsigned long flags;

	for (;;) {
		RING_IDX rp = READ_ONCE(b->sring->req_prod), pvt;

		virt_rmb(); /* requests up to rp seen */
		spin_lock_irqsave(&b->lock, flags);
		pvt = b->rsp_prod_pvt;
		spin_unlock_irqrestore(&b->lock, flags);
		if (rp - pvt > b->size) {
			xb_blkif_stop(b, EPROTO, "req_prod %u runs %u ahead of responses (ring of %u)",
				      rp, rp - pvt, b->size);
			return taken;
		}
		while (b->req_cons != rp) {
			struct blkif_request req;

			if (taken == XB_BLKIF_BUDGET) {
				*again = true;
				return taken;
			}
			/* One copy of every byte (no double fetch). */
			xb_blkif_ring_rw(b, xb_blkif_slot(b, b->req_cons), &req, sizeof(req), false);
			barrier(); /* req is read from here on, never the ring */
			trace_blkif_request(b->domid, b->remote_port, b->req_cons,
					    req.operation == BLKIF_OP_INDIRECT ?
						    req.u.indirect.indirect_op : req.operation,
					    req.operation == BLKIF_OP_INDIRECT,
					    req.operation == BLKIF_OP_INDIRECT ?
						    req.u.indirect.nr_segments : req.u.rw.nr_segments,
					    req.u.rw.sector_number);
			b->req_cons++;
			taken++;
			kref_get(&b->ref); /* the request's, until its answer */
			spin_lock_irqsave(&b->lock, flags);
			b->st.requests++;
			b->st.inflight++;
			spin_unlock_irqrestore(&b->lock, flags);
			if (xb_blkif_dispatch(b, &req) == -EBUSY) {
				b->park = req;
				b->parked = true;
				spin_lock_irqsave(&b->lock, flags);
				b->kick_on_answer = true;
				spin_unlock_irqrestore(&b->lock, flags);
				return taken;
			}
		}
		/* Nothing new: ask for an event at the next request, look again. */
		WRITE_ONCE(b->sring->req_event, b->req_cons + 1);
		virt_mb(); /* req_event out before req_prod is read again */
		if (READ_ONCE(b->sring->req_prod) == b->req_cons)
			return taken;
	}
}

void xb_blkif_work(struct work_struct *w)
{
	struct xb_blkif *b = container_of(w, struct xb_blkif, work);
	unsigned int taken = 0;
	bool again = false, stopped;
	int irq;
	unsigned long flags;

	mutex_lock(&b->gio->mutex);
	spin_lock_irqsave(&b->lock, flags);
	stopped = b->st.stopped || b->closed;
	spin_unlock_irqrestore(&b->lock, flags);
	if (!stopped && b->parked) {
		if (xb_blkif_dispatch(b, &b->park) == -EBUSY) {
			spin_lock_irqsave(&b->lock, flags);
			b->kick_on_answer = true;
			spin_unlock_irqrestore(&b->lock, flags);
		} else {
			b->parked = false;
			taken = 1;
		}
	}
	if (!stopped && !b->parked)
		taken += xb_blkif_consume(b, &again);
	mutex_unlock(&b->gio->mutex);
	spin_lock_irqsave(&b->lock, flags);
	stopped = b->st.stopped;
	spin_unlock_irqrestore(&b->lock, flags);
	trace_blkif_run(b->domid, b->remote_port, taken, again, b->parked, stopped);
	/* The event acknowledged once the ring was looked at to the end. */
	/* Not before open knows the irq (the handler runs as soon as the
	 * port is bound): the event stays pending, open kicks again. */
	irq = READ_ONCE(b->irq);
	if (!again && !b->parked && !stopped && irq > 0 && atomic_xchg(&b->eoi_pending, 0))
		xen_irq_lateeoi(irq, taken ? 0 : XEN_EOI_FLAG_SPURIOUS);
	if (again)
		xb_blkif_kick(b);
	xb_blkif_put(b);
}

/* Closed with a request parked: it still goes to the disk and is answered
 * (the frontend must not see an error for a daemon's exit), once there is
 * room. Holds a reference of its own (queued by release). */
void xb_blkif_park_work(struct work_struct *w)
{
	struct xb_blkif *b = container_of(w, struct xb_blkif, park_work);
	int ret;

	for (;;) {
		mutex_lock(&b->gio->mutex);
		ret = xb_blkif_dispatch(b, &b->park);
		mutex_unlock(&b->gio->mutex);
		if (ret != -EBUSY)
			break;
		usleep_range(1000, 2000);
	}
	xb_blkif_put(b);
}

irqreturn_t xb_blkif_interrupt(int irq, void *data)
{
	struct xb_blkif *b = data;

	atomic_set(&b->eoi_pending, 1);
	xb_blkif_kick(b);
	return IRQ_HANDLED;
}
