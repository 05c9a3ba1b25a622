/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend's entry points (blkif, xen/io/blkif.h), for xenbackd and
 * the tests: register a type with xenback_backend_register(bus,
 * &xenback_blk_qdisk_info). Part of xenbackd, not of the installed library
 * (build/libxenback-blk.a is linked into xenbackd only). */
#ifndef XENBACK_BLK_BACKEND_H
#define XENBACK_BLK_BACKEND_H
#include <stdint.h>

#include "xenback.h"

/* type "qdisk": libxl's backendtype=qdisk; params "aio:/path" or "/path". */
extern const struct xenback_backend_info xenback_blk_qdisk_info;
/* type "vbd": backendtype=phy with xen-blkback unloaded; waits for the
 * hotplug script's hotplug-status=connected. */
extern const struct xenback_backend_info xenback_blk_vbd_info;

/*
 * Budgets: what one guest's disk, and all disks together, may make the
 * process hold. Daemon-wide means this process (every bus in it). A device
 * at a budget is throttled, never failed: a request that would pass a
 * bounce-memory budget waits (its queue stops taking requests) and goes on
 * as memory frees; past a mapping cap a request uses grant copy; at the
 * request budget its queues stop taking requests until responses free some.
 */
struct xenback_blk_limits {
	/* Bounce-buffer bytes, all devices: those of requests in flight and
	 * the pool's idle ones (blk_pool.c: reused, trimmed when idle). */
	uint64_t bounce_bytes;
	/* Bounce-buffer bytes of one device's requests in flight. At least
	 * 1 MiB (the largest request), at most bounce_bytes. */
	uint64_t device_bounce_bytes;
	/* Persistent-grant mappings (one mmap each), all devices; keep it well
	 * under vm.max_map_count (65530) less ring maps and io_uring. */
	uint32_t persistent_grants;
	/* ... one device (at most persistent_grants; each queue is also capped
	 * at 1056, as in blkback). */
	uint32_t device_persistent_grants;
	/* Requests one device has in flight, all its queues (>= 1). */
	uint32_t device_requests;
};
#define XENBACK_BLK_BOUNCE_MIB_DEFAULT 256
#define XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT 32
#define XENBACK_BLK_PERSISTENT_GRANTS_DEFAULT 16384
#define XENBACK_BLK_DEVICE_PERSISTENT_GRANTS_DEFAULT 2048
#define XENBACK_BLK_DEVICE_REQUESTS_DEFAULT 1024
/* The limits in force (the defaults above until set). */
void xenback_blk_get_limits(struct xenback_blk_limits *out);
/* 0, or -EINVAL (nothing changed) if a value is out of range. Set before
 * devices connect: a device already over a lowered budget keeps what it
 * holds and takes no more until under it. */
int xenback_blk_set_limits(const struct xenback_blk_limits *l);
#endif
