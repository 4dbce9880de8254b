/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * itemset.h: the daemon's in-memory view of every item: its changes
 * (headers and decoded deltas, never sealed bytes) and its merged state,
 * recomputed lazily by merge.c when a change arrives. Rebuilt from the
 * store at start, so it holds nothing that is not on disk.
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

struct gs_item {
	uint8_t id[16];
	int type;                   /* enum gs_item_type */
	struct gs_ichange *ch;      /* owned, in apply order */
	size_t n, cap;
	int corrupt;                /* a stored body failed authentication */
	int dirty;                  /* state is stale */
	struct gs_state state;      /* valid when !dirty; see gs_item_state() */
};

/* Creates an empty set. 0 or GS_ENOMEM. */
int gs_itemset_new(struct gs_itemset **out);
/* Frees the set and every item; sets *s to NULL. Accepts NULL. */
void gs_itemset_destroy(struct gs_itemset **s);
/* Removes and frees every item (used to rebuild after a rollback). */
void gs_itemset_clear(struct gs_itemset *s);

/* The item with this ID (lent), or NULL. */
struct gs_item *gs_itemset_get(struct gs_itemset *s, const uint8_t id[16]);
/*
 * The item whose hex ID starts with prefix (at least 6 hex digits), of the
 * given type (0: any). Returns 0 and *out (lent), GS_ENOTFOUND, or
 * GS_EINVAL when the prefix is malformed or matches several items.
 */
int gs_itemset_find(struct gs_itemset *s, const char *prefix, int type,
    struct gs_item **out);
/*
 * Adds a change to its item, creating the item on its first change.
 * delta is moved into the set (left empty). Returns 0 or GS_ENOMEM.
 */
int gs_itemset_add(struct gs_itemset *s, const uint8_t item[16], int type,
    const uint8_t id[32], const uint8_t author[32], uint64_t seq,
    uint64_t hlc, const uint8_t (*parents)[32], size_t nparents,
    struct gs_fields *delta, int corrupt);

/* Calls cb for every item, in no particular order; stops on non-zero. */
typedef int (*gs_item_cb)(struct gs_item *it, void *arg);
int gs_itemset_foreach(struct gs_itemset *s, gs_item_cb cb, void *arg);
/* Number of items of a type (0: all). */
size_t gs_itemset_count(struct gs_itemset *s, int type);

/*
 * The merged state of an item (lent; valid until the item changes), or
 * NULL if it cannot be computed (then the item is treated as corrupt).
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
