// SPDX-License-Identifier: GPL-2.0-only
/* The zfw command line as OpenZiti routers run it, translated into API
 * calls: each case is an argv and the call it must become. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zfw_compat.h"
#include "zfwd_api.h"

/* Splits @line on spaces into a fresh argv (argv[0] = "zfw"). */
static int split(char *line, char **argv)
{
	int argc = 0;

	argv[argc++] = "zfw";
	for (char *t = strtok(line, " "); t; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return argc;
}

/* Translates @line and compares the call with @method / @params_json
 * (single quotes stand for double quotes). */
static void expect_call(const char *line, const char *method, const char *params_json)
{
	char buf[512], pj[1024], why[256], *argv[64];
	json_error_t jerr;
	struct zfw_cmd cmd;
	json_t *want;
	char *got;
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split(buf, argv);
	snprintf(pj, sizeof(pj), "%s", params_json);
	for (char *p = pj; *p; p++)
		if (*p == '\'')
			*p = '"';
	ck_assert_msg(zfw_translate(argc, argv, &cmd, why, sizeof(why)) == 0, "%s: %s", line, why);
	ck_assert_str_eq(cmd.method, method);
	want = json_loads(pj, 0, &jerr);
	ck_assert_msg(want, "bad test JSON %s: %s", pj, jerr.text);
	got = json_dumps(cmd.params, JSON_SORT_KEYS);
	ck_assert_msg(json_equal(want, cmd.params), "%s\n got  %s\n want %s", line, got, pj);
	free(got);
	json_decref(want);
	zfw_cmd_free(&cmd);
}

static void expect_usage(const char *line, const char *why_part)
{
	char buf[512], why[256], *argv[64];
	struct zfw_cmd cmd;
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split(buf, argv);
	ck_assert_msg(zfw_translate(argc, argv, &cmd, why, sizeof(why)) == -EINVAL, "%s accepted",
		      line);
	ck_assert_msg(strstr(why, why_part), "%s: '%s' does not say '%s'", line, why, why_part);
}

START_TEST(test_router_insert_becomes_add_rules_with_replace)
{
	/* Exactly what tproxy_linux.go runs for a tcp service on one port. */
	expect_call("-I -c 100.64.0.7 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 443 -h 443 -t 37123 "
		    "-s 5fE3Ku8KrUF0HaqGdN2Yq",
		    ZFWD_METHOD("AddRules"),
		    "{'owner':'zfw-compat','replace':true,'rules':[{'protocol':'tcp',"
		    "'destination':'100.64.0.7/32','source':'0.0.0.0/0',"
		    "'ports':{'low':443,'high':443},'action':'tproxy','tproxy_port':37123,"
		    "'service_id':'5fE3Ku8KrUF0HaqGdN2Yq'}]}");
}
END_TEST

START_TEST(test_insert_with_interfaces_adds_every_one)
{
	expect_call("-I -c 10.0.0.0 -m 8 -p udp -o 192.168.0.0 -n 16 -l 1 -h 65535 -t 40000 "
		    "-N eth1 -N eth2",
		    ZFWD_METHOD("AddRules"),
		    "{'owner':'zfw-compat','replace':true,'rules':[{'protocol':'udp',"
		    "'destination':'10.0.0.0/8','source':'192.168.0.0/16',"
		    "'ports':{'low':1,'high':65535},'action':'tproxy','tproxy_port':40000,"
		    "'interfaces':['eth1','eth2']}]}");
}
END_TEST

START_TEST(test_tproxy_port_zero_means_pass)
{
	expect_call("-I -c 10.1.1.1 -m 32 -p tcp -l 22 -h 22 -t 0",
		    ZFWD_METHOD("AddRules"),
		    "{'owner':'zfw-compat','replace':true,'rules':[{'protocol':'tcp',"
		    "'destination':'10.1.1.1/32','ports':{'low':22,'high':22},"
		    "'action':'pass'}]}");
}
END_TEST

START_TEST(test_prefixes_are_masked_as_zfw_masked_them)
{
	expect_call("-I -c 10.1.2.3 -m 24 -p tcp -o 172.16.5.9 -n 12 -l 80 -h 80 -t 1000",
		    ZFWD_METHOD("AddRules"),
		    "{'owner':'zfw-compat','replace':true,'rules':[{'protocol':'tcp',"
		    "'destination':'10.1.2.0/24','source':'172.16.0.0/12',"
		    "'ports':{'low':80,'high':80},'action':'tproxy','tproxy_port':1000}]}");
}
END_TEST

START_TEST(test_ipv6_service_with_the_default_ipv4_source_means_any_source)
{
	/* Routers pass -o 0.0.0.0 -n 0 whatever the destination's family. */
	expect_call("-I -c fd00:99::1 -m 128 -p tcp -o 0.0.0.0 -n 0 -l 80 -h 80 -t 1000",
		    ZFWD_METHOD("AddRules"),
		    "{'owner':'zfw-compat','replace':true,'rules':[{'protocol':'tcp',"
		    "'destination':'fd00:99::1/128','source':'::/0',"
		    "'ports':{'low':80,'high':80},'action':'tproxy','tproxy_port':1000}]}");
	expect_usage("-I -c fd00:99::1 -m 128 -p tcp -o 10.0.0.0 -n 8 -l 80 -h 80 -t 1000",
		     "family");
}
END_TEST

START_TEST(test_router_delete_becomes_remove_rules_ignoring_missing)
{
	expect_call("-D -c 100.64.0.7 -m 32 -p tcp -o 0.0.0.0 -n 0 -l 443 -h 443 -N eth1",
		    ZFWD_METHOD("RemoveRules"),
		    "{'owner':'zfw-compat','ignore_missing':true,'rules':[{'protocol':'tcp',"
		    "'destination':'100.64.0.7/32','source':'0.0.0.0/0',"
		    "'ports':{'low':443,'high':443},'interfaces':['eth1']}]}");
}
END_TEST

START_TEST(test_long_options_as_zfw_spells_them)
{
	expect_call("--insert --dcidr-block 100.64.0.8 --dprefix-len 32 --protocol udp "
		    "--ocidr-block 0.0.0.0 --oprefix-len 0 --low-port 53 --high-port 53 "
		    "--tproxy-port 5353 --service-id dns --interface ziti0",
		    ZFWD_METHOD("AddRules"),
		    "{'owner':'zfw-compat','replace':true,'rules':[{'protocol':'udp',"
		    "'destination':'100.64.0.8/32','source':'0.0.0.0/0',"
		    "'ports':{'low':53,'high':53},'action':'tproxy','tproxy_port':5353,"
		    "'service_id':'dns','interfaces':['ziti0']}]}");
	expect_call("--delete --dcidr-block 100.64.0.8 --dprefix-len 32 --protocol udp "
		    "--low-port 53 --high-port 53",
		    ZFWD_METHOD("RemoveRules"),
		    "{'owner':'zfw-compat','ignore_missing':true,'rules':[{'protocol':'udp',"
		    "'destination':'100.64.0.8/32','ports':{'low':53,'high':53}}]}");
	expect_call("--flush", ZFWD_METHOD("FlushRules"), "{'owner':'zfw-compat'}");
	expect_call("--list", ZFWD_METHOD("ListRules"), "{'owner':'zfw-compat'}");
}
END_TEST

START_TEST(test_flush_list_and_version)
{
	char buf[16] = "-V", why[64], *argv[4];
	struct zfw_cmd cmd;
	int argc = split(buf, argv);

	expect_call("-F", ZFWD_METHOD("FlushRules"), "{'owner':'zfw-compat'}");
	expect_call("-L", ZFWD_METHOD("ListRules"), "{'owner':'zfw-compat'}");
	ck_assert_int_eq(zfw_translate(argc, argv, &cmd, why, sizeof(why)), 0);
	ck_assert_int_eq(cmd.op, ZFW_VERSION);
	ck_assert_ptr_null(cmd.params);
}
END_TEST

START_TEST(test_bad_command_lines_are_usage_errors_with_a_reason)
{
	expect_usage("", "exactly one of");
	expect_usage("-I -D -c 10.0.0.1 -m 32 -p tcp -l 1 -h 2 -t 5", "exactly one of");
	expect_usage("-I -c 10.0.0.1 -m 32 -p tcp -l 1 -h 2", "-t PORT");
	expect_usage("-I -c 10.0.0.1 -m 32 -p icmp -l 1 -h 2 -t 5", "tcp or udp");
	expect_usage("-I -c 10.0.0.1 -m 33 -p tcp -l 1 -h 2 -t 5", "prefix length");
	expect_usage("-I -c nowhere -m 32 -p tcp -l 1 -h 2 -t 5", "not an IPv4 or IPv6");
	expect_usage("-I -c 10.0.0.1 -m 32 -p tcp -l 9 -h 2 -t 5", "-l <= -h");
	expect_usage("-I -c 10.0.0.1 -m 32 -p tcp -l 0 -h 2 -t 5", "ports 1-65535");
	expect_usage("-I -c 10.0.0.1 -m 32 -p tcp -l 1 -h 2 -t 70000", "-t PORT");
	expect_usage("-I -c 10.0.0.1 -m 32 -p tcp -o 10.0.0.0 -l 1 -h 2 -t 5", "go together");
	expect_usage("-D -c 10.0.0.1 -m 32 -p tcp -l 1 -h 2 -t 5", "match only");
	expect_usage("-D -c 10.0.0.1 -p tcp -l 1 -h 2", "needs -c, -m");
	expect_usage("-F -c 10.0.0.1", "no match options");
	expect_usage("-X eth0", "not supported");
	expect_usage("-I -c", "needs a value");
	expect_usage("-L extra", "unexpected argument");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("zfw");
	TCase *tc = tcase_create("translate");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_router_insert_becomes_add_rules_with_replace);
	tcase_add_test(tc, test_insert_with_interfaces_adds_every_one);
	tcase_add_test(tc, test_tproxy_port_zero_means_pass);
	tcase_add_test(tc, test_prefixes_are_masked_as_zfw_masked_them);
	tcase_add_test(tc, test_ipv6_service_with_the_default_ipv4_source_means_any_source);
	tcase_add_test(tc, test_router_delete_becomes_remove_rules_ignoring_missing);
	tcase_add_test(tc, test_long_options_as_zfw_spells_them);
	tcase_add_test(tc, test_flush_list_and_version);
	tcase_add_test(tc, test_bad_command_lines_are_usage_errors_with_a_reason);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
