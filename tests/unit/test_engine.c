// SPDX-License-Identifier: GPL-2.0-only
/* The rule store and the engine, against the in-memory fake kernel. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fake_kernel.h"
#include "log.h"
#include "ref_match.h"
#include "state.h"
#include "unit_util.h"
#include "zfwd_api.h"

struct env {
	struct fake_kernel fk;
	struct engine e;
};

static const struct zfwd_iface_val internal_deny = {
	.role = ZFWD_ROLE_INTERNAL,
	.default_action = ZFWD_ACT_DENY,
};

static const struct zfwd_iface_val external_pass = {
	.role = ZFWD_ROLE_EXTERNAL,
	.default_action = ZFWD_ACT_PASS,
};

/* An engine on a fresh fake kernel, without interfaces. */
static void env_init_bare(struct env *t, uint32_t rules, uint32_t prefixes, uint32_t leaves)
{
	struct engine_limits lim = { .rules = rules, .prefixes = prefixes, .leaves = leaves };
	struct kbackend kb;

	fake_init(&t->fk);
	kb = fake_backend(&t->fk);
	ck_assert_int_eq(engine_init(&t->e, &lim, &kb), 0);
}

/* ... with "eth0" (ifindex 1, internal) managed. */
static void env_init(struct env *t, uint32_t rules, uint32_t prefixes, uint32_t leaves)
{
	env_init_bare(t, rules, prefixes, leaves);
	ck_assert_int_eq(engine_iface_set(&t->e, 1, "eth0", &internal_deny), 0);
}

static void env_init_default(struct env *t)
{
	env_init(t, 4096, 4096, 8192);
}

static void env_free(struct env *t)
{
	engine_free(&t->e);
	fake_free(&t->fk);
}

/* Rules from a JSON array in test notation (single quotes). */
static struct rule *rules_from(const char *js, bool match_only, size_t *n)
{
	json_t *a = jparse(js), *o;
	struct rule *v;
	size_t i;

	ck_assert_msg(json_is_array(a), "%s is not an array", js);
	*n = json_array_size(a);
	v = calloc(*n ? *n : 1, sizeof(*v));
	ck_assert_ptr_nonnull(v);
	json_array_foreach(a, i, o) {
		struct rule_err err;
		int ret = rule_from_json_opts(o, &v[i], &err, match_only);

		ck_assert_msg(ret == 0, "%s: rule %zu: %s: %s", js, i, err.field, err.reason);
	}
	json_decref(a);
	return v;
}

static void rules_free(struct rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rule_free(&v[i]);
	free(v);
}

static int add(struct env *t, const char *owner, const char *js, struct engine_result *res,
	       struct zerr *err)
{
	size_t n;
	struct rule *v = rules_from(js, false, &n);
	int ret = engine_add(&t->e, owner, v, n, res, err);

	rules_free(v, n);
	return ret;
}

/* An add that must succeed. */
static struct engine_result add_ok(struct env *t, const char *owner, const char *js)
{
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	int ret = add(t, owner, js, &res, &err);

	ck_assert_msg(ret == 0, "add %s: %d %s", js, ret, err.name ? err.name : "");
	ck_assert_ptr_null(err.name);
	return res;
}

static int del(struct env *t, const char *owner, const char *js, bool ignore_missing,
	       struct engine_result *res, struct zerr *err)
{
	size_t n;
	struct rule *v = rules_from(js, true, &n);
	int ret = engine_remove(&t->e, owner, v, n, ignore_missing, res, err);

	rules_free(v, n);
	return ret;
}

static struct engine_result del_ok(struct env *t, const char *owner, const char *js)
{
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	int ret = del(t, owner, js, false, &res, &err);

	ck_assert_msg(ret == 0, "remove %s: %d %s", js, ret, err.name ? err.name : "");
	return res;
}

/* The slot of a live match given as one rule in test notation. */
static int slot_of(struct env *t, const char *rule_js)
{
	struct rule_err err;
	struct cmatch *cm;
	struct rule r;
	int ret = rule_parse_str(rule_js, &r, &err, true);

	ck_assert_msg(ret == 0, "%s: %s", rule_js, err.reason);
	cm = ruleset_find_cmatch(&t->e.rs, &r.m);
	rule_free(&r);
	ck_assert_msg(cm && cm->refs, "%s is not live", rule_js);
	return (int)cm->slot;
}

/* Copies out of the fake's byte arrays (they are not aligned for the
 * value types); the result is valid until the next call. */
static const struct zfwd_iface_val *kernel_iface(const struct fake_kernel *fk, uint32_t ifindex)
{
	static struct zfwd_iface_val v;
	const struct fake_map *m = &fk->maps[KM_IFACES];

	for (size_t i = 0; i < m->n; i++) {
		if (m->e[i].used && !memcmp(m->e[i].key, &ifindex, sizeof(ifindex))) {
			memcpy(&v, m->e[i].val, sizeof(v));
			return &v;
		}
	}
	return NULL;
}

static const struct zfwd_rule_val *kernel_rule(const struct fake_kernel *fk, uint32_t slot)
{
	static struct zfwd_rule_val v;
	const struct fake_map *m = &fk->maps[KM_RULES];

	for (size_t i = 0; i < m->n; i++) {
		if (m->e[i].used && !memcmp(m->e[i].key, &slot, sizeof(slot))) {
			memcpy(&v, m->e[i].val, sizeof(v));
			return &v;
		}
	}
	return NULL;
}

static size_t rule_maps_total(const struct fake_kernel *fk)
{
	return fake_count(fk, KM_DST4) + fake_count(fk, KM_DST6) + fake_count(fk, KM_SRC4) +
	       fake_count(fk, KM_SRC6) + fake_count(fk, KM_RULES);
}

static struct fake_pkt pkt(int proto, const char *src, const char *dst, uint16_t dport,
			   uint32_t ifindex)
{
	struct fake_pkt p = { .proto = (uint8_t)proto, .dport = dport, .ifindex = ifindex };

	if (strchr(dst, ':')) {
		p.family = 6;
		ck_assert_int_eq(inet_pton(AF_INET6, dst, p.daddr), 1);
		ck_assert_int_eq(inet_pton(AF_INET6, src, p.saddr), 1);
	} else {
		p.family = 4;
		ck_assert_int_eq(inet_pton(AF_INET, dst, p.daddr), 1);
		ck_assert_int_eq(inet_pton(AF_INET, src, p.saddr), 1);
	}
	return p;
}

static void pkt_desc(const struct fake_pkt *p, char *buf, size_t n)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = p->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, p->saddr, s, sizeof(s));
	inet_ntop(af, p->daddr, d, sizeof(d));
	snprintf(buf, n, "%s %s -> %s:%u if %u", p->proto == IPPROTO_TCP ? "tcp" : "udp", s, d,
		 p->dport, p->ifindex);
}

/* Everything the engine promises not to change on a failed call. */
struct snap {
	struct fake_kernel fk;
	json_t *state;
	uint32_t n_entries, n_cmatches;
	uint32_t n_dst[2], n_leaves[2];
	struct zfwd_iface_val cur[8];
	size_t n_ifaces;
};

static void snap_take(struct snap *s, const struct env *t)
{
	fake_copy(&s->fk, &t->fk);
	s->state = state_to_json(&t->e);
	ck_assert_ptr_nonnull(s->state);
	s->n_entries = t->e.rs.n_entries;
	s->n_cmatches = t->e.rs.n_cmatches;
	memcpy(s->n_dst, t->e.sh.n_dst, sizeof(s->n_dst));
	memcpy(s->n_leaves, t->e.sh.n_leaves, sizeof(s->n_leaves));
	s->n_ifaces = t->e.n_ifaces;
	ck_assert_uint_le(s->n_ifaces, 8);
	for (size_t i = 0; i < s->n_ifaces; i++)
		s->cur[i] = t->e.ifaces[i].cur;
}

static void snap_check(const struct snap *s, const struct env *t, const char *what)
{
	json_t *now = state_to_json(&t->e);

	ck_assert_msg(fake_equal(&s->fk, &t->fk), "%s: kernel maps changed", what);
	ck_assert_msg(json_equal(s->state, now), "%s: rules, slots or name bits changed", what);
	ck_assert_uint_eq(s->n_entries, t->e.rs.n_entries);
	ck_assert_uint_eq(s->n_cmatches, t->e.rs.n_cmatches);
	ck_assert_msg(!memcmp(s->n_dst, t->e.sh.n_dst, sizeof(s->n_dst)), "%s: shadow dst", what);
	ck_assert_msg(!memcmp(s->n_leaves, t->e.sh.n_leaves, sizeof(s->n_leaves)),
		      "%s: shadow leaves", what);
	ck_assert_uint_eq(s->n_ifaces, t->e.n_ifaces);
	for (size_t i = 0; i < s->n_ifaces; i++)
		ck_assert_msg(!memcmp(&s->cur[i], &t->e.ifaces[i].cur, sizeof(s->cur[i])),
			      "%s: interface %zu's recorded entry changed", what, i);
	json_decref(now);
}

static void snap_free(struct snap *s)
{
	fake_free(&s->fk);
	json_decref(s->state);
}

/* The state with the rules' sequence numbers dropped, once they are
 * checked to be strictly increasing in listing order. */
static json_t *state_without_seq(json_t *st)
{
	json_t *rules = json_object_get(st, "rules"), *r;
	json_int_t last = 0;
	size_t i;

	ck_assert_ptr_nonnull(rules);
	json_array_foreach(rules, i, r) {
		json_int_t seq = jint(r, "seq");

		ck_assert_int_gt(seq, last);
		last = seq;
		json_object_del(r, "seq");
	}
	return st;
}

static void expect_capacity(int ret, struct zerr *err, const char *limit, json_int_t max)
{
	ck_assert_int_eq(ret, -ENOSPC);
	ck_assert_ptr_nonnull(err->name);
	ck_assert_str_eq(err->name, ZFWD_ERR_CAPACITY);
	ck_assert_str_eq(jstr(err->params, "limit"), limit);
	ck_assert_int_eq(jint(err->params, "max"), max);
	ck_assert_str_ne(jstr(err->params, "reason"), "");
	zerr_clear(err);
}

#define R4(dst, extra) "{'protocol':'tcp','destination':'" dst "','action':'pass'" extra "}"

/* ---- add and list ---- */

START_TEST(test_added_rules_are_listed_in_order)
{
	struct env t;
	struct engine_result res;
	struct entry **v;
	size_t n;

	env_init_default(&t);
	res = add_ok(&t, "a", "[" R4("10.0.0.3", "") "," R4("10.0.0.1", ",'service_id':'s'") ","
			      "{'protocol':'udp','destination':'fd00::/64','action':'deny'}]");
	ck_assert_uint_eq(res.added, 3);
	ck_assert_uint_eq(res.existing, 0);
	ck_assert_uint_gt(res.kernel_ops, 0);
	ck_assert_uint_eq(res.kernel_ops, t.fk.ops - 1); /* minus the interface write */
	v = ruleset_entries_sorted(&t.e.rs, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0]->owner, "a");
	ck_assert_int_eq(v[0]->r.m.dst.addr[3], 3);
	ck_assert_int_eq(v[1]->r.m.dst.addr[3], 1);
	ck_assert_str_eq(v[1]->r.service_id, "s");
	ck_assert_int_eq(v[2]->r.m.dst.family, 6);
	ck_assert_uint_lt(v[0]->seq, v[1]->seq);
	ck_assert_uint_lt(v[1]->seq, v[2]->seq);
	free(v);
	ck_assert_uint_eq(t.e.rs.n_entries, 3);
	ck_assert_uint_eq(t.e.rs.n_cmatches, 3);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 3);
	ck_assert_uint_eq(fake_count(&t.fk, KM_DST4), 2);
	ck_assert_uint_eq(fake_count(&t.fk, KM_DST6), 1);
	/* No rule names a source: every leaf lives in its dst entry. */
	ck_assert_uint_eq(fake_count(&t.fk, KM_SRC4), 0);
	ck_assert_uint_eq(fake_count(&t.fk, KM_SRC6), 0);
	/* Every new slot's counters were zeroed. */
	ck_assert_uint_eq(t.fk.resets, 3);
	env_free(&t);
}
END_TEST

START_TEST(test_add_of_nothing_changes_nothing)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	uint64_t attempts;

	env_init_default(&t);
	attempts = t.fk.attempts;
	ck_assert_int_eq(engine_add(&t.e, "a", NULL, 0, &res, &err), 0);
	ck_assert_uint_eq(res.added + res.existing + res.kernel_ops, 0);
	ck_assert_uint_eq(t.fk.attempts, attempts);
	env_free(&t);
}
END_TEST

START_TEST(test_adding_the_same_rule_twice_is_existing_without_kernel_ops)
{
	struct env t;
	struct engine_result res;
	struct snap s;

	env_init_default(&t);
	add_ok(&t, "a", "[" R4("10.0.0.0/8", ",'interfaces':['eth0']") "]");
	snap_take(&s, &t);
	res = add_ok(&t, "a", "[" R4("10.0.0.0/8", ",'interfaces':['eth0']") "]");
	ck_assert_uint_eq(res.added, 0);
	ck_assert_uint_eq(res.existing, 1);
	ck_assert_uint_eq(res.kernel_ops, 0);
	ck_assert_uint_eq(t.fk.attempts, s.fk.attempts);
	snap_check(&s, &t, "re-add");
	/* Twice within one call: the second is existing too. */
	res = add_ok(&t, "a", "[" R4("10.0.0.1", "") "," R4("10.0.0.1", "") "]");
	ck_assert_uint_eq(res.added, 1);
	ck_assert_uint_eq(res.existing, 1);
	ck_assert_uint_eq(t.e.rs.n_entries, 2);
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_same_owner_same_match_other_action_is_conflict)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	env_init_default(&t);
	add_ok(&t, "a", "[" R4("10.0.0.0/8", "") "]");
	snap_take(&s, &t);
	ck_assert_int_eq(add(&t, "a",
			     "[" R4("10.9.0.0/16", "") ","
			     "{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'}]",
			     &res, &err),
			 -EEXIST);
	ck_assert_str_eq(err.name, ZFWD_ERR_CONFLICT);
	ck_assert_int_eq(jint(err.params, "index"), 1);
	ck_assert_str_eq(jstr(err.params, "owner"), "a");
	ck_assert_str_ne(jstr(err.params, "reason"), "");
	zerr_clear(&err);
	snap_check(&s, &t, "conflict");
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_other_tproxy_port_is_conflict)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };

	env_init_default(&t);
	add_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.1','action':'tproxy',"
			"'tproxy_port':9000}]");
	ck_assert_int_eq(add(&t, "b",
			     "[{'protocol':'tcp','destination':'10.0.0.1','action':'tproxy',"
			     "'tproxy_port':9001}]",
			     &res, &err),
			 -EEXIST);
	ck_assert_str_eq(err.name, ZFWD_ERR_CONFLICT);
	ck_assert_str_eq(jstr(err.params, "owner"), "a");
	ck_assert_int_eq(jint(err.params, "index"), 0);
	zerr_clear(&err);
	ck_assert_uint_eq(t.e.rs.n_entries, 1);
	env_free(&t);
}
END_TEST

START_TEST(test_other_owner_other_action_is_conflict_naming_the_holder)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	env_init_default(&t);
	add_ok(&t, "holder", "[" R4("fd00::/16", "") "]");
	snap_take(&s, &t);
	ck_assert_int_eq(add(&t, "other",
			     "[{'protocol':'tcp','destination':'fd00::/16','action':'deny'}]",
			     &res, &err),
			 -EEXIST);
	ck_assert_str_eq(err.name, ZFWD_ERR_CONFLICT);
	ck_assert_int_eq(jint(err.params, "index"), 0);
	ck_assert_str_eq(jstr(err.params, "owner"), "holder");
	zerr_clear(&err);
	snap_check(&s, &t, "conflict with another owner");
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_same_match_of_two_owners_shares_one_slot)
{
	struct env t;
	struct engine_result res;
	struct snap s;

	env_init_default(&t);
	add_ok(&t, "a", "[" R4("10.1.0.0/16", ",'ports':{'low':80}") "]");
	snap_take(&s, &t);
	res = add_ok(&t, "b", "[" R4("10.1.0.0/16", ",'ports':{'low':80}") "]");
	ck_assert_uint_eq(res.added, 1);
	ck_assert_uint_eq(res.kernel_ops, 0);
	ck_assert_uint_eq(t.e.rs.n_entries, 2);
	ck_assert_uint_eq(t.e.rs.n_cmatches, 1);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 1);
	ck_assert(fake_equal(&s.fk, &t.fk));
	/* Removing one holder keeps it in the kernel. */
	res = del_ok(&t, "a",
		     "[{'protocol':'tcp','destination':'10.1.0.0/16','ports':{'low':80}}]");
	ck_assert_uint_eq(res.removed, 1);
	ck_assert_uint_eq(res.kernel_ops, 0);
	ck_assert(fake_equal(&s.fk, &t.fk));
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 1);
	/* Removing the last clears it. */
	res = del_ok(&t, "b",
		     "[{'protocol':'tcp','destination':'10.1.0.0/16','ports':{'low':80}}]");
	ck_assert_uint_eq(res.removed, 1);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 0);
	ck_assert_uint_eq(rule_maps_total(&t.fk), 0);
	ck_assert_uint_eq(t.e.rs.n_cmatches, 0);
	ck_assert_uint_eq(t.e.rs.n_entries, 0);
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_remove_without_service_id_removes_every_service_of_the_owner)
{
	struct env t;
	struct engine_result res;
	struct entry **v;
	size_t n;

	env_init_default(&t);
	add_ok(&t, "a",
	       "[" R4("10.0.0.1", ",'service_id':'s1'") "," R4("10.0.0.1", ",'service_id':'s2'")
	       "," R4("10.0.0.1", "") "," R4("10.0.0.2", "") "]");
	add_ok(&t, "b", "[" R4("10.0.0.1", ",'service_id':'s1'") "]");
	ck_assert_uint_eq(t.e.rs.n_entries, 5);
	ck_assert_uint_eq(t.e.rs.n_cmatches, 2);
	res = del_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.1'}]");
	ck_assert_uint_eq(res.removed, 3);
	ck_assert_uint_eq(res.missing, 0);
	v = ruleset_entries_sorted(&t.e.rs, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0]->owner, "a");
	ck_assert_int_eq(v[0]->r.m.dst.addr[3], 2);
	ck_assert_str_eq(v[1]->owner, "b");
	ck_assert_str_eq(v[1]->r.service_id, "s1");
	free(v);
	/* b still holds 10.0.0.1: its slot stays. */
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 2);
	env_free(&t);
}
END_TEST

START_TEST(test_remove_with_service_id_removes_only_that_service)
{
	struct env t;
	struct engine_result res;
	struct entry **v;
	size_t n;

	env_init_default(&t);
	add_ok(&t, "a",
	       "[" R4("10.0.0.1", ",'service_id':'s1'") "," R4("10.0.0.1", ",'service_id':'s2'")
	       "," R4("10.0.0.1", "") "]");
	res = del_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.1','service_id':'s1'}]");
	ck_assert_uint_eq(res.removed, 1);
	ck_assert_uint_eq(res.kernel_ops, 0);
	v = ruleset_entries_sorted(&t.e.rs, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0]->r.service_id, "s2");
	ck_assert_ptr_null(v[1]->r.service_id);
	free(v);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 1);
	env_free(&t);
}
END_TEST

START_TEST(test_remove_of_missing_rule_is_rule_not_found_with_index)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	env_init_default(&t);
	add_ok(&t, "a", "[" R4("10.0.0.1", "") "," R4("10.0.0.2", "") "]");
	snap_take(&s, &t);
	ck_assert_int_eq(del(&t, "a",
			     "[{'protocol':'tcp','destination':'10.0.0.1'},"
			     "{'protocol':'tcp','destination':'10.0.0.2'},"
			     "{'protocol':'udp','destination':'10.0.0.2'}]",
			     false, &res, &err),
			 -ENOENT);
	ck_assert_str_eq(err.name, ZFWD_ERR_NOT_FOUND);
	ck_assert_int_eq(jint(err.params, "index"), 2);
	ck_assert_str_eq(jstr(err.params, "owner"), "a");
	zerr_clear(&err);
	snap_check(&s, &t, "remove with a missing rule");
	/* Another owner's rule is missing for this owner. */
	ck_assert_int_eq(del(&t, "b", "[{'protocol':'tcp','destination':'10.0.0.1'}]", false,
			     &res, &err),
			 -ENOENT);
	ck_assert_str_eq(err.name, ZFWD_ERR_NOT_FOUND);
	ck_assert_int_eq(jint(err.params, "index"), 0);
	ck_assert_str_eq(jstr(err.params, "owner"), "b");
	zerr_clear(&err);
	/* A service_id nobody has is missing too. */
	ck_assert_int_eq(del(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.1',"
				      "'service_id':'nope'}]",
			     false, &res, &err),
			 -ENOENT);
	zerr_clear(&err);
	snap_check(&s, &t, "remove of other owner's rule");
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_remove_with_ignore_missing_counts_missing)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };

	env_init_default(&t);
	add_ok(&t, "a", "[" R4("10.0.0.1", "") "," R4("10.0.0.2", "") "]");
	ck_assert_int_eq(del(&t, "a",
			     "[{'protocol':'udp','destination':'10.0.0.1'},"
			     "{'protocol':'tcp','destination':'10.0.0.2'},"
			     "{'protocol':'tcp','destination':'10.0.0.3'}]",
			     true, &res, &err),
			 0);
	ck_assert_ptr_null(err.name);
	ck_assert_uint_eq(res.removed, 1);
	ck_assert_uint_eq(res.missing, 2);
	ck_assert_uint_eq(t.e.rs.n_entries, 1);
	ck_assert_uint_eq(fake_count(&t.fk, KM_DST4), 1);
	env_free(&t);
}
END_TEST

START_TEST(test_remove_ignores_action_of_the_query)
{
	struct env t;
	struct engine_result res;

	env_init_default(&t);
	add_ok(&t, "a", "[" R4("10.0.0.1", "") "]");
	/* The match selects; the action given is not compared. */
	res = del_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.1','action':'deny'}]");
	ck_assert_uint_eq(res.removed, 1);
	ck_assert_uint_eq(rule_maps_total(&t.fk), 0);
	env_free(&t);
}
END_TEST

START_TEST(test_flush_of_an_owner_leaves_other_owners)
{
	struct env t, ref;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	static const char b_rules[] = "[" R4("10.0.0.0/8", "") "," R4("10.1.0.0/16", "") "]";

	env_init_default(&t);
	env_init_default(&ref);
	add_ok(&t, "a", "[" R4("10.0.0.0/8", "") "," R4("10.1.2.0/24", "") ","
			"{'protocol':'udp','destination':'fd00::1','action':'deny'}]");
	add_ok(&t, "b", b_rules);
	add_ok(&ref, "b", b_rules);
	ck_assert_int_eq(engine_flush(&t.e, "a", &res, &err), 0);
	ck_assert_uint_eq(res.removed, 3);
	ck_assert_uint_eq(t.e.rs.n_entries, 2);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 2);
	ck_assert_uint_eq(fake_count(&t.fk, KM_DST4), 2);
	ck_assert_uint_eq(fake_count(&t.fk, KM_DST6), 0);
	ck_assert_uint_eq(fake_count(&t.fk, KM_SRC6), 0);
	/* A flush of an owner with no rules removes nothing. */
	ck_assert_int_eq(engine_flush(&t.e, "nobody", &res, &err), 0);
	ck_assert_uint_eq(res.removed, 0);
	ck_assert_uint_eq(res.kernel_ops, 0);
	ck_assert_int_eq(engine_flush(&t.e, NULL, &res, &err), 0);
	ck_assert_uint_eq(res.removed, 2);
	ck_assert_uint_eq(t.e.rs.n_entries, 0);
	ck_assert_uint_eq(rule_maps_total(&t.fk), 0);
	ck_assert_uint_eq(t.e.sh.n_dst[0] + t.e.sh.n_dst[1], 0);
	ck_assert_uint_eq(t.e.sh.n_leaves[0] + t.e.sh.n_leaves[1], 0);
	/* The interface entry stays. */
	ck_assert_ptr_nonnull(kernel_iface(&t.fk, 1));
	env_free(&t);
	env_free(&ref);
}
END_TEST

START_TEST(test_rule_values_in_the_kernel)
{
	struct env t;
	const struct zfwd_rule_val *rv;
	int slot;

	env_init_default(&t);
	add_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.1','action':'tproxy',"
			"'tproxy_port':9000},"
			"{'protocol':'tcp','destination':'10.0.0.2','action':'deny',"
			"'interfaces':['eth0']}]");
	slot = slot_of(&t, "{'protocol':'tcp','destination':'10.0.0.1'}");
	rv = kernel_rule(&t.fk, (uint32_t)slot);
	ck_assert_ptr_nonnull(rv);
	ck_assert_int_eq(rv->action, ZFWD_ACT_TPROXY);
	ck_assert_int_eq(rv->tproxy_port, htons(9000));
	ck_assert_int_eq(rv->flags, ZFWD_RF_ANY_INTERNAL);
	ck_assert(rv->iface_mask == 0);
	slot = slot_of(&t, "{'protocol':'tcp','destination':'10.0.0.2','interfaces':['eth0']}");
	rv = kernel_rule(&t.fk, (uint32_t)slot);
	ck_assert_ptr_nonnull(rv);
	ck_assert_int_eq(rv->action, ZFWD_ACT_DENY);
	ck_assert_int_eq(rv->flags, 0);
	ck_assert(rv->iface_mask != 0);
	ck_assert(kernel_iface(&t.fk, 1)->name_mask == rv->iface_mask);
	env_free(&t);
}
END_TEST

START_TEST(test_interface_name_bits_follow_the_rules)
{
	struct env t;
	const struct zfwd_iface_val *iv;

	env_init_default(&t);
	ck_assert_int_eq(engine_iface_set(&t.e, 2, "eth1", &external_pass), 0);
	ck_assert(kernel_iface(&t.fk, 1)->name_mask == 0);
	ck_assert(kernel_iface(&t.fk, 2)->name_mask == 0);
	add_ok(&t, "a", "[" R4("10.0.0.1", ",'interfaces':['eth1','wg0']") "]");
	ck_assert(kernel_iface(&t.fk, 1)->name_mask == 0);
	iv = kernel_iface(&t.fk, 2);
	ck_assert(iv->name_mask != 0);
	ck_assert_int_eq(iv->role, ZFWD_ROLE_EXTERNAL);
	ck_assert_int_eq(iv->default_action, ZFWD_ACT_PASS);
	ck_assert_int_ge(ruleset_name_bit(&t.e.rs, "wg0"), 0);
	ck_assert_int_ne(ruleset_name_bit(&t.e.rs, "wg0"), ruleset_name_bit(&t.e.rs, "eth1"));
	/* An interface managed later gets the bit its name already has. */
	ck_assert_int_eq(engine_iface_set(&t.e, 7, "wg0", &internal_deny), 0);
	ck_assert(kernel_iface(&t.fk, 7)->name_mask == 1ull << ruleset_name_bit(&t.e.rs, "wg0"));
	/* When the last rule naming it goes, so does the bit. */
	del_ok(&t, "a",
	       "[{'protocol':'tcp','destination':'10.0.0.1','interfaces':['wg0','eth1']}]");
	ck_assert(kernel_iface(&t.fk, 2)->name_mask == 0);
	ck_assert(kernel_iface(&t.fk, 7)->name_mask == 0);
	ck_assert_int_eq(ruleset_name_bit(&t.e.rs, "eth1"), -1);
	ck_assert_int_eq(engine_iface_del(&t.e, 7), 0);
	ck_assert_ptr_null(kernel_iface(&t.fk, 7));
	ck_assert_ptr_null(engine_iface_find(&t.e, 7));
	env_free(&t);
}
END_TEST

START_TEST(test_freed_slot_is_reused_last)
{
	struct env t;
	int first, second;

	env_init(&t, 4, 16, 16);
	add_ok(&t, "a", "[" R4("10.0.0.1", "") "]");
	first = slot_of(&t, R4("10.0.0.1", ""));
	del_ok(&t, "a", "[" R4("10.0.0.1", "") "]");
	add_ok(&t, "a", "[" R4("10.0.0.2", "") "]");
	second = slot_of(&t, R4("10.0.0.2", ""));
	ck_assert_int_ne(first, second);
	/* Every slot is still usable: 4 rules fit. */
	add_ok(&t, "a", "[" R4("10.0.0.3", "") "," R4("10.0.0.4", "") "," R4("10.0.0.5", "") "]");
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 4);
	env_free(&t);
}
END_TEST

/* ---- verdicts, written out by hand ---- */

START_TEST(test_precedence_by_hand)
{
	struct env t;
	int r1, r2, r3, r4, r5, r6;
	struct fake_pkt p;

	env_init_default(&t);
	ck_assert_int_eq(engine_iface_set(&t.e, 2, "eth1", &external_pass), 0);
	ck_assert_int_eq(engine_iface_set(&t.e, 3, "eth3", &internal_deny), 0);
	add_ok(&t, "a",
	       "[{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'},"
	       "{'protocol':'tcp','destination':'10.1.0.0/16','action':'pass','ports':{'low':80}},"
	       "{'protocol':'tcp','destination':'10.1.0.0/16','action':'tproxy','tproxy_port':9000,"
	       " 'ports':{'low':80,'high':90}},"
	       "{'protocol':'tcp','destination':'10.1.0.0/16','action':'deny',"
	       " 'source':'192.168.0.0/24'},"
	       "{'protocol':'tcp','destination':'10.1.2.0/24','action':'pass',"
	       " 'interfaces':['eth1']},"
	       "{'protocol':'tcp','destination':'10.1.0.0/16','action':'pass','ports':{'low':80},"
	       " 'interfaces':['eth0']}]");
	r1 = slot_of(&t, "{'protocol':'tcp','destination':'10.0.0.0/8'}");
	r2 = slot_of(&t, "{'protocol':'tcp','destination':'10.1.0.0/16','ports':{'low':80}}");
	r3 = slot_of(&t, "{'protocol':'tcp','destination':'10.1.0.0/16',"
			 "'ports':{'low':80,'high':90}}");
	r4 = slot_of(&t, "{'protocol':'tcp','destination':'10.1.0.0/16',"
			 "'source':'192.168.0.0/24'}");
	r5 = slot_of(&t, "{'protocol':'tcp','destination':'10.1.2.0/24','interfaces':['eth1']}");
	r6 = slot_of(&t, "{'protocol':'tcp','destination':'10.1.0.0/16','ports':{'low':80},"
			 "'interfaces':['eth0']}");

	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.2.0.1", 80, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r1);
	/* Narrowest port range wins; interface-specific wins a tie. */
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.0.1", 80, 3);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r2);
	p.ifindex = 1;
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r6);
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.0.1", 85, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r3);
	/* Outside every /16 port range: back to the /8. */
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.0.1", 91, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r1);
	/* A longer source beats a narrower port range. */
	p = pkt(IPPROTO_TCP, "192.168.0.5", "10.1.0.1", 80, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r4);
	p = pkt(IPPROTO_TCP, "192.168.1.5", "10.1.0.1", 80, 3);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r2);
	/* The /24 rule names eth1 only. */
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.2.3", 80, 3);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r2);
	p.ifindex = 2;
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r5);
	/* No rule without interfaces applies on an external interface. */
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.0.1", 80, 2);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);
	p = pkt(IPPROTO_UDP, "1.1.1.1", "10.2.0.1", 80, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);
	p = pkt(IPPROTO_TCP, "1.1.1.1", "11.0.0.1", 80, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);
	/* An interface zfwd does not manage never matches. */
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.2.0.1", 80, 9);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);

	/* Removing the /16 port-80 rules exposes the tproxy one. */
	del_ok(&t, "a", "[{'protocol':'tcp','destination':'10.1.0.0/16','ports':{'low':80}},"
			"{'protocol':'tcp','destination':'10.1.0.0/16','ports':{'low':80},"
			"'interfaces':['eth0']}]");
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.0.1", 80, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), r3);
	/* Removing the /8 leaves nothing for the others. */
	del_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.0/8'}]");
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.2.0.1", 80, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);
	p = pkt(IPPROTO_TCP, "1.1.1.1", "10.1.0.1", 91, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);
	env_free(&t);
}
END_TEST

START_TEST(test_precedence_by_hand_ipv6)
{
	struct env t;
	int wide, narrow, host;
	struct fake_pkt p;

	env_init_default(&t);
	add_ok(&t, "a",
	       "[{'protocol':'udp','destination':'::/0','action':'pass'},"
	       "{'protocol':'udp','destination':'fd00::/63','action':'deny','ports':{'low':53}},"
	       "{'protocol':'udp','destination':'fd00::1:0:0:0:1','action':'tproxy',"
	       " 'tproxy_port':5353}]");
	wide = slot_of(&t, "{'protocol':'udp','destination':'::/0'}");
	narrow = slot_of(&t, "{'protocol':'udp','destination':'fd00::/63','ports':{'low':53}}");
	host = slot_of(&t, "{'protocol':'udp','destination':'fd00:0:0:1::1'}");
	p = pkt(IPPROTO_UDP, "2001:db8::1", "fd00:0:0:1::1", 53, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), host);
	p = pkt(IPPROTO_UDP, "2001:db8::1", "fd00:0:0:1::2", 53, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), narrow);
	p = pkt(IPPROTO_UDP, "2001:db8::1", "fd00:0:0:2::2", 53, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), wide);
	p = pkt(IPPROTO_UDP, "2001:db8::1", "fd00:0:0:1::2", 54, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), wide);
	p = pkt(IPPROTO_TCP, "2001:db8::1", "fd00:0:0:1::2", 53, 1);
	ck_assert_int_eq(fake_lookup(&t.fk, &p), -1);
	env_free(&t);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_rules_limit_is_capacity_exceeded_and_changes_nothing)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	env_init(&t, 4, 64, 64);
	snap_take(&s, &t);
	expect_capacity(add(&t, "a", "[" R4("10.0.0.1", "") "," R4("10.0.0.2", "") ","
					 R4("10.0.0.3", "") "," R4("10.0.0.4", "") ","
					 R4("10.0.0.5", "") "]",
			    &res, &err),
			&err, "rules", 4);
	snap_check(&s, &t, "5 rules with limit 4");
	snap_free(&s);
	add_ok(&t, "a", "[" R4("10.0.0.1", "") "," R4("10.0.0.2", "") "," R4("10.0.0.3", "") "]");
	snap_take(&s, &t);
	expect_capacity(add(&t, "b", "[" R4("10.0.0.4", "") "," R4("10.0.0.5", "") "]", &res,
			    &err),
			&err, "rules", 4);
	snap_check(&s, &t, "3 + 2 rules with limit 4");
	/* A rule sharing a match still counts as a rule. */
	add_ok(&t, "b", "[" R4("10.0.0.1", "") "]");
	expect_capacity(add(&t, "c", "[" R4("10.0.0.1", "") "]", &res, &err), &err, "rules", 4);
	ck_assert_uint_eq(t.e.rs.n_entries, 4);
	/* At the limit, adding a rule already held is still fine. */
	ck_assert_int_eq(add(&t, "b", "[" R4("10.0.0.1", "") "]", &res, &err), 0);
	ck_assert_uint_eq(res.existing, 1);
	ck_assert_uint_eq(res.added, 0);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 3);
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_prefixes_limit_is_capacity_exceeded_and_changes_nothing)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	env_init(&t, 64, 2, 64);
	add_ok(&t, "a", "[" R4("10.0.0.1", "") "]");
	snap_take(&s, &t);
	expect_capacity(add(&t, "a", "[" R4("10.0.0.2", "") "," R4("10.0.0.3", "") "]", &res,
			    &err),
			&err, "prefixes", 2);
	snap_check(&s, &t, "3 prefixes with limit 2");
	/* The limit is per family; same prefix other protocol counts. */
	add_ok(&t, "a", "[" R4("fd00::1", "") "," R4("fd00::2", "") "]");
	expect_capacity(add(&t, "a", "[{'protocol':'udp','destination':'fd00::1','action':'pass'}]",
			    &res, &err),
			&err, "prefixes", 2);
	/* A second rule on an existing prefix needs no new entry. */
	add_ok(&t, "a", "[" R4("10.0.0.1", ",'ports':{'low':1}") "]");
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_leaves_limit_is_capacity_exceeded_and_changes_nothing)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	env_init(&t, 64, 64, 3);
	add_ok(&t, "a", "[" R4("10.0.0.0/8", ",'source':'192.168.0.0/16'") ","
			R4("10.0.0.0/8", ",'source':'192.168.1.0/24'") "]");
	ck_assert_uint_eq(t.e.sh.n_leaves[0], 2);
	snap_take(&s, &t);
	/* A /16 inside compiles both sources plus its own: 2 + 3 > 3. */
	expect_capacity(add(&t, "a", "[" R4("10.1.0.0/16", ",'source':'192.168.2.0/24'") "]",
			    &res, &err),
			&err, "leaves", 3);
	snap_check(&s, &t, "leaves");
	add_ok(&t, "a", "[" R4("10.0.0.0/8", ",'source':'192.168.2.0/24'") "]");
	ck_assert_uint_eq(t.e.sh.n_leaves[0], 3);
	snap_free(&s);
	env_free(&t);
}
END_TEST

static void ports_rules(char *buf, size_t size, const char *dst, unsigned n)
{
	size_t off = snprintf(buf, size, "[");

	for (unsigned i = 0; i < n; i++)
		off += snprintf(buf + off, size - off,
				"%s{'protocol':'tcp','destination':'%s','action':'pass',"
				"'ports':{'low':%u,'high':%u}}",
				i ? "," : "", dst, 1000 + i, 1000 + 2 * i);
	snprintf(buf + off, size - off, "]");
}

START_TEST(test_17_rules_on_one_match_exceed_rules_per_match)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;
	char js[8192];

	env_init_default(&t);
	snap_take(&s, &t);
	ports_rules(js, sizeof(js), "10.1.0.0/16", 17);
	expect_capacity(add(&t, "a", js, &res, &err), &err, "rules_per_match",
			ZFWD_MAX_CANDIDATES);
	snap_check(&s, &t, "17 port ranges");
	snap_free(&s);
	ports_rules(js, sizeof(js), "10.1.0.0/16", 16);
	add_ok(&t, "a", js);
	snap_take(&s, &t);
	/* A shorter prefix adds a candidate to the /16's leaf as well. */
	expect_capacity(add(&t, "a", "[" R4("10.0.0.0/8", "") "]", &res, &err), &err,
			"rules_per_match", ZFWD_MAX_CANDIDATES);
	snap_check(&s, &t, "a 17th candidate from a shorter prefix");
	/* The limit is per leaf, not per call or per prefix. */
	ports_rules(js, sizeof(js), "10.2.0.0/16", 16);
	add_ok(&t, "a", js);
	ck_assert_uint_eq(t.e.rs.n_entries, 32);
	snap_free(&s);
	env_free(&t);
}
END_TEST

START_TEST(test_65_interface_names_exceed_interface_names)
{
	struct env t;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	char js[4096];
	size_t off;
	struct snap s;

	env_init_default(&t);
	off = snprintf(js, sizeof(js), "[{'protocol':'tcp','destination':'10.0.0.1',"
				       "'action':'pass','interfaces':[");
	for (int i = 0; i < 64; i++)
		off += snprintf(js + off, sizeof(js) - off, "%s'if%d'", i ? "," : "", i);
	snprintf(js + off, sizeof(js) - off, "]}]");
	add_ok(&t, "a", js);
	snap_take(&s, &t);
	expect_capacity(add(&t, "a", "[" R4("10.0.0.2", ",'interfaces':['if64']") "]", &res, &err),
			&err, "interface_names", ZFWD_MAX_IFACE_NAMES);
	snap_check(&s, &t, "65th interface name");
	/* Names already known cost nothing. */
	add_ok(&t, "a", "[" R4("10.0.0.3", ",'interfaces':['if63','if0']") "]");
	/* Once the names are gone, their bits are free again. */
	del_ok(&t, "a", js);
	add_ok(&t, "a", "[" R4("10.0.0.2", ",'interfaces':['if64']") "]");
	ck_assert_int_ge(ruleset_name_bit(&t.e.rs, "if64"), 0);
	snap_free(&s);
	env_free(&t);
}
END_TEST

/* ---- atomicity ---- */

static const char atom_base[] =
	"[{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'},"
	"{'protocol':'tcp','destination':'10.1.0.0/16','action':'pass','ports':{'low':80}},"
	"{'protocol':'tcp','destination':'10.1.2.0/24','action':'tproxy','tproxy_port':9000},"
	"{'protocol':'tcp','destination':'10.1.2.3','action':'pass','interfaces':['eth0']},"
	"{'protocol':'udp','destination':'fd00::/16','action':'deny'},"
	"{'protocol':'udp','destination':'fd00:1::/32','action':'pass','source':'fd99::/16'},"
	"{'protocol':'udp','destination':'fd00:1::5','action':'tproxy','tproxy_port':53}]";

/* Touches many map entries: shorter prefixes above existing ones, new
 * names, both families, rule slots, leaves and destination entries. */
static const char atom_batch[] =
	"[{'protocol':'tcp','destination':'10.0.0.0/7','action':'pass'},"
	"{'protocol':'tcp','destination':'10.1.0.0/17','action':'deny','source':'192.168.0.0/16'},"
	"{'protocol':'tcp','destination':'10.1.2.0/25','action':'pass','interfaces':['eth1']},"
	"{'protocol':'tcp','destination':'10.1.2.4','action':'pass','interfaces':['wg0','eth0']},"
	"{'protocol':'tcp','destination':'10.1.0.0/16','action':'pass','ports':{'low':80}},"
	"{'protocol':'udp','destination':'::/0','action':'pass','interfaces':['eth1']},"
	"{'protocol':'udp','destination':'fd00::/24','action':'tproxy','tproxy_port':5353},"
	"{'protocol':'udp','destination':'fd00:1::/48','action':'deny','source':'fd99:1::/32'}]";

/* Sets ifindex 2 "eth1" (external) and adds atom_base as owner "a". */
static void atom_setup(struct env *t)
{
	env_init_default(t);
	ck_assert_int_eq(engine_iface_set(&t->e, 2, "eth1", &external_pass), 0);
	add_ok(t, "a", atom_base);
}

enum atom_op { ATOM_ADD, ATOM_REMOVE, ATOM_FLUSH };

static int atom_run(struct env *t, enum atom_op op, struct engine_result *res,
		    struct zerr *err)
{
	switch (op) {
	case ATOM_ADD:
		return add(t, "b", atom_batch, res, err);
	case ATOM_REMOVE:
		return del(t, "b", atom_batch, false, res, err);
	case ATOM_FLUSH:
		return engine_flush(&t->e, "a", res, err);
	}
	return -EINVAL;
}

/* Before the failing call: ADD needs the base; REMOVE and FLUSH the
 * base plus the batch. */
static void atom_prepare(struct env *t, enum atom_op op)
{
	atom_setup(t);
	if (op != ATOM_ADD)
		add_ok(t, "b", atom_batch);
}

static void check_kernel_failures(enum atom_op op)
{
	struct env t, ref;
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	uint64_t ref_calls;
	struct snap s;
	json_t *st_t, *st_ref;
	unsigned k;
	int ret;

	atom_prepare(&ref, op);
	ref_calls = ref.fk.attempts;
	ck_assert_int_eq(atom_run(&ref, op, &res, &err), 0);
	ref_calls = ref.fk.attempts - ref_calls;
	ck_assert_uint_gt(ref_calls, 10);

	atom_prepare(&t, op);
	snap_take(&s, &t);
	for (k = 1;; k++) {
		t.fk.fail_at = t.fk.attempts + k;
		t.fk.fail_err = k % 2 ? -ENOMEM : -E2BIG;
		memset(&res, 0, sizeof(res));
		ret = atom_run(&t, op, &res, &err);
		if (ret == 0)
			break;
		ck_assert_msg(err.name && !strcmp(err.name, ZFWD_ERR_SYSTEM),
			      "failing kernel call %u: %d %s", k, ret, err.name ? err.name : "");
		ck_assert_str_ne(jstr(err.params, "reason"), "");
		zerr_clear(&err);
		snap_check(&s, &t, "after a failed kernel call");
		ck_assert_uint_lt(k, 100000);
	}
	t.fk.fail_at = 0;
	/* Every kernel call of the change was made to fail once. */
	ck_assert_uint_eq(k - 1, ref_calls);
	/* The change finally made is the one made without failures. */
	ck_assert(fake_equal(&t.fk, &ref.fk));
	/* Failed attempts may use up sequence numbers; the order stays. */
	st_t = state_without_seq(state_to_json(&t.e));
	st_ref = state_without_seq(state_to_json(&ref.e));
	ck_assert(json_equal(st_t, st_ref));
	json_decref(st_t);
	json_decref(st_ref);
	snap_free(&s);
	env_free(&t);
	env_free(&ref);
}

START_TEST(test_failed_kernel_call_during_add_changes_nothing)
{
	check_kernel_failures(ATOM_ADD);
}
END_TEST

START_TEST(test_failed_kernel_call_during_remove_changes_nothing)
{
	check_kernel_failures(ATOM_REMOVE);
}
END_TEST

START_TEST(test_failed_kernel_call_during_flush_changes_nothing)
{
	check_kernel_failures(ATOM_FLUSH);
}
END_TEST

struct persist_probe {
	int ret;
	unsigned calls;
	uint32_t n_entries_seen;
	size_t rules_in_kernel;
	struct fake_kernel *fk;
};

static int persist_hook(struct engine *e, void *ctx)
{
	struct persist_probe *p = ctx;
	json_t *st = state_to_json(e);

	p->calls++;
	p->n_entries_seen = (uint32_t)json_array_size(json_object_get(st, "rules"));
	p->rules_in_kernel = fake_count(p->fk, KM_RULES);
	json_decref(st);
	return p->ret;
}

static void check_persist_failure(enum atom_op op)
{
	struct env t;
	struct persist_probe probe = { .ret = -EIO };
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct snap s;

	atom_prepare(&t, op);
	probe.fk = &t.fk;
	t.e.persist = persist_hook;
	t.e.persist_ctx = &probe;
	snap_take(&s, &t);
	ck_assert_int_eq(atom_run(&t, op, &res, &err), -EIO);
	ck_assert_uint_eq(probe.calls, 1);
	ck_assert_str_eq(err.name, ZFWD_ERR_SYSTEM);
	ck_assert_ptr_nonnull(strstr(jstr(err.params, "reason"), "state"));
	zerr_clear(&err);
	snap_check(&s, &t, "after a failed persist");
	/* The same change then succeeds. */
	probe.ret = 0;
	ck_assert_int_eq(atom_run(&t, op, &res, &err), 0);
	ck_assert_uint_eq(probe.calls, 2);
	/* What is persisted is the new rule set, once the kernel has it. */
	ck_assert_uint_eq(probe.n_entries_seen, t.e.rs.n_entries);
	ck_assert_uint_eq(probe.rules_in_kernel, fake_count(&t.fk, KM_RULES));
	ck_assert_uint_ne(t.e.rs.n_entries, s.n_entries);
	snap_free(&s);
	env_free(&t);
}

START_TEST(test_failed_persist_during_add_changes_nothing)
{
	check_persist_failure(ATOM_ADD);
}
END_TEST

START_TEST(test_failed_persist_during_remove_changes_nothing)
{
	check_persist_failure(ATOM_REMOVE);
}
END_TEST

START_TEST(test_failed_persist_during_flush_changes_nothing)
{
	check_persist_failure(ATOM_FLUSH);
}
END_TEST

/* ---- per-change cost ---- */

START_TEST(test_change_cost_does_not_grow_with_the_rule_count)
{
	struct env t;
	struct engine_result res;
	char js[16384];

	env_init(&t, 2048, 2048, 4096);
	for (int b = 0; b < 10; b++) {
		size_t off = snprintf(js, sizeof(js), "[");

		for (int i = 0; i < 100; i++) {
			int n = b * 100 + i;

			off += snprintf(js + off, sizeof(js) - off,
					"%s{'protocol':'tcp','destination':'10.%d.%d.%d',"
					"'action':'tproxy','tproxy_port':%d}",
					i ? "," : "", n / 65536, (n / 256) % 256, n % 256,
					1000 + n % 7);
		}
		snprintf(js + off, sizeof(js) - off, "]");
		add_ok(&t, "a", js);
	}
	ck_assert_uint_eq(t.e.rs.n_entries, 1000);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 1000);
	res = add_ok(&t, "a", "[{'protocol':'tcp','destination':'10.200.0.1','action':'tproxy',"
			      "'tproxy_port':1000}]");
	ck_assert_uint_le(res.kernel_ops, 3);
	ck_assert_uint_ge(res.kernel_ops, 1);
	res = del_ok(&t, "a", "[{'protocol':'tcp','destination':'10.200.0.1'}]");
	ck_assert_uint_le(res.kernel_ops, 3);
	/* Under a covering prefix, still one node. */
	add_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny',"
			"'ports':{'low':1,'high':999}}]");
	res = add_ok(&t, "a", "[{'protocol':'tcp','destination':'10.0.200.1','action':'pass'}]");
	ck_assert_uint_le(res.kernel_ops, 3);
	env_free(&t);
}
END_TEST

/* ---- reconciling with maps left by an earlier run ---- */

/* Fills @t's shadow and interface records from what its fake kernel
 * holds, the way the daemon does after adopting pinned maps. */
static void adopt_from_kernel(struct env *t)
{
	const struct fake_map *m;
	struct zfwd_dst_val dv;

	m = &t->fk.maps[KM_DST4];
	for (size_t i = 0; i < m->n; i++) {
		struct zfwd_dst4_key k;
		struct nodekey nk = { 0 };

		memcpy(&k, m->e[i].key, sizeof(k));
		nk.proto = k.proto;
		nk.dst.family = 4;
		nk.dst.len = (uint8_t)(k.prefixlen - ZFWD_DST_KEY_FIXED_BITS);
		memcpy(nk.dst.addr, &k.addr, 4);
		memcpy(&dv, m->e[i].val, sizeof(dv));
		ck_assert_int_eq(shadow_add_dst(&t->e.sh, &nk, &dv), 0);
	}
	m = &t->fk.maps[KM_DST6];
	for (size_t i = 0; i < m->n; i++) {
		struct zfwd_dst6_key k;
		struct nodekey nk = { 0 };

		memcpy(&k, m->e[i].key, sizeof(k));
		nk.proto = k.proto;
		nk.dst.family = 6;
		nk.dst.len = (uint8_t)(k.prefixlen - ZFWD_DST_KEY_FIXED_BITS);
		memcpy(nk.dst.addr, k.addr, 16);
		memcpy(&dv, m->e[i].val, sizeof(dv));
		ck_assert_int_eq(shadow_add_dst(&t->e.sh, &nk, &dv), 0);
	}
	m = &t->fk.maps[KM_SRC4];
	for (size_t i = 0; i < m->n; i++) {
		struct zfwd_src4_key k;
		struct nodekey nk = { 0 };
		struct cleaf lf = { 0 };

		memcpy(&k, m->e[i].key, sizeof(k));
		nk.proto = k.proto;
		nk.dst.family = 4;
		nk.dst.len = k.dlen;
		memcpy(nk.dst.addr, &k.daddr, 4);
		lf.src.family = 4;
		lf.src.len = (uint8_t)(k.prefixlen - ZFWD_SRC4_KEY_FIXED_BITS);
		memcpy(lf.src.addr, &k.saddr, 4);
		memcpy(&lf.val, m->e[i].val, sizeof(lf.val));
		ck_assert_int_eq(shadow_add_leaf(&t->e.sh, &nk, &lf), 0);
	}
	m = &t->fk.maps[KM_SRC6];
	for (size_t i = 0; i < m->n; i++) {
		struct zfwd_src6_key k;
		struct nodekey nk = { 0 };
		struct cleaf lf = { 0 };

		memcpy(&k, m->e[i].key, sizeof(k));
		nk.proto = k.proto;
		nk.dst.family = 6;
		nk.dst.len = k.dlen;
		memcpy(nk.dst.addr, k.daddr, 16);
		lf.src.family = 6;
		lf.src.len = (uint8_t)(k.prefixlen - ZFWD_SRC6_KEY_FIXED_BITS);
		memcpy(lf.src.addr, k.saddr, 16);
		memcpy(&lf.val, m->e[i].val, sizeof(lf.val));
		ck_assert_int_eq(shadow_add_leaf(&t->e.sh, &nk, &lf), 0);
	}
	shadow_sort(&t->e.sh);
	m = &t->fk.maps[KM_RULES];
	for (size_t i = 0; i < m->n; i++) {
		uint32_t slot;

		memcpy(&slot, m->e[i].key, sizeof(slot));
		ck_assert_uint_lt(slot, t->e.sh.max_rules);
		memcpy(&t->e.sh.rules[slot], m->e[i].val, sizeof(t->e.sh.rules[slot]));
	}
	m = &t->fk.maps[KM_IFACES];
	for (size_t i = 0; i < m->n; i++) {
		uint32_t ifindex;
		struct zfwd_iface_val v;

		memcpy(&ifindex, m->e[i].key, sizeof(ifindex));
		memcpy(&v, m->e[i].val, sizeof(v));
		ck_assert_int_eq(engine_iface_adopt(&t->e, ifindex, &v), 0);
	}
}

/* The action the maps decide for @p, or -1 when no rule matches. */
static int verdict(struct env *t, const struct fake_pkt *p)
{
	int slot = fake_lookup(&t->fk, p);

	return slot < 0 ? -1 : kernel_rule(&t->fk, (uint32_t)slot)->action;
}

static const char old_rules[] =
	"[{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'},"
	"{'protocol':'tcp','destination':'10.1.0.0/16','action':'pass','interfaces':['eth1']},"
	"{'protocol':'tcp','destination':'10.1.2.3','action':'tproxy','tproxy_port':9000},"
	"{'protocol':'udp','destination':'fd00::/16','action':'deny','source':'fd99::/16'},"
	"{'protocol':'udp','destination':'fd00:1::/32','action':'pass','interfaces':['wg0']}]";

static const char new_rules[] =
	"[{'protocol':'tcp','destination':'10.1.2.3','action':'pass'},"
	"{'protocol':'tcp','destination':'10.1.0.0/16','action':'pass','interfaces':['eth0']},"
	"{'protocol':'tcp','destination':'10.1.0.0/17','action':'deny','source':'192.168.0.0/16'},"
	"{'protocol':'udp','destination':'fd00::/16','action':'deny','source':'fd99::/16'},"
	"{'protocol':'udp','destination':'::/0','action':'tproxy','tproxy_port':53}]";

/* Engine @t, on a copy of @old's maps, adopts them, loads @want's state
 * and reconciles; its maps must then equal @want's. */
static void reconcile_onto(struct env *t, const struct env *old, const struct env *want)
{
	json_t *st = state_to_json(&want->e);
	struct zerr err = { 0 };
	char why[256];
	struct kbackend kb;

	fake_copy(&t->fk, &old->fk);
	t->fk.fail_at = 0;
	kb = fake_backend(&t->fk);
	ck_assert_int_eq(engine_init(&t->e, &want->e.lim, &kb), 0);
	adopt_from_kernel(t);
	ck_assert_msg(state_from_json(&t->e, st, why, sizeof(why)) == 0, "%s", why);
	json_decref(st);
	ck_assert_int_eq(engine_reconcile(&t->e, &err), 0);
	for (size_t i = 0; i < want->e.n_ifaces; i++) {
		const struct eiface *ifc = &want->e.ifaces[i];

		ck_assert_int_eq(engine_iface_set(&t->e, ifc->ifindex, ifc->name, &ifc->base), 0);
	}
}

START_TEST(test_reconcile_turns_adopted_maps_into_the_state)
{
	struct env old, want, t;

	env_init_default(&old);
	env_init_default(&want);
	ck_assert_int_eq(engine_iface_set(&old.e, 2, "eth1", &external_pass), 0);
	ck_assert_int_eq(engine_iface_set(&want.e, 2, "eth1", &external_pass), 0);
	add_ok(&old, "a", old_rules);
	/* Other slots and name bits: some rules first, then removed. */
	add_ok(&want, "x", "[{'protocol':'tcp','destination':'1.1.1.1','action':'pass',"
			   "'interfaces':['wg9']}]");
	add_ok(&want, "a", new_rules);
	del_ok(&want, "x", "[{'protocol':'tcp','destination':'1.1.1.1','interfaces':['wg9']}]");
	ck_assert(!fake_equal(&old.fk, &want.fk));
	reconcile_onto(&t, &old, &want);
	ck_assert(fake_equal(&t.fk, &want.fk));
	ck_assert_uint_eq(t.e.sh.n_dst[0], want.e.sh.n_dst[0]);
	ck_assert_uint_eq(t.e.sh.n_dst[1], want.e.sh.n_dst[1]);
	ck_assert_uint_eq(t.e.sh.n_leaves[0], want.e.sh.n_leaves[0]);
	ck_assert_uint_eq(t.e.sh.n_leaves[1], want.e.sh.n_leaves[1]);
	/* The reconciled engine keeps working; its free slots may come in
	 * another order than the long-running one's, the verdicts may not. */
	add_ok(&t, "b", "[{'protocol':'tcp','destination':'10.1.0.0/24','action':'deny'}]");
	add_ok(&want, "b", "[{'protocol':'tcp','destination':'10.1.0.0/24','action':'deny'}]");
	for (int i = 0; i < 6; i++) {
		static const char *const dsts[] = { "10.1.0.5", "10.1.2.3", "10.1.200.1",
						    "10.2.0.1", "fd00::1", "fd00:1::1" };
		struct fake_pkt p = pkt(strchr(dsts[i], ':') ? IPPROTO_UDP : IPPROTO_TCP,
					strchr(dsts[i], ':') ? "fd99::1" : "192.168.0.1", dsts[i],
					53, 1 + i % 2);

		ck_assert_int_eq(verdict(&t, &p), verdict(&want, &p));
		ck_assert_int_eq(fake_lookup(&t.fk, &p),
				 ref_match(&t.e.rs, &p, i % 2 ? "eth1" : "eth0",
					   i % 2 ? ZFWD_ROLE_EXTERNAL : ZFWD_ROLE_INTERNAL));
	}
	ck_assert_int_eq(verdict(&t, &(struct fake_pkt){ 0 }), -1);
	env_free(&t);
	env_free(&old);
	env_free(&want);
}
END_TEST

START_TEST(test_reconcile_of_matching_maps_changes_nothing)
{
	struct env want, t;
	uint64_t ops;

	env_init_default(&want);
	ck_assert_int_eq(engine_iface_set(&want.e, 2, "eth1", &external_pass), 0);
	add_ok(&want, "a", old_rules);
	add_ok(&want, "b", old_rules);
	add_ok(&want, "b", "[{'protocol':'udp','destination':'::/0','action':'tproxy',"
			   "'tproxy_port':53}]");
	reconcile_onto(&t, &want, &want);
	ck_assert(fake_equal(&t.fk, &want.fk));
	ck_assert_uint_eq(t.fk.ops, want.fk.ops);
	/* A second reconcile has nothing to do either. */
	ops = t.fk.attempts;
	ck_assert_int_eq(engine_reconcile(&t.e, &(struct zerr){ 0 }), 0);
	ck_assert_uint_eq(t.fk.attempts, ops);
	env_free(&t);
	env_free(&want);
}
END_TEST

START_TEST(test_reconcile_with_no_rules_empties_adopted_maps)
{
	struct env old, want, t;

	env_init_default(&old);
	env_init_default(&want);
	add_ok(&old, "a", old_rules);
	reconcile_onto(&t, &old, &want);
	ck_assert_uint_eq(rule_maps_total(&t.fk), 0);
	ck_assert(fake_equal(&t.fk, &want.fk));
	env_free(&t);
	env_free(&old);
	env_free(&want);
}
END_TEST

/* ---- the compiled maps agree with the reference semantics ---- */

struct rnd {
	struct env t;
	uint64_t seed;
	bool eth2_set;
	unsigned long checks, matched;
	/* Rules generated so far, to add again (often by another owner). */
	char pool[128][512];
	unsigned n_pool;
	unsigned long conflicts, refusals, injected;
};

static const char *const owners[] = { "a", "b", "c" };

static void rnd_addr(uint64_t *s, int fam, bool src, bool pkt_addr, uint8_t a[16])
{
	unsigned spread = pkt_addr ? 3 : 2, last = pkt_addr ? 80 : 64;

	memset(a, 0, 16);
	if (fam == 4 && !src) {
		a[0] = 10;
		a[1] = prng_below(s, spread);
		a[2] = prng_below(s, spread);
		a[3] = prng_below(s, last);
	} else if (fam == 4) {
		a[0] = 192;
		a[1] = 168;
		a[2] = prng_below(s, spread);
		a[3] = prng_below(s, last);
	} else if (!src) {
		a[0] = 0xfd;
		a[7] = prng_below(s, spread);
		a[15] = prng_below(s, last);
	} else {
		a[0] = 0xfd;
		a[1] = 0x99;
		a[13] = prng_below(s, spread);
		a[15] = prng_below(s, last);
	}
}

static void rnd_prefix(uint64_t *s, int fam, bool src, char *buf, size_t n)
{
	static const uint8_t d4[] = { 0, 8, 16, 20, 23, 24, 26, 27, 28, 30, 31, 32, 32, 32 };
	static const uint8_t s4[] = { 8, 16, 23, 24, 26, 28, 30, 32 };
	static const uint8_t d6[] = { 0, 8, 56, 63, 64, 120, 121, 122, 124, 126, 127, 128, 128 };
	static const uint8_t s6[] = { 16, 104, 110, 112, 120, 122, 124, 127, 128 };
	struct prefix p = { .family = (uint8_t)fam };
	unsigned len;

	rnd_addr(s, fam, src, false, p.addr);
	if (fam == 4)
		len = src ? s4[prng_below(s, sizeof(s4))] : d4[prng_below(s, sizeof(d4))];
	else
		len = src ? s6[prng_below(s, sizeof(s6))] : d6[prng_below(s, sizeof(d6))];
	prefix_mask(&p, len);
	prefix_format(&p, buf, n);
}

static void rnd_rule(uint64_t *s, char *buf, size_t n)
{
	static const char *const ifsets[] = { "['eth0']", "['eth1']", "['eth0','eth1']",
					      "['eth2']", "['eth1','eth2']" };
	int fam = prng_below(s, 3) ? 4 : 6;
	char dst[64], src[64];
	size_t off;

	rnd_prefix(s, fam, false, dst, sizeof(dst));
	off = snprintf(buf, n, "{'protocol':'%s','destination':'%s'",
		       prng_below(s, 4) ? "tcp" : "udp", dst);
	if (prng_below(s, 100) < 45) {
		rnd_prefix(s, fam, true, src, sizeof(src));
		off += snprintf(buf + off, n - off, ",'source':'%s'", src);
	}
	if (prng_below(s, 100) < 60) {
		static const unsigned lows[] = { 53, 80, 443, 1000, 1003, 1005, 1010 };
		unsigned lo = lows[prng_below(s, 7)];
		unsigned hi = lo + (prng_below(s, 3) ? 0 : prng_below(s, 20));

		off += snprintf(buf + off, n - off, ",'ports':{'low':%u,'high':%u}", lo, hi);
	}
	if (prng_below(s, 100) < 40)
		off += snprintf(buf + off, n - off, ",'interfaces':%s", ifsets[prng_below(s, 5)]);
	switch (prng_below(s, 10)) {
	case 0: case 1: case 2: case 3:
		off += snprintf(buf + off, n - off, ",'action':'pass'");
		break;
	case 4: case 5: case 6:
		off += snprintf(buf + off, n - off, ",'action':'deny'");
		break;
	default:
		off += snprintf(buf + off, n - off, ",'action':'tproxy','tproxy_port':%u",
				9000 + prng_below(s, 2));
		break;
	}
	if (!prng_below(s, 5))
		off += snprintf(buf + off, n - off, ",'service_id':'s%u'", prng_below(s, 2));
	snprintf(buf + off, n - off, "}");
}

static void rnd_packet(uint64_t *s, struct fake_pkt *p)
{
	static const uint16_t ports[] = { 53, 80, 443, 1, 65535, 1010, 1011, 1020, 1029 };

	memset(p, 0, sizeof(*p));
	p->family = prng_below(s, 3) ? 4 : 6;
	p->proto = prng_below(s, 4) ? IPPROTO_TCP : IPPROTO_UDP;
	rnd_addr(s, p->family, false, true, p->daddr);
	rnd_addr(s, p->family, true, true, p->saddr);
	switch (prng_below(s, 4)) {
	case 0:
		p->dport = ports[prng_below(s, sizeof(ports) / sizeof(ports[0]))];
		break;
	case 1:
		p->dport = 1000 + prng_below(s, 30);
		break;
	case 2:
		p->dport = 1 + prng_below(s, 65535);
		break;
	default:
		p->dport = (uint16_t[]){ 53, 80, 443 }[prng_below(s, 3)];
		break;
	}
}

static void rnd_check(struct rnd *r, unsigned count, const char *when)
{
	static const struct {
		uint32_t ifindex;
		const char *name;
		int role;
	} ifs[] = {
		{ 1, "eth0", ZFWD_ROLE_INTERNAL },
		{ 2, "eth1", ZFWD_ROLE_EXTERNAL },
		{ 3, "eth3", ZFWD_ROLE_INTERNAL },
		{ 4, "eth2", ZFWD_ROLE_INTERNAL },
	};

	for (unsigned i = 0; i < count; i++) {
		struct fake_pkt p;

		rnd_packet(&r->seed, &p);
		for (size_t j = 0; j < 4; j++) {
			int got, want;

			if (ifs[j].ifindex == 4 && !r->eth2_set)
				continue;
			p.ifindex = ifs[j].ifindex;
			got = fake_lookup(&r->t.fk, &p);
			want = ref_match(&r->t.e.rs, &p, ifs[j].name, ifs[j].role);
			r->checks++;
			r->matched += want >= 0;
			if (got != want) {
				char d[160];

				pkt_desc(&p, d, sizeof(d));
				ck_abort_msg("%s: %s on %s: kernel slot %d, reference slot %d",
					     when, d, ifs[j].name, got, want);
			}
		}
	}
}

/* A second engine loaded from the first one's state compiles to the same
 * maps. */
static void rnd_check_rebuild(struct rnd *r)
{
	json_t *st = state_to_json(&r->t.e), *st2;
	struct zerr err = { 0 };
	struct env t2;
	char why[256];

	env_init_bare(&t2, r->t.e.lim.rules, r->t.e.lim.prefixes, r->t.e.lim.leaves);
	ck_assert_msg(state_from_json(&t2.e, st, why, sizeof(why)) == 0, "state: %s", why);
	ck_assert_int_eq(engine_reconcile(&t2.e, &err), 0);
	for (size_t i = 0; i < r->t.e.n_ifaces; i++) {
		const struct eiface *ifc = &r->t.e.ifaces[i];

		ck_assert_int_eq(engine_iface_set(&t2.e, ifc->ifindex, ifc->name, &ifc->base), 0);
	}
	ck_assert_uint_eq(t2.e.rs.n_entries, r->t.e.rs.n_entries);
	ck_assert_uint_eq(t2.e.rs.n_cmatches, r->t.e.rs.n_cmatches);
	ck_assert_msg(fake_equal(&r->t.fk, &t2.fk), "rebuilt maps differ (seed state)");
	st2 = state_to_json(&t2.e);
	ck_assert(json_equal(st, st2));
	json_decref(st);
	json_decref(st2);
	env_free(&t2);
}

enum rop { ROP_ADD, ROP_REMOVE, ROP_FLUSH };

struct rcall {
	enum rop op;
	const char *owner;
	char (*js)[512]; /* ROP_ADD: rules in test notation */
	unsigned n;
	const struct rule *q; /* ROP_REMOVE: match-only rules */
};

static int rcall_once(struct rnd *r, const struct rcall *c, struct engine_result *res,
		      struct zerr *err)
{
	struct rule rules[8];
	int ret = -EINVAL;

	switch (c->op) {
	case ROP_ADD:
		ck_assert_uint_le(c->n, 8);
		for (unsigned i = 0; i < c->n; i++)
			rules[i] = rule_ok(c->js[i]);
		ret = engine_add(&r->t.e, c->owner, rules, c->n, res, err);
		for (unsigned i = 0; i < c->n; i++)
			rule_free(&rules[i]);
		break;
	case ROP_REMOVE:
		ret = engine_remove(&r->t.e, c->owner, c->q, c->n, true, res, err);
		break;
	case ROP_FLUSH:
		ret = engine_flush(&r->t.e, c->owner, res, err);
		break;
	}
	return ret;
}

/* Makes the call; one time in three, a first attempt has one of its
 * kernel calls fail, which must change nothing at all. */
static int rnd_call(struct rnd *r, const struct rcall *c, struct engine_result *res,
		    struct zerr *err)
{
	bool inject = !prng_below(&r->seed, 3);

	for (;;) {
		struct snap s;
		int ret;

		if (inject) {
			snap_take(&s, &r->t);
			r->t.fk.fail_at = r->t.fk.attempts + 1 + prng_below(&r->seed, 40);
		}
		memset(res, 0, sizeof(*res));
		ret = rcall_once(r, c, res, err);
		r->t.fk.fail_at = 0;
		if (inject && ret && err->name && !strcmp(err->name, ZFWD_ERR_SYSTEM)) {
			snap_check(&s, &r->t, "random change with a failing kernel call");
			snap_free(&s);
			zerr_clear(err);
			r->injected++;
			inject = false;
			continue;
		}
		if (inject)
			snap_free(&s);
		return ret;
	}
}

/* Adds rules one by one when the batch as a whole is refused. */
static void rnd_add_batch(struct rnd *r)
{
	unsigned n = 1 + prng_below(&r->seed, 8);
	const char *owner = owners[prng_below(&r->seed, 3)];
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	char js[8][512];
	struct rcall c = { .op = ROP_ADD, .owner = owner, .js = js, .n = n };
	struct snap s;
	int ret;

	for (unsigned i = 0; i < n; i++) {
		if (r->n_pool && prng_below(&r->seed, 4) == 0) {
			memcpy(js[i], r->pool[prng_below(&r->seed, r->n_pool)], sizeof(js[i]));
		} else {
			rnd_rule(&r->seed, js[i], sizeof(js[i]));
			memcpy(r->pool[r->n_pool++ % 128], js[i], sizeof(js[i]));
			if (r->n_pool > 128)
				r->n_pool = 128;
		}
	}
	snap_take(&s, &r->t);
	ret = rnd_call(r, &c, &res, &err);
	if (ret == 0) {
		ck_assert_uint_eq(res.added + res.existing, n);
		snap_free(&s);
		return;
	}
	/* Only conflicts and too many candidates are expected here. */
	ck_assert_msg(err.name && (!strcmp(err.name, ZFWD_ERR_CONFLICT) ||
				   (!strcmp(err.name, ZFWD_ERR_CAPACITY) &&
				    !strcmp(jstr(err.params, "limit"), "rules_per_match"))),
		      "unexpected error %d %s", ret, err.name ? err.name : "");
	r->refusals++;
	zerr_clear(&err);
	snap_check(&s, &r->t, "refused random batch");
	snap_free(&s);
	for (unsigned i = 0; i < n; i++) {
		struct rcall one = { .op = ROP_ADD, .owner = owner, .js = &js[i], .n = 1 };

		ret = rnd_call(r, &one, &res, &err);
		r->conflicts += ret != 0;
		if (ret)
			ck_assert_msg(err.name && (!strcmp(err.name, ZFWD_ERR_CONFLICT) ||
						   !strcmp(err.name, ZFWD_ERR_CAPACITY)),
				      "unexpected error %d %s for %s", ret,
				      err.name ? err.name : "", js[i]);
		zerr_clear(&err);
	}
}

static void rnd_remove_batch(struct rnd *r)
{
	const char *owner = owners[prng_below(&r->seed, 3)];
	struct engine_result res = { 0 };
	struct zerr err = { 0 };
	struct rule q[6];
	unsigned m = 0, want = 1 + prng_below(&r->seed, 6);
	uint32_t before = r->t.e.rs.n_entries;
	struct rcall c = { .op = ROP_FLUSH, .owner = owner };
	struct entry **v;
	size_t n;

	if (!prng_below(&r->seed, 8)) {
		ck_assert_int_eq(rnd_call(r, &c, &res, &err), 0);
		ck_assert_uint_eq(before - r->t.e.rs.n_entries, res.removed);
		return;
	}
	v = ruleset_entries_sorted(&r->t.e.rs, &n);
	ck_assert_ptr_nonnull(v);
	for (unsigned tries = 0; n && m < want && tries < 50; tries++) {
		struct entry *en = v[prng_below(&r->seed, (uint32_t)n)];

		if (strcmp(en->owner, owner))
			continue;
		ck_assert_int_eq(rule_copy(&q[m], &en->r), 0);
		if (!prng_below(&r->seed, 3)) {
			free(q[m].service_id);
			q[m].service_id = NULL;
		}
		m++;
	}
	free(v);
	c.op = ROP_REMOVE;
	c.q = q;
	c.n = m;
	ck_assert_int_eq(rnd_call(r, &c, &res, &err), 0);
	ck_assert_uint_eq(before - r->t.e.rs.n_entries, res.removed);
	ck_assert_uint_le(res.missing, m);
	if (m)
		ck_assert_uint_gt(res.removed, 0);
	for (unsigned i = 0; i < m; i++)
		rule_free(&q[i]);
}

START_TEST(test_compiled_maps_agree_with_reference_semantics)
{
	struct rnd r = { .seed = 0x5eed0000u + (uint64_t)_i };
	char when[64];

	env_init_default(&r.t);
	ck_assert_int_eq(engine_iface_set(&r.t.e, 2, "eth1", &external_pass), 0);
	ck_assert_int_eq(engine_iface_set(&r.t.e, 3, "eth3", &internal_deny), 0);
	for (int round = 0; round < 60; round++) {
		rnd_add_batch(&r);
		if (round == 30) {
			ck_assert_int_eq(engine_iface_set(&r.t.e, 4, "eth2", &internal_deny), 0);
			r.eth2_set = true;
		}
		snprintf(when, sizeof(when), "seed %d add round %d", _i, round);
		rnd_check(&r, 60, when);
	}
	ck_assert_uint_gt(r.t.e.rs.n_entries, 40);
	/* Owners share matches. */
	ck_assert_uint_lt(r.t.e.rs.n_cmatches, r.t.e.rs.n_entries);
	if (getenv("ZFWD_TEST_DEBUG"))
		fprintf(stderr, "seed %d: %u entries, %u matches, %u+%u prefixes, "
			"%u+%u leaves, %lu refused batches, %lu refused rules, "
			"%lu kernel failures\n",
			_i, r.t.e.rs.n_entries, r.t.e.rs.n_cmatches, r.t.e.sh.n_dst[0],
			r.t.e.sh.n_dst[1], r.t.e.sh.n_leaves[0], r.t.e.sh.n_leaves[1],
			r.refusals, r.conflicts, r.injected);
	snprintf(when, sizeof(when), "seed %d after adding", _i);
	rnd_check(&r, 2000, when);
	rnd_check_rebuild(&r);
	for (int round = 0; round < 50; round++) {
		rnd_remove_batch(&r);
		if (round % 3 == 0)
			rnd_add_batch(&r);
		snprintf(when, sizeof(when), "seed %d remove round %d", _i, round);
		rnd_check(&r, 60, when);
	}
	snprintf(when, sizeof(when), "seed %d after removing", _i);
	rnd_check(&r, 1000, when);
	rnd_check_rebuild(&r);
	/* The test is not vacuous: packets hit rules, and missed them. */
	ck_assert_uint_gt(r.matched, r.checks / 10);
	ck_assert_uint_lt(r.matched, r.checks - r.checks / 20);
	ck_assert_int_eq(engine_flush(&r.t.e, NULL, &(struct engine_result){ 0 },
				      &(struct zerr){ 0 }),
			 0);
	ck_assert_uint_eq(rule_maps_total(&r.t.fk), 0);
	rnd_check(&r, 200, "after flushing everything");
	env_free(&r.t);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("store");
	TCase *tv = tcase_create("verdicts");
	TCase *tl = tcase_create("limits");
	TCase *ta = tcase_create("atomicity");
	TCase *tr = tcase_create("random");
	TCase *tk = tcase_create("reconcile");

	tcase_add_test(tc, test_added_rules_are_listed_in_order);
	tcase_add_test(tc, test_add_of_nothing_changes_nothing);
	tcase_add_test(tc, test_adding_the_same_rule_twice_is_existing_without_kernel_ops);
	tcase_add_test(tc, test_same_owner_same_match_other_action_is_conflict);
	tcase_add_test(tc, test_other_tproxy_port_is_conflict);
	tcase_add_test(tc, test_other_owner_other_action_is_conflict_naming_the_holder);
	tcase_add_test(tc, test_same_match_of_two_owners_shares_one_slot);
	tcase_add_test(tc, test_remove_without_service_id_removes_every_service_of_the_owner);
	tcase_add_test(tc, test_remove_with_service_id_removes_only_that_service);
	tcase_add_test(tc, test_remove_of_missing_rule_is_rule_not_found_with_index);
	tcase_add_test(tc, test_remove_with_ignore_missing_counts_missing);
	tcase_add_test(tc, test_remove_ignores_action_of_the_query);
	tcase_add_test(tc, test_flush_of_an_owner_leaves_other_owners);
	tcase_add_test(tc, test_rule_values_in_the_kernel);
	tcase_add_test(tc, test_interface_name_bits_follow_the_rules);
	tcase_add_test(tc, test_freed_slot_is_reused_last);
	suite_add_tcase(s, tc);

	tcase_add_test(tv, test_precedence_by_hand);
	tcase_add_test(tv, test_precedence_by_hand_ipv6);
	suite_add_tcase(s, tv);

	tcase_add_test(tl, test_rules_limit_is_capacity_exceeded_and_changes_nothing);
	tcase_add_test(tl, test_prefixes_limit_is_capacity_exceeded_and_changes_nothing);
	tcase_add_test(tl, test_leaves_limit_is_capacity_exceeded_and_changes_nothing);
	tcase_add_test(tl, test_17_rules_on_one_match_exceed_rules_per_match);
	tcase_add_test(tl, test_65_interface_names_exceed_interface_names);
	tcase_add_test(tl, test_change_cost_does_not_grow_with_the_rule_count);
	suite_add_tcase(s, tl);

	tcase_add_test(ta, test_failed_kernel_call_during_add_changes_nothing);
	tcase_add_test(ta, test_failed_kernel_call_during_remove_changes_nothing);
	tcase_add_test(ta, test_failed_kernel_call_during_flush_changes_nothing);
	tcase_add_test(ta, test_failed_persist_during_add_changes_nothing);
	tcase_add_test(ta, test_failed_persist_during_remove_changes_nothing);
	tcase_add_test(ta, test_failed_persist_during_flush_changes_nothing);
	suite_add_tcase(s, ta);

	tcase_add_test(tk, test_reconcile_turns_adopted_maps_into_the_state);
	tcase_add_test(tk, test_reconcile_of_matching_maps_changes_nothing);
	tcase_add_test(tk, test_reconcile_with_no_rules_empties_adopted_maps);
	suite_add_tcase(s, tk);

	tcase_set_timeout(tr, 300);
	tcase_add_loop_test(tr, test_compiled_maps_agree_with_reference_semantics, 0, 16);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	log_init(ZLOG_WARNING);
	return run_suite(engine_suite());
}
