/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent grants: pages are mapped once and reused; I/O goes straight
 * between the image and guest pages; past the cache bound, grant copy. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

/* 11 pages written and read back: mapped once, reused. Returns the
 * mappings before the first request. */
static unsigned int test_reuse(struct xbt *t, struct sfront *f, const char *img)
{
	unsigned int maps0, maps1, i;
	int16_t st[4];

	maps0 = xenback_sim_grants_mapped(t->sim);
	sfront_fill(f, 0, 11, 3);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 0, 11, 8, 1);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == 0, "write through persistent grants: OK");
	maps1 = xenback_sim_grants_mapped(t->sim);
	tap_eq(maps1 - maps0, 11, "11 pages mapped once");
	for (i = 0; i < 11; i++)
		memset(f->data[i], 0, 4096);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 11, 8, 2);
	tap_ok(sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == 0 && sfront_check(f, 0, 11, 3),
	       "read back into the same pages: the data");
	tap_eq(xenback_sim_grants_mapped(t->sim), maps1, "no new mapping for reused pages");
	tap_ok(sfront_file_matches(img, 0, 11 * 4096, 3), "the image holds the data");
	return maps0;
}

/* Beyond the per-queue bound: the least recently used unused mappings are
 * purged in batches (at most BLK_PGRANT_PURGE once per
 * BLK_RING_ROUND_BUDGET requests), or fresh pages fall back to grant copy;
 * never more mappings than the bound. */
static void test_bound(struct xbt *t, struct sfront *f, unsigned int maps0)
{
	unsigned int i, ok = 0;
	int16_t st[4];

	for (i = 0; i < BLK_MAX_PGRANTS + 40; i++) {
		blkif_request_t req = { .operation = BLKIF_OP_READ, .nr_segments = 1, .id = i,
					.sector_number = 0 };
		void *page;
		uint32_t ref;

		xenback_sim_grant_page(t->sim, 51, 0, &page, &ref);
		req.seg[0] = (struct blkif_request_segment){ ref, 0, 7 };
		sfront_queue_raw(f, 0, &req);
		if (sfront_run(f, 0, 1, st, NULL) == 1 && st[0] == 0 &&
		    ((uint32_t *)page)[5] == sfront_word(3, 5))
			ok++;
	}
	tap_eq(ok, BLK_MAX_PGRANTS + 40, "1096 reads into fresh pages all return the data");
	i = xenback_sim_grants_mapped(t->sim) - maps0;
	tap_ok(i <= BLK_MAX_PGRANTS && i + BLK_PGRANT_PURGE >= BLK_MAX_PGRANTS,
	       "mappings capped at %u per queue, old ones purged in batches of at most %u (%u now)",
	       BLK_MAX_PGRANTS, BLK_PGRANT_PURGE, i);
}

int main(void)
{
	struct xbt t;
	struct sfront f;
	char img[64] = "/tmp/xenback-pers-XXXXXX";
	unsigned int maps0;
	char *v;
	int fd;

	/* Persistent mappings are this test's subject: I/O straight into
	 * them on an O_DIRECT image too (off by default, blk_connect.c). */
	setenv("XENBACK_BLK_DIRECT_MAPPED", "1", 1);

	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, 8 << 20) < 0)
		return printf("Bail out! no image\n"), 1;
	close(fd);
	xbt_init(&t, XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	sfront_persistent = true;
	tap_eq(sfront_attach(&f, &t, 51, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "persistent frontend Connected");
	v = xenback_sim_read(t.sim, "/local/domain/0/backend/qdisk/51/51712/feature-persistent");
	tap_ok(v && !strcmp(v, "1"), "backend offers feature-persistent");
	free(v);
	maps0 = test_reuse(&t, &f, img);
	test_bound(&t, &f, maps0);
	xbt_offline(&t, "qdisk", 51, 51712);
	xbt_fe_set_state(&t, "qdisk", 51, 51712, XENBACK_STATE_CLOSED);
	xbt_settle(&t);
	tap_eq(xenback_sim_grants_mapped(t.sim), 1, "disconnect unmapped every persistent grant (frontend view left)");
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
