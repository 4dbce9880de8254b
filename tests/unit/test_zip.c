/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_zip.c: unit tests for the packed form of bodies and states
 * (zip.c): French text compresses and comes back byte for byte; a message
 * that does not shrink, and an empty one, stay as they are and unpack to
 * themselves; a protobuf message (first byte a field tag) is never taken
 * for a frame; cut or foreign frames and frames that declare too much
 * are refused as corrupt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "zip.h"

static const char text[] =
    "\x0a\x0btitle"
    "Atelier d'écriture collective au local du GEM, animé par deux "
    "adhérents. Nous lirons des textes courts puis chacun écrira quelques "
    "lignes sur le thème de la saison. Café et gâteaux offerts, venez "
    "comme vous êtes. Accès de plain-pied, toilettes adaptées. Rendez-vous "
    "devant la Maison des associations, 12 rue de la République, 69002 "
    "Lyon.";

static void
test_zip_round_trip(void **state)
{
	struct gs_zip *z = gs_zip_new();
	uint8_t *packed = NULL, *back = NULL;
	size_t plen = 0, blen = 0, len = sizeof(text) - 1;

	(void)state;
	assert_non_null(z);
	assert_int_equal(gs_zip_pack(z, (const uint8_t *)text, len, &packed,
	    &plen), 0);
	assert_non_null(packed);
	assert_true(plen < len * 9 / 10);
	assert_int_equal(packed[0], GS_ZIP_ZSTD);
	assert_int_equal(gs_zip_unpack(z, packed, plen, &back, &blen), 0);
	assert_non_null(back);
	assert_int_equal(blen, len);
	assert_memory_equal(back, text, len);
	free(back);
	free(packed);
	gs_zip_free(z);
}

static void
test_zip_as_is(void **state)
{
	struct gs_zip *z = gs_zip_new();
	uint8_t noise[64], *out = (uint8_t *)"x";
	size_t outlen = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)(i * 151 + 7);
	noise[0] = 0x0a;                 /* a field tag, as a message starts */
	assert_int_equal(gs_zip_pack(z, noise, sizeof(noise), &out, &outlen),
	    0);
	assert_null(out);                /* not shorter: stored as is */
	assert_int_equal(outlen, 0);
	assert_int_equal(gs_zip_unpack(z, noise, sizeof(noise), &out,
	    &outlen), 0);
	assert_null(out);                /* the message itself */
	assert_int_equal(gs_zip_pack(z, NULL, 0, &out, &outlen), 0);
	assert_null(out);
	assert_int_equal(gs_zip_unpack(z, NULL, 0, &out, &outlen), 0);
	assert_null(out);
	gs_zip_free(z);
	gs_zip_free(NULL);
}

static void
test_zip_damaged(void **state)
{
	struct gs_zip *z = gs_zip_new();
	uint8_t *packed = NULL, *out = NULL;
	size_t plen = 0, outlen = 0, len = sizeof(text) - 1;
	/* a frame header declaring 2^32 bytes (single segment, 8-byte size) */
	static const uint8_t huge[] = { GS_ZIP_ZSTD, 0x28, 0xb5, 0x2f, 0xfd,
	    0xe0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	    0x01, 0x00, 0x00 };

	(void)state;
	assert_int_equal(gs_zip_pack(z, (const uint8_t *)text, len, &packed,
	    &plen), 0);
	assert_int_equal(gs_zip_unpack(z, packed, plen - 3, &out, &outlen),
	    GS_ECORRUPT);
	assert_null(out);
	/* (no checksum in the frame: the seal around it authenticates) */
	packed[1] ^= 0xff;               /* not a zstd frame any more */
	assert_int_equal(gs_zip_unpack(z, packed, plen, &out, &outlen),
	    GS_ECORRUPT);
	assert_null(out);
	assert_int_equal(gs_zip_unpack(z, packed, 1, &out, &outlen),
	    GS_ECORRUPT);
	assert_int_equal(gs_zip_unpack(z, huge, sizeof(huge), &out, &outlen),
	    GS_ECORRUPT);
	assert_null(out);
	assert_int_equal(outlen, 0);
	free(packed);
	gs_zip_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip_round_trip),
		cmocka_unit_test(test_zip_as_is),
		cmocka_unit_test(test_zip_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
