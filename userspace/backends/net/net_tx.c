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
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net_vif.h"

int net_tx_alloc(struct net_queue *q)
{
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

/* The batch's copies in one call, then each frame to the tap. */
static void flush(struct net_queue *q)
{
	unsigned int i;
	int r;

	if (!q->tx_n)
		return;
	r = xenback_device_grant_copy(q->v->dev, q->tx_segs, q->tx_nseg);
	if (r < 0)
		for (i = 0; i < q->tx_nseg; i++)
			q->tx_segs[i].status = -1;
	for (i = 0; i < q->tx_n; i++)
		deliver(q, &q->tx_items[i]);
	q->tx_n = q->tx_nseg = 0;
	q->tx_used = 0;
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
