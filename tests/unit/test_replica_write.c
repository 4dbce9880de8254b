/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_replica_write.c: the replica's local writes (daemon/replica_write.c,
 * gs_replica_write), reproductions from the code review of the replica
 * core: a site's reservation on an event is one item, rewritten and never
 * pointed at another event, and a refused write leaves the items a caller
 * holds valid. Each test writes through gs_replica_write (and
 * gs_replica_apply for a peer's item), the single path by which changes
 * enter, on the shared fixture's throw-away site (fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "fields.h"
#include "hlc.h"
#include "identity.h"
#include "item.h"
#include "itemset.h"
#include "replica.h"
#include "view.h"

#include "fixture.h"

/* A local event; returns its item. */
static struct gs_item *
add_event(struct fx *f, const char *title, uint8_t id[16])
{
	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, id, "title", title,
	    "kind", "workshop", "start", "2030-06-01T14:00:00+02:00",
	    "capacity", "10", NULL), 0);
	return gs_replica_item(f->r, id);
}

/* Writes a reservation of seats on event (hex), to item (NULL: new). */
static int
reserve(struct fx *f, struct gs_item *it, const char *event,
    const char *seats, uint8_t id[16])
{
	return fx_write(f, it, GS_TYPE_RESERVATION, id, "event", event,
	    "seats", seats, NULL);
}

static long
seats_on(struct fx *f, const uint8_t event[16])
{
	struct gs_seat_count sc;

	fx_seats(f, event, &sc);
	return sc.total;
}

/* The supported path: one reservation per site and event, rewritten. */
static void
test_reservation_rewrite_keeps_one(void **state)
{
	struct fx *f = *state;
	uint8_t e1[16], rid[16];
	char h1[33];

	add_event(f, "Atelier écriture", e1);
	gs_hex(e1, 16, h1);
	assert_int_equal(reserve(f, NULL, h1, "3", rid), 0);
	assert_int_equal(reserve(f, NULL, h1, "5", rid), 0);
	assert_int_equal(seats_on(f, e1), 5);
}

/*
 * apply_one checks the reservation ID against "event" only on the root
 * change: a later change may point the reservation at another event, so
 * one site ends up holding several reservations on one event (and the
 * seats index has ties that qsort may order differently on two sites).
 */
static void
test_reservation_cannot_change_event(void **state)
{
	struct fx *f = *state;
	uint8_t e1[16], e2[16], r1[16], r2[16];
	char h1[33], h2[33];
	struct gs_item *res;

	add_event(f, "Sortie au musée", e1);
	add_event(f, "Marche douce au parc", e2);
	gs_hex(e1, 16, h1);
	gs_hex(e2, 16, h2);
	assert_int_equal(reserve(f, NULL, h1, "8", r1), 0);
	res = gs_replica_item(f->r, r1);
	assert_non_null(res);
	/* retarget the reservation of e1 to e2: must be refused */
	assert_int_not_equal(reserve(f, res, h2, "8", r1), 0);
	assert_int_equal(reserve(f, NULL, h2, "8", r2), 0);
	assert_int_equal(seats_on(f, e2), 8);
}

/*
 * A refused local write (here GS_EDENIED: B's event) rolls back and
 * reloads the whole store, freeing every struct gs_item the caller holds.
 */
static void
test_refused_write_keeps_items(void **state)
{
	struct fx *f = *state;
	struct gs_change *c;
	uint8_t mine[16];
	struct gs_item *held, *theirs;

	held = add_event(f, "Repas partagé", mine);
	c = fx_root_event(f->b, 1, fx_now_hlc(), "Atelier de B");
	assert_int_equal(fx_apply_c(f, c), 0);
	theirs = gs_replica_item(f->r, c->item);
	assert_non_null(theirs);
	assert_int_equal(fx_write(f, theirs, GS_TYPE_EVENT, NULL, "title",
	    "pas à nous", NULL), GS_EDENIED);
	/* the pointers taken before the refusal must still be the items */
	assert_ptr_equal(gs_replica_item(f->r, mine), held);
	assert_ptr_equal(gs_replica_item(f->r, c->item), theirs);
	gs_change_destroy(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_reservation_rewrite_keeps_one),
		FX_TEST(test_reservation_cannot_change_event),
		FX_TEST(test_refused_write_keeps_items),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
