/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * frdate.c: French dates typed by people, read in an IANA time zone (see
 * frdate.h). The parser of the forms people type works in local
 * wall-clock seconds and converts once at the end through recur (libical's
 * zones), which refuses an hour skipped by the spring change and takes the
 * first of an hour repeated in autumn.
 */
#include "frdate.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fold.h"
#include "recur.h"
#include "textfmt.h"

#define DAY 86400
#define FAR_DAYS 731            /* "more than 2 years ahead" */

/* ---- civil calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* 0 = Sunday ... 6 = Saturday */
static int
weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

int
gs_frdate_offset(const char *tz, int64_t t, int32_t *off)
{
	return gs_recur_offset(tz, t, off) == 0 ? 0 : GS_FRDATE_ZONE;
}

/* ---- the forms people type ------------------------------------------ */

struct scan {
	const char *p;          /* folded text, at the next token */
};

static void
skip_spaces(struct scan *s)
{
	while (*s->p == ' ' || *s->p == '\t')
		s->p++;
}

/* Takes word (folded) when it is next, followed by a space or the end. */
static bool
take_word(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s->p, word, n) != 0 ||
	    (s->p[n] != '\0' && s->p[n] != ' ' && s->p[n] != '\t'))
		return false;
	s->p += n;
	skip_spaces(s);
	return true;
}

/* Reads 1 to max digits. */
static bool
take_num(struct scan *s, int max, int *out)
{
	int v = 0, n = 0;

	while (n < max && *s->p >= '0' && *s->p <= '9') {
		v = v * 10 + (*s->p++ - '0');
		n++;
	}
	if (n == 0 || (*s->p >= '0' && *s->p <= '9'))
		return false;
	*out = v;
	return true;
}

static bool
take_char(struct scan *s, char c)
{
	skip_spaces(s);
	if (*s->p != c)
		return false;
	s->p++;
	skip_spaces(s);
	return true;
}

/* "14h", "14 h 30", "14h30", "14:30", "14:30:00", "midi". */
static bool
take_time(struct scan *s, int *h, int *mi)
{
	const char *save = s->p;
	int sec = 0;

	*mi = 0;
	if (take_word(s, "midi")) {
		*h = 12;
		return true;
	}
	if (!take_num(s, 2, h))
		return false;
	skip_spaces(s);
	if (*s->p == 'h') {
		s->p++;
		skip_spaces(s);
		if (*s->p >= '0' && *s->p <= '9' && !take_num(s, 2, mi))
			goto bad;
	} else if (*s->p == ':') {
		s->p++;
		if (!take_num(s, 2, mi))
			goto bad;
		if (*s->p == ':' && (s->p++, !take_num(s, 2, &sec)))
			goto bad;
	} else {
		goto bad;
	}
	if (*h > 23 || *mi > 59 || sec != 0)
		goto bad;
	skip_spaces(s);
	return true;
bad:
	s->p = save;
	return false;
}

static const char *const weekdays[7] = {
	"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
	"samedi",
};

static int
fail(char *why, size_t whylen, int code, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return code;
}

#define FORMS "écrivez par exemple 20/12/2026 14h, 20/12 14h30, mardi " \
	"14h, demain 10h ou 2026-12-20 14:00"

/* Writes local (wall-clock seconds) at offset off as RFC 3339. */
static void
format_rfc3339(int64_t local, int32_t off, char *out, size_t outlen)
{
	int64_t days = local / DAY - (local % DAY < 0), y;
	int64_t sod = local - days * DAY;
	int m, d;
	int32_t a = off < 0 ? -off : off;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, outlen, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    (long long)y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
	    (int)(sod % 60), off < 0 ? '-' : '+', (int)(a / 3600),
	    (int)(a / 60 % 60));
}

static int
check_range(int64_t t, int64_t now, int flags, char *why, size_t whylen)
{
	if (flags & GS_FRDATE_NO_RANGE)
		return 0;
	if (t < now - DAY && !(flags & GS_FRDATE_ALLOW_PAST))
		return fail(why, whylen, GS_FRDATE_PAST, "cette date est passée "
		    "de plus d'un jour : vérifiez le jour et l'année, ou "
		    "ajoutez --allow-past si c'est voulu");
	if (t > now + (int64_t)FAR_DAYS * DAY && !(flags & GS_FRDATE_ALLOW_FAR))
		return fail(why, whylen, GS_FRDATE_FAR, "cette date est à plus "
		    "de deux ans : vérifiez l'année, ou ajoutez --allow-far si "
		    "c'est voulu");
	return 0;
}

int
gs_frdate_parse(const char *text, const char *tz, int64_t now, int flags,
    char *out, size_t outlen, char *why, size_t whylen)
{
	struct gs_instant inst;
	struct scan s;
	char folded[128];
	int64_t today, day = 0, y = 0, local, t;
	int32_t off;
	int ret = GS_FRDATE_BAD, m = 0, d = 0, h = 0, mi = 0, wd = -1, rel = -1;
	bool has_time = false, has_year = false;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (text == NULL || strlen(text) >= sizeof(folded)) {
		ret = fail(why, whylen, GS_FRDATE_BAD, "date non reconnue : "
		    FORMS);
		goto out;
	}
	/* RFC 3339 is for scripts, which mean what they write: as is,
	 * without the range check meant for typing slips. */
	if (gs_instant_parse(text, &inst) == 0) {
		snprintf(out, outlen, "%s", text);
		ret = 0;
		goto out;
	}
	if (gs_recur_offset(tz, now, &off) != 0) {
		ret = fail(why, whylen, GS_FRDATE_ZONE, "fuseau horaire inconnu "
		    "ou illisible (voyez [site] timezone)");
		goto out;
	}
	today = (now + off) / DAY;
	gs_fold(text, folded, sizeof(folded));
	s.p = folded;
	skip_spaces(&s);
	(void)take_word(&s, "le");
	if (take_word(&s, "aujourd'hui"))
		rel = 0;
	else if (take_word(&s, "demain"))
		rel = 1;
	else if (take_word(&s, "apres-demain"))
		rel = 2;
	for (int i = 0; rel < 0 && wd < 0 && i < 7; i++)
		if (take_word(&s, weekdays[i]))
			wd = i;
	if (rel < 0 && wd < 0) {
		int a, b, c;
		const char *save = s.p;
		if (take_num(&s, 4, &a) && *s.p == '-' && a >= 1000) {
			s.p++;
			if (!take_num(&s, 2, &b) || *s.p != '-' ||
			    (s.p++, !take_num(&s, 2, &c)))
				goto bad;
			y = a;
			m = b;
			d = c;
			has_year = true;
		} else {
			s.p = save;
			if (!take_num(&s, 2, &a) || !take_char(&s, '/') ||
			    !take_num(&s, 2, &b))
				goto bad;
			d = a;
			m = b;
			if (take_char(&s, '/')) {
				if (!take_num(&s, 4, &c) || c < 1000)
					goto bad;
				y = c;
				has_year = true;
			}
		}
		if (*s.p == 't' && s.p[1] >= '0' && s.p[1] <= '9')
			s.p++;          /* 2026-12-20T14:00 */
		skip_spaces(&s);
		if (m < 1 || m > 12 || d < 1)
			goto bad;
		if (!has_year) {
			int64_t cy;
			int cm, cd;
			civil_from_days(today, &cy, &cm, &cd);
			y = cy;
			if (d <= month_days(y, m) &&
			    days_from_civil(y, m, d) < today - 1)
				y++;
		}
		if (d > month_days(y, m)) {
			ret = fail(why, whylen, GS_FRDATE_BAD, "ce jour n'existe "
			    "pas dans ce mois");
			goto out;
		}
		day = days_from_civil(y, m, d);
	}
	(void)take_word(&s, "a");       /* "à 14h", folded */
	if (*s.p != '\0') {
		if (!take_time(&s, &h, &mi))
			goto bad;
		has_time = true;
	}
	if (*s.p != '\0')
		goto bad;
	if (rel >= 0) {
		day = today + rel;
	} else if (wd >= 0) {
		day = today + (wd - weekday(today) + 7) % 7;
		/* today's weekday: today if the hour is to come, else next week */
		if (day == today && has_time &&
		    day * DAY + h * 3600 + mi * 60 <= now + off)
			day += 7;
	}
	if (has_time)
		local = day * DAY + h * 3600 + mi * 60;
	else
		local = day * DAY + ((flags & GS_FRDATE_END_OF_DAY) ?
		    DAY - 1 : 0);
	if (gs_recur_instant(tz, local, &t) != 0) {
		ret = fail(why, whylen, GS_FRDATE_BAD, "cette heure n'existe pas "
		    "ce jour-là (passage à l'heure d'été) : choisissez une "
		    "heure plus tard");
		goto out;
	}
	ret = check_range(t, now, flags, why, whylen);
	if (ret == 0)
		format_rfc3339(local, (int32_t)(local - t), out, outlen);
	goto out;
bad:
	ret = fail(why, whylen, GS_FRDATE_BAD, "date non reconnue : " FORMS);
out:
	return ret;
}

void
gs_frdate_duration(int64_t ms, char *out, size_t outlen)
{
	static const struct {
		int64_t s;
		const char *one, *many;
	} units[] = {
		{ 86400, "jour", "jours" },
		{ 3600, "heure", "heures" },
		{ 60, "minute", "minutes" },
	};
	int64_t s = (ms < 0 ? -ms : ms) / 1000, n;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		/* 23 h 40 is "1 jour": within 2.5 % of a unit counts as one */
		if (s * 40 < units[i].s * 39)
			continue;
		n = (s + units[i].s / 2) / units[i].s;
		snprintf(out, outlen, "%lld %s", (long long)n,
		    n > 1 ? units[i].many : units[i].one);
		return;
	}
	snprintf(out, outlen, "moins d'une minute");
}

void
gs_frdate_clock(const char *tz, int64_t t, int64_t now, char *out,
    size_t outlen)
{
	static const char *const months[] = { "janvier", "février", "mars",
	    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
	    "novembre", "décembre" };
	int32_t off = 0, noff = 0;
	struct tm lt, ln;
	time_t a, b;

	if (tz == NULL || gs_frdate_offset(tz, t, &off) != 0 ||
	    gs_frdate_offset(tz, now, &noff) != 0)
		off = noff = 0;
	a = (time_t)(t + off);
	b = (time_t)(now + noff);
	gmtime_r(&a, &lt);
	gmtime_r(&b, &ln);
	if (lt.tm_year == ln.tm_year && lt.tm_yday == ln.tm_yday)
		snprintf(out, outlen, "%02d:%02d", lt.tm_hour, lt.tm_min);
	else if (lt.tm_year == ln.tm_year)
		snprintf(out, outlen, "le %d%s %s à %02d:%02d", lt.tm_mday,
		    lt.tm_mday == 1 ? "er" : "", months[lt.tm_mon], lt.tm_hour,
		    lt.tm_min);
	else
		snprintf(out, outlen, "le %d%s %s %d à %02d:%02d", lt.tm_mday,
		    lt.tm_mday == 1 ? "er" : "", months[lt.tm_mon],
		    lt.tm_year + 1900, lt.tm_hour, lt.tm_min);
}
