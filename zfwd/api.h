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

struct api_ops {
	/* Adds daemon-wide fields (paths, interfaces...) to a GetStatus reply. */
	void (*status)(void *ctx, json_t *reply);
	int (*rule_stats)(void *ctx, uint32_t slot, uint64_t *packets, uint64_t *bytes);
	/* Managed interfaces (all, or those named @name). */
	json_t *(*list_ifaces)(void *ctx, const char *name);
	int (*set_iface)(void *ctx, const char *name, const json_t *opts, bool reset,
			 struct zerr *err);
	void *ctx;
};

struct api {
	struct engine *eng;
	struct api_ops ops;
	size_t max_message;  /* reported in GetStatus' limits */
	uint64_t requests, errors;
};

extern const char idl_zfwd[];
extern const char idl_varlink_service[];

/* The reply message for @call, or NULL for a oneway call. */
json_t *api_call(struct api *a, const struct vl_call *call, const struct ucred *cred);

/* Method names served, NULL-terminated (tests compare them with the IDL). */
const char *const *api_methods(void);

const char *api_reason_name(int reason);

#endif
