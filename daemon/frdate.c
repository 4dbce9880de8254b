/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * frdate.c: French dates typed by people, read in an IANA time zone (see
 * frdate.h). Two halves: a small TZif reader (the zone's transitions,
 * then the POSIX rule of the file's footer for later years), which gives
 * the offset of a zone at an instant without touching TZ; and the parser
 * of the forms people type, which works in local wall-clock seconds and
 * converts once at the end, refusing an hour skipped by the spring
 * change and taking the first of an hour repeated in autumn.
 */
#include "frdate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "textfmt.h"

#define ZONEINFO "/usr/share/zoneinfo/"
#define TZIF_MAX (1 << 20)
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

/* ---- the zone: TZif transitions and the POSIX footer rule ----------- */

/* A rule of the POSIX TZ string: when DST starts or ends in a year. */
struct tz_rule {
	char kind;              /* 'M' (month.week.day), 'J' (1-365), 'n' */
	int m, w, d;            /* M: month, week 1-5 (5: last), weekday */
	int n;                  /* J and n: the day number */
	int32_t time;           /* local seconds after midnight */
};

struct tz_posix {
	bool ok;
	int32_t std, dst;       /* offsets east of UTC, in seconds */
	bool has_dst;
	struct tz_rule start, end;
};

struct zone {
	int64_t *times;         /* transitions, ascending */
	uint8_t *idx;           /* type after each transition */
	size_t ntimes;
	int32_t *utoff;         /* offset of each type */
	size_t ntypes;
	struct tz_posix footer;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses "[+-]hh[:mm[:ss]]" at *s into seconds; advances *s. */
static bool
posix_time(const char **s, int32_t *out, int maxh)
{
	const char *p = *s;
	int sign = 1, part[3] = { 0, 0, 0 }, n = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (n = 0; n < 3; n++) {
		int v = 0, digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 3) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0)
			return false;
		part[n] = v;
		if (*p != ':')
			break;
		p++;
	}
	if (part[0] > maxh || part[1] > 59 || part[2] > 59)
		return false;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*s = p;
	return true;
}

/* Skips a zone abbreviation ("CET" or "<+03>"); false if none. */
static bool
posix_name(const char **s)
{
	const char *p = *s;

	if (*p == '<') {
		p = strchr(p, '>');
		if (p == NULL)
			return false;
		*s = p + 1;
		return true;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	if (p - *s < 3)
		return false;
	*s = p;
	return true;
}

static bool
posix_rule(const char **s, struct tz_rule *r)
{
	const char *p = *s;
	char *end;

	r->time = 2 * 3600;
	if (*p == 'M') {
		r->kind = 'M';
		r->m = (int)strtol(p + 1, &end, 10);
		if (*end != '.')
			return false;
		r->w = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return false;
		r->d = (int)strtol(end + 1, &end, 10);
		if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d < 0 ||
		    r->d > 6)
			return false;
	} else if (*p == 'J' || (*p >= '0' && *p <= '9')) {
		r->kind = *p == 'J' ? 'J' : 'n';
		r->n = (int)strtol(p + (*p == 'J'), &end, 10);
		if (r->n < (r->kind == 'J') || r->n > 365)
			return false;
	} else {
		return false;
	}
	p = end;
	if (*p == '/') {
		p++;
		if (!posix_time(&p, &r->time, 167))
			return false;
	}
	*s = p;
	return true;
}

/* Parses the footer "CET-1CEST,M3.5.0,M10.5.0/3" (offsets are west). */
static void
posix_parse(const char *s, struct tz_posix *tz)
{
	int32_t off;

	memset(tz, 0, sizeof(*tz));
	if (!posix_name(&s) || !posix_time(&s, &off, 24))
		return;
	tz->std = -off;
	if (*s == '\0') {
		tz->ok = true;
		return;
	}
	if (!posix_name(&s))
		return;
	tz->dst = tz->std + 3600;
	if (*s != ',' && *s != '\0') {
		if (!posix_time(&s, &off, 24))
			return;
		tz->dst = -off;
	}
	if (*s != ',' || (s++, !posix_rule(&s, &tz->start)) || *s != ',' ||
	    (s++, !posix_rule(&s, &tz->end)) || *s != '\0')
		return;
	tz->has_dst = true;
	tz->ok = true;
}

/* The day (days since the epoch) a rule falls on in year y. */
static int64_t
rule_day(const struct tz_rule *r, int64_t y)
{
	int64_t first;
	int day;

	if (r->kind == 'J')     /* 1..365, February 29 never counted */
		return days_from_civil(y, 1, 1) + r->n - 1 +
		    (leap(y) && r->n >= 60);
	if (r->kind == 'n')
		return days_from_civil(y, 1, 1) + r->n;
	first = days_from_civil(y, r->m, 1);
	day = 1 + (r->d - weekday(first) + 7) % 7 + (r->w - 1) * 7;
	while (day > month_days(y, r->m))
		day -= 7;
	return first + day - 1;
}

static int32_t
posix_offset(const struct tz_posix *tz, int64_t t)
{
	int64_t y, start, end;
	int m, d;

	if (!tz->has_dst)
		return tz->std;
	civil_from_days((t + tz->std) / DAY - ((t + tz->std) % DAY < 0), &y,
	    &m, &d);
	start = rule_day(&tz->start, y) * DAY + tz->start.time - tz->std;
	end = rule_day(&tz->end, y) * DAY + tz->end.time - tz->dst;
	if (start < end)
		return t >= start && t < end ? tz->dst : tz->std;
	return t >= end && t < start ? tz->std : tz->dst;
}

static void
zone_free(struct zone *z)
{
	free(z->times);
	free(z->idx);
	free(z->utoff);
	memset(z, 0, sizeof(*z));
}

/* 1 if name is a plausible zone name: no "..", no leading '/'. */
static bool
zone_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '/' ||
	    strstr(name, "..") != NULL || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			return false;
	return true;
}

/* Reads the zone's TZif file. 0 or -1. */
static int
zone_load(const char *name, struct zone *z)
{
	char path[128];
	unsigned char *buf = NULL;
	const unsigned char *p, *end;
	uint32_t cnt[6];
	size_t len, tsize = 4, data;
	FILE *fp = NULL;
	int ret = -1, pass;

	memset(z, 0, sizeof(*z));
	if (!zone_name_ok(name))
		goto out;
	snprintf(path, sizeof(path), ZONEINFO "%s", name);
	fp = fopen(path, "rb");
	buf = malloc(TZIF_MAX);
	if (fp == NULL || buf == NULL)
		goto out;
	len = fread(buf, 1, TZIF_MAX, fp);
	p = buf;
	end = buf + len;
	for (pass = 0; pass < 2; pass++) {
		if (end - p < 44 || memcmp(p, "TZif", 4) != 0)
			goto out;
		for (int i = 0; i < 6; i++)
			cnt[i] = be32(p + 20 + 4 * i);
		/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
		if (cnt[3] > 10000 || cnt[4] == 0 || cnt[4] > 256 ||
		    cnt[2] > 10000 || cnt[5] > 10000)
			goto out;
		data = cnt[3] * tsize + cnt[3] + cnt[4] * 6 + cnt[5] +
		    cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
		if ((size_t)(end - p - 44) < data)
			goto out;
		if (pass == 0 && p[4] >= '2') {
			p += 44 + data;         /* the 64-bit block follows */
			tsize = 8;
			continue;
		}
		break;
	}
	p += 44;
	z->ntimes = cnt[3];
	z->ntypes = cnt[4];
	z->times = calloc(z->ntimes + 1, sizeof(*z->times));
	z->idx = calloc(z->ntimes + 1, 1);
	z->utoff = calloc(z->ntypes, sizeof(*z->utoff));
	if (z->times == NULL || z->idx == NULL || z->utoff == NULL)
		goto out;
	for (size_t i = 0; i < z->ntimes; i++, p += tsize)
		z->times[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
	for (size_t i = 0; i < z->ntimes; i++, p++) {
		if (*p >= z->ntypes)
			goto out;
		z->idx[i] = *p;
	}
	for (size_t i = 0; i < z->ntypes; i++, p += 6)
		z->utoff[i] = (int32_t)be32(p);
	p += cnt[5] + cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
	if (tsize == 8 && p < end && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n',
		    (size_t)(end - p - 1));
		char footer[128];
		if (nl != NULL && (size_t)(nl - p - 1) < sizeof(footer)) {
			memcpy(footer, p + 1, (size_t)(nl - p - 1));
			footer[nl - p - 1] = '\0';
			posix_parse(footer, &z->footer);
		}
	}
	ret = 0;
out:
	if (ret != 0)
		zone_free(z);
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return ret;
}

static int32_t
zone_offset(const struct zone *z, int64_t t)
{
	size_t lo = 0, hi = z->ntimes;

	if (z->ntimes == 0 || t < z->times[0])
		return z->footer.ok && z->ntimes == 0 ?
		    posix_offset(&z->footer, t) : z->utoff[0];
	if (t >= z->times[z->ntimes - 1] && z->footer.ok)
		return posix_offset(&z->footer, t);
	while (hi - lo > 1) {           /* times[lo] <= t < times[hi] */
		size_t mid = lo + (hi - lo) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->utoff[z->idx[lo]];
}

/*
 * The instant of the local wall-clock time local (seconds, as if UTC):
 * the first one when the hour is repeated, -1 when the change of hour
 * skips it.
 */
static int
zone_local(const struct zone *z, int64_t local, int64_t *t)
{
	int32_t oa = zone_offset(z, local - DAY), ob = zone_offset(z, local +
	    DAY);
	int64_t ta = local - oa, tb = local - ob;
	bool va = ta + zone_offset(z, ta) == local;
	bool vb = tb + zone_offset(z, tb) == local;

	if (va && vb)
		*t = ta < tb ? ta : tb;
	else if (va || vb)
		*t = va ? ta : tb;
	else
		return -1;
	return 0;
}

int
gs_frdate_offset(const char *tz, int64_t t, int32_t *off)
{
	struct zone z;

	if (zone_load(tz, &z) != 0)
		return GS_FRDATE_ZONE;
	*off = zone_offset(&z, t);
	zone_free(&z);
	return 0;
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
	struct zone z;
	struct gs_instant inst;
	struct scan s;
	char folded[128];
	int64_t today, day = 0, y = 0, local, t;
	int ret = GS_FRDATE_BAD, m = 0, d = 0, h = 0, mi = 0, wd = -1, rel = -1;
	bool has_time = false, has_year = false;

	memset(&z, 0, sizeof(z));
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
	if (zone_load(tz, &z) != 0) {
		ret = fail(why, whylen, GS_FRDATE_ZONE, "fuseau horaire inconnu "
		    "ou illisible (voyez [site] timezone)");
		goto out;
	}
	today = (now + zone_offset(&z, now)) / DAY;
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
		    day * DAY + h * 3600 + mi * 60 <= now + zone_offset(&z, now))
			day += 7;
	}
	if (has_time)
		local = day * DAY + h * 3600 + mi * 60;
	else
		local = day * DAY + ((flags & GS_FRDATE_END_OF_DAY) ?
		    DAY - 1 : 0);
	if (zone_local(&z, local, &t) != 0) {
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
	zone_free(&z);
	return ret;
}
