/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenbackd's side of the blkif ring engine (blk_blkif.c) on the simulated
 * platform's model of xenback.ko's (sim_blkif.c): an O_DIRECT image with a
 * persistent frontend is handed to the engine (every queue, the open's
 * flags and limits as the disk says), the process maps nothing and takes
 * no request, the data is right both ways; a ring the engine stops fails
 * that device alone, with the module's reason in the registry; a teardown
 * with requests held leaves them to the engine, which answers them before
 * it lets go; a budget too small for the engine, XENBACK_BLK_RING=0 and a
 * frontend without persistent grants keep the ring in the daemon; a
 * process handing over leaves requests held to the engine, the next one
 * resumes the ring (RESUME), a process serving the ring itself after it
 * takes over at rsp_prod. (The
 * module itself: tests/vm test-blkif-fake; on real Xen dom0-30, dom0-37,
 * dom0-50's "@engine" scenarios, dom0-60.) */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

static char logged[4096]; /* error lines */

static void logfn(void *data, int level, const char *msg)
{
	(void)data;
	if (level <= XENBACK_LOG_ERR && strlen(logged) + strlen(msg) + 2 < sizeof(logged)) {
		strcat(logged, msg);
		strcat(logged, "\n");
	}
}

static struct xenback_sim_blkif_stats stats(struct xbt *t)
{
	struct xenback_sim_blkif_stats st;

	xenback_sim_blkif_stats(t->sim, &st);
	return st;
}

static void test_connect(struct xbt *t, struct sfront *f, const char *img)
{
	struct xenback_sim_blkif_stats st;

	tap_eq(sfront_attach(f, t, 51, 51712, img, "w", 2, 1), XENBACK_STATE_CONNECTED,
	       "a persistent frontend, 2 queues of 2 pages, O_DIRECT image: Connected");
	st = stats(t);
	tap_ok(st.opened == 2 && st.open_files == 2, "both queues handed to the engine (%llu opened, %u open)",
	       (unsigned long long)st.opened, st.open_files);
	tap_ok(st.last_nr_ring_refs == 2 && st.last_sectors == (8u << 20) / 512 &&
		       (st.last_flags & XENBACK_BLKIF_DISCARD) && !(st.last_flags & XENBACK_BLKIF_READONLY) &&
		       !(st.last_flags & XENBACK_BLKIF_RESUME),
	       "the open says 2 ring pages, the disk's sectors, discard, writable, not a resume (flags %#x)",
	       st.last_flags);
	tap_ok(st.last_max_grants >= BLK_MAX_INDIRECT_SEGS + 1 && st.last_max_grants <= BLK_MAX_PGRANTS,
	       "grants it may keep mapped: %u (a whole indirect request and its page, at most %u)",
	       st.last_max_grants, BLK_MAX_PGRANTS);
	tap_eq(xenback_sim_grants_mapped(t->sim), 4,
	       "the process mapped no ring and no data page (4 mappings: the frontend's own views of its ring pages)");
	tap_eq(xenback_sim_ports_bound(t->sim), 2, "the two ports are bound, by the engine");
}

static void test_data(struct xbt *t, struct sfront *f, const char *img)
{
	uint64_t req0 = stats(t).requests;
	unsigned int i;
	int16_t st[2];

	sfront_fill(f, 0, 11, 5);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 0, 11, 8, 1);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_OKAY, "a write of 11 pages: OK");
	for (i = 0; i < 11; i++)
		memset(f->data[i], 0, 4096);
	sfront_queue_rw(f, 1, BLKIF_OP_READ, 0, 11, 8, 2);
	tap_ok(sfront_run(f, 1, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(f, 0, 11, 5),
	       "read back on the other queue: the data");
	tap_ok(sfront_file_matches(img, 0, 11 * 4096, 5), "the image holds it");
	sfront_fill(f, 0, 32, 9);
	sfront_queue_indirect(f, 0, BLKIF_OP_WRITE, 2048, 32, 3);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_OKAY &&
		       sfront_file_matches(img, 2048 * 512, 32 * 4096, 9),
	       "an indirect write of 32 pages: OK, in the image");
	sfront_queue_rw(f, 0, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 8, 4);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "a flush: OK");
	tap_eq(stats(t).requests - req0, 4, "all four went to the engine");
	tap_eq(xenback_sim_grants_mapped(t->sim), 4, "still nothing mapped by the process");
}

/* The frontend runs req_prod a ring ahead: the engine stops that ring and
 * the daemon fails the device (reason from the module); another guest's
 * disk goes on. */
static void test_stop(struct xbt *t, struct sfront *f, struct sfront *g)
{
	int16_t st;

	tap_eq(sfront_attach(g, t, 52, 51712, getenv("XB_IMG2"), "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "a second guest's disk: Connected");
	f->q[0].ring.req_prod_pvt += 1000;
	sfront_push(f, 0);
	xbt_settle(t);
	tap_ok(xbt_error(t, "qdisk", 51, 51712) == -EPROTO, "the broken ring's device failed: EPROTO (%d)",
	       xbt_error(t, "qdisk", 51, 51712));
	tap_ok(strstr(logged, "qdisk/51/51712: shut down: queue 0: xenback.ko stopped the ring: req_prod runs ahead") != NULL,
	       "the log names the device and the module's reason (%s)", logged);
	tap_eq(stats(t).open_files, 1, "its engine files closed; the other guest's stays");
	sfront_queue_rw(g, 0, BLKIF_OP_READ, 0, 1, 8, 1);
	st = sfront_status(g);
	tap_eq(st, BLKIF_RSP_OKAY, "the other guest's read: OK");
}

/* Requests at a slow disk when the frontend goes: the file closes, the
 * engine answers them, then lets go of the ring. */
static void test_teardown_held(struct xbt *t, struct sfront *g)
{
	struct xenback_sim_blkif_stats st;
	unsigned int closed0 = (unsigned int)stats(t).closed;

	xenback_sim_blkif_hold(t->sim, true);
	sfront_queue_rw(g, 0, BLKIF_OP_READ, 0, 2, 8, 7);
	sfront_queue_rw(g, 0, BLKIF_OP_WRITE, 16, 1, 8, 8);
	sfront_push(g, 0);
	xbt_settle(t);
	tap_eq(stats(t).held, 2, "two requests held by the engine");
	tap_ok(!RING_HAS_UNCONSUMED_RESPONSES(&g->q[0].ring), "not answered yet");
	sfront_detach(g, "qdisk");
	st = stats(t);
	tap_ok(st.open_files == 0 && st.closed == closed0 + 1 && st.held == 0,
	       "the device went: its file closed (%u open, %u held)", st.open_files, st.held);
	tap_eq(g->q[0].ring.sring->rsp_prod - g->q[0].ring.rsp_cons, 2,
	       "the engine answered both before it let go of the ring");
	tap_eq(xenback_sim_ports_bound(t->sim), 0, "no port left bound");
	xenback_sim_blkif_hold(t->sim, false);
}

/* Four queues (a guest with four vCPUs): every queue goes to the engine,
 * each with an equal share of the disk's persistent-grant budget. */
static void test_four_queues(struct xbt *t, const char *img)
{
	struct sfront f;
	struct xenback_sim_blkif_stats st0 = stats(t), st;
	int16_t s[1];

	tap_eq(sfront_attach(&f, t, 56, 51712, img, "w", 4, 0), XENBACK_STATE_CONNECTED,
	       "a persistent frontend with 4 queues: Connected");
	st = stats(t);
	tap_ok(st.opened - st0.opened == 4 && st.last_max_grants * 4 <= 2048 &&
		       st.last_max_grants >= BLK_MAX_INDIRECT_SEGS + 1,
	       "all four queues handed to the engine, each with a share of the disk's 2048 (%u)",
	       st.last_max_grants);
	sfront_fill(&f, 0, 1, 8);
	sfront_queue_rw(&f, 3, BLKIF_OP_WRITE, 0, 1, 8, 1);
	tap_ok(sfront_run(&f, 3, 1, s, NULL) == 1 && s[0] == BLKIF_RSP_OKAY, "a write on queue 3: OK");
	sfront_detach(&f, "qdisk");
}

/* Rings kept in the daemon: the engine is never asked. */
static void test_not_engine(struct xbt *t, const char *img)
{
	struct sfront f;
	uint64_t opened = stats(t).opened;

	setenv("XENBACK_BLK_RING", "0", 1);
	tap_eq(sfront_attach(&f, t, 53, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "XENBACK_BLK_RING=0: Connected");
	tap_eq(stats(t).opened, opened, "the engine was not asked");
	sfront_fill(&f, 0, 2, 3);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 64, 2, 8, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "its write is served by the daemon: OK");
	sfront_detach(&f, "qdisk");
	unsetenv("XENBACK_BLK_RING");

	sfront_persistent = false;
	tap_eq(sfront_attach(&f, t, 54, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "a frontend without persistent grants: Connected");
	tap_eq(stats(t).opened, opened, "the engine was not asked");
	sfront_detach(&f, "qdisk");
	sfront_persistent = true;
}

/* A bus on t->sim with the state directory dir (handover, journal). */
static void bus_up(struct xbt *t, const char *dir)
{
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR, .log = logfn, .retry_delay_ms = 1 };

	if (xenback_bus_new(xenback_sim_platform(t->sim), &cfg, &t->bus) ||
	    xenback_backend_register(t->bus, &xenback_blk_qdisk_info) ||
	    xenback_bus_set_state_dir(t->bus, dir) || xenback_bus_start(t->bus)) {
		printf("Bail out! cannot set up a bus with a state directory\n");
		exit(1);
	}
	xbt_settle(t);
}

/* Responses the frontend has not taken on queue 0, taken: how many, and
 * whether each was OKAY. */
static unsigned int take_all(struct sfront *f, bool *all_ok)
{
	blkif_front_ring_t *ring = &f->q[0].ring;
	unsigned int n = 0;

	*all_ok = true;
	while (ring->rsp_cons != ring->sring->rsp_prod) {
		*all_ok &= RING_GET_RESPONSE(ring, ring->rsp_cons)->status == BLKIF_RSP_OKAY;
		ring->rsp_cons++;
		n++;
	}
	return n;
}

/* The daemon handed over (xenback_bus_detach) with requests at the
 * engine: they are answered; requests pushed while no process serves the
 * ring are served by the next one's engine, opened with RESUME; after a
 * process that serves the ring itself (XENBACK_BLK_RING=0, the journal
 * says the module served it) takes over at rsp_prod, the same. */
static void test_reattach(const char *img)
{
	char dir[64] = "/tmp/xenback-blkif-state-XXXXXX";
	struct sfront f;
	struct xbt t;
	bool ok;
	unsigned int n;

	if (!mkdtemp(dir)) {
		printf("Bail out! no state directory\n");
		exit(1);
	}
	memset(&t, 0, sizeof(t));
	t.sim = xenback_sim_new();
	xenback_sim_blkif(t.sim, true);
	bus_up(&t, dir);
	tap_eq(sfront_attach(&f, &t, 60, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "with a state directory: Connected, served by the engine");
	xenback_sim_blkif_hold(t.sim, true);
	sfront_fill(&f, 0, 4, 21);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 0, 2, 8, 1);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 16, 2, 8, 2);
	sfront_push(&f, 0);
	xbt_settle(&t);
	tap_eq(stats(&t).held, 2, "two writes held at the engine");
	xenback_bus_detach(t.bus);
	t.bus = NULL;
	xenback_sim_blkif_hold(t.sim, false);
	n = take_all(&f, &ok);
	tap_ok(n == 2 && ok, "the process handed over: the engine answered both (%u)", n);
	tap_eq(xenback_sim_ports_bound(t.sim), 0, "and let go of the ring");
	sfront_fill(&f, 8, 2, 22);
	{
		blkif_request_t req = { .operation = BLKIF_OP_WRITE, .nr_segments = 2, .id = 3,
					.sector_number = 64 };

		req.seg[0] = (struct blkif_request_segment){ f.data_ref[8], 0, 7 };
		req.seg[1] = (struct blkif_request_segment){ f.data_ref[9], 0, 7 };
		sfront_queue_raw(&f, 0, &req);
	}
	sfront_push(&f, 0);
	bus_up(&t, dir);
	n = take_all(&f, &ok);
	tap_ok(n == 1 && ok && (stats(&t).last_flags & XENBACK_BLKIF_RESUME) &&
		       xbt_be_state(&t, "qdisk", 60, 51712) == XENBACK_STATE_CONNECTED,
	       "the next process's engine resumed the ring (RESUME) and served the write pushed "
	       "in between (%u answered)", n);
	tap_ok(sfront_file_matches(img, 0, 2 * 4096, 21) && sfront_file_matches(img, 64 * 512, 2 * 4096, 22),
	       "the image holds the three writes");
	xenback_bus_detach(t.bus);
	t.bus = NULL;
	setenv("XENBACK_BLK_RING", "0", 1);
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 64, 2, 8, 4);
	sfront_push(&f, 0);
	bus_up(&t, dir);
	tap_ok(sfront_run(&f, 0, 1, NULL, NULL) == 1 && sfront_check(&f, 0, 2, 22) &&
		       xbt_be_state(&t, "qdisk", 60, 51712) == XENBACK_STATE_CONNECTED,
	       "a process serving the ring itself took it over at rsp_prod: the read pushed in "
	       "between answered with the data");
	unsetenv("XENBACK_BLK_RING");
	sfront_detach(&f, "qdisk");
	xbt_rm(&t, "qdisk", 60, 51712);
	xbt_settle(&t);
	sfront_release(&f);
	xenback_bus_free(t.bus);
	xenback_sim_free(t.sim);
	unlink(xbt_path("%s/lock", dir));
	rmdir(dir);
}

/* A disk whose persistent-grant budget cannot hold one whole request for
 * the engine keeps its ring in the daemon (grant copies). */
static void test_small_budget(const char *img)
{
	struct xenback_blk_limits lim, old;
	struct xbt t;
	struct sfront f;

	xbt_init(&t, XENBACK_LOG_ERR);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	xenback_sim_blkif(t.sim, true);
	xenback_blk_get_limits(&old);
	lim = old;
	lim.device_persistent_grants = 64;
	tap_eq(xenback_blk_set_limits(&lim), 0, "persistent grants: 64 per disk");
	tap_eq(sfront_attach(&f, &t, 55, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "persistent grants budget 64 per disk: Connected");
	tap_eq(stats(&t).opened, 0, "the engine was not asked (it needs 257)");
	sfront_fill(&f, 0, 1, 4);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 8, 1, 8, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "its write is served by the daemon: OK");
	sfront_detach(&f, "qdisk");
	xenback_blk_set_limits(&old);
	xbt_fini(&t);
}

int main(void)
{
	struct xbt t;
	struct sfront f, g;
	char img[64] = "/tmp/xenback-blkif-XXXXXX", img2[64] = "/tmp/xenback-blkif2-XXXXXX";
	int fd;

	if (!sfront_image(img, 8 << 20) || !sfront_image(img2, 8 << 20))
		return printf("Bail out! no image\n"), 1;
	fd = open(img, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		unlink(img);
		unlink(img2);
		return printf("1..0 # SKIP /tmp has no O_DIRECT\n"), 0;
	}
	close(fd);
	setenv("XB_IMG2", img2, 1);
	{
		struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR, .log = logfn };

		xbt_init_cfg(&t, &cfg);
	}
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	xenback_sim_blkif(t.sim, true);
	sfront_persistent = true;
	test_connect(&t, &f, img);
	test_data(&t, &f, img);
	test_stop(&t, &f, &g);
	test_teardown_held(&t, &g);
	test_four_queues(&t, img);
	test_not_engine(&t, img);
	xbt_fini(&t);
	test_small_budget(img);
	test_reattach(img);
	unlink(img);
	unlink(img2);
	return tap_done();
}
