/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The opt-in metrics listener (metrics_listen): a minimal HTTP/1.1 server
 * on a loopback address for Prometheus to scrape. It answers GET (and
 * HEAD) /metrics with the text GetMetrics returns, closes every connection
 * after its one reply, bounds connections, request size and time, and
 * never blocks the loop.
 */
#ifndef ZFWD_HTTPD_H
#define ZFWD_HTTPD_H

#include <stddef.h>

#include <ev.h>

/* The body for /metrics (malloc'd), or NULL when it cannot be made. */
typedef char *(*httpd_render)(void *ctx);

struct http_conn;

struct httpd {
	struct ev_loop *loop;
	int lfd;
	ev_io accept_io;
	httpd_render render;
	void *ctx;
	struct http_conn *conns;
	size_t n_conns;
	unsigned long served, rejected;
};

/* Listens on @addr ("127.0.0.1:9310", "[::1]:9310"; loopback only). */
int httpd_start(struct httpd *h, struct ev_loop *loop, const char *addr, httpd_render render,
		void *ctx);
void httpd_stop(struct httpd *h);

#endif
