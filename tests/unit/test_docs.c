/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The documentation must not drift from the code:
 *
 * - every key the parser accepts (cfg_known_keys()) is documented in
 *   man/netnsctl.conf.5.scd as "*Key=*" under its "# [Section] SECTION",
 *   with a default and an example, and every key documented there exists;
 * - every configuration example in netnsctl.conf(5) and netnsctl(8) parses
 *   and validates;
 * - every "(see netnsctl.conf(5), section [X])" hint in the sources names a
 *   section the page has;
 * - every command of the binary (its --help, printed from the commands[]
 *   table) is documented in man/netnsctl.8.scd as "*command*" under
 *   "# COMMANDS", with every option of its usage line and of `exec --help`,
 *   and nothing else is documented as a command;
 * - the bash completion offers exactly the commands, and exec's options.
 *
 * The sources are found from the current directory (tests/run.sh runs from
 * the top of the tree) or from the test binary's location; the binary is
 * BUILD/netnsctl next to BUILD/tests/test_docs. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/wait.h>

#include "config.h"
#include "tap.h"

static char root[PATH_MAX];
static char bindir[PATH_MAX + 8];

/* ---- helpers ---------------------------------------------------------------- */

static char *read_all_fd(int fd)
{
	size_t n = 0, size = 4096;
	char *buf = malloc(size);
	ssize_t r;

	while (buf && (r = read(fd, buf + n, size - n - 1)) > 0) {
		n += (size_t)r;
		if (size - n < 2) {
			char *bigger = realloc(buf, size *= 2);
			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
	}
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The contents of ROOT/rel, or NULL. */
static char *slurp(const char *rel)
{
	char path[PATH_MAX * 2];
	int fd;
	char *s;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	s = read_all_fd(fd);
	close(fd);
	return s;
}

/* stdout of argv[0..], run without a shell; NULL if it could not run. */
static char *run(char *const argv[])
{
	int p[2], status;
	pid_t pid;
	char *out;

	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	out = read_all_fd(p[0]);
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static bool find_root(const char *argv0)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(argv0, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
	/* BUILD/tests/test_docs: the binaries are one level up. */
	snprintf(bindir, sizeof(bindir), "%s/..", dir);
	if (access("man/netnsctl.conf.5.scd", F_OK) == 0 && getcwd(root, sizeof(root)))
		return true;
	/* BUILD/tests or BUILD/asan/tests: the tree is two or three up. */
	for (int up = 1; up <= 4; up++) {
		char probe[PATH_MAX + 64];
		size_t o = strlen(dir);
		if (o + 3 * (size_t)up + 1 > sizeof(root))
			break;
		memcpy(root, dir, o);
		for (int k = 0; k < up; k++, o += 3)
			memcpy(root + o, "/..", 3);
		root[o] = '\0';
		snprintf(probe, sizeof(probe), "%s/man/netnsctl.conf.5.scd", root);
		if (access(probe, F_OK) == 0)
			return true;
	}
	return false;
}

/* Iterate over the lines of text: *line points at each in turn (not
 * terminated; *len is its length). */
static bool next_line(const char **pos, const char **line, size_t *len)
{
	const char *end;

	if (!**pos)
		return false;
	*line = *pos;
	end = strchr(*pos, '\n');
	*len = end ? (size_t)(end - *pos) : strlen(*pos);
	*pos = end ? end + 1 : *pos + *len;
	return true;
}

static bool starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(line, prefix, n) == 0;
}

/* ---- netnsctl.conf(5) ------------------------------------------------------ */

struct doc_key {
	char name[96]; /* "Section.Key" */
	bool has_default, has_example;
};

/* "*Key=*..." under "# [Section] SECTION": the key definitions of the page,
 * with whether the paragraph up to the next definition or header gives a
 * default and an example. */
static size_t parse_conf_page(const char *text, struct doc_key *keys, size_t max, char sections[][32],
			      size_t *n_sections)
{
	const char *pos = text, *line;
	char section[32] = "";
	size_t len, n = 0;

	*n_sections = 0;
	while (next_line(&pos, &line, &len)) {
		if (starts(line, len, "# ")) {
			const char *close = memchr(line, ']', len);
			section[0] = '\0';
			if (starts(line, len, "# [") && close && strstr(line, "] SECTION") == close) {
				snprintf(section, sizeof(section), "%.*s", (int)(close - line - 3), line + 3);
				if (*n_sections < 32)
					snprintf(sections[(*n_sections)++], 32, "%s", section);
			}
			continue;
		}
		if (section[0] && starts(line, len, "*") && len > 2) {
			const char *eq = memchr(line + 1, '=', len - 1);
			/* "*Key=*_VALUE_", "*Key=*" alone, or "*Key=*|*x*": not
			 * prose that starts with a key name. */
			size_t rest = eq ? len - (size_t)(eq - line) - 2 : 0;
			if (eq && eq[1] == '*' && (rest == 0 || strchr("_|*", eq[2])) && n < max) {
				memset(&keys[n], 0, sizeof(keys[n]));
				snprintf(keys[n].name, sizeof(keys[n].name), "%s.%.*s", section,
					 (int)(eq - line - 1), line + 1);
				n++;
				continue;
			}
		}
		if (n > 0 && section[0] && starts(line, len, "\tDefault:"))
			keys[n - 1].has_default = true;
		if (n > 0 && section[0] && len >= 8 && memmem(line, len, "Example:", 8))
			keys[n - 1].has_example = true;
		/* "Example:" may end a line and its value start the next one. */
	}
	return n;
}

static void test_conf_keys(void)
{
	_cleanup_free_ char *text = slurp("man/netnsctl.conf.5.scd");
	const char *const *known = cfg_known_keys();
	struct doc_key doc[256];
	char sections[32][32];
	size_t n_doc, n_sections, n_known = 0;

	if (!TAP_OK(text != NULL, "man/netnsctl.conf.5.scd is readable (from %s)", root))
		return;
	n_doc = parse_conf_page(text, doc, ELEMENTSOF(doc), sections, &n_sections);
	for (; known[n_known]; n_known++) {
		const struct doc_key *d = NULL;
		for (size_t i = 0; i < n_doc && !d; i++)
			if (STREQ(doc[i].name, known[n_known]))
				d = &doc[i];
		if (!TAP_OK(d != NULL, "%s is documented in netnsctl.conf(5)", known[n_known]))
			continue;
		TAP_OK(d->has_default && d->has_example, "%s: the page gives its default and an example",
		       known[n_known]);
	}
	TAP_OK(n_known > 30, "the parser knows %zu keys", n_known);
	for (size_t i = 0; i < n_doc; i++) {
		bool found = false;
		for (size_t k = 0; known[k] && !found; k++)
			found = STREQ(doc[i].name, known[k]);
		TAP_OK(found, "netnsctl.conf(5) documents %s, which the parser accepts", doc[i].name);
	}
	/* Every section of the parser has its own part of the page. */
	for (size_t k = 0; known[k]; k++) {
		char sec[32];
		bool found = false;
		snprintf(sec, sizeof(sec), "%.*s", (int)(strchr(known[k], '.') - known[k]), known[k]);
		if (k > 0 && strncmp(known[k - 1], sec, strlen(sec)) == 0 && known[k - 1][strlen(sec)] == '.')
			continue;
		for (size_t i = 0; i < n_sections && !found; i++)
			found = STREQ(sections[i], sec);
		TAP_OK(found, "netnsctl.conf(5) has a '# [%s] SECTION'", sec);
	}
}

/* ---- examples -------------------------------------------------------------- */

/* Every ``` block of page that starts with a section header is a config
 * and must parse and validate. */
static void test_examples(const char *page)
{
	_cleanup_free_ char *text = slurp(page);
	const char *pos, *line;
	size_t len, count = 0;

	if (!TAP_OK(text != NULL, "%s is readable", page))
		return;
	pos = text;
	while (next_line(&pos, &line, &len)) {
		char block[8192];
		size_t o = 0;

		if (!starts(line, len, "```"))
			continue;
		while (next_line(&pos, &line, &len) && !starts(line, len, "```"))
			if (o + len + 2 < sizeof(block)) {
				memcpy(block + o, line, len);
				o += len;
				block[o++] = '\n';
			}
		block[o] = '\0';
		if (block[0] != '[')
			continue;
		struct cfg *c = cfg_new();
		struct error e = { 0 };
		char where[64], msg[2048];
		snprintf(where, sizeof(where), "%s example %zu", page, ++count);
		strscpy(c->name, sizeof(c->name), "example");
		int r = cfg_parse_text(c, block, o, where, &e);
		if (r == 0)
			r = cfg_validate(c, &e);
		if (!TAP_OK(r == 0, "%s validates", where))
			TAP_DIAG("%s", err_format(&e, msg, sizeof(msg)));
		cfg_free(c);
	}
	TAP_OK(count > 0, "%s has configuration examples (%zu)", page, count);
}

/* ---- hints ------------------------------------------------------------------- */

static void test_hints(void)
{
	static const char *const dirs[] = { "src/lib", "src/cli", "src/generator" };
	static const char needle[] = "see netnsctl.conf(5), section [";
	_cleanup_free_ char *page = slurp("man/netnsctl.conf.5.scd");
	size_t count = 0;

	for (size_t d = 0; d < ELEMENTSOF(dirs); d++) {
		char path[PATH_MAX * 2];
		snprintf(path, sizeof(path), "%s/%s", root, dirs[d]);
		DIR *dir = opendir(path);
		for (struct dirent *de; dir && (de = readdir(dir));) {
			char rel[PATH_MAX];
			size_t n = strlen(de->d_name);
			if (n < 3 || !STREQ(de->d_name + n - 2, ".c"))
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
			_cleanup_free_ char *src = slurp(rel);
			for (const char *p = src ? strstr(src, needle) : NULL; p; p = strstr(p + 1, needle)) {
				char header[64];
				const char *sec = p + sizeof(needle) - 1, *close = strchr(sec, ']');
				if (!close || close - sec > 30)
					continue;
				snprintf(header, sizeof(header), "# [%.*s] SECTION", (int)(close - sec), sec);
				TAP_OK(page && strstr(page, header), "%s: the hint's section [%.*s] is in netnsctl.conf(5)",
				       rel, (int)(close - sec), sec);
				count++;
			}
		}
		if (dir)
			closedir(dir);
	}
	TAP_OK(count > 0, "the sources give %zu hints pointing into netnsctl.conf(5)", count);
}

/* ---- netnsctl(8) and the completion ----------------------------------------- */

/* The "*cmd*" definitions under "# COMMANDS" of the page. */
static bool page_defines_command(const char *page, const char *cmd)
{
	const char *pos = page, *line;
	size_t len;
	bool in = false;
	char want[64];

	snprintf(want, sizeof(want), "*%s*", cmd);
	while (next_line(&pos, &line, &len)) {
		if (starts(line, len, "# "))
			in = starts(line, len, "# COMMANDS");
		else if (in && starts(line, len, want) && (len == strlen(want) || line[strlen(want)] == ' '))
			return true;
	}
	return false;
}

/* Every --option in text appears in the page as "*--option*". */
static void options_documented(const char *text, const char *page, const char *what)
{
	for (const char *p = strstr(text, "--"); p; p = strstr(p + 2, "--")) {
		char opt[64], want[72];
		size_t n = 2;
		while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '-') && n < sizeof(opt) - 1)
			n++;
		if (n == 2 || (p > text && !strchr(" [|,\t", p[-1])))
			continue;
		snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
		snprintf(want, sizeof(want), "*%s*", opt);
		TAP_OK(strstr(page, want) != NULL, "netnsctl(8) documents %s of %s", opt, what);
	}
}

static void test_commands(void)
{
	char bin[sizeof(bindir) + 16];
	_cleanup_free_ char *page = slurp("man/netnsctl.8.scd");
	_cleanup_free_ char *comp = slurp("completion/netnsctl.bash");
	_cleanup_free_ char *help = NULL, *exec_help = NULL;
	const char *pos, *line;
	char comp_cmds[512] = "";
	size_t len, n_cmds = 0;
	bool in = false;

	snprintf(bin, sizeof(bin), "%s/netnsctl", bindir);
	help = run((char *const[]){ bin, "--help", NULL });
	exec_help = run((char *const[]){ bin, "exec", "--help", NULL });
	if (!TAP_OK(page && help && exec_help, "netnsctl(8) is readable and %s --help runs", bin))
		return;
	if (TAP_OK(comp != NULL, "completion/netnsctl.bash is readable")) {
		const char *c = strstr(comp, "_netnsctl_commands=\"");
		if (c)
			snprintf(comp_cmds, sizeof(comp_cmds), " %.*s ", (int)strcspn(c + 20, "\""), c + 20);
	}
	pos = help;
	while (next_line(&pos, &line, &len)) {
		char cmd[32], want[40];
		if (starts(line, len, "Commands:")) {
			in = true;
			continue;
		}
		if (!in || len == 0)
			in = in && len > 0;
		if (!in || len < 3)
			continue;
		/* "  name    ARGS    help" */
		snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(line + 2, " "), line + 2);
		n_cmds++;
		TAP_OK(page_defines_command(page, cmd), "netnsctl(8) documents the command '%s'", cmd);
		snprintf(want, sizeof(want), " %s ", cmd);
		TAP_OK(strstr(comp_cmds, want) != NULL, "the bash completion offers '%s'", cmd);
		char usage[512];
		snprintf(usage, sizeof(usage), "%.*s", (int)len, line);
		options_documented(usage, page, cmd);
	}
	TAP_OK(n_cmds >= 10, "--help lists %zu commands", n_cmds);
	options_documented(exec_help, page, "exec");
	for (const char *p = strstr(exec_help, "--"); comp && p; p = strstr(p + 2, "--")) {
		char opt[64];
		size_t n = strcspn(p, " \t\n,=:)");
		if (n <= 2 || (p > exec_help && p[-1] != ' ' && p[-1] != ','))
			continue;
		snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
		TAP_OK(strstr(comp, opt) != NULL, "the bash completion offers %s of exec", opt);
	}
	/* The other way round: nothing documented as a command is gone. */
	in = false;
	pos = page;
	while (next_line(&pos, &line, &len)) {
		char cmd[32], want[40];
		if (starts(line, len, "# "))
			in = starts(line, len, "# COMMANDS");
		if (!in || !starts(line, len, "*") || len < 3)
			continue;
		snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(line + 1, "*"), line + 1);
		snprintf(want, sizeof(want), "\n  %s ", cmd);
		TAP_OK(strstr(help, want) != NULL, "netnsctl(8) documents '%s', which is a command", cmd);
	}

	for (char *w = comp_cmds; *w;) {
		char cmd[32], want[40];
		size_t n;
		w += strspn(w, " ");
		n = strcspn(w, " ");
		if (!n)
			break;
		snprintf(cmd, sizeof(cmd), "%.*s", (int)n, w);
		snprintf(want, sizeof(want), "\n  %s ", cmd);
		TAP_OK(strstr(help, want) != NULL, "the completion's command '%s' exists", cmd);
		w += n;
	}
}

int main(int argc _unused_, char **argv)
{
	if (!TAP_OK(find_root(argv[0]), "found the source tree (man/netnsctl.conf.5.scd)"))
		return tap_done();
	test_conf_keys();
	test_examples("man/netnsctl.conf.5.scd");
	test_examples("man/netnsctl.8.scd");
	test_hints();
	test_commands();
	return tap_done();
}
