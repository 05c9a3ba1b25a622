/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node generations: telling the node a record was made for from a new node
 * the toolstack wrote at the same path (removed and re-added, a forced
 * removal, a reused domid), even when the daemon reads the removal's event
 * only after the re-add.
 *
 *  - A record without a device (failed, declined, domain gone) marks its
 *    node with the key XB_MARK_KEY, written only while the node exists.
 *    Removing the node removes the mark; the toolstack's new node has none.
 *    So an event for the node or its state finding the mark gone while the
 *    node exists means a new node: the record is forgotten and the node
 *    tried once afresh (which marks it again if it fails again).
 *  - A live device's node reads state Initialising only before the device
 *    published InitWait: a node that reads Initialising afterwards is one
 *    the toolstack wrote anew. The old device is torn down without writing
 *    into the new node, and the new node tried afresh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void xb_gen_mark(struct xenback_backend *be)
{
	char key[XB_PATH_MAX];
	const char *what = be->gone ? "domain-gone" : be->declined ? "declined" : "failed";
	int r;

	snprintf(key, sizeof(key), "%s/" XB_MARK_KEY, be->path);
	r = xb_node_write(be->bus, be->path, key, what, false);
	be->marked = r == 0;
	if (r < 0 && r != -ENOENT)
		xb_log(be->bus, XENBACK_LOG_WARNING, "%s/%s: cannot mark its node (%s): a "
		       "re-added node is noticed only by its removal's event",
		       be->type->info->type, be->name, strerror(-r));
}

enum xb_gen xb_gen_check_record(struct xenback_backend *be)
{
	char path[XB_PATH_MAX];
	char *v;
	int r;

	if (be->marked) {
		snprintf(path, sizeof(path), "%s/" XB_MARK_KEY, be->path);
		r = xb_xs_read(be->bus, XB_TXN_NULL, path, &v);
		if (r == 0)
			free(v);
		if (r != -ENOENT)
			return XB_GEN_SAME; /* marked, or cannot tell: keep the record */
	}
	snprintf(path, sizeof(path), "%s/state", be->path);
	r = xb_xs_read(be->bus, XB_TXN_NULL, path, &v);
	if (r == -ENOENT)
		return XB_GEN_GONE;
	if (r == 0)
		free(v);
	/* Unmarked (the mark could not be written): only removal tells. */
	return r == 0 && be->marked ? XB_GEN_NEW : XB_GEN_SAME;
}

enum xb_gen xb_gen_check_state(const struct xenback_device *dev, unsigned long state)
{
	return state == XENBACK_STATE_INITIALISING && dev->state != XENBACK_STATE_INITIALISING ?
	       XB_GEN_NEW : XB_GEN_SAME;
}
