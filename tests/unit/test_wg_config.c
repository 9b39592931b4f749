/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VPN part of the schema and validation (issue 7): [Link] keys of
 * Kind=wireguard and Kind=tun, [WireGuardPeer], and for every refusal the
 * file, line and message. Texts are parsed as "web.conf" of namespace "web",
 * as cfg_load does it. */
#include <arpa/inet.h>

#include "config.h"
#include "tap.h"

#define FILE_NAME "web.conf"
#define K1 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define K2 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
#define WG "[Link]\nKind=wireguard\nPrivateKeyFile=/etc/netnsctl/wg.key\n"

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

/* Refused as a config error at web.conf:line with msg in the message; the
 * message must not contain secret (if given). */
static void bad2(const char *text, unsigned line, const char *msg, const char *secret, const char *what)
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
	if (secret)
		TAP_OK(!strstr(buf, secret), "%s: the value is not repeated", what);
	cfg_free(c);
}

static void bad(const char *text, unsigned line, const char *msg, const char *what)
{
	bad2(text, line, msg, NULL, what);
}

static const char *addr_str(const struct cfg_addr *a)
{
	static char bufs[4][64];
	static int next;
	return cfg_addr_to_string(a, true, bufs[next++ % 4], sizeof(bufs[0]));
}

static void test_good(void)
{
	struct cfg *c = good(WG "Name=wg0\nAddress=10.66.0.2/24\nListenPort=51820\nFirewallMark=0x1234\n"
			     "Implementation=userspace\n"
			     "[WireGuardPeer]\nPublicKey=" K1 "\nPresharedKeyFile=/etc/netnsctl/psk\n"
			     "Endpoint=[2001:db8::1]:51820\nAllowedIPs=0.0.0.0/0, ::/0\nPersistentKeepalive=25\n"
			     "[WireGuardPeer]\nPublicKey=" K2 "\nEndpoint=192.0.2.1:443\nAllowedIPs=10.0.0.1 10.1.0.0/16\n"
			     "AllowedIPs=2001:db8::/32\nPersistentKeepalive=off\n"
			     "[Link]\nKind=tun\nUser=root\nGroup=0\n",
			     "a wireguard link with two peers and a tun");
	if (!c)
		return;
	const struct cfg_link *w = &c->links[0], *t = &c->links[1];
	TAP_STREQ(w->private_key_file.v, "/etc/netnsctl/wg.key", "PrivateKeyFile=");
	TAP_INT_EQ(w->private_key_file.loc.line, 3, "PrivateKeyFile= remembers its line");
	TAP_INT_EQ(w->listen_port.v, 51820, "ListenPort=");
	TAP_INT_EQ(w->fwmark.v, 0x1234, "FirewallMark= in hex");
	TAP_INT_EQ(w->impl.v, WG_IMPL_USERSPACE, "Implementation=userspace");
	TAP_OK(w->tunnel.v, "Tunnel= defaults to yes for wireguard");
	TAP_OK(!t->tunnel.v, "and to no for tun");
	TAP_INT_EQ(t->impl.v, WG_IMPL_AUTO, "Implementation defaults to auto");
	TAP_STREQ(t->name.v, "tun0", "a tun is tun0");
	TAP_STREQ(t->user.v, "root", "User=");
	TAP_STREQ(t->group.v, "0", "Group= as a number");
	if (!TAP_INT_EQ(w->n_peers, 2, "two peers on the wireguard link") || t->n_peers)
		goto out;
	const struct cfg_wg_peer *p = &w->peers[0], *q = &w->peers[1];
	TAP_INT_EQ(p->public_key[1], 1, "PublicKey= decoded");
	TAP_INT_EQ(q->public_key[0], 0x20, "second peer's key");
	TAP_INT_EQ(p->loc.line, 9, "the peer remembers its header line");
	TAP_STREQ(p->psk_file.v, "/etc/netnsctl/psk", "PresharedKeyFile=");
	TAP_INT_EQ(p->endpoint.addr.family, AF_INET6, "[IPv6]:port endpoint");
	TAP_INT_EQ(p->endpoint.port, 51820, "endpoint port");
	TAP_INT_EQ(q->endpoint.addr.family, AF_INET, "IPv4 endpoint");
	TAP_INT_EQ(p->keepalive.v, 25, "PersistentKeepalive=");
	TAP_INT_EQ(q->keepalive.v, 0, "PersistentKeepalive=off");
	TAP_INT_EQ(p->allowed_ips.n, 2, "AllowedIPs= with a comma");
	if (TAP_INT_EQ(q->allowed_ips.n, 3, "AllowedIPs= repeated and space-separated")) {
		TAP_STREQ(addr_str(&q->allowed_ips.v[0]), "10.0.0.1/32", "a bare address is a /32");
		TAP_STREQ(addr_str(&q->allowed_ips.v[2]), "2001:db8::/32", "IPv6 prefix");
	}
out:
	cfg_free(c);

	c = good(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=0.0.0.0/0\n[WireGuardPeer]\nPublicKey=" K2
		    "\nAllowedIPs=\n",
		 "an empty AllowedIPs= clears; a peer without endpoint is passive");
	if (c && TAP_INT_EQ(c->links[0].n_peers, 2, "two peers"))
		TAP_INT_EQ(c->links[0].peers[1].allowed_ips.n, 0, "no allowed IPs");
	cfg_free(c);
	c = good(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=0.0.0.0/0\n"
		    "[Link]\nKind=veth\nAddress=10.0.0.2/24\n[Route]\nDestination=default\nGateway=10.0.0.1\nMetric=100\n",
		 "a fallback default route with a higher metric");
	cfg_free(c);
}

static void test_bad_peers(void)
{
	bad("[WireGuardPeer]\nPublicKey=" K1 "\n", 1, "must follow the Kind=wireguard [Link] it belongs to",
	    "a peer before any [Link]");
	bad("[Link]\nKind=veth\n[WireGuardPeer]\nPublicKey=" K1 "\n", 3,
	    "belongs to the [Link] before it, which is Kind=veth", "a peer after a veth");
	bad(WG "[WireGuardPeer]\nEndpoint=192.0.2.1:51820\n", 4, "[WireGuardPeer] needs PublicKey=", "no PublicKey=");
	bad2(WG "[WireGuardPeer]\nPublicKey=c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n", 5, "invalid PublicKey= (expected a WireGuard key",
	     "c2VjcmV0", "malformed PublicKey=");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\n[WireGuardPeer]\nPublicKey=" K1 "\n", 7,
	    "the same PublicKey= is used by an earlier [WireGuardPeer] (line 5)", "duplicate PublicKey=");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=192.0.2.1\n", 6, "needs a port (HOST:PORT)",
	    "endpoint without a port");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=[2001:db8::1]\n", 6, "needs a port ([IPV6]:PORT)",
	    "IPv6 endpoint without a port");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=2001:db8::1:51820\n", 6, "needs brackets",
	    "IPv6 endpoint without brackets");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=vpn.example.com:51820\n", 6,
	    "Endpoint host 'vpn.example.com' is not an IP address; netnsctl does not resolve names",
	    "a host name endpoint");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=192.0.2.1:0\n", 6, "invalid Endpoint port '0'", "port 0");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=192.0.2.1:65536\n", 6, "invalid Endpoint port", "port 65536");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nEndpoint=:51820\n", 6, "needs an IP address before the port",
	    "no host");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=10.0.0.1/24\n", 6, "AllowedIPs=10.0.0.1/24 has host bits set",
	    "host bits");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=10.0.0.0/24,10.0.0.0/33\n", 6, "invalid AllowedIPs '10.0.0.0/33'",
	    "prefix too long");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=10.0.0.0/24\n[WireGuardPeer]\nPublicKey=" K2
	       "\nAllowedIPs=10.0.0.0/24\n",
	    9, "AllowedIPs=10.0.0.0/24 is given twice on link 'wg0'", "a prefix on two peers");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nPersistentKeepalive=65536\n", 6, "out of range (0-65535)",
	    "keepalive too long");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nPresharedKeyFile=psk\n", 6, "PresharedKeyFile= needs an absolute path",
	    "relative PresharedKeyFile=");
	bad("[Namespace]\nIPv6=no\n" WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=0.0.0.0/0 ::/0\n", 8,
	    "IPv6 AllowedIPs=::/0, but [Namespace] IPv6=no", "IPv6 AllowedIPs with IPv6=no");
}

static void test_bad_links(void)
{
	/* Not VPN-specific: found by fuzzing the new keys. An empty Kind=
	 * used to become Kind=physical without a location. */
	bad("[Link]\nKind=wireguard\nKind=\n", 1, "[Link] needs Kind=", "an empty Kind= unsets the kind");
	bad("[Link]\nKind=wireguard\n", 2, "Kind=wireguard needs PrivateKeyFile=", "no PrivateKeyFile=");
	bad("[Link]\nKind=wireguard\nPrivateKeyFile=wg.key\n", 3, "PrivateKeyFile= needs an absolute path",
	    "relative PrivateKeyFile=");
	bad("[Link]\nKind=veth\nPrivateKeyFile=/k\n", 3, "PrivateKeyFile= applies only to Kind=wireguard, not Kind=veth",
	    "PrivateKeyFile= on veth");
	bad("[Link]\nKind=tun\nListenPort=1\n", 3, "ListenPort= applies only to Kind=wireguard", "ListenPort= on tun");
	bad("[Link]\nKind=tun\nImplementation=kernel\n", 3, "Implementation= applies only to Kind=wireguard",
	    "Implementation= on tun");
	bad(WG "User=nobody\n", 4, "User= applies only to Kind=tun, not Kind=wireguard", "User= on wireguard");
	bad("[Link]\nKind=veth\nGroup=nogroup\n", 3, "Group= applies only to Kind=tun", "Group= on veth");
	bad(WG "ListenPort=65536\n", 4, "ListenPort=65536 out of range", "ListenPort too large");
	bad(WG "FirewallMark=0xzz\n", 4, "invalid number '0xzz' for FirewallMark=", "bad hex fwmark");
	bad(WG "FirewallMark=0x100000000\n", 4, "invalid number", "fwmark too large");
	bad(WG "Implementation=boringtun\n", 4, "invalid Implementation 'boringtun' (expected one of: auto, kernel, userspace)",
	    "unknown Implementation=");
	bad("[Link]\nKind=tun\nUser=-rf\n", 3, "invalid User '-rf'", "a user name starting with '-'");
	bad("[Link]\nKind=tun\nUser=a b\n", 3, "invalid User", "a user name with a space");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=0.0.0.0/0\n"
	       "[Link]\nKind=wireguard\nName=wg1\nPrivateKeyFile=/k\n[WireGuardPeer]\nPublicKey=" K2 "\nAllowedIPs=0.0.0.0/0\n",
	    13, "links 'wg0' and 'wg1' both claim the default route (AllowedIPs=0.0.0.0/0)", "two tunnels claim default");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=::/0\n"
	       "[Link]\nKind=veth\nAddress=2001:db8::2/64\nGateway=2001:db8::1\n",
	    10, "Gateway= would replace the default route through the tunnel 'wg0'", "a Gateway= next to a tunnel default");
	bad(WG "[WireGuardPeer]\nPublicKey=" K1 "\nAllowedIPs=0.0.0.0/0\n"
	       "[Link]\nKind=veth\nAddress=10.0.0.2/24\n[Route]\nDestination=default\nGateway=10.0.0.1\n",
	    11, "would replace the one through the tunnel 'wg0'", "a metric-0 default [Route] next to a tunnel default");
}

/* A [WireGuardPeer] belongs to a [Link] of its own file, never to one a
 * drop-in order happens to put before it. */
static void test_dropins(void)
{
	static const char main_text[] = WG "[WireGuardPeer]\nPublicKey=" K1 "\n";
	static const char dropin[] = "[WireGuardPeer]\nPublicKey=" K2 "\n";
	struct cfg *c = cfg_new();
	struct error e = { 0 };
	char buf[2048];

	strscpy(c->name, sizeof(c->name), "web");
	TAP_INT_EQ(cfg_parse_text(c, main_text, strlen(main_text), "web.conf", &e), 0, "main file with a peer");
	TAP_INT_EQ(cfg_parse_text(c, dropin, strlen(dropin), "web.conf.d/10-peer.conf", &e), -EINVAL,
		   "a drop-in starting with [WireGuardPeer] is refused");
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), "web.conf.d/10-peer.conf:1: [WireGuardPeer] must follow",
		 "pointing at the drop-in");
	cfg_free(c);

	c = cfg_new();
	memset(&e, 0, sizeof(e));
	strscpy(c->name, sizeof(c->name), "web");
	static const char dropin2[] = "[Link]\nKind=wireguard\nName=wg1\nPrivateKeyFile=/k\n[WireGuardPeer]\nPublicKey=" K2 "\n";
	TAP_INT_EQ(cfg_parse_text(c, main_text, strlen(main_text), "web.conf", &e) ||
			   cfg_parse_text(c, dropin2, strlen(dropin2), "web.conf.d/20-wg1.conf", &e) ||
			   cfg_validate(c, &e),
		   0, "a drop-in with its own wireguard [Link] and peer");
	if (c->n_links == 2)
		TAP_OK(c->links[0].n_peers == 1 && c->links[1].n_peers == 1, "each link has its own peer");
	cfg_free(c);
}

int main(void)
{
	test_good();
	test_bad_peers();
	test_bad_links();
	test_dropins();
	return tap_done();
}
