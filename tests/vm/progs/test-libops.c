/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxenback's /dev/xenback event-channel ops
 * (userspace/lib/platform/evtchn_xenback.c) over a loopback pair. With the
 * argument "absent" (run after rmmod): the open must fail with
 * -ENOENT/-ENODEV so the library falls back. The ops' handle is the
 * client's context (struct xb_xenback): the pair is bound through it.
 */
#include <sys/eventfd.h>

#include "platform.h"
#include "vmtest.h"

/* notify, pending, rearm, notify_many over the pair (pair[1] is the peer). */
static void test_basic(const struct xb_evtchn_ops *ops, void *h, const uint32_t *pair)
{
	uint32_t got[8], many[3];

	tap_eq(ops->pending(h, got, 8), 0, "nothing pending");
	tap_eq(ops->notify(h, pair[0]), 0, "notify");
	tap_eq(ops->pending(h, got, 8), 1, "one port pending");
	tap_eq(got[0], pair[1], "it is the peer");
	tap_eq(ops->rearm(h, pair[1], false), 0, "unmask (lateeoi)");
	many[0] = many[1] = many[2] = pair[0];
	tap_eq(ops->notify_many(h, many, 3), 0, "notify_many");
	tap_eq(ops->pending(h, got, 8), 1, "masked port published once");
	tap_eq(ops->rearm(h, pair[1], true), 0, "spurious unmask delivers the latched event");
	tap_eq(ops->pending(h, got, 8), 1, "latched event pending");
}

/* kick: re-arm and notify in one call (one ioctl) */
static void test_kick(const struct xb_evtchn_ops *ops, void *h, uint32_t *pair)
{
	uint32_t got[8], rearm = pair[1];

	tap_ok(ops->kick != NULL, "the ops offer kick()");
	tap_eq(ops->kick ? ops->kick(h, &rearm, 1, &pair[0], 1) : -1, 0, "kick: re-arm + notify");
	tap_eq(ops->pending(h, got, 8), 1, "the notify arrived on the re-armed port");
	rearm = pair[1] | XB_REARM_SPURIOUS;
	tap_eq(ops->kick ? ops->kick(h, &rearm, 1, NULL, 0) : -1, 0, "kick: spurious re-arm only");
}

/* kick_wait: the round's kicks and the wait, one ioctl */
static void test_kick_wait(const struct xb_evtchn_ops *ops, void *h, uint32_t *pair)
{
	static uint32_t lots[XENBACK_MAX_VEC + 3];
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint32_t got[8], rearm = pair[1];
	uint64_t one = 1;
	unsigned int k;

	tap_ok(ops->kick_wait != NULL, "the ops offer kick_wait()");
	tap_eq(ops->kick_wait(h, &rearm, 1, NULL, 0, efd, 0), -EOPNOTSUPP,
	       "kick_wait with a timeout: -EOPNOTSUPP, nothing done");
	tap_eq(ops->pending(h, got, 8), 0, "(the port is still masked)");
	tap_eq(ops->kick_wait(h, &rearm, 1, &pair[0], 1, efd, -1), 1,
	       "kick_wait: re-arm + notify, woken by the notify: 1 pending");
	tap_eq(ops->pending(h, got, 8), 1, "and it is there");
	if (write(efd, &one, sizeof(one)) != sizeof(one))
		t_bail("eventfd");
	tap_eq(ops->kick_wait(h, &rearm, 1, NULL, 0, efd, -1), XB_WAIT_OTHER,
	       "kick_wait: woken by the other fd: XB_WAIT_OTHER");
	/* a notify vector longer than one ioctl takes: the head goes ahead */
	for (k = 0; k < XENBACK_MAX_VEC + 3; k++)
		lots[k] = pair[0];
	ops->pending(h, got, 8);
	/* the 3 of the head deliver one entry; the last call re-arms
	 * first, so its notifies deliver a second */
	tap_eq(ops->kick_wait(h, &rearm, 1, lots, XENBACK_MAX_VEC + 3, efd, -1),
	       2 | XB_WAIT_OTHER,
	       "kick_wait with max_vec + 3 notifies: head ahead, then re-arm + rest: 2 pending");
	close(efd);
}

int main(int argc, char **argv)
{
	const struct xb_evtchn_ops *ops;
	uint32_t pair[2] = { 0, 0 };
	void *h;
	int r;

	if (argc > 1 && !strcmp(argv[1], "absent")) {
		r = xb_evtchn_xenback_open(&ops, &h);
		tap_ok(r == -ENOENT || r == -ENODEV, "without the module, open fails with -ENOENT/-ENODEV (%d)", r);
		return tap_done();
	}
	r = xb_evtchn_xenback_open(&ops, &h);
	tap_eq(r, 0, "open the /dev/xenback event-channel ops");
	if (r)
		return tap_done();
	tap_ok(ops->fd(h) >= 0, "the handle has a pollable fd");
	vt_pair(h, NULL, &pair[0], &pair[1]);
	test_basic(ops, h, pair);
	test_kick(ops, h, pair);
	test_kick_wait(ops, h, pair);
	tap_eq(ops->bind_interdomain(h, 1, 1), -EOPNOTSUPP, "interdomain bind without Xen: -EOPNOTSUPP");
	tap_eq(ops->unbind(h, pair[0]), 0, "unbind");
	tap_eq(ops->unbind(h, pair[0]), -EINVAL, "unbind twice: -EINVAL");
	ops->close(h);
	return tap_done();
}
