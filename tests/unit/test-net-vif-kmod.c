// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-net-vif.c again, with xenback.ko's tap copy (XENBACK_IOCTL_TAP_RX,
 * simulated: frames read from the tap and grant-copied as the module
 * does): host to guest goes through net_rx_kmod.c, every point of the
 * read() path holds for it too, and a frame whose copy fails is answered
 * ERROR.
 */
#define NET_VIF_TAP_RX 1
#include "test-net-vif.c"
