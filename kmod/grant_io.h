/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The grant I/O engine (grant_io.c), shared by its two users: the grant
 * I/O file (XENBACK_IOCTL_GRANT_IO_OPEN, requests from userspace) and the
 * blkif ring engine (blkif.c, requests from a frontend's ring). A struct
 * xb_gio is one cache of mapped grants of one domain plus the image the
 * I/O goes to; lifetimes and locking are described in grant_io.c.
 */
#ifndef XENBACK_GRANT_IO_H
#define XENBACK_GRANT_IO_H

#include <linux/fs.h>
#include <linux/bvec.h>
#include <linux/kref.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>

#include "xenback_kmod.h"

struct xb_gio_gnt {
	struct page *page;
	grant_handle_t handle;
	u32 gref;
	atomic_t busy;
	struct list_head lru;
};

struct xb_gio {
	struct kref ref;
	struct file *image;
	u32 domid;
	u32 max_grants;
	bool fake;                     /* test hook: pattern pages, no Xen */
	struct mutex mutex;
	struct xarray grants;
	struct list_head lru;
	u32 nmapped;
	spinlock_t lock;
	struct list_head done;
	u32 inflight;
	bool closed;
	wait_queue_head_t wq;
	struct work_struct free_work;
	struct xenback_grant_io_stats st; /* under mutex, but inflight/mapped */
	/* per submit, under mutex */
	struct xenback_grant_io_seg segs[XENBACK_GRANT_IO_MAX_SEGS];
	u32 miss[XENBACK_GRANT_IO_MAX_SEGS];
	u16 miss_of[XENBACK_GRANT_IO_MAX_SEGS];
	struct xb_gio_gnt *newg[XENBACK_GRANT_IO_MAX_SEGS];
	struct page *pages[XENBACK_GRANT_IO_MAX_SEGS];
	struct gnttab_map_grant_ref map[XENBACK_GRANT_IO_MAX_SEGS];
	/* unmapping (xb_gio_unmap's own scratch) */
	struct xb_gio_gnt *ug[XENBACK_GRANT_IO_MAX_SEGS];
	struct page *upages[XENBACK_GRANT_IO_MAX_SEGS];
	struct gnttab_unmap_grant_ref unmap[XENBACK_GRANT_IO_MAX_SEGS];
	struct xb_gio_req *batch[XENBACK_GRANT_IO_MAX_BATCH];
};

struct xb_gio_req {
	struct kiocb iocb;
	struct xb_gio *gio;
	/* Not NULL: an in-kernel owner's request (blkif.c): called with the
	 * result instead of queueing it for userspace; it frees r
	 * (xb_gio_req_free()). */
	void (*end)(struct xb_gio_req *r);
	void *owner;
	u32 tag;                       /* the owner's */
	u64 user_data;
	long res;
	u32 nseg;
	struct list_head node;
#ifdef XENBACK_TEST_HOOKS
	struct delayed_work late;      /* test_gio_delay_ms */
#endif
	struct xb_gio_gnt **gnt;       /* nseg, after bv */
	struct bio_vec bv[];
};

/* In-kernel owners (blkif.c). */
/* 0 if file can be the image of grant I/O (O_DIRECT, regular file or block
 * device, readable); -EINVAL if not. */
int xb_gio_image_ok(struct file *image);
/* A new engine for domid's grants on image (its reference passes to the
 * engine, also on failure); NULL: no memory. The caller holds the one
 * reference: xb_gio_put() when done. */
struct xb_gio *xb_gio_new(u32 domid, struct file *image, u32 max_grants, bool fake);
void xb_gio_put(struct xb_gio *gio);
/* A request of nseg segments, zeroed, holding a reference to gio. */
struct xb_gio_req *xb_gio_req_alloc(struct xb_gio *gio, u32 nseg, gfp_t gfp);
void xb_gio_req_free(struct xb_gio_req *r);
/* gio->mutex held, r from xb_gio_req_alloc() with r->end set, its nseg
 * segments in gio->segs: the I/O started; r->end() gets the result now or
 * later. -EBUSY (r untouched, nothing started): no room for its grants
 * while others are in flight; try again after a completion. */
int xb_gio_start_segs(struct xb_gio *gio, struct xb_gio_req *r, u32 op, u64 offset);
/* gio->mutex held: the grants in gio->segs[0..n) mapped (cached) and held
 * busy in g[]; 0, or -EBUSY/-EIO/-ENOMEM with nothing held. */
int xb_gio_pin(struct xb_gio *gio, unsigned int n, struct xb_gio_gnt **g);
void xb_gio_unpin(struct xb_gio_gnt **g, unsigned int n);

#endif
