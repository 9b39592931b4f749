/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rtnetlink reply parsers in live.c, on messages built with libmnl the
 * way the kernel lays them out: the fields status and reconcile rely on,
 * and refusal of malformed or foreign messages. The fuzzer checks they
 * never crash; this checks they are right. */
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "live.h"
#include "tap.h"

static char buf[8192] __attribute__((aligned(8)));

static struct nlmsghdr *start(uint16_t type, size_t hdrlen)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static void test_link(void)
{
	static const uint8_t mac[6] = { 0x02, 0, 0x5e, 0x10, 0, 1 };
	struct nlmsghdr *nlh = start(RTM_NEWLINK, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *info;
	struct live_link l;

	ifi->ifi_index = 7;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1400);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, "netnsctl:web");
	mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
	mnl_attr_put_u32(nlh, IFLA_LINK, 12);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 0);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_nest_end(nlh, info);

	if (!TAP_INT_EQ(live_parse_link(nlh, &l), MNL_CB_OK, "a veth RTM_NEWLINK parses"))
		return;
	TAP_INT_EQ(l.ifindex, 7, "ifindex");
	TAP_STREQ(l.name, "eth0", "name");
	TAP_STREQ(l.kind, "veth", "kind from IFLA_LINKINFO");
	TAP_OK(l.flags & IFF_UP, "flags");
	TAP_INT_EQ(l.operstate, IF_OPER_UP, "operstate");
	TAP_INT_EQ(l.mtu, 1400, "mtu");
	TAP_OK(l.has_mac && memcmp(l.mac, mac, 6) == 0, "MAC address");
	TAP_STREQ(l.alias, "netnsctl:web", "alias");
	TAP_INT_EQ(l.master, 3, "master");
	TAP_INT_EQ(l.peer_ifindex, 12, "peer ifindex");
	TAP_INT_EQ(l.peer_netnsid, 0, "peer netnsid");

	/* A name without terminating NUL, longer than IFNAMSIZ. */
	nlh = start(RTM_NEWLINK, sizeof(struct ifinfomsg));
	mnl_attr_put(nlh, IFLA_IFNAME, 20, "abcdefghijklmnopqrst");
	mnl_attr_put(nlh, IFLA_MTU, 2, "\x01\x02");
	if (TAP_INT_EQ(live_parse_link(nlh, &l), MNL_CB_OK, "a link with odd attributes parses")) {
		TAP_STREQ(l.name, "abcdefghijklmno", "an over-long name is cut and terminated");
		TAP_INT_EQ(l.mtu, 0, "a 2-byte MTU attribute is ignored");
		TAP_INT_EQ(l.peer_netnsid, -1, "no IFLA_LINK_NETNSID is -1");
		TAP_STREQ(l.kind, "", "no IFLA_LINKINFO is a physical device");
		TAP_OK(!l.has_mac, "no MAC attribute");
	}

	nlh = start(RTM_NEWLINK, 0);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
	TAP_INT_EQ(live_parse_link(nlh, &l), MNL_CB_ERROR, "a payload shorter than ifinfomsg is refused");
	nlh = start(RTM_DELLINK, sizeof(struct ifinfomsg));
	TAP_INT_EQ(live_parse_link(nlh, &l), MNL_CB_ERROR, "RTM_DELLINK is not parsed as a link");
}

static void test_addr(void)
{
	struct nlmsghdr *nlh = start(RTM_NEWADDR, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct in_addr local, peer;
	struct in6_addr v6;
	struct live_addr a;
	char s[64];

	inet_pton(AF_INET, "10.0.0.2", &local);
	inet_pton(AF_INET, "10.0.0.9", &peer);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = 4;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &peer);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &local);
	mnl_attr_put_u32(nlh, IFA_FLAGS, 0x280);
	if (TAP_INT_EQ(live_parse_addr(nlh, &a), MNL_CB_OK, "an IPv4 RTM_NEWADDR parses")) {
		TAP_STREQ(cfg_addr_to_string(&a.a, true, s, sizeof(s)), "10.0.0.2/24", "IFA_LOCAL wins over IFA_ADDRESS");
		TAP_INT_EQ(a.ifindex, 4, "ifindex");
		TAP_INT_EQ(a.flags, 0x280, "IFA_FLAGS replaces the 8-bit flags");
	}

	nlh = start(RTM_NEWADDR, sizeof(struct ifaddrmsg));
	ifa = mnl_nlmsg_get_payload(nlh);
	inet_pton(AF_INET6, "2001:db8::2", &v6);
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 64;
	mnl_attr_put(nlh, IFA_ADDRESS, 16, &v6);
	if (TAP_INT_EQ(live_parse_addr(nlh, &a), MNL_CB_OK, "an IPv6 RTM_NEWADDR parses"))
		TAP_STREQ(cfg_addr_to_string(&a.a, true, s, sizeof(s)), "2001:db8::2/64", "IPv6 address from IFA_ADDRESS");

	ifa->ifa_prefixlen = 129;
	TAP_INT_EQ(live_parse_addr(nlh, &a), MNL_CB_ERROR, "prefix length 129 is refused");
	ifa->ifa_prefixlen = 64;
	ifa->ifa_family = AF_INET;
	TAP_INT_EQ(live_parse_addr(nlh, &a), MNL_CB_ERROR, "a 16-byte address in an AF_INET message is refused");
	ifa->ifa_family = AF_PACKET;
	TAP_INT_EQ(live_parse_addr(nlh, &a), MNL_CB_ERROR, "an unknown family is refused");
	nlh = start(RTM_NEWADDR, sizeof(struct ifaddrmsg));
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_INET;
	TAP_INT_EQ(live_parse_addr(nlh, &a), MNL_CB_ERROR, "a message without an address is refused");
}

static void test_route(void)
{
	struct nlmsghdr *nlh = start(RTM_NEWROUTE, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct in_addr gw, dst;
	struct live_route r;
	char s[64];

	inet_pton(AF_INET, "10.0.0.1", &gw);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, 2);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	if (TAP_INT_EQ(live_parse_route(nlh, &r), MNL_CB_OK, "an IPv4 default route parses")) {
		TAP_STREQ(cfg_addr_to_string(&r.dst, true, s, sizeof(s)), "0.0.0.0/0", "default destination");
		TAP_STREQ(cfg_addr_to_string(&r.gw, false, s, sizeof(s)), "10.0.0.1", "gateway");
		TAP_INT_EQ(r.oif, 2, "oif");
		TAP_INT_EQ(r.metric, 100, "metric");
		TAP_INT_EQ(r.table, 1000, "RTA_TABLE wins over rtm_table");
		TAP_INT_EQ(r.protocol, RTPROT_STATIC, "protocol");
	}

	nlh = start(RTM_NEWROUTE, sizeof(struct rtmsg));
	rtm = mnl_nlmsg_get_payload(nlh);
	inet_pton(AF_INET, "192.0.2.0", &dst);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_MAIN;
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	if (TAP_INT_EQ(live_parse_route(nlh, &r), MNL_CB_OK, "a prefix route parses")) {
		TAP_STREQ(cfg_addr_to_string(&r.dst, true, s, sizeof(s)), "192.0.2.0/24", "destination prefix");
		TAP_INT_EQ(r.gw.family, 0, "no gateway");
		TAP_INT_EQ(r.table, RT_TABLE_MAIN, "table from rtm_table");
	}
	rtm->rtm_dst_len = 33;
	TAP_INT_EQ(live_parse_route(nlh, &r), MNL_CB_ERROR, "an IPv4 prefix length of 33 is refused");
	rtm->rtm_dst_len = 24;
	rtm->rtm_family = AF_UNSPEC;
	TAP_INT_EQ(live_parse_route(nlh, &r), MNL_CB_ERROR, "an unknown family is refused");
	nlh->nlmsg_type = RTM_NEWLINK;
	TAP_INT_EQ(live_parse_route(nlh, &r), MNL_CB_ERROR, "RTM_NEWLINK is not parsed as a route");
}

int main(void)
{
	test_link();
	test_addr();
	test_route();
	return tap_done();
}
