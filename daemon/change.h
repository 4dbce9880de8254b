/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * change.h: signed changes (DESIGN §4). A change is a signed header (item,
 * type, author, per-author sequence, HLC, parents, body hash, deleted
 * flag) and a separate body. The header bytes are kept exactly as signed;
 * the change ID is the BLAKE2b-256 of those bytes. gs_change_verify() is the
 * one place that checks a change's structure, signature and body hash, for
 * local changes and changes from peers alike.
 */
#ifndef GS_CHANGE_H
#define GS_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gs_zip;

#define GS_CHANGE_VERSION 1
#define GS_MAX_PARENTS 32
#define GS_MAX_HEADER 2048
#define GS_MAX_BODY (128 * 1024)
/*
 * An item's change budget (docs/internals/sync-protocol.md, "Applying a
 * change", rule 8), counted per author and item over the author's own
 * earlier changes, which every site holds alike (sequences have no gaps):
 * so every site accepts and refuses the same changes, and no author can
 * use up what another may write. The owner may write GS_MAX_ITEM_CHANGES
 * changes to its item, the last GS_ITEM_OWNER_RESERVE of them only to
 * cancel, delete or change who else may write (gs_replica_budget_left);
 * each other author (a co-host, an editor) GS_ITEM_GUEST_CHANGES.
 * Merging costs grow with an item's history, which is bounded by these.
 */
#define GS_MAX_ITEM_CHANGES 5000
#define GS_ITEM_OWNER_RESERVE 100
#define GS_ITEM_GUEST_CHANGES 500

struct gs_change {
	uint8_t id[32];              /* BLAKE2b-256 of header */
	uint8_t item[16];
	int type;                    /* enum gs_item_type */
	uint8_t author[32];
	uint64_t seq;
	uint64_t hlc;
	uint8_t (*parents)[32];      /* owned; ascending, unique */
	size_t nparents;
	uint8_t body_hash[32];
	bool deleted;
	uint8_t *header;             /* owned: the exact signed bytes */
	size_t header_len;
	uint8_t sig[64];
	uint8_t *body;               /* owned plaintext body, or NULL if absent */
	size_t body_len;
	/*
	 * owned, or NULL: the body as it came packed (zip.h), smaller than
	 * body; stored as it is, so that the receiver does not pack it again
	 */
	uint8_t *packed;
	size_t packed_len;
	/*
	 * owned, or NULL: with a change received without its body, the
	 * erasure of its item, verified (signature, body hash, same item,
	 * deleted); the apply gate judges what it says and who signed it
	 */
	struct gs_change *proof;
};

/*
 * Builds and signs a change with the secret key sk (whose public key
 * becomes the author). parents need not be sorted; duplicates are
 * refused. body is copied. Returns 0 and *out (owned by the caller), or
 * GS_EINVAL (too many parents, body too large, bad type), GS_ENOMEM,
 * GS_ECRYPTO.
 */
int gs_change_new(const uint8_t *sk, const uint8_t item[16], int type,
    uint64_t seq, uint64_t hlc, const uint8_t (*parents)[32],
    size_t nparents, bool deleted, const uint8_t *body, size_t body_len,
    struct gs_change **out);

/*
 * Checks and parses a change received or read back: header within
 * GS_MAX_HEADER and a canonical, complete gs.ChangeHeader (version, 16-byte
 * item, known type, 32-byte author and hashes, seq >= 1, parents ascending
 * and unique and at most GS_MAX_PARENTS), signature valid for the author,
 * and, when body is not NULL, body within GS_MAX_BODY and hashing to
 * body_hash. Copies what it keeps. Returns 0 and *out, or GS_EPROTO,
 * GS_EBADSIG, GS_EBADHASH, GS_ETOOBIG, GS_ENOMEM; *out is NULL on failure.
 */
int gs_change_verify(const uint8_t *header, size_t header_len,
    const uint8_t *sig, size_t sig_len, const uint8_t *body, size_t body_len,
    struct gs_change **out);

/*
 * A change as it travels: lent byte ranges. body NULL if absent. A change
 * whose body was erased travels without it, with the erasure of its item
 * as proof (proof_header NULL: none). A body may travel packed (zip.h)
 * in packed instead of body. Zero the struct before filling it.
 */
struct gs_wire_change {
	const uint8_t *header;
	size_t header_len;
	const uint8_t *sig;
	size_t sig_len;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *packed;
	size_t packed_len;
	const uint8_t *proof_header;
	size_t proof_header_len;
	const uint8_t *proof_sig;
	size_t proof_sig_len;
	const uint8_t *proof_body;
	size_t proof_body_len;
};

/*
 * gs_change_verify() on the ranges of a wire change, and on its proof
 * when it comes without a body and with one: the proof must verify with
 * its body, name the same item and delete it (else GS_EPROTO or the
 * proof's verify error); it is kept in (*out)->proof. A proof beside a
 * body is ignored. A packed body is unpacked with z (the caller's: one
 * per thread) and must be smaller than the body it holds, else GS_EPROTO.
 * It touches no shared state, so the verifier threads call it.
 */
int gs_change_verify_wire(const struct gs_wire_change *w, struct gs_zip *z,
    struct gs_change **out);

/* Frees a change and sets *c to NULL. Accepts NULL and *c == NULL. */
void gs_change_destroy(struct gs_change **c);

#endif
