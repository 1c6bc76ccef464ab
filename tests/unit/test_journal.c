// SPDX-License-Identifier: GPL-2.0-only
/* The journal: changes recorded as lines over a snapshot, read back into
 * the same state; torn, damaged and orphaned journals. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "journal.h"
#include "state.h"

struct env {
	struct fake_kernel fk;
	struct engine e;
	struct journal j;
	char dir[64];
};

static int persist(struct engine *e, void *ctx)
{
	struct env *t = ctx;

	return e->rs.in_txn ? journal_commit(&t->j, e, NULL) : journal_snapshot(&t->j, e, NULL);
}

static void env_init(struct env *t)
{
	struct engine_limits lim = { .rules = 4096, .prefixes = 4096, .leaves = 4096 };
	struct kbackend kb;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/zfwd-journal-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	fake_init(&t->fk);
	kb = fake_backend(&t->fk);
	ck_assert_int_eq(engine_init(&t->e, &lim, &kb), 0);
	ck_assert_int_eq(journal_init(&t->j, t->dir), 0);
	t->e.persist = persist;
	t->e.persist_ctx = t;
}

static void env_free(struct env *t, bool remove_dir)
{
	char cmd[128];

	journal_free(&t->j);
	engine_free(&t->e);
	fake_free(&t->fk);
	if (remove_dir) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}

/* Adds host rules [from, from + n) for @owner; i names rule i. */
static void add(struct env *t, const char *owner, int from, int n, const char *iface)
{
	struct rule *r = calloc(n, sizeof(*r));
	struct engine_result res;
	struct zerr err = { 0 };

	for (int i = 0; i < n; i++) {
		char js[256];
		json_t *o;
		struct rule_err rerr;

		snprintf(js, sizeof(js),
			 "{\"protocol\":\"tcp\",\"destination\":\"10.%d.%d.%d\",\"action\":\"pass\"%s%s%s}",
			 (from + i) >> 16 & 255, (from + i) >> 8 & 255, (from + i) & 255,
			 iface ? ",\"interfaces\":[\"" : "", iface ? iface : "", iface ? "\"]" : "");
		o = json_loads(js, 0, NULL);
		ck_assert_int_eq(rule_from_json(o, &r[i], &rerr), 0);
		json_decref(o);
	}
	ck_assert_int_eq(engine_add(&t->e, owner, r, n, &res, &err), 0);
	for (int i = 0; i < n; i++)
		rule_free(&r[i]);
	free(r);
}

static void flush(struct env *t, const char *owner)
{
	struct engine_result res;
	struct zerr err = { 0 };

	ck_assert_int_eq(engine_flush(&t->e, owner, &res, &err), 0);
}

/* Loads t->dir into a fresh engine; returns its state as JSON. */
static json_t *reload(struct env *t, int *ret)
{
	struct env u;
	json_t *root = NULL, *st = NULL;
	char why[256] = "";
	bool found;

	env_init(&u);
	journal_free(&u.j);
	ck_assert_int_eq(journal_init(&u.j, t->dir), 0);
	*ret = journal_read(&u.j, &root, &found, why, sizeof(why));
	if (!*ret && found)
		*ret = state_from_json(&u.e, root, why, sizeof(why));
	if (!*ret)
		st = state_to_json(&u.e);
	json_decref(root);
	env_free(&u, false);
	return st;
}

static void expect_same_state(struct env *t)
{
	json_t *want = state_to_json(&t->e), *got;
	int ret;

	got = reload(t, &ret);
	ck_assert_int_eq(ret, 0);
	json_object_del(want, "txn");
	json_object_del(got, "txn");
	ck_assert_msg(json_equal(want, got), "state read back differs");
	json_decref(want);
	json_decref(got);
}

static off_t size_of(const struct env *t, const char *file)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", t->dir, file);
	return stat(p, &st) ? -1 : st.st_size;
}

START_TEST(test_changes_are_journal_lines_read_back_over_the_snapshot)
{
	struct env t;

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	add(&t, "a", 0, 10, NULL);
	add(&t, "b", 100, 5, "eth1");
	flush(&t, "a");
	add(&t, "a", 200, 3, NULL);
	ck_assert_uint_eq(t.j.records, 4);
	ck_assert_uint_eq(t.j.txn, 4);
	ck_assert_int_gt(size_of(&t, JOURNAL_FILE), 0);
	expect_same_state(&t);
	env_free(&t, true);
}
END_TEST

START_TEST(test_a_line_cut_short_by_a_crash_is_a_change_never_made)
{
	struct env t;
	json_t *before, *got;
	char p[256];
	off_t size;
	int ret;

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	add(&t, "a", 0, 10, NULL);
	before = state_to_json(&t.e);
	add(&t, "a", 100, 10, NULL);
	size = size_of(&t, JOURNAL_FILE);
	snprintf(p, sizeof(p), "%s/%s", t.dir, JOURNAL_FILE);
	ck_assert_int_eq(truncate(p, size - 7), 0); /* the crash */
	got = reload(&t, &ret);
	ck_assert_int_eq(ret, 0);
	json_object_del(before, "txn");
	json_object_del(got, "txn");
	ck_assert(json_equal(before, got));
	json_decref(before);
	json_decref(got);
	env_free(&t, true);
}
END_TEST

START_TEST(test_a_damaged_line_before_the_last_is_corruption)
{
	struct env t;
	char p[256];
	json_t *got;
	int fd, ret;

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	add(&t, "a", 0, 2, NULL);
	add(&t, "a", 10, 2, NULL);
	snprintf(p, sizeof(p), "%s/%s", t.dir, JOURNAL_FILE);
	fd = open(p, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "#", 1, 3), 1); /* inside the first line */
	close(fd);
	got = reload(&t, &ret);
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_ptr_null(got);
	env_free(&t, true);
}
END_TEST

START_TEST(test_a_journal_without_its_snapshot_is_corruption)
{
	struct env t;
	char p[256];
	int ret;

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	add(&t, "a", 0, 2, NULL);
	snprintf(p, sizeof(p), "%s/%s", t.dir, STATE_FILE);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_ptr_null(reload(&t, &ret));
	ck_assert_int_eq(ret, -EINVAL);
	env_free(&t, true);
}
END_TEST

START_TEST(test_lines_the_snapshot_already_holds_are_skipped)
{
	/* A crash between writing a snapshot and emptying the journal. */
	struct env t;
	char p[256], q[256], cmd[600];

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	add(&t, "a", 0, 5, NULL);
	add(&t, "b", 50, 5, NULL);
	snprintf(p, sizeof(p), "%s/%s", t.dir, JOURNAL_FILE);
	snprintf(q, sizeof(q), "%s/old-journal", t.dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s", p, q);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	ck_assert_int_eq(size_of(&t, JOURNAL_FILE), 0);
	snprintf(cmd, sizeof(cmd), "cp %s %s", q, p);
	ck_assert_int_eq(system(cmd), 0);
	expect_same_state(&t);
	/* And changes after it continue the numbering. */
	env_free(&t, true);
}
END_TEST

START_TEST(test_a_journal_outgrowing_its_snapshot_becomes_a_snapshot)
{
	struct env t;
	uint64_t snaps;

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	snaps = t.j.snapshots;
	/* Enough single-rule changes to pass 256 KiB of journal. */
	for (int i = 0; i < 2500 && t.j.snapshots == snaps; i++)
		add(&t, "a", i, 1, NULL);
	ck_assert_uint_gt(t.j.snapshots, snaps);
	ck_assert_int_lt(size_of(&t, JOURNAL_FILE), 300 << 10);
	expect_same_state(&t);
	env_free(&t, true);
}
END_TEST

START_TEST(test_interface_name_bits_survive_the_journal)
{
	struct env t;

	env_init(&t);
	ck_assert_int_eq(journal_snapshot(&t.j, &t.e, NULL), 0);
	add(&t, "a", 0, 2, "eth7");
	add(&t, "a", 10, 2, "eth8");
	flush(&t, "a");
	add(&t, "a", 20, 1, "eth9");
	expect_same_state(&t);
	env_free(&t, true);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_changes_are_journal_lines_read_back_over_the_snapshot);
	tcase_add_test(tc, test_a_line_cut_short_by_a_crash_is_a_change_never_made);
	tcase_add_test(tc, test_a_damaged_line_before_the_last_is_corruption);
	tcase_add_test(tc, test_a_journal_without_its_snapshot_is_corruption);
	tcase_add_test(tc, test_lines_the_snapshot_already_holds_are_skipped);
	tcase_add_test(tc, test_a_journal_outgrowing_its_snapshot_becomes_a_snapshot);
	tcase_add_test(tc, test_interface_name_bits_survive_the_journal);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
