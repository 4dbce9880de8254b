/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_frdate.c: the French date parser (frdate.h) over a table of
 * accepted and refused inputs, at a fixed "now" (Monday 30 November 2026,
 * 10:00 in Paris): relative days and weekdays, dates with and without a
 * year, the two daylight-saving changes (a skipped hour refused, a
 * repeated hour taken the first time), a year past the zone file's last
 * transition (its POSIX rule), other zones, the past and far checks and
 * their flags.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frdate.h"

#define NOW 1796029200          /* 2026-11-30T09:00:00Z, a Monday */
#define PARIS "Europe/Paris"

static const struct {
	const char *in;
	int flags;
	const char *out;
} accepted[] = {
	{ "2026-12-20 14:00", 0, "2026-12-20T14:00:00+01:00" },
	{ "2026-12-20T14:00", 0, "2026-12-20T14:00:00+01:00" },
	{ "20/12/2026 14h", 0, "2026-12-20T14:00:00+01:00" },
	{ "20/12/2026 14:00", 0, "2026-12-20T14:00:00+01:00" },
	{ "  20 / 12 / 2026   14 h  ", 0, "2026-12-20T14:00:00+01:00" },
	{ "20/12 14h30", 0, "2026-12-20T14:30:00+01:00" },
	{ "le 20/12 à 14 h", 0, "2026-12-20T14:00:00+01:00" },
	{ "mardi 14h", 0, "2026-12-01T14:00:00+01:00" },
	{ "MARDI 14H", 0, "2026-12-01T14:00:00+01:00" },
	{ "mardi midi", 0, "2026-12-01T12:00:00+01:00" },
	{ "Lundi 14h", 0, "2026-11-30T14:00:00+01:00" },   /* still to come */
	{ "lundi 9h", 0, "2026-12-07T09:00:00+01:00" },    /* gone: next week */
	{ "dimanche 10h", 0, "2026-12-06T10:00:00+01:00" },
	{ "demain 10h", 0, "2026-12-01T10:00:00+01:00" },
	{ "aujourd'hui 18h", 0, "2026-11-30T18:00:00+01:00" },
	{ "aujourd’hui 18h", 0, "2026-11-30T18:00:00+01:00" },
	{ "Après-demain 9 h 15", 0, "2026-12-02T09:15:00+01:00" },
	{ "demain", 0, "2026-12-01T00:00:00+01:00" },
	{ "20/12/2026", 0, "2026-12-20T00:00:00+01:00" },
	{ "20/12/2026", GS_FRDATE_END_OF_DAY, "2026-12-20T23:59:59+01:00" },
	{ "5/1 9h", 0, "2027-01-05T09:00:00+01:00" },      /* next January */
	{ "29/11 14h", 0, "2026-11-29T14:00:00+01:00" },   /* yesterday */
	{ "01/11 14h", 0, "2027-11-01T14:00:00+01:00" },   /* gone: next year */
	{ "29/02/2028 10h", 0, "2028-02-29T10:00:00+01:00" },
	{ "15/06/2027 14h", 0, "2027-06-15T14:00:00+02:00" },  /* summer */
	{ "28/03/2027 1h30", 0, "2027-03-28T01:30:00+01:00" },
	{ "28/03/2027 3h", 0, "2027-03-28T03:00:00+02:00" },
	{ "31/10/2027 2h30", 0, "2027-10-31T02:30:00+02:00" },  /* first */
	{ "31/10/2027 3h", 0, "2027-10-31T03:00:00+01:00" },
	{ "2026-12-20T14:00:00+01:00", 0, "2026-12-20T14:00:00+01:00" },
	{ "2026-12-20T13:00:00Z", 0, "2026-12-20T13:00:00Z" },
	/* RFC 3339 is the scripts' form: no range check */
	{ "2030-12-20T14:00:00+01:00", 0, "2030-12-20T14:00:00+01:00" },
	{ "2020-01-01T10:00:00+01:00", 0, "2020-01-01T10:00:00+01:00" },
	{ "01/07/2040 12h", GS_FRDATE_ALLOW_FAR, "2040-07-01T12:00:00+02:00" },
	{ "01/01/2040 12h", GS_FRDATE_ALLOW_FAR, "2040-01-01T12:00:00+01:00" },
	{ "01/01/2020", GS_FRDATE_NO_RANGE, "2020-01-01T00:00:00+01:00" },
	{ "20/12/2025 14h", GS_FRDATE_ALLOW_PAST,
	  "2025-12-20T14:00:00+01:00" },
};

static const struct {
	const char *in;
	int flags;
	int code;
} refused[] = {
	{ "20/12/2062 14h", 0, GS_FRDATE_FAR },        /* a year typo */
	{ "20/12/2029 14h", 0, GS_FRDATE_FAR },
	{ "20/12/2025 14h", 0, GS_FRDATE_PAST },
	{ "20/12/2025 14h", GS_FRDATE_ALLOW_FAR, GS_FRDATE_PAST },
	{ "28/03/2027 2h30", 0, GS_FRDATE_BAD },       /* skipped hour */
	{ "31/02/2027", 0, GS_FRDATE_BAD },
	{ "29/02/2027 10h", 0, GS_FRDATE_BAD },
	{ "32/12 14h", 0, GS_FRDATE_BAD },
	{ "20/13 14h", 0, GS_FRDATE_BAD },
	{ "0/12 14h", 0, GS_FRDATE_BAD },
	{ "20/12/26 14h", 0, GS_FRDATE_BAD },          /* two-digit year */
	{ "mardii 14h", 0, GS_FRDATE_BAD },
	{ "14h", 0, GS_FRDATE_BAD },
	{ "demain 14", 0, GS_FRDATE_BAD },
	{ "demain 25h", 0, GS_FRDATE_BAD },
	{ "demain 14h61", 0, GS_FRDATE_BAD },
	{ "demain 14h 30h", 0, GS_FRDATE_BAD },
	{ "20-12-2026 14h", 0, GS_FRDATE_BAD },
	{ "2026-12-20 14:00 x", 0, GS_FRDATE_BAD },
	{ "2026-12-20 14:00:30", 0, GS_FRDATE_BAD },
	{ "", 0, GS_FRDATE_BAD },
	{ "n'importe quoi", 0, GS_FRDATE_BAD },
};

static void
test_accepted(void **state)
{
	char out[64], why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		out[0] = '\0';
		int rc = gs_frdate_parse(accepted[i].in, PARIS, NOW,
		    accepted[i].flags, out, sizeof(out), why, sizeof(why));
		if (rc != 0 || strcmp(out, accepted[i].out) != 0)
			print_error("« %s » -> %d %s (%s)\n", accepted[i].in, rc,
			    out, why);
		assert_int_equal(rc, 0);
		assert_string_equal(out, accepted[i].out);
	}
}

static void
test_refused(void **state)
{
	char out[64], why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int rc = gs_frdate_parse(refused[i].in, PARIS, NOW,
		    refused[i].flags, out, sizeof(out), why, sizeof(why));
		if (rc != refused[i].code)
			print_error("« %s » -> %d, not %d\n", refused[i].in, rc,
			    refused[i].code);
		assert_int_equal(rc, refused[i].code);
		assert_true(strlen(why) > 10);
	}
	/* the caller echoes the input, sanitized: not the parser */
	gs_frdate_parse("n'importe quoi", PARIS, NOW, 0, out, sizeof(out),
	    why, sizeof(why));
	assert_null(strstr(why, "importe"));
	gs_frdate_parse("20/12/2062 14h", PARIS, NOW, 0, out, sizeof(out),
	    why, sizeof(why));
	assert_non_null(strstr(why, "--allow-far"));
	gs_frdate_parse("20/12/2025 14h", PARIS, NOW, 0, out, sizeof(out),
	    why, sizeof(why));
	assert_non_null(strstr(why, "--allow-past"));
}

/* Other zones, and zone names that are no zone. */
static void
test_zones(void **state)
{
	char out[64], why[200];
	int32_t off = 0;

	(void)state;
	assert_int_equal(gs_frdate_parse("20/12/2026 14h", "America/New_York",
	    NOW, 0, out, sizeof(out), why, sizeof(why)), 0);
	assert_string_equal(out, "2026-12-20T14:00:00-05:00");
	assert_int_equal(gs_frdate_parse("20/12/2026 14h", "Asia/Kolkata",
	    NOW, 0, out, sizeof(out), why, sizeof(why)), 0);
	assert_string_equal(out, "2026-12-20T14:00:00+05:30");
	assert_int_equal(gs_frdate_parse("20/12/2026 14h", "UTC", NOW, 0, out,
	    sizeof(out), why, sizeof(why)), 0);
	assert_string_equal(out, "2026-12-20T14:00:00+00:00");
	assert_int_equal(gs_frdate_parse("20/12/2026 14h",
	    "America/Sao_Paulo", NOW, 0, out, sizeof(out), why, sizeof(why)),
	    0);
	assert_string_equal(out, "2026-12-20T14:00:00-03:00");
	assert_int_equal(gs_frdate_parse("20/12 14h", "Nowhere/City", NOW, 0,
	    out, sizeof(out), why, sizeof(why)), GS_FRDATE_ZONE);
	assert_int_equal(gs_frdate_parse("20/12 14h", "../../etc/passwd", NOW,
	    0, out, sizeof(out), why, sizeof(why)), GS_FRDATE_ZONE);
	assert_int_equal(gs_frdate_parse("20/12 14h", "", NOW, 0, out,
	    sizeof(out), why, sizeof(why)), GS_FRDATE_ZONE);
	/* the offset itself, both sides of the summer change, and far on */
	assert_int_equal(gs_frdate_offset(PARIS, 1806193200, &off), 0);
	assert_int_equal(off, 3600);             /* 2027-03-28T00:20Z */
	assert_int_equal(gs_frdate_offset(PARIS, 1806196800, &off), 0);
	assert_int_equal(off, 7200);             /* 2027-03-28T01:20Z */
	assert_int_equal(gs_frdate_offset(PARIS, 2224749600, &off), 0);
	assert_int_equal(off, 7200);             /* 2040-07-01 */
	assert_int_equal(gs_frdate_offset("Nowhere/City", NOW, &off),
	    GS_FRDATE_ZONE);
}

/* Durations in words, rounded to their largest unit. */
static void
test_duration(void **state)
{
	static const struct {
		int64_t ms;
		const char *out;
	} cases[] = {
		{ 0, "moins d'une minute" },
		{ 50000, "moins d'une minute" },
		{ 59999, "1 minute" },
		{ 60000, "1 minute" },
		{ -5 * 60000 - 20000, "5 minutes" },
		{ 57 * 60000, "57 minutes" },
		{ 59 * 60000, "1 heure" },          /* within 2.5 % of an hour */
		{ 3 * 3600000 + 20 * 60000, "3 heures" },
		{ 86400000 + 1234, "1 jour" },
		{ -86400000, "1 jour" },
		{ 23 * 3600000, "23 heures" },
		{ 23 * 3600000 + 40 * 60000, "1 jour" },
		{ 8 * 86400000LL - 3600000, "8 jours" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gs_frdate_duration(cases[i].ms, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

/* A wall clock in the site's zone: the time alone today, else the date. */
static void
test_clock(void **state)
{
	char out[48];

	(void)state;
	gs_frdate_clock(PARIS, NOW + 5 * 3600 + 32 * 60, NOW, out,
	    sizeof(out));
	assert_string_equal(out, "15:32");
	gs_frdate_clock(PARIS, NOW - 86400, NOW, out, sizeof(out));
	assert_string_equal(out, "le 29 novembre à 10:00");
	gs_frdate_clock(PARIS, NOW + 86400, NOW, out, sizeof(out));
	assert_string_equal(out, "le 1er décembre à 10:00");
	gs_frdate_clock(PARIS, NOW - 200 * 86400, NOW, out, sizeof(out));
	assert_string_equal(out, "le 14 mai à 11:00");     /* summer time */
	gs_frdate_clock(PARIS, NOW - 400 * 86400, NOW, out, sizeof(out));
	assert_string_equal(out, "le 26 octobre 2025 à 10:00");
	/* 23:30 in Paris is the same day there, though not in UTC */
	gs_frdate_clock(PARIS, NOW + 13 * 3600 + 1800 + 3600, NOW, out,
	    sizeof(out));
	assert_string_equal(out, "le 1er décembre à 00:30");
	gs_frdate_clock(PARIS, NOW + 13 * 3600 + 1800, NOW, out, sizeof(out));
	assert_string_equal(out, "23:30");
	gs_frdate_clock("Nowhere/Atlantis", NOW, NOW, out, sizeof(out));
	assert_string_equal(out, "09:00");                  /* UTC */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
