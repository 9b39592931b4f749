/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON writer. Exact output is compared for the compact form; every
 * document is also handed to Python's json module (a real parser, strict
 * UTF-8 decoding) which prints back what it decoded. */
#include <stdlib.h>
#include <sys/wait.h>

#include "json.h"
#include "tap.h"

/* Run python3 on the document: it must parse, and the script prints
 * json.dumps(doc, sort_keys=True) with ASCII escapes, which we return. */
static char *python_roundtrip(const char *doc, int *ret_status)
{
	char path[] = "/tmp/netnsctl-json-XXXXXX";
	char cmd[256], *out = calloc(1, 65536);
	int fd = mkstemp(path);
	FILE *p;
	size_t n;

	if (fd < 0 || write(fd, doc, strlen(doc)) != (ssize_t)strlen(doc)) {
		*ret_status = -1;
		return out;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; "
		 "print(json.dumps(json.load(open(sys.argv[1], encoding=\"utf-8\")), sort_keys=True))' %s 2>&1",
		 path);
	p = popen(cmd, "r");
	n = fread(out, 1, 65535, p);
	out[n] = '\0';
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	*ret_status = pclose(p);
	unlink(path);
	return out;
}

/* Build a document with fn into memory. */
static char *render(void (*fn)(struct json *j), bool pretty)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json j;

	json_init(&j, f, pretty);
	fn(&j);
	json_finish(&j);
	fclose(f);
	return buf;
}

static void check_doc(void (*fn)(struct json *j), const char *compact, const char *decoded,
		      const char *what)
{
	for (int pretty = 0; pretty <= 1; pretty++) {
		char *doc = render(fn, pretty);
		int status;
		char *back = python_roundtrip(doc, &status);

		if (!pretty && compact) {
			size_t n = strlen(doc);
			if (n && doc[n - 1] == '\n')
				doc[n - 1] = '\0';
			TAP_STREQ(doc, compact, "%s: compact output", what);
		}
		if (!TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s (%s): python parses it", what,
			    pretty ? "pretty" : "compact"))
			TAP_DIAG("document: %s\n# python: %s", doc, back);
		else
			TAP_STREQ(back, decoded, "%s (%s): python decodes the same values", what,
				  pretty ? "pretty" : "compact");
		free(back);
		free(doc);
	}
}

static void doc_nesting(struct json *j)
{
	json_object_begin(j);
	json_kv_int(j, "a", 1);
	json_key(j, "b");
	json_array_begin(j);
	json_int(j, 1);
	json_int(j, -2);
	json_object_begin(j);
	json_kv_bool(j, "c", true);
	json_key(j, "d");
	json_null(j);
	json_object_end(j);
	json_array_end(j);
	json_key(j, "e");
	json_object_begin(j);
	json_object_end(j);
	json_key(j, "f");
	json_array_begin(j);
	json_array_end(j);
	json_key(j, "g");
	json_array_begin(j);
	json_array_begin(j);
	json_array_end(j);
	json_object_begin(j);
	json_object_end(j);
	json_array_end(j);
	json_kv_string(j, "h", "x");
	json_kv_bool(j, "i", false);
	json_object_end(j);
}

static void doc_escapes(struct json *j)
{
	json_object_begin(j);
	json_kv_string(j, "quote", "say \"hi\"");
	json_kv_string(j, "backslash", "C:\\dir\\");
	json_kv_string(j, "controls", "a\nb\rc\td\x01" "e\x1f" "f\x7f" "g\bh\fi");
	json_kv_string(j, "slash", "a/b");
	json_kv_string(j, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_kv_string(j, "key \"with\" \\ and \n", "v");
	json_kv_string(j, "null", NULL);
	json_kv_string(j, "empty", "");
	json_object_end(j);
}

/* Bytes that are not UTF-8 (an interface alias can hold anything). */
static void doc_invalid_utf8(struct json *j)
{
	json_array_begin(j);
	json_string(j, "a\xff" "b");
	json_string(j, "\xc3");
	json_string(j, "\xed\xa0\x80");
	json_string(j, "\xc0\xaf");
	json_string(j, "ok\xc3\xa9");
	json_array_end(j);
}

static void doc_numbers(struct json *j)
{
	json_array_begin(j);
	json_int(j, INT64_MIN);
	json_int(j, INT64_MAX);
	json_uint(j, UINT64_MAX);
	json_uint(j, 0);
	json_array_end(j);
}

static void doc_list_of_objects(struct json *j)
{
	json_array_begin(j);
	for (int i = 0; i < 3; i++) {
		json_object_begin(j);
		json_kv_int(j, "i", i);
		json_key(j, "addrs");
		json_array_begin(j);
		for (int k = 0; k < i; k++)
			json_string(j, "x");
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
}

static void doc_deep(struct json *j)
{
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
		json_array_begin(j);
	json_int(j, 1);
	json_int(j, 2);
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
		json_array_end(j);
}

static void doc_empty_object(struct json *j)
{
	json_object_begin(j);
	json_object_end(j);
}

int main(void)
{
	char deep[256] = "", deep_back[256] = "";

	check_doc(doc_nesting, "{\"a\":1,\"b\":[1,-2,{\"c\":true,\"d\":null}],\"e\":{},\"f\":[],\"g\":[[],{}],\"h\":\"x\",\"i\":false}",
		  "{\"a\": 1, \"b\": [1, -2, {\"c\": true, \"d\": null}], \"e\": {}, \"f\": [], \"g\": [[], {}], \"h\": \"x\", \"i\": false}",
		  "nesting and commas");
	check_doc(doc_escapes, NULL,
		  "{\"backslash\": \"C:\\\\dir\\\\\", \"controls\": \"a\\nb\\rc\\td\\u0001e\\u001ff\\u007fg\\bh\\fi\", "
		  "\"empty\": \"\", \"key \\\"with\\\" \\\\ and \\n\": \"v\", \"null\": \"\", "
		  "\"quote\": \"say \\\"hi\\\"\", \"slash\": \"a/b\", \"utf8\": \"caf\\u00e9 \\u20ac \\ud83d\\ude00\"}",
		  "escaping of quotes, backslashes, control characters");
	check_doc(doc_invalid_utf8, "[\"a\\ufffdb\",\"\\ufffd\",\"\\ufffd\\ufffd\\ufffd\",\"\\ufffd\\ufffd\",\"ok\xc3\xa9\"]",
		  "[\"a\\ufffdb\", \"\\ufffd\", \"\\ufffd\\ufffd\\ufffd\", \"\\ufffd\\ufffd\", \"ok\\u00e9\"]",
		  "invalid UTF-8 becomes U+FFFD");
	check_doc(doc_numbers, "[-9223372036854775808,9223372036854775807,18446744073709551615,0]",
		  "[-9223372036854775808, 9223372036854775807, 18446744073709551615, 0]", "integer limits");
	check_doc(doc_list_of_objects, "[{\"i\":0,\"addrs\":[]},{\"i\":1,\"addrs\":[\"x\"]},{\"i\":2,\"addrs\":[\"x\",\"x\"]}]",
		  "[{\"addrs\": [], \"i\": 0}, {\"addrs\": [\"x\"], \"i\": 1}, {\"addrs\": [\"x\", \"x\"], \"i\": 2}]",
		  "array of objects");
	check_doc(doc_empty_object, "{}", "{}", "empty object");

	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++) {
		strcat(deep, "[");
		strcat(deep_back, "[");
	}
	strcat(deep, "1,2");
	strcat(deep_back, "1, 2");
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++) {
		strcat(deep, "]");
		strcat(deep_back, "]");
	}
	check_doc(doc_deep, deep, deep_back, "nesting to JSON_MAX_DEPTH-1");
	return tap_done();
}
