// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "links.h"
#include "log.h"

void links_init(struct links *ls, const struct links_ops *ops)
{
	memset(ls, 0, sizeof(*ls));
	ls->ops = *ops;
}

static void link_free(struct link *l)
{
	free(l->addrs);
	free(l);
}

void links_free(struct links *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		link_free(ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

struct link *links_find(const struct links *ls, uint32_t ifindex)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i]->ifindex == ifindex)
			return ls->v[i];
	return NULL;
}

struct link *links_find_name(const struct links *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->v[i]->name, name))
			return ls->v[i];
	return NULL;
}

void laddr_format(const struct laddr *a, char *buf, size_t size)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, s, sizeof(s));
	snprintf(buf, size, "%s/%u", s, a->prefixlen);
}

static void failed(struct links *ls, const struct link *l, const char *what, int err)
{
	ls->failures++;
	log_err("%s (ifindex %u): %s: %s", l->name, l->ifindex, what, strerror(-err));
}

/* An option added to struct iface_opts must be compared here. */
_Static_assert(sizeof(struct iface_opts) == 7, "compare every interface option");

static bool opts_eq(const struct iface_opts *a, const struct iface_opts *b)
{
	return a->role == b->role && a->default_action == b->default_action &&
	       a->icmp_echo == b->icmp_echo && a->ssh == b->ssh && a->ipv6 == b->ipv6 &&
	       a->egress == b->egress && a->events == b->events;
}

/* Brings one link in line with what is wanted for its name. */
static void evaluate(struct links *ls, struct link *l)
{
	struct iface_opts want, old;
	bool wanted = l->name[0] && ls->ops.want(ls->ops.ctx, l->name, &want);
	int err;

	if (!l->managed && wanted) {
		l->opts = want;
		l->managed = true;
		err = ls->ops.manage(ls->ops.ctx, l);
		if (err) {
			failed(ls, l, "cannot manage", err);
			/* Half-done work is undone; a later event retries. */
			ls->ops.unmanage(ls->ops.ctx, l, false);
			l->managed = false;
		}
	} else if (l->managed && !wanted) {
		ls->ops.unmanage(ls->ops.ctx, l, false);
		l->managed = false;
	} else if (l->managed && !opts_eq(&l->opts, &want)) {
		old = l->opts;
		l->opts = want;
		err = ls->ops.update(ls->ops.ctx, l, &old);
		if (err) {
			/* Keep saying what is in force, and try again at
			 * the next evaluation (the ops are idempotent). */
			failed(ls, l, "cannot apply new options", err);
			l->opts = old;
		}
	}
}

static void remove_link(struct links *ls, size_t i)
{
	struct link *l = ls->v[i];

	if (l->managed)
		ls->ops.unmanage(ls->ops.ctx, l, true);
	ls->v[i] = ls->v[--ls->n];
	link_free(l);
}

static int link_new(struct links *ls, const struct nl_event *ev)
{
	struct link *l = links_find(ls, ev->ifindex);

	if (!l) {
		if (ls->n == ls->cap) {
			size_t cap = ls->cap ? ls->cap * 2 : 16;
			struct link **v = realloc(ls->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			ls->v = v;
			ls->cap = cap;
		}
		l = calloc(1, sizeof(*l));
		if (!l)
			return -ENOMEM;
		l->ifindex = ev->ifindex;
		ls->v[ls->n++] = l;
	} else if (ev->name[0] && strcmp(l->name, ev->name)) {
		/* Renamed: whatever was decided for the old name no longer
		 * holds (its name bit in rules, for one). */
		if (l->managed) {
			ls->ops.unmanage(ls->ops.ctx, l, false);
			l->managed = false;
		}
	}
	if (ev->name[0])
		snprintf(l->name, sizeof(l->name), "%s", ev->name);
	l->flags = ev->flags;
	l->seen = true;
	evaluate(ls, l);
	if (ls->ops.changed)
		ls->ops.changed(ls->ops.ctx, l);
	return 0;
}

static struct laddr *find_addr(struct link *l, uint8_t family, const uint8_t *addr)
{
	for (size_t i = 0; i < l->n_addrs; i++)
		if (l->addrs[i].family == family && !memcmp(l->addrs[i].addr, addr, 16))
			return &l->addrs[i];
	return NULL;
}

static int addr_new(struct links *ls, const struct nl_event *ev)
{
	struct link *l = links_find(ls, ev->ifindex);
	struct laddr *a;
	int err;

	if (!l)
		return 0; /* its link comes first in every dump; ignore strays */
	a = find_addr(l, ev->family, ev->addr);
	if (a) {
		a->prefixlen = ev->prefixlen;
		a->seen = true;
		return 0;
	}
	if (l->n_addrs == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct laddr *v = realloc(l->addrs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->addrs = v;
		l->cap = cap;
	}
	a = &l->addrs[l->n_addrs++];
	memset(a, 0, sizeof(*a));
	a->family = ev->family;
	a->prefixlen = ev->prefixlen;
	memcpy(a->addr, ev->addr, 16);
	a->seen = true;
	if (l->managed) {
		err = ls->ops.addr(ls->ops.ctx, l, a, true);
		if (err) {
			/* Not in the map, so not in the model either: the
			 * next report of it (event or dump) tries again. */
			failed(ls, l, "cannot record an address", err);
			l->n_addrs--;
		}
	}
	return 0;
}

static void drop_addr(struct links *ls, struct link *l, size_t i)
{
	struct laddr a = l->addrs[i];
	int err;

	l->addrs[i] = l->addrs[--l->n_addrs];
	if (l->managed) {
		err = ls->ops.addr(ls->ops.ctx, l, &a, false);
		if (err)
			failed(ls, l, "cannot forget an address", err);
	}
}

static void addr_del(struct links *ls, const struct nl_event *ev)
{
	struct link *l = links_find(ls, ev->ifindex);
	struct laddr *a = l ? find_addr(l, ev->family, ev->addr) : NULL;

	if (a)
		drop_addr(ls, l, a - l->addrs);
}

int links_event(struct links *ls, const struct nl_event *ev)
{
	ls->events++;
	switch (ev->kind) {
	case NL_LINK_NEW:
		return link_new(ls, ev);
	case NL_LINK_DEL:
		for (size_t i = 0; i < ls->n; i++) {
			if (ls->v[i]->ifindex == ev->ifindex) {
				remove_link(ls, i);
				break;
			}
		}
		return 0;
	case NL_ADDR_NEW:
		return addr_new(ls, ev);
	case NL_ADDR_DEL:
		addr_del(ls, ev);
		return 0;
	}
	return 0;
}

void links_resync_begin(struct links *ls)
{
	ls->resyncing = true;
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];

		l->seen = false;
		for (size_t j = 0; j < l->n_addrs; j++)
			l->addrs[j].seen = false;
	}
}

void links_resync_end(struct links *ls)
{
	for (size_t i = 0; i < ls->n;) {
		struct link *l = ls->v[i];

		if (!l->seen) {
			remove_link(ls, i);
			continue;
		}
		for (size_t j = 0; j < l->n_addrs;) {
			if (!l->addrs[j].seen)
				drop_addr(ls, l, j);
			else
				j++;
		}
		i++;
	}
	ls->resyncing = false;
}

void links_reevaluate(struct links *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		evaluate(ls, ls->v[i]);
}
