/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The human output of `list` and `status`: aligned columns, colour only
 * where it helps. Cells are added row by row; widths are settled when
 * printing, so colour escapes never disturb the alignment. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "status.h"
#include "util.h"

enum tcolor {
	TC_NONE,
	TC_GREEN,
	TC_YELLOW,
	TC_RED,
	TC_DIM,
	TC_BOLD,
};

struct table;

/* A table with these column headers (n of them; headers may be NULL for a
 * table without a header line). NULL when out of memory. */
struct table *table_new(const char *const *headers, size_t n);
void table_free(struct table *t);
static inline void table_freep(struct table **t) { table_free(*t); }
#define _cleanup_table_ _cleanup_(table_freep)

/* Right-align column col (numbers). */
void table_align_right(struct table *t, size_t col);

/* Append the next cell, filling rows left to right; text NULL is an empty
 * cell. A failed allocation is remembered and reported by table_print. */
void table_add(struct table *t, const char *text, enum tcolor c);
void table_addf(struct table *t, enum tcolor c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Rows added so far (a partly filled last row counts). */
size_t table_rows(const struct table *t);

/* Print every row, each line starting with indent; columns are separated
 * by two spaces and the last one is not padded. -ENOMEM if a cell could
 * not be stored (nothing is printed then). */
int table_print(const struct table *t, FILE *f, const char *indent, bool color);

/* Whether to colour what goes to f: f is a terminal, $TERM is not "dumb"
 * and $NO_COLOR is unset or empty (https://no-color.org). */
bool use_color(FILE *f);

/* The escape sequence that starts c, and the one that ends it ("" when
 * color is false or c is TC_NONE). */
const char *color_on(enum tcolor c, bool color);
const char *color_off(enum tcolor c, bool color);

/* Shared wording of list and status. */
enum tcolor ns_state_color(enum ns_state s);
/* "managed" (a state record: netnsctl made it), "unmanaged" (it exists but
 * netnsctl did not make it) or "-" (configured, never brought up). */
const char *ns_managed_word(const struct ns_info *in);
