/* SPDX-License-Identifier: GPL-2.0-only */
/* Crafting test packets: Ethernet + IPv4/IPv6 + TCP/UDP, with knobs to
 * break them. */
#ifndef ZFWD_TEST_PKT_H
#define ZFWD_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

struct pkt_spec {
	int family;            /* 4 or 6 */
	int proto;             /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6, ... */
	const char *src, *dst; /* addresses */
	uint16_t sport, dport;
	uint8_t tcp_flags;     /* default SYN when 0 and proto is TCP */
	uint8_t icmp_type;
	uint16_t icmp_id;      /* echo identifier */
	int frag_later;        /* a non-first fragment */
	int hopopts;           /* IPv6: prepend N hop-by-hop headers */
	/* ICMP errors: the quoted packet (its IP header and 8 L4 bytes). */
	const struct pkt_spec *inner;
};

/* Writes the packet into buf (>= 256 bytes); returns its length. */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf);
/* Bytes where the L4 header starts in a packet built by pkt_build. */
size_t pkt_l4_offset(const struct pkt_spec *s);

#endif
