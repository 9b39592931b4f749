/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CNI plugin mode, the input side: environment, CNI_ARGS, the network config
 * envelope, and the JSON -> INI rendering that feeds the one config parser.
 * The result, CHECK and GC are in cni_result.c. */
#include "cni.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#define PATH_LEN 256

static const char *const cni_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
static const char *const cmd_names[_CNI_CMD_MAX] = {
	[CNI_ADD] = "ADD",         [CNI_DEL] = "DEL",       [CNI_CHECK] = "CHECK",
	[CNI_VERSION] = "VERSION", [CNI_STATUS] = "STATUS", [CNI_GC] = "GC",
};

/* Top-level keys that belong to the CNI envelope, not to netnsctl. */
static const char *const envelope_keys[] = {
	"cniVersion", "cniVersions", "name", "type", "capabilities", "runtimeConfig", "prevResult",
	"args", "disableCheck", "disableGC", "cni.dev/valid-attachments",
};

/* JSON sections: the key, the INI section it becomes, whether it is an array
 * of objects (one INI section each) or a single object. */
static const struct {
	const char *json, *ini;
	bool array;
} sections[] = {
	{ "links", "Link", true },
	{ "routes", "Route", true },
	{ "dns", "DNS", false },
	{ "firewall", "Firewall", false },
};

/* Sections that belong to the section before them in INI: in JSON they
 * nest, e.g. the peers of a WireGuard link are links[i].peers[j]. */
static const struct {
	const char *parent, *json, *ini;
} nested[] = {
	{ "Link", "peers", "WireGuardPeer" },
};

/* INI keys that may repeat: in JSON, an array (or a single value). */
static const char *const list_keys[] = {
	"Namespace.Sysctl", "Link.Address", "Link.Gateway",   "Link.HostAddress",
	"DNS.Nameserver",   "DNS.Search",   "Firewall.Allow", "WireGuardPeer.AllowedIPs",
};

int cni_fail(struct cni_error *ce, int code, const char *fmt, ...)
{
	va_list ap;

	if (ce->code)
		return -EINVAL; /* the first error is the one to report */
	ce->code = code;
	va_start(ap, fmt);
	vsnprintf(ce->msg, sizeof(ce->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool cni_version_supported(const char *v)
{
	for (size_t i = 0; v && i < ELEMENTSOF(cni_versions); i++)
		if (STREQ(v, cni_versions[i]))
			return true;
	return false;
}

/* The spec: alphanumeric first, then alphanumerics, '_', '.' or '-'. */
static bool containerid_valid(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static const char *env_str(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int cni_env_read(struct cni_env *env, struct cni_error *ce)
{
	int c;

	memset(env, 0, sizeof(*env));
	env->command = env_str("CNI_COMMAND");
	env->containerid = env_str("CNI_CONTAINERID");
	env->netns = env_str("CNI_NETNS");
	env->ifname = env_str("CNI_IFNAME");
	env->args = env_str("CNI_ARGS");
	env->path = env_str("CNI_PATH");
	if (!env->command)
		return cni_fail(ce, CNI_ERR_ENV, "CNI_COMMAND is not set (netnsctl-cni is run by a container runtime as a CNI plugin)");
	for (c = 0; c < _CNI_CMD_MAX && !STREQ(env->command, cmd_names[c]);)
		c++;
	if (c == _CNI_CMD_MAX)
		return cni_fail(ce, CNI_ERR_ENV, "unknown CNI_COMMAND '%.32s' (expected ADD, DEL, CHECK, VERSION, STATUS or GC)",
				env->command);
	env->cmd = (enum cni_cmd)c;
	if (c != CNI_ADD && c != CNI_DEL && c != CNI_CHECK)
		return 0;
	if (!env->containerid || !containerid_valid(env->containerid))
		return cni_fail(ce, CNI_ERR_ENV, "CNI_CONTAINERID is %s", env->containerid ? "not a valid container ID" : "not set");
	if (!env->ifname || !ifname_valid(env->ifname))
		return cni_fail(ce, CNI_ERR_ENV, "CNI_IFNAME is %s", env->ifname ? "not a valid interface name" : "not set");
	/* DEL must work after the runtime lost the namespace. */
	if (c != CNI_DEL && !env->netns)
		return cni_fail(ce, CNI_ERR_ENV, "CNI_NETNS is not set");
	if (env->netns && env->netns[0] != '/')
		return cni_fail(ce, CNI_ERR_ENV, "CNI_NETNS '%.200s' is not an absolute path", env->netns);
	return 0;
}

static int static_ip_add(struct cni_static *st, const char *ip, const char *src, struct cni_error *ce)
{
	if (st->n_ips >= ELEMENTSOF(st->ips))
		return cni_fail(ce, CNI_ERR_CONFIG, "%s: too many static addresses (at most %zu)", src, ELEMENTSOF(st->ips));
	if (!strscpy(st->ips[st->n_ips], sizeof(st->ips[0]), ip))
		return cni_fail(ce, CNI_ERR_CONFIG, "%s: invalid address '%.64s'", src, ip);
	strscpy(st->ip_src[st->n_ips], sizeof(st->ip_src[0]), src);
	st->n_ips++;
	return 0;
}

/* "IgnoreUnknown=1;IP=10.88.0.5;MAC=02:..;K8S_POD_NAME=web" */
int cni_args_parse(const char *args, struct cni_static *st, struct cni_error *ce)
{
	_cleanup_free_ char *copy = args ? strdup(args) : NULL;
	char unknown[64] = "", *save = NULL;
	bool ignore = false;
	int r = 0;

	if (!args || !*args)
		return 0;
	if (!copy)
		return cni_fail(ce, CNI_ERR_IO, "out of memory");
	for (char *kv = strtok_r(copy, ";", &save); kv && r == 0; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '='), *s2 = NULL;
		if (!eq)
			return cni_fail(ce, CNI_ERR_ENV, "CNI_ARGS: '%.64s' is not KEY=VALUE", kv);
		*eq = '\0';
		if (STREQ(kv, "IgnoreUnknown"))
			ignore = STREQ(eq + 1, "1") || strcasecmp(eq + 1, "true") == 0;
		else if (STREQ(kv, "IP"))
			for (char *w = strtok_r(eq + 1, ",", &s2); w && r == 0; w = strtok_r(NULL, ",", &s2))
				r = static_ip_add(st, w, "CNI_ARGS IP", ce);
		else if (STREQ(kv, "MAC")) {
			if (!strscpy(st->mac, sizeof(st->mac), eq + 1))
				return cni_fail(ce, CNI_ERR_CONFIG, "CNI_ARGS MAC: invalid MAC address");
			strscpy(st->mac_src, sizeof(st->mac_src), "CNI_ARGS MAC");
		} else if (!unknown[0])
			strscpy(unknown, sizeof(unknown), kv);
	}
	if (r == 0 && unknown[0] && !ignore)
		r = cni_fail(ce, CNI_ERR_ENV, "CNI_ARGS: unknown key '%s' (netnsctl knows IP and MAC; IgnoreUnknown=1 ignores the rest)",
			     unknown);
	return r;
}

/* runtimeConfig "ips" and "mac", sent for the capabilities of the same name. */
static int runtime_config(const struct jsonl *J, json_t *root, struct cni_static *st, struct cni_error *ce)
{
	json_t *rc = J->object_get(root, "runtimeConfig"), *ips, *mac;
	char path[64];
	int r = 0;

	if (!json_is_object(rc))
		return 0;
	ips = J->object_get(rc, "ips");
	for (size_t i = 0; json_is_array(ips) && r == 0 && i < J->array_size(ips); i++) {
		json_t *v = J->array_get(ips, i);
		snprintf(path, sizeof(path), "runtimeConfig.ips[%zu]", i);
		if (!json_is_string(v))
			return cni_fail(ce, CNI_ERR_CONFIG, "%s: expected a string", path);
		r = static_ip_add(st, J->string_value(v), path, ce);
	}
	mac = J->object_get(rc, "mac");
	if (r == 0 && mac) {
		if (!json_is_string(mac) || !strscpy(st->mac, sizeof(st->mac), J->string_value(mac)))
			return cni_fail(ce, CNI_ERR_CONFIG, "runtimeConfig.mac: expected a MAC address string");
		strscpy(st->mac_src, sizeof(st->mac_src), "runtimeConfig.mac");
	}
	return r;
}

/* ---- the envelope ------------------------------------------------------- */

static int envelope_string(const struct jsonl *J, json_t *root, const char *key, const char **ret,
			   struct cni_error *ce)
{
	json_t *v = J->object_get(root, key);

	if (!v)
		return cni_fail(ce, CNI_ERR_CONFIG, "%s: missing", key);
	if (!json_is_string(v) || !*J->string_value(v))
		return cni_fail(ce, CNI_ERR_CONFIG, "%s: expected a non-empty string", key);
	*ret = J->string_value(v);
	return 0;
}

int cni_conf_load(const char *buf, size_t len, struct cni_conf **ret, struct cni_error *ce)
{
	const struct jsonl *J = jsonl_get();
	_cleanup_cni_conf_ struct cni_conf *conf = NULL;
	const char *type;
	json_error_t je;

	if (!J)
		return cni_fail(ce, CNI_ERR_IO, "cannot load libjansson.so.4 (install libjansson4)");
	conf = calloc(1, sizeof(*conf));
	if (!conf)
		return cni_fail(ce, CNI_ERR_IO, "out of memory");
	conf->root = J->loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!conf->root)
		return cni_fail(ce, CNI_ERR_DECODE, "network config: line %d, column %d: %s", je.line, je.column, je.text);
	if (!json_is_object(conf->root))
		return cni_fail(ce, CNI_ERR_DECODE, "network config: expected a JSON object");
	if (envelope_string(J, conf->root, "cniVersion", &conf->version, ce) < 0)
		return -EINVAL;
	if (!cni_version_supported(conf->version))
		return cni_fail(ce, CNI_ERR_VERSION, "cniVersion: '%.32s' is not supported (netnsctl supports 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0)",
				conf->version);
	if (envelope_string(J, conf->root, "name", &conf->network, ce) < 0 ||
	    envelope_string(J, conf->root, "type", &type, ce) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(conf);
	return 0;
}

void cni_conf_free(struct cni_conf *conf)
{
	if (!conf)
		return;
	jl_decref(conf->root);
	cfg_free(conf->cfg);
	free(conf->ini);
	for (size_t i = 0; i < conf->n_paths; i++)
		free(conf->paths[i]);
	free(conf->paths);
	free(conf);
}

const char *cni_conf_path(const struct cni_conf *conf, unsigned line)
{
	return conf && line >= 1 && line <= conf->n_paths ? conf->paths[line - 1] : NULL;
}

/* ---- JSON -> INI -------------------------------------------------------- */

struct render {
	const struct jsonl *J;
	FILE *f;
	char **paths;
	size_t n_paths;
	struct cni_error *ce;
};

/* What the first link gets from the runtime: its name (CNI_IFNAME) and the
 * static addresses and MAC. prefix[] holds the prefix length of the first
 * configured address each static address replaced (-1: none). */
struct first_link {
	const char *ifname;
	const struct cni_static *st;
	int prefix4, prefix6;
};

/* One line of INI text, remembered with the JSON path it came from. */
static int emit(struct render *rd, const char *path, const char *fmt, ...) _printf_(3, 4);
static int emit(struct render *rd, const char *path, const char *fmt, ...)
{
	char **slot = array_append(&rd->paths, &rd->n_paths, sizeof(*slot));
	va_list ap;

	if (!slot || !(*slot = strdup(path)))
		return cni_fail(rd->ce, CNI_ERR_IO, "out of memory");
	va_start(ap, fmt);
	vfprintf(rd->f, fmt, ap);
	va_end(ap);
	fputc('\n', rd->f);
	return 0;
}

/* The INI key of section sec that the JSON key k names. The documented
 * spelling is the INI name with the first letter lower-cased
 * (hostAddress, mTU); matching ignores case, so mtu, ipv6 and macAddress
 * work as well. dns.nameservers is accepted as the CNI spelling. */
static const char *ini_key(const char *sec, const char *k)
{
	size_t n = strlen(sec);

	if (STREQ(sec, "DNS") && STREQ(k, "nameservers"))
		k = "Nameserver";
	for (const char *const *p = cfg_known_keys(); *p; p++)
		if (strncmp(*p, sec, n) == 0 && (*p)[n] == '.' && strcasecmp(*p + n + 1, k) == 0)
			return *p + n + 1;
	return NULL;
}

static bool is_list(const char *sec, const char *key)
{
	char full[64];

	snprintf(full, sizeof(full), "%s.%s", sec, key);
	for (size_t i = 0; i < ELEMENTSOF(list_keys); i++)
		if (STREQ(full, list_keys[i]))
			return true;
	return false;
}

/* The JSON spelling of an INI key: the leading capitals lower-cased, except
 * the last of three or more followed by a lower-case letter, which starts
 * the next word: HostAddress -> hostAddress, MTU -> mtu, IPv6 -> ipv6,
 * MACAddress -> macAddress, DNSLeakGuard -> dnsLeakGuard. Input is matched
 * without regard to case, so this is also the "first letter
 * lower-cased" (mTU) spelling. */
static void json_name(const char *key, size_t len, char *out, size_t size)
{
	size_t run = 0;

	snprintf(out, size, "%.*s", (int)len, key);
	while (run < len && isupper((unsigned char)key[run]))
		run++;
	if (run >= 3 && run < len && islower((unsigned char)key[run]))
		run--;
	for (size_t i = 0; i < run && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

/* An unknown key: code 2 (unsupported field), with the nearest known key. */
static int unknown_key(struct render *rd, const char *sec, const char *k, const char *path)
{
	char best[48] = "", low[48], cand[48];
	unsigned best_d = 3;
	size_t n = strlen(sec);

	json_name(k, strlen(k), low, sizeof(low));
	for (const char *const *p = cfg_known_keys(); *p; p++) {
		if (strncmp(*p, sec, n) != 0 || (*p)[n] != '.' || STREQ(*p, "Namespace.Name"))
			continue;
		json_name(*p + n + 1, strlen(*p + n + 1), cand, sizeof(cand));
		unsigned d = str_distance(low, cand);
		if (d < best_d) {
			best_d = d;
			strscpy(best, sizeof(best), cand);
		}
	}
	if (best[0])
		return cni_fail(rd->ce, CNI_ERR_FIELD, "%s: unknown key (did you mean '%s'?)", path, best);
	return cni_fail(rd->ce, CNI_ERR_FIELD, "%s: unknown key", path);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_REAL:
		return "a fraction";
	default:
		return "this type";
	}
}

/* A JSON scalar as the INI value text; *ret = NULL for null (key unset).
 * Anything that could change the meaning of the INI text (line breaks,
 * a trailing backslash, which continues a line) is refused. */
static int scalar_text(struct render *rd, const char *path, const json_t *v, char *buf, size_t size,
		       const char **ret)
{
	const char *s;

	*ret = NULL;
	if (json_is_null(v))
		return 0;
	if (json_is_true(v) || json_is_false(v)) {
		*ret = json_is_true(v) ? "yes" : "no";
		return 0;
	}
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)rd->J->integer_value(v));
		*ret = buf;
		return 0;
	}
	if (!json_is_string(v))
		return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: expected a string, a number or a boolean, not %s", path,
				type_name(v));
	s = rd->J->string_value(v);
	if (!*s)
		return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: empty string (leave the key out instead)", path);
	if (strlen(s) > 4096)
		return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: value too long (at most 4096 bytes)", path);
	for (const char *p = s; *p; p++)
		if (iscntrl((unsigned char)*p))
			return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: control characters are not allowed", path);
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n > 0 && s[n - 1] == '\\')
		return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: a value must not end in a backslash", path);
	*ret = s;
	return 0;
}

static int render_scalar(struct render *rd, const char *path, const char *key, const json_t *v)
{
	char buf[32];
	const char *text;
	int r = scalar_text(rd, path, v, buf, sizeof(buf), &text);

	if (r < 0 || !text)
		return r;
	return emit(rd, path, "%s=%s", key, text);
}

/* A configured address the runtime's static address of the same family
 * replaces: skipped, and its prefix length kept for the static one. */
static bool replaced_by_static(struct first_link *fl, const json_t *v, const struct jsonl *J)
{
	struct cfg_addr a, s;
	bool fam4 = false, fam6 = false;

	if (!fl || !fl->st || !json_is_string(v) || cfg_addr_parse(J->string_value(v), true, &a) < 0)
		return false;
	for (size_t i = 0; i < fl->st->n_ips; i++)
		if (cfg_addr_parse(fl->st->ips[i], false, &s) == 0 || cfg_addr_parse(fl->st->ips[i], true, &s) == 0) {
			fam4 |= s.family == AF_INET;
			fam6 |= s.family == AF_INET6;
		}
	if (!(a.family == AF_INET ? fam4 : fam6))
		return false;
	int *prefix = a.family == AF_INET ? &fl->prefix4 : &fl->prefix6;
	if (*prefix < 0)
		*prefix = a.prefixlen;
	return true;
}

/* A value; for list keys an array becomes one line per element. */
static int render_value(struct render *rd, const char *path, const char *sec, const char *key,
			const json_t *v, struct first_link *fl)
{
	char ep[PATH_LEN];
	bool addresses = fl && STREQ(key, "Address");

	if (!json_is_array(v) || !is_list(sec, key)) {
		if (addresses && replaced_by_static(fl, v, rd->J))
			return 0;
		return render_scalar(rd, path, key, v);
	}
	for (size_t i = 0; i < rd->J->array_size(v); i++) {
		const json_t *el = rd->J->array_get(v, i);
		int r;
		snprintf(ep, sizeof(ep), "%s[%zu]", path, i);
		if (json_is_array(el) || json_is_object(el))
			return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: expected a string, not %s", ep, type_name(el));
		if (addresses && replaced_by_static(fl, el, rd->J))
			continue;
		r = render_scalar(rd, ep, key, el);
		if (r < 0)
			return r;
	}
	return 0;
}

/* After the first link's own keys: the runtime's name, MAC and addresses,
 * which win over the config (the last assignment of a scalar wins). */
static int render_first_link_extras(struct render *rd, struct first_link *fl, bool has_name)
{
	const struct cni_static *st = fl->st;
	int r = 0;

	if (!has_name && fl->ifname)
		r = emit(rd, "CNI_IFNAME", "Name=%s", fl->ifname);
	if (r == 0 && st->mac[0])
		r = emit(rd, st->mac_src, "MACAddress=%s", st->mac);
	for (size_t i = 0; r == 0 && i < st->n_ips; i++) {
		struct cfg_addr a;
		if (strchr(st->ips[i], '/') || cfg_addr_parse(st->ips[i], false, &a) < 0) {
			r = emit(rd, st->ip_src[i], "Address=%s", st->ips[i]);
			continue;
		}
		int plen = a.family == AF_INET ? fl->prefix4 : fl->prefix6;
		if (plen < 0)
			plen = a.family == AF_INET ? 32 : 128;
		r = emit(rd, st->ip_src[i], "Address=%s/%d", st->ips[i], plen);
	}
	return r;
}

static int render_section(struct render *rd, const char *sec, json_t *obj, const char *path,
			  struct first_link *fl);

static int nested_index(const char *sec, const char *k)
{
	for (size_t i = 0; i < ELEMENTSOF(nested); i++)
		if (STREQ(sec, nested[i].parent) && STREQ(k, nested[i].json))
			return (int)i;
	return -1;
}

/* The nested sections of one object, after its own keys. */
static int render_nested(struct render *rd, json_t *const subs[], const char *path)
{
	char sp[PATH_LEN];
	int r = 0;

	for (size_t n = 0; n < ELEMENTSOF(nested) && r == 0; n++) {
		if (!subs[n] || json_is_null(subs[n]))
			continue;
		if (!json_is_array(subs[n]))
			return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s.%s: expected an array of objects", path, nested[n].json);
		for (size_t i = 0; i < rd->J->array_size(subs[n]) && r == 0; i++) {
			snprintf(sp, sizeof(sp), "%s.%s[%zu]", path, nested[n].json, i);
			r = render_section(rd, nested[n].ini, rd->J->array_get(subs[n], i), sp, NULL);
		}
	}
	return r;
}

/* One JSON object as one INI section (and its nested sections). */
static int render_section(struct render *rd, const char *sec, json_t *obj, const char *path,
			  struct first_link *fl)
{
	const struct jsonl *J = rd->J;
	json_t *subs[ELEMENTSOF(nested)] = { 0 };
	const char *seen[64];
	size_t n_seen = 0;
	bool has_name = false;
	char kp[PATH_LEN];
	int r;

	if (!json_is_object(obj))
		return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: expected an object, not %s", path, type_name(obj));
	r = emit(rd, path, "[%s]", sec);
	for (void *it = J->object_iter(obj); it && r == 0; it = J->object_iter_next(obj, it)) {
		const char *k = J->object_iter_key(it), *ik = ini_key(sec, k);
		int sub = nested_index(sec, k);
		snprintf(kp, sizeof(kp), "%s.%s", path, k);
		if (sub >= 0) {
			subs[sub] = J->object_iter_value(it);
			continue;
		}
		if (!ik)
			return unknown_key(rd, sec, k, kp);
		for (size_t i = 0; i < n_seen; i++)
			if (seen[i] == ik)
				return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: the same key as an earlier one in %s (keys ignore case)",
						kp, path);
		if (n_seen < ELEMENTSOF(seen))
			seen[n_seen++] = ik;
		has_name |= STREQ(ik, "Name");
		r = render_value(rd, kp, sec, ik, J->object_iter_value(it), fl);
	}
	if (r == 0 && fl)
		r = render_first_link_extras(rd, fl, has_name);
	return r == 0 ? render_nested(rd, subs, path) : r;
}

static bool is_envelope(const char *k)
{
	for (size_t i = 0; i < ELEMENTSOF(envelope_keys); i++)
		if (STREQ(k, envelope_keys[i]))
			return true;
	return false;
}

static int section_index(const char *k)
{
	for (size_t i = 0; i < ELEMENTSOF(sections); i++)
		if (STREQ(k, sections[i].json))
			return (int)i;
	return -1;
}

/* Top-level keys that are neither envelope nor sections are [Namespace]
 * keys (ipv6, loopback, sysctl, description). */
static int render_namespace(struct render *rd, json_t *root)
{
	const struct jsonl *J = rd->J;
	int r = emit(rd, "", "[Namespace]");

	for (void *it = J->object_iter(root); it && r == 0; it = J->object_iter_next(root, it)) {
		const char *k = J->object_iter_key(it), *ik;
		if (is_envelope(k) || section_index(k) >= 0)
			continue;
		if (STREQ(k, "ipam"))
			return cni_fail(rd->ce, CNI_ERR_FIELD,
					"ipam: netnsctl does not call IPAM plugins; give addresses in links[].address");
		if (STREQ(k, "publish") || STREQ(k, "join") || STREQ(k, "service"))
			return cni_fail(rd->ce, CNI_ERR_FIELD, "%s: not available in CNI mode (%s)", k,
					STREQ(k, "publish") ? "use the portmap plugin" : "the runtime runs the container");
		ik = ini_key("Namespace", k);
		if (!ik || STREQ(ik, "Name"))
			return unknown_key(rd, "Namespace", k, k);
		r = render_value(rd, k, "Namespace", ik, J->object_iter_value(it), NULL);
	}
	return r;
}

static int render_sections(struct render *rd, json_t *root, struct first_link *fl)
{
	const struct jsonl *J = rd->J;
	char path[PATH_LEN];
	int r = 0;

	for (size_t s = 0; s < ELEMENTSOF(sections) && r == 0; s++) {
		json_t *v = J->object_get(root, sections[s].json);
		if (!v || json_is_null(v))
			continue;
		if (!sections[s].array) {
			r = render_section(rd, sections[s].ini, v, sections[s].json, NULL);
			continue;
		}
		if (!json_is_array(v))
			return cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: expected an array of objects", sections[s].json);
		for (size_t i = 0; i < J->array_size(v) && r == 0; i++) {
			snprintf(path, sizeof(path), "%s[%zu]", sections[s].json, i);
			r = render_section(rd, sections[s].ini, J->array_get(v, i), path,
					   s == 0 && i == 0 ? fl : NULL);
		}
	}
	return r;
}

static int render_all(struct render *rd, json_t *root, struct first_link *fl)
{
	json_t *links = rd->J->object_get(root, "links");
	int r = render_namespace(rd, root);

	if (r == 0)
		r = render_sections(rd, root, fl);
	if (r == 0 && fl->st->n_ips + !!fl->st->mac[0] > 0 &&
	    (!json_is_array(links) || rd->J->array_size(links) == 0))
		r = cni_fail(rd->ce, CNI_ERR_CONFIG, "%s: a static %s needs a link to put it on (links is empty)",
			     fl->st->n_ips ? fl->st->ip_src[0] : fl->st->mac_src, fl->st->n_ips ? "address" : "MAC");
	return r;
}

int cni_conf_render(struct cni_conf *conf, const struct cni_env *env, const struct cni_static *st,
		    struct cni_error *ce)
{
	static const struct cni_static none;
	struct render rd = { .J = jsonl_get(), .ce = ce };
	struct first_link fl = { .ifname = env ? env->ifname : NULL, .st = st ? st : &none,
				 .prefix4 = -1, .prefix6 = -1 };
	size_t size = 0;
	int r;

	if (!rd.J)
		return cni_fail(ce, CNI_ERR_IO, "cannot load libjansson.so.4 (install libjansson4)");
	rd.f = open_memstream(&conf->ini, &size);
	if (!rd.f)
		return cni_fail(ce, CNI_ERR_IO, "out of memory");
	r = render_all(&rd, conf->root, &fl);
	if (fclose(rd.f) != 0 && r == 0)
		r = cni_fail(ce, CNI_ERR_IO, "out of memory");
	conf->paths = rd.paths;
	conf->n_paths = rd.n_paths;
	return r;
}

/* ---- building the cfg --------------------------------------------------- */

void cni_state_name(const char *containerid, const char *ifname, char out[NS_NAME_MAX + 1])
{
	char raw[600];
	bool changed = false;
	size_t n;

	snprintf(raw, sizeof(raw), "cni-%s-%s", containerid, ifname);
	for (char *p = raw; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p)) {
			*p = '_';
			changed = true;
		}
	n = strlen(raw);
	if (n <= NS_NAME_MAX && !changed) {
		strscpy(out, NS_NAME_MAX + 1, raw);
		return;
	}
	/* "cni-" + as much of the ID as fits + "-" + ifname + "-" + 8 hex
	 * digits of the hash of both, unsanitised: readable and unique. */
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", containerid, ifname);
	int keep = NS_NAME_MAX - 4 - 1 - (int)strlen(ifname) - 1 - 8;
	if (keep > (int)strlen(containerid))
		keep = (int)strlen(containerid);
	snprintf(out, NS_NAME_MAX + 1, "cni-%.*s-%s-%08x", keep, raw + 4, raw + n - strlen(ifname),
		 str_hash(key));
}

int cni_conf_build(struct cni_conf *conf, const struct cni_env *env, struct cni_error *ce)
{
	const struct jsonl *J = jsonl_get();
	_cleanup_cfg_ struct cfg *c = cfg_new();
	struct cni_static st = { 0 };
	struct error e = { 0 };

	if (!c)
		return cni_fail(ce, CNI_ERR_IO, "out of memory");
	if (cni_args_parse(env->args, &st, ce) < 0 || runtime_config(J, conf->root, &st, ce) < 0 ||
	    cni_conf_render(conf, env, &st, ce) < 0)
		return -EINVAL;
	cni_state_name(env->containerid, env->ifname, conf->state_name);
	strscpy(c->name, sizeof(c->name), conf->state_name);
	c->netns_path = strdup(env->netns);
	if (!c->netns_path)
		return cni_fail(ce, CNI_ERR_IO, "out of memory");
	if (cfg_parse_text(c, conf->ini, strlen(conf->ini), CNI_FILE, &e) < 0 || cfg_validate(c, &e) < 0) {
		cni_error_from(ce, conf, &e, CNI_ERR_CONFIG);
		return -EINVAL;
	}
	/* The runtime writes the container's resolv.conf from the result's
	 * dns; no /etc/netns files for an attachment. */
	c->dns_loc = (struct cfg_loc){ 0 };
	conf->cfg = TAKE_PTR(c);
	return 0;
}

/* "Kind=physical needs Device=" -> "kind=physical needs device=": messages
 * of the INI validator, in the JSON spelling of the keys. A word is a key
 * when it is one and is followed by '=' or by " '" (invalid Address '...'). */
static void json_key_names(char *msg)
{
	for (char *p = msg; *p; p++) {
		if (!isupper((unsigned char)*p) || (p > msg && isalnum((unsigned char)p[-1])))
			continue;
		size_t n = 0;
		while (isalnum((unsigned char)p[n]))
			n++;
		if (p[n] != '=' && strncmp(p + n, " '", 2) != 0)
			continue;
		for (const char *const *k = cfg_known_keys(); *k; k++) {
			const char *dot = strchr(*k, '.');
			char name[48];
			if (strlen(dot + 1) != n || strncmp(dot + 1, p, n) != 0)
				continue;
			json_name(p, n, name, sizeof(name));
			memcpy(p, name, n);
			break;
		}
		p += n - 1;
	}
}

void cni_error_from(struct cni_error *ce, const struct cni_conf *conf, const struct error *e, int op_code)
{
	struct error copy = *e;
	bool ours = STREQ(e->file, CNI_FILE);
	const char *path = ours ? cni_conf_path(conf, e->line) : NULL;

	if (ours) {
		strscpy(copy.file, sizeof(copy.file), path ? path : "");
		copy.line = 0;
		json_key_names(copy.msg);
	}
	if (ce->code)
		return;
	ce->code = e->kind == ERR_CONFIG ? CNI_ERR_CONFIG : e->code == -EBUSY ? CNI_ERR_AGAIN : op_code;
	err_format(&copy, ce->msg, sizeof(ce->msg));
}
