// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated xenstore tree: nodes with a value and children (a uthash
 * table per node, iterated in creation order like xenstored's children
 * list), per-node generation numbers for transactions, the other side's
 * xenback_sim_* calls and the backend side's ops table.
 *
 * Semantics follow xenstored: paths are absolute, a write creates missing
 * parents with empty values, rm removes a subtree (and is a no-op on an
 * absent node whose parent exists), a change fires watches on the node and
 * its ancestors, rm also fires watches set inside the removed subtree.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uthash.h>

#include "sim_internal.h"

struct xs_node {
	char *name;
	char *value; /* NUL-terminated, len bytes before the NUL */
	unsigned int len;
	uint64_t gen;
	struct xs_node *parent;
	struct xs_node *children;
	UT_hash_handle hh;
};

static struct xs_node *node_new(const char *name, size_t nlen)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strndup(name, nlen);
	n->value = strdup("");
	if (!n->name || !n->value) {
		free(n->name);
		free(n->value);
		free(n);
		return NULL;
	}
	return n;
}

static void node_free(struct xs_node *n)
{
	struct xs_node *c, *tmp;

	HASH_ITER(hh, n->children, c, tmp) {
		HASH_DEL(n->children, c);
		node_free(c);
	}
	free(n->name);
	free(n->value);
	free(n);
}

int xb_sim_xs_init(struct xenback_sim *sim)
{
	sim->xs.root = node_new("", 0);
	if (!sim->xs.root)
		return -ENOMEM;
	sim->xs.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sim->xs.efd < 0)
		return -errno;
	sim->xs.next_txn = 1;
	return 0;
}

void xb_sim_xs_close(struct xenback_sim *sim)
{
	xb_sim_txn_fini(sim);
	xb_sim_xs_watch_fini(sim);
}

void xb_sim_xs_fini(struct xenback_sim *sim)
{
	xb_sim_xs_close(sim);
	if (sim->xs.root)
		node_free(sim->xs.root);
	sim->xs.root = NULL;
	if (sim->xs.efd >= 0)
		close(sim->xs.efd);
	sim->xs.efd = -1;
}

/* ---------------------------------------------------------------- paths */

/* xenstored's is_valid_nodename(): absolute, no "//", no trailing '/',
 * only [A-Za-z0-9-/_@]; special "@..." names only where allowed. */
int xb_sim_xs_check_path(const char *path, bool allow_special)
{
	size_t len;

	if (!path)
		return -EINVAL;
	len = strlen(path);
	if (len > XB_PATH_MAX)
		return -EINVAL;
	if (path[0] != '/' && !(allow_special && path[0] == '@'))
		return -EINVAL;
	if (len > 1 && path[len - 1] == '/')
		return -EINVAL;
	if (strstr(path, "//"))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];

		if (!isalnum(c) && !strchr("-/_@", c))
			return -EINVAL;
	}
	return 0;
}

bool xb_sim_xs_is_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return false;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return path[n] == '\0' || path[n] == '/';
}

struct xs_node *xb_sim_xs_lookup(struct xenback_sim *sim, const char *path)
{
	struct xs_node *n = sim->xs.root;
	const char *p = path;

	if (p[0] != '/')
		return NULL;
	while (n && *p) {
		const char *c = p + 1, *end = strchrnul(c, '/');
		struct xs_node *child = NULL;

		if (end == c)
			break; /* "/" itself */
		HASH_FIND(hh, n->children, c, (unsigned int)(end - c), child);
		n = child;
		p = end;
	}
	return n;
}

bool xb_sim_xs_node_info(const struct xs_node *n, uint64_t *gen)
{
	if (!n)
		return false;
	*gen = n->gen;
	return true;
}

const char *xb_sim_xs_node_value(const struct xs_node *n, unsigned int *len)
{
	*len = n->len;
	return n->value;
}

int xb_sim_xs_node_children(const struct xs_node *n, char ***names,
			    unsigned int *nr, unsigned int *cap)
{
	const struct xs_node *c;

	for (c = n->children; c; c = c->hh.next) {
		if (*nr == *cap) {
			unsigned int ncap = *cap ? *cap * 2 : 16;
			char **a = realloc(*names, ncap * sizeof(*a));

			if (!a)
				return -ENOMEM;
			*names = a;
			*cap = ncap;
		}
		(*names)[(*nr)++] = c->name;
	}
	return 0;
}

int xb_sim_xs_pack_names(char **names, unsigned int n, char ***out)
{
	size_t bytes = (n + 1) * sizeof(char *);
	char **arr;
	char *s;

	for (unsigned int i = 0; i < n; i++)
		bytes += strlen(names[i]) + 1;
	arr = malloc(bytes);
	if (!arr)
		return -ENOMEM;
	s = (char *)(arr + n + 1);
	for (unsigned int i = 0; i < n; i++) {
		size_t l = strlen(names[i]) + 1;

		memcpy(s, names[i], l);
		arr[i] = s;
		s += l;
	}
	arr[n] = NULL;
	*out = arr;
	return 0;
}

/* ---------------------------------------------------------- tree changes */

/* "/local/domain/<n>" appearing is the toolstack introducing a domain. */
static bool is_domain_dir(const char *path, size_t len)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1;

	if (len <= i || strncmp(path, pre, i) != 0)
		return false;
	for (; i < len; i++)
		if (!isdigit((unsigned char)path[i]))
			return false;
	return true;
}

int xb_sim_xs_tree_write(struct xenback_sim *sim, const char *path,
			 const char *val, unsigned int len)
{
	struct xs_node *n = sim->xs.root;
	const char *p = path;
	bool introduced = false;
	char *v;

	if (len > XB_VALUE_MAX)
		return -E2BIG;
	v = malloc(len + 1);
	if (!v)
		return -ENOMEM;
	if (len)
		memcpy(v, val, len);
	v[len] = '\0';
	while (*p && p[1]) {
		const char *c = p + 1, *end = strchrnul(c, '/');
		unsigned int clen = (unsigned int)(end - c);
		struct xs_node *child = NULL;

		HASH_FIND(hh, n->children, c, clen, child);
		if (!child) {
			child = node_new(c, clen);
			if (!child) {
				free(v);
				return -ENOMEM;
			}
			child->parent = n;
			HASH_ADD_KEYPTR(hh, n->children, child->name, clen, child);
			n->gen = child->gen = ++sim->xs.gen;
			if (is_domain_dir(path, (size_t)(end - path)))
				introduced = true;
		}
		n = child;
		p = end;
	}
	free(n->value);
	n->value = v;
	n->len = len;
	n->gen = ++sim->xs.gen;
	xb_sim_xs_fire(sim, path);
	if (introduced)
		xb_sim_xs_fire_exact(sim, "@introduceDomain");
	return 0;
}

/* Fires exact watches inside the subtree, notes deletions for open
 * transactions and frees it. buf holds the node's path (len chars). */
static void rm_subtree(struct xenback_sim *sim, struct xs_node *n, char *buf,
		       size_t len, bool top)
{
	struct xs_node *c, *tmp;

	if (!top)
		xb_sim_xs_fire_exact(sim, buf);
	xb_sim_txn_note_delete(sim, buf);
	HASH_ITER(hh, n->children, c, tmp) {
		size_t cl = strlen(c->name);

		if (len + 1 + cl <= XB_PATH_MAX) {
			size_t off = (len == 1) ? 1 : len + 1;

			buf[off - 1] = '/';
			memcpy(buf + off, c->name, cl + 1);
			rm_subtree(sim, c, buf, off + cl, false);
			buf[len] = '\0';
		}
		HASH_DEL(n->children, c);
		node_free(c);
	}
}

int xb_sim_xs_tree_rm(struct xenback_sim *sim, const char *path)
{
	struct xs_node *n = xb_sim_xs_lookup(sim, path);
	char buf[XB_PATH_MAX + 1];

	if (!n)
		return -ENOENT;
	if (!n->parent)
		return -EINVAL; /* xenstored refuses to remove "/" */
	xb_sim_xs_fire(sim, path);
	snprintf(buf, sizeof(buf), "%s", path);
	rm_subtree(sim, n, buf, strlen(buf), true);
	HASH_DEL(n->parent->children, n);
	n->parent->gen = ++sim->xs.gen;
	node_free(n);
	return 0;
}

/* ------------------------------------------------------------ other side */

XB_EXPORT int xenback_sim_write(struct xenback_sim *sim, const char *path,
		      const char *fmt, ...)
{
	va_list ap;
	char *val;
	int len, r;

	if (!sim || !fmt)
		return -EINVAL;
	r = xb_sim_xs_check_path(path, false);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	len = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	r = xb_sim_xs_tree_write(sim, path, val, (unsigned int)len);
	free(val);
	return r;
}

XB_EXPORT char *xenback_sim_read(struct xenback_sim *sim, const char *path)
{
	struct xs_node *n;

	if (!sim || xb_sim_xs_check_path(path, false) < 0)
		return NULL;
	n = xb_sim_xs_lookup(sim, path);
	return n ? strdup(n->value) : NULL;
}

XB_EXPORT long xenback_sim_read_int(struct xenback_sim *sim, const char *path)
{
	char *v = xenback_sim_read(sim, path), *end;
	long r;

	if (!v)
		return -1;
	errno = 0;
	r = strtol(v, &end, 10);
	if (errno || end == v || *end)
		r = -1;
	free(v);
	return r;
}

XB_EXPORT int xenback_sim_rm(struct xenback_sim *sim, const char *path)
{
	int r;

	if (!sim)
		return -EINVAL;
	r = xb_sim_xs_check_path(path, false);
	return r < 0 ? r : xb_sim_xs_tree_rm(sim, path);
}

XB_EXPORT bool xenback_sim_exists(struct xenback_sim *sim, const char *path)
{
	if (!sim || xb_sim_xs_check_path(path, false) < 0)
		return false;
	return xb_sim_xs_lookup(sim, path) != NULL;
}

XB_EXPORT void xenback_sim_batch_begin(struct xenback_sim *sim)
{
	if (sim)
		xb_sim_xs_hold(sim);
}

XB_EXPORT void xenback_sim_batch_end(struct xenback_sim *sim)
{
	if (sim)
		xb_sim_xs_release(sim);
}

/* ---------------------------------------------------- backend-side ops */

static int op_read(void *h, xb_txn_t t, const char *path, char **val,
		   unsigned int *len)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_READ);

	if (r < 0)
		return r;
	if (!val || (r = xb_sim_xs_check_path(path, false)) < 0)
		return r < 0 ? r : -EINVAL;
	return xb_sim_txn_read(sim, t, path, val, len);
}

static int op_write(void *h, xb_txn_t t, const char *path, const char *val,
		    unsigned int len)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_WRITE);

	if (r < 0)
		return r;
	if ((!val && len) || (r = xb_sim_xs_check_path(path, false)) < 0)
		return r < 0 ? r : -EINVAL;
	if (len > XB_VALUE_MAX)
		return -E2BIG;
	if (sim->write_hook)
		sim->write_hook(sim->write_hook_arg, path, val, len);
	return xb_sim_txn_write(sim, t, path, val, len);
}

XB_EXPORT void xenback_sim_on_write(struct xenback_sim *sim,
				    void (*fn)(void *arg, const char *path, const char *val,
					       unsigned int len),
				    void *arg)
{
	if (!sim)
		return;
	sim->write_hook = fn;
	sim->write_hook_arg = arg;
}

static int op_directory(void *h, xb_txn_t t, const char *path,
			char ***names, unsigned int *n)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_DIRECTORY);

	if (r < 0)
		return r;
	if (!names || !n || (r = xb_sim_xs_check_path(path, false)) < 0)
		return r < 0 ? r : -EINVAL;
	return xb_sim_txn_directory(sim, t, path, names, n);
}

static int op_rm(void *h, xb_txn_t t, const char *path)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_RM);

	if (r < 0)
		return r;
	if ((r = xb_sim_xs_check_path(path, false)) < 0)
		return r;
	return xb_sim_txn_rm(sim, t, path);
}

static int op_txn_start(void *h, xb_txn_t *t)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_TXN_START);

	if (r < 0)
		return r;
	return t ? xb_sim_txn_start(sim, t) : -EINVAL;
}

static int op_txn_end(void *h, xb_txn_t t, bool abort)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_TXN_END);
	int e = xb_sim_txn_end(sim, t, r < 0 ? true : abort);

	/* An injected failure still ends the transaction (the id is gone,
	 * as after any XS_TRANSACTION_END), without applying it. */
	return r < 0 ? r : e;
}

static int op_watch(void *h, const char *path, const char *token)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_WATCH);

	return r < 0 ? r : xb_sim_xs_watch_add(sim, path, token);
}

static int op_unwatch(void *h, const char *path, const char *token)
{
	struct xenback_sim *sim = h;
	int r = xb_sim_request(sim, XENBACK_SIM_UNWATCH);

	return r < 0 ? r : xb_sim_xs_watch_del(sim, path, token);
}

static int op_fd(void *h)
{
	return ((struct xenback_sim *)h)->xs.efd;
}

static int op_read_watch(void *h, char **path, char **token)
{
	if (!path || !token)
		return -EINVAL;
	return xb_sim_xs_read_watch(h, path, token);
}

static void op_close(void *h)
{
	xb_sim_xs_close(h);
}

const struct xb_xs_ops xb_sim_xs_ops = {
	.read = op_read,
	.write = op_write,
	.directory = op_directory,
	.rm = op_rm,
	.txn_start = op_txn_start,
	.txn_end = op_txn_end,
	.watch = op_watch,
	.unwatch = op_unwatch,
	.fd = op_fd,
	.read_watch = op_read_watch,
	.close = op_close,
};
