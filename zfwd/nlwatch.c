// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nlwatch.h"

/* Room for the largest message batch a dump or event read returns
 * (libmnl 1.0.4 predates MNL_SOCKET_DUMP_SIZE). */
#define NLWATCH_BUF 65536

static int apply(const struct nl_event *ev, void *ctx)
{
	return links_event(ctx, ev);
}

/* One dump request on its own blocking socket, so replies never mix with
 * the event stream; events that race with it arrive on the event socket
 * afterwards and are applied on top (they are idempotent). */
static int dump_one(struct links *ls, int type)
{
	char buf[NLWATCH_BUF];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;
	unsigned seq = (unsigned)time(NULL);
	bool inconsistent = false;
	int ret = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsg_walk_result res = { 0 };
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		ret = nlmsg_walk(buf, n, apply, ls, &res);
		if (ret)
			break;
		if (res.got_error && res.error) {
			ret = res.error;
			break;
		}
		/* An inconsistent or cut dump must not be swept by. */
		if (res.interrupted || res.truncated)
			inconsistent = true;
		if (res.done)
			break;
	}
	if (!ret && inconsistent)
		ret = -EAGAIN;
out:
	mnl_socket_close(nl);
	return ret;
}

int nlwatch_dump(struct nlwatch *w)
{
	int err, tries = 0;

again:
	links_resync_begin(w->links);
	err = dump_one(w->links, RTM_GETLINK);
	if (!err)
		err = dump_one(w->links, RTM_GETADDR);
	/* Links changed while the kernel was dumping them: try again. */
	if (err == -EAGAIN && ++tries < 5)
		goto again;
	if (err) {
		/* A partial dump must not sweep what it did not reach. */
		log_warn("netlink dump failed: %s", strerror(-err));
		w->links->resyncing = false;
		return err;
	}
	links_resync_end(w->links);
	w->dumps++;
	return 0;
}

/* Events queued before a dump are older than what it reports: drop
 * them. What happens from here on queues anew and is applied after. */
static void discard_queued(struct nlwatch *w)
{
	char buf[NLWATCH_BUF];

	while (recv(mnl_socket_get_fd(w->nl), buf, sizeof(buf), MSG_DONTWAIT) >= 0 ||
	       errno == EINTR || errno == ENOBUFS)
		;
}

/* Dumps now; when that fails (interrupted by a storm of changes, say),
 * tries again later, until one succeeds: the model must not stay behind
 * just because no further event comes to wake us. */
static void resync(struct nlwatch *w)
{
	discard_queued(w);
	if (nlwatch_dump(w) == 0) {
		w->backoff = 0;
		ev_timer_stop(w->loop, &w->retry);
		return;
	}
	w->failed_dumps++;
	w->backoff = w->backoff ? w->backoff * 2 : 0.05;
	if (w->backoff > 5)
		w->backoff = 5;
	ev_timer_stop(w->loop, &w->retry);
	ev_timer_set(&w->retry, w->backoff, 0);
	ev_timer_start(w->loop, &w->retry);
}

static void on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	resync(t->data);
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct nlwatch *w = io->data;
	char buf[NLWATCH_BUF];

	for (;;) {
		struct nlmsg_walk_result res = { 0 };
		ssize_t n = recv(mnl_socket_get_fd(w->nl), buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			if (errno == ENOBUFS) {
				/* Events were lost: only a full dump says where
				 * things stand now. */
				w->overruns++;
				log_warn("netlink events lost: dumping links and addresses again");
				resync(w);
				continue;
			}
			log_err("netlink: %s", strerror(errno));
			return;
		}
		w->messages++;
		nlmsg_walk(buf, n, apply, w->links, &res);
	}
}

int nlwatch_start(struct nlwatch *w, struct ev_loop *loop, struct links *links,
		  unsigned rcvbuf_bytes)
{
	int rcvbuf = (int)rcvbuf_bytes, err;

	memset(w, 0, sizeof(*w));
	w->loop = loop;
	w->links = links;
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!w->nl)
		return -errno;
	/* Subscribe before the dump, so nothing falls between the two. */
	if (mnl_socket_bind(w->nl, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN, which zfwd has; fall back. */
	if (setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	err = nlwatch_dump(w);
	if (err)
		goto fail;
	ev_init(&w->retry, on_retry);
	w->retry.data = w;
	ev_io_init(&w->io, on_readable, mnl_socket_get_fd(w->nl), EV_READ);
	w->io.data = w;
	ev_io_start(loop, &w->io);
	return 0;
fail:
	mnl_socket_close(w->nl);
	w->nl = NULL;
	return err;
}

void nlwatch_stop(struct nlwatch *w)
{
	if (!w->nl)
		return;
	ev_io_stop(w->loop, &w->io);
	ev_timer_stop(w->loop, &w->retry);
	mnl_socket_close(w->nl);
	w->nl = NULL;
}
