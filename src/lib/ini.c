/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A reader for systemd-style INI text: [Section] headers, Key=Value lines,
 * '#'/';' comments and trailing-backslash continuations. It knows nothing of
 * the schema; it reports events to a handler. */
#include <ctype.h>
#include <stdio.h>

#include "config.h"

static bool utf8_valid(const char *s, size_t len, size_t *ret_bad)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char_len(s + i, len - i);
		if (n == 0) {
			*ret_bad = i;
			return false;
		}
		i += n;
	}
	return true;
}

static unsigned line_of_offset(const char *text, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

static char *strip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool is_comment(const char *s)
{
	return *s == '#' || *s == ';';
}

/* Handle one logical line (already joined and stripped). */
static int ini_line(char *l, const char *file, unsigned line, char **section, ini_handler handler,
		    void *data, struct error *e)
{
	char *eq;

	if (*l == '[') {
		size_t n = strlen(l);
		if (n < 3 || l[n - 1] != ']')
			return err_cfg(e, file, line, "invalid section header '%.64s' (expected [Name])", l);
		l[n - 1] = '\0';
		for (char *p = l + 1; *p; p++)
			if (!isalnum((unsigned char)*p))
				return err_cfg(e, file, line, "invalid section name '%.64s'", l + 1);
		*section = l + 1;
		return handler(data, *section, NULL, NULL, line, e);
	}
	eq = strchr(l, '=');
	if (!eq)
		return err_cfg(e, file, line, "expected Key=Value or [Section], got '%.64s'", l);
	*eq = '\0';
	char *key = strip(l), *value = strip(eq + 1);
	if (*key == '\0')
		return err_cfg(e, file, line, "missing key before '='");
	if (!*section)
		return err_cfg(e, file, line, "assignment '%.64s=' outside of any section", key);
	return handler(data, *section, key, value, line, e);
}

struct ini_state {
	const char *file;
	ini_handler handler;
	void *data;
	char *section; /* owned copy; the line buffer is reused */
};

/* Handle one joined logical line that started on `line`. */
static int ini_logical(struct ini_state *st, char *logical, unsigned line, struct error *e)
{
	char *l = strip(logical);
	char *sec = st->section;
	int r;

	if (*l == '\0' || is_comment(l))
		return 0;
	r = ini_line(l, st->file, line, &sec, st->handler, st->data, e);
	if (r < 0 || sec == st->section)
		return r;
	/* A new header: sec points into the line buffer, keep a copy. */
	free(st->section);
	st->section = strdup(sec);
	return st->section ? 0 : err_set(e, -ENOMEM, "allocating section name");
}

static bool is_comment_line(const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && isspace((unsigned char)p[k]))
		k++;
	return k < n && is_comment(p + k);
}

static int ini_check_text(const char *text, size_t len, const char *file, struct error *e)
{
	const char *nul = memchr(text, '\0', len);
	size_t bad;

	if (nul)
		return err_cfg(e, file, line_of_offset(text, (size_t)(nul - text)), "file contains a NUL byte");
	if (!utf8_valid(text, len, &bad))
		return err_cfg(e, file, line_of_offset(text, bad), "invalid UTF-8");
	return 0;
}

int ini_parse(const char *text, size_t len, const char *file, ini_handler handler, void *data,
	      struct error *e)
{
	_cleanup_free_ char *logical = NULL;
	struct ini_state st = { .file = file, .handler = handler, .data = data };
	size_t pos = 0, llen = 0;
	unsigned first_line = 0, lineno = 0;
	int r;

	if (len == 0)
		return 0;
	r = ini_check_text(text, len, file, e);
	if (r < 0)
		return r;
	logical = malloc(CFG_MAX_LINE + 1);
	if (!logical)
		return err_set(e, -ENOMEM, "allocating line buffer");

	while (pos < len && r == 0) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;

		pos += n + 1;
		lineno++;
		if (llen == 0)
			first_line = lineno;
		/* Inside a continuation, comment lines are skipped (as in systemd). */
		else if (is_comment_line(p, n))
			continue;
		if (n > CFG_MAX_LINE || llen + n > CFG_MAX_LINE) {
			r = err_cfg(e, file, first_line, "line too long (more than %u bytes)", CFG_MAX_LINE);
			break;
		}
		memcpy(logical + llen, p, n);
		llen += n;
		/* Trailing whitespace (and the CR of CRLF) may follow the backslash. */
		while (llen > 0 && isspace((unsigned char)logical[llen - 1]))
			llen--;
		logical[llen] = '\0';
		if (llen > 0 && logical[llen - 1] == '\\' && !is_comment(strip(logical))) {
			logical[llen - 1] = ' ';
			continue;
		}
		r = ini_logical(&st, logical, first_line, e);
		llen = 0;
	}
	/* The text ended inside a continuation. */
	if (r == 0 && llen > 0)
		r = ini_logical(&st, logical, first_line, e);
	free(st.section);
	return r;
}
