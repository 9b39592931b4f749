/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error record: context chaining, file:line, kernel text, hints, the
 * rendered line the CLI prints, and the exit status it maps to. */
#include <stdlib.h>

#include "error.h"
#include "tap.h"

static void test_chain(void)
{
	struct error e = { 0 };
	char buf[2048];
	int r;

	r = err_set(&e, -EEXIST, "creating veth '%s'", "ve-web");
	TAP_INT_EQ(r, -EEXIST, "err_set returns its code");
	TAP_INT_EQ(e.code, -EEXIST, "code is recorded");
	TAP_INT_EQ(e.kind, ERR_OP, "an operation error by default");
	TAP_STREQ(e.msg, "creating veth 've-web'", "first context");
	err_set(&e, -EEXIST, "bringing up '%s'", "web");
	TAP_STREQ(e.msg, "bringing up 'web': creating veth 've-web'", "outer context is prepended");
	TAP_STREQ(err_format(&e, buf, sizeof(buf)), "bringing up 'web': creating veth 've-web': File exists",
		  "formatted with strerror text");
	TAP_INT_EQ(err_exit_status(&e), 1, "an operation error exits 1");

	err_set(&e, -ENOENT, "outer");
	TAP_INT_EQ(e.code, -ENOENT, "a different code from an outer level replaces the inner one");
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), "No such file or directory", "and its text is shown");
}

static void test_location_kernel_hint(void)
{
	struct error e = { 0 };
	char buf[2048];

	err_set(&e, -EEXIST, "creating veth '%s'", "ve-web");
	err_at(&e, "web.conf", 12);
	strscpy(e.kernel, sizeof(e.kernel), "Device or resource busy here");
	e.hint = "see netnsctl.conf(5)";
	TAP_STREQ(err_format(&e, buf, sizeof(buf)),
		  "web.conf:12: creating veth 've-web': File exists (kernel: Device or resource busy here) "
		  "(see netnsctl.conf(5))",
		  "file:line, message, strerror, kernel text and hint in that order");
	err_at(&e, "other.conf", 3);
	TAP_STREQ(e.file, "web.conf", "err_at does not overwrite an existing location");
	TAP_INT_EQ(e.line, 12, "nor its line");

	err_reset(&e);
	err_set(&e, -EACCES, "opening %s", "x");
	err_at(&e, "only-file.conf", 0);
	TAP_STREQ(err_format(&e, buf, sizeof(buf)), "only-file.conf: opening x: Permission denied",
		  "a file without a line prints as 'file: '");

	err_reset(&e);
	TAP_INT_EQ(e.code, 0, "err_reset clears the code");
	TAP_STREQ(e.msg, "", "and the message");
	TAP_INT_EQ(err_exit_status(&e), 0, "no error exits 0");
	err_at(&e, NULL, 5);
	TAP_STREQ(e.file, "", "err_at with a NULL file records nothing");
}

static void test_cfg(void)
{
	struct error e = { 0 };
	char buf[2048];
	int r;

	r = err_cfg(&e, "web.conf", 7, "unknown key '%s' in [%s] (did you mean '%s'?)", "Adress", "Link",
		    "Address");
	TAP_INT_EQ(r, -EINVAL, "err_cfg returns -EINVAL");
	TAP_INT_EQ(e.kind, ERR_CONFIG, "a config error");
	TAP_STREQ(e.file, "web.conf", "file recorded");
	TAP_INT_EQ(e.line, 7, "line recorded");
	TAP_STREQ(err_format(&e, buf, sizeof(buf)),
		  "web.conf:7: unknown key 'Adress' in [Link] (did you mean 'Address'?)",
		  "a config error carries no strerror text");
	TAP_INT_EQ(err_exit_status(&e), 2, "a config error exits 2");

	err_set(&e, -EINVAL, "loading '%s'", "web");
	TAP_INT_EQ(err_exit_status(&e), 2, "wrapping with context keeps exit status 2");
	TAP_STREQ(err_format(&e, buf, sizeof(buf)),
		  "web.conf:7: loading 'web': unknown key 'Adress' in [Link] (did you mean 'Address'?)",
		  "context prepended, location kept");

	r = err_cfg(NULL, "x", 1, "ignored");
	TAP_INT_EQ(r, -EINVAL, "err_cfg accepts a NULL record");
	r = err_set(NULL, -EIO, "ignored");
	TAP_INT_EQ(r, -EIO, "err_set accepts a NULL record");
	err_at(NULL, "x", 1);
	err_reset(NULL);
	TAP_OK(true, "err_at and err_reset accept NULL");
}

static void test_truncation(void)
{
	struct error e = { 0 };
	char big[3000], small[32];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, -EIO, "%s", "inner");
	err_set(&e, -EIO, "%s", big);
	TAP_INT_EQ(strlen(e.msg), sizeof(e.msg) - 1, "an over-long chain is cut to the buffer");
	err_reset(&e);
	err_set(&e, -EIO, "%s", "inner");
	big[1020] = '\0';
	err_set(&e, -EIO, "%s", big);
	TAP_STREQ(e.msg + sizeof(e.msg) - 4, "...", "and ends with '...' to show the cut");

	err_reset(&e);
	err_cfg(&e, "f.conf", 1, "a rather long message that does not fit");
	err_format(&e, small, sizeof(small));
	TAP_INT_EQ(strlen(small), sizeof(small) - 1, "err_format never overflows its buffer");
	TAP_STREQ(small + sizeof(small) - 4, "...", "a cut formatted line ends with '...'");
}

int main(void)
{
	test_chain();
	test_location_kernel_hint();
	test_cfg();
	test_truncation();
	return tap_done();
}
