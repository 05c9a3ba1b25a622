/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback-dm's sockets: libxl's and libxenstat's QMP listeners, their
 * clients, and the one poll loop (with xenstore's watch fd). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dm.h"

#define MAX_CLIENTS 16
/* A client that does not read its replies for this long is dropped. */
#define SEND_TIMEOUT_S 5

struct client {
	int fd;
	struct qmp_conn *conn;
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
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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

static int send_all(void *arg, const char *s, size_t len)
{
	const struct client *c = arg;

	while (len) {
		ssize_t n = send(c->fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			dm_log("QMP: cannot send a reply (%s): dropping the connection",
			       n < 0 ? strerror(errno) : "closed");
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static void drop_client(struct client *c)
{
	qmp_conn_free(c->conn);
	close(c->fd);
	c->conn = NULL;
	c->fd = -1;
}

/* A new connection on listening socket lfd: it gets the greeting. */
static void accept_client(struct dm *dm, struct client *clients, int lfd)
{
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), i;

	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS && clients[i].conn; i++)
		;
	if (i == MAX_CLIENTS) {
		dm_log("too many QMP connections: refusing one");
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	clients[i].fd = fd;
	clients[i].conn = qmp_conn_new(&dm->qmp, send_all, &clients[i]);
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
			pfd[3 + k] = (struct pollfd){ .fd = clients[k].fd, .events = POLLIN };
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
		for (k = 0; k < MAX_CLIENTS; k++)
			if (clients[k].conn && pfd[3 + k].revents && pfd[3 + k].fd == clients[k].fd &&
			    !client_input(&clients[k]))
				drop_client(&clients[k]);
	}
	for (k = 0; k < MAX_CLIENTS; k++)
		if (clients[k].conn)
			drop_client(&clients[k]);
}
