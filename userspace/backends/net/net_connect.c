/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connect: the frontend's keys as netback reads them (request-rx-copy and
 * feature-rx-notify required; multi-queue-num-queues up to what we
 * offered, each queue's keys under queue-N/ when there are several; one
 * event channel, or event-channel-tx/-rx when split), every queue's two
 * rings mapped and channels bound, one tap queue each, the tap's offloads
 * set to what the frontend takes, carrier on. Disconnect undoes whatever
 * connect got to, and again harmlessly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "net_vif.h"

uint64_t net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void net_vif_fatal(struct net_vif *v, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	unsigned int i;

	if (v->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	v->dead = true;
	for (i = 0; i < v->nq; i++)
		net_rx_poll(&v->q[i], false);
	if (v->fd0 >= 0)
		net_tap_carrier(v->fd0, false);
	xenback_device_fail(v->dev, -EPROTO, "frontend broke netif: %s; vif %s disabled", why, v->name);
}

void net_vif_kick(struct net_vif *v)
{
	uint64_t one = 1;

	if (v->kick_fd >= 0 && write(v->kick_fd, &one, sizeof(one)) < 0)
		xenback_device_log(v->dev, XENBACK_LOG_DEBUG, "kick: eventfd full");
}

void net_vif_resume(struct net_vif *v)
{
	unsigned int i;

	for (i = 0; i < v->nq && !v->dead; i++) {
		struct net_queue *q = &v->q[i];

		if (q->tx_more && !v->credit_wait) {
			q->tx_more = false;
			net_tx_round(q);
		}
		if (!v->dead && (q->rx_more || q->rx_kick)) {
			q->rx_kick = false;
			net_rx_round(q);
		}
	}
}

/* Budgeted queues, or the first round after connect. */
static void kick_event(int fd, uint32_t events, void *arg)
{
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) == sizeof(n))
		net_vif_resume(arg);
}

static bool tx_event(struct xenback_evtchn *ch, void *arg)
{
	struct net_queue *q = arg;

	(void)ch;
	return q->v->dead || net_tx_round(q);
}

static bool rx_event(struct xenback_evtchn *ch, void *arg)
{
	struct net_queue *q = arg;

	(void)ch;
	return q->v->dead || net_rx_event(q);
}

static bool both_event(struct xenback_evtchn *ch, void *arg)
{
	struct net_queue *q = arg;
	bool work;

	(void)ch;
	if (q->v->dead)
		return true;
	work = net_tx_round(q);
	if (!q->v->dead)
		work |= net_rx_event(q);
	return work;
}

static int fe_uint(struct xenback_device *dev, const char *key, unsigned long max, unsigned long dflt,
		   unsigned long *v)
{
	int r = xenback_device_read_frontend_uint(dev, key, max, v);

	if (r == -ENOENT) {
		*v = dflt;
		return 0;
	}
	if (r < 0)
		return xenback_device_fail(dev, -EINVAL, "frontend %s is not a number <= %lu", key, max);
	return 0;
}

static int fe_flag(struct xenback_device *dev, const char *key, bool *on)
{
	unsigned long v;
	int r = fe_uint(dev, key, UINT32_MAX, 0, &v);

	*on = v != 0;
	return r;
}

static int queue_connect(struct net_vif *v, struct net_queue *q)
{
	struct xenback_device *dev = v->dev;
	char prefix[16] = "", key[48];
	unsigned long tx_ref, rx_ref, tx_port, rx_port;
	bool split;
	int r;

	q->v = v;
	q->fd = -1;
	if (v->nq > 1)
		snprintf(prefix, sizeof(prefix), "queue-%u/", q->idx);
#define KEY(name) (snprintf(key, sizeof(key), "%s%s", prefix, name), key)
	if (xenback_device_read_frontend_uint(dev, KEY("tx-ring-ref"), UINT32_MAX, &tx_ref) < 0 ||
	    xenback_device_read_frontend_uint(dev, KEY("rx-ring-ref"), UINT32_MAX, &rx_ref) < 0)
		return xenback_device_fail(dev, -EINVAL, "frontend %s missing or bad", key);
	split = xenback_device_read_frontend_uint(dev, KEY("event-channel-tx"), UINT32_MAX, &tx_port) == 0;
	if (split) {
		if (xenback_device_read_frontend_uint(dev, KEY("event-channel-rx"), UINT32_MAX, &rx_port) < 0)
			return xenback_device_fail(dev, -EINVAL, "frontend %s missing or bad", key);
	} else if (xenback_device_read_frontend_uint(dev, KEY("event-channel"), UINT32_MAX, &tx_port) < 0) {
		return xenback_device_fail(dev, -EINVAL, "frontend %s missing or bad", key);
	}
#undef KEY
	r = xenback_device_map_grants(dev, (uint32_t[]){ (uint32_t)tx_ref }, 1, true, &q->tx_page);
	if (r >= 0)
		r = xenback_device_map_grants(dev, (uint32_t[]){ (uint32_t)rx_ref }, 1, true, &q->rx_page);
	if (r < 0)
		return xenback_device_fail(dev, r, "queue %u: mapping its rings: %s", q->idx, strerror(-r));
	if (xenback_device_reattaching(dev)) {
		/* A previous process served these rings. It answered everything
		 * it took within the round that took it, so the shared
		 * rsp_prod says where it stopped, on both rings. */
		netif_tx_sring_t *ts = q->tx_page;
		netif_rx_sring_t *rs = q->rx_page;
		RING_IDX t = ts->rsp_prod, rx = rs->rsp_prod;

		if (ts->req_prod - t > NET_RING_SLOTS || rs->req_prod - rx > NET_RING_SLOTS)
			return xenback_device_fail(dev, -EPROTO, "queue %u: req_prod more than the ring ahead of "
						   "rsp_prod: cannot take the rings over", q->idx);
		BACK_RING_ATTACH(&q->tx, ts, t, NET_PAGE);
		BACK_RING_ATTACH(&q->rx, rs, rx, NET_PAGE);
		q->rx_seen = rs->req_prod;
	} else {
		BACK_RING_INIT(&q->tx, (netif_tx_sring_t *)q->tx_page, NET_PAGE);
		BACK_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rx_page, NET_PAGE);
	}
	r = net_tx_alloc(q);
	if (r >= 0)
		r = net_rx_alloc(q);
	if (r < 0)
		return xenback_device_fail(dev, r, "queue %u: buffers: %s", q->idx, strerror(-r));
	if (q->idx == 0) {
		q->fd = v->fd0;
	} else {
		r = net_tap_open(v->name, 1, &q->fd);
		if (r < 0)
			return xenback_device_fail(dev, r, "tap %s: queue %u: %s", v->name, q->idx, strerror(-r));
		xenback_device_account(dev, XENBACK_USAGE_FDS, 1);
	}
	r = xenback_device_bind_evtchn(dev, (uint32_t)tx_port, split ? tx_event : both_event, q, &q->tx_ch);
	if (r >= 0 && split)
		r = xenback_device_bind_evtchn(dev, (uint32_t)rx_port, rx_event, q, &q->rx_ch);
	if (r < 0)
		return xenback_device_fail(dev, r, "queue %u: binding its event channel(s): %s", q->idx,
					   strerror(-r));
	if (!split)
		q->rx_ch = q->tx_ch;
	return 0;
}

static int features(struct net_vif *v)
{
	struct xenback_device *dev = v->dev;
	bool rx_copy, rx_notify, no_csum, ipv6_csum;
	unsigned long nq;

	if (fe_flag(dev, "request-rx-copy", &rx_copy) < 0 || fe_flag(dev, "feature-rx-notify", &rx_notify) < 0 ||
	    fe_flag(dev, "feature-sg", &v->sg) < 0 || fe_flag(dev, "feature-gso-tcpv4", &v->gso4) < 0 ||
	    fe_flag(dev, "feature-gso-tcpv6", &v->gso6) < 0 ||
	    fe_flag(dev, "feature-no-csum-offload", &no_csum) < 0 ||
	    fe_flag(dev, "feature-ipv6-csum-offload", &ipv6_csum) < 0 ||
	    fe_uint(dev, "multi-queue-num-queues", NET_MAX_QUEUES, 1, &nq) < 0)
		return -EINVAL;
	if (!rx_copy)
		return xenback_device_fail(dev, -EOPNOTSUPP, "frontend does not ask for rx-copy (flipping is not offered)");
	if (!rx_notify)
		return xenback_device_fail(dev, -EOPNOTSUPP, "frontend lacks feature-rx-notify");
	if (!nq)
		return xenback_device_fail(dev, -EINVAL, "frontend multi-queue-num-queues is 0");
	v->nq = (unsigned int)nq;
	/* partial checksums to the guest only if it takes them for IPv4 and
	 * IPv6 alike (the tap cannot tell them apart); GSO needs SG too */
	v->csum = !no_csum && ipv6_csum;
	v->gso4 = v->gso4 && v->sg && v->csum;
	v->gso6 = v->gso6 && v->sg && v->csum;
	return 0;
}

int net_connect(struct xenback_device *dev)
{
	struct net_vif *v = xenback_device_priv(dev);
	struct xenback_bus *bus = xenback_device_get_bus(dev);
	unsigned int i;
	int r;

	if (v->fd0 < 0)
		return xenback_device_fail(dev, -ENODEV, "the tap %s is gone", v->name);
	v->dead = false;
	r = features(v);
	if (r < 0)
		return r;
	for (i = 0; i < v->nq; i++) {
		v->q[i].idx = i;
		r = queue_connect(v, &v->q[i]);
		if (r < 0)
			return r;
	}
	r = net_tap_offload(v->fd0, v->csum, v->gso4, v->gso6);
	if (r < 0)
		return xenback_device_fail(dev, r, "tap %s: offloads: %s", v->name, strerror(-r));
	/* the host's work for what the guest sends, over every CPU (net_rps.c) */
	r = net_tap_rps(v->name, v->nq, NULL);
	if (r < 0) /* ENOENT: no RPS, or the tap in another namespace than /sys's */
		xenback_device_log(dev, r == -ENOENT ? XENBACK_LOG_DEBUG : XENBACK_LOG_WARNING,
				   "tap %s: rps_cpus: %s: its frames are taken "
				   "in by this process's CPU alone", v->name, strerror(-r));
	else if (r > 0)
		xenback_device_log(dev, XENBACK_LOG_INFO, "tap %s: %d rx queue(s) steered over this "
				   "process's CPUs (rps_cpus)", v->name, r);
	v->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (v->kick_fd < 0)
		return xenback_device_fail(dev, -errno, "eventfd: %s", strerror(errno));
	xenback_device_account(dev, XENBACK_USAGE_FDS, 1);
	r = xenback_bus_add_fd(bus, v->kick_fd, EPOLLIN, kick_event, v);
	if (r < 0) {
		close(v->kick_fd);
		v->kick_fd = -1;
		xenback_device_account(dev, XENBACK_USAGE_FDS, -1);
		return xenback_device_fail(dev, r, "kick eventfd: %s", strerror(-r));
	}
	if (v->credit_bytes) {
		r = net_credit_open(v);
		if (r < 0)
			return xenback_device_fail(dev, r, "rate limit timer: %s", strerror(-r));
	}
	r = net_tap_carrier(v->fd0, true);
	if (r < 0)
		return xenback_device_fail(dev, r, "tap %s: carrier: %s", v->name, strerror(-r));
	for (i = 0; i < v->nq; i++) {
		v->q[i].tx_more = true;
		v->q[i].rx_kick = true; /* frames the tap queued before */
		net_rx_poll(&v->q[i], true);
		/* a reattach: notifies of the previous process may be lost */
		if (xenback_device_reattaching(dev)) {
			xenback_evtchn_notify(v->q[i].tx_ch);
			if (v->q[i].rx_ch != v->q[i].tx_ch)
				xenback_evtchn_notify(v->q[i].rx_ch);
		}
	}
	net_vif_kick(v); /* what was pushed before we bound: tx requests, rx buffers */
	xenback_device_log(dev, xenback_device_reattaching(dev) ? XENBACK_LOG_NOTICE : XENBACK_LOG_INFO,
			   "%s: %u queue(s), sg %d gso %d/%d csum %d",
			   xenback_device_reattaching(dev) ? "rings taken over at rsp_prod" : "connected", v->nq, v->sg,
			   v->gso4, v->gso6, v->csum);
	return 0;
}

void net_disconnect(struct xenback_device *dev)
{
	struct net_vif *v = xenback_device_priv(dev);
	struct xenback_bus *bus = xenback_device_get_bus(dev);
	unsigned int i;

	for (i = 0; i < NET_MAX_QUEUES; i++) {
		struct net_queue *q = &v->q[i];

		if (!q->v)
			continue;
		net_rx_poll(q, false);
		if (q->rx_ch && q->rx_ch != q->tx_ch)
			xenback_evtchn_unbind(q->rx_ch);
		if (q->tx_ch)
			xenback_evtchn_unbind(q->tx_ch);
		if (q->tx_page)
			xenback_device_unmap_grants(dev, q->tx_page);
		if (q->rx_page)
			xenback_device_unmap_grants(dev, q->rx_page);
		if (q->fd >= 0 && q->fd != v->fd0) {
			close(q->fd);
			xenback_device_account(dev, XENBACK_USAGE_FDS, -1);
		}
		if (q->tx_packets || q->rx_packets || q->tx_errors || q->tx_dropped || q->rx_dropped)
			xenback_device_log(dev, XENBACK_LOG_INFO,
					   "queue %u: tx %llu packets (%llu errors, %llu dropped), rx %llu (%llu dropped)",
					   i, (unsigned long long)q->tx_packets, (unsigned long long)q->tx_errors,
					   (unsigned long long)q->tx_dropped, (unsigned long long)q->rx_packets,
					   (unsigned long long)q->rx_dropped);
		net_tx_free(q);
		net_rx_free(q);
		memset(q, 0, sizeof(*q));
	}
	v->nq = 0;
	if (v->kick_fd >= 0) {
		xenback_bus_del_fd(bus, v->kick_fd);
		close(v->kick_fd);
		v->kick_fd = -1;
		xenback_device_account(dev, XENBACK_USAGE_FDS, -1);
	}
	net_credit_close(v);
	/* (handed over: the next process reattaches; the link stays as it is) */
	if (v->fd0 >= 0 && !xenback_device_handing_over(dev))
		net_tap_carrier(v->fd0, false);
}
