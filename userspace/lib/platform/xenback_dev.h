/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one userspace client of /dev/xenback (xenback.ko, uapi/xenback.h).
 *
 * struct xb_xenback is one open of /dev/xenback: a context (the uapi's
 * word) with its pending ring mapped. Everything here speaks the uapi for
 * its callers: evtchn_xenback.c builds libxenback's event-channel platform
 * ops on it, and the vm tier's test programs and the benchmarks link it
 * statically. Internal to the library: xb_ names, not in libxenback.map.
 *
 * Words as in include/xenback.h's glossary: an *event* is incoming, a
 * *notify* outgoing, a *re-arm* lets a port deliver its next event (the
 * uapi's eoi vector), a *kick* is a batch of re-arms and notifies.
 *
 * Every function returns 0 (or a count, a port) on success and a negative
 * errno on failure, and never aborts.
 */
#ifndef XENBACK_DEV_H
#define XENBACK_DEV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "uapi/xenback.h"

#define XB_XENBACK_DEVICE "/dev/" XENBACK_DEVICE_NAME

struct xb_xenback {
	int fd;                        /* -1 when closed */
	void *map;                     /* the shared mapping */
	uint32_t map_size;
	struct xenback_shared *sh;     /* its header */
	const uint32_t *ring;          /* its ring of pending ports */
	uint32_t ring_mask;            /* ring_size - 1 */
	uint32_t max_vec;              /* entries per vector in one ioctl */
	uint32_t features;             /* XENBACK_F_* */
};

/* Opens /dev/xenback, checks the module's ABI (XENBACK_IOCTL_VERSION) and
 * maps the pending ring. -ENOENT: no node; -ENODEV: no module behind the
 * node, or one speaking another ABI. On failure *x holds nothing to close. */
int xb_xenback_open(struct xb_xenback *x);
/* Unmaps and closes; harmless on a closed one. */
void xb_xenback_close(struct xb_xenback *x);

/* Binds a Xen interdomain channel; returns the local port (>= 0). */
int xb_xenback_bind_interdomain(struct xb_xenback *x, uint32_t domid, uint32_t remote_port);
/* A loopback pair: *port in x, *peer_port in the context open as peer_fd
 * (-1: x too). */
int xb_xenback_bind_loopback(struct xb_xenback *x, int peer_fd, uint32_t *port,
			     uint32_t *peer_port);
int xb_xenback_unbind(struct xb_xenback *x, uint32_t port);

/* A kick: re-arm nr ports (each may carry XENBACK_EOI_SPURIOUS) and notify
 * nn ports, one ioctl per max_vec entries of the longer vector (one ioctl
 * for any round that fits). */
int xb_xenback_kick(struct xb_xenback *x, const uint32_t *rearm, unsigned int nr,
		    const uint32_t *notify, unsigned int nn);
/* A kick, then sleep until a port is pending or, with wait_fd >= 0, until
 * the file wait_fd is readable (XENBACK_F_WAIT_FD): one ioctl, more only
 * for vectors longer than max_vec (their heads go ahead). Returns the
 * number of ports pending, or'ed with XENBACK_NOTIFY_FD_READY when wait_fd
 * is readable; -EINTR on a signal. */
int xb_xenback_kick_wait(struct xb_xenback *x, const uint32_t *rearm, unsigned int nr,
			 const uint32_t *notify, unsigned int nn, int wait_fd);
int xb_xenback_notify(struct xb_xenback *x, uint32_t port);
int xb_xenback_rearm(struct xb_xenback *x, uint32_t port, bool spurious);

/* Ports waiting in the pending ring. */
static inline unsigned int xb_xenback_avail(const struct xb_xenback *x)
{
	return __atomic_load_n(&x->sh->prod, __ATOMIC_ACQUIRE) - x->sh->cons;
}

/* Takes up to max pending ports out of the ring, without a syscall; returns
 * the count (0: none). A port taken stays masked until re-armed. Inline:
 * this is the library's hot path. */
static inline int xb_xenback_take(struct xb_xenback *x, uint32_t *ports, unsigned int max)
{
	uint32_t prod = __atomic_load_n(&x->sh->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = x->sh->cons;
	unsigned int n = 0;

	if (prod - cons > x->ring_mask + 1)
		return -EPROTO; /* cannot happen with a sane module */
	while (cons != prod && n < max)
		ports[n++] = x->ring[cons++ & x->ring_mask];
	__atomic_store_n(&x->sh->cons, cons, __ATOMIC_RELEASE);
	return (int)n;
}

/* poll() for pending ports: 1 readable, 0 timed out. */
int xb_xenback_poll(struct xb_xenback *x, int timeout_ms);

/* Per-port ioctls. */
int xb_xenback_port_stats(struct xb_xenback *x, uint32_t port, struct xenback_port_stats *st);
/* efd -1 detaches. */
int xb_xenback_set_eventfd(struct xb_xenback *x, uint32_t port, int efd);
/* req_prod NULL removes the registration. */
int xb_xenback_set_ring(struct xb_xenback *x, uint32_t port, const void *req_prod,
			const void *req_cons);
/* A frontend's ring by its grant (XENBACK_SET_RING_GRANT): ring_ref, the
 * shared ring's first page, offered by the interdomain port's domain (0 is
 * no grant Linux frontends use: it removes the registration). */
int xb_xenback_set_ring_grant(struct xb_xenback *x, uint32_t port, uint32_t ring_ref,
			      const void *req_cons);

/* Grant I/O (XENBACK_IOCTL_GRANT_IO_OPEN): a new file doing direct I/O
 * between image_fd (O_DIRECT) and grants of port's remote domain, which
 * the module maps and keeps mapped (up to max_grants). Returns its fd;
 * -EOPNOTSUPP without XENBACK_F_GRANT_IO or off Xen. */
int xb_xenback_grant_io_open(struct xb_xenback *x, uint32_t port, int image_fd,
			     unsigned int max_grants);

/* On a grant I/O file (h unused: the file is its own handle): SUBMIT of n
 * requests, then up to max completions to done (returns their count);
 * read() of up to max completions (0: none); close. */
int xb_xenback_grant_io_submit(void *h, int fd, const struct xenback_grant_io_req *reqs,
			       unsigned int n, struct xenback_grant_io_done *done,
			       unsigned int max);
int xb_xenback_grant_io_reap(void *h, int fd, struct xenback_grant_io_done *done,
			     unsigned int max);
void xb_xenback_grant_io_close(void *h, int fd);

/* The blkif ring engine (XENBACK_IOCTL_BLKIF_OPEN): its fd (o->fd too);
 * -EOPNOTSUPP without XENBACK_F_BLKIF or off Xen. Its counters; close. */
int xb_xenback_blkif_open(struct xb_xenback *x, struct xenback_blkif_open *o);
/* XENBACK_IOCTL_TAP_RX (h: the struct xb_xenback); -EOPNOTSUPP without
 * XENBACK_F_TAP_RX or off Xen. */
int xb_xenback_tap_rx(void *h, struct xenback_tap_rx *rx);
/* XENBACK_IOCTL_TAP_TX; -EOPNOTSUPP without XENBACK_F_TAP_TX or off Xen. */
int xb_xenback_tap_tx(void *h, int tap_fd, struct xenback_tap_tx *tx);
int xb_xenback_blkif_stats(void *h, int fd, struct xenback_blkif_stats *st);

#endif
