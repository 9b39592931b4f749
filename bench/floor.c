/* SPDX-License-Identifier: GPL-2.0-or-later */
/* floor: the least a program can do to reach the same end state as
 * `netnsctl up` of a one-veth namespace, over raw netlink (libmnl). It is
 * the yardstick of bench/run.sh, not product code: no config, no state
 * record, no undo, no reads beyond the two ifindex lookups it needs, and
 * any error simply ends the program.
 *
 *   floor up   NSPREFIX IFPREFIX NET FIRST COUNT
 *   floor down NSPREFIX IFPREFIX NET FIRST COUNT
 *
 * handles namespaces NSPREFIX<i> for i in [FIRST, FIRST+COUNT), all in this
 * one process. Namespace i gets the veth pair IFPREFIX<i> (host end) and
 * eth0 (inside), the /30 at 10.NET.0.0 + 4*i: host end .1, inside .2, and a
 * default route inside via the host end. COUNT=1 is the one-shot floor;
 * COUNT>1 gives the in-process cost per namespace.
 *
 * The per-namespace steps are those of netnsctl (and of iproute2's
 * `ip netns add` for the namespace itself):
 *   /run/netns made a shared mount; NAME created with O_EXCL; unshare;
 *   bind-mount; a socket opened inside while we are there; back out;
 *   RTM_NEWLINK veth with the peer created directly inside (IFLA_NET_NS_FD
 *   on the peer) and the host end up; inside: lo up, ifindex of eth0,
 *   address, eth0 up; host: ifindex, address; inside: default route.
 * `down` deletes the host end (which takes the peer with it), unmounts and
 * unlinks the name, the same as `netnsctl down`. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"

static unsigned seq;

static void die(const char *what, const char *name)
{
	fprintf(stderr, "floor: %s %s: %s\n", what, name, strerror(errno));
	exit(1);
}

static struct mnl_socket *nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("opening", "netlink socket");
	return nl;
}

static int ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

/* Send one request with NLM_F_ACK and read until its ACK. */
static void transact(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what, const char *name,
		     int *ret_ifindex)
{
	char buf[8192];
	unsigned portid = mnl_socket_get_portid(nl);
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what, name);
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die(what, name);
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, ret_ifindex ? ifindex_cb : NULL,
			       ret_ifindex);
	} while (r > MNL_CB_STOP);
	if (r < 0)
		die(what, name);
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex, unsigned up)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = up ? IFF_UP : 0;
	return nlh;
}

static int ifindex_of(struct mnl_socket *nl, const char *ifname)
{
	char buf[512];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0, 0);
	int ifindex = 0;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	transact(nl, nlh, "looking up", ifname, &ifindex);
	return ifindex;
}

static void link_up(struct mnl_socket *nl, int ifindex, const char *name)
{
	char buf[512];

	transact(nl, link_msg(buf, RTM_NEWLINK, 0, ifindex, 1), "bringing up", name, NULL);
}

static void addr_add(struct mnl_socket *nl, int ifindex, uint32_t addr, const char *name)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 30;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	transact(nl, nlh, "adding address on", name, NULL);
}

static void default_route(struct mnl_socket *nl, int ifindex, uint32_t gw, const char *name)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	transact(nl, nlh, "adding default route in", name, NULL);
}

static void veth_create(struct mnl_socket *host, const char *hostif, int ns_fd)
{
	char buf[1024];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 1);
	struct nlattr *linkinfo, *data, *peer;
	struct ifinfomsg *pifi;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, hostif);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	transact(host, nlh, "creating veth", hostif, NULL);
}

/* iproute2's netns_add: shared /run/netns, O_EXCL placeholder, unshare,
 * bind mount. Returns an fd of the new namespace and, through ret_nl, a
 * netlink socket opened while inside it (saves a second setns pair). */
static int ns_create(const char *path, int host_fd, struct mnl_socket **ret_nl)
{
	int fd;

	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		die("creating", NETNS_DIR);
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
		    mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
			die("making shared", NETNS_DIR);
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		die("creating", path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare for", path);
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		die("bind-mounting", path);
	*ret_nl = nl_open();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("opening", path);
	if (setns(host_fd, CLONE_NEWNET) < 0)
		die("returning to the host namespace from", path);
	return fd;
}

static uint32_t addr_of(unsigned net, unsigned i, unsigned host)
{
	uint32_t base = (10u << 24) | (net << 16);
	return htonl(base + 4 * i + host);
}

static void up_one(struct mnl_socket *host, int host_fd, const char *nsname, const char *hostif,
		   unsigned net, unsigned i)
{
	char path[256], buf[512];
	struct mnl_socket *ns;
	int ns_fd, ifi, hifi;

	snprintf(path, sizeof(path), NETNS_DIR "/%s", nsname);
	ns_fd = ns_create(path, host_fd, &ns);
	veth_create(host, hostif, ns_fd);
	transact(ns, link_msg(buf, RTM_NEWLINK, 0, 1, 1), "bringing up lo in", nsname, NULL);
	ifi = ifindex_of(ns, "eth0");
	addr_add(ns, ifi, addr_of(net, i, 2), nsname);
	link_up(ns, ifi, nsname);
	hifi = ifindex_of(host, hostif);
	addr_add(host, hifi, addr_of(net, i, 1), hostif);
	default_route(ns, ifi, addr_of(net, i, 1), nsname);
	mnl_socket_close(ns);
	close(ns_fd);
}

static void down_one(struct mnl_socket *host, const char *nsname, const char *hostif)
{
	char path[256], buf[512];
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, 0, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, hostif);
	transact(host, nlh, "deleting", hostif, NULL);
	snprintf(path, sizeof(path), NETNS_DIR "/%s", nsname);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		die("unmounting", path);
	if (unlink(path) < 0 && errno != ENOENT)
		die("removing", path);
}

int main(int argc, char **argv)
{
	struct mnl_socket *host;
	unsigned net, first, count;
	int host_fd;
	bool up;

	if (argc != 7 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		fprintf(stderr, "usage: floor up|down NSPREFIX IFPREFIX NET FIRST COUNT\n");
		return 2;
	}
	up = strcmp(argv[1], "up") == 0;
	net = (unsigned)atoi(argv[4]);
	first = (unsigned)atoi(argv[5]);
	count = (unsigned)atoi(argv[6]);
	host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_fd < 0)
		die("opening", "own network namespace");
	host = nl_open();
	seq = (unsigned)time(NULL);
	for (unsigned i = first; i < first + count; i++) {
		char nsname[128], hostif[IFNAMSIZ];
		snprintf(nsname, sizeof(nsname), "%s%u", argv[2], i);
		snprintf(hostif, sizeof(hostif), "%s%u", argv[3], i);
		if (up)
			up_one(host, host_fd, nsname, hostif, net, i);
		else
			down_one(host, nsname, hostif);
	}
	mnl_socket_close(host);
	close(host_fd);
	return 0;
}
