/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A connect() that fails half way must give back all it took: the library
 * calls the type's disconnect() after a failed connect(). The real block
 * backend, a frontend with 2 queues whose queue-1/ring-ref is missing
 * (queue 0 is mapped, bound and io_uring set up before queue 1 fails),
 * attached and removed 20 times: fds, mapped grants and bound ports back
 * at the baseline each time; ASan/LSan check the memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"

#define CYCLES 20

int main(void)
{
	struct xbt t;
	struct sfront f, g;
	char img[64] = "/tmp/xenback-leak-XXXXXX";
	unsigned int i, grants, ports, bad_fds = 0, bad_maps = 0, failed = 0;
	int fds;

	sfront_bus_init(&t, img, XENBACK_LOG_ERR - 1);
	tap_eq(sfront_attach(&g, &t, 41, 51712, img, "w", 1, 0), XENBACK_STATE_CONNECTED,
	       "a bystander disk is Connected");
	grants = xenback_sim_grants_mapped(t.sim);
	ports = xenback_sim_ports_bound(t.sim);
	fds = fd_count();
	sfront_omit = "queue-1/ring-ref";
	for (i = 0; i < CYCLES; i++) {
		long st = sfront_attach(&f, &t, 40, 51712, img, "w", 2, 0);

		failed += st != XENBACK_STATE_CONNECTED;
		sfront_release(&f);
		xbt_rm(&t, "qdisk", 40, 51712);
		xenback_sim_rm(t.sim, "/local/domain/40/device/qdisk/51712");
		xbt_settle(&t);
		bad_fds += fd_count() != fds;
		bad_maps += xenback_sim_grants_mapped(t.sim) != grants ||
			    xenback_sim_ports_bound(t.sim) != ports;
		if (i == 0)
			tap_diag("after one failed connect: %d fds (baseline %d), %u grants "
				 "(%u), %u ports (%u)", fd_count(), fds,
				 xenback_sim_grants_mapped(t.sim), grants,
				 xenback_sim_ports_bound(t.sim), ports);
	}
	sfront_omit = NULL;
	tap_eq(failed, CYCLES, "every connect without queue-1/ring-ref failed");
	tap_eq(bad_fds, 0, "open fds back at the baseline after every failed connect");
	tap_eq(bad_maps, 0, "mapped grants and bound ports back at the baseline every time");
	tap_eq(xbt_be_state(&t, "qdisk", 41, 51712), XENBACK_STATE_CONNECTED,
	       "the bystander is still Connected");
	sfront_release(&g);
	xbt_fini(&t);
	unlink(img);
	return tap_done();
}
