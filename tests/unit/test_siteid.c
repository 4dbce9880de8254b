/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_siteid.c: unit tests for the human form of site IDs: round trips,
 * known vectors worked out by hand, lenient parsing (case, separators,
 * look-alike digits), and detection of every single-character typo.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "siteid.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int
setup(void **state)
{
	(void)state;
	return gs_crypto_init() == 0 ? 0 : -1;
}

static void
check_shape(const char *id)
{
	assert_int_equal(strlen(id), GS_SITEID_LEN);
	for (size_t i = 0; i < GS_SITEID_LEN; i++) {
		if (i % 8 == 7)
			assert_int_equal(id[i], '-');
		else
			assert_non_null(strchr(alphabet, id[i]));
	}
}

static void
test_round_trip_random(void **state)
{
	uint8_t pk[32], back[32];
	char id[GS_SITEID_SIZE];

	(void)state;
	for (int n = 0; n < 2000; n++) {
		gs_random(pk, sizeof(pk));
		gs_siteid_encode(pk, id);
		check_shape(id);
		memset(back, 0, sizeof(back));
		assert_int_equal(gs_siteid_parse(id, back), 0);
		assert_memory_equal(back, pk, sizeof(pk));
	}
}

static void
test_known_vectors(void **state)
{
	uint8_t pk[32], back[32];
	char id[GS_SITEID_SIZE];
	char s[GS_SITEID_SHORT];

	(void)state;
	/*
	 * All-zero key: every base32 digit is 0 ('A'); the Luhn sum of a
	 * group of zeros is 0, so each check character is 'A' as well.
	 */
	memset(pk, 0, sizeof(pk));
	gs_siteid_encode(pk, id);
	assert_string_equal(id, "AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-"
	    "AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA");
	gs_siteid_short(pk, s);
	assert_string_equal(s, "AAAAAAA");

	/*
	 * All-0xff key: 51 digits 31 ('7'), then one 1 bit and four zero
	 * bits = 16 ('Q'). Doubling 31 gives 62 = 1*32 + 30, digit sum 31, so
	 * each digit adds 31 whatever its factor. Groups 1-3: 13 * 31 = 403,
	 * 403 mod 32 = 19, check 13 ('N'). Group 4: 12 * 31 + (2 * 16 ->
	 * 1 + 0) = 373, 373 mod 32 = 21, check 11 ('L').
	 */
	memset(pk, 0xff, sizeof(pk));
	gs_siteid_encode(pk, id);
	assert_string_equal(id, "7777777-777777N-7777777-777777N-"
	    "7777777-777777N-7777777-77777QL");
	assert_int_equal(gs_siteid_parse(id, back), 0);
	assert_memory_equal(back, pk, sizeof(pk));

	/* Bytes 0, 1, ..., 31. */
	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)i;
	gs_siteid_encode(pk, id);
	assert_string_equal(id, "AAAQEAY-EAUDAO5-CAJBIFQ-YDIOB4X-"
	    "IBCEQTC-QKRMFYM-YDENBWH-A5DYPQS");
	gs_siteid_short(pk, s);
	assert_string_equal(s, "AAAQEAY");
}

static void
test_lenient_parse(void **state)
{
	uint8_t pk[32], back[32];
	char id[GS_SITEID_SIZE];
	char alt[128];
	size_t n;

	(void)state;
	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)(i * 7 + 3);
	gs_siteid_encode(pk, id);

	/* Lowercase. */
	for (size_t i = 0; i <= strlen(id); i++)
		alt[i] = (char)((id[i] >= 'A' && id[i] <= 'Z') ?
		    id[i] - 'A' + 'a' : id[i]);
	memset(back, 0, sizeof(back));
	assert_int_equal(gs_siteid_parse(alt, back), 0);
	assert_memory_equal(back, pk, sizeof(pk));

	/* Without dashes. */
	n = 0;
	for (size_t i = 0; id[i] != '\0'; i++)
		if (id[i] != '-')
			alt[n++] = id[i];
	alt[n] = '\0';
	assert_int_equal(strlen(alt), 56);
	memset(back, 0, sizeof(back));
	assert_int_equal(gs_siteid_parse(alt, back), 0);
	assert_memory_equal(back, pk, sizeof(pk));

	/* Spaces instead of dashes, plus leading and trailing blanks. */
	n = 0;
	alt[n++] = ' ';
	for (size_t i = 0; id[i] != '\0'; i++)
		alt[n++] = id[i] == '-' ? ' ' : id[i];
	alt[n++] = ' ';
	alt[n++] = '\n';
	alt[n] = '\0';
	memset(back, 0, sizeof(back));
	assert_int_equal(gs_siteid_parse(alt, back), 0);
	assert_memory_equal(back, pk, sizeof(pk));

	/* 0, 1 and 8 read as O, I and B. A key whose ID holds O, I and B: search a few random keys. */
	for (int tries = 0; tries < 10000; tries++) {
		gs_random(pk, sizeof(pk));
		gs_siteid_encode(pk, id);
		if (strchr(id, 'O') && strchr(id, 'I') && strchr(id, 'B'))
			break;
	}
	assert_non_null(strchr(id, 'O'));
	assert_non_null(strchr(id, 'I'));
	assert_non_null(strchr(id, 'B'));
	strcpy(alt, id);
	for (char *p = alt; *p != '\0'; p++) {
		if (*p == 'O')
			*p = '0';
		else if (*p == 'I')
			*p = '1';
		else if (*p == 'B')
			*p = '8';
	}
	memset(back, 0, sizeof(back));
	assert_int_equal(gs_siteid_parse(alt, back), 0);
	assert_memory_equal(back, pk, sizeof(pk));
}

static void
test_typo_every_position(void **state)
{
	uint8_t pk[32], back[32], sentinel[32];
	char id[GS_SITEID_SIZE], typo[GS_SITEID_SIZE];
	int caught_checksum = 0;

	(void)state;
	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)(0xa5 ^ (i * 29));
	gs_siteid_encode(pk, id);
	memset(sentinel, 0x5a, sizeof(sentinel));

	for (size_t pos = 0; pos < GS_SITEID_LEN; pos++) {
		if (id[pos] == '-')
			continue;
		for (size_t a = 0; a < 32; a++) {
			int rc;

			if (alphabet[a] == id[pos])
				continue;
			strcpy(typo, id);
			typo[pos] = alphabet[a];
			memcpy(back, sentinel, sizeof(back));
			rc = gs_siteid_parse(typo, back);
			assert_true(rc == GS_ECHECKSUM || rc == GS_EINVAL);
			if (rc == GS_ECHECKSUM)
				caught_checksum++;
			/* pk is untouched on failure. */
			assert_memory_equal(back, sentinel, sizeof(back));
		}
	}
	/* Typos are reported as such, not as a generic invalid input. */
	assert_int_equal(caught_checksum, 56 * 31);
}

static void
test_swap_neighbours(void **state)
{
	uint8_t pk[32], back[32];
	char id[GS_SITEID_SIZE], swp[GS_SITEID_SIZE];
	int total = 0;

	(void)state;
	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)(i * 53 + 11);
	gs_siteid_encode(pk, id);
	for (size_t pos = 0; pos + 1 < GS_SITEID_LEN; pos++) {
		char a = id[pos], b = id[pos + 1];

		if (a == '-' || b == '-' || a == b)
			continue;
		/*
		 * Luhn mod 32 misses exactly one swap: digits 0 and 31
		 * ('A' and '7'), as Luhn mod 10 misses "09" and "90".
		 */
		if ((a == 'A' && b == '7') || (a == '7' && b == 'A'))
			continue;
		strcpy(swp, id);
		swp[pos] = b;
		swp[pos + 1] = a;
		total++;
		assert_int_not_equal(gs_siteid_parse(swp, back), 0);
	}
	assert_true(total > 40);
}

static void
test_invalid(void **state)
{
	uint8_t pk[32], back[32], sentinel[32];
	char id[GS_SITEID_SIZE], bad[GS_SITEID_SIZE + 8];

	(void)state;
	gs_random(pk, sizeof(pk));
	gs_siteid_encode(pk, id);
	memset(sentinel, 0x11, sizeof(sentinel));
	memcpy(back, sentinel, sizeof(back));

	/* Wrong length: one character short, one too many, empty. */
	strcpy(bad, id);
	bad[GS_SITEID_LEN - 1] = '\0';
	assert_int_equal(gs_siteid_parse(bad, back), GS_EINVAL);
	snprintf(bad, sizeof(bad), "%sA", id);
	assert_int_equal(gs_siteid_parse(bad, back), GS_EINVAL);
	assert_int_equal(gs_siteid_parse("", back), GS_EINVAL);
	assert_int_equal(gs_siteid_parse("---- ", back), GS_EINVAL);
	assert_int_equal(gs_siteid_parse(NULL, back), GS_EINVAL);

	/* Characters outside the alphabet. */
	const char nope[] = "9!@_.=/é";
	for (size_t i = 0; nope[i] != '\0'; i++) {
		strcpy(bad, id);
		bad[3] = nope[i];
		assert_int_equal(gs_siteid_parse(bad, back), GS_EINVAL);
	}
	/* An embedded NUL simply ends the text: too short. */
	strcpy(bad, id);
	bad[20] = '\0';
	assert_int_equal(gs_siteid_parse(bad, back), GS_EINVAL);
	assert_memory_equal(back, sentinel, sizeof(back));

	/*
	 * The last base32 digit carries one key bit and four zero bits.
	 * Digit 'R' (17 = 10001b) breaks that rule; with a correct check
	 * character the text is still not the encoding of any key.
	 */
	memset(pk, 0, sizeof(pk));
	gs_siteid_encode(pk, id);
	/* Last group: 12 'A' + 'R'; Luhn: 2 * 17 = 34 -> 1 + 2 = 3, check 29
	 * ('5'). */
	strcpy(bad, id);
	bad[GS_SITEID_LEN - 2] = 'R';
	bad[GS_SITEID_LEN - 1] = '5';
	assert_int_equal(gs_siteid_parse(bad, back), GS_EINVAL);
	assert_memory_equal(back, sentinel, sizeof(back));
	/* Same with 'Q' (16 = 10000b, valid): check 2 * 16 -> 1, check 31. */
	bad[GS_SITEID_LEN - 2] = 'Q';
	bad[GS_SITEID_LEN - 1] = '7';
	assert_int_equal(gs_siteid_parse(bad, back), 0);
	assert_int_equal(back[31], 1);
}

static void
test_short(void **state)
{
	uint8_t pk[32];
	char id[GS_SITEID_SIZE];
	char s[GS_SITEID_SHORT];

	(void)state;
	for (int n = 0; n < 100; n++) {
		gs_random(pk, sizeof(pk));
		gs_siteid_encode(pk, id);
		memset(s, 'x', sizeof(s));
		gs_siteid_short(pk, s);
		assert_int_equal(strlen(s), GS_SITEID_SHORT - 1);
		assert_memory_equal(s, id, GS_SITEID_SHORT - 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_lenient_parse),
		cmocka_unit_test(test_typo_every_position),
		cmocka_unit_test(test_swap_neighbours),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_short),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
