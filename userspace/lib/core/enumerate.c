/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enumeration: one watch per registered type on backend/<type>, a full scan
 * at start and after lost events, and otherwise O(1) xenstore requests per
 * watch event: the event's path names the one device to look at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define XB_MAX_KEYS 256    /* keys in one backend node; more is hostile */
#define XB_MAX_RETRIES 8   /* timer retries after txn_retries EAGAINs */

enum node_key { KEY_NODE, KEY_STATE, KEY_ONLINE, KEY_HOTPLUG, KEY_OTHER };

static enum node_key classify(const char *key)
{
	if (!*key)
		return KEY_NODE;
	if (!strcmp(key, "state"))
		return KEY_STATE;
	if (!strcmp(key, "online"))
		return KEY_ONLINE;
	if (!strcmp(key, "hotplug-status"))
		return KEY_HOTPLUG;
	return KEY_OTHER;
}

/* ---------------------------------------------- reading one backend node */

struct node {
	struct xenback_opts *opts;
	char *frontend;
	char *mark;                   /* XB_MARK_KEY: a previous process's record */
	unsigned long frontend_id, state, online;
	bool has_fe_id, has_state, has_online;
};

static void node_clear(struct node *n)
{
	xenback_opts_free(n->opts);
	free(n->frontend);
	free(n->mark);
	memset(n, 0, sizeof(*n));
}

static int node_take(struct node *n, const char *key, char *val)
{
	if (!strcmp(key, "state")) {
		n->has_state = xb_parse_uint(val, XENBACK_STATE_RECONFIGURED, &n->state) == 0;
	} else if (!strcmp(key, "online")) {
		n->has_online = xb_parse_uint(val, 1, &n->online) == 0;
	} else if (!strcmp(key, "frontend-id")) {
		n->has_fe_id = xb_parse_uint(val, XB_DOMID_MAX, &n->frontend_id) == 0;
	} else if (!strcmp(key, XB_MARK_KEY)) {
		free(n->mark);
		n->mark = val;
		return 0;
	} else if (!strcmp(key, "frontend")) {
		free(n->frontend);
		n->frontend = val;
		return 0;
	} else {
		int r = xenback_opts_set(n->opts, key, val);

		free(val);
		return r;
	}
	free(val);
	return 0;
}

/* All keys of the node in one transaction; -EAGAIN once retries run out. */
static int node_read(struct xenback_backend *be, struct node *n)
{
	struct xenback_bus *bus = be->bus;
	const struct xb_xs_ops *xs = bus->plat->xs;
	unsigned int attempt, i, nk;
	char path[XB_PATH_MAX];
	char **keys;
	xb_txn_t t;
	int r;

	for (attempt = 0; attempt < bus->cfg.txn_retries; attempt++) {
		node_clear(n);
		n->opts = xenback_opts_new();
		if (!n->opts)
			return -ENOMEM;
		r = xs->txn_start(bus->plat->xs_h, &t);
		if (r < 0)
			return r;
		r = xb_xs_directory(bus, t, be->path, &keys, &nk);
		if (r == 0) {
			if (nk > XB_MAX_KEYS)
				r = -E2BIG;
			for (i = 0; r == 0 && i < nk; i++) {
				char *val;

				if (!strcmp(keys[i], "hotplug-status"))
					continue; /* not an option, not needed to create */
				if ((size_t)snprintf(path, sizeof(path), "%s/%s", be->path,
						     keys[i]) >= sizeof(path)) {
					r = -E2BIG;
					break;
				}
				r = xb_xs_read(bus, t, path, &val);
				if (r == -ENOENT) {
					r = 0; /* removed under us: the commit will tell */
					continue;
				}
				if (r == 0)
					r = node_take(n, keys[i], val);
			}
			free(keys);
		}
		if (r < 0) {
			xs->txn_end(bus->plat->xs_h, t, true);
			if (r == -EAGAIN)
				continue;
			return r;
		}
		r = xs->txn_end(bus->plat->xs_h, t, false);
		if (r == -EAGAIN)
			continue;
		return r;
	}
	xb_log(bus, XENBACK_LOG_WARNING, "%s/%s: transaction failed %u times (EAGAIN)",
	       be->type->info->type, be->name, attempt);
	return -EAGAIN;
}

static void check_device(struct xenback_bus *bus, struct xb_type *t, uint32_t domid,
			 uint32_t devid, enum node_key k, unsigned int n);

/* Read the node and run create(); be exists, has no device and no error. */
static void attempt_create(struct xenback_backend *be)
{
	struct xenback_bus *bus = be->bus;
	struct node n = { 0 };
	int r = node_read(be, &n);

	if (r == -EAGAIN) {
		node_clear(&n);
		xb_retry_schedule(be);
		return;
	}
	if (r == -ENOENT) {
		node_clear(&n);
		xb_backend_forget(be, false);
		return;
	}
	if (r == 0 && (!n.has_state || !n.has_online ||
		       (n.state == XENBACK_STATE_INITIALISING ? n.online != 1 :
			!(xb_handover_wanted(bus, n.state, n.online) &&
			  xb_handover_ours(bus, be->type->info->type, be->key.domid,
					   be->key.devid))))) {
		node_clear(&n); /* no longer wanted: a later event brings it back */
		xb_backend_forget(be, true);
		return;
	}
	if (r == 0 && n.mark && bus->state_dir) {
		/* A previous process's failed or declined record: the seed's
		 * rule holds across a restart (tried again only once the
		 * toolstack writes the node anew, without the mark). */
		be->marked = true;
		be->declined = !strcmp(n.mark, "declined");
		xenback_backend_set_error(be, -EIO, "%s under a previous process; not tried "
					  "again until its node is written anew", n.mark);
		be->error = be->declined ? 0 : -EIO;
		xb_log(bus, XENBACK_LOG_INFO, "%s/%s: %s", be->type->info->type, be->name,
		       be->error_msg);
		node_clear(&n);
		return;
	}
	if (r == 0) {
		r = xb_backend_admit(be, n.frontend, n.has_fe_id, n.frontend_id);
	} else {
		xenback_backend_set_error(be, r, "reading backend node: %s", strerror(-r));
		be->error = r;
	}
	if (r < 0) {
		if (!be->gone) {
			xb_error(bus, r, "%s/%s: refused: %s", be->type->info->type, be->name,
				 be->error_msg);
			xb_gen_mark(be);
		}
		node_clear(&n);
		return;
	}
	free(be->fe_path);
	be->fe_path = n.frontend;
	n.frontend = NULL;
	xb_backend_create(be, n.opts, n.state == XENBACK_STATE_INITIALISING ? 0 : (int)n.state,
			  n.online == 1);
	node_clear(&n);
}

void xb_enum_node_renewed(struct xenback_backend *be)
{
	struct xenback_bus *bus = be->bus;
	struct xb_type *t = be->type;
	uint32_t domid = be->key.domid, devid = be->key.devid;

	xb_log(bus, XENBACK_LOG_NOTICE, "%s/%s: its node was removed and written anew: "
	       "%s, trying the new node", t->info->type, be->name,
	       be->dev ? "old device torn down" : "old record forgotten");
	xb_backend_forget(be, false); /* nothing written into the new node */
	check_device(bus, t, domid, devid, KEY_NODE, 1);
}

/* ---------------------------------------------- one device, by event */

/* A live device's node itself changed: removed, or written anew. */
static void live_node_event(struct xenback_backend *be)
{
	char path[XB_PATH_MAX];
	unsigned long st;
	char *v;
	int r;

	snprintf(path, sizeof(path), "%s/state", be->path);
	r = xb_xs_read(be->bus, XB_TXN_NULL, path, &v);
	if (r == -ENOENT) {
		xb_backend_forget(be, false);
		return;
	}
	if (r < 0)
		return;
	r = xb_parse_uint(v, XENBACK_STATE_RECONFIGURED, &st);
	free(v);
	if (r == 0 && xb_gen_check_state(be->dev, st) == XB_GEN_NEW)
		xb_enum_node_renewed(be);
}

/*
 * A failed record's node taken offline by the toolstack (libxl: online=0
 * and state Closing, then it waits for Closed before removing the node):
 * answer Closed, or `xl block-detach` of a disk that never worked fails
 * after its timeout and leaves the device behind. A declined node is not
 * ours to answer.
 */
static void record_closing(struct xenback_backend *be)
{
	if (be->declined || be->retry || !xb_node_answer_closing(be->bus, be->path))
		return;
	xb_log(be->bus, XENBACK_LOG_INFO, "%s/%s: taken offline: Closed (its record stays "
	       "until the node goes)", be->type->info->type, be->name);
	xb_node_release(be->bus, be->path); /* in a driver domain, it goes now */
}

static void node_gone_or_changed(struct xenback_backend *be, enum node_key k, unsigned int n)
{
	if (be->dev && k != KEY_NODE) {
		xb_device_backend_changed(be->dev, k == KEY_STATE ? "state" :
					  k == KEY_ONLINE ? "online" : "hotplug-status", n);
		return;
	}
	if (be->dev) {
		live_node_event(be);
		return;
	}
	if (k != KEY_NODE && k != KEY_STATE)
		return; /* failed/declined/gone/retrying: only the node and its state tell */
	switch (xb_gen_check_record(be)) {
	case XB_GEN_GONE:
		xb_backend_forget(be, false);
		break;
	case XB_GEN_NEW:
		xb_enum_node_renewed(be);
		break;
	case XB_GEN_SAME:
		if (k == KEY_STATE)
			record_closing(be);
		break;
	}
}

/* A read for a node failed: hostile values are ignored, but a xenstore
 * error may have hidden a new node: rescan later. */
static void read_failed(struct xenback_bus *bus, struct xb_type *t, uint32_t domid,
			uint32_t devid, const char *key, int r)
{
	bool bad_value = r == -EINVAL || r == -ERANGE || r == -E2BIG;

	xb_log(bus, XENBACK_LOG_WARNING, "%s/%u/%u: %s %s (%s), %s", t->info->type, domid,
	       devid, bad_value ? "bad" : "cannot read", key, strerror(-r),
	       bad_value ? "ignored" : "retrying later");
	if (!bad_value) {
		bus->rescan_pending = true;
		xb_bus_arm_timer(bus);
	}
}

static void check_device(struct xenback_bus *bus, struct xb_type *t, uint32_t domid,
			 uint32_t devid, enum node_key k, unsigned int n)
{
	struct xenback_backend *be = xb_backend_find(bus, t->idx, domid, devid);
	char path[XB_PATH_MAX];
	unsigned long state, online;
	int r;

	if (be) {
		be->seen = bus->scan_gen;
		node_gone_or_changed(be, k, n);
		return;
	}
	if (k == KEY_OTHER || k == KEY_HOTPLUG)
		return;
	snprintf(path, sizeof(path), "%s/%u/%u/state", t->watch_path, domid, devid);
	r = xb_xs_read_uint(bus, XB_TXN_NULL, path, XENBACK_STATE_RECONFIGURED, &state);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		read_failed(bus, t, domid, devid, "state", r);
		return;
	}
	if (state != XENBACK_STATE_INITIALISING && !xb_handover_wanted(bus, state, 1) &&
	    !xb_handover_wanted(bus, state, 0))
		return;
	snprintf(path, sizeof(path), "%s/%u/%u/online", t->watch_path, domid, devid);
	r = xb_xs_read_uint(bus, XB_TXN_NULL, path, 1, &online);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		read_failed(bus, t, domid, devid, "online", r);
		return;
	}
	if (state == XENBACK_STATE_INITIALISING ? online != 1 :
	    !(xb_handover_wanted(bus, state, online) &&
	      xb_handover_ours(bus, t->info->type, domid, devid)))
		return;
	be = xb_backend_new(bus, t, domid, devid);
	if (!be) {
		read_failed(bus, t, domid, devid, "its record", -ENOMEM);
		return;
	}
	be->seen = bus->scan_gen;
	attempt_create(be);
}

/* ---------------------------------------------- scans */

static void sweep(struct xenback_bus *bus, struct xb_type *t, bool one_dom, uint32_t domid)
{
	struct xenback_backend *be, *tmp;

	HASH_ITER(hh, bus->instances, be, tmp) {
		if (be->type == t && (!one_dom || be->key.domid == domid) &&
		    be->seen != bus->scan_gen)
			xb_backend_forget(be, true); /* Closed only if the node exists */
	}
}

/* A scan that could not read a directory forgets nothing: the records it
 * would have swept are kept (marked seen) and the scan runs again later. */
static void scan_failed(struct xenback_bus *bus, struct xb_type *t, bool one_dom,
			uint32_t domid)
{
	struct xenback_backend *be, *tmp;

	HASH_ITER(hh, bus->instances, be, tmp)
		if (be->type == t && (!one_dom || be->key.domid == domid))
			be->seen = bus->scan_gen;
	bus->rescan_pending = true;
	xb_bus_arm_timer(bus);
}

static void scan_domain(struct xenback_bus *bus, struct xb_type *t, uint32_t domid)
{
	char path[XB_PATH_MAX];
	char **devs = NULL;
	unsigned int n = 0, i;
	unsigned long devid;
	int r;

	snprintf(path, sizeof(path), "%s/%u", t->watch_path, domid);
	r = xb_xs_directory(bus, XB_TXN_NULL, path, &devs, &n);
	if (r < 0 && r != -ENOENT) {
		xb_log(bus, XENBACK_LOG_WARNING, "scan %s: %s: keeping its devices, retrying later",
		       path, strerror(-r));
		scan_failed(bus, t, true, domid);
		return;
	}
	for (i = 0; i < n; i++) {
		if (xb_parse_uint(devs[i], UINT32_MAX, &devid) < 0) {
			xb_log(bus, XENBACK_LOG_WARNING, "%s/%s: bad devid, ignored", path, devs[i]);
			continue;
		}
		check_device(bus, t, domid, (uint32_t)devid, KEY_NODE, 1);
	}
	free(devs);
}

int xb_enum_scan_type(struct xenback_bus *bus, struct xb_type *t)
{
	char **doms = NULL;
	unsigned int n = 0, i;
	unsigned long domid;
	int r;

	bus->scan_gen++;
	r = xb_xs_directory(bus, XB_TXN_NULL, t->watch_path, &doms, &n);
	if (r < 0 && r != -ENOENT) {
		scan_failed(bus, t, false, 0);
		return xb_error(bus, r, "scan %s: %s: keeping its devices, retrying later",
				t->watch_path, strerror(-r));
	}
	for (i = 0; i < n; i++) {
		if (xb_parse_uint(doms[i], XB_DOMID_MAX, &domid) < 0) {
			xb_log(bus, XENBACK_LOG_WARNING, "%s/%s: bad domain id, ignored",
			       t->watch_path, doms[i]);
			continue;
		}
		scan_domain(bus, t, (uint32_t)domid);
	}
	free(doms);
	sweep(bus, t, false, 0);
	return 0;
}

int xb_enum_watch_type(struct xenback_bus *bus, struct xb_type *t)
{
	int r = bus->plat->xs->watch(bus->plat->xs_h, t->watch_path, t->token);

	if (r < 0)
		return xb_error(bus, r, "watch %s: %s", t->watch_path, strerror(-r));
	t->watching = true;
	t->initial_pending = true;
	return xb_enum_scan_type(bus, t);
}

int xb_enum_rescan(struct xenback_bus *bus, const char *why)
{
	struct xenback_backend *be, *tmp;
	uint32_t i;
	int r, ret = 0;

	xb_log(bus, XENBACK_LOG_NOTICE, "%s: rescanning", why);
	bus->rescan_pending = false;
	for (i = 0; i < bus->ntypes; i++) {
		r = xb_enum_scan_type(bus, bus->type_vec[i]);
		if (r < 0)
			ret = r;
	}
	/* Frontend and domain events may have been lost too. */
	HASH_ITER(hh, bus->instances, be, tmp) {
		if (be->dev && be->dev->watching_fe)
			xb_device_frontend_changed(be->dev);
	}
	xb_enum_event(bus, "@releaseDomain", "r", 1);
	return ret;
}

/* ---------------------------------------------- events */

static void type_event(struct xenback_bus *bus, struct xb_type *t, const char *path,
		       unsigned int n_events)
{
	const char *rest = path + t->watch_len;
	char dom[16], dev[16], key[64];
	unsigned long domid, devid;
	const char *p, *q;
	size_t n;

	if (strncmp(path, t->watch_path, t->watch_len) || (*rest && *rest != '/'))
		return;
	if (!*rest) {
		if (t->initial_pending) {
			t->initial_pending = false;
			return;
		}
		xb_enum_scan_type(bus, t);
		return;
	}
	p = rest + 1;
	q = strchr(p, '/');
	n = q ? (size_t)(q - p) : strlen(p);
	if (n >= sizeof(dom) || (memcpy(dom, p, n), dom[n] = 0,
				 xb_parse_uint(dom, XB_DOMID_MAX, &domid) < 0)) {
		xb_log(bus, XENBACK_LOG_WARNING, "%s: bad domain id, ignored", path);
		return;
	}
	if (!q) {
		bus->scan_gen++;
		scan_domain(bus, t, (uint32_t)domid);
		sweep(bus, t, true, (uint32_t)domid);
		return;
	}
	p = q + 1;
	q = strchr(p, '/');
	n = q ? (size_t)(q - p) : strlen(p);
	if (n >= sizeof(dev) || (memcpy(dev, p, n), dev[n] = 0,
				 xb_parse_uint(dev, UINT32_MAX, &devid) < 0)) {
		xb_log(bus, XENBACK_LOG_WARNING, "%s: bad device id, ignored", path);
		return;
	}
	key[0] = 0;
	if (q) {
		p = q + 1;
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (q || n >= sizeof(key))
			return; /* deeper than a key of ours, or not one of ours */
		memcpy(key, p, n);
		key[n] = 0;
	}
	check_device(bus, t, (uint32_t)domid, (uint32_t)devid, classify(key), n_events);
}

static void frontend_event(struct xenback_bus *bus, const char *token)
{
	unsigned int idx, domid, devid;
	struct xenback_backend *be;
	int end = 0;

	if (sscanf(token, "f/%u/%u/%u%n", &idx, &domid, &devid, &end) != 3 || token[end])
		return;
	be = xb_backend_find(bus, idx, domid, devid);
	if (be && be->dev && be->dev->watching_fe)
		xb_device_frontend_changed(be->dev);
}

void xb_enum_event(struct xenback_bus *bus, const char *path, const char *token,
		   unsigned int n)
{
	unsigned int idx;
	int end = 0;

	switch (token[0]) {
	case 'b':
		if (sscanf(token, "b/%u%n", &idx, &end) == 1 && !token[end] &&
		    idx < bus->ntypes)
			type_event(bus, bus->type_vec[idx], path, n);
		break;
	case 'f':
		frontend_event(bus, token);
		break;
	case 'r':
		xb_release_domains(bus);
		break;
	}
}

/* ---------------------------------------------- retries */

void xb_retry_schedule(struct xenback_backend *be)
{
	if (be->retry)
		return;
	be->retry = true;
	be->retry_next = be->bus->retry_list;
	be->bus->retry_list = be;
	xb_bus_arm_timer(be->bus);
}

void xb_retry_cancel(struct xenback_backend *be)
{
	struct xenback_backend **pp;

	if (!be->retry)
		return;
	for (pp = &be->bus->retry_list; *pp; pp = &(*pp)->retry_next)
		if (*pp == be) {
			*pp = be->retry_next;
			break;
		}
	be->retry = false;
}

void xb_enum_retry(struct xenback_bus *bus)
{
	struct xenback_backend *list, *be;

	if (bus->rescan_pending) /* first: it may forget records on the list */
		xb_enum_rescan(bus, "a scan failed");
	list = bus->retry_list;
	bus->retry_list = NULL;
	while ((be = list)) {
		list = be->retry_next;
		be->retry = false;
		if (++be->retries > XB_MAX_RETRIES) {
			be->error = xenback_backend_set_error(be, -EAGAIN,
				"xenstore transactions kept failing (%u retries)", XB_MAX_RETRIES);
			xb_error(bus, -EAGAIN, "%s/%s: refused: %s", be->type->info->type,
				 be->name, be->error_msg);
			xb_gen_mark(be);
			continue;
		}
		attempt_create(be);
	}
}
