// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

int rs_vec_push(struct rs_vec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void **nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = p;
	return 0;
}

static void vec_clear(struct rs_vec *v)
{
	v->n = 0;
}

static void vec_free(struct rs_vec *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}

static uint64_t str_hash(const char *s, uint64_t seed)
{
	return hash_bytes(s ? s : "", s ? strlen(s) + 1 : 0, seed);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static uint64_t entry_hash(const char *owner, const struct rule_match *m,
			   const char *service_id)
{
	return str_hash(service_id, str_hash(owner, match_hash(m)));
}

static void holder_link(struct entry *e)
{
	struct cmatch *cm = e->cm;

	e->cm_prev = NULL;
	e->cm_next = cm->holders;
	if (cm->holders)
		cm->holders->cm_prev = e;
	cm->holders = e;
}

static void holder_unlink(struct entry *e)
{
	if (e->cm_prev)
		e->cm_prev->cm_next = e->cm_next;
	else
		e->cm->holders = e->cm_next;
	if (e->cm_next)
		e->cm_next->cm_prev = e->cm_prev;
	e->cm_next = e->cm_prev = NULL;
}

static uint64_t pnode_hash(uint8_t proto, const struct prefix *dst)
{
	return hash_bytes(dst, sizeof(*dst), proto);
}

int ruleset_init(struct ruleset *rs, uint32_t max_rules)
{
	memset(rs, 0, sizeof(*rs));
	htab_init(&rs->entries);
	htab_init(&rs->cmatches);
	htab_init(&rs->pnodes);
	htab_init(&rs->names);
	rs->max_rules = max_rules;
	rs->next_seq = 1;
	rs->freeq = malloc((size_t)max_rules * sizeof(*rs->freeq));
	rs->by_slot = calloc(max_rules, sizeof(*rs->by_slot));
	if (!rs->freeq || !rs->by_slot) {
		free(rs->freeq);
		free(rs->by_slot);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < max_rules; i++)
		rs->freeq[i] = i;
	rs->fq_len = max_rules;
	return 0;
}

static void free_entry(struct entry *e)
{
	free(e->state_text);
	rule_free(&e->r);
	free(e->owner);
	free(e);
}

static void free_cmatch(struct cmatch *cm)
{
	match_free(&cm->m);
	free(cm);
}

void ruleset_free(struct ruleset *rs)
{
	struct htab_iter it;
	struct hnode *n;

	if (rs->in_txn)
		ruleset_abort(rs);
	htab_iter_init(&it, &rs->entries);
	while ((n = htab_iter_next(&it)))
		free_entry(container_of(n, struct entry, node));
	htab_iter_init(&it, &rs->cmatches);
	while ((n = htab_iter_next(&it)))
		free_cmatch(container_of(n, struct cmatch, node));
	htab_iter_init(&it, &rs->pnodes);
	while ((n = htab_iter_next(&it))) {
		struct pnode *pn = container_of(n, struct pnode, node);

		free(pn->cms);
		free(pn);
	}
	htab_iter_init(&it, &rs->names);
	while ((n = htab_iter_next(&it)))
		free(container_of(n, struct namebit, node));
	htab_free(&rs->entries);
	htab_free(&rs->cmatches);
	htab_free(&rs->pnodes);
	htab_free(&rs->names);
	vec_free(&rs->added);
	vec_free(&rs->removed);
	vec_free(&rs->touched);
	vec_free(&rs->tnames);
	vec_free(&rs->new_pnodes);
	vec_free(&rs->new_cms);
	vec_free(&rs->dead_cms);
	vec_free(&rs->new_names);
	vec_free(&rs->dead_names);
	free(rs->freeq);
	free(rs->by_slot);
	memset(rs, 0, sizeof(*rs));
}

const struct cmatch *ruleset_by_slot(const struct ruleset *rs, uint32_t slot)
{
	return slot < rs->max_rules ? rs->by_slot[slot] : NULL;
}

struct entry *ruleset_find_entry(const struct ruleset *rs, const char *owner,
				 const struct rule_match *m, const char *service_id)
{
	uint64_t h = entry_hash(owner, m, service_id);

	for (struct hnode *n = htab_find(&rs->entries, h); n; n = htab_next(n)) {
		struct entry *e = container_of(n, struct entry, node);

		if (!strcmp(e->owner, owner) && str_eq(e->r.service_id, service_id) &&
		    match_eq(&e->r.m, m))
			return e;
	}
	return NULL;
}

/* The live match if there is one, else a dead one (refs dropped to zero
 * in the open transaction), else NULL. */
struct cmatch *ruleset_find_cmatch(const struct ruleset *rs,
				   const struct rule_match *m)
{
	struct cmatch *dead = NULL;

	for (struct hnode *n = htab_find(&rs->cmatches, match_hash(m)); n;
	     n = htab_next(n)) {
		struct cmatch *cm = container_of(n, struct cmatch, node);

		if (!match_eq(&cm->m, m))
			continue;
		if (cm->refs)
			return cm;
		dead = cm;
	}
	return dead;
}

struct pnode *ruleset_find_pnode(const struct ruleset *rs, uint8_t proto,
				 const struct prefix *dst)
{
	for (struct hnode *n = htab_find(&rs->pnodes, pnode_hash(proto, dst)); n;
	     n = htab_next(n)) {
		struct pnode *pn = container_of(n, struct pnode, node);

		if (pn->proto == proto && !memcmp(&pn->dst, dst, sizeof(*dst)))
			return pn;
	}
	return NULL;
}

static struct namebit *find_name(const struct ruleset *rs, const char *name)
{
	for (struct hnode *n = htab_find(&rs->names, str_hash(name, 7)); n;
	     n = htab_next(n)) {
		struct namebit *nb = container_of(n, struct namebit, node);

		if (!strcmp(nb->name, name))
			return nb;
	}
	return NULL;
}

int ruleset_name_bit(const struct ruleset *rs, const char *name)
{
	struct namebit *nb = find_name(rs, name);

	return nb && nb->refs ? nb->bit : -1;
}

uint64_t ruleset_iface_mask(const struct ruleset *rs, const struct cmatch *cm)
{
	uint64_t mask = 0;

	for (unsigned i = 0; i < cm->m.n_ifaces; i++) {
		struct namebit *nb = find_name(rs, cm->m.ifaces[i]);

		if (nb && nb->bit >= 0)
			mask |= 1ull << nb->bit;
	}
	return mask;
}

void ruleset_begin(struct ruleset *rs)
{
	rs->in_txn = true;
	rs->claimed = false;
	rs->seq_before = rs->next_seq;
	vec_clear(&rs->added);
	vec_clear(&rs->removed);
	vec_clear(&rs->touched);
	vec_clear(&rs->tnames);
	vec_clear(&rs->new_pnodes);
	vec_clear(&rs->new_cms);
	vec_clear(&rs->dead_cms);
	vec_clear(&rs->new_names);
	vec_clear(&rs->dead_names);
}

static int touch_cm(struct ruleset *rs, struct cmatch *cm)
{
	if (cm->touched)
		return 0;
	cm->touched = true;
	cm->refs_before = cm->refs;
	return rs_vec_push(&rs->touched, cm);
}

static int name_ref(struct ruleset *rs, const char *name, int delta)
{
	struct namebit *nb = find_name(rs, name);
	int err;

	if (!nb) {
		nb = calloc(1, sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		snprintf(nb->name, sizeof(nb->name), "%s", name);
		nb->bit = -1;
		err = htab_insert(&rs->names, &nb->node, str_hash(name, 7));
		if (err) {
			free(nb);
			return err;
		}
	}
	if (!nb->touched) {
		err = rs_vec_push(&rs->tnames, nb);
		if (err) {
			if (!nb->refs) {
				htab_remove(&rs->names, &nb->node);
				free(nb);
			}
			return err;
		}
		nb->touched = true;
		nb->refs_before = nb->refs;
	}
	nb->refs += delta;
	return 0;
}

static int cm_names(struct ruleset *rs, struct cmatch *cm, int delta)
{
	for (unsigned i = 0; i < cm->m.n_ifaces; i++) {
		int err = name_ref(rs, cm->m.ifaces[i], delta);

		if (err)
			return err;
	}
	return 0;
}

static int pnode_attach(struct ruleset *rs, struct cmatch *cm)
{
	struct pnode *pn = ruleset_find_pnode(rs, cm->m.proto, &cm->m.dst);
	int err;

	if (!pn) {
		pn = calloc(1, sizeof(*pn));
		if (!pn)
			return -ENOMEM;
		pn->proto = cm->m.proto;
		pn->dst = cm->m.dst;
		pn->created = true;
		err = htab_insert(&rs->pnodes, &pn->node, pnode_hash(pn->proto, &pn->dst));
		if (!err)
			err = rs_vec_push(&rs->new_pnodes, pn);
		if (err) {
			htab_remove(&rs->pnodes, &pn->node);
			free(pn);
			return err;
		}
		rs->len_count[fam_idx(pn->dst.family)][proto_idx(pn->proto)][pn->dst.len]++;
	}
	if (pn->n == pn->cap) {
		uint32_t cap = pn->cap ? pn->cap * 2 : 2;
		struct cmatch **v = realloc(pn->cms, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		pn->cms = v;
		pn->cap = cap;
	}
	pn->cms[pn->n++] = cm;
	cm->pn = pn;
	return 0;
}

static void pnode_detach(struct cmatch *cm)
{
	struct pnode *pn = cm->pn;

	if (!pn)
		return;
	for (uint32_t i = 0; i < pn->n; i++) {
		if (pn->cms[i] == cm) {
			pn->cms[i] = pn->cms[--pn->n];
			break;
		}
	}
	cm->pn = NULL;
}

static void pnode_release(struct ruleset *rs, struct pnode *pn)
{
	htab_remove(&rs->pnodes, &pn->node);
	rs->len_count[fam_idx(pn->dst.family)][proto_idx(pn->proto)][pn->dst.len]--;
	free(pn->cms);
	free(pn);
}

static struct cmatch *new_cmatch(struct ruleset *rs, const struct rule *r)
{
	struct cmatch *cm = calloc(1, sizeof(*cm));

	if (!cm)
		return NULL;
	if (match_copy(&cm->m, &r->m))
		goto fail;
	cm->action = r->action;
	cm->tproxy_port = r->tproxy_port;
	cm->created = true;
	cm->slot = UINT32_MAX;
	if (htab_insert(&rs->cmatches, &cm->node, match_hash(&cm->m)))
		goto fail;
	if (touch_cm(rs, cm)) {
		htab_remove(&rs->cmatches, &cm->node);
		goto fail;
	}
	/* From here on the transaction owns it: abort frees it. */
	if (pnode_attach(rs, cm))
		return NULL;
	return cm;
fail:
	match_free(&cm->m);
	free(cm);
	return NULL;
}

static const char *holder_of(const struct cmatch *cm)
{
	return cm->holders ? cm->holders->owner : "?";
}

int ruleset_add(struct ruleset *rs, const char *owner, struct rule *r,
		uint64_t seq, const char **conflict_owner)
{
	struct cmatch *cm;
	struct entry *e;
	int err;

	e = ruleset_find_entry(rs, owner, &r->m, r->service_id);
	if (e) {
		if (e->cm->action == r->action && e->cm->tproxy_port == r->tproxy_port)
			return RS_EXISTS;
		*conflict_owner = e->owner;
		return -EEXIST;
	}
	cm = ruleset_find_cmatch(rs, &r->m);
	if (cm && cm->refs &&
	    (cm->action != r->action || cm->tproxy_port != r->tproxy_port)) {
		*conflict_owner = holder_of(cm);
		return -EEXIST;
	}
	if (rs->n_entries >= rs->max_rules)
		return -ENOSPC;
	/* A match that lost its last holder in this transaction is revived
	 * when the action is unchanged; otherwise it gets a new slot, since
	 * a rule slot is never rewritten in place under live traffic. */
	if (cm && !cm->refs &&
	    (cm->action != r->action || cm->tproxy_port != r->tproxy_port))
		cm = NULL;
	if (!cm) {
		cm = new_cmatch(rs, r);
		if (!cm)
			return -ENOMEM;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->owner = strdup(owner);
	if (!e->owner) {
		free(e);
		return -ENOMEM;
	}
	err = htab_insert(&rs->entries, &e->node, entry_hash(owner, &r->m, r->service_id));
	if (!err) {
		err = rs_vec_push(&rs->added, e);
		if (err)
			htab_remove(&rs->entries, &e->node);
	}
	if (!err)
		err = touch_cm(rs, cm);
	if (err) {
		free(e->owner);
		free(e);
		return err;
	}
	e->r = *r;
	memset(r, 0, sizeof(*r));
	e->cm = cm;
	holder_link(e);
	e->linked = true;
	e->fresh = true;
	e->seq = seq ? seq : rs->next_seq;
	if (e->seq >= rs->next_seq)
		rs->next_seq = e->seq + 1;
	rs->n_entries++;
	if (cm->refs++ == 0)
		return cm_names(rs, cm, +1);
	return RS_ADDED;
}

int ruleset_remove_entry(struct ruleset *rs, struct entry *e)
{
	struct cmatch *cm = e->cm;
	int err;

	if (!e->linked)
		return 0;
	/* Undo records first, so a failure leaves nothing half done. */
	err = rs_vec_push(&rs->removed, e);
	if (err)
		return err;
	err = touch_cm(rs, cm);
	if (err) {
		rs->removed.n--;
		return err;
	}
	htab_remove(&rs->entries, &e->node);
	holder_unlink(e);
	e->linked = false;
	rs->n_entries--;
	if (--cm->refs == 0)
		return cm_names(rs, cm, -1);
	return 0;
}

static int slot_pop(struct ruleset *rs, uint32_t *slot)
{
	if (!rs->fq_len)
		return -ENOSPC;
	*slot = rs->freeq[rs->fq_head];
	rs->fq_head = (rs->fq_head + 1) % rs->max_rules;
	rs->fq_len--;
	return 0;
}

static void slot_push_front(struct ruleset *rs, uint32_t slot)
{
	rs->fq_head = (rs->fq_head + rs->max_rules - 1) % rs->max_rules;
	rs->freeq[rs->fq_head] = slot;
	rs->fq_len++;
}

static void slot_push_back(struct ruleset *rs, uint32_t slot)
{
	rs->freeq[(rs->fq_head + rs->fq_len) % rs->max_rules] = slot;
	rs->fq_len++;
}

int ruleset_claim_slot(struct ruleset *rs, struct cmatch *cm, uint32_t slot)
{
	if (slot >= rs->max_rules)
		return -ERANGE;
	if (cm->slot != UINT32_MAX && cm->slot != slot)
		return -EINVAL;
	cm->slot = slot;
	rs->claimed = true;
	return 0;
}

int ruleset_claim_name_bit(struct ruleset *rs, const char *name, int bit)
{
	struct namebit *nb = find_name(rs, name);

	if (!nb || !nb->refs || bit < 0 || bit >= 64)
		return -EINVAL;
	if (nb->bit == bit)
		return 0;
	if (nb->bit >= 0 || (rs->name_bits_used & (1ull << bit)))
		return -EINVAL;
	nb->bit = bit;
	rs->name_bits_used |= 1ull << bit;
	rs->claimed = true;
	return 0;
}

/* Rebuilds the free queue after slots were claimed out of order (state
 * load): every slot no live match holds, ascending. */
static int rebuild_freeq(struct ruleset *rs)
{
	uint8_t *used = calloc(rs->max_rules, 1);
	struct htab_iter it;
	struct hnode *n;

	if (!used)
		return -ENOMEM;
	htab_iter_init(&it, &rs->cmatches);
	while ((n = htab_iter_next(&it))) {
		struct cmatch *cm = container_of(n, struct cmatch, node);

		if (!cm->refs || cm->slot == UINT32_MAX)
			continue;
		if (used[cm->slot]) {
			free(used);
			return -EINVAL;
		}
		used[cm->slot] = 1;
	}
	rs->fq_head = 0;
	rs->fq_len = 0;
	for (uint32_t i = 0; i < rs->max_rules; i++)
		if (!used[i])
			rs->freeq[rs->fq_len++] = i;
	free(used);
	return 0;
}

int ruleset_finalize(struct ruleset *rs, const char **limit)
{
	bool claimed = false;
	int err;

	for (size_t i = 0; i < rs->touched.n; i++) {
		struct cmatch *cm = rs->touched.v[i];

		if (cm->created && cm->refs) {
			if (cm->slot != UINT32_MAX)
				claimed = true;
			err = rs_vec_push(&rs->new_cms, cm);
		} else if (!cm->created && !cm->refs && cm->refs_before) {
			err = rs_vec_push(&rs->dead_cms, cm);
		} else {
			err = 0;
		}
		if (err)
			return err;
	}
	if (claimed) {
		/* State load into an empty ruleset: matches carry their slots;
		 * the queue is rebuilt around them, then the rest get one. */
		err = rebuild_freeq(rs);
		if (err)
			return err;
		for (size_t i = 0; i < rs->new_cms.n; i++) {
			struct cmatch *cm = rs->new_cms.v[i];

			if (cm->slot == UINT32_MAX && slot_pop(rs, &cm->slot))
				goto nospace_rules;
		}
	} else {
		for (size_t i = 0; i < rs->new_cms.n; i++) {
			struct cmatch *cm = rs->new_cms.v[i];

			if (slot_pop(rs, &cm->slot)) {
				/* Give back what this loop took, in order. */
				while (i-- > 0) {
					cm = rs->new_cms.v[i];
					slot_push_front(rs, cm->slot);
					cm->slot = UINT32_MAX;
				}
				goto nospace_rules;
			}
		}
	}
	for (size_t i = 0; i < rs->tnames.n; i++) {
		struct namebit *nb = rs->tnames.v[i];

		if (nb->refs && nb->bit < 0) {
			uint64_t free_bits = ~rs->name_bits_used;

			if (!free_bits) {
				*limit = "interface_names";
				return -ENOSPC;
			}
			nb->bit = __builtin_ctzll(free_bits);
			rs->name_bits_used |= 1ull << nb->bit;
			err = rs_vec_push(&rs->new_names, nb);
			if (err)
				return err;
		} else if (!nb->refs && nb->refs_before) {
			err = rs_vec_push(&rs->dead_names, nb);
			if (err)
				return err;
		}
	}
	return 0;

nospace_rules:
	*limit = "rules";
	return -ENOSPC;
}

void ruleset_commit(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->added.n; i++) {
		struct entry *e = rs->added.v[i];

		if (e->linked)
			e->fresh = false;
	}
	for (size_t i = 0; i < rs->removed.n; i++)
		free_entry(rs->removed.v[i]);
	for (size_t i = 0; i < rs->touched.n; i++) {
		struct cmatch *cm = rs->touched.v[i];
		struct pnode *pn = cm->pn;

		cm->touched = false;
		cm->created = false;
		if (cm->refs) {
			if (cm->slot < rs->max_rules)
				rs->by_slot[cm->slot] = cm;
			continue;
		}
		if (cm->refs_before && cm->slot != UINT32_MAX) {
			if (rs->by_slot[cm->slot] == cm)
				rs->by_slot[cm->slot] = NULL;
			slot_push_back(rs, cm->slot);
			rs->n_cmatches--;
		}
		htab_remove(&rs->cmatches, &cm->node);
		pnode_detach(cm);
		if (pn && pn->n == 0)
			pnode_release(rs, pn);
		free_cmatch(cm);
	}
	for (size_t i = 0; i < rs->new_cms.n; i++)
		rs->n_cmatches++;
	for (size_t i = 0; i < rs->new_pnodes.n; i++) {
		struct pnode *pn = rs->new_pnodes.v[i];

		pn->created = false;
	}
	for (size_t i = 0; i < rs->tnames.n; i++) {
		struct namebit *nb = rs->tnames.v[i];

		nb->touched = false;
		if (nb->refs)
			continue;
		if (nb->bit >= 0)
			rs->name_bits_used &= ~(1ull << nb->bit);
		htab_remove(&rs->names, &nb->node);
		free(nb);
	}
	rs->in_txn = false;
}

void ruleset_abort(struct ruleset *rs)
{
	/* Entries first: they point at matches. */
	for (size_t i = rs->added.n; i-- > 0;) {
		struct entry *e = rs->added.v[i];

		if (e->linked) {
			htab_remove(&rs->entries, &e->node);
			holder_unlink(e);
			rs->n_entries--;
		}
		free_entry(e);
	}
	for (size_t i = 0; i < rs->removed.n; i++) {
		struct entry *e = rs->removed.v[i];

		if (e->fresh)
			continue; /* added and removed in this txn: freed above */
		if (htab_insert(&rs->entries, &e->node,
				entry_hash(e->owner, &e->r.m, e->r.service_id)) == 0) {
			e->linked = true;
			holder_link(e);
			rs->n_entries++;
		} else {
			free_entry(e); /* out of memory: the rule is lost */
		}
	}
	/* Slots handed out by finalize go back to the front, newest first.
	 * After claims (state load) the queue was rebuilt around them:
	 * rebuild it again once the new matches are gone. */
	for (size_t i = rs->new_cms.n; i-- > 0;) {
		struct cmatch *cm = rs->new_cms.v[i];

		if (cm->slot != UINT32_MAX && !rs->claimed)
			slot_push_front(rs, cm->slot);
		cm->slot = UINT32_MAX;
	}
	for (size_t i = 0; i < rs->touched.n; i++) {
		struct cmatch *cm = rs->touched.v[i];

		cm->refs = cm->refs_before;
		cm->touched = false;
		if (!cm->created)
			continue;
		htab_remove(&rs->cmatches, &cm->node);
		pnode_detach(cm);
		free_cmatch(cm);
	}
	for (size_t i = 0; i < rs->new_pnodes.n; i++)
		pnode_release(rs, rs->new_pnodes.v[i]);
	if (rs->claimed && rebuild_freeq(rs))
		/* Cannot happen: the remaining live matches held distinct
		 * slots before this transaction. */
		rs->fq_len = 0;
	/* A name nobody references any more was new in this transaction:
	 * whatever bit it got (allocated or claimed) is free again. */
	for (size_t i = 0; i < rs->tnames.n; i++) {
		struct namebit *nb = rs->tnames.v[i];

		nb->refs = nb->refs_before;
		nb->touched = false;
		if (!nb->refs) {
			if (nb->bit >= 0)
				rs->name_bits_used &= ~(1ull << nb->bit);
			htab_remove(&rs->names, &nb->node);
			free(nb);
		}
	}
	rs->next_seq = rs->seq_before;
	rs->in_txn = false;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct entry **ruleset_entries_sorted(const struct ruleset *rs, size_t *n)
{
	struct entry **v = malloc((rs->entries.n + 1) * sizeof(*v));
	struct htab_iter it;
	struct hnode *hn;
	size_t i = 0;

	if (!v)
		return NULL;
	htab_iter_init(&it, &rs->entries);
	while ((hn = htab_iter_next(&it)))
		v[i++] = container_of(hn, struct entry, node);
	qsort(v, i, sizeof(*v), cmp_seq);
	*n = i;
	return v;
}
