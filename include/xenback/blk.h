/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend shipped with xenback (blkif, xen/io/blkif.h). Register
 * a type with xenback_backend_register(bus, &xenback_blk_qdisk_info). */
#ifndef XENBACK_BLK_PUBLIC_H
#define XENBACK_BLK_PUBLIC_H
#include "xenback.h"

/* type "qdisk": libxl's backendtype=qdisk; params "aio:/path" or "/path". */
extern const struct xenback_backend_info xenback_blk_qdisk_info;
/* type "vbd": backendtype=phy with xen-blkback unloaded; waits for the
 * hotplug script's hotplug-status=connected. */
extern const struct xenback_backend_info xenback_blk_vbd_info;
#endif
