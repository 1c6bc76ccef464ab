// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"

int sdnotify_init(struct sdnotify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC"), *wpid = getenv("WATCHDOG_PID");
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (wd && *wd) {
		char *end;
		unsigned long long v = strtoull(wd, &end, 10);

		if (*end || !v)
			return -EINVAL;
		/* The watchdog is for us only when no other PID is named. */
		if (!wpid || !*wpid || strtol(wpid, NULL, 10) == getpid())
			n->watchdog_usec = v;
	}
	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->sa.sun_path))
		return -EINVAL;
	n->sa.sun_family = AF_UNIX;
	memcpy(n->sa.sun_path, path, len);
	if (path[0] == '@')
		n->sa.sun_path[0] = '\0'; /* abstract namespace */
	n->sa_len = offsetof(struct sockaddr_un, sun_path) + len;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return n->fd < 0 ? -errno : 0;
}

bool sdnotify_enabled(const struct sdnotify *n)
{
	return n->fd >= 0;
}

static int send_text(struct sdnotify *n, const char *text)
{
	if (n->fd < 0)
		return 0;
	if (sendto(n->fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *)&n->sa,
		   n->sa_len) < 0) {
		int err = -errno;

		/* Once per kind of failure is enough in the log. */
		if (!n->failed++)
			log_warn("cannot notify the service manager: %s", strerror(errno));
		return err;
	}
	n->sent++;
	return 0;
}

int sdnotify_send(struct sdnotify *n, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return send_text(n, buf);
}

int sdnotify_reloading(struct sdnotify *n)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sdnotify_send(n, "RELOADING=1\nMONOTONIC_USEC=%llu",
			     (unsigned long long)ts.tv_sec * 1000000ull + ts.tv_nsec / 1000);
}

void sdnotify_close(struct sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
