// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated XENBACK_IOCTL_TAP_TX (uapi/xenback.h), on and off with
 * TAP_RX (xenback_sim_tap_copy()). The arguments are checked as
 * the module checks them; each frame is grant-copied out of the guest's
 * pages (the simulated grant copy: its fault injection applies) and
 * written to the tap file behind the virtio_net_hdr that stands for what
 * the module sets up on its skb: for a partial checksum or GSO, the
 * checksum's place found in the headers (Ethernet, IPv4 or IPv6 without
 * extension headers, TCP or UDP; the module's skb_checksum_setup() knows
 * more), else -EINVAL for that frame.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sim_internal.h"
#include "uapi/xenback.h"

#define SIM_ETH_HLEN 14u

/* The virtio_net_hdr for frame f (bytes at b); -EINVAL: its headers do
 * not allow the checksum or GSO asked for. */
static int vnet_for(const struct xenback_tap_tx_frame *f, const uint8_t *b,
		    struct virtio_net_hdr *vh)
{
	unsigned int type, l4, proto;

	memset(vh, 0, sizeof(*vh));
	if (!(f->flags & XENBACK_TAP_TX_CSUM_BLANK) && f->gso_type == XENBACK_TAP_TX_GSO_NONE) {
		if (f->flags & XENBACK_TAP_TX_DATA_VALID)
			vh->flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return 0;
	}
	type = (unsigned int)b[12] << 8 | b[13];
	if (type == 0x0800 && f->len >= SIM_ETH_HLEN + 20) {
		l4 = SIM_ETH_HLEN + (b[SIM_ETH_HLEN] & 15u) * 4u;
		proto = b[SIM_ETH_HLEN + 9];
		if (f->gso_type == XENBACK_TAP_TX_GSO_TCPV6)
			return -EINVAL;
	} else if (type == 0x86dd && f->len >= SIM_ETH_HLEN + 40) {
		l4 = SIM_ETH_HLEN + 40;
		proto = b[SIM_ETH_HLEN + 6];
		if (f->gso_type == XENBACK_TAP_TX_GSO_TCPV4)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (proto == 6 && f->len >= l4 + 20) {
		vh->csum_offset = 16;
	} else if (proto == 17 && f->len >= l4 + 8 && f->gso_type == XENBACK_TAP_TX_GSO_NONE) {
		vh->csum_offset = 6;
	} else {
		return -EINVAL;
	}
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)l4;
	if (f->gso_type != XENBACK_TAP_TX_GSO_NONE) {
		unsigned int hdr = l4 + (b[l4 + 12] >> 4) * 4u;

		if (hdr < l4 + 20 || hdr >= f->len)
			return -EINVAL;
		vh->gso_type = f->gso_type == XENBACK_TAP_TX_GSO_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
									 VIRTIO_NET_HDR_GSO_TCPV6;
		vh->gso_size = f->gso_size;
		vh->hdr_len = (uint16_t)hdr;
	}
	return 0;
}

/* The module's own checks (uapi/xenback.h): 0 or -EINVAL. */
static int check(const struct xenback_tap_tx *tx, const struct xenback_tap_tx_frame *frames,
		 const struct xenback_grant_io_seg *segs)
{
	unsigned int f, i, s = 0;

	for (f = 0; f < tx->nframes; f++) {
		const struct xenback_tap_tx_frame *fr = &frames[f];
		uint32_t sum = 0;

		if (fr->nseg < 1 || fr->nseg > XENBACK_TAP_TX_FRAME_SEGS || fr->nseg > tx->nsegs - s ||
		    fr->len < SIM_ETH_HLEN || fr->len > 65535 ||
		    fr->flags & ~(XENBACK_TAP_TX_CSUM_BLANK | XENBACK_TAP_TX_DATA_VALID) ||
		    fr->gso_type > XENBACK_TAP_TX_GSO_TCPV6 ||
		    (fr->gso_type != XENBACK_TAP_TX_GSO_NONE && !fr->gso_size))
			return -EINVAL;
		for (i = 0; i < fr->nseg; i++, s++) {
			if ((uint32_t)segs[s].offset + segs[s].len > 4096)
				return -EINVAL;
			sum += segs[s].len;
		}
		if (sum != fr->len)
			return -EINVAL;
	}
	return 0;
}

int xb_sim_tap_tx(void *arg, int tap_fd, struct xenback_tap_tx *tx)
{
	static uint8_t frame[65536];
	struct xenback_sim *sim = arg;
	struct xenback_tap_tx_frame *frames = (void *)(uintptr_t)tx->frames;
	const struct xenback_grant_io_seg *segs = (const void *)(uintptr_t)tx->segs;
	struct xenback_grant_copy cp[XENBACK_TAP_TX_FRAME_SEGS];
	unsigned int f, i, s = 0;
	uint32_t domid;
	int r;

	if (!sim->tap.on)
		return -EOPNOTSUPP;
	if (tx->flags || tx->pad[0] || tx->pad[1] || tx->pad[2] || tx->pad[3] || tx->nframes < 1 ||
	    tx->nframes > XENBACK_TAP_TX_MAX_FRAMES || tx->nsegs < 1 ||
	    tx->nsegs > XENBACK_TAP_TX_MAX_SEGS || xb_sim_evtchn_remote(sim, tx->port, &domid) < 0)
		return -EINVAL;
	if (!frames || !segs)
		return -EFAULT;
	r = check(tx, frames, segs);
	if (r < 0)
		return r;
	for (f = 0; f < tx->nframes; f++) {
		struct xenback_tap_tx_frame *fr = &frames[f];
		struct virtio_net_hdr vh;
		struct iovec iov[2];
		uint32_t pos = 0;
		unsigned int n = 0;

		for (i = 0; i < fr->nseg; i++, s++) {
			if (!segs[s].len)
				continue; /* no grant operation (XSA-448) */
			cp[n++] = (struct xenback_grant_copy){
				.domid = domid, .ref = segs[s].gref, .offset = segs[s].offset,
				.len = segs[s].len, .buf = frame + pos,
			};
			pos += segs[s].len;
		}
		fr->status = 0;
		if (xb_sim_gnt_copy(sim, cp, n) < 0)
			fr->status = -EIO;
		for (i = 0; i < n && !fr->status; i++)
			if (cp[i].status)
				fr->status = -EIO;
		if (!fr->status)
			fr->status = vnet_for(fr, frame, &vh);
		if (fr->status)
			continue;
		iov[0] = (struct iovec){ &vh, sizeof(vh) };
		iov[1] = (struct iovec){ frame, fr->len };
		if (writev(tap_fd, iov, 2) < 0)
			fr->status = errno == EIO ? -ENETDOWN : -errno;
		else
			sim->tap.tx_frames++;
	}
	return 0;
}
