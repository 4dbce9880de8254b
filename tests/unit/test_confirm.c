/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_confirm.c: resources' confirmations (confirm.h): the latest one
 * wins whoever wrote it, a blocked site's count for nothing, a
 * confirmation must carry the ID its site and resource imply and may not
 * move to another resource, and the six-month rule of staleness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "confirm.h"
#include "crypto.h"
#include "err.h"
#include "hlc.h"
#include "identity.h"
#include "item.h"
#include "replica.h"
#include "textfmt.h"
#include "trust.h"

#include "fixture.h"

/* A root confirmation of resource by id, its item ID as given. */
static struct gs_change *
confirmation(const struct gs_identity *id, const uint8_t item[16],
    const uint8_t resource[16], uint64_t seq, uint64_t hlc)
{
	struct gs_change *c;
	uint8_t *body;
	size_t len;
	char hex[33];

	gs_hex(resource, 16, hex);
	fx_body_kv(&body, &len, "resource", hex, NULL);
	c = fx_sign(gs_identity_sk(id), item, GS_TYPE_CONFIRMATION, seq, hlc,
	    NULL, 0, false, body, len);
	free(body);
	return c;
}

static void
test_latest_and_blocked(void **state)
{
	struct fx *f = *state;
	struct gs_confirms *cf;
	const struct gs_confirm *c;
	struct gs_change *ch;
	uint8_t res[16], mine[16], theirs[16];
	char hex[33];

	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESOURCE, res, "name",
	    "GEM L'Envol", "kind", "gem", NULL), 0);
	cf = gs_confirms_build(f->r);
	assert_null(gs_confirms_latest(cf, res));
	gs_confirms_free(&cf);
	/* this site confirms */
	gs_hex(res, 16, hex);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_CONFIRMATION, mine,
	    "resource", hex, NULL), 0);
	gs_item_id_confirmation(gs_replica_pk(f->r), res, theirs);
	assert_memory_equal(mine, theirs, 16);
	cf = gs_confirms_build(f->r);
	c = gs_confirms_latest(cf, res);
	assert_non_null(c);
	assert_memory_equal(c->by, gs_replica_pk(f->r), 32);
	gs_confirms_free(&cf);
	/* B confirms later: B's is the latest */
	gs_item_id_confirmation(gs_identity_pk(f->b), res, theirs);
	ch = confirmation(f->b, theirs, res, 1, fx_now_hlc() + 1000000);
	assert_int_equal(fx_apply_c(f, ch), 0);
	gs_change_destroy(&ch);
	cf = gs_confirms_build(f->r);
	c = gs_confirms_latest(cf, res);
	assert_non_null(c);
	assert_memory_equal(c->by, gs_identity_pk(f->b), 32);
	gs_confirms_free(&cf);
	/* once B is blocked, its confirmation counts for nothing */
	fx_trust(f, gs_identity_pk(f->b), GS_TRUST_BLOCKED);
	cf = gs_confirms_build(f->r);
	c = gs_confirms_latest(cf, res);
	assert_non_null(c);
	assert_memory_equal(c->by, gs_replica_pk(f->r), 32);
	gs_confirms_free(&cf);
	/* confirming again is the same item */
	assert_int_equal(fx_write(f, NULL, GS_TYPE_CONFIRMATION, theirs,
	    "resource", hex, NULL), 0);
	assert_memory_equal(mine, theirs, 16);
}

static void
test_identity_bound(void **state)
{
	struct fx *f = *state;
	struct gs_change *ch, *edit;
	uint8_t res[16], other[16], id[16];
	char hex[33];

	memset(res, 0x11, sizeof(res));
	memset(other, 0x22, sizeof(other));
	/* an ID that is not (A, resource)'s is refused */
	gs_item_id_confirmation(gs_identity_pk(f->a), other, id);
	ch = confirmation(f->a, id, res, 1, fx_now_hlc());
	assert_int_not_equal(fx_apply_c(f, ch), 0);
	gs_change_destroy(&ch);
	/* the right one is kept, though the resource is not held (yet) */
	gs_item_id_confirmation(gs_identity_pk(f->a), res, id);
	ch = confirmation(f->a, id, res, 1, fx_now_hlc());
	assert_int_equal(fx_apply_c(f, ch), 0);
	assert_non_null(gs_replica_item(f->r, id));
	/* an edit may not move it to another resource */
	gs_hex(other, 16, hex);
	edit = fx_edit(f->a, 2, fx_now_hlc() + 70000, ch, "resource", hex);
	assert_int_not_equal(fx_apply_c(f, edit), 0);
	gs_change_destroy(&edit);
	gs_hex(res, 16, hex);
	edit = fx_edit(f->a, 2, fx_now_hlc() + 70000, ch, "resource", hex);
	assert_int_equal(fx_apply_c(f, edit), 0);
	gs_change_destroy(&edit);
	gs_change_destroy(&ch);
}

static void
test_stale_rule(void **state)
{
	const int64_t now = 1800000000000ll, day = 86400000ll;
	struct gs_confirm c;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* never confirmed: from its creation */
	assert_true(gs_confirm_stale(NULL, GS_HLC_MAKE(now - 184 * day, 0),
	    now));
	assert_false(gs_confirm_stale(NULL, GS_HLC_MAKE(now - 182 * day, 0),
	    now));
	/* a confirmation 10 days ago keeps an old record fresh */
	c.hlc = GS_HLC_MAKE(now - 10 * day, 0);
	assert_false(gs_confirm_stale(&c, GS_HLC_MAKE(now - 400 * day, 0),
	    now));
	/* one 200 days ago does not */
	c.hlc = GS_HLC_MAKE(now - 200 * day, 0);
	assert_true(gs_confirm_stale(&c, GS_HLC_MAKE(now - 400 * day, 0),
	    now));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_latest_and_blocked,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_identity_bound, fx_setup,
		    fx_teardown),
		cmocka_unit_test(test_stale_rule),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
