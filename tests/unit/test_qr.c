/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_qr.c: invitation QR codes: the module matrix is libqrencode's own
 * (the same as QRcode_encodeString gives), of the size its version says,
 * and the drawing is a square of half blocks with the quiet zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>

#include "err.h"
#include "fixture.h"
#include "qr.h"

static const char token[] = "GS1-USRPU3JAC7HEU76FYMAZANIUSNSAPT4XSWCEVGYVF3"
    "GAI73GJVYP6AAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "BZ2HI5DQHIXS6MJSG4XDALRQFYYTUNBQGQZDK";

static void
test_same_matrix_as_libqrencode(void **state)
{
	struct gs_qr q;
	QRcode *c;

	(void)state;
	assert_int_equal(gs_qr_encode(token, &q), 0);
	c = QRcode_encodeString(token, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(c);
	assert_int_equal(q.version, c->version);
	assert_int_equal(q.width, c->width);
	assert_int_equal(q.width, 17 + 4 * q.version);
	/* libqrencode codes base32 in alphanumeric mode: a 152-character
	 * token fits a version 5 to 8 code */
	assert_true(q.version >= 5 && q.version <= 8);
	for (int i = 0; i < q.width * q.width; i++)
		assert_int_equal(q.dark[i], c->data[i] & 1);
	/* finder pattern: the top-left corner module is dark */
	assert_int_equal(q.dark[0], 1);
	QRcode_free(c);
	gs_qr_free(&q);
}

static void
test_drawing_shape(void **state)
{
	struct gs_qr q;
	char *art, *line, *save = NULL;
	int side, lines = 0;

	(void)state;
	assert_int_equal(gs_qr_encode(token, &q), 0);
	art = gs_qr_draw(&q);
	assert_non_null(art);
	side = q.width + 8;
	for (line = strtok_r(art, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int cells = 0;

		for (const char *p = line; *p != '\0'; cells++)
			p += *p == ' ' ? 1 : 3;   /* U+2580, U+2584, U+2588 */
		assert_int_equal(cells, side);
		lines++;
	}
	assert_int_equal(lines, (side + 1) / 2);
	free(art);
	gs_qr_free(&q);
}

static void
test_too_long(void **state)
{
	struct gs_qr q;
	char *big = malloc(8000);

	(void)state;
	assert_non_null(big);
	memset(big, 'A', 7999);
	big[7999] = '\0';
	assert_int_equal(gs_qr_encode(big, &q), GS_ETOOBIG);
	assert_null(q.dark);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_matrix_as_libqrencode),
		cmocka_unit_test(test_drawing_shape),
		cmocka_unit_test(test_too_long),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
