// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "route.h"

#define ZFWD_RTPROT 0x7a /* marks routes zfwd made, for `ip route` readers */

/* Sends one request and waits for its acknowledgement. */
static int nl_request(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl);
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	ret = mnl_cb_run(buf, n, seq, portid, NULL, NULL);
	return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *rule_msg(char *buf, int type, int flags, int family,
				 const struct route_cfg *rc, unsigned seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = rc->table < 256 ? rc->table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_FWMARK, rc->mark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, rc->mask);
	mnl_attr_put_u32(nlh, FRA_TABLE, rc->table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, rc->priority);
	return nlh;
}

static struct nlmsghdr *route_msg(char *buf, int type, int flags, int family,
				  const struct route_cfg *rc, unsigned seq,
				  unsigned lo)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = rc->table < 256 ? rc->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = ZFWD_RTPROT;
	rtm->rtm_scope = RT_SCOPE_HOST;
	rtm->rtm_type = RTN_LOCAL;
	mnl_attr_put_u32(nlh, RTA_TABLE, rc->table);
	mnl_attr_put_u32(nlh, RTA_OIF, lo);
	return nlh;
}

static int with_socket(const struct route_cfg *rc, int install, bool quiet)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned seq = (unsigned)time(NULL);
	struct mnl_socket *nl;
	unsigned lo = if_nametoindex("lo");
	int ret = 0;

	if (!lo)
		return -ENODEV;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		int f = families[i], err;

		if (install) {
			/* The route first: a rule pointing to an empty table
			 * would send marked packets on to the main table. */
			err = nl_request(nl, route_msg(buf, RTM_NEWROUTE,
						       NLM_F_CREATE | NLM_F_EXCL, f, rc,
						       ++seq, lo));
			if (err && err != -EEXIST) {
				if (!quiet)
					log_err("cannot add local default route to table %u (%s): %s",
						rc->table, f == AF_INET ? "IPv4" : "IPv6",
						strerror(-err));
				ret = err;
				goto out;
			}
			err = nl_request(nl, rule_msg(buf, RTM_NEWRULE,
						      NLM_F_CREATE | NLM_F_EXCL, f, rc, ++seq));
			if (err && err != -EEXIST) {
				if (!quiet)
					log_err("cannot add fwmark rule (%s): %s",
						f == AF_INET ? "IPv4" : "IPv6", strerror(-err));
				ret = err;
				goto out;
			}
		} else {
			err = nl_request(nl, rule_msg(buf, RTM_DELRULE, 0, f, rc, ++seq));
			if (err && err != -ENOENT && err != -ESRCH)
				ret = err;
			err = nl_request(nl, route_msg(buf, RTM_DELROUTE, 0, f, rc, ++seq, lo));
			if (err && err != -ENOENT && err != -ESRCH)
				ret = err;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

int route_install(const struct route_cfg *rc, bool quiet)
{
	return with_socket(rc, 1, quiet);
}

int route_remove(const struct route_cfg *rc)
{
	return with_socket(rc, 0, false);
}
