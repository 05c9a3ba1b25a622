/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Connect errors are not permanent (blkback's way): a failed connect()
 * (missing or bad key, a transient error, a bad ring-page-order or queue
 * count) disconnects, moves the backend to Closing, and when the frontend
 * comes back through Closed/Initialising the device returns to InitWait and
 * may connect again. Bounded: a frontend looping connect/fail is stopped by
 * the flap limit. QEMU commit eb6ae7a682's rule stays for create() only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"

#define FE "/local/domain/%u/device/%s/%u"

/* The frontend goes Closed, then Initialising, as Linux does on a retry. */
static void fe_restart(struct xbt *t, const char *type, uint32_t domid, uint32_t devid)
{
	xbt_fe_set_state(t, type, domid, devid, XENBACK_STATE_CLOSED);
	xbt_settle(t);
	xbt_fe_set_state(t, type, domid, devid, XENBACK_STATE_INITIALISING);
	xbt_settle(t);
}

static void test_vtest(struct xbt *t)
{
	xbt_add(t, "vtest", 3, 1, NULL);
	xbt_settle(t);
	/* Initialised without ring-ref or event-channel: connect() fails. */
	xbt_fe_set_state(t, "vtest", 3, 1, XENBACK_STATE_INITIALISED);
	xbt_settle(t);
	tap_eq(vtest.connect, 1, "connect() ran once");
	tap_eq(xbt_be_state(t, "vtest", 3, 1), XENBACK_STATE_CLOSING,
	       "a failed connect moves the backend to Closing");
	tap_eq(vtest.disconnect, 1, "and disconnect() ran after the failed connect()");
	tap_eq(xbt_error(t, "vtest", 3, 1), -ENOENT, "the connect error is shown (-ENOENT)");
	tap_eq(vtest.destroy, 0, "the device is not destroyed");
	xbt_fe_set_state(t, "vtest", 3, 1, XENBACK_STATE_CLOSED);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", 3, 1), XENBACK_STATE_CLOSED, "frontend Closed -> backend Closed");
	xbt_fe_set_state(t, "vtest", 3, 1, XENBACK_STATE_INITIALISING);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", 3, 1), XENBACK_STATE_INITWAIT,
	       "frontend Initialising -> backend InitWait again");
	xbt_fe_connect(t, "vtest", 3, 1);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "vtest", 3, 1), XENBACK_STATE_CONNECTED, "the retry connects");
	tap_eq(xbt_error(t, "vtest", 3, 1), 0, "and the connect error is cleared");
	tap_eq(vtest.create, 1, "one create() for all of it");
}

/* A frontend looping connect/fail as fast as it can: bounded work. */
static void test_loop(struct xbt *t)
{
	unsigned int i, before = vtest.connect;

	xbt_add(t, "vtest", 4, 1, NULL);
	xbt_settle(t);
	for (i = 0; i < 500; i++) {
		xbt_fe_set_state(t, "vtest", 4, 1, XENBACK_STATE_INITIALISED);
		xbt_settle(t);
		fe_restart(t, "vtest", 4, 1);
	}
	tap_ok(vtest.connect - before <= 64, "500 connect/fail loops: %u connect() calls (flap limit)",
	       vtest.connect - before);
	tap_eq(xbt_error(t, "vtest", 4, 1), -EPROTO, "the looping device is shut down (-EPROTO)");
}

/* The block backend: a bad ring-page-order, then a queue count of 0, then
 * a good connect, on one device. */
static void test_blk(struct xbt *t, const char *img)
{
	struct sfront f;
	int fds;

	sfront_attach(&f, t, 5, 51712, img, "w", 1, 0);
	tap_eq(xbt_be_state(t, "qdisk", 5, 51712), XENBACK_STATE_CONNECTED, "qdisk Connected");
	xbt_fe_set_state(t, "qdisk", 5, 51712, XENBACK_STATE_CLOSING);
	xbt_settle(t);
	fe_restart(t, "qdisk", 5, 51712);
	fds = fd_count();
	xenback_sim_write(t->sim, xbt_path(FE "/ring-page-order", 5u, "qdisk", 51712u), "9");
	xbt_fe_set_state(t, "qdisk", 5, 51712, XENBACK_STATE_INITIALISED);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "qdisk", 5, 51712), XENBACK_STATE_CLOSING,
	       "ring-page-order 9: backend Closing");
	tap_eq(fd_count(), fds, "no fd left behind");
	fe_restart(t, "qdisk", 5, 51712);
	tap_eq(xbt_be_state(t, "qdisk", 5, 51712), XENBACK_STATE_INITWAIT, "then InitWait again");
	xenback_sim_rm(t->sim, xbt_path(FE "/ring-page-order", 5u, "qdisk", 51712u));
	xenback_sim_write(t->sim, xbt_path(FE "/multi-queue-num-queues", 5u, "qdisk", 51712u), "0");
	xbt_fe_set_state(t, "qdisk", 5, 51712, XENBACK_STATE_INITIALISED);
	xbt_settle(t);
	tap_eq(xbt_be_state(t, "qdisk", 5, 51712), XENBACK_STATE_CLOSING,
	       "0 queues: backend Closing");
	fe_restart(t, "qdisk", 5, 51712);
	xenback_sim_rm(t->sim, xbt_path(FE "/multi-queue-num-queues", 5u, "qdisk", 51712u));
	sfront_connect(&f);
	tap_eq(xbt_be_state(t, "qdisk", 5, 51712), XENBACK_STATE_CONNECTED,
	       "a good connect after two bad ones: Connected");
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 0, 1, 8, 1);
	tap_eq(sfront_run(&f, 0, 1, NULL, NULL), 1, "and it answers a read");
	sfront_release(&f);
}

int main(void)
{
	struct xbt t;
	char img[64] = "/tmp/xenback-retry-XXXXXX";

	sfront_bus_init(&t, img, XENBACK_LOG_ERR - 1);
	test_vtest(&t);
	test_loop(&t);
	test_blk(&t, img);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
