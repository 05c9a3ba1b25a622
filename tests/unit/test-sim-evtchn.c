// SPDX-License-Identifier: LGPL-2.1-or-later
/* Simulated event channels: binding, notify both ways, pending queue with
 * masking, the pollable fd, notify_many, unbind and domain death. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "xenback/sim.h"
#include "platform.h"
#include "tap.h"

static struct xenback_sim *sim;
static const struct xb_evtchn_ops *ev;
static void *h;

static int readable(void)
{
	struct pollfd p = { .fd = ev->fd(h), .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int bind_new(uint32_t domid, uint32_t *fe)
{
	xenback_sim_evtchn_alloc_unbound(sim, domid, 0, fe);
	return ev->bind_interdomain(h, domid, *fe);
}

static void test_bind(void)
{
	uint32_t fe, fe2, other;
	int be;

	tap_eq(xenback_sim_evtchn_alloc_unbound(sim, 3, 0, &fe), 0, "alloc_unbound");
	tap_ok(fe >= 1, "port 0 is never handed out");
	xenback_sim_evtchn_alloc_unbound(sim, 3, 0, &fe2);
	tap_ok(fe2 != fe, "distinct ports in one domain");
	tap_eq(xenback_sim_ports_bound(sim), 0, "nothing bound yet");
	be = ev->bind_interdomain(h, 3, fe);
	tap_ok(be >= 1, "bind_interdomain returns a local port");
	tap_eq(xenback_sim_ports_bound(sim), 1, "one bound");
	tap_eq(ev->bind_interdomain(h, 3, fe), -EINVAL, "binding a bound port again: -EINVAL");
	tap_eq(ev->bind_interdomain(h, 3, 999), -EINVAL, "unknown remote port: -EINVAL");
	tap_eq(ev->bind_interdomain(h, 4, fe), -EINVAL, "wrong domain: -EINVAL");
	xenback_sim_evtchn_alloc_unbound(sim, 3, 7, &other);
	tap_eq(ev->bind_interdomain(h, 3, other), -EINVAL,
	       "port offered to another domain: -EINVAL");
	tap_eq(ev->notify(h, 9999), -EINVAL, "notify of a port not bound: -EINVAL");
	tap_eq(ev->rearm(h, 9999, false), -EINVAL, "unmask of a port not bound: -EINVAL");
	tap_eq(ev->unbind(h, 9999), -EINVAL, "unbind of a port not bound: -EINVAL");
	tap_eq(ev->notify(h, fe2), -EINVAL, "a frontend's port number is not ours: -EINVAL");
	tap_eq(ev->unbind(h, (uint32_t)be), 0, "unbind");
	tap_eq(xenback_sim_ports_bound(sim), 0, "none bound");
	tap_eq(ev->notify(h, (uint32_t)be), -EINVAL, "notify after unbind: -EINVAL");
	tap_ok(ev->bind_interdomain(h, 3, fe) >= 1, "the remote port is bindable again (Xen)");
	tap_eq(xenback_sim_evtchn_notify(sim, 3, fe2), 0,
	       "frontend notify on an unbound port is dropped silently");
	tap_eq(xenback_sim_evtchn_notify(sim, 3, 999), -EINVAL, "unknown frontend port: -EINVAL");
}

static void test_events(void)
{
	uint32_t fe, ports[8];
	int be = bind_new(4, &fe);

	tap_ok(!readable(), "nothing pending: fd not readable");
	tap_eq(ev->pending(h, ports, 8), 0, "pending: 0");
	tap_eq(xenback_sim_evtchn_notify(sim, 4, fe), 0, "frontend notifies");
	tap_ok(readable(), "fd readable");
	xenback_sim_evtchn_notify(sim, 4, fe);
	tap_eq(ev->pending(h, ports, 8), 1, "two notifies coalesce into one pending port");
	tap_eq(ports[0], be, "the backend's port");
	tap_ok(!readable(), "fd drained");
	xenback_sim_evtchn_notify(sim, 4, fe);
	tap_eq(ev->pending(h, ports, 8), 0, "port stays masked after pending()");
	tap_ok(!readable(), "masked event does not make the fd readable");
	tap_eq(ev->rearm(h, (uint32_t)be, false), 0, "unmask");
	tap_ok(readable(), "event that came in while masked is delivered now");
	tap_eq(ev->pending(h, ports, 8), 1, "pending again");
	tap_eq(ev->rearm(h, (uint32_t)be, true), 0, "unmask (spurious)");
	tap_eq(ev->pending(h, ports, 8), 0, "nothing new");

	tap_eq(xenback_sim_evtchn_take(sim, 4, fe), 0, "frontend has no events yet");
	tap_eq(ev->notify(h, (uint32_t)be), 0, "backend notifies");
	ev->notify(h, (uint32_t)be);
	tap_eq(xenback_sim_evtchn_take(sim, 4, fe), 2, "frontend takes two");
	tap_eq(xenback_sim_evtchn_take(sim, 4, fe), 0, "take clears");
	tap_eq(xenback_sim_evtchn_take(sim, 4, 12345), 0, "take of an unknown port: 0");
}

static void test_many(void)
{
	uint32_t fe[5], be[5], ports[8], keep;
	int ok = 1, n;

	for (int i = 0; i < 5; i++)
		be[i] = (uint32_t)bind_new(20 + i, &fe[i]);
	tap_eq(ev->notify_many(h, be, 5), 0, "notify_many");
	for (int i = 0; i < 5; i++)
		ok &= xenback_sim_evtchn_take(sim, 20 + i, fe[i]) == 1;
	tap_ok(ok, "every frontend got one event");
	keep = be[2];
	be[2] = 9999;
	tap_eq(ev->notify_many(h, be, 5), -EINVAL, "a bad port: -EINVAL");
	ok = xenback_sim_evtchn_take(sim, 24, fe[4]) == 1;
	tap_ok(ok, "the good ports after it were still notified");
	tap_eq(ev->notify_many(h, NULL, 0), 0, "empty notify_many");
	be[2] = keep;

	for (int i = 4; i >= 0; i--)
		xenback_sim_evtchn_notify(sim, 20 + i, fe[i]);
	n = ev->pending(h, ports, 2);
	tap_eq(n, 2, "pending respects max");
	tap_ok(ports[0] == be[4] && ports[1] == be[3], "in the order they were raised");
	n = ev->pending(h, ports + 2, 8);
	tap_eq(n, 3, "the rest on the next call");
	tap_ok(ports[2] == be[2] && ports[3] == be[1] && ports[4] == be[0], "in order");
	tap_ok(!readable(), "then the fd is drained");
	tap_eq(ev->pending(h, NULL, 1), -EINVAL, "NULL ports: -EINVAL");
}

static void test_death_and_close(void)
{
	uint32_t fe, ports[4];
	int be = bind_new(30, &fe), be2;
	unsigned int bound = xenback_sim_ports_bound(sim);

	xenback_sim_evtchn_notify(sim, 30, fe);
	xenback_sim_domain_destroy(sim, 30);
	tap_eq(xenback_sim_ports_bound(sim), bound, "backend port stays until unbound");
	tap_eq(ev->notify(h, (uint32_t)be), 0, "notify to a dead peer is dropped silently");
	tap_eq(xenback_sim_evtchn_notify(sim, 30, fe), -EINVAL, "dead domain's port is gone");
	be2 = bind_new(30, &fe);
	tap_ok(be2 >= 1 && be2 != be, "a new domain with the same id binds afresh");
	tap_eq(ev->notify(h, (uint32_t)be), 0, "old port still does not reach it");
	tap_eq(xenback_sim_evtchn_take(sim, 30, fe), 0, "(nothing arrived)");
	tap_eq(ev->unbind(h, (uint32_t)be), 0, "unbind the orphaned port");
	tap_eq(ev->pending(h, ports, 4) >= 0, 1, "pending still works");
	xenback_sim_evtchn_notify(sim, 30, fe);
	xenback_sim_platform(sim)->free(xenback_sim_platform(sim));
	tap_eq(xenback_sim_ports_bound(sim), 0, "platform free unbinds everything");
	ev = xenback_sim_platform(sim)->evtchn;
	tap_ok(!readable(), "and clears the pending queue");
	tap_ok(bind_new(31, &fe) >= 1, "binding works after reopening");
}

int main(void)
{
	sim = xenback_sim_new();
	ev = xenback_sim_platform(sim)->evtchn;
	h = xenback_sim_platform(sim)->evtchn_h;
	test_bind();
	test_events();
	test_many();
	test_death_and_close();
	xenback_sim_free(sim);
	return tap_done();
}
