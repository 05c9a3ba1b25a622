// SPDX-License-Identifier: GPL-2.0
/*
 * XENBACK_IOCTL_TAP_RX: a netif backend's host-to-guest copy without the
 * process in the data path. Frames are taken from a tap queue's ptr_ring
 * (the skbs tun's read() would copy out) and grant-copied into the
 * buffers the frontend posted, one GNTTABOP_copy batch per call, as
 * xen-netback copies from its skbs; the caller keeps the ring (requests,
 * responses, notification) and every rule about it.
 *
 * tun.ko is not a dependency: its tun_get_tx_ring() is looked up the first
 * time it is needed (symbol_get) and held until this module goes.
 */
#include <linux/file.h>
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_net.h>
#include <net/xdp.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>

#include "xenback_kmod.h"

/* Grant copies per call: a 64 KiB frame takes about 40 (a piece per source
 * page and per buffer); a frame that would not fit waits for the next
 * call, one that fits in no call is dropped. */
#define XB_TAP_RX_OPS 512u

typedef struct ptr_ring *(*xb_tx_ring_fn)(struct file *);

static DEFINE_MUTEX(xb_tun_mutex);
static xb_tx_ring_fn xb_tun_tx_ring;

static xb_tx_ring_fn xb_tun_get(void)
{
	xb_tx_ring_fn fn = READ_ONCE(xb_tun_tx_ring);

	if (fn)
		return fn;
	mutex_lock(&xb_tun_mutex);
	if (!xb_tun_tx_ring)
		xb_tun_tx_ring = symbol_get(tun_get_tx_ring);
	fn = xb_tun_tx_ring;
	mutex_unlock(&xb_tun_mutex);
	return fn;
}

void xb_tap_rx_exit(void)
{
	if (xb_tun_tx_ring)
		symbol_put(tun_get_tx_ring);
	xb_tun_tx_ring = NULL;
}

struct xb_tap_rx_batch {
	struct gnttab_copy ops[XB_TAP_RX_OPS];
	unsigned int nops;
	u32 grefs[XENBACK_TAP_RX_MAX_BUFS];
	struct xenback_tap_rx_frame frames[XENBACK_TAP_RX_MAX_FRAMES];
	unsigned int first_op[XENBACK_TAP_RX_MAX_FRAMES + 1];
	struct sk_buff *skbs[XENBACK_TAP_RX_MAX_FRAMES];
	u16 domid;
};

/* The bytes of skb into the buffers from b->grefs[buf] on (skipping the
 * one after the first when skip); false when the ops run out. */
static bool xb_tap_rx_ops(struct xb_tap_rx_batch *b, struct sk_buff *skb, unsigned int buf,
			  bool skip)
{
	struct skb_seq_state st;
	unsigned int consumed = 0, dst_off = 0, first = buf;
	const u8 *data;
	unsigned int n;

	skb_prepare_seq_read(skb, 0, skb->len, &st);
	while ((n = skb_seq_read(consumed, &data, &st)) != 0) {
		unsigned int left = n;

		while (left) {
			unsigned int src_off = offset_in_page(data);
			unsigned int len = min3(left, (unsigned int)XEN_PAGE_SIZE - src_off,
						(unsigned int)XEN_PAGE_SIZE - dst_off);
			struct gnttab_copy *op;

			if (b->nops == XB_TAP_RX_OPS) {
				skb_abort_seq_read(&st);
				return false;
			}
			op = &b->ops[b->nops++];
			op->source.u.gmfn = virt_to_gfn((void *)data);
			op->source.offset = src_off;
			op->source.domid = DOMID_SELF;
			op->dest.u.ref = b->grefs[buf];
			op->dest.offset = dst_off;
			op->dest.domid = b->domid;
			op->len = len;
			op->flags = GNTCOPY_dest_gref;
			data += len;
			left -= len;
			dst_off += len;
			if (dst_off == XEN_PAGE_SIZE) {
				dst_off = 0;
				buf += (skip && buf == first) ? 2 : 1;
			}
		}
		consumed += n;
	}
	return true;
}

/* Data buffers for len bytes. */
static unsigned int xb_tap_rx_slots(unsigned int len)
{
	return len ? DIV_ROUND_UP(len, XEN_PAGE_SIZE) : 1;
}

static void xb_tap_rx_frame(struct xenback_tap_rx_frame *f, const struct virtio_net_hdr *h,
			    unsigned int len, unsigned int bufs)
{
	f->vnet_flags = h->flags;
	f->gso_type = h->gso_type;
	f->hdr_len = __virtio16_to_cpu(true, h->hdr_len);
	f->gso_size = __virtio16_to_cpu(true, h->gso_size);
	f->csum_start = __virtio16_to_cpu(true, h->csum_start);
	f->csum_offset = __virtio16_to_cpu(true, h->csum_offset);
	f->bufs = bufs;
	f->len = len;
	f->status = 0;
}

enum xb_take { XB_TAKEN, XB_DROPPED, XB_STOP };

/* The frame at the ring's head, under its consumer lock: taken into the
 * batch, dropped, or left (no room: *next_bufs says what it needs). */
static enum xb_take xb_tap_rx_take(struct xb_tap_rx_batch *b, struct ptr_ring *r,
				   struct xenback_tap_rx *rx, unsigned int *buf, u32 *next_bufs)
{
	unsigned int len, data, need, nops = b->nops;
	struct virtio_net_hdr vh;
	struct sk_buff *skb;
	bool skip;
	void *ptr;

	ptr = __ptr_ring_peek(r);
	if (!ptr) {
		*next_bufs = 0;
		return XB_STOP;
	}
	if (tun_is_xdp_frame(ptr)) { /* an XDP redirect into the tap */
		__ptr_ring_discard_one(r);
		xdp_return_frame(tun_ptr_to_xdp(ptr));
		return XB_DROPPED;
	}
	skb = ptr;
	len = skb->len + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
	data = xb_tap_rx_slots(len);
	skip = (rx->flags & XENBACK_TAP_RX_GSO_EXTRA) && skb_is_gso(skb);
	need = data + (skip ? 1 : 0);
	if (len < ETH_HLEN || data > rx->max_slots) {
		__ptr_ring_discard_one(r);
		kfree_skb(skb);
		return XB_DROPPED;
	}
	if (need > rx->nbufs - *buf) {
		*next_bufs = need;
		return XB_STOP;
	}
	__ptr_ring_discard_one(r);
	/* tun writes the tag into the frame; so do we (it may reallocate
	 * the head: frees the skb on failure) */
	if (skb_vlan_tag_present(skb)) {
		skb = __vlan_hwaccel_push_inside(skb);
		if (!skb)
			return XB_DROPPED;
	}
	if (virtio_net_hdr_from_skb(skb, &vh, true, true, 0) ||
	    !xb_tap_rx_ops(b, skb, *buf, skip)) {
		b->nops = nops;
		kfree_skb(skb);
		return XB_DROPPED;
	}
	b->skbs[rx->nframes] = skb;
	b->first_op[rx->nframes] = nops;
	xb_tap_rx_frame(&b->frames[rx->nframes], &vh, skb->len, need);
	rx->nframes++;
	*buf += need;
	return XB_TAKEN;
}

/* Frames that would not fit the ops left wait: an estimate before taking
 * (a piece per page of the frame and per buffer, and one per fragment). */
static bool xb_tap_rx_room(const struct xb_tap_rx_batch *b, struct ptr_ring *r)
{
	struct sk_buff *skb = __ptr_ring_peek(r);
	unsigned int est;

	if (!skb || tun_is_xdp_frame(skb))
		return true;
	est = 2 * xb_tap_rx_slots(skb->len + VLAN_HLEN) + skb_shinfo(skb)->nr_frags + 2;
	if (skb_has_frag_list(skb))
		return b->nops == 0; /* unknown: alone in a call */
	return b->nops + est <= XB_TAP_RX_OPS || b->nops == 0;
}

static long xb_tap_rx_run(struct xb_tap_rx_batch *b, struct ptr_ring *r,
			  struct xenback_tap_rx *rx)
{
	unsigned int buf = 0, i, f;

	rx->next_bufs = 0;
	while (rx->nframes < rx->max_frames) {
		enum xb_take t;

		spin_lock(&r->consumer_lock);
		if (!xb_tap_rx_room(b, r)) {
			spin_unlock(&r->consumer_lock);
			rx->next_bufs = 1; /* more queued: the next call */
			break;
		}
		t = xb_tap_rx_take(b, r, rx, &buf, &rx->next_bufs);
		spin_unlock(&r->consumer_lock);
		if (t == XB_STOP)
			break;
		if (t == XB_DROPPED)
			rx->dropped++;
		cond_resched();
	}
	if (rx->nframes == rx->max_frames) {
		spin_lock(&r->consumer_lock);
		if (__ptr_ring_peek(r))
			rx->next_bufs = 1;
		spin_unlock(&r->consumer_lock);
	}
	rx->bufs_used = buf;
	if (b->nops)
		gnttab_batch_copy(b->ops, b->nops);
	b->first_op[rx->nframes] = b->nops;
	for (f = 0; f < rx->nframes; f++) {
		for (i = b->first_op[f]; i < b->first_op[f + 1]; i++)
			if (b->ops[i].status != GNTST_okay)
				b->frames[f].status = -EIO;
		consume_skb(b->skbs[f]);
	}
	return 0;
}

long xb_tap_rx(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_tap_rx rx;
	struct xb_tap_rx_batch *b;
	xb_tx_ring_fn get_ring;
	struct ptr_ring *r;
	struct fd tap;
	u32 domid;
	u64 gen;
	long ret;

	if (copy_from_user(&rx, arg, sizeof(rx)))
		return -EFAULT;
	if (rx.flags & ~XENBACK_TAP_RX_GSO_EXTRA || rx.pad[0] || rx.pad[1] || rx.pad[2] ||
	    rx.pad[3] || rx.nbufs < 1 || rx.nbufs > XENBACK_TAP_RX_MAX_BUFS ||
	    rx.max_frames < 1 || rx.max_frames > XENBACK_TAP_RX_MAX_FRAMES ||
	    rx.max_slots < 1 || rx.max_slots > XENBACK_TAP_RX_MAX_SLOTS)
		return -EINVAL;
	if (!xen_domain())
		return -EOPNOTSUPP;
	ret = xb_evtchn_remote_domid(ctx, rx.port, &domid, &gen);
	if (ret)
		return ret;
	get_ring = xb_tun_get();
	if (!get_ring)
		return -ENOENT;
	tap = fdget(rx.tap_fd);
	if (!tap.file)
		return -EBADF;
	r = get_ring(tap.file);
	if (IS_ERR(r)) {
		ret = PTR_ERR(r);
		goto out_fd;
	}
	b = xb_scratch_get(ctx, XB_SCRATCH_TAP_RX, sizeof(*b));
	if (!b) {
		ret = -ENOMEM;
		goto out_fd;
	}
	b->nops = 0;
	b->domid = domid;
	if (copy_from_user(b->grefs, u64_to_user_ptr(rx.grefs), rx.nbufs * sizeof(u32))) {
		ret = -EFAULT;
		goto out_free;
	}
	/* writable before anything is taken: nothing taken is lost */
	if (!access_ok(u64_to_user_ptr(rx.frames), rx.max_frames * sizeof(b->frames[0]))) {
		ret = -EFAULT;
		goto out_free;
	}
	rx.nframes = rx.bufs_used = rx.dropped = 0;
	ret = xb_tap_rx_run(b, r, &rx);
	if (copy_to_user(u64_to_user_ptr(rx.frames), b->frames, rx.nframes * sizeof(b->frames[0])) ||
	    copy_to_user(arg, &rx, sizeof(rx)))
		ret = -EFAULT;
out_free:
	xb_scratch_put(ctx, XB_SCRATCH_TAP_RX, b);
out_fd:
	fdput(tap);
	return ret;
}
