// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated platform object: creation and teardown, the backend side's
 * platform (three ops tables over one struct xenback_sim), request
 * counters and fault injection, and domain death, which touches all three
 * parts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static const char *const req_names[XENBACK_SIM_NR_REQ] = {
	[XENBACK_SIM_READ] = "read",
	[XENBACK_SIM_WRITE] = "write",
	[XENBACK_SIM_DIRECTORY] = "directory",
	[XENBACK_SIM_RM] = "rm",
	[XENBACK_SIM_TXN_START] = "txn_start",
	[XENBACK_SIM_TXN_END] = "txn_end",
	[XENBACK_SIM_WATCH] = "watch",
	[XENBACK_SIM_UNWATCH] = "unwatch",
};

XB_EXPORT const char *xenback_sim_req_name(enum xenback_sim_req kind)
{
	if ((unsigned int)kind >= XENBACK_SIM_NR_REQ)
		return "?";
	return req_names[kind];
}

/*
 * The backend side's platform. The sim owns it: free() closes what the
 * backend side holds (watches, transactions, mappings, bound ports), the
 * way closing the real handles would, and leaves the sim alive.
 */
static void sim_platform_free(struct xenback_platform *p)
{
	struct xenback_sim *sim = (struct xenback_sim *)p;

	if (!sim->plat_open)
		return;
	xb_sim_xs_close(sim);
	xb_sim_gio_close(sim);
	xb_sim_tap_rx_close(sim);
	xb_sim_blkif_close(sim);
	xb_sim_gnt_close(sim);
	xb_sim_evtchn_close(sim);
	sim->plat_open = false;
}

XB_EXPORT struct xenback_platform *xenback_sim_platform(struct xenback_sim *sim)
{
	if (!sim)
		return NULL;
	sim->plat_open = true;
	return &sim->plat;
}

XB_EXPORT struct xenback_sim *xenback_sim_new(void)
{
	struct xenback_sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->xs.efd = -1;
	sim->ev.efd = -1;
	sim->gnt.memfd = -1;
	if (xb_sim_xs_init(sim) < 0 || xb_sim_gnt_init(sim) < 0 ||
	    xb_sim_evtchn_init(sim) < 0) {
		xenback_sim_free(sim);
		return NULL;
	}
	sim->plat.name = "sim";
	sim->plat.xs = &xb_sim_xs_ops;
	sim->plat.xs_h = sim;
	sim->plat.gnt = &xb_sim_gnt_ops;
	sim->plat.gnt_h = sim;
	sim->plat.evtchn = &xb_sim_evtchn_ops;
	sim->plat.evtchn_h = sim;
	sim->plat.free = sim_platform_free;
	return sim;
}

XB_EXPORT void xenback_sim_free(struct xenback_sim *sim)
{
	if (!sim)
		return;
	sim_platform_free(&sim->plat);
	xb_sim_evtchn_fini(sim);
	xb_sim_gnt_fini(sim);
	xb_sim_xs_fini(sim);
	free(sim);
}

/* ---------------------------------------------------- counters, faults */

int xb_sim_request(struct xenback_sim *sim, enum xenback_sim_req kind)
{
	sim->req[kind]++;
	if (sim->fail_n[kind]) {
		sim->fail_n[kind]--;
		return sim->fail_err[kind];
	}
	return 0;
}

bool xb_sim_take_commit_fault(struct xenback_sim *sim)
{
	if (!sim->fail_commits)
		return false;
	sim->fail_commits--;
	return true;
}

XB_EXPORT uint64_t xenback_sim_requests(const struct xenback_sim *sim,
			      enum xenback_sim_req kind)
{
	if (!sim || (unsigned int)kind >= XENBACK_SIM_NR_REQ)
		return 0;
	return sim->req[kind];
}

XB_EXPORT uint64_t xenback_sim_requests_total(const struct xenback_sim *sim)
{
	uint64_t total = 0;

	if (!sim)
		return 0;
	for (unsigned int i = 0; i < XENBACK_SIM_NR_REQ; i++)
		total += sim->req[i];
	return total;
}

XB_EXPORT void xenback_sim_reset_counters(struct xenback_sim *sim)
{
	if (!sim)
		return;
	memset(sim->req, 0, sizeof(sim->req));
	sim->watch_events = 0;
}

XB_EXPORT void xenback_sim_fail_commits(struct xenback_sim *sim, unsigned int n)
{
	if (sim)
		sim->fail_commits = n;
}

XB_EXPORT void xenback_sim_fail_requests(struct xenback_sim *sim,
			       enum xenback_sim_req kind, unsigned int n,
			       int err)
{
	if (!sim || (unsigned int)kind >= XENBACK_SIM_NR_REQ)
		return;
	sim->fail_n[kind] = n;
	sim->fail_err[kind] = err < 0 ? err : -EIO;
}

XB_EXPORT uint64_t xenback_sim_watch_events(const struct xenback_sim *sim)
{
	return sim ? sim->watch_events : 0;
}

/* ---------------------------------------------------------- domain death */

XB_EXPORT int xenback_sim_domain_destroy(struct xenback_sim *sim, uint32_t domid)
{
	char path[64];

	if (!sim)
		return -EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	if (xb_sim_xs_lookup(sim, path))
		xb_sim_xs_tree_rm(sim, path);
	xb_sim_gnt_domain_destroy(sim, domid);
	xb_sim_evtchn_domain_destroy(sim, domid);
	xb_sim_xs_fire_exact(sim, "@releaseDomain");
	return 0;
}
