/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_text.c: the text rule (text.h): each refused code point and class
 * in the one table, refused by gs_text_check and replaced by gs_sanitize
 * alike; runs of combining marks; blank-only text; widths in terminal
 * cells (accents, decomposed accents, wide characters) and cutting to a
 * width without splitting a character from its marks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "text.h"

/* Every code point the issue names, and the neighbours of each range. */
static const uint32_t refused_cps[] = {
	0x00, 0x09, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0x9b, 0x9f,
	0x061c, 0x180e,
	0x200b, 0x200c, 0x200d, 0x200e, 0x200f,
	0x2028, 0x2029,
	0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
	0x2060, 0x2061, 0x2064,
	0x2066, 0x2067, 0x2068, 0x2069, 0x206a, 0x206f,
	0xfeff, 0xfff9, 0xfffb, 0xe0001, 0xe0041, 0xe007f,
};

static const uint32_t allowed_cps[] = {
	0x20, 'A', 0x7e, 0xa0, 0xe9, 0x0153, 0x0410, 0x05d0, 0x0627,
	0x200a, 0x2010, 0x2019, 0x2027, 0x202f, 0x2030, 0x205f, 0x2065,
	0x2070, 0x20ac, 0x2026, 0x00ab, 0x00bb, 0x3000, 0x6f22, 0xfefe,
	0xff01, 0xfffd, 0x1f600, 0xe0080,
};

/* Writes cp as UTF-8 into out (at least 5 bytes). */
static void
put_utf8(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		o[1] = 0;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		o[2] = 0;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		o[3] = 0;
	} else {
		o[0] = (unsigned char)(0xf0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (unsigned char)(0x80 | (cp & 0x3f));
		o[4] = 0;
	}
}

static void
test_table(void **state)
{
	char s[32], c[8], why[160], out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(refused_cps) / sizeof(refused_cps[0]);
	    i++) {
		uint32_t cp = refused_cps[i];
		put_utf8(cp, c);
		snprintf(s, sizeof(s), "GEM %sX", cp == 0 ? "" : c);
		if (cp == 0)
			continue;       /* a NUL ends the string: see fields */
		assert_non_null(gs_text_refused(cp));
		/* refused on receipt, in one line and in multi-line text */
		assert_int_equal(gs_text_check(s, false, why, sizeof(why)), -1);
		if (cp != '\n')
			assert_int_equal(gs_text_check(s, true, why,
			    sizeof(why)), -1);
		/* and never printed raw: one '?' for it */
		gs_sanitize(s, out, sizeof(out));
		assert_string_equal(out, "GEM ?X");
	}
	for (size_t i = 0; i < sizeof(allowed_cps) / sizeof(allowed_cps[0]);
	    i++) {
		put_utf8(allowed_cps[i], c);
		snprintf(s, sizeof(s), "GEM %sX", c);
		assert_null(gs_text_refused(allowed_cps[i]));
		assert_int_equal(gs_text_check(s, false, why, sizeof(why)), 0);
		gs_sanitize(s, out, sizeof(out));
		assert_string_equal(out, s);
	}
	assert_int_equal(gs_text_check("deux\nlignes", true, why,
	    sizeof(why)), 0);
	assert_int_equal(gs_text_check("deux\nlignes", false, why,
	    sizeof(why)), -1);
}

static void
test_check_says_what(void **state)
{
	char why[160];

	(void)state;
	assert_int_equal(gs_text_check("GEM \xe2\x80\xaeLOBNER MEG", false,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "U+202E"));
	assert_non_null(strstr(why, "direction du texte"));
	assert_int_equal(gs_text_check("\xef\xbb\xbftitre", false, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "U+FEFF"));
	assert_int_equal(gs_text_check("a\x1b[31m", false, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "contrôle"));
	assert_int_equal(gs_text_check("a\xff", false, why, sizeof(why)), -1);
}

static void
test_marks(void **state)
{
	char why[160], out[64];

	(void)state;
	/* é decomposed, ệ with two marks, three marks: fine */
	assert_int_equal(gs_text_check("Cafe\xcc\x81", false, why,
	    sizeof(why)), 0);
	assert_int_equal(gs_text_check("e\xcc\xa3\xcc\x82t", false, why,
	    sizeof(why)), 0);
	assert_int_equal(gs_text_check("a\xcc\x81\xcc\x82\xcc\x83", false,
	    why, sizeof(why)), 0);
	/* four in a row, or one at the start: refused and replaced */
	assert_int_equal(gs_text_check("a\xcc\x81\xcc\x82\xcc\x83\xcc\x84",
	    false, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "marques combinantes"));
	assert_int_equal(gs_text_check("\xcc\x81" "a", false, why,
	    sizeof(why)), -1);
	gs_sanitize("a\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85" "b", out,
	    sizeof(out));
	assert_string_equal(out, "a\xcc\x81\xcc\x82\xcc\x83??b");
	/* a run starts again after each letter */
	assert_int_equal(gs_text_check("a\xcc\x81\xcc\x82\xcc\x83"
	    "b\xcc\x81\xcc\x82\xcc\x83", false, why, sizeof(why)), 0);
}

static void
test_blank(void **state)
{
	(void)state;
	assert_true(gs_text_blank(" "));
	assert_true(gs_text_blank("   \t "));
	assert_true(gs_text_blank("\xc2\xa0\xe3\x80\x80\xe2\x80\x83"));
	assert_false(gs_text_blank(""));
	assert_false(gs_text_blank(" a "));
	assert_false(gs_text_blank("."));
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(gs_text_locale_init(), 0);
	assert_int_equal(gs_text_width(""), 0);
	assert_int_equal(gs_text_width("Marche douce"), 12);
	/* one cell per accented letter, precomposed or not */
	assert_int_equal(gs_text_width("Sortie au musée"), 15);
	assert_int_equal(gs_text_width("Sortie au muse\xcc\x81" "e"), 15);
	assert_int_equal(gs_text_width("«\xc2\xa0x\xc2\xa0»"), 5);
	/* two cells a wide character */
	assert_int_equal(gs_text_width("読書会"), 6);
	assert_int_equal(gs_text_width("ＧＥＭ"), 6);
	assert_int_equal(gs_text_width("a\xf0\x9f\x98\x80" "b"), 4);
	/* a bad byte takes one cell (it prints as '?') */
	assert_int_equal(gs_text_width("a\xff" "b"), 3);
}

static void
test_fit(void **state)
{
	(void)state;
	assert_int_equal(gs_text_locale_init(), 0);
	assert_int_equal(gs_text_fit("abcdef", 3), 3);
	assert_int_equal(gs_text_fit("abc", 10), 3);
	/* never half a character, nor a letter without its accent */
	assert_int_equal(gs_text_fit("éé", 1), 2);
	assert_int_equal(gs_text_fit("e\xcc\x81" "e", 1), 3);
	/* a wide character that does not fit stays out */
	assert_int_equal(gs_text_fit("a読", 2), 1);
	assert_int_equal(gs_text_fit("読書", 3), 3);
	assert_int_equal(gs_text_fit("読書", 4), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_check_says_what),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
