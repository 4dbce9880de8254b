/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_vault.c: unit tests for the key files: the site identity
 * (identity.c) and the storage key (vault.c), each in a fresh temporary
 * directory. They check round trips, exclusive creation, the refusal of
 * loose permissions and damaged files, passphrase wrapping, and that
 * sealed bodies only open with the right key and associated data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "identity.h"
#include "siteid.h"
#include "vault.h"

struct fixture {
	char dir[64];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || gs_crypto_init() != 0) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/gs-test-vault-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void
remove_if_exists(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	static const char *names[] = {
		"site.key", "site.id", "storage.key", "other.key", "pass.key",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		remove_if_exists(f->dir, names[i]);
	if (rmdir(f->dir) != 0)
		return -1;
	free(f);
	return 0;
}

static char *
path_in(const struct fixture *f, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
	return p;
}

/* Reads a whole small file into buf; returns its length. */
static size_t
slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	return n;
}

static void
spew(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "r+b");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
}

static void
test_identity_round_trip(void **state)
{
	struct fixture *f = *state;
	struct gs_identity *a = NULL, *b = NULL;
	char *key = path_in(f, "site.key");
	char *idp = path_in(f, "site.id");
	struct stat st;
	char line[128];
	uint8_t sig[GS_SIG_LEN], parsed[GS_PK_LEN];
	FILE *fp;

	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_ENOTFOUND);
	assert_null(a);
	assert_int_equal(gs_identity_create(f->dir, NULL, &a), 0);
	assert_non_null(a);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 68);

	/* site.id is the ID text and a newline, and parses back to pk. */
	fp = fopen(idp, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_int_equal(strlen(line), GS_SITEID_LEN + 1);
	assert_int_equal(line[GS_SITEID_LEN], '\n');
	assert_int_equal(strncmp(line, gs_identity_siteid(a), GS_SITEID_LEN),
	    0);
	assert_int_equal(gs_siteid_parse(line, parsed), 0);
	assert_memory_equal(parsed, gs_identity_pk(a), GS_PK_LEN);

	assert_int_equal(gs_identity_load(f->dir, NULL, &b), 0);
	assert_non_null(b);
	assert_memory_equal(gs_identity_pk(a), gs_identity_pk(b), GS_PK_LEN);
	assert_memory_equal(gs_identity_sk(a), gs_identity_sk(b), GS_SK_LEN);
	assert_string_equal(gs_identity_siteid(a), gs_identity_siteid(b));

	/* The loaded key signs for the created public key. */
	assert_int_equal(gs_sign(gs_identity_sk(b), "hi", 2, sig), 0);
	assert_int_equal(gs_verify(gs_identity_pk(a), "hi", 2, sig), 0);

	gs_identity_destroy(&a);
	gs_identity_destroy(&b);
	assert_null(a);
	gs_identity_destroy(&a);
	gs_identity_destroy(NULL);
	free(key);
	free(idp);
}

static void
test_identity_no_overwrite(void **state)
{
	struct fixture *f = *state;
	struct gs_identity *a = NULL, *b = NULL;
	char *key = path_in(f, "site.key");
	uint8_t before[128], after[128];
	size_t nb, na;

	assert_int_equal(gs_identity_create(f->dir, NULL, &a), 0);
	nb = slurp(key, before, sizeof(before));
	assert_int_equal(gs_identity_create(f->dir, NULL, &b), GS_EEXISTS);
	assert_null(b);
	na = slurp(key, after, sizeof(after));
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, nb);
	/* And the existing key still loads as the same identity. */
	assert_int_equal(gs_identity_load(f->dir, NULL, &b), 0);
	assert_memory_equal(gs_identity_pk(a), gs_identity_pk(b), GS_PK_LEN);
	gs_identity_destroy(&a);
	gs_identity_destroy(&b);
	free(key);
}

static void
test_identity_perm(void **state)
{
	struct fixture *f = *state;
	struct gs_identity *a = NULL;
	char *key = path_in(f, "site.key");

	assert_int_equal(gs_identity_create(f->dir, NULL, &a), 0);
	gs_identity_destroy(&a);
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_EPERM);
	assert_null(a);
	assert_int_equal(chmod(key, 0620), 0);
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_EPERM);
	assert_int_equal(chmod(key, 0400), 0);
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), 0);
	gs_identity_destroy(&a);
	free(key);
}

static void
test_identity_corrupt(void **state)
{
	struct fixture *f = *state;
	struct gs_identity *a = NULL;
	char *key = path_in(f, "site.key");
	uint8_t orig[68], buf[68];

	assert_int_equal(gs_identity_create(f->dir, NULL, &a), 0);
	gs_identity_destroy(&a);
	assert_int_equal(slurp(key, orig, sizeof(orig)), sizeof(orig));

	/* Bad magic. */
	memcpy(buf, orig, sizeof(buf));
	buf[0] = 'X';
	spew(key, buf, sizeof(buf));
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_ECORRUPT);
	assert_null(a);

	/* One flipped bit in the seed: the pair no longer matches. */
	memcpy(buf, orig, sizeof(buf));
	buf[4 + 5] ^= 0x01;
	spew(key, buf, sizeof(buf));
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_ECORRUPT);

	/* One flipped bit in the stored public key. */
	memcpy(buf, orig, sizeof(buf));
	buf[4 + 32 + 7] ^= 0x40;
	spew(key, buf, sizeof(buf));
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_ECORRUPT);

	/* Restored, it loads again. */
	spew(key, orig, sizeof(orig));
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), 0);
	gs_identity_destroy(&a);

	/* Truncated. */
	assert_int_equal(truncate(key, 40), 0);
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_ECORRUPT);
	/* Empty. */
	assert_int_equal(truncate(key, 0), 0);
	assert_int_equal(gs_identity_load(f->dir, NULL, &a), GS_ECORRUPT);
	assert_null(a);
	free(key);
}

/* With a passphrase the signing key is sealed: no raw key bytes on disk,
 * no load without the passphrase; a raw key is sealed on first load. */
static void
test_identity_sealed(void **state)
{
	struct fixture *f = *state;
	struct gs_identity *a = NULL, *b = NULL;
	char *key = path_in(f, "site.key");
	uint8_t buf[200], pk[32];
	size_t n;

	assert_int_equal(gs_identity_create(f->dir, "sel de mer", &a), 0);
	memcpy(pk, gs_identity_pk(a), 32);
	n = (size_t)slurp(key, buf, sizeof(buf));
	assert_int_equal(n, 4 + 1 + 16 + 16 + 64 + 40);
	assert_memory_equal(buf, "GSK2", 4);
	assert_null(memmem(buf, n, gs_identity_sk(a), 32));
	assert_null(memmem(buf, n, pk, 32));
	gs_identity_destroy(&a);
	assert_int_equal(gs_identity_load(f->dir, NULL, &b), GS_ENEEDPASS);
	assert_int_equal(gs_identity_load(f->dir, "", &b), GS_ENEEDPASS);
	assert_int_equal(gs_identity_load(f->dir, "sel de roche", &b),
	    GS_EBADKEY);
	assert_null(b);
	assert_int_equal(gs_identity_load(f->dir, "sel de mer", &b), 0);
	assert_memory_equal(gs_identity_pk(b), pk, 32);
	gs_identity_destroy(&b);

	/* a raw key (created before a passphrase was chosen) */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(gs_identity_create(f->dir, NULL, &a), 0);
	memcpy(pk, gs_identity_pk(a), 32);
	gs_identity_destroy(&a);
	assert_int_equal(slurp(key, buf, sizeof(buf)), 68);
	assert_int_equal(gs_identity_load(f->dir, "sel de mer", &b), 0);
	gs_identity_destroy(&b);
	n = (size_t)slurp(key, buf, sizeof(buf));
	assert_int_equal(n, 141);
	assert_memory_equal(buf, "GSK2", 4);
	assert_int_equal(gs_identity_load(f->dir, NULL, &b), GS_ENEEDPASS);
	assert_int_equal(gs_identity_load(f->dir, "sel de mer", &b), 0);
	assert_memory_equal(gs_identity_pk(b), pk, 32);
	gs_identity_destroy(&b);
	free(key);
}

/*
 * Key rotation on disk: site.key.next is sealed; not named by the
 * database it is removed at load (the link never committed), named it
 * becomes site.key (with site.id); a damaged one is set aside; a wrong
 * passphrase removes nothing.
 */
static void
test_identity_rotation(void **state)
{
	struct fixture *f = *state;
	struct gs_identity *a = NULL, *n = NULL, *b = NULL;
	char *next = path_in(f, "site.key.next"), *sid = path_in(f, "site.id");
	uint8_t buf[200], old[32], pk[32];
	struct stat sb;

	assert_int_equal(gs_identity_create(f->dir, "sel", &a), 0);
	memcpy(old, gs_identity_pk(a), 32);
	gs_identity_destroy(&a);
	assert_int_equal(gs_identity_create_next(f->dir, "sel", &n), 0);
	memcpy(pk, gs_identity_pk(n), 32);
	gs_identity_destroy(&n);
	assert_int_equal(slurp(next, buf, sizeof(buf)), 141);
	assert_memory_equal(buf, "GSK2", 4);
	/* a wrong passphrase: refused, nothing removed */
	assert_int_equal(gs_identity_load_current(f->dir, "poivre", pk, &b),
	    GS_EBADKEY);
	assert_int_equal(stat(next, &sb), 0);
	/* the database still names the old key: the new one goes */
	assert_int_equal(gs_identity_load_current(f->dir, "sel", old, &b), 0);
	assert_memory_equal(gs_identity_pk(b), old, 32);
	gs_identity_destroy(&b);
	assert_int_not_equal(stat(next, &sb), 0);
	/* a damaged one (a crash while writing it) goes too */
	assert_int_equal(gs_identity_create_next(f->dir, "sel", &n), 0);
	memcpy(pk, gs_identity_pk(n), 32);
	gs_identity_destroy(&n);
	assert_int_equal(truncate(next, 70), 0);
	assert_int_equal(gs_identity_load_current(f->dir, "sel", pk, &b), 0);
	assert_memory_equal(gs_identity_pk(b), old, 32);
	gs_identity_destroy(&b);
	assert_int_not_equal(stat(next, &sb), 0);
	/* ... kept aside, not deleted: it may be the only copy of the key */
	{
		char *aside = path_in(f, "site.key.next.abime");

		assert_int_equal(slurp(aside, buf, sizeof(buf)), 70);
		assert_int_equal(unlink(aside), 0);
		free(aside);
	}
	/* named by the database: it becomes the site key, site.id follows */
	assert_int_equal(gs_identity_create_next(f->dir, "sel", &n), 0);
	memcpy(pk, gs_identity_pk(n), 32);
	assert_int_equal(gs_identity_load_current(f->dir, "sel", pk, &b), 0);
	assert_memory_equal(gs_identity_pk(b), pk, 32);
	assert_int_not_equal(stat(next, &sb), 0);
	assert_true(slurp(sid, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, gs_identity_siteid(n), GS_SITEID_LEN);
	gs_identity_destroy(&b);
	gs_identity_destroy(&n);
	assert_int_equal(gs_identity_load(f->dir, "sel", &b), 0);
	assert_memory_equal(gs_identity_pk(b), pk, 32);
	gs_identity_destroy(&b);
	free(next);
	free(sid);
}

static void
test_vault_raw(void **state)
{
	struct fixture *f = *state;
	struct gs_vault *v = NULL, *w = NULL;
	char *path = path_in(f, "storage.key");
	static const uint8_t body[] = "Sortie au musee, samedi";
	static const uint8_t ad[] = "change-hash-1";
	uint8_t *ct = NULL, *pt = NULL, *kc = NULL;
	size_t ctlen = 0, ptlen = 0, kclen = 0;
	uint8_t before[256], after[256];
	struct stat st;

	assert_int_equal(gs_vault_open(path, NULL, &v), GS_ENOTFOUND);
	assert_int_equal(gs_vault_create(path, NULL, &v), 0);
	assert_non_null(v);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 37);

	/* Exclusive creation leaves the existing file alone. */
	assert_int_equal(slurp(path, before, sizeof(before)), 37);
	assert_int_equal(gs_vault_create(path, NULL, &w), GS_EEXISTS);
	assert_null(w);
	assert_int_equal(slurp(path, after, sizeof(after)), 37);
	assert_memory_equal(before, after, 37);

	assert_int_equal(gs_vault_seal(v, ad, sizeof(ad), body, sizeof(body),
	    &ct, &ctlen), 0);
	assert_int_equal(ctlen, sizeof(body) + GS_SEAL_OVERHEAD);
	assert_null(memmem(ct, ctlen, "musee", 5));
	assert_int_equal(gs_vault_keycheck_make(v, &kc, &kclen), 0);
	gs_vault_destroy(&v);
	assert_null(v);

	/* Reopened, the same key opens what was sealed. */
	assert_int_equal(gs_vault_open(path, NULL, &v), 0);
	assert_int_equal(gs_vault_unseal(v, ad, sizeof(ad), ct, ctlen, &pt,
	    &ptlen), 0);
	assert_int_equal(ptlen, sizeof(body));
	assert_memory_equal(pt, body, sizeof(body));
	free(pt);
	pt = NULL;
	assert_int_equal(gs_vault_keycheck_verify(v, kc, kclen), 0);

	/* Wrong associated data. */
	assert_int_equal(gs_vault_unseal(v, (const uint8_t *)"change-hash-2",
	    sizeof(ad), ct, ctlen, &pt, &ptlen), GS_ECORRUPT);
	assert_null(pt);
	/* Tampered ciphertext. */
	ct[GS_NONCE_LEN + 3] ^= 0x10;
	assert_int_equal(gs_vault_unseal(v, ad, sizeof(ad), ct, ctlen, &pt,
	    &ptlen), GS_ECORRUPT);
	ct[GS_NONCE_LEN + 3] ^= 0x10;
	/* Too short to be a sealed body. */
	assert_int_equal(gs_vault_unseal(v, ad, sizeof(ad), ct, 10, &pt,
	    &ptlen), GS_ECORRUPT);
	/* A mangled key check value. */
	kc[kclen - 1] ^= 1;
	assert_int_equal(gs_vault_keycheck_verify(v, kc, kclen), GS_EBADKEY);
	kc[kclen - 1] ^= 1;
	assert_int_equal(gs_vault_keycheck_verify(v, kc, kclen - 1),
	    GS_EBADKEY);

	/* Loose permissions are refused. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(gs_vault_open(path, NULL, &w), GS_EPERM);
	assert_null(w);
	assert_int_equal(chmod(path, 0600), 0);

	/* A damaged file. */
	before[0] = 'X';
	spew(path, before, 37);
	assert_int_equal(gs_vault_open(path, NULL, &w), GS_ECORRUPT);
	before[0] = 'G';
	spew(path, before, 37);
	assert_int_equal(truncate(path, 36), 0);
	assert_int_equal(gs_vault_open(path, NULL, &w), GS_ECORRUPT);
	assert_null(w);

	gs_vault_destroy(&v);
	gs_vault_destroy(NULL);
	free(ct);
	free(kc);
	free(path);
}

static void
test_vault_empty_body(void **state)
{
	struct fixture *f = *state;
	struct gs_vault *v = NULL;
	char *path = path_in(f, "storage.key");
	uint8_t *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 99;

	assert_int_equal(gs_vault_create(path, "", &v), 0);
	assert_int_equal(gs_vault_seal(v, NULL, 0, NULL, 0, &ct, &ctlen), 0);
	assert_int_equal(ctlen, GS_SEAL_OVERHEAD);
	assert_int_equal(gs_vault_unseal(v, NULL, 0, ct, ctlen, &pt, &ptlen),
	    0);
	assert_non_null(pt);
	assert_int_equal(ptlen, 0);
	free(pt);
	free(ct);
	gs_vault_destroy(&v);
	free(path);
}

/* Packed sealing: compressed inside the seal, opened back the same. */
static void
test_vault_packed(void **state)
{
	struct fixture *f = *state;
	struct gs_vault *v = NULL;
	char *path = path_in(f, "storage.key");
	static const uint8_t ad[] = "change-id";
	uint8_t body[600], *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)("atelier du mardi, "[i % 18]);
	body[0] = 0x0a;
	assert_int_equal(gs_vault_create(path, "", &v), 0);
	assert_int_equal(gs_vault_seal_packed(v, ad, sizeof(ad), body,
	    sizeof(body), &ct, &ctlen), 0);
	assert_true(ctlen < sizeof(body) / 2);
	assert_int_equal(gs_vault_unseal_packed(v, ad, sizeof(ad), ct, ctlen,
	    &pt, &ptlen), 0);
	assert_int_equal(ptlen, sizeof(body));
	assert_memory_equal(pt, body, sizeof(body));
	free(pt);
	pt = NULL;
	/* the plain unseal shows the packed form: 0x01 then a zstd frame */
	assert_int_equal(gs_vault_unseal(v, ad, sizeof(ad), ct, ctlen, &pt,
	    &ptlen), 0);
	assert_int_equal(pt[0], 0x01);
	free(pt);
	pt = NULL;
	/* the associated data still binds it */
	assert_int_equal(gs_vault_unseal_packed(v, ad, sizeof(ad) - 1, ct,
	    ctlen, &pt, &ptlen), GS_ECORRUPT);
	assert_null(pt);
	free(ct);
	/* a body sealed as is (before schema 4) opens the same way */
	assert_int_equal(gs_vault_seal(v, ad, sizeof(ad), body, sizeof(body),
	    &ct, &ctlen), 0);
	assert_int_equal(gs_vault_unseal_packed(v, ad, sizeof(ad), ct, ctlen,
	    &pt, &ptlen), 0);
	assert_int_equal(ptlen, sizeof(body));
	assert_memory_equal(pt, body, sizeof(body));
	free(pt);
	free(ct);
	gs_vault_destroy(&v);
	free(path);
}

static void
test_vault_other_key(void **state)
{
	struct fixture *f = *state;
	struct gs_vault *v = NULL, *w = NULL;
	char *p1 = path_in(f, "storage.key");
	char *p2 = path_in(f, "other.key");
	static const uint8_t ad[] = "cid";
	uint8_t *ct = NULL, *pt = NULL, *kc = NULL;
	size_t ctlen = 0, ptlen = 0, kclen = 0;

	assert_int_equal(gs_vault_create(p1, NULL, &v), 0);
	assert_int_equal(gs_vault_create(p2, NULL, &w), 0);
	assert_int_equal(gs_vault_seal(v, ad, sizeof(ad),
	    (const uint8_t *)"body", 4, &ct, &ctlen), 0);
	assert_int_equal(gs_vault_unseal(w, ad, sizeof(ad), ct, ctlen, &pt,
	    &ptlen), GS_ECORRUPT);
	assert_null(pt);
	assert_int_equal(ptlen, 0);

	assert_int_equal(gs_vault_keycheck_make(v, &kc, &kclen), 0);
	assert_int_equal(gs_vault_keycheck_verify(v, kc, kclen), 0);
	assert_int_equal(gs_vault_keycheck_verify(w, kc, kclen), GS_EBADKEY);
	/* A sealed body is not a key check value, even under the right key. */
	assert_int_equal(gs_vault_keycheck_verify(v, ct, ctlen), GS_EBADKEY);

	free(kc);
	free(ct);
	gs_vault_destroy(&v);
	gs_vault_destroy(&w);
	free(p1);
	free(p2);
}

static void
test_vault_passphrase(void **state)
{
	struct fixture *f = *state;
	struct gs_vault *v = NULL, *w = NULL;
	char *path = path_in(f, "pass.key");
	uint8_t *kc = NULL;
	size_t kclen = 0;
	uint8_t buf[256];
	struct stat st;

	assert_int_equal(gs_vault_create(path, "correct horse", &v), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 109);
	/* The file holds the header and not the raw key. */
	assert_int_equal(slurp(path, buf, sizeof(buf)), 109);
	assert_memory_equal(buf, "GSV1\x01", 5);
	assert_int_equal(gs_vault_keycheck_make(v, &kc, &kclen), 0);

	assert_int_equal(gs_vault_open(path, "correct horse", &w), 0);
	assert_int_equal(gs_vault_keycheck_verify(w, kc, kclen), 0);
	gs_vault_destroy(&w);

	assert_int_equal(gs_vault_open(path, "correct horsE", &w),
	    GS_EBADKEY);
	assert_null(w);
	assert_int_equal(gs_vault_open(path, NULL, &w), GS_EBADKEY);
	assert_int_equal(gs_vault_open(path, "", &w), GS_EBADKEY);
	assert_null(w);

	/* Absurd Argon2id limits in the file are refused up front. */
	memset(buf + 5 + 16 + 8, 0xff, 8);
	spew(path, buf, 109);
	assert_int_equal(gs_vault_open(path, "correct horse", &w),
	    GS_ECORRUPT);
	assert_null(w);

	free(kc);
	gs_vault_destroy(&v);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_round_trip,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_no_overwrite,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_perm,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_corrupt,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_sealed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_rotation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_raw,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_empty_body,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_packed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_other_key,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_passphrase,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
