/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_merge.c: the deterministic merge (daemon/merge.c) as a table of
 * scenarios on small hand-built DAGs: silent merges, field conflicts and
 * their winners, resolutions, delete versus edit, the heads restriction
 * and errors. Each row names its changes (a tag that is also the change
 * ID, an author byte, an HLC, parent tags and the fields written) and the
 * state expected: field values, the deleted flag, conflicts with their
 * candidates in order, and heads. One driver runs every row as its own
 * test, in the table's order, then shuffled and reversed, and wants the
 * same state each time. A chain of 3,000 changes and gs_state_clear are
 * tested apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fields.h"
#include "merge.h"

#define MAXC 10         /* changes in a scenario */
#define MAXP 4          /* parents of a change */
#define MAXF 6          /* fields written by a change, or in a state */
#define MAXCONF 3       /* conflicts in a state */
#define MAXCAND 5       /* candidates of a conflict */
#define ROUNDS 30       /* shuffled orders tried per scenario */

/* A change: its ID is 32 copies of its tag, its author 32 of author. */
struct mc {
	char tag;
	uint8_t author;
	uint64_t hlc;
	const char *parents;             /* parent tags */
	const char *delta[2 * MAXF + 1]; /* name, value, ..., NULL */
};

struct mcand {
	const char *value;
	char change;                     /* tag of the change that wrote it */
};

struct mconf {
	const char *field;
	struct mcand cand[MAXCAND];      /* winner first; ends at value NULL */
};

struct scenario {
	const char *name;
	struct mc ch[MAXC];              /* ends at tag 0 */
	const char *only;                /* NULL: merge all; else these heads */
	int rc;                          /* what gs_merge returns */
	/* the state expected when rc is 0 */
	/* name, value, ..., NULL: every field of the state */
	const char *fields[2 * MAXF + 1];
	bool deleted;
	struct mconf conflicts[MAXCONF]; /* ascending by field; ends at NULL */
	const char *heads;               /* tags, ascending */
};

static const struct scenario scenarios[] = {
	/* ---- silent merges ---- */
	{
		.name = "single root; \"\" is a cleared field",
		.ch = {
			{ 'r', 0xa1, 1000, "", { "title", "Atelier écriture",
			    "kind", "workshop", "place", "" } },
		},
		.fields = { "title", "Atelier écriture", "kind", "workshop" },
		.heads = "r",
	},
	{
		.name = "chain: the last write wins, \"\" clears",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A", "kind", "outing" } },
			{ 'b', 2, 200, "r", { "title", "B" } },
			{ 'c', 1, 300, "b", { "place", "Musée",
			    "title", "C" } },
			{ 'a', 2, 400, "c", { "place", "" } },
		},
		.fields = { "title", "C", "kind", "outing" },
		.heads = "a",
	},
	{
		.name = "concurrent edits of other fields merge silently",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A", "kind", "outing" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 150, "r", { "place", "Parc" } },
		},
		.fields = { "title", "B", "kind", "outing", "place", "Parc" },
		.heads = "dx",
	},
	{
		.name = "concurrent edits writing the same value agree",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "B" } },
		},
		.fields = { "title", "B" },
		.heads = "dx",
	},
	/* ---- conflicts and their winners ---- */
	{
		.name = "conflict: the later HLC wins over author and ID",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A", "kind", "outing" } },
			{ 'x', 9, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
		},
		.fields = { "title", "C", "kind", "outing" },
		.conflicts = {
			{ "title", { { "C", 'd' }, { "B", 'x' } } },
		},
		.heads = "dx",
	},
	{
		.name = "conflict: same HLC, the greater author wins",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 5, 200, "r", { "title", "B" } },
			{ 'd', 9, 200, "r", { "title", "C" } },
		},
		.fields = { "title", "C" },
		.conflicts = {
			{ "title", { { "C", 'd' }, { "B", 'x' } } },
		},
		.heads = "dx",
	},
	{
		.name = "conflict: same HLC and author, the greater ID wins",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 5, 200, "r", { "title", "B" } },
			{ 'd', 5, 200, "r", { "title", "C" } },
		},
		.fields = { "title", "B" },
		.conflicts = {
			{ "title", { { "B", 'x' }, { "C", 'd' } } },
		},
		.heads = "dx",
	},
	{
		.name = "conflict: clearing versus setting; \"\" winning "
		    "clears",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A", "place", "Gare" } },
			{ 'x', 5, 200, "r", { "place", "Parc" } },
			{ 'd', 6, 300, "r", { "place", "" } },
		},
		.fields = { "title", "A" },
		.conflicts = {
			{ "place", { { "", 'd' }, { "Parc", 'x' } } },
		},
		.heads = "dx",
	},
	{
		.name = "conflict: three concurrent edits, all candidates",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'e', 4, 250, "r", { "title", "D" } },
		},
		.fields = { "title", "C" },
		.conflicts = {
			{ "title", { { "C", 'd' }, { "D", 'e' },
			    { "B", 'x' } } },
		},
		.heads = "dex",
	},
	/* ---- resolutions ---- */
	{
		.name = "resolution: an edit on both heads writes the field",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'z', 2, 400, "dx", { "title", "B" } },
		},
		.fields = { "title", "B" },
		.heads = "z",
	},
	{
		.name = "resolution: a third site's later edit with a new "
		    "value",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'z', 9, 400, "dx", { "title", "E" } },
		},
		.fields = { "title", "E" },
		.heads = "z",
	},
	{
		.name = "an edit on both heads writing another field settles "
		    "nothing",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'z', 2, 400, "dx", { "place", "Parc" } },
		},
		.fields = { "title", "C", "place", "Parc" },
		.conflicts = {
			{ "title", { { "C", 'd' }, { "B", 'x' } } },
		},
		.heads = "z",
	},
	{
		.name = "an edit on two of three sides leaves a conflict with "
		    "the third",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'e', 4, 250, "r", { "title", "D" } },
			{ 'z', 2, 400, "dx", { "title", "E" } },
		},
		.fields = { "title", "E" },
		.conflicts = {
			{ "title", { { "E", 'z' }, { "D", 'e' } } },
		},
		.heads = "ez",
	},
	/* ---- delete versus edit ---- */
	{
		.name = "delete vs edit: the later edit wins, the item stays",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "_deleted", "1" } },
			{ 'd', 3, 300, "r", { "title", "B" } },
		},
		.fields = { "title", "B" },
		.conflicts = {
			{ "_deleted", { { "0", 'd' }, { "1", 'x' } } },
		},
		.heads = "dx",
	},
	{
		.name = "delete vs edit: the later delete wins, still listed",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 400, "r", { "_deleted", "1" } },
			{ 'd', 3, 300, "r", { "title", "B" } },
		},
		.fields = { "title", "B" },
		.deleted = true,
		.conflicts = {
			{ "_deleted", { { "1", 'x' }, { "0", 'd' } } },
		},
		.heads = "dx",
	},
	{
		.name = "delete vs two edits in a row: only the last is a "
		    "candidate",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 400, "r", { "_deleted", "1" } },
			{ 'd', 3, 300, "r", { "title", "B" } },
			{ 'e', 3, 350, "d", { "place", "Parc" } },
		},
		.fields = { "title", "B", "place", "Parc" },
		.deleted = true,
		.conflicts = {
			{ "_deleted", { { "1", 'x' }, { "0", 'e' } } },
		},
		.heads = "ex",
	},
	{
		.name = "delete vs two concurrent edits: \"_deleted\" listed "
		    "first",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 400, "r", { "_deleted", "1" } },
			{ 'd', 3, 300, "r", { "title", "B" } },
			{ 'e', 4, 350, "r", { "title", "C" } },
		},
		.fields = { "title", "C" },
		.deleted = true,
		.conflicts = {
			{ "_deleted", { { "1", 'x' }, { "0", 'e' },
			    { "0", 'd' } } },
			{ "title", { { "C", 'e' }, { "B", 'd' } } },
		},
		.heads = "dex",
	},
	{
		.name = "delete resolution: \"_deleted\" = \"0\" keeps the "
		    "item",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 400, "r", { "_deleted", "1" } },
			{ 'd', 3, 300, "r", { "title", "B" } },
			{ 'z', 1, 500, "dx", { "_deleted", "0" } },
		},
		.fields = { "title", "B" },
		.heads = "z",
	},
	{
		.name = "delete resolution: \"_deleted\" = \"1\" deletes, even "
		    "if older",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "_deleted", "1" } },
			{ 'd', 3, 900, "r", { "title", "B" } },
			{ 'z', 1, 950, "dx", { "_deleted", "1" } },
		},
		.fields = { "title", "B" },
		.deleted = true,
		.heads = "z",
	},
	{
		.name = "a delete descending from every edit: no conflict",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 250, "r", { "place", "Parc" } },
			{ 'z', 3, 300, "dx", { "_deleted", "1" } },
		},
		.fields = { "title", "B", "place", "Parc" },
		.deleted = true,
		.heads = "z",
	},
	/* ---- a larger DAG: every kind at once ---- */
	{
		.name = "nine changes, three conflicts, four heads",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A", "kind", "outing" } },
			{ 'b', 2, 200, "r", { "title", "B", "place", "Gare" } },
			{ 'c', 3, 200, "r", { "title", "C" } },
			{ 'd', 2, 250, "b", { "place", "Parc" } },
			{ 'e', 4, 260, "c", { "place", "Musée",
			    "price", "2 €" } },
			{ 'f', 1, 300, "de", { "kind", "physical" } },
			{ 'g', 5, 310, "c", { "_deleted", "1" } },
			{ 'h', 3, 320, "e", { "price", "gratuit" } },
			{ 'i', 4, 330, "b", { "title", "B" } },
		},
		.fields = { "title", "B", "kind", "physical", "place", "Musée",
		    "price", "gratuit" },
		.conflicts = {
			{ "_deleted", { { "0", 'i' }, { "0", 'h' },
			    { "1", 'g' }, { "0", 'f' } } },
			{ "place", { { "Musée", 'e' }, { "Parc", 'd' } } },
			{ "title", { { "B", 'i' }, { "C", 'c' } } },
		},
		.heads = "fghi",
	},
	/* ---- the heads restriction ---- */
	{
		.name = "heads: one head merges its ancestry only",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'e', 3, 400, "d", { "place", "Parc" } },
		},
		.only = "x",
		.fields = { "title", "B" },
		.heads = "x",
	},
	{
		.name = "heads: two heads see the conflict, not the later edit",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'e', 3, 400, "d", { "place", "Parc" } },
		},
		.only = "xd",
		.fields = { "title", "C" },
		.conflicts = {
			{ "title", { { "C", 'd' }, { "B", 'x' } } },
		},
		.heads = "dx",
	},
	{
		.name = "heads: a head not among the changes",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
			{ 'd', 3, 300, "r", { "title", "C" } },
			{ 'e', 3, 400, "d", { "place", "Parc" } },
		},
		.only = "xq",
		.rc = GS_ENOPARENT,
	},
	/* ---- errors ---- */
	{
		.name = "error: a parent missing",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'x', 2, 200, "q", { "title", "B" } },
		},
		.rc = GS_ENOPARENT,
	},
	{
		.name = "error: two roots",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 's', 2, 200, "", { "title", "B" } },
			{ 'x', 2, 300, "rs", { "title", "C" } },
		},
		.rc = GS_EINVAL,
	},
	{
		.name = "error: no root at all, a cycle",
		.ch = {
			{ 'r', 1, 100, "x", { "title", "A" } },
			{ 'x', 2, 200, "r", { "title", "B" } },
		},
		.rc = GS_EINVAL,
	},
	{
		.name = "error: nothing to merge",
		.rc = GS_EINVAL,
	},
	{
		.name = "error: the same change twice",
		.ch = {
			{ 'r', 1, 100, "", { "title", "A" } },
			{ 'r', 1, 100, "", { "title", "A" } },
		},
		.rc = GS_EINVAL,
	},
};

#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* A scenario's changes as the merge takes them. */
struct built {
	struct gs_mchange m[MAXC];
	struct gs_fields delta[MAXC];
	uint8_t parents[MAXC][MAXP][32];
	size_t n;
	uint8_t only[MAXP][32];
	size_t nonly;
};

static void
build(const struct scenario *s, struct built *b)
{
	memset(b, 0, sizeof(*b));
	for (b->n = 0; b->n < MAXC && s->ch[b->n].tag != 0; b->n++) {
		const struct mc *c = &s->ch[b->n];
		struct gs_mchange *m = &b->m[b->n];
		struct gs_fields *d = &b->delta[b->n];

		memset(m->id, c->tag, 32);
		memset(m->author, c->author, 32);
		m->hlc = c->hlc;
		for (size_t i = 0; c->parents[i] != '\0'; i++) {
			assert_true(i < MAXP);
			memset(b->parents[b->n][i], c->parents[i], 32);
			m->nparents++;
		}
		m->parents = (const uint8_t (*)[32])b->parents[b->n];
		gs_fields_init(d);
		for (size_t i = 0; c->delta[i] != NULL; i += 2)
			assert_int_equal(gs_fields_set(d, c->delta[i],
			    c->delta[i + 1]), 0);
		m->delta = d;
	}
	for (b->nonly = 0; s->only != NULL && s->only[b->nonly] != '\0';
	    b->nonly++) {
		assert_true(b->nonly < MAXP);
		memset(b->only[b->nonly], s->only[b->nonly], 32);
	}
}

static void
unbuild(struct built *b)
{
	for (size_t i = 0; i < b->n; i++)
		gs_fields_clear(&b->delta[i]);
}

/* The row of the change tagged tag. */
static const struct mc *
row_of(const struct scenario *s, char tag)
{
	for (size_t i = 0; i < MAXC && s->ch[i].tag != 0; i++)
		if (s->ch[i].tag == tag)
			return &s->ch[i];
	fail_msg("%s: no change '%c'", s->name, tag);
	return NULL;
}

/* Marks tag and its ancestors in seen (indexed by tag). */
static void
mark(const struct scenario *s, char tag, bool seen[256])
{
	const struct mc *c = row_of(s, tag);

	if (seen[(unsigned char)tag])
		return;
	seen[(unsigned char)tag] = true;
	for (size_t i = 0; c->parents[i] != '\0'; i++)
		mark(s, c->parents[i], seen);
}

static void
assert_id(const uint8_t id[32], char tag)
{
	uint8_t want[32];

	memset(want, tag, 32);
	assert_memory_equal(id, want, 32);
}

/* Checks st against the state the scenario expects. */
static void
check(const struct scenario *s, const struct gs_state *st)
{
	bool seen[256] = { false };
	size_t nf = 0, nmerged = 0, nconf = 0;
	uint64_t updated = 0;
	const struct mc *root = NULL;

	/* fields: exactly those listed */
	for (; s->fields[2 * nf] != NULL; nf++) {
		const char *v = gs_fields_get(&st->fields, s->fields[2 * nf]);
		assert_non_null(v);
		assert_string_equal(v, s->fields[2 * nf + 1]);
	}
	assert_int_equal(st->fields.n, nf);
	assert_null(gs_fields_get(&st->fields, "_deleted"));
	assert_int_equal(st->deleted, s->deleted);
	/* conflicts, in order, with their candidates in order */
	for (; nconf < MAXCONF && s->conflicts[nconf].field != NULL; nconf++) {
		const struct mconf *w = &s->conflicts[nconf];
		const struct gs_conflict *cf;
		size_t k;

		assert_true(nconf < st->nconflicts);
		cf = &st->conflicts[nconf];
		assert_string_equal(cf->field, w->field);
		assert_ptr_equal(gs_state_conflict(st, w->field), cf);
		for (k = 0; k < MAXCAND && w->cand[k].value != NULL; k++) {
			const struct mc *by = row_of(s, w->cand[k].change);
			assert_true(k < cf->ncand);
			assert_string_equal(cf->cand[k].value,
			    w->cand[k].value);
			assert_id(cf->cand[k].change, by->tag);
			assert_int_equal(cf->cand[k].author[0], by->author);
			assert_int_equal(cf->cand[k].hlc, by->hlc);
		}
		assert_int_equal(cf->ncand, k);
	}
	assert_int_equal(st->nconflicts, nconf);
	assert_null(gs_state_conflict(st, "nowhere"));
	/* heads, ascending */
	assert_int_equal(st->nheads, strlen(s->heads));
	for (size_t i = 0; i < st->nheads; i++)
		assert_id(st->heads[i], s->heads[i]);
	/* what was merged: the changes, or the ancestry of the heads given */
	for (size_t i = 0; i < MAXC && s->ch[i].tag != 0; i++)
		if (s->only == NULL)
			seen[(unsigned char)s->ch[i].tag] = true;
	for (size_t i = 0; s->only != NULL && s->only[i] != '\0'; i++)
		mark(s, s->only[i], seen);
	for (size_t i = 0; i < MAXC && s->ch[i].tag != 0; i++) {
		if (!seen[(unsigned char)s->ch[i].tag])
			continue;
		nmerged++;
		if (s->ch[i].hlc > updated)
			updated = s->ch[i].hlc;
		if (s->ch[i].parents[0] == '\0')
			root = &s->ch[i];
	}
	assert_non_null(root);
	assert_int_equal(st->nchanges, nmerged);
	assert_id(st->root, root->tag);
	assert_int_equal(st->owner[0], root->author);
	assert_int_equal(st->created_hlc, root->hlc);
	assert_int_equal(st->updated_hlc, updated);
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
	if (a->nheads > 0)
		assert_memory_equal(a->heads, b->heads, a->nheads * 32);
	assert_int_equal(a->nconflicts, b->nconflicts);
	for (size_t i = 0; i < a->nconflicts; i++) {
		const struct gs_conflict *x = &a->conflicts[i];
		const struct gs_conflict *y = &b->conflicts[i];

		assert_string_equal(x->field, y->field);
		assert_int_equal(x->ncand, y->ncand);
		for (size_t k = 0; k < x->ncand; k++) {
			assert_string_equal(x->cand[k].value, y->cand[k].value);
			assert_memory_equal(x->cand[k].change,
			    y->cand[k].change, 32);
			assert_memory_equal(x->cand[k].author,
			    y->cand[k].author, 32);
			assert_int_equal(x->cand[k].hlc, y->cand[k].hlc);
		}
	}
}

/*
 * Merges m (n changes) and checks the outcome: the scenario's state, and
 * ref's when ref is not NULL. On failure out must be left cleared: it is
 * handed over full of garbage to show that nothing of it is read.
 */
static void
merge_check(const struct scenario *s, const struct built *b,
    const struct gs_mchange *m, const struct gs_state *ref,
    struct gs_state *out)
{
	memset(out, s->rc != 0 ? 0xff : 0, sizeof(*out));
	assert_int_equal(gs_merge(m, b->n, s->only != NULL ?
	    (const uint8_t (*)[32])b->only : NULL, b->nonly, out), s->rc);
	if (s->rc != 0) {
		assert_null(out->heads);
		assert_null(out->conflicts);
		assert_int_equal(out->fields.n, 0);
		assert_int_equal(out->nheads, 0);
		return;
	}
	check(s, out);
	if (ref != NULL)
		assert_state_equal(ref, out);
}

/* The driver: one scenario, in the table's order, shuffled, reversed. */
static void
run_scenario(void **state)
{
	const struct scenario *s = *state;
	struct built b;
	struct gs_mchange p[MAXC];
	struct gs_state ref, st;
	uint32_t rng = 12345;

	build(s, &b);
	merge_check(s, &b, b.m, NULL, &ref);
	for (int round = 0; round < ROUNDS && b.n > 1; round++) {
		memcpy(p, b.m, sizeof(p));
		for (size_t i = b.n - 1; i > 0; i--) {
			struct gs_mchange t;
			size_t j;

			rng = rng * 1103515245u + 12345u;
			j = (rng >> 16) % (i + 1);
			t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		merge_check(s, &b, p, &ref, &st);
		gs_state_clear(&st);
	}
	for (size_t i = 0; i < b.n; i++)
		p[i] = b.m[b.n - 1 - i];
	merge_check(s, &b, p, &ref, &st);
	gs_state_clear(&st);
	gs_state_clear(&ref);
	unbuild(&b);
}

/* gs_state_clear frees, zeroes, and may be called again or on NULL. */
static void
test_state_clear(void **state)
{
	const struct scenario *s = &scenarios[0];
	struct built b;
	struct gs_state st;

	(void)state;
	build(s, &b);
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_merge(b.m, b.n, NULL, 0, &st), 0);
	assert_non_null(st.heads);
	gs_state_clear(&st);
	assert_null(st.heads);
	assert_int_equal(st.nheads, 0);
	assert_int_equal(st.fields.n, 0);
	gs_state_clear(&st);
	gs_state_clear(NULL);
	unbuild(&b);
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
	struct CMUnitTest tests[NSCENARIOS + 2];

	memset(tests, 0, sizeof(tests));
	for (size_t i = 0; i < NSCENARIOS; i++) {
		tests[i].name = scenarios[i].name;
		tests[i].test_func = run_scenario;
		tests[i].initial_state = (void *)&scenarios[i];
	}
	tests[NSCENARIOS].name = "gs_state_clear";
	tests[NSCENARIOS].test_func = test_state_clear;
	tests[NSCENARIOS + 1].name = "a chain of 3,000 changes";
	tests[NSCENARIOS + 1].test_func = test_long_chain;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
