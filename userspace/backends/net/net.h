/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network backend's building blocks (netif, xen/io/netif.h): the tx
 * side's request parser (net_tx_parse.c), netback's rules for what a
 * frontend may put on the tx ring; the offload headers between netif and a
 * tap's virtio_net_hdr (net_vnet.c); the tap and its link (net_tap.c).
 * The vif type built from them: net_vif.h.
 */
#ifndef XENBACK_NET_H
#define XENBACK_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Barriers for xen/io/ring.h (its xen_mb() and friends expand to these):
 * on x86 only mb() needs a real fence. */
#ifndef mb
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/netif.h>

#define NET_PAGE 4096u
#define NET_ETH_HLEN 14u
/* Slots after the first that one packet may use: more are answered with
 * errors (netback's XEN_NETBK_LEGACY_SLOTS_MAX); a chain asking for more
 * than NET_TX_FATAL_SLOTS disables the vif (netback's fatal_skb_slots
 * default). */
#define NET_TX_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN
#define NET_TX_FATAL_SLOTS 20u

enum net_tx_verdict {
	NET_TX_NONE,  /* no request to take */
	NET_TX_OK,    /* a packet: slot[0..nslot) and its extras */
	NET_TX_ERROR, /* consumed: every slot answered ERROR, the vif goes on */
	NET_TX_FATAL, /* the frontend broke the protocol: disable the vif */
};

/* One packet at the head of the tx ring, every slot copied out once. */
struct net_tx_pkt {
	enum net_tx_verdict verdict;
	const char *why;              /* ERROR and FATAL: what was wrong */
	netif_tx_request_t slot[1 + NET_TX_MAX_SLOTS]; /* slot[0].size: its own bytes */
	unsigned int nslot;           /* data slots (first included) */
	uint32_t len;                 /* the frame's length (the first slot's size as sent) */
	unsigned int nextra;          /* extra-info slots after the first (answered NULL) */
	/* by type - 1; type 0 if absent */
	struct netif_extra_info extra[XEN_NETIF_EXTRA_TYPE_MAX - 1];
	/* ERROR: the ids of every data slot consumed, in ring order */
	uint16_t err_id[1 + NET_TX_FATAL_SLOTS];
	unsigned int nerr;
	unsigned int consumed;        /* ring slots taken (req_cons moves by this) */
};

/* The packet at cons of the tx ring s (size slots), with requests up to
 * prod (read by the caller, after its read barrier). Nothing is consumed
 * by NONE and FATAL. The caller answers every slot consumed, in ring
 * order as netback does: an ERROR's err_id[0], then nextra
 * XEN_NETIF_RSP_NULL, then err_id[1..nerr); an OK packet's the same way
 * once its data is copied. */
void net_tx_parse(const netif_tx_sring_t *s, unsigned int size, RING_IDX cons, RING_IDX prod,
		  struct net_tx_pkt *p);

struct virtio_net_hdr;
/* net_vnet.c: the virtio_net_hdr to write to the tap before a tx packet
 * whose first n bytes (its headers, gathered across slots) are h: 0, or
 * -1 and why (the packet is dropped, answered ERROR; the vif goes on). */
int net_vnet_from_tx(const struct net_tx_pkt *p, const uint8_t *h, size_t n, struct virtio_net_hdr *vh,
		     const char **why);
/* The netif rx flags and GSO extra (type 0 if none) for a frame the tap
 * gave with vh; gso_ok: the frontend negotiated GSO. -1: a frame the
 * frontend cannot take (drop it). */
int net_vnet_to_rx(const struct virtio_net_hdr *vh, bool gso_ok, uint16_t *flags, struct netif_extra_info *gso);

/* net_tap.c: the vif's tap, name (vifname, or vif<domid>.<devid>), one
 * file per queue into fds (non-blocking, close-on-exec, virtio_net_hdr
 * before each frame); 0 or -errno. Closing every file removes it. */
#define NET_MAX_QUEUES 8
int net_tap_open(const char *name, unsigned int nq, int *fds);
/* The tap's carrier (TUNSETCARRIER): on while the frontend is connected. */
int net_tap_carrier(int fd, bool on);
/* The tap's offloads (TUNSETOFFLOAD): what the frontend negotiated (csum:
 * it takes partial checksums; tso4/tso6: GSO, only with csum). */
int net_tap_offload(int fd, bool csum, bool tso4, bool tso6);
/* An XENBACK_NET_* environment switch set to "0" (the paths it names are
 * on unless turned off). */
static inline bool net_knob_off(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "0");
}
/* net_rps.c: each of the tap's first nq rx queues steered (RPS) over the
 * CPUs this process may use, where its rps_cpus is empty; sysfs: where
 * sysfs is (NULL: /sys). The number of queues set, or -errno. */
int net_tap_rps(const char *name, unsigned int nq, const char *sysfs);
/* The link called name (libnl-route): renamed to newname (NULL: kept;
 * taken down for it), its MTU (0: kept), up (1), down (0) or as it is
 * (NET_LINK_KEEP). 0 or -errno. */
#define NET_LINK_KEEP (-1)
int net_link_set(const char *name, const char *newname, unsigned int mtu, int up);

#endif
