/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * merge.c: the deterministic merge of an item's changes (DESIGN §5).
 *
 * The changes are first sorted by ID, so that nothing afterwards depends on
 * the order the caller gave them in. Each selected change gets a bitset of
 * its proper ancestors, computed in topological order (parents first); n
 * is at most a few thousand per item, so n^2 bits is cheap. Then, field by
 * field, the last writers are the writers outside the union of the
 * writers' ancestor sets; they agree (silent merge) or they conflict, and
 * the winner is the greatest (HLC, author, change ID). A delete that some
 * edit does not precede is a delete-versus-edit conflict on "_deleted",
 * where each such edit counts as a candidate for "0".
 */
#include "merge.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "schema.h"

/* One selected change, in ID order; index i in every array below. */
struct node {
	const struct gs_mchange *c;
	size_t *parents;        /* indexes of the parents (into nodes) */
	size_t npending;        /* parents not yet placed (topological sort) */
};

struct ctx {
	const struct gs_mchange **sorted;   /* all changes, by ID */
	size_t n;
	struct node *nodes;                  /* selected, by ID */
	size_t m;
	size_t words;                        /* uint64_t per bitset */
	uint64_t *anc;                       /* m bitsets: proper ancestors */
	size_t *pidx;                        /* storage for node parents */
};

static int
cmp_change_id(const void *a, const void *b)
{
	const struct gs_mchange *const *x = a, *const *y = b;

	return memcmp((*x)->id, (*y)->id, 32);
}

/* Index in ctx->sorted of the change id, or -1. */
static long
lookup(const struct ctx *cx, const uint8_t id[32])
{
	size_t lo = 0, hi = cx->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(cx->sorted[mid]->id, id, 32);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static uint64_t *
bits(const struct ctx *cx, size_t i)
{
	return &cx->anc[i * cx->words];
}

static int
bit_get(const uint64_t *b, size_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static void
bit_set(uint64_t *b, size_t i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

/*
 * Marks in sel (over ctx->sorted) the changes to merge: all of them, or
 * the heads and their ancestors. GS_ENOPARENT if a head or a parent of a
 * selected change is missing.
 */
static int
select_changes(struct ctx *cx, const uint8_t (*heads)[32], size_t nheads,
    unsigned char *sel)
{
	int ret = GS_ENOMEM;
	size_t *stack = NULL, sp = 0;

	if (heads == NULL) {
		memset(sel, 1, cx->n);
		ret = 0;
		goto out;
	}
	stack = calloc(cx->n ? cx->n : 1, sizeof(*stack));
	if (stack == NULL)
		goto out;
	ret = GS_ENOPARENT;
	for (size_t h = 0; h < nheads; h++) {
		long k = lookup(cx, heads[h]);
		if (k < 0)
			goto out;
		if (!sel[k]) {
			sel[k] = 1;
			stack[sp++] = (size_t)k;
		}
	}
	while (sp > 0) {
		const struct gs_mchange *c = cx->sorted[stack[--sp]];
		for (size_t p = 0; p < c->nparents; p++) {
			long k = lookup(cx, c->parents[p]);
			if (k < 0)
				goto out;
			if (!sel[k]) {
				sel[k] = 1;
				stack[sp++] = (size_t)k;
			}
		}
	}
	ret = 0;
out:
	free(stack);
	return ret;
}

/*
 * Builds the selected nodes with parent indexes and their ancestor
 * bitsets. GS_ENOPARENT, GS_EINVAL (a cycle), GS_ENOMEM.
 */
static int
build_graph(struct ctx *cx, const unsigned char *sel)
{
	int ret = GS_ENOMEM;
	size_t *map = NULL, *queue = NULL, *nchild = NULL, *cstart = NULL;
	size_t *children = NULL, npar = 0, qh = 0, qt = 0, placed = 0;

	map = calloc(cx->n ? cx->n : 1, sizeof(*map));
	if (map == NULL)
		goto out;
	for (size_t i = 0; i < cx->n; i++) {
		if (!sel[i])
			continue;
		map[i] = cx->m++;
		npar += cx->sorted[i]->nparents;
	}
	cx->nodes = calloc(cx->m ? cx->m : 1, sizeof(*cx->nodes));
	cx->pidx = calloc(npar ? npar : 1, sizeof(*cx->pidx));
	children = calloc(npar ? npar : 1, sizeof(*children));
	nchild = calloc(cx->m + 1, sizeof(*nchild));
	cstart = calloc(cx->m + 1, sizeof(*cstart));
	queue = calloc(cx->m ? cx->m : 1, sizeof(*queue));
	cx->words = (cx->m + 63) / 64;
	cx->anc = calloc(cx->m > 0 ? cx->m * cx->words : 1, sizeof(*cx->anc));
	if (cx->nodes == NULL || cx->pidx == NULL || children == NULL ||
	    nchild == NULL || cstart == NULL || queue == NULL ||
	    cx->anc == NULL)
		goto out;

	ret = GS_ENOPARENT;
	npar = 0;
	for (size_t i = 0; i < cx->n; i++) {
		struct node *nd;
		if (!sel[i])
			continue;
		nd = &cx->nodes[map[i]];
		nd->c = cx->sorted[i];
		nd->parents = &cx->pidx[npar];
		nd->npending = nd->c->nparents;
		for (size_t p = 0; p < nd->c->nparents; p++) {
			long k = lookup(cx, nd->c->parents[p]);
			if (k < 0 || !sel[k])
				goto out;
			nd->parents[p] = map[k];
			nchild[map[k]]++;
		}
		npar += nd->c->nparents;
	}
	/* Children lists (CSR), for Kahn's topological sort. */
	for (size_t i = 0; i < cx->m; i++)
		cstart[i + 1] = cstart[i] + nchild[i];
	memset(nchild, 0, (cx->m + 1) * sizeof(*nchild));
	for (size_t i = 0; i < cx->m; i++) {
		for (size_t p = 0; p < cx->nodes[i].c->nparents; p++) {
			size_t par = cx->nodes[i].parents[p];
			children[cstart[par] + nchild[par]++] = i;
		}
	}
	for (size_t i = 0; i < cx->m; i++)
		if (cx->nodes[i].npending == 0)
			queue[qt++] = i;
	while (qh < qt) {
		size_t i = queue[qh++];
		uint64_t *bi = bits(cx, i);
		placed++;
		for (size_t p = 0; p < cx->nodes[i].c->nparents; p++) {
			size_t par = cx->nodes[i].parents[p];
			const uint64_t *bp = bits(cx, par);
			for (size_t w = 0; w < cx->words; w++)
				bi[w] |= bp[w];
			bit_set(bi, par);
		}
		for (size_t k = cstart[i]; k < cstart[i + 1]; k++) {
			size_t ch = children[k];
			if (--cx->nodes[ch].npending == 0)
				queue[qt++] = ch;
		}
	}
	ret = placed == cx->m ? 0 : GS_EINVAL;
out:
	free(map);
	free(queue);
	free(nchild);
	free(cstart);
	free(children);
	return ret;
}

/* Candidate order: greatest HLC, then author, then change ID first. */
static int
cmp_candidate(const void *a, const void *b)
{
	const struct gs_candidate *x = a, *y = b;
	int c;

	if (x->hlc != y->hlc)
		return x->hlc > y->hlc ? -1 : 1;
	c = memcmp(x->author, y->author, 32);
	if (c != 0)
		return -c;
	return -memcmp(x->change, y->change, 32);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Adds to c a candidate: change node i with value v (copied). Returns 0
 * or GS_ENOMEM.
 */
static int
add_candidate(struct gs_conflict *c, const struct node *nd, const char *v)
{
	struct gs_candidate *cd = &c->cand[c->ncand];

	cd->value = strdup(v);
	if (cd->value == NULL)
		return GS_ENOMEM;
	memcpy(cd->change, nd->c->id, 32);
	memcpy(cd->author, nd->c->author, 32);
	cd->hlc = nd->c->hlc;
	c->ncand++;
	return 0;
}

static const char *
delta_get(const struct node *nd, const char *name)
{
	if (nd->c->delta == NULL)
		return NULL;
	return gs_fields_get(nd->c->delta, name);
}

/*
 * Merges one field. lw receives the last writers (bitset), work is
 * scratch (one bitset). For "_deleted", also looks for edits the deletes
 * did not see. Sets *conf (ncand > 0) when there is a conflict, and
 * *value to the winning value (lent from a delta), or NULL if nobody
 * wrote the field.
 */
static int
merge_field(const struct ctx *cx, const char *name, uint64_t *lw,
    uint64_t *work, struct gs_conflict *conf, const char **value)
{
	int ret = GS_ENOMEM;
	int is_del = strcmp(name, GS_FIELD_DELETED) == 0;
	const char *first = NULL;
	int agree = 1;
	size_t nlw = 0, nedit = 0;
	uint64_t *unseen = NULL;

	*value = NULL;
	memset(lw, 0, cx->words * sizeof(*lw));
	memset(work, 0, cx->words * sizeof(*work));
	/* work = union of the writers' ancestors. */
	for (size_t i = 0; i < cx->m; i++) {
		if (delta_get(&cx->nodes[i], name) == NULL)
			continue;
		bit_set(lw, i);
		for (size_t w = 0; w < cx->words; w++)
			work[w] |= bits(cx, i)[w];
	}
	for (size_t w = 0; w < cx->words; w++)
		lw[w] &= ~work[w];
	for (size_t i = 0; i < cx->m; i++) {
		const char *v;
		if (!bit_get(lw, i))
			continue;
		v = delta_get(&cx->nodes[i], name);
		nlw++;
		if (first == NULL)
			first = v;
		else if (strcmp(first, v) != 0)
			agree = 0;
	}
	if (nlw == 0) {
		ret = 0;
		goto out;
	}

	if (is_del) {
		/* Edits that no delete among the last writers descends from. */
		unseen = calloc(cx->words, sizeof(*unseen));
		if (unseen == NULL)
			goto out;
		for (size_t d = 0; d < cx->m; d++) {
			const char *v = bit_get(lw, d) ?
			    delta_get(&cx->nodes[d], name) : NULL;
			if (v == NULL || strcmp(v, "1") != 0)
				continue;
			for (size_t e = 0; e < cx->m; e++) {
				const struct gs_fields *df = cx->nodes[e].c->delta;
				int edits = 0;
				if (e == d || bit_get(bits(cx, d), e) ||
				    df == NULL)
					continue;
				for (size_t k = 0; k < df->n && !edits; k++)
					if (strcmp(df->v[k].name,
					    GS_FIELD_DELETED) != 0)
						edits = 1;
				if (edits)
					bit_set(unseen, e);
			}
		}
		/* Keep the maximal ones. */
		memset(work, 0, cx->words * sizeof(*work));
		for (size_t e = 0; e < cx->m; e++) {
			if (!bit_get(unseen, e))
				continue;
			for (size_t w = 0; w < cx->words; w++)
				work[w] |= bits(cx, e)[w];
		}
		for (size_t w = 0; w < cx->words; w++) {
			unseen[w] &= ~work[w];
			unseen[w] &= ~lw[w];    /* already candidates */
		}
		for (size_t e = 0; e < cx->m; e++)
			nedit += bit_get(unseen, e);
		if (nedit > 0)
			agree = 0;
	}

	if (agree) {
		*value = first;
		ret = 0;
		goto out;
	}
	conf->field = strdup(name);
	conf->cand = calloc(nlw + nedit, sizeof(*conf->cand));
	if (conf->field == NULL || conf->cand == NULL)
		goto out;
	for (size_t i = 0; i < cx->m; i++) {
		if (bit_get(lw, i)) {
			ret = add_candidate(conf, &cx->nodes[i],
			    delta_get(&cx->nodes[i], name));
		} else if (unseen != NULL && bit_get(unseen, i)) {
			ret = add_candidate(conf, &cx->nodes[i], "0");
		} else {
			continue;
		}
		if (ret != 0)
			goto out;
	}
	qsort(conf->cand, conf->ncand, sizeof(conf->cand[0]), cmp_candidate);
	*value = conf->cand[0].value;
	ret = 0;
out:
	free(unseen);
	if (ret != 0)
		gs_conflict_clear(conf);
	return ret;
}

/* Collects the names written by the selected changes, sorted, unique. */
static int
collect_names(const struct ctx *cx, const char ***out, size_t *nout)
{
	int ret = GS_ENOMEM;
	size_t total = 0, k = 0;
	const char **names = NULL;

	for (size_t i = 0; i < cx->m; i++)
		if (cx->nodes[i].c->delta != NULL)
			total += cx->nodes[i].c->delta->n;
	names = calloc(total ? total : 1, sizeof(*names));
	if (names == NULL)
		goto out;
	for (size_t i = 0; i < cx->m; i++) {
		const struct gs_fields *df = cx->nodes[i].c->delta;
		for (size_t j = 0; df != NULL && j < df->n; j++)
			names[k++] = df->v[j].name;
	}
	qsort(names, total, sizeof(*names), cmp_str);
	k = 0;
	for (size_t i = 0; i < total; i++)
		if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
			names[k++] = names[i];
	*out = names;
	*nout = k;
	names = NULL;
	ret = 0;
out:
	free(names);
	return ret;
}

int
gs_merge(const struct gs_mchange *changes, size_t n,
    const uint8_t (*heads)[32], size_t nheads, struct gs_state *out)
{
	int ret = GS_ENOMEM;
	struct ctx cx;
	unsigned char *sel = NULL, *isparent = NULL;
	const char **names = NULL;
	size_t nnames = 0, nroots = 0, root = 0, nh = 0;
	uint64_t *lw = NULL, *work = NULL;

	assert(out);
	assert(changes || n == 0);
	memset(&cx, 0, sizeof(cx));
	memset(out, 0, sizeof(*out));

	cx.n = n;
	cx.sorted = calloc(n ? n : 1, sizeof(*cx.sorted));
	sel = calloc(n ? n : 1, 1);
	if (cx.sorted == NULL || sel == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		cx.sorted[i] = &changes[i];
	qsort(cx.sorted, n, sizeof(*cx.sorted), cmp_change_id);
	ret = GS_EINVAL;
	for (size_t i = 1; i < n; i++)
		if (memcmp(cx.sorted[i - 1]->id, cx.sorted[i]->id, 32) == 0)
			goto out;
	ret = select_changes(&cx, heads, nheads, sel);
	if (ret != 0)
		goto out;
	ret = build_graph(&cx, sel);
	if (ret != 0)
		goto out;

	ret = GS_EINVAL;
	for (size_t i = 0; i < cx.m; i++) {
		if (cx.nodes[i].c->nparents == 0) {
			nroots++;
			root = i;
		}
	}
	if (nroots != 1)
		goto out;

	/* Header of the state. */
	ret = GS_ENOMEM;
	memcpy(out->owner, cx.nodes[root].c->author, 32);
	memcpy(out->root, cx.nodes[root].c->id, 32);
	out->created_hlc = cx.nodes[root].c->hlc;
	out->nchanges = cx.m;
	for (size_t i = 0; i < cx.m; i++)
		if (cx.nodes[i].c->hlc > out->updated_hlc)
			out->updated_hlc = cx.nodes[i].c->hlc;

	/* Heads: the selected changes no selected change names as parent. */
	isparent = calloc(cx.m, 1);
	if (isparent == NULL)
		goto out;
	for (size_t i = 0; i < cx.m; i++)
		for (size_t p = 0; p < cx.nodes[i].c->nparents; p++)
			isparent[cx.nodes[i].parents[p]] = 1;
	for (size_t i = 0; i < cx.m; i++)
		nh += !isparent[i];
	out->heads = calloc(nh, sizeof(*out->heads));
	if (out->heads == NULL)
		goto out;
	for (size_t i = 0; i < cx.m; i++)
		if (!isparent[i])
			memcpy(out->heads[out->nheads++], cx.nodes[i].c->id, 32);

	/* Fields, in name order, so conflicts come out sorted. */
	ret = collect_names(&cx, &names, &nnames);
	if (ret != 0)
		goto out;
	ret = GS_ENOMEM;
	lw = calloc(cx.words, sizeof(*lw));
	work = calloc(cx.words, sizeof(*work));
	out->conflicts = calloc(nnames ? nnames : 1, sizeof(*out->conflicts));
	if (lw == NULL || work == NULL || out->conflicts == NULL)
		goto out;
	for (size_t f = 0; f < nnames; f++) {
		struct gs_conflict *conf = &out->conflicts[out->nconflicts];
		const char *v;

		ret = merge_field(&cx, names[f], lw, work, conf, &v);
		if (ret != 0)
			goto out;
		if (conf->ncand > 0)
			out->nconflicts++;
		if (v == NULL)
			continue;
		if (strcmp(names[f], GS_FIELD_DELETED) == 0) {
			out->deleted = strcmp(v, "1") == 0;
			continue;
		}
		if (v[0] == '\0')
			continue;       /* cleared */
		ret = gs_fields_set(&out->fields, names[f], v);
		if (ret != 0)
			goto out;
	}
	ret = 0;
out:
	free(lw);
	free(work);
	free(names);
	free(isparent);
	free(sel);
	free(cx.sorted);
	free(cx.nodes);
	free(cx.pidx);
	free(cx.anc);
	if (ret != 0)
		gs_state_clear(out);
	return ret;
}
