/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Event channels through /dev/xenback (xenback.ko, uapi/xenback.h).
 *
 * Compared with /dev/xen/evtchn (libxenevtchn), where every event costs a
 * read() of pending ports, a write() to unmask and an ioctl per notify:
 *   pending()      reads the ring the module shares with us: no syscall;
 *   notify_many()  notifies any number of ports in one ioctl;
 *   rearm()       one ioctl, carrying the lateeoi "spurious" hint so a
 *                  storming frontend gets throttled (XSA-332);
 *   kick_wait()    a whole round's re-arms and notifies and the wait for
 *                  the next round (ports, or the bus's other sources
 *                  through their epoll fd) in one ioctl.
 * The fd is pollable: readable while the ring holds pending ports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform.h"
#include "uapi/xenback.h"

#define XBK_DEVICE "/dev/" XENBACK_DEVICE_NAME

struct xbk {
	int fd;
	void *map;
	uint32_t map_size;
	struct xenback_shared *sh;
	const uint32_t *ring;
	uint32_t ring_mask;
	uint32_t max_vec;
	bool wait_fd;                  /* XENBACK_F_WAIT_FD */
};

static int xbk_errno(void)
{
	return errno ? -errno : -EIO;
}

static int xbk_kick(struct xbk *x, const uint32_t *rearm, unsigned int nr,
		    const uint32_t *ntf, unsigned int nn)
{
	struct xenback_notify n;

	memset(&n, 0, sizeof(n));
	n.eoi = (uintptr_t)rearm;
	n.eoi_count = nr;
	n.notify = (uintptr_t)ntf;
	n.notify_count = nn;
	return ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n) < 0 ? xbk_errno() : 0;
}

static int xbk_bind_interdomain(void *h, uint32_t domid, uint32_t remote_port)
{
	struct xbk *x = h;
	struct xenback_bind_interdomain b;

	memset(&b, 0, sizeof(b));
	b.remote_domid = domid;
	b.remote_port = remote_port;
	if (ioctl(x->fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b) < 0)
		return xbk_errno();
	if (b.local_port > INT32_MAX)
		return -ERANGE;
	return (int)b.local_port;
}

static int xbk_unbind(void *h, uint32_t port)
{
	struct xbk *x = h;
	struct xenback_unbind u;

	memset(&u, 0, sizeof(u));
	u.port = port;
	return ioctl(x->fd, XENBACK_IOCTL_UNBIND, &u) < 0 ? xbk_errno() : 0;
}

static int xbk_notify(void *h, uint32_t port)
{
	return xbk_kick(h, NULL, 0, &port, 1);
}

static int xbk_notify_many(void *h, const uint32_t *ports, unsigned int n)
{
	struct xbk *x = h;
	unsigned int chunk;
	int r;

	while (n) {
		chunk = n < x->max_vec ? n : x->max_vec;
		r = xbk_kick(x, NULL, 0, ports, chunk);
		if (r)
			return r;
		ports += chunk;
		n -= chunk;
	}
	return 0;
}

static int xbk_fd(void *h)
{
	return ((struct xbk *)h)->fd;
}

static int xbk_pending(void *h, uint32_t *ports, unsigned int max)
{
	struct xbk *x = h;
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

static int xbk_rearm(void *h, uint32_t port, bool spurious)
{
	uint32_t v = port | (spurious ? XENBACK_EOI_SPURIOUS : 0);

	if (port & XENBACK_EOI_SPURIOUS)
		return -EINVAL;
	return xbk_kick(h, &v, 1, NULL, 0);
}

/* re-arms and notifies of a whole dispatch round: one ioctl per max_vec. */
static int xbk_kick_many(void *h, const uint32_t *rearm, unsigned int nr,
			 const uint32_t *ntf, unsigned int nn)
{
	struct xbk *x = h;
	int r = 0;

	_Static_assert(XB_REARM_SPURIOUS == XENBACK_EOI_SPURIOUS, "one spurious flag");
	while (nr || nn) {
		unsigned int cr = nr < x->max_vec ? nr : x->max_vec;
		unsigned int cn = nn < x->max_vec ? nn : x->max_vec;

		r = xbk_kick(x, cr ? rearm : NULL, cr, cn ? ntf : NULL, cn);
		if (r)
			return r;
		rearm += cr;
		nr -= cr;
		ntf += cn;
		nn -= cn;
	}
	return r;
}

/* A round's re-arms and notifies, then the wait for the next round: one ioctl
 * (more only for vectors longer than max_vec). Forever only: the ioctl has
 * no timeout. */
static int xbk_kick_wait(void *h, const uint32_t *rearm, unsigned int nr,
			 const uint32_t *ntf, unsigned int nn, int other_fd, int timeout_ms)
{
	struct xbk *x = h;
	struct xenback_notify n;
	unsigned int hr = nr > x->max_vec ? nr - x->max_vec : 0;
	unsigned int hn = nn > x->max_vec ? nn - x->max_vec : 0;
	int r;

	if (!x->wait_fd || timeout_ms >= 0 || other_fd < 0)
		return -EOPNOTSUPP;
	if (hr || hn) { /* all but the last max_vec of each go ahead */
		r = xbk_kick_many(x, rearm, hr, ntf, hn);
		if (r)
			return r;
		rearm += hr;
		nr -= hr;
		ntf += hn;
		nn -= hn;
	}
	memset(&n, 0, sizeof(n));
	n.eoi = (uintptr_t)(nr ? rearm : NULL);
	n.eoi_count = nr;
	n.notify = (uintptr_t)(nn ? ntf : NULL);
	n.notify_count = nn;
	n.flags = XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD;
	n.wait_fd = other_fd;
	r = ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n);
	if (r < 0)
		return xbk_errno();
	_Static_assert(XB_WAIT_OTHER == XENBACK_NOTIFY_FD_READY, "one readiness flag");
	return r;
}

static void xbk_close(void *h)
{
	struct xbk *x = h;

	if (!x)
		return;
	if (x->map)
		munmap(x->map, x->map_size);
	if (x->fd >= 0)
		close(x->fd);
	free(x);
}

static const struct xb_evtchn_ops xbk_ops = {
	.bind_interdomain = xbk_bind_interdomain,
	.unbind = xbk_unbind,
	.notify = xbk_notify,
	.notify_many = xbk_notify_many,
	.fd = xbk_fd,
	.pending = xbk_pending,
	.rearm = xbk_rearm,
	.kick = xbk_kick_many,
	.kick_wait = xbk_kick_wait,
	.close = xbk_close,
};

int xb_evtchn_xenback_open(const struct xb_evtchn_ops **ops, void **h)
{
	struct xenback_version v;
	struct xbk *x;
	int r;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->fd = open(XBK_DEVICE, O_RDWR | O_CLOEXEC);
	if (x->fd < 0) {
		/* No node, or a node without the module behind it. */
		r = (errno == ENXIO || errno == ENODEV) ? -ENODEV : xbk_errno();
		goto fail;
	}
	memset(&v, 0, sizeof(v));
	if (ioctl(x->fd, XENBACK_IOCTL_VERSION, &v) < 0) {
		r = -ENODEV;
		goto fail;
	}
	if (v.abi_version != XENBACK_ABI_VERSION || v.ring_size == 0 ||
	    (v.ring_size & (v.ring_size - 1)) || v.max_vec == 0 ||
	    (uint64_t)v.ring_offset + (uint64_t)v.ring_size * 4 > v.mmap_size) {
		r = -ENODEV; /* a module speaking another ABI: fall back */
		goto fail;
	}
	x->map_size = v.mmap_size;
	x->map = mmap(NULL, v.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
	if (x->map == MAP_FAILED) {
		x->map = NULL;
		r = xbk_errno();
		goto fail;
	}
	x->sh = x->map;
	x->ring = (const uint32_t *)((const char *)x->map + v.ring_offset);
	x->ring_mask = v.ring_size - 1;
	x->max_vec = v.max_vec;
	x->wait_fd = v.features & XENBACK_F_WAIT_FD;
	*ops = &xbk_ops;
	*h = x;
	return 0;
fail:
	xbk_close(x);
	return r;
}
