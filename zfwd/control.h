/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: a SOCK_STREAM Unix socket served from the libev
 * loop. Reads NUL-framed Varlink calls, hands each to a handler, queues
 * replies. A client that does not read its replies stops being read from
 * (its buffer is bounded); one that sends garbage is disconnected.
 */
#ifndef ZFWD_CONTROL_H
#define ZFWD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <ev.h>
#include <jansson.h>

#include "varlink.h"

struct control;

struct client {
	struct control *ctl;
	int fd;
	ev_io rio, wio;
	struct vl_buf in;
	char *out;
	size_t out_len, out_off, out_cap;
	struct ucred cred;
	bool can_write;         /* root, or a member of the API group */
	bool denial_logged;     /* refusals are logged once per connection */
	bool streaming;         /* a Monitor stream: never idle */
	ev_timer idle;
	void *sub;              /* the daemon's per-connection state (monitor) */
	bool reading;
	bool eof;               /* peer shut its side: leave once answered */
	struct client *next, *prev;
};

/* Called for each well-formed call; reply with control_reply unless the
 * call was oneway. */
typedef void (*control_handler)(void *ctx, struct client *c, struct vl_call *call);
/* Called as a client goes, to drop what the daemon holds for it. */
typedef void (*control_close_fn)(void *ctx, struct client *c);

struct control {
	struct ev_loop *loop;
	int lfd;
	bool own_path;          /* we bound it: unlink on close */
	char *path;
	ev_io accept_io;
	ev_timer accept_retry;  /* accept paused after EMFILE */
	struct client *clients;
	size_t n_clients, max_clients, max_message;
	control_handler handler;
	control_close_fn on_close;
	void *handler_ctx;
	gid_t write_gid;        /* (gid_t)-1: only root may change rules */
	double idle_timeout;    /* seconds; 0: never */
	/* Counters. */
	unsigned long accepted, refused, dropped_malformed, idle_closed;
};

int control_init(struct control *ctl, struct ev_loop *loop, size_t max_clients,
		 size_t max_message, control_handler h, void *ctx);
/* Who may change rules (besides root), and how long a client may be
 * silent. */
void control_set_access(struct control *ctl, gid_t write_gid, double idle_timeout);
/* Bytes queued for @c that it has not read yet. */
size_t control_backlog(const struct client *c);
/* Binds @path (mode 0660), replacing a stale socket but never a live one. */
int control_listen(struct control *ctl, const char *path);
/* Serves a listening socket handed over by the service manager
 * (LISTEN_FDS); its file stays when zfwd stops. */
int control_adopt(struct control *ctl, int fd);
void control_close(struct control *ctl);
/* Queues a message (stolen) for @c. */
void control_reply(struct client *c, json_t *msg);

#endif
