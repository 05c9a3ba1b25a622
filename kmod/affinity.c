// SPDX-License-Identifier: GPL-2.0
/*
 * A context's event interrupts follow the task that waits on it.
 *
 * Linux binds a new event channel's interrupt to CPU 0 (or wherever
 * irqbalance puts it); a backend's thread runs wherever the scheduler puts
 * it. When the two differ, every event is an interrupt on one CPU that
 * wakes the thread on another: a reschedule IPI, and on Xen a second vCPU
 * leaving its idle block, per request. Measured in a PV dom0 under the
 * benchmark: all of xenbackd's events on CPU 0 while it slept on CPU 1.
 *
 * So when the waiter (the task sleeping in NOTIFY with XENBACK_NOTIFY_WAIT;
 * not whoever polls the context: an epoll scan, another process's
 * EPOLL_CTL_ADD, an aio worker) runs on another CPU than the context's
 * interrupts, they are moved there, at most every 100 ms so a thread the
 * scheduler bounces between CPUs does not turn into a storm of rebinds; a
 * port bound later starts there. Never onto a CPU isolated from
 * housekeeping (isolcpus, nohz_full: HK_TYPE_DOMAIN and HK_TYPE_MANAGED_IRQ),
 * and never an interrupt whose affinity someone else set (/proc/irq/N/
 * smp_affinity, irqbalance, irqaffinity=): a port whose mask is no longer
 * the one we set (or, before our first move, not the full default) is left
 * alone for good. The moves run under RCU, not the context's mutex (binds
 * and unbinds do not wait for them); the CPU is recorded only if a move
 * succeeded. The module parameter irq_follow=0 leaves affinity alone.
 */
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/sched/isolation.h>
#include <linux/smp.h>

#include "xenback_kmod.h"
#include "trace.h"

static bool irq_follow = true;
module_param(irq_follow, bool, 0644);
MODULE_PARM_DESC(irq_follow, "move a context's event interrupts to the CPU its waiter runs on (default 1)");

#define XB_AFFINITY_INTERVAL (HZ / 10)

static bool xb_cpu_ok(int cpu)
{
	return cpu >= 0 && cpu_online(cpu) &&
	       housekeeping_test_cpu(cpu, HK_TYPE_DOMAIN) &&
	       housekeeping_test_cpu(cpu, HK_TYPE_MANAGED_IRQ);
}

/* Is p's affinity still ours to change? */
static bool xb_affinity_ours(struct xb_evtchn *p)
{
	struct irq_data *d;
	const struct cpumask *m;
	int last = READ_ONCE(p->aff_cpu);

	if (p->irq < 0 || READ_ONCE(p->aff_admin))
		return false;
	d = irq_get_irq_data(p->irq);
	if (!d)
		return false;
	m = irq_data_get_affinity_mask(d);
	if (last >= 0 ? cpumask_equal(m, cpumask_of(last)) : cpumask_subset(cpu_online_mask, m))
		return true;
	WRITE_ONCE(p->aff_admin, true); /* set by someone else: theirs now */
	return false;
}

static bool xb_affinity_set(struct xb_evtchn *p, int cpu)
{
	if (!xb_affinity_ours(p) || irq_set_affinity(p->irq, cpumask_of(cpu)))
		return false;
	WRITE_ONCE(p->aff_cpu, cpu);
	return true;
}

/* A new interdomain port: start on the waiter's CPU. */
void xb_affinity_bind(struct xb_ctx *ctx, struct xb_evtchn *p)
{
	int cpu = READ_ONCE(ctx->irq_cpu);

	p->aff_cpu = -1;
	if (READ_ONCE(irq_follow) && xb_cpu_ok(cpu))
		xb_affinity_set(p, cpu);
}

/* The waiter is about to sleep in NOTIFY: is it where its events arrive? */
void xb_affinity_follow(struct xb_ctx *ctx)
{
	int cpu = raw_smp_processor_id();
	unsigned long moved = READ_ONCE(ctx->irq_moved), idx;
	struct xb_evtchn *p;
	u32 n = 0, tried = 0;

	if (likely(READ_ONCE(ctx->irq_cpu) == cpu) || !READ_ONCE(irq_follow))
		return;
	if (moved && time_before(jiffies, moved + XB_AFFINITY_INTERVAL))
		return;
	/* One mover at a time per context; the others skip this round. */
	if (cmpxchg(&ctx->irq_moved, moved, jiffies ? jiffies : 1) != moved)
		return;
	if (!xb_cpu_ok(cpu))
		return;
	/*
	 * RCU keeps each port, and its irq, until we are done (unbind waits
	 * for a grace period before freeing the irq).
	 */
	rcu_read_lock();
	xa_for_each(&ctx->xen, idx, p) {
		if (READ_ONCE(p->dead))
			continue;
		tried++;
		n += xb_affinity_set(p, cpu);
	}
	rcu_read_unlock();
	if (n || !tried)
		WRITE_ONCE(ctx->irq_cpu, cpu);
	trace_irq_follow(cpu, n);
}
