// SPDX-License-Identifier: GPL-2.0
/*
 * xenback.ko: the misc device /dev/xenback and its file operations. Each open
 * file is one context (struct xb_ctx); closing it tears down every port it
 * bound.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "xenback_kmod.h"

DEFINE_MUTEX(xb_ctx_list_mutex);
LIST_HEAD(xb_ctx_list);
static u32 xb_ctx_next_id;

static const struct file_operations xb_fops;

struct xb_ctx *xb_ctx_from_file(struct file *file)
{
	if (file->f_op != &xb_fops)
		return NULL;
	return file->private_data;
}

static int xb_open(struct inode *inode, struct file *file)
{
	struct xb_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ret = xb_ring_init(&ctx->ring);
	if (ret) {
		kfree(ctx);
		return ret;
	}
	spin_lock_init(&ctx->lock);
	mutex_init(&ctx->mutex);
	ctx->restrict_domid = XB_DOMID_ANY;
	xa_init(&ctx->xen);
	xa_init_flags(&ctx->loop, XA_FLAGS_ALLOC);
	atomic_set(&ctx->nports, 0);
	init_waitqueue_head(&ctx->wq);
	ctx->pid = task_tgid_nr(current);
	ctx->irq_cpu = -1;

	mutex_lock(&xb_ctx_list_mutex);
	ctx->id = ++xb_ctx_next_id;
	list_add_tail(&ctx->node, &xb_ctx_list);
	mutex_unlock(&xb_ctx_list_mutex);

	file->private_data = ctx;
	return stream_open(inode, file);
}

static void xb_ctx_free_rcu(struct rcu_head *head)
{
	struct xb_ctx *ctx = container_of(head, struct xb_ctx, rcu);

	xb_ring_free(&ctx->ring);
	kfree(ctx);
}

static int xb_release(struct inode *inode, struct file *file)
{
	struct xb_ctx *ctx = file->private_data;

	mutex_lock(&xb_ctx_list_mutex);
	list_del(&ctx->node);
	mutex_unlock(&xb_ctx_list_mutex);

	xb_evtchn_unbind_all(ctx);
	xb_scratch_free(ctx);
	xa_destroy(&ctx->xen);
	xa_destroy(&ctx->loop);
	mutex_destroy(&ctx->mutex);
	/* A peer may still be delivering to one of our (dead) ports. */
	call_rcu(&ctx->rcu, xb_ctx_free_rcu);
	return 0;
}

static __poll_t xb_poll(struct file *file, poll_table *wait)
{
	struct xb_ctx *ctx = file->private_data;
	__poll_t mask = 0;

	xb_evtchn_redeliver(ctx);
	poll_wait(file, &ctx->wq, wait);
	smp_mb(); /* pairs with wq_has_sleeper() in the event path */
	if (xb_ring_pending(&ctx->ring))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(ctx->ring.hdr->flags) & XENBACK_SHARED_OVERFLOW)
		mask |= EPOLLERR;
	return mask;
}

static int xb_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct xb_ctx *ctx = file->private_data;

	return xb_ring_mmap(&ctx->ring, vma);
}

static const struct file_operations xb_fops = {
	.owner = THIS_MODULE,
	.open = xb_open,
	.release = xb_release,
	.poll = xb_poll,
	.mmap = xb_mmap,
	.unlocked_ioctl = xb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice xb_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = XENBACK_DEVICE_NAME,
	.fops = &xb_fops,
	.mode = 0600,
};

static int __init xb_init(void)
{
	int ret;

	ret = xb_grant_io_init();
	if (ret)
		return ret;
	ret = xb_blkif_init();
	if (ret)
		goto out_gio;
	ret = xb_genl_init();
	if (ret)
		goto out_blkif;
	ret = misc_register(&xb_misc);
	if (ret)
		goto out_genl;
	return 0;
out_genl:
	xb_genl_exit();
out_blkif:
	xb_blkif_exit();
out_gio:
	xb_grant_io_exit();
	return ret;
}

static void __exit xb_exit(void)
{
	misc_deregister(&xb_misc);
	xb_genl_exit();
	/* Contexts are gone (each held a module reference); wait for their
	 * RCU callbacks before the code they run goes away.
	 */
	rcu_barrier();
	/* Grant I/O files held a module reference until their last free
	 * began; wait for it to end. Blkif files first: their frees put
	 * grant I/O engines. */
	xb_blkif_exit();
	xb_grant_io_exit();
	xb_tap_rx_exit();
}

module_init(xb_init);
module_exit(xb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenback: fast event-channel and ring notification for Xen PV backends");
MODULE_AUTHOR("xenback developers");
MODULE_VERSION("0.1.0");
