// SPDX-License-Identifier: GPL-2.0-only
/*
 * A TPROXY listener as OpenZiti routers open one: IP_TRANSPARENT sockets
 * on the loopback address. For every TCP connection it prints the local
 * address the kernel gave the accepted socket (the original destination
 * when interception works) and answers with the same line; for every UDP
 * datagram it prints the original destination (IP_RECVORIGDSTADDR) and
 * answers from it through a transparent socket bound there.
 *
 *   tproxy_echo -p PORT [-6] [-t|-u] [-e]   (default: TCP and UDP)
 *
 * With -e a TCP connection, after the line, echoes what it receives until
 * the client closes (one process per connection): a long-lived stream.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_RECVORIGDSTADDR
#define IP_RECVORIGDSTADDR 20
#endif
#ifndef IPV6_RECVORIGDSTADDR
#define IPV6_RECVORIGDSTADDR 74
#endif

static int family = AF_INET;
static int echo_mode;

static void fmt(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(s->sin6_port));
	}
}

static void transparent(int fd)
{
	int one = 1;

	if (family == AF_INET) {
		if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)))
			perror("IP_TRANSPARENT"), exit(1);
	} else {
		if (setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)))
			perror("IPV6_TRANSPARENT"), exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

static socklen_t loopback(struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (void *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		s->sin6_addr = in6addr_loopback;
		return sizeof(*s);
	}
}

static int open_sock(int type, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(&ss, port);
	int fd = socket(family, type, 0), one = 1;

	if (fd < 0)
		perror("socket"), exit(1);
	transparent(fd);
	if (type == SOCK_DGRAM) {
		if (family == AF_INET)
			setsockopt(fd, SOL_IP, IP_RECVORIGDSTADDR, &one, sizeof(one));
		else
			setsockopt(fd, SOL_IPV6, IPV6_RECVORIGDSTADDR, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *)&ss, len))
		perror("bind"), exit(1);
	if (type == SOCK_STREAM && listen(fd, 64))
		perror("listen"), exit(1);
	return fd;
}

static void serve_tcp(int lfd)
{
	struct sockaddr_storage local, peer;
	socklen_t ll = sizeof(local), pl = sizeof(peer);
	char l[80], p[80], line[200];
	int fd = accept(lfd, (struct sockaddr *)&peer, &pl);

	if (fd < 0)
		return;
	getsockname(fd, (struct sockaddr *)&local, &ll);
	fmt(&local, l, sizeof(l));
	fmt(&peer, p, sizeof(p));
	snprintf(line, sizeof(line), "tcp local=%s peer=%s\n", l, p);
	fputs(line, stdout);
	fflush(stdout);
	if (write(fd, line, strlen(line)) < 0)
		perror("write");
	if (echo_mode && fork() == 0) {
		char buf[4096];
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				break;
		_exit(0);
	}
	close(fd);
}

static void serve_udp(int fd)
{
	struct sockaddr_storage peer, orig = { 0 };
	char data[2048], cbuf[256], l[80], p[80], line[300];
	struct iovec iov = { data, sizeof(data) - 1 };
	struct msghdr mh = {
		.msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &mh, 0);
	int out, one = 1;

	if (n < 0)
		return;
	data[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_ORIGDSTADDR) ||
		    (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_ORIGDSTADDR))
			memcpy(&orig, CMSG_DATA(cm),
			       cm->cmsg_level == SOL_IP ? sizeof(struct sockaddr_in)
							: sizeof(struct sockaddr_in6));
	fmt(&orig, l, sizeof(l));
	fmt(&peer, p, sizeof(p));
	snprintf(line, sizeof(line), "udp local=%s peer=%s\n", l, p);
	fputs(line, stdout);
	fflush(stdout);
	/* Answer from the original destination, as a TPROXY UDP app must. */
	out = socket(family, SOCK_DGRAM, 0);
	transparent(out);
	setsockopt(out, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(out, (struct sockaddr *)&orig,
		 family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ||
	    sendto(out, line, strlen(line), 0, (struct sockaddr *)&peer, mh.msg_namelen) < 0)
		perror("udp reply");
	close(out);
}

int main(int argc, char **argv)
{
	int port = 0, tcp = 1, udp = 1, c;
	struct pollfd pfd[2];
	int n = 0;

	signal(SIGCHLD, SIG_IGN); /* echo children reap themselves */
	while ((c = getopt(argc, argv, "p:6tue")) != -1) {
		switch (c) {
		case 'e': echo_mode = 1; break;
		case 'p': port = atoi(optarg); break;
		case '6': family = AF_INET6; break;
		case 't': udp = 0; break;
		case 'u': tcp = 0; break;
		default:
			fprintf(stderr, "usage: tproxy_echo -p PORT [-6] [-t|-u]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "tproxy_echo: -p PORT is required\n");
		return 2;
	}
	if (tcp)
		pfd[n++] = (struct pollfd){ .fd = open_sock(SOCK_STREAM, port), .events = POLLIN };
	if (udp)
		pfd[n++] = (struct pollfd){ .fd = open_sock(SOCK_DGRAM, port), .events = POLLIN };
	fprintf(stderr, "tproxy_echo: listening on %s port %d\n",
		family == AF_INET ? "127.0.0.1" : "::1", port);
	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int type = 0;
			socklen_t tl = sizeof(type);

			if (!(pfd[i].revents & POLLIN))
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl);
			if (type == SOCK_STREAM)
				serve_tcp(pfd[i].fd);
			else
				serve_udp(pfd[i].fd);
		}
	}
}
