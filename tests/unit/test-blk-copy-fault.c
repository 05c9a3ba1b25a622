/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Grant copies that fail (issue 10, item 6): a copy that fails as a whole
 * (-ENOMEM, -EFAULT: no segment status written) answers its requests
 * BLKIF_RSP_ERROR: a read gets no OKAY without its data, a write commits
 * no stale bytes; a failed indirect-descriptor fetch is an error; one
 * failed segment fails its request alone. No fd is leaked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

static void test_write(struct xbt *t, struct sfront *f, const char *img)
{
	sfront_fill(f, 0, 2, 1);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 0, 2, 8, 1);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "write of 2 pages (seed 1): OKAY");
	sfront_fill(f, 0, 2, 2);
	xenback_sim_fail_grant_copies(t->sim, 1, -ENOMEM);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 16, 2, 8, 2);
	tap_eq(sfront_status(f), BLKIF_RSP_ERROR,
	       "write whose data copy fails with -ENOMEM: ERROR");
	tap_ok(!sfront_file_matches(img, 16 * 512, 8192, 2) &&
		       !sfront_file_matches(img, 16 * 512, 8192, 1),
	       "... and neither its data nor the bounce buffer's stale bytes reached the image");
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 16, 2, 8, 3);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "the same write again: OKAY");
	tap_ok(sfront_file_matches(img, 16 * 512, 8192, 2), "... the data is on the image");
}

static void test_read(struct xbt *t, struct sfront *f)
{
	memset(f->data[0], 0, 4096);
	memset(f->data[1], 0, 4096);
	xenback_sim_fail_grant_copies(t->sim, 1, -EFAULT);
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 2, 8, 4);
	tap_eq(sfront_status(f), BLKIF_RSP_ERROR,
	       "read whose copy to the guest fails with -EFAULT: ERROR, not OKAY without data");
	sfront_queue_rw(f, 0, BLKIF_OP_READ, 0, 2, 8, 5);
	tap_ok(sfront_status(f) == BLKIF_RSP_OKAY && sfront_check(f, 0, 2, 1),
	       "the same read again: OKAY with the data");
}

static void test_indirect(struct xbt *t, struct sfront *f)
{
	int16_t st[2] = { 99, 99 };
	unsigned int n;

	sfront_queue_indirect(f, 0, BLKIF_OP_READ, 0, 4, 6);
	tap_eq(sfront_status(f), BLKIF_RSP_OKAY, "indirect read of 4 pages: OKAY");
	/* The descriptor page is fetched with the first copy of the round. */
	xenback_sim_fail_grant_copies(t->sim, 1, -ENOMEM);
	sfront_queue_indirect(f, 0, BLKIF_OP_READ, 0, 4, 7);
	tap_eq(sfront_status(f), BLKIF_RSP_ERROR,
	       "indirect read whose descriptor fetch fails as a whole: ERROR");
	sfront_queue_indirect(f, 0, BLKIF_OP_WRITE, 0, 4, 8);
	sfront_queue_indirect(f, 0, BLKIF_OP_WRITE, 0, 4, 9);
	xenback_sim_fail_grant_copies(t->sim, 1, -ENOMEM);
	n = sfront_run(f, 0, 2, st, NULL);
	tap_ok(n == 2 && st[0] == BLKIF_RSP_ERROR && st[1] == BLKIF_RSP_ERROR,
	       "two indirect writes, one fetch for both fails: both ERROR");
}

/* Two writes taken in one round share one grant copy: segment 2 (the
 * first of one of them) fails; that request alone is an error, the
 * other's data is on the image. */
static void test_segment(struct xbt *t, struct sfront *f, const char *img)
{
	int16_t st[2] = { 99, 99 };
	uint64_t ids[2] = { 0, 0 };
	unsigned int n;
	bool ok10, ok11;

	sfront_fill(f, 0, 2, 5);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 64, 2, 8, 10);
	sfront_queue_rw(f, 0, BLKIF_OP_WRITE, 96, 2, 8, 11);
	xenback_sim_fail_grant_copy_segment(t->sim, 2, -1);
	n = sfront_run(f, 0, 2, st, ids);
	tap_eq(n, 2, "two writes answered");
	ok10 = (ids[0] == 10 ? st[0] : st[1]) == BLKIF_RSP_OKAY;
	ok11 = (ids[0] == 11 ? st[0] : st[1]) == BLKIF_RSP_OKAY;
	tap_ok(ok10 != ok11 && (st[0] == BLKIF_RSP_ERROR || st[1] == BLKIF_RSP_ERROR),
	       "one failed segment fails its request alone (the other OKAY)");
	tap_ok(sfront_file_matches(img, 64 * 512, 8192, 5) == ok10 &&
		       sfront_file_matches(img, 96 * 512, 8192, 5) == ok11,
	       "... the OKAY one's data is on the image, the failed one's is not");
}

int main(void)
{
	char img[64] = "/tmp/xenback-cpf-XXXXXX";
	struct sfront f;
	struct xbt t;
	int fds0;

	if (!sfront_image(img, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	tap_eq(sfront_attach(&f, &t, 41, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "disk Connected");
	fds0 = fd_count();
	test_write(&t, &f, img);
	test_read(&t, &f);
	test_indirect(&t, &f);
	test_segment(&t, &f, img);
	tap_eq(fd_count(), fds0, "no fd gained or lost (%d)", fds0);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
