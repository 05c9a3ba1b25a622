/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Handover: devices outlive the process that serves them
 * (userspace/DESIGN-restart.md).
 *
 *  - The state directory holds one file per connected device,
 *    "<type>-<domid>-<devid>", mapped shared (xenback_device_keep()): what
 *    a type needs to take a device over. Its pages belong to the file, so
 *    whatever the process wrote before it died is there for the next one.
 *    A file is removed when its device is disconnected, except by
 *    xenback_bus_detach() or the process's death.
 *  - A lock file in it: one process at a time.
 *  - A mark per device a process of ours created or took over and has not
 *    destroyed, "<type>-<domid>-<devid>.served": a node past Initialising
 *    without it is another backend's (QEMU serves its own domains' qdisk
 *    nodes) and is left alone.
 *  - A scan that finds a marked node it has no record for, in a state
 *    other than Initialising, takes it over (xb_handover_wanted() and
 *    xb_handover_ours()): the
 *    device is created as for a new node, but takes the node's state as it
 *    stands and publishes nothing (a frontend in the middle of its
 *    handshake, or connected, sees no change). A node marked by a previous
 *    process as failed or declined (generation.c) is recorded as such and
 *    not tried again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define KEEP_MAX (64u << 20)

XB_EXPORT int xenback_bus_set_state_dir(struct xenback_bus *bus, const char *dir)
{
	char path[XB_PATH_MAX];
	int fd;

	if (!bus || !dir || !*dir || bus->started || bus->state_dir ||
	    strlen(dir) > XB_PATH_MAX - 64)
		return -EINVAL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return xb_error(bus, -errno, "state directory %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return xb_error(bus, -errno, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return xb_error(bus, r, "%s: %s", path, r == -EBUSY ?
				"another process serves devices from this state directory" :
				strerror(-r));
	}
	bus->state_dir = strdup(dir);
	if (!bus->state_dir) {
		close(fd);
		return -ENOMEM;
	}
	bus->state_lock = fd;
	return 0;
}

void xb_handover_free(struct xenback_bus *bus)
{
	if (!bus->state_dir)
		return;
	close(bus->state_lock);
	free(bus->state_dir);
	bus->state_dir = NULL;
}

/* "<dir>/<type>-<domid>-<devid><suffix>": the kept file (suffix "") or the
 * mark (".served": a process of this state directory created the device or
 * took it over, and did not destroy it). */
static int state_file(const struct xenback_bus *bus, const char *type, uint32_t domid,
		      uint32_t devid, const char *suffix, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s-%u-%u%s", bus->state_dir, type, domid, devid,
			     suffix) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static bool state_file_exists(const struct xenback_bus *bus, const char *type, uint32_t domid,
			      uint32_t devid, const char *suffix)
{
	char path[XB_PATH_MAX];

	return state_file(bus, type, domid, devid, suffix, path, sizeof(path)) == 0 &&
	       access(path, F_OK) == 0;
}

void xb_handover_served(struct xenback_device *dev, bool served)
{
	const struct xenback_backend *be = dev->be;
	struct xenback_bus *bus = be->bus;
	char path[XB_PATH_MAX];
	int fd;

	if (!bus->state_dir || bus->detaching ||
	    state_file(bus, be->type->info->type, be->key.domid, be->key.devid, ".served", path,
		       sizeof(path)) < 0)
		return;
	if (!served) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		xb_log(bus, XENBACK_LOG_WARNING, "%s: %s (a restart will not take %s/%s over)",
		       path, strerror(errno), be->type->info->type, be->name);
	else
		close(fd);
}

bool xb_handover_wanted(const struct xenback_bus *bus, unsigned long state,
			unsigned long online)
{
	if (!bus->state_dir)
		return false;
	switch (state) {
	case XENBACK_STATE_INITWAIT:
	case XENBACK_STATE_CONNECTED:
	case XENBACK_STATE_CLOSED:    /* the frontend may come back */
		return online == 1;
	case XENBACK_STATE_CLOSING:
		return true;          /* finish closing (online=0: then destroy) */
	default:
		return false;
	}
}

bool xb_handover_ours(const struct xenback_bus *bus, const char *type, uint32_t domid,
		      uint32_t devid)
{
	/* The mark, or a kept file (a connected device of a process from
	 * before the mark existed: an upgrade still takes it over). Neither:
	 * not ours, e.g. QEMU's, which serves its own domains. */
	return bus->state_dir && (state_file_exists(bus, type, domid, devid, ".served") ||
				  state_file_exists(bus, type, domid, devid, ""));
}

int xb_handover_adopt(struct xenback_device *dev)
{
	struct xenback_backend *be = dev->be;
	struct xenback_bus *bus = be->bus;
	bool reattach = be->type->info->flags & XENBACK_TYPE_REATTACH;
	int r;

	/* What create() would publish is already there, from the process
	 * that published it; rewriting it could change what the frontend
	 * negotiated. */
	xb_device_publish_none(dev);
	dev->state = dev->adopt_state;
	dev->hotplug_ok = dev->state != XENBACK_STATE_INITWAIT ||
			  !(be->type->info->flags & XENBACK_TYPE_HOTPLUG);
	if (dev->fe_state_path) {
		r = bus->plat->xs->watch(bus->plat->xs_h, dev->fe_state_path, dev->fe_token);
		if (r < 0)
			return r;
		dev->watching_fe = true;
	}
	if (dev->state == XENBACK_STATE_CONNECTED) {
		if (reattach) {
			dev->reattaching = true; /* connect() when the frontend's state is read */
		} else {
			/* Nothing can take its rings over: tell the frontend. */
			xb_log(bus, XENBACK_LOG_WARNING, "%s/%s: left Connected by a previous "
			       "process and its type cannot take a device over: Closing",
			       be->type->info->type, be->name);
			r = xb_device_set_state(dev, XENBACK_STATE_CLOSING);
			if (r < 0)
				return r;
		}
	}
	xb_log(bus, XENBACK_LOG_NOTICE, "%s/%s: taken over in state %s%s", be->type->info->type,
	       be->name, xenback_state_name(dev->adopt_state),
	       dev->reattaching ? ", reattaching to its rings" : "");
	dev->adopt_state = 0;
	return 0;
}

XB_EXPORT bool xenback_device_handing_over(const struct xenback_device *dev)
{
	/* (without a state directory no next process takes anything over) */
	return dev && dev->be->bus->detaching && dev->be->bus->state_dir;
}

XB_EXPORT bool xenback_device_reattaching(const struct xenback_device *dev)
{
	return dev && dev->reattaching && dev->in_connect;
}

static int keep_path(const struct xenback_device *dev, char *buf, size_t len)
{
	const struct xenback_backend *be = dev->be;

	return state_file(be->bus, be->type->info->type, be->key.domid, be->key.devid, "", buf,
			  len);
}

XB_EXPORT void *xenback_device_keep(struct xenback_device *dev, size_t size, bool *kept)
{
	char path[XB_PATH_MAX];
	struct stat st;
	void *p;
	int fd, r;

	if (kept)
		*kept = false;
	if (!dev || !dev->be->bus->state_dir) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (!size || size > KEEP_MAX || !dev->in_connect) {
		errno = EINVAL;
		return NULL;
	}
	if (dev->keep) {
		errno = EBUSY;
		return NULL;
	}
	r = keep_path(dev, path, sizeof(path));
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (dev->reattaching && (size_t)st.st_size == size) {
		if (kept)
			*kept = true;
	} else if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0) {
		goto fail;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	close(fd);
	dev->keep = p;
	dev->keep_len = size;
	return p;
fail:
	r = errno;
	close(fd);
	unlink(path);
	errno = r;
	return NULL;
}

void xb_handover_release(struct xenback_device *dev)
{
	char path[XB_PATH_MAX];

	dev->reattaching = false; /* taken over, or given up: a later connect starts afresh */
	if (dev->keep)
		munmap(dev->keep, dev->keep_len);
	dev->keep = NULL;
	dev->keep_len = 0;
	/* Also a file only a previous process mapped (a device taken over
	 * and closed before it reattached). */
	if (dev->be->bus->state_dir && !dev->be->bus->detaching &&
	    keep_path(dev, path, sizeof(path)) == 0)
		unlink(path);
}

/* "<type>-<domid>-<devid>" of a registered type with no record: left by a
 * process for a node that is gone. */
static bool stale(struct xenback_bus *bus, const char *file)
{
	char name[128];
	const char *d2, *d1, *dot = strrchr(file, '.');
	unsigned long domid, devid;
	char type[64], num[16];
	struct xb_type *t;
	size_t n = strlen(file);

	if (dot && !strcmp(dot, ".served"))
		n = (size_t)(dot - file);
	if (n >= sizeof(name))
		return false;
	memcpy(name, file, n);
	name[n] = 0;
	d2 = strrchr(name, '-');

	if (!d2 || d2 == name)
		return false;
	for (d1 = d2 - 1; d1 > name && *d1 != '-'; d1--)
		;
	if (*d1 != '-' || (n = (size_t)(d1 - name)) >= sizeof(type) ||
	    (size_t)(d2 - d1 - 1) >= sizeof(num))
		return false;
	memcpy(type, name, n);
	type[n] = 0;
	memcpy(num, d1 + 1, (size_t)(d2 - d1 - 1));
	num[d2 - d1 - 1] = 0;
	if (xb_parse_uint(num, XB_DOMID_MAX, &domid) < 0 ||
	    xb_parse_uint(d2 + 1, UINT32_MAX, &devid) < 0)
		return false;
	HASH_FIND_STR(bus->types, type, t);
	return t && !xb_backend_find(bus, t->idx, (uint32_t)domid, (uint32_t)devid);
}

void xb_handover_sweep(struct xenback_bus *bus)
{
	struct dirent *e;
	DIR *dir;

	if (!bus->state_dir || !(dir = opendir(bus->state_dir)))
		return;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "lock") || !stale(bus, e->d_name))
			continue;
		if (unlinkat(dirfd(dir), e->d_name, 0) == 0)
			xb_log(bus, XENBACK_LOG_INFO, "state %s/%s: its node is gone, removed",
			       bus->state_dir, e->d_name);
	}
	closedir(dir);
}
