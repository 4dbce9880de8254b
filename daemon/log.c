/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* log.c: leveled logging to stderr, and inert rendering of untrusted text. */
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

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static unsigned
utf8_len(const unsigned char *s)
{
	unsigned n, cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F) can drive terminals too. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return n;
}

void
gs_sanitize(const char *in, char *out, unsigned outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned o = 0, n;

	if (outlen == 0)
		return;
	while (*s) {
		n = utf8_len(s);
		if (n == 0 || (n == 1 && (*s < 0x20 || *s == 0x7f))) {
			n = 1;
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			s += 1;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, s, n);
		o += n;
		s += n;
	}
	out[o] = '\0';
	if (*s && outlen > 4) {
		/* truncated: mark it, without splitting a UTF-8 sequence */
		o = o > outlen - 4 ? outlen - 4 : o;
		while (o > 0 && (((unsigned char)out[o]) & 0xc0) == 0x80)
			o--;
		memcpy(out + o, "...", 4);
	}
}
