/* SPDX-License-Identifier: GPL-2.0-only */
/* A small intrusive chained hash table: callers embed struct hnode, pick
 * the hash, and compare keys themselves while walking one chain. */
#ifndef ZFWD_HTAB_H
#define ZFWD_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htab {
	struct hnode **b;
	size_t nb; /* power of two, or 0 before the first insert */
	size_t n;
};

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

void htab_init(struct htab *h);
void htab_free(struct htab *h); /* frees buckets, not the nodes */
int htab_insert(struct htab *h, struct hnode *node, uint64_t hash);
void htab_remove(struct htab *h, struct hnode *node);
/* First node of the chain whose hash equals @hash; then htab_next. */
struct hnode *htab_find(const struct htab *h, uint64_t hash);
struct hnode *htab_next(const struct hnode *node);

/* Iteration over every node; the current node may be removed. */
struct htab_iter {
	const struct htab *h;
	size_t bucket;
	struct hnode *next;
};
void htab_iter_init(struct htab_iter *it, const struct htab *h);
struct hnode *htab_iter_next(struct htab_iter *it);

uint64_t hash_bytes(const void *data, size_t len, uint64_t seed);

#endif
