/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * log.h: OpenBSD-style logging to stderr with levels. Messages are
 * lowercase and start with the module name ("store: ..."). Never pass a
 * secret key or an item body. The level is the only mutable global.
 */
#ifndef GS_LOG_H
#define GS_LOG_H

#include <stdarg.h>

enum gs_log_level { GS_LOG_ERROR = 0, GS_LOG_WARN, GS_LOG_INFO, GS_LOG_DEBUG };

extern int gs_log_level;

/* Parses "error", "warn", "info", "debug"; returns the level or -1. */
int gs_log_parse_level(const char *s);

#define GS_PRINTF(a, b) __attribute__((format(printf, a, b)))
void log_warn(const char *fmt, ...) GS_PRINTF(1, 2);  /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) GS_PRINTF(1, 2);
void log_info(const char *fmt, ...) GS_PRINTF(1, 2);
void log_debug(const char *fmt, ...) GS_PRINTF(1, 2);
void log_error(const char *fmt, ...) GS_PRINTF(1, 2);
_Noreturn void fatal(const char *fmt, ...) GS_PRINTF(1, 2);   /* appends strerror(errno) */
_Noreturn void fatalx(const char *fmt, ...) GS_PRINTF(1, 2);

/*
 * Copies untrusted text into out (size outlen), replacing with '?' each
 * invalid byte and each code point the text rule refuses (text.h: the
 * controls, bidi controls, separators, zero-width and invisible
 * characters, a combining mark beyond GS_TEXT_MARKS_MAX in a row), so
 * that a peer's text or the user's own input can be logged or printed
 * inert. The same table refuses them on receipt. Always NUL-terminates;
 * truncates with "...". Defined in text.c.
 */
void gs_sanitize(const char *in, char *out, unsigned outlen);

#endif
