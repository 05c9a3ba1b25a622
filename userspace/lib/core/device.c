/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device and its XenbusState machine (xen/io/xenbus.h), backend side:
 *   create -> features published + InitWait (one transaction)
 *   frontend Initialised/Connected -> connect() -> Connected; a failed
 *   connect() -> disconnect() -> Closing (the frontend may retry)
 *   frontend Closing -> disconnect() -> Closing; frontend Closed -> Closed,
 *   and the device is destroyed if online=0
 *   backend Closed (or Closing), online=1, frontend back to Initialising
 *   -> InitWait
 *   online=0 while not connected -> Closed and destroyed
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const state_names[] = {
	"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
	"Closing", "Closed", "Reconfiguring", "Reconfigured",
};

XB_EXPORT const char *xenback_state_name(int state)
{
	if (state < 0 || state > XENBACK_STATE_RECONFIGURED)
		return "-";
	return state_names[state];
}

#define DEV_TYPE(d) ((d)->be->type->info->type)
#define DEV_LOG(d, lvl, fmt, ...) \
	xb_log((d)->be->bus, lvl, "%s/%s: " fmt, DEV_TYPE(d), (d)->be->name, ##__VA_ARGS__)

XB_EXPORT int xenback_device_new(struct xenback_backend *be, size_t priv_size,
				 struct xenback_device **out)
{
	struct xenback_device *dev;

	if (!be || !out || be->dev || be->pending)
		return -EBUSY;
	dev = calloc(1, sizeof(*dev) + priv_size);
	if (!dev)
		return -ENOMEM;
	dev->be = be;
	dev->state = XENBACK_STATE_INITIALISING;
	dev->fe_state = -1;
	dev->online = true;
	dev->in_create = true;
	dev->writes_tail = &dev->writes;
	if (*be->fe_path)
		dev->fe_state_path = xb_strdup_printf("%s/state", be->fe_path);
	dev->fe_token = xb_strdup_printf("f/%u/%u/%u", be->key.type_idx, be->key.domid,
					 be->key.devid);
	if ((*be->fe_path && !dev->fe_state_path) || !dev->fe_token) {
		xb_device_free(dev);
		return -ENOMEM;
	}
	be->pending = dev;
	*out = dev;
	return 0;
}

static void free_writes(struct xenback_device *dev)
{
	struct xb_write *w;

	while ((w = dev->writes)) {
		dev->writes = w->next;
		free(w->key);
		free(w->val);
		free(w);
	}
	dev->writes_tail = &dev->writes;
}

void xb_device_free(struct xenback_device *dev)
{
	if (!dev)
		return;
	xb_usage_release(dev);
	free_writes(dev);
	free(dev->fe_state_path);
	free(dev->fe_token);
	free(dev);
}

XB_EXPORT void *xenback_device_priv(struct xenback_device *dev) { return dev->priv; }
XB_EXPORT struct xenback_backend *xenback_device_get_backend(struct xenback_device *dev) { return dev->be; }
XB_EXPORT struct xenback_bus *xenback_device_get_bus(struct xenback_device *dev) { return dev->be->bus; }
XB_EXPORT int xenback_device_state(const struct xenback_device *dev) { return dev->state; }
XB_EXPORT int xenback_device_frontend_state(const struct xenback_device *dev) { return dev->fe_state; }
XB_EXPORT const char *xenback_device_backend_path(const struct xenback_device *dev) { return dev->be->path; }
XB_EXPORT const char *xenback_device_frontend_path(const struct xenback_device *dev) { return dev->be->fe_path; }
XB_EXPORT uint32_t xenback_device_frontend_id(const struct xenback_device *dev) { return dev->be->key.domid; }

static bool key_ok(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	return n && n < 128 && !strchr(key, '/') && strcmp(key, "state");
}

XB_EXPORT int xenback_device_printf(struct xenback_device *dev, const char *key,
				    const char *fmt, ...)
{
	char path[XB_PATH_MAX];
	va_list ap;
	char *val;
	int r;

	if (!key_ok(key))
		return -EINVAL;
	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (strlen(val) >= XB_VALUE_MAX) {
		free(val);
		return -E2BIG;
	}
	if (dev->in_create) {
		struct xb_write *w = calloc(1, sizeof(*w));

		if (!w || !(w->key = strdup(key))) {
			free(w);
			free(val);
			return -ENOMEM;
		}
		w->val = val;
		*dev->writes_tail = w;
		dev->writes_tail = &w->next;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", dev->be->path, key);
	r = xb_xs_write(dev->be->bus, XB_TXN_NULL, path, val);
	free(val);
	return r;
}

/* A relative path below the frontend node: "ring-ref", "queue-0/ring-ref". */
static bool relpath_ok(const char *key)
{
	size_t n = key ? strlen(key) : 0;

	return n && n < 256 && key[0] != '/' && key[n - 1] != '/' && !strstr(key, "//") &&
	       key[0] != '.' && !strstr(key, "/.");
}

XB_EXPORT int xenback_device_read_frontend(struct xenback_device *dev, const char *key,
					   char **val)
{
	char path[XB_PATH_MAX];

	if (!relpath_ok(key))
		return -EINVAL;
	if (!*dev->be->fe_path)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dev->be->fe_path, key);
	return xb_xs_read(dev->be->bus, XB_TXN_NULL, path, val);
}

/* Only while the frontend node exists (its state key): a write after the
 * guest or the toolstack removed it would create a stray node. */
XB_EXPORT int xenback_device_write_frontend(struct xenback_device *dev, const char *key,
					    const char *val)
{
	char path[XB_PATH_MAX];

	if (!dev || !key_ok(key) || !val || strlen(val) >= XB_VALUE_MAX)
		return -EINVAL;
	if (!*dev->be->fe_path)
		return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dev->be->fe_path, key) >= sizeof(path))
		return -E2BIG;
	return xb_node_write(dev->be->bus, dev->be->fe_path, path, val, false);
}

XB_EXPORT int xenback_device_read_frontend_uint(struct xenback_device *dev,
						const char *key, unsigned long max,
						unsigned long *v)
{
	char *s;
	int r = xenback_device_read_frontend(dev, key, &s);

	if (r < 0)
		return r;
	r = xb_parse_uint(s, max, v);
	free(s);
	return r < 0 ? -EINVAL : 0;
}

/*
 * Write our state only while the node exists: a plain write after the
 * toolstack removed the node (xl destroy) would create a stray
 * backend/<type>/<domid>/<devid>/state. So: read and write in one
 * transaction, retried on EAGAIN. -ENOENT: the node is gone.
 */
int xb_device_set_state(struct xenback_device *dev, int state)
{
	struct xenback_bus *bus = dev->be->bus;
	char path[XB_PATH_MAX], val[16];
	int r;

	snprintf(path, sizeof(path), "%s/state", dev->be->path);
	snprintf(val, sizeof(val), "%d", state);
	r = xb_node_write(bus, dev->be->path, path, val,
			  dev->state != XENBACK_STATE_INITIALISING);
	if (r == -ESTALE) { /* a new node at our path: not ours to write */
		DEV_LOG(dev, XENBACK_LOG_NOTICE, "its node was written anew by the toolstack");
		if (!dev->dead) {
			dev->renewed = true;
			dev->dead = true;
			dev->dead_next = bus->dead_list;
			bus->dead_list = dev;
		}
		return r;
	}
	if (r < 0) {
		DEV_LOG(dev, r == -ENOENT ? XENBACK_LOG_DEBUG : XENBACK_LOG_WARNING,
			"writing state %s: %s", xenback_state_name(state), strerror(-r));
		return r;
	}
	dev->state_echoes++;
	DEV_LOG(dev, XENBACK_LOG_DEBUG, "%s -> %s", xenback_state_name(dev->state),
		xenback_state_name(state));
	dev->state = state;
	return 0;
}

/* A node taken over from a previous process (handover.c): what create()
 * buffered is dropped, not published. */
void xb_device_publish_none(struct xenback_device *dev)
{
	dev->in_create = false;
	free_writes(dev);
}

/* Features written in create(), hotplug-status and InitWait: one transaction. */
int xb_device_publish(struct xenback_device *dev)
{
	struct xenback_bus *bus = dev->be->bus;
	const struct xb_xs_ops *xs = bus->plat->xs;
	bool hotplug = dev->be->type->info->flags & XENBACK_TYPE_HOTPLUG;
	char path[XB_PATH_MAX];
	unsigned int attempt;
	struct xb_write *w;
	xb_txn_t t;
	int r = -EAGAIN;
	char *v;

	dev->in_create = false;
	for (attempt = 0; attempt < bus->cfg.txn_retries && r == -EAGAIN; attempt++) {
		r = xs->txn_start(bus->plat->xs_h, &t);
		if (r < 0)
			break;
		/* The node may have gone since it was read: don't recreate it. */
		snprintf(path, sizeof(path), "%s/state", dev->be->path);
		r = xb_xs_read(bus, t, path, &v);
		if (r == 0)
			free(v);
		for (w = dev->writes; w && r >= 0; w = w->next) {
			snprintf(path, sizeof(path), "%s/%s", dev->be->path, w->key);
			r = xb_xs_write(bus, t, path, w->val);
		}
		if (r >= 0 && !hotplug) {
			snprintf(path, sizeof(path), "%s/hotplug-status", dev->be->path);
			r = xb_xs_write(bus, t, path, "connected");
		}
		if (r >= 0) {
			snprintf(path, sizeof(path), "%s/state", dev->be->path);
			r = xb_xs_printf(bus, t, path, "%d", XENBACK_STATE_INITWAIT);
		}
		if (r < 0) {
			xs->txn_end(bus->plat->xs_h, t, true);
			continue;
		}
		r = xs->txn_end(bus->plat->xs_h, t, false);
	}
	free_writes(dev);
	if (r < 0)
		return r;
	dev->state = XENBACK_STATE_INITWAIT;
	dev->state_echoes++;
	dev->hotplug_ok = !hotplug;
	if (dev->fe_state_path) {
		r = xs->watch(bus->plat->xs_h, dev->fe_state_path, dev->fe_token);
		if (r < 0)
			return r;
		dev->watching_fe = true;
	}
	return 0;
}

static void disconnect(struct xenback_device *dev)
{
	if (dev->connected && dev->be->type->info->disconnect)
		dev->be->type->info->disconnect(dev);
	dev->connected = false;
	xb_device_release_io(dev);
	xb_handover_release(dev);
}

static bool node_exists(struct xenback_device *dev)
{
	char path[XB_PATH_MAX];
	char *v;

	snprintf(path, sizeof(path), "%s/state", dev->be->path);
	if (xb_xs_read(dev->be->bus, XB_TXN_NULL, path, &v) == -ENOENT)
		return false;
	free(v);
	return true;
}

void xb_device_teardown(struct xenback_device *dev, bool write_closed)
{
	struct xenback_backend *be = dev->be;
	struct xenback_bus *bus = be->bus;
	bool queued = dev->dead; /* on bus->dead_list */

	dev->dead = true; /* no new failure or renewal queues it */
	disconnect(dev);
	if (dev->watching_fe)
		bus->plat->xs->unwatch(bus->plat->xs_h, dev->fe_state_path, dev->fe_token);
	dev->watching_fe = false;
	if (write_closed && dev->state != XENBACK_STATE_CLOSED)
		xb_device_set_state(dev, XENBACK_STATE_CLOSED); /* only if the node exists */
	if (be->dev == dev) {
		if (be->type->info->destroy)
			be->type->info->destroy(be);
		be->dev = NULL;
		xb_handover_served(dev, false);
	}
	if (queued) {
		struct xenback_device **pp;

		for (pp = &bus->dead_list; *pp; pp = &(*pp)->dead_next)
			if (*pp == dev) {
				*pp = dev->dead_next;
				break;
			}
	}
	DEV_LOG(dev, XENBACK_LOG_INFO, "destroyed");
	xb_device_free(dev);
}

XB_EXPORT void xenback_device_log(struct xenback_device *dev, int level, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (level > dev->be->bus->cfg.log_level)
		return;
	va_start(ap, fmt);
	s = xb_vstrdup_printf(fmt, ap);
	va_end(ap);
	if (s)
		DEV_LOG(dev, level, "%s", s);
	free(s);
}

XB_EXPORT int xenback_device_fail(struct xenback_device *dev, int err, const char *fmt, ...)
{
	struct xenback_backend *be = dev->be;
	va_list ap;

	if (err >= 0)
		err = -EIO;
	if (dev->dead || (dev->in_connect && dev->connect_err))
		return err; /* the first reason stands */
	va_start(ap, fmt);
	xb_backend_vset_error_msg(be, fmt, ap);
	va_end(ap);
	be->error = err;
	if (dev->in_connect) { /* a connect error: try_connect() handles it */
		dev->connect_err = err;
		return err;
	}
	xb_error(be->bus, err, "%s/%s: shut down: %s", DEV_TYPE(dev), be->name,
		 be->error_msg ? be->error_msg : strerror(-err));
	dev->dead = true;
	dev->dead_next = be->bus->dead_list;
	be->bus->dead_list = dev;
	return err;
}

void xb_bus_reap(struct xenback_bus *bus)
{
	struct xenback_device *dev;

	while ((dev = bus->dead_list)) {
		struct xenback_backend *be = dev->be;

		if (dev->renewed && !bus->closing) {
			xb_enum_node_renewed(be); /* tears dev down, unlinks it */
			continue;
		}
		xb_device_teardown(dev, true); /* unlinks dev; the record stays, failed */
		if (!bus->closing)
			xb_gen_mark(be);
	}
}

/* Destroy the device and forget its instance (offline, or node gone). */
static void destroy_instance(struct xenback_device *dev)
{
	struct xenback_bus *bus = dev->be->bus;
	char *node = strdup(dev->be->path);

	DEV_LOG(dev, XENBACK_LOG_INFO, "offline: destroying");
	xb_backend_forget(dev->be, true);
	if (!node)
		return;
	/* Closed already when the toolstack wrote Closing: answer it */
	xb_node_answer_closing(bus, node);
	xb_node_release(bus, node);
	free(node);
}

/*
 * Backoff of a connect that keeps failing: the first connect_fail_free
 * failures in a row cost the frontend nothing; from then on the backend
 * offers InitWait again only after a delay, doubled with each failure up to
 * connect_backoff_max_ms. A frontend looping connect/fail below the flap
 * limit so costs at most one connect() per delay, and is shut down after
 * connect_fail_limit failures in a row.
 */
static void connect_backoff(struct xenback_device *dev)
{
	const struct xenback_bus_config *cfg = &dev->be->bus->cfg;
	unsigned int over, shift;
	uint64_t ms;

	if (dev->connect_fails < cfg->connect_fail_free) {
		dev->hold_until_ns = 0;
		return;
	}
	over = dev->connect_fails - cfg->connect_fail_free;
	shift = over > 20 ? 20 : over;
	ms = (uint64_t)cfg->connect_backoff_ms << shift;
	if (ms > cfg->connect_backoff_max_ms)
		ms = cfg->connect_backoff_max_ms;
	dev->hold_until_ns = xb_now_ns() + ms * 1000000u;
	DEV_LOG(dev, XENBACK_LOG_NOTICE,
		"%u failed connects in a row: InitWait offered again in %llu ms at the earliest",
		dev->connect_fails, (unsigned long long)ms);
}

/* The frontend is back to Initialising: InitWait now, or once the backoff
 * is over (the bus timer calls xb_device_holds_expire()). */
static void offer_initwait(struct xenback_device *dev)
{
	struct xenback_bus *bus = dev->be->bus;

	if (dev->hold_until_ns && xb_now_ns() < dev->hold_until_ns) {
		if (!dev->held)
			DEV_LOG(dev, XENBACK_LOG_DEBUG, "frontend Initialising during the backoff: InitWait later");
		dev->held = true;
		if (!bus->hold_due_ns || dev->hold_until_ns < bus->hold_due_ns)
			bus->hold_due_ns = dev->hold_until_ns;
		xb_bus_arm_timer(bus);
		return;
	}
	dev->held = false;
	xb_device_set_state(dev, XENBACK_STATE_INITWAIT);
}

void xb_device_holds_expire(struct xenback_bus *bus)
{
	struct xenback_backend *be, *tmp;
	uint64_t now = xb_now_ns(), next = 0;

	if (!bus->hold_due_ns || now < bus->hold_due_ns)
		return;
	bus->hold_due_ns = 0;
	HASH_ITER(hh, bus->instances, be, tmp) {
		struct xenback_device *dev = be->dev;

		if (!dev || !dev->held)
			continue;
		if (now < dev->hold_until_ns) {
			if (!next || dev->hold_until_ns < next)
				next = dev->hold_until_ns;
			continue;
		}
		dev->held = false;
		if (!dev->dead && dev->online && dev->fe_state == XENBACK_STATE_INITIALISING &&
		    (dev->state == XENBACK_STATE_CLOSED || dev->state == XENBACK_STATE_CLOSING))
			xb_device_set_state(dev, XENBACK_STATE_INITWAIT);
	}
	bus->hold_due_ns = next;
}

/*
 * A failed connect() is not the device's end (blkback's way): what it
 * took is given back through the type's disconnect(), which copes with a
 * partial connect, the backend goes Closing, and the frontend may come
 * back through Closed/Initialising to InitWait and try again. The flap
 * limit bounds a frontend that loops. The error stays shown until a
 * connect succeeds.
 */
static void connect_failed(struct xenback_device *dev, int err)
{
	struct xenback_backend *be = dev->be;

	const char *why;

	if (!dev->connect_err) { /* connect() returned it without a reason */
		free(be->error_msg);
		be->error_msg = xb_strdup_printf("connect failed: %s", strerror(-err));
	}
	why = dev->connect_err && be->error_msg ? be->error_msg : strerror(-err);
	be->error = err;
	dev->connect_fails++;
	xb_error(be->bus, err, "%s/%s: connect failed (%u in a row): %s; Closing, the frontend may retry",
		 DEV_TYPE(dev), be->name, dev->connect_fails, why);
	dev->connected = true; /* disconnect() is owed, even for a partial connect */
	disconnect(dev);
	if (dev->dead)
		return;
	if (dev->connect_fails >= be->bus->cfg.connect_fail_limit) {
		/* the record stays failed: tried again once its node is new */
		xenback_device_fail(dev, err, "connect failed %u times in a row (last: %s)",
				    dev->connect_fails, why);
		return;
	}
	connect_backoff(dev);
	xb_device_set_state(dev, XENBACK_STATE_CLOSING);
}

/* Runs the type's connect(); on success the device is connected and its
 * connect-error history cleared. False: it failed and connect_failed() ran. */
static bool run_connect(struct xenback_device *dev)
{
	struct xenback_backend *be = dev->be;
	int r;

	if (be->type->info->connect) {
		dev->in_connect = true;
		dev->connect_err = 0;
		r = be->type->info->connect(dev);
		dev->in_connect = false;
		if (r < 0 || dev->connect_err) {
			connect_failed(dev, dev->connect_err ? dev->connect_err : r);
			return false;
		}
	}
	be->error = 0; /* a connect error before this one is over */
	dev->connect_fails = 0;
	dev->hold_until_ns = 0;
	dev->connected = true;
	return true;
}

/* A device left Connected by a previous process: connect() takes its
 * rings over; the frontend sees no state change. */
static void reattach(struct xenback_device *dev)
{
	if (!run_connect(dev))
		return;
	dev->reattaching = false;
	DEV_LOG(dev, XENBACK_LOG_NOTICE, "reattached to its rings, still Connected");
}

static void try_connect(struct xenback_device *dev)
{
	struct xenback_backend *be = dev->be;
	int r;

	if (dev->dead || dev->connected)
		return;
	if (dev->state == XENBACK_STATE_CONNECTED && dev->reattaching) {
		reattach(dev);
		return;
	}
	if (dev->state != XENBACK_STATE_INITWAIT)
		return;
	if (!dev->hotplug_ok) {
		char path[XB_PATH_MAX];
		char *v;

		snprintf(path, sizeof(path), "%s/hotplug-status", be->path);
		if (xb_xs_read(be->bus, XB_TXN_NULL, path, &v) < 0)
			return; /* wait for the script */
		dev->hotplug_ok = !strcmp(v, "connected");
		r = strcmp(v, "error");
		free(v);
		if (!r) {
			xenback_device_fail(dev, -EIO, "hotplug script reported an error");
			return;
		}
		if (!dev->hotplug_ok)
			return;
	}
	if (run_connect(dev))
		xb_device_set_state(dev, XENBACK_STATE_CONNECTED);
}

static void frontend_closed(struct xenback_device *dev, int fe_state)
{
	disconnect(dev);
	if (fe_state == XENBACK_STATE_CLOSING) {
		if (dev->state != XENBACK_STATE_CLOSING && dev->state != XENBACK_STATE_CLOSED)
			xb_device_set_state(dev, XENBACK_STATE_CLOSING);
		return;
	}
	if (dev->state != XENBACK_STATE_CLOSED)
		xb_device_set_state(dev, XENBACK_STATE_CLOSED);
	if (!dev->online)
		destroy_instance(dev);
}

static bool flapping(struct xenback_device *dev)
{
	struct xenback_bus *bus = dev->be->bus;
	uint64_t now = xb_now_ns();

	if (now - dev->flap_start_ns > (uint64_t)bus->cfg.flap_window_ms * 1000000u) {
		dev->flap_start_ns = now;
		dev->flap_count = 0;
	}
	return ++dev->flap_count > bus->cfg.flap_limit;
}

void xb_device_frontend_changed(struct xenback_device *dev)
{
	unsigned long s;
	int r;

	if (dev->dead)
		return;
	r = xb_xs_read_uint(dev->be->bus, XB_TXN_NULL, dev->fe_state_path,
			    XENBACK_STATE_RECONFIGURED, &s);
	if (r == -ENOENT || r == -EACCES) {
		/* Not written yet (a toolstack that writes the backend first),
		 * or gone (its domain is being destroyed; in a driver domain,
		 * which may not read the parents, a node gone reads EACCES). */
		s = dev->fe_state < 0 ? XENBACK_STATE_UNKNOWN : XENBACK_STATE_CLOSED;
	} else if (r == -EINVAL || r == -ERANGE || r == -E2BIG) {
		xenback_device_fail(dev, -EINVAL, "frontend state is not a XenbusState");
		return;
	} else if (r < 0) {
		xenback_device_fail(dev, r, "reading the frontend's state: %s", strerror(-r));
		return;
	}
	if ((int)s == dev->fe_state)
		return;
	if (flapping(dev)) {
		xenback_device_fail(dev, -EPROTO, "frontend changed state more than %u times in %u ms",
				    dev->be->bus->cfg.flap_limit, dev->be->bus->cfg.flap_window_ms);
		return;
	}
	DEV_LOG(dev, XENBACK_LOG_DEBUG, "frontend %s -> %s", xenback_state_name(dev->fe_state),
		xenback_state_name((int)s));
	dev->fe_state = (int)s;
	switch (s) {
	case XENBACK_STATE_INITIALISING:
		if ((dev->state == XENBACK_STATE_CLOSED || dev->state == XENBACK_STATE_CLOSING) &&
		    dev->online)
			offer_initwait(dev); /* reconnect, after the backoff if any */
		break;
	case XENBACK_STATE_INITIALISED:
	case XENBACK_STATE_CONNECTED:
		try_connect(dev);
		break;
	case XENBACK_STATE_CLOSING:
	case XENBACK_STATE_CLOSED:
		frontend_closed(dev, (int)s);
		break;
	default: /* Unknown, InitWait, Reconfiguring: nothing for us to do */
		break;
	}
}

void xb_device_backend_changed(struct xenback_device *dev, const char *key, unsigned int n)
{
	struct xenback_bus *bus = dev->be->bus;
	char path[XB_PATH_MAX];
	unsigned long v;
	int r;

	if (dev->dead)
		return;
	if (!strcmp(key, "state") && dev->state_echoes) {
		/* Our own writes coming back (n events coalesced into one). */
		if (n <= dev->state_echoes) {
			dev->state_echoes -= n;
			return;
		}
		dev->state_echoes = 0; /* and someone else's: read it */
	}
	snprintf(path, sizeof(path), "%s/%s", dev->be->path, key);
	if (!strcmp(key, "hotplug-status")) {
		if (!dev->hotplug_ok && (dev->fe_state == XENBACK_STATE_INITIALISED ||
					 dev->fe_state == XENBACK_STATE_CONNECTED))
			try_connect(dev);
		return;
	}
	r = xb_xs_read_uint(bus, XB_TXN_NULL, path,
			    !strcmp(key, "online") ? 1 : XENBACK_STATE_RECONFIGURED, &v);
	if (r == -ENOENT) {
		if (!node_exists(dev))
			xb_backend_forget(dev->be, false);
		return;
	}
	if (r < 0) {
		DEV_LOG(dev, XENBACK_LOG_WARNING, "bad %s written by the toolstack, ignored", key);
		return;
	}
	if (!strcmp(key, "state") && xb_gen_check_state(dev, v) == XB_GEN_NEW) {
		xb_enum_node_renewed(dev->be); /* frees dev */
		return;
	}
	if (!strcmp(key, "online")) {
		dev->online = v == 1;
		if (dev->online)
			return;
		switch (dev->state) {
		case XENBACK_STATE_CONNECTED:
			disconnect(dev);
			xb_device_set_state(dev, XENBACK_STATE_CLOSING);
			break;
		case XENBACK_STATE_CLOSING:
			break; /* waiting for the frontend to close */
		default:
			destroy_instance(dev);
		}
		return;
	}
	/* The toolstack wrote state (libxl: Closing together with online=0). */
	if (v == XENBACK_STATE_CLOSING && dev->state != XENBACK_STATE_CLOSING &&
	    dev->state != XENBACK_STATE_CLOSED) {
		disconnect(dev);
		dev->state = XENBACK_STATE_CLOSING;
		if (dev->fe_state == XENBACK_STATE_CLOSED ||
		    dev->fe_state == XENBACK_STATE_INITIALISING ||
		    dev->fe_state == XENBACK_STATE_UNKNOWN || dev->fe_state < 0)
			frontend_closed(dev, XENBACK_STATE_CLOSED);
	}
}
