/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Grant I/O (blk_engine_grant_io.c) on the simulated platform's model of
 * xenback.ko's: an O_DIRECT image with a persistent frontend goes by it,
 * the process maps no data page, the data is right both ways, a bad grant
 * fails its request alone, completions that come later are answered from
 * the file's readiness, a teardown with I/O held leaves it to the module,
 * and XENBACK_BLK_GRANT_IO=0 turns it off. (The module itself, on real
 * Xen: tests/xen/progs/test-grant-io.c, dom0-30, dom0-37.) */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

static struct xenback_sim_grant_io_stats stats(struct xbt *t)
{
	struct xenback_sim_grant_io_stats st;

	xenback_sim_grant_io_stats(t->sim, &st);
	return st;
}

static void test_data(struct xbt *t, struct sfront *f, const char *img, unsigned int maps0)
{
	uint64_t req0 = stats(t).requests;
	unsigned int i;
	int16_t st[2];

	sfront_fill(f, 0, 11, 5);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 0, 11, 8, 1);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_OKAY,
	       "a write of 11 pages by grant I/O: OK");
	for (i = 0; i < 11; i++)
		memset(f->data[i], 0, 4096);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 11, 8, 2);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_OKAY &&
		       sfront_check(f, 0, 11, 5),
	       "read back into the same pages: the data");
	tap_eq(stats(t).requests - req0, 2, "both went to the module");
	tap_eq(xenback_sim_grants_mapped(t->sim), maps0, "the process mapped no data page");
	tap_ok(sfront_file_matches(img, 0, 11 * 4096, 5), "the image holds the data");
	/* a flush after them: io_uring's fdatasync, as without grant I/O */
	sfront_queue_rw(f, 0, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 8, 3);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "a flush after grant I/O writes: OK");
}

/* A segment whose grant does not exist: that request fails, the next works. */
static void test_bad_grant(struct xbt *t, struct sfront *f)
{
	blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = 9 };

	(void)t;
	req.seg[0] = (struct blkif_request_segment){ 0x7ffffff0u, 0, 7 };
	sfront_queue_raw(f, 0, &req);
	tap_eq(sfront_status(f), BLKIF_RSP_ERROR, "a read into a grant never given: error");
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 1, 8, 10);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "the next read works");
}

/* I/O that completes after its round: answered when the file says so. */
static void test_later(struct xbt *t, struct sfront *f)
{
	int16_t st[2];

	xenback_sim_grant_io_hold(t->sim, true);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 2, 8, 11);
	sfront_push(f, 0);
	xbt_settle(t);
	tap_ok(!RING_HAS_UNCONSUMED_RESPONSES(&f->q[0].ring) && stats(t).held == 1,
	       "a read at a slow disk: not answered yet (1 held)");
	xenback_sim_grant_io_hold(t->sim, false);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == BLKIF_RSP_OKAY,
	       "answered once it completes");
}

/* The frontend goes with a read held: the file is closed, the read left
 * to the module (dropped by the model, counted), nothing leaks. */
static void test_teardown(struct xbt *t, struct sfront *f)
{
	xenback_sim_grant_io_hold(t->sim, true);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 4, 8, 12);
	sfront_push(f, 0);
	xbt_settle(t);
	tap_eq(stats(t).held, 1, "a read held at teardown");
	sfront_detach(f, "qdisk");
	tap_ok(stats(t).open_files == 0 && stats(t).dropped == 1,
	       "the device went: its grant I/O file closed with the read in it (%u open, %llu dropped)",
	       stats(t).open_files, (unsigned long long)stats(t).dropped);
	xenback_sim_grant_io_hold(t->sim, false);
}

int main(void)
{
	struct xbt t;
	struct sfront f, g;
	char img[64] = "/tmp/xenback-gio-XXXXXX";
	unsigned int maps0;
	int fd;

	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, 8 << 20) < 0)
		return printf("Bail out! no image\n"), 1;
	close(fd);
	fd = open(img, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return printf("1..0 # SKIP /tmp has no O_DIRECT\n"), 0;
	close(fd);
	xbt_init(&t, XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	xenback_sim_grant_io(t.sim, true);
	sfront_persistent = true;
	tap_eq(sfront_attach(&f, &t, 51, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "persistent frontend Connected");
	tap_eq(stats(&t).open_files, 1, "its O_DIRECT image goes by grant I/O (one file open)");
	maps0 = xenback_sim_grants_mapped(t.sim);
	test_data(&t, &f, img, maps0);
	test_bad_grant(&t, &f);
	test_later(&t, &f);
	test_teardown(&t, &f);

	setenv("XENBACK_BLK_GRANT_IO", "0", 1);
	tap_eq(sfront_attach(&g, &t, 52, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "XENBACK_BLK_GRANT_IO=0: Connected");
	tap_eq(stats(&t).opened, 1, "and no grant I/O file opened for it");
	sfront_fill(&g, 0, 2, 7);
	sfront_queue_rw(&g, 0, BLKIF_OP_WRITE, 64, 2, 8, 1);
	tap_eq(sfront_status(&g), BLKIF_RSP_OKAY, "its write goes by grant copy: OK");
	sfront_detach(&g, "qdisk");
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
