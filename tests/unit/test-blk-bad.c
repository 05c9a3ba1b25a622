/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile blkfront requests: each gets an error response or shuts that
 * device alone down, with a log line; the other disk keeps working. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static int16_t one(struct sfront *f, const blkif_request_t *req)
{
	int16_t st = 99;

	sfront_queue_raw(f, 0, req);
	if (sfront_run(f, 0, 1, &st, NULL) != 1)
		return 99;
	return st;
}

/* A direct request of f's first data page, id 7. */
static void rw(blkif_request_t *req, const struct sfront *f, uint8_t op, uint8_t nseg,
	       uint64_t sector)
{
	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = nseg;
	req->sector_number = sector;
	req->id = 7;
	req->seg[0] = (struct blkif_request_segment){ f->data_ref[0], 0, 7 };
}

static void test_direct(struct sfront *f)
{
	blkif_request_t req;

	rw(&req, f, BLKIF_OP_READ, 1, 0);
	req.seg[0].first_sect = 5;
	req.seg[0].last_sect = 2;
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "segment with first_sect > last_sect: error");
	rw(&req, f, BLKIF_OP_READ, 1, 0);
	req.seg[0].last_sect = 8;
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "last_sect beyond the page: error");
	rw(&req, f, BLKIF_OP_READ, 12, 0);
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "12 direct segments: error");
	rw(&req, f, BLKIF_OP_READ, 0, 0);
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "0 segments: error");
	rw(&req, f, BLKIF_OP_READ, 1, 2048);
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "read past the end of the disk: error");
	rw(&req, f, BLKIF_OP_WRITE, 1, ~0ull - 3);
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "sector near 2^64 (overflow): error");
	rw(&req, f, BLKIF_OP_READ, 1, 0);
	req.seg[0].gref = 123456;
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "unknown grant ref: error");
	rw(&req, f, BLKIF_OP_WRITE_BARRIER, 1, 0);
	tap_eq(one(f, &req), BLKIF_RSP_EOPNOTSUPP, "barrier (not offered): EOPNOTSUPP");
	rw(&req, f, 77, 1, 0);
	tap_eq(one(f, &req), BLKIF_RSP_EOPNOTSUPP, "unknown operation: EOPNOTSUPP");
}

static void test_indirect(struct sfront *f)
{
	blkif_request_t req;
	blkif_request_indirect_t *ind = (blkif_request_indirect_t *)&req;

	memset(&req, 0, sizeof(req));
	*ind = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
					   .nr_segments = 257, .id = 8 };
	ind->indirect_grefs[0] = f->ind_ref;
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "indirect with 257 segments: error");
	ind->nr_segments = 4;
	ind->indirect_op = BLKIF_OP_DISCARD;
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "indirect with a non-read/write op: error");
	ind->indirect_op = BLKIF_OP_READ;
	ind->indirect_grefs[0] = 999999;
	tap_eq(one(f, &req), BLKIF_RSP_ERROR, "indirect descriptor page not granted: error");
	rw(&req, f, BLKIF_OP_READ, 1, 0);
	tap_eq(one(f, &req), BLKIF_RSP_OKAY, "after all that, a good read on the same disk works");
}

/* req_prod running far ahead of the ring: the device is shut down. */
static void test_ring_overflow(struct xbt *t, struct sfront *f, struct sfront *g)
{
	blkif_request_t req;

	f->q[0].ring.sring->req_prod += 1000;
	xenback_sim_evtchn_notify(t->sim, 31, f->q[0].port);
	xbt_settle(t);
	tap_eq(xbt_error(t, "qdisk", 31, 51712), -EPROTO, "req_prod overflow: device shut down (-EPROTO)");
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_READ;
	req.nr_segments = 1;
	req.seg[0] = (struct blkif_request_segment){ g->data_ref[0], 0, 7 };
	sfront_queue_raw(g, 0, &req);
	tap_eq(sfront_run(g, 0, 1, NULL, NULL), 1, "the other disk still answers");
}

int main(void)
{
	struct xbt t;
	struct sfront f, g;
	char img[64] = "/tmp/xenback-bad-XXXXXX";
	int fd, fds, fds_f;

	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		return printf("Bail out! no image\n"), 1;
	close(fd);
	xbt_init(&t, XENBACK_LOG_ERR);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	/* The other disk first: the daemon-wide fds a connected disk brings
	 * (the bounce-buffer pool's trim timer) are open before f comes. */
	tap_eq(sfront_attach(&g, &t, 32, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "the other disk Connected");
	fds_f = fd_count(); /* f's fds come on top of these */
	tap_eq(sfront_attach(&f, &t, 31, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "the disk under attack Connected");
	fds = fd_count();
	test_direct(&f);
	test_indirect(&f);
	tap_eq(fd_count(), fds, "bad requests: no fd taken or lost");
	test_ring_overflow(&t, &f, &g);
	tap_eq(fd_count(), fds_f, "the shut-down disk gave back every fd it held");
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
