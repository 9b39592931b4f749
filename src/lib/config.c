/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The schema: which keys exist in which section, and how each value is
 * parsed into struct cfg. Loading files and drop-ins is at the bottom. */
#include "config.h"
#include "wg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

enum section {
	SEC_NAMESPACE,
	SEC_LINK,
	SEC_ROUTE,
	SEC_DNS,
	SEC_SERVICE,
	SEC_PUBLISH,
	SEC_FIREWALL,
	SEC_WGPEER,
	_SEC_MAX,
};

static const char *const section_names[_SEC_MAX] = {
	[SEC_NAMESPACE] = "Namespace", [SEC_LINK] = "Link",       [SEC_ROUTE] = "Route",
	[SEC_DNS] = "DNS",             [SEC_SERVICE] = "Service", [SEC_PUBLISH] = "Publish",
	[SEC_FIREWALL] = "Firewall",   [SEC_WGPEER] = "WireGuardPeer",
};

static const char *const fw_protos[_FW_PROTO_MAX] = { [FW_TCP] = "tcp", [FW_UDP] = "udp", [FW_ICMP] = "icmp" };
static const char *const publish_protos[] = { [FW_TCP] = "tcp", [FW_UDP] = "udp" };
static const char *const publish_modes[_PUBLISH_MODE_MAX] = { [PUBLISH_NAT] = "nat", [PUBLISH_PROXY] = "proxy" };
static const char *const fw_policies[_FW_POLICY_MAX] = { [FW_ACCEPT] = "accept", [FW_DROP] = "drop" };

static const char *const wg_impls[_WG_IMPL_MAX] = {
	[WG_IMPL_AUTO] = "auto", [WG_IMPL_KERNEL] = "kernel", [WG_IMPL_USERSPACE] = "userspace",
};

const char *wg_impl_to_string(enum wg_impl i)
{
	return (unsigned)i < _WG_IMPL_MAX ? wg_impls[i] : "?";
}

const char *fw_proto_to_string(enum fw_proto p)
{
	return (unsigned)p < _FW_PROTO_MAX ? fw_protos[p] : "?";
}

static const char *const link_kinds[_LINK_KIND_MAX] = {
	[LINK_PHYSICAL] = "physical", [LINK_VETH] = "veth",           [LINK_MACVLAN] = "macvlan",
	[LINK_BRIDGE] = "bridge",     [LINK_WIREGUARD] = "wireguard", [LINK_TUN] = "tun",
};

static const char *const macvlan_modes[_MV_MAX] = {
	[MV_BRIDGE] = "bridge", [MV_PRIVATE] = "private",
	[MV_VEPA] = "vepa",     [MV_PASSTHRU] = "passthru",
};

const char *link_kind_to_string(enum link_kind k)
{
	return (unsigned)k < _LINK_KIND_MAX ? link_kinds[k] : "?";
}

const char *macvlan_mode_to_string(enum mv_mode m)
{
	return (unsigned)m < _MV_MAX ? macvlan_modes[m] : "?";
}

/* ---- value parsers ------------------------------------------------------ */

struct cfg_key;
typedef int (*value_parser)(const struct cfg_key *k, void *field, const char *value,
			    struct cfg_loc loc, struct error *e);

struct cfg_key {
	enum section section;
	const char *name;
	value_parser parse;
	size_t offset; /* of the field inside the section object */
	const char *const *choices; /* for enums */
	int n_choices;
	int def; /* bools and enums: the value an empty assignment restores */
};

int cfg_addr_parse(const char *s, bool want_prefix, struct cfg_addr *ret)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct cfg_addr a = { 0 };
	char *slash, *end;
	long plen = -1;

	if (!strscpy(buf, sizeof(buf), s))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash) {
		if (!want_prefix || !isdigit((unsigned char)slash[1]))
			return -EINVAL;
		*slash = '\0';
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (*end || errno)
			return -EINVAL;
	} else if (want_prefix) {
		return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	if (plen < 0)
		plen = a.family == AF_INET ? 32 : 128;
	if (plen > (a.family == AF_INET ? 32 : 128))
		return -ERANGE;
	a.prefixlen = (uint8_t)plen;
	*ret = a;
	return 0;
}

const char *cfg_addr_to_string(const struct cfg_addr *a, bool with_prefix, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->raw, tmp, sizeof(tmp)))
		strscpy(tmp, sizeof(tmp), "?");
	if (with_prefix)
		snprintf(buf, size, "%s/%u", tmp, a->prefixlen);
	else
		snprintf(buf, size, "%s", tmp);
	return buf;
}

bool cfg_addr_equal(const struct cfg_addr *a, const struct cfg_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	return a->family == b->family && a->prefixlen == b->prefixlen && memcmp(a->raw, b->raw, n) == 0;
}

static bool want_prefix(const struct cfg_key *k)
{
	return STREQ(k->name, "Address") || STREQ(k->name, "Destination") ||
	       (STREQ(k->name, "HostAddress") && k->section == SEC_LINK);
}

/* Address lists: repeatable; whitespace-separated values are allowed; an
 * empty assignment clears the list (as in systemd). */
static int parse_addr_list(const struct cfg_key *k, void *field, const char *value,
			   struct cfg_loc loc, struct error *e)
{
	struct cfg_addr_list *l = field;
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	if (*value == '\0') {
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return 0;
	}
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		struct cfg_addr a;
		int r = cfg_addr_parse(w, want_prefix(k), &a);
		if (r < 0)
			return err_cfg(e, loc.file, loc.line, "invalid %s '%s' in [%s] (expected %s)",
				       k->name, w, section_names[k->section],
				       want_prefix(k) ? "ADDRESS/PREFIX, e.g. 192.0.2.10/24 or 2001:db8::10/64"
						      : "an IPv4 or IPv6 address without prefix");
		a.loc = loc;
		struct cfg_addr *slot = array_append(&l->v, &l->n, sizeof(*slot));
		if (!slot)
			return err_set(e, -ENOMEM, "parsing %s=", k->name);
		*slot = a;
	}
	return 0;
}

static int parse_addr_one(const struct cfg_key *k, void *field, const char *value,
			  struct cfg_loc loc, struct error *e)
{
	struct cfg_addr *a = field;

	if (*value == '\0') {
		memset(a, 0, sizeof(*a));
		return 0;
	}
	/* The family of 'default' is settled by cfg_validate, once Gateway= is
	 * known: a family-less address with a location stands for it. */
	if (STREQ(k->name, "Destination") && STREQ(value, "default")) {
		memset(a, 0, sizeof(*a));
		a->loc = loc;
		return 0;
	}
	if (cfg_addr_parse(value, want_prefix(k), a) < 0)
		return err_cfg(e, loc.file, loc.line, "invalid %s '%s' in [%s]", k->name, value,
			       section_names[k->section]);
	a->loc = loc;
	return 0;
}

static int parse_ifname(const struct cfg_key *k, void *field, const char *value,
			struct cfg_loc loc, struct error *e)
{
	struct cfg_ifname *f = field;

	if (*value == '\0') {
		memset(f, 0, sizeof(*f));
		return 0;
	}
	if (!ifname_valid(value))
		return err_cfg(e, loc.file, loc.line,
			       "invalid interface name '%.64s' for %s= (1-15 bytes, no '/', ':' or whitespace, not '.' or '..')",
			       value, k->name);
	strscpy(f->v, sizeof(f->v), value);
	f->loc = loc;
	return 0;
}

static int parse_bool(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		      struct error *e)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
	struct cfg_bool *b = field;

	if (*value == '\0') {
		b->v = k->def;
		b->loc = (struct cfg_loc){ 0 };
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			b->v = true;
			b->loc = loc;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			b->v = false;
			b->loc = loc;
			return 0;
		}
	}
	return err_cfg(e, loc.file, loc.line, "invalid boolean '%.64s' for %s= (use yes or no)", value,
		       k->name);
}

static int parse_u32(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		     struct error *e)
{
	struct cfg_u32 *u = field;
	char *end;
	unsigned long long v;

	if (*value == '\0') {
		memset(u, 0, sizeof(*u));
		return 0;
	}
	errno = 0;
	v = strtoull(value, &end, 10);
	if (!isdigit((unsigned char)*value) || *end || errno || v > UINT32_MAX)
		return err_cfg(e, loc.file, loc.line, "invalid number '%.64s' for %s=", value, k->name);
	u->v = (uint32_t)v;
	u->loc = loc;
	return 0;
}

static int parse_mac(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		     struct error *e)
{
	struct cfg_mac *m = field;
	unsigned b[6];
	char tail;

	if (*value == '\0') {
		memset(m, 0, sizeof(*m));
		return 0;
	}
	if (strlen(value) != 17 ||
	    sscanf(value, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s' (expected xx:xx:xx:xx:xx:xx)",
			       k->name, value);
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)value[i * 3]) || !isxdigit((unsigned char)value[i * 3 + 1]))
			return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s'", k->name, value);
		m->v[i] = (uint8_t)b[i];
	}
	if (m->v[0] & 1)
		return err_cfg(e, loc.file, loc.line, "%s '%s' is a multicast address", k->name, value);
	if (!(m->v[0] | m->v[1] | m->v[2] | m->v[3] | m->v[4] | m->v[5]))
		return err_cfg(e, loc.file, loc.line, "%s must not be all zeros", k->name);
	m->loc = loc;
	return 0;
}

static int parse_enum(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		      struct error *e)
{
	struct cfg_enum *en = field;
	char list[256] = "";

	if (*value == '\0') {
		en->v = k->def;
		en->loc = (struct cfg_loc){ 0 };
		return 0;
	}
	for (int i = 0; i < k->n_choices; i++) {
		if (STREQ(value, k->choices[i])) {
			en->v = i;
			en->loc = loc;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 k->choices[i]);
	}
	return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s' (expected one of: %s)", k->name, value,
		       list);
}

static int parse_str(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		     struct error *e)
{
	struct cfg_str *s = field;
	char *v = strdup(value);

	if (!v)
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	free(s->v);
	s->v = v;
	s->loc = loc;
	return 0;
}

/* Whitespace-separated, repeatable; each word checked by `valid`. */
static int parse_word_list(const struct cfg_key *k, void *field, const char *value,
			   struct cfg_loc loc, bool (*valid)(const char *), const char *what,
			   struct error *e)
{
	struct cfg_str_list *l = field;
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	if (*value == '\0') {
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i].v);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return 0;
	}
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!valid(w))
			return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s' for %s=", what, w, k->name);
		struct cfg_str *slot = array_append(&l->v, &l->n, sizeof(*slot));
		if (!slot || !(slot->v = strdup(w)))
			return err_set(e, -ENOMEM, "parsing %s=", k->name);
		slot->loc = loc;
	}
	return 0;
}

static bool join_unit_valid(const char *s)
{
	return unit_name_valid(s) || (ns_name_valid(s) && !strchr(s, '.'));
}

static int parse_units(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		       struct error *e)
{
	int r = parse_word_list(k, field, value, loc, join_unit_valid, "unit name", e);
	struct cfg_str_list *l = field;

	/* "nginx" means nginx.service, as with systemctl. */
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		if (strchr(l->v[i].v, '.'))
			continue;
		size_t n = strlen(l->v[i].v);
		char *s = realloc(l->v[i].v, n + sizeof(".service"));
		if (!s)
			return err_set(e, -ENOMEM, "parsing %s=", k->name);
		memcpy(s + n, ".service", sizeof(".service"));
		l->v[i].v = s;
	}
	return r;
}

static int parse_domains(const struct cfg_key *k, void *field, const char *value,
			 struct cfg_loc loc, struct error *e)
{
	return parse_word_list(k, field, value, loc, domain_valid, "domain", e);
}

static int sysctl_list_reset(struct cfg_sysctl_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
	return 0;
}

/* "net.KEY=VALUE"; spaces around the '=' are allowed, as in sysctl.d. */
static int parse_sysctl(const struct cfg_key *k, void *field, const char *value,
			struct cfg_loc loc, struct error *e)
{
	struct cfg_sysctl_list *l = field;
	const char *eq = strchr(value, '=');
	_cleanup_free_ char *key = NULL;
	size_t klen;

	if (*value == '\0')
		return sysctl_list_reset(l);
	if (!eq)
		return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s' (expected net.KEY=VALUE)", k->name,
			       value);
	for (klen = (size_t)(eq - value); klen > 0 && isspace((unsigned char)value[klen - 1]);)
		klen--;
	key = strndup(value, klen);
	if (!key)
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	for (char *p = key; *p; p++)
		if (*p == '/')
			*p = '.';
	if (!sysctl_key_valid(key))
		return err_cfg(e, loc.file, loc.line,
			       "invalid sysctl '%.64s' for %s= (only net.* keys apply inside a namespace)", key,
			       k->name);
	const char *v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	if (*v == '\0')
		return err_cfg(e, loc.file, loc.line, "sysctl '%s' needs a value", key);
	if (strlen(v) > 255)
		return err_cfg(e, loc.file, loc.line, "value for sysctl '%s' is too long (at most 255 bytes)", key);
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p))
			return err_cfg(e, loc.file, loc.line, "sysctl '%s' value contains a control character", key);
	struct cfg_sysctl *slot = array_append(&l->v, &l->n, sizeof(*slot));
	if (!slot || !(slot->value = strdup(v)))
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	slot->key = TAKE_PTR(key);
	slot->loc = loc;
	return 0;
}

static int parse_ns_name(const struct cfg_key *k _unused_, void *field, const char *value,
			 struct cfg_loc loc, struct error *e)
{
	struct cfg *c = (struct cfg *)((char *)field - offsetof(struct cfg, name));

	if (!ns_name_valid(value))
		return err_cfg(e, loc.file, loc.line,
			       "invalid namespace name '%.64s' (1-64 characters of A-Z a-z 0-9 _ . -, not '.' or '..')",
			       value);
	strscpy(c->name, sizeof(c->name), value);
	c->name_loc = loc;
	return 0;
}

/* "80", "8000-8080": 1..65535, lo <= hi. */
static int parse_port_range(const char *s, struct cfg_ports *ret)
{
	unsigned long lo, hi;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end || errno || lo < 1 || hi > 65535 || lo > hi)
		return -EINVAL;
	ret->lo = (uint16_t)lo;
	ret->hi = (uint16_t)hi;
	return 0;
}

static int parse_ports(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		       struct error *e)
{
	struct cfg_ports *p = field;

	if (*value == '\0') {
		memset(p, 0, sizeof(*p));
		return 0;
	}
	if (parse_port_range(value, p) < 0)
		return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s' (expected PORT or PORT-PORT, 1-65535)",
			       k->name, value);
	p->loc = loc;
	return 0;
}

/* Allow=tcp/80 udp/5000-5010 icmp: repeatable, whitespace-separated. */
static int parse_allow(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		       struct error *e)
{
	struct cfg_allow_list *l = field;
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	if (*value == '\0') {
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return 0;
	}
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		struct cfg_allow a = { .loc = loc };
		char *slash = strchr(w, '/');
		if (STREQ(w, "icmp")) {
			a.proto = FW_ICMP;
		} else if (slash && (strncmp(w, "tcp/", 4) == 0 || strncmp(w, "udp/", 4) == 0) &&
			   parse_port_range(slash + 1, &a.ports) == 0) {
			a.proto = w[0] == 't' ? FW_TCP : FW_UDP;
			a.ports.loc = loc;
		} else {
			return err_cfg(e, loc.file, loc.line,
				       "invalid %s '%.64s' (expected tcp/PORT[-PORT], udp/PORT[-PORT] or icmp)",
				       k->name, w);
		}
		struct cfg_allow *slot = array_append(&l->v, &l->n, sizeof(*slot));
		if (!slot)
			return err_set(e, -ENOMEM, "parsing %s=", k->name);
		*slot = a;
	}
	return 0;
}

/* ---- [WireGuardPeer] and the VPN keys of [Link] -------------------------- */

/* Key files: an absolute path, so that the meaning does not depend on the
 * directory `up` runs in. The file itself is checked (owner, mode, content)
 * when `up` reads it, never here: secrets are not read at parse time. */
static int parse_path(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		      struct error *e)
{
	if (*value == '\0') {
		struct cfg_str *s = field;
		free(s->v);
		*s = (struct cfg_str){ 0 };
		return 0;
	}
	if (value[0] != '/')
		return err_cfg(e, loc.file, loc.line, "%s= needs an absolute path, not '%.64s'", k->name, value);
	for (const char *p = value; *p; p++)
		if (iscntrl((unsigned char)*p))
			return err_cfg(e, loc.file, loc.line, "%s= contains a control character", k->name);
	if (strlen(value) >= PATH_MAX)
		return err_cfg(e, loc.file, loc.line, "%s= is too long", k->name);
	return parse_str(k, field, value, loc, e);
}

/* A user or group: a name as useradd accepts it, or a number. */
static int parse_owner(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
		       struct error *e)
{
	size_t n = strlen(value);

	if (*value == '\0') {
		struct cfg_str *s = field;
		free(s->v);
		*s = (struct cfg_str){ 0 };
		return 0;
	}
	bool ok = n <= 32 && value[0] != '-';
	for (const char *p = value; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.' || (*p == '$' && !p[1]);
	if (!ok)
		return err_cfg(e, loc.file, loc.line, "invalid %s '%.64s' (a user or group name, or a number)",
			       k->name, value);
	return parse_str(k, field, value, loc, e);
}

static int parse_port16(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
			struct error *e)
{
	struct cfg_u32 *u = field;
	int r = parse_u32(k, field, value, loc, e);

	if (r == 0 && u->v > 65535)
		return err_cfg(e, loc.file, loc.line, "%s=%u out of range (0-65535)", k->name, u->v);
	return r;
}

/* FirewallMark=: decimal or 0x-prefixed hexadecimal, as wg(8) takes it. */
static int parse_fwmark(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
			struct error *e)
{
	struct cfg_u32 *u = field;
	unsigned long long v;
	char *end;

	if (strncasecmp(value, "0x", 2) != 0 || !isxdigit((unsigned char)value[2]))
		return parse_u32(k, field, value, loc, e);
	errno = 0;
	v = strtoull(value + 2, &end, 16);
	if (*end || errno || v > UINT32_MAX)
		return err_cfg(e, loc.file, loc.line, "invalid number '%.64s' for %s=", value, k->name);
	u->v = (uint32_t)v;
	u->loc = loc;
	return 0;
}

/* PersistentKeepalive=: seconds (1-65535), or 0 or "off". */
static int parse_keepalive(const struct cfg_key *k, void *field, const char *value,
			   struct cfg_loc loc, struct error *e)
{
	struct cfg_u32 *u = field;

	if (STREQ(value, "off")) {
		u->v = 0;
		u->loc = loc;
		return 0;
	}
	return parse_port16(k, field, value, loc, e);
}

/* PublicKey=: the peer's key in base64. Public keys are not secret, but
 * the message still does not repeat the value: a private key pasted here
 * by mistake must not end up in a log. */
static int parse_pubkey(const struct cfg_key *k, void *field, const char *value, struct cfg_loc loc,
			struct error *e)
{
	struct cfg_wg_peer *p = (struct cfg_wg_peer *)((char *)field - offsetof(struct cfg_wg_peer, public_key));

	if (*value == '\0') {
		memset(p->public_key, 0, sizeof(p->public_key));
		p->public_key_loc = (struct cfg_loc){ 0 };
		return 0;
	}
	if (wg_key_from_base64(value, p->public_key) < 0)
		return err_cfg(e, loc.file, loc.line,
			       "invalid %s= (expected a WireGuard key: 44 characters of base64 ending in '=')",
			       k->name);
	p->public_key_loc = loc;
	return 0;
}

static int endpoint_error(struct error *e, struct cfg_loc loc, const char *what, const char *value)
{
	return err_cfg(e, loc.file, loc.line, "invalid Endpoint '%.80s': %s", value, what);
}

/* Endpoint=HOST:PORT or [IPV6]:PORT. HOST must be an IP address: netnsctl
 * runs before the network is up and must not leak a DNS query, so it never
 * resolves names. */
static int parse_endpoint(const struct cfg_key *k _unused_, void *field, const char *value,
			  struct cfg_loc loc, struct error *e)
{
	struct cfg_endpoint *ep = field;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *start = value;
	size_t hlen;

	if (*value == '\0') {
		memset(ep, 0, sizeof(*ep));
		return 0;
	}
	if (value[0] == '[') {
		const char *close = strchr(value, ']');
		if (!close)
			return endpoint_error(e, loc, "missing ']' after the IPv6 address", value);
		if (close[1] != ':')
			return endpoint_error(e, loc, "needs a port ([IPV6]:PORT)", value);
		start = value + 1;
		hlen = (size_t)(close - start);
		colon = close + 1;
	} else {
		colon = strrchr(value, ':');
		if (colon && strchr(value, ':') != colon)
			return endpoint_error(e, loc, "an IPv6 address needs brackets ([IPV6]:PORT)", value);
		if (!colon)
			return endpoint_error(e, loc, "needs a port (HOST:PORT)", value);
		hlen = (size_t)(colon - value);
	}
	if (hlen == 0)
		return endpoint_error(e, loc, "needs an IP address before the port", value);
	if (hlen >= sizeof(host))
		return endpoint_error(e, loc, "the host is not an IP address; netnsctl does not resolve names", value);
	memcpy(host, start, hlen);
	host[hlen] = '\0';
	ep->addr = (struct cfg_addr){ 0 };
	if (cfg_addr_parse(host, false, &ep->addr) < 0) {
		memset(ep, 0, sizeof(*ep));
		return err_cfg(e, loc.file, loc.line,
			       "Endpoint host '%.64s' is not an IP address; netnsctl does not resolve names (give the address)",
			       host);
	}
	struct cfg_ports port;
	if (parse_port_range(colon + 1, &port) < 0 || port.lo != port.hi) {
		memset(ep, 0, sizeof(*ep));
		return err_cfg(e, loc.file, loc.line, "invalid Endpoint port '%.16s' (1-65535)", colon + 1);
	}
	ep->port = port.lo;
	ep->addr.loc = loc;
	ep->loc = loc;
	return 0;
}

/* AllowedIPs=: prefixes, or bare addresses meaning /32 and /128, as wg(8)
 * takes them; repeatable, comma or space separated; empty clears. */
static int parse_allowed_ips(const struct cfg_key *k, void *field, const char *value,
			     struct cfg_loc loc, struct error *e)
{
	struct cfg_addr_list *l = field;
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return err_set(e, -ENOMEM, "parsing %s=", k->name);
	if (*value == '\0') {
		free(l->v);
		*l = (struct cfg_addr_list){ 0 };
		return 0;
	}
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		struct cfg_addr a;
		if (cfg_addr_parse(w, true, &a) < 0 && cfg_addr_parse(w, false, &a) < 0)
			return err_cfg(e, loc.file, loc.line,
				       "invalid %s '%.64s' (expected PREFIX such as 10.0.0.0/24, 0.0.0.0/0 or ::/0)",
				       k->name, w);
		a.loc = loc;
		struct cfg_addr *slot = array_append(&l->v, &l->n, sizeof(*slot));
		if (!slot)
			return err_set(e, -ENOMEM, "parsing %s=", k->name);
		*slot = a;
	}
	return 0;
}

#define KEY(sec, n, fn, type, member) { sec, n, fn, offsetof(type, member), NULL, 0, 0 }
#define BOOLKEY(sec, n, type, member, d) { sec, n, parse_bool, offsetof(type, member), NULL, 0, d }
#define ENUMKEY(sec, n, type, member, tbl) \
	{ sec, n, parse_enum, offsetof(type, member), tbl, (int)ELEMENTSOF(tbl), 0 }

static const struct cfg_key keys[] = {
	KEY(SEC_NAMESPACE, "Name", parse_ns_name, struct cfg, name),
	KEY(SEC_NAMESPACE, "Description", parse_str, struct cfg, description),
	BOOLKEY(SEC_NAMESPACE, "Loopback", struct cfg, loopback, true),
	BOOLKEY(SEC_NAMESPACE, "IPv6", struct cfg, ipv6, true),
	KEY(SEC_NAMESPACE, "Sysctl", parse_sysctl, struct cfg, sysctls),

	/* An empty Kind= makes the kind unset again (-1), not "physical". */
	{ SEC_LINK, "Kind", parse_enum, offsetof(struct cfg_link, kind), link_kinds, (int)ELEMENTSOF(link_kinds), -1 },
	KEY(SEC_LINK, "Name", parse_ifname, struct cfg_link, name),
	KEY(SEC_LINK, "Device", parse_ifname, struct cfg_link, device),
	KEY(SEC_LINK, "Address", parse_addr_list, struct cfg_link, addrs),
	KEY(SEC_LINK, "Gateway", parse_addr_list, struct cfg_link, gateways),
	KEY(SEC_LINK, "MTU", parse_u32, struct cfg_link, mtu),
	KEY(SEC_LINK, "MACAddress", parse_mac, struct cfg_link, mac),
	KEY(SEC_LINK, "HostName", parse_ifname, struct cfg_link, host_name),
	KEY(SEC_LINK, "HostAddress", parse_addr_list, struct cfg_link, host_addrs),
	KEY(SEC_LINK, "Bridge", parse_ifname, struct cfg_link, bridge),
	ENUMKEY(SEC_LINK, "Mode", struct cfg_link, mode, macvlan_modes),
	KEY(SEC_LINK, "Force", parse_bool, struct cfg_link, force),
	KEY(SEC_LINK, "WaitForDevice", parse_bool, struct cfg_link, wait_for_device),
	KEY(SEC_LINK, "Masquerade", parse_bool, struct cfg_link, masquerade),
	KEY(SEC_LINK, "Tunnel", parse_bool, struct cfg_link, tunnel),
	KEY(SEC_LINK, "PrivateKeyFile", parse_path, struct cfg_link, private_key_file),
	KEY(SEC_LINK, "ListenPort", parse_port16, struct cfg_link, listen_port),
	KEY(SEC_LINK, "FirewallMark", parse_fwmark, struct cfg_link, fwmark),
	ENUMKEY(SEC_LINK, "Implementation", struct cfg_link, impl, wg_impls),
	KEY(SEC_LINK, "User", parse_owner, struct cfg_link, user),
	KEY(SEC_LINK, "Group", parse_owner, struct cfg_link, group),

	KEY(SEC_ROUTE, "Destination", parse_addr_one, struct cfg_route, dst),
	KEY(SEC_ROUTE, "Gateway", parse_addr_one, struct cfg_route, gw),
	KEY(SEC_ROUTE, "Link", parse_ifname, struct cfg_route, link),
	KEY(SEC_ROUTE, "Metric", parse_u32, struct cfg_route, metric),

	KEY(SEC_DNS, "Nameserver", parse_addr_list, struct cfg, nameservers),
	KEY(SEC_DNS, "Search", parse_domains, struct cfg, search),
	KEY(SEC_DNS, "DNSLeakGuard", parse_bool, struct cfg, dns_leak_guard),

	KEY(SEC_SERVICE, "Join", parse_units, struct cfg, joins),

	ENUMKEY(SEC_PUBLISH, "Protocol", struct cfg_publish, proto, publish_protos),
	KEY(SEC_PUBLISH, "HostPort", parse_ports, struct cfg_publish, host_port),
	KEY(SEC_PUBLISH, "Port", parse_ports, struct cfg_publish, port),
	KEY(SEC_PUBLISH, "HostAddress", parse_addr_one, struct cfg_publish, host_addr),
	ENUMKEY(SEC_PUBLISH, "Mode", struct cfg_publish, mode, publish_modes),
	KEY(SEC_PUBLISH, "MaxConnections", parse_u32, struct cfg_publish, max_conn),
	KEY(SEC_PUBLISH, "IdleTimeoutSec", parse_u32, struct cfg_publish, idle_timeout),

	ENUMKEY(SEC_FIREWALL, "Policy", struct cfg, fw_policy, fw_policies),
	KEY(SEC_FIREWALL, "Allow", parse_allow, struct cfg, fw_allow),
	KEY(SEC_FIREWALL, "KillSwitch", parse_bool, struct cfg, kill_switch),

	KEY(SEC_WGPEER, "PublicKey", parse_pubkey, struct cfg_wg_peer, public_key),
	KEY(SEC_WGPEER, "PresharedKeyFile", parse_path, struct cfg_wg_peer, psk_file),
	KEY(SEC_WGPEER, "Endpoint", parse_endpoint, struct cfg_wg_peer, endpoint),
	KEY(SEC_WGPEER, "AllowedIPs", parse_allowed_ips, struct cfg_wg_peer, allowed_ips),
	KEY(SEC_WGPEER, "PersistentKeepalive", parse_keepalive, struct cfg_wg_peer, keepalive),
};

const char *const *cfg_known_keys(void)
{
	static const char *list[ELEMENTSOF(keys) + 1];
	static char storage[ELEMENTSOF(keys)][48];

	if (!list[0])
		for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
			snprintf(storage[i], sizeof(storage[i]), "%s.%s", section_names[keys[i].section],
				 keys[i].name);
			list[i] = storage[i];
		}
	return list;
}

/* ---- the INI handler ---------------------------------------------------- */

struct parse_state {
	struct cfg *c;
	const char *file;
	int section; /* enum section, or -1 */
	ssize_t link; /* index of the last [Link] of this file, or -1: owner of a [WireGuardPeer] */
};

static int unknown_key(const struct parse_state *ps, const char *key, unsigned line,
		       struct error *e)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		if ((int)keys[i].section != ps->section)
			continue;
		unsigned d = str_distance(key, keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	/* A key of another section is most likely just misplaced. */
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (STREQ(key, keys[i].name))
			return err_cfg(e, ps->file, line, "unknown key '%.64s' in [%s] (it belongs in [%s])", key,
				       section_names[ps->section], section_names[keys[i].section]);
	if (best)
		return err_cfg(e, ps->file, line, "unknown key '%.64s' in [%s] (did you mean '%s'?)", key,
			       section_names[ps->section], best);
	return err_cfg(e, ps->file, line, "unknown key '%.64s' in [%s]", key, section_names[ps->section]);
}

/* More objects than any namespace needs, and few enough that the
 * pairwise checks in validate.c stay instant. */
#define CFG_MAX_OBJECTS 1024

static int check_count(struct parse_state *ps, size_t n, unsigned line, struct error *e)
{
	if (n < CFG_MAX_OBJECTS)
		return 0;
	return err_cfg(e, ps->file, line, "too many [%s] sections (at most %d per namespace)",
		       section_names[ps->section], CFG_MAX_OBJECTS);
}

static int open_section(struct parse_state *ps, const char *name, unsigned line, struct error *e)
{
	struct cfg_loc loc = { ps->file, line };
	int r;

	ps->section = -1;
	for (int i = 0; i < _SEC_MAX; i++)
		if (STREQ(name, section_names[i]))
			ps->section = i;
	if (ps->section < 0) {
		for (int i = 0; i < _SEC_MAX; i++)
			if (str_distance(name, section_names[i]) <= 2)
				return err_cfg(e, ps->file, line, "unknown section [%.64s] (did you mean [%s]?)",
					       name, section_names[i]);
		return err_cfg(e, ps->file, line, "unknown section [%.64s]", name);
	}
	if ((ps->section == SEC_LINK && (r = check_count(ps, ps->c->n_links, line, e)) < 0) ||
	    (ps->section == SEC_ROUTE && (r = check_count(ps, ps->c->n_routes, line, e)) < 0) ||
	    (ps->section == SEC_PUBLISH && (r = check_count(ps, ps->c->n_publish, line, e)) < 0) ||
	    (ps->section == SEC_WGPEER && ps->link >= 0 &&
	     (r = check_count(ps, ps->c->links[ps->link].n_peers, line, e)) < 0))
		return r;
	if (ps->section == SEC_LINK) {
		struct cfg_link *l = array_append(&ps->c->links, &ps->c->n_links, sizeof(*l));
		if (!l)
			return err_set(e, -ENOMEM, "adding [Link]");
		l->loc = loc;
		l->kind.v = -1;
		ps->link = (ssize_t)ps->c->n_links - 1;
	} else if (ps->section == SEC_WGPEER) {
		/* A peer belongs to the [Link] before it; across files that
		 * would depend on drop-in order, so it must be in the same file. */
		if (ps->link < 0)
			return err_cfg(e, ps->file, line,
				       "[WireGuardPeer] must follow the Kind=wireguard [Link] it belongs to, in the same file");
		struct cfg_link *l = &ps->c->links[ps->link];
		struct cfg_wg_peer *p = array_append(&l->peers, &l->n_peers, sizeof(*p));
		if (!p)
			return err_set(e, -ENOMEM, "adding [WireGuardPeer]");
		p->loc = loc;
	} else if (ps->section == SEC_ROUTE) {
		struct cfg_route *r = array_append(&ps->c->routes, &ps->c->n_routes, sizeof(*r));
		if (!r)
			return err_set(e, -ENOMEM, "adding [Route]");
		r->loc = loc;
	} else if (ps->section == SEC_PUBLISH) {
		struct cfg_publish *p = array_append(&ps->c->publish, &ps->c->n_publish, sizeof(*p));
		if (!p)
			return err_set(e, -ENOMEM, "adding [Publish]");
		p->loc = loc;
		p->mode.v = -1;
	} else if (ps->section == SEC_DNS && ps->c->dns_loc.line == 0) {
		ps->c->dns_loc = loc;
	} else if (ps->section == SEC_FIREWALL && ps->c->fw_loc.line == 0) {
		ps->c->fw_loc = loc;
	}
	return 0;
}

static void *section_object(struct parse_state *ps)
{
	switch (ps->section) {
	case SEC_LINK:
		return &ps->c->links[ps->c->n_links - 1];
	case SEC_ROUTE:
		return &ps->c->routes[ps->c->n_routes - 1];
	case SEC_PUBLISH:
		return &ps->c->publish[ps->c->n_publish - 1];
	case SEC_WGPEER: {
		struct cfg_link *l = &ps->c->links[ps->link];
		return &l->peers[l->n_peers - 1];
	}
	default:
		return ps->c;
	}
}

static int cfg_handler(void *data, const char *section, const char *key, const char *value,
		       unsigned line, struct error *e)
{
	struct parse_state *ps = data;

	if (!key)
		return open_section(ps, section, line, e);
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		if ((int)keys[i].section != ps->section || !STREQ(keys[i].name, key))
			continue;
		struct cfg_loc loc = { ps->file, line };
		return keys[i].parse(&keys[i], (char *)section_object(ps) + keys[i].offset, value, loc, e);
	}
	return unknown_key(ps, key, line, e);
}

/* ---- files -------------------------------------------------------------- */

struct cfg *cfg_new(void)
{
	struct cfg *c = calloc(1, sizeof(struct cfg));

	if (c) {
		c->loopback.v = true;
		c->ipv6.v = true;
	}
	return c;
}

static void str_list_free(struct cfg_str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].v);
	free(l->v);
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->description.v);
	free(c->netns_path);
	for (size_t i = 0; i < c->sysctls.n; i++) {
		free(c->sysctls.v[i].key);
		free(c->sysctls.v[i].value);
	}
	free(c->sysctls.v);
	for (size_t i = 0; i < c->n_links; i++) {
		struct cfg_link *l = &c->links[i];
		free(l->addrs.v);
		free(l->gateways.v);
		free(l->host_addrs.v);
		free(l->private_key_file.v);
		free(l->user.v);
		free(l->group.v);
		for (size_t j = 0; j < l->n_peers; j++) {
			free(l->peers[j].psk_file.v);
			free(l->peers[j].allowed_ips.v);
		}
		free(l->peers);
	}
	free(c->links);
	free(c->routes);
	free(c->publish);
	free(c->fw_allow.v);
	free(c->nameservers.v);
	str_list_free(&c->search);
	str_list_free(&c->joins);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

static const char *remember_file(struct cfg *c, const char *file)
{
	char **slot = array_append(&c->files, &c->n_files, sizeof(*slot));
	if (!slot)
		return NULL;
	*slot = strdup(file);
	if (!*slot) {
		c->n_files--;
		return NULL;
	}
	return *slot;
}

int cfg_parse_text(struct cfg *c, const char *text, size_t len, const char *file, struct error *e)
{
	struct parse_state ps = { .c = c, .section = -1, .link = -1 };

	ps.file = remember_file(c, file);
	if (!ps.file)
		return err_set(e, -ENOMEM, "reading %s", file);
	return ini_parse(text, len, ps.file, cfg_handler, &ps, e);
}

/* Refuse files anyone but root could have written, as sshd does. Only
 * enforced when running as root (the caller asks geteuid() once per load):
 * an unprivileged `check` may read anything it can open. */
static int check_owner(const struct stat *st, const char *path, const char *what, bool root,
		       struct error *e)
{
	if (!root)
		return 0;
	if (st->st_uid != 0)
		return err_cfg(e, path, 0, "refusing %s not owned by root (owner uid %u)", what,
			       (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && (st->st_mode & S_IWOTH) == 0)
			return 0;
		return err_cfg(e, path, 0, "refusing %s writable by group or others (mode %04o)", what,
			       (unsigned)(st->st_mode & 07777));
	}
	return 0;
}

static int parse_file(struct cfg *c, const char *path, bool root, struct error *e)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t off = 0;
	int r;

	/* A symlink would let whoever controls its target (and every directory
	 * on the way there) write the config; refuse it, as issue 9 asks. */
	/* O_NONBLOCK: a FIFO in the config dir must not hang us in open();
	 * it is refused below as not a regular file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return err_cfg(e, path, 0, "refusing a config file that is a symbolic link (copy the file instead)");
	if (fd < 0) {
		r = err_set(e, -errno, "opening %s", path);
		/* A config that is not there is a usage error (exit 2). */
		if (e && (r == -ENOENT || r == -ENOTDIR))
			e->kind = ERR_CONFIG;
		return r;
	}
	if (fstat(fd, &st) < 0)
		return err_set(e, -errno, "inspecting %s", path);
	if (!S_ISREG(st.st_mode))
		return err_cfg(e, path, 0, "not a regular file");
	if ((uint64_t)st.st_size > CFG_MAX_FILE_SIZE)
		return err_cfg(e, path, 0, "file too large (%lld bytes; the limit is %u)",
			       (long long)st.st_size, CFG_MAX_FILE_SIZE);
	r = check_owner(&st, path, "config file", root, e);
	if (r < 0)
		return r;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return err_set(e, -ENOMEM, "reading %s", path);
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, text + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, -errno, "reading %s", path);
		if (n == 0)
			break;
		off += (size_t)n;
	}
	return cfg_parse_text(c, text, off, path, e);
}

int cfg_parse_file(struct cfg *c, const char *path, struct error *e)
{
	return parse_file(c, path, geteuid() == 0, e);
}

const char *cfg_dir(const char *explicit_dir)
{
	const char *env;

	if (explicit_dir && *explicit_dir)
		return explicit_dir;
	env = getenv("NETNSCTL_CONFIG_DIR");
	return env && *env ? env : CFG_DEFAULT_DIR;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parse DIR/NAME.conf.d/ *.conf in lexical order; a missing dir is fine. */
static int parse_dropins(struct cfg *c, const char *dropin_dir, bool root, struct error *e)
{
	int dfd = open(dropin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d;
	struct stat st;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (dfd < 0 && errno == ENOENT)
		return 0;
	/* Like the config files themselves, the drop-in directory may not be
	 * a symbolic link (O_NOFOLLOW on a directory reports ELOOP or ENOTDIR). */
	if (dfd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return err_cfg(e, dropin_dir, 0, "refusing a drop-in directory that is a symbolic link or not a directory");
	if (dfd < 0)
		return err_set(e, -errno, "opening %s", dropin_dir);
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return err_set(e, r, "opening %s", dropin_dir);
	}
	/* Whoever can write the directory can swap its files. */
	if (fstat(dirfd(d), &st) < 0)
		r = err_set(e, -errno, "inspecting %s", dropin_dir);
	else
		r = check_owner(&st, dropin_dir, "drop-in directory", root, e);
	if (r < 0)
		goto out;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || !STREQ(de->d_name + len - 5, ".conf"))
			continue;
		char **slot = array_append(&names, &n, sizeof(*slot));
		if (!slot || !(*slot = strdup(de->d_name))) {
			r = err_set(e, -ENOMEM, "listing %s", dropin_dir);
			goto out;
		}
	}
	if (n > 1) /* names is NULL when the directory is empty */
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", dropin_dir, names[i]) >= (int)sizeof(path))
			r = err_set(e, -ENAMETOOLONG, "reading %s/%s", dropin_dir, names[i]);
		else
			r = parse_file(c, path, root, e);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

static int check_dir(const char *dir, bool root, struct error *e)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "inspecting %s", dir);
	return check_owner(&st, dir, "config directory", root, e);
}

static int invalid_name(const char *name, struct error *e)
{
	return err_cfg(e, NULL, 0,
		       "invalid namespace name '%.64s' (1-64 characters of A-Z a-z 0-9 _ . -, not '.' or '..')",
		       name);
}

static int no_config(const char *path, const char *name, struct error *e)
{
	int r = err_set(e, -ENOENT, "no configuration for '%s' (expected %s)", name, path);

	if (e)
		e->kind = ERR_CONFIG; /* a usage error: exit 2 */
	return r;
}

/* DIR/NAME.conf, known to exist, then its drop-ins unless the caller knows
 * there is no NAME.conf.d; then the checks that need the whole config. */
static int load_files(const char *dir, const char *name, bool root, bool dropins, struct cfg **ret,
		      struct error *e)
{
	_cleanup_cfg_ struct cfg *c = cfg_new();
	char path[PATH_MAX];
	int r;

	if (!c)
		return err_set(e, -ENOMEM, "loading %s", name);
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	r = parse_file(c, path, root, e);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s.conf.d", dir, name);
	r = dropins ? parse_dropins(c, path, root, e) : 0;
	if (r < 0)
		return r;
	if (c->name_loc.line && !STREQ(c->name, name))
		return err_cfg(e, c->name_loc.file, c->name_loc.line,
			       "Name=%s does not match the file name '%s' (rename the file or drop Name=)",
			       c->name, name);
	strscpy(c->name, sizeof(c->name), name);
	r = cfg_validate(c, e);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int cfg_load(const char *dir, const char *name, struct cfg **ret, struct error *e)
{
	bool root = geteuid() == 0;
	char path[PATH_MAX];
	int r;

	if (!ns_name_valid(name))
		return invalid_name(name, e);
	r = check_dir(dir, root, e);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return no_config(path, name, e);
	return load_files(dir, name, root, true, ret, e);
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cfg_dir_index_free(struct cfg_dir_index *x)
{
	free_names(x->confs, x->n_confs);
	free_names(x->dropins, x->n_dropins);
	free_names(x->probe, x->n_probe);
	memset(x, 0, sizeof(*x));
}

/* NAME if entry is NAME followed by suffix and NAME is a valid namespace
 * name; else NULL. */
static const char *entry_name(const char *entry, const char *suffix, char buf[NS_NAME_MAX + 1])
{
	size_t len = strlen(entry), sl = strlen(suffix);

	if (len <= sl || len - sl > NS_NAME_MAX || !STREQ(entry + len - sl, suffix))
		return NULL;
	memcpy(buf, entry, len - sl);
	buf[len - sl] = '\0';
	return ns_name_valid(buf) ? buf : NULL;
}

static int add_name(char ***v, size_t *n, const char *name)
{
	char **slot = array_append(v, n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	if (!(*slot = strdup(name))) {
		(*n)--;
		return -ENOMEM;
	}
	return 0;
}

/* qsort's base may not be NULL, which an empty list is. */
static void sort_names(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
}

int cfg_dir_index_read(struct cfg_dir_index *x, const char *dir, struct error *e)
{
	DIR *d;
	int r = 0;

	memset(x, 0, sizeof(*x));
	x->dir = dir;
	x->root = geteuid() == 0;
	x->dir_r = check_dir(dir, x->root, &x->dir_e);
	d = opendir(dir);
	for (struct dirent *de; d && r == 0 && (de = readdir(d));) {
		char buf[NS_NAME_MAX + 1];
		const char *name;

		if ((name = entry_name(de->d_name, ".conf", buf))) {
			r = add_name(&x->confs, &x->n_confs, name);
			if (r == 0 && de->d_type != DT_REG && de->d_type != DT_DIR)
				r = add_name(&x->probe, &x->n_probe, name);
		}
		else if ((name = entry_name(de->d_name, ".conf.d", buf)))
			r = add_name(&x->dropins, &x->n_dropins, name);
	}
	if (d)
		closedir(d);
	if (r < 0) {
		cfg_dir_index_free(x);
		return err_set(e, r, "listing %s", dir);
	}
	sort_names(x->confs, x->n_confs);
	sort_names(x->dropins, x->n_dropins);
	sort_names(x->probe, x->n_probe);
	return 0;
}

static bool in_sorted(char *const *v, size_t n, const char *name)
{
	return n && bsearch(&name, v, n, sizeof(*v), cmp_str);
}

bool cfg_dir_index_has(const struct cfg_dir_index *x, const char *name)
{
	char path[PATH_MAX];

	if (!in_sorted(x->confs, x->n_confs, name))
		return false;
	if (!in_sorted(x->probe, x->n_probe, name))
		return true;
	snprintf(path, sizeof(path), "%s/%s.conf", x->dir, name);
	return access(path, F_OK) == 0;
}

int cfg_load_indexed(const struct cfg_dir_index *x, const char *name, struct cfg **ret,
		     struct error *e)
{
	char path[PATH_MAX];

	if (!ns_name_valid(name))
		return invalid_name(name, e);
	if (x->dir_r < 0) {
		if (e)
			*e = x->dir_e;
		return x->dir_r;
	}
	if (!cfg_dir_index_has(x, name)) {
		snprintf(path, sizeof(path), "%s/%s.conf", x->dir, name);
		return no_config(path, name, e);
	}
	return load_files(x->dir, name, x->root, in_sorted(x->dropins, x->n_dropins, name), ret, e);
}

int cfg_load_path(const char *path, struct cfg **ret, struct error *e)
{
	_cleanup_cfg_ struct cfg *c = cfg_new();
	const char *base = strrchr(path, '/');
	char name[NS_NAME_MAX + 8];
	int r;

	if (!c)
		return err_set(e, -ENOMEM, "loading %s", path);
	r = cfg_parse_file(c, path, e);
	if (r < 0)
		return r;
	if (!c->name_loc.line) {
		strscpy(name, sizeof(name), base ? base + 1 : path);
		size_t n = strlen(name);
		if (n > 5 && STREQ(name + n - 5, ".conf"))
			name[n - 5] = '\0';
		if (!ns_name_valid(name))
			return err_cfg(e, path, 0, "file name does not give a valid namespace name; set [Namespace] Name=");
		strscpy(c->name, sizeof(c->name), name);
	}
	r = cfg_validate(c, e);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}
