/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * itemset.c: the item cache, an open-addressing hash table keyed by the
 * random 16-byte item IDs (the first 8 bytes are already uniform). A full
 * item's merged state is recomputed lazily when a change arrives.
 */
#include "itemset.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "item.h"
#include "log.h"

struct gs_itemset {
	struct gs_item **slots;   /* owned; NULL = empty */
	size_t cap;               /* power of two */
	size_t n;
	struct gs_item **retired; /* owned: out of the table, not yet freed */
	size_t nretired, capretired;
};

static uint64_t
slot_hash(const uint8_t id[16])
{
	uint64_t h;
	memcpy(&h, id, sizeof(h));
	return h;
}

int
gs_itemset_new(struct gs_itemset **out)
{
	struct gs_itemset *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return GS_ENOMEM;
	s->cap = 1024;
	if ((s->slots = calloc(s->cap, sizeof(*s->slots))) == NULL) {
		free(s);
		return GS_ENOMEM;
	}
	*out = s;
	return 0;
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
}

static void
item_free(struct gs_item *it)
{
	if (it == NULL)
		return;
	gs_item_forget_changes(it);
	gs_state_clear(&it->state);
	free(it);
}

void
gs_itemset_clear(struct gs_itemset *s)
{
	if (s->n == 0)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		item_free(s->slots[i]);
		s->slots[i] = NULL;
	}
	s->n = 0;
}

void
gs_itemset_free_retired(struct gs_itemset *s)
{
	for (size_t i = 0; i < s->nretired; i++)
		item_free(s->retired[i]);
	s->nretired = 0;
}

void
gs_itemset_retire_all(struct gs_itemset *s)
{
	size_t need = s->nretired + s->n;

	if (need > s->capretired) {
		struct gs_item **nr = realloc(s->retired, need * sizeof(*nr));
		if (nr == NULL) {
			/* cannot keep them: nobody may hold one after all */
			gs_itemset_clear(s);
			return;
		}
		s->retired = nr;
		s->capretired = need;
	}
	for (size_t i = 0; i < s->cap && s->n > 0; i++) {
		if (s->slots[i] == NULL)
			continue;
		s->retired[s->nretired++] = s->slots[i];
		s->slots[i] = NULL;
		s->n--;
	}
}

void
gs_itemset_destroy(struct gs_itemset **s)
{
	if (s == NULL || *s == NULL)
		return;
	gs_itemset_clear(*s);
	gs_itemset_free_retired(*s);
	free((*s)->retired);
	free((*s)->slots);
	free(*s);
	*s = NULL;
}

size_t
gs_itemset_size(const struct gs_itemset *s)
{
	return s->n;
}

static size_t
find_slot(const struct gs_itemset *s, const uint8_t id[16])
{
	size_t i = slot_hash(id) & (s->cap - 1);

	while (s->slots[i] != NULL && memcmp(s->slots[i]->id, id, 16) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

struct gs_item *
gs_itemset_get(struct gs_itemset *s, const uint8_t id[16])
{
	return s->slots[find_slot(s, id)];
}

static int
grow(struct gs_itemset *s)
{
	struct gs_item **old = s->slots;
	size_t oldcap = s->cap;

	if ((s->slots = calloc(oldcap * 2, sizeof(*s->slots))) == NULL) {
		s->slots = old;
		return GS_ENOMEM;
	}
	s->cap = oldcap * 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i] != NULL)
			s->slots[find_slot(s, old[i]->id)] = old[i];
	free(old);
	return 0;
}

int
gs_itemset_create(struct gs_itemset *s, const uint8_t id[16], int type,
    struct gs_item **out)
{
	struct gs_item *it;
	size_t slot;

	*out = NULL;
	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return GS_ENOMEM;
	slot = find_slot(s, id);
	if (s->slots[slot] != NULL)
		return GS_EEXISTS;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return GS_ENOMEM;
	memcpy(it->id, id, 16);
	it->type = type;
	s->slots[slot] = it;
	s->n++;
	*out = it;
	return 0;
}

int
gs_item_add(struct gs_item *it, const uint8_t id[32],
    const uint8_t author[32], uint64_t seq, uint64_t hlc,
    const uint8_t (*parents)[32], size_t nparents, struct gs_fields *delta,
    int corrupt)
{
	struct gs_ichange *c;

	if (it->n == it->cap) {
		size_t ncap = it->cap ? it->cap * 2 : 4;
		struct gs_ichange *nc = realloc(it->ch, ncap * sizeof(*nc));
		if (nc == NULL)
			return GS_ENOMEM;
		it->ch = nc;
		it->cap = ncap;
	}
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
	it->dirty = 1;
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
		log_warnx("itemset: cannot merge an item: %s", gs_strerror(rc));
		it->corrupt = 1;
		return NULL;
	}
	it->dirty = 0;
	return &it->state;
}

const struct gs_ichange *
gs_item_change(const struct gs_item *it, const uint8_t id[32])
{
	for (size_t i = 0; i < it->n; i++)
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
