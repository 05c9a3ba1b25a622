// SPDX-License-Identifier: GPL-2.0
/*
 * A context's scratch buffers: the batch arrays of a hot-path ioctl
 * (TAP_RX, TAP_TX), kept from one call to the next so a call allocates
 * nothing once the buffer is big enough. One buffer per kind and context,
 * taken with xchg(): a second caller at the same time (another thread on
 * the same file) gets a buffer of its own, freed when it is done. A buffer
 * grows to the largest call's need (bounded by the ioctl's limits) and is
 * freed with the context.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "xenback_kmod.h"

struct xb_scratch {
	size_t size;
	u64 data[]; /* 8-byte aligned */
};

void *xb_scratch_get(struct xb_ctx *ctx, enum xb_scratch_kind k, size_t size)
{
	struct xb_scratch *s = xchg(&ctx->scratch[k], NULL);

	if (s && s->size >= size)
		return s->data;
	kvfree(s);
	s = kvmalloc(struct_size(s, data, DIV_ROUND_UP(size, sizeof(u64))), GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	s->size = size;
	return s->data;
}

void xb_scratch_put(struct xb_ctx *ctx, enum xb_scratch_kind k, void *p)
{
	struct xb_scratch *s;

	if (!p)
		return;
	s = container_of(p, struct xb_scratch, data);
	if (cmpxchg(&ctx->scratch[k], NULL, s) != NULL)
		kvfree(s); /* the slot holds another caller's: ours goes */
}

void xb_scratch_free(struct xb_ctx *ctx)
{
	unsigned int k;

	for (k = 0; k < XB_SCRATCH_NR; k++)
		kvfree(xchg(&ctx->scratch[k], NULL));
}
