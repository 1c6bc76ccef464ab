/* SPDX-License-Identifier: GPL-2.0-only */
/* One logging facade: stderr, with sd-daemon priority prefixes when a
 * journal (or any non-terminal) reads it, plain text on a terminal. */
#ifndef ZFWD_LOG_H
#define ZFWD_LOG_H

enum {
	ZLOG_ERR = 3,
	ZLOG_WARNING = 4,
	ZLOG_NOTICE = 5,
	ZLOG_INFO = 6,
	ZLOG_DEBUG = 7,
};

void log_init(int level);
int log_level(void);
/* Returns the level for "err", "warning", "notice", "info", "debug", or -1. */
int log_parse_level(const char *name);
void log_msg(int level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...) log_msg(ZLOG_ERR, __func__, __VA_ARGS__)
#define log_warn(...) log_msg(ZLOG_WARNING, __func__, __VA_ARGS__)
#define log_notice(...) log_msg(ZLOG_NOTICE, __func__, __VA_ARGS__)
#define log_info(...) log_msg(ZLOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_msg(ZLOG_DEBUG, __func__, __VA_ARGS__)

#endif
