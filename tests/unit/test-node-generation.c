/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU commit eb6ae7a682's rule, exact under reordering: a node removed and
 * re-added is a new node, whether the daemon reads the removal's event
 * before the re-add (in order) or only after it (reordered). A failed or
 * declined record is forgotten and the new node tried exactly once; a live
 * device is torn down (never left bound to the old ring) and the new node
 * created; a reused domid behaves the same. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

#define FE "/local/domain/%u/device/vtest/%u"

/* Toolstack removes the node (and the frontend's) and adds it again;
 * settled in between only if in_order. */
static void readd(struct xbt *t, uint32_t domid, uint32_t devid, const char *const *extra,
		  bool in_order)
{
	xbt_rm(t, "vtest", domid, devid);
	xenback_sim_rm(t->sim, xbt_path(FE, domid, devid));
	if (in_order)
		xbt_settle(t);
	xbt_add(t, "vtest", domid, devid, extra);
	xbt_settle(t);
}

/* Watch events that are not a new node: key rewrites. */
static void noise(struct xbt *t, uint32_t domid, uint32_t devid)
{
	unsigned int i;

	for (i = 0; i < 20; i++) {
		xenback_sim_write(t->sim, xbt_path("/local/domain/0/backend/vtest/%u/%u/state", domid, devid), "1");
		xenback_sim_write(t->sim, xbt_path("/local/domain/0/backend/vtest/%u/%u/online", domid, devid), "1");
		xenback_sim_write(t->sim, xbt_path("/local/domain/0/backend/vtest/%u/%u/params", domid, devid), "x%u", i);
	}
	xbt_settle(t);
}

static void test_record(struct xbt *t, const char *what, const char *key, bool in_order)
{
	const char *const extra[] = { key, NULL };
	const char *order = in_order ? "in order" : "reordered";
	uint32_t dom = in_order ? 40 : 41, dev = key[0] == 'f' ? 1 : 2;
	unsigned int creates;

	xbt_add(t, "vtest", dom, dev, extra);
	xbt_settle(t);
	noise(t, dom, dev);
	creates = vtest.create;
	readd(t, dom, dev, extra, in_order);
	tap_eq(vtest.create - creates, 1, "%s record, node re-added (%s): tried once afresh", what, order);
	noise(t, dom, dev);
	tap_eq(vtest.create - creates, 1, "%s record: key rewrites after that: no more attempts", what);
	readd(t, dom, dev, NULL, in_order);
	tap_eq(xbt_be_state(t, "vtest", dom, dev), XENBACK_STATE_INITWAIT,
	       "%s record, node re-added good (%s): created", what, order);
}

static void test_live(struct xbt *t, bool in_order)
{
	const char *order = in_order ? "in order" : "reordered";
	uint32_t dom = in_order ? 42 : 43;
	unsigned int creates, disconnects = vtest.disconnect, destroys = vtest.destroy;
	unsigned int grants, ports;

	grants = xenback_sim_grants_mapped(t->sim);
	ports = xenback_sim_ports_bound(t->sim);
	xbt_add(t, "vtest", dom, 1, NULL);
	xbt_settle(t);
	xbt_fe_connect(t, "vtest", dom, 1);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", dom, 1), XENBACK_STATE_CONNECTED, "live device Connected");
	creates = vtest.create;
	readd(t, dom, 1, NULL, in_order); /* forced removal, then a new device */
	tap_eq(vtest.disconnect - disconnects, 1, "node re-added (%s): the old device disconnected", order);
	tap_eq(vtest.destroy - destroys, 1, "and destroyed");
	tap_eq(xenback_sim_grants_mapped(t->sim), grants, "the old ring is unmapped");
	tap_eq(xenback_sim_ports_bound(t->sim), ports, "the old channel unbound");
	tap_eq(vtest.create - creates, 1, "the new node is created once");
	tap_eq(xbt_be_state(t, "vtest", dom, 1), XENBACK_STATE_INITWAIT, "and waits in InitWait");
	xbt_fe_connect(t, "vtest", dom, 1);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", dom, 1), XENBACK_STATE_CONNECTED, "the new frontend connects");
}

/* The domain dies and its domid is reused before the daemon reads the
 * events: @releaseDomain finds /local/domain/<domid> again. */
static void test_domid_reuse(struct xbt *t)
{
	unsigned int disconnects = vtest.disconnect, creates;

	xbt_add(t, "vtest", 44, 1, NULL);
	xbt_settle(t);
	xbt_fe_connect(t, "vtest", 44, 1);
	xbt_settle(t);
	creates = vtest.create;
	xenback_sim_domain_destroy(t->sim, 44);
	xbt_rm(t, "vtest", 44, 1);
	xbt_add(t, "vtest", 44, 1, NULL); /* the new domain 44's disk */
	xbt_settle(t);
	tap_eq(vtest.disconnect - disconnects, 1, "domid reused: the old device disconnected");
	tap_eq(vtest.create - creates, 1, "the new domain's node created once");
	tap_eq(xbt_be_state(t, "vtest", 44, 1), XENBACK_STATE_INITWAIT, "in InitWait");
}

int main(void)
{
	struct xbt t;

	xbt_init(&t, XENBACK_LOG_ERR - 1);
	test_record(&t, "failed", "fail=1", true);
	test_record(&t, "failed", "fail=1", false);
	test_record(&t, "declined", "decline=1", true);
	test_record(&t, "declined", "decline=1", false);
	test_live(&t, true);
	test_live(&t, false);
	test_domid_reuse(&t);
	xbt_fini(&t);
	return tap_done();
}
