// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plan.h"

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	for (int i = 0; i < PH_COUNT; i++)
		free(p->ops[i]);
	memset(p, 0, sizeof(*p));
}

size_t plan_size(const struct plan *p)
{
	size_t n = 0;

	for (int i = 0; i < PH_COUNT; i++)
		n += p->n[i];
	return n;
}

static struct kop *new_op(struct plan *p, enum plan_phase ph)
{
	struct kop *op;

	if (p->n[ph] == p->cap[ph]) {
		size_t cap = p->cap[ph] ? p->cap[ph] * 2 : 64;
		struct kop *v = realloc(p->ops[ph], cap * sizeof(*v));

		if (!v)
			return NULL;
		p->ops[ph] = v;
		p->cap[ph] = cap;
	}
	op = &p->ops[ph][p->n[ph]++];
	memset(op, 0, sizeof(*op));
	return op;
}

static const void *op_val(const struct kop *op)
{
	return op->val_inl ? op->inl_val : op->val;
}

static const void *op_old(const struct kop *op)
{
	return op->old_inl ? op->inl_old : op->old;
}

static void dst_key(const struct nodekey *k, unsigned char *out)
{
	if (k->dst.family == 4) {
		struct zfwd_dst4_key key = {
			.prefixlen = ZFWD_DST_KEY_FIXED_BITS + k->dst.len,
			.proto = k->proto,
		};

		memcpy(&key.addr, k->dst.addr, 4);
		memcpy(out, &key, sizeof(key));
	} else {
		struct zfwd_dst6_key key = {
			.prefixlen = ZFWD_DST_KEY_FIXED_BITS + k->dst.len,
			.proto = k->proto,
		};

		memcpy(key.addr, k->dst.addr, 16);
		memcpy(out, &key, sizeof(key));
	}
}

static void src_key(const struct nodekey *k, const struct prefix *src,
		    unsigned char *out)
{
	if (k->dst.family == 4) {
		struct zfwd_src4_key key = {
			.prefixlen = ZFWD_SRC4_KEY_FIXED_BITS + src->len,
			.proto = k->proto,
			.dlen = k->dst.len,
		};

		memcpy(&key.daddr, k->dst.addr, 4);
		memcpy(&key.saddr, src->addr, 4);
		memcpy(out, &key, sizeof(key));
	} else {
		struct zfwd_src6_key key = {
			.prefixlen = ZFWD_SRC6_KEY_FIXED_BITS + src->len,
			.proto = k->proto,
			.dlen = k->dst.len,
		};

		memcpy(key.daddr, k->dst.addr, 16);
		memcpy(key.saddr, src->addr, 16);
		memcpy(out, &key, sizeof(key));
	}
}

static int leaf_op(struct plan *p, const struct nodekey *k, const struct cleaf *nw,
		   const struct cleaf *old)
{
	int f = k->dst.family == 6;
	struct kop *op = new_op(p, nw ? PH_LEAF_SET : PH_LEAF_DEL);

	if (!op)
		return -ENOMEM;
	op->map = f ? KM_SRC6 : KM_SRC4;
	src_key(k, nw ? &nw->src : &old->src, op->key);
	op->del = !nw;
	op->val = nw ? &nw->val : NULL;
	op->had_old = old != NULL;
	op->old = old ? &old->val : NULL;
	p->d_leaves[f] += (nw != NULL) - (old != NULL);
	return 0;
}

int plan_node(struct plan *p, const struct cnode *d, const struct snode *s)
{
	size_t i = 0, j = 0, ns = s ? s->n_leaves : 0;
	bool s_present = s && s->present;
	int f = d->k.dst.family == 6;
	int err;

	/* Source-specific leaves: the src trie. The /0 leaf is part of the
	 * dst entry's value, handled below. */
	while (i < d->n_leaves || j < ns) {
		const struct cleaf *a = i < d->n_leaves ? &d->leaves[i] : NULL;
		const struct cleaf *b = j < ns ? &s->leaves[j] : NULL;
		int c = !a ? 1 : !b ? -1 : prefix_cmp(&a->src, &b->src);

		if (c <= 0 && a->src.len == 0) {
			i++;
			j += c == 0;
			continue;
		}
		if (c > 0 && b->src.len == 0) {
			j++;
			continue;
		}
		if (c < 0) {
			err = leaf_op(p, &d->k, a, NULL);
			i++;
		} else if (c > 0) {
			err = leaf_op(p, &d->k, NULL, b);
			j++;
		} else {
			err = 0;
			if (memcmp(&a->val, &b->val, sizeof(a->val)))
				err = leaf_op(p, &d->k, a, b);
			i++;
			j++;
		}
		if (err)
			return err;
	}
	/* The dst entry: added or rewritten after the src leaves it points
	 * to exist (phase 3), removed before they go (phase 4). Rewriting an
	 * LPM entry replaces it whole, so packets see old or new. */
	if (d->present && (!s_present || memcmp(&d->dval, &s->dval, sizeof(d->dval)))) {
		struct kop *op = new_op(p, PH_DST_ADD);

		if (!op)
			return -ENOMEM;
		op->map = f ? KM_DST6 : KM_DST4;
		dst_key(&d->k, op->key);
		op->val = &d->dval;
		op->had_old = s_present;
		op->old = s_present ? &s->dval : NULL;
		p->d_dst[f] += !s_present;
	} else if (!d->present && s_present) {
		struct kop *op = new_op(p, PH_DST_DEL);

		if (!op)
			return -ENOMEM;
		op->map = f ? KM_DST6 : KM_DST4;
		dst_key(&d->k, op->key);
		op->del = true;
		op->had_old = true;
		op->old = &s->dval;
		p->d_dst[f]--;
	}
	return 0;
}

int plan_rule(struct plan *p, uint32_t slot, const struct zfwd_rule_val *val,
	      const struct zfwd_rule_val *old)
{
	bool old_used = old->action != ZFWD_ACT_NONE;
	struct kop *op = new_op(p, val ? PH_SLOTS_NEW : PH_SLOTS_OLD);
	struct zfwd_rule_val zero = { 0 };

	if (!op)
		return -ENOMEM;
	op->map = KM_RULES;
	op->slot = slot;
	memcpy(op->key, &slot, sizeof(slot));
	/* Array slots are never deleted, only zeroed: action NONE. */
	memcpy(op->inl_val, val ? val : &zero, sizeof(*val));
	memcpy(op->inl_old, old, sizeof(*old));
	op->val_inl = op->old_inl = true;
	op->had_old = true;
	/* A slot taken over by a new rule starts counting from zero. */
	op->reset_stats = val && !old_used;
	return 0;
}

int plan_iface(struct plan *p, uint32_t ifindex, const struct zfwd_iface_val *val,
	       const struct zfwd_iface_val *old, bool late)
{
	struct kop *op = new_op(p, late ? PH_SLOTS_OLD : PH_SLOTS_NEW);

	if (!op)
		return -ENOMEM;
	op->map = KM_IFACES;
	memcpy(op->key, &ifindex, sizeof(ifindex));
	memcpy(op->inl_val, val, sizeof(*val));
	memcpy(op->inl_old, old, sizeof(*old));
	op->val_inl = op->old_inl = true;
	op->had_old = true;
	return 0;
}

static int do_op(const struct kop *op, const struct kbackend *kb)
{
	int err;

	if (op->del) {
		err = kb->remove(kb->ctx, op->map, op->key);
		return err == -ENOENT ? 0 : err;
	}
	if (op->reset_stats) {
		err = kb->reset_stats(kb->ctx, op->slot);
		if (err)
			return err;
	}
	return kb->update(kb->ctx, op->map, op->key, op_val(op));
}

static int undo_op(const struct kop *op, const struct kbackend *kb)
{
	int err;

	if (op->had_old)
		return kb->update(kb->ctx, op->map, op->key, op_old(op));
	err = kb->remove(kb->ctx, op->map, op->key);
	return err == -ENOENT ? 0 : err;
}

/* Undo ops strictly before (phase, index) in reverse order. */
static int undo_until(const struct plan *p, const struct kbackend *kb,
		      int phase, size_t idx)
{
	int ret = 0;

	for (int ph = phase; ph >= 0; ph--) {
		size_t i = ph == phase ? idx : p->n[ph];

		while (i-- > 0) {
			int err = undo_op(&p->ops[ph][i], kb);

			if (err) {
				log_err("cannot undo %s op: %s; maps and rules now disagree",
					kmap_name(p->ops[ph][i].map), strerror(-err));
				ret = err;
			}
		}
	}
	return ret;
}

int plan_apply(const struct plan *p, const struct kbackend *kb,
	       const struct kop **failed)
{
	for (int ph = 0; ph < PH_COUNT; ph++) {
		for (size_t i = 0; i < p->n[ph]; i++) {
			int err = do_op(&p->ops[ph][i], kb);

			if (err) {
				*failed = &p->ops[ph][i];
				undo_until(p, kb, ph, i);
				return err;
			}
		}
	}
	return 0;
}

int plan_undo(const struct plan *p, const struct kbackend *kb)
{
	return undo_until(p, kb, PH_COUNT - 1, p->n[PH_COUNT - 1]);
}

const char *kmap_name(enum kmap_id map)
{
	static const char *const names[KM_COUNT] = {
		[KM_DST4] = "zfwd_dst4",   [KM_DST6] = "zfwd_dst6",
		[KM_SRC4] = "zfwd_src4",   [KM_SRC6] = "zfwd_src6",
		[KM_RULES] = "zfwd_rules", [KM_IFACES] = "zfwd_ifaces",
	};

	return map < KM_COUNT ? names[map] : "?";
}
