/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tx ring's packets as netback takes them (the rules hostile
 * frontends taught Linux's drivers/net/xen-netback): every slot is copied
 * out of the shared ring once and only the copy is read (XSA-155);
 *   - req_prod more than the ring ahead of req_cons: fatal;
 *   - extra-info slots (NETTXF_extra_info, chained by
 *     XEN_NETIF_EXTRA_FLAG_MORE): one missing (the chain runs past
 *     req_prod) or of type 0 or >= XEN_NETIF_EXTRA_TYPE_MAX: fatal; a GSO
 *     extra of size 0 or of a type other than TCPv4/TCPv6: fatal;
 *   - a multicast add/remove: answered ERROR (multicast control is not
 *     offered), its data slots not taken with it, as netback does;
 *   - data slots chained by NETTXF_more_data: a chain running past
 *     req_prod, or asking for more than NET_TX_FATAL_SLOTS follow-on slots
 *     (netback's "malicious frontend"): fatal; more than NET_TX_MAX_SLOTS
 *     follow-ons: consumed and answered ERROR; a slot
 *     larger than what the first slot says is left (a frame of 64 KiB or
 *     more wraps the 16-bit size): consumed and answered ERROR; any slot
 *     whose offset + size crosses its page: fatal;
 *   - a first slot of fewer than 14 bytes (an Ethernet header): ERROR.
 * Zero-length slots are valid here; the copy does no grant operation for
 * them (XSA-448).
 */
#include <string.h>

#include "net.h"

static void slot_copy(const netif_tx_sring_t *s, unsigned int size, RING_IDX i, void *dst)
{
	/* one copy of the slot: the frontend may rewrite it meanwhile, only
	 * the copy is read */
	const union netif_tx_sring_entry *slots = s->ring; /* ring[1] in the header: size of them */

	memcpy(dst, slots + (i & (size - 1)), sizeof(*slots));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static void fatal(struct net_tx_pkt *p, const char *why)
{
	p->verdict = NET_TX_FATAL;
	p->why = why;
	p->consumed = 0;
}

/* Extra-info slots from *i: 0, or -1 (fatal, p says why). */
static int extras(const netif_tx_sring_t *s, unsigned int size, RING_IDX *i, RING_IDX prod,
		  struct net_tx_pkt *p)
{
	union netif_tx_sring_entry e;
	struct netif_extra_info x;

	do {
		if (*i == prod) {
			fatal(p, "missing extra info: the chain runs past req_prod");
			return -1;
		}
		slot_copy(s, size, (*i)++, &e);
		p->nextra++;
		memcpy(&x, &e, sizeof(x));
		if (x.type == XEN_NETIF_EXTRA_TYPE_NONE || x.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
			fatal(p, "invalid extra info type");
			return -1;
		}
		p->extra[x.type - 1] = x;
	} while (x.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	return 0;
}

void net_tx_parse(const netif_tx_sring_t *s, unsigned int size, RING_IDX cons, RING_IDX prod,
		  struct net_tx_pkt *p)
{
	union netif_tx_sring_entry e;
	RING_IDX i = cons;
	const struct netif_extra_info *gso;
	unsigned int follow = 0;
	const char *drop = NULL;
	uint16_t left;

	memset(p, 0, sizeof(*p));
	if (prod - cons > size) {
		fatal(p, "req_prod runs more than the ring ahead of req_cons");
		return;
	}
	if (prod == cons) {
		p->verdict = NET_TX_NONE;
		return;
	}
	slot_copy(s, size, i++, &e);
	p->slot[0] = e.req;
	p->nslot = 1;
	p->len = e.req.size;
	p->err_id[p->nerr++] = e.req.id;
	if ((p->slot[0].flags & NETTXF_extra_info) && extras(s, size, &i, prod, p) < 0)
		return;
	if (p->extra[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type ||
	    p->extra[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1].type) {
		p->verdict = NET_TX_ERROR;
		p->why = "multicast control is not offered";
		p->consumed = i - cons;
		return;
	}
	/* follow-on data slots */
	left = p->slot[0].size;
	for (bool more = p->slot[0].flags & NETTXF_more_data; more;) {
		netif_tx_request_t t;

		if (i == prod) {
			fatal(p, "the packet's slots run past req_prod");
			return;
		}
		if (follow >= NET_TX_FATAL_SLOTS) {
			fatal(p, "a packet asking for more than 20 follow-on slots");
			return;
		}
		if (!drop && follow >= NET_TX_MAX_SLOTS)
			drop = "a packet of more than 18 slots";
		slot_copy(s, size, i++, &e);
		t = e.req;
		follow++;
		if (!drop && t.size > left)
			drop = "a slot larger than the packet's size left (a frame of 64 KiB or more)";
		left = (uint16_t)(left - t.size);
		if ((uint32_t)t.offset + t.size > NET_PAGE) {
			fatal(p, "a slot crossing its page");
			return;
		}
		more = t.flags & NETTXF_more_data;
		p->err_id[p->nerr++] = t.id;
		if (!drop)
			p->slot[p->nslot++] = t;
	}
	p->consumed = i - cons;
	if (drop) {
		p->verdict = NET_TX_ERROR;
		p->why = drop;
		return;
	}
	p->slot[0].size = left; /* the first slot's own bytes */
	if (left < NET_ETH_HLEN) {
		p->verdict = NET_TX_ERROR;
		p->why = "a first slot shorter than an Ethernet header";
		return;
	}
	if ((uint32_t)p->slot[0].offset + left > NET_PAGE) {
		fatal(p, "the first slot crosses its page");
		return;
	}
	gso = &p->extra[XEN_NETIF_EXTRA_TYPE_GSO - 1];
	if (gso->type) {
		if (!gso->u.gso.size) {
			fatal(p, "a GSO extra of size 0");
			return;
		}
		if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 && gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
			fatal(p, "a GSO extra of an unknown type");
			return;
		}
	}
	p->verdict = NET_TX_OK;
}
