/* SPDX-License-Identifier: GPL-2.0-only */
/* zfwctl: the thin client. One file per command group. */
#ifndef ZFWCTL_H
#define ZFWCTL_H

#include <stdbool.h>

#include <jansson.h>

#include "client.h"

struct ctl {
	const char *socket;
	bool json;
};

/* Calls @method and prints the outcome: with -j the raw reply, else
 * nothing (the caller formats *out). Returns an exit code; *out is the
 * reply parameters on success (caller decrefs). */
int ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **out);

int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_rule_add(struct ctl *ctl, int argc, char **argv);
int cmd_rule_del(struct ctl *ctl, int argc, char **argv);
int cmd_rule_list(struct ctl *ctl, int argc, char **argv);
int cmd_rule_flush(struct ctl *ctl, int argc, char **argv);
int cmd_rule_sync(struct ctl *ctl, int argc, char **argv);
int cmd_rule_validate(struct ctl *ctl, int argc, char **argv);
int cmd_call(struct ctl *ctl, int argc, char **argv);
int cmd_monitor(struct ctl *ctl, int argc, char **argv);
int cmd_metrics(struct ctl *ctl, int argc, char **argv);
int cmd_iface_list(struct ctl *ctl, int argc, char **argv);
int cmd_iface_set(struct ctl *ctl, int argc, char **argv);
/* The interface table shared by status and iface. */
int iface_table(const json_t *ifaces);
/* The rule table shared by rule list and zfw -L. */
int rules_table(const json_t *rules);
/* zfw compatibility: argv as zfw would get it (argv[0] is "zfw"). */
int cmd_zfw(struct ctl *ctl, int argc, char **argv);

#endif
