// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Backend-side xenstore requests, with and without a transaction.
 *
 * A transaction buffers its writes and removals as a list of operations;
 * its reads and directory listings see the tree with that list applied.
 * Every node it touches is recorded with the generation it had at first
 * access (like xenstored's accessed-nodes list); the commit fails with
 * -EAGAIN if any of them changed since the transaction started, else the
 * list is applied to the tree and the watch events fire then, once per
 * node and watch. Nodes deleted while transactions are open leave a
 * tombstone so a deletion before the first access is a conflict too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>
#include <utlist.h>

#include "sim_internal.h"

struct xs_op {
	bool rm;
	char *path;
	char *val;
	unsigned int len;
	struct xs_op *next, *prev;
};

struct xs_access {
	char *path;
	bool existed;
	uint64_t gen;
	UT_hash_handle hh;
};

struct xs_txn {
	uint32_t id;
	uint64_t start_gen;
	bool conflict;
	struct xs_op *ops;
	struct xs_access *acc;
	UT_hash_handle hh;
};

struct xs_tomb {
	char *path;
	uint64_t gen;
	UT_hash_handle hh;
};

static void tombs_clear(struct sim_xs *xs)
{
	struct xs_tomb *tb, *tmp;

	HASH_ITER(hh, xs->tombs, tb, tmp) {
		HASH_DEL(xs->tombs, tb);
		free(tb->path);
		free(tb);
	}
}

void xb_sim_txn_note_delete(struct xenback_sim *sim, const char *path)
{
	struct sim_xs *xs = &sim->xs;
	struct xs_tomb *tb = NULL;

	if (!xs->txns)
		return;
	HASH_FIND_STR(xs->tombs, path, tb);
	if (!tb) {
		tb = calloc(1, sizeof(*tb));
		if (!tb || !(tb->path = strdup(path))) {
			free(tb);
			/* Cannot remember it: fail every open transaction. */
			for (struct xs_txn *t = xs->txns; t; t = t->hh.next)
				t->conflict = true;
			return;
		}
		HASH_ADD_KEYPTR(hh, xs->tombs, tb->path,
				(unsigned int)strlen(tb->path), tb);
	}
	tb->gen = xs->gen + 1;
}

static void txn_free(struct xenback_sim *sim, struct xs_txn *t)
{
	struct xs_op *op, *otmp;
	struct xs_access *a, *atmp;

	HASH_DEL(sim->xs.txns, t);
	DL_FOREACH_SAFE(t->ops, op, otmp) {
		DL_DELETE(t->ops, op);
		free(op->path);
		free(op->val);
		free(op);
	}
	HASH_ITER(hh, t->acc, a, atmp) {
		HASH_DEL(t->acc, a);
		free(a->path);
		free(a);
	}
	free(t);
	if (!sim->xs.txns)
		tombs_clear(&sim->xs);
}

void xb_sim_txn_fini(struct xenback_sim *sim)
{
	while (sim->xs.txns)
		txn_free(sim, sim->xs.txns);
}

static struct xs_txn *txn_find(struct xenback_sim *sim, xb_txn_t id)
{
	struct xs_txn *t = NULL;

	HASH_FIND(hh, sim->xs.txns, &id, sizeof(id), t);
	return t;
}

/* Records the tree's state of path at the transaction's first access. */
static void access_node(struct xenback_sim *sim, struct xs_txn *t,
			const char *path, size_t len)
{
	struct xs_access *a = NULL;
	struct xs_node *n;
	struct xs_tomb *tb = NULL;
	uint64_t gen = 0;

	HASH_FIND(hh, t->acc, path, (unsigned int)len, a);
	if (a)
		return;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->path = strndup(path, len))) {
		free(a);
		t->conflict = true; /* cannot track it: make the commit retry */
		return;
	}
	n = xb_sim_xs_lookup(sim, a->path);
	a->existed = xb_sim_xs_node_info(n, &gen);
	a->gen = gen;
	if (a->existed && gen > t->start_gen)
		t->conflict = true;
	if (!a->existed) {
		HASH_FIND_STR(sim->xs.tombs, a->path, tb);
		if (tb && tb->gen > t->start_gen)
			t->conflict = true;
	}
	HASH_ADD_KEYPTR(hh, t->acc, a->path, (unsigned int)len, a);
}

static size_t parent_len(const char *path)
{
	const char *s = strrchr(path, '/');

	return s == path ? 1 : (size_t)(s - path);
}

/* Does the transaction see path, and with which value? */
static bool view(struct xenback_sim *sim, struct xs_txn *t, const char *path,
		 const char **val, unsigned int *len)
{
	bool implicit = false;
	struct xs_node *n;

	for (struct xs_op *op = t->ops ? t->ops->prev : NULL; op;
	     op = op == t->ops ? NULL : op->prev) {
		if (op->rm) {
			if (xb_sim_xs_is_under(path, op->path))
				goto absent;
		} else if (!strcmp(op->path, path)) {
			*val = op->val;
			*len = op->len;
			return true;
		} else if (xb_sim_xs_is_under(op->path, path)) {
			implicit = true; /* a buffered write creates it */
		}
	}
	n = xb_sim_xs_lookup(sim, path);
	if (n) {
		*val = xb_sim_xs_node_value(n, len);
		return true;
	}
absent:
	*val = "";
	*len = 0;
	return implicit;
}

/* ---------------------------------------------------------------- start/end */

int xb_sim_txn_start(struct xenback_sim *sim, xb_txn_t *id)
{
	struct xs_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	do {
		t->id = sim->xs.next_txn++;
	} while (t->id == XB_TXN_NULL || txn_find(sim, t->id));
	t->start_gen = sim->xs.gen;
	HASH_ADD(hh, sim->xs.txns, id, sizeof(t->id), t);
	*id = t->id;
	return 0;
}

static bool changed(struct xenback_sim *sim, struct xs_txn *t)
{
	struct xs_access *a;
	uint64_t gen = 0;

	if (t->conflict)
		return true;
	for (a = t->acc; a; a = a->hh.next) {
		bool exists = xb_sim_xs_node_info(xb_sim_xs_lookup(sim, a->path),
						  &gen);

		if (exists != a->existed || (exists && gen != a->gen))
			return true;
	}
	return false;
}

int xb_sim_txn_end(struct xenback_sim *sim, xb_txn_t id, bool abort)
{
	struct xs_txn *t = txn_find(sim, id);
	struct xs_op *op;
	int r = 0;

	if (!t)
		return -ENOENT;
	if (abort)
		goto out;
	if (xb_sim_take_commit_fault(sim) || changed(sim, t)) {
		r = -EAGAIN;
		goto out;
	}
	xb_sim_xs_hold(sim);
	DL_FOREACH(t->ops, op) {
		int e = op->rm ? xb_sim_xs_tree_rm(sim, op->path)
			       : xb_sim_xs_tree_write(sim, op->path, op->val,
						      op->len);

		if (e < 0 && e != -ENOENT && !r)
			r = e;
	}
	xb_sim_xs_release(sim);
out:
	txn_free(sim, t);
	return r;
}

/* ---------------------------------------------------------------- requests */

static int copy_out(const char *v, unsigned int vlen, char **val,
		    unsigned int *len)
{
	char *c = malloc(vlen + 1);

	if (!c)
		return -ENOMEM;
	memcpy(c, v, vlen);
	c[vlen] = '\0';
	*val = c;
	if (len)
		*len = vlen;
	return 0;
}

int xb_sim_txn_read(struct xenback_sim *sim, xb_txn_t id, const char *path,
		    char **val, unsigned int *len)
{
	struct xs_txn *t;
	const char *v;
	unsigned int vlen;

	if (id == XB_TXN_NULL) {
		struct xs_node *n = xb_sim_xs_lookup(sim, path);

		if (!n)
			return -ENOENT;
		v = xb_sim_xs_node_value(n, &vlen);
		return copy_out(v, vlen, val, len);
	}
	if (!(t = txn_find(sim, id)))
		return -ENOENT;
	access_node(sim, t, path, strlen(path));
	if (!view(sim, t, path, &v, &vlen))
		return -ENOENT;
	return copy_out(v, vlen, val, len);
}

static int add_op(struct xs_txn *t, bool rm, const char *path,
		  const char *val, unsigned int len)
{
	struct xs_op *op = calloc(1, sizeof(*op));

	if (!op)
		return -ENOMEM;
	op->rm = rm;
	op->path = strdup(path);
	op->val = rm ? NULL : malloc(len + 1);
	if (!op->path || (!rm && !op->val)) {
		free(op->path);
		free(op->val);
		free(op);
		return -ENOMEM;
	}
	if (!rm) {
		if (len)
			memcpy(op->val, val, len);
		op->val[len] = '\0';
		op->len = len;
	}
	DL_APPEND(t->ops, op);
	return 0;
}

/* Records path and every missing parent up to one that exists (whose
 * children change when the commit creates the missing ones). */
static void access_path_and_parents(struct xenback_sim *sim, struct xs_txn *t,
				    const char *path)
{
	char buf[XB_PATH_MAX + 1];
	size_t len = strlen(path);

	memcpy(buf, path, len + 1);
	for (;;) {
		bool exists;

		buf[len] = '\0';
		exists = xb_sim_xs_lookup(sim, buf) != NULL;
		access_node(sim, t, buf, len);
		if (exists || len == 1)
			break;
		len = parent_len(buf);
	}
}

int xb_sim_txn_write(struct xenback_sim *sim, xb_txn_t id, const char *path,
		     const char *val, unsigned int len)
{
	struct xs_txn *t;

	if (id == XB_TXN_NULL)
		return xb_sim_xs_tree_write(sim, path, val, len);
	if (!(t = txn_find(sim, id)))
		return -ENOENT;
	access_path_and_parents(sim, t, path);
	return add_op(t, false, path, val, len);
}

int xb_sim_txn_rm(struct xenback_sim *sim, xb_txn_t id, const char *path)
{
	char parent[XB_PATH_MAX + 1];
	struct xs_txn *t = NULL;
	const char *v;
	unsigned int vlen;
	bool exists, pexists;

	if (!strcmp(path, "/"))
		return -EINVAL;
	if (id != XB_TXN_NULL && !(t = txn_find(sim, id)))
		return -ENOENT;
	memcpy(parent, path, parent_len(path));
	parent[parent_len(path)] = '\0';
	if (t) {
		access_node(sim, t, path, strlen(path));
		access_node(sim, t, parent, strlen(parent));
		exists = view(sim, t, path, &v, &vlen);
		pexists = view(sim, t, parent, &v, &vlen);
	} else {
		exists = xb_sim_xs_lookup(sim, path) != NULL;
		pexists = xb_sim_xs_lookup(sim, parent) != NULL;
	}
	/* xenstored: removing an absent node is fine if its parent exists. */
	if (!exists)
		return pexists ? 0 : -ENOENT;
	return t ? add_op(t, true, path, NULL, 0) : xb_sim_xs_tree_rm(sim, path);
}

static int add_name(char ***names, unsigned int *nr, unsigned int *cap,
		    char *name)
{
	if (*nr == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 16;
		char **a = realloc(*names, ncap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*names = a;
		*cap = ncap;
	}
	(*names)[(*nr)++] = name;
	return 0;
}

/* Children of path as the transaction sees them: the tree's, then the
 * buffered operations in order. Names are strdup()ed into *names. */
static int view_children(struct xenback_sim *sim, struct xs_txn *t,
			 const char *path, char ***names, unsigned int *nr,
			 unsigned int *cap, bool *exists)
{
	struct xs_node *n = xb_sim_xs_lookup(sim, path);
	size_t plen = strlen(path), skip = plen == 1 ? 1 : plen + 1;
	struct xs_op *op;
	int r;

	*exists = n != NULL;
	if (n && (r = xb_sim_xs_node_children(n, names, nr, cap)) < 0)
		return r;
	for (unsigned int i = 0; i < *nr; i++) {
		char *s = strdup((*names)[i]);

		if (!s) {
			*nr = i; /* the caller frees the copies made so far */
			return -ENOMEM;
		}
		(*names)[i] = s;
	}
	DL_FOREACH(t->ops, op) {
		if (!xb_sim_xs_is_under(op->path, path) &&
		    !(op->rm && xb_sim_xs_is_under(path, op->path)))
			continue;
		if (op->rm && xb_sim_xs_is_under(path, op->path)) {
			for (unsigned int i = 0; i < *nr; i++)
				free((*names)[i]);
			*nr = 0;
			*exists = false;
			continue;
		}
		if (!op->rm)
			*exists = true;
		if (!strcmp(op->path, path))
			continue;
		{
			const char *c = op->path + skip;
			size_t clen = strchrnul(c, '/') - c;
			bool child_only = c[clen] == '\0';
			unsigned int i;

			for (i = 0; i < *nr; i++)
				if (strlen((*names)[i]) == clen &&
				    !strncmp((*names)[i], c, clen))
					break;
			if (op->rm) {
				if (child_only && i < *nr) {
					free((*names)[i]);
					memmove(*names + i, *names + i + 1,
						(--*nr - i) * sizeof(char *));
				}
			} else if (i == *nr) {
				char *s = strndup(c, clen);

				if (!s || add_name(names, nr, cap, s) < 0) {
					free(s);
					return -ENOMEM;
				}
			}
		}
	}
	return 0;
}

int xb_sim_txn_directory(struct xenback_sim *sim, xb_txn_t id,
			 const char *path, char ***out, unsigned int *n)
{
	char **names = NULL;
	unsigned int nr = 0, cap = 0;
	struct xs_txn *t = NULL;
	bool exists;
	int r;

	if (id != XB_TXN_NULL && !(t = txn_find(sim, id)))
		return -ENOENT;
	if (!t) {
		struct xs_node *node = xb_sim_xs_lookup(sim, path);

		if (!node)
			return -ENOENT;
		r = xb_sim_xs_node_children(node, &names, &nr, &cap);
		if (r == 0)
			r = xb_sim_xs_pack_names(names, nr, out);
		free(names);
		if (r == 0)
			*n = nr;
		return r;
	}
	access_node(sim, t, path, strlen(path));
	r = view_children(sim, t, path, &names, &nr, &cap, &exists);
	if (r == 0 && !exists)
		r = -ENOENT;
	if (r == 0)
		r = xb_sim_xs_pack_names(names, nr, out);
	if (r == 0)
		*n = nr;
	for (unsigned int i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return r;
}
