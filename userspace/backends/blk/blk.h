/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The block backend (blkif, xen/io/blkif.h): internals.
 *
 * Data path, per queue: the event-channel handler copies every new request
 * out of the shared ring (no double fetch), validates it, fetches indirect
 * segment pages and write data with one batched grant copy, and submits
 * the I/O to the device's io_uring with one io_uring_submit(). Completions
 * arrive on an eventfd in the bus's epoll set: read data goes back to the
 * guest with one batched grant copy, responses are pushed once and the
 * frontend is notified only if it asked (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
 */
#ifndef XENBACK_BLK_H
#define XENBACK_BLK_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <uthash.h>

/* Barriers for xen/io/ring.h (its xen_mb() and friends expand to these):
 * on x86 only mb() needs a real fence. */
#ifndef mb
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#include "xenback.h"

#define BLK_SECTOR 512u
#define BLK_PAGE 4096u
#define BLK_MAX_RING_ORDER 4           /* 16 pages, 512 requests */
#define BLK_MAX_QUEUES 4
#define BLK_MAX_INDIRECT_SEGS 256      /* like blkback: 1 MiB per request */
#define BLK_SEGS_PER_INDIRECT_PAGE (BLK_PAGE / sizeof(struct blkif_request_segment))
#define BLK_URING_ENTRIES 256
/* Persistent grants kept mapped per queue (blkback's default too). */
#define BLK_MAX_PGRANTS 1056

struct blk_dev;

/* One request in flight. */
struct blk_req {
	struct blk_queue *q;
	uint64_t id;
	uint8_t op;                    /* BLKIF_OP_* as answered */
	uint8_t io_op;                 /* READ/WRITE/FLUSH/DISCARD actually done */
	int16_t status;
	uint16_t nseg;
	uint64_t sector;
	uint64_t nr_sectors;           /* discard */
	uint32_t bytes;
	struct blkif_request_segment seg[BLK_MAX_INDIRECT_SEGS];
	void *buf;                     /* bounce buffer, page aligned */
	size_t buf_cap;
	bool persistent;               /* I/O straight into mapped guest pages */
	struct iovec iov[BLK_MAX_INDIRECT_SEGS];
	struct blk_req *next;          /* free list / batch lists */
};

/* A guest page the frontend granted persistently, mapped once. */
struct blk_pgrant {
	uint32_t gref;
	void *addr;
	UT_hash_handle hh;
};

struct blk_queue {
	struct blk_dev *d;
	unsigned int idx;
	blkif_back_ring_t ring;
	void *sring;
	unsigned int ring_pages;
	struct xenback_evtchn *ch;
	struct blk_req *slots;         /* RING_SIZE of them */
	struct blk_req *free;
	unsigned int inflight;
	bool stalled;                  /* out of slots: resume on completion */
	struct blk_pgrant *pgrants;    /* by gref */
	unsigned int npgrants;
	uint64_t pgrant_maps, pgrant_hits, copies;
	uint64_t requests, responses, notifies;
	uint64_t inline_rw;            /* reads/writes done in place (memory-backed image) */
};

struct blk_dev {
	struct xenback_device *dev;
	char *path;
	int fd;
	bool readonly, direct, can_discard;
	bool persistent;               /* both ends offer feature-persistent */
	bool inline_rw;                /* memory-backed image: reads/writes done in place */
	void *map;                     /* ... and mapped: memcpy, no syscall (blk_map.c) */
	size_t map_len;
	uint64_t sectors;
	unsigned int nqueues;
	struct blk_queue q[BLK_MAX_QUEUES];
	struct io_uring uring;
	bool uring_ok;
	int efd;                       /* io_uring completions */
	unsigned int sq_pending;
	struct blk_req *done_reads;    /* completed reads awaiting copy-out */
	struct blk_req *done;          /* completed, awaiting response */
};

/* blk_image.c */
int blk_image_open(struct blk_dev *d, const char *params, const char *mode,
		   struct xenback_backend *be);
void blk_image_close(struct blk_dev *d);
/* A regular file on tmpfs/ramfs opened without O_DIRECT: served in place
 * rather than through io_uring (XENBACK_BLK_INLINE=0/1 overrides). */
bool blk_image_in_memory(int fd, bool direct);

/* blk_map.c */
/* Map an in-place image (d->inline_rw, regular file) unless
 * XENBACK_BLK_MMAP=0; d->map stays NULL (preadv/pwritev) on any failure. */
int blk_map_open(struct blk_dev *d);
void blk_map_close(struct blk_dev *d);
/* The read or write between d->map and r's buffers. -EIO: SIGBUS in the
 * mapping (the device drops it and goes back to preadv/pwritev). */
int blk_map_rw(struct blk_dev *d, struct blk_req *r);

/* blk_connect.c */
int blk_connect(struct xenback_device *dev);
void blk_disconnect(struct xenback_device *dev);

/* blk_ring.c */
bool blk_queue_kick(struct xenback_evtchn *ch, void *arg);
void blk_queue_respond(struct blk_dev *d);

/* blk_persist.c */
/* 0: r->iov points into persistently mapped guest pages; -ENOSPC: cache
 * full, use grant copy; other < 0: a segment cannot be mapped. */
int blk_persist_resolve(struct blk_queue *q, struct blk_req *r);
void blk_persist_release(struct blk_queue *q);

/* blk_io.c */
int blk_io_init(struct blk_dev *d);
void blk_io_fini(struct blk_dev *d);
/* Validated request -> io_uring (writes after their data is fetched). */
int blk_io_submit(struct blk_dev *d, struct blk_req *r);
int blk_io_flush_sq(struct blk_dev *d);
/* Reads done in place whose data still has to go to the guest: one batch. */
void blk_io_flush_reads(struct blk_dev *d);
/* Grant copy of data between the guest and r->buf (batched over a list). */
int blk_io_copy(struct blk_dev *d, struct blk_req *list, bool to_guest);

#endif
