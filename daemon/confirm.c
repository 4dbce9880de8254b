/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * confirm.c: the index of resources' latest confirmations (confirm.h
 * states the rule): every live confirmation of a visible site is
 * collected, sorted by resource then HLC, and the latest of each
 * resource kept.
 */
#include "confirm.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "grow.h"
#include "hlc.h"
#include "item.h"
#include "schema.h"
#include "state.h"

struct gs_confirms {
	struct gs_replica *r;     /* lent */
	struct gs_confirm *v;     /* one per resource after the build */
	size_t n, cap;
	int failed;
};

static int
on_confirmation(struct gs_item *it, void *arg)
{
	struct gs_confirms *c = arg;
	const struct gs_state *st;
	const char *res;
	struct gs_confirm x;

	if (it->type != GS_TYPE_CONFIRMATION || it->corrupt ||
	    (st = gs_item_state(it)) == NULL || st->deleted)
		return 0;
	if (!gs_replica_visible(c->r, st->owner))
		return 0;
	res = gs_fields_get(&st->fields, "resource");
	if (res == NULL || gs_unhex(res, x.resource, 16) != 0)
		return 0;
	memcpy(x.by, st->owner, 32);
	x.hlc = st->updated_hlc;
	if (gs_grow(&c->v, &c->cap, c->n, sizeof(*c->v), 32) != 0) {
		c->failed = 1;
		return 1;
	}
	c->v[c->n++] = x;
	return 0;
}

/* By resource, then latest first, then site (a total order). */
static int
cmp_confirm(const void *a, const void *b)
{
	const struct gs_confirm *x = a, *y = b;
	int k = memcmp(x->resource, y->resource, 16);

	if (k != 0)
		return k;
	if (x->hlc != y->hlc)
		return x->hlc > y->hlc ? -1 : 1;
	return memcmp(x->by, y->by, 32);
}

struct gs_confirms *
gs_confirms_build(struct gs_replica *r)
{
	struct gs_confirms *c = calloc(1, sizeof(*c));
	size_t n = 0;

	if (c == NULL)
		return NULL;
	c->r = r;
	gs_replica_foreach(r, GS_TYPE_CONFIRMATION, on_confirmation, c);
	if (c->failed) {
		gs_confirms_free(&c);
		return NULL;
	}
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), cmp_confirm);
	/* keep the first (latest) of each resource */
	for (size_t i = 0; i < c->n; i++)
		if (n == 0 || memcmp(c->v[n - 1].resource, c->v[i].resource,
		    16) != 0)
			c->v[n++] = c->v[i];
	c->n = n;
	return c;
}

void
gs_confirms_free(struct gs_confirms **c)
{
	if (c == NULL || *c == NULL)
		return;
	free((*c)->v);
	free(*c);
	*c = NULL;
}

static int
cmp_key(const void *key, const void *elem)
{
	return memcmp(key, ((const struct gs_confirm *)elem)->resource, 16);
}

const struct gs_confirm *
gs_confirms_latest(const struct gs_confirms *c, const uint8_t resource[16])
{
	if (c == NULL || c->n == 0)
		return NULL;
	return bsearch(resource, c->v, c->n, sizeof(*c->v), cmp_key);
}

bool
gs_confirm_stale(const struct gs_confirm *latest, uint64_t created_hlc,
    int64_t now_ms)
{
	uint64_t hlc = latest != NULL && latest->hlc > created_hlc ?
	    latest->hlc : created_hlc;
	int64_t ms = (int64_t)GS_HLC_MS(hlc);

	return ms < now_ms - GS_CONFIRM_STALE_MS;
}
