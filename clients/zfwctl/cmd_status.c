// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl status */
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "zfwctl.h"
#include "zfwd_api.h"

static long long geti(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *gets_(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "?";
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	static const char *const hdr[] = { "INTERFACE", "IFINDEX", "ROLE", "DEFAULT",
					   "ATTACHED", "TPROXY", "PASSED", "DROPPED" };
	json_t *out, *v, *lim, *use;
	struct table t;
	size_t i;
	int ret;

	if (argc > 1) {
		fprintf(stderr, "zfwctl: status takes no arguments\n");
		return EXIT_USAGE;
	}
	ret = ctl_call(ctl, ZFWD_METHOD("GetStatus"), json_object(), &out);
	if (ret || ctl->json) {
		json_decref(out);
		return ret;
	}
	printf("zfwd %s\n", gets_(out, "version"));
	printf("  socket     %s\n", gets_(out, "socket"));
	printf("  pin root   %s (%s)\n", gets_(out, "pin_root"),
	       json_is_true(json_object_get(out, "maps_adopted")) ? "maps adopted at start"
								  : "maps created at start");
	printf("  state      %s\n", gets_(out, "state_dir"));
	printf("  rules      %lld", geti(out, "rules"));
	json_array_foreach(json_object_get(out, "owners"), i, v)
		printf("%s%s %lld", i ? ", " : " (", gets_(v, "owner"), geti(v, "rules"));
	printf("%s\n", json_array_size(json_object_get(out, "owners")) ? ")" : "");
	lim = json_object_get(out, "limits");
	use = json_object_get(out, "usage");
	printf("  usage      %lld/%lld rule slots, %lld+%lld/%lld prefixes (v4+v6), "
	       "%lld+%lld/%lld leaves\n",
	       geti(use, "matches"), geti(lim, "rules"), geti(use, "prefixes_v4"),
	       geti(use, "prefixes_v6"), geti(lim, "prefixes"), geti(use, "leaves_v4"),
	       geti(use, "leaves_v6"), geti(lim, "leaves"));
	printf("  kernel ops %lld since start\n", geti(out, "kernel_ops"));
	if ((v = json_object_get(out, "api")))
		printf("  api        %lld requests, %lld errors, %lld denied; %lld connections "
		       "open\n",
		       geti(v, "requests"), geti(v, "errors"), geti(v, "denied"),
		       geti(v, "connections"));
	if ((v = json_object_get(out, "events")))
		printf("  events     %lld monitors, %lld delivered, %lld missed by slow "
		       "monitors, %lld lost (ring full)\n",
		       geti(v, "monitors"), geti(v, "delivered"), geti(v, "missed"),
		       geti(v, "lost"));
	putchar('\n');

	table_init(&t, 8, hdr);
	json_array_foreach(json_object_get(out, "interfaces"), i, v) {
		json_t *c = json_object_get(v, "counters"), *o = json_object_get(v, "options");
		json_t *att = json_object_get(v, "attached");
		long long passed = geti(c, "pass_rule") + geti(c, "pass_default") +
				   geti(c, "pass_non_ip") + geti(c, "pass_nd") + geti(c, "pass_reply") +
				   geti(c, "pass_established") + geti(c, "pass_icmp") +
				   geti(c, "pass_dhcp") + geti(c, "pass_ssh");
		long long dropped = geti(c, "drop_rule") + geti(c, "drop_default") +
				    geti(c, "drop_no_listener") + geti(c, "drop_assign") +
				    geti(c, "drop_malformed") + geti(c, "drop_ipv6") +
				    geti(c, "drop_icmp");
		char idx[16], tp[24], ps[24], dr[24], at[16];
		const char *row[8];

		snprintf(idx, sizeof(idx), "%lld", geti(v, "ifindex"));
		snprintf(tp, sizeof(tp), "%lld", geti(c, "tproxy"));
		snprintf(ps, sizeof(ps), "%lld", passed);
		snprintf(dr, sizeof(dr), "%lld", dropped);
		snprintf(at, sizeof(at), "%s%s",
			 json_is_true(json_object_get(att, "ingress")) ? "in" : "NO",
			 json_is_true(json_object_get(att, "egress")) ? "+out" : "");
		row[0] = gets_(v, "name");
		row[1] = idx;
		row[2] = gets_(o, "role");
		row[3] = gets_(o, "default_action");
		row[4] = at;
		row[5] = tp;
		row[6] = ps;
		row[7] = dr;
		table_row(&t, row);
	}
	if (t.nrows > 1)
		table_print(&t, stdout);
	else
		printf("no managed interfaces\n");
	table_free(&t);
	json_decref(out);
	return EXIT_OK;
}
