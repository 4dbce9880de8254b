/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * textfmt.h: the text forms of bytes and instants that the daemon reads
 * and writes: lowercase hex (IDs, keys) and RFC 3339 date-times (event
 * times). One implementation each, for the schema's rules, the item and
 * transport modules, and the tools.
 */
#ifndef GS_TEXTFMT_H
#define GS_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

/* An instant: seconds since the Unix epoch (UTC) and nanoseconds. */
struct gs_instant {
	int64_t sec;
	long nsec;              /* 0 to 999999999 */
};

/* Lowercase hex of len bytes into out (2 * len + 1 bytes, NUL ended). */
void gs_hex(const uint8_t *bin, size_t len, char *out);
/*
 * Parses exactly 2 * len hex digits (any case) into bin. Returns 0, or
 * GS_EINVAL (hex NULL, wrong length, not a digit) with bin untouched.
 */
int gs_unhex(const char *hex, uint8_t *bin, size_t len);

/*
 * Parses an RFC 3339 date-time with seconds, an optional fraction (1 to 9
 * digits) and a mandatory offset (Z or +hh:mm / -hh:mm) into *out.
 * Returns 0 or GS_EINVAL (s NULL, malformed, or no such date).
 */
int gs_instant_parse(const char *s, struct gs_instant *out);
/* <0, 0, >0 as a is before, at, or after b. */
int gs_instant_cmp(const struct gs_instant *a, const struct gs_instant *b);
/*
 * Parses an RFC 3339 date-time as gs_instant_parse does, into
 * milliseconds since the Unix epoch (the fraction truncated). Returns 0
 * or GS_EINVAL.
 */
int gs_time_parse(const char *s, int64_t *ms);

#endif
