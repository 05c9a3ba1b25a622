/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blkif ring engine's internals, shared by blkif.c (the file: set-up,
 * lifetimes, teardown) and blkif_ring.c (the requests: taken, checked,
 * started, answered). Lifetimes and locking are described in blkif.c.
 */
#ifndef XENBACK_BLKIF_H
#define XENBACK_BLKIF_H

#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/interface/io/blkif.h>

#include "xenback_kmod.h"

#define XB_BLKIF_BUDGET 64             /* requests per run of the work */
#define XB_BLKIF_SEGS_PER_PAGE (PAGE_SIZE / sizeof(struct blkif_request_segment))

struct xb_blkif {
	struct kref ref;
	struct xb_gio *gio;
	u32 domid, remote_port;
	int irq;                       /* 0: none (test hook) */
	bool fake;
	u32 flags;                     /* XENBACK_BLKIF_* */
	u64 sectors;
	u32 lbs;
	u32 max_indirect;
	unsigned int nr_pages;
	struct page *pages[XENBACK_BLKIF_MAX_RING_REFS];
	grant_handle_t handles[XENBACK_BLKIF_MAX_RING_REFS];
	struct blkif_sring *sring;     /* the header, in page 0 */
	u32 size;                      /* request slots */
	/* the work's */
	struct work_struct work;
	atomic_t eoi_pending;
	RING_IDX req_cons;
	bool parked;                   /* park holds a request waiting for room */
	bool refusal_logged;           /* the ring's first refusal was logged */
	atomic_t failure_logged;       /* ... and its first failed request (any context) */
	struct blkif_request park;
	struct blkif_request_segment iseg[XENBACK_GRANT_IO_MAX_SEGS];
	/* under lock */
	spinlock_t lock;
	RING_IDX rsp_prod_pvt;
	bool closed;
	bool kick_on_answer;           /* parked: an answer frees room */
	struct xenback_blkif_stats st; /* requests .. notifies, inflight, stopped, reason */
	wait_queue_head_t wq;          /* poll: stopped */
	struct work_struct park_work;  /* closed while parked (release) */
	struct work_struct free_work;
	struct list_head node;         /* xb_blkif_list */
};

extern struct workqueue_struct *xb_blkif_wq;      /* ring work, frees */
extern struct workqueue_struct *xb_blkif_slow_wq; /* flushes, discards */

/* blkif.c */
/* The work, queued with a reference of its own; nothing once closed. */
void xb_blkif_kick(struct xb_blkif *b);
void xb_blkif_put(struct xb_blkif *b);
void *xb_blkif_page(struct xb_blkif *b, unsigned int i);
/* b's counters now (XENBACK_BLKIF_STATS; the netlink dump). */
void xb_blkif_snapshot(struct xb_blkif *b, struct xenback_blkif_stats *st);
/* fn for every ring from the skip-th on (xb_blkif_list, under its mutex:
 * fn may sleep, not open or free a ring) until fn returns non-zero: the
 * count of rings before the one it stopped at. */
long xb_blkif_for_each(long skip, int (*fn)(struct xb_blkif *b, void *arg), void *arg);

/* blkif_ring.c */
void xb_blkif_work(struct work_struct *w);        /* b->work */
void xb_blkif_park_work(struct work_struct *w);   /* b->park_work */
irqreturn_t xb_blkif_interrupt(int irq, void *data);

#endif
