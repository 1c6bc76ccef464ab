/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A plan: the kernel map operations that take the maps from what the
 * shadow says they hold to what the compiler wants, in an order where
 * every packet sees either the old or the new verdict:
 *
 *   1. new rule slots (counters zeroed), new interface name bits
 *   2. leaves added or changed
 *   3. destination entries added (their leaves are already in place)
 *   4. destination entries removed (packets fall back to a shorter one)
 *   5. leaves removed (nothing reaches them any more)
 *   6. rule slots cleared, interface name bits cleared
 *
 * Each op keeps the value it replaces, so a failed apply is undone in
 * reverse order.
 */
#ifndef ZFWD_PLAN_H
#define ZFWD_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "kbackend.h"
#include "shadow.h"

enum plan_phase {
	PH_SLOTS_NEW,
	PH_LEAF_SET,
	PH_DST_ADD,
	PH_DST_DEL,
	PH_LEAF_DEL,
	PH_SLOTS_OLD,
	PH_COUNT,
};

struct kop {
	uint8_t map;          /* enum kmap_id */
	bool del;
	bool had_old;
	bool reset_stats;     /* zero the slot's counters before writing */
	uint32_t slot;
	unsigned char key[40];
	const void *val;      /* external value (leaves), or NULL */
	const void *old;      /* external old value, or NULL */
	unsigned char inl_val[16];
	unsigned char inl_old[16];
	bool val_inl, old_inl;
};

struct plan {
	struct kop *ops[PH_COUNT];
	size_t n[PH_COUNT], cap[PH_COUNT];
	/* Resulting entry counts per family, for capacity checks. */
	long d_dst[2], d_leaves[2];
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);
size_t plan_size(const struct plan *p);

/* Leaves and destination entry of one node; @s may be NULL. The plan
 * points into @d's and @s's leaves: keep both alive until applied. */
int plan_node(struct plan *p, const struct cnode *d, const struct snode *s);
/* A rule slot write (@val non-NULL) or clear, given what it holds now. */
int plan_rule(struct plan *p, uint32_t slot, const struct zfwd_rule_val *val,
	      const struct zfwd_rule_val *old);
/* An interface entry rewrite (both values present). @late: phase 6. */
int plan_iface(struct plan *p, uint32_t ifindex, const struct zfwd_iface_val *val,
	       const struct zfwd_iface_val *old, bool late);

/* Applies every op in phase order; on failure undoes what was done and
 * returns the error, with *failed naming the op. */
int plan_apply(const struct plan *p, const struct kbackend *kb,
	       const struct kop **failed);
/* Undoes a fully applied plan (a later step failed). */
int plan_undo(const struct plan *p, const struct kbackend *kb);

#endif
