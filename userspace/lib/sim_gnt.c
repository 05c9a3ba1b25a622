// SPDX-License-Identifier: LGPL-2.1-or-later
/* Simulated grant tables: placeholder until the real implementation lands. */
#include <errno.h>

#include "sim_internal.h"

static int op_map(void *h, uint32_t domid, const uint32_t *refs, unsigned int n,
		  bool writable, void **addr)
{
	(void)h; (void)domid; (void)refs; (void)n; (void)writable; (void)addr;
	return -ENOSYS;
}

static int op_unmap(void *h, void *addr, unsigned int n)
{
	(void)h; (void)addr; (void)n;
	return -ENOSYS;
}

static int op_copy(void *h, struct xenback_grant_copy *segs, unsigned int n)
{
	(void)h; (void)segs; (void)n;
	return -ENOSYS;
}

static void op_close(void *h) { (void)h; }

const struct xb_gnt_ops xb_sim_gnt_ops = {
	.map = op_map, .unmap = op_unmap, .copy = op_copy, .close = op_close,
};

int xb_sim_gnt_init(struct xenback_sim *sim) { (void)sim; return 0; }
void xb_sim_gnt_close(struct xenback_sim *sim) { (void)sim; }
void xb_sim_gnt_fini(struct xenback_sim *sim) { (void)sim; }
void xb_sim_gnt_domain_destroy(struct xenback_sim *sim, uint32_t domid)
{
	(void)sim; (void)domid;
}

int xenback_sim_grant_page(struct xenback_sim *sim, uint32_t domid,
			   uint32_t backend_domid, void **page, uint32_t *ref)
{
	(void)sim; (void)domid; (void)backend_domid; (void)page; (void)ref;
	return -ENOSYS;
}

int xenback_sim_grant_end(struct xenback_sim *sim, uint32_t domid, uint32_t ref)
{
	(void)sim; (void)domid; (void)ref;
	return -ENOSYS;
}

unsigned int xenback_sim_grants_mapped(const struct xenback_sim *sim)
{
	(void)sim;
	return 0;
}
