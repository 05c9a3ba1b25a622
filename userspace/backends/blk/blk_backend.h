/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend's entry points (blkif, xen/io/blkif.h), for xenbackd and
 * the tests: register a type with xenback_backend_register(bus,
 * &xenback_blk_qdisk_info). Part of xenbackd, not of the installed library
 * (build/libxenback-blk.a is linked into xenbackd only). */
#ifndef XENBACK_BLK_BACKEND_H
#define XENBACK_BLK_BACKEND_H
#include "xenback.h"

/* type "qdisk": libxl's backendtype=qdisk; params "aio:/path" or "/path". */
extern const struct xenback_backend_info xenback_blk_qdisk_info;
/* type "vbd": backendtype=phy with xen-blkback unloaded; waits for the
 * hotplug script's hotplug-status=connected. */
extern const struct xenback_backend_info xenback_blk_vbd_info;
#endif
