/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Persistent grants (feature-persistent): a frontend that offers it reuses
 * a pool of granted pages, so each page is mapped once and I/O goes
 * straight between the image and the guest's pages: no grant operation
 * and no copy per request once the pool is mapped. Bounded per queue
 * (BLK_MAX_PGRANTS), per device and daemon-wide (blk_budget.c): every
 * mapping is an mmap, and vm.max_map_count is one limit for the whole
 * process. Past a bound, or when a mapping fails, the request falls back
 * to grant copy.
 */
#include <errno.h>
#include <stdlib.h>

#include "blk.h"

static struct blk_pgrant *lookup(struct blk_queue *q, uint32_t gref, int *err)
{
	struct blk_pgrant *p;
	int r;

	HASH_FIND(hh, q->pgrants, &gref, sizeof(gref), p);
	if (p) {
		q->pgrant_hits++;
		return p;
	}
	if (q->npgrants >= BLK_MAX_PGRANTS || !blk_budget_pgrant_get(q->d)) {
		*err = -ENOSPC;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	r = p ? xenback_device_map_grants(q->d->dev, &gref, 1, true, &p->addr) : -ENOMEM;
	if (r < 0) {
		blk_budget_pgrant_put(q->d, 1);
		free(p);
		*err = r;
		return NULL;
	}
	p->gref = gref;
	HASH_ADD(hh, q->pgrants, gref, sizeof(p->gref), p);
	q->npgrants++;
	q->pgrant_maps++;
	return p;
}

int blk_persist_resolve(struct blk_queue *q, struct blk_req *r)
{
	unsigned int i, mask = q->d->lbs - 1;
	int err = 0;

	/* O_DIRECT on a device with large sectors needs every piece of the
	 * vector aligned to them: a request split otherwise goes through one
	 * contiguous bounce buffer. */
	for (i = 0; mask >= BLK_SECTOR && i < r->nseg; i++)
		if (((r->seg[i].first_sect * BLK_SECTOR) & mask) ||
		    (((unsigned int)r->seg[i].last_sect + 1) * BLK_SECTOR & mask))
			return -EINVAL;
	for (i = 0; i < r->nseg; i++) {
		struct blk_pgrant *p = lookup(q, r->seg[i].gref, &err);

		if (!p)
			return err;
		r->iov[i].iov_base = (char *)p->addr + r->seg[i].first_sect * BLK_SECTOR;
		r->iov[i].iov_len = (size_t)(r->seg[i].last_sect - r->seg[i].first_sect + 1) * BLK_SECTOR;
	}
	r->persistent = true;
	return 0;
}

void blk_persist_release(struct blk_queue *q)
{
	struct blk_pgrant *p, *tmp;

	HASH_ITER(hh, q->pgrants, p, tmp) {
		HASH_DEL(q->pgrants, p);
		xenback_device_unmap_grants(q->d->dev, p->addr);
		free(p);
	}
	blk_budget_pgrant_put(q->d, q->npgrants);
	q->npgrants = 0;
}
