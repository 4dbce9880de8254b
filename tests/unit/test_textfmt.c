/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_textfmt.c: hex both ways (any case in, lowercase out, exact
 * length), and RFC 3339 date-times to instants and milliseconds, offsets
 * and fractions included. The schema's tests cover which strings a date
 * field accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "textfmt.h"

static void
test_hex(void **state)
{
	static const uint8_t k[3] = { 0x00, 0xab, 0xff };
	uint8_t bin[3] = { 0x55, 0x55, 0x55 };
	char h[7];

	(void)state;
	gs_hex(k, 3, h);
	assert_string_equal(h, "00abff");
	gs_hex(k, 0, h);
	assert_string_equal(h, "");
	assert_int_equal(gs_unhex("00ABfF", bin, 3), 0);
	assert_memory_equal(bin, k, 3);
	memset(bin, 0x55, sizeof(bin));
	assert_int_equal(gs_unhex("00abf", bin, 3), GS_EINVAL);
	assert_int_equal(gs_unhex("00abfff", bin, 3), GS_EINVAL);
	assert_int_equal(gs_unhex("00abfg", bin, 3), GS_EINVAL);
	assert_int_equal(gs_unhex(NULL, bin, 3), GS_EINVAL);
	assert_int_equal(bin[0], 0x55);         /* untouched on failure */
}

static void
test_time(void **state)
{
	struct gs_instant a, b;
	int64_t ms;

	(void)state;
	assert_int_equal(gs_time_parse("1970-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(gs_time_parse("2026-12-01T14:00:00+01:00", &ms), 0);
	assert_int_equal(ms, 1796130000000LL);
	assert_int_equal(gs_time_parse("2026-12-01T13:00:00.1239Z", &ms), 0);
	assert_int_equal(ms, 1796130000123LL);         /* truncated */
	assert_int_equal(gs_time_parse("1969-12-31T23:59:59Z", &ms), 0);
	assert_int_equal(ms, -1000);
	assert_int_equal(gs_time_parse("2026-12-01T14:00:00", &ms), GS_EINVAL);
	assert_int_equal(gs_time_parse(NULL, &ms), GS_EINVAL);

	/* the same instant across offsets; nanoseconds kept */
	assert_int_equal(gs_instant_parse("2026-12-01T14:00:00+01:00", &a), 0);
	assert_int_equal(gs_instant_parse("2026-12-01T09:30:00-03:30", &b), 0);
	assert_int_equal(gs_instant_cmp(&a, &b), 0);
	assert_int_equal(gs_instant_parse("2026-12-01T13:00:00.000000001Z",
	    &b), 0);
	assert_int_equal(b.nsec, 1);
	assert_true(gs_instant_cmp(&a, &b) < 0);
	assert_true(gs_instant_cmp(&b, &a) > 0);
	assert_int_equal(gs_instant_parse("2026-02-29T00:00:00Z", &a),
	    GS_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
