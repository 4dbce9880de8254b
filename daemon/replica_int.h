/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica_int.h: what the files of the replica share, private to them.
 * replica.c holds the item cache, the summary and reading back; 
 * replica_open.c opens (and creates) a site; replica_apply.c is the single
 * gate every change goes through; replica_write.c makes local changes and
 * resolutions, which then go through that gate. Everyone else uses
 * replica.h.
 */
#ifndef GS_REPLICA_INT_H
#define GS_REPLICA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hlc.h"
#include "replica.h"
#include "seqmap.h"

struct gs_trust;
struct gs_vault;

/* A revocation held here (an item of type GS_TYPE_REVOCATION). */
struct replica_revocation {
	uint8_t revoked[32];
	uint8_t by[32];                /* its author: an introducer or revoked */
	uint64_t last_seq;             /* revoked's changes up to it stay */
};

/* A key link held here (an item of type GS_TYPE_KEYLINK). */
struct replica_link {
	uint8_t old[32];               /* its author */
	uint8_t next[32];              /* the successor key */
	uint64_t last_seq;             /* old's last change: the link itself */
};

struct gs_replica {
	struct gs_identity *id;        /* owned */
	struct gs_vault *vault;        /* owned */
	struct gs_store *store;        /* lent by the daemon */
	struct gs_trust *trust;        /* lent; NULL: only own changes */
	struct gs_itemset *items;      /* owned: the item cache */
	struct gs_hlc clock;
	struct gs_seqmap authors;      /* owned: author -> highest sequence */
	struct gs_seqmap corrupt;      /* owned: items seen corrupt (ID, zero-padded) */
	uint64_t nchanges;
	struct gs_item **touched;      /* items written by the open transaction */
	size_t ntouched, captouched;
	bool busy;                     /* worked since the last gs_replica_idle() */
	bool loaded_full;              /* full items cached since the last trim */
	bool erased;                   /* the open transaction erased an item */
	bool catching_up;              /* restored, own later changes awaited */
	struct gs_seqmap unknown;      /* untrusted authors met by the open batch */
	gs_replica_hook hook;
	void *hook_arg;
	struct gs_change **pending;    /* committed-soon changes for the hook */
	size_t npending, cappending;
	struct replica_revocation *revs;   /* owned: every revocation held */
	size_t nrevs, caprevs;
	struct replica_revocation *endorse; /* owned: to write once committed */
	size_t nendorse, capendorse;
	struct replica_link *links;    /* owned: every key link held */
	size_t nlinks, caplinks;
	size_t nsucceed;               /* links[nlinks - nsucceed ..]: new in
	                                  the open transaction, their trust
	                                  moved once it commits */
};

/*
 * Reads a revocation's body: the revoked site and the last sequence of
 * it that stays. 0 or GS_EINVAL.
 */
int replica_revocation_parse(const struct gs_fields *f, uint8_t revoked[32],
    uint64_t *last_seq);
/* Remembers a revocation stored by the open transaction (or at load). */
int replica_revocation_note(struct gs_replica *r, const uint8_t by[32],
    const uint8_t revoked[32], uint64_t last_seq);

/*
 * Reads a key link's body: the successor key, the new key's signature and
 * the old key's last sequence. 0 or GS_EINVAL.
 */
int replica_link_parse(const struct gs_fields *f, uint8_t next[32],
    uint8_t sig[64], uint64_t *last_seq);
/* Remembers a key link stored by the open transaction (or at load). */
int replica_link_note(struct gs_replica *r, const uint8_t old[32],
    const uint8_t next[32], uint64_t last_seq);
/* The link whose old key is pk, or whose successor is pk (lent), or NULL. */
const struct replica_link *replica_link_from(const struct gs_replica *r,
    const uint8_t pk[32]);
const struct replica_link *replica_link_to(const struct gs_replica *r,
    const uint8_t pk[32]);
/* Gives every linked successor its old key's trust (idempotent). */
void replica_links_succeed(struct gs_replica *r, size_t from);

/* Remembers that an item failed authentication (logged once). */
void replica_mark_corrupt(struct gs_replica *r, struct gs_item *it,
    const uint8_t id[16]);
/* Notes an item written by the open transaction, once. 0 or GS_ENOMEM. */
int replica_touch(struct gs_replica *r, struct gs_item *it);
/* Forgets which items the transaction wrote (it ended either way). */
void replica_untouch(struct gs_replica *r);
/* Writes the merged state of one item into the items table. */
int replica_flush_item(struct gs_replica *r, struct gs_item *it,
    int64_t now_ms);
/* Writes every touched item's state; called inside the transaction. */
int replica_flush_touched(struct gs_replica *r);
/*
 * Reads what memory keeps from the store (at open, after a rollback). The
 * cached items are retired, not freed: a request may still hold one.
 */
int replica_reload(struct gs_replica *r);
/* Frees the changes kept for the hook. */
void replica_pending_clear(struct gs_replica *r);
/*
 * The apply gate: every rule a verified change must pass, then the
 * insert, inside the open transaction. Takes *cp when it stores it.
 * Returns 0 when stored, a refusal reason, or a storage error (GS_EFULL,
 * GS_EREADONLY, GS_EDB, GS_EBUSY, GS_ENOMEM) that must abort the batch.
 */
int replica_apply_one(struct gs_replica *r, struct gs_change **cp);
/*
 * Ends the transaction the gate ran in: commits (then tells the hook) or
 * rolls back, memory included; then records the untrusted authors met as
 * pending, outside the transaction. Returns ret or the commit's error.
 */
int replica_finish_tx(struct gs_replica *r, int ret, const uint8_t *from);

#endif
