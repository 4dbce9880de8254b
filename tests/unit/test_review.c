/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_review.c: reproductions from the code review of the replica core.
 * Each test writes through gs_replica_write/gs_replica_apply, the single
 * path by which changes enter, and asserts the behaviour DESIGN.md asks
 * for.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "store.h"
#include "trust.h"
#include "view.h"

struct fx {
	char dir[256];
	struct gs_store *st;
	struct gs_trust *trust;
	struct gs_replica *r;
	struct gs_identity *b;        /* a trusted peer */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct gs_replica_opts o;
	char site[320], key[320], err[512], bdir[320];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/gs-review-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(site, sizeof(site), "%s/site", f->dir);
	snprintf(key, sizeof(key), "%s/storage.key", f->dir);
	assert_int_equal(gs_replica_init_site(site, key, NULL, err,
	    sizeof(err)), 0);
	memset(&o, 0, sizeof(o));
	o.data_dir = site;
	o.key_file = key;
	o.max_drift_s = 300;
	assert_int_equal(gs_replica_open_store(site, &f->st, err,
	    sizeof(err)), 0);
	assert_int_equal(gs_replica_open(&o, f->st, &f->r, err, sizeof(err)),
	    0);
	snprintf(bdir, sizeof(bdir), "%s/b", f->dir);
	assert_int_equal(mkdir(bdir, 0700), 0);
	assert_int_equal(gs_identity_create(bdir, &f->b), 0);
	assert_int_equal(gs_trust_load(f->st, gs_replica_pk(f->r), &f->trust),
	    0);
	assert_int_equal(gs_trust_set(f->trust, gs_identity_pk(f->b),
	    GS_TRUST_TRUSTED, NULL), 0);
	gs_replica_set_trust(f->r, f->trust);
	*state = f;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *w)
{
	(void)sb;
	(void)flag;
	(void)w;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	gs_replica_close(&f->r);
	gs_trust_destroy(&f->trust);
	gs_store_close(&f->st);
	gs_identity_destroy(&f->b);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void
set(struct gs_fields *d, const char *n, const char *v)
{
	assert_int_equal(gs_fields_set(d, n, v), 0);
}

/* A local event; returns its item. */
static struct gs_item *
add_event(struct fx *f, const char *title, uint8_t id[16])
{
	struct gs_fields d;
	struct gs_verr v;

	gs_fields_init(&d);
	set(&d, "title", title);
	set(&d, "kind", "workshop");
	set(&d, "start", "2030-06-01T14:00:00+02:00");
	set(&d, "capacity", "10");
	memset(&v, 0, sizeof(v));
	assert_int_equal(gs_replica_write(f->r, NULL, GS_TYPE_EVENT, &d,
	    false, NULL, 0, &v, id), 0);
	gs_fields_clear(&d);
	return gs_replica_item(f->r, id);
}

/* Writes a reservation of seats on event (hex), to item (NULL: new). */
static int
reserve(struct fx *f, struct gs_item *it, const char *event,
    const char *seats, uint8_t id[16])
{
	struct gs_fields d;
	struct gs_verr v;
	int rc;

	gs_fields_init(&d);
	set(&d, "event", event);
	set(&d, "seats", seats);
	memset(&v, 0, sizeof(v));
	rc = gs_replica_write(f->r, it, GS_TYPE_RESERVATION, &d, false, NULL,
	    0, &v, id);
	gs_fields_clear(&d);
	return rc;
}

static long
seats_on(struct fx *f, const uint8_t event[16])
{
	struct gs_item *ev = gs_replica_item(f->r, event);
	struct gs_seats *s = gs_seats_build(f->r);
	struct gs_seat_count sc;

	assert_non_null(ev);
	assert_non_null(s);
	gs_seats_count(f->r, s, event, gs_item_state(ev), &sc);
	gs_seats_free(&s);
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
	struct gs_change *c = NULL;
	struct gs_fields d;
	struct gs_wire_change w;
	struct gs_apply_stats st;
	struct gs_verr v;
	uint8_t item[16], mine[16], *body = NULL;
	size_t len = 0;
	struct gs_item *held, *theirs;

	held = add_event(f, "Repas partagé", mine);
	gs_fields_init(&d);
	set(&d, "title", "Atelier de B");
	set(&d, "kind", "workshop");
	set(&d, "start", "2030-06-02T14:00:00+02:00");
	assert_int_equal(gs_fields_encode(&d, &body, &len), 0);
	gs_item_id_new(gs_identity_pk(f->b), 1, item);
	assert_int_equal(gs_change_new(gs_identity_sk(f->b), item,
	    GS_TYPE_EVENT, 1, gs_wall_ms() << 16, NULL, 0, false, body, len,
	    &c), 0);
	memset(&w, 0, sizeof(w));
	w.header = c->header;
	w.header_len = c->header_len;
	w.sig = c->sig;
	w.sig_len = 64;
	w.body = c->body;
	w.body_len = c->body_len;
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_replica_apply(f->r, &w, 1, gs_identity_pk(f->b),
	    &st), 0);
	assert_int_equal(st.applied, 1);
	theirs = gs_replica_item(f->r, item);
	assert_non_null(theirs);
	gs_fields_clear(&d);
	set(&d, "title", "pas à nous");
	memset(&v, 0, sizeof(v));
	assert_int_equal(gs_replica_write(f->r, theirs, GS_TYPE_EVENT, &d,
	    false, NULL, 0, &v, NULL), GS_EDENIED);
	/* the pointers taken before the refusal must still be the items */
	assert_ptr_equal(gs_replica_item(f->r, mine), held);
	assert_ptr_equal(gs_replica_item(f->r, item), theirs);
	gs_fields_clear(&d);
	free(body);
	gs_change_destroy(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_reservation_rewrite_keeps_one, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reservation_cannot_change_event, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_refused_write_keeps_items, setup, teardown),
	};

	if (gs_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
