/* SPDX-License-Identifier: GPL-2.0-only */
/* The rule model: what a rule is, how it is read from and written to
 * JSON, and which rules are "the same match". Plain C, no kernel. */
#ifndef ZFWD_RULE_H
#define ZFWD_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define RULE_IFNAMSIZ 16
#define RULE_MAX_IFACES 64
#define OWNER_MAX_LEN 64

struct prefix {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t addr[16]; /* network order; bytes past the family's size are 0 */
};

/* What a packet must look like for the rule to apply. Two rules with
 * equal matches are the same rule for removal and conflicts. */
struct rule_match {
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port_lo, port_hi;
	struct prefix dst, src;
	uint16_t n_ifaces;
	char (*ifaces)[RULE_IFNAMSIZ]; /* sorted, unique; NULL when none */
};

struct rule {
	struct rule_match m;
	uint8_t action;       /* enum zfwd_action */
	uint16_t tproxy_port; /* host order; 0 unless action is tproxy */
	char *service_id;     /* optional */
	char *service_name;   /* optional */
};

/* Parse error: which field, and why. */
struct rule_err {
	const char *field;
	char reason[160];
};

int prefix_parse(const char *s, struct prefix *p, const char **why);
/* Writes "addr/len" into buf (at least 64 bytes). */
void prefix_format(const struct prefix *p, char *buf, size_t size);
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);
void prefix_mask(struct prefix *p, unsigned len);
int prefix_max_len(const struct prefix *p);

/* Reads one rule object; on error fills @err and returns -EINVAL. */
int rule_from_json(const json_t *obj, struct rule *r, struct rule_err *err);
/* When @match_only, action/tproxy_port/service fields may be absent and
 * are not checked against each other (removal by match). */
int rule_from_json_opts(const json_t *obj, struct rule *r, struct rule_err *err,
			bool match_only);
json_t *rule_to_json(const struct rule *r);
void rule_free(struct rule *r);
int rule_copy(struct rule *dst, const struct rule *src);

uint64_t match_hash(const struct rule_match *m);
bool match_eq(const struct rule_match *a, const struct rule_match *b);
int match_copy(struct rule_match *dst, const struct rule_match *src);
void match_free(struct rule_match *m);

bool owner_valid(const char *owner);
bool ifname_valid(const char *name);

const char *action_name(int action);
int action_parse(const char *s);
const char *proto_name(int proto);
int proto_parse(const char *s);

#endif
