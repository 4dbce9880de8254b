/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * textfmt.c: hex and RFC 3339 by hand, with no locale and no libc time
 * zone: a date-time names its offset, so the instant is computed from
 * the civil date directly (proleptic Gregorian, any year 0000 to 9999).
 */
#include "textfmt.h"

#include <string.h>

#include "err.h"

void
gs_hex(const uint8_t *bin, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hx[bin[i] >> 4];
		out[2 * i + 1] = hx[bin[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
gs_unhex(const char *hex, uint8_t *bin, size_t len)
{
	if (hex == NULL || strlen(hex) != 2 * len)
		return GS_EINVAL;
	for (size_t i = 0; i < 2 * len; i++)
		if (hexval(hex[i]) < 0)
			return GS_EINVAL;
	for (size_t i = 0; i < len; i++)
		bin[i] = (uint8_t)(hexval(hex[2 * i]) << 4 |
		    hexval(hex[2 * i + 1]));
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses exactly n digits at s into *out. 0 or -1. */
static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	if (m == 2 && leap_year(y))
		return 29;
	return dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(int y, int m, int d)
{
	long long yy = y - (m <= 2);
	long long era = (yy >= 0 ? yy : yy - 399) / 400;
	long long yoe = yy - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parses ".d{1,9}" at s + *i, if there, into nanoseconds. 0 or -1. */
static int
parse_fraction(const char *s, size_t *i, long *nsec)
{
	int nd = 0;

	*nsec = 0;
	if (s[*i] != '.')
		return 0;
	(*i)++;
	while (is_digit(s[*i]) && nd < 9) {
		*nsec = *nsec * 10 + (s[*i] - '0');
		nd++;
		(*i)++;
	}
	if (nd == 0 || is_digit(s[*i]))
		return -1;
	for (; nd < 9; nd++)
		*nsec *= 10;
	return 0;
}

/* Parses "Z" or "+hh:mm" / "-hh:mm" at s + *i into seconds. 0 or -1. */
static int
parse_offset(const char *s, size_t *i, long long *off)
{
	int oh, om;

	if (s[*i] == 'Z') {
		(*i)++;
		*off = 0;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -1;
	if (digits(s + *i + 1, 2, &oh) || s[*i + 3] != ':' ||
	    digits(s + *i + 4, 2, &om) || oh > 23 || om > 59)
		return -1;
	*off = (long long)oh * 3600 + om * 60;
	if (s[*i] == '-')
		*off = -*off;
	*i += 6;
	return 0;
}

int
gs_instant_parse(const char *s, struct gs_instant *out)
{
	int y, mo, d, h, mi, sec;
	long nsec;
	long long off;
	size_t i = 19;

	if (s == NULL || strlen(s) < 20)
		return GS_EINVAL;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return GS_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return GS_EINVAL;
	if (parse_fraction(s, &i, &nsec) != 0 ||
	    parse_offset(s, &i, &off) != 0 || s[i] != '\0')
		return GS_EINVAL;
	out->sec = days_from_civil(y, mo, d) * 86400LL + h * 3600LL +
	    mi * 60LL + sec - off;
	out->nsec = nsec;
	return 0;
}

int
gs_instant_cmp(const struct gs_instant *a, const struct gs_instant *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

int
gs_time_parse(const char *s, int64_t *ms)
{
	struct gs_instant t;

	if (gs_instant_parse(s, &t) != 0)
		return GS_EINVAL;
	*ms = t.sec * 1000 + t.nsec / 1000000;
	return 0;
}
