/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netif offloads against the tap's virtio_net_hdr (userspace/backends/net/
 * net_vnet.c), byte for byte: tx checksum positions found in IPv4, VLAN,
 * IPv6 with extension headers, TCP and UDP headers; GSO's type, size and
 * header length; refusals for fragments, non-IP, other protocols, cut-short
 * and malformed headers, a GSO type against the IP version; rx flags and
 * the GSO extra from a tap's header. */
#include <string.h>

#include <linux/virtio_net.h>

#include "tap.h"
#include "userspace/backends/net/net.h"

static uint8_t f[256];

static size_t eth(uint16_t type, bool vlan)
{
	memset(f, 0, sizeof(f));
	memset(f, 0xaa, 12);
	if (vlan) {
		f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x05;
		f[16] = (uint8_t)(type >> 8), f[17] = (uint8_t)type;
		return 18;
	}
	f[12] = (uint8_t)(type >> 8), f[13] = (uint8_t)type;
	return 14;
}

/* IPv4 header (ihl words) at off, protocol proto; returns the L4 offset. */
static size_t ip4(size_t off, unsigned int ihl, uint8_t proto, uint16_t frag)
{
	f[off] = (uint8_t)(0x40 | ihl);
	f[off + 6] = (uint8_t)(frag >> 8), f[off + 7] = (uint8_t)frag;
	f[off + 8] = 64;
	f[off + 9] = proto;
	return off + ihl * 4;
}

static size_t ip6(size_t off, uint8_t next)
{
	f[off] = 0x60;
	f[off + 6] = next;
	f[off + 7] = 64;
	return off + 40;
}

static size_t tcp(size_t off, unsigned int doff)
{
	f[off + 12] = (uint8_t)(doff << 4);
	return off + doff * 4;
}

static struct net_tx_pkt pkt(uint16_t flags, uint16_t gso_type, uint16_t gso_size)
{
	struct net_tx_pkt p;

	memset(&p, 0, sizeof(p));
	p.slot[0].flags = flags;
	if (gso_type) {
		p.extra[XEN_NETIF_EXTRA_TYPE_GSO - 1].type = XEN_NETIF_EXTRA_TYPE_GSO;
		p.extra[XEN_NETIF_EXTRA_TYPE_GSO - 1].u.gso.type = (uint8_t)gso_type;
		p.extra[XEN_NETIF_EXTRA_TYPE_GSO - 1].u.gso.size = gso_size;
	}
	return p;
}

static bool hdr_is(const struct virtio_net_hdr *v, uint8_t flags, uint8_t gso_type, uint16_t hdr_len,
		   uint16_t gso_size, uint16_t start, uint16_t offset)
{
	struct virtio_net_hdr w = { .flags = flags, .gso_type = gso_type, .hdr_len = hdr_len,
				    .gso_size = gso_size, .csum_start = start, .csum_offset = offset };

	return !memcmp(v, &w, sizeof(w));
}

static void test_tx(void)
{
	struct virtio_net_hdr v;
	struct net_tx_pkt p;
	const char *why = NULL;
	size_t l4;

	p = pkt(0, 0, 0);
	eth(0x0800, false);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) == 0 && hdr_is(&v, 0, 0, 0, 0, 0, 0),
	       "no offload: an all-zero header");
	p = pkt(NETTXF_data_validated, 0, 0);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) == 0 &&
		       hdr_is(&v, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0),
	       "data_validated: DATA_VALID");
	p = pkt(NETTXF_csum_blank, 0, 0);
	l4 = ip4(eth(0x0800, false), 5, 6, 0x4000 /* DF */);
	tcp(l4, 5);
	tap_ok(net_vnet_from_tx(&p, f, 54, &v, &why) == 0 &&
		       hdr_is(&v, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16),
	       "IPv4 TCP, csum_blank: NEEDS_CSUM from 34, offset 16");
	l4 = ip4(eth(0x0800, true), 6, 17, 0);
	tap_ok(net_vnet_from_tx(&p, f, l4 + 8, &v, &why) == 0 &&
		       hdr_is(&v, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 42, 6),
	       "VLAN, IPv4 with options, UDP: from 42, offset 6");
	l4 = ip6(eth(0x86dd, false), 0 /* hop-by-hop */);
	f[l4] = 60, f[l4 + 1] = 0;          /* 8 bytes, then destination options */
	f[l4 + 8] = 44, f[l4 + 9] = 1;      /* 16 bytes, then fragment */
	f[l4 + 24] = 6;                      /* an unfragmented fragment header, then TCP */
	tcp(l4 + 32, 8);
	tap_ok(net_vnet_from_tx(&p, f, l4 + 32 + 32, &v, &why) == 0 &&
		       hdr_is(&v, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 54 + 32, 16),
	       "IPv6, hop-by-hop + destination options + fragment headers, TCP: from 86");
	f[l4 + 26] = 0x01;                   /* offset 32: a real fragment */
	tap_ok(net_vnet_from_tx(&p, f, 200, &v, &why) < 0, "an IPv6 fragment: refused (%s)", why);
	l4 = ip4(eth(0x0800, false), 5, 6, 0x2000 /* MF */);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) < 0, "an IPv4 fragment: refused (%s)", why);
	ip4(eth(0x0800, false), 5, 1 /* ICMP */, 0);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) < 0, "ICMP with csum_blank: refused (%s)", why);
	eth(0x0806, false);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) < 0, "ARP with csum_blank: refused (%s)", why);
	l4 = ip4(eth(0x0800, false), 5, 6, 0);
	tap_ok(net_vnet_from_tx(&p, f, l4 + 10, &v, &why) < 0, "a TCP header cut short: refused (%s)", why);
	ip4(eth(0x0800, false), 4, 6, 0);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) < 0, "IPv4 ihl 4: refused (%s)", why);
	tap_ok(net_vnet_from_tx(&p, f, 13, &v, &why) < 0, "13 bytes: refused (%s)", why);
	l4 = ip6(eth(0x86dd, false), 0);
	for (size_t k = 0; k < 9; k++)
		f[l4 + 8 * k] = 0; /* hop-by-hop forever */
	tap_ok(net_vnet_from_tx(&p, f, 200, &v, &why) < 0, "nine extension headers: refused (%s)", why);
}

static void test_gso(void)
{
	struct virtio_net_hdr v;
	struct net_tx_pkt p;
	const char *why = NULL;
	size_t l4;

	p = pkt(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1448);
	l4 = ip4(eth(0x0800, false), 5, 6, 0x4000);
	tcp(l4, 8); /* 32-byte TCP header (timestamps) */
	tap_ok(net_vnet_from_tx(&p, f, 66, &v, &why) == 0 &&
		       hdr_is(&v, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 66, 1448, 34, 16),
	       "GSO TCPv4, mss 1448: TCPV4, hdr_len 66, gso_size 1448, NEEDS_CSUM from 34");
	p = pkt(0, XEN_NETIF_GSO_TYPE_TCPV6, 1428);
	l4 = ip6(eth(0x86dd, false), 6);
	tcp(l4, 5);
	tap_ok(net_vnet_from_tx(&p, f, 74, &v, &why) == 0 &&
		       hdr_is(&v, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 74, 1428, 54, 16),
	       "GSO TCPv6 without csum_blank: still NEEDS_CSUM (GSO needs it), hdr_len 74");
	p = pkt(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1428);
	tap_ok(net_vnet_from_tx(&p, f, 74, &v, &why) < 0, "GSO TCPv4 on an IPv6 frame: refused (%s)", why);
	p = pkt(NETTXF_csum_blank, XEN_NETIF_GSO_TYPE_TCPV4, 1448);
	l4 = ip4(eth(0x0800, false), 5, 17, 0);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) < 0, "GSO of UDP: refused (%s)", why);
	l4 = ip4(eth(0x0800, false), 5, 6, 0);
	tcp(l4, 2);
	tap_ok(net_vnet_from_tx(&p, f, 60, &v, &why) < 0, "GSO with TCP doff 2: refused (%s)", why);
}

static void test_rx(void)
{
	struct virtio_net_hdr v = { 0 };
	struct netif_extra_info x;
	uint16_t fl;

	tap_ok(net_vnet_to_rx(&v, true, &fl, &x) == 0 && fl == 0 && x.type == 0, "no offload: no flags");
	v.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	tap_ok(net_vnet_to_rx(&v, true, &fl, &x) == 0 && fl == NETRXF_data_validated, "DATA_VALID: data_validated");
	v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	tap_ok(net_vnet_to_rx(&v, true, &fl, &x) == 0 && fl == (NETRXF_csum_blank | NETRXF_data_validated),
	       "NEEDS_CSUM: csum_blank | data_validated");
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN;
	v.gso_size = 1428;
	tap_ok(net_vnet_to_rx(&v, true, &fl, &x) == 0 && (fl & NETRXF_extra_info) &&
		       x.type == XEN_NETIF_EXTRA_TYPE_GSO && x.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 &&
		       x.u.gso.size == 1428 && x.flags == 0,
	       "TCPv6 GSO (ECN): extra_info, a GSO extra of TCPv6 and 1428");
	tap_ok(net_vnet_to_rx(&v, false, &fl, &x) < 0, "... to a frontend without GSO: dropped");
	v.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	tap_ok(net_vnet_to_rx(&v, true, &fl, &x) < 0, "UDP GSO: dropped");
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	v.gso_size = 0;
	tap_ok(net_vnet_to_rx(&v, true, &fl, &x) < 0, "GSO of size 0: dropped");
}

int main(void)
{
	test_tx();
	test_gso();
	test_rx();
	return tap_done();
}
