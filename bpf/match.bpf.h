/* SPDX-License-Identifier: GPL-2.0-only */
/* Rule lookup: one destination LPM lookup; a source LPM lookup in that
 * destination's namespace only when rules there name sources; then at
 * most ZFWD_MAX_CANDIDATES candidates already sorted by precedence.
 * Nothing here depends on the rule count. */
#ifndef ZFWD_MATCH_BPF_H
#define ZFWD_MATCH_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

struct match {
	const struct zfwd_rule_val *rule;
	__u32 slot;
};

static __always_inline __be32 mask_word(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return bpf_htonl(0xffffffffu << (32 - bits));
}

static __always_inline const struct zfwd_leaf *find_leaf(const struct pkt *p)
{
	const struct zfwd_dst_val *dv;
	const struct zfwd_leaf *leaf;

	if (p->family == 4) {
		struct zfwd_dst4_key dk = {
			.prefixlen = ZFWD_DST_KEY_FIXED_BITS + 32,
			.proto = p->proto,
			.addr = p->daddr[0],
		};
		struct zfwd_src4_key sk = {
			.prefixlen = ZFWD_SRC4_KEY_FIXED_BITS + 32,
			.proto = p->proto,
			.saddr = p->saddr[0],
		};

		dv = bpf_map_lookup_elem(&zfwd_dst4, &dk);
		if (!dv || dv->dlen > 32)
			return NULL;
		if (!(dv->flags & ZFWD_DST_SRC_TRIE))
			return &dv->any;
		sk.dlen = dv->dlen;
		sk.daddr = p->daddr[0] & mask_word(dv->dlen);
		leaf = bpf_map_lookup_elem(&zfwd_src4, &sk);
	} else {
		struct zfwd_dst6_key dk = {
			.prefixlen = ZFWD_DST_KEY_FIXED_BITS + 128,
			.proto = p->proto,
		};
		struct zfwd_src6_key sk = {
			.prefixlen = ZFWD_SRC6_KEY_FIXED_BITS + 128,
			.proto = p->proto,
		};
		int dlen;

		__builtin_memcpy(dk.addr, p->daddr, 16);
		dv = bpf_map_lookup_elem(&zfwd_dst6, &dk);
		if (!dv || dv->dlen > 128)
			return NULL;
		if (!(dv->flags & ZFWD_DST_SRC_TRIE))
			return &dv->any;
		dlen = dv->dlen;
		sk.dlen = dlen;
		sk.daddr[0] = p->daddr[0] & mask_word(dlen);
		sk.daddr[1] = p->daddr[1] & mask_word(dlen - 32);
		sk.daddr[2] = p->daddr[2] & mask_word(dlen - 64);
		sk.daddr[3] = p->daddr[3] & mask_word(dlen - 96);
		__builtin_memcpy(sk.saddr, p->saddr, 16);
		leaf = bpf_map_lookup_elem(&zfwd_src6, &sk);
	}
	/* No source-specific leaf covers this source: rules of any source. */
	return leaf ? leaf : &dv->any;
}

static __always_inline int iface_allows(const struct zfwd_rule_val *r,
					const struct zfwd_iface_val *ifc)
{
	if (r->iface_mask & ifc->name_mask)
		return 1;
	return (r->flags & ZFWD_RF_ANY_INTERNAL) &&
	       ifc->role == ZFWD_ROLE_INTERNAL;
}

static __always_inline int match_rule(const struct pkt *p,
				      const struct zfwd_iface_val *ifc,
				      struct match *m)
{
	const struct zfwd_leaf *leaf = find_leaf(p);
	__u16 port = bpf_ntohs(p->dport);
	__u32 i, n;

	if (!leaf)
		return 0;
	n = leaf->count;
	for (i = 0; i < ZFWD_MAX_CANDIDATES; i++) {
		const struct zfwd_cand *c = &leaf->cand[i];
		const struct zfwd_rule_val *r;
		__u32 slot;

		if (i >= n)
			break;
		if (port < c->port_lo || port > c->port_hi)
			continue;
		slot = c->slot;
		r = bpf_map_lookup_elem(&zfwd_rules, &slot);
		if (!r || r->action == ZFWD_ACT_NONE || !iface_allows(r, ifc))
			continue;
		m->rule = r;
		m->slot = slot;
		return 1;
	}
	return 0;
}

#endif /* ZFWD_MATCH_BPF_H */
