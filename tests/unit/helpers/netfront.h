/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated Linux-like netfront on the simulated platform: grants its
 * tx and rx rings and buffer pages, writes the keys netfront writes (one
 * or several queues, one or split event channels), posts rx buffers,
 * pushes tx requests, and reads both rings' responses. */
#ifndef XENBACK_TEST_NETFRONT_H
#define XENBACK_TEST_NETFRONT_H
#include "../../../userspace/backends/net/net_vif.h"
#include "simbus.h"

#define SNET_BUFS 256 /* a page per ring slot */

struct snet_q {
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	void *tx_page, *rx_page;
	uint32_t tx_ref, rx_ref;
	uint32_t tx_port, rx_port;       /* the same unless split */
	void *txb[SNET_BUFS], *rxb[SNET_BUFS];
	uint32_t txb_ref[SNET_BUFS], rxb_ref[SNET_BUFS];
	unsigned int tx_next;            /* next tx page to use */
};

struct snet {
	struct xbt *t;
	uint32_t domid, devid;
	unsigned int nq;
	bool split;
	/* features the frontend writes (all on by default) */
	bool no_sg, no_gso, no_rx_copy;
	struct snet_q q[2];
};

/* Toolstack adds backend/vif/<domid>/<devid> (extra: "key=value"...,
 * NULL) and settles; n is set up for nq queues. Returns the backend state. */
long snet_attach(struct snet *n, struct xbt *t, uint32_t domid, uint32_t devid, unsigned int nq,
		 bool split, const char *const *extra);
/* The frontend connects: rings, ports, keys, state Connected; settles. */
void snet_connect(struct snet *n);
/* The hotplug script's part: hotplug-status=connected; settles. */
void snet_hotplug(struct snet *n);
/* Queue a frame on qi's tx ring in slots of at most chunk bytes (the
 * first slot's size is the frame's), with flags on the first and a GSO
 * extra if gso_size; returns the slots used. Push with snet_tx_push(). */
unsigned int snet_tx_frame(struct snet *n, unsigned int qi, const uint8_t *f, uint16_t len,
			   unsigned int chunk, uint16_t flags, uint16_t gso_size, uint8_t gso_type);
void snet_tx_raw(struct snet *n, unsigned int qi, const netif_tx_request_t *req);
void snet_tx_push(struct snet *n, unsigned int qi);
/* Run the bus until want tx responses came (or about a second passed);
 * their statuses into st (NULL: not kept). Returns how many came. */
unsigned int snet_tx_wait(struct snet *n, unsigned int qi, unsigned int want, int16_t *st);
/* Post count rx buffers (pages, ids by ring index) and notify. */
void snet_rx_post(struct snet *n, unsigned int qi, unsigned int count);
/* Run the bus until a whole frame arrived on qi's rx ring (or about a
 * second): its bytes into buf (cap), the first slot's flags, the GSO
 * extra (type 0 if none), the slots it used. Returns its length, -1 if
 * none came, -2 if a slot had an error status. */
int snet_rx_frame(struct snet *n, unsigned int qi, uint8_t *buf, size_t cap, uint16_t *flags,
		  struct netif_extra_info *gso, unsigned int *slots);
/* Run the bus for about ms milliseconds. */
void snet_run(struct snet *n, unsigned int ms);
#endif
