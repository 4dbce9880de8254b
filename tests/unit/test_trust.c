/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_trust.c: the table of known sites (daemon/trust.c) over the store
 * of the shared fixture's site (fixture.h), whose trust already holds A
 * and B trusted and X blocked: loading from a store (and skipping a row
 * with an invalid key), set and get, lookup by transport key, blocked vs
 * untrusted vs trusted, introduced sites, the rate and pending limits of
 * gs_trust_note_unknown, undoing a change after a rollback and restoring
 * an earlier state, and persistence across a reload and a restart of the
 * replica.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "identity.h"
#include "replica.h"
#include "store.h"
#include "trust.h"

#include "fixture.h"

/* A fresh, valid site key. */
static void
new_pk(uint8_t pk[32])
{
	uint8_t *sk = gs_secure_alloc(GS_SK_LEN);

	assert_non_null(sk);
	assert_int_equal(gs_sign_keypair(pk, sk), 0);
	gs_secure_free(sk);
}

/* A second table over the fixture's store, as the daemon would load it. */
static struct gs_trust *
load(struct fx *f)
{
	struct gs_trust *t = NULL;

	assert_int_equal(gs_trust_load(f->st,
	    gs_replica_pk(f->r), &t), 0);
	assert_non_null(t);
	return t;
}

struct tally {
	size_t n, pending, trusted, blocked;
	uint8_t last[32];             /* the previous key seen */
	int sorted;                   /* every key greater than the last */
	size_t stop_at;               /* 1-based site to return 7 at; 0: none */
};

static int
on_site(const struct gs_trust_site *s, void *arg)
{
	struct tally *t = arg;

	if (t->n > 0 && memcmp(t->last, s->pk, 32) >= 0)
		t->sorted = 0;
	memcpy(t->last, s->pk, 32);
	t->n++;
	t->pending += s->trust == GS_TRUST_PENDING;
	t->trusted += s->trust == GS_TRUST_TRUSTED;
	t->blocked += s->trust == GS_TRUST_BLOCKED;
	return t->n == t->stop_at ? 7 : 0;
}

static struct tally
tally(const struct gs_trust *tr)
{
	struct tally t;

	memset(&t, 0, sizeof(t));
	t.sorted = 1;
	assert_int_equal(gs_trust_foreach(tr, on_site, &t), 0);
	assert_true(t.sorted);
	return t;
}

/* The fixture's sites come back from the store, keys and all. */
static void
test_load(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t = load(f);
	const struct gs_trust_site *s;
	struct tally n = tally(t);
	uint8_t curve[32];
	time_t now = time(NULL);

	assert_int_equal(n.n, 3);
	assert_int_equal(n.trusted, 2);
	assert_int_equal(n.blocked, 1);
	s = gs_trust_get(t, gs_identity_pk(f->a));
	assert_non_null(s);
	assert_memory_equal(s->pk, gs_identity_pk(f->a), 32);
	assert_int_equal(s->trust, GS_TRUST_TRUSTED);
	assert_false(s->introduced);
	assert_int_equal(gs_pk_to_curve(gs_identity_pk(f->a), curve), 0);
	assert_memory_equal(s->curve, curve, 32);
	assert_in_range(s->first_seen, now - 600, now + 1);
	assert_int_equal(gs_trust_get(t, gs_identity_pk(f->x))->trust,
	    GS_TRUST_BLOCKED);
	assert_null(gs_trust_get(t, gs_identity_pk(f->u)));
	/* this site is not a row of its own */
	assert_null(gs_trust_get(t, gs_replica_pk(f->r)));
	/* foreach stops on the first non-zero and returns it */
	memset(&n, 0, sizeof(n));
	n.stop_at = 2;
	assert_int_equal(gs_trust_foreach(t, on_site, &n), 7);
	assert_int_equal(n.n, 2);
	gs_trust_destroy(&t);
	assert_null(t);
	gs_trust_destroy(&t);     /* accepts NULL */
}

/* A stored row whose key is not a point is skipped, the rest loaded. */
static void
test_load_skips_invalid_key(void **state)
{
	struct fx *f = *state;
	struct gs_site_row row;
	struct gs_trust *t;

	memset(&row, 0, sizeof(row));
	row.pk[0] = 1;            /* the neutral point: small order */
	row.trust = GS_TRUST_TRUSTED;
	row.first_seen = 1;
	assert_int_equal(gs_store_site_put(f->st, &row), 0);
	t = load(f);
	assert_null(gs_trust_get(t, row.pk));
	assert_int_equal(gs_trust_author_ok(t, row.pk), GS_EUNTRUSTED);
	assert_int_equal(tally(t).n, 3);
	/* and gs_trust_set refuses such a key, writing nothing */
	assert_int_equal(gs_trust_set(t, row.pk, GS_TRUST_TRUSTED, NULL),
	    GS_EINVAL);
	assert_null(gs_trust_get(t, row.pk));
	gs_trust_destroy(&t);
}

/* Trusted, blocked, pending and unknown, and this site itself. */
static void
test_author_ok(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t = load(f);
	const uint8_t *a = gs_identity_pk(f->a), *u = gs_identity_pk(f->u);
	const uint8_t *x = gs_identity_pk(f->x);

	assert_int_equal(gs_trust_author_ok(t, gs_replica_pk(f->r)), 0);
	assert_int_equal(gs_trust_author_ok(t, a), 0);
	assert_int_equal(gs_trust_author_ok(t, x), GS_EBLOCKED);
	assert_int_equal(gs_trust_author_ok(t, u), GS_EUNTRUSTED);
	/* pending is known, not trusted */
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_PENDING, NULL), 0);
	assert_non_null(gs_trust_get(t, u));
	assert_int_equal(gs_trust_author_ok(t, u), GS_EUNTRUSTED);
	/* every state can change to every other */
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_TRUSTED, NULL), 0);
	assert_int_equal(gs_trust_author_ok(t, u), 0);
	assert_int_equal(gs_trust_set(t, x, GS_TRUST_TRUSTED, NULL), 0);
	assert_int_equal(gs_trust_author_ok(t, x), 0);
	assert_int_equal(gs_trust_set(t, a, GS_TRUST_BLOCKED, NULL), 0);
	assert_int_equal(gs_trust_author_ok(t, a), GS_EBLOCKED);
	assert_int_equal(gs_trust_set(t, a, GS_TRUST_PENDING, NULL), 0);
	assert_int_equal(gs_trust_author_ok(t, a), GS_EUNTRUSTED);
	assert_int_equal(tally(t).n, 4);
	gs_trust_destroy(&t);
}

/* set and get: introducers, first_seen kept over updates. */
static void
test_set_get(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t;
	const struct gs_trust_site *s;
	struct gs_site_row row;
	const uint8_t *a = gs_identity_pk(f->a), *u = gs_identity_pk(f->u);

	/* a site first seen long ago, as stored */
	memset(&row, 0, sizeof(row));
	memcpy(row.pk, u, 32);
	row.trust = GS_TRUST_PENDING;
	row.first_seen = 12345;
	assert_int_equal(gs_store_site_put(f->st, &row), 0);
	t = load(f);
	s = gs_trust_get(t, u);
	assert_non_null(s);
	assert_int_equal(s->trust, GS_TRUST_PENDING);
	assert_int_equal(s->first_seen, 12345);
	/* trusted through A, an introducer */
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_TRUSTED, a), 0);
	s = gs_trust_get(t, u);
	assert_int_equal(s->trust, GS_TRUST_TRUSTED);
	assert_true(s->introduced);
	assert_memory_equal(s->introducer, a, 32);
	assert_int_equal(s->first_seen, 12345);
	/* trusted directly afterwards: no longer introduced */
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_TRUSTED, NULL), 0);
	s = gs_trust_get(t, u);
	assert_false(s->introduced);
	assert_int_equal(s->first_seen, 12345);
	/* written through to the store */
	assert_int_equal(gs_store_site_get(f->st, u, &row),
	    0);
	assert_int_equal(row.trust, GS_TRUST_TRUSTED);
	assert_false(row.introduced);
	gs_trust_destroy(&t);
}

static void
test_by_curve(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t = load(f);
	uint8_t curve[32];

	assert_int_equal(gs_pk_to_curve(gs_identity_pk(f->b), curve), 0);
	assert_ptr_equal(gs_trust_by_curve(t, curve),
	    gs_trust_get(t, gs_identity_pk(f->b)));
	/* blocked sites are found too: the transport must know to refuse */
	assert_int_equal(gs_pk_to_curve(gs_identity_pk(f->x), curve), 0);
	assert_int_equal(gs_trust_by_curve(t, curve)->trust,
	    GS_TRUST_BLOCKED);
	/* an unknown site, and a site key given as if a curve key */
	assert_int_equal(gs_pk_to_curve(gs_identity_pk(f->u), curve), 0);
	assert_null(gs_trust_by_curve(t, curve));
	assert_null(gs_trust_by_curve(t, gs_identity_pk(f->b)));
	gs_trust_destroy(&t);
}

/* Unknown sites become pending, at most 16 a minute; known ones don't. */
static void
test_note_unknown(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t = load(f);
	uint8_t pk[20][32];

	for (size_t i = 0; i < 20; i++)
		new_pk(pk[i]);
	/* known sites and this site are left as they are */
	gs_trust_note_unknown(t, gs_identity_pk(f->x));
	gs_trust_note_unknown(t, gs_identity_pk(f->a));
	gs_trust_note_unknown(t, gs_replica_pk(f->r));
	assert_int_equal(gs_trust_get(t, gs_identity_pk(f->x))->trust,
	    GS_TRUST_BLOCKED);
	assert_int_equal(gs_trust_get(t, gs_identity_pk(f->a))->trust,
	    GS_TRUST_TRUSTED);
	assert_null(gs_trust_get(t, gs_replica_pk(f->r)));
	assert_int_equal(tally(t).pending, 0);
	for (size_t i = 0; i < 20; i++)
		gs_trust_note_unknown(t, pk[i]);
	assert_int_equal(tally(t).pending, 16);
	assert_int_equal(gs_trust_get(t, pk[0])->trust, GS_TRUST_PENDING);
	assert_int_equal(gs_trust_author_ok(t, pk[0]), GS_EUNTRUSTED);
	assert_null(gs_trust_get(t, pk[19]));
	gs_trust_destroy(&t);
}

/* No more than GS_TRUST_MAX_PENDING sites wait for the admin. */
static void
test_pending_limit(void **state)
{
	struct fx *f = *state;
	struct gs_store *st = f->st;
	struct gs_trust *t;
	struct gs_site_row row;
	uint8_t extra[32], first[32];

	memset(&row, 0, sizeof(row));
	row.trust = GS_TRUST_PENDING;
	row.first_seen = 1;
	assert_int_equal(gs_store_begin(st), 0);
	for (size_t i = 0; i < GS_TRUST_MAX_PENDING; i++) {
		new_pk(row.pk);
		if (i == 0)
			memcpy(first, row.pk, 32);
		assert_int_equal(gs_store_site_put(st, &row), 0);
	}
	assert_int_equal(gs_store_commit(st), 0);
	t = load(f);
	assert_int_equal(tally(t).pending, GS_TRUST_MAX_PENDING);
	new_pk(extra);
	gs_trust_note_unknown(t, extra);
	assert_null(gs_trust_get(t, extra));
	/* the admin decides on one: there is room for another */
	assert_int_equal(gs_trust_set(t, first, GS_TRUST_BLOCKED, NULL), 0);
	gs_trust_note_unknown(t, extra);
	assert_non_null(gs_trust_get(t, extra));
	assert_int_equal(tally(t).pending, GS_TRUST_MAX_PENDING);
	gs_trust_destroy(&t);
}

/*
 * A change rolled back: memory takes back the site as it was (or forgets
 * a site it did not know). A state restored later is written: an unknown
 * site's row goes, an introduced one gets its introducer back.
 */
static void
test_undo_restore(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t = load(f), *t2;
	struct gs_trust_site was;
	struct gs_site_row row;
	const uint8_t *a = gs_identity_pk(f->a), *u = gs_identity_pk(f->u);
	uint8_t fresh[32];
	size_t n = tally(t).n;

	new_pk(fresh);
	/* unknown, trusted in a transaction rolled back: unknown again */
	assert_int_equal(gs_store_begin(f->st), 0);
	assert_int_equal(gs_trust_set(t, fresh, GS_TRUST_TRUSTED, NULL), 0);
	gs_store_rollback(f->st);
	gs_trust_undo(t, fresh, NULL);
	assert_null(gs_trust_get(t, fresh));
	assert_int_equal(tally(t).n, n);
	/* pending, trusted, rolled back: pending and counted as such */
	gs_trust_note_unknown(t, fresh);
	was = *gs_trust_get(t, fresh);
	assert_int_equal(gs_store_begin(f->st), 0);
	assert_int_equal(gs_trust_set(t, fresh, GS_TRUST_TRUSTED, NULL), 0);
	gs_store_rollback(f->st);
	gs_trust_undo(t, fresh, &was);
	assert_int_equal(gs_trust_get(t, fresh)->trust, GS_TRUST_PENDING);
	assert_int_equal(tally(t).pending, 1);
	/* introduced by A, trusted directly, restored: introduced again */
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_TRUSTED, a), 0);
	was = *gs_trust_get(t, u);
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_TRUSTED, NULL), 0);
	assert_int_equal(gs_trust_restore(t, u, &was), 0);
	assert_true(gs_trust_get(t, u)->introduced);
	assert_int_equal(gs_store_site_get(f->st, u, &row), 0);
	assert_true(row.introduced);
	assert_memory_equal(row.introducer, a, 32);
	/* restored to unknown: the row goes, from memory and the store */
	assert_int_equal(gs_trust_restore(t, fresh, NULL), 0);
	assert_null(gs_trust_get(t, fresh));
	assert_int_equal(tally(t).pending, 0);
	assert_int_equal(gs_store_site_get(f->st, fresh, &row), GS_ENOTFOUND);
	assert_int_equal(gs_trust_restore(t, fresh, NULL), 0);
	t2 = load(f);
	assert_int_equal(tally(t2).n, tally(t).n);
	gs_trust_destroy(&t2);
	gs_trust_destroy(&t);
}

/* What was set survives a reload, and a restart of the replica. */
static void
test_persistence(void **state)
{
	struct fx *f = *state;
	struct gs_trust *t = load(f);
	const struct gs_trust_site *s;
	const uint8_t *a = gs_identity_pk(f->a), *u = gs_identity_pk(f->u);
	uint8_t seen[32];
	struct gs_change *c;

	new_pk(seen);
	assert_int_equal(gs_trust_set(t, u, GS_TRUST_TRUSTED, a), 0);
	assert_int_equal(gs_trust_set(t, gs_identity_pk(f->b),
	    GS_TRUST_BLOCKED, NULL), 0);
	gs_trust_note_unknown(t, seen);
	gs_trust_destroy(&t);
	t = load(f);
	s = gs_trust_get(t, u);
	assert_non_null(s);
	assert_int_equal(s->trust, GS_TRUST_TRUSTED);
	assert_true(s->introduced);
	assert_memory_equal(s->introducer, a, 32);
	assert_int_equal(gs_trust_get(t, gs_identity_pk(f->b))->trust,
	    GS_TRUST_BLOCKED);
	assert_int_equal(gs_trust_get(t, seen)->trust, GS_TRUST_PENDING);
	assert_int_equal(tally(t).n, 5);
	gs_trust_destroy(&t);
	/* the fixture's own trust, reloaded by a restart, still blocks X */
	fx_close(f);
	fx_open(f);
	c = fx_root_event(f->x, 1, fx_now_hlc(), "bloqué");
	assert_int_equal(fx_apply_c(f, c), GS_EBLOCKED);
	gs_change_destroy(&c);
	c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	assert_int_equal(fx_apply_c(f, c), 0);
	gs_change_destroy(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_load),
		FX_TEST(test_load_skips_invalid_key),
		FX_TEST(test_author_ok),
		FX_TEST(test_set_get),
		FX_TEST(test_by_curve),
		FX_TEST(test_note_unknown),
		FX_TEST(test_pending_limit),
		FX_TEST(test_undo_restore),
		FX_TEST(test_persistence),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
