// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real ingress program, loaded the way the daemon loads it, fed
 * crafted packets with BPF_PROG_RUN. Rules go in through the real engine
 * and map backend. Runs in a private network namespace; needs root.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "dataplane.h"
#include "engine.h"
#include "fake_kernel.h"
#include "pkt.h"
#include "ref_match.h"
#include "rule.h"

#define PIN_PREFIX "/sys/fs/bpf/zfwd-bpftest-"
#define LO 1
#define CT_SIZE 1024
/* The options an interface has unless the config says otherwise. */
#define DEFAULT_FLAGS (ZFWD_IF_SSH | ZFWD_IF_IPV6 | ZFWD_IF_EGRESS)

static struct dataplane dp;
static struct engine eng;
static char pin_root[64];
static uint32_t ext_ifindex; /* a second interface, role external */

static const struct engine_limits lim = { .rules = 4096, .prefixes = 4096, .leaves = 16384 };

static void setup(void)
{
	struct dp_opts o = { .lim = lim, .mark = 0x10000000, .mark_mask = 0x10000000,
			     .ct_size = CT_SIZE };
	struct zfwd_iface_val internal = { .role = ZFWD_ROLE_INTERNAL,
					   .default_action = ZFWD_ACT_DENY,
					   .flags = DEFAULT_FLAGS };
	struct kbackend kb;

	snprintf(pin_root, sizeof(pin_root), PIN_PREFIX "%d", getpid());
	o.pin_root = pin_root;
	ck_assert_int_eq(bpffs_ensure(pin_root), 0);
	ck_assert_int_eq(dp_open(&dp, &o), 0);
	kb = dp_backend(&dp);
	ck_assert_int_eq(engine_init(&eng, &lim, &kb), 0);
	ck_assert_int_eq(dp_iface_stats_init(&dp, LO), 0);
	ck_assert_int_eq(engine_iface_set(&eng, LO, "lo", &internal), 0);
}

static void teardown(void)
{
	engine_free(&eng);
	dp_close(&dp);
	dp_unpin_all(pin_root);
}

static void set_iface_flags(uint32_t ifindex, const char *name, int role, int def,
			    uint16_t flags)
{
	struct zfwd_iface_val v = { .role = role, .default_action = def, .flags = flags };

	ck_assert_int_eq(dp_iface_stats_init(&dp, ifindex), 0);
	ck_assert_int_eq(engine_iface_set(&eng, ifindex, name, &v), 0);
}

static void set_iface(uint32_t ifindex, const char *name, int role, int def)
{
	set_iface_flags(ifindex, name, role, def, DEFAULT_FLAGS);
}

/* Adds rules given as a JSON array; returns the engine's result code. */
static int add_json(const char *owner, const char *json)
{
	json_error_t jerr;
	json_t *arr = json_loads(json, 0, &jerr);
	struct engine_result res;
	struct zerr err = { 0 };
	struct rule *rules;
	size_t n, i;
	json_t *v;
	int ret;

	ck_assert_msg(arr, "bad test JSON: %s", jerr.text);
	n = json_array_size(arr);
	rules = calloc(n, sizeof(*rules));
	json_array_foreach(arr, i, v) {
		struct rule_err rerr;

		ck_assert_msg(!rule_from_json(v, &rules[i], &rerr), "rule %zu: %s: %s", i,
			      rerr.field, rerr.reason);
	}
	ret = engine_add(&eng, owner, rules, n, &res, &err);
	for (i = 0; i < n; i++)
		rule_free(&rules[i]);
	free(rules);
	json_decref(arr);
	zerr_clear(&err);
	return ret;
}

static void add_ok(const char *json)
{
	ck_assert_int_eq(add_json("test", json), 0);
}

/* Runs one packet; returns the tc verdict and the reason counted. */
static int run_raw(const uint8_t *buf, size_t len, uint32_t ifindex, int *reason)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint64_t before[ZFWD_R_MAX], after[ZFWD_R_MAX];
	int err;

	dp_iface_stats(&dp, ifindex, before);
	err = bpf_prog_test_run_opts(dp_prog_fd(&dp, true), &o);
	ck_assert_msg(err == 0, "BPF_PROG_RUN (%zu bytes): %s", len, strerror(-err));
	dp_iface_stats(&dp, ifindex, after);
	*reason = -1;
	for (int r = 0; r < ZFWD_R_MAX; r++) {
		if (after[r] == before[r])
			continue;
		ck_assert_msg(*reason == -1 && after[r] == before[r] + 1,
			      "more than one reason counted");
		*reason = r;
	}
	return (int)o.retval;
}

static int run(const struct pkt_spec *s, uint32_t ifindex, int *reason)
{
	uint8_t buf[256];

	return run_raw(buf, pkt_build(s, buf), ifindex, reason);
}

/* The egress program: it never drops, it records. */
static void out(const struct pkt_spec *s, uint32_t ifindex)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	uint8_t buf[256];
	size_t len = pkt_build(s, buf);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

	ck_assert_int_eq(bpf_prog_test_run_opts(dp_prog_fd(&dp, false), &o), 0);
	ck_assert_int_eq(o.retval, TC_ACT_OK);
}

#define TCP4(d, dp_) { .family = 4, .proto = IPPROTO_TCP, .src = "192.0.2.10", \
		       .dst = (d), .sport = 40000, .dport = (dp_) }
#define UDP4(d, dp_) { .family = 4, .proto = IPPROTO_UDP, .src = "192.0.2.10", \
		       .dst = (d), .sport = 40000, .dport = (dp_) }
#define TCP6(d, dp_) { .family = 6, .proto = IPPROTO_TCP, .src = "2001:db8::10", \
		       .dst = (d), .sport = 40000, .dport = (dp_) }
#define UDP6(d, dp_) { .family = 6, .proto = IPPROTO_UDP, .src = "2001:db8::10", \
		       .dst = (d), .sport = 40000, .dport = (dp_) }

static void expect(struct pkt_spec s, uint32_t ifindex, int verdict, int reason)
{
	int r, v = run(&s, ifindex, &r);

	ck_assert_msg(v == verdict && r == reason,
		      "%s %s:%u on ifindex %u: verdict %d reason %d, want %d reason %d",
		      s.proto == IPPROTO_TCP ? "tcp" : "udp", s.dst, s.dport, ifindex, v, r,
		      verdict, reason);
}

/* A listener the way routers open one: IP_TRANSPARENT on loopback. */
static int listener(int family, int type, uint16_t port)
{
	int fd = socket(family, type, 0), one = 1;
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	ck_assert_int_ge(fd, 0);
	if (family == AF_INET)
		setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one));
	else
		setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof(one));
	ck_assert_int_eq(family == AF_INET ? bind(fd, (void *)&a4, sizeof(a4))
					   : bind(fd, (void *)&a6, sizeof(a6)), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

START_TEST(test_tproxy_without_listener_drops_and_counts)
{
	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"203.0.113.5\",\"action\":\"tproxy\",\"tproxy_port\":15000}]");
	expect((struct pkt_spec)TCP4("203.0.113.5", 80), LO, TC_ACT_SHOT, ZFWD_R_DROP_NO_LISTENER);
}
END_TEST

/* BPF_PROG_RUN runs the program outside the tc ingress path, where the
 * kernel refuses bpf_sk_assign: reaching DROP_ASSIGN (not NO_LISTENER)
 * proves the listener lookup found the socket. The assignment itself is
 * proven end to end by the netns tests. */
START_TEST(test_tproxy_finds_listener_v4_v6_tcp_udp)
{
	int t4 = listener(AF_INET, SOCK_STREAM, 15000), u4 = listener(AF_INET, SOCK_DGRAM, 15000);
	int t6 = listener(AF_INET6, SOCK_STREAM, 15001), u6 = listener(AF_INET6, SOCK_DGRAM, 15001);

	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"203.0.113.0/24\",\"action\":\"tproxy\",\"tproxy_port\":15000},"
	       "{\"protocol\":\"udp\",\"destination\":\"203.0.113.0/24\",\"action\":\"tproxy\",\"tproxy_port\":15000},"
	       "{\"protocol\":\"tcp\",\"destination\":\"2001:db8:99::/48\",\"action\":\"tproxy\",\"tproxy_port\":15001},"
	       "{\"protocol\":\"udp\",\"destination\":\"2001:db8:99::/48\",\"action\":\"tproxy\",\"tproxy_port\":15001}]");
	expect((struct pkt_spec)TCP4("203.0.113.9", 443), LO, TC_ACT_SHOT, ZFWD_R_DROP_ASSIGN);
	expect((struct pkt_spec)UDP4("203.0.113.9", 53), LO, TC_ACT_SHOT, ZFWD_R_DROP_ASSIGN);
	expect((struct pkt_spec)TCP6("2001:db8:99::1", 443), LO, TC_ACT_SHOT, ZFWD_R_DROP_ASSIGN);
	expect((struct pkt_spec)UDP6("2001:db8:99::1", 53), LO, TC_ACT_SHOT, ZFWD_R_DROP_ASSIGN);
	/* The v4 listener does not serve the v6 rule's port, and so on. */
	close(t6);
	expect((struct pkt_spec)TCP6("2001:db8:99::1", 443), LO, TC_ACT_SHOT, ZFWD_R_DROP_NO_LISTENER);
	close(t4);
	close(u4);
	close(u6);
}
END_TEST

START_TEST(test_pass_deny_and_unmatched)
{
	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"198.51.100.0/24\",\"action\":\"pass\"},"
	       "{\"protocol\":\"udp\",\"destination\":\"198.51.100.7\",\"action\":\"deny\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"2001:db8:1::/64\",\"action\":\"pass\"},"
	       "{\"protocol\":\"udp\",\"destination\":\"2001:db8:1::/64\",\"action\":\"deny\"}]");
	expect((struct pkt_spec)TCP4("198.51.100.7", 22), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)UDP4("198.51.100.7", 22), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	expect((struct pkt_spec)UDP4("198.51.100.8", 22), LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	expect((struct pkt_spec)TCP4("198.51.101.1", 22), LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	expect((struct pkt_spec)TCP6("2001:db8:1::5", 22), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)UDP6("2001:db8:1::5", 22), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	expect((struct pkt_spec)TCP6("2001:db8:2::5", 22), LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	/* The same packets on an interface whose default is pass. */
	set_iface(LO, "lo", ZFWD_ROLE_INTERNAL, ZFWD_ACT_PASS);
	expect((struct pkt_spec)TCP4("198.51.101.1", 22), LO, TC_ACT_OK, ZFWD_R_PASS_DEFAULT);
	expect((struct pkt_spec)UDP4("198.51.100.7", 22), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
}
END_TEST

START_TEST(test_most_specific_destination_then_source_wins)
{
	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"action\":\"pass\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"10.1.0.0/16\",\"action\":\"deny\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"10.1.2.0/24\",\"action\":\"pass\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"10.1.2.3\",\"action\":\"deny\"},"
	       /* a longer source does not beat a longer destination */
	       "{\"protocol\":\"tcp\",\"destination\":\"10.1.0.0/16\",\"source\":\"192.0.2.10\",\"action\":\"pass\"},"
	       /* at equal destinations the longer source wins */
	       "{\"protocol\":\"tcp\",\"destination\":\"10.9.0.0/16\",\"action\":\"deny\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"10.9.0.0/16\",\"source\":\"192.0.2.0/24\",\"action\":\"pass\"}]");
	expect((struct pkt_spec)TCP4("10.200.0.1", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)TCP4("10.1.9.9", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE); /* src /32 at /16 */
	expect((struct pkt_spec)TCP4("10.1.2.9", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)TCP4("10.1.2.3", 80), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	expect((struct pkt_spec)TCP4("10.9.1.1", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	{
		struct pkt_spec s = TCP4("10.9.1.1", 80);

		s.src = "198.51.100.1"; /* outside the /24 source */
		expect(s, LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
		s.src = "192.0.2.10";
		s.dst = "10.1.7.7"; /* /16 deny for others, pass for 192.0.2.10 */
		expect(s, LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
		s.src = "192.0.2.11";
		expect(s, LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	}
}
END_TEST

START_TEST(test_port_range_edges_fall_back_to_shorter_prefix)
{
	add_ok("[{\"protocol\":\"udp\",\"destination\":\"172.16.0.0/12\",\"action\":\"pass\"},"
	       "{\"protocol\":\"udp\",\"destination\":\"172.16.5.5\",\"ports\":{\"low\":1000,\"high\":2000},\"action\":\"deny\"},"
	       "{\"protocol\":\"udp\",\"destination\":\"172.16.5.5\",\"ports\":{\"low\":1500,\"high\":1500},\"action\":\"pass\"}]");
	expect((struct pkt_spec)UDP4("172.16.5.5", 999), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)UDP4("172.16.5.5", 1000), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	expect((struct pkt_spec)UDP4("172.16.5.5", 1499), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	expect((struct pkt_spec)UDP4("172.16.5.5", 1500), LO, TC_ACT_OK, ZFWD_R_PASS_RULE); /* narrower */
	expect((struct pkt_spec)UDP4("172.16.5.5", 2000), LO, TC_ACT_SHOT, ZFWD_R_DROP_RULE);
	expect((struct pkt_spec)UDP4("172.16.5.5", 2001), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)UDP4("172.16.5.5", 65535), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)UDP4("172.32.0.1", 1000), LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_interface_roles_and_lists)
{
	set_iface(ext_ifindex, "zt-ext", ZFWD_ROLE_EXTERNAL, ZFWD_ACT_DENY);
	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"100.64.0.0/10\",\"action\":\"pass\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"100.64.1.1\",\"action\":\"pass\",\"interfaces\":[\"zt-ext\"]}]");
	/* No interface list: internal interfaces only. */
	expect((struct pkt_spec)TCP4("100.64.2.2", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)TCP4("100.64.2.2", 80), ext_ifindex, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	/* Named: applies on that interface, internal ones fall back. */
	expect((struct pkt_spec)TCP4("100.64.1.1", 80), ext_ifindex, TC_ACT_OK, ZFWD_R_PASS_RULE);
	expect((struct pkt_spec)TCP4("100.64.1.1", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
}
END_TEST

START_TEST(test_removed_rule_stops_matching)
{
	struct zerr err = { 0 };
	struct engine_result res;

	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"198.18.0.0/15\",\"action\":\"pass\"}]");
	expect((struct pkt_spec)TCP4("198.18.0.1", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	ck_assert_int_eq(engine_flush(&eng, NULL, &res, &err), 0);
	ck_assert_int_eq(res.removed, 1);
	expect((struct pkt_spec)TCP4("198.18.0.1", 80), LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_non_ip_and_neighbour_discovery_pass_under_drop)
{
	uint8_t arp[60] = { 0 };
	struct pkt_spec ns = { .family = 6, .proto = IPPROTO_ICMPV6, .src = "fe80::1",
			       .dst = "ff02::1:ff00:1", .icmp_type = 135 };
	struct pkt_spec echo = ns;
	int r;

	arp[12] = 0x08;
	arp[13] = 0x06;
	ck_assert_int_eq(run_raw(arp, sizeof(arp), LO, &r), TC_ACT_OK);
	ck_assert_int_eq(r, ZFWD_R_PASS_NON_IP);
	for (int t = 133; t <= 137; t++) {
		ns.icmp_type = t;
		expect(ns, LO, TC_ACT_OK, ZFWD_R_PASS_ND);
	}
	echo.icmp_type = 128; /* echo request: not ND; icmp_echo is off */
	expect(echo, LO, TC_ACT_SHOT, ZFWD_R_DROP_ICMP);
}
END_TEST

START_TEST(test_truncated_and_malformed_headers_drop)
{
	struct pkt_spec t4 = TCP4("203.0.113.5", 80), t6 = TCP6("2001:db8::5", 80);
	uint8_t buf[256];
	size_t len;
	int r;

	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"0.0.0.0/0\",\"action\":\"pass\"},"
	       "{\"protocol\":\"tcp\",\"destination\":\"::/0\",\"action\":\"pass\"}]");
	/* BPF_PROG_RUN itself refuses an IPv4/IPv6 packet shorter than its
	 * IP header, so truncation is tested from the L4 header on. */
	len = pkt_build(&t4, buf);
	/* TCP header cut short. */
	ck_assert_int_eq(run_raw(buf, 14 + 20 + 10, LO, &r), TC_ACT_SHOT);
	ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	/* IHL below 5. */
	len = pkt_build(&t4, buf);
	buf[14] = 0x44;
	ck_assert_int_eq(run_raw(buf, len, LO, &r), TC_ACT_SHOT);
	ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	/* Version field lies. */
	len = pkt_build(&t4, buf);
	buf[14] = 0x65;
	ck_assert_int_eq(run_raw(buf, len, LO, &r), TC_ACT_SHOT);
	ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	/* TCP data offset below 5. */
	len = pkt_build(&t4, buf);
	buf[14 + 20 + 12] = 0x40;
	ck_assert_int_eq(run_raw(buf, len, LO, &r), TC_ACT_SHOT);
	ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	/* UDP header cut short, IPv6. */
	{
		struct pkt_spec u6 = UDP6("2001:db8::5", 53);

		len = pkt_build(&u6, buf);
		ck_assert_int_eq(run_raw(buf, 14 + 40 + 4, LO, &r), TC_ACT_SHOT);
		ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	}
	/* An IPv6 extension header running past the end. */
	t6.hopopts = 1;
	len = pkt_build(&t6, buf);
	buf[14 + 40 + 1] = 30; /* claims 248 bytes */
	ck_assert_int_eq(run_raw(buf, len, LO, &r), TC_ACT_SHOT);
	ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	/* Too many extension headers to walk: refused, not let through. */
	t6.hopopts = 7;
	len = pkt_build(&t6, buf);
	ck_assert_int_eq(run_raw(buf, len, LO, &r), TC_ACT_SHOT);
	ck_assert_int_eq(r, ZFWD_R_DROP_MALFORMED);
	/* A few are walked and the TCP header behind them matched. */
	t6.hopopts = 3;
	len = pkt_build(&t6, buf);
	ck_assert_int_eq(run_raw(buf, len, LO, &r), TC_ACT_OK);
	ck_assert_int_eq(r, ZFWD_R_PASS_RULE);
}
END_TEST

START_TEST(test_later_fragments_meet_the_default)
{
	struct pkt_spec f4 = UDP4("203.0.113.5", 53), f6 = UDP6("2001:db8::5", 53);

	add_ok("[{\"protocol\":\"udp\",\"destination\":\"0.0.0.0/0\",\"action\":\"pass\"},"
	       "{\"protocol\":\"udp\",\"destination\":\"::/0\",\"action\":\"pass\"}]");
	expect(f4, LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	f4.frag_later = 1;
	expect(f4, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	f6.frag_later = 1;
	expect(f6, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST


/* ---- state: what the host starts, it gets answers for ---- */

#define FLOW_OUT_TCP { .family = 4, .proto = IPPROTO_TCP, .src = "192.0.2.10", \
		       .dst = "198.51.100.1", .sport = 40000, .dport = 443 }
#define FLOW_IN_TCP { .family = 4, .proto = IPPROTO_TCP, .src = "198.51.100.1", \
		      .dst = "192.0.2.10", .sport = 443, .dport = 40000 }

START_TEST(test_replies_of_flows_started_on_egress_pass)
{
	struct pkt_spec syn = FLOW_OUT_TCP, synack = FLOW_IN_TCP, other = FLOW_IN_TCP;
	struct pkt_spec uo = UDP4("198.51.100.53", 53), ui = UDP4("192.0.2.10", 40000);

	synack.tcp_flags = 0x12;
	/* Unsolicited first: nothing tracked yet. */
	expect(synack, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	out(&syn, LO);
	expect(synack, LO, TC_ACT_OK, ZFWD_R_PASS_REPLY);
	other.dport = 40001; /* another port of the host: not answered */
	expect(other, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	/* UDP likewise. */
	ui.src = "198.51.100.53";
	ui.sport = 53;
	expect(ui, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	out(&uo, LO);
	expect(ui, LO, TC_ACT_OK, ZFWD_R_PASS_REPLY);
	/* IPv6 likewise. */
	{
		struct pkt_spec o6 = TCP6("2001:db8:5::1", 443), i6 = o6;

		i6.src = "2001:db8:5::1";
		i6.dst = "2001:db8::10";
		i6.sport = 443;
		i6.dport = 40000;
		i6.tcp_flags = 0x12;
		expect(i6, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
		out(&o6, LO);
		expect(i6, LO, TC_ACT_OK, ZFWD_R_PASS_REPLY);
	}
}
END_TEST

START_TEST(test_only_a_syn_opens_a_tcp_flow_on_egress)
{
	struct pkt_spec ack = FLOW_OUT_TCP, in = FLOW_IN_TCP;

	/* A TPROXY listener's answers leave without a SYN of their own:
	 * they must not turn the client's next packets into "replies". */
	ack.tcp_flags = 0x12;
	out(&ack, LO);
	ack.tcp_flags = 0x10;
	out(&ack, LO);
	in.tcp_flags = 0x10;
	expect(in, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_egress_tracking_off_tracks_nothing)
{
	struct pkt_spec syn = FLOW_OUT_TCP, synack = FLOW_IN_TCP;

	set_iface_flags(LO, "lo", ZFWD_ROLE_INTERNAL, ZFWD_ACT_DENY, ZFWD_IF_IPV6);
	synack.tcp_flags = 0x12;
	out(&syn, LO);
	expect(synack, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_idle_flows_expire)
{
	struct pkt_spec uo = UDP4("198.51.100.53", 53), ui = UDP4("192.0.2.10", 40000);

	ck_assert_int_eq(dp_settings(&dp, 3600, 120, 1, 15), 0);
	ui.src = "198.51.100.53";
	ui.sport = 53;
	out(&uo, LO);
	expect(ui, LO, TC_ACT_OK, ZFWD_R_PASS_REPLY);
	usleep(1300 * 1000);
	expect(ui, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_a_full_flow_table_forgets_the_oldest_never_fails_open)
{
	struct pkt_spec uo = UDP4("198.51.100.53", 53), ui = UDP4("192.0.2.10", 0);
	int admitted_first, r;
	long n;

	ui.src = "198.51.100.53";
	ui.sport = 53;
	for (int i = 0; i < 3 * CT_SIZE; i++) {
		uo.sport = 10000 + i;
		out(&uo, LO);
	}
	n = dp_count(&dp, "ct");
	ck_assert_int_le(n, CT_SIZE);
	ui.dport = 10000 + 3 * CT_SIZE - 1; /* the newest flow */
	expect(ui, LO, TC_ACT_OK, ZFWD_R_PASS_REPLY);
	ui.dport = 10000; /* the oldest: evicted, so unsolicited now */
	admitted_first = run(&ui, LO, &r) == TC_ACT_OK;
	ck_assert_msg(!admitted_first && r == ZFWD_R_DROP_DEFAULT, "oldest flow still admitted");
	/* Something never sent at all is never admitted. */
	ui.dport = 9999;
	expect(ui, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_icmp_echo_requests_follow_the_interface_option)
{
	struct pkt_spec e4 = { .family = 4, .proto = IPPROTO_ICMP, .src = "198.51.100.1",
			       .dst = "192.0.2.10", .icmp_type = 8, .icmp_id = 7 };
	struct pkt_spec e6 = { .family = 6, .proto = IPPROTO_ICMPV6, .src = "2001:db8:5::1",
			       .dst = "2001:db8::10", .icmp_type = 128, .icmp_id = 7 };

	expect(e4, LO, TC_ACT_SHOT, ZFWD_R_DROP_ICMP);
	expect(e6, LO, TC_ACT_SHOT, ZFWD_R_DROP_ICMP);
	set_iface_flags(LO, "lo", ZFWD_ROLE_INTERNAL, ZFWD_ACT_DENY,
			DEFAULT_FLAGS | ZFWD_IF_ICMP_ECHO);
	expect(e4, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
	expect(e6, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
}
END_TEST

START_TEST(test_echo_replies_pass_for_the_host_own_pings_only)
{
	struct pkt_spec req = { .family = 4, .proto = IPPROTO_ICMP, .src = "192.0.2.10",
				.dst = "198.51.100.1", .icmp_type = 8, .icmp_id = 77 };
	struct pkt_spec rep = { .family = 4, .proto = IPPROTO_ICMP, .src = "198.51.100.1",
				.dst = "192.0.2.10", .icmp_type = 0, .icmp_id = 77 };
	struct pkt_spec req6 = { .family = 6, .proto = IPPROTO_ICMPV6, .src = "2001:db8::10",
				 .dst = "2001:db8:5::1", .icmp_type = 128, .icmp_id = 77 };
	struct pkt_spec rep6 = { .family = 6, .proto = IPPROTO_ICMPV6, .src = "2001:db8:5::1",
				 .dst = "2001:db8::10", .icmp_type = 129, .icmp_id = 77 };

	expect(rep, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	out(&req, LO);
	expect(rep, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
	rep.icmp_id = 78;
	expect(rep, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	expect(rep6, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	out(&req6, LO);
	expect(rep6, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
}
END_TEST

START_TEST(test_icmp_errors_of_tracked_flows_pass_packet_too_big_included)
{
	struct pkt_spec syn = FLOW_OUT_TCP, quoted = FLOW_OUT_TCP;
	struct pkt_spec unreach = { .family = 4, .proto = IPPROTO_ICMP, .src = "203.0.113.1",
				    .dst = "192.0.2.10", .icmp_type = 3, .inner = &quoted };
	struct pkt_spec syn6 = TCP6("2001:db8:5::1", 443), quoted6 = syn6;
	struct pkt_spec ptb = { .family = 6, .proto = IPPROTO_ICMPV6, .src = "2001:db8:ff::1",
				.dst = "2001:db8::10", .icmp_type = 2, .inner = &quoted6 };

	/* Quoting a flow nobody started: it meets the default. */
	expect(unreach, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	expect(ptb, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	out(&syn, LO);
	out(&syn6, LO);
	expect(unreach, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
	unreach.icmp_type = 11; /* time exceeded */
	expect(unreach, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
	expect(ptb, LO, TC_ACT_OK, ZFWD_R_PASS_ICMP);
	quoted6.dport = 444; /* another flow */
	expect(ptb, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_dhcp_client_replies_pass)
{
	struct pkt_spec d4 = UDP4("192.0.2.10", 68), d6 = UDP6("fe80::1", 546);

	d4.src = "192.0.2.1";
	d4.sport = 67;
	expect(d4, LO, TC_ACT_OK, ZFWD_R_PASS_DHCP);
	d6.src = "fe80::2";
	d6.sport = 547;
	expect(d6, LO, TC_ACT_OK, ZFWD_R_PASS_DHCP);
	d4.sport = 68; /* not a server's answer */
	expect(d4, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
}
END_TEST

START_TEST(test_ssh_to_own_addresses_only_and_fails_closed)
{
	struct pkt_spec own = TCP4("10.0.0.1", 22), other = TCP4("10.0.0.2", 22);
	struct pkt_spec own6 = TCP6("2001:db8:a::1", 22);
	uint8_t a4[16] = { 10, 0, 0, 1 }, a6[16];

	inet_pton(AF_INET6, "2001:db8:a::1", a6);
	/* Addresses not known yet: closed. */
	expect(own, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	ck_assert_int_eq(dp_addr(&dp, LO, 4, a4, true), 0);
	ck_assert_int_eq(dp_addr(&dp, LO, 6, a6, true), 0);
	expect(own, LO, TC_ACT_OK, ZFWD_R_PASS_SSH);
	expect(own6, LO, TC_ACT_OK, ZFWD_R_PASS_SSH);
	expect(other, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	own.dport = 2222;
	expect(own, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	own.dport = 22;
	/* Another interface's address does not count. */
	set_iface(ext_ifindex, "zt-ext", ZFWD_ROLE_EXTERNAL, ZFWD_ACT_DENY);
	expect(own, ext_ifindex, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	set_iface_flags(LO, "lo", ZFWD_ROLE_INTERNAL, ZFWD_ACT_DENY, ZFWD_IF_IPV6);
	expect(own, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	ck_assert_int_eq(dp_addrs_flush(&dp, LO), 0);
	ck_assert_int_eq(dp_count(&dp, "addrs"), 0);
}
END_TEST

START_TEST(test_ipv6_off_drops_all_ipv6)
{
	struct pkt_spec ns = { .family = 6, .proto = IPPROTO_ICMPV6, .src = "fe80::1",
			       .dst = "ff02::1:ff00:1", .icmp_type = 135 };

	add_ok("[{\"protocol\":\"tcp\",\"destination\":\"::/0\",\"action\":\"pass\"}]");
	expect((struct pkt_spec)TCP6("2001:db8::5", 80), LO, TC_ACT_OK, ZFWD_R_PASS_RULE);
	set_iface_flags(LO, "lo", ZFWD_ROLE_INTERNAL, ZFWD_ACT_PASS, ZFWD_IF_EGRESS);
	expect((struct pkt_spec)TCP6("2001:db8::5", 80), LO, TC_ACT_SHOT, ZFWD_R_DROP_IPV6);
	expect(ns, LO, TC_ACT_SHOT, ZFWD_R_DROP_IPV6);
	expect((struct pkt_spec)TCP4("192.0.2.1", 80), LO, TC_ACT_OK, ZFWD_R_PASS_DEFAULT);
}
END_TEST

START_TEST(test_established_local_socket_is_found_before_the_rules)
{
	/* A real TCP connection over loopback; its packets, replayed on
	 * ingress, belong to the established socket (reason assign under
	 * BPF_PROG_RUN, which refuses the assignment itself: see above). */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;
	struct sockaddr_in ca;
	char sport[8], caddr[32];
	struct pkt_spec p = { .family = 4, .proto = IPPROTO_TCP, .src = "127.0.0.1",
			      .dst = "127.0.0.1", .tcp_flags = 0x10 };

	ck_assert_int_eq(bind(l, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (void *)&a, &len), 0);
	ck_assert_int_eq(connect(c, (void *)&a, sizeof(a)), 0);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	len = sizeof(ca);
	ck_assert_int_eq(getsockname(c, (void *)&ca, &len), 0);
	snprintf(sport, sizeof(sport), "%u", ntohs(ca.sin_port));
	inet_ntop(AF_INET, &ca.sin_addr, caddr, sizeof(caddr));
	/* client -> server: an ACK of the established connection */
	p.sport = ntohs(ca.sin_port);
	p.dport = ntohs(a.sin_port);
	expect(p, LO, TC_ACT_SHOT, ZFWD_R_DROP_ASSIGN);
	/* A pure SYN is never taken for the established connection. */
	p.tcp_flags = 0x02;
	expect(p, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	/* A port nobody is connected on: the default. */
	p.tcp_flags = 0x10;
	p.sport = 1;
	expect(p, LO, TC_ACT_SHOT, ZFWD_R_DROP_DEFAULT);
	close(s);
	close(c);
	close(l);
}
END_TEST

/* Random rule sets through the real engine and maps; random packets
 * through the real program; every verdict and the rule it counts
 * against must be the reference matcher's. */
static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void rnd_addr(int family, char *out, size_t n, uint8_t *raw)
{
	if (family == 4) {
		raw[0] = 10;
		raw[1] = rnd() % 4;
		raw[2] = rnd() % 4;
		raw[3] = rnd() % 8;
		inet_ntop(AF_INET, raw, out, n);
	} else {
		memset(raw, 0, 16);
		raw[0] = 0x20;
		raw[1] = 0x01;
		raw[2] = 0x0d;
		raw[3] = 0xb8;
		raw[5] = rnd() % 4;
		raw[7] = rnd() % 4;
		raw[15] = rnd() % 8;
		inet_ntop(AF_INET6, raw, out, n);
	}
}

static void rnd_prefix(int family, char *out, size_t n)
{
	static const int l4[] = { 0, 8, 16, 24, 29, 32 }, l6[] = { 0, 32, 48, 64, 125, 128 };
	struct prefix p = { .family = family };
	char a[64];

	rnd_addr(family, a, sizeof(a), p.addr);
	prefix_mask(&p, family == 4 ? l4[rnd() % 6] : l6[rnd() % 6]);
	prefix_format(&p, out, n);
}

START_TEST(test_random_rules_match_the_reference)
{
	static const char *const actions[] = { "pass", "deny" };
	int checked = 0;

	set_iface(ext_ifindex, "zt-ext", ZFWD_ROLE_EXTERNAL, ZFWD_ACT_DENY);
	rnd_state = 0x2545f491u;
	for (int round = 0; round < 30; round++) {
		for (int i = 0; i < 8; i++) {
			int family = rnd() % 2 ? 4 : 6;
			char dst[64], src[64], json[512], ifs[64] = "";
			int lo = 1 + rnd() % 2000, hi = lo + rnd() % 3000;

			rnd_prefix(family, dst, sizeof(dst));
			if (rnd() % 3)
				snprintf(src, sizeof(src), "%s", family == 4 ? "0.0.0.0/0" : "::/0");
			else
				rnd_prefix(family, src, sizeof(src));
			if (rnd() % 4 == 0)
				snprintf(ifs, sizeof(ifs), ",\"interfaces\":[\"zt-ext\"]");
			snprintf(json, sizeof(json),
				 "[{\"protocol\":\"%s\",\"destination\":\"%s\",\"source\":\"%s\","
				 "\"ports\":{\"low\":%d,\"high\":%d},\"action\":\"%s\"%s}]",
				 rnd() % 2 ? "tcp" : "udp", dst, src, lo, hi > 65535 ? 65535 : hi,
				 actions[rnd() % 2], ifs);
			add_json("fuzz", json); /* conflicts and capacity refusals are fine */
		}
		for (int k = 0; k < 200; k++) {
			struct fake_pkt fp = { 0 };
			struct pkt_spec s = { 0 };
			char sa[64], da[64];
			uint32_t ifindex = rnd() % 3 ? LO : ext_ifindex;
			uint64_t before_p = 0, after_p = 0, b;
			int want, verdict, reason;

			fp.family = rnd() % 2 ? 4 : 6;
			fp.proto = rnd() % 2 ? IPPROTO_TCP : IPPROTO_UDP;
			rnd_addr(fp.family, da, sizeof(da), fp.daddr);
			rnd_addr(fp.family, sa, sizeof(sa), fp.saddr);
			fp.dport = 1 + rnd() % 6000;
			s.family = fp.family;
			s.proto = fp.proto;
			s.src = sa;
			s.dst = da;
			s.sport = 1234;
			s.dport = fp.dport;
			want = ref_match(&eng.rs, &fp, ifindex == LO ? "lo" : "zt-ext",
					 ifindex == LO ? ZFWD_ROLE_INTERNAL : ZFWD_ROLE_EXTERNAL);
			if (want >= 0)
				dp_rule_stats(&dp, want, &before_p, &b);
			verdict = run(&s, ifindex, &reason);
			if (want < 0) {
				ck_assert_msg(reason == ZFWD_R_DROP_DEFAULT,
					      "round %d: %s -> %s:%u matched (reason %d), reference says none",
					      round, sa, da, s.dport, reason);
				continue;
			}
			dp_rule_stats(&dp, want, &after_p, &b);
			ck_assert_msg(after_p == before_p + 1,
				      "round %d: %s -> %s:%u %s: slot %d not counted (reason %d)",
				      round, sa, da, s.dport, s.proto == IPPROTO_TCP ? "tcp" : "udp",
				      want, reason);
			ck_assert_int_eq(verdict, eng.sh.rules[want].action == ZFWD_ACT_PASS
							  ? TC_ACT_OK : TC_ACT_SHOT);
			checked++;
		}
	}
	ck_assert_int_gt(checked, 500);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bpf");
	TCase *tc = tcase_create("prog_run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_tproxy_without_listener_drops_and_counts);
	tcase_add_test(tc, test_tproxy_finds_listener_v4_v6_tcp_udp);
	tcase_add_test(tc, test_pass_deny_and_unmatched);
	tcase_add_test(tc, test_most_specific_destination_then_source_wins);
	tcase_add_test(tc, test_port_range_edges_fall_back_to_shorter_prefix);
	tcase_add_test(tc, test_interface_roles_and_lists);
	tcase_add_test(tc, test_removed_rule_stops_matching);
	tcase_add_test(tc, test_non_ip_and_neighbour_discovery_pass_under_drop);
	tcase_add_test(tc, test_truncated_and_malformed_headers_drop);
	tcase_add_test(tc, test_later_fragments_meet_the_default);
	tcase_add_test(tc, test_random_rules_match_the_reference);
	tcase_add_test(tc, test_replies_of_flows_started_on_egress_pass);
	tcase_add_test(tc, test_only_a_syn_opens_a_tcp_flow_on_egress);
	tcase_add_test(tc, test_egress_tracking_off_tracks_nothing);
	tcase_add_test(tc, test_idle_flows_expire);
	tcase_add_test(tc, test_a_full_flow_table_forgets_the_oldest_never_fails_open);
	tcase_add_test(tc, test_icmp_echo_requests_follow_the_interface_option);
	tcase_add_test(tc, test_echo_replies_pass_for_the_host_own_pings_only);
	tcase_add_test(tc, test_icmp_errors_of_tracked_flows_pass_packet_too_big_included);
	tcase_add_test(tc, test_dhcp_client_replies_pass);
	tcase_add_test(tc, test_ssh_to_own_addresses_only_and_fails_closed);
	tcase_add_test(tc, test_ipv6_off_drops_all_ipv6);
	tcase_add_test(tc, test_established_local_socket_is_found_before_the_rules);
	suite_add_tcase(s, tc);
	return s;
}

static void remove_leftover_pins(void)
{
	glob_t g;

	if (glob(PIN_PREFIX "*", GLOB_ONLYDIR, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		dp_unpin_all(g.gl_pathv[i]);
	globfree(&g);
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "test_bpf: needs root (BPF_PROG_RUN, bpffs)\n");
		return 77; /* ctest: skipped */
	}
	/* A private network namespace: our loopback, our listeners, and a
	 * veth pair for an external interface. */
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 1;
	}
	if (system("ip link set lo up && ip link add zt-ext type veth peer name zt-peer && "
		   "ip link set zt-ext up && ip link set zt-peer up")) {
		fprintf(stderr, "test_bpf: cannot set up interfaces\n");
		return 1;
	}
	ext_ifindex = if_nametoindex("zt-ext");
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_leftover_pins();
	return failed ? 1 : 0;
}
