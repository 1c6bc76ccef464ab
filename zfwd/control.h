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
	bool reading;
	bool eof;               /* peer shut its side: leave once answered */
	struct client *next, *prev;
};

/* Called for each well-formed call; reply with control_reply unless the
 * call was oneway. */
typedef void (*control_handler)(void *ctx, struct client *c, struct vl_call *call);

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
	void *handler_ctx;
	/* Counters. */
	unsigned long accepted, refused, dropped_malformed;
};

int control_init(struct control *ctl, struct ev_loop *loop, size_t max_clients,
		 size_t max_message, control_handler h, void *ctx);
/* Binds @path (mode 0660), replacing a stale socket but never a live one. */
int control_listen(struct control *ctl, const char *path);
void control_close(struct control *ctl);
/* Queues a message (stolen) for @c. */
void control_reply(struct client *c, json_t *msg);

#endif
