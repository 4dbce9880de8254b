/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_fields.c: the sorted field map and its strict canonical gs.Body
 * codec. Hand-built protobuf bytes check that every non-canonical body
 * (unsorted, repeated, bad names, bad UTF-8, hidden NUL, too many fields,
 * garbage, oversized) is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fields.h"

/* A growing byte buffer to hand-write protobuf. */
struct wbuf {
	uint8_t b[300 * 1024];
	size_t n;
};

static void
put_varint(struct wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		w->b[w->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	w->b[w->n++] = (uint8_t)v;
}

static void
put_str(struct wbuf *w, int tag, const char *s, size_t len)
{
	put_varint(w, (uint64_t)(tag << 3 | 2));
	put_varint(w, len);
	memcpy(w->b + w->n, s, len);
	w->n += len;
}

/* Appends one Body.fields entry (tag 1) holding name and value. */
static void
put_field(struct wbuf *w, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	struct wbuf *inner = calloc(1, sizeof(*inner));

	assert_non_null(inner);
	put_str(inner, 1, name, nlen);
	put_str(inner, 2, value, vlen);
	put_str(w, 1, (const char *)inner->b, inner->n);
	free(inner);
}

static void
put_field_s(struct wbuf *w, const char *name, const char *value)
{
	put_field(w, name, strlen(name), value, strlen(value));
}

static int
decode(const struct wbuf *w, struct gs_fields *f)
{
	return gs_fields_decode(w->b, w->n, f);
}

static void
test_set_get_del(void **state)
{
	struct gs_fields f;

	(void)state;
	gs_fields_init(&f);
	assert_null(gs_fields_get(&f, "title"));
	assert_int_equal(gs_fields_set(&f, "title", "Atelier écriture"), 0);
	assert_int_equal(gs_fields_set(&f, "kind", "workshop"), 0);
	assert_int_equal(gs_fields_set(&f, "start", "2026-12-01T14:00:00+01:00"), 0);
	assert_int_equal(gs_fields_set(&f, "description", ""), 0);
	assert_int_equal(f.n, 4);
	/* Sorted by name. */
	assert_string_equal(f.v[0].name, "description");
	assert_string_equal(f.v[1].name, "kind");
	assert_string_equal(f.v[2].name, "start");
	assert_string_equal(f.v[3].name, "title");
	assert_string_equal(gs_fields_get(&f, "title"), "Atelier écriture");
	assert_string_equal(gs_fields_get(&f, "description"), "");
	/* Replace keeps one entry. */
	assert_int_equal(gs_fields_set(&f, "title", "Marche douce au parc"), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(gs_fields_get(&f, "title"), "Marche douce au parc");
	gs_fields_del(&f, "kind");
	assert_int_equal(f.n, 3);
	assert_null(gs_fields_get(&f, "kind"));
	gs_fields_del(&f, "absent");
	assert_int_equal(f.n, 3);
	assert_string_equal(f.v[2].name, "title");
	/* Many insertions in reverse order stay sorted. */
	for (int i = 40; i >= 0; i--) {
		char name[16];
		snprintf(name, sizeof(name), "f%02d", i);
		assert_int_equal(gs_fields_set(&f, name, name), 0);
	}
	for (size_t i = 1; i < f.n; i++)
		assert_true(strcmp(f.v[i - 1].name, f.v[i].name) < 0);
	assert_string_equal(gs_fields_get(&f, "f17"), "f17");
	gs_fields_clear(&f);
	assert_int_equal(f.n, 0);
	assert_null(gs_fields_get(&f, "title"));
	gs_fields_clear(&f);
	gs_fields_clear(NULL);
}

static void
test_copy_equal(void **state)
{
	struct gs_fields a, b;

	(void)state;
	gs_fields_init(&a);
	gs_fields_init(&b);
	assert_true(gs_fields_equal(&a, &b));
	assert_int_equal(gs_fields_set(&a, "name", "GEM Le Rebond"), 0);
	assert_int_equal(gs_fields_set(&a, "town", "Rennes"), 0);
	assert_false(gs_fields_equal(&a, &b));
	assert_int_equal(gs_fields_set(&b, "stale", "x"), 0);
	assert_int_equal(gs_fields_copy(&b, &a), 0);
	assert_true(gs_fields_equal(&a, &b));
	assert_null(gs_fields_get(&b, "stale"));
	/* Deep copy: changing a leaves b alone. */
	assert_int_equal(gs_fields_set(&a, "town", "Brest"), 0);
	assert_false(gs_fields_equal(&a, &b));
	assert_string_equal(gs_fields_get(&b, "town"), "Rennes");
	/* Same names, other value; same count, other name. */
	assert_int_equal(gs_fields_set(&b, "town", "Brest"), 0);
	assert_true(gs_fields_equal(&a, &b));
	gs_fields_del(&b, "town");
	assert_int_equal(gs_fields_set(&b, "towm", "Brest"), 0);
	assert_false(gs_fields_equal(&a, &b));
	gs_fields_clear(&a);
	gs_fields_clear(&b);
}

static void
test_round_trip(void **state)
{
	struct gs_fields a, b;
	uint8_t *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;

	(void)state;
	gs_fields_init(&a);
	gs_fields_init(&b);
	/* Empty body: zero bytes, decodes to empty. */
	assert_int_equal(gs_fields_encode(&a, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(gs_fields_decode(buf, len, &b), 0);
	assert_int_equal(b.n, 0);
	free(buf);

	assert_int_equal(gs_fields_set(&a, "title", "Sortie au musée des Beaux-Arts"), 0);
	assert_int_equal(gs_fields_set(&a, "kind", "outing"), 0);
	assert_int_equal(gs_fields_set(&a, "place", ""), 0);
	assert_int_equal(gs_fields_set(&a, "_deleted", "0"), 0);
	assert_int_equal(gs_fields_set(&a, "description", "Ligne 1\nLigne 2 ☕"), 0);
	assert_int_equal(gs_fields_encode(&a, &buf, &len), 0);
	assert_true(len > 0);
	assert_int_equal(gs_fields_decode(buf, len, &b), 0);
	assert_true(gs_fields_equal(&a, &b));
	/* Same fields, same bytes. */
	assert_int_equal(gs_fields_encode(&b, &buf2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	free(buf);
	free(buf2);
	gs_fields_clear(&a);
	gs_fields_clear(&b);
}

static void
test_decode_matches_handwritten(void **state)
{
	struct wbuf *w = calloc(1, sizeof(*w));
	struct gs_fields f;

	(void)state;
	assert_non_null(w);
	gs_fields_init(&f);
	put_field_s(w, "kind", "gem");
	put_field_s(w, "name", "GEM Le Rebond");
	assert_int_equal(decode(w, &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(gs_fields_get(&f, "name"), "GEM Le Rebond");
	gs_fields_clear(&f);
	free(w);
}

static void
test_decode_refuses_unsorted_and_duplicates(void **state)
{
	struct wbuf *w = calloc(1, sizeof(*w));
	struct gs_fields f;

	(void)state;
	assert_non_null(w);
	gs_fields_init(&f);
	put_field_s(w, "title", "a");
	put_field_s(w, "kind", "b");
	assert_int_equal(decode(w, &f), GS_EPROTO);
	assert_int_equal(f.n, 0);

	w->n = 0;
	put_field_s(w, "kind", "a");
	put_field_s(w, "kind", "b");
	assert_int_equal(decode(w, &f), GS_EPROTO);
	assert_int_equal(f.n, 0);
	gs_fields_clear(&f);
	free(w);
}

static void
test_decode_refuses_bad_utf8_and_nul(void **state)
{
	static const char *bad[] = {
		"\xc3",                 /* truncated */
		"\xc0\xaf",             /* overlong '/' */
		"\xe0\x80\xaf",         /* overlong */
		"\xed\xa0\x80",         /* surrogate U+D800 */
		"\xf4\x90\x80\x80",     /* U+110000 */
		"\xff",
		"\x80",                 /* lone continuation */
	};
	struct wbuf *w = calloc(1, sizeof(*w));
	struct gs_fields f;

	(void)state;
	assert_non_null(w);
	gs_fields_init(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w->n = 0;
		put_field_s(w, "title", bad[i]);
		assert_int_equal(decode(w, &f), GS_EPROTO);
		assert_int_equal(f.n, 0);
	}
	/* A NUL inside the value (protobuf allows it; we do not). */
	w->n = 0;
	put_field(w, "title", 5, "ab\0cd", 5);
	assert_int_equal(decode(w, &f), GS_EPROTO);
	/* ... or inside the name. */
	w->n = 0;
	put_field(w, "ti\0le", 5, "x", 1);
	assert_int_equal(decode(w, &f), GS_EPROTO);
	assert_int_equal(f.n, 0);
	gs_fields_clear(&f);
	free(w);
}

static void
test_decode_refuses_bad_names(void **state)
{
	static const char *bad[] = { "", "Title", "ti-tle", "ti tle", "été",
	    "abcdefghijklmnopqrstuvwxyz0123456" /* 33 bytes */, "@2026-12-22",
	    "place@", "place@@2026", "place@2026-12-22a", "place@2026@12" };
	struct wbuf *w = calloc(1, sizeof(*w));
	struct gs_fields f;

	(void)state;
	assert_non_null(w);
	gs_fields_init(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w->n = 0;
		put_field_s(w, bad[i], "x");
		assert_int_equal(decode(w, &f), GS_EPROTO);
	}
	/* 32 bytes is fine. */
	w->n = 0;
	put_field_s(w, "abcdefghijklmnopqrstuvwxyz012345", "x");
	assert_int_equal(decode(w, &f), 0);
	/* so is a series' per-date field */
	gs_fields_clear(&f);
	w->n = 0;
	put_field_s(w, "place@2026-12-22", "x");
	assert_int_equal(decode(w, &f), 0);
	gs_fields_clear(&f);
	free(w);
}

static void
test_decode_limits(void **state)
{
	struct wbuf *w = calloc(1, sizeof(*w));
	struct gs_fields f;
	char *big;

	(void)state;
	assert_non_null(w);
	gs_fields_init(&f);
	/* GS_FIELDS_MAX fields pass, one more does not. */
	for (int i = 0; i < GS_FIELDS_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%03d", i);
		put_field_s(w, name, "v");
	}
	assert_int_equal(decode(w, &f), 0);
	assert_int_equal(f.n, GS_FIELDS_MAX);
	gs_fields_clear(&f);
	put_field_s(w, "f999", "v");
	assert_int_equal(decode(w, &f), GS_EPROTO);
	assert_int_equal(f.n, 0);

	/* Value length limit. */
	big = malloc(GS_FIELD_VALUE_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', GS_FIELD_VALUE_MAX + 1);
	w->n = 0;
	put_field(w, "description", 11, big, GS_FIELD_VALUE_MAX);
	assert_int_equal(decode(w, &f), 0);
	gs_fields_clear(&f);
	w->n = 0;
	put_field(w, "description", 11, big, GS_FIELD_VALUE_MAX + 1);
	assert_int_equal(decode(w, &f), GS_EPROTO);
	free(big);

	/* Oversized input is refused whatever it holds. */
	memset(w->b, 0, sizeof(w->b));
	assert_int_equal(gs_fields_decode(w->b, 128 * 1024 + 1, &f), GS_EPROTO);
	assert_int_equal(f.n, 0);
	gs_fields_clear(&f);
	free(w);
}

static void
test_decode_refuses_garbage(void **state)
{
	static const uint8_t junk1[] = { 0xff, 0xff, 0xff };
	static const uint8_t junk2[] = { 0x0a, 0x05, 0x0a };   /* truncated */
	static const uint8_t junk3[] = { 0x0a, 0x00 };         /* field lacks name */
	struct wbuf *w = calloc(1, sizeof(*w));
	struct gs_fields f;

	(void)state;
	assert_non_null(w);
	gs_fields_init(&f);
	assert_int_equal(gs_fields_decode(junk1, sizeof(junk1), &f), GS_EPROTO);
	assert_int_equal(gs_fields_decode(junk2, sizeof(junk2), &f), GS_EPROTO);
	assert_int_equal(gs_fields_decode(junk3, sizeof(junk3), &f), GS_EPROTO);
	/* A valid body followed by an unknown protobuf field. */
	put_field_s(w, "kind", "gem");
	put_varint(w, 2 << 3 | 0);
	put_varint(w, 7);
	assert_int_equal(decode(w, &f), GS_EPROTO);
	/* A non-minimal varint length: same content, other bytes. */
	w->n = 0;
	put_varint(w, 1 << 3 | 2);
	w->b[w->n++] = 0x8c;    /* length 12 as two bytes */
	w->b[w->n++] = 0x00;
	put_str(w, 1, "kind", 4);
	put_str(w, 2, "gem", 3);
	assert_int_equal(decode(w, &f), GS_EPROTO);
	assert_int_equal(f.n, 0);
	gs_fields_clear(&f);
	free(w);
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(gs_utf8_valid("", 0));
	assert_true(gs_utf8_valid("abc", 3));
	assert_true(gs_utf8_valid("é", 2));
	assert_true(gs_utf8_valid("\xe2\x82\xac", 3));           /* € */
	assert_true(gs_utf8_valid("\xf0\x9f\x98\x80", 4));       /* emoji */
	assert_true(gs_utf8_valid("\xf4\x8f\xbf\xbf", 4));       /* U+10FFFF */
	assert_true(gs_utf8_valid("\xed\x9f\xbf", 3));           /* U+D7FF */
	assert_false(gs_utf8_valid("a\0b", 3));
	assert_false(gs_utf8_valid("\xc1\xbf", 2));
	assert_false(gs_utf8_valid("\xf0\x8f\xbf\xbf", 4));      /* overlong */
	assert_false(gs_utf8_valid("\xed\xbf\xbf", 3));          /* surrogate */
	assert_false(gs_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(gs_utf8_valid("\xe2\x82", 2));
	assert_false(gs_utf8_valid("\xe2\x28\xac", 3));
}

/* UTF-8 checked eight ASCII bytes at a time: a NUL, a stray byte or a
 * good sequence at every offset of a longer text. */
static void
test_utf8_valid_every_offset(void **state)
{
	char buf[48];

	(void)state;
	for (size_t at = 0; at + 2 <= sizeof(buf); at++) {
		memset(buf, 'a', sizeof(buf));
		buf[at] = '\0';
		assert_false(gs_utf8_valid(buf, sizeof(buf)));
		buf[at] = (char)0x80;
		assert_false(gs_utf8_valid(buf, sizeof(buf)));
		buf[at] = (char)0xc3;           /* é */
		buf[at + 1] = (char)0xa9;
		assert_true(gs_utf8_valid(buf, sizeof(buf)));
		assert_int_equal(gs_utf8_valid(buf, at + 1), 0);   /* cut */
	}
	memset(buf, 'a', sizeof(buf));
	assert_true(gs_utf8_valid(buf, sizeof(buf)));
}

/* A value lent by the map itself can be set again, under its own name or
 * another. */
static void
test_set_own_value(void **state)
{
	struct gs_fields f;

	(void)state;
	gs_fields_init(&f);
	assert_int_equal(gs_fields_set(&f, "title", "Atelier chant"), 0);
	assert_int_equal(gs_fields_set(&f, "title", gs_fields_get(&f, "title")), 0);
	assert_string_equal(gs_fields_get(&f, "title"), "Atelier chant");
	assert_int_equal(gs_fields_set(&f, "place", gs_fields_get(&f, "title")), 0);
	assert_string_equal(gs_fields_get(&f, "place"), "Atelier chant");
	assert_string_equal(gs_fields_get(&f, "title"), "Atelier chant");
	gs_fields_clear(&f);
}

/* A body larger than the decoder's inline arena, decoded into a map that
 * was used before (room for fewer fields than the body holds). */
static void
test_decode_large_body_into_used_map(void **state)
{
	struct gs_fields a, b;
	uint8_t *buf = NULL;
	size_t len = 0;
	char name[16], value[2001];

	(void)state;
	gs_fields_init(&a);
	gs_fields_init(&b);
	memset(value, 'e', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	for (int i = 0; i < GS_FIELDS_MAX; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		value[0] = (char)('a' + i % 26);
		assert_int_equal(gs_fields_set(&a, name, value), 0);
	}
	assert_int_equal(gs_fields_encode(&a, &buf, &len), 0);
	assert_true(len > 64 * 2000);
	assert_int_equal(gs_fields_set(&b, "x", "1"), 0);
	gs_fields_del(&b, "x");
	assert_int_equal(b.n, 0);
	assert_int_equal(gs_fields_decode(buf, len, &b), 0);
	assert_true(gs_fields_equal(&a, &b));
	/* the same bytes one byte short: refused, the map left empty */
	gs_fields_clear(&b);
	assert_int_not_equal(gs_fields_decode(buf, len - 1, &b), 0);
	assert_int_equal(b.n, 0);
	free(buf);
	gs_fields_clear(&a);
	gs_fields_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_del),
		cmocka_unit_test(test_copy_equal),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_matches_handwritten),
		cmocka_unit_test(test_decode_refuses_unsorted_and_duplicates),
		cmocka_unit_test(test_decode_refuses_bad_utf8_and_nul),
		cmocka_unit_test(test_decode_refuses_bad_names),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_decode_refuses_garbage),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_valid_every_offset),
		cmocka_unit_test(test_set_own_value),
		cmocka_unit_test(test_decode_large_body_into_used_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
