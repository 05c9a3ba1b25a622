// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface: copy and validate every argument, then hand over to
 * evtchn.c. Unknown commands are ENOTTY, unreadable/unwritable user memory
 * EFAULT, counts above the limits E2BIG, unknown ports and non-zero padding
 * or flags EINVAL (see uapi/xenback.h for each command).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <xen/xen.h>

#include "xenback_kmod.h"

static long xb_ioctl_version(void __user *arg)
{
	struct xenback_version v = {
		.abi_version = XENBACK_ABI_VERSION,
		.features = XENBACK_F_LOOPBACK | XENBACK_F_EVENTFD |
			    XENBACK_F_RING | XENBACK_F_NOTIFY_WAIT | XENBACK_F_WAIT_FD |
			    XENBACK_F_GENL_STATS | XENBACK_F_PORT_STATS |
			    XENBACK_F_RESTRICT | XENBACK_F_RING_GRANT | XENBACK_F_GRANT_IO |
			    XENBACK_F_BLKIF | XENBACK_F_TAP_RX | XENBACK_F_TAP_TX,
		.max_ports = XENBACK_MAX_PORTS,
		.max_vec = XENBACK_MAX_VEC,
		.mmap_size = XENBACK_MMAP_SIZE,
		.ring_offset = XENBACK_RING_OFFSET,
		.ring_size = XENBACK_RING_SIZE,
	};

	if (xen_domain())
		v.features |= XENBACK_F_XEN;
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long xb_ioctl_bind_interdomain(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_bind_interdomain b;
	struct xb_bound bound;
	int ret;

	if (copy_from_user(&b, arg, sizeof(b)))
		return -EFAULT;
	if (b.pad)
		return -EINVAL;
	ret = xb_evtchn_bind_interdomain(ctx, b.remote_domid, b.remote_port, &bound);
	if (ret)
		return ret;
	b.local_port = bound.port;
	if (copy_to_user(arg, &b, sizeof(b))) {
		xb_evtchn_unbind_bound(ctx, &bound);
		return -EFAULT;
	}
	return 0;
}

static long xb_ioctl_bind_loopback(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_bind_loopback b;
	struct xb_bound ba, bb;
	struct xb_ctx *peer = ctx;
	struct fd f = { NULL, 0 };
	int ret;

	if (copy_from_user(&b, arg, sizeof(b)))
		return -EFAULT;
	if (b.flags)
		return -EINVAL;
	if (b.peer_fd != -1) {
		f = fdget(b.peer_fd);
		if (!f.file)
			return -EBADF;
		peer = xb_ctx_from_file(f.file);
		if (!peer) {
			fdput(f);
			return -EINVAL;
		}
	}
	/* The peer's file reference keeps its context alive until fdput. */
	ret = xb_evtchn_bind_loopback(ctx, peer, &ba, &bb);
	if (!ret) {
		b.port = ba.port;
		b.peer_port = bb.port;
	}
	if (!ret && copy_to_user(arg, &b, sizeof(b))) {
		xb_evtchn_unbind_bound(ctx, &ba);
		xb_evtchn_unbind_bound(peer, &bb);
		ret = -EFAULT;
	}
	if (f.file)
		fdput(f);
	return ret;
}

static long xb_ioctl_unbind(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_unbind u;

	if (copy_from_user(&u, arg, sizeof(u)))
		return -EFAULT;
	if (u.pad)
		return -EINVAL;
	return xb_evtchn_unbind(ctx, u.port);
}

/*
 * A port vector copied in and resolved to ports. Small vectors (the hot
 * ping-pong case is one entry) live on the stack.
 */
#define XB_VEC_INLINE 16
struct xb_vec {
	u32 n;
	u32 *v;
	struct xb_evtchn **p;
	u32 inline_v[XB_VEC_INLINE];
	struct xb_evtchn *inline_p[XB_VEC_INLINE];
};

static int xb_vec_copy(struct xb_vec *vec, u64 uptr, u32 n)
{
	u32 __user *u = u64_to_user_ptr(uptr);

	vec->n = n;
	vec->v = vec->inline_v;
	vec->p = vec->inline_p;
	if (n > XENBACK_MAX_VEC)
		return -E2BIG;
	if (n == 1)
		return get_user(vec->v[0], u);
	if (n > XB_VEC_INLINE) {
		vec->v = kmalloc_array(n, sizeof(u32), GFP_KERNEL);
		vec->p = kmalloc_array(n, sizeof(*vec->p), GFP_KERNEL);
		if (!vec->v || !vec->p)
			return -ENOMEM;
	}
	if (n && copy_from_user(vec->v, u, n * sizeof(u32)))
		return -EFAULT;
	return 0;
}

static void xb_vec_free(struct xb_vec *vec)
{
	if (vec->v != vec->inline_v)
		kfree(vec->v);
	if (vec->p != vec->inline_p)
		kfree(vec->p);
}

/* Look every port up (RCU held); false if one is not ours. */
static bool xb_vec_resolve(struct xb_ctx *ctx, struct xb_vec *vec, u32 ignore)
{
	u32 i;

	for (i = 0; i < vec->n; i++) {
		vec->p[i] = xb_evtchn_lookup(ctx, vec->v[i] & ~ignore);
		if (!vec->p[i])
			return false;
	}
	return true;
}

static long xb_ioctl_notify(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_notify nt;
	struct xb_vec eoi, ntf;
	struct file *wfile = NULL;
	long ret;
	u32 i;

	if (copy_from_user(&nt, arg, sizeof(nt)))
		return -EFAULT;
	if (nt.flags & ~(XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD) ||
	    nt.reserved[0] || nt.reserved[1])
		return -EINVAL;
	if ((nt.flags & XENBACK_NOTIFY_WAIT_FD) ? !(nt.flags & XENBACK_NOTIFY_WAIT) : nt.wait_fd != 0)
		return -EINVAL;
	if (nt.eoi_count > XENBACK_MAX_VEC || nt.notify_count > XENBACK_MAX_VEC)
		return -E2BIG;
	if (nt.flags & XENBACK_NOTIFY_WAIT_FD) {
		wfile = xb_wait_file_get(nt.wait_fd);
		if (IS_ERR(wfile))
			return PTR_ERR(wfile);
	}
	ret = xb_vec_copy(&eoi, nt.eoi, nt.eoi_count);
	if (ret)
		goto out_eoi;
	ret = xb_vec_copy(&ntf, nt.notify, nt.notify_count);
	if (ret)
		goto out;

	/*
	 * Resolve everything before acting, so a bad port changes nothing.
	 * A port unbound meanwhile by another thread is dead: its eoi and
	 * notify do nothing, and RCU keeps the memory until we are done.
	 */
	rcu_read_lock();
	if (!xb_vec_resolve(ctx, &eoi, XENBACK_EOI_SPURIOUS) ||
	    !xb_vec_resolve(ctx, &ntf, 0)) {
		rcu_read_unlock();
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < eoi.n; i++)
		xb_evtchn_rearm(eoi.p[i], eoi.v[i] & XENBACK_EOI_SPURIOUS);
	for (i = 0; i < ntf.n; i++)
		xb_evtchn_notify(ntf.p[i]);
	rcu_read_unlock();
	xb_evtchn_redeliver(ctx);

	if (nt.flags & XENBACK_NOTIFY_WAIT) {
		/*
		 * Wait for the producer index to pass the consumer index as
		 * it is now: after waking, only this context's own fields are
		 * read, not the shared page. Not restartable: the
		 * notifications went out already.
		 */
		xb_affinity_follow(ctx);
		ret = xb_wait(ctx, READ_ONCE(ctx->ring.hdr->cons), wfile);
	}
out:
	xb_vec_free(&ntf);
out_eoi:
	xb_vec_free(&eoi);
	if (wfile)
		fput(wfile);
	return ret;
}

static long xb_ioctl_set_eventfd(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_set_eventfd s;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.flags || s.pad)
		return -EINVAL;
	if (s.fd < -1)
		return -EBADF;
	return xb_evtchn_set_eventfd(ctx, s.port, s.fd);
}

static long xb_ioctl_set_ring(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_set_ring s;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	/* Both or neither: req_prod 0 unregisters, with req_cons 0 too (room
	 * for a later meaning).
	 */
	if ((s.flags & ~XENBACK_SET_RING_GRANT) || !s.req_prod != !s.req_cons)
		return -EINVAL;
	return xb_evtchn_set_ring(ctx, s.port, s.req_prod, s.req_cons,
				  s.flags & XENBACK_SET_RING_GRANT);
}

static long xb_ioctl_restrict_domid(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_restrict_domid r;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.pad)
		return -EINVAL;
	return xb_evtchn_restrict_domid(ctx, r.domid);
}

static long xb_ioctl_grant_io_open(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_grant_io_open o;
	u32 domid;
	u64 gen;
	int ret;

	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	if (o.flags || o.pad)
		return -EINVAL;
	if (xb_test_fake_grants()) /* test hook: any port, no Xen */
		ret = xb_evtchn_port_domid(ctx, o.port, &domid);
	else if (!xen_domain())
		return -EOPNOTSUPP;
	else
		ret = xb_evtchn_remote_domid(ctx, o.port, &domid, &gen);
	if (ret)
		return ret;
	ret = xb_grant_io_open(domid, o.image_fd, o.max_grants, !xen_domain());
	if (ret < 0)
		return ret;
	o.fd = ret;
	if (copy_to_user(arg, &o, sizeof(o))) {
		/* The fd is installed: closing it is the caller's (as for
		 * any fd-returning call whose result it cannot read). */
		return -EFAULT;
	}
	return 0;
}

static long xb_ioctl_blkif_open(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_blkif_open o;
	int ret;

	if (copy_from_user(&o, arg, sizeof(o)))
		return -EFAULT;
	ret = xb_blkif_open(ctx, &o);
	if (ret < 0)
		return ret;
	o.fd = ret;
	/* As for grant I/O: an installed fd is the caller's to close. */
	return copy_to_user(arg, &o, sizeof(o)) ? -EFAULT : 0;
}

static long xb_ioctl_port_stats(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_port_stats st;
	struct xb_evtchn *p;

	if (copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	if (st.pad)
		return -EINVAL;
	rcu_read_lock();
	p = xb_evtchn_lookup(ctx, st.port);
	if (!p) {
		rcu_read_unlock();
		return -EINVAL;
	}
	st.domid = p->domid;
	st.kind = p->kind;
	st.events = xb_stat_read(p, XB_STAT_EVENTS);
	st.wakes = xb_stat_read(p, XB_STAT_WAKES);
	st.notifies = xb_stat_read(p, XB_STAT_NOTIFIES);
	st.spurious = xb_stat_read(p, XB_STAT_SPURIOUS);
	st.throttled = xb_stat_read(p, XB_STAT_THROTTLED);
	rcu_read_unlock();
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

long xb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct xb_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case XENBACK_IOCTL_VERSION:
		return xb_ioctl_version(uarg);
	case XENBACK_IOCTL_BIND_INTERDOMAIN:
		return xb_ioctl_bind_interdomain(ctx, uarg);
	case XENBACK_IOCTL_BIND_LOOPBACK:
		return xb_ioctl_bind_loopback(ctx, uarg);
	case XENBACK_IOCTL_UNBIND:
		return xb_ioctl_unbind(ctx, uarg);
	case XENBACK_IOCTL_NOTIFY:
		return xb_ioctl_notify(ctx, uarg);
	case XENBACK_IOCTL_SET_EVENTFD:
		return xb_ioctl_set_eventfd(ctx, uarg);
	case XENBACK_IOCTL_SET_RING:
		return xb_ioctl_set_ring(ctx, uarg);
	case XENBACK_IOCTL_RESTRICT_DOMID:
		return xb_ioctl_restrict_domid(ctx, uarg);
	case XENBACK_IOCTL_PORT_STATS:
		return xb_ioctl_port_stats(ctx, uarg);
	case XENBACK_IOCTL_GRANT_IO_OPEN:
		return xb_ioctl_grant_io_open(ctx, uarg);
	case XENBACK_IOCTL_BLKIF_OPEN:
		return xb_ioctl_blkif_open(ctx, uarg);
	case XENBACK_IOCTL_TAP_RX:
		return xb_tap_rx(ctx, uarg);
	case XENBACK_IOCTL_TAP_TX:
		return xb_tap_tx(ctx, uarg);
	default:
		return -ENOTTY;
	}
}
