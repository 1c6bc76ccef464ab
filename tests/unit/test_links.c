// SPDX-License-Identifier: GPL-2.0-only
/*
 * The interface model (links.c): netlink events in, links_ops calls out.
 * The ops here record every call (with a copy of what the link looked
 * like during it) and `want` answers from a small table or from a real
 * configuration parsed by config_parse, so globs match as in the daemon.
 * The last groups drive the model from the recorded rtnetlink messages in
 * tests/unit/data/nl (see its README).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if.h>

#include "config.h"
#include "links.h"
#include "nlmsg.h"
#include "unit_util.h"
#include "zfwd_maps.h"

/* The recording's namespace: lo, then the veth pair (see test_nlmsg.c). */
#define IDX_LO  1u
#define IDX_ZF1 2u /* the peer, created first, renamed zfpeer */
#define IDX_ZF0 3u

#define F_DOWN    (IFF_BROADCAST | IFF_MULTICAST)
#define F_RUNNING (F_DOWN | IFF_UP | IFF_LOWER_UP | IFF_RUNNING)

/* ---- the recording ops ---- */

enum op { OP_MANAGE, OP_UPDATE, OP_UNMANAGE, OP_ADDR };

#define SNAP_ADDRS 8
#define WANT_MAX 8

struct call {
	enum op op;
	uint32_t ifindex;
	char name[16];           /* l->name during the call */
	bool managed;            /* l->managed during the call */
	struct iface_opts opts;  /* l->opts during the call */
	struct iface_opts old;   /* update: the options before */
	bool gone;               /* unmanage */
	bool add;                /* addr */
	char addr[64];           /* addr: "address/len" */
	size_t n_addrs;          /* l->n_addrs during the call */
	char addrs[SNAP_ADDRS][64]; /* the first of l->addrs, formatted */
};

struct fake {
	struct links ls;
	const struct config *cfg; /* when set, `want` asks it... */
	struct {
		char name[16];
		struct iface_opts opts;
	} want[WANT_MAX];         /* ...else this table (exact names) */
	size_t n_want;
	unsigned want_calls;
	int manage_err;           /* returned by the next manage_fails calls */
	unsigned manage_fails;
	int update_err, addr_err; /* returned by every update / addr call */
	struct call *calls;
	size_t n, cap;
};

static struct call *record(struct fake *f, enum op op, const struct link *l)
{
	struct call *c;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->calls = realloc(f->calls, f->cap * sizeof(*f->calls));
		ck_assert_ptr_nonnull(f->calls);
	}
	c = &f->calls[f->n++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->ifindex = l->ifindex;
	snprintf(c->name, sizeof(c->name), "%s", l->name);
	c->managed = l->managed;
	c->opts = l->opts;
	c->n_addrs = l->n_addrs;
	for (size_t i = 0; i < l->n_addrs && i < SNAP_ADDRS; i++)
		laddr_format(&l->addrs[i], c->addrs[i], sizeof(c->addrs[i]));
	return c;
}

static bool fake_want(void *ctx, const char *name, struct iface_opts *out)
{
	struct fake *f = ctx;

	f->want_calls++;
	if (f->cfg) {
		const struct cfg_iface *ci = config_match_iface(f->cfg, name);

		if (ci)
			*out = ci->opts;
		return ci != NULL;
	}
	for (size_t i = 0; i < f->n_want; i++) {
		if (!strcmp(f->want[i].name, name)) {
			*out = f->want[i].opts;
			return true;
		}
	}
	return false;
}

static int fake_manage(void *ctx, struct link *l)
{
	struct fake *f = ctx;

	record(f, OP_MANAGE, l);
	if (f->manage_fails) {
		f->manage_fails--;
		return f->manage_err;
	}
	return 0;
}

static int fake_update(void *ctx, struct link *l, const struct iface_opts *old)
{
	struct fake *f = ctx;

	record(f, OP_UPDATE, l)->old = *old;
	return f->update_err;
}

static void fake_unmanage(void *ctx, struct link *l, bool gone)
{
	struct fake *f = ctx;

	record(f, OP_UNMANAGE, l)->gone = gone;
}

static int fake_addr(void *ctx, struct link *l, const struct laddr *a, bool add)
{
	struct fake *f = ctx;
	struct call *c = record(f, OP_ADDR, l);

	c->add = add;
	laddr_format(a, c->addr, sizeof(c->addr));
	return f->addr_err;
}

static void fake_init(struct fake *f)
{
	const struct links_ops ops = {
		.want = fake_want,
		.manage = fake_manage,
		.update = fake_update,
		.unmanage = fake_unmanage,
		.addr = fake_addr,
		.ctx = f,
	};

	memset(f, 0, sizeof(*f));
	links_init(&f->ls, &ops);
}

static void fake_free(struct fake *f)
{
	links_free(&f->ls);
	free(f->calls);
	f->calls = NULL;
}

static void want_name(struct fake *f, const char *name, const struct iface_opts *o)
{
	for (size_t i = 0; i < f->n_want; i++) {
		if (!strcmp(f->want[i].name, name)) {
			f->want[i].opts = *o;
			return;
		}
	}
	ck_assert_uint_lt(f->n_want, WANT_MAX);
	snprintf(f->want[f->n_want].name, sizeof(f->want[0].name), "%s", name);
	f->want[f->n_want++].opts = *o;
}

static void unwant_name(struct fake *f, const char *name)
{
	for (size_t i = 0; i < f->n_want; i++) {
		if (!strcmp(f->want[i].name, name)) {
			f->want[i] = f->want[--f->n_want];
			return;
		}
	}
	ck_abort_msg("%s was not wanted", name);
}

/* ---- options ---- */

static struct iface_opts opts_default(void)
{
	struct iface_opts o;

	iface_opts_default(&o);
	return o;
}

/* Every field different from the default. */
static struct iface_opts opts_other(void)
{
	struct iface_opts o = {
		.role = ZFWD_ROLE_EXTERNAL,
		.default_action = ZFWD_ACT_PASS,
		.icmp_echo = true,
		.ssh = false,
		.ipv6 = false,
		.egress = false,
		.events = true,
	};

	return o;
}

static void check_opts(const struct iface_opts *have, const struct iface_opts *want)
{
	ck_assert_uint_eq(have->role, want->role);
	ck_assert_uint_eq(have->default_action, want->default_action);
	ck_assert_int_eq(have->icmp_echo, want->icmp_echo);
	ck_assert_int_eq(have->ssh, want->ssh);
	ck_assert_int_eq(have->ipv6, want->ipv6);
	ck_assert_int_eq(have->egress, want->egress);
	ck_assert_int_eq(have->events, want->events);
}

/* A configuration from test notation (single quotes); config_free it. */
static void cfg_parse(struct config *c, const char *s)
{
	char *t = strdup(s), why[256] = "";
	int ret;

	ck_assert_ptr_nonnull(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	ret = config_parse(t, strlen(t), c, why, sizeof(why));
	ck_assert_msg(ret == 0, "%s: %d %s", t, ret, why);
	free(t);
}

/* ---- events ---- */

static void feed(struct fake *f, const struct nl_event *ev)
{
	ck_assert_int_eq(links_event(&f->ls, ev), 0);
}

static void ev_link(struct fake *f, enum nl_kind kind, uint32_t ifindex, const char *name,
		    uint32_t flags)
{
	struct nl_event ev = { .kind = kind, .ifindex = ifindex, .flags = flags };

	snprintf(ev.name, sizeof(ev.name), "%s", name);
	feed(f, &ev);
}

static void ev_newlink(struct fake *f, uint32_t ifindex, const char *name)
{
	ev_link(f, NL_LINK_NEW, ifindex, name, IFF_UP);
}

static void ev_dellink(struct fake *f, uint32_t ifindex, const char *name)
{
	ev_link(f, NL_LINK_DEL, ifindex, name, 0);
}

static void ev_addr(struct fake *f, enum nl_kind kind, uint32_t ifindex, const char *addr,
		    uint8_t prefixlen)
{
	struct nl_event ev = { .kind = kind, .ifindex = ifindex, .prefixlen = prefixlen };
	bool v6 = strchr(addr, ':') != NULL;

	ev.family = v6 ? 6 : 4;
	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, addr, ev.addr), 1);
	feed(f, &ev);
}

static void ev_newaddr(struct fake *f, uint32_t ifindex, const char *addr, uint8_t prefixlen)
{
	ev_addr(f, NL_ADDR_NEW, ifindex, addr, prefixlen);
}

static void ev_deladdr(struct fake *f, uint32_t ifindex, const char *addr, uint8_t prefixlen)
{
	ev_addr(f, NL_ADDR_DEL, ifindex, addr, prefixlen);
}

/* ---- expectations ---- */

static const char *op_name(enum op op)
{
	switch (op) {
	case OP_MANAGE:
		return "manage";
	case OP_UPDATE:
		return "update";
	case OP_UNMANAGE:
		return "unmanage";
	case OP_ADDR:
		return "addr";
	}
	return "?";
}

/* The calls so far, for failure messages. */
static const char *calls_str(const struct fake *f)
{
	static char buf[4096];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < f->n && off < sizeof(buf) - 128; i++) {
		const struct call *c = &f->calls[i];

		off += snprintf(buf + off, sizeof(buf) - off, "\n  %zu: %s %u %s", i,
				op_name(c->op), c->ifindex, c->name);
		if (c->op == OP_UNMANAGE)
			off += snprintf(buf + off, sizeof(buf) - off, " gone=%d", c->gone);
		if (c->op == OP_ADDR)
			off += snprintf(buf + off, sizeof(buf) - off, " %s %s",
					c->add ? "add" : "del", c->addr);
	}
	return buf;
}

static void expect_n_calls(const struct fake *f, size_t n)
{
	ck_assert_msg(f->n == n, "expected %zu calls, got %zu:%s", n, f->n, calls_str(f));
}

static const struct call *expect_call(const struct fake *f, size_t i, enum op op,
				      uint32_t ifindex, const char *name)
{
	const struct call *c;

	ck_assert_msg(i < f->n, "no call %zu (%s %u %s); calls:%s", i, op_name(op), ifindex, name,
		      calls_str(f));
	c = &f->calls[i];
	ck_assert_msg(c->op == op && c->ifindex == ifindex && !strcmp(c->name, name),
		      "call %zu: expected %s %u %s; calls:%s", i, op_name(op), ifindex, name,
		      calls_str(f));
	return c;
}

/* Whether the NULL-terminated @want holds exactly the @n strings of @have,
 * in any order (addresses are kept unordered). */
static void expect_set(char (*have)[64], size_t n, const char *const *want)
{
	size_t n_want = 0;

	while (want[n_want])
		n_want++;
	ck_assert_uint_eq(n, n_want);
	for (size_t i = 0; i < n_want; i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found = found || !strcmp(have[j], want[i]);
		ck_assert_msg(found, "address %s missing", want[i]);
	}
}

static const struct call *expect_manage(const struct fake *f, size_t i, uint32_t ifindex,
					const char *name, const struct iface_opts *o,
					const char *const *addrs)
{
	const struct call *c = expect_call(f, i, OP_MANAGE, ifindex, name);

	ck_assert(c->managed);
	check_opts(&c->opts, o);
	ck_assert_uint_le(c->n_addrs, SNAP_ADDRS);
	expect_set((char (*)[64])c->addrs, c->n_addrs, addrs);
	return c;
}

static void expect_unmanage(const struct fake *f, size_t i, uint32_t ifindex, const char *name,
			    bool gone)
{
	const struct call *c = expect_call(f, i, OP_UNMANAGE, ifindex, name);

	ck_assert_msg(c->gone == gone, "call %zu: unmanage gone=%d, expected %d", i, c->gone, gone);
}

static void expect_addr(const struct fake *f, size_t i, uint32_t ifindex, const char *name,
			bool add, const char *addr)
{
	const struct call *c = expect_call(f, i, OP_ADDR, ifindex, name);

	ck_assert_msg(c->add == add, "call %zu: addr add=%d, expected %d", i, c->add, add);
	ck_assert_str_eq(c->addr, addr);
	ck_assert(c->managed);
}

static const char *const NONE[] = { NULL };

/* The link at @ifindex, named @name, managed or not. */
static struct link *expect_link(const struct fake *f, uint32_t ifindex, const char *name,
				bool managed)
{
	struct link *l = links_find(&f->ls, ifindex);

	ck_assert_msg(l != NULL, "no link %u (%s)", ifindex, name);
	ck_assert_uint_eq(l->ifindex, ifindex);
	ck_assert_str_eq(l->name, name);
	ck_assert_msg(l->managed == managed, "%s: managed=%d, expected %d", name, l->managed,
		      managed);
	return l;
}

static void expect_link_addrs(const struct link *l, const char *const *want)
{
	char have[16][64];

	ck_assert_uint_le(l->n_addrs, 16);
	for (size_t i = 0; i < l->n_addrs; i++)
		laddr_format(&l->addrs[i], have[i], sizeof(have[i]));
	expect_set(have, l->n_addrs, want);
}

/* ---- managing: the decision ---- */

START_TEST(test_wanted_link_is_managed_once_with_its_options)
{
	struct iface_opts o = opts_other();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_link(&f, NL_LINK_NEW, 4, "eth0", F_DOWN);
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 4, "eth0", &o, NONE);
	l = expect_link(&f, 4, "eth0", true);
	check_opts(&l->opts, &o);
	ck_assert_uint_eq(l->flags, F_DOWN);

	/* The same link again, now up: its flags change, nothing else. */
	ev_link(&f, NL_LINK_NEW, 4, "eth0", F_RUNNING);
	expect_n_calls(&f, 1);
	l = expect_link(&f, 4, "eth0", true);
	ck_assert_uint_eq(l->flags, F_RUNNING);
	ck_assert_uint_eq(f.ls.n, 1);
	ck_assert_uint_eq(f.ls.events, 2);
	ck_assert_uint_eq(f.ls.failures, 0);
	ck_assert_ptr_eq(links_find_name(&f.ls, "eth0"), l);
	fake_free(&f);
}
END_TEST

START_TEST(test_unwanted_link_is_recorded_but_gets_no_calls)
{
	struct fake f;
	struct link *l;

	fake_init(&f);
	ev_link(&f, NL_LINK_NEW, 5, "wlan0", IFF_UP);
	expect_n_calls(&f, 0);
	ck_assert_uint_eq(f.want_calls, 1);
	l = expect_link(&f, 5, "wlan0", false);
	ck_assert_uint_eq(l->flags, IFF_UP);
	ck_assert_ptr_eq(links_find_name(&f.ls, "wlan0"), l);
	ck_assert_ptr_null(links_find(&f.ls, 6));
	ck_assert_ptr_null(links_find_name(&f.ls, "wlan1"));
	fake_free(&f);
}
END_TEST

START_TEST(test_address_for_an_unknown_ifindex_is_ignored)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ck_assert_uint_eq(f.ls.n, 0);
	expect_n_calls(&f, 0);

	/* The link then comes without the stray address. */
	ev_newlink(&f, 4, "eth0");
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 4, "eth0", &o, NONE);
	l = expect_link(&f, 4, "eth0", true);
	ck_assert_uint_eq(l->n_addrs, 0);

	/* Nor does deleting an address of an unknown link do anything. */
	ev_deladdr(&f, 9, "192.0.2.1", 24);
	expect_n_calls(&f, 1);
	ck_assert_uint_eq(f.ls.n, 1);
	fake_free(&f);
}
END_TEST

START_TEST(test_link_without_a_name_is_recorded_and_managed_once_named)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_link(&f, NL_LINK_NEW, 7, "", IFF_UP);
	expect_n_calls(&f, 0);
	ck_assert_uint_eq(f.want_calls, 0); /* nothing to ask about */
	l = expect_link(&f, 7, "", false);
	ck_assert_uint_eq(l->flags, IFF_UP);

	/* Addresses meanwhile are kept, and manage sees them. */
	ev_newaddr(&f, 7, "198.51.100.7", 25);
	expect_n_calls(&f, 0);
	ev_link(&f, NL_LINK_NEW, 7, "eth0", F_RUNNING);
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 7, "eth0", &o, (const char *[]){ "198.51.100.7/25", NULL });
	l = expect_link(&f, 7, "eth0", true);
	ck_assert_uint_eq(l->flags, F_RUNNING);
	fake_free(&f);
}
END_TEST

START_TEST(test_nameless_event_for_a_known_link_keeps_its_name_and_management)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_link(&f, NL_LINK_NEW, 4, "eth0", F_DOWN);
	ev_link(&f, NL_LINK_NEW, 4, "", F_RUNNING);
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 4, "eth0", &o, NONE);
	l = expect_link(&f, 4, "eth0", true);
	ck_assert_uint_eq(l->flags, F_RUNNING);
	fake_free(&f);
}
END_TEST

START_TEST(test_glob_in_the_config_manages_matching_links_but_never_lo)
{
	struct iface_opts ext = opts_default(), def = opts_default();
	struct config c;
	struct fake f;

	ext.role = ZFWD_ROLE_EXTERNAL;
	cfg_parse(&c, "{'interfaces': [{'name': 'zf0', 'role': 'external'}, {'name': '*'}]}");
	fake_init(&f);
	f.cfg = &c;
	ev_newlink(&f, 1, "lo");
	ev_newlink(&f, 2, "zf1");
	ev_newlink(&f, 3, "zf0");
	expect_n_calls(&f, 2);
	/* The first entry matching wins: zf0 is external, zf1 the default. */
	expect_manage(&f, 0, 2, "zf1", &def, NONE);
	expect_manage(&f, 1, 3, "zf0", &ext, NONE);
	expect_link(&f, 1, "lo", false);
	fake_free(&f);
	config_free(&c);

	/* lo only when named exactly. */
	cfg_parse(&c, "{'interfaces': [{'name': 'lo', 'ssh': false}]}");
	def.ssh = false;
	fake_init(&f);
	f.cfg = &c;
	ev_newlink(&f, 1, "lo");
	ev_newlink(&f, 2, "zf1");
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 1, "lo", &def, NONE);
	expect_link(&f, 2, "zf1", false);
	fake_free(&f);
	config_free(&c);
}
END_TEST

/* ---- addresses ---- */

START_TEST(test_addresses_of_a_managed_link_are_added_and_removed)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_newaddr(&f, 4, "2001:db8::1", 64);
	expect_n_calls(&f, 3);
	expect_addr(&f, 1, 4, "eth0", true, "192.0.2.1/24");
	expect_addr(&f, 2, 4, "eth0", true, "2001:db8::1/64");
	/* The addr call comes with the address already in l->addrs. */
	ck_assert_uint_eq(f.calls[2].n_addrs, 2);
	l = expect_link(&f, 4, "eth0", true);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", "2001:db8::1/64", NULL });
	ck_assert_uint_eq(l->addrs[0].family, 4);
	ck_assert_uint_eq(l->addrs[1].family, 6);

	ev_deladdr(&f, 4, "192.0.2.1", 24);
	expect_n_calls(&f, 4);
	expect_addr(&f, 3, 4, "eth0", false, "192.0.2.1/24");
	ck_assert_uint_eq(f.calls[3].n_addrs, 1); /* already gone from l->addrs */
	expect_link_addrs(l, (const char *[]){ "2001:db8::1/64", NULL });
	ck_assert_uint_eq(f.ls.failures, 0);
	fake_free(&f);
}
END_TEST

START_TEST(test_duplicate_address_only_updates_its_prefix_length)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_newaddr(&f, 4, "192.0.2.1", 28);
	expect_n_calls(&f, 2);
	expect_addr(&f, 1, 4, "eth0", true, "192.0.2.1/24");
	l = expect_link(&f, 4, "eth0", true);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/28", NULL });

	/* Deleting it goes by address, whatever the prefix length. */
	ev_deladdr(&f, 4, "192.0.2.1", 24);
	expect_n_calls(&f, 3);
	expect_addr(&f, 2, 4, "eth0", false, "192.0.2.1/28");
	ck_assert_uint_eq(l->n_addrs, 0);
	fake_free(&f);
}
END_TEST

START_TEST(test_deleting_an_address_the_link_lacks_makes_no_call)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_deladdr(&f, 4, "192.0.2.9", 24);
	ev_deladdr(&f, 4, "2001:db8::1", 64);
	expect_n_calls(&f, 2);
	l = expect_link(&f, 4, "eth0", true);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", NULL });

	/* Deleted twice: one call. */
	ev_deladdr(&f, 4, "192.0.2.1", 24);
	ev_deladdr(&f, 4, "192.0.2.1", 24);
	expect_n_calls(&f, 3);
	expect_addr(&f, 2, 4, "eth0", false, "192.0.2.1/24");
	fake_free(&f);
}
END_TEST

START_TEST(test_ipv4_and_ipv6_addresses_with_the_same_bytes_are_distinct)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	/* 192.0.2.1 is stored c0 00 02 01 then zeros, as is c000:201::. */
	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_newaddr(&f, 4, "c000:201::", 64);
	expect_n_calls(&f, 3);
	expect_addr(&f, 2, 4, "eth0", true, "c000:201::/64");
	l = expect_link(&f, 4, "eth0", true);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", "c000:201::/64", NULL });

	ev_deladdr(&f, 4, "c000:201::", 64);
	expect_n_calls(&f, 4);
	expect_addr(&f, 3, 4, "eth0", false, "c000:201::/64");
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", NULL });
	fake_free(&f);
}
END_TEST

START_TEST(test_addresses_of_an_unmanaged_link_are_recorded_without_calls)
{
	struct fake f;
	struct link *l;

	fake_init(&f);
	ev_newlink(&f, 5, "wlan0");
	ev_newaddr(&f, 5, "198.51.100.2", 24);
	ev_newaddr(&f, 5, "2001:db8:5::2", 48);
	ev_newaddr(&f, 5, "203.0.113.9", 32);
	ev_deladdr(&f, 5, "203.0.113.9", 32);
	expect_n_calls(&f, 0);
	l = expect_link(&f, 5, "wlan0", false);
	expect_link_addrs(l, (const char *[]){ "198.51.100.2/24", "2001:db8:5::2/48", NULL });
	fake_free(&f);
}
END_TEST

START_TEST(test_link_managed_later_finds_its_addresses_in_manage)
{
	struct iface_opts o = opts_other();
	struct fake f;

	fake_init(&f);
	ev_newlink(&f, 5, "wlan0");
	ev_newaddr(&f, 5, "198.51.100.2", 24);
	ev_newaddr(&f, 5, "2001:db8:5::2", 48);
	expect_n_calls(&f, 0);

	want_name(&f, "wlan0", &o);
	links_reevaluate(&f.ls);
	/* One manage with both addresses; no separate addr calls. */
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 5, "wlan0", &o,
		      (const char *[]){ "198.51.100.2/24", "2001:db8:5::2/48", NULL });
	expect_link(&f, 5, "wlan0", true);

	/* From now on its addresses are reported. */
	ev_newaddr(&f, 5, "198.51.100.3", 24);
	expect_n_calls(&f, 2);
	expect_addr(&f, 1, 5, "wlan0", true, "198.51.100.3/24");
	fake_free(&f);
}
END_TEST

START_TEST(test_many_addresses_on_one_link_are_all_kept)
{
	struct iface_opts o = opts_default();
	char addr[64], want[40][64];
	const char *wantp[41];
	struct fake f;
	struct link *l;
	size_t n = 0;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	for (unsigned i = 1; i <= 40; i++) {
		snprintf(addr, sizeof(addr), "2001:db8::%x", i);
		ev_newaddr(&f, 4, addr, 64);
	}
	expect_n_calls(&f, 41);
	/* Every other one goes. */
	for (unsigned i = 1; i <= 40; i += 2) {
		snprintf(addr, sizeof(addr), "2001:db8::%x", i);
		ev_deladdr(&f, 4, addr, 64);
	}
	expect_n_calls(&f, 61);
	for (unsigned i = 2; i <= 40; i += 2) {
		snprintf(want[n], sizeof(want[n]), "2001:db8::%x/64", i);
		wantp[n] = want[n];
		n++;
	}
	wantp[n] = NULL;
	l = expect_link(&f, 4, "eth0", true);
	ck_assert_uint_eq(l->n_addrs, 20);
	ck_assert_uint_ge(l->cap, 20);
	{
		char have[20][64];

		for (size_t i = 0; i < l->n_addrs; i++)
			laddr_format(&l->addrs[i], have[i], sizeof(have[i]));
		expect_set(have, l->n_addrs, wantp);
	}
	expect_addr(&f, 41, 4, "eth0", false, "2001:db8::1/64");
	expect_addr(&f, 60, 4, "eth0", false, "2001:db8::27/64");
	fake_free(&f);
}
END_TEST

START_TEST(test_laddr_format_writes_address_and_prefix_length)
{
	struct laddr a4 = { .family = 4, .prefixlen = 32, .addr = { 203, 0, 113, 255 } };
	struct laddr a6 = { .family = 6, .prefixlen = 128 };
	char buf[64];

	laddr_format(&a4, buf, sizeof(buf));
	ck_assert_str_eq(buf, "203.0.113.255/32");
	a6.addr[15] = 1;
	laddr_format(&a6, buf, sizeof(buf));
	ck_assert_str_eq(buf, "::1/128");
	a6.addr[0] = 0xfe;
	a6.addr[1] = 0x80;
	a6.prefixlen = 10;
	laddr_format(&a6, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fe80::1/10");
}
END_TEST

/* ---- deletion and re-creation ---- */

START_TEST(test_deleted_managed_link_is_unmanaged_as_gone_and_forgotten)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_dellink(&f, 4, "eth0");
	/* One unmanage: no addr(del) per address, the link is gone whole. */
	expect_n_calls(&f, 3);
	expect_unmanage(&f, 2, 4, "eth0", true);
	ck_assert(f.calls[2].managed);
	ck_assert_uint_eq(f.calls[2].n_addrs, 1);
	ck_assert_ptr_null(links_find(&f.ls, 4));
	ck_assert_ptr_null(links_find_name(&f.ls, "eth0"));
	ck_assert_uint_eq(f.ls.n, 0);

	/* Events for it afterwards are strays. */
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_dellink(&f, 4, "eth0");
	expect_n_calls(&f, 3);
	ck_assert_uint_eq(f.ls.n, 0);
	fake_free(&f);
}
END_TEST

START_TEST(test_deleted_unmanaged_link_is_forgotten_without_calls)
{
	struct fake f;

	fake_init(&f);
	ev_newlink(&f, 5, "wlan0");
	ev_newlink(&f, 6, "wlan1");
	ev_newaddr(&f, 5, "198.51.100.2", 24);
	ev_dellink(&f, 5, "wlan0");
	ev_dellink(&f, 99, "nothere");
	expect_n_calls(&f, 0);
	ck_assert_ptr_null(links_find(&f.ls, 5));
	expect_link(&f, 6, "wlan1", false);
	ck_assert_uint_eq(f.ls.n, 1);
	fake_free(&f);
}
END_TEST

START_TEST(test_link_recreated_under_the_same_name_is_managed_with_its_new_ifindex)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "zf0", &o);
	ev_newlink(&f, 3, "zf0");
	ev_newaddr(&f, 3, "192.0.2.1", 24);
	ev_dellink(&f, 3, "zf0");
	ev_newlink(&f, 8, "zf0");
	expect_n_calls(&f, 4);
	expect_manage(&f, 0, 3, "zf0", &o, NONE);
	expect_unmanage(&f, 2, 3, "zf0", true);
	/* A new link: none of the old one's addresses. */
	expect_manage(&f, 3, 8, "zf0", &o, NONE);
	expect_link(&f, 8, "zf0", true);
	ck_assert_ptr_null(links_find(&f.ls, 3));
	ck_assert_uint_eq(links_find_name(&f.ls, "zf0")->ifindex, 8);
	fake_free(&f);
}
END_TEST

/* ---- renames ---- */

START_TEST(test_managed_link_renamed_to_an_unwanted_name_is_unmanaged_not_gone)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "zf1", &o);
	ev_newlink(&f, 2, "zf1");
	ev_newaddr(&f, 2, "192.0.2.9", 24);
	ev_newlink(&f, 2, "zfpeer");
	expect_n_calls(&f, 3);
	/* Unmanaged under the name it was managed with. */
	expect_unmanage(&f, 2, 2, "zf1", false);
	l = expect_link(&f, 2, "zfpeer", false);
	expect_link_addrs(l, (const char *[]){ "192.0.2.9/24", NULL });
	ck_assert_ptr_null(links_find_name(&f.ls, "zf1"));

	/* Its addresses no longer make calls. */
	ev_newaddr(&f, 2, "192.0.2.10", 24);
	expect_n_calls(&f, 3);
	fake_free(&f);
}
END_TEST

START_TEST(test_link_renamed_back_to_a_wanted_name_is_managed_again)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "zf1", &o);
	ev_newlink(&f, 2, "zf1");
	ev_newaddr(&f, 2, "192.0.2.9", 24);
	ev_newlink(&f, 2, "zfpeer");
	ev_newaddr(&f, 2, "192.0.2.10", 24);
	ev_newlink(&f, 2, "zf1");
	expect_n_calls(&f, 4);
	expect_manage(&f, 0, 2, "zf1", &o, NONE);
	expect_unmanage(&f, 2, 2, "zf1", false);
	/* Under its wanted name again, with what it gained meanwhile. */
	expect_manage(&f, 3, 2, "zf1", &o,
		      (const char *[]){ "192.0.2.9/24", "192.0.2.10/24", NULL });
	expect_link(&f, 2, "zf1", true);

	/* And once more away and back: the same again. */
	ev_newlink(&f, 2, "zfpeer");
	ev_newlink(&f, 2, "zf1");
	expect_n_calls(&f, 6);
	expect_unmanage(&f, 4, 2, "zf1", false);
	expect_manage(&f, 5, 2, "zf1", &o,
		      (const char *[]){ "192.0.2.9/24", "192.0.2.10/24", NULL });
	fake_free(&f);
}
END_TEST

START_TEST(test_rename_between_two_wanted_names_unmanages_then_manages)
{
	struct iface_opts a = opts_default(), b = opts_other();
	struct fake f;

	fake_init(&f);
	want_name(&f, "zf1", &a);
	want_name(&f, "zfpeer", &b);
	ev_newlink(&f, 2, "zf1");
	ev_newaddr(&f, 2, "192.0.2.9", 24);
	ev_newlink(&f, 2, "zfpeer");
	expect_n_calls(&f, 4);
	expect_manage(&f, 0, 2, "zf1", &a, NONE);
	expect_unmanage(&f, 2, 2, "zf1", false);
	expect_manage(&f, 3, 2, "zfpeer", &b, (const char *[]){ "192.0.2.9/24", NULL });
	check_opts(&expect_link(&f, 2, "zfpeer", true)->opts, &b);

	/* zfpeer's options change: an update. Then a rename to zf2, whose
	 * options are the same: still unmanage and manage, the name changed. */
	want_name(&f, "zfpeer", &a);
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 5);
	expect_call(&f, 4, OP_UPDATE, 2, "zfpeer");
	want_name(&f, "zf2", &a);
	ev_newlink(&f, 2, "zf2");
	expect_n_calls(&f, 7);
	expect_unmanage(&f, 5, 2, "zfpeer", false);
	expect_manage(&f, 6, 2, "zf2", &a, (const char *[]){ "192.0.2.9/24", NULL });
	fake_free(&f);
}
END_TEST

START_TEST(test_unwanted_link_renamed_to_a_wanted_name_is_managed)
{
	struct iface_opts o = opts_other();
	struct fake f;

	fake_init(&f);
	want_name(&f, "uplink", &o);
	ev_newlink(&f, 6, "eth1");
	ev_newaddr(&f, 6, "203.0.113.5", 24);
	ev_newlink(&f, 6, "uplink");
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, 6, "uplink", &o, (const char *[]){ "203.0.113.5/24", NULL });
	expect_link(&f, 6, "uplink", true);
	fake_free(&f);
}
END_TEST

/* ---- options and reevaluation ---- */

START_TEST(test_changed_options_are_applied_by_update_with_the_old_ones)
{
	struct iface_opts a = opts_default(), b = opts_other();
	const struct call *c;
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &a);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	want_name(&f, "eth0", &b);
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 3);
	c = expect_call(&f, 2, OP_UPDATE, 4, "eth0");
	check_opts(&c->old, &a);
	check_opts(&c->opts, &b);
	ck_assert(c->managed);
	ck_assert_uint_eq(c->n_addrs, 1);
	l = expect_link(&f, 4, "eth0", true);
	check_opts(&l->opts, &b);

	/* Unchanged: nothing. */
	links_reevaluate(&f.ls);
	ev_newlink(&f, 4, "eth0");
	expect_n_calls(&f, 3);
	ck_assert_uint_eq(f.ls.failures, 0);
	fake_free(&f);
}
END_TEST

START_TEST(test_a_change_of_any_single_option_is_an_update)
{
	struct iface_opts base = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "eth0", &base);
	ev_newlink(&f, 4, "eth0");
	for (int field = 0; field < 7; field++) {
		struct iface_opts o = base;
		const struct call *c;

		switch (field) {
		case 0:
			o.role = ZFWD_ROLE_EXTERNAL;
			break;
		case 1:
			o.default_action = ZFWD_ACT_PASS;
			break;
		case 2:
			o.icmp_echo = !o.icmp_echo;
			break;
		case 3:
			o.ssh = !o.ssh;
			break;
		case 4:
			o.ipv6 = !o.ipv6;
			break;
		case 5:
			o.egress = !o.egress;
			break;
		case 6:
			o.events = !o.events;
			break;
		}
		want_name(&f, "eth0", &o);
		links_reevaluate(&f.ls);
		ck_assert_msg(f.n == 1 + 2 * (size_t)field + 1, "field %d: no update", field);
		c = expect_call(&f, f.n - 1, OP_UPDATE, 4, "eth0");
		check_opts(&c->old, &base);
		check_opts(&c->opts, &o);
		/* And back. */
		want_name(&f, "eth0", &base);
		links_reevaluate(&f.ls);
		c = expect_call(&f, f.n - 1, OP_UPDATE, 4, "eth0");
		check_opts(&c->old, &o);
		check_opts(&c->opts, &base);
	}
	expect_n_calls(&f, 15);
	fake_free(&f);
}
END_TEST

START_TEST(test_link_no_longer_wanted_is_unmanaged_and_managed_when_wanted_again)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	unwant_name(&f, "eth0");
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 3);
	expect_unmanage(&f, 2, 4, "eth0", false);
	expect_link(&f, 4, "eth0", false);

	/* Unwanted stays quiet. */
	links_reevaluate(&f.ls);
	ev_newaddr(&f, 4, "192.0.2.2", 24);
	expect_n_calls(&f, 3);

	want_name(&f, "eth0", &o);
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 4);
	expect_manage(&f, 3, 4, "eth0", &o,
		      (const char *[]){ "192.0.2.1/24", "192.0.2.2/24", NULL });
	expect_link(&f, 4, "eth0", true);
	fake_free(&f);
}
END_TEST

START_TEST(test_config_reload_with_globs_updates_unmanages_and_manages)
{
	struct iface_opts def = opts_default(), ext = opts_default();
	struct config c1, c2;
	struct fake f;

	ext.role = ZFWD_ROLE_EXTERNAL;
	ext.default_action = ZFWD_ACT_PASS;
	cfg_parse(&c1, "{'interfaces': [{'name': 'zf*'}]}");
	cfg_parse(&c2, "{'interfaces': [{'name': 'zf0', 'role': 'external',"
		       " 'default_action': 'pass'}, {'name': 'eth?'}]}");
	fake_init(&f);
	f.cfg = &c1;
	ev_newlink(&f, 2, "zf1");
	ev_newlink(&f, 3, "zf0");
	ev_newlink(&f, 4, "eth0");
	ev_newlink(&f, 5, "eth10");
	expect_n_calls(&f, 2);
	expect_manage(&f, 0, 2, "zf1", &def, NONE);
	expect_manage(&f, 1, 3, "zf0", &def, NONE);

	f.cfg = &c2;
	links_reevaluate(&f.ls);
	/* In the order links are kept; checked as a set of four calls. */
	expect_n_calls(&f, 5);
	for (size_t i = 2; i < 5; i++) {
		const struct call *c = &f.calls[i];

		if (c->ifindex == 2) {
			expect_unmanage(&f, i, 2, "zf1", false);
		} else if (c->ifindex == 3) {
			expect_call(&f, i, OP_UPDATE, 3, "zf0");
			check_opts(&c->old, &def);
			check_opts(&c->opts, &ext);
		} else {
			expect_manage(&f, i, 4, "eth0", &def, NONE);
		}
	}
	expect_link(&f, 2, "zf1", false);
	expect_link(&f, 3, "zf0", true);
	expect_link(&f, 4, "eth0", true);
	expect_link(&f, 5, "eth10", false);
	fake_free(&f);
	config_free(&c1);
	config_free(&c2);
}
END_TEST

/* ---- ops failing ---- */

START_TEST(test_failed_manage_is_undone_counted_and_leaves_the_link_unmanaged)
{
	struct iface_opts o = opts_default();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	f.manage_err = -EBUSY;
	f.manage_fails = 1;
	ev_newlink(&f, 4, "eth0");
	expect_n_calls(&f, 2);
	expect_manage(&f, 0, 4, "eth0", &o, NONE);
	expect_unmanage(&f, 1, 4, "eth0", false);
	l = expect_link(&f, 4, "eth0", false);
	ck_assert_uint_eq(f.ls.failures, 1);

	/* Not managed: its addresses make no calls, its deletion neither. */
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	expect_n_calls(&f, 2);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", NULL });
	ev_dellink(&f, 4, "eth0");
	expect_n_calls(&f, 2);
	ck_assert_uint_eq(f.ls.n, 0);
	fake_free(&f);
}
END_TEST

START_TEST(test_failed_manage_is_retried_on_the_next_link_event)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	f.manage_err = -ENOMEM;
	f.manage_fails = 2;
	ev_newlink(&f, 4, "eth0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_newlink(&f, 4, "eth0");
	ev_newlink(&f, 4, "eth0");
	expect_n_calls(&f, 5);
	expect_manage(&f, 0, 4, "eth0", &o, NONE);
	expect_unmanage(&f, 1, 4, "eth0", false);
	expect_manage(&f, 2, 4, "eth0", &o, (const char *[]){ "192.0.2.1/24", NULL });
	expect_unmanage(&f, 3, 4, "eth0", false);
	expect_manage(&f, 4, 4, "eth0", &o, (const char *[]){ "192.0.2.1/24", NULL });
	expect_link(&f, 4, "eth0", true);
	ck_assert_uint_eq(f.ls.failures, 2);

	/* Managed now: nothing more on the next event. */
	ev_newlink(&f, 4, "eth0");
	expect_n_calls(&f, 5);
	fake_free(&f);
}
END_TEST

START_TEST(test_failed_manage_is_retried_on_reevaluate)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	want_name(&f, "eth0", &o);
	want_name(&f, "eth1", &o);
	f.manage_err = -EPERM;
	f.manage_fails = 1;
	ev_newlink(&f, 4, "eth0");
	ev_newlink(&f, 5, "eth1");
	expect_n_calls(&f, 3);
	expect_unmanage(&f, 1, 4, "eth0", false);
	expect_manage(&f, 2, 5, "eth1", &o, NONE);
	ck_assert_uint_eq(f.ls.failures, 1);

	links_reevaluate(&f.ls);
	expect_n_calls(&f, 4);
	expect_manage(&f, 3, 4, "eth0", &o, NONE);
	expect_link(&f, 4, "eth0", true);
	expect_link(&f, 5, "eth1", true);
	ck_assert_uint_eq(f.ls.failures, 1);
	fake_free(&f);
}
END_TEST

START_TEST(test_failed_address_and_update_ops_are_counted_and_retried)
{
	struct iface_opts a = opts_default(), b = opts_other();
	struct fake f;
	struct link *l;

	fake_init(&f);
	want_name(&f, "eth0", &a);
	ev_newlink(&f, 4, "eth0");
	f.addr_err = -ENOSPC;
	ev_newaddr(&f, 4, "192.0.2.1", 24); /* feed asserts links_event() == 0 */
	ck_assert_uint_eq(f.ls.failures, 1);
	l = expect_link(&f, 4, "eth0", true);
	/* Not in the map, so not in the model: the next report retries. */
	ck_assert_uint_eq(l->n_addrs, 0);
	f.addr_err = 0;
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", NULL });
	expect_n_calls(&f, 3); /* manage, failed addr, addr */

	f.update_err = -EIO;
	want_name(&f, "eth0", &b);
	links_reevaluate(&f.ls);
	ck_assert_uint_eq(f.ls.failures, 2);
	expect_n_calls(&f, 4);
	expect_call(&f, 3, OP_UPDATE, 4, "eth0");
	l = expect_link(&f, 4, "eth0", true);
	/* The options in force are still the old ones... */
	ck_assert_int_eq(l->opts.egress, a.egress);
	ck_assert_int_eq(l->opts.role, a.role);
	/* ...and the next evaluation tries again. */
	f.update_err = 0;
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 5);
	expect_call(&f, 4, OP_UPDATE, 4, "eth0");
	ck_assert_int_eq(l->opts.role, b.role);
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 5);
	fake_free(&f);
}
END_TEST

/* ---- resync ---- */

/* Two managed links and an unmanaged one, each with addresses. */
static void three_links(struct fake *f, const struct iface_opts *o)
{
	want_name(f, "eth0", o);
	want_name(f, "eth1", o);
	ev_newlink(f, 4, "eth0");
	ev_newlink(f, 5, "eth1");
	ev_newlink(f, 6, "wlan0");
	ev_newaddr(f, 4, "192.0.2.1", 24);
	ev_newaddr(f, 4, "2001:db8::1", 64);
	ev_newaddr(f, 5, "198.51.100.1", 24);
	ev_newaddr(f, 6, "203.0.113.1", 24);
	ev_newaddr(f, 6, "203.0.113.2", 24);
	expect_n_calls(f, 5);
	f->n = 0;
}

START_TEST(test_resync_reporting_everything_changes_nothing)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	three_links(&f, &o);
	links_resync_begin(&f.ls);
	ck_assert(f.ls.resyncing);
	ev_newlink(&f, 4, "eth0");
	ev_newlink(&f, 5, "eth1");
	ev_newlink(&f, 6, "wlan0");
	ev_newaddr(&f, 4, "192.0.2.1", 24);
	ev_newaddr(&f, 4, "2001:db8::1", 64);
	ev_newaddr(&f, 5, "198.51.100.1", 24);
	ev_newaddr(&f, 6, "203.0.113.1", 24);
	ev_newaddr(&f, 6, "203.0.113.2", 24);
	links_resync_end(&f.ls);
	ck_assert(!f.ls.resyncing);
	expect_n_calls(&f, 0);
	ck_assert_uint_eq(f.ls.n, 3);
	expect_link_addrs(expect_link(&f, 4, "eth0", true),
			  (const char *[]){ "192.0.2.1/24", "2001:db8::1/64", NULL });
	expect_link_addrs(expect_link(&f, 5, "eth1", true),
			  (const char *[]){ "198.51.100.1/24", NULL });
	expect_link_addrs(expect_link(&f, 6, "wlan0", false),
			  (const char *[]){ "203.0.113.1/24", "203.0.113.2/24", NULL });
	fake_free(&f);
}
END_TEST

START_TEST(test_resync_removes_links_and_addresses_the_dump_did_not_report)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	three_links(&f, &o);
	links_resync_begin(&f.ls);
	ev_newlink(&f, 4, "eth0");
	ev_newlink(&f, 6, "wlan0");
	ev_newaddr(&f, 4, "2001:db8::1", 64);
	ev_newaddr(&f, 6, "203.0.113.2", 24);
	expect_n_calls(&f, 0);
	links_resync_end(&f.ls);

	/* eth1 gone (one unmanage, gone); eth0 lost 192.0.2.1 (a call);
	 * wlan0 lost 203.0.113.1 (no call: not managed). */
	expect_n_calls(&f, 2);
	for (size_t i = 0; i < 2; i++) {
		if (f.calls[i].op == OP_UNMANAGE)
			expect_unmanage(&f, i, 5, "eth1", true);
		else
			expect_addr(&f, i, 4, "eth0", false, "192.0.2.1/24");
	}
	ck_assert_uint_eq(f.ls.n, 2);
	ck_assert_ptr_null(links_find(&f.ls, 5));
	expect_link_addrs(expect_link(&f, 4, "eth0", true),
			  (const char *[]){ "2001:db8::1/64", NULL });
	expect_link_addrs(expect_link(&f, 6, "wlan0", false),
			  (const char *[]){ "203.0.113.2/24", NULL });
	fake_free(&f);
}
END_TEST

START_TEST(test_resync_with_an_empty_dump_removes_everything)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	three_links(&f, &o);
	links_resync_begin(&f.ls);
	links_resync_end(&f.ls);
	expect_n_calls(&f, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(f.calls[i].op, OP_UNMANAGE);
		ck_assert(f.calls[i].gone);
		ck_assert(f.calls[i].ifindex == 4 || f.calls[i].ifindex == 5);
	}
	ck_assert_uint_ne(f.calls[0].ifindex, f.calls[1].ifindex);
	ck_assert_uint_eq(f.ls.n, 0);
	fake_free(&f);
}
END_TEST

START_TEST(test_resync_manages_new_links_and_follows_renames_it_finds)
{
	struct iface_opts o = opts_default();
	struct fake f;

	fake_init(&f);
	three_links(&f, &o);
	want_name(&f, "eth9", &o);
	links_resync_begin(&f.ls);
	ev_newlink(&f, 4, "eth0");
	ev_newlink(&f, 5, "wan");    /* eth1, renamed while events were lost */
	ev_newlink(&f, 6, "eth9");   /* wlan0, renamed to a wanted name */
	ev_newlink(&f, 7, "eth1");   /* a new link named like the old eth1 */
	ev_newaddr(&f, 7, "192.0.2.77", 24);
	links_resync_end(&f.ls);
	expect_unmanage(&f, 0, 5, "eth1", false);
	expect_manage(&f, 1, 6, "eth9", &o,
		      (const char *[]){ "203.0.113.1/24", "203.0.113.2/24", NULL });
	expect_manage(&f, 2, 7, "eth1", &o, NONE);
	expect_addr(&f, 3, 7, "eth1", true, "192.0.2.77/24");
	/* Then the sweep: the addresses no dump message reported again.
	 * For the managed links an addr(del) call each; wan's one goes
	 * silently (not managed). */
	expect_n_calls(&f, 8);
	{
		char dels4[2][64], dels6[2][64];
		size_t n4 = 0, n6 = 0;

		for (size_t i = 4; i < 8; i++) {
			const struct call *c = &f.calls[i];

			ck_assert_int_eq(c->op, OP_ADDR);
			ck_assert(!c->add);
			ck_assert(c->ifindex == 4 || c->ifindex == 6);
			if (c->ifindex == 4 && n4 < 2)
				snprintf(dels4[n4++], 64, "%s", c->addr);
			else if (c->ifindex == 6 && n6 < 2)
				snprintf(dels6[n6++], 64, "%s", c->addr);
		}
		expect_set(dels4, n4, (const char *[]){ "192.0.2.1/24", "2001:db8::1/64", NULL });
		expect_set(dels6, n6, (const char *[]){ "203.0.113.1/24", "203.0.113.2/24", NULL });
	}
	ck_assert_uint_eq(f.ls.n, 4);
	ck_assert_uint_eq(expect_link(&f, 4, "eth0", true)->n_addrs, 0);
	ck_assert_uint_eq(expect_link(&f, 5, "wan", false)->n_addrs, 0);
	ck_assert_uint_eq(expect_link(&f, 6, "eth9", true)->n_addrs, 0);
	expect_link_addrs(expect_link(&f, 7, "eth1", true),
			  (const char *[]){ "192.0.2.77/24", NULL });
	fake_free(&f);
}
END_TEST

/* ---- from recorded rtnetlink messages ---- */

/* Reads a recorded file into a heap buffer of exactly its size; NULL
 * when there is no such file. */
static void *load(const char *file, size_t *len)
{
	const char *src = getenv("ZFWD_SOURCE_DIR");
	char path[4096];
	void *buf;
	long size;
	FILE *fp;

	ck_assert_msg(src != NULL, "ZFWD_SOURCE_DIR is not set (run through ctest)");
	snprintf(path, sizeof(path), "%s/tests/unit/data/nl/%s", src, file);
	fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	ck_assert_int_gt(size, 0);
	rewind(fp);
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, size, fp), (size_t)size);
	fclose(fp);
	*len = size;
	return buf;
}

static int apply(const struct nl_event *ev, void *ctx)
{
	struct fake *f = ctx;

	return links_event(&f->ls, ev);
}

/* Walks every recorded buffer of @step (<step>-0.bin, -1, ...) into the
 * model; returns the number of events. */
static unsigned walk_step(struct fake *f, const char *step)
{
	unsigned files = 0, events = 0;

	for (;;) {
		struct nlmsg_walk_result res;
		char name[64];
		size_t len;
		void *buf;

		snprintf(name, sizeof(name), "%s-%u.bin", step, files);
		buf = load(name, &len);
		if (!buf)
			break;
		ck_assert_int_eq(nlmsg_walk(buf, len, apply, f, &res), 0);
		ck_assert(!res.truncated);
		free(buf);
		events += res.events;
		files++;
	}
	ck_assert_msg(files > 0, "no recorded file for step %s", step);
	return events;
}

static void walk_dump(struct fake *f)
{
	links_resync_begin(&f->ls);
	ck_assert_uint_eq(walk_step(f, "dump-link"), 3);
	ck_assert_uint_eq(walk_step(f, "dump-addr"), 4);
	links_resync_end(&f->ls);
}

/* The model after the setup steps (or a dump of it). */
static void expect_recorded_setup(const struct fake *f, bool zf1_managed)
{
	struct link *l;

	ck_assert_uint_eq(f->ls.n, 3);
	l = expect_link(f, IDX_LO, "lo", false);
	ck_assert_uint_eq(l->flags, IFF_LOOPBACK);
	expect_link_addrs(l, (const char *[]){ "::1/128", NULL });
	l = expect_link(f, IDX_ZF1, "zf1", zf1_managed);
	ck_assert_uint_eq(l->flags, F_RUNNING);
	ck_assert_uint_eq(l->n_addrs, 0);
	l = expect_link(f, IDX_ZF0, "zf0", true);
	ck_assert_uint_eq(l->flags, F_RUNNING);
	expect_link_addrs(l, (const char *[]){ "192.0.2.1/24", "192.0.2.2/24", "2001:db8::1/64",
					       NULL });
}

static const char *const setup_steps[] = {
	"link-add", "link-up", "peer-up", "addr4-primary", "addr4-secondary", "addr6",
};

START_TEST(test_recorded_history_under_zf_glob_manages_the_pair_and_follows_the_rename)
{
	struct iface_opts def = opts_default();
	struct config c;
	struct fake f;
	unsigned events = 0;

	cfg_parse(&c, "{'interfaces': [{'name': 'zf*'}]}");
	fake_init(&f);
	f.cfg = &c;
	for (size_t i = 0; i < sizeof(setup_steps) / sizeof(setup_steps[0]); i++)
		events += walk_step(&f, setup_steps[i]);
	ck_assert_uint_eq(events, 9);
	expect_n_calls(&f, 5);
	expect_manage(&f, 0, IDX_ZF1, "zf1", &def, NONE);
	expect_manage(&f, 1, IDX_ZF0, "zf0", &def, NONE);
	expect_addr(&f, 2, IDX_ZF0, "zf0", true, "192.0.2.1/24");
	expect_addr(&f, 3, IDX_ZF0, "zf0", true, "192.0.2.2/24");
	expect_addr(&f, 4, IDX_ZF0, "zf0", true, "2001:db8::1/64");
	/* lo is not there yet: its dump comes next. */
	ck_assert_uint_eq(f.ls.n, 2);

	/* A resync now finds lo and changes nothing else. */
	walk_dump(&f);
	expect_n_calls(&f, 5);
	expect_recorded_setup(&f, true);

	/* zfpeer matches zf* too: unmanaged and managed again. */
	ck_assert_uint_eq(walk_step(&f, "link-rename"), 1);
	expect_n_calls(&f, 7);
	expect_unmanage(&f, 5, IDX_ZF1, "zf1", false);
	expect_manage(&f, 6, IDX_ZF1, "zfpeer", &def, NONE);

	ck_assert_uint_eq(walk_step(&f, "bridge-join"), 0);
	ck_assert_uint_eq(walk_step(&f, "bridge-leave"), 0);
	expect_n_calls(&f, 7);
	ck_assert_uint_eq(f.ls.n, 3);
	expect_link(&f, IDX_ZF1, "zfpeer", true);

	ck_assert_uint_eq(walk_step(&f, "addr-del"), 1);
	expect_n_calls(&f, 8);
	expect_addr(&f, 7, IDX_ZF0, "zf0", false, "192.0.2.2/24");

	ck_assert_uint_eq(walk_step(&f, "link-del"), 6);
	expect_n_calls(&f, 12);
	expect_addr(&f, 8, IDX_ZF0, "zf0", false, "2001:db8::1/64");
	expect_addr(&f, 9, IDX_ZF0, "zf0", false, "192.0.2.1/24");
	expect_unmanage(&f, 10, IDX_ZF0, "zf0", true);
	expect_unmanage(&f, 11, IDX_ZF1, "zfpeer", true);
	ck_assert_uint_eq(f.calls[10].n_addrs, 0);

	ck_assert_uint_eq(f.ls.n, 1);
	expect_link_addrs(expect_link(&f, IDX_LO, "lo", false),
			  (const char *[]){ "::1/128", NULL });
	ck_assert_uint_eq(f.ls.failures, 0);
	fake_free(&f);
	config_free(&c);
}
END_TEST

START_TEST(test_recorded_rename_out_of_a_narrower_glob_unmanages_the_peer)
{
	struct iface_opts def = opts_default();
	struct config c;
	struct fake f;

	cfg_parse(&c, "{'interfaces': [{'name': 'zf[0-9]'}]}");
	fake_init(&f);
	f.cfg = &c;
	for (size_t i = 0; i < sizeof(setup_steps) / sizeof(setup_steps[0]); i++)
		walk_step(&f, setup_steps[i]);
	walk_dump(&f);
	expect_recorded_setup(&f, true);
	expect_n_calls(&f, 5);

	walk_step(&f, "link-rename");
	expect_n_calls(&f, 6);
	expect_unmanage(&f, 5, IDX_ZF1, "zf1", false);
	expect_link(&f, IDX_ZF1, "zfpeer", false);

	walk_step(&f, "bridge-join");
	walk_step(&f, "bridge-leave");
	walk_step(&f, "addr-del");
	walk_step(&f, "link-del");
	/* zfpeer goes without a call: it was no longer managed. */
	expect_n_calls(&f, 10);
	expect_addr(&f, 6, IDX_ZF0, "zf0", false, "192.0.2.2/24");
	expect_addr(&f, 7, IDX_ZF0, "zf0", false, "2001:db8::1/64");
	expect_addr(&f, 8, IDX_ZF0, "zf0", false, "192.0.2.1/24");
	expect_unmanage(&f, 9, IDX_ZF0, "zf0", true);
	ck_assert_uint_eq(f.ls.n, 1);
	expect_link(&f, IDX_LO, "lo", false);
	check_opts(&f.calls[0].opts, &def);
	fake_free(&f);
	config_free(&c);
}
END_TEST

START_TEST(test_recorded_startup_dump_manages_then_events_follow)
{
	struct iface_opts def = opts_default();
	struct config c;
	struct fake f;

	cfg_parse(&c, "{'interfaces': [{'name': 'zf*'}]}");
	fake_init(&f);
	f.cfg = &c;
	/* The daemon starting after the setup: links come first, so the
	 * addresses arrive as addr calls after manage. */
	walk_dump(&f);
	expect_n_calls(&f, 5);
	expect_manage(&f, 0, IDX_ZF1, "zf1", &def, NONE);
	expect_manage(&f, 1, IDX_ZF0, "zf0", &def, NONE);
	expect_addr(&f, 2, IDX_ZF0, "zf0", true, "192.0.2.1/24");
	expect_addr(&f, 3, IDX_ZF0, "zf0", true, "192.0.2.2/24");
	expect_addr(&f, 4, IDX_ZF0, "zf0", true, "2001:db8::1/64");
	expect_recorded_setup(&f, true);

	/* A second dump of the same: no call at all. */
	walk_dump(&f);
	expect_n_calls(&f, 5);
	expect_recorded_setup(&f, true);

	walk_step(&f, "link-rename");
	walk_step(&f, "addr-del");
	expect_n_calls(&f, 8);
	expect_unmanage(&f, 5, IDX_ZF1, "zf1", false);
	expect_manage(&f, 6, IDX_ZF1, "zfpeer", &def, NONE);
	expect_addr(&f, 7, IDX_ZF0, "zf0", false, "192.0.2.2/24");

	/* A stale dump (it still lists zf1 and 192.0.2.2) brings them back. */
	walk_dump(&f);
	expect_n_calls(&f, 11);
	expect_unmanage(&f, 8, IDX_ZF1, "zfpeer", false);
	expect_manage(&f, 9, IDX_ZF1, "zf1", &def, NONE);
	expect_addr(&f, 10, IDX_ZF0, "zf0", true, "192.0.2.2/24");
	expect_recorded_setup(&f, true);
	fake_free(&f);
	config_free(&c);
}
END_TEST

START_TEST(test_recorded_links_managed_after_reload_find_their_addresses)
{
	struct iface_opts ext = opts_default();
	struct config none, c;
	struct fake f;

	cfg_parse(&none, "{'interfaces': []}");
	cfg_parse(&c, "{'interfaces': [{'name': 'zf0', 'role': 'external'}]}");
	ext.role = ZFWD_ROLE_EXTERNAL;
	fake_init(&f);
	f.cfg = &none;
	walk_dump(&f);
	expect_n_calls(&f, 0);
	ck_assert_uint_eq(f.ls.n, 3);

	f.cfg = &c;
	links_reevaluate(&f.ls);
	expect_n_calls(&f, 1);
	expect_manage(&f, 0, IDX_ZF0, "zf0", &ext,
		      (const char *[]){ "192.0.2.1/24", "192.0.2.2/24", "2001:db8::1/64", NULL });
	expect_recorded_setup(&f, false);
	fake_free(&f);
	config_free(&none);
	config_free(&c);
}
END_TEST

START_TEST(test_recorded_bridge_messages_remove_no_link)
{
	struct config c;
	struct fake f;
	uint64_t events;

	cfg_parse(&c, "{'interfaces': [{'name': 'zf*'}]}");
	fake_init(&f);
	f.cfg = &c;
	walk_dump(&f);
	walk_step(&f, "link-rename");
	f.n = 0;
	events = f.ls.events;
	/* bridge-leave holds an AF_BRIDGE RTM_DELLINK for zfpeer. */
	ck_assert_uint_eq(walk_step(&f, "bridge-join"), 0);
	ck_assert_uint_eq(walk_step(&f, "bridge-leave"), 0);
	expect_n_calls(&f, 0);
	ck_assert_uint_eq(f.ls.events, events);
	ck_assert_uint_eq(f.ls.n, 3);
	expect_link(&f, IDX_ZF1, "zfpeer", true);
	expect_link(&f, IDX_ZF0, "zf0", true);
	fake_free(&f);
	config_free(&c);
}
END_TEST

/* ---- many links ---- */

#define MANY 1000

START_TEST(test_thousand_links_created_and_deleted_balance_manage_and_unmanage)
{
	static unsigned manages[MANY + 1], unmanages[MANY + 1];
	static uint32_t order[MANY];
	uint64_t seed = 42;
	struct config c;
	struct fake f;
	char name[16], addr[64];

	memset(manages, 0, sizeof(manages));
	memset(unmanages, 0, sizeof(unmanages));
	cfg_parse(&c, "{'interfaces': [{'name': 'zf*'}]}");
	fake_init(&f);
	f.cfg = &c;
	for (uint32_t i = 1; i <= MANY; i++) {
		snprintf(name, sizeof(name), "zf%u", i);
		ev_newlink(&f, i, name);
		snprintf(addr, sizeof(addr), "10.%u.%u.1", i / 256, i % 256);
		ev_newaddr(&f, i, addr, 24);
	}
	ck_assert_uint_eq(f.ls.n, MANY);
	expect_n_calls(&f, 2 * MANY);
	ck_assert_ptr_eq(links_find_name(&f.ls, "zf777"), links_find(&f.ls, 777));

	/* Deleted in a shuffled order. */
	for (uint32_t i = 0; i < MANY; i++)
		order[i] = i + 1;
	for (uint32_t i = MANY - 1; i > 0; i--) {
		uint32_t j = prng_below(&seed, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "zf%u", order[i]);
		ev_dellink(&f, order[i], name);
		ck_assert_ptr_null(links_find(&f.ls, order[i]));
	}
	ck_assert_uint_eq(f.ls.n, 0);
	expect_n_calls(&f, 3 * MANY);
	for (size_t i = 0; i < f.n; i++) {
		const struct call *k = &f.calls[i];

		ck_assert_uint_ge(k->ifindex, 1);
		ck_assert_uint_le(k->ifindex, MANY);
		snprintf(name, sizeof(name), "zf%u", k->ifindex);
		ck_assert_str_eq(k->name, name);
		if (k->op == OP_MANAGE) {
			ck_assert_uint_eq(unmanages[k->ifindex], 0);
			manages[k->ifindex]++;
		} else if (k->op == OP_UNMANAGE) {
			ck_assert(k->gone);
			ck_assert_uint_eq(manages[k->ifindex], 1);
			unmanages[k->ifindex]++;
		} else {
			ck_assert_int_eq(k->op, OP_ADDR);
			ck_assert(k->add);
		}
	}
	for (uint32_t i = 1; i <= MANY; i++) {
		ck_assert_uint_eq(manages[i], 1);
		ck_assert_uint_eq(unmanages[i], 1);
	}
	/* The last one deleted was unmanaged last. */
	snprintf(name, sizeof(name), "zf%u", order[MANY - 1]);
	expect_unmanage(&f, f.n - 1, order[MANY - 1], name, true);
	fake_free(&f);
	config_free(&c);
}
END_TEST

START_TEST(test_resync_of_a_thousand_links_keeps_exactly_those_reported)
{
	static unsigned unmanages[MANY + 1];
	struct config c;
	struct fake f;
	char name[16];

	memset(unmanages, 0, sizeof(unmanages));
	cfg_parse(&c, "{'interfaces': [{'name': 'zf*'}]}");
	fake_init(&f);
	f.cfg = &c;
	for (uint32_t i = 1; i <= MANY; i++) {
		snprintf(name, sizeof(name), "zf%u", i);
		ev_newlink(&f, i, name);
	}
	expect_n_calls(&f, MANY);
	f.n = 0;

	/* The dump lists the odd ones only. */
	links_resync_begin(&f.ls);
	for (uint32_t i = 1; i <= MANY; i += 2) {
		snprintf(name, sizeof(name), "zf%u", i);
		ev_newlink(&f, i, name);
	}
	expect_n_calls(&f, 0);
	links_resync_end(&f.ls);
	expect_n_calls(&f, MANY / 2);
	for (size_t i = 0; i < f.n; i++) {
		const struct call *k = &f.calls[i];

		ck_assert_int_eq(k->op, OP_UNMANAGE);
		ck_assert(k->gone);
		ck_assert_uint_eq(k->ifindex % 2, 0);
		ck_assert_uint_le(k->ifindex, MANY);
		unmanages[k->ifindex]++;
	}
	ck_assert_uint_eq(f.ls.n, MANY / 2);
	for (uint32_t i = 1; i <= MANY; i++) {
		snprintf(name, sizeof(name), "zf%u", i);
		if (i % 2) {
			expect_link(&f, i, name, true);
			ck_assert_uint_eq(unmanages[i], 0);
		} else {
			ck_assert_ptr_null(links_find(&f.ls, i));
			ck_assert_uint_eq(unmanages[i], 1);
		}
	}
	fake_free(&f);
	config_free(&c);
}
END_TEST

static Suite *links_suite(void)
{
	Suite *s = suite_create("links");
	TCase *tm = tcase_create("managing");
	TCase *ta = tcase_create("addresses");
	TCase *td = tcase_create("deletion and renames");
	TCase *to = tcase_create("options and failures");
	TCase *tr = tcase_create("resync");
	TCase *tn = tcase_create("recorded");
	TCase *tk = tcase_create("many links");

	tcase_add_test(tm, test_wanted_link_is_managed_once_with_its_options);
	tcase_add_test(tm, test_unwanted_link_is_recorded_but_gets_no_calls);
	tcase_add_test(tm, test_address_for_an_unknown_ifindex_is_ignored);
	tcase_add_test(tm, test_link_without_a_name_is_recorded_and_managed_once_named);
	tcase_add_test(tm, test_nameless_event_for_a_known_link_keeps_its_name_and_management);
	tcase_add_test(tm, test_glob_in_the_config_manages_matching_links_but_never_lo);
	suite_add_tcase(s, tm);

	tcase_add_test(ta, test_addresses_of_a_managed_link_are_added_and_removed);
	tcase_add_test(ta, test_duplicate_address_only_updates_its_prefix_length);
	tcase_add_test(ta, test_deleting_an_address_the_link_lacks_makes_no_call);
	tcase_add_test(ta, test_ipv4_and_ipv6_addresses_with_the_same_bytes_are_distinct);
	tcase_add_test(ta, test_addresses_of_an_unmanaged_link_are_recorded_without_calls);
	tcase_add_test(ta, test_link_managed_later_finds_its_addresses_in_manage);
	tcase_add_test(ta, test_many_addresses_on_one_link_are_all_kept);
	tcase_add_test(ta, test_laddr_format_writes_address_and_prefix_length);
	suite_add_tcase(s, ta);

	tcase_add_test(td, test_deleted_managed_link_is_unmanaged_as_gone_and_forgotten);
	tcase_add_test(td, test_deleted_unmanaged_link_is_forgotten_without_calls);
	tcase_add_test(td, test_link_recreated_under_the_same_name_is_managed_with_its_new_ifindex);
	tcase_add_test(td, test_managed_link_renamed_to_an_unwanted_name_is_unmanaged_not_gone);
	tcase_add_test(td, test_link_renamed_back_to_a_wanted_name_is_managed_again);
	tcase_add_test(td, test_rename_between_two_wanted_names_unmanages_then_manages);
	tcase_add_test(td, test_unwanted_link_renamed_to_a_wanted_name_is_managed);
	suite_add_tcase(s, td);

	tcase_add_test(to, test_changed_options_are_applied_by_update_with_the_old_ones);
	tcase_add_test(to, test_a_change_of_any_single_option_is_an_update);
	tcase_add_test(to, test_link_no_longer_wanted_is_unmanaged_and_managed_when_wanted_again);
	tcase_add_test(to, test_config_reload_with_globs_updates_unmanages_and_manages);
	tcase_add_test(to, test_failed_manage_is_undone_counted_and_leaves_the_link_unmanaged);
	tcase_add_test(to, test_failed_manage_is_retried_on_the_next_link_event);
	tcase_add_test(to, test_failed_manage_is_retried_on_reevaluate);
	tcase_add_test(to, test_failed_address_and_update_ops_are_counted_and_retried);
	suite_add_tcase(s, to);

	tcase_add_test(tr, test_resync_reporting_everything_changes_nothing);
	tcase_add_test(tr, test_resync_removes_links_and_addresses_the_dump_did_not_report);
	tcase_add_test(tr, test_resync_with_an_empty_dump_removes_everything);
	tcase_add_test(tr, test_resync_manages_new_links_and_follows_renames_it_finds);
	suite_add_tcase(s, tr);

	tcase_add_test(tn,
		       test_recorded_history_under_zf_glob_manages_the_pair_and_follows_the_rename);
	tcase_add_test(tn, test_recorded_rename_out_of_a_narrower_glob_unmanages_the_peer);
	tcase_add_test(tn, test_recorded_startup_dump_manages_then_events_follow);
	tcase_add_test(tn, test_recorded_links_managed_after_reload_find_their_addresses);
	tcase_add_test(tn, test_recorded_bridge_messages_remove_no_link);
	suite_add_tcase(s, tn);

	tcase_add_test(tk, test_thousand_links_created_and_deleted_balance_manage_and_unmanage);
	tcase_add_test(tk, test_resync_of_a_thousand_links_keeps_exactly_those_reported);
	suite_add_tcase(s, tk);
	return s;
}

int main(void)
{
	return run_suite(links_suite());
}
