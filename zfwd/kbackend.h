/* SPDX-License-Identifier: GPL-2.0-only */
/* The narrow interface through which the engine changes kernel maps.
 * kmaps.c implements it with bpf(2); unit tests use an in-memory fake. */
#ifndef ZFWD_KBACKEND_H
#define ZFWD_KBACKEND_H

#include <stdint.h>

enum kmap_id {
	KM_DST4,
	KM_DST6,
	KM_SRC4,
	KM_SRC6,
	KM_RULES,
	KM_IFACES,
	KM_COUNT,
};

struct kbackend {
	int (*update)(void *ctx, enum kmap_id map, const void *key, const void *val);
	int (*remove)(void *ctx, enum kmap_id map, const void *key);
	/* Zero a rule slot's per-CPU counters before the slot is reused. */
	int (*reset_stats)(void *ctx, uint32_t slot);
	void *ctx;
};

const char *kmap_name(enum kmap_id map);

#endif
