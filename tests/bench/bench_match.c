// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-packet cost of the ingress program, measured with BPF_PROG_RUN:
 * a new TCP SYN that matches a pass rule, one that matches a tproxy rule
 * (two socket lookups; the listener exists), one that matches nothing,
 * and a trivial `return TC_ACT_OK` program as the floor, at 0, 1k, 10k
 * and 100k rules; and a reply of a flow the egress program tracked (the
 * established-flow case, decided before the rules). Also the control
 * plane: time to load each rule set and the kernel operations one more
 * rule costs on top of it. Last, what a drop costs when it emits an event
 * (someone monitors): with the ring drained between rounds, and with the
 * ring full (the event is counted lost).
 *
 * Not a test: a program whose output goes into docs/BENCHMARKS.md.
 *   bench_match [-r REPEAT] [-n ROUNDS]     (root; private netns)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "dataplane.h"
#include "engine.h"
#include "pkt.h"

static int repeat = 100000, rounds = 7;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Median over rounds of the kernel's average ns per run. */
static uint32_t measure(int prog_fd, const struct pkt_spec *s, int *retval)
{
	struct __sk_buff ctx = { .ifindex = 1 };
	uint8_t buf[256];
	size_t len = pkt_build(s, buf);
	uint32_t d[64];

	for (int i = 0; i < rounds; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);
		int err = bpf_prog_test_run_opts(prog_fd, &o);

		if (err) {
			fprintf(stderr, "BPF_PROG_RUN: %s\n", strerror(-err));
			exit(1);
		}
		d[i] = o.duration;
		*retval = o.retval;
	}
	qsort(d, rounds, sizeof(d[0]), cmp_u32);
	return d[rounds / 2];
}

static int no_op(void *ctx, void *data, size_t size)
{
	return 0;
}

/* measure, for a packet that emits an event: runs of 8192 (the 1 MiB ring
 * holds 16384 records of 64 bytes), the ring drained after each round
 * when @rb is given. */
static uint32_t measure_event(int prog_fd, const struct pkt_spec *s, struct ring_buffer *rb)
{
	int saved = repeat, rv;
	uint32_t d[64];

	repeat = 8192;
	for (int i = 0; i < rounds; i++) {
		int n = rounds;

		rounds = 1;
		d[i] = measure(prog_fd, s, &rv);
		rounds = n;
		if (rb)
			ring_buffer__consume(rb);
	}
	repeat = saved;
	qsort(d, rounds, sizeof(d[0]), cmp_u32);
	return d[rounds / 2];
}

static int floor_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "bench_floor", "GPL", insns, 2, NULL);

	if (fd < 0) {
		fprintf(stderr, "loading the floor program: %s\n", strerror(-fd));
		exit(1);
	}
	return fd;
}

/* Rule i: a /32 in 100.64.0.0/10 (as a router's intercepts are), every
 * 8th one a /24 over that range instead (so prefixes overlap and the
 * compiler has work), every 16th with a single port. */
static uint32_t rule_addr(uint32_t i)
{
	return i % 8 == 7 ? 0x64400000u + ((i / 8) << 8) : 0x64400000u + i;
}

static void make_rule(uint32_t i, struct rule *r, int action)
{
	uint32_t a = rule_addr(i);
	int len = i % 8 == 7 ? 24 : 32;

	memset(r, 0, sizeof(*r));
	r->m.proto = IPPROTO_TCP;
	r->m.dst.family = r->m.src.family = 4;
	a = htonl(a);
	memcpy(r->m.dst.addr, &a, 4);
	prefix_mask(&r->m.dst, len);
	r->m.port_lo = 1;
	r->m.port_hi = 65535;
	if (i % 16 == 5) {
		r->m.port_lo = 443;
		r->m.port_hi = 443;
	}
	r->action = action;
	r->tproxy_port = action == ZFWD_ACT_TPROXY ? 15000 : 0;
}

static int add_rules(struct engine *e, uint32_t from, uint32_t to, int action,
		     struct engine_result *res)
{
	size_t n = to - from;
	struct rule *rules = calloc(n ? n : 1, sizeof(*rules));
	struct zerr err = { 0 };
	int ret;

	for (uint32_t i = from; i < to; i++)
		make_rule(i, &rules[i - from], action);
	ret = engine_add(e, "bench", rules, n, res, &err);
	if (ret)
		fprintf(stderr, "engine_add: %s %s\n", err.name,
			err.params ? json_dumps(err.params, 0) : "");
	for (size_t i = 0; i < n; i++)
		rule_free(&rules[i]);
	free(rules);
	zerr_clear(&err);
	return ret;
}

static int listener(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(15000),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one));
	if (bind(fd, (void *)&a, sizeof(a)) || listen(fd, 8)) {
		perror("listener");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 0, 1000, 10000, 100000 };
	struct engine_limits lim = { .rules = 131072, .prefixes = 131072, .leaves = 262144 };
	struct dp_opts o = { .lim = lim, .mark = 0x10000000, .mark_mask = 0x10000000 };
	struct zfwd_iface_val ifv = { .role = ZFWD_ROLE_INTERNAL, .default_action = ZFWD_ACT_DENY,
				      .flags = ZFWD_IF_SSH | ZFWD_IF_IPV6 | ZFWD_IF_EGRESS };
	char pin[64], addr_match[32], addr_tproxy[32];
	struct dataplane dp;
	struct engine eng;
	struct kbackend kb;
	uint32_t loaded = 0;
	int c, fl, lfd;

	while ((c = getopt(argc, argv, "r:n:")) != -1) {
		if (c == 'r')
			repeat = atoi(optarg);
		else if (c == 'n')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (rounds < 1 || rounds > 64 || repeat < 1)
		return 2;
	if (unshare(CLONE_NEWNET) || system("ip link set lo up")) {
		perror("private netns");
		return 1;
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/zfwd-bench-%d", getpid());
	o.pin_root = pin;
	if (bpffs_ensure(pin) || dp_open(&dp, &o))
		return 1;
	kb = dp_backend(&dp);
	if (engine_init(&eng, &lim, &kb))
		return 1;
	dp_iface_stats_init(&dp, 1);
	engine_iface_set(&eng, 1, "lo", &ifv);
	fl = floor_prog();
	lfd = listener();

	printf("BPF_PROG_RUN, median of %d rounds of %d runs, ns per packet\n", rounds, repeat);
	printf("%8s %10s %10s %10s %10s %10s %8s %12s %10s\n", "rules", "syn_pass", "syn_tproxy",
	       "syn_nomatch", "reply", "floor", "load_ms", "ops_for_+1", "ms_for_+1");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct engine_result res = { 0 };
		struct pkt_spec s = { .family = 4, .proto = IPPROTO_TCP, .src = "192.0.2.10",
				      .sport = 40000, .dport = 80 };
		uint32_t t_pass = 0, t_tp = 0, t_none, t_floor, t_reply;
		struct pkt_spec syn_out = { .family = 4, .proto = IPPROTO_TCP, .src = "192.0.2.10",
					    .dst = "198.51.100.7", .sport = 40000, .dport = 443 };
		struct pkt_spec reply = { .family = 4, .proto = IPPROTO_TCP, .src = "198.51.100.7",
					  .dst = "192.0.2.10", .sport = 443, .dport = 40000,
					  .tcp_flags = 0x10 };
		double t0, load_ms = 0, one_ms;
		size_t one_ops;
		uint32_t pick;
		int rv;

		/* Half the rules pass, half tproxy: both kinds get measured. */
		t0 = now_ms();
		if (sizes[k] > loaded) {
			uint32_t mid = loaded + (sizes[k] - loaded) / 2;

			if (add_rules(&eng, loaded, mid, ZFWD_ACT_PASS, &res) ||
			    add_rules(&eng, mid, sizes[k], ZFWD_ACT_TPROXY, &res))
				return 1;
			loaded = sizes[k];
		}
		load_ms = now_ms() - t0;
		/* One more rule on top: the per-change cost. */
		t0 = now_ms();
		if (add_rules(&eng, 500000, 500001, ZFWD_ACT_PASS, &res))
			return 1;
		one_ms = now_ms() - t0;
		one_ops = res.kernel_ops;
		{
			struct rule r;
			struct zerr err = { 0 };

			make_rule(500000, &r, ZFWD_ACT_PASS);
			engine_remove(&eng, "bench", &r, 1, false, &res, &err);
			rule_free(&r);
			zerr_clear(&err);
		}

		if (loaded) {
			/* A /32 pass rule in the first half, a /32 tproxy one in
			 * the second (i % 8 != 7 gives a /32). */
			pick = loaded / 4 - (loaded / 4) % 8;
			uint32_t a = htonl(rule_addr(pick));

			inet_ntop(AF_INET, &a, addr_match, sizeof(addr_match));
			s.dst = addr_match;
			t_pass = measure(dp_prog_fd(&dp, true), &s, &rv);
			if (rv != TC_ACT_OK)
				fprintf(stderr, "warning: pass SYN got verdict %d\n", rv);
			pick = loaded / 4 * 3 - (loaded / 4 * 3) % 8;
			a = htonl(rule_addr(pick));
			inet_ntop(AF_INET, &a, addr_tproxy, sizeof(addr_tproxy));
			s.dst = addr_tproxy;
			t_tp = measure(dp_prog_fd(&dp, true), &s, &rv);
		}
		s.dst = "198.51.100.1";
		t_none = measure(dp_prog_fd(&dp, true), &s, &rv);
		/* The host's SYN leaves through egress; its peer's ACKs come back. */
		measure(dp_prog_fd(&dp, false), &syn_out, &rv);
		t_reply = measure(dp_prog_fd(&dp, true), &reply, &rv);
		if (rv != TC_ACT_OK)
			fprintf(stderr, "warning: tracked reply got verdict %d\n", rv);
		t_floor = measure(fl, &s, &rv);
		if (loaded)
			printf("%8u %10u %10u %10u %10u %10u %8.0f %12zu %10.2f\n", sizes[k], t_pass,
			       t_tp, t_none, t_reply, t_floor, load_ms, one_ops, one_ms);
		else
			printf("%8u %10s %10s %10u %10u %10u %8s %12zu %10.2f\n", sizes[k], "-", "-",
			       t_none, t_reply, t_floor, "-", one_ops, one_ms);
		fflush(stdout);
	}
	{
		struct pkt_spec s = { .family = 4, .proto = IPPROTO_TCP, .src = "192.0.2.10",
				      .dst = "198.51.100.1", .sport = 40000, .dport = 80 };
		struct ring_buffer *rb = ring_buffer__new(dp.events_fd, no_op, NULL, NULL);
		uint32_t quiet, drained, full;
		int rv;

		if (!rb)
			return 1;
		quiet = measure_event(dp_prog_fd(&dp, true), &s, rb);
		dp_set_monitors(&dp, 1);
		ring_buffer__consume(rb);
		drained = measure_event(dp_prog_fd(&dp, true), &s, rb);
		/* Fill the ring, then measure with nobody reading. */
		for (int i = 0; i < 3; i++)
			measure_event(dp_prog_fd(&dp, true), &s, NULL);
		full = measure_event(dp_prog_fd(&dp, true), &s, NULL);
		dp_set_monitors(&dp, 0);
		measure(dp_prog_fd(&dp, true), &s, &rv);
		printf("\ndrop (no rule, default drop) at %u rules, ns per packet:\n"
		       "%12s %12s %12s\n%12u %12u %12u\n",
		       loaded, "no_monitor", "monitor", "ring_full", quiet, drained, full);
		ring_buffer__free(rb);
	}
	close(lfd);
	close(fl);
	engine_free(&eng);
	dp_close(&dp);
	dp_unpin_all(pin);
	return 0;
}
