/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vault.h: the storage key, and sealing of item bodies at rest with
 * XChaCha20-Poly1305, the change ID as associated data (DESIGN §7).
 *
 * The key file (0600) holds either the raw 32-byte key or, when the site
 * chose a passphrase, the key sealed under an Argon2id-derived key, with
 * the salt and limits next to it. A key check value stored in the database
 * lets the daemon refuse a wrong key before it touches anything.
 */
#ifndef GS_VAULT_H
#define GS_VAULT_H

#include <stddef.h>
#include <stdint.h>

struct gs_vault;
struct gs_zip;

/*
 * A secret wrapped by a passphrase: magic[4] 0x01 salt[16] opslimit[8 LE]
 * memlimit[8 LE] (GS_WRAP_HDR_LEN bytes), then the secret sealed under an
 * Argon2id key derived from the passphrase, the header as associated data.
 */
#define GS_WRAP_HDR_LEN (4 + 1 + 16 + 8 + 8)
#define GS_WRAP_LEN(len) (GS_WRAP_HDR_LEN + (len) + 24 + 16)

/*
 * Writes the wrapped form of secret (len bytes) into buf, which holds
 * GS_WRAP_LEN(len) bytes. pass is not empty. Returns 0, GS_ENOMEM,
 * GS_EINVAL.
 */
int gs_vault_wrap(const char magic[4], const uint8_t *secret, size_t len,
    const char *pass, uint8_t *buf);
/*
 * Recovers the len-byte secret from buf (GS_WRAP_LEN(len) bytes; the
 * caller checked its magic) into secret (guarded memory). Returns 0,
 * GS_EBADKEY (wrong passphrase), GS_ECORRUPT (unreasonable limits),
 * GS_ENOMEM.
 */
int gs_vault_unwrap(const uint8_t *buf, size_t len, const char *pass,
    uint8_t *secret);

/*
 * Creates a new random storage key and writes it to path (0600, created
 * exclusively). With a passphrase (not NULL, not empty), the key is
 * wrapped with Argon2id. Returns 0 and *out, GS_EEXISTS, GS_EIO, GS_ENOMEM.
 */
int gs_vault_create(const char *path, const char *passphrase,
    struct gs_vault **out);
/*
 * Reads the storage key from path, unwrapping it with the passphrase if
 * the file needs one. Returns 0 and *out, GS_ENOTFOUND, GS_EPERM (file
 * readable or writable by group or others), GS_EBADKEY (wrong or missing
 * passphrase), GS_ECORRUPT (not a key file), GS_EIO, GS_ENOMEM.
 */
int gs_vault_open(const char *path, const char *passphrase,
    struct gs_vault **out);
/* Wipes and frees; sets *v to NULL. Accepts NULL. */
void gs_vault_destroy(struct gs_vault **v);

/*
 * Seals pt with associated data ad (adlen bytes, the change ID). *out is
 * malloc'd (ptlen + GS_SEAL_OVERHEAD bytes), owned by the caller.
 */
int gs_vault_seal(const struct gs_vault *v, const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen);
/*
 * Opens a sealed body. *out is malloc'd, owned by the caller. Returns 0,
 * or GS_ECORRUPT when authentication fails (tampered data, wrong key or
 * wrong associated data), GS_ENOMEM.
 */
int gs_vault_unseal(const struct gs_vault *v, const uint8_t *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t **out, size_t *outlen);
/*
 * The same for an item body or state, packed first (zip.h): the sealed
 * plaintext is the message compressed with zstd behind a 0x01 byte, or
 * the message as is when that is not shorter. gs_vault_unseal_packed
 * gives the message back whichever form was stored (GS_ECORRUPT also
 * for a frame that does not decompress).
 */
/*
 * The vault's packer, for the loop thread's own use (the sealed form of a
 * body that came packed is sealed as it came: gs_vault_seal).
 */
struct gs_zip *gs_vault_zip(const struct gs_vault *v);

int gs_vault_seal_packed(const struct gs_vault *v, const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen);
int gs_vault_unseal_packed(const struct gs_vault *v, const uint8_t *ad,
    size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t **out,
    size_t *outlen);
/* A fresh key check value to store next to the data. *out malloc'd. */
int gs_vault_keycheck_make(const struct gs_vault *v, uint8_t **out,
    size_t *outlen);
/* 0 if the key check value was made with this key, GS_EBADKEY otherwise. */
int gs_vault_keycheck_verify(const struct gs_vault *v, const uint8_t *kc,
    size_t kclen);

/*
 * Seals len bytes (at most GS_VAULT_PASS_MAX) under a passphrase (not
 * empty), the same way a storage key file is: "GSP1", a 16-byte salt,
 * Argon2id opslimit and memlimit (8 bytes each, little endian), then
 * XChaCha20-Poly1305 of pt under the Argon2id key, those 36 header bytes
 * as associated data. *out is malloc'd (len + GS_VAULT_PASS_OVERHEAD
 * bytes), owned by the caller. Returns 0, GS_EINVAL, GS_ETOOBIG,
 * GS_ENOMEM, GS_ECRYPTO.
 */
#define GS_VAULT_PASS_MAX 4096
#define GS_VAULT_PASS_OVERHEAD (4 + 16 + 8 + 8 + 24 + 16)
int gs_vault_pass_seal(const char *passphrase, const uint8_t *pt, size_t len,
    uint8_t **out, size_t *outlen);
/*
 * Opens what gs_vault_pass_seal made. *out is guarded memory (free it
 * with gs_vault_secret_free), owned by the caller. Returns 0, GS_EBADKEY
 * (wrong passphrase or altered bytes), GS_ECORRUPT (not such a blob, or
 * unreasonable limits), GS_ENOMEM.
 */
int gs_vault_pass_open(const char *passphrase, const uint8_t *ct, size_t len,
    uint8_t **out, size_t *outlen);
/* Wipes and frees what gs_vault_pass_open returned. Accepts NULL. */
void gs_vault_secret_free(uint8_t *p);

#endif
