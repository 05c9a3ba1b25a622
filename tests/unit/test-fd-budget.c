/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon-wide fd budget (issue 10): with fewer than 64 fds left under
 * RLIMIT_NOFILE a new device is refused at create(), with its reason
 * logged and shown (-EMFILE), instead of failing with EMFILE halfway
 * through a connect; the device already serving goes on; the refused node,
 * written anew once fds are back, is created and connects. */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"

static void set_nofile(rlim_t soft)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rl.rlim_cur = soft;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		tap_diag("setrlimit(RLIMIT_NOFILE, %lu): failed", (unsigned long)soft);
}

int main(void)
{
	char img[64] = "/tmp/xenback-fdb-XXXXXX", img2[64] = "/tmp/xenback-fdb2-XXXXXX";
	struct rlimit rl0;
	struct sfront f, g;
	struct xbt t;
	int fds;

	if (!sfront_image(img, 1 << 20) || !sfront_image(img2, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	getrlimit(RLIMIT_NOFILE, &rl0);
	sfront_bus(&t, XENBACK_LOG_ERR);
	sfront_persistent = false;
	set_nofile((rlim_t)fd_count() + 200);
	tap_eq(sfront_attach(&f, &t, 51, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "with 200 fds to spare: a disk is created and Connected");
	fds = fd_count();
	set_nofile((rlim_t)fds + 40);
	tap_diag("RLIMIT_NOFILE lowered to %d (%d open): 40 fds left", fds + 40, fds);
	sfront_attach(&g, &t, 52, 51712, img2, "w", 1, 0);
	tap_eq(xbt_error(&t, "qdisk", 52, 51712), -EMFILE,
	       "a second disk with 40 fds left is refused at create (-EMFILE)");
	tap_ok(xbt_be_state(&t, "qdisk", 52, 51712) != XENBACK_STATE_CONNECTED &&
		       xbt_be_state(&t, "qdisk", 52, 51712) != XENBACK_STATE_INITWAIT,
	       "... it never offered InitWait (state %ld)", xbt_be_state(&t, "qdisk", 52, 51712));
	tap_eq(fd_count(), fds, "... and took no fd (%d open)", fds);
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 0, 1, 8, 1);
	tap_eq(sfront_status(&f), BLKIF_RSP_OKAY, "the first disk still answers a read");
	sfront_release(&g);
	set_nofile((rlim_t)fds + 200);
	xbt_rm(&t, "qdisk", 52, 51712);
	xbt_settle(&t);
	tap_eq(sfront_attach(&g, &t, 52, 51712, img2, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "fds back, its node written anew: the second disk is created and Connected");
	sfront_queue_rw(&g, 0, BLKIF_OP_READ, 0, 1, 8, 2);
	tap_eq(sfront_status(&g), BLKIF_RSP_OKAY, "and answers a read");
	sfront_release(&f);
	sfront_release(&g);
	xbt_fini(&t);
	setrlimit(RLIMIT_NOFILE, &rl0);
	unlink(img);
	unlink(img2);
	return tap_done();
}
