/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CNI plugin mode (CNI spec 1.0.0): the network config JSON a container
 * runtime passes on stdin becomes a struct cfg, and the result JSON is
 * rendered from that cfg and the live namespace.
 *
 * There is one schema and one validation: the JSON is rendered into the
 * INI text netnsctl reads from /etc/netnsctl (one "[Link]" per element of
 * `links`, one "Key=value" line per JSON value) and parsed with
 * cfg_parse_text() and cfg_validate(). A side table remembers the JSON path
 * of every rendered line, so that an error found at "cni:7" is reported as
 * `links[0].address[1]: ...`. */
#pragma once

#include "config.h"
#include "jsonl.h"

/* CNI_COMMAND values. */
enum cni_cmd {
	CNI_ADD,
	CNI_DEL,
	CNI_CHECK,
	CNI_VERSION,
	CNI_STATUS,
	CNI_GC,
	_CNI_CMD_MAX,
};

/* Error codes of the spec ("well-known error codes"), and ours from 100. */
enum {
	CNI_ERR_VERSION = 1,  /* incompatible CNI version */
	CNI_ERR_FIELD = 2,    /* unsupported field in network configuration */
	CNI_ERR_UNKNOWN = 3,  /* container unknown or does not exist */
	CNI_ERR_ENV = 4,      /* invalid necessary environment variables */
	CNI_ERR_IO = 5,       /* I/O failure */
	CNI_ERR_DECODE = 6,   /* failed to decode content */
	CNI_ERR_CONFIG = 7,   /* invalid network configuration */
	CNI_ERR_AGAIN = 11,   /* try again later */
	CNI_ERR_APPLY = 100,  /* netnsctl: the kernel refused a step; all undone */
	CNI_ERR_CHECK = 101,  /* netnsctl: CHECK found the namespace differs */
};

/* The file name rendered configs are parsed under: locations in this
 * file are lines of the rendered text, mapped back to JSON paths. */
#define CNI_FILE "cni"

#define CNI_MAX_CONFIG (4u << 20)

struct cni_error {
	int code;          /* 0: no error */
	char msg[1100];
	char details[1100];
};

/* Set code and message; returns -EINVAL so callers can `return cni_fail(...)`. */
int cni_fail(struct cni_error *ce, int code, const char *fmt, ...) _printf_(3, 4);

/* The environment the runtime sets. Strings point into environ. */
struct cni_env {
	enum cni_cmd cmd;
	const char *command;
	const char *containerid;
	const char *netns;
	const char *ifname;
	const char *args; /* CNI_ARGS, "K=V;K=V" */
	const char *path;
};

/* Read CNI_* variables and check that the command has what it needs. */
int cni_env_read(struct cni_env *env, struct cni_error *ce);

/* Static addresses and MAC requested by the runtime (CNI_ARGS IP= and MAC=,
 * runtimeConfig "ips" and "mac"). */
struct cni_static {
	char ips[8][64];
	char ip_src[8][40]; /* where each came from, for error paths */
	size_t n_ips;
	char mac[24];
	char mac_src[40];
};

/* Parse CNI_ARGS into st; unknown keys are an error unless IgnoreUnknown=1. */
int cni_args_parse(const char *args, struct cni_static *st, struct cni_error *ce);

struct cni_conf {
	json_t *root;        /* the network config as received */
	const char *version; /* cniVersion, points into root */
	const char *network; /* "name" */
	char state_name[NS_NAME_MAX + 1];
	struct cfg *cfg;     /* validated; NULL until cni_conf_build */
	char *ini;           /* the rendered INI text */
	char **paths;        /* JSON path of line i+1 of ini */
	size_t n_paths;
};

/* Parse and check the envelope (cniVersion, name, type) of a network config.
 * Does not look at the netnsctl keys. */
int cni_conf_load(const char *buf, size_t len, struct cni_conf **ret, struct cni_error *ce);

/* Render the netnsctl keys of conf->root into INI text with its path table
 * (exposed for tests). */
int cni_conf_render(struct cni_conf *conf, const struct cni_env *env, const struct cni_static *st,
		    struct cni_error *ce);

/* Render, parse and validate into conf->cfg, named after the attachment
 * with netns_path = CNI_NETNS. */
int cni_conf_build(struct cni_conf *conf, const struct cni_env *env, struct cni_error *ce);

void cni_conf_free(struct cni_conf *conf);
static inline void cni_conf_freep(struct cni_conf **c) { cni_conf_free(*c); }
#define _cleanup_cni_conf_ _cleanup_(cni_conf_freep)

/* Turn an engine error into a CNI error: config errors at "cni:LINE" are
 * prefixed with the JSON path of that line; code is chosen from the kind. */
void cni_error_from(struct cni_error *ce, const struct cni_conf *conf, const struct error *e,
		    int op_code);

/* The JSON path recorded for line (1-based) of the rendered text, or NULL. */
const char *cni_conf_path(const struct cni_conf *conf, unsigned line);

/* State record name for one attachment: "cni-CONTAINERID-IFNAME", with
 * characters outside [A-Za-z0-9_.-] replaced, shortened with a hash when it
 * would be longer than 64 characters or when something was replaced. */
void cni_state_name(const char *containerid, const char *ifname, char out[NS_NAME_MAX + 1]);

bool cni_version_supported(const char *v);

/* Rendered JSON documents (malloc'd, newline-terminated). */
char *cni_version_json(const char *requested);
char *cni_error_json(const char *version, const struct cni_error *ce);

/* The ADD result: conf's prevResult (if any) with our interfaces, ips,
 * routes and dns added, read back from the live namespace. */
int cni_result(const struct cni_conf *conf, const struct cni_env *env, char **ret, struct error *e);

/* CHECK: the live namespace still has every link, address and route of
 * conf, and every interface prevResult puts in the sandbox. */
int cni_check(const struct cni_conf *conf, const struct cni_env *env, struct error *e);

/* Attachment records, STATE_DIR/cni/NAME: which network, container and
 * interface a state record belongs to, for GC. */
int cni_attach_save(const struct cni_conf *conf, const struct cni_env *env, struct error *e);
int cni_attach_remove(const char *state_name, struct error *e);
/* Take down every attachment of conf->network that is not listed in
 * "cni.dev/valid-attachments". */
int cni_gc(const struct cni_conf *conf, struct error *e);
