/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * siteid.h: the site ID, an Ed25519 public key written for humans.
 * The 32 key bytes become 52 base32 characters (RFC 4648 alphabet), cut in
 * four groups of 13, each followed by a Luhn mod 32 check character: 56
 * characters shown as 8 dash-separated groups of 7, for example
 * "MFRGGZD-...". Any single mistyped character and most swaps of two
 * neighbours are caught. Parsing ignores case, spaces and dashes, and reads
 * 0 as O, 1 as I and 8 as B (characters base32 does not use).
 */
#ifndef GS_SITEID_H
#define GS_SITEID_H

#include <stdint.h>

#define GS_SITEID_LEN 63      /* 56 characters + 7 dashes */
#define GS_SITEID_SIZE 64     /* with the terminating NUL */
#define GS_SITEID_SHORT 8     /* 7 characters + NUL, for logs and tables */

/* Writes the site ID of pk into out. */
void gs_siteid_encode(const uint8_t pk[32], char out[GS_SITEID_SIZE]);
/* Writes the first group (7 characters) of the site ID of pk. */
void gs_siteid_short(const uint8_t pk[32], char out[GS_SITEID_SHORT]);
/*
 * Parses a site ID typed by a human. Returns 0 and fills pk, GS_EINVAL
 * when the length or a character is wrong, or GS_ECHECKSUM when a check
 * character does not match (a typo). pk is untouched on failure.
 */
int gs_siteid_parse(const char *text, uint8_t pk[32]);

#endif
