/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * crypto.h: the only door to libsodium. Ed25519 signatures, BLAKE2b
 * hashes, XChaCha20-Poly1305 sealing, Argon2id key derivation, key
 * conversion to X25519 for CURVE, randomness and guarded secret memory.
 * Every other module uses these wrappers; only crypto.c includes sodium.h.
 */
#ifndef GS_CRYPTO_H
#define GS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define GS_PK_LEN 32         /* Ed25519 public key */
#define GS_SK_LEN 64         /* Ed25519 secret key (seed || pk) */
#define GS_SIG_LEN 64        /* Ed25519 signature */
#define GS_HASH_LEN 32       /* BLAKE2b-256 */
#define GS_KEY_LEN 32        /* XChaCha20-Poly1305 key */
#define GS_NONCE_LEN 24      /* XChaCha20 nonce */
#define GS_TAG_LEN 16        /* Poly1305 tag */
#define GS_SEAL_OVERHEAD (GS_NONCE_LEN + GS_TAG_LEN)
#define GS_SALT_LEN 16       /* Argon2id salt */
#define GS_CURVE_LEN 32      /* X25519 key */

/* One buffer of a multi-part hash input. */
struct gs_iov {
	const void *base;
	size_t len;
};

/* Initialises libsodium. Call once at start; returns 0 or GS_ECRYPTO. */
int gs_crypto_init(void);

/* Fills buf with len random bytes. */
void gs_random(void *buf, size_t len);
/* Returns a uniform random number in [0, upper) (0 if upper is 0). */
uint32_t gs_random_below(uint32_t upper);

/*
 * Guarded memory for secrets (sodium_malloc): returns NULL on failure.
 * gs_secure_free wipes and frees; it accepts NULL.
 */
void *gs_secure_alloc(size_t len);
void gs_secure_free(void *p);
/* Wipes len bytes at p so that the compiler cannot elide it. */
void gs_wipe(void *p, size_t len);
/* Constant-time comparison: 0 when equal, -1 otherwise. */
int gs_ct_equal(const void *a, const void *b, size_t len);

/* Makes an Ed25519 key pair; sk must be GS_SK_LEN bytes (secure memory). */
int gs_sign_keypair(uint8_t pk[GS_PK_LEN], uint8_t *sk);
/*
 * Makes the Ed25519 key pair of a 32-byte seed (the same seed always gives
 * the same pair: test and benchmark tools use it for reproducible keys).
 */
int gs_sign_seed_keypair(const uint8_t seed[32], uint8_t pk[GS_PK_LEN],
    uint8_t *sk);
/* Extracts the public key of a secret key. */
void gs_sk_to_pk(const uint8_t *sk, uint8_t pk[GS_PK_LEN]);
/* Detached Ed25519 signature of msg. Returns 0 or GS_ECRYPTO. */
int gs_sign(const uint8_t *sk, const void *msg, size_t len,
    uint8_t sig[GS_SIG_LEN]);
/* Verifies a detached signature: 0 if valid, GS_EBADSIG otherwise. */
int gs_verify(const uint8_t pk[GS_PK_LEN], const void *msg, size_t len,
    const uint8_t sig[GS_SIG_LEN]);

/* BLAKE2b of msg into out (outlen from 16 to 64). */
void gs_hash(const void *msg, size_t len, uint8_t *out, size_t outlen);
/* BLAKE2b of the concatenation of n parts into out (outlen 16..64). */
void gs_hashv(const struct gs_iov *parts, size_t n, uint8_t *out,
    size_t outlen);

/*
 * Keyed BLAKE2b (a MAC) of the concatenation of n parts into out
 * (outlen 16..64; keylen 16..64).
 */
void gs_mac(const uint8_t *key, size_t keylen, const struct gs_iov *parts,
    size_t n, uint8_t *out, size_t outlen);

/*
 * Seals pt under key with XChaCha20-Poly1305 and a fresh random nonce,
 * binding ad. out must hold ptlen + GS_SEAL_OVERHEAD bytes and receives
 * nonce || ciphertext || tag. Returns 0 or GS_ECRYPTO.
 */
int gs_seal(const uint8_t key[GS_KEY_LEN], const void *ad, size_t adlen,
    const void *pt, size_t ptlen, uint8_t *out);
/*
 * Opens what gs_seal produced. out must hold ctlen - GS_SEAL_OVERHEAD
 * bytes. Returns 0, GS_EINVAL if ctlen is too short, or GS_ECRYPTO if the
 * key, the associated data or the ciphertext is wrong (out is then wiped).
 */
int gs_open(const uint8_t key[GS_KEY_LEN], const void *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *out);

/*
 * Derives keylen bytes from a passphrase with Argon2id. Returns 0 or
 * GS_ENOMEM when the memory limit cannot be met.
 */
int gs_pwhash(uint8_t *key, size_t keylen, const char *pass, size_t passlen,
    const uint8_t salt[GS_SALT_LEN], uint64_t opslimit, size_t memlimit);
/* Argon2id limits fit for a small machine (libsodium INTERACTIVE). */
uint64_t gs_pwhash_opslimit(void);
size_t gs_pwhash_memlimit(void);

/*
 * Converts an Ed25519 public key to X25519 (for CURVE). Returns 0, or
 * GS_EINVAL when the key is not a valid curve point.
 */
int gs_pk_to_curve(const uint8_t ed_pk[GS_PK_LEN], uint8_t curve[GS_CURVE_LEN]);
/* Converts an Ed25519 secret key to an X25519 secret key. */
int gs_sk_to_curve(const uint8_t *ed_sk, uint8_t *curve_sk);

#endif
