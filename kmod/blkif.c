// SPDX-License-Identifier: GPL-2.0
/*
 * The blkif ring engine (XENBACK_IOCTL_BLKIF_OPEN): one blkif ring served
 * by the module, as xen-blkback serves it, with no process on the path.
 * The event channel's interrupt queues the ring's work; the work copies
 * each new request out of the shared ring once, checks it (the rules
 * xenbackd's blk_ring.c applies), and starts its I/O by the grant I/O
 * engine (grant_io.c: the frontend's grants mapped and kept); a flush or
 * discard goes to a work item of its own. Each request's completion writes
 * its response, pushes it and notifies the frontend if it asked.
 *
 * Lifetimes
 *   struct xb_blkif: a kref held by the file, by each request taken and
 *     not yet answered, and by each queued run of the work. The last put
 *     (possibly in interrupt context) queues free_work: one last notify,
 *     the port unbound, the ring unmapped, the grant I/O engine put, the
 *     module reference taken at open dropped. Opens of the same (domid,
 *     remote_port) wait on xb_blkif_gone until it is off xb_blkif_list.
 *   Requests: from the work that takes them until their response.
 *
 * Locking: the work runs alone (one work item) and takes gio->mutex (the
 * grant cache, the segment scratch); b->lock (spinlock, irqsave) guards
 * the response side (rsp_prod_pvt, the response slots, inflight, the
 * counters, stopped) and closed.
 *
 * Interrupts are lateeoi: the work acknowledges the event when it has
 * looked at the ring (spurious if it found nothing), so a storm of empty
 * events is slowed by Xen. While requests wait for grant mappings
 * (parked) or the ring is stopped, the event stays unacknowledged.
 */
#include <linux/anon_inodes.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>
#include <xen/xen.h>

#include "xenback_kmod.h"
#include "grant_io.h"
#include "trace.h"

#define XB_BLKIF_BUDGET 64             /* requests per run of the work */
#define XB_BLKIF_SEGS_PER_PAGE (PAGE_SIZE / sizeof(struct blkif_request_segment))
#define XB_BLKIF_WAIT_MS 30000         /* an open waits for the previous file */

struct xb_blkif {
	struct kref ref;
	struct xb_gio *gio;
	u32 domid, remote_port;
	int irq;                       /* 0: none (test hook) */
	bool fake;
	u32 flags;                     /* XENBACK_BLKIF_* */
	u64 sectors;
	u32 lbs;
	u32 max_indirect;
	unsigned int nr_pages;
	struct page *pages[XENBACK_BLKIF_MAX_RING_REFS];
	grant_handle_t handles[XENBACK_BLKIF_MAX_RING_REFS];
	struct blkif_sring *sring;     /* the header, in page 0 */
	u32 size;                      /* request slots */
	/* the work's */
	struct work_struct work;
	atomic_t eoi_pending;
	RING_IDX req_cons;
	bool parked;                   /* park holds a request waiting for room */
	struct blkif_request park;
	struct blkif_request_segment iseg[XENBACK_GRANT_IO_MAX_SEGS];
	/* under lock */
	spinlock_t lock;
	RING_IDX rsp_prod_pvt;
	bool closed;
	bool kick_on_answer;           /* parked: an answer frees room */
	struct xenback_blkif_stats st; /* requests .. notifies, inflight, stopped, reason */
	wait_queue_head_t wq;          /* poll: stopped */
	struct work_struct park_work;  /* closed while parked (release) */
	struct work_struct free_work;
	struct list_head node;         /* xb_blkif_list */
};

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

static struct workqueue_struct *xb_blkif_wq;   /* ring work, frees */
static struct workqueue_struct *xb_blkif_slow_wq; /* flushes, discards */
static DEFINE_MUTEX(xb_blkif_list_mutex);
static LIST_HEAD(xb_blkif_list);
static DECLARE_WAIT_QUEUE_HEAD(xb_blkif_gone);
static unsigned long xb_blkif_gone_gen;   /* files gone, under the list mutex */
static const struct file_operations xb_blkif_fops;

/* ------------------------------------------------------------ the ring */

static void *xb_blkif_page(struct xb_blkif *b, unsigned int i)
{
	return pfn_to_kaddr(page_to_pfn(b->pages[i]));
}

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

static void xb_blkif_put(struct xb_blkif *b);

/* The work, queued with a reference of its own; nothing once closed. */
static void xb_blkif_kick(struct xb_blkif *b)
{
	if (!kref_get_unless_zero(&b->ref))
		return;
	if (READ_ONCE(b->closed) || !queue_work(xb_blkif_wq, &b->work))
		xb_blkif_put(b);
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
	if (notify && b->irq > 0)
		notify_remote_via_irq(b->irq);
	if (kick)
		xb_blkif_kick(b);
	xb_blkif_put(b);
}

/* ----------------------------------------------------------- requests */

static void xb_blkif_io_end(struct xb_gio_req *r)
{
	struct xb_blkif *b = r->owner;
	u64 id = r->user_data;
	u8 op = (u8)r->tag;
	long res = r->res;

	xb_gio_req_free(r);
	xb_blkif_answer(b, id, op, res < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
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
		xb_blkif_answer(b, s->id, s->op, ret ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY);
		goto out;
	}
	ret = vfs_fsync(image, 1); /* fdatasync, as xenbackd does */
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
		msleep(1);
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
		s = kmalloc(struct_size(s, segs, nseg), GFP_NOIO);
		if (!s) {
			xb_gio_req_free(r);
			goto nomem;
		}
		INIT_WORK(&s->work, xb_blkif_slow_work);
		s->b = b;
		s->id = id;
		s->op = op;
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

/* A request taken from the ring (copied: req is ours), gio->mutex held:
 * started or answered. -EBUSY: no room for its grants while others are in
 * flight (nothing done; the caller parks it). */
static int xb_blkif_dispatch(struct xb_blkif *b, const struct blkif_request *req)
{
	u8 op = req->operation;
	u64 id, sector;
	u32 nseg, bytes;
	bool preflush = false;
	u32 io_op;
	int ret;

	switch (op) {
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!req->u.rw.nr_segments) {
			struct xb_blkif_slow *s = kzalloc(sizeof(*s), GFP_NOIO);

			if (!s)
				break;
			INIT_WORK(&s->work, xb_blkif_slow_work);
			s->b = b;
			s->id = req->u.rw.id;
			s->op = op;
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
		if (!nseg || nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			goto error_id;
		if (io_op == XENBACK_GRANT_IO_WRITE && (b->flags & XENBACK_BLKIF_READONLY))
			goto error_id;
		bytes = xb_blkif_segs(b, req->u.rw.seg, nseg);
		if (!bytes || !xb_blkif_range_ok(b, sector, bytes))
			goto error_id;
		return xb_blkif_rw(b, id, op, io_op, sector, nseg, preflush);
	case BLKIF_OP_INDIRECT: {
		const struct blkif_request_indirect *ind = &req->u.indirect;

		id = ind->id;
		op = ind->indirect_op; /* responses carry it (blkfront checks) */
		nseg = ind->nr_segments;
		sector = ind->sector_number;
		if ((op != BLKIF_OP_READ && op != BLKIF_OP_WRITE) || !nseg ||
		    nseg > b->max_indirect ||
		    (op == BLKIF_OP_WRITE && (b->flags & XENBACK_BLKIF_READONLY)))
			goto error_id;
		ret = xb_blkif_indirect_segs(b, ind, nseg);
		if (ret == -EBUSY)
			return ret;
		if (ret)
			goto error_id;
		bytes = xb_blkif_segs(b, b->iseg, nseg);
		if (!bytes || !xb_blkif_range_ok(b, sector, bytes))
			goto error_id;
		io_op = op == BLKIF_OP_READ ? XENBACK_GRANT_IO_READ : XENBACK_GRANT_IO_WRITE;
		return xb_blkif_rw(b, id, op, io_op, sector, nseg, false);
	}
	case BLKIF_OP_DISCARD: {
		const struct blkif_request_discard *d = &req->u.discard;
		struct xb_blkif_slow *s;

		id = d->id;
		if (!(b->flags & XENBACK_BLKIF_DISCARD) || d->nr_sectors > U64_MAX >> 9 ||
		    !xb_blkif_range_ok(b, d->sector_number, d->nr_sectors << 9))
			goto error_id;
		s = kzalloc(sizeof(*s), GFP_NOIO);
		if (!s)
			goto error_id;
		INIT_WORK(&s->work, xb_blkif_slow_work);
		s->b = b;
		s->id = id;
		s->op = op;
		s->sector = d->sector_number;
		s->nr_sectors = d->nr_sectors;
		queue_work(xb_blkif_slow_wq, &s->work);
		return 0;
	}
	default:
		/* The id sits at the same place in every layout but discard's
		 * and indirect's, which are handled above. */
		xb_blkif_answer(b, req->u.rw.id, op, BLKIF_RSP_EOPNOTSUPP);
		return 0;
	}
	/* flush without memory */
	xb_blkif_answer(b, req->u.rw.id, op, BLKIF_RSP_ERROR);
	return 0;
error_id:
	xb_blkif_answer(b, id, op, BLKIF_RSP_ERROR);
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
			barrier();
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
		virt_mb();
		if (READ_ONCE(b->sring->req_prod) == b->req_cons)
			return taken;
	}
}

static void xb_blkif_work(struct work_struct *w)
{
	struct xb_blkif *b = container_of(w, struct xb_blkif, work);
	unsigned int taken = 0;
	bool again = false, stopped;
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
	if (!again && !b->parked && !stopped && atomic_xchg(&b->eoi_pending, 0) && b->irq > 0)
		xen_irq_lateeoi(b->irq, taken ? 0 : XEN_EOI_FLAG_SPURIOUS);
	if (again)
		xb_blkif_kick(b);
	xb_blkif_put(b);
}

/* Closed with a request parked: it still goes to the disk and is answered
 * (the frontend must not see an error for a daemon's exit), once there is
 * room. Holds a reference of its own (queued by release). */
static void xb_blkif_park_work(struct work_struct *w)
{
	struct xb_blkif *b = container_of(w, struct xb_blkif, park_work);
	int ret;

	for (;;) {
		mutex_lock(&b->gio->mutex);
		ret = xb_blkif_dispatch(b, &b->park);
		mutex_unlock(&b->gio->mutex);
		if (ret != -EBUSY)
			break;
		msleep(1);
	}
	xb_blkif_put(b);
}

static irqreturn_t xb_blkif_interrupt(int irq, void *data)
{
	struct xb_blkif *b = data;

	atomic_set(&b->eoi_pending, 1);
	xb_blkif_kick(b);
	return IRQ_HANDLED;
}

/* ------------------------------------------------------- set-up, end */

static void xb_blkif_unmap_ring(struct xb_blkif *b, unsigned int n)
{
	struct gnttab_unmap_grant_ref unmap[XENBACK_BLKIF_MAX_RING_REFS];
	unsigned int i;

	if (!n)
		return;
	if (b->fake) {
		for (i = 0; i < n; i++)
			__free_page(b->pages[i]);
		return;
	}
	for (i = 0; i < n; i++)
		gnttab_set_unmap_op(&unmap[i], (unsigned long)xb_blkif_page(b, i), GNTMAP_host_map,
				    b->handles[i]);
	if (gnttab_unmap_refs(unmap, NULL, b->pages, n)) {
		pr_warn_ratelimited("xenback: blkif d%u: ring not unmapped, pages leaked\n",
				    b->domid);
		return;
	}
	gnttab_free_pages(n, b->pages);
}

static int xb_blkif_map_ring(struct xb_blkif *b, const u32 *refs, unsigned int n)
{
	struct gnttab_map_grant_ref map[XENBACK_BLKIF_MAX_RING_REFS];
	struct gnttab_unmap_grant_ref unmap[XENBACK_BLKIF_MAX_RING_REFS];
	struct page *mapped[XENBACK_BLKIF_MAX_RING_REFS];
	unsigned int i, ok = 0;

	if (b->fake) {
		for (i = 0; i < n; i++) {
			b->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!b->pages[i]) {
				xb_blkif_unmap_ring(b, i);
				return -ENOMEM;
			}
		}
		return 0;
	}
	if (gnttab_alloc_pages(n, b->pages))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		gnttab_set_map_op(&map[i], (unsigned long)xb_blkif_page(b, i), GNTMAP_host_map,
				  refs[i], (domid_t)b->domid);
	if (gnttab_map_refs(map, NULL, b->pages, n)) {
		gnttab_free_pages(n, b->pages);
		return -EIO;
	}
	for (i = 0; i < n; i++) {
		b->handles[i] = map[i].handle;
		ok += map[i].status == GNTST_okay;
	}
	if (ok == n)
		return 0;
	/* Some mapped, some not: undo those that did; the pages go back. */
	for (i = 0, ok = 0; i < n; i++) {
		if (map[i].status != GNTST_okay)
			continue;
		gnttab_set_unmap_op(&unmap[ok], (unsigned long)xb_blkif_page(b, i), GNTMAP_host_map,
				    map[i].handle);
		mapped[ok++] = b->pages[i];
	}
	if (ok && gnttab_unmap_refs(unmap, NULL, mapped, ok))
		pr_warn_ratelimited("xenback: blkif d%u: ring pages leaked\n", b->domid);
	else
		gnttab_free_pages(n, b->pages);
	return -EIO;
}

static void xb_blkif_free_work(struct work_struct *w)
{
	struct xb_blkif *b = container_of(w, struct xb_blkif, free_work);

	if (b->irq > 0) {
		notify_remote_via_irq(b->irq); /* whatever it missed */
		unbind_from_irqhandler(b->irq, b); /* closes the channel */
	}
	cancel_work_sync(&b->work);
	xb_blkif_unmap_ring(b, b->nr_pages);
	xb_gio_put(b->gio);
	mutex_lock(&xb_blkif_list_mutex);
	list_del(&b->node);
	xb_blkif_gone_gen++;
	mutex_unlock(&xb_blkif_list_mutex);
	wake_up_all(&xb_blkif_gone);
	kfree(b);
	module_put(THIS_MODULE);
}

static void xb_blkif_last_put(struct kref *ref)
{
	struct xb_blkif *b = container_of(ref, struct xb_blkif, ref);

	queue_work(xb_blkif_slow_wq, &b->free_work);
}

static void xb_blkif_put(struct xb_blkif *b)
{
	kref_put(&b->ref, xb_blkif_last_put);
}

/* ------------------------------------------------------------ the file */

static long xb_blkif_stats(struct xb_blkif *b, void __user *arg)
{
	struct xenback_blkif_stats st;
	unsigned long flags;

	mutex_lock(&b->gio->mutex);
	st.maps = b->gio->st.maps;
	st.hits = b->gio->st.hits;
	st.evicted = b->gio->st.evicted;
	st.mapped = b->gio->nmapped;
	mutex_unlock(&b->gio->mutex);
	spin_lock_irqsave(&b->lock, flags);
	st.requests = b->st.requests;
	st.responses = b->st.responses;
	st.errors = b->st.errors;
	st.notifies = b->st.notifies;
	st.inflight = b->st.inflight;
	st.stopped = b->st.stopped;
	st.pad = 0;
	memcpy(st.reason, b->st.reason, sizeof(st.reason));
	spin_unlock_irqrestore(&b->lock, flags);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long xb_blkif_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xb_blkif *b = file->private_data;

	switch (cmd) {
	case XENBACK_BLKIF_STATS:
		return xb_blkif_stats(b, (void __user *)arg);
	case XENBACK_BLKIF_KICK:
		xb_blkif_kick(b);
		return 0;
	default:
		return -ENOTTY;
	}
}

static __poll_t xb_blkif_poll(struct file *file, poll_table *wait)
{
	struct xb_blkif *b = file->private_data;

	poll_wait(file, &b->wq, wait);
	return READ_ONCE(b->st.stopped) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* Test hook only: the ring's pages, to play the frontend off Xen. */
static int xb_blkif_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xb_blkif *b = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned int i;
	int ret;

	if (!b->fake)
		return -ENODEV;
	if (vma->vm_pgoff || len != (unsigned long)b->nr_pages * PAGE_SIZE ||
	    !(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	vma->vm_flags &= ~VM_MAYEXEC;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	for (i = 0; i < b->nr_pages; i++) {
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE, b->pages[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int xb_blkif_release(struct inode *inode, struct file *file)
{
	struct xb_blkif *b = file->private_data;
	unsigned long flags;

	spin_lock_irqsave(&b->lock, flags);
	b->closed = true;
	spin_unlock_irqrestore(&b->lock, flags);
	/* A run in progress finishes; none starts after (a queued one had a
	 * reference of its own). Requests in flight keep b until their
	 * answers. */
	if (cancel_work_sync(&b->work))
		xb_blkif_put(b);
	if (b->parked) {
		kref_get(&b->ref);
		queue_work(xb_blkif_slow_wq, &b->park_work);
	}
	xb_blkif_put(b);
	return 0;
}

static const struct file_operations xb_blkif_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = xb_blkif_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = xb_blkif_poll,
	.mmap = xb_blkif_mmap,
	.release = xb_blkif_release,
	.llseek = noop_llseek,
};

static int xb_blkif_check(const struct xenback_blkif_open *o)
{
	u32 n = o->nr_ring_refs;

	if (o->flags & ~(XENBACK_BLKIF_READONLY | XENBACK_BLKIF_DISCARD | XENBACK_BLKIF_RESUME) ||
	    o->pad || !n || n > XENBACK_BLKIF_MAX_RING_REFS || (n & (n - 1)) ||
	    o->max_indirect_segs > XENBACK_GRANT_IO_MAX_SEGS ||
	    o->max_grants > XENBACK_GRANT_IO_MAX_GRANTS ||
	    o->max_grants < max_t(u32, o->max_indirect_segs + 1, BLKIF_MAX_SEGMENTS_PER_REQUEST) ||
	    o->logical_block_size < 512 || o->logical_block_size > PAGE_SIZE ||
	    (o->logical_block_size & (o->logical_block_size - 1)) ||
	    o->sectors > (U64_MAX >> 9) || o->domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	return 0;
}

/* Wait until no file serves (domid, port); then b is on the list. */
static int xb_blkif_claim(struct xb_blkif *b)
{
	long left = msecs_to_jiffies(XB_BLKIF_WAIT_MS);
	unsigned long gen;
	struct xb_blkif *o;
	bool busy;

	for (;;) {
		busy = false;
		mutex_lock(&xb_blkif_list_mutex);
		list_for_each_entry(o, &xb_blkif_list, node) {
			if (o->domid != b->domid || o->remote_port != b->remote_port)
				continue;
			if (!READ_ONCE(o->closed)) {
				mutex_unlock(&xb_blkif_list_mutex);
				return -EBUSY;
			}
			busy = true; /* closed, its I/O not over */
		}
		if (!busy) {
			list_add(&b->node, &xb_blkif_list);
			mutex_unlock(&xb_blkif_list_mutex);
			return 0;
		}
		gen = xb_blkif_gone_gen;
		mutex_unlock(&xb_blkif_list_mutex);
		if (left <= 0)
			return -ETIMEDOUT;
		left = wait_event_interruptible_timeout(xb_blkif_gone,
							READ_ONCE(xb_blkif_gone_gen) != gen, left);
		if (left < 0)
			return -ERESTARTSYS;
	}
}

int xb_blkif_open(struct xb_ctx *ctx, struct xenback_blkif_open *o)
{
	bool fake = xb_test_fake_grants();
	struct xb_blkif *b;
	struct file *image;
	u32 restrict_domid;
	int ret, fd;

	if (!xen_domain() && !fake)
		return -EOPNOTSUPP;
	ret = xb_blkif_check(o);
	if (ret)
		return ret;
	mutex_lock(&ctx->mutex);
	restrict_domid = ctx->restrict_domid;
	mutex_unlock(&ctx->mutex);
	if (restrict_domid != XB_DOMID_ANY && restrict_domid != o->domid)
		return -EPERM;
	image = fget(o->image_fd);
	if (!image)
		return -EBADF;
	if (xb_gio_image_ok(image) ||
	    (!(o->flags & XENBACK_BLKIF_READONLY) && !(image->f_mode & FMODE_WRITE))) {
		fput(image);
		return -EINVAL;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b) {
		fput(image);
		return -ENOMEM;
	}
	b->gio = xb_gio_new(o->domid, image, o->max_grants, fake);
	if (!b->gio) {
		kfree(b);
		return -ENOMEM;
	}
	kref_init(&b->ref);
	b->domid = o->domid;
	b->remote_port = o->remote_port;
	b->fake = fake;
	b->flags = o->flags;
	b->sectors = o->sectors;
	b->lbs = o->logical_block_size;
	b->max_indirect = o->max_indirect_segs;
	b->nr_pages = o->nr_ring_refs;
	b->size = __CONST_RING_SIZE(blkif, (size_t)o->nr_ring_refs * PAGE_SIZE);
	INIT_WORK(&b->work, xb_blkif_work);
	INIT_WORK(&b->free_work, xb_blkif_free_work);
	INIT_WORK(&b->park_work, xb_blkif_park_work);
	spin_lock_init(&b->lock);
	init_waitqueue_head(&b->wq);
	INIT_LIST_HEAD(&b->node);
	ret = xb_blkif_claim(b);
	if (ret)
		goto err_gio;
	ret = xb_blkif_map_ring(b, o->ring_refs, b->nr_pages);
	if (ret)
		goto err_list;
	b->sring = xb_blkif_page(b, 0);
	if (o->flags & XENBACK_BLKIF_RESUME)
		b->req_cons = b->rsp_prod_pvt = READ_ONCE(b->sring->rsp_prod);
	__module_get(THIS_MODULE); /* until free_work is done */
	if (!fake) {
		ret = xb_evtchn_bind_for_kernel(o->domid, o->remote_port, xb_blkif_interrupt, b);
		if (ret < 0)
			goto err_ring;
		b->irq = ret;
	}
	fd = anon_inode_getfd("[xenback-blkif]", &xb_blkif_fops, b, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		xb_blkif_put(b); /* free_work undoes it all */
		return fd;
	}
	xb_blkif_kick(b); /* what the frontend queued before */
	return fd;

err_ring:
	module_put(THIS_MODULE);
	xb_blkif_unmap_ring(b, b->nr_pages);
err_list:
	mutex_lock(&xb_blkif_list_mutex);
	list_del(&b->node);
	xb_blkif_gone_gen++;
	mutex_unlock(&xb_blkif_list_mutex);
	wake_up_all(&xb_blkif_gone);
err_gio:
	xb_gio_put(b->gio);
	kfree(b);
	return ret;
}

int __init xb_blkif_init(void)
{
	xb_blkif_wq = alloc_workqueue("xenback_blkif", WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!xb_blkif_wq)
		return -ENOMEM;
	xb_blkif_slow_wq = alloc_workqueue("xenback_blkif_slow", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!xb_blkif_slow_wq) {
		destroy_workqueue(xb_blkif_wq);
		return -ENOMEM;
	}
	return 0;
}

void xb_blkif_exit(void)
{
	destroy_workqueue(xb_blkif_slow_wq); /* drains pending frees */
	destroy_workqueue(xb_blkif_wq);
}
