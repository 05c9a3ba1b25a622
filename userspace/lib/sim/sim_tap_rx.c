// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated XENBACK_IOCTL_TAP_RX (uapi/xenback.h), off until a test turns
 * it on (xenback_sim_tap_copy()). The module takes skbs from the tap's queue;
 * here each frame is read() from the tap file (behind its virtio_net_hdr,
 * as the tap files of a vif are opened) and, as the module does, dropped
 * (runt, more than max_slots buffers), kept at the head for the next call
 * on that file (more buffers than are left), or grant-copied into its
 * buffers with the simulated grant copy (a call per frame here: one buffer
 * holds the frame; the module batches a call's copies).
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utlist.h>

#include "sim_internal.h"
#include "uapi/xenback.h"

#define SIM_PAGE 4096u
#define SIM_VH ((unsigned int)sizeof(struct virtio_net_hdr))
#define SIM_FRAME_MAX (65536u + 18u + 4u)

struct sim_tap_held {
	int fd;
	uint32_t len; /* 0: nothing kept */
	uint8_t buf[SIM_VH + SIM_FRAME_MAX];
	struct sim_tap_held *next;
};

XB_EXPORT void xenback_sim_tap_copy(struct xenback_sim *sim, bool on)
{
	sim->tap.on = on;
}

XB_EXPORT uint64_t xenback_sim_tap_frames(const struct xenback_sim *sim, bool tx)
{
	return tx ? sim->tap.tx_frames : sim->tap.rx_frames;
}

void xb_sim_tap_rx_close(struct xenback_sim *sim)
{
	struct sim_tap_held *h, *tmp;

	LL_FOREACH_SAFE(sim->tap.held, h, tmp) {
		LL_DELETE(sim->tap.held, h);
		free(h);
	}
}

static struct sim_tap_held *held_for(struct xenback_sim *sim, int fd)
{
	struct sim_tap_held *h;

	LL_FOREACH(sim->tap.held, h)
		if (h->fd == fd)
			return h;
	h = calloc(1, sizeof(*h));
	if (h) {
		h->fd = fd;
		LL_PREPEND(sim->tap.held, h);
	}
	return h;
}

/* The next frame (kept, or read now) in h->buf; false: the tap is empty. */
static bool next_frame(struct sim_tap_held *h)
{
	ssize_t n;

	if (h->len)
		return true;
	do
		n = read(h->fd, h->buf, sizeof(h->buf));
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)SIM_VH)
		return false;
	h->len = (uint32_t)n;
	return true;
}

int xb_sim_tap_rx(void *arg, struct xenback_tap_rx *rx)
{
	struct xenback_grant_copy segs[XENBACK_TAP_RX_MAX_BUFS];
	struct xenback_sim *sim = arg;
	struct xenback_tap_rx_frame *frames = (void *)(uintptr_t)rx->frames;
	const uint32_t *grefs = (const void *)(uintptr_t)rx->grefs;
	unsigned int nseg = 0, first_seg[XENBACK_TAP_RX_MAX_FRAMES + 1], buf = 0, f, i;
	struct sim_tap_held *h;
	uint32_t domid;

	if (!sim->tap.on)
		return -EOPNOTSUPP;
	if (rx->flags & ~XENBACK_TAP_RX_GSO_EXTRA || rx->pad[0] || rx->pad[1] || rx->pad[2] ||
	    rx->pad[3] || rx->nbufs < 1 || rx->nbufs > XENBACK_TAP_RX_MAX_BUFS ||
	    rx->max_frames < 1 || rx->max_frames > XENBACK_TAP_RX_MAX_FRAMES ||
	    rx->max_slots < 1 || rx->max_slots > XENBACK_TAP_RX_MAX_SLOTS ||
	    xb_sim_evtchn_remote(sim, rx->port, &domid) < 0)
		return -EINVAL;
	if (!grefs || !frames)
		return -EFAULT;
	h = held_for(sim, rx->tap_fd);
	if (!h)
		return -ENOMEM;
	rx->nframes = rx->bufs_used = rx->dropped = rx->next_bufs = 0;
	while (rx->nframes < rx->max_frames) {
		struct virtio_net_hdr vh;
		uint32_t len, data, need, pos;
		bool skip;

		if (!next_frame(h))
			break;
		memcpy(&vh, h->buf, SIM_VH);
		len = h->len - SIM_VH;
		data = len ? (len + SIM_PAGE - 1) / SIM_PAGE : 1;
		skip = (rx->flags & XENBACK_TAP_RX_GSO_EXTRA) &&
		       (vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE;
		need = data + (skip ? 1 : 0);
		if (len < 14 || data > rx->max_slots) {
			h->len = 0;
			rx->dropped++;
			continue;
		}
		if (need > rx->nbufs - buf) {
			rx->next_bufs = need;
			break;
		}
		first_seg[rx->nframes] = nseg;
		for (pos = 0, i = 0; pos < len; i++) {
			uint32_t chunk = len - pos < SIM_PAGE ? len - pos : SIM_PAGE;
			unsigned int b = buf + i + (skip && i > 0 ? 1 : 0);

			segs[nseg++] = (struct xenback_grant_copy){
				.to_guest = true, .domid = domid, .ref = grefs[b],
				.len = (uint16_t)chunk, .buf = h->buf + SIM_VH + pos,
			};
			pos += chunk;
		}
		frames[rx->nframes] = (struct xenback_tap_rx_frame){
			.vnet_flags = vh.flags, .gso_type = vh.gso_type, .hdr_len = vh.hdr_len,
			.gso_size = vh.gso_size, .csum_start = vh.csum_start,
			.csum_offset = vh.csum_offset, .bufs = (uint16_t)need, .len = len,
		};
		/* the copy is done at the end: the frame's bytes must stay */
		if (xb_sim_gnt_copy(sim, segs + first_seg[rx->nframes], nseg - first_seg[rx->nframes]) < 0)
			for (i = first_seg[rx->nframes]; i < nseg; i++)
				segs[i].status = -1;
		h->len = 0;
		buf += need;
		rx->nframes++;
		sim->tap.rx_frames++;
	}
	if (rx->nframes == rx->max_frames && !rx->next_bufs && next_frame(h))
		rx->next_bufs = 1;
	first_seg[rx->nframes] = nseg;
	for (f = 0; f < rx->nframes; f++)
		for (i = first_seg[f]; i < first_seg[f + 1]; i++)
			if (segs[i].status)
				frames[f].status = -EIO;
	rx->bufs_used = buf;
	return 0;
}
