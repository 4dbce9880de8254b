/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * recur.c: RFC 5545 rules and time zones through libical (the only file
 * that includes it), the French shorthand table, and the expansion of a
 * series into occurrences at a fixed local wall time.
 *
 * libical's iterator works on wall-clock fields: it is given the first
 * start as local time in the series' zone, and each time it returns is
 * converted to UTC with that zone. Its results are marked UTC whatever
 * the start's zone, so an UNTIL (a UTC instant) is handed to it as local
 * wall time too, and every occurrence is checked against the true UNTIL
 * again here.
 */
#include "recur.h"

#include <libical/ical.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "textfmt.h"

/* Steps of libical's iterator one expansion may take at most. */
#define ITER_MAX 50000

struct gs_series {
	struct icalrecurrencetype rule;   /* UNTIL as local wall time */
	icaltimezone *zone;               /* lent from libical's cache */
	icaltimetype dtstart;             /* local wall time of the start */
	bool has_end;
	int end_days;                     /* end's local date - start's */
	int end_h, end_m, end_s;          /* end's local wall time */
	bool has_until;
	int64_t until_ms;                 /* the rule's UNTIL, UTC */
	bool bounded;
};

/* libical reports errors through icalerrno; it must never abort. */
static void
quiet(void)
{
	icalerror_set_errors_are_fatal(0);
	icalerror_clear_errno();
}

/* ---- dates ---- */

static int
days_in_month(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : n[m - 1];
}

int
gs_recur_date_valid(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if (s == NULL || strlen(s) != GS_RECUR_DATE_LEN || s[4] != '-' ||
	    s[7] != '-')
		return 0;
	for (int i = 0; i < GS_RECUR_DATE_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	yy = atoi(s);
	mm = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (yy < 1970 || mm < 1 || mm > 12 || dd < 1 ||
	    dd > days_in_month(yy, mm))
		return 0;
	if (y != NULL)
		*y = yy;
	if (m != NULL)
		*m = mm;
	if (d != NULL)
		*d = dd;
	return 1;
}

/* ---- rules and zones ---- */

/* The rule as libical reads it, UNTIL not checked. 0 or GS_EINVAL. */
static int
parse_rule_syntax(const char *rrule, struct icalrecurrencetype *out)
{
	quiet();
	if (rrule == NULL || rrule[0] == '\0' ||
	    strlen(rrule) > GS_RECUR_RULE_MAX)
		return GS_EINVAL;
	*out = icalrecurrencetype_from_string(rrule);
	if (icalerrno != ICAL_NO_ERROR || out->freq == ICAL_NO_RECURRENCE) {
		icalerror_clear_errno();
		return GS_EINVAL;
	}
	return 0;
}

/*
 * true when the rule's UNTIL is absent or a date (and time) that exists.
 * libical takes "UNTIL=20261301" or "UNTIL=2021340T000000Z" without an
 * error and hands back month 13 or 34: every reader of a rule must see
 * it refused, or the month indexes a table out of its bounds.
 */
static bool
until_valid(const struct icalrecurrencetype *r)
{
	icaltimetype u = r->until;

	if (icaltime_is_null_time(u))
		return true;
	if (u.year < 1 || u.year > 9999 || u.month < 1 || u.month > 12 ||
	    u.day < 1 || u.day > days_in_month(u.year, u.month))
		return false;
	if (!u.is_date && (u.hour < 0 || u.hour > 23 || u.minute < 0 ||
	    u.minute > 59 || u.second < 0 || u.second > 59))
		return false;
	return true;
}

/* The rule, refused when libical cannot read it or its UNTIL is no date. */
static int
parse_rule(const char *rrule, struct icalrecurrencetype *out)
{
	if (parse_rule_syntax(rrule, out) != 0 || !until_valid(out))
		return GS_EINVAL;
	return 0;
}

const char *
gs_recur_check(const char *rrule)
{
	struct icalrecurrencetype r;

	if (rrule != NULL && strlen(rrule) > GS_RECUR_RULE_MAX)
		return "règle trop longue (300 caractères au plus)";
	if (parse_rule_syntax(rrule, &r) != 0)
		return "règle de répétition illisible : écrivez une règle "
		    "RFC 5545 comme FREQ=WEEKLY;BYDAY=TU, ou utilisez --repeat "
		    "« chaque mardi »";
	if (!until_valid(&r))
		return "la fin UNTIL n'est pas une date qui existe : écrivez "
		    "UNTIL=AAAAMMJJ ou UNTIL=AAAAMMJJTHHMMSSZ (par exemple "
		    "UNTIL=20270630T215959Z), ou utilisez --until";
	if (r.freq == ICAL_SECONDLY_RECURRENCE ||
	    r.freq == ICAL_MINUTELY_RECURRENCE ||
	    r.freq == ICAL_HOURLY_RECURRENCE)
		return "répétition plus fréquente qu'une fois par jour refusée "
		    "(FREQ=HOURLY, MINUTELY, SECONDLY) : choisissez DAILY, "
		    "WEEKLY, MONTHLY ou YEARLY";
	if (r.by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r.by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r.by_second[0] != ICAL_RECURRENCE_ARRAY_MAX)
		return "BYHOUR, BYMINUTE et BYSECOND sont refusés : l'heure "
		    "vient du début de l'événement (--start), retirez-les";
	if (r.count < 0 || r.interval < 1)
		return "COUNT et INTERVAL doivent être des nombres positifs";
	return NULL;
}

static icaltimezone *
zone(const char *tz)
{
	quiet();
	if (tz == NULL || tz[0] == '\0' || strlen(tz) > 64)
		return NULL;
	return icaltimezone_get_builtin_timezone(tz);
}

const char *
gs_recur_zone_check(const char *tz)
{
	if (zone(tz) != NULL)
		return NULL;
	return "fuseau horaire inconnu : donnez un nom IANA comme "
	    "Europe/Paris, America/Cayenne ou Indian/Reunion";
}

int
gs_recur_bounded(const char *rrule)
{
	struct icalrecurrencetype r;

	if (parse_rule(rrule, &r) != 0)
		return 0;
	return r.count > 0 || !icaltime_is_null_time(r.until);
}

/* ---- French shorthand ---- */

/*
 * Lowercase ASCII copy of s with French accents folded (é→e, ç→c...)
 * and runs of spaces made one, trimmed. 0, or -1 when it does not fit
 * or holds another non-ASCII letter.
 */
static int
fold(const char *s, char *out, size_t outlen)
{
	static const struct {
		const char *utf8;
		char ascii;
	} acc[] = {
		{ "à", 'a' }, { "â", 'a' }, { "ä", 'a' }, { "À", 'a' },
		{ "Â", 'a' }, { "é", 'e' }, { "è", 'e' }, { "ê", 'e' },
		{ "ë", 'e' }, { "É", 'e' }, { "È", 'e' }, { "Ê", 'e' },
		{ "î", 'i' }, { "ï", 'i' }, { "Î", 'i' }, { "ô", 'o' },
		{ "ö", 'o' }, { "Ô", 'o' }, { "ù", 'u' }, { "û", 'u' },
		{ "ü", 'u' }, { "Û", 'u' }, { "ç", 'c' }, { "Ç", 'c' },
	};
	size_t n = 0;
	bool space = true;      /* drop leading spaces */

	while (*s != '\0') {
		char c = *s;
		if ((unsigned char)c >= 0x80) {
			size_t i;
			for (i = 0; i < sizeof(acc) / sizeof(acc[0]); i++)
				if (strncmp(s, acc[i].utf8,
				    strlen(acc[i].utf8)) == 0)
					break;
			if (i == sizeof(acc) / sizeof(acc[0]))
				return -1;
			c = acc[i].ascii;
			s += strlen(acc[i].utf8);
		} else {
			s++;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c == '\t' || c == '\'' || c == '-')
				c = ' ';
		}
		if (c == ' ' && space)
			continue;
		space = c == ' ';
		if (n + 1 >= outlen)
			return -1;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return 0;
}

static const char *const weekdays[][2] = {
	{ "lundi", "MO" }, { "mardi", "TU" }, { "mercredi", "WE" },
	{ "jeudi", "TH" }, { "vendredi", "FR" }, { "samedi", "SA" },
	{ "dimanche", "SU" },
};
#define NWEEKDAYS (sizeof(weekdays) / sizeof(weekdays[0]))

/* The RFC 5545 code of the French weekday w ("mardi" or "mardis"). */
static const char *
weekday_code(const char *w, size_t len)
{
	for (size_t i = 0; i < NWEEKDAYS; i++) {
		size_t n = strlen(weekdays[i][0]);
		if ((len == n || (len == n + 1 && w[n] == 's')) &&
		    strncmp(w, weekdays[i][0], n) == 0)
			return weekdays[i][1];
	}
	return NULL;
}

/* The phrases whose words are fixed, and their rules. */
static const char *const fixed[][2] = {
	{ "chaque jour", "FREQ=DAILY" },
	{ "tous les jours", "FREQ=DAILY" },
	{ "chaque semaine", "FREQ=WEEKLY" },
	{ "toutes les semaines", "FREQ=WEEKLY" },
	{ "tous les mois", "FREQ=MONTHLY" },
	{ "chaque mois", "FREQ=MONTHLY" },
};

static const char *const ordinals[][2] = {
	{ "premier", "1" }, { "1er", "1" }, { "deuxieme", "2" },
	{ "second", "2" }, { "2e", "2" }, { "troisieme", "3" }, { "3e", "3" },
	{ "quatrieme", "4" }, { "4e", "4" }, { "dernier", "-1" },
};

/* 1 when s starts with prefix; *rest then points after it. */
static int
starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return 0;
	*rest = s + n;
	return 1;
}

int
gs_recur_shorthand(const char *text, char *out, size_t outlen)
{
	char f[96];
	const char *rest, *code, *sp;
	int n = -1;

	if (text == NULL || fold(text, f, sizeof(f)) != 0)
		return GS_EINVAL;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(f, fixed[i][0]) == 0)
			n = snprintf(out, outlen, "%s", fixed[i][1]);
	/* chaque mardi, tous les mardis */
	if (n < 0 && (starts(f, "chaque ", &rest) ||
	    starts(f, "tous les ", &rest)) &&
	    (code = weekday_code(rest, strlen(rest))) != NULL)
		n = snprintf(out, outlen, "FREQ=WEEKLY;BYDAY=%s", code);
	/* un mardi sur deux */
	if (n < 0 && starts(f, "un ", &rest) &&
	    (sp = strchr(rest, ' ')) != NULL &&
	    strcmp(sp, " sur deux") == 0 &&
	    (code = weekday_code(rest, (size_t)(sp - rest))) != NULL)
		n = snprintf(out, outlen, "FREQ=WEEKLY;INTERVAL=2;BYDAY=%s",
		    code);
	/* le premier jeudi du mois */
	if (n < 0 && starts(f, "le ", &rest)) {
		for (size_t i = 0; n < 0 &&
		    i < sizeof(ordinals) / sizeof(ordinals[0]); i++) {
			const char *w;
			if (!starts(rest, ordinals[i][0], &w) || *w != ' ')
				continue;
			w++;
			sp = strchr(w, ' ');
			if (sp == NULL || strcmp(sp, " du mois") != 0)
				continue;
			code = weekday_code(w, (size_t)(sp - w));
			if (code != NULL)
				n = snprintf(out, outlen,
				    "FREQ=MONTHLY;BYDAY=%s%s", ordinals[i][1],
				    code);
		}
	}
	if (n < 0 || (size_t)n >= outlen)
		return GS_EINVAL;
	return 0;
}

static const char *const months_fr[] = { "janvier", "février", "mars",
    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre" };

/* French name of libical's weekday (1 Sunday .. 7 Saturday), or NULL. */
static const char *
weekday_fr(int ical_day)
{
	static const int to_table[] = { 6, 0, 1, 2, 3, 4, 5 };

	if (ical_day < 1 || ical_day > 7)
		return NULL;
	return weekdays[to_table[ical_day - 1]][0];
}

int
gs_recur_describe(const char *rrule, const char *tz, char *out,
    size_t outlen)
{
	static const char *const nth[] = { NULL, "premier", "deuxième",
	    "troisième", "quatrième" };
	struct icalrecurrencetype r;
	short d0, d1;
	int pos = 0, n;
	const char *day = NULL;

	if (parse_rule(rrule, &r) != 0)
		return GS_EINVAL;
	d0 = r.by_day[0];
	d1 = r.by_day[1];
	/* only BYDAY, and at most one day, may be set */
	if (r.by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r.by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r.by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r.by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    r.by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    (d0 != ICAL_RECURRENCE_ARRAY_MAX && d1 != ICAL_RECURRENCE_ARRAY_MAX))
		return GS_EINVAL;
	if (d0 != ICAL_RECURRENCE_ARRAY_MAX) {
		day = weekday_fr(icalrecurrencetype_day_day_of_week(d0));
		pos = icalrecurrencetype_day_position(d0);
	}
	if (r.freq == ICAL_DAILY_RECURRENCE && r.interval == 1 && day == NULL)
		n = snprintf(out, outlen, "chaque jour");
	else if (r.freq == ICAL_WEEKLY_RECURRENCE && r.interval == 1 &&
	    day == NULL)
		n = snprintf(out, outlen, "chaque semaine");
	else if (r.freq == ICAL_WEEKLY_RECURRENCE && r.interval <= 2 &&
	    day != NULL && pos == 0)
		n = snprintf(out, outlen, r.interval == 1 ? "chaque %s" :
		    "un %s sur deux", day);
	else if (r.freq == ICAL_MONTHLY_RECURRENCE && r.interval == 1 &&
	    day == NULL)
		n = snprintf(out, outlen, "tous les mois");
	else if (r.freq == ICAL_MONTHLY_RECURRENCE && r.interval == 1 &&
	    day != NULL && (pos == -1 || (pos >= 1 && pos <= 4)))
		n = snprintf(out, outlen, "le %s %s du mois",
		    pos == -1 ? "dernier" : nth[pos], day);
	else
		return GS_EINVAL;
	if (n < 0 || (size_t)n >= outlen)
		return GS_EINVAL;
	if (r.count > 0) {
		n += snprintf(out + n, outlen - (size_t)n, ", %d fois", r.count);
	} else if (!icaltime_is_null_time(r.until)) {
		icaltimezone *z = zone(tz);
		icaltimetype u = r.until;
		if (z != NULL && !u.is_date && icaltime_is_utc(u))
			u = icaltime_convert_to_zone(u, z);
		if (u.month < 1 || u.month > 12)
			return GS_EINVAL;   /* parse_rule checked it: never */
		n += snprintf(out + n, outlen - (size_t)n, ", jusqu'au %d%s %s %d",
		    u.day, u.day == 1 ? "er" : "", months_fr[u.month - 1], u.year);
	}
	return (size_t)n < outlen ? 0 : GS_EINVAL;
}

/* ---- instants in a zone ---- */

/* The local wall time of instant ms in z. */
static icaltimetype
to_local(int64_t ms, icaltimezone *z)
{
	int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);

	return icaltime_from_timet_with_zone((time_t)sec, 0, z);
}

/* t (wall time in z) as UTC ms, with RFC 3339 text and local date. */
static int64_t
from_local(icaltimetype t, icaltimezone *z, char *rfc, size_t rfclen,
    char *date)
{
	int dst = 0, off;
	time_t sec;
	char sign;

	t.zone = NULL;
	t.is_date = 0;
	sec = icaltime_as_timet_with_zone(t, z);
	/* the offset in force at that instant, not at the wall time asked:
	 * a wall time the spring change skips is moved forward */
	t = icaltime_from_timet_with_zone(sec, 0, z);
	off = icaltimezone_get_utc_offset(z, &t, &dst);
	sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	if (rfc != NULL)
		snprintf(rfc, rfclen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		    t.year, t.month, t.day, t.hour, t.minute, t.second, sign,
		    off / 3600, off / 60 % 60);
	if (date != NULL)
		snprintf(date, GS_RECUR_DATE_LEN + 1, "%04d-%02d-%02d", t.year,
		    t.month, t.day);
	return (int64_t)sec * 1000;
}

int
gs_recur_local(int64_t ms, const char *tz, char *out, size_t outlen,
    char *date)
{
	icaltimezone *z = zone(tz);

	if (z == NULL)
		return GS_EINVAL;
	from_local(to_local(ms, z), z, out, outlen, date);
	return 0;
}

/* 1 when name is a plain zone name: libical would follow a path. */
static bool
zone_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '/' ||
	    strstr(name, "..") != NULL)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			return false;
	return true;
}

/* The offset of z at the UTC instant sec, in seconds east of UTC. */
static int32_t
utc_offset(icaltimezone *z, int64_t sec)
{
	icaltimetype u = icaltime_from_timet_with_zone((time_t)sec, 0,
	    icaltimezone_get_utc_timezone());
	int dst = 0;

	return (int32_t)icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
}

int
gs_recur_offset(const char *tz, int64_t t, int32_t *off)
{
	icaltimezone *z = zone_name_ok(tz) ? zone(tz) : NULL;

	if (z == NULL)
		return GS_EINVAL;
	*off = utc_offset(z, t);
	return 0;
}

int
gs_recur_instant(const char *tz, int64_t wall, int64_t *t)
{
	icaltimezone *z = zone_name_ok(tz) ? zone(tz) : NULL;
	int64_t ta, tb;
	bool va, vb;

	if (z == NULL)
		return GS_EINVAL;
	/* not icaltimezone_get_utc_offset(), which takes the second of a
	 * repeated hour: try the offsets in force a day before and a day
	 * after, and keep those that give wall back */
	ta = wall - utc_offset(z, wall - 86400);
	tb = wall - utc_offset(z, wall + 86400);
	va = ta + utc_offset(z, ta) == wall;
	vb = tb + utc_offset(z, tb) == wall;
	if (!va && !vb)
		return GS_ENOTFOUND;
	if (va && vb)
		*t = ta < tb ? ta : tb;
	else
		*t = va ? ta : tb;
	return 0;
}

int
gs_recur_until(const char *date, const char *tz, char *out, size_t outlen)
{
	icaltimezone *z = zone(tz);
	icaltimetype t = icaltime_null_time();
	struct tm tm;
	time_t sec;
	int y, m, d;

	if (z == NULL || !gs_recur_date_valid(date, &y, &m, &d))
		return GS_EINVAL;
	t.year = y;
	t.month = m;
	t.day = d;
	t.hour = 23;
	t.minute = 59;
	t.second = 59;
	sec = icaltime_as_timet_with_zone(t, z);
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(out, outlen, "%Y%m%dT%H%M%SZ", &tm) == 0)
		return GS_EINVAL;
	return 0;
}

/* ---- series ---- */

int
gs_series_new(const char *rrule, const char *tz, const char *start,
    const char *end, struct gs_series **out, const char **why)
{
	struct gs_series *s = NULL;
	icaltimetype e;
	int64_t start_ms, end_ms;
	const char *w = NULL;
	int ret = GS_EINVAL;

	*out = NULL;
	if ((w = gs_recur_check(rrule)) != NULL)
		goto out;
	if ((w = gs_recur_zone_check(tz)) != NULL)
		goto out;
	if (start == NULL || gs_time_parse(start, &start_ms) != 0) {
		w = "début (start) absent ou invalide";
		goto out;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		ret = GS_ENOMEM;
		goto out;
	}
	parse_rule(rrule, &s->rule);
	s->zone = zone(tz);
	s->dtstart = to_local(start_ms, s->zone);
	s->dtstart.zone = NULL;
	s->bounded = s->rule.count > 0 || !icaltime_is_null_time(s->rule.until);
	if (!icaltime_is_null_time(s->rule.until)) {
		icaltimetype u = s->rule.until;
		s->has_until = true;
		if (u.is_date) {
			/* a date UNTIL: up to the end of that local day */
			u.is_date = 0;
			u.hour = 23;
			u.minute = 59;
			u.second = 59;
			s->until_ms = (int64_t)icaltime_as_timet_with_zone(u,
			    s->zone) * 1000;
		} else if (icaltime_is_utc(u)) {
			s->until_ms = (int64_t)icaltime_as_timet_with_zone(u,
			    icaltimezone_get_utc_timezone()) * 1000;
		} else {
			s->until_ms = (int64_t)icaltime_as_timet_with_zone(u,
			    s->zone) * 1000;
		}
		/* libical compares wall times: hand it the local UNTIL */
		s->rule.until = to_local(s->until_ms, s->zone);
		s->rule.until.zone = NULL;
	}
	if (end != NULL && end[0] != '\0' && gs_time_parse(end, &end_ms) == 0) {
		e = to_local(end_ms, s->zone);
		s->has_end = true;
		s->end_days = icaltime_day_of_year(e) - icaltime_day_of_year(
		    s->dtstart);
		for (int y = s->dtstart.year; y < e.year; y++)
			s->end_days += icaltime_days_in_year(y);
		s->end_h = e.hour;
		s->end_m = e.minute;
		s->end_s = e.second;
	}
	*out = s;
	s = NULL;
	ret = 0;
out:
	if (why != NULL)
		*why = w;
	free(s);
	return ret;
}

void
gs_series_destroy(struct gs_series **s)
{
	if (s == NULL || *s == NULL)
		return;
	free(*s);
	*s = NULL;
}

int
gs_series_bounded(const struct gs_series *s)
{
	return s->bounded;
}

/* Fills o from the wall time t the iterator returned. */
static void
occurrence(const struct gs_series *s, icaltimetype t, struct gs_occurrence *o)
{
	icaltimetype e;

	snprintf(o->date, sizeof(o->date), "%04d-%02d-%02d", t.year, t.month,
	    t.day);
	t.hour = s->dtstart.hour;
	t.minute = s->dtstart.minute;
	t.second = s->dtstart.second;
	o->start_ms = from_local(t, s->zone, o->start, sizeof(o->start), NULL);
	o->end_ms = o->start_ms;
	o->end[0] = '\0';
	if (s->has_end) {
		e = t;
		e.hour = s->end_h;
		e.minute = s->end_m;
		e.second = s->end_s;
		icaltime_adjust(&e, s->end_days, 0, 0, 0);
		o->end_ms = from_local(e, s->zone, o->end, sizeof(o->end),
		    NULL);
	}
}

/*
 * Walks the occurrences in order: calls visit on each until it returns
 * non-zero (its value is returned; 1 means "stop, done"), the series
 * ends, or ITER_MAX steps.
 */
static int
walk(const struct gs_series *s, int (*visit)(const struct gs_occurrence *o,
    void *arg), void *arg)
{
	icalrecur_iterator *it;
	struct gs_occurrence o;
	int rc = 0;

	quiet();
	it = icalrecur_iterator_new(s->rule, s->dtstart);
	if (it == NULL)
		return GS_ENOMEM;
	for (int i = 0; i < ITER_MAX; i++) {
		icaltimetype t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t))
			break;
		occurrence(s, t, &o);
		if (s->has_until && o.start_ms > s->until_ms)
			break;
		rc = visit(&o, arg);
		if (rc != 0)
			break;
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	return rc;
}

struct expand_ctx {
	int64_t from_ms, to_ms;
	gs_occurrence_cb cb;
	void *arg;
	int rc;
};

static int
on_expand(const struct gs_occurrence *o, void *arg)
{
	struct expand_ctx *x = arg;

	if (o->start_ms < x->from_ms)
		return 0;
	if (o->start_ms > x->to_ms)
		return 1;
	x->rc = x->cb(o, x->arg);
	return x->rc != 0;
}

int
gs_series_expand(const struct gs_series *s, int64_t from_ms, int64_t to_ms,
    gs_occurrence_cb cb, void *arg)
{
	struct expand_ctx x = { from_ms, to_ms, cb, arg, 0 };
	int64_t cut = from_ms + (int64_t)GS_RECUR_WINDOW_DAYS * 86400000;

	if (x.to_ms > cut)
		x.to_ms = cut;
	walk(s, on_expand, &x);
	return x.rc;
}

struct find_ctx {
	const char *date;
	struct gs_occurrence *out;
	int found;
};

static int
on_find(const struct gs_occurrence *o, void *arg)
{
	struct find_ctx *x = arg;
	int c = strcmp(o->date, x->date);

	if (c < 0)
		return 0;
	if (c == 0) {
		*x->out = *o;
		x->found = 1;
	}
	return 1;
}

int
gs_series_find(const struct gs_series *s, const char *date,
    struct gs_occurrence *out)
{
	struct find_ctx x = { date, out, 0 };

	if (!gs_recur_date_valid(date, NULL, NULL, NULL))
		return GS_EINVAL;
	walk(s, on_find, &x);
	return x.found ? 0 : GS_ENOTFOUND;
}

/* ---- the cache of expansions ---- */

#define CACHE_BUCKETS 1024
#define DAY_MS 86400000ll

struct cache_entry {
	struct cache_entry *next;        /* in its bucket */
	char *key;                       /* rule, zone, start, end, window */
	int bounded;
	size_t n;
	struct gs_occurrence *v;
};

struct gs_recur_cache {
	struct cache_entry *buckets[CACHE_BUCKETS];
	size_t held, max, hits;
};

struct gs_recur_cache *
gs_recur_cache_new(size_t max)
{
	struct gs_recur_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->max = max;
	return c;
}

static void
cache_clear(struct gs_recur_cache *c)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		while (c->buckets[i] != NULL) {
			struct cache_entry *e = c->buckets[i];
			c->buckets[i] = e->next;
			free(e->key);
			free(e->v);
			free(e);
		}
	}
	c->held = 0;
}

void
gs_recur_cache_destroy(struct gs_recur_cache **c)
{
	if (c == NULL || *c == NULL)
		return;
	cache_clear(*c);
	free(*c);
	*c = NULL;
}

void
gs_recur_cache_stats(const struct gs_recur_cache *c, size_t *held,
    size_t *hits)
{
	*held = c->held;
	*hits = c->hits;
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Occurrences gathered by one expansion, before they are kept. */
struct gather {
	struct gs_occurrence *v;
	size_t n, cap;
};

static int
on_gather(const struct gs_occurrence *o, void *arg)
{
	struct gather *g = arg;

	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 64;
		struct gs_occurrence *nv = realloc(g->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return GS_ENOMEM;
		g->v = nv;
		g->cap = ncap;
	}
	g->v[g->n++] = *o;
	return 0;
}

int
gs_recur_expand(struct gs_recur_cache *cache, const char *rrule,
    const char *tz, const char *start, const char *end, int64_t from_ms,
    int64_t to_ms, int *bounded, gs_occurrence_cb cb, void *arg,
    const char **why)
{
	struct gs_series *s = NULL;
	struct cache_entry *e = NULL, **slot = NULL;
	struct gather g = { NULL, 0, 0 };
	int64_t day_from, day_to;
	char *key = NULL;
	int ret = GS_ENOMEM, rc;

	if (why != NULL)
		*why = NULL;
	/* whole days: a list "from now" asks again with another instant */
	day_from = from_ms - ((from_ms % DAY_MS) + DAY_MS) % DAY_MS;
	day_to = to_ms - ((to_ms % DAY_MS) + DAY_MS) % DAY_MS + DAY_MS - 1;
	if (cache != NULL) {
		if (asprintf(&key, "%s|%s|%s|%s|%lld|%lld", rrule ? rrule : "",
		    tz ? tz : "", start ? start : "", end ? end : "",
		    (long long)day_from, (long long)day_to) < 0) {
			key = NULL;
			goto out;
		}
		slot = &cache->buckets[fnv1a(key) % CACHE_BUCKETS];
		for (e = *slot; e != NULL; e = e->next)
			if (strcmp(e->key, key) == 0)
				break;
	}
	if (e == NULL) {
		ret = gs_series_new(rrule, tz, start, end, &s, why);
		if (ret != 0)
			goto out;
		ret = GS_ENOMEM;
		if (gs_series_expand(s, day_from, day_to, on_gather, &g) != 0)
			goto out;
		if (cache != NULL && g.n <= cache->max) {
			if (cache->held + g.n > cache->max)
				cache_clear(cache);
			if ((e = calloc(1, sizeof(*e))) == NULL)
				goto out;
			e->key = key;
			key = NULL;
			e->bounded = gs_series_bounded(s);
			e->n = g.n;
			e->v = g.v;
			g.v = NULL;
			e->next = *slot;
			*slot = e;
			cache->held += e->n;
		}
	} else {
		cache->hits++;
	}
	*bounded = e != NULL ? e->bounded : gs_series_bounded(s);
	ret = 0;
	for (size_t i = 0; i < (e != NULL ? e->n : g.n); i++) {
		const struct gs_occurrence *o = e != NULL ? &e->v[i] : &g.v[i];
		if (o->start_ms < from_ms || o->start_ms > to_ms)
			continue;
		rc = cb(o, arg);
		if (rc != 0) {
			ret = rc;
			break;
		}
	}
out:
	gs_series_destroy(&s);
	free(g.v);
	free(key);
	return ret;
}
