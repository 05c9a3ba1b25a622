/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A request answered with an error leaves a log line naming the disk and
 * the reason, at most one a second per disk (a guest sending garbage in a
 * loop cannot flood the log); the next line counts what was not logged. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

static unsigned int lines, named;
static char last[512];

static void logfn(void *data, int level, const char *msg)
{
	(void)data;
	if (level > XENBACK_LOG_WARNING || !strstr(msg, "answered"))
		return;
	lines++;
	named += strstr(msg, "qdisk/31/51712") != NULL;
	snprintf(last, sizeof(last), "%s", msg);
}

static int16_t bad(struct sfront *f, uint8_t nseg, uint64_t sector, uint64_t id)
{
	blkif_request_t req;
	int16_t st = 99;

	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_READ;
	req.nr_segments = nseg;
	req.sector_number = sector;
	req.id = id;
	req.seg[0] = (struct blkif_request_segment){ f->data_ref[0], 0, 7 };
	sfront_queue_raw(f, 0, &req);
	if (sfront_run(f, 0, 1, &st, NULL) != 1)
		return 99;
	return st;
}

int main(void)
{
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_WARNING, .log = logfn };
	char img[64] = "/tmp/xenback-refuse-XXXXXX";
	struct sfront f;
	struct xbt t;
	unsigned int i, errors = 0;

	if (!sfront_image(img, 1 << 20))
		return printf("Bail out! no image\n"), 1;
	t.sim = xenback_sim_new();
	if (!t.sim || xenback_bus_new(xenback_sim_platform(t.sim), &cfg, &t.bus) ||
	    xenback_backend_register(t.bus, &xenback_blk_qdisk_info) || xenback_bus_start(t.bus))
		return printf("Bail out! no bus\n"), 1;
	tap_eq(sfront_attach(&f, &t, 31, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "disk Connected");
	tap_eq(bad(&f, 12, 0, 1), BLKIF_RSP_ERROR, "12 segments: ERROR");
	tap_eq(lines, 1, "one log line for it");
	tap_ok(named == 1, "naming the disk (qdisk/31/51712)");
	tap_ok(strstr(last, "more than 11 segments") != NULL, "and the reason: %s", last);
	for (i = 0; i < 200; i++)
		errors += bad(&f, 1, 1u << 30, 100 + i) == BLKIF_RSP_ERROR;
	tap_eq(errors, 200, "200 reads past the end: ERROR each");
	tap_eq(lines, 1, "no more lines within the second (rate limit)");
	usleep(1100 * 1000);
	tap_eq(bad(&f, 1, 1u << 30, 999), BLKIF_RSP_ERROR, "a second later, one more: ERROR");
	tap_eq(lines, 2, "... logged");
	tap_ok(strstr(last, "past the end") && strstr(last, "200 not logged"),
	       "with its reason and the count not logged: %s", last);
	xenback_bus_free(t.bus);
	xenback_sim_free(t.sim);
	unlink(img);
	return tap_done();
}
