/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback-dm's sockets: libxl's and libxenstat's QMP listeners, their
 * clients, and the one poll loop (with xenstore's watch fd). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dm.h"

#define MAX_CLIENTS 16
/* Replies a client has not read yet, at most: a peer that sends faster than
 * it reads is dropped past this (QMP replies are small; libxl reads each
 * before its next command). While more than DM_OUT_PAUSE bytes wait, its
 * input is not read (it gets no more replies to queue). */
#define DM_OUT_MAX (1u << 20)
#define DM_OUT_PAUSE (64u << 10)

/* Every socket is non-blocking: a client that stops reading holds its
 * replies here and never blocks the loop (the domain's end, other
 * clients). */
struct client {
	int fd;
	struct qmp_conn *conn;
	char *out;       /* replies not yet sent: out[off, len) */
	size_t off, len, cap;
	bool full;       /* went over DM_OUT_MAX (logged once) */
};

static volatile sig_atomic_t stop;
static sigset_t wait_mask; /* the mask while waiting: the signals let in */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

void dm_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	/* Blocked but while waiting: none is lost between two polls, and one
	 * that comes before the loop still ends it (sockets removed). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int dm_listen(struct dm *dm)
{
	/* libxl's listening socket (fd=) too: accept never blocks the loop. */
	if (dm->qmp_fd >= 0)
		fcntl(dm->qmp_fd, F_SETFL, fcntl(dm->qmp_fd, F_GETFL) | O_NONBLOCK);
	/* The QMP socket exists before libxl is told we run: it connects right after. */
	if (dm->qmp_path && (dm->qmp_fd = listen_unix(dm->qmp_path)) < 0) {
		dm_log("cannot listen on %s: %s", dm->qmp_path, strerror(errno));
		free(dm->qmp_path);
		dm->qmp_path = NULL; /* not ours to unlink */
		return -1;
	}
	if (dm->stat_path && (dm->stat_fd = listen_unix(dm->stat_path)) < 0) {
		dm_log("cannot listen on %s: %s (xentop's disk stats will be missing)",
		       dm->stat_path, strerror(errno));
		free(dm->stat_path);
		dm->stat_path = NULL;
	}
	return 0;
}

void dm_unlisten(struct dm *dm)
{
	if (dm->qmp_fd >= 0)
		close(dm->qmp_fd);
	if (dm->stat_fd >= 0)
		close(dm->stat_fd);
	if (dm->qmp_path)
		unlink(dm->qmp_path);
	if (dm->stat_path)
		unlink(dm->stat_path);
	dm->qmp_fd = dm->stat_fd = -1;
}

/* Sends what c's buffer holds, as much as the socket takes now; false:
 * the connection failed (drop it). */
static bool flush_out(struct client *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			dm_log("QMP: cannot send a reply (%s): dropping the connection",
			       n < 0 ? strerror(errno) : "closed");
			return false;
		}
		c->off += (size_t)n;
	}
	if (c->off == c->len)
		c->off = c->len = 0;
	return true;
}

/* qmp_send_fn: a reply queued on c's buffer, sent as far as it goes. */
static int queue_reply(void *arg, const char *s, size_t len)
{
	struct client *c = arg;

	if (c->off && c->off == c->len)
		c->off = c->len = 0;
	if (c->len - c->off + len > DM_OUT_MAX) {
		if (!c->full)
			dm_log("QMP: a client left over %u bytes of replies unread: dropping it",
			       DM_OUT_MAX);
		c->full = true;
		return -1;
	}
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *p;

		if (c->off) { /* compact first */
			memmove(c->out, c->out + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		while (cap < c->len + len)
			cap *= 2;
		if (cap != c->cap) {
			if (!(p = realloc(c->out, cap))) {
				dm_log("QMP: out of memory for a reply: dropping the connection");
				return -1;
			}
			c->out = p;
			c->cap = cap;
		}
	}
	memcpy(c->out + c->len, s, len);
	c->len += len;
	return flush_out(c) ? 0 : -1;
}

static void drop_client(struct client *c)
{
	qmp_conn_free(c->conn);
	close(c->fd);
	free(c->out);
	*c = (struct client){ .fd = -1 };
}

/* A new connection on listening socket lfd: it gets the greeting. */
static void accept_client(struct dm *dm, struct client *clients, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i;

	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS && clients[i].conn; i++)
		;
	if (i == MAX_CLIENTS) {
		dm_log("too many QMP connections: refusing one");
		close(fd);
		return;
	}
	clients[i].fd = fd;
	clients[i].conn = qmp_conn_new(&dm->qmp, queue_reply, &clients[i]);
	if (!clients[i].conn) {
		dm_log("out of memory: refusing a QMP connection");
		close(fd);
		clients[i].fd = -1;
		return;
	}
	if (qmp_conn_greet(clients[i].conn))
		drop_client(&clients[i]);
}

/* Reads what c sent and answers it; false: drop c (closed, error). */
static bool client_input(struct client *c)
{
	char buf[4096];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	return n > 0 && !qmp_conn_input(c->conn, buf, (size_t)n);
}

/* What c is polled for: its replies while some wait; its input unless
 * too many replies wait. */
static short client_events(const struct client *c)
{
	return (short)((c->len - c->off > DM_OUT_PAUSE ? 0 : POLLIN) |
		       (c->len > c->off ? POLLOUT : 0));
}

void dm_serve(struct dm *dm)
{
	struct client clients[MAX_CLIENTS];
	int k;

	for (k = 0; k < MAX_CLIENTS; k++)
		clients[k] = (struct client){ .fd = -1 };
	while (!stop && !dm->qmp.quit) {
		struct pollfd pfd[3 + MAX_CLIENTS];

		pfd[0] = (struct pollfd){ .fd = dm_xs_fd(dm), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = dm->qmp_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = dm->stat_fd, .events = POLLIN };
		for (k = 0; k < MAX_CLIENTS; k++)
			pfd[3 + k] = (struct pollfd){ .fd = clients[k].fd,
						      .events = client_events(&clients[k]) };
		if (ppoll(pfd, 3 + MAX_CLIENTS, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			dm_log("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents && dm_domain_gone(dm)) {
			dm_log("domain %u is gone: exiting", dm->domid);
			break;
		}
		for (k = 1; k <= 2; k++)
			if (pfd[k].revents & POLLIN)
				accept_client(dm, clients, pfd[k].fd);
		for (k = 0; k < MAX_CLIENTS; k++) {
			struct client *c = &clients[k];
			short ev = pfd[3 + k].revents;

			if (!c->conn || !ev || pfd[3 + k].fd != c->fd)
				continue;
			if (((ev & POLLOUT) && !flush_out(c)) ||
			    ((ev & (POLLIN | POLLHUP | POLLERR)) && !client_input(c)))
				drop_client(c);
		}
	}
	for (k = 0; k < MAX_CLIENTS; k++)
		if (clients[k].conn) {
			flush_out(&clients[k]); /* "quit"'s reply, if the socket takes it */
			drop_client(&clients[k]);
		}
}
