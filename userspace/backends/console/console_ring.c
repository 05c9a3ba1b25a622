/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console ring (xen/io/console.h): out[] carries the guest's bytes to
 * us (the guest produces out_prod, we consume), in[] ours to the guest (we
 * produce in_prod, the guest consumes). We keep our own index of each and
 * read the guest's once per pass: a guest index more than the ring away
 * from ours is a broken (or hostile) frontend, never a length to copy.
 */
#include <errno.h>
#include <string.h>

#include "console.h"

int cons_ring_take(struct xencons_interface *intf, XENCONS_RING_IDX *cons, char *buf, size_t max)
{
	XENCONS_RING_IDX prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - *cons;
	size_t n, i;

	if (avail > sizeof(intf->out))
		return -EPROTO;
	n = avail < max ? avail : max;
	for (i = 0; i < n; i++)
		buf[i] = intf->out[MASK_XENCONS_IDX(*cons + i, intf->out)];
	*cons += (XENCONS_RING_IDX)n;
	__atomic_store_n(&intf->out_cons, *cons, __ATOMIC_RELEASE);
	return (int)n;
}

int cons_ring_space(struct xencons_interface *intf, XENCONS_RING_IDX prod)
{
	XENCONS_RING_IDX used = prod - __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);

	if (used > sizeof(intf->in))
		return -EPROTO;
	return (int)(sizeof(intf->in) - used);
}

/* n <= cons_ring_space() */
void cons_ring_put(struct xencons_interface *intf, XENCONS_RING_IDX *prod, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		intf->in[MASK_XENCONS_IDX(*prod + i, intf->in)] = buf[i];
	*prod += (XENCONS_RING_IDX)n;
	__atomic_store_n(&intf->in_prod, *prod, __ATOMIC_RELEASE);
}
