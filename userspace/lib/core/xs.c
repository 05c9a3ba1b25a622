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

bool xb_node_answer_closing(struct xenback_bus *bus, const char *node)
{
	char path[XB_PATH_MAX];
	unsigned long st;

	if ((size_t)snprintf(path, sizeof(path), "%s/state", node) >= sizeof(path))
		return false;
	return xb_xs_read_uint(bus, XB_TXN_NULL, path, XENBACK_STATE_RECONFIGURED, &st) == 0 &&
	       st == XENBACK_STATE_CLOSING && xb_node_write(bus, node, path, "6", true) == 0;
}

void xb_node_release(struct xenback_bus *bus, const char *node)
{
	const struct xb_xs_ops *xs = bus->plat->xs;
	char state[XB_PATH_MAX], online[XB_PATH_MAX];
	unsigned long st, on;
	unsigned int attempt;
	int r = -EAGAIN;
	xb_txn_t t;

	if (!bus->cfg.backend_domid ||
	    (size_t)snprintf(state, sizeof(state), "%s/state", node) >= sizeof(state) ||
	    (size_t)snprintf(online, sizeof(online), "%s/online", node) >= sizeof(online))
		return;
	for (attempt = 0; attempt < bus->cfg.txn_retries && r == -EAGAIN; attempt++) {
		r = xs->txn_start(bus->plat->xs_h, &t);
		if (r < 0)
			break;
		/* a node the toolstack renewed meanwhile is not ours to remove */
		if (xb_xs_read_uint(bus, t, state, XENBACK_STATE_RECONFIGURED, &st) < 0 ||
		    st != XENBACK_STATE_CLOSED || xb_xs_read_uint(bus, t, online, 1, &on) < 0 || on) {
			xs->txn_end(bus->plat->xs_h, t, true);
			return;
		}
		r = xs->rm(bus->plat->xs_h, t, node);
		if (r < 0) {
			xs->txn_end(bus->plat->xs_h, t, true);
			continue;
		}
		r = xs->txn_end(bus->plat->xs_h, t, false);
	}
	if (r < 0)
		xb_log(bus, XENBACK_LOG_WARNING, "removing %s: %s", node, strerror(-r));
	else
		xb_log(bus, XENBACK_LOG_INFO, "%s: closed and offline: removed (driver domain)", node);
}
