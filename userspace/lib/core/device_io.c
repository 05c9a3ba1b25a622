/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A device's grant mappings and event channels, released with the device. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "uapi/xenback.h"

XB_EXPORT int xenback_device_map_grants(struct xenback_device *dev, const uint32_t *refs,
					unsigned int n, bool writable, void **addr)
{
	struct xenback_platform *p = dev->be->bus->plat;
	struct xb_map *m;
	int r;

	if (!refs || !addr || !n || n > 1024)
		return -EINVAL;
	if (!p->gnt)
		return -ENOSYS;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = p->gnt->map(p->gnt_h, dev->be->key.domid, refs, n, writable, &m->addr);
	if (r < 0) {
		free(m);
		return r;
	}
	m->n = n;
	m->next = dev->maps;
	dev->maps = m;
	*addr = m->addr;
	return 0;
}

/* The device's record of the mapping at addr, unlinked; NULL if none. */
static struct xb_map *map_take(struct xenback_device *dev, void *addr)
{
	struct xb_map **pp, *m;

	for (pp = &dev->maps; (m = *pp); pp = &m->next) {
		if (m->addr == addr) {
			*pp = m->next;
			return m;
		}
	}
	return NULL;
}

XB_EXPORT int xenback_device_unmap_grants(struct xenback_device *dev, void *addr)
{
	struct xenback_platform *p = dev->be->bus->plat;
	struct xb_map *m = map_take(dev, addr);
	int r;

	if (!m)
		return -ENOENT;
	r = p->gnt->unmap(p->gnt_h, m->addr, m->n);
	free(m);
	return r;
}

XB_EXPORT int xenback_device_leak_grants(struct xenback_device *dev, void *addr)
{
	struct xb_map *m = map_take(dev, addr);

	if (!m)
		return -ENOENT;
	free(m);
	return 0;
}

XB_EXPORT int xenback_device_grant_copy(struct xenback_device *dev,
					struct xenback_grant_copy *segs, unsigned int n)
{
	struct xenback_platform *p = dev->be->bus->plat;
	unsigned int i;

	if (!p->gnt)
		return -ENOSYS;
	for (i = 0; i < n; i++) {
		if ((unsigned int)segs[i].offset + segs[i].len > 4096 || !segs[i].buf)
			return -EINVAL;
		segs[i].domid = dev->be->key.domid; /* only this device's frontend */
	}
	return n ? p->gnt->copy(p->gnt_h, segs, n) : 0;
}

XB_EXPORT int xenback_device_bind_evtchn(struct xenback_device *dev, uint32_t remote_port,
					 xenback_evtchn_fn fn, void *arg,
					 struct xenback_evtchn **out)
{
	struct xenback_bus *bus = dev->be->bus;
	struct xenback_platform *p = bus->plat;
	struct xenback_evtchn *ch;
	int port;

	if (!fn || !out)
		return -EINVAL;
	if (!p->evtchn)
		return -ENOSYS;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	port = p->evtchn->bind_interdomain(p->evtchn_h, dev->be->key.domid, remote_port);
	if (port < 0) {
		free(ch);
		return port;
	}
	ch->port = (uint32_t)port;
	ch->dev = dev;
	ch->fn = fn;
	ch->arg = arg;
	HASH_ADD(hh, bus->ports, port, sizeof(ch->port), ch);
	ch->next = dev->chans;
	dev->chans = ch;
	*out = ch;
	return 0;
}

static int kick_push(uint32_t **v, unsigned int *n, unsigned int *cap, uint32_t x)
{
	if (*n == *cap) {
		unsigned int c = *cap ? *cap * 2 : 64;
		uint32_t *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Inside a dispatch round notifies are batched and sent when it ends. */
XB_EXPORT int xenback_evtchn_notify(struct xenback_evtchn *ch)
{
	struct xenback_bus *bus = ch->dev->be->bus;
	struct xb_kick *k = &bus->kick;

	if (bus->dispatching) {
		if (ch->notify_queued)
			return 0;
		if (kick_push(&k->ntf, &k->nn, &k->cap_n, ch->port) == 0) {
			ch->notify_queued = true;
			return 0;
		}
	}
	return bus->plat->evtchn->notify(bus->plat->evtchn_h, ch->port);
}

XB_EXPORT uint32_t xenback_evtchn_port(const struct xenback_evtchn *ch)
{
	return ch->port;
}

XB_EXPORT int xenback_evtchn_grant_io_open(struct xenback_evtchn *ch, int image_fd,
					   unsigned int max_grants)
{
	const struct xb_evtchn_ops *ops = ch->dev->be->bus->plat->evtchn;

	if (!ops->grant_io_open)
		return -EOPNOTSUPP;
	return ops->grant_io_open(ch->dev->be->bus->plat->evtchn_h, ch->port, image_fd,
				  max_grants);
}

XB_EXPORT int xenback_evtchn_tap_rx(struct xenback_evtchn *ch, int tap_fd,
				    struct xenback_tap_rx *rx)
{
	const struct xb_evtchn_ops *ops = ch->dev->be->bus->plat->evtchn;

	if (!ops->tap_rx)
		return -EOPNOTSUPP;
	rx->port = ch->port;
	rx->tap_fd = tap_fd;
	return ops->tap_rx(ch->dev->be->bus->plat->evtchn_h, rx);
}

XB_EXPORT int xenback_evtchn_tap_tx(struct xenback_evtchn *ch, int tap_fd, unsigned int ifindex,
				    struct xenback_tap_tx *tx)
{
	const struct xb_evtchn_ops *ops = ch->dev->be->bus->plat->evtchn;

	if (!ops->tap_tx)
		return -EOPNOTSUPP;
	tx->port = ch->port;
	tx->ifindex = ifindex;
	return ops->tap_tx(ch->dev->be->bus->plat->evtchn_h, tap_fd, tx);
}

XB_EXPORT int xenback_device_grant_io_submit(struct xenback_device *dev, int fd,
					     const struct xenback_grant_io_req *reqs,
					     unsigned int n, struct xenback_grant_io_done *done,
					     unsigned int max)
{
	struct xenback_platform *p = dev->be->bus->plat;

	if (!p->evtchn->grant_io_submit)
		return -EOPNOTSUPP;
	return p->evtchn->grant_io_submit(p->evtchn_h, fd, reqs, n, done, max);
}

XB_EXPORT int xenback_device_grant_io_reap(struct xenback_device *dev, int fd,
					   struct xenback_grant_io_done *done, unsigned int max)
{
	struct xenback_platform *p = dev->be->bus->plat;

	if (!p->evtchn->grant_io_reap)
		return -EOPNOTSUPP;
	return p->evtchn->grant_io_reap(p->evtchn_h, fd, done, max);
}

XB_EXPORT void xenback_device_grant_io_close(struct xenback_device *dev, int fd)
{
	struct xenback_platform *p = dev->be->bus->plat;

	if (fd >= 0 && p->evtchn->grant_io_close)
		p->evtchn->grant_io_close(p->evtchn_h, fd);
}

XB_EXPORT int xenback_device_blkif_open(struct xenback_device *dev, struct xenback_blkif_open *o)
{
	struct xenback_platform *p = dev->be->bus->plat;

	if (!p->evtchn->blkif_open)
		return -EOPNOTSUPP;
	o->domid = xenback_device_frontend_id(dev);
	return p->evtchn->blkif_open(p->evtchn_h, o);
}

XB_EXPORT int xenback_device_blkif_stats(struct xenback_device *dev, int fd,
					 struct xenback_blkif_stats *st)
{
	struct xenback_platform *p = dev->be->bus->plat;

	if (!p->evtchn->blkif_stats)
		return -EOPNOTSUPP;
	return p->evtchn->blkif_stats(p->evtchn_h, fd, st);
}

XB_EXPORT void xenback_device_blkif_close(struct xenback_device *dev, int fd)
{
	struct xenback_platform *p = dev->be->bus->plat;

	if (fd >= 0 && p->evtchn->blkif_close)
		p->evtchn->blkif_close(p->evtchn_h, fd);
}

XB_EXPORT void xenback_evtchn_unbind(struct xenback_evtchn *ch)
{
	struct xenback_device *dev;
	struct xenback_evtchn **pp;

	if (!ch)
		return;
	dev = ch->dev;
	for (pp = &dev->chans; *pp; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	HASH_DEL(dev->be->bus->ports, ch);
	dev->be->bus->plat->evtchn->unbind(dev->be->bus->plat->evtchn_h, ch->port);
	free(ch);
}

void xb_device_release_io(struct xenback_device *dev)
{
	while (dev->chans)
		xenback_evtchn_unbind(dev->chans);
	while (dev->maps)
		xenback_device_unmap_grants(dev, dev->maps->addr);
}

/* Pending ports, any number per call: handler, then re-arm. */
void xb_evtchn_dispatch(struct xenback_bus *bus)
{
	struct xenback_platform *p = bus->plat;
	uint32_t ports[64];
	int n, i;

	while ((n = p->evtchn->pending(p->evtchn_h, ports, 64)) > 0) {
		for (i = 0; i < n; i++) {
			struct xenback_evtchn *ch;
			bool work = false;

			HASH_FIND(hh, bus->ports, &ports[i], sizeof(ports[i]), ch);
			if (!ch)
				continue; /* unbound meanwhile */
			if (!ch->dev->dead)
				work = ch->fn(ch, ch->arg);
			/* The handler may have unbound its channel. */
			HASH_FIND(hh, bus->ports, &ports[i], sizeof(ports[i]), ch);
			if (ch && kick_push(&bus->kick.rearm, &bus->kick.nr, &bus->kick.cap_r,
					    ports[i] | (work ? 0 : XB_REARM_SPURIOUS)) < 0)
				p->evtchn->rearm(p->evtchn_h, ports[i], !work);
		}
		if (n < 64)
			break;
	}
}

/* Drop entries whose port was unbound during the round. */
static unsigned int still_bound(struct xenback_bus *bus, uint32_t *v, unsigned int n,
				bool clear_queued)
{
	unsigned int i, m = 0;

	for (i = 0; i < n; i++) {
		uint32_t port = v[i] & ~XB_REARM_SPURIOUS;
		struct xenback_evtchn *ch;

		HASH_FIND(hh, bus->ports, &port, sizeof(port), ch);
		if (!ch)
			continue;
		if (clear_queued)
			ch->notify_queued = false;
		v[m++] = v[i];
	}
	return m;
}

void xb_evtchn_flush(struct xenback_bus *bus)
{
	const struct xb_evtchn_ops *ops = bus->plat->evtchn;
	struct xb_kick *k = &bus->kick;
	unsigned int nr, nn, i;

	if (!ops || (!k->nr && !k->nn))
		return;
	nr = still_bound(bus, k->rearm, k->nr, false);
	nn = still_bound(bus, k->ntf, k->nn, true);
	k->nr = k->nn = 0;
	if (ops->kick) {
		ops->kick(bus->plat->evtchn_h, k->rearm, nr, k->ntf, nn);
		return;
	}
	for (i = 0; i < nn; i++)
		ops->notify(bus->plat->evtchn_h, k->ntf[i]);
	for (i = 0; i < nr; i++)
		ops->rearm(bus->plat->evtchn_h, k->rearm[i] & ~XB_REARM_SPURIOUS,
			    k->rearm[i] & XB_REARM_SPURIOUS);
}

int xb_evtchn_flush_wait(struct xenback_bus *bus, int other_fd, int timeout_ms)
{
	const struct xb_evtchn_ops *ops = bus->plat->evtchn;
	struct xb_kick *k = &bus->kick;
	int r;

	k->nr = still_bound(bus, k->rearm, k->nr, false);
	k->nn = still_bound(bus, k->ntf, k->nn, false);
	r = ops->kick_wait(bus->plat->evtchn_h, k->rearm, k->nr, k->ntf, k->nn, other_fd, timeout_ms);
	if (r == -EOPNOTSUPP)
		return r;
	if (r < 0 && r != -EINTR && ops->kick) /* refused: the kicks must still happen */
		ops->kick(bus->plat->evtchn_h, k->rearm, k->nr, k->ntf, k->nn);
	still_bound(bus, k->ntf, k->nn, true); /* notify_queued cleared */
	k->nr = k->nn = 0;
	return r;
}

void xb_evtchn_kick_free(struct xenback_bus *bus)
{
	free(bus->kick.rearm);
	free(bus->kick.ntf);
	memset(&bus->kick, 0, sizeof(bus->kick));
}
