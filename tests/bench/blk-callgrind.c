/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Instruction counts of the block backend's data path (the unit tier's
 * simulated platform and blkfront: tests/unit/helpers), for
 * `make bench-blk-callgrind`: under valgrind --tool=callgrind with
 * --instr-atstart=no, only the measured rounds are counted (client
 * requests), so the figure per request is repeatable, unlike timings.
 *   blk-callgrind <mode> <rounds>   mode: randread randwrite seqread seqwrite
 * Each round: 32 requests of 4 KiB at random sectors (rand*), or 8 indirect
 * requests of 1 MiB (seq*), pushed at once; the frontend offers
 * feature-persistent when XB_PERSISTENT=1 (Linux blkfront's default).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "randread";
	int rounds = argc > 2 ? atoi(argv[2]) : 50, i, k, per;
	bool seq = !strncmp(mode, "seq", 3), wr = strstr(mode, "write") != NULL;
	uint8_t op = wr ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	char img[] = "/tmp/xenback-cg-XXXXXX";
	int16_t st[64];
	struct sfront f;
	struct xbt t;
	struct timespec t0, t1;
	unsigned int got, bad = 0;
	int fd = mkstemp(img);

	if (fd < 0 || ftruncate(fd, 64u << 20) < 0)
		return 1;
	close(fd);
	sfront_persistent = getenv("XB_PERSISTENT") && atoi(getenv("XB_PERSISTENT"));
	xbt_init(&t, getenv("XB_DEBUG") ? XENBACK_LOG_DEBUG : XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	if (sfront_attach(&f, &t, 21, 51712, img, "w", 1, getenv("XB_ORDER") ? (unsigned)atoi(getenv("XB_ORDER")) : 4) != XENBACK_STATE_CONNECTED)
		return printf("not connected\n"), 1;
	srandom(1);
	per = seq ? 1 : 32;
	/* one warm-up round outside the count (persistent grants get mapped) */
	for (i = -1; i < rounds; i++) {
		if (i == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			CALLGRIND_START_INSTRUMENTATION;
		}
		for (k = 0; k < per; k++) {
			if (seq)
				sfront_queue_indirect(&f, 0, op, (uint64_t)(i + 1) % 32 * 2048, 256, (uint64_t)k);
			else
				sfront_queue_rw(&f, 0, op, (uint64_t)(random() % 16384) * 8, 1, 8,
						(uint64_t)k);
		}
		got = sfront_run(&f, 0, (unsigned int)per, st, NULL);
		if (getenv("XB_DEBUG") && got) fprintf(stderr, "round %d got %u st %d\n", i, got, st[0]);
		for (k = 0; k < (int)got; k++)
			bad += st[k] != BLKIF_RSP_OKAY;
		bad += (unsigned int)per - got;
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %s: %d requests, %u failed, %.1f us per request (wall, not under valgrind only)\n",
	       mode, rounds * per, bad,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / (rounds * per));
	xbt_fini(&t);
	unlink(img);
	return bad != 0;
}
