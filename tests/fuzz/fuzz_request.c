// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the request path of the daemon, end to end, with the
 * fake kernel behind the engine. Input layout:
 *
 *   byte 0   chunk size the stream arrives in:
 *              0        everything at once
 *              1-127    that many bytes per read
 *              128-255  (n - 127) * 512 bytes per read
 *   byte 1   one injected fault:
 *              0        none
 *              1-127    the nth kernel map operation after setup fails
 *              128-255  the (n - 127)th state-file write fails
 *   byte 2   largest message, NUL included: 0 is 64 KiB, else n * 16
 *   rest     the byte stream a client sends: JSON calls, each followed
 *            by a NUL byte
 *
 * The stream is read into a struct vl_buf as the daemon reads a socket;
 * what vl_buf_next returns is checked against the stream itself. Every
 * complete message goes through vl_parse_call and api_call as the daemon
 * does it, the reply is encoded and freed. After each call that failed,
 * the store and the kernel must be as they were before it; after the
 * stream, the store, ListRules, the shadow and the fake kernel must
 * agree, and a full reconcile must find nothing to do. abort() on any
 * disagreement.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "api.h"
#include "engine.h"
#include "fake_kernel.h"
#include "log.h"
#include "varlink.h"
#include "zfwd_api.h"
#include "zfwd_maps.h"

#define HEADER 3
#define DEFAULT_MAX_MESSAGE (64u << 10)

/* ZFWD_FUZZ_VERBOSE=1: print every reply (for reading a reproducer). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct engine_limits limits = {
	.rules = 64,
	.prefixes = 64,
	.leaves = 128,
};

struct fuzz_ctx {
	struct fake_kernel fk;
	struct engine e;
	struct api a;
	unsigned persists;
	unsigned persist_fail_at; /* 1-based; 0: never */
};

/* The client's bytes, and how far the buffer has got through them. */
struct stream {
	const uint8_t *data;
	size_t size;
	size_t fed;      /* handed to the buffer */
	size_t consumed; /* taken out as messages, NULs included */
	size_t max;      /* largest message, NUL included */
};

static int fz_persist(struct engine *e, void *ctx)
{
	struct fuzz_ctx *fz = ctx;

	if (++fz->persists == fz->persist_fail_at)
		return -EIO;
	return 0;
}

static void fz_status(void *ctx, json_t *reply)
{
	json_object_set_new(reply, "socket", json_string(ZFWD_DEFAULT_SOCKET));
	json_object_set_new(reply, "maps_adopted", json_false());
	json_object_set_new(reply, "interfaces", json_array());
}

static int fz_rule_stats(void *ctx, uint32_t slot, uint64_t *packets, uint64_t *bytes)
{
	struct fuzz_ctx *fz = ctx;

	/* Every stored rule has a slot in the array. */
	if (slot >= fz->e.lim.rules)
		abort();
	*packets = slot;
	*bytes = (uint64_t)slot * 1500;
	return 0;
}

/* Monitor: the daemon would start a stream on the connection. */
static int fz_monitor(void *ctx, void *conn, const struct api_monitor *m, struct zerr *err)
{
	if (conn != ctx || !m->types || (m->types & ~API_EV_ALL))
		abort();
	return 0;
}

static void fz_stats(void *ctx, struct api_stats *s)
{
	s->connections = 1;
}

static size_t chunk_size(uint8_t sel, size_t size)
{
	if (!sel)
		return size ? size : 1;
	if (sel < 128)
		return sel;
	return (size_t)(sel - 127) * 512;
}

/* What the daemon's on_call does, plus the atomicity check. */
static void run_call(struct fuzz_ctx *fz, const struct vl_call *call)
{
	const struct api_peer peer = { .pid = 1, .can_write = true, .conn = fz };
	uint32_t entries = fz->e.rs.n_entries, matches = fz->e.rs.n_cmatches;
	uint64_t errors = fz->a.errors;
	struct fake_kernel before;
	json_t *reply;
	size_t len;
	char *s;

	fake_copy(&before, &fz->fk);
	reply = api_call(&fz->a, call, &peer);
	if (!call->oneway && !reply)
		abort();
	if (call->oneway && reply)
		abort();
	/* Only a Monitor that started continues. */
	if (reply && json_is_true(json_object_get(reply, "continues")) !=
			     (!strcmp(call->method, ZFWD_METHOD("Monitor")) &&
			      !json_object_get(reply, "error")))
		abort();
	if (fz->a.errors != errors) {
		/* A failed call changes nothing. */
		if (fz->e.rs.n_entries != entries || fz->e.rs.n_cmatches != matches ||
		    !fake_equal(&before, &fz->fk))
			abort();
	}
	fake_free(&before);
	if (reply) {
		s = vl_encode(reply, &len);
		if (!s || len == 0 || s[len - 1] != '\0')
			abort();
		if (verbose)
			fprintf(stderr, "reply: %s\n", s);
		free(s);
	}
}

/* The next message is the stream up to its next NUL, if that comes
 * within max bytes; more than max bytes without one is -EMSGSIZE. */
static void check_next(const struct stream *st, int r, const char *msg, size_t len)
{
	const uint8_t *p = st->data + st->consumed;
	size_t avail = st->fed - st->consumed;
	const uint8_t *nul = memchr(p, '\0', avail < st->max ? avail : st->max);

	switch (r) {
	case 1:
		if (!nul || len != (size_t)(nul - p) || memcmp(msg, p, len) || msg[len])
			abort();
		break;
	case 0:
		if (nul || avail >= st->max)
			abort();
		break;
	case -EMSGSIZE:
		if (nul || avail < st->max)
			abort();
		break;
	default:
		abort();
	}
}

/* Runs every complete message; false when the daemon would disconnect. */
static bool drain(struct fuzz_ctx *fz, struct vl_buf *b, struct stream *st)
{
	const char *msg = NULL;
	size_t len = 0;
	int r;

	while ((r = vl_buf_next(b, &msg, &len)) == 1) {
		const char *err_name;
		json_t *err_params;
		struct vl_call call;
		char *s;

		check_next(st, r, msg, len);
		st->consumed += len + 1;
		if (vl_parse_call(msg, len, &call, &err_name, &err_params)) {
			vl_call_free(&call);
			if (!err_name) {
				if (err_params)
					abort();
				if (verbose)
					fprintf(stderr, "malformed message: disconnect\n");
				return false;
			}
			s = vl_encode(vl_error(err_name, err_params), &len);
			if (verbose)
				fprintf(stderr, "reply: %s\n", s ? s : "(null)");
			free(s);
			continue;
		}
		run_call(fz, &call);
		vl_call_free(&call);
	}
	check_next(st, r, msg, len);
	if (r == -EMSGSIZE && verbose)
		fprintf(stderr, "message too long: disconnect\n");
	return r == 0;
}

static void feed(struct fuzz_ctx *fz, struct stream *st, size_t chunk)
{
	struct vl_buf b;

	vl_buf_init(&b, st->max);
	while (st->fed < st->size) {
		size_t want = st->size - st->fed < chunk ? st->size - st->fed : chunk;
		size_t room;
		char *where;

		/* Less than max bytes wait, without a NUL: there is room. */
		if (vl_buf_reserve(&b, want, &where, &room) || !room ||
		    vl_buf_pending(&b) != st->fed - st->consumed)
			abort();
		if (room < want)
			want = room;
		memcpy(where, st->data + st->fed, want);
		vl_buf_added(&b, want);
		st->fed += want;
		if (!drain(fz, &b, st))
			break;
	}
	vl_buf_free(&b);
}

static void check_state(struct fuzz_ctx *fz)
{
	struct engine *e = &fz->e;
	json_t *root, *reply, *rules;
	struct zerr err = { 0 };
	struct vl_call call;
	uint64_t ops;

	/* ListRules of every owner lists every stored rule. */
	root = vl_call_msg(ZFWD_METHOD("ListRules"), NULL, false);
	if (!root)
		abort();
	memset(&call, 0, sizeof(call));
	call.method = ZFWD_METHOD("ListRules");
	call.params = json_object_get(root, "parameters");
	call.root = root;
	reply = api_call(&fz->a, &call, NULL);
	rules = json_object_get(json_object_get(reply, "parameters"), "rules");
	if (!json_is_array(rules) || json_array_size(rules) != e->rs.n_entries)
		abort();
	json_decref(reply);
	vl_call_free(&call);

	/* One used rule slot per distinct match. */
	if (fake_count(&fz->fk, KM_RULES) != e->rs.n_cmatches)
		abort();
	/* The shadow counts what the kernel holds. */
	if (fake_count(&fz->fk, KM_DST4) != e->sh.n_dst[0] ||
	    fake_count(&fz->fk, KM_DST6) != e->sh.n_dst[1] ||
	    fake_count(&fz->fk, KM_SRC4) != e->sh.n_leaves[0] ||
	    fake_count(&fz->fk, KM_SRC6) != e->sh.n_leaves[1])
		abort();
	/* Incremental compilation left what a full one would produce. */
	fz->fk.fail_at = 0;
	ops = e->kernel_ops;
	if (engine_reconcile(e, &err) || e->kernel_ops != ops)
		abort();
	zerr_clear(&err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	verbose = getenv("ZFWD_FUZZ_VERBOSE") != NULL;
	log_init(verbose ? ZLOG_DEBUG : ZLOG_ERR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct zfwd_iface_val internal = {
		.role = ZFWD_ROLE_INTERNAL,
		.default_action = ZFWD_ACT_DENY,
	};
	static const struct zfwd_iface_val external = {
		.role = ZFWD_ROLE_EXTERNAL,
		.default_action = ZFWD_ACT_PASS,
	};
	struct stream st = { 0 };
	struct fuzz_ctx fz;
	struct kbackend kb;
	uint8_t chunk_sel, fault;

	if (size < HEADER)
		return 0;
	chunk_sel = data[0];
	fault = data[1];
	st.max = data[2] ? data[2] * 16u : DEFAULT_MAX_MESSAGE;
	st.data = data + HEADER;
	st.size = size - HEADER;

	memset(&fz, 0, sizeof(fz));
	fake_init(&fz.fk);
	kb = fake_backend(&fz.fk);
	if (engine_init(&fz.e, &limits, &kb))
		abort();
	fz.e.persist = fz_persist;
	fz.e.persist_ctx = &fz;
	if (engine_iface_set(&fz.e, 2, "eth0", &internal) ||
	    engine_iface_set(&fz.e, 3, "eth1", &external) ||
	    engine_iface_set(&fz.e, 4, "ziti0", &internal))
		abort();
	if (fault && fault < 128)
		fz.fk.fail_at = fz.fk.attempts + fault;
	else if (fault)
		fz.persist_fail_at = fault - 127;
	fz.a.eng = &fz.e;
	fz.a.ops.status = fz_status;
	fz.a.ops.rule_stats = fz_rule_stats;
	fz.a.ops.monitor = fz_monitor;
	fz.a.ops.stats = fz_stats;
	fz.a.ops.ctx = &fz;

	feed(&fz, &st, chunk_size(chunk_sel, st.size));
	check_state(&fz);

	api_free(&fz.a);
	engine_free(&fz.e);
	fake_free(&fz.fk);
	return 0;
}
