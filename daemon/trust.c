/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * trust.c: the table of known sites, in memory (a sorted array: a GEM
 * network has tens of sites, not millions) and in the store.
 */
#include "trust.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "err.h"
#include "grow.h"
#include "log.h"
#include "seqmap.h"
#include "siteid.h"

struct gs_trust {
	struct gs_store *st;              /* lent */
	uint8_t self[32];
	struct gs_trust_site *v;          /* owned; ascending by pk */
	size_t n, cap;
	size_t npending;
	time_t window;                    /* start of the current minute */
	unsigned noted;                   /* unknown sites noted in it */
};

/* At most this many unknown sites become pending per minute: each one is
 * a disk write, and a peer can name thousands in one message. */
#define NOTE_PER_MINUTE 16

_Static_assert(offsetof(struct gs_trust_site, pk) == 0,
    "sites are searched by their leading key");

static size_t
pos(const struct gs_trust *t, const uint8_t pk[32], int *found)
{
	return gs_key_search(t->v, t->n, sizeof(*t->v), pk, found);
}

/* Inserts or updates a site in memory; returns it, or NULL. */
static struct gs_trust_site *
upsert(struct gs_trust *t, const struct gs_site_row *row)
{
	struct gs_trust_site *s;
	uint8_t curve[32];
	int found;
	size_t i;

	if (gs_pk_to_curve(row->pk, curve) != 0)
		return NULL;
	i = pos(t, row->pk, &found);
	if (!found) {
		if (gs_grow(&t->v, &t->cap, t->n, sizeof(*t->v), 16) != 0)
			return NULL;
		memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*t->v));
		t->n++;
	} else if (t->v[i].trust == GS_TRUST_PENDING) {
		t->npending--;
	}
	s = &t->v[i];
	memcpy(s->pk, row->pk, 32);
	memcpy(s->curve, curve, 32);
	s->trust = row->trust;
	s->introduced = row->introduced;
	if (row->introduced)
		memcpy(s->introducer, row->introducer, 32);
	s->first_seen = row->first_seen;
	if (s->trust == GS_TRUST_PENDING)
		t->npending++;
	return s;
}

static int
on_site_row(const struct gs_site_row *row, void *arg)
{
	struct gs_trust *t = arg;

	if (upsert(t, row) == NULL)
		log_warnx("trust: skipping a stored site with an invalid key");
	return 0;
}

int
gs_trust_load(struct gs_store *st, const uint8_t self[32],
    struct gs_trust **out)
{
	struct gs_trust *t;
	int ret;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return GS_ENOMEM;
	t->st = st;
	memcpy(t->self, self, 32);
	ret = gs_store_sites_foreach(st, on_site_row, t);
	if (ret != 0) {
		gs_trust_destroy(&t);
		return ret;
	}
	*out = t;
	return 0;
}

void
gs_trust_destroy(struct gs_trust **t)
{
	if (t == NULL || *t == NULL)
		return;
	free((*t)->v);
	free(*t);
	*t = NULL;
}

const struct gs_trust_site *
gs_trust_get(const struct gs_trust *t, const uint8_t pk[32])
{
	int found;
	size_t i = pos(t, pk, &found);
	return found ? &t->v[i] : NULL;
}

int
gs_trust_author_ok(const struct gs_trust *t, const uint8_t pk[32])
{
	const struct gs_trust_site *s;

	if (memcmp(pk, t->self, 32) == 0)
		return 0;
	s = gs_trust_get(t, pk);
	if (s == NULL || s->trust == GS_TRUST_PENDING)
		return GS_EUNTRUSTED;
	return s->trust == GS_TRUST_BLOCKED ? GS_EBLOCKED : 0;
}

bool
gs_trust_visible(const struct gs_trust *t, const uint8_t pk[32])
{
	return gs_trust_author_ok(t, pk) != GS_EBLOCKED;
}

const struct gs_trust_site *
gs_trust_by_curve(const struct gs_trust *t, const uint8_t curve[32])
{
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->v[i].curve, curve, 32) == 0)
			return &t->v[i];
	return NULL;
}

int
gs_trust_set(struct gs_trust *t, const uint8_t pk[32], int trust,
    const uint8_t *introducer)
{
	const struct gs_trust_site *old = gs_trust_get(t, pk);
	struct gs_site_row row;
	uint8_t curve[32];
	int ret;

	if (gs_pk_to_curve(pk, curve) != 0)
		return GS_EINVAL;   /* not a site key: nothing is written */
	memset(&row, 0, sizeof(row));
	memcpy(row.pk, pk, 32);
	row.trust = trust;
	row.introduced = introducer != NULL;
	if (introducer != NULL)
		memcpy(row.introducer, introducer, 32);
	row.first_seen = old ? old->first_seen : (int64_t)time(NULL);
	ret = gs_store_site_put(t->st, &row);
	if (ret != 0)
		return ret;
	return upsert(t, &row) != NULL ? 0 : GS_EINVAL;
}

/* Takes site pk out of memory, if it is there. */
static void
drop(struct gs_trust *t, const uint8_t pk[32])
{
	int found;
	size_t i = pos(t, pk, &found);

	if (!found)
		return;
	if (t->v[i].trust == GS_TRUST_PENDING)
		t->npending--;
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
	t->n--;
}

/* The store row of what memory holds of a site. */
static void
row_of(const struct gs_trust_site *s, struct gs_site_row *row)
{
	memset(row, 0, sizeof(*row));
	memcpy(row->pk, s->pk, 32);
	row->trust = s->trust;
	row->introduced = s->introduced;
	if (s->introduced)
		memcpy(row->introducer, s->introducer, 32);
	row->first_seen = s->first_seen;
}

void
gs_trust_undo(struct gs_trust *t, const uint8_t pk[32],
    const struct gs_trust_site *was)
{
	struct gs_site_row row;

	if (was == NULL) {
		drop(t, pk);
		return;
	}
	row_of(was, &row);
	/* a site known before is in the array: nothing to allocate */
	(void)upsert(t, &row);
}

int
gs_trust_restore(struct gs_trust *t, const uint8_t pk[32],
    const struct gs_trust_site *was)
{
	int ret;

	if (was != NULL)
		return gs_trust_set(t, pk, was->trust,
		    was->introduced ? was->introducer : NULL);
	ret = gs_store_site_remove(t->st, pk);
	if (ret == GS_ENOTFOUND)
		ret = 0;
	if (ret == 0)
		drop(t, pk);
	return ret;
}

int
gs_trust_succeed(struct gs_trust *t, const uint8_t old[32],
    const uint8_t next[32])
{
	const struct gs_trust_site *s = gs_trust_get(t, old);
	const struct gs_trust_site *n = gs_trust_get(t, next);
	struct gs_trust_site was;
	uint8_t curve[32];
	int ret = 0;

	if (s == NULL || s->trust == GS_TRUST_PENDING)
		return 0;   /* nothing decided about the old key here */
	was = *s;
	if (n == NULL || n->trust == GS_TRUST_PENDING)
		ret = gs_trust_set(t, next, was.trust, was.introduced ?
		    was.introducer : NULL);
	/* the sites the old key introduced are the new key's */
	for (size_t i = 0; ret == 0 && i < t->n; i++) {
		struct gs_trust_site x = t->v[i];
		if (!x.introduced || memcmp(x.introducer, old, 32) != 0)
			continue;
		ret = gs_trust_set(t, x.pk, x.trust, next);
	}
	if (ret == 0 && gs_pk_to_curve(next, curve) == 0)
		(void)gs_store_pending_remove(t->st, curve);
	return ret;
}

void
gs_trust_note_unknown(struct gs_trust *t, const uint8_t pk[32])
{
	char sid[GS_SITEID_SHORT];

	time_t now = time(NULL);

	if (gs_trust_get(t, pk) != NULL || memcmp(pk, t->self, 32) == 0 ||
	    t->npending >= GS_TRUST_MAX_PENDING)
		return;
	if (now - t->window >= 60) {
		t->window = now;
		t->noted = 0;
	}
	if (t->noted >= NOTE_PER_MINUTE)
		return;
	t->noted++;
	if (gs_trust_set(t, pk, GS_TRUST_PENDING, NULL) == 0) {
		gs_siteid_short(pk, sid);
		log_info("trust: site %s seen in gossip, pending approval", sid);
	}
}

int
gs_trust_foreach(const struct gs_trust *t, gs_trust_cb cb, void *arg)
{
	int rc;

	for (size_t i = 0; i < t->n; i++) {
		rc = cb(&t->v[i], arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}
