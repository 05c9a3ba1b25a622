/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A guest that dies mid-hotplug: nothing is created for a frontend domain
 * that does not exist; after a domain's death its devices are torn down,
 * the nodes the toolstack left behind hold nothing and are listed as
 * "domain gone", and more events for them create nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/fdcount.h"
#include "helpers/simbus.h"

#define BE "/local/domain/0/backend/vtest/%u/%u"

struct gone_ctx {
	uint32_t domid;
	unsigned int n, gone, with_device;
};

static int count_gone(const struct xenback_device_info *i, void *data)
{
	struct gone_ctx *c = data;

	if (i->frontend_id != c->domid)
		return 0;
	c->n++;
	c->gone += i->error == -ESRCH && i->error_msg && strstr(i->error_msg, "domain gone");
	c->with_device += i->state >= 0 || i->grants_mapped || i->ports_bound;
	return 0;
}

static struct gone_ctx gone(struct xbt *t, uint32_t domid)
{
	struct gone_ctx c = { .domid = domid };

	xenback_bus_foreach(t->bus, count_gone, &c);
	return c;
}

/* A node whose frontend domain does not exist (it died before the daemon
 * saw the node): no create(). */
static void test_absent_domain(struct xbt *t)
{
	unsigned int creates = vtest.create, i;
	struct gone_ctx c;
	int fds = fd_count();

	xbt_add(t, "vtest", 20, 1, NULL);
	xenback_sim_domain_destroy(t->sim, 20); /* before the daemon reads the events */
	xbt_settle(t);
	tap_eq(vtest.create, creates, "frontend domain absent: create() not called");
	c = gone(t, 20);
	tap_ok(c.n == 1 && c.gone == 1, "the node is listed as 'domain gone' (%u of %u)", c.gone, c.n);
	for (i = 0; i < 50; i++) {
		xenback_sim_write(t->sim, xbt_path(BE "/online", 20u, 1u), "1");
		xenback_sim_write(t->sim, xbt_path(BE "/state", 20u, 1u), "1");
	}
	xbt_settle(t);
	tap_eq(vtest.create, creates, "100 more events for the leftover node: still no create()");
	tap_eq(xenback_backend_device_create(t->bus, "vtest", "20/1", NULL), -EEXIST,
	       "device_create() of the recorded node: -EEXIST");
	xbt_add(t, "vtest", 20, 2, NULL);
	xenback_sim_rm(t->sim, "/local/domain/20");
	xbt_settle(t);
	tap_eq(vtest.create, creates, "a second node of the dead domain: no create()");
	xenback_sim_write(t->sim, xbt_path(BE "/frontend", 20u, 3u), "/local/domain/20/device/vtest/3");
	xenback_sim_write(t->sim, xbt_path(BE "/frontend-id", 20u, 3u), "20");
	tap_eq(xenback_backend_device_create(t->bus, "vtest", "20/3", NULL), -ESRCH,
	       "device_create() for the dead domain: -ESRCH, no create()");
	tap_eq(vtest.create, creates, "(create() count unchanged)");
	xbt_rm(t, "vtest", 20, 3);
	tap_eq(fd_count(), fds, "no fd held for the dead domain");
	xbt_rm(t, "vtest", 20, 1);
	xbt_rm(t, "vtest", 20, 2);
	xbt_settle(t);
	tap_eq(gone(t, 20).n, 0, "the toolstack removes the nodes: the records go");
}

/* A domain dies with a connected device, one in InitWait, a failed and a
 * declined one, and the toolstack leaves the nodes behind (xl destroy of a
 * guest that crashed mid-hotplug). */
static void test_death(struct xbt *t)
{
	unsigned int creates, destroys = vtest.destroy, i;
	struct gone_ctx c;
	int fds = fd_count();

	xbt_add(t, "vtest", 21, 0, NULL);
	xbt_add(t, "vtest", 21, 1, NULL);
	xbt_add(t, "vtest", 21, 2, (const char *const[]){ "fail=1", NULL });
	xbt_add(t, "vtest", 21, 3, (const char *const[]){ "decline=1", NULL });
	xbt_settle(t);
	xbt_fe_connect(t, "vtest", 21, 0);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", 21, 0), XENBACK_STATE_CONNECTED, "domain 21: one device Connected");
	creates = vtest.create;
	xenback_sim_domain_destroy(t->sim, 21);
	xbt_settle(t);
	tap_eq(vtest.destroy - destroys, 2, "domain 21 died: both its devices destroyed");
	tap_eq(xenback_sim_grants_mapped(t->sim) + xenback_sim_ports_bound(t->sim), 2,
	       "its grant and port released (the bystander's remain)");
	c = gone(t, 21);
	tap_ok(c.n == 4 && c.gone == 4, "its 4 leftover nodes are listed as 'domain gone' (%u of %u)",
	       c.gone, c.n);
	tap_eq(c.with_device, 0, "none of them holds a device, grant or port");
	tap_eq(xbt_be_state(t, "vtest", 21, 0), XENBACK_STATE_CLOSED, "the connected one's node says Closed");
	for (i = 0; i < 4; i++) {
		xenback_sim_write(t->sim, xbt_path(BE "/state", 21u, i), "1");
		xenback_sim_write(t->sim, xbt_path(BE "/online", 21u, i), "1");
		xenback_sim_write(t->sim, xbt_path("/local/domain/21/device/vtest/%u/state", i), "3");
	}
	xbt_settle(t);
	tap_eq(vtest.create, creates, "more events for the leftover nodes: nothing created again");
	tap_eq(fd_count(), fds, "fds back at the baseline");
	/* The domid is reused: the toolstack writes the new domain's node
	 * over a leftover one; the new device lives, and dies with its domain. */
	destroys = vtest.destroy;
	xbt_rm(t, "vtest", 21, 0);
	xbt_add(t, "vtest", 21, 0, NULL);
	xbt_settle(t);
	tap_eq(vtest.create, creates + 1, "domid 21 reused: the new node is created");
	xbt_fe_connect(t, "vtest", 21, 0);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", 21, 0), XENBACK_STATE_CONNECTED, "and connects");
	xenback_sim_domain_destroy(t->sim, 21);
	xbt_settle(t);
	tap_eq(vtest.destroy - destroys, 1, "the new domain dies: its device is torn down too");
	tap_eq(gone(t, 21).with_device, 0, "nothing held for domain 21");
	for (i = 0; i < 4; i++)
		xbt_rm(t, "vtest", 21, i);
	xbt_settle(t);
	tap_eq(gone(t, 21).n, 0, "the toolstack removes the nodes: the records go");
}

int main(void)
{
	struct xbt t;

	xbt_init(&t, XENBACK_LOG_NOTICE);
	xbt_add(&t, "vtest", 22, 0, NULL); /* the bystander */
	xbt_settle(&t);
	xbt_fe_connect(&t, "vtest", 22, 0);
	xbt_settle(&t);
	test_absent_domain(&t);
	test_death(&t);
	tap_eq(xbt_be_state(&t, "vtest", 22, 0), XENBACK_STATE_CONNECTED, "the bystander stayed Connected");
	xbt_fini(&t);
	return tap_done();
}
