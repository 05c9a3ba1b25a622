// SPDX-License-Identifier: GPL-2.0
/*
 * Ring-aware suppression: a port may register where its shared ring's
 * req_prod lives and where userspace publishes how far it has consumed. The
 * pages holding both words are pinned so the event path can read them from
 * any context without faulting; an event then only wakes userspace when
 * req_prod != req_cons (RING_HAS_UNCONSUMED_REQUESTS seen from the kernel).
 *
 * The pins are charged to the registering process's locked memory
 * (RLIMIT_MEMLOCK, VmLck; CAP_IPC_LOCK lifts the limit) until released.
 * They hold a reference to the pages: on a ring mapped through gntdev, the
 * grant cannot be unmapped while a registration holds it (gntdev's unmap
 * retries), so unbind the port (or unregister) before unmapping the ring.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "xenback_kmod.h"

struct xb_word {
	struct page *page;
	const u32 *ptr;
};

struct xb_suppress {
	struct xb_word prod;
	struct xb_word cons;
	struct mm_struct *mm;          /* charged with XB_PINS pages */
};

#define XB_PINS 2

static int xb_word_pin(struct xb_word *w, u64 uaddr)
{
	unsigned long addr = (unsigned long)uaddr;
	int ret;

	if (uaddr != addr || (addr & (sizeof(u32) - 1)))
		return -EINVAL;
	if (!access_ok((void __user *)addr, sizeof(u32)))
		return -EFAULT;
	/* For writing, though the module only reads: a read pin of a page
	 * the process has not written yet takes the shared zero page or a
	 * private mapping's file page, and the process's later writes go to
	 * a copy the module never sees (before Linux 6.2 a read-only
	 * long-term pin does not follow copy-on-write). A write pin breaks
	 * COW first, so the pinned page is the process's own.
	 */
	ret = pin_user_pages_fast(addr & PAGE_MASK, 1, FOLL_WRITE | FOLL_LONGTERM, &w->page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	if (PageHighMem(w->page)) {
		unpin_user_page(w->page);
		w->page = NULL;
		return -EINVAL;
	}
	w->ptr = page_address(w->page) + offset_in_page(addr);
	return 0;
}

static void xb_word_unpin(struct xb_word *w)
{
	if (w->page)
		unpin_user_page(w->page);
	w->page = NULL;
}

struct xb_suppress *xb_suppress_new(u64 req_prod, u64 req_cons)
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
	ret = xb_word_pin(&s->prod, req_prod);
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
