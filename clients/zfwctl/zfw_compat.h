/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netfoundry/zfw's command line, as OpenZiti routers and tunnelers run it,
 * turned into zfwd API calls. Pure: argv in, a method and its parameters
 * out, so the unit tests check the translation without a daemon.
 *
 *   zfw -V
 *   zfw -I -c IP -m LEN -p tcp|udp [-o IP -n LEN] -l LOW -h HIGH -t PORT
 *       [-s SERVICE_ID] [-N IFNAME]...
 *   zfw -D -c IP -m LEN -p tcp|udp [-o IP -n LEN] -l LOW -h HIGH [-N IFNAME]...
 *   zfw -F
 *   zfw -L
 *
 * As zfw did: prefixes are masked to their length; -t 0 means pass; an
 * insert of a match the compat owner already holds with another port
 * replaces it. Unlike zfw, each -N adds an interface (zfw kept the last).
 */
#ifndef ZFWCTL_ZFW_COMPAT_H
#define ZFWCTL_ZFW_COMPAT_H

#include <stddef.h>

#include <jansson.h>

#define ZFW_COMPAT_OWNER "zfw-compat"

enum zfw_op {
	ZFW_VERSION,
	ZFW_INSERT,
	ZFW_DELETE,
	ZFW_FLUSH,
	ZFW_LIST,
};

struct zfw_cmd {
	enum zfw_op op;
	const char *method; /* NULL for ZFW_VERSION */
	json_t *params;     /* owned */
};

/* 0 and @cmd, or -EINVAL with a message in @why (a usage error). */
int zfw_translate(int argc, char **argv, struct zfw_cmd *cmd, char *why, size_t why_len);
void zfw_cmd_free(struct zfw_cmd *cmd);

#endif
