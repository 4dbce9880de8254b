/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_fold.c: case and accent folding (fold.h): the French letters and
 * their capitals, typographic apostrophes and no-break spaces, text that
 * is not Latin kept as it is, never a longer result, and the comparisons
 * built on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fold.h"

static void
test_fold_table(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "", "" },
		{ "ABC xyz 019", "abc xyz 019" },
		{ "à â ä é è ê ë î ï ô ö ù û ü ç", "a a a e e e e i i o o u u u c" },
		{ "À Â Ä É È Ê Ë Î Ï Ô Ö Ù Û Ü Ç", "a a a e e e e i i o o u u u c" },
		{ "œuvre Œuvre cæcum Æ ÿ Ÿ ß", "oeuvre oeuvre caecum ae y y ss" },
		{ "Lieu de répit", "lieu de repit" },
		{ "ÉCRITURE", "ecriture" },
		{ "l’écoute ‘x’", "l'ecoute 'x'" },
		{ "a\xc2\xa0:", "a :" },              /* no-break space */
		{ "a\xe2\x80\xaf!", "a !" },          /* narrow no-break space */
		{ "× ÷ Þ", "× ÷ Þ" },                 /* kept */
		{ "Кириллица ÄΩ", "Кириллица aΩ" },   /* not Latin: kept */
		{ "x\xff\xc3", "x\xff\xc3" },         /* invalid bytes: kept */
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = gs_fold(t[i].in, out, sizeof(out));
		assert_string_equal(out, t[i].out);
		assert_int_equal(n, strlen(t[i].out));
		assert_true(n <= strlen(t[i].in));
	}
}

/* A buffer too small cuts at a character boundary, terminated. */
static void
test_fold_cut(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(gs_fold("ÉtÉ", out, sizeof(out)), 3);
	assert_string_equal(out, "ete");
	assert_int_equal(gs_fold("aœ", out, 3), 1);   /* "oe" would not fit */
	assert_string_equal(out, "a");
	assert_int_equal(gs_fold("abc", out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(gs_fold("abc", out, 0), 0);
}

static void
test_fold_equal_contains(void **state)
{
	char big[3000];

	(void)state;
	assert_true(gs_fold_equal("Activité physique", "activite physique"));
	assert_true(gs_fold_equal("  ADHÉRENTS ", "adherents"));
	assert_true(gs_fold_equal("tout   public", "Tout public"));
	assert_false(gs_fold_equal("atelier", "atelie"));
	assert_false(gs_fold_equal("a b", "ab"));
	assert_true(gs_fold_contains("Lieu de répit", "repit"));
	assert_true(gs_fold_contains("Atelier ÉCRITURE", "ecriture"));
	assert_true(gs_fold_contains("Atelier écriture", "ecriture"));
	assert_false(gs_fold_contains("Atelier écriture", "peinture"));
	assert_false(gs_fold_contains(NULL, "x"));
	/* longer than the stack buffer */
	memset(big, 'A', sizeof(big) - 8);
	strcpy(big + sizeof(big) - 8, "RÉPIT");
	assert_true(gs_fold_contains(big, "arepit"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_table),
		cmocka_unit_test(test_fold_cut),
		cmocka_unit_test(test_fold_equal_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
