/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_words.c: the spoken fingerprint of a site key: 256 distinct plain
 * words, and a mapping that never changes (worked examples computed
 * outside gemsync: BLAKE2b-128 of "gemsync words v1" || key, first six
 * bytes as indexes into the sorted list).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "words.h"

static void
test_list_unique_plain(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 256; i++) {
		const char *w = gs_words_at(i);

		assert_non_null(w);
		assert_true(strlen(w) >= 2 && strlen(w) <= 10);
		for (const char *c = w; *c != '\0'; c++)
			assert_true(*c >= 'a' && *c <= 'z');
		/* sorted, hence distinct */
		if (i > 0)
			assert_true(strcmp(gs_words_at(i - 1), w) < 0);
	}
	assert_null(gs_words_at(256));
}

static void
test_worked_examples(void **state)
{
	uint8_t pk[32];
	char w[GS_WORDS_SIZE];

	(void)state;
	memset(pk, 0, sizeof(pk));
	gs_words_of(pk, w);
	assert_string_equal(w, "renard legume tresor cerise girafe tambour");
	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)i;
	gs_words_of(pk, w);
	assert_string_equal(w, "montagne bouton fraise castor carte pomme");
	/* one bit of the key changes the words */
	pk[31] ^= 1;
	gs_words_of(pk, w);
	assert_string_not_equal(w, "montagne bouton fraise castor carte pomme");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_unique_plain),
		cmocka_unit_test(test_worked_examples),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
