/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fold.h: text folded for comparison the way a French reader compares
 * words: case and accents ignored (« Répit », « REPIT » and « repit » are
 * one word). Used by the list search (view.c) and by the schema when it
 * recognises an enumerated value typed in French (« Activité physique »).
 * Only Latin letters are folded (ASCII, Latin-1 and œ/Œ/Ÿ); any other
 * character is kept as it is. Typographic apostrophes (’ ‘) become ' and
 * no-break spaces become spaces, as word processors put them there.
 */
#ifndef GS_FOLD_H
#define GS_FOLD_H

#include <stddef.h>

/*
 * Writes the folded form of s into out (outlen bytes, NUL-terminated, cut
 * at a character boundary when too small) and returns its length. The
 * folded form is never longer than s, so outlen = strlen(s) + 1 always
 * suffices. Invalid UTF-8 bytes are copied unchanged.
 */
size_t gs_fold(const char *s, char *out, size_t outlen);
/*
 * 1 if the folded forms of a and b are equal once leading and trailing
 * spaces are dropped and runs of spaces count as one, else 0.
 */
int gs_fold_equal(const char *a, const char *b);
/*
 * 1 if the folded form of hay contains folded_needle (already folded with
 * gs_fold, non-empty), else 0 (also when hay is NULL or memory runs out).
 */
int gs_fold_contains(const char *hay, const char *folded_needle);

#endif
