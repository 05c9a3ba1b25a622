/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One dispatch round sends all its EOIs and notifies in one platform call
 * (with /dev/xenback: one ioctl), whatever the number of busy ports. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/xbtest.h"
#include "platform.h"

static const struct xb_evtchn_ops *sim_ops;
static struct xb_evtchn_ops counting;
static unsigned int kicks, eois, notifies, spurious;

static int count_kick(void *h, const uint32_t *eoi, unsigned int ne, const uint32_t *ntf,
		      unsigned int nn)
{
	unsigned int i;

	kicks++;
	eois += ne;
	notifies += nn;
	for (i = 0; i < ne; i++) {
		spurious += !!(eoi[i] & XB_EOI_SPURIOUS);
		sim_ops->unmask(h, eoi[i] & ~XB_EOI_SPURIOUS, eoi[i] & XB_EOI_SPURIOUS);
	}
	for (i = 0; i < nn; i++)
		sim_ops->notify(h, ntf[i]);
	return 0;
}

static bool echo(struct xenback_evtchn *ch, void *arg)
{
	(void)arg;
	xenback_evtchn_notify(ch);
	xenback_evtchn_notify(ch); /* twice: still one notify */
	return false;              /* and report it as spurious */
}

static int echo_create(struct xenback_backend *be, const struct xenback_opts *o)
{
	struct xenback_device *dev;

	(void)o;
	if (xenback_device_new(be, sizeof(void *), &dev))
		return -ENOMEM;
	xenback_backend_set_device(be, dev);
	return 0;
}

static int echo_connect(struct xenback_device *dev)
{
	unsigned long port;
	struct xenback_evtchn *ch;

	if (xenback_device_read_frontend_uint(dev, "event-channel", UINT32_MAX, &port))
		return -EINVAL;
	return xenback_device_bind_evtchn(dev, (uint32_t)port, echo, NULL, &ch);
}

static const struct xenback_backend_info echo_info = {
	.type = "echo", .create = echo_create, .connect = echo_connect,
};

int main(void)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct xenback_platform plat = *xenback_sim_platform(sim);
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR };
	struct xbt t = { .sim = sim };
	uint32_t ports[8];
	unsigned int i, got = 0;

	tap_plan(6);
	sim_ops = plat.evtchn;
	counting = *sim_ops;
	counting.kick = count_kick;
	plat.evtchn = &counting;
	plat.free = NULL;
	if (xenback_bus_new(&plat, &cfg, &t.bus) || xenback_backend_register(t.bus, &echo_info) ||
	    xenback_bus_start(t.bus))
		return printf("Bail out! no bus\n"), 1;
	for (i = 0; i < 8; i++) {
		xbt_add(&t, "echo", 40 + i, 1, NULL);
		xbt_settle(&t);
		ports[i] = xbt_fe_connect(&t, "echo", 40 + i, 1);
		xbt_settle(&t);
	}
	tap_eq(xenback_sim_ports_bound(sim), 8, "8 devices with a bound port");
	kicks = eois = notifies = spurious = 0;
	for (i = 0; i < 8; i++)
		xenback_sim_evtchn_notify(sim, 40 + i, ports[i]);
	xenback_bus_dispatch(t.bus);
	tap_eq(kicks, 1, "8 busy ports handled in one round: one kick call");
	tap_eq(eois, 8, "with 8 EOIs");
	tap_eq(notifies, 8, "and 8 notifies (double notify coalesced)");
	tap_eq(spurious, 8, "handlers that found no work mark their EOI spurious");
	for (i = 0; i < 8; i++)
		got += xenback_sim_evtchn_take(sim, 40 + i, ports[i]) > 0;
	tap_eq(got, 8, "every frontend received its notification");
	xenback_bus_free(t.bus);
	xenback_sim_free(sim);
	return tap_done();
}
