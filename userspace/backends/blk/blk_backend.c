/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend types: "qdisk" (what libxl writes for backendtype=qdisk)
 * and "vbd" (backendtype=phy when xen-blkback is not loaded; a hotplug
 * script runs first). */
#include <errno.h>
#include <stdlib.h>

#include "blk.h"
#include "blk_backend.h"

static int blk_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	struct xenback_device *dev;
	struct blk_dev *d;
	int r;

	r = xenback_device_new(be, sizeof(*d), &dev);
	if (r < 0)
		return r;
	d = xenback_device_priv(dev);
	d->dev = dev;
	d->efd = -1;
	d->gio_fd = -1;
	r = blk_image_open(d, xenback_opts_get(opts, "params"), xenback_opts_get(opts, "mode"), be);
	if (r < 0)
		return r; /* the unattached device is freed by the library */
	xenback_device_printf(dev, "sectors", "%llu", (unsigned long long)d->sectors);
	/* "sectors" and every sector_number are in 512-byte units (Linux
	 * blkback and blkfront); sector-size is the logical block size, to
	 * which requests must be aligned. */
	xenback_device_printf(dev, "sector-size", "%u", d->lbs);
	xenback_device_printf(dev, "physical-sector-size", "%u", d->pbs);
	xenback_device_printf(dev, "info", "%u", d->readonly ? VDISK_READONLY : 0);
	xenback_device_printf(dev, "feature-flush-cache", "1");
	xenback_device_printf(dev, "feature-barrier", "0");
	xenback_device_printf(dev, "feature-persistent", "1");
	xenback_device_printf(dev, "feature-max-indirect-segments", "%u", BLK_MAX_INDIRECT_SEGS);
	xenback_device_printf(dev, "max-ring-page-order", "%u", BLK_MAX_RING_ORDER);
	xenback_device_printf(dev, "multi-queue-max-queues", "%u", BLK_MAX_QUEUES);
	if (d->can_discard) {
		xenback_device_printf(dev, "feature-discard", "1");
		xenback_device_printf(dev, "discard-granularity", "%u", d->pbs > BLK_PAGE ? d->pbs : BLK_PAGE);
		xenback_device_printf(dev, "discard-alignment", "0");
		xenback_device_printf(dev, "discard-secure", "0");
	}
	xenback_backend_set_device(be, dev);
	return 0;
}

static void blk_destroy(struct xenback_backend *be)
{
	struct xenback_device *dev = xenback_backend_get_device(be);

	if (dev)
		blk_image_close(xenback_device_priv(dev));
}

const struct xenback_backend_info xenback_blk_qdisk_info = {
	.type = "qdisk", .create = blk_create, .destroy = blk_destroy,
	.connect = blk_connect, .disconnect = blk_disconnect,
	.flags = XENBACK_TYPE_REATTACH,
};

const struct xenback_backend_info xenback_blk_vbd_info = {
	.type = "vbd", .create = blk_create, .destroy = blk_destroy,
	.connect = blk_connect, .disconnect = blk_disconnect,
	.flags = XENBACK_TYPE_HOTPLUG | XENBACK_TYPE_REATTACH,
};
