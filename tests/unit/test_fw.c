/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Issue 6 without the kernel: the config keys of [Link] Masquerade= and
 * Tunnel=, [Publish] and [Firewall] (defaults, validation, file:line of
 * errors); the nftables batches apply_fw.c renders from them (every rule,
 * the config line each batch line maps back to, the content hash); and the
 * parser of `nft list table` output that rollback, `down` and `status`
 * rely on. Texts are parsed as "web.conf" for namespace "web". */
#include <stdlib.h>

#include "apply_int.h"
#include "nft.h"
#include "tap.h"

#define FILE_NAME "web.conf"

static struct cfg *parse(const char *text, int *ret, struct error *e)
{
	struct cfg *c = cfg_new();

	strscpy(c->name, sizeof(c->name), "web");
	*ret = cfg_parse_text(c, text, strlen(text), FILE_NAME, e);
	if (*ret == 0)
		*ret = cfg_validate(c, e);
	return c;
}

static struct cfg *good(const char *text, const char *what)
{
	struct error e = { 0 };
	char buf[2048];
	int r;
	struct cfg *c = parse(text, &r, &e);

	if (TAP_INT_EQ(r, 0, "%s: accepted", what))
		return c;
	TAP_DIAG("error: %s", err_format(&e, buf, sizeof(buf)));
	cfg_free(c);
	return NULL;
}

/* Refused as a config error at web.conf:line with msg in the message. */
static void bad(const char *text, unsigned line, const char *msg, const char *what)
{
	struct error e = { 0 };
	char buf[2048], where[64], got[300];
	int r;
	struct cfg *c = parse(text, &r, &e);

	TAP_OK(r < 0 && err_exit_status(&e) == 2, "%s: refused as a config error", what);
	snprintf(where, sizeof(where), "%s:%u", FILE_NAME, line);
	snprintf(got, sizeof(got), "%s:%u", e.file, e.line);
	TAP_STREQ(got, where, "%s: error points at %s", what, where);
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), msg, "%s: message", what);
	cfg_free(c);
}

#define VETH "[Link]\nKind=veth\nAddress=10.0.0.2/24 fd00::2/64\nHostAddress=10.0.0.1/24\n"

static bool key_known(const char *key)
{
	for (const char *const *k = cfg_known_keys(); *k; k++)
		if (STREQ(*k, key))
			return true;
	return false;
}

static void test_keys(void)
{
	char text[512];
	struct cfg *c;

	/* PrivateKeyFile= comes with issue 7; a wireguard link may need it. */
	snprintf(text, sizeof(text), VETH "Masquerade=yes\n\n[Link]\nKind=wireguard\nName=wg0\n%s",
		 key_known("Link.PrivateKeyFile") ? "PrivateKeyFile=/etc/k\n" : "");
	c = good(text, "Masquerade= and Tunnel= defaults");
	if (c) {
		TAP_OK(c->links[0].masquerade.v && !c->links[0].tunnel.v, "veth: Masquerade=yes, Tunnel= defaults to no");
		TAP_OK(c->links[1].tunnel.v, "wireguard: Tunnel= defaults to yes");
		TAP_OK(fw_wants_host(c) && !fw_wants_ns(c), "Masquerade=yes needs host rules only");
		cfg_free(c);
	}
	c = good(VETH "Tunnel=yes\n", "Tunnel=yes on a veth");
	if (c) {
		TAP_OK(c->links[0].tunnel.v && !fw_wants_host(c) && !fw_wants_ns(c), "Tunnel= alone needs no rules");
		cfg_free(c);
	}
	bad("[Link]\nKind=macvlan\nDevice=eth0\nMasquerade=yes\n", 4, "Masquerade= needs a link with a host end", "Masquerade= on a macvlan");

	c = good(VETH "\n[Publish]\nHostPort=8080\n", "[Publish] with HostPort= only");
	if (c) {
		const struct cfg_publish *p = &c->publish[0];
		TAP_INT_EQ(p->port.lo, 8080, "Port= defaults to HostPort=");
		TAP_INT_EQ(p->proto.v, FW_TCP, "Protocol= defaults to tcp");
		TAP_INT_EQ(p->mode.v, PUBLISH_NAT, "Mode= defaults to nat with a host link");
		TAP_INT_EQ(p->max_conn.v, 4096, "MaxConnections= defaults to 4096");
		TAP_OK(fw_wants_host(c), "Mode=nat needs host rules");
		cfg_free(c);
	}
	c = good("[Publish]\nHostPort=9091\n", "[Publish] without a host link");
	if (c) {
		TAP_INT_EQ(c->publish[0].mode.v, PUBLISH_PROXY, "Mode= defaults to proxy without a host link");
		TAP_OK(!fw_wants_host(c), "Mode=proxy needs no host rules");
		cfg_free(c);
	}
	bad(VETH "\n[Publish]\nPort=80\n", 6, "needs HostPort=", "[Publish] without HostPort=");
	bad(VETH "\n[Publish]\nHostPort=8000-8010\nPort=80-81\n", 8, "same length", "ranges of different lengths");
	bad("[Publish]\nHostPort=80\nMode=nat\n", 3, "Mode=nat needs a link with a host end", "Mode=nat without a host link");
	bad(VETH "\n[Publish]\nProtocol=udp\nHostPort=53\nMode=proxy\n", 7, "TCP only", "Mode=proxy with udp");
	bad(VETH "\n[Publish]\nHostPort=8000-8010\n\n[Publish]\nHostPort=8005\n", 10, "overlaps", "overlapping HostPort=");
	bad(VETH "\n[Publish]\nHostPort=70000\n", 7, "invalid HostPort", "HostPort= out of range");

	c = good(VETH "\n[Firewall]\nPolicy=drop\nAllow=tcp/80 udp/5000-5010\nAllow=icmp\nKillSwitch=yes\n", "[Firewall]");
	if (c) {
		TAP_INT_EQ(c->fw_policy.v, FW_DROP, "Policy=drop");
		TAP_INT_EQ(c->fw_allow.n, 3, "Allow= is repeatable and takes several values");
		TAP_OK(c->fw_allow.v[1].proto == FW_UDP && c->fw_allow.v[1].ports.lo == 5000 && c->fw_allow.v[1].ports.hi == 5010,
		       "udp/5000-5010");
		TAP_INT_EQ(c->fw_allow.v[2].proto, FW_ICMP, "icmp");
		TAP_OK(c->kill_switch.v && fw_wants_ns(c), "KillSwitch=yes needs the table inside");
		cfg_free(c);
	}
	bad(VETH "\n[Firewall]\nAllow=tcp\n", 7, "expected tcp/PORT", "Allow=tcp without a port");
	bad(VETH "\n[Firewall]\nPolicy=reject\n", 7, "Policy", "Policy=reject");
}

/* The batch's text and the config line of batch line n (1-based). */
static unsigned line_of(const struct fw_batch *b, const char *needle)
{
	const char *p = b->text, *hit = b->text ? strstr(b->text, needle) : NULL;
	unsigned n = 1;

	if (!hit)
		return 0;
	for (; p < hit; p++)
		n += *p == '\n';
	return b->locs[n - 1] ? b->locs[n - 1]->line : 0;
}

/* Render text's host part into b; the config is returned, since b's
 * line locations point into it. */
static struct cfg *render_host(const char *text, struct fw_batch *b, char hash[9], const char *what)
{
	struct error e = { 0 };
	struct cfg *c = good(text, what);

	*b = (struct fw_batch){ 0 };
	hash[0] = '\0';
	if (c)
		TAP_INT_EQ(fw_render_host(c, b, hash, &e), 0, "%s: rendered", what);
	return c;
}

static void test_render_host(void)
{
	struct fw_batch b;
	struct cfg *c;
	char hash[9], hash2[9];
	const char *conf = VETH "Masquerade=yes\n\n[Publish]\nHostPort=8080\nPort=80\n\n[Publish]\nProtocol=udp\nHostPort=9000-9001\nPort=9100-9101\n"
			   "\n[Publish]\nHostAddress=127.0.0.1\nHostPort=8443\n";

	c = render_host(conf, &b, hash, "masquerade and three [Publish]");
	if (!b.text) {
		cfg_free(c);
		return;
	}
	TAP_LIKE(b.text, "add chain inet netnsctl pre-web { type nat hook prerouting priority dstnat + 10; policy accept; comment \"ns=web hash=",
		 "a prerouting chain for web, marked with its name");
	TAP_LIKE(b.text, "add chain inet netnsctl out-web { type nat hook output priority -90;", "an output chain (the host's own clients)");
	TAP_LIKE(b.text, "add chain inet netnsctl post-web { type nat hook postrouting priority srcnat + 10;", "a postrouting chain");
	TAP_LIKE(b.text, "add chain inet netnsctl fwd-web { type filter hook forward priority filter + 10;", "a forward chain");
	TAP_OK(strstr(b.text, "hash=########") == NULL && strstr(b.text, hash), "the hash %s replaced the placeholder", hash);
	TAP_LIKE(b.text, "add rule inet netnsctl post-web ip saddr { 10.0.0.2 } oifname != \"ve-web\" counter masquerade comment \"Masquerade=yes web.conf:5\"",
		 "IPv4 masquerade of the namespace's address");
	TAP_LIKE(b.text, "add rule inet netnsctl post-web ip6 saddr { fd00::2 } oifname != \"ve-web\" counter masquerade",
		 "IPv6 masquerade of the namespace's address");
	TAP_INT_EQ(line_of(&b, "ip saddr { 10.0.0.2 }"), 5, "the masquerade rule maps back to Masquerade= (line 5)");
	TAP_LIKE(b.text, "add rule inet netnsctl pre-web meta nfproto ipv4 fib daddr type local tcp dport 8080 counter dnat ip to 10.0.0.2:80 comment \"[Publish] web.conf:7\"",
		 "DNAT 8080 -> 10.0.0.2:80 for other hosts");
	TAP_LIKE(b.text, "add rule inet netnsctl out-web meta nfproto ipv4 fib daddr type local tcp dport 8080 counter dnat ip to 10.0.0.2:80",
		 "the same DNAT for the host itself");
	TAP_LIKE(b.text, "meta nfproto ipv6 fib daddr type local tcp dport 8080 counter dnat ip6 to [fd00::2]:80", "and for IPv6");
	TAP_INT_EQ(line_of(&b, "tcp dport 8080 counter dnat ip to"), 7, "the DNAT rule maps back to its [Publish] (line 7)");
	TAP_LIKE(b.text, "udp dport 9000-9001 counter dnat ip to 10.0.0.2 : udp dport map { 9000 : 9100, 9001 : 9101 }",
		 "a moved range maps port by port");
	TAP_LIKE(b.text, "ip daddr 127.0.0.1 tcp dport 8443 counter dnat ip to 10.0.0.2 comment", "HostAddress= limits the DNAT; the same port is kept");
	TAP_OK(!strstr(b.text, "ip6 daddr 127.0.0.1") && !strstr(b.text, "published6 { :: . tcp . 8443"),
	       "an IPv4 HostAddress= gets no IPv6 rule");
	TAP_LIKE(b.text, "create element inet netnsctl published4 { 0.0.0.0 . tcp . 8080 comment \"ns=web\" }", "host port tcp/8080 is claimed");
	TAP_LIKE(b.text, "create element inet netnsctl published6 { :: . tcp . 8080 comment \"ns=web\" }", "for IPv6 too");
	TAP_LIKE(b.text, "published4 { 0.0.0.0 . udp . 9000 comment \"ns=web\", 0.0.0.0 . udp . 9001 comment \"ns=web\" }",
		 "a range is claimed port by port");
	TAP_LIKE(b.text, "published4 { 127.0.0.1 . tcp . 8443 comment \"ns=web\" }", "a HostAddress= claim carries the address");
	TAP_INT_EQ(line_of(&b, "published4 { 0.0.0.0 . tcp . 8080"), 8, "the claim maps back to HostPort= (line 8)");
	TAP_LIKE(b.text, "post-web meta nfproto ipv4 fib saddr type local ct status dnat oifname \"ve-web\" counter masquerade",
		 "the host's own connections to a published port are masqueraded");
	TAP_LIKE(b.text, "add rule inet netnsctl fwd-web iifname \"ve-web\" counter accept", "forward accepts from the host end");
	TAP_LIKE(b.text, "add rule inet netnsctl fwd-web oifname \"ve-web\" counter accept", "and to it");
	fw_batch_free(&b);
	cfg_free(c);

	c = render_host(conf, &b, hash2, "the same config again");
	TAP_STREQ(hash2, hash, "the hash is stable");
	fw_batch_free(&b);
	cfg_free(c);
	c = render_host(VETH "Masquerade=yes\n", &b, hash2, "masquerade only");
	TAP_OK(!STREQ(hash2, hash), "a different config has a different hash");
	TAP_OK(b.text && !strstr(b.text, "pre-web") && !strstr(b.text, "published4"), "masquerade alone makes no DNAT chains and no claims");
	fw_batch_free(&b);
	cfg_free(c);

	c = render_host("[Link]\nKind=bridge\nBridge=br0\nAddress=10.1.0.2/24\nMasquerade=yes\n", &b, hash, "a bridge link");
	TAP_LIKE(b.text, "oifname != \"br0\" counter masquerade", "a bridge link's traffic enters the host through the bridge");
	fw_batch_free(&b);
	cfg_free(c);
}

static void render_host_fails(const char *text, unsigned line, const char *msg, const char *what)
{
	struct error e = { 0 };
	struct fw_batch b = { 0 };
	char hash[9], buf[2048];
	struct cfg *c = good(text, what);

	if (!c)
		return;
	TAP_OK(fw_render_host(c, &b, hash, &e) < 0 && err_exit_status(&e) == 2, "%s: refused as a config error", what);
	TAP_INT_EQ(e.line, line, "%s: at line %u", what, line);
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), msg, "%s: message", what);
	fw_batch_free(&b);
	cfg_free(c);
}

static void test_render_host_errors(void)
{
	render_host_fails("[Link]\nKind=veth\nMasquerade=yes\n", 3, "has no Address=", "Masquerade=yes without Address=");
	render_host_fails("[Link]\nKind=veth\nAddress=fd00::2/64\n\n[Publish]\nHostPort=80\nHostAddress=::1\n", 7,
			  "::1 cannot be published", "HostAddress=::1");
	render_host_fails("[Link]\nKind=veth\nAddress=fd00::2/64\n\n[Publish]\nHostPort=80\nHostAddress=127.0.0.1\n", 5,
			  "needs an IPv4 Address=", "an IPv4 HostAddress= and no IPv4 address inside");
	render_host_fails("[Link]\nKind=veth\nHostName=a\"b\nAddress=10.0.0.2/24\nMasquerade=yes\n", 1, "cannot be used in a firewall rule",
			  "a host end name with a quote");
}

static void test_render_ns(void)
{
	struct error e = { 0 };
	struct fw_batch b = { 0 };
	char hash[9];
	struct cfg *c = good(VETH "Name=eth0\n\n[Link]\nKind=veth\nName=tun0\nHostName=ht\nTunnel=yes\n\n[Firewall]\nPolicy=drop\n"
			     "Allow=tcp/80 udp/53\nAllow=icmp\nKillSwitch=yes\n", "policy and kill switch");

	if (!c)
		return;
	TAP_INT_EQ(fw_render_ns(c, &b, hash, &e), 0, "the table inside renders");
	TAP_LIKE(b.text, "add table inet netnsctl { comment \"netnsctl hash=", "one table, with the content hash");
	TAP_LIKE(b.text, "add chain inet netnsctl input { type filter hook input priority filter; policy drop; }", "Policy=drop: an input chain that drops");
	TAP_LIKE(b.text, "add rule inet netnsctl input iifname \"lo\" accept\nadd rule inet netnsctl input ct state established,related accept\n",
		 "loopback and established traffic first");
	TAP_LIKE(b.text, "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-redirect } accept", "neighbour discovery passes");
	TAP_LIKE(b.text, "input tcp dport 80 counter accept comment \"Allow=tcp/80 web.conf:15\"", "Allow=tcp/80");
	TAP_LIKE(b.text, "input udp dport 53 counter accept", "Allow=udp/53");
	TAP_LIKE(b.text, "input meta l4proto { icmp, ipv6-icmp } counter accept", "Allow=icmp, both families");
	TAP_INT_EQ(line_of(&b, "tcp dport 80 counter accept"), 15, "the Allow= rule maps back to line 15");
	TAP_LIKE(b.text, "add rule inet netnsctl input counter name input_dropped drop", "the rest is counted in input_dropped and dropped");
	TAP_LIKE(b.text, "add chain inet netnsctl output { type filter hook output priority filter; policy drop; }", "KillSwitch=yes: output drops");
	TAP_LIKE(b.text, "add rule inet netnsctl output oifname { \"tun0\" } accept", "except through the Tunnel=yes link");
	TAP_OK(!strstr(b.text, "\"eth0\" } accept"), "and not through eth0");
	TAP_LIKE(b.text, "add rule inet netnsctl output oifname \"lo\" accept", "and loopback");
	TAP_LIKE(b.text, "add chain inet netnsctl forward { type filter hook forward priority filter; policy drop; }", "forwarded traffic too");
	TAP_LIKE(b.text, "inbound ct state new iifname != { \"lo\", \"tun0\" } ct mark set ct mark | 0x10000000",
		 "connections that came in through a non-tunnel link are marked");
	TAP_LIKE(b.text, "output ct mark & 0x10000000 == 0x10000000 accept", "and only their replies may leave that way");
	TAP_LIKE(b.text, "output counter name killswitch_dropped drop comment \"KillSwitch=yes web.conf:17\"", "drops are counted in killswitch_dropped");
	TAP_INT_EQ(line_of(&b, "output counter name killswitch_dropped"), 17, "and map back to KillSwitch= (line 17)");
	fw_batch_free(&b);
	cfg_free(c);

	c = good(VETH "\n[Firewall]\nKillSwitch=yes\n", "a kill switch without a tunnel");
	if (c) {
		TAP_INT_EQ(fw_render_ns(c, &b, hash, &e), 0, "renders");
		TAP_OK(!strstr(b.text, "oifname { "), "no tunnel: only loopback (and replies) may leave");
		TAP_OK(!strstr(b.text, "input"), "Policy=accept: no input chain");
		fw_batch_free(&b);
		cfg_free(c);
	}
}

/* Real `nft list table inet netnsctl` output of two namespaces. */
static const char listing[] =
	"table inet netnsctl {\n"
	"\tcomment \"netnsctl: NAT and published ports of network namespaces\"\n"
	"\tset published4 {\n"
	"\t\ttype ipv4_addr . inet_proto . inet_service\n"
	"\t\telements = { 0.0.0.0 . tcp . 8080 comment \"ns=web\",\n"
	"\t\t\t     127.0.0.1 . udp . 53 comment \"ns=db\",\n"
	"\t\t\t     0.0.0.0 . tcp . 8081 comment \"ns=web\" }\n"
	"\t}\n"
	"\n"
	"\tset published6 {\n"
	"\t\ttype ipv6_addr . inet_proto . inet_service\n"
	"\t}\n"
	"\n"
	"\tchain restore {\n"
	"\t\tcomment \"host sysctls netnsctl changed: put back when the last namespace goes\"\n"
	"\t\tcounter packets 0 bytes 0 comment \"net.ipv4.conf.wan0.forwarding=0\"\n"
	"\t}\n"
	"\n"
	"\tchain pre-web {\n"
	"\t\tcomment \"ns=web hash=0d711a08\"\n"
	"\t\ttype nat hook prerouting priority dstnat + 10; policy accept;\n"
	"\t\tmeta nfproto ipv4 fib daddr type local tcp dport 8080 counter packets 12 bytes 720 dnat ip to 10.64.1.2:80 comment \"[Publish] web.conf:8\"\n"
	"\t}\n"
	"\n"
	"\tchain post-db {\n"
	"\t\tcomment \"ns=db hash=12345678\"\n"
	"\t\ttype nat hook postrouting priority srcnat + 10; policy accept;\n"
	"\t\tip saddr 10.9.0.2 oifname != \"ve-db\" counter packets 3 bytes 180 masquerade\n"
	"\t}\n"
	"}\n";

static void test_parse(void)
{
	struct nft_table_info t;
	char owner[64], h[16];
	bool others;
	char *rm;

	if (!TAP_INT_EQ(nft_table_parse(listing, &t), 0, "a listing parses"))
		return;
	TAP_STREQ(t.comment, "netnsctl: NAT and published ports of network namespaces", "the table's comment");
	TAP_INT_EQ(t.n_chains, 3, "three chains");
	TAP_INT_EQ(t.n_sets, 2, "two sets");
	TAP_INT_EQ(t.sets[0].n_elems, 3, "published4 has three elements over three lines");
	TAP_STREQ(t.sets[0].elems[1].key, "127.0.0.1 . udp . 53", "an element's key");
	TAP_STREQ(t.sets[0].elems[1].comment, "ns=db", "and its comment");
	TAP_OK(nft_elem_owner(&t.sets[0].elems[2], owner, sizeof(owner)) && STREQ(owner, "web"), "the last element is web's");
	TAP_INT_EQ(t.sets[1].n_elems, 0, "published6 is empty");
	TAP_STREQ(t.chains[1].name, "pre-web", "a chain's name");
	TAP_OK(nft_chain_owner(&t.chains[1], owner, sizeof(owner)) && STREQ(owner, "web"), "its owner, from the comment");
	TAP_OK(!nft_chain_owner(&t.chains[0], owner, sizeof(owner)), "the restore chain has no owner");
	TAP_STREQ(nft_comment_hash(t.chains[1].comment, h, sizeof(h)), "0d711a08", "its hash");
	TAP_STREQ(nft_comment_hash("comment \"netnsctl hash=eb941db0\"\n\tcounter x {", h, sizeof(h)), "eb941db0",
		  "a hash read from listed text ends at the quote");
	TAP_INT_EQ(t.chains[1].n_rules, 1, "one rule (the type line is not one)");
	TAP_OK(t.chains[1].rules[0].has_counter && t.chains[1].rules[0].packets == 12 && t.chains[1].rules[0].bytes == 720,
	       "its counter: 12 packets, 720 bytes");
	TAP_STREQ(t.chains[1].rules[0].text,
		  "meta nfproto ipv4 fib daddr type local tcp dport 8080 counter dnat ip to 10.64.1.2:80 comment \"[Publish] web.conf:8\"",
		  "the rule's text without the numbers");
	TAP_LIKE(t.chains[1].block, "\tchain pre-web {\n\t\tcomment \"ns=web hash=0d711a08\"\n", "the chain as listed, for a rollback");
	TAP_LIKE(t.chains[1].block, "counter packets 12 bytes 720 dnat", "with its counters");

	rm = nft_part_removal(&t, "web", &others);
	TAP_STREQ(rm,
		  "delete element inet netnsctl published4 { 0.0.0.0 . tcp . 8080 }\n"
		  "delete element inet netnsctl published4 { 0.0.0.0 . tcp . 8081 }\n"
		  "delete chain inet netnsctl pre-web\n",
		  "removing web: its claims, then its chains");
	TAP_OK(others, "db still has a part");
	free(rm);
	rm = nft_part_removal(&t, "nope", &others);
	TAP_STREQ(rm, "", "a namespace without a part: nothing to remove");
	free(rm);
	nft_table_info_free(&t);

	TAP_INT_EQ(nft_table_parse("table inet netnsctl {\n\tcounter input_dropped {\n\t\tpackets 7 bytes 420\n\t}\n}\n", &t), 0,
		   "a table with a named counter parses");
	TAP_OK(t.n_counters == 1 && STREQ(t.counters[0].name, "input_dropped") && t.counters[0].packets == 7 && t.counters[0].bytes == 420,
	       "the named counter and its values");
	nft_table_info_free(&t);
}

int main(void)
{
	test_keys();
	test_render_host();
	test_render_host_errors();
	test_render_ns();
	test_parse();
	return tap_done();
}
