/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rtnetlink messages turned into the few facts zfwd follows: links that
 * appear, change or go, and addresses added to or removed from them.
 * Pure: it is fed the bytes recv() returned (or recorded ones), it opens
 * no socket. nlwatch.c owns the sockets.
 */
#ifndef ZFWD_NLMSG_H
#define ZFWD_NLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

enum nl_kind {
	NL_LINK_NEW,  /* RTM_NEWLINK: appeared, or changed (name, flags) */
	NL_LINK_DEL,  /* RTM_DELLINK */
	NL_ADDR_NEW,  /* RTM_NEWADDR */
	NL_ADDR_DEL,  /* RTM_DELADDR */
};

struct nl_event {
	enum nl_kind kind;
	uint32_t ifindex;
	/* Links: the name (IFLA_IFNAME; always NUL-terminated, empty when
	 * the message carried none) and the IFF_* flags. */
	char name[16];
	uint32_t flags;
	/* Addresses: family 4 or 6, the address (network order, bytes past
	 * the family's size zero) and its prefix length: IFA_LOCAL when
	 * present (ours, on links configured with a peer), else IFA_ADDRESS. */
	uint8_t family;
	uint8_t prefixlen;
	uint8_t addr[16];
};

/* Link messages of a family other than AF_UNSPEC (AF_BRIDGE port
 * notices, which arrive on the same group and would read as a deletion)
 * are ignored. @ev is written only when the result is 1. The buffer must
 * be 4-byte aligned, as recv() into an ordinary buffer gives.
 *
 * Parses one message. 1: @ev is filled; 0: a message of another kind or
 * family zfwd ignores (an RTM_NEWLINK without IFLA_IFNAME is not one of
 * them: it is reported with an empty name); -EINVAL: malformed (truncated
 * header, attribute running past the message, address of the wrong
 * size). */
int nlmsg_parse(const struct nlmsghdr *nlh, size_t len, struct nl_event *ev);

struct nlmsg_walk_result {
	bool done;        /* NLMSG_DONE seen (end of a dump) */
	int error;        /* NLMSG_ERROR: 0 (ACK) or -errno; the first error
			   * wins; also a failed dump's NLMSG_DONE code */
	bool got_error;   /* an NLMSG_ERROR (or failing NLMSG_DONE) was seen */
	bool interrupted; /* NLM_F_DUMP_INTR: the dump is inconsistent */
	bool truncated;   /* framing broke: the rest of the buffer is lost */
	unsigned events;  /* events handed to the callback */
	unsigned skipped; /* messages ignored or malformed */
};

/* Walks a buffer of messages as recv() returned it, calling @cb for each
 * event in order. Malformed messages are skipped and counted, never fatal;
 * a buffer whose framing is broken (nlmsg_len past the end) stops the
 * walk there. Returns 0, or the first non-zero value @cb returned. */
int nlmsg_walk(const void *buf, size_t len,
	       int (*cb)(const struct nl_event *ev, void *ctx), void *ctx,
	       struct nlmsg_walk_result *res);

#endif
