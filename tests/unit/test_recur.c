/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_recur.c: recurring events (daemon/recur.c, and their rows in
 * schema.c and view.c). The French shorthand table maps to the RRULEs
 * expected, case- and accent-insensitively; bad rules, zones and per-date
 * names are refused with a French reason; a weekly series spanning the
 * last Sundays of March and October 2026 stays at 14:00 in Paris while
 * its UTC instant moves by an hour; UNTIL and COUNT end a series; and on
 * the fixture's site, a date's own values and cancellation show on that
 * date only, in the list and in the occurrence view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "err.h"
#include "recur.h"
#include "replica.h"
#include "schema.h"
#include "view.h"

#include "fixture.h"

static void
test_shorthand(void **state)
{
	static const char *const table[][2] = {
		{ "chaque jour", "FREQ=DAILY" },
		{ "Tous les jours", "FREQ=DAILY" },
		{ "chaque semaine", "FREQ=WEEKLY" },
		{ "toutes les semaines", "FREQ=WEEKLY" },
		{ "tous les mois", "FREQ=MONTHLY" },
		{ "chaque lundi", "FREQ=WEEKLY;BYDAY=MO" },
		{ "chaque mardi", "FREQ=WEEKLY;BYDAY=TU" },
		{ "CHAQUE MERCREDI", "FREQ=WEEKLY;BYDAY=WE" },
		{ "  chaque   jeudi ", "FREQ=WEEKLY;BYDAY=TH" },
		{ "chaque vendredi", "FREQ=WEEKLY;BYDAY=FR" },
		{ "chaque samedi", "FREQ=WEEKLY;BYDAY=SA" },
		{ "chaque dimanche", "FREQ=WEEKLY;BYDAY=SU" },
		{ "tous les mardis", "FREQ=WEEKLY;BYDAY=TU" },
		{ "un mardi sur deux", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" },
		{ "Un Vendredi sur deux", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR" },
		{ "le premier jeudi du mois", "FREQ=MONTHLY;BYDAY=1TH" },
		{ "le deuxième mardi du mois", "FREQ=MONTHLY;BYDAY=2TU" },
		{ "le DEUXIEME mardi du mois", "FREQ=MONTHLY;BYDAY=2TU" },
		{ "le troisième samedi du mois", "FREQ=MONTHLY;BYDAY=3SA" },
		{ "le quatrième lundi du mois", "FREQ=MONTHLY;BYDAY=4MO" },
		{ "le dernier vendredi du mois", "FREQ=MONTHLY;BYDAY=-1FR" },
		{ "LE DERNIER DIMANCHE DU MOIS", "FREQ=MONTHLY;BYDAY=-1SU" },
	};
	static const char *const bad[] = {
		"", "chaque", "chaque heure", "chaque mardy", "un mardi sur trois",
		"le cinquième jeudi du mois", "le premier jeudi", "tous les ans",
		"chaque mardi soir", "chaque ŕ",
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(gs_recur_shorthand(table[i][0], out,
		    sizeof(out)), 0);
		assert_string_equal(out, table[i][1]);
		/* every rule the table gives is one the schema accepts */
		assert_null(gs_recur_check(out));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gs_recur_shorthand(bad[i], out, sizeof(out)),
		    GS_EINVAL);
	/* and back into words, with the end */
	assert_int_equal(gs_recur_describe("FREQ=WEEKLY;BYDAY=TU", NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "chaque mardi");
	assert_int_equal(gs_recur_describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;"
	    "COUNT=10", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "un vendredi sur deux, 10 fois");
	assert_int_equal(gs_recur_describe("FREQ=MONTHLY;BYDAY=-1SU;"
	    "UNTIL=20270630T215959Z", "Europe/Paris", out, sizeof(out)), 0);
	assert_string_equal(out, "le dernier dimanche du mois, jusqu'au 30 "
	    "juin 2027");
	assert_int_equal(gs_recur_describe("FREQ=DAILY", NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "chaque jour");
	assert_int_equal(gs_recur_describe("FREQ=WEEKLY;BYDAY=TU,TH", NULL, out,
	    sizeof(out)), GS_EINVAL);
	assert_int_equal(gs_recur_describe("FREQ=YEARLY", NULL, out,
	    sizeof(out)), GS_EINVAL);
	/* too small an output is refused, not cut */
	assert_int_equal(gs_recur_shorthand("chaque mardi", out, 8), GS_EINVAL);
}

static void
test_refusals(void **state)
{
	struct gs_verr err;
	const char *why;

	(void)state;
	assert_null(gs_recur_check("FREQ=WEEKLY;BYDAY=TU"));
	assert_null(gs_recur_check("FREQ=MONTHLY;BYDAY=-1TH;COUNT=3"));
	assert_null(gs_recur_check("FREQ=WEEKLY;UNTIL=20270630T220000Z"));
	why = gs_recur_check("chaque mardi");
	assert_non_null(why);
	assert_non_null(strstr(why, "illisible"));
	assert_non_null(gs_recur_check("FREQ=WEEKLY;BYDAY=XX"));
	assert_non_null(gs_recur_check("FREQ=WEEKLY;FOO=1"));
	assert_non_null(gs_recur_check(""));
	why = gs_recur_check("FREQ=HOURLY");
	assert_non_null(why);
	assert_non_null(strstr(why, "DAILY"));
	assert_non_null(gs_recur_check("FREQ=MINUTELY;COUNT=3"));
	assert_non_null(gs_recur_check("FREQ=DAILY;BYHOUR=10,14"));
	/* an UNTIL that is no date (found by fuzz_recur: describe read
	 * months_fr[12] and months_fr[-1]): refused by every reader */
	{
		static const char *const bad_until[] = {
		    "FREQ=WEEKLY;UNTIL=20261301",
		    "FREQ=WEEKLY;UNTIL=20260001",
		    "FREQ=WEEKLY;UNTIL=20260230",
		    "FREQ=WEEKLY;UNTIL=20260100",
		    "FREQ=WEEKLY;UNTIL=20261301T000000Z",
		    "FREQ=WEEKLY;UNTIL=20260101T250000Z",
		    "FREQ=WEEKLY;UNTIL=20260101T006100Z",
		};
		char fr[200];
		for (size_t i = 0; i < sizeof(bad_until) /
		    sizeof(bad_until[0]); i++) {
			why = gs_recur_check(bad_until[i]);
			assert_non_null(why);
			assert_non_null(strstr(why, "UNTIL"));
			assert_int_equal(gs_recur_describe(bad_until[i],
			    "Europe/Paris", fr, sizeof(fr)), GS_EINVAL);
			assert_false(gs_recur_bounded(bad_until[i]));
		}
		assert_null(gs_recur_check("FREQ=WEEKLY;UNTIL=20280229"));
		assert_int_equal(gs_recur_describe("FREQ=WEEKLY;UNTIL=20261231",
		    "Europe/Paris", fr, sizeof(fr)), 0);
		assert_string_equal(fr, "chaque semaine, jusqu'au 31 décembre "
		    "2026");
	}
	assert_true(gs_recur_bounded("FREQ=WEEKLY;COUNT=3"));
	assert_true(gs_recur_bounded("FREQ=WEEKLY;UNTIL=20270101T000000Z"));
	assert_false(gs_recur_bounded("FREQ=WEEKLY"));

	assert_null(gs_recur_zone_check("Europe/Paris"));
	assert_null(gs_recur_zone_check("America/Cayenne"));
	assert_non_null(gs_recur_zone_check("Europe/Pariss"));
	assert_non_null(gs_recur_zone_check(""));

	assert_true(gs_recur_date_valid("2028-02-29", NULL, NULL, NULL));
	assert_false(gs_recur_date_valid("2027-02-29", NULL, NULL, NULL));
	assert_false(gs_recur_date_valid("2026-13-01", NULL, NULL, NULL));
	assert_false(gs_recur_date_valid("2026-1-01", NULL, NULL, NULL));

	/* the schema's rows */
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT, "rrule",
	    "FREQ=WEEKLY;BYDAY=TU", &err), 0);
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT, "rrule",
	    "FREQ=HOURLY", &err), GS_EINVAL);
	assert_string_equal(err.field, "rrule");
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT, "timezone",
	    "Mars/Olympus", &err), GS_EINVAL);
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "place@2026-12-22", "Gare Part-Dieu", &err), 0);
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "cancelled@2026-12-22", "yes", &err), 0);
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "cancelled@2026-12-22", "peut-être", &err), GS_EINVAL);
	assert_string_equal(err.field, "cancelled@2026-12-22");
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "capacity@2026-12-22", "huit", &err), GS_EINVAL);
	/* title is required, but a date's title may be cleared */
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "title@2026-12-22", "", &err), 0);
	/* not overridable, no such date, no such field */
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "kind@2026-12-22", "outing", &err), GS_EINVAL);
	assert_non_null(strstr(err.rule, "place"));
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "place@2026-02-30", "x", &err), GS_EINVAL);
	assert_int_equal(gs_item_check_field(GS_TYPE_EVENT,
	    "nom@2026-12-22", "x", &err), GS_EINVAL);
	assert_int_equal(gs_item_check_field(GS_TYPE_RESOURCE,
	    "town@2026-12-22", "Lyon", &err), GS_EINVAL);
}

static void
test_state_rule(void **state)
{
	struct gs_fields f;
	struct gs_verr err;

	(void)state;
	gs_fields_init(&f);
	fx_set(&f, "title", "Atelier écriture");
	fx_set(&f, "kind", "workshop");
	fx_set(&f, "start", "2026-12-01T14:00:00+01:00");
	fx_set(&f, "place@2026-12-08", "Salle B");
	/* a date's value needs a series */
	assert_int_equal(gs_item_check_state(GS_TYPE_EVENT, &f, &err),
	    GS_EINVAL);
	assert_string_equal(err.field, "place@2026-12-08");
	fx_set(&f, "rrule", "FREQ=WEEKLY;BYDAY=TU");
	/* a series needs its zone */
	assert_int_equal(gs_item_check_state(GS_TYPE_EVENT, &f, &err),
	    GS_EINVAL);
	assert_string_equal(err.field, "timezone");
	fx_set(&f, "timezone", "Europe/Paris");
	assert_int_equal(gs_item_check_state(GS_TYPE_EVENT, &f, &err), 0);
	gs_fields_clear(&f);
}

struct collect {
	struct gs_occurrence v[64];
	size_t n;
};

static int
on_occ(const struct gs_occurrence *o, void *arg)
{
	struct collect *c = arg;

	if (c->n == 64)
		return 1;
	c->v[c->n++] = *o;
	return 0;
}

static int64_t
ms(const char *rfc3339)
{
	int64_t v = 0;

	assert_int_equal(gs_time_parse(rfc3339, &v), 0);
	return v;
}

static void
test_dst(void **state)
{
	struct gs_series *s = NULL;
	struct collect c = { .n = 0 };
	struct gs_occurrence o;
	const char *why = NULL;
	int64_t day = 86400000;

	(void)state;
	/* 35 Sundays from 15 March to 8 November 2026: both changes inside */
	assert_int_equal(gs_series_new("FREQ=WEEKLY;BYDAY=SU;COUNT=35",
	    "Europe/Paris", "2026-03-15T14:00:00+01:00",
	    "2026-03-15T16:30:00+01:00", &s, &why), 0);
	assert_true(gs_series_bounded(s));
	assert_int_equal(gs_series_expand(s, ms("2026-01-01T00:00:00Z"),
	    ms("2027-01-01T00:00:00Z"), on_occ, &c), 0);
	assert_int_equal(c.n, 35);
	for (size_t i = 0; i < c.n; i++) {
		/* always 14:00 local */
		assert_non_null(strstr(c.v[i].start, "T14:00:00+0"));
		assert_non_null(strstr(c.v[i].end, "T16:30:00+0"));
		assert_int_equal(c.v[i].end_ms - c.v[i].start_ms,
		    150 * 60 * 1000);
	}
	assert_string_equal(c.v[0].date, "2026-03-15");
	assert_string_equal(c.v[0].start, "2026-03-15T14:00:00+01:00");
	assert_int_equal(c.v[0].start_ms, ms("2026-03-15T13:00:00Z"));
	assert_string_equal(c.v[1].start, "2026-03-22T14:00:00+01:00");
	/* 29 March, the last Sunday of March: summer time from 2:00 */
	assert_string_equal(c.v[2].date, "2026-03-29");
	assert_string_equal(c.v[2].start, "2026-03-29T14:00:00+02:00");
	assert_int_equal(c.v[2].start_ms, ms("2026-03-29T12:00:00Z"));
	/* a week that holds the change is an hour short */
	assert_int_equal(c.v[2].start_ms - c.v[1].start_ms,
	    7 * day - 3600000);
	/* 25 October, the last Sunday of October: back to winter time */
	assert_string_equal(c.v[32].date, "2026-10-25");
	assert_string_equal(c.v[31].start, "2026-10-18T14:00:00+02:00");
	assert_string_equal(c.v[32].start, "2026-10-25T14:00:00+01:00");
	assert_int_equal(c.v[32].start_ms, ms("2026-10-25T13:00:00Z"));
	assert_int_equal(c.v[32].start_ms - c.v[31].start_ms,
	    7 * day + 3600000);
	assert_string_equal(c.v[34].date, "2026-11-08");

	/* the window cuts, and a date is found or not */
	c.n = 0;
	assert_int_equal(gs_series_expand(s, ms("2026-03-28T00:00:00Z"),
	    ms("2026-04-05T23:00:00Z"), on_occ, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].date, "2026-03-29");
	assert_string_equal(c.v[1].date, "2026-04-05");
	assert_int_equal(gs_series_find(s, "2026-10-25", &o), 0);
	assert_string_equal(o.start, "2026-10-25T14:00:00+01:00");
	assert_int_equal(gs_series_find(s, "2026-10-26", &o), GS_ENOTFOUND);
	assert_int_equal(gs_series_find(s, "2026-11-22", &o), GS_ENOTFOUND);
	assert_int_equal(gs_series_find(s, "hier", &o), GS_EINVAL);
	gs_series_destroy(&s);
	assert_null(s);

	/* UNTIL: the end of 30 June in Paris, a late-evening event kept */
	assert_int_equal(gs_series_new("FREQ=WEEKLY;UNTIL=20270630T215959Z",
	    "Europe/Paris", "2027-06-02T23:30:00+02:00", NULL, &s, &why), 0);
	c.n = 0;
	gs_series_expand(s, ms("2027-01-01T00:00:00Z"),
	    ms("2028-01-01T00:00:00Z"), on_occ, &c);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.v[4].date, "2027-06-30");
	assert_string_equal(c.v[4].end, "");
	gs_series_destroy(&s);

	/* an endless series is cut at the bound */
	assert_int_equal(gs_series_new("FREQ=DAILY", "Europe/Paris",
	    "2026-01-01T10:00:00+01:00", NULL, &s, &why), 0);
	assert_false(gs_series_bounded(s));
	gs_series_destroy(&s);
	assert_int_equal(gs_series_new("FREQ=SECONDLY", "Europe/Paris",
	    "2026-01-01T10:00:00+01:00", NULL, &s, &why), GS_EINVAL);
	assert_non_null(why);
	assert_null(s);
}

static void
test_cache(void **state)
{
	struct gs_recur_cache *cache = gs_recur_cache_new(100);
	struct collect a = { .n = 0 }, b = { .n = 0 };
	size_t held, hits;
	int bounded = -1;

	(void)state;
	assert_non_null(cache);
	/* one expansion kept, served again for a window in the same days */
	assert_int_equal(gs_recur_expand(cache, "FREQ=WEEKLY;BYDAY=TU",
	    "Europe/Paris", "2026-12-01T14:00:00+01:00", NULL,
	    ms("2026-12-01T00:00:00Z"), ms("2027-01-31T00:00:00Z"), &bounded,
	    on_occ, &a, NULL), 0);
	assert_int_equal(bounded, 0);
	assert_int_equal(a.n, 9);
	assert_int_equal(gs_recur_expand(cache, "FREQ=WEEKLY;BYDAY=TU",
	    "Europe/Paris", "2026-12-01T14:00:00+01:00", NULL,
	    ms("2026-12-01T09:30:00Z"), ms("2027-01-31T10:00:00Z"), &bounded,
	    on_occ, &b, NULL), 0);
	gs_recur_cache_stats(cache, &held, &hits);
	assert_int_equal(hits, 1);
	assert_int_equal(b.n, 9);
	assert_memory_equal(a.v, b.v, 9 * sizeof(a.v[0]));
	/* the window is cut again for the caller: 1 December 14:00 is out */
	b.n = 0;
	assert_int_equal(gs_recur_expand(cache, "FREQ=WEEKLY;BYDAY=TU",
	    "Europe/Paris", "2026-12-01T14:00:00+01:00", NULL,
	    ms("2026-12-01T13:00:01Z"), ms("2027-01-31T00:00:00Z"), &bounded,
	    on_occ, &b, NULL), 0);
	assert_int_equal(b.n, 8);
	/* another start is another key */
	b.n = 0;
	assert_int_equal(gs_recur_expand(cache, "FREQ=WEEKLY;BYDAY=TU",
	    "Europe/Paris", "2026-12-01T15:00:00+01:00", NULL,
	    ms("2026-12-01T00:00:00Z"), ms("2027-01-31T00:00:00Z"), &bounded,
	    on_occ, &b, NULL), 0);
	assert_string_equal(b.v[0].start, "2026-12-01T15:00:00+01:00");
	gs_recur_cache_stats(cache, &held, &hits);
	assert_int_equal(hits, 2);
	assert_int_equal(held, 18);
	/* past its bound the cache is emptied, never wrong */
	b.n = 0;
	/* 91 days, and on_occ stops after 64: its value is returned */
	assert_int_equal(gs_recur_expand(cache, "FREQ=DAILY", "Europe/Paris",
	    "2026-12-01T15:00:00+01:00", NULL, ms("2026-12-01T00:00:00Z"),
	    ms("2027-03-01T00:00:00Z"), &bounded, on_occ, &b, NULL), 1);
	gs_recur_cache_stats(cache, &held, &hits);
	assert_int_equal(held, 91);    /* 1 December to 1 March, whole days */
	assert_int_equal(b.n, 64);
	assert_int_equal(gs_recur_expand(cache, "FREQ=HOURLY", "Europe/Paris",
	    "2026-12-01T15:00:00+01:00", NULL, 0, 1, &bounded, on_occ, &b,
	    NULL), GS_EINVAL);
	gs_recur_cache_destroy(&cache);
	assert_null(cache);
}

static void
test_until(void **state)
{
	char u[32], rfc[32], date[11];

	(void)state;
	assert_int_equal(gs_recur_until("2027-06-30", "Europe/Paris", u,
	    sizeof(u)), 0);
	assert_string_equal(u, "20270630T215959Z");
	assert_int_equal(gs_recur_until("2027-01-31", "Europe/Paris", u,
	    sizeof(u)), 0);
	assert_string_equal(u, "20270131T225959Z");
	assert_int_equal(gs_recur_until("2027-02-31", "Europe/Paris", u,
	    sizeof(u)), GS_EINVAL);
	assert_int_equal(gs_recur_local(ms("2026-07-01T12:00:00Z"),
	    "Europe/Paris", rfc, sizeof(rfc), date), 0);
	assert_string_equal(rfc, "2026-07-01T14:00:00+02:00");
	assert_string_equal(date, "2026-07-01");
	assert_int_equal(gs_recur_local(ms("2026-07-01T02:00:00Z"),
	    "America/Cayenne", rfc, sizeof(rfc), date), 0);
	assert_string_equal(rfc, "2026-06-30T23:00:00-03:00");
	assert_string_equal(date, "2026-06-30");
}

/* The occurrence of item on date, parsed; NULL when there is none. */
static json_t *
occurrence(struct fx *f, const uint8_t id[16], const char *date, int *rc)
{
	char *text = NULL;
	json_t *o;

	*rc = gs_view_occurrence_text(f->r, gs_replica_item(f->r, id), date,
	    &text);
	if (*rc != 0)
		return NULL;
	o = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(o);
	return o;
}

static const char *
field(const json_t *item, const char *name)
{
	return json_string_value(json_object_get(json_object_get(item,
	    "fields"), name));
}

static void
test_overrides(void **state)
{
	struct fx *f = *state;
	struct gs_list_filter flt;
	struct gs_verr err;
	json_t *o, *doc, *items, *row;
	uint8_t id[16];
	char *text = NULL;
	size_t i;
	int rc;

	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, id,
	    "title", "Atelier écriture", "kind", "workshop",
	    "start", "2026-12-01T14:00:00+01:00",
	    "end", "2026-12-01T16:00:00+01:00", "place", "Salle A",
	    "capacity", "12", "rrule", "FREQ=WEEKLY;BYDAY=TU;COUNT=6",
	    "timezone", "Europe/Paris", NULL), 0);
	assert_int_equal(fx_write(f, gs_replica_item(f->r, id), GS_TYPE_EVENT,
	    NULL, "cancelled@2026-12-22", "yes",
	    "place@2026-12-15", "Gare Part-Dieu", "capacity@2026-12-15", "8",
	    "start@2026-12-29", "2026-12-29T10:00:00+01:00", NULL), 0);
	/* a date's value on a one-off event is refused */
	{
		uint8_t one[16];
		assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, one,
		    "title", "Sortie", "kind", "outing",
		    "start", "2026-12-05T10:00:00+01:00", NULL), 0);
		assert_int_equal(fx_write(f, gs_replica_item(f->r, one),
		    GS_TYPE_EVENT, NULL, "place@2026-12-05", "Gare", NULL),
		    GS_EINVAL);
	}

	o = occurrence(f, id, "2026-12-15", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(json_string_value(json_object_get(o, "date")),
	    "2026-12-15");
	assert_true(json_is_true(json_object_get(o, "series")));
	assert_string_equal(field(o, "place"), "Gare Part-Dieu");
	assert_string_equal(field(o, "capacity"), "8");
	assert_string_equal(field(o, "start"), "2026-12-15T14:00:00+01:00");
	assert_string_equal(field(o, "end"), "2026-12-15T16:00:00+01:00");
	assert_null(field(o, "cancelled"));
	assert_null(field(o, "place@2026-12-15"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o,
	    "seats"), "capacity")), 8);
	json_decref(o);

	o = occurrence(f, id, "2026-12-22", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(field(o, "cancelled"), "yes");
	assert_string_equal(field(o, "place"), "Salle A");
	json_decref(o);
	o = occurrence(f, id, "2026-12-08", &rc);
	assert_null(field(o, "cancelled"));
	assert_string_equal(field(o, "place"), "Salle A");
	json_decref(o);
	o = occurrence(f, id, "2026-12-23", &rc);
	assert_int_equal(rc, GS_ENOTFOUND);
	assert_null(o);

	/* the list: six dates, in order of their start, the moved one too */
	memset(&flt, 0, sizeof(flt));
	flt.has_from = true;
	flt.from_ms = ms("2026-11-30T00:00:00Z");
	flt.has_to = true;
	flt.to_ms = ms("2027-01-31T00:00:00Z");
	assert_int_equal(gs_view_list(f->r, GS_TYPE_EVENT, &flt, &text, &err),
	    0);
	doc = json_loads(text, 0, NULL);
	free(text);
	items = json_object_get(doc, "items");
	assert_int_equal(json_array_size(items), 7);
	{
		static const char *const want[][3] = {
			{ "2026-12-01", "Salle A", NULL },
			{ NULL, NULL, NULL },     /* the one-off outing */
			{ "2026-12-08", "Salle A", NULL },
			{ "2026-12-15", "Gare Part-Dieu", NULL },
			{ "2026-12-22", "Salle A", "yes" },
			{ "2026-12-29", "Salle A", NULL },
			{ "2027-01-05", "Salle A", NULL },
		};
		json_array_foreach(items, i, row) {
			const char *date = json_string_value(json_object_get(row,
			    "date"));
			if (want[i][0] == NULL) {
				assert_null(date);
				assert_null(json_object_get(row, "series"));
				continue;
			}
			assert_string_equal(date, want[i][0]);
			assert_string_equal(field(row, "place"), want[i][1]);
			if (want[i][2] == NULL)
				assert_null(field(row, "cancelled"));
			else
				assert_string_equal(field(row, "cancelled"),
				    want[i][2]);
		}
		assert_string_equal(field(json_array_get(items, 5), "start"),
		    "2026-12-29T10:00:00+01:00");
	}
	json_decref(doc);

	/* an endless series refuses a window longer than two years */
	assert_int_equal(fx_write(f, gs_replica_item(f->r, id), GS_TYPE_EVENT,
	    NULL, "rrule", "FREQ=WEEKLY;BYDAY=TU", NULL), 0);
	flt.to_ms = ms("2029-01-31T00:00:00Z");
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_view_list(f->r, GS_TYPE_EVENT, &flt, &text, &err),
	    GS_EINVAL);
	assert_null(text);
	assert_string_equal(err.field, "to");
	flt.has_to = false;
	assert_int_equal(gs_view_list(f->r, GS_TYPE_EVENT, &flt, &text, &err),
	    0);
	doc = json_loads(text, 0, NULL);
	free(text);
	/* a year of Tuesdays from 1 December, and the outing */
	assert_int_equal(json_array_size(json_object_get(doc, "items")),
	    52 + 1);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shorthand),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_state_rule),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_until),
		FX_TEST(test_overrides),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
