// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in for systemd's notify socket: binds a datagram socket at PATH
 * (or, with a leading '@', in the abstract namespace) and prints each
 * datagram as one line, "pid=SENDER " and the message with its newlines
 * turned into spaces, flushed at once.
 *
 *   notify_recv PATH
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	int fd, one = 1;
	size_t len;

	if (argc != 2 || (len = strlen(argv[1])) >= sizeof(sa.sun_path) || !len) {
		fprintf(stderr, "usage: notify_recv PATH|@NAME\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = offsetof(struct sockaddr_un, sun_path) + len;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, salen)) {
		perror("notify_recv");
		return 1;
	}
	for (;;) {
		char buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		long pid = -1;
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			perror("notify_recv: recvmsg");
			return 1;
		}
		buf[n] = '\0';
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;

				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
				pid = uc.pid;
			}
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("pid=%ld %s\n", pid, buf);
		fflush(stdout);
	}
}
