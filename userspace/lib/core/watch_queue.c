/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Watch events, fairly: a round reads at most XB_WATCH_READ_BUDGET events
 * from xenstore into a queue that coalesces repeats (one entry per node and
 * watch; one per device for its frontend's state, whatever path under it
 * the guest writes), then handles at most XB_WATCH_HANDLE_BUDGET entries,
 * oldest first. Every event is only a hint to re-read a node, so a repeat
 * adds nothing but its count (the device's own state writes are told
 * apart by count). What a round leaves, queued here or in libxenstore,
 * is signalled on the bus's pending eventfd, so the next round comes at
 * once, without waiting for the xenstore fd to become readable again.
 * A guest rewriting its own state in a loop thus costs one read per round
 * and delays only itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct xb_wev {
	UT_hash_handle hh;
	struct xb_wev *next;
	unsigned int count;           /* events coalesced into this one */
	char *path, *token;
	size_t klen;
	char key[];                   /* the coalescing key */
};

/* Frontend state watches ("f/..."): one entry per device, the path does not
 * matter (the guest owns the subtree). Others: one per path and token. */
static int wq_push(struct xenback_bus *bus, char *path, char *token)
{
	struct xb_watchq *q = &bus->wq;
	size_t pl = strlen(path), tl = strlen(token);
	struct xb_wev *ev, *old;

	ev = calloc(1, sizeof(*ev) + pl + tl + 2);
	if (!ev) {
		free(path);
		free(token);
		return -ENOMEM;
	}
	if (token[0] == 'f') {
		memcpy(ev->key, token, tl);
		ev->klen = tl;
	} else {
		memcpy(ev->key, path, pl);
		memcpy(ev->key + pl + 1, token, tl); /* "path\0token" */
		ev->klen = pl + 1 + tl;
	}
	HASH_FIND(hh, q->hash, ev->key, ev->klen, old);
	if (old) {
		old->count++;
		free(ev);
		free(path);
		free(token);
		return 0;
	}
	ev->path = path;
	ev->token = token;
	ev->count = 1;
	HASH_ADD_KEYPTR(hh, q->hash, ev->key, ev->klen, ev);
	*q->tail = ev;
	q->tail = &ev->next;
	q->n++;
	return 0;
}

static void wev_free(struct xb_wev *ev)
{
	free(ev->path);
	free(ev->token);
	free(ev);
}

static struct xb_wev *wq_pop(struct xb_watchq *q)
{
	struct xb_wev *ev = q->head;

	if (!ev)
		return NULL;
	q->head = ev->next;
	if (!q->head)
		q->tail = &q->head;
	HASH_DEL(q->hash, ev);
	q->n--;
	return ev;
}

void xb_watchq_init(struct xb_watchq *q)
{
	memset(q, 0, sizeof(*q));
	q->tail = &q->head;
}

void xb_watchq_clear(struct xb_watchq *q)
{
	struct xb_wev *ev;

	while ((ev = wq_pop(q)))
		wev_free(ev);
}

int xb_watch_round(struct xenback_bus *bus)
{
	const struct xb_xs_ops *xs = bus->plat->xs;
	unsigned int reads = 0, handled = 0;
	bool more = false;
	char *path, *token;
	struct xb_wev *ev;
	int r;

	for (;;) {
		if (reads == XB_WATCH_READ_BUDGET || bus->wq.n >= XB_WATCH_PENDING_MAX) {
			more = true; /* libxenstore may hold more */
			break;
		}
		r = xs->read_watch(bus->plat->xs_h, &path, &token);
		if (r == -EAGAIN)
			break;
		reads++;
		if (r == -ENOBUFS) {
			xb_enum_rescan(bus, "watch events lost");
			xb_bus_reap(bus);
			handled++;
			continue;
		}
		if (r < 0)
			return xb_error(bus, r, "reading watch events: %s", strerror(-r));
		if (wq_push(bus, path, token) < 0) {
			/* Lost like an overflowing queue: catch up by rescanning. */
			xb_enum_rescan(bus, "out of memory queueing watch events");
			handled++;
		}
	}
	while (handled < XB_WATCH_HANDLE_BUDGET && (ev = wq_pop(&bus->wq))) {
		xb_enum_event(bus, ev->path, ev->token, ev->count);
		wev_free(ev);
		xb_bus_reap(bus);
		handled++;
	}
	if (more || bus->wq.n)
		xb_bus_signal_pending(bus);
	return (int)handled;
}
