/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "vif" type: create() makes the vif's tap (its first queue) before the
 * library publishes InitWait with the features below, since libxl runs the
 * hotplug script (vif-bridge: the tap into the bridge, then
 * hotplug-status=connected) once it sees InitWait. The tap is named by the
 * node's vifname or vif<domid>.<devid> (what libxl passes the script as
 * $vif), has netback's address fe:ff:ff:ff:ff:ff (so a bridge never takes
 * a guest's), the node's mtu (default 1500), and no carrier until the
 * frontend connects.
 *
 * The tap is persistent (TUNSETPERSIST): it outlives the process, so that a
 * restart, an upgrade or a crash of the daemon leaves the interface in its
 * bridge, and the next process, taking the device over (REATTACH), opens
 * it again by name (TUNSETIFF on an existing tap attaches to it) and
 * reattaches to the rings: the frontend sees nothing. destroy() makes it
 * non-persistent before closing it (the netdev goes), except when the
 * device is handed over (xenback_device_handing_over()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <net/if_arp.h>
#include <linux/if_tun.h>

#include "net_backend.h"
#include "net_vif.h"

/* A name a netdev may have (dev_valid_name()). */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int tap_setup(struct net_vif *v)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, "\xfe\xff\xff\xff\xff\xff", 6);
	if (ioctl(v->fd0, SIOCSIFHWADDR, &ifr) < 0)
		return -errno;
	r = net_tap_carrier(v->fd0, false);
	if (r < 0)
		return r;
	/* up or down as it is: a new tap is down (the script brings it up),
	 * a taken-over one stays up in its bridge */
	return net_link_set(v->name, NULL, v->mtu, NET_LINK_KEEP);
}

static int vif_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	const char *vifname = xenback_opts_get(opts, "vifname"), *mtu = xenback_opts_get(opts, "mtu");
	const char *rate = xenback_opts_get(opts, "rate");
	struct xenback_device *dev;
	struct net_vif *v;
	bool existed;
	int r;

	r = xenback_device_new(be, sizeof(*v), &dev);
	if (r < 0)
		return r;
	v = xenback_device_priv(dev);
	v->dev = dev;
	v->fd0 = v->kick_fd = v->timer_fd = -1;
	v->mtu = 1500;
	if (vifname && *vifname) {
		if (!ifname_ok(vifname))
			return xenback_backend_set_error(be, -EINVAL, "vifname '%s' is not a valid interface name",
							 vifname);
		snprintf(v->name, sizeof(v->name), "%s", vifname);
	} else {
		snprintf(v->name, sizeof(v->name), "vif%u.%u", xenback_backend_frontend_id(be),
			 xenback_backend_devid(be));
	}
	if (mtu && *mtu) {
		char *end;
		unsigned long m = strtoul(mtu, &end, 10);

		if (*end || m < 68 || m > 65535)
			return xenback_backend_set_error(be, -EINVAL, "mtu '%s' is not a number in 68..65535", mtu);
		v->mtu = (unsigned int)m;
	}
	if (rate && *rate && net_credit_parse(rate, &v->credit_bytes, &v->credit_usec) < 0)
		xenback_device_log(dev, XENBACK_LOG_WARNING, "rate '%s' is not <bytes>,<usec>: traffic unlimited",
				   rate);
	existed = if_nametoindex(v->name) != 0;
	r = net_tap_open(v->name, 1, &v->fd0);
	if (r < 0)
		return xenback_backend_set_error(be, r, "tap %s: %s", v->name, strerror(-r));
	r = ioctl(v->fd0, TUNSETPERSIST, 1) < 0 ? -errno : tap_setup(v);
	if (r < 0) {
		ioctl(v->fd0, TUNSETPERSIST, 0);
		close(v->fd0);
		return xenback_backend_set_error(be, r, "tap %s: address, carrier or mtu %u: %s", v->name,
						 v->mtu, strerror(-r));
	}
	xenback_device_account(dev, XENBACK_USAGE_FDS, 1);
	/* netif's features (xen/io/netif.h): what Linux netback offers, less
	 * multicast control and the control ring */
	xenback_device_printf(dev, "feature-sg", "1");
	xenback_device_printf(dev, "feature-gso-tcpv4", "1");
	xenback_device_printf(dev, "feature-gso-tcpv6", "1");
	xenback_device_printf(dev, "feature-ipv6-csum-offload", "1");
	xenback_device_printf(dev, "feature-rx-copy", "1");
	xenback_device_printf(dev, "feature-rx-flip", "0");
	xenback_device_printf(dev, "feature-split-event-channels", "1");
	xenback_device_printf(dev, "multi-queue-max-queues", "%u", NET_MAX_QUEUES);
	xenback_backend_set_device(be, dev);
	/* (an existing tap: a previous process's, taken over; or one a
	 * process that died left behind, reused) */
	xenback_device_log(dev, XENBACK_LOG_INFO, "tap %s%s (mtu %u%s)", v->name, existed ? " (existing)" : "",
			   v->mtu, v->credit_bytes ? ", rate limited" : "");
	return 0;
}

static void vif_destroy(struct xenback_backend *be)
{
	struct xenback_device *dev = xenback_backend_get_device(be);
	struct net_vif *v = dev ? xenback_device_priv(dev) : NULL;

	if (v && v->fd0 >= 0) {
		if (!xenback_device_handing_over(dev))
			ioctl(v->fd0, TUNSETPERSIST, 0); /* the netdev goes with the file */
		close(v->fd0);
		v->fd0 = -1;
		xenback_device_account(dev, XENBACK_USAGE_FDS, -1);
	}
}

const struct xenback_backend_info xenback_net_vif_info = {
	.type = "vif", .create = vif_create, .destroy = vif_destroy,
	.connect = net_connect, .disconnect = net_disconnect,
	.flags = XENBACK_TYPE_HOTPLUG | XENBACK_TYPE_REATTACH,
};
