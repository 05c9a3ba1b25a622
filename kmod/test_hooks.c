// SPDX-License-Identifier: GPL-2.0
/*
 * Test hooks, in the project's own build only (kmod.mk defines
 * XENBACK_TEST_HOOKS; a DKMS build has none of this). Two module
 * parameters let the vm and xen tiers reach paths that otherwise need
 * unlucky timing or a failure Linux offers no way to cause:
 *
 *   test_window_ms  the next bind to reach a race window sleeps this long
 *                   there (once; the parameter goes back to 0): after a
 *                   bind is published and the context's lock dropped
 *                   (another thread may unbind the port now), or after a
 *                   failed irq setup closed the channel, before the module
 *                   decides whether to close it (Xen may give the number to
 *                   another binder now). Default 0.
 *   test_fail_irq   the next N interdomain binds fail as Linux's
 *                   bind_evtchn_to_irqhandler_lateeoi() fails when
 *                   request_irq() does: the irq torn down, the channel
 *                   closed, an error returned. Default 0.
 *   test_fake_grants  not on Xen only: grant I/O (grant_io.c) opens on any
 *                   port, loopback ones too, and "maps" a grant into a
 *                   fresh page of its own filled with a pattern: 32-bit
 *                   word i of grant g's page is (g << 16) ^ i; grant
 *                   0xffffffff fails to map. So the vm tier runs grant
 *                   I/O's lifetimes (cache, eviction, release with I/O in
 *                   flight) under the debug kernel. Default off.
 *   test_gio_delay_ms  grant I/O completions are held this long (a slow
 *                   disk), on the module's own workqueue. Default 0.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <xen/events.h>
#include <xen/xen.h>

#include "xenback_kmod.h"

static unsigned int test_window_ms;
module_param(test_window_ms, uint, 0600);
MODULE_PARM_DESC(test_window_ms, "test hook: the next bind sleeps this long in its race window (ms, once)");

static int test_fail_irq;
module_param(test_fail_irq, int, 0600);
MODULE_PARM_DESC(test_fail_irq, "test hook: fail the next N interdomain irq setups");

/* 1 while a bind sleeps in its window: a test waits for it, not a guess. */
static int test_in_window;
module_param(test_in_window, int, 0400);
MODULE_PARM_DESC(test_in_window, "test hook: 1 while a bind sleeps in its race window");

static bool test_fake_grants;
module_param(test_fake_grants, bool, 0600);
MODULE_PARM_DESC(test_fake_grants, "test hook (not on Xen): grant I/O maps pattern pages of its own");

static unsigned int test_gio_delay_ms;
module_param(test_gio_delay_ms, uint, 0600);
MODULE_PARM_DESC(test_gio_delay_ms, "test hook: grant I/O completions held this long (ms)");

bool xb_test_fake_grants(void)
{
	return READ_ONCE(test_fake_grants) && !xen_domain();
}

unsigned int xb_test_gio_delay_ms(void)
{
	return min(READ_ONCE(test_gio_delay_ms), 10000u);
}

void xb_test_window(void)
{
	unsigned int ms = xchg(&test_window_ms, 0);

	if (!ms)
		return;
	WRITE_ONCE(test_in_window, 1);
	msleep(min(ms, 10000u));
	WRITE_ONCE(test_in_window, 0);
}

int xb_bind_irq(u32 port, irq_handler_t handler, const char *name, void *data)
{
	int irq = bind_evtchn_to_irqhandler_lateeoi(port, handler, 0, name, data);
	int n = READ_ONCE(test_fail_irq);

	if (irq < 0 || n <= 0 || cmpxchg(&test_fail_irq, n, n - 1) != n)
		return irq;
	unbind_from_irqhandler(irq, data); /* closes the channel, as Linux's error path */
	return -ENOMEM;
}
