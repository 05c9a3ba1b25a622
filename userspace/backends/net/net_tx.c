/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest to host: packets taken off a queue's tx ring by netback's rules
 * (net_tx_parse.c: a broken chain disables the vif, a bad packet is
 * answered ERROR), their slots grant-copied into the queue's arena in
 * batches (one copy call for up to NET_TX_BATCH packets; zero-length slots
 * copy nothing, XSA-448), each frame written to the tap queue behind its
 * virtio_net_hdr (net_vnet.c), every slot answered (OKAY, or ERROR for a
 * failed copy or headers netback could not set a checksum up for), the
 * frontend notified if it asked. A frame the tap refuses is dropped
 * (counted), as a full netdev queue drops it.
 * With xenback.ko (XENBACK_IOCTL_TAP_TX) the batch's frames go to the
 * module instead, as segment lists with their offload flags: it copies
 * them into skbs of its own, sets their checksum and GSO up from the
 * headers as netback does, and hands them to the tap's device; nothing
 * passes through the arena or write(). XENBACK_NET_TX_KMOD=0 keeps the
 * arena path.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net_vif.h"

int net_tx_alloc(struct net_queue *q)
{
	q->tx_kmod = -1; /* asked at the first packet: the channel is bound then */
	q->tx_arena = malloc(NET_TX_ARENA);
	q->tx_items = calloc(NET_TX_BATCH, sizeof(*q->tx_items));
	if (!q->tx_arena || !q->tx_items)
		return -ENOMEM;
	xenback_device_account(q->v->dev, XENBACK_USAGE_MEM,
			       NET_TX_ARENA + NET_TX_BATCH * (int64_t)sizeof(*q->tx_items));
	return 0;
}

void net_tx_free(struct net_queue *q)
{
	if (q->tx_arena && q->tx_items)
		xenback_device_account(q->v->dev, XENBACK_USAGE_MEM,
				       -(NET_TX_ARENA + NET_TX_BATCH * (int64_t)sizeof(*q->tx_items)));
	free(q->tx_arena);
	free(q->tx_items);
	q->tx_arena = NULL;
	q->tx_items = NULL;
}

static void push(struct net_queue *q);

/* Answers wait in q->tx_ans and go into the ring together, just before
 * rsp_prod moves (push()): a process killed in between leaves nothing
 * written past rsp_prod, so the next one reattaches at rsp_prod. At most a
 * ring's worth is consumed between pushes. */
static void put(struct net_queue *q, uint16_t id, int16_t st)
{
	if (q->tx_nans == NET_RING_SLOTS)
		push(q);
	q->tx_ans[q->tx_nans++] = (netif_tx_response_t){ .id = id, .status = st };
}

/* Every slot p consumed, in netback's order: the first, its extras
 * (NULL), the follow-ons. */
static void answer(struct net_queue *q, const struct net_tx_pkt *p, int16_t st)
{
	unsigned int i;

	put(q, p->err_id[0], st);
	for (i = 0; i < p->nextra; i++)
		put(q, 0, NETIF_RSP_NULL);
	for (i = 1; i < p->nerr; i++)
		put(q, p->err_id[i], st);
}

static void deliver(struct net_queue *q, struct net_tx_item *it)
{
	struct xenback_device *dev = q->v->dev;
	uint8_t *f = q->tx_arena + it->off;
	struct virtio_net_hdr vh;
	const char *why = NULL;
	unsigned int i;
	struct iovec iov[2];

	for (i = 0; i < it->nseg; i++) {
		if (q->tx_segs[it->seg0 + i].status) {
			q->tx_errors++;
			answer(q, &it->pkt, NETIF_RSP_ERROR);
			return;
		}
	}
	if (net_vnet_from_tx(&it->pkt, f, it->pkt.len < 256 ? it->pkt.len : 256, &vh, &why) < 0) {
		if (!q->tx_errors++)
			xenback_device_log(dev, XENBACK_LOG_NOTICE, "queue %u: a packet dropped: %s", q->idx, why);
		answer(q, &it->pkt, NETIF_RSP_ERROR);
		return;
	}
	iov[0] = (struct iovec){ &vh, sizeof(vh) };
	iov[1] = (struct iovec){ f, it->pkt.len };
	if (writev(q->fd, iov, 2) < 0)
		q->tx_dropped++;
	else
		q->tx_packets++;
	answer(q, &it->pkt, NETIF_RSP_OKAY);
}

/* Does xenback.ko take this queue's frames? (a call with no frame: EINVAL
 * if it could, EOPNOTSUPP if not) */
static bool kmod_probe(struct net_queue *q)
{
	struct xenback_tap_tx probe;

	if (net_knob_off("XENBACK_NET_TX_KMOD"))
		return false;
	q->tx_ifindex = if_nametoindex(q->v->name);
	memset(&probe, 0, sizeof(probe));
	if (!q->tx_ifindex ||
	    xenback_evtchn_tap_tx(q->tx_ch, q->fd, q->tx_ifindex, &probe) != -EINVAL)
		return false;
	xenback_device_log(q->v->dev, XENBACK_LOG_INFO, "queue %u tx: frames through xenback.ko's tap copy",
			   q->idx);
	return true;
}

/* The batch to xenback.ko, then the answers by what it says of each. */
static void flush_kmod(struct net_queue *q)
{
	struct xenback_device *dev = q->v->dev;
	struct xenback_tap_tx tx;
	unsigned int i;
	int r;

	memset(&tx, 0, sizeof(tx));
	tx.frames = (uintptr_t)q->tx_kframes;
	tx.nframes = q->tx_n;
	tx.segs = (uintptr_t)q->tx_ksegs;
	tx.nsegs = q->tx_nseg;
	tx.queue = q->idx;
	r = xenback_evtchn_tap_tx(q->tx_ch, q->fd, q->tx_ifindex, &tx);
	if (r < 0) {
		/* nothing went: this batch is lost (ERROR), the next ones go
		 * through the arena */
		xenback_device_log(dev, XENBACK_LOG_WARNING,
				   "queue %u tx: xenback.ko's tap copy: %s: frames go through this process",
				   q->idx, strerror(-r));
		q->tx_kmod = 0;
		for (i = 0; i < q->tx_n; i++)
			q->tx_kframes[i].status = -EIO;
	}
	for (i = 0; i < q->tx_n; i++) {
		const struct net_tx_pkt *p = &q->tx_items[i].pkt;
		int st = q->tx_kframes[i].status;

		if (st == -EINVAL && !q->tx_errors)
			xenback_device_log(dev, XENBACK_LOG_NOTICE,
					   "queue %u: a packet dropped: its checksum or GSO could not be set up "
					   "from its headers", q->idx);
		if (st == -EIO || st == -EINVAL) {
			q->tx_errors++;
			answer(q, p, NETIF_RSP_ERROR);
			continue;
		}
		if (st)
			q->tx_dropped++; /* the device down, no memory: dropped as a full queue drops */
		else
			q->tx_packets++;
		answer(q, p, NETIF_RSP_OKAY);
	}
	q->tx_n = q->tx_nseg = 0;
}

/* The batch's copies in one call, then each frame to the tap. */
static void flush(struct net_queue *q)
{
	unsigned int i;
	int r;

	if (!q->tx_n)
		return;
	if (q->tx_kmod == 1) {
		flush_kmod(q);
		return;
	}
	r = xenback_device_grant_copy(q->v->dev, q->tx_segs, q->tx_nseg);
	if (r < 0)
		for (i = 0; i < q->tx_nseg; i++)
			q->tx_segs[i].status = -1;
	for (i = 0; i < q->tx_n; i++)
		deliver(q, &q->tx_items[i]);
	q->tx_n = q->tx_nseg = 0;
	q->tx_used = 0;
}

/* The packet in the batch's next item as xenback.ko takes it: its slots
 * as segments, its offloads as flags (net_tx_parse.c made sure of what
 * the module checks: the slots add up to len, 14 .. 65535 bytes, each in
 * its page, at most 19, a GSO extra TCPv4/v6 with a size). */
static void stage_kmod(struct net_queue *q)
{
	struct net_tx_item *it = &q->tx_items[q->tx_n];
	const struct net_tx_pkt *p = &it->pkt;
	const struct netif_extra_info *gso = &p->extra[XEN_NETIF_EXTRA_TYPE_GSO - 1];
	struct xenback_tap_tx_frame *f;
	unsigned int i;

	if (q->tx_nseg + p->nslot > NET_RING_SLOTS) {
		struct net_tx_pkt keep = *p;

		flush(q);
		it = &q->tx_items[0];
		it->pkt = keep;
		p = &it->pkt;
	}
	f = &q->tx_kframes[q->tx_n];
	memset(f, 0, sizeof(*f));
	f->len = p->len;
	f->nseg = (uint16_t)p->nslot;
	if (p->slot[0].flags & NETTXF_csum_blank)
		f->flags |= XENBACK_TAP_TX_CSUM_BLANK;
	if (p->slot[0].flags & NETTXF_data_validated)
		f->flags |= XENBACK_TAP_TX_DATA_VALID;
	if (gso->type) {
		f->gso_type = gso->u.gso.type; /* XEN_NETIF_GSO_TYPE_TCPV4/6: the same numbers */
		f->gso_size = gso->u.gso.size;
	}
	for (i = 0; i < p->nslot; i++)
		q->tx_ksegs[q->tx_nseg++] = (struct xenback_grant_io_seg){
			.gref = p->slot[i].gref, .offset = p->slot[i].offset, .len = p->slot[i].size,
		};
	q->tx_n++;
	if (q->tx_n == NET_TX_BATCH)
		flush(q);
}

/* The packet in the batch's next item: its copies staged. */
static void stage(struct net_queue *q)
{
	struct net_tx_item *it = &q->tx_items[q->tx_n];
	const struct net_tx_pkt *p = &it->pkt;
	uint32_t pos = 0;
	unsigned int i;

	if (q->tx_used + p->len > NET_TX_ARENA || q->tx_nseg + p->nslot > NET_RING_SLOTS) {
		/* flush() reuses tx_items[0..]: keep this one's parse */
		struct net_tx_pkt keep = *p;

		flush(q);
		it = &q->tx_items[0];
		it->pkt = keep;
		p = &it->pkt;
	}
	it->off = q->tx_used;
	it->seg0 = (uint16_t)q->tx_nseg;
	it->nseg = 0;
	for (i = 0; i < p->nslot; i++) {
		const netif_tx_request_t *s = &p->slot[i];

		if (!s->size)
			continue; /* no grant operation (XSA-448) */
		q->tx_segs[q->tx_nseg++] = (struct xenback_grant_copy){
			.to_guest = false, .ref = s->gref, .offset = s->offset, .len = s->size,
			.buf = q->tx_arena + it->off + pos,
		};
		it->nseg++;
		pos += s->size;
	}
	q->tx_used += p->len;
	q->tx_n++;
	if (q->tx_n == NET_TX_BATCH)
		flush(q);
}

static void push(struct net_queue *q)
{
	unsigned int i;
	int notify;

	for (i = 0; i < q->tx_nans; i++)
		*RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt++) = q->tx_ans[i];
	q->tx_nans = 0;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify)
		xenback_evtchn_notify(q->tx_ch);
}

bool net_tx_round(struct net_queue *q)
{
	struct net_vif *v = q->v;
	unsigned int budget = NET_TX_BUDGET;
	bool work = false;
	int more;

	if (v->dead || !q->tx_page)
		return false;
	do {
		RING_IDX prod = q->tx.sring->req_prod;

		xen_rmb();
		while (q->tx.req_cons != prod) {
			struct net_tx_pkt *p = &q->tx_items[q->tx_n].pkt;

			if (!budget || v->credit_wait) {
				q->tx_more = !v->credit_wait; /* credit: the timer resumes it */
				if (q->tx_more)
					net_vif_kick(v);
				goto out;
			}
			net_tx_parse(q->tx.sring, RING_SIZE(&q->tx), q->tx.req_cons, prod, p);
			if (p->verdict == NET_TX_NONE)
				break;
			work = true;
			if (p->verdict == NET_TX_FATAL) {
				flush(q);
				push(q);
				net_vif_fatal(v, "queue %u tx: %s", q->idx, p->why);
				return true;
			}
			if (p->verdict == NET_TX_OK && v->credit_bytes && !net_credit_take(v, p->len))
				goto out; /* nothing consumed: the timer resumes it */
			q->tx.req_cons += p->consumed;
			budget--;
			if (p->verdict == NET_TX_ERROR) {
				if (!q->tx_errors++)
					xenback_device_log(v->dev, XENBACK_LOG_NOTICE, "queue %u: a packet refused: %s",
							   q->idx, p->why);
				answer(q, p, NETIF_RSP_ERROR);
				continue;
			}
			if (q->tx_kmod < 0)
				q->tx_kmod = kmod_probe(q);
			if (q->tx_kmod == 1)
				stage_kmod(q);
			else
				stage(q);
		}
		flush(q);
		push(q);
		RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
	} while (more);
	return work;
out:
	flush(q);
	push(q);
	return work;
}
