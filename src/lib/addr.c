/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "addr.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
				 const struct cfg_addr *a)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t alen = a->family == AF_INET ? 4 : 16;

	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->raw);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->raw);
	return nlh;
}

int addr_add(struct nl_sock *nl, int ifindex, const struct cfg_addr *a, struct error *e)
{
	char buf[512] = { 0 }, txt[64];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, a);
	int r;

	if (a->family == AF_INET6) {
		struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	r = nl_transact(nl, nlh, e);
	return r < 0 ? err_set(e, r, "adding address %s", cfg_addr_to_string(a, true, txt, sizeof(txt))) : 0;
}

int addr_del(struct nl_sock *nl, int ifindex, const struct cfg_addr *a, struct error *e)
{
	char buf[512] = { 0 }, txt[64];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, 0, ifindex, a);
	int r = nl_transact(nl, nlh, e);

	if (r == -EADDRNOTAVAIL || r == -ENODEV) {
		if (e)
			e->kernel[0] = '\0';
		return 0;
	}
	return r < 0 ? err_set(e, r, "removing address %s", cfg_addr_to_string(a, true, txt, sizeof(txt))) : 0;
}

static struct nlmsghdr *route_msg(char *buf, uint16_t type, uint16_t flags, const struct route_spec *rt)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, type, flags, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t alen = rt->dst.family == AF_INET ? 4 : 16;

	rtm->rtm_family = (uint8_t)rt->dst.family;
	rtm->rtm_dst_len = rt->dst.prefixlen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = rt->protocol ? rt->protocol : ROUTE_PROTO_NETNSCTL;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = rt->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (rt->dst.prefixlen)
		mnl_attr_put(nlh, RTA_DST, alen, rt->dst.raw);
	if (rt->gw.family)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, rt->gw.raw);
	if (rt->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
	if (rt->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	return nlh;
}

static const char *route_text(const struct route_spec *rt, char *buf, size_t size)
{
	char d[64], g[64];

	cfg_addr_to_string(&rt->dst, true, d, sizeof(d));
	if (rt->gw.family)
		snprintf(buf, size, "%s via %s", rt->dst.prefixlen ? d : "default",
			 cfg_addr_to_string(&rt->gw, false, g, sizeof(g)));
	else
		snprintf(buf, size, "%s", rt->dst.prefixlen ? d : "default");
	return buf;
}

int route_add(struct nl_sock *nl, const struct route_spec *rt, struct error *e)
{
	char buf[512] = { 0 }, txt[160];
	int r = nl_transact(nl, route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rt), e);

	return r < 0 ? err_set(e, r, "adding route %s", route_text(rt, txt, sizeof(txt))) : 0;
}

int route_del(struct nl_sock *nl, const struct route_spec *rt, struct error *e)
{
	char buf[512] = { 0 }, txt[160];
	struct nlmsghdr *nlh = route_msg(buf, RTM_DELROUTE, 0, rt);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int r;

	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	r = nl_transact(nl, nlh, e);
	if (r == -ESRCH || r == -ENODEV) {
		if (e)
			e->kernel[0] = '\0';
		return 0;
	}
	return r < 0 ? err_set(e, r, "removing route %s", route_text(rt, txt, sizeof(txt))) : 0;
}
