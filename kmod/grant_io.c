// SPDX-License-Identifier: GPL-2.0
/*
 * Grant I/O: direct I/O between a file (block device or regular file,
 * O_DIRECT) and pages a frontend granted, the module mapping the grants
 * itself and keeping them mapped (persistent grants), as xen-blkback does.
 * The process never maps a guest page: its exit or close with I/O in
 * flight cannot unmap a page the I/O still uses (the crash a gntdev
 * mapping under O_DIRECT gives in a PV dom0).
 *
 * Lifetimes
 *   struct xb_gio: one per grant I/O file. A kref held by the file and one
 *     per request not yet freed. The last put (possibly from a completion
 *     in interrupt context) queues free_work on xb_gio_wq, which unmaps
 *     every grant, frees the pages, drops the image file and the module
 *     reference taken at open (module exit drains xb_gio_wq).
 *   struct xb_gio_gnt: a mapped grant, in gio->grants (by gref) and on
 *     gio->lru (least recently used first), both under gio->mutex. busy
 *     counts the segments in flight using it: raised under the mutex,
 *     dropped at completion without it; evicted only under the mutex
 *     with busy 0.
 *   struct xb_gio_req: a request from SUBMIT until userspace takes its
 *     completion (SUBMIT or read()), or the file is closed.
 *
 * Locking: gio->mutex (submits, the grant cache); gio->lock (spinlock,
 * irqsave: the done list, inflight, closed), taken by completions.
 */
#include <linux/anon_inodes.h>
#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/xen.h>

#include "xenback_kmod.h"
#include "grant_io.h"

static struct workqueue_struct *xb_gio_wq;
static const struct file_operations xb_gio_fops;

static unsigned long xb_gnt_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/* Pages of n mappings back to where they came from. */
static void xb_gio_free_pages(struct xb_gio *gio, unsigned int n, struct page **pages)
{
	unsigned int i;

	if (!gio->fake) {
		gnttab_free_pages(n, pages);
		return;
	}
	for (i = 0; i < n; i++)
		__free_page(pages[i]);
}

/* The test hook's "grant": a page of ours, word i of grant g's page
 * (g << 16) ^ i; grant 0xffffffff does not map. */
static int xb_gio_fake_map(struct xb_gio *gio, unsigned int n)
{
	unsigned int j, i;

	for (j = 0; j < n; j++) {
		gio->pages[j] = alloc_page(GFP_KERNEL_ACCOUNT);
		if (!gio->pages[j]) {
			xb_gio_free_pages(gio, j, gio->pages);
			return -ENOMEM;
		}
		gio->map[j].status = gio->miss[j] == U32_MAX ? GNTST_bad_gntref : GNTST_okay;
		gio->map[j].handle = 0;
		for (i = 0; i < PAGE_SIZE / 4; i++)
			((u32 *)page_address(gio->pages[j]))[i] = (gio->miss[j] << 16) ^ i;
	}
	return 0;
}

/* gio->miss[0..n) mapped into gio->pages (each gio->map[j].status says
 * how it went); 0, or an error with nothing allocated. */
static int xb_gio_map_refs(struct xb_gio *gio, unsigned int n)
{
	unsigned int j;

	if (gio->fake)
		return xb_gio_fake_map(gio, n);
	if (gnttab_alloc_pages(n, gio->pages))
		return -ENOMEM;
	for (j = 0; j < n; j++)
		gnttab_set_map_op(&gio->map[j], xb_gnt_kaddr(gio->pages[j]), GNTMAP_host_map,
				  gio->miss[j], (domid_t)gio->domid);
	if (gnttab_map_refs(gio->map, NULL, gio->pages, n)) {
		gnttab_free_pages(n, gio->pages);
		return -EIO;
	}
	return 0;
}

/* n mappings (off the cache) unmapped and freed; g is not gio->ug unless
 * n <= its size (mutex held, or the last reference gone). A page Xen
 * would not unmap is leaked, not reused. */
static void xb_gio_unmap(struct xb_gio *gio, struct xb_gio_gnt **g, unsigned int n)
{
	unsigned int i, nfree = 0;

	if (!n)
		return;
	if (gio->fake) {
		for (i = 0; i < n; i++)
			gio->upages[i] = g[i]->page;
		nfree = n;
		goto free;
	}
	for (i = 0; i < n; i++) {
		gnttab_set_unmap_op(&gio->unmap[i], xb_gnt_kaddr(g[i]->page), GNTMAP_host_map,
				    g[i]->handle);
		gio->upages[i] = g[i]->page;
	}
	if (gnttab_unmap_refs(gio->unmap, NULL, gio->upages, n)) {
		pr_warn_ratelimited("xenback: grant I/O: unmapping %u grants failed, pages leaked\n",
				    n);
		nfree = 0;
	} else {
		for (i = 0; i < n; i++) {
			if (gio->unmap[i].status == GNTST_okay)
				gio->upages[nfree++] = g[i]->page;
			else
				pr_warn_ratelimited("xenback: grant I/O: grant %u of d%u not unmapped (%d), page leaked\n",
						    g[i]->gref, gio->domid, gio->unmap[i].status);
		}
	}
free:
	if (nfree)
		xb_gio_free_pages(gio, nfree, gio->upages);
	for (i = 0; i < n; i++)
		kfree(g[i]);
}

static void xb_gio_free_work(struct work_struct *w)
{
	struct xb_gio *gio = container_of(w, struct xb_gio, free_work);
	struct xb_gio_gnt *g, *t;
	unsigned int n = 0;

	list_for_each_entry_safe(g, t, &gio->lru, lru) {
		list_del(&g->lru);
		gio->ug[n++] = g;
		if (n == ARRAY_SIZE(gio->ug)) {
			xb_gio_unmap(gio, gio->ug, n);
			n = 0;
		}
	}
	xb_gio_unmap(gio, gio->ug, n);
	xa_destroy(&gio->grants);
	fput(gio->image);
	kvfree(gio);
	module_put(THIS_MODULE);
}

static void xb_gio_last_put(struct kref *ref)
{
	struct xb_gio *gio = container_of(ref, struct xb_gio, ref);

	queue_work(xb_gio_wq, &gio->free_work);
}

void xb_gio_req_free(struct xb_gio_req *r)
{
	struct xb_gio *gio = r->gio;

	kfree(r);
	kref_put(&gio->ref, xb_gio_last_put);
}

/* The file's I/O is over (any context). */
static void xb_gio_complete(struct kiocb *iocb, long res)
{
	struct xb_gio_req *r = container_of(iocb, struct xb_gio_req, iocb);
	struct xb_gio *gio = r->gio;
	unsigned long flags;
	bool closed;
	u32 i;

	for (i = 0; i < r->nseg; i++)
		atomic_dec(&r->gnt[i]->busy);
	r->res = res;
	if (r->end) {
		r->end(r);
		return;
	}
	spin_lock_irqsave(&gio->lock, flags);
	closed = gio->closed;
	if (closed) {
		gio->inflight--;
	} else {
		list_add_tail(&r->node, &gio->done);
		/*
		 * Under the lock: once it is dropped, a release can free r
		 * and, with it, the last reference to gio.
		 */
		wake_up_interruptible_poll(&gio->wq, EPOLLIN | EPOLLRDNORM);
	}
	spin_unlock_irqrestore(&gio->lock, flags);
	if (closed)
		xb_gio_req_free(r);
}

/* Up to max completions to user memory: the count written, or -EFAULT if
 * none could be. What could not be written stays queued. */
static long xb_gio_reap(struct xb_gio *gio, struct xenback_grant_io_done __user *u,
			unsigned int max)
{
	struct xenback_grant_io_done d;
	struct xb_gio_req *r;
	unsigned long flags;
	LIST_HEAD(taken);
	unsigned int n = 0;
	bool fault;

	spin_lock_irqsave(&gio->lock, flags);
	while (n < max && !list_empty(&gio->done)) {
		list_move_tail(gio->done.next, &taken);
		n++;
	}
	spin_unlock_irqrestore(&gio->lock, flags);
	n = 0;
	while (!list_empty(&taken)) {
		r = list_first_entry(&taken, struct xb_gio_req, node);
		d.user_data = r->user_data;
		d.res = r->res;
		if (copy_to_user(&u[n], &d, sizeof(d)))
			break;
		list_del(&r->node);
		xb_gio_req_free(r); /* not the last reference: the file holds one */
		n++;
	}
	/* Taken ones leave the count of those in flight; what could not be
	 * written goes back, first. */
	fault = !list_empty(&taken);
	spin_lock_irqsave(&gio->lock, flags);
	gio->inflight -= n;
	list_splice(&taken, &gio->done);
	spin_unlock_irqrestore(&gio->lock, flags);
	return fault && !n ? -EFAULT : n;
}

/* Room for want more mappings: the least recently used idle ones go. */
static bool xb_gio_make_room(struct xb_gio *gio, unsigned int want)
{
	struct xb_gio_gnt *g, *t;
	unsigned int n = 0;

	if (gio->nmapped + want <= gio->max_grants)
		return true;
	if (want > gio->max_grants)
		return false; /* never fits: evict nothing for it */
	list_for_each_entry_safe(g, t, &gio->lru, lru) {
		if (gio->nmapped - n + want <= gio->max_grants || n == ARRAY_SIZE(gio->ug))
			break;
		if (atomic_read(&g->busy))
			continue;
		list_del(&g->lru);
		xa_erase(&gio->grants, g->gref);
		gio->ug[n++] = g;
	}
	xb_gio_unmap(gio, gio->ug, n);
	gio->nmapped -= n;
	gio->st.evicted += n;
	return gio->nmapped + want <= gio->max_grants;
}

/* The gnt of each of the nseg segments in gio->segs into gnt[], mapped if
 * it was not; every one busy. 0, or the request's error (nothing held). */
static long xb_gio_resolve(struct xb_gio *gio, u32 nseg, struct xb_gio_gnt **gnt)
{
	unsigned int i, j, nmiss = 0;
	struct xb_gio_gnt *g;
	long ret = 0;

	for (i = 0; i < nseg; i++) {
		u32 gref = gio->segs[i].gref;

		gnt[i] = NULL;
		g = xa_load(&gio->grants, gref);
		if (g) {
			atomic_inc(&g->busy);
			list_move_tail(&g->lru, &gio->lru);
			gnt[i] = g;
			gio->st.hits++;
			continue;
		}
		for (j = 0; j < nmiss && gio->miss[j] != gref; j++)
			;
		if (j == nmiss)
			gio->miss[nmiss++] = gref;
		gio->miss_of[i] = j;
	}
	if (!nmiss)
		return 0;
	if (!xb_gio_make_room(gio, nmiss)) {
		ret = -EBUSY;
		goto undo;
	}
	/* Every record before any mapping: a grant mapped always has one
	 * to be kept in, or unmapped with. */
	for (j = 0; j < nmiss; j++) {
		gio->newg[j] = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
		if (!gio->newg[j]) {
			while (j--)
				kfree(gio->newg[j]);
			ret = -ENOMEM;
			goto undo;
		}
	}
	ret = xb_gio_map_refs(gio, nmiss);
	if (ret) {
		for (j = 0; j < nmiss; j++)
			kfree(gio->newg[j]);
		goto undo;
	}
	for (j = 0; j < nmiss; j++) {
		g = gio->newg[j];
		if (gio->map[j].status != GNTST_okay) {
			kfree(g);
			gio->newg[j] = NULL;
			ret = -EIO;
			continue;
		}
		g->page = gio->pages[j];
		g->handle = gio->map[j].handle;
		g->gref = gio->miss[j];
		if (xa_err(xa_store(&gio->grants, g->gref, g, GFP_KERNEL_ACCOUNT))) {
			xb_gio_unmap(gio, &g, 1); /* mapped but cannot be kept */
			gio->newg[j] = NULL;
			ret = -ENOMEM;
			continue;
		}
		list_add_tail(&g->lru, &gio->lru);
		gio->nmapped++;
		gio->st.maps++;
	}
	/* Pages of failed maps map nothing: back to the allocator. */
	for (j = 0, i = 0; j < nmiss; j++)
		if (gio->map[j].status != GNTST_okay)
			gio->pages[i++] = gio->pages[j];
	if (i)
		xb_gio_free_pages(gio, i, gio->pages);
	if (ret)
		goto undo;
	for (i = 0; i < nseg; i++) {
		if (gnt[i])
			continue;
		gnt[i] = gio->newg[gio->miss_of[i]];
		atomic_inc(&gnt[i]->busy);
	}
	return 0;
undo:
	for (i = 0; i < nseg; i++)
		if (gnt[i])
			atomic_dec(&gnt[i]->busy);
	return ret;
}

#ifdef XENBACK_TEST_HOOKS
static void xb_gio_complete_late(struct work_struct *w)
{
	struct xb_gio_req *r = container_of(to_delayed_work(w), struct xb_gio_req, late);

	xb_gio_complete(&r->iocb, r->res);
}

/* test_gio_delay_ms: the completion waits on the module's workqueue. */
static void xb_gio_complete_held(struct kiocb *iocb, long res)
{
	struct xb_gio_req *r = container_of(iocb, struct xb_gio_req, iocb);

	r->res = res;
	INIT_DELAYED_WORK(&r->late, xb_gio_complete_late);
	queue_delayed_work(xb_gio_wq, &r->late, msecs_to_jiffies(xb_test_gio_delay_ms()));
}
#endif

/* The segments a request claims: 0 if out of range (it fails). */
static u32 xb_gio_nseg(const struct xenback_grant_io_req *q)
{
	return q->nseg >= 1 && q->nseg <= XENBACK_GRANT_IO_MAX_SEGS ? q->nseg : 0;
}

/* r's nseg segments in gio->segs (mutex held): checked, their grants
 * resolved, the I/O started; its completion comes now or later. -EBUSY
 * from resolving is returned with nothing done if the owner asks
 * (park_busy), else it ends r like any other error. */
static int xb_gio_go(struct xb_gio *gio, struct xb_gio_req *r, u32 op, u64 offset,
		     bool park_busy)
{
	u32 nseg = r->nseg, i;
	size_t total = 0;
	struct iov_iter it;
	long ret;

	for (i = 0; i < nseg; i++) {
		if (!gio->segs[i].len || gio->segs[i].offset + gio->segs[i].len > PAGE_SIZE) {
			ret = -EINVAL;
			goto fail;
		}
		total += gio->segs[i].len;
	}
	ret = xb_gio_resolve(gio, nseg, r->gnt);
	if (ret == -EBUSY && park_busy)
		return -EBUSY;
	if (ret)
		goto fail;
	for (i = 0; i < nseg; i++) {
		r->bv[i].bv_page = r->gnt[i]->page;
		r->bv[i].bv_len = gio->segs[i].len;
		r->bv[i].bv_offset = gio->segs[i].offset;
	}
	iov_iter_bvec(&it, op == XENBACK_GRANT_IO_READ ? ITER_DEST : ITER_SOURCE, r->bv, nseg,
		      total);
	init_sync_kiocb(&r->iocb, gio->image);
	r->iocb.ki_pos = offset;
	r->iocb.ki_complete = xb_gio_complete;
#ifdef XENBACK_TEST_HOOKS
	if (xb_test_gio_delay_ms())
		r->iocb.ki_complete = xb_gio_complete_held;
#endif
	if (op == XENBACK_GRANT_IO_READ)
		ret = call_read_iter(gio->image, &r->iocb, &it);
	else
		ret = call_write_iter(gio->image, &r->iocb, &it);
	if (ret != -EIOCBQUEUED)
		r->iocb.ki_complete(&r->iocb, ret);
	return 0;
fail:
	r->nseg = 0; /* holds no mapping */
	xb_gio_complete(&r->iocb, ret);
	return 0;
}

/* One request from userspace, r allocated for it: started (its completion
 * comes later or is queued now), or failed (its completion queued with
 * the error). */
static void xb_gio_start(struct xb_gio *gio, struct xb_gio_req *r,
			 const struct xenback_grant_io_req *q)
{
	u32 nseg = xb_gio_nseg(q);
	long ret;

	gio->st.requests++;
	if (!nseg || q->op > XENBACK_GRANT_IO_WRITE || q->offset > LLONG_MAX) {
		ret = -EINVAL;
		goto fail;
	}
	if (q->op == XENBACK_GRANT_IO_WRITE && !(gio->image->f_mode & FMODE_WRITE)) {
		ret = -EBADF;
		goto fail;
	}
	if (copy_from_user(gio->segs, u64_to_user_ptr(q->segs), nseg * sizeof(gio->segs[0]))) {
		ret = -EFAULT;
		goto fail;
	}
	r->nseg = nseg;
	xb_gio_go(gio, r, q->op, q->offset, false);
	return;
fail:
	r->nseg = 0; /* holds no mapping */
	xb_gio_complete(&r->iocb, ret);
}

int xb_gio_start_segs(struct xb_gio *gio, struct xb_gio_req *r, u32 op, u64 offset)
{
	return xb_gio_go(gio, r, op, offset, true);
}

int xb_gio_pin(struct xb_gio *gio, unsigned int n, struct xb_gio_gnt **g)
{
	return xb_gio_resolve(gio, n, g);
}

void xb_gio_unpin(struct xb_gio_gnt **g, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		atomic_dec(&g[i]->busy);
}

struct xb_gio_req *xb_gio_req_alloc(struct xb_gio *gio, u32 nseg, gfp_t gfp)
{
	struct xb_gio_req *r;

	r = kzalloc(struct_size(r, bv, nseg) + nseg * sizeof(*r->gnt), gfp);
	if (!r)
		return NULL;
	r->gio = gio;
	r->nseg = nseg;
	r->gnt = (struct xb_gio_gnt **)&r->bv[nseg];
	kref_get(&gio->ref);
	return r;
}

static long xb_gio_submit(struct xb_gio *gio, void __user *arg)
{
	struct xenback_grant_io_req *reqs;
	struct xenback_grant_io_submit s;
	struct xb_gio_req *r;
	unsigned long flags;
	bool busy;
	u32 i;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.flags || s.pad)
		return -EINVAL;
	if (s.count > XENBACK_GRANT_IO_MAX_BATCH)
		return -E2BIG;
	/*
	 * done must be writable before anything starts: an EFAULT after the
	 * requests started would tell the caller they did not. Reaping
	 * writes at most min(done_max, XENBACK_GRANT_IO_MAX_INFLIGHT)
	 * entries (a completion stays in flight until it is taken).
	 */
	if (s.done_max &&
	    clear_user(u64_to_user_ptr(s.done),
		       (size_t)min_t(u32, s.done_max, XENBACK_GRANT_IO_MAX_INFLIGHT) *
			       sizeof(struct xenback_grant_io_done)))
		return -EFAULT;
	reqs = memdup_user(u64_to_user_ptr(s.reqs), s.count * sizeof(*reqs));
	if (IS_ERR(reqs))
		return PTR_ERR(reqs);
	spin_lock_irqsave(&gio->lock, flags);
	busy = gio->inflight + s.count > XENBACK_GRANT_IO_MAX_INFLIGHT;
	if (!busy)
		gio->inflight += s.count;
	spin_unlock_irqrestore(&gio->lock, flags);
	if (busy) {
		kfree(reqs);
		return -EBUSY;
	}
	mutex_lock(&gio->mutex);
	/* Every request's memory first: a batch starts whole or not at all. */
	for (i = 0; i < s.count; i++) {
		r = xb_gio_req_alloc(gio, xb_gio_nseg(&reqs[i]), GFP_KERNEL_ACCOUNT);
		gio->batch[i] = r;
		if (!r)
			break;
		r->user_data = reqs[i].user_data;
	}
	if (i < s.count) {
		while (i--)
			xb_gio_req_free(gio->batch[i]); /* not the last reference */
		mutex_unlock(&gio->mutex);
		spin_lock_irqsave(&gio->lock, flags);
		gio->inflight -= s.count;
		spin_unlock_irqrestore(&gio->lock, flags);
		kfree(reqs);
		return -ENOMEM;
	}
	for (i = 0; i < s.count; i++)
		xb_gio_start(gio, gio->batch[i], &reqs[i]);
	mutex_unlock(&gio->mutex);
	kfree(reqs);
	return s.done_max ? xb_gio_reap(gio, u64_to_user_ptr(s.done), s.done_max) : 0;
}

static long xb_gio_stats(struct xb_gio *gio, void __user *arg)
{
	struct xenback_grant_io_stats st;
	unsigned long flags;

	mutex_lock(&gio->mutex);
	st = gio->st;
	st.mapped = gio->nmapped;
	mutex_unlock(&gio->mutex);
	spin_lock_irqsave(&gio->lock, flags);
	st.inflight = gio->inflight;
	spin_unlock_irqrestore(&gio->lock, flags);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long xb_gio_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xb_gio *gio = file->private_data;

	switch (cmd) {
	case XENBACK_GRANT_IO_SUBMIT:
		return xb_gio_submit(gio, (void __user *)arg);
	case XENBACK_GRANT_IO_STATS:
		return xb_gio_stats(gio, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static ssize_t xb_gio_read(struct file *file, char __user *buf, size_t len, loff_t *pos)
{
	struct xb_gio *gio = file->private_data;
	size_t max = len / sizeof(struct xenback_grant_io_done);
	long n;

	if (!max)
		return -EINVAL;
	n = xb_gio_reap(gio, (void __user *)buf, min_t(size_t, max, XENBACK_GRANT_IO_MAX_INFLIGHT));
	if (n < 0)
		return n;
	if (!n)
		return -EAGAIN;
	return n * sizeof(struct xenback_grant_io_done);
}

static __poll_t xb_gio_poll(struct file *file, poll_table *wait)
{
	struct xb_gio *gio = file->private_data;
	unsigned long flags;
	__poll_t m = 0;

	poll_wait(file, &gio->wq, wait);
	spin_lock_irqsave(&gio->lock, flags);
	if (!list_empty(&gio->done))
		m = EPOLLIN | EPOLLRDNORM;
	spin_unlock_irqrestore(&gio->lock, flags);
	return m;
}

static int xb_gio_release(struct inode *inode, struct file *file)
{
	struct xb_gio *gio = file->private_data;
	struct xb_gio_req *r, *t;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&gio->lock, flags);
	gio->closed = true;
	list_splice_init(&gio->done, &done);
	spin_unlock_irqrestore(&gio->lock, flags);
	list_for_each_entry_safe(r, t, &done, node)
		xb_gio_req_free(r);
	/* Requests still in flight hold their references: the mappings go
	 * when the last of them ends. */
	kref_put(&gio->ref, xb_gio_last_put);
	return 0;
}

static const struct file_operations xb_gio_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = xb_gio_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = xb_gio_read,
	.poll = xb_gio_poll,
	.release = xb_gio_release,
	.llseek = noop_llseek,
};

int xb_gio_image_ok(struct file *image)
{
	umode_t mode = file_inode(image)->i_mode;

	if (!(image->f_flags & O_DIRECT) || !(S_ISREG(mode) || S_ISBLK(mode)) ||
	    !(image->f_mode & FMODE_CAN_READ) || image->f_op == &xb_gio_fops)
		return -EINVAL;
	return 0;
}

struct xb_gio *xb_gio_new(u32 domid, struct file *image, u32 max_grants, bool fake)
{
	struct xb_gio *gio = kvzalloc(sizeof(*gio), GFP_KERNEL_ACCOUNT);

	if (!gio) {
		fput(image);
		return NULL;
	}
	kref_init(&gio->ref);
	gio->image = image;
	gio->domid = domid;
	gio->max_grants = max_grants;
	gio->fake = fake;
	mutex_init(&gio->mutex);
	xa_init(&gio->grants);
	INIT_LIST_HEAD(&gio->lru);
	spin_lock_init(&gio->lock);
	INIT_LIST_HEAD(&gio->done);
	init_waitqueue_head(&gio->wq);
	INIT_WORK(&gio->free_work, xb_gio_free_work);
	__module_get(THIS_MODULE); /* until free_work is done */
	return gio;
}

void xb_gio_put(struct xb_gio *gio)
{
	kref_put(&gio->ref, xb_gio_last_put);
}

int xb_grant_io_open(u32 domid, int image_fd, u32 max_grants, bool fake)
{
	struct xb_gio *gio;
	struct file *image;
	int fd;

	if (max_grants < 1 || max_grants > XENBACK_GRANT_IO_MAX_GRANTS)
		return -EINVAL;
	image = fget(image_fd);
	if (!image)
		return -EBADF;
	if (xb_gio_image_ok(image)) {
		fput(image);
		return -EINVAL;
	}
	gio = xb_gio_new(domid, image, max_grants, fake);
	if (!gio)
		return -ENOMEM;
	fd = anon_inode_getfd("[xenback-grant-io]", &xb_gio_fops, gio,
			      O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		xb_gio_put(gio);
	return fd;
}

int __init xb_grant_io_init(void)
{
	xb_gio_wq = alloc_workqueue("xenback_grant_io", WQ_UNBOUND, 0);
	return xb_gio_wq ? 0 : -ENOMEM;
}

void xb_grant_io_exit(void)
{
	destroy_workqueue(xb_gio_wq); /* drains pending frees */
}
