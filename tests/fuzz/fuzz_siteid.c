/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_siteid.c: fuzz target for gs_siteid_parse (siteid.h), which reads
 * the site IDs people type or paste (peer add, trust, the control
 * requests that name a site, the schema's site fields). The input is
 * parsed as text (a NUL-terminated copy); beyond "no crash", it checks
 * the contract:
 *   - a text that parses is the site ID of the key it gave, up to case,
 *     separators and the look-alikes 0/1/8: encoding the key again gives
 *     the input's characters, in canonical form;
 *   - a refusal is GS_EINVAL or GS_ECHECKSUM and leaves pk untouched;
 *   - with 34 bytes or more, the first 32 are taken as a key: its site ID
 *     parses back to it, its short form is its first group, and changing
 *     any one character of it (chosen by bytes 32 and 33) is refused as
 *     GS_ECHECKSUM, the typo the check characters are there to catch.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "siteid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* The canonical character of a typed one, 0 for a separator, -1 else. */
static int
canon(char ch)
{
	if (ch == '-' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
		return 0;
	if (ch >= 'a' && ch <= 'z')
		ch = (char)(ch - 'a' + 'A');
	if (ch == '0')
		return 'O';
	if (ch == '1')
		return 'I';
	if (ch == '8')
		return 'B';
	if ((ch >= 'A' && ch <= 'Z') || (ch >= '2' && ch <= '7'))
		return ch;
	return -1;
}

static void
check_text(const char *text)
{
	uint8_t pk[32], again[32];
	char id[GS_SITEID_SIZE], typed[GS_SITEID_SIZE];
	size_t n = 0;
	int rc;

	memset(pk, 0xa5, sizeof(pk));
	rc = gs_siteid_parse(text, pk);
	if (rc != 0) {
		if (rc != GS_EINVAL && rc != GS_ECHECKSUM)
			abort();
		for (size_t i = 0; i < sizeof(pk); i++)
			if (pk[i] != 0xa5)
				abort();        /* "pk is untouched on failure" */
		return;
	}
	gs_siteid_encode(pk, id);
	if (strlen(id) != GS_SITEID_LEN)
		abort();
	for (const char *p = text; *p != '\0'; p++) {
		int c = canon(*p);
		if (c < 0 || n >= GS_SITEID_SIZE - 1)
			abort();                /* parsed what it should not */
		if (c > 0)
			typed[n++] = (char)c;
	}
	typed[n] = '\0';
	/* the encoding without its dashes is the input's characters */
	n = 0;
	for (const char *p = id; *p != '\0'; p++) {
		if (*p == '-')
			continue;
		if (typed[n] != *p)
			abort();
		n++;
	}
	if (typed[n] != '\0')
		abort();
	if (gs_siteid_parse(id, again) != 0 || memcmp(again, pk, 32) != 0)
		abort();
}

static void
check_key(const uint8_t pk[32], uint8_t pick, uint8_t shift)
{
	char id[GS_SITEID_SIZE], shortid[GS_SITEID_SHORT];
	uint8_t back[32];
	size_t at, chars = 0;
	const char *p;

	gs_siteid_encode(pk, id);
	if (strlen(id) != GS_SITEID_LEN)
		abort();
	if (gs_siteid_parse(id, back) != 0 || memcmp(back, pk, 32) != 0)
		abort();
	gs_siteid_short(pk, shortid);
	if (strlen(shortid) != GS_SITEID_SHORT - 1 ||
	    strncmp(shortid, id, GS_SITEID_SHORT - 1) != 0)
		abort();
	/* one character (not a dash) replaced by another base32 one */
	at = pick % 56;
	for (size_t i = 0; id[i] != '\0'; i++) {
		if (id[i] == '-')
			continue;
		if (chars++ == at) {
			p = strchr(b32, id[i]);
			if (p == NULL)
				abort();
			id[i] = b32[((size_t)(p - b32) + 1 + shift % 31) % 32];
			break;
		}
	}
	if (gs_siteid_parse(id, back) != GS_ECHECKSUM)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	check_text(text);
	free(text);
	if (size >= 34)
		check_key(data, data[32], data[33]);
	return 0;
}
