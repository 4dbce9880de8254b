/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * trust.h: which sites this site accepts changes from (DESIGN §3). Trust
 * is explicit and local: a site is trusted because the admin added it as a
 * peer or trusted it, or because a peer marked introducer trusts it. A
 * blocked site's changes are refused, its items hidden, never relayed.
 * Sites seen in gossip but not trusted are kept as pending, bounded, for
 * the admin to decide. Kept in memory, written through to the store.
 */
#ifndef GS_TRUST_H
#define GS_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define GS_TRUST_MAX_PENDING 1000

struct gs_trust;

/* One known site (lent by the accessors). */
struct gs_trust_site {
	uint8_t pk[32];
	uint8_t curve[32];           /* X25519 transport key */
	int trust;                   /* enum gs_trust */
	bool introduced;
	uint8_t introducer[32];
	int64_t first_seen;
};

/* Loads every site from the store. self is this site's key. */
int gs_trust_load(struct gs_store *st, const uint8_t self[32],
    struct gs_trust **out);
void gs_trust_destroy(struct gs_trust **t);

/* 0 if pk's changes are accepted, GS_EUNTRUSTED or GS_EBLOCKED. */
int gs_trust_author_ok(const struct gs_trust *t, const uint8_t pk[32]);
/*
 * Whether the items of site pk are shown: false only when it is blocked.
 * Pending and unknown sites' items are never stored, so they need no rule.
 */
bool gs_trust_visible(const struct gs_trust *t, const uint8_t pk[32]);
/* The site (lent) or NULL. */
const struct gs_trust_site *gs_trust_get(const struct gs_trust *t,
    const uint8_t pk[32]);
/* The site whose transport key is curve (lent), or NULL. */
const struct gs_trust_site *gs_trust_by_curve(const struct gs_trust *t,
    const uint8_t curve[32]);
/*
 * Sets a site's state (introducer: who introduced it, or NULL) and
 * writes it to the store. GS_EINVAL if pk is not a valid key.
 */
int gs_trust_set(struct gs_trust *t, const uint8_t pk[32], int trust,
    const uint8_t *introducer);
/*
 * After the store transaction that changed site pk's state was rolled
 * back: memory takes back was, the site as it was before (a copy; NULL:
 * it was not known). Writes nothing; never fails.
 */
void gs_trust_undo(struct gs_trust *t, const uint8_t pk[32],
    const struct gs_trust_site *was);
/*
 * Writes back site pk's state as was (a copy taken earlier; NULL: it was
 * not known, and its row goes). 0 or a store error.
 */
int gs_trust_restore(struct gs_trust *t, const uint8_t pk[32],
    const struct gs_trust_site *was);
/*
 * A key link from old to next was stored: next gets old's trust and
 * introducer unless it was already decided (more than pending), sites old
 * introduced are next's, and next's transport key leaves the pending
 * list. old's row stays (its changes up to the link are still checked
 * against it). Idempotent. 0 or a store error.
 */
int gs_trust_succeed(struct gs_trust *t, const uint8_t old[32],
    const uint8_t next[32]);
/*
 * Notes a site seen in gossip and not known: it becomes pending, unless
 * GS_TRUST_MAX_PENDING sites are pending already or 16 were noted in the
 * last minute (each is a disk write; a peer may name thousands).
 */
void gs_trust_note_unknown(struct gs_trust *t, const uint8_t pk[32]);
/* Calls cb for every known site; stops on non-zero. */
typedef int (*gs_trust_cb)(const struct gs_trust_site *s, void *arg);
int gs_trust_foreach(const struct gs_trust *t, gs_trust_cb cb, void *arg);

#endif
