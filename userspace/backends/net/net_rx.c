/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host to guest: frames read from a queue's tap file (each behind its
 * virtio_net_hdr) into the queue's arena while the frontend has posted
 * buffers for them, grant-copied into those buffers in one call per
 * batch, answered as netback answers (xen/io/netif.h, rx-copy): a slot per
 * 4 KiB of the frame, filled from offset 0; the first slot carries the
 * checksum flags (csum_blank|data_validated for a partial checksum), the
 * GSO extra in the slot after it (NETRXF_extra_info), more_data on every
 * data slot but the last. A frame the frontend cannot take (larger than a
 * slot without SG, more than 17 slots, GSO it did not ask for) is dropped.
 * A frame waiting for buffers stays at the head of the arena and the tap
 * is not read meanwhile: the kernel's queue behind it is bounded and
 * drops (XSA-392). A req_prod more than the ring ahead disables the vif.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net_vif.h"


static void tap_event(int fd, uint32_t events, void *arg)
{
	struct net_queue *q = arg;

	(void)fd;
	(void)events;
	if (!q->v->dead)
		net_rx_round(q);
}

void net_rx_poll(struct net_queue *q, bool on)
{
	struct xenback_bus *bus;

	if (q->polled == on || q->fd < 0 || !q->v)
		return;
	bus = xenback_device_get_bus(q->v->dev);
	if (on) {
		/* edge-triggered: the round reads until EAGAIN, or stops with
		 * a frame held (the frontend's rx event resumes it) or its
		 * budget spent (q->rx_more: the vif's kick resumes it) */
		if (xenback_bus_add_fd(bus, q->fd, EPOLLIN | EPOLLET, tap_event, q) < 0)
			return;
	} else {
		xenback_bus_del_fd(bus, q->fd);
	}
	q->polled = on;
}

int net_rx_alloc(struct net_queue *q)
{
	/* xenback.ko's tap copy until it says it cannot (net_rx_kmod.c) */
	q->rx_kmod = !net_knob_off("XENBACK_NET_RX_KMOD");
	q->rx_wait = 0;
	q->rx_kmod_said = false;
	q->rx_arena = malloc(NET_RX_ARENA);
	if (!q->rx_arena)
		return -ENOMEM;
	xenback_device_account(q->v->dev, XENBACK_USAGE_MEM, NET_RX_ARENA);
	return 0;
}

void net_rx_free(struct net_queue *q)
{
	if (q->rx_arena)
		xenback_device_account(q->v->dev, XENBACK_USAGE_MEM, -(int64_t)NET_RX_ARENA);
	free(q->rx_arena);
	q->rx_arena = NULL;
}

/* Data slots for a frame of len bytes. */
static unsigned int data_slots(uint32_t len)
{
	return len ? (len + NET_PAGE - 1) / NET_PAGE : 1;
}

/* The copies and answers of the batch; then notify if asked. */
static void flush(struct net_queue *q)
{
	unsigned int i;
	int notify;

	if (!q->rx_nslot)
		return;
	if (q->rx_nseg && xenback_device_grant_copy(q->v->dev, q->rx_segs, q->rx_nseg) < 0)
		for (i = 0; i < q->rx_nseg; i++)
			q->rx_segs[i].status = -1;
	for (i = 0; i < q->rx_nslot; i++) {
		const struct net_rx_slot *s = &q->rx_slots[i];
		netif_rx_response_t *r = RING_GET_RESPONSE(&q->rx, s->idx);

		if (s->seg < 0) { /* the GSO extra */
			struct netif_extra_info *e = (struct netif_extra_info *)r;

			memset(e, 0, sizeof(*e));
			e->type = XEN_NETIF_EXTRA_TYPE_GSO;
			e->u.gso.type = s->gso_type;
			e->u.gso.size = s->len;
			continue;
		}
		r->id = s->id;
		r->offset = 0;
		r->flags = s->flags;
		r->status = q->rx_segs[s->seg].status ? NETIF_RSP_ERROR : (int16_t)s->len;
	}
	q->rx.rsp_prod_pvt += q->rx_nslot;
	q->rx_nslot = q->rx_nseg = 0;
	q->rx_used = 0;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify)
		xenback_evtchn_notify(q->rx_ch);
}

/* The next request's id and gref, copied once. */
static netif_rx_request_t take(struct net_queue *q)
{
	netif_rx_request_t req;

	memcpy(&req, RING_GET_REQUEST(&q->rx, q->rx.req_cons), sizeof(req));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	q->rx.req_cons++;
	return req;
}

/* The frame at f (len bytes) into need requests' buffers. */
static void stage(struct net_queue *q, uint8_t *f, uint32_t len, uint16_t flags,
		  const struct netif_extra_info *gso)
{
	unsigned int k, n = data_slots(len);
	uint32_t pos = 0;

	for (k = 0; k < n; k++) {
		netif_rx_request_t req = take(q);
		struct net_rx_slot *s = &q->rx_slots[q->rx_nslot++];
		uint32_t chunk = len - pos < NET_PAGE ? len - pos : NET_PAGE;

		s->idx = q->rx.rsp_prod_pvt + q->rx_nslot - 1;
		s->id = req.id;
		s->len = (uint16_t)chunk;
		s->flags = (uint16_t)((k == 0 ? flags : 0) | (k + 1 < n ? NETRXF_more_data : 0));
		s->seg = (int16_t)q->rx_nseg;
		q->rx_segs[q->rx_nseg++] = (struct xenback_grant_copy){
			.to_guest = true, .ref = req.gref, .offset = 0, .len = (uint16_t)chunk, .buf = f + pos,
		};
		pos += chunk;
		if (k == 0 && gso->type) {
			/* written with the answers, after the copies: nothing
			 * is written into the ring before its rsp_prod moves */
			struct net_rx_slot *x = &q->rx_slots[q->rx_nslot++];

			(void)take(q);
			x->idx = q->rx.rsp_prod_pvt + q->rx_nslot - 1;
			x->seg = -1;
			x->len = gso->u.gso.size;
			x->gso_type = gso->u.gso.type;
		}
	}
	q->rx_packets++;
}

int net_rx_posted(struct net_queue *q)
{
	RING_IDX prod = q->rx.sring->req_prod;

	xen_rmb();
	if (prod - q->rx.req_cons > RING_SIZE(&q->rx))
		return -1;
	return (int)(prod - q->rx.req_cons);
}

bool net_rx_event(struct net_queue *q)
{
	RING_IDX prod;
	bool work;

	if (q->v->dead || !q->rx_page)
		return false;
	prod = q->rx.sring->req_prod;
	work = prod != q->rx_seen; /* else spurious (XSA-332) */
	q->rx_seen = prod;
	if (q->rx_held || q->rx_wait)
		net_rx_round(q); /* a frame waited for these buffers */
	return work;
}

void net_rx_round(struct net_queue *q)
{
	struct net_vif *v = q->v;
	unsigned int budget = NET_RX_BUDGET;

	if (v->dead || !q->rx_page)
		return;
	q->rx_more = false;
	if (q->rx_kmod && net_rx_kmod_round(q))
		return;
	for (;;) {
		uint8_t *at = q->rx_arena + q->rx_used;
		struct virtio_net_hdr vh;
		struct netif_extra_info gso;
		uint16_t flags;
		uint32_t len;
		unsigned int need;
		int avail;

		if (q->rx_held) {
			len = q->rx_held; /* at the arena's head, nothing staged before it */
		} else {
			ssize_t n;

			if (!budget) {
				q->rx_more = true; /* the tap may hold more: next round */
				net_vif_kick(v);
				break;
			}
			if (q->rx_used + NET_VH + NET_FRAME_MAX > NET_RX_ARENA)
				flush(q);
			at = q->rx_arena + q->rx_used;
			n = read(q->fd, at, NET_VH + NET_FRAME_MAX);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < (ssize_t)NET_VH)
				break; /* EAGAIN: the tap is empty */
			len = (uint32_t)n - NET_VH;
			budget--;
		}
		memcpy(&vh, at, sizeof(vh));
		if (net_vnet_to_rx(&vh, v->gso4 || v->gso6, &flags, &gso) < 0 ||
		    (!v->sg && len > NET_PAGE) || data_slots(len) > NET_RX_MAX_SLOTS) {
			q->rx_dropped++;
			q->rx_held = 0;
			continue;
		}
		need = data_slots(len) + (gso.type ? 1 : 0);
		avail = net_rx_posted(q);
		if (avail < 0) {
			flush(q);
			net_vif_fatal(v, "queue %u rx: req_prod runs more than the ring ahead", q->idx);
			return;
		}
		if ((unsigned int)avail < need) {
			/* hold it at the arena's head; ask for an event at the
			 * next request posted; the tap is not read meanwhile */
			flush(q);
			if (at != q->rx_arena)
				memmove(q->rx_arena, at, NET_VH + len);
			q->rx_held = len;
			q->rx.sring->req_event = q->rx.sring->req_prod + 1;
			xen_mb();
			if (net_rx_posted(q) >= (int)need)
				continue; /* posted meanwhile */
			return;
		}
		q->rx_held = 0;
		stage(q, at + NET_VH, len, flags, &gso);
		q->rx_used += NET_VH + len;
		if (q->rx_nslot + NET_RX_MAX_SLOTS + 1 > NET_RING_SLOTS)
			flush(q);
	}
	flush(q);
}
