/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * state.h: an item's merged state (what gs_merge computes: the winning
 * value of each field, the heads, the conflicts with every candidate),
 * and its on-disk form (proto/state.proto), kept sealed in the items
 * table so that listing items needs no merge and no item in memory. The
 * bytes are a cache: the replica can always recompute them from the
 * item's changes.
 */
#ifndef GS_STATE_H
#define GS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* One value written to a conflicted field by a last writer. */
struct gs_candidate {
	char *value;            /* owned */
	uint8_t change[32];     /* the change that wrote it */
	uint8_t author[32];
	uint64_t hlc;
};

/* A field whose last writers disagree. */
struct gs_conflict {
	char *field;                  /* owned; "_deleted" for delete vs edit */
	struct gs_candidate *cand;    /* owned; winner first, then by the same order */
	size_t ncand;
};

/* An item's state: the merge of a set of its changes. */
struct gs_state {
	uint8_t owner[32];            /* author of the root change */
	uint8_t root[32];             /* ID of the root change */
	struct gs_fields fields;      /* winning values; no "_deleted" */
	bool deleted;                 /* the winning "_deleted" is "1" */
	uint8_t (*heads)[32];         /* owned; ascending */
	size_t nheads;
	struct gs_conflict *conflicts;/* owned; ascending by field name */
	size_t nconflicts;
	uint64_t created_hlc;         /* HLC of the root */
	uint64_t updated_hlc;         /* greatest HLC among the changes merged */
	size_t nchanges;              /* changes merged */
};

/* Frees everything the state owns and zeroes it. Accepts NULL. */
void gs_state_clear(struct gs_state *s);

/* The conflict on field, or NULL. */
const struct gs_conflict *gs_state_conflict(const struct gs_state *s,
    const char *field);

/* Frees everything the conflict owns and zeroes it. */
void gs_conflict_clear(struct gs_conflict *c);

/* Encodes st. Returns 0 and *out (malloc'd, caller frees), or GS_ENOMEM. */
int gs_state_encode(const struct gs_state *st, uint8_t **out, size_t *len);
/*
 * Decodes bytes written by gs_state_encode into out (zeroed or cleared).
 * Refuses anything malformed (wrong key or hash sizes, bad fields).
 * Returns 0, GS_EPROTO or GS_ENOMEM; out is left cleared on failure.
 */
int gs_state_decode(const uint8_t *buf, size_t len, struct gs_state *out);

#endif
