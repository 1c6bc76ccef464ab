/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Flow tracking: egress records the flows that leave through a managed
 * interface (TCP from its SYN, UDP, ICMP echo), ingress admits what comes
 * back. Entries live in an LRU hash, so a full table forgets its oldest
 * flows (their replies then meet the rules), it never fails open.
 */
#ifndef ZFWD_CT_BPF_H
#define ZFWD_CT_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

#define NSEC_PER_SEC 1000000000ull

#define ICMP_ECHOREPLY_ 0
#define ICMP_DEST_UNREACH_ 3
#define ICMP_ECHO_ 8
#define ICMP_TIME_EXCEEDED_ 11
#define ICMP_PARAMETERPROB_ 12
#define ICMPV6_DEST_UNREACH_ 1
#define ICMPV6_PKT_TOOBIG_ 2
#define ICMPV6_TIME_EXCEED_ 3
#define ICMPV6_PARAMPROB_ 4
#define ICMPV6_ECHO_REQUEST_ 128
#define ICMPV6_ECHO_REPLY_ 129

static __always_inline __u64 ct_timeout(const struct zfwd_ct_val *v, __u8 proto)
{
	const __u32 zero = 0;
	const struct zfwd_settings *s = bpf_map_lookup_elem(&zfwd_settings, &zero);

	/* Defaults stand in until the control plane writes its settings. */
	switch (v->state) {
	case ZFWD_CT_ESTABLISHED:
		return s && s->tcp_established_ns ? s->tcp_established_ns : 3600 * NSEC_PER_SEC;
	case ZFWD_CT_SYN_SENT:
	case ZFWD_CT_CLOSING:
		return s && s->tcp_transitory_ns ? s->tcp_transitory_ns : 120 * NSEC_PER_SEC;
	}
	if (proto == IPPROTO_UDP)
		return s && s->udp_ns ? s->udp_ns : 30 * NSEC_PER_SEC;
	return s && s->icmp_ns ? s->icmp_ns : 15 * NSEC_PER_SEC;
}

static __always_inline bool ct_live(const struct zfwd_ct_val *v, __u8 proto, __u64 now)
{
	return now - v->last_seen < ct_timeout(v, proto);
}

/* The flow's key as ingress sees it: the packet goes out -> in. */
static __always_inline void ct_key_ingress(struct zfwd_ct_key *k, const struct pkt *p)
{
	k->family = p->family;
	k->proto = p->proto;
	__builtin_memcpy(k->in_addr, p->daddr, 16);
	__builtin_memcpy(k->out_addr, p->saddr, 16);
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		k->in_port = p->icmp_id;
	} else {
		k->in_port = p->dport;
		k->out_port = p->sport;
	}
}

/* ... and as egress sees it: in -> out. */
static __always_inline void ct_key_egress(struct zfwd_ct_key *k, const struct pkt *p)
{
	k->family = p->family;
	k->proto = p->proto;
	__builtin_memcpy(k->in_addr, p->saddr, 16);
	__builtin_memcpy(k->out_addr, p->daddr, 16);
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		k->in_port = p->icmp_id;
	} else {
		k->in_port = p->sport;
		k->out_port = p->dport;
	}
}

static __always_inline void ct_tcp_update(struct zfwd_ct_val *v, __u8 flags, bool ingress)
{
	if (flags & (TCPF_RST_ | TCPF_FIN_))
		v->state = ZFWD_CT_CLOSING;
	else if (ingress && v->state == ZFWD_CT_SYN_SENT &&
		 (flags & (TCPF_SYN_ | TCPF_ACK_)) == (TCPF_SYN_ | TCPF_ACK_))
		v->state = ZFWD_CT_ESTABLISHED;
	else if (!ingress && v->state == ZFWD_CT_CLOSING &&
		 (flags & (TCPF_SYN_ | TCPF_ACK_)) == TCPF_SYN_)
		v->state = ZFWD_CT_SYN_SENT; /* the tuple reused for a new flow */
}

/* A live entry for this ingress packet, refreshed; NULL when none. */
static __always_inline struct zfwd_ct_val *ct_ingress(const struct pkt *p, __u64 now)
{
	struct zfwd_ct_key k = {};
	struct zfwd_ct_val *v;

	ct_key_ingress(&k, p);
	v = bpf_map_lookup_elem(&zfwd_ct, &k);
	if (!v || !ct_live(v, p->proto, now))
		return NULL;
	if (p->proto == IPPROTO_TCP)
		ct_tcp_update(v, p->tcp_flags, true);
	v->last_seen = now;
	return v;
}

/* Egress: refresh the flow's entry, or start one for what opens a flow. */
static __always_inline void ct_egress(const struct pkt *p, __u64 now)
{
	struct zfwd_ct_key k = {};
	struct zfwd_ct_val *v, nv = {};

	ct_key_egress(&k, p);
	v = bpf_map_lookup_elem(&zfwd_ct, &k);
	if (v && ct_live(v, p->proto, now)) {
		if (p->proto == IPPROTO_TCP)
			ct_tcp_update(v, p->tcp_flags, false);
		v->last_seen = now;
		return;
	}
	switch (p->proto) {
	case IPPROTO_TCP:
		/* Only a SYN opens a TCP flow: picking up mid-stream packets
		 * would also pick up a TPROXY listener's answers, whose next
		 * packets must keep going to the listener. */
		if ((p->tcp_flags & (TCPF_SYN_ | TCPF_ACK_ | TCPF_RST_)) != TCPF_SYN_)
			return;
		nv.state = ZFWD_CT_SYN_SENT;
		break;
	case IPPROTO_UDP:
		nv.state = ZFWD_CT_OPEN;
		break;
	case IPPROTO_ICMP:
		if (p->icmp_type != ICMP_ECHO_)
			return;
		nv.state = ZFWD_CT_OPEN;
		break;
	case IPPROTO_ICMPV6:
		if (p->icmp_type != ICMPV6_ECHO_REQUEST_)
			return;
		nv.state = ZFWD_CT_OPEN;
		break;
	default:
		return;
	}
	nv.last_seen = now;
	bpf_map_update_elem(&zfwd_ct, &k, &nv, BPF_ANY);
}

/* Ingress, first packet of an intercepted UDP flow: remember it, so the
 * flow keeps going to the listener even after the listener's answers
 * have refreshed the entry on egress. */
static __always_inline void ct_tproxy_udp(const struct pkt *p, __be16 port, __u32 slot,
					  __u64 now)
{
	struct zfwd_ct_key k = {};
	struct zfwd_ct_val v = {
		.last_seen = now,
		.state = ZFWD_CT_OPEN,
		.flags = ZFWD_CT_TPROXY,
		.tproxy_port = port,
		.slot = slot,
	};

	ct_key_ingress(&k, p);
	bpf_map_update_elem(&zfwd_ct, &k, &v, BPF_ANY);
}

static __always_inline void ct_forget(const struct pkt *p)
{
	struct zfwd_ct_key k = {};

	ct_key_ingress(&k, p);
	bpf_map_delete_elem(&zfwd_ct, &k);
}

static __always_inline bool icmp_is_error(const struct pkt *p)
{
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == ICMP_DEST_UNREACH_ || p->icmp_type == ICMP_TIME_EXCEEDED_ ||
		       p->icmp_type == ICMP_PARAMETERPROB_;
	return p->icmp_type >= ICMPV6_DEST_UNREACH_ && p->icmp_type <= ICMPV6_PARAMPROB_;
}

/* An ICMP error quoting a packet of a flow that left through here: the
 * quoted packet went in -> out. Returns 1 (admit), 2 (admit, and it
 * belongs to a local socket with a non-local address: mark it), 0. */
static __always_inline int icmp_error_related(struct __sk_buff *skb, const struct pkt *p,
					      __u64 now)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	void *inner = data + p->l4_off + 8;
	struct bpf_sock_tuple t = {};
	struct zfwd_ct_key k = {};
	struct zfwd_ct_val *v;
	struct bpf_sock *sk;
	__u8 *l4;
	__u32 tlen;

	if (p->l4_off > PARSE_PULL_LEN)
		return 0;
	if (p->family == 4) {
		struct iphdr *ip = inner;

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return 0;
		k.family = 4;
		k.proto = ip->protocol;
		k.in_addr[0] = ip->saddr;
		k.out_addr[0] = ip->daddr;
		l4 = inner + ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = inner;

		if ((void *)(ip6 + 1) > end)
			return 0;
		k.family = 6;
		k.proto = ip6->nexthdr;
		__builtin_memcpy(k.in_addr, &ip6->saddr, 16);
		__builtin_memcpy(k.out_addr, &ip6->daddr, 16);
		l4 = (void *)(ip6 + 1);
	}
	if ((void *)(l4 + 8) > end)
		return 0;
	switch (k.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		k.in_port = *(__be16 *)l4;
		k.out_port = *(__be16 *)(l4 + 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (l4[0] != ICMP_ECHO_ && l4[0] != ICMPV6_ECHO_REQUEST_)
			return 0;
		k.in_port = *(__be16 *)(l4 + 4);
		break;
	default:
		return 0;
	}
	v = bpf_map_lookup_elem(&zfwd_ct, &k);
	if (v && ct_live(v, k.proto, now))
		return v->flags & ZFWD_CT_TPROXY ? 2 : 1;
	if (k.proto != IPPROTO_TCP)
		return 0;
	/* A connection to a local socket that no egress entry records, as
	 * intercepted ones: the quoted packet was that socket's. */
	if (p->family == 4) {
		t.ipv4.saddr = k.out_addr[0];
		t.ipv4.daddr = k.in_addr[0];
		t.ipv4.sport = k.out_port;
		t.ipv4.dport = k.in_port;
		tlen = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, k.out_addr, 16);
		__builtin_memcpy(t.ipv6.daddr, k.in_addr, 16);
		t.ipv6.sport = k.out_port;
		t.ipv6.dport = k.in_port;
		tlen = sizeof(t.ipv6);
	}
	sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	if (sk->state == BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		return 0;
	}
	bpf_sk_release(sk);
	return 2;
}

#endif /* ZFWD_CT_BPF_H */
