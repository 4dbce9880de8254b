/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_ics.c: the calendar feed. First ics.c alone (every property of a
 * VEVENT written, then read back with libical's own parser: escaping and
 * folding included); then export.ics through gs_control_handle() on a
 * throw-away site: a weekly series with a cancelled date (EXDATE) and a
 * moved place (a RECURRENCE-ID VEVENT), a cancelled one-off event
 * (STATUS:CANCELLED), a members-only event left out unless asked for,
 * and UIDs that stay the same from one export to the next.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>
#include <libical/ical.h>

#include "config.h"
#include "control.h"
#include "control.pb-c.h"
#include "crypto.h"
#include "daemon.h"
#include "err.h"
#include "ics.h"
#include "log.h"
#include "replica.h"

/* ---- ics.c alone ---- */

static icalcomponent *
parse(const char *text)
{
	icalcomponent *c = icalparser_parse_string(text);

	assert_non_null(c);
	assert_int_equal(icalcomponent_isa(c), ICAL_VCALENDAR_COMPONENT);
	return c;
}

/* The local wall time and TZID of a date-time property. */
static void
assert_local(icalproperty *p, const char *tz, const char *wall)
{
	icalparameter *z;
	struct icaltimetype t;
	char buf[32];

	assert_non_null(p);
	z = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	assert_non_null(z);
	assert_string_equal(icalparameter_get_tzid(z), tz);
	t = icalvalue_get_datetime(icalproperty_get_value(p));
	snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02d", t.year,
	    t.month, t.day, t.hour, t.minute, t.second);
	assert_string_equal(buf, wall);
}

static int64_t
ms_of(const char *rfc3339)
{
	struct tm tm;
	int off_h = 0, off_m = 0;
	char sign = '+';

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(rfc3339, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec, &sign, &off_h, &off_m), 9);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((int64_t)timegm(&tm) - (sign == '-' ? -1 : 1) *
	    (off_h * 3600 + off_m * 60)) * 1000;
}

static void
test_ics_every_property(void **state)
{
	static const char title[] = "Sortie au musée, « Beaux-Arts »; "
	    "un titre assez long pour être replié sur deux lignes ou plus";
	static const char desc[] = "Organisé par : GEM L'Envol\nPrix : 5 €, "
	    "sur place; apportez de l'eau";
	int64_t ex[1] = { ms_of("2030-03-12T14:00:00+01:00") };
	struct gs_ics_event e = {
		.uid = "0123456789abcdef0123456789abcdef@gemsync",
		.tz = "Europe/Paris",
		.start_ms = ms_of("2030-03-05T14:00:00+01:00"),
		.end_ms = ms_of("2030-03-05T16:00:00+01:00"),
		.summary = title, .location = "Salle des fêtes, Lyon",
		.description = desc,
		.rrule = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20301126T225959Z",
		.exdates = ex, .nexdates = 1,
		.modified_ms = ms_of("2026-11-30T08:00:00+00:00"),
	};
	struct gs_ics_event o = e;
	struct gs_ics *c = NULL;
	icalcomponent *cal, *ev, *tz;
	icalproperty *p;
	struct icalrecurrencetype r;
	char *text;
	int n = 0;

	(void)state;
	assert_int_equal(gs_ics_new("Europe/Paris",
	    ms_of("2026-11-30T09:00:00+00:00"), &c), 0);
	assert_int_equal(gs_ics_add(c, &e), 0);
	/* the summer date moved: 14:00 local is 12:00 UTC then */
	o.rrule = NULL;
	o.exdates = NULL;
	o.nexdates = 0;
	o.has_recurrence_id = true;
	o.recurrence_id_ms = ms_of("2030-04-02T14:00:00+02:00");
	o.start_ms = ms_of("2030-04-02T15:30:00+02:00");
	o.end_ms = -1;
	o.location = "Gare Part-Dieu";
	o.cancelled = true;
	assert_int_equal(gs_ics_add(c, &o), 0);
	assert_int_equal(gs_ics_count(c), 2);
	text = gs_ics_text(c);
	assert_non_null(text);
	/* folded at 75 octets, CRLF */
	for (const char *l = text; *l != '\0'; ) {
		const char *nl = strstr(l, "\r\n");
		assert_non_null(nl);
		assert_true(nl - l <= 75);
		l = nl + 2;
	}
	cal = parse(text);
	tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	assert_non_null(tz);
	assert_string_equal(icalproperty_get_tzid(
	    icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY)),
	    "Europe/Paris");
	assert_null(icalcomponent_get_next_component(cal,
	    ICAL_VTIMEZONE_COMPONENT));
	for (ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		assert_string_equal(icalcomponent_get_uid(ev), e.uid);
		assert_string_equal(icalcomponent_get_summary(ev), title);
		assert_string_equal(icalcomponent_get_description(ev), desc);
		p = icalcomponent_get_first_property(ev,
		    ICAL_LASTMODIFIED_PROPERTY);
		assert_non_null(p);
		assert_int_equal(icaltime_as_timet(
		    icalproperty_get_lastmodified(p)), e.modified_ms / 1000);
		assert_non_null(icalcomponent_get_first_property(ev,
		    ICAL_DTSTAMP_PROPERTY));
		if (n++ == 0) {
			assert_local(icalcomponent_get_first_property(ev,
			    ICAL_DTSTART_PROPERTY), "Europe/Paris",
			    "20300305T140000");
			assert_local(icalcomponent_get_first_property(ev,
			    ICAL_DTEND_PROPERTY), "Europe/Paris",
			    "20300305T160000");
			r = icalproperty_get_rrule(icalcomponent_get_first_property(
			    ev, ICAL_RRULE_PROPERTY));
			assert_int_equal(r.freq, ICAL_WEEKLY_RECURRENCE);
			assert_int_equal(r.by_day[0], ICAL_TUESDAY_WEEKDAY);
			assert_local(icalcomponent_get_first_property(ev,
			    ICAL_EXDATE_PROPERTY), "Europe/Paris",
			    "20300312T140000");
			assert_string_equal(icalcomponent_get_location(ev),
			    "Salle des fêtes, Lyon");
			assert_int_equal(icalcomponent_get_status(ev),
			    ICAL_STATUS_CONFIRMED);
			assert_null(icalcomponent_get_first_property(ev,
			    ICAL_RECURRENCEID_PROPERTY));
		} else {
			assert_local(icalcomponent_get_first_property(ev,
			    ICAL_RECURRENCEID_PROPERTY), "Europe/Paris",
			    "20300402T140000");
			assert_local(icalcomponent_get_first_property(ev,
			    ICAL_DTSTART_PROPERTY), "Europe/Paris",
			    "20300402T153000");
			assert_null(icalcomponent_get_first_property(ev,
			    ICAL_DTEND_PROPERTY));
			assert_null(icalcomponent_get_first_property(ev,
			    ICAL_RRULE_PROPERTY));
			assert_string_equal(icalcomponent_get_location(ev),
			    "Gare Part-Dieu");
			assert_int_equal(icalcomponent_get_status(ev),
			    ICAL_STATUS_CANCELLED);
		}
	}
	assert_int_equal(n, 2);
	icalcomponent_free(cal);
	free(text);
	gs_ics_destroy(&c);
	assert_null(c);
}

static void
test_ics_refuses(void **state)
{
	struct gs_ics_event e = { .uid = "x@gemsync", .tz = "Mars/Olympus",
	    .start_ms = 0, .end_ms = -1 };
	struct gs_ics *c = NULL;

	(void)state;
	assert_int_equal(gs_ics_new("Nowhere/Town", 0, &c), GS_EINVAL);
	assert_null(c);
	assert_int_equal(gs_ics_new("Europe/Paris", 0, &c), 0);
	assert_int_equal(gs_ics_add(c, &e), GS_EINVAL);
	e.tz = "Europe/Paris";
	e.rrule = "FREQ=SOMETIMES";
	assert_int_equal(gs_ics_add(c, &e), GS_EINVAL);
	assert_int_equal(gs_ics_count(c), 0);
	/* a second zone gets its own VTIMEZONE */
	e.rrule = NULL;
	e.tz = "America/Cayenne";
	assert_int_equal(gs_ics_add(c, &e), 0);
	assert_int_equal(gs_ics_count(c), 1);
	gs_ics_destroy(&c);
	gs_ics_destroy(&c);
}

/* ---- export.ics through the control socket's handler ---- */

struct fixture {
	struct gs_daemon d;
	char dir[256];
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
setup(void **state)
{
	struct gs_replica_opts o;
	char site[320], key[320], err[512];
	struct fixture *fx;

	gs_log_level = GS_LOG_ERROR;
	assert_int_equal(gs_crypto_init(), 0);
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	*state = fx;
	snprintf(fx->dir, sizeof(fx->dir), "%s/gs-test-ics-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(site, sizeof(site), "%s/site", fx->dir);
	snprintf(key, sizeof(key), "%s/storage.key", fx->dir);
	assert_int_equal(gs_replica_init_site(site, key, NULL, err,
	    sizeof(err)), 0);
	memset(&o, 0, sizeof(o));
	o.data_dir = site;
	o.key_file = key;
	o.max_drift_s = 300;
	assert_int_equal(gs_daemon_open_site(&fx->d, &o, err, sizeof(err)), 0);
	assert_int_equal(gs_config_load(NULL, &fx->d.cfg, err, sizeof(err)),
	    0);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	gs_daemon_close_site(&fx->d);
	gs_config_destroy(&fx->d.cfg);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Sends command with params (name, value, ..., NULL); the reply. */
static Gs__Response *
call(struct gs_daemon *d, const char *command, const char *const *kv)
{
	Gs__Request req = GS__REQUEST__INIT;
	Gs__Param params[16], *pp[16];
	Gs__Response *resp;
	uint8_t *buf, *out = NULL;
	size_t n = 0, len, outlen = 0;

	for (; kv[2 * n] != NULL; n++) {
		assert_true(n < 16);
		gs__param__init(&params[n]);
		params[n].name = (char *)kv[2 * n];
		params[n].value = (char *)kv[2 * n + 1];
		pp[n] = &params[n];
	}
	req.version = GS_CONTROL_VERSION;
	req.command = (char *)command;
	req.n_params = n;
	req.params = pp;
	len = gs__request__get_packed_size(&req);
	buf = malloc(len);
	assert_non_null(buf);
	gs__request__pack(&req, buf);
	assert_int_equal(gs_control_handle(d, buf, len, &out, &outlen), 0);
	free(buf);
	resp = gs__response__unpack(NULL, outlen, out);
	free(out);
	assert_non_null(resp);
	return resp;
}

/*
 * The JSON document of an OK reply (json_decref it); its body, if any,
 * into *body (malloc'd, NUL-terminated) when body is not NULL.
 */
static json_t *
ok_body(struct gs_daemon *d, const char *command, const char *const *kv,
    char **body)
{
	Gs__Response *resp = call(d, command, kv);
	json_t *j;

	if (resp->status != GS__STATUS__OK)
		fail_msg("%s: %s", command, resp->error);
	j = json_loads(resp->json, 0, NULL);
	assert_non_null(j);
	if (body != NULL) {
		assert_true(resp->has_body);
		*body = malloc(resp->body.len + 1);
		assert_non_null(*body);
		memcpy(*body, resp->body.data, resp->body.len);
		(*body)[resp->body.len] = '\0';
		assert_int_equal(strlen(*body), resp->body.len);
	}
	gs__response__free_unpacked(resp, NULL);
	return j;
}

static json_t *
ok(struct gs_daemon *d, const char *command, const char *const *kv)
{
	return ok_body(d, command, kv, NULL);
}

/* Adds an event with the fields given ("name=value", ..., NULL). */
static char *
add_event(struct gs_daemon *d, const char *const *f)
{
	const char *kv[32] = { "type", "event" };
	size_t n = 2;
	json_t *j;
	char *id;

	for (; *f != NULL; f++) {
		kv[n++] = "f";
		kv[n++] = *f;
	}
	kv[n] = NULL;
	j = ok(d, "item.add", kv);
	id = strdup(json_string_value(json_object_get(j, "id")));
	json_decref(j);
	return id;
}

/* The calendar of export.ics with params, parsed; *doc its document. */
static icalcomponent *
export(struct gs_daemon *d, const char *const *kv, json_t **doc)
{
	icalcomponent *cal;
	char *text;

	*doc = ok_body(d, "export.ics", kv, &text);
	assert_int_equal(json_integer_value(json_object_get(*doc, "bytes")),
	    strlen(text));
	cal = parse(text);
	assert_int_equal(json_integer_value(json_object_get(*doc, "events")),
	    icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT));
	free(text);
	return cal;
}

/* The VEVENT of uid (the master, or the one with a RECURRENCE-ID). */
static icalcomponent *
find(icalcomponent *cal, const char *id, bool override)
{
	char uid[64];

	snprintf(uid, sizeof(uid), "%s@gemsync", id);
	for (icalcomponent *ev = icalcomponent_get_first_component(cal,
	    ICAL_VEVENT_COMPONENT); ev != NULL;
	    ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_uid(ev), uid) == 0 &&
		    (icalcomponent_get_first_property(ev,
		    ICAL_RECURRENCEID_PROPERTY) != NULL) == override)
			return ev;
	return NULL;
}

static int
count(icalcomponent *cal)
{
	return icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
}

static void
test_export_series_and_events(void **state)
{
	struct fixture *fx = *state;
	struct gs_daemon *d = &fx->d;
	const char *window[] = { "from", "2030-03-01", "to", "2030-12-31",
	    NULL };
	const char *with_members[] = { "from", "2030-03-01", "to",
	    "2030-12-31", "members", "1", NULL };
	char *series, *outing, *meeting;
	icalcomponent *cal, *ev;
	struct icalrecurrencetype rr;
	json_t *doc;
	const char *desc;

	series = add_event(d, (const char *[]){ "title=Atelier écriture",
	    "kind=atelier", "start=2030-03-05T14:00:00+01:00",
	    "end=2030-03-05T16:00:00+01:00", "place=Salle des fêtes",
	    "rrule=FREQ=WEEKLY;BYDAY=TU;UNTIL=20301126T225959Z",
	    "timezone=Europe/Paris", "capacity=8", "easy_read=oui",
	    "companion=oui", "audience=tout public", "price=gratuit",
	    "languages=fr,en", "description=Apportez un stylo.", NULL });
	outing = add_event(d, (const char *[]){ "title=Sortie au musée",
	    "kind=sortie", "start=2030-04-10T10:00:00+02:00",
	    "place=Musée des Beaux-Arts", "price=3 €", NULL });
	meeting = add_event(d, (const char *[]){ "title=Réunion des "
	    "adhérents", "kind=réunion", "start=2030-03-06T18:00:00+01:00",
	    "audience=adhérents", NULL });
	json_decref(ok(d, "event.cancel", (const char *[]){ "item", series,
	    "date", "2030-03-12", NULL }));
	json_decref(ok(d, "item.edit", (const char *[]){ "type", "event",
	    "item", series, "date", "2030-04-02", "f", "place=Gare Part-Dieu",
	    NULL }));
	json_decref(ok(d, "event.cancel", (const char *[]){ "item", outing,
	    NULL }));

	cal = export(d, window, &doc);
	assert_int_equal(json_integer_value(json_object_get(doc,
	    "members_left_out")), 1);
	assert_int_equal(json_integer_value(json_object_get(doc, "events")),
	    3);
	json_decref(doc);
	assert_int_equal(count(cal), 3);
	assert_null(find(cal, meeting, false));
	/* the series: its rule, the cancelled date as an EXDATE */
	ev = find(cal, series, false);
	assert_non_null(ev);
	assert_string_equal(icalcomponent_get_summary(ev), "Atelier écriture");
	assert_string_equal(icalcomponent_get_location(ev), "Salle des fêtes");
	assert_local(icalcomponent_get_first_property(ev,
	    ICAL_DTSTART_PROPERTY), "Europe/Paris", "20300305T140000");
	assert_local(icalcomponent_get_first_property(ev,
	    ICAL_DTEND_PROPERTY), "Europe/Paris", "20300305T160000");
	rr = icalproperty_get_rrule(icalcomponent_get_first_property(ev,
	    ICAL_RRULE_PROPERTY));
	assert_string_equal(icalrecurrencetype_as_string(&rr),
	    "FREQ=WEEKLY;UNTIL=20301126T225959Z;BYDAY=TU");
	assert_local(icalcomponent_get_first_property(ev,
	    ICAL_EXDATE_PROPERTY), "Europe/Paris", "20300312T140000");
	assert_null(icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY));
	assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
	assert_non_null(icalcomponent_get_first_property(ev,
	    ICAL_LASTMODIFIED_PROPERTY));
	desc = icalcomponent_get_description(ev);
	assert_non_null(strstr(desc, "Organisé par : "));
	assert_non_null(strstr(desc, "Type : atelier"));
	assert_non_null(strstr(desc, "Public : tout public"));
	assert_non_null(strstr(desc, "Langues : fr,en"));
	assert_non_null(strstr(desc, "Prix : gratuit"));
	assert_non_null(strstr(desc, "Facile à lire : oui"));
	assert_non_null(strstr(desc, "Accompagnant bienvenu : oui"));
	assert_non_null(strstr(desc, "Places restantes : 8"));
	assert_non_null(strstr(desc, "\n\nApportez un stylo."));
	/* the date with its own place, by its original start */
	ev = find(cal, series, true);
	assert_non_null(ev);
	assert_local(icalcomponent_get_first_property(ev,
	    ICAL_RECURRENCEID_PROPERTY), "Europe/Paris", "20300402T140000");
	assert_local(icalcomponent_get_first_property(ev,
	    ICAL_DTSTART_PROPERTY), "Europe/Paris", "20300402T140000");
	assert_string_equal(icalcomponent_get_location(ev), "Gare Part-Dieu");
	assert_null(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY));
	/* the one-off event, cancelled: still there, marked */
	ev = find(cal, outing, false);
	assert_non_null(ev);
	assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
	assert_local(icalcomponent_get_first_property(ev,
	    ICAL_DTSTART_PROPERTY), "Europe/Paris", "20300410T100000");
	assert_null(icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY));
	assert_non_null(strstr(icalcomponent_get_description(ev),
	    "Prix : 3 €"));
	icalcomponent_free(cal);

	/* asked for: the members-only meeting is in, same UIDs */
	cal = export(d, with_members, &doc);
	json_decref(doc);
	assert_int_equal(count(cal), 4);
	assert_non_null(find(cal, meeting, false));
	assert_non_null(find(cal, series, false));
	assert_non_null(find(cal, series, true));
	assert_non_null(find(cal, outing, false));
	assert_non_null(strstr(icalcomponent_get_description(find(cal,
	    meeting, false)), "Public : adhérents"));
	icalcomponent_free(cal);

	/* a window without them: neither the outing nor the series */
	cal = export(d, (const char *[]){ "from", "2031-01-01", NULL }, &doc);
	json_decref(doc);
	assert_int_equal(count(cal), 0);
	icalcomponent_free(cal);
	/* only outings */
	cal = export(d, (const char *[]){ "from", "2030-03-01", "kind",
	    "sortie", NULL }, &doc);
	json_decref(doc);
	assert_int_equal(count(cal), 1);
	assert_non_null(find(cal, outing, false));
	icalcomponent_free(cal);
	free(series);
	free(outing);
	free(meeting);
}

static void
test_export_refuses(void **state)
{
	struct fixture *fx = *state;
	Gs__Response *resp;

	resp = call(&fx->d, "export.ics", (const char *[]){ "from", "demain",
	    NULL });
	assert_int_equal(resp->status, GS__STATUS__INVALID);
	assert_string_equal(resp->field, "from");
	gs__response__free_unpacked(resp, NULL);
	/* no site is named "abc": not found, by the one site resolver */
	resp = call(&fx->d, "export.ics", (const char *[]){ "site", "abc",
	    NULL });
	assert_int_equal(resp->status, GS__STATUS__NOT_FOUND);
	assert_string_equal(resp->field, "site");
	gs__response__free_unpacked(resp, NULL);
	resp = call(&fx->d, "export.ics", (const char *[]){ "kind", "bal",
	    NULL });
	assert_int_equal(resp->status, GS__STATUS__INVALID);
	assert_string_equal(resp->field, "kind");
	gs__response__free_unpacked(resp, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ics_every_property),
		cmocka_unit_test(test_ics_refuses),
		cmocka_unit_test_setup_teardown(test_export_series_and_events,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_refuses, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
