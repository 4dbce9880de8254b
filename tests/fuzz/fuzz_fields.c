/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_fields.c: fuzz target for gs_fields_decode (fields.h), the strict
 * gs.Body decoder every change body from a peer goes through. Beyond "no
 * crash", it checks the codec's promise: a body that decodes is canonical,
 * so encoding the result gives back the very same bytes, every value is
 * valid UTF-8 within limits, names are sorted and unique, and a refused
 * body leaves the map empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fields.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants of a decoded map; aborts (a finding) when one fails. */
static void
check_map(const struct gs_fields *f)
{
	if (f->n > GS_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < f->n; i++) {
		size_t nl = strlen(f->v[i].name), vl = strlen(f->v[i].value);
		if (nl == 0 || nl > GS_FIELD_NAME_MAX || vl > GS_FIELD_VALUE_MAX)
			abort();
		if (!gs_utf8_valid(f->v[i].name, nl) ||
		    !gs_utf8_valid(f->v[i].value, vl))
			abort();
		if (i > 0 && strcmp(f->v[i - 1].name, f->v[i].name) >= 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_fields f, g;
	uint8_t *enc = NULL;
	size_t enclen = 0;
	int rc;

	gs_fields_init(&f);
	gs_fields_init(&g);
	rc = gs_fields_decode(data, size, &f);
	if (rc != 0) {
		if (rc != GS_EPROTO && rc != GS_ENOMEM)
			abort();
		if (f.n != 0)
			abort();       /* "out is left empty on failure" */
		goto out;
	}
	check_map(&f);
	if (gs_fields_encode(&f, &enc, &enclen) != 0)
		goto out;
	/* canonical: the same fields always give the same bytes */
	if (enclen != size || (size > 0 && memcmp(enc, data, size) != 0))
		abort();
	if (gs_fields_decode(enc, enclen, &g) != 0 || !gs_fields_equal(&f, &g))
		abort();
out:
	free(enc);
	gs_fields_clear(&f);
	gs_fields_clear(&g);
	return 0;
}
