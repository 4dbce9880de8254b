/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fixture.h: the one test fixture the unit tests share (the static library
 * gs_testfx): a throw-away site in its own mkdtemp folder, its replica,
 * four peer identities and the trust given to each, and the helpers that
 * build, sign and apply changes and write local items.
 *
 * Every test that needs a replica goes through fx_open() / fx_close() and
 * fx_trust(): no test opens a replica or gives it trust itself, so a
 * change to how a replica is opened or trusted is a change here alone.
 * Helpers fail the running cmocka test on any unexpected error, so they
 * return values, not error codes, unless they say otherwise.
 */
#ifndef GS_TEST_FIXTURE_H
#define GS_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "change.h"
#include "fields.h"
#include "identity.h"
#include "item.h"
#include "replica.h"
#include "store.h"
#include "trust.h"
#include "view.h"

/* Milliseconds in a day, for clocks a day ahead or behind. */
#define FX_DAY_MS (24ull * 3600 * 1000)
/* fx_trust(f, NULL, FX_NO_TRUST): the replica is given no trust at all. */
#define FX_NO_TRUST (-1)

struct fx {
	char dir[256];                /* the test's mkdtemp folder */
	char site[320];               /* the site's data directory in it */
	char key[320];                /* its storage key file */
	struct gs_store *st;          /* open between fx_open and fx_close */
	struct gs_replica *r;         /* open on st */
	struct gs_trust *trust;       /* the sites' states, in r's store */
	bool no_trust;                /* the replica was given no trust */
	struct gs_identity *a, *b;    /* trusted peers */
	struct gs_identity *u;        /* unknown: untrusted */
	struct gs_identity *x;        /* blocked */
};

/*
 * What every unit test's main() does first: quiet logs (errors only) and
 * the crypto library initialised. Returns 0, or -1 if crypto fails.
 */
int fx_init(void);

/*
 * cmocka setup and teardown: a new site in a fresh folder, opened, with A
 * and B trusted, X blocked and U unknown. Teardown closes the replica,
 * frees everything and removes the folder.
 */
int fx_setup(void **state);
int fx_teardown(void **state);
/* A cmocka test run on its own fresh site (include cmocka.h first). */
#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/*
 * Opens the site's store and its replica (the only place one is opened),
 * loads the trust table from the store and lends it to the replica.
 * fx_close() closes all three (the only place a replica is closed); the trust set before
 * persists in the store, so fx_close() then fx_open() is a restart.
 */
void fx_open(struct fx *f);
void fx_close(struct fx *f);

/*
 * All trust setup, and the one place the replica is given trust. Sets
 * pk's state to trust (GS_TRUST_TRUSTED, GS_TRUST_BLOCKED or
 * GS_TRUST_PENDING, which is untrusted) in the trust table, written to
 * the store, then hands the table to the replica. pk NULL sets nothing
 * and hands the table over again; with trust FX_NO_TRUST the replica is
 * given no trust at all instead (it then takes only its own changes).
 */
void fx_trust(struct fx *f, const uint8_t *pk, int trust);

/* A fresh folder $TMPDIR/gs-<name>-XXXXXX in out (size len). */
void fx_tmpdir(char *out, size_t len, const char *name);
/* Removes a folder and everything below it. */
void fx_rmtree(const char *dir);
/* A new identity in the new folder root/name (destroy it when done). */
struct gs_identity *fx_identity(const char *root, const char *name);

/* The HLC of now, counter 0. */
uint64_t fx_now_hlc(void);
/* Sets a field of d ("" clears it). */
void fx_set(struct gs_fields *d, const char *name, const char *value);
/* Encodes a body from name, value, ..., NULL into *out (malloc'd). */
void fx_body_kv(uint8_t **out, size_t *len, const char *name, ...);
/* Signs a change with sk over body (taken as is, may be raw bytes). */
struct gs_change *fx_sign(const uint8_t *sk, const uint8_t item[16],
    int type, uint64_t seq, uint64_t hlc, const uint8_t (*parents)[32],
    size_t np, bool deleted, const uint8_t *body, size_t blen);
/* A root workshop event by id, number seq, with the given title. */
struct gs_change *fx_root_event(const struct gs_identity *id, uint64_t seq,
    uint64_t hlc, const char *title);
/* A change of parent's item by id, on parent, writing one field. */
struct gs_change *fx_edit(const struct gs_identity *id, uint64_t seq,
    uint64_t hlc, const struct gs_change *parent, const char *name,
    const char *value);
/* The change as it travels (lends c's bytes). */
struct gs_wire_change fx_wire(const struct gs_change *c);

/*
 * Applies one wire change received from peer A and returns what became
 * of it: 0 applied, GS_EDUP, or the one refusal reason counted.
 */
int fx_apply_w(struct fx *f, const struct gs_wire_change *w);
int fx_apply_c(struct fx *f, const struct gs_change *c);

/*
 * Writes a local change to it (NULL: a new item of type) setting name,
 * value, ..., NULL. Returns gs_replica_write's code; out (may be NULL)
 * receives the item ID.
 */
int fx_write(struct fx *f, struct gs_item *it, int type, uint8_t out[16],
    const char *name, ...);
/* Counts the seats held on event, which the replica must hold. */
void fx_seats(struct fx *f, const uint8_t event[16],
    struct gs_seat_count *out);
/* The item's title, or NULL if there is no such item or title. */
const char *fx_title_of(struct fx *f, const uint8_t item[16]);

#endif
