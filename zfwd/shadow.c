// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shadow.h"

int shadow_init(struct shadow *sh, uint32_t max_rules)
{
	memset(sh, 0, sizeof(*sh));
	htab_init(&sh->nodes);
	sh->max_rules = max_rules;
	sh->rules = calloc(max_rules, sizeof(*sh->rules));
	return sh->rules ? 0 : -ENOMEM;
}

static void snode_free(struct snode *n)
{
	free(n->leaves);
	free(n);
}

void shadow_free(struct shadow *sh)
{
	struct htab_iter it;
	struct hnode *n;

	htab_iter_init(&it, &sh->nodes);
	while ((n = htab_iter_next(&it)))
		snode_free(container_of(n, struct snode, node));
	htab_free(&sh->nodes);
	free(sh->rules);
	memset(sh, 0, sizeof(*sh));
}

struct snode *shadow_find(const struct shadow *sh, const struct nodekey *k)
{
	for (struct hnode *n = htab_find(&sh->nodes, nodekey_hash(k)); n;
	     n = htab_next(n)) {
		struct snode *s = container_of(n, struct snode, node);

		if (nodekey_eq(&s->k, k))
			return s;
	}
	return NULL;
}

static struct snode *get_node(struct shadow *sh, const struct nodekey *k)
{
	struct snode *s = shadow_find(sh, k);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->k = *k;
	if (htab_insert(&sh->nodes, &s->node, nodekey_hash(k))) {
		free(s);
		return NULL;
	}
	return s;
}

size_t shadow_trie_leaves(const struct cleaf *leaves, size_t n)
{
	size_t cnt = 0;

	for (size_t i = 0; i < n; i++)
		cnt += leaves[i].src.len > 0;
	return cnt;
}

int shadow_set(struct shadow *sh, struct cnode *n)
{
	struct snode *s = shadow_find(sh, &n->k);
	int f = n->k.dst.family == 6;

	if (s) {
		sh->n_dst[f] -= s->present;
		sh->n_leaves[f] -= shadow_trie_leaves(s->leaves, s->n_leaves);
		if (!n->present && !n->n_leaves) {
			htab_remove(&sh->nodes, &s->node);
			snode_free(s);
			return 0;
		}
		free(s->leaves);
	} else {
		if (!n->present && !n->n_leaves)
			return 0;
		s = get_node(sh, &n->k);
		if (!s)
			return -ENOMEM;
	}
	s->present = n->present;
	s->n_leaves = n->n_leaves;
	s->leaves = n->leaves;
	s->dval = n->dval;
	n->leaves = NULL;
	n->n_leaves = 0;
	sh->n_dst[f] += s->present;
	sh->n_leaves[f] += shadow_trie_leaves(s->leaves, s->n_leaves);
	return 0;
}

static int cmp_leaf(const void *a, const void *b)
{
	return prefix_cmp(&((const struct cleaf *)a)->src,
			  &((const struct cleaf *)b)->src);
}

int shadow_add_leaf(struct shadow *sh, const struct nodekey *k,
		    const struct cleaf *lf)
{
	struct snode *s = get_node(sh, k);
	struct cleaf *v;

	if (!s)
		return -ENOMEM;
	v = realloc(s->leaves, (s->n_leaves + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->leaves = v;
	s->leaves[s->n_leaves++] = *lf;
	if (lf->src.len)
		sh->n_leaves[k->dst.family == 6]++;
	return 0;
}

void shadow_sort(struct shadow *sh)
{
	struct htab_iter it;
	struct hnode *n;

	/* Kernel iteration order is not ours: restore the canonical one. */
	htab_iter_init(&it, &sh->nodes);
	while ((n = htab_iter_next(&it))) {
		struct snode *s = container_of(n, struct snode, node);

		qsort(s->leaves, s->n_leaves, sizeof(*s->leaves), cmp_leaf);
	}
}

int shadow_add_dst(struct shadow *sh, const struct nodekey *k,
		   const struct zfwd_dst_val *val)
{
	struct snode *s = get_node(sh, k);

	if (!s)
		return -ENOMEM;
	if (s->present)
		return 0;
	s->present = true;
	s->dval = *val;
	sh->n_dst[k->dst.family == 6]++;
	if (val->any.count) {
		struct cleaf lf = { .src = { .family = k->dst.family }, .val = val->any };

		return shadow_add_leaf(sh, k, &lf);
	}
	return 0;
}
