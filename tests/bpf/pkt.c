// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <netinet/in.h>
#include <string.h>

#include "pkt.h"

size_t pkt_l4_offset(const struct pkt_spec *s)
{
	if (s->family == 4)
		return ETH_HLEN + 20;
	return ETH_HLEN + 40 + 8 * (size_t)s->hopopts;
}

/* IP header (and extension headers) plus the L4 header at @buf; returns
 * the bytes written. @quote: only the first 8 L4 bytes, as ICMP quotes. */
static size_t build_ip(const struct pkt_spec *s, uint8_t *buf, int quote)
{
	size_t off = 0, l4len;
	uint8_t *l4;

	switch (s->proto) {
	case IPPROTO_TCP: l4len = 20; break;
	default: l4len = 8; break;
	}
	if (s->inner && !quote)
		l4len = 8 + (s->inner->family == 4 ? 20 : 40) + 8;
	if (s->family == 4) {
		struct iphdr *ip = (void *)buf;

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = s->proto;
		ip->tot_len = htons(20 + l4len);
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		if (s->frag_later)
			ip->frag_off = htons(185); /* offset 1480 bytes */
		off += 20;
	} else {
		struct ipv6hdr *ip6 = (void *)buf;
		uint8_t next = s->proto;

		ip6->version = 6;
		ip6->hop_limit = 64;
		ip6->payload_len = htons(l4len + 8 * s->hopopts + (s->frag_later ? 8 : 0));
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
		off += 40;
		ip6->nexthdr = s->hopopts ? IPPROTO_HOPOPTS
			       : s->frag_later ? IPPROTO_FRAGMENT : next;
		for (int i = 0; i < s->hopopts; i++) {
			uint8_t *h = buf + off;

			h[0] = i + 1 < s->hopopts ? IPPROTO_HOPOPTS
			       : s->frag_later ? IPPROTO_FRAGMENT : next;
			h[1] = 0; /* 8 bytes */
			h[2] = 1; /* PadN */
			h[3] = 4;
			off += 8;
		}
		if (s->frag_later) {
			uint8_t *h = buf + off;

			h[0] = next;
			h[2] = 0x05; /* offset 1280 >> 3 = 160 -> 0x0500 */
			h[3] = 0x00;
			off += 8;
		}
	}
	l4 = buf + off;
	if (s->proto == IPPROTO_TCP) {
		uint16_t sp = htons(s->sport), dp = htons(s->dport);

		memcpy(l4, &sp, 2);
		memcpy(l4 + 2, &dp, 2);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x02;
	} else if (s->proto == IPPROTO_UDP) {
		uint16_t sp = htons(s->sport), dp = htons(s->dport), len = htons(8);

		memcpy(l4, &sp, 2);
		memcpy(l4 + 2, &dp, 2);
		memcpy(l4 + 4, &len, 2);
	} else {
		uint16_t id = htons(s->icmp_id);

		l4[0] = s->icmp_type;
		memcpy(l4 + 4, &id, 2);
		if (s->inner && !quote)
			build_ip(s->inner, l4 + 8, 1);
	}
	return off + (quote ? 8 : l4len);
}

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf)
{
	struct ethhdr *eth = (void *)buf;
	size_t len;

	memset(buf, 0, 256);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x02", 6);
	eth->h_proto = htons(s->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	len = ETH_HLEN + build_ip(s, buf + ETH_HLEN, 0);
	/* Pad to the Ethernet minimum. */
	return len < 60 ? 60 : len;
}
