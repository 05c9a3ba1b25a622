// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Watches of the simulated xenstore and the backend side's event queue.
 *
 * Watches live in a hash keyed by the watched path, so a change at a path
 * of depth d costs d+1 lookups however many watches exist. An event is
 * queued for every watch on the changed path or an ancestor of it; the
 * queue is signalled through an eventfd that is readable while events (or
 * a pending -ENOBUFS) are queued. While held (a batch, a commit), events
 * are collected without duplicates and queued at the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>
#include <utlist.h>

#include "sim_internal.h"

struct xs_watch {
	char *token;
	struct xs_watch *next, *prev;
};

struct xs_wpath {
	char *path;
	struct xs_watch *watches;
	UT_hash_handle hh;
};

struct xs_event {
	const char *path;    /* both point into key */
	const char *token;
	size_t keylen;       /* "path\0token" */
	struct xs_event *next, *prev;
	UT_hash_handle hh;   /* dedup while held */
	char key[];
};

static void efd_update(struct xenback_sim *sim)
{
	struct sim_xs *xs = &sim->xs;
	bool want = xs->queue || xs->overflow;
	uint64_t v = 1;

	if (want == xs->efd_set)
		return;
	if (want) {
		if (write(xs->efd, &v, sizeof(v)) != sizeof(v))
			return;
	} else if (read(xs->efd, &v, sizeof(v)) != sizeof(v)) {
		return;
	}
	xs->efd_set = want;
}

static void queue_event(struct xenback_sim *sim, const char *path,
			const char *token)
{
	struct sim_xs *xs = &sim->xs;
	size_t pl = strlen(path), tl = strlen(token);
	struct xs_event *ev, *dup = NULL;

	ev = malloc(sizeof(*ev) + pl + tl + 2);
	if (!ev)
		return; /* lost, like an overflowing queue */
	memcpy(ev->key, path, pl + 1);
	memcpy(ev->key + pl + 1, token, tl + 1);
	ev->path = ev->key;
	ev->token = ev->key + pl + 1;
	ev->keylen = pl + 1 + tl;
	if (xs->hold_depth) {
		HASH_FIND(hh, xs->held, ev->key, ev->keylen, dup);
		if (dup) {
			free(ev);
			return;
		}
		HASH_ADD(hh, xs->held, key, ev->keylen, ev);
		DL_APPEND(xs->held_list, ev);
		return;
	}
	DL_APPEND(xs->queue, ev);
	xs->nqueued++;
	efd_update(sim);
}

static void fire_wpath(struct xenback_sim *sim, const char *key, size_t klen,
		       const char *path)
{
	struct xs_wpath *wp = NULL;
	struct xs_watch *w;

	HASH_FIND(hh, sim->xs.watches, key, (unsigned int)klen, wp);
	if (!wp)
		return;
	DL_FOREACH(wp->watches, w)
		queue_event(sim, path, w->token);
}

void xb_sim_xs_fire_exact(struct xenback_sim *sim, const char *path)
{
	if (sim->xs.watches)
		fire_wpath(sim, path, strlen(path), path);
}

void xb_sim_xs_fire(struct xenback_sim *sim, const char *path)
{
	size_t len = strlen(path);

	if (!sim->xs.watches)
		return;
	/* "/" watches everything; then every proper prefix ending before a
	 * '/', then the path itself. */
	fire_wpath(sim, "/", 1, path);
	for (size_t i = 1; i < len; i++)
		if (path[i] == '/')
			fire_wpath(sim, path, i, path);
	if (len > 1)
		fire_wpath(sim, path, len, path);
}

void xb_sim_xs_hold(struct xenback_sim *sim)
{
	sim->xs.hold_depth++;
}

void xb_sim_xs_release(struct xenback_sim *sim)
{
	struct sim_xs *xs = &sim->xs;
	struct xs_event *ev, *tmp;

	if (!xs->hold_depth || --xs->hold_depth)
		return;
	HASH_CLEAR(hh, xs->held);
	DL_FOREACH_SAFE(xs->held_list, ev, tmp) {
		DL_DELETE(xs->held_list, ev);
		DL_APPEND(xs->queue, ev);
		xs->nqueued++;
	}
	efd_update(sim);
}

int xb_sim_xs_watch_add(struct xenback_sim *sim, const char *path,
			const char *token)
{
	struct xs_wpath *wp = NULL;
	struct xs_watch *w;
	int r = xb_sim_xs_check_path(path, true);

	if (r < 0 || !token)
		return r < 0 ? r : -EINVAL;
	if (strlen(token) > XB_VALUE_MAX)
		return -E2BIG;
	HASH_FIND_STR(sim->xs.watches, path, wp);
	if (wp) {
		DL_FOREACH(wp->watches, w)
			if (!strcmp(w->token, token))
				return -EEXIST;
	} else {
		wp = calloc(1, sizeof(*wp));
		if (!wp || !(wp->path = strdup(path))) {
			free(wp);
			return -ENOMEM;
		}
		HASH_ADD_KEYPTR(hh, sim->xs.watches, wp->path,
				(unsigned int)strlen(wp->path), wp);
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->token = strdup(token))) {
		free(w);
		if (!wp->watches) {
			HASH_DEL(sim->xs.watches, wp);
			free(wp->path);
			free(wp);
		}
		return -ENOMEM;
	}
	DL_APPEND(wp->watches, w);
	/* xenstored fires every new watch once, with the watched path. */
	queue_event(sim, path, token);
	return 0;
}

static void drop_from_queue(struct sim_xs *xs, struct xs_event **list,
			    bool held, const char *path, const char *token)
{
	struct xs_event *ev, *tmp;

	DL_FOREACH_SAFE(*list, ev, tmp) {
		if (strcmp(ev->token, token) ||
		    !xb_sim_xs_is_under(ev->path, path))
			continue;
		DL_DELETE(*list, ev);
		if (held)
			HASH_DEL(xs->held, ev);
		else
			xs->nqueued--;
		free(ev);
	}
}

int xb_sim_xs_watch_del(struct xenback_sim *sim, const char *path,
			const char *token)
{
	struct sim_xs *xs = &sim->xs;
	struct xs_wpath *wp = NULL;
	struct xs_watch *w;
	int r = xb_sim_xs_check_path(path, true);

	if (r < 0 || !token)
		return r < 0 ? r : -EINVAL;
	HASH_FIND_STR(xs->watches, path, wp);
	if (!wp)
		return -ENOENT;
	DL_FOREACH(wp->watches, w)
		if (!strcmp(w->token, token))
			break;
	if (!w)
		return -ENOENT;
	DL_DELETE(wp->watches, w);
	free(w->token);
	free(w);
	if (!wp->watches) {
		HASH_DEL(xs->watches, wp);
		free(wp->path);
		free(wp);
	}
	/* Like libxenstore's xs_unwatch(): events of this watch that are
	 * still queued are discarded. An event matches if it carries the
	 * token and its path is the watched path or below it (the event of
	 * another watch with the same token on an ancestor would too; tokens
	 * are unique per watch in practice). */
	drop_from_queue(xs, &xs->queue, false, path, token);
	drop_from_queue(xs, &xs->held_list, true, path, token);
	efd_update(sim);
	return 0;
}

int xb_sim_xs_read_watch(struct xenback_sim *sim, char **path, char **token)
{
	struct sim_xs *xs = &sim->xs;
	struct xs_event *ev = xs->queue;
	char *p, *t;

	if (xs->overflow) {
		xs->overflow = false;
		efd_update(sim);
		return -ENOBUFS;
	}
	if (!ev)
		return -EAGAIN;
	p = strdup(ev->path);
	t = strdup(ev->token);
	if (!p || !t) {
		free(p);
		free(t);
		return -ENOMEM;
	}
	DL_DELETE(xs->queue, ev);
	xs->nqueued--;
	free(ev);
	efd_update(sim);
	sim->watch_events++;
	*path = p;
	*token = t;
	return 0;
}

static void free_events(struct xs_event **list)
{
	struct xs_event *ev, *tmp;

	DL_FOREACH_SAFE(*list, ev, tmp) {
		DL_DELETE(*list, ev);
		free(ev);
	}
}

void xb_sim_xs_drop_events(struct xenback_sim *sim)
{
	struct sim_xs *xs = &sim->xs;

	HASH_CLEAR(hh, xs->held);
	free_events(&xs->held_list);
	free_events(&xs->queue);
	xs->nqueued = 0;
}

XB_EXPORT void xenback_sim_watch_overflow(struct xenback_sim *sim)
{
	if (!sim)
		return;
	xb_sim_xs_drop_events(sim);
	sim->xs.overflow = true;
	efd_update(sim);
}

/* The backend side closed: its watches and queued events go. */
void xb_sim_xs_watch_fini(struct xenback_sim *sim)
{
	struct sim_xs *xs = &sim->xs;
	struct xs_wpath *wp, *tmp;
	struct xs_watch *w, *wtmp;

	HASH_ITER(hh, xs->watches, wp, tmp) {
		DL_FOREACH_SAFE(wp->watches, w, wtmp) {
			DL_DELETE(wp->watches, w);
			free(w->token);
			free(w);
		}
		HASH_DEL(xs->watches, wp);
		free(wp->path);
		free(wp);
	}
	xb_sim_xs_drop_events(sim);
	xs->overflow = false;
	if (xs->efd >= 0)
		efd_update(sim);
}
