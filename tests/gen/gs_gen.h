/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_gen.h: seeded generator of realistic GEM content for test and
 * benchmark tools (gs_bulk, gs_ceiling). It writes event and resource
 * bodies in French, with accents, real towns and postcodes and every event
 * kind of the domain notes, of about 600 bytes once encoded, and the
 * smaller deltas of edits. The same seed always gives the same content.
 * Nothing here names a person: roles only.
 */
#ifndef GS_GEN_H
#define GS_GEN_H

#include <stdint.h>

#include "fields.h"

/* Generator state: a xorshift64* stream. */
struct gs_gen {
	uint64_t s;                  /* never 0 */
};

/* Seeds a generator (any seed, 0 included). */
void gs_gen_init(struct gs_gen *g, uint64_t seed);
/* Next 64 random bits. */
uint64_t gs_gen_next(struct gs_gen *g);
/* A number in [0, n) (0 if n is 0). */
uint32_t gs_gen_below(struct gs_gen *g, uint32_t n);

/*
 * Fills f (initialised by the caller, who clears it) with every field of a
 * new event, or of a new resource. Returns 0 or GS_ENOMEM.
 */
int gs_gen_event(struct gs_gen *g, struct gs_fields *f);
int gs_gen_resource(struct gs_gen *g, struct gs_fields *f);
/*
 * Fills f with the delta of an edit of an item of type (GS_TYPE_EVENT or
 * GS_TYPE_RESOURCE): a new description and one or two other fields, as an
 * animator updating a listing would. Returns 0, GS_EINVAL or GS_ENOMEM.
 */
int gs_gen_edit(struct gs_gen *g, int type, struct gs_fields *f);

#endif
