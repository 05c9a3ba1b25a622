// SPDX-License-Identifier: LGPL-2.1-or-later
/* Simulated event channels: placeholder until the real implementation lands. */
#include <errno.h>

#include "sim_internal.h"

static int op_bind(void *h, uint32_t domid, uint32_t remote_port)
{
	(void)h; (void)domid; (void)remote_port;
	return -ENOSYS;
}

static int op_port(void *h, uint32_t port)
{
	(void)h; (void)port;
	return -ENOSYS;
}

static int op_notify_many(void *h, const uint32_t *ports, unsigned int n)
{
	(void)h; (void)ports; (void)n;
	return -ENOSYS;
}

static int op_fd(void *h) { (void)h; return -ENOSYS; }

static int op_pending(void *h, uint32_t *ports, unsigned int max)
{
	(void)h; (void)ports; (void)max;
	return 0;
}

static int op_unmask(void *h, uint32_t port, bool spurious)
{
	(void)h; (void)port; (void)spurious;
	return -ENOSYS;
}

static void op_close(void *h) { (void)h; }

const struct xb_evtchn_ops xb_sim_evtchn_ops = {
	.bind_interdomain = op_bind, .unbind = op_port, .notify = op_port,
	.notify_many = op_notify_many, .fd = op_fd, .pending = op_pending,
	.unmask = op_unmask, .close = op_close,
};

int xb_sim_evtchn_init(struct xenback_sim *sim) { (void)sim; return 0; }
void xb_sim_evtchn_close(struct xenback_sim *sim) { (void)sim; }
void xb_sim_evtchn_fini(struct xenback_sim *sim) { (void)sim; }
void xb_sim_evtchn_domain_destroy(struct xenback_sim *sim, uint32_t domid)
{
	(void)sim; (void)domid;
}

int xenback_sim_evtchn_alloc_unbound(struct xenback_sim *sim, uint32_t domid,
				     uint32_t remote_domid, uint32_t *port)
{
	(void)sim; (void)domid; (void)remote_domid; (void)port;
	return -ENOSYS;
}

int xenback_sim_evtchn_notify(struct xenback_sim *sim, uint32_t domid,
			      uint32_t port)
{
	(void)sim; (void)domid; (void)port;
	return -ENOSYS;
}

unsigned int xenback_sim_evtchn_take(struct xenback_sim *sim, uint32_t domid,
				     uint32_t port)
{
	(void)sim; (void)domid; (void)port;
	return 0;
}

unsigned int xenback_sim_ports_bound(const struct xenback_sim *sim)
{
	(void)sim;
	return 0;
}
