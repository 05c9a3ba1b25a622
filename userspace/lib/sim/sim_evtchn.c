// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated event channels.
 *
 * Each domain has its own port numbers (from 1; port 0 is reserved, as in
 * Xen). A frontend allocates an unbound port for the backend's domain; the
 * backend side binds to it with bind_interdomain() and gets a local port of
 * its own. A frontend notify sets the backend port pending; an unmasked
 * pending port is queued for pending(), which masks it until rearm() (as
 * the Linux evtchn driver does). Backend notifies are counted on the
 * frontend port and read with xenback_sim_evtchn_take().
 *
 * Like Xen, a notify on a port whose peer has gone (unbound, dead domain)
 * is silently dropped; a port the caller does not own is -EINVAL.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uthash.h>
#include <utlist.h>

#include "sim_internal.h"

enum { PORT_UNBOUND, PORT_INTERDOMAIN };

struct sim_port {
	uint64_t key; /* domid << 32 | port */
	uint32_t domid, port;
	int state;
	uint32_t remote_domid, remote_port;
	bool backend;   /* bound by the backend side */
	bool engine;    /* ... for the blkif engine (sim_blkif.c) */
	bool peer_dead;
	unsigned int sent; /* frontend port: backend notifies not yet taken */
	bool pending, masked, queued;
	struct sim_port *next, *prev; /* backend's pending queue */
	UT_hash_handle hh;
};

struct sim_dom {
	uint32_t domid;
	uint32_t next_port;
	UT_hash_handle hh;
};

static uint64_t pkey(uint32_t domid, uint32_t port)
{
	return (uint64_t)domid << 32 | port;
}

static struct sim_port *port_find(struct sim_evtchn *ev, uint32_t domid,
				  uint32_t port)
{
	struct sim_port *p = NULL;
	uint64_t key = pkey(domid, port);

	HASH_FIND(hh, ev->ports, &key, sizeof(key), p);
	return p;
}

static struct sim_port *backend_port(struct xenback_sim *sim, uint32_t port)
{
	struct sim_port *p = port_find(&sim->ev, sim->backend_domid, port);

	return p && p->backend ? p : NULL;
}

static void efd_update(struct sim_evtchn *ev)
{
	bool want = ev->pending != NULL;
	uint64_t v = 1;

	if (want == ev->efd_set)
		return;
	if (want) {
		if (write(ev->efd, &v, sizeof(v)) != sizeof(v))
			return;
	} else if (read(ev->efd, &v, sizeof(v)) != sizeof(v)) {
		return;
	}
	ev->efd_set = want;
}

static struct sim_port *port_alloc(struct sim_evtchn *ev, uint32_t domid)
{
	struct sim_dom *d = NULL;
	struct sim_port *p;

	HASH_FIND(hh, ev->doms, &domid, sizeof(domid), d);
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return NULL;
		d->domid = domid;
		d->next_port = 1;
		HASH_ADD(hh, ev->doms, domid, sizeof(d->domid), d);
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	do {
		p->port = d->next_port++;
		if (!p->port)
			p->port = d->next_port++;
	} while (port_find(ev, domid, p->port));
	p->domid = domid;
	p->key = pkey(domid, p->port);
	HASH_ADD(hh, ev->ports, key, sizeof(p->key), p);
	return p;
}

static void port_free(struct sim_evtchn *ev, struct sim_port *p)
{
	if (p->queued)
		DL_DELETE(ev->pending, p);
	HASH_DEL(ev->ports, p);
	free(p);
}

int xb_sim_evtchn_init(struct xenback_sim *sim)
{
	sim->ev.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return sim->ev.efd < 0 ? -errno : 0;
}

/* ---------------------------------------------------------- frontend side */

XB_EXPORT int xenback_sim_evtchn_alloc_unbound(struct xenback_sim *sim, uint32_t domid,
				     uint32_t remote_domid, uint32_t *port)
{
	struct sim_port *p;

	if (!sim || !port)
		return -EINVAL;
	p = port_alloc(&sim->ev, domid);
	if (!p)
		return -ENOMEM;
	p->state = PORT_UNBOUND;
	p->remote_domid = remote_domid;
	*port = p->port;
	return 0;
}

XB_EXPORT int xenback_sim_evtchn_notify(struct xenback_sim *sim, uint32_t domid,
			      uint32_t port)
{
	struct sim_port *p, *bp;

	if (!sim)
		return -EINVAL;
	p = port_find(&sim->ev, domid, port);
	if (!p || p->backend)
		return -EINVAL;
	if (p->state != PORT_INTERDOMAIN)
		return 0; /* ECS_UNBOUND: silently dropped */
	bp = backend_port(sim, p->remote_port);
	if (!bp)
		return 0;
	if (bp->engine) {
		xb_sim_blkif_event(sim, bp->port);
		return 0;
	}
	bp->pending = true;
	if (!bp->masked && !bp->queued) {
		DL_APPEND(sim->ev.pending, bp);
		bp->queued = true;
		efd_update(&sim->ev);
	}
	return 0;
}

XB_EXPORT unsigned int xenback_sim_evtchn_take(struct xenback_sim *sim, uint32_t domid,
				     uint32_t port)
{
	struct sim_port *p;
	unsigned int n;

	if (!sim || !(p = port_find(&sim->ev, domid, port)) || p->backend)
		return 0;
	n = p->sent;
	p->sent = 0;
	return n;
}

XB_EXPORT unsigned int xenback_sim_ports_bound(const struct xenback_sim *sim)
{
	return sim ? sim->ev.bound : 0;
}

/* ----------------------------------------------------------- backend side */

static int op_bind(void *h, uint32_t domid, uint32_t remote_port)
{
	struct xenback_sim *sim = h;
	struct sim_port *rp = port_find(&sim->ev, domid, remote_port), *lp;

	if (!rp || rp->backend || rp->state != PORT_UNBOUND ||
	    rp->remote_domid != sim->backend_domid)
		return -EINVAL;
	lp = port_alloc(&sim->ev, sim->backend_domid);
	if (!lp)
		return -ENOMEM;
	lp->backend = true;
	lp->state = PORT_INTERDOMAIN;
	lp->remote_domid = domid;
	lp->remote_port = remote_port;
	rp->state = PORT_INTERDOMAIN;
	rp->remote_domid = sim->backend_domid;
	rp->remote_port = lp->port;
	sim->ev.bound++;
	return (int)lp->port;
}

static int op_unbind(void *h, uint32_t port)
{
	struct xenback_sim *sim = h;
	struct sim_port *lp = backend_port(sim, port), *rp;

	if (!lp)
		return -EINVAL;
	if (!lp->peer_dead) {
		/* Xen: the remote end goes back to unbound, bindable again. */
		rp = port_find(&sim->ev, lp->remote_domid, lp->remote_port);
		if (rp) {
			rp->state = PORT_UNBOUND;
			rp->remote_domid = sim->backend_domid;
		}
	}
	port_free(&sim->ev, lp);
	sim->ev.bound--;
	efd_update(&sim->ev);
	return 0;
}

static int op_notify(void *h, uint32_t port)
{
	struct xenback_sim *sim = h;
	struct sim_port *lp = backend_port(sim, port), *rp;

	if (!lp)
		return -EINVAL;
	if (lp->peer_dead)
		return 0;
	rp = port_find(&sim->ev, lp->remote_domid, lp->remote_port);
	if (rp)
		rp->sent++;
	return 0;
}

static int op_notify_many(void *h, const uint32_t *ports, unsigned int n)
{
	int err = 0;

	if (!ports && n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		int r = op_notify(h, ports[i]);

		if (r < 0 && !err)
			err = r;
	}
	return err;
}

static int op_fd(void *h)
{
	return ((struct xenback_sim *)h)->ev.efd;
}

static int op_pending(void *h, uint32_t *ports, unsigned int max)
{
	struct sim_evtchn *ev = &((struct xenback_sim *)h)->ev;
	unsigned int n = 0;

	if (!ports && max)
		return -EINVAL;
	while (n < max && ev->pending) {
		struct sim_port *p = ev->pending;

		DL_DELETE(ev->pending, p);
		p->queued = false;
		p->pending = false;
		p->masked = true;
		ports[n++] = p->port;
	}
	efd_update(ev);
	return (int)n;
}

static int op_rearm(void *h, uint32_t port, bool spurious)
{
	struct xenback_sim *sim = h;
	struct sim_port *p = backend_port(sim, port);

	/* no lateeoi throttling in the sim: counted only */
	if (!p)
		return -EINVAL;
	if (spurious)
		sim->ev.spurious++;
	p->masked = false;
	if (p->pending && !p->queued) {
		DL_APPEND(sim->ev.pending, p);
		p->queued = true;
		efd_update(&sim->ev);
	}
	return 0;
}

/* /dev/xenback's contract (evtchn_xenback.c), limits included: only
 * forever (-1), else -EOPNOTSUPP before anything is done; the kicks, then a
 * wait for a pending port or other_fd (here with poll()). */
static int op_kick_wait(void *h, const uint32_t *rearm, unsigned int nr, const uint32_t *ntf,
			unsigned int nn, int other_fd, int timeout_ms)
{
	struct xenback_sim *sim = h;
	struct pollfd pf[2] = { { .fd = sim->ev.efd, .events = POLLIN },
				{ .fd = other_fd, .events = POLLIN } };
	struct sim_port *p;
	unsigned int i;
	int n = 0;

	if (timeout_ms >= 0 || other_fd < 0)
		return -EOPNOTSUPP;
	sim->ev.kick_waits++;
	for (i = 0; i < nn; i++)
		if (op_notify(h, ntf[i]) < 0)
			return -EINVAL;
	for (i = 0; i < nr; i++)
		if (op_rearm(h, rearm[i] & ~XB_REARM_SPURIOUS, rearm[i] & XB_REARM_SPURIOUS) < 0)
			return -EINVAL;
	if (poll(pf, 2, -1) < 0)
		return -errno;
	DL_COUNT(sim->ev.pending, p, n);
	return n | (pf[1].revents & POLLIN ? XB_WAIT_OTHER : 0);
}

XB_EXPORT uint64_t xenback_sim_evtchn_kick_waits(const struct xenback_sim *sim)
{
	return sim->ev.kick_waits;
}

XB_EXPORT uint64_t xenback_sim_evtchn_spurious(const struct xenback_sim *sim)
{
	return sim->ev.spurious;
}

/* The backend side closed its handle: its ports are unbound. */
void xb_sim_evtchn_close(struct xenback_sim *sim)
{
	struct sim_port *p, *tmp;

	HASH_ITER(hh, sim->ev.ports, p, tmp)
		if (p->backend)
			op_unbind(sim, p->port);
}

static void op_close(void *h)
{
	xb_sim_evtchn_close(h);
}

const struct xb_evtchn_ops xb_sim_evtchn_ops = {
	.bind_interdomain = op_bind,
	.unbind = op_unbind,
	.notify = op_notify,
	.notify_many = op_notify_many,
	.fd = op_fd,
	.pending = op_pending,
	.rearm = op_rearm,
	.kick_wait = op_kick_wait,
	.close = op_close,
	.grant_io_open = xb_sim_gio_open,
	.grant_io_submit = xb_sim_gio_submit,
	.grant_io_reap = xb_sim_gio_reap,
	.grant_io_close = xb_sim_gio_close_file,
	.blkif_open = xb_sim_blkif_open,
	.tap_rx = xb_sim_tap_rx,
	.tap_tx = xb_sim_tap_tx,
	.blkif_stats = xb_sim_blkif_stats,
	.blkif_close = xb_sim_blkif_close_file,
};

int xb_sim_evtchn_bind_engine(struct xenback_sim *sim, uint32_t domid, uint32_t remote_port)
{
	int port = op_bind(sim, domid, remote_port);

	if (port > 0)
		backend_port(sim, (uint32_t)port)->engine = true;
	return port;
}

void xb_sim_evtchn_unbind_engine(struct xenback_sim *sim, uint32_t port)
{
	op_unbind(sim, port);
}

void xb_sim_evtchn_notify_remote(struct xenback_sim *sim, uint32_t port)
{
	op_notify(sim, port);
}

int xb_sim_evtchn_remote(struct xenback_sim *sim, uint32_t port, uint32_t *domid)
{
	struct sim_port *p = port_find(&sim->ev, sim->backend_domid, port);

	if (!p || !p->backend || p->state != PORT_INTERDOMAIN)
		return -EINVAL;
	*domid = p->remote_domid;
	return 0;
}

/* The domain's ports close; backend ports bound to them stay allocated
 * (the backend still has to unbind them) but lose their peer. */
void xb_sim_evtchn_domain_destroy(struct xenback_sim *sim, uint32_t domid)
{
	struct sim_evtchn *ev = &sim->ev;
	struct sim_port *p, *tmp;
	struct sim_dom *d = NULL;

	HASH_ITER(hh, ev->ports, p, tmp) {
		if (p->domid != domid || p->backend)
			continue;
		if (p->state == PORT_INTERDOMAIN) {
			struct sim_port *bp = backend_port(sim, p->remote_port);

			if (bp && bp->remote_domid == domid &&
			    bp->remote_port == p->port)
				bp->peer_dead = true;
		}
		port_free(ev, p);
	}
	if (domid != sim->backend_domid) {
		HASH_FIND(hh, ev->doms, &domid, sizeof(domid), d);
		if (d) {
			HASH_DEL(ev->doms, d);
			free(d);
		}
	}
}

void xb_sim_evtchn_fini(struct xenback_sim *sim)
{
	struct sim_evtchn *ev = &sim->ev;
	struct sim_port *p, *tmp;
	struct sim_dom *d, *dtmp;

	xb_sim_evtchn_close(sim);
	HASH_ITER(hh, ev->ports, p, tmp)
		port_free(ev, p);
	HASH_ITER(hh, ev->doms, d, dtmp) {
		HASH_DEL(ev->doms, d);
		free(d);
	}
	if (ev->efd >= 0)
		close(ev->efd);
	ev->efd = -1;
}
