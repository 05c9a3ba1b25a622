/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackd's control socket: a client connects, sends one line, gets one
 * JSON document back and the connection is closed. "list": the registry.
 * "restart [PATH]" and "shutdown": actions of the daemon (main.c's
 * handler), taken only from a client running as root or as the daemon's
 * user (SO_PEERCRED; --control-mode may let others list); an accepted
 * action's connection stays open until the process exits or executes the
 * next binary (its fds are close-on-exec), so the client sees EOF when
 * the action is done.
 *
 * The socket is made with its final mode (fchmod of the socket before
 * bind, under a umask that allows no more): no moment where anyone else
 * may connect. Clients are served from the bus's epoll set, non-blocking:
 * the reply, whatever its size, waits in the client's own buffer and goes
 * out as the client reads; a client that makes no progress for the idle
 * timeout is dropped, and at most opts.max_clients are served at once
 * (more are closed at accept, with a log line).
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xenbackd.h"

#define CMD_MAX (PATH_MAX + 64) /* longest command line accepted: "restart <path>" */

struct client {
	struct xbd_control *c;
	int fd;
	char in[CMD_MAX];
	size_t in_len;
	char *out; /* the reply: out[off, len) still to send; NULL: reading */
	size_t off, len;
	uint64_t deadline_ms; /* dropped if no progress by then */
	uid_t uid;            /* the peer's (SO_PEERCRED), -1 if unknown */
	bool action;          /* an accepted action: held open once answered */
	bool held;            /* answered, out of the epoll set, left open */
	struct client *next;
};

struct xbd_control {
	struct xenback_bus *bus;
	struct xbd_control_opts opts;
	int fd, tfd; /* listening socket, idle timer */
	char *path;
	struct client *clients;
	unsigned int nclients;
	uint64_t refused, dropped_idle;
	uint64_t instance;
	xbd_action_fn action;
	void *action_data;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the reply */

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static int add_device(const struct xenback_device_info *i, void *data)
{
	json_object *a = data, *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(i->type));
	json_object_object_add(o, "frontend_id", json_object_new_int((int)i->frontend_id));
	json_object_object_add(o, "devid", json_object_new_int64(i->devid));
	json_object_object_add(o, "state", json_object_new_int(i->state));
	json_object_object_add(o, "state_name",
			       json_object_new_string(i->error ? "failed" :
						      i->declined ? "declined" :
						      xenback_state_name(i->state)));
	json_object_object_add(o, "frontend_state", json_object_new_int(i->frontend_state));
	json_object_object_add(o, "error", json_object_new_int(i->error));
	if (i->error_msg)
		json_object_object_add(o, "error_msg", json_object_new_string(i->error_msg));
	json_object_object_add(o, "declined", json_object_new_boolean(i->declined));
	json_object_object_add(o, "grants_mapped", json_object_new_int((int)i->grants_mapped));
	json_object_object_add(o, "ports_bound", json_object_new_int((int)i->ports_bound));
	add_u64(o, "mem_bytes", i->mem_bytes);
	add_u64(o, "requests_inflight", i->requests_inflight);
	add_u64(o, "fds", i->fds);
	add_u64(o, "throttled", i->throttled);
	json_object_array_add(a, o);
	return 0;
}

/* What the whole daemon holds for guests (xenback_bus_usage()). */
static json_object *bus_usage(struct xenback_bus *bus)
{
	json_object *o = json_object_new_object();

	add_u64(o, "devices", xenback_bus_count(bus));
	add_u64(o, "mem_bytes", xenback_bus_usage(bus, XENBACK_USAGE_MEM));
	add_u64(o, "requests_inflight", xenback_bus_usage(bus, XENBACK_USAGE_REQUESTS));
	add_u64(o, "fds", xenback_bus_usage(bus, XENBACK_USAGE_FDS));
	add_u64(o, "throttled", xenback_bus_usage(bus, XENBACK_USAGE_THROTTLED));
	return o;
}

static bool may_act(const struct client *cl)
{
	return cl->uid == 0 || cl->uid == geteuid();
}

/* "restart [PATH]", "shutdown": the handler's verdict into root. */
static void act(struct client *cl, json_object *root, enum xbd_action what, const char *arg)
{
	struct xbd_control *c = cl->c;
	char err[256] = "";
	int r;

	if (!may_act(cl)) {
		r = -EPERM;
		snprintf(err, sizeof(err), "permission denied: only root or the daemon's user");
	} else if (!c->action) {
		r = -EOPNOTSUPP;
		snprintf(err, sizeof(err), "not supported");
	} else {
		r = c->action(c->action_data, what, arg, err, sizeof(err));
	}
	if (r < 0) {
		json_object_object_add(root, "error",
				       json_object_new_string(*err ? err : strerror(-r)));
		return;
	}
	cl->action = true;
	json_object_object_add(root, "ok", json_object_new_boolean(1));
	json_object_object_add(root, "action", json_object_new_string(
		what == XBD_ACTION_RESTART ? "restart" : "shutdown"));
	if (arg)
		json_object_object_add(root, "exec", json_object_new_string(arg));
	json_object_object_add(root, "pid", json_object_new_int((int)getpid()));
	add_u64(root, "devices", xenback_bus_count(c->bus));
}

/* The reply to cmd, a NUL-terminated JSON document and a newline. */
static char *answer(struct client *cl, char *cmd)
{
	struct xbd_control *c = cl->c;
	json_object *root = json_object_new_object();
	char *s = NULL, *arg = strchr(cmd, ' ');

	if (!root)
		return NULL;
	if (arg) {
		*arg++ = 0;
		arg += strspn(arg, " ");
		if (!*arg)
			arg = NULL;
	}
	add_u64(root, "instance", c->instance);
	if (!strcmp(cmd, "list") && !arg) {
		json_object *a = json_object_new_array();

		xenback_bus_foreach(c->bus, add_device, a);
		json_object_object_add(root, "backend_domid",
				       json_object_new_int((int)xenback_bus_backend_domid(c->bus)));
		json_object_object_add(root, "usage", bus_usage(c->bus));
		json_object_object_add(root, "devices", a);
	} else if (!strcmp(cmd, "restart")) {
		act(cl, root, XBD_ACTION_RESTART, arg);
	} else if (!strcmp(cmd, "shutdown") && !arg) {
		act(cl, root, XBD_ACTION_SHUTDOWN, NULL);
	} else {
		json_object_object_add(root, "error", json_object_new_string("unknown command"));
	}
	if (asprintf(&s, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN)) < 0)
		s = NULL;
	json_object_put(root);
	return s;
}

/* ---- clients */

static void arm_timer(struct xbd_control *c);

static void client_free(struct client *cl)
{
	struct xbd_control *c = cl->c;
	struct client **pp;

	for (pp = &c->clients; *pp && *pp != cl; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = cl->next;
	c->nclients--;
	xenback_bus_del_fd(c->bus, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static void client_ready(int fd, uint32_t events, void *arg);

/* The reply is out: the connection ends, or, for an accepted action, is
 * held open (out of the epoll set, no deadline) until the process exits
 * or executes the next binary. */
static void client_done(struct client *cl)
{
	if (!cl->action) {
		client_free(cl);
		return;
	}
	xenback_bus_del_fd(cl->c->bus, cl->fd);
	cl->held = true;
	cl->deadline_ms = UINT64_MAX;
}

/* Sends what the socket takes now; true: done or failed (close), false:
 * the rest waits for EPOLLOUT. */
static bool client_send(struct client *cl)
{
	while (cl->off < cl->len) {
		ssize_t n = send(cl->fd, cl->out + cl->off, cl->len - cl->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0)
			return true; /* the client went away: nothing more to do */
		cl->off += (size_t)n;
		cl->deadline_ms = now_ms() + cl->c->opts.idle_timeout_ms;
	}
	return true;
}

/* The command line is complete: answer it; the reply goes out as the
 * client reads it. */
static void client_answer(struct client *cl)
{
	struct xbd_control *c = cl->c;

	cl->in[cl->in_len] = 0;
	cl->in[strcspn(cl->in, "\r\n")] = 0;
	cl->out = answer(cl, cl->in);
	if (!cl->out) {
		fprintf(stderr, "xenbackd: control: out of memory for a reply\n");
		client_free(cl);
		return;
	}
	cl->len = strlen(cl->out);
	if (client_send(cl)) {
		client_done(cl);
		return;
	}
	/* From reading to writing: wait for room in the socket. */
	xenback_bus_del_fd(c->bus, cl->fd);
	if (xenback_bus_add_fd(c->bus, cl->fd, EPOLLOUT, client_ready, cl) < 0)
		client_free(cl);
}

static void client_ready(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;
	ssize_t n;

	(void)events;
	if (cl->out) {
		if (client_send(cl))
			client_done(cl);
		return;
	}
	n = recv(fd, cl->in + cl->in_len, sizeof(cl->in) - 1 - cl->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* closed before a full line, or an error */
		if (n == 0 && cl->in_len)
			client_answer(cl); /* "list" without a newline, then EOF */
		else
			client_free(cl);
		return;
	}
	cl->in_len += (size_t)n;
	cl->deadline_ms = now_ms() + cl->c->opts.idle_timeout_ms;
	if (memchr(cl->in, '\n', cl->in_len) || cl->in_len == sizeof(cl->in) - 1)
		client_answer(cl); /* a line, or as long as a command may be */
}

static void accept_ready(int fd, uint32_t events, void *arg)
{
	struct xbd_control *c = arg;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct client *cl;

		if (c->nclients >= c->opts.max_clients) {
			if (!c->refused++ || !(c->refused % 1000))
				fprintf(stderr, "xenbackd: control: %u clients already: refusing "
					"one (%llu refused so far)\n", c->nclients,
					(unsigned long long)c->refused);
			close(cfd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl || xenback_bus_add_fd(c->bus, cfd, EPOLLIN | EPOLLRDHUP, client_ready, cl) < 0) {
			free(cl);
			close(cfd);
			continue;
		}
		cl->c = c;
		cl->fd = cfd;
		cl->uid = (uid_t)-1;
		{
			struct ucred cred;
			socklen_t clen = sizeof(cred);

			if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
				cl->uid = cred.uid;
		}
		cl->deadline_ms = now_ms() + c->opts.idle_timeout_ms;
		cl->next = c->clients;
		c->clients = cl;
		c->nclients++;
	}
	arm_timer(c);
}

/* ---- the idle timeout: one timerfd, armed for the earliest deadline */

static void arm_timer(struct xbd_control *c)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	uint64_t first = UINT64_MAX, now = now_ms(), wait;
	struct client *cl;

	for (cl = c->clients; cl; cl = cl->next)
		if (cl->deadline_ms < first)
			first = cl->deadline_ms;
	if (first != UINT64_MAX) {
		wait = first > now ? first - now : 1;
		its.it_value.tv_sec = (time_t)(wait / 1000);
		its.it_value.tv_nsec = (long)(wait % 1000) * 1000000;
	}
	timerfd_settime(c->tfd, 0, &its, NULL);
}

static void timer_ready(int fd, uint32_t events, void *arg)
{
	struct xbd_control *c = arg;
	struct client *cl, *next;
	uint64_t expirations, now = now_ms();

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (cl->deadline_ms <= now) {
			c->dropped_idle++;
			fprintf(stderr, "xenbackd: control: a client idle for %u ms: dropped "
				"(%s)\n", c->opts.idle_timeout_ms,
				cl->out ? "not reading its reply" : "no command");
			client_free(cl);
		}
	}
	arm_timer(c);
}

/* ---- the socket */

/* The directory of path, made 0755 if missing. */
static void make_dir(const char *path)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;

	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	free(dir);
}

/* A listening socket at path with exactly mode, from the moment it exists. */
static int listen_at(const char *path, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Linux gives the new node the socket inode's mode less the umask:
	 * both allow no more than mode. */
	if (fchmod(fd, mode) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	unlink(path);
	old = umask(~mode & 0777);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Belt and braces: the node is a socket with no more than mode. */
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || (st.st_mode & 0777 & ~mode)) {
		r = lstat(path, &st) < 0 ? -errno : -EPERM;
		close(fd);
		unlink(path);
		return r;
	}
	return fd;
}

void xbd_control_defaults(struct xbd_control_opts *o)
{
	*o = (struct xbd_control_opts)XBD_CONTROL_OPTS_DEFAULT;
}

int xbd_control_open(struct xenback_bus *bus, const char *path,
		     const struct xbd_control_opts *opts, struct xbd_control **out)
{
	struct sockaddr_un sa;
	struct xbd_control *c;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if ((opts->mode & ~0777u) || !opts->idle_timeout_ms || !opts->max_clients)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return -ENOMEM;
	}
	c->bus = bus;
	c->opts = *opts;
	c->fd = c->tfd = -1;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		c->instance = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	}
	make_dir(path);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->tfd < 0) {
		r = -errno;
		goto fail;
	}
	c->fd = listen_at(path, opts->mode);
	if (c->fd < 0) {
		r = c->fd;
		goto fail;
	}
	r = xenback_bus_add_fd(bus, c->tfd, EPOLLIN, timer_ready, c);
	if (r < 0)
		goto fail;
	r = xenback_bus_add_fd(bus, c->fd, EPOLLIN, accept_ready, c);
	if (r < 0) {
		xenback_bus_del_fd(bus, c->tfd);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->fd >= 0) {
		close(c->fd);
		unlink(path);
	}
	if (c->tfd >= 0)
		close(c->tfd);
	free(c->path);
	free(c);
	return r;
}

void xbd_control_close(struct xbd_control *c)
{
	if (!c)
		return;
	while (c->clients)
		client_free(c->clients);
	xenback_bus_del_fd(c->bus, c->fd);
	xenback_bus_del_fd(c->bus, c->tfd);
	close(c->fd);
	close(c->tfd);
	unlink(c->path);
	free(c->path);
	free(c);
}

void xbd_control_set_action(struct xbd_control *c, xbd_action_fn fn, void *data)
{
	c->action = fn;
	c->action_data = data;
}

uint64_t xbd_control_instance(const struct xbd_control *c)
{
	return c->instance;
}

void xbd_control_finish(struct xbd_control *c, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct client *cl, *next;

	if (!c)
		return;
	/* Replies still on their way (a client slow to read): a last chance. */
	for (cl = c->clients; cl; cl = cl->next) {
		while (cl->out && !cl->held && !client_send(cl)) {
			struct pollfd p = { .fd = cl->fd, .events = POLLOUT };
			uint64_t now = now_ms();

			if (now >= end || poll(&p, 1, (int)(end - now)) <= 0)
				break;
		}
		if (cl->out && cl->off == cl->len && cl->action && !cl->held)
			client_done(cl);
	}
	xenback_bus_del_fd(c->bus, c->fd);
	xenback_bus_del_fd(c->bus, c->tfd);
	close(c->fd);
	close(c->tfd);
	unlink(c->path);
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (!cl->held) {
			xenback_bus_del_fd(c->bus, cl->fd);
			close(cl->fd);
		}
		/* held: its fd stays open (close-on-exec), on purpose */
		free(cl->out);
		free(cl);
	}
	free(c->path);
	free(c);
}
