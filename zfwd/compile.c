// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

int compile_precedence(const struct cmatch *a, const struct cmatch *b)
{
	const struct rule_match *x = &a->m, *y = &b->m;
	int wx = x->port_hi - x->port_lo, wy = y->port_hi - y->port_lo;

	if (x->dst.len != y->dst.len)
		return x->dst.len > y->dst.len ? -1 : 1;
	if (x->src.len != y->src.len)
		return x->src.len > y->src.len ? -1 : 1;
	if (wx != wy)
		return wx < wy ? -1 : 1;
	if (!x->n_ifaces != !y->n_ifaces)
		return x->n_ifaces ? -1 : 1;
	if (x->port_lo != y->port_lo)
		return x->port_lo < y->port_lo ? -1 : 1;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	return 0;
}

static int cmp_cm(const void *a, const void *b)
{
	return compile_precedence(*(struct cmatch *const *)a,
				  *(struct cmatch *const *)b);
}

static int cmp_src(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

struct cmvec {
	struct cmatch **v;
	size_t n, cap;
};

static int cmvec_push(struct cmvec *v, struct cmatch *cm)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct cmatch **nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = cm;
	return 0;
}

/* Live matches of @k's node and of every node whose prefix contains it. */
static int candidates(const struct ruleset *rs, const struct nodekey *k,
		      struct cmvec *out)
{
	const uint32_t *lens = rs->len_count[fam_idx(k->dst.family)][proto_idx(k->proto)];

	for (unsigned l = 0; l <= k->dst.len; l++) {
		struct prefix a;
		struct pnode *pn;

		if (!lens[l])
			continue;
		a = k->dst;
		prefix_mask(&a, l);
		pn = ruleset_find_pnode(rs, k->proto, &a);
		if (!pn)
			continue;
		for (uint32_t i = 0; i < pn->n; i++) {
			if (!pn->cms[i]->refs)
				continue;
			if (cmvec_push(out, pn->cms[i]))
				return -ENOMEM;
		}
	}
	return 0;
}

void compile_dst_val(const struct nodekey *k, const struct cleaf *leaves, size_t n,
		     struct zfwd_dst_val *out)
{
	memset(out, 0, sizeof(*out));
	out->dlen = k->dst.len;
	for (size_t i = 0; i < n; i++) {
		if (leaves[i].src.len == 0)
			out->any = leaves[i].val;
		else
			out->flags |= ZFWD_DST_SRC_TRIE;
	}
}

void cnode_free(struct cnode *n)
{
	free(n->leaves);
	n->leaves = NULL;
	n->n_leaves = 0;
}

int compile_node(const struct ruleset *rs, const struct nodekey *k,
		 struct cnode *out, struct compile_err *err)
{
	struct pnode *pn = ruleset_find_pnode(rs, k->proto, &k->dst);
	struct cmvec cands = { 0 };
	struct prefix *srcs = NULL;
	size_t n_srcs = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->k = *k;
	if (pn) {
		for (uint32_t i = 0; i < pn->n; i++)
			if (pn->cms[i]->refs)
				out->present = true;
	}
	if (!out->present)
		return 0;

	ret = candidates(rs, k, &cands);
	if (ret)
		goto out;
	qsort(cands.v, cands.n, sizeof(*cands.v), cmp_cm);

	srcs = malloc(cands.n * sizeof(*srcs));
	if (!srcs) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cands.n; i++)
		srcs[i] = cands.v[i]->m.src;
	qsort(srcs, cands.n, sizeof(*srcs), cmp_src);
	for (size_t i = 0; i < cands.n; i++)
		if (n_srcs == 0 || prefix_cmp(&srcs[n_srcs - 1], &srcs[i]))
			srcs[n_srcs++] = srcs[i];

	out->leaves = calloc(n_srcs, sizeof(*out->leaves));
	if (!out->leaves) {
		ret = -ENOMEM;
		goto out;
	}
	out->n_leaves = n_srcs;
	for (size_t s = 0; s < n_srcs; s++) {
		struct cleaf *lf = &out->leaves[s];

		lf->src = srcs[s];
		for (size_t i = 0; i < cands.n; i++) {
			const struct cmatch *cm = cands.v[i];
			struct zfwd_cand *c;

			if (!prefix_contains(&cm->m.src, &lf->src))
				continue;
			if (lf->val.count == ZFWD_MAX_CANDIDATES) {
				char d[64], sr[64];

				prefix_format(&k->dst, d, sizeof(d));
				prefix_format(&lf->src, sr, sizeof(sr));
				snprintf(err->reason, sizeof(err->reason),
					 "more than %d %s rules apply to destination %s from source %s",
					 ZFWD_MAX_CANDIDATES, proto_name(k->proto), d, sr);
				ret = -ENOSPC;
				goto out;
			}
			c = &lf->val.cand[lf->val.count++];
			c->port_lo = cm->m.port_lo;
			c->port_hi = cm->m.port_hi;
			c->slot = cm->slot;
		}
	}
	compile_dst_val(k, out->leaves, out->n_leaves, &out->dval);
out:
	if (ret)
		cnode_free(out);
	free(srcs);
	free(cands.v);
	return ret;
}

uint64_t nodekey_hash(const struct nodekey *k)
{
	return hash_bytes(&k->dst, sizeof(k->dst), k->proto);
}

bool nodekey_eq(const struct nodekey *a, const struct nodekey *b)
{
	return a->proto == b->proto && !memcmp(&a->dst, &b->dst, sizeof(a->dst));
}

struct keyset_node {
	struct hnode node;
	size_t idx;
};

void keyset_init(struct keyset *s)
{
	memset(s, 0, sizeof(*s));
	htab_init(&s->h);
}

void keyset_free(struct keyset *s)
{
	htab_free(&s->h);
	free(s->v);
	free(s->nodes);
	memset(s, 0, sizeof(*s));
}

bool keyset_has(const struct keyset *s, const struct nodekey *k)
{
	for (struct hnode *n = htab_find(&s->h, nodekey_hash(k)); n; n = htab_next(n)) {
		struct keyset_node *kn = container_of(n, struct keyset_node, node);

		if (nodekey_eq(&s->v[kn->idx], k))
			return true;
	}
	return false;
}

int keyset_add(struct keyset *s, const struct nodekey *k)
{
	if (keyset_has(s, k))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct nodekey *v = realloc(s->v, cap * sizeof(*v));
		struct keyset_node *nodes;

		if (!v)
			return -ENOMEM;
		s->v = v;
		nodes = realloc(s->nodes, cap * sizeof(*nodes));
		if (!nodes)
			return -ENOMEM;
		/* Nodes moved: rebuild the index. */
		htab_free(&s->h);
		s->nodes = nodes;
		for (size_t i = 0; i < s->n; i++) {
			s->nodes[i].idx = i;
			if (htab_insert(&s->h, &s->nodes[i].node, nodekey_hash(&s->v[i])))
				return -ENOMEM;
		}
		s->cap = cap;
	}
	s->v[s->n] = *k;
	s->nodes[s->n].idx = s->n;
	if (htab_insert(&s->h, &s->nodes[s->n].node, nodekey_hash(k)))
		return -ENOMEM;
	s->n++;
	return 0;
}

int compile_descendants(const struct ruleset *rs, const struct keyset *changed,
			struct keyset *out)
{
	/* Changed prefix lengths per (family, protocol) that can have
	 * descendants; most changes are host prefixes, which cannot. */
	uint8_t want[2][2][129] = { 0 };
	bool any = false;
	struct htab_iter it;
	struct hnode *n;

	for (size_t i = 0; i < changed->n; i++) {
		const struct nodekey *k = &changed->v[i];

		if (k->dst.len < prefix_max_len(&k->dst)) {
			want[fam_idx(k->dst.family)][proto_idx(k->proto)][k->dst.len] = 1;
			any = true;
		}
	}
	if (!any)
		return 0;
	htab_iter_init(&it, &rs->pnodes);
	while ((n = htab_iter_next(&it))) {
		struct pnode *pn = container_of(n, struct pnode, node);
		const uint8_t *w = want[fam_idx(pn->dst.family)][proto_idx(pn->proto)];

		for (unsigned l = 0; l < pn->dst.len; l++) {
			struct nodekey a;

			if (!w[l])
				continue;
			a.proto = pn->proto;
			a.dst = pn->dst;
			prefix_mask(&a.dst, l);
			if (keyset_has(changed, &a)) {
				struct nodekey self = { .proto = pn->proto, .dst = pn->dst };
				int err = keyset_add(out, &self);

				if (err)
					return err;
				break;
			}
		}
	}
	return 0;
}
