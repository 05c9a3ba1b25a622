// SPDX-License-Identifier: GPL-2.0
/*
 * The blkif ring engine (XENBACK_IOCTL_BLKIF_OPEN): one blkif ring served
 * by the module, as xen-blkback serves it, with no process on the path.
 * This file: the file userspace holds, the ring's mapping and event
 * channel, lifetimes and teardown. The requests: blkif_ring.c.
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
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "blkif.h"
#include "grant_io.h"

#define XB_BLKIF_WAIT_MS 30000         /* an open waits for the previous file */

struct workqueue_struct *xb_blkif_wq;
struct workqueue_struct *xb_blkif_slow_wq;
static DEFINE_MUTEX(xb_blkif_list_mutex);
static LIST_HEAD(xb_blkif_list);
static DECLARE_WAIT_QUEUE_HEAD(xb_blkif_gone);
static unsigned long xb_blkif_gone_gen;   /* files gone, under the list mutex */
static const struct file_operations xb_blkif_fops;

void *xb_blkif_page(struct xb_blkif *b, unsigned int i)
{
	return pfn_to_kaddr(page_to_pfn(b->pages[i]));
}

void xb_blkif_kick(struct xb_blkif *b)
{
	if (!kref_get_unless_zero(&b->ref))
		return;
	if (READ_ONCE(b->closed) || !queue_work(xb_blkif_wq, &b->work))
		xb_blkif_put(b);
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

void xb_blkif_put(struct xb_blkif *b)
{
	kref_put(&b->ref, xb_blkif_last_put);
}

/* ------------------------------------------------------------ the file */

/* The grant cache's counters are read without gio->mutex, which the work
 * holds for a whole run: exact once the ring is quiet, else a moment's. */
void xb_blkif_snapshot(struct xb_blkif *b, struct xenback_blkif_stats *st)
{
	unsigned long flags;

	st->maps = READ_ONCE(b->gio->st.maps);
	st->hits = READ_ONCE(b->gio->st.hits);
	st->evicted = READ_ONCE(b->gio->st.evicted);
	st->mapped = READ_ONCE(b->gio->nmapped);
	spin_lock_irqsave(&b->lock, flags);
	st->requests = b->st.requests;
	st->responses = b->st.responses;
	st->errors = b->st.errors;
	st->notifies = b->st.notifies;
	st->inflight = b->st.inflight;
	st->stopped = b->st.stopped;
	st->pad = 0;
	memcpy(st->reason, b->st.reason, sizeof(st->reason));
	spin_unlock_irqrestore(&b->lock, flags);
}

long xb_blkif_for_each(long skip, int (*fn)(struct xb_blkif *b, void *arg), void *arg)
{
	struct xb_blkif *b;
	long n = 0;

	mutex_lock(&xb_blkif_list_mutex);
	list_for_each_entry(b, &xb_blkif_list, node) {
		if (n < skip) {
			n++;
			continue;
		}
		if (fn(b, arg))
			break;
		n++;
	}
	mutex_unlock(&xb_blkif_list_mutex);
	return n;
}

static long xb_blkif_stats(struct xb_blkif *b, void __user *arg)
{
	struct xenback_blkif_stats st;

	xb_blkif_snapshot(b, &st);
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
		WRITE_ONCE(b->irq, ret);
		/* Answers given before this could not notify: one now. */
		notify_remote_via_irq(ret);
	}
	/* What the frontend queued before, and the event that came before
	 * b->irq was known (kicked before the fd exists: once it does, a
	 * close from another thread may drop the last reference). */
	xb_blkif_kick(b);
	fd = anon_inode_getfd("[xenback-blkif]", &xb_blkif_fops, b, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		xb_blkif_put(b); /* free_work undoes it all */
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
