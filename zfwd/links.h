/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's links and addresses as netlink reports them, and the
 * decision which of them zfwd manages. Pure: netlink events in, calls of
 * links_ops out (the daemon's are in ifaces.c; unit tests record them).
 *
 * A link is managed while links_ops.want says so for its name. A rename
 * is an unmanage followed by a fresh evaluation under the new name; a
 * link re-created under the same name is a new link (new ifindex).
 */
#ifndef ZFWD_LINKS_H
#define ZFWD_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "nlmsg.h"

struct laddr {
	uint8_t family; /* 4 or 6 */
	uint8_t prefixlen;
	uint8_t addr[16];
	bool seen;      /* resync mark */
};

struct link {
	uint32_t ifindex;
	char name[16];
	uint32_t flags;         /* IFF_* */
	struct laddr *addrs;
	size_t n_addrs, cap;
	bool managed;
	struct iface_opts opts; /* while managed */
	bool seen;              /* resync mark */
};

struct links_ops {
	/* Whether @name is to be managed, and with which options. */
	bool (*want)(void *ctx, const char *name, struct iface_opts *out);
	/* Start managing @l (l->opts set, l->addrs known). */
	int (*manage)(void *ctx, struct link *l);
	/* A managed link's options changed from @old to l->opts. */
	int (*update)(void *ctx, struct link *l, const struct iface_opts *old);
	/* Stop managing @l; @gone: the link no longer exists. */
	void (*unmanage)(void *ctx, struct link *l, bool gone);
	/* An address of a managed link appeared or went. */
	int (*addr)(void *ctx, struct link *l, const struct laddr *a, bool add);
	/* Optional: any link appeared or changed (name, flags). */
	void (*changed)(void *ctx, const struct link *l);
	void *ctx;
};

struct links {
	struct link **v;
	size_t n, cap;
	struct links_ops ops;
	bool resyncing;
	uint64_t events;        /* events applied */
	uint64_t failures;      /* ops that returned an error */
};

void links_init(struct links *ls, const struct links_ops *ops);
void links_free(struct links *ls);
/* Applies one netlink event; returns 0 or -ENOMEM. Failures of ops are
 * counted and logged, not returned: one interface must not stop others. */
int links_event(struct links *ls, const struct nl_event *ev);
/* Mark and sweep around a full dump (start-up, or after lost events):
 * links and addresses the dump did not report are gone. */
void links_resync_begin(struct links *ls);
void links_resync_end(struct links *ls);
/* The wanted set may have changed (config reload, SetInterface). */
void links_reevaluate(struct links *ls);
struct link *links_find(const struct links *ls, uint32_t ifindex);
struct link *links_find_name(const struct links *ls, const char *name);
/* "addr/len" into buf (>= 64 bytes). */
void laddr_format(const struct laddr *a, char *buf, size_t size);

#endif
