// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "compile.h"
#include "ref_match.h"

static bool applies(const struct cmatch *cm, const struct fake_pkt *p, const char *ifname,
		    int role)
{
	struct prefix d = { .family = p->family }, s = { .family = p->family };
	unsigned alen = p->family == 4 ? 4 : 16;

	if (!cm->refs || cm->m.proto != p->proto || cm->m.dst.family != p->family)
		return false;
	memcpy(d.addr, p->daddr, alen);
	memcpy(s.addr, p->saddr, alen);
	d.len = s.len = alen * 8;
	if (!prefix_contains(&cm->m.dst, &d) || !prefix_contains(&cm->m.src, &s))
		return false;
	if (p->dport < cm->m.port_lo || p->dport > cm->m.port_hi)
		return false;
	if (!cm->m.n_ifaces)
		return role == ZFWD_ROLE_INTERNAL;
	for (unsigned i = 0; i < cm->m.n_ifaces; i++)
		if (!strcmp(cm->m.ifaces[i], ifname))
			return true;
	return false;
}

int ref_match(const struct ruleset *rs, const struct fake_pkt *p, const char *ifname,
	      int role)
{
	const struct cmatch *best = NULL;
	struct htab_iter it;
	struct hnode *n;

	htab_iter_init(&it, &rs->cmatches);
	while ((n = htab_iter_next(&it))) {
		const struct cmatch *cm = container_of(n, struct cmatch, node);

		if (!applies(cm, p, ifname, role))
			continue;
		if (!best || compile_precedence(cm, best) < 0)
			best = cm;
	}
	return best ? (int)best->slot : -1;
}
