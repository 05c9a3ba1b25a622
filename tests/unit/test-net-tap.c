/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The net backend's tap and link (userspace/backends/net/net_tap.c), in a
 * network namespace of the test's own (root; skipped without one): a
 * two-queue tap with virtio_net_hdr, its link renamed, given MTU 9000 and
 * brought up through libnl-route; a frame the host sends comes out of the
 * tap behind a zero header, a frame written with a header reaches the host,
 * one with a malformed header is refused by the kernel; offloads set; the
 * tap is gone once its files are closed; bad names and queue counts
 * refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "tap.h"
#include "userspace/backends/net/net.h"

static int ifreq_get(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	memset(ifr, 0, sizeof(*ifr));
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	r = s < 0 ? -1 : ioctl(s, req, ifr);
	if (s >= 0)
		close(s);
	return r;
}

static void frame(uint8_t *f, size_t n, uint8_t tag)
{
	memset(f, tag, n);
	memset(f, 0xff, 6);                            /* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);  /* a local MAC */
	f[12] = 0x88, f[13] = 0xb5;                    /* local experimental ethertype */
}

static int packet_socket(unsigned int ifindex)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = (int)ifindex };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static ssize_t read_wait(int fd, void *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return read(fd, buf, n);
}

static void test_frames(int *fds, unsigned int ifindex)
{
	uint8_t f[60], buf[256];
	struct virtio_net_hdr zero = { 0 }, *vh = (struct virtio_net_hdr *)buf;
	int ps = packet_socket(ifindex);
	ssize_t n;
	unsigned int q;

	tap_ok(ps >= 0, "a packet socket on the tap (%s)", strerror(errno));
	if (ps < 0)
		return;
	/* host to guest: out of one of the tap's queues */
	frame(f, sizeof(f), 0x11);
	tap_eq(send(ps, f, sizeof(f), 0), (ssize_t)sizeof(f), "the host sends a 60-byte frame on the tap");
	/* (the kernel's own frames, IPv6 neighbour discovery once the link is
	 * up, may come first, on either queue) */
	for (q = 0, n = -1; q < 40; q++) {
		struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };

		if (poll(p, 2, 2000) < 1)
			break;
		n = read(p[0].revents & POLLIN ? fds[0] : fds[1], buf, sizeof(buf));
		if (n == (ssize_t)(sizeof(zero) + sizeof(f)) && buf[sizeof(zero) + 14] == 0x11)
			break;
	}
	tap_ok(n == (ssize_t)(sizeof(zero) + sizeof(f)) && !memcmp(buf, &zero, sizeof(zero)) &&
		       !memcmp(buf + sizeof(zero), f, sizeof(f)),
	       "a queue reads it behind a zero virtio_net_hdr (%zd bytes)", n);
	/* guest to host */
	frame(f, sizeof(f), 0x22);
	memset(buf, 0, sizeof(zero));
	memcpy(buf + sizeof(zero), f, sizeof(f));
	tap_eq(write(fds[1], buf, sizeof(zero) + sizeof(f)), (ssize_t)(sizeof(zero) + sizeof(f)),
	       "queue 1 writes a frame behind a zero header");
	/* (a packet socket also sees the host's own frames: its 0x11 frame,
	 * IPv6 neighbour discovery) */
	for (q = 0; q < 40; q++) {
		n = read_wait(ps, buf, sizeof(buf));
		if (n < 0 || (n == (ssize_t)sizeof(f) && buf[14] == 0x22))
			break;
	}
	tap_ok(n == (ssize_t)sizeof(f) && !memcmp(buf, f, sizeof(f)), "the host receives it as written");
	memset(buf, 0, sizeof(buf));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = 200; /* past the frame */
	vh->csum_offset = 16;
	memcpy(buf + sizeof(zero), f, sizeof(f));
	tap_ok(write(fds[0], buf, sizeof(zero) + sizeof(f)) < 0 && errno == EINVAL,
	       "a header whose checksum starts past the frame: the kernel refuses it (%s)", strerror(errno));
	close(ps);
}

int main(void)
{
	int fds[NET_MAX_QUEUES], hdr = 0;
	struct ifreq ifr;
	unsigned int idx;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP needs root, a network namespace and /dev/net/tun (%s)\n", strerror(errno));
		return 0;
	}
	tap_eq(net_tap_open("vif7.0", 2, fds), 0, "a two-queue tap vif7.0");
	idx = if_nametoindex("vif7.0");
	tap_ok(idx > 0, "the netdev exists (ifindex %u)", idx);
	memset(&ifr, 0, sizeof(ifr));
	tap_ok(ioctl(fds[1], TUNGETIFF, &ifr) == 0 &&
		       (ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE)) ==
			       (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE),
	       "queue 1: tap, no packet info, virtio_net_hdr, multi-queue (%#x)", (unsigned int)ifr.ifr_flags);
	tap_ok(ioctl(fds[0], TUNGETVNETHDRSZ, &hdr) == 0 && hdr == (int)sizeof(struct virtio_net_hdr),
	       "header size %d", hdr);
	tap_eq(net_link_set("vif7.0", "vm-web0", 9000, true), 0, "renamed vm-web0, MTU 9000, up (libnl-route)");
	tap_ok(if_nametoindex("vm-web0") == idx && if_nametoindex("vif7.0") == 0, "the same link, new name");
	tap_ok(ifreq_get("vm-web0", SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == 9000, "MTU 9000");
	tap_ok(ifreq_get("vm-web0", SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP), "up");
	test_frames(fds, idx);
	tap_eq(net_tap_offload(fds[0], true, true, true), 0, "offloads: checksum, TSO4, TSO6");
	tap_eq(net_tap_offload(fds[1], false, true, true), 0, "no checksum: no TSO either (all off)");
	tap_eq(net_link_set("vm-web0", NULL, 0, false), 0, "down");
	tap_ok(ifreq_get("vm-web0", SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP), "... down");
	tap_eq(net_link_set("nosuch0", NULL, 1500, true), -ENODEV, "a link that does not exist: ENODEV");
	close(fds[0]);
	close(fds[1]);
	tap_eq(if_nametoindex("vm-web0"), 0, "its files closed: the tap is gone");
	tap_eq(net_tap_open("a-name-of-16-chr", 1, fds), -EINVAL, "a name of 16 characters: EINVAL");
	tap_eq(net_tap_open("vif7.1", 0, fds), -EINVAL, "0 queues: EINVAL");
	tap_eq(net_tap_open("vif7.1", NET_MAX_QUEUES + 1, fds), -EINVAL, "9 queues: EINVAL");
	tap_eq(net_link_set("vif7.1", "", 0, true), -EINVAL, "an empty new name: EINVAL");
	return tap_done();
}
