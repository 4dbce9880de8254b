/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_hlc.c: unit tests for the hybrid logical clock. The wall clock is
 * passed in explicitly, so the tests drive it backwards, freeze it, and
 * feed remote timestamps from clocks that run ahead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "hlc.h"

#define DRIFT (5 * 60 * 1000)                 /* five minutes */
#define T0 UINT64_C(1700000000000)            /* 2023-11-14T22:13:20Z */

static void
test_first_tick_is_wall_time(void **state)
{
	struct gs_hlc c;
	uint64_t t;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	t = gs_hlc_tick(&c, T0);
	assert_int_equal(GS_HLC_MS(t), T0);
	assert_int_equal(t & 0xffff, 0);
	assert_int_equal(c.last, t);
}

static void
test_same_ms_counts(void **state)
{
	struct gs_hlc c;
	uint64_t prev, t;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	prev = gs_hlc_tick(&c, T0);
	for (unsigned i = 1; i < 100; i++) {
		t = gs_hlc_tick(&c, T0);
		assert_int_equal(GS_HLC_MS(t), T0);
		assert_int_equal(t & 0xffff, i);
		assert_true(t > prev);
		prev = t;
	}
	/* The wall clock moving on resets the counter. */
	t = gs_hlc_tick(&c, T0 + 1);
	assert_int_equal(t, GS_HLC_MAKE(T0 + 1, 0));
}

static void
test_counter_overflow_carries(void **state)
{
	struct gs_hlc c;
	uint64_t t;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	c.last = GS_HLC_MAKE(T0, 0xffff);
	t = gs_hlc_tick(&c, T0);
	assert_int_equal(t, GS_HLC_MAKE(T0 + 1, 0));
	assert_true(t > GS_HLC_MAKE(T0, 0xffff));
}

static void
test_clock_backwards(void **state)
{
	struct gs_hlc c;
	uint64_t a, b, d;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	a = gs_hlc_tick(&c, T0 + 10000);
	/* NTP steps the clock back ten seconds: still strictly increasing. */
	b = gs_hlc_tick(&c, T0);
	assert_true(b > a);
	assert_int_equal(GS_HLC_MS(b), T0 + 10000);
	for (uint64_t now = T0; now < T0 + 10000; now += 997) {
		d = gs_hlc_tick(&c, now);
		assert_true(d > b);
		b = d;
	}
	/* Once the wall clock catches up, it leads again. */
	d = gs_hlc_tick(&c, T0 + 20000);
	assert_int_equal(d, GS_HLC_MAKE(T0 + 20000, 0));
}

static void
test_observe_ahead_within_drift(void **state)
{
	struct gs_hlc c;
	uint64_t remote = GS_HLC_MAKE(T0 + 60000, 7);
	uint64_t t;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	(void)gs_hlc_tick(&c, T0);
	assert_int_equal(gs_hlc_observe(&c, remote, T0), 0);
	assert_int_equal(c.last, remote);
	t = gs_hlc_tick(&c, T0 + 1);
	assert_true(t > remote);
	assert_int_equal(t, GS_HLC_MAKE(T0 + 60000, 8));

	/* Exactly at the drift limit is still accepted. */
	remote = GS_HLC_MAKE(T0 + DRIFT, 0);
	assert_int_equal(gs_hlc_observe(&c, remote, T0), 0);
	assert_true(gs_hlc_tick(&c, T0) > remote);
}

static void
test_observe_behind_is_noop(void **state)
{
	struct gs_hlc c;
	uint64_t before;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	before = gs_hlc_tick(&c, T0);
	/* A day in the past is fine and changes nothing. */
	assert_int_equal(gs_hlc_observe(&c,
	    GS_HLC_MAKE(T0 - 86400000, 3), T0), 0);
	assert_int_equal(c.last, before);
}

static void
test_observe_beyond_drift(void **state)
{
	struct gs_hlc c;
	uint64_t before;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	before = gs_hlc_tick(&c, T0);
	assert_int_equal(gs_hlc_observe(&c,
	    GS_HLC_MAKE(T0 + DRIFT + 1, 0), T0), GS_ECLOCK);
	assert_int_equal(c.last, before);
	/* A day in the future. */
	assert_int_equal(gs_hlc_observe(&c,
	    GS_HLC_MAKE(T0 + 86400000, 0), T0), GS_ECLOCK);
	assert_int_equal(c.last, before);
	/* The largest representable timestamp. */
	assert_int_equal(gs_hlc_observe(&c, UINT64_MAX, T0), GS_ECLOCK);
	assert_int_equal(c.last, before);
	/* The next tick follows the local clock, not the refused one. */
	assert_int_equal(gs_hlc_tick(&c, T0 + 1), GS_HLC_MAKE(T0 + 1, 0));
}

static void
test_now_monotonic(void **state)
{
	struct gs_hlc c;
	uint64_t prev, t;

	(void)state;
	gs_hlc_init(&c, DRIFT);
	prev = gs_hlc_now(&c);
	assert_true(GS_HLC_MS(prev) > T0);   /* wall clock is after 2023 */
	for (int i = 0; i < 1000; i++) {
		t = gs_hlc_now(&c);
		assert_true(t > prev);
		prev = t;
	}
}

static void
test_format(void **state)
{
	char out[32];

	(void)state;
	gs_hlc_format(GS_HLC_MAKE(T0 + 42, 9), out);
	assert_string_equal(out, "2023-11-14T22:13:20.042Z");
	gs_hlc_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	/* 2024-02-29T23:59:59.999Z = 1709251199999 ms. */
	gs_hlc_format(GS_HLC_MAKE(UINT64_C(1709251199999), 0xffff), out);
	assert_string_equal(out, "2024-02-29T23:59:59.999Z");
	/* The largest timestamp still fits. */
	gs_hlc_format(UINT64_MAX, out);
	assert_true(strlen(out) < 32);
	assert_int_equal(out[strlen(out) - 1], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_tick_is_wall_time),
		cmocka_unit_test(test_same_ms_counts),
		cmocka_unit_test(test_counter_overflow_carries),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_observe_ahead_within_drift),
		cmocka_unit_test(test_observe_behind_is_noop),
		cmocka_unit_test(test_observe_beyond_drift),
		cmocka_unit_test(test_now_monotonic),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
