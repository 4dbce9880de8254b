/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * vault.c: the storage key and the sealing of bodies at rest.
 *
 * Key file formats (all created exclusively, mode 0600):
 *   raw:        "GSV1" 0x00 key[32]                                (37 bytes)
 *   passphrase: "GSV1" 0x01 salt[16] opslimit[8 LE] memlimit[8 LE]
 *               sealed_key[32 + GS_SEAL_OVERHEAD]                 (109 bytes)
 * In the passphrase form the key is sealed under an Argon2id key derived
 * from the passphrase, with the 37 header bytes as associated data, so the
 * salt and limits cannot be altered without the open failing. The storage
 * key lives in guarded memory; the derived key is wiped as soon as used.
 * The same wrapping seals the site's signing key (identity.c, "GSK2").
 */
#include "vault.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "zip.h"

#define VAULT_MAGIC "GSV1"
#define VAULT_MAGIC_LEN 4
#define KIND_RAW 0
#define KIND_PASS 1
#define RAW_LEN (VAULT_MAGIC_LEN + 1 + GS_KEY_LEN)
#define PASS_HDR_LEN GS_WRAP_HDR_LEN
#define PASS_LEN (PASS_HDR_LEN + GS_KEY_LEN + GS_SEAL_OVERHEAD)
#define FILE_MAX PASS_LEN
_Static_assert(GS_WRAP_LEN(GS_KEY_LEN) == PASS_LEN, "wrap layout");

/*
 * Bounds on the Argon2id limits read from a key file: beyond them the
 * file is taken as damaged rather than letting it ask for, say, 16 TiB.
 */
#define OPS_MAX 64
#define MEM_MAX ((uint64_t)1 << 31)

static const char keycheck_pt[] = "gemsync storage key check v1";
static const char keycheck_ad[] = "gemsync-keycheck";
#define KEYCHECK_PT_LEN (sizeof(keycheck_pt) - 1)
#define KEYCHECK_AD_LEN (sizeof(keycheck_ad) - 1)

struct gs_vault {
	uint8_t *key;           /* GS_KEY_LEN bytes, guarded memory */
	struct gs_zip *zip;     /* packs what gs_vault_seal_packed seals */
};

static void
put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/*
 * What create and open share: the vault being built (with guarded room
 * for the key) and guarded room for the key file's bytes (FILE_MAX).
 * with_vault() owns it around one step.
 */
struct vault_work {
	const char *path;          /* the key file */
	const char *passphrase;    /* NULL or "": none */
	struct gs_vault *v;
	uint8_t *buf;
};

/* Runs step (create or open) on a fresh vault_work; *out on success. */
static int
with_vault(const char *path, const char *passphrase,
    int (*step)(struct vault_work *), struct gs_vault **out)
{
	struct vault_work w = { path, passphrase, NULL, NULL };
	int ret = GS_ENOMEM;

	*out = NULL;
	w.v = calloc(1, sizeof(*w.v));
	w.buf = gs_secure_alloc(FILE_MAX);
	if (w.v == NULL || w.buf == NULL ||
	    (w.v->key = gs_secure_alloc(GS_KEY_LEN)) == NULL ||
	    (w.v->zip = gs_zip_new()) == NULL)
		goto out;
	ret = step(&w);
	if (ret != 0)
		goto out;
	*out = w.v;
	w.v = NULL;
out:
	gs_secure_free(w.buf);
	gs_vault_destroy(&w.v);
	return ret;
}

/* The salt and Argon2id limits that end a passphrase header. */
#define SALT_LIMITS_LEN (GS_SALT_LEN + 8 + 8)

/* Whether the limits after salt are ones a key file may ask for. */
static bool
limits_ok(const uint8_t *salt)
{
	uint64_t ops = get_le64(salt + GS_SALT_LEN);
	uint64_t mem = get_le64(salt + GS_SALT_LEN + 8);

	return ops != 0 && ops <= OPS_MAX && mem != 0 && mem <= MEM_MAX;
}

/*
 * Seals secret (len bytes) under an Argon2id key derived from pass: buf
 * starts with a header of hdrlen bytes whose last SALT_LIMITS_LEN, the
 * salt and limits, are written here; the header is the associated data,
 * and the sealed secret follows it.
 */
static int
pass_seal(uint8_t *buf, size_t hdrlen, const uint8_t *secret, size_t len,
    const char *pass)
{
	uint8_t *kek = gs_secure_alloc(GS_KEY_LEN);
	uint8_t *salt = buf + hdrlen - SALT_LIMITS_LEN;
	uint64_t ops = gs_pwhash_opslimit();
	size_t mem = gs_pwhash_memlimit();
	int ret;

	if (kek == NULL)
		return GS_ENOMEM;
	gs_random(salt, GS_SALT_LEN);
	put_le64(salt + GS_SALT_LEN, ops);
	put_le64(salt + GS_SALT_LEN + 8, (uint64_t)mem);
	ret = gs_pwhash(kek, GS_KEY_LEN, pass, strlen(pass), salt, ops, mem);
	if (ret == 0)
		ret = gs_seal(kek, buf, hdrlen, secret, len, buf + hdrlen);
	gs_secure_free(kek);
	return ret;
}

/*
 * Opens what pass_seal made of a len-byte secret into secret: 0,
 * GS_EBADKEY (a wrong passphrase, or altered bytes), GS_ECORRUPT
 * (unreasonable limits), GS_ENOMEM.
 */
static int
pass_open(const uint8_t *buf, size_t hdrlen, size_t len, const char *pass,
    uint8_t *secret)
{
	const uint8_t *salt = buf + hdrlen - SALT_LIMITS_LEN;
	uint8_t *kek;
	int ret;

	if (!limits_ok(salt))
		return GS_ECORRUPT;
	if ((kek = gs_secure_alloc(GS_KEY_LEN)) == NULL)
		return GS_ENOMEM;
	ret = gs_pwhash(kek, GS_KEY_LEN, pass, strlen(pass), salt,
	    get_le64(salt + GS_SALT_LEN),
	    (size_t)get_le64(salt + GS_SALT_LEN + 8));
	if (ret == GS_EINVAL)
		ret = GS_ECORRUPT;
	/* failure here means a wrong passphrase (or a tampered header) */
	if (ret == 0 && gs_open(kek, buf, hdrlen, buf + hdrlen,
	    len + GS_SEAL_OVERHEAD, secret) != 0)
		ret = GS_EBADKEY;
	gs_secure_free(kek);
	return ret;
}

int
gs_vault_wrap(const char magic[4], const uint8_t *secret, size_t len,
    const char *pass, uint8_t *buf)
{
	memcpy(buf, magic, VAULT_MAGIC_LEN);
	buf[VAULT_MAGIC_LEN] = KIND_PASS;
	return pass_seal(buf, PASS_HDR_LEN, secret, len, pass);
}

int
gs_vault_unwrap(const uint8_t *buf, size_t len, const char *pass,
    uint8_t *secret)
{
	int ret = pass_open(buf, PASS_HDR_LEN, len, pass, secret);

	if (ret == GS_ECORRUPT)
		log_warnx("vault: key file has unreasonable argon2id limits");
	return ret;
}

/* A new random key, written raw or wrapped by the passphrase. */
static int
create_step(struct vault_work *w)
{
	size_t len;
	int ret;

	gs_random(w->v->key, GS_KEY_LEN);
	if (w->passphrase != NULL && w->passphrase[0] != '\0') {
		ret = gs_vault_wrap(VAULT_MAGIC, w->v->key, GS_KEY_LEN,
		    w->passphrase, w->buf);
		if (ret != 0)
			return ret;
		len = PASS_LEN;
	} else {
		memcpy(w->buf, VAULT_MAGIC, VAULT_MAGIC_LEN);
		w->buf[VAULT_MAGIC_LEN] = KIND_RAW;
		memcpy(w->buf + VAULT_MAGIC_LEN + 1, w->v->key, GS_KEY_LEN);
		len = RAW_LEN;
	}
	return gs_keyfile_create(w->path, w->buf, len);
}

/* The key read back from its file, unwrapped by the passphrase if so. */
static int
open_step(struct vault_work *w)
{
	const char *path = w->path, *passphrase = w->passphrase;
	uint8_t *buf = w->buf;
	size_t len = 0;
	int ret;

	ret = gs_keyfile_read(path, buf, FILE_MAX, &len);
	if (ret != 0)
		return ret;
	if (len < VAULT_MAGIC_LEN + 1 ||
	    memcmp(buf, VAULT_MAGIC, VAULT_MAGIC_LEN) != 0) {
		log_warnx("vault: %s is not a storage key file", path);
		return GS_ECORRUPT;
	}
	if (buf[VAULT_MAGIC_LEN] == KIND_RAW && len == RAW_LEN) {
		if (passphrase != NULL && passphrase[0] != '\0')
			log_warnx("vault: %s is not passphrase-protected, "
			    "passphrase ignored", path);
		memcpy(w->v->key, buf + VAULT_MAGIC_LEN + 1, GS_KEY_LEN);
		return 0;
	}
	if (buf[VAULT_MAGIC_LEN] == KIND_PASS && len == PASS_LEN) {
		if (passphrase == NULL || passphrase[0] == '\0') {
			log_warnx("vault: %s needs a passphrase", path);
			return GS_EBADKEY;
		}
		ret = gs_vault_unwrap(buf, GS_KEY_LEN, passphrase, w->v->key);
		if (ret == GS_EBADKEY)
			log_warnx("vault: wrong passphrase for %s", path);
		return ret;
	}
	log_warnx("vault: %s has an unknown layout", path);
	return GS_ECORRUPT;
}

int
gs_vault_create(const char *path, const char *passphrase,
    struct gs_vault **out)
{
	return with_vault(path, passphrase, create_step, out);
}

int
gs_vault_open(const char *path, const char *passphrase,
    struct gs_vault **out)
{
	return with_vault(path, passphrase, open_step, out);
}

void
gs_vault_destroy(struct gs_vault **v)
{
	if (v == NULL || *v == NULL)
		return;
	gs_secure_free((*v)->key);
	gs_zip_free((*v)->zip);
	free(*v);
	*v = NULL;
}

int
gs_vault_seal(const struct gs_vault *v, const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen)
{
	int ret = GS_ETOOBIG;
	uint8_t *ct = NULL;

	*out = NULL;
	*outlen = 0;
	if (ptlen > SIZE_MAX - GS_SEAL_OVERHEAD)
		goto out;
	ret = GS_ENOMEM;
	ct = malloc(ptlen + GS_SEAL_OVERHEAD);
	if (ct == NULL)
		goto out;
	ret = gs_seal(v->key, ad, adlen, pt, ptlen, ct);
	if (ret != 0)
		goto out;
	*out = ct;
	*outlen = ptlen + GS_SEAL_OVERHEAD;
	ct = NULL;
out:
	free(ct);
	return ret;
}

int
gs_vault_unseal(const struct gs_vault *v, const uint8_t *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t **out, size_t *outlen)
{
	int ret = GS_ECORRUPT;
	uint8_t *pt = NULL;
	size_t ptlen;

	*out = NULL;
	*outlen = 0;
	if (ctlen < GS_SEAL_OVERHEAD)
		goto out;
	ptlen = ctlen - GS_SEAL_OVERHEAD;
	ret = GS_ENOMEM;
	/* At least one byte, so an empty body is not a NULL from malloc. */
	pt = malloc(ptlen > 0 ? ptlen : 1);
	if (pt == NULL)
		goto out;
	ret = GS_ECORRUPT;
	if (gs_open(v->key, ad, adlen, ct, ctlen, pt) != 0)
		goto out;
	*out = pt;
	*outlen = ptlen;
	pt = NULL;
	ret = 0;
out:
	free(pt);
	return ret;
}

struct gs_zip *
gs_vault_zip(const struct gs_vault *v)
{
	return v->zip;
}

int
gs_vault_seal_packed(const struct gs_vault *v, const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t ptlen, uint8_t **out,
    size_t *outlen)
{
	uint8_t *packed = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	*outlen = 0;
	ret = gs_zip_pack(v->zip, pt, ptlen, &packed, &len);
	if (ret != 0)
		return ret;
	if (packed == NULL)
		return gs_vault_seal(v, ad, adlen, pt, ptlen, out, outlen);
	ret = gs_vault_seal(v, ad, adlen, packed, len, out, outlen);
	gs_wipe(packed, len);
	free(packed);
	return ret;
}

int
gs_vault_unseal_packed(const struct gs_vault *v, const uint8_t *ad,
    size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t **out,
    size_t *outlen)
{
	uint8_t *pt = NULL, *msg = NULL;
	size_t len = 0, msglen = 0;
	int ret;

	ret = gs_vault_unseal(v, ad, adlen, ct, ctlen, &pt, &len);
	if (ret != 0)
		return ret;
	ret = gs_zip_unpack(v->zip, pt, len, &msg, &msglen);
	if (ret != 0 || msg != NULL) {
		gs_wipe(pt, len);
		free(pt);
		pt = msg;
		len = msglen;
	}
	*out = ret == 0 ? pt : NULL;
	*outlen = ret == 0 ? len : 0;
	return ret;
}

int
gs_vault_keycheck_make(const struct gs_vault *v, uint8_t **out,
    size_t *outlen)
{
	return gs_vault_seal(v, (const uint8_t *)keycheck_ad, KEYCHECK_AD_LEN,
	    (const uint8_t *)keycheck_pt, KEYCHECK_PT_LEN, out, outlen);
}

int
gs_vault_keycheck_verify(const struct gs_vault *v, const uint8_t *kc,
    size_t kclen)
{
	int ret = GS_EBADKEY;
	uint8_t pt[KEYCHECK_PT_LEN];

	if (kc == NULL || kclen != KEYCHECK_PT_LEN + GS_SEAL_OVERHEAD)
		goto out;
	if (gs_open(v->key, keycheck_ad, KEYCHECK_AD_LEN, kc, kclen, pt) != 0)
		goto out;
	if (memcmp(pt, keycheck_pt, KEYCHECK_PT_LEN) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

/* ---- any small secret sealed under a passphrase ---- */

#define PASSBLOB_MAGIC "GSP1"
#define PASSBLOB_HDR_LEN (4 + GS_SALT_LEN + 8 + 8)

int
gs_vault_pass_seal(const char *passphrase, const uint8_t *pt, size_t len,
    uint8_t **out, size_t *outlen)
{
	uint8_t *buf;
	int ret;

	*out = NULL;
	*outlen = 0;
	if (passphrase == NULL || passphrase[0] == '\0')
		return GS_EINVAL;
	if (len > GS_VAULT_PASS_MAX)
		return GS_ETOOBIG;
	buf = malloc(PASSBLOB_HDR_LEN + len + GS_SEAL_OVERHEAD);
	if (buf == NULL)
		return GS_ENOMEM;
	memcpy(buf, PASSBLOB_MAGIC, 4);
	ret = pass_seal(buf, PASSBLOB_HDR_LEN, pt, len, passphrase);
	if (ret != 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = PASSBLOB_HDR_LEN + len + GS_SEAL_OVERHEAD;
	return 0;
}

int
gs_vault_pass_open(const char *passphrase, const uint8_t *ct, size_t len,
    uint8_t **out, size_t *outlen)
{
	uint8_t *pt;
	size_t ptlen;
	int ret;

	*out = NULL;
	*outlen = 0;
	if (len < PASSBLOB_HDR_LEN + GS_SEAL_OVERHEAD ||
	    len > PASSBLOB_HDR_LEN + GS_SEAL_OVERHEAD + GS_VAULT_PASS_MAX ||
	    memcmp(ct, PASSBLOB_MAGIC, 4) != 0 ||
	    !limits_ok(ct + PASSBLOB_HDR_LEN - SALT_LIMITS_LEN))
		return GS_ECORRUPT;
	if (passphrase == NULL || passphrase[0] == '\0')
		return GS_EBADKEY;
	ptlen = len - PASSBLOB_HDR_LEN - GS_SEAL_OVERHEAD;
	if ((pt = gs_secure_alloc(ptlen > 0 ? ptlen : 1)) == NULL)
		return GS_ENOMEM;
	ret = pass_open(ct, PASSBLOB_HDR_LEN, ptlen, passphrase, pt);
	if (ret != 0) {
		gs_secure_free(pt);
		return ret;
	}
	*out = pt;
	*outlen = ptlen;
	return 0;
}

void
gs_vault_secret_free(uint8_t *p)
{
	gs_secure_free(p);
}
