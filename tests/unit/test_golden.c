// SPDX-License-Identifier: GPL-2.0-only
/*
 * The golden API examples in proto/examples: each request, fed through
 * vl_parse_call and api_call on an engine over the fake kernel, must give
 * the golden reply (compared as JSON, after removing the fields the
 * examples' README lists as ignored). The Go client's tests read the same
 * files, so the two sides cannot drift apart.
 */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "fake_kernel.h"
#include "log.h"
#include "unit_util.h"
#include "zfwd_api.h"

/* The one interface of the examples, as the daemon's interface layer
 * would describe it; the unit tests have no links module, so this fake
 * stands in for it behind api_ops.list_ifaces and set_iface. */
struct fake_link {
	const char *name;
	uint32_t ifindex;
	struct iface_opts opts;
	bool overridden;
	uint64_t counts[ZFWD_R_MAX];
};

struct env {
	struct fake_kernel fk;
	struct engine e;
	struct api a;
	struct fake_link eth0;
};

static const char *examples_dir(void)
{
	static char dir[4096];
	const char *src = getenv("ZFWD_SOURCE_DIR");

	ck_assert_msg(src != NULL, "ZFWD_SOURCE_DIR is not set (ctest sets it)");
	snprintf(dir, sizeof(dir), "%s/proto/examples", src);
	return dir;
}

static json_t *load_example(const char *name, const char *kind)
{
	char path[4352];
	json_error_t jerr;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s.%s.json", examples_dir(), name, kind);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(j != NULL, "%s: %s (line %d)", path, jerr.text, jerr.line);
	ck_assert_msg(json_is_object(j), "%s: not an object", path);
	return j;
}

static json_t *link_json(const struct fake_link *l)
{
	json_t *counters = json_object();

	for (int r = 0; r < ZFWD_R_MAX; r++)
		json_object_set_new(counters, api_reason_name(r),
				    json_integer((json_int_t)l->counts[r]));
	return json_pack("{s:s,s:i,s:b,s:[s,s],s:{s:b,s:b},s:o,s:b,s:o}", "name", l->name,
			 "ifindex", (int)l->ifindex, "up", 1, "addresses", "192.0.2.10/24",
			 "2001:db8::10/64", "attached", "ingress", 1, "egress", 1, "options",
			 iface_opts_json(&l->opts), "overridden", l->overridden, "counters",
			 counters);
}

static json_t *fake_list_ifaces(void *ctx, const char *name)
{
	struct env *t = ctx;
	json_t *out = json_array();

	if (!name || !strcmp(name, t->eth0.name))
		json_array_append_new(out, link_json(&t->eth0));
	return out;
}

static int fake_set_iface(void *ctx, const char *name, const json_t *opts, bool reset,
			  struct zerr *err)
{
	struct env *t = ctx;
	struct zfwd_iface_val v;
	struct iface_opts cur;
	char why[256];

	if (strcmp(name, t->eth0.name)) {
		zerr_set(err, ZFWD_ERR_NOT_MANAGED,
			 json_pack("{s:s,s:s}", "name", name, "reason",
				   "the configuration does not manage this interface"));
		return -ENOENT;
	}
	if (reset) {
		iface_opts_default(&cur);
	} else {
		cur = t->eth0.opts;
		if (iface_opts_parse(opts, "options", NULL, &cur, why, sizeof(why))) {
			zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
				 json_pack("{s:s,s:s}", "parameter", "options", "reason", why));
			return -EINVAL;
		}
	}
	v = iface_opts_val(&cur);
	ck_assert_int_eq(engine_iface_set(&t->e, t->eth0.ifindex, name, &v), 0);
	t->eth0.opts = cur;
	t->eth0.overridden = !reset;
	return 0;
}

/* What the daemon's status hook adds; every field here is one the README
 * lists as ignored, since it depends on the machine. */
static void fake_status(void *ctx, json_t *r)
{
	json_object_set_new(r, "pin_root", json_string(ZFWD_DEFAULT_PIN_ROOT));
	json_object_set_new(r, "socket", json_string(ZFWD_DEFAULT_SOCKET));
	json_object_set_new(r, "state_dir", json_string(ZFWD_DEFAULT_STATE_DIR));
	json_object_set_new(r, "maps_adopted", json_false());
	json_object_set_new(r, "interfaces", fake_list_ifaces(ctx, NULL));
	json_object_set_new(r, "netlink",
			    json_pack("{s:i,s:i,s:i,s:i}", "messages", 0, "overruns", 0, "dumps", 1,
				      "failed_dumps", 0));
}

/* Monitor: the daemon would start streaming; the fake accepts. */
static int fake_monitor(void *ctx, void *conn, const struct api_monitor *m, struct zerr *err)
{
	ck_assert_ptr_nonnull(conn);
	return 0;
}

/* The daemon's counters, as GetStatus.reply.json and GetMetrics show them. */
static void fake_stats(void *ctx, struct api_stats *s)
{
	*s = (struct api_stats){ .connections = 3, .accepted = 41, .monitors = 1,
				 .events_read = 920, .events_delivered = 918,
				 .events_missed = 2, .netlink_overruns = 0 };
}

/* The daemon's defaults (config.c), as GetStatus.reply.json shows them. */
static void env_init(struct env *t)
{
	struct engine_limits lim = { .rules = 131072, .prefixes = 131072, .leaves = 262144 };
	struct kbackend kb;
	struct zfwd_iface_val v;

	memset(t, 0, sizeof(*t));
	fake_init(&t->fk);
	kb = fake_backend(&t->fk);
	ck_assert_int_eq(engine_init(&t->e, &lim, &kb), 0);
	t->eth0.name = "eth0";
	t->eth0.ifindex = 2;
	iface_opts_default(&t->eth0.opts);
	t->eth0.counts[ZFWD_R_TPROXY] = 18234;
	t->eth0.counts[ZFWD_R_PASS_REPLY] = 40211;
	t->eth0.counts[ZFWD_R_PASS_ESTABLISHED] = 1022;
	t->eth0.counts[ZFWD_R_PASS_ND] = 12;
	t->eth0.counts[ZFWD_R_PASS_SSH] = 88;
	t->eth0.counts[ZFWD_R_DROP_DEFAULT] = 377;
	t->eth0.counts[ZFWD_R_EGRESS] = 59731;
	v = iface_opts_val(&t->eth0.opts);
	ck_assert_int_eq(engine_iface_set(&t->e, t->eth0.ifindex, t->eth0.name, &v), 0);
	t->a.eng = &t->e;
	t->a.ops = (struct api_ops){ .status = fake_status, .list_ifaces = fake_list_ifaces,
				     .set_iface = fake_set_iface, .monitor = fake_monitor,
				     .stats = fake_stats, .ctx = t };
}

static void env_free(struct env *t)
{
	api_free(&t->a);
	engine_free(&t->e);
	fake_free(&t->fk);
}

/* Sends a whole call message through the parser and the API. */
static json_t *call_msg(struct env *t, const json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	struct vl_call c;
	const char *en = NULL;
	json_t *ep = NULL, *reply;

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(vl_parse_call(text, strlen(text), &c, &en, &ep) == 0, "%s: %s", text,
		      en ? en : "not a call");
	/* A connection, as the daemon's control socket gives (Monitor). */
	reply = api_call(&t->a, &c, &(struct api_peer){ .can_write = true, .conn = t });
	ck_assert_ptr_nonnull(reply);
	vl_call_free(&c);
	free(text);
	return reply;
}

/* Runs another example's request as set-up; it must succeed. */
static void run_request(struct env *t, const char *name)
{
	json_t *req = load_example(name, "request"), *r = call_msg(t, req);
	char *s = json_dumps(r, JSON_COMPACT);

	ck_assert_msg(!json_object_get(r, "error"), "set-up %s failed: %s", name, s);
	free(s);
	json_decref(r);
	json_decref(req);
}

static void after_add_rules(struct env *t)
{
	run_request(t, "AddRules");
}

/* Removes a dotted path (a.b.c) from @j, if present. */
static void drop_path(json_t *j, const char *path)
{
	char buf[128], *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	dot = strchr(buf, '.');
	if (!json_is_object(j))
		return;
	if (!dot) {
		json_object_del(j, buf);
		return;
	}
	*dot = '\0';
	drop_path(json_object_get(j, buf), dot + 1);
}

#define IGNORE(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct example {
	const char *name;
	void (*prepare)(struct env *t);
	const char *error; /* the error the reply names, NULL for success */
	/* Paths under the reply's parameters that depend on the build or
	 * the machine, removed from both sides (README.md lists them). */
	const char *const *ignore;
};

static const struct example examples[] = {
	{ "GetInfo", NULL, NULL, IGNORE("version") },
	{ "GetInterfaceDescription", NULL, NULL, NULL },
	{ "Frobnicate.method-not-found", NULL, VARLINK_ERR_METHOD_NOT_FOUND, NULL },
	{ "GetStatus", after_add_rules, NULL,
	  IGNORE("version", "pin_root", "socket", "state_dir", "maps_adopted", "interfaces",
		 "kernel_ops", "netlink") },
	{ "AddRules", NULL, NULL, NULL },
	{ "AddRules.replace", after_add_rules, NULL, NULL },
	{ "AddRules.conflict", after_add_rules, ZFWD_ERR_CONFLICT, NULL },
	{ "AddRules.invalid-rule", NULL, ZFWD_ERR_INVALID_RULE, NULL },
	{ "AddRules.capacity", NULL, ZFWD_ERR_CAPACITY, NULL },
	{ "SyncRules", after_add_rules, NULL, NULL },
	{ "Validate", after_add_rules, NULL, NULL },
	{ "RemoveRules", after_add_rules, NULL, NULL },
	{ "RemoveRules.service", after_add_rules, NULL, NULL },
	{ "RemoveRules.ignore-missing", after_add_rules, NULL, NULL },
	{ "RemoveRules.not-found", after_add_rules, ZFWD_ERR_NOT_FOUND, NULL },
	{ "ListRules", after_add_rules, NULL, NULL },
	{ "ListRules.invalid-parameter", after_add_rules, VARLINK_ERR_INVALID_PARAMETER, NULL },
	{ "FlushRules", after_add_rules, NULL, NULL },
	{ "ListInterfaces", NULL, NULL, NULL },
	{ "SetInterface", NULL, NULL, NULL },
	{ "SetInterface.not-managed", NULL, ZFWD_ERR_NOT_MANAGED, NULL },
	{ "Monitor", NULL, NULL, NULL },
	{ "Monitor.expected-more", NULL, VARLINK_ERR_EXPECTED_MORE, NULL },
	{ "GetMetrics", after_add_rules, NULL, NULL },
};

#define N_EXAMPLES ((int)(sizeof(examples) / sizeof(examples[0])))

static void strip(json_t *reply, const char *const *ignore)
{
	json_t *p = json_object_get(reply, "parameters");

	for (; ignore && *ignore; ignore++)
		drop_path(p, *ignore);
}

/* GetMetrics' text names the build's version (zfwd_build_info); the
 * examples show 0.1.0, as GetInfo's does. */
static void metrics_version(json_t *reply)
{
	json_t *p = json_object_get(reply, "parameters");
	const char *text = json_string_value(json_object_get(p, "text"));
	const char *at = text ? strstr(text, "version=\"" ZFWD_VERSION "\"") : NULL;
	char *out;

	if (!at)
		return;
	out = malloc(strlen(text) + 32);
	ck_assert_ptr_nonnull(out);
	sprintf(out, "%.*sversion=\"0.1.0\"%s", (int)(at - text), text,
		at + strlen("version=\"" ZFWD_VERSION "\""));
	json_object_set_new(p, "text", json_string(out));
	free(out);
}

START_TEST(test_example_gives_the_golden_reply)
{
	const struct example *ex = &examples[_i];
	json_t *req = load_example(ex->name, "request");
	json_t *want = load_example(ex->name, "reply");
	json_t *got;
	char *ws, *gs;
	struct env t;

	env_init(&t);
	if (ex->prepare)
		ex->prepare(&t);
	got = call_msg(&t, req);
	metrics_version(got);
	strip(got, ex->ignore);
	strip(want, ex->ignore);
	ws = json_dumps(want, JSON_INDENT(2) | JSON_SORT_KEYS);
	gs = json_dumps(got, JSON_INDENT(2) | JSON_SORT_KEYS);
	ck_assert_msg(json_equal(want, got), "%s: golden reply\n%s\nbut the API replied\n%s",
		      ex->name, ws, gs);
	free(ws);
	free(gs);
	json_decref(got);
	json_decref(want);
	json_decref(req);
	env_free(&t);
}
END_TEST

static bool known_example(const char *file)
{
	for (int i = 0; i < N_EXAMPLES; i++) {
		size_t n = strlen(examples[i].name);

		if (!strncmp(file, examples[i].name, n) &&
		    (!strcmp(file + n, ".request.json") || !strcmp(file + n, ".reply.json")))
			return true;
	}
	return false;
}

START_TEST(test_every_example_file_is_tested)
{
	DIR *d = opendir(examples_dir());
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "cannot open %s", examples_dir());
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		ck_assert_msg(known_example(de->d_name), "%s is not in test_golden.c's table",
			      de->d_name);
		n++;
	}
	closedir(d);
	ck_assert_int_eq(n, 2 * N_EXAMPLES);
}
END_TEST

/* Each method of both interfaces has an example of success. */
START_TEST(test_every_method_has_an_example)
{
	const char *const *m = api_methods();

	for (; *m; m++) {
		const char *shortname = strrchr(*m, '.') + 1;
		bool found = false;

		for (int i = 0; i < N_EXAMPLES; i++) {
			json_t *req;

			if (strcmp(examples[i].name, shortname))
				continue;
			req = load_example(examples[i].name, "request");
			ck_assert_str_eq(jstr(req, "method"), *m);
			json_decref(req);
			found = true;
		}
		ck_assert_msg(found, "%s has no example", *m);
	}
}
END_TEST

/* Each golden reply is the success or the error the table says, with
 * parameters (an error without parameters still carries {}). */
START_TEST(test_golden_replies_are_what_the_table_says)
{
	for (int i = 0; i < N_EXAMPLES; i++) {
		json_t *want = load_example(examples[i].name, "reply");
		const char *err = json_string_value(json_object_get(want, "error"));

		ck_assert_msg(json_is_object(json_object_get(want, "parameters")),
			      "%s: reply without parameters", examples[i].name);
		ck_assert_msg(examples[i].error ? err && !strcmp(err, examples[i].error) : !err,
			      "%s: error %s, the table says %s", examples[i].name,
			      err ? err : "none", examples[i].error ? examples[i].error : "none");
		json_decref(want);
	}
}
END_TEST

static Suite *golden_suite(void)
{
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("examples");

	tcase_add_loop_test(tc, test_example_gives_the_golden_reply, 0, N_EXAMPLES);
	tcase_add_test(tc, test_every_example_file_is_tested);
	tcase_add_test(tc, test_every_method_has_an_example);
	tcase_add_test(tc, test_golden_replies_are_what_the_table_says);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_init(ZLOG_WARNING);
	return run_suite(golden_suite());
}
