// SPDX-License-Identifier: GPL-2.0
/*
 * Ring-aware suppression: a port may register where its shared ring's
 * req_prod lives and where userspace publishes how far it has consumed. The
 * pages holding both words are pinned so the event path can read them from
 * any context without faulting; an event then only wakes userspace when
 * req_prod != req_cons (RING_HAS_UNCONSUMED_REQUESTS seen from the kernel).
 *
 * The pages are charged to the registering process's locked memory
 * (RLIMIT_MEMLOCK, VmLck; CAP_IPC_LOCK lifts the limit) until released.
 *
 * Only ordinary memory is pinned. A grant mapping (gntdev) must not be: in
 * a PV dom0 its pages are not counted as mapped, gntdev cannot unmap the
 * grant while a pin holds the page, and the munmap, or the process's exit
 * (which tears the memory down before closing files), then clears the
 * page table entry itself and drops a reference the mapping never took
 * ("Bad page map"; the unpin later hits a freed ZONE_DEVICE page). Special
 * mappings are refused; a frontend's ring is registered by its grant
 * reference and mapped here, read-only, like blkback maps its rings.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <xen/grant_table.h>
#include <xen/xen.h>

#include "xenback_kmod.h"

struct xb_word {
	struct page *page;
	const u32 *ptr;
	bool granted;                  /* page is ours, mapping a grant */
	grant_handle_t handle;
};

struct xb_suppress {
	struct xb_word prod;
	struct xb_word cons;
	struct mm_struct *mm;          /* charged with XB_PINS pages */
};

#define XB_PINS 2

/* Mappings whose pages are not the process's ordinary memory. */
#define XB_SPECIAL_VMA (VM_IO | VM_PFNMAP | VM_MIXEDMAP)

static int xb_word_pin(struct xb_word *w, u64 uaddr)
{
	unsigned long addr = (unsigned long)uaddr;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	long ret;

	if (uaddr != addr || (addr & (sizeof(u32) - 1)))
		return -EINVAL;
	if (!access_ok((void __user *)addr, sizeof(u32)))
		return -EFAULT;
	/* The mapping checked and the page pinned under one mmap lock: the
	 * page is the one of the mapping that was checked. For writing,
	 * though the module only reads: a read pin of a page the process has
	 * not written yet takes the shared zero page or a private mapping's
	 * file page, and the process's later writes go to a copy the module
	 * never sees (before Linux 6.2 a read-only long-term pin does not
	 * follow copy-on-write). A write pin breaks COW first.
	 */
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma)
		ret = -EFAULT;
	else if (vma->vm_flags & XB_SPECIAL_VMA)
		ret = -EINVAL;
	else
		ret = pin_user_pages(addr & PAGE_MASK, 1, FOLL_WRITE | FOLL_LONGTERM, &w->page,
				     NULL);
	mmap_read_unlock(mm);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	if (PageHighMem(w->page) || is_zone_device_page(w->page)) {
		unpin_user_page(w->page);
		w->page = NULL;
		return -EINVAL;
	}
	w->ptr = page_address(w->page) + offset_in_page(addr);
	return 0;
}

/* The first word of grant ref of domain domid, mapped read-only into a
 * page of the module's own. */
static int xb_word_map_grant(struct xb_word *w, u32 domid, u64 ref)
{
	struct gnttab_map_grant_ref op;
	unsigned long addr;
	int ret;

	if (ref > U32_MAX)
		return -EINVAL;
	ret = gnttab_alloc_pages(1, &w->page);
	if (ret) {
		w->page = NULL;
		return ret;
	}
	addr = (unsigned long)pfn_to_kaddr(page_to_pfn(w->page));
	gnttab_set_map_op(&op, addr, GNTMAP_host_map | GNTMAP_readonly, (grant_ref_t)ref,
			  (domid_t)domid);
	ret = gnttab_map_refs(&op, NULL, &w->page, 1);
	if (ret || op.status != GNTST_okay) {
		gnttab_free_pages(1, &w->page);
		w->page = NULL;
		return ret ? ret : -EINVAL;
	}
	w->granted = true;
	w->handle = op.handle;
	w->ptr = (const u32 *)addr;
	return 0;
}

static void xb_word_unmap_grant(struct xb_word *w)
{
	struct gnttab_unmap_grant_ref op;

	gnttab_set_unmap_op(&op, (unsigned long)w->ptr, GNTMAP_host_map | GNTMAP_readonly,
			    w->handle);
	/* Nobody else holds the page: the unmap is immediate. If Xen refused
	 * it, the page still maps the grant and is leaked, not reused. */
	if (gnttab_unmap_refs(&op, NULL, &w->page, 1) || op.status != GNTST_okay)
		pr_warn_ratelimited("xenback: a ring grant could not be unmapped (%d), page leaked\n",
				    op.status);
	else
		gnttab_free_pages(1, &w->page);
}

static void xb_word_unpin(struct xb_word *w)
{
	if (w->page && w->granted)
		xb_word_unmap_grant(w);
	else if (w->page)
		unpin_user_page(w->page);
	w->page = NULL;
}

struct xb_suppress *xb_suppress_new(u64 req_prod, u64 req_cons, bool grant, u32 domid)
{
	struct xb_suppress *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	ret = account_locked_vm(current->mm, XB_PINS, true);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
	mmgrab(current->mm);
	s->mm = current->mm;
	ret = grant ? xb_word_map_grant(&s->prod, domid, req_prod) : xb_word_pin(&s->prod, req_prod);
	if (!ret)
		ret = xb_word_pin(&s->cons, req_cons);
	if (ret) {
		xb_suppress_free(s);
		return ERR_PTR(ret);
	}
	return s;
}

bool xb_suppress_has_work(const struct xb_suppress *s)
{
	u32 prod = READ_ONCE(*s->prod.ptr);
	u32 cons = READ_ONCE(*s->cons.ptr);

	return prod != cons;
}

void xb_suppress_free(struct xb_suppress *s)
{
	if (!s)
		return;
	xb_word_unpin(&s->prod);
	xb_word_unpin(&s->cons);
	if (s->mm) {
		account_locked_vm(s->mm, XB_PINS, false);
		mmdrop(s->mm);
	}
	kfree(s);
}
