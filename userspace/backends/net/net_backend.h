/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network backend's entry point (netif, xen/io/netif.h), for xenbackd
 * and the tests: xenback_backend_register(bus, &xenback_net_vif_info).
 * Part of xenbackd, not of the installed library. */
#ifndef XENBACK_NET_BACKEND_H
#define XENBACK_NET_BACKEND_H

#include "xenback.h"

/* type "vif": what libxl writes for a guest's `vif = [...]` entries (with
 * xen-netback not loaded). The tap is created before InitWait, named by
 * the node's vifname or vif<domid>.<devid>; the device connects once the
 * hotplug script (vif-bridge) wrote hotplug-status=connected. */
extern const struct xenback_backend_info xenback_net_vif_info;

#endif
