// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int cur_level = ZLOG_INFO;
static int prefix_mode = -1; /* -1: not decided yet */

static const char *const names[] = {
	[ZLOG_ERR] = "err",	  [ZLOG_WARNING] = "warning",
	[ZLOG_NOTICE] = "notice", [ZLOG_INFO] = "info",
	[ZLOG_DEBUG] = "debug",
};

void log_init(int level)
{
	cur_level = level;
	prefix_mode = !isatty(STDERR_FILENO);
}

int log_level(void)
{
	return cur_level;
}

int log_parse_level(const char *name)
{
	for (int i = ZLOG_ERR; i <= ZLOG_DEBUG; i++)
		if (!strcmp(name, names[i]))
			return i;
	if (!strcmp(name, "error"))
		return ZLOG_ERR;
	if (!strcmp(name, "warn"))
		return ZLOG_WARNING;
	return -1;
}

void log_msg(int level, const char *func, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	if (level > cur_level)
		return;
	if (prefix_mode < 0)
		prefix_mode = !isatty(STDERR_FILENO);
	if (prefix_mode)
		n = snprintf(buf, sizeof(buf), "<%d>%s: ", level, func);
	else
		n = snprintf(buf, sizeof(buf), "zfwd[%s] %s: ", names[level], func);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* One write per line keeps lines whole when several writers share
	 * the stream. */
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	if ((size_t)n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* Nowhere left to report a failing stderr. */
	}
}
