/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * item.h: an item as the daemon holds it in memory: its ID and type, its
 * changes (headers and decoded deltas, never sealed bytes) and its merged
 * state, with the methods that add a change and compute a state; and the
 * derivation of item IDs.
 *
 * The fields of struct gs_item come in two parts, as in libuv's handles:
 * the public ones any module may read, and the cache's bookkeeping, which
 * only item.c, itemset.c and the replica (replica*.c) touch; others go
 * through the accessors below.
 *
 * For the types, their fields and rules see schema.h; for hex and times,
 * textfmt.h (both included here, as most users of items need them).
 */
#ifndef GS_ITEM_H
#define GS_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "schema.h"
#include "state.h"
#include "textfmt.h"

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
 * An item. A full item holds every change (loaded from the store, or
 * created by its first change); a light one holds only the merged state
 * read from the items table, which is enough to show it. The replica
 * turns a light item into a full one in place when a change must be
 * checked against it, so pointers stay valid until the cache is trimmed
 * (between two turns of the event loop, never during a request).
 */
struct gs_item {
	/* public, read-only */
	uint8_t id[GS_ITEM_ID_LEN];
	int type;                   /* enum gs_item_type */
	bool full;                  /* ch holds every change */
	struct gs_ichange *ch;      /* owned, in apply order; full items only */
	size_t n;                   /* changes in ch */
	int corrupt;                /* stored data failed authentication */

	/* private: item.c, itemset.c and replica*.c only */
	size_t cap;                 /* room in ch */
	int dirty;                  /* state is stale (full items only) */
	bool stored;                /* has a row in the items table */
	bool touched;               /* written by the open transaction */
	int64_t received_ms;        /* first stored here, 0 if not yet */
	struct gs_state state;      /* valid when !dirty; see gs_item_state() */
	struct gs_state seen;       /* valid when seen_ok: the merge of
	                               seen.heads and their ancestors */
	bool seen_ok;
	size_t merges;              /* full merges of this item (gs_merge) */
};

/* Calls cb for every item; stops on non-zero. */
typedef int (*gs_item_cb)(struct gs_item *it, void *arg);

/*
 * Creates a light, empty item. Returns 0 and *out (the caller's, freed
 * with gs_item_destroy), or GS_ENOMEM.
 */
int gs_item_new(const uint8_t id[GS_ITEM_ID_LEN], int type,
    struct gs_item **out);
/* Frees the item, its changes and its state; sets *it to NULL. NULL ok. */
void gs_item_destroy(struct gs_item **it);

/*
 * Adds a change to an item, making it full. delta is moved into the item
 * (left empty); parents are copied. corrupt marks the item corrupt (the
 * change's body failed authentication). Returns 0 or GS_ENOMEM (the item
 * is then unchanged).
 *
 * A change whose parents are exactly the heads of the item's merged state
 * (the common case: an edit of what the author saw last, a chain) updates
 * that state in place, in time proportional to the state and the delta,
 * not to the item's history: it is the sole last writer of every field
 * it writes. Any other change (concurrent, or an edit racing a delete)
 * marks the state stale, to be merged again in full (gs_merge) when next
 * asked for. Either way the state equals gs_merge() of every change.
 * The state last returned by gs_item_seen() is kept up to date the same
 * way, so that a chain grafted below the heads (a branch) costs no merge
 * per change either.
 */
int gs_item_add(struct gs_item *it, const uint8_t id[32],
    const uint8_t author[32], uint64_t seq, uint64_t hlc,
    const uint8_t (*parents)[32], size_t nparents, struct gs_fields *delta,
    int corrupt);
/* Drops the changes of an item, making it light again. */
void gs_item_forget_changes(struct gs_item *it);

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
/*
 * The same state, lent, for a full item: the item's own merged state when
 * the parents are exactly its heads, or the one this function returned
 * last when they are its heads (gs_item_add folds each change into both),
 * so that applying a chain of edits, on the heads or on a branch, merges
 * nothing; otherwise a merge, which is kept for the next call. *out is
 * valid until the item's next change. Returns 0, GS_ENOPARENT, GS_EINVAL
 * or GS_ENOMEM (*out is then NULL).
 */
int gs_item_seen(struct gs_item *it, const uint8_t (*parents)[32],
    size_t nparents, const struct gs_state **out);
/* How many times the item's changes were merged in full (gs_merge). */
size_t gs_item_merges(const struct gs_item *it);

/*
 * When the item was first stored on this site (ms since the epoch), or 0
 * if it has not been yet.
 */
int64_t gs_item_received_ms(const struct gs_item *it);

/* The 16-byte ID of an item created by author's change number seq. */
void gs_item_id_new(const uint8_t author[32], uint64_t seq,
    uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of the site profile of author (one per site). */
void gs_item_id_site(const uint8_t author[32], uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of author's reservation on one date ("YYYY-MM-DD") of a
 * series event (one per site, event and date). GS_EINVAL unless date is
 * 10 bytes long. */
int gs_item_id_reservation_date(const uint8_t author[32],
    const uint8_t event[GS_ITEM_ID_LEN], const char *date,
    uint8_t out[GS_ITEM_ID_LEN]);
/* The ID of author's reservation described by f's "event" and "date"
 * (absent or empty: the event itself). GS_EINVAL when "event" is absent
 * or not an item ID, or "date" is not 10 bytes long. */
int gs_item_id_reservation_for(const uint8_t author[32],
    const struct gs_fields *f, uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of author's revocation of the site key revoked (one per
 * revoking and revoked site). */
void gs_item_id_revocation(const uint8_t author[32], const uint8_t revoked[32],
    uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of the link from the site key old to its successor (one
 * per old key). */
void gs_item_id_keylink(const uint8_t old[32], uint8_t out[GS_ITEM_ID_LEN]);
/*
 * What the new key of a key link signs: "gemsync-keylink-v1", the old
 * key, the new key (GS_KEYLINK_MSG_LEN bytes).
 */
#define GS_KEYLINK_MSG_LEN (18 + 32 + 32)
void gs_item_keylink_msg(const uint8_t old[32], const uint8_t next[32],
    uint8_t out[GS_KEYLINK_MSG_LEN]);
/* The 16-byte ID of author's reservation on event (one per site and event). */
void gs_item_id_reservation(const uint8_t author[32],
    const uint8_t event[GS_ITEM_ID_LEN], uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of author's confirmation of resource (one per site and
 * resource, docs/internals/storage-format.md). */
void gs_item_id_confirmation(const uint8_t author[32],
    const uint8_t resource[GS_ITEM_ID_LEN], uint8_t out[GS_ITEM_ID_LEN]);
/* The ID of author's confirmation of f's "resource". GS_EINVAL when
 * "resource" is absent or not an item ID. */
int gs_item_id_confirmation_for(const uint8_t author[32],
    const struct gs_fields *f, uint8_t out[GS_ITEM_ID_LEN]);

#endif
