/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry: backend types and backend instances, owned by a bus.
 * Counterparts of QEMU's hw/xen/xen-backend.c, with an O(1) hash keyed by
 * (type, frontend domid, devid) instead of a list, and the rule of QEMU
 * commit eb6ae7a682: a failed or declined instance is kept, and never
 * created again, until its node goes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct xb_type *xb_type_by_idx(struct xenback_bus *bus, uint32_t idx)
{
	return idx < bus->ntypes ? bus->type_vec[idx] : NULL;
}

struct xb_type *xb_type_by_name(struct xenback_bus *bus, const char *name)
{
	struct xb_type *t;

	HASH_FIND_STR(bus->types, name, t);
	return t;
}

static bool type_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

XB_EXPORT int xenback_backend_register(struct xenback_bus *bus,
				       const struct xenback_backend_info *info)
{
	struct xb_type *t, **vec;
	int r;

	if (!bus || !info || !info->create || !type_name_ok(info->type) ||
	    !xb_all_zero(info->reserved, sizeof(info->reserved)))
		return bus ? xb_error(bus, -EINVAL, "register: bad backend info")
			   : -EINVAL;
	if (xb_type_by_name(bus, info->type))
		return xb_error(bus, -EEXIST, "register: type %s exists", info->type);
	vec = realloc(bus->type_vec, (bus->ntypes + 1) * sizeof(*vec));
	if (!vec)
		return -ENOMEM;
	bus->type_vec = vec;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->info = info;
	t->idx = bus->ntypes;
	t->watch_path = xb_strdup_printf("/local/domain/%u/backend/%s",
					 bus->cfg.backend_domid, info->type);
	t->token = xb_strdup_printf("b/%u", t->idx);
	if (!t->watch_path || !t->token) {
		free(t->watch_path);
		free(t->token);
		free(t);
		return -ENOMEM;
	}
	t->watch_len = strlen(t->watch_path);
	vec[bus->ntypes++] = t;
	HASH_ADD_KEYPTR(hh, bus->types, info->type, strlen(info->type), t);
	if (bus->started) {
		r = xb_enum_watch_type(bus, t);
		if (r < 0)
			return r;
	}
	return 0;
}

XB_EXPORT const char **xenback_backend_get_types(struct xenback_bus *bus,
						 unsigned int *nr)
{
	const char **v;
	uint32_t i;

	*nr = 0;
	v = calloc(bus->ntypes + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < bus->ntypes; i++)
		v[i] = bus->type_vec[i]->info->type;
	*nr = bus->ntypes;
	return v;
}

/* "<domid>/<devid>" with both parts canonical decimal numbers. */
int xb_parse_name(const char *name, uint32_t *domid, uint32_t *devid)
{
	char buf[32];
	const char *slash;
	unsigned long d, v;
	size_t n;

	if (!name || !(slash = strchr(name, '/')) || strlen(name) >= sizeof(buf))
		return -EINVAL;
	n = (size_t)(slash - name);
	memcpy(buf, name, n);
	buf[n] = 0;
	if (xb_parse_uint(buf, XB_DOMID_MAX, &d) < 0 ||
	    xb_parse_uint(slash + 1, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*domid = (uint32_t)d;
	*devid = (uint32_t)v;
	return 0;
}

struct xenback_backend *xb_backend_find(struct xenback_bus *bus, uint32_t type_idx,
					 uint32_t domid, uint32_t devid)
{
	struct xb_key k = { type_idx, domid, devid };
	struct xenback_backend *be;

	HASH_FIND(hh, bus->instances, &k, sizeof(k), be);
	return be;
}

struct xenback_backend *xb_backend_new(struct xenback_bus *bus, struct xb_type *t,
					uint32_t domid, uint32_t devid)
{
	struct xenback_backend *be = calloc(1, sizeof(*be));
	struct xb_dom *d;

	if (!be)
		return NULL;
	HASH_FIND(hh, bus->doms, &domid, sizeof(domid), d);
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			free(be);
			return NULL;
		}
		d->domid = domid;
		HASH_ADD(hh, bus->doms, domid, sizeof(domid), d);
	}
	be->key = (struct xb_key){ t->idx, domid, devid };
	be->bus = bus;
	be->type = t;
	snprintf(be->name, sizeof(be->name), "%u/%u", domid, devid);
	be->path = xb_strdup_printf("%s/%s", t->watch_path, be->name);
	be->fe_path = strdup("");
	if (!be->path || !be->fe_path) {
		free(be->path);
		free(be->fe_path);
		free(be);
		return NULL; /* an empty xb_dom is harmless and reused */
	}
	HASH_ADD(hh, bus->instances, key, sizeof(be->key), be);
	bus->ninstances++;
	be->dom_next = d->list;
	if (d->list)
		d->list->dom_prev = be;
	d->list = be;
	d->count++;
	return be;
}

void xb_backend_forget(struct xenback_backend *be, bool node_exists)
{
	struct xenback_bus *bus = be->bus;
	struct xb_dom *d;

	if (be->dev)
		xb_device_teardown(be->dev, node_exists);
	xb_retry_cancel(be);
	HASH_DEL(bus->instances, be);
	bus->ninstances--;
	HASH_FIND(hh, bus->doms, &be->key.domid, sizeof(be->key.domid), d);
	if (d) {
		if (be->dom_prev)
			be->dom_prev->dom_next = be->dom_next;
		else
			d->list = be->dom_next;
		if (be->dom_next)
			be->dom_next->dom_prev = be->dom_prev;
		if (--d->count == 0) {
			HASH_DEL(bus->doms, d);
			free(d);
		}
	}
	xb_log(bus, XENBACK_LOG_DEBUG, "%s/%s: forgotten", be->type->info->type, be->name);
	free(be->error_msg);
	free(be->path);
	free(be->fe_path);
	free(be);
}

struct xb_dom *xb_dom_find(struct xenback_bus *bus, uint32_t domid)
{
	struct xb_dom *d;

	HASH_FIND(hh, bus->doms, &domid, sizeof(domid), d);
	return d;
}

int xb_backend_create(struct xenback_backend *be, const struct xenback_opts *opts,
		      int adopt_state, bool online)
{
	struct xenback_bus *bus = be->bus;
	const char *type = be->type->info->type;
	unsigned long limit;
	long left;
	int r;

	be->error = 0;
	be->declined = false;
	left = xb_fds_left(&limit);
	if (left < XB_FD_RESERVE) {
		/* the fd budget: refused now, not EMFILE halfway through a
		 * connect (the record stays failed until its node is new) */
		be->error = -EMFILE;
		free(be->error_msg);
		be->error_msg = xb_strdup_printf("refused: %ld fds left under RLIMIT_NOFILE %lu "
						 "(a device is created with at least %u left)",
						 left, limit, XB_FD_RESERVE);
		xb_gen_mark(be);
		return xb_error(bus, -EMFILE, "%s/%s: %s", type, be->name, be->error_msg);
	}
	r = be->type->info->create(be, opts);
	if (be->pending && be->pending != be->dev)
		xb_device_free(be->pending);
	be->pending = NULL;
	if (r < 0) {
		if (be->dev) { /* create() attached a device, then failed */
			xb_device_free(be->dev);
			be->dev = NULL;
		}
		be->error = r;
		if (!be->error_msg)
			be->error_msg = xb_strdup_printf("create failed: %s", strerror(-r));
		xb_gen_mark(be);
		return xb_error(bus, r, "%s/%s: %s", type, be->name, be->error_msg);
	}
	if (!be->dev) {
		be->declined = true;
		xb_log(bus, XENBACK_LOG_DEBUG, "%s/%s: declined", type, be->name);
		xb_gen_mark(be);
		return 0;
	}
	/* Marked before anything is written: a process killed between its
	 * InitWait and its mark left a node the next one took for another
	 * backend's, and nobody served it (xen tier, dom0-60). A failure
	 * below removes the mark with the device. */
	xb_handover_served(be->dev, true);
	if (adopt_state) {
		be->dev->adopt_state = adopt_state;
		be->dev->online = online;
		r = xb_handover_adopt(be->dev);
	} else {
		r = xb_device_publish(be->dev);
	}
	if (r < 0) {
		xb_device_teardown(be->dev, true);
		be->error = r;
		free(be->error_msg);
		be->error_msg = xb_strdup_printf("%s failed: %s", adopt_state ?
						 "taking the node over" : "publishing InitWait",
						 strerror(-r));
		xb_gen_mark(be);
		return xb_error(bus, r, "%s/%s: %s", type, be->name, be->error_msg);
	}
	if (!adopt_state)
		xb_log(bus, XENBACK_LOG_INFO, "%s/%s: created, InitWait", type, be->name);
	return 0;
}

/* ------------------------- QEMU's xen-backend.h API (see include/xenback.h) */

XB_EXPORT struct xenback_bus *xenback_backend_get_bus(struct xenback_backend *be)
{
	return be->bus;
}

XB_EXPORT const char *xenback_backend_get_name(struct xenback_backend *be)
{
	return be->name;
}

XB_EXPORT const char *xenback_backend_get_type(struct xenback_backend *be)
{
	return be->type->info->type;
}

XB_EXPORT uint32_t xenback_backend_frontend_id(struct xenback_backend *be)
{
	return be->key.domid;
}

XB_EXPORT uint32_t xenback_backend_devid(struct xenback_backend *be)
{
	return be->key.devid;
}

XB_EXPORT void xenback_backend_set_device(struct xenback_backend *be,
					  struct xenback_device *dev)
{
	if (dev && dev->be != be)
		return; /* a device belongs to the instance it was made for */
	be->dev = dev;
}

XB_EXPORT struct xenback_device *xenback_backend_get_device(struct xenback_backend *be)
{
	return be->dev;
}

XB_EXPORT bool xenback_backend_exists(struct xenback_bus *bus, const char *type,
				      const char *name)
{
	struct xb_type *t = bus && type ? xb_type_by_name(bus, type) : NULL;
	uint32_t domid, devid;

	if (!t || xb_parse_name(name, &domid, &devid) < 0)
		return false;
	return xb_backend_find(bus, t->idx, domid, devid) != NULL;
}

XB_EXPORT int xenback_backend_device_create(struct xenback_bus *bus, const char *type,
					    const char *name,
					    const struct xenback_opts *opts)
{
	struct xb_type *t = xb_type_by_name(bus, type ? type : "");
	struct xenback_backend *be;
	uint32_t domid, devid;
	char *p, *fe = NULL;
	unsigned long fe_id = 0;
	bool has_id;
	int r;

	if (!t)
		return xb_error(bus, -ENOENT, "device_create: no backend type '%s'",
				type ? type : "(null)");
	if (xb_parse_name(name, &domid, &devid) < 0)
		return xb_error(bus, -EINVAL, "device_create: bad name '%s'",
				name ? name : "(null)");
	if (xb_backend_find(bus, t->idx, domid, devid))
		return xb_error(bus, -EEXIST, "device_create: %s/%s exists", type, name);
	p = xb_strdup_printf("%s/%s", t->watch_path, name);
	if (!p)
		return -ENOMEM;
	r = xb_xs_read(bus, XB_TXN_NULL, p, &fe);
	free(p);
	if (r < 0) /* a device is made for a node the toolstack wrote */
		return xb_error(bus, r, "device_create: %s/%s: %s", t->watch_path, name,
				strerror(-r));
	free(fe);
	fe = NULL;
	be = xb_backend_new(bus, t, domid, devid);
	if (!be)
		return -ENOMEM;
	/* The checks enumeration applies (node_check.c). */
	p = xb_strdup_printf("%s/frontend", be->path);
	if (p)
		xb_xs_read(bus, XB_TXN_NULL, p, &fe);
	free(p);
	p = xb_strdup_printf("%s/frontend-id", be->path);
	has_id = p && xb_xs_read_uint(bus, XB_TXN_NULL, p, XB_DOMID_MAX, &fe_id) == 0;
	free(p);
	r = xb_backend_admit(be, fe, has_id, fe_id);
	if (r < 0) {
		free(fe);
		if (!be->gone)
			xb_gen_mark(be);
		return xb_error(bus, r, "device_create: %s/%s: refused: %s", type, name,
				be->error_msg ? be->error_msg : strerror(-r));
	}
	free(be->fe_path);
	be->fe_path = fe;
	return xb_backend_create(be, opts, 0, true);
}

XB_EXPORT bool xenback_backend_try_device_destroy(struct xenback_device *dev)
{
	struct xenback_backend *be = dev ? dev->be : NULL;

	if (!be || be->dev != dev)
		return false;
	xb_backend_forget(be, true);
	return true;
}

void xb_backend_vset_error_msg(struct xenback_backend *be, const char *fmt, va_list ap)
{
	char *s = xb_vstrdup_printf(fmt, ap);

	if (s) {
		free(be->error_msg);
		be->error_msg = s;
	}
}

XB_EXPORT int xenback_backend_set_error(struct xenback_backend *be, int err,
					const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xb_backend_vset_error_msg(be, fmt, ap);
	va_end(ap);
	return err;
}

XB_EXPORT int xenback_backend_get_error(struct xenback_backend *be, const char **msg)
{
	if (msg)
		*msg = be->error ? be->error_msg : NULL;
	return be->error;
}

XB_EXPORT unsigned int xenback_bus_count(const struct xenback_bus *bus)
{
	return bus->ninstances;
}

XB_EXPORT int xenback_bus_foreach(struct xenback_bus *bus,
				  int (*fn)(const struct xenback_device_info *, void *),
				  void *data)
{
	struct xenback_backend *be, *tmp;

	HASH_ITER(hh, bus->instances, be, tmp) {
		struct xenback_device_info i = {
			.type = be->type->info->type,
			.frontend_id = be->key.domid,
			.devid = be->key.devid,
			.state = be->dev ? be->dev->state : -1,
			.frontend_state = be->dev ? be->dev->fe_state : -1,
			.error = be->error,
			.error_msg = be->error ? be->error_msg : NULL,
			.declined = be->declined,
		};
		struct xb_map *m;
		struct xenback_evtchn *c;
		int r;

		if (be->dev) {
			for (m = be->dev->maps; m; m = m->next)
				i.grants_mapped += m->n;
			for (c = be->dev->chans; c; c = c->next)
				i.ports_bound++;
			i.mem_bytes = be->dev->usage[XENBACK_USAGE_MEM];
			i.requests_inflight = (uint32_t)be->dev->usage[XENBACK_USAGE_REQUESTS];
			i.fds = (uint32_t)be->dev->usage[XENBACK_USAGE_FDS];
			i.throttled = be->dev->usage[XENBACK_USAGE_THROTTLED];
		}
		r = fn(&i, data);
		if (r)
			return r;
	}
	return 0;
}
