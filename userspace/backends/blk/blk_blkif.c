/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module's blkif ring engine (uapi/xenback.h, XENBACK_IOCTL_BLKIF_OPEN):
 * xenback.ko serves a queue's ring by itself, as xen-blkback does: it maps
 * the ring, binds the event channel, takes and checks each request, does
 * the I/O by grant I/O (the guest's grants mapped and kept in the kernel)
 * and answers. No request reaches this process: no wake-up, no syscall per
 * round. Used for an O_DIRECT image whose frontend offers persistent grants
 * when the module can (XENBACK_BLK_RING=0 turns it off); what the rest of
 * the pipeline (blk.h) does then stays idle for that device.
 *
 * Set-up only: blk_connect.c opens one file per queue and puts it in the
 * bus's epoll set; it becomes readable only if the module stopped the
 * ring (the frontend broke it), and the device is failed with the
 * module's reason. Closing the files (disconnect, or this process's exit)
 * lets the module answer what it took, then let go of the ring; a reattach
 * opens them again with XENBACK_BLKIF_RESUME, the module waiting for the
 * previous files to be done. The in-flight journal records that the module
 * served the ring (blk_jqueue.module_served): every request it took was
 * answered, so a process that serves the ring itself next takes it over
 * at rsp_prod.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "blk.h"

bool blk_blkif_wanted(const struct blk_dev *d, bool persistent)
{
	const char *env = getenv("XENBACK_BLK_RING");

	return d->direct && persistent && !(env && *env == '0') && !blk_journal_live(d);
}

static void blkif_event(int fd, uint32_t events, void *arg)
{
	struct blk_queue *q = arg;
	struct blk_dev *d = q->d;
	struct xenback_blkif_stats st;

	(void)events;
	memset(&st, 0, sizeof(st));
	if (xenback_device_blkif_stats(d->dev, fd, &st) < 0 || !st.stopped)
		return;
	/* Level-triggered: out of the set before anything else. */
	xenback_bus_del_fd(xenback_device_get_bus(d->dev), fd);
	q->blkif_added = false;
	st.reason[sizeof(st.reason) - 1] = '\0';
	xenback_device_fail(d->dev, -(int)st.stopped, "queue %u: xenback.ko stopped the ring: %s",
			    q->idx, st.reason);
}

unsigned int blk_blkif_grants(const struct blk_dev *d)
{
	unsigned int share = blk_budget_pgrant_share(d, d->nqueues);

	if (share > BLK_MAX_PGRANTS)
		share = BLK_MAX_PGRANTS;
	return share < BLK_MAX_INDIRECT_SEGS + 1 ? 0 : share; /* a whole request, and its descriptor page */
}

int blk_blkif_queue(struct blk_queue *q, const uint32_t *refs, unsigned int nrefs, uint32_t port,
		    unsigned int grants)
{
	struct blk_dev *d = q->d;
	struct xenback_blkif_open o;
	int fd, r;

	memset(&o, 0, sizeof(o));
	q->blkif_grants = blk_budget_pgrant_reserve(d, grants);
	if (!grants || q->blkif_grants < grants) {
		blk_blkif_close(q);
		return -ENOSPC;
	}
	o.remote_port = port;
	o.image_fd = d->fd;
	o.flags = (d->readonly ? XENBACK_BLKIF_READONLY : 0) |
		  (d->can_discard ? XENBACK_BLKIF_DISCARD : 0) |
		  (xenback_device_reattaching(d->dev) ? XENBACK_BLKIF_RESUME : 0);
	o.sectors = d->sectors;
	o.nr_ring_refs = nrefs;
	memcpy(o.ring_refs, refs, nrefs * sizeof(*refs));
	o.max_grants = q->blkif_grants;
	o.max_indirect_segs = BLK_MAX_INDIRECT_SEGS;
	o.logical_block_size = d->lbs;
	fd = xenback_device_blkif_open(d->dev, &o);
	if (fd < 0) {
		blk_blkif_close(q);
		return fd;
	}
	q->blkif_fd = fd;
	q->blkif_open = true;
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, 1);
	r = xenback_bus_add_fd(xenback_device_get_bus(d->dev), fd, EPOLLIN, blkif_event, q);
	if (r < 0) {
		blk_blkif_close(q);
		return r;
	}
	q->blkif_added = true;
	if (q->jq)
		__atomic_store_n(&q->jq->module_served, 1, __ATOMIC_RELEASE);
	xenback_device_log(d->dev, XENBACK_LOG_INFO,
			   "queue %u: served by xenback.ko's blkif ring engine (%u ring page(s), up "
			   "to %u grants kept mapped%s)", q->idx, nrefs, q->blkif_grants,
			   o.flags & XENBACK_BLKIF_RESUME ? ", resumed at rsp_prod" : "");
	return 0;
}

void blk_blkif_close(struct blk_queue *q)
{
	struct blk_dev *d = q->d;

	if (q->blkif_open) {
		struct xenback_blkif_stats st;

		memset(&st, 0, sizeof(st));
		if (xenback_device_blkif_stats(d->dev, q->blkif_fd, &st) == 0 && st.inflight)
			xenback_device_log(d->dev, XENBACK_LOG_INFO,
					   "queue %u: %u request(s) still at the disk: xenback.ko "
					   "answers them, then lets go of the ring", q->idx, st.inflight);
		if (q->blkif_added)
			xenback_bus_del_fd(xenback_device_get_bus(d->dev), q->blkif_fd);
		xenback_device_blkif_close(d->dev, q->blkif_fd);
		xenback_device_account(d->dev, XENBACK_USAGE_FDS, -1);
	}
	q->blkif_open = q->blkif_added = false;
	q->blkif_fd = -1;
	blk_budget_pgrant_put(d, q->blkif_grants);
	q->blkif_grants = 0;
}
