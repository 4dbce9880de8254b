/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ics.h: calendar feeds (iCalendar, RFC 5545) written with libical. This
 * module is recur's sibling, the second and last door to libical: recur
 * reads rules and zones, ics writes calendars. It knows nothing of items:
 * its caller (control_export.c) hands it plain event descriptions, and it
 * gives back one VCALENDAR with a VTIMEZONE per zone used, in libical's
 * own escaping and line folding.
 *
 * Times are given as UTC instants and written as local times of the
 * event's zone with a TZID, so that a subscriber's calendar keeps a
 * weekly 14:00 workshop at 14:00 across the daylight-saving changes.
 */
#ifndef GS_ICS_H
#define GS_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A calendar being written. */
struct gs_ics;

/* One VEVENT: a one-off event, a series, or one date of a series. */
struct gs_ics_event {
	const char *uid;           /* stable across exports and sites */
	const char *tz;            /* IANA zone of the times below */
	int64_t start_ms;          /* UTC */
	int64_t end_ms;            /* UTC, or -1 without an end */
	const char *summary;       /* NULL or "": left out */
	const char *location;      /* NULL or "": left out */
	const char *description;   /* NULL or "": left out */
	const char *rrule;         /* a series' RFC 5545 rule, or NULL */
	const int64_t *exdates;    /* original starts of the dates removed */
	size_t nexdates;
	bool has_recurrence_id;    /* one date of a series, overridden: */
	int64_t recurrence_id_ms;  /* its original start (UTC) */
	bool cancelled;            /* STATUS:CANCELLED, else CONFIRMED */
	int64_t modified_ms;       /* LAST-MODIFIED (UTC) */
};

/*
 * A new calendar stamped now_ms (DTSTAMP of its events), with the
 * VTIMEZONE of tz (the site's zone) in it. On success *out is the
 * caller's (gs_ics_destroy). GS_EINVAL when tz is not a zone libical
 * knows, GS_ENOMEM.
 */
int gs_ics_new(const char *tz, int64_t now_ms, struct gs_ics **out);
/* Frees c (NULL accepted) and sets *c to NULL. */
void gs_ics_destroy(struct gs_ics **c);
/*
 * Adds one VEVENT (and the VTIMEZONE of e->tz if the calendar has none
 * yet). Nothing of e is kept. GS_EINVAL when e->tz is not a zone libical
 * knows or e->rrule is not a rule it reads (nothing added), GS_ENOMEM.
 */
int gs_ics_add(struct gs_ics *c, const struct gs_ics_event *e);
/* How many VEVENTs c holds. */
size_t gs_ics_count(const struct gs_ics *c);
/* The calendar as text, CRLF lines folded at 75 octets (malloc'd; the
 * caller frees), or NULL on GS_ENOMEM. */
char *gs_ics_text(const struct gs_ics *c);

#endif
