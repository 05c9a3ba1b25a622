/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenstore for the adversary: its own frontend nodes and the backend's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>

#include "adv.h"
#include <xen/io/xs_wire.h>

double adv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *adv_xs_read(struct adv *a, const char *dir, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(a->xs, XBT_NULL, path, &len);
}

int adv_xs_write(struct adv *a, const char *dir, const char *key, const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(a->xs, XBT_NULL, path, val, (unsigned int)strlen(val)) ? 0 : -1;
}

void adv_rm(struct adv *a, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", a->fe, key);
	xs_rm(a->xs, XBT_NULL, path);
}

static long read_num(struct adv *a, const char *dir, const char *key, long dflt)
{
	char *s = adv_xs_read(a, dir, key), *end;
	long v;

	if (!s)
		return dflt;
	v = strtol(s, &end, 10);
	if (end == s)
		v = dflt;
	free(s);
	return v;
}

int adv_xs_state(struct adv *a, const char *dir)
{
	return (int)read_num(a, dir, "state", -1);
}

int adv_set_state(struct adv *a, int state)
{
	return adv_xs_write(a, a->fe, "state", "%d", state);
}

int adv_wait_backend(struct adv *a, unsigned int mask, double seconds)
{
	double end = adv_now() + seconds;
	int s;

	for (;;) {
		s = adv_xs_state(a, a->be);
		if (s >= 0 && s < 32 && (mask & (1u << s)))
			return s;
		if (adv_now() > end)
			return s;
		usleep(20000);
	}
}

void adv_read_features(struct adv *a)
{
	bool first = !a->sectors;

	a->sectors = (uint64_t)read_num(a, a->be, "sectors", 0);
	a->sector_size = (unsigned int)read_num(a, a->be, "sector-size", 512);
	a->max_indirect = (unsigned int)read_num(a, a->be, "feature-max-indirect-segments", 0);
	a->max_order = (unsigned int)read_num(a, a->be, "max-ring-page-order", 0);
	a->max_queues = (unsigned int)read_num(a, a->be, "multi-queue-max-queues", 1);
	a->flush = read_num(a, a->be, "feature-flush-cache", 0) == 1;
	a->discard = read_num(a, a->be, "feature-discard", 0) == 1;
	a->be_persistent = read_num(a, a->be, "feature-persistent", 0) == 1;
	if (first)
		ADV_NOTE("backend %s: sectors=%llu sector-size=%u max-indirect=%u max-ring-page-order=%u "
		 "max-queues=%u flush=%d discard=%d persistent=%d\n",
		 a->be, (unsigned long long)a->sectors, a->sector_size, a->max_indirect, a->max_order,
		 a->max_queues, a->flush, a->discard, a->be_persistent);
}

int adv_xs_open(struct adv *a, const char *kind, unsigned int devid)
{
	char *domid, *be;
	unsigned int len;
	long id;

	a->devid = devid;
	a->xs = xs_open(0);
	if (!a->xs) {
		ADV_NOTOK("adversary: xs_open(0) (/dev/xen/xenbus)\n");
		return -1;
	}
	domid = xs_read(a->xs, XBT_NULL, "domid", &len);
	if (!domid) {
		ADV_NOTOK("adversary: read my domid\n");
		return -1;
	}
	snprintf(a->fe, sizeof(a->fe), "/local/domain/%s/device/%s/%u", domid, kind, devid);
	free(domid);
	be = adv_xs_read(a, a->fe, "backend");
	id = read_num(a, a->fe, "backend-id", -1);
	if (!be || id < 0) {
		free(be);
		ADV_NOTOK("adversary: %s has no backend/backend-id\n", a->fe);
		return -1;
	}
	snprintf(a->be, sizeof(a->be), "%s", be);
	free(be);
	a->backend_id = (unsigned int)id;
	return 0;
}

/* Reads exactly n bytes within a second; false if they do not come. */
static bool read_exact(int fd, void *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < n) {
		ssize_t r;

		if (poll(&p, 1, 1000) <= 0)
			return false;
		r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* Pipelined writes of one node through a raw /dev/xen/xenbus (its own fd:
 * the kernel queues each request and answers later, so a batch goes out
 * without a round trip per write). The device hands out replies as a byte
 * stream: each is read as its header, then its payload. Returns how many
 * writes were answered. */
unsigned long adv_xs_flood(struct adv *a, const char *key, const char *value, double seconds)
{
	char path[256], msg[512], rsp[4096];
	struct xsd_sockmsg *h = (struct xsd_sockmsg *)msg, rh;
	unsigned long done = 0;
	size_t plen, vlen;
	double end = adv_now() + seconds;
	int fd = open("/dev/xen/xenbus", O_RDWR);

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", a->fe, key);
	plen = strlen(path) + 1;
	vlen = strlen(value);
	h->type = XS_WRITE;
	h->tx_id = 0;
	h->len = (uint32_t)(plen + vlen);
	memcpy(msg + sizeof(*h), path, plen);
	memcpy(msg + sizeof(*h) + plen, value, vlen);
	while (adv_now() < end) {
		unsigned int i, sent = 0;

		for (i = 0; i < 16; i++) {
			h->req_id = (uint32_t)(done + i);
			if (write(fd, msg, sizeof(*h) + h->len) < 0)
				break;
			sent++;
		}
		for (i = 0; i < sent; i++) {
			if (!read_exact(fd, &rh, sizeof(rh)) || rh.len > sizeof(rsp) ||
			    !read_exact(fd, rsp, rh.len))
				goto out;
			done++;
		}
		if (!sent)
			break;
	}
out:
	close(fd);
	return done;
}
