/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Varlink methods: decode parameters, call the engine, encode the
 * reply. No sockets and no kernel here: the daemon supplies counters and
 * status through api_ops, tests and the fuzzer supply fakes.
 */
#ifndef ZFWD_API_H_
#define ZFWD_API_H_

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "engine.h"
#include "varlink.h"

/* What a Monitor call asks for, decoded and checked. */
enum api_event_type {
	API_EV_INTERCEPT = 1 << 0,
	API_EV_DROP = 1 << 1,
	API_EV_INTERFACE = 1 << 2,
	API_EV_ALL = (1 << 3) - 1,
};

struct api_monitor {
	char ifname[16];         /* "" = every interface */
	unsigned types;          /* enum api_event_type bits */
	const char *service_id;  /* NULL = every service; the call's string */
};

/* The daemon's counters the API reports (GetStatus, GetMetrics). */
struct api_stats {
	uint64_t connections, accepted, refused, idle_closed;
	uint64_t monitors, events_read, events_delivered, events_missed, events_lost;
	uint64_t netlink_overruns;
};

struct api_ops {
	/* Adds daemon-wide fields (paths, interfaces...) to a GetStatus reply. */
	void (*status)(void *ctx, json_t *reply);
	int (*rule_stats)(void *ctx, uint32_t slot, uint64_t *packets, uint64_t *bytes);
	/* Managed interfaces (all, or those named @name). */
	json_t *(*list_ifaces)(void *ctx, const char *name);
	int (*set_iface)(void *ctx, const char *name, const json_t *opts, bool reset,
			 struct zerr *err);
	/* Monitor: starts streaming events matching @m to @conn, the
	 * caller's connection (api_peer.conn), after the first reply. */
	int (*monitor)(void *ctx, void *conn, const struct api_monitor *m, struct zerr *err);
	/* The daemon's counters, for GetStatus and GetMetrics. */
	void (*stats)(void *ctx, struct api_stats *s);
	void *ctx;
};

/* Who calls. */
struct api_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool can_write;        /* root, or a member of the API group */
	bool *denial_logged;   /* per connection: log the first refusal only */
	void *conn;            /* the connection, for streaming methods */
};

/* Calls and errors per method, for metrics. */
struct api_count {
	const char *method;
	const char *error;     /* NULL: successful calls */
	uint64_t n;
};

struct api {
	struct engine *eng;
	struct api_ops ops;
	size_t max_message;  /* reported in GetStatus' limits */
	uint64_t requests, errors, denied;
	struct api_count *counts;
	size_t n_counts;
	const struct api_peer *caller;  /* during api_call */
};

extern const char idl_zfwd[];
extern const char idl_varlink_service[];

/* The reply message for @call, or NULL for a oneway call. @peer NULL:
 * a trusted caller (tests, fuzzers). */
json_t *api_call(struct api *a, const struct vl_call *call, const struct api_peer *peer);
/* The Prometheus text GetMetrics returns (the caller frees it); NULL when
 * out of memory. */
char *api_metrics(struct api *a, bool rules);
/* Whether @method changes state (only writers may call it). */
bool api_method_writes(const char *method);
void api_free(struct api *a);

/* Method names served, NULL-terminated (tests compare them with the IDL). */
const char *const *api_methods(void);

const char *api_reason_name(int reason);

#endif
