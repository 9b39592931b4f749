/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json.h"

/* Output goes through stdio's _unlocked calls: the lock taken by every
 * fputc/fwrite was a fifth of `status --json`'s user time. The writers
 * (status, ps, verify) own their stream while a document is written; no
 * other thread writes it. */

void json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct json *j)
{
	if (!j->pretty)
		return;
	putc_unlocked('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs_unlocked("  ", j->f);
}

/* Comma and indentation before a value (or key). */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		putc_unlocked(',', j->f);
	j->first[j->depth] = false;
	if (j->depth > 0)
		indent(j);
}

static void open_container(struct json *j, char c)
{
	before_value(j);
	putc_unlocked(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	putc_unlocked(c, j->f);
}

void json_object_begin(struct json *j) { open_container(j, '{'); }
void json_object_end(struct json *j) { close_container(j, '}'); }
void json_array_begin(struct json *j) { open_container(j, '['); }
void json_array_end(struct json *j) { close_container(j, ']'); }

static void put_ascii(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':
		fputs_unlocked("\\\"", f);
		break;
	case '\\':
		fputs_unlocked("\\\\", f);
		break;
	case '\n':
		fputs_unlocked("\\n", f);
		break;
	case '\r':
		fputs_unlocked("\\r", f);
		break;
	case '\t':
		fputs_unlocked("\\t", f);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			putc_unlocked(c, f);
	}
}

/* Strings from the kernel (interface aliases) may hold any bytes; a byte
 * that does not start a well-formed UTF-8 character is written as U+FFFD so
 * the document stays valid JSON. Characters go out one by one with the
 * putc_unlocked macro (a store into stdio's buffer): most strings are a few
 * bytes long, and a call per string (fwrite) or per character (fputc) was
 * the largest user-space cost of `status --json`. */
static void put_string(FILE *f, const char *s)
{
	size_t len = strlen(s);

	putc_unlocked('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			putc_unlocked(c, f);
			i++;
			continue;
		}
		n = utf8_char_len(s + i, len - i);
		if (n == 0) {
			fputs_unlocked("\\ufffd", f);
			n = 1;
		} else if (n == 1) {
			put_ascii(f, c);
		} else {
			fwrite_unlocked(s + i, 1, n, f);
		}
		i += n;
	}
	putc_unlocked('"', f);
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	put_string(j->f, key);
	putc_unlocked(':', j->f);
	if (j->pretty)
		putc_unlocked(' ', j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	before_value(j);
	put_string(j->f, s ? s : "");
}

/* Decimal digits by hand: fprintf's format parsing cost more than the
 * rest of writing a number. */
static void put_decimal(FILE *f, uint64_t v, bool negative)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (negative)
		*--p = '-';
	for (; p < buf + sizeof(buf); p++)
		putc_unlocked(*p, f);
}

void json_int(struct json *j, int64_t v)
{
	before_value(j);
	/* -(v + 1) + 1 is defined for INT64_MIN too. */
	put_decimal(j->f, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, v < 0);
}

void json_uint(struct json *j, uint64_t v)
{
	before_value(j);
	put_decimal(j->f, v, false);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs_unlocked(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs_unlocked("null", j->f);
}

void json_finish(struct json *j)
{
	putc_unlocked('\n', j->f);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
