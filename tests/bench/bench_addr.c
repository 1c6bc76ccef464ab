// SPDX-License-Identifier: GPL-2.0-only
/*
 * How long after the kernel accepts a new address zfwd's map holds it
 * (and how long after removal it is gone): adds an address with
 * rtnetlink, as `ip addr add` does, then spins on the pinned address map
 * until the entry appears. Median, min and max of N rounds.
 *
 *   bench_addr PIN_ROOT IFNAME [N]   (inside the daemon's netns)
 *
 * Not a test: tests/bench/addr.sh sets up the namespace and the daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "zfwd_maps.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int addr_req(struct mnl_socket *nl, int type, unsigned ifindex, uint32_t addr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	static unsigned seq;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE : 0);
	nlh->nlmsg_seq = ++seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	int n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

	if (n < 0)
		return -errno;
	return mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl), NULL, NULL) < 0 ? -errno : 0;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Spins until the entry is (or is not) there; ns from @t0, or 0 on timeout. */
static uint64_t wait_entry(int fd, const struct zfwd_addr_key *k, bool present, uint64_t t0)
{
	__u8 v;

	while (now_ns() - t0 < 2000000000ull) {
		bool there = bpf_map_lookup_elem(fd, k, &v) == 0;

		if (there == present)
			return now_ns() - t0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[512];
	unsigned ifindex;
	int fd, n = argc > 3 ? atoi(argv[3]) : 100;
	uint64_t *add, *del;
	struct mnl_socket *nl;

	if (argc < 3 || n < 1) {
		fprintf(stderr, "usage: bench_addr PIN_ROOT IFNAME [N]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/zfwd_addrs", argv[1]);
	fd = bpf_obj_get(path);
	ifindex = if_nametoindex(argv[2]);
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (fd < 0 || !ifindex || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("setup");
		return 1;
	}
	add = calloc(n, sizeof(*add));
	del = calloc(n, sizeof(*del));
	for (int i = 0; i < n; i++) {
		uint32_t a = htonl(0xc6336400u + (uint32_t)i); /* 198.51.100.i */
		struct zfwd_addr_key k = { .ifindex = ifindex, .family = 4 };
		uint64_t t0;

		memcpy(k.addr, &a, 4);
		t0 = now_ns();
		if (addr_req(nl, RTM_NEWADDR, ifindex, a)) {
			perror("RTM_NEWADDR");
			return 1;
		}
		add[i] = wait_entry(fd, &k, true, t0);
		t0 = now_ns();
		if (addr_req(nl, RTM_DELADDR, ifindex, a)) {
			perror("RTM_DELADDR");
			return 1;
		}
		del[i] = wait_entry(fd, &k, false, t0);
		if (!add[i] || !del[i]) {
			fprintf(stderr, "round %d: timed out waiting for the map\n", i);
			return 1;
		}
	}
	qsort(add, n, sizeof(*add), cmp);
	qsort(del, n, sizeof(*del), cmp);
	printf("address add -> in map:   median %.1f us, min %.1f us, max %.1f us (n=%d)\n",
	       add[n / 2] / 1e3, add[0] / 1e3, add[n - 1] / 1e3, n);
	printf("address del -> gone:     median %.1f us, min %.1f us, max %.1f us (n=%d)\n",
	       del[n / 2] / 1e3, del[0] / 1e3, del[n - 1] / 1e3, n);
	printf("(times include the netlink request itself, from send to map)\n");
	return 0;
}
