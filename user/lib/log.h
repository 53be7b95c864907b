/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log: leveled messages to stderr and syslog (journald picks syslog up).
 * Levels as dockerd's --log-level: debug, info, warn, error, fatal.
 * What xnet changes in the kernel is logged at info; libbpf's own output at debug.
 */
#ifndef XNET_LOG_H
#define XNET_LOG_H

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR, LOG_LVL_FATAL };

/* Parse "debug|info|warn|error|fatal"; returns -1 on unknown input. */
int log__parse_level(const char *s);
/* Threshold for stderr and syslog; default warn (info and debug go to syslog only when enabled). */
void log__init(enum log_level level);
enum log_level log__level(void);
void log__msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log__msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)  log__msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)  log__msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log__msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif /* XNET_LOG_H */
