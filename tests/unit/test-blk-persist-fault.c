/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent mappings (issue 10, item 2): a persistent map that fails
 * (-ENOMEM as at vm.max_map_count, or any error) falls back to grant copy
 * for that request instead of answering BLKIF_RSP_ERROR; the per-device
 * and daemon-wide caps hold, and past them requests use grant copy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static void test_map_fails(struct xbt *t, struct sfront *f)
{
	unsigned int maps0 = xenback_sim_grants_mapped(t->sim);

	sfront_fill(f, 0, 4, 9);
	xenback_sim_fail_grant_maps(t->sim, 1, -ENOMEM);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 0, 4, 8, 1);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY,
	       "write whose persistent map fails (-ENOMEM): OKAY through grant copy");
	memset(f->data[0], 0, 4096);
	memset(f->data[1], 0, 4096);
	memset(f->data[2], 0, 4096);
	memset(f->data[3], 0, 4096);
	xenback_sim_fail_grant_maps(t->sim, 1, -EFAULT);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 4, 8, 2);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "read whose persistent map fails (-EFAULT): OKAY");
	tap_ok(sfront_check(f, 0, 4, 9), "... with the data written before");
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 4, 8, 3);
	tap_ok(sfront_status(f) == BLKIF_RSP_OKAY && xenback_sim_grants_mapped(t->sim) > maps0,
	       "once maps work again, the pages are mapped persistently");
}

/* Fresh pages, one read each, until more than the caps allow. */
static unsigned int fresh_reads(struct xbt *t, struct sfront *f, unsigned int n)
{
	unsigned int i, ok = 0;

	for (i = 0; i < n; i++) {
		blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = i };
		int16_t st = 99;
		void *page;
		uint32_t ref;

		xenback_sim_grant_page(t->sim, f->domid, 0, &page, &ref);
		req.seg[0] = (struct blkif_request_segment){ ref, 0, 7 };
		sfront_queue_raw(f, 0, &req);
		if (sfront_run(f, 0, 1, &st, NULL) == 1 && st == 0 &&
		    ((uint32_t *)page)[5] == sfront_word(9, 5))
			ok++;
	}
	return ok;
}

/* base: mappings before any persistent one (the rings). */
static void test_caps(struct xbt *t, struct sfront *f, struct sfront *g, unsigned int base)
{
	struct xenback_blk_limits lim, old;

	xenback_blk_get_limits(&old);
	lim = old;
	lim.device_persistent_grants = 8;
	lim.persistent_grants = 12;
	tap_eq(xenback_blk_set_limits(&lim), 0, "caps lowered: 8 mappings a device, 12 in all");
	tap_eq(fresh_reads(t, f, 20), 20, "disk 1: 20 reads into fresh pages, all with their data");
	tap_eq(xenback_sim_grants_mapped(t->sim) - base, 8,
	       "... it mapped up to its cap of 8, no more");
	tap_eq(fresh_reads(t, g, 20), 20, "disk 2: 20 reads into fresh pages, all with their data");
	tap_eq(xenback_sim_grants_mapped(t->sim) - base, 12,
	       "... it mapped the 4 the daemon-wide cap of 12 left, no more");
	lim.device_persistent_grants = 13;
	tap_ok(xenback_blk_set_limits(&lim) < 0,
	       "a device cap above the daemon-wide one is refused");
	xenback_blk_set_limits(&old);
}

int main(void)
{
	char img[64] = "/tmp/xenback-pmf-XXXXXX";
	struct sfront f, g;
	struct xbt t;
	unsigned int base;
	int fds0;

	/* Persistent mappings are this test's subject: I/O straight into
	 * them on an O_DIRECT image too (off by default, blk_connect.c). */
	setenv("XENBACK_BLK_DIRECT_MAPPED", "1", 1);

	if (!sfront_image(img, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = true;
	tap_eq(sfront_attach(&f, &t, 71, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "disk 1 Connected");
	tap_eq(sfront_attach(&g, &t, 72, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "disk 2 Connected");
	fds0 = fd_count();
	base = xenback_sim_grants_mapped(t.sim);
	test_map_fails(&t, &f);
	test_caps(&t, &f, &g, base);
	tap_eq(fd_count(), fds0, "no fd gained or lost");
	sfront_detach(&f, "qdisk");
	sfront_detach(&g, "qdisk");
	tap_eq(xenback_sim_grants_mapped(t.sim), 2,
	       "disconnect unmapped every persistent grant (the frontends' ring views left)");
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
