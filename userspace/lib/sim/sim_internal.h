/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the simulated platform (sim.c, sim_xs*.c, sim_gnt.c,
 * sim_evtchn.c). Everything hangs off struct xenback_sim; no globals
 * except the constant ops tables.
 */
#ifndef XENBACK_SIM_INTERNAL_H
#define XENBACK_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "xenback/sim.h"
#include "platform.h"
#include "uapi/xenback.h"

#define SIM_PAGE_SIZE 4096u

struct xs_node;
struct xs_wpath;
struct xs_event;
struct xs_txn;
struct xs_tomb;
struct sim_grant;
struct sim_mapping;
struct sim_port;
struct sim_dom;

struct sim_xs {
	struct xs_node *root;
	uint64_t gen;               /* bumped by every tree change */
	struct xs_wpath *watches;   /* hash: watched path -> tokens */
	struct xs_event *queue;     /* backend side's pending events (DL) */
	unsigned long nqueued;
	struct xs_event *held;      /* hash of events held by a batch */
	struct xs_event *held_list; /* same events, in order (DL) */
	unsigned int hold_depth;
	bool overflow;              /* next read_watch reports -ENOBUFS */
	int efd;
	bool efd_set;
	struct xs_txn *txns;        /* hash by id */
	uint32_t next_txn;
	struct xs_tomb *tombs;      /* deletions, kept while txns are open */
};

struct sim_gnt {
	int memfd;                  /* every granted page lives here */
	uint64_t npages;            /* size of memfd in pages */
	uint64_t *free_pages;       /* stack of reusable page offsets */
	uint64_t nfree, free_cap;
	uint32_t next_ref;
	struct sim_grant *grants;   /* hash by (domid, ref) */
	struct sim_mapping *maps;   /* hash by address */
	unsigned int mapped;
	/* Fault injection (xenback_sim_fail_grant_*): calls to fail, how. */
	unsigned int fail_copies, fail_maps;
	int copy_err, map_err;
	bool fail_seg_armed;        /* the next copy's segment fail_seg fails */
	unsigned int fail_seg;
	int16_t fail_seg_status;
	void (*map_hook)(void *arg); /* runs once, inside the next map */
	void *map_hook_arg;
	void (*copy_hook)(void *arg); /* runs once, inside the next copy */
	void *copy_hook_arg;
};

struct sim_evtchn {
	struct sim_port *ports;     /* hash by (domid, port) */
	struct sim_dom *doms;       /* hash by domid: next free port */
	struct sim_port *pending;   /* backend ports queued for pending() */
	unsigned int bound;         /* backend ports allocated */
	int efd;
	bool efd_set;
	uint64_t kick_waits;         /* kick_wait() calls: rounds that waited in one call */
	uint64_t spurious;           /* re-arms the backend marked spurious */
};

/* sim_grant_io.c: grant I/O files (off unless a test turns it on). */
/* sim_tap_rx.c and sim_tap_tx.c's state: rx frames kept for the next
 * call, by tap fd */
struct sim_tap_held;
struct sim_tap_state {
	bool on;
	uint64_t rx_frames, tx_frames;
	struct sim_tap_held *held;
};
struct sim_gio;
struct sim_gio_req;
struct sim_gio_state {
	bool on, hold;
	struct sim_gio *files;
	struct sim_gio_req *held;      /* every file's held requests, in order */
	uint64_t opened, requests, dropped;
};

/* sim_blkif.c: blkif ring engine files (off unless a test turns it on). */
struct sim_blkif;
struct sim_blkif_state {
	bool on, hold;
	struct sim_blkif *files;
	uint64_t opened, closed, events, requests;
	struct xenback_blkif_open last_open;
};

struct xenback_sim {
	struct xenback_platform plat;
	bool plat_open;
	uint32_t backend_domid;     /* 0: the backend side runs in dom0 */
	uint64_t req[XENBACK_SIM_NR_REQ];
	unsigned int fail_n[XENBACK_SIM_NR_REQ];
	int fail_err[XENBACK_SIM_NR_REQ];
	unsigned int fail_commits;
	uint64_t watch_events;
	struct sim_xs xs;
	struct sim_gnt gnt;
	struct sim_evtchn ev;
	struct sim_gio_state gio;
	struct sim_blkif_state blkif;
	struct sim_tap_state tap;
	/* called with each backend-side write, before it is applied */
	void (*write_hook)(void *arg, const char *path, const char *val, unsigned int len);
	void *write_hook_arg;
};

/* sim_tap_rx.c: the evtchn ops' tap_rx (h: the sim); its kept frames
 * freed with the sim. */
int xb_sim_tap_rx(void *h, struct xenback_tap_rx *rx);
/* sim_tap_tx.c: the evtchn ops' tap_tx (h: the sim; on with tap_rx) */
int xb_sim_tap_tx(void *h, int tap_fd, struct xenback_tap_tx *tx);
void xb_sim_tap_rx_close(struct xenback_sim *sim);
/* sim_gnt.c: the simulated grant copy (its fault injection applies) */
int xb_sim_gnt_copy(struct xenback_sim *sim, struct xenback_grant_copy *segs, unsigned int n);

/* sim_grant_io.c: the evtchn ops' grant I/O entries (h: the sim). */
int xb_sim_gio_open(void *h, uint32_t port, int image_fd, unsigned int max_grants);
int xb_sim_gio_submit(void *h, int fd, const struct xenback_grant_io_req *reqs, unsigned int n,
		      struct xenback_grant_io_done *done, unsigned int max);
int xb_sim_gio_reap(void *h, int fd, struct xenback_grant_io_done *done, unsigned int max);
void xb_sim_gio_close_file(void *h, int fd);
void xb_sim_gio_close(struct xenback_sim *sim); /* every file */
/* sim_blkif.c: the evtchn ops' blkif entries (h: the sim); the engine's
 * run when the frontend notifies the port it bound. */
int xb_sim_blkif_open(void *h, struct xenback_blkif_open *o);
int xb_sim_blkif_stats(void *h, int fd, struct xenback_blkif_stats *st);
void xb_sim_blkif_close_file(void *h, int fd);
void xb_sim_blkif_close(struct xenback_sim *sim); /* every file */
void xb_sim_blkif_event(struct xenback_sim *sim, uint32_t port);
/* sim_evtchn.c: a port bound for the engine (its notifies run
 * xb_sim_blkif_event(), never pending()); its unbind; a notify of the
 * frontend from it. */
int xb_sim_evtchn_bind_engine(struct xenback_sim *sim, uint32_t domid, uint32_t remote_port);
void xb_sim_evtchn_unbind_engine(struct xenback_sim *sim, uint32_t port);
void xb_sim_evtchn_notify_remote(struct xenback_sim *sim, uint32_t port);
/* sim_gnt.c: the page of domid's grant ref as the backend side may use
 * it (granted to it, domain alive), or NULL. */
char *xb_sim_gnt_page(struct xenback_sim *sim, uint32_t domid, uint32_t ref);
/* sim_evtchn.c: the remote domain of a backend-side interdomain port. */
int xb_sim_evtchn_remote(struct xenback_sim *sim, uint32_t port, uint32_t *domid);

/* sim.c: count one backend-side request; returns the injected error or 0. */
int xb_sim_request(struct xenback_sim *sim, enum xenback_sim_req kind);
/* sim.c: true if the next commit is to fail by injection (consumes it). */
bool xb_sim_take_commit_fault(struct xenback_sim *sim);

/* sim_xs.c: the tree and the ops table. */
extern const struct xb_xs_ops xb_sim_xs_ops;
int xb_sim_xs_init(struct xenback_sim *sim);
void xb_sim_xs_close(struct xenback_sim *sim); /* backend side's state */
void xb_sim_xs_fini(struct xenback_sim *sim);
int xb_sim_xs_check_path(const char *path, bool allow_special);
struct xs_node *xb_sim_xs_lookup(struct xenback_sim *sim, const char *path);
bool xb_sim_xs_node_info(const struct xs_node *n, uint64_t *gen);
const char *xb_sim_xs_node_value(const struct xs_node *n, unsigned int *len);
/* Appends the names of n's children to *names (caller's growable array). */
int xb_sim_xs_node_children(const struct xs_node *n, char ***names,
			    unsigned int *nr, unsigned int *cap);
int xb_sim_xs_tree_write(struct xenback_sim *sim, const char *path,
			 const char *val, unsigned int len);
int xb_sim_xs_tree_rm(struct xenback_sim *sim, const char *path);
/* Packs names into one malloc()ed block (array, NULL, strings). */
int xb_sim_xs_pack_names(char **names, unsigned int n, char ***out);
/* Is `path` equal to or below `prefix` (component boundary)? */
bool xb_sim_xs_is_under(const char *path, const char *prefix);

/* sim_xs_watch.c: watches and the backend side's event queue. */
int xb_sim_xs_watch_add(struct xenback_sim *sim, const char *path,
			const char *token);
int xb_sim_xs_watch_del(struct xenback_sim *sim, const char *path,
			const char *token);
/* An event for every watch on `path` or an ancestor of it. */
void xb_sim_xs_fire(struct xenback_sim *sim, const char *path);
/* An event for watches set on exactly `path`. */
void xb_sim_xs_fire_exact(struct xenback_sim *sim, const char *path);
void xb_sim_xs_hold(struct xenback_sim *sim);
void xb_sim_xs_release(struct xenback_sim *sim);
int xb_sim_xs_read_watch(struct xenback_sim *sim, char **path, char **token);
void xb_sim_xs_drop_events(struct xenback_sim *sim);
void xb_sim_xs_watch_fini(struct xenback_sim *sim);

/* sim_xs_txn.c: backend-side transactions. */
int xb_sim_txn_start(struct xenback_sim *sim, xb_txn_t *t);
int xb_sim_txn_end(struct xenback_sim *sim, xb_txn_t t, bool abort);
int xb_sim_txn_read(struct xenback_sim *sim, xb_txn_t t, const char *path,
		    char **val, unsigned int *len);
int xb_sim_txn_write(struct xenback_sim *sim, xb_txn_t t, const char *path,
		     const char *val, unsigned int len);
int xb_sim_txn_directory(struct xenback_sim *sim, xb_txn_t t,
			 const char *path, char ***names, unsigned int *n);
int xb_sim_txn_rm(struct xenback_sim *sim, xb_txn_t t, const char *path);
/* Records a deletion for transactions that are open. */
void xb_sim_txn_note_delete(struct xenback_sim *sim, const char *path);
void xb_sim_txn_fini(struct xenback_sim *sim);

/* sim_gnt.c */
extern const struct xb_gnt_ops xb_sim_gnt_ops;
int xb_sim_gnt_init(struct xenback_sim *sim);
void xb_sim_gnt_close(struct xenback_sim *sim);
void xb_sim_gnt_fini(struct xenback_sim *sim);
void xb_sim_gnt_domain_destroy(struct xenback_sim *sim, uint32_t domid);

/* sim_evtchn.c */
extern const struct xb_evtchn_ops xb_sim_evtchn_ops;
int xb_sim_evtchn_init(struct xenback_sim *sim);
void xb_sim_evtchn_close(struct xenback_sim *sim);
void xb_sim_evtchn_fini(struct xenback_sim *sim);
void xb_sim_evtchn_domain_destroy(struct xenback_sim *sim, uint32_t domid);

#endif
