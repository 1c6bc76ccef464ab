// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "tc.h"

struct filter_info {
	bool found;
	char name[256];   /* TCA_BPF_NAME: "<program name>:[<id>]" */
};

static int on_filter(const struct nlmsghdr *nlh, void *data)
{
	struct filter_info *fi = data;
	const struct nlattr *a, *o;

	if (nlh->nlmsg_type != RTM_NEWTFILTER)
		return MNL_CB_OK;
	fi->found = true;
	mnl_attr_for_each(a, nlh, sizeof(struct tcmsg)) {
		if (mnl_attr_get_type(a) != TCA_OPTIONS)
			continue;
		mnl_attr_for_each_nested(o, a)
			if (mnl_attr_get_type(o) == TCA_BPF_NAME &&
			    !mnl_attr_validate(o, MNL_TYPE_NUL_STRING))
				snprintf(fi->name, sizeof(fi->name), "%s", mnl_attr_get_str(o));
	}
	return MNL_CB_OK;
}

/* 1: zfwd's program sits at our handle/priority; 0: nothing there;
 * -EBUSY: another program does. The filter's program is known by the
 * name the filter carries (over rtnetlink, CAP_NET_ADMIN), not by opening
 * the program by id, which would need CAP_SYS_ADMIN. */
static int ours(int ifindex, bool ingress)
{
	char buf[8192];
	struct filter_info fi = { 0 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	unsigned int seq = (unsigned int)time(NULL), portid;
	ssize_t n;
	int ret;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_handle = TC_ZFWD_HANDLE;
	tcm->tcm_parent = TC_H_MAKE(TC_H_CLSACT, ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
	tcm->tcm_info = TC_H_MAKE((__u32)TC_ZFWD_PRIORITY << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	ret = mnl_cb_run(buf, n, seq, portid, on_filter, &fi);
	if (ret < 0) {
		/* No filter there, or no clsact qdisc at all. */
		ret = errno == ENOENT || errno == EINVAL ? 0 : -errno;
		goto out;
	}
	if (!fi.found)
		ret = 0;
	else if (strncmp(fi.name, TC_ZFWD_PROG_PREFIX, strlen(TC_ZFWD_PROG_PREFIX)))
		ret = -EBUSY;
	else
		ret = 1;
out:
	mnl_socket_close(nl);
	return ret;
}

int tc_attach(int ifindex, bool ingress, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_ZFWD_HANDLE,
		    .priority = TC_ZFWD_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	/* The clsact qdisc may be someone else's: only create it. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = ours(ifindex, ingress);
	if (err < 0) {
		if (err == -EBUSY)
			log_err("ifindex %d: a foreign tc filter holds handle %#x priority %#x",
				ifindex, TC_ZFWD_HANDLE, TC_ZFWD_PRIORITY);
		return err;
	}
	return bpf_tc_attach(&hook, &opts);
}

int tc_detach(int ifindex, bool ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_ZFWD_HANDLE,
		    .priority = TC_ZFWD_PRIORITY);
	int err = ours(ifindex, ingress);

	if (err <= 0)
		return err == -EBUSY ? 0 : err;
	err = bpf_tc_detach(&hook, &opts);
	return err == -ENOENT || err == -ENODEV ? 0 : err;
}

int tc_attached(int ifindex, bool ingress)
{
	int err = ours(ifindex, ingress);

	return err == -EBUSY ? 0 : err;
}
