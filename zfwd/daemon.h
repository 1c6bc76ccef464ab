/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's state, one of it per process, grouped by module. */
#ifndef ZFWD_DAEMON_H
#define ZFWD_DAEMON_H

#include <stdbool.h>

#include <ev.h>

#include "api.h"
#include "config.h"
#include "control.h"
#include "dataplane.h"
#include "engine.h"
#include "events.h"
#include "httpd.h"
#include "journal.h"
#include "links.h"
#include "nlwatch.h"
#include "sdnotify.h"

/* Options SetInterface gave a name; they outlive restarts (state file). */
struct override {
	char name[16];
	struct iface_opts opts;
};

struct daemon {
	struct config cfg;
	char *config_path;
	bool config_defaulted;
	struct engine eng;
	struct journal jr;
	struct dataplane dp;
	struct api api;
	struct control ctl;
	struct events ev;
	struct httpd httpd;      /* metrics_listen */
	struct links links;
	struct nlwatch nlw;
	struct override *overrides;
	size_t n_overrides;
	struct ev_loop *loop;
	ev_signal sig_term, sig_int, sig_hup;
	struct sdnotify sdn;
	ev_timer heartbeat;      /* WATCHDOG=1 and STATUS= to systemd */
	char last_status[160];
	bool socket_activated;
	bool route_installed;   /* the fwmark rule and local route */
};

/* main.c: records the state: the open rules transaction as a journal
 * line, or (outside one) a snapshot with the interface options. */
int daemon_persist(struct daemon *d);
/* main.c: installs the TPROXY policy route if it is not yet; quiet
 * retries are for when lo was down. */
void daemon_route(struct daemon *d, bool quiet);

/* ifaces.c */
void ifaces_init(struct daemon *d);
/* After the first dump: drop map entries of interfaces an earlier run
 * managed and this one does not. */
void ifaces_drop_stale(struct daemon *d);
/* Managed interfaces (all, or the one named) as ListInterfaces shows them. */
json_t *ifaces_list(struct daemon *d, const char *name);
/* SetInterface: merge @opts into the name's options (or drop its own
 * with @reset), persist, apply. */
int ifaces_set(struct daemon *d, const char *name, const json_t *opts, bool reset,
	       struct zerr *err);
json_t *ifaces_state_json(struct daemon *d);
int ifaces_state_load(struct daemon *d, const json_t *obj, char *why, size_t n);

#endif
