/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * invite.c: invitation tokens, their stored hash and the proof a joining
 * site sends in its hello (invite.h has the token layout). The secret
 * lives only in the token: the store keeps its hash, and the log never
 * sees either.
 */
#include "invite.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "err.h"

#define FIXED_LEN (32 + GS_INVITE_ID_LEN + GS_INVITE_SECRET_LEN + 8 + 1)
#define CHECK_LEN 4
#define RAW_MAX (FIXED_LEN + GS_INVITE_ENDPOINT_MAX + CHECK_LEN)

static const char b32[32] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char token_domain[] = "gemsync invite token v1";
static const char key_domain[] = "gemsync invite key v1";
static const char proof_domain[] = "gemsync invite proof v1";

static void
put_be64(uint8_t *p, int64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)((uint64_t)v & 0xff);
		v = (int64_t)((uint64_t)v >> 8);
	}
}

static int64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

static void
checksum(const uint8_t *raw, size_t len, uint8_t out[CHECK_LEN])
{
	uint8_t h[GS_HASH_LEN];
	struct gs_iov parts[] = {
		{ token_domain, sizeof(token_domain) - 1 }, { raw, len },
	};

	gs_hashv(parts, 2, h, sizeof(h));
	memcpy(out, h, CHECK_LEN);
}

int
gs_invite_token_encode(const struct gs_invite_token *t,
    char out[GS_INVITE_TOKEN_MAX])
{
	uint8_t raw[RAW_MAX];
	size_t elen = strlen(t->endpoint), len, n;
	uint32_t acc = 0;
	int bits = 0;

	if (elen > GS_INVITE_ENDPOINT_MAX)
		return GS_EINVAL;
	memcpy(raw, t->site, 32);
	memcpy(raw + 32, t->id, GS_INVITE_ID_LEN);
	memcpy(raw + 32 + GS_INVITE_ID_LEN, t->secret, GS_INVITE_SECRET_LEN);
	put_be64(raw + FIXED_LEN - 9, t->expires);
	raw[FIXED_LEN - 1] = (uint8_t)elen;
	memcpy(raw + FIXED_LEN, t->endpoint, elen);
	len = FIXED_LEN + elen;
	checksum(raw, len, raw + len);
	len += CHECK_LEN;
	n = strlen(GS_INVITE_PREFIX);
	memcpy(out, GS_INVITE_PREFIX, n);
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = b32[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[n++] = b32[(acc << (5 - bits)) & 31];
	out[n] = '\0';
	gs_wipe(raw, sizeof(raw));
	return 0;
}

static int
b32_value(int ch)
{
	ch = toupper(ch);
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= '2' && ch <= '7')
		return ch - '2' + 26;
	return -1;
}

/*
 * Decodes base32 text after the prefix into raw, skipping spaces, line
 * breaks and dashes. Returns the byte count, or -1 on a foreign
 * character. *padded is false when the padding bits of the last
 * character are not zero (the encoder writes zeros there).
 */
static long
b32_decode(const char *s, uint8_t *raw, size_t cap, bool *padded)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s) || *s == '-')
			continue;
		if ((v = b32_value((unsigned char)*s)) < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			raw[n++] = (uint8_t)((acc >> bits) & 0xff);
		}
	}
	*padded = (acc & ((1u << bits) - 1)) == 0;
	return (long)n;
}

int
gs_invite_token_parse(const char *text, struct gs_invite_token *t)
{
	uint8_t raw[RAW_MAX + 8], check[CHECK_LEN];
	size_t plen = strlen(GS_INVITE_PREFIX), elen;
	bool padded = true;
	long n;
	int ret = GS_EINVAL;

	memset(t, 0, sizeof(*t));
	while (isspace((unsigned char)*text))
		text++;
	if (strncasecmp(text, "GS", 2) == 0 && isdigit((unsigned char)text[2])
	    && text[3] == '-' && text[2] != '1') {
		ret = GS_EVERSION;
		goto out;
	}
	if (strncasecmp(text, GS_INVITE_PREFIX, plen) != 0)
		goto out;
	n = b32_decode(text + plen, raw, sizeof(raw), &padded);
	if (n < 0)
		goto out;
	ret = GS_EINVTRUNC;
	if ((size_t)n < FIXED_LEN)
		goto out;
	/*
	 * The length byte comes before the endpoint, so no cut changes it:
	 * one larger than any encoder writes is a typo, not a short token.
	 */
	elen = raw[FIXED_LEN - 1];
	if (elen > GS_INVITE_ENDPOINT_MAX) {
		ret = GS_EINVTYPO;
		goto out;
	}
	if ((size_t)n < FIXED_LEN + elen + CHECK_LEN)
		goto out;
	ret = GS_EINVTYPO;
	/* no encoder writes more bytes, nor padding bits */
	if ((size_t)n > FIXED_LEN + elen + CHECK_LEN || !padded)
		goto out;
	checksum(raw, FIXED_LEN + elen, check);
	if (gs_ct_equal(check, raw + FIXED_LEN + elen, CHECK_LEN) != 0)
		goto out;
	memcpy(t->site, raw, 32);
	memcpy(t->id, raw + 32, GS_INVITE_ID_LEN);
	memcpy(t->secret, raw + 32 + GS_INVITE_ID_LEN, GS_INVITE_SECRET_LEN);
	t->expires = get_be64(raw + FIXED_LEN - 9);
	memcpy(t->endpoint, raw + FIXED_LEN, elen);
	t->endpoint[elen] = '\0';
	ret = strlen(t->endpoint) == elen ? 0 : GS_EINVTYPO;
out:
	gs_wipe(raw, sizeof(raw));
	if (ret != 0)
		gs_wipe(t, sizeof(*t));
	return ret;
}

void
gs_invite_key(const uint8_t secret[GS_INVITE_SECRET_LEN],
    uint8_t key[GS_INVITE_KEY_LEN])
{
	struct gs_iov parts[] = { { key_domain, sizeof(key_domain) - 1 } };

	gs_mac(secret, GS_INVITE_SECRET_LEN, parts, 1, key, GS_INVITE_KEY_LEN);
}

void
gs_invite_proof(const uint8_t key[GS_INVITE_KEY_LEN],
    const uint8_t id[GS_INVITE_ID_LEN], const uint8_t inviter[32],
    const uint8_t joiner[32], uint8_t mac[GS_INVITE_MAC_LEN])
{
	struct gs_iov parts[] = {
		{ proof_domain, sizeof(proof_domain) - 1 },
		{ id, GS_INVITE_ID_LEN }, { inviter, 32 }, { joiner, 32 },
	};

	gs_mac(key, GS_INVITE_KEY_LEN, parts, 4, mac, GS_INVITE_MAC_LEN);
}

int
gs_invite_create(struct gs_store *st, const uint8_t self[32],
    const char *endpoint, const char *label, int64_t now, int64_t expires,
    int uses, struct gs_invite_token *t)
{
	struct gs_invite_row r;
	int ret = GS_EINVAL;

	memset(t, 0, sizeof(*t));
	if (strlen(endpoint) > GS_INVITE_ENDPOINT_MAX || uses < 1)
		goto out;
	memcpy(t->site, self, 32);
	gs_random(t->id, sizeof(t->id));
	gs_random(t->secret, sizeof(t->secret));
	t->expires = expires;
	memcpy(t->endpoint, endpoint, strlen(endpoint) + 1);
	memset(&r, 0, sizeof(r));
	memcpy(r.id, t->id, sizeof(r.id));
	r.label = label;
	gs_invite_key(t->secret, r.key);
	r.expires = expires;
	r.uses_left = uses;
	r.created = now;
	ret = gs_store_invite_add(st, &r);
	gs_wipe(r.key, sizeof(r.key));
out:
	if (ret != 0)
		gs_wipe(t, sizeof(*t));
	return ret;
}

/* Copies the fields redeem needs from the row found. */
static int
on_invite(const struct gs_invite_row *r, void *arg)
{
	struct gs_invite_row *out = arg;

	*out = *r;
	out->label = NULL;
	return 0;
}

int
gs_invite_redeem(struct gs_store *st, const uint8_t self[32],
    const uint8_t joiner[32], const uint8_t *id, size_t idlen,
    const uint8_t *mac, size_t maclen, int64_t now)
{
	struct gs_invite_row r;
	uint8_t want[GS_INVITE_MAC_LEN];
	int ret = GS_EINVUNKNOWN;

	memset(&r, 0, sizeof(r));
	if (idlen != GS_INVITE_ID_LEN || maclen != GS_INVITE_MAC_LEN)
		goto out;
	ret = gs_store_invite_get(st, id, on_invite, &r);
	if (ret == GS_ENOTFOUND)
		ret = GS_EINVUNKNOWN;
	if (ret != 0)
		goto out;
	gs_invite_proof(r.key, id, self, joiner, want);
	ret = GS_EINVUNKNOWN;
	if (gs_ct_equal(want, mac, GS_INVITE_MAC_LEN) != 0)
		goto out;
	ret = GS_EINVREVOKED;
	if (r.revoked)
		goto out;
	ret = GS_EINVEXPIRED;
	if (now >= r.expires)
		goto out;
	ret = GS_EINVUSED;
	if (r.uses_left <= 0)
		goto out;
	ret = gs_store_invite_use(st, id);
	if (ret == GS_ENOTFOUND)
		ret = GS_EINVUSED;
out:
	gs_wipe(r.key, sizeof(r.key));
	gs_wipe(want, sizeof(want));
	return ret;
}

int
gs_invite_endpoint(const char *advertise, const char *listen, char *out,
    size_t outlen)
{
	const char *src = NULL, *host;
	size_t n = 0;

	if (advertise != NULL) {
		advertise += strspn(advertise, ", \t");
		n = strcspn(advertise, ", \t");
		if (n > 0)
			src = advertise;
	}
	if (src == NULL && listen != NULL && strncmp(listen, "tcp://", 6) == 0) {
		host = listen + 6;
		if (strncmp(host, "0.0.0.0:", 8) != 0 &&
		    strncmp(host, "*:", 2) != 0 &&
		    strncmp(host, "[::]:", 5) != 0 &&
		    strncmp(host, ":::", 3) != 0) {
			src = listen;
			n = strlen(listen);
		}
	}
	if (src == NULL)
		return GS_ENOTFOUND;
	if (n + 1 > outlen || n > GS_INVITE_ENDPOINT_MAX)
		return GS_ETOOBIG;
	memcpy(out, src, n);
	out[n] = '\0';
	return 0;
}
