// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "rule.h"
#include "zfwd_api.h"
#include "zfwd_maps.h"

const char config_default_json[] = "{\"interfaces\": []}";

static int bad(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool key_in(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (!strcmp(key, *keys))
			return true;
	return false;
}

static int check_keys(json_t *obj, const char *where, const char *const *keys,
		      char *why, size_t n)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
		if (!key_in(key, keys))
			return bad(why, n, "%s: unknown key \"%s\"", where, key);
	return 0;
}

static int get_u32(json_t *obj, const char *key, const char *where, uint32_t lo,
		   uint32_t hi, uint32_t *out, char *why, size_t n)
{
	json_t *v = json_object_get(obj, key);
	json_int_t x;

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return bad(why, n, "%s.%s: must be an integer", where, key);
	x = json_integer_value(v);
	if (x < lo || x > hi)
		return bad(why, n, "%s.%s: must be %u-%u", where, key, lo, hi);
	*out = (uint32_t)x;
	return 0;
}

static int get_path(json_t *obj, const char *key, char **out, char *why, size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_value(v)[0] != '/')
		return bad(why, n, "%s: must be an absolute path", key);
	free(*out);
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

void iface_opts_default(struct iface_opts *o)
{
	o->role = ZFWD_ROLE_INTERNAL;
	o->default_action = ZFWD_ACT_DENY;
	o->icmp_echo = false;
	o->ssh = true;
	o->ipv6 = true;
	o->egress = true;
	o->events = false;
}

static int get_bool(json_t *obj, const char *key, const char *where, bool *out, char *why,
		    size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(why, n, "%s.%s: must be true or false", where, key);
	*out = json_is_true(v);
	return 0;
}

static const char *const opt_keys[] = {
	"role", "default_action", "icmp_echo", "ssh", "ipv6", "egress", "events", NULL,
};

int iface_opts_parse(const json_t *obj_, const char *where, const char *const *extra,
		     struct iface_opts *out, char *why, size_t n)
{
	json_t *obj = (json_t *)obj_, *v;
	const char *key, *s;
	int ret;

	if (!json_is_object(obj))
		return bad(why, n, "%s: must be an object", where);
	json_object_foreach(obj, key, v) {
		if (key_in(key, opt_keys) || (extra && key_in(key, extra)))
			continue;
		return bad(why, n, "%s: unknown key \"%s\"", where, key);
	}
	v = json_object_get(obj, "role");
	if (v) {
		s = json_string_value(v);
		if (s && !strcmp(s, "internal"))
			out->role = ZFWD_ROLE_INTERNAL;
		else if (s && !strcmp(s, "external"))
			out->role = ZFWD_ROLE_EXTERNAL;
		else
			return bad(why, n, "%s.role: must be internal or external", where);
	}
	v = json_object_get(obj, "default_action");
	if (v) {
		s = json_string_value(v);
		if (s && !strcmp(s, "drop"))
			out->default_action = ZFWD_ACT_DENY;
		else if (s && !strcmp(s, "pass"))
			out->default_action = ZFWD_ACT_PASS;
		else
			return bad(why, n, "%s.default_action: must be drop or pass", where);
	}
	if ((ret = get_bool(obj, "icmp_echo", where, &out->icmp_echo, why, n)) ||
	    (ret = get_bool(obj, "ssh", where, &out->ssh, why, n)) ||
	    (ret = get_bool(obj, "ipv6", where, &out->ipv6, why, n)) ||
	    (ret = get_bool(obj, "egress", where, &out->egress, why, n)) ||
	    (ret = get_bool(obj, "events", where, &out->events, why, n)))
		return ret;
	return 0;
}

struct zfwd_iface_val iface_opts_val(const struct iface_opts *o)
{
	struct zfwd_iface_val v = {
		.role = o->role,
		.default_action = o->default_action,
		.flags = (o->icmp_echo ? ZFWD_IF_ICMP_ECHO : 0) | (o->ssh ? ZFWD_IF_SSH : 0) |
			 (o->ipv6 ? ZFWD_IF_IPV6 : 0) | (o->egress ? ZFWD_IF_EGRESS : 0) |
			 (o->events ? ZFWD_IF_EVENTS : 0),
	};

	return v;
}

json_t *iface_opts_json(const struct iface_opts *o)
{
	return json_pack("{s:s,s:s,s:b,s:b,s:b,s:b,s:b}", "role",
			 o->role == ZFWD_ROLE_INTERNAL ? "internal" : "external",
			 "default_action", o->default_action == ZFWD_ACT_PASS ? "pass" : "drop",
			 "icmp_echo", o->icmp_echo, "ssh", o->ssh, "ipv6", o->ipv6,
			 "egress", o->egress, "events", o->events);
}

static int parse_iface(json_t *o, size_t i, struct cfg_iface *ci, char *why,
		       size_t n)
{
	static const char *const extra[] = { "name", NULL };
	char where[48];
	const char *s;
	json_t *v;

	snprintf(where, sizeof(where), "interfaces[%zu]", i);
	if (!json_is_object(o))
		return bad(why, n, "%s: must be an object", where);
	v = json_object_get(o, "name");
	s = json_string_value(v);
	if (!s || !*s || strlen(s) >= RULE_IFNAMSIZ || strchr(s, '/'))
		return bad(why, n, "%s.name: must be an interface name or glob (1-15 characters)",
			   where);
	ci->name = strdup(s);
	if (!ci->name)
		return -ENOMEM;
	iface_opts_default(&ci->opts);
	return iface_opts_parse(o, where, extra, &ci->opts, why, n);
}

static void set_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mark = 0x10000000;
	c->mark_mask = 0x10000000;
	c->route_table = 0x7a;
	c->rule_priority = 0x7a;
	c->lim.rules = 131072;
	c->lim.prefixes = 131072;
	c->lim.leaves = 262144;
	c->ct.tcp_established = 3600;
	c->ct.tcp_transitory = 120;
	c->ct.udp = 30;
	c->ct.icmp = 15;
	c->ct.size = 65536;
	c->max_message = ZFWD_DEFAULT_MAX_MESSAGE;
	c->max_clients = 256;
	c->netlink_rcvbuf = 4u << 20;
	c->idle_timeout = 300;
}

static int parse_root(json_t *root, struct config *c, char *why, size_t n)
{
	static const char *const keys[] = {
		"interfaces", "socket", "pin_root", "state_dir", "tproxy", "limits",
		"conntrack", "api_group", "metrics_listen", NULL,
	};
	static const char *const ckeys[] = {
		"tcp_established", "tcp_transitory", "udp", "icmp", "size", NULL,
	};
	static const char *const tkeys[] = { "mark", "mark_mask", "table", "rule_priority", NULL };
	static const char *const lkeys[] = {
		"rules", "prefixes", "leaves", "max_message", "max_clients", "netlink_rcvbuf",
		"idle_timeout", NULL,
	};
	json_t *v, *o;
	size_t i;
	int ret;

	if (!json_is_object(root))
		return bad(why, n, "top level: must be an object");
	ret = check_keys(root, "top level", keys, why, n);
	if (ret)
		return ret;

	v = json_object_get(root, "interfaces");
	if (v) {
		if (!json_is_array(v))
			return bad(why, n, "interfaces: must be a list");
		c->ifaces = calloc(json_array_size(v) + 1, sizeof(*c->ifaces));
		if (!c->ifaces)
			return -ENOMEM;
		json_array_foreach(v, i, o) {
			ret = parse_iface(o, i, &c->ifaces[i], why, n);
			c->n_ifaces = i + 1;
			if (ret)
				return ret;
		}
	}
	v = json_object_get(root, "api_group");
	if (v) {
		const char *g = json_string_value(v);

		if (!g || !*g || strlen(g) > 32 || strchr(g, ':') || strchr(g, '/'))
			return bad(why, n, "api_group: must be a group name");
		c->api_group = strdup(g);
		if (!c->api_group)
			return -ENOMEM;
	}
	v = json_object_get(root, "metrics_listen");
	if (v && !json_is_null(v)) {
		const char *l = json_string_value(v);

		if (!l || config_loopback_addr(l, NULL, NULL))
			return bad(why, n, "metrics_listen: must be a loopback address and port, "
				   "e.g. 127.0.0.1:9310 or [::1]:9310");
		c->metrics_listen = strdup(l);
		if (!c->metrics_listen)
			return -ENOMEM;
	}
	if ((ret = get_path(root, "socket", &c->socket, why, n)) ||
	    (ret = get_path(root, "pin_root", &c->pin_root, why, n)) ||
	    (ret = get_path(root, "state_dir", &c->state_dir, why, n)))
		return ret;

	o = json_object_get(root, "tproxy");
	if (o) {
		if (!json_is_object(o))
			return bad(why, n, "tproxy: must be an object");
		if ((ret = check_keys(o, "tproxy", tkeys, why, n)) ||
		    (ret = get_u32(o, "mark", "tproxy", 1, UINT32_MAX, &c->mark, why, n)) ||
		    (ret = get_u32(o, "mark_mask", "tproxy", 1, UINT32_MAX, &c->mark_mask, why, n)) ||
		    (ret = get_u32(o, "table", "tproxy", 1, 0xfffffffe, &c->route_table, why, n)) ||
		    (ret = get_u32(o, "rule_priority", "tproxy", 1, 32765, &c->rule_priority, why, n)))
			return ret;
		if ((c->mark & c->mark_mask) != c->mark)
			return bad(why, n, "tproxy.mark: has bits outside tproxy.mark_mask");
	}
	o = json_object_get(root, "conntrack");
	if (o) {
		if (!json_is_object(o))
			return bad(why, n, "conntrack: must be an object");
		if ((ret = check_keys(o, "conntrack", ckeys, why, n)) ||
		    (ret = get_u32(o, "tcp_established", "conntrack", 1, 7 * 86400,
				   &c->ct.tcp_established, why, n)) ||
		    (ret = get_u32(o, "tcp_transitory", "conntrack", 1, 86400,
				   &c->ct.tcp_transitory, why, n)) ||
		    (ret = get_u32(o, "udp", "conntrack", 1, 86400, &c->ct.udp, why, n)) ||
		    (ret = get_u32(o, "icmp", "conntrack", 1, 86400, &c->ct.icmp, why, n)) ||
		    (ret = get_u32(o, "size", "conntrack", 1024, 1u << 24, &c->ct.size, why, n)))
			return ret;
	}
	o = json_object_get(root, "limits");
	if (o) {
		uint32_t msg = (uint32_t)c->max_message;

		if (!json_is_object(o))
			return bad(why, n, "limits: must be an object");
		if ((ret = check_keys(o, "limits", lkeys, why, n)) ||
		    (ret = get_u32(o, "rules", "limits", 1, 1u << 24, &c->lim.rules, why, n)) ||
		    (ret = get_u32(o, "prefixes", "limits", 1, 1u << 24, &c->lim.prefixes, why, n)) ||
		    (ret = get_u32(o, "leaves", "limits", 1, 1u << 25, &c->lim.leaves, why, n)) ||
		    (ret = get_u32(o, "max_message", "limits", 4096, 1u << 30, &msg, why, n)) ||
		    (ret = get_u32(o, "max_clients", "limits", 1, 65536, &c->max_clients, why, n)) ||
		    (ret = get_u32(o, "netlink_rcvbuf", "limits", 4096, 1u << 30,
				   &c->netlink_rcvbuf, why, n)) ||
		    (ret = get_u32(o, "idle_timeout", "limits", 0, 86400, &c->idle_timeout, why,
				   n)))
			return ret;
		c->max_message = msg;
	}
	return 0;
}

int config_parse(const char *text, size_t len, struct config *c, char *why,
		 size_t why_len)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	set_defaults(c);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bad(why, why_len, "line %d column %d: %s", jerr.line, jerr.column,
			   jerr.text);
	ret = parse_root(root, c, why, why_len);
	json_decref(root);
	if (!ret && !c->socket)
		c->socket = strdup(ZFWD_DEFAULT_SOCKET);
	if (!ret && !c->pin_root)
		c->pin_root = strdup(ZFWD_DEFAULT_PIN_ROOT);
	if (!ret && !c->state_dir)
		c->state_dir = strdup(ZFWD_DEFAULT_STATE_DIR);
	if (!ret && !c->api_group)
		c->api_group = strdup("zfwd");
	if (!ret && (!c->socket || !c->pin_root || !c->state_dir || !c->api_group))
		ret = -ENOMEM;
	if (ret)
		config_free(c);
	return ret;
}

int config_load(const char *path, struct config *c, bool *defaulted, char *why,
		size_t why_len)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	int ret;

	*defaulted = false;
	if (!f) {
		if (errno != ENOENT)
			return bad(why, why_len, "%s: %s", path, strerror(errno));
		*defaulted = true;
		return config_parse(config_default_json, strlen(config_default_json), c,
				    why, why_len);
	}
	{
		char buf[8192];
		size_t r;

		while ((r = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *t;

			if (len + r > (1u << 20)) {
				fclose(f);
				free(text);
				return bad(why, why_len, "%s: larger than 1 MiB", path);
			}
			t = realloc(text, len + r);
			if (!t) {
				fclose(f);
				free(text);
				return -ENOMEM;
			}
			text = t;
			memcpy(text + len, buf, r);
			len += r;
		}
	}
	fclose(f);
	ret = config_parse(text ? text : "", len, c, why, why_len);
	free(text);
	return ret;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->n_ifaces; i++)
		free(c->ifaces[i].name);
	free(c->ifaces);
	free(c->socket);
	free(c->pin_root);
	free(c->state_dir);
	free(c->api_group);
	free(c->metrics_listen);
	memset(c, 0, sizeof(*c));
}

int config_loopback_addr(const char *s, struct sockaddr_storage *out, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	size_t hl;
	long port;
	char *end;

	if (!colon || colon == s)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	hl = colon - s;
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &v6.sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr))
			return -EINVAL;
		v6.sin6_port = htons(port);
		if (out) {
			memcpy(out, &v6, sizeof(v6));
			*len = sizeof(v6);
		}
		return 0;
	}
	if (inet_pton(AF_INET, host, &v4.sin_addr) != 1 ||
	    (ntohl(v4.sin_addr.s_addr) >> 24) != 127)
		return -EINVAL;
	v4.sin_port = htons(port);
	if (out) {
		memcpy(out, &v4, sizeof(v4));
		*len = sizeof(v4);
	}
	return 0;
}

const struct cfg_iface *config_match_iface(const struct config *c,
					   const char *ifname)
{
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct cfg_iface *ci = &c->ifaces[i];

		if (!strcmp(ci->name, ifname))
			return ci;
		if (!strcmp(ifname, "lo"))
			continue;
		if (fnmatch(ci->name, ifname, 0) == 0)
			return ci;
	}
	return NULL;
}
