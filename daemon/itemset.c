/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * itemset.c: the item cache, an open-addressing hash table keyed by the
 * random 16-byte item IDs (the first 8 bytes are already uniform).
 */
#include "itemset.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

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
gs_itemset_clear(struct gs_itemset *s)
{
	if (s->n == 0)
		return;
	for (size_t i = 0; i < s->cap; i++) {
		gs_item_destroy(&s->slots[i]);
	}
	s->n = 0;
}

void
gs_itemset_free_retired(struct gs_itemset *s)
{
	for (size_t i = 0; i < s->nretired; i++)
		gs_item_destroy(&s->retired[i]);
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
	if (gs_item_new(id, type, &it) != 0)
		return GS_ENOMEM;
	s->slots[slot] = it;
	s->n++;
	*out = it;
	return 0;
}

