/* SPDX-License-Identifier: GPL-2.0-only */
/* Aligned text tables for humans. */
#ifndef ZFWCTL_TABLE_H
#define ZFWCTL_TABLE_H

#include <stdio.h>

struct table {
	size_t ncols, nrows;
	char **cells; /* nrows * ncols, row 0 is the header */
};

void table_init(struct table *t, size_t ncols, const char *const *header);
/* Appends a row of ncols strings (copied). */
void table_row(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif
