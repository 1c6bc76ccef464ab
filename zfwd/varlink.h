/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Varlink framing and message shapes, hand-written on jansson: every
 * message is one JSON object followed by a NUL byte. Shared by zfwd and
 * zfwctl. No I/O here: callers feed bytes in and take messages out.
 */
#ifndef ZFWD_VARLINK_H
#define ZFWD_VARLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct vl_buf {
	char *data;
	size_t len, cap;
	size_t start; /* first unconsumed byte */
	size_t max;   /* largest message, NUL included */
};

void vl_buf_init(struct vl_buf *b, size_t max);
void vl_buf_free(struct vl_buf *b);
/* Room for at least @want more bytes at data+len; -EMSGSIZE past max. */
int vl_buf_reserve(struct vl_buf *b, size_t want, char **where, size_t *room);
void vl_buf_added(struct vl_buf *b, size_t n);
/* 1 and the next message (NUL-terminated, valid until the next call),
 * 0 when incomplete, -EMSGSIZE when a message exceeds max. */
int vl_buf_next(struct vl_buf *b, const char **msg, size_t *len);
size_t vl_buf_pending(const struct vl_buf *b);

struct vl_call {
	const char *method;  /* points into @root */
	json_t *params;      /* borrowed from @root; an empty object if absent */
	bool oneway, more, upgrade;
	json_t *root;        /* owned */
};

/* Parses a call. On failure returns -EINVAL with *err_name and
 * *err_params describing the reply to send (err_name NULL: the message
 * was not even JSON, the connection should close). */
int vl_parse_call(const char *msg, size_t len, struct vl_call *call,
		  const char **err_name, json_t **err_params);
void vl_call_free(struct vl_call *call);

/* Serialises a message, NUL terminator included in *len. Steals @msg. */
char *vl_encode(json_t *msg, size_t *len);
json_t *vl_reply(json_t *params, bool continues);       /* steals params */
json_t *vl_error(const char *name, json_t *params);     /* steals params */
json_t *vl_call_msg(const char *method, json_t *params, bool more); /* steals */

#endif
