/* SPDX-License-Identifier: GPL-2.0-only */
/* Header parsing for the tc programs: Ethernet, IPv4 (options), IPv6
 * (a bounded walk over extension headers), TCP, UDP, ICMPv6 type. */
#ifndef ZFWD_PARSE_BPF_H
#define ZFWD_PARSE_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Bytes made linear before parsing: Ethernet + IPv6 + a few extension
 * headers + TCP. Packets shorter than this are pulled whole. */
#define PARSE_PULL_LEN 192
#define PARSE_MAX_EXTHDRS 6

enum parse_result {
	PARSE_OK = 0,
	PARSE_NON_IP,     /* ARP and every other ethertype */
	PARSE_MALFORMED,  /* truncated or inconsistent */
};

struct pkt {
	__u8 family;      /* 4 or 6 */
	__u8 proto;       /* L4 protocol after extension headers */
	__u8 tcp_flags;   /* byte 13 of the TCP header */
	__u8 later_frag;  /* a fragment other than the first: no L4 header */
	__u8 icmp_type;
	__u8 pad;
	__u16 l4_off;     /* L4 header, from skb->data */
	__be16 icmp_id;   /* echo request/reply identifier */
	__u16 pad2;
	__be16 sport;
	__be16 dport;
	__be32 saddr[4];
	__be32 daddr[4];
};

#define TCPF_FIN_ 0x01
#define TCPF_SYN_ 0x02
#define TCPF_RST_ 0x04
#define TCPF_ACK_ 0x10

/* ICMPv6 neighbour discovery: router solicitation .. redirect (RFC 4861) */
#define ND_ROUTER_SOLICIT_ 133
#define ND_REDIRECT_ 137

static __always_inline int parse_l4(struct pkt *p, void *data, void *l4, void *end)
{
	if (p->later_frag)
		return PARSE_OK;
	p->l4_off = l4 - data;
	switch (p->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return PARSE_MALFORMED;
		if (th->doff < 5)
			return PARSE_MALFORMED;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		return PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return PARSE_MALFORMED;
		p->sport = uh->source;
		p->dport = uh->dest;
		return PARSE_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *t = l4;

		if ((void *)(t + 8) > end)
			return PARSE_MALFORMED;
		p->icmp_type = t[0];
		p->icmp_id = *(__be16 *)(t + 4);
		return PARSE_OK;
	}
	}
	return PARSE_OK;
}

static __always_inline int parse_ipv4(struct pkt *p, void *data, void *l3, void *end)
{
	struct iphdr *iph = l3;
	__u32 hlen;

	if ((void *)(iph + 1) > end)
		return PARSE_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	if (bpf_ntohs(iph->tot_len) < hlen && iph->tot_len != 0)
		return PARSE_MALFORMED;
	p->family = 4;
	p->proto = iph->protocol;
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->later_frag = (bpf_ntohs(iph->frag_off) & 0x1fff) != 0;
	return parse_l4(p, data, l3 + hlen, end);
}

static __always_inline int parse_ipv6(struct pkt *p, void *data, void *l3, void *end)
{
	struct ipv6hdr *ip6 = l3;
	void *cur = ip6 + 1;
	__u8 nexthdr;
	int i;

	if (cur > end)
		return PARSE_MALFORMED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;
	p->family = 6;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	nexthdr = ip6->nexthdr;

#pragma unroll
	for (i = 0; i < PARSE_MAX_EXTHDRS; i++) {
		__u8 *h = cur;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(h + 2) > end)
				return PARSE_MALFORMED;
			nexthdr = h[0];
			cur += (h[1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if ((void *)(h + 2) > end)
				return PARSE_MALFORMED;
			nexthdr = h[0];
			cur += (h[1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT: {
			__be16 off;

			if ((void *)(h + 8) > end)
				return PARSE_MALFORMED;
			nexthdr = h[0];
			off = *(__be16 *)(h + 2);
			if (bpf_ntohs(off) & 0xfff8)
				p->later_frag = 1;
			cur += 8;
			break;
		}
		default:
			goto done;
		}
	}
	/* Still an extension header after the bounded walk: too deep to
	 * judge, so it is treated as malformed rather than let through. */
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return PARSE_MALFORMED;
	}
done:
	p->proto = nexthdr;
	return parse_l4(p, data, cur, end);
}

static __always_inline int parse_packet(struct __sk_buff *skb, struct pkt *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth;

	if (data + PARSE_PULL_LEN > end && end - data < skb->len) {
		__u32 want = skb->len < PARSE_PULL_LEN ? skb->len : PARSE_PULL_LEN;

		bpf_skb_pull_data(skb, want);
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	eth = data;
	if ((void *)(eth + 1) > end)
		return PARSE_MALFORMED;
	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		return parse_ipv4(p, data, eth + 1, end);
	case bpf_htons(ETH_P_IPV6):
		return parse_ipv6(p, data, eth + 1, end);
	}
	return PARSE_NON_IP;
}

#endif /* ZFWD_PARSE_BPF_H */
