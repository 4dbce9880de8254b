/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_docs_examples.c: the worked examples that docs/ gives to authors
 * of third-party clients, checked against the code, so that the docs and
 * the code cannot drift apart. For one fixed key (the Ed25519 key of the
 * seed 00 01 ... 1f) it checks its site ID, short ID and transport key,
 * item IDs, site-profile and reservation IDs, an HLC value and its RFC
 * 3339 form, and summary digests. Each encoding is also computed a second
 * time here from its written description (base32 + Luhn mod 32, BLAKE2b
 * inputs) and compared with the code on random inputs. Last, each example
 * string must appear in the document that shows it (found through
 * GS_SRC_DIR, which CTest sets; the check is skipped without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "hlc.h"
#include "item.h"
#include "seqmap.h"
#include "siteid.h"
#include "summary.h"

/* ---- the examples, exactly as the docs print them ---- */

#define EX_PK \
	"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define EX_SITEID \
	"AOQQPP7-TZYIL4D-HLQ3UMO-OS6ATFM-T6JVRQT-OSQ2XY2-53SDGIE-SVGG4A3"
#define EX_SHORT "AOQQPP7"
#define EX_LENIENT \
	"a0qqpp7 tzy1l4d hlq3umo os6atfm t6jvrqt osq2xy2 53sdgie svgg4a3"
#define EX_GROUP1 "`AOQQPP7TZYIL4` + `D`"
#define EX_CURVE \
	"4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01"
#define EX_ITEM1_FULL \
	"eacf4f8f74a67a9ee9f55fa3e464f1dd261baa4d8c9c10ab452418de25de917a"
#define EX_ITEM1 "eacf4f8f74a67a9ee9f55fa3e464f1dd"
#define EX_ITEM7 "d6a845dba78ddeb1c2089984fca3e077"
#define EX_SITE "50a63721365454cf3cc8e1cf56c13c3b"
#define EX_RESV "3b10f61ec7b9dbcc7c51b9bc917a694b"
/* the author's confirmation of the resource EX_ITEM1 */
#define EX_CONFIRM "6ec2787d517237282c5cf091d7d1c584"
#define EX_REVOKE "20e86d9ee962113233d25bbcc596086b"
#define EX_KEYLINK "597ddc95b3d59dd94ccfcdd62af91ade"
#define EX_DATE "2026-12-22"
#define EX_RESV_DATE "9bc1b0dae8b9258db115170d9586e7a1"
#define EX_HLC_MS UINT64_C(1767225600123)
#define EX_HLC_COUNTER 5
#define EX_HLC_DEC "115816896929660933"
#define EX_HLC_HEX "0x019b76daa87b0005"
#define EX_HLC_TEXT "2026-01-01T00:00:00.123Z"
#define EX_DIGEST_EMPTY \
	"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
#define EX_SUM_BYTES EX_PK "0000000000000007"
#define EX_DIGEST_ONE \
	"31c135fecd9f8ccd7c164ab43af606cac93e188b0baa26c351d9acf5f59bf224"

/* Which document shows which example. */
static const struct {
	const char *doc;
	const char *text;
} shown[] = {
	{ "docs/internals/sync-protocol.md", "`" EX_PK "`" },
	{ "docs/internals/sync-protocol.md", "`" EX_SITEID "`" },
	{ "docs/internals/sync-protocol.md", "`" EX_SHORT "`" },
	{ "docs/internals/sync-protocol.md", "`" EX_LENIENT "`" },
	{ "docs/internals/sync-protocol.md", EX_GROUP1 },
	{ "docs/internals/sync-protocol.md", "`" EX_CURVE "`" },
	{ "docs/internals/sync-protocol.md", "`" EX_DIGEST_EMPTY "`" },
	{ "docs/internals/sync-protocol.md", "`" EX_SUM_BYTES "`" },
	{ "docs/internals/sync-protocol.md", "`" EX_DIGEST_ONE "`" },
	{ "docs/internals/storage-format.md", "`" EX_PK "`" },
	{ "docs/internals/storage-format.md", "`" EX_ITEM1_FULL "`" },
	{ "docs/internals/storage-format.md", "| item ID, seq 1 | `"
	    EX_ITEM1 "` |" },
	{ "docs/internals/storage-format.md", "| item ID, seq 7 | `"
	    EX_ITEM7 "` |" },
	{ "docs/internals/storage-format.md", "| site-profile ID | `"
	    EX_SITE "` |" },
	{ "docs/internals/storage-format.md", "on the event `" EX_ITEM1
	    "` | `" EX_RESV "` |" },
	{ "docs/internals/storage-format.md", "on the date `" EX_DATE
	    "` of that event | `" EX_RESV_DATE "` |" },
	{ "docs/internals/storage-format.md", "confirmation ID of the resource `"
	    EX_ITEM1 "` | `" EX_CONFIRM "` |" },
	{ "docs/internals/storage-format.md", "`\"gemsync-confirm-v1\"` "
	    "(18) ‖ author key (32) ‖ resource's item ID (16) | 66 |" },
	{ "docs/internals/storage-format.md", "| revocation ID of the key by "
	    "itself | `" EX_REVOKE "` |" },
	{ "docs/internals/storage-format.md", "`\"gemsync-revoke-v1\"` (17) "
	    "‖ revoking site's key (32) ‖ revoked site's key (32) | 81 |" },
	{ "docs/internals/storage-format.md", "| key link ID of the key | `"
	    EX_KEYLINK "` |" },
	{ "docs/internals/storage-format.md", "`\"gemsync-keylink-v1\"` (18) "
	    "‖ old site key (32) | 50 |" },
	{ "docs/internals/storage-format.md", "`\"gemsync-resv-date-v1\"` "
	    "(20) ‖ author key (32) ‖ event's item ID (16) ‖ date key" },
	{ "docs/internals/storage-format.md", "| milliseconds | 1767225600123 |" },
	{ "docs/internals/storage-format.md", "| counter | 5 |" },
	{ "docs/internals/storage-format.md", "| " EX_HLC_DEC " |" },
	{ "docs/internals/storage-format.md", "`" EX_HLC_HEX "`" },
	{ "docs/internals/storage-format.md", "`" EX_HLC_TEXT "`" },
	{ "docs/control.md", "\"transport_key\":K" },
};

struct fx {
	uint8_t pk[32];
};

static int
setup(void **state)
{
	static struct fx f;
	uint8_t seed[32];
	uint8_t *sk;
	int ret = -1;

	if (gs_crypto_init() != 0)
		return -1;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	sk = gs_secure_alloc(GS_SK_LEN);
	if (sk == NULL)
		return -1;
	if (gs_sign_seed_keypair(seed, f.pk, sk) == 0)
		ret = 0;
	gs_secure_free(sk);
	*state = &f;
	return ret;
}

static void
assert_hex(const uint8_t *bin, size_t len, const char *want)
{
	char hex[129];

	assert_true(len * 2 < sizeof(hex));
	gs_hex(bin, len, hex);
	assert_string_equal(hex, want);
}

/* ---- site IDs, from their description in sync-protocol.md ---- */

/* Step 2 of "Site IDs": Luhn mod 32 over 13 digit values. */
static unsigned
doc_luhn32(const uint8_t *d, size_t n)
{
	unsigned sum = 0;

	for (size_t k = 0; k < n; k++) {
		/* k counts from the right: the rightmost digit is doubled */
		unsigned p = d[n - 1 - k] * (k % 2 == 0 ? 2u : 1u);
		sum += p / 32 + p % 32;
	}
	return (32 - sum % 32) % 32;
}

/* Steps 1 to 3 of "Site IDs", written apart from siteid.c. */
static void
doc_siteid(const uint8_t pk[32], char out[GS_SITEID_SIZE])
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t d[52];
	char raw[56];
	size_t o = 0;

	/* bit i of the key, most significant bit of byte 0 first */
	for (size_t c = 0; c < 52; c++) {
		unsigned v = 0;
		for (size_t b = 0; b < 5; b++) {
			size_t i = c * 5 + b;
			unsigned bit = i < 256 ? (pk[i / 8] >> (7 - i % 8)) & 1 : 0;
			v = v << 1 | bit;
		}
		d[c] = (uint8_t)v;
	}
	for (size_t g = 0; g < 4; g++) {
		for (size_t i = 0; i < 13; i++)
			raw[g * 14 + i] = a[d[g * 13 + i]];
		raw[g * 14 + 13] = a[doc_luhn32(d + g * 13, 13)];
	}
	for (size_t i = 0; i < 56; i++) {
		if (i > 0 && i % 7 == 0)
			out[o++] = '-';
		out[o++] = raw[i];
	}
	out[o] = '\0';
}

static void
test_siteid_example(void **state)
{
	struct fx *f = *state;
	char id[GS_SITEID_SIZE], shrt[GS_SITEID_SHORT];
	uint8_t back[32], curve[32];

	assert_hex(f->pk, 32, EX_PK);
	gs_siteid_encode(f->pk, id);
	assert_string_equal(id, EX_SITEID);
	gs_siteid_short(f->pk, shrt);
	assert_string_equal(shrt, EX_SHORT);
	memset(back, 0, sizeof(back));
	assert_int_equal(gs_siteid_parse(EX_SITEID, back), 0);
	assert_memory_equal(back, f->pk, 32);
	/* lower case, spaces, 0 for O, 1 for I */
	memset(back, 0, sizeof(back));
	assert_int_equal(gs_siteid_parse(EX_LENIENT, back), 0);
	assert_memory_equal(back, f->pk, 32);
	/* one wrong character is a checksum error, not another key */
	assert_int_equal(gs_siteid_parse(
	    "AOQQPP7-TZYIL4D-HLQ3UMO-OS6ATFM-T6JVRQT-OSQ2XY2-53SDGIE-SVGG4A4",
	    back), GS_ECHECKSUM);
	/* the first check group as the doc shows it */
	assert_memory_equal(id, "AOQQPP7", 7);
	assert_memory_equal(id + 8, "TZYIL4", 6);
	assert_int_equal(id[14], 'D');
	assert_int_equal(gs_pk_to_curve(f->pk, curve), 0);
	assert_hex(curve, 32, EX_CURVE);
}

static void
test_siteid_algorithm(void **state)
{
	struct fx *f = *state;
	char mine[GS_SITEID_SIZE], code[GS_SITEID_SIZE];
	uint8_t pk[32];

	doc_siteid(f->pk, mine);
	assert_string_equal(mine, EX_SITEID);
	for (int n = 0; n < 2000; n++) {
		gs_random(pk, sizeof(pk));
		if (n == 0)
			memset(pk, 0xff, sizeof(pk));
		doc_siteid(pk, mine);
		gs_siteid_encode(pk, code);
		assert_string_equal(mine, code);
	}
}

/* ---- item IDs, from storage-format.md ---- */

/* First 16 bytes of BLAKE2b-256 of dom || author || tail. */
static void
doc_item_id(const char *dom, const uint8_t author[32], const uint8_t *tail,
    size_t tail_len, uint8_t out[16])
{
	uint8_t buf[18 + 32 + 16], h[32];
	size_t dl = strlen(dom);

	/* "gemsync-item-v1" and the like (15), "gemsync-confirm-v1" (18) */
	assert_true(dl == 15 || dl == 18);
	assert_true(tail_len <= 16);
	memcpy(buf, dom, dl);
	memcpy(buf + dl, author, 32);
	if (tail_len > 0)
		memcpy(buf + dl + 32, tail, tail_len);
	gs_hash(buf, dl + 32 + tail_len, h, sizeof(h));
	memcpy(out, h, 16);
}

/* The dated reservation ID, from the doc's description of its bytes. */
static void
doc_resv_date_id(const uint8_t author[32], const uint8_t ev[16],
    const char *date, uint8_t out[16])
{
	uint8_t buf[20 + 32 + 16 + 10], h[32];

	memcpy(buf, "gemsync-resv-date-v1", 20);
	memcpy(buf + 20, author, 32);
	memcpy(buf + 52, ev, 16);
	memcpy(buf + 68, date, 10);
	gs_hash(buf, sizeof(buf), h, sizeof(h));
	memcpy(out, h, 16);
}

/* The revocation ID, from the doc's description of its bytes. */
static void
doc_revoke_id(const uint8_t by[32], const uint8_t rv[32], uint8_t out[16])
{
	uint8_t buf[17 + 32 + 32], h[32];

	memcpy(buf, "gemsync-revoke-v1", 17);
	memcpy(buf + 17, by, 32);
	memcpy(buf + 49, rv, 32);
	gs_hash(buf, sizeof(buf), h, sizeof(h));
	memcpy(out, h, 16);
}

static void
be64(uint64_t v, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void
test_item_id_examples(void **state)
{
	struct fx *f = *state;
	uint8_t id[16], ev[16], h[32], buf[55];

	gs_item_id_new(f->pk, 1, ev);
	assert_hex(ev, 16, EX_ITEM1);
	gs_item_id_new(f->pk, 7, id);
	assert_hex(id, 16, EX_ITEM7);
	gs_item_id_site(f->pk, id);
	assert_hex(id, 16, EX_SITE);
	gs_item_id_revocation(f->pk, f->pk, id);
	assert_hex(id, 16, EX_REVOKE);
	gs_item_id_keylink(f->pk, id);
	assert_hex(id, 16, EX_KEYLINK);
	gs_item_id_reservation(f->pk, ev, id);
	assert_hex(id, 16, EX_RESV);
	assert_int_equal(gs_item_id_reservation_date(f->pk, ev, EX_DATE, id),
	    0);
	assert_hex(id, 16, EX_RESV_DATE);
	gs_item_id_confirmation(f->pk, ev, id);
	assert_hex(id, 16, EX_CONFIRM);
	/* only a 10-byte date key */
	assert_int_equal(gs_item_id_reservation_date(f->pk, ev, "2026-12-2",
	    id), GS_EINVAL);
	/* the untruncated hash of the seq 1 example */
	memcpy(buf, "gemsync-item-v1", 15);
	memcpy(buf + 15, f->pk, 32);
	be64(1, buf + 47);
	gs_hash(buf, sizeof(buf), h, sizeof(h));
	assert_hex(h, 32, EX_ITEM1_FULL);
	/* BLAKE2b-128 would give other bytes: the doc says so */
	gs_hash(buf, sizeof(buf), h, 16);
	assert_memory_not_equal(h, ev, 16);
}

static void
test_item_id_algorithm(void **state)
{
	uint8_t author[32], ev[16], rv[32], be[8], want[16], got[16];
	uint64_t seq;

	(void)state;
	for (int n = 0; n < 500; n++) {
		gs_random(author, sizeof(author));
		gs_random(&seq, sizeof(seq));
		if (n == 0)
			seq = UINT64_C(0x0102030405060708);   /* order of bytes matters */
		be64(seq, be);
		doc_item_id("gemsync-item-v1", author, be, 8, want);
		gs_item_id_new(author, seq, got);
		assert_memory_equal(got, want, 16);
		doc_item_id("gemsync-site-v1", author, NULL, 0, want);
		gs_item_id_site(author, got);
		assert_memory_equal(got, want, 16);
		doc_item_id("gemsync-keylink-v1", author, NULL, 0, want);
		gs_item_id_keylink(author, got);
		assert_memory_equal(got, want, 16);
		gs_random(ev, sizeof(ev));
		doc_item_id("gemsync-resv-v1", author, ev, 16, want);
		gs_item_id_reservation(author, ev, got);
		assert_memory_equal(got, want, 16);
		doc_item_id("gemsync-confirm-v1", author, ev, 16, want);
		gs_item_id_confirmation(author, ev, got);
		assert_memory_equal(got, want, 16);
		doc_resv_date_id(author, ev, "2027-01-05", want);
		assert_int_equal(gs_item_id_reservation_date(author, ev,
		    "2027-01-05", got), 0);
		assert_memory_equal(got, want, 16);
		gs_random(rv, sizeof(rv));
		doc_revoke_id(author, rv, want);
		gs_item_id_revocation(author, rv, got);
		assert_memory_equal(got, want, 16);
	}
}

/* ---- the HLC ---- */

static void
test_hlc_example(void **state)
{
	uint64_t t = GS_HLC_MAKE(EX_HLC_MS, EX_HLC_COUNTER);
	char text[32], num[32];

	(void)state;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)t);
	assert_string_equal(num, EX_HLC_DEC);
	snprintf(num, sizeof(num), "0x%016llx", (unsigned long long)t);
	assert_string_equal(num, EX_HLC_HEX);
	assert_true(GS_HLC_MS(t) == EX_HLC_MS);
	assert_int_equal(t & 0xffff, EX_HLC_COUNTER);
	/* milliseconds since the Unix epoch, shown in UTC */
	assert_true(EX_HLC_MS / 1000 == UINT64_C(1767225600));
	gs_hlc_format(t, text);
	assert_string_equal(text, EX_HLC_TEXT);
	/* the counter is not shown */
	gs_hlc_format(GS_HLC_MAKE(EX_HLC_MS, 0), text);
	assert_string_equal(text, EX_HLC_TEXT);
	gs_hlc_format(0, text);
	assert_string_equal(text, "1970-01-01T00:00:00.000Z");
}

/*
 * ---- summary digests ----
 * The doc's figures against the doc's layout (40 bytes per author: key,
 * seq as 8 bytes big-endian; BLAKE2b-256) and against gs_summary_digest,
 * which gossip sends.
 */
static void
test_digest_examples(void **state)
{
	struct fx *f = *state;
	struct gs_seqmap m = { NULL, 0, 0 };
	uint8_t buf[40], d[32];
	char hex[81];

	gs_hash("", 0, d, sizeof(d));
	assert_hex(d, 32, EX_DIGEST_EMPTY);
	assert_int_equal(gs_summary_digest(&m, d), 0);
	assert_hex(d, 32, EX_DIGEST_EMPTY);
	memcpy(buf, f->pk, 32);
	be64(7, buf + 32);
	gs_hex(buf, sizeof(buf), hex);
	assert_string_equal(hex, EX_SUM_BYTES);
	gs_hash(buf, sizeof(buf), d, sizeof(d));
	assert_hex(d, 32, EX_DIGEST_ONE);
	assert_int_equal(gs_seqmap_raise(&m, f->pk, 7), 0);
	memset(d, 0, sizeof(d));
	assert_int_equal(gs_summary_digest(&m, d), 0);
	assert_hex(d, 32, EX_DIGEST_ONE);
	gs_seqmap_free(&m);
}

/* ---- the docs show what the code computes ---- */

/* The whole file at GS_SRC_DIR/rel, NUL-terminated, or NULL. */
static char *
slurp(const char *src, const char *rel)
{
	char path[4096];
	FILE *fp;
	char *buf = NULL;
	long len;

	snprintf(path, sizeof(path), "%s/%s", src, rel);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)len + 1);
	if (buf == NULL)
		goto out;
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
out:
	fclose(fp);
	return buf;
}

static void
test_docs_show_examples(void **state)
{
	const char *src = getenv("GS_SRC_DIR");

	(void)state;
	if (src == NULL || src[0] == '\0') {
		print_message("GS_SRC_DIR not set: docs not checked\n");
		skip();
	}
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		char *text = slurp(src, shown[i].doc);

		if (text == NULL)
			fail_msg("cannot read %s/%s", src, shown[i].doc);
		if (strstr(text, shown[i].text) == NULL) {
			free(text);
			fail_msg("%s does not show %s", shown[i].doc,
			    shown[i].text);
		}
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siteid_example),
		cmocka_unit_test(test_siteid_algorithm),
		cmocka_unit_test(test_item_id_examples),
		cmocka_unit_test(test_item_id_algorithm),
		cmocka_unit_test(test_hlc_example),
		cmocka_unit_test(test_digest_examples),
		cmocka_unit_test(test_docs_show_examples),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
