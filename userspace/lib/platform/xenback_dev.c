/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one userspace client of /dev/xenback: see xenback_dev.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenback_dev.h"

static int xbk_errno(void)
{
	return errno ? -errno : -EIO;
}

static int xbk_ioctl(struct xb_xenback *x, unsigned long cmd, void *arg)
{
	return ioctl(x->fd, cmd, arg) < 0 ? xbk_errno() : 0;
}

int xb_xenback_open(struct xb_xenback *x)
{
	struct xenback_version v;
	int r;

	memset(x, 0, sizeof(*x));
	x->fd = open(XB_XENBACK_DEVICE, O_RDWR | O_CLOEXEC);
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
		r = -ENODEV; /* a module speaking another ABI */
		goto fail;
	}
	x->map = mmap(NULL, v.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
	if (x->map == MAP_FAILED) {
		x->map = NULL;
		r = xbk_errno();
		goto fail;
	}
	x->map_size = v.mmap_size;
	x->sh = x->map;
	x->ring = (const uint32_t *)((const char *)x->map + v.ring_offset);
	x->ring_mask = v.ring_size - 1;
	x->max_vec = v.max_vec;
	x->features = v.features;
	return 0;
fail:
	xb_xenback_close(x);
	return r;
}

void xb_xenback_close(struct xb_xenback *x)
{
	if (x->map)
		munmap(x->map, x->map_size);
	if (x->fd >= 0)
		close(x->fd);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

int xb_xenback_bind_interdomain(struct xb_xenback *x, uint32_t domid, uint32_t remote_port)
{
	struct xenback_bind_interdomain b;
	int r;

	memset(&b, 0, sizeof(b));
	b.remote_domid = domid;
	b.remote_port = remote_port;
	r = xbk_ioctl(x, XENBACK_IOCTL_BIND_INTERDOMAIN, &b);
	if (r)
		return r;
	if (b.local_port > INT32_MAX)
		return -ERANGE;
	return (int)b.local_port;
}

int xb_xenback_bind_loopback(struct xb_xenback *x, int peer_fd, uint32_t *port,
			     uint32_t *peer_port)
{
	struct xenback_bind_loopback l;
	int r;

	memset(&l, 0, sizeof(l));
	l.peer_fd = peer_fd;
	r = xbk_ioctl(x, XENBACK_IOCTL_BIND_LOOPBACK, &l);
	*port = r ? 0 : l.port;
	*peer_port = r ? 0 : l.peer_port;
	return r;
}

int xb_xenback_unbind(struct xb_xenback *x, uint32_t port)
{
	struct xenback_unbind u;

	memset(&u, 0, sizeof(u));
	u.port = port;
	return xbk_ioctl(x, XENBACK_IOCTL_UNBIND, &u);
}

/* One XENBACK_IOCTL_NOTIFY: the vectors as they are (NULL when empty). */
static int xbk_notify(struct xb_xenback *x, const uint32_t *rearm, unsigned int nr,
		      const uint32_t *notify, unsigned int nn, uint32_t flags, int wait_fd)
{
	struct xenback_notify n;
	int r;

	memset(&n, 0, sizeof(n));
	n.eoi = (uintptr_t)(nr ? rearm : NULL);
	n.eoi_count = nr;
	n.notify = (uintptr_t)(nn ? notify : NULL);
	n.notify_count = nn;
	n.flags = flags;
	n.wait_fd = wait_fd;
	r = ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n);
	return r < 0 ? xbk_errno() : r;
}

int xb_xenback_kick(struct xb_xenback *x, const uint32_t *rearm, unsigned int nr,
		    const uint32_t *notify, unsigned int nn)
{
	int r = 0;

	while (nr || nn) {
		unsigned int cr = nr < x->max_vec ? nr : x->max_vec;
		unsigned int cn = nn < x->max_vec ? nn : x->max_vec;

		r = xbk_notify(x, rearm, cr, notify, cn, 0, 0);
		if (r)
			return r;
		rearm += cr;
		nr -= cr;
		notify += cn;
		nn -= cn;
	}
	return r;
}

int xb_xenback_kick_wait(struct xb_xenback *x, const uint32_t *rearm, unsigned int nr,
			 const uint32_t *notify, unsigned int nn, int wait_fd)
{
	unsigned int hr = nr > x->max_vec ? nr - x->max_vec : 0;
	unsigned int hn = nn > x->max_vec ? nn - x->max_vec : 0;
	int r;

	if (hr || hn) { /* all but the last max_vec of each go ahead */
		r = xb_xenback_kick(x, rearm, hr, notify, hn);
		if (r)
			return r;
		rearm += hr;
		nr -= hr;
		notify += hn;
		nn -= hn;
	}
	if (wait_fd < 0)
		return xbk_notify(x, rearm, nr, notify, nn, XENBACK_NOTIFY_WAIT, 0);
	return xbk_notify(x, rearm, nr, notify, nn, XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD,
			  wait_fd);
}

int xb_xenback_notify(struct xb_xenback *x, uint32_t port)
{
	return xbk_notify(x, NULL, 0, &port, 1, 0, 0);
}

int xb_xenback_rearm(struct xb_xenback *x, uint32_t port, bool spurious)
{
	uint32_t v = port | (spurious ? XENBACK_EOI_SPURIOUS : 0);

	if (port & XENBACK_EOI_SPURIOUS)
		return -EINVAL;
	return xbk_notify(x, &v, 1, NULL, 0, 0, 0);
}

int xb_xenback_poll(struct xb_xenback *x, int timeout_ms)
{
	struct pollfd p = { .fd = x->fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	return r < 0 ? xbk_errno() : r;
}

int xb_xenback_port_stats(struct xb_xenback *x, uint32_t port, struct xenback_port_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->port = port;
	return xbk_ioctl(x, XENBACK_IOCTL_PORT_STATS, st);
}

int xb_xenback_set_eventfd(struct xb_xenback *x, uint32_t port, int efd)
{
	struct xenback_set_eventfd s;

	memset(&s, 0, sizeof(s));
	s.port = port;
	s.fd = efd;
	return xbk_ioctl(x, XENBACK_IOCTL_SET_EVENTFD, &s);
}

int xb_xenback_set_ring(struct xb_xenback *x, uint32_t port, const void *req_prod,
			const void *req_cons)
{
	struct xenback_set_ring s;

	memset(&s, 0, sizeof(s));
	s.port = port;
	s.req_prod = (uintptr_t)req_prod;
	s.req_cons = (uintptr_t)req_cons;
	return xbk_ioctl(x, XENBACK_IOCTL_SET_RING, &s);
}

int xb_xenback_grant_io_open(struct xb_xenback *x, uint32_t port, int image_fd,
			     unsigned int max_grants)
{
	struct xenback_grant_io_open o;
	int r;

	if ((x->features & (XENBACK_F_GRANT_IO | XENBACK_F_XEN)) !=
	    (XENBACK_F_GRANT_IO | XENBACK_F_XEN))
		return -EOPNOTSUPP;
	memset(&o, 0, sizeof(o));
	o.port = port;
	o.image_fd = image_fd;
	o.max_grants = max_grants;
	r = xbk_ioctl(x, XENBACK_IOCTL_GRANT_IO_OPEN, &o);
	return r < 0 ? r : o.fd;
}

int xb_xenback_grant_io_submit(void *h, int fd, const struct xenback_grant_io_req *reqs,
			       unsigned int n, struct xenback_grant_io_done *done,
			       unsigned int max)
{
	struct xenback_grant_io_submit s;
	int r;

	(void)h;
	memset(&s, 0, sizeof(s));
	s.reqs = (uintptr_t)reqs;
	s.count = n;
	s.done = (uintptr_t)done;
	s.done_max = max;
	r = ioctl(fd, XENBACK_GRANT_IO_SUBMIT, &s);
	return r < 0 ? -errno : r;
}

int xb_xenback_grant_io_reap(void *h, int fd, struct xenback_grant_io_done *done,
			     unsigned int max)
{
	ssize_t n;

	(void)h;
	n = read(fd, done, (size_t)max * sizeof(*done));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)((size_t)n / sizeof(*done));
}

void xb_xenback_grant_io_close(void *h, int fd)
{
	(void)h;
	close(fd);
}

int xb_xenback_blkif_open(struct xb_xenback *x, struct xenback_blkif_open *o)
{
	int r;

	if ((x->features & (XENBACK_F_BLKIF | XENBACK_F_XEN)) != (XENBACK_F_BLKIF | XENBACK_F_XEN))
		return -EOPNOTSUPP;
	o->fd = -1;
	r = xbk_ioctl(x, XENBACK_IOCTL_BLKIF_OPEN, o);
	return r < 0 ? r : o->fd;
}

int xb_xenback_tap_rx(void *h, struct xenback_tap_rx *rx)
{
	struct xb_xenback *x = h;

	if ((x->features & (XENBACK_F_TAP_RX | XENBACK_F_XEN)) != (XENBACK_F_TAP_RX | XENBACK_F_XEN))
		return -EOPNOTSUPP;
	return xbk_ioctl(x, XENBACK_IOCTL_TAP_RX, rx);
}

int xb_xenback_tap_tx(void *h, int tap_fd, struct xenback_tap_tx *tx)
{
	struct xb_xenback *x = h;

	(void)tap_fd; /* the module hands the frames to the device itself */
	if ((x->features & (XENBACK_F_TAP_TX | XENBACK_F_XEN)) != (XENBACK_F_TAP_TX | XENBACK_F_XEN))
		return -EOPNOTSUPP;
	return xbk_ioctl(x, XENBACK_IOCTL_TAP_TX, tx);
}

int xb_xenback_blkif_stats(void *h, int fd, struct xenback_blkif_stats *st)
{
	(void)h;
	return ioctl(fd, XENBACK_BLKIF_STATS, st) < 0 ? -errno : 0;
}

int xb_xenback_set_ring_grant(struct xb_xenback *x, uint32_t port, uint32_t ring_ref,
			      const void *req_cons)
{
	struct xenback_set_ring s;

	memset(&s, 0, sizeof(s));
	s.port = port;
	s.flags = XENBACK_SET_RING_GRANT;
	s.req_prod = ring_ref;
	s.req_cons = (uintptr_t)req_cons;
	return xbk_ioctl(x, XENBACK_IOCTL_SET_RING, &s);
}
