/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_seats.c: the waiting list (seats.c). The queue computation on its
 * own: order by the reservation's creation HLC then site, strict first
 * come first served, --force, the "available" state of a request written
 * as waiting, per-date capacity and cancellation. Then over a replica:
 * reservations per date (their own ID, their own group), the ID and
 * identity checks of the apply gate, and a cancellation anywhere serving
 * the queue in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "hlc.h"
#include "item.h"
#include "replica.h"
#include "seats.h"

#include "fixture.h"

/* 2025-01-02T03:04:05.678Z */
#define T0 GS_HLC_MAKE(1735787045678ull, 0)

/* ---- the queue on its own ---- */

/* A reservation of seats by site number `site`, created at hlc. */
static struct gs_seat_ref
ref(int site, uint64_t hlc, long seats)
{
	struct gs_seat_ref r;

	memset(&r, 0, sizeof(r));
	memset(r.owner, site, 32);
	memset(r.id, site, 16);
	r.created_hlc = hlc;
	r.seats = seats;
	return r;
}

static void
test_order_hlc_then_site(void **state)
{
	struct gs_seat_ref v[4];
	struct gs_seat_group g;

	(void)state;
	v[0] = ref(9, T0 + 2, 1);
	v[1] = ref(7, T0 + 1, 1);
	v[2] = ref(3, T0 + 2, 1);    /* same time as site 9: the lower key first */
	v[3] = ref(5, T0, 1);
	gs_seats_sort(v, 4);
	assert_int_equal(v[0].owner[0], 5);
	assert_int_equal(v[1].owner[0], 7);
	assert_int_equal(v[2].owner[0], 3);
	assert_int_equal(v[3].owner[0], 9);
	/* the same input in another order gives the same queue */
	v[0] = ref(3, T0 + 2, 1);
	v[1] = ref(9, T0 + 2, 1);
	v[2] = ref(5, T0, 1);
	v[3] = ref(7, T0 + 1, 1);
	gs_seats_sort(v, 4);
	assert_int_equal(v[0].owner[0], 5);
	assert_int_equal(v[2].owner[0], 3);
	/* capacity 2: the first two confirmed, the others wait in order */
	gs_seats_fill(v, 4, true, 2, &g);
	assert_int_equal(v[1].state, GS_SEAT_CONFIRMED);
	assert_int_equal(v[2].state, GS_SEAT_WAITING);
	assert_int_equal(v[2].position, 1);
	assert_int_equal(v[3].position, 2);
	assert_int_equal(g.confirmed, 2);
	assert_int_equal(g.waiting, 2);
	assert_int_equal(g.nwaiting, 2);
}

static void
test_strict_fifo(void **state)
{
	struct gs_seat_ref v[3];
	struct gs_seat_group g;
	struct gs_seat_mine m;
	uint8_t three[32];

	(void)state;
	v[0] = ref(1, T0, 6);
	v[1] = ref(2, T0 + 1, 6);
	v[2] = ref(3, T0 + 2, 2);    /* would fit, but may not jump the queue */
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(v[0].state, GS_SEAT_CONFIRMED);
	assert_int_equal(v[1].state, GS_SEAT_WAITING);
	assert_int_equal(v[2].state, GS_SEAT_WAITING);
	assert_int_equal(v[2].position, 2);
	assert_int_equal(g.confirmed, 6);
	assert_int_equal(g.waiting, 8);
	assert_int_equal(g.total, 14);
	assert_int_equal(g.left, 4);
	assert_int_equal(g.overbooked, 0);
	memset(three, 3, 32);
	gs_seats_mine(&g, three, &m);
	assert_int_equal(m.waiting, 2);
	assert_int_equal(m.position, 2);
	assert_int_equal(m.confirmed, 0);
	/* no capacity: no limit, nobody waits */
	gs_seats_fill(v, 3, false, 0, &g);
	assert_int_equal(g.confirmed, 14);
	assert_int_equal(g.waiting, 0);
	assert_int_equal(g.overbooked, 0);
	/* capacity 0: everyone waits */
	gs_seats_fill(v, 3, true, 0, &g);
	assert_int_equal(g.confirmed, 0);
	assert_int_equal(v[0].position, 1);
}

static void
test_force(void **state)
{
	struct gs_seat_ref v[4];
	struct gs_seat_group g;

	(void)state;
	v[0] = ref(1, T0, 8);
	v[1] = ref(2, T0 + 1, 4);
	v[2] = ref(3, T0 + 2, 5);
	v[2].force = true;           /* the host knows better: always in */
	v[3] = ref(4, T0 + 3, 1);
	gs_seats_fill(v, 4, true, 10, &g);
	assert_int_equal(v[1].state, GS_SEAT_WAITING);
	assert_int_equal(v[2].state, GS_SEAT_CONFIRMED);
	assert_int_equal(v[3].state, GS_SEAT_WAITING);
	assert_int_equal(v[3].position, 2);
	assert_int_equal(g.confirmed, 13);
	assert_int_equal(g.overbooked, 3);
	assert_int_equal(g.left, 0);
	/* a forced request written as waiting is confirmed all the same */
	v[2].flagged = true;
	gs_seats_fill(v, 4, true, 10, &g);
	assert_int_equal(v[2].state, GS_SEAT_CONFIRMED);
	assert_int_equal(g.available, 0);
}

static void
test_cancellation_serves_queue(void **state)
{
	struct gs_seat_ref v[3];
	struct gs_seat_group g;

	(void)state;
	v[0] = ref(1, T0, 6);
	v[1] = ref(2, T0 + 1, 6);
	v[2] = ref(3, T0 + 2, 4);
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(g.confirmed, 6);
	assert_int_equal(g.waiting, 10);
	/* the first site gives its seats back (0 seats: not indexed) */
	gs_seats_fill(v + 1, 2, true, 10, &g);
	assert_int_equal(v[1].state, GS_SEAT_CONFIRMED);
	assert_int_equal(v[2].state, GS_SEAT_CONFIRMED);
	assert_int_equal(g.confirmed, 10);
	assert_int_equal(g.left, 0);
	/* a reduction: the first site keeps 2, the queue moves by one */
	v[0].seats = 2;
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(v[1].state, GS_SEAT_CONFIRMED);
	assert_int_equal(v[2].state, GS_SEAT_WAITING);
	assert_int_equal(v[2].position, 1);
	assert_int_equal(g.left, 2);
}

static void
test_available(void **state)
{
	struct gs_seat_ref v[3];
	struct gs_seat_group g;
	struct gs_seat_mine m;
	uint8_t two[32];

	(void)state;
	v[0] = ref(1, T0, 4);
	v[1] = ref(2, T0 + 1, 4);
	v[1].flagged = true;         /* written as waiting */
	v[2] = ref(3, T0 + 2, 2);
	/* it fits: offered, kept for it, not confirmed yet */
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(v[1].state, GS_SEAT_AVAILABLE);
	assert_int_equal(v[2].state, GS_SEAT_CONFIRMED);
	assert_int_equal(g.confirmed, 6);
	assert_int_equal(g.available, 4);
	assert_int_equal(g.left, 0);
	memset(two, 2, 32);
	gs_seats_mine(&g, two, &m);
	assert_int_equal(m.available, 4);
	assert_int_equal(m.confirmed, 0);
	assert_int_equal(m.position, 0);
	/* the seats it keeps are not given to later requests */
	v[2].seats = 3;
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(v[2].state, GS_SEAT_WAITING);
	/* still too big: it waits, flagged or not */
	v[1].seats = 7;
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(v[1].state, GS_SEAT_WAITING);
	assert_int_equal(v[1].position, 1);
	/* re-confirmed (flag cleared): confirmed */
	v[1].seats = 4;
	v[1].flagged = false;
	gs_seats_fill(v, 3, true, 10, &g);
	assert_int_equal(v[1].state, GS_SEAT_CONFIRMED);
}

static void
test_capacity_per_date(void **state)
{
	struct gs_state st;
	long cap = -1;

	(void)state;
	memset(&st, 0, sizeof(st));
	gs_fields_init(&st.fields);
	assert_false(gs_seats_capacity(&st, "", &cap));
	assert_int_equal(gs_fields_set(&st.fields, "capacity", "10"), 0);
	assert_true(gs_seats_capacity(&st, "", &cap));
	assert_int_equal(cap, 10);
	assert_true(gs_seats_capacity(&st, "2026-12-22", &cap));
	assert_int_equal(cap, 10);
	assert_int_equal(gs_fields_set(&st.fields, "capacity@2026-12-22", "3"),
	    0);
	assert_true(gs_seats_capacity(&st, "2026-12-22", &cap));
	assert_int_equal(cap, 3);
	assert_true(gs_seats_capacity(&st, "2026-12-29", &cap));
	assert_int_equal(cap, 10);
	assert_true(gs_seats_capacity(&st, NULL, &cap));
	assert_int_equal(cap, 10);
	/* a cancelled date, not the others; a cancelled event, every date */
	assert_false(gs_seats_cancelled(&st, "2026-12-22"));
	assert_int_equal(gs_fields_set(&st.fields, "cancelled@2026-12-22",
	    "yes"), 0);
	assert_true(gs_seats_cancelled(&st, "2026-12-22"));
	assert_false(gs_seats_cancelled(&st, "2026-12-29"));
	assert_false(gs_seats_cancelled(&st, ""));
	assert_int_equal(gs_fields_set(&st.fields, "cancelled", "yes"), 0);
	assert_true(gs_seats_cancelled(&st, "2026-12-29"));
	gs_fields_clear(&st.fields);
}

/* ---- over a replica ---- */

/* A change by id of type on item (parent NULL: a root), applied. */
static struct gs_change *
by(struct fx *f, const struct gs_identity *id, int type,
    const uint8_t item[16], uint64_t seq, uint64_t hlc,
    const struct gs_change *parent, int want, const char *name, ...)
{
	struct gs_fields d;
	struct gs_change *c;
	uint8_t *body = NULL;
	size_t len;
	va_list ap;

	gs_fields_init(&d);
	va_start(ap, name);
	for (const char *n = name; n != NULL; n = va_arg(ap, const char *))
		fx_set(&d, n, va_arg(ap, const char *));
	va_end(ap);
	assert_int_equal(gs_fields_encode(&d, &body, &len), 0);
	c = fx_sign(gs_identity_sk(id), item, type, seq, hlc,
	    parent != NULL ? (const uint8_t (*)[32])parent->id : NULL,
	    parent != NULL ? 1 : 0, false, body, len);
	if (want == 0)
		assert_int_equal(fx_apply_c(f, c), 0);
	else
		assert_int_not_equal(fx_apply_c(f, c), 0);
	free(body);
	gs_fields_clear(&d);
	return c;
}

static void
test_dated_reservations(void **state)
{
	struct fx *f = *state;
	const uint8_t *b = gs_identity_pk(f->b);
	const struct gs_seat_group *g;
	struct gs_seats *s;
	struct gs_change *c;
	uint8_t ev[16], id[16], undated[16], mine[16], want[16];
	char evhex[33];

	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, ev, "kind",
	    "workshop", "start", "2030-06-04T14:00:00+02:00", "title",
	    "Atelier écriture", "capacity", "3", NULL), 0);
	gs_hex(ev, 16, evhex);
	/* B's reservation on one date carries the dated ID */
	assert_int_equal(gs_item_id_reservation_date(b, ev, "2030-06-11",
	    id), 0);
	gs_item_id_reservation(b, ev, undated);
	assert_memory_not_equal(id, undated, 16);
	c = by(f, f->b, GS_TYPE_RESERVATION, id, 1, T0, NULL, 0, "event",
	    evhex, "date", "2030-06-11", "seats", "2", NULL);
	/* an edit may not move it to another date, nor name a date alone */
	gs_change_destroy(&c);
	c = by(f, f->b, GS_TYPE_RESERVATION, undated, 2, T0 + 1, NULL,
	    GS_EINVAL, "event", evhex, "date", "2030-06-18", "seats", "2",
	    NULL);
	gs_change_destroy(&c);
	/* the undated ID with a date is refused as a root */
	c = by(f, f->b, GS_TYPE_RESERVATION, undated, 2, T0 + 1, NULL,
	    GS_EINVAL, "event", evhex, "date", "2030-06-11", "seats", "2",
	    NULL);
	gs_change_destroy(&c);
	/* this site: one date and the event itself are two reservations */
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, mine, "event",
	    evhex, "date", "2030-06-11", "seats", "2", NULL), 0);
	assert_int_equal(gs_item_id_reservation_date(gs_replica_pk(f->r), ev,
	    "2030-06-11", want), 0);
	assert_memory_equal(mine, want, 16);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    evhex, "seats", "1", NULL), 0);
	s = gs_seats_build(f->r);
	assert_non_null(s);
	/* the date: B first (created first), then this site, which waits */
	g = gs_seats_group(s, ev, "2030-06-11");
	assert_non_null(g);
	assert_int_equal(g->n, 2);
	assert_int_equal(g->confirmed, 2);
	assert_int_equal(g->waiting, 2);
	assert_memory_equal(g->v[0].owner, b, 32);
	assert_int_equal(g->v[1].position, 1);
	/* the event itself is its own group */
	g = gs_seats_group(s, ev, "");
	assert_non_null(g);
	assert_int_equal(g->confirmed, 1);
	assert_null(gs_seats_group(s, ev, "2030-06-18"));
	gs_seats_free(&s);
}

static void
test_cancellation_anywhere(void **state)
{
	struct fx *f = *state;
	const struct gs_seat_group *g;
	struct gs_seat_mine m;
	struct gs_seats *s;
	struct gs_change *cb, *ca, *c;
	uint8_t ev[16], rb[16], ra[16];
	char evhex[33];

	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, ev, "kind",
	    "outing", "start", "2030-06-04T14:00:00+02:00", "title",
	    "Sortie au musée", "capacity", "4", NULL), 0);
	gs_hex(ev, 16, evhex);
	gs_item_id_reservation(gs_identity_pk(f->b), ev, rb);
	gs_item_id_reservation(gs_identity_pk(f->a), ev, ra);
	/* B then A, each 3 seats: A waits; this site (newest) too */
	cb = by(f, f->b, GS_TYPE_RESERVATION, rb, 1, T0, NULL, 0, "event",
	    evhex, "seats", "3", NULL);
	ca = by(f, f->a, GS_TYPE_RESERVATION, ra, 1, T0 + 1, NULL, 0, "event",
	    evhex, "seats", "3", NULL);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    evhex, "seats", "1", "waiting", "yes", NULL), 0);
	s = gs_seats_build(f->r);
	g = gs_seats_group(s, ev, NULL);
	assert_int_equal(g->confirmed, 3);
	assert_int_equal(g->nwaiting, 2);
	gs_seats_mine(g, gs_replica_pk(f->r), &m);
	assert_int_equal(m.position, 2);
	gs_seats_free(&s);
	/* B gives its seats back: A is served, then this site's request is
	 * offered (written as waiting): available, to confirm */
	c = by(f, f->b, GS_TYPE_RESERVATION, rb, 2, T0 + 5, cb, 0, "event",
	    evhex, "seats", "0", NULL);
	gs_change_destroy(&c);
	s = gs_seats_build(f->r);
	g = gs_seats_group(s, ev, NULL);
	assert_int_equal(g->confirmed, 3);
	assert_int_equal(g->available, 1);
	assert_int_equal(g->nwaiting, 0);
	gs_seats_mine(g, gs_replica_pk(f->r), &m);
	assert_int_equal(m.available, 1);
	gs_seats_free(&s);
	/* re-reserving clears the flag: confirmed */
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    evhex, "seats", "1", "waiting", "no", NULL), 0);
	s = gs_seats_build(f->r);
	g = gs_seats_group(s, ev, NULL);
	assert_int_equal(g->confirmed, 4);
	assert_int_equal(g->left, 0);
	gs_seats_free(&s);
	/* a blocked site's seats free theirs too */
	fx_trust(f, gs_identity_pk(f->a), GS_TRUST_BLOCKED);
	s = gs_seats_build(f->r);
	g = gs_seats_group(s, ev, NULL);
	assert_int_equal(g->confirmed, 1);
	gs_seats_free(&s);
	gs_change_destroy(&cb);
	gs_change_destroy(&ca);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_hlc_then_site),
		cmocka_unit_test(test_strict_fifo),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_cancellation_serves_queue),
		cmocka_unit_test(test_available),
		cmocka_unit_test(test_capacity_per_date),
		FX_TEST(test_dated_reservations),
		FX_TEST(test_cancellation_anywhere),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
