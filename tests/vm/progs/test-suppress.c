/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ring-aware suppression: no wake when the shared ring has nothing new.
 * The argument checks pass the client's set_ring through as they are; only
 * unknown flags (which the client never sets) take a raw ioctl.
 */
#include "vmtest.h"

struct sring {
	uint32_t req_prod, req_event, rsp_prod, rsp_event;
};

/* x's port pa notifies its port pb, whose ring is s, consumed up to *cons. */
static void test_suppression(struct xb_xenback *x, uint32_t pa, uint32_t pb, struct sring *s,
			     uint32_t *cons)
{
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, cons), 0, "register req_prod and the consumer index");
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 0, "req_prod == consumed: no wake");
	tap_eq(vt_stat(x, pb, 's'), 1, "counted as spurious");
	tap_eq(vt_stat(x, pb, 'w'), 0, "no wake counted");
	tap_eq(vt_stat(x, pb, 'e'), 1, "the event itself is counted");

	s->req_prod = 1;
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 1, "req_prod moved: wake");
	vt_skip(x, 4);
	*cons = 1;
	tap_eq(xb_xenback_rearm(x, pb, false), 0, "consume and re-arm");
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 0, "a notify with nothing new after consuming: no wake");
	s->req_prod = 3;
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 1, "new requests: wake");
	vt_skip(x, 4);
	xb_xenback_rearm(x, pb, false);
}

static void test_bad_args(struct xb_xenback *x, uint32_t pb, struct sring *s, uint32_t *cons)
{
	struct xenback_set_ring r = { .port = pb, .flags = 1,
		.req_prod = (uintptr_t)&s->req_prod, .req_cons = (uintptr_t)cons };

	tap_eq(xb_xenback_set_ring(x, pb, (char *)&s->req_prod + 1, cons), -EINVAL, "misaligned req_prod is EINVAL");
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, (char *)cons + 2), -EINVAL, "misaligned req_cons is EINVAL");
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, NULL), -EINVAL, "req_prod without req_cons is EINVAL");
	tap_eq(xb_xenback_set_ring(x, pb, (void *)0x1000, cons), -EFAULT, "an unmapped req_prod is EFAULT");
	tap_eq(xb_xenback_set_ring(x, pb, (void *)-4096L, cons), -EFAULT, "a kernel address is EFAULT");
	tap_eq(xb_xenback_set_ring(x, 777, &s->req_prod, cons), -EINVAL, "an unknown port is EINVAL");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_SET_RING, &r), EINVAL, "unknown flags are EINVAL");
}

int main(void)
{
	struct sring *s;
	uint32_t pa, pb, *cons;
	struct xb_xenback x;
	char *page;

	vt_open(&x);
	vt_pair(&x, NULL, &pa, &pb);
	s = aligned_alloc(4096, 4096);
	memset(s, 0, 4096);
	cons = aligned_alloc(64, 64);
	*cons = 0;
	test_suppression(&x, pa, pb, s, cons);
	test_bad_args(&x, pb, s, cons);

	/* The registration pins the page: unmapping it is harmless. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(page, 0, 4096);
	tap_eq(xb_xenback_set_ring(&x, pb, page, page + 64), 0, "register a ring in a page we will unmap");
	munmap(page, 4096);
	xb_xenback_notify(&x, pa);
	tap_eq(xb_xenback_avail(&x), 0, "events after munmap read the pinned copy (no wake, no fault)");

	tap_eq(xb_xenback_set_ring(&x, pb, NULL, NULL), 0, "remove the registration");
	xb_xenback_notify(&x, pa);
	tap_eq(xb_xenback_avail(&x), 1, "without suppression every event wakes");
	free(s);
	free(cons);
	xb_xenback_close(&x);
	return tap_done();
}
