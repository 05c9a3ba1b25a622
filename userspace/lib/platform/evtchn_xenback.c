/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Event channels through /dev/xenback (xenback.ko, uapi/xenback.h), on the
 * one client of the device (xenback_dev.c).
 *
 * Compared with /dev/xen/evtchn (libxenevtchn), where every event costs a
 * read() of pending ports, a write() to unmask and an ioctl per notify:
 *   pending()      reads the ring the module shares with us: no syscall;
 *   notify_many()  notifies any number of ports in one ioctl;
 *   rearm()        one ioctl, carrying the lateeoi "spurious" hint so a
 *                  storming frontend gets throttled (XSA-332);
 *   kick_wait()    a whole round's re-arms and notifies and the wait for
 *                  the next round (ports, or the bus's other sources
 *                  through their epoll fd) in one ioctl.
 * The fd is pollable: readable while the ring holds pending ports.
 */
#include <errno.h>
#include <stdlib.h>

#include "platform.h"
#include "xenback_dev.h"

_Static_assert(XB_REARM_SPURIOUS == XENBACK_EOI_SPURIOUS, "one spurious flag");
_Static_assert(XB_WAIT_OTHER == XENBACK_NOTIFY_FD_READY, "one readiness flag");

static int xbk_bind_interdomain(void *h, uint32_t domid, uint32_t remote_port)
{
	return xb_xenback_bind_interdomain(h, domid, remote_port);
}

static int xbk_unbind(void *h, uint32_t port)
{
	return xb_xenback_unbind(h, port);
}

static int xbk_notify(void *h, uint32_t port)
{
	return xb_xenback_notify(h, port);
}

static int xbk_notify_many(void *h, const uint32_t *ports, unsigned int n)
{
	return xb_xenback_kick(h, NULL, 0, ports, n);
}

static int xbk_fd(void *h)
{
	return ((struct xb_xenback *)h)->fd;
}

static int xbk_pending(void *h, uint32_t *ports, unsigned int max)
{
	return xb_xenback_take(h, ports, max);
}

static int xbk_rearm(void *h, uint32_t port, bool spurious)
{
	return xb_xenback_rearm(h, port, spurious);
}

/* re-arms and notifies of a whole dispatch round: one ioctl per max_vec. */
static int xbk_kick(void *h, const uint32_t *rearm, unsigned int nr,
		    const uint32_t *ntf, unsigned int nn)
{
	return xb_xenback_kick(h, rearm, nr, ntf, nn);
}

/* A round's re-arms and notifies, then the wait for the next round: one ioctl
 * (more only for vectors longer than max_vec). Forever only: the ioctl has
 * no timeout. */
static int xbk_kick_wait(void *h, const uint32_t *rearm, unsigned int nr,
			 const uint32_t *ntf, unsigned int nn, int other_fd, int timeout_ms)
{
	struct xb_xenback *x = h;

	if (!(x->features & XENBACK_F_WAIT_FD) || timeout_ms >= 0 || other_fd < 0)
		return -EOPNOTSUPP;
	return xb_xenback_kick_wait(x, rearm, nr, ntf, nn, other_fd);
}

static int xbk_grant_io_open(void *h, uint32_t port, int image_fd, unsigned int max_grants)
{
	return xb_xenback_grant_io_open(h, port, image_fd, max_grants);
}

static int xbk_blkif_open(void *h, struct xenback_blkif_open *o)
{
	return xb_xenback_blkif_open(h, o);
}

static void xbk_close(void *h)
{
	if (!h)
		return;
	xb_xenback_close(h);
	free(h);
}

static const struct xb_evtchn_ops xbk_ops = {
	.bind_interdomain = xbk_bind_interdomain,
	.unbind = xbk_unbind,
	.notify = xbk_notify,
	.notify_many = xbk_notify_many,
	.fd = xbk_fd,
	.pending = xbk_pending,
	.rearm = xbk_rearm,
	.kick = xbk_kick,
	.kick_wait = xbk_kick_wait,
	.grant_io_open = xbk_grant_io_open,
	.grant_io_submit = xb_xenback_grant_io_submit,
	.grant_io_reap = xb_xenback_grant_io_reap,
	.grant_io_close = xb_xenback_grant_io_close,
	.blkif_open = xbk_blkif_open,
	.blkif_stats = xb_xenback_blkif_stats,
	.blkif_close = xb_xenback_grant_io_close, /* a close(2) either way */
	.tap_rx = xb_xenback_tap_rx,
	.tap_tx = xb_xenback_tap_tx,
	.close = xbk_close,
};

int xb_evtchn_xenback_open(const struct xb_evtchn_ops **ops, void **h)
{
	struct xb_xenback *x;
	int r;

	x = malloc(sizeof(*x));
	if (!x)
		return -ENOMEM;
	r = xb_xenback_open(x);
	if (r) {
		free(x);
		return r;
	}
	*ops = &xbk_ops;
	*h = x;
	return 0;
}
