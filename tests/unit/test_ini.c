/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ini_parse on its own: a recording handler turns the events into one
 * string ("[Sec]@1 Sec.Key=Value@2 ...") that each case compares whole, so
 * a missed or extra event shows up in the diff. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "tap.h"

struct rec {
	char buf[8192];
	int fail_at_line; /* handler returns an error for this line, 0 = never */
};

static int record(void *data, const char *section, const char *key, const char *value,
		  unsigned line, struct error *e)
{
	struct rec *r = data;
	size_t n = strlen(r->buf);

	if (r->fail_at_line && (unsigned)r->fail_at_line == line)
		return err_cfg(e, "handler", line, "handler refused line %u", line);
	if (!key)
		snprintf(r->buf + n, sizeof(r->buf) - n, "%s[%s]@%u", n ? " " : "", section, line);
	else
		snprintf(r->buf + n, sizeof(r->buf) - n, "%s%s.%s=%s@%u", n ? " " : "", section, key,
			 value, line);
	return 0;
}

/* Parse text (of explicit length, so NULs can be embedded) and compare the
 * event string with expected. */
static void parses(const char *text, size_t len, const char *expected, const char *what)
{
	struct rec r = { 0 };
	struct error e = { 0 };
	int ret = ini_parse(text, len, "t.conf", record, &r, &e);

	if (!TAP_INT_EQ(ret, 0, "%s: parses", what))
		TAP_DIAG("error: %s (line %u)", e.msg, e.line);
	TAP_STREQ(r.buf, expected, "%s: events", what);
}
#define PARSES(text, expected, what) parses(text, sizeof(text) - 1, expected, what)

/* Parse text that must fail with a config error at file t.conf, the given
 * line, and a message containing msg. */
static void fails(const char *text, size_t len, unsigned line, const char *msg, const char *what)
{
	struct rec r = { 0 };
	struct error e = { 0 };
	int ret = ini_parse(text, len, "t.conf", record, &r, &e);

	TAP_INT_EQ(ret, -EINVAL, "%s: fails with -EINVAL", what);
	TAP_STREQ(e.file, "t.conf", "%s: error names the file", what);
	TAP_INT_EQ(e.line, line, "%s: error names line %u", what, line);
	TAP_LIKE(e.msg, msg, "%s: message", what);
	TAP_INT_EQ(err_exit_status(&e), 2, "%s: is a config error (exit 2)", what);
}
#define FAILS(text, line, msg, what) fails(text, sizeof(text) - 1, line, msg, what)

static void test_basic(void)
{
	PARSES("", "", "empty text");
	PARSES("\n\n   \n\t\n", "", "blank lines only");
	PARSES("[A]\nk=v\n", "[A]@1 A.k=v@2", "one section, one key");
	PARSES("[A]\nk=v", "[A]@1 A.k=v@2", "no newline at the end");
	PARSES("[A]\nk=\n", "[A]@1 A.k=@2", "empty value");
	PARSES("[A]\n  Key  =  some value  \n", "[A]@1 A.Key=some value@2",
	       "whitespace around key and value is stripped, inner kept");
	PARSES("[A]\nk=a=b\n", "[A]@1 A.k=a=b@2", "only the first '=' splits");
	PARSES("  [A]  \nk=v\n", "[A]@1 A.k=v@2", "whitespace around a header");
	PARSES("[A]\nx=1\n[B]\ny=2\n[A]\nz=3\n", "[A]@1 A.x=1@2 [B]@3 B.y=2@4 [A]@5 A.z=3@6",
	       "sections repeat and each header is reported");
	PARSES("[A]\n[A]\n", "[A]@1 [A]@2", "empty repeated sections");
	PARSES("[Link2]\n", "[Link2]@1", "digits in a section name");
}

static void test_comments(void)
{
	PARSES("# comment\n; other\n[A]\n#k=v\n  # indented\n;x=y\nk=v # not a comment\n",
	       "[A]@3 A.k=v # not a comment@7", "'#' and ';' comment lines; inline '#' is part of the value");
	PARSES("[A]\n# comment ending in a backslash \\\nk=v\n", "[A]@1 A.k=v@3",
	       "a comment ending in a backslash does not continue");
}

static void test_continuation(void)
{
	PARSES("[A]\nk=one \\\n  two \\\n three\nz=1\n", "[A]@1 A.k=one    two   three@2 A.z=1@5",
	       "backslash continues; the backslash becomes a space; location is the first line");
	PARSES("[A]\nk=one\\\n# comment inside\n; another\ntwo\n", "[A]@1 A.k=one two@2",
	       "comment lines inside a continuation are skipped");
	PARSES("[A]\nk=one\\\n", "[A]@1 A.k=one@2", "continuation at the end of the text");
	PARSES("[A]\nk=one\\", "[A]@1 A.k=one@2", "continuation at the end without newline");
	PARSES("[A]\nk=one\\\n# trailing comment\n", "[A]@1 A.k=one@2",
	       "continuation followed only by a comment at the end of the text");
	PARSES("[A]\nk=one\\\n# trailing comment", "[A]@1 A.k=one@2",
	       "continuation followed by a final comment without newline");
	PARSES("[A]\nk=one\\\n\nz=2\n", "[A]@1 A.k=one@2 A.z=2@4", "an empty line ends a continuation");
	PARSES("[A]\nk=one \\  \t\ntwo\n", "[A]@1 A.k=one  two@2",
	       "whitespace after the backslash still continues (as in systemd)");
	PARSES("[A]\nk\\\n=v\n", "[A]@1 A.k=v@2", "the key itself may be continued");
}

static void test_crlf(void)
{
	PARSES("[A]\r\nk=v\r\nx = y \r\n", "[A]@1 A.k=v@2 A.x=y@3", "CRLF line ends");
	PARSES("[A]\r\nk=one \\\r\ntwo\r\n", "[A]@1 A.k=one  two@2", "continuation with CRLF");
	PARSES("# c\r\n[A]\r\n", "[A]@2", "comment with CRLF");
}

static void test_errors(void)
{
	FAILS("k=v\n", 1, "outside of any section", "assignment before any section");
	FAILS("\n# c\n\nk=v\n[A]\n", 4, "outside of any section", "assignment before a section, line 4");
	FAILS("[A]\n[B\n", 2, "invalid section header", "header without ']'");
	FAILS("[A]\n[]\n", 2, "invalid section header", "empty header");
	FAILS("[A]\n[A] x\n", 2, "invalid section header", "text after a header");
	FAILS("[A]\n[A B]\n", 2, "invalid section name", "space inside a section name");
	FAILS("[A]\n[A.b]\n", 2, "invalid section name", "dot inside a section name");
	FAILS("[A]\nk=v\njust words\n", 3, "expected Key=Value", "line without '='");
	FAILS("[A]\n  =v\n", 2, "missing key", "empty key");
	FAILS("[A]\nabc\\\n\\\ndef\n", 2, "expected Key=Value",
	      "error inside a continuation names its first line");
	FAILS("[A]\nk=v\n\nx=1\0y\n", 4, "NUL byte", "NUL byte on line 4");
	FAILS("\0", 1, "NUL byte", "NUL byte at the very start");
	FAILS("[A]\nk=\xff\n", 2, "invalid UTF-8", "byte 0xff");
	FAILS("[A]\n\nk=\xc3\n", 3, "invalid UTF-8", "truncated two-byte sequence");
	FAILS("[A]\nk=\xc3", 2, "invalid UTF-8", "truncated sequence at the end of the text");
	FAILS("[A]\nk=\x80\n", 2, "invalid UTF-8", "lone continuation byte");
	FAILS("[A]\nk=\xc0\xaf\n", 2, "invalid UTF-8", "overlong '/' (2 bytes)");
	FAILS("[A]\nk=\xc1\xbf\n", 2, "invalid UTF-8", "overlong 2-byte");
	FAILS("[A]\nk=\xe0\x80\xaf\n", 2, "invalid UTF-8", "overlong '/' (3 bytes)");
	FAILS("[A]\nk=\xf0\x80\x80\xaf\n", 2, "invalid UTF-8", "overlong '/' (4 bytes)");
	FAILS("[A]\nk=\xed\xa0\x80\n", 2, "invalid UTF-8", "UTF-16 surrogate U+D800");
	FAILS("[A]\nk=\xed\xbf\xbf\n", 2, "invalid UTF-8", "UTF-16 surrogate U+DFFF");
	FAILS("[A]\nk=\xf4\x90\x80\x80\n", 2, "invalid UTF-8", "code point above U+10FFFF");
	FAILS("[A]\nk=\xf8\x88\x80\x80\x80\n", 2, "invalid UTF-8", "5-byte form");
	PARSES("[A]\nk=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\xf4\x8f\xbf\xbf\n",
	       "[A]@1 A.k=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\xf4\x8f\xbf\xbf@2",
	       "valid UTF-8 incl. U+D7FF and U+10FFFF passes through");
}

/* Build "[A]\n" + "k=" + filler up to a physical line of `n` bytes. */
static char *long_line_text(size_t n, size_t *ret_len)
{
	char *t = malloc(n + 16);
	size_t len;

	memcpy(t, "[A]\nk=", 6);
	memset(t + 6, 'x', n - 2);
	len = 6 + n - 2;
	t[len++] = '\n';
	t[len] = '\0';
	*ret_len = len;
	return t;
}

static void test_long_lines(void)
{
	size_t len;
	char *t;
	struct rec r = { 0 };
	struct error e = { 0 };
	int ret;

	t = long_line_text(CFG_MAX_LINE, &len);
	ret = ini_parse(t, len, "t.conf", record, &r, &e);
	TAP_INT_EQ(ret, 0, "a line of exactly CFG_MAX_LINE bytes is accepted");
	if (ret < 0)
		TAP_DIAG("error: %s", e.msg);
	free(t);

	t = long_line_text(CFG_MAX_LINE + 1, &len);
	fails(t, len, 2, "line too long", "a line of CFG_MAX_LINE+1 bytes");
	free(t);

	t = long_line_text(1u << 20, &len);
	fails(t, len, 2, "line too long", "a line of 1 MiB");
	free(t);

	/* Two halves that are fine alone but too long once joined. */
	size_t half = CFG_MAX_LINE / 2 + 10;
	t = malloc(2 * half + 32);
	len = 0;
	memcpy(t, "[A]\nk=", 6);
	len = 6;
	memset(t + len, 'a', half);
	len += half;
	memcpy(t + len, "\\\n", 2);
	len += 2;
	memset(t + len, 'b', half);
	len += half;
	t[len++] = '\n';
	fails(t, len, 2, "line too long", "a continuation longer than CFG_MAX_LINE");
	free(t);
}

static void test_handler_error(void)
{
	struct rec r = { .fail_at_line = 3 };
	struct error e = { 0 };
	const char text[] = "[A]\nk=v\nz=1\nlater=2\n";
	int ret = ini_parse(text, sizeof(text) - 1, "t.conf", record, &r, &e);

	TAP_INT_EQ(ret, -EINVAL, "a handler error stops parsing and is returned");
	TAP_STREQ(r.buf, "[A]@1 A.k=v@2", "no event after the failing one");
	TAP_INT_EQ(e.line, 3, "handler error keeps its line");
}

/* The section name handed to the handler must stay valid after the line
 * buffer is reused (it is copied); a long value after a short header would
 * overwrite it otherwise. */
static void test_section_survives(void)
{
	PARSES("[Namespace]\nDescription=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nName=y\n",
	       "[Namespace]@1 Namespace.Description=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@2 Namespace.Name=y@3",
	       "section name is stable across lines");
}

int main(void)
{
	test_basic();
	test_comments();
	test_continuation();
	test_crlf();
	test_errors();
	test_long_lines();
	test_handler_error();
	test_section_survives();
	return tap_done();
}
