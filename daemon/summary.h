/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * summary.h: the logic of Scuttlebutt summaries, apart from the wire and
 * the peers that carry them (gossip.c). A summary is a gs_seqmap (author
 * -> highest sequence held, ascending by author); two sites compare theirs
 * to know who lacks what, and a site whose summary did not change since
 * its peer last saw it sends only its digest (docs/internals/
 * sync-protocol.md, "Short summaries", gives the digest's exact bytes).
 */
#ifndef GS_SUMMARY_H
#define GS_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "seqmap.h"

/*
 * The digest of a summary: BLAKE2b-256 over, for each author in ascending
 * order, its 32-byte key then its sequence as 8 bytes big-endian. The
 * empty summary has a digest too. Returns 0 or GS_ENOMEM.
 */
int gs_summary_digest(const struct gs_seqmap *m, uint8_t out[32]);

/*
 * Makes m a summary again after its entries were copied in as a peer sent
 * them (any order, an author possibly twice): sorts by author and keeps
 * one entry per author, with its highest sequence. O(n log n).
 */
void gs_summary_normalize(struct gs_seqmap *m);

/*
 * Calls cb(author, seq_in_a, seq_in_b, arg) for every author whose
 * sequence in a is above its sequence in b (0 when b lacks the author):
 * what a holds that b lacks. One walk over both maps, ascending; stops
 * on non-zero and returns it.
 */
typedef int (*gs_summary_ahead_cb)(const uint8_t author[32], uint64_t in_a,
    uint64_t in_b, void *arg);
int gs_summary_ahead(const struct gs_seqmap *a, const struct gs_seqmap *b,
    gs_summary_ahead_cb cb, void *arg);

#endif
