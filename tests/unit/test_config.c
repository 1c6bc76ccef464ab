// SPDX-License-Identifier: GPL-2.0-only
/* /etc/zfwd/zfwd.conf parsing and interface matching. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit_util.h"
#include "zfwd_api.h"
#include "zfwd_maps.h"

/* Test notation (single quotes) to JSON text; the caller frees. */
static char *conf_text(const char *s)
{
	char *t = strdup(s);

	ck_assert_ptr_nonnull(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static int parse(const char *s, struct config *c, char *why, size_t n)
{
	char *t = conf_text(s);
	int ret = config_parse(t, strlen(t), c, why, n);

	free(t);
	return ret;
}

static void expect_ok(const char *s, struct config *c)
{
	char why[256] = "";
	int ret = parse(s, c, why, sizeof(why));

	ck_assert_msg(ret == 0, "%s: %d %s", s, ret, why);
}

/* Rejected, with @sub (and @sub2 when given) in the message. */
static void expect_bad(const char *s, const char *sub, const char *sub2)
{
	char why[256] = "";
	struct config c;
	int ret = parse(s, &c, why, sizeof(why));

	ck_assert_msg(ret == -EINVAL, "%s: expected -EINVAL, got %d", s, ret);
	ck_assert_msg(strstr(why, sub), "%s: message \"%s\" lacks \"%s\"", s, why, sub);
	if (sub2)
		ck_assert_msg(strstr(why, sub2), "%s: message \"%s\" lacks \"%s\"", s, why, sub2);
	/* Nothing to free after a failure. */
	ck_assert_ptr_null(c.ifaces);
	ck_assert_ptr_null(c.socket);
	ck_assert_uint_eq(c.n_ifaces, 0);
}

static void expect_defaults(const struct config *c)
{
	ck_assert_str_eq(c->socket, ZFWD_DEFAULT_SOCKET);
	ck_assert_str_eq(c->pin_root, ZFWD_DEFAULT_PIN_ROOT);
	ck_assert_str_eq(c->state_dir, ZFWD_DEFAULT_STATE_DIR);
	ck_assert_uint_eq(c->max_message, ZFWD_DEFAULT_MAX_MESSAGE);
	ck_assert_uint_gt(c->lim.rules, 0);
	ck_assert_uint_gt(c->lim.prefixes, 0);
	ck_assert_uint_gt(c->lim.leaves, 0);
	ck_assert_uint_gt(c->max_clients, 0);
	ck_assert_uint_ne(c->mark, 0);
	ck_assert_uint_eq(c->mark & c->mark_mask, c->mark);
}

START_TEST(test_embedded_default_manages_no_interface)
{
	char why[256];
	struct config c;

	ck_assert_int_eq(config_parse(config_default_json, strlen(config_default_json), &c, why,
				      sizeof(why)),
			 0);
	ck_assert_uint_eq(c.n_ifaces, 0);
	expect_defaults(&c);
	ck_assert_ptr_null(config_match_iface(&c, "eth0"));
	config_free(&c);
}
END_TEST

START_TEST(test_empty_object_is_the_default)
{
	struct config c;

	expect_ok("{}", &c);
	ck_assert_uint_eq(c.n_ifaces, 0);
	expect_defaults(&c);
	config_free(&c);
}
END_TEST

START_TEST(test_full_valid_config)
{
	struct config c;

	expect_ok("{'interfaces':["
		  "  {'name':'eth0','role':'external','default_action':'pass'},"
		  "  {'name':'veth*'},"
		  "  {'name':'wg0','role':'internal','default_action':'drop'}],"
		  "'socket':'/tmp/z.sock','pin_root':'/sys/fs/bpf/z','state_dir':'/var/lib/z',"
		  "'tproxy':{'mark':256,'mark_mask':3840,'table':200,'rule_priority':100},"
		  "'limits':{'rules':1000,'prefixes':2000,'leaves':3000,'max_message':65536,"
		  "  'max_clients':8}}",
		  &c);
	ck_assert_uint_eq(c.n_ifaces, 3);
	ck_assert_str_eq(c.ifaces[0].name, "eth0");
	ck_assert_int_eq(c.ifaces[0].opts.role, ZFWD_ROLE_EXTERNAL);
	ck_assert_int_eq(c.ifaces[0].opts.default_action, ZFWD_ACT_PASS);
	ck_assert_str_eq(c.ifaces[1].name, "veth*");
	ck_assert_int_eq(c.ifaces[1].opts.role, ZFWD_ROLE_INTERNAL);
	ck_assert_int_eq(c.ifaces[1].opts.default_action, ZFWD_ACT_DENY);
	ck_assert_int_eq(c.ifaces[2].opts.role, ZFWD_ROLE_INTERNAL);
	ck_assert_int_eq(c.ifaces[2].opts.default_action, ZFWD_ACT_DENY);
	ck_assert_str_eq(c.socket, "/tmp/z.sock");
	ck_assert_str_eq(c.pin_root, "/sys/fs/bpf/z");
	ck_assert_str_eq(c.state_dir, "/var/lib/z");
	ck_assert_uint_eq(c.mark, 256);
	ck_assert_uint_eq(c.mark_mask, 3840);
	ck_assert_uint_eq(c.route_table, 200);
	ck_assert_uint_eq(c.rule_priority, 100);
	ck_assert_uint_eq(c.lim.rules, 1000);
	ck_assert_uint_eq(c.lim.prefixes, 2000);
	ck_assert_uint_eq(c.lim.leaves, 3000);
	ck_assert_uint_eq(c.max_message, 65536);
	ck_assert_uint_eq(c.max_clients, 8);
	config_free(&c);
	ck_assert_ptr_null(c.ifaces);
	ck_assert_ptr_null(c.socket);
}
END_TEST

START_TEST(test_not_json_is_rejected_with_position)
{
	expect_bad("{'interfaces':[}", "line 1", NULL);
	expect_bad("", "line", NULL);
	expect_bad("{'socket':'/a','socket':'/b'}", "line", NULL);
}
END_TEST

START_TEST(test_top_level_must_be_an_object)
{
	expect_bad("[]", "top level", NULL);
}
END_TEST

START_TEST(test_unknown_top_level_key_is_named)
{
	expect_bad("{'interface':[]}", "top level", "\"interface\"");
	expect_bad("{'interfaces':[],'rules':[]}", "top level", "\"rules\"");
}
END_TEST

START_TEST(test_unknown_key_in_an_interface_is_named)
{
	expect_bad("{'interfaces':[{'name':'eth0'},{'name':'eth1','mode':'x'}]}", "interfaces[1]",
		   "\"mode\"");
}
END_TEST

START_TEST(test_unknown_key_in_tproxy_is_named)
{
	expect_bad("{'tproxy':{'mark':1,'port':9000}}", "tproxy", "\"port\"");
}
END_TEST

START_TEST(test_unknown_key_in_limits_is_named)
{
	expect_bad("{'limits':{'rules':10,'rule':10}}", "limits", "\"rule\"");
}
END_TEST

START_TEST(test_sections_of_wrong_type_are_rejected)
{
	expect_bad("{'interfaces':{}}", "interfaces", NULL);
	expect_bad("{'interfaces':['eth0']}", "interfaces[0]", NULL);
	expect_bad("{'tproxy':[]}", "tproxy", NULL);
	expect_bad("{'limits':5}", "limits", NULL);
}
END_TEST

START_TEST(test_bad_interface_name_is_rejected)
{
	expect_bad("{'interfaces':[{}]}", "interfaces[0].name", NULL);
	expect_bad("{'interfaces':[{'name':''}]}", "interfaces[0].name", NULL);
	expect_bad("{'interfaces':[{'name':5}]}", "interfaces[0].name", NULL);
	expect_bad("{'interfaces':[{'name':'a/b'}]}", "interfaces[0].name", NULL);
	expect_bad("{'interfaces':[{'name':'eth0'},{'name':'0123456789abcdef'}]}",
		   "interfaces[1].name", NULL);
}
END_TEST

START_TEST(test_bad_role_is_rejected)
{
	expect_bad("{'interfaces':[{'name':'eth0','role':'trusted'}]}", "interfaces[0].role",
		   NULL);
	expect_bad("{'interfaces':[{'name':'eth0','role':1}]}", "interfaces[0].role", NULL);
}
END_TEST

START_TEST(test_bad_default_action_is_rejected)
{
	expect_bad("{'interfaces':[{'name':'eth0','default_action':'deny'}]}",
		   "interfaces[0].default_action", NULL);
	expect_bad("{'interfaces':[{'name':'eth0','default_action':'tproxy'}]}",
		   "interfaces[0].default_action", NULL);
	expect_bad("{'interfaces':[{'name':'eth0','default_action':null}]}",
		   "interfaces[0].default_action", NULL);
}
END_TEST

START_TEST(test_paths_must_be_absolute)
{
	expect_bad("{'socket':'run/zfwd.sock'}", "socket", NULL);
	expect_bad("{'pin_root':''}", "pin_root", NULL);
	expect_bad("{'state_dir':7}", "state_dir", NULL);
}
END_TEST

START_TEST(test_limits_ranges)
{
	struct config c;

	expect_bad("{'limits':{'rules':0}}", "limits.rules", NULL);
	expect_bad("{'limits':{'rules':16777217}}", "limits.rules", NULL);
	expect_bad("{'limits':{'rules':-1}}", "limits.rules", NULL);
	expect_bad("{'limits':{'rules':'10'}}", "limits.rules", NULL);
	expect_bad("{'limits':{'rules':1.5}}", "limits.rules", NULL);
	expect_bad("{'limits':{'prefixes':0}}", "limits.prefixes", NULL);
	expect_bad("{'limits':{'leaves':33554433}}", "limits.leaves", NULL);
	expect_bad("{'limits':{'max_message':4095}}", "limits.max_message", NULL);
	expect_bad("{'limits':{'max_message':1073741825}}", "limits.max_message", NULL);
	expect_bad("{'limits':{'max_clients':0}}", "limits.max_clients", NULL);
	expect_bad("{'limits':{'max_clients':65537}}", "limits.max_clients", NULL);
	expect_ok("{'limits':{'rules':1,'prefixes':1,'leaves':1,'max_message':4096,"
		  "'max_clients':1}}",
		  &c);
	ck_assert_uint_eq(c.lim.rules, 1);
	ck_assert_uint_eq(c.max_message, 4096);
	config_free(&c);
	expect_ok("{'limits':{'rules':16777216,'prefixes':16777216,'leaves':33554432,"
		  "'max_message':1073741824,'max_clients':65536}}",
		  &c);
	ck_assert_uint_eq(c.lim.rules, 1u << 24);
	ck_assert_uint_eq(c.lim.leaves, 1u << 25);
	ck_assert_uint_eq(c.max_message, 1u << 30);
	ck_assert_uint_eq(c.max_clients, 65536);
	config_free(&c);
}
END_TEST

START_TEST(test_tproxy_ranges)
{
	struct config c;

	expect_bad("{'tproxy':{'mark':0}}", "tproxy.mark", NULL);
	expect_bad("{'tproxy':{'mark':4294967296}}", "tproxy.mark", NULL);
	expect_bad("{'tproxy':{'table':0}}", "tproxy.table", NULL);
	expect_bad("{'tproxy':{'table':4294967295}}", "tproxy.table", NULL);
	expect_bad("{'tproxy':{'rule_priority':32766}}", "tproxy.rule_priority", NULL);
	expect_ok("{'tproxy':{'mark':4294967295,'mark_mask':4294967295,'table':4294967294,"
		  "'rule_priority':32765}}",
		  &c);
	ck_assert_uint_eq(c.mark, 0xffffffffu);
	ck_assert_uint_eq(c.route_table, 0xfffffffeu);
	config_free(&c);
}
END_TEST

START_TEST(test_tproxy_mark_outside_mask_is_rejected)
{
	struct config c;

	expect_bad("{'tproxy':{'mark':3,'mark_mask':2}}", "tproxy.mark", "mark_mask");
	/* The default mark must fit a mask given alone. */
	expect_bad("{'tproxy':{'mark_mask':255}}", "tproxy.mark", "mark_mask");
	expect_ok("{'tproxy':{'mark':2,'mark_mask':6}}", &c);
	ck_assert_uint_eq(c.mark, 2);
	ck_assert_uint_eq(c.mark_mask, 6);
	config_free(&c);
}
END_TEST

/* ---- interface matching ---- */

START_TEST(test_match_exact_and_glob)
{
	struct config c;
	const struct cfg_iface *ci;

	expect_ok("{'interfaces':[{'name':'eth0','role':'external'},{'name':'veth*'},"
		  "{'name':'wg?'}]}",
		  &c);
	ci = config_match_iface(&c, "eth0");
	ck_assert_ptr_eq(ci, &c.ifaces[0]);
	ck_assert_int_eq(ci->opts.role, ZFWD_ROLE_EXTERNAL);
	ck_assert_ptr_eq(config_match_iface(&c, "veth1234"), &c.ifaces[1]);
	ck_assert_ptr_eq(config_match_iface(&c, "veth"), &c.ifaces[1]);
	ck_assert_ptr_eq(config_match_iface(&c, "wg1"), &c.ifaces[2]);
	ck_assert_ptr_null(config_match_iface(&c, "wg10"));
	ck_assert_ptr_null(config_match_iface(&c, "eth1"));
	ck_assert_ptr_null(config_match_iface(&c, "eth"));
	ck_assert_ptr_null(config_match_iface(&c, "xveth0"));
	config_free(&c);
}
END_TEST

START_TEST(test_first_match_wins)
{
	struct config c;

	expect_ok("{'interfaces':[{'name':'veth*','role':'external'},"
		  "{'name':'veth0','role':'internal'},{'name':'*','default_action':'pass'}]}",
		  &c);
	/* The exact entry comes second: the glob before it wins. */
	ck_assert_ptr_eq(config_match_iface(&c, "veth0"), &c.ifaces[0]);
	ck_assert_ptr_eq(config_match_iface(&c, "eth0"), &c.ifaces[2]);
	config_free(&c);
}
END_TEST

START_TEST(test_glob_never_matches_lo)
{
	struct config c;

	expect_ok("{'interfaces':[{'name':'*'},{'name':'l*'},{'name':'lo*'},{'name':'?o'}]}", &c);
	ck_assert_ptr_null(config_match_iface(&c, "lo"));
	ck_assert_ptr_eq(config_match_iface(&c, "lo0"), &c.ifaces[0]);
	ck_assert_ptr_eq(config_match_iface(&c, "eth0"), &c.ifaces[0]);
	config_free(&c);
}
END_TEST

START_TEST(test_exact_lo_entry_matches_lo)
{
	struct config c;

	expect_ok("{'interfaces':[{'name':'*','role':'internal'},"
		  "{'name':'lo','role':'external'}]}",
		  &c);
	ck_assert_ptr_eq(config_match_iface(&c, "lo"), &c.ifaces[1]);
	ck_assert_ptr_eq(config_match_iface(&c, "eth0"), &c.ifaces[0]);
	config_free(&c);
}
END_TEST

/* ---- loading files ---- */

START_TEST(test_load_of_missing_file_is_the_default)
{
	char why[256];
	struct config c;
	bool defaulted = false;

	ck_assert_int_eq(config_load("/nonexistent/zfwd-test/zfwd.conf", &c, &defaulted, why,
				     sizeof(why)),
			 0);
	ck_assert(defaulted);
	ck_assert_uint_eq(c.n_ifaces, 0);
	expect_defaults(&c);
	config_free(&c);
}
END_TEST

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/zfwd-config-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(test_load_of_existing_file)
{
	char *text = conf_text("{'interfaces':[{'name':'eth9','role':'external'}]}");
	char *path = write_temp(text);
	char why[256];
	struct config c;
	bool defaulted = true;

	ck_assert_int_eq(config_load(path, &c, &defaulted, why, sizeof(why)), 0);
	ck_assert(!defaulted);
	ck_assert_uint_eq(c.n_ifaces, 1);
	ck_assert_str_eq(c.ifaces[0].name, "eth9");
	config_free(&c);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

START_TEST(test_load_of_bad_file_reports_why)
{
	char *path = write_temp("{\"limits\":{\"bogus\":1}}");
	char why[256] = "";
	struct config c;
	bool defaulted = true;

	ck_assert_int_eq(config_load(path, &c, &defaulted, why, sizeof(why)), -EINVAL);
	ck_assert(!defaulted);
	ck_assert_ptr_nonnull(strstr(why, "bogus"));
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_load_of_empty_file_is_an_error)
{
	char *path = write_temp("");
	char why[256] = "";
	struct config c;
	bool defaulted = true;

	ck_assert_int_eq(config_load(path, &c, &defaulted, why, sizeof(why)), -EINVAL);
	ck_assert(!defaulted);
	ck_assert_str_ne(why, "");
	unlink(path);
	free(path);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tp = tcase_create("parse");
	TCase *tm = tcase_create("match");
	TCase *tl = tcase_create("load");

	tcase_add_test(tp, test_embedded_default_manages_no_interface);
	tcase_add_test(tp, test_empty_object_is_the_default);
	tcase_add_test(tp, test_full_valid_config);
	tcase_add_test(tp, test_not_json_is_rejected_with_position);
	tcase_add_test(tp, test_top_level_must_be_an_object);
	tcase_add_test(tp, test_unknown_top_level_key_is_named);
	tcase_add_test(tp, test_unknown_key_in_an_interface_is_named);
	tcase_add_test(tp, test_unknown_key_in_tproxy_is_named);
	tcase_add_test(tp, test_unknown_key_in_limits_is_named);
	tcase_add_test(tp, test_sections_of_wrong_type_are_rejected);
	tcase_add_test(tp, test_bad_interface_name_is_rejected);
	tcase_add_test(tp, test_bad_role_is_rejected);
	tcase_add_test(tp, test_bad_default_action_is_rejected);
	tcase_add_test(tp, test_paths_must_be_absolute);
	tcase_add_test(tp, test_limits_ranges);
	tcase_add_test(tp, test_tproxy_ranges);
	tcase_add_test(tp, test_tproxy_mark_outside_mask_is_rejected);
	suite_add_tcase(s, tp);

	tcase_add_test(tm, test_match_exact_and_glob);
	tcase_add_test(tm, test_first_match_wins);
	tcase_add_test(tm, test_glob_never_matches_lo);
	tcase_add_test(tm, test_exact_lo_entry_matches_lo);
	suite_add_tcase(s, tm);

	tcase_add_test(tl, test_load_of_missing_file_is_the_default);
	tcase_add_test(tl, test_load_of_existing_file);
	tcase_add_test(tl, test_load_of_bad_file_reports_why);
	tcase_add_test(tl, test_load_of_empty_file_is_an_error);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	return run_suite(config_suite());
}
