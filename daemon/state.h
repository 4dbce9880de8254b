/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * state.h: the on-disk form of an item's merged state (proto/state.proto),
 * kept sealed in the items table so that listing items needs no merge and
 * no item in memory. The bytes are a cache: the replica can always
 * recompute them from the item's changes.
 */
#ifndef GS_STATE_H
#define GS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "merge.h"

/* Encodes st. Returns 0 and *out (malloc'd, caller frees), or GS_ENOMEM. */
int gs_state_encode(const struct gs_state *st, uint8_t **out, size_t *len);
/*
 * Decodes bytes written by gs_state_encode into out (zeroed or cleared).
 * Refuses anything malformed (wrong key or hash sizes, bad fields).
 * Returns 0, GS_EPROTO or GS_ENOMEM; out is left cleared on failure.
 */
int gs_state_decode(const uint8_t *buf, size_t len, struct gs_state *out);

#endif
