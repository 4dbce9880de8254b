/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seats.c: the seats held on events and the waiting list, computed from
 * the reservations of visible sites (seats.h states the rule). The index
 * is built once per request: every live reservation is collected, sorted
 * by (event, date) then in queue order, and each group's queue is filled
 * against its capacity. Everything is a function of the merged state, so
 * every site holding the same changes computes the same holders and the
 * same queue.
 */
#include "seats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "item.h"
#include "textfmt.h"

struct gs_seats {
	struct gs_replica *r;        /* lent */
	struct gs_seat_ref *v;       /* sorted by event, date, queue order */
	size_t n, cap;
	struct gs_seat_group *g;     /* one per (event, date), sorted */
	size_t ng;
	int failed;
};

static bool
is_yes(const char *v)
{
	return v != NULL && strcmp(v, "yes") == 0;
}

/* The value of "<field>@<date>", or NULL. */
static const char *
dated_field(const struct gs_state *st, const char *field, const char *date)
{
	char name[64];

	if (date == NULL || date[0] == '\0')
		return NULL;
	snprintf(name, sizeof(name), "%s@%s", field, date);
	return gs_fields_get(&st->fields, name);
}

bool
gs_seats_capacity(const struct gs_state *ev, const char *date,
    long *capacity)
{
	const char *cap = dated_field(ev, "capacity", date);
	char *end;

	if (cap == NULL || cap[0] == '\0')
		cap = gs_fields_get(&ev->fields, "capacity");
	if (cap == NULL || cap[0] == '\0')
		return false;
	*capacity = strtol(cap, &end, 10);
	if (*end != '\0' || *capacity < 0)
		return false;
	return true;
}

bool
gs_seats_cancelled(const struct gs_state *ev, const char *date)
{
	return is_yes(gs_fields_get(&ev->fields, "cancelled")) ||
	    is_yes(dated_field(ev, "cancelled", date));
}

static int
on_seat_item(struct gs_item *it, void *arg)
{
	struct gs_seats *s = arg;
	const struct gs_state *st;
	const char *ev, *seats, *date;
	struct gs_seat_ref ref;
	char *end;

	if (it->type != GS_TYPE_RESERVATION || it->corrupt ||
	    (st = gs_item_state(it)) == NULL || st->deleted)
		return 0;
	/* a blocked site's items are not shown, its seats included */
	if (!gs_replica_visible(s->r, st->owner))
		return 0;
	memset(&ref, 0, sizeof(ref));
	ev = gs_fields_get(&st->fields, "event");
	seats = gs_fields_get(&st->fields, "seats");
	date = gs_fields_get(&st->fields, "date");
	if (ev == NULL || seats == NULL || gs_unhex(ev, ref.event, 16) != 0)
		return 0;
	ref.seats = strtol(seats, &end, 10);
	if (*end != '\0' || ref.seats <= 0)
		return 0;
	if (date != NULL && date[0] != '\0') {
		if (strlen(date) != GS_DATE_LEN)
			return 0;
		memcpy(ref.date, date, GS_DATE_LEN + 1);
	}
	memcpy(ref.id, it->id, 16);
	memcpy(ref.owner, st->owner, 32);
	ref.created_hlc = st->created_hlc;
	ref.force = is_yes(gs_fields_get(&st->fields, "force"));
	ref.flagged = is_yes(gs_fields_get(&st->fields, "waiting"));
	ref.it = it;
	if (gs_grow(&s->v, &s->cap, s->n, sizeof(*s->v), 32) != 0) {
		s->failed = 1;
		return 1;
	}
	s->v[s->n++] = ref;
	return 0;
}

/* Queue order within a group: creation HLC, then site, then item. */
static int
cmp_queue(const struct gs_seat_ref *x, const struct gs_seat_ref *y)
{
	int c;

	if (x->created_hlc != y->created_hlc)
		return x->created_hlc < y->created_hlc ? -1 : 1;
	c = memcmp(x->owner, y->owner, 32);
	return c != 0 ? c : memcmp(x->id, y->id, 16);
}

static int
cmp_group(const struct gs_seat_ref *x, const struct gs_seat_ref *y)
{
	int c = memcmp(x->event, y->event, 16);

	return c != 0 ? c : strcmp(x->date, y->date);
}

static int
cmp_ref(const void *a, const void *b)
{
	const struct gs_seat_ref *x = a, *y = b;
	int c = cmp_group(x, y);

	return c != 0 ? c : cmp_queue(x, y);
}

static int
cmp_ref_queue(const void *a, const void *b)
{
	return cmp_queue(a, b);
}

void
gs_seats_sort(struct gs_seat_ref *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_ref_queue);
}

void
gs_seats_fill(struct gs_seat_ref *v, size_t n, bool has_capacity,
    long capacity, struct gs_seat_group *g)
{
	long held = 0;          /* confirmed and kept seats, in order */
	bool blocked = false;   /* someone waits: everyone after waits too */

	g->has_capacity = has_capacity;
	g->capacity = has_capacity ? capacity : 0;
	g->confirmed = g->available = g->waiting = g->nwaiting = 0;
	g->v = v;
	g->n = n;
	for (size_t i = 0; i < n; i++) {
		struct gs_seat_ref *x = &v[i];
		bool fits;

		x->position = 0;
		if (x->force)
			fits = true;
		else
			fits = !has_capacity || (!blocked &&
			    held + x->seats <= capacity);
		if (!fits) {
			blocked = true;
			x->state = GS_SEAT_WAITING;
			x->position = ++g->nwaiting;
			g->waiting += x->seats;
			continue;
		}
		held += x->seats;
		if (x->flagged && !x->force) {
			x->state = GS_SEAT_AVAILABLE;
			g->available += x->seats;
		} else {
			x->state = GS_SEAT_CONFIRMED;
			g->confirmed += x->seats;
		}
	}
	g->total = g->confirmed + g->available + g->waiting;
	g->overbooked = has_capacity && held > capacity ? held - capacity : 0;
	g->left = has_capacity && held < capacity ? capacity - held : 0;
}

/* Fills the queue of every group, against its event's capacity. */
static int
fill_groups(struct gs_seats *s)
{
	size_t i = 0, j;

	s->g = calloc(s->n ? s->n : 1, sizeof(*s->g));
	if (s->g == NULL)
		return -1;
	while (i < s->n) {
		struct gs_seat_group *g = &s->g[s->ng++];
		struct gs_item *ev = gs_replica_item(s->r, s->v[i].event);
		const struct gs_state *st = NULL;
		bool has = false;
		long cap = 0;

		for (j = i + 1; j < s->n && cmp_group(&s->v[i], &s->v[j]) == 0;
		    j++)
			;
		if (ev != NULL && ev->type == GS_TYPE_EVENT && !ev->corrupt &&
		    (st = gs_item_state(ev)) != NULL)
			has = gs_seats_capacity(st, s->v[i].date, &cap);
		gs_seats_fill(&s->v[i], j - i, has, cap, g);
		memcpy(g->event, s->v[i].event, 16);
		memcpy(g->date, s->v[i].date, sizeof(g->date));
		i = j;
	}
	return 0;
}

struct gs_seats *
gs_seats_build(struct gs_replica *r)
{
	struct gs_seats *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->r = r;
	gs_replica_foreach(r, GS_TYPE_RESERVATION, on_seat_item, s);
	if (s->failed)
		goto fail;
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_ref);
	if (fill_groups(s) != 0)
		goto fail;
	return s;
fail:
	gs_seats_free(&s);
	return NULL;
}

int
gs_seats_events(const struct gs_seats *s, gs_seats_event_cb cb, void *arg)
{
	int rc;

	for (size_t i = 0; i < s->ng; i++) {
		if (i > 0 && memcmp(s->g[i - 1].event, s->g[i].event, 16) == 0)
			continue;
		rc = cb(s->g[i].event, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
gs_seats_groups(const struct gs_seats *s, gs_seats_group_cb cb, void *arg)
{
	int rc;

	for (size_t i = 0; i < s->ng; i++) {
		rc = cb(&s->g[i], arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
gs_seats_free(struct gs_seats **s)
{
	if (s == NULL || *s == NULL)
		return;
	free((*s)->v);
	free((*s)->g);
	free(*s);
	*s = NULL;
}

/* The first group of event, or s->ng. */
static size_t
first_group(const struct gs_seats *s, const uint8_t event[16])
{
	size_t lo = 0, hi = s->ng;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (memcmp(s->g[mid].event, event, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct gs_seat_group *
gs_seats_group(const struct gs_seats *s, const uint8_t event[16],
    const char *date)
{
	if (date == NULL)
		date = "";
	for (size_t i = first_group(s, event); i < s->ng &&
	    memcmp(s->g[i].event, event, 16) == 0; i++)
		if (strcmp(s->g[i].date, date) == 0)
			return &s->g[i];
	return NULL;
}

int
gs_seats_dates(const struct gs_seats *s, const uint8_t event[16],
    gs_seats_date_cb cb, void *arg)
{
	int rc;

	for (size_t i = first_group(s, event); i < s->ng &&
	    memcmp(s->g[i].event, event, 16) == 0; i++) {
		if (s->g[i].date[0] == '\0')
			continue;
		rc = cb(s->g[i].date, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
gs_seats_mine(const struct gs_seat_group *g, const uint8_t pk[32],
    struct gs_seat_mine *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; g != NULL && i < g->n; i++) {
		const struct gs_seat_ref *x = &g->v[i];

		if (memcmp(x->owner, pk, 32) != 0)
			continue;
		if (x->state == GS_SEAT_CONFIRMED)
			out->confirmed += x->seats;
		else if (x->state == GS_SEAT_AVAILABLE)
			out->available += x->seats;
		else {
			out->waiting += x->seats;
			if (out->position == 0)
				out->position = x->position;
		}
	}
}

void
gs_seats_count(struct gs_replica *r, struct gs_seats *s,
    const uint8_t event[16], const struct gs_state *st,
    struct gs_seat_count *out)
{
	const struct gs_seat_group *g = gs_seats_group(s, event, "");
	struct gs_seat_mine m;

	memset(out, 0, sizeof(*out));
	out->has_capacity = gs_seats_capacity(st, "", &out->capacity);
	if (g == NULL)
		return;
	gs_seats_mine(g, gs_replica_pk(r), &m);
	out->total = g->total;
	out->confirmed = g->confirmed;
	out->waiting = g->waiting + g->available;
	out->mine = m.confirmed + m.available + m.waiting;
	out->overbooked = g->overbooked;
}
