/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ABI version/features query, device node, shared mapping layout.
 * Raw ioctls on purpose: this tests the ABI itself (XENBACK_IOCTL_VERSION's
 * answer, byte for byte), not a client; the context comes from the client.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vmtest.h"

int main(void)
{
	struct xenback_version v;
	struct stat st;
	struct xb_xenback x;
	int i, zero = 1;

	tap_ok(stat(XB_DEV, &st) == 0 && S_ISCHR(st.st_mode), XB_DEV " is a character device");
	tap_eq(st.st_mode & 0777, 0600, XB_DEV " mode is 0600");
	vt_open(&x);

	memset(&v, 0xa5, sizeof(v));
	tap_eq(t_ret(ioctl(x.fd, XENBACK_IOCTL_VERSION, &v)), 0, "VERSION succeeds");
	tap_eq(v.abi_version, XENBACK_ABI_VERSION, "abi_version");
	tap_eq(v.abi_version, 2, "ABI 2 (SET_EVENTFD flags and padding, NOTIFY reserved words)");
	tap_ok((v.features & (XENBACK_F_LOOPBACK | XENBACK_F_EVENTFD | XENBACK_F_RING | XENBACK_F_RESTRICT |
			    XENBACK_F_NOTIFY_WAIT | XENBACK_F_GENL_STATS |
			    XENBACK_F_PORT_STATS)) ==
		     (XENBACK_F_LOOPBACK | XENBACK_F_EVENTFD | XENBACK_F_RING | XENBACK_F_RESTRICT |
		      XENBACK_F_NOTIFY_WAIT | XENBACK_F_GENL_STATS | XENBACK_F_PORT_STATS),
	     "features: loopback eventfd ring restrict notify-wait genl port-stats (0x%x)", v.features);
	tap_ok(v.features & XENBACK_F_GRANT_IO, "features: grant I/O (0x%x)", v.features);
	tap_diag("running on Xen: %s", v.features & XENBACK_F_XEN ? "yes" : "no");
	tap_eq(v.max_ports, XENBACK_MAX_PORTS, "max_ports");
	tap_eq(v.max_vec, XENBACK_MAX_VEC, "max_vec");
	tap_eq(v.mmap_size, XENBACK_MMAP_SIZE, "mmap_size");
	tap_eq(v.ring_offset, XENBACK_RING_OFFSET, "ring_offset");
	tap_eq(v.ring_size, XENBACK_RING_SIZE, "ring_size");
	tap_eq(v.pad, 0, "padding is zeroed (no stale kernel data)");
	tap_ok(x.sh->prod == 0 && x.sh->cons == 0 && x.sh->flags == 0, "fresh ring is empty");
	for (i = 0; i < 13; i++)
		zero &= x.sh->pad[i] == 0;
	tap_ok(zero, "shared header padding is zero");
	tap_ok(sizeof(struct xenback_notify) == 48 && sizeof(struct xenback_port_stats) == 56 &&
		     sizeof(struct xenback_set_ring) == 24 && sizeof(struct xenback_set_eventfd) == 16 &&
		     sizeof(struct xenback_grant_io_open) == 24 &&
		     sizeof(struct xenback_grant_io_req) == 32 &&
		     sizeof(struct xenback_grant_io_submit) == 32,
	     "structure sizes match the 32/64-bit invariant layout");
	xb_xenback_close(&x);
	return tap_done();
}
