/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ics.c: calendar feeds written with libical (ics.h). The zones come from
 * libical's own table, as in recur.c; each VTIMEZONE is a copy of the
 * zone's component with its TZID set to the plain IANA name, the name the
 * events' TZID parameters carry, so that any reader matches them.
 */
#include "ics.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "err.h"

#define MAX_ZONES 8

/*
 * The calendar is kept as text: each VEVENT is written out by libical as
 * soon as it is added and its component freed, so that a feed of 10,000
 * events never holds 10,000 components (freeing such a tree costs more
 * than writing it).
 */
struct gs_ics {
	icalcomponent *cal;               /* the VCALENDAR and its zones */
	struct icaltimetype stamp;        /* DTSTAMP of every event (UTC) */
	struct {
		char name[65];
		icaltimezone *z;          /* libical's, lent */
	} zones[MAX_ZONES];               /* zones whose VTIMEZONE is in */
	size_t nzones;
	size_t nevents;
	char *events;                     /* the VEVENTs written, owned */
	size_t len, cap;
};

/* libical reports errors through icalerrno; it must never abort. */
static void
quiet(void)
{
	icalerror_set_errors_are_fatal(0);
	icalerror_clear_errno();
}

static icaltimezone *
zone(const char *tz)
{
	quiet();
	if (tz == NULL || tz[0] == '\0' || strlen(tz) > 64)
		return NULL;
	return icaltimezone_get_builtin_timezone(tz);
}

static struct icaltimetype
utc_time(int64_t ms)
{
	return icaltime_from_timet_with_zone((time_t)(ms / 1000), 0,
	    icaltimezone_get_utc_timezone());
}

/*
 * Adds the VTIMEZONE of tz once. 0, GS_EINVAL (unknown zone) or
 * GS_ENOMEM (or too many zones in one calendar).
 */
static int
add_zone(struct gs_ics *c, const char *tz, icaltimezone **out)
{
	icaltimezone *z;
	icalcomponent *vtz;
	icalproperty *p;

	/* libical finds a zone by name in a list of hundreds: ask it once */
	for (size_t i = 0; tz != NULL && i < c->nzones; i++)
		if (strcmp(c->zones[i].name, tz) == 0) {
			*out = c->zones[i].z;
			return 0;
		}
	if ((z = zone(tz)) == NULL || c->nzones == MAX_ZONES)
		return GS_EINVAL;
	vtz = icaltimezone_get_component(z);
	if (vtz == NULL || (vtz = icalcomponent_new_clone(vtz)) == NULL)
		return GS_ENOMEM;
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p != NULL)
		icalproperty_set_tzid(p, tz);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
	/* libical's own location property says nothing a reader needs */
	while ((p = icalcomponent_get_first_property(vtz,
	    ICAL_X_PROPERTY)) != NULL) {
		icalcomponent_remove_property(vtz, p);
		icalproperty_free(p);
	}
	icalcomponent_add_component(c->cal, vtz);
	strcpy(c->zones[c->nzones].name, tz);
	c->zones[c->nzones++].z = z;
	*out = z;
	return 0;
}

int
gs_ics_new(const char *tz, int64_t now_ms, struct gs_ics **out)
{
	struct gs_ics *c;
	icaltimezone *z;
	int ret = GS_ENOMEM;

	*out = NULL;
	quiet();
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return GS_ENOMEM;
	c->cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	if (c->cal == NULL)
		goto out;
	icalcomponent_add_property(c->cal,
	    icalproperty_new_prodid("-//gemsync//programme des GEM//FR"));
	icalcomponent_add_property(c->cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(c->cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(c->cal,
	    icalproperty_new_method(ICAL_METHOD_PUBLISH));
	c->stamp = utc_time(now_ms);
	ret = add_zone(c, tz, &z);
	if (ret != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	gs_ics_destroy(&c);
	return ret;
}

void
gs_ics_destroy(struct gs_ics **c)
{
	if (c == NULL || *c == NULL)
		return;
	if ((*c)->cal != NULL)
		icalcomponent_free((*c)->cal);
	free((*c)->events);
	free(*c);
	*c = NULL;
}

size_t
gs_ics_count(const struct gs_ics *c)
{
	return c->nevents;
}

/* A date-time property at ms, written as the local time of tz with TZID. */
static icalproperty *
local_prop(icalproperty *(*make)(struct icaltimetype), int64_t ms,
    icaltimezone *z, const char *tz)
{
	struct icaltimetype t = icaltime_from_timet_with_zone(
	    (time_t)(ms / 1000), 0, z);
	icalproperty *p;

	t.zone = NULL;      /* floating: the TZID parameter names the zone */
	p = make(t);
	icalproperty_add_parameter(p, icalparameter_new_tzid(tz));
	return p;
}

static void
add_text(icalcomponent *ev, icalproperty *(*make)(const char *),
    const char *s)
{
	if (s != NULL && s[0] != '\0')
		icalcomponent_add_property(ev, make(s));
}

/* Appends text to the events written. 0 or GS_ENOMEM. */
static int
append(struct gs_ics *c, const char *text)
{
	size_t n = strlen(text);

	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 64 * 1024;
		char *p;

		while (cap < c->len + n + 1)
			cap *= 2;
		if ((p = realloc(c->events, cap)) == NULL)
			return GS_ENOMEM;
		c->events = p;
		c->cap = cap;
	}
	memcpy(c->events + c->len, text, n + 1);
	c->len += n;
	return 0;
}

int
gs_ics_add(struct gs_ics *c, const struct gs_ics_event *e)
{
	struct icalrecurrencetype rule;
	icaltimezone *z;
	icalcomponent *ev;
	char *text;
	int rc;

	quiet();
	if (e->rrule != NULL) {
		rule = icalrecurrencetype_from_string(e->rrule);
		if (icalerrno != ICAL_NO_ERROR ||
		    rule.freq == ICAL_NO_RECURRENCE) {
			icalerror_clear_errno();
			return GS_EINVAL;
		}
	}
	rc = add_zone(c, e->tz, &z);
	if (rc != 0)
		return rc;
	if ((ev = icalcomponent_new(ICAL_VEVENT_COMPONENT)) == NULL)
		return GS_ENOMEM;
	icalcomponent_add_property(ev, icalproperty_new_uid(e->uid));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(c->stamp));
	if (e->has_recurrence_id)
		icalcomponent_add_property(ev, local_prop(
		    icalproperty_new_recurrenceid, e->recurrence_id_ms, z,
		    e->tz));
	icalcomponent_add_property(ev, local_prop(icalproperty_new_dtstart,
	    e->start_ms, z, e->tz));
	if (e->end_ms >= 0)
		icalcomponent_add_property(ev, local_prop(
		    icalproperty_new_dtend, e->end_ms, z, e->tz));
	if (e->rrule != NULL)
		icalcomponent_add_property(ev, icalproperty_new_rrule(rule));
	for (size_t i = 0; i < e->nexdates; i++)
		icalcomponent_add_property(ev, local_prop(
		    icalproperty_new_exdate, e->exdates[i], z, e->tz));
	add_text(ev, icalproperty_new_summary, e->summary);
	add_text(ev, icalproperty_new_location, e->location);
	add_text(ev, icalproperty_new_description, e->description);
	icalcomponent_add_property(ev, icalproperty_new_status(e->cancelled ?
	    ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev,
	    icalproperty_new_lastmodified(utc_time(e->modified_ms)));
	text = icalcomponent_as_ical_string_r(ev);
	icalcomponent_free(ev);
	if (text == NULL)
		return GS_ENOMEM;
	rc = append(c, text);
	icalmemory_free_buffer(text);
	if (rc == 0)
		c->nevents++;
	return rc;
}

char *
gs_ics_text(const struct gs_ics *c)
{
	static const char end[] = "END:VCALENDAR\r\n";
	char *s, *out = NULL, *tail;
	size_t head;

	quiet();
	s = icalcomponent_as_ical_string_r(c->cal);
	if (s == NULL)
		return NULL;
	/* the calendar and its zones, then the events before its end */
	tail = strstr(s, end);
	if (tail == NULL || tail[sizeof(end) - 1] != '\0')
		goto out;
	head = (size_t)(tail - s);
	out = malloc(head + c->len + sizeof(end));
	if (out == NULL)
		goto out;
	memcpy(out, s, head);
	if (c->len > 0)
		memcpy(out + head, c->events, c->len);
	memcpy(out + head + c->len, end, sizeof(end));
out:
	icalmemory_free_buffer(s);
	return out;
}
