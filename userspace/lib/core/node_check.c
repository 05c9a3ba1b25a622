/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks a new instance passes before its type's create() runs,
 * whoever asks for it (enumeration or xenback_backend_device_create()):
 * its frontend domain exists, and its frontend node lives in that
 * domain's own tree with a matching frontend-id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* 1 if /local/domain/<domid> exists, 0 if not, else a negative errno. */
int xb_domain_exists(struct xenback_bus *bus, uint32_t domid)
{
	char path[40];
	char *v;
	int r;

	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	r = xb_xs_read(bus, XB_TXN_NULL, path, &v);
	if (r == -ENOENT)
		return 0;
	if (r == -EACCES)
		return 1; /* a driver domain may not read another domain's
			   * tree: there, the toolstack's online=0 tells */
	if (r < 0)
		return r;
	free(v);
	return 1;
}

/* The frontend must live in the frontend domain's own tree. */
static int frontend_check(struct xenback_backend *be, const char *fe, bool has_id,
			  unsigned long id)
{
	char prefix[40];
	size_t pl, n = fe ? strlen(fe) : 0;

	if (!fe || !has_id)
		return xenback_backend_set_error(be, -EINVAL, "frontend or frontend-id missing or not a domain id");
	if (id != be->key.domid)
		return xenback_backend_set_error(be, -EINVAL, "frontend-id %lu does not match domain %u",
						 id, be->key.domid);
	pl = (size_t)snprintf(prefix, sizeof(prefix), "/local/domain/%u/", be->key.domid);
	if (strncmp(fe, prefix, pl) || n <= pl || strstr(fe, "//") || strstr(fe, "/.") ||
	    fe[n - 1] == '/' || n > 256)
		return xenback_backend_set_error(be, -EINVAL, "frontend path outside domain %u",
						 be->key.domid);
	return 0;
}

int xb_backend_admit(struct xenback_backend *be, const char *frontend, bool has_id,
		     unsigned long frontend_id)
{
	int r = xb_domain_exists(be->bus, be->key.domid);

	if (r == 0) {
		xb_backend_set_gone(be);
		return -ESRCH;
	}
	if (r < 0) {
		r = xenback_backend_set_error(be, r, "reading /local/domain/%u: %s",
					      be->key.domid, strerror(-r));
	} else {
		struct xb_dom *d = xb_dom_find(be->bus, be->key.domid);

		if (d)
			d->gone = false; /* alive (again: a reused domid) */
		r = frontend_check(be, frontend, has_id, frontend_id);
	}
	if (r < 0)
		be->error = r;
	return r;
}
