// SPDX-License-Identifier: GPL-2.0
/*
 * The pending ring: one zeroed page, header and port numbers (layout in
 * uapi/xenback.h), that the context maps into userspace. The module writes it
 * through the direct map. The module is the only producer, userspace the only
 * consumer; nothing the module does depends on userspace behaving: a bogus
 * cons only makes pushes fail (the port stays latched) and sets
 * XENBACK_SHARED_OVERFLOW.
 */
#include <linux/gfp.h>
#include <linux/mm.h>

#include "xenback_kmod.h"

static_assert(sizeof(struct xenback_shared) <= XENBACK_RING_OFFSET);
static_assert(XENBACK_RING_OFFSET + XENBACK_RING_SIZE * sizeof(u32) <=
	      XENBACK_MMAP_SIZE);
static_assert(XENBACK_MMAP_SIZE <= PAGE_SIZE);
static_assert((XENBACK_RING_SIZE & (XENBACK_RING_SIZE - 1)) == 0);
static_assert(XENBACK_RING_SIZE >= XENBACK_MAX_PORTS);

int xb_ring_init(struct xb_ring *r)
{
	r->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!r->page)
		return -ENOMEM;
	r->hdr = page_address(r->page);
	r->slots = (u32 *)((char *)r->hdr + XENBACK_RING_OFFSET);
	r->prod = 0;
	return 0;
}

/* Any context (the RCU callback); mappings hold their own reference. */
void xb_ring_free(struct xb_ring *r)
{
	if (r->page)
		__free_page(r->page);
	r->page = NULL;
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
	/* The slot before the index that makes it visible: pairs with the
	 * reader's acquire load of prod (userspace/lib/platform/xenback_dev.h).
	 */
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

	if (vma->vm_pgoff != 0 || len > PAGE_SIZE)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	vma->vm_flags &= ~VM_MAYEXEC;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return vm_insert_page(vma, vma->vm_start, r->page);
}
