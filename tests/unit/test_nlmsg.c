// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink messages into events: messages recorded from a real kernel by
 * tests/tools/nl_record (tests/unit/data/nl, see its README), and
 * hand-made broken ones. Every buffer is walked from a heap copy of its
 * exact size, so a read past its end is caught under the sanitizers.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nlmsg.h"
#include "unit_util.h"

/* What the recording's namespace held: lo, then the veth pair. */
#define IDX_LO  1u
#define IDX_ZF1 2u /* the peer, created first, renamed zfpeer */
#define IDX_ZF0 3u

/* IFF_* as the kernel reported them at each stage. */
#define F_DOWN    (IFF_BROADCAST | IFF_MULTICAST)
#define F_NOCARR  (F_DOWN | IFF_UP)                 /* up, peer down */
#define F_LOWERUP (F_NOCARR | IFF_LOWER_UP)         /* carrier, not yet running */
#define F_RUNNING (F_LOWERUP | IFF_RUNNING)

#define MAX_EVENTS 32

struct rec {
	struct nl_event ev[MAX_EVENTS];
	unsigned n;
	unsigned stop_at; /* 1-based event on which to return stop_ret; 0: never */
	int stop_ret;
};

static int record(const struct nl_event *ev, void *ctx)
{
	struct rec *r = ctx;

	ck_assert_uint_lt(r->n, MAX_EVENTS);
	r->ev[r->n++] = *ev;
	return r->n == r->stop_at ? r->stop_ret : 0;
}

/* Reads a recorded file into a heap buffer of exactly its size; NULL
 * when there is no such file. */
static void *load(const char *file, size_t *len)
{
	const char *src = getenv("ZFWD_SOURCE_DIR");
	char path[4096];
	void *buf = NULL;
	long size;
	FILE *f;

	ck_assert_msg(src != NULL, "ZFWD_SOURCE_DIR is not set (run through ctest)");
	snprintf(path, sizeof(path), "%s/tests/unit/data/nl/%s", src, file);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_gt(size, 0);
	rewind(f);
	buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, size, f), (size_t)size);
	fclose(f);
	*len = size;
	return buf;
}

static void *load_ok(const char *file, size_t *len)
{
	void *buf = load(file, len);

	ck_assert_msg(buf != NULL, "recorded file %s is missing", file);
	return buf;
}

/* Walks every recorded buffer of @step (<step>-0.bin, -1, ...) in order,
 * as a reader would one recv() after another. @res adds them up, except
 * done, which is the last buffer's: a dump is over only at its end. */
static unsigned walk_step(const char *step, struct rec *r, struct nlmsg_walk_result *res)
{
	struct nlmsg_walk_result one;
	unsigned files = 0;

	memset(res, 0, sizeof(*res));
	for (;;) {
		char name[64];
		size_t len;
		void *buf;

		snprintf(name, sizeof(name), "%s-%u.bin", step, files);
		buf = load(name, &len);
		if (!buf)
			break;
		ck_assert_int_eq(nlmsg_walk(buf, len, record, r, &one), 0);
		free(buf);
		res->done = one.done;
		res->events += one.events;
		res->skipped += one.skipped;
		if (one.got_error) {
			res->got_error = true;
			res->error = one.error;
		}
		files++;
	}
	ck_assert_msg(files > 0, "no recorded file for step %s", step);
	return files;
}

/* Walks a copy of @len bytes of @src made for the purpose, so that the
 * sanitizers see the buffer's true end. */
static int walk_copy(const void *src, size_t len, struct rec *r,
		     struct nlmsg_walk_result *res)
{
	void *buf = malloc(len ? len : 1);
	int ret;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, src, len);
	ret = nlmsg_walk(buf, len, r ? record : NULL, r, res);
	free(buf);
	return ret;
}

static int parse_copy(const void *src, size_t len, struct nl_event *ev)
{
	void *buf = malloc(len ? len : 1);
	int ret;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, src, len);
	ret = nlmsg_parse(buf, len, ev);
	free(buf);
	return ret;
}

static void check_link(const struct nl_event *ev, enum nl_kind kind, uint32_t ifindex,
		       const char *name, uint32_t flags)
{
	static const uint8_t zero[16];

	ck_assert_int_eq(ev->kind, kind);
	ck_assert_uint_eq(ev->ifindex, ifindex);
	ck_assert_str_eq(ev->name, name);
	ck_assert_uint_eq(ev->flags, flags);
	ck_assert_uint_eq(ev->family, 0);
	ck_assert_uint_eq(ev->prefixlen, 0);
	ck_assert_mem_eq(ev->addr, zero, 16);
}

static void check_addr(const struct nl_event *ev, enum nl_kind kind, uint32_t ifindex,
		       const char *addr, uint8_t prefixlen)
{
	uint8_t want[16] = { 0 };
	int v6 = strchr(addr, ':') != NULL;

	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, addr, want), 1);
	ck_assert_int_eq(ev->kind, kind);
	ck_assert_uint_eq(ev->ifindex, ifindex);
	ck_assert_uint_eq(ev->family, v6 ? 6 : 4);
	ck_assert_uint_eq(ev->prefixlen, prefixlen);
	ck_assert_mem_eq(ev->addr, want, 16);
	ck_assert_str_eq(ev->name, "");
	ck_assert_uint_eq(ev->flags, 0);
}

/* ---- recorded: what the kernel said ---- */

START_TEST(test_veth_creation_reports_both_links_with_names_and_ifindexes)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	ck_assert_uint_eq(walk_step("link-add", &r, &res), 2);
	ck_assert_uint_eq(r.n, 2);
	check_link(&r.ev[0], NL_LINK_NEW, IDX_ZF1, "zf1", F_DOWN);
	check_link(&r.ev[1], NL_LINK_NEW, IDX_ZF0, "zf0", F_DOWN);
	ck_assert_uint_eq(res.events, 2);
	ck_assert_uint_eq(res.skipped, 0);
	ck_assert(!res.done);
	ck_assert(!res.got_error);
}
END_TEST

START_TEST(test_setting_links_up_changes_their_flags)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	/* One end up: IFF_UP, but no carrier while the peer is down. */
	walk_step("link-up", &r, &res);
	ck_assert_uint_eq(r.n, 1);
	check_link(&r.ev[0], NL_LINK_NEW, IDX_ZF0, "zf0", F_NOCARR);

	/* The peer up: carrier on both ends, then running. */
	memset(&r, 0, sizeof(r));
	walk_step("peer-up", &r, &res);
	ck_assert_uint_eq(r.n, 3);
	check_link(&r.ev[0], NL_LINK_NEW, IDX_ZF1, "zf1", F_LOWERUP);
	check_link(&r.ev[1], NL_LINK_NEW, IDX_ZF1, "zf1", F_RUNNING);
	check_link(&r.ev[2], NL_LINK_NEW, IDX_ZF0, "zf0", F_RUNNING);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_rename_reports_the_new_name_on_the_same_ifindex)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("link-rename", &r, &res);
	ck_assert_uint_eq(r.n, 1);
	check_link(&r.ev[0], NL_LINK_NEW, IDX_ZF1, "zfpeer", F_RUNNING);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_primary_and_secondary_ipv4_addresses_are_reported)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("addr4-primary", &r, &res);
	walk_step("addr4-secondary", &r, &res);
	ck_assert_uint_eq(r.n, 2);
	check_addr(&r.ev[0], NL_ADDR_NEW, IDX_ZF0, "192.0.2.1", 24);
	check_addr(&r.ev[1], NL_ADDR_NEW, IDX_ZF0, "192.0.2.2", 24);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_ipv6_address_is_reported_with_its_prefix_length)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("addr6", &r, &res);
	ck_assert_uint_eq(r.n, 1);
	check_addr(&r.ev[0], NL_ADDR_NEW, IDX_ZF0, "2001:db8::1", 64);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_address_deletion_reports_the_removed_address)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("addr-del", &r, &res);
	ck_assert_uint_eq(r.n, 1);
	check_addr(&r.ev[0], NL_ADDR_DEL, IDX_ZF0, "192.0.2.2", 24);
}
END_TEST

START_TEST(test_link_deletion_reports_its_addresses_then_both_links_gone)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("link-del", &r, &res);
	ck_assert_uint_eq(r.n, 6);
	/* The kernel first reports each end down, then what goes with it. */
	check_link(&r.ev[0], NL_LINK_NEW, IDX_ZF0, "zf0", F_DOWN);
	check_addr(&r.ev[1], NL_ADDR_DEL, IDX_ZF0, "2001:db8::1", 64);
	check_link(&r.ev[2], NL_LINK_NEW, IDX_ZF1, "zfpeer", F_DOWN);
	check_addr(&r.ev[3], NL_ADDR_DEL, IDX_ZF0, "192.0.2.1", 24);
	check_link(&r.ev[4], NL_LINK_DEL, IDX_ZF0, "zf0", F_DOWN);
	check_link(&r.ev[5], NL_LINK_DEL, IDX_ZF1, "zfpeer", F_DOWN);
	ck_assert_uint_eq(res.events, 6);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_link_dump_lists_every_link_and_ends_done)
{
	struct nlmsg_walk_result res;
	struct rec r = { 0 };
	size_t len;
	void *buf;

	/* The first buffer holds two messages and is not the end. */
	buf = load_ok("dump-link-0.bin", &len);
	ck_assert_int_eq(nlmsg_walk(buf, len, record, &r, &res), 0);
	free(buf);
	ck_assert_uint_eq(res.events, 2);
	ck_assert(!res.done);

	memset(&r, 0, sizeof(r));
	ck_assert_uint_eq(walk_step("dump-link", &r, &res), 3);
	ck_assert_uint_eq(r.n, 3);
	check_link(&r.ev[0], NL_LINK_NEW, IDX_LO, "lo", IFF_LOOPBACK);
	check_link(&r.ev[1], NL_LINK_NEW, IDX_ZF1, "zf1", F_RUNNING);
	check_link(&r.ev[2], NL_LINK_NEW, IDX_ZF0, "zf0", F_RUNNING);
	ck_assert(res.done);
	ck_assert(!res.got_error);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_address_dump_lists_every_address_and_ends_done)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	ck_assert_uint_eq(walk_step("dump-addr", &r, &res), 2);
	ck_assert_uint_eq(r.n, 4);
	check_addr(&r.ev[0], NL_ADDR_NEW, IDX_ZF0, "192.0.2.1", 24);
	check_addr(&r.ev[1], NL_ADDR_NEW, IDX_ZF0, "192.0.2.2", 24);
	check_addr(&r.ev[2], NL_ADDR_NEW, IDX_LO, "::1", 128);
	check_addr(&r.ev[3], NL_ADDR_NEW, IDX_ZF0, "2001:db8::1", 64);
	ck_assert(res.done);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_leaving_a_bridge_deletes_no_link)
{
	struct nl_event ev = { .kind = NL_ADDR_DEL, .ifindex = 77 };
	struct rec r = { 0 };
	struct nlmsg_walk_result res;
	size_t len;
	void *buf;

	walk_step("bridge-join", &r, &res);
	ck_assert_uint_eq(res.events, 0);
	ck_assert_uint_eq(res.skipped, 1);
	walk_step("bridge-leave", &r, &res);
	ck_assert_uint_eq(res.events, 0);
	ck_assert_uint_eq(res.skipped, 2);
	ck_assert_uint_eq(r.n, 0);

	/* The AF_BRIDGE RTM_DELLINK itself: ignored, @ev left as it was. */
	buf = load_ok("bridge-leave-1.bin", &len);
	ck_assert_uint_eq(((struct nlmsghdr *)buf)->nlmsg_type, RTM_DELLINK);
	ck_assert_int_eq(nlmsg_parse(buf, len, &ev), 0);
	free(buf);
	ck_assert_int_eq(ev.kind, NL_ADDR_DEL);
	ck_assert_uint_eq(ev.ifindex, 77);
}
END_TEST

START_TEST(test_kernel_refusal_sets_got_error_and_the_errno)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("err-nodev", &r, &res);
	ck_assert(res.got_error);
	ck_assert_int_eq(res.error, -ENODEV);
	ck_assert_uint_eq(res.events, 0);
	ck_assert_uint_eq(res.skipped, 0);
	ck_assert(!res.done);
}
END_TEST

START_TEST(test_kernel_ack_sets_got_error_with_error_zero)
{
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	walk_step("ack", &r, &res);
	ck_assert(res.got_error);
	ck_assert_int_eq(res.error, 0);
	ck_assert_uint_eq(res.events, 0);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_recorded_buffers_walked_together_give_every_event_in_order)
{
	static const char *const files[] = {
		"link-add-0.bin", "bridge-leave-1.bin", "addr6-0.bin", "dump-addr-1.bin",
	};
	char *buf = NULL;
	size_t total = 0;
	struct rec r = { 0 };
	struct nlmsg_walk_result res;

	/* recorded lengths are multiples of 4: end to end they frame */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		void *one = load_ok(files[i], &len);

		ck_assert_uint_eq(len % 4, 0);
		buf = realloc(buf, total + len);
		memcpy(buf + total, one, len);
		total += len;
		free(one);
	}
	ck_assert_int_eq(walk_copy(buf, total, &r, &res), 0);
	free(buf);
	ck_assert_uint_eq(r.n, 2);
	check_link(&r.ev[0], NL_LINK_NEW, IDX_ZF1, "zf1", F_DOWN);
	check_addr(&r.ev[1], NL_ADDR_NEW, IDX_ZF0, "2001:db8::1", 64);
	ck_assert_uint_eq(res.events, 2);
	ck_assert_uint_eq(res.skipped, 1); /* the bridge's */
	ck_assert(res.done);
}
END_TEST

/* ---- the callback ---- */

START_TEST(test_callback_returning_nonzero_stops_the_walk_with_its_value)
{
	struct rec r = { .stop_at = 2, .stop_ret = 7 };
	struct nlmsg_walk_result res;
	size_t len;
	void *buf = load_ok("dump-addr-0.bin", &len);

	ck_assert_int_eq(nlmsg_walk(buf, len, record, &r, &res), 7);
	free(buf);
	ck_assert_uint_eq(r.n, 2); /* not called for the two after */
	ck_assert_uint_eq(res.events, 2);
	check_addr(&r.ev[1], NL_ADDR_NEW, IDX_ZF0, "192.0.2.2", 24);

	/* a negative value (an errno) comes back the same way */
	memset(&r, 0, sizeof(r));
	r.stop_at = 1;
	r.stop_ret = -ENOMEM;
	buf = load_ok("dump-addr-0.bin", &len);
	ck_assert_int_eq(nlmsg_walk(buf, len, record, &r, &res), -ENOMEM);
	free(buf);
	ck_assert_uint_eq(r.n, 1);
}
END_TEST

/* ---- hand-made messages ---- */

/* Room for any message below, aligned as a recv() buffer is. */
union msgbuf {
	char c[512];
	uint32_t align;
};

static struct nlmsghdr *link_msg(union msgbuf *b, uint16_t type, unsigned char family,
				 int ifindex, unsigned flags)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(b, 0, sizeof(*b));
	nlh = mnl_nlmsg_put_header(b->c);
	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	return nlh;
}

static struct nlmsghdr *addr_msg(union msgbuf *b, uint16_t type, unsigned char family,
				 unsigned ifindex, unsigned char prefixlen)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(b, 0, sizeof(*b));
	nlh = mnl_nlmsg_put_header(b->c);
	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_index = ifindex;
	ifa->ifa_prefixlen = prefixlen;
	return nlh;
}

static void put_ip(struct nlmsghdr *nlh, uint16_t type, const char *addr)
{
	uint8_t a[16];
	int v6 = strchr(addr, ':') != NULL;

	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, addr, a), 1);
	mnl_attr_put(nlh, type, v6 ? 16 : 4, a);
}

/* Appends an attribute header claiming @nla_len, followed by @n bytes of
 * @data, and pads the message to 4 bytes. */
static void put_raw_attr(struct nlmsghdr *nlh, uint16_t type, uint16_t nla_len,
			 const void *data, size_t n)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);

	attr->nla_type = type;
	attr->nla_len = nla_len;
	memcpy(attr + 1, data, n);
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*attr) + n);
}

static int parse_msg(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	return parse_copy(nlh, nlh->nlmsg_len, ev);
}

START_TEST(test_link_without_a_name_is_reported_with_an_empty_name)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 9, IFF_UP);
	struct nl_event ev;

	memset(&ev, 0x5a, sizeof(ev));
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_link(&ev, NL_LINK_NEW, 9, "", IFF_UP);
}
END_TEST

START_TEST(test_name_of_fifteen_characters_is_kept_whole)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_DELLINK, AF_UNSPEC, 4, 0);
	struct nl_event ev;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "abcdefghijklmno");
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_link(&ev, NL_LINK_DEL, 4, "abcdefghijklmno", 0);
}
END_TEST

START_TEST(test_name_of_sixteen_characters_is_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 4, 0);
	struct nl_event ev;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "abcdefghijklmnop");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
}
END_TEST

START_TEST(test_name_without_nul_is_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 4, 0);
	struct nl_event ev;

	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0"); /* no terminating NUL */
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 4, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 0, NULL); /* empty: not even a NUL */
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
}
END_TEST

START_TEST(test_unknown_attribute_types_are_ignored)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 5, 0);
	struct nl_event ev;

	/* a type past IFLA_MAX, as a newer kernel may send */
	mnl_attr_put_u32(nlh, 0x3000, 1);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wan0");
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_link(&ev, NL_LINK_NEW, 5, "wan0", 0);
}
END_TEST

START_TEST(test_last_attribute_without_padding_is_accepted)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 6, 0);
	struct nlmsg_walk_result res;
	struct nl_event ev;
	struct rec r = { 0 };

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "ab"); /* nla_len 7, padded to 8 */
	nlh->nlmsg_len -= 1;                       /* the buffer ends at 7 */
	ck_assert_uint_eq(nlh->nlmsg_len % 4, 3);
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_link(&ev, NL_LINK_NEW, 6, "ab", 0);
	ck_assert_int_eq(walk_copy(nlh, nlh->nlmsg_len, &r, &res), 0);
	ck_assert_uint_eq(res.events, 1);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_ipv4_prefers_the_local_address_over_the_peer)
{
	union msgbuf b;
	struct nlmsghdr *nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 8, 32);
	struct nl_event ev;

	put_ip(nlh, IFA_ADDRESS, "198.51.100.9"); /* the far end */
	put_ip(nlh, IFA_LOCAL, "192.0.2.10");
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_addr(&ev, NL_ADDR_NEW, 8, "192.0.2.10", 32);

	nlh = addr_msg(&b, RTM_DELADDR, AF_INET, 8, 16);
	put_ip(nlh, IFA_ADDRESS, "198.51.100.9");
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_addr(&ev, NL_ADDR_DEL, 8, "198.51.100.9", 16);
}
END_TEST

START_TEST(test_other_address_families_are_ignored)
{
	union msgbuf b;
	struct nlmsghdr *nlh = addr_msg(&b, RTM_NEWADDR, AF_PACKET, 8, 0);
	struct nl_event ev;

	mnl_attr_put(nlh, IFA_ADDRESS, 6, "\x02\0\0\0\0\x01");
	ck_assert_int_eq(parse_msg(nlh, &ev), 0);
}
END_TEST

START_TEST(test_other_message_types_are_ignored_and_skipped)
{
	union msgbuf b;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b.c);
	struct nlmsg_walk_result res;
	struct rtmsg *rtm;
	struct nl_event ev;
	struct rec r = { 0 };

	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	ck_assert_int_eq(parse_msg(nlh, &ev), 0);
	ck_assert_int_eq(walk_copy(nlh, nlh->nlmsg_len, &r, &res), 0);
	ck_assert_uint_eq(res.skipped, 1);
	ck_assert_uint_eq(res.events, 0);

	nlh = mnl_nlmsg_put_header(b.c);
	nlh->nlmsg_type = NLMSG_NOOP;
	ck_assert_int_eq(parse_msg(nlh, &ev), 0);
	ck_assert_int_eq(walk_copy(nlh, nlh->nlmsg_len, &r, &res), 0);
	ck_assert_uint_eq(res.skipped, 1);
	ck_assert(!res.done && !res.got_error);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

/* ---- malformed ---- */

START_TEST(test_truncated_headers_are_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh;
	struct nl_event ev;

	/* shorter than a netlink header */
	nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 1, 0);
	ck_assert_int_eq(parse_copy(nlh, 15, &ev), -EINVAL);
	/* a length shorter than its own header */
	nlh->nlmsg_len = 8;
	ck_assert_int_eq(parse_copy(nlh, 32, &ev), -EINVAL);
	/* ifinfomsg cut in half */
	nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 1, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 8;
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
	/* ifaddrmsg cut in half */
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 1, 24);
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
}
END_TEST

START_TEST(test_attribute_running_past_the_message_is_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 3, 0);
	struct nl_event ev;

	put_raw_attr(nlh, IFLA_IFNAME, 40, "zf0\0", 4); /* claims 40, has 8 */
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	/* an attribute shorter than its own header */
	nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 3, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "zf0");
	put_raw_attr(nlh, IFLA_MTU, 2, "\0\0\0\0", 4);
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	/* the same in an address message, after a good address */
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 3, 24);
	put_ip(nlh, IFA_LOCAL, "192.0.2.1");
	put_raw_attr(nlh, IFA_ADDRESS, 12, "\xc0\0\x02", 3);
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	/* bytes left over after the last attribute, too few for one */
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 3, 24);
	put_ip(nlh, IFA_LOCAL, "192.0.2.1");
	nlh->nlmsg_len += 2;
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	/*
	 * Messages whose length is not a multiple of 4, ending in the
	 * buffer's last byte: the attribute must be judged by the message's
	 * end, not by its end rounded up (which is past the buffer).
	 */
	nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 3, 0);
	nlh->nlmsg_len += 2; /* half an attribute header */
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
	nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 3, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "ab"); /* nla_len 7 */
	nlh->nlmsg_len -= 3;                       /* 5 of its 7 bytes */
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
}
END_TEST

START_TEST(test_ipv4_address_of_three_bytes_is_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 3, 24);
	struct nl_event ev;

	mnl_attr_put(nlh, IFA_LOCAL, 3, "\xc0\0\x02");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	/* wrong in the attribute not used is still wrong */
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 3, 24);
	put_ip(nlh, IFA_LOCAL, "192.0.2.1");
	mnl_attr_put(nlh, IFA_ADDRESS, 3, "\xc0\0\x02");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	/* an IPv4-sized address in an IPv6 message */
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET6, 3, 64);
	put_ip(nlh, IFA_ADDRESS, "192.0.2.1");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
}
END_TEST

START_TEST(test_address_message_without_an_address_is_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh = addr_msg(&b, RTM_NEWADDR, AF_INET6, 3, 64);
	struct nl_event ev;

	mnl_attr_put_strz(nlh, IFA_LABEL, "zf0");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);

	nlh = addr_msg(&b, RTM_DELADDR, AF_INET, 3, 24);
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
}
END_TEST

START_TEST(test_prefix_length_beyond_the_family_is_malformed)
{
	union msgbuf b;
	struct nlmsghdr *nlh;
	struct nl_event ev;

	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 3, 33);
	put_ip(nlh, IFA_LOCAL, "192.0.2.1");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET, 3, 32);
	put_ip(nlh, IFA_LOCAL, "192.0.2.1");
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_addr(&ev, NL_ADDR_NEW, 3, "192.0.2.1", 32);

	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET6, 3, 129);
	put_ip(nlh, IFA_ADDRESS, "2001:db8::1");
	ck_assert_int_eq(parse_msg(nlh, &ev), -EINVAL);
	nlh = addr_msg(&b, RTM_NEWADDR, AF_INET6, 3, 128);
	put_ip(nlh, IFA_ADDRESS, "2001:db8::1");
	ck_assert_int_eq(parse_msg(nlh, &ev), 1);
	check_addr(&ev, NL_ADDR_NEW, 3, "2001:db8::1", 128);
}
END_TEST

START_TEST(test_malformed_message_is_skipped_and_the_walk_goes_on)
{
	union msgbuf b[3];
	struct nlmsghdr *nlh;
	struct nlmsg_walk_result res;
	struct rec r = { 0 };
	char buf[3 * sizeof(b[0])];
	size_t len = 0;

	nlh = link_msg(&b[0], RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a");
	nlh = addr_msg(&b[1], RTM_NEWADDR, AF_INET, 2, 24);
	mnl_attr_put(nlh, IFA_LOCAL, 3, "\xc0\0\x02");
	nlh = addr_msg(&b[2], RTM_NEWADDR, AF_INET, 2, 24);
	put_ip(nlh, IFA_LOCAL, "192.0.2.7");
	for (int i = 0; i < 3; i++) {
		nlh = (struct nlmsghdr *)b[i].c;
		memcpy(buf + len, nlh, nlh->nlmsg_len);
		len += nlh->nlmsg_len;
	}
	ck_assert_int_eq(walk_copy(buf, len, &r, &res), 0);
	ck_assert_uint_eq(res.events, 2);
	ck_assert_uint_eq(res.skipped, 1);
	ck_assert_uint_eq(r.n, 2);
	check_link(&r.ev[0], NL_LINK_NEW, 2, "a", IFF_UP);
	check_addr(&r.ev[1], NL_ADDR_NEW, 2, "192.0.2.7", 24);
}
END_TEST

START_TEST(test_message_length_past_the_buffer_stops_the_walk)
{
	struct nlmsg_walk_result res;
	struct nl_event ev;
	struct rec r = { 0 };
	size_t len, cut;
	char *buf = load_ok("dump-addr-0.bin", &len);
	struct nlmsghdr *second;

	ck_assert_uint_eq(len, 304);
	/* the second of four messages claims more than is left */
	second = (struct nlmsghdr *)(buf + 76);
	ck_assert_uint_eq(second->nlmsg_len, 76);
	second->nlmsg_len = 300;
	ck_assert_int_eq(parse_copy(second, len - 76, &ev), -EINVAL);
	ck_assert_int_eq(walk_copy(buf, len, &r, &res), 0);
	ck_assert_uint_eq(r.n, 1); /* the first only: nothing after is framed */
	check_addr(&r.ev[0], NL_ADDR_NEW, IDX_ZF0, "192.0.2.1", 24);
	ck_assert_uint_eq(res.events, 1);
	ck_assert_uint_eq(res.skipped, 1);
	ck_assert(!res.done);

	/* a length of 0 stops it too, rather than looping on the spot */
	second->nlmsg_len = 0;
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(walk_copy(buf, len, &r, &res), 0);
	ck_assert_uint_eq(res.events, 1);
	ck_assert_uint_eq(res.skipped, 1);

	/* a buffer cut inside a message: what came before is kept */
	second->nlmsg_len = 76;
	for (cut = 77; cut < 152; cut++) {
		memset(&r, 0, sizeof(r));
		ck_assert_int_eq(walk_copy(buf, cut, &r, &res), 0);
		ck_assert_uint_eq(res.events, 1);
		ck_assert_uint_eq(res.skipped, 1);
	}
	free(buf);
}
END_TEST

START_TEST(test_recorded_messages_cut_or_corrupted_never_crash)
{
	static const char *const files[] = {
		"dump-link-0.bin", "dump-addr-0.bin", "link-rename-0.bin", "err-nodev-0.bin",
	};
	/* events in each file, whole */
	static const unsigned whole[] = { 2, 4, 1, 0 };

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct nlmsg_walk_result res;
		size_t len;
		uint8_t *buf = load_ok(files[f], &len);

		ck_assert_int_eq(walk_copy(buf, len, NULL, &res), 0);
		ck_assert_uint_eq(res.events, whole[f]);
		/* every prefix: never more events, never a crash */
		for (size_t cut = 0; cut < len; cut++) {
			ck_assert_int_eq(walk_copy(buf, cut, NULL, &res), 0);
			ck_assert_uint_le(res.events, whole[f]);
		}
		/* every byte in turn set to 0xff: never more events, and the
		 * damage is always seen somewhere */
		for (size_t i = 0; i < len; i++) {
			uint8_t old = buf[i];

			buf[i] = 0xff;
			ck_assert_int_eq(walk_copy(buf, len, NULL, &res), 0);
			ck_assert_uint_le(res.events, whole[f]);
			ck_assert_uint_ge(res.events + res.skipped + res.got_error, 1);
			buf[i] = old;
		}
		free(buf);
	}
}
END_TEST

/* ---- NLMSG_ERROR and NLMSG_DONE, hand-made ---- */

static size_t put_error(char *at, int error)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct nlmsgerr *err;

	nlh->nlmsg_type = NLMSG_ERROR;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = error;
	err->msg.nlmsg_type = RTM_NEWADDR; /* the request it answers */
	err->msg.nlmsg_len = NLMSG_HDRLEN;
	return nlh->nlmsg_len;
}

START_TEST(test_first_error_code_wins_over_later_acks)
{
	union msgbuf b;
	struct nlmsg_walk_result res;
	size_t len = 0;

	len += put_error(b.c + len, 0);
	len += put_error(b.c + len, -EPERM);
	len += put_error(b.c + len, -EEXIST);
	len += put_error(b.c + len, 0);
	ck_assert_int_eq(walk_copy(b.c, len, NULL, &res), 0);
	ck_assert(res.got_error);
	ck_assert_int_eq(res.error, -EPERM);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

START_TEST(test_error_without_a_code_is_an_ack)
{
	union msgbuf b;
	struct nlmsg_walk_result res;
	size_t len = put_error(b.c, 0);

	ck_assert_int_eq(walk_copy(b.c, len, NULL, &res), 0);
	ck_assert(res.got_error);
	ck_assert_int_eq(res.error, 0);
	ck_assert_uint_eq(res.events, 0);
}
END_TEST

START_TEST(test_positive_error_code_is_reported_as_negative_errno)
{
	union msgbuf b;
	struct nlmsg_walk_result res;
	size_t len = put_error(b.c, ENOENT);

	ck_assert_int_eq(walk_copy(b.c, len, NULL, &res), 0);
	ck_assert(res.got_error);
	ck_assert_int_eq(res.error, -ENOENT);
}
END_TEST

START_TEST(test_truncated_error_message_is_skipped)
{
	union msgbuf b;
	struct nlmsg_walk_result res;
	struct nlmsghdr *nlh;

	put_error(b.c, -EPERM);
	nlh = (struct nlmsghdr *)b.c;
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(int); /* the code, not the request */
	ck_assert_int_eq(walk_copy(b.c, nlh->nlmsg_len, NULL, &res), 0);
	ck_assert(!res.got_error);
	ck_assert_int_eq(res.error, 0);
	ck_assert_uint_eq(res.skipped, 1);
}
END_TEST

START_TEST(test_done_after_events_ends_the_dump)
{
	union msgbuf b;
	struct nlmsghdr *nlh = link_msg(&b, RTM_NEWLINK, AF_UNSPEC, 1, IFF_LOOPBACK);
	struct nlmsghdr *done;
	struct nlmsg_walk_result res;
	struct rec r = { 0 };
	size_t len;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	len = nlh->nlmsg_len;
	done = mnl_nlmsg_put_header(b.c + len);
	done->nlmsg_type = NLMSG_DONE;
	*(int *)mnl_nlmsg_put_extra_header(done, sizeof(int)) = 0;
	len += done->nlmsg_len;
	ck_assert_int_eq(walk_copy(b.c, len, &r, &res), 0);
	ck_assert(res.done);
	ck_assert(!res.got_error);
	ck_assert_uint_eq(res.events, 1);
	ck_assert_uint_eq(res.skipped, 0);
	check_link(&r.ev[0], NL_LINK_NEW, 1, "lo", IFF_LOOPBACK);
}
END_TEST

START_TEST(test_empty_buffer_walks_to_nothing)
{
	struct nlmsg_walk_result res;

	memset(&res, 0xff, sizeof(res));
	ck_assert_int_eq(walk_copy("", 0, NULL, &res), 0);
	ck_assert(!res.done && !res.got_error);
	ck_assert_int_eq(res.error, 0);
	ck_assert_uint_eq(res.events, 0);
	ck_assert_uint_eq(res.skipped, 0);
}
END_TEST

static Suite *nlmsg_suite(void)
{
	Suite *s = suite_create("nlmsg");
	TCase *tr = tcase_create("recorded");
	TCase *th = tcase_create("hand-made");
	TCase *tm = tcase_create("malformed");
	TCase *te = tcase_create("errors and done");

	tcase_add_test(tr, test_veth_creation_reports_both_links_with_names_and_ifindexes);
	tcase_add_test(tr, test_setting_links_up_changes_their_flags);
	tcase_add_test(tr, test_rename_reports_the_new_name_on_the_same_ifindex);
	tcase_add_test(tr, test_primary_and_secondary_ipv4_addresses_are_reported);
	tcase_add_test(tr, test_ipv6_address_is_reported_with_its_prefix_length);
	tcase_add_test(tr, test_address_deletion_reports_the_removed_address);
	tcase_add_test(tr, test_link_deletion_reports_its_addresses_then_both_links_gone);
	tcase_add_test(tr, test_link_dump_lists_every_link_and_ends_done);
	tcase_add_test(tr, test_address_dump_lists_every_address_and_ends_done);
	tcase_add_test(tr, test_leaving_a_bridge_deletes_no_link);
	tcase_add_test(tr, test_kernel_refusal_sets_got_error_and_the_errno);
	tcase_add_test(tr, test_kernel_ack_sets_got_error_with_error_zero);
	tcase_add_test(tr, test_recorded_buffers_walked_together_give_every_event_in_order);
	tcase_add_test(tr, test_callback_returning_nonzero_stops_the_walk_with_its_value);
	suite_add_tcase(s, tr);

	tcase_add_test(th, test_link_without_a_name_is_reported_with_an_empty_name);
	tcase_add_test(th, test_name_of_fifteen_characters_is_kept_whole);
	tcase_add_test(th, test_unknown_attribute_types_are_ignored);
	tcase_add_test(th, test_last_attribute_without_padding_is_accepted);
	tcase_add_test(th, test_ipv4_prefers_the_local_address_over_the_peer);
	tcase_add_test(th, test_other_address_families_are_ignored);
	tcase_add_test(th, test_other_message_types_are_ignored_and_skipped);
	suite_add_tcase(s, th);

	tcase_add_test(tm, test_truncated_headers_are_malformed);
	tcase_add_test(tm, test_attribute_running_past_the_message_is_malformed);
	tcase_add_test(tm, test_ipv4_address_of_three_bytes_is_malformed);
	tcase_add_test(tm, test_name_of_sixteen_characters_is_malformed);
	tcase_add_test(tm, test_name_without_nul_is_malformed);
	tcase_add_test(tm, test_address_message_without_an_address_is_malformed);
	tcase_add_test(tm, test_prefix_length_beyond_the_family_is_malformed);
	tcase_add_test(tm, test_malformed_message_is_skipped_and_the_walk_goes_on);
	tcase_add_test(tm, test_message_length_past_the_buffer_stops_the_walk);
	tcase_add_test(tm, test_recorded_messages_cut_or_corrupted_never_crash);
	suite_add_tcase(s, tm);

	tcase_add_test(te, test_first_error_code_wins_over_later_acks);
	tcase_add_test(te, test_error_without_a_code_is_an_ack);
	tcase_add_test(te, test_positive_error_code_is_reported_as_negative_errno);
	tcase_add_test(te, test_truncated_error_message_is_skipped);
	tcase_add_test(te, test_done_after_events_ends_the_dump);
	tcase_add_test(te, test_empty_buffer_walks_to_nothing);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return run_suite(nlmsg_suite());
}
