/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Grant copy of request data between the guest's pages and the requests'
 * bounce buffers: one batched copy for all segments of a list of requests.
 * The data stage fetches write data with it, completion returns read data;
 * it calls no other file of the backend.
 */
#include <errno.h>
#include <stdlib.h>

#include "blk.h"

static void copy_failed(struct blk_req *r)
{
	r->status = BLKIF_RSP_ERROR;
	r->why = "a grant copy of its data failed (bad or revoked grant)";
}

int blk_grant_copy(struct blk_dev *d, struct blk_req *list, bool to_guest)
{
	struct xenback_grant_copy *segs;
	struct blk_req *r;
	unsigned int n = 0, i, k;
	int ret;

	for (r = list; r; r = r->next)
		n += r->nseg;
	if (!n)
		return 0;
	segs = malloc(n * sizeof(*segs));
	if (!segs) {
		for (r = list; r; r = r->next)
			copy_failed(r);
		return -ENOMEM;
	}
	k = 0;
	for (r = list; r; r = r->next) {
		uint32_t off = 0;

		for (i = 0; i < r->nseg; i++, k++) {
			uint16_t len = blk_seg_len(&r->seg[i]);

			segs[k] = (struct xenback_grant_copy){
				.to_guest = to_guest, .ref = r->seg[i].gref,
				.offset = blk_seg_offset(&r->seg[i]), .len = len,
				.buf = (char *)r->buf + off,
			};
			off += len;
		}
	}
	ret = xenback_device_grant_copy(d->dev, segs, n);
	/* A call that failed as a whole (-ENOMEM, -EFAULT, ...) wrote no
	 * status: every request of the batch failed, none moved its data. */
	k = 0;
	for (r = list; r; r = r->next)
		for (i = 0; i < r->nseg; i++, k++)
			if (ret < 0 || segs[k].status)
				copy_failed(r);
	free(segs);
	return ret;
}
