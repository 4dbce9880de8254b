/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_item.c: an item in memory (changes added, the merged state, the
 * state a change saw, change lookup, forgetting changes) and the item ID
 * derivations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fields.h"
#include "item.h"

/* Adds change number seq by author 0xa0 + seq, writing name=value. */
static void
add(struct gs_item *it, uint8_t seq, const uint8_t (*parents)[32],
    size_t nparents, const char *name, const char *value)
{
	struct gs_fields d;
	uint8_t id[32], author[32];

	gs_fields_init(&d);
	assert_int_equal(gs_fields_set(&d, name, value), 0);
	memset(id, seq, sizeof(id));
	memset(author, 0xa0 + seq, sizeof(author));
	assert_int_equal(gs_item_add(it, id, author, seq, 1000u * seq, parents,
	    nparents, &d, 0), 0);
	assert_int_equal(d.n, 0);       /* moved into the item */
}

static void
test_methods(void **state)
{
	static const uint8_t id[GS_ITEM_ID_LEN] = { 1, 2, 3 };
	uint8_t c1[1][32], c2[32];
	struct gs_item *it = NULL;
	const struct gs_state *st;
	struct gs_state at;

	(void)state;
	memset(c1[0], 1, 32);
	memset(c2, 2, 32);
	assert_int_equal(gs_item_new(id, GS_TYPE_EVENT, &it), 0);
	assert_memory_equal(it->id, id, sizeof(id));
	assert_int_equal(it->type, GS_TYPE_EVENT);
	assert_false(it->full);
	assert_int_equal(gs_item_received_ms(it), 0);

	add(it, 1, NULL, 0, "title", "Atelier peinture");
	add(it, 2, (const uint8_t (*)[32])c1, 1, "title", "Atelier d'écriture");
	assert_true(it->full);
	assert_int_equal(it->n, 2);
	assert_int_equal(gs_item_has_change(it, c2), 1);
	assert_non_null(gs_item_change(it, c2));
	assert_int_equal(gs_item_change(it, c2)->seq, 2);
	memset(c2, 3, 32);
	assert_null(gs_item_change(it, c2));

	st = gs_item_state(it);
	assert_non_null(st);
	assert_int_equal(st->nchanges, 2);
	assert_string_equal(gs_fields_get(&st->fields, "title"),
	    "Atelier d'écriture");

	/* the state change 2 saw: change 1 alone */
	memset(&at, 0, sizeof(at));
	assert_int_equal(gs_item_state_at(it, (const uint8_t (*)[32])c1, 1,
	    &at), 0);
	assert_string_equal(gs_fields_get(&at.fields, "title"),
	    "Atelier peinture");
	gs_state_clear(&at);
	assert_int_equal(gs_item_state_at(it, (const uint8_t (*)[32])c2, 1,
	    &at), GS_ENOPARENT);
	gs_state_clear(&at);

	gs_item_forget_changes(it);
	assert_false(it->full);
	assert_int_equal(it->n, 0);
	assert_int_equal(gs_item_has_change(it, c1[0]), 0);
	gs_item_destroy(&it);
	assert_null(it);
	gs_item_destroy(&it);           /* NULL is fine */
	gs_item_destroy(NULL);
}

static void
test_ids(void **state)
{
	uint8_t a[32], b[32], id1[16], id2[16], id3[16], ev[16];

	(void)state;
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	memset(ev, 0x33, sizeof(ev));
	gs_item_id_new(a, 1, id1);
	gs_item_id_new(a, 1, id2);
	assert_memory_equal(id1, id2, 16);
	gs_item_id_new(a, 2, id2);
	assert_memory_not_equal(id1, id2, 16);
	gs_item_id_new(b, 1, id2);
	assert_memory_not_equal(id1, id2, 16);
	gs_item_id_site(a, id2);
	assert_memory_not_equal(id1, id2, 16);
	gs_item_id_site(b, id3);
	assert_memory_not_equal(id2, id3, 16);
	gs_item_id_reservation(a, ev, id1);
	gs_item_id_reservation(a, ev, id3);
	assert_memory_equal(id1, id3, 16);
	gs_item_id_reservation(b, ev, id3);
	assert_memory_not_equal(id1, id3, 16);
	assert_memory_not_equal(id1, id2, 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
