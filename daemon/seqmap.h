/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seqmap.h: a sorted map from a 32-byte site key to a sequence number: a
 * Scuttlebutt summary (author -> highest sequence held). The replica keeps
 * its own; gossip keeps, per peer, what that peer holds. Also the binary
 * search over any sorted array whose elements start with a 32-byte key.
 */
#ifndef GS_SEQMAP_H
#define GS_SEQMAP_H

#include <stddef.h>
#include <stdint.h>

struct gs_seqent {
	uint8_t pk[32];
	uint64_t seq;
};

/* A plain struct: v[0..n) ascending by pk, unique; zeroed = empty. */
struct gs_seqmap {
	struct gs_seqent *v;   /* owned */
	size_t n, cap;
};

/*
 * Searches base[0..n) (elements of stride bytes, each starting with a
 * 32-byte key, ascending) for key. Returns its index with *found = 1, or
 * the index where it would go with *found = 0.
 */
size_t gs_key_search(const void *base, size_t n, size_t stride,
    const uint8_t key[32], int *found);
/* As gs_key_search, for keys of keylen bytes at the start of each entry. */
size_t gs_key_search_len(const void *base, size_t n, size_t stride,
    const uint8_t *key, size_t keylen, int *found);

/* The sequence held for pk, 0 if none. */
uint64_t gs_seqmap_get(const struct gs_seqmap *m, const uint8_t pk[32]);
/* Raises pk's sequence to seq (never lowers it). 0 or GS_ENOMEM. */
int gs_seqmap_raise(struct gs_seqmap *m, const uint8_t pk[32], uint64_t seq);
/* Makes dst a copy of src. 0 or GS_ENOMEM (dst then unchanged). */
int gs_seqmap_copy(struct gs_seqmap *dst, const struct gs_seqmap *src);
/* Empties the map, keeping its memory. */
void gs_seqmap_clear(struct gs_seqmap *m);
/* Frees the map's memory and empties it. */
void gs_seqmap_free(struct gs_seqmap *m);

#endif
