/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * itemset.h: the replica's bounded cache of items: for each, its merged
 * state and, when it was needed, its changes (headers and decoded deltas,
 * never sealed bytes). The store holds every item (changes and sealed
 * states); this cache holds only those a request or a batch touched, and
 * the replica empties it between turns of the event loop.
 */
#ifndef GS_ITEMSET_H
#define GS_ITEMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "merge.h"

struct gs_itemset;

/* One change of an item, as kept in memory. */
struct gs_ichange {
	uint8_t id[32];
	uint8_t author[32];
	uint64_t seq;
	uint64_t hlc;
	uint8_t (*parents)[32];     /* owned */
	size_t nparents;
	struct gs_fields delta;     /* owned; empty if the body is unreadable */
};

/*
 * An item in the cache. A full item holds every change (loaded from the
 * store, or created by its first change); a light one holds only the
 * merged state read from the items table, which is enough to show it.
 * The replica turns a light item into a full one in place when a change
 * must be checked against it, so pointers stay valid until the cache is
 * trimmed (between two turns of the event loop, never during a request).
 */
struct gs_item {
	uint8_t id[16];
	int type;                   /* enum gs_item_type */
	bool full;                  /* ch holds every change */
	struct gs_ichange *ch;      /* owned, in apply order; full items only */
	size_t n, cap;
	int corrupt;                /* a stored body or state failed authentication */
	int dirty;                  /* state is stale (full items only) */
	bool stored;                /* has a row in the items table */
	bool touched;               /* written by the open transaction */
	int64_t received_ms;        /* first stored here, 0 if not yet */
	struct gs_state state;      /* valid when !dirty; see gs_item_state() */
};

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
void gs_itemset_free_retired(struct gs_itemset *s);
/* Number of items cached. */
size_t gs_itemset_size(const struct gs_itemset *s);

/* The cached item with this ID (lent), or NULL. */
struct gs_item *gs_itemset_get(struct gs_itemset *s, const uint8_t id[16]);
/*
 * Creates an empty item in the cache (it must not be cached already).
 * Returns 0 and *out (lent), or GS_ENOMEM.
 */
int gs_itemset_create(struct gs_itemset *s, const uint8_t id[16], int type,
    struct gs_item **out);

/*
 * Adds a change to a full item. delta is moved into the item (left
 * empty). Returns 0 or GS_ENOMEM.
 */
int gs_item_add(struct gs_item *it, const uint8_t id[32],
    const uint8_t author[32], uint64_t seq, uint64_t hlc,
    const uint8_t (*parents)[32], size_t nparents, struct gs_fields *delta,
    int corrupt);
/* Drops the changes of an item, making it light again. */
void gs_item_forget_changes(struct gs_item *it);

/* Calls cb for every item; stops on non-zero. */
typedef int (*gs_item_cb)(struct gs_item *it, void *arg);

/*
 * The merged state of an item (lent; valid until the item changes), or
 * NULL if it cannot be computed (then the item is treated as corrupt).
 * The functions below it need a full item.
 */
const struct gs_state *gs_item_state(struct gs_item *it);
/* 1 if the item holds the change, 0 otherwise. */
int gs_item_has_change(const struct gs_item *it, const uint8_t id[32]);
/* The change with this ID (lent) or NULL. */
const struct gs_ichange *gs_item_change(const struct gs_item *it,
    const uint8_t id[32]);
/*
 * The state a change whose parents are given saw: the merge of those
 * parents and their ancestors. out must be zeroed; the caller clears it.
 * Returns 0, GS_ENOPARENT, GS_EINVAL, GS_ENOMEM.
 */
int gs_item_state_at(struct gs_item *it, const uint8_t (*parents)[32],
    size_t nparents, struct gs_state *out);

#endif
