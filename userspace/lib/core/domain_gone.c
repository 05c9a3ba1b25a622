/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Frontend domains that are gone: a guest that died (@releaseDomain), or
 * one that never existed by the time its node was read. Its devices are
 * torn down and every record of a node the toolstack left behind is kept
 * holding nothing, with error -ESRCH and the text "domain gone", so it is
 * listed and never created again while its node exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void xb_backend_set_gone(struct xenback_backend *be)
{
	if (!be->gone)
		xb_log(be->bus, XENBACK_LOG_NOTICE, "%s/%s: frontend domain %u is gone: %s",
		       be->type->info->type, be->name, be->key.domid,
		       be->dev ? "device torn down" : be->error || be->declined ?
		       "record kept as 'domain gone'" : "nothing created");
	if (be->dev)
		xb_device_teardown(be->dev, true);
	xb_retry_cancel(be);
	be->gone = true;
	be->declined = false;
	be->error = -ESRCH;
	free(be->error_msg);
	be->error_msg = strdup("domain gone");
	xb_gen_mark(be);
}

/* Domains that died: their devices are torn down, and every record of a
 * node the toolstack left behind stays as "domain gone", holding nothing,
 * until the node goes (more events for it create nothing). */
void xb_release_domains(struct xenback_bus *bus)
{
	struct xb_dom *d, *dtmp;

	HASH_ITER(hh, bus->doms, d, dtmp) {
		struct xenback_backend *be;
		unsigned int devs = 0;
		int r;

		if (d->gone)
			continue;
		r = xb_domain_exists(bus, d->domid);
		if (r < 0) { /* cannot tell: look again with the retry's rescan */
			bus->rescan_pending = true;
			xb_bus_arm_timer(bus);
		}
		if (r != 0)
			continue;
		for (be = d->list; be; be = be->dom_next) {
			devs += be->dev != NULL;
			xb_backend_set_gone(be);
		}
		d->gone = true;
		xb_log(bus, XENBACK_LOG_NOTICE, "domain %u is gone: %u device(s) torn down, "
		       "%u node(s) left by the toolstack listed as 'domain gone'",
		       d->domid, devs, d->count);
	}
}
