// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "httpd.h"
#include "log.h"

#define HTTP_MAX_CONNS 16
#define HTTP_MAX_REQUEST 8192
#define HTTP_TIMEOUT 10.0

struct http_conn {
	struct httpd *h;
	int fd;
	ev_io io;
	ev_timer timer;
	char req[HTTP_MAX_REQUEST + 1];
	size_t req_len;
	char *out;
	size_t out_len, out_off;
	struct http_conn *next;
};

static void conn_close(struct http_conn *c)
{
	struct httpd *h = c->h;

	for (struct http_conn **pp = &h->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	h->n_conns--;
	ev_io_stop(h->loop, &c->io);
	ev_timer_stop(h->loop, &c->timer);
	close(c->fd);
	free(c->out);
	free(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	conn_close(w->data);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_conn *c = w->data;

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->out_off += n;
	}
	conn_close(c);
}

/* Queues the whole response; @body may be NULL (HEAD, errors). */
static void respond(struct http_conn *c, const char *status, const char *type,
		    const char *body, size_t body_len, bool head)
{
	char hdr[256];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     status, type, body_len);
	c->out_len = n + (head ? 0 : body_len);
	c->out = malloc(c->out_len);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, hdr, n);
	if (!head && body_len)
		memcpy(c->out + n, body, body_len);
	ev_io_stop(c->h->loop, &c->io);
	ev_io_init(&c->io, on_writable, c->fd, EV_WRITE);
	c->io.data = c;
	ev_io_start(c->h->loop, &c->io);
}

static void error_page(struct http_conn *c, const char *status)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%s\n", status);

	respond(c, status, "text/plain; charset=utf-8", body, n, false);
}

/* The request line and headers are in: answer it. */
static void handle(struct http_conn *c)
{
	char method[16], target[256], version[16];
	bool head;

	if (sscanf(c->req, "%15s %255s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		error_page(c, "400 Bad Request");
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		error_page(c, "405 Method Not Allowed");
		return;
	}
	/* The query string (Prometheus sends none) is ignored. */
	target[strcspn(target, "?")] = '\0';
	if (!strcmp(target, "/metrics")) {
		char *text = c->h->render(c->h->ctx);

		if (!text) {
			error_page(c, "500 Internal Server Error");
			return;
		}
		c->h->served++;
		respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text,
			strlen(text), head);
		free(text);
		return;
	}
	error_page(c, "404 Not Found");
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_conn *c = w->data;
	ssize_t n;

	n = recv(c->fd, c->req + c->req_len, HTTP_MAX_REQUEST - c->req_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->req_len += n;
	c->req[c->req_len] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
		handle(c);
		return;
	}
	if (c->req_len == HTTP_MAX_REQUEST)
		error_page(c, "431 Request Header Fields Too Large");
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct httpd *h = w->data;
	struct http_conn *c;
	int fd;

	fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (h->n_conns >= HTTP_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
		h->rejected++;
		close(fd);
		return;
	}
	c->h = h;
	c->fd = fd;
	ev_io_init(&c->io, on_readable, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_init(&c->timer, on_timeout, HTTP_TIMEOUT, 0);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
	c->next = h->conns;
	h->conns = c;
	h->n_conns++;
}

int httpd_start(struct httpd *h, struct ev_loop *loop, const char *addr, httpd_render render,
		void *ctx)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, err;

	memset(h, 0, sizeof(*h));
	h->lfd = -1;
	if (config_loopback_addr(addr, &ss, &len))
		return -EINVAL;
	h->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd < 0)
		return -errno;
	setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->lfd, (struct sockaddr *)&ss, len) || listen(h->lfd, 16)) {
		err = -errno;
		close(h->lfd);
		h->lfd = -1;
		return err;
	}
	h->loop = loop;
	h->render = render;
	h->ctx = ctx;
	ev_io_init(&h->accept_io, on_accept, h->lfd, EV_READ);
	h->accept_io.data = h;
	ev_io_start(loop, &h->accept_io);
	return 0;
}

void httpd_stop(struct httpd *h)
{
	if (h->lfd < 0 || !h->loop)
		return;
	while (h->conns)
		conn_close(h->conns);
	ev_io_stop(h->loop, &h->accept_io);
	close(h->lfd);
	h->lfd = -1;
}
