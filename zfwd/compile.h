/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compiling the ruleset into what the kernel maps must hold for one
 * destination prefix: whether its dst trie entry exists, and its leaves
 * (one per distinct source prefix among the rules of this destination and
 * of every shorter destination containing it), each listing the matching
 * rules in precedence order. See proto/zfwd_maps.h for why.
 */
#ifndef ZFWD_COMPILE_H
#define ZFWD_COMPILE_H

#include "ruleset.h"
#include "zfwd_maps.h"

struct nodekey {
	uint8_t proto;
	struct prefix dst;
};

struct cleaf {
	struct prefix src;
	struct zfwd_leaf val;
};

struct cnode {
	struct nodekey k;
	bool present;
	size_t n_leaves;
	struct cleaf *leaves; /* sorted by source prefix; /0 first when there */
	struct zfwd_dst_val dval; /* the dst entry: the /0 leaf, SRC_TRIE flag */
};

/* The dst entry for a node with these leaves. */
void compile_dst_val(const struct nodekey *k, const struct cleaf *leaves, size_t n,
		     struct zfwd_dst_val *out);

struct compile_err {
	char reason[200];
};

/* Fills @out for @k; -ENOSPC when a leaf would hold more than
 * ZFWD_MAX_CANDIDATES rules (err says which). */
int compile_node(const struct ruleset *rs, const struct nodekey *k,
		 struct cnode *out, struct compile_err *err);
void cnode_free(struct cnode *n);

/* Precedence between two matches that both apply to a packet: <0 when
 * @a decides before @b. Total order (slot breaks the last tie). */
int compile_precedence(const struct cmatch *a, const struct cmatch *b);

/* Canonical order of source prefixes within a node. */
int prefix_cmp(const struct prefix *a, const struct prefix *b);

uint64_t nodekey_hash(const struct nodekey *k);
bool nodekey_eq(const struct nodekey *a, const struct nodekey *b);

/* A set of node keys. */
struct keyset {
	struct htab h;
	struct nodekey *v;
	size_t n, cap;
	struct keyset_node *nodes;
};

void keyset_init(struct keyset *s);
void keyset_free(struct keyset *s);
int keyset_add(struct keyset *s, const struct nodekey *k);
bool keyset_has(const struct keyset *s, const struct nodekey *k);

/* Adds to @out every node of the ruleset that lies strictly inside one of
 * the prefixes in @changed (same family and protocol). */
int compile_descendants(const struct ruleset *rs, const struct keyset *changed,
			struct keyset *out);

#endif
