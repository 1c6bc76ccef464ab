// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "zfwd_api.h"

#define CLIENT_MAX_MESSAGE (256u << 20)

const char *client_socket_path(const char *opt)
{
	const char *env = getenv(ZFWD_SOCKET_ENV);

	if (opt)
		return opt;
	if (env && *env)
		return env;
	return ZFWD_DEFAULT_SOCKET;
}

int client_connect(struct conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		errno = e;
		return -1;
	}
	vl_buf_init(&c->in, CLIENT_MAX_MESSAGE);
	return 0;
}

void client_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	vl_buf_free(&c->in);
	c->fd = -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int client_send(struct conn *c, const char *method, json_t *params, bool more)
{
	size_t len;
	char *s = vl_encode(vl_call_msg(method, params, more), &len);
	int r;

	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	r = send_all(c->fd, s, len);
	free(s);
	return r;
}

json_t *client_read(struct conn *c)
{
	const char *msg;
	json_error_t jerr;
	size_t len;
	json_t *j;
	int r;

	while ((r = vl_buf_next(&c->in, &msg, &len)) == 0) {
		char *where;
		size_t room;
		ssize_t n;

		if (vl_buf_reserve(&c->in, 65536, &where, &room)) {
			errno = EMSGSIZE;
			return NULL;
		}
		n = recv(c->fd, where, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return NULL;
		}
		vl_buf_added(&c->in, n);
	}
	if (r < 0) {
		errno = EMSGSIZE;
		return NULL;
	}
	j = json_loadb(msg, len, 0, &jerr);
	if (!j)
		errno = EPROTO;
	return j;
}

json_t *client_call(struct conn *c, const char *method, json_t *params)
{
	if (client_send(c, method, params, false))
		return NULL;
	return client_read(c);
}

json_t *client_oneshot(const char *path, const char *method, json_t *params,
		       int *exit_code)
{
	struct conn c;
	json_t *reply;

	*exit_code = EXIT_OK;
	if (client_connect(&c, path)) {
		fprintf(stderr, "zfwctl: cannot reach zfwd at %s: %s\n", path, strerror(errno));
		json_decref(params);
		*exit_code = EXIT_UNREACHABLE;
		return NULL;
	}
	reply = client_call(&c, method, params);
	if (!reply) {
		fprintf(stderr, "zfwctl: %s: connection lost: %s\n", path, strerror(errno));
		*exit_code = EXIT_UNREACHABLE;
	}
	client_close(&c);
	return reply;
}

int client_print_error(const json_t *reply)
{
	const char *name = json_string_value(json_object_get(reply, "error"));
	json_t *p = json_object_get(reply, "parameters");
	const char *reason = json_string_value(json_object_get(p, "reason"));
	json_t *index = json_object_get(p, "index");
	const char *field = json_string_value(json_object_get(p, "field"));
	const char *param = json_string_value(json_object_get(p, "parameter"));
	const char *owner = json_string_value(json_object_get(p, "owner"));
	const char *limit = json_string_value(json_object_get(p, "limit"));

	fprintf(stderr, "zfwctl: %s", name ? name : "unknown error");
	if (json_is_integer(index))
		fprintf(stderr, ": rule %lld", (long long)json_integer_value(index));
	if (field)
		fprintf(stderr, ", field %s", field);
	if (param)
		fprintf(stderr, ": parameter %s", param);
	if (limit)
		fprintf(stderr, ": limit %s", limit);
	if (owner && !reason)
		fprintf(stderr, ": owner %s", owner);
	if (reason)
		fprintf(stderr, ": %s", reason);
	fputc('\n', stderr);
	return EXIT_DAEMON;
}
