// SPDX-License-Identifier: GPL-2.0
/*
 * The pending ring: a page of header and a page of port numbers that the
 * context maps into userspace (layout in uapi/xenback.h). The module is the
 * only producer; userspace the only consumer. Nothing the module does depends
 * on userspace behaving: a bogus cons only makes pushes fail (the port stays
 * latched) and sets XENBACK_SHARED_OVERFLOW.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "xenback.h"

static_assert(XENBACK_RING_OFFSET >= sizeof(struct xenback_shared));
static_assert(XENBACK_RING_OFFSET + XENBACK_RING_SIZE * sizeof(u32) <=
	      XENBACK_MMAP_SIZE);
static_assert((XENBACK_RING_SIZE & (XENBACK_RING_SIZE - 1)) == 0);
static_assert(XENBACK_RING_SIZE >= XENBACK_MAX_PORTS);

int xb_ring_init(struct xb_ring *r)
{
	r->base = vmalloc_user(XENBACK_MMAP_SIZE); /* zeroed */
	if (!r->base)
		return -ENOMEM;
	r->hdr = r->base;
	r->slots = r->base + XENBACK_RING_OFFSET;
	r->prod = 0;
	return 0;
}

void xb_ring_free(struct xb_ring *r)
{
	vfree(r->base); /* defers itself when called from softirq (RCU) */
	r->base = NULL;
}

bool xb_ring_push(struct xb_ring *r, u32 port)
{
	u32 cons = READ_ONCE(r->hdr->cons);

	if (r->prod - cons >= XENBACK_RING_SIZE) {
		WRITE_ONCE(r->hdr->flags, r->hdr->flags | XENBACK_SHARED_OVERFLOW);
		return false;
	}
	WRITE_ONCE(r->slots[r->prod & (XENBACK_RING_SIZE - 1)], port);
	r->prod++;
	smp_store_release(&r->hdr->prod, r->prod);
	return true;
}

u32 xb_ring_count(struct xb_ring *r)
{
	u32 n = READ_ONCE(r->prod) - READ_ONCE(r->hdr->cons);

	return n > XENBACK_RING_SIZE ? XENBACK_RING_SIZE : n;
}

bool xb_ring_pending(struct xb_ring *r)
{
	return READ_ONCE(r->prod) != READ_ONCE(r->hdr->cons);
}

int xb_ring_mmap(struct xb_ring *r, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff != 0 || len > PAGE_ALIGN(XENBACK_MMAP_SIZE))
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	vma->vm_flags &= ~VM_MAYEXEC;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return remap_vmalloc_range(vma, r->base, 0);
}
