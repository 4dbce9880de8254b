/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_crypto.c: unit tests for the libsodium wrappers of crypto.h:
 * signatures that reject any flipped bit, sealing that rejects a wrong key,
 * wrong associated data or tampered ciphertext, BLAKE2b known answers,
 * and the refusal of malformed Ed25519 keys by the X25519 conversion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"

static int
setup(void **state)
{
	(void)state;
	return gs_crypto_init() == 0 ? 0 : -1;
}

static void
hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v = 0;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
test_sign_verify(void **state)
{
	static const char msg[] = "rendez-vous samedi 14h au local";
	uint8_t pk[GS_PK_LEN], pk2[GS_PK_LEN], sig[GS_SIG_LEN];
	uint8_t bad[sizeof(msg)];
	uint8_t *sk = gs_secure_alloc(GS_SK_LEN);
	uint8_t *sk2 = gs_secure_alloc(GS_SK_LEN);

	(void)state;
	assert_non_null(sk);
	assert_non_null(sk2);
	assert_int_equal(gs_sign_keypair(pk, sk), 0);
	assert_int_equal(gs_sign_keypair(pk2, sk2), 0);
	assert_memory_not_equal(pk, pk2, GS_PK_LEN);

	uint8_t derived[GS_PK_LEN];
	gs_sk_to_pk(sk, derived);
	assert_memory_equal(derived, pk, GS_PK_LEN);

	assert_int_equal(gs_sign(sk, msg, sizeof(msg), sig), 0);
	assert_int_equal(gs_verify(pk, msg, sizeof(msg), sig), 0);
	/* Another key does not verify it. */
	assert_int_equal(gs_verify(pk2, msg, sizeof(msg), sig), GS_EBADSIG);

	/* Every single flipped bit of the message is caught. */
	for (size_t i = 0; i < sizeof(msg) * 8; i++) {
		memcpy(bad, msg, sizeof(msg));
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(gs_verify(pk, bad, sizeof(bad), sig),
		    GS_EBADSIG);
	}
	/* Every single flipped bit of the signature is caught. */
	for (size_t i = 0; i < GS_SIG_LEN * 8; i++) {
		uint8_t s2[GS_SIG_LEN];

		memcpy(s2, sig, GS_SIG_LEN);
		s2[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(gs_verify(pk, msg, sizeof(msg), s2),
		    GS_EBADSIG);
	}
	/* A truncated message fails too. */
	assert_int_equal(gs_verify(pk, msg, sizeof(msg) - 1, sig), GS_EBADSIG);
	gs_secure_free(sk);
	gs_secure_free(sk2);
}

/* RFC 8032 section 7.1, test 1: a seed gives its key pair, every time. */
static void
test_seed_keypair(void **state)
{
	uint8_t seed[32], want[GS_PK_LEN], pk[GS_PK_LEN], pk2[GS_PK_LEN];
	uint8_t sig[GS_SIG_LEN];
	uint8_t *sk = gs_secure_alloc(GS_SK_LEN);

	(void)state;
	assert_non_null(sk);
	hex_to_bytes("9d61b19deffd5a60ba844af492ec2cc4"
	    "4449c5697b326919703bac031cae7f60", seed, 32);
	hex_to_bytes("d75a980182b10ab7d54bfed3c964073a"
	    "0ee172f3daa62325af021a68f707511a", want, 32);
	assert_int_equal(gs_sign_seed_keypair(seed, pk, sk), 0);
	assert_memory_equal(pk, want, GS_PK_LEN);
	assert_int_equal(gs_sign(sk, "GEM", 3, sig), 0);
	assert_int_equal(gs_verify(pk, "GEM", 3, sig), 0);
	assert_int_equal(gs_sign_seed_keypair(seed, pk2, sk), 0);
	assert_memory_equal(pk2, pk, GS_PK_LEN);
	seed[0] ^= 1;
	assert_int_equal(gs_sign_seed_keypair(seed, pk2, sk), 0);
	assert_memory_not_equal(pk2, pk, GS_PK_LEN);
	gs_secure_free(sk);
}

static void
test_seal_open(void **state)
{
	static const char pt[] = "atelier peinture, 6 places";
	static const char ad[] = "change-id-0001";
	uint8_t key[GS_KEY_LEN], key2[GS_KEY_LEN];
	uint8_t ct[sizeof(pt) + GS_SEAL_OVERHEAD];
	uint8_t ct2[sizeof(pt) + GS_SEAL_OVERHEAD];
	uint8_t out[sizeof(pt)];

	(void)state;
	gs_random(key, sizeof(key));
	gs_random(key2, sizeof(key2));
	assert_int_equal(gs_seal(key, ad, sizeof(ad), pt, sizeof(pt), ct), 0);
	/* The plaintext does not appear in the output. */
	assert_null(memmem(ct, sizeof(ct), pt, 8));
	assert_int_equal(gs_open(key, ad, sizeof(ad), ct, sizeof(ct), out), 0);
	assert_memory_equal(out, pt, sizeof(pt));

	/* Fresh nonce each time: two seals differ. */
	assert_int_equal(gs_seal(key, ad, sizeof(ad), pt, sizeof(pt), ct2), 0);
	assert_memory_not_equal(ct, ct2, sizeof(ct));

	memset(out, 0x55, sizeof(out));
	assert_int_equal(gs_open(key2, ad, sizeof(ad), ct, sizeof(ct), out),
	    GS_ECRYPTO);
	/* A failed open leaves no plaintext behind. */
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(gs_open(key, "change-id-0002", sizeof(ad), ct,
	    sizeof(ct), out), GS_ECRYPTO);
	assert_int_equal(gs_open(key, ad, sizeof(ad) - 1, ct, sizeof(ct),
	    out), GS_ECRYPTO);
	assert_int_equal(gs_open(key, NULL, 0, ct, sizeof(ct), out),
	    GS_ECRYPTO);

	/* Any flipped byte (nonce, ciphertext or tag) is caught. */
	for (size_t i = 0; i < sizeof(ct); i++) {
		memcpy(ct2, ct, sizeof(ct));
		ct2[i] ^= 0x01;
		assert_int_equal(gs_open(key, ad, sizeof(ad), ct2,
		    sizeof(ct2), out), GS_ECRYPTO);
	}
	/* Too short to hold a nonce and a tag. */
	assert_int_equal(gs_open(key, ad, sizeof(ad), ct,
	    GS_SEAL_OVERHEAD - 1, out), GS_EINVAL);
	/* Truncated ciphertext. */
	assert_int_equal(gs_open(key, ad, sizeof(ad), ct, sizeof(ct) - 1,
	    out), GS_ECRYPTO);
}

static void
test_seal_empty(void **state)
{
	uint8_t key[GS_KEY_LEN];
	uint8_t ct[GS_SEAL_OVERHEAD];
	uint8_t out[1];

	(void)state;
	gs_random(key, sizeof(key));
	assert_int_equal(gs_seal(key, "x", 1, "", 0, ct), 0);
	assert_int_equal(gs_open(key, "x", 1, ct, sizeof(ct), out), 0);
	assert_int_equal(gs_open(key, "y", 1, ct, sizeof(ct), out),
	    GS_ECRYPTO);
}

static void
test_hash_known(void **state)
{
	uint8_t want[GS_HASH_LEN], got[GS_HASH_LEN];

	(void)state;
	/* BLAKE2b-256 known answers (unkeyed). */
	hex_to_bytes("bddd813c634239723171ef3fee98579b"
	    "94964e3bb1cb3e427262c8c068d52319", want, sizeof(want));
	gs_hash("abc", 3, got, sizeof(got));
	assert_memory_equal(got, want, GS_HASH_LEN);

	hex_to_bytes("0e5751c026e543b2e8ab2eb06099daa1"
	    "d1e5df47778f7787faab45cdf12fe3a8", want, sizeof(want));
	gs_hash("", 0, got, sizeof(got));
	assert_memory_equal(got, want, GS_HASH_LEN);
}

static void
test_hashv(void **state)
{
	uint8_t a[GS_HASH_LEN], b[GS_HASH_LEN], c[GS_HASH_LEN];
	struct gs_iov parts[3] = {
		{ "hello", 5 }, { "", 0 }, { " world", 6 },
	};
	struct gs_iov other[2] = { { "hello", 5 }, { " worle", 6 } };

	(void)state;
	gs_hash("hello world", 11, a, sizeof(a));
	gs_hashv(parts, 3, b, sizeof(b));
	assert_memory_equal(a, b, GS_HASH_LEN);
	gs_hashv(other, 2, c, sizeof(c));
	assert_memory_not_equal(a, c, GS_HASH_LEN);

	/* Output length is part of BLAKE2b's parameters: not a prefix. */
	uint8_t l64[64];
	gs_hash("hello world", 11, l64, sizeof(l64));
	assert_memory_not_equal(l64, a, GS_HASH_LEN);
}

static void
test_pwhash(void **state)
{
	uint8_t salt[GS_SALT_LEN] = { 1, 2, 3 };
	uint8_t k1[GS_KEY_LEN], k2[GS_KEY_LEN], k3[GS_KEY_LEN];

	(void)state;
	/* Small limits keep the test quick; behaviour is the same. */
	assert_int_equal(gs_pwhash(k1, sizeof(k1), "secret", 6, salt, 1,
	    8192 * 4), 0);
	assert_int_equal(gs_pwhash(k2, sizeof(k2), "secret", 6, salt, 1,
	    8192 * 4), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	assert_int_equal(gs_pwhash(k3, sizeof(k3), "secreT", 6, salt, 1,
	    8192 * 4), 0);
	assert_memory_not_equal(k1, k3, sizeof(k1));
	salt[0] ^= 1;
	assert_int_equal(gs_pwhash(k3, sizeof(k3), "secret", 6, salt, 1,
	    8192 * 4), 0);
	assert_memory_not_equal(k1, k3, sizeof(k1));
	/* Limits below Argon2id's minimum are refused. */
	assert_int_equal(gs_pwhash(k3, sizeof(k3), "secret", 6, salt, 0,
	    8192 * 4), GS_EINVAL);
	assert_true(gs_pwhash_opslimit() >= 1);
	assert_true(gs_pwhash_memlimit() >= 8192);
}

static void
test_curve(void **state)
{
	uint8_t pk[GS_PK_LEN], curve[GS_CURVE_LEN], curve_sk[GS_CURVE_LEN];
	uint8_t *sk = gs_secure_alloc(GS_SK_LEN);
	uint8_t bad[GS_PK_LEN];
	uint8_t zero[GS_CURVE_LEN] = { 0 };

	(void)state;
	assert_non_null(sk);
	assert_int_equal(gs_sign_keypair(pk, sk), 0);
	assert_int_equal(gs_pk_to_curve(pk, curve), 0);
	assert_int_equal(gs_sk_to_curve(sk, curve_sk), 0);
	assert_memory_not_equal(curve, zero, sizeof(zero));
	assert_memory_not_equal(curve_sk, zero, sizeof(zero));

	/* Identity point (y = 1): small order, refused. */
	memset(bad, 0, sizeof(bad));
	bad[0] = 1;
	assert_int_equal(gs_pk_to_curve(bad, curve), GS_EINVAL);
	/* All zero (y = 0): a point of order 4, refused. */
	memset(bad, 0, sizeof(bad));
	assert_int_equal(gs_pk_to_curve(bad, curve), GS_EINVAL);
	/* All 0xff: y >= p, not a canonical point encoding, refused. */
	memset(bad, 0xff, sizeof(bad));
	assert_int_equal(gs_pk_to_curve(bad, curve), GS_EINVAL);
	/* y = 2 has no x on the curve. */
	memset(bad, 0, sizeof(bad));
	bad[0] = 2;
	assert_int_equal(gs_pk_to_curve(bad, curve), GS_EINVAL);
	gs_secure_free(sk);
}

static void
test_misc(void **state)
{
	uint8_t a[32], b[32];
	uint8_t *p;

	(void)state;
	gs_random(a, sizeof(a));
	memcpy(b, a, sizeof(a));
	assert_int_equal(gs_ct_equal(a, b, sizeof(a)), 0);
	b[31] ^= 0x80;
	assert_int_equal(gs_ct_equal(a, b, sizeof(a)), -1);
	gs_wipe(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0);

	assert_int_equal(gs_random_below(0), 0);
	assert_int_equal(gs_random_below(1), 0);
	for (int i = 0; i < 1000; i++)
		assert_true(gs_random_below(7) < 7);

	p = gs_secure_alloc(100);
	assert_non_null(p);
	memset(p, 0xaa, 100);
	gs_secure_free(p);
	gs_secure_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_seed_keypair),
		cmocka_unit_test(test_seal_open),
		cmocka_unit_test(test_seal_empty),
		cmocka_unit_test(test_hash_known),
		cmocka_unit_test(test_hashv),
		cmocka_unit_test(test_pwhash),
		cmocka_unit_test(test_curve),
		cmocka_unit_test(test_misc),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
