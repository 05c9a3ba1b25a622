/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated platform: an in-process xenstore (a tree with watches and
 * transactions), grant tables backed by shared memory, and event channels,
 * so backends and the library run without Xen. A test double of the real
 * platform, not a second product: same ops, same error codes.
 *
 * Two sides share one simulation:
 *  - the backend side is xenback_sim_platform(), handed to xenback_bus_new();
 *    its xenstore requests are counted by kind and can be made to fail;
 *  - the "other side" (toolstack and frontends in tests) uses the
 *    xenback_sim_* calls below; those are not counted and never fail by
 *    injection. Their writes fire the backend side's watches.
 */
#ifndef XENBACK_SIM_H
#define XENBACK_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "xenback.h"

#ifdef __cplusplus
extern "C" {
#endif

struct xenback_sim;

struct xenback_sim *xenback_sim_new(void);
/* Frees the simulation (and its platform, if not freed already). */
void xenback_sim_free(struct xenback_sim *sim);
/* The backend side, for xenback_bus_new(). Owned by the sim. */
struct xenback_platform *xenback_sim_platform(struct xenback_sim *sim);

/* ------------------------------------------------- xenstore, other side */
/* Paths are absolute. Writes create missing parents. */
int xenback_sim_write(struct xenback_sim *sim, const char *path,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* malloc()ed value, NULL if absent. */
char *xenback_sim_read(struct xenback_sim *sim, const char *path);
/* Reads an integer value; -1 if absent or not a number. */
long xenback_sim_read_int(struct xenback_sim *sim, const char *path);
/* Removes the node and its subtree; 0 or -ENOENT. */
int xenback_sim_rm(struct xenback_sim *sim, const char *path);
bool xenback_sim_exists(struct xenback_sim *sim, const char *path);
/* Group other-side writes as one transaction: watches fire at the end. */
void xenback_sim_batch_begin(struct xenback_sim *sim);
void xenback_sim_batch_end(struct xenback_sim *sim);

/* Domain death: removes /local/domain/<domid> and fires @releaseDomain. */
int xenback_sim_domain_destroy(struct xenback_sim *sim, uint32_t domid);
/* Drops every queued watch event; the next read_watch reports -ENOBUFS
 * (as after a watch-queue overflow or a xenstore reconnect). */
void xenback_sim_watch_overflow(struct xenback_sim *sim);

/* --------------------------------------- backend side: cost and faults */
enum xenback_sim_req {
	XENBACK_SIM_READ,
	XENBACK_SIM_WRITE,
	XENBACK_SIM_DIRECTORY,
	XENBACK_SIM_RM,
	XENBACK_SIM_TXN_START,
	XENBACK_SIM_TXN_END,
	XENBACK_SIM_WATCH,
	XENBACK_SIM_UNWATCH,
	XENBACK_SIM_NR_REQ,
};
const char *xenback_sim_req_name(enum xenback_sim_req kind);
/* Requests the backend side made, by kind, and in all. */
uint64_t xenback_sim_requests(const struct xenback_sim *sim,
			      enum xenback_sim_req kind);
uint64_t xenback_sim_requests_total(const struct xenback_sim *sim);
void xenback_sim_reset_counters(struct xenback_sim *sim);
/* The next n transaction commits of the backend side fail with -EAGAIN. */
void xenback_sim_fail_commits(struct xenback_sim *sim, unsigned int n);
/* The next n backend-side requests of this kind fail with err (< 0). */
void xenback_sim_fail_requests(struct xenback_sim *sim,
			       enum xenback_sim_req kind, unsigned int n,
			       int err);
/* Watch events delivered to the backend side so far. */
uint64_t xenback_sim_watch_events(const struct xenback_sim *sim);

/* ------------------------------------------------ grants, frontend side */
/* Grants one zeroed page of domid's memory to backend_domid; *page is
 * the frontend's view of it (shared memory: the backend's mapping sees the
 * same bytes). */
int xenback_sim_grant_page(struct xenback_sim *sim, uint32_t domid,
			   uint32_t backend_domid, void **page, uint32_t *ref);
int xenback_sim_grant_end(struct xenback_sim *sim, uint32_t domid,
			  uint32_t ref);
/* Grants currently mapped by the backend side. */
unsigned int xenback_sim_grants_mapped(const struct xenback_sim *sim);
/* Grant I/O (xenback.ko's XENBACK_IOCTL_GRANT_IO_OPEN): off by default
 * (the backend then finds it unavailable, -EOPNOTSUPP). On, a grant I/O
 * file does each request at once, between the image and the grants'
 * pages; while held, requests wait (a slow disk) until hold is turned off,
 * which runs them all. A file closed with requests held drops them
 * (counted: the module would end them on its own). */
void xenback_sim_grant_io(struct xenback_sim *sim, bool on);
void xenback_sim_grant_io_hold(struct xenback_sim *sim, bool hold);
struct xenback_sim_grant_io_stats {
	uint64_t opened;               /* files opened */
	uint64_t requests;             /* requests submitted */
	uint64_t dropped;              /* held requests of files closed */
	unsigned int open_files, held; /* now */
};
void xenback_sim_grant_io_stats(const struct xenback_sim *sim,
				struct xenback_sim_grant_io_stats *st);
/* The module's tap copies (XENBACK_IOCTL_TAP_RX and _TAP_TX): off by
 * default (-EOPNOTSUPP, as without the module). On, rx frames are read()
 * from the tap file and grant-copied (the simulated grant copy: its fault
 * injection applies) into the buffers given, as the module does, a frame
 * that does not fit kept for the next call on that file; tx frames are
 * grant-copied out of the guest's pages and written to the tap file with
 * the checksum and GSO header the module would set up. Frames handed
 * over so far, guest to host (tx) or host to guest. */
void xenback_sim_tap_copy(struct xenback_sim *sim, bool on);
uint64_t xenback_sim_tap_frames(const struct xenback_sim *sim, bool tx);
/* The simulated blkif ring engine (xenback.ko's XENBACK_IOCTL_BLKIF_OPEN):
 * off by default (the platform has none, as without the module); held:
 * requests are taken and kept until released (a slow disk). */
void xenback_sim_blkif(struct xenback_sim *sim, bool on);
void xenback_sim_blkif_hold(struct xenback_sim *sim, bool hold);
struct xenback_sim_blkif_stats {
	uint64_t opened, closed;       /* files */
	uint64_t events;               /* frontend notifies that ran the engine */
	uint64_t requests;             /* requests taken */
	unsigned int open_files, held; /* now */
	/* what the last open asked: XENBACK_BLKIF_* flags, grants it may
	 * keep mapped, ring pages, the disk's sectors */
	uint32_t last_flags, last_max_grants, last_nr_ring_refs;
	uint64_t last_sectors;
};
void xenback_sim_blkif_stats(const struct xenback_sim *sim, struct xenback_sim_blkif_stats *st);
/* fn(arg, path, value, len) with every xenstore write of the backend side,
 * before it is applied: what else holds at the moment a value is written
 * (NULL fn: none). */
void xenback_sim_on_write(struct xenback_sim *sim,
			  void (*fn)(void *arg, const char *path, const char *val,
				     unsigned int len),
			  void *arg);

/* ------------------------------------- grants, backend side: faults */
/* The next n backend-side grant copies fail as a whole with err (< 0, e.g.
 * -ENOMEM, -EFAULT): nothing is copied and no segment's status is written,
 * as when the real gntdev ioctl fails. */
void xenback_sim_fail_grant_copies(struct xenback_sim *sim, unsigned int n, int err);
/* In the next backend-side grant copy of more than idx segments, segment
 * idx (of that batch) reports status (a GNTST_* value < 0; the others run). */
void xenback_sim_fail_grant_copy_segment(struct xenback_sim *sim, unsigned int idx,
					 int16_t status);
/* The next n backend-side grant maps fail with err (< 0, e.g. -ENOMEM as
 * when vm.max_map_count is reached), mapping nothing. */
void xenback_sim_fail_grant_maps(struct xenback_sim *sim, unsigned int n, int err);
/* fn(arg) runs once, inside the next backend-side grant map, before it
 * maps: the frontend acting while the backend is in the middle of a round
 * (as another CPU would), which one thread cannot do otherwise. */
void xenback_sim_on_grant_map(struct xenback_sim *sim, void (*fn)(void *arg), void *arg);
/* fn(arg) runs once, inside the next backend-side grant copy, before it
 * copies: e.g. the frontend ending its grants while requests the backend
 * has taken are in flight (a revocation mid-request). */
void xenback_sim_on_grant_copy(struct xenback_sim *sim, void (*fn)(void *arg), void *arg);

/* ---------------------------------------- event channels, frontend side */
/* An unbound port of domid that remote_domid may bind to. */
int xenback_sim_evtchn_alloc_unbound(struct xenback_sim *sim, uint32_t domid,
				     uint32_t remote_domid, uint32_t *port);
/* Frontend sends an event on its port (to the bound backend port). */
int xenback_sim_evtchn_notify(struct xenback_sim *sim, uint32_t domid,
			      uint32_t port);
/* Events the backend sent to this frontend port since the last call
 * (reads and clears). */
unsigned int xenback_sim_evtchn_take(struct xenback_sim *sim, uint32_t domid,
				     uint32_t port);
/* Rounds the bus ran as one kick-and-wait call (as with xenback.ko's
 * XENBACK_NOTIFY_WAIT_FD) rather than epoll_wait plus kicks. */
uint64_t xenback_sim_evtchn_kick_waits(const struct xenback_sim *sim);
/* Re-arms the backend side marked spurious (its handler found no work:
 * the hint xenback.ko's lateeoi throttles event storms with, XSA-332). */
uint64_t xenback_sim_evtchn_spurious(const struct xenback_sim *sim);
/* Backend-side ports currently bound. */
unsigned int xenback_sim_ports_bound(const struct xenback_sim *sim);

#ifdef __cplusplus
}
#endif
#endif
