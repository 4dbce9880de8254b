/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * siteid.c: the human form of a site's public key. The 32 bytes are
 * written in base32 (RFC 4648 alphabet, no padding: 52 characters, the
 * last one carrying a single key bit and four zero bits). Each quarter of
 * 13 characters gets a Luhn mod 32 check character, computed over the
 * base32 digit values, so that any single mistyped character is caught
 * before the key is trusted. The 56 characters are shown as eight groups
 * of seven separated by dashes. Nothing here is secret.
 */
#include "siteid.h"

#include <stddef.h>
#include <string.h>

#include "err.h"

#define B32_CHARS 52            /* base32 characters of a 32-byte key */
#define GROUP_DATA 13           /* base32 characters per check group */
#define GROUP_FULL (GROUP_DATA + 1)
#define NGROUPS 4
#define ID_CHARS (NGROUPS * GROUP_FULL)  /* 56 */
#define SHOW_GROUP 7            /* characters between two dashes */

_Static_assert(B32_CHARS == NGROUPS * GROUP_DATA, "group layout");
_Static_assert(GS_SITEID_LEN == ID_CHARS + ID_CHARS / SHOW_GROUP - 1,
    "site ID length");

static const char b32_alphabet[32] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/*
 * Maps a typed character to its base32 value, or -1. Case-insensitive;
 * 0, 1 and 8 (absent from the alphabet) are read as O, I and B.
 */
static int
b32_value(char ch)
{
	if (ch >= 'a' && ch <= 'z')
		ch = (char)(ch - 'a' + 'A');
	if (ch == '0')
		ch = 'O';
	else if (ch == '1')
		ch = 'I';
	else if (ch == '8')
		ch = 'B';
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= '2' && ch <= '7')
		return ch - '2' + 26;
	return -1;
}

/* Writes the 52 base32 digit values (0..31) of a 32-byte key. */
static void
b32_encode(const uint8_t pk[32], uint8_t digits[B32_CHARS])
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < 32; i++) {
		acc = (acc << 8) | pk[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			digits[n++] = (uint8_t)((acc >> bits) & 31);
		}
	}
	/* 256 = 51 * 5 + 1: one bit left, padded with four zero bits. */
	if (bits > 0)
		digits[n++] = (uint8_t)((acc << (5 - bits)) & 31);
}

/*
 * Decodes 52 base32 digit values into 32 bytes. Returns 0, or GS_EINVAL
 * when the four padding bits of the last digit are not zero (such text
 * would not be the encoding of any key).
 */
static int
b32_decode(const uint8_t digits[B32_CHARS], uint8_t pk[32])
{
	int ret = GS_EINVAL;
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < B32_CHARS; i++) {
		acc = (acc << 5) | digits[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			pk[n++] = (uint8_t)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

/*
 * Luhn mod 32 check digit over len digit values: from the rightmost
 * digit leftwards, every other value is doubled (starting with the
 * rightmost), its base-32 digits summed, and the check digit is what
 * brings the total to a multiple of 32.
 */
static uint8_t
luhn32(const uint8_t *digits, size_t len)
{
	unsigned sum = 0;
	unsigned factor = 2;

	for (size_t i = len; i > 0; i--) {
		unsigned addend = factor * digits[i - 1];

		addend = addend / 32 + addend % 32;
		sum += addend;
		factor = factor == 2 ? 1 : 2;
	}
	return (uint8_t)((32 - sum % 32) % 32);
}

/* The 56 characters of the site ID, without dashes or NUL. */
static void
id_chars(const uint8_t pk[32], char out[ID_CHARS])
{
	uint8_t digits[B32_CHARS];

	b32_encode(pk, digits);
	for (size_t g = 0; g < NGROUPS; g++) {
		const uint8_t *d = digits + g * GROUP_DATA;
		char *o = out + g * GROUP_FULL;

		for (size_t i = 0; i < GROUP_DATA; i++)
			o[i] = b32_alphabet[d[i]];
		o[GROUP_DATA] = b32_alphabet[luhn32(d, GROUP_DATA)];
	}
}

void
gs_siteid_encode(const uint8_t pk[32], char out[GS_SITEID_SIZE])
{
	char raw[ID_CHARS];
	size_t n = 0;

	id_chars(pk, raw);
	for (size_t i = 0; i < ID_CHARS; i++) {
		if (i > 0 && i % SHOW_GROUP == 0)
			out[n++] = '-';
		out[n++] = raw[i];
	}
	out[n] = '\0';
}

void
gs_siteid_short(const uint8_t pk[32], char out[GS_SITEID_SHORT])
{
	char raw[ID_CHARS];

	id_chars(pk, raw);
	memcpy(out, raw, SHOW_GROUP);
	out[SHOW_GROUP] = '\0';
}

int
gs_siteid_parse(const char *text, uint8_t pk[32])
{
	int ret = GS_EINVAL;
	uint8_t vals[ID_CHARS];
	uint8_t digits[B32_CHARS];
	uint8_t key[32];
	size_t n = 0;

	if (text == NULL)
		goto out;
	for (const char *p = text; *p != '\0'; p++) {
		int v;

		/* Separators as people type or paste them. */
		if (*p == '-' || *p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r')
			continue;
		v = b32_value(*p);
		if (v < 0 || n == ID_CHARS)
			goto out;
		vals[n++] = (uint8_t)v;
	}
	if (n != ID_CHARS)
		goto out;
	for (size_t g = 0; g < NGROUPS; g++) {
		const uint8_t *grp = vals + g * GROUP_FULL;

		if (luhn32(grp, GROUP_DATA) != grp[GROUP_DATA]) {
			ret = GS_ECHECKSUM;
			goto out;
		}
		memcpy(digits + g * GROUP_DATA, grp, GROUP_DATA);
	}
	ret = b32_decode(digits, key);
	if (ret != 0)
		goto out;
	memcpy(pk, key, sizeof(key));
out:
	return ret;
}
