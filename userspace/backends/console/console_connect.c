/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connect: the frontend's ring-ref (a grant of the xencons_interface page)
 * and port, as Linux hvc_xen writes them for every console but the primary
 * one. Then bytes move both ways whenever the guest signals or the chardev
 * is ready: out[] to the chardev through a buffer of one ring (a reader
 * that is slow or absent holds the ring, the guest's writer waits, nothing
 * is dropped), the chardev into in[] as far as it has room (the rest stays
 * in the chardev until the guest reads). A frontend index more than the
 * ring away from ours disables this console alone.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "console.h"

static void cons_fatal(struct cons *c, const char *what)
{
	if (c->dead)
		return;
	c->dead = true;
	xenback_device_fail(c->dev, -EPROTO, "frontend broke the console ring: %s", what);
}

static ssize_t chardev_write(struct cons *c, int fd, const char *buf, size_t n)
{
	if (c->kind == CONS_SOCKET)
		return send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	return write(fd, buf, n);
}

/* guest to host; true if anything moved */
static bool pump_out(struct cons *c)
{
	bool moved = false;

	for (;;) {
		int fd = cons_data_fd(c);
		ssize_t w;

		if (!c->olen) {
			int n = cons_ring_take(c->intf, &c->out_cons, c->obuf, sizeof(c->obuf));

			if (n < 0) {
				cons_fatal(c, "out_prod more than the ring ahead of out_cons");
				return moved;
			}
			if (!n)
				return moved;
			c->olen = (size_t)n;
			c->ooff = 0;
			moved = true;
		}
		if (fd < 0)
			return moved; /* no reader yet: held */
		w = chardev_write(c, fd, c->obuf + c->ooff, c->olen - c->ooff);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR && c->kind == CONS_SOCKET)
				cons_client_drop(c, strerror(errno));
			return moved; /* EAGAIN: EPOLLOUT brings us back */
		}
		c->ooff += (size_t)w;
		c->to_host += (uint64_t)w;
		if (c->ooff == c->olen)
			c->olen = 0;
	}
}

/* host to guest; true if anything moved */
static bool pump_in(struct cons *c)
{
	char buf[sizeof(c->intf->in)];
	bool moved = false;

	for (;;) {
		int fd = cons_data_fd(c), space;
		ssize_t n;

		if (fd < 0)
			return moved;
		space = cons_ring_space(c->intf, c->in_prod);
		if (space < 0) {
			cons_fatal(c, "in_cons beyond in_prod");
			return moved;
		}
		if (!space)
			return moved; /* the guest's next event brings us back */
		n = read(fd, buf, (size_t)space);
		if (n > 0) {
			cons_ring_put(c->intf, &c->in_prod, buf, (size_t)n);
			c->to_guest += (uint64_t)n;
			moved = true;
			continue;
		}
		if (n == 0 && c->kind == CONS_SOCKET)
			cons_client_drop(c, "closed");
		else if (n < 0 && errno != EAGAIN && errno != EINTR && c->kind == CONS_SOCKET)
			cons_client_drop(c, strerror(errno));
		return moved;
	}
}

bool cons_pump(struct cons *c)
{
	bool moved;

	if (!c->intf || c->dead)
		return false;
	moved = pump_out(c);
	if (!c->dead)
		moved |= pump_in(c);
	if (moved && !c->dead)
		xenback_evtchn_notify(c->ch);
	return moved;
}

/*
 * News from the frontend: it wrote more (out_prod past what we saw, and no
 * further than a ring past out_cons) or read more (in_cons past what we
 * saw, not past in_prod). Such an event is work even when the chardev
 * holds the bytes back for now (a full pty or socket): reporting it
 * spurious would let lateeoi delay the guest's next events up to a second
 * each, and a console whose chardev is often full would crawl. Only
 * advances count, so a frontend can earn no more non-spurious events than
 * the bytes that really move.
 */
static bool frontend_news(struct cons *c)
{
	XENCONS_RING_IDX op = __atomic_load_n(&c->intf->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX ic = __atomic_load_n(&c->intf->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX base = c->seen_out_prod;
	bool news = false;

	if (base - c->out_cons > sizeof(c->intf->out))
		base = c->out_cons; /* taken since (by a chardev event): stale */
	if (op != base && op - base <= op - c->out_cons && op - c->out_cons <= sizeof(c->intf->out)) {
		c->seen_out_prod = op;
		news = true;
	}
	if (ic != c->seen_in_cons && ic - c->seen_in_cons <= c->in_prod - c->seen_in_cons) {
		c->seen_in_cons = ic;
		news = true;
	}
	return news;
}

static bool ring_event(struct xenback_evtchn *ch, void *arg)
{
	struct cons *c = arg;
	bool news;

	(void)ch;
	if (c->dead)
		return false; /* nothing to do for it: spurious */
	news = c->intf && frontend_news(c);
	return cons_pump(c) || news;
}

int cons_connect(struct xenback_device *dev)
{
	struct cons *c = xenback_device_priv(dev);
	unsigned long ref, port;
	int r;

	c->dead = false;
	if (xenback_device_read_frontend_uint(dev, "ring-ref", UINT32_MAX, &ref) < 0 ||
	    xenback_device_read_frontend_uint(dev, "port", UINT32_MAX, &port) < 0)
		return xenback_device_fail(dev, -EINVAL, "frontend ring-ref or port missing or bad");
	r = xenback_device_map_grants(dev, (uint32_t[]){ (uint32_t)ref }, 1, true, (void **)&c->intf);
	if (r < 0) {
		c->intf = NULL;
		return xenback_device_fail(dev, r, "mapping ring-ref %lu: %s", ref, strerror(-r));
	}
	c->out_cons = __atomic_load_n(&c->intf->out_cons, __ATOMIC_ACQUIRE);
	c->in_prod = __atomic_load_n(&c->intf->in_prod, __ATOMIC_ACQUIRE);
	c->seen_out_prod = c->out_cons;
	c->seen_in_cons = c->in_prod;
	if (cons_ring_space(c->intf, c->in_prod) < 0 ||
	    c->intf->out_prod - c->out_cons > sizeof(c->intf->out))
		return xenback_device_fail(dev, -EPROTO, "frontend's ring indices are more than a ring apart");
	r = xenback_device_bind_evtchn(dev, (uint32_t)port, ring_event, c, &c->ch);
	if (r < 0)
		return xenback_device_fail(dev, r, "binding port %lu: %s", port, strerror(-r));
	xenback_device_log(dev, XENBACK_LOG_INFO, "connected to %s %s", c->kind == CONS_PTY ? "pty" : "socket",
			   c->path);
	cons_pump(c); /* what either side wrote before */
	return 0;
}

void cons_disconnect(struct xenback_device *dev)
{
	struct cons *c = xenback_device_priv(dev);

	if (c->ch)
		xenback_evtchn_unbind(c->ch);
	c->ch = NULL;
	if (c->intf)
		xenback_device_unmap_grants(dev, c->intf);
	c->intf = NULL;
	if (c->to_host || c->to_guest)
		xenback_device_log(dev, XENBACK_LOG_INFO, "%llu bytes to the host, %llu to the guest",
				   (unsigned long long)c->to_host, (unsigned long long)c->to_guest);
}
