/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CNI plugin mode without the kernel: the network config envelope, the
 * JSON -> INI rendering and its path table, errors mapped back to JSON
 * paths with the spec's codes, CNI_ARGS and runtimeConfig overrides, state
 * record names, and the VERSION and error documents. */
#include <stdio.h>
#include <stdlib.h>

#include "cni.h"
#include "tap.h"

#define ENVELOPE "\"cniVersion\":\"1.0.0\",\"name\":\"lan\",\"type\":\"netnsctl\""

static const struct cni_env ENV = {
	.cmd = CNI_ADD, .command = "ADD", .containerid = "c0ffee", .netns = "/run/netns/ctr",
	.ifname = "eth0",
};

/* Load and build text with env; returns the conf (NULL if loading failed)
 * and fills ce. */
static struct cni_conf *build(const char *text, const struct cni_env *env, struct cni_error *ce)
{
	struct cni_conf *conf = NULL;

	memset(ce, 0, sizeof(*ce));
	if (cni_conf_load(text, strlen(text), &conf, ce) < 0)
		return NULL;
	cni_conf_build(conf, env, ce);
	return conf;
}

/* The config must be refused with code and a message that contains msg
 * (which names the JSON path). */
static void bad(const char *text, const struct cni_env *env, int code, const char *msg, const char *what)
{
	struct cni_error ce;
	struct cni_conf *conf = build(text, env ? env : &ENV, &ce);

	TAP_INT_EQ(ce.code, code, "%s: error code %d", what, code);
	TAP_LIKE(ce.msg, msg, "%s: message", what);
	cni_conf_free(conf);
}

static struct cni_conf *good(const char *text, const struct cni_env *env, const char *what)
{
	struct cni_error ce;
	struct cni_conf *conf = build(text, env ? env : &ENV, &ce);

	if (TAP_INT_EQ(ce.code, 0, "%s: accepted", what) && conf && conf->cfg)
		return conf;
	TAP_DIAG("error: %s", ce.msg);
	cni_conf_free(conf);
	return NULL;
}

static const char *addr(const struct cfg_addr *a)
{
	static char bufs[4][64];
	static int next;
	return cfg_addr_to_string(a, true, bufs[next++ % 4], sizeof(bufs[0]));
}

static void test_render(void)
{
	struct cni_error ce;
	struct cni_conf *conf = build("{" ENVELOPE ",\"ipv6\":true,\"links\":[{\"kind\":\"physical\",\"device\":\"enp3s1f0\","
				      "\"address\":[\"192.168.0.80/24\",\"fd00::80/64\"],\"mTU\":1400}],"
				      "\"dns\":{\"nameservers\":[\"192.168.0.1\"]}}",
				      &ENV, &ce);

	TAP_INT_EQ(ce.code, 0, "render: accepted (%s)", ce.msg);
	if (!conf || !conf->ini)
		return;
	TAP_STREQ(conf->ini,
		  "[Namespace]\nIPv6=yes\n[Link]\nKind=physical\nDevice=enp3s1f0\nAddress=192.168.0.80/24\n"
		  "Address=fd00::80/64\nMTU=1400\nName=eth0\n[DNS]\nNameserver=192.168.0.1\n",
		  "render: one INI line per JSON value, [Link] per element, Name= from CNI_IFNAME");
	TAP_STREQ(cni_conf_path(conf, 6), "links[0].address[0]", "render: path of an array element");
	TAP_STREQ(cni_conf_path(conf, 8), "links[0].mTU", "render: path of a scalar");
	TAP_STREQ(cni_conf_path(conf, 9), "CNI_IFNAME", "render: the derived name points at CNI_IFNAME");
	TAP_STREQ(cni_conf_path(conf, 3), "links[0]", "render: the section header is the element");
	TAP_OK(cni_conf_path(conf, 12) == NULL, "render: no path past the last line");
	cni_conf_free(conf);
}

static bool key_known(const char *full)
{
	for (const char *const *k = cfg_known_keys(); *k; k++)
		if (STREQ(*k, full))
			return true;
	return false;
}

/* links[i].peers[j] become [WireGuardPeer] sections after their [Link]
 * (when this build's schema has them). */
static void test_peers(void)
{
	struct cni_error ce = { 0 };
	struct cni_conf *conf = NULL;
	const char *text = "{" ENVELOPE ",\"links\":[{\"kind\":\"wireguard\",\"name\":\"wg0\","
			   "\"peers\":[{\"publicKey\":\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\","
			   "\"allowedIPs\":[\"0.0.0.0/0\",\"::/0\"]}]}]}";

	if (cni_conf_load(text, strlen(text), &conf, &ce) < 0) {
		TAP_OK(false, "peers: loads (%s)", ce.msg);
		return;
	}
	cni_conf_render(conf, &ENV, NULL, &ce);
	if (key_known("WireGuardPeer.AllowedIPs")) {
		TAP_INT_EQ(ce.code, 0, "peers: rendered (%s)", ce.msg);
		TAP_LIKE(conf->ini, "[Link]\nKind=wireguard\nName=wg0\n[WireGuardPeer]\nPublicKey=xTIB",
			 "peers: a [WireGuardPeer] section right after its link");
		TAP_LIKE(conf->ini, "AllowedIPs=0.0.0.0/0\nAllowedIPs=::/0\n", "peers: a list key");
		TAP_STREQ(cni_conf_path(conf, 8), "links[0].peers[0].allowedIPs[1]", "peers: nested path");
	} else {
		TAP_INT_EQ(ce.code, CNI_ERR_FIELD, "peers: this build has no [WireGuardPeer]: code 2");
		TAP_LIKE(ce.msg, "links[0].peers[0].publicKey: unknown key", "peers: the path is named");
	}
	cni_conf_free(conf);
}

static void test_cfg(void)
{
	struct cni_conf *conf = good("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"hostName\":\"ve-x\",\"Address\":\"10.0.0.2/24\","
				     "\"hostAddress\":[\"10.0.0.1/24\"],\"gateway\":\"10.0.0.1\"},"
				     "{\"kind\":\"macvlan\",\"name\":\"mv9\",\"device\":\"par0\",\"mode\":\"private\"}],"
				     "\"routes\":[{\"destination\":\"10.9.0.0/16\",\"gateway\":\"10.0.0.254\",\"metric\":5}]}",
				     NULL, "cfg");

	if (!conf)
		return;
	const struct cfg *c = conf->cfg;
	TAP_STREQ(c->name, "cni-c0ffee-eth0", "cfg: named after the attachment");
	TAP_STREQ(c->netns_path, "/run/netns/ctr", "cfg: external namespace is CNI_NETNS");
	TAP_INT_EQ(c->n_links, 2, "cfg: two links");
	TAP_STREQ(c->links[0].name.v, "eth0", "cfg: first link named CNI_IFNAME");
	TAP_STREQ(c->links[0].host_name.v, "ve-x", "cfg: hostName");
	TAP_STREQ(addr(&c->links[0].addrs.v[0]), "10.0.0.2/24", "cfg: a single string for a list key");
	TAP_STREQ(addr(&c->links[0].host_addrs.v[0]), "10.0.0.1/24", "cfg: hostAddress");
	TAP_STREQ(c->links[1].name.v, "mv9", "cfg: an explicit name");
	TAP_INT_EQ(c->links[1].mode.v, MV_PRIVATE, "cfg: mode");
	TAP_INT_EQ(c->n_routes, 1, "cfg: one route");
	TAP_INT_EQ(c->routes[0].metric.v, 5, "cfg: a JSON number");
	cni_conf_free(conf);

	conf = good("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"name\":\"net5\"}],\"dns\":{\"nameserver\":\"192.0.2.53\","
		    "\"search\":[\"lan\",\"example.org\"],\"dNSLeakGuard\":true},\"loopback\":false}",
		    NULL, "cfg: dns");
	if (!conf)
		return;
	TAP_STREQ(conf->cfg->links[0].name.v, "net5", "cfg: name set by the config wins over CNI_IFNAME");
	TAP_INT_EQ(conf->cfg->nameservers.n, 1, "cfg: nameserver");
	TAP_INT_EQ(conf->cfg->search.n, 2, "cfg: search list");
	TAP_INT_EQ(conf->cfg->dns_loc.line, 0, "cfg: no /etc/netns files for an attachment (dns goes to the result)");
	TAP_OK(!conf->cfg->loopback.v, "cfg: loopback false");
	cni_conf_free(conf);
}

static void test_errors(void)
{
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"physical\",\"device\":\"eth9\",\"adress\":[\"10.0.0.1/24\"]}]}", NULL,
	    CNI_ERR_FIELD, "links[0].adress: unknown key (did you mean 'address'?)", "typo in a key");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"physical\",\"device\":\"eth9\",\"address\":[\"10.0.0.1/24\",\"10.0.0.2/40\"]}]}",
	    NULL, CNI_ERR_CONFIG, "links[0].address[1]: invalid address '10.0.0.2/40'", "bad address");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"macvlan\"}]}", NULL, CNI_ERR_CONFIG, "links[0].kind: kind=macvlan needs device=",
	    "missing device");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"physical\",\"device\":\"a\"},{\"kind\":\"tunnel\"}]}", NULL, CNI_ERR_CONFIG,
	    "links[1].kind: invalid kind 'tunnel'", "bad kind in the second link");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"mtu\":1.5}]}", NULL, CNI_ERR_CONFIG,
	    "links[0].mtu: expected a string, a number or a boolean, not a fraction", "a real number");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"address\":[[\"10.0.0.1/24\"]]}]}", NULL, CNI_ERR_CONFIG,
	    "links[0].address[0]: expected a string, not an array", "nested array");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"mtu\":[1400]}]}", NULL, CNI_ERR_CONFIG,
	    "links[0].mtu: expected a string, a number or a boolean, not an array", "an array for a scalar key");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"address\":\"10.0.0.1/24\\n[Link]\\nKind=physical\"}]}", NULL,
	    CNI_ERR_CONFIG, "links[0].address: control characters are not allowed", "a line break cannot inject INI");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"hostName\":\"x\\\\\"}]}", NULL, CNI_ERR_CONFIG,
	    "links[0].hostName: a value must not end in a backslash", "a trailing backslash cannot continue a line");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"name\":\"\"}]}", NULL, CNI_ERR_CONFIG,
	    "links[0].name: empty string", "empty string");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"mtu\":1400,\"MTU\":1300}]}", NULL, CNI_ERR_CONFIG,
	    "links[0].MTU: the same key as an earlier one", "one key spelt twice");
	bad("{" ENVELOPE ",\"links\":{\"kind\":\"veth\"}}", NULL, CNI_ERR_CONFIG, "links: expected an array of objects",
	    "links not an array");
	bad("{" ENVELOPE ",\"links\":[\"veth\"]}", NULL, CNI_ERR_CONFIG, "links[0]: expected an object", "link not an object");
	bad("{" ENVELOPE ",\"ipam\":{\"type\":\"host-local\"}}", NULL, CNI_ERR_FIELD, "ipam: netnsctl does not call IPAM plugins",
	    "ipam");
	bad("{" ENVELOPE ",\"lnks\":[]}", NULL, CNI_ERR_FIELD, "lnks: unknown key", "unknown top-level key");
	bad("{" ENVELOPE ",\"name\":\"x\"}", NULL, CNI_ERR_DECODE, "duplicate object key", "duplicate key in JSON");
	bad("{" ENVELOPE ",\"dns\":{\"domain\":\"lan\"}}", NULL, CNI_ERR_FIELD, "dns.domain: unknown key", "dns.domain");
	bad("{" ENVELOPE ",\"firewall\":{\"policy\":\"reject\"}}", NULL, CNI_ERR_CONFIG, "firewall.policy: invalid policy",
	    "firewall policy");
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"physical\",\"device\":\"nic0\"},{\"kind\":\"veth\"}]}", NULL, CNI_ERR_CONFIG,
	    "links[1]: the default name of this link, 'eth0', is used by another link", "derived name clashes with CNI_IFNAME");
	bad("{\"cniVersion\":\"1.0.0\",\"name\":\"lan\",\"type\":\"netnsctl\",\"links\":[{\"kind\":\"veth\",\"address\":\"2001:db8::1/64\"}],"
	    "\"ipv6\":\"no\"}", NULL, CNI_ERR_CONFIG, "links[0].address", "IPv6 address with ipv6 off");
	bad("{" ENVELOPE ",\"publish\":[]}", NULL, CNI_ERR_FIELD, "publish: not available in CNI mode", "publish");
	bad("{" ENVELOPE ",\"name\":1}", NULL, CNI_ERR_DECODE, "duplicate", "duplicate with another type");
}

static void test_envelope(void)
{
	struct cni_error ce = { 0 };
	struct cni_conf *conf = NULL;

	TAP_OK(cni_conf_load("{\"cniVersion\":", 14, &conf, &ce) < 0 && ce.code == CNI_ERR_DECODE,
	       "envelope: bad JSON is code 6");
	TAP_LIKE(ce.msg, "line 1, column", "envelope: the decoder's position is named");
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_conf_load("[1]", 3, &conf, &ce) < 0 && ce.code == CNI_ERR_DECODE, "envelope: not an object");
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_conf_load("{\"name\":\"a\",\"type\":\"b\"}", 23, &conf, &ce) < 0 && ce.code == CNI_ERR_CONFIG,
	       "envelope: missing cniVersion is code 7");
	TAP_LIKE(ce.msg, "cniVersion: missing", "envelope: names the key");
	memset(&ce, 0, sizeof(ce));
	const char *v2 = "{\"cniVersion\":\"2.0.0\",\"name\":\"a\",\"type\":\"b\"}";
	TAP_OK(cni_conf_load(v2, strlen(v2), &conf, &ce) < 0 && ce.code == CNI_ERR_VERSION,
	       "envelope: an unknown version is code 1");
	memset(&ce, 0, sizeof(ce));
	const char *noname = "{\"cniVersion\":\"1.0.0\",\"type\":\"b\"}";
	TAP_OK(cni_conf_load(noname, strlen(noname), &conf, &ce) < 0 && ce.code == CNI_ERR_CONFIG,
	       "envelope: name is required");
	TAP_OK(conf == NULL, "envelope: nothing returned on failure");
	for (const char *const *v = (const char *const[]){ "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL }; *v; v++)
		TAP_OK(cni_version_supported(*v), "version %s supported", *v);
	TAP_OK(!cni_version_supported("0.2.0") && !cni_version_supported(NULL), "versions before 0.3.0 are not");
}

static void test_statics(void)
{
	struct cni_env env = ENV;
	struct cni_conf *conf;

	env.args = "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.0.0.9;MAC=02:00:00:00:00:09";
	conf = good("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\",\"address\":[\"10.0.0.5/24\",\"fd00::5/64\"],"
		    "\"macAddress\":\"02:00:00:00:00:05\"}]}",
		    &env, "CNI_ARGS IP and MAC");
	if (conf) {
		const struct cfg_link *l = &conf->cfg->links[0];
		TAP_INT_EQ(l->addrs.n, 2, "static IP replaces the configured address of its family");
		TAP_STREQ(addr(&l->addrs.v[0]), "fd00::5/64", "the other family stays");
		TAP_STREQ(addr(&l->addrs.v[1]), "10.0.0.9/24", "static IP takes the replaced address's prefix");
		TAP_INT_EQ(l->mac.v[5], 9, "MAC from CNI_ARGS wins over the config");
		cni_conf_free(conf);
	}
	env.args = "IP=10.0.0.9";
	conf = good("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\"}],\"runtimeConfig\":{\"ips\":[\"fd00::9/48\"],"
		    "\"mac\":\"02:00:00:00:00:0a\"}}",
		    &env, "runtimeConfig ips and mac");
	if (conf) {
		const struct cfg_link *l = &conf->cfg->links[0];
		TAP_INT_EQ(l->addrs.n, 2, "both static addresses");
		TAP_STREQ(addr(&l->addrs.v[0]), "10.0.0.9/32", "without a configured address: a host prefix");
		TAP_STREQ(addr(&l->addrs.v[1]), "fd00::9/48", "runtimeConfig prefix kept");
		TAP_INT_EQ(l->mac.v[5], 10, "runtimeConfig mac");
		cni_conf_free(conf);
	}
	env.args = "K8S_POD_NAME=web";
	bad("{" ENVELOPE "}", &env, CNI_ERR_ENV, "CNI_ARGS: unknown key 'K8S_POD_NAME'", "unknown CNI_ARGS key");
	env.args = "IP=10.0.0.300";
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\"}]}", &env, CNI_ERR_CONFIG, "CNI_ARGS IP: invalid address",
	    "bad static IP named by its source");
	env.args = "MAC=01:00:00:00:00:01";
	bad("{" ENVELOPE ",\"links\":[{\"kind\":\"veth\"}]}", &env, CNI_ERR_CONFIG, "CNI_ARGS MAC: macAddress '01:00:00:00:00:01' is a multicast address", "multicast MAC");
	env.args = "IP=10.0.0.9";
	bad("{" ENVELOPE "}", &env, CNI_ERR_CONFIG, "CNI_ARGS IP: a static address needs a link", "static IP without links");
	env.args = "garbage";
	bad("{" ENVELOPE "}", &env, CNI_ERR_ENV, "CNI_ARGS: 'garbage' is not KEY=VALUE", "malformed CNI_ARGS");
}

static void test_state_name(void)
{
	char a[NS_NAME_MAX + 1], b[NS_NAME_MAX + 1], c[NS_NAME_MAX + 1];
	const char *id = "9d328916afe7490ee37420d8718444b1ea4fb7bc2c774a4e61250a0debc6d834";

	cni_state_name("c1", "eth0", a);
	TAP_STREQ(a, "cni-c1-eth0", "state name: short names are kept");
	cni_state_name(id, "eth0", a);
	cni_state_name(id, "eth1", b);
	TAP_OK(strlen(a) <= NS_NAME_MAX && ns_name_valid(a), "state name: a 64-hex ID fits (%s)", a);
	TAP_OK(strncmp(a, "cni-9d328916afe7490ee37420d8718444b1ea4f", 40) == 0, "state name: starts with the ID");
	TAP_LIKE(a, "-eth0-", "state name: keeps the interface name");
	TAP_OK(strcmp(a, b) != 0, "state name: interfaces of one container differ");
	cni_state_name(id, "eth0", c);
	TAP_STREQ(a, c, "state name: stable");
	cni_state_name("c1", "e@h", a);
	TAP_OK(ns_name_valid(a) && strncmp(a, "cni-c1-e_h-", 11) == 0, "state name: other characters replaced and hashed (%s)", a);
	cni_state_name("c1", "e#h", b);
	TAP_OK(strcmp(a, b) != 0, "state name: different raw names stay distinct");
}

static void test_documents(void)
{
	const struct jsonl *J = jsonl_get();
	struct cni_error ce = { .code = 7, .msg = "links[0].kind: \"quoted\"\nand a line" };
	char *v = cni_version_json("0.4.0"), *e = cni_error_json("0.4.0", &ce);
	json_t *jv = v ? J->loadb(v, strlen(v), 0, NULL) : NULL, *je = e ? J->loadb(e, strlen(e), 0, NULL) : NULL;

	TAP_OK(jv && json_is_object(jv), "VERSION: valid JSON");
	TAP_STREQ(J->string_value(J->object_get(jv, "cniVersion")), "0.4.0", "VERSION: answers in the requested version");
	TAP_INT_EQ(J->array_size(J->object_get(jv, "supportedVersions")), 5, "VERSION: five supported versions");
	TAP_OK(je && json_is_object(je), "error: valid JSON, even with quotes and line breaks in the message");
	TAP_INT_EQ(J->integer_value(J->object_get(je, "code")), 7, "error: code");
	TAP_STREQ(J->string_value(J->object_get(je, "msg")), ce.msg, "error: message round-trips");
	TAP_OK(J->object_get(je, "details") == NULL, "error: no empty details");
	free(v);
	free(e);
	v = cni_version_json("9.9.9");
	TAP_LIKE(v, "\"cniVersion\":\"1.0.0\"", "VERSION: an unknown request is answered in 1.0.0");
	free(v);
	jl_decref(jv);
	jl_decref(je);
}

static void test_env(void)
{
	struct cni_env env;
	struct cni_error ce = { 0 };

	clearenv();
	TAP_OK(cni_env_read(&env, &ce) < 0 && ce.code == CNI_ERR_ENV, "env: CNI_COMMAND missing is code 4");
	memset(&ce, 0, sizeof(ce));
	setenv("CNI_COMMAND", "ADD", 1);
	TAP_OK(cni_env_read(&env, &ce) < 0 && ce.code == CNI_ERR_ENV, "env: ADD without CNI_CONTAINERID");
	TAP_LIKE(ce.msg, "CNI_CONTAINERID is not set", "env: names the variable");
	setenv("CNI_CONTAINERID", "-bad", 1);
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_env_read(&env, &ce) < 0, "env: container ID must start with an alphanumeric");
	setenv("CNI_CONTAINERID", "ok1", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_env_read(&env, &ce) < 0 && strstr(ce.msg, "CNI_NETNS"), "env: ADD needs CNI_NETNS");
	setenv("CNI_COMMAND", "DEL", 1);
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_env_read(&env, &ce) == 0 && env.cmd == CNI_DEL, "env: DEL does not need CNI_NETNS");
	setenv("CNI_COMMAND", "ADDX", 1);
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_env_read(&env, &ce) < 0 && strstr(ce.msg, "unknown CNI_COMMAND"), "env: unknown command");
	setenv("CNI_COMMAND", "VERSION", 1);
	unsetenv("CNI_IFNAME");
	memset(&ce, 0, sizeof(ce));
	TAP_OK(cni_env_read(&env, &ce) == 0 && env.cmd == CNI_VERSION, "env: VERSION needs nothing else");
}

int main(void)
{
	if (!TAP_OK(jsonl_get() != NULL, "libjansson.so.4 loads"))
		return tap_done();
	test_render();
	test_cfg();
	test_peers();
	test_errors();
	test_envelope();
	test_statics();
	test_state_name();
	test_documents();
	test_env();
	return tap_done();
}
