// SPDX-License-Identifier: GPL-2.0-only
/* The rule model: JSON in and out, prefixes, matches, names. */
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "unit_util.h"
#include "zfwd_maps.h"

/* A minimal valid rule; tests append fields with "%s". */
#define BASE "'protocol':'tcp','destination':'10.0.0.0/8','action':'pass'"

/* The rule must be rejected naming @field; @reason_sub, when given, must
 * appear in the reason. The rule is left empty (nothing to free). */
static void expect_bad_opts(const char *js, bool match_only, const char *field,
			    const char *reason_sub)
{
	struct rule_err err;
	struct rule r;
	int ret;

	memset(&err, 0x5a, sizeof(err));
	ret = rule_parse_str(js, &r, &err, match_only);
	ck_assert_msg(ret == -EINVAL, "%s: expected -EINVAL, got %d", js, ret);
	ck_assert_msg(err.field && !strcmp(err.field, field),
		      "%s: field \"%s\", expected \"%s\" (%s)", js,
		      err.field ? err.field : "(null)", field, err.reason);
	ck_assert_msg(err.reason[0] != '\0', "%s: empty reason", js);
	if (reason_sub)
		ck_assert_msg(strstr(err.reason, reason_sub),
			      "%s: reason \"%s\" lacks \"%s\"", js, err.reason, reason_sub);
	ck_assert_ptr_null(r.m.ifaces);
	ck_assert_ptr_null(r.service_id);
	ck_assert_ptr_null(r.service_name);
}

static void expect_bad(const char *js, const char *field, const char *reason_sub)
{
	expect_bad_opts(js, false, field, reason_sub);
}

static void expect_prefix(const struct prefix *p, const char *want)
{
	char buf[64];

	prefix_format(p, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

static struct prefix pfx(const char *s)
{
	const char *why = NULL;
	struct prefix p;

	ck_assert_msg(prefix_parse(s, &p, &why) == 0, "%s: %s", s, why);
	return p;
}

/* ---- whole rule ---- */

START_TEST(test_minimal_rule_parses_with_defaults)
{
	struct rule r = rule_ok("{" BASE "}");

	ck_assert_int_eq(r.m.proto, IPPROTO_TCP);
	ck_assert_int_eq(r.m.dst.family, 4);
	ck_assert_int_eq(r.m.dst.len, 8);
	ck_assert_int_eq(r.m.dst.addr[0], 10);
	ck_assert_int_eq(r.m.src.family, 4);
	ck_assert_int_eq(r.m.src.len, 0);
	ck_assert_int_eq(r.m.port_lo, 1);
	ck_assert_int_eq(r.m.port_hi, 65535);
	ck_assert_int_eq(r.m.n_ifaces, 0);
	ck_assert_ptr_null(r.m.ifaces);
	ck_assert_int_eq(r.action, ZFWD_ACT_PASS);
	ck_assert_int_eq(r.tproxy_port, 0);
	ck_assert_ptr_null(r.service_id);
	ck_assert_ptr_null(r.service_name);
	rule_free(&r);
}
END_TEST

START_TEST(test_rule_that_is_not_an_object_is_rejected)
{
	expect_bad("[]", "rule", NULL);
	expect_bad("'tcp'", "rule", NULL);
	expect_bad("null", "rule", NULL);
}
END_TEST

START_TEST(test_unknown_top_level_key_is_rejected_as_field_rule)
{
	expect_bad("{" BASE ",'prot':'tcp'}", "rule", "prot");
	expect_bad("{" BASE ",'comment':'x'}", "rule", "comment");
	/* Even in match-only mode. */
	expect_bad_opts("{'protocol':'udp','destination':'::/0','owner':'x'}", true, "rule",
			"owner");
}
END_TEST

/* ---- protocol ---- */

START_TEST(test_missing_protocol_is_rejected)
{
	expect_bad("{'destination':'10.0.0.0/8','action':'pass'}", "protocol", "required");
}
END_TEST

START_TEST(test_protocol_of_wrong_type_is_rejected)
{
	expect_bad("{'protocol':6,'destination':'10.0.0.0/8','action':'pass'}", "protocol",
		   NULL);
	expect_bad("{'protocol':null,'destination':'10.0.0.0/8','action':'pass'}", "protocol",
		   NULL);
	expect_bad("{'protocol':['tcp'],'destination':'10.0.0.0/8','action':'pass'}",
		   "protocol", NULL);
}
END_TEST

START_TEST(test_protocol_icmp_is_rejected)
{
	expect_bad("{'protocol':'icmp','destination':'10.0.0.0/8','action':'pass'}",
		   "protocol", NULL);
	expect_bad("{'protocol':'TCP','destination':'10.0.0.0/8','action':'pass'}",
		   "protocol", NULL);
}
END_TEST

START_TEST(test_protocol_tcp_and_udp_are_accepted)
{
	struct rule r = rule_ok("{'protocol':'udp','destination':'10.0.0.0/8','action':'deny'}");

	ck_assert_int_eq(r.m.proto, IPPROTO_UDP);
	ck_assert_int_eq(r.action, ZFWD_ACT_DENY);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'}");
	ck_assert_int_eq(r.m.proto, IPPROTO_TCP);
	rule_free(&r);
}
END_TEST

/* ---- destination ---- */

START_TEST(test_missing_destination_is_rejected)
{
	expect_bad("{'protocol':'tcp','action':'pass'}", "destination", "required");
}
END_TEST

START_TEST(test_destination_that_is_not_a_string_is_rejected)
{
	expect_bad("{'protocol':'tcp','destination':167772160,'action':'pass'}", "destination",
		   NULL);
	expect_bad("{'protocol':'tcp','destination':null,'action':'pass'}", "destination",
		   NULL);
	expect_bad("{'protocol':'tcp','destination':{},'action':'pass'}", "destination", NULL);
}
END_TEST

START_TEST(test_garbage_destination_is_rejected)
{
	static const char *const bad[] = {
		"", "garbage", "10.0.0", "10.0.0.256", "10.0.0.0/33", "::/129",
		"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/ 8", "/8",
		"10.0.0.0//8", "10.0.0.0/8/8", "fd00::/64x", "fd00:::1",
		"10.0.0.0/1000000000000000000000",
		" 10.0.0.0/8", "10.0.0.0/+8", "10.0.0.0/0x8",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char js[256];

		snprintf(js, sizeof(js),
			 "{'protocol':'tcp','destination':'%s','action':'pass'}", bad[i]);
		expect_bad(js, "destination", NULL);
	}
}
END_TEST

START_TEST(test_host_bits_in_destination_are_rejected)
{
	expect_bad("{'protocol':'tcp','destination':'10.0.0.1/8','action':'pass'}",
		   "destination", "host bits");
	expect_bad("{'protocol':'tcp','destination':'fd00::1/64','action':'pass'}",
		   "destination", "host bits");
	expect_bad("{'protocol':'tcp','destination':'10.0.0.128/24','action':'pass'}",
		   "destination", "host bits");
	expect_bad("{'protocol':'tcp','destination':'10.0.0.3/31','action':'pass'}",
		   "destination", "host bits");
	expect_bad("{'protocol':'tcp','destination':'::1/127','action':'pass'}",
		   "destination", "host bits");
}
END_TEST

START_TEST(test_bare_address_is_a_host_prefix)
{
	struct rule r = rule_ok("{'protocol':'tcp','destination':'192.0.2.7','action':'pass'}");

	ck_assert_int_eq(r.m.dst.family, 4);
	ck_assert_int_eq(r.m.dst.len, 32);
	expect_prefix(&r.m.dst, "192.0.2.7/32");
	/* The default source follows the destination's family. */
	expect_prefix(&r.m.src, "0.0.0.0/0");
	rule_free(&r);

	r = rule_ok("{'protocol':'tcp','destination':'2001:db8::7','action':'pass'}");
	ck_assert_int_eq(r.m.dst.family, 6);
	ck_assert_int_eq(r.m.dst.len, 128);
	expect_prefix(&r.m.dst, "2001:db8::7/128");
	ck_assert_int_eq(r.m.src.family, 6);
	ck_assert_int_eq(r.m.src.len, 0);
	expect_prefix(&r.m.src, "::/0");
	rule_free(&r);
}
END_TEST

START_TEST(test_zero_prefixes_are_accepted)
{
	struct rule r = rule_ok("{'protocol':'tcp','destination':'0.0.0.0/0','action':'pass'}");

	ck_assert_int_eq(r.m.dst.len, 0);
	ck_assert_int_eq(r.m.dst.family, 4);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'::/0','action':'pass'}");
	ck_assert_int_eq(r.m.dst.len, 0);
	ck_assert_int_eq(r.m.dst.family, 6);
	rule_free(&r);
}
END_TEST

START_TEST(test_maximum_prefix_lengths_are_accepted)
{
	struct rule r = rule_ok("{'protocol':'tcp','destination':'10.1.2.3/32','action':'pass'}");

	ck_assert_int_eq(r.m.dst.len, 32);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'fd00::1/128','action':'pass'}");
	ck_assert_int_eq(r.m.dst.len, 128);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'::ffff:10.1.2.0/120','action':'pass'}");
	ck_assert_int_eq(r.m.dst.family, 6);
	ck_assert_int_eq(r.m.dst.len, 120);
	rule_free(&r);
}
END_TEST

/* ---- source ---- */

START_TEST(test_absent_or_null_source_is_any_of_the_destination_family)
{
	struct rule r = rule_ok("{'protocol':'udp','destination':'fd00::/8','action':'pass'}");
	struct rule n = rule_ok("{'protocol':'udp','destination':'fd00::/8','action':'pass',"
				"'source':null}");
	struct rule x = rule_ok("{'protocol':'udp','destination':'fd00::/8','action':'pass',"
				"'source':'::/0'}");

	ck_assert_int_eq(r.m.src.family, 6);
	ck_assert_int_eq(r.m.src.len, 0);
	ck_assert(match_eq(&r.m, &n.m));
	ck_assert(match_eq(&r.m, &x.m));
	rule_free(&r);
	rule_free(&n);
	rule_free(&x);
}
END_TEST

START_TEST(test_source_is_parsed)
{
	struct rule r = rule_ok("{" BASE ",'source':'192.168.1.0/24'}");

	expect_prefix(&r.m.src, "192.168.1.0/24");
	rule_free(&r);
	r = rule_ok("{" BASE ",'source':'192.168.1.9'}");
	expect_prefix(&r.m.src, "192.168.1.9/32");
	rule_free(&r);
}
END_TEST

START_TEST(test_source_of_other_family_is_rejected)
{
	expect_bad("{" BASE ",'source':'fd00::/8'}", "source", "family");
	expect_bad("{'protocol':'tcp','destination':'fd00::/8','action':'pass',"
		   "'source':'0.0.0.0/0'}",
		   "source", "family");
}
END_TEST

START_TEST(test_source_with_host_bits_is_rejected)
{
	expect_bad("{" BASE ",'source':'192.168.1.1/24'}", "source", "host bits");
	expect_bad("{'protocol':'tcp','destination':'fd00::/8','action':'pass',"
		   "'source':'fd01::1/64'}",
		   "source", "host bits");
}
END_TEST

START_TEST(test_bad_source_is_rejected)
{
	expect_bad("{" BASE ",'source':5}", "source", NULL);
	expect_bad("{" BASE ",'source':'any'}", "source", NULL);
	expect_bad("{" BASE ",'source':'10.0.0.0/40'}", "source", NULL);
	expect_bad("{" BASE ",'source':''}", "source", NULL);
}
END_TEST

/* ---- ports ---- */

START_TEST(test_ports_are_parsed)
{
	struct rule r = rule_ok("{" BASE ",'ports':{'low':80,'high':90}}");

	ck_assert_int_eq(r.m.port_lo, 80);
	ck_assert_int_eq(r.m.port_hi, 90);
	rule_free(&r);
	r = rule_ok("{" BASE ",'ports':{'low':1,'high':65535}}");
	ck_assert_int_eq(r.m.port_lo, 1);
	ck_assert_int_eq(r.m.port_hi, 65535);
	rule_free(&r);
	r = rule_ok("{" BASE ",'ports':null}");
	ck_assert_int_eq(r.m.port_lo, 1);
	ck_assert_int_eq(r.m.port_hi, 65535);
	rule_free(&r);
}
END_TEST

START_TEST(test_ports_high_defaults_to_low)
{
	struct rule r = rule_ok("{" BASE ",'ports':{'low':443}}");

	ck_assert_int_eq(r.m.port_lo, 443);
	ck_assert_int_eq(r.m.port_hi, 443);
	rule_free(&r);
}
END_TEST

START_TEST(test_ports_must_be_an_object)
{
	expect_bad("{" BASE ",'ports':80}", "ports", NULL);
	expect_bad("{" BASE ",'ports':[80,90]}", "ports", NULL);
	expect_bad("{" BASE ",'ports':'80-90'}", "ports", NULL);
}
END_TEST

START_TEST(test_ports_low_is_required)
{
	expect_bad("{" BASE ",'ports':{'high':80}}", "ports.low", "required");
	expect_bad("{" BASE ",'ports':{}}", "ports.low", "required");
}
END_TEST

START_TEST(test_ports_high_below_low_is_rejected)
{
	expect_bad("{" BASE ",'ports':{'low':90,'high':80}}", "ports.high", NULL);
	expect_bad("{" BASE ",'ports':{'low':2,'high':1}}", "ports.high", NULL);
}
END_TEST

START_TEST(test_port_zero_and_65536_are_rejected)
{
	expect_bad("{" BASE ",'ports':{'low':0}}", "ports.low", NULL);
	expect_bad("{" BASE ",'ports':{'low':65536}}", "ports.low", NULL);
	expect_bad("{" BASE ",'ports':{'low':-1}}", "ports.low", NULL);
	expect_bad("{" BASE ",'ports':{'low':1,'high':0}}", "ports.high", NULL);
	expect_bad("{" BASE ",'ports':{'low':1,'high':65536}}", "ports.high", NULL);
	expect_bad("{" BASE ",'ports':{'low':4294967377}}", "ports.low", NULL);
}
END_TEST

START_TEST(test_non_integer_ports_are_rejected)
{
	expect_bad("{" BASE ",'ports':{'low':'80'}}", "ports.low", NULL);
	expect_bad("{" BASE ",'ports':{'low':80.0}}", "ports.low", NULL);
	expect_bad("{" BASE ",'ports':{'low':true}}", "ports.low", NULL);
	expect_bad("{" BASE ",'ports':{'low':80,'high':'90'}}", "ports.high", NULL);
	expect_bad("{" BASE ",'ports':{'low':80,'high':90.5}}", "ports.high", NULL);
}
END_TEST

START_TEST(test_unknown_key_inside_ports_is_rejected)
{
	expect_bad("{" BASE ",'ports':{'low':80,'hi':90}}", "ports", NULL);
	expect_bad("{" BASE ",'ports':{'low':80,'high':90,'step':2}}", "ports", NULL);
}
END_TEST

/* ---- action and tproxy_port ---- */

START_TEST(test_missing_action_is_rejected)
{
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8'}", "action", "required");
}
END_TEST

START_TEST(test_missing_action_is_accepted_when_match_only)
{
	struct rule_err err;
	struct rule r;

	ck_assert_int_eq(rule_parse_str("{'protocol':'tcp','destination':'10.0.0.0/8',"
					"'ports':{'low':22}}",
					&r, &err, true),
			 0);
	ck_assert_int_eq(r.action, ZFWD_ACT_NONE);
	ck_assert_int_eq(r.m.port_lo, 22);
	ck_assert_int_eq(r.m.port_hi, 22);
	rule_free(&r);
}
END_TEST

START_TEST(test_bad_action_is_rejected)
{
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'drop'}", "action",
		   NULL);
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'none'}", "action",
		   NULL);
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':2}", "action", NULL);
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'PASS'}", "action",
		   NULL);
	/* A bad action is bad in match-only mode too. */
	expect_bad_opts("{'protocol':'tcp','destination':'10.0.0.0/8','action':'drop'}", true,
			"action", NULL);
}
END_TEST

START_TEST(test_every_action_is_accepted)
{
	struct rule r = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'}");

	ck_assert_int_eq(r.action, ZFWD_ACT_DENY);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass'}");
	ck_assert_int_eq(r.action, ZFWD_ACT_PASS);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		    "'tproxy_port':9000}");
	ck_assert_int_eq(r.action, ZFWD_ACT_TPROXY);
	ck_assert_int_eq(r.tproxy_port, 9000);
	rule_free(&r);
}
END_TEST

START_TEST(test_tproxy_without_port_is_rejected)
{
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy'}",
		   "tproxy_port", "required");
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		   "'tproxy_port':null}",
		   "tproxy_port", "required");
}
END_TEST

START_TEST(test_tproxy_without_port_is_accepted_when_match_only)
{
	struct rule_err err;
	struct rule r;

	ck_assert_int_eq(rule_parse_str("{'protocol':'tcp','destination':'10.0.0.0/8',"
					"'action':'tproxy'}",
					&r, &err, true),
			 0);
	ck_assert_int_eq(r.action, ZFWD_ACT_TPROXY);
	ck_assert_int_eq(r.tproxy_port, 0);
	rule_free(&r);
}
END_TEST

START_TEST(test_tproxy_port_with_pass_or_deny_is_rejected)
{
	expect_bad("{" BASE ",'tproxy_port':9000}", "tproxy_port", NULL);
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny',"
		   "'tproxy_port':9000}",
		   "tproxy_port", NULL);
	expect_bad_opts("{" BASE ",'tproxy_port':9000}", true, "tproxy_port", NULL);
}
END_TEST

START_TEST(test_tproxy_port_range_is_1_to_65535)
{
	struct rule r;

	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		   "'tproxy_port':0}",
		   "tproxy_port", NULL);
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		   "'tproxy_port':65536}",
		   "tproxy_port", NULL);
	expect_bad("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		   "'tproxy_port':'9000'}",
		   "tproxy_port", NULL);
	r = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		    "'tproxy_port':1}");
	ck_assert_int_eq(r.tproxy_port, 1);
	rule_free(&r);
	r = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'tproxy',"
		    "'tproxy_port':65535}");
	ck_assert_int_eq(r.tproxy_port, 65535);
	rule_free(&r);
}
END_TEST

/* ---- interfaces ---- */

START_TEST(test_interfaces_must_be_an_array)
{
	expect_bad("{" BASE ",'interfaces':'eth0'}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':{'eth0':true}}", "interfaces", NULL);
}
END_TEST

START_TEST(test_interfaces_must_be_valid_names)
{
	expect_bad("{" BASE ",'interfaces':[1]}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['eth0',null]}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['']}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['a/b']}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['eth0:1']}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['eth 0']}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['0123456789abcdef']}", "interfaces", NULL);
	expect_bad("{" BASE ",'interfaces':['..']}", "interfaces", NULL);
}
END_TEST

START_TEST(test_interface_name_of_15_characters_is_accepted)
{
	struct rule r = rule_ok("{" BASE ",'interfaces':['0123456789abcde']}");

	ck_assert_int_eq(r.m.n_ifaces, 1);
	ck_assert_str_eq(r.m.ifaces[0], "0123456789abcde");
	rule_free(&r);
}
END_TEST

START_TEST(test_interfaces_are_sorted_and_deduplicated)
{
	struct rule r = rule_ok("{" BASE ",'interfaces':['eth1','eth0','veth9','eth1','eth0']}");

	ck_assert_int_eq(r.m.n_ifaces, 3);
	ck_assert_str_eq(r.m.ifaces[0], "eth0");
	ck_assert_str_eq(r.m.ifaces[1], "eth1");
	ck_assert_str_eq(r.m.ifaces[2], "veth9");
	rule_free(&r);
}
END_TEST

START_TEST(test_interface_order_does_not_change_the_match)
{
	struct rule a = rule_ok("{" BASE ",'interfaces':['b','a','c']}");
	struct rule b = rule_ok("{" BASE ",'interfaces':['c','a','b','a']}");
	struct rule c = rule_ok("{" BASE ",'interfaces':['a','b']}");

	ck_assert(match_eq(&a.m, &b.m));
	ck_assert(match_hash(&a.m) == match_hash(&b.m));
	ck_assert(!match_eq(&a.m, &c.m));
	rule_free(&a);
	rule_free(&b);
	rule_free(&c);
}
END_TEST

START_TEST(test_empty_interface_list_is_the_same_as_none)
{
	struct rule a = rule_ok("{" BASE ",'interfaces':[]}");
	struct rule b = rule_ok("{" BASE "}");
	struct rule c = rule_ok("{" BASE ",'interfaces':null}");

	ck_assert_int_eq(a.m.n_ifaces, 0);
	ck_assert(match_eq(&a.m, &b.m));
	ck_assert(match_eq(&c.m, &b.m));
	rule_free(&a);
	rule_free(&b);
	rule_free(&c);
}
END_TEST

static void ifaces_json(char *buf, size_t size, unsigned n)
{
	size_t off = snprintf(buf, size, "{" BASE ",'interfaces':[");

	for (unsigned i = 0; i < n; i++)
		off += snprintf(buf + off, size - off, "%s'if%u'", i ? "," : "", i);
	snprintf(buf + off, size - off, "]}");
}

START_TEST(test_64_interfaces_are_accepted)
{
	char js[4096];
	struct rule r;

	ifaces_json(js, sizeof(js), 64);
	r = rule_ok(js);
	ck_assert_int_eq(r.m.n_ifaces, 64);
	rule_free(&r);
}
END_TEST

START_TEST(test_more_than_64_interfaces_are_rejected)
{
	char js[4096];

	ifaces_json(js, sizeof(js), 65);
	expect_bad(js, "interfaces", "64");
}
END_TEST

/* ---- service fields ---- */

START_TEST(test_service_fields_are_kept)
{
	struct rule r = rule_ok("{" BASE ",'service_id':'svc-1','service_name':'web'}");

	ck_assert_str_eq(r.service_id, "svc-1");
	ck_assert_str_eq(r.service_name, "web");
	rule_free(&r);
	r = rule_ok("{" BASE ",'service_id':null,'service_name':null}");
	ck_assert_ptr_null(r.service_id);
	ck_assert_ptr_null(r.service_name);
	rule_free(&r);
}
END_TEST

START_TEST(test_service_fields_must_be_strings)
{
	expect_bad("{" BASE ",'service_id':5}", "service_id", NULL);
	expect_bad("{" BASE ",'service_id':['a']}", "service_id", NULL);
	expect_bad("{" BASE ",'service_name':true}", "service_name", NULL);
	expect_bad("{" BASE ",'service_name':{}}", "service_name", NULL);
	/* A valid service_id does not hide a bad service_name. */
	expect_bad("{" BASE ",'service_id':'x','service_name':1}", "service_name", NULL);
}
END_TEST

START_TEST(test_service_id_with_nul_is_rejected)
{
	json_t *j = jparse("{" BASE "}");
	struct rule_err err;
	struct rule r;

	json_object_set_new(j, "service_id", json_stringn("a\0b", 3));
	ck_assert_int_eq(rule_from_json(j, &r, &err), -EINVAL);
	ck_assert_str_eq(err.field, "service_id");
	ck_assert_ptr_null(r.service_id);
	json_decref(j);
}
END_TEST

/* ---- round trip ---- */

static void check_round_trip(const char *js)
{
	struct rule a = rule_ok(js), b;
	struct rule_err err;
	json_t *o = rule_to_json(&a);
	char *text;

	ck_assert_ptr_nonnull(o);
	text = json_dumps(o, JSON_COMPACT);
	ck_assert_msg(rule_from_json(o, &b, &err) == 0, "%s -> %s: field %s: %s", js, text,
		      err.field, err.reason);
	ck_assert_msg(match_eq(&a.m, &b.m), "%s -> %s: match differs", js, text);
	ck_assert(match_hash(&a.m) == match_hash(&b.m));
	ck_assert_int_eq(a.action, b.action);
	ck_assert_int_eq(a.tproxy_port, b.tproxy_port);
	if (a.service_id)
		ck_assert_str_eq(a.service_id, b.service_id);
	else
		ck_assert_ptr_null(b.service_id);
	if (a.service_name)
		ck_assert_str_eq(a.service_name, b.service_name);
	else
		ck_assert_ptr_null(b.service_name);
	free(text);
	json_decref(o);
	rule_free(&a);
	rule_free(&b);
}

START_TEST(test_rule_to_json_round_trips)
{
	check_round_trip("{" BASE "}");
	check_round_trip("{'protocol':'udp','destination':'10.1.2.3','action':'deny',"
			 "'source':'192.168.0.0/16','ports':{'low':53}}");
	check_round_trip("{'protocol':'tcp','destination':'fd00:1::/48','action':'tproxy',"
			 "'tproxy_port':8443,'source':'2001:db8::/32',"
			 "'ports':{'low':1000,'high':2000},'interfaces':['wg0','eth0'],"
			 "'service_id':'s1','service_name':'svc one'}");
	check_round_trip("{'protocol':'udp','destination':'::/0','action':'pass',"
			 "'service_name':'only a name'}");
	check_round_trip("{'protocol':'tcp','destination':'0.0.0.0/0','action':'tproxy',"
			 "'tproxy_port':65535,'ports':{'low':65535}}");
}
END_TEST

START_TEST(test_rule_to_json_writes_expected_fields)
{
	struct rule r = rule_ok("{'protocol':'udp','destination':'fd00::5','action':'pass',"
				"'ports':{'low':7}}");
	json_t *o = rule_to_json(&r);

	ck_assert_str_eq(jstr(o, "protocol"), "udp");
	ck_assert_str_eq(jstr(o, "destination"), "fd00::5/128");
	ck_assert_str_eq(jstr(o, "source"), "::/0");
	ck_assert_str_eq(jstr(o, "action"), "pass");
	ck_assert_int_eq(jint(json_object_get(o, "ports"), "low"), 7);
	ck_assert_int_eq(jint(json_object_get(o, "ports"), "high"), 7);
	ck_assert_ptr_null(json_object_get(o, "tproxy_port"));
	ck_assert_ptr_null(json_object_get(o, "interfaces"));
	ck_assert_ptr_null(json_object_get(o, "service_id"));
	json_decref(o);
	rule_free(&r);
}
END_TEST

START_TEST(test_rule_copy_is_deep)
{
	struct rule a = rule_ok("{" BASE ",'interfaces':['eth0'],'service_id':'x',"
				"'service_name':'y'}");
	struct rule b;

	ck_assert_int_eq(rule_copy(&b, &a), 0);
	ck_assert(match_eq(&a.m, &b.m));
	ck_assert_ptr_ne(a.m.ifaces, b.m.ifaces);
	ck_assert_ptr_ne(a.service_id, b.service_id);
	ck_assert_str_eq(b.service_id, "x");
	ck_assert_str_eq(b.service_name, "y");
	rule_free(&a);
	ck_assert_str_eq(b.m.ifaces[0], "eth0");
	rule_free(&b);
}
END_TEST

/* ---- match equality ---- */

START_TEST(test_equal_matches_hash_equal)
{
	struct rule a = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass',"
				"'ports':{'low':80}}");
	struct rule b = rule_ok("{'action':'deny','ports':{'high':80,'low':80},"
				"'source':'0.0.0.0/0','destination':'10.0.0.0/8',"
				"'protocol':'tcp','service_id':'other'}");

	ck_assert(match_eq(&a.m, &b.m));
	ck_assert(match_hash(&a.m) == match_hash(&b.m));
	rule_free(&a);
	rule_free(&b);
}
END_TEST

START_TEST(test_matches_differing_in_one_field_are_not_equal)
{
	static const char *const variants[] = {
		"{'protocol':'udp','destination':'10.0.0.0/8','action':'pass','ports':{'low':80}}",
		"{'protocol':'tcp','destination':'10.0.0.0/9','action':'pass','ports':{'low':80}}",
		"{'protocol':'tcp','destination':'11.0.0.0/8','action':'pass','ports':{'low':80}}",
		"{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass','ports':{'low':81}}",
		"{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass',"
		"'ports':{'low':80,'high':81}}",
		"{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass','ports':{'low':80},"
		"'source':'1.0.0.0/8'}",
		"{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass','ports':{'low':80},"
		"'interfaces':['eth0']}",
	};
	struct rule base = rule_ok("{'protocol':'tcp','destination':'10.0.0.0/8',"
				   "'action':'pass','ports':{'low':80}}");

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct rule v = rule_ok(variants[i]);

		ck_assert_msg(!match_eq(&base.m, &v.m), "%s equals the base", variants[i]);
		ck_assert_msg(!match_eq(&v.m, &base.m), "%s equals the base", variants[i]);
		for (size_t j = 0; j < i; j++) {
			struct rule w = rule_ok(variants[j]);

			ck_assert(!match_eq(&w.m, &v.m));
			rule_free(&w);
		}
		rule_free(&v);
	}
	rule_free(&base);
}
END_TEST

START_TEST(test_match_copy_is_equal_and_independent)
{
	struct rule a = rule_ok("{" BASE ",'interfaces':['x','y']}");
	struct rule_match m;

	ck_assert_int_eq(match_copy(&m, &a.m), 0);
	ck_assert(match_eq(&m, &a.m));
	ck_assert(match_hash(&m) == match_hash(&a.m));
	ck_assert_ptr_ne(m.ifaces, a.m.ifaces);
	match_free(&m);
	ck_assert_ptr_null(m.ifaces);
	ck_assert_int_eq(m.n_ifaces, 0);
	rule_free(&a);
}
END_TEST

/* ---- prefixes ---- */

START_TEST(test_prefix_parse_reports_why)
{
	const char *why = NULL;
	struct prefix p;

	ck_assert_int_eq(prefix_parse("10.0.0.1/8", &p, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "host bits"));
	why = NULL;
	ck_assert_int_eq(prefix_parse("10.0.0.0/33", &p, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	why = NULL;
	ck_assert_int_eq(prefix_parse("nope", &p, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_prefix_bytes_past_the_family_are_zero)
{
	struct prefix p = pfx("255.255.255.255");

	for (int i = 4; i < 16; i++)
		ck_assert_int_eq(p.addr[i], 0);
	ck_assert_int_eq(prefix_max_len(&p), 32);
	p = pfx("::");
	ck_assert_int_eq(prefix_max_len(&p), 128);
}
END_TEST

START_TEST(test_prefix_format_is_canonical)
{
	struct prefix p = pfx("2001:0db8:0000::/32");

	expect_prefix(&p, "2001:db8::/32");
	p = pfx("FD00:0:0:0:0:0:0:1");
	expect_prefix(&p, "fd00::1/128");
}
END_TEST

START_TEST(test_prefix_mask_clears_host_bits)
{
	struct prefix p = pfx("10.255.255.255");

	prefix_mask(&p, 12);
	expect_prefix(&p, "10.240.0.0/12");
	prefix_mask(&p, 0);
	expect_prefix(&p, "0.0.0.0/0");
	p = pfx("fd00:ffff:ffff::ffff");
	prefix_mask(&p, 20);
	expect_prefix(&p, "fd00:f000::/20");
}
END_TEST

START_TEST(test_zero_prefix_contains_everything_of_its_family)
{
	struct prefix any4 = pfx("0.0.0.0/0"), any6 = pfx("::/0");
	static const char *const v4[] = { "0.0.0.0/0", "10.0.0.0/8", "255.255.255.255",
					  "0.0.0.0", "128.0.0.0/1" };
	static const char *const v6[] = { "::/0", "fd00::/8",
					  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::",
					  "::ffff:10.0.0.1" };

	for (size_t i = 0; i < 5; i++) {
		struct prefix a = pfx(v4[i]), b = pfx(v6[i]);

		ck_assert_msg(prefix_contains(&any4, &a), "0/0 does not contain %s", v4[i]);
		ck_assert_msg(prefix_contains(&any6, &b), "::/0 does not contain %s", v6[i]);
		ck_assert_msg(!prefix_contains(&any4, &b), "0/0 contains %s", v6[i]);
		ck_assert_msg(!prefix_contains(&any6, &a), "::/0 contains %s", v4[i]);
	}
}
END_TEST

START_TEST(test_prefix_contains_edge_cases)
{
	struct prefix p8 = pfx("10.0.0.0/8"), p9 = pfx("10.128.0.0/9"), h = pfx("10.1.2.3");
	struct prefix other = pfx("11.0.0.0/8"), v6 = pfx("::ffff:10.0.0.0/104");

	ck_assert(prefix_contains(&p8, &p8));
	ck_assert(prefix_contains(&p8, &p9));
	ck_assert(!prefix_contains(&p9, &p8)); /* longer never contains shorter */
	ck_assert(prefix_contains(&p8, &h));
	ck_assert(!prefix_contains(&p9, &h));
	ck_assert(!prefix_contains(&h, &p8));
	ck_assert(prefix_contains(&h, &h));
	ck_assert(!prefix_contains(&p8, &other));
	ck_assert(!prefix_contains(&other, &p8));
	/* An IPv4-mapped IPv6 prefix is still another family. */
	ck_assert(!prefix_contains(&p8, &v6));
	ck_assert(!prefix_contains(&v6, &h));
}
END_TEST

START_TEST(test_ipv6_prefix_contains_at_odd_lengths)
{
	struct prefix p = pfx("fd00:abcd::/33"), in = pfx("fd00:abcd:7fff::1"),
		      out = pfx("fd00:abcd:8000::1");

	ck_assert(prefix_contains(&p, &in));
	ck_assert(!prefix_contains(&p, &out));
}
END_TEST

/* ---- names ---- */

START_TEST(test_owner_valid)
{
	char longest[OWNER_MAX_LEN + 2];

	ck_assert(owner_valid("local"));
	ck_assert(owner_valid("ziti-router_1.x:y@z"));
	ck_assert(owner_valid("A9"));
	ck_assert(!owner_valid(""));
	ck_assert(!owner_valid("a b"));
	ck_assert(!owner_valid("a/b"));
	ck_assert(!owner_valid("a\"b"));
	ck_assert(!owner_valid("ä"));
	memset(longest, 'o', OWNER_MAX_LEN);
	longest[OWNER_MAX_LEN] = '\0';
	ck_assert(owner_valid(longest));
	longest[OWNER_MAX_LEN] = 'o';
	longest[OWNER_MAX_LEN + 1] = '\0';
	ck_assert(!owner_valid(longest));
}
END_TEST

START_TEST(test_ifname_valid)
{
	ck_assert(ifname_valid("eth0"));
	ck_assert(ifname_valid("veth-ab.c_d"));
	ck_assert(ifname_valid("0123456789abcde"));
	ck_assert(!ifname_valid("0123456789abcdef"));
	ck_assert(!ifname_valid(""));
	ck_assert(!ifname_valid("."));
	ck_assert(!ifname_valid(".."));
	ck_assert(ifname_valid("..."));
	ck_assert(!ifname_valid("a/b"));
	ck_assert(!ifname_valid("a:b"));
	ck_assert(!ifname_valid("a b"));
	ck_assert(!ifname_valid("a\tb"));
}
END_TEST

START_TEST(test_action_and_protocol_names_round_trip)
{
	ck_assert_int_eq(action_parse("tproxy"), ZFWD_ACT_TPROXY);
	ck_assert_int_eq(action_parse("pass"), ZFWD_ACT_PASS);
	ck_assert_int_eq(action_parse("deny"), ZFWD_ACT_DENY);
	ck_assert_int_lt(action_parse("none"), 0);
	ck_assert_int_lt(action_parse(""), 0);
	for (int a = ZFWD_ACT_TPROXY; a <= ZFWD_ACT_DENY; a++)
		ck_assert_int_eq(action_parse(action_name(a)), a);
	ck_assert_str_eq(action_name(ZFWD_ACT_NONE), "none");
	ck_assert_str_eq(action_name(99), "none");
	ck_assert_int_eq(proto_parse("tcp"), IPPROTO_TCP);
	ck_assert_int_eq(proto_parse("udp"), IPPROTO_UDP);
	ck_assert_int_lt(proto_parse("sctp"), 0);
	ck_assert_str_eq(proto_name(IPPROTO_TCP), "tcp");
	ck_assert_str_eq(proto_name(IPPROTO_UDP), "udp");
}
END_TEST

/* ---- nullable fields (the IDL marks them with '?') ---- */

/* Regression, fixed: the IDL declares Rule.action as ?(tproxy, pass, deny) and
 * Ports.high as ?int, so null must mean "absent" as it does for every
 * other optional field (source, ports, tproxy_port, interfaces,
 * service_id, service_name). rule_parse() rejects "action": null even in
 * match-only mode, and parse_ports() rejects "high": null. */
START_TEST(test_null_optional_fields_mean_absent)
{
	struct rule_err err;
	struct rule r;
	int ret;

	ret = rule_parse_str("{'protocol':'tcp','destination':'10.0.0.0/8','action':null}", &r,
			     &err, true);
	ck_assert_msg(ret == 0, "match-only action null: field %s: %s", err.field, err.reason);
	ck_assert_int_eq(r.action, ZFWD_ACT_NONE);
	rule_free(&r);
	ret = rule_parse_str("{" BASE ",'ports':{'low':80,'high':null}}", &r, &err, false);
	ck_assert_msg(ret == 0, "ports.high null: field %s: %s", err.field, err.reason);
	ck_assert_int_eq(r.m.port_lo, 80);
	ck_assert_int_eq(r.m.port_hi, 80);
	rule_free(&r);
}
END_TEST

static Suite *rule_suite(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("json");
	TCase *tm = tcase_create("match");
	TCase *tp = tcase_create("prefix");
	TCase *tn = tcase_create("names");

	tcase_add_test(tc, test_minimal_rule_parses_with_defaults);
	tcase_add_test(tc, test_rule_that_is_not_an_object_is_rejected);
	tcase_add_test(tc, test_unknown_top_level_key_is_rejected_as_field_rule);
	tcase_add_test(tc, test_missing_protocol_is_rejected);
	tcase_add_test(tc, test_protocol_of_wrong_type_is_rejected);
	tcase_add_test(tc, test_protocol_icmp_is_rejected);
	tcase_add_test(tc, test_protocol_tcp_and_udp_are_accepted);
	tcase_add_test(tc, test_missing_destination_is_rejected);
	tcase_add_test(tc, test_destination_that_is_not_a_string_is_rejected);
	tcase_add_test(tc, test_garbage_destination_is_rejected);
	tcase_add_test(tc, test_host_bits_in_destination_are_rejected);
	tcase_add_test(tc, test_bare_address_is_a_host_prefix);
	tcase_add_test(tc, test_zero_prefixes_are_accepted);
	tcase_add_test(tc, test_maximum_prefix_lengths_are_accepted);
	tcase_add_test(tc, test_absent_or_null_source_is_any_of_the_destination_family);
	tcase_add_test(tc, test_source_is_parsed);
	tcase_add_test(tc, test_source_of_other_family_is_rejected);
	tcase_add_test(tc, test_source_with_host_bits_is_rejected);
	tcase_add_test(tc, test_bad_source_is_rejected);
	tcase_add_test(tc, test_ports_are_parsed);
	tcase_add_test(tc, test_ports_high_defaults_to_low);
	tcase_add_test(tc, test_ports_must_be_an_object);
	tcase_add_test(tc, test_ports_low_is_required);
	tcase_add_test(tc, test_ports_high_below_low_is_rejected);
	tcase_add_test(tc, test_port_zero_and_65536_are_rejected);
	tcase_add_test(tc, test_non_integer_ports_are_rejected);
	tcase_add_test(tc, test_unknown_key_inside_ports_is_rejected);
	tcase_add_test(tc, test_missing_action_is_rejected);
	tcase_add_test(tc, test_missing_action_is_accepted_when_match_only);
	tcase_add_test(tc, test_bad_action_is_rejected);
	tcase_add_test(tc, test_every_action_is_accepted);
	tcase_add_test(tc, test_tproxy_without_port_is_rejected);
	tcase_add_test(tc, test_tproxy_without_port_is_accepted_when_match_only);
	tcase_add_test(tc, test_tproxy_port_with_pass_or_deny_is_rejected);
	tcase_add_test(tc, test_tproxy_port_range_is_1_to_65535);
	tcase_add_test(tc, test_interfaces_must_be_an_array);
	tcase_add_test(tc, test_interfaces_must_be_valid_names);
	tcase_add_test(tc, test_interface_name_of_15_characters_is_accepted);
	tcase_add_test(tc, test_interfaces_are_sorted_and_deduplicated);
	tcase_add_test(tc, test_empty_interface_list_is_the_same_as_none);
	tcase_add_test(tc, test_64_interfaces_are_accepted);
	tcase_add_test(tc, test_more_than_64_interfaces_are_rejected);
	tcase_add_test(tc, test_service_fields_are_kept);
	tcase_add_test(tc, test_service_fields_must_be_strings);
	tcase_add_test(tc, test_service_id_with_nul_is_rejected);
	tcase_add_test(tc, test_rule_to_json_round_trips);
	tcase_add_test(tc, test_rule_to_json_writes_expected_fields);
	tcase_add_test(tc, test_rule_copy_is_deep);
	suite_add_tcase(s, tc);

	tcase_add_test(tm, test_interface_order_does_not_change_the_match);
	tcase_add_test(tm, test_equal_matches_hash_equal);
	tcase_add_test(tm, test_matches_differing_in_one_field_are_not_equal);
	tcase_add_test(tm, test_match_copy_is_equal_and_independent);
	suite_add_tcase(s, tm);

	tcase_add_test(tp, test_prefix_parse_reports_why);
	tcase_add_test(tp, test_prefix_bytes_past_the_family_are_zero);
	tcase_add_test(tp, test_prefix_format_is_canonical);
	tcase_add_test(tp, test_prefix_mask_clears_host_bits);
	tcase_add_test(tp, test_zero_prefix_contains_everything_of_its_family);
	tcase_add_test(tp, test_prefix_contains_edge_cases);
	tcase_add_test(tp, test_ipv6_prefix_contains_at_odd_lengths);
	suite_add_tcase(s, tp);

	tcase_add_test(tn, test_owner_valid);
	tcase_add_test(tn, test_ifname_valid);
	tcase_add_test(tn, test_action_and_protocol_names_round_trip);
	suite_add_tcase(s, tn);

	{
		TCase *tb = tcase_create("regressions");

		tcase_add_test(tb, test_null_optional_fields_mean_absent);
		suite_add_tcase(s, tb);
	}
	return s;
}

int main(void)
{
	return run_suite(rule_suite());
}
