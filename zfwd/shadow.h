/* SPDX-License-Identifier: GPL-2.0-only */
/* What the kernel maps hold, as zfwd last wrote or read them: diffs are
 * computed against this, and rollbacks restore from it. */
#ifndef ZFWD_SHADOW_H
#define ZFWD_SHADOW_H

#include "compile.h"
#include "zfwd_maps.h"

struct snode {
	struct hnode node;
	struct nodekey k;
	bool present;          /* the dst trie entry exists */
	size_t n_leaves;
	struct cleaf *leaves;  /* sorted by source prefix, /0 included */
	struct zfwd_dst_val dval; /* the dst entry's value when present */
};

struct shadow {
	struct htab nodes;
	uint32_t n_dst[2];     /* per family */
	uint32_t n_leaves[2];  /* in the src tries: source-specific only */
	uint32_t max_rules;
	struct zfwd_rule_val *rules;
};

int shadow_init(struct shadow *sh, uint32_t max_rules);
void shadow_free(struct shadow *sh);
struct snode *shadow_find(const struct shadow *sh, const struct nodekey *k);
/* Replaces (or removes, when !present and no leaves) the node of @n's key
 * with @n's content; takes the leaves from @n. */
int shadow_set(struct shadow *sh, struct cnode *n);
/* Record a leaf found in the kernel (adoption); creates the node. Call
 * shadow_sort once all are in. */
int shadow_add_leaf(struct shadow *sh, const struct nodekey *k,
		    const struct cleaf *lf);
void shadow_sort(struct shadow *sh);
/* A dst entry found in the kernel; its any-source leaf, if not empty,
 * becomes the node's /0 leaf. */
int shadow_add_dst(struct shadow *sh, const struct nodekey *k,
		   const struct zfwd_dst_val *val);
/* Leaves that live in the src trie (source-specific ones). */
size_t shadow_trie_leaves(const struct cleaf *leaves, size_t n);

#endif
