/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libxenback internals: the objects a bus owns and the calls between files. */
#ifndef XENBACK_INTERNAL_H
#define XENBACK_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <uthash.h>

#include "platform.h"
#include "xenback.h"


/* Domain ids at or above DOMID_FIRST_RESERVED (0x7ff0) are not guests. */
#define XB_DOMID_MAX 0x7fefu

/* A registered backend type. */
struct xb_type {
	const struct xenback_backend_info *info;
	uint32_t idx;
	char *watch_path;     /* /local/domain/<bd>/backend/<type> */
	size_t watch_len;
	char *token;          /* "b/<idx>" */
	bool watching;
	bool initial_pending; /* swallow the event a new watch fires once */
	UT_hash_handle hh;    /* bus->types, by info->type */
};

/* Registry key: (type, frontend domid, devid). No padding. */
struct xb_key {
	uint32_t type_idx;
	uint32_t domid;
	uint32_t devid;
};

/* A frontend domain that has instances (for domain-death teardown). */
struct xb_dom {
	uint32_t domid;
	unsigned int count;
	bool gone;                    /* died: its records are "domain gone" */
	struct xenback_backend *list; /* instances, linked by dom_next */
	UT_hash_handle hh;
};

/* The registry record (QEMU: XenBackendInstance). */
struct xenback_backend {
	struct xb_key key;
	UT_hash_handle hh;            /* bus->instances */
	struct xenback_backend *dom_prev, *dom_next;
	struct xenback_backend *retry_next;
	struct xenback_bus *bus;
	struct xb_type *type;
	char name[24];                /* "<domid>/<devid>" */
	char *path;                   /* backend node */
	char *fe_path;                /* frontend node ("" if unknown) */
	struct xenback_device *dev;   /* attached device, or NULL */
	struct xenback_device *pending; /* made in create(), not attached yet */
	int error;                    /* < 0 without a device: failed (kept, never
				       * re-created); with one: its last connect error */
	char *error_msg;
	bool declined;
	bool gone;                    /* its frontend domain is gone (error -ESRCH) */
	bool marked;                  /* its node carries XB_MARK_KEY (generation.c) */
	bool retry;                   /* waiting for the retry timer */
	uint32_t seen;                /* scan generation (mark and sweep) */
	unsigned int retries;
};

struct xb_write {
	struct xb_write *next;
	char *key;
	char *val;
};

struct xb_map {
	struct xb_map *next;
	void *addr;
	unsigned int n;
};

struct xenback_evtchn {
	uint32_t port;
	UT_hash_handle hh;            /* bus->ports */
	struct xenback_evtchn *next;  /* dev->chans */
	struct xenback_device *dev;
	xenback_evtchn_fn fn;
	void *arg;
	bool notify_queued;           /* in bus->kick_ntf this round */
};

/* re-arms and notifies batched over one dispatch round. */
struct xb_kick {
	uint32_t *rearm, *ntf;
	unsigned int nr, nn, cap_r, cap_n;
};

/* A live device (QEMU: XenDevice) and its XenbusState machine. */
struct xenback_device {
	struct xenback_backend *be;
	int state;                    /* backend XenbusState */
	int fe_state;                 /* -1 until read */
	bool online;
	bool hotplug_ok;
	bool connected;               /* connect() ran, disconnect() owed */
	bool watching_fe;
	bool in_create;               /* buffer xenback_device_printf() */
	bool dead;                    /* failed: torn down by xb_bus_reap() */
	bool renewed;                 /* dead: its node was written anew */
	bool in_connect;              /* inside the type's connect() */
	int connect_err;              /* xenback_device_fail() inside connect() */
	struct xenback_device *dead_next;
	unsigned int state_echoes;    /* our own state writes not yet seen */
	char *fe_state_path;
	char *fe_token;               /* "f/<type>/<domid>/<devid>" */
	struct xb_write *writes, **writes_tail;
	struct xb_map *maps;
	struct xenback_evtchn *chans;
	uint64_t flap_start_ns;
	unsigned int flap_count;
	/* Backoff of failing connects (device.c, xenback_bus_config). */
	unsigned int connect_fails;   /* failed connects since the last good one */
	uint64_t hold_until_ns;       /* no InitWait offered before this */
	bool held;                    /* the frontend asked during the hold: InitWait owed */
	uint64_t usage[XENBACK_USAGE_NR]; /* xenback_device_account() */
	/* Handover (handover.c). */
	int adopt_state;              /* create() for a node a previous process
				       * left in this state (0: a new node) */
	bool reattaching;             /* Connected under a previous process:
				       * the next connect() takes it over */
	void *keep;                   /* xenback_device_keep(), until disconnect */
	size_t keep_len;
	max_align_t priv[];
};

/* Watch events read, coalesced, not handled yet (watch_queue.c). */
struct xb_wev;
struct xb_watchq {
	struct xb_wev *hash;          /* by coalescing key */
	struct xb_wev *head, **tail;  /* oldest first */
	unsigned int n;
};
/* Budgets of one round (documented in xenback.h). */
#define XB_WATCH_READ_BUDGET 1024u    /* events read from xenstore */
#define XB_WATCH_HANDLE_BUDGET 256u   /* coalesced events handled */
#define XB_WATCH_PENDING_MAX 4096u    /* coalesced events held */

/* An extra fd in the bus's epoll set. */
struct xb_fdw {
	int fd;
	UT_hash_handle hh;
	xenback_fd_fn fn;
	void *arg;
	bool dead;                    /* removed while dispatching */
	struct xb_fdw *grave_next;
};

struct xenback_bus {
	struct xenback_platform *plat;
	struct xenback_bus_config cfg;
	int epfd;                     /* the bus fd */
	int src_fd;                   /* the sources but event channels (nested in epfd with
				       * kwait, else epfd itself) */
	bool kwait;                   /* event channels' kick_wait: one call per round */
	int timerfd;
	int pending_fd;               /* eventfd: a round left work (timeout 0) */
	bool pending_set;
	bool watch_ready;             /* xenstore or pending_fd woke this round */
	struct xb_watchq wq;
	int xs_fd, ev_fd;
	bool started;
	bool release_watch;
	uint32_t ntypes;
	struct xb_type *types;        /* by name */
	struct xb_type **type_vec;    /* by idx */
	struct xenback_backend *instances;
	unsigned int ninstances;
	struct xb_dom *doms;
	struct xenback_evtchn *ports;
	struct xb_fdw *fds;
	struct xb_fdw *fd_graves;     /* freed after the dispatch round */
	struct xb_kick kick;
	bool dispatching;
	bool closing;                 /* xenback_bus_free() runs */
	bool detaching;               /* ... from xenback_bus_detach() */
	char *state_dir;              /* xenback_bus_set_state_dir() */
	int state_lock;               /* ... its lock, held while the bus lives */
	struct xenback_backend *retry_list;
	bool rescan_pending;          /* a scan failed: rescan from the timer */
	bool timer_armed;
	uint64_t timer_due_ns;        /* when the armed timer fires (CLOCK_MONOTONIC) */
	uint64_t retry_due_ns;        /* the retry list's turn (0: none) */
	uint64_t hold_due_ns;         /* the earliest held device's (0: none) */
	struct xenback_device *dead_list;
	uint32_t scan_gen;
	uint64_t usage[XENBACK_USAGE_NR]; /* sum over the devices */
	char err[512];
};

/* log.c */
void xb_log(struct xenback_bus *bus, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int xb_error(struct xenback_bus *bus, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t xb_now_ns(void);
#ifdef XB_TEST_HOOKS
extern unsigned long xb_test_clock_reads;
#endif
/* True if n bytes at p are all zero (a public struct's reserved tail). */
static inline bool xb_all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}
char *xb_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xb_vstrdup_printf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* registry.c: replace the backend's error text (kept if formatting fails). */
void xb_backend_vset_error_msg(struct xenback_backend *be, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* xs.c: thin wrappers over the platform's xenstore ops */
int xb_xs_read(struct xenback_bus *bus, xb_txn_t t, const char *path, char **val);
int xb_xs_read_uint(struct xenback_bus *bus, xb_txn_t t, const char *path,
		    unsigned long max, unsigned long *v);
int xb_xs_write(struct xenback_bus *bus, xb_txn_t t, const char *path, const char *val);
int xb_xs_printf(struct xenback_bus *bus, xb_txn_t t, const char *path,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int xb_xs_directory(struct xenback_bus *bus, xb_txn_t t, const char *path,
		    char ***names, unsigned int *n);
int xb_parse_uint(const char *s, unsigned long max, unsigned long *v);
/* Write path = val in one transaction with a read of node/state, only if
 * the node exists (-ENOENT: gone, nothing written), retried on EAGAIN.
 * refuse_new: a state of Initialising means a new node the toolstack
 * wrote (generation.c): -ESTALE, nothing written. */
int xb_node_write(struct xenback_bus *bus, const char *node, const char *path,
		  const char *val, bool refuse_new);
/* The toolstack's Closing (libxl writes it with online=0, then waits for
 * Closed) answered with Closed on a node whose device is gone or never
 * was; true if written. */
bool xb_node_answer_closing(struct xenback_bus *bus, const char *node);
/* In a driver domain (backend_domid != 0): removes the backend node once
 * it is Closed and the toolstack took it offline (online=0), the backend
 * domain's part of a removal (xl devd's, without it: dom0's libxl waits
 * for the node to go). Nothing in dom0, where the toolstack removes it. */
void xb_node_release(struct xenback_bus *bus, const char *node);

/* handover.c: devices across a restart, an upgrade or a crash */
/* A node with no record found by a scan, in a state other than
 * Initialising: true if its state is one the bus takes over (a state
 * directory is set)... */
bool xb_handover_wanted(const struct xenback_bus *bus, unsigned long state,
			unsigned long online);
/* ... and it is taken over only if a process of ours served it (its mark
 * or kept file in the state directory): a node past Initialising without
 * either is another backend's, e.g. QEMU's. Checked after the state (it
 * touches the file system). */
bool xb_handover_ours(const struct xenback_bus *bus, const char *type, uint32_t domid,
		      uint32_t devid);
/* Mark a device as served by this state directory's processes (created
 * or taken over), or drop the mark (the device destroyed, not by a bus
 * detaching). */
void xb_handover_served(struct xenback_device *dev, bool served);
/* After create() for such a node (dev->adopt_state): the device takes the
 * node's state as it is, nothing published. 0 or a negative errno. */
int xb_handover_adopt(struct xenback_device *dev);
/* Unmap what xenback_device_keep() mapped; remove its file unless the bus
 * is detaching. */
void xb_handover_release(struct xenback_device *dev);
/* At bus start: drop kept files no node of ours needs any more. */
void xb_handover_sweep(struct xenback_bus *bus);
void xb_handover_free(struct xenback_bus *bus);

/* generation.c: old node or new one at the same path */
#define XB_MARK_KEY "xenback-record"
enum xb_gen { XB_GEN_SAME, XB_GEN_NEW, XB_GEN_GONE };
/* Mark the node of a record without a device (failed, declined, gone). */
void xb_gen_mark(struct xenback_backend *be);
/* A record without a device: its node, a new one, or none. */
enum xb_gen xb_gen_check_record(struct xenback_backend *be);
/* A live device whose node's state reads state. */
enum xb_gen xb_gen_check_state(const struct xenback_device *dev, unsigned long state);

/* registry.c */
struct xb_type *xb_type_by_idx(struct xenback_bus *bus, uint32_t idx);
struct xb_type *xb_type_by_name(struct xenback_bus *bus, const char *name);
struct xenback_backend *xb_backend_find(struct xenback_bus *bus, uint32_t type_idx,
					 uint32_t domid, uint32_t devid);
struct xenback_backend *xb_backend_new(struct xenback_bus *bus, struct xb_type *t,
					uint32_t domid, uint32_t devid);
/* Destroys the device if any (frontend told Closed when node_exists) and
 * forgets the record. */
void xb_backend_forget(struct xenback_backend *be, bool node_exists);
/* adopt_state: 0 for a new node (publishes InitWait), else the state a
 * previous process left the node in and online its online key
 * (handover.c). */
int xb_backend_create(struct xenback_backend *be, const struct xenback_opts *opts,
		      int adopt_state, bool online);
struct xb_dom *xb_dom_find(struct xenback_bus *bus, uint32_t domid);

/* domain_gone.c: the frontend domain is gone: tear the device down (Closed
 * written), drop what the record held, keep it as "domain gone" (-ESRCH). */
void xb_backend_set_gone(struct xenback_backend *be);
/* @releaseDomain: every domain with records that no longer exists. */
void xb_release_domains(struct xenback_bus *bus);

/* node_check.c: 1 if /local/domain/<domid> exists, 0 if not, or < 0. */
int xb_domain_exists(struct xenback_bus *bus, uint32_t domid);
/* Before create(), for enumeration and the public create alike: the
 * frontend domain exists (else the record is marked gone, -ESRCH) and the
 * frontend node is inside it with a matching frontend-id (else -EINVAL).
 * On failure be->error and its text are set; the caller logs. */
int xb_backend_admit(struct xenback_backend *be, const char *frontend, bool has_id,
		     unsigned long frontend_id);
int xb_parse_name(const char *name, uint32_t *domid, uint32_t *devid);

/* enumerate.c */
int xb_enum_watch_type(struct xenback_bus *bus, struct xb_type *t);
int xb_enum_scan_type(struct xenback_bus *bus, struct xb_type *t);
/* Full scan of every type, frontends and domains re-checked (lost events,
 * or a scan that failed: why says which). */
int xb_enum_rescan(struct xenback_bus *bus, const char *why);
/* n: events coalesced into this one (the device's own state writes are
 * counted off it). */
void xb_enum_event(struct xenback_bus *bus, const char *path, const char *token,
		   unsigned int n);
void xb_enum_retry(struct xenback_bus *bus);
void xb_retry_schedule(struct xenback_backend *be);
/* be's node was written anew: forget be (its device torn down, nothing
 * written into the new node) and try the new node afresh. */
void xb_enum_node_renewed(struct xenback_backend *be);
void xb_retry_cancel(struct xenback_backend *be);

/* device.c: the XenbusState machine */
int xb_device_publish(struct xenback_device *dev);
void xb_device_publish_none(struct xenback_device *dev);
void xb_device_frontend_changed(struct xenback_device *dev);
void xb_device_backend_changed(struct xenback_device *dev, const char *key, unsigned int n);
/* Tears a device down: disconnect, release, state Closed (if write_closed),
 * unwatch, type destroy(), free. */
void xb_device_teardown(struct xenback_device *dev, bool write_closed);
void xb_device_free(struct xenback_device *dev);
int xb_device_set_state(struct xenback_device *dev, int state);

/* watch_queue.c */
void xb_watchq_init(struct xb_watchq *q);
void xb_watchq_clear(struct xb_watchq *q);
/* One round's watch events within the budgets; returns how many were
 * handled or a negative errno for a bus-wide failure. */
int xb_watch_round(struct xenback_bus *bus);

/* bus.c: make the next round come at once (work left over). */
void xb_bus_signal_pending(struct xenback_bus *bus);
/* Arms the retry timer if devices wait for it (the retry list, a rescan,
 * a device's connect backoff). */
void xb_bus_arm_timer(struct xenback_bus *bus);
/* device.c: held devices whose backoff is over get their InitWait. */
void xb_device_holds_expire(struct xenback_bus *bus);
/* Frees devices failed from inside callbacks (deferred teardown). */
void xb_bus_reap(struct xenback_bus *bus);

/* usage.c: returns what a freed device still had accounted to the bus. */
void xb_usage_release(struct xenback_device *dev);
/* usage.c: fds left under RLIMIT_NOFILE (a lower bound when far from it;
 * LONG_MAX if unlimited or unknown); *limit: the soft limit (0: none). A
 * device is created only with at least XB_FD_RESERVE left. */
#define XB_FD_RESERVE 64
long xb_fds_left(unsigned long *limit);

/* device_io.c */
void xb_device_release_io(struct xenback_device *dev);
void xb_evtchn_dispatch(struct xenback_bus *bus);
/* Sends the round's batched re-arms and notifies. */
void xb_evtchn_flush(struct xenback_bus *bus);
/* The round's kicks and the wait for the next (ops->kick_wait); on
 * -EOPNOTSUPP nothing was done and the kicks stay queued. */
int xb_evtchn_flush_wait(struct xenback_bus *bus, int other_fd, int timeout_ms);
void xb_evtchn_kick_free(struct xenback_bus *bus);


#endif
