/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_summary.c: gossip's summary logic (daemon/summary.c) on its own:
 * the digest's bytes and order independence, normalizing a summary as a
 * peer sent it (any order, repeated authors), and the walk that tells
 * what one site holds that another lacks, in both directions, with
 * authors missing on either side. Table-driven where the cases are data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "seqmap.h"
#include "summary.h"

#include "fixture.h"

/* A key whose bytes are all b: easy to order by hand. */
static void
key(uint8_t pk[32], uint8_t b)
{
	memset(pk, b, 32);
}

/* A summary from pairs (key byte, seq), ending with a 0 key byte. */
static void
build(struct gs_seqmap *m, const unsigned *pairs)
{
	uint8_t pk[32];

	gs_seqmap_clear(m);
	for (size_t i = 0; pairs[2 * i] != 0; i++) {
		key(pk, (uint8_t)pairs[2 * i]);
		assert_int_equal(gs_seqmap_raise(m, pk, pairs[2 * i + 1]), 0);
	}
}

static void
test_digest_bytes(void **state)
{
	struct gs_seqmap m = { NULL, 0, 0 };
	uint8_t buf[80], want[32], got[32];
	static const unsigned two[] = { 0x22, 0x05060708, 0x11, 9, 0 };

	(void)state;
	/* empty: the hash of nothing */
	gs_hash("", 0, want, 32);
	assert_int_equal(gs_summary_digest(&m, got), 0);
	assert_memory_equal(got, want, 32);
	/* authors ascending whatever the insertion order; seq big-endian */
	build(&m, two);
	memset(buf, 0, sizeof(buf));
	memset(buf, 0x11, 32);
	buf[39] = 9;
	memset(buf + 40, 0x22, 32);
	buf[76] = 0x05;
	buf[77] = 0x06;
	buf[78] = 0x07;
	buf[79] = 0x08;
	gs_hash(buf, sizeof(buf), want, 32);
	assert_int_equal(gs_summary_digest(&m, got), 0);
	assert_memory_equal(got, want, 32);
	/* one sequence more changes it */
	key(buf, 0x11);
	assert_int_equal(gs_seqmap_raise(&m, buf, 10), 0);
	assert_int_equal(gs_summary_digest(&m, got), 0);
	assert_memory_not_equal(got, want, 32);
	gs_seqmap_free(&m);
}

/* Entries as a peer may send them, and the summary they make. */
static const struct {
	const char *name;
	unsigned in[12];          /* (key byte, seq) pairs, in wire order */
	size_t nin;
	unsigned want[12];        /* normalized, ending with key byte 0 */
} normalize_cases[] = {
	{ "empty", { 0 }, 0, { 0 } },
	{ "one", { 5, 3 }, 1, { 5, 3, 0 } },
	{ "reversed", { 9, 1, 5, 2, 1, 3 }, 3, { 1, 3, 5, 2, 9, 1, 0 } },
	{ "repeated keeps the highest", { 5, 2, 1, 1, 5, 7, 5, 4 }, 4,
	    { 1, 1, 5, 7, 0 } },
	{ "all the same", { 3, 1, 3, 1, 3, 1 }, 3, { 3, 1, 0 } },
};

static void
test_normalize(void **state)
{
	struct gs_seqmap m = { NULL, 0, 0 };
	size_t n;

	(void)state;
	for (size_t c = 0; c < sizeof(normalize_cases) /
	    sizeof(normalize_cases[0]); c++) {
		m.v = realloc(m.v, (normalize_cases[c].nin + 1) * sizeof(*m.v));
		assert_non_null(m.v);
		m.cap = normalize_cases[c].nin + 1;
		for (size_t i = 0; i < normalize_cases[c].nin; i++) {
			key(m.v[i].pk, (uint8_t)normalize_cases[c].in[2 * i]);
			m.v[i].seq = normalize_cases[c].in[2 * i + 1];
		}
		m.n = normalize_cases[c].nin;
		gs_summary_normalize(&m);
		for (n = 0; normalize_cases[c].want[2 * n] != 0; n++) {
			uint8_t pk[32];
			key(pk, (uint8_t)normalize_cases[c].want[2 * n]);
			if (n >= m.n || memcmp(m.v[n].pk, pk, 32) != 0 ||
			    m.v[n].seq != normalize_cases[c].want[2 * n + 1])
				fail_msg("case %s: entry %zu differs",
				    normalize_cases[c].name, n);
		}
		if (n != m.n)
			fail_msg("case %s: %zu entries, want %zu",
			    normalize_cases[c].name, m.n, n);
	}
	gs_seqmap_free(&m);
}

/* What a holds that b lacks: each (key, in_a, in_b) reported. */
struct ahead_seen {
	unsigned v[24];
	size_t n;
	size_t stop_after;        /* 0: never stop */
};

static int
on_ahead(const uint8_t author[32], uint64_t in_a, uint64_t in_b, void *arg)
{
	struct ahead_seen *s = arg;

	assert_true(s->n + 3 <= 24);
	s->v[s->n++] = author[0];
	s->v[s->n++] = (unsigned)in_a;
	s->v[s->n++] = (unsigned)in_b;
	if (s->stop_after != 0 && s->n / 3 == s->stop_after)
		return 42;
	return 0;
}

static const struct {
	const char *name;
	unsigned a[12], b[12];    /* (key byte, seq) pairs ending with 0 */
	unsigned want[24];        /* (key, in_a, in_b) triples, key 0 ends */
} ahead_cases[] = {
	{ "both empty", { 0 }, { 0 }, { 0 } },
	{ "b empty: all of a", { 1, 2, 3, 4, 0 }, { 0 },
	    { 1, 2, 0, 3, 4, 0, 0 } },
	{ "a empty: nothing", { 0 }, { 1, 2, 0 }, { 0 } },
	{ "equal: nothing", { 1, 2, 3, 4, 0 }, { 1, 2, 3, 4, 0 }, { 0 } },
	{ "a ahead on one", { 1, 2, 3, 9, 0 }, { 1, 2, 3, 4, 0 },
	    { 3, 9, 4, 0 } },
	{ "b ahead is not reported", { 1, 2, 3, 4, 0 }, { 1, 5, 3, 4, 0 },
	    { 0 } },
	{ "interleaved keys", { 2, 5, 4, 1, 6, 3, 0 },
	    { 1, 9, 2, 5, 3, 9, 5, 9, 6, 1, 0 },
	    { 4, 1, 0, 6, 3, 1, 0 } },
	{ "b has only later keys", { 1, 1, 2, 2, 0 }, { 7, 7, 8, 8, 0 },
	    { 1, 1, 0, 2, 2, 0, 0 } },
};

static void
test_ahead(void **state)
{
	struct gs_seqmap a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct ahead_seen s;
	size_t n;

	(void)state;
	for (size_t c = 0; c < sizeof(ahead_cases) / sizeof(ahead_cases[0]);
	    c++) {
		build(&a, ahead_cases[c].a);
		build(&b, ahead_cases[c].b);
		memset(&s, 0, sizeof(s));
		assert_int_equal(gs_summary_ahead(&a, &b, on_ahead, &s), 0);
		for (n = 0; ahead_cases[c].want[n] != 0; n += 3)
			;
		if (n != s.n || memcmp(s.v, ahead_cases[c].want,
		    n * sizeof(unsigned)) != 0)
			fail_msg("case %s: %zu values reported, want %zu",
			    ahead_cases[c].name, s.n, n);
	}
	/* a non-zero return stops the walk and is returned */
	build(&a, ahead_cases[1].a);
	gs_seqmap_clear(&b);
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(gs_summary_ahead(&a, &b, on_ahead, &s), 42);
	assert_int_equal(s.n, 3);
	gs_seqmap_free(&a);
	gs_seqmap_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_bytes),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_ahead),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
