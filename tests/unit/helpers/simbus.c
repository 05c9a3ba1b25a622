/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <stdarg.h>

#include "simbus.h"
#include "platform.h"

const char *xbt_path(const char *fmt, ...)
{
	static char bufs[8][256];
	static unsigned int next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

int xbt_xs_drain(const struct xb_xs_ops *xs, void *h)
{
	char *p, *t;
	int n = 0;

	while (xs->read_watch(h, &p, &t) == 0) {
		free(p);
		free(t);
		n++;
	}
	return n;
}

struct vtest_counts vtest;

struct vtest_dev {
	void *ring;
	struct xenback_evtchn *ch;
};

static int vtest_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	struct xenback_device *dev;
	const char *v;
	int r;

	vtest.create++;
	v = xenback_opts_get(opts, "fail");
	if (v && !strcmp(v, "1"))
		return xenback_backend_set_error(be, -ENOENT, "test: cannot open %s",
						 xenback_opts_get(opts, "params") ?: "?");
	v = xenback_opts_get(opts, "decline");
	if (v && !strcmp(v, "1"))
		return 0;
	r = xenback_device_new(be, sizeof(struct vtest_dev), &dev);
	if (r < 0)
		return r;
	xenback_device_printf(dev, "feature-test", "%d", 1);
	xenback_backend_set_device(be, dev);
	return 0;
}

static void vtest_destroy(struct xenback_backend *be)
{
	(void)be;
	vtest.destroy++;
}

static bool vtest_event(struct xenback_evtchn *ch, void *arg)
{
	(void)ch;
	(void)arg;
	vtest.events++;
	return true;
}

static int vtest_connect(struct xenback_device *dev)
{
	struct vtest_dev *v = xenback_device_priv(dev);
	unsigned long ref, port;
	uint32_t r32;
	int r;

	vtest.connect++;
	r = xenback_device_read_frontend_uint(dev, "ring-ref", UINT32_MAX, &ref);
	if (r < 0)
		return r;
	r = xenback_device_read_frontend_uint(dev, "event-channel", UINT32_MAX, &port);
	if (r < 0)
		return r;
	r32 = (uint32_t)ref;
	r = xenback_device_map_grants(dev, &r32, 1, true, &v->ring);
	if (r < 0)
		return r;
	return xenback_device_bind_evtchn(dev, (uint32_t)port, vtest_event, NULL, &v->ch);
}

static void vtest_disconnect(struct xenback_device *dev)
{
	struct vtest_dev *v = xenback_device_priv(dev);

	vtest.disconnect++;
	if (v->ch)
		xenback_evtchn_unbind(v->ch);
	if (v->ring)
		xenback_device_unmap_grants(dev, v->ring);
	v->ch = NULL;
	v->ring = NULL;
}

const struct xenback_backend_info vtest_info = {
	.type = "vtest", .create = vtest_create, .destroy = vtest_destroy,
	.connect = vtest_connect, .disconnect = vtest_disconnect,
};
const struct xenback_backend_info vhot_info = {
	.type = "vhot", .create = vtest_create, .destroy = vtest_destroy,
	.connect = vtest_connect, .disconnect = vtest_disconnect,
	.flags = XENBACK_TYPE_HOTPLUG,
};

static void tap_log(void *data, int level, const char *msg)
{
	(void)data;
	printf("# [%d] %s\n", level, msg);
}

void xbt_init(struct xbt *t, int log_level)
{
	struct xenback_bus_config cfg = { .log_level = log_level, .retry_delay_ms = 1 };

	xbt_init_cfg(t, &cfg);
}

void xbt_init_cfg(struct xbt *t, const struct xenback_bus_config *c)
{
	struct xenback_bus_config cfg = *c;

	if (!cfg.log)
		cfg.log = tap_log;
	memset(&vtest, 0, sizeof(vtest));
	t->sim = xenback_sim_new();
	if (!t->sim || xenback_bus_new(xenback_sim_platform(t->sim), &cfg, &t->bus) ||
	    xenback_backend_register(t->bus, &vtest_info) ||
	    xenback_backend_register(t->bus, &vhot_info) || xenback_bus_start(t->bus)) {
		printf("Bail out! cannot set up the simulated bus\n");
		exit(1);
	}
	xbt_settle(t);
}

void xbt_fini(struct xbt *t)
{
	xenback_bus_free(t->bus);
	xenback_sim_free(t->sim);
}

int xbt_settle(struct xbt *t)
{
	int rounds = 0;

	while (rounds < 100000 && xenback_bus_dispatch(t->bus) > 0)
		rounds++;
	return rounds;
}

#define BE "/local/domain/0/backend/%s/%u/%u"
#define FE "/local/domain/%u/device/%s/%u"

void xbt_add(struct xbt *t, const char *type, uint32_t domid, uint32_t devid,
	     const char *const *extra)
{
	char be[128], fe[128];

	snprintf(be, sizeof(be), BE, type, domid, devid);
	snprintf(fe, sizeof(fe), FE, domid, type, devid);
	xenback_sim_batch_begin(t->sim);
	xenback_sim_write(t->sim, fe, "%s", "");
	xenback_sim_write(t->sim, xbt_path("/local/domain/%u/name", domid), "guest%u", domid);
	xenback_sim_write(t->sim, xbt_path("/local/domain/%u/domid", domid), "%u", domid);
	xenback_sim_write(t->sim, xbt_path("%s/backend", fe), "%s", be);
	xenback_sim_write(t->sim, xbt_path("%s/backend-id", fe), "0");
	xenback_sim_write(t->sim, xbt_path("%s/state", fe), "1");
	xenback_sim_write(t->sim, xbt_path("%s/frontend", be), "%s", fe);
	xenback_sim_write(t->sim, xbt_path("%s/frontend-id", be), "%u", domid);
	xenback_sim_write(t->sim, xbt_path("%s/online", be), "1");
	xenback_sim_write(t->sim, xbt_path("%s/state", be), "1");
	xenback_sim_write(t->sim, xbt_path("%s/params", be), "/images/guest%u-%u.img", domid, devid);
	xenback_sim_write(t->sim, xbt_path("%s/mode", be), "w");
	for (; extra && *extra; extra++) {
		const char *eq = strchr(*extra, '=');

		xenback_sim_write(t->sim, xbt_path("%s/%.*s", be, (int)(eq - *extra), *extra), "%s", eq + 1);
	}
	xenback_sim_batch_end(t->sim);
}

void xbt_offline(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	xenback_sim_batch_begin(t->sim);
	xenback_sim_write(t->sim, xbt_path(BE "/online", type, domid, devid), "0");
	xenback_sim_write(t->sim, xbt_path(BE "/state", type, domid, devid), "5");
	xenback_sim_batch_end(t->sim);
}

void xbt_rm(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	char p[128];

	snprintf(p, sizeof(p), BE, type, domid, devid);
	xenback_sim_rm(t->sim, p);
}

long xbt_be_state(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	char p[128];

	snprintf(p, sizeof(p), BE "/state", type, domid, devid);
	return xenback_sim_read_int(t->sim, p);
}

long xbt_fe_state(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	char p[128];

	snprintf(p, sizeof(p), FE "/state", domid, type, devid);
	return xenback_sim_read_int(t->sim, p);
}

void xbt_fe_set_state(struct xbt *t, const char *type, uint32_t domid, uint32_t devid,
		      int state)
{
	xenback_sim_write(t->sim, xbt_path(FE "/state", domid, type, devid), "%d", state);
}

uint32_t xbt_fe_connect(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	uint32_t ref = 0, port = 0;
	void *page;

	if (xenback_sim_grant_page(t->sim, domid, 0, &page, &ref) ||
	    xenback_sim_evtchn_alloc_unbound(t->sim, domid, 0, &port))
		printf("# frontend %u/%u: cannot grant or allocate a port\n", domid, devid);
	xenback_sim_batch_begin(t->sim);
	xenback_sim_write(t->sim, xbt_path(FE "/ring-ref", domid, type, devid), "%u", ref);
	xenback_sim_write(t->sim, xbt_path(FE "/event-channel", domid, type, devid), "%u", port);
	xenback_sim_write(t->sim, xbt_path(FE "/state", domid, type, devid), "3");
	xenback_sim_batch_end(t->sim);
	return port;
}

bool xbt_exists(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	char name[32];

	snprintf(name, sizeof(name), "%u/%u", domid, devid);
	return xenback_backend_exists(t->bus, type, name);
}

struct find_ctx {
	const char *type;
	uint32_t domid, devid;
	int error;
};

static int find_err(const struct xenback_device_info *i, void *data)
{
	struct find_ctx *c = data;

	if (!strcmp(i->type, c->type) && i->frontend_id == c->domid && i->devid == c->devid) {
		c->error = i->error;
		return 1;
	}
	return 0;
}

int xbt_error(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	struct find_ctx c = { type, domid, devid, 0 };

	xenback_bus_foreach(t->bus, find_err, &c);
	return c.error;
}
