/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenbackd's control socket: a client connects, sends one line ("list"),
 * gets one JSON document back and the connection is closed. Clients are
 * served from the bus's epoll set; a client that sends nothing only holds
 * its own fd.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenbackd.h"

struct xbd_control {
	struct xenback_bus *bus;
	int fd;
	char *path;
};

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
	json_object_array_add(a, o);
	return 0;
}

static char *answer(struct xbd_control *c, const char *cmd)
{
	json_object *root = json_object_new_object();
	char *s;

	if (!strcmp(cmd, "list")) {
		json_object *a = json_object_new_array();

		xenback_bus_foreach(c->bus, add_device, a);
		json_object_object_add(root, "backend_domid",
				       json_object_new_int((int)xenback_bus_backend_domid(c->bus)));
		json_object_object_add(root, "devices", a);
	} else {
		json_object_object_add(root, "error", json_object_new_string("unknown command"));
	}
	s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

static void client_ready(int fd, uint32_t events, void *arg)
{
	struct xbd_control *c = arg;
	char buf[64];
	ssize_t n = (events & EPOLLIN) ? recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT) : -1;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0) {
		char *reply;
		size_t len;

		buf[n] = 0;
		buf[strcspn(buf, "\r\n")] = 0;
		reply = answer(c, buf);
		if (reply) {
			len = strlen(reply);
			/* Small documents; a client that does not read loses its answer. */
			if (send(fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				perror("xenbackd: control reply");
			free(reply);
		}
	}
	xenback_bus_del_fd(c->bus, fd);
	close(fd);
}

static void accept_ready(int fd, uint32_t events, void *arg)
{
	struct xbd_control *c = arg;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		int sndbuf = 1 << 20;

		setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		if (xenback_bus_add_fd(c->bus, cfd, EPOLLIN | EPOLLRDHUP, client_ready, c) < 0)
			close(cfd);
	}
}

int xbd_control_open(struct xenback_bus *bus, const char *path, struct xbd_control **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xbd_control *c;
	char *dir, *slash;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path)) || !(dir = strdup(path))) {
		if (c)
			free(c->path);
		free(c);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	free(dir);
	c->bus = bus;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, path);
	unlink(path);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(c->fd, 16) < 0) {
		r = -errno;
		goto fail;
	}
	r = xenback_bus_add_fd(bus, c->fd, EPOLLIN, accept_ready, c);
	if (r < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
	free(c);
	return r;
}

void xbd_control_close(struct xbd_control *c)
{
	if (!c)
		return;
	xenback_bus_del_fd(c->bus, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
