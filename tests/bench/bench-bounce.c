/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cost of a 1 MiB bounce buffer per request: from the block backend's
 * pool (blk_pool.c: reused, already faulted in) against what it replaced,
 * a fresh mmap per request, written through (its page faults) and
 * munmap()ed when answered. Prints BENCH lines; never part of make check.
 * The pool needs a bus for its trim timer: one on the simulated platform.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "xenback.h"
#include "xenback/sim.h"
#include "userspace/backends/blk/blk.h"

#define ROUNDS 2000
#define INFLIGHT 8 /* requests of 1 MiB in flight at once */
#define MIB (1u << 20)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* What a read into the buffer costs the memory: every page written. */
static void fill(void *p)
{
	memset(p, 0x5a, MIB);
}

int main(void)
{
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR };
	struct xenback_sim *sim = xenback_sim_new();
	struct blk_pool_stats s;
	struct xenback_bus *bus;
	void *b[INFLIGHT];
	double t0, pool_us, mmap_us;
	unsigned int i, j;

	if (!sim || xenback_bus_new(xenback_sim_platform(sim), &cfg, &bus) || blk_pool_attach(bus)) {
		fprintf(stderr, "bench-bounce: no simulated bus\n");
		return 1;
	}
	t0 = now_us();
	for (i = 0; i < ROUNDS; i++) {
		for (j = 0; j < INFLIGHT; j++) {
			b[j] = blk_pool_get(MIB, 256u * MIB);
			fill(b[j]);
		}
		for (j = 0; j < INFLIGHT; j++)
			blk_pool_put(b[j], MIB);
	}
	pool_us = (now_us() - t0) / (ROUNDS * INFLIGHT);
	blk_pool_stats(&s);
	t0 = now_us();
	for (i = 0; i < ROUNDS; i++) {
		for (j = 0; j < INFLIGHT; j++) {
			b[j] = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (b[j] == MAP_FAILED)
				return 1;
			fill(b[j]);
		}
		for (j = 0; j < INFLIGHT; j++)
			munmap(b[j], MIB);
	}
	mmap_us = (now_us() - t0) / (ROUNDS * INFLIGHT);
	printf("BENCH bounce-1mib policy=pool requests=%u us_per_request=%.2f allocations=%llu\n",
	       ROUNDS * INFLIGHT, pool_us, (unsigned long long)s.allocs);
	printf("BENCH bounce-1mib policy=mmap requests=%u us_per_request=%.2f allocations=%u\n",
	       ROUNDS * INFLIGHT, mmap_us, ROUNDS * INFLIGHT);
	printf("BENCH bounce-1mib-ratio mmap_over_pool=%.1f\n", mmap_us / pool_us);
	blk_pool_detach(bus);
	xenback_bus_free(bus);
	xenback_sim_free(sim);
	return 0;
}
