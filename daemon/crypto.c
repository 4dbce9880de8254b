/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * crypto.c: thin wrappers over libsodium, the only file of gemsync that
 * includes sodium.h. Each wrapper maps libsodium's return values onto the
 * GS_E* codes and keeps secrets out of ordinary memory where it can: the
 * callers hold secret keys in gs_secure_alloc() buffers, and every failed
 * decryption wipes its output so that no partial plaintext escapes.
 */
#include "crypto.h"

#include <assert.h>
#include <sodium.h>

#include "err.h"
#include "log.h"

/* The constants of crypto.h must agree with libsodium's. */
_Static_assert(GS_PK_LEN == crypto_sign_PUBLICKEYBYTES, "pk length");
_Static_assert(GS_SK_LEN == crypto_sign_SECRETKEYBYTES, "sk length");
_Static_assert(GS_SIG_LEN == crypto_sign_BYTES, "signature length");
_Static_assert(GS_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "aead key length");
_Static_assert(GS_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    "aead nonce length");
_Static_assert(GS_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
    "aead tag length");
_Static_assert(GS_SALT_LEN == crypto_pwhash_SALTBYTES, "salt length");
_Static_assert(GS_CURVE_LEN == crypto_scalarmult_curve25519_BYTES,
    "x25519 length");

int
gs_crypto_init(void)
{
	int ret = GS_ECRYPTO;

	/* sodium_init() returns 1 when already initialised: not an error. */
	if (sodium_init() < 0) {
		log_error("crypto: libsodium initialisation failed");
		goto out;
	}
	ret = 0;
out:
	return ret;
}

void
gs_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

uint32_t
gs_random_below(uint32_t upper)
{
	if (upper == 0)
		return 0;
	return randombytes_uniform(upper);
}

void *
gs_secure_alloc(size_t len)
{
	return sodium_malloc(len);
}

void
gs_secure_free(void *p)
{
	/* sodium_free() wipes the region before unmapping it; NULL is fine. */
	sodium_free(p);
}

void
gs_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

int
gs_ct_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0 ? 0 : -1;
}

int
gs_sign_keypair(uint8_t pk[GS_PK_LEN], uint8_t *sk)
{
	int ret = GS_ECRYPTO;

	if (crypto_sign_keypair(pk, sk) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

int
gs_sign_seed_keypair(const uint8_t seed[32], uint8_t pk[GS_PK_LEN],
    uint8_t *sk)
{
	int ret = GS_ECRYPTO;

	if (crypto_sign_seed_keypair(pk, sk, seed) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

void
gs_sk_to_pk(const uint8_t *sk, uint8_t pk[GS_PK_LEN])
{
	(void)crypto_sign_ed25519_sk_to_pk(pk, sk);
}

int
gs_sign(const uint8_t *sk, const void *msg, size_t len,
    uint8_t sig[GS_SIG_LEN])
{
	int ret = GS_ECRYPTO;

	if (crypto_sign_detached(sig, NULL, msg, len, sk) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

int
gs_verify(const uint8_t pk[GS_PK_LEN], const void *msg, size_t len,
    const uint8_t sig[GS_SIG_LEN])
{
	int ret = GS_EBADSIG;

	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

void
gs_hash(const void *msg, size_t len, uint8_t *out, size_t outlen)
{
	assert(outlen >= crypto_generichash_BYTES_MIN &&
	    outlen <= crypto_generichash_BYTES_MAX);
	(void)crypto_generichash(out, outlen, msg, len, NULL, 0);
}

void
gs_hashv(const struct gs_iov *parts, size_t n, uint8_t *out, size_t outlen)
{
	crypto_generichash_state st;

	assert(outlen >= crypto_generichash_BYTES_MIN &&
	    outlen <= crypto_generichash_BYTES_MAX);
	(void)crypto_generichash_init(&st, NULL, 0, outlen);
	for (size_t i = 0; i < n; i++)
		(void)crypto_generichash_update(&st, parts[i].base,
		    parts[i].len);
	(void)crypto_generichash_final(&st, out, outlen);
	sodium_memzero(&st, sizeof(st));
}

void
gs_mac(const uint8_t *key, size_t keylen, const struct gs_iov *parts,
    size_t n, uint8_t *out, size_t outlen)
{
	crypto_generichash_state st;

	assert(outlen >= crypto_generichash_BYTES_MIN &&
	    outlen <= crypto_generichash_BYTES_MAX);
	assert(keylen >= crypto_generichash_KEYBYTES_MIN &&
	    keylen <= crypto_generichash_KEYBYTES_MAX);
	(void)crypto_generichash_init(&st, key, keylen, outlen);
	for (size_t i = 0; i < n; i++)
		(void)crypto_generichash_update(&st, parts[i].base,
		    parts[i].len);
	(void)crypto_generichash_final(&st, out, outlen);
	sodium_memzero(&st, sizeof(st));
}

int
gs_seal(const uint8_t key[GS_KEY_LEN], const void *ad, size_t adlen,
    const void *pt, size_t ptlen, uint8_t *out)
{
	int ret = GS_ECRYPTO;
	unsigned long long clen = 0;

	if (ptlen > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX) {
		ret = GS_EINVAL;
		goto out;
	}
	/* 192-bit random nonces never collide in practice. */
	randombytes_buf(out, GS_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + GS_NONCE_LEN,
	    &clen, pt, ptlen, ad, adlen, NULL, out, key) != 0)
		goto out;
	assert(clen == ptlen + GS_TAG_LEN);
	ret = 0;
out:
	return ret;
}

int
gs_open(const uint8_t key[GS_KEY_LEN], const void *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	int ret = GS_EINVAL;
	unsigned long long mlen = 0;

	if (ctlen < GS_SEAL_OVERHEAD)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL,
	    ct + GS_NONCE_LEN, ctlen - GS_NONCE_LEN, ad, adlen, ct,
	    key) != 0) {
		sodium_memzero(out, ctlen - GS_SEAL_OVERHEAD);
		ret = GS_ECRYPTO;
		goto out;
	}
	ret = 0;
out:
	return ret;
}

int
gs_pwhash(uint8_t *key, size_t keylen, const char *pass, size_t passlen,
    const uint8_t salt[GS_SALT_LEN], uint64_t opslimit, size_t memlimit)
{
	int ret = GS_EINVAL;

	/*
	 * Limits may come from a file; refuse those libsodium would refuse
	 * anyway, so that only a real allocation failure reads as GS_ENOMEM.
	 */
	if (keylen < crypto_pwhash_BYTES_MIN ||
	    keylen > crypto_pwhash_BYTES_MAX ||
	    passlen > crypto_pwhash_PASSWD_MAX ||
	    opslimit < crypto_pwhash_OPSLIMIT_MIN ||
	    opslimit > crypto_pwhash_OPSLIMIT_MAX ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN ||
	    memlimit > crypto_pwhash_MEMLIMIT_MAX)
		goto out;
	if (crypto_pwhash(key, keylen, pass, passlen, salt, opslimit,
	    memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(key, keylen);
		log_warnx("crypto: argon2id could not get %zu bytes of memory",
		    memlimit);
		ret = GS_ENOMEM;
		goto out;
	}
	ret = 0;
out:
	return ret;
}

uint64_t
gs_pwhash_opslimit(void)
{
	return crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
}

size_t
gs_pwhash_memlimit(void)
{
	return crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
}

int
gs_pk_to_curve(const uint8_t ed_pk[GS_PK_LEN], uint8_t curve[GS_CURVE_LEN])
{
	int ret = GS_EINVAL;

	/* libsodium refuses small-order and off-subgroup points. */
	if (crypto_sign_ed25519_pk_to_curve25519(curve, ed_pk) != 0) {
		sodium_memzero(curve, GS_CURVE_LEN);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

int
gs_sk_to_curve(const uint8_t *ed_sk, uint8_t *curve_sk)
{
	int ret = GS_ECRYPTO;

	if (crypto_sign_ed25519_sk_to_curve25519(curve_sk, ed_sk) != 0) {
		sodium_memzero(curve_sk, GS_CURVE_LEN);
		goto out;
	}
	ret = 0;
out:
	return ret;
}
