/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every key and value that bpf/ and zfwd/ exchange through maps, defined
 * once. Both sides include this file; nothing here may depend on either.
 *
 * Rule lookup is one or two LPM lookups and a bounded scan:
 *
 *   dst trie  {proto, daddr}/(32+dlen)          -> zfwd_dst_val
 *                                                  {dlen, flags, any-source leaf}
 *   src trie  {proto, dlen, daddr, saddr}/(..)  -> zfwd_leaf (source-specific)
 *   rules     slot                              -> zfwd_rule_val
 *
 * The control plane compiles overlapping prefixes: the dst trie holds every
 * distinct destination prefix, and a leaf found under the longest one
 * already lists every rule of that prefix *and of all shorter prefixes that
 * contain it*, for the longest matching source prefix, sorted by precedence.
 * The leaf for "any source" lives in the dst entry itself, so the common
 * case (no rule under this destination names a source) is one lookup; the
 * src trie is consulted only when ZFWD_DST_SRC_TRIE says it holds leaves
 * for this destination, and the any-source leaf is the fallback. The first
 * candidate whose port range and interface set match decides.
 */
#ifndef ZFWD_MAPS_H
#define ZFWD_MAPS_H

#include <linux/types.h>

/* Bump when a map's meaning changes without its sizes changing. */
#define ZFWD_ABI_VERSION 4
#define ZFWD_META_MAGIC 0x7a667764u /* "zfwd" */

/* Candidates one (destination, source) leaf may hold. Part of the ABI. */
#define ZFWD_MAX_CANDIDATES 16
/* Distinct interface names that rules may reference (bits of a u64). */
#define ZFWD_MAX_IFACE_NAMES 64

/* Key padding bits count towards prefixlen: they are always zero. */
#define ZFWD_DST_KEY_FIXED_BITS 32
#define ZFWD_SRC4_KEY_FIXED_BITS 64
#define ZFWD_SRC6_KEY_FIXED_BITS 160

enum zfwd_action {
	ZFWD_ACT_NONE = 0,
	ZFWD_ACT_TPROXY = 1,
	ZFWD_ACT_PASS = 2,
	ZFWD_ACT_DENY = 3,
};

enum zfwd_role {
	ZFWD_ROLE_INTERNAL = 0,
	ZFWD_ROLE_EXTERNAL = 1,
};

/* Why a packet got its verdict; indexes zfwd_iface_stats.count. */
enum zfwd_reason {
	ZFWD_R_PASS_NON_IP = 0,   /* not IPv4/IPv6 (ARP among them) */
	ZFWD_R_PASS_ND,           /* IPv6 neighbour discovery */
	ZFWD_R_PASS_RULE,         /* a pass rule matched */
	ZFWD_R_PASS_DEFAULT,      /* unmatched, interface default is pass */
	ZFWD_R_TPROXY,            /* assigned to a TPROXY listener */
	ZFWD_R_DROP_RULE,         /* a deny rule matched */
	ZFWD_R_DROP_DEFAULT,      /* unmatched, interface default is drop */
	ZFWD_R_DROP_NO_LISTENER,  /* tproxy rule, nobody listens on the port */
	ZFWD_R_DROP_ASSIGN,       /* bpf_sk_assign refused the socket */
	ZFWD_R_DROP_MALFORMED,    /* truncated or inconsistent headers */
	ZFWD_R_PASS_UNMANAGED,    /* attached, but no interface entry */
	ZFWD_R_PASS_REPLY,        /* a flow tracked on egress: its reply */
	ZFWD_R_PASS_ESTABLISHED,  /* an established local socket's packet */
	ZFWD_R_PASS_ICMP,         /* echo request allowed, or an error/reply
				   * of a tracked flow */
	ZFWD_R_PASS_DHCP,         /* DHCP / DHCPv6 client reply */
	ZFWD_R_PASS_SSH,          /* tcp/22 to the interface's own address */
	ZFWD_R_DROP_IPV6,         /* IPv6 on an interface with ipv6 off */
	ZFWD_R_DROP_ICMP,         /* echo request where icmp_echo is off */
	ZFWD_R_EGRESS,            /* left through the interface (egress hook) */
	ZFWD_R_MAX,
};

/* Destination tries: prefixlen = ZFWD_DST_KEY_FIXED_BITS + dlen. */
struct zfwd_dst4_key {
	__u32 prefixlen;
	__u8 proto;
	__u8 pad[3];
	__be32 addr;
};

struct zfwd_dst6_key {
	__u32 prefixlen;
	__u8 proto;
	__u8 pad[3];
	__be32 addr[4];
};


/* Source tries, one namespace per destination prefix:
 * prefixlen = ZFWD_SRCx_KEY_FIXED_BITS + slen, daddr masked to dlen. */
struct zfwd_src4_key {
	__u32 prefixlen;
	__u8 proto;
	__u8 dlen;
	__u8 pad[2];
	__be32 daddr;
	__be32 saddr;
};

struct zfwd_src6_key {
	__u32 prefixlen;
	__u8 proto;
	__u8 dlen;
	__u8 pad[2];
	__be32 daddr[4];
	__be32 saddr[4];
};

struct zfwd_cand {
	__u16 port_lo; /* host order, inclusive */
	__u16 port_hi;
	__u32 slot;    /* index into the rules array */
};

struct zfwd_leaf {
	__u32 count;
	struct zfwd_cand cand[ZFWD_MAX_CANDIDATES];
};

/* zfwd_dst_val.flags */
#define ZFWD_DST_SRC_TRIE 0x1 /* source-specific leaves exist in the src trie */

struct zfwd_dst_val {
	__u8 dlen;
	__u8 flags;
	__u8 pad[2];
	struct zfwd_leaf any; /* rules of any source; count 0 when none */
};

/* zfwd_rule_val.flags */
#define ZFWD_RF_ANY_INTERNAL 0x1 /* no interface list: every internal one */

struct zfwd_rule_val {
	__u8 action;        /* enum zfwd_action; NONE = free slot */
	__u8 flags;
	__be16 tproxy_port; /* network order, as socket tuples want it */
	__u32 pad;
	__u64 iface_mask;   /* bits of interface names the rule lists */
};

struct zfwd_rule_stats {
	__u64 packets;
	__u64 bytes;
};

/* zfwd_iface_val.flags: per-interface options. */
#define ZFWD_IF_ICMP_ECHO 0x1 /* admit ICMP/ICMPv6 echo requests */
#define ZFWD_IF_SSH 0x2       /* admit tcp/22 to the interface's addresses */
#define ZFWD_IF_IPV6 0x4      /* IPv6 allowed at all */
#define ZFWD_IF_EGRESS 0x8    /* track flows leaving through the interface */
#define ZFWD_IF_EVENTS 0x10   /* per-packet events even with no monitor */

struct zfwd_iface_val {
	__u8 role;           /* enum zfwd_role */
	__u8 default_action; /* ZFWD_ACT_PASS or ZFWD_ACT_DENY */
	__u16 flags;
	__u32 pad;
	__u64 name_mask;     /* the bit of this interface's name, if any */
};

struct zfwd_iface_stats {
	__u64 count[ZFWD_R_MAX];
};

/*
 * Flows, tracked in one LRU hash for both families. A key is oriented
 * from the interface: "in" is the side behind it (the host, or a client
 * the router forwards for), "out" the side beyond it. Egress builds it
 * from (src, dst), ingress from (dst, src), so both directions of a flow
 * meet the same entry. ICMP echo uses the identifier as in_port.
 */
struct zfwd_ct_key {
	__u8 family;
	__u8 proto;
	__be16 in_port;
	__be16 out_port;
	__u16 pad;
	__be32 in_addr[4];
	__be32 out_addr[4];
};

enum zfwd_ct_state {
	ZFWD_CT_SYN_SENT = 1,  /* TCP: SYN out, nothing back yet */
	ZFWD_CT_ESTABLISHED,   /* TCP: answered */
	ZFWD_CT_CLOSING,       /* TCP: FIN or RST seen */
	ZFWD_CT_OPEN,          /* UDP, ICMP echo */
};

/* zfwd_ct_val.flags */
#define ZFWD_CT_TPROXY 0x1 /* an intercepted UDP flow: keep assigning it */

struct zfwd_ct_val {
	__u64 last_seen;       /* bpf_ktime_get_ns() */
	__u8 state;            /* enum zfwd_ct_state */
	__u8 flags;
	__be16 tproxy_port;    /* with ZFWD_CT_TPROXY */
	__u32 slot;            /* the rule that intercepted it */
};

/* Global knobs the control plane may change at run time. */
struct zfwd_settings {
	__u64 tcp_established_ns;  /* idle timeout of an answered TCP flow */
	__u64 tcp_transitory_ns;   /* SYN sent, closing */
	__u64 udp_ns;
	__u64 icmp_ns;
	__u32 monitors;            /* clients watching events: emit for all */
	__u32 pad;
};

/* One event in the ring buffer: an interception (the first packet of a
 * flow handed to a listener) or a dropped packet, with its reason. */
enum zfwd_event_kind {
	ZFWD_EV_INTERCEPT = 1,
	ZFWD_EV_DROP = 2,
};

struct zfwd_event {
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u32 ifindex;
	__u32 slot;           /* the rule's slot, or ~0 */
	__u8 kind;            /* enum zfwd_event_kind */
	__u8 reason;          /* enum zfwd_reason */
	__u8 family;
	__u8 proto;
	__be16 sport;
	__be16 dport;
	__be32 saddr[4];
	__be32 daddr[4];
};

/* Per-CPU counters of the data plane itself (not per interface). */
enum zfwd_gstat {
	ZFWD_G_EVENTS_LOST = 0,   /* ring buffer full */
	ZFWD_G_EGRESS_TRACKED,    /* packets the egress program looked at */
	ZFWD_G_MAX,
};

struct zfwd_gstats {
	__u64 count[ZFWD_G_MAX];
};

/* The addresses of managed interfaces, for SSH admission: present or not. */
struct zfwd_addr_key {
	__u32 ifindex;
	__u8 family;
	__u8 pad[3];
	__be32 addr[4];
};

struct zfwd_meta {
	__u32 magic;
	__u32 abi_version;
};

#endif /* ZFWD_MAPS_H */
