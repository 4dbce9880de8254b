/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * itemset.h: the replica's bounded cache of items (item.h): for each, its
 * merged state and, when it was needed, its changes. The store holds
 * every item (changes and sealed states); this cache holds only those a
 * request or a batch touched, and the replica empties it between turns of
 * the event loop. The cache owns its items and lends them.
 */
#ifndef GS_ITEMSET_H
#define GS_ITEMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "item.h"

struct gs_itemset;

/* Creates an empty cache. 0 or GS_ENOMEM. */
int gs_itemset_new(struct gs_itemset **out);
/* Frees the cache and every item; sets *s to NULL. Accepts NULL. */
void gs_itemset_destroy(struct gs_itemset **s);
/* Removes and frees every item (retired ones stay retired). */
void gs_itemset_clear(struct gs_itemset *s);
/*
 * Removes every item from the cache without freeing it, for when the
 * store was rolled back under requests that may hold one; they are freed
 * by gs_itemset_free_retired() once no request runs.
 */
void gs_itemset_retire_all(struct gs_itemset *s);
/* Frees the items gs_itemset_retire_all() set aside. */
void gs_itemset_free_retired(struct gs_itemset *s);
/* Number of items cached. */
size_t gs_itemset_size(const struct gs_itemset *s);

/* The cached item with this ID (lent), or NULL. */
struct gs_item *gs_itemset_get(struct gs_itemset *s, const uint8_t id[16]);
/*
 * Creates an empty item in the cache (it must not be cached already).
 * Returns 0 and *out (lent), GS_EEXISTS or GS_ENOMEM.
 */
int gs_itemset_create(struct gs_itemset *s, const uint8_t id[16], int type,
    struct gs_item **out);

#endif
