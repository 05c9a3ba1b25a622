/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host end of a console, as libxl describes it in the backend node:
 * connection=pty (a new pty in raw mode, its slave's path published in the
 * frontend's tty key as QEMU does; we hold the slave open ourselves, so the
 * master never reports a hangup while nobody has it open and bytes wait in
 * the tty instead) or connection=socket with path=... (a listening unix
 * socket, one client at a time; others wait in the backlog until it goes).
 * Every fd is non-blocking and edge-triggered: a reader that stops reading
 * stops the ring, never grows a buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"

#define CONS_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

static void fd_close(struct cons *c, int *fd)
{
	if (*fd < 0)
		return;
	xenback_bus_del_fd(xenback_device_get_bus(c->dev), *fd);
	close(*fd);
	*fd = -1;
	xenback_device_account(c->dev, XENBACK_USAGE_FDS, -1);
}

int cons_data_fd(const struct cons *c)
{
	return c->kind == CONS_PTY ? c->master_fd : c->conn_fd;
}

static void data_event(int fd, uint32_t events, void *arg)
{
	struct cons *c = arg;

	(void)fd;
	cons_pump(c);
	if (c->kind == CONS_SOCKET && c->conn_fd >= 0 && (events & EPOLLERR))
		cons_client_drop(c, "socket error");
}

static void accept_event(int fd, uint32_t events, void *arg)
{
	struct cons *c = arg;
	int s;

	(void)events;
	if (c->conn_fd >= 0)
		return; /* one client; the next waits in the backlog */
	s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	if (xenback_bus_add_fd(xenback_device_get_bus(c->dev), s, CONS_EVENTS, data_event, c) < 0) {
		close(s);
		return;
	}
	c->conn_fd = s;
	xenback_device_account(c->dev, XENBACK_USAGE_FDS, 1);
	xenback_device_log(c->dev, XENBACK_LOG_INFO, "%s: client connected", c->path);
	cons_pump(c);
}

void cons_client_drop(struct cons *c, const char *why)
{
	if (c->conn_fd < 0)
		return;
	fd_close(c, &c->conn_fd);
	xenback_device_log(c->dev, XENBACK_LOG_INFO, "%s: client gone (%s)", c->path, why);
	if (c->listen_fd >= 0)
		accept_event(c->listen_fd, EPOLLIN, c); /* one that waited */
}

static int pty_open(struct cons *c)
{
	struct termios t;
	int r;

	c->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (c->master_fd < 0)
		return -errno;
	xenback_device_account(c->dev, XENBACK_USAGE_FDS, 1);
	if (grantpt(c->master_fd) < 0 || unlockpt(c->master_fd) < 0 ||
	    ptsname_r(c->master_fd, c->path, sizeof(c->path)) != 0)
		return -errno;
	c->slave_fd = open(c->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (c->slave_fd < 0)
		return -errno;
	xenback_device_account(c->dev, XENBACK_USAGE_FDS, 1);
	if (tcgetattr(c->slave_fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	if (tcsetattr(c->slave_fd, TCSANOW, &t) < 0)
		return -errno;
	r = xenback_bus_add_fd(xenback_device_get_bus(c->dev), c->master_fd, CONS_EVENTS, data_event, c);
	return r < 0 ? r : 0;
}

static int socket_open(struct cons *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int r;

	if (!path || path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	snprintf(c->path, sizeof(c->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* a socket left by a previous server is replaced, anything else kept */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return -errno;
	xenback_device_account(c->dev, XENBACK_USAGE_FDS, 1);
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(c->listen_fd, 4) < 0)
		return -errno;
	if (lstat(path, &st) == 0) {
		c->sock_dev = st.st_dev;
		c->sock_ino = st.st_ino;
	}
	r = xenback_bus_add_fd(xenback_device_get_bus(c->dev), c->listen_fd, EPOLLIN | EPOLLET, accept_event, c);
	return r < 0 ? r : 0;
}

int cons_chardev_open(struct cons *c, const char *connection, const char *path)
{
	int r;

	c->master_fd = c->slave_fd = c->listen_fd = c->conn_fd = -1;
	if (!strcmp(connection, "pty")) {
		c->kind = CONS_PTY;
		r = pty_open(c);
	} else if (!strcmp(connection, "socket")) {
		c->kind = CONS_SOCKET;
		r = socket_open(c, path);
	} else {
		return -EOPNOTSUPP;
	}
	if (r < 0)
		cons_chardev_close(c);
	return r;
}

void cons_chardev_close(struct cons *c)
{
	struct stat st;

	fd_close(c, &c->conn_fd);
	if (c->listen_fd >= 0) {
		fd_close(c, &c->listen_fd);
		if (lstat(c->path, &st) == 0 && st.st_dev == c->sock_dev && st.st_ino == c->sock_ino)
			unlink(c->path);
	}
	fd_close(c, &c->master_fd);
	if (c->slave_fd >= 0) {
		close(c->slave_fd);
		c->slave_fd = -1;
		xenback_device_account(c->dev, XENBACK_USAGE_FDS, -1);
	}
}
