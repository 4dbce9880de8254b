/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * identity.h: the site's Ed25519 key pair, kept in DATA_DIR/site.key
 * (mode 0600, sealed by the passphrase when the site has one) and held in guarded memory while the daemon runs. The public
 * half is the site ID (siteid.h) and, converted to X25519, the CURVE key.
 */
#ifndef GS_IDENTITY_H
#define GS_IDENTITY_H

#include <stdint.h>

#include "siteid.h"

struct gs_identity;

/*
 * Creates a new key pair and writes it to dir/site.key (0600, created
 * exclusively; sealed by pass unless pass is NULL or empty) and the site
 * ID to dir/site.id (0644). Returns 0 and *out, GS_EEXISTS if
 * dir/site.key already exists (nothing is written), GS_EIO, GS_ENOMEM.
 */
int gs_identity_create(const char *dir, const char *pass,
    struct gs_identity **out);
/*
 * Loads dir/site.key, unsealing it with pass when it is sealed; a raw
 * key loaded with a passphrase is sealed in place first. Returns 0 and
 * *out, GS_ENOTFOUND, GS_EPERM if the file is readable or writable by
 * group or others, GS_ENEEDPASS (sealed, no passphrase), GS_EBADKEY
 * (wrong passphrase), GS_ECORRUPT if its content is not a valid key,
 * GS_EIO, GS_ENOMEM.
 */
int gs_identity_load(const char *dir, const char *pass,
    struct gs_identity **out);
/*
 * Key rotation, step 1: a new key pair, written to dir/site.key.next
 * (0600, synced, sealed by pass unless pass is NULL or empty; one a crash
 * left is replaced). site.key is untouched: the old key signs the key
 * link, whose transaction makes the new key the database's site key
 * (meta site_pk); the next load finishes the rotation. Returns 0 and
 * *out, GS_EIO, GS_ENOMEM.
 */
int gs_identity_create_next(const char *dir, const char *pass,
    struct gs_identity **out);
/*
 * Loads the site key like gs_identity_load, first finishing or undoing a
 * rotation left halfway: when dir/site.key.next holds the key expect (the
 * database's site key, set by the key link's transaction), it is renamed
 * over site.key and site.id rewritten; when it holds another key (or a
 * damaged one, a crash while writing it), the link never committed and it
 * is removed. expect NULL: gs_identity_load. Same returns.
 */
int gs_identity_load_current(const char *dir, const char *pass,
    const uint8_t *expect, struct gs_identity **out);
/* Wipes and frees; sets *id to NULL. Accepts NULL. */
void gs_identity_destroy(struct gs_identity **id);

/* The 32-byte public key (lent). */
const uint8_t *gs_identity_pk(const struct gs_identity *id);
/* The 64-byte secret key in guarded memory (lent; never log or copy it). */
const uint8_t *gs_identity_sk(const struct gs_identity *id);
/* The site ID text (lent). */
const char *gs_identity_siteid(const struct gs_identity *id);

#endif
