/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "netfront.h"

#define FE "/local/domain/%u/device/vif/%u"

long snet_attach(struct snet *n, struct xbt *t, uint32_t domid, uint32_t devid, unsigned int nq,
		 bool split, const char *const *extra)
{
	unsigned int i, j;

	memset(n, 0, sizeof(*n));
	n->t = t;
	n->domid = domid;
	n->devid = devid;
	n->nq = nq;
	n->split = split;
	xbt_add(t, "vif", domid, devid, extra);
	xbt_settle(t);
	for (i = 0; i < nq; i++)
		for (j = 0; j < SNET_BUFS; j++) {
			xenback_sim_grant_page(t->sim, domid, 0, &n->q[i].txb[j], &n->q[i].txb_ref[j]);
			xenback_sim_grant_page(t->sim, domid, 0, &n->q[i].rxb[j], &n->q[i].rxb_ref[j]);
		}
	return xbt_be_state(t, "vif", domid, devid);
}

void snet_connect(struct snet *n)
{
	struct xbt *t = n->t;
	unsigned int i;

	xenback_sim_batch_begin(t->sim);
	for (i = 0; i < n->nq; i++) {
		struct snet_q *q = &n->q[i];
		char base[128];

		xenback_sim_grant_page(t->sim, n->domid, 0, &q->tx_page, &q->tx_ref);
		xenback_sim_grant_page(t->sim, n->domid, 0, &q->rx_page, &q->rx_ref);
		SHARED_RING_INIT((netif_tx_sring_t *)q->tx_page);
		SHARED_RING_INIT((netif_rx_sring_t *)q->rx_page);
		FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)q->tx_page, 4096);
		FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rx_page, 4096);
		xenback_sim_evtchn_alloc_unbound(t->sim, n->domid, 0, &q->tx_port);
		q->rx_port = q->tx_port;
		if (n->split)
			xenback_sim_evtchn_alloc_unbound(t->sim, n->domid, 0, &q->rx_port);
		if (n->nq > 1)
			snprintf(base, sizeof(base), FE "/queue-%u", n->domid, n->devid, i);
		else
			snprintf(base, sizeof(base), FE, n->domid, n->devid);
		xenback_sim_write(t->sim, xbt_path("%s/tx-ring-ref", base), "%u", q->tx_ref);
		xenback_sim_write(t->sim, xbt_path("%s/rx-ring-ref", base), "%u", q->rx_ref);
		if (n->split) {
			xenback_sim_write(t->sim, xbt_path("%s/event-channel-tx", base), "%u", q->tx_port);
			xenback_sim_write(t->sim, xbt_path("%s/event-channel-rx", base), "%u", q->rx_port);
		} else {
			xenback_sim_write(t->sim, xbt_path("%s/event-channel", base), "%u", q->tx_port);
		}
	}
	if (n->nq > 1)
		xenback_sim_write(t->sim, xbt_path(FE "/multi-queue-num-queues", n->domid, n->devid), "%u", n->nq);
	xenback_sim_write(t->sim, xbt_path(FE "/request-rx-copy", n->domid, n->devid), "%d", !n->no_rx_copy);
	xenback_sim_write(t->sim, xbt_path(FE "/feature-rx-notify", n->domid, n->devid), "1");
	xenback_sim_write(t->sim, xbt_path(FE "/feature-sg", n->domid, n->devid), "%d", !n->no_sg);
	xenback_sim_write(t->sim, xbt_path(FE "/feature-gso-tcpv4", n->domid, n->devid), "%d", !n->no_gso);
	xenback_sim_write(t->sim, xbt_path(FE "/feature-gso-tcpv6", n->domid, n->devid), "%d", !n->no_gso);
	xenback_sim_write(t->sim, xbt_path(FE "/feature-ipv6-csum-offload", n->domid, n->devid), "1");
	/* netfront goes from Initialising straight to Connected */
	xenback_sim_write(t->sim, xbt_path(FE "/state", n->domid, n->devid), "4");
	xenback_sim_batch_end(t->sim);
	xbt_settle(t);
}

void snet_hotplug(struct snet *n)
{
	xenback_sim_write(n->t->sim,
			  xbt_path("/local/domain/0/backend/vif/%u/%u/hotplug-status", n->domid, n->devid),
			  "connected");
	xbt_settle(n->t);
}

void snet_tx_raw(struct snet *n, unsigned int qi, const netif_tx_request_t *req)
{
	struct snet_q *q = &n->q[qi];

	*RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt) = *req;
	q->tx.req_prod_pvt++;
}

unsigned int snet_tx_frame(struct snet *n, unsigned int qi, const uint8_t *f, uint16_t len,
			   unsigned int chunk, uint16_t flags, uint16_t gso_size, uint8_t gso_type)
{
	struct snet_q *q = &n->q[qi];
	unsigned int pos = 0, used = 0;

	do {
		unsigned int b = q->tx_next++ % SNET_BUFS, c = len - pos < chunk ? len - pos : chunk;
		netif_tx_request_t r = { .gref = q->txb_ref[b], .offset = 0, .id = (uint16_t)b,
					 .size = (uint16_t)(pos ? c : len) };

		memcpy(q->txb[b], f + pos, c);
		pos += c;
		if (pos < len)
			r.flags |= NETTXF_more_data;
		if (used == 0) {
			r.flags |= flags;
			if (gso_size)
				r.flags |= NETTXF_extra_info;
		}
		snet_tx_raw(n, qi, &r);
		used++;
		if (used == 1 && gso_size) {
			struct netif_extra_info x = { .type = XEN_NETIF_EXTRA_TYPE_GSO };

			x.u.gso.size = gso_size;
			x.u.gso.type = gso_type;
			memcpy(RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt), &x, sizeof(x));
			q->tx.req_prod_pvt++;
			used++;
		}
	} while (pos < len);
	return used;
}

void snet_tx_push(struct snet *n, unsigned int qi)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->q[qi].tx, notify);
	(void)notify; /* always: a test may push past the backend's req_event */
	xenback_sim_evtchn_notify(n->t->sim, n->domid, n->q[qi].tx_port);
}

void snet_run(struct snet *n, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 5 + 1; i++)
		xenback_bus_run_once(n->t->bus, 5);
}

unsigned int snet_tx_wait(struct snet *n, unsigned int qi, unsigned int want, int16_t *st)
{
	struct snet_q *q = &n->q[qi];
	unsigned int got = 0, rounds;

	for (rounds = 0; got < want && rounds < 200; rounds++) {
		xenback_bus_run_once(n->t->bus, 5);
		while (RING_HAS_UNCONSUMED_RESPONSES(&q->tx)) {
			netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_cons);

			if (st && got < want)
				st[got] = r->status;
			got++;
			q->tx.rsp_cons++;
		}
	}
	q->tx.sring->rsp_event = q->tx.rsp_cons + 1;
	return got;
}

void snet_rx_post(struct snet *n, unsigned int qi, unsigned int count)
{
	struct snet_q *q = &n->q[qi];
	unsigned int i;
	int notify;

	for (i = 0; i < count; i++) {
		unsigned int id = q->rx.req_prod_pvt % SNET_BUFS;
		netif_rx_request_t *r = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);

		r->id = (uint16_t)id;
		r->gref = q->rxb_ref[id];
		q->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify)
		xenback_sim_evtchn_notify(n->t->sim, n->domid, q->rx_port);
}

/* Responses waiting on qi's rx ring. */
static unsigned int rx_ready(struct snet_q *q)
{
	return q->rx.sring->rsp_prod - q->rx.rsp_cons;
}

int snet_rx_frame(struct snet *n, unsigned int qi, uint8_t *buf, size_t cap, uint16_t *flags,
		  struct netif_extra_info *gso, unsigned int *slots)
{
	struct snet_q *q = &n->q[qi];
	unsigned int rounds, need = 1, i;
	size_t len = 0;
	bool err = false;

	memset(gso, 0, sizeof(*gso));
	*slots = 0;
	/* how many responses the frame at rsp_cons spans */
	for (rounds = 0; rounds < 200; rounds++) {
		RING_IDX c = q->rx.rsp_cons;
		bool whole = false;

		need = 0;
		while (c != q->rx.sring->rsp_prod) {
			netif_rx_response_t *r = RING_GET_RESPONSE(&q->rx, c);
			bool extra = need == 0 && (r->flags & NETRXF_extra_info);

			c++;
			need++;
			if (extra) {
				if (c == q->rx.sring->rsp_prod)
					break;
				c++;
				need++;
				if (!(r->flags & NETRXF_more_data)) {
					whole = true;
					break;
				}
				continue;
			}
			if (!(r->flags & NETRXF_more_data)) {
				whole = true;
				break;
			}
		}
		if (whole)
			break;
		xenback_bus_run_once(n->t->bus, 5);
	}
	if (rounds == 200 || !need || rx_ready(q) < need)
		return -1;
	for (i = 0; i < need; i++) {
		netif_rx_response_t *r = RING_GET_RESPONSE(&q->rx, q->rx.rsp_cons);

		if (i == 0)
			*flags = r->flags;
		if (i == 1 && (*flags & NETRXF_extra_info)) {
			memcpy(gso, r, sizeof(*gso));
		} else if (r->status < 0) {
			err = true;
		} else {
			if (len + (size_t)r->status <= cap)
				memcpy(buf + len, (uint8_t *)q->rxb[r->id % SNET_BUFS] + r->offset, (size_t)r->status);
			len += (size_t)r->status;
			(*slots)++;
		}
		q->rx.rsp_cons++;
	}
	q->rx.sring->rsp_event = q->rx.rsp_cons + 1;
	return err ? -2 : (int)len;
}
