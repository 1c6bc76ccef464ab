// SPDX-License-Identifier: GPL-2.0-only
/* zfwd's tc ingress program: parse, match, then tproxy / pass / drop. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "zfwd_maps.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "match.bpf.h"

/* Set by zfwd before load: the fwmark that steers packets for non-local
 * intercepted addresses to the `local default dev lo` table. */
const volatile __u32 cfg_mark = 0;
const volatile __u32 cfg_mark_mask = 0;

static __always_inline int verdict(__u32 ifindex, __u32 reason,
				   struct __sk_buff *skb, int act)
{
	struct zfwd_iface_stats *st = bpf_map_lookup_elem(&zfwd_istats, &ifindex);

	if (st && reason < ZFWD_R_MAX)
		st->count[reason]++;
	(void)skb;
	return act;
}

static __always_inline void count_rule(__u32 slot, struct __sk_buff *skb)
{
	struct zfwd_rule_stats *rs = bpf_map_lookup_elem(&zfwd_rstats, &slot);

	if (rs) {
		rs->packets++;
		rs->bytes += skb->len;
	}
}

static __always_inline void set_loopback(struct bpf_sock_tuple *t, int v4,
					 __be16 port)
{
	if (v4) {
		t->ipv4.daddr = bpf_htonl(0x7f000001);
		t->ipv4.dport = port;
	} else {
		__builtin_memset(t->ipv6.daddr, 0, sizeof(t->ipv6.daddr));
		t->ipv6.daddr[3] = bpf_htonl(1);
		t->ipv6.dport = port;
	}
}

/* Hand the packet to its socket: an existing connection of the flow if
 * there is one (as TPROXY's established lookup does), otherwise the
 * listener at 127.0.0.1 / ::1 and the rule's port. Returns a reason. */
static __always_inline __u32 tproxy(struct __sk_buff *skb, const struct pkt *p,
				    __be16 lport)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	int v4 = p->family == 4;
	__u32 tlen;
	long err;

	if (v4) {
		t.ipv4.saddr = p->saddr[0];
		t.ipv4.daddr = p->daddr[0];
		t.ipv4.sport = p->sport;
		t.ipv4.dport = p->dport;
		tlen = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, p->daddr, 16);
		t.ipv6.sport = p->sport;
		t.ipv6.dport = p->dport;
		tlen = sizeof(t.ipv6);
	}

	if (p->proto == IPPROTO_TCP) {
		int syn = (p->tcp_flags & (TCPF_SYN_ | TCPF_ACK_)) == TCPF_SYN_;

		sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			/* A new SYN on a TIME_WAIT tuple belongs to the
			 * listener, not to the dead connection. */
			if (sk->state != BPF_TCP_LISTEN &&
			    !(syn && sk->state == BPF_TCP_TIME_WAIT))
				goto assign;
			bpf_sk_release(sk);
		}
		set_loopback(&t, v4, lport);
		sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return ZFWD_R_DROP_NO_LISTENER;
		if (sk->state != BPF_TCP_LISTEN) {
			bpf_sk_release(sk);
			return ZFWD_R_DROP_NO_LISTENER;
		}
	} else {
		sk = bpf_sk_lookup_udp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			/* Only a connected socket owns the flow; a wildcard
			 * one bound to the port does not. */
			if (sk->state == BPF_TCP_ESTABLISHED)
				goto assign;
			bpf_sk_release(sk);
		}
		set_loopback(&t, v4, lport);
		sk = bpf_sk_lookup_udp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return ZFWD_R_DROP_NO_LISTENER;
	}
assign:
	err = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	if (err)
		return ZFWD_R_DROP_ASSIGN;
	skb->mark = (skb->mark & ~cfg_mark_mask) | cfg_mark;
	return ZFWD_R_TPROXY;
}

static __always_inline int unmatched(__u32 ifindex, struct __sk_buff *skb,
				     const struct zfwd_iface_val *ifc)
{
	if (ifc->default_action == ZFWD_ACT_PASS)
		return verdict(ifindex, ZFWD_R_PASS_DEFAULT, skb, TC_ACT_OK);
	return verdict(ifindex, ZFWD_R_DROP_DEFAULT, skb, TC_ACT_SHOT);
}

SEC("tc")
int zfwd_ingress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	const struct zfwd_iface_val *ifc;
	struct match m = {};
	struct pkt p = {};
	__u32 reason;

	ifc = bpf_map_lookup_elem(&zfwd_ifaces, &ifindex);
	if (!ifc)
		return verdict(ifindex, ZFWD_R_PASS_UNMANAGED, skb, TC_ACT_OK);

	switch (parse_packet(skb, &p)) {
	case PARSE_NON_IP:
		return verdict(ifindex, ZFWD_R_PASS_NON_IP, skb, TC_ACT_OK);
	case PARSE_MALFORMED:
		return verdict(ifindex, ZFWD_R_DROP_MALFORMED, skb, TC_ACT_SHOT);
	}

	if (p.family == 6 && p.proto == IPPROTO_ICMPV6 && !p.later_frag &&
	    p.icmp_type >= ND_ROUTER_SOLICIT_ &&
	    p.icmp_type <= ND_REDIRECT_)
		return verdict(ifindex, ZFWD_R_PASS_ND, skb, TC_ACT_OK);

	if ((p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP) || p.later_frag)
		return unmatched(ifindex, skb, ifc);

	if (!match_rule(&p, ifc, &m))
		return unmatched(ifindex, skb, ifc);

	count_rule(m.slot, skb);
	switch (m.rule->action) {
	case ZFWD_ACT_PASS:
		return verdict(ifindex, ZFWD_R_PASS_RULE, skb, TC_ACT_OK);
	case ZFWD_ACT_TPROXY:
		reason = tproxy(skb, &p, m.rule->tproxy_port);
		return verdict(ifindex, reason, skb,
			       reason == ZFWD_R_TPROXY ? TC_ACT_OK : TC_ACT_SHOT);
	}
	return verdict(ifindex, ZFWD_R_DROP_RULE, skb, TC_ACT_SHOT);
}

char LICENSE[] SEC("license") = "GPL";
