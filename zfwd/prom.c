// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static void put(struct prom *p, const char *s, size_t n)
{
	if (p->failed)
		return;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *b;

		while (p->len + n + 1 > cap)
			cap *= 2;
		b = realloc(p->buf, cap);
		if (!b) {
			p->failed = true;
			return;
		}
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/* HELP text escapes backslash and newline; label values also '"'. */
static void escaped(struct prom *p, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(p, "\\\\");
		else if (*s == '\n')
			puts_(p, "\\n");
		else if (quote && *s == '"')
			puts_(p, "\\\"");
		else
			put(p, s, 1);
	}
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	escaped(p, help, false);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, type);
	puts_(p, "\n");
}

void prom_sample(struct prom *p, const char *name, uint64_t value, ...)
{
	const char *k, *sep = "{";
	char num[32];
	va_list ap;

	puts_(p, name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		puts_(p, sep);
		puts_(p, k);
		puts_(p, "=\"");
		escaped(p, v ? v : "", true);
		puts_(p, "\"");
		sep = ",";
	}
	va_end(ap);
	if (*sep == ',')
		puts_(p, "}");
	snprintf(num, sizeof(num), " %" PRIu64 "\n", value);
	puts_(p, num);
}

char *prom_finish(struct prom *p)
{
	char *out = p->buf;

	if (p->failed || !out) {
		free(p->buf);
		out = p->failed ? NULL : strdup("");
	}
	p->buf = NULL;
	p->len = p->cap = 0;
	p->failed = false;
	return out;
}
