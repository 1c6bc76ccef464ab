// SPDX-License-Identifier: GPL-2.0-only
/* The Varlink methods, on an engine over the fake kernel. */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fake_kernel.h"
#include "log.h"
#include "prom.h"
#include "unit_util.h"
#include "zfwd_api.h"

struct env {
	struct fake_kernel fk;
	struct engine e;
	struct api a;
};

static void env_init(struct env *t)
{
	struct engine_limits lim = { .rules = 256, .prefixes = 256, .leaves = 1024 };
	struct zfwd_iface_val ifv = { .role = ZFWD_ROLE_INTERNAL };
	struct kbackend kb;

	fake_init(&t->fk);
	kb = fake_backend(&t->fk);
	ck_assert_int_eq(engine_init(&t->e, &lim, &kb), 0);
	ck_assert_int_eq(engine_iface_set(&t->e, 1, "eth0", &ifv), 0);
	memset(&t->a, 0, sizeof(t->a));
	t->a.eng = &t->e;
}

static void env_free(struct env *t)
{
	api_free(&t->a);
	engine_free(&t->e);
	fake_free(&t->fk);
}

/* Calls a method given as a whole call message in test notation; returns
 * the reply (NULL for oneway calls). */
static json_t *call_as(struct env *t, const char *msg, const struct api_peer *peer);

static json_t *call(struct env *t, const char *msg)
{
	return call_as(t, msg, NULL);
}

/* call, made by @peer (NULL: a trusted caller). */
static json_t *call_as(struct env *t, const char *msg, const struct api_peer *peer)
{
	json_t *j = jparse(msg), *reply;
	char *text = json_dumps(j, JSON_COMPACT);
	struct vl_call c;
	const char *en;
	json_t *ep;

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(vl_parse_call(text, strlen(text), &c, &en, &ep) == 0, "%s: %s", text,
		      en ? en : "not a call");
	reply = api_call(&t->a, &c, peer);
	vl_call_free(&c);
	free(text);
	json_decref(j);
	return reply;
}

static json_t *params_of(json_t *reply)
{
	json_t *p = json_object_get(reply, "parameters");

	ck_assert_msg(json_is_object(p), "reply without parameters");
	return p;
}

/* A successful reply's parameters (borrowed from *reply). */
static json_t *expect_reply(json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);

	ck_assert_ptr_nonnull(reply);
	ck_assert_msg(!json_object_get(reply, "error"), "error reply %s", s);
	free(s);
	return params_of(reply);
}

/* An error reply named @name; its parameters (borrowed). */
static json_t *expect_error(json_t *reply, const char *name)
{
	char *s = json_dumps(reply, JSON_COMPACT);

	ck_assert_ptr_nonnull(reply);
	ck_assert_msg(!strcmp(jstr(reply, "error"), name), "reply %s, expected error %s", s,
		      name);
	free(s);
	return params_of(reply);
}

static void expect_invalid_parameter(struct env *t, const char *msg, const char *param)
{
	json_t *r = call(t, msg);

	ck_assert_str_eq(jstr(expect_error(r, VARLINK_ERR_INVALID_PARAMETER), "parameter"),
			 param);
	json_decref(r);
}

#define ADD3 "{'method':'io.openziti.zfwd.AddRules','parameters':{'owner':'%s','rules':[" \
	     "{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'}," \
	     "{'protocol':'udp','destination':'fd00::/8','action':'pass'}," \
	     "{'protocol':'tcp','destination':'10.1.2.3','action':'tproxy','tproxy_port':9000}]}}"

static void add3(struct env *t, const char *owner)
{
	char msg[1024];
	json_t *r;

	snprintf(msg, sizeof(msg), ADD3, owner);
	r = call(t, msg);
	ck_assert_int_eq(jint(expect_reply(r), "added"), 3);
	json_decref(r);
}

/* ---- org.varlink.service ---- */

START_TEST(test_get_info_lists_both_interfaces)
{
	struct env t;
	json_t *r, *p, *ifs;
	bool zfwd = false, service = false;
	size_t i;
	json_t *v;

	env_init(&t);
	r = call(&t, "{'method':'org.varlink.service.GetInfo'}");
	p = expect_reply(r);
	ifs = json_object_get(p, "interfaces");
	ck_assert(json_is_array(ifs));
	ck_assert_uint_eq(json_array_size(ifs), 2);
	json_array_foreach(ifs, i, v) {
		zfwd |= !strcmp(json_string_value(v), "io.openziti.zfwd");
		service |= !strcmp(json_string_value(v), "org.varlink.service");
	}
	ck_assert(zfwd && service);
	ck_assert_str_ne(jstr(p, "vendor"), "");
	ck_assert_str_ne(jstr(p, "product"), "");
	ck_assert_str_ne(jstr(p, "version"), "");
	ck_assert_str_ne(jstr(p, "url"), "");
	json_decref(r);
	env_free(&t);
}
END_TEST

START_TEST(test_get_interface_description_returns_the_idl)
{
	struct env t;
	json_t *r;

	env_init(&t);
	r = call(&t, "{'method':'org.varlink.service.GetInterfaceDescription',"
		     "'parameters':{'interface':'io.openziti.zfwd'}}");
	ck_assert_str_eq(jstr(expect_reply(r), "description"), idl_zfwd);
	ck_assert_ptr_nonnull(strstr(idl_zfwd, "interface io.openziti.zfwd\n"));
	json_decref(r);
	r = call(&t, "{'method':'org.varlink.service.GetInterfaceDescription',"
		     "'parameters':{'interface':'org.varlink.service'}}");
	ck_assert_str_eq(jstr(expect_reply(r), "description"), idl_varlink_service);
	ck_assert_ptr_nonnull(strstr(idl_varlink_service, "interface org.varlink.service\n"));
	json_decref(r);
	env_free(&t);
}
END_TEST

START_TEST(test_get_interface_description_of_unknown_interface)
{
	struct env t;
	json_t *r;

	env_init(&t);
	r = call(&t, "{'method':'org.varlink.service.GetInterfaceDescription',"
		     "'parameters':{'interface':'io.openziti.zfwdx'}}");
	ck_assert_str_eq(jstr(expect_error(r, VARLINK_ERR_INTERFACE_NOT_FOUND), "interface"),
			 "io.openziti.zfwdx");
	json_decref(r);
	expect_invalid_parameter(&t, "{'method':'org.varlink.service.GetInterfaceDescription'}",
				 "interface");
	expect_invalid_parameter(&t, "{'method':'org.varlink.service.GetInterfaceDescription',"
				     "'parameters':{'interface':5}}",
				 "interface");
	env_free(&t);
}
END_TEST

START_TEST(test_unknown_method_is_method_not_found)
{
	struct env t;
	json_t *r;

	env_init(&t);
	r = call(&t, "{'method':'io.openziti.zfwd.DropRules','parameters':{}}");
	ck_assert_str_eq(jstr(expect_error(r, VARLINK_ERR_METHOD_NOT_FOUND), "method"),
			 "io.openziti.zfwd.DropRules");
	json_decref(r);
	r = call(&t, "{'method':'org.varlink.service.Ping'}");
	expect_error(r, VARLINK_ERR_METHOD_NOT_FOUND);
	json_decref(r);
	/* Case matters. */
	r = call(&t, "{'method':'io.openziti.zfwd.addrules'}");
	expect_error(r, VARLINK_ERR_METHOD_NOT_FOUND);
	json_decref(r);
	ck_assert_uint_eq(t.a.requests, 3);
	ck_assert_uint_eq(t.a.errors, 3);
	env_free(&t);
}
END_TEST

START_TEST(test_unknown_parameter_is_invalid_parameter_naming_it)
{
	struct env t;

	env_init(&t);
	expect_invalid_parameter(&t, "{'method':'org.varlink.service.GetInfo',"
				     "'parameters':{'verbose':true}}",
				 "verbose");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.AddRules',"
				     "'parameters':{'rules':[],'rulez':[]}}",
				 "rulez");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.ListRules',"
				     "'parameters':{'ignore_missing':true}}",
				 "ignore_missing");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.GetStatus',"
				     "'parameters':{'owner':'a'}}",
				 "owner");
	ck_assert_uint_eq(t.e.rs.n_entries, 0);
	env_free(&t);
}
END_TEST

START_TEST(test_more_and_upgrade_are_refused)
{
	struct env t;

	env_init(&t);
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.ListRules','more':true}",
				 "more");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.ListRules','upgrade':true}",
				 "upgrade");
	expect_invalid_parameter(&t, "{'method':'org.varlink.service.GetInfo','more':true}",
				 "more");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.Monitor','more':true,"
				     "'upgrade':true}", "upgrade");
	env_free(&t);
}
END_TEST

/* ---- access ---- */

START_TEST(test_readers_read_and_are_denied_changes)
{
	bool logged = false;
	struct api_peer reader = { .uid = 1000, .gid = 1000, .pid = 42,
				   .denial_logged = &logged };
	struct api_peer writer = { .uid = 1001, .gid = 1001, .can_write = true };
	static const char *const reads[] = {
		"{'method':'io.openziti.zfwd.GetStatus'}",
		"{'method':'io.openziti.zfwd.ListRules'}",
		"{'method':'io.openziti.zfwd.GetMetrics'}",
		"{'method':'io.openziti.zfwd.Validate','parameters':{'rules':[]}}",
		"{'method':'org.varlink.service.GetInfo'}",
	};
	static const char *const writes[] = {
		"{'method':'io.openziti.zfwd.AddRules','parameters':{'rules':[]}}",
		"{'method':'io.openziti.zfwd.SyncRules','parameters':{'rules':[]}}",
		("{'method':'io.openziti.zfwd.RemoveRules','parameters':{'service_id':'x',"
		 "'ignore_missing':true}}"),
		"{'method':'io.openziti.zfwd.FlushRules'}",
		"{'method':'io.openziti.zfwd.SetInterface','parameters':{'name':'eth0'}}",
	};
	struct env t;
	json_t *r;

	env_init(&t);
	add3(&t, "a");
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		r = call_as(&t, reads[i], &reader);
		expect_reply(r);
		json_decref(r);
	}
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		json_t *msg = jparse(writes[i]);

		r = call_as(&t, writes[i], &reader);
		expect_error(r, VARLINK_ERR_PERMISSION_DENIED);
		json_decref(r);
		ck_assert(api_method_writes(jstr(msg, "method")));
		json_decref(msg);
	}
	ck_assert_uint_eq(t.a.denied, 5);
	ck_assert(logged);
	ck_assert_uint_eq(t.e.rs.n_entries, 3);
	/* A member of the group changes rules. */
	r = call_as(&t, "{'method':'io.openziti.zfwd.FlushRules'}", &writer);
	ck_assert_int_eq(jint(expect_reply(r), "removed"), 3);
	json_decref(r);
	ck_assert_uint_eq(t.a.denied, 5);
	env_free(&t);
}
END_TEST

/* ---- Monitor ---- */

struct fake_mon {
	int calls;
	void *conn;
	struct api_monitor m;
	char service[64];
	int fail;
};

static int fake_monitor(void *ctx, void *conn, const struct api_monitor *m, struct zerr *err)
{
	struct fake_mon *f = ctx;

	f->calls++;
	f->conn = conn;
	f->m = *m;
	snprintf(f->service, sizeof(f->service), "%s", m->service_id ? m->service_id : "");
	f->m.service_id = NULL;
	if (f->fail) {
		zerr_set(err, ZFWD_ERR_SYSTEM, json_pack("{s:s}", "reason", "no"));
		return -EIO;
	}
	return 0;
}

START_TEST(test_monitor_needs_more_and_streams)
{
	struct api_peer reader = { .uid = 1000, .conn = (void *)0x1 };
	struct fake_mon f = { 0 };
	struct env t;
	json_t *r, *p;

	env_init(&t);
	t.a.ops.monitor = fake_monitor;
	t.a.ops.ctx = &f;
	r = call_as(&t, "{'method':'io.openziti.zfwd.Monitor'}", &reader);
	expect_error(r, VARLINK_ERR_EXPECTED_MORE);
	json_decref(r);
	ck_assert_ptr_null(call_as(&t, "{'method':'io.openziti.zfwd.Monitor','oneway':true}",
				   &reader));
	ck_assert_int_eq(f.calls, 0);
	/* Readers may monitor; the first reply continues. */
	r = call_as(&t, "{'method':'io.openziti.zfwd.Monitor','more':true}", &reader);
	p = expect_reply(r);
	ck_assert_str_eq(jstr(p, "type"), "monitoring");
	ck_assert(json_is_true(json_object_get(r, "continues")));
	json_decref(r);
	ck_assert_int_eq(f.calls, 1);
	ck_assert_ptr_eq(f.conn, (void *)0x1);
	ck_assert_uint_eq(f.m.types, API_EV_ALL);
	ck_assert_str_eq(f.m.ifname, "");
	ck_assert_str_eq(f.service, "");
	/* Filters, decoded. */
	r = call_as(&t, "{'method':'io.openziti.zfwd.Monitor','more':true,'parameters':{"
			"'interface':'eth0','types':['drop','interface'],'service_id':'s1'}}",
		    &reader);
	expect_reply(r);
	json_decref(r);
	ck_assert_uint_eq(f.m.types, API_EV_DROP | API_EV_INTERFACE);
	ck_assert_str_eq(f.m.ifname, "eth0");
	ck_assert_str_eq(f.service, "s1");
	/* The daemon's refusal is the reply. */
	f.fail = 1;
	r = call_as(&t, "{'method':'io.openziti.zfwd.Monitor','more':true}", &reader);
	expect_error(r, ZFWD_ERR_SYSTEM);
	json_decref(r);
	/* Without a connection (a trusted in-process caller) there is no
	 * stream to start. */
	r = call(&t, "{'method':'io.openziti.zfwd.Monitor','more':true}");
	expect_error(r, VARLINK_ERR_METHOD_NOT_IMPLEMENTED);
	json_decref(r);
	env_free(&t);
}
END_TEST

START_TEST(test_monitor_checks_its_filter)
{
	struct api_peer reader = { .uid = 1000, .conn = (void *)0x1 };
	struct fake_mon f = { 0 };
	struct env t;

	env_init(&t);
	t.a.ops.monitor = fake_monitor;
	t.a.ops.ctx = &f;
	static const struct {
		const char *params, *param;
	} bad[] = {
		{ "{'types':['drops']}", "types" },
		{ "{'types':[]}", "types" },
		{ "{'types':'drop'}", "types" },
		{ "{'types':[1]}", "types" },
		{ "{'interface':'a/b'}", "interface" },
		{ "{'interface':'abcdefghijklmnopq'}", "interface" },
		{ "{'interface':7}", "interface" },
		{ "{'service_id':7}", "service_id" },
		{ "{'ifname':'eth0'}", "ifname" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msg[256];
		json_t *r;

		snprintf(msg, sizeof(msg),
			 "{'method':'io.openziti.zfwd.Monitor','more':true,'parameters':%s}",
			 bad[i].params);
		r = call_as(&t, msg, &reader);
		ck_assert_str_eq(jstr(expect_error(r, VARLINK_ERR_INVALID_PARAMETER), "parameter"),
				 bad[i].param);
		json_decref(r);
	}
	ck_assert_int_eq(f.calls, 0);
	env_free(&t);
}
END_TEST

/* ---- GetMetrics ---- */

static json_t *metrics_ifaces(void *ctx, const char *name)
{
	json_t *counters = json_object();

	for (int r = 0; r < ZFWD_R_MAX; r++)
		json_object_set_new(counters, api_reason_name(r), json_integer(100 + r));
	return json_pack("[{s:s,s:i,s:{s:b,s:b},s:o},{s:s,s:i,s:{s:b,s:b},s:{}}]", "name",
			 "eth0", "ifindex", 1, "attached", "ingress", 1, "egress", 0, "counters",
			 counters, "name", "eth1", "ifindex", 3, "attached", "ingress", 0,
			 "egress", 0, "counters");
}

static int metrics_rule_stats(void *ctx, uint32_t slot, uint64_t *packets, uint64_t *bytes)
{
	*packets = 10 + slot;
	*bytes = 1000 + slot;
	return 0;
}

static void metrics_stats(void *ctx, struct api_stats *s)
{
	s->connections = 2;
	s->events_lost = 7;
	s->events_missed = 5;
}

/* The value of the sample written exactly as @series, or -1. */
static long long sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, series, n) && l[n] == ' ')
			return strtoll(l + n + 1, NULL, 10);
	return -1;
}

/* Every line is a comment (# HELP/# TYPE name ...) or a sample
 * name{labels} value, and every sample's family was declared first. */
static void check_exposition(const char *text)
{
	char fam[128] = "";
	const char *l = text;

	ck_assert(*text);
	ck_assert(text[strlen(text) - 1] == '\n');
	while (*l) {
		const char *end = strchr(l, '\n');
		char line[1024];

		ck_assert_ptr_nonnull(end);
		ck_assert_uint_lt((size_t)(end - l), sizeof(line));
		memcpy(line, l, end - l);
		line[end - l] = '\0';
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[16];

			ck_assert_int_eq(sscanf(line + 7, "%127s %15s", fam, type), 2);
			ck_assert_msg(!strcmp(type, "counter") || !strcmp(type, "gauge"), "%s", line);
			ck_assert_msg(strcmp(type, "counter") ||
					      !strcmp(fam + strlen(fam) - 6, "_total"),
				      "counter %s without _total", fam);
		} else if (strncmp(line, "# HELP ", 7)) {
			size_t n = strlen(fam);
			char *sp = strrchr(line, ' ');

			ck_assert_msg(n && !strncmp(line, fam, n) &&
					      (line[n] == ' ' || line[n] == '{'),
				      "sample outside its family: %s", line);
			ck_assert_ptr_nonnull(sp);
			for (const char *d = sp + 1; *d; d++)
				ck_assert_msg(isdigit((unsigned char)*d), "value of %s", line);
			if (line[n] == '{')
				ck_assert_msg(sp[-1] == '}', "labels of %s", line);
		}
		l = end + 1;
	}
}

START_TEST(test_prom_escapes_label_values_and_help)
{
	struct prom p = { 0 };
	char *text;

	prom_family(&p, "x_total", "counter", "a \\ and\na newline");
	prom_sample(&p, "x_total", 18446744073709551615ull, "a", "q\"b\\n\nl", "b", "", NULL);
	prom_sample(&p, "x_total", 0, NULL);
	text = prom_finish(&p);
	ck_assert_str_eq(text, "# HELP x_total a \\\\ and\\na newline\n"
			       "# TYPE x_total counter\n"
			       "x_total{a=\"q\\\"b\\\\n\\nl\",b=\"\"} 18446744073709551615\n"
			       "x_total 0\n");
	free(text);
	/* Nothing written is an empty text, not a failure. */
	text = prom_finish(&p);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

START_TEST(test_metrics_count_what_the_daemon_counts)
{
	struct api_peer reader = { .uid = 1000 };
	struct env t;
	const char *text;
	json_t *r;
	long long drops = 0;

	env_init(&t);
	t.a.ops.list_ifaces = metrics_ifaces;
	t.a.ops.rule_stats = metrics_rule_stats;
	t.a.ops.stats = metrics_stats;
	add3(&t, "a");
	add3(&t, "b");
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'rules':7}}");
	json_decref(r);
	r = call_as(&t, "{'method':'io.openziti.zfwd.FlushRules'}", &reader);
	json_decref(r);
	r = call_as(&t, "{'method':'io.openziti.zfwd.GetMetrics'}", &reader);
	text = jstr(expect_reply(r), "text");
	check_exposition(text);
	ck_assert_int_eq(sample(text, "zfwd_build_info{version=\"" ZFWD_VERSION "\"}"), 1);
	ck_assert_int_eq(sample(text, "zfwd_rules"), 6);
	ck_assert_int_eq(sample(text, "zfwd_owner_rules{owner=\"a\"}"), 3);
	ck_assert_int_eq(sample(text, "zfwd_interfaces_attached"), 1);
	for (int i = 0; i < ZFWD_R_MAX; i++)
		if (!strncmp(api_reason_name(i), "drop_", 5)) {
			char series[128];

			snprintf(series, sizeof(series),
				 "zfwd_drops_total{ifname=\"eth0\",reason=\"%s\"}",
				 api_reason_name(i));
			ck_assert_int_eq(sample(text, series), 100 + i);
			drops += 100 + i;
		}
	ck_assert_int_eq(sample(text, "zfwd_packets_total{ifname=\"eth0\",direction=\"ingress\","
				      "verdict=\"drop\"}"),
			 drops);
	ck_assert_int_eq(sample(text, "zfwd_packets_total{ifname=\"eth0\",direction=\"ingress\","
				      "verdict=\"tproxy\"}"),
			 100 + ZFWD_R_TPROXY);
	ck_assert_int_eq(sample(text, "zfwd_packets_total{ifname=\"eth0\",direction=\"egress\","
				      "verdict=\"pass\"}"),
			 100 + ZFWD_R_EGRESS);
	ck_assert_int_eq(sample(text, "zfwd_packets_total{ifname=\"eth1\",direction=\"ingress\","
				      "verdict=\"pass\"}"),
			 0);
	ck_assert_int_eq(sample(text, "zfwd_api_requests_total{method=\"io.openziti.zfwd.AddRules\","
				      "error=\"\"}"),
			 2);
	ck_assert_int_eq(sample(text, "zfwd_api_requests_total{method=\"io.openziti.zfwd.AddRules\","
				      "error=\"org.varlink.service.InvalidParameter\"}"),
			 1);
	ck_assert_int_eq(sample(text, "zfwd_api_denied_total"), 1);
	ck_assert_int_eq(sample(text, "zfwd_events_lost_total"), 7);
	ck_assert_int_eq(sample(text, "zfwd_events_missed_total"), 5);
	ck_assert_int_eq(sample(text, "zfwd_api_connections"), 2);
	ck_assert_ptr_null(strstr(text, "zfwd_rule_packets_total"));
	json_decref(r);

	/* Per rule only when asked for. */
	r = call(&t, "{'method':'io.openziti.zfwd.GetMetrics','parameters':{'rules':true}}");
	text = jstr(expect_reply(r), "text");
	check_exposition(text);
	ck_assert_int_ge(sample(text, "zfwd_rule_packets_total{owner=\"a\",protocol=\"tcp\","
				      "destination=\"10.1.2.3/32\",source=\"0.0.0.0/0\","
				      "ports=\"1-65535\",action=\"tproxy\",service_id=\"\"}"),
			 10);
	ck_assert_int_ge(sample(text, "zfwd_rule_bytes_total{owner=\"b\",protocol=\"udp\","
				      "destination=\"fd00::/8\",source=\"::/0\","
				      "ports=\"1-65535\",action=\"pass\",service_id=\"\"}"),
			 1000);
	json_decref(r);
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.GetMetrics','parameters':"
				     "{'rules':'yes'}}", "rules");
	env_free(&t);
}
END_TEST

START_TEST(test_oneway_call_returns_no_reply_but_runs)
{
	struct env t;
	json_t *r;

	env_init(&t);
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','oneway':true,'parameters':{"
		     "'rules':[{'protocol':'tcp','destination':'10.0.0.1','action':'pass'}]}}");
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 1);
	/* A oneway call that fails has no reply either. */
	r = call(&t, "{'method':'io.openziti.zfwd.Nope','oneway':true}");
	ck_assert_ptr_null(r);
	r = call(&t, "{'method':'org.varlink.service.GetInfo','oneway':true}");
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(t.a.requests, 3);
	ck_assert_uint_eq(t.a.errors, 1);
	env_free(&t);
}
END_TEST

/* ---- AddRules ---- */

START_TEST(test_add_rules_reports_added_and_existing)
{
	struct env t;
	char msg[1024];
	json_t *r, *p;

	env_init(&t);
	snprintf(msg, sizeof(msg), ADD3, "a");
	r = call(&t, msg);
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "added"), 3);
	ck_assert_int_eq(jint(p, "existing"), 0);
	ck_assert_int_eq(jint(p, "kernel_ops"), (json_int_t)(t.fk.ops - 1));
	json_decref(r);
	r = call(&t, msg);
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "added"), 0);
	ck_assert_int_eq(jint(p, "existing"), 3);
	ck_assert_int_eq(jint(p, "kernel_ops"), 0);
	json_decref(r);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 3);
	env_free(&t);
}
END_TEST

START_TEST(test_add_rules_without_owner_uses_local)
{
	struct env t;
	struct entry **v;
	size_t n;
	json_t *r;

	env_init(&t);
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{"
		     "'rules':[{'protocol':'tcp','destination':'10.0.0.1','action':'pass'}]}}");
	expect_reply(r);
	json_decref(r);
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'owner':null,"
		     "'rules':[{'protocol':'tcp','destination':'10.0.0.2','action':'pass'}]}}");
	expect_reply(r);
	json_decref(r);
	v = ruleset_entries_sorted(&t.e.rs, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0]->owner, ZFWD_DEFAULT_OWNER);
	ck_assert_str_eq(v[1]->owner, ZFWD_DEFAULT_OWNER);
	free(v);
	env_free(&t);
}
END_TEST

START_TEST(test_add_rules_with_an_invalid_third_rule_changes_nothing)
{
	struct env t;
	struct fake_kernel before;
	json_t *r, *p;

	env_init(&t);
	fake_copy(&before, &t.fk);
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'owner':'a','rules':["
		     "{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'},"
		     "{'protocol':'udp','destination':'fd00::/8','action':'pass'},"
		     "{'protocol':'tcp','destination':'10.1.2.3/8','action':'pass'}]}}");
	p = expect_error(r, ZFWD_ERR_INVALID_RULE);
	ck_assert_int_eq(jint(p, "index"), 2);
	ck_assert_str_eq(jstr(p, "field"), "destination");
	ck_assert_ptr_nonnull(strstr(jstr(p, "reason"), "host bits"));
	json_decref(r);
	ck_assert(fake_equal(&before, &t.fk));
	ck_assert_uint_eq(t.fk.attempts, before.attempts);
	ck_assert_uint_eq(t.e.rs.n_entries, 0);
	/* Fields inside ports are named with their path. */
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'rules':["
		     "{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny',"
		     "'ports':{'low':90,'high':80}}]}}");
	p = expect_error(r, ZFWD_ERR_INVALID_RULE);
	ck_assert_int_eq(jint(p, "index"), 0);
	ck_assert_str_eq(jstr(p, "field"), "ports.high");
	json_decref(r);
	/* A rule that is not an object. */
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'rules':["
		     "{'protocol':'tcp','destination':'10.0.0.0/8','action':'deny'},7]}}");
	p = expect_error(r, ZFWD_ERR_INVALID_RULE);
	ck_assert_int_eq(jint(p, "index"), 1);
	ck_assert_str_eq(jstr(p, "field"), "rule");
	json_decref(r);
	ck_assert(fake_equal(&before, &t.fk));
	fake_free(&before);
	env_free(&t);
}
END_TEST

START_TEST(test_add_rules_needs_a_rules_array)
{
	struct env t;

	env_init(&t);
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.AddRules'}", "rules");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.AddRules',"
				     "'parameters':{'rules':{}}}",
				 "rules");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.AddRules',"
				     "'parameters':{'rules':null}}",
				 "rules");
	env_free(&t);
}
END_TEST

START_TEST(test_add_of_no_rules_is_fine)
{
	struct env t;
	json_t *r, *p;

	env_init(&t);
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'rules':[]}}");
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "added"), 0);
	ck_assert_int_eq(jint(p, "kernel_ops"), 0);
	json_decref(r);
	env_free(&t);
}
END_TEST

START_TEST(test_invalid_owner_is_invalid_parameter)
{
	static const char *const methods[] = { "AddRules", "RemoveRules", "ListRules",
					       "FlushRules" };
	static const char *const owners[] = { "'bad owner'", "''", "5", "['a']", "'a/b'" };
	struct env t;

	env_init(&t);
	add3(&t, "a");
	for (size_t m = 0; m < 4; m++) {
		for (size_t o = 0; o < 5; o++) {
			char msg[256];

			snprintf(msg, sizeof(msg),
				 "{'method':'io.openziti.zfwd.%s','parameters':{'owner':%s%s}}",
				 methods[m], owners[o], m < 2 ? ",'rules':[]" : "");
			expect_invalid_parameter(&t, msg, "owner");
		}
	}
	/* Nothing was flushed by a FlushRules with a bad owner. */
	ck_assert_uint_eq(t.e.rs.n_entries, 3);
	env_free(&t);
}
END_TEST

START_TEST(test_conflict_through_the_api)
{
	struct env t;
	json_t *r, *p;

	env_init(&t);
	add3(&t, "a");
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'owner':'b','rules':["
		     "{'protocol':'udp','destination':'fd00::/8','action':'pass'},"
		     "{'protocol':'tcp','destination':'10.0.0.0/8','action':'pass'}]}}");
	p = expect_error(r, ZFWD_ERR_CONFLICT);
	ck_assert_int_eq(jint(p, "index"), 1);
	ck_assert_str_eq(jstr(p, "owner"), "a");
	ck_assert_str_ne(jstr(p, "reason"), "");
	json_decref(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 3);
	env_free(&t);
}
END_TEST

START_TEST(test_capacity_through_the_api)
{
	struct env t;
	char msg[8192];
	size_t off;
	json_t *r, *p;

	env_init(&t);
	off = snprintf(msg, sizeof(msg), "{'method':'io.openziti.zfwd.AddRules','parameters':{"
					 "'rules':[");
	for (int i = 0; i < 17; i++)
		off += snprintf(msg + off, sizeof(msg) - off,
				"%s{'protocol':'tcp','destination':'10.0.0.1','action':'pass',"
				"'ports':{'low':%d}}",
				i ? "," : "", 100 + i);
	snprintf(msg + off, sizeof(msg) - off, "]}}");
	r = call(&t, msg);
	p = expect_error(r, ZFWD_ERR_CAPACITY);
	ck_assert_str_eq(jstr(p, "limit"), "rules_per_match");
	ck_assert_int_eq(jint(p, "max"), 16);
	json_decref(r);
	env_free(&t);
}
END_TEST

/* ---- RemoveRules, ListRules, FlushRules ---- */

START_TEST(test_remove_rules)
{
	struct env t;
	json_t *r, *p;

	env_init(&t);
	add3(&t, "a");
	add3(&t, "b");
	r = call(&t, "{'method':'io.openziti.zfwd.RemoveRules','parameters':{'owner':'a','rules':["
		     "{'protocol':'tcp','destination':'10.0.0.0/8'},"
		     "{'protocol':'udp','destination':'fd00::/8','action':'pass'}]}}");
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "removed"), 2);
	ck_assert_int_eq(jint(p, "missing"), 0);
	/* b still holds both matches. */
	ck_assert_int_eq(jint(p, "kernel_ops"), 0);
	json_decref(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 4);
	/* Missing: RuleNotFound with the index, nothing removed. */
	r = call(&t, "{'method':'io.openziti.zfwd.RemoveRules','parameters':{'owner':'a','rules':["
		     "{'protocol':'tcp','destination':'10.1.2.3'},"
		     "{'protocol':'tcp','destination':'10.0.0.0/8'}]}}");
	p = expect_error(r, ZFWD_ERR_NOT_FOUND);
	ck_assert_int_eq(jint(p, "index"), 1);
	ck_assert_str_eq(jstr(p, "owner"), "a");
	json_decref(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 4);
	/* ... unless missing ones are ignored. */
	r = call(&t, "{'method':'io.openziti.zfwd.RemoveRules','parameters':{'owner':'a',"
		     "'ignore_missing':true,'rules':["
		     "{'protocol':'tcp','destination':'10.1.2.3'},"
		     "{'protocol':'tcp','destination':'10.0.0.0/8'}]}}");
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "removed"), 1);
	ck_assert_int_eq(jint(p, "missing"), 1);
	json_decref(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 3);
	env_free(&t);
}
END_TEST

START_TEST(test_remove_rules_checks_its_parameters)
{
	struct env t;
	json_t *r, *p;

	env_init(&t);
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.RemoveRules',"
				     "'parameters':{'rules':[],'ignore_missing':1}}",
				 "ignore_missing");
	expect_invalid_parameter(&t, "{'method':'io.openziti.zfwd.RemoveRules',"
				     "'parameters':{'ignore_missing':true}}",
				 "rules");
	r = call(&t, "{'method':'io.openziti.zfwd.RemoveRules','parameters':{'rules':["
		     "{'protocol':'tcp'}]}}");
	p = expect_error(r, ZFWD_ERR_INVALID_RULE);
	ck_assert_str_eq(jstr(p, "field"), "destination");
	json_decref(r);
	env_free(&t);
}
END_TEST

static int fake_rule_stats(void *ctx, uint32_t slot, uint64_t *packets, uint64_t *bytes)
{
	*packets = 1000 + slot;
	*bytes = 2000 + slot;
	return 0;
}

START_TEST(test_list_rules_filters_by_owner)
{
	struct env t;
	json_t *r, *rules, *ri;
	size_t i;

	env_init(&t);
	t.a.ops.rule_stats = fake_rule_stats;
	add3(&t, "a");
	add3(&t, "b");
	r = call(&t, "{'method':'io.openziti.zfwd.ListRules','parameters':{'owner':'b'}}");
	rules = json_object_get(expect_reply(r), "rules");
	ck_assert_uint_eq(json_array_size(rules), 3);
	json_array_foreach(rules, i, ri) {
		json_t *rule = json_object_get(ri, "rule");

		ck_assert_str_eq(jstr(ri, "owner"), "b");
		ck_assert(json_is_object(rule));
		ck_assert_int_ge(jint(ri, "packets"), 1000);
		ck_assert_int_eq(jint(ri, "bytes") - jint(ri, "packets"), 1000);
	}
	ck_assert_str_eq(jstr(json_object_get(json_array_get(rules, 0), "rule"), "destination"),
			 "10.0.0.0/8");
	ck_assert_str_eq(jstr(json_object_get(json_array_get(rules, 2), "rule"), "action"),
			 "tproxy");
	ck_assert_int_eq(jint(json_object_get(json_array_get(rules, 2), "rule"), "tproxy_port"),
			 9000);
	json_decref(r);
	r = call(&t, "{'method':'io.openziti.zfwd.ListRules'}");
	rules = json_object_get(expect_reply(r), "rules");
	ck_assert_uint_eq(json_array_size(rules), 6);
	ck_assert_str_eq(jstr(json_array_get(rules, 0), "owner"), "a");
	ck_assert_str_eq(jstr(json_array_get(rules, 5), "owner"), "b");
	json_decref(r);
	r = call(&t, "{'method':'io.openziti.zfwd.ListRules','parameters':{'owner':'nobody'}}");
	ck_assert_uint_eq(json_array_size(json_object_get(expect_reply(r), "rules")), 0);
	json_decref(r);
	env_free(&t);
}
END_TEST

START_TEST(test_listed_rules_can_be_added_back)
{
	struct env t, u;
	json_t *r, *rules, *msg, *r2;
	char *text;
	struct vl_call c;
	const char *en;
	json_t *ep;
	size_t i;
	json_t *ri;

	env_init(&t);
	env_init(&u);
	add3(&t, "a");
	r = call(&t, "{'method':'io.openziti.zfwd.ListRules'}");
	rules = json_array();
	json_array_foreach(json_object_get(expect_reply(r), "rules"), i, ri)
		json_array_append(rules, json_object_get(ri, "rule"));
	msg = vl_call_msg("io.openziti.zfwd.AddRules",
			  json_pack("{s:s,s:o}", "owner", "a", "rules", rules), false);
	text = json_dumps(msg, JSON_COMPACT);
	ck_assert_int_eq(vl_parse_call(text, strlen(text), &c, &en, &ep), 0);
	r2 = api_call(&u.a, &c, NULL);
	ck_assert_int_eq(jint(expect_reply(r2), "added"), 3);
	ck_assert(fake_equal(&t.fk, &u.fk));
	vl_call_free(&c);
	free(text);
	json_decref(msg);
	json_decref(r);
	json_decref(r2);
	env_free(&t);
	env_free(&u);
}
END_TEST

START_TEST(test_flush_rules_by_owner_and_for_all)
{
	struct env t;
	json_t *r, *p;

	env_init(&t);
	add3(&t, "a");
	add3(&t, "b");
	r = call(&t, "{'method':'io.openziti.zfwd.FlushRules','parameters':{'owner':'a'}}");
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "removed"), 3);
	ck_assert_int_eq(jint(p, "kernel_ops"), 0);
	json_decref(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 3);
	r = call(&t, "{'method':'io.openziti.zfwd.FlushRules'}");
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "removed"), 3);
	ck_assert_int_gt(jint(p, "kernel_ops"), 0);
	json_decref(r);
	ck_assert_uint_eq(t.e.rs.n_entries, 0);
	ck_assert_uint_eq(fake_count(&t.fk, KM_RULES), 0);
	ck_assert_uint_eq(fake_count(&t.fk, KM_DST4) + fake_count(&t.fk, KM_DST6), 0);
	env_free(&t);
}
END_TEST

/* ---- GetStatus ---- */

static void fake_status(void *ctx, json_t *reply)
{
	json_object_set_new(reply, "socket", json_string(ctx));
}

START_TEST(test_get_status_counts_rules_and_owners)
{
	struct env t;
	json_t *r, *p, *owners, *o, *lim, *use;
	size_t i;
	int seen = 0;

	env_init(&t);
	t.a.ops.status = fake_status;
	t.a.ops.ctx = "/run/test.sock";
	add3(&t, "a");
	add3(&t, "b");
	r = call(&t, "{'method':'io.openziti.zfwd.AddRules','parameters':{'owner':'b','rules':["
		     "{'protocol':'tcp','destination':'10.9.0.0/16','action':'pass'}]}}");
	expect_reply(r);
	json_decref(r);
	r = call(&t, "{'method':'io.openziti.zfwd.GetStatus'}");
	p = expect_reply(r);
	ck_assert_int_eq(jint(p, "rules"), 7);
	ck_assert_str_eq(jstr(p, "socket"), "/run/test.sock");
	ck_assert_str_ne(jstr(p, "version"), "");
	ck_assert_int_eq(jint(p, "kernel_ops"), (json_int_t)t.e.kernel_ops);
	owners = json_object_get(p, "owners");
	ck_assert_uint_eq(json_array_size(owners), 2);
	json_array_foreach(owners, i, o) {
		if (!strcmp(jstr(o, "owner"), "a")) {
			ck_assert_int_eq(jint(o, "rules"), 3);
			seen |= 1;
		} else {
			ck_assert_str_eq(jstr(o, "owner"), "b");
			ck_assert_int_eq(jint(o, "rules"), 4);
			seen |= 2;
		}
	}
	ck_assert_int_eq(seen, 3);
	lim = json_object_get(p, "limits");
	ck_assert_int_eq(jint(lim, "rules"), 256);
	ck_assert_int_eq(jint(lim, "prefixes"), 256);
	ck_assert_int_eq(jint(lim, "leaves"), 1024);
	ck_assert_int_eq(jint(lim, "rules_per_match"), 16);
	ck_assert_int_eq(jint(lim, "interface_names"), 64);
	use = json_object_get(p, "usage");
	ck_assert_int_eq(jint(use, "rules"), 7);
	ck_assert_int_eq(jint(use, "matches"), 4);
	ck_assert_int_eq(jint(use, "prefixes_v4"), 3);
	ck_assert_int_eq(jint(use, "prefixes_v6"), 1);
	/* Leaves in the src tries: none, no rule here names a source. */
	ck_assert_int_eq(jint(use, "leaves_v4"), 0);
	ck_assert_int_eq(jint(use, "leaves_v6"), 0);
	json_decref(r);
	env_free(&t);
}
END_TEST

/* ---- the IDL and the method table agree ---- */

struct names {
	char v[64][128];
	size_t n;
};

static bool names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

/* Every "<keyword> Name" at the start of a line, prefixed with the
 * interface name the IDL declares. */
static void idl_names(const char *idl, const char *keyword, struct names *out)
{
	const char *iface = strstr(idl, "\ninterface "), *p;
	char prefix[128];
	size_t kl = strlen(keyword);
	int n;

	ck_assert_ptr_nonnull(iface);
	n = sscanf(iface + 1, "interface %100s", prefix);
	ck_assert_int_eq(n, 1);
	out->n = 0;
	for (p = idl; p; p = strchr(p, '\n')) {
		const char *line = *p == '\n' ? p + 1 : p;
		size_t len = 0;

		p = line;
		if (strncmp(line, keyword, kl) || line[kl] != ' ')
			continue;
		line += kl + 1;
		while (isalnum((unsigned char)line[len]))
			len++;
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_lt(out->n, 64);
		ck_assert_uint_lt(strlen(prefix) + 1 + len, sizeof(out->v[0]));
		strcpy(out->v[out->n], prefix);
		strcat(out->v[out->n], ".");
		strncat(out->v[out->n], line, len);
		out->n++;
	}
}

START_TEST(test_idl_methods_equal_the_served_methods)
{
	const char *const *served = api_methods();
	struct names zf, vs;
	size_t n_served = 0;

	idl_names(idl_zfwd, "method", &zf);
	idl_names(idl_varlink_service, "method", &vs);
	ck_assert_uint_eq(zf.n, 11);
	ck_assert(names_has(&zf, "io.openziti.zfwd.Monitor"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.GetMetrics"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.SyncRules"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.Validate"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.GetStatus"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.AddRules"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.ListInterfaces"));
	ck_assert(names_has(&zf, "io.openziti.zfwd.SetInterface"));
	ck_assert_uint_eq(vs.n, 2);
	ck_assert(names_has(&vs, "org.varlink.service.GetInfo"));
	ck_assert(names_has(&vs, "org.varlink.service.GetInterfaceDescription"));
	for (; served[n_served]; n_served++)
		ck_assert_msg(names_has(&zf, served[n_served]) || names_has(&vs, served[n_served]),
			      "%s is served but not in an IDL", served[n_served]);
	ck_assert_uint_eq(n_served, zf.n + vs.n);
	for (size_t i = 0; i < zf.n; i++) {
		bool found = false;

		for (size_t j = 0; served[j]; j++)
			found |= !strcmp(served[j], zf.v[i]);
		ck_assert_msg(found, "%s is in the IDL but not served", zf.v[i]);
	}
}
END_TEST

START_TEST(test_every_verdict_reason_has_a_name)
{
	for (int r = 0; r < ZFWD_R_MAX; r++) {
		const char *n = api_reason_name(r);

		ck_assert_msg(n && *n && strcmp(n, "?"), "reason %d has no name", r);
		for (int q = 0; q < r; q++)
			ck_assert_str_ne(n, api_reason_name(q));
	}
}
END_TEST

START_TEST(test_idl_declares_every_error_the_api_sends)
{
	static const char *const zfwd_errors[] = {
		ZFWD_ERR_INVALID_RULE, ZFWD_ERR_CONFLICT, ZFWD_ERR_CAPACITY,
		ZFWD_ERR_NOT_FOUND, ZFWD_ERR_SYSTEM, ZFWD_ERR_NOT_MANAGED,
	};
	static const char *const service_errors[] = {
		VARLINK_ERR_INTERFACE_NOT_FOUND, VARLINK_ERR_METHOD_NOT_FOUND,
		VARLINK_ERR_METHOD_NOT_IMPLEMENTED, VARLINK_ERR_INVALID_PARAMETER,
		VARLINK_ERR_PERMISSION_DENIED,
	};
	struct names zf, vs;

	idl_names(idl_zfwd, "error", &zf);
	idl_names(idl_varlink_service, "error", &vs);
	ck_assert_uint_eq(zf.n, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_msg(names_has(&zf, zfwd_errors[i]), "%s not declared", zfwd_errors[i]);
	for (size_t i = 0; i < 5; i++)
		ck_assert_msg(names_has(&vs, service_errors[i]), "%s not declared",
			      service_errors[i]);
}
END_TEST

/* Input parameters of @method in @idl, and whether each is optional. */
static size_t idl_params(const char *idl, const char *method, char names[][64], bool *optional)
{
	char head[128];
	const char *p;
	size_t n = 0;

	snprintf(head, sizeof(head), "\nmethod %s(", method);
	p = strstr(idl, head);
	ck_assert_msg(p != NULL, "%s not in the IDL", method);
	p += strlen(head);
	while (*p != ')') {
		size_t len = 0;

		while (*p == ' ' || *p == ',' || *p == '\n')
			p++;
		if (*p == ')')
			break;
		while (isalnum((unsigned char)p[len]) || p[len] == '_')
			len++;
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_lt(n, 8);
		snprintf(names[n], 64, "%.*s", (int)len, p);
		p += len;
		ck_assert_int_eq(*p, ':');
		p++;
		while (*p == ' ')
			p++;
		optional[n++] = *p == '?';
		/* Skip the type; types of inputs here have no commas. */
		while (*p != ',' && *p != ')')
			p++;
	}
	return n;
}

START_TEST(test_every_optional_idl_parameter_is_accepted_as_null)
{
	static const char *const methods[] = { "GetStatus", "AddRules", "RemoveRules",
					       "ListRules", "FlushRules", "SyncRules",
					       "Validate" };
	struct env t;

	env_init(&t);
	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		char names[8][64];
		bool optional[8];
		size_t n = idl_params(idl_zfwd, methods[m], names, optional);

		for (size_t i = 0; i < n; i++) {
			char msg[1024];
			json_t *r;

			if (!optional[i])
				continue;
			snprintf(msg, sizeof(msg),
				 "{'method':'io.openziti.zfwd.%s','parameters':{'%s':null%s}}",
				 methods[m], names[i],
				 /* RemoveRules without rules removes by service */
				 !strcmp(names[i], "rules")
					 ? ",'service_id':'s','ignore_missing':true"
				 : (strstr(methods[m], "Rules") || !strcmp(methods[m], "Validate")) &&
						 strcmp(methods[m], "ListRules") &&
						 strcmp(methods[m], "FlushRules")
					 ? ",'rules':[]"
					 : "");
			r = call(&t, msg);
			ck_assert_msg(!json_object_get(r, "error"), "%s: %s", msg,
				      jstr(r, "error"));
			json_decref(r);
		}
	}
	env_free(&t);
}
END_TEST

static Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tv = tcase_create("service");
	TCase *tz = tcase_create("zfwd");
	TCase *ti = tcase_create("idl");

	tcase_add_test(tv, test_get_info_lists_both_interfaces);
	tcase_add_test(tv, test_get_interface_description_returns_the_idl);
	tcase_add_test(tv, test_get_interface_description_of_unknown_interface);
	tcase_add_test(tv, test_unknown_method_is_method_not_found);
	tcase_add_test(tv, test_unknown_parameter_is_invalid_parameter_naming_it);
	tcase_add_test(tv, test_more_and_upgrade_are_refused);
	tcase_add_test(tv, test_oneway_call_returns_no_reply_but_runs);
	tcase_add_test(tv, test_readers_read_and_are_denied_changes);
	tcase_add_test(tv, test_monitor_needs_more_and_streams);
	tcase_add_test(tv, test_monitor_checks_its_filter);
	tcase_add_test(tv, test_prom_escapes_label_values_and_help);
	tcase_add_test(tv, test_metrics_count_what_the_daemon_counts);
	suite_add_tcase(s, tv);

	tcase_add_test(tz, test_add_rules_reports_added_and_existing);
	tcase_add_test(tz, test_add_rules_without_owner_uses_local);
	tcase_add_test(tz, test_add_rules_with_an_invalid_third_rule_changes_nothing);
	tcase_add_test(tz, test_add_rules_needs_a_rules_array);
	tcase_add_test(tz, test_add_of_no_rules_is_fine);
	tcase_add_test(tz, test_invalid_owner_is_invalid_parameter);
	tcase_add_test(tz, test_conflict_through_the_api);
	tcase_add_test(tz, test_capacity_through_the_api);
	tcase_add_test(tz, test_remove_rules);
	tcase_add_test(tz, test_remove_rules_checks_its_parameters);
	tcase_add_test(tz, test_list_rules_filters_by_owner);
	tcase_add_test(tz, test_listed_rules_can_be_added_back);
	tcase_add_test(tz, test_flush_rules_by_owner_and_for_all);
	tcase_add_test(tz, test_get_status_counts_rules_and_owners);
	suite_add_tcase(s, tz);

	tcase_add_test(ti, test_idl_methods_equal_the_served_methods);
	tcase_add_test(ti, test_idl_declares_every_error_the_api_sends);
	tcase_add_test(ti, test_every_verdict_reason_has_a_name);
	tcase_add_test(ti, test_every_optional_idl_parameter_is_accepted_as_null);
	suite_add_tcase(s, ti);
	return s;
}

int main(void)
{
	log_init(ZLOG_WARNING);
	return run_suite(api_suite());
}
