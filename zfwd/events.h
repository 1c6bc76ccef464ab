/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live events for Monitor clients: interceptions and drops read from the
 * data plane's ring buffer, and interface changes from the links module,
 * each sent as a streaming Varlink reply ("continues": true) to every
 * client whose filter takes it. A client that does not read falls behind
 * by at most a bounded backlog; past it, its events are dropped and
 * counted, and the next event it gets says how many it missed. The daemon
 * never waits for a client.
 */
#ifndef ZFWD_EVENTS_H
#define ZFWD_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <jansson.h>

#include "api.h"
#include "control.h"
#include "zerr.h"

struct ring_buffer;
struct daemon;

struct monitor {
	struct client *c;
	char ifname[16];   /* "" = every interface */
	unsigned types;    /* enum api_event_type bits */
	char *service_id;  /* NULL = every service */
	uint64_t missed;   /* dropped since its last event */
	bool take;         /* the event at hand goes to it */
	struct monitor *next;
};

struct events {
	struct daemon *d;
	struct ring_buffer *rb;
	ev_io io;
	struct monitor *mons;
	unsigned n_mons;
	uint64_t read, delivered, missed;
	unsigned batch;     /* records read in this wakeup */
};

int events_init(struct events *ev, struct daemon *d, int ringbuf_fd);
void events_free(struct events *ev);
/* Monitor: registers @c with filter @f; the API sends the first reply. */
int events_subscribe(struct events *ev, struct client *c, const struct api_monitor *f,
		     struct zerr *err);
/* The client is going. */
void events_unsubscribe(struct events *ev, struct client *c);
/* An interface change, for monitors that watch interfaces. @address may
 * be NULL. */
void events_interface(struct events *ev, const char *ifname, uint32_t ifindex,
		      const char *change, const char *address);

#endif
