// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink messages into nl_events. Everything here reads bytes that
 * came from a socket (or a file), so every length is checked before the
 * bytes it covers are touched; the buffer must be 4-byte aligned, as a
 * recv() buffer is, since the headers are read in place.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "nlmsg.h"

/* Room for a name and its NUL, as the kernel's IFNAMSIZ. */
#define NLMSG_NAME_SIZE sizeof(((struct nl_event *)0)->name)

/* What the attribute callbacks share with their caller. */
struct nlmsg_attrs {
	const struct nlattr **tb; /* by type, maxtype + 1 entries */
	uint16_t maxtype;
	size_t alen;              /* address messages: the family's size */
	const char *next;         /* where an attribute after the last one seen would start */
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct nlmsg_attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	a->next = (const char *)attr + MNL_ALIGN(attr->nla_len);
	/* Types past our headers come from a newer kernel: not ours to judge. */
	if (mnl_attr_type_valid(attr, a->maxtype) < 0)
		return MNL_CB_OK;
	/*
	 * The kernel sends the name NUL-terminated and shorter than
	 * IFNAMSIZ; anything else would be cut or run on when copied, and
	 * a cut name could match another interface's.
	 */
	if (type == IFLA_IFNAME &&
	    (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
	     strlen(mnl_attr_get_str(attr)) >= NLMSG_NAME_SIZE))
		return MNL_CB_ERROR;
	a->tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	struct nlmsg_attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	a->next = (const char *)attr + MNL_ALIGN(attr->nla_len);
	if (mnl_attr_type_valid(attr, a->maxtype) < 0)
		return MNL_CB_OK;
	/* Both may be the one reported; either of the wrong size means the
	 * message is not what it claims to be. */
	if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
	    mnl_attr_validate2(attr, MNL_TYPE_BINARY, a->alen) < 0)
		return MNL_CB_ERROR;
	a->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * Parses the attributes after a @hdrlen family header. The message
 * length has been checked against the buffer and the header.
 *
 * Not mnl_attr_parse(): it bounds the attributes by the message length
 * rounded up to 4, which for the last message of a buffer can be past
 * the buffer's end. mnl_attr_parse_payload() takes the exact bound.
 * Both stop quietly at an attribute that does not fit; @a->next tells
 * whether that happened: bytes left over are an attribute running past
 * the message (or one shorter than its own header).
 */
static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, mnl_attr_cb_t cb,
		       struct nlmsg_attrs *a)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	const char *payload = (const char *)nlh + off;
	size_t plen = nlh->nlmsg_len - off;

	a->next = payload;
	if (mnl_attr_parse_payload(payload, plen, cb, a) != MNL_CB_OK)
		return -EINVAL;
	/* The last attribute may lack its padding: next past the end is fine. */
	if (a->next < payload + plen)
		return -EINVAL;
	return 0;
}

static int parse_link(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	struct nlmsg_attrs a = { .tb = tb, .maxtype = IFLA_MAX };
	const struct ifinfomsg *ifi;
	int ret;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*ifi)))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	/*
	 * Only AF_UNSPEC messages describe the link itself. A bridge
	 * reports its ports on the same group with AF_BRIDGE, and its
	 * RTM_DELLINK then means "left the bridge": the link stays.
	 */
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	ret = parse_attrs(nlh, sizeof(*ifi), link_attr_cb, &a);
	if (ret)
		return ret;
	ev->kind = nlh->nlmsg_type == RTM_NEWLINK ? NL_LINK_NEW : NL_LINK_DEL;
	ev->ifindex = (uint32_t)ifi->ifi_index;
	ev->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME]) {
		const char *name = mnl_attr_get_str(tb[IFLA_IFNAME]);

		memcpy(ev->name, name, strlen(name) + 1); /* fits: checked above */
	}
	return 1;
}

static int parse_addr(const struct nlmsghdr *nlh, struct nl_event *ev)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	struct nlmsg_attrs a = { .tb = tb, .maxtype = IFA_MAX };
	const struct ifaddrmsg *ifa;
	const struct nlattr *addr;
	uint8_t family;
	int ret;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*ifa)))
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	switch (ifa->ifa_family) {
	case AF_INET:
		family = 4;
		a.alen = 4;
		break;
	case AF_INET6:
		family = 6;
		a.alen = 16;
		break;
	default:
		return 0;
	}
	/* Readers build masks from it: a longer one would shift too far. */
	if (ifa->ifa_prefixlen > a.alen * 8)
		return -EINVAL;
	ret = parse_attrs(nlh, sizeof(*ifa), addr_attr_cb, &a);
	if (ret)
		return ret;
	/*
	 * With a peer configured (point-to-point), IFA_ADDRESS is the peer
	 * and IFA_LOCAL ours, in both families; otherwise they are equal or
	 * IFA_LOCAL is absent.
	 */
	addr = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!addr)
		return -EINVAL;
	ev->kind = nlh->nlmsg_type == RTM_NEWADDR ? NL_ADDR_NEW : NL_ADDR_DEL;
	ev->ifindex = ifa->ifa_index;
	ev->family = family;
	ev->prefixlen = ifa->ifa_prefixlen;
	memcpy(ev->addr, mnl_attr_get_payload(addr), a.alen);
	return 1;
}

int nlmsg_parse(const struct nlmsghdr *nlh, size_t len, struct nl_event *ev)
{
	struct nl_event e = { 0 }; /* name empty, address bytes zero */
	int ret;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
		return -EINVAL;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ret = parse_link(nlh, &e);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ret = parse_addr(nlh, &e);
		break;
	default:
		return 0;
	}
	/* @ev changes only when there is an event to report. */
	if (ret == 1)
		*ev = e;
	return ret;
}

/*
 * The first refusal wins: an ACK for a later request in the same buffer
 * must not hide it. The kernel sends -errno; libmnl accepts either sign,
 * so a positive one is turned around rather than passed on as if it were
 * not an error.
 */
static void walk_error(const struct nlmsghdr *nlh, struct nlmsg_walk_result *res)
{
	const struct nlmsgerr *err;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err)) {
		res->skipped++;
		return;
	}
	err = mnl_nlmsg_get_payload(nlh);
	res->got_error = true;
	if (res->error == 0)
		res->error = err->error > 0 ? -err->error : err->error;
}

int nlmsg_walk(const void *buf, size_t len,
	       int (*cb)(const struct nl_event *ev, void *ctx), void *ctx,
	       struct nlmsg_walk_result *res)
{
	struct nlmsg_walk_result unused;
	const char *p = buf;
	size_t rem = len;

	if (!res)
		res = &unused;
	memset(res, 0, sizeof(*res));
	while (rem > 0) {
		const struct nlmsghdr *nlh = (const void *)p;
		struct nl_event ev;
		size_t step;
		int ret;

		/*
		 * Without a whole header, or with a length shorter than one
		 * or past the end, there is no telling where the next message
		 * starts: the rest is lost, counted as one skipped message.
		 */
		if (rem < sizeof(*nlh) || nlh->nlmsg_len < NLMSG_HDRLEN ||
		    nlh->nlmsg_len > rem) {
			res->skipped++;
			res->truncated = true;
			break;
		}
		/* The dump changed under the kernel's feet: redo it. */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			res->interrupted = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			res->done = true;
			/* A dump that failed part way says so here. */
			if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
				int code;

				memcpy(&code, (const char *)nlh + NLMSG_HDRLEN, sizeof(code));
				if (code < 0 && !res->error) {
					res->error = code;
					res->got_error = true;
				}
			}
			break;
		case NLMSG_ERROR:
			walk_error(nlh, res);
			break;
		default: /* NLMSG_NOOP and unknown types parse to 0 */
			ret = nlmsg_parse(nlh, rem, &ev);
			if (ret <= 0) {
				res->skipped++;
				break;
			}
			res->events++;
			if (cb) {
				ret = cb(&ev, ctx);
				if (ret)
					return ret;
			}
			break;
		}
		/* size_t: rounding a 32-bit length up must not wrap to 0 */
		step = ((size_t)nlh->nlmsg_len + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1);
		if (step >= rem)
			break;
		p += step;
		rem -= step;
	}
	return 0;
}
