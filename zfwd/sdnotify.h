/* SPDX-License-Identifier: GPL-2.0-only */
/* systemd's notify protocol, spoken directly (no libsystemd): datagrams
 * of "KEY=value\n" lines to the socket named by $NOTIFY_SOCKET. Without
 * that variable every call is a no-op. */
#ifndef ZFWD_SDNOTIFY_H
#define ZFWD_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct sdnotify {
	int fd;
	struct sockaddr_un sa;
	socklen_t sa_len;
	uint64_t watchdog_usec;  /* 0: no watchdog asked for */
	uint64_t sent, failed;
};

/* Reads NOTIFY_SOCKET (a path, or @abstract), WATCHDOG_USEC and
 * WATCHDOG_PID. -EINVAL for a malformed variable. */
int sdnotify_init(struct sdnotify *n);
bool sdnotify_enabled(const struct sdnotify *n);
int sdnotify_send(struct sdnotify *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The reload announcement: RELOADING=1 with MONOTONIC_USEC. */
int sdnotify_reloading(struct sdnotify *n);
void sdnotify_close(struct sdnotify *n);

#endif
