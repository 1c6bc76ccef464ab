/* SPDX-License-Identifier: GPL-2.0-only */
/* The rule semantics written the slow, obvious way: look at every live
 * match, keep those that apply, take the first in precedence order. The
 * compiled data plane must always agree with this. */
#ifndef ZFWD_REF_MATCH_H
#define ZFWD_REF_MATCH_H

#include "fake_kernel.h"
#include "ruleset.h"

/* @ifname/@role describe the interface the packet arrived on. Returns
 * the winning match's slot, or -1. */
int ref_match(const struct ruleset *rs, const struct fake_pkt *p, const char *ifname,
	      int role);

#endif
