// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics over generic netlink: family "xenback", XENBACK_CMD_GET_STATS
 * dumps one message per bound port of every context, XENBACK_CMD_GET_BLKIF
 * one per blkif ring the module serves (attributes in uapi/xenback.h).
 * Needs CAP_NET_ADMIN. Read by `xenbackctl stats`.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "blkif.h"
#include "grant_io.h"
#include "xenback_kmod.h"

#define XB_POLICY(a, t) \
	[a] = { .type = NLA_##t },
static const struct nla_policy xb_genl_policy[XENBACK_A_MAX + 1] = {
	XENBACK_GENL_POLICY(XB_POLICY)
};
#undef XB_POLICY

static struct genl_family xb_genl_family;

static const u16 xb_stat_attr[XB_STAT_NR] = {
	[XB_STAT_EVENTS] = XENBACK_A_EVENTS,
	[XB_STAT_WAKES] = XENBACK_A_WAKES,
	[XB_STAT_NOTIFIES] = XENBACK_A_NOTIFIES,
	[XB_STAT_SPURIOUS] = XENBACK_A_SPURIOUS,
	[XB_STAT_THROTTLED] = XENBACK_A_THROTTLED,
};

static int xb_genl_put_port(struct sk_buff *skb, struct netlink_callback *cb,
			    struct xb_ctx *ctx, struct xb_evtchn *p)
{
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &xb_genl_family, NLM_F_MULTI, XENBACK_CMD_GET_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, XENBACK_A_CTX, ctx->id) ||
	    nla_put_u32(skb, XENBACK_A_PID, ctx->pid) ||
	    nla_put_u32(skb, XENBACK_A_PORT, p->port) ||
	    nla_put_u32(skb, XENBACK_A_DOMID, p->domid) ||
	    nla_put_u32(skb, XENBACK_A_KIND, p->kind))
		goto cancel;
	for (i = 0; i < XB_STAT_NR; i++)
		if (nla_put_u64_64bit(skb, xb_stat_attr[i],
				      xb_stat_read(p, i), XENBACK_A_PAD))
			goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* cb->args[0]: ports already sent (the dump resumes after them). */
static int xb_genl_dump_stats(struct sk_buff *skb, struct netlink_callback *cb)
{
	long skip = cb->args[0], n = 0;
	struct xb_ctx *ctx;
	struct xb_evtchn *p;
	unsigned long idx;

	mutex_lock(&xb_ctx_list_mutex);
	list_for_each_entry(ctx, &xb_ctx_list, node) {
		struct xarray *xas[] = { &ctx->xen, &ctx->loop };
		int k;

		rcu_read_lock();
		for (k = 0; k < ARRAY_SIZE(xas); k++) {
			xa_for_each(xas[k], idx, p) {
				if (n < skip) {
					n++;
					continue;
				}
				if (xb_genl_put_port(skb, cb, ctx, p)) {
					rcu_read_unlock();
					goto out;
				}
				n++;
			}
		}
		rcu_read_unlock();
	}
out:
	mutex_unlock(&xb_ctx_list_mutex);
	cb->args[0] = n;
	return skb->len;
}

struct xb_genl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int xb_genl_put_blkif(struct xb_blkif *b, void *arg)
{
	struct xb_genl_dump *d = arg;
	struct xenback_blkif_stats st;
	struct sk_buff *skb = d->skb;
	void *hdr;

	xb_blkif_snapshot(b, &st);
	st.reason[sizeof(st.reason) - 1] = '\0';
	hdr = genlmsg_put(skb, NETLINK_CB(d->cb->skb).portid, d->cb->nlh->nlmsg_seq,
			  &xb_genl_family, NLM_F_MULTI, XENBACK_CMD_GET_BLKIF);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, XENBACK_A_DOMID, b->domid) ||
	    nla_put_u32(skb, XENBACK_A_PORT, b->remote_port) ||
	    nla_put_u64_64bit(skb, XENBACK_A_REQUESTS, st.requests, XENBACK_A_PAD) ||
	    nla_put_u64_64bit(skb, XENBACK_A_RESPONSES, st.responses, XENBACK_A_PAD) ||
	    nla_put_u64_64bit(skb, XENBACK_A_ERRORS, st.errors, XENBACK_A_PAD) ||
	    nla_put_u64_64bit(skb, XENBACK_A_NOTIFIES, st.notifies, XENBACK_A_PAD) ||
	    nla_put_u64_64bit(skb, XENBACK_A_MAPS, st.maps, XENBACK_A_PAD) ||
	    nla_put_u64_64bit(skb, XENBACK_A_HITS, st.hits, XENBACK_A_PAD) ||
	    nla_put_u64_64bit(skb, XENBACK_A_EVICTED, st.evicted, XENBACK_A_PAD) ||
	    nla_put_u32(skb, XENBACK_A_MAPPED, st.mapped) ||
	    nla_put_u32(skb, XENBACK_A_MAX_GRANTS, b->gio->max_grants) ||
	    nla_put_u32(skb, XENBACK_A_INFLIGHT, st.inflight) ||
	    nla_put_u32(skb, XENBACK_A_STOPPED, st.stopped) ||
	    nla_put_string(skb, XENBACK_A_REASON, st.reason)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: rings already sent (the dump resumes after them). */
static int xb_genl_dump_blkif(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct xb_genl_dump d = { .skb = skb, .cb = cb };

	cb->args[0] = xb_blkif_for_each(cb->args[0], xb_genl_put_blkif, &d);
	return skb->len;
}

static const struct genl_small_ops xb_genl_ops[] = {
	{
		.cmd = XENBACK_CMD_GET_STATS,
		.dumpit = xb_genl_dump_stats,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = XENBACK_CMD_GET_BLKIF,
		.dumpit = xb_genl_dump_blkif,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family xb_genl_family __ro_after_init = {
	.name = XENBACK_GENL_NAME,
	.version = XENBACK_GENL_VERSION,
	.maxattr = XENBACK_A_MAX,
	.policy = xb_genl_policy,
	.module = THIS_MODULE,
	.small_ops = xb_genl_ops,
	.n_small_ops = ARRAY_SIZE(xb_genl_ops),
	.resv_start_op = XENBACK_CMD_GET_STATS + 1,
};

int __init xb_genl_init(void)
{
	return genl_register_family(&xb_genl_family);
}

void xb_genl_exit(void)
{
	genl_unregister_family(&xb_genl_family);
}
