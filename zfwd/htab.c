// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include "htab.h"

void htab_init(struct htab *h)
{
	h->b = NULL;
	h->nb = 0;
	h->n = 0;
}

void htab_free(struct htab *h)
{
	free(h->b);
	htab_init(h);
}

static int grow(struct htab *h)
{
	size_t nb = h->nb ? h->nb * 2 : 64;
	struct hnode **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < h->nb; i++) {
		struct hnode *n = h->b[i], *next;

		for (; n; n = next) {
			size_t j = n->hash & (nb - 1);

			next = n->next;
			n->next = b[j];
			b[j] = n;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
	return 0;
}

int htab_insert(struct htab *h, struct hnode *node, uint64_t hash)
{
	size_t i;

	if (h->n >= h->nb) {
		int err = grow(h);

		if (err)
			return err;
	}
	node->hash = hash;
	i = hash & (h->nb - 1);
	node->next = h->b[i];
	h->b[i] = node;
	h->n++;
	return 0;
}

void htab_remove(struct htab *h, struct hnode *node)
{
	struct hnode **pp;

	if (!h->nb)
		return;
	for (pp = &h->b[node->hash & (h->nb - 1)]; *pp; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			node->next = NULL;
			h->n--;
			return;
		}
	}
}

struct hnode *htab_find(const struct htab *h, uint64_t hash)
{
	struct hnode *n;

	if (!h->nb)
		return NULL;
	for (n = h->b[hash & (h->nb - 1)]; n; n = n->next)
		if (n->hash == hash)
			return n;
	return NULL;
}

struct hnode *htab_next(const struct hnode *node)
{
	struct hnode *n;

	for (n = node->next; n; n = n->next)
		if (n->hash == node->hash)
			return n;
	return NULL;
}

void htab_iter_init(struct htab_iter *it, const struct htab *h)
{
	it->h = h;
	it->bucket = 0;
	it->next = NULL;
}

struct hnode *htab_iter_next(struct htab_iter *it)
{
	struct hnode *cur = it->next;

	while (!cur) {
		if (it->bucket >= it->h->nb)
			return NULL;
		cur = it->h->b[it->bucket++];
	}
	it->next = cur->next;
	return cur;
}

/* FNV-1a with a final avalanche: keys are short, this is not hot. */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}
