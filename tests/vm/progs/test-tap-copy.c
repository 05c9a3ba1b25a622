/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XENBACK_IOCTL_TAP_RX's and XENBACK_IOCTL_TAP_TX's argument checks, under
 * the debug kernel: every bad count, flag, padding and pointer is refused
 * with the documented errno, first (no tap is looked at: tap_fd is -1,
 * ifindex 0 here), and valid arguments off Xen are EOPNOTSUPP. The
 * copies themselves need Xen's grant tables: the xen tier's vif tests run
 * them (dom0-70).
 */
#include "vmtest.h"

static int tap_rx(int fd, struct xenback_tap_rx *rx)
{
	return t_ret(ioctl(fd, XENBACK_IOCTL_TAP_RX, rx));
}

static int tap_tx(int fd, struct xenback_tap_tx *tx)
{
	return t_ret(ioctl(fd, XENBACK_IOCTL_TAP_TX, tx));
}

static void test_tx(struct xb_xenback *x, uint32_t port, bool xen)
{
	struct xenback_tap_tx_frame frames[2] = {
		{ .len = 60, .nseg = 1 }, { .len = 100, .nseg = 2 },
	};
	struct xenback_grant_io_seg segs[3] = {
		{ .gref = 8, .offset = 0, .len = 60 }, { .gref = 9, .offset = 4000, .len = 96 },
		{ .gref = 10, .offset = 0, .len = 4 },
	};
	struct xenback_tap_tx tx, good;
	int k;

	memset(&good, 0, sizeof(good));
	good.port = port;
	good.frames = (uintptr_t)frames;
	good.segs = (uintptr_t)segs;
	good.nframes = 2;
	good.nsegs = 3;
	tx = good;
	tx.flags = 1;
	tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX flags: EINVAL");
	for (k = 0; k < 4; k++) {
		tx = good;
		tx.pad[k] = 1;
		tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX pad[%d] not 0: EINVAL", k);
	}
	tx = good;
	tx.nframes = 0;
	tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX no frame: EINVAL (what the library asks to know it is there)");
	tx.nframes = XENBACK_TAP_TX_MAX_FRAMES + 1;
	tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX %u frames: EINVAL", tx.nframes);
	tx = good;
	tx.nsegs = 0;
	tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX no segment: EINVAL");
	tx.nsegs = XENBACK_TAP_TX_MAX_SEGS + 1;
	tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX %u segments: EINVAL", tx.nsegs);
	t_errno(ioctl(x->fd, XENBACK_IOCTL_TAP_TX, (void *)8), EFAULT, "TAP_TX an unreadable argument: EFAULT");
	/* each frame's segments, checked before anything else */
	for (k = 0; k < 9; k++) {
		static const char *const what[] = {
			"a frame of no segment", "a frame's segments past those given",
			"a segment past its page", "segments that do not add up to len",
			"a frame under 14 bytes", "an unknown frame flag", "an unknown GSO type",
			"GSO without gso_size", "a frame of 65536 bytes",
		};
		struct xenback_tap_tx_frame f1 = frames[1];
		struct xenback_grant_io_seg s1 = segs[1];

		switch (k) {
		case 0: frames[1].nseg = 0; break;
		case 1: frames[1].nseg = 3; break;
		case 2: segs[1].offset = 4001; break;
		case 3: frames[1].len = 101; break;
		case 4: frames[1].len = 13; segs[1].len = 9; break;
		case 5: frames[1].flags = 4; break;
		case 6: frames[1].gso_type = 3; frames[1].gso_size = 1000; break;
		case 7: frames[1].gso_type = XENBACK_TAP_TX_GSO_TCPV4; break;
		case 8: frames[1].len = 65536; break;
		}
		tx = good;
		tap_eq(tap_tx(x->fd, &tx), -EINVAL, "TAP_TX %s: EINVAL", what[k]);
		frames[1] = f1;
		segs[1] = s1;
	}
	tx = good;
	if (xen) {
		tap_eq(tap_tx(x->fd, &tx), -EINVAL, "on Xen, a loopback port: EINVAL");
	} else {
		tap_eq(tap_tx(x->fd, &tx), -EOPNOTSUPP, "TAP_TX valid arguments off Xen: EOPNOTSUPP");
	}
}

/*
 * Two threads calling TAP_TX on one file at once, calls of alternating
 * sizes: the context's scratch buffer (kmod/scratch.c) is taken by one
 * while the other allocates its own, grows and is handed back while the
 * slot is taken. Under the debug kernel (KASAN, kmemleak) a buffer freed
 * while still in the slot, or one lost, is a report and fails the tier.
 */
#define RACE_CALLS 6000
#define RACE_SEGS 16 /* per frame: the big calls copy 1024 segments in */

struct race {
	int fd;
	uint32_t port;
	int expect;
	int wrong, last;             /* calls answered otherwise, the last such answer */
};

/* the calls' frames and segments, written before the threads start */
static struct xenback_tap_tx_frame race_frames[XENBACK_TAP_TX_MAX_FRAMES];
static struct xenback_grant_io_seg race_segs[XENBACK_TAP_TX_MAX_SEGS];

static void *race_tx(void *p)
{
	struct race *r = p;
	int i, ret;

	for (i = 0; i < RACE_CALLS; i++) {
		struct xenback_tap_tx tx = {
			.port = r->port, .frames = (uintptr_t)race_frames, .segs = (uintptr_t)race_segs,
		};

		tx.nframes = i % 2 ? XENBACK_TAP_TX_MAX_FRAMES : 1u + (unsigned int)i % 7;
		tx.nsegs = tx.nframes * RACE_SEGS;
		ret = tap_tx(r->fd, &tx);
		if (ret != r->expect) {
			r->wrong++;
			r->last = ret;
		}
	}
	return NULL;
}

static void test_tx_race(struct xb_xenback *x, uint32_t port, bool xen)
{
	struct race r[2];
	pthread_t t[2];
	int k;

	for (k = 0; k < (int)XENBACK_TAP_TX_MAX_FRAMES; k++)
		race_frames[k] = (struct xenback_tap_tx_frame){ .len = 60 * RACE_SEGS, .nseg = RACE_SEGS };
	for (k = 0; k < (int)XENBACK_TAP_TX_MAX_SEGS; k++)
		race_segs[k] = (struct xenback_grant_io_seg){ .gref = 8, .len = 60 };
	for (k = 0; k < 2; k++) {
		r[k] = (struct race){ .fd = x->fd, .port = port, .expect = xen ? -EINVAL : -EOPNOTSUPP };
		pthread_create(&t[k], NULL, race_tx, &r[k]);
	}
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	tap_ok(r[0].wrong == 0 && r[1].wrong == 0,
	       "two threads, %d TAP_TX calls each on one file at once: every one answered %s (%d, %d "
	       "wrong; last %d, %d)", RACE_CALLS, xen ? "EINVAL" : "EOPNOTSUPP", r[0].wrong, r[1].wrong,
	       r[0].last, r[1].last);
}

int main(void)
{
	struct xenback_tap_rx_frame frames[XENBACK_TAP_RX_MAX_FRAMES];
	uint32_t grefs[XENBACK_TAP_RX_MAX_BUFS] = { 0 };
	struct xenback_version v;
	struct xenback_tap_rx rx, good;
	struct xb_xenback x;
	uint32_t a, b;
	int k;

	vt_open(&x);
	tap_eq(ioctl(x.fd, XENBACK_IOCTL_VERSION, &v), 0, "version");
	tap_ok(v.features & XENBACK_F_TAP_RX, "feature bit XENBACK_F_TAP_RX (0x%x)", v.features);
	vt_pair(&x, NULL, &a, &b);
	memset(&good, 0, sizeof(good));
	good.port = a;
	good.tap_fd = -1;
	good.grefs = (uintptr_t)grefs;
	good.frames = (uintptr_t)frames;
	good.nbufs = 16;
	good.max_frames = 8;
	good.max_slots = 17;
	good.flags = XENBACK_TAP_RX_GSO_EXTRA;

	rx = good;
	rx.flags = 2;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "an unknown flag: EINVAL");
	for (k = 0; k < 4; k++) {
		rx = good;
		rx.pad[k] = 1;
		tap_eq(tap_rx(x.fd, &rx), -EINVAL, "pad[%d] not 0: EINVAL", k);
	}
	rx = good;
	rx.nbufs = 0;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "no buffers: EINVAL");
	rx.nbufs = XENBACK_TAP_RX_MAX_BUFS + 1;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "%u buffers: EINVAL", rx.nbufs);
	rx = good;
	rx.max_frames = 0;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "max_frames 0: EINVAL");
	rx.max_frames = XENBACK_TAP_RX_MAX_FRAMES + 1;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "max_frames %u: EINVAL", rx.max_frames);
	rx = good;
	rx.max_slots = 0;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "max_slots 0: EINVAL");
	rx.max_slots = XENBACK_TAP_RX_MAX_SLOTS + 1;
	tap_eq(tap_rx(x.fd, &rx), -EINVAL, "max_slots %u: EINVAL", rx.max_slots);
	t_errno(ioctl(x.fd, XENBACK_IOCTL_TAP_RX, (void *)8), EFAULT, "an unreadable argument: EFAULT");
	rx = good;
	if (v.features & XENBACK_F_XEN) {
		tap_eq(tap_rx(x.fd, &rx), -EINVAL, "on Xen, a loopback port: EINVAL");
	} else {
		tap_eq(tap_rx(x.fd, &rx), -EOPNOTSUPP, "valid arguments off Xen: EOPNOTSUPP");
		rx.port = 12345;
		tap_eq(tap_rx(x.fd, &rx), -EOPNOTSUPP, "any port off Xen: EOPNOTSUPP");
	}
	test_tx(&x, a, v.features & XENBACK_F_XEN);
	test_tx_race(&x, a, v.features & XENBACK_F_XEN);
	tap_ok(v.features & XENBACK_F_TAP_TX, "feature bit XENBACK_F_TAP_TX (0x%x)", v.features);
	tap_eq(xb_xenback_unbind(&x, a), 0, "unbind");
	tap_eq(xb_xenback_unbind(&x, b), 0, "unbind the other end");
	xb_xenback_close(&x);
	return tap_done();
}
