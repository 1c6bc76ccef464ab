/* SPDX-License-Identifier: GPL-2.0-only */
/* A blocking Varlink connection to zfwd, enough for one-shot commands. */
#ifndef ZFWCTL_CLIENT_H
#define ZFWCTL_CLIENT_H

#include <stdbool.h>

#include <jansson.h>

#include "varlink.h"

/* Exit codes, as documented. */
enum { EXIT_OK = 0, EXIT_DAEMON = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

struct conn {
	int fd;
	struct vl_buf in;
};

/* Picks the socket: -s, else $ZFWD_SOCKET, else the default. */
const char *client_socket_path(const char *opt);
int client_connect(struct conn *c, const char *path);
void client_close(struct conn *c);
/* Sends a call (params stolen); @more asks for a stream of replies. */
int client_send(struct conn *c, const char *method, json_t *params, bool more);
/* The next message, or NULL with errno set (ECONNRESET when the daemon
 * closed the connection). */
json_t *client_read(struct conn *c);
/* Sends a call (params stolen) and returns the whole reply message, or
 * NULL with errno set when the connection failed. */
json_t *client_call(struct conn *c, const char *method, json_t *params);
/* Convenience: connect, call, close; prints connection errors and sets
 * *exit_code (0, or 3 when unreachable). */
json_t *client_oneshot(const char *path, const char *method, json_t *params,
		       int *exit_code);
/* Prints a Varlink error reply to stderr in one line; returns EXIT_DAEMON. */
int client_print_error(const json_t *reply);

#endif
