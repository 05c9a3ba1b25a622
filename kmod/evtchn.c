// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: binding (Xen interdomain channels and loopback pairs), the event
 * path with lateeoi masking, storm throttling, notification and teardown.
 *
 * Event path, for every kind of port:
 *   event on an unmasked port -> mask, publish (ring or eventfd), wake
 *   event on a masked port    -> latch (one pending event, like Xen)
 *   re-arm (lateeoi)          -> deliver the latched event, or unmask
 * With a shared ring registered (suppress.c), an event whose ring has
 * nothing new is spurious: not published, re-armed as a spurious lateeoi.
 * Spurious re-arms in a row are delayed exponentially (1 jiffy doubling up
 * to HZ): for Xen ports Xen's lateeoi core does it, for loopback ports a
 * timer here, so a storm costs a bounded amount of CPU either way.
 */
#include <linux/interrupt.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>

#include "xenback_kmod.h"
#include "trace.h"

/* Links of loopback pairs. */
static DEFINE_SPINLOCK(xb_peer_lock);

#define XB_DOMID_FIRST_RESERVED 0x7ff0u

/* Work a caller must do after dropping ctx->lock. */
struct xb_after {
	bool wake;
	bool lateeoi;
	unsigned int eoi_flags;
};

static bool xb_evtchn_is_xen(const struct xb_evtchn *p)
{
	return p->kind == XENBACK_PORT_INTERDOMAIN;
}

static void xb_deliver_locked(struct xb_evtchn *p, struct xb_after *after);

/* Re-arm a masked port (lateeoi); ctx->lock held. */
static void xb_rearm_locked(struct xb_evtchn *p, bool spurious,
			    struct xb_after *after)
{
	if (spurious) {
		if (p->spurious_run < 64)
			p->spurious_run++;
	} else {
		p->spurious_run = 0;
	}
	if (spurious && p->spurious_run > 1) {
		xb_stat_inc(p, XB_STAT_THROTTLED);
		if (!xb_evtchn_is_xen(p)) {
			unsigned int shift = min(p->spurious_run - 2, 16u);
			unsigned long delay = min(1UL << shift, (unsigned long)HZ);

			p->rearm_armed = true;
			mod_timer(&p->rearm, jiffies + delay);
			return; /* stays masked until the timer */
		}
		/* Xen's lateeoi core applies the delay itself. */
	}
	if (p->latched) {
		p->latched = false;
		xb_deliver_locked(p, after);
		return;
	}
	p->masked = false;
	if (xb_evtchn_is_xen(p)) {
		after->lateeoi = true;
		after->eoi_flags = spurious ? XEN_EOI_FLAG_SPURIOUS : 0;
	}
}

/* Publish an event of port p to userspace; ctx->lock held. */
static void xb_deliver_locked(struct xb_evtchn *p, struct xb_after *after)
{
	p->masked = true;
	if (p->sup && !xb_suppress_has_work(p->sup)) {
		xb_stat_inc(p, XB_STAT_SPURIOUS);
		trace_spurious(p->port, p->domid);
		xb_rearm_locked(p, true, after);
		return;
	}
	if (p->evfd) {
		xb_eventfd_signal(p->evfd);
	} else if (!xb_ring_push(&p->ctx->ring, p->port)) {
		/* The ring is full: stale entries of ports unbound before
		 * userspace consumed them, or a cons userspace broke. The
		 * port stays masked and is pushed once there is room.
		 */
		p->lost = true;
		p->ctx->lost = true;
		after->wake = true;
		return;
	}
	xb_stat_inc(p, XB_STAT_WAKES);
	trace_wake(p->port, p->domid);
	after->wake = true;
}

/* The caller is in an RCU read-side section (or the port cannot die). */
static void xb_after_unlock(struct xb_evtchn *p, const struct xb_after *after)
{
	/* wq_has_sleeper() orders the ring update before the check. */
	if (after->wake && wq_has_sleeper(&p->ctx->wq))
		wake_up_interruptible_poll(&p->ctx->wq, EPOLLIN | EPOLLRDNORM);
	if (after->lateeoi && !READ_ONCE(p->dead))
		xen_irq_lateeoi(p->irq, after->eoi_flags);
}

void xb_evtchn_event(struct xb_evtchn *p)
{
	struct xb_ctx *ctx = p->ctx;
	struct xb_after after = {};
	unsigned long flags;

	spin_lock_irqsave(&ctx->lock, flags);
	if (p->dead) {
		spin_unlock_irqrestore(&ctx->lock, flags);
		return;
	}
	xb_stat_inc(p, XB_STAT_EVENTS);
	trace_port_event(p->port, p->domid);
	if (p->masked)
		p->latched = true;
	else
		xb_deliver_locked(p, &after);
	spin_unlock_irqrestore(&ctx->lock, flags);
	xb_after_unlock(p, &after);
}

void xb_evtchn_rearm(struct xb_evtchn *p, bool spurious)
{
	struct xb_ctx *ctx = p->ctx;
	struct xb_after after = {};
	unsigned long flags;

	spin_lock_irqsave(&ctx->lock, flags);
	if (!p->dead && p->masked && !p->rearm_armed) {
		if (spurious) {
			xb_stat_inc(p, XB_STAT_SPURIOUS);
			trace_spurious(p->port, p->domid);
		}
		xb_rearm_locked(p, spurious, &after);
	}
	spin_unlock_irqrestore(&ctx->lock, flags);
	xb_after_unlock(p, &after);
}

void xb_evtchn_redeliver(struct xb_ctx *ctx)
{
	struct xb_evtchn *p;
	unsigned long flags, idx;
	bool woke = false;
	int k;

	if (!READ_ONCE(ctx->lost))
		return;
	rcu_read_lock();
	spin_lock_irqsave(&ctx->lock, flags);
	ctx->lost = false;
	for (k = 0; k < 2 && !ctx->lost; k++) {
		xa_for_each(k ? &ctx->loop : &ctx->xen, idx, p) {
			if (!p->lost || p->dead)
				continue;
			if (!xb_ring_push(&ctx->ring, p->port)) {
				ctx->lost = true; /* still full: next time */
				break;
			}
			p->lost = false;
			xb_stat_inc(p, XB_STAT_WAKES);
			woke = true;
		}
	}
	spin_unlock_irqrestore(&ctx->lock, flags);
	rcu_read_unlock();
	if (woke && wq_has_sleeper(&ctx->wq))
		wake_up_interruptible_poll(&ctx->wq, EPOLLIN | EPOLLRDNORM);
}

void xb_evtchn_notify(struct xb_evtchn *p)
{
	struct xb_evtchn *peer;

	atomic64_inc(&p->notifies_atomic);
	trace_notify(p->port, p->domid);
	if (xb_evtchn_is_xen(p)) {
		/* Unbind waits for a grace period before freeing the irq. */
		if (!READ_ONCE(p->dead))
			notify_remote_via_irq(p->irq);
		return;
	}
	peer = rcu_dereference(p->peer);
	if (peer)
		xb_evtchn_event(peer);
}

/* Loopback throttle: the delayed unmask of a storming port. */
static void xb_evtchn_rearm_timer(struct timer_list *t)
{
	struct xb_evtchn *p = from_timer(p, t, rearm);
	struct xb_ctx *ctx = p->ctx;
	struct xb_after after = {};
	unsigned long flags;

	spin_lock_irqsave(&ctx->lock, flags);
	p->rearm_armed = false;
	if (!p->dead && p->masked) {
		if (p->latched) {
			p->latched = false;
			xb_deliver_locked(p, &after);
		} else {
			p->masked = false;
		}
	}
	spin_unlock_irqrestore(&ctx->lock, flags);
	xb_after_unlock(p, &after);
}

static irqreturn_t xb_xen_interrupt(int irq, void *data)
{
	xb_evtchn_event(data);
	return IRQ_HANDLED;
}

struct xb_evtchn *xb_evtchn_lookup(struct xb_ctx *ctx, u32 port)
{
	unsigned long idx;
	struct xarray *xa = xb_evtchn_xa(ctx, port, &idx);

	return xa_load(xa, idx);
}

static int xb_ctx_reserve(struct xb_ctx *ctx)
{
	if (atomic_inc_return(&ctx->nports) > XENBACK_MAX_PORTS) {
		atomic_dec(&ctx->nports);
		return -ENOSPC;
	}
	return 0;
}

static struct xb_evtchn *xb_evtchn_alloc(struct xb_ctx *ctx, u32 kind, u32 domid)
{
	struct xb_evtchn *p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);

	if (!p)
		return NULL;
	p->ctx = ctx;
	p->kind = kind;
	p->domid = domid;
	p->irq = -1;
	timer_setup(&p->rearm, xb_evtchn_rearm_timer, 0);
	atomic64_set(&p->notifies_atomic, 0);
	INIT_LIST_HEAD(&p->kill_node);
	return p;
}

static void xb_lock_pair(struct xb_ctx *a, struct xb_ctx *b)
{
	if (a == b) {
		mutex_lock(&a->mutex);
	} else if ((uintptr_t)a < (uintptr_t)b) { /* a total order, like ids that never wrap */
		mutex_lock(&a->mutex);
		mutex_lock_nested(&b->mutex, SINGLE_DEPTH_NESTING);
	} else {
		mutex_lock(&b->mutex);
		mutex_lock_nested(&a->mutex, SINGLE_DEPTH_NESTING);
	}
}

static void xb_unlock_pair(struct xb_ctx *a, struct xb_ctx *b)
{
	mutex_unlock(&a->mutex);
	if (a != b)
		mutex_unlock(&b->mutex);
}

int xb_evtchn_bind_loopback(struct xb_ctx *ctx, struct xb_ctx *peer_ctx,
			  struct xb_bound *ba, struct xb_bound *bb)
{
	struct xa_limit lim = XA_LIMIT(0, 0xffffff);
	struct xb_evtchn *a = NULL, *b = NULL;
	u32 ia, ib;
	int ret;

	ret = xb_ctx_reserve(ctx);
	if (ret)
		return ret;
	ret = xb_ctx_reserve(peer_ctx);
	if (ret) {
		atomic_dec(&ctx->nports);
		return ret;
	}
	a = xb_evtchn_alloc(ctx, XENBACK_PORT_LOOPBACK, XENBACK_DOMID_LOOPBACK);
	b = xb_evtchn_alloc(peer_ctx, XENBACK_PORT_LOOPBACK, XENBACK_DOMID_LOOPBACK);
	if (!a || !b) {
		ret = -ENOMEM;
		goto err_free;
	}
	xb_lock_pair(ctx, peer_ctx);
	ret = xa_alloc(&ctx->loop, &ia, NULL, lim, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_unlock;
	ret = xa_alloc(&peer_ctx->loop, &ib, NULL, lim, GFP_KERNEL_ACCOUNT);
	if (ret) {
		xa_release(&ctx->loop, ia);
		goto err_unlock;
	}
	a->port = XENBACK_LOOPBACK_PORT_BASE + ia;
	b->port = XENBACK_LOOPBACK_PORT_BASE + ib;
	a->gen = ++ctx->bind_gen;
	b->gen = ++peer_ctx->bind_gen;
	/* Once the pair is published and the locks dropped, another thread
	 * may unbind and free either: what we return is copied now.
	 */
	*ba = (struct xb_bound){ .port = a->port, .gen = a->gen };
	*bb = (struct xb_bound){ .port = b->port, .gen = b->gen };
	RCU_INIT_POINTER(a->peer, b);
	RCU_INIT_POINTER(b->peer, a);
	/* Storing over a reserved index allocates nothing and cannot fail. */
	xa_store(&ctx->loop, ia, a, GFP_KERNEL);
	xa_store(&peer_ctx->loop, ib, b, GFP_KERNEL);
	trace_bind(ba->port, XENBACK_DOMID_LOOPBACK, XENBACK_PORT_LOOPBACK);
	trace_bind(bb->port, XENBACK_DOMID_LOOPBACK, XENBACK_PORT_LOOPBACK);
	xb_unlock_pair(ctx, peer_ctx);
	xb_test_window();
	return 0;

err_unlock:
	xb_unlock_pair(ctx, peer_ctx);
	if (ret == -EBUSY)
		ret = -ENOSPC;
err_free:
	kfree(a);
	kfree(b);
	atomic_dec(&ctx->nports);
	atomic_dec(&peer_ctx->nports);
	return ret;
}

static void xb_evtchn_close(u32 port)
{
	struct evtchn_close close = { .port = port };

	HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
}

/*
 * After bind_evtchn_to_irqhandler_lateeoi() failed: Linux has closed the
 * channel itself if the failure came after the irq was set up (request_irq,
 * the irq info), not if it came before (no irq). Closing it again could
 * close a port Xen has meanwhile given to another binder, so close it only
 * if it is still the channel we bound.
 */
static void xb_evtchn_close_if_ours(u32 port, u32 domid, u32 remote_port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };

	if (HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) == 0 &&
	    st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == domid &&
	    st.u.interdomain.port == remote_port)
		xb_evtchn_close(port);
}

int xb_evtchn_bind_interdomain(struct xb_ctx *ctx, u32 domid, u32 remote_port,
			     struct xb_bound *bound)
{
	struct evtchn_bind_interdomain bind = {};
	struct xb_evtchn *p;
	int ret, irq;

	if (domid >= XB_DOMID_FIRST_RESERVED)
		return -EINVAL;
	mutex_lock(&ctx->mutex);
	ret = ctx->restrict_domid != XB_DOMID_ANY && ctx->restrict_domid != domid ? -EPERM : 0;
	mutex_unlock(&ctx->mutex);
	if (ret)
		return ret; /* checked again under the lock below */
	if (!xen_domain())
		return -EOPNOTSUPP;
	ret = xb_ctx_reserve(ctx);
	if (ret)
		return ret;
	p = xb_evtchn_alloc(ctx, XENBACK_PORT_INTERDOMAIN, domid);
	if (!p) {
		ret = -ENOMEM;
		goto err_unreserve;
	}

	mutex_lock(&ctx->mutex);
	if (ctx->restrict_domid != XB_DOMID_ANY && ctx->restrict_domid != domid) {
		ret = -EPERM; /* restricted meanwhile by another thread */
		goto err_unlock;
	}
	bind.remote_dom = domid;
	bind.remote_port = remote_port;
	ret = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
	if (ret)
		goto err_unlock;
	p->port = bind.local_port;
	/* Reserve the index; -EBUSY if it were somehow still bound here. */
	ret = xa_insert(&ctx->xen, p->port, NULL, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_close;
	/* The handler may run at once: Xen marks a new port pending. */
	irq = xb_bind_irq(p->port, xb_xen_interrupt, "xenback", p);
	if (irq < 0) {
		ret = irq;
		xa_release(&ctx->xen, p->port);
		xb_test_window();
		xb_evtchn_close_if_ours(bind.local_port, domid, remote_port);
		goto err_unlock;
	}
	p->irq = irq;
	p->gen = ++ctx->bind_gen;
	xb_affinity_bind(ctx, p);
	xa_store(&ctx->xen, p->port, p, GFP_KERNEL);
	/* Published: from here another thread may unbind and free p. */
	*bound = (struct xb_bound){ .port = bind.local_port, .gen = p->gen };
	trace_bind(bound->port, domid, XENBACK_PORT_INTERDOMAIN);
	mutex_unlock(&ctx->mutex);
	xb_test_window();
	return 0;

err_close:
	xb_evtchn_close(bind.local_port);
err_unlock:
	mutex_unlock(&ctx->mutex);
	kfree(p);
err_unreserve:
	atomic_dec(&ctx->nports);
	return ret;
}

int xb_evtchn_bind_for_kernel(u32 domid, u32 remote_port, irq_handler_t handler, void *data)
{
	struct evtchn_bind_interdomain bind = { .remote_dom = domid, .remote_port = remote_port };
	int ret, irq;

	if (domid >= XB_DOMID_FIRST_RESERVED)
		return -EINVAL;
	ret = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
	if (ret)
		return ret;
	irq = xb_bind_irq(bind.local_port, handler, "xenback-blkif", data);
	if (irq < 0)
		xb_evtchn_close_if_ours(bind.local_port, domid, remote_port);
	return irq;
}

/* Phase 1 of teardown: disconnect and mark dead. ctx->mutex held. */
static void xb_evtchn_kill(struct xb_evtchn *p)
{
	struct xb_ctx *ctx = p->ctx;
	struct xb_evtchn *peer;
	unsigned long flags;

	spin_lock(&xb_peer_lock);
	peer = rcu_dereference_protected(p->peer, lockdep_is_held(&xb_peer_lock));
	if (peer)
		RCU_INIT_POINTER(peer->peer, NULL);
	RCU_INIT_POINTER(p->peer, NULL);
	spin_unlock(&xb_peer_lock);

	spin_lock_irqsave(&ctx->lock, flags);
	WRITE_ONCE(p->dead, true);
	spin_unlock_irqrestore(&ctx->lock, flags);
}

/* Phase 2, after a grace period for Xen ports: free everything. */
static void xb_evtchn_destroy(struct xb_evtchn *p)
{
	del_timer_sync(&p->rearm);
	if (xb_evtchn_is_xen(p))
		unbind_from_irqhandler(p->irq, p); /* closes the channel */
	xb_eventfd_put(p->evfd);
	xb_suppress_free(p->sup);
	trace_unbind(p->port, p->domid);
	atomic_dec(&p->ctx->nports);
	kfree_rcu(p, rcu);
}

/* gen 0: whatever is bound at port. */
static int xb_evtchn_unbind_gen(struct xb_ctx *ctx, u32 port, u64 gen)
{
	struct xb_evtchn *p;
	unsigned long idx;
	struct xarray *xa = xb_evtchn_xa(ctx, port, &idx);

	mutex_lock(&ctx->mutex);
	p = xa_load(xa, idx);
	if (!p || (gen && p->gen != gen)) {
		mutex_unlock(&ctx->mutex);
		return -EINVAL;
	}
	xa_erase(xa, idx);
	xb_evtchn_kill(p);
	if (xb_evtchn_is_xen(p))
		synchronize_rcu(); /* no notify/lateeoi still uses p->irq */
	xb_evtchn_destroy(p);
	mutex_unlock(&ctx->mutex);
	return 0;
}

int xb_evtchn_unbind(struct xb_ctx *ctx, u32 port)
{
	return xb_evtchn_unbind_gen(ctx, port, 0);
}

void xb_evtchn_unbind_bound(struct xb_ctx *ctx, const struct xb_bound *b)
{
	xb_evtchn_unbind_gen(ctx, b->port, b->gen);
}

void xb_evtchn_unbind_all(struct xb_ctx *ctx)
{
	struct xb_evtchn *p, *tmp;
	unsigned long idx;
	bool any_xen = false;
	LIST_HEAD(dead);

	struct xarray *xas[] = { &ctx->xen, &ctx->loop };
	int k;

	mutex_lock(&ctx->mutex);
	for (k = 0; k < ARRAY_SIZE(xas); k++) {
		xa_for_each(xas[k], idx, p) {
			xa_erase(xas[k], idx);
			xb_evtchn_kill(p);
			any_xen |= xb_evtchn_is_xen(p);
			list_add_tail(&p->kill_node, &dead);
		}
	}
	if (any_xen)
		synchronize_rcu();
	list_for_each_entry_safe(p, tmp, &dead, kill_node)
		xb_evtchn_destroy(p);
	mutex_unlock(&ctx->mutex);
}

int xb_evtchn_set_eventfd(struct xb_ctx *ctx, u32 port, int fd)
{
	struct eventfd_ctx *e = NULL, *old;
	struct xb_evtchn *p;
	unsigned long flags;

	if (fd != -1) {
		e = xb_eventfd_get(fd);
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	mutex_lock(&ctx->mutex);
	p = xb_evtchn_lookup(ctx, port);
	if (!p) {
		mutex_unlock(&ctx->mutex);
		xb_eventfd_put(e);
		return -EINVAL;
	}
	spin_lock_irqsave(&ctx->lock, flags);
	old = p->evfd;
	p->evfd = e;
	spin_unlock_irqrestore(&ctx->lock, flags);
	mutex_unlock(&ctx->mutex);
	xb_eventfd_put(old);
	return 0;
}

int xb_evtchn_remote_domid(struct xb_ctx *ctx, u32 port, u32 *domid, u64 *gen)
{
	struct xb_evtchn *p;
	int ret = -EINVAL;

	mutex_lock(&ctx->mutex);
	p = xb_evtchn_lookup(ctx, port);
	if (p && xb_evtchn_is_xen(p)) {
		*domid = p->domid;
		*gen = p->gen;
		ret = 0;
	}
	mutex_unlock(&ctx->mutex);
	return ret;
}

int xb_evtchn_port_domid(struct xb_ctx *ctx, u32 port, u32 *domid)
{
	struct xb_evtchn *p;
	int ret = -EINVAL;

	mutex_lock(&ctx->mutex);
	p = xb_evtchn_lookup(ctx, port);
	if (p) {
		*domid = p->domid;
		ret = 0;
	}
	mutex_unlock(&ctx->mutex);
	return ret;
}

int xb_evtchn_set_ring(struct xb_ctx *ctx, u32 port, u64 req_prod, u64 req_cons, bool grant)
{
	struct xb_suppress *s = NULL, *old;
	struct xb_evtchn *p;
	unsigned long flags;
	u32 domid = 0;
	u64 gen = 0;
	int ret;

	if (grant && req_prod) {
		if (!xen_domain())
			return -EOPNOTSUPP;
		ret = xb_evtchn_remote_domid(ctx, port, &domid, &gen);
		if (ret)
			return ret;
	}
	/*
	 * Pinned (or the grant mapped) before the mutex: faulting the pages
	 * in (a slow file) or a hypercall must not stall binds and unbinds.
	 */
	if (req_prod) {
		s = xb_suppress_new(req_prod, req_cons, grant, domid);
		if (IS_ERR(s))
			return PTR_ERR(s);
	}
	mutex_lock(&ctx->mutex);
	p = xb_evtchn_lookup(ctx, port);
	/* A grant is only ever read for the port of the domain offering it:
	 * the port unbound and another bound meanwhile is refused. */
	if (!p || (grant && req_prod && p->gen != gen)) {
		mutex_unlock(&ctx->mutex);
		xb_suppress_free(s);
		return -EINVAL;
	}
	spin_lock_irqsave(&ctx->lock, flags);
	old = p->sup;
	p->sup = s;
	spin_unlock_irqrestore(&ctx->lock, flags);
	mutex_unlock(&ctx->mutex);
	xb_suppress_free(old);
	return 0;
}

int xb_evtchn_restrict_domid(struct xb_ctx *ctx, u32 domid)
{
	int ret = 0;

	if (domid >= XB_DOMID_FIRST_RESERVED)
		return -EINVAL;
	mutex_lock(&ctx->mutex);
	if (ctx->restrict_domid == XB_DOMID_ANY)
		ctx->restrict_domid = domid;
	else if (ctx->restrict_domid != domid)
		ret = -EPERM;
	mutex_unlock(&ctx->mutex);
	return ret;
}
