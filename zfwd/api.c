// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "prom.h"
#include "zfwd_api.h"
#include "zfwd_maps.h"

#ifndef ZFWD_VERSION
#define ZFWD_VERSION "0.0.0"
#endif

typedef json_t *(*method_fn)(struct api *a, json_t *params, struct zerr *err);

struct method {
	const char *name;
	method_fn fn;
	const char *const *params; /* accepted parameter names */
	bool writes;               /* changes state: writers only */
	bool streams;              /* called with "more": replies continue */
};

static const char *const reason_names[ZFWD_R_MAX] = {
	[ZFWD_R_PASS_NON_IP] = "pass_non_ip",
	[ZFWD_R_PASS_ND] = "pass_nd",
	[ZFWD_R_PASS_RULE] = "pass_rule",
	[ZFWD_R_PASS_DEFAULT] = "pass_default",
	[ZFWD_R_TPROXY] = "tproxy",
	[ZFWD_R_DROP_RULE] = "drop_rule",
	[ZFWD_R_DROP_DEFAULT] = "drop_default",
	[ZFWD_R_DROP_NO_LISTENER] = "drop_no_listener",
	[ZFWD_R_DROP_ASSIGN] = "drop_assign",
	[ZFWD_R_DROP_MALFORMED] = "drop_malformed",
	[ZFWD_R_PASS_UNMANAGED] = "pass_unmanaged",
	[ZFWD_R_PASS_REPLY] = "pass_reply",
	[ZFWD_R_PASS_ESTABLISHED] = "pass_established",
	[ZFWD_R_PASS_ICMP] = "pass_icmp",
	[ZFWD_R_PASS_DHCP] = "pass_dhcp",
	[ZFWD_R_PASS_SSH] = "pass_ssh",
	[ZFWD_R_DROP_IPV6] = "drop_ipv6",
	[ZFWD_R_DROP_ICMP] = "drop_icmp",
	[ZFWD_R_EGRESS] = "egress",
};

/* A reason added to proto/ without a name here fails the build. */
_Static_assert(ZFWD_R_EGRESS + 1 == ZFWD_R_MAX, "name every zfwd_reason");

const char *api_reason_name(int reason)
{
	return reason >= 0 && reason < ZFWD_R_MAX ? reason_names[reason] : "?";
}

static void invalid_param(struct zerr *err, const char *name)
{
	zerr_set(err, VARLINK_ERR_INVALID_PARAMETER, json_pack("{s:s}", "parameter", name));
}

/* The owner parameter: absent means "local"; present must be valid. */
static int get_owner(json_t *params, const char **owner, bool required_default,
		     struct zerr *err)
{
	json_t *v = json_object_get(params, "owner");

	if (!v || json_is_null(v)) {
		*owner = required_default ? ZFWD_DEFAULT_OWNER : NULL;
		return 0;
	}
	if (!json_is_string(v) || !owner_valid(json_string_value(v))) {
		invalid_param(err, "owner");
		return -EINVAL;
	}
	*owner = json_string_value(v);
	return 0;
}

static void free_rules(struct rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rule_free(&rules[i]);
	free(rules);
}

/* Decodes params.rules whole; the first bad rule is the error. */
static struct rule *get_rules(json_t *params, bool match_only, size_t *n,
			      struct zerr *err)
{
	json_t *arr = json_object_get(params, "rules"), *v;
	struct rule *rules;
	size_t i;

	if (!json_is_array(arr)) {
		invalid_param(err, "rules");
		return NULL;
	}
	*n = json_array_size(arr);
	rules = calloc(*n ? *n : 1, sizeof(*rules));
	if (!rules) {
		zerr_set(err, ZFWD_ERR_SYSTEM, json_pack("{s:s}", "reason", "out of memory"));
		return NULL;
	}
	json_array_foreach(arr, i, v) {
		struct rule_err rerr;

		if (rule_from_json_opts(v, &rules[i], &rerr, match_only)) {
			zerr_set(err, ZFWD_ERR_INVALID_RULE,
				 json_pack("{s:i,s:s,s:s}", "index", (int)i, "field",
					   rerr.field ? rerr.field : "rule", "reason",
					   rerr.reason[0] ? rerr.reason : "out of memory"));
			free_rules(rules, i);
			return NULL;
		}
	}
	return rules;
}

static json_t *m_add_rules(struct api *a, json_t *params, struct zerr *err)
{
	struct engine_result res = { 0 };
	json_t *replace = json_object_get(params, "replace");
	const char *owner;
	struct rule *rules;
	size_t n = 0;
	int ret;

	if (get_owner(params, &owner, true, err))
		return NULL;
	if (replace && !json_is_boolean(replace) && !json_is_null(replace)) {
		invalid_param(err, "replace");
		return NULL;
	}
	rules = get_rules(params, false, &n, err);
	if (!rules)
		return NULL;
	if (json_is_true(replace))
		ret = engine_add_replace(a->eng, owner, rules, n, &res, err);
	else
		ret = engine_add(a->eng, owner, rules, n, &res, err);
	free_rules(rules, n);
	if (ret)
		return NULL;
	return json_pack("{s:i,s:i,s:i,s:I}", "added", res.added, "existing", res.existing,
			 "replaced", res.removed, "kernel_ops", (json_int_t)res.kernel_ops);
}

static json_t *m_sync_rules(struct api *a, json_t *params, struct zerr *err)
{
	struct engine_result res = { 0 };
	const char *owner;
	struct rule *rules;
	size_t n = 0;
	int ret;

	if (get_owner(params, &owner, true, err))
		return NULL;
	rules = get_rules(params, false, &n, err);
	if (!rules)
		return NULL;
	ret = engine_sync(a->eng, owner, rules, n, &res, err);
	free_rules(rules, n);
	if (ret)
		return NULL;
	return json_pack("{s:i,s:i,s:i,s:I}", "added", res.added, "removed", res.removed,
			 "kept", res.kept, "kernel_ops", (json_int_t)res.kernel_ops);
}

static json_t *m_validate(struct api *a, json_t *params, struct zerr *err)
{
	struct engine_result res = { 0 };
	const char *owner;
	struct rule *rules;
	size_t n = 0;
	int ret;

	if (get_owner(params, &owner, true, err))
		return NULL;
	rules = get_rules(params, false, &n, err);
	if (!rules)
		return NULL;
	ret = engine_validate(a->eng, owner, rules, n, &res, err);
	free_rules(rules, n);
	if (ret)
		return NULL;
	return json_pack("{s:i,s:i,s:I}", "added", res.added, "existing", res.existing,
			 "kernel_ops", (json_int_t)res.kernel_ops);
}

/* service_id parameters: a string, any length, no NUL. */
static int get_service(json_t *params, const char **out, struct zerr *err)
{
	json_t *v = json_object_get(params, "service_id");

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		invalid_param(err, "service_id");
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

static json_t *m_remove_rules(struct api *a, json_t *params, struct zerr *err)
{
	struct engine_result res = { 0 };
	json_t *im = json_object_get(params, "ignore_missing");
	json_t *list = json_object_get(params, "rules");
	const char *owner, *service;
	struct rule *rules;
	size_t n = 0;
	int ret;

	if (get_owner(params, &owner, true, err) || get_service(params, &service, err))
		return NULL;
	if (im && !json_is_boolean(im) && !json_is_null(im)) {
		invalid_param(err, "ignore_missing");
		return NULL;
	}
	if (list && json_is_null(list))
		list = NULL;
	if (!list == !service) {
		zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
			 json_pack("{s:s,s:s}", "parameter", "rules", "reason",
				   "give either rules or service_id"));
		return NULL;
	}
	if (service) {
		if (engine_remove_service(a->eng, owner, service, &res, err))
			return NULL;
		if (!res.removed && !json_is_true(im)) {
			zerr_set(err, ZFWD_ERR_NOT_FOUND,
				 json_pack("{s:i,s:s,s:s}", "index", -1, "owner", owner, "reason",
					   "the owner holds no rule of this service_id"));
			return NULL;
		}
		return json_pack("{s:i,s:i,s:I}", "removed", res.removed, "missing",
				 res.removed ? 0 : 1, "kernel_ops", (json_int_t)res.kernel_ops);
	}
	rules = get_rules(params, true, &n, err);
	if (!rules)
		return NULL;
	ret = engine_remove(a->eng, owner, rules, n, json_is_true(im), &res, err);
	free_rules(rules, n);
	if (ret)
		return NULL;
	return json_pack("{s:i,s:i,s:I}", "removed", res.removed, "missing", res.missing,
			 "kernel_ops", (json_int_t)res.kernel_ops);
}

static json_t *m_flush_rules(struct api *a, json_t *params, struct zerr *err)
{
	struct engine_result res = { 0 };
	const char *owner;

	if (get_owner(params, &owner, false, err))
		return NULL;
	if (engine_flush(a->eng, owner, &res, err))
		return NULL;
	return json_pack("{s:i,s:I}", "removed", res.removed, "kernel_ops",
			 (json_int_t)res.kernel_ops);
}

static json_t *m_list_rules(struct api *a, json_t *params, struct zerr *err)
{
	json_t *out = json_array(), *dv = json_object_get(params, "destination");
	const char *owner, *service, *why;
	struct prefix dst;
	struct entry **v;
	size_t n;

	if (!out)
		return NULL;
	if (get_owner(params, &owner, false, err) || get_service(params, &service, err)) {
		json_decref(out);
		return NULL;
	}
	if (dv && !json_is_null(dv) &&
	    (!json_is_string(dv) || prefix_parse(json_string_value(dv), &dst, &why))) {
		json_decref(out);
		invalid_param(err, "destination");
		return NULL;
	}
	if (dv && json_is_null(dv))
		dv = NULL;
	v = ruleset_entries_sorted(&a->eng->rs, &n);
	if (!v) {
		json_decref(out);
		zerr_set(err, ZFWD_ERR_SYSTEM, json_pack("{s:s}", "reason", "out of memory"));
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t packets = 0, bytes = 0;

		if (owner && strcmp(v[i]->owner, owner))
			continue;
		if (service && (!v[i]->r.service_id || strcmp(v[i]->r.service_id, service)))
			continue;
		if (dv && memcmp(&v[i]->r.m.dst, &dst, sizeof(dst)))
			continue;
		if (a->ops.rule_stats)
			a->ops.rule_stats(a->ops.ctx, v[i]->cm->slot, &packets, &bytes);
		json_array_append_new(out, json_pack("{s:s,s:o,s:I,s:I}", "owner", v[i]->owner,
						     "rule", rule_to_json(&v[i]->r),
						     "packets", (json_int_t)packets, "bytes",
						     (json_int_t)bytes));
	}
	free(v);
	return json_pack("{s:o}", "rules", out);
}

static json_t *owner_counts(const struct engine *e)
{
	json_t *counts = json_object(), *out = json_array();
	struct entry **v;
	const char *key;
	json_t *val;
	size_t n;

	v = ruleset_entries_sorted(&e->rs, &n);
	for (size_t i = 0; v && i < n; i++) {
		json_t *c = json_object_get(counts, v[i]->owner);

		json_object_set_new(counts, v[i]->owner,
				    json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	free(v);
	json_object_foreach(counts, key, val)
		json_array_append_new(out, json_pack("{s:s,s:O}", "owner", key, "rules", val));
	json_decref(counts);
	return out;
}

static json_t *m_get_status(struct api *a, json_t *params, struct zerr *err)
{
	const struct engine *e = a->eng;
	json_t *r;

	r = json_pack("{s:s,s:i,s:o}", "version", ZFWD_VERSION, "rules", (int)e->rs.n_entries,
		      "owners", owner_counts(e));
	if (!r)
		return NULL;
	json_object_set_new(r, "limits",
			    json_pack("{s:i,s:i,s:i,s:i,s:i,s:I}", "rules", (int)e->lim.rules,
				      "prefixes", (int)e->lim.prefixes, "leaves",
				      (int)e->lim.leaves, "rules_per_match",
				      ZFWD_MAX_CANDIDATES, "interface_names",
				      ZFWD_MAX_IFACE_NAMES, "max_message",
				      (json_int_t)(a->max_message ? a->max_message
								   : ZFWD_DEFAULT_MAX_MESSAGE)));
	json_object_set_new(r, "usage",
			    json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "rules", (int)e->rs.n_entries,
				      "matches", (int)e->rs.n_cmatches, "prefixes_v4",
				      (int)e->sh.n_dst[0], "prefixes_v6", (int)e->sh.n_dst[1],
				      "leaves_v4", (int)e->sh.n_leaves[0], "leaves_v6",
				      (int)e->sh.n_leaves[1]));
	json_object_set_new(r, "kernel_ops", json_integer((json_int_t)e->kernel_ops));
	if (a->ops.stats) {
		struct api_stats st = { 0 };

		a->ops.stats(a->ops.ctx, &st);
		json_object_set_new(
			r, "api",
			json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "requests",
				  (json_int_t)a->requests, "errors", (json_int_t)a->errors,
				  "denied", (json_int_t)a->denied, "connections",
				  (json_int_t)st.connections, "accepted", (json_int_t)st.accepted,
				  "refused", (json_int_t)st.refused, "idle_closed",
				  (json_int_t)st.idle_closed));
		json_object_set_new(
			r, "events",
			json_pack("{s:I,s:I,s:I,s:I,s:I}", "monitors", (json_int_t)st.monitors,
				  "read", (json_int_t)st.events_read, "delivered",
				  (json_int_t)st.events_delivered, "missed",
				  (json_int_t)st.events_missed, "lost", (json_int_t)st.events_lost));
	}
	if (a->ops.status)
		a->ops.status(a->ops.ctx, r);
	return r;
}

static json_t *not_here(struct zerr *err, const char *method)
{
	zerr_set(err, VARLINK_ERR_METHOD_NOT_IMPLEMENTED, json_pack("{s:s}", "method", method));
	return NULL;
}

static json_t *m_list_ifaces(struct api *a, json_t *params, struct zerr *err)
{
	json_t *name = json_object_get(params, "name");

	if (name && !json_is_null(name) &&
	    (!json_is_string(name) || !ifname_valid(json_string_value(name)))) {
		invalid_param(err, "name");
		return NULL;
	}
	if (!a->ops.list_ifaces)
		return not_here(err, ZFWD_METHOD("ListInterfaces"));
	return json_pack("{s:o}", "interfaces",
			 a->ops.list_ifaces(a->ops.ctx, json_string_value(name)));
}

static json_t *m_set_iface(struct api *a, json_t *params, struct zerr *err)
{
	json_t *name = json_object_get(params, "name");
	json_t *opts = json_object_get(params, "options");
	json_t *reset = json_object_get(params, "reset");
	const char *n = json_string_value(name);

	if (!n || !ifname_valid(n)) {
		invalid_param(err, "name");
		return NULL;
	}
	if (reset && !json_is_boolean(reset) && !json_is_null(reset)) {
		invalid_param(err, "reset");
		return NULL;
	}
	if (opts && json_is_null(opts))
		opts = NULL;
	if (opts && !json_is_object(opts)) {
		invalid_param(err, "options");
		return NULL;
	}
	if (!opts && !json_is_true(reset)) {
		zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
			 json_pack("{s:s,s:s}", "parameter", "options", "reason",
				   "give options to change, or reset: true"));
		return NULL;
	}
	if (opts && json_is_true(reset)) {
		zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
			 json_pack("{s:s,s:s}", "parameter", "reset", "reason",
				   "options and reset exclude each other"));
		return NULL;
	}
	if (!a->ops.set_iface || !a->ops.list_ifaces)
		return not_here(err, ZFWD_METHOD("SetInterface"));
	if (a->ops.set_iface(a->ops.ctx, n, opts, json_is_true(reset), err))
		return NULL;
	return json_pack("{s:o}", "interfaces", a->ops.list_ifaces(a->ops.ctx, n));
}

/* Monitor's filter. */
static const char *const event_types[] = { "intercept", "drop", "interface" };

static json_t *m_monitor(struct api *a, json_t *params, struct zerr *err)
{
	json_t *ifv = json_object_get(params, "interface");
	json_t *tv = json_object_get(params, "types"), *v;
	struct api_monitor m = { .types = API_EV_ALL };
	size_t i;

	if (ifv && !json_is_null(ifv)) {
		if (!json_is_string(ifv) || !ifname_valid(json_string_value(ifv))) {
			invalid_param(err, "interface");
			return NULL;
		}
		snprintf(m.ifname, sizeof(m.ifname), "%s", json_string_value(ifv));
	}
	if (tv && !json_is_null(tv)) {
		if (!json_is_array(tv) || !json_array_size(tv))
			goto bad_types;
		m.types = 0;
		json_array_foreach(tv, i, v) {
			unsigned t = 0;

			while (t < 3 && !(json_is_string(v) &&
					  !strcmp(json_string_value(v), event_types[t])))
				t++;
			if (t == 3)
				goto bad_types;
			m.types |= 1u << t;
		}
	}
	if (get_service(params, &m.service_id, err))
		return NULL;
	if (!a->ops.monitor || !a->caller || !a->caller->conn)
		return not_here(err, ZFWD_METHOD("Monitor"));
	if (a->ops.monitor(a->ops.ctx, a->caller->conn, &m, err))
		return NULL;
	return json_pack("{s:s}", "type", "monitoring");

bad_types:
	zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
		 json_pack("{s:s,s:s}", "parameter", "types", "reason",
			   "a non-empty list of intercept, drop, interface"));
	return NULL;
}

/* What each reason means for zfwd_packets_total. */
static const char *reason_verdict(int r)
{
	switch (r) {
	case ZFWD_R_TPROXY:
		return "tproxy";
	case ZFWD_R_DROP_RULE: case ZFWD_R_DROP_DEFAULT: case ZFWD_R_DROP_NO_LISTENER:
	case ZFWD_R_DROP_ASSIGN: case ZFWD_R_DROP_MALFORMED: case ZFWD_R_DROP_IPV6:
	case ZFWD_R_DROP_ICMP:
		return "drop";
	}
	return "pass";
}

static uint64_t counter_of(const json_t *counters, int r)
{
	json_int_t v = json_integer_value(json_object_get(counters, reason_names[r]));

	return v > 0 ? (uint64_t)v : 0;
}

static void metrics_ifaces(struct api *a, struct prom *p)
{
	static const char *const verdicts[] = { "pass", "drop", "tproxy" };
	json_t *ifs = a->ops.list_ifaces ? a->ops.list_ifaces(a->ops.ctx, NULL) : NULL;
	json_t *l;
	unsigned attached = 0;
	size_t i;

	json_array_foreach(ifs, i, l) {
		json_t *at = json_object_get(l, "attached");

		attached += json_is_true(json_object_get(at, "ingress")) ||
			    json_is_true(json_object_get(at, "egress"));
	}
	prom_family(p, "zfwd_interfaces_attached", "gauge",
		    "Managed interfaces with a zfwd program attached.");
	prom_sample(p, "zfwd_interfaces_attached", attached, NULL);
	prom_family(p, "zfwd_packets_total", "counter",
		    "Packets the programs decided, by interface, direction and verdict.");
	json_array_foreach(ifs, i, l) {
		const char *name = json_string_value(json_object_get(l, "name"));
		json_t *c = json_object_get(l, "counters");

		for (size_t k = 0; k < 3; k++) {
			uint64_t n = 0;

			for (int r = 0; r < ZFWD_R_MAX; r++)
				if (r != ZFWD_R_EGRESS && !strcmp(reason_verdict(r), verdicts[k]))
					n += counter_of(c, r);
			prom_sample(p, "zfwd_packets_total", n, "ifname", name, "direction",
				    "ingress", "verdict", verdicts[k], NULL);
		}
		prom_sample(p, "zfwd_packets_total", counter_of(c, ZFWD_R_EGRESS), "ifname",
			    name, "direction", "egress", "verdict", "pass", NULL);
	}
	prom_family(p, "zfwd_drops_total", "counter",
		    "Packets dropped on ingress, by interface and reason.");
	json_array_foreach(ifs, i, l) {
		const char *name = json_string_value(json_object_get(l, "name"));
		json_t *c = json_object_get(l, "counters");

		for (int r = 0; r < ZFWD_R_MAX; r++)
			if (!strcmp(reason_verdict(r), "drop"))
				prom_sample(p, "zfwd_drops_total", counter_of(c, r), "ifname", name,
					    "reason", reason_names[r], NULL);
	}
	json_decref(ifs);
}

static void metrics_rules(struct api *a, struct prom *p, bool per_rule)
{
	const struct engine *e = a->eng;
	json_t *owners = owner_counts(e), *o;
	struct entry **v;
	size_t i, n;

	prom_family(p, "zfwd_rules", "gauge", "Rules held, all owners.");
	prom_sample(p, "zfwd_rules", e->rs.n_entries, NULL);
	prom_family(p, "zfwd_rules_max", "gauge", "The rule limit (limits.rules).");
	prom_sample(p, "zfwd_rules_max", e->lim.rules, NULL);
	prom_family(p, "zfwd_owner_rules", "gauge", "Rules held, by owner.");
	json_array_foreach(owners, i, o)
		prom_sample(p, "zfwd_owner_rules",
			    (uint64_t)json_integer_value(json_object_get(o, "rules")), "owner",
			    json_string_value(json_object_get(o, "owner")), NULL);
	json_decref(owners);
	if (!per_rule)
		return;
	v = ruleset_entries_sorted(&e->rs, &n);
	if (!v) {
		p->failed = true;
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *name = pass ? "zfwd_rule_bytes_total" : "zfwd_rule_packets_total";

		prom_family(p, name, "counter",
			    pass ? "Bytes of packets a rule decided (rules with the same match "
				   "share a counter)."
				 : "Packets a rule decided (rules with the same match share a "
				   "counter).");
		for (i = 0; i < n; i++) {
			const struct rule *r = &v[i]->r;
			uint64_t packets = 0, bytes = 0;
			char dst[64], src[64], ports[16];

			if (a->ops.rule_stats)
				a->ops.rule_stats(a->ops.ctx, v[i]->cm->slot, &packets, &bytes);
			prefix_format(&r->m.dst, dst, sizeof(dst));
			prefix_format(&r->m.src, src, sizeof(src));
			snprintf(ports, sizeof(ports), "%u-%u", r->m.port_lo, r->m.port_hi);
			prom_sample(p, name, pass ? bytes : packets, "owner", v[i]->owner,
				    "protocol", proto_name(r->m.proto), "destination", dst, "source",
				    src, "ports", ports, "action", action_name(r->action),
				    "service_id", r->service_id ? r->service_id : "", NULL);
		}
	}
	free(v);
}

static void metrics_api(struct api *a, struct prom *p)
{
	prom_family(p, "zfwd_api_requests_total", "counter",
		    "API calls by method and error (empty for success).");
	for (size_t i = 0; i < a->n_counts; i++)
		prom_sample(p, "zfwd_api_requests_total", a->counts[i].n, "method",
			    a->counts[i].method, "error",
			    a->counts[i].error ? a->counts[i].error : "", NULL);
	prom_family(p, "zfwd_api_denied_total", "counter",
		    "Calls refused with PermissionDenied (read-only callers).");
	prom_sample(p, "zfwd_api_denied_total", a->denied, NULL);
}

static void metrics_daemon(const struct api_stats *st, struct prom *p)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} fams[] = {
#define F(n, t, h, f) { n, t, h, offsetof(struct api_stats, f) }
		F("zfwd_api_connections", "gauge", "API connections open.", connections),
		F("zfwd_api_connections_refused_total", "counter",
		  "API connections refused at the connection limit.", refused),
		F("zfwd_api_idle_closed_total", "counter",
		  "API connections closed after limits.idle_timeout of silence.", idle_closed),
		F("zfwd_monitors", "gauge", "Monitor clients connected.", monitors),
		F("zfwd_events_delivered_total", "counter", "Events sent to Monitor clients.",
		  events_delivered),
		F("zfwd_events_missed_total", "counter",
		  "Events slow Monitor clients missed (their backlog was full).", events_missed),
		F("zfwd_events_lost_total", "counter",
		  "Events the programs could not emit: the ring buffer was full.", events_lost),
		F("zfwd_netlink_overruns_total", "counter",
		  "Netlink overruns: lost link events, each repaired by a full dump.",
		  netlink_overruns),
#undef F
	};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		prom_family(p, fams[i].name, fams[i].type, fams[i].help);
		prom_sample(p, fams[i].name, *(const uint64_t *)((const char *)st + fams[i].off),
			    NULL);
	}
}

char *api_metrics(struct api *a, bool rules)
{
	struct prom p = { 0 };

	prom_family(&p, "zfwd_build_info", "gauge", "The running zfwd; the value is 1.");
	prom_sample(&p, "zfwd_build_info", 1, "version", ZFWD_VERSION, NULL);
	metrics_rules(a, &p, rules);
	metrics_ifaces(a, &p);
	metrics_api(a, &p);
	prom_family(&p, "zfwd_kernel_ops_total", "counter",
		    "Kernel map operations made to apply rule changes.");
	prom_sample(&p, "zfwd_kernel_ops_total", a->eng->kernel_ops, NULL);
	if (a->ops.stats) {
		struct api_stats st = { 0 };

		a->ops.stats(a->ops.ctx, &st);
		metrics_daemon(&st, &p);
	}
	return prom_finish(&p);
}

static json_t *m_get_metrics(struct api *a, json_t *params, struct zerr *err)
{
	json_t *rv = json_object_get(params, "rules");
	char *text;
	json_t *r;

	if (rv && !json_is_null(rv) && !json_is_boolean(rv)) {
		invalid_param(err, "rules");
		return NULL;
	}
	text = api_metrics(a, json_is_true(rv));
	if (!text)
		return NULL;
	r = json_pack("{s:s}", "text", text);
	free(text);
	return r;
}

static json_t *m_get_info(struct api *a, json_t *params, struct zerr *err)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "vendor", "zfwd", "product", "zfwd",
			 "version", ZFWD_VERSION, "url", "https://github.com/openziti",
			 "interfaces", VARLINK_SERVICE, ZFWD_INTERFACE);
}

static json_t *m_get_iface_desc(struct api *a, json_t *params, struct zerr *err)
{
	json_t *v = json_object_get(params, "interface");
	const char *name = json_string_value(v);

	if (!name) {
		invalid_param(err, "interface");
		return NULL;
	}
	if (!strcmp(name, ZFWD_INTERFACE))
		return json_pack("{s:s}", "description", idl_zfwd);
	if (!strcmp(name, VARLINK_SERVICE))
		return json_pack("{s:s}", "description", idl_varlink_service);
	zerr_set(err, VARLINK_ERR_INTERFACE_NOT_FOUND, json_pack("{s:s}", "interface", name));
	return NULL;
}

static const char *const p_none[] = { NULL };
static const char *const p_owner[] = { "owner", NULL };
static const char *const p_add[] = { "owner", "rules", NULL };
static const char *const p_add_rules[] = { "owner", "rules", "replace", NULL };
static const char *const p_remove[] = { "owner", "rules", "service_id", "ignore_missing",
					NULL };
static const char *const p_list[] = { "owner", "service_id", "destination", NULL };
static const char *const p_iface[] = { "interface", NULL };
static const char *const p_list_ifaces[] = { "name", NULL };
static const char *const p_set_iface[] = { "name", "options", "reset", NULL };
static const char *const p_monitor[] = { "interface", "types", "service_id", NULL };
static const char *const p_metrics[] = { "rules", NULL };

static const struct method methods[] = {
	{ VARLINK_SERVICE ".GetInfo", m_get_info, p_none, false, false },
	{ VARLINK_SERVICE ".GetInterfaceDescription", m_get_iface_desc, p_iface, false, false },
	{ ZFWD_METHOD("GetStatus"), m_get_status, p_none, false, false },
	{ ZFWD_METHOD("AddRules"), m_add_rules, p_add_rules, true, false },
	{ ZFWD_METHOD("RemoveRules"), m_remove_rules, p_remove, true, false },
	{ ZFWD_METHOD("SyncRules"), m_sync_rules, p_add, true, false },
	{ ZFWD_METHOD("Validate"), m_validate, p_add, false, false },
	{ ZFWD_METHOD("ListRules"), m_list_rules, p_list, false, false },
	{ ZFWD_METHOD("FlushRules"), m_flush_rules, p_owner, true, false },
	{ ZFWD_METHOD("ListInterfaces"), m_list_ifaces, p_list_ifaces, false, false },
	{ ZFWD_METHOD("SetInterface"), m_set_iface, p_set_iface, true, false },
	{ ZFWD_METHOD("Monitor"), m_monitor, p_monitor, false, true },
	{ ZFWD_METHOD("GetMetrics"), m_get_metrics, p_metrics, false, false },
};

const char *const *api_methods(void)
{
	static const char *names[sizeof(methods) / sizeof(methods[0]) + 1];

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		names[i] = methods[i].name;
	return names;
}

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

static bool known_param(const struct method *m, const char *key)
{
	for (const char *const *p = m->params; *p; p++)
		if (!strcmp(*p, key))
			return true;
	return false;
}

bool api_method_writes(const char *method)
{
	const struct method *m = find_method(method);

	return m && m->writes;
}

/* Counts one call of @method ending in @error (NULL: success). */
static void count(struct api *a, const char *method, const char *error)
{
	struct api_count *c;

	for (size_t i = 0; i < a->n_counts; i++) {
		c = &a->counts[i];
		if (!strcmp(c->method, method) &&
		    (error ? c->error && !strcmp(c->error, error) : !c->error)) {
			c->n++;
			return;
		}
	}
	/* Methods and errors are static strings; unknown methods are
	 * counted under one name, so the table stays small. */
	c = realloc(a->counts, (a->n_counts + 1) * sizeof(*c));
	if (!c)
		return;
	a->counts = c;
	a->counts[a->n_counts++] = (struct api_count){ method, error, 1 };
}

void api_free(struct api *a)
{
	free(a->counts);
	a->counts = NULL;
	a->n_counts = 0;
}

json_t *api_call(struct api *a, const struct vl_call *call, const struct api_peer *peer)
{
	const struct method *m = find_method(call->method);
	struct zerr err = { 0 };
	json_t *reply = NULL, *v;
	const char *key;

	a->requests++;
	if (!m) {
		zerr_set(&err, VARLINK_ERR_METHOD_NOT_FOUND,
			 json_pack("{s:s}", "method", call->method));
		goto out;
	}
	if (peer && m->writes && !peer->can_write) {
		a->denied++;
		if (peer->denial_logged && !*peer->denial_logged) {
			*peer->denial_logged = true;
			log_notice("uid %d (pid %d) may only read: %s refused (further refusals "
				   "on this connection are counted, not logged)",
				   (int)peer->uid, (int)peer->pid, m->name);
		}
		zerr_set(&err, VARLINK_ERR_PERMISSION_DENIED, NULL);
		goto out;
	}
	if (m->streams && (!call->more || call->oneway)) {
		zerr_set(&err, VARLINK_ERR_EXPECTED_MORE, NULL);
		goto out;
	}
	if ((!m->streams && call->more) || call->upgrade) {
		zerr_set(&err, VARLINK_ERR_INVALID_PARAMETER,
			 json_pack("{s:s}", "parameter", call->upgrade ? "upgrade" : "more"));
		goto out;
	}
	json_object_foreach(call->params, key, v) {
		if (!known_param(m, key)) {
			invalid_param(&err, key);
			goto out;
		}
	}
	a->caller = peer;
	reply = m->fn(a, call->params, &err);
	a->caller = NULL;
	if (!reply && !err.name)
		zerr_set(&err, ZFWD_ERR_SYSTEM, json_pack("{s:s}", "reason", "out of memory"));
out:
	count(a, m ? m->name : "(unknown)", err.name);
	if (err.name) {
		a->errors++;
		json_decref(reply);
		log_debug("%s from uid %d: %s", call->method, peer ? (int)peer->uid : -1,
			  err.name);
		reply = vl_error(err.name, err.params);
		err.params = NULL;
	} else {
		reply = vl_reply(reply, m->streams);
	}
	zerr_clear(&err);
	if (call->oneway) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}
