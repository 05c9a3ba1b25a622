/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Grants revoked with requests in flight (issue 10): a frontend fills every
 * slot of its ring with 1 MiB indirect requests, then ends the grants of
 * all their data pages while the backend has taken them (inside the
 * backend's first grant copy: the descriptor fetch, before any I/O). Every
 * request is answered, none OKAY (a read cannot have its data, a write
 * commits nothing); nothing stays in flight or accounted; no fd, grant
 * mapping or memory is gained; another guest's disk is not affected; the
 * device itself serves again once the frontend grants pages anew. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"

#define NSEG 256

struct revoke {
	struct sfront *f;
	unsigned int ended, busy, other;
};

/* Inside the backend's grant copy: the frontend ends every data grant. */
static void revoke_all(void *arg)
{
	struct revoke *rv = arg;
	unsigned int i;

	for (i = 0; i < NSEG; i++) {
		int r = xenback_sim_grant_end(rv->f->t->sim, rv->f->domid, rv->f->data_ref[i]);

		if (r == 0)
			rv->ended++;
		else if (r == -EBUSY)
			rv->busy++;
		else
			rv->other++;
	}
}

/* The frontend grants fresh data pages (its old views went with the ended
 * grants). */
static void regrant(struct sfront *f)
{
	unsigned int i;

	for (i = 0; i < NSEG; i++)
		xenback_sim_grant_page(f->t->sim, f->domid, 0, &f->data[i], &f->data_ref[i]);
}

/* Every slot of queue 0 with a 1 MiB indirect op, grants ended at the
 * backend's first copy; returns the number of OKAY answers (*answered:
 * how many came). */
static unsigned int round_revoked(struct sfront *f, uint8_t op, unsigned int *answered,
				  unsigned int *nreq, struct revoke *rv)
{
	unsigned int i, n = RING_SIZE(&f->q[0].ring), okay = 0;
	int16_t st[64];

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		sfront_queue_indirect(f, 0, op, (uint64_t)(i % 4) * (NSEG * 8u), NSEG, 100 + i);
	memset(rv, 0, sizeof(*rv));
	rv->f = f;
	xenback_sim_on_grant_copy(f->t->sim, revoke_all, rv);
	*answered = sfront_run(f, 0, n, st, NULL);
	for (i = 0; i < *answered && i < n; i++)
		okay += st[i] == BLKIF_RSP_OKAY;
	*nreq = n;
	return okay;
}

int main(void)
{
	char img[64] = "/tmp/xenback-revoke-XXXXXX", img2[64] = "/tmp/xenback-revoke2-XXXXXX";
	unsigned int answered, n, okay, i, mapped0;
	uint64_t mem0;
	struct revoke rv;
	struct sfront f, g;
	struct xbt t;
	bool clean = true;
	int fds0;

	if (!sfront_image(img, 4 << 20) || !sfront_image(img2, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	tap_eq(sfront_attach(&f, &t, 61, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "the revoking guest's disk Connected");
	tap_eq(sfront_attach(&g, &t, 62, 51712, img2, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "another guest's disk Connected");
	sfront_queue_indirect(&f, 0, BLKIF_OP_READ, 0, NSEG, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "a 1 MiB indirect read before: OKAY");
	fds0 = fd_count();
	mapped0 = xenback_sim_grants_mapped(t.sim);
	mem0 = xenback_bus_usage(t.bus, XENBACK_USAGE_MEM);

	okay = round_revoked(&f, BLKIF_OP_READ, &answered, &n, &rv);
	tap_eq(rv.ended, NSEG, "the frontend ended all %u data grants mid-request (busy %u, other %u)",
	       NSEG, rv.busy, rv.other);
	tap_eq(answered, n, "%u 1 MiB reads in every slot, grants revoked in flight: all answered", n);
	tap_eq(okay, 0, "none answered OKAY (no read has its data)");
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_REQUESTS), 0, "nothing left in flight");

	regrant(&f);
	sfront_fill(&f, 0, NSEG, 7);
	okay = round_revoked(&f, BLKIF_OP_WRITE, &answered, &n, &rv);
	tap_ok(answered == n && okay == 0 && rv.ended == NSEG,
	       "%u 1 MiB writes, grants revoked in flight: %u answered, %u OKAY", n, answered, okay);
	for (i = 0; i < 4; i++)
		clean &= !sfront_file_matches(img, (uint64_t)i * NSEG * 4096, 4096, 7);
	tap_ok(clean, "no write's data reached the image");

	tap_eq(fd_count(), fds0, "no fd gained (%d)", fds0);
	tap_eq(xenback_sim_grants_mapped(t.sim), mapped0, "no grant mapping left (%u: the rings)", mapped0);
	tap_ok(xenback_bus_usage(t.bus, XENBACK_USAGE_MEM) <= mem0,
	       "no memory kept (%llu bytes accounted, %llu before)",
	       (unsigned long long)xenback_bus_usage(t.bus, XENBACK_USAGE_MEM), (unsigned long long)mem0);
	tap_eq(xenback_bus_usage(t.bus, XENBACK_USAGE_REQUESTS), 0, "nothing left in flight");

	sfront_fill(&g, 0, 2, 9);
	sfront_queue_rw(&g, 0, BLKIF_OP_WRITE, 0, 2, 8, 1);
	tap_eq(sfront_status(&g), BLKIF_RSP_OKAY, "the other guest's write: OKAY");
	memset(g.data[0], 0, 4096);
	memset(g.data[1], 0, 4096);
	sfront_queue_rw(&g, 0, BLKIF_OP_READ, 0, 2, 8, 2);
	tap_ok(sfront_status(&g) == BLKIF_RSP_OKAY && sfront_check(&g, 0, 2, 9),
	       "... and its read back: OKAY with its data");

	regrant(&f);
	sfront_fill(&f, 0, 1, 11);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 8, 1, 8, 3);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY,
	       "the revoking guest, with pages granted anew: a write OKAY (its device serves on)");
	tap_ok(sfront_file_matches(img, 8 * 512, 4096, 11), "... and its data is on the image");
	sfront_release(&f);
	sfront_release(&g);
	xbt_fini(&t);
	unlink(img);
	unlink(img2);
	return tap_done();
}
