/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pending ring holds each bound port at most once, but entries of ports
 * unbound before they were consumed still take room: with a context at
 * XENBACK_MAX_PORTS, unbind and rebind while userspace has not consumed
 * fill the ring, and the next port's event finds it full. That port must
 * not stay masked for good: it is pushed once there is room (at the next
 * NOTIFY or poll), and XENBACK_SHARED_OVERFLOW says it happened. */
#include "vmtest.h"

#define N XENBACK_MAX_PORTS

int main(void)
{
	static uint32_t mine[N], peer[N], got[XENBACK_RING_SIZE];
	struct xb_xenback x, y;
	uint32_t fresh, fresh_peer;
	unsigned int i, k, seen;
	int n;

	vt_open(&x);
	vt_open(&y);
	for (i = 0; i < N; i++)
		vt_pair(&x, &y, &mine[i], &peer[i]);
	for (i = 0; i < N; i++)
		xb_xenback_notify(&y, peer[i]);
	tap_eq(xb_xenback_avail(&x), N, "%u ports notified: the ring holds %u entries", N, N);
	/* Unbind 8 of them unconsumed and bind 8 new ones: the ring is full
	 * of entries, 8 of them stale. */
	for (k = 0; k < 8; k++) {
		tap_ok(xb_xenback_unbind(&x, mine[k]) == 0 && xb_xenback_unbind(&y, peer[k]) == 0,
		       "unbind port %u with its entry unconsumed", mine[k]);
		vt_pair(&x, &y, &mine[k], &peer[k]);
	}
	fresh = mine[0];
	fresh_peer = peer[0];
	xb_xenback_notify(&y, fresh_peer);
	tap_eq(xb_xenback_avail(&x), N, "an event on a new port finds the ring full");
	tap_ok(x.sh->flags & XENBACK_SHARED_OVERFLOW, "XENBACK_SHARED_OVERFLOW is set");
	n = xb_xenback_take(&x, got, XENBACK_RING_SIZE);
	tap_eq(n, N, "userspace consumes all %u entries", N);
	/* (Its number may be among them: a stale entry of the port that had
	 * it before.) */
	/* Re-arm what we took that is still bound; then one NOTIFY. */
	/* Entries of the 8 ports unbound meanwhile are stale: a re-arm of
	 * their numbers would re-arm the new bindings that reused them
	 * (loopback numbers are reused lowest first; Xen's need not be), so
	 * skip them, as a consumer that tracks its unbinds does. */
	for (i = 0; i < (unsigned int)n; i++) {
		bool stale = false;

		for (k = 0; k < 8; k++)
			stale |= got[i] == mine[k];
		if (!stale)
			xb_xenback_rearm(&x, got[i], false);
	}
	{
		struct xenback_notify nt = { 0 };

		tap_eq(t_ret(ioctl(x.fd, XENBACK_IOCTL_NOTIFY, &nt)), 0,
		       "a NOTIFY call (re-arms done) once there is room");
	}
	n = xb_xenback_take(&x, got, XENBACK_RING_SIZE);
	seen = 0;
	for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++)
		seen += got[i] == fresh;
	tap_eq(seen, 1, "the new port's event is delivered now, once (%d pending)", n);
	xb_xenback_rearm(&x, fresh, false);
	xb_xenback_notify(&y, fresh_peer);
	n = xb_xenback_take(&x, got, XENBACK_RING_SIZE);
	tap_ok(n == 1 && got[0] == fresh, "and the port works as before (%d, port %u)", n,
	       n > 0 ? got[0] : 0);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
