/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_csv.c: CSV records (csv.h): quoting only when needed, quotes
 * doubled, separators, newlines and accents inside cells, the byte order
 * mark skipped, the separator guessed, line numbers of records that span
 * lines, malformed records refused, and random cells read back as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "csv.h"
#include "err.h"

static void
test_write_quoting(void **state)
{
	static const char *const cells[] = { "GEM L'Envol", "a;b", "dit \"oui\"",
	    "deux\nlignes", " espace", "", NULL, "Saint-Étienne" };
	struct gs_csv_out o = { 0 };

	(void)state;
	assert_int_equal(gs_csv_raw(&o, GS_CSV_BOM), 0);
	assert_int_equal(gs_csv_row(&o, cells, 8, ';'), 0);
	assert_string_equal(o.s, GS_CSV_BOM "GEM L'Envol;\"a;b\";\"dit "
	    "\"\"oui\"\"\";\"deux\nlignes\";\" espace\";;;Saint-Étienne\r\n");
	gs_csv_out_clear(&o);
	/* with ",", a ";" needs no quotes but a "," does */
	assert_int_equal(gs_csv_row(&o, (const char *const[]){ "a;b", "c,d" },
	    2, ','), 0);
	assert_string_equal(o.s, "a;b,\"c,d\"\r\n");
	gs_csv_out_clear(&o);
}

static void
test_read(void **state)
{
	static const char text[] = GS_CSV_BOM "nom;ville\r\n"
	    "\"GEM \"\"Le Rebond\"\"\";Lyon\r\n"
	    "\r\n"
	    "\"deux\nlignes\";\"a;b\"\n"
	    "Répit;\n"
	    "dernier;Évry";
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };

	(void)state;
	gs_csv_reader_init(&rd, text, sizeof(text) - 1, 0);
	assert_int_equal(rd.sep, ';');
	assert_int_equal(gs_csv_next(&rd, &rec), 1);
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.v[0], "nom");      /* no mark in the cell */
	assert_int_equal(rec.line, 1);
	assert_int_equal(gs_csv_next(&rd, &rec), 1);
	assert_string_equal(rec.v[0], "GEM \"Le Rebond\"");
	assert_int_equal(rec.line, 2);
	assert_int_equal(gs_csv_next(&rd, &rec), 1);   /* blank line skipped */
	assert_int_equal(rec.line, 4);
	assert_string_equal(rec.v[0], "deux\nlignes");
	assert_string_equal(rec.v[1], "a;b");
	assert_int_equal(gs_csv_next(&rd, &rec), 1);
	assert_int_equal(rec.line, 6);                 /* after the 2 lines */
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.v[0], "Répit");
	assert_string_equal(rec.v[1], "");
	assert_int_equal(gs_csv_next(&rd, &rec), 1);
	assert_string_equal(rec.v[1], "Évry");        /* no final newline */
	assert_int_equal(gs_csv_next(&rd, &rec), 0);
	gs_csv_rec_clear(&rec);
}

static void
test_sniff_and_malformed(void **state)
{
	static const char commas[] = "id,name,\"a;b;c\"\n1,x,y\n";
	static const char *const bad[] = {
		"a;\"jamais fermé\n", "a;\"b\"c;d\n", "a;b\"c\n",
	};
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };

	(void)state;
	gs_csv_reader_init(&rd, commas, sizeof(commas) - 1, 0);
	assert_int_equal(rd.sep, ',');
	assert_int_equal(gs_csv_next(&rd, &rec), 1);
	assert_int_equal(rec.n, 3);
	assert_string_equal(rec.v[2], "a;b;c");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gs_csv_reader_init(&rd, "ok;ok\n", 6, ';');
		assert_int_equal(gs_csv_next(&rd, &rec), 1);
		gs_csv_reader_init(&rd, bad[i], strlen(bad[i]), ';');
		assert_int_equal(gs_csv_next(&rd, &rec), GS_EINVAL);
		assert_int_equal(rec.line, 1);
		assert_int_equal(gs_csv_next(&rd, &rec), 0);   /* stops there */
	}
	gs_csv_rec_clear(&rec);
}

/*
 * A NUL byte, in a plain or a quoted cell, or after a closing quote, is
 * refused and said so (a cell is a C string: it would be cut short
 * there); a quoted cell is sized before it is copied.
 */
static void
test_nul_refused(void **state)
{
	static const struct { const char *text; size_t len, line; } bad[] = {
		{ "a;b\0c;d\n", 8, 1 },
		{ "ok;ok\na;\"b\0c\";d\n", 16, 2 },
		{ "a;\"b\nc\"\0;d\n", 11, 1 },
		{ "\0", 1, 1 },
	};
	static const char good[] = "\"ab\"\"c\";\"\";\"x\ny\"\n";
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gs_csv_reader_init(&rd, bad[i].text, bad[i].len, ';');
		while (gs_csv_next(&rd, &rec) == 1)
			;
		assert_true(rd.nul);
		assert_int_equal(rec.line, bad[i].line);
		assert_int_equal(gs_csv_next(&rd, &rec), 0);   /* stops there */
	}
	/* other malformed records are not a NUL's */
	gs_csv_reader_init(&rd, "a;\"b\"c\n", 7, ';');
	assert_int_equal(gs_csv_next(&rd, &rec), GS_EINVAL);
	assert_false(rd.nul);
	/* quoted cells: doubled quotes, empty, a line break inside */
	gs_csv_reader_init(&rd, good, sizeof(good) - 1, ';');
	assert_int_equal(gs_csv_next(&rd, &rec), 1);
	assert_int_equal(rec.n, 3);
	assert_string_equal(rec.v[0], "ab\"c");
	assert_string_equal(rec.v[1], "");
	assert_string_equal(rec.v[2], "x\ny");
	assert_int_equal(rd.line, 3);
	assert_int_equal(gs_csv_next(&rd, &rec), 0);
	gs_csv_rec_clear(&rec);
}

/* Random cells of the hard characters read back as written. */
static void
test_round_trip(void **state)
{
	static const char *const bits[] = { ";", ",", "\"", "\n", "\r\n", " ",
	    "é", "œ", "x", "L'", "" };
	char cells[6][64];
	const char *ptrs[6];
	struct gs_csv_out o = { 0 };
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };
	uint8_t r[8];

	(void)state;
	for (int n = 0; n < 300; n++) {
		for (int c = 0; c < 6; c++) {
			cells[c][0] = '\0';
			gs_random(r, sizeof(r));
			for (int k = 0; k < (r[0] % 8); k++)
				strcat(cells[c], bits[r[1 + k % 7] %
				    (sizeof(bits) / sizeof(bits[0]))]);
			ptrs[c] = cells[c];
		}
		/* a record of one empty cell is a blank line: not written */
		if (cells[0][0] == '\0')
			strcpy(cells[0], "a");
		assert_int_equal(gs_csv_row(&o, ptrs, 6, n % 2 ? ';' : ','),
		    0);
		gs_csv_reader_init(&rd, o.s, o.len, n % 2 ? ';' : ',');
		assert_int_equal(gs_csv_next(&rd, &rec), 1);
		assert_int_equal(rec.n, 6);
		for (int c = 0; c < 6; c++)
			assert_string_equal(rec.v[c], cells[c]);
		assert_int_equal(gs_csv_next(&rd, &rec), 0);
		gs_csv_out_clear(&o);
	}
	gs_csv_rec_clear(&rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_quoting),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_sniff_and_malformed),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
