/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the rtnetlink parsers in live.c that turn kernel
 * replies into status (live_parse_link/addr/route).
 *
 * The first input byte selects the mode:
 *   bit 0x40 set   the rest is a receive buffer of whole netlink messages,
 *                  as a dump delivers it; it goes through mnl_cb_run (which
 *                  checks every nlmsghdr) and each message is handed to
 *                  the parser for its type.
 *   otherwise      the rest is the payload of one message (ifinfomsg,
 *                  ifaddrmsg or rtmsg plus attributes); the harness wraps it
 *                  in a correct nlmsghdr of type RTM_NEWLINK, RTM_NEWADDR or
 *                  RTM_NEWROUTE (low two bits: 0, 1, 2; 3 = a type none of
 *                  them accepts), so every input reaches a parser.
 *   bit 0x80 set   (single mode) also feed the message to the other two
 *                  parsers, which must refuse it by type.
 * Buffers are heap copies of exactly the message size (rounded up to the
 * netlink alignment, padding zeroed, as in a kernel reply), so ASan catches
 * any read past the message. */
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>

#include "live.h"

static void check(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_netlink: broken invariant: %s\n", what);
		abort();
	}
}

static int parse_one(const struct nlmsghdr *nlh)
{
	struct live_link l;
	struct live_addr a;
	struct live_route r;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		if (live_parse_link(nlh, &l) == MNL_CB_OK) {
			check(strnlen(l.name, sizeof(l.name)) < sizeof(l.name), "link name terminated");
			check(strnlen(l.kind, sizeof(l.kind)) < sizeof(l.kind), "link kind terminated");
			check(strnlen(l.alias, sizeof(l.alias)) < sizeof(l.alias), "link alias terminated");
		}
		break;
	case RTM_NEWADDR:
		if (live_parse_addr(nlh, &a) == MNL_CB_OK) {
			check(a.a.family == AF_INET || a.a.family == AF_INET6, "address family");
			check(a.a.prefixlen <= (a.a.family == AF_INET ? 32 : 128), "address prefix length");
		}
		break;
	case RTM_NEWROUTE:
		if (live_parse_route(nlh, &r) == MNL_CB_OK) {
			check(r.dst.family == AF_INET || r.dst.family == AF_INET6, "route family");
			check(r.dst.prefixlen <= (r.dst.family == AF_INET ? 32 : 128), "route prefix length");
			check(!r.gw.family || r.gw.family == r.dst.family, "gateway family");
		}
		break;
	}
	return MNL_CB_OK;
}

static int stream_cb(const struct nlmsghdr *nlh, void *data _unused_)
{
	return parse_one(nlh);
}

/* libmnl's mnl_nlmsg_ok() compares (int)nlmsg_len with the bytes left, so a
 * length of 2^31 or more passes and the walk jumps out of the buffer. The
 * kernel never sends such a length (replies are bounded by the socket
 * buffer), so such inputs cannot reach our parsers through a real socket;
 * they are skipped rather than reported as crashes of ours. */
static bool lengths_possible(const uint8_t *buf, size_t size)
{
	size_t off = 0;

	while (size - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(buf + off);
		if (nlh->nlmsg_len > INT32_MAX)
			return false;
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > size - off)
			return true; /* libmnl stops here, safely */
		off += MNL_ALIGN(nlh->nlmsg_len);
		if (off > size)
			return true;
	}
	return true;
}

static void run_stream(const uint8_t *data, size_t size)
{
	/* Zeroed up to the alignment: libmnl finds a message's end at
	 * MNL_ALIGN(nlmsg_len), and a real receive buffer is larger anyway. */
	void *buf = calloc(1, MNL_ALIGN(size) + 1);

	if (!buf)
		return;
	memcpy(buf, data, size);
	if (lengths_possible(buf, size))
		mnl_cb_run(buf, size, 0, 0, stream_cb, NULL);
	free(buf);
}

static void run_single(uint8_t sel, const uint8_t *payload, size_t size)
{
	static const uint16_t types[4] = { RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_DELLINK };
	size_t len = MNL_NLMSG_HDRLEN + size;
	struct nlmsghdr *nlh;
	struct live_link l;
	struct live_addr a;
	struct live_route r;

	if (len > 65535) /* larger than any single rtnetlink reply */
		return;
	nlh = calloc(1, MNL_ALIGN(len));
	if (!nlh)
		return;
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = types[sel & 3];
	nlh->nlmsg_flags = NLM_F_MULTI;
	memcpy((char *)nlh + MNL_NLMSG_HDRLEN, payload, size);
	parse_one(nlh);
	if (sel & 0x80) {
		if (nlh->nlmsg_type != RTM_NEWLINK)
			check(live_parse_link(nlh, &l) == MNL_CB_ERROR, "link parser refuses other types");
		if (nlh->nlmsg_type != RTM_NEWADDR)
			check(live_parse_addr(nlh, &a) == MNL_CB_ERROR, "address parser refuses other types");
		if (nlh->nlmsg_type != RTM_NEWROUTE)
			check(live_parse_route(nlh, &r) == MNL_CB_ERROR, "route parser refuses other types");
	}
	free(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 0x40)
		run_stream(data + 1, size - 1);
	else
		run_single(data[0], data + 1, size - 1);
	return 0;
}
