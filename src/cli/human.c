/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "human.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct cell {
	char *text;
	enum tcolor color;
};

struct table {
	size_t n_cols;
	const char *const *headers;
	struct cell *cells;
	size_t n_cells;
	unsigned long right; /* bit per right-aligned column */
	bool oom;
};

struct table *table_new(const char *const *headers, size_t n)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t) {
		t->n_cols = n;
		t->headers = headers;
	}
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
}

void table_align_right(struct table *t, size_t col)
{
	if (col < sizeof(t->right) * 8)
		t->right |= 1ul << col;
}

void table_add(struct table *t, const char *text, enum tcolor c)
{
	struct cell *slot;
	char *copy = strdup(text ? text : "");

	if (!copy || !(slot = array_append(&t->cells, &t->n_cells, sizeof(*slot)))) {
		free(copy);
		t->oom = true;
		return;
	}
	slot->text = copy;
	slot->color = c;
}

void table_addf(struct table *t, enum tcolor c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	table_add(t, buf, c);
}

size_t table_rows(const struct table *t)
{
	return t->n_cols ? (t->n_cells + t->n_cols - 1) / t->n_cols : 0;
}

/* Terminal columns a UTF-8 string takes, counting one per character:
 * config values are UTF-8, and wide characters are rare enough here. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static const char *const escapes[] = {
	[TC_NONE] = "", [TC_GREEN] = "\033[32m", [TC_YELLOW] = "\033[33m",
	[TC_RED] = "\033[31m", [TC_DIM] = "\033[2m", [TC_BOLD] = "\033[1m",
};

const char *color_on(enum tcolor c, bool color)
{
	return color && (unsigned)c < ELEMENTSOF(escapes) ? escapes[c] : "";
}

const char *color_off(enum tcolor c, bool color)
{
	return color && c != TC_NONE ? "\033[0m" : "";
}

static void put_blanks(FILE *f, size_t n)
{
	while (n--)
		putc(' ', f);
}

static void print_cell(const struct table *t, FILE *f, size_t col, const char *text, enum tcolor c,
		       size_t width, bool last, bool color)
{
	size_t pad = width - text_width(text);
	bool right = col < sizeof(t->right) * 8 && (t->right & (1ul << col));

	/* fputs and putc, not fprintf: `list` prints five cells for each of
	 * possibly 1000 namespaces, and format parsing was most of that. */
	if (right)
		put_blanks(f, pad);
	fputs(color_on(c, color), f);
	fputs(text, f);
	fputs(color_off(c, color), f);
	/* No trailing blanks: the last column, or an empty rest of the row,
	 * is not padded. */
	if (!right && !last)
		put_blanks(f, pad);
}

int table_print(const struct table *t, FILE *f, const char *indent, bool color)
{
	size_t widths[16] = { 0 }, rows = table_rows(t);

	if (t->oom || t->n_cols > ELEMENTSOF(widths))
		return -ENOMEM;
	for (size_t c = 0; c < t->n_cols && t->headers; c++)
		widths[c] = text_width(t->headers[c]);
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t w = text_width(t->cells[i].text);
		if (w > widths[i % t->n_cols])
			widths[i % t->n_cols] = w;
	}
	for (size_t r = (t->headers ? 0 : 1); r <= rows; r++) {
		size_t last = t->n_cols - 1;
		/* the last non-empty cell ends the line */
		while (r > 0 && last > 0 && ((r - 1) * t->n_cols + last >= t->n_cells ||
					     !t->cells[(r - 1) * t->n_cols + last].text[0]))
			last--;
		fputs(indent, f);
		for (size_t c = 0; c <= last; c++) {
			if (c)
				fputs("  ", f);
			if (r == 0)
				print_cell(t, f, c, t->headers[c], TC_BOLD, widths[c], c == last, color);
			else
				print_cell(t, f, c, t->cells[(r - 1) * t->n_cols + c].text,
					   t->cells[(r - 1) * t->n_cols + c].color, widths[c], c == last, color);
		}
		fputc('\n', f);
	}
	return 0;
}

bool use_color(FILE *f)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no && *no)
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f));
}

enum tcolor ns_state_color(enum ns_state s)
{
	switch (s) {
	case NS_UP:
		return TC_GREEN;
	case NS_PARTIAL:
		return TC_YELLOW;
	case NS_DOWN:
	default:
		return TC_DIM;
	}
}

const char *ns_managed_word(const struct ns_info *in)
{
	if (in->managed)
		return "managed";
	return in->state == NS_DOWN ? "-" : "unmanaged";
}
