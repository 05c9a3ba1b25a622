/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vif backend (userspace/backends/net/) against a simulated netfront,
 * its taps real ones in a network namespace of the test's own (root;
 * skipped without): the tap made before InitWait with netback's features,
 * Connected only after the hotplug script; frames both ways byte for byte
 * (one slot, several, zero-length slots, 9000-byte frames, TCP GSO with
 * partial checksums both ways); rx waiting for buffers and bounded while
 * the frontend posts none; netback's tx rules (20 slots, a short first
 * slot, slots past the frame's size: ERROR and the vif goes on; a slot
 * crossing its page, req_prod past the ring, an unknown or missing extra,
 * 22 slots: that vif alone disabled, its tap gone, the other vif
 * unaffected); events with nothing to do re-armed as spurious (XSA-332);
 * rx's req_prod overrun; two queues with split channels; the
 * rate key; a frontend without rx-copy; vifname; a handover to the next
 * process (the tap persists, the rings are taken over); teardown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/netfront.h"
#include "helpers/pktsock.h"
#include "userspace/backends/net/net_backend.h"

static struct xbt t;
static uint8_t out[70000], in[70000];

#define BE "/local/domain/0/backend/vif/%u/%u"

static void frame(uint8_t *f, size_t n, uint8_t tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		f[i] = (uint8_t)(tag + i * 7);
	memcpy(f, "\x02\x00\x00\x00\x00\x05", 6);      /* the guest */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);  /* the host */
	f[12] = 0x88, f[13] = 0xb5;                    /* local experimental ethertype */
}

/* An Ethernet + IPv4 + TCP frame of n bytes; the TCP checksum field holds
 * what a partial checksum leaves there (any value: it is carried). */
static void tcp_frame(uint8_t *f, size_t n, uint8_t tag)
{
	frame(f, n, tag);
	f[12] = 0x08, f[13] = 0x00;
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	f[16] = (uint8_t)((n - 14) >> 8), f[17] = (uint8_t)(n - 14);
	f[22] = 64, f[23] = 6;
	memcpy(f + 26, "\x0a\x00\x00\x05\x0a\x00\x00\x01", 8);
	f[34] = 0x30, f[35] = 0x39, f[36] = 0x00, f[37] = 0x50;
	f[46] = 0x50; /* data offset 5 */
	f[47] = 0x18;
	f[48] = 0xff, f[49] = 0xff;
	f[50] = 0x12, f[51] = 0x34; /* "checksum" */
}

static unsigned int ifindex(const char *name)
{
	return if_nametoindex(name);
}

static bool link_up(const char *name)
{
	return net_link_set(name, NULL, 0, true) == 0;
}

static int ifreq_get(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	r = s < 0 ? -1 : ioctl(s, req, ifr);
	if (s >= 0)
		close(s);
	return r;
}

/* The next frame on ps that is not the kernel's own chatter. */
static ssize_t host_recv(int ps, uint8_t *buf, size_t n)
{
	ssize_t r;
	int i;

	for (i = 0; i < 20; i++) {
		r = pkt_recv(ps, buf, n, 1000);
		if (r < 14 || (buf[12] == 0x88 && buf[13] == 0xb5) || (buf[12] == 0x08 && buf[13] == 0x00))
			return r;
	}
	return -1;
}

static void run(struct snet *n, unsigned int ms)
{
	snet_run(n, ms);
}

static void test_create(struct snet *n)
{
	const char *extra[] = { "mac=00:16:3e:00:00:05", "bridge=xenbr0", "handle=0", "type=vif", "mtu=9000",
				"script=/etc/xen/scripts/vif-bridge", NULL };
	struct ifreq ifr;
	long st = snet_attach(n, &t, 5, 0, 1, false, extra);
	int mtu;

	tap_eq(st, XENBACK_STATE_INITWAIT, "vif 5/0: InitWait");
	tap_ok(ifindex("vif5.0") > 0, "its tap vif5.0 exists when InitWait is written (the script needs it)");
	tap_ok(ifreq_get("vif5.0", SIOCGIFHWADDR, &ifr) == 0 &&
		       !memcmp(ifr.ifr_hwaddr.sa_data, "\xfe\xff\xff\xff\xff\xff", 6),
	       "the tap has netback's address fe:ff:ff:ff:ff:ff");
	mtu = ifreq_get("vif5.0", SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : -1;
	tap_eq(mtu, 9000, "and the node's mtu");
	tap_eq(xenback_sim_read_int(t.sim, xbt_path(BE "/feature-rx-copy", 5, 0)), 1, "feature-rx-copy=1");
	tap_eq(xenback_sim_read_int(t.sim, xbt_path(BE "/feature-rx-flip", 5, 0)), 0, "feature-rx-flip=0");
	tap_ok(xenback_sim_read_int(t.sim, xbt_path(BE "/feature-sg", 5, 0)) == 1 &&
		       xenback_sim_read_int(t.sim, xbt_path(BE "/feature-gso-tcpv4", 5, 0)) == 1 &&
		       xenback_sim_read_int(t.sim, xbt_path(BE "/feature-gso-tcpv6", 5, 0)) == 1 &&
		       xenback_sim_read_int(t.sim, xbt_path(BE "/feature-ipv6-csum-offload", 5, 0)) == 1 &&
		       xenback_sim_read_int(t.sim, xbt_path(BE "/feature-split-event-channels", 5, 0)) == 1,
	       "feature-sg, -gso-tcpv4/6, -ipv6-csum-offload, -split-event-channels");
	tap_eq(xenback_sim_read_int(t.sim, xbt_path(BE "/multi-queue-max-queues", 5, 0)), NET_MAX_QUEUES,
	       "multi-queue-max-queues=%u", NET_MAX_QUEUES);
	snet_connect(n);
	tap_eq(xbt_be_state(&t, "vif", 5, 0), XENBACK_STATE_INITWAIT,
	       "the frontend Connected, no hotplug-status yet: still InitWait");
	snet_hotplug(n);
	tap_eq(xbt_be_state(&t, "vif", 5, 0), XENBACK_STATE_CONNECTED, "hotplug-status=connected: Connected");
	tap_ok(link_up("vif5.0"), "the script's part: the link up");
}

static void test_tx(struct snet *n, int ps)
{
	int16_t st[32];
	unsigned int used;
	ssize_t r;

	frame(out, 1000, 1);
	snet_tx_frame(n, 0, out, 1000, 4096, 0, 0, 0);
	snet_tx_push(n, 0);
	tap_eq(snet_tx_wait(n, 0, 1, st), 1, "tx: one slot answered");
	tap_eq(st[0], NETIF_RSP_OKAY, "  OKAY");
	r = host_recv(ps, in, sizeof(in));
	tap_ok(r == 1000 && !memcmp(in, out, 1000), "  the host receives the 1000-byte frame as sent (%zd)", r);

	frame(out, 9000, 2);
	used = snet_tx_frame(n, 0, out, 9000, 4096, 0, 0, 0);
	snet_tx_push(n, 0);
	tap_eq(snet_tx_wait(n, 0, used, st), used, "tx: a 9000-byte frame in %u slots, every slot answered", used);
	tap_ok(st[0] == NETIF_RSP_OKAY && st[1] == NETIF_RSP_OKAY && st[2] == NETIF_RSP_OKAY, "  OKAY each");
	r = host_recv(ps, in, sizeof(in));
	tap_ok(r == 9000 && !memcmp(in, out, 9000), "  the host receives it whole (%zd)", r);

	/* slots of 100 bytes at odd offsets, a zero-length one between */
	{
		netif_tx_request_t a = { .gref = n->q[0].txb_ref[200], .offset = 0, .flags = NETTXF_more_data,
					 .id = 200, .size = 300 };
		netif_tx_request_t b = { .gref = n->q[0].txb_ref[201], .offset = 0, .flags = NETTXF_more_data,
					 .id = 201, .size = 0 };
		netif_tx_request_t c = { .gref = n->q[0].txb_ref[202], .offset = 4000, .flags = 0, .id = 202,
					 .size = 96 };

		frame(out, 300, 3);
		memcpy(n->q[0].txb[200], out, 204);
		memcpy((uint8_t *)n->q[0].txb[202] + 4000, out + 204, 96);
		snet_tx_raw(n, 0, &a);
		snet_tx_raw(n, 0, &b);
		snet_tx_raw(n, 0, &c);
		snet_tx_push(n, 0);
		tap_eq(snet_tx_wait(n, 0, 3, st), 3, "tx: 204 + 0 + 96 bytes (the last at offset 4000): 3 answers");
		tap_ok(st[0] == 0 && st[1] == 0 && st[2] == 0, "  OKAY each (the empty slot too, no grant op)");
		r = host_recv(ps, in, sizeof(in));
		tap_ok(r == 300 && !memcmp(in, out, 300), "  the host receives the 300 bytes (%zd)", r);
	}
	/* a first slot shorter than an Ethernet header: ERROR, the vif goes on */
	{
		netif_tx_request_t a = { .gref = n->q[0].txb_ref[203], .offset = 0, .id = 203, .size = 10 };

		snet_tx_raw(n, 0, &a);
		snet_tx_push(n, 0);
		tap_eq(snet_tx_wait(n, 0, 1, st), 1, "tx: a 10-byte frame answered");
		tap_eq(st[0], NETIF_RSP_ERROR, "  ERROR");
	}
	/* 20 slots (19 follow-ons, more than 18: consumed, every slot ERROR) */
	frame(out, 2000, 6);
	used = snet_tx_frame(n, 0, out, 2000, 100, 0, 0, 0);
	snet_tx_push(n, 0);
	tap_ok(used == 20 && snet_tx_wait(n, 0, used, st) == used && st[0] == NETIF_RSP_ERROR &&
		       st[19] == NETIF_RSP_ERROR,
	       "tx: a packet of 20 slots: all 20 answered ERROR (%u)", used);
	/* a follow-on slot larger than what the first says is left (a frame of
	 * 64 KiB or more): ERROR */
	{
		netif_tx_request_t a = { .gref = n->q[0].txb_ref[204], .offset = 0, .flags = NETTXF_more_data,
					 .id = 204, .size = 1000 };
		netif_tx_request_t b = { .gref = n->q[0].txb_ref[205], .offset = 0, .id = 205, .size = 4000 };

		snet_tx_raw(n, 0, &a);
		snet_tx_raw(n, 0, &b);
		snet_tx_push(n, 0);
		tap_ok(snet_tx_wait(n, 0, 2, st) == 2 && st[0] == NETIF_RSP_ERROR && st[1] == NETIF_RSP_ERROR,
		       "tx: slots adding up past the frame's size (64 KiB or more): both ERROR");
	}
	/* events with nothing on the ring: re-armed as spurious (XSA-332) */
	{
		uint64_t sp = xenback_sim_evtchn_spurious(t.sim);
		unsigned int i;

		for (i = 0; i < 50; i++) {
			xenback_sim_evtchn_notify(t.sim, n->domid, n->q[0].tx_port);
			xenback_bus_run_once(t.bus, 0);
		}
		tap_ok(xenback_sim_evtchn_spurious(t.sim) - sp >= 45,
		       "tx: 50 events with an empty ring: re-armed spurious (%llu)",
		       (unsigned long long)(xenback_sim_evtchn_spurious(t.sim) - sp));
	}
	tcp_frame(out, 5000, 4);
	used = snet_tx_frame(n, 0, out, 5000, 4096, NETTXF_csum_blank | NETTXF_data_validated, 1448,
			     XEN_NETIF_GSO_TYPE_TCPV4);
	snet_tx_push(n, 0);
	tap_eq(snet_tx_wait(n, 0, used, st), used, "tx: a 5000-byte TCP GSO frame (size 1448, partial checksum): "
						  "%u answers", used);
	tap_ok(st[0] == 0 && st[1] == NETIF_RSP_NULL && st[2] == 0, "  OKAY, NULL for the extra, OKAY");
	r = host_recv(ps, in, sizeof(in));
	tap_ok(r == 5000 && !memcmp(in, out, 5000), "  the host receives it as one GSO frame, bytes as sent (%zd)",
	       r);
	/* a frame whose grant copy fails: ERROR, nothing reaches the host */
	frame(out, 300, 7);
	xenback_sim_fail_grant_copy_segment(t.sim, 0, -4 /* GNTST_bad_gntref */);
	snet_tx_frame(n, 0, out, 300, 4096, 0, 0, 0);
	snet_tx_push(n, 0);
	tap_ok(snet_tx_wait(n, 0, 1, st) == 1 && st[0] == NETIF_RSP_ERROR,
	       "tx: a frame whose grant copy failed: ERROR");
	/* a partial checksum on a frame that is not IP (its ethertype 0x88b5):
	 * no place for the checksum, ERROR (netback: "Can't setup checksum") */
	frame(out, 200, 8);
	snet_tx_frame(n, 0, out, 200, 4096, NETTXF_csum_blank | NETTXF_data_validated, 0, 0);
	snet_tx_push(n, 0);
	tap_ok(snet_tx_wait(n, 0, 1, st) == 1 && st[0] == NETIF_RSP_ERROR,
	       "tx: a partial checksum on a frame that is not IP: ERROR");
	frame(out, 60, 5);
	snet_tx_frame(n, 0, out, 60, 4096, 0, 0, 0);
	snet_tx_push(n, 0);
	tap_ok(snet_tx_wait(n, 0, 1, st) == 1 && st[0] == 0 && host_recv(ps, in, sizeof(in)) == 60 &&
		       !memcmp(in, out, 60),
	       "tx: after the ERRORs the vif goes on: a 60-byte frame goes through (nothing else came)");
}

static void test_rx(struct snet *n, int ps, int psv)
{
	struct netif_extra_info gso;
	unsigned int slots, i, got;
	uint16_t flags;
	int len;

	snet_rx_post(n, 0, 16);
	run(n, 20);
	frame(out, 60, 9);
	tap_eq(send(ps, out, 60, 0), 60, "rx: the host sends 60 bytes");
	len = snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots);
	tap_ok(len == 60 && !memcmp(in, out, 60), "  the guest's buffer holds them (%d)", len);
	tap_ok(slots == 1 && !(flags & NETRXF_more_data) && !gso.type, "  one slot, no more_data, no extra");

	frame(out, 9000, 10);
	tap_eq(send(ps, out, 9000, 0), 9000, "rx: the host sends 9000 bytes");
	len = snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots);
	tap_ok(len == 9000 && !memcmp(in, out, 9000), "  the guest gets them whole (%d)", len);
	tap_ok(slots == 3 && (flags & NETRXF_more_data), "  in 3 slots, more_data on the first (%u, %#x)", slots,
	       flags);

	/* GSO from the host: a 6000-byte TCP frame with a partial checksum */
	{
		struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54,
					     .gso_size = 1448, .csum_start = 34, .csum_offset = 16 };
		static uint8_t buf[7000];

		tcp_frame(out, 6000, 11);
		memcpy(buf, &vh, sizeof(vh));
		memcpy(buf + sizeof(vh), out, 6000);
		tap_eq(send(psv, buf, sizeof(vh) + 6000, 0), (ssize_t)(sizeof(vh) + 6000),
		       "rx: the host sends a 6000-byte TCP GSO frame (size 1448, partial checksum)");
		len = snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots);
		tap_ok(len == 6000 && !memcmp(in, out, 6000), "  the guest gets it as one frame, bytes as sent (%d)",
		       len);
		tap_ok((flags & (NETRXF_csum_blank | NETRXF_data_validated | NETRXF_extra_info)) ==
			       (NETRXF_csum_blank | NETRXF_data_validated | NETRXF_extra_info),
		       "  csum_blank, data_validated, extra_info on its first slot (%#x)", flags);
		tap_ok(gso.type == XEN_NETIF_EXTRA_TYPE_GSO && gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 &&
			       gso.u.gso.size == 1448,
		       "  a GSO extra: TCPv4, size 1448");
		tap_eq(slots, 2, "  2 data slots");
	}
	/* frames waiting for buffers, then the buffers: 7 of the 16 posted
	 * are used (1 + 3 + 2 data and the extra) */
	for (i = 0; i < 9; i++) {
		frame(out, 100, (uint8_t)(20 + i));
		send(ps, out, 100, 0);
	}
	for (got = 0; got < 9; got++) {
		frame(out, 100, (uint8_t)(20 + got));
		if (snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots) != 100 || memcmp(in, out, 100))
			break;
	}
	tap_eq(got, 9, "rx: 9 frames of 100 bytes take the 9 buffers left, in order");
	for (i = 0; i < 3; i++) {
		frame(out, 100, (uint8_t)(50 + i));
		send(ps, out, 100, 0);
	}
	run(n, 50);
	tap_eq(n->q[0].rx.sring->rsp_prod - n->q[0].rx.rsp_cons, 0, "rx: 3 more and no buffers: nothing answered");
	snet_rx_post(n, 0, 8);
	for (got = 0; got < 3; got++) {
		frame(out, 100, (uint8_t)(50 + got));
		if (snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots) != 100 || memcmp(in, out, 100))
			break;
	}
	tap_eq(got, 3, "  8 buffers posted: the 3 waiting frames arrive, in order");
#ifdef NET_VIF_TAP_RX
	/* the module copied into a buffer that failed: that frame's slots are
	 * ERROR, the next frame arrives */
	snet_rx_post(n, 0, 8);
	run(n, 20);
	xenback_sim_fail_grant_copy_segment(t.sim, 0, -4 /* GNTST_bad_gntref */);
	frame(out, 100, 70);
	send(ps, out, 100, 0);
	tap_eq(snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots), -2,
	       "rx (tap copy): a frame whose grant copy failed is answered ERROR");
	frame(out, 100, 71);
	send(ps, out, 100, 0);
	len = snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots);
	tap_ok(len == 100 && !memcmp(in, out, 100), "  the next frame arrives (%d)", len);
#endif
}

/* No buffers and 3000 frames: the kernel's queue drops, we hold one. */
static void test_rx_bounded(struct snet *n, int ps)
{
	uint64_t mem0 = xenback_bus_usage(t.bus, XENBACK_USAGE_MEM);
	struct netif_extra_info gso;
	unsigned int i, got = 0, slots;
	uint16_t flags;

	frame(out, 1000, 60);
	for (i = 0; i < 3000; i++)
		send(ps, out, 1000, MSG_DONTWAIT);
	run(n, 100);
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_MEM), mem0,
	       "rx: 3000 frames and no buffers: the daemon holds no more memory");
	/* (5 buffers were left from before); the ring filled with buffers
	 * until nothing more comes */
	for (i = 0; i < 30; i++) {
		unsigned int before = got;

		snet_rx_post(n, 0, 256 - (n->q[0].rx.req_prod_pvt - n->q[0].rx.rsp_cons));
		while (snet_rx_frame(n, 0, in, sizeof(in), &flags, &gso, &slots) > 0)
			got++;
		if (got == before)
			break;
	}
	tap_ok(got > 5 && got < 3000, "  buffers posted: %u frames arrive, the rest were dropped by the tap's queue",
	       got);
}

static void test_fatal(struct snet *a, int ps)
{
	const char *extra[] = { "mac=00:16:3e:00:00:06", NULL };
	static struct snet b;
	netif_tx_request_t r = { .offset = 4000, .flags = NETTXF_more_data, .id = 1, .size = 200 };
	netif_tx_request_t r2 = { .offset = 4000, .id = 2, .size = 100 };
	int16_t st[4];

	snet_attach(&b, &t, 6, 0, 1, false, extra);
	snet_connect(&b);
	snet_hotplug(&b);
	tap_eq(xbt_be_state(&t, "vif", 6, 0), XENBACK_STATE_CONNECTED, "vif 6/0 Connected");
	r.gref = b.q[0].txb_ref[1];
	r2.gref = b.q[0].txb_ref[2];
	snet_tx_raw(&b, 0, &r);
	snet_tx_raw(&b, 0, &r2);
	snet_tx_push(&b, 0);
	run(&b, 50);
	tap_eq(xbt_error(&t, "vif", 6, 0), -EPROTO, "a follow-on slot crossing its page: vif 6/0 failed (EPROTO)");
	tap_ok(ifindex("vif6.0") == 0, "  its tap is gone");
	frame(out, 64, 70);
	snet_tx_frame(a, 0, out, 64, 4096, 0, 0, 0);
	snet_tx_push(a, 0);
	tap_ok(snet_tx_wait(a, 0, 1, st) == 1 && st[0] == 0 && host_recv(ps, in, sizeof(in)) == 64 &&
		       !memcmp(in, out, 64),
	       "  vif 5/0 unaffected: a frame goes through");
	xbt_rm(&t, "vif", 6, 0);
	xbt_settle(&t);
}

/* One fatal tx rule on a vif of its own (domid d): the vif fails (EPROTO),
 * nothing of the broken packet answered. */
static void fatal_one(uint32_t d, const char *what, void (*push)(struct snet *))
{
	const char *extra[] = { NULL };
	static struct snet x;
	int16_t st[4];

	snet_attach(&x, &t, d, 0, 1, false, extra);
	snet_connect(&x);
	snet_hotplug(&x);
	push(&x);
	run(&x, 30);
	tap_ok(xbt_error(&t, "vif", d, 0) == -EPROTO && snet_tx_wait(&x, 0, 1, st) == 0,
	       "tx: %s: vif %u/0 failed (EPROTO), nothing answered", what, d);
	xbt_rm(&t, "vif", d, 0);
	xbt_settle(&t);
}

static void push_prod(struct snet *x)
{
	frame(out, 60, 1);
	snet_tx_frame(x, 0, out, 60, 4096, 0, 0, 0);
	x->q[0].tx.req_prod_pvt += 300;
	snet_tx_push(x, 0);
}

static void push_extra(struct snet *x)
{
	struct netif_extra_info e = { .type = 7 };

	frame(out, 60, 1);
	snet_tx_frame(x, 0, out, 60, 4096, NETTXF_extra_info, 0, 0);
	memcpy(RING_GET_REQUEST(&x->q[0].tx, x->q[0].tx.req_prod_pvt), &e, sizeof(e));
	x->q[0].tx.req_prod_pvt++;
	snet_tx_push(x, 0);
}

static void push_missing_extra(struct snet *x)
{
	frame(out, 60, 1);
	snet_tx_frame(x, 0, out, 60, 4096, NETTXF_extra_info, 0, 0);
	snet_tx_push(x, 0);
}

static void push_chain(struct snet *x)
{
	frame(out, 2200, 1);
	snet_tx_frame(x, 0, out, 2200, 100, 0, 0, 0); /* 22 slots */
	snet_tx_push(x, 0);
}

static void test_tx_fatal(void)
{
	fatal_one(12, "req_prod 300 past the ring", push_prod);
	fatal_one(13, "an extra of unknown type 7", push_extra);
	fatal_one(14, "an extra missing (the chain runs past req_prod)", push_missing_extra);
	fatal_one(15, "a packet of 22 slots (21 follow-ons)", push_chain);
}

static void test_rx_overrun(void)
{
	const char *extra[] = { NULL };
	static struct snet c;
	int ps;

	snet_attach(&c, &t, 7, 0, 1, false, extra);
	snet_connect(&c);
	snet_hotplug(&c);
	link_up("vif7.0");
	ps = pkt_open(ifindex("vif7.0"), false);
	c.q[0].rx.sring->req_prod = c.q[0].rx.sring->rsp_prod + 1000;
	frame(out, 60, 80);
	send(ps, out, 60, 0);
	run(&c, 50);
	tap_eq(xbt_error(&t, "vif", 7, 0), -EPROTO, "rx: req_prod 1000 ahead of the ring: vif 7/0 failed (EPROTO)");
	close(ps);
	xbt_rm(&t, "vif", 7, 0);
	xbt_settle(&t);
}

static void test_multiqueue(void)
{
	const char *extra[] = { "vifname=xbt-mq", NULL };
	static struct snet m;
	unsigned int ports = xenback_sim_ports_bound(t.sim);
	int16_t st[2];
	int ps;

	snet_attach(&m, &t, 8, 0, 2, true, extra);
	tap_ok(ifindex("xbt-mq") > 0, "vifname=xbt-mq: the tap has that name");
	snet_connect(&m);
	snet_hotplug(&m);
	tap_eq(xbt_be_state(&t, "vif", 8, 0), XENBACK_STATE_CONNECTED, "2 queues, split channels: Connected");
	tap_eq(xenback_sim_ports_bound(t.sim), ports + 4, "  4 ports bound");
	tap_ok(access("/sys/class/net/xbt-mq/queues/tx-1", F_OK) == 0, "  the tap has 2 queues");
	link_up("xbt-mq");
	ps = pkt_open(ifindex("xbt-mq"), false);
	frame(out, 200, 90);
	snet_tx_frame(&m, 1, out, 200, 4096, 0, 0, 0);
	snet_tx_push(&m, 1);
	tap_ok(snet_tx_wait(&m, 1, 1, st) == 1 && st[0] == 0 && host_recv(ps, in, sizeof(in)) == 200 &&
		       !memcmp(in, out, 200),
	       "  a frame on queue 1 reaches the host");
	close(ps);
	xbt_offline(&t, "vif", 8, 0);
	xbt_fe_set_state(&t, "vif", 8, 0, XENBACK_STATE_CLOSED);
	xbt_settle(&t);
	tap_ok(ifindex("xbt-mq") == 0 && !xbt_exists(&t, "vif", 8, 0), "  offline: destroyed, its tap gone");
	tap_eq(xenback_sim_ports_bound(t.sim), ports, "  its ports unbound");
}

static void test_rate(void)
{
	const char *extra[] = { "rate=10000,100000", NULL };
	static struct snet r;
	int16_t st[40];
	unsigned int i, first;

	snet_attach(&r, &t, 9, 0, 1, false, extra);
	snet_connect(&r);
	snet_hotplug(&r);
	link_up("vif9.0");
	frame(out, 1000, 100);
	for (i = 0; i < 30; i++)
		snet_tx_frame(&r, 0, out, 1000, 4096, 0, 0, 0);
	snet_tx_push(&r, 0);
	xenback_bus_run_once(t.bus, 0);
	xenback_bus_run_once(t.bus, 0);
	first = snet_tx_wait(&r, 0, 0, NULL);
	first += r.q[0].tx.sring->rsp_prod - r.q[0].tx.rsp_cons;
	tap_ok(first <= 11, "rate 10000 bytes per 100 ms: of 30 1000-byte frames %u answered at once", first);
	r.q[0].tx.rsp_cons = r.q[0].tx.sring->rsp_prod;
	tap_eq(snet_tx_wait(&r, 0, 30 - first, st) + first, 30, "  all 30 answered as credit comes back");
	xbt_rm(&t, "vif", 9, 0);
	xbt_settle(&t);
}

/* A bus with a state directory on its own simulated platform. */
static void handover_bus(struct xbt *h, const char *dir)
{
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_NOTICE };

	if (xenback_bus_new(xenback_sim_platform(h->sim), &cfg, &h->bus) ||
	    xenback_backend_register(h->bus, &xenback_net_vif_info) || xenback_bus_set_state_dir(h->bus, dir) ||
	    xenback_bus_start(h->bus)) {
		printf("Bail out! no bus with a state directory\n");
		exit(1);
	}
	xbt_settle(h);
}

/* The process hands the vif over (xenback_bus_detach(), as xenbackd on
 * SIGTERM or restart) with tx requests pushed and not yet taken; the next
 * process takes it over: the tap is the same netdev, the frontend saw no
 * state change, the pending frames go out, traffic flows both ways. */
static void test_handover(void)
{
	char dir[] = "/tmp/xb-net-handover-XXXXXX";
	const char *extra[] = { NULL };
	static struct snet n;
	struct netif_extra_info gso;
	struct xbt h = { .sim = xenback_sim_new() };
	unsigned int idx, i, got = 0, slots;
	uint16_t flags;
	int16_t st[4];
	int ps, len;

	if (!mkdtemp(dir) || !h.sim) {
		printf("Bail out! no state directory\n");
		exit(1);
	}
	handover_bus(&h, dir);
	snet_attach(&n, &h, 20, 0, 1, false, extra);
	snet_connect(&n);
	snet_hotplug(&n);
	link_up("vif20.0");
	idx = ifindex("vif20.0");
	ps = pkt_open(idx, false);
	tap_eq(xbt_be_state(&h, "vif", 20, 0), XENBACK_STATE_CONNECTED, "handover: vif 20/0 Connected (a bus with a state directory)");
	snet_rx_post(&n, 0, 32);
	for (i = 0; i < 3; i++) {
		frame(out, 500, (uint8_t)(110 + i));
		snet_tx_frame(&n, 0, out, 500, 4096, 0, 0, 0);
	}
	snet_tx_push(&n, 0); /* pushed; the process goes before it takes them */
	xenback_bus_detach(h.bus);
	h.bus = NULL;
	tap_ok(ifindex("vif20.0") == idx, "  detached: the tap stays (the same netdev, persistent)");
	tap_eq(xbt_be_state(&h, "vif", 20, 0), XENBACK_STATE_CONNECTED, "  the backend node still says Connected");
	handover_bus(&h, dir);
	tap_eq(xbt_be_state(&h, "vif", 20, 0), XENBACK_STATE_CONNECTED, "  the next process took it over, still Connected");
	tap_eq(xbt_fe_state(&h, "vif", 20, 0), XENBACK_STATE_CONNECTED, "  the frontend never left Connected");
	tap_eq(snet_tx_wait(&n, 0, 3, st), 3, "  the 3 frames pushed across the handover answered");
	for (i = 0; i < 3; i++) {
		frame(out, 500, (uint8_t)(110 + i));
		if (host_recv(ps, in, sizeof(in)) == 500 && !memcmp(in, out, 500))
			got++;
	}
	tap_eq(got, 3, "  and reached the host, in order");
	frame(out, 700, 120);
	send(ps, out, 700, 0);
	len = snet_rx_frame(&n, 0, in, sizeof(in), &flags, &gso, &slots);
	tap_ok(len == 700 && !memcmp(in, out, 700), "  rx after the takeover: 700 bytes reach the guest (%d)", len);
	close(ps);
	xbt_offline(&h, "vif", 20, 0);
	xbt_fe_set_state(&h, "vif", 20, 0, XENBACK_STATE_CLOSED);
	xbt_settle(&h);
	tap_ok(ifindex("vif20.0") == 0, "  offline afterwards: the tap goes (no longer persistent)");
	xbt_fini(&h);
	{
		char cmd[80];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", dir);
	}
}

static void test_refusals(void)
{
	const char *bad[] = { "vifname=a/b", NULL }, *none[] = { NULL };
	static struct snet x;

	tap_ok(snet_attach(&x, &t, 10, 0, 1, false, bad) != XENBACK_STATE_INITWAIT && xbt_error(&t, "vif", 10, 0) == -EINVAL,
	       "vifname=a/b: refused (EINVAL), kept as failed");
	xbt_rm(&t, "vif", 10, 0);
	xbt_settle(&t);
	snet_attach(&x, &t, 11, 0, 1, false, none);
	x.no_rx_copy = true;
	snet_connect(&x);
	snet_hotplug(&x);
	tap_ok(xbt_be_state(&t, "vif", 11, 0) != XENBACK_STATE_CONNECTED && xbt_error(&t, "vif", 11, 0) == -EOPNOTSUPP,
	       "a frontend without request-rx-copy: not connected (EOPNOTSUPP)");
	xbt_rm(&t, "vif", 11, 0);
	xbt_settle(&t);
}

int main(void)
{
	static struct snet n;
	int ps, psv;

	if (pkt_netns() < 0) {
		printf("1..0 # SKIP needs root, a network namespace and /dev/net/tun (%s)\n", strerror(errno));
		return 0;
	}
	xbt_init(&t, XENBACK_LOG_NOTICE);
#ifdef NET_VIF_TAP_RX
	xenback_sim_tap_copy(t.sim, true);
#endif
	xenback_backend_register(t.bus, &xenback_net_vif_info);
	test_create(&n);
	ps = pkt_open(ifindex("vif5.0"), false);
	psv = pkt_open(ifindex("vif5.0"), true);
	tap_ok(ps >= 0 && psv >= 0, "packet sockets on vif5.0 (%s)", strerror(errno));
	test_tx(&n, ps);
	test_rx(&n, ps, psv);
	test_rx_bounded(&n, ps);
	test_fatal(&n, ps);
	test_tx_fatal();
	test_rx_overrun();
	test_multiqueue();
	test_rate();
	test_refusals();
	test_handover();
	close(ps);
	close(psv);
	xbt_offline(&t, "vif", 5, 0);
	xbt_fe_set_state(&t, "vif", 5, 0, XENBACK_STATE_CLOSED);
	xbt_settle(&t);
	tap_ok(ifindex("vif5.0") == 0 && xenback_bus_count(t.bus) == 0, "teardown: vif5.0 gone, registry empty");
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_FDS), 0, "  no file held");
#ifdef NET_VIF_TAP_RX
	tap_ok(xenback_sim_tap_frames(t.sim, false) > 3000 / 100,
	       "host to guest went through the (simulated) module's tap copy: %llu frames",
	       (unsigned long long)xenback_sim_tap_frames(t.sim, false));
	tap_ok(xenback_sim_tap_frames(t.sim, true) >= 10,
	       "guest to host went through the (simulated) module's tap copy: %llu frames",
	       (unsigned long long)xenback_sim_tap_frames(t.sim, true));
#else
	tap_eq(xenback_sim_tap_frames(t.sim, false) + xenback_sim_tap_frames(t.sim, true), 0,
	       "without the module: no frame through a tap copy");
#endif
	xbt_fini(&t);
	return tap_done();
}
