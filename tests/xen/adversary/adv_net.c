/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hostile netfront (xen/io/netif.h) in userspace: one queue, one event
 * channel, tx and rx rings and 32 data pages shared with gntalloc, the
 * keys Linux netfront writes, state Connected. Each scenario breaks one of
 * netback's tx rules and says what the backend answered:
 *   tolerated (the vif goes on; a good frame after it is answered OKAY):
 *     slots19   a packet of 20 slots: consumed, every slot ERROR
 *     small     a first slot under 14 bytes: ERROR
 *     big       follow-on slots larger than the frame's size (a frame of
 *               64 KiB or more): ERROR
 *     zero      zero-length follow-on slots: OKAY (no grant operation)
 *     storm     200000 notifies with nothing on the ring (reported
 *               spurious: XSA-332)
 *   fatal (this vif alone disabled: the backend leaves Connected, nothing
 *   answered):
 *     prod      req_prod 5000 slots ahead of the ring
 *     chain     a packet asking for 22 follow-on slots
 *     cross     a follow-on slot crossing its page
 *     extra     an extra-info slot of an unknown type
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"

#define NDATA 32

struct net {
	struct adv *a;
	void *rings;             /* tx page, rx page */
	uint32_t ring_refs[2];
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	evtchn_port_t port;
	uint8_t *data;
	uint32_t data_refs[NDATA];
	uint16_t next_id;
};

static int connect_vif(struct net *n)
{
	struct adv *a = n->a;
	xenevtchn_port_or_error_t port;
	int s;

	n->rings = xengntshr_share_pages(a->xgs, a->backend_id, 2, n->ring_refs, 1);
	n->data = xengntshr_share_pages(a->xgs, a->backend_id, NDATA, n->data_refs, 1);
	port = xenevtchn_bind_unbound_port(a->xce, a->backend_id);
	if (!n->rings || !n->data || port < 0) {
		ADV_NOTOK("adversary: rings, data pages and a port for the vif: %s\n", strerror(errno));
		return -1;
	}
	n->port = (evtchn_port_t)port;
	SHARED_RING_INIT((netif_tx_sring_t *)n->rings);
	SHARED_RING_INIT((netif_rx_sring_t *)((uint8_t *)n->rings + ADV_PAGE));
	FRONT_RING_INIT(&n->tx, (netif_tx_sring_t *)n->rings, ADV_PAGE);
	FRONT_RING_INIT(&n->rx, (netif_rx_sring_t *)((uint8_t *)n->rings + ADV_PAGE), ADV_PAGE);
	adv_xs_write(a, a->fe, "tx-ring-ref", "%u", n->ring_refs[0]);
	adv_xs_write(a, a->fe, "rx-ring-ref", "%u", n->ring_refs[1]);
	adv_xs_write(a, a->fe, "event-channel", "%u", n->port);
	adv_xs_write(a, a->fe, "request-rx-copy", "1");
	adv_xs_write(a, a->fe, "feature-rx-notify", "1");
	adv_xs_write(a, a->fe, "feature-sg", "1");
	adv_set_state(a, XenbusStateConnected);
	s = adv_wait_backend(a, 1u << XenbusStateConnected, 30);
	if (s != XenbusStateConnected) {
		ADV_NOTOK("adversary: vif %s Connected (state %d)\n", a->be, s);
		return -1;
	}
	ADV_OK("adversary: vif %s Connected\n", a->be);
	return 0;
}

static void disconnect_vif(struct net *n)
{
	struct adv *a = n->a;

	adv_set_state(a, XenbusStateClosing);
	adv_wait_backend(a, 1u << XenbusStateClosing | 1u << XenbusStateClosed, 5);
	adv_set_state(a, XenbusStateClosed);
	if (n->port)
		xenevtchn_unbind(a->xce, n->port);
	if (n->rings)
		xengntshr_unshare(a->xgs, n->rings, 2);
	if (n->data)
		xengntshr_unshare(a->xgs, n->data, NDATA);
}

static void put(struct net *n, unsigned int page, uint16_t offset, uint16_t size, uint16_t flags)
{
	netif_tx_request_t *r = RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt);

	r->gref = n->data_refs[page % NDATA];
	r->offset = offset;
	r->size = size;
	r->flags = flags;
	r->id = n->next_id++;
	n->tx.req_prod_pvt++;
}

static void push(struct net *n)
{
	wmb();
	n->tx.sring->req_prod = n->tx.req_prod_pvt;
	mb();
	xenevtchn_notify(n->a->xce, n->port);
}

/* Responses until want came or seconds passed: counts of OKAY, ERROR, NULL. */
static unsigned int collect(struct net *n, unsigned int want, double seconds, unsigned int *okay,
			    unsigned int *error)
{
	double end = adv_now() + seconds;
	unsigned int got = 0;

	*okay = *error = 0;
	while (got < want && adv_now() < end) {
		while (n->tx.rsp_cons != n->tx.sring->rsp_prod) {
			netif_tx_response_t *r = RING_GET_RESPONSE(&n->tx, n->tx.rsp_cons);

			rmb();
			if (r->status == NETIF_RSP_OKAY)
				(*okay)++;
			else if (r->status == NETIF_RSP_ERROR)
				(*error)++;
			got++;
			n->tx.rsp_cons++;
		}
		n->tx.sring->rsp_event = n->tx.rsp_cons + 1;
		mb();
		if (got < want)
			usleep(2000);
	}
	return got;
}

/* A broadcast frame of len bytes in one slot: OKAY? */
static bool good_frame(struct net *n, uint16_t len)
{
	unsigned int ok, err;

	memset(n->data, 0xff, 6);
	memset(n->data + 6, 0x02, 6);
	n->data[12] = 0x88, n->data[13] = 0xb5;
	put(n, 0, 0, len, 0);
	push(n);
	return collect(n, 1, 10, &ok, &err) == 1 && ok == 1;
}

static int tolerated(struct net *n, const char *name, unsigned int slots, unsigned int want_ok,
		     unsigned int want_err)
{
	unsigned int ok, err, got = collect(n, slots, 10, &ok, &err);
	int rc = 0;

	if (got == slots && ok == want_ok && err == want_err)
		ADV_OK("%s: %u slots answered, %u OKAY and %u ERROR\n", name, got, ok, err);
	else
		ADV_NOTOK("%s: %u of %u slots answered, %u OKAY (want %u), %u ERROR (want %u)\n", name, got, slots,
			  ok, want_ok, err, want_err), rc = 1;
	if (adv_xs_state(n->a, n->a->be) == XenbusStateConnected && good_frame(n, 60))
		ADV_OK("%s: the vif goes on (Connected, a good frame answered OKAY)\n", name);
	else
		ADV_NOTOK("%s: the vif goes on (backend state %d)\n", name, adv_xs_state(n->a, n->a->be)), rc = 1;
	return rc;
}

static int fatal(struct net *n, const char *name)
{
	int s = adv_wait_backend(n->a, 1u << XenbusStateClosing | 1u << XenbusStateClosed, 10);
	unsigned int ok, err, got = collect(n, 1, 1, &ok, &err);

	if (s == XenbusStateClosing || s == XenbusStateClosed)
		ADV_OK("%s: the backend disabled this vif (state %d)\n", name, s);
	else
		ADV_NOTOK("%s: the backend disabled this vif (state %d)\n", name, s);
	if (!got)
		ADV_OK("%s: nothing of the broken packet answered\n", name);
	else
		ADV_NOTOK("%s: %u answers to the broken packet\n", name, got);
	return (s == XenbusStateClosing || s == XenbusStateClosed) && !got ? 0 : 1;
}

static int run(struct net *n, const char *sc)
{
	unsigned int i;

	memset(n->data, 0x5a, NDATA * ADV_PAGE);
	if (!strcmp(sc, "slots19")) {
		put(n, 1, 0, 2000, NETTXF_more_data);
		for (i = 1; i < 20; i++)
			put(n, 1 + i, 0, 100, i < 19 ? NETTXF_more_data : 0);
		push(n);
		return tolerated(n, sc, 20, 0, 20);
	}
	if (!strcmp(sc, "small")) {
		put(n, 1, 0, 10, 0);
		push(n);
		return tolerated(n, sc, 1, 0, 1);
	}
	if (!strcmp(sc, "big")) {
		put(n, 1, 0, 1000, NETTXF_more_data);
		put(n, 2, 0, 4000, 0);
		push(n);
		return tolerated(n, sc, 2, 0, 2);
	}
	if (!strcmp(sc, "zero")) {
		memset(n->data + ADV_PAGE, 0xff, 12);
		put(n, 1, 0, 60, NETTXF_more_data);
		put(n, 2, 0, 0, NETTXF_more_data);
		put(n, 3, 0, 0, 0);
		push(n);
		return tolerated(n, sc, 3, 3, 0);
	}
	if (!strcmp(sc, "storm")) {
		double t0 = adv_now();

		for (i = 0; i < 200000; i++)
			xenevtchn_notify(n->a->xce, n->port);
		ADV_NOTE("storm: 200000 notifies in %.1f s\n", adv_now() - t0);
		return tolerated(n, sc, 0, 0, 0);
	}
	if (!strcmp(sc, "prod")) {
		put(n, 1, 0, 60, 0);
		wmb();
		n->tx.sring->req_prod = n->tx.req_prod_pvt + 5000;
		mb();
		xenevtchn_notify(n->a->xce, n->port);
		return fatal(n, sc);
	}
	if (!strcmp(sc, "chain")) {
		put(n, 1, 0, 2200, NETTXF_more_data);
		for (i = 1; i <= 22; i++)
			put(n, 1 + i, 0, 100, i < 22 ? NETTXF_more_data : 0);
		push(n);
		return fatal(n, sc);
	}
	if (!strcmp(sc, "cross")) {
		put(n, 1, 0, 300, NETTXF_more_data);
		put(n, 2, 4000, 200, 0);
		push(n);
		return fatal(n, sc);
	}
	if (!strcmp(sc, "extra")) {
		struct netif_extra_info *x;

		put(n, 1, 0, 60, NETTXF_extra_info);
		x = (struct netif_extra_info *)RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt);
		memset(x, 0, sizeof(*x));
		x->type = 9;
		n->tx.req_prod_pvt++;
		push(n);
		return fatal(n, sc);
	}
	ADV_NOTOK("adversary: unknown net scenario %s\n", sc);
	return 2;
}

void adv_net_usage(void)
{
	fprintf(stderr, "net scenarios: slots19 small big zero storm (tolerated), prod chain cross extra (fatal)\n");
}

int adv_net(struct adv *a, const char *scenario)
{
	struct net n = { .a = a };
	int s = adv_wait_backend(a, 1u << XenbusStateInitWait | 1u << XenbusStateConnected, 30), rc;

	if (s != XenbusStateInitWait) {
		ADV_NOTOK("adversary: vif backend %s in InitWait (state %d)\n", a->be, s);
		return 1;
	}
	rc = connect_vif(&n) < 0 ? 1 : run(&n, scenario);
	disconnect_vif(&n);
	ADV_NOTE("adversary: net scenario %s done (%s)\n", scenario, rc ? "an expectation failed" : "as expected");
	return rc;
}
