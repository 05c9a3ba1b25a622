/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The adversary's rings and ports, and the handshake that announces them
 * (xen/io/blkif.h's keys, as Linux blkfront writes them: ring-ref when one
 * page, ring-ref<N> for several, queue-<N>/ prefixes for several queues). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "adv.h"

int adv_rings_setup(struct adv *a, const struct adv_layout *l)
{
	unsigned int nq = l->queues ? l->queues : 1, order = l->order, i;
	xenevtchn_port_or_error_t port;

	if (nq > ADV_MAX_QUEUES)
		nq = ADV_MAX_QUEUES;
	if (order > ADV_MAX_ORDER)
		order = ADV_MAX_ORDER;
	for (i = 0; i < nq; i++) {
		struct adv_queue *q = &a->q[i];

		q->npages = 1u << order;
		q->pages = xengntshr_share_pages(a->xgs, a->backend_id, (int)q->npages, q->refs, 1);
		if (!q->pages) {
			ADV_NOTOK("adversary: sharing %u ring page(s) (gntalloc): %s\n", q->npages,
				  strerror(errno));
			adv_rings_teardown(a, true);
			return -1;
		}
		SHARED_RING_INIT((blkif_sring_t *)q->pages);
		FRONT_RING_INIT(&q->ring, (blkif_sring_t *)q->pages, q->npages * ADV_PAGE);
		port = xenevtchn_bind_unbound_port(a->xce, a->backend_id);
		if (port < 0) {
			ADV_NOTOK("adversary: an unbound port for the backend: %s\n", strerror(errno));
			a->nqueues = i + 1;
			adv_rings_teardown(a, true);
			return -1;
		}
		q->port = (evtchn_port_t)port;
		a->nqueues = i + 1;
	}
	return 0;
}

void adv_rings_teardown(struct adv *a, bool unbind)
{
	unsigned int i;

	for (i = 0; i < a->nqueues; i++) {
		struct adv_queue *q = &a->q[i];

		if (unbind && q->port)
			xenevtchn_unbind(a->xce, q->port);
		if (q->pages)
			xengntshr_unshare(a->xgs, q->pages, q->npages);
		memset(q, 0, sizeof(*q));
	}
	a->nqueues = 0;
}

static void write_queue(struct adv *a, const struct adv_layout *l, unsigned int i)
{
	struct adv_queue *q = &a->q[i];
	char dir[160];
	unsigned int p;

	if (a->nqueues > 1 || l->queues > 1)
		snprintf(dir, sizeof(dir), "%s/queue-%u", a->fe, i);
	else
		snprintf(dir, sizeof(dir), "%s", a->fe);
	for (p = 0; p < q->npages; p++) {
		char key[32];

		if (l->order || l->force_keys)
			snprintf(key, sizeof(key), "ring-ref%u", p);
		else
			snprintf(key, sizeof(key), "ring-ref");
		adv_xs_write(a, dir, key, "%u", q->refs[p]);
	}
	adv_xs_write(a, dir, "event-channel", "%u", q->port);
}

int adv_handshake(struct adv *a, const struct adv_layout *l, double seconds)
{
	unsigned int i;
	int s;

	if (l->queues > 1 || l->force_keys)
		adv_xs_write(a, a->fe, "multi-queue-num-queues", "%u", l->queues);
	if (l->order || l->force_keys)
		adv_xs_write(a, a->fe, "ring-page-order", "%u", l->order);
	for (i = 0; i < a->nqueues; i++)
		write_queue(a, l, i);
	adv_xs_write(a, a->fe, "protocol", "%s", XEN_IO_PROTO_ABI_NATIVE);
	adv_xs_write(a, a->fe, "feature-persistent", "%d", a->persistent);
	adv_set_state(a, XenbusStateInitialised);
	s = adv_wait_backend(a, 1u << XenbusStateConnected | 1u << XenbusStateClosing |
				     1u << XenbusStateClosed, seconds);
	if (s == XenbusStateConnected) {
		adv_read_features(a);
		adv_set_state(a, XenbusStateConnected);
	}
	return s;
}

int adv_close(struct adv *a, double seconds)
{
	adv_set_state(a, XenbusStateClosing);
	adv_wait_backend(a, 1u << XenbusStateClosing | 1u << XenbusStateClosed, seconds);
	adv_set_state(a, XenbusStateClosed);
	return adv_wait_backend(a, 1u << XenbusStateClosed, seconds);
}

/* Forgets the keys of an earlier layout (a new attempt writes its own). */
void adv_clear_keys(struct adv *a)
{
	char key[32];
	unsigned int i;

	adv_rm(a, "multi-queue-num-queues");
	adv_rm(a, "ring-page-order");
	adv_rm(a, "ring-ref");
	adv_rm(a, "event-channel");
	for (i = 0; i < (1u << ADV_MAX_ORDER); i++) {
		snprintf(key, sizeof(key), "ring-ref%u", i);
		adv_rm(a, key);
	}
	for (i = 0; i < ADV_MAX_QUEUES; i++) {
		snprintf(key, sizeof(key), "queue-%u", i);
		adv_rm(a, key);
	}
}

int adv_connect(struct adv *a, unsigned int queues, unsigned int order)
{
	struct adv_layout l = { .queues = queues, .order = order };
	int s;

	adv_clear_keys(a);
	if (adv_rings_setup(a, &l) < 0)
		return -1;
	/* (under TCG a 4-queue connect has taken more than 15 s) */
	s = adv_handshake(a, &l, 60);
	if (s != XenbusStateConnected) {
		ADV_NOTOK("adversary: connect with %u queue(s) of %u page(s): backend state %d, not Connected\n",
			  queues, 1u << order, s);
		return -1;
	}
	return 0;
}

/* Closed, then Initialising as a new frontend instance would; the backend
 * should offer InitWait again (blkback: "prepare for reconnect"). */
int adv_reset(struct adv *a, double seconds)
{
	adv_set_state(a, XenbusStateClosed);
	adv_wait_backend(a, 1u << XenbusStateClosed | 1u << XenbusStateInitWait, seconds);
	adv_rings_teardown(a, true);
	adv_clear_keys(a);
	adv_set_state(a, XenbusStateInitialising);
	return adv_wait_backend(a, 1u << XenbusStateInitWait, seconds);
}
