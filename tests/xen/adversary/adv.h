/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xb-adversary: a hostile blkif frontend in userspace, run inside a PV domU
 * of the xen tier (tests/xen/dom0-50-adversary.sh). Ring and data pages are
 * shared with /dev/xen/gntalloc (libxengntshr), event channels come from
 * /dev/xen/evtchn (libxenevtchn), frontend nodes go through /dev/xen/xenbus
 * (libxenstore). One scenario per run; it prints TAP lines ("ok - ...",
 * "not ok - ...", "# ...") saying what the backend answered.
 *
 *   adv_xs.c      xenstore: the frontend's and backend's nodes, states
 *   adv_ring.c    rings, ports, the handshake and its undoing
 *   adv_io.c      data pages, requests pushed, responses collected
 *   adv_scen_req.c   scenarios on the request ring
 *   adv_scen_xs.c    scenarios on the handshake and the state node
 *   adv_net.c     a hostile netfront: tx chains by netback's rules
 *   adv_main.c    the scenario table and the command line
 */
#ifndef XB_ADV_H
#define XB_ADV_H

#include <stdbool.h>
#include <stdint.h>

#ifndef mb
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#define ADV_PAGE 4096u
#define ADV_MAX_QUEUES 8
#define ADV_MAX_ORDER 5
#define ADV_SEGS_PER_PAGE (ADV_PAGE / sizeof(struct blkif_request_segment))

struct adv_queue {
	void *pages;                 /* 1 << order shared ring pages */
	unsigned int npages;
	uint32_t refs[1u << ADV_MAX_ORDER];
	evtchn_port_t port;          /* 0: not bound */
	blkif_front_ring_t ring;
};

/* What the handshake writes; out-of-range values on purpose are allowed. */
struct adv_layout {
	unsigned int queues;         /* multi-queue-num-queues (written if > 1 or forced) */
	unsigned int order;          /* ring-page-order (written if > 0 or forced) */
	bool force_keys;             /* write both keys even when 1 / 0 */
};

struct adv {
	struct xs_handle *xs;
	xenevtchn_handle *xce;
	xengntshr_handle *xgs;
	unsigned int devid;
	unsigned int backend_id;
	bool persistent;             /* feature-persistent=1 (else 0) */
	char fe[128];                /* device/vbd/<devid> (absolute) */
	char be[128];                /* the backend's path */
	/* backend features */
	uint64_t sectors;
	unsigned int sector_size, max_indirect, max_order, max_queues;
	bool flush, discard, be_persistent;
	/* connection */
	unsigned int nqueues;
	struct adv_queue q[ADV_MAX_QUEUES];
	/* data: one shared area, reused by every request */
	void *data;
	uint32_t *data_refs;
	unsigned int ndata;
};

/* adv_xs.c */
/* kind: "vbd" or "vif" (device/<kind>/<devid>) */
int adv_xs_open(struct adv *a, const char *kind, unsigned int devid);
char *adv_xs_read(struct adv *a, const char *dir, const char *key); /* free() it */
int adv_xs_write(struct adv *a, const char *dir, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int adv_xs_state(struct adv *a, const char *dir); /* -1 if unreadable */
int adv_set_state(struct adv *a, int state);
/* Waits until the backend's state is one of the mask's bits (1 << state). */
int adv_wait_backend(struct adv *a, unsigned int mask, double seconds);
void adv_read_features(struct adv *a);
void adv_rm(struct adv *a, const char *key);
/* The same value written to one of our nodes as fast as xenstore takes it,
 * for seconds; returns the writes answered. */
unsigned long adv_xs_flood(struct adv *a, const char *key, const char *value, double seconds);
double adv_now(void);

/* adv_ring.c */
int adv_rings_setup(struct adv *a, const struct adv_layout *l);
void adv_rings_teardown(struct adv *a, bool unbind);
/* Writes the layout, ring refs, ports, protocol; state Initialised; waits
 * for Connected (then writes Connected) or a refusal. Returns the backend's
 * final state. */
int adv_handshake(struct adv *a, const struct adv_layout *l, double seconds);
/* Closing, Closed on our side; waits for the backend to follow. */
int adv_close(struct adv *a, double seconds);
void adv_clear_keys(struct adv *a);
/* A valid layout; 0 once both ends are Connected. */
int adv_connect(struct adv *a, unsigned int queues, unsigned int order);
/* Closed then Initialising; returns the backend's state (InitWait if it
 * lets the frontend reconnect). */
int adv_reset(struct adv *a, double seconds);

/* adv_io.c */
int adv_data_share(struct adv *a, unsigned int pages);
void adv_data_unshare(struct adv *a);
blkif_request_t *adv_req_slot(struct adv *a, unsigned int qi);
void adv_push(struct adv *a, unsigned int qi, bool notify);
void adv_notify(struct adv *a, unsigned int qi);
/* Statuses seen, by BLKIF_RSP_* + 2 (EOPNOTSUPP, ERROR, OKAY, other). */
struct adv_tally {
	unsigned int okay, error, eopnotsupp, other, answered;
};
/* Collects responses on every queue until want arrive or seconds pass. */
unsigned int adv_collect(struct adv *a, unsigned int want, double seconds, struct adv_tally *t,
			 int16_t *status_by_id, unsigned int nid);
void adv_tally_print(const char *what, const struct adv_tally *t);
/* One plain request and its answer: returns the status, or 99 if none. */
int adv_rw1(struct adv *a, uint8_t op, uint64_t sector, unsigned int page, double seconds);

/* scenarios: 0 = every expectation held, 1 = one did not */
int adv_scen_req_prod(struct adv *a);
int adv_scen_bad_segments(struct adv *a);
int adv_scen_bad_indirect(struct adv *a);
int adv_scen_revoke(struct adv *a);
int adv_scen_revoke_inflight(struct adv *a);
/* Not a scenario: the control of dom0-50-adversary.sh, the vCPU busy
 * for seconds with no I/O to any backend. */
int adv_burn(double seconds);
int adv_scen_big(struct adv *a);
int adv_scen_flush_data(struct adv *a);
int adv_scen_discard_end(struct adv *a);
int adv_scen_ring_params(struct adv *a);
int adv_scen_state_flood(struct adv *a);
int adv_scen_reconnect(struct adv *a);

/* adv_net.c: a hostile netfront on device/vif/<devid> (its tx ring);
 * 0 = every expectation held. NULL scenario: lists them. */
int adv_net(struct adv *a, const char *scenario);
void adv_net_usage(void);

#define ADV_NO_ANSWER 99
#define ADV_OK(...) printf("ok - " __VA_ARGS__)
#define ADV_NOTOK(...) printf("not ok - " __VA_ARGS__)
#define ADV_NOTE(...) printf("# " __VA_ARGS__)

#endif
