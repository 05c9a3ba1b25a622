/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Teardown and broken connects (issue 10, item 4):
 *  - a frontend whose req_prod runs away on a second pass of the ring
 *    (while the backend is mid-round) fails its device, and the requests
 *    that round had taken but not sent on are answered (with an error),
 *    not abandoned and left counted in flight;
 *  - a disconnect with I/O in flight cancels and waits for it (ASan: no
 *    buffer freed under the kernel; LSan: nothing lost), returns every
 *    fd and every accounted byte;
 *  - disconnect copes with every partial connect, and twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static void runaway(void *arg)
{
	struct sfront *f = arg;

	f->q[0].ring.sring->req_prod += 1000;
}

static void test_second_pass(struct xbt *t, const char *img)
{
	struct sfront f;
	blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 101 };
	bool seen100 = false;
	int16_t st100 = 99;
	void *page;
	uint32_t ref;

	sfront_persistent = true;
	tap_eq(sfront_attach(&f, t, 91, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "persistent disk Connected");
	sfront_queue_indirect(&f, 0, BLKIF_OP_READ, 0, 4, 100); /* parked on the round's list */
	xenback_sim_grant_page(t->sim, 91, 0, &page, &ref);
	req.seg[0] = (struct blkif_request_segment){ ref, 0, 7 };
	sfront_queue_raw(&f, 0, &req); /* its map runs the frontend's runaway */
	xenback_sim_on_grant_map(t->sim, runaway, &f);
	sfront_push(&f, 0);
	xbt_settle(t);
	tap_eq(xbt_error(t, "qdisk", 91, 51712), -EPROTO,
	       "req_prod runs away on the second pass: device failed (-EPROTO)");
	while (f.q[0].ring.rsp_cons != f.q[0].ring.sring->rsp_prod) {
		blkif_response_t *rsp = RING_GET_RESPONSE(&f.q[0].ring, f.q[0].ring.rsp_cons);

		if (rsp->id == 100) {
			seen100 = true;
			st100 = rsp->status;
		}
		f.q[0].ring.rsp_cons++;
	}
	tap_ok(seen100 && st100 == BLKIF_RSP_ERROR,
	       "the indirect request the round had taken is answered ERROR, not abandoned");
	tap_eq(xenback_bus_usage(t->bus, XENBACK_USAGE_REQUESTS), 0,
	       "no request left counted in flight");
	xbt_rm(t, "qdisk", 91, 51712);
	xbt_settle(t);
}

static void test_inflight(struct xbt *t, const char *img)
{
	struct sfront f;
	unsigned int i;
	int fds0 = fd_count();

	sfront_persistent = false;
	tap_eq(sfront_attach(&f, t, 92, 51712, img, "w", 1, 1), XENBACK_STATE_CONNECTED,
	       "disk Connected");
	for (i = 0; i < 64; i++)
		sfront_queue_indirect(&f, 0, i % 2 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 0, 64, i);
	sfront_push(&f, 0);
	xenback_bus_run_once(t->bus, 0); /* taken and submitted, mostly not reaped */
	sfront_detach(&f, "qdisk");
	xbt_rm(t, "qdisk", 92, 51712);
	xbt_settle(t);
	tap_ok(!xbt_exists(t, "qdisk", 92, 51712), "disk with 64 requests in flight torn down");
	tap_eq(xenback_bus_usage(t->bus, XENBACK_USAGE_MEM), 0, "no bounce memory left accounted");
	tap_eq(xenback_bus_usage(t->bus, XENBACK_USAGE_REQUESTS), 0, "no request left accounted");
	tap_eq(xenback_bus_usage(t->bus, XENBACK_USAGE_FDS), 0, "no fd left accounted");
	tap_eq(fd_count(), fds0, "every fd closed (image, io_uring, eventfd)");
}

/* A type on the block backend whose connect, when it fails, is undone by
 * disconnect twice (the library calls it after a failed connect; a second
 * call must be harmless), and whose disconnect runs twice. */
static int connect_then_undo(struct xenback_device *dev)
{
	int r = xenback_blk_qdisk_info.connect(dev);

	if (r < 0) {
		xenback_blk_qdisk_info.disconnect(dev);
		xenback_blk_qdisk_info.disconnect(dev);
	}
	return r;
}

static void disconnect_twice(struct xenback_device *dev)
{
	xenback_blk_qdisk_info.disconnect(dev);
	xenback_blk_qdisk_info.disconnect(dev);
}

static struct xenback_backend_info bdtest;

#define FE "/local/domain/%u/device/bdtest/51712"

static void test_partial(struct xbt *t, const char *img)
{
	const char *extra[] = { NULL, NULL };
	char params[128];
	unsigned int maps0, ports0, i;
	int fds0;
	void *page;
	uint32_t ref, port;

	bdtest = xenback_blk_qdisk_info;
	bdtest.type = "bdtest";
	bdtest.connect = connect_then_undo;
	bdtest.disconnect = disconnect_twice;
	tap_eq(xenback_backend_register(t->bus, &bdtest), 0,
	       "test type on the block backend registered");
	snprintf(params, sizeof(params), "params=%s", img);
	extra[0] = params;
	for (i = 0; i < 3; i++) {
		uint32_t domid = 93 + i;

		int fds_none = fd_count();

		maps0 = xenback_sim_grants_mapped(t->sim);
		ports0 = xenback_sim_ports_bound(t->sim);
		xbt_add(t, "bdtest", domid, 51712, extra);
		xbt_settle(t);
		fds0 = fd_count(); /* the created device holds its image open */
		xenback_sim_batch_begin(t->sim);
		xenback_sim_write(t->sim, xbt_path(FE "/multi-queue-num-queues", domid), "2");
		xenback_sim_grant_page(t->sim, domid, 0, &page, &ref);
		xenback_sim_evtchn_alloc_unbound(t->sim, domid, 0, &port);
		xenback_sim_write(t->sim, xbt_path(FE "/queue-0/ring-ref", domid), "%u", ref);
		xenback_sim_write(t->sim, xbt_path(FE "/queue-0/event-channel", domid), "%u", port);
		if (i >= 1) /* queue 1: ring only, or ring and a bad port */
			xenback_sim_write(t->sim, xbt_path(FE "/queue-1/ring-ref", domid), "%u",
					  ref);
		if (i == 2)
			xenback_sim_write(t->sim, xbt_path(FE "/queue-1/event-channel", domid),
					  "99999");
		xenback_sim_write(t->sim, xbt_path(FE "/state", domid), "3");
		xenback_sim_batch_end(t->sim);
		xbt_settle(t);
		tap_ok(xbt_error(t, "bdtest", domid, 51712) < 0,
		       "connect %u with queue 1 broken: failed", i);
		tap_eq(fd_count(), fds0,
		       "... every fd the connect opened closed (the device stays, Closing: a "
		       "failed connect is not permanent)");
		tap_eq(xenback_sim_grants_mapped(t->sim), maps0,
		       "... every ring it mapped unmapped");
		tap_eq(xenback_sim_ports_bound(t->sim), ports0, "... every port it bound unbound");
		xbt_rm(t, "bdtest", domid, 51712);
		xbt_settle(t);
		tap_eq(fd_count(), fds_none, "... and its image fd closed once its node went");
	}
}

int main(void)
{
	char img[64] = "/tmp/xenback-tdn-XXXXXX";
	struct xbt t;

	/* Persistent mappings are this test's subject: I/O straight into
	 * them on an O_DIRECT image too (off by default, blk_connect.c). */
	setenv("XENBACK_BLK_DIRECT_MAPPED", "1", 1);

	if (!sfront_image(img, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	test_second_pass(&t, img);
	test_inflight(&t, img);
	test_partial(&t, img);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
