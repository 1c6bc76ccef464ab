// SPDX-License-Identifier: GPL-2.0-only
/*
 * zfwd's tc programs.
 *
 * Ingress decides, in this order: non-IP frames pass; IPv6 is dropped
 * where the interface disables it; neighbour discovery passes; replies of
 * flows tracked on egress pass (intercepted UDP flows keep going to their
 * listener); ICMP echo requests per the interface, ICMP errors quoting a
 * tracked flow pass; packets of established local sockets pass; DHCP
 * client replies pass; SSH to the interface's own addresses passes; then
 * the rules; then the interface's default.
 *
 * Egress records the flows that leave, and never drops.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "zfwd_maps.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "match.bpf.h"
#include "ct.bpf.h"

/* Set by zfwd before load: the fwmark that steers packets for non-local
 * intercepted addresses to the `local default dev lo` table. */
const volatile __u32 cfg_mark = 0;
const volatile __u32 cfg_mark_mask = 0;

static __always_inline void gcount(__u32 which)
{
	const __u32 zero = 0;
	struct zfwd_gstats *g = bpf_map_lookup_elem(&zfwd_gstats, &zero);

	if (g && which < ZFWD_G_MAX)
		g->count[which]++;
}

/* An event for monitors, when one is watching or the interface asks. */
static __always_inline void event(__u32 ifindex, const struct zfwd_iface_val *ifc,
				  const struct pkt *p, __u8 kind, __u32 reason, __u32 slot)
{
	const __u32 zero = 0;
	const struct zfwd_settings *st = bpf_map_lookup_elem(&zfwd_settings, &zero);
	struct zfwd_event *ev;

	if (!(ifc->flags & ZFWD_IF_EVENTS) && (!st || !st->monitors))
		return;
	ev = bpf_ringbuf_reserve(&zfwd_events, sizeof(*ev), 0);
	if (!ev) {
		gcount(ZFWD_G_EVENTS_LOST);
		return;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->ifindex = ifindex;
	ev->slot = slot;
	ev->kind = kind;
	ev->reason = reason;
	ev->family = p->family;
	ev->proto = p->proto;
	ev->sport = p->sport;
	ev->dport = p->dport;
	__builtin_memcpy(ev->saddr, p->saddr, 16);
	__builtin_memcpy(ev->daddr, p->daddr, 16);
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline int verdict(__u32 ifindex, __u32 reason, int act)
{
	struct zfwd_iface_stats *st = bpf_map_lookup_elem(&zfwd_istats, &ifindex);

	if (st && reason < ZFWD_R_MAX)
		st->count[reason]++;
	return act;
}

/* A drop, counted and told to monitors. */
static __always_inline int drop(__u32 ifindex, const struct zfwd_iface_val *ifc,
				const struct pkt *p, __u32 reason, __u32 slot)
{
	event(ifindex, ifc, p, ZFWD_EV_DROP, reason, slot);
	return verdict(ifindex, reason, TC_ACT_SHOT);
}

static __always_inline void count_rule(__u32 slot, struct __sk_buff *skb)
{
	struct zfwd_rule_stats *rs = bpf_map_lookup_elem(&zfwd_rstats, &slot);

	if (rs) {
		rs->packets++;
		rs->bytes += skb->len;
	}
}

static __always_inline void mark(struct __sk_buff *skb)
{
	skb->mark = (skb->mark & ~cfg_mark_mask) | cfg_mark;
}

static __always_inline __u32 fill_tuple(struct bpf_sock_tuple *t, const struct pkt *p)
{
	if (p->family == 4) {
		t->ipv4.saddr = p->saddr[0];
		t->ipv4.daddr = p->daddr[0];
		t->ipv4.sport = p->sport;
		t->ipv4.dport = p->dport;
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, p->saddr, 16);
	__builtin_memcpy(t->ipv6.daddr, p->daddr, 16);
	t->ipv6.sport = p->sport;
	t->ipv6.dport = p->dport;
	return sizeof(t->ipv6);
}

static __always_inline void set_loopback(struct bpf_sock_tuple *t, int v4, __be16 port)
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

static __always_inline __u32 assign(struct __sk_buff *skb, struct bpf_sock *sk, __u32 ok)
{
	long err = bpf_sk_assign(skb, sk, 0);

	bpf_sk_release(sk);
	if (err)
		return ZFWD_R_DROP_ASSIGN;
	/* Local delivery even for a destination that is not a local
	 * address: the socket owns it (transparently). */
	mark(skb);
	return ok;
}

/* Hand the packet to its socket: an existing connection of the flow if
 * there is one (as TPROXY's established lookup does), otherwise the
 * listener at 127.0.0.1 / ::1 and the rule's port. Returns a reason. */
static __always_inline __u32 tproxy(struct __sk_buff *skb, const struct pkt *p, __be16 lport)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	int v4 = p->family == 4;
	__u32 tlen = fill_tuple(&t, p);

	if (p->proto == IPPROTO_TCP) {
		int syn = (p->tcp_flags & (TCPF_SYN_ | TCPF_ACK_)) == TCPF_SYN_;

		sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			/* A new SYN on a TIME_WAIT tuple belongs to the
			 * listener, not to the dead connection. */
			if (sk->state != BPF_TCP_LISTEN &&
			    !(syn && sk->state == BPF_TCP_TIME_WAIT))
				return assign(skb, sk, ZFWD_R_TPROXY);
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
		return assign(skb, sk, ZFWD_R_TPROXY);
	}
	sk = bpf_sk_lookup_udp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (sk) {
		/* Only a connected socket owns the flow; a wildcard one
		 * bound to the port does not. */
		if (sk->state == BPF_TCP_ESTABLISHED)
			return assign(skb, sk, ZFWD_R_TPROXY);
		bpf_sk_release(sk);
	}
	set_loopback(&t, v4, lport);
	sk = bpf_sk_lookup_udp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return ZFWD_R_DROP_NO_LISTENER;
	return assign(skb, sk, ZFWD_R_TPROXY);
}

/* A packet of a connection a local socket already has: assigned to it.
 * (Pure SYNs never get here: a new connection has no established socket,
 * a TIME_WAIT one would only mislead, and intercepted ones are found by
 * the tproxy path.) Returns a reason, or 0 when there is no socket. */
static __always_inline __u32 established(struct __sk_buff *skb, const struct pkt *p)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u32 tlen = fill_tuple(&t, p);

	if (p->proto == IPPROTO_TCP) {
		sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return 0;
		if (sk->state == BPF_TCP_LISTEN) {
			bpf_sk_release(sk);
			return 0;
		}
	} else {
		sk = bpf_sk_lookup_udp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return 0;
		if (sk->state != BPF_TCP_ESTABLISHED) {
			bpf_sk_release(sk);
			return 0;
		}
	}
	return assign(skb, sk, ZFWD_R_PASS_ESTABLISHED);
}

static __always_inline bool own_address(__u32 ifindex, const struct pkt *p)
{
	struct zfwd_addr_key k = { .ifindex = ifindex, .family = p->family };

	__builtin_memcpy(k.addr, p->daddr, 16);
	return bpf_map_lookup_elem(&zfwd_addrs, &k) != NULL;
}

static __always_inline bool dhcp_client_reply(const struct pkt *p)
{
	if (p->proto != IPPROTO_UDP)
		return false;
	if (p->family == 4)
		return p->sport == bpf_htons(67) && p->dport == bpf_htons(68);
	return p->sport == bpf_htons(547) && p->dport == bpf_htons(546);
}

static __always_inline int by_default(__u32 ifindex, const struct zfwd_iface_val *ifc,
				      const struct pkt *p)
{
	if (ifc->default_action == ZFWD_ACT_PASS)
		return verdict(ifindex, ZFWD_R_PASS_DEFAULT, TC_ACT_OK);
	return drop(ifindex, ifc, p, ZFWD_R_DROP_DEFAULT, ~0u);
}

static __always_inline int icmp(struct __sk_buff *skb, __u32 ifindex,
				const struct zfwd_iface_val *ifc, const struct pkt *p, __u64 now)
{
	bool v4 = p->proto == IPPROTO_ICMP;
	int rel;

	if (p->icmp_type == (v4 ? ICMP_ECHO_ : ICMPV6_ECHO_REQUEST_)) {
		if (ifc->flags & ZFWD_IF_ICMP_ECHO)
			return verdict(ifindex, ZFWD_R_PASS_ICMP, TC_ACT_OK);
		return drop(ifindex, ifc, p, ZFWD_R_DROP_ICMP, ~0u);
	}
	if (p->icmp_type == (v4 ? ICMP_ECHOREPLY_ : ICMPV6_ECHO_REPLY_)) {
		if (ct_ingress(p, now))
			return verdict(ifindex, ZFWD_R_PASS_ICMP, TC_ACT_OK);
		return by_default(ifindex, ifc, p);
	}
	if (icmp_is_error(p)) {
		rel = icmp_error_related(skb, p, now);
		if (rel) {
			if (rel == 2)
				mark(skb);
			return verdict(ifindex, ZFWD_R_PASS_ICMP, TC_ACT_OK);
		}
	}
	return by_default(ifindex, ifc, p);
}

static __always_inline int rules(struct __sk_buff *skb, __u32 ifindex,
				 const struct zfwd_iface_val *ifc, const struct pkt *p)
{
	struct match m = {};
	__u32 reason;

	if (!match_rule(p, ifc, &m))
		return by_default(ifindex, ifc, p);
	count_rule(m.slot, skb);
	switch (m.rule->action) {
	case ZFWD_ACT_PASS:
		return verdict(ifindex, ZFWD_R_PASS_RULE, TC_ACT_OK);
	case ZFWD_ACT_TPROXY:
		reason = tproxy(skb, p, m.rule->tproxy_port);
		if (reason != ZFWD_R_TPROXY)
			return drop(ifindex, ifc, p, reason, m.slot);
		if (p->proto == IPPROTO_UDP)
			ct_tproxy_udp(p, m.rule->tproxy_port, m.slot, bpf_ktime_get_ns());
		/* A new flow met its rule: the UDP flow's first datagram (the
		 * rest follow the flow entry), or a TCP SYN. */
		if (p->proto == IPPROTO_UDP ||
		    (p->tcp_flags & (TCPF_SYN_ | TCPF_ACK_)) == TCPF_SYN_)
			event(ifindex, ifc, p, ZFWD_EV_INTERCEPT, reason, m.slot);
		return verdict(ifindex, reason, TC_ACT_OK);
	}
	return drop(ifindex, ifc, p, ZFWD_R_DROP_RULE, m.slot);
}

/* A tracked flow: its reply passes; an intercepted UDP flow goes to its
 * listener again while its rule still says so. -1: not decided here. */
static __always_inline int tracked(struct __sk_buff *skb, __u32 ifindex,
				   const struct zfwd_iface_val *ifc, const struct pkt *p,
				   struct zfwd_ct_val *v)
{
	const struct zfwd_rule_val *r;
	__u32 slot, reason;

	if (!(v->flags & ZFWD_CT_TPROXY))
		return verdict(ifindex, ZFWD_R_PASS_REPLY, TC_ACT_OK);
	slot = v->slot;
	r = bpf_map_lookup_elem(&zfwd_rules, &slot);
	if (!r || r->action != ZFWD_ACT_TPROXY || r->tproxy_port != v->tproxy_port) {
		/* The rule changed: the flow meets the rules anew. */
		ct_forget(p);
		return -1;
	}
	count_rule(slot, skb);
	reason = tproxy(skb, p, v->tproxy_port);
	if (reason != ZFWD_R_TPROXY)
		return drop(ifindex, ifc, p, reason, slot);
	return verdict(ifindex, reason, TC_ACT_OK);
}

SEC("tc")
int zfwd_ingress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, reason;
	const struct zfwd_iface_val *ifc;
	struct zfwd_ct_val *v;
	struct pkt p = {};
	__u64 now;
	int ret;

	ifc = bpf_map_lookup_elem(&zfwd_ifaces, &ifindex);
	if (!ifc)
		return verdict(ifindex, ZFWD_R_PASS_UNMANAGED, TC_ACT_OK);

	switch (parse_packet(skb, &p)) {
	case PARSE_NON_IP:
		return verdict(ifindex, ZFWD_R_PASS_NON_IP, TC_ACT_OK);
	case PARSE_MALFORMED:
		return drop(ifindex, ifc, &p, ZFWD_R_DROP_MALFORMED, ~0u);
	}
	if (p.family == 6 && !(ifc->flags & ZFWD_IF_IPV6))
		return drop(ifindex, ifc, &p, ZFWD_R_DROP_IPV6, ~0u);
	if (p.later_frag)
		return by_default(ifindex, ifc, &p);
	if (p.family == 6 && p.proto == IPPROTO_ICMPV6 && p.icmp_type >= ND_ROUTER_SOLICIT_ &&
	    p.icmp_type <= ND_REDIRECT_)
		return verdict(ifindex, ZFWD_R_PASS_ND, TC_ACT_OK);

	/* The clock is read only where flows are looked at: it is not free
	 * in a VM. */
	if ((p.proto == IPPROTO_ICMP && p.family == 4) ||
	    (p.proto == IPPROTO_ICMPV6 && p.family == 6))
		return icmp(skb, ifindex, ifc, &p, bpf_ktime_get_ns());
	if (p.proto != IPPROTO_TCP && p.proto != IPPROTO_UDP)
		return by_default(ifindex, ifc, &p);

	/* A pure SYN opens a connection: it is nobody's reply and has no
	 * established socket, so new connections skip both lookups. */
	if (p.proto == IPPROTO_UDP ||
	    (p.tcp_flags & (TCPF_SYN_ | TCPF_ACK_)) != TCPF_SYN_) {
		now = bpf_ktime_get_ns();
		v = ct_ingress(&p, now);
		if (v) {
			ret = tracked(skb, ifindex, ifc, &p, v);
			if (ret >= 0)
				return ret;
		}
		reason = established(skb, &p);
		if (reason == ZFWD_R_PASS_ESTABLISHED)
			return verdict(ifindex, reason, TC_ACT_OK);
		if (reason)
			return drop(ifindex, ifc, &p, reason, ~0u);
	}
	if (dhcp_client_reply(&p))
		return verdict(ifindex, ZFWD_R_PASS_DHCP, TC_ACT_OK);
	if (p.proto == IPPROTO_TCP && p.dport == bpf_htons(22) && (ifc->flags & ZFWD_IF_SSH) &&
	    own_address(ifindex, &p))
		return verdict(ifindex, ZFWD_R_PASS_SSH, TC_ACT_OK);
	return rules(skb, ifindex, ifc, &p);
}

SEC("tc")
int zfwd_egress(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	const struct zfwd_iface_val *ifc;
	struct pkt p = {};

	ifc = bpf_map_lookup_elem(&zfwd_ifaces, &ifindex);
	if (!ifc || !(ifc->flags & ZFWD_IF_EGRESS))
		return TC_ACT_OK;
	if (parse_packet(skb, &p) != PARSE_OK || p.later_frag)
		return TC_ACT_OK;
	gcount(ZFWD_G_EGRESS_TRACKED);
	verdict(ifindex, ZFWD_R_EGRESS, TC_ACT_OK);
	ct_egress(&p, bpf_ktime_get_ns());
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
