/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The engine: applies rule changes whole or not at all. It validates
 * against the store, compiles the affected destination prefixes, checks
 * every limit, changes the kernel maps in a gap-free order, persists the
 * new state, and only then commits; any failure undoes all of it.
 * Interfaces' map entries live here too, since rules' interface names
 * become bits in them.
 */
#ifndef ZFWD_ENGINE_H
#define ZFWD_ENGINE_H

#include "kbackend.h"
#include "ruleset.h"
#include "shadow.h"
#include "zerr.h"

struct engine_limits {
	uint32_t rules;    /* stored rules, and rule slots */
	uint32_t prefixes; /* destination prefixes per family */
	uint32_t leaves;   /* (destination, source) leaves per family */
};

struct eiface {
	uint32_t ifindex;
	char name[RULE_IFNAMSIZ];
	struct zfwd_iface_val base; /* role, default action, flags */
	struct zfwd_iface_val cur;  /* what the kernel holds */
	bool in_kernel;
};

struct engine;
typedef int (*engine_persist_fn)(struct engine *e, void *ctx);

struct engine {
	struct ruleset rs;
	struct shadow sh;
	struct engine_limits lim;
	struct kbackend kb;
	engine_persist_fn persist;
	void *persist_ctx;
	struct eiface *ifaces;
	size_t n_ifaces;
	/* Kernel map operations applied, over the daemon's life. */
	uint64_t kernel_ops;
	uint64_t txns;
};

struct engine_result {
	uint32_t added, existing, removed, missing, kept;
	size_t kernel_ops; /* of this call */
};

int engine_init(struct engine *e, const struct engine_limits *lim,
		const struct kbackend *kb);
void engine_free(struct engine *e);

/* Every call below: 0 and @res on success; otherwise -errno with @err set
 * and nothing changed, in the store, the kernel or on disk. */
int engine_add(struct engine *e, const char *owner, struct rule *rules,
	       size_t n, struct engine_result *res, struct zerr *err);
/* As engine_add, but a rule of the same owner with the same match and
 * another action or tproxy port is replaced in the same transaction
 * (counted as removed) instead of being a Conflict. */
int engine_add_replace(struct engine *e, const char *owner, struct rule *rules, size_t n,
		       struct engine_result *res, struct zerr *err);
/* Removes the owner's rules with these matches (and service_id, when a
 * rule gives one). Missing ones are an error unless @ignore_missing. */
int engine_remove(struct engine *e, const char *owner, const struct rule *rules,
		  size_t n, bool ignore_missing, struct engine_result *res,
		  struct zerr *err);
/* Makes @owner's rules equal to @rules by difference: a rule present
 * before and after (same match, service_id, action, tproxy port and
 * service name) is never removed and re-added, so its traffic sees no
 * gap. Reports added, removed and kept. */
int engine_sync(struct engine *e, const char *owner, struct rule *rules, size_t n,
		struct engine_result *res, struct zerr *err);
/* AddRules' checks, compilation and limits, nothing applied. */
int engine_validate(struct engine *e, const char *owner, struct rule *rules, size_t n,
		    struct engine_result *res, struct zerr *err);
/* Every rule of @owner with this service_id. */
int engine_remove_service(struct engine *e, const char *owner, const char *service_id,
			  struct engine_result *res, struct zerr *err);
/* Every rule of @owner, or of everyone when @owner is NULL. */
int engine_flush(struct engine *e, const char *owner, struct engine_result *res,
		 struct zerr *err);

/* Makes the maps hold exactly what the store compiles to, whatever the
 * shadow says they hold (start-up: adopted or empty maps). */
int engine_reconcile(struct engine *e, struct zerr *err);

/* Interfaces zfwd manages: entries in the interface map. */
int engine_iface_set(struct engine *e, uint32_t ifindex, const char *name,
		     const struct zfwd_iface_val *base);
int engine_iface_del(struct engine *e, uint32_t ifindex);
const struct eiface *engine_iface_find(const struct engine *e, uint32_t ifindex);
/* An entry already in the kernel (adoption), so the next write diffs. */
int engine_iface_adopt(struct engine *e, uint32_t ifindex,
		       const struct zfwd_iface_val *cur);

struct zfwd_rule_val engine_rule_val(const struct engine *e, const struct cmatch *cm);

#endif
