/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The net backend's tx parser (userspace/backends/net/net_tx_parse.c):
 * every rule netback applies to what a frontend puts on the tx ring, on a
 * ring in memory: packets of one and several slots with their sizes, GSO
 * and its checks, extra-info chains, multicast requests, the 18/20
 * follow-on slot limits, a frame of 64 KiB or more, page crossings, runt first slots,
 * chains past req_prod, req_prod past the ring, zero-length slots. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "userspace/backends/net/net.h"

static union {
	netif_tx_sring_t s;
	char page[NET_PAGE];
} ring;
/* slot k of the ring (through a pointer: the header declares ring[1]) */
#define SLOT(k) ((union netif_tx_sring_entry *)((char *)&ring + offsetof(netif_tx_sring_t, ring)) + ((k) & (size - 1)))
static unsigned int size;
static RING_IDX prod;

static void reset(RING_IDX start)
{
	memset(&ring, 0, sizeof(ring));
	size = __RING_SIZE(&ring.s, NET_PAGE);
	prod = start;
}

static void req(uint16_t id, uint16_t offset, uint16_t sz, uint16_t flags)
{
	netif_tx_request_t *r = &SLOT(prod++)->req;

	*r = (netif_tx_request_t){ .gref = 100u + id, .offset = offset, .flags = flags, .id = id, .size = sz };
}

static void extra(uint8_t type, uint8_t flags, uint16_t gso_size, uint8_t gso_type)
{
	struct netif_extra_info *x = (struct netif_extra_info *)SLOT(prod++);

	memset(x, 0, sizeof(*x));
	x->type = type;
	x->flags = flags;
	if (type == XEN_NETIF_EXTRA_TYPE_GSO) {
		x->u.gso.size = gso_size;
		x->u.gso.type = gso_type;
	}
}

static struct net_tx_pkt parse(RING_IDX cons)
{
	struct net_tx_pkt p;

	net_tx_parse(&ring.s, size, cons, prod, &p);
	return p;
}

static void test_plain(void)
{
	struct net_tx_pkt p;

	reset(0);
	p = parse(0);
	tap_eq(p.verdict, NET_TX_NONE, "an empty ring: nothing");
	req(1, 0, 60, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_OK && p.nslot == 1 && p.len == 60 && p.slot[0].size == 60 &&
		       p.consumed == 1 && p.slot[0].gref == 101,
	       "one slot of 60 bytes: a packet of 60, one slot consumed");
	reset(250); /* across the ring's wrap */
	req(2, 100, 5000, NETTXF_more_data);
	req(3, 0, 2000, NETTXF_more_data);
	req(4, 0, 0, NETTXF_more_data); /* zero-length: valid */
	req(5, 0, 1000, 0);
	p = parse(250);
	tap_ok(p.verdict == NET_TX_OK && p.nslot == 4 && p.len == 5000 && p.slot[0].size == 2000 &&
		       p.slot[1].size == 2000 && p.slot[2].size == 0 && p.slot[3].size == 1000 && p.consumed == 4,
	       "four slots across the wrap (one of 0 bytes): 5000 bytes, the first slot's own 2000");
	reset(0);
	req(1, 0, 13, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_ERROR && p.consumed == 1 && p.nerr == 1 && p.err_id[0] == 1,
	       "a 13-byte frame (under an Ethernet header): ERROR, consumed (%s)", p.why);
	reset(0);
	req(1, 0, 1000, NETTXF_more_data);
	req(2, 0, 990, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_ERROR && p.consumed == 2 && p.nerr == 2 && p.err_id[1] == 2,
	       "a first slot left with 10 bytes of its own: ERROR, both consumed (%s)", p.why);
	reset(0);
	req(1, 4000, 200, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_FATAL && p.consumed == 0, "a first slot crossing its page: fatal (%s)", p.why);
	reset(0);
	req(1, 0, 3000, NETTXF_more_data);
	req(2, 3000, 1200, 0);
	p = parse(0);
	tap_eq(p.verdict, NET_TX_FATAL, "a follow-on slot crossing its page: fatal");
}

static void test_chains(void)
{
	struct net_tx_pkt p;
	unsigned int i;

	reset(0);
	req(1, 0, 100, NETTXF_more_data);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_FATAL && p.consumed == 0, "more_data on the last slot pushed: fatal (%s)",
	       p.why);
	/* 1 + 18 slots: the most a packet may use */
	reset(0);
	req(0, 0, 19 * 100, NETTXF_more_data);
	for (i = 1; i <= 18; i++)
		req((uint16_t)i, 0, 100, i < 18 ? NETTXF_more_data : 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_OK && p.nslot == 19 && p.consumed == 19, "19 slots: a packet");
	/* 1 + 19: consumed, answered ERROR */
	reset(0);
	req(0, 0, 20 * 100, NETTXF_more_data);
	for (i = 1; i <= 19; i++)
		req((uint16_t)i, 0, 100, i < 19 ? NETTXF_more_data : 0);
	req(99, 0, 60, 0); /* the next packet */
	p = parse(0);
	tap_ok(p.verdict == NET_TX_ERROR && p.consumed == 20 && p.nerr == 20 && p.err_id[19] == 19,
	       "20 slots: all consumed and answered ERROR, ids in ring order (%s)", p.why);
	p = parse(20);
	tap_ok(p.verdict == NET_TX_OK && p.slot[0].id == 99, "the next packet after them is taken");
	/* 1 + 20: still consumed and answered (netback's threshold is on the
	 * follow-on slots read, 20); 1 + 21: fatal */
	reset(0);
	req(0, 0, 21 * 100, NETTXF_more_data);
	for (i = 1; i <= 20; i++)
		req((uint16_t)i, 0, 100, i < 20 ? NETTXF_more_data : 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_ERROR && p.consumed == 21, "21 slots: consumed, answered ERROR");
	reset(0);
	req(0, 0, 22 * 100, NETTXF_more_data);
	for (i = 1; i <= 21; i++)
		req((uint16_t)i, 0, 100, i < 21 ? NETTXF_more_data : 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_FATAL && p.consumed == 0, "22 slots: fatal (%s)", p.why);
	/* a frame of 64 KiB or more: the first slot's 16-bit size wrapped */
	reset(0);
	req(0, 0, (uint16_t)(65536 + 100 - 65536), NETTXF_more_data); /* 65636 sent as 100 */
	for (i = 1; i <= 16; i++)
		req((uint16_t)i, 0, 4096, i < 16 ? NETTXF_more_data : 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_ERROR && p.consumed == 17 && p.nerr == 17,
	       "a 64 KiB+ frame (slots larger than the size left): consumed, answered ERROR (%s)", p.why);
	reset(0);
	prod = size + 1;
	p = parse(0);
	tap_ok(p.verdict == NET_TX_FATAL && p.consumed == 0, "req_prod a ring and one ahead: fatal (%s)", p.why);
}

static void test_extras(void)
{
	struct net_tx_pkt p;

	reset(0);
	req(1, 0, 3000, NETTXF_extra_info | NETTXF_more_data);
	extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	req(2, 0, 1000, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_OK && p.nextra == 1 && p.nslot == 2 && p.consumed == 3 &&
		       p.extra[XEN_NETIF_EXTRA_TYPE_GSO - 1].u.gso.size == 1448 && p.slot[0].size == 2000,
	       "a GSO packet: its extra, two data slots, three consumed");
	reset(0);
	req(1, 0, 100, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
	tap_eq(parse(0).verdict, NET_TX_FATAL, "GSO size 0: fatal");
	reset(0);
	req(1, 0, 100, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, 7);
	tap_eq(parse(0).verdict, NET_TX_FATAL, "GSO type 7: fatal");
	reset(0);
	req(1, 0, 100, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_NONE, 0, 0, 0);
	tap_eq(parse(0).verdict, NET_TX_FATAL, "extra type 0: fatal");
	reset(0);
	req(1, 0, 100, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_MAX, 0, 0, 0);
	tap_eq(parse(0).verdict, NET_TX_FATAL, "extra type 5: fatal");
	reset(0);
	req(1, 0, 100, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE, 0, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_FATAL && p.consumed == 0, "an extra chain past req_prod: fatal (%s)", p.why);
	reset(0);
	req(1, 0, 100, NETTXF_extra_info);
	extra(XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE, 0, 0);
	extra(XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV6);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_OK && p.nextra == 2 && p.consumed == 3, "two chained extras: a packet");
	reset(0);
	req(1, 0, 100, NETTXF_extra_info | NETTXF_more_data);
	extra(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0, 0, 0);
	req(2, 0, 50, 0);
	p = parse(0);
	tap_ok(p.verdict == NET_TX_ERROR && p.consumed == 2 && p.nerr == 1 && p.nextra == 1,
	       "a multicast add: ERROR, the request and its extra consumed, not its data slot (%s)", p.why);
}

int main(void)
{
	test_plain();
	test_chains();
	test_extras();
	return tap_done();
}
