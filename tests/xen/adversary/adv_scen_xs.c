/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scenarios on the handshake and the frontend's state node: layouts out of
 * range, state flapping and same-value rewrite floods, connect/vanish/
 * reconnect loops. Each ends by checking that the device can still be
 * brought back by a well-formed reconnect (blkback allows it). */
#include <stdio.h>
#include <string.h>

#include "adv.h"

/* A valid connect and one read; prints a point (or, when !assert, a
 * diagnostic: after a flood, shutting the device down for good is fair). */
static int reconnect_works(struct adv *a, const char *scen, bool assert)
{
	int s, st = ADV_NO_ANSWER;

	s = adv_reset(a, 10);
	if (s == XenbusStateInitWait && adv_connect(a, 1, 0) == 0) {
		if (!a->data && adv_data_share(a, 1) < 0)
			return 1;
		st = adv_rw1(a, BLKIF_OP_READ, 0, 0, 5);
	}
	printf("%s%s: afterwards a well-formed reconnect %s (backend state %d after the reset, read %d)\n",
	       !assert ? "# " : st == BLKIF_RSP_OKAY ? "ok - " : "not ok - ", scen,
	       st == BLKIF_RSP_OKAY ? "works" : "does not work", s, st);
	return assert && st != BLKIF_RSP_OKAY;
}

/* One bad layout: refused, then the frontend resets; returns the state
 * the backend offers after the reset (InitWait if it allows a reconnect). */
static int bad_layout(struct adv *a, const char *what, unsigned int queues, unsigned int order, int *bad)
{
	struct adv_layout l = { .queues = queues, .order = order, .force_keys = true };
	int s, r;

	adv_clear_keys(a);
	if (adv_rings_setup(a, &l) < 0) {
		*bad = 1;
		return -1;
	}
	s = adv_handshake(a, &l, 8);
	r = s == XenbusStateClosing || s == XenbusStateClosed;
	printf("%sok - ring-params: %s refused (backend state %d)\n", r ? "" : "not ", what, s);
	s = adv_reset(a, 6);
	printf("%sok - ring-params: after %s the backend offers InitWait again (state %d)\n",
	       s == XenbusStateInitWait ? "" : "not ", what, s);
	*bad |= !r || s != XenbusStateInitWait;
	return s;
}

int adv_scen_ring_params(struct adv *a)
{
	struct {
		char what[64];
		unsigned int queues, order;
	} t[5] = {
		{ "", 1, a->max_order + 1 },
		{ "ring-page-order 4294967295", 1, 4294967295u },
		{ "multi-queue-num-queues 0", 0, 0 },
		{ "", a->max_queues + 1, 0 },
		{ "multi-queue-num-queues 1000", 1000, 0 },
	};
	unsigned int i, n = sizeof(t) / sizeof(t[0]);
	int bad = 0;

	snprintf(t[0].what, sizeof(t[0].what), "ring-page-order %u (max %u)", a->max_order + 1, a->max_order);
	snprintf(t[3].what, sizeof(t[3].what), "multi-queue-num-queues %u (max %u)", a->max_queues + 1,
		 a->max_queues);
	for (i = 0; i < n; i++) {
		if (bad_layout(a, t[i].what, t[i].queues, t[i].order, &bad) != XenbusStateInitWait) {
			/* the device did not come back: nothing more can be tried on it */
			for (i++; i < n; i++)
				printf("not ok - ring-params: %s not tried (the device did not come back)\n", t[i].what);
			return 1;
		}
	}
	return bad | reconnect_works(a, "ring-params", true);
}

/* A same-value flood of the state node of a live device (legal: the
 * device may go on serving), then flapping through every state, then junk
 * (the device may be shut down for that). */
int adv_scen_state_flood(struct adv *a)
{
	static const char *flap[] = { "4", "3", "4", "1", "4", "5", "4", "2", "4", "6", "4", "7" };
	static const char *junk[] = { "", "99", "-1", "abc", "4 ", "0x4" };
	unsigned long same;
	unsigned int flaps = 0, i = 0;
	int st = ADV_NO_ANSWER;
	double end;

	if (adv_connect(a, 1, 0) < 0 || adv_data_share(a, 1) < 0)
		return 1;
	same = adv_xs_flood(a, "state", "4", 5);
	if (adv_xs_state(a, a->be) == XenbusStateConnected)
		st = adv_rw1(a, BLKIF_OP_READ, 0, 0, 5);
	ADV_NOTE("state-flood: %lu same-value rewrites of state=4 in 5 s (pipelined); then backend state %d, a read answered %d\n",
		 same, adv_xs_state(a, a->be), st);
	for (end = adv_now() + 3; adv_now() < end; flaps++)
		adv_xs_write(a, a->fe, "state", "%s", flap[i++ % (sizeof(flap) / sizeof(flap[0]))]);
	ADV_NOTE("state-flood: %u state flaps in 3 s; backend state %d\n", flaps, adv_xs_state(a, a->be));
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		adv_xs_write(a, a->fe, "state", "%s", junk[i]);
	ADV_NOTE("state-flood: %u junk states written; backend state %d%s\n", i, adv_xs_state(a, a->be),
		 adv_xs_state(a, a->be) >= XenbusStateClosing ? " (device shut down)" : "");
	return reconnect_works(a, "state-flood", false);
}

/* Connected, a read, then gone: odd rounds vanish (ring pages ungranted and
 * ports closed without a word, then Closed/Initialising as a rebooted
 * driver would write), even rounds close properly. */
int adv_scen_reconnect(struct adv *a)
{
	unsigned int round, good = 0, rounds = 6;

	if (adv_data_share(a, 1) < 0)
		return 1;
	for (round = 0; round < rounds; round++) {
		int st = ADV_NO_ANSWER, s;
		double t0 = adv_now(), t1, t2;

		if (adv_connect(a, 1, 0) == 0)
			st = adv_rw1(a, BLKIF_OP_READ, 0, 0, 5);
		t1 = adv_now();
		good += st == BLKIF_RSP_OKAY;
		if (round & 1)
			adv_rings_teardown(a, true);
		else
			adv_close(a, 5);
		s = adv_reset(a, 8);
		t2 = adv_now();
		ADV_NOTE("reconnect: round %u (%s): connect and read %.1f s (status %d), close and reset %.1f s (backend state %d)\n",
			 round, round & 1 ? "vanish" : "close", t1 - t0, st, t2 - t1, s);
		if (s != XenbusStateInitWait) {
			round++;
			break; /* the device did not come back: no more rounds */
		}
	}
	printf("%sok - reconnect: %u of %u connect/vanish/reconnect rounds reached Connected and read OKAY (%u tried)\n",
	       good == rounds ? "" : "not ", good, rounds, round);
	return good != rounds;
}
