/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The block backend (blkif, xen/io/blkif.h): internals.
 *
 * A request's path flows one way, one file per stage; a file calls only
 * files later in this list (tests/unit/test-blk-layers.sh checks it):
 *
 *   blk_event.c    incoming events: the guest's event channel (new requests)
 *                  and the engine's eventfd (I/O done) each run one round
 *                  down the pipeline, then resume queues that had stalled
 *   blk_ring.c     requests copied out of the shared ring (no double fetch)
 *                  and validated; indirect descriptor pages fetched
 *   blk_data.c     data movement in: persistent grant or bounce buffer;
 *                  write data fetched with one batched grant copy per round
 *   blk_persist.c  persistent grants: each guest page mapped once
 *   blk_engine.c   the I/O engine: in place (memory-backed image) or
 *                  io_uring, one io_uring_submit() per round, reaping
 *   blk_engine_inplace.c  in place: memcpy through a mapping of the image,
 *                  or preadv/pwritev
 *   blk_complete.c completion: the engine's result becomes a status; read
 *                  data goes back to the guest with one batched grant copy
 *   blk_grant.c    the batched grant copy (both directions)
 *   blk_respond.c  responses pushed once per queue; the frontend notified
 *                  only if it asked (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY)
 *
 * Nothing calls back up: the engine hands each finished request forward
 * to the completion stage; the response stage returns which queues got
 * responses and blk_event.c, which started the round, resumes a stalled
 * queue itself. Set-up and tear-down (blk_backend.c, blk_connect.c,
 * blk_image.c) sit outside the path and are called by no stage.
 * Words: an "event" comes in (event channel, eventfd), a "notify" goes out.
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
	bool stalled;                  /* out of slots: blk_event.c resumes it once
					 * responses have freed some */
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
	void *map;                     /* ... and mapped: memcpy, no syscall
					 * (blk_engine_inplace.c) */
	size_t map_len;
	uint64_t sectors;
	unsigned int nqueues;
	struct blk_queue q[BLK_MAX_QUEUES];
	struct io_uring uring;
	bool uring_ok;
	int efd;                       /* the engine's eventfd: io_uring completions */
	unsigned int sq_pending;
	struct blk_req *done_reads;    /* completed reads awaiting copy to the guest */
	struct blk_req *done;          /* completed, awaiting response */
};

/* ---------------------------------------------- set-up (outside the path) */

/* blk_image.c */
int blk_image_open(struct blk_dev *d, const char *params, const char *mode,
		   struct xenback_backend *be);
void blk_image_close(struct blk_dev *d);
/* A regular file on tmpfs/ramfs opened without O_DIRECT: served in place
 * rather than through io_uring (XENBACK_BLK_INLINE=0/1 overrides). */
bool blk_image_in_memory(int fd, bool direct);

/* blk_connect.c */
int blk_connect(struct xenback_device *dev);
void blk_disconnect(struct xenback_device *dev);

/* ------------------------------------------- the request path, in order */

/* blk_event.c: the handlers blk_connect.c binds. */
/* The queue's event channel: take what the frontend queued, answer what
 * is done. */
bool blk_queue_event(struct xenback_evtchn *ch, void *arg);
/* The engine's eventfd (arg: the blk_dev): reap, answer. */
void blk_engine_event(int fd, uint32_t events, void *arg);

/* blk_ring.c */
/* Copy every new request out of q's ring, validate it and pass it on (to
 * the data stage, the engine, or straight to completion with an error).
 * -EPROTO: the frontend broke the ring protocol and the device was failed
 * (the round stops there). *work: a request was taken. */
int blk_ring_consume(struct blk_queue *q, bool *work);

/* blk_data.c */
/* A valid read/write: straight into persistently mapped guest pages, or
 * through r's bounce buffer; reads and persistent writes go to the
 * engine, bounce-buffered writes onto *writes (their data is fetched
 * first). Failures are completed with BLKIF_RSP_ERROR. */
void blk_data_route(struct blk_dev *d, struct blk_req *r, struct blk_req **writes);
/* The round's bounce-buffered writes: one grant copy from the guest for
 * all, then to the engine. */
void blk_data_writes(struct blk_dev *d, struct blk_req *writes);

/* blk_persist.c */
/* 0: r->iov points into persistently mapped guest pages; -ENOSPC: cache
 * full, use grant copy; other < 0: a segment cannot be mapped. */
int blk_persist_resolve(struct blk_queue *q, struct blk_req *r);
void blk_persist_release(struct blk_queue *q);

/* blk_engine.c */
/* fn: the handler of the engine's eventfd (blk_engine_event). */
int blk_engine_init(struct blk_dev *d, xenback_fd_fn fn);
void blk_engine_fini(struct blk_dev *d);
/* A validated request's I/O: done now in place (memory-backed image) or
 * queued on the io_uring; either way its result goes to blk_complete_io().
 * < 0: not queued (the caller completes it with an error). */
int blk_engine_submit(struct blk_dev *d, struct blk_req *r);
/* The round's queued I/O to the kernel: one io_uring_submit(). */
int blk_engine_flush(struct blk_dev *d);
/* After an event on the eventfd fd: every completion to blk_complete_io().
 * < 0: the eventfd could not be read (nothing reaped). */
int blk_engine_reap(struct blk_dev *d, int fd);

/* blk_engine_inplace.c */
/* Map an in-place image (d->inline_rw, regular file) unless
 * XENBACK_BLK_MMAP=0; d->map stays NULL (preadv/pwritev) on any failure. */
int blk_inplace_map(struct blk_dev *d);
void blk_inplace_unmap(struct blk_dev *d);
/* A read or write on a memory-backed image, done now: memcpy with the
 * mapping, else preadv/pwritev; the result goes to blk_complete_io(). A
 * SIGBUS in the mapping fails the request and drops the mapping (back to
 * preadv/pwritev). */
void blk_inplace_rw(struct blk_dev *d, struct blk_req *r);

/* blk_complete.c */
/* r is answered with status (nothing more to do). */
void blk_complete(struct blk_dev *d, struct blk_req *r, int16_t status);
/* The engine's result for r: bytes moved (read/write) or 0 (flush,
 * discard), < 0 for an error. A read through the bounce buffer waits for
 * the round's copy to the guest. */
void blk_complete_io(struct blk_dev *d, struct blk_req *r, long res);
/* End of a round: read data to the guest (one grant copy), then every
 * completed request answered. Returns blk_respond()'s queue mask. */
unsigned int blk_complete_round(struct blk_dev *d);

/* blk_grant.c */
/* One grant copy for all segments of all requests on the list, between
 * the guest's pages and r->buf. A request with a failed segment gets
 * BLKIF_RSP_ERROR. */
int blk_grant_copy(struct blk_dev *d, struct blk_req *list, bool to_guest);

/* blk_respond.c */
/* Responses for d->done, pushed once per queue, notify if the frontend
 * asked. Returns a mask of the queues that got responses (1u << q->idx):
 * their slots are free again. */
unsigned int blk_respond(struct blk_dev *d);

#endif
