/* SPDX-License-Identifier: GPL-2.0-only */
/* /etc/zfwd/zfwd.conf: JSON, validated whole, every key known. */
#ifndef ZFWD_CONFIG_H
#define ZFWD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct cfg_iface {
	char *name;            /* exact name or fnmatch(3) glob */
	uint8_t role;          /* enum zfwd_role */
	uint8_t default_action; /* ZFWD_ACT_PASS or ZFWD_ACT_DENY */
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
	size_t max_message;
	uint32_t max_clients;
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

#endif
