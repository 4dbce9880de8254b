/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_item.c: an item in memory (changes added, the merged state, the
 * state a change saw, change lookup, forgetting changes) and the item ID
 * derivations; a long chain of edits costs no merge per change (issue 17),
 * and the states kept up to date change by change equal a full merge.
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
#include "fields.h"
#include "item.h"
#include "merge.h"

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

/* A change ID from a counter: 32 bytes, distinct for every i. */
static void
cid(uint32_t i, uint8_t id[32])
{
	memset(id, 0x5a, 32);
	id[0] = (uint8_t)(i >> 24);
	id[1] = (uint8_t)(i >> 16);
	id[2] = (uint8_t)(i >> 8);
	id[3] = (uint8_t)i;
}

/* Adds change i (author a, hlc i + 1) writing name=value (name NULL:
 * nothing), with the given parents, as the apply gate does: first the
 * state its parents saw (gs_item_seen), then the change. */
static void
gate_add(struct gs_item *it, uint32_t i, uint8_t a, const uint8_t (*parents)[32],
    size_t nparents, const char *name, const char *value)
{
	struct gs_fields d;
	const struct gs_state *seen = NULL;
	uint8_t id[32], author[32];

	gs_fields_init(&d);
	if (name != NULL)
		assert_int_equal(gs_fields_set(&d, name, value), 0);
	cid(i, id);
	memset(author, a, sizeof(author));
	if (nparents > 0) {
		assert_int_equal(gs_item_seen(it, parents, nparents, &seen), 0);
		assert_non_null(seen);
	}
	assert_int_equal(gs_item_add(it, id, author, i + 1, i + 1, parents,
	    nparents, &d, 0), 0);
	gs_fields_clear(&d);
}

/* gs_merge of every change of it (or below heads), as merge_item does. */
static int
full_merge(const struct gs_item *it, const uint8_t (*heads)[32],
    size_t nheads, struct gs_state *out)
{
	struct gs_mchange *mc = calloc(it->n ? it->n : 1, sizeof(*mc));
	int rc;

	assert_non_null(mc);
	for (size_t i = 0; i < it->n; i++) {
		memcpy(mc[i].id, it->ch[i].id, 32);
		memcpy(mc[i].author, it->ch[i].author, 32);
		mc[i].hlc = it->ch[i].hlc;
		mc[i].nparents = it->ch[i].nparents;
		mc[i].parents = (const uint8_t (*)[32])it->ch[i].parents;
		mc[i].delta = &it->ch[i].delta;
	}
	memset(out, 0, sizeof(*out));
	rc = gs_merge(mc, it->n, heads, nheads, out);
	free(mc);
	return rc;
}

static void
assert_same_state(const struct gs_state *a, const struct gs_state *b)
{
	assert_memory_equal(a->owner, b->owner, 32);
	assert_memory_equal(a->root, b->root, 32);
	assert_true(gs_fields_equal(&a->fields, &b->fields));
	assert_int_equal(a->deleted, b->deleted);
	assert_int_equal(a->nheads, b->nheads);
	for (size_t h = 0; h < a->nheads; h++)
		assert_memory_equal(a->heads[h], b->heads[h], 32);
	assert_int_equal(a->nconflicts, b->nconflicts);
	for (size_t k = 0; k < a->nconflicts; k++) {
		const struct gs_conflict *x = &a->conflicts[k];
		const struct gs_conflict *y = &b->conflicts[k];
		assert_string_equal(x->field, y->field);
		assert_int_equal(x->ncand, y->ncand);
		for (size_t c = 0; c < x->ncand; c++) {
			assert_string_equal(x->cand[c].value, y->cand[c].value);
			assert_memory_equal(x->cand[c].change,
			    y->cand[c].change, 32);
		}
	}
	assert_int_equal(a->created_hlc, b->created_hlc);
	assert_int_equal(a->updated_hlc, b->updated_hlc);
	assert_int_equal(a->nchanges, b->nchanges);
}

/*
 * Issue 17: a 5,000-change chain on one item, applied as the gate does
 * (the state each change's parents saw, then the change; the item's
 * state written every 256 changes, as each slice's commit does), merges
 * the item's history a bounded number of times, not once per change
 * (which made applying the chain cubic: 9 s of a blocked loop). Counts
 * merges, not time.
 */
static void
test_long_chain_not_quadratic(void **state)
{
	static const uint8_t iid[GS_ITEM_ID_LEN] = { 7 };
	enum { N = 5000 };
	struct gs_item *it = NULL;
	struct gs_state full;
	uint8_t prev[1][32];
	char title[32];

	(void)state;
	assert_int_equal(gs_item_new(iid, GS_TYPE_EVENT, &it), 0);
	gate_add(it, 0, 0xb0, NULL, 0, "title", "Chaîne n°0");
	for (uint32_t i = 1; i < N; i++) {
		cid(i - 1, prev[0]);
		snprintf(title, sizeof(title), "Chaîne n°%u", (unsigned)i);
		gate_add(it, i, 0xb0, (const uint8_t (*)[32])prev, 1, "title",
		    title);
		if (i % 256 == 0)
			assert_non_null(gs_item_state(it));
	}
	/* the root's state, once: nothing per change */
	assert_true(gs_item_merges(it) <= 2);
	assert_non_null(gs_item_state(it));
	assert_string_equal(gs_fields_get(&gs_item_state(it)->fields,
	    "title"), "Chaîne n°4999");
	assert_int_equal(full_merge(it, NULL, 0, &full), 0);
	assert_same_state(gs_item_state(it), &full);
	gs_state_clear(&full);
	gs_item_destroy(&it);
}

/*
 * The same chain grafted on the root beside another head (a branch, as
 * a peer that forked long ago sends it): the state its parents saw is
 * kept up to date too, so the only merges are the item's own state, once
 * per "slice" of 256 changes.
 */
static void
test_branch_chain_not_quadratic(void **state)
{
	static const uint8_t iid[GS_ITEM_ID_LEN] = { 8 };
	enum { N = 3000 };
	struct gs_item *it = NULL;
	struct gs_state full;
	uint8_t prev[1][32];

	(void)state;
	assert_int_equal(gs_item_new(iid, GS_TYPE_EVENT, &it), 0);
	gate_add(it, 0, 0xb0, NULL, 0, "title", "racine");
	cid(0, prev[0]);
	gate_add(it, 1, 0xb0, (const uint8_t (*)[32])prev, 1, "place", "ici");
	for (uint32_t i = 2; i < N; i++) {
		cid(i == 2 ? 0 : i - 1, prev[0]);
		gate_add(it, i, 0xc0, (const uint8_t (*)[32])prev, 1, "title",
		    i % 2 ? "impair" : "pair");
		if (i % 256 == 0)
			assert_non_null(gs_item_state(it));
	}
	assert_true(gs_item_merges(it) <= 2 + N / 256 + 2);
	assert_int_equal(full_merge(it, NULL, 0, &full), 0);
	assert_same_state(gs_item_state(it), &full);
	assert_int_equal(gs_item_state(it)->nheads, 2);
	gs_state_clear(&full);
	gs_item_destroy(&it);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random DAGs (chains on the heads, chains on branches, merges of random
 * changes, deletes and undeletes racing edits, cleared values, empty
 * deltas): after every change, the state kept up to date equals a full
 * merge, and so does every state gs_item_seen() lends.
 */
static void
test_incremental_equals_full_merge(void **state)
{
	static const uint8_t iid[GS_ITEM_ID_LEN] = { 9 };
	static const char *names[] = { "title", "place", "_deleted", NULL };
	static const char *values[] = { "a", "b", "", "1", "0" };
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int round = 0; round < 40; round++) {
		struct gs_item *it = NULL;
		uint32_t last = 0;

		assert_int_equal(gs_item_new(iid, GS_TYPE_EVENT, &it), 0);
		gate_add(it, 0, 0xb0, NULL, 0, "title", "racine");
		for (uint32_t i = 1; i < 120; i++) {
			uint8_t parents[3][32];
			size_t np = 0;
			unsigned how = (unsigned)(xorshift(&rng) % 10);
			const char *name = names[xorshift(&rng) % 4];
			const char *value;
			const struct gs_state *cur = gs_item_state(it), *seen;
			struct gs_state want;

			assert_non_null(cur);
			if (name != NULL && strcmp(name, "_deleted") == 0)
				value = xorshift(&rng) % 2 ? "1" : "0";
			else
				value = values[xorshift(&rng) % 3];
			if (how < 5) {                  /* on the heads */
				np = cur->nheads > 3 ? 3 : cur->nheads;
				memcpy(parents, cur->heads, np * 32);
			} else if (how < 8) {           /* on the last one */
				cid(last, parents[0]);
				np = 1;
			} else {                        /* on random ones */
				np = 1 + xorshift(&rng) % 2;
				for (size_t k = 0; k < np; k++)
					cid((uint32_t)(xorshift(&rng) % i),
					    parents[k]);
				if (np == 2 && memcmp(parents[0], parents[1],
				    32) == 0)
					np = 1;
			}
			assert_int_equal(gs_item_seen(it,
			    (const uint8_t (*)[32])parents, np, &seen), 0);
			assert_int_equal(full_merge(it,
			    (const uint8_t (*)[32])parents, np, &want), 0);
			assert_same_state(seen, &want);
			gs_state_clear(&want);
			gate_add(it, i, (uint8_t)(0xb0 + xorshift(&rng) % 3),
			    (const uint8_t (*)[32])parents, np, name, value);
			last = i;
			assert_int_equal(full_merge(it, NULL, 0, &want), 0);
			assert_non_null(gs_item_state(it));
			assert_same_state(gs_item_state(it), &want);
			gs_state_clear(&want);
		}
		gs_item_destroy(&it);
	}
}

/* A root's state is taken from its fields, not merged: the same. */
static void
test_root_state_equals_merge(void **state)
{
	static const uint8_t iid[GS_ITEM_ID_LEN] = { 7 };
	static const char *bodies[][6] = {
		{ "title", "Atelier", NULL },
		{ "place", "", "title", "Atelier", NULL },
		{ "_deleted", "1", "title", "Atelier", NULL },
		{ "_deleted", "0", NULL },
		{ NULL },
	};
	uint8_t id[32], author[32];

	(void)state;
	memset(author, 0xb1, sizeof(author));
	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		struct gs_item *it = NULL;
		struct gs_fields d;
		struct gs_state want;

		gs_fields_init(&d);
		for (size_t k = 0; bodies[b][k] != NULL; k += 2)
			assert_int_equal(gs_fields_set(&d, bodies[b][k],
			    bodies[b][k + 1]), 0);
		assert_int_equal(gs_item_new(iid, GS_TYPE_EVENT, &it), 0);
		cid((uint32_t)b, id);
		assert_int_equal(gs_item_add(it, id, author, 1, 1000 + b, NULL,
		    0, &d, 0), 0);
		assert_non_null(gs_item_state(it));
		assert_int_equal(gs_item_merges(it), 0);
		assert_int_equal(full_merge(it, NULL, 0, &want), 0);
		assert_same_state(gs_item_state(it), &want);
		gs_state_clear(&want);
		gs_fields_clear(&d);
		gs_item_destroy(&it);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_long_chain_not_quadratic),
		cmocka_unit_test(test_branch_chain_not_quadratic),
		cmocka_unit_test(test_incremental_equals_full_merge),
		cmocka_unit_test(test_root_state_equals_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
