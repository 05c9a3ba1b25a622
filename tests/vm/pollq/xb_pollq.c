// SPDX-License-Identifier: GPL-2.0
/*
 * xb_pollq.ko: a test device of the vm tier, never shipped. Each open of
 * /dev/xb-pollq is a file whose poll() puts its caller on up to
 * XB_POLLQ_MAX wait queues (no stock file of Debian's kernel uses more than
 * two), and whose queues can be freed under their waiters with POLLFREE,
 * the way signalfd frees a dying process's queue: wake_up_pollfree(), then
 * the memory after an RCU grace period. test-races uses it to check
 * xenback.ko's NOTIFY WAIT_FD on such files. ioctls in xb_pollq.h.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "xb_pollq.h"

struct pq_heads {
	wait_queue_head_t wq[XB_POLLQ_MAX];
	struct rcu_head rcu;
};

struct pq_file {
	struct mutex lock;
	struct pq_heads __rcu *heads; /* NULL once freed */
	unsigned int n;
	bool ready;
};

static int pq_open(struct inode *inode, struct file *file)
{
	struct pq_file *f = kzalloc(sizeof(*f), GFP_KERNEL);
	struct pq_heads *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int i;

	if (!f || !h) {
		kfree(f);
		kfree(h);
		return -ENOMEM;
	}
	for (i = 0; i < XB_POLLQ_MAX; i++)
		init_waitqueue_head(&h->wq[i]);
	mutex_init(&f->lock);
	f->n = 4;
	rcu_assign_pointer(f->heads, h);
	file->private_data = f;
	return stream_open(inode, file);
}

/* lock held */
static void pq_pollfree(struct pq_file *f)
{
	struct pq_heads *h = rcu_dereference_protected(f->heads, lockdep_is_held(&f->lock));
	int i;

	if (!h)
		return;
	RCU_INIT_POINTER(f->heads, NULL);
	for (i = 0; i < XB_POLLQ_MAX; i++)
		wake_up_pollfree(&h->wq[i]); /* warns if a waiter stayed */
	kfree_rcu(h, rcu);
}

static int pq_release(struct inode *inode, struct file *file)
{
	struct pq_file *f = file->private_data;

	mutex_lock(&f->lock);
	pq_pollfree(f);
	mutex_unlock(&f->lock);
	kfree(f);
	return 0;
}

static __poll_t pq_poll(struct file *file, poll_table *wait)
{
	struct pq_file *f = file->private_data;
	struct pq_heads *h;
	unsigned int i;

	/* The lock keeps the queues until poll_wait() has added the waiter;
	 * from then on it is the waiter's to leave them on POLLFREE.
	 */
	mutex_lock(&f->lock);
	h = rcu_dereference_protected(f->heads, lockdep_is_held(&f->lock));
	for (i = 0; h && i < f->n; i++)
		poll_wait(file, &h->wq[i], wait);
	mutex_unlock(&f->lock);
	return READ_ONCE(f->ready) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long pq_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pq_file *f = file->private_data;
	struct pq_heads *h;
	long ret = 0;
	int i;

	mutex_lock(&f->lock);
	h = rcu_dereference_protected(f->heads, lockdep_is_held(&f->lock));
	switch (cmd) {
	case XB_POLLQ_SET_HEADS:
		if (arg < 1 || arg > XB_POLLQ_MAX)
			ret = -EINVAL;
		else if (!h)
			ret = -EBUSY;
		else
			f->n = arg;
		break;
	case XB_POLLQ_SET_READY:
		WRITE_ONCE(f->ready, !!arg);
		break;
	case XB_POLLQ_WAKE:
		if (arg >= XB_POLLQ_MAX)
			ret = -EINVAL;
		else if (h)
			wake_up_interruptible_poll(&h->wq[arg], EPOLLIN | EPOLLRDNORM);
		break;
	case XB_POLLQ_POLLFREE:
		pq_pollfree(f);
		break;
	case XB_POLLQ_WAITERS:
		for (i = 0; h && i < XB_POLLQ_MAX; i++) {
			/* a snapshot for the test: no ordering needed */
			if (waitqueue_active(&h->wq[i]))
				ret |= 1L << i;
		}
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&f->lock);
	return ret;
}

static const struct file_operations pq_fops = {
	.owner = THIS_MODULE,
	.open = pq_open,
	.release = pq_release,
	.poll = pq_poll,
	.unlocked_ioctl = pq_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice pq_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xb-pollq",
	.fops = &pq_fops,
	.mode = 0600,
};

static int __init pq_init(void)
{
	return misc_register(&pq_misc);
}

static void __exit pq_exit(void)
{
	misc_deregister(&pq_misc);
	rcu_barrier(); /* the queues' kfree_rcu */
}

module_init(pq_init);
module_exit(pq_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION(
	"xenback vm tier: a test device polling on many wait queues, freed with POLLFREE");
