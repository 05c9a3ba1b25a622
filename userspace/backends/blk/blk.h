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
 *   blk_engine_grant_io.c  grant I/O: xenback.ko does an O_DIRECT image's
 *                  reads and writes straight between image and guest
 *                  pages it maps itself (persistent grants in the kernel)
 *   blk_engine_inplace.c  in place: memcpy through a mapping of the image,
 *                  or preadv/pwritev
 *   (blk_blkif.c   not a stage: for an O_DIRECT image with persistent
 *                  grants, xenback.ko's blkif ring engine serves the rings
 *                  and nothing above runs; set-up only)
 *   blk_discard.c  BLKDISCARD on a block device, on a worker thread; done
 *                  ones reaped from the engine's eventfd like io_uring's
 *   blk_complete.c completion: the engine's result becomes a status; read
 *                  data goes back to the guest with one batched grant copy
 *   blk_grant.c    the batched grant copy (both directions)
 *   blk_respond.c  responses pushed once per queue; the frontend notified
 *                  only if it asked (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY)
 *   blk_journal.c  the in-flight journal: every request taken and not yet
 *                  answered, kept in memory that outlives the process
 *                  (xenback_device_keep()), so that the next process
 *                  replays exactly what is unanswered (DESIGN-restart.md)
 *   blk_budget.c   the budgets (blk_backend.h): bounce-buffer bytes,
 *                  persistent mappings and requests in flight, per device
 *                  and daemon-wide; what a device holds, accounted
 *   blk_pool.c     the process's pool of bounce buffers: size classes,
 *                  reused, counted in the budget, trimmed when idle
 *
 * Nothing calls back up: the engine hands each finished request forward
 * to the completion stage; the response stage returns which queues got
 * responses and blk_event.c, which started the round, resumes a stalled
 * queue itself. Set-up and tear-down (blk_backend.c, blk_connect.c,
 * blk_drain.c, blk_drain_wait.c, blk_image.c) sit outside the path and are
 * called by no stage; a reattach's recovery (blk_journal_recover()), its
 * wait for the previous process's I/O (blk_drain.c) and replay
 * (blk_ring_replay()) are called from blk_connect.c.
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
#include <time.h>
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
#include "uapi/xenback.h"

/* CLOCK_MONOTONIC in ns: the one clock of the backend's time limits. */
static inline uint64_t blk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define BLK_SECTOR 512u
#define BLK_PAGE 4096u
#define BLK_MAX_RING_ORDER 4           /* 16 pages, 512 requests */
#define BLK_MAX_QUEUES 4
/* Request slots of the largest ring (RING_SIZE). */
#define BLK_MAX_RING_SLOTS __CONST_RING_SIZE(blkif, BLK_PAGE << BLK_MAX_RING_ORDER)
#define BLK_MAX_INDIRECT_SEGS 256      /* like blkback: 1 MiB per request */
#define BLK_SEGS_PER_INDIRECT_PAGE (BLK_PAGE / sizeof(struct blkif_request_segment))
#define BLK_URING_ENTRIES 256
/* Persistent grants kept mapped per queue (blkback's default too). */
#define BLK_MAX_PGRANTS 1056
/* At a mapping cap, a queue unmaps up to this many of its least recently
 * used grants that no request in flight uses, at most once per
 * BLK_RING_ROUND_BUDGET requests it takes (blk_persist.c). */
#define BLK_PGRANT_PURGE 64
/* The largest request: BLK_MAX_INDIRECT_SEGS full pages. */
#define BLK_MAX_REQ_BYTES (BLK_MAX_INDIRECT_SEGS * BLK_PAGE)
/* Fairness: requests one queue takes from its ring in one round; the rest
 * wait for the next round (the engine's eventfd is raised to get one). */
#define BLK_RING_ROUND_BUDGET 64
/* Bounce buffers come from one pool for the process (blk_pool.c): size
 * classes, powers of two from 4 KiB to BLK_MAX_REQ_BYTES, reused; what
 * stayed idle a whole trim interval is freed by halves. */
#define BLK_POOL_CLASSES 9
#define BLK_POOL_TRIM_MS 1000
/* Teardown waits this long in all for I/O the kernel still holds, then
 * leaks those requests' buffers (logged) rather than free them. */
#define BLK_TEARDOWN_WAIT_MS 250

struct blk_dev;

/* A segment's byte range in its page (its sectors validated by blk_ring.c). */
static inline uint16_t blk_seg_offset(const struct blkif_request_segment *s)
{
	return (uint16_t)(s->first_sect * BLK_SECTOR);
}

static inline uint16_t blk_seg_len(const struct blkif_request_segment *s)
{
	return (uint16_t)((s->last_sect - s->first_sect + 1) * BLK_SECTOR);
}

/* A request's segments all start and end on the image's logical block
 * size, as direct I/O on large sectors needs of each piece of a vector
 * (else the request goes through one contiguous bounce buffer). */
static inline bool blk_segs_aligned(unsigned int lbs, const struct blkif_request_segment *seg,
				    unsigned int nseg)
{
	unsigned int i, mask = lbs - 1;

	for (i = 0; mask >= BLK_SECTOR && i < nseg; i++)
		if ((blk_seg_offset(&seg[i]) & mask) ||
		    ((blk_seg_offset(&seg[i]) + blk_seg_len(&seg[i])) & mask))
			return false;
	return true;
}

/* A request slot copied out of the shared ring as bytes. RING_COPY_REQUEST
 * is a struct assignment of blkif_request_t, whose padding C does not
 * promise to copy, while other layouts keep data there (indirect_grefs[0]
 * shares bytes 30-31 with seg[0]'s padding); and reading one layout through
 * a pointer to another breaks strict aliasing. (GCC 12 happens to copy the
 * padding; the simulated blkfront's type-punned requests lost
 * indirect_grefs[0] at -O2.) Bytes into a union are defined for every layout. */
union blk_ring_req {
	blkif_request_t rw;
	blkif_request_indirect_t ind;
	blkif_request_discard_t disc;
	unsigned char raw[sizeof(blkif_request_t)];
};

_Static_assert(sizeof(blkif_request_indirect_t) <= sizeof(blkif_request_t) &&
		       sizeof(blkif_request_discard_t) <= sizeof(blkif_request_t),
	       "every request layout fits a ring slot");

/* The in-flight journal (blk_journal.c), in memory kept with
 * xenback_device_keep(): a header, then per queue a struct blk_jqueue
 * with one record per request slot (record i is q->slots[i]). */
#define BLK_JOURNAL_MAGIC 0x4a4b4c42u   /* "BLKJ" */
#define BLK_JOURNAL_VERSION 1u
struct blk_journal {
	uint32_t magic, version;
	uint32_t size;                 /* bytes of the whole layout */
	uint32_t nqueues, ring_pages;  /* ring pages per queue */
	uint32_t pad;
	/* The frontend's ring refs and event-channel ports this journal is
	 * about: a reattach to other rings does not use it. */
	uint32_t refs[BLK_MAX_QUEUES][1u << BLK_MAX_RING_ORDER];
	uint32_t ports[BLK_MAX_QUEUES];
};
struct blk_jrec {
	uint32_t live;                 /* 1: taken, not cleared since */
	uint32_t req_idx;              /* the ring index it was taken from */
	uint32_t answered;             /* 1: rsp_idx is its response's index */
	uint32_t rsp_idx;
	unsigned char raw[sizeof(blkif_request_t)]; /* the request as taken */
};
_Static_assert(sizeof(struct blk_jrec) == 128, "a journal record is 128 bytes");
struct blk_jqueue {
	uint32_t req_cons;             /* the backend's consumer index */
	uint32_t nslots;               /* RING_SIZE */
	/* 1: xenback.ko's blkif ring engine served the ring last (blk_blkif.c):
	 * it answered every request it took, req_cons is unused */
	uint32_t module_served;
	uint32_t pad;
	struct blk_jrec rec[];
};

/* One request in flight. */
struct blk_req {
	struct blk_queue *q;
	uint64_t id;
	uint8_t op;                    /* BLKIF_OP_* as answered */
	uint8_t io_op;                 /* READ/WRITE/FLUSH/DISCARD actually done */
	int16_t status;
	uint16_t nseg;
	const char *why;               /* why it is answered with an error (logged) */
	uint64_t sector;
	uint64_t nr_sectors;           /* discard */
	int discard_res;               /* ... its result from the discard thread */
	uint32_t bytes;
	struct blkif_request_segment seg[BLK_MAX_INDIRECT_SEGS];
	void *buf;                     /* bounce buffer from the pool, page aligned */
	size_t buf_cap;                /* ... its size class */
	bool in_engine;                /* queued on the io_uring, not reaped */
	bool preflush;                 /* FLUSH_DISKCACHE with data: flush, then write */
	bool persistent;               /* I/O straight into mapped guest pages
					 * (until answered) */
	bool gio;                      /* I/O by the module's grant I/O (until
					 * answered: blk_engine_grant_io.c) */
	uint64_t use_seq;              /* ... its pages' last use (blk_persist.c) */
	union {
		struct iovec iov[BLK_MAX_INDIRECT_SEGS];          /* persistent */
		struct xenback_grant_io_seg gseg[BLK_MAX_INDIRECT_SEGS]; /* gio */
	};
	struct blk_req *next;          /* free list / batch lists */
};

/* A guest page the frontend granted persistently, mapped once. */
struct blk_pgrant {
	uint32_t gref;
	void *addr;
	uint64_t used;                 /* use_seq of the last request using it */
	struct blk_pgrant *lru_prev, *lru_next; /* least recently used first */
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
	bool stalled;                  /* out of slots (or the device at its
					 * request budget): blk_event.c resumes it
					 * once responses have freed some */
	bool throttled;                /* the device waits for bounce memory:
					 * resumed once its parked requests went on */
	bool budgeted;                 /* took its per-round budget: resumed from
					 * the engine's eventfd, next round */
	struct blk_pgrant *pgrants;    /* by gref */
	struct blk_pgrant *lru_head, *lru_tail;
	unsigned int npgrants;
	uint64_t use_seq;              /* requests resolved persistently, counted */
	uint64_t purge_next;           /* q->requests from which a purge may run */
	/* Teardown: a request the kernel still holds used grants stamped from
	 * keep_from on; those stay mapped for good (blk_persist_release()). */
	bool keep;
	uint64_t keep_from;
	uint64_t pgrant_maps, pgrant_hits, pgrant_purged, copies;
	uint64_t requests, responses, notifies;
	uint64_t inline_rw;            /* reads/writes done in place (memory-backed image) */
	struct blk_jqueue *jq;         /* its part of the journal; NULL: none */
	/* Served by xenback.ko's blkif ring engine (blk_blkif.c): its file. */
	bool blkif_open;
	bool blkif_added;              /* ... in the bus's epoll set */
	int blkif_fd;
	unsigned int blkif_grants;     /* mappings it may keep (budgeted) */
	uint64_t replayed;             /* requests replayed at a reattach */
};

struct blk_dev {
	struct xenback_device *dev;
	uint64_t refused;              /* requests answered with an error */
	uint64_t refused_quiet;        /* ... not logged (one line a second) */
	uint64_t refused_log_ns;       /* when the last line was logged */
	char *path;
	int fd;
	bool readonly, direct, can_discard;
	bool persistent;               /* both ends offer feature-persistent and this
					 * process maps those grants (not with grant I/O) */
	bool inline_rw;                /* memory-backed image: reads/writes done in place */
	bool reap_inline;              /* a round takes the completions its submission
					 * brought (XENBACK_BLK_REAP_INLINE=0: off) */
	void *map;                     /* ... and mapped: memcpy, no syscall
					 * (blk_engine_inplace.c) */
	size_t map_len;
	uint64_t sectors;
	unsigned int nqueues;
	struct blk_queue q[BLK_MAX_QUEUES];
	struct io_uring uring;
	bool uring_ok;
	int efd;                       /* the engine's eventfd: io_uring completions,
					 * and kicks for another round */
	bool efd_added;                /* ... in the bus's epoll set */
	unsigned int sq_pending;
	unsigned int uring_inflight;   /* SQEs queued and not reaped */
	/* Grant I/O (blk_engine_grant_io.c): the module's file, -1 none. */
	int gio_fd;
	bool gio_added;                /* ... in the bus's epoll set */
	unsigned int gio_pending;      /* requests in gio_reqs, not submitted */
	unsigned int gio_inflight;     /* submitted, not completed */
	unsigned int gio_grants;       /* mappings the module may keep (counted
					 * in the persistent-grant budgets) */
	struct xenback_grant_io_req gio_reqs[XENBACK_GRANT_IO_MAX_BATCH];
	struct blk_discard *discard;   /* block device: discards on the worker
					 * thread (blk_discard.c) */
	unsigned int lbs, pbs;         /* logical, physical block size (bytes) */
	bool blockdev;
	bool fd_accounted;             /* the image fd counted (XENBACK_USAGE_FDS) */
	unsigned int inflight;         /* requests taken, not answered (all queues) */
	/* Budgets (blk_budget.c). */
	uint64_t bounce_inflight;      /* bytes of its requests' bounce buffers */
	bool pool_attached;            /* counted by blk_pool_attach() */
	unsigned int npgrants;         /* persistent mappings (all queues) */
	struct blk_req *parked, *parked_tail; /* waiting for bounce memory, FIFO */
	bool waiting;                  /* on the daemon-wide waiters list */
	struct blk_dev *wait_next;
	struct blk_req *done_reads;    /* completed reads awaiting copy to the guest */
	struct blk_req *done;          /* completed, awaiting response */
	struct blk_journal *journal;   /* kept memory (blk_journal.c); NULL: none */
	bool journal_kept;             /* ... as the previous process left it */
	/* A reattach: what the previous process left unanswered, per queue
	 * (journal slots in ring order), run once its I/O is over. */
	unsigned int *replay_slot[BLK_MAX_QUEUES], replay_n[BLK_MAX_QUEUES];
	struct blk_drain *drain;       /* waiting for that I/O (blk_drain.c) */
};

/* ---------------------------------------------- set-up (outside the path) */

/* blk_image.c */
int blk_image_open(struct blk_dev *d, const char *params, const char *mode,
		   struct xenback_backend *be);
void blk_image_close(struct blk_dev *d);
/* A regular file on tmpfs/ramfs opened without O_DIRECT: served in place
 * rather than through io_uring (XENBACK_BLK_INLINE=0/1 overrides). */
bool blk_image_in_memory(int fd, bool direct);

/* Where sysfs is (NULL: /sys); for tests. */
void blk_image_set_sysfs(const char *root);
const char *blk_image_sysfs(void);

/* blk_connect.c */
int blk_connect(struct xenback_device *dev);
void blk_disconnect(struct xenback_device *dev);
/* A reattach, the previous process's I/O over: what it left unanswered
 * run again (d->replay_*), the frontends kicked, one round taken. */
void blk_reattach_run(struct blk_dev *d);

/* blk_blkif.c: xenback.ko's blkif ring engine serves the queues. */
/* Whether to ask for it: an O_DIRECT image, a persistent frontend, not
 * turned off (XENBACK_BLK_RING=0), nothing in the journal to run again. */
bool blk_blkif_wanted(const struct blk_dev *d, bool persistent);
/* What each queue of d may keep mapped in the module: blkback's per-ring
 * cap, or an equal share of what d's budgets have left; 0 if a share
 * cannot hold one whole request (then no queue goes to the module). */
unsigned int blk_blkif_grants(const struct blk_dev *d);
/* q's ring (nrefs grant refs, the frontend's port) to the module, with up
 * to grants mappings (blk_blkif_grants()): 0, or an error with nothing
 * held (-EOPNOTSUPP: no such module here). */
int blk_blkif_queue(struct blk_queue *q, const uint32_t *refs, unsigned int nrefs,
		    uint32_t port, unsigned int grants);
void blk_blkif_close(struct blk_queue *q);

/* blk_drain.c */
/* How long a reattach waits for the previous process's I/O (polled). */
#define BLK_DRAIN_WAIT_MS 30000
/* A reattach with n requests to run again: waits, on a thread, until the
 * previous process's I/O on the image is over, then calls then(d)
 * (blk_reattach_run()), or shuts the device down if the wait failed.
 * 1: waiting (d->drain); 0: nothing to wait for, then(d) not called;
 * < 0: error. */
int blk_drain_start(struct blk_dev *d, unsigned int n, void (*then)(struct blk_dev *d));
/* The device goes: the thread finishes alone. */
void blk_drain_cancel(struct blk_dev *d);
#ifdef XB_TEST_HOOKS
extern const char *blk_test_drain_inflight; /* poll this file instead */
extern unsigned int blk_test_drain_wait_ms;  /* not 0: the deadline */
#endif

/* ------------------------------------------- the request path, in order */

/* blk_event.c: the handlers blk_connect.c binds. */
/* The queue's event channel: take what the frontend queued, answer what
 * is done. */
bool blk_queue_event(struct xenback_evtchn *ch, void *arg);
/* The engine's eventfd (arg: the blk_dev): reap, answer. */
void blk_engine_event(int fd, uint32_t events, void *arg);
/* The grant I/O file (arg: the blk_dev): reap, answer. */
void blk_grant_io_event(int fd, uint32_t events, void *arg);

/* blk_ring.c */
/* Copy every new request out of q's ring, validate it and pass it on (to
 * the data stage, the engine, or straight to completion with an error).
 * -EPROTO: the frontend broke the ring protocol and the device was failed
 * (the round stops there). *work: a request was taken. */
int blk_ring_consume(struct blk_queue *q, bool *work);
/* A reattach: the n requests the journal holds in slots slot[0..n-1] (in
 * the order they were taken) go down the same path as fresh ones, from
 * their journal copies (the ring is not read again). The slots leave the
 * free list; the budgets do not refuse them (they were in flight). */
void blk_ring_replay(struct blk_queue *q, const unsigned int *slot, unsigned int n);

/* blk_data.c */
/* A valid read/write: straight into persistently mapped guest pages, or
 * through r's bounce buffer; reads and persistent writes go to the
 * engine, bounce-buffered writes onto *writes (their data is fetched
 * first). Failures are completed with BLKIF_RSP_ERROR. */
void blk_data_route(struct blk_dev *d, struct blk_req *r, struct blk_req **writes);
/* The round's bounce-buffered writes: one grant copy from the guest for
 * all, then to the engine. */
void blk_data_writes(struct blk_dev *d, struct blk_req *writes);

/* Parked requests (waiting for bounce memory) go on while the budgets
 * allow, in order; the round's writes fetched. True if any went on. */
bool blk_data_resume(struct blk_dev *d);

/* blk_persist.c */
/* 0: r->iov points into persistently mapped guest pages; < 0: use grant
 * copy (-ENOSPC: a cap is reached; else the mapping failed). */
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
/* The same in a request round, then the completions already there taken
 * too (storage that completes within the submission: a ramdisk, a cached
 * file), so the round answers them without an eventfd wake-up. */
int blk_engine_flush_reap(struct blk_dev *d);
/* After an event on the eventfd fd: every completion to blk_complete_io().
 * < 0: the eventfd could not be read (nothing reaped). */
int blk_engine_reap(struct blk_dev *d, int fd);
#ifdef XB_TEST_HOOKS
/* Not 0: a look at the completion ring takes at most this many, the rest
 * held there for a later round (the engine's eventfd raised): I/O that
 * ends one request at a time, for any speed of the test machine. */
extern unsigned int blk_test_reap_max;
#endif
/* Raise the engine's eventfd: the bus runs blk_engine_event() for d in its
 * next round (a queue that took its per-round budget goes on there). */
void blk_engine_kick(struct blk_dev *d);

/* blk_engine_grant_io.c */
/* Grant I/O for d (O_DIRECT image, queue 0 bound), its file in the bus's
 * epoll set with handler fn (blk_grant_io_event). -EOPNOTSUPP: not
 * available here (no xenback.ko, an older one, not Xen, not O_DIRECT,
 * XENBACK_BLK_GRANT_IO=0): requests go the other ways. */
int blk_grant_io_open(struct blk_dev *d, xenback_fd_fn fn);
/* Does r go by grant I/O? (A read or write without a preflush, segments
 * aligned to the image's logical block size.) */
bool blk_grant_io_takes(const struct blk_dev *d, const struct blk_req *r);
/* r queued for the round's submission (blk_grant_io_flush()). */
int blk_grant_io_submit(struct blk_dev *d, struct blk_req *r);
/* The queued requests to the module, one ioctl; reap: the completions
 * that ioctl brings back to blk_complete_io(). */
int blk_grant_io_flush(struct blk_dev *d, bool reap);
/* The grant I/O file is readable: every completion to blk_complete_io(). */
int blk_grant_io_reap(struct blk_dev *d);
/* The file closed; requests in flight forgotten (the module keeps their
 * pages mapped until their I/O ends). */
void blk_grant_io_close(struct blk_dev *d);

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

/* blk_discard.c */
/* r's BLKDISCARD queued for the discard thread (started on first use); its
 * result comes back through blk_discard_reap(). < 0: not queued. */
int blk_discard_submit(struct blk_dev *d, struct blk_req *r);
/* After the engine's eventfd fired: every discard of d the thread finished
 * to blk_complete_io(). */
void blk_discard_reap(struct blk_dev *d);
/* d goes (before its eventfd closes): discards not started are dropped; one
 * running is waited for up to BLK_TEARDOWN_WAIT_MS, then left to the thread
 * (logged), which frees what it holds when the ioctl returns. */
void blk_discard_fini(struct blk_dev *d);
struct blk_discard_stats {
	uint64_t queued, done;         /* discards given to the thread, finished */
	uint64_t orphaned;             /* still running at their device's teardown */
	uint64_t orphans_freed;        /* ... and since finished */
};
void blk_discard_stats(struct blk_discard_stats *s);
/* For tests: a discard the thread took waits while held before its ioctl
 * (a discard that takes long). */
void blk_discard_hold(bool on);

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

/* For tests (the unit tier's build only, XB_TEST_HOOKS): blk_respond()
 * stops at a crash point (the state a process dying there leaves; the test
 * then detaches the bus). Other builds have no hook. */
enum blk_crash {
	BLK_CRASH_NONE,
	BLK_CRASH_AFTER_MARK,          /* journal marked answered, no response written */
	BLK_CRASH_BEFORE_PUSH,         /* responses written, not pushed */
	BLK_CRASH_BEFORE_CLEAR,        /* pushed, journal records not cleared */
};
#ifdef XB_TEST_HOOKS
extern enum blk_crash blk_test_crash;
extern unsigned int blk_test_crashes; /* blk_respond() calls that stopped */
#else
#define blk_test_crash BLK_CRASH_NONE
#endif

/* blk_journal.c */
/* Bytes of the journal of nq queues of ring_pages pages each. */
size_t blk_journal_size(unsigned int nq, unsigned int ring_pages);
/* Inside connect(), d->nqueues set: the device's kept memory as its
 * journal (d->journal, each q->jq). No state directory, or the memory
 * could not be had (logged): no journal, 0. < 0: the kept journal does
 * not fit this connect (xenback_device_fail() called). */
int blk_journal_open(struct blk_dev *d, unsigned int ring_pages);
/* Queue q's rings: recorded in a fresh journal, checked against a kept
 * one (< 0 and failed if they differ). */
int blk_journal_queue(struct blk_queue *q, const uint32_t *refs, unsigned int nrefs,
		      uint32_t port);
/* A reattach, q's ring mapped: q->ring's req_cons and rsp_prod_pvt from
 * the journal and the published indexes; the requests to run again, in
 * the order they were taken, as slot indexes in slot[] (RING_SIZE room),
 * *n of them. Without a kept journal only an idle ring is taken over.
 * < 0: inconsistent, the device failed with the reason. */
int blk_journal_recover(struct blk_queue *q, unsigned int *slot, unsigned int *n);
/* r (a slot of q) took the request at ring index idx, copied in *req:
 * recorded, then the journal's req_cons moves past it. No-op without a
 * journal. */
void blk_journal_take(struct blk_queue *q, const struct blk_req *r, RING_IDX idx,
		      const union blk_ring_req *req);
/* r is about to be answered at response index rsp_idx. */
void blk_journal_answer(struct blk_queue *q, const struct blk_req *r, RING_IDX rsp_idx);
/* r's response is published: its record goes (the slot may be reused). */
void blk_journal_clear(struct blk_queue *q, const struct blk_req *r);
/* The journal copy of the request in slot i (for blk_ring_replay()). */
const unsigned char *blk_journal_request(const struct blk_queue *q, unsigned int i);
/* The kept journal has requests to run again (a live record). */
bool blk_journal_live(const struct blk_dev *d);

/* blk_budget.c */
/* r's bounce buffer for r->bytes, within the device's and the daemon's
 * budgets: 0; -EAGAIN: a budget is reached, r waits (the device is
 * throttled; memory freed by this device or another resumes it);
 * -ENOMEM: no memory. */
int blk_budget_bounce_get(struct blk_dev *d, struct blk_req *r);
/* r answered: its buffer back to the pool; devices waiting on the
 * daemon-wide budget are kicked. */
void blk_budget_bounce_put(struct blk_dev *d, struct blk_req *r);
/* r's buffer, which the kernel may still write, is never freed (kept on a
 * list, still counted against the daemon-wide budget); the slot forgets
 * it. Returns its size. */
size_t blk_budget_bounce_leak(struct blk_dev *d, struct blk_req *r);
/* Bytes leaked so, since the process started. */
uint64_t blk_budget_leaked(void);
/* One more persistent mapping for d within the per-device and daemon-wide
 * caps? (Counted if so; blk_budget_pgrant_put() returns them.) */
bool blk_budget_pgrant_get(struct blk_dev *d);
void blk_budget_pgrant_put(struct blk_dev *d, unsigned int n);
/* What the budgets have left for d, split in parts equal shares: one
 * share. */
unsigned int blk_budget_pgrant_share(const struct blk_dev *d, unsigned int parts);
/* Up to want mappings at once (each as blk_budget_pgrant_get()): how many
 * the budgets gave (returned with blk_budget_pgrant_put()). */
unsigned int blk_budget_pgrant_reserve(struct blk_dev *d, unsigned int want);
/* May d take one more request (requests-in-flight budget)? */
bool blk_budget_request_ok(const struct blk_dev *d);
/* d goes away: off the waiters list. */
void blk_budget_forget(struct blk_dev *d);

/* blk_pool.c */
/* The pool's size class for n bytes (a power of two, 4 KiB..1 MiB); 0 if
 * n is larger than the largest. */
size_t blk_pool_class(size_t n);
/* A buffer of class size: an idle one, else a new one, after freeing idle
 * buffers while idle + in use + size would pass limit (the daemon-wide
 * budget). The caller keeps in use + size within limit. NULL: no memory. */
void *blk_pool_get(size_t size, uint64_t limit);
/* An answered request's buffer back (idle; freed if no disk is left). */
void blk_pool_put(void *buf, size_t size);
/* A disk connected on bus: the trim timer lives in a bus with disks.
 * blk_pool_detach() when it goes; the last one frees everything idle. */
int blk_pool_attach(struct xenback_bus *bus);
void blk_pool_detach(struct xenback_bus *bus);
struct blk_pool_stats {
	uint64_t allocs;               /* buffers allocated (pool empty) */
	uint64_t hits;                 /* buffers reused from the pool */
	uint64_t frees;                /* buffers freed (trimmed) */
	uint64_t idle_bytes;           /* held idle now */
	uint64_t used_bytes;           /* in use now (leaked ones included) */
};
void blk_pool_stats(struct blk_pool_stats *s);
/* The trim interval (0: BLK_POOL_TRIM_MS); for tests. */
void blk_pool_set_trim_ms(unsigned int ms);

#endif
