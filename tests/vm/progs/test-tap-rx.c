/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XENBACK_IOCTL_TAP_RX's argument checks, under the debug kernel: every
 * bad count, flag, padding and pointer is refused with the documented
 * errno, first (no tap file is looked at: tap_fd is -1 here), and valid
 * arguments off Xen are EOPNOTSUPP. The copy itself needs Xen's grant
 * tables: the xen tier's vif tests run it (dom0-70).
 */
#include "vmtest.h"

static int tap_rx(int fd, struct xenback_tap_rx *rx)
{
	return t_ret(ioctl(fd, XENBACK_IOCTL_TAP_RX, rx));
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
	tap_eq(xb_xenback_unbind(&x, a), 0, "unbind");
	tap_eq(xb_xenback_unbind(&x, b), 0, "unbind the other end");
	xb_xenback_close(&x);
	return tap_done();
}
