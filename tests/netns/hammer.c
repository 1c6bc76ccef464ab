// SPDX-License-Identifier: GPL-2.0-only
/*
 * Many API clients at once against a running zfwd, plus one Monitor that
 * does not read:
 *
 *   hammer SOCKET CLIENTS CALLS
 *
 * Client i (owner hammer-i) makes CALLS calls on one connection: it adds
 * CALLS/2 rules one call each (tcp pass to 10.<hi>.<lo>.<k>/32), then for
 * each rule in turn removes it when k is odd or adds it again when k is
 * even. Every reply must come, and say exactly what the call did (added 1,
 * existing 1, removed 1). Meanwhile the monitor connection sends Monitor
 * with "more" and reads nothing until the clients are done; then it reads,
 * and must soon get an event saying how many it missed (the caller makes
 * the traffic). Prints a summary; exit 0 only if everything held.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static const char *sock_path;
static int n_calls;

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

static int conn_open(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return 0;
}

static int conn_send(struct conn *c, const char *msg)
{
	size_t n = strlen(msg) + 1, off = 0; /* the NUL frames it */

	while (off < n) {
		ssize_t w = send(c->fd, msg + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += w;
	}
	return 0;
}

/* The next message (parsed), or NULL when the connection ended. */
static json_t *conn_read(struct conn *c)
{
	for (;;) {
		char *nul = c->len ? memchr(c->buf, '\0', c->len) : NULL;
		ssize_t n;

		if (nul) {
			size_t mlen = nul - c->buf;
			json_t *j = json_loadb(c->buf, mlen, 0, NULL);

			memmove(c->buf, nul + 1, c->len - mlen - 1);
			c->len -= mlen + 1;
			return j;
		}
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
			if (!c->buf)
				return NULL;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		c->len += n;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct client {
	pthread_t th;
	int id;
	int answered, wrong;
	double max_latency;
	char why[256];
};

/* One call; the reply's parameters[@key] must be 1. */
static int call(struct client *cl, struct conn *c, const char *method, int k, const char *key)
{
	char msg[512];
	double t0 = now();
	json_t *r;
	long long v;

	snprintf(msg, sizeof(msg),
		 "{\"method\":\"io.openziti.zfwd.%s\",\"parameters\":{\"owner\":\"hammer-%d\","
		 "\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.%d.%d.%d/32\","
		 "\"action\":\"pass\"}]}}",
		 method, cl->id, 100 + cl->id / 256, cl->id % 256, k);
	if (conn_send(c, msg)) {
		snprintf(cl->why, sizeof(cl->why), "send failed at call %d", cl->answered);
		return -1;
	}
	r = conn_read(c);
	if (!r) {
		snprintf(cl->why, sizeof(cl->why), "no reply to call %d", cl->answered);
		return -1;
	}
	if (now() - t0 > cl->max_latency)
		cl->max_latency = now() - t0;
	cl->answered++;
	v = json_integer_value(json_object_get(json_object_get(r, "parameters"), key));
	if (json_object_get(r, "error") || v != 1) {
		char *s = json_dumps(r, JSON_COMPACT);

		if (!cl->wrong++)
			snprintf(cl->why, sizeof(cl->why), "%s %d: %s", method, k, s ? s : "?");
		free(s);
	}
	json_decref(r);
	return 0;
}

static void *run_client(void *arg)
{
	struct client *cl = arg;
	int half = n_calls / 2;
	struct conn c;

	if (conn_open(&c)) {
		snprintf(cl->why, sizeof(cl->why), "cannot connect: %s", strerror(errno));
		return NULL;
	}
	for (int k = 0; k < half; k++)
		if (call(cl, &c, "AddRules", k, "added"))
			goto out;
	for (int k = 0; k < half; k++)
		if (call(cl, &c, k % 2 ? "RemoveRules" : "AddRules", k,
			 k % 2 ? "removed" : "existing"))
			goto out;
out:
	close(c.fd);
	free(c.buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct client *cls;
	struct conn mon;
	int n, failed = 0, answered = 0;
	double t0, max_lat = 0, deadline;
	json_t *r;

	if (argc != 4) {
		fprintf(stderr, "usage: hammer SOCKET CLIENTS CALLS\n");
		return 2;
	}
	sock_path = argv[1];
	n = atoi(argv[2]);
	n_calls = atoi(argv[3]);
	cls = calloc(n, sizeof(*cls));
	if (!cls || n < 1 || n_calls < 2)
		return 2;

	/* The monitor: subscribes, reads the first reply, then nothing. */
	if (conn_open(&mon) ||
	    conn_send(&mon, "{\"method\":\"io.openziti.zfwd.Monitor\",\"more\":true}") ||
	    !(r = conn_read(&mon)) || !json_is_true(json_object_get(r, "continues"))) {
		fprintf(stderr, "hammer: the monitor did not start\n");
		return 1;
	}
	json_decref(r);

	t0 = now();
	for (int i = 0; i < n; i++) {
		cls[i].id = i;
		pthread_create(&cls[i].th, NULL, run_client, &cls[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(cls[i].th, NULL);
		answered += cls[i].answered;
		if (cls[i].max_latency > max_lat)
			max_lat = cls[i].max_latency;
		if (cls[i].answered != n_calls || cls[i].wrong) {
			failed++;
			fprintf(stderr, "hammer: client %d: %d of %d answered, %d wrong: %s\n", i,
				cls[i].answered, n_calls, cls[i].wrong, cls[i].why);
		}
	}
	printf("clients %d, calls %d, answered %d, failed clients %d, %.2f s, %.0f calls/s, "
	       "max latency %.1f ms\n",
	       n, n * n_calls, answered, failed, now() - t0, answered / (now() - t0),
	       max_lat * 1e3);

	/* The monitor reads now: the first events are what was queued
	 * before it fell behind; soon one says how many it missed. */
	setsockopt(mon.fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = 5 },
		   sizeof(struct timeval));
	deadline = now() + 10;
	while (now() < deadline && (r = conn_read(&mon))) {
		json_t *m = json_object_get(json_object_get(r, "parameters"), "missed");

		if (json_is_integer(m)) {
			printf("monitor: told it missed %lld events\n",
			       (long long)json_integer_value(m));
			json_decref(r);
			close(mon.fd);
			free(mon.buf);
			free(cls);
			return failed ? 1 : 0;
		}
		json_decref(r);
	}
	fprintf(stderr, "hammer: the monitor was never told what it missed\n");
	close(mon.fd);
	free(mon.buf);
	free(cls);
	return 1;
}
