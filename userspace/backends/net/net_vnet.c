/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netif's offload flags and GSO extra against the virtio_net_hdr a tap
 * opened with IFF_VNET_HDR takes and gives (little-endian, as on x86).
 * netif carries no checksum position: for a frame the frontend sent with
 * NETTXF_csum_blank (or as GSO) the start and offset are found in its
 * headers, as netback's checksum setup does: Ethernet (one 802.1Q tag),
 * IPv4 (not a fragment) or IPv6 (hop-by-hop, routing, destination options,
 * AH and an unfragmented fragment header skipped), TCP or UDP. A frame
 * whose headers say otherwise, or that are cut short, is dropped, as
 * netback drops it ("Can't setup checksum"); the vif goes on.
 */
#include <string.h>

#include <linux/if_ether.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>

#include "net.h"

static unsigned int be16(const uint8_t *h)
{
	return (unsigned int)h[0] << 8 | h[1];
}

/* The L4 header's offset and protocol in the n bytes at h; -1 with *why. */
static int l4_find(const uint8_t *h, size_t n, unsigned int *l4, unsigned int *proto, bool *v6,
		   const char **why)
{
	unsigned int l3 = NET_ETH_HLEN, type, off, next, hops;

	if (n < NET_ETH_HLEN) {
		*why = "a frame shorter than an Ethernet header";
		return -1;
	}
	type = be16(h + 12);
	if (type == ETH_P_8021Q) {
		if (n < l3 + 4) {
			*why = "a VLAN header cut short";
			return -1;
		}
		type = be16(h + 16);
		l3 += 4;
	}
	if (type == ETH_P_IP) {
		unsigned int ihl;

		if (n < l3 + 20 || (h[l3] >> 4) != 4 || (ihl = (h[l3] & 0xfu) * 4) < 20 || n < l3 + ihl) {
			*why = "an IPv4 header cut short or malformed";
			return -1;
		}
		if (be16(h + l3 + 6) & 0x3fff) {
			*why = "checksum offload of an IPv4 fragment";
			return -1;
		}
		*proto = h[l3 + 9];
		*l4 = l3 + ihl;
		*v6 = false;
		return 0;
	}
	if (type != ETH_P_IPV6) {
		*why = "checksum offload of a frame that is not IP";
		return -1;
	}
	if (n < l3 + 40 || (h[l3] >> 4) != 6) {
		*why = "an IPv6 header cut short or malformed";
		return -1;
	}
	next = h[l3 + 6];
	off = l3 + 40;
	for (hops = 0; hops < 8; hops++) {
		unsigned int len;

		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
		    next != IPPROTO_AH && next != IPPROTO_FRAGMENT)
			break;
		if (n < off + 8) {
			*why = "an IPv6 extension header cut short";
			return -1;
		}
		if (next == IPPROTO_FRAGMENT) { /* only an unfragmented one */
			if ((be16(h + off + 2) & 0xfff9) != 0) {
				*why = "checksum offload of an IPv6 fragment";
				return -1;
			}
			len = 8;
		} else if (next == IPPROTO_AH) {
			len = ((unsigned int)h[off + 1] + 2) * 4;
		} else {
			len = ((unsigned int)h[off + 1] + 1) * 8;
		}
		next = h[off];
		off += len;
	}
	if (hops == 8 || n < off) {
		*why = "too many or cut-short IPv6 extension headers";
		return -1;
	}
	*proto = next;
	*l4 = off;
	*v6 = true;
	return 0;
}

int net_vnet_from_tx(const struct net_tx_pkt *p, const uint8_t *h, size_t n, struct virtio_net_hdr *vh,
		     const char **why)
{
	const struct netif_extra_info *gso = &p->extra[XEN_NETIF_EXTRA_TYPE_GSO - 1];
	unsigned int l4 = 0, proto = 0;
	bool v6 = false;

	memset(vh, 0, sizeof(*vh));
	vh->gso_type = VIRTIO_NET_HDR_GSO_NONE;
	if (!(p->slot[0].flags & NETTXF_csum_blank) && !gso->type) {
		if (p->slot[0].flags & NETTXF_data_validated)
			vh->flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return 0;
	}
	if (l4_find(h, n, &l4, &proto, &v6, why) < 0)
		return -1;
	if (proto == IPPROTO_TCP) {
		if (n < l4 + 20) {
			*why = "a TCP header cut short";
			return -1;
		}
		vh->csum_offset = 16;
	} else if (proto == IPPROTO_UDP && !gso->type) {
		if (n < l4 + 8) {
			*why = "a UDP header cut short";
			return -1;
		}
		vh->csum_offset = 6;
	} else {
		*why = gso->type ? "GSO of a frame that is not TCP" : "checksum offload of a frame that is not TCP or UDP";
		return -1;
	}
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)l4;
	if (gso->type) {
		unsigned int doff = (h[l4 + 12] >> 4) * 4u;

		if ((gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4) == v6) {
			*why = "a GSO type that does not match the IP version";
			return -1;
		}
		if (doff < 20 || n < l4 + doff) {
			*why = "a TCP header cut short or malformed";
			return -1;
		}
		vh->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = gso->u.gso.size;
		vh->hdr_len = (uint16_t)(l4 + doff);
	}
	return 0;
}

int net_vnet_to_rx(const struct virtio_net_hdr *vh, bool gso_ok, uint16_t *flags, struct netif_extra_info *gso)
{
	*flags = 0;
	memset(gso, 0, sizeof(*gso));
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		*flags |= NETRXF_csum_blank | NETRXF_data_validated;
	else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		*flags |= NETRXF_data_validated;
	switch (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		gso->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		gso->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV6;
		break;
	default:
		return -1; /* UDP and the rest: never enabled on the tap */
	}
	if (!gso_ok || !vh->gso_size)
		return -1;
	gso->type = XEN_NETIF_EXTRA_TYPE_GSO;
	gso->u.gso.size = vh->gso_size;
	*flags |= NETRXF_extra_info;
	return 0;
}
