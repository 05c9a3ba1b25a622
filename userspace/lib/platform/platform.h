/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The platform layer: xenstore, grant tables and event channels behind
 * three small ops tables, the one seam between the library's core
 * (userspace/lib/core) and what it runs on. Implementations:
 *   platform/real.c            libxenstore, libxengnttab, libxenevtchn
 *   platform/evtchn_xenback.c  event channels through /dev/xenback (xenback.ko),
 *                              on platform/xenback_dev.c, the one client of
 *                              the device (also linked by the vm tier's tests)
 *   sim/                       the simulated platform, a library of its own
 *                              (libxenback-sim: tests, demo)
 *
 * Conventions for every op: return 0 (or a count/port >= 0) on success and a
 * negative errno on failure; never abort; strings returned through out
 * parameters are malloc()ed and freed by the caller with free().
 */
#ifndef XENBACK_PLATFORM_H
#define XENBACK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenback.h"

/* Marks a definition as part of a shared library's ABI (the libraries are
 * built with -fvisibility=hidden; the version scripts list the same names). */
#define XB_EXPORT __attribute__((visibility("default")))

typedef uint32_t xb_txn_t;
#define XB_TXN_NULL 0u

/* Longest path and value the library accepts from xenstore (the wire
 * protocol's own limits: XENSTORE_ABS_PATH_MAX 3072, XENSTORE_PAYLOAD_MAX
 * 4096). Anything longer is hostile input. */
#define XB_PATH_MAX 3072
#define XB_VALUE_MAX 4096

struct xb_xs_ops {
	/* *val is NUL-terminated; *len excludes the NUL. -ENOENT if absent. */
	int (*read)(void *h, xb_txn_t t, const char *path, char **val,
		    unsigned int *len);
	int (*write)(void *h, xb_txn_t t, const char *path, const char *val,
		     unsigned int len);
	/* *names is one malloc()ed block: the array and the strings. */
	int (*directory)(void *h, xb_txn_t t, const char *path, char ***names,
			 unsigned int *n);
	int (*rm)(void *h, xb_txn_t t, const char *path);
	int (*txn_start)(void *h, xb_txn_t *t);
	/* abort=false commits; a commit that lost a race returns -EAGAIN. */
	int (*txn_end)(void *h, xb_txn_t t, bool abort);
	int (*watch)(void *h, const char *path, const char *token);
	int (*unwatch)(void *h, const char *path, const char *token);
	/* Pollable: readable while watch events are queued. */
	int (*fd)(void *h);
	/*
	 * Next queued watch event, without blocking: 0 and *path, *token
	 * (malloc()ed), -EAGAIN when the queue is empty, -ENOBUFS when
	 * events were lost (queue overflow, reconnect): the caller must
	 * rescan everything it watches.
	 */
	int (*read_watch)(void *h, char **path, char **token);
	void (*close)(void *h);
};

struct xb_gnt_ops {
	/* Map n grant refs of domid contiguously; *addr page-aligned. */
	int (*map)(void *h, uint32_t domid, const uint32_t *refs, unsigned int n,
		   bool writable, void **addr);
	int (*unmap)(void *h, void *addr, unsigned int n);
	/* Batched grant copy: one call for any number of segments. */
	int (*copy)(void *h, struct xenback_grant_copy *segs, unsigned int n);
	void (*close)(void *h);
};

struct xb_evtchn_ops {
	/* Returns the local port (>= 0). */
	int (*bind_interdomain)(void *h, uint32_t domid, uint32_t remote_port);
	int (*unbind)(void *h, uint32_t port);
	int (*notify)(void *h, uint32_t port);
	/* Notify n ports in as few calls as the implementation allows. */
	int (*notify_many)(void *h, const uint32_t *ports, unsigned int n);
	int (*fd)(void *h);
	/*
	 * Fill ports[] with up to max pending ports without blocking; returns
	 * the count (0: none). A port returned here stays masked until
	 * rearm(); spurious=true tells a lateeoi implementation the event
	 * carried no work (storm throttling).
	 */
	int (*pending)(void *h, uint32_t *ports, unsigned int max);
	int (*rearm)(void *h, uint32_t port, bool spurious);
	/*
	 * Optional: re-arm nr ports (each or'ed with XB_REARM_SPURIOUS when the
	 * event carried no work) and notify nn ports, in as few calls as the
	 * implementation allows (/dev/xenback: one ioctl). NULL: the library
	 * loops over rearm() and notify().
	 */
	int (*kick)(void *h, const uint32_t *rearm, unsigned int nr,
		    const uint32_t *notify, unsigned int nn);
	/*
	 * Optional: kick(), then sleep until a port is pending or the file
	 * other_fd is readable, up to timeout_ms (-1: forever), in one call
	 * (/dev/xenback with XENBACK_F_WAIT_FD: one ioctl). Returns the number
	 * of ports pending, or'ed with XB_WAIT_OTHER if other_fd is readable
	 * (0: timed out); -EINTR on a signal; -EOPNOTSUPP when it cannot wait
	 * like that (old module, a timeout it does not do): then nothing was
	 * done, and the library kicks and waits the other way.
	 */
	int (*kick_wait)(void *h, const uint32_t *rearm, unsigned int nr,
			 const uint32_t *notify, unsigned int nn, int other_fd,
			 int timeout_ms);
	void (*close)(void *h);
	/*
	 * Optional (last: the simulated platform's library fills the table
	 * too): a grant I/O file (uapi/xenback.h) for port's remote domain
	 * and the file image_fd; returns its fd. NULL, or -EOPNOTSUPP: not
	 * here (libxenevtchn, an older module, not Xen).
	 */
	int (*grant_io_open)(void *h, uint32_t port, int image_fd, unsigned int max_grants);
	/* With grant_io_open: XENBACK_GRANT_IO_SUBMIT of n requests on the
	 * file fd, then up to max completions to done (their count); read()
	 * of up to max completions (0: none); closing the file. */
	int (*grant_io_submit)(void *h, int fd, const struct xenback_grant_io_req *reqs,
			       unsigned int n, struct xenback_grant_io_done *done,
			       unsigned int max);
	int (*grant_io_reap)(void *h, int fd, struct xenback_grant_io_done *done, unsigned int max);
	void (*grant_io_close)(void *h, int fd);
	/*
	 * Optional: the blkif ring engine (XENBACK_IOCTL_BLKIF_OPEN) for *o
	 * (o->fd set); its fd. NULL, or -EOPNOTSUPP: not here. Its counters
	 * (XENBACK_BLKIF_STATS); closing it.
	 */
	int (*blkif_open)(void *h, struct xenback_blkif_open *o);
	int (*blkif_stats)(void *h, int fd, struct xenback_blkif_stats *st);
	void (*blkif_close)(void *h, int fd);
	/* Optional: XENBACK_IOCTL_TAP_RX (rx->port and tap_fd set). NULL,
	 * or -EOPNOTSUPP: not here. */
	int (*tap_rx)(void *h, struct xenback_tap_rx *rx);
	/* Optional: XENBACK_IOCTL_TAP_TX (tx->port and ifindex set; tap_fd:
	 * the tap queue's file, for a platform that writes to it). */
	int (*tap_tx)(void *h, int tap_fd, struct xenback_tap_tx *tx);
};
#define XB_REARM_SPURIOUS (1u << 31)
#define XB_WAIT_OTHER (1 << 30)

struct xenback_platform {
	const char *name; /* "real", "sim", ... */
	const struct xb_xs_ops *xs;
	void *xs_h;
	const struct xb_gnt_ops *gnt;
	void *gnt_h;
	const struct xb_evtchn_ops *evtchn;
	void *evtchn_h;
	/* Frees the platform and its handles. */
	void (*free)(struct xenback_platform *p);
};

/* evtchn_xenback.c: /dev/xenback; -ENOENT/-ENODEV when the module is absent. */
int xb_evtchn_xenback_open(const struct xb_evtchn_ops **ops, void **h);
/* real.c: libxenevtchn. */
int xb_evtchn_libxen_open(const struct xb_evtchn_ops **ops, void **h);

#endif
