/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenback.ko internals: contexts (one per open file), bound channels
 * (struct xb_evtchn, named by their local port), and the
 * functions each file of the module provides to the others.
 *
 * Locking
 *   ctx->lock (spinlock, irqsave): a port's delivery state (masked, latched,
 *     dead, eventfd, suppression), the pending ring. Taken from process
 *     context, timers and the Xen event handler; never held while calling
 *     into Xen's event core or sleeping.
 *   ctx->mutex: serialises port management of one context (bind insertion
 *     bookkeeping, unbind, eventfd and ring registration, release).
 *   xb_peer_lock (spinlock): the peer links of loopback pairs.
 *   xb_ctx_list_mutex: the list of contexts (statistics dump).
 *   Ports are looked up in ctx->xen / ctx->loop under RCU and freed after a grace
 *   period; contexts too, so a peer that still holds a port under
 *   rcu_read_lock() may take its ctx->lock and find it dead.
 */
#ifndef XENBACK_KMOD_H
#define XENBACK_KMOD_H

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <xen/events.h>

#include "uapi/xenback.h" /* -I.. in the repo; uapi/ copied in for DKMS */

struct eventfd_ctx;
struct file;

enum xb_stat {
	XB_STAT_EVENTS,
	XB_STAT_WAKES,
	XB_STAT_NOTIFIES,
	XB_STAT_SPURIOUS,
	XB_STAT_THROTTLED,
	XB_STAT_NR,
};

/* ring.c: the pending ring in the shared mapping. */
struct xb_ring {
	struct page *page;             /* the shared page */
	struct xenback_shared *hdr;    /* its start (direct map) */
	u32 *slots;                    /* + XENBACK_RING_OFFSET */
	u32 prod;                      /* private copy of hdr->prod */
};

/* suppress.c: a registered shared ring of one port. */
struct xb_suppress;

/* scratch.c: a context's reusable batch buffers, one per kind */
enum xb_scratch_kind { XB_SCRATCH_TAP_RX, XB_SCRATCH_TAP_TX, XB_SCRATCH_NR };
struct xb_scratch;

struct xb_ctx {
	spinlock_t lock;
	struct mutex mutex;
	bool lost;                     /* under lock: a port has p->lost */
	u64 bind_gen;                  /* under mutex: binds so far */
	/* under mutex: XB_DOMID_ANY or the one domain interdomain binds may name */
	u32 restrict_domid;
	/* port -> struct xb_evtchn: Xen ports by number, loopback ports by
	 * number - XENBACK_LOOPBACK_PORT_BASE (small indices keep the
	 * xarray shallow: the lookup is on every notify).
	 */
	struct xarray xen;
	struct xarray loop;
	atomic_t nports;
	struct xb_ring ring;
	wait_queue_head_t wq;
	u32 id;
	pid_t pid;
	int irq_cpu;                   /* where its event interrupts go (affinity.c) */
	unsigned long irq_moved;       /* jiffies of the last move, 0 never */
	struct list_head node;         /* xb_ctx_list */
	struct xb_scratch *scratch[XB_SCRATCH_NR]; /* taken with xchg() */
	struct rcu_head rcu;
};

struct xb_evtchn {
	struct xb_ctx *ctx;
	u32 port;
	u32 domid;
	u32 kind;                      /* XENBACK_PORT_* */
	int irq;                       /* interdomain */
	int aff_cpu;                   /* the CPU we last moved its irq to, -1 none */
	bool aff_admin;                /* its affinity was set by someone else */
	u64 gen;                       /* ctx->bind_gen at its bind */
	/* under ctx->lock */
	bool masked;                   /* delivered, waiting for re-arm */
	bool latched;                  /* an event arrived while masked */
	/* delivered to a full ring: pushed again once there is room */
	bool lost;
	bool dead;
	bool rearm_armed;              /* throttle timer pending */
	unsigned int spurious_run;     /* consecutive spurious re-arms */
	struct eventfd_ctx *evfd;
	struct xb_suppress *sup;
	struct timer_list rearm;       /* loopback: throttled unmask */
	/* under xb_peer_lock; read under RCU */
	struct xb_evtchn __rcu *peer;
	/* Counters: EVENTS, WAKES, SPURIOUS, THROTTLED change under
	 * ctx->lock; NOTIFIES (sent without it) is notifies_atomic.
	 */
	u64 stats[XB_STAT_NR];
	atomic64_t notifies_atomic;
	struct list_head kill_node;    /* teardown batch */
	struct rcu_head rcu;
};

/* ctx->lock held (readers use xb_stat_read without it). */
static inline void xb_stat_inc(struct xb_evtchn *p, enum xb_stat s)
{
	WRITE_ONCE(p->stats[s], p->stats[s] + 1);
}

static inline u64 xb_stat_read(const struct xb_evtchn *p, enum xb_stat s)
{
	if (s == XB_STAT_NOTIFIES)
		return atomic64_read(&p->notifies_atomic);
	return READ_ONCE(p->stats[s]);
}

/* main.c */
extern struct mutex xb_ctx_list_mutex;
extern struct list_head xb_ctx_list;
struct xb_ctx *xb_ctx_from_file(struct file *file);

/* ioctl.c */
long xb_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* scratch.c: a buffer of at least size bytes (8-byte aligned), NULL if
 * none could be had; put it back when done (NULL is fine). */
void *xb_scratch_get(struct xb_ctx *ctx, enum xb_scratch_kind k, size_t size);
void xb_scratch_put(struct xb_ctx *ctx, enum xb_scratch_kind k, void *p);
void xb_scratch_free(struct xb_ctx *ctx);

/* tap_rx.c: XENBACK_IOCTL_TAP_RX; the tun symbol it holds */
long xb_tap_rx(struct xb_ctx *ctx, void __user *arg);
void xb_tap_rx_exit(void);
/* tap_tx.c: XENBACK_IOCTL_TAP_TX */
long xb_tap_tx(struct xb_ctx *ctx, void __user *arg);

/* affinity.c */
void xb_affinity_bind(struct xb_ctx *ctx, struct xb_evtchn *p);
void xb_affinity_follow(struct xb_ctx *ctx);

/* test_hooks.c (XENBACK_TEST_HOOKS builds only) */
#ifdef XENBACK_TEST_HOOKS
void xb_test_window(void);
int xb_bind_irq(u32 port, irq_handler_t handler, const char *name, void *data);
bool xb_test_fake_grants(void);
unsigned int xb_test_gio_delay_ms(void);
#else
static inline void xb_test_window(void)
{
}

static inline bool xb_test_fake_grants(void)
{
	return false;
}

static inline unsigned int xb_test_gio_delay_ms(void)
{
	return 0;
}

static inline int xb_bind_irq(u32 port, irq_handler_t handler, const char *name, void *data)
{
	return bind_evtchn_to_irqhandler_lateeoi(port, handler, 0, name, data);
}
#endif

/* wait.c */
struct file *xb_wait_file_get(int fd);      /* ERR_PTR(-EBADF/-EINVAL) */
long xb_wait(struct xb_ctx *ctx, u32 cons, struct file *file);

/* evtchn.c */
static inline struct xarray *xb_evtchn_xa(struct xb_ctx *ctx, u32 port,
					unsigned long *idx)
{
	if (port >= XENBACK_LOOPBACK_PORT_BASE) {
		*idx = port - XENBACK_LOOPBACK_PORT_BASE;
		return &ctx->loop;
	}
	*idx = port;
	return &ctx->xen;
}

struct xb_evtchn *xb_evtchn_lookup(struct xb_ctx *ctx, u32 port); /* RCU */
/* A bound port as its binder knows it: the number and the bind's
 * generation in its context (numbers are reused, generations are not).
 */
struct xb_bound {
	u32 port;
	u64 gen;
};
int xb_evtchn_bind_loopback(struct xb_ctx *ctx, struct xb_ctx *peer_ctx,
			  struct xb_bound *a, struct xb_bound *b);
int xb_evtchn_bind_interdomain(struct xb_ctx *ctx, u32 domid, u32 remote_port,
			     struct xb_bound *bound);
int xb_evtchn_unbind(struct xb_ctx *ctx, u32 port);
#define XB_DOMID_ANY 0xffffffffu
int xb_evtchn_restrict_domid(struct xb_ctx *ctx, u32 domid);
/* Undo a bind whose result could not be returned: unbinds the port only if
 * it is still that bind's (another thread may have unbound it and a new
 * bind taken its number).
 */
void xb_evtchn_unbind_bound(struct xb_ctx *ctx, const struct xb_bound *b);
void xb_evtchn_unbind_all(struct xb_ctx *ctx);
/* An interdomain channel bound for the module's own use, outside any
 * context (blkif.c): its lateeoi irq with handler (named "xenback-blkif"
 * in /proc/interrupts), or an error (the channel closed again).
 * unbind_from_irqhandler() closes it. */
int xb_evtchn_bind_for_kernel(u32 domid, u32 remote_port, irq_handler_t handler, void *data);
int xb_evtchn_set_eventfd(struct xb_ctx *ctx, u32 port, int fd);
int xb_evtchn_set_ring(struct xb_ctx *ctx, u32 port, u64 req_prod, u64 req_cons, bool grant);
/* The remote domain and bind generation of an interdomain port; -EINVAL
 * for an unknown or loopback port. */
int xb_evtchn_remote_domid(struct xb_ctx *ctx, u32 port, u32 *domid, u64 *gen);
/* The same for any bound port (loopback: XENBACK_DOMID_LOOPBACK). */
int xb_evtchn_port_domid(struct xb_ctx *ctx, u32 port, u32 *domid);
void xb_evtchn_notify(struct xb_evtchn *p);            /* RCU held */
/* Push ports whose delivery found the ring full, now that userspace may
 * have consumed (NOTIFY, poll).
 */
void xb_evtchn_redeliver(struct xb_ctx *ctx);
void xb_evtchn_rearm(struct xb_evtchn *p, bool spurious); /* RCU held */
void xb_evtchn_event(struct xb_evtchn *p);             /* any context */

/* ring.c */
int xb_ring_init(struct xb_ring *r);
void xb_ring_free(struct xb_ring *r);
bool xb_ring_push(struct xb_ring *r, u32 port);    /* ctx->lock held */
bool xb_ring_pending(struct xb_ring *r);
u32 xb_ring_count(struct xb_ring *r);
int xb_ring_mmap(struct xb_ring *r, struct vm_area_struct *vma);

/* suppress.c */
struct xb_suppress *xb_suppress_new(u64 req_prod, u64 req_cons, bool grant, u32 domid);
bool xb_suppress_has_work(const struct xb_suppress *s); /* atomic-safe */
void xb_suppress_free(struct xb_suppress *s);

/* grant_io.c: a new grant I/O file for grants of domid (its fd). */
int xb_grant_io_open(u32 domid, int image_fd, u32 max_grants, bool fake);
int __init xb_grant_io_init(void);
void xb_grant_io_exit(void);

/* blkif.c: the blkif ring engine (XENBACK_IOCTL_BLKIF_OPEN): its fd. */
int xb_blkif_open(struct xb_ctx *ctx, struct xenback_blkif_open *o);
int __init xb_blkif_init(void);
void xb_blkif_exit(void);

/* eventfd.c */
struct eventfd_ctx *xb_eventfd_get(int fd);
void xb_eventfd_put(struct eventfd_ctx *e);
void xb_eventfd_signal(struct eventfd_ctx *e);

/* genl.c */
int __init xb_genl_init(void);
void xb_genl_exit(void);

#endif
