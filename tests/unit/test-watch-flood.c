/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A watch-event flood (the XSA-349 class): a guest rewriting its own
 * frontend state with the same value 100,000 times. The bus reads at most
 * a budget of events per round, coalesces repeats per node, and comes back
 * to what it left without waiting: the flood costs O(1) xenstore reads per
 * round, and another device's handshake and I/O go on meanwhile.
 * Counts, not timings. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

#define FLOOD 100000u
#define READ_BUDGET 1024u /* xenback.h: watch events read per round */

static void flood(struct xbt *t, unsigned int n)
{
	while (n--)
		xenback_sim_write(t->sim, "/local/domain/50/device/vtest/1/state", "4");
}

struct round_stats {
	unsigned int rounds;
	uint64_t max_events, requests;
};

/* One dispatch round; returns what it did. */
static int one_round(struct xbt *t, struct round_stats *s)
{
	uint64_t ev = xenback_sim_watch_events(t->sim);
	int r = xenback_bus_dispatch(t->bus);

	ev = xenback_sim_watch_events(t->sim) - ev;
	if (ev > s->max_events)
		s->max_events = ev;
	s->rounds++;
	return r;
}

/* Events a round read but left (more distinct ones than a round handles):
 * xenstore has nothing left to say, so only the bus's own "work left"
 * signal brings the next round: the bus fd stays readable (a poll or
 * run_once does not wait) until the work is done. */
static void test_left_over(struct xbt *t)
{
	struct pollfd p = { .fd = xenback_bus_fd(t->bus), .events = POLLIN };
	unsigned int i, rounds = 0, handled = 0;
	int r;

	for (i = 0; i < 1000; i++)
		xenback_sim_write(t->sim, xbt_path("/local/domain/0/backend/vtest/60/%u/params", i), "x");
	r = xenback_bus_dispatch(t->bus);
	tap_ok(r > 0 && r < 1000, "one round handles part of 1000 distinct events (%d)", r);
	handled = (unsigned int)r;
	while (poll(&p, 1, 0) == 1 && rounds < 100) {
		r = xenback_bus_dispatch(t->bus);
		if (r <= 0)
			break;
		handled += (unsigned int)r;
		rounds++;
	}
	tap_ok(handled >= 1000, "the bus fd stayed readable until all were handled (%u in %u more "
	       "rounds)", handled, rounds);
	tap_eq(xenback_bus_dispatch(t->bus), 0, "then the bus is idle");
}

int main(void)
{
	struct xbt t;
	struct round_stats s = { 0 };
	unsigned int served = 0, rounds_with_io = 0, handled_events;
	uint32_t port;

	xbt_init(&t, XENBACK_LOG_ERR);
	xbt_add(&t, "vtest", 50, 1, NULL); /* the flooding guest's disk */
	xbt_settle(&t);
	xbt_fe_connect(&t, "vtest", 50, 1);
	xbt_settle(&t);
	xbt_fe_set_state(&t, "vtest", 50, 1, XENBACK_STATE_CONNECTED);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vtest", 50, 1), XENBACK_STATE_CONNECTED, "the flooder's disk is Connected");

	/* The other guest's whole handshake, interleaved with the flood, all
	 * queued before the daemon reads anything. */
	xenback_sim_reset_counters(t.sim);
	flood(&t, FLOOD / 4);
	xbt_add(&t, "vtest", 51, 1, NULL);
	flood(&t, FLOOD / 4);
	port = xbt_fe_connect(&t, "vtest", 51, 1);
	flood(&t, FLOOD / 2);
	while (xbt_be_state(&t, "vtest", 51, 1) != XENBACK_STATE_CONNECTED && s.rounds < 10000)
		one_round(&t, &s);
	tap_eq(xbt_be_state(&t, "vtest", 51, 1), XENBACK_STATE_CONNECTED,
	       "the other device connects during the flood");
	tap_ok(s.rounds <= FLOOD / READ_BUDGET + 10, "within %u rounds (bounded by the flood / the "
	       "per-round budget)", s.rounds);
	tap_ok(s.max_events <= READ_BUDGET, "at most %u watch events read in one round (%llu)",
	       READ_BUDGET, (unsigned long long)s.max_events);
	while (one_round(&t, &s) > 0 && s.rounds < 10000)
		;
	s.requests = xenback_sim_requests_total(t.sim);
	tap_ok(xenback_sim_watch_events(t.sim) >= FLOOD, "all %u flood events were read (%llu)",
	       FLOOD, (unsigned long long)xenback_sim_watch_events(t.sim));
	tap_ok(s.requests <= 2 * s.rounds + 60, "%llu xenstore requests for %u rounds: O(1) per round, "
	       "not one per event", (unsigned long long)s.requests, s.rounds);

	/* Flood again; the other device's ring is served in every round. */
	xenback_sim_reset_counters(t.sim);
	flood(&t, FLOOD);
	s = (struct round_stats){ 0 };
	for (;;) {
		unsigned int before = vtest.events;
		int r;

		xenback_sim_evtchn_notify(t.sim, 51, port);
		r = one_round(&t, &s);
		rounds_with_io++;
		served += vtest.events > before;
		if (r <= 1 || s.rounds >= 10000)
			break;
	}
	handled_events = (unsigned int)xenback_sim_watch_events(t.sim);
	tap_eq(served, rounds_with_io, "the other device's channel is served in each of %u rounds",
	       rounds_with_io);
	tap_ok(handled_events >= FLOOD, "while the %u-event flood drains (%u read)", FLOOD, handled_events);
	tap_ok(xenback_sim_requests_total(t.sim) <= 2 * s.rounds + 10,
	       "flood alone: %llu xenstore requests in %u rounds",
	       (unsigned long long)xenback_sim_requests_total(t.sim), s.rounds);
	tap_eq(xbt_be_state(&t, "vtest", 50, 1), XENBACK_STATE_CONNECTED,
	       "rewriting the same state is no state change: the flooder stays Connected");
	test_left_over(&t);
	xbt_fini(&t);
	return tap_done();
}
