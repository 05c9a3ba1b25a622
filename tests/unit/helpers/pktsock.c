/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "pktsock.h"

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			close(fd), fd = -1;
		else
			close(fd);
	}
}

int pkt_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0)
		return -1;
	/* a /sys of this namespace's links (/sys/class/net/<tap>/queues) */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	return 0;
}

int pkt_open(unsigned int ifindex, bool vnet)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = (int)ifindex };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)), one = 1;

	if (s < 0)
		return -1;
	if ((vnet && setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

ssize_t pkt_recv(int s, void *buf, size_t n, int ms)
{
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t r;

		if (poll(&p, 1, ms) != 1)
			return -1;
		r = recvfrom(s, buf, n, 0, (struct sockaddr *)&from, &fl);
		if (r < 0 || from.sll_pkttype != PACKET_OUTGOING)
			return r;
	}
}
