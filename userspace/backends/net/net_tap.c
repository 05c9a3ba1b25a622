/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vif's host side: a tap device (/dev/net/tun) with one file per netif
 * queue (IFF_MULTI_QUEUE), each frame preceded by a little-endian
 * virtio_net_hdr (IFF_VNET_HDR: net_vnet.c fills and reads it), and its
 * link (name, MTU, up or down) changed through libnl-route, never by
 * running `ip`. The tap is not persistent: it goes when its last file is
 * closed, so a vif torn down or a daemon that died leaves no netdev
 * behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "net.h"

int net_tap_open(const char *name, unsigned int nq, int *fds)
{
	int hdr = (int)sizeof(struct virtio_net_hdr), le = 1;
	unsigned int i;
	int r;

	if (!name || !*name || strlen(name) >= IFNAMSIZ || !nq || nq > NET_MAX_QUEUES)
		return -EINVAL;
	for (i = 0; i < nq; i++) {
		struct ifreq ifr;
		int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0) {
			r = -errno;
			goto fail;
		}
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, name, strlen(name));
		/* always multi-queue: a vif's tap is made with one queue before
		 * the frontend says how many it wants; the others are opened
		 * by name then (TUNSETIFF on an existing tap attaches a queue) */
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
		if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
			r = -errno;
			close(fd);
			goto fail;
		}
		/* little-endian headers: what x86 has anyway; kernels built
		 * without cross-endian support refuse the ioctl */
		if (ioctl(fd, TUNSETVNETLE, &le) < 0 && errno != EINVAL) {
			r = -errno;
			close(fd);
			goto fail;
		}
		fds[i] = fd;
	}
	return 0;
fail:
	while (i--)
		close(fds[i]);
	return r;
}

int net_tap_carrier(int fd, bool on)
{
	int c = on;

	return ioctl(fd, TUNSETCARRIER, &c) < 0 ? -errno : 0;
}

int net_tap_offload(int fd, bool csum, bool tso4, bool tso6)
{
	unsigned int f = 0;

	if (csum) {
		f |= TUN_F_CSUM;
		if (tso4)
			f |= TUN_F_TSO4;
		if (tso6)
			f |= TUN_F_TSO6;
	}
	return ioctl(fd, TUNSETOFFLOAD, f) < 0 ? -errno : 0;
}

/* One change of the link called name. */
static int link_change(struct nl_sock *sk, const char *name, const char *newname, unsigned int mtu,
		       int up)
{
	struct rtnl_link *link = NULL, *chg = rtnl_link_alloc();
	int r;

	if (!chg)
		return -ENOMEM;
	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r < 0) {
		rtnl_link_put(chg);
		return r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV ? -ENODEV : -EIO;
	}
	if (newname)
		rtnl_link_set_name(chg, newname);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	if (up > 0)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	r = rtnl_link_change(sk, link, chg, 0);
	rtnl_link_put(link);
	rtnl_link_put(chg);
	if (r < 0)
		return r == -NLE_EXIST ? -EEXIST : r == -NLE_INVAL || r == -NLE_RANGE ? -EINVAL :
		       r == -NLE_PERM ? -EPERM : r == -NLE_BUSY ? -EBUSY : -EIO;
	return 0;
}

int net_link_set(const char *name, const char *newname, unsigned int mtu, int up)
{
	struct nl_sock *sk;
	int r;

	if (!name || (newname && (!*newname || strlen(newname) >= IFNAMSIZ)))
		return -EINVAL;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE) < 0 ? -EIO : 0;
	/* a name changes only while the link is down */
	if (!r && newname && strcmp(newname, name)) {
		r = link_change(sk, name, newname, 0, 0);
		name = newname;
	}
	if (!r)
		r = link_change(sk, name, NULL, mtu, up);
	nl_socket_free(sk);
	return r;
}
