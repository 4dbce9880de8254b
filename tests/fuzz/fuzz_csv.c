/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_csv.c: fuzz target for the CSV reader (csv.h), which reads the
 * files `gemsync import resources` is given: anything a spreadsheet or
 * another directory wrote. The first byte picks the separator (0: guess,
 * else ";" or ","), the rest is the text. Beyond "no crash", it checks
 * the contract: records come in line order, a malformed record ends the
 * reading, and every record read written again with gs_csv_row reads
 * back as the same cells.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rec written with sep and read again gives the same cells. */
static void
check_round_trip(const struct gs_csv_rec *rec, char sep)
{
	struct gs_csv_out o = { 0 };
	struct gs_csv_reader rd;
	struct gs_csv_rec back = { 0 };

	/* one empty cell is a blank line, which readers skip */
	if (rec->n == 1 && rec->v[0][0] == '\0')
		return;
	if (gs_csv_row(&o, (const char *const *)rec->v, rec->n, sep) != 0)
		return;
	gs_csv_reader_init(&rd, o.s, o.len, sep);
	if (gs_csv_next(&rd, &back) != 1 || back.n != rec->n)
		abort();
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(back.v[i], rec->v[i]) != 0)
			abort();
	gs_csv_rec_clear(&back);
	gs_csv_out_clear(&o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char seps[] = { 0, ';', ',' };
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };
	size_t last = 0;
	int rc, n = 0;

	if (size < 1)
		return 0;
	gs_csv_reader_init(&rd, (const char *)data + 1, size - 1,
	    seps[data[0] % 3]);
	while ((rc = gs_csv_next(&rd, &rec)) == 1 && n++ < 100000) {
		if (rec.line < last)
			abort();
		last = rec.line;
		/* no cell holds a NUL (refused): each is written back whole */
		check_round_trip(&rec, rd.sep);
	}
	if (rc != 1 && rc != 0 && rc != GS_EINVAL && rc != GS_ENOMEM)
		abort();
	if (rd.nul && (rc != GS_EINVAL || memchr(data + 1, 0, size - 1) == NULL))
		abort();
	if (rc == GS_EINVAL && gs_csv_next(&rd, &rec) != 0)
		abort();
	gs_csv_rec_clear(&rec);
	return 0;
}
