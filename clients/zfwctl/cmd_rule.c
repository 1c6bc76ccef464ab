// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl rule add|del|list|flush */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "zfwctl.h"
#include "zfwd_api.h"

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zfwctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see zfwctl --help)\n");
	return EXIT_USAGE;
}

static int parse_port(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

/* "L" or "L-H" */
static int parse_ports(const char *s, json_t **out)
{
	char buf[32];
	char *dash;
	long lo, hi;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_port(buf, &lo))
		return -1;
	hi = lo;
	if (dash && parse_port(dash + 1, &hi))
		return -1;
	*out = json_pack("{s:I,s:I}", "low", (json_int_t)lo, "high", (json_int_t)hi);
	return 0;
}

enum { O_PROTO = 256, O_DST, O_SRC, O_PORTS, O_TPROXY, O_PASS, O_DENY, O_IFACE,
       O_SID, O_SNAME, O_OWNER, O_IGNORE };

static const struct option rule_opts[] = {
	{ "proto", required_argument, NULL, O_PROTO },
	{ "dst", required_argument, NULL, O_DST },
	{ "src", required_argument, NULL, O_SRC },
	{ "ports", required_argument, NULL, O_PORTS },
	{ "tproxy", required_argument, NULL, O_TPROXY },
	{ "pass", no_argument, NULL, O_PASS },
	{ "deny", no_argument, NULL, O_DENY },
	{ "iface", required_argument, NULL, O_IFACE },
	{ "service-id", required_argument, NULL, O_SID },
	{ "service-name", required_argument, NULL, O_SNAME },
	{ "owner", required_argument, NULL, O_OWNER },
	{ "ignore-missing", no_argument, NULL, O_IGNORE },
	{ 0 },
};

/* Builds one rule from the options; @del: no action allowed. */
static int rule_from_args(int argc, char **argv, bool del, json_t **rule,
			  const char **owner, bool *ignore_missing)
{
	json_t *r = json_object(), *ifaces = json_array(), *ports;
	int c, actions = 0;
	long port;

	while ((c = getopt_long(argc, argv, "", rule_opts, NULL)) != -1) {
		switch (c) {
		case O_PROTO:
			json_object_set_new(r, "protocol", json_string(optarg));
			break;
		case O_DST:
			json_object_set_new(r, "destination", json_string(optarg));
			break;
		case O_SRC:
			json_object_set_new(r, "source", json_string(optarg));
			break;
		case O_PORTS:
			if (parse_ports(optarg, &ports))
				goto bad_ports;
			json_object_set_new(r, "ports", ports);
			break;
		case O_TPROXY:
			if (del)
				goto no_action;
			if (parse_port(optarg, &port))
				goto bad_tproxy;
			json_object_set_new(r, "action", json_string("tproxy"));
			json_object_set_new(r, "tproxy_port", json_integer(port));
			actions++;
			break;
		case O_PASS:
		case O_DENY:
			if (del)
				goto no_action;
			json_object_set_new(r, "action", json_string(c == O_PASS ? "pass" : "deny"));
			actions++;
			break;
		case O_IFACE:
			json_array_append_new(ifaces, json_string(optarg));
			break;
		case O_SID:
			json_object_set_new(r, "service_id", json_string(optarg));
			break;
		case O_SNAME:
			json_object_set_new(r, "service_name", json_string(optarg));
			break;
		case O_OWNER:
			*owner = optarg;
			break;
		case O_IGNORE:
			if (!del)
				goto usage;
			*ignore_missing = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		goto fail;
	}
	if (!json_object_get(r, "protocol") || !json_object_get(r, "destination")) {
		usage_error("%s", "--proto and --dst are required");
		goto fail;
	}
	if (!del && actions != 1) {
		usage_error("%s", "exactly one of --tproxy PORT, --pass, --deny is required");
		goto fail;
	}
	if (json_array_size(ifaces))
		json_object_set(r, "interfaces", ifaces);
	json_decref(ifaces);
	*rule = r;
	return 0;

bad_ports:
	usage_error("--ports '%s': expected PORT or LOW-HIGH", optarg);
	goto fail;
bad_tproxy:
	usage_error("--tproxy '%s': expected a port number", optarg);
	goto fail;
no_action:
	usage_error("%s", "rule del takes the match only: no --tproxy/--pass/--deny");
	goto fail;
usage:
	usage_error("%s", "invalid option");
fail:
	json_decref(r);
	json_decref(ifaces);
	return EXIT_USAGE;
}

static json_t *owner_param(json_t *params, const char *owner)
{
	if (owner)
		json_object_set_new(params, "owner", json_string(owner));
	return params;
}

int cmd_rule_add(struct ctl *ctl, int argc, char **argv)
{
	const char *owner = NULL;
	bool ignore = false;
	json_t *rule, *out;
	int ret;

	ret = rule_from_args(argc, argv, false, &rule, &owner, &ignore);
	if (ret)
		return ret;
	ret = ctl_call(ctl, ZFWD_METHOD("AddRules"),
		       owner_param(json_pack("{s:[o]}", "rules", rule), owner), &out);
	if (ret)
		return ret;
	if (!ctl->json)
		printf("%s\n", json_integer_value(json_object_get(out, "added"))
				       ? "added" : "already present");
	json_decref(out);
	return EXIT_OK;
}

int cmd_rule_del(struct ctl *ctl, int argc, char **argv)
{
	const char *owner = NULL;
	bool ignore = false;
	json_t *rule, *out, *params;
	int ret;

	ret = rule_from_args(argc, argv, true, &rule, &owner, &ignore);
	if (ret)
		return ret;
	params = owner_param(json_pack("{s:[o]}", "rules", rule), owner);
	if (ignore)
		json_object_set_new(params, "ignore_missing", json_true());
	ret = ctl_call(ctl, ZFWD_METHOD("RemoveRules"), params, &out);
	if (ret)
		return ret;
	if (!ctl->json)
		printf("removed %lld\n",
		       (long long)json_integer_value(json_object_get(out, "removed")));
	json_decref(out);
	return EXIT_OK;
}

static int owner_only(int argc, char **argv, const char **owner)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'o')
			return usage_error("%s", "invalid option");
		*owner = optarg;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static void fmt_action(const json_t *r, char *buf, size_t n)
{
	const char *a = json_string_value(json_object_get(r, "action"));

	if (a && !strcmp(a, "tproxy"))
		snprintf(buf, n, "tproxy:%lld",
			 (long long)json_integer_value(json_object_get(r, "tproxy_port")));
	else
		snprintf(buf, n, "%s", a ? a : "?");
}

int rules_table(const json_t *rules)
{
	static const char *const hdr[] = { "OWNER", "PROTO", "DESTINATION", "SOURCE",
					   "PORTS", "ACTION", "IFACES", "SERVICE",
					   "PACKETS", "BYTES" };
	struct table t;
	json_t *v;
	size_t i;

	table_init(&t, 10, hdr);
	json_array_foreach(rules, i, v) {
		json_t *r = json_object_get(v, "rule"), *p = json_object_get(r, "ports");
		json_t *ifs = json_object_get(r, "interfaces"), *x;
		char ports[32], action[32], ifaces[256] = "", pk[24], by[24];
		const char *sid = json_string_value(json_object_get(r, "service_id"));
		const char *sname = json_string_value(json_object_get(r, "service_name"));
		size_t j;

		snprintf(ports, sizeof(ports), "%lld-%lld",
			 (long long)json_integer_value(json_object_get(p, "low")),
			 (long long)json_integer_value(json_object_get(p, "high")));
		fmt_action(r, action, sizeof(action));
		json_array_foreach(ifs, j, x) {
			size_t len = strlen(ifaces);

			snprintf(ifaces + len, sizeof(ifaces) - len, "%s%s", len ? "," : "",
				 json_string_value(x));
		}
		snprintf(pk, sizeof(pk), "%lld",
			 (long long)json_integer_value(json_object_get(v, "packets")));
		snprintf(by, sizeof(by), "%lld",
			 (long long)json_integer_value(json_object_get(v, "bytes")));
		{
			const char *row[] = {
				json_string_value(json_object_get(v, "owner")),
				json_string_value(json_object_get(r, "protocol")),
				json_string_value(json_object_get(r, "destination")),
				json_string_value(json_object_get(r, "source")),
				ports, action, ifaces[0] ? ifaces : "(internal)",
				sname ? sname : sid ? sid : "-", pk, by,
			};

			table_row(&t, row);
		}
	}
	table_print(&t, stdout);
	table_free(&t);
	return EXIT_OK;
}

int cmd_rule_list(struct ctl *ctl, int argc, char **argv)
{
	const char *owner = NULL;
	json_t *out;
	int ret;

	ret = owner_only(argc, argv, &owner);
	if (ret)
		return ret;
	ret = ctl_call(ctl, ZFWD_METHOD("ListRules"), owner_param(json_object(), owner), &out);
	if (ret || ctl->json) {
		json_decref(out);
		return ret;
	}
	ret = rules_table(json_object_get(out, "rules"));
	json_decref(out);
	return ret;
}

/* rule sync|validate [--owner O] FILE|-: a JSON array of rules. */
static int rules_from_file(struct ctl *ctl, int argc, char **argv, const char *method)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *owner = NULL;
	json_error_t jerr;
	json_t *rules, *params, *out;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'o')
			return usage_error("%s", "invalid option");
		owner = optarg;
	}
	if (optind + 1 != argc)
		return usage_error("%s", "give one FILE (a JSON array of rules), or - for stdin");
	if (!strcmp(argv[optind], "-"))
		rules = json_loadf(stdin, 0, &jerr);
	else
		rules = json_load_file(argv[optind], 0, &jerr);
	if (!json_is_array(rules)) {
		json_decref(rules);
		return usage_error("%s: %s", argv[optind],
				   rules ? "not a JSON array of rules" : jerr.text);
	}
	params = owner_param(json_pack("{s:o}", "rules", rules), owner);
	ret = ctl_call(ctl, method, params, &out);
	if (ret)
		return ret;
	if (!ctl->json && !strcmp(method, ZFWD_METHOD("SyncRules")))
		printf("added %lld, removed %lld, kept %lld (%lld kernel operations)\n",
		       (long long)json_integer_value(json_object_get(out, "added")),
		       (long long)json_integer_value(json_object_get(out, "removed")),
		       (long long)json_integer_value(json_object_get(out, "kept")),
		       (long long)json_integer_value(json_object_get(out, "kernel_ops")));
	else if (!ctl->json)
		printf("valid: would add %lld (%lld already held, %lld kernel operations)\n",
		       (long long)json_integer_value(json_object_get(out, "added")),
		       (long long)json_integer_value(json_object_get(out, "existing")),
		       (long long)json_integer_value(json_object_get(out, "kernel_ops")));
	json_decref(out);
	return EXIT_OK;
}

int cmd_rule_sync(struct ctl *ctl, int argc, char **argv)
{
	return rules_from_file(ctl, argc, argv, ZFWD_METHOD("SyncRules"));
}

int cmd_rule_validate(struct ctl *ctl, int argc, char **argv)
{
	return rules_from_file(ctl, argc, argv, ZFWD_METHOD("Validate"));
}

int cmd_rule_flush(struct ctl *ctl, int argc, char **argv)
{
	const char *owner = NULL;
	json_t *out;
	int ret;

	ret = owner_only(argc, argv, &owner);
	if (ret)
		return ret;
	ret = ctl_call(ctl, ZFWD_METHOD("FlushRules"), owner_param(json_object(), owner), &out);
	if (ret)
		return ret;
	if (!ctl->json)
		printf("removed %lld\n",
		       (long long)json_integer_value(json_object_get(out, "removed")));
	json_decref(out);
	return EXIT_OK;
}
