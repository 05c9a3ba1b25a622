/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU commit eb6ae7a682's rule: a device whose create() fails is
 * kept and never re-created while its node exists, however often watches
 * fire; removing and re-adding its node gives exactly one new attempt. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "helpers/simbus.h"

#define K 5
#define M 2000

int main(void)
{
	static const char *const failing[] = { "fail=1", NULL };
	struct xbt t;
	unsigned int i, creates;
	bool all = true;

	xbt_init(&t, XENBACK_LOG_NOTICE - 1);
	for (i = 0; i < K; i++)
		xbt_add(&t, "vtest", 1, 51712 + i, failing);
	xbt_add(&t, "vtest", 2, 51712, NULL); /* one good device beside them */
	xbt_settle(&t);
	tap_eq(vtest.create, K + 1, "K failing + 1 good device: K+1 create calls");
	for (i = 0; i < K; i++)
		all &= xbt_exists(&t, "vtest", 1, 51712 + i);
	tap_ok(all, "exists() reports every failed device");
	tap_eq(xbt_error(&t, "vtest", 1, 51712), -ENOENT, "the failure's errno is recorded");

	/* M unrelated watch events: other keys of the failed nodes, a new
	 * unrelated device's keys, and state/online rewrites. */
	for (i = 0; i < M; i++) {
		uint32_t dev = 51712 + i % K;

		xenback_sim_write(t.sim, xbt_path("/local/domain/0/backend/vtest/1/%u/params", dev), "x%u", i);
		if (i % 10 == 0)
			xenback_sim_write(t.sim, xbt_path("/local/domain/0/backend/vtest/1/%u/state", dev), "1");
		if (i % 10 == 5)
			xenback_sim_write(t.sim, xbt_path("/local/domain/0/backend/vtest/1/%u/online", dev), "1");
		if (i % 100 == 0)
			xbt_settle(&t);
	}
	xbt_settle(&t);
	tap_ok(xenback_sim_watch_events(t.sim) >= M, "at least M watch events delivered (%llu)",
	       (unsigned long long)xenback_sim_watch_events(t.sim));
	tap_eq(vtest.create, K + 1, "after M events: still exactly K+1 create calls");
	tap_eq(xbt_be_state(&t, "vtest", 2, 51712), XENBACK_STATE_INITWAIT,
	       "the good device is in InitWait");

	/* Remove one failed node and add it again: exactly one new attempt. */
	creates = vtest.create;
	xbt_rm(&t, "vtest", 1, 51712);
	xbt_settle(&t);
	tap_ok(!xbt_exists(&t, "vtest", 1, 51712), "a removed node's record goes");
	xbt_add(&t, "vtest", 1, 51712, failing);
	xbt_settle(&t);
	for (i = 0; i < 50; i++)
		xenback_sim_write(t.sim, "/local/domain/0/backend/vtest/1/51712/state", "1");
	xbt_settle(&t);
	tap_eq(vtest.create, creates + 1, "re-added node: exactly one new attempt");
	tap_ok(xbt_exists(&t, "vtest", 1, 51712), "and it is recorded as failed again");
	tap_eq(xenback_bus_count(t.bus), K + 1, "registry holds K failed + 1 live");

	/* The toolstack takes a failed node offline (xl block-detach: online=0,
	 * Closing, then it waits for Closed before removing the node). */
	creates = vtest.create;
	xbt_offline(&t, "vtest", 1, 51713);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vtest", 1, 51713), XENBACK_STATE_CLOSED,
	       "a failed node taken offline is answered Closed (libxl can remove it)");
	tap_ok(xbt_exists(&t, "vtest", 1, 51713), "its record stays until the node goes");
	tap_eq(vtest.create, creates, "and it is not tried again");
	xbt_rm(&t, "vtest", 1, 51713);
	xbt_settle(&t);
	xbt_add(&t, "vtest", 1, 51713, failing);
	xbt_settle(&t);
	tap_eq(vtest.create, creates + 1, "removed and re-added: tried once");
	xbt_fini(&t);
	return tap_done();
}
