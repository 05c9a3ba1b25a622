/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Connect errors are not permanent (blkback's way): a failed connect()
 * (missing or bad key, a transient error, a bad ring-page-order or queue
 * count) disconnects, moves the backend to Closing, and when the frontend
 * comes back through Closed/Initialising the device returns to InitWait and
 * may connect again. Bounded: a frontend looping connect/fail fast is
 * stopped by the flap limit; one looping below the flap limit meets the
 * connect backoff (InitWait offered again only after a delay that doubles
 * with each failure in a row: bounded connect() calls per second) and is
 * shut down after connect_fail_limit failures in a row. QEMU commit
 * eb6ae7a682's rule stays for create() only. */
#include <errno.h>
#include <time.h>
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the bus until the backend offers InitWait or until seconds pass. */
static bool wait_initwait(struct xbt *t, uint32_t domid, double seconds)
{
	double end = now_s() + seconds;

	while (xbt_be_state(t, "vtest", domid, 1) != XENBACK_STATE_INITWAIT) {
		if (now_s() > end)
			return false;
		xenback_bus_run_once(t->bus, 5);
		xbt_settle(t);
	}
	return true;
}

/* One failed connect as a hostile frontend does it: Initialised without
 * ring-ref, then Closed, then Initialising. */
static void fail_once(struct xbt *t, uint32_t domid)
{
	xbt_fe_set_state(t, "vtest", domid, 1, XENBACK_STATE_INITIALISED);
	xbt_settle(t);
	fe_restart(t, "vtest", domid, 1);
}

/* A frontend looping connect/fail as fast as the backend lets it, below
 * the flap limit (set out of reach here): without a backoff every loop is a
 * connect() (thousands a second on the simulated platform); with it the
 * connects after the free ones are one per delay, the delay doubling up to
 * its cap (20 ms to 160 ms here; the defaults are 1 s to 64 s). */
static void test_backoff(void)
{
	struct xenback_bus_config cfg = {
		.log_level = XENBACK_LOG_ERR - 1, .retry_delay_ms = 1, .flap_limit = 1000000,
		.connect_fail_free = 2, .connect_fail_limit = 1000,
		.connect_backoff_ms = 20, .connect_backoff_max_ms = 160,
	};
	unsigned int loops = 0, late = 0, c0, n;
	double t0, end, late_from;
	struct xbt t;

	xbt_init_cfg(&t, &cfg);
	xbt_add(&t, "vtest", 6, 1, NULL);
	xbt_settle(&t);
	c0 = vtest.connect;
	t0 = now_s();
	end = t0 + 1.5;
	late_from = t0 + 1.0;
	while (now_s() < end) {
		if (!wait_initwait(&t, 6, end - now_s()))
			break;
		n = vtest.connect;
		fail_once(&t, 6);
		loops++;
		if (now_s() >= late_from)
			late += vtest.connect - n;
	}
	n = vtest.connect - c0;
	tap_diag("backoff: %u connect() calls in %.2f s of a frontend looping connect/fail "
		 "(%u in its last 0.5 s)", n, now_s() - t0, late);
	/* 2 free, then holds of 20, 40, 80, 160, 160, ... ms: about 12 in
	 * 1.5 s on any machine fast enough; a slower one makes fewer */
	tap_ok(n >= 3 && n <= 2 + 4 + 1500 / 160 + 2,
	       "1.5 s of connect/fail loops below the flap limit: %u connect() calls (bounded by the backoff)", n);
	tap_ok(late <= 500 / 160 + 2, "at the backoff's cap: %u connect() calls in 0.5 s (one per 160 ms)", late);
	tap_eq(xbt_error(&t, "vtest", 6, 1), -ENOENT, "the device is not shut down, its error shown");
	/* a good connect after the backoff clears the count */
	tap_ok(wait_initwait(&t, 6, 2), "after the backoff the backend offers InitWait");
	xbt_fe_connect(&t, "vtest", 6, 1);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vtest", 6, 1), XENBACK_STATE_CONNECTED, "a good connect: Connected");
	tap_eq(xbt_error(&t, "vtest", 6, 1), 0, "and the error is cleared");
	xbt_fe_set_state(&t, "vtest", 6, 1, XENBACK_STATE_CLOSING);
	xbt_settle(&t);
	fe_restart(&t, "vtest", 6, 1);
	xenback_sim_rm(t.sim, xbt_path(FE "/ring-ref", 6u, "vtest", 1u));
	fail_once(&t, 6);
	tap_eq(xbt_be_state(&t, "vtest", 6, 1), XENBACK_STATE_INITWAIT,
	       "the count starts afresh: a failure after a good connect gets InitWait at once");
	xbt_fini(&t);
}

/* connect_fail_limit failures in a row shut the device down, with the
 * reason logged; no InitWait after that. */
static void test_limit(void)
{
	struct xenback_bus_config cfg = {
		.log_level = XENBACK_LOG_ERR, .retry_delay_ms = 1, .flap_limit = 1000000,
		.connect_fail_free = 2, .connect_fail_limit = 5,
		.connect_backoff_ms = 1, .connect_backoff_max_ms = 2,
	};
	unsigned int i;
	struct xbt t;

	xbt_init_cfg(&t, &cfg);
	xbt_add(&t, "vtest", 7, 1, NULL);
	xbt_settle(&t);
	for (i = 0; i < 20 && wait_initwait(&t, 7, 1); i++)
		fail_once(&t, 7);
	tap_eq(vtest.connect, 5, "connect_fail_limit 5: 5 connect() calls, then no more");
	tap_eq(xbt_error(&t, "vtest", 7, 1), -ENOENT, "the device is shut down with its connect error");
	tap_eq(vtest.destroy, 1, "and destroyed");
	tap_ok(xbt_be_state(&t, "vtest", 7, 1) == XENBACK_STATE_CLOSED, "backend Closed");
	xbt_fini(&t);
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
	test_backoff();
	test_limit();
	unlink(img);
	return tap_done();
}
