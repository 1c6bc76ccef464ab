/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rule store: every owner's rules (entries), the distinct matches they
 * compile to (cmatches, one kernel rule slot each), the destination prefix
 * nodes those matches hang from (pnodes), slot and interface-name bit
 * allocation. Plain C: no kernel, no I/O.
 *
 * Changes happen inside a transaction that records how to undo itself:
 * ruleset_begin, any number of ruleset_add / ruleset_remove_entry,
 * ruleset_finalize (allocates slots and name bits, lists the matches that
 * appear and disappear), then ruleset_commit or ruleset_abort.
 */
#ifndef ZFWD_RULESET_H
#define ZFWD_RULESET_H

#include <stdbool.h>
#include <stdint.h>

#include "htab.h"
#include "rule.h"

struct pnode;

struct cmatch {
	struct hnode node;      /* ruleset.cmatches, by match */
	struct rule_match m;
	uint8_t action;
	uint16_t tproxy_port;
	uint32_t slot;          /* valid once finalized */
	uint32_t refs;          /* entries holding it */
	uint32_t refs_before;   /* at ruleset_begin, for abort */
	bool touched;           /* in txn.touched */
	bool created;           /* created by the open transaction */
	struct pnode *pn;
	struct entry *holders;  /* linked entries, through entry.cm_next */
};

/* One distinct (family, protocol, destination prefix) with the matches
 * that have exactly this destination. */
struct pnode {
	struct hnode node;
	uint8_t proto;
	struct prefix dst;
	struct cmatch **cms;
	uint32_t n, cap;
	bool created;
};

struct entry {
	struct hnode node;      /* ruleset.entries, by (owner, match, service) */
	char *owner;
	struct rule r;
	struct cmatch *cm;
	struct entry *cm_next, *cm_prev;
	uint64_t seq;           /* creation order, for stable listing */
	bool linked;
	bool fresh;             /* added by the open transaction */
	/* Its line of the state file, made once: an entry never changes. */
	char *state_text;
	size_t state_len;
};

struct namebit {
	struct hnode node;
	char name[RULE_IFNAMSIZ];
	int bit;                /* -1 until finalized */
	uint32_t refs;
	uint32_t refs_before;
	bool touched;
};

struct rs_vec {
	void **v;
	size_t n, cap;
};

struct ruleset {
	struct htab entries;
	struct htab cmatches;
	struct htab pnodes;
	struct htab names;
	uint32_t max_rules;     /* entries and slots */
	uint32_t n_entries;
	uint32_t n_cmatches;    /* live */
	uint64_t next_seq;
	/* FIFO of free slots: a freed slot is reused last, so a packet that
	 * still holds an old leaf is unlikely to meet a new rule there. */
	uint32_t *freeq;
	uint32_t fq_head, fq_len;
	/* The live match holding each slot (for events naming a slot). */
	struct cmatch **by_slot;
	uint64_t name_bits_used;
	/* Prefix lengths in use per (family, proto), to probe ancestors. */
	uint32_t len_count[2][2][129];

	/* The open transaction. */
	bool in_txn;
	bool claimed;            /* slots or name bits claimed (state load) */
	uint64_t seq_before;
	struct rs_vec added;     /* entries */
	struct rs_vec removed;   /* entries */
	struct rs_vec touched;   /* cmatches */
	struct rs_vec tnames;    /* namebits */
	struct rs_vec new_pnodes;
	/* Filled by ruleset_finalize. */
	struct rs_vec new_cms;
	struct rs_vec dead_cms;
	struct rs_vec new_names;
	struct rs_vec dead_names;
};

/* Outcome of ruleset_add for one rule. */
enum rs_add_result {
	RS_ADDED = 0,
	RS_EXISTS = 1,     /* same owner, match, service and action: no-op */
};

int ruleset_init(struct ruleset *rs, uint32_t max_rules);
void ruleset_free(struct ruleset *rs);

void ruleset_begin(struct ruleset *rs);
/* Takes ownership of @r on RS_ADDED; the caller keeps it otherwise.
 * On -EEXIST (conflict) *conflict_owner names a holder. @seq is used when
 * non-zero (state load), else the next sequence number. */
int ruleset_add(struct ruleset *rs, const char *owner, struct rule *r,
		uint64_t seq, const char **conflict_owner);
int ruleset_remove_entry(struct ruleset *rs, struct entry *e);
/* Allocates slots and name bits; returns -ENOSPC naming the limit. */
int ruleset_finalize(struct ruleset *rs, const char **limit);
void ruleset_commit(struct ruleset *rs);
void ruleset_abort(struct ruleset *rs);

/* State load only, into an empty ruleset: the slot a new match had. */
int ruleset_claim_slot(struct ruleset *rs, struct cmatch *cm, uint32_t slot);
int ruleset_claim_name_bit(struct ruleset *rs, const char *name, int bit);

/* The live match in @slot, or NULL. */
const struct cmatch *ruleset_by_slot(const struct ruleset *rs, uint32_t slot);
struct entry *ruleset_find_entry(const struct ruleset *rs, const char *owner,
				 const struct rule_match *m, const char *service_id);
struct cmatch *ruleset_find_cmatch(const struct ruleset *rs,
				   const struct rule_match *m);
struct pnode *ruleset_find_pnode(const struct ruleset *rs, uint8_t proto,
				 const struct prefix *dst);
/* Bit of an interface name that rules reference, or -1. */
int ruleset_name_bit(const struct ruleset *rs, const char *name);
uint64_t ruleset_iface_mask(const struct ruleset *rs, const struct cmatch *cm);

/* Entries sorted by sequence number; caller frees the array. */
struct entry **ruleset_entries_sorted(const struct ruleset *rs, size_t *n);

int rs_vec_push(struct rs_vec *v, void *p);

static inline int fam_idx(uint8_t family)
{
	return family == 6;
}

static inline int proto_idx(uint8_t proto)
{
	return proto == 17; /* IPPROTO_UDP */
}

#endif
