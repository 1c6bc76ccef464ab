// SPDX-License-Identifier: GPL-2.0-only
/* The state file: JSON round trips, corrupt input, saving and loading. */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "fake_kernel.h"
#include "log.h"
#include "state.h"
#include "unit_util.h"

struct env {
	struct fake_kernel fk;
	struct engine e;
};

static void env_init(struct env *t, uint32_t rules)
{
	struct engine_limits lim = { .rules = rules, .prefixes = 1024, .leaves = 4096 };
	struct kbackend kb;

	fake_init(&t->fk);
	kb = fake_backend(&t->fk);
	ck_assert_int_eq(engine_init(&t->e, &lim, &kb), 0);
}

static void env_free(struct env *t)
{
	engine_free(&t->e);
	fake_free(&t->fk);
}

static void add_ok(struct env *t, const char *owner, const char *js)
{
	json_t *a = jparse(js), *o;
	struct engine_result res;
	struct zerr err = { 0 };
	struct rule *v;
	size_t n = json_array_size(a), i;
	int ret;

	v = calloc(n ? n : 1, sizeof(*v));
	json_array_foreach(a, i, o) {
		struct rule_err rerr;

		ck_assert_int_eq(rule_from_json(o, &v[i], &rerr), 0);
	}
	ret = engine_add(&t->e, owner, v, n, &res, &err);
	ck_assert_msg(ret == 0, "add %s: %d %s", js, ret, err.name ? err.name : "");
	for (i = 0; i < n; i++)
		rule_free(&v[i]);
	free(v);
	json_decref(a);
}

static void remove_ok(struct env *t, const char *owner, const char *rule_js)
{
	struct engine_result res;
	struct zerr err = { 0 };
	struct rule_err rerr;
	struct rule r;

	ck_assert_int_eq(rule_parse_str(rule_js, &r, &rerr, true), 0);
	ck_assert_int_eq(engine_remove(&t->e, owner, &r, 1, false, &res, &err), 0);
	rule_free(&r);
}

/* A rule set with shared matches, several owners and services, both
 * families, interface names, and a freed slot in the middle. */
static void populate(struct env *t)
{
	static const struct zfwd_iface_val ifv = { .role = ZFWD_ROLE_INTERNAL };

	ck_assert_int_eq(engine_iface_set(&t->e, 1, "eth0", &ifv), 0);
	add_ok(t, "a", "[{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'},"
		       "{'protocol':'tcp','destination':'10.1.0.1','action':'tproxy',"
		       " 'tproxy_port':9000,'service_id':'s1','service_name':'one'},"
		       "{'protocol':'tcp','destination':'10.1.0.9','action':'pass'},"
		       "{'protocol':'udp','destination':'fd00::/64','action':'pass',"
		       " 'interfaces':['eth1','wg0'],'ports':{'low':53,'high':54}}]");
	add_ok(t, "b", "[{'protocol':'tcp','destination':'10.1.0.1','action':'tproxy',"
		       " 'tproxy_port':9000,'service_id':'s2'},"
		       "{'protocol':'tcp','destination':'192.0.2.0/24','action':'pass',"
		       " 'source':'198.51.100.0/24','interfaces':['eth0']}]");
	remove_ok(t, "a", "{'protocol':'tcp','destination':'10.1.0.9'}");
	add_ok(t, "c:1@x", "[{'protocol':'udp','destination':'fd00::1','action':'deny',"
			   " 'interfaces':['wg0']}]");
}

/* The same entries in the same order, with the same slots. */
static void expect_same_rules(const struct engine *a, const struct engine *b)
{
	struct entry **va, **vb;
	size_t na, nb;

	va = ruleset_entries_sorted(&a->rs, &na);
	vb = ruleset_entries_sorted(&b->rs, &nb);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++) {
		ck_assert_str_eq(va[i]->owner, vb[i]->owner);
		ck_assert_uint_eq(va[i]->seq, vb[i]->seq);
		ck_assert(match_eq(&va[i]->r.m, &vb[i]->r.m));
		ck_assert_int_eq(va[i]->r.action, vb[i]->r.action);
		ck_assert_int_eq(va[i]->r.tproxy_port, vb[i]->r.tproxy_port);
		if (va[i]->r.service_id)
			ck_assert_str_eq(va[i]->r.service_id, vb[i]->r.service_id);
		else
			ck_assert_ptr_null(vb[i]->r.service_id);
		if (va[i]->r.service_name)
			ck_assert_str_eq(va[i]->r.service_name, vb[i]->r.service_name);
		else
			ck_assert_ptr_null(vb[i]->r.service_name);
		ck_assert_uint_eq(va[i]->cm->slot, vb[i]->cm->slot);
	}
	free(va);
	free(vb);
	ck_assert_uint_eq(a->rs.n_entries, b->rs.n_entries);
	ck_assert_uint_eq(a->rs.n_cmatches, b->rs.n_cmatches);
	ck_assert(a->rs.name_bits_used == b->rs.name_bits_used);
	ck_assert_int_eq(ruleset_name_bit(&a->rs, "eth0"), ruleset_name_bit(&b->rs, "eth0"));
	ck_assert_int_eq(ruleset_name_bit(&a->rs, "eth1"), ruleset_name_bit(&b->rs, "eth1"));
	ck_assert_int_eq(ruleset_name_bit(&a->rs, "wg0"), ruleset_name_bit(&b->rs, "wg0"));
}

/* ---- JSON ---- */

START_TEST(test_state_round_trip_keeps_entries_slots_and_name_bits)
{
	struct env a, b;
	json_t *st;
	char why[256] = "";
	uint64_t ops;

	env_init(&a, 64);
	env_init(&b, 64);
	populate(&a);
	st = state_to_json(&a.e);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(jstr(st, "format"), "zfwd-state");
	ck_assert_int_eq(jint(st, "version"), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "rules")), 6);
	ops = b.fk.attempts;
	ck_assert_msg(state_from_json(&b.e, st, why, sizeof(why)) == 0, "%s", why);
	/* Loading touches no map: reconcile does. */
	ck_assert_uint_eq(b.fk.attempts, ops);
	expect_same_rules(&a.e, &b.e);
	json_decref(st);
	env_free(&a);
	env_free(&b);
}
END_TEST

START_TEST(test_loaded_engine_allocates_free_slots_afresh)
{
	struct env a, b;
	json_t *st;
	char why[256];
	struct engine_result res;
	struct zerr err = { 0 };
	struct rule r;
	struct rule_err rerr;
	struct cmatch *cm;
	struct htab_iter it;
	struct hnode *n;
	uint32_t used = 0;

	env_init(&a, 8);
	env_init(&b, 8);
	populate(&a);
	st = state_to_json(&a.e);
	ck_assert_int_eq(state_from_json(&b.e, st, why, sizeof(why)), 0);
	json_decref(st);
	/* Fill every remaining slot: each new match gets an unused one. */
	for (int i = 0; b.e.rs.n_entries < 8; i++) {
		char js[128];

		snprintf(js, sizeof(js), "{'protocol':'udp','destination':'10.9.9.%d',"
					 "'action':'pass'}", i);
		ck_assert_int_eq(rule_parse_str(js, &r, &rerr, false), 0);
		ck_assert_int_eq(engine_add(&b.e, "n", &r, 1, &res, &err), 0);
		rule_free(&r);
	}
	htab_iter_init(&it, &b.e.rs.cmatches);
	while ((n = htab_iter_next(&it))) {
		cm = container_of(n, struct cmatch, node);
		ck_assert_uint_lt(cm->slot, 8);
		ck_assert_msg(!(used & (1u << cm->slot)), "slot %u twice", cm->slot);
		used |= 1u << cm->slot;
	}
	ck_assert_uint_eq(b.e.rs.n_cmatches, 7);
	env_free(&a);
	env_free(&b);
}
END_TEST

START_TEST(test_slot_beyond_a_lowered_limit_is_reassigned)
{
	struct env a, b;
	json_t *st, *rules, *r;
	char why[256];
	size_t i;

	env_init(&a, 64);
	env_init(&b, 16);
	populate(&a);
	st = state_to_json(&a.e);
	rules = json_object_get(st, "rules");
	json_array_foreach(rules, i, r)
		json_object_set_new(r, "slot", json_integer(40 + (json_int_t)i));
	ck_assert_msg(state_from_json(&b.e, st, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(b.e.rs.n_entries, 6);
	json_decref(st);
	env_free(&a);
	env_free(&b);
}
END_TEST

static json_t *good_state(void)
{
	struct env a;
	json_t *st;

	env_init(&a, 64);
	populate(&a);
	st = state_to_json(&a.e);
	env_free(&a);
	return st;
}

/* Loading @st must fail with a message; the engine stays empty and
 * usable. */
static void expect_corrupt(json_t *st, const char *why_sub)
{
	struct env b;
	char why[256] = "";
	int ret;

	env_init(&b, 64);
	ret = state_from_json(&b.e, st, why, sizeof(why));
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_str_ne(why, "");
	if (why_sub)
		ck_assert_msg(strstr(why, why_sub), "message \"%s\" lacks \"%s\"", why, why_sub);
	ck_assert_uint_eq(b.e.rs.n_entries, 0);
	ck_assert_uint_eq(b.e.rs.n_cmatches, 0);
	ck_assert_uint_eq(b.e.rs.entries.n, 0);
	ck_assert_uint_eq(b.e.rs.cmatches.n, 0);
	ck_assert_uint_eq(b.e.rs.pnodes.n, 0);
	ck_assert_uint_eq(b.e.rs.names.n, 0);
	env_free(&b);
	json_decref(st);
}

START_TEST(test_wrong_format_is_rejected)
{
	json_t *st = good_state();

	json_object_set_new(st, "format", json_string("zfwd-rules"));
	expect_corrupt(st, NULL);
	st = good_state();
	json_object_del(st, "format");
	expect_corrupt(st, NULL);
	expect_corrupt(json_array(), NULL);
}
END_TEST

START_TEST(test_wrong_version_is_rejected)
{
	json_t *st = good_state();

	json_object_set_new(st, "version", json_integer(2));
	expect_corrupt(st, "version");
	st = good_state();
	json_object_set_new(st, "version", json_string("1"));
	expect_corrupt(st, "version");
}
END_TEST

START_TEST(test_missing_rules_are_rejected)
{
	json_t *st = good_state();

	json_object_del(st, "rules");
	expect_corrupt(st, "rules");
	st = good_state();
	json_object_set_new(st, "rules", json_object());
	expect_corrupt(st, "rules");
	st = good_state();
	json_object_set_new(st, "interface_bits", json_array());
	expect_corrupt(st, "interface_bits");
}
END_TEST

START_TEST(test_bad_rule_is_rejected_naming_it)
{
	json_t *st = good_state();
	json_t *r = json_array_get(json_object_get(st, "rules"), 3);

	json_object_set_new(json_object_get(r, "rule"), "destination", json_string("10.0.0.1/8"));
	expect_corrupt(st, "rules[3].destination");
	st = good_state();
	r = json_array_get(json_object_get(st, "rules"), 2);
	json_object_del(r, "rule");
	expect_corrupt(st, "rules[2]");
}
END_TEST

START_TEST(test_bad_owner_seq_or_slot_is_rejected)
{
	json_t *st = good_state();
	json_t *r = json_array_get(json_object_get(st, "rules"), 1);

	json_object_set_new(r, "owner", json_string("bad owner"));
	expect_corrupt(st, "rules[1]");
	st = good_state();
	json_object_del(json_array_get(json_object_get(st, "rules"), 0), "owner");
	expect_corrupt(st, "rules[0]");
	st = good_state();
	json_object_set_new(json_array_get(json_object_get(st, "rules"), 0), "seq",
			    json_integer(0));
	expect_corrupt(st, "rules[0]");
	st = good_state();
	json_object_set_new(json_array_get(json_object_get(st, "rules"), 0), "slot",
			    json_string("0"));
	expect_corrupt(st, "rules[0]");
}
END_TEST

START_TEST(test_duplicate_rule_is_rejected)
{
	json_t *st = good_state();
	json_t *rules = json_object_get(st, "rules");

	json_array_append(rules, json_array_get(rules, 0));
	expect_corrupt(st, "duplicate");
}
END_TEST

START_TEST(test_conflicting_rule_is_rejected)
{
	json_t *st = good_state();
	json_t *rules = json_object_get(st, "rules");
	json_t *c = json_deep_copy(json_array_get(rules, 0));

	json_object_set_new(c, "owner", json_string("z"));
	json_object_set_new(json_object_get(c, "rule"), "action", json_string("pass"));
	json_object_set_new(c, "slot", json_integer(50));
	json_array_append_new(rules, c);
	expect_corrupt(st, "conflict");
}
END_TEST

/* Gives entry @i of @st's rules the slot of entry @j. */
static void steal_slot(json_t *st, size_t i, size_t j)
{
	json_t *rules = json_object_get(st, "rules");
	json_t *slot = json_object_get(json_array_get(rules, j), "slot");

	json_object_set(json_array_get(rules, i), "slot", slot);
}

START_TEST(test_two_matches_claiming_one_slot_are_rejected)
{
	json_t *st = good_state();

	/* rules[0] (10.0.0.0/8) and rules[2] (fd00::/64) are distinct. */
	steal_slot(st, 2, 0);
	expect_corrupt(st, NULL);
}
END_TEST

START_TEST(test_one_match_claiming_two_slots_is_rejected)
{
	json_t *st = good_state();
	json_t *rules = json_object_get(st, "rules");

	/* rules[1] and rules[3] share 10.1.0.1 (owners a and b). */
	ck_assert_str_eq(jstr(json_object_get(json_array_get(rules, 1), "rule"), "destination"),
			 "10.1.0.1/32");
	ck_assert_str_eq(jstr(json_object_get(json_array_get(rules, 3), "rule"), "destination"),
			 "10.1.0.1/32");
	json_object_set_new(json_array_get(rules, 3), "slot", json_integer(33));
	expect_corrupt(st, "slot");
}
END_TEST

START_TEST(test_bad_interface_bits_are_rejected)
{
	json_t *st = good_state();

	json_object_set_new(json_object_get(st, "interface_bits"), "wg0", json_integer(64));
	expect_corrupt(st, "wg0");
	st = good_state();
	/* A name no rule uses. */
	json_object_set_new(json_object_get(st, "interface_bits"), "nobody", json_integer(40));
	expect_corrupt(st, "nobody");
	st = good_state();
	/* Two names on one bit. */
	json_object_set(json_object_get(st, "interface_bits"), "wg0",
			json_object_get(json_object_get(st, "interface_bits"), "eth1"));
	expect_corrupt(st, "interface_bits");
}
END_TEST

/* Regression, fixed: ruleset_finalize() fails in rebuild_freeq() when two matches claim
 * one slot, after it has pushed the new matches onto rs->new_cms with
 * their claimed slots set. ruleset_abort() then slot_push_front()s those
 * slots onto a free queue that already holds every slot, so fq_len grows
 * past max_rules and the ring overwrites itself: later adds hand the same
 * slot to two different matches. (The daemon exits after a corrupt state
 * file, but state_from_json promises to leave the engine as it was.) */
START_TEST(test_engine_is_usable_after_a_rejected_state)
{
	json_t *st = good_state();
	struct env b;
	char why[256];
	struct engine_result res;
	struct zerr err = { 0 };
	uint64_t seen = 0;
	struct htab_iter it;
	struct hnode *n;

	steal_slot(st, 2, 0);
	env_init(&b, 8);
	ck_assert_int_eq(state_from_json(&b.e, st, why, sizeof(why)), -EINVAL);
	json_decref(st);
	ck_assert_uint_le(b.e.rs.fq_len, b.e.rs.max_rules);
	for (int i = 0; i < 8; i++) {
		char js[128];
		struct rule_err rerr;
		struct rule r;

		snprintf(js, sizeof(js), "{'protocol':'tcp','destination':'10.0.0.%d',"
					 "'action':'pass'}", i);
		ck_assert_int_eq(rule_parse_str(js, &r, &rerr, false), 0);
		ck_assert_int_eq(engine_add(&b.e, "a", &r, 1, &res, &err), 0);
		rule_free(&r);
	}
	htab_iter_init(&it, &b.e.rs.cmatches);
	while ((n = htab_iter_next(&it))) {
		struct cmatch *cm = container_of(n, struct cmatch, node);

		ck_assert_msg(!(seen & (1ull << cm->slot)), "slot %u given to two matches",
			      cm->slot);
		seen |= 1ull << cm->slot;
	}
	ck_assert_uint_eq(fake_count(&b.fk, KM_RULES), 8);
	env_free(&b);
}
END_TEST

/* Regression, fixed: ruleset_claim_name_bit() sets bits in rs->name_bits_used, but
 * ruleset_abort() only clears bits of rs->new_names (those finalize
 * allocated), so a state rejected after its interface_bits were claimed
 * leaves those bits marked used with no name holding them. Loading a good
 * state into the same engine then fails ("interface_bits.x: invalid"). */
START_TEST(test_name_bits_are_released_after_a_rejected_state)
{
	json_t *bad = good_state(), *good = good_state();
	struct env b;
	char why[256] = "";

	steal_slot(bad, 2, 0);
	env_init(&b, 64);
	ck_assert_int_eq(state_from_json(&b.e, bad, why, sizeof(why)), -EINVAL);
	ck_assert_msg(b.e.rs.name_bits_used == 0, "bits 0x%llx still marked used",
		      (unsigned long long)b.e.rs.name_bits_used);
	ck_assert_msg(state_from_json(&b.e, good, why, sizeof(why)) == 0, "good state: %s", why);
	json_decref(bad);
	json_decref(good);
	env_free(&b);
}
END_TEST

/* ---- files ---- */

static char *temp_dir(void)
{
	char *d = strdup("/tmp/zfwd-state-XXXXXX");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void rm_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

static size_t dir_entries(const char *dir, char *names, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	names[0] = '\0';
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		strncat(names, de->d_name, size - strlen(names) - 2);
		strcat(names, " ");
	}
	closedir(d);
	return n;
}

START_TEST(test_save_then_load_restores_the_rules)
{
	struct env a, b;
	char *dir = temp_dir(), why[256] = "", names[256], path[512];
	bool found = false;
	struct stat sb;

	env_init(&a, 64);
	env_init(&b, 64);
	populate(&a);
	ck_assert_int_eq(state_save(&a.e, dir), 0);
	/* Only the state file, readable by its owner only. */
	ck_assert_uint_eq(dir_entries(dir, names, sizeof(names)), 1);
	ck_assert_str_eq(names, STATE_FILE " ");
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_int_eq(state_load(&b.e, dir, &found, why, sizeof(why)), 0);
	ck_assert(found);
	expect_same_rules(&a.e, &b.e);
	/* Saving again replaces the file, still alone and 0600. */
	remove_ok(&a, "b", "{'protocol':'tcp','destination':'10.1.0.1'}");
	ck_assert_int_eq(state_save(&a.e, dir), 0);
	ck_assert_uint_eq(dir_entries(dir, names, sizeof(names)), 1);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	env_free(&b);
	env_init(&b, 64);
	ck_assert_int_eq(state_load(&b.e, dir, &found, why, sizeof(why)), 0);
	expect_same_rules(&a.e, &b.e);
	env_free(&a);
	env_free(&b);
	rm_dir(dir);
}
END_TEST

START_TEST(test_save_of_an_empty_engine_loads_empty)
{
	struct env a;
	char *dir = temp_dir(), why[256];
	bool found = false;

	env_init(&a, 8);
	ck_assert_int_eq(state_save(&a.e, dir), 0);
	env_free(&a);
	env_init(&a, 8);
	ck_assert_int_eq(state_load(&a.e, dir, &found, why, sizeof(why)), 0);
	ck_assert(found);
	ck_assert_uint_eq(a.e.rs.n_entries, 0);
	env_free(&a);
	rm_dir(dir);
}
END_TEST

START_TEST(test_load_without_a_file_finds_nothing)
{
	struct env a;
	char *dir = temp_dir(), why[256];
	bool found = true;

	env_init(&a, 8);
	ck_assert_int_eq(state_load(&a.e, dir, &found, why, sizeof(why)), 0);
	ck_assert(!found);
	ck_assert_uint_eq(a.e.rs.n_entries, 0);
	env_free(&a);
	rm_dir(dir);
}
END_TEST

START_TEST(test_load_of_a_corrupt_file_fails_and_keeps_it)
{
	struct env a;
	char *dir = temp_dir(), why[256] = "", path[512];
	bool found = false;
	FILE *f;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"format\":\"zfwd-state\",\"version\":1,\"rules\":[", f);
	fclose(f);
	env_init(&a, 8);
	ck_assert_int_eq(state_load(&a.e, dir, &found, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, STATE_FILE));
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_size, 0);
	ck_assert_uint_eq(a.e.rs.n_entries, 0);
	env_free(&a);
	rm_dir(dir);
}
END_TEST

START_TEST(test_save_into_a_missing_directory_fails)
{
	struct env a;

	env_init(&a, 8);
	ck_assert_int_lt(state_save(&a.e, "/nonexistent/zfwd-test-dir"), 0);
	env_free(&a);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tj = tcase_create("json");
	TCase *tc = tcase_create("corrupt");
	TCase *tf = tcase_create("files");

	tcase_add_test(tj, test_state_round_trip_keeps_entries_slots_and_name_bits);
	tcase_add_test(tj, test_loaded_engine_allocates_free_slots_afresh);
	tcase_add_test(tj, test_slot_beyond_a_lowered_limit_is_reassigned);
	suite_add_tcase(s, tj);

	tcase_add_test(tc, test_wrong_format_is_rejected);
	tcase_add_test(tc, test_wrong_version_is_rejected);
	tcase_add_test(tc, test_missing_rules_are_rejected);
	tcase_add_test(tc, test_bad_rule_is_rejected_naming_it);
	tcase_add_test(tc, test_bad_owner_seq_or_slot_is_rejected);
	tcase_add_test(tc, test_duplicate_rule_is_rejected);
	tcase_add_test(tc, test_conflicting_rule_is_rejected);
	tcase_add_test(tc, test_two_matches_claiming_one_slot_are_rejected);
	tcase_add_test(tc, test_one_match_claiming_two_slots_is_rejected);
	tcase_add_test(tc, test_bad_interface_bits_are_rejected);
	suite_add_tcase(s, tc);

	tcase_add_test(tf, test_save_then_load_restores_the_rules);
	tcase_add_test(tf, test_save_of_an_empty_engine_loads_empty);
	tcase_add_test(tf, test_load_without_a_file_finds_nothing);
	tcase_add_test(tf, test_load_of_a_corrupt_file_fails_and_keeps_it);
	tcase_add_test(tf, test_save_into_a_missing_directory_fails);
	suite_add_tcase(s, tf);

	{
		TCase *tb = tcase_create("regressions");

		tcase_add_test(tb, test_engine_is_usable_after_a_rejected_state);
		tcase_add_test(tb, test_name_bits_are_released_after_a_rejected_state);
		suite_add_tcase(s, tb);
	}
	return s;
}

int main(void)
{
	log_init(0); /* quiet: some tests make zfwd log errors on purpose */
	return run_suite(state_suite());
}
