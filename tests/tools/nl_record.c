// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records the rtnetlink messages tests/unit/test_nlmsg.c replays.
 *
 *   nl_record OUTDIR     (root; not a test, run by hand)
 *
 * In a network namespace of its own (nothing outside it is touched) it
 * subscribes to link and address notifications, runs the `ip` commands
 * of steps[] one at a time and writes every buffer recv() returned,
 * byte for byte, to OUTDIR/<step>-<n>.bin. It also dumps links and
 * addresses (dump-link-<n>.bin, dump-addr-<n>.bin) and records one
 * acknowledgement (ack-0.bin) and one refusal (err-nodev-0.bin).
 * The files are committed; rerunning this only refreshes them, and the
 * test's expectations (ifindexes, flags) must then be checked again.
 *
 * A veth's RTM_NEWLINK is about 1.5 KB (statistics, IPv6 device
 * configuration), a bridge's more: the bridge steps keep only the
 * buffers holding the bridge's own AF_BRIDGE messages, which is what
 * they are there for; the rest repeats what other steps show.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

/* Large enough that the kernel never truncates a message or a dump
 * batch (it sizes dump batches after the reader's buffer, up to 32 KiB). */
#define RX_SIZE 65536

/*
 * Link-up and carrier changes arrive through linkwatch, which may delay
 * them by up to a second; a step is over after this much silence.
 */
#define QUIET_MS 1500

struct step {
	const char *name;
	const char *argv[12];
	/* 0: keep every buffer; else only those holding a link message of
	 * this family (and a step may then keep none) */
	unsigned char only_family;
};

static const struct step steps[] = {
	{ .name = "link-add",
	  .argv = { "ip", "link", "add", "zf0", "type", "veth", "peer", "name", "zf1" } },
	{ .name = "link-up", .argv = { "ip", "link", "set", "dev", "zf0", "up" } },
	{ .name = "peer-up", .argv = { "ip", "link", "set", "dev", "zf1", "up" } },
	{ .name = "addr4-primary",
	  .argv = { "ip", "addr", "add", "192.0.2.1/24", "dev", "zf0" } },
	{ .name = "addr4-secondary",
	  .argv = { "ip", "addr", "add", "192.0.2.2/24", "dev", "zf0" } },
	{ .name = "addr6",
	  .argv = { "ip", "-6", "addr", "add", "2001:db8::1/64", "dev", "zf0", "nodad" } },
	/* the dumps are taken here, with every address in place */
	{ .name = "link-rename",
	  .argv = { "ip", "link", "set", "dev", "zf1", "name", "zfpeer" } },
	{ .name = "bridge-add", .argv = { "ip", "link", "add", "zfbr", "type", "bridge" },
	  .only_family = AF_BRIDGE },
	{ .name = "bridge-join",
	  .argv = { "ip", "link", "set", "dev", "zfpeer", "master", "zfbr" },
	  .only_family = AF_BRIDGE },
	/* the bridge's RTM_DELLINK (family AF_BRIDGE) for a link that stays */
	{ .name = "bridge-leave",
	  .argv = { "ip", "link", "set", "dev", "zfpeer", "nomaster" },
	  .only_family = AF_BRIDGE },
	{ .name = "addr-del",
	  .argv = { "ip", "addr", "del", "192.0.2.2/24", "dev", "zf0" } },
	{ .name = "link-del", .argv = { "ip", "link", "del", "zf0" } },
};
#define DUMPS_AFTER "addr6" /* the step after which the dumps are taken */

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "nl_record: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void save(const char *name, unsigned n, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%u.bin", outdir, name, n);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die(path);
	printf("%-28s %5zu bytes\n", path, len);
}

static void run(const char *const *argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "nl_record: %s %s %s... failed\n", argv[0], argv[1], argv[2]);
		exit(1);
	}
}

/* Whether @buf holds a link message of @family. */
static int has_link_family(const void *buf, int len, unsigned char family)
{
	const struct nlmsghdr *m;

	for (m = buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(m);

		if ((m->nlmsg_type == RTM_NEWLINK || m->nlmsg_type == RTM_DELLINK) &&
		    m->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifi)) &&
		    ifi->ifi_family == family)
			return 1;
	}
	return 0;
}

/* Records the notifications that arrive until QUIET_MS pass without one. */
static void drain(struct mnl_socket *mon, const struct step *st)
{
	static char buf[RX_SIZE];
	struct pollfd pfd = { .fd = mnl_socket_get_fd(mon), .events = POLLIN };
	unsigned n = 0, seen = 0;

	for (;;) {
		ssize_t len;
		int ret = poll(&pfd, 1, QUIET_MS);

		if (ret < 0)
			die("poll");
		if (ret == 0)
			break;
		len = recv(pfd.fd, buf, sizeof(buf), MSG_TRUNC);
		if (len < 0)
			die("recv");
		if ((size_t)len > sizeof(buf)) {
			errno = EMSGSIZE;
			die("recv truncated");
		}
		seen++;
		if (!st->only_family || has_link_family(buf, len, st->only_family))
			save(st->name, n++, buf, len);
	}
	if (seen == 0) {
		fprintf(stderr, "nl_record: step %s produced no message\n", st->name);
		exit(1);
	}
}

/* Sends @nlh and records each reply buffer until NLMSG_DONE or NLMSG_ERROR. */
static void request(struct nlmsghdr *nlh, const char *name)
{
	static char buf[RX_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned n = 0;
	int end = 0;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("request socket");
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("sendto");
	while (!end) {
		const struct nlmsghdr *m;
		ssize_t len = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_TRUNC);
		int rem;

		if (len < 0)
			die("recv");
		if ((size_t)len > sizeof(buf)) {
			errno = EMSGSIZE;
			die("recv truncated");
		}
		save(name, n++, buf, len);
		rem = len;
		for (m = (const void *)buf; mnl_nlmsg_ok(m, rem); m = mnl_nlmsg_next(m, &rem))
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR)
				end = 1;
	}
	mnl_socket_close(nl);
}

static void dump(uint16_t type, size_t hdrlen, const char *name)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	mnl_nlmsg_put_extra_header(nlh, hdrlen); /* zeroed: AF_UNSPEC, all */
	request(nlh, name);
}

/* An RTM_GETLINK that must fail (-ENODEV) and one that must be acked:
 * RTM_SETLINK on lo changing nothing, with NLM_F_ACK. */
static void errors(void)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 2;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 999;
	request(nlh, "err-nodev");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_SETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 3;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 1;
	request(nlh, "ack");
}

static void sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val) || close(fd))
		die(path);
}

int main(int argc, char **argv)
{
	struct mnl_socket *mon;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: nl_record OUTDIR (as root)\n");
		return 2;
	}
	outdir = argv[1];
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET) (root needed)");
	/*
	 * No IPv6 link-local addresses: they appear whenever carrier does
	 * and would make the recording longer without testing anything the
	 * configured IPv6 address does not. The /proc view follows the
	 * namespace of the process opening it.
	 */
	sysctl("/proc/sys/net/ipv6/conf/default/addr_gen_mode", "1");
	sysctl("/proc/sys/net/ipv6/conf/all/addr_gen_mode", "1");

	mon = mnl_socket_open(NETLINK_ROUTE);
	if (!mon || mnl_socket_bind(mon, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
				    RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0)
		die("monitor socket");

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		run(steps[i].argv);
		drain(mon, &steps[i]);
		if (!strcmp(steps[i].name, DUMPS_AFTER)) {
			dump(RTM_GETLINK, sizeof(struct ifinfomsg), "dump-link");
			dump(RTM_GETADDR, sizeof(struct ifaddrmsg), "dump-addr");
			errors();
		}
	}
	mnl_socket_close(mon);
	return 0;
}
