/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device options (QEMU: the QDict of a backend node's keys), sorted by key. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct xb_opt {
	char *key;
	char *val;
};

struct xenback_opts {
	struct xb_opt *v;
	unsigned int n, cap;
};

XB_EXPORT struct xenback_opts *xenback_opts_new(void)
{
	return calloc(1, sizeof(struct xenback_opts));
}

XB_EXPORT void xenback_opts_free(struct xenback_opts *o)
{
	unsigned int i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++) {
		free(o->v[i].key);
		free(o->v[i].val);
	}
	free(o->v);
	free(o);
}

/* Index of key, or -(insertion point) - 1. */
static long find(const struct xenback_opts *o, const char *key)
{
	long lo = 0, hi = (long)o->n - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		int c = strcmp(o->v[mid].key, key);

		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

XB_EXPORT int xenback_opts_set(struct xenback_opts *o, const char *key, const char *val)
{
	long i;
	char *v;

	if (!o || !key || !val)
		return -EINVAL;
	v = strdup(val);
	if (!v)
		return -ENOMEM;
	i = find(o, key);
	if (i >= 0) {
		free(o->v[i].val);
		o->v[i].val = v;
		return 0;
	}
	i = -i - 1;
	if (o->n == o->cap) {
		unsigned int cap = o->cap ? o->cap * 2 : 8;
		struct xb_opt *nv = realloc(o->v, cap * sizeof(*nv));

		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		o->v = nv;
		o->cap = cap;
	}
	memmove(&o->v[i + 1], &o->v[i], (o->n - (unsigned long)i) * sizeof(*o->v));
	o->v[i].key = strdup(key);
	o->v[i].val = v;
	if (!o->v[i].key) {
		memmove(&o->v[i], &o->v[i + 1], (o->n - (unsigned long)i) * sizeof(*o->v));
		free(v);
		return -ENOMEM;
	}
	o->n++;
	return 0;
}

XB_EXPORT const char *xenback_opts_get(const struct xenback_opts *o, const char *key)
{
	long i;

	if (!o || !key)
		return NULL;
	i = find(o, key);
	return i >= 0 ? o->v[i].val : NULL;
}

XB_EXPORT unsigned int xenback_opts_count(const struct xenback_opts *o)
{
	return o ? o->n : 0;
}

XB_EXPORT const char *xenback_opts_key(const struct xenback_opts *o, unsigned int i)
{
	return o && i < o->n ? o->v[i].key : NULL;
}

XB_EXPORT const char *xenback_opts_value(const struct xenback_opts *o, unsigned int i)
{
	return o && i < o->n ? o->v[i].val : NULL;
}
