/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* log.c: leveled logging to stderr (gs_sanitize lives in text.c, beside
 * the table of refused code points it shares with the schema). */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int gs_log_level = GS_LOG_INFO;

int
gs_log_parse_level(const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void
vlog(int level, const char *tag, int err, const char *fmt, va_list ap)
{
	char buf[1024];
	struct timespec ts;
	struct tm tm;

	if (level > gs_log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (err)
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s: %s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tag, buf, strerror(err));
	else
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, tag, buf);
}

#define GS_LOG_FN(fn, level, tag, witherr)                 \
	void fn(const char *fmt, ...)                      \
	{                                                  \
		int saved = errno;                         \
		va_list ap;                                \
		va_start(ap, fmt);                         \
		vlog(level, tag, witherr ? saved : 0, fmt, ap); \
		va_end(ap);                                \
		errno = saved;                             \
	}

GS_LOG_FN(log_warn, GS_LOG_WARN, "warn", 1)
GS_LOG_FN(log_warnx, GS_LOG_WARN, "warn", 0)
GS_LOG_FN(log_info, GS_LOG_INFO, "info", 0)
GS_LOG_FN(log_debug, GS_LOG_DEBUG, "debug", 0)
GS_LOG_FN(log_error, GS_LOG_ERROR, "error", 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(GS_LOG_ERROR, "fatal", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(GS_LOG_ERROR, "fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
