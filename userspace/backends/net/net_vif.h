/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vif backend's state (type "vif", net_backend.c): one tap per vif,
 * one tap queue per netif queue, the two rings of each queue, and what a
 * round holds. Stages:
 *   net_backend.c  create (the tap, before InitWait), destroy
 *   net_connect.c  the frontend's keys, rings mapped, channels bound
 *   net_tx.c       guest -> tap: requests parsed (net_tx_parse.c), grant
 *                  copies in batches, a virtio_net_hdr (net_vnet.c), answers;
 *                  or the batch handed to xenback.ko (XENBACK_IOCTL_TAP_TX),
 *                  which copies into skbs of its own: no write()
 *   net_rx.c       tap -> guest: frames read, copied into posted buffers,
 *                  answers with netif's flags and GSO extra
 *   net_rx_kmod.c  the same through xenback.ko: the module takes the tap's
 *                  frames and grant-copies them, no read()
 *   net_credit.c   the `rate` key's credit (netback's rate limiting)
 * Bounds: a queue holds at most one arena per direction (NET_TX_ARENA,
 * NET_RX_ARENA: 256 and 320 KiB) and
 * the rings' 256 slots; the tap's own queue (the kernel's, bounded by its
 * txqueuelen) holds what the frontend has no buffers for: it drops rather
 * than grows (XSA-392). A round takes at most NET_TX_BUDGET packets and
 * NET_RX_BUDGET frames of a queue; what is left goes on in the next round.
 */
#ifndef XENBACK_NET_VIF_H
#define XENBACK_NET_VIF_H

#include <linux/virtio_net.h>
#include <net/if.h>

#include "xenback.h"
#include "net.h"
#include "uapi/xenback.h"

/* The arenas hold a batch's frames: big enough for one grant-copy call to
 * carry 64 segments or more when frames are 64 KiB (4 and 5 of them). */
#define NET_TX_ARENA (256u << 10)
#define NET_RX_ARENA (5u * (NET_VH + NET_FRAME_MAX))
#define NET_TX_BATCH 64u
#define NET_TX_BUDGET 256u
#define NET_RX_BUDGET 256u
/* netfront takes at most this many data slots for one frame */
#define NET_RX_MAX_SLOTS 17u
/* The largest frame a tap gives or takes (64 KiB GSO + Ethernet + VLAN). */
#define NET_FRAME_MAX (65536u + 18u)
#define NET_VH ((unsigned int)sizeof(struct virtio_net_hdr))
#define NET_RING_SLOTS 256u /* __CONST_RING_SIZE(netif_tx or netif_rx, 4096) */

struct net_vif;

struct net_tx_item {
	struct net_tx_pkt pkt;
	uint32_t off;            /* the frame in the arena */
	uint16_t seg0, nseg;     /* its grant copies */
};

struct net_rx_slot {
	RING_IDX idx;            /* response slot */
	uint16_t id;             /* the request's id */
	uint16_t flags;
	int16_t seg;             /* its grant copy, -1: the GSO extra */
	uint16_t len;            /* data: its bytes; the GSO extra: gso.size */
	uint8_t gso_type;        /* the GSO extra's gso.type */
};

struct net_queue {
	struct net_vif *v;
	unsigned int idx;
	int fd;                          /* the tap queue's file */
	bool polled;                     /* fd in the bus's epoll set (edge-triggered) */
	bool rx_more;                    /* rx budget spent: the vif's kick resumes it */
	bool rx_kick;                    /* the first round after connect */
	void *tx_page, *rx_page;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	struct xenback_evtchn *tx_ch, *rx_ch; /* rx_ch == tx_ch unless split */
	bool tx_more;                    /* budget spent: the vif's kick resumes it */
	/* tx batch */
	uint8_t *tx_arena;
	uint32_t tx_used;
	struct net_tx_item *tx_items;
	unsigned int tx_n;
	struct xenback_grant_copy tx_segs[NET_RING_SLOTS];
	unsigned int tx_nseg;
	netif_tx_response_t tx_ans[NET_RING_SLOTS]; /* answers not yet in the ring */
	unsigned int tx_nans;
	/* tx through xenback.ko (XENBACK_IOCTL_TAP_TX): -1 not asked yet, 0
	 * no (the arena and write()), 1 yes: the batch's frames and segments */
	int tx_kmod;
	unsigned int tx_ifindex;         /* the tap's, looked up once (kmod_probe) */
	struct xenback_tap_tx_frame tx_kframes[NET_TX_BATCH];
	struct xenback_grant_io_seg tx_ksegs[NET_RING_SLOTS];
	/* rx batch: frames read into rx_arena, each behind its virtio_net_hdr */
	uint8_t *rx_arena;
	uint32_t rx_used;
	struct net_rx_slot rx_slots[NET_RING_SLOTS];
	unsigned int rx_nslot;
	struct xenback_grant_copy rx_segs[NET_RING_SLOTS];
	unsigned int rx_nseg;
	RING_IDX rx_seen;                /* req_prod at the last rx event */
	uint32_t rx_held;                /* a frame (at rx_arena) waiting for buffers: its size */
	bool rx_kmod;                    /* frames go through xenback.ko (net_rx_kmod.c) */
	bool rx_kmod_said;               /* ... and the log said so */
	uint32_t rx_wait;                /* with rx_kmod: buffers the tap's next frame waits for */
	/* counters */
	uint64_t tx_packets, tx_errors, tx_dropped, rx_packets, rx_dropped;
};

struct net_vif {
	struct xenback_device *dev;
	char name[IFNAMSIZ];
	int fd0;                         /* the tap's first queue, from create() on */
	unsigned int mtu;
	unsigned int nq;
	struct net_queue q[NET_MAX_QUEUES];
	int kick_fd;                     /* eventfd: resume budgeted queues */
	/* what the frontend negotiated */
	bool sg, gso4, gso6, csum;
	bool dead;                       /* failed: nothing more is done */
	/* net_credit.c: `rate` (bytes per interval), 0: unlimited */
	uint64_t credit_bytes, credit_usec, credit_left, credit_next_ns;
	int timer_fd;                    /* waiting for credit */
	bool credit_wait;
};

/* net_connect.c */
int net_connect(struct xenback_device *dev);
void net_disconnect(struct xenback_device *dev);
/* The frontend broke the protocol: the vif alone stops (carrier off, the
 * device shut down with why logged). */
void net_vif_fatal(struct net_vif *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Another round for the queues that asked (budget spent): soon, from the
 * vif's eventfd; net_vif_resume(): now. */
void net_vif_kick(struct net_vif *v);
void net_vif_resume(struct net_vif *v);

/* net_tx.c: one round of q's tx ring; true if it found work. */
bool net_tx_round(struct net_queue *q);
int net_tx_alloc(struct net_queue *q);
void net_tx_free(struct net_queue *q);

/* net_rx.c: one round tap -> guest. */
void net_rx_round(struct net_queue *q);
/* The frontend's rx event: true if it posted buffers (else spurious). */
bool net_rx_event(struct net_queue *q);
int net_rx_alloc(struct net_queue *q);
/* Requests posted and not taken; -1: req_prod runs past the ring. */
int net_rx_posted(struct net_queue *q);
/* net_rx_kmod.c: the round through xenback.ko; false: it cannot (the
 * queue goes on with net_rx.c's read()). */
bool net_rx_kmod_round(struct net_queue *q);
void net_rx_free(struct net_queue *q);
/* The tap queue's file in the bus's epoll set (on) or out of it. */
void net_rx_poll(struct net_queue *q, bool on);

/* net_credit.c */
/* `rate` as libxl writes it ("<bytes>,<usec>"): 0, or -1 (unlimited). */
int net_credit_parse(const char *rate, uint64_t *bytes, uint64_t *usec);
/* May a frame of len bytes go now? false: the timer is set, tx waits. */
bool net_credit_take(struct net_vif *v, uint32_t len);
int net_credit_open(struct net_vif *v);
void net_credit_close(struct net_vif *v);

uint64_t net_now_ns(void);

#endif
