/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checked xenstore access: every value is hostile until parsed here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int xb_parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	unsigned long r = 0;

	if (!s || !*s || strlen(s) > 10)
		return -EINVAL;
	if (s[0] == '0' && s[1])
		return -EINVAL; /* no leading zeros: one spelling per number */
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		r = r * 10 + (unsigned long)(*s - '0');
	}
	if (r > max)
		return -ERANGE;
	*v = r;
	return 0;
}

int xb_xs_read(struct xenback_bus *bus, xb_txn_t t, const char *path, char **val)
{
	unsigned int len;
	int r;

	if (strlen(path) >= XB_PATH_MAX)
		return -E2BIG;
	r = bus->plat->xs->read(bus->plat->xs_h, t, path, val, &len);
	if (r < 0)
		return r;
	if (len >= XB_VALUE_MAX || strlen(*val) != len) {
		free(*val);
		*val = NULL;
		return -EINVAL; /* oversized or embedded NUL */
	}
	return 0;
}

int xb_xs_read_uint(struct xenback_bus *bus, xb_txn_t t, const char *path,
		    unsigned long max, unsigned long *v)
{
	char *s;
	int r = xb_xs_read(bus, t, path, &s);

	if (r < 0)
		return r;
	r = xb_parse_uint(s, max, v);
	free(s);
	return r;
}

int xb_xs_write(struct xenback_bus *bus, xb_txn_t t, const char *path, const char *val)
{
	if (strlen(path) >= XB_PATH_MAX || strlen(val) >= XB_VALUE_MAX)
		return -E2BIG;
	return bus->plat->xs->write(bus->plat->xs_h, t, path, val,
				    (unsigned int)strlen(val));
}

int xb_xs_printf(struct xenback_bus *bus, xb_txn_t t, const char *path,
		 const char *fmt, ...)
{
	char buf[64], *big = NULL;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(buf)) {
		va_start(ap, fmt);
		n = vasprintf(&big, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -ENOMEM;
	}
	r = xb_xs_write(bus, t, path, big ? big : buf);
	free(big);
	return r;
}

int xb_xs_directory(struct xenback_bus *bus, xb_txn_t t, const char *path,
		    char ***names, unsigned int *n)
{
	if (strlen(path) >= XB_PATH_MAX)
		return -E2BIG;
	return bus->plat->xs->directory(bus->plat->xs_h, t, path, names, n);
}

int xb_node_write(struct xenback_bus *bus, const char *node, const char *path,
		  const char *val, bool refuse_new)
{
	const struct xb_xs_ops *xs = bus->plat->xs;
	char state[XB_PATH_MAX];
	unsigned long st;
	unsigned int attempt;
	int r = -EAGAIN;
	xb_txn_t t;
	char *v;

	if ((size_t)snprintf(state, sizeof(state), "%s/state", node) >= sizeof(state))
		return -E2BIG;
	for (attempt = 0; attempt < bus->cfg.txn_retries && r == -EAGAIN; attempt++) {
		r = xs->txn_start(bus->plat->xs_h, &t);
		if (r < 0)
			break;
		r = xb_xs_read(bus, t, state, &v);
		if (r == 0) {
			if (refuse_new && xb_parse_uint(v, XENBACK_STATE_RECONFIGURED, &st) == 0 &&
			    st == XENBACK_STATE_INITIALISING)
				r = -ESTALE;
			free(v);
		}
		if (r == 0)
			r = xb_xs_write(bus, t, path, val);
		if (r < 0) {
			xs->txn_end(bus->plat->xs_h, t, true);
			continue;
		}
		r = xs->txn_end(bus->plat->xs_h, t, false);
	}
	return r;
}
