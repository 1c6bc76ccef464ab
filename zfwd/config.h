/* SPDX-License-Identifier: GPL-2.0-only */
/* /etc/zfwd/zfwd.conf: JSON, validated whole, every key known. */
#ifndef ZFWD_CONFIG_H
#define ZFWD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sys/socket.h>

#include "engine.h"

/* Per-interface options; the config's, possibly overridden at run time. */
struct iface_opts {
	uint8_t role;           /* enum zfwd_role */
	uint8_t default_action; /* ZFWD_ACT_PASS or ZFWD_ACT_DENY */
	bool icmp_echo;         /* admit echo requests (default off) */
	bool ssh;               /* admit tcp/22 to own addresses (default on) */
	bool ipv6;              /* allow IPv6 at all (default on) */
	bool egress;            /* track flows leaving (default on) */
	bool events;            /* per-packet events even with no monitor */
};

struct cfg_iface {
	char *name;            /* exact name or fnmatch(3) glob */
	struct iface_opts opts;
};

/* Flow tracking: idle timeouts (seconds) and table size. */
struct ct_cfg {
	uint32_t tcp_established, tcp_transitory, udp, icmp;
	uint32_t size;
};

struct config {
	struct cfg_iface *ifaces;
	size_t n_ifaces;
	char *socket;
	char *pin_root;
	char *state_dir;
	uint32_t mark, mark_mask;  /* fwmark for intercepted packets */
	uint32_t route_table;      /* table holding `local default dev lo` */
	uint32_t rule_priority;    /* of the fwmark policy rule */
	struct engine_limits lim;
	struct ct_cfg ct;
	size_t max_message;
	uint32_t max_clients;
	uint32_t netlink_rcvbuf;   /* bytes; bursts beyond it cost a re-dump */
	uint32_t idle_timeout;     /* seconds a silent client may stay; 0: no limit */
	char *api_group;           /* members may change rules (besides root) */
	char *metrics_listen;      /* "127.0.0.1:9310": HTTP /metrics; NULL: off */
};

/* The configuration used when no file exists: manages no interface. */
extern const char config_default_json[];

/* Parses @text (@len bytes); on error returns -EINVAL with a message in
 * @why naming the offending key. */
int config_parse(const char *text, size_t len, struct config *c, char *why,
		 size_t why_len);
/* Reads @path; a missing file yields the embedded default (*defaulted). */
int config_load(const char *path, struct config *c, bool *defaulted, char *why,
		size_t why_len);
void config_free(struct config *c);
/* The first interface entry that @ifname matches, or NULL. A glob never
 * matches "lo": only an entry naming it exactly does. */
const struct cfg_iface *config_match_iface(const struct config *c,
					   const char *ifname);
void iface_opts_default(struct iface_opts *o);
/* "127.0.0.1:PORT" or "[::1]:PORT" (any 127/8 address): 0 and the
 * address (when @out), or -EINVAL for anything that is not loopback. */
int config_loopback_addr(const char *s, struct sockaddr_storage *out, socklen_t *len);
/* Reads option keys of @o (role, default_action, icmp_echo, ssh, ipv6,
 * egress) from @obj into @out; other keys are left to the caller, who
 * passes the ones allowed besides in @extra (NULL-terminated). */
int iface_opts_parse(const json_t *obj, const char *where, const char *const *extra,
		     struct iface_opts *out, char *why, size_t why_len);
/* The options as JSON (an object with all six keys). */
json_t *iface_opts_json(const struct iface_opts *o);
/* The interface map entry's settings for these options. */
struct zfwd_iface_val iface_opts_val(const struct iface_opts *o);

#endif
