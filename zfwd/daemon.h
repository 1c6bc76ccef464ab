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

struct daemon {
	struct config cfg;
	char *config_path;
	bool config_defaulted;
	struct engine eng;
	struct dataplane dp;
	struct api api;
	struct control ctl;
	struct ev_loop *loop;
	ev_signal sig_term, sig_int, sig_hup;
	bool state_loaded;
};

/* ifaces.c: attach to every interface the config names that exists now,
 * detach from adopted ones it no longer names. */
int ifaces_sync(struct daemon *d);
/* GetStatus' interfaces list. */
json_t *ifaces_status(struct daemon *d);

#endif
