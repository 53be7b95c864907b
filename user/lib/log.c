// SPDX-License-Identifier: GPL-2.0-only
/* log: leveled messages to stderr and syslog. See log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "lib/log.h"

static enum log_level threshold = LOG_LVL_WARN;
static int syslog_open;

static const char *const names[] = { "debug", "info", "warn", "error", "fatal" };
static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT };

int log__parse_level(const char *s)
{
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(s, names[i]))
			return i;
	if (!strcmp(s, "warning"))
		return LOG_LVL_WARN;
	return -1;
}

void log__init(enum log_level level)
{
	threshold = level;
	if (!syslog_open) {
		openlog("xnet", LOG_PID, LOG_DAEMON);
		syslog_open = 1;
	}
}

enum log_level log__level(void)
{
	return threshold;
}

void log__msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	if (level < threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Strip one trailing newline: libbpf's messages carry their own. */
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	fprintf(stderr, "level=%s msg=\"%s\"\n", names[level], buf);
	if (syslog_open)
		syslog(prio[level], "%s", buf);
}
