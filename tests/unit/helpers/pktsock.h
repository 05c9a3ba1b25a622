/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's side of a tap in the unit tier: a network namespace of the
 * test's own, and packet sockets on a link. */
#ifndef XENBACK_TEST_PKTSOCK_H
#define XENBACK_TEST_PKTSOCK_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Enter a new network namespace with IPv6 off (no neighbour discovery
 * frames in the way), and a mount namespace with that namespace's /sys: 0, or -1 (not root, no namespaces, no
 * /dev/net/tun) with errno. */
int pkt_netns(void);
/* A packet socket bound to the link ifindex (vnet: each frame behind a
 * virtio_net_hdr, PACKET_VNET_HDR); -1 with errno. */
int pkt_open(unsigned int ifindex, bool vnet);
/* The next frame the link received (frames it sent are skipped), waiting
 * up to ms; -1 if none. */
ssize_t pkt_recv(int s, void *buf, size_t n, int ms);
#endif
