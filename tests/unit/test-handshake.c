/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The XenbusState handshake against a simulated frontend:
 * Initialising -> InitWait -> Connected -> Closing -> Closed -> destroyed,
 * reconnect with online=1, removal with online=0. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

#define T "vtest"

/* Initialising -> InitWait -> Connected. */
static void test_connect(struct xbt *t)
{
	uint32_t fe_port;
	char *v;

	xbt_add(t, T, 5, 768, NULL);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_INITWAIT, "backend InitWait after create");
	v = xenback_sim_read(t->sim, "/local/domain/0/backend/vtest/5/768/feature-test");
	tap_ok(v && !strcmp(v, "1"), "features published with InitWait");
	free(v);
	v = xenback_sim_read(t->sim, "/local/domain/0/backend/vtest/5/768/hotplug-status");
	tap_ok(v && !strcmp(v, "connected"), "hotplug-status=connected written (no script type)");
	free(v);

	fe_port = xbt_fe_connect(t, T, 5, 768);
	xbt_settle(t);
	tap_eq(vtest.connect, 1, "frontend Initialised: connect() ran");
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_CONNECTED, "backend Connected");
	tap_eq(xenback_sim_grants_mapped(t->sim), 1, "the ring grant is mapped");
	tap_eq(xenback_sim_ports_bound(t->sim), 1, "the event channel is bound");
	xenback_sim_evtchn_notify(t->sim, 5, fe_port);
	xenback_sim_evtchn_notify(t->sim, 5, fe_port);
	xbt_settle(t);
	tap_ok(vtest.events >= 1, "frontend events reach the handler (%u)", vtest.events);
	xbt_fe_set_state(t, T, 5, 768, XENBACK_STATE_CONNECTED);
	xbt_settle(t);
	tap_eq(vtest.connect, 1, "frontend Connected: no second connect()");
}

/* Frontend closes: backend follows, stays (online=1); then reconnects. */
static void test_close_reconnect(struct xbt *t)
{
	xbt_fe_set_state(t, T, 5, 768, XENBACK_STATE_CLOSING);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_CLOSING, "frontend Closing -> backend Closing");
	tap_eq(vtest.disconnect, 1, "disconnect() ran");
	tap_eq(xenback_sim_grants_mapped(t->sim) + xenback_sim_ports_bound(t->sim), 0,
	       "no grant mapped, no port bound after disconnect");
	xbt_fe_set_state(t, T, 5, 768, XENBACK_STATE_CLOSED);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_CLOSED, "frontend Closed -> backend Closed");
	tap_eq(vtest.destroy, 0, "online=1: the device is kept for a reconnect");

	/* Reconnect. */
	xbt_fe_set_state(t, T, 5, 768, XENBACK_STATE_INITIALISING);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_INITWAIT, "frontend Initialising again -> InitWait");
	xbt_fe_connect(t, T, 5, 768);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_CONNECTED, "reconnected");
	tap_eq(vtest.connect, 2, "second connect()");
	tap_eq(vtest.create, 1, "no second create()");
}

/* Removal the libxl way: online=0 + state=Closing, then frontend closes. */
static void test_removal(struct xbt *t)
{
	xbt_offline(t, T, 5, 768);
	xbt_settle(t);
	tap_eq(vtest.disconnect, 2, "online=0/Closing: disconnected");
	xbt_fe_set_state(t, T, 5, 768, XENBACK_STATE_CLOSED);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 5, 768), XENBACK_STATE_CLOSED, "backend Closed for the toolstack");
	tap_eq(vtest.destroy, 1, "online=0 and Closed: destroy() ran");
	tap_ok(!xbt_exists(t, T, 5, 768), "the instance is gone from the registry");

	/* online=0 on a device whose frontend never connected: straight to Closed. */
	xbt_add(t, T, 6, 768, NULL);
	xbt_settle(t);
	xbt_offline(t, T, 6, 768);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, T, 6, 768), XENBACK_STATE_CLOSED, "unconnected device offline -> Closed");
	tap_eq(vtest.destroy, 2, "and destroyed");
}

int main(void)
{
	struct xbt t;

	xbt_init(&t, XENBACK_LOG_WARNING);
	test_connect(&t);
	test_close_reconnect(&t);
	test_removal(&t);
	xbt_fini(&t);
	return tap_done();
}
