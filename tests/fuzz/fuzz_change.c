/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_change.c: fuzz target for gs_change_verify (change.h), which checks
 * every signed change header, signature and body that reaches the
 * replica. The input is split as
 *
 *   u16 LE header_len | u8 sig_len | u8 flags (bit 0: body present,
 *   bit 1: the body travels packed) | header bytes | signature bytes
 *   | body bytes (the rest)
 *
 * (lengths cut to what is left), so the fuzzer reaches the header
 * decoder, the signature check and the body hash separately; a packed
 * body goes through gs_change_verify_wire, which unpacks it (zstd on
 * a peer's bytes) before anything else is checked. A change
 * that verifies must keep the contract: ID = BLAKE2b-256 of the header
 * bytes, the header kept byte for byte, parents ascending and unique,
 * seq >= 1, a known type, and the body hashing to body_hash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "item.h"
#include "zip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gs_zip *zip;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (gs_crypto_init() != 0 || (zip = gs_zip_new()) == NULL)
		abort();
	return 0;
}

/* A packed body: what verifies keeps the bytes as they came. */
static void
fuzz_packed(const uint8_t *hdr, size_t hlen, const uint8_t *sig,
    size_t slen, const uint8_t *packed, size_t plen)
{
	struct gs_wire_change w = { 0 };
	struct gs_change *c = NULL;
	uint8_t h[32];
	int rc;

	w.header = hdr;
	w.header_len = hlen;
	w.sig = sig;
	w.sig_len = slen;
	w.packed = packed;
	w.packed_len = plen;
	rc = gs_change_verify_wire(&w, zip, &c);
	if (rc != 0) {
		if (c != NULL || (rc != GS_EPROTO && rc != GS_EBADSIG &&
		    rc != GS_EBADHASH && rc != GS_ETOOBIG && rc != GS_ENOMEM))
			abort();
		return;
	}
	if (c == NULL || c->packed_len != plen || plen >= c->body_len ||
	    memcmp(c->packed, packed, plen) != 0 || packed[0] != GS_ZIP_ZSTD)
		abort();
	gs_hash(c->body, c->body_len, h, sizeof(h));
	if (memcmp(h, c->body_hash, 32) != 0)
		abort();
	gs_change_destroy(&c);
}

static void
check_change(const struct gs_change *c, const uint8_t *hdr, size_t hlen,
    const uint8_t *body, size_t blen)
{
	uint8_t h[32];

	if (c->header_len != hlen || memcmp(c->header, hdr, hlen) != 0)
		abort();
	gs_hash(hdr, hlen, h, sizeof(h));
	if (memcmp(h, c->id, 32) != 0)
		abort();
	if (c->seq < 1 || c->type < GS_TYPE_MIN || c->type > GS_TYPE_MAX ||
	    c->nparents > GS_MAX_PARENTS)
		abort();
	for (size_t i = 1; i < c->nparents; i++)
		if (memcmp(c->parents[i - 1], c->parents[i], 32) >= 0)
			abort();
	if (body != NULL) {
		gs_hash(body, blen, h, sizeof(h));
		if (memcmp(h, c->body_hash, 32) != 0 || c->body_len != blen ||
		    (blen > 0 && memcmp(c->body, body, blen) != 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_change *c = NULL;
	const uint8_t *hdr, *sig, *body;
	size_t hlen, slen, blen;
	int flags, rc;

	if (size < 4)
		return 0;
	hlen = (size_t)data[0] | (size_t)data[1] << 8;
	slen = data[2];
	flags = data[3];
	data += 4;
	size -= 4;
	if (hlen > size)
		hlen = size;
	hdr = data;
	data += hlen;
	size -= hlen;
	if (slen > size)
		slen = size;
	sig = data;
	data += slen;
	size -= slen;
	body = (flags & 1) ? data : NULL;
	blen = (flags & 1) ? size : 0;
	if ((flags & 3) == 3) {
		fuzz_packed(hdr, hlen, sig, slen, body, blen);
		return 0;
	}

	rc = gs_change_verify(hdr, hlen, sig, slen, body, blen, &c);
	if (rc == 0) {
		if (c == NULL)
			abort();
		check_change(c, hdr, hlen, body, blen);
	} else {
		if (c != NULL)
			abort();   /* "*out is NULL on failure" */
		if (rc != GS_EPROTO && rc != GS_EBADSIG && rc != GS_EBADHASH &&
		    rc != GS_ETOOBIG && rc != GS_ENOMEM)
			abort();
	}
	gs_change_destroy(&c);
	return 0;
}
