/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The schema (config.c) and the whole-config checks (validate.c): every key,
 * every validator, derived defaults, and for every error the file, line and
 * message the user will see. Texts are parsed as "web.conf" for namespace
 * "web", the way cfg_load does it. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "config.h"
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

/* The text must be accepted; returns the config or NULL (already reported). */
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

/* The text must be refused as a config error at web.conf:line, with a
 * message that contains msg. */
static void bad(const char *text, unsigned line, const char *msg, const char *what)
{
	struct error e = { 0 };
	char buf[2048], where[64], got[300];
	int r;
	struct cfg *c = parse(text, &r, &e);

	TAP_OK(r == -EINVAL && err_exit_status(&e) == 2, "%s: refused as a config error", what);
	snprintf(where, sizeof(where), "%s:%u", FILE_NAME, line);
	snprintf(got, sizeof(got), "%s:%u", e.file, e.line);
	TAP_STREQ(got, where, "%s: error points at %s", what, where);
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), msg, "%s: message", what);
	cfg_free(c);
}

static const char *addr_str(const struct cfg_addr *a)
{
	static char bufs[4][64];
	static int next;
	char *b = bufs[next++ % 4];

	if (!a->family)
		return "(unset)";
	return cfg_addr_to_string(a, true, b, sizeof(bufs[0]));
}

static void test_namespace(void)
{
	struct cfg *c;

	c = good("[Namespace]\n", "empty [Namespace]");
	if (c) {
		TAP_OK(c->loopback.v && c->loopback.loc.line == 0, "Loopback defaults to yes");
		TAP_OK(c->ipv6.v && c->ipv6.loc.line == 0, "IPv6 defaults to yes");
		TAP_OK(!c->dns_leak_guard.v, "DNSLeakGuard is off without [DNS]");
		TAP_INT_EQ(c->n_links + c->n_routes + c->sysctls.n + c->joins.n, 0, "nothing else is set");
	}
	cfg_free(c);

	c = good("# web\n[Namespace]\nName=web\nDescription=Web \\\n  frontend\nLoopback=no\nIPv6=off\n",
		 "all scalar [Namespace] keys");
	if (c) {
		TAP_STREQ(c->name, "web", "Name=");
		TAP_INT_EQ(c->name_loc.line, 3, "Name= remembers its line");
		TAP_STREQ(c->name_loc.file, FILE_NAME, "and its file");
		TAP_STREQ(c->description.v, "Web    frontend", "Description= across a continuation");
		TAP_INT_EQ(c->description.loc.line, 4, "Description= line");
		TAP_OK(!c->loopback.v && c->loopback.loc.line == 6, "Loopback=no");
		TAP_OK(!c->ipv6.v && c->ipv6.loc.line == 7, "IPv6=off");
	}
	cfg_free(c);

	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", "YES", "True" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off", "No", "OFF" };
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		char text[128];
		snprintf(text, sizeof(text), "[Namespace]\nLoopback=%s\nIPv6=%s\n", no[i], yes[i]);
		c = good(text, "booleans");
		if (c)
			TAP_OK(!c->loopback.v && c->ipv6.v, "'%s' is false and '%s' is true", no[i], yes[i]);
		cfg_free(c);
	}
	bad("[Namespace]\nLoopback=maybe\n", 2, "invalid boolean 'maybe' for Loopback= (use yes or no)",
	    "Loopback=maybe");
	c = good("[Namespace]\nIPv6=no\nLoopback=no\n[Namespace]\nIPv6=\nLoopback=\n",
		 "empty booleans reset to the default, as in systemd");
	if (c)
		TAP_OK(c->ipv6.v && c->ipv6.loc.line == 0 && c->loopback.v && c->loopback.loc.line == 0,
		       "IPv6= and Loopback= are back to yes (default) after an empty assignment");
	cfg_free(c);

	c = good("[Namespace]\nDescription=a\n[Namespace]\nDescription=b\n", "repeated [Namespace]");
	if (c)
		TAP_OK(STREQ(c->description.v, "b") && c->description.loc.line == 4,
		       "a repeated [Namespace] overrides scalars");
	cfg_free(c);
}

static void test_ns_name(void)
{
	struct cfg *c = good("[Namespace]\nName=Web_1.test-2\n", "Name with all allowed characters");
	if (c)
		TAP_STREQ(c->name, "Web_1.test-2", "Name= is stored");
	cfg_free(c);

	static const char *const invalid[] = { ".", "..", "../x", "a/b", "a b", "a\x01", "a\x7f", "caf\xc3\xa9",
					       "a:b", "a@b" };
	for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
		char text[128], what[128];
		snprintf(text, sizeof(text), "[Namespace]\n\nName=%s\n", invalid[i]);
		snprintf(what, sizeof(what), "Name='%s'", tap_quote(invalid[i]));
		bad(text, 3, "invalid namespace name", what);
	}
	bad("[Namespace]\nName=\n", 2, "invalid namespace name '' (1-64 characters", "empty Name=");
	bad("[Namespace]\nName=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 2,
	    "invalid namespace name", "Name= of 65 characters");
	c = good("[Namespace]\nName=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		 "Name= of 64 characters");
	cfg_free(c);
}

static void test_sysctl(void)
{
	struct cfg *c;

	c = good("[Namespace]\nSysctl=net.ipv4.ip_forward=1\nSysctl=net/ipv4/conf/all/rp_filter=2\n"
		 "Sysctl=net.core.somaxconn = 4096\n",
		 "Sysctl= repeated, slash form, spaces around '='");
	if (c && TAP_INT_EQ(c->sysctls.n, 3, "three sysctls")) {
		TAP_STREQ(c->sysctls.v[0].key, "net.ipv4.ip_forward", "first key");
		TAP_STREQ(c->sysctls.v[0].value, "1", "first value");
		TAP_INT_EQ(c->sysctls.v[0].loc.line, 2, "first line");
		TAP_STREQ(c->sysctls.v[1].key, "net.ipv4.conf.all.rp_filter", "slash form normalised to dots");
		TAP_STREQ(c->sysctls.v[1].value, "2", "second value");
		TAP_STREQ(c->sysctls.v[2].key, "net.core.somaxconn", "spaces before '=' are dropped");
		TAP_STREQ(c->sysctls.v[2].value, "4096", "spaces after '=' are dropped");
	}
	cfg_free(c);

	c = good("[Namespace]\nSysctl=net.ipv4.ip_forward=1\nSysctl=\nSysctl=net.ipv6.conf.all.forwarding=1\n",
		 "empty Sysctl= resets the list");
	if (c && TAP_INT_EQ(c->sysctls.n, 1, "one sysctl left after the reset"))
		TAP_STREQ(c->sysctls.v[0].key, "net.ipv6.conf.all.forwarding", "the one after the reset");
	cfg_free(c);

	bad("[Namespace]\nSysctl=kernel.panic=1\n", 2, "invalid sysctl 'kernel.panic' for Sysctl= (only net.*",
	    "Sysctl outside net.*");
	bad("[Namespace]\nSysctl=net/ipv4/../../kernel/panic=1\n", 2, "invalid sysctl", "Sysctl with '..'");
	bad("[Namespace]\nSysctl=net.ipv4.ip_forward\n", 2, "expected net.KEY=VALUE", "Sysctl without '='");
	bad("[Namespace]\nSysctl=net.ipv4.ip_forward=\n", 2, "sysctl 'net.ipv4.ip_forward' needs a value",
	    "Sysctl without value");
	bad("[Namespace]\nSysctl=net.ipv4.ip_forward=1\x01\n", 2, "control character", "Sysctl value with control char");
	bad("[Namespace]\nSysctl==1\n", 2, "invalid sysctl", "Sysctl with empty key");

	char text[512];
	snprintf(text, sizeof(text), "[Namespace]\nSysctl=net.core.x=%0300d\n", 1);
	bad(text, 2, "too long", "Sysctl value over 255 bytes");
}

static void test_link_kinds(void)
{
	struct cfg *c;

	c = good("[Link]\nKind=physical\nDevice=enp1s0\n"
		 "[Link]\nKind=veth\n"
		 "[Link]\nKind=macvlan\nDevice=enp2s0\nMode=private\n"
		 "[Link]\nKind=bridge\nBridge=br0\n"
		 "[Link]\nKind=wireguard\nPrivateKeyFile=/etc/netnsctl/wg0.key\n"
		 "[Link]\nKind=tun\n",
		 "every Kind");
	if (c && TAP_INT_EQ(c->n_links, 6, "six [Link] sections, six links")) {
		static const int kinds[] = { LINK_PHYSICAL, LINK_VETH, LINK_MACVLAN, LINK_BRIDGE, LINK_WIREGUARD, LINK_TUN };
		static const char *const names[] = { "enp1s0", "eth0", "mv0", "eth1", "wg0", "tun0" };
		static const unsigned lines[] = { 1, 4, 6, 10, 13, 16 };
		for (size_t i = 0; i < 6; i++) {
			TAP_INT_EQ(c->links[i].kind.v, kinds[i], "link %zu has Kind=%s", i, link_kind_to_string(kinds[i]));
			TAP_STREQ(c->links[i].name.v, names[i], "link %zu default Name", i);
			TAP_INT_EQ(c->links[i].loc.line, lines[i], "link %zu remembers its [Link] line", i);
			TAP_STREQ(c->links[i].loc.file, FILE_NAME, "link %zu remembers its file", i);
		}
		TAP_STREQ(c->links[1].host_name.v, "ve-web", "veth host end defaults to ve-NAME");
		TAP_STREQ(c->links[3].host_name.v, "ve-web-1", "bridge host end is the next ve-NAME-N");
		TAP_STREQ(c->links[0].host_name.v, "", "physical has no host end");
		TAP_INT_EQ(c->links[2].mode.v, MV_PRIVATE, "Mode=private");
		TAP_STREQ(c->links[3].bridge.v, "br0", "Bridge=");
		TAP_STREQ(c->links[2].device.v, "enp2s0", "macvlan Device=");
	}
	cfg_free(c);

	bad("[Link]\nKind=vxlan\n", 2, "invalid Kind 'vxlan' (expected one of: physical, veth, macvlan, bridge, wireguard, tun)",
	    "unknown Kind");
	bad("[Link]\nKind=Veth\n", 2, "invalid Kind 'Veth'", "Kind is case-sensitive");
	bad("[Namespace]\n[Link]\nName=x\n", 2, "[Link] needs Kind=", "[Link] without Kind= points at the header");
	bad("[Link]\nName=x\nKind=physical\n", 3, "Kind=physical needs Device=", "physical without Device=");
	bad("[Link]\nKind=macvlan\n", 2, "Kind=macvlan needs Device=", "macvlan without Device=");
	bad("[Link]\nKind=bridge\n", 2, "Kind=bridge needs Bridge=", "bridge without Bridge=");

	static const char *const modes[] = { "bridge", "private", "vepa", "passthru" };
	for (int i = 0; i < 4; i++) {
		char text[128];
		snprintf(text, sizeof(text), "[Link]\nKind=macvlan\nDevice=eth9\nMode=%s\n", modes[i]);
		c = good(text, "macvlan Mode");
		if (c)
			TAP_OK(c->links[0].mode.v == i && STREQ(macvlan_mode_to_string(i), modes[i]), "Mode=%s", modes[i]);
		cfg_free(c);
	}
	bad("[Link]\nKind=macvlan\nDevice=eth9\nMode=source\n", 4, "invalid Mode 'source' (expected one of: bridge, private, vepa, passthru)",
	    "unknown Mode");

	c = good("[Link]\nKind=physical\nDevice=eth9\nForce=yes\nWaitForDevice=yes\n", "Force= and WaitForDevice= on physical");
	if (c)
		TAP_OK(c->links[0].force.v && c->links[0].wait_for_device.v, "Force and WaitForDevice set");
	cfg_free(c);
}

static void test_link_conflicts(void)
{
	struct error e = { 0 };
	int r;
	struct cfg *c;

	bad("[Link]\nKind=veth\nDevice=eth0\n", 3, "Device= does not apply to Kind=veth", "Device= on veth");
	bad("[Link]\nKind=tun\nDevice=eth0\n", 3, "Device= does not apply to Kind=tun", "Device= on tun");
	bad("[Link]\nKind=veth\nBridge=br0\n", 3, "Bridge= needs Kind=bridge, not Kind=veth", "Bridge= on veth");
	bad("[Link]\nKind=veth\nMode=bridge\n", 3, "Mode= applies only to Kind=macvlan", "Mode= on veth");
	bad("[Link]\nKind=macvlan\nDevice=eth0\nHostName=x\n", 4, "HostName= applies only to veth and bridge", "HostName= on macvlan");
	bad("[Link]\nKind=physical\nDevice=eth0\nHostAddress=10.0.0.1/24\n", 4, "HostAddress= applies only to veth and bridge",
	    "HostAddress= on physical");
	bad("[Link]\nKind=bridge\nBridge=br0\n\nHostAddress=10.0.0.1/24\n", 5, "HostAddress= cannot be used with Kind=bridge",
	    "HostAddress= on bridge");
	bad("[Link]\nKind=veth\nForce=yes\n", 3, "Force= applies only to Kind=physical", "Force= on veth");
	bad("[Link]\nKind=wireguard\nWaitForDevice=no\n", 3, "WaitForDevice= applies only to Kind=physical", "WaitForDevice= on wireguard");

	c = parse("[Link]\nKind=veth\nDevice=eth0\n", &r, &e);
	TAP_STREQ(e.hint, "see netnsctl.conf(5), section [Link]", "[Link] errors carry a hint to the manual");
	cfg_free(c);
}

static void test_ifnames(void)
{
	struct cfg *c;
	static const char *const invalid[] = { "1234567890123456", "a/b", "a b", ".", "..", "eth0:1", "caf\xc3\xa9" };

	static const char *const keys[] = { "Name", "HostName" };
	for (size_t k = 0; k < ELEMENTSOF(keys); k++)
		for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
			char text[128], what[128];
			snprintf(text, sizeof(text), "[Link]\nKind=veth\n%s=%s\n", keys[k], invalid[i]);
			snprintf(what, sizeof(what), "%s='%s'", keys[k], tap_quote(invalid[i]));
			bad(text, 3, "invalid interface name", what);
		}
	bad("[Link]\nKind=physical\nDevice=a/b\n", 3, "invalid interface name 'a/b' for Device=", "Device='a/b'");
	bad("[Link]\nKind=bridge\nBridge=1234567890123456\n", 3, "for Bridge=", "Bridge= of 16 bytes");
	bad("[Link]\nKind=veth\n[Route]\nDestination=default\nLink=../x\n", 5, "for Link=", "Route Link='../x'");

	c = good("[Link]\nKind=veth\nName=123456789012345\nHostName=abcdefghijklmno\n", "15-byte names");
	if (c) {
		TAP_STREQ(c->links[0].name.v, "123456789012345", "15-byte Name kept whole");
		TAP_STREQ(c->links[0].host_name.v, "abcdefghijklmno", "15-byte HostName kept whole");
		TAP_INT_EQ(c->links[0].host_name.loc.line, 4, "explicit HostName keeps its line");
	}
	cfg_free(c);
}

static void test_addresses(void)
{
	struct cfg *c;

	c = good("[Link]\nKind=veth\nAddress=10.0.0.2/24 2001:db8::2/64,192.0.2.1/32\n"
		 "Address=fd00::1/64\t10.1.0.1/8\nHostAddress=10.0.0.1/24\nGateway=10.0.0.1 fe80::1\n",
		 "address lists");
	if (c) {
		const struct cfg_link *l = &c->links[0];
		if (TAP_INT_EQ(l->addrs.n, 5, "Address= words are split on space, tab and comma; lines append")) {
			TAP_STREQ(addr_str(&l->addrs.v[0]), "10.0.0.2/24", "IPv4 address");
			TAP_STREQ(addr_str(&l->addrs.v[1]), "2001:db8::2/64", "IPv6 address");
			TAP_STREQ(addr_str(&l->addrs.v[2]), "192.0.2.1/32", "after a comma");
			TAP_STREQ(addr_str(&l->addrs.v[3]), "fd00::1/64", "on the next line");
			TAP_STREQ(addr_str(&l->addrs.v[4]), "10.1.0.1/8", "after a tab");
			TAP_INT_EQ(l->addrs.v[4].loc.line, 4, "each address keeps its line");
		}
		TAP_OK(l->host_addrs.n == 1 && STREQ(addr_str(&l->host_addrs.v[0]), "10.0.0.1/24"), "HostAddress=");
		if (TAP_INT_EQ(l->gateways.n, 2, "two gateways, one per family")) {
			TAP_STREQ(addr_str(&l->gateways.v[0]), "10.0.0.1/32", "IPv4 gateway (full prefix)");
			TAP_STREQ(addr_str(&l->gateways.v[1]), "fe80::1/128", "IPv6 link-local gateway");
		}
	}
	cfg_free(c);

	c = good("[Link]\nKind=veth\nAddress=10.0.0.2/24\nAddress=\nAddress=10.9.0.2/16\n", "empty Address= resets");
	if (c)
		TAP_OK(c->links[0].addrs.n == 1 && STREQ(addr_str(&c->links[0].addrs.v[0]), "10.9.0.2/16"),
		       "only the address after the reset is left");
	cfg_free(c);

	static const char *const invalid[] = { "10.0.0.2", "10.0.0.2/33", "2001:db8::1/129", "10.0.0.2/x", "10.0.0.2/-1",
					       "10.0.0.2/", "300.0.0.1/24", "/24", "10.0.0.2/24/1", "10.0.0.2/+8",
					       "10.0.0.2/99999999999999999999", "fe80::1%eth0/64", "10.0.0/24", "host/24" };
	for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
		char text[128], what[128];
		snprintf(text, sizeof(text), "[Link]\nKind=veth\n\nAddress=%s\n", invalid[i]);
		snprintf(what, sizeof(what), "Address=%s", invalid[i]);
		bad(text, 4, "invalid Address", what);
	}
	bad("[Link]\nKind=veth\nAddress=10.0.0.2/24 bogus\n", 3, "invalid Address 'bogus' in [Link] (expected ADDRESS/PREFIX",
	    "second word invalid");
	bad("[Link]\nKind=veth\nAddress=10.0.0.2/24\nGateway=10.0.0.1/24\n", 4,
	    "invalid Gateway '10.0.0.1/24' in [Link] (expected an IPv4 or IPv6 address without prefix)", "Gateway= with prefix");
	bad("[Link]\nKind=veth\nAddress=10.0.0.2/24\nGateway=10.0.0.1\nGateway=10.0.0.254\n", 5,
	    "more than one IPv4 Gateway= on this link", "two IPv4 gateways");
	bad("[Link]\nKind=veth\nGateway=fe80::1 fe80::2\n", 3, "more than one IPv6 Gateway=", "two IPv6 gateways");
	bad("[Link]\nKind=veth\nAddress=2001:db8::2/64\nGateway=10.0.0.1\n", 4,
	    "IPv4 Gateway= on a link without an IPv4 Address= cannot be reached", "IPv4 gateway without IPv4 address");
	bad("[Link]\nKind=veth\nHostAddress=10.0.0.1\n", 3, "invalid HostAddress", "HostAddress= without prefix");
}

static void test_mtu_mac(void)
{
	struct cfg *c;

	c = good("[Link]\nKind=veth\nMTU=68\nMACAddress=02:00:5e:10:AB:cd\n", "MTU=68 and a MAC");
	if (c) {
		static const uint8_t want[6] = { 0x02, 0x00, 0x5e, 0x10, 0xab, 0xcd };
		TAP_INT_EQ(c->links[0].mtu.v, 68, "MTU value");
		TAP_INT_EQ(c->links[0].mtu.loc.line, 3, "MTU line");
		TAP_OK(memcmp(c->links[0].mac.v, want, 6) == 0, "MAC bytes, either case");
		TAP_INT_EQ(c->links[0].mac.loc.line, 4, "MAC line");
	}
	cfg_free(c);
	c = good("[Link]\nKind=veth\nMTU=65535\n", "MTU=65535");
	cfg_free(c);
	c = good("[Link]\nKind=veth\nMTU=9000\nMTU=\n", "empty MTU= resets");
	if (c)
		TAP_INT_EQ(c->links[0].mtu.loc.line, 0, "MTU unset after the reset");
	cfg_free(c);

	bad("[Link]\nKind=veth\nMTU=67\n", 3, "MTU=67 out of range (68-65535)", "MTU=67");
	bad("[Link]\nKind=veth\nMTU=65536\n", 3, "MTU=65536 out of range", "MTU=65536");
	bad("[Link]\nKind=veth\nMTU=0\n", 3, "out of range", "MTU=0");
	bad("[Link]\nKind=veth\nMTU=abc\n", 3, "invalid number 'abc' for MTU=", "MTU=abc");
	bad("[Link]\nKind=veth\nMTU=-1\n", 3, "invalid number '-1'", "MTU=-1");
	bad("[Link]\nKind=veth\nMTU=+1500\n", 3, "invalid number", "MTU=+1500");
	bad("[Link]\nKind=veth\nMTU=1500x\n", 3, "invalid number", "MTU=1500x");
	bad("[Link]\nKind=veth\nMTU=4294967296\n", 3, "invalid number", "MTU=2^32");
	bad("[Link]\nKind=veth\nMTU=99999999999999999999999\n", 3, "invalid number", "MTU overflowing 64 bits");

	bad("[Link]\nKind=veth\nMACAddress=01:00:5e:00:00:01\n", 3, "is a multicast address", "multicast MAC");
	bad("[Link]\nKind=veth\nMACAddress=ff:ff:ff:ff:ff:ff\n", 3, "multicast", "broadcast MAC");
	bad("[Link]\nKind=veth\nMACAddress=00:00:00:00:00:00\n", 3, "must not be all zeros", "zero MAC");
	static const char *const malformed[] = { "02:00:00:00:00", "02-00-00-00-00-01", "02:00:00:00:00:0g", "2:0:0:0:0:1",
						 "02:00:00:00:00:011", "+2:00:00:00:00:01", "02:00:00:00:00: 1",
						 "0x:00:00:00:00:01", "0200.0000.0001" };
	for (size_t i = 0; i < ELEMENTSOF(malformed); i++) {
		char text[128], what[128];
		snprintf(text, sizeof(text), "[Link]\nKind=veth\nMACAddress=%s\n", malformed[i]);
		snprintf(what, sizeof(what), "MACAddress=%s", malformed[i]);
		bad(text, 3, "invalid MACAddress", what);
	}
}

static void test_derived_names(void)
{
	struct cfg *c, *again;
	const char *text = "[Namespace]\nName=averyveryverylongname\n"
			   "[Link]\nKind=veth\n[Link]\nKind=veth\n[Link]\nKind=veth\n[Link]\nKind=bridge\nBridge=br0\n";

	c = good(text, "four host ends for a long namespace name");
	again = good(text, "the same config again");
	if (c && again) {
		for (size_t i = 0; i < c->n_links; i++) {
			const char *h = c->links[i].host_name.v;
			TAP_OK(strlen(h) <= IFNAME_MAX && strlen(h) > 0, "host name %zu '%s' fits in 15 bytes", i, h);
			TAP_OK(strncmp(h, "ve-averyv", 9) == 0, "host name %zu '%s' starts with ve- and the name", i, h);
			TAP_STREQ(h, again->links[i].host_name.v, "host name %zu is stable across runs", i);
			for (size_t j = 0; j < i; j++)
				TAP_OK(!STREQ(h, c->links[j].host_name.v), "host names %zu and %zu differ", j, i);
		}
	}
	cfg_free(c);
	cfg_free(again);

	c = good("[Namespace]\nName=abcdefghijkl\n[Link]\nKind=veth\n[Link]\nKind=veth\n", "12-character name");
	if (c) {
		TAP_STREQ(c->links[0].host_name.v, "ve-abcdefghijkl", "ve-NAME is used whole when it fits in 15 bytes");
		TAP_OK(strlen(c->links[1].host_name.v) == 15 && strncmp(c->links[1].host_name.v, "ve-abcdef-", 10) == 0,
		       "ve-NAME-1 does not fit and is hashed: '%s'", c->links[1].host_name.v);
	}
	cfg_free(c);

	c = good("[Link]\nKind=physical\nDevice=nic1\n[Link]\nKind=tun\n[Link]\nKind=veth\n[Link]\nKind=macvlan\nDevice=nic1\n"
		 "[Link]\nKind=bridge\nBridge=br0\n[Link]\nKind=macvlan\nDevice=nic1\n",
		 "default names are numbered within their family");
	if (c) {
		TAP_STREQ(c->links[2].name.v, "eth0", "the first veth is eth0 after a physical link and a tun");
		TAP_STREQ(c->links[3].name.v, "mv0", "the first macvlan is mv0");
		TAP_STREQ(c->links[4].name.v, "eth1", "a bridge link counts with the veths");
		TAP_STREQ(c->links[4].host_name.v, "ve-web-1", "and its host end has the same number");
		TAP_STREQ(c->links[5].name.v, "mv1", "the second macvlan is mv1");
	}
	cfg_free(c);

	c = good("[Link]\nKind=veth\nHostName=ve-web\nName=inside\n[Link]\nKind=veth\n", "explicit HostName and Name");
	if (c) {
		TAP_STREQ(c->links[0].name.v, "inside", "explicit Name= wins");
		TAP_STREQ(c->links[1].host_name.v, "ve-web-1", "second veth numbered by position, not by name");
	}
	cfg_free(c);
	bad("[Link]\nKind=veth\n[Link]\nKind=veth\nHostName=ve-web\n", 3, "two links use host name 've-web'; set HostName=",
	    "explicit HostName equal to a derived one");
}

static void test_unique_names(void)
{
	bad("[Link]\nKind=veth\nName=a\n[Link]\nKind=tun\nName=a\n", 4,
	    "two links are named 'a' inside the namespace; set a different Name=", "duplicate Name=");
	bad("[Link]\nKind=veth\n[Link]\nKind=physical\nDevice=eth0\n", 1,
	    "the default name of this link, 'eth0', is used by another link; set Name=",
	    "a derived name taken by a physical link points at the derived one");
	bad("[Link]\nKind=tun\nName=mv0\n[Link]\nKind=macvlan\nDevice=eth1\n", 4,
	    "the default name of this link, 'mv0', is used by another link", "a derived name taken by an explicit Name=");
	bad("[Link]\nKind=physical\nDevice=eth1\n[Link]\nKind=physical\nDevice=eth1\nName=other\n", 4,
	    "device 'eth1' is moved in twice", "same device twice");
	bad("[Link]\nKind=veth\nName=lo\n", 1, "'lo' is reserved for the loopback device", "Name=lo");
	bad("[Link]\nKind=physical\nDevice=lo\n", 1, "'lo' is reserved", "Device=lo");
}

static void test_routes(void)
{
	struct cfg *c;
	const char *veth = "[Link]\nKind=veth\nAddress=10.0.0.2/24 2001:db8::2/64\n";
	char text[512];

	snprintf(text, sizeof(text), "%s[Route]\nDestination=default\nGateway=10.0.0.1\nMetric=100\n"
		 "[Route]\nDestination=default\nGateway=2001:db8::1\n"
		 "[Route]\nDestination=192.0.2.0/24\nLink=eth0\n"
		 "[Route]\nDestination=default\nLink=eth0\n", veth);
	c = good(text, "routes");
	if (c && TAP_INT_EQ(c->n_routes, 4, "four [Route] sections, four routes")) {
		TAP_STREQ(addr_str(&c->routes[0].dst), "0.0.0.0/0", "default with an IPv4 gateway is 0.0.0.0/0");
		TAP_STREQ(addr_str(&c->routes[0].gw), "10.0.0.1/32", "IPv4 gateway");
		TAP_INT_EQ(c->routes[0].metric.v, 100, "Metric=");
		TAP_INT_EQ(c->routes[0].loc.line, 4, "route remembers its [Route] line");
		TAP_INT_EQ(c->routes[0].dst.loc.line, 5, "Destination remembers its line");
		TAP_STREQ(addr_str(&c->routes[1].dst), "::/0", "default with an IPv6 gateway is ::/0");
		TAP_STREQ(addr_str(&c->routes[2].dst), "192.0.2.0/24", "a prefix");
		TAP_STREQ(c->routes[2].link.v, "eth0", "Link= names the veth's default name");
		TAP_STREQ(addr_str(&c->routes[3].dst), "0.0.0.0/0", "default without gateway is IPv4");
	}
	cfg_free(c);

	snprintf(text, sizeof(text), "%s[Route]\nGateway=10.0.0.1\n", veth);
	bad(text, 4, "[Route] needs Destination= (a prefix such as 10.0.0.0/8, or 'default')", "route without Destination=");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=10.1.0.0/16\nMetric=5\n", veth);
	bad(text, 4, "[Route] needs Gateway= or Link=", "route without Gateway= or Link=");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=10.1.0.0/16\nGateway=2001:db8::1\n", veth);
	bad(text, 6, "Gateway= and Destination= are of different address families", "family mismatch");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=2001:db8:1::/48\nGateway=10.0.0.1\n", veth);
	bad(text, 6, "different address families", "family mismatch the other way");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=10.1.0.0/16\nLink=eth7\n", veth);
	bad(text, 6, "Link=eth7 names no link of this namespace", "Link= to a missing link");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=10.0.0.1/8\nLink=eth0\n", veth);
	bad(text, 5, "Destination=10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)", "IPv4 host bits");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=2001:db8::1/32\nLink=eth0\n", veth);
	bad(text, 5, "did you mean 2001:db8::/32?", "IPv6 host bits");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=10.1.0.0\nLink=eth0\n", veth);
	bad(text, 5, "invalid Destination '10.1.0.0' in [Route]", "Destination without prefix");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=10.1.0.0/33\nLink=eth0\n", veth);
	bad(text, 5, "invalid Destination", "Destination /33");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=default\nGateway=10.0.0.1/32\n", veth);
	bad(text, 6, "invalid Gateway '10.0.0.1/32' in [Route]", "route Gateway= with prefix");
	snprintf(text, sizeof(text), "%s[Route]\nDestination=default\nGateway=10.0.0.1\nMetric=x\n", veth);
	bad(text, 7, "invalid number 'x' for Metric=", "Metric=x");
	bad("[Namespace]\nIPv6=no\n[Link]\nKind=veth\n[Route]\nDestination=2001:db8::/32\nLink=eth0\n", 6,
	    "IPv6 route, but [Namespace] IPv6=no", "IPv6 route with IPv6=no");
	bad("[Namespace]\nIPv6=no\n[Link]\nKind=veth\nAddress=10.0.0.2/24\n[Route]\nDestination=default\nGateway=fe80::1\n", 7,
	    "IPv6 route, but [Namespace] IPv6=no", "IPv6 default route with IPv6=no");
}

static void test_ipv6_off(void)
{
	struct cfg *c;

	bad("[Namespace]\nIPv6=no\n[Link]\nKind=veth\nAddress=10.0.0.2/24\nAddress=2001:db8::2/64\n", 6,
	    "IPv6 address, but [Namespace] IPv6=no", "IPv6 address with IPv6=no");
	bad("[Namespace]\nIPv6=no\n[Link]\nKind=veth\nAddress=10.0.0.2/24\nGateway=fe80::1\n", 6,
	    "IPv6 gateway, but [Namespace] IPv6=no", "IPv6 gateway with IPv6=no");
	bad("[Namespace]\nIPv6=no\n[DNS]\nNameserver=192.0.2.53\nNameserver=2001:db8::53\n", 5,
	    "IPv6 Nameserver=, but [Namespace] IPv6=no", "IPv6 nameserver with IPv6=no");
	c = good("[Namespace]\nIPv6=no\n[Link]\nKind=veth\nAddress=10.0.0.2/24\nHostAddress=fd00::1/64\n",
		 "IPv6 on the host end is fine with IPv6=no (it lives in the host namespace)");
	cfg_free(c);
}

static void test_dns(void)
{
	struct cfg *c;

	c = good("[DNS]\nNameserver=192.0.2.53 2001:db8::53\nSearch=example.com corp\n[DNS]\nNameserver=192.0.2.54\nSearch=b.example\n",
		 "[DNS] with repeated keys and sections");
	if (c) {
		TAP_INT_EQ(c->dns_loc.line, 1, "dns_loc is the first [DNS] header");
		if (TAP_INT_EQ(c->nameservers.n, 3, "three nameservers")) {
			TAP_STREQ(addr_str(&c->nameservers.v[0]), "192.0.2.53/32", "first nameserver");
			TAP_STREQ(addr_str(&c->nameservers.v[1]), "2001:db8::53/128", "IPv6 nameserver");
			TAP_INT_EQ(c->nameservers.v[2].loc.line, 5, "nameserver from the second [DNS]");
		}
		if (TAP_INT_EQ(c->search.n, 3, "three search domains")) {
			TAP_STREQ(c->search.v[0].v, "example.com", "first search domain");
			TAP_STREQ(c->search.v[2].v, "b.example", "search domain from the second [DNS]");
			TAP_INT_EQ(c->search.v[2].loc.line, 6, "search domain line");
		}
		TAP_OK(c->dns_leak_guard.v, "DNSLeakGuard defaults to yes with [DNS]");
	}
	cfg_free(c);

	c = good("[DNS]\nNameserver=192.0.2.53\nDNSLeakGuard=no\nSearch=a.example\nSearch=\n", "DNSLeakGuard=no, Search reset");
	if (c) {
		TAP_OK(!c->dns_leak_guard.v, "DNSLeakGuard=no is kept");
		TAP_INT_EQ(c->search.n, 0, "empty Search= resets the list");
	}
	cfg_free(c);

	bad("[Namespace]\n[DNS]\nSearch=example.com\n", 2, "[DNS] needs at least one Nameserver=", "[DNS] without Nameserver=");
	bad("[DNS]\nNameserver=192.0.2.53\nNameserver=\n", 1, "needs at least one Nameserver=", "Nameserver= reset to nothing");
	bad("[DNS]\nNameserver=192.0.2.0/24\n", 2, "invalid Nameserver '192.0.2.0/24' in [DNS]", "Nameserver with prefix");
	bad("[DNS]\nNameserver=dns.example\n", 2, "invalid Nameserver", "Nameserver by name");
	bad("[DNS]\nNameserver=192.0.2.53\nSearch=a..b\n", 3, "invalid domain 'a..b' for Search=", "bad search domain");
	bad("[DNS]\nNameserver=192.0.2.53\nDNSLeakGuard=perhaps\n", 3, "invalid boolean", "bad DNSLeakGuard");
}

static void test_service(void)
{
	struct cfg *c;

	c = good("[Service]\nJoin=nginx a.socket\nJoin=getty@tty1.service my-app_2\n", "Join=");
	if (c && TAP_INT_EQ(c->joins.n, 4, "four units")) {
		TAP_STREQ(c->joins.v[0].v, "nginx.service", "'nginx' becomes nginx.service");
		TAP_STREQ(c->joins.v[1].v, "a.socket", "a.socket is kept");
		TAP_STREQ(c->joins.v[2].v, "getty@tty1.service", "an instance is kept");
		TAP_STREQ(c->joins.v[3].v, "my-app_2.service", "'my-app_2' becomes my-app_2.service");
		TAP_INT_EQ(c->joins.v[3].loc.line, 3, "each unit keeps its line");
	}
	cfg_free(c);

	c = good("[Service]\nJoin=a\nJoin=\nJoin=b\n", "empty Join= resets");
	if (c)
		TAP_OK(c->joins.n == 1 && STREQ(c->joins.v[0].v, "b.service"), "only the unit after the reset");
	cfg_free(c);

	bad("[Service]\nJoin=bad/name\n", 2, "invalid unit name 'bad/name' for Join=", "unit name with '/'");
	bad("[Service]\nJoin=foo.bar\n", 2, "invalid unit name 'foo.bar'", "unknown unit type");
	bad("[Service]\nJoin=getty@.service\n", 2, "invalid unit name", "template without instance");
	bad("[Service]\nJoin=ok.service ../x\n", 2, "invalid unit name '../x'", "second word invalid");
}

static void test_unknown(void)
{
	struct error e = { 0 };
	char buf[2048];
	int r;
	struct cfg *c = parse("[Namespace]\n[Link]\nKind=veth\n\n\n\nAdress=10.0.0.2/24\n", &r, &e);

	TAP_STREQ(err_format(&e, buf, sizeof(buf)), "web.conf:7: unknown key 'Adress' in [Link] (did you mean 'Address'?)",
		  "the example from the issue, word for word");
	cfg_free(c);

	bad("[Namespace]\nNmae=web\n", 2, "unknown key 'Nmae' in [Namespace] (did you mean 'Name'?)", "Nmae");
	bad("[Link]\nkind=veth\n", 2, "(did you mean 'Kind'?)", "keys are case-sensitive, the hint is not");
	bad("[DNS]\nNameservers=192.0.2.1\n", 2, "(did you mean 'Nameserver'?)", "plural");
	bad("[Link]\nKind=veth\nFrobnicate=1\n", 3, "unknown key 'Frobnicate' in [Link]", "no suggestion for a far key");
	bad("[Link]\nKind=veth\nDestination=default\n", 3, "unknown key 'Destination' in [Link] (it belongs in [Route])",
	    "a key from another section");
	bad("[Link]\nKind=veth\nLink=eth0\n", 3, "(it belongs in [Route])", "Link= in [Link]");
	bad("[Namespace]\nNameserver=192.0.2.1\n", 2, "(it belongs in [DNS])", "Nameserver= in [Namespace]");

	memset(&e, 0, sizeof(e));
	c = parse("[Link]\nKind=veth\nFrobnicate=1\n", &r, &e);
	TAP_OK(!strstr(e.msg, "did you mean"), "no 'did you mean' for a far key");
	cfg_free(c);

	bad("[Namespace]\n[Lnik]\n", 2, "unknown section [Lnik] (did you mean [Link]?)", "[Lnik]");
	bad("[link]\n", 1, "(did you mean [Link]?)", "[link]");
	bad("[Namespaces]\n", 1, "(did you mean [Namespace]?)", "[Namespaces]");
	bad("[Frobnicate]\n", 1, "unknown section [Frobnicate]", "unknown section");
	memset(&e, 0, sizeof(e));
	c = parse("[Frobnicate]\n", &r, &e);
	TAP_OK(!strstr(e.msg, "did you mean"), "no suggestion for a far section");
	cfg_free(c);

	bad("Name=web\n[Namespace]\n", 1, "outside of any section", "assignment before any section");
	bad("[Namespace]\nName=web\n[Link\n", 3, "invalid section header", "bad header");
	bad("[Namespace]\n\x01\n", 2, "expected Key=Value", "a line without '='");
}

static void test_every_known_key(void)
{
	const char *const *keys = cfg_known_keys();
	size_t n = 0;

	for (; keys[n]; n++) {
		char text[256], sec[32];
		const char *dot = strchr(keys[n], '.');
		struct error e = { 0 };
		int r;
		struct cfg *c;

		snprintf(sec, sizeof(sec), "%.*s", (int)(dot - keys[n]), keys[n]);
		snprintf(text, sizeof(text), "[%s]\n%s=x\n", sec, dot + 1);
		c = parse(text, &r, &e);
		TAP_OK(!strstr(e.msg, "unknown"), "%s is accepted by the parser", keys[n]);
		cfg_free(c);
	}
	TAP_INT_EQ(n, 49, "49 keys in the schema");
}

static void test_helpers(void)
{
	struct cfg_addr a, b;
	char buf[64];

	TAP_STREQ(link_kind_to_string(LINK_WIREGUARD), "wireguard", "link_kind_to_string");
	TAP_STREQ(link_kind_to_string((enum link_kind)99), "?", "link_kind_to_string out of range");
	TAP_STREQ(macvlan_mode_to_string((enum mv_mode)-1), "?", "macvlan_mode_to_string out of range");
	TAP_INT_EQ(cfg_addr_parse("10.0.0.1/24", true, &a), 0, "cfg_addr_parse with prefix");
	TAP_STREQ(cfg_addr_to_string(&a, false, buf, sizeof(buf)), "10.0.0.1", "to_string without prefix");
	TAP_INT_EQ(cfg_addr_parse("10.0.0.1/33", true, &b), -ERANGE, "prefix too long is -ERANGE");
	TAP_INT_EQ(cfg_addr_parse("10.0.0.1/24", false, &b), -EINVAL, "a prefix where none is wanted");
	TAP_INT_EQ(cfg_addr_parse("10.0.0.1", true, &b), -EINVAL, "no prefix where one is wanted");
	TAP_INT_EQ(cfg_addr_parse("0000:0000:0000:0000:0000:ffff:192.168.100.200/128", true, &b), 0,
		   "the longest IPv6 text form parses");
	/* Cut to the parser's buffer this would read as 10.0.0.1/0. */
	TAP_INT_EQ(cfg_addr_parse("10.0.0.1/000000000000000000000000000000000000000000024", true, &b), -EINVAL,
		   "text longer than any address is refused, not cut");
	cfg_addr_parse("10.0.0.1/24", true, &b);
	TAP_OK(cfg_addr_equal(&a, &b), "cfg_addr_equal on equal addresses");
	cfg_addr_parse("10.0.0.1/25", true, &b);
	TAP_OK(!cfg_addr_equal(&a, &b), "cfg_addr_equal looks at the prefix");
	cfg_addr_parse("::ffff:10.0.0.1/24", true, &b);
	TAP_OK(!cfg_addr_equal(&a, &b), "cfg_addr_equal looks at the family");

	unsetenv("NETNSCTL_CONFIG_DIR");
	TAP_STREQ(cfg_dir(NULL), CFG_DEFAULT_DIR, "cfg_dir default");
	setenv("NETNSCTL_CONFIG_DIR", "/tmp/x", 1);
	TAP_STREQ(cfg_dir(NULL), "/tmp/x", "cfg_dir from the environment");
	TAP_STREQ(cfg_dir(""), "/tmp/x", "an empty explicit dir falls back to the environment");
	TAP_STREQ(cfg_dir("/etc/y"), "/etc/y", "an explicit dir wins");
	unsetenv("NETNSCTL_CONFIG_DIR");
}

int main(void)
{
	test_namespace();
	test_ns_name();
	test_sysctl();
	test_link_kinds();
	test_link_conflicts();
	test_ifnames();
	test_addresses();
	test_mtu_mac();
	test_derived_names();
	test_unique_names();
	test_routes();
	test_ipv6_off();
	test_dns();
	test_service();
	test_unknown();
	test_every_known_key();
	test_helpers();
	return tap_done();
}
