/* SPDX-License-Identifier: GPL-2.0-only */
/* The one policy-routing rule TPROXY needs, over rtnetlink: packets with
 * zfwd's fwmark look up a table whose only route is `local default dev
 * lo`, so intercepted packets for non-local addresses reach the local
 * stack. IPv4 and IPv6. No per-rule routes. */
#ifndef ZFWD_ROUTE_H
#define ZFWD_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

struct route_cfg {
	uint32_t mark, mask, table, priority;
};

/* Idempotent: what exists already is kept. @quiet: leave the error
 * report to the caller. */
int route_install(const struct route_cfg *rc, bool quiet);
/* Removes both; missing pieces are not an error. */
int route_remove(const struct route_cfg *rc);

#endif
