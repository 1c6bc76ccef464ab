// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_kernel.h"

static const size_t key_sizes[KM_COUNT] = {
	[KM_DST4] = sizeof(struct zfwd_dst4_key), [KM_DST6] = sizeof(struct zfwd_dst6_key),
	[KM_SRC4] = sizeof(struct zfwd_src4_key), [KM_SRC6] = sizeof(struct zfwd_src6_key),
	[KM_RULES] = sizeof(uint32_t),            [KM_IFACES] = sizeof(uint32_t),
};

static const size_t val_sizes[KM_COUNT] = {
	[KM_DST4] = sizeof(struct zfwd_dst_val),  [KM_DST6] = sizeof(struct zfwd_dst_val),
	[KM_SRC4] = sizeof(struct zfwd_leaf),     [KM_SRC6] = sizeof(struct zfwd_leaf),
	[KM_RULES] = sizeof(struct zfwd_rule_val), [KM_IFACES] = sizeof(struct zfwd_iface_val),
};

void fake_init(struct fake_kernel *fk)
{
	memset(fk, 0, sizeof(*fk));
	for (int m = 0; m < KM_COUNT; m++) {
		fk->maps[m].key_size = key_sizes[m];
		fk->maps[m].val_size = val_sizes[m];
	}
}

void fake_free(struct fake_kernel *fk)
{
	for (int m = 0; m < KM_COUNT; m++)
		free(fk->maps[m].e);
	memset(fk, 0, sizeof(*fk));
}

static struct fake_entry *find(const struct fake_map *fm, const void *key)
{
	for (size_t i = 0; i < fm->n; i++)
		if (fm->e[i].used && !memcmp(fm->e[i].key, key, fm->key_size))
			return &fm->e[i];
	return NULL;
}

static int fail_now(struct fake_kernel *fk)
{
	fk->attempts++;
	if (fk->fail_at && fk->attempts == fk->fail_at)
		return fk->fail_err ? fk->fail_err : -ENOMEM;
	return 0;
}

static int f_update(void *ctx, enum kmap_id map, const void *key, const void *val)
{
	struct fake_kernel *fk = ctx;
	struct fake_map *fm = &fk->maps[map];
	struct fake_entry *e;
	int err = fail_now(fk);

	if (err)
		return err;
	e = find(fm, key);
	if (!e) {
		if (fm->n == fm->cap) {
			size_t cap = fm->cap ? fm->cap * 2 : 64;
			struct fake_entry *v = realloc(fm->e, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			fm->e = v;
			fm->cap = cap;
		}
		e = &fm->e[fm->n++];
		memset(e, 0, sizeof(*e));
		memcpy(e->key, key, fm->key_size);
		e->used = true;
	}
	memcpy(e->val, val, fm->val_size);
	fk->ops++;
	return 0;
}

static int f_remove(void *ctx, enum kmap_id map, const void *key)
{
	struct fake_kernel *fk = ctx;
	struct fake_map *fm = &fk->maps[map];
	struct fake_entry *e;
	int err = fail_now(fk);

	if (err)
		return err;
	e = find(fm, key);
	if (!e)
		return -ENOENT;
	/* Keep the array dense: move the last entry here. */
	*e = fm->e[--fm->n];
	fk->ops++;
	return 0;
}

static int f_reset(void *ctx, uint32_t slot)
{
	struct fake_kernel *fk = ctx;
	int err = fail_now(fk);

	if (err)
		return err;
	fk->resets++;
	return 0;
}

struct kbackend fake_backend(struct fake_kernel *fk)
{
	struct kbackend kb = { .update = f_update, .remove = f_remove,
			       .reset_stats = f_reset, .ctx = fk };

	return kb;
}

size_t fake_count(const struct fake_kernel *fk, enum kmap_id map)
{
	size_t n = 0;

	for (size_t i = 0; i < fk->maps[map].n; i++)
		n += fk->maps[map].e[i].used;
	if (map == KM_RULES) {
		/* Array slots exist always; count the ones in use. */
		n = 0;
		for (size_t i = 0; i < fk->maps[map].n; i++) {
			const struct zfwd_rule_val *v = (const void *)fk->maps[map].e[i].val;

			n += v->action != ZFWD_ACT_NONE;
		}
	}
	return n;
}

void fake_copy(struct fake_kernel *dst, const struct fake_kernel *src)
{
	*dst = *src;
	for (int m = 0; m < KM_COUNT; m++) {
		dst->maps[m].e = malloc((src->maps[m].cap ? src->maps[m].cap : 1) *
					sizeof(struct fake_entry));
		if (src->maps[m].n)
			memcpy(dst->maps[m].e, src->maps[m].e,
			       src->maps[m].n * sizeof(struct fake_entry));
	}
}

bool fake_equal(const struct fake_kernel *a, const struct fake_kernel *b)
{
	for (int m = 0; m < KM_COUNT; m++) {
		const struct fake_map *x = &a->maps[m], *y = &b->maps[m];
		size_t nx = 0, ny = 0;

		for (size_t i = 0; i < x->n; i++) {
			const struct fake_entry *e = &x->e[i];
			const struct fake_entry *o = find(y, e->key);
			static const unsigned char zero[sizeof(e->val)];
			bool zx = m == KM_RULES && !memcmp(e->val, zero, x->val_size);

			if (zx)
				continue; /* a zeroed array slot equals an absent one */
			nx++;
			if (!o || memcmp(o->val, e->val, x->val_size))
				return false;
		}
		for (size_t i = 0; i < y->n; i++) {
			static const unsigned char zero[sizeof(y->e[i].val)];

			if (m == KM_RULES && !memcmp(y->e[i].val, zero, y->val_size))
				continue;
			ny++;
		}
		if (nx != ny)
			return false;
	}
	return true;
}

/* Bits [0, len) of @a and @b agree. */
static bool bits_eq(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Longest-prefix match over a fake LPM map: data after the prefixlen. */
static const struct fake_entry *lpm(const struct fake_map *fm, const uint8_t *data,
				    unsigned maxbits)
{
	const struct fake_entry *best = NULL;
	uint32_t best_len = 0;

	for (size_t i = 0; i < fm->n; i++) {
		const struct fake_entry *e = &fm->e[i];
		uint32_t plen;

		memcpy(&plen, e->key, 4);
		if (plen > maxbits || !bits_eq(e->key + 4, data, plen))
			continue;
		if (!best || plen > best_len) {
			best = e;
			best_len = plen;
		}
	}
	return best;
}

static void mask_bytes(uint8_t *a, unsigned n, unsigned len)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned bit = i * 8;

		if (bit >= len)
			a[i] = 0;
		else if (bit + 8 > len)
			a[i] &= (uint8_t)(0xff << (8 - (len - bit)));
	}
}

int fake_lookup(const struct fake_kernel *fk, const struct fake_pkt *p)
{
	const struct fake_map *ifm = &fk->maps[KM_IFACES];
	const struct fake_entry *de, *le, *ie = find(ifm, &p->ifindex);
	const struct zfwd_iface_val *ifc = ie ? (const void *)ie->val : NULL;
	const struct zfwd_dst_val *dv;
	const struct zfwd_leaf *leaf;
	unsigned alen = p->family == 4 ? 4 : 16;
	uint8_t data[40] = { 0 };
	unsigned dlen;

	if (!ifc)
		return -1;
	/* dst key data: proto, 3 pad bytes, address */
	data[0] = p->proto;
	memcpy(data + 4, p->daddr, alen);
	de = lpm(&fk->maps[p->family == 4 ? KM_DST4 : KM_DST6], data, 32 + alen * 8);
	if (!de)
		return -1;
	dv = (const void *)de->val;
	dlen = dv->dlen;
	leaf = &dv->any;
	if (dv->flags & ZFWD_DST_SRC_TRIE) {
		/* src key data: proto, dlen, 2 pad bytes, masked daddr, saddr */
		memset(data, 0, sizeof(data));
		data[0] = p->proto;
		data[1] = dlen;
		memcpy(data + 4, p->daddr, alen);
		mask_bytes(data + 4, alen, dlen);
		memcpy(data + 4 + alen, p->saddr, alen);
		le = lpm(&fk->maps[p->family == 4 ? KM_SRC4 : KM_SRC6], data, 32 + alen * 16);
		if (le)
			leaf = (const void *)le->val;
	}
	for (uint32_t i = 0; i < leaf->count && i < ZFWD_MAX_CANDIDATES; i++) {
		const struct zfwd_cand *c = &leaf->cand[i];
		const struct fake_entry *re;
		const struct zfwd_rule_val *r;

		if (p->dport < c->port_lo || p->dport > c->port_hi)
			continue;
		re = find(&fk->maps[KM_RULES], &c->slot);
		if (!re)
			continue;
		r = (const void *)re->val;
		if (r->action == ZFWD_ACT_NONE)
			continue;
		if ((r->iface_mask & ifc->name_mask) ||
		    ((r->flags & ZFWD_RF_ANY_INTERNAL) && ifc->role == ZFWD_ROLE_INTERNAL))
			return (int)c->slot;
	}
	return -1;
}
