/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interdomain binds need Xen: on a plain kernel they fail with EOPNOTSUPP. */
#include "xbtest.h"

int main(void)
{
	struct xenback_bind_interdomain b = { .remote_domid = 1, .remote_port = 1 };
	struct xenback_version v;
	struct xbt x;

	t_plan(3);
	xbt_open_or_bail(&x);
	if (ioctl(x.fd, XENBACK_IOCTL_VERSION, &v))
		t_bail("VERSION");
	if (v.features & XENBACK_F_XEN) {
		printf("ok 1 # SKIP running on Xen\nok 2 # SKIP running on Xen\nok 3 # SKIP running on Xen\n");
		return 0;
	}
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b), EOPNOTSUPP,
		"interdomain bind without Xen fails with EOPNOTSUPP");
	b.pad = 1;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b), EINVAL,
		"interdomain bind with non-zero padding is EINVAL");
	b.pad = 0;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_INTERDOMAIN, (void *)8), EFAULT,
		"interdomain bind with a bad pointer is EFAULT");
	xbt_close(&x);
	return t_done();
}
