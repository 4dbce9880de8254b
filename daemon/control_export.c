/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_export.c: "export.ics", the calendar feed of the events this
 * site holds (docs/control.md). One VEVENT per one-off event or series:
 * a series keeps its RRULE, its cancelled dates become EXDATEs, and each
 * date with its own values (or with seats taken) gets a VEVENT of its own
 * with a RECURRENCE-ID. Members-only events are left out unless asked
 * for: a feed is meant to be posted. The calendar itself is written by
 * ics.c (libical); here are only the choices of what goes in it. The
 * reply's document counts what is in it; the calendar travels beside it
 * as the reply's body.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control_int.h"
#include "daemon.h"
#include "err.h"
#include "grow.h"
#include "hlc.h"
#include "ics.h"
#include "jsonw.h"
#include "recur.h"
#include "replica.h"
#include "schema.h"
#include "seats.h"
#include "siteid.h"
#include "textfmt.h"
#include "view.h"

#define EXPORT_SITES 16          /* --site given at most this often */
#define YEAR_MS (365ll * 86400000)
#define DESC_MAX 12288

struct export_ctx {
	struct gs_daemon *d;
	struct gs_seats *seats;
	struct gs_ics *ics;
	const char *tz;              /* the site's zone: one-off events */
	int64_t from_ms, to_ms;      /* the window; series cut at 2 years */
	const char *kind;            /* a code, or NULL */
	uint8_t sites[EXPORT_SITES][32];
	size_t nsites;
	bool members;                /* members-only events included */
	bool members_only;           /* the event being looked at is */
	size_t left_out;             /* members-only events left out */
	struct gs_name_memo names;   /* site names met */
	int failed;                  /* GS_ENOMEM or 0 */
	char desc[DESC_MAX];         /* the DESCRIPTION being written */
	size_t dlen;
};

/* The value of field for date (its own value when it has one), lent. */
static const char *
value_on(const struct gs_state *st, const char *field, const char *date)
{
	char name[GS_FIELD_NAME_MAX + 1];
	const char *v;

	if (date != NULL) {
		snprintf(name, sizeof(name), "%s@%s", field, date);
		v = gs_fields_get(&st->fields, name);
		if (v != NULL && v[0] != '\0')
			return v;
	}
	return gs_fields_get(&st->fields, field);
}

static void
say(struct export_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct export_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->dlen >= sizeof(c->desc) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->desc + c->dlen, sizeof(c->desc) - c->dlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->dlen += (size_t)n;
	if (c->dlen >= sizeof(c->desc))
		c->dlen = sizeof(c->desc) - 1;
}

/* A site as a person reads it: its profile name, else its short ID. */
static void
say_site(struct export_ctx *c, const uint8_t pk[32])
{
	const char *name = gs_view_memo_name(c->d->replica, &c->names, pk);
	char sid[GS_SITEID_SHORT];

	if (name[0] != '\0') {
		say(c, "%s", name);
		return;
	}
	gs_siteid_short(pk, sid);
	say(c, "site %s", sid);
}

static void
say_cohosts(struct export_ctx *c, const char *list)
{
	char id[GS_SITEID_SIZE];
	uint8_t pk[32];
	bool first = true;

	while (list != NULL && *list != '\0') {
		const char *comma = strchr(list, ',');
		size_t n = comma ? (size_t)(comma - list) : strlen(list);

		if (n < sizeof(id)) {
			memcpy(id, list, n);
			id[n] = '\0';
			if (gs_siteid_parse(id, pk) == 0) {
				say(c, first ? "\nAvec : " : ", ");
				say_site(c, pk);
				first = false;
			}
		}
		list = comma ? comma + 1 : NULL;
	}
}

/* "label : French word of the value", when the field has a value. */
static void
say_enum(struct export_ctx *c, const struct gs_state *st, const char *field,
    const char *label)
{
	const char *v = gs_fields_get(&st->fields, field);
	const char *fr;

	if (v == NULL || v[0] == '\0')
		return;
	fr = gs_schema_value_fr(GS_TYPE_EVENT, field, v);
	say(c, "\n%s : %s", label, fr != NULL ? fr : v);
}

/*
 * The DESCRIPTION of the event (date NULL) or of one date of a series:
 * who hosts it, for whom, in which languages, at what price, and the
 * seats left, then the event's own description.
 */
static void
describe(struct export_ctx *c, const uint8_t event[16],
    const struct gs_state *st, const char *date)
{
	const struct gs_seat_group *g = gs_seats_group(c->seats, event,
	    date != NULL ? date : "");
	const char *v;
	long cap;

	c->dlen = 0;
	c->desc[0] = '\0';
	say(c, "Organisé par : ");
	say_site(c, st->owner);
	say_cohosts(c, gs_fields_get(&st->fields, "cohosts"));
	say_enum(c, st, "kind", "Type");
	say_enum(c, st, "audience", "Public");
	v = gs_fields_get(&st->fields, "languages");
	if (v != NULL && v[0] != '\0')
		say(c, "\nLangues : %s", v);
	v = value_on(st, "price", date);
	say(c, "\nPrix : %s", v != NULL && v[0] != '\0' ? v : "non précisé");
	say_enum(c, st, "easy_read", "Facile à lire");
	say_enum(c, st, "companion", "Accompagnant bienvenu");
	if (g != NULL && g->has_capacity)
		say(c, "\nPlaces restantes : %ld", g->left);
	else if (gs_seats_capacity(st, date != NULL ? date : "", &cap))
		say(c, "\nPlaces restantes : %ld", cap);
	v = value_on(st, "accessibility", date);
	if (v != NULL && v[0] != '\0')
		say(c, "\nAccessibilité : %s", v);
	v = value_on(st, "description", date);
	if (v != NULL && v[0] != '\0')
		say(c, "\n\n%s", v);
}

/* Is the event hosted (owned or co-hosted) by one of the sites asked? */
static bool
site_kept(const struct export_ctx *c, const struct gs_state *st)
{
	const char *cohosts = gs_fields_get(&st->fields, "cohosts");

	if (c->nsites == 0)
		return true;
	for (size_t i = 0; i < c->nsites; i++)
		if (memcmp(st->owner, c->sites[i], 32) == 0 ||
		    gs_item_list_has_site(cohosts, c->sites[i]))
			return true;
	return false;
}

static void
fill_common(struct gs_ics_event *e, const struct gs_state *st,
    const char *date, const char *uid, const char *tz)
{
	memset(e, 0, sizeof(*e));
	e->uid = uid;
	e->tz = tz;
	e->end_ms = -1;
	e->summary = value_on(st, "title", date);
	e->location = value_on(st, "place", date);
	e->modified_ms = (int64_t)(st->updated_hlc >> 16);
}

/*
 * For an event in the window: is it exported? A members-only event is
 * not, unless asked for, and is counted as left out.
 */
static bool
admit(struct export_ctx *c)
{
	if (c->members_only && !c->members) {
		c->left_out++;
		return false;
	}
	return true;
}

static int
add_event(struct export_ctx *c, const struct gs_ics_event *e)
{
	int rc = gs_ics_add(c->ics, e);

	if (rc == GS_ENOMEM)
		c->failed = GS_ENOMEM;
	return rc == GS_ENOMEM;   /* a zone or rule this build cannot read:
	                           * not exported, as lists leave it out */
}

static int
export_one_off(struct export_ctx *c, struct gs_item *it,
    const struct gs_state *st, const char *uid)
{
	struct gs_ics_event e;
	const char *tz = gs_fields_get(&st->fields, "timezone");
	const char *end = gs_fields_get(&st->fields, "end");

	fill_common(&e, st, NULL, uid, tz != NULL && tz[0] ? tz : c->tz);
	if (gs_time_parse(gs_fields_get(&st->fields, "start"),
	    &e.start_ms) != 0)
		return 0;
	if (e.start_ms < c->from_ms || e.start_ms > c->to_ms || !admit(c))
		return 0;
	if (end != NULL && gs_time_parse(end, &e.end_ms) != 0)
		e.end_ms = -1;
	e.cancelled = gs_seats_cancelled(st, "");
	describe(c, it->id, st, NULL);
	e.description = c->desc;
	return add_event(c, &e);
}

static int
on_any(const struct gs_occurrence *o, void *arg)
{
	(void)o;
	(void)arg;
	return 1;
}

/* The dates of a series with their own values or seats taken, no
 * repeats; sorted once all are in (cmp_date). */
struct dates {
	char (*v)[GS_RECUR_DATE_LEN + 1];
	size_t n, cap;
};

static int
dates_add(struct dates *ds, const char *date)
{
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->v[i], date) == 0)
			return 0;
	if (gs_grow(&ds->v, &ds->cap, ds->n, sizeof(*ds->v), 8) != 0)
		return GS_ENOMEM;
	snprintf(ds->v[ds->n++], sizeof(ds->v[0]), "%s", date);
	return 0;
}

static int
cmp_date(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
on_seat_date(const char *date, void *arg)
{
	return dates_add(arg, date);
}

/* One date of the series with its own values, as a RECURRENCE-ID VEVENT. */
static int
export_date(struct export_ctx *c, struct gs_item *it,
    const struct gs_state *st, const struct gs_occurrence *o,
    const char *uid, const char *tz)
{
	struct gs_ics_event e;
	const char *v;

	fill_common(&e, st, o->date, uid, tz);
	e.has_recurrence_id = true;
	e.recurrence_id_ms = o->start_ms;
	e.start_ms = o->start_ms;
	v = value_on(st, "start", o->date);
	if (v != gs_fields_get(&st->fields, "start") &&
	    gs_time_parse(v, &e.start_ms) != 0)
		e.start_ms = o->start_ms;
	if (o->end[0] != '\0')
		e.end_ms = o->end_ms;
	v = value_on(st, "end", o->date);
	if (v != NULL && v != gs_fields_get(&st->fields, "end") &&
	    gs_time_parse(v, &e.end_ms) != 0)
		e.end_ms = o->end[0] != '\0' ? o->end_ms : -1;
	e.cancelled = gs_seats_cancelled(st, "");
	describe(c, it->id, st, o->date);
	e.description = c->desc;
	return add_event(c, &e);
}

static int
export_series(struct export_ctx *c, struct gs_item *it,
    const struct gs_state *st, const char *uid)
{
	const char *rrule = gs_fields_get(&st->fields, "rrule");
	const char *tz = gs_fields_get(&st->fields, "timezone");
	struct gs_series *s = NULL;
	struct gs_occurrence o;
	struct gs_ics_event e;
	struct dates ds = { NULL, 0, 0 };
	int64_t *ex = NULL, to = c->to_ms;
	size_t nex = 0;
	int bounded, rc, ret = 0;

	/* listed when one of its dates falls in the window */
	if (to - c->from_ms > (int64_t)GS_RECUR_WINDOW_DAYS * 86400000)
		to = c->from_ms + (int64_t)GS_RECUR_WINDOW_DAYS * 86400000;
	rc = gs_recur_expand(c->d->series, rrule, tz,
	    gs_fields_get(&st->fields, "start"),
	    gs_fields_get(&st->fields, "end"), c->from_ms, to, &bounded,
	    on_any, NULL, NULL);
	if (rc != 1)
		return rc == GS_ENOMEM ? (c->failed = GS_ENOMEM, 1) : 0;
	if (!admit(c))
		return 0;
	if (gs_series_new(rrule, tz, gs_fields_get(&st->fields, "start"),
	    gs_fields_get(&st->fields, "end"), &s, NULL) != 0)
		return 0;
	if (gs_seats_dates(c->seats, it->id, on_seat_date, &ds) != 0)
		goto nomem;
	for (size_t i = 0; i < st->fields.n; i++) {
		const struct gs_field *f = &st->fields.v[i];
		const char *at = strchr(f->name, '@');

		if (at == NULL || f->value[0] == '\0')
			continue;
		if (dates_add(&ds, at + 1) != 0)
			goto nomem;
	}
	if ((ex = malloc((ds.n + 1) * sizeof(*ex))) == NULL)
		goto nomem;
	if (ds.n > 1)
		qsort(ds.v, ds.n, sizeof(*ds.v), cmp_date);
	fill_common(&e, st, NULL, uid, tz);
	if (gs_time_parse(gs_fields_get(&st->fields, "start"),
	    &e.start_ms) != 0)
		goto out;
	if (gs_fields_get(&st->fields, "end") == NULL ||
	    gs_time_parse(gs_fields_get(&st->fields, "end"), &e.end_ms) != 0)
		e.end_ms = -1;
	e.rrule = rrule;
	for (size_t i = 0; i < ds.n; i++)
		if (gs_seats_cancelled(st, ds.v[i]) &&
		    gs_series_find(s, ds.v[i], &o) == 0)
			ex[nex++] = o.start_ms;
	e.exdates = ex;
	e.nexdates = nex;
	e.cancelled = gs_seats_cancelled(st, "");
	describe(c, it->id, st, NULL);
	e.description = c->desc;
	if (add_event(c, &e) != 0)
		goto nomem;
	for (size_t i = 0; i < ds.n; i++) {
		if (gs_seats_cancelled(st, ds.v[i]) ||
		    gs_series_find(s, ds.v[i], &o) != 0)
			continue;
		if (export_date(c, it, st, &o, uid, tz) != 0)
			goto nomem;
	}
	goto out;
nomem:
	c->failed = GS_ENOMEM;
	ret = 1;
out:
	free(ds.v);
	free(ex);
	gs_series_destroy(&s);
	return ret;
}

static int
on_export_item(struct gs_item *it, void *arg)
{
	struct export_ctx *c = arg;
	const struct gs_state *st;
	const char *rrule, *audience;
	char uid[64];

	if (it->type != GS_TYPE_EVENT || it->corrupt ||
	    (st = gs_item_state(it)) == NULL || st->deleted ||
	    !gs_replica_visible(c->d->replica, st->owner) ||
	    gs_fields_get(&st->fields, GS_FIELD_ERASED) != NULL)
		return 0;
	if (c->kind != NULL && (gs_fields_get(&st->fields, "kind") == NULL ||
	    strcmp(gs_fields_get(&st->fields, "kind"), c->kind) != 0))
		return 0;
	if (!site_kept(c, st))
		return 0;
	audience = gs_fields_get(&st->fields, "audience");
	c->members_only = audience != NULL && strcmp(audience, "members") == 0;
	gs_hex(it->id, 16, uid);
	strcat(uid, "@gemsync");
	rrule = gs_fields_get(&st->fields, "rrule");
	if (rrule != NULL && rrule[0] != '\0')
		return export_series(c, it, st, uid);
	return export_one_off(c, it, st, uid);
}

/* The --site parameters into c->sites. 0, or -1 after failing r. */
static int
collect_sites(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, struct export_ctx *c)
{
	for (size_t i = 0; i < q->pb->n_params; i++) {
		const Gs__Param *p = q->pb->params[i];

		if (strcmp(p->name, "site") != 0)
			continue;
		if (c->nsites == EXPORT_SITES) {
			ctl_fail(r, GS__STATUS__INVALID, "site", "au plus %d "
			    "sites à la fois : faites plusieurs exports",
			    EXPORT_SITES);
			return -1;
		}
		if (ctl_site_value(d, p->value, r, c->sites[c->nsites]) != 0)
			return -1;
		c->nsites++;
	}
	return 0;
}

/* The window and filters of the request into c. 0, or -1 after failing r. */
static int
export_filters(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, struct export_ctx *c)
{
	const char *from = ctl_param(q, "from"), *to = ctl_param(q, "to");
	const char *members = ctl_param(q, "members");
	int64_t now = (int64_t)gs_wall_ms();

	c->from_ms = now - 86400000;   /* what is still going on today */
	c->to_ms = INT64_MAX;
	if (from != NULL && ctl_time_bound(from, 0, &c->from_ms) != 0) {
		ctl_fail(r, GS__STATUS__INVALID, "from", "date « %s » invalide "
		    ": AAAA-MM-JJ ou RFC 3339 avec décalage", from);
		return -1;
	}
	if (to != NULL && ctl_time_bound(to, 1, &c->to_ms) != 0) {
		ctl_fail(r, GS__STATUS__INVALID, "to", "date « %s » invalide "
		    ": AAAA-MM-JJ ou RFC 3339 avec décalage", to);
		return -1;
	}
	if (to == NULL && c->from_ms < INT64_MAX - 2 * YEAR_MS)
		c->to_ms = c->from_ms + 2 * YEAR_MS;
	c->members = members != NULL && strcmp(members, "1") == 0;
	c->tz = d->cfg->site_timezone != NULL ? d->cfg->site_timezone :
	    "Europe/Paris";
	if (ctl_enum_filter(q, r, GS_TYPE_EVENT, "kind", "type", &c->kind) != 0)
		return -1;
	return collect_sites(d, q, r, c);
}

void
ctl_export_ics(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct export_ctx *c = calloc(1, sizeof(*c));
	struct gs_jw w;
	char *text = NULL;
	int rc;

	if (c == NULL) {
		ctl_fail_err(r, GS_ENOMEM, NULL);
		return;
	}
	c->d = d;
	if (export_filters(d, q, r, c) != 0)
		goto out;
	rc = gs_ics_new(c->tz, (int64_t)gs_wall_ms(), &c->ics);
	if (rc == GS_EINVAL) {
		ctl_fail(r, GS__STATUS__INVALID, "timezone", "le fuseau "
		    "horaire du site, « %s », est inconnu : corrigez [site] "
		    "timezone dans la configuration (Europe/Paris par exemple)", c->tz);
		goto out;
	}
	if (rc != 0 || (c->seats = gs_seats_build(d->replica)) == NULL ||
	    gs_replica_foreach(d->replica, GS_TYPE_EVENT, on_export_item,
	    c) != 0 || c->failed || (text = gs_ics_text(c->ics)) == NULL) {
		ctl_fail_err(r, GS_ENOMEM, NULL);
		goto out;
	}
	gs_jw_init(&w);
	gs_jw_obj(&w);
	gs_jw_key(&w, "bytes");
	gs_jw_int(&w, (int64_t)strlen(text));
	gs_jw_key(&w, "events");
	gs_jw_int(&w, (int64_t)gs_ics_count(c->ics));
	gs_jw_key(&w, "members_left_out");
	gs_jw_int(&w, (int64_t)c->left_out);
	gs_jw_obj_end(&w);
	r->text = gs_jw_finish(&w);
	if (r->text == NULL) {
		ctl_fail_err(r, GS_ENOMEM, NULL);
		goto out;
	}
	/* as bytes beside the document: 9 MiB of JSON string for 10,000
	 * events would cost the CLI more to decode than the daemon to write */
	r->body_len = strlen(text);
	r->body = text;
	text = NULL;
out:
	free(text);
	gs_ics_destroy(&c->ics);
	gs_seats_free(&c->seats);
	free(c);
}
