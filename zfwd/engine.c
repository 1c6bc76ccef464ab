// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "engine.h"
#include "log.h"
#include "plan.h"

int engine_init(struct engine *e, const struct engine_limits *lim,
		const struct kbackend *kb)
{
	int err;

	memset(e, 0, sizeof(*e));
	e->lim = *lim;
	e->kb = *kb;
	err = ruleset_init(&e->rs, lim->rules);
	if (err)
		return err;
	err = shadow_init(&e->sh, lim->rules);
	if (err)
		ruleset_free(&e->rs);
	return err;
}

void engine_free(struct engine *e)
{
	ruleset_free(&e->rs);
	shadow_free(&e->sh);
	free(e->ifaces);
	memset(e, 0, sizeof(*e));
}

struct zfwd_rule_val engine_rule_val(const struct engine *e, const struct cmatch *cm)
{
	struct zfwd_rule_val v = {
		.action = cm->action,
		.flags = cm->m.n_ifaces ? 0 : ZFWD_RF_ANY_INTERNAL,
		.tproxy_port = htons(cm->tproxy_port),
		.iface_mask = ruleset_iface_mask(&e->rs, cm),
	};

	return v;
}

static void err_capacity(struct zerr *err, const char *limit, uint64_t max,
			 const char *reason)
{
	zerr_set(err, ZFWD_ERR_CAPACITY,
		 json_pack("{s:s,s:I,s:s}", "limit", limit, "max", (json_int_t)max,
			   "reason", reason));
}

static void err_system(struct zerr *err, const char *what, int code)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s: %s", what, strerror(-code));
	zerr_set(err, ZFWD_ERR_SYSTEM, json_pack("{s:s}", "reason", buf));
}

static struct zfwd_iface_val iface_desired(const struct engine *e,
					   const struct eiface *ifc)
{
	struct zfwd_iface_val v = ifc->base;
	int bit = ruleset_name_bit(&e->rs, ifc->name);

	v.name_mask = bit >= 0 ? 1ull << bit : 0;
	return v;
}

struct txn_work {
	struct keyset affected;
	struct cnode *desired;
	size_t n_desired;
	struct plan plan;
	struct zfwd_iface_val *iface_new; /* per engine iface */
};

static void work_free(struct txn_work *w)
{
	for (size_t i = 0; i < w->n_desired; i++)
		cnode_free(&w->desired[i]);
	free(w->desired);
	keyset_free(&w->affected);
	plan_free(&w->plan);
	free(w->iface_new);
}

/* Compiles every affected node and plans its leaves and entry. */
static int plan_nodes(struct engine *e, struct txn_work *w, struct zerr *err)
{
	w->desired = calloc(w->affected.n ? w->affected.n : 1, sizeof(*w->desired));
	if (!w->desired) {
		err_system(err, "compiling rules", -ENOMEM);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->affected.n; i++) {
		struct compile_err cerr;
		int ret;

		ret = compile_node(&e->rs, &w->affected.v[i], &w->desired[i], &cerr);
		if (ret == -ENOSPC) {
			err_capacity(err, "rules_per_match", ZFWD_MAX_CANDIDATES, cerr.reason);
			return ret;
		}
		if (ret) {
			err_system(err, "compiling rules", ret);
			return ret;
		}
		w->n_desired = i + 1;
		ret = plan_node(&w->plan, &w->desired[i],
				shadow_find(&e->sh, &w->affected.v[i]));
		if (ret) {
			err_system(err, "planning map changes", ret);
			return ret;
		}
	}
	return 0;
}

static int check_capacity(const struct engine *e, const struct plan *p,
			  struct zerr *err)
{
	for (int f = 0; f < 2; f++) {
		char why[128];

		if ((long)e->sh.n_dst[f] + p->d_dst[f] > (long)e->lim.prefixes) {
			snprintf(why, sizeof(why), "more than %u IPv%d destination prefixes",
				 e->lim.prefixes, f ? 6 : 4);
			err_capacity(err, "prefixes", e->lim.prefixes, why);
			return -ENOSPC;
		}
		if ((long)e->sh.n_leaves[f] + p->d_leaves[f] > (long)e->lim.leaves) {
			snprintf(why, sizeof(why),
				 "more than %u IPv%d destination/source pairs after compiling overlaps",
				 e->lim.leaves, f ? 6 : 4);
			err_capacity(err, "leaves", e->lim.leaves, why);
			return -ENOSPC;
		}
	}
	return 0;
}

static int apply_and_persist(struct engine *e, struct txn_work *w, bool persist,
			     struct zerr *err)
{
	const struct kop *failed = NULL;
	int ret;

	ret = check_capacity(e, &w->plan, err);
	if (ret)
		return ret;
	ret = plan_apply(&w->plan, &e->kb, &failed);
	if (ret) {
		char what[64];

		snprintf(what, sizeof(what), "updating map %s", kmap_name(failed->map));
		err_system(err, what, ret);
		return ret;
	}
	if (persist && e->persist) {
		ret = e->persist(e, e->persist_ctx);
		if (ret) {
			plan_undo(&w->plan, &e->kb);
			err_system(err, "writing the state file", ret);
			return ret;
		}
	}
	return 0;
}

/* The plan is in the kernel: make the shadow say so. */
static void shadow_commit(struct engine *e, struct txn_work *w)
{
	for (size_t i = 0; i < w->n_desired; i++) {
		if (shadow_set(&e->sh, &w->desired[i]))
			log_err("out of memory updating the shadow; a restart reconciles");
	}
	for (int ph = 0; ph < PH_COUNT; ph++) {
		for (size_t i = 0; i < w->plan.n[ph]; i++) {
			const struct kop *op = &w->plan.ops[ph][i];

			if (op->map == KM_RULES)
				memcpy(&e->sh.rules[op->slot], op->inl_val,
				       sizeof(struct zfwd_rule_val));
		}
	}
	for (size_t i = 0; w->iface_new && i < e->n_ifaces; i++)
		e->ifaces[i].cur = w->iface_new[i];
	e->kernel_ops += plan_size(&w->plan);
	e->txns++;
}

/* @dry_run: everything up to the kernel (validation, compilation,
 * limits), then back out as if the kernel had refused. */
static int commit_txn(struct engine *e, struct engine_result *res, struct zerr *err,
		      bool dry_run)
{
	struct ruleset *rs = &e->rs;
	struct keyset changed;
	struct txn_work w;
	const char *limit = NULL;
	int ret;

	memset(&w, 0, sizeof(w));
	keyset_init(&changed);
	keyset_init(&w.affected);
	plan_init(&w.plan);

	ret = ruleset_finalize(rs, &limit);
	if (ret == -ENOSPC) {
		err_capacity(err, limit,
			     !strcmp(limit, "rules") ? rs->max_rules : ZFWD_MAX_IFACE_NAMES,
			     !strcmp(limit, "rules") ? "no free rule slot"
						     : "too many distinct interface names in rules");
		goto fail;
	}
	if (ret) {
		err_system(err, "allocating rule slots", ret);
		goto fail;
	}

	for (int pass = 0; pass < 2 && !ret; pass++) {
		struct rs_vec *v = pass ? &rs->dead_cms : &rs->new_cms;

		for (size_t i = 0; i < v->n && !ret; i++) {
			struct cmatch *cm = v->v[i];
			struct nodekey k = { .proto = cm->m.proto, .dst = cm->m.dst };

			ret = keyset_add(&changed, &k);
		}
	}
	if (!ret)
		ret = compile_descendants(rs, &changed, &w.affected);
	for (size_t i = 0; i < changed.n && !ret; i++)
		ret = keyset_add(&w.affected, &changed.v[i]);
	if (ret) {
		err_system(err, "finding affected prefixes", ret);
		goto fail;
	}
	ret = plan_nodes(e, &w, err);
	if (ret)
		goto fail;

	for (size_t i = 0; i < rs->new_cms.n && !ret; i++) {
		struct cmatch *cm = rs->new_cms.v[i];
		struct zfwd_rule_val v = engine_rule_val(e, cm);

		ret = plan_rule(&w.plan, cm->slot, &v, &e->sh.rules[cm->slot]);
	}
	for (size_t i = 0; i < rs->dead_cms.n && !ret; i++) {
		struct cmatch *cm = rs->dead_cms.v[i];

		ret = plan_rule(&w.plan, cm->slot, NULL, &e->sh.rules[cm->slot]);
	}
	if (!ret && (rs->new_names.n || rs->dead_names.n) && e->n_ifaces) {
		w.iface_new = calloc(e->n_ifaces, sizeof(*w.iface_new));
		if (!w.iface_new)
			ret = -ENOMEM;
		for (size_t i = 0; i < e->n_ifaces && !ret; i++) {
			struct eiface *ifc = &e->ifaces[i];

			w.iface_new[i] = iface_desired(e, ifc);
			if (!memcmp(&w.iface_new[i], &ifc->cur, sizeof(ifc->cur)))
				continue;
			/* A bit appears before rules use it, goes after. */
			ret = plan_iface(&w.plan, ifc->ifindex, &w.iface_new[i], &ifc->cur,
					 w.iface_new[i].name_mask == 0);
		}
	}
	if (ret) {
		err_system(err, "planning map changes", ret);
		goto fail;
	}

	if (dry_run) {
		ret = check_capacity(e, &w.plan, err);
		if (ret)
			goto fail;
		if (res)
			res->kernel_ops = plan_size(&w.plan);
		ruleset_abort(rs);
		keyset_free(&changed);
		work_free(&w);
		return 0;
	}
	ret = apply_and_persist(e, &w, true, err);
	if (ret)
		goto fail;
	shadow_commit(e, &w);
	ruleset_commit(rs);
	if (res)
		res->kernel_ops = plan_size(&w.plan);
	keyset_free(&changed);
	work_free(&w);
	return 0;

fail:
	ruleset_abort(rs);
	keyset_free(&changed);
	work_free(&w);
	return ret ? ret : -EINVAL;
}

/* Adds one rule inside the open transaction; counts it or sets @err. */
static int add_one(struct engine *e, const char *owner, struct rule *r, size_t index,
		   struct engine_result *res, struct zerr *err)
{
	const char *holder = NULL;
	int ret = ruleset_add(&e->rs, owner, r, 0, &holder);

	if (ret == RS_EXISTS) {
		res->existing++;
		return 0;
	}
	if (ret == RS_ADDED) {
		res->added++;
		return 0;
	}
	if (ret == -EEXIST) {
		char why[200];

		snprintf(why, sizeof(why),
			 "the same match is already held by owner \"%s\" with another action or tproxy_port",
			 holder);
		zerr_set(err, ZFWD_ERR_CONFLICT,
			 json_pack("{s:i,s:s,s:s}", "index", (int)index, "owner", holder, "reason",
				   why));
	} else if (ret == -ENOSPC) {
		err_capacity(err, "rules", e->lim.rules, "too many rules");
	} else {
		err_system(err, "adding rules", ret);
	}
	return ret;
}

/* The owner's own rules with this match and another verdict go, inside
 * the open transaction: what zfw did when a rule was inserted again with
 * a new tproxy port (a router that restarted and listens elsewhere). */
static int replace_own(struct engine *e, const char *owner, const struct rule *r,
		       struct engine_result *res)
{
	struct cmatch *cm = ruleset_find_cmatch(&e->rs, &r->m);
	struct entry *en, *next;
	int ret = 0;

	if (!cm || !cm->refs || (cm->action == r->action && cm->tproxy_port == r->tproxy_port))
		return 0;
	for (en = cm->holders; en && !ret; en = next) {
		next = en->cm_next;
		if (strcmp(en->owner, owner))
			continue;
		ret = ruleset_remove_entry(&e->rs, en);
		res->removed++;
	}
	return ret;
}

static int add_or_validate(struct engine *e, const char *owner, struct rule *rules, size_t n,
			   bool replace, struct engine_result *res, struct zerr *err,
			   bool dry_run)
{
	struct engine_result r = { 0 };
	int ret = 0;

	ruleset_begin(&e->rs);
	for (size_t i = 0; i < n; i++) {
		if (replace) {
			ret = replace_own(e, owner, &rules[i], &r);
			if (ret) {
				err_system(err, "replacing rules", ret);
				ruleset_abort(&e->rs);
				return ret;
			}
		}
		ret = add_one(e, owner, &rules[i], i, &r, err);
		if (ret) {
			ruleset_abort(&e->rs);
			return ret;
		}
	}
	ret = commit_txn(e, &r, err, dry_run);
	if (!ret && res)
		*res = r;
	return ret;
}

int engine_add(struct engine *e, const char *owner, struct rule *rules,
	       size_t n, struct engine_result *res, struct zerr *err)
{
	return add_or_validate(e, owner, rules, n, false, res, err, false);
}

int engine_add_replace(struct engine *e, const char *owner, struct rule *rules, size_t n,
		       struct engine_result *res, struct zerr *err)
{
	return add_or_validate(e, owner, rules, n, true, res, err, false);
}

int engine_validate(struct engine *e, const char *owner, struct rule *rules, size_t n,
		    struct engine_result *res, struct zerr *err)
{
	return add_or_validate(e, owner, rules, n, false, res, err, true);
}

static bool str_same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The sync's wanted rules, by (match, service_id). */
struct want {
	struct hnode node;
	size_t index;
	bool kept;
	bool dup;
};

static uint64_t want_hash(const struct rule *r)
{
	const char *sid = r->service_id ? r->service_id : "";

	return hash_bytes(sid, strlen(sid) + 1, match_hash(&r->m));
}

static struct want *want_find(struct htab *h, const struct rule *rules, const struct rule *r)
{
	for (struct hnode *n = htab_find(h, want_hash(r)); n; n = htab_next(n)) {
		struct want *w = container_of(n, struct want, node);
		const struct rule *o = &rules[w->index];

		if (match_eq(&o->m, &r->m) && str_same(o->service_id, r->service_id))
			return w;
	}
	return NULL;
}

int engine_sync(struct engine *e, const char *owner, struct rule *rules, size_t n,
		struct engine_result *res, struct zerr *err)
{
	struct want *wants = calloc(n ? n : 1, sizeof(*wants));
	struct engine_result r = { 0 };
	struct htab_iter it;
	struct hnode *hn;
	struct htab h;
	int ret = 0;

	htab_init(&h);
	if (!wants) {
		err_system(err, "syncing rules", -ENOMEM);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		struct want *dup = want_find(&h, rules, &rules[i]);

		wants[i].index = i;
		if (dup) {
			/* The same rule twice is harmless; the same match and
			 * service with two verdicts is not. */
			if (rules[dup->index].action != rules[i].action ||
			    rules[dup->index].tproxy_port != rules[i].tproxy_port) {
				zerr_set(err, ZFWD_ERR_CONFLICT,
					 json_pack("{s:i,s:s,s:s}", "index", (int)i, "owner", owner,
						   "reason", "the set holds this match twice with different actions"));
				ret = -EEXIST;
			}
			wants[i].dup = true;
			continue;
		}
		ret = htab_insert(&h, &wants[i].node, want_hash(&rules[i]));
		if (ret)
			err_system(err, "syncing rules", ret);
	}
	if (ret)
		goto out;

	ruleset_begin(&e->rs);
	/* What the owner holds and keeps stays untouched; the rest goes. */
	htab_iter_init(&it, &e->rs.entries);
	while (!ret && (hn = htab_iter_next(&it))) {
		struct entry *en = container_of(hn, struct entry, node);
		struct want *w;

		if (strcmp(en->owner, owner))
			continue;
		w = want_find(&h, rules, &en->r);
		if (w && !w->kept && en->cm->action == rules[w->index].action &&
		    en->cm->tproxy_port == rules[w->index].tproxy_port &&
		    str_same(en->r.service_name, rules[w->index].service_name)) {
			w->kept = true;
			r.kept++;
			continue;
		}
		ret = ruleset_remove_entry(&e->rs, en);
		r.removed++;
	}
	if (ret) {
		err_system(err, "syncing rules", ret);
		ruleset_abort(&e->rs);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (wants[i].kept || wants[i].dup)
			continue;
		ret = add_one(e, owner, &rules[i], i, &r, err);
		if (ret) {
			ruleset_abort(&e->rs);
			goto out;
		}
	}
	ret = commit_txn(e, &r, err, false);
	if (!ret && res)
		*res = r;
out:
	htab_free(&h);
	free(wants);
	return ret;
}

int engine_remove_service(struct engine *e, const char *owner, const char *service_id,
			  struct engine_result *res, struct zerr *err)
{
	struct engine_result r = { 0 };
	struct htab_iter it;
	struct hnode *n;
	int ret = 0;

	ruleset_begin(&e->rs);
	htab_iter_init(&it, &e->rs.entries);
	while (!ret && (n = htab_iter_next(&it))) {
		struct entry *en = container_of(n, struct entry, node);

		if (strcmp(en->owner, owner) || !str_same(en->r.service_id, service_id))
			continue;
		ret = ruleset_remove_entry(&e->rs, en);
		r.removed++;
	}
	if (ret) {
		err_system(err, "removing rules", ret);
		ruleset_abort(&e->rs);
		return ret;
	}
	ret = commit_txn(e, &r, err, false);
	if (!ret && res)
		*res = r;
	return ret;
}

int engine_remove(struct engine *e, const char *owner, const struct rule *rules,
		  size_t n, bool ignore_missing, struct engine_result *res,
		  struct zerr *err)
{
	struct engine_result r = { 0 };
	int ret = 0;

	ruleset_begin(&e->rs);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct rule *q = &rules[i];
		uint32_t found = 0;

		if (q->service_id) {
			struct entry *en = ruleset_find_entry(&e->rs, owner, &q->m,
							      q->service_id);

			if (en) {
				ret = ruleset_remove_entry(&e->rs, en);
				found = 1;
			}
		} else {
			struct cmatch *cm = ruleset_find_cmatch(&e->rs, &q->m);
			struct entry *en = cm ? cm->holders : NULL, *next;

			for (; en && !ret; en = next) {
				next = en->cm_next;
				if (strcmp(en->owner, owner))
					continue;
				ret = ruleset_remove_entry(&e->rs, en);
				found++;
			}
		}
		if (ret)
			break;
		r.removed += found;
		if (found)
			continue;
		if (!ignore_missing) {
			zerr_set(err, ZFWD_ERR_NOT_FOUND,
				 json_pack("{s:i,s:s,s:s}", "index", (int)i, "owner", owner,
					   "reason", "no rule of this owner has this match"));
			ruleset_abort(&e->rs);
			return -ENOENT;
		}
		r.missing++;
	}
	if (ret) {
		err_system(err, "removing rules", ret);
		ruleset_abort(&e->rs);
		return ret;
	}
	ret = commit_txn(e, &r, err, false);
	if (!ret && res)
		*res = r;
	return ret;
}

int engine_flush(struct engine *e, const char *owner, struct engine_result *res,
		 struct zerr *err)
{
	struct engine_result r = { 0 };
	struct htab_iter it;
	struct hnode *n;
	int ret = 0;

	ruleset_begin(&e->rs);
	htab_iter_init(&it, &e->rs.entries);
	while ((n = htab_iter_next(&it)) && !ret) {
		struct entry *en = container_of(n, struct entry, node);

		if (owner && strcmp(en->owner, owner))
			continue;
		ret = ruleset_remove_entry(&e->rs, en);
		r.removed++;
	}
	if (ret) {
		err_system(err, "flushing rules", ret);
		ruleset_abort(&e->rs);
		return ret;
	}
	ret = commit_txn(e, &r, err, false);
	if (!ret && res)
		*res = r;
	return ret;
}

int engine_reconcile(struct engine *e, struct zerr *err)
{
	struct zfwd_rule_val *want = NULL;
	struct htab_iter it;
	struct txn_work w;
	struct hnode *n;
	int ret = 0;

	memset(&w, 0, sizeof(w));
	keyset_init(&w.affected);
	plan_init(&w.plan);

	htab_iter_init(&it, &e->rs.pnodes);
	while (!ret && (n = htab_iter_next(&it))) {
		struct pnode *pn = container_of(n, struct pnode, node);
		struct nodekey k = { .proto = pn->proto, .dst = pn->dst };

		ret = keyset_add(&w.affected, &k);
	}
	htab_iter_init(&it, &e->sh.nodes);
	while (!ret && (n = htab_iter_next(&it)))
		ret = keyset_add(&w.affected, &container_of(n, struct snode, node)->k);
	if (ret) {
		err_system(err, "listing prefixes", ret);
		goto out;
	}
	ret = plan_nodes(e, &w, err);
	if (ret)
		goto out;

	want = calloc(e->lim.rules, sizeof(*want));
	if (!want) {
		ret = -ENOMEM;
		err_system(err, "reconciling rule slots", ret);
		goto out;
	}
	htab_iter_init(&it, &e->rs.cmatches);
	while ((n = htab_iter_next(&it))) {
		struct cmatch *cm = container_of(n, struct cmatch, node);

		if (cm->refs && cm->slot < e->lim.rules)
			want[cm->slot] = engine_rule_val(e, cm);
	}
	for (uint32_t s = 0; s < e->lim.rules && !ret; s++) {
		if (!memcmp(&want[s], &e->sh.rules[s], sizeof(want[s])))
			continue;
		ret = plan_rule(&w.plan, s, want[s].action ? &want[s] : NULL,
				&e->sh.rules[s]);
	}
	if (ret) {
		err_system(err, "planning map changes", ret);
		goto out;
	}
	ret = apply_and_persist(e, &w, false, err);
	if (ret)
		goto out;
	shadow_commit(e, &w);
	log_info("maps reconciled: %zu kernel operations", plan_size(&w.plan));
out:
	free(want);
	work_free(&w);
	return ret;
}

const struct eiface *engine_iface_find(const struct engine *e, uint32_t ifindex)
{
	for (size_t i = 0; i < e->n_ifaces; i++)
		if (e->ifaces[i].ifindex == ifindex)
			return &e->ifaces[i];
	return NULL;
}

static struct eiface *iface_get(struct engine *e, uint32_t ifindex)
{
	struct eiface *v, *ifc = (struct eiface *)engine_iface_find(e, ifindex);

	if (ifc)
		return ifc;
	v = realloc(e->ifaces, (e->n_ifaces + 1) * sizeof(*v));
	if (!v)
		return NULL;
	e->ifaces = v;
	ifc = &e->ifaces[e->n_ifaces++];
	memset(ifc, 0, sizeof(*ifc));
	ifc->ifindex = ifindex;
	return ifc;
}

int engine_iface_adopt(struct engine *e, uint32_t ifindex,
		       const struct zfwd_iface_val *cur)
{
	struct eiface *ifc = iface_get(e, ifindex);

	if (!ifc)
		return -ENOMEM;
	ifc->cur = *cur;
	ifc->in_kernel = true;
	return 0;
}

int engine_iface_set(struct engine *e, uint32_t ifindex, const char *name,
		     const struct zfwd_iface_val *base)
{
	struct eiface *ifc = iface_get(e, ifindex);
	struct zfwd_iface_val want;
	int err;

	if (!ifc)
		return -ENOMEM;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->base = *base;
	ifc->base.name_mask = 0;
	want = iface_desired(e, ifc);
	if (ifc->in_kernel && !memcmp(&want, &ifc->cur, sizeof(want)))
		return 0;
	err = e->kb.update(e->kb.ctx, KM_IFACES, &ifindex, &want);
	if (err)
		return err;
	ifc->cur = want;
	ifc->in_kernel = true;
	return 0;
}

int engine_iface_del(struct engine *e, uint32_t ifindex)
{
	for (size_t i = 0; i < e->n_ifaces; i++) {
		struct eiface *ifc = &e->ifaces[i];
		int err;

		if (ifc->ifindex != ifindex)
			continue;
		if (ifc->in_kernel) {
			err = e->kb.remove(e->kb.ctx, KM_IFACES, &ifindex);
			if (err && err != -ENOENT)
				return err;
		}
		e->ifaces[i] = e->ifaces[--e->n_ifaces];
		return 0;
	}
	return 0;
}
