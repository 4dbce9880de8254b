/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_invite.c: invitation tokens and proofs (invite.h): round trip,
 * every truncation told as such, every single-character change caught,
 * the proof bound to both sites, and redeeming against the store (used,
 * expired, revoked, unknown, several uses), which keeps no secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fixture.h"
#include "identity.h"
#include "invite.h"
#include "replica.h"
#include "store.h"

static void
sample(struct gs_invite_token *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < 32; i++)
		t->site[i] = (uint8_t)(i * 7 + 1);
	memset(t->id, 0x42, sizeof(t->id));
	memset(t->secret, 0x99, sizeof(t->secret));
	t->expires = 1900000000;
	strcpy(t->endpoint, "tcp://gem-lerebond.example.org:7650");
}

static void
test_round_trip(void **state)
{
	struct gs_invite_token t, u;
	char text[GS_INVITE_TOKEN_MAX], spaced[GS_INVITE_TOKEN_MAX + 8];

	(void)state;
	sample(&t);
	assert_int_equal(gs_invite_token_encode(&t, text), 0);
	assert_memory_equal(text, "GS1-", 4);
	/* 4 + base32 of 65 fixed bytes, the endpoint and a 4-byte check */
	assert_int_equal(strlen(text), 4 + ((65 + 35 + 4) * 8 + 4) / 5);
	assert_int_equal(gs_invite_token_parse(text, &u), 0);
	assert_memory_equal(&t, &u, sizeof(t));
	/* lower case, surrounding spaces and a line break are forgiven */
	snprintf(spaced, sizeof(spaced), "  gs1-%.40s\n%s \n", text + 4,
	    text + 44);
	for (char *c = spaced; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	assert_int_equal(gs_invite_token_parse(spaced, &u), 0);
	assert_memory_equal(&t, &u, sizeof(t));
}

static void
test_truncated_and_typos(void **state)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	struct gs_invite_token t, u;
	char text[GS_INVITE_TOKEN_MAX], copy[GS_INVITE_TOKEN_MAX];
	size_t len;

	(void)state;
	sample(&t);
	assert_int_equal(gs_invite_token_encode(&t, text), 0);
	len = strlen(text);
	/* every cut is told as a cut, never as a typo or a success */
	for (size_t n = 5; n < len - 1; n++) {
		memcpy(copy, text, n);
		copy[n] = '\0';
		assert_int_equal(gs_invite_token_parse(copy, &u), GS_EINVTRUNC);
	}
	/* every single-character change is caught */
	for (size_t i = 4; i < len; i++) {
		for (int k = 0; k < 32; k++) {
			if (b32[k] == text[i])
				continue;
			memcpy(copy, text, len + 1);
			copy[i] = b32[k];
			assert_int_not_equal(gs_invite_token_parse(copy, &u), 0);
		}
	}
	copy[0] = '\0';
	memcpy(copy, text, len + 1);
	copy[20] = 'A' == text[20] ? 'B' : 'A';
	assert_int_equal(gs_invite_token_parse(copy, &u), GS_EINVTYPO);
	/*
	 * A typo in the endpoint length byte (raw byte 64, bits 512-519:
	 * characters 102 and 103) making it over 200 is a typo, not a cut.
	 */
	memcpy(copy, text, len + 1);
	assert_int_not_equal(copy[4 + 102], '7');
	copy[4 + 102] = '7';
	assert_int_equal(gs_invite_token_parse(copy, &u), GS_EINVTYPO);
	assert_int_equal(gs_invite_token_parse("bonjour", &u), GS_EINVAL);
	assert_int_equal(gs_invite_token_parse("GS1-AB!C", &u), GS_EINVAL);
	assert_int_equal(gs_invite_token_parse("GS2-AAAA", &u), GS_EVERSION);
}

static void
test_proof_bound_to_both_sites(void **state)
{
	uint8_t key[GS_INVITE_KEY_LEN], m1[32], m2[32], m3[32];
	uint8_t a[32], b[32], c[32], id[8], secret[16];

	(void)state;
	memset(a, 1, 32);
	memset(b, 2, 32);
	memset(c, 3, 32);
	memset(id, 4, 8);
	memset(secret, 5, 16);
	gs_invite_key(secret, key);
	assert_memory_not_equal(key, secret, 16);
	gs_invite_proof(key, id, a, b, m1);
	gs_invite_proof(key, id, a, c, m2);
	gs_invite_proof(key, id, b, a, m3);
	assert_memory_not_equal(m1, m2, 32);
	assert_memory_not_equal(m1, m3, 32);
}

static void
test_endpoint(void **state)
{
	char ep[GS_INVITE_ENDPOINT_MAX + 1];

	(void)state;
	assert_int_equal(gs_invite_endpoint("tcp://a.example:1, tcp://b:2",
	    "tcp://0.0.0.0:7650", ep, sizeof(ep)), 0);
	assert_string_equal(ep, "tcp://a.example:1");
	assert_int_equal(gs_invite_endpoint("", "tcp://192.0.2.1:7650", ep,
	    sizeof(ep)), 0);
	assert_string_equal(ep, "tcp://192.0.2.1:7650");
	assert_int_equal(gs_invite_endpoint("", "tcp://0.0.0.0:7650", ep,
	    sizeof(ep)), GS_ENOTFOUND);
	assert_int_equal(gs_invite_endpoint(NULL, "tcp://*:7650", ep,
	    sizeof(ep)), GS_ENOTFOUND);
}

/* A joiner's proof for token t, from joiner's key. */
static void
prove(const struct gs_invite_token *t, const uint8_t joiner[32],
    uint8_t mac[32])
{
	uint8_t key[GS_INVITE_KEY_LEN];

	gs_invite_key(t->secret, key);
	gs_invite_proof(key, t->id, t->site, joiner, mac);
}

static int
on_row(const struct gs_invite_row *r, void *arg)
{
	const struct gs_invite_token *t = arg;

	/* the store holds a hash, never the secret */
	assert_memory_not_equal(r->key, t->secret, GS_INVITE_SECRET_LEN);
	return 0;
}

static void
test_redeem(void **state)
{
	struct fx *f = *state;
	const uint8_t *self = gs_replica_pk(f->r);
	const uint8_t *j = gs_identity_pk(f->u), *k = gs_identity_pk(f->a);
	struct gs_invite_token t, t2, t3;
	uint8_t mac[32], bad[32];
	int64_t now = 1800000000;

	assert_int_equal(gs_invite_create(f->st, self, "tcp://h:1", "pour U",
	    now, now + 3600, 1, &t), 0);
	assert_int_equal(gs_store_invite_get(f->st, t.id, on_row, &t), 0);
	prove(&t, j, mac);
	/* a proof for another joiner (a replay on another link) fails */
	assert_int_equal(gs_invite_redeem(f->st, self, k, t.id, 8, mac, 32,
	    now), GS_EINVUNKNOWN);
	memcpy(bad, mac, 32);
	bad[0] ^= 1;
	assert_int_equal(gs_invite_redeem(f->st, self, j, t.id, 8, bad, 32,
	    now), GS_EINVUNKNOWN);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t.id, 7, mac, 32,
	    now), GS_EINVUNKNOWN);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t.id, 8, mac, 32,
	    now + 3600), GS_EINVEXPIRED);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t.id, 8, mac, 32,
	    now), 0);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t.id, 8, mac, 32,
	    now), GS_EINVUSED);
	/* two uses, then revoked */
	assert_int_equal(gs_invite_create(f->st, self, "tcp://h:1", "", now,
	    now + 60, 2, &t2), 0);
	prove(&t2, j, mac);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t2.id, 8, mac, 32,
	    now), 0);
	assert_int_equal(gs_store_invite_revoke(f->st, t2.id), 0);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t2.id, 8, mac, 32,
	    now), GS_EINVREVOKED);
	/* unknown ID */
	t3 = t2;
	t3.id[0] ^= 0xff;
	prove(&t3, j, mac);
	assert_int_equal(gs_invite_redeem(f->st, self, j, t3.id, 8, mac, 32,
	    now), GS_EINVUNKNOWN);
	assert_int_equal(gs_store_invite_revoke(f->st, t3.id), GS_ENOTFOUND);
	assert_int_equal(gs_invite_create(f->st, self, "tcp://h:1", "", now,
	    now + 60, 0, &t3), GS_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated_and_typos),
		cmocka_unit_test(test_proof_bound_to_both_sites),
		cmocka_unit_test(test_endpoint),
		FX_TEST(test_redeem),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
