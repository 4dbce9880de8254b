/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * invite.h: invitations, one line that sets up two sites in one paste.
 * The inviting site makes a token holding its site key, one advertised
 * endpoint, an invitation ID, a one-time secret and an expiry; it stores
 * only a hash of the secret (the invitation key). The joining site dials
 * the endpoint and proves, in its first hello, that it holds the secret:
 * a MAC keyed with the invitation key over both site keys and the ID, so
 * the proof neither shows the secret nor serves on another link.
 *
 * Token text: "GS1-" then RFC 4648 base32 (no padding) of
 *   site key (32) | ID (8) | secret (16) | expiry (8, big-endian Unix s)
 *   | endpoint length (1) | endpoint | check (4)
 * where check is the first 4 bytes of BLAKE2b-256 over "gemsync invite
 * token v1" and the bytes before it. A short token is told apart from a
 * mistyped one (the length byte), and both from a token whose checksum
 * holds but whose secret or ID the inviter does not know (tampered).
 */
#ifndef GS_INVITE_H
#define GS_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define GS_INVITE_ID_LEN 8
#define GS_INVITE_SECRET_LEN 16
#define GS_INVITE_KEY_LEN 32
#define GS_INVITE_MAC_LEN 32
#define GS_INVITE_ENDPOINT_MAX 200
#define GS_INVITE_TOKEN_MAX 512      /* text, with the NUL */
#define GS_INVITE_PREFIX "GS1-"

struct gs_invite_token {
	uint8_t site[32];                       /* the inviter's site key */
	uint8_t id[GS_INVITE_ID_LEN];
	uint8_t secret[GS_INVITE_SECRET_LEN];
	int64_t expires;                        /* Unix seconds */
	char endpoint[GS_INVITE_ENDPOINT_MAX + 1];  /* tcp://host:port */
};

/*
 * Writes t as token text into out (GS_INVITE_TOKEN_MAX bytes). GS_EINVAL
 * when the endpoint is too long.
 */
int gs_invite_token_encode(const struct gs_invite_token *t,
    char out[GS_INVITE_TOKEN_MAX]);
/*
 * Parses token text (case, spaces and line breaks ignored). Returns 0 and
 * fills t, or: GS_EINVAL (not an invitation), GS_EVERSION (a later
 * version), GS_EINVTRUNC (shorter than it says: cut when copied),
 * GS_EINVTYPO (checksum: a character is wrong). t is wiped on failure.
 */
int gs_invite_token_parse(const char *text, struct gs_invite_token *t);

/* The invitation key the inviter stores: a hash of the secret. */
void gs_invite_key(const uint8_t secret[GS_INVITE_SECRET_LEN],
    uint8_t key[GS_INVITE_KEY_LEN]);
/*
 * The proof a joiner sends: MAC keyed with the invitation key over the
 * ID, the inviter's and the joiner's site keys.
 */
void gs_invite_proof(const uint8_t key[GS_INVITE_KEY_LEN],
    const uint8_t id[GS_INVITE_ID_LEN], const uint8_t inviter[32],
    const uint8_t joiner[32], uint8_t mac[GS_INVITE_MAC_LEN]);

/*
 * Creates an invitation in the store: a fresh ID and secret, expiring at
 * expires, usable uses times, with a label (may be ""). Fills t (site and
 * endpoint included) for gs_invite_token_encode(); the caller wipes it.
 */
int gs_invite_create(struct gs_store *st, const uint8_t self[32],
    const char *endpoint, const char *label, int64_t now, int64_t expires,
    int uses, struct gs_invite_token *t);
/*
 * Checks a joiner's proof against the stored invitation and, when it
 * holds, consumes one use. Returns 0, GS_EINVUNKNOWN (no such ID, or a
 * wrong MAC), GS_EINVREVOKED, GS_EINVEXPIRED (now past the expiry),
 * GS_EINVUSED, or a store error. Nothing is written on failure.
 */
int gs_invite_redeem(struct gs_store *st, const uint8_t self[32],
    const uint8_t joiner[32], const uint8_t *id, size_t idlen,
    const uint8_t *mac, size_t maclen, int64_t now);
/*
 * The endpoint other sites dial to reach this one: the first of the
 * advertised endpoints (comma- or space-separated), else the listen
 * endpoint when its host is a real address (not 0.0.0.0, *, ::).
 * GS_ENOTFOUND when there is none, GS_ETOOBIG when it does not fit.
 */
int gs_invite_endpoint(const char *advertise, const char *listen, char *out,
    size_t outlen);

#endif
