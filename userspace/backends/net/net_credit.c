/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rate limiting of a vif's tx, credit-based as netback does it: libxl
 * writes `rate` = "<bytes>,<usec>" (bytes allowed per interval). The credit
 * starts at one interval's bytes and is refilled by that much every interval, up to a burst of
 * max(bytes, 128 KiB) (so a 64 KiB frame always gets through eventually);
 * a frame larger than the credit left waits, with every queue's tx, for a
 * timerfd set to the next refill.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "net_vif.h"

#define NET_CREDIT_BURST_MIN (128u << 10)

int net_credit_parse(const char *rate, uint64_t *bytes, uint64_t *usec)
{
	uint64_t b, u;
	int n = 0;

	if (sscanf(rate, "%" SCNu64 ",%" SCNu64 "%n", &b, &u, &n) != 2 || rate[n] || !b || !u ||
	    u > 1000000000ull || rate[0] == '-')
		return -1;
	*bytes = b;
	*usec = u;
	return 0;
}

static uint64_t burst(const struct net_vif *v)
{
	return v->credit_bytes > NET_CREDIT_BURST_MIN ? v->credit_bytes : NET_CREDIT_BURST_MIN;
}

bool net_credit_take(struct net_vif *v, uint32_t len)
{
	uint64_t now = net_now_ns();
	struct itimerspec its = { 0 };

	if (now >= v->credit_next_ns) {
		uint64_t left = v->credit_left + v->credit_bytes;

		v->credit_left = left < burst(v) ? left : burst(v);
		v->credit_next_ns = now + v->credit_usec * 1000u;
	}
	if (len <= v->credit_left) {
		v->credit_left -= len;
		return true;
	}
	v->credit_wait = true;
	its.it_value.tv_sec = (time_t)((v->credit_next_ns - now) / 1000000000u);
	its.it_value.tv_nsec = (long)((v->credit_next_ns - now) % 1000000000u);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(v->timer_fd, 0, &its, NULL) < 0) {
		v->credit_wait = false; /* cannot wait: let it through */
		return true;
	}
	return false;
}

/* Credit back: every queue's tx goes on. */
static void timer_event(int fd, uint32_t events, void *arg)
{
	struct net_vif *v = arg;
	uint64_t n;
	unsigned int i;

	(void)events;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	v->credit_wait = false;
	for (i = 0; i < v->nq; i++)
		v->q[i].tx_more = true;
	net_vif_resume(v);
}

int net_credit_open(struct net_vif *v)
{
	int r;

	v->credit_left = v->credit_bytes;
	v->credit_next_ns = net_now_ns() + v->credit_usec * 1000u;
	v->credit_wait = false;
	v->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (v->timer_fd < 0)
		return -errno;
	xenback_device_account(v->dev, XENBACK_USAGE_FDS, 1);
	r = xenback_bus_add_fd(xenback_device_get_bus(v->dev), v->timer_fd, EPOLLIN, timer_event, v);
	if (r < 0)
		net_credit_close(v);
	return r;
}

void net_credit_close(struct net_vif *v)
{
	if (v->timer_fd < 0)
		return;
	xenback_bus_del_fd(xenback_device_get_bus(v->dev), v->timer_fd);
	close(v->timer_fd);
	v->timer_fd = -1;
	v->credit_wait = false;
	xenback_device_account(v->dev, XENBACK_USAGE_FDS, -1);
}
