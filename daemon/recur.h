/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recur.h: recurring events. A series is one event item carrying an RFC
 * 5545 RRULE (field "rrule") and an IANA time zone (field "timezone");
 * its "start" and "end" are the first occurrence. This module is the only
 * door to libical: it checks rules and zones, turns the French shorthand
 * a facilitator types (« chaque mardi ») into an RRULE, and expands a
 * series over a window into occurrences named by their local date
 * (YYYY-MM-DD in the series' zone), each at the same local wall time:
 * a 14:00 workshop stays at 14:00 across the daylight-saving changes,
 * its UTC instant shifting by an hour.
 *
 * Rules finer than daily (FREQ=HOURLY...), or that set the hour within the
 * day (BYHOUR, BYMINUTE, BYSECOND), are refused: the time comes from the
 * event's start and the date alone names an occurrence.
 *
 * libical keeps the zones it loads in a process-wide cache; everything
 * here runs on the loop thread (daemon) or in the CLI's one thread.
 */
#ifndef GS_RECUR_H
#define GS_RECUR_H

#include <stddef.h>
#include <stdint.h>

/* At most this many days of occurrences per series in one expansion. */
#define GS_RECUR_WINDOW_DAYS 731
#define GS_RECUR_DATE_LEN 10           /* "YYYY-MM-DD" */
#define GS_RECUR_RULE_MAX 300          /* bytes in a stored rule */

/* One occurrence of a series. */
struct gs_occurrence {
	char date[GS_RECUR_DATE_LEN + 1];  /* local date in the zone: its key */
	int64_t start_ms;                  /* UTC */
	int64_t end_ms;                    /* UTC; start_ms without an end */
	char start[32];                    /* RFC 3339, the zone's offset */
	char end[32];                      /* RFC 3339, or "" without end */
};

/*
 * NULL when rrule is a rule this module expands, else what is wrong with
 * it and what to do, in French (static text): unparsable, FREQ finer
 * than daily, the hour set within the day, too long.
 */
const char *gs_recur_check(const char *rrule);
/* NULL when tz is a time zone libical knows (IANA, e.g. Europe/Paris),
 * else the rule broken in French (static text). */
const char *gs_recur_zone_check(const char *tz);
/* 1 when the rule ends (UNTIL or COUNT), 0 otherwise or unparsable. */
int gs_recur_bounded(const char *rrule);
/*
 * 1 when s is a date YYYY-MM-DD that exists (2026-02-30 does not), with
 * its year, month and day in *y, *m, *d (each may be NULL); 0 otherwise.
 */
int gs_recur_date_valid(const char *s, int *y, int *m, int *d);

/*
 * Turns French shorthand into an RRULE, case- and accent-insensitively:
 * « chaque jour » FREQ=DAILY, « chaque semaine » FREQ=WEEKLY, « chaque
 * mardi » FREQ=WEEKLY;BYDAY=TU (any weekday), « un mardi sur deux »
 * FREQ=WEEKLY;INTERVAL=2;BYDAY=TU, « le premier jeudi du mois »
 * FREQ=MONTHLY;BYDAY=1TH (premier, deuxième, troisième, quatrième,
 * dernier = -1), « tous les mois » FREQ=MONTHLY; also « tous les jours »,
 * « toutes les semaines », « tous les mardis ». Writes the rule into out
 * (outlen bytes) and returns 0, or GS_EINVAL (unknown text, out too
 * small).
 */
int gs_recur_shorthand(const char *text, char *out, size_t outlen);
/*
 * The rule in French when it is one the shorthand table gives, with its
 * end: « chaque mardi, jusqu'au 29 juin 2027 », « le premier jeudi du
 * mois, 10 fois ». The UNTIL date is read in tz. Writes into out and
 * returns 0, or GS_EINVAL when the rule is another (show it as written).
 */
int gs_recur_describe(const char *rrule, const char *tz, char *out,
    size_t outlen);
/*
 * The UNTIL value meaning "up to the end of date (YYYY-MM-DD) in tz":
 * 23:59:59 local as UTC, "YYYYMMDDTHHMMSSZ", into out (17 bytes at
 * least). 0, or GS_EINVAL (bad date, bad zone).
 */
int gs_recur_until(const char *date, const char *tz, char *out,
    size_t outlen);
/*
 * Writes the instant ms (UTC) as the local time of tz: RFC 3339 with the
 * zone's offset at that instant (out: 32 bytes), and its local date
 * YYYY-MM-DD into date (11 bytes; may be NULL). 0 or GS_EINVAL.
 */
int gs_recur_local(int64_t ms, const char *tz, char *out, size_t outlen,
    char *date);

/*
 * The offset from UTC, in seconds east, of the zone tz at the instant t
 * (seconds since the epoch, UTC), into *off. 0, or GS_EINVAL when tz is
 * not a zone libical knows or not a plain zone name (no "..", no leading
 * '/', only letters, digits and "/_+-"). libical expands a zone's rules
 * up to the year 2582: later instants keep the offset in force then.
 */
int gs_recur_offset(const char *tz, int64_t t, int32_t *off);
/*
 * The instant (seconds since the epoch, UTC) of the local wall-clock time
 * wall in tz, wall being that local date and time counted in seconds as
 * if it were UTC, into *t. A wall time repeated when the clocks go back
 * gives its first instant; one skipped when they go forward gives
 * GS_ENOTFOUND (*t untouched). GS_EINVAL: tz as gs_recur_offset.
 */
int gs_recur_instant(const char *tz, int64_t wall, int64_t *t);

/* A series parsed once, for expanding it as often as needed. */
struct gs_series;

/*
 * Parses a series: its rule, zone, and the first occurrence's start and
 * end (RFC 3339; end may be NULL or ""). On success *out is the caller's
 * (gs_series_destroy). GS_EINVAL when a part is invalid (why, if not
 * NULL, is set to the French rule broken, static), GS_ENOMEM.
 */
int gs_series_new(const char *rrule, const char *tz, const char *start,
    const char *end, struct gs_series **out, const char **why);
/* Frees s (NULL accepted) and sets *s to NULL. */
void gs_series_destroy(struct gs_series **s);
/* 1 when the series ends (UNTIL or COUNT). */
int gs_series_bounded(const struct gs_series *s);

/* Called for each occurrence in order; non-zero stops the expansion. */
typedef int (*gs_occurrence_cb)(const struct gs_occurrence *o, void *arg);

/*
 * Calls cb for each occurrence whose start lies in [from_ms, to_ms], in
 * order, but never for more than GS_RECUR_WINDOW_DAYS days after from_ms
 * (the window is cut there). Returns 0, or cb's non-zero value.
 */
int gs_series_expand(const struct gs_series *s, int64_t from_ms,
    int64_t to_ms, gs_occurrence_cb cb, void *arg);
/*
 * The occurrence whose local date is date (YYYY-MM-DD) into *out: 0, or
 * GS_ENOTFOUND when the series has no such date, GS_EINVAL when date is
 * not a date.
 */
int gs_series_find(const struct gs_series *s, const char *date,
    struct gs_occurrence *out);

/*
 * Expansions kept between lists: a facilitator lists the same weeks again
 * and again, and libical's iterator is the costly part of a long list.
 * An entry is keyed by everything the expansion depends on (rule, zone,
 * start, end, window), so it is never stale: an edited series has another
 * key, and its old entry ages out. The cache holds at most max
 * occurrences in all; past that it is emptied and fills again.
 */
struct gs_recur_cache;

/* A cache of at most max occurrences, or NULL on GS_ENOMEM. */
struct gs_recur_cache *gs_recur_cache_new(size_t max);
/* Frees c (NULL accepted) and sets *c to NULL. */
void gs_recur_cache_destroy(struct gs_recur_cache **c);
/* How many occurrences c holds, and how many expansions it served. */
void gs_recur_cache_stats(const struct gs_recur_cache *c, size_t *held,
    size_t *hits);

/*
 * As gs_series_new then gs_series_expand over [from_ms, to_ms], with the
 * expansion taken from or kept in cache (NULL: no cache). The window is
 * widened to whole UTC days for the cache and cut again for cb. *bounded
 * is set to gs_series_bounded(). Returns 0, cb's non-zero value,
 * GS_EINVAL (why set, as gs_series_new) or GS_ENOMEM.
 */
int gs_recur_expand(struct gs_recur_cache *cache, const char *rrule,
    const char *tz, const char *start, const char *end, int64_t from_ms,
    int64_t to_ms, int *bounded, gs_occurrence_cb cb, void *arg,
    const char **why);

#endif
