// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "rule.h"
#include "zfwd_maps.h"

int prefix_max_len(const struct prefix *p)
{
	return p->family == 4 ? 32 : 128;
}

void prefix_mask(struct prefix *p, unsigned len)
{
	unsigned bytes = p->family == 4 ? 4 : 16;

	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;

		if (i >= bytes || bit >= len)
			p->addr[i] = 0;
		else if (bit + 8 > len)
			p->addr[i] &= (uint8_t)(0xff << (8 - (len - bit)));
	}
	p->len = len;
}

int prefix_parse(const char *s, struct prefix *p, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct prefix masked;
	long len;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= INET6_ADDRSTRLEN) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = 4;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = 6;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	len = prefix_max_len(p);
	if (slash) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9') {
			*why = "prefix length is not a number";
			return -EINVAL;
		}
		len = strtol(slash + 1, &end, 10);
		if (*end || len < 0 || len > prefix_max_len(p)) {
			*why = p->family == 4 ? "prefix length must be 0-32"
					      : "prefix length must be 0-128";
			return -EINVAL;
		}
	}
	masked = *p;
	prefix_mask(&masked, len);
	if (memcmp(masked.addr, p->addr, sizeof(p->addr))) {
		*why = "host bits set beyond the prefix length";
		return -EINVAL;
	}
	p->len = len;
	return 0;
}

void prefix_format(const struct prefix *p, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, p->len);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	struct prefix m;

	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	m = *inner;
	prefix_mask(&m, outer->len);
	return !memcmp(m.addr, outer->addr, sizeof(m.addr));
}

static const char *const action_names[] = {
	[ZFWD_ACT_TPROXY] = "tproxy",
	[ZFWD_ACT_PASS] = "pass",
	[ZFWD_ACT_DENY] = "deny",
};

const char *action_name(int action)
{
	if (action <= 0 || action > ZFWD_ACT_DENY)
		return "none";
	return action_names[action];
}

int action_parse(const char *s)
{
	for (int i = ZFWD_ACT_TPROXY; i <= ZFWD_ACT_DENY; i++)
		if (!strcmp(s, action_names[i]))
			return i;
	return -EINVAL;
}

const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

int proto_parse(const char *s)
{
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	return -EINVAL;
}

bool owner_valid(const char *owner)
{
	size_t n = strlen(owner);

	if (n == 0 || n > OWNER_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = owner[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':' || c == '@'))
			return false;
	}
	return true;
}

bool ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= RULE_IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || (unsigned char)name[i] <= ' ')
			return false;
	return true;
}

static int fail(struct rule_err *err, const char *field, const char *reason)
{
	err->field = field;
	snprintf(err->reason, sizeof(err->reason), "%s", reason);
	return -EINVAL;
}

static int cmp_ifname(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int parse_ifaces(const json_t *arr, struct rule_match *m,
			struct rule_err *err)
{
	size_t n = json_array_size(arr), i, out = 0;
	const json_t *v;

	if (!json_is_array(arr))
		return fail(err, "interfaces", "must be a list of interface names");
	if (n > RULE_MAX_IFACES)
		return fail(err, "interfaces", "more than 64 interfaces");
	if (n == 0)
		return 0;
	m->ifaces = calloc(n, RULE_IFNAMSIZ);
	if (!m->ifaces)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (!s || !ifname_valid(s))
			return fail(err, "interfaces",
				    "not a valid interface name (1-15 characters, no '/', ':' or spaces)");
		snprintf(m->ifaces[i], RULE_IFNAMSIZ, "%s", s);
	}
	qsort(m->ifaces, n, RULE_IFNAMSIZ, cmp_ifname);
	for (i = 0; i < n; i++)
		if (out == 0 || strcmp(m->ifaces[out - 1], m->ifaces[i]))
			memmove(m->ifaces[out++], m->ifaces[i], RULE_IFNAMSIZ);
	m->n_ifaces = out;
	return 0;
}

static int parse_port(const json_t *v, const char *field, uint16_t *out,
		      struct rule_err *err)
{
	json_int_t p;

	if (!json_is_integer(v))
		return fail(err, field, "must be an integer 1-65535");
	p = json_integer_value(v);
	if (p < 1 || p > 65535)
		return fail(err, field, "must be an integer 1-65535");
	*out = (uint16_t)p;
	return 0;
}

static int parse_ports(const json_t *v, struct rule_match *m,
		       struct rule_err *err)
{
	const json_t *lo, *hi;
	const char *key;
	json_t *val;
	int ret;

	if (!json_is_object(v))
		return fail(err, "ports", "must be an object {\"low\": L, \"high\": H}");
	json_object_foreach((json_t *)v, key, val)
		if (strcmp(key, "low") && strcmp(key, "high"))
			return fail(err, "ports", "unknown key (expected low, high)");
	lo = json_object_get(v, "low");
	hi = json_object_get(v, "high");
	if (!lo)
		return fail(err, "ports.low", "is required");
	ret = parse_port(lo, "ports.low", &m->port_lo, err);
	if (ret)
		return ret;
	m->port_hi = m->port_lo;
	if (hi && !json_is_null(hi)) {
		ret = parse_port(hi, "ports.high", &m->port_hi, err);
		if (ret)
			return ret;
	}
	if (m->port_hi < m->port_lo)
		return fail(err, "ports.high", "is lower than ports.low");
	return 0;
}

static int dup_string(const json_t *v, const char *field, char **out,
		      struct rule_err *err)
{
	const char *s = json_string_value(v);

	if (!s)
		return fail(err, field, "must be a string");
	if (strlen(s) != json_string_length(v))
		return fail(err, field, "must not contain NUL");
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static const char *const known_keys[] = {
	"protocol", "destination", "source", "ports", "action",
	"tproxy_port", "interfaces", "service_id", "service_name", NULL,
};

static int rule_parse(const json_t *obj, struct rule *r, struct rule_err *err,
		      bool match_only)
{
	const json_t *v;
	const char *key, *why;
	json_t *val;
	int ret;

	if (!json_is_object(obj))
		return fail(err, "rule", "must be an object");
	json_object_foreach((json_t *)obj, key, val) {
		int i;

		for (i = 0; known_keys[i]; i++)
			if (!strcmp(key, known_keys[i]))
				break;
		if (!known_keys[i]) {
			/* The key itself is the offending field. */
			err->field = "rule";
			snprintf(err->reason, sizeof(err->reason),
				 "unknown field \"%.64s\"", key);
			return -EINVAL;
		}
	}

	v = json_object_get(obj, "protocol");
	if (!v)
		return fail(err, "protocol", "is required (tcp or udp)");
	if (!json_is_string(v) || (ret = proto_parse(json_string_value(v))) < 0)
		return fail(err, "protocol", "must be tcp or udp");
	r->m.proto = ret;

	v = json_object_get(obj, "destination");
	if (!v)
		return fail(err, "destination", "is required");
	if (!json_is_string(v))
		return fail(err, "destination", "must be a CIDR string");
	if (prefix_parse(json_string_value(v), &r->m.dst, &why))
		return fail(err, "destination", why);

	v = json_object_get(obj, "source");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return fail(err, "source", "must be a CIDR string");
		if (prefix_parse(json_string_value(v), &r->m.src, &why))
			return fail(err, "source", why);
		if (r->m.src.family != r->m.dst.family)
			return fail(err, "source",
				    "address family differs from destination");
	} else {
		r->m.src.family = r->m.dst.family;
		r->m.src.len = 0;
	}

	r->m.port_lo = 1;
	r->m.port_hi = 65535;
	v = json_object_get(obj, "ports");
	if (v && !json_is_null(v) && (ret = parse_ports(v, &r->m, err)))
		return ret;

	v = json_object_get(obj, "interfaces");
	if (v && !json_is_null(v) && (ret = parse_ifaces(v, &r->m, err)))
		return ret;

	v = json_object_get(obj, "service_id");
	if (v && !json_is_null(v) && (ret = dup_string(v, "service_id", &r->service_id, err)))
		return ret;
	v = json_object_get(obj, "service_name");
	if (v && !json_is_null(v) &&
	    (ret = dup_string(v, "service_name", &r->service_name, err)))
		return ret;

	v = json_object_get(obj, "action");
	if (!v || json_is_null(v)) {
		if (match_only)
			return 0;
		return fail(err, "action", "is required (tproxy, pass or deny)");
	}
	if (!json_is_string(v) || (ret = action_parse(json_string_value(v))) < 0)
		return fail(err, "action", "must be tproxy, pass or deny");
	r->action = ret;

	v = json_object_get(obj, "tproxy_port");
	if (r->action == ZFWD_ACT_TPROXY) {
		if (!v || json_is_null(v)) {
			if (match_only)
				return 0;
			return fail(err, "tproxy_port", "is required with action tproxy");
		}
		if ((ret = parse_port(v, "tproxy_port", &r->tproxy_port, err)))
			return ret;
	} else if (v && !json_is_null(v)) {
		return fail(err, "tproxy_port", "only applies to action tproxy");
	}
	return 0;
}

int rule_from_json_opts(const json_t *obj, struct rule *r, struct rule_err *err,
			bool match_only)
{
	int ret;

	memset(r, 0, sizeof(*r));
	err->field = NULL;
	err->reason[0] = '\0';
	ret = rule_parse(obj, r, err, match_only);
	if (ret)
		rule_free(r);
	return ret;
}

int rule_from_json(const json_t *obj, struct rule *r, struct rule_err *err)
{
	return rule_from_json_opts(obj, r, err, false);
}

json_t *rule_to_json(const struct rule *r)
{
	char buf[64];
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "protocol", json_string(proto_name(r->m.proto)));
	prefix_format(&r->m.dst, buf, sizeof(buf));
	json_object_set_new(o, "destination", json_string(buf));
	prefix_format(&r->m.src, buf, sizeof(buf));
	json_object_set_new(o, "source", json_string(buf));
	json_object_set_new(o, "ports", json_pack("{s:i,s:i}", "low", r->m.port_lo,
						  "high", r->m.port_hi));
	if (r->action)
		json_object_set_new(o, "action", json_string(action_name(r->action)));
	if (r->action == ZFWD_ACT_TPROXY)
		json_object_set_new(o, "tproxy_port", json_integer(r->tproxy_port));
	if (r->m.n_ifaces) {
		json_t *a = json_array();

		for (unsigned i = 0; i < r->m.n_ifaces; i++)
			json_array_append_new(a, json_string(r->m.ifaces[i]));
		json_object_set_new(o, "interfaces", a);
	}
	if (r->service_id)
		json_object_set_new(o, "service_id", json_string(r->service_id));
	if (r->service_name)
		json_object_set_new(o, "service_name", json_string(r->service_name));
	return o;
}

void match_free(struct rule_match *m)
{
	free(m->ifaces);
	m->ifaces = NULL;
	m->n_ifaces = 0;
}

int match_copy(struct rule_match *dst, const struct rule_match *src)
{
	*dst = *src;
	dst->ifaces = NULL;
	if (src->n_ifaces) {
		dst->ifaces = malloc((size_t)src->n_ifaces * RULE_IFNAMSIZ);
		if (!dst->ifaces)
			return -ENOMEM;
		memcpy(dst->ifaces, src->ifaces, (size_t)src->n_ifaces * RULE_IFNAMSIZ);
	}
	return 0;
}

void rule_free(struct rule *r)
{
	match_free(&r->m);
	free(r->service_id);
	free(r->service_name);
	r->service_id = NULL;
	r->service_name = NULL;
}

int rule_copy(struct rule *dst, const struct rule *src)
{
	*dst = *src;
	dst->m.ifaces = NULL;
	dst->service_id = NULL;
	dst->service_name = NULL;
	if (match_copy(&dst->m, &src->m))
		goto nomem;
	if (src->service_id && !(dst->service_id = strdup(src->service_id)))
		goto nomem;
	if (src->service_name && !(dst->service_name = strdup(src->service_name)))
		goto nomem;
	return 0;
nomem:
	rule_free(dst);
	return -ENOMEM;
}

uint64_t match_hash(const struct rule_match *m)
{
	uint8_t head[6] = { m->proto, m->dst.family, (uint8_t)(m->port_lo >> 8),
			    (uint8_t)m->port_lo, (uint8_t)(m->port_hi >> 8),
			    (uint8_t)m->port_hi };
	uint64_t h = hash_bytes(head, sizeof(head), 0);

	h = hash_bytes(&m->dst, sizeof(m->dst), h);
	h = hash_bytes(&m->src, sizeof(m->src), h);
	if (m->n_ifaces)
		h = hash_bytes(m->ifaces, (size_t)m->n_ifaces * RULE_IFNAMSIZ, h);
	return h;
}

bool match_eq(const struct rule_match *a, const struct rule_match *b)
{
	return a->proto == b->proto && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi &&
	       !memcmp(&a->dst, &b->dst, sizeof(a->dst)) &&
	       !memcmp(&a->src, &b->src, sizeof(a->src)) &&
	       a->n_ifaces == b->n_ifaces &&
	       (!a->n_ifaces ||
		!memcmp(a->ifaces, b->ifaces, (size_t)a->n_ifaces * RULE_IFNAMSIZ));
}
