/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * words.h: a site key as six French words two people can read to each
 * other on the phone, to check that the site on the other end is the one
 * they mean. The words are the first six bytes of a domain-separated
 * BLAKE2b-128 of the key, each picking one of 256 words: 48 bits, enough
 * to tell apart the sites of a network and to make a forged look-alike
 * key cost 2^48 tries. Nothing here is secret.
 */
#ifndef GS_WORDS_H
#define GS_WORDS_H

#include <stdint.h>

#define GS_WORDS_COUNT 6
#define GS_WORDS_SIZE 96     /* 6 words of at most 10 letters, spaces, NUL */

/* Writes the six words of pk, separated by single spaces. */
void gs_words_of(const uint8_t pk[32], char out[GS_WORDS_SIZE]);
/* The i-th word of the list (0..255), or NULL. */
const char *gs_words_at(unsigned i);

#endif
