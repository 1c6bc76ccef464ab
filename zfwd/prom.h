/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A writer for the Prometheus text exposition format (version 0.0.4):
 * families with HELP and TYPE, samples with escaped label values. Memory
 * failures are sticky: prom_finish then returns NULL.
 */
#ifndef ZFWD_PROM_H
#define ZFWD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom {
	char *buf;
	size_t len, cap;
	bool failed;
};

/* "# HELP" and "# TYPE" lines; @type is "counter" or "gauge". */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);
/* One sample: @name{k1="v1",...} value. The labels are name/value pairs
 * ending with NULL. */
void prom_sample(struct prom *p, const char *name, uint64_t value, ...);
/* The text (the caller frees it), or NULL after a memory failure. */
char *prom_finish(struct prom *p);

#endif
