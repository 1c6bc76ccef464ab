// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define ACCEPT_RETRY_SECONDS 1.0

static void client_free(struct client *c)
{
	struct control *ctl = c->ctl;

	if (ctl->on_close)
		ctl->on_close(ctl->handler_ctx, c);
	ev_io_stop(ctl->loop, &c->rio);
	ev_io_stop(ctl->loop, &c->wio);
	ev_timer_stop(ctl->loop, &c->idle);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ctl->n_clients--;
	vl_buf_free(&c->in);
	free(c->out);
	free(c);
	/* A slot is free again: resume accepting if we had stopped. */
	if (ctl->lfd >= 0 && !ev_is_active(&ctl->accept_io) &&
	    !ev_is_active(&ctl->accept_retry))
		ev_io_start(ctl->loop, &ctl->accept_io);
}

/* Stop reading while a reply backlog of this size is pending. */
static size_t out_limit(const struct control *ctl)
{
	return ctl->max_message * 2;
}

static void update_watchers(struct client *c)
{
	struct control *ctl = c->ctl;
	bool want_read = !c->eof && c->out_len - c->out_off < out_limit(ctl);

	if (c->out_len > c->out_off)
		ev_io_start(ctl->loop, &c->wio);
	else
		ev_io_stop(ctl->loop, &c->wio);
	if (want_read && !c->reading)
		ev_io_start(ctl->loop, &c->rio);
	else if (!want_read && c->reading)
		ev_io_stop(ctl->loop, &c->rio);
	c->reading = want_read;
}

/* Returns -1 when the client was freed. */
static int flush_out(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			client_free(c);
			return -1;
		}
		c->out_off += n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->eof) {
			client_free(c);
			return -1;
		}
	}
	update_watchers(c);
	return 0;
}

void control_reply(struct client *c, json_t *msg)
{
	size_t len;
	char *s = vl_encode(msg, &len);

	if (!s) {
		log_err("cannot encode a reply");
		return;
	}
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *o;

		/* Compact before growing. */
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (cap < c->out_len + len)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o) {
			free(s);
			log_err("out of memory queueing a reply: dropping client");
			shutdown(c->fd, SHUT_RDWR);
			return;
		}
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, len);
	c->out_len += len;
	free(s);
	/* Replies queued outside a call (Monitor events) go out when the
	 * socket is writable. */
	update_watchers(c);
}

static int process(struct client *c);

static bool backlogged(const struct client *c)
{
	return c->out_len - c->out_off >= out_limit(c->ctl);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;

	if (flush_out(c) < 0)
		return;
	/* The backlog drained: calls that waited in the buffer run now. */
	if (!backlogged(c) && vl_buf_pending(&c->in))
		process(c);
}

/* Runs every complete message in the buffer. -1: client freed. */
static int process(struct client *c)
{
	const char *msg;
	size_t len;
	int r;

	r = 0;
	while (!backlogged(c) && (r = vl_buf_next(&c->in, &msg, &len)) == 1) {
		const char *err_name;
		json_t *err_params;
		struct vl_call call;

		if (vl_parse_call(msg, len, &call, &err_name, &err_params)) {
			vl_call_free(&call);
			if (!err_name) {
				/* Not a JSON object: the stream cannot be trusted. */
				c->ctl->dropped_malformed++;
				log_info("uid %u sent a malformed message: disconnecting",
					 c->cred.uid);
				client_free(c);
				return -1;
			}
			control_reply(c, vl_error(err_name, err_params));
			continue;
		}
		c->ctl->handler(c->ctl->handler_ctx, c, &call);
		vl_call_free(&call);
	}
	if (r == -EMSGSIZE) {
		c->ctl->dropped_malformed++;
		log_info("uid %u sent a message over %zu bytes: disconnecting", c->cred.uid,
			 c->ctl->max_message);
		client_free(c);
		return -1;
	}
	return flush_out(c);
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;

	if (c->ctl->idle_timeout > 0)
		ev_timer_again(loop, &c->idle);
	for (;;) {
		char *where;
		size_t room;
		ssize_t n;
		int err = vl_buf_reserve(&c->in, 65536, &where, &room);

		if (err == -EMSGSIZE && vl_buf_pending(&c->in) == 0)
			err = 0;
		if (err) {
			c->ctl->dropped_malformed++;
			log_info("uid %u: message over %zu bytes: disconnecting", c->cred.uid,
				 c->ctl->max_message);
			client_free(c);
			return;
		}
		n = recv(c->fd, where, room, MSG_DONTWAIT);
		if (n == 0) {
			/* Peer closed its side: answer what is already here,
			 * then go once the replies are out. */
			c->eof = true;
			process(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			client_free(c);
			return;
		}
		vl_buf_added(&c->in, n);
		if (process(c) < 0 || !c->reading)
			return;
	}
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;

	if (c->streaming)
		return; /* waiting for events is not idleness; stays armed */
	c->ctl->idle_closed++;
	log_debug("uid %u: idle for %.0fs: disconnecting", c->cred.uid, c->ctl->idle_timeout);
	client_free(c);
}

size_t control_backlog(const struct client *c)
{
	return c->out_len - c->out_off;
}

void control_set_access(struct control *ctl, gid_t write_gid, double idle_timeout)
{
	ctl->write_gid = write_gid;
	ctl->idle_timeout = idle_timeout;
}

/* Root, or the API group as primary or supplementary group. */
static bool may_write(const struct control *ctl, int fd, const struct ucred *cred)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (cred->uid == 0)
		return true;
	if (ctl->write_gid == (gid_t)-1)
		return false;
	if (cred->gid == ctl->write_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false; /* more than 256 groups, or unknown: read only */
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == ctl->write_gid)
			return true;
	return false;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *ctl = w->data;

	for (;;) {
		socklen_t len = sizeof(struct ucred);
		struct client *c;
		int fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				log_warn("accept: %s: pausing for %.0fs", strerror(errno),
					 ACCEPT_RETRY_SECONDS);
				ev_io_stop(loop, &ctl->accept_io);
				ev_timer_set(&ctl->accept_retry, ACCEPT_RETRY_SECONDS, 0);
				ev_timer_start(loop, &ctl->accept_retry);
			}
			return;
		}
		if (ctl->n_clients >= ctl->max_clients) {
			ctl->refused++;
			close(fd);
			ev_io_stop(loop, &ctl->accept_io);
			log_warn("%zu clients connected: not accepting more for now",
				 ctl->n_clients);
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->ctl = ctl;
		c->fd = fd;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len)) {
			c->cred.uid = (uid_t)-1;
			c->cred.gid = (gid_t)-1;
		}
		c->can_write = may_write(ctl, fd, &c->cred);
		vl_buf_init(&c->in, ctl->max_message);
		ev_io_init(&c->rio, on_read, fd, EV_READ);
		ev_io_init(&c->wio, on_write, fd, EV_WRITE);
		c->rio.data = c->wio.data = c;
		ev_init(&c->idle, on_idle);
		c->idle.data = c;
		if (ctl->idle_timeout > 0) {
			c->idle.repeat = ctl->idle_timeout;
			ev_timer_again(loop, &c->idle);
		}
		c->next = ctl->clients;
		if (ctl->clients)
			ctl->clients->prev = c;
		ctl->clients = c;
		ctl->n_clients++;
		ctl->accepted++;
		ev_io_start(loop, &c->rio);
		c->reading = true;
	}
}

static void on_accept_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control *ctl = w->data;

	ev_io_start(loop, &ctl->accept_io);
}

int control_init(struct control *ctl, struct ev_loop *loop, size_t max_clients,
		 size_t max_message, control_handler h, void *ctx)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->loop = loop;
	ctl->lfd = -1;
	ctl->max_clients = max_clients;
	ctl->max_message = max_message;
	ctl->write_gid = (gid_t)-1;
	ctl->handler = h;
	ctl->handler_ctx = ctx;
	ev_init(&ctl->accept_retry, on_accept_retry);
	ctl->accept_retry.data = ctl;
	return 0;
}

static int mkdir_parent(const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket file nobody listens on is stale; a live one means another
 * daemon is running. */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st)) {
		return errno == ENOENT ? 0 : -errno;
	}
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (ret == 0)
		return -EADDRINUSE;
	if (unlink(sa->sun_path) && errno != ENOENT)
		return -errno;
	return 0;
}

int control_listen(struct control *ctl, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	err = mkdir_parent(path);
	if (err)
		return err;
	err = clear_stale(&sa);
	if (err) {
		log_err("%s: %s", path,
			err == -EADDRINUSE ? "another daemon is listening there"
					   : err == -EEXIST ? "exists and is not a socket"
							    : strerror(-err));
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Created 0660 from the start: no window where anyone may connect. */
	old = umask(0117);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || listen(fd, 128)) {
		err = -errno;
		close(fd);
		return err;
	}
	/* The API group's members may connect (and then change rules). */
	if (ctl->write_gid != (gid_t)-1 && chown(path, (uid_t)-1, ctl->write_gid))
		log_warn("%s: cannot give the socket to gid %u: %s", path,
			 (unsigned)ctl->write_gid, strerror(errno));
	ctl->lfd = fd;
	ctl->own_path = true;
	ctl->path = strdup(path);
	ev_io_init(&ctl->accept_io, on_accept, fd, EV_READ);
	ctl->accept_io.data = ctl;
	ev_io_start(ctl->loop, &ctl->accept_io);
	return 0;
}

int control_adopt(struct control *ctl, int fd)
{
	struct sockaddr_un sa = { 0 };
	socklen_t len = sizeof(sa);
	int type = 0, listening = 0;
	socklen_t tl = sizeof(type), ll = sizeof(listening);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return -errno;
	if (sa.sun_family != AF_UNIX || type != SOCK_STREAM || !listening)
		return -ENOTSOCK;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC))
		return -errno;
	ctl->lfd = fd;
	ctl->own_path = false;
	ctl->path = strdup(sa.sun_path[0] ? sa.sun_path : "(abstract)");
	ev_io_init(&ctl->accept_io, on_accept, fd, EV_READ);
	ctl->accept_io.data = ctl;
	ev_io_start(ctl->loop, &ctl->accept_io);
	return 0;
}

void control_close(struct control *ctl)
{
	while (ctl->clients)
		client_free(ctl->clients);
	if (ctl->lfd >= 0) {
		ev_io_stop(ctl->loop, &ctl->accept_io);
		ev_timer_stop(ctl->loop, &ctl->accept_retry);
		close(ctl->lfd);
		ctl->lfd = -1;
	}
	if (ctl->own_path && ctl->path)
		unlink(ctl->path);
	free(ctl->path);
	ctl->path = NULL;
}
