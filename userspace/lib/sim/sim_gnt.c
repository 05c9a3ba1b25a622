// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated grant tables over real shared memory.
 *
 * Every granted page is a page of one memfd (one fd however many grants:
 * 10,000 devices must not need 10,000 descriptors). The frontend's view of
 * a grant is an mmap of its page; the backend's map() reserves n pages of
 * address space and maps each grant's page onto it with MAP_FIXED, so both
 * sides see the same bytes, as with real grant mappings. Ended grants punch
 * their page out of the memfd (freeing it and zeroing it for reuse).
 *
 * Errors follow Xen: a ref the domain never granted (or ended) is -EINVAL,
 * a ref granted to another domain than the backend's is -EPERM; grant copy
 * reports GNTST_* per segment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uthash.h>

#include "sim_internal.h"

/* xen/include/public/grant_table.h */
#define GNTST_okay (0)
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_virt_addr (-5)
#define GNTST_permission_denied (-8)
#define GNTST_bad_copy_arg (-10)

#define FIRST_REF 8 /* Xen reserves refs 0-7 (GNTTAB_NR_RESERVED_ENTRIES) */

struct sim_grant {
	uint64_t key; /* domid << 32 | ref */
	uint32_t domid, ref, backend_domid;
	uint64_t page;
	void *view;   /* the frontend's mapping */
	unsigned int maps;
	bool dead;    /* domain destroyed while mapped */
	UT_hash_handle hh;
};

struct sim_mapping {
	uintptr_t addr;
	unsigned int n;
	UT_hash_handle hh;
	struct sim_grant *grants[];
};

static uint64_t gkey(uint32_t domid, uint32_t ref)
{
	return (uint64_t)domid << 32 | ref;
}

static struct sim_grant *grant_find(struct sim_gnt *g, uint32_t domid,
				    uint32_t ref)
{
	struct sim_grant *gr = NULL;
	uint64_t key = gkey(domid, ref);

	HASH_FIND(hh, g->grants, &key, sizeof(key), gr);
	return gr;
}

int xb_sim_gnt_init(struct xenback_sim *sim)
{
	sim->gnt.memfd = memfd_create("xenback-sim-grants", MFD_CLOEXEC);
	if (sim->gnt.memfd < 0)
		return -errno;
	sim->gnt.next_ref = FIRST_REF;
	return 0;
}

static int page_alloc(struct sim_gnt *g, uint64_t *page)
{
	if (g->nfree) {
		*page = g->free_pages[--g->nfree];
		return 0;
	}
	if (ftruncate(g->memfd, (off_t)((g->npages + 1) * SIM_PAGE_SIZE)) < 0)
		return -errno;
	*page = g->npages++;
	return 0;
}

static void page_free(struct sim_gnt *g, uint64_t page)
{
	if (g->nfree == g->free_cap) {
		uint64_t cap = g->free_cap ? g->free_cap * 2 : 64;
		uint64_t *a = realloc(g->free_pages, cap * sizeof(*a));

		if (!a)
			return; /* leak the page in the memfd, not in the heap */
		g->free_pages = a;
		g->free_cap = cap;
	}
	/* Frees the memory and makes the page read back as zeroes. */
	fallocate(g->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(page * SIM_PAGE_SIZE), SIM_PAGE_SIZE);
	g->free_pages[g->nfree++] = page;
}

static void grant_free(struct sim_gnt *g, struct sim_grant *gr)
{
	HASH_DEL(g->grants, gr);
	munmap(gr->view, SIM_PAGE_SIZE);
	page_free(g, gr->page);
	free(gr);
}

XB_EXPORT int xenback_sim_grant_page(struct xenback_sim *sim, uint32_t domid,
			   uint32_t backend_domid, void **page, uint32_t *ref)
{
	struct sim_gnt *g;
	struct sim_grant *gr;
	int r;

	if (!sim || !page || !ref)
		return -EINVAL;
	g = &sim->gnt;
	gr = calloc(1, sizeof(*gr));
	if (!gr)
		return -ENOMEM;
	r = page_alloc(g, &gr->page);
	if (r < 0) {
		free(gr);
		return r;
	}
	gr->view = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			g->memfd, (off_t)(gr->page * SIM_PAGE_SIZE));
	if (gr->view == MAP_FAILED) {
		r = -errno;
		page_free(g, gr->page);
		free(gr);
		return r;
	}
	do {
		gr->ref = g->next_ref++;
		if (gr->ref < FIRST_REF)
			gr->ref = g->next_ref = FIRST_REF;
	} while (grant_find(g, domid, gr->ref));
	gr->domid = domid;
	gr->backend_domid = backend_domid;
	gr->key = gkey(domid, gr->ref);
	HASH_ADD(hh, g->grants, key, sizeof(gr->key), gr);
	*page = gr->view;
	*ref = gr->ref;
	return 0;
}

XB_EXPORT int xenback_sim_grant_end(struct xenback_sim *sim, uint32_t domid,
			  uint32_t ref)
{
	struct sim_grant *gr;

	if (!sim)
		return -EINVAL;
	gr = grant_find(&sim->gnt, domid, ref);
	if (!gr || gr->dead)
		return -ENOENT;
	if (gr->maps)
		return -EBUSY; /* gnttab_end_foreign_access() of a mapped page */
	grant_free(&sim->gnt, gr);
	return 0;
}

XB_EXPORT unsigned int xenback_sim_grants_mapped(const struct xenback_sim *sim)
{
	return sim ? sim->gnt.mapped : 0;
}

/* --------------------------------------------------------- backend side */

char *xb_sim_gnt_page(struct xenback_sim *sim, uint32_t domid, uint32_t ref)
{
	struct sim_grant *gr = grant_find(&sim->gnt, domid, ref);

	if (!gr || gr->dead || gr->backend_domid != sim->backend_domid)
		return NULL;
	return gr->view;
}

static int op_map(void *h, uint32_t domid, const uint32_t *refs,
		  unsigned int n, bool writable, void **addr)
{
	struct xenback_sim *sim = h;
	struct sim_gnt *g = &sim->gnt;
	struct sim_mapping *m;
	char *base;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);

	if (!refs || !addr || !n || n > (1u << 20))
		return -EINVAL;
	if (g->map_hook) {
		void (*fn)(void *) = g->map_hook;

		g->map_hook = NULL;
		fn(g->map_hook_arg);
	}
	if (g->fail_maps) {
		g->fail_maps--;
		return g->map_err;
	}
	m = calloc(1, sizeof(*m) + n * sizeof(m->grants[0]));
	if (!m)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		struct sim_grant *gr = grant_find(g, domid, refs[i]);

		if (!gr || gr->dead) {
			free(m);
			return -EINVAL;
		}
		if (gr->backend_domid != sim->backend_domid) {
			free(m);
			return -EPERM;
		}
		m->grants[i] = gr;
	}
	base = mmap(NULL, (size_t)n * SIM_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		free(m);
		return -errno;
	}
	for (unsigned int i = 0; i < n; i++) {
		void *p = mmap(base + (size_t)i * SIM_PAGE_SIZE, SIM_PAGE_SIZE,
			       prot, MAP_SHARED | MAP_FIXED, g->memfd,
			       (off_t)(m->grants[i]->page * SIM_PAGE_SIZE));

		if (p == MAP_FAILED) {
			int r = -errno;

			munmap(base, (size_t)n * SIM_PAGE_SIZE);
			free(m);
			return r;
		}
	}
	for (unsigned int i = 0; i < n; i++)
		m->grants[i]->maps++;
	m->addr = (uintptr_t)base;
	m->n = n;
	HASH_ADD(hh, g->maps, addr, sizeof(m->addr), m);
	g->mapped += n;
	*addr = base;
	return 0;
}

static void mapping_free(struct sim_gnt *g, struct sim_mapping *m)
{
	HASH_DEL(g->maps, m);
	munmap((void *)m->addr, (size_t)m->n * SIM_PAGE_SIZE);
	for (unsigned int i = 0; i < m->n; i++) {
		struct sim_grant *gr = m->grants[i];

		if (!--gr->maps && gr->dead)
			grant_free(g, gr);
	}
	g->mapped -= m->n;
	free(m);
}

static int op_unmap(void *h, void *addr, unsigned int n)
{
	struct sim_gnt *g = &((struct xenback_sim *)h)->gnt;
	struct sim_mapping *m = NULL;
	uintptr_t key = (uintptr_t)addr;

	HASH_FIND(hh, g->maps, &key, sizeof(key), m);
	if (!m || m->n != n)
		return -EINVAL;
	mapping_free(g, m);
	return 0;
}

static int16_t copy_one(struct xenback_sim *sim, struct xenback_grant_copy *s)
{
	struct sim_grant *gr = grant_find(&sim->gnt, s->domid, s->ref);
	char *page;

	if (!gr)
		return GNTST_bad_gntref;
	if (gr->dead)
		return GNTST_bad_domain;
	if (gr->backend_domid != sim->backend_domid)
		return GNTST_permission_denied;
	if ((unsigned int)s->offset + s->len > SIM_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	if (!s->buf && s->len)
		return GNTST_bad_virt_addr;
	page = gr->view;
	if (s->to_guest)
		memcpy(page + s->offset, s->buf, s->len);
	else
		memcpy(s->buf, page + s->offset, s->len);
	return GNTST_okay;
}

/* Like xengnttab_grant_copy(): 0 once the batch ran; the outcome of each
 * segment is in its status. An injected failure of the whole call returns
 * its error before any status is written (as the real call does when the
 * ioctl fails: -ENOMEM, -EFAULT), copying nothing. */
static int op_copy(void *h, struct xenback_grant_copy *segs, unsigned int n)
{
	struct sim_gnt *g = &((struct xenback_sim *)h)->gnt;

	if (!segs && n)
		return -EINVAL;
	if (g->copy_hook) {
		void (*fn)(void *) = g->copy_hook;

		g->copy_hook = NULL;
		fn(g->copy_hook_arg);
	}
	if (g->fail_copies) {
		g->fail_copies--;
		return g->copy_err;
	}
	for (unsigned int i = 0; i < n; i++)
		segs[i].status = copy_one(h, &segs[i]);
	if (g->fail_seg_armed && g->fail_seg < n) {
		g->fail_seg_armed = false;
		segs[g->fail_seg].status = g->fail_seg_status;
	}
	return 0;
}

int xb_sim_gnt_copy(struct xenback_sim *sim, struct xenback_grant_copy *segs, unsigned int n)
{
	return op_copy(sim, segs, n);
}

/* ------------------------------------------------------ fault injection */

XB_EXPORT void xenback_sim_fail_grant_copies(struct xenback_sim *sim, unsigned int n, int err)
{
	if (!sim)
		return;
	sim->gnt.fail_copies = n;
	sim->gnt.copy_err = err < 0 ? err : -EIO;
}

XB_EXPORT void xenback_sim_fail_grant_copy_segment(struct xenback_sim *sim, unsigned int idx,
						   int16_t status)
{
	if (!sim)
		return;
	sim->gnt.fail_seg_armed = true;
	sim->gnt.fail_seg = idx;
	sim->gnt.fail_seg_status = status < 0 ? status : GNTST_general_error;
}

XB_EXPORT void xenback_sim_on_grant_map(struct xenback_sim *sim, void (*fn)(void *arg), void *arg)
{
	if (!sim)
		return;
	sim->gnt.map_hook = fn;
	sim->gnt.map_hook_arg = arg;
}

XB_EXPORT void xenback_sim_on_grant_copy(struct xenback_sim *sim, void (*fn)(void *arg), void *arg)
{
	if (!sim)
		return;
	sim->gnt.copy_hook = fn;
	sim->gnt.copy_hook_arg = arg;
}

XB_EXPORT void xenback_sim_fail_grant_maps(struct xenback_sim *sim, unsigned int n, int err)
{
	if (!sim)
		return;
	sim->gnt.fail_maps = n;
	sim->gnt.map_err = err < 0 ? err : -EIO;
}

/* The backend side closed its handle: its mappings go. */
void xb_sim_gnt_close(struct xenback_sim *sim)
{
	while (sim->gnt.maps)
		mapping_free(&sim->gnt, sim->gnt.maps);
}

static void op_close(void *h)
{
	xb_sim_gnt_close(h);
}

const struct xb_gnt_ops xb_sim_gnt_ops = {
	.map = op_map,
	.unmap = op_unmap,
	.copy = op_copy,
	.close = op_close,
};

/* The domain's grants go; pages the backend still maps stay until it
 * unmaps them (as Xen keeps a dying domain's mapped pages). */
void xb_sim_gnt_domain_destroy(struct xenback_sim *sim, uint32_t domid)
{
	struct sim_grant *gr, *tmp;

	HASH_ITER(hh, sim->gnt.grants, gr, tmp) {
		if (gr->domid != domid)
			continue;
		if (gr->maps)
			gr->dead = true;
		else
			grant_free(&sim->gnt, gr);
	}
}

void xb_sim_gnt_fini(struct xenback_sim *sim)
{
	struct sim_gnt *g = &sim->gnt;
	struct sim_grant *gr, *tmp;

	xb_sim_gnt_close(sim);
	HASH_ITER(hh, g->grants, gr, tmp) {
		HASH_DEL(g->grants, gr);
		munmap(gr->view, SIM_PAGE_SIZE);
		free(gr);
	}
	free(g->free_pages);
	g->free_pages = NULL;
	if (g->memfd >= 0)
		close(g->memfd);
	g->memfd = -1;
}
