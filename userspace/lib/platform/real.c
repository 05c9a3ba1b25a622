/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real platform: libxenstore and libxengnttab; event channels through
 * /dev/xenback (evtchn_xenback.c) when the module is loaded, else
 * libxenevtchn. One handle of each per platform, shared by every device
 * (QEMU opens one event-channel fd, one xenstore and one gnttab handle per
 * device).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/grant_table.h>

#include "platform.h"

/* ------------------------------------------------------------ xenstore */

static int errno_or(int fallback)
{
	return errno ? -errno : fallback;
}

static int rxs_read(void *h, xb_txn_t t, const char *path, char **val, unsigned int *len)
{
	errno = 0;
	*val = xs_read(h, t, path, len);
	return *val ? 0 : errno_or(-EIO);
}

static int rxs_write(void *h, xb_txn_t t, const char *path, const char *val, unsigned int len)
{
	errno = 0;
	return xs_write(h, t, path, val, len) ? 0 : errno_or(-EIO);
}

static int rxs_directory(void *h, xb_txn_t t, const char *path, char ***names, unsigned int *n)
{
	errno = 0;
	*names = xs_directory(h, t, path, n);
	return *names ? 0 : errno_or(-EIO);
}

static int rxs_rm(void *h, xb_txn_t t, const char *path)
{
	errno = 0;
	return xs_rm(h, t, path) ? 0 : errno_or(-EIO);
}

static int rxs_txn_start(void *h, xb_txn_t *t)
{
	errno = 0;
	*t = xs_transaction_start(h);
	return *t != XBT_NULL ? 0 : errno_or(-EIO);
}

static int rxs_txn_end(void *h, xb_txn_t t, bool abort)
{
	errno = 0;
	return xs_transaction_end(h, t, abort) ? 0 : errno_or(-EIO);
}

static int rxs_watch(void *h, const char *path, const char *token)
{
	errno = 0;
	return xs_watch(h, path, token) ? 0 : errno_or(-EIO);
}

static int rxs_unwatch(void *h, const char *path, const char *token)
{
	errno = 0;
	return xs_unwatch(h, path, token) ? 0 : errno_or(-EIO);
}

static int rxs_fd(void *h)
{
	return xs_fileno(h);
}

static int rxs_read_watch(void *h, char **path, char **token)
{
	char **v;

	errno = 0;
	v = xs_check_watch(h);
	if (!v)
		return errno == EAGAIN || !errno ? -EAGAIN : -errno;
	*path = strdup(v[XS_WATCH_PATH]);
	*token = strdup(v[XS_WATCH_TOKEN]);
	free(v);
	if (!*path || !*token) {
		free(*path);
		free(*token);
		return -ENOBUFS; /* an event is lost: rescan */
	}
	return 0;
}

static void rxs_close(void *h)
{
	xs_close(h);
}

static const struct xb_xs_ops real_xs = {
	.read = rxs_read, .write = rxs_write, .directory = rxs_directory,
	.rm = rxs_rm, .txn_start = rxs_txn_start, .txn_end = rxs_txn_end,
	.watch = rxs_watch, .unwatch = rxs_unwatch, .fd = rxs_fd,
	.read_watch = rxs_read_watch, .close = rxs_close,
};

/* ------------------------------------------------------------ grants */

static int rgnt_map(void *h, uint32_t domid, const uint32_t *refs, unsigned int n,
		    bool writable, void **addr)
{
	errno = 0;
	*addr = xengnttab_map_domain_grant_refs(h, n, domid, (uint32_t *)refs,
						PROT_READ | (writable ? PROT_WRITE : 0));
	return *addr ? 0 : errno_or(-EIO);
}

static int rgnt_unmap(void *h, void *addr, unsigned int n)
{
	return xengnttab_unmap(h, addr, n) ? errno_or(-EIO) : 0;
}

static int rgnt_copy(void *h, struct xenback_grant_copy *segs, unsigned int n)
{
	xengnttab_grant_copy_segment_t stack[32], *v = n <= 32 ? stack : calloc(n, sizeof(*v));
	unsigned int i;
	int r;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		xengnttab_grant_copy_segment_t *s = &v[i];
		union xengnttab_copy_ptr g = { .foreign = { segs[i].ref, segs[i].offset,
							    (uint16_t)segs[i].domid } };

		memset(s, 0, sizeof(*s));
		if (segs[i].to_guest) {
			s->source.virt = segs[i].buf;
			s->dest = g;
			s->flags = GNTCOPY_dest_gref;
		} else {
			s->source = g;
			s->dest.virt = segs[i].buf;
			s->flags = GNTCOPY_source_gref;
		}
		s->len = segs[i].len;
	}
	errno = 0;
	r = xengnttab_grant_copy(h, n, v) ? errno_or(-EIO) : 0;
	for (i = 0; i < n; i++) {
		segs[i].status = v[i].status;
		if (!r && v[i].status)
			r = -EIO;
	}
	if (v != stack)
		free(v);
	return r;
}

static void rgnt_close(void *h)
{
	xengnttab_close(h);
}

static const struct xb_gnt_ops real_gnt = {
	.map = rgnt_map, .unmap = rgnt_unmap, .copy = rgnt_copy, .close = rgnt_close,
};

/* ------------------------------------------------ event channels: libxenevtchn */

static int rev_bind(void *h, uint32_t domid, uint32_t remote_port)
{
	xenevtchn_port_or_error_t p;

	errno = 0;
	p = xenevtchn_bind_interdomain(h, domid, remote_port);
	return p < 0 ? errno_or(-EIO) : (int)p;
}

static int rev_unbind(void *h, uint32_t port)
{
	return xenevtchn_unbind(h, port) ? errno_or(-EIO) : 0;
}

static int rev_notify(void *h, uint32_t port)
{
	return xenevtchn_notify(h, port) ? errno_or(-EIO) : 0;
}

static int rev_notify_many(void *h, const uint32_t *ports, unsigned int n)
{
	unsigned int i;
	int r = 0;

	for (i = 0; i < n; i++) /* /dev/xen/evtchn: one ioctl per port */
		if (rev_notify(h, ports[i]) < 0)
			r = -errno;
	return r;
}

static int rev_fd(void *h)
{
	return xenevtchn_fd(h);
}

static int rev_pending(void *h, uint32_t *ports, unsigned int max)
{
	unsigned int n = 0;

	while (n < max) { /* one read() per port: the peer's cost */
		xenevtchn_port_or_error_t p = xenevtchn_pending(h);

		if (p < 0)
			break;
		ports[n++] = (uint32_t)p;
	}
	return (int)n;
}

static int rev_rearm(void *h, uint32_t port, bool spurious)
{
	(void)spurious; /* libxenevtchn has no lateeoi flag */
	return xenevtchn_unmask(h, port) ? errno_or(-EIO) : 0;
}

static void rev_close(void *h)
{
	xenevtchn_close(h);
}

static const struct xb_evtchn_ops libxen_evtchn = {
	.bind_interdomain = rev_bind, .unbind = rev_unbind, .notify = rev_notify,
	.notify_many = rev_notify_many, .fd = rev_fd, .pending = rev_pending,
	.rearm = rev_rearm, .close = rev_close,
};

int xb_evtchn_libxen_open(const struct xb_evtchn_ops **ops, void **h)
{
	xenevtchn_handle *x = xenevtchn_open(NULL, 0);
	int fd;

	if (!x)
		return errno_or(-ENOENT);
	fd = xenevtchn_fd(x);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		xenevtchn_close(x);
		return -errno;
	}
	*ops = &libxen_evtchn;
	*h = x;
	return 0;
}

/* ------------------------------------------------------------ platform */

static void real_free(struct xenback_platform *p)
{
	if (!p)
		return;
	if (p->evtchn)
		p->evtchn->close(p->evtchn_h);
	if (p->gnt)
		p->gnt->close(p->gnt_h);
	if (p->xs)
		p->xs->close(p->xs_h);
	free(p);
}

XB_EXPORT int xenback_platform_open(unsigned int flags, struct xenback_platform **out)
{
	struct xenback_platform *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->free = real_free;
	errno = 0;
	p->xs_h = xs_open(0);
	if (!p->xs_h) {
		r = errno_or(-ENOENT);
		goto fail;
	}
	p->xs = &real_xs;
	p->gnt_h = xengnttab_open(NULL, 0);
	if (!p->gnt_h) {
		r = errno_or(-ENOENT);
		goto fail;
	}
	p->gnt = &real_gnt;
	r = -ENOENT;
	if (!(flags & XENBACK_PLATFORM_NO_MODULE))
		r = xb_evtchn_xenback_open(&p->evtchn, &p->evtchn_h);
	p->name = "real+xenback";
	if (r < 0) {
		r = xb_evtchn_libxen_open(&p->evtchn, &p->evtchn_h);
		p->name = "real+libxenevtchn";
	}
	if (r < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	real_free(p);
	return r;
}

XB_EXPORT void xenback_platform_free(struct xenback_platform *p)
{
	if (p && p->free)
		p->free(p);
}

XB_EXPORT const char *xenback_platform_name(const struct xenback_platform *p)
{
	return p ? p->name : "none";
}
