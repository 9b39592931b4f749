/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "link.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

static void put_common(struct nlmsghdr *nlh, const char *name, uint32_t mtu, const uint8_t *mac)
{
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
}

int link_set(struct nl_sock *nl, int ifindex, const struct link_req *req, struct error *e)
{
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (req->up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = req->up ? IFF_UP : 0;
	}
	if (req->ns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)req->ns_fd);
	put_common(nlh, req->name, req->mtu, req->mac);
	if (req->alias)
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(req->alias), req->alias);
	if (req->master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)req->master);
	else if (req->master == LINK_NOMASTER)
		mnl_attr_put_u32(nlh, IFLA_MASTER, 0);
	return nl_transact(nl, nlh, e);
}

struct index_ctx {
	int ifindex;
};

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	struct index_ctx *ctx = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK)
		ctx->ifindex = ifi->ifi_index;
	return MNL_CB_OK;
}

int link_index(struct nl_sock *nl, const char *name, int *ret_ifindex, struct error *e)
{
	char buf[512] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	struct index_ctx ctx = { 0 };
	struct error tmp = { 0 };
	int r;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = nl_request(nl, nlh, index_cb, &ctx, &tmp);
	if (r == -ENODEV || (r == 0 && ctx.ifindex == 0))
		return -ENODEV;
	if (r < 0) {
		if (e)
			strscpy(e->kernel, sizeof(e->kernel), tmp.kernel);
		return err_set(e, r, "looking up link '%s'", name);
	}
	*ret_ifindex = ctx.ifindex;
	return 0;
}

int link_delete(struct nl_sock *nl, const char *name, struct error *e)
{
	char buf[512] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	int r;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_transact(nl, nlh, e);
	if (r == -ENODEV) {
		if (e)
			e->kernel[0] = '\0';
		return 0;
	}
	return r < 0 ? err_set(e, r, "deleting link '%s'", name) : 0;
}

int link_create_veth(struct nl_sock *nl, const struct veth_req *req, struct error *e)
{
	char buf[2048] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					    sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *linkinfo, *data, *peer;
	struct ifinfomsg *pifi;

	/* The host end comes up at creation. */
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	put_common(nlh, req->host_name, req->mtu, NULL);
	if (req->master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)req->master);

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	pifi->ifi_family = AF_UNSPEC;
	put_common(nlh, req->peer_name, req->mtu, req->peer_mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)req->peer_ns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_transact(nl, nlh, e);
}

int link_create_macvlan(struct nl_sock *nl, int parent_ifindex, const char *name, int ns_fd,
			uint32_t mode, uint32_t mtu, const uint8_t *mac, struct error *e)
{
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
					    sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *linkinfo, *data;

	ifi->ifi_family = AF_UNSPEC;
	put_common(nlh, name, mtu, mac);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_ifindex);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, mode);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nl_transact(nl, nlh, e);
}
