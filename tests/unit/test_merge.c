/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_merge.c: the deterministic merge on small hand-built DAGs: silent
 * merges, field conflicts and their winners, resolutions, delete versus
 * edit, the heads restriction, errors, and the same state whatever the
 * order the changes come in.
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
#include "merge.h"

#define MAXP 4

/* A test change: its ID is 32 copies of its tag. */
struct tc {
	struct gs_mchange m;
	struct gs_fields delta;
	uint8_t parents[MAXP][32];
};

/*
 * Fills c: tag, author byte, HLC, parent tags (0-terminated string of
 * tags), then name, value pairs ending with NULL.
 */
static void
mk(struct tc *c, uint8_t tag, uint8_t author, uint64_t hlc,
    const char *ptags, ...)
{
	va_list ap;
	const char *name;

	memset(c, 0, sizeof(*c));
	memset(c->m.id, tag, 32);
	memset(c->m.author, author, 32);
	c->m.hlc = hlc;
	gs_fields_init(&c->delta);
	for (size_t i = 0; ptags[i]; i++) {
		assert_true(i < MAXP);
		memset(c->parents[i], (uint8_t)ptags[i], 32);
		c->m.nparents++;
	}
	c->m.parents = (const uint8_t (*)[32])c->parents;
	c->m.delta = &c->delta;
	va_start(ap, ptags);
	for (name = va_arg(ap, const char *); name != NULL;
	    name = va_arg(ap, const char *)) {
		const char *value = va_arg(ap, const char *);
		assert_int_equal(gs_fields_set(&c->delta, name, value), 0);
	}
	va_end(ap);
}

/* Copies the gs_mchange of each test change into out (delta lent). */
static void
flatten(const struct tc *c, size_t n, struct gs_mchange *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = c[i].m;
		out[i].parents = (const uint8_t (*)[32])c[i].parents;
		out[i].delta = &c[i].delta;
	}
}

static void
free_tc(struct tc *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gs_fields_clear(&c[i].delta);
}

static int
merge_tc(const struct tc *c, size_t n, struct gs_state *st)
{
	struct gs_mchange m[64];

	assert_true(n <= 64);
	flatten(c, n, m);
	memset(st, 0, sizeof(*st));
	return gs_merge(m, n, NULL, 0, st);
}

static void
assert_id(const uint8_t id[32], uint8_t tag)
{
	uint8_t want[32];

	memset(want, tag, 32);
	assert_memory_equal(id, want, 32);
}

static void
test_single(void **state)
{
	struct tc c[1];
	struct gs_state st;

	(void)state;
	mk(&c[0], 'r', 0xa1, 1000, "", "title", "Atelier écriture",
	    "kind", "workshop", "place", "", NULL);
	assert_int_equal(merge_tc(c, 1, &st), 0);
	assert_int_equal(st.fields.n, 2);        /* "" is a cleared field */
	assert_string_equal(gs_fields_get(&st.fields, "title"), "Atelier écriture");
	assert_null(gs_fields_get(&st.fields, "place"));
	assert_false(st.deleted);
	assert_int_equal(st.nheads, 1);
	assert_id(st.heads[0], 'r');
	assert_id(st.root, 'r');
	assert_memory_equal(st.owner, c[0].m.author, 32);
	assert_int_equal(st.nconflicts, 0);
	assert_int_equal(st.created_hlc, 1000);
	assert_int_equal(st.updated_hlc, 1000);
	assert_int_equal(st.nchanges, 1);
	gs_state_clear(&st);
	assert_null(st.heads);
	gs_state_clear(&st);
	gs_state_clear(NULL);
	free_tc(c, 1);
}

static void
test_chain(void **state)
{
	struct tc c[4];
	struct gs_state st;

	(void)state;
	mk(&c[0], 'r', 1, 100, "", "title", "A", "kind", "outing", NULL);
	mk(&c[1], 'b', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'c', 1, 300, "b", "place", "Musée", "title", "C", NULL);
	mk(&c[3], 'a', 2, 400, "c", "place", "", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "C");
	assert_string_equal(gs_fields_get(&st.fields, "kind"), "outing");
	assert_null(gs_fields_get(&st.fields, "place"));
	assert_int_equal(st.nconflicts, 0);
	assert_int_equal(st.nheads, 1);
	assert_id(st.heads[0], 'a');
	assert_id(st.root, 'r');
	assert_int_equal(st.owner[0], 1);
	assert_int_equal(st.created_hlc, 100);
	assert_int_equal(st.updated_hlc, 400);
	assert_int_equal(st.nchanges, 4);
	gs_state_clear(&st);
	free_tc(c, 4);
}

static void
test_concurrent_other_fields(void **state)
{
	struct tc c[3];
	struct gs_state st;

	(void)state;
	mk(&c[0], 'r', 1, 100, "", "title", "A", "kind", "outing", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 150, "r", "place", "Parc", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	assert_string_equal(gs_fields_get(&st.fields, "place"), "Parc");
	assert_int_equal(st.nheads, 2);
	assert_id(st.heads[0], 'd');            /* ascending */
	assert_id(st.heads[1], 'x');
	gs_state_clear(&st);
	free_tc(c, 3);
}

static void
test_conflict_winner(void **state)
{
	struct tc c[3];
	struct gs_state st;
	const struct gs_conflict *cf;

	(void)state;
	/* By HLC: the later one wins, even with a smaller author and ID. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", "kind", "outing", NULL);
	mk(&c[1], 'x', 9, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "C", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	assert_int_equal(st.nconflicts, 1);
	cf = gs_state_conflict(&st, "title");
	assert_non_null(cf);
	assert_null(gs_state_conflict(&st, "kind"));
	assert_string_equal(cf->field, "title");
	assert_int_equal(cf->ncand, 2);
	assert_string_equal(cf->cand[0].value, "C");
	assert_id(cf->cand[0].change, 'd');
	assert_int_equal(cf->cand[0].author[0], 3);
	assert_int_equal(cf->cand[0].hlc, 300);
	assert_string_equal(cf->cand[1].value, "B");
	assert_id(cf->cand[1].change, 'x');
	assert_string_equal(gs_fields_get(&st.fields, "title"), "C");
	gs_state_clear(&st);
	free_tc(c, 3);

	/* Same HLC: the greater author key wins. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 5, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 9, 200, "r", "title", "C", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	cf = gs_state_conflict(&st, "title");
	assert_non_null(cf);
	assert_string_equal(cf->cand[0].value, "C");
	assert_string_equal(gs_fields_get(&st.fields, "title"), "C");
	gs_state_clear(&st);
	free_tc(c, 3);

	/* Same HLC and author: the greater change ID wins. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 5, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 5, 200, "r", "title", "C", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	cf = gs_state_conflict(&st, "title");
	assert_non_null(cf);
	assert_string_equal(cf->cand[0].value, "B");
	assert_id(cf->cand[0].change, 'x');
	gs_state_clear(&st);
	free_tc(c, 3);

	/* Clearing versus setting is a conflict too; "" winning clears. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", "place", "Gare", NULL);
	mk(&c[1], 'x', 5, 200, "r", "place", "Parc", NULL);
	mk(&c[2], 'd', 6, 300, "r", "place", "", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	cf = gs_state_conflict(&st, "place");
	assert_non_null(cf);
	assert_int_equal(cf->ncand, 2);
	assert_string_equal(cf->cand[0].value, "");
	assert_null(gs_fields_get(&st.fields, "place"));
	gs_state_clear(&st);
	free_tc(c, 3);
}

static void
test_same_value_no_conflict(void **state)
{
	struct tc c[3];
	struct gs_state st;

	(void)state;
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "B", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	assert_int_equal(st.nheads, 2);
	gs_state_clear(&st);
	free_tc(c, 3);
}

static void
test_resolution(void **state)
{
	struct tc c[4];
	struct gs_state st;
	const struct gs_conflict *cf;

	(void)state;
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "C", NULL);
	/* Resolution: parents are both heads, it writes the field. */
	mk(&c[3], 'z', 2, 400, "dx", "title", "B", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	assert_int_equal(st.nheads, 1);
	assert_id(st.heads[0], 'z');
	gs_state_clear(&st);
	free_tc(c, 4);

	/* An edit on both heads that writes another field settles nothing. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "C", NULL);
	mk(&c[3], 'z', 2, 400, "dx", "place", "Parc", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_int_equal(st.nconflicts, 1);
	cf = gs_state_conflict(&st, "title");
	assert_non_null(cf);
	assert_int_equal(cf->ncand, 2);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "C");
	assert_string_equal(gs_fields_get(&st.fields, "place"), "Parc");
	assert_int_equal(st.nheads, 1);
	gs_state_clear(&st);
	free_tc(c, 4);
}

static void
test_delete_vs_edit(void **state)
{
	struct tc c[4];
	struct gs_state st;
	const struct gs_conflict *cf;

	(void)state;
	/* The edit is later: it wins, the item stays. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "_deleted", "1", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "B", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	assert_int_equal(st.nconflicts, 1);
	cf = gs_state_conflict(&st, "_deleted");
	assert_non_null(cf);
	assert_int_equal(cf->ncand, 2);
	assert_string_equal(cf->cand[0].value, "0");
	assert_id(cf->cand[0].change, 'd');
	assert_string_equal(cf->cand[1].value, "1");
	assert_id(cf->cand[1].change, 'x');
	assert_false(st.deleted);
	assert_null(gs_fields_get(&st.fields, "_deleted"));
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	gs_state_clear(&st);
	free_tc(c, 3);

	/* The delete is later: it wins, the conflict is still listed. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 400, "r", "_deleted", "1", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "B", NULL);
	assert_int_equal(merge_tc(c, 3, &st), 0);
	cf = gs_state_conflict(&st, "_deleted");
	assert_non_null(cf);
	assert_string_equal(cf->cand[0].value, "1");
	assert_true(st.deleted);
	gs_state_clear(&st);
	free_tc(c, 3);

	/* Two edits in a row beside the delete: only the last is a candidate. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 400, "r", "_deleted", "1", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "B", NULL);
	mk(&c[3], 'e', 3, 350, "d", "place", "Parc", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	cf = gs_state_conflict(&st, "_deleted");
	assert_non_null(cf);
	assert_int_equal(cf->ncand, 2);
	assert_id(cf->cand[0].change, 'x');
	assert_id(cf->cand[1].change, 'e');
	gs_state_clear(&st);
	free_tc(c, 4);

	/* Conflicts on "_deleted" and "title" together: "_deleted" first. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 400, "r", "_deleted", "1", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "B", NULL);
	mk(&c[3], 'e', 4, 350, "r", "title", "C", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_int_equal(st.nconflicts, 2);
	assert_string_equal(st.conflicts[0].field, "_deleted");
	assert_string_equal(st.conflicts[1].field, "title");
	assert_int_equal(st.conflicts[0].ncand, 3);
	gs_state_clear(&st);
	free_tc(c, 4);
}

static void
test_delete_resolution(void **state)
{
	struct tc c[4];
	struct gs_state st;

	(void)state;
	/* Keep: "_deleted" = "0" on both heads. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 400, "r", "_deleted", "1", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "B", NULL);
	mk(&c[3], 'z', 1, 500, "dx", "_deleted", "0", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_false(st.deleted);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	gs_state_clear(&st);
	free_tc(c, 4);

	/* Delete: "_deleted" = "1" on both heads, even if older. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "_deleted", "1", NULL);
	mk(&c[2], 'd', 3, 900, "r", "title", "B", NULL);
	mk(&c[3], 'z', 1, 950, "dx", "_deleted", "1", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_true(st.deleted);
	gs_state_clear(&st);
	free_tc(c, 4);

	/* A delete that descends from every edit: no conflict. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 250, "r", "place", "Parc", NULL);
	mk(&c[3], 'z', 3, 300, "dx", "_deleted", "1", NULL);
	assert_int_equal(merge_tc(c, 4, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_true(st.deleted);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	gs_state_clear(&st);
	free_tc(c, 4);
}

/* Deep comparison of two states. */
static void
assert_state_equal(const struct gs_state *a, const struct gs_state *b)
{
	assert_true(gs_fields_equal(&a->fields, &b->fields));
	assert_int_equal(a->deleted, b->deleted);
	assert_memory_equal(a->owner, b->owner, 32);
	assert_memory_equal(a->root, b->root, 32);
	assert_int_equal(a->created_hlc, b->created_hlc);
	assert_int_equal(a->updated_hlc, b->updated_hlc);
	assert_int_equal(a->nchanges, b->nchanges);
	assert_int_equal(a->nheads, b->nheads);
	assert_memory_equal(a->heads, b->heads, a->nheads * 32);
	assert_int_equal(a->nconflicts, b->nconflicts);
	for (size_t i = 0; i < a->nconflicts; i++) {
		const struct gs_conflict *x = &a->conflicts[i], *y = &b->conflicts[i];
		assert_string_equal(x->field, y->field);
		assert_int_equal(x->ncand, y->ncand);
		for (size_t k = 0; k < x->ncand; k++) {
			assert_string_equal(x->cand[k].value, y->cand[k].value);
			assert_memory_equal(x->cand[k].change, y->cand[k].change, 32);
			assert_memory_equal(x->cand[k].author, y->cand[k].author, 32);
			assert_int_equal(x->cand[k].hlc, y->cand[k].hlc);
		}
	}
}

static void
test_determinism(void **state)
{
	struct tc c[9];
	struct gs_mchange m[9], p[9];
	struct gs_state ref, st;
	uint32_t rng = 12345;

	(void)state;
	mk(&c[0], 'r', 1, 100, "", "title", "A", "kind", "outing", NULL);
	mk(&c[1], 'b', 2, 200, "r", "title", "B", "place", "Gare", NULL);
	mk(&c[2], 'c', 3, 200, "r", "title", "C", NULL);
	mk(&c[3], 'd', 2, 250, "b", "place", "Parc", NULL);
	mk(&c[4], 'e', 4, 260, "c", "place", "Musée", "price", "2 €", NULL);
	mk(&c[5], 'f', 1, 300, "de", "kind", "physical", NULL);
	mk(&c[6], 'g', 5, 310, "c", "_deleted", "1", NULL);
	mk(&c[7], 'h', 3, 320, "e", "price", "gratuit", NULL);
	mk(&c[8], 'i', 4, 330, "b", "title", "B", NULL);
	flatten(c, 9, m);
	memset(&ref, 0, sizeof(ref));
	assert_int_equal(gs_merge(m, 9, NULL, 0, &ref), 0);
	/* Something to be deterministic about. */
	assert_true(ref.nconflicts >= 2);
	assert_non_null(gs_state_conflict(&ref, "_deleted"));
	assert_non_null(gs_state_conflict(&ref, "title"));
	assert_int_equal(ref.nheads, 4);      /* f, g, h, i */
	for (int round = 0; round < 50; round++) {
		memcpy(p, m, sizeof(m));
		for (size_t i = 8; i > 0; i--) {
			size_t j;
			rng = rng * 1103515245u + 12345u;
			j = (rng >> 16) % (i + 1);
			struct gs_mchange t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		memset(&st, 0, sizeof(st));
		assert_int_equal(gs_merge(p, 9, NULL, 0, &st), 0);
		assert_state_equal(&ref, &st);
		gs_state_clear(&st);
	}
	/* Reversed order too. */
	for (size_t i = 0; i < 9; i++)
		p[i] = m[8 - i];
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_merge(p, 9, NULL, 0, &st), 0);
	assert_state_equal(&ref, &st);
	gs_state_clear(&st);
	gs_state_clear(&ref);
	free_tc(c, 9);
}

static void
test_heads_restrict(void **state)
{
	struct tc c[4];
	struct gs_mchange m[4];
	struct gs_state st;
	uint8_t heads[2][32];

	(void)state;
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	mk(&c[2], 'd', 3, 300, "r", "title", "C", NULL);
	mk(&c[3], 'e', 3, 400, "d", "place", "Parc", NULL);
	flatten(c, 4, m);
	memset(heads[0], 'x', 32);
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_merge(m, 4, (const uint8_t (*)[32])heads, 1, &st), 0);
	assert_int_equal(st.nchanges, 2);
	assert_int_equal(st.nconflicts, 0);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "B");
	assert_null(gs_fields_get(&st.fields, "place"));
	assert_int_equal(st.nheads, 1);
	assert_id(st.heads[0], 'x');
	assert_int_equal(st.updated_hlc, 200);
	gs_state_clear(&st);

	memset(heads[0], 'x', 32);
	memset(heads[1], 'd', 32);
	assert_int_equal(gs_merge(m, 4, (const uint8_t (*)[32])heads, 2, &st), 0);
	assert_int_equal(st.nchanges, 3);
	assert_int_equal(st.nconflicts, 1);
	assert_null(gs_fields_get(&st.fields, "place"));
	gs_state_clear(&st);

	/* A head that is not among the changes. */
	memset(heads[1], 'q', 32);
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(gs_merge(m, 4, (const uint8_t (*)[32])heads, 2, &st),
	    GS_ENOPARENT);
	assert_null(st.heads);
	assert_int_equal(st.fields.n, 0);
	free_tc(c, 4);
}

static void
test_errors(void **state)
{
	struct tc c[3];
	struct gs_state st;

	(void)state;
	/* A parent missing. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "q", "title", "B", NULL);
	assert_int_equal(merge_tc(c, 2, &st), GS_ENOPARENT);
	assert_null(st.heads);
	assert_null(st.conflicts);
	free_tc(c, 2);

	/* Two roots. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 's', 2, 200, "", "title", "B", NULL);
	mk(&c[2], 'x', 2, 300, "rs", "title", "C", NULL);
	assert_int_equal(merge_tc(c, 3, &st), GS_EINVAL);
	assert_null(st.heads);
	free_tc(c, 3);

	/* No root at all: a cycle. */
	mk(&c[0], 'r', 1, 100, "x", "title", "A", NULL);
	mk(&c[1], 'x', 2, 200, "r", "title", "B", NULL);
	assert_int_equal(merge_tc(c, 2, &st), GS_EINVAL);
	free_tc(c, 2);

	/* Nothing to merge. */
	assert_int_equal(merge_tc(c, 0, &st), GS_EINVAL);

	/* The same change twice. */
	mk(&c[0], 'r', 1, 100, "", "title", "A", NULL);
	mk(&c[1], 'r', 1, 100, "", "title", "A", NULL);
	assert_int_equal(merge_tc(c, 2, &st), GS_EINVAL);
	free_tc(c, 2);
}

static void
test_long_chain(void **state)
{
	enum { N = 3000 };
	struct gs_mchange *m = calloc(N, sizeof(*m));
	uint8_t (*ids)[32] = calloc(N, 32);
	struct gs_fields *d = calloc(N, sizeof(*d));
	struct gs_state st;
	char v[16];

	(void)state;
	assert_non_null(m);
	assert_non_null(ids);
	assert_non_null(d);
	for (size_t i = 0; i < N; i++) {
		/* IDs in an order unrelated to the chain. */
		uint32_t k = (uint32_t)(i * 2654435761u);
		memcpy(ids[i], &k, 4);
		memcpy(ids[i] + 4, &i, sizeof(i));
		memcpy(m[i].id, ids[i], 32);
		m[i].author[0] = (uint8_t)(i % 3);
		m[i].hlc = 1000 + i;
		m[i].nparents = i ? 1 : 0;
		m[i].parents = i ? (const uint8_t (*)[32])ids[i - 1] : NULL;
		gs_fields_init(&d[i]);
		snprintf(v, sizeof(v), "v%zu", i);
		assert_int_equal(gs_fields_set(&d[i], "title", v), 0);
		m[i].delta = &d[i];
	}
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_merge(m, N, NULL, 0, &st), 0);
	assert_int_equal(st.nconflicts, 0);
	assert_int_equal(st.nheads, 1);
	assert_memory_equal(st.heads[0], ids[N - 1], 32);
	assert_string_equal(gs_fields_get(&st.fields, "title"), "v2999");
	assert_int_equal(st.nchanges, N);
	gs_state_clear(&st);
	for (size_t i = 0; i < N; i++)
		gs_fields_clear(&d[i]);
	free(d);
	free(ids);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_concurrent_other_fields),
		cmocka_unit_test(test_conflict_winner),
		cmocka_unit_test(test_same_value_no_conflict),
		cmocka_unit_test(test_resolution),
		cmocka_unit_test(test_delete_vs_edit),
		cmocka_unit_test(test_delete_resolution),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_heads_restrict),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
