/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seats.c: the seats held on events, counted from the reservations of
 * visible sites. An index of reservations by event is built once per
 * request (gs_seats_build) and queried per event; every count is a
 * function of the merged state, so every site holding the same changes
 * counts the same.
 */
#include "seats.h"

#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "textfmt.h"

struct gs_seats {
	struct gs_replica *r;    /* lent */
	struct gs_seat_ref *v;
	size_t n, cap;
	int failed;
};

static int
on_seat_item(struct gs_item *it, void *arg)
{
	struct gs_seats *s = arg;
	const struct gs_state *st;
	const char *ev, *seats;
	struct gs_seat_ref ref;
	char *end;

	if (it->type != GS_TYPE_RESERVATION || it->corrupt ||
	    (st = gs_item_state(it)) == NULL || st->deleted)
		return 0;
	/* a blocked site's items are not shown, its seats included */
	if (!gs_replica_visible(s->r, st->owner))
		return 0;
	ev = gs_fields_get(&st->fields, "event");
	seats = gs_fields_get(&st->fields, "seats");
	if (ev == NULL || seats == NULL || gs_unhex(ev, ref.event, 16) != 0)
		return 0;
	ref.seats = strtol(seats, &end, 10);
	if (*end != '\0' || ref.seats <= 0)
		return 0;
	ref.it = it;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		struct gs_seat_ref *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			s->failed = 1;
			return 1;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = ref;
	return 0;
}

static int
cmp_seat_ref(const void *a, const void *b)
{
	const struct gs_seat_ref *x = a, *y = b;
	int c = memcmp(x->event, y->event, 16);

	if (c != 0)
		return c;
	/* then by holder, so "held" is listed in a stable order */
	c = memcmp(gs_item_state(x->it)->owner, gs_item_state(y->it)->owner,
	    32);
	return c != 0 ? c : memcmp(x->it->id, y->it->id, 16);
}

struct gs_seats *
gs_seats_build(struct gs_replica *r)
{
	struct gs_seats *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->r = r;
	gs_replica_foreach(r, GS_TYPE_RESERVATION, on_seat_item, s);
	if (s->failed) {
		gs_seats_free(&s);
		return NULL;
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_seat_ref);
	return s;
}

int
gs_seats_events(const struct gs_seats *s, gs_seats_event_cb cb, void *arg)
{
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		if (i > 0 && memcmp(s->v[i - 1].event, s->v[i].event, 16) == 0)
			continue;
		rc = cb(s->v[i].event, arg);
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
	free(*s);
	*s = NULL;
}

/* The first reservation on event in the index, and how many there are. */
const struct gs_seat_ref *
gs_seats_of(const struct gs_seats *s, const uint8_t event[16], size_t *n)
{
	size_t lo = 0, hi = s->n, first;

	*n = 0;
	if (s->n == 0)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (memcmp(s->v[mid].event, event, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < s->n && memcmp(s->v[lo].event, event, 16) == 0)
		lo++;
	*n = lo - first;
	return &s->v[first];
}

void
gs_seats_count(struct gs_replica *r, struct gs_seats *s,
    const uint8_t event[16], const struct gs_state *st,
    struct gs_seat_count *out)
{
	const char *cap = gs_fields_get(&st->fields, "capacity");
	const struct gs_seat_ref *ref;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (cap != NULL) {
		out->has_capacity = true;
		out->capacity = strtol(cap, NULL, 10);
	}
	ref = gs_seats_of(s, event, &n);
	for (size_t i = 0; i < n; i++) {
		out->total += ref[i].seats;
		if (memcmp(gs_item_state(ref[i].it)->owner, gs_replica_pk(r),
		    32) == 0)
			out->mine += ref[i].seats;
	}
	if (out->has_capacity && out->total > out->capacity)
		out->overbooked = out->total - out->capacity;
}

