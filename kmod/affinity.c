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
 * So when the waiter (NOTIFY with XENBACK_NOTIFY_WAIT, or poll/epoll on the
 * context) runs on another CPU than the context's interrupts, they are
 * moved there, at most every 100 ms so a thread the scheduler bounces
 * between CPUs does not turn into a storm of rebinds; a port bound later
 * starts there. The module parameter irq_follow=0 leaves affinity alone
 * (to the administrator, /proc/irq/N/smp_affinity, irqbalance).
 */
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/smp.h>

#include "xenback_kmod.h"
#include "trace.h"

static bool irq_follow = true;
module_param(irq_follow, bool, 0644);
MODULE_PARM_DESC(irq_follow, "move a context's event interrupts to the CPU its waiter runs on (default 1)");

#define XB_AFFINITY_INTERVAL (HZ / 10)

static bool xb_affinity_set(struct xb_evtchn *p, int cpu)
{
	return p->irq >= 0 && !irq_set_affinity(p->irq, cpumask_of(cpu));
}

/* A new interdomain port (ctx->mutex held): start on the waiter's CPU. */
void xb_affinity_bind(struct xb_ctx *ctx, struct xb_evtchn *p)
{
	int cpu = READ_ONCE(ctx->irq_cpu);

	if (READ_ONCE(irq_follow) && cpu >= 0 && cpu_online(cpu))
		xb_affinity_set(p, cpu);
}

/* The waiter is about to sleep, or polls: is it where its events arrive? */
void xb_affinity_follow(struct xb_ctx *ctx)
{
	int cpu = raw_smp_processor_id();
	struct xb_evtchn *p;
	unsigned long idx;
	u32 n = 0;

	if (likely(READ_ONCE(ctx->irq_cpu) == cpu) || !READ_ONCE(irq_follow))
		return;
	if (ctx->irq_moved && time_before(jiffies, ctx->irq_moved + XB_AFFINITY_INTERVAL))
		return;
	if (!mutex_trylock(&ctx->mutex)) /* a bind or unbind: next time */
		return;
	WRITE_ONCE(ctx->irq_cpu, cpu);
	ctx->irq_moved = jiffies ? jiffies : 1;
	xa_for_each(&ctx->xen, idx, p)
		n += xb_affinity_set(p, cpu);
	mutex_unlock(&ctx->mutex);
	trace_irq_follow(cpu, n);
}
