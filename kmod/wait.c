// SPDX-License-Identifier: GPL-2.0
/*
 * The wait of XENBACK_IOCTL_NOTIFY: until the context's pending ring moves
 * or, with XENBACK_NOTIFY_WAIT_FD, until another file is readable.
 *
 * The other file is typically the caller's epoll fd holding its other
 * sources (xenstore watch, timers, I/O completions): a backend's whole loop
 * becomes one ioctl per round (answer, re-arm, wait) instead of epoll_wait
 * plus the ioctl. The file is polled the way select() does it: our entry
 * goes on its wait queue(s) through a poll_table, and its wake-up only
 * records that it fired and wakes this task; the file itself is polled
 * again only while running (its poll may sleep: epoll takes a mutex).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "xenback_kmod.h"

/* Files we expect (epoll, eventfd, timerfd, sockets, pipes) use one queue. */
#define XB_WAIT_HEADS 2
#define XB_READABLE (EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLHUP)

struct xb_fdwait;

struct xb_fdwait_entry {
	wait_queue_entry_t wq;
	wait_queue_head_t *head;
	struct xb_fdwait *w;
};

struct xb_fdwait {
	poll_table pt;
	struct xb_fdwait_entry e[XB_WAIT_HEADS];
	unsigned int n;
	bool fired;
	bool overflow;                 /* a third queue: poll, never sleep long */
};

static int xb_fdwait_wake(wait_queue_entry_t *wq, unsigned int mode, int sync, void *key)
{
	struct xb_fdwait_entry *e = container_of(wq, struct xb_fdwait_entry, wq);
	bool pollfree = key_to_poll(key) & POLLFREE;
	int ret;

	WRITE_ONCE(e->w->fired, true);
	if (pollfree)
		WRITE_ONCE(e->w->overflow, true);
	ret = default_wake_function(wq, mode, sync, key);
	if (pollfree) {
		/*
		 * The queue's head is about to be freed (after an RCU grace
		 * period) while the file lives on (PSI triggers, signalfd,
		 * binder: wake_up_pollfree()). Leave it now, under its lock,
		 * and poll the file every tick from here on (as epoll and
		 * aio do: xb_fdwait_remove() then skips the head).
		 * This comes last: once head is NULL the waiter may return
		 * without taking this queue's lock, and its stack, which
		 * holds e and wq, be reused. Until then its
		 * xb_fdwait_remove() waits for the lock we hold.
		 */
		list_del_init(&wq->entry);
		/* Pairs with the acquire in xb_fdwait_remove(). */
		smp_store_release(&e->head, NULL);
	}
	return ret;
}

static void xb_fdwait_remove(struct xb_fdwait_entry *e)
{
	wait_queue_head_t *head;

	rcu_read_lock(); /* a head freed by POLLFREE waits for a grace period */
	head = smp_load_acquire(&e->head);
	if (head)
		remove_wait_queue(head, &e->wq);
	rcu_read_unlock();
}

static void xb_fdwait_queue(struct file *f, wait_queue_head_t *head, poll_table *pt)
{
	struct xb_fdwait *w = container_of(pt, struct xb_fdwait, pt);
	struct xb_fdwait_entry *e;

	if (w->n == XB_WAIT_HEADS) {
		w->overflow = true;
		return;
	}
	e = &w->e[w->n++];
	e->w = w;
	e->head = head;
	init_waitqueue_func_entry(&e->wq, xb_fdwait_wake);
	e->wq.private = current;
	add_wait_queue(head, &e->wq);
}

/* A file the wait can watch: pollable, and not a /dev/xenback context. */
struct file *xb_wait_file_get(int fd)
{
	struct file *f = fget(fd);

	if (!f)
		return ERR_PTR(-EBADF);
	if (!file_can_poll(f) || xb_ctx_from_file(f)) {
		fput(f);
		return ERR_PTR(-EINVAL);
	}
	return f;
}

static bool xb_ring_moved(struct xb_ctx *ctx, u32 cons)
{
	return READ_ONCE(ctx->ring.prod) != cons;
}

/*
 * Sleep until ctx's ring producer passes cons or file (may be NULL) is
 * readable. Returns the number of entries pending, or'ed with
 * XENBACK_NOTIFY_FD_READY if file is readable; -EINTR on a signal.
 */
long xb_wait(struct xb_ctx *ctx, u32 cons, struct file *file)
{
	struct xb_fdwait w = { .n = 0 };
	DEFINE_WAIT(self);
	__poll_t mask = 0;
	unsigned int i;
	long ret = 0;

	if (!file) {
		if (wait_event_interruptible(ctx->wq, xb_ring_moved(ctx, cons)))
			return -EINTR;
		return min_t(u32, READ_ONCE(ctx->ring.prod) - cons, XENBACK_RING_SIZE);
	}
	init_poll_funcptr(&w.pt, xb_fdwait_queue);
	mask = vfs_poll(file, &w.pt);
	while (!(mask & XB_READABLE) && !xb_ring_moved(ctx, cons)) {
		prepare_to_wait(&ctx->wq, &self, TASK_INTERRUPTIBLE);
		if (!xb_ring_moved(ctx, cons) && !READ_ONCE(w.fired)) {
			if (signal_pending(current)) {
				finish_wait(&ctx->wq, &self);
				ret = -EINTR;
				goto out;
			}
			/* A file on more queues than we hold: look again every tick. */
			if (READ_ONCE(w.overflow))
				schedule_timeout(1);
			else
				schedule();
		}
		finish_wait(&ctx->wq, &self);
		WRITE_ONCE(w.fired, false);
		mask = vfs_poll(file, NULL);
	}
	ret = min_t(u32, READ_ONCE(ctx->ring.prod) - cons, XENBACK_RING_SIZE);
	if (mask & XB_READABLE)
		ret |= XENBACK_NOTIFY_FD_READY;
out:
	for (i = 0; i < w.n; i++)
		xb_fdwait_remove(&w.e[i]);
	return ret;
}
