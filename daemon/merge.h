/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * merge.h: an item's state as a deterministic function of the set of its
 * changes (DESIGN §5).
 *
 * Each change writes some fields (its body is a delta). For every field,
 * the writers that no other writer of that field descends from are its
 * "last writers". One last writer, or several that agree: that value,
 * merged silently. Several that disagree: a conflict. Its winner is the
 * candidate with the greatest HLC, then the greatest author key, then the
 * greatest change ID, and every candidate is kept. A delete (a change
 * writing "_deleted" = "1") that does not descend from every edit of the
 * item is a delete-versus-edit conflict, listed under the field
 * "_deleted". This is the three-way merge against the common ancestor,
 * computed field by field, and it stays well defined for any DAG.
 */
#ifndef GS_MERGE_H
#define GS_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "state.h"

/* One change of an item, as the merge sees it. Everything is lent. */
struct gs_mchange {
	uint8_t id[32];
	uint8_t author[32];
	uint64_t hlc;
	size_t nparents;
	const uint8_t (*parents)[32];
	const struct gs_fields *delta;    /* fields written, "_deleted" included */
};

/*
 * Computes the state of an item from n of its changes, given in any order.
 * If heads is NULL, every change is merged; otherwise only the given heads
 * and their ancestors (the state a change with those parents saw).
 * Returns 0, GS_EINVAL if there is not exactly one root (a change without
 * parents) among the changes merged, GS_ENOPARENT if a parent or a head is
 * not among the changes, or GS_ENOMEM. out must be zeroed or cleared;
 * it is left cleared on failure.
 */
int gs_merge(const struct gs_mchange *changes, size_t n,
    const uint8_t (*heads)[32], size_t nheads, struct gs_state *out);

#endif
