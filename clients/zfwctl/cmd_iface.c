// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl iface list|set */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "zfwctl.h"
#include "zfwd_api.h"

static long long geti(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void yesno(char *buf, size_t n, const json_t *o, const char *k)
{
	snprintf(buf, n, "%s", json_is_true(json_object_get(o, k)) ? "yes" : "no");
}

/* One row per interface: the columns an operator looks at first. */
int iface_table(const json_t *ifaces)
{
	static const char *const hdr[] = { "INTERFACE", "IFINDEX", "STATE", "ROLE", "DEFAULT",
					   "ICMP", "SSH", "IPV6", "EGRESS", "ATTACHED",
					   "ADDRESSES" };
	struct table t;
	json_t *v;
	size_t i;

	table_init(&t, 11, hdr);
	json_array_foreach(ifaces, i, v) {
		json_t *o = json_object_get(v, "options"), *att = json_object_get(v, "attached");
		json_t *addrs = json_object_get(v, "addresses"), *a;
		char idx[16], icmp[4], ssh[4], v6[4], eg[4], attached[32], al[512] = "";
		const char *row[11];
		size_t j;

		snprintf(idx, sizeof(idx), "%lld", geti(v, "ifindex"));
		yesno(icmp, sizeof(icmp), o, "icmp_echo");
		yesno(ssh, sizeof(ssh), o, "ssh");
		yesno(v6, sizeof(v6), o, "ipv6");
		yesno(eg, sizeof(eg), o, "egress");
		snprintf(attached, sizeof(attached), "%s%s%s",
			 json_is_true(json_object_get(att, "ingress")) ? "in" : "",
			 json_is_true(json_object_get(att, "ingress")) &&
					 json_is_true(json_object_get(att, "egress"))
				 ? "+" : "",
			 json_is_true(json_object_get(att, "egress")) ? "out" : "");
		json_array_foreach(addrs, j, a) {
			size_t len = strlen(al);

			snprintf(al + len, sizeof(al) - len, "%s%s", len ? " " : "",
				 json_string_value(a));
		}
		row[0] = json_string_value(json_object_get(v, "name"));
		row[1] = idx;
		row[2] = json_is_true(json_object_get(v, "up")) ? "up" : "down";
		row[3] = json_string_value(json_object_get(o, "role"));
		row[4] = json_string_value(json_object_get(o, "default_action"));
		row[5] = icmp;
		row[6] = ssh;
		row[7] = v6;
		row[8] = eg;
		row[9] = attached[0] ? attached : "NO";
		row[10] = al[0] ? al : "-";
		table_row(&t, row);
	}
	if (t.nrows > 1)
		table_print(&t, stdout);
	else
		printf("no managed interfaces\n");
	table_free(&t);
	return EXIT_OK;
}

/* One verdict's total and its non-zero reasons: "drop 7 (default 5, rule 2)". */
static void verdict_counts(const json_t *c, const char *verdict, const char *prefix)
{
	size_t plen = strlen(prefix);
	long long total = 0;
	const char *k, *sep = " (";
	json_t *v;

	json_object_foreach((json_t *)c, k, v)
		if (!strncmp(k, prefix, plen))
			total += json_integer_value(v);
	printf("  %s %lld", verdict, total);
	json_object_foreach((json_t *)c, k, v) {
		if (strncmp(k, prefix, plen) || !json_integer_value(v))
			continue;
		printf("%s%s %lld", sep, k + plen, (long long)json_integer_value(v));
		sep = ", ";
	}
	if (*sep == ',')
		putchar(')');
}

/* Per interface, the packets its programs decided, by verdict and reason. */
static void iface_counters(const json_t *ifaces)
{
	json_t *v;
	size_t i;

	json_array_foreach(ifaces, i, v) {
		json_t *c = json_object_get(v, "counters");

		printf("%s%s:", i ? "" : "\npackets (since the counters were created)\n",
		       json_string_value(json_object_get(v, "name")));
		printf("  tproxy %lld", geti(c, "tproxy"));
		verdict_counts(c, "pass", "pass_");
		verdict_counts(c, "drop", "drop_");
		printf("  egress %lld\n", geti(c, "egress"));
	}
}

int cmd_iface_list(struct ctl *ctl, int argc, char **argv)
{
	json_t *params = json_object(), *out;
	int ret;

	if (argc > 2) {
		fprintf(stderr, "usage: zfwctl iface list [NAME]\n");
		json_decref(params);
		return EXIT_USAGE;
	}
	if (argc == 2)
		json_object_set_new(params, "name", json_string(argv[1]));
	ret = ctl_call(ctl, ZFWD_METHOD("ListInterfaces"), params, &out);
	if (ret || ctl->json) {
		json_decref(out);
		return ret;
	}
	ret = iface_table(json_object_get(out, "interfaces"));
	iface_counters(json_object_get(out, "interfaces"));
	json_decref(out);
	return ret;
}

static int onoff(const char *s, const char *opt, json_t *o, const char *key)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true"))
		json_object_set_new(o, key, json_true());
	else if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false"))
		json_object_set_new(o, key, json_false());
	else {
		fprintf(stderr, "zfwctl: %s takes on or off\n", opt);
		return -1;
	}
	return 0;
}

int cmd_iface_set(struct ctl *ctl, int argc, char **argv)
{
	enum { O_ROLE = 256, O_DEFAULT, O_ICMP, O_SSH, O_IPV6, O_EGRESS, O_EVENTS, O_RESET };
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "default", required_argument, NULL, O_DEFAULT },
		{ "icmp-echo", required_argument, NULL, O_ICMP },
		{ "ssh", required_argument, NULL, O_SSH },
		{ "ipv6", required_argument, NULL, O_IPV6 },
		{ "egress", required_argument, NULL, O_EGRESS },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "reset", no_argument, NULL, O_RESET },
		{ 0 },
	};
	json_t *o = json_object(), *params, *out;
	bool reset = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case O_ROLE:
			json_object_set_new(o, "role", json_string(optarg));
			break;
		case O_DEFAULT:
			json_object_set_new(o, "default_action", json_string(optarg));
			break;
		case O_ICMP: bad = onoff(optarg, "--icmp-echo", o, "icmp_echo"); break;
		case O_SSH: bad = onoff(optarg, "--ssh", o, "ssh"); break;
		case O_IPV6: bad = onoff(optarg, "--ipv6", o, "ipv6"); break;
		case O_EGRESS: bad = onoff(optarg, "--egress", o, "egress"); break;
		case O_EVENTS: bad = onoff(optarg, "--events", o, "events"); break;
		case O_RESET: reset = true; break;
		default: bad = 1;
		}
		if (bad) {
			json_decref(o);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (reset == (json_object_size(o) > 0))) {
		fprintf(stderr, "usage: zfwctl iface set NAME (--reset | [--role internal|external]\n"
				"         [--default drop|pass] [--icmp-echo on|off] [--ssh on|off]\n"
				"         [--ipv6 on|off] [--egress on|off] [--events on|off])\n");
		json_decref(o);
		return EXIT_USAGE;
	}
	params = json_pack("{s:s}", "name", argv[optind]);
	if (reset) {
		json_object_set_new(params, "reset", json_true());
		json_decref(o);
	} else {
		json_object_set_new(params, "options", o);
	}
	ret = ctl_call(ctl, ZFWD_METHOD("SetInterface"), params, &out);
	if (ret || ctl->json) {
		json_decref(out);
		return ret;
	}
	ret = iface_table(json_object_get(out, "interfaces"));
	iface_counters(json_object_get(out, "interfaces"));
	json_decref(out);
	return ret;
}
