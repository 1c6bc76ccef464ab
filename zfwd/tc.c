// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "tc.h"

/* 1: zfwd's program sits at our handle/priority; 0: nothing there;
 * -EBUSY: another program does. */
static int ours(struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = TC_ZFWD_HANDLE,
		    .priority = TC_ZFWD_PRIORITY);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, err;

	err = bpf_tc_query(hook, &q);
	if (err == -ENOENT || err == -EINVAL)
		return 0; /* no filter, or no clsact qdisc at all */
	if (err)
		return err;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	if (strncmp(info.name, TC_ZFWD_PROG_PREFIX, strlen(TC_ZFWD_PROG_PREFIX)))
		return -EBUSY;
	return 1;
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
	err = ours(&hook);
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
	int err = ours(&hook);

	if (err <= 0)
		return err == -EBUSY ? 0 : err;
	err = bpf_tc_detach(&hook, &opts);
	return err == -ENOENT || err == -ENODEV ? 0 : err;
}

int tc_attached(int ifindex, bool ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	int err = ours(&hook);

	return err == -EBUSY ? 0 : err;
}
