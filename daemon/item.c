/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * item.c: an item's changes and its merged state. A change that extends
 * every head (an edit of the latest state) updates the state in place;
 * any other marks it stale, and the next gs_item_state() merges every
 * change again. So a chain of n edits costs n small updates, not n
 * merges of a growing history (issue 17: a 5,000-edit chain held the
 * event loop for seconds). Item
 * IDs are BLAKE2b hashes of their inputs with a domain string each, so
 * that a site profile or a reservation has one ID every site derives.
 */
#include "item.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "grow.h"
#include "log.h"
#include "merge.h"

int
gs_item_new(const uint8_t id[GS_ITEM_ID_LEN], int type,
    struct gs_item **out)
{
	struct gs_item *it;

	*out = NULL;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return GS_ENOMEM;
	memcpy(it->id, id, GS_ITEM_ID_LEN);
	it->type = type;
	*out = it;
	return 0;
}

void
gs_item_destroy(struct gs_item **it)
{
	if (it == NULL || *it == NULL)
		return;
	gs_item_forget_changes(*it);
	gs_state_clear(&(*it)->state);
	free(*it);
	*it = NULL;
}

void
gs_item_forget_changes(struct gs_item *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->ch[i].parents);
		gs_fields_clear(&it->ch[i].delta);
	}
	free(it->ch);
	it->ch = NULL;
	it->n = it->cap = 0;
	it->full = false;
	gs_state_clear(&it->seen);
	it->seen_ok = false;
}

/* Are the parents, as a set, exactly the heads of st? */
static bool
parents_are_heads(const struct gs_state *st, const uint8_t (*parents)[32],
    size_t nparents)
{
	if (nparents == 0 || nparents != st->nheads)
		return false;
	for (size_t i = 0; i < nparents; i++) {
		bool found = false;
		for (size_t h = 0; h < st->nheads && !found; h++)
			found = memcmp(parents[i], st->heads[h], 32) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Drops the conflict on field name from st, if there is one. */
static void
drop_conflict(struct gs_state *st, const char *name)
{
	for (size_t i = 0; i < st->nconflicts; i++) {
		if (strcmp(st->conflicts[i].field, name) != 0)
			continue;
		gs_conflict_clear(&st->conflicts[i]);
		memmove(&st->conflicts[i], &st->conflicts[i + 1],
		    (st->nconflicts - i - 1) * sizeof(st->conflicts[0]));
		st->nconflicts--;
		return;
	}
}

/*
 * Folds change c, whose parents are the heads of it->state, into that
 * state: what gs_merge() would give, since every other change is an
 * ancestor of c. Returns 0, 1 when the rule does not apply (an edit that
 * a delete among the last writers did not see: a delete-versus-edit
 * conflict, left to the full merge), or GS_ENOMEM (the state is then
 * half-updated: the caller marks it stale).
 */
static int
fold_change(struct gs_state *st, const struct gs_ichange *c)
{
	const struct gs_fields *d = &c->delta;
	bool writes_del = false, edits = false;
	int ret;

	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].name, GS_FIELD_DELETED) == 0)
			writes_del = true;
		else
			edits = true;
	}
	if (edits && !writes_del && (st->deleted ||
	    gs_state_conflict(st, GS_FIELD_DELETED) != NULL))
		return 1;
	/* the parents were the heads: there is room for one */
	memcpy(st->heads[0], c->id, 32);
	st->nheads = 1;
	st->nchanges++;
	if (c->hlc > st->updated_hlc)
		st->updated_hlc = c->hlc;
	for (size_t i = 0; i < d->n; i++) {
		const char *name = d->v[i].name, *v = d->v[i].value;
		drop_conflict(st, name);
		if (strcmp(name, GS_FIELD_DELETED) == 0) {
			st->deleted = strcmp(v, "1") == 0;
			continue;
		}
		if (v[0] == '\0') {
			gs_fields_del(&st->fields, name);   /* cleared */
			continue;
		}
		ret = gs_fields_set(&st->fields, name, v);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/*
 * The state of a root change alone, st empty: what gs_merge() gives for
 * it (its author owns the item, its fields are the state). Returns 0 or
 * GS_ENOMEM.
 */
static int
seed_state(struct gs_state *st, const struct gs_ichange *c)
{
	if ((st->heads = calloc(1, sizeof(*st->heads))) == NULL)
		return GS_ENOMEM;
	memcpy(st->owner, c->author, 32);
	memcpy(st->root, c->id, 32);
	st->created_hlc = c->hlc;
	return fold_change(st, c);
}

int
gs_item_add(struct gs_item *it, const uint8_t id[32],
    const uint8_t author[32], uint64_t seq, uint64_t hlc,
    const uint8_t (*parents)[32], size_t nparents, struct gs_fields *delta,
    int corrupt)
{
	struct gs_ichange *c;
	bool fold, fold_seen, seed;

	if (gs_grow(&it->ch, &it->cap, it->n, sizeof(*it->ch), 4) != 0)
		return GS_ENOMEM;
	/* the state in hand is the merge of every change held so far */
	fold = it->full && it->n > 0 && !it->dirty && !it->corrupt &&
	    !corrupt && parents_are_heads(&it->state, parents, nparents);
	fold_seen = it->seen_ok && !corrupt &&
	    parents_are_heads(&it->seen, parents, nparents);
	/* the first change of an item, its root: its state is its fields */
	seed = it->n == 0 && nparents == 0 && !corrupt && !it->corrupt;
	c = &it->ch[it->n];
	memset(c, 0, sizeof(*c));
	if (nparents > 0) {
		if ((c->parents = malloc(nparents * 32)) == NULL)
			return GS_ENOMEM;
		memcpy(c->parents, parents, nparents * 32);
	}
	memcpy(c->id, id, 32);
	memcpy(c->author, author, 32);
	c->seq = seq;
	c->hlc = hlc;
	c->nparents = nparents;
	c->delta = *delta;
	gs_fields_init(delta);
	it->n++;
	it->full = true;
	it->corrupt |= corrupt;
	if (seed) {
		gs_state_clear(&it->state);
		it->dirty = seed_state(&it->state, c) != 0;
	} else {
		it->dirty = !fold || fold_change(&it->state, c) != 0;
	}
	/* a merge below given heads ignores changes beside them: seen stays
	 * right unless c extends it and cannot be folded in */
	if (fold_seen && fold_change(&it->seen, c) != 0) {
		gs_state_clear(&it->seen);
		it->seen_ok = false;
	}
	return 0;
}

/* Merges the item's changes (all, or below heads) into out. */
static int
merge_item(struct gs_item *it, const uint8_t (*heads)[32], size_t nheads,
    struct gs_state *out)
{
	struct gs_mchange *mc;
	int ret;

	if ((mc = calloc(it->n, sizeof(*mc))) == NULL)
		return GS_ENOMEM;
	for (size_t i = 0; i < it->n; i++) {
		memcpy(mc[i].id, it->ch[i].id, 32);
		memcpy(mc[i].author, it->ch[i].author, 32);
		mc[i].hlc = it->ch[i].hlc;
		mc[i].nparents = it->ch[i].nparents;
		mc[i].parents = (const uint8_t (*)[32])it->ch[i].parents;
		mc[i].delta = &it->ch[i].delta;
	}
	ret = gs_merge(mc, it->n, heads, nheads, out);
	it->merges++;
	free(mc);
	return ret;
}

const struct gs_state *
gs_item_state(struct gs_item *it)
{
	int rc;

	if (!it->dirty)
		return it->corrupt && !it->full ? NULL : &it->state;
	gs_state_clear(&it->state);
	rc = merge_item(it, NULL, 0, &it->state);
	if (rc != 0) {
		log_warnx("item: cannot merge an item: %s", gs_strerror(rc));
		it->corrupt = 1;
		return NULL;
	}
	it->dirty = 0;
	return &it->state;
}

const struct gs_ichange *
gs_item_change(const struct gs_item *it, const uint8_t id[32])
{
	/* newest first: a new change's parents are usually the last ones */
	for (size_t i = it->n; i-- > 0;)
		if (memcmp(it->ch[i].id, id, 32) == 0)
			return &it->ch[i];
	return NULL;
}

int
gs_item_has_change(const struct gs_item *it, const uint8_t id[32])
{
	return gs_item_change(it, id) != NULL;
}

int
gs_item_state_at(struct gs_item *it, const uint8_t (*parents)[32],
    size_t nparents, struct gs_state *out)
{
	return merge_item(it, parents, nparents, out);
}

int
gs_item_seen(struct gs_item *it, const uint8_t (*parents)[32],
    size_t nparents, const struct gs_state **out)
{
	int ret;

	*out = NULL;
	if (it->full && !it->dirty && !it->corrupt &&
	    parents_are_heads(&it->state, parents, nparents)) {
		*out = &it->state;
		return 0;
	}
	if (it->seen_ok && parents_are_heads(&it->seen, parents, nparents)) {
		*out = &it->seen;
		return 0;
	}
	gs_state_clear(&it->seen);
	it->seen_ok = false;
	ret = merge_item(it, parents, nparents, &it->seen);
	if (ret != 0)
		return ret;
	it->seen_ok = true;
	*out = &it->seen;
	return 0;
}

size_t
gs_item_merges(const struct gs_item *it)
{
	return it->merges;
}

int64_t
gs_item_received_ms(const struct gs_item *it)
{
	return it->received_ms;
}

/* First GS_ITEM_ID_LEN bytes of BLAKE2b-256 over the parts. */
static void
item_hash(const struct gs_iov *parts, size_t n, uint8_t out[GS_ITEM_ID_LEN])
{
	uint8_t h[GS_HASH_LEN];

	gs_hashv(parts, n, h, sizeof(h));
	memcpy(out, h, GS_ITEM_ID_LEN);
}

void
gs_item_id_new(const uint8_t author[32], uint64_t seq,
    uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-item-v1";
	uint8_t be[8];
	struct gs_iov parts[3];

	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(seq >> (56 - 8 * i));
	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ be, sizeof(be) };
	item_hash(parts, 3, out);
}

void
gs_item_id_site(const uint8_t author[32], uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-site-v1";
	struct gs_iov parts[2];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	item_hash(parts, 2, out);
}

void
gs_item_id_revocation(const uint8_t author[32], const uint8_t revoked[32],
    uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-revoke-v1";
	struct gs_iov parts[3];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ revoked, 32 };
	item_hash(parts, 3, out);
}

void
gs_item_id_keylink(const uint8_t old[32], uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-keylink-v1";
	struct gs_iov parts[2];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ old, 32 };
	item_hash(parts, 2, out);
}

void
gs_item_keylink_msg(const uint8_t old[32], const uint8_t next[32],
    uint8_t out[GS_KEYLINK_MSG_LEN])
{
	static const char dom[] = "gemsync-keylink-v1";

	_Static_assert(sizeof(dom) - 1 == 18, "the domain's length");
	memcpy(out, dom, 18);
	memcpy(out + 18, old, 32);
	memcpy(out + 50, next, 32);
}

void
gs_item_id_reservation(const uint8_t author[32],
    const uint8_t event[GS_ITEM_ID_LEN], uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-resv-v1";
	struct gs_iov parts[3];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ event, GS_ITEM_ID_LEN };
	item_hash(parts, 3, out);
}

int
gs_item_id_reservation_date(const uint8_t author[32],
    const uint8_t event[GS_ITEM_ID_LEN], const char *date,
    uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-resv-date-v1";
	struct gs_iov parts[4];

	if (date == NULL || strlen(date) != 10)
		return GS_EINVAL;
	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ event, GS_ITEM_ID_LEN };
	parts[3] = (struct gs_iov){ date, 10 };
	item_hash(parts, 4, out);
	return 0;
}

int
gs_item_id_reservation_for(const uint8_t author[32],
    const struct gs_fields *f, uint8_t out[GS_ITEM_ID_LEN])
{
	const char *ev = gs_fields_get(f, "event");
	const char *date = gs_fields_get(f, "date");
	uint8_t event[GS_ITEM_ID_LEN];

	if (ev == NULL || gs_unhex(ev, event, GS_ITEM_ID_LEN) != 0)
		return GS_EINVAL;
	if (date == NULL || date[0] == '\0') {
		gs_item_id_reservation(author, event, out);
		return 0;
	}
	return gs_item_id_reservation_date(author, event, date, out);
}

void
gs_item_id_confirmation(const uint8_t author[32],
    const uint8_t resource[GS_ITEM_ID_LEN], uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-confirm-v1";
	struct gs_iov parts[3];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ resource, GS_ITEM_ID_LEN };
	item_hash(parts, 3, out);
}

int
gs_item_id_confirmation_for(const uint8_t author[32],
    const struct gs_fields *f, uint8_t out[GS_ITEM_ID_LEN])
{
	const char *res = gs_fields_get(f, "resource");
	uint8_t resource[GS_ITEM_ID_LEN];

	if (res == NULL || strlen(res) != 2 * GS_ITEM_ID_LEN ||
	    gs_unhex(res, resource, GS_ITEM_ID_LEN) != 0)
		return GS_EINVAL;
	gs_item_id_confirmation(author, resource, out);
	return 0;
}
