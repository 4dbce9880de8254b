/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * confirm.h: when a resource's record was last checked, and by whom.
 * Any site may confirm any resource (`gemsync resource confirm`): each
 * site has one confirmation item per resource (GS_TYPE_CONFIRMATION, its
 * ID derived from the site and the resource), and each confirmation is
 * a change to that item, so the date a site last checked a record is the
 * HLC of its item's latest change. The record's "verified" is the latest
 * of those among the sites shown (a blocked site's confirmations count
 * for nothing), computed from the merged states alone: every site holding
 * the same changes says the same.
 *
 * A record never confirmed counts from its creation for staleness
 * (gs_confirm_stale). The index is built once per request.
 */
#ifndef GS_CONFIRM_H
#define GS_CONFIRM_H

#include <stdbool.h>
#include <stdint.h>

#include "replica.h"

/* A resource is stale when nothing vouched for it for this long. */
#define GS_CONFIRM_STALE_MS (183ll * 86400000)

/* The latest confirmation of one resource. */
struct gs_confirm {
	uint8_t resource[16];   /* the resource item's ID */
	uint8_t by[32];         /* the confirming site */
	uint64_t hlc;           /* when (the confirmation's latest change) */
};

struct gs_confirms;

/*
 * Collects the latest confirmation of each resource from the live
 * confirmations of visible sites. Returns the index (the caller frees
 * it with gs_confirms_free), or NULL when out of memory.
 */
struct gs_confirms *gs_confirms_build(struct gs_replica *r);
/* Frees c and sets *c to NULL; accepts NULL. */
void gs_confirms_free(struct gs_confirms **c);
/* The latest confirmation of resource (lent from c), or NULL if none. */
const struct gs_confirm *gs_confirms_latest(const struct gs_confirms *c,
    const uint8_t resource[16]);
/*
 * true when a resource created at created_hlc, latest confirmation
 * latest (NULL: never), has had nobody vouch for it since
 * GS_CONFIRM_STALE_MS before now_ms.
 */
bool gs_confirm_stale(const struct gs_confirm *latest, uint64_t created_hlc,
    int64_t now_ms);

#endif
