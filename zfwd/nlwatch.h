/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Following links and addresses over rtnetlink, in the libev loop: one
 * nonblocking socket subscribed to link and address changes, drained
 * until EAGAIN; a full dump (links, then addresses) at start and whenever
 * the kernel says events were lost (ENOBUFS), wrapped in the links
 * module's mark and sweep so the model converges.
 */
#ifndef ZFWD_NLWATCH_H
#define ZFWD_NLWATCH_H

#include <stdint.h>

#include <ev.h>

#include "links.h"

struct mnl_socket;

struct nlwatch {
	struct mnl_socket *nl;
	struct ev_loop *loop;
	ev_io io;
	ev_timer retry;         /* a dump that failed is tried again */
	double backoff;
	struct links *links;
	uint64_t messages, overruns, dumps, failed_dumps;
};

/* Subscribes, dumps once (synchronously), then follows changes.
 * @rcvbuf: the event socket's receive buffer in bytes. */
int nlwatch_start(struct nlwatch *w, struct ev_loop *loop, struct links *links,
		  unsigned rcvbuf);
/* A full dump into the model now (start-up, lost events). */
int nlwatch_dump(struct nlwatch *w);
void nlwatch_stop(struct nlwatch *w);

#endif
