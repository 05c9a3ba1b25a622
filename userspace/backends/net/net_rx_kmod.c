/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host to guest through xenback.ko (XENBACK_IOCTL_TAP_RX): the module
 * takes the frames from the tap queue's kernel queue and grant-copies them
 * into the buffers the frontend posted, so no frame passes through this
 * process (net_rx.c's read() and its second copy are gone). Here: the
 * ring. The posted requests are copied once (id, gref), their grefs handed
 * to the module in ring order; each frame that comes back is answered as
 * net_rx.c answers (a slot per 4 KiB from offset 0, flags on the first,
 * the GSO extra in the slot after it, more_data on every data slot but the
 * last). A frame needing more buffers than are posted stays in the tap's
 * queue (bounded, it drops: XSA-392) until the frontend posts more.
 * Without the module (or an older one) the queue goes back to net_rx.c.
 */
#include <errno.h>
#include <string.h>

#include "net_vif.h"
#include "uapi/xenback.h"

/* The answers of one frame whose buffers are ids[0 .. f->bufs). */
static void answer(struct net_queue *q, const struct xenback_tap_rx_frame *f, const uint16_t *ids,
		   bool extra_slot)
{
	struct virtio_net_hdr vh = {
		.flags = f->vnet_flags, .gso_type = f->gso_type, .hdr_len = f->hdr_len,
		.gso_size = f->gso_size, .csum_start = f->csum_start, .csum_offset = f->csum_offset,
	};
	struct netif_extra_info gso;
	unsigned int s, data = 0, ndata = f->bufs - (extra_slot ? 1 : 0);
	uint16_t flags;
	bool bad = f->status != 0;

	if (net_vnet_to_rx(&vh, q->v->gso4 || q->v->gso6, &flags, &gso) < 0 ||
	    (gso.type != 0) != extra_slot)
		bad = true; /* copied, but not describable: answered as errors */
	if (bad)
		flags = 0;
	for (s = 0; s < f->bufs; s++) {
		RING_IDX idx = q->rx.rsp_prod_pvt + s;
		netif_rx_response_t *r = RING_GET_RESPONSE(&q->rx, idx);
		uint32_t pos, chunk;

		if (extra_slot && s == 1 && !bad) {
			struct netif_extra_info *e = (struct netif_extra_info *)r;

			memset(e, 0, sizeof(*e));
			e->type = XEN_NETIF_EXTRA_TYPE_GSO;
			e->u.gso.type = gso.u.gso.type;
			e->u.gso.size = gso.u.gso.size;
			continue;
		}
		pos = data * NET_PAGE;
		chunk = f->len > pos ? f->len - pos : 0;
		if (chunk > NET_PAGE)
			chunk = NET_PAGE;
		r->id = ids[s];
		r->offset = 0;
		r->flags = (uint16_t)((data == 0 ? flags : 0) | (data + 1 < ndata && !bad ? NETRXF_more_data : 0));
		r->status = bad ? NETIF_RSP_ERROR : (int16_t)chunk;
		data++;
	}
	q->rx.rsp_prod_pvt += f->bufs;
	if (bad)
		q->rx_dropped++;
	else
		q->rx_packets++;
}

/* One call to the module with what the frontend posted: answers and
 * notification; returns the outcome (nframes, next_bufs) or < 0. */
static int batch(struct net_queue *q, unsigned int posted, unsigned int max_frames,
		 struct xenback_tap_rx *rx)
{
	struct xenback_tap_rx_frame frames[XENBACK_TAP_RX_MAX_FRAMES];
	uint32_t grefs[NET_RING_SLOTS];
	uint16_t ids[NET_RING_SLOTS];
	unsigned int i, n = posted < NET_RING_SLOTS ? posted : NET_RING_SLOTS, used = 0;
	int r, notify;

	for (i = 0; i < n; i++) {
		netif_rx_request_t req;

		memcpy(&req, RING_GET_REQUEST(&q->rx, q->rx.req_cons + i), sizeof(req));
		ids[i] = req.id;
		grefs[i] = req.gref;
	}
	memset(rx, 0, sizeof(*rx));
	rx->grefs = (uintptr_t)grefs;
	rx->nbufs = n;
	rx->frames = (uintptr_t)frames;
	rx->max_frames = max_frames;
	rx->max_slots = q->v->sg ? NET_RX_MAX_SLOTS : 1;
	rx->flags = q->v->gso4 || q->v->gso6 ? XENBACK_TAP_RX_GSO_EXTRA : 0;
	r = xenback_evtchn_tap_rx(q->rx_ch, q->fd, rx);
	if (r < 0)
		return r;
	if (rx->nframes > max_frames || rx->bufs_used > n)
		return -EPROTO;
	for (i = 0; i < rx->nframes; i++) {
		const struct xenback_tap_rx_frame *f = &frames[i];
		bool extra = (rx->flags & XENBACK_TAP_RX_GSO_EXTRA) &&
			     (f->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE;

		if (f->bufs < 1u + extra || used + f->bufs > rx->bufs_used)
			return -EPROTO;
		answer(q, f, ids + used, extra);
		used += f->bufs;
	}
	q->rx_dropped += rx->dropped;
	q->rx.req_cons += used;
	if (used) {
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
		if (notify)
			xenback_evtchn_notify(q->rx_ch);
	}
	return 0;
}

bool net_rx_kmod_round(struct net_queue *q)
{
	struct net_vif *v = q->v;
	unsigned int budget = NET_RX_BUDGET;

	for (;;) {
		struct xenback_tap_rx rx;
		int avail = net_rx_posted(q), r;

		if (avail < 0) {
			net_vif_fatal(v, "queue %u rx: req_prod runs more than the ring ahead", q->idx);
			return true;
		}
		if (!budget) {
			q->rx_more = true; /* the tap may hold more: next round */
			net_vif_kick(v);
			return true;
		}
		if (!avail || (unsigned int)avail < q->rx_wait) {
			/* the next frame waits for buffers: an event at the
			 * next request posted */
			if (!q->rx_wait)
				q->rx_wait = 1;
			q->rx.sring->req_event = q->rx.sring->req_prod + 1;
			xen_mb();
			if (net_rx_posted(q) > avail)
				continue; /* posted meanwhile */
			return true;
		}
		r = batch(q, (unsigned int)avail,
			  budget < XENBACK_TAP_RX_MAX_FRAMES ? budget : XENBACK_TAP_RX_MAX_FRAMES, &rx);
		if (r == -EPROTO) {
			net_vif_fatal(v, "queue %u rx: xenback.ko answered out of bounds", q->idx);
			return true;
		}
		if (r < 0) {
			if (r != -EOPNOTSUPP) /* else: no module, or an older one */
				xenback_device_log(v->dev, XENBACK_LOG_WARNING,
						   "queue %u rx: xenback.ko's tap copy: %s: frames go "
						   "through this process", q->idx, strerror(-r));
			q->rx_kmod = false;
			q->rx_wait = 0;
			return false;
		}
		if (!q->rx_kmod_said && rx.nframes) {
			q->rx_kmod_said = true;
			xenback_device_log(v->dev, XENBACK_LOG_INFO,
					   "queue %u rx: frames through xenback.ko's tap copy", q->idx);
		}
		budget -= rx.nframes + rx.dropped < budget ? rx.nframes + rx.dropped : budget;
		if (!rx.next_bufs) {
			q->rx_wait = 0; /* the tap is empty */
			return true;
		}
		q->rx_wait = rx.nframes || rx.dropped ? 0 : rx.next_bufs;
	}
}
