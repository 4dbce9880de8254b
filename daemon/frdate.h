/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * frdate.h: dates as a facilitator types them, in French, turned into
 * RFC 3339 with the right offset for a given IANA time zone (daylight
 * saving included). Used by the CLI for --start, --end, --from, --to.
 *
 * Accepted (case and accents ignored, spaces free around "h", ":", "/"):
 *   2026-12-20 14:00    2026-12-20T14:00    20/12/2026 14h    20/12 14h30
 *   20/12/2026          mardi 14h           demain 10h        aujourd'hui 18h
 *   après-demain 9h     le 20/12 à 14 h     mardi midi        RFC 3339 as is
 * A weekday is the next such day (today when the hour is still to come);
 * a day and month without a year is the next such date (this year, or
 * next year once it is more than a day past). A date without an hour is
 * the start of the day (its end with GS_FRDATE_END_OF_DAY). The range
 * check (more than a day past, more than 2 years ahead) catches slips in
 * what people type; RFC 3339, the form scripts write, is taken as is.
 *
 * Nothing here reads the clock or the environment: "now" is given, and
 * the zone comes from libical through recur (gs_recur_offset,
 * gs_recur_instant), never by setting TZ.
 */
#ifndef GS_FRDATE_H
#define GS_FRDATE_H

#include <stddef.h>
#include <stdint.h>

enum {
	GS_FRDATE_ALLOW_PAST = 1,    /* accept more than a day in the past */
	GS_FRDATE_ALLOW_FAR = 2,     /* accept more than 2 years ahead */
	GS_FRDATE_NO_RANGE = 4,      /* no range check at all (list bounds) */
	GS_FRDATE_END_OF_DAY = 8,    /* a bare date means 23:59:59 */
};

/* How a date was refused (the why text says it in French). */
enum {
	GS_FRDATE_BAD = 1,           /* not a date we read, or no such day */
	GS_FRDATE_PAST = 2,          /* more than a day in the past */
	GS_FRDATE_FAR = 3,           /* more than 2 years ahead */
	GS_FRDATE_ZONE = 4,          /* unknown or unreadable time zone */
};

/*
 * Parses text in the zone tz (an IANA name like "Europe/Paris") relative
 * to now (seconds since the Unix epoch) and writes the RFC 3339 time
 * ("2026-12-20T14:00:00+01:00"; RFC 3339 input is copied as it is) into
 * out (outlen bytes, 40 suffice). Returns 0, or one of GS_FRDATE_BAD,
 * _PAST, _FAR, _ZONE with why (whylen bytes) filled with the reason in
 * plain French, which does not repeat the input: the caller echoes it,
 * sanitized. flags: GS_FRDATE_*.
 */
int gs_frdate_parse(const char *text, const char *tz, int64_t now,
    int flags, char *out, size_t outlen, char *why, size_t whylen);

/*
 * The offset from UTC, in seconds, of the zone tz at the instant t
 * (seconds since the epoch), in *off. 0, or GS_FRDATE_ZONE.
 */
int gs_frdate_offset(const char *tz, int64_t t, int32_t *off);

/*
 * A duration (milliseconds, sign ignored) in French words, rounded to its
 * largest unit: "1 jour", "3 jours", "2 heures", "5 minutes", "moins
 * d'une minute". out: outlen bytes (32 suffice).
 */
void gs_frdate_duration(int64_t ms, char *out, size_t outlen);

/*
 * The instant t (seconds since the epoch) as a wall clock reads it in tz:
 * "14:32" when t falls on the same local day as now, else "le 28
 * novembre à 14:32" (with the year when it is not now's). A zone that
 * cannot be read gives UTC. out: outlen bytes (48 suffice).
 */
void gs_frdate_clock(const char *tz, int64_t t, int64_t now, char *out,
    size_t outlen);

#endif
