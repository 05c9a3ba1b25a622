/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the xen tier's dom0 programs (tests/xen/progs/), on top
 * of the vm tier's (vmtest.h): dom0 talks to itself, as frontend and
 * backend, and asks Xen who maps its grants.
 */
#ifndef XENBACK_XENTEST_H
#define XENBACK_XENTEST_H

#include "vmtest.h"

#include <xen/xen.h>
#include <xen/sys/evtchn.h>

/* x opened, and bail out unless the module sees Xen (these programs run
 * in dom0 under the xen tier). */
static inline void xt_open(struct xb_xenback *x)
{
	vt_open(x);
	if (!(x->features & XENBACK_F_XEN)) {
		errno = ENODEV;
		t_bail("xenback.ko does not see Xen (run in dom0 by the xen tier)");
	}
}

/* A port of x bound to a fresh unbound port of dom0's /dev/xen/evtchn
 * (ev_fd): an interdomain channel of dom0 to itself. *remote is the
 * evtchn end (notify it to raise ours). The event Xen marks pending on a
 * new port is taken and the port re-armed. */
static inline uint32_t xt_self_port(struct xb_xenback *x, int ev_fd, int *remote)
{
	struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
	int r;

	*remote = ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (*remote < 0)
		t_bail("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
	r = xb_xenback_bind_interdomain(x, 0, (uint32_t)*remote);
	if (r < 0) {
		errno = -r;
		t_bail("bind through xenback");
	}
	xb_xenback_poll(x, 1000); /* Xen marks a new port pending */
	vt_skip(x, 4);
	xb_xenback_rearm(x, (uint32_t)r, false);
	return (uint32_t)r;
}

/* How many of dom0's grant refs refs[0..n) somebody maps, by Xen's grant
 * table dump (debug key 'g', read back from its console ring: section
 * "grant-table for remote d0", one "[ref] ..." line per grant in use);
 * -1 if there is no dump. */
static inline int xt_grants_mapped(const uint32_t *refs, unsigned int n)
{
	static char out[1 << 17];
	char *const argv[] = { "/bin/sh", "-c", "xl dmesg -c >/dev/null; xl debug-keys g && xl dmesg -c",
			       NULL };
	char *sec, *line, *save, *end;
	bool seen[n ? n : 1];
	unsigned int i;
	int found = 0;

	if (vt_run(out, sizeof(out), argv, 0) != 0)
		return -1;
	sec = strstr(out, "grant-table for remote d0 ");
	if (!sec)
		return -1;
	memset(seen, 0, sizeof(seen));
	strtok_r(sec, "\n", &save); /* the section's own line */
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *b = strchr(line, '[');
		unsigned long ref;

		if (strstr(line, "grant-table for remote") || strstr(line, "] done"))
			break;
		if (!b)
			continue;
		ref = strtoul(b + 1, &end, 0);
		if (*end != ']')
			continue;
		for (i = 0; i < n; i++)
			if (refs[i] == ref && !seen[i]) {
				seen[i] = true;
				found++;
			}
	}
	return found;
}

#endif
