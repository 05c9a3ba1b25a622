// SPDX-License-Identifier: GPL-2.0
/*
 * XENBACK_IOCTL_TAP_TX: a netif backend's guest-to-host copy without the
 * process in the data path. The caller took the frames off the tx ring
 * and checked them (netback's rules); here each frame's segments are
 * grant-copied, in one GNTTABOP_copy batch per call, into an skb of our
 * own (up to XB_TAP_TX_HEAD bytes into its head, the rest into whole
 * pages), set up as xen-netback sets up what its frontend sent (partial
 * checksum offsets from the headers, GSO with gso_segs counted, marked
 * dodgy: the stack checks the headers again before segmenting), and
 * handed to the tap's device as tun hands it what is written to the tap.
 * The guest's bytes are copied once, by Xen, into memory no one else
 * sees; nothing is mapped.
 */
#include <linux/etherdevice.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>

#include "xenback_kmod.h"

#define XB_TAP_TX_HEAD 256u
#define XB_TAP_TX_MAX_LEN 65535u

struct xb_tap_tx_call {
	struct xenback_tap_tx_frame *frames;
	struct xenback_grant_io_seg *segs;
	struct gnttab_copy *ops;
	unsigned int nops;
	unsigned int *first_op;        /* nframes + 1 */
	struct sk_buff **skbs;
	u16 domid;
};

/* The frames' segments add up; the grant copies they need at most. */
static int xb_tap_tx_check(const struct xenback_tap_tx *tx, const struct xb_tap_tx_call *c,
			   unsigned int *max_ops)
{
	unsigned int f, s = 0, i, ops = 0;

	for (f = 0; f < tx->nframes; f++) {
		const struct xenback_tap_tx_frame *fr = &c->frames[f];
		u32 sum = 0;

		if (fr->nseg < 1 || fr->nseg > XENBACK_TAP_TX_FRAME_SEGS || fr->nseg > tx->nsegs - s ||
		    fr->len < ETH_HLEN || fr->len > XB_TAP_TX_MAX_LEN ||
		    fr->flags & ~(XENBACK_TAP_TX_CSUM_BLANK | XENBACK_TAP_TX_DATA_VALID) ||
		    fr->gso_type > XENBACK_TAP_TX_GSO_TCPV6 ||
		    (fr->gso_type != XENBACK_TAP_TX_GSO_NONE && !fr->gso_size))
			return -EINVAL;
		for (i = 0; i < fr->nseg; i++, s++) {
			const struct xenback_grant_io_seg *sg = &c->segs[s];

			if ((u32)sg->offset + sg->len > XEN_PAGE_SIZE)
				return -EINVAL;
			sum += sg->len;
		}
		if (sum != fr->len)
			return -EINVAL;
		/* a piece per segment and per place it lands (the head,
		 * which may cross a page, and each page) */
		ops += fr->nseg + 2 + DIV_ROUND_UP(fr->len, PAGE_SIZE);
	}
	*max_ops = ops;
	return 0;
}

/* An skb for len bytes: the head, then whole pages. */
static struct sk_buff *xb_tap_tx_alloc(unsigned int len)
{
	unsigned int head = min(len, XB_TAP_TX_HEAD), rest = len - head, i = 0;
	struct sk_buff *skb;

	skb = alloc_skb(NET_SKB_PAD + NET_IP_ALIGN + head, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, NET_SKB_PAD + NET_IP_ALIGN);
	skb_put(skb, head);
	while (rest) {
		unsigned int n = min_t(unsigned int, rest, PAGE_SIZE);
		struct page *pg = alloc_page(GFP_KERNEL);

		if (!pg) {
			kfree_skb(skb);
			return NULL;
		}
		skb_add_rx_frag(skb, i++, pg, 0, n, PAGE_SIZE);
		rest -= n;
	}
	return skb;
}

/* Where byte pos of skb goes, and how much fits there. */
static u8 *xb_tap_tx_dest(struct sk_buff *skb, unsigned int pos, unsigned int *room)
{
	unsigned int head = skb_headlen(skb), k, off;
	u8 *at;

	if (pos < head) {
		at = skb->data + pos;
		*room = min_t(unsigned int, head - pos, PAGE_SIZE - offset_in_page(at));
		return at;
	}
	k = (pos - head) / PAGE_SIZE;
	off = (pos - head) % PAGE_SIZE;
	*room = PAGE_SIZE - off;
	return (u8 *)page_address(skb_frag_page(&skb_shinfo(skb)->frags[k])) + off;
}

static void xb_tap_tx_ops(struct xb_tap_tx_call *c, struct sk_buff *skb, unsigned int seg0,
			  unsigned int nseg)
{
	unsigned int i, pos = 0;

	for (i = 0; i < nseg; i++) {
		const struct xenback_grant_io_seg *sg = &c->segs[seg0 + i];
		unsigned int soff = sg->offset, left = sg->len;

		while (left) { /* len 0: no grant operation (XSA-448) */
			unsigned int room, n;
			u8 *at = xb_tap_tx_dest(skb, pos, &room);
			struct gnttab_copy *op = &c->ops[c->nops++];

			n = min(left, room);
			op->source.u.ref = sg->gref;
			op->source.domid = c->domid;
			op->source.offset = soff;
			op->dest.u.gmfn = virt_to_gfn(at);
			op->dest.domid = DOMID_SELF;
			op->dest.offset = offset_in_page(at);
			op->len = n;
			op->flags = GNTCOPY_source_gref;
			soff += n;
			left -= n;
			pos += n;
		}
	}
}

/* What netback does to what its frontend sent, before the stack sees it. */
static int xb_tap_tx_setup(struct sk_buff *skb, struct net_device *dev,
			   const struct xenback_tap_tx_frame *f, u32 queue)
{
	bool recalc = false;

	skb->protocol = eth_type_trans(skb, dev);
	skb_reset_network_header(skb);
	if (f->flags & XENBACK_TAP_TX_CSUM_BLANK)
		skb->ip_summed = CHECKSUM_PARTIAL;
	else if (f->flags & XENBACK_TAP_TX_DATA_VALID)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (f->gso_type != XENBACK_TAP_TX_GSO_NONE) {
		skb_shinfo(skb)->gso_size = f->gso_size;
		skb_shinfo(skb)->gso_type = (f->gso_type == XENBACK_TAP_TX_GSO_TCPV4 ?
					     SKB_GSO_TCPV4 : SKB_GSO_TCPV6) | SKB_GSO_DODGY;
		if (skb->ip_summed != CHECKSUM_PARTIAL) {
			skb->ip_summed = CHECKSUM_PARTIAL;
			recalc = true;
		}
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_setup(skb, recalc))
		return -EINVAL;
	skb_probe_transport_header(skb);
	if (skb_is_gso(skb)) {
		int hdr;

		/* TCP as the GSO type says: its checksum field, its headers
		 * short of the frame's end */
		if (skb->csum_offset != offsetof(struct tcphdr, check))
			return -EINVAL;
		hdr = skb_tcp_all_headers(skb);
		if (hdr >= skb->len)
			return -EINVAL;
		skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(skb->len - hdr, f->gso_size);
	}
	/* a queue the device has (else RPS warns for every frame) */
	skb_record_rx_queue(skb, queue < dev->real_num_rx_queues ? queue : 0);
	return 0;
}

static bool xb_is_tap(const struct net_device *dev)
{
	return dev->rtnl_link_ops && !strcmp(dev->rtnl_link_ops->kind, "tun");
}

static long xb_tap_tx_run(struct xb_tap_tx_call *c, struct xenback_tap_tx *tx,
			  struct net_device *dev)
{
	unsigned int f, i, s = 0;

	for (f = 0; f < tx->nframes; f++) {
		struct xenback_tap_tx_frame *fr = &c->frames[f];

		fr->status = 0;
		c->first_op[f] = c->nops;
		c->skbs[f] = xb_tap_tx_alloc(fr->len);
		if (c->skbs[f])
			xb_tap_tx_ops(c, c->skbs[f], s, fr->nseg);
		else
			fr->status = -ENOMEM;
		s += fr->nseg;
	}
	c->first_op[tx->nframes] = c->nops;
	if (c->nops)
		gnttab_batch_copy(c->ops, c->nops);
	local_bh_disable();
	for (f = 0; f < tx->nframes; f++) {
		struct xenback_tap_tx_frame *fr = &c->frames[f];
		struct sk_buff *skb = c->skbs[f];

		if (!skb)
			continue;
		for (i = c->first_op[f]; i < c->first_op[f + 1]; i++)
			if (c->ops[i].status != GNTST_okay)
				fr->status = -EIO;
		if (!fr->status && !netif_running(dev))
			fr->status = -ENETDOWN;
		if (!fr->status)
			fr->status = xb_tap_tx_setup(skb, dev, fr, tx->queue);
		if (fr->status)
			kfree_skb(skb);
		else
			netif_receive_skb(skb);
	}
	local_bh_enable();
	return 0;
}

/* Grant copies a call may need: xb_tap_tx_check()'s count is at most a
 * piece per segment and 2 + a page's worth per frame. */
#define XB_TAP_TX_OPS(nframes, nsegs) \
	((nsegs) + (nframes) * (2 + DIV_ROUND_UP(XB_TAP_TX_MAX_LEN, PAGE_SIZE)))

/* The call's arrays, in one of the context's scratch buffers (kept from
 * call to call): NULL if it could not be had. */
static void *xb_tap_tx_arrays(struct xb_ctx *ctx, struct xb_tap_tx_call *c,
			      const struct xenback_tap_tx *tx)
{
	size_t ops = XB_TAP_TX_OPS(tx->nframes, tx->nsegs) * sizeof(*c->ops);
	size_t skbs = ALIGN(tx->nframes * sizeof(*c->skbs), 8);
	size_t frames = ALIGN(tx->nframes * sizeof(*c->frames), 8);
	size_t segs = ALIGN(tx->nsegs * sizeof(*c->segs), 8);
	size_t first = (tx->nframes + 1) * sizeof(*c->first_op);
	char *p = xb_scratch_get(ctx, XB_SCRATCH_TAP_TX, ops + skbs + frames + segs + first);

	if (!p)
		return NULL;
	c->ops = (struct gnttab_copy *)p;
	c->skbs = (struct sk_buff **)(p + ops);
	c->frames = (struct xenback_tap_tx_frame *)(p + ops + skbs);
	c->segs = (struct xenback_grant_io_seg *)(p + ops + skbs + frames);
	c->first_op = (unsigned int *)(p + ops + skbs + frames + segs);
	return p;
}

long xb_tap_tx(struct xb_ctx *ctx, void __user *arg)
{
	struct xenback_tap_tx tx;
	struct xb_tap_tx_call c = { 0 };
	struct net_device *dev;
	void *scratch;
	unsigned int max_ops;
	u32 domid;
	u64 gen;
	long ret;

	if (copy_from_user(&tx, arg, sizeof(tx)))
		return -EFAULT;
	if (tx.flags || tx.pad[0] || tx.pad[1] || tx.pad[2] || tx.pad[3] || tx.nframes < 1 ||
	    tx.nframes > XENBACK_TAP_TX_MAX_FRAMES || tx.nsegs < 1 ||
	    tx.nsegs > XENBACK_TAP_TX_MAX_SEGS)
		return -EINVAL;
	scratch = xb_tap_tx_arrays(ctx, &c, &tx);
	ret = -ENOMEM;
	if (!scratch)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(c.frames, u64_to_user_ptr(tx.frames), tx.nframes * sizeof(*c.frames)) ||
	    copy_from_user(c.segs, u64_to_user_ptr(tx.segs), tx.nsegs * sizeof(*c.segs)))
		goto out;
	ret = xb_tap_tx_check(&tx, &c, &max_ops);
	if (ret)
		goto out;
	ret = -EOPNOTSUPP;
	if (!xen_domain())
		goto out;
	ret = xb_evtchn_remote_domid(ctx, tx.port, &domid, &gen);
	if (ret)
		goto out;
	c.domid = domid;
	ret = -EINVAL; /* xb_tap_tx_arrays() made room for this many */
	if (WARN_ON_ONCE(max_ops > XB_TAP_TX_OPS(tx.nframes, tx.nsegs)))
		goto out;
	dev = dev_get_by_index(current->nsproxy->net_ns, tx.ifindex);
	ret = -ENODEV;
	if (!dev)
		goto out;
	if (xb_is_tap(dev))
		ret = xb_tap_tx_run(&c, &tx, dev);
	dev_put(dev);
	if (!ret && copy_to_user(u64_to_user_ptr(tx.frames), c.frames, tx.nframes * sizeof(*c.frames)))
		ret = -EFAULT;
out:
	xb_scratch_put(ctx, XB_SCRATCH_TAP_TX, scratch);
	return ret;
}
