/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_ceiling: benchmark tool. Measures, on one core of this machine, the
 * three costs every change received pays, with the project's own code:
 *
 *   - verify: gs_change_verify() of a signed change with a ~600-byte body
 *     (structure, Ed25519 signature, BLAKE2b body hash);
 *   - unseal: gs_vault_unseal() of that body (XChaCha20-Poly1305 with the
 *     change ID as associated data), what reading a body back costs;
 *   - insert: gs_store_change_insert() of such changes into a store
 *     opened by gs_store_open() and gs_store_migrate() (the real schema
 *     and PRAGMAs, synchronous=FULL), in transactions of 256 changes (the
 *     daemon's default batch).
 *
 * The slowest of the three bounds what a sync can reach on one core; the
 * benchmarks report sync rates as a ratio to it. Prints one JSON object.
 *
 *   gs_ceiling [--seconds S] WORK_DIR
 *
 * WORK_DIR receives ceiling.db and ceiling.key, removed on exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "fields.h"
#include "gs_gen.h"
#include "item.h"
#include "store.h"
#include "vault.h"

#define INSERT_BATCH 256
#define MAX_ROUNDS 100000000UL  /* bound of every loop, beside the time */

struct ctx {
	double seconds;              /* time given to each measure */
	struct gs_change *c;         /* owned: the change measured */
	struct gs_vault *v;          /* owned */
	uint8_t *sealed;             /* owned: c's body, sealed */
	size_t sealed_len;
	char db[4096], key[4096];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A new event from gs_gen, signed by a fresh key. */
static int
make_change(struct gs_change **out)
{
	struct gs_gen g;
	struct gs_fields f;
	uint8_t pk[32], *sk, item[16], *body = NULL;
	size_t len = 0;
	int rc;

	if ((sk = gs_secure_alloc(GS_SK_LEN)) == NULL)
		return GS_ENOMEM;
	gs_gen_init(&g, 42);
	gs_fields_init(&f);
	rc = gs_sign_keypair(pk, sk);
	if (rc == 0)
		rc = gs_gen_event(&g, &f);
	if (rc == 0)
		rc = gs_fields_encode(&f, &body, &len);
	gs_item_id_new(pk, 1, item);
	if (rc == 0)
		rc = gs_change_new(sk, item, GS_TYPE_EVENT, 1,
		    1780000000000ULL << 16, NULL, 0, false, body, len, out);
	gs_fields_clear(&f);
	free(body);
	gs_secure_free(sk);
	return rc;
}

static int
measure_verify(struct ctx *x, double *rate)
{
	const struct gs_change *c = x->c;
	double t0 = now_s(), t = t0;
	unsigned long n = 0;

	while (n < MAX_ROUNDS && t - t0 < x->seconds) {
		for (int i = 0; i < 64; i++, n++) {
			struct gs_change *out = NULL;
			if (gs_change_verify(c->header, c->header_len, c->sig,
			    64, c->body, c->body_len, &out) != 0)
				return GS_EBADSIG;
			gs_change_destroy(&out);
		}
		t = now_s();
	}
	*rate = (double)n / (t - t0);
	return 0;
}

static int
measure_unseal(struct ctx *x, double *rate)
{
	double t0 = now_s(), t = t0;
	unsigned long n = 0;

	while (n < MAX_ROUNDS && t - t0 < x->seconds) {
		for (int i = 0; i < 256; i++, n++) {
			uint8_t *pt = NULL;
			size_t len = 0;
			if (gs_vault_unseal(x->v, x->c->id, 32, x->sealed,
			    x->sealed_len, &pt, &len) != 0)
				return GS_ECORRUPT;
			free(pt);
		}
		t = now_s();
	}
	*rate = (double)n / (t - t0);
	return 0;
}

/*
 * Row n: the measured change under a distinct ID, from one of 20 authors
 * (as in the initial sync benchmark), each with its sequence.
 */
static void
row_of(const struct ctx *x, unsigned long n, uint8_t author[32],
    struct gs_stored_change *row)
{
	memset(row, 0, sizeof(*row));
	gs_hash(&n, sizeof(n), row->id, 32);
	memcpy(author, x->c->author, 32);
	author[0] = (uint8_t)(n % 20);
	memcpy(row->author, author, 32);
	row->seq = n / 20 + 1;
	gs_item_id_new(author, row->seq, row->item);
	row->type = GS_TYPE_EVENT;
	row->hlc = x->c->hlc + n;
	row->header = x->c->header;
	row->header_len = x->c->header_len;
	row->sig = x->c->sig;
	row->sealed_body = x->sealed;
	row->sealed_len = x->sealed_len;
}

static int
measure_insert(struct ctx *x, double *rate)
{
	struct gs_store *st = NULL;
	struct gs_stored_change row;
	uint8_t author[32];
	double t0, t;
	unsigned long n = 0;
	struct gs_store_types types;
	int rc;

	gs_schema_store_types(&types);
	rc = gs_store_open(x->db, &types, &st);
	if (rc == 0)
		rc = gs_store_migrate(st);
	t0 = now_s();
	t = t0;
	while (rc == 0 && n < MAX_ROUNDS && t - t0 < x->seconds) {
		rc = gs_store_begin(st);
		for (int i = 0; rc == 0 && i < INSERT_BATCH; i++, n++) {
			row_of(x, n, author, &row);
			rc = gs_store_change_insert(st, &row);
		}
		if (rc == 0)
			rc = gs_store_commit(st);
		t = now_s();
	}
	if (rc != 0)
		gs_store_rollback(st);
	gs_store_close(&st);
	if (rc == 0)
		*rate = (double)n / (t - t0);
	return rc;
}

static void
remove_files(const struct ctx *x)
{
	char p[4200];

	unlink(x->db);
	snprintf(p, sizeof(p), "%s-wal", x->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", x->db);
	unlink(p);
	unlink(x->key);
}

int
main(int argc, char **argv)
{
	struct ctx x;
	double verify = 0, unseal = 0, insert = 0, slowest;
	const char *dir;
	int rc = 1;

	memset(&x, 0, sizeof(x));
	x.seconds = 2.0;
	if (argc == 4 && strcmp(argv[1], "--seconds") == 0) {
		x.seconds = atof(argv[2]);
		dir = argv[3];
	} else if (argc == 2) {
		dir = argv[1];
	} else {
		fprintf(stderr, "usage: gs_ceiling [--seconds S] WORK_DIR\n");
		return 2;
	}
	if (x.seconds <= 0 || x.seconds > 600)
		x.seconds = 2.0;
	snprintf(x.db, sizeof(x.db), "%s/ceiling.db", dir);
	snprintf(x.key, sizeof(x.key), "%s/ceiling.key", dir);
	if (gs_crypto_init() != 0 || make_change(&x.c) != 0 ||
	    gs_vault_create(x.key, NULL, &x.v) != 0 ||
	    gs_vault_seal(x.v, x.c->id, 32, x.c->body, x.c->body_len,
	    &x.sealed, &x.sealed_len) != 0) {
		fprintf(stderr, "gs_ceiling: setup failed\n");
		goto out;
	}
	if (measure_verify(&x, &verify) != 0 ||
	    measure_unseal(&x, &unseal) != 0 ||
	    measure_insert(&x, &insert) != 0) {
		fprintf(stderr, "gs_ceiling: a measure failed\n");
		goto out;
	}
	slowest = verify;
	if (unseal < slowest)
		slowest = unseal;
	if (insert < slowest)
		slowest = insert;
	printf("{\"body_bytes\":%zu,\"header_bytes\":%zu,\"sealed_bytes\":%zu,"
	    "\"verify_per_s\":%.0f,\"unseal_per_s\":%.0f,"
	    "\"insert_per_s\":%.0f,\"insert_batch\":%d,\"slowest_per_s\":%.0f,"
	    "\"seconds_each\":%.2f}\n", x.c->body_len, x.c->header_len,
	    x.sealed_len, verify, unseal, insert, INSERT_BATCH, slowest,
	    x.seconds);
	rc = 0;
out:
	free(x.sealed);
	gs_vault_destroy(&x.v);
	gs_change_destroy(&x.c);
	remove_files(&x);
	return rc;
}
