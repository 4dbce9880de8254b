/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_replica_apply.c: the replica's apply gate (daemon/replica_apply.c,
 * gs_replica_apply) against the cases of docs/internals/reliability.md,
 * "Bad input from a peer", on the shared fixture's throw-away site
 * (fixture.h).
 * Site A and site B are trusted peers, U is unknown (untrusted) and X
 * blocked; each signs its own changes with gs_change_new. Every case checks the
 * refusal reason counted in gs_apply_stats and that the replica's state
 * (changes, authors, item fields) is what it was: garbage and truncated
 * headers, oversized headers and bodies, forged signatures, a body
 * swapped under a valid signature, a change claiming another author,
 * replays, gaps, missing parents, equivocation, blocked and unknown
 * authors, edits by a non-owner with and without co-host rights, HLC a
 * day ahead or behind, escape sequences and invalid UTF-8 in a title, a
 * mixed batch, a flood of 100,000 garbage changes, and an item's change
 * budget (a co-host's, the owner's and its reserve, in any order). Each test works in
 * its own mkdtemp folder, removed afterwards.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "fields.h"
#include "hlc.h"
#include "identity.h"
#include "item.h"
#include "itemset.h"
#include "replica.h"
#include "store.h"
#include "state.h"
#include "zip.h"

#include "fixture.h"

/* The replica holds exactly n changes (memory and store alike). */
static void
assert_changes(struct fx *f, uint64_t n)
{
	assert_int_equal(gs_replica_change_count(f->r), n);
}

/* ---- garbage, sizes, signatures ---- */

static void
test_garbage_and_truncated(void **state)
{
	struct fx *f = *state;
	struct gs_change *c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	struct gs_wire_change w = { 0 };
	struct gs_apply_stats st;
	uint8_t junk[300];
	int rc;

	/* every strict prefix of a valid header */
	for (size_t cut = 0; cut < c->header_len; cut++) {
		w = fx_wire(c);
		w.header_len = cut;
		rc = fx_apply_w(f, &w);
		assert_true(rc == GS_EPROTO || rc == GS_EBADSIG);
	}
	/* random bytes as header, a short and an empty signature */
	gs_random(junk, sizeof(junk));
	w = fx_wire(c);
	w.header = junk;
	w.header_len = sizeof(junk);
	rc = fx_apply_w(f, &w);
	assert_true(rc == GS_EPROTO || rc == GS_EBADSIG);
	w = fx_wire(c);
	w.sig_len = 63;
	rc = fx_apply_w(f, &w);
	assert_true(rc == GS_EPROTO || rc == GS_EBADSIG);
	w = fx_wire(c);
	w.sig = NULL;
	w.sig_len = 0;
	rc = fx_apply_w(f, &w);
	assert_true(rc == GS_EPROTO || rc == GS_EBADSIG);
	/* a NULL header with a length of 0 */
	w = fx_wire(c);
	w.header = NULL;
	w.header_len = 0;
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	/* a body that is not a gs.Body at all (hash matches: signed so) */
	{
		struct gs_change *g;
		uint8_t item[16];
		gs_item_id_new(gs_identity_pk(f->a), 1, item);
		g = fx_sign(gs_identity_sk(f->a), item, GS_TYPE_EVENT, 1,
		    fx_now_hlc(), NULL, 0, false, junk, 40);
		assert_int_equal(fx_apply_c(f, g), GS_EPROTO);
		gs_change_destroy(&g);
	}
	/* a pruned body (absent) cannot be applied */
	w = fx_wire(c);
	w.body = NULL;
	w.body_len = 0;
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	assert_changes(f, 0);
	assert_int_equal(gs_replica_author_count(f->r), 0);
	/* the honest change still goes in afterwards */
	assert_int_equal(fx_apply_c(f, c), 0);
	assert_changes(f, 1);
	/* an empty batch is no error */
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_replica_apply(f->r, NULL, 0, gs_identity_pk(f->a),
	    &st), 0);
	assert_int_equal(st.applied + st.refused + st.dup, 0);
	gs_change_destroy(&c);
}

static void
test_oversized(void **state)
{
	struct fx *f = *state;
	struct gs_change *c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	struct gs_wire_change w = { 0 };
	uint8_t *big;
	size_t blen = GS_MAX_BODY + 1;
	int rc;

	big = malloc(blen);
	assert_non_null(big);
	memset(big, 0x0a, blen);
	/* a header over GS_MAX_HEADER: the valid one, padded */
	memcpy(big, c->header, c->header_len);
	w = fx_wire(c);
	w.header = big;
	w.header_len = GS_MAX_HEADER + 1;
	rc = fx_apply_w(f, &w);
	assert_true(rc == GS_ETOOBIG || rc == GS_EPROTO);
	/* a body over GS_MAX_BODY under a valid header and signature */
	w = fx_wire(c);
	w.body = big;
	w.body_len = blen;
	assert_int_equal(fx_apply_w(f, &w), GS_ETOOBIG);
	/* gs_change_new refuses to sign one */
	{
		struct gs_change *o = NULL;
		assert_int_equal(gs_change_new(gs_identity_sk(f->a), c->item,
		    GS_TYPE_EVENT, 1, fx_now_hlc(), NULL, 0, false, big, blen,
		    &o), GS_EINVAL);
		assert_null(o);
	}
	free(big);
	assert_changes(f, 0);
	gs_change_destroy(&c);
}

static void
test_forged_signature(void **state)
{
	struct fx *f = *state;
	struct gs_change *c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	struct gs_wire_change w = { 0 };
	uint8_t sig[64];

	for (int bit = 0; bit < 512; bit += 37) {
		memcpy(sig, c->sig, 64);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		w = fx_wire(c);
		w.sig = sig;
		assert_int_equal(fx_apply_w(f, &w), GS_EBADSIG);
	}
	/* a flipped header bit breaks the signature too (or the parse) */
	{
		uint8_t *h = malloc(c->header_len);
		int rc;
		assert_non_null(h);
		memcpy(h, c->header, c->header_len);
		h[c->header_len - 1] ^= 0x01;   /* the deleted flag */
		w = fx_wire(c);
		w.header = h;
		rc = fx_apply_w(f, &w);
		assert_true(rc == GS_EBADSIG || rc == GS_EPROTO);
		free(h);
	}
	assert_changes(f, 0);
	assert_null(fx_title_of(f, c->item));
	gs_change_destroy(&c);
}

static void
test_body_swapped(void **state)
{
	struct fx *f = *state;
	struct gs_change *c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	struct gs_change *o = fx_root_event(f->a, 1, fx_now_hlc(),
	    "Autre titre");
	struct gs_wire_change w = fx_wire(c);

	/* valid signature over c's header, but the body of o */
	w.body = o->body;
	w.body_len = o->body_len;
	assert_int_equal(fx_apply_w(f, &w), GS_EBADHASH);
	assert_changes(f, 0);
	/* the body cut by one byte */
	w = fx_wire(c);
	w.body_len--;
	assert_int_equal(fx_apply_w(f, &w), GS_EBADHASH);
	assert_changes(f, 0);
	assert_int_equal(fx_apply_c(f, c), 0);
	assert_string_equal(fx_title_of(f, c->item), "Atelier");
	gs_change_destroy(&c);
	gs_change_destroy(&o);
}

/* What gs_replica_changes_after gives for the one stored change. */
struct sent {
	uint8_t *bytes;
	size_t len;
	bool packed;
};

static int
on_sent(int64_t rowid, const uint8_t author[32], uint64_t seq,
    const struct gs_wire_change *w, void *arg)
{
	struct sent *s = arg;
	const uint8_t *b = w->packed != NULL ? w->packed : w->body;

	(void)rowid;
	(void)author;
	(void)seq;
	s->len = w->packed != NULL ? w->packed_len : w->body_len;
	s->packed = w->packed != NULL;
	s->bytes = malloc(s->len);
	assert_non_null(s->bytes);
	memcpy(s->bytes, b, s->len);
	return 0;
}

/* A wire change whose body travels packed (protocol 2). */
static struct gs_wire_change
packed_wire(const struct gs_change *c, const uint8_t *p, size_t plen)
{
	struct gs_wire_change w = fx_wire(c);

	w.body = NULL;
	w.body_len = 0;
	w.packed = p;
	w.packed_len = plen;
	return w;
}

static void
test_packed_body(void **state)
{
	static const uint8_t skip[8] = { 0x50, 0x2a, 0x4d, 0x18, 0, 2, 0, 0 };
	struct fx *f = *state;
	struct gs_zip *z = gs_zip_new();
	char title[190], other[190];
	struct gs_change *c, *o;
	struct gs_wire_change w;
	struct sent s = { 0 };
	uint8_t *p = NULL, *q = NULL, *big;
	size_t plen = 0, qlen = 0;

	assert_non_null(z);
	for (size_t i = 0; i + 1 < sizeof(title); i++)
		title[i] = "Atelier peinture "[i % 17];
	title[sizeof(title) - 1] = '\0';
	memcpy(other, title, sizeof(other));
	other[0] = 'B';
	c = fx_root_event(f->a, 1, fx_now_hlc(), title);
	o = fx_root_event(f->a, 1, fx_now_hlc(), other);
	assert_int_equal(gs_zip_pack(z, c->body, c->body_len, &p, &plen), 0);
	assert_non_null(p);
	assert_true(plen < c->body_len);
	/* not the packed form: another first byte */
	p[0] = 0x02;
	w = packed_wire(c, p, plen);
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	p[0] = GS_ZIP_ZSTD;
	/* a frame cut short */
	w = packed_wire(c, p, plen - 3);
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	/* padded with a skippable frame up to the plain size: not stored */
	q = malloc(c->body_len + 1024);
	assert_non_null(q);
	memcpy(q, p, plen);
	memcpy(q + plen, skip, sizeof(skip));
	memset(q + plen + sizeof(skip), 0, 512);
	w = packed_wire(c, q, plen + sizeof(skip) + 512);
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	free(q);
	q = NULL;
	/* a frame that would unpack beyond the largest body */
	big = calloc(1, GS_MAX_BODY + 1);
	assert_non_null(big);
	assert_int_equal(gs_zip_pack(z, big, GS_MAX_BODY + 1, &q, &qlen), 0);
	assert_non_null(q);
	free(big);
	w = packed_wire(c, q, qlen);
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	free(q);
	q = NULL;
	/* another body, packed: its hash is not the header's */
	assert_int_equal(gs_zip_pack(z, o->body, o->body_len, &q, &qlen), 0);
	assert_non_null(q);
	w = packed_wire(c, q, qlen);
	assert_int_equal(fx_apply_w(f, &w), GS_EBADHASH);
	assert_changes(f, 0);
	/* the right one is applied, read back, and stored as it came */
	w = packed_wire(c, p, plen);
	assert_int_equal(fx_apply_w(f, &w), 0);
	assert_string_equal(fx_title_of(f, c->item), title);
	assert_int_equal(gs_replica_changes_after(f->r, 0, 0, true, on_sent,
	    &s), 0);
	assert_true(s.packed);
	assert_int_equal(s.len, plen);
	assert_memory_equal(s.bytes, p, plen);
	free(s.bytes);
	/* and unpacked for a peer that speaks protocol 1 */
	assert_int_equal(gs_replica_changes_after(f->r, 0, 0, false, on_sent,
	    &s), 0);
	assert_false(s.packed);
	assert_int_equal(s.len, c->body_len);
	assert_memory_equal(s.bytes, c->body, c->body_len);
	free(s.bytes);
	free(p);
	free(q);
	gs_zip_free(z);
	gs_change_destroy(&c);
	gs_change_destroy(&o);
}

/* The encoded state of an item, merged (fresh) or as it stands. */
static void
state_bytes(struct gs_item *it, bool fresh, uint8_t **out, size_t *len)
{
	const struct gs_state *st;

	if (fresh)
		it->dirty = 1;
	st = gs_item_state(it);
	assert_non_null(st);
	assert_int_equal(gs_state_encode(st, out, len), 0);
}

/*
 * An item read back with its changes keeps its stored state, which is
 * what merging those changes again gives (a conflict and two heads
 * included), and a change on its heads is folded in: nothing is merged.
 */
static void
test_full_load_keeps_stored_merge(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *e2 = fx_edit(f->a, 2, t + 65536, root, "title",
	    "Atelier A");
	struct gs_change *e3 = fx_edit(f->a, 3, t + 2 * 65536, root, "title",
	    "Atelier B");
	struct gs_change *e4 = fx_edit(f->a, 4, t + 3 * 65536, e3, "place",
	    "Salle 2");
	struct gs_change *e5;
	struct gs_item *it;
	uint8_t heads[2][32], *kept = NULL, *merged = NULL, *b = NULL;
	size_t kept_len = 0, merged_len = 0, blen;

	assert_int_equal(fx_apply_c(f, root), 0);
	assert_int_equal(fx_apply_c(f, e2), 0);
	assert_int_equal(fx_apply_c(f, e3), 0);
	assert_int_equal(fx_apply_c(f, e4), 0);
	fx_close(f);
	fx_open(f);
	assert_int_equal(gs_replica_item_full(f->r, root->item, &it), 0);
	assert_int_equal(it->n, 4);
	state_bytes(it, false, &kept, &kept_len);
	assert_int_equal(gs_item_merges(it), 0);
	assert_int_equal(gs_item_state(it)->nheads, 2);
	assert_int_equal(gs_item_state(it)->nconflicts, 1);
	state_bytes(it, true, &merged, &merged_len);
	assert_int_equal(gs_item_merges(it), 1);
	assert_int_equal(kept_len, merged_len);
	assert_memory_equal(kept, merged, kept_len);
	/* a change on both heads, applied to a cold cache */
	memcpy(heads[0], e2->id, 32);
	memcpy(heads[1], e4->id, 32);
	fx_body_kv(&b, &blen, "title", "Atelier C", NULL);
	e5 = fx_sign(gs_identity_sk(f->a), root->item, GS_TYPE_EVENT, 5,
	    t + 4 * 65536, (const uint8_t (*)[32])heads, 2, false, b, blen);
	fx_close(f);
	fx_open(f);
	assert_int_equal(fx_apply_c(f, e5), 0);
	it = gs_replica_item(f->r, root->item);
	assert_non_null(it);
	assert_int_equal(gs_item_merges(it), 0);
	assert_string_equal(fx_title_of(f, root->item), "Atelier C");
	assert_int_equal(gs_item_state(it)->nconflicts, 0);
	free(kept);
	free(merged);
	free(b);
	gs_change_destroy(&root);
	gs_change_destroy(&e2);
	gs_change_destroy(&e3);
	gs_change_destroy(&e4);
	gs_change_destroy(&e5);
}

static void
test_claims_other_author(void **state)
{
	struct fx *f = *state;
	struct gs_change *c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	struct gs_wire_change w = fx_wire(c);
	uint8_t sig[64];

	/* header says author A; U signs it */
	assert_int_equal(gs_sign(gs_identity_sk(f->u), c->header,
	    c->header_len, sig), 0);
	w.sig = sig;
	assert_int_equal(fx_apply_w(f, &w), GS_EBADSIG);
	/* and B, a trusted site, cannot sign for A either */
	assert_int_equal(gs_sign(gs_identity_sk(f->b), c->header,
	    c->header_len, sig), 0);
	assert_int_equal(fx_apply_w(f, &w), GS_EBADSIG);
	assert_changes(f, 0);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->a)), 0);
	gs_change_destroy(&c);
}

/* ---- sequences and parents ---- */

static void
test_replay(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *c1 = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *c2 = fx_edit(f->a, 2, t + 1, c1, "title",
	    "Atelier 2");

	assert_int_equal(fx_apply_c(f, c1), 0);
	assert_int_equal(fx_apply_c(f, c2), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_apply_c(f, c1), GS_EDUP);
		assert_int_equal(fx_apply_c(f, c2), GS_EDUP);
	}
	assert_changes(f, 2);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->a)), 2);
	assert_string_equal(fx_title_of(f, c1->item), "Atelier 2");
	gs_change_destroy(&c1);
	gs_change_destroy(&c2);
}

static void
test_sequence_gap(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *c1 = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *c2 = fx_edit(f->a, 2, t + 1, c1, "title", "deux");
	struct gs_change *c3 = fx_edit(f->a, 3, t + 2, c2, "title", "trois");
	struct gs_change *r2 = fx_root_event(f->b, 2, t, "B sans 1");

	assert_int_equal(fx_apply_c(f, r2), GS_EGAP);   /* B starts at 2 */
	assert_int_equal(fx_apply_c(f, c1), 0);
	assert_int_equal(fx_apply_c(f, c3), GS_EGAP);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->a)), 1);
	assert_int_equal(fx_apply_c(f, c2), 0);
	assert_int_equal(fx_apply_c(f, c3), 0);
	assert_string_equal(fx_title_of(f, c1->item), "trois");
	assert_changes(f, 3);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->b)), 0);
	gs_change_destroy(&c1);
	gs_change_destroy(&c2);
	gs_change_destroy(&c3);
	gs_change_destroy(&r2);
}

static void
test_missing_parent(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *c1 = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *bogus = fx_root_event(f->a, 1, t, "jamais vu");
	struct gs_change *e, *orphan;
	uint8_t *b = NULL, fake[32];
	size_t blen;

	assert_int_equal(fx_apply_c(f, c1), 0);
	/* an edit of the held item naming a parent nobody has */
	gs_random(fake, sizeof(fake));
	fx_body_kv(&b, &blen, "title", "x", NULL);
	e = fx_sign(gs_identity_sk(f->a), c1->item, GS_TYPE_EVENT, 2, t + 1,
	    (const uint8_t (*)[32])fake, 1, false, b, blen);
	assert_int_equal(fx_apply_c(f, e), GS_ENOPARENT);
	/* an edit of an item not held at all */
	orphan = fx_edit(f->b, 1, t + 1, bogus, "title", "y");
	assert_int_equal(fx_apply_c(f, orphan), GS_ENOPARENT);
	assert_changes(f, 1);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->b)), 0);
	assert_string_equal(fx_title_of(f, c1->item), "Atelier");
	free(b);
	gs_change_destroy(&c1);
	gs_change_destroy(&bogus);
	gs_change_destroy(&e);
	gs_change_destroy(&orphan);
}

static void
test_equivocation(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *one = fx_root_event(f->a, 1, t, "Un");
	struct gs_change *two = fx_root_event(f->a, 1, t, "Deux");
	struct gs_change *next;
	int64_t n = -1;

	assert_memory_not_equal(one->id, two->id, 32);
	assert_int_equal(fx_apply_c(f, one), 0);
	assert_int_equal(fx_apply_c(f, two), GS_EEQUIVOC);
	assert_int_equal(gs_store_equivocation_count(f->st,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(fx_title_of(f, one->item), "Un");
	/* never flips, whatever the order that follows */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_apply_c(f, one), GS_EDUP);
		assert_int_equal(fx_apply_c(f, two), GS_EEQUIVOC);
		assert_string_equal(fx_title_of(f, one->item), "Un");
	}
	/* the same proof sent again is not stored again */
	assert_int_equal(gs_store_equivocation_count(f->st,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_changes(f, 1);
	/* the author's next change still builds on the first */
	next = fx_edit(f->a, 2, t + 1, one, "title", "Un bis");
	assert_int_equal(fx_apply_c(f, next), 0);
	assert_string_equal(fx_title_of(f, one->item), "Un bis");
	gs_change_destroy(&one);
	gs_change_destroy(&two);
	gs_change_destroy(&next);
}

/* A revocation of who's key by by, keeping who's changes up to last. */
static struct gs_change *
revocation(const struct gs_identity *by, const struct gs_identity *who,
    uint64_t seq, uint64_t hlc, const char *last)
{
	uint8_t item[16], *body = NULL;
	size_t len = 0;
	struct gs_change *c;

	gs_item_id_revocation(gs_identity_pk(by), gs_identity_pk(who), item);
	fx_body_kv(&body, &len, "last_seq", last, "site",
	    gs_identity_siteid(who), NULL);
	c = fx_sign(gs_identity_sk(by), item, GS_TYPE_REVOCATION, seq, hlc,
	    NULL, 0, false, body, len);
	free(body);
	return c;
}

/*
 * A self-revocation acts at once and after a restart: the key's changes
 * numbered after it are refused, those before stay; it names itself as
 * the last kept, takes no edit; a revocation by a site that did not
 * introduce the revoked one is kept and does nothing.
 */
static void
test_revocation_rules(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *e1 = fx_root_event(f->a, 1, t, "Avant");
	struct gs_change *byb = revocation(f->b, f->a, 1, t + 1, "1");
	struct gs_change *bad = revocation(f->a, f->a, 2, t + 2, "1");
	struct gs_change *self = revocation(f->a, f->a, 2, t + 2, "2");
	struct gs_change *e3 = fx_root_event(f->a, 3, t + 3, "Après");
	struct gs_change *ed = fx_edit(f->a, 3, t + 3, self, "reason", "x");
	struct gs_change *e2 = fx_root_event(f->a, 2, t + 4, "Encore");
	struct gs_change *bed = fx_edit(f->b, 2, t + 5, byb, "last_seq", "0");
	uint64_t last = 0;

	assert_int_equal(fx_apply_c(f, e1), 0);
	/* B did not introduce A here: kept, no effect */
	assert_int_equal(fx_apply_c(f, byb), 0);
	assert_false(gs_replica_revoked(f->r, gs_identity_pk(f->a), NULL,
	    NULL));
	/* final: no edit */
	assert_int_equal(fx_apply_c(f, bed), GS_EINVAL);
	/* a self-revocation must name itself as the last change kept */
	assert_int_equal(fx_apply_c(f, bad), GS_EINVAL);
	assert_int_equal(fx_apply_c(f, self), 0);
	assert_true(gs_replica_revoked(f->r, gs_identity_pk(f->a), &last,
	    NULL));
	assert_int_equal(last, 2);
	assert_int_equal(fx_apply_c(f, e3), GS_EREVOKED);
	assert_int_equal(fx_apply_c(f, ed), GS_EREVOKED);
	fx_close(f);
	fx_open(f);
	assert_int_equal(fx_apply_c(f, e3), GS_EREVOKED);
	assert_string_equal(fx_title_of(f, e1->item), "Avant");
	/* the equivocating twin of the revocation is not a way around it */
	assert_int_equal(fx_apply_c(f, e2), GS_EEQUIVOC);
	gs_change_destroy(&e1);
	gs_change_destroy(&byb);
	gs_change_destroy(&bad);
	gs_change_destroy(&self);
	gs_change_destroy(&e3);
	gs_change_destroy(&ed);
	gs_change_destroy(&e2);
	gs_change_destroy(&bed);
}

/*
 * The key link from old to next, signed for next by signer (next itself
 * when honest), numbered seq and naming last as old's last change.
 */
static struct gs_change *
keylink(const struct gs_identity *old, const struct gs_identity *next,
    const struct gs_identity *signer, uint64_t seq, uint64_t hlc,
    const char *last)
{
	uint8_t item[16], msg[GS_KEYLINK_MSG_LEN], sig[64], *body = NULL;
	char hex[129];
	size_t len = 0;
	struct gs_change *c;

	gs_item_id_keylink(gs_identity_pk(old), item);
	gs_item_keylink_msg(gs_identity_pk(old), gs_identity_pk(next), msg);
	assert_int_equal(gs_sign(gs_identity_sk(signer), msg, sizeof(msg),
	    sig), 0);
	gs_hex(sig, 64, hex);
	fx_body_kv(&body, &len, "last_seq", last, "sig", hex, "site",
	    gs_identity_siteid(next), NULL);
	c = fx_sign(gs_identity_sk(old), item, GS_TYPE_KEYLINK, seq, hlc,
	    NULL, 0, false, body, len);
	free(body);
	return c;
}

/*
 * A key link: signed by the new key over (domain, old, new), the old
 * key's last change, final; the new key gets the old key's trust, owns
 * and edits what the old key wrote; the old key's later changes are
 * refused (also after a restart); no key is linked twice nor back.
 */
static void
test_keylink_rules(void **state)
{
	struct fx *f = *state;
	const uint8_t *a = gs_identity_pk(f->a), *u = gs_identity_pk(f->u);
	const struct gs_trust_site *ts;
	uint64_t t = fx_now_hlc(), last = 0;
	uint8_t next[32];
	struct gs_change *e1 = fx_root_event(f->a, 1, t, "Avant");
	struct gs_change *forged = keylink(f->a, f->u, f->b, 2, t + 1, "2");
	struct gs_change *notlast = keylink(f->a, f->u, f->u, 2, t + 1, "1");
	struct gs_change *self = keylink(f->a, f->a, f->a, 2, t + 1, "2");
	struct gs_change *link = keylink(f->a, f->u, f->u, 2, t + 2, "2");
	struct gs_change *ed = fx_edit(f->u, 1, t + 3, e1, "title",
	    "Par la nouvelle clé");
	struct gs_change *bed = fx_edit(f->b, 1, t + 4, e1, "title", "Intrus");
	struct gs_change *after = fx_root_event(f->a, 3, t + 5, "Volé");
	struct gs_change *lned = fx_edit(f->a, 3, t + 5, link, "site",
	    gs_identity_siteid(f->b));
	struct gs_change *back = keylink(f->u, f->a, f->a, 2, t + 6, "2");
	struct gs_change *fork = keylink(f->b, f->u, f->u, 1, t + 7, "1");

	assert_int_equal(fx_apply_c(f, e1), 0);
	/* the unknown key u is refused until a link names it */
	assert_int_equal(fx_apply_c(f, ed), GS_EUNTRUSTED);
	assert_int_equal(fx_apply_c(f, forged), GS_EBADSIG);
	assert_int_equal(fx_apply_c(f, notlast), GS_EINVAL);
	assert_int_equal(fx_apply_c(f, self), GS_EINVAL);
	assert_false(gs_replica_replaced(f->r, a, NULL, NULL));
	assert_int_equal(fx_apply_c(f, link), 0);
	assert_true(gs_replica_replaced(f->r, a, next, &last));
	assert_memory_equal(next, u, 32);
	assert_int_equal(last, 2);
	assert_true(gs_replica_same_site(f->r, a, u));
	assert_false(gs_replica_same_site(f->r, a, gs_identity_pk(f->b)));
	/* u has a's trust, in the table too; a's row stays */
	ts = gs_trust_get(f->trust, u);
	assert_non_null(ts);
	assert_int_equal(ts->trust, GS_TRUST_TRUSTED);
	assert_int_equal(gs_replica_author_ok(f->r, a), 0);
	/* the new key edits what the old one wrote; another site may not */
	assert_int_equal(fx_apply_c(f, ed), 0);
	assert_string_equal(fx_title_of(f, e1->item), "Par la nouvelle clé");
	assert_int_equal(fx_apply_c(f, bed), GS_EDENIED);
	/* the old key after its link, and the link edited: refused */
	assert_int_equal(fx_apply_c(f, after), GS_EROTATED);
	assert_int_equal(fx_apply_c(f, lned), GS_EROTATED);
	fx_close(f);
	fx_open(f);
	assert_int_equal(fx_apply_c(f, after), GS_EROTATED);
	assert_true(gs_replica_same_site(f->r, u, a));
	assert_string_equal(fx_title_of(f, e1->item), "Par la nouvelle clé");
	/* no cycle, no second key claiming u */
	assert_int_equal(fx_apply_c(f, back), GS_EINVAL);
	assert_int_equal(fx_apply_c(f, fork), GS_EINVAL);
	assert_memory_equal(gs_replica_current_key(f->r, a), u, 32);
	gs_change_destroy(&e1);
	gs_change_destroy(&forged);
	gs_change_destroy(&notlast);
	gs_change_destroy(&self);
	gs_change_destroy(&link);
	gs_change_destroy(&ed);
	gs_change_destroy(&bed);
	gs_change_destroy(&after);
	gs_change_destroy(&lned);
	gs_change_destroy(&back);
	gs_change_destroy(&fork);
}

/* e: the proof that c1 and c2, of one author and seq, equivocate. */
static void
proof_of(struct gs_equivoc_row *e, const struct gs_change *c1,
    const struct gs_change *c2, const uint8_t *sig2)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->author, c1->author, 32);
	e->seq = c1->seq;
	e->hdr_a = c1->header;
	e->len_a = c1->header_len;
	e->sig_a = c1->sig;
	e->hdr_b = c2->header;
	e->len_b = c2->header_len;
	e->sig_b = sig2;
}

/*
 * A proof of equivocation from a peer is checked before it is kept, and
 * only when it would be kept.
 */
static void
test_equivocation_proof(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *one = fx_root_event(f->a, 1, t, "Un");
	struct gs_change *two = fx_root_event(f->a, 1, t, "Deux");
	struct gs_change *other = fx_root_event(f->a, 2, t, "Autre");
	struct gs_change *u1 = fx_root_event(f->u, 1, t, "Un");
	struct gs_change *u2 = fx_root_event(f->u, 1, t, "Deux");
	struct gs_equivoc_row e;
	uint8_t sig[64];
	int64_t n = -1;

	memset(&e, 0, sizeof(e));
	memcpy(e.author, gs_identity_pk(f->a), 32);
	e.seq = 1;
	e.hdr_a = one->header;
	e.len_a = one->header_len;
	e.sig_a = one->sig;
	e.hdr_b = one->header;
	e.len_b = one->header_len;
	e.sig_b = one->sig;
	/* the same change twice proves nothing */
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), GS_EPROTO);
	/* another sequence number is no equivocation */
	e.hdr_b = other->header;
	e.len_b = other->header_len;
	e.sig_b = other->sig;
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), GS_EPROTO);
	/* a signature that does not verify */
	memcpy(sig, two->sig, 64);
	sig[3] ^= 1;
	e.hdr_b = two->header;
	e.len_b = two->header_len;
	e.sig_b = sig;
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), GS_EBADSIG);
	/* another author named */
	e.sig_b = two->sig;
	memcpy(e.author, gs_identity_pk(f->b), 32);
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), GS_EPROTO);
	assert_int_equal(gs_store_equivocation_count(f->st, &n), 0);
	assert_int_equal(n, 0);
	/* a true proof: kept once */
	memcpy(e.author, gs_identity_pk(f->a), 32);
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), 1);
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), 0);
	/* a true proof about a site unknown here: not kept */
	memcpy(e.author, gs_identity_pk(f->u), 32);
	e.hdr_a = u1->header;
	e.len_a = u1->header_len;
	e.sig_a = u1->sig;
	e.hdr_b = u2->header;
	e.len_b = u2->header_len;
	e.sig_b = u2->sig;
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), 0);
	assert_int_equal(gs_store_equivocation_count(f->st, &n), 0);
	assert_int_equal(n, 1);
	/* what would not be kept is dropped before its signatures are
	 * checked: a bad signature about an unknown site, and about a
	 * sequence of A whose proof is held, both answer 0, not GS_EBADSIG */
	memcpy(sig, u2->sig, 64);
	sig[3] ^= 1;
	proof_of(&e, u1, u2, sig);
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), 0);
	memcpy(sig, two->sig, 64);
	sig[3] ^= 1;
	proof_of(&e, one, two, sig);
	assert_int_equal(gs_replica_equivocation_add(f->r, &e), 0);
	assert_int_equal(gs_store_equivocation_count(f->st, &n), 0);
	assert_int_equal(n, 1);
	gs_change_destroy(&one);
	gs_change_destroy(&two);
	gs_change_destroy(&other);
	gs_change_destroy(&u1);
	gs_change_destroy(&u2);
}

/* Both of an equivocating pair in one batch: the first wins. */
static void
test_equivocation_in_batch(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *one = fx_root_event(f->a, 1, t, "Un");
	struct gs_change *two = fx_root_event(f->a, 1, t, "Deux");
	struct gs_wire_change w[2] = { fx_wire(two), fx_wire(one) };
	struct gs_apply_stats st;
	int64_t n = -1;

	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_replica_apply(f->r, w, 2, gs_identity_pk(f->b),
	    &st), 0);
	assert_int_equal(st.applied, 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.by_reason[-GS_EEQUIVOC], 1);
	assert_string_equal(fx_title_of(f, one->item), "Deux");
	assert_int_equal(gs_store_equivocation_count(f->st,
	    &n), 0);
	assert_int_equal(n, 1);
	gs_change_destroy(&one);
	gs_change_destroy(&two);
}

/* ---- who may write ---- */

static void
test_blocked_and_untrusted(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *xc = fx_root_event(f->x, 1, t, "bloqué");
	struct gs_change *uc = fx_root_event(f->u, 1, t, "inconnu");
	struct gs_change *ac = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *ue;

	assert_int_equal(fx_apply_c(f, xc), GS_EBLOCKED);
	assert_int_equal(fx_apply_c(f, uc), GS_EUNTRUSTED);
	/* no per-author state kept for them */
	assert_int_equal(gs_replica_author_count(f->r), 0);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->u)), 0);
	assert_null(fx_title_of(f, uc->item));
	/* nor may they edit a trusted site's item */
	assert_int_equal(fx_apply_c(f, ac), 0);
	ue = fx_edit(f->u, 1, t + 1, ac, "title", "pris");
	assert_int_equal(fx_apply_c(f, ue), GS_EUNTRUSTED);
	assert_string_equal(fx_title_of(f, ac->item), "Atelier");
	assert_int_equal(gs_replica_author_count(f->r), 1);
	assert_changes(f, 1);
	/* a replica without a trust callback takes only its own changes */
	fx_trust(f, NULL, FX_NO_TRUST);
	{
		struct gs_change *a2 = fx_edit(f->a, 2, t + 2, ac, "title",
		    "z");
		assert_int_equal(fx_apply_c(f, a2), GS_EUNTRUSTED);
		gs_change_destroy(&a2);
	}
	fx_trust(f, NULL, 0);
	gs_change_destroy(&xc);
	gs_change_destroy(&uc);
	gs_change_destroy(&ac);
	gs_change_destroy(&ue);
}

/*
 * An untrusted author met in a batch becomes pending, in memory and on
 * disk alike: it is recorded after the batch's transaction ended, so the
 * batch's commit or rollback cannot part the two.
 */
static void
test_unknown_author_pending_after_batch(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *uc = fx_root_event(f->u, 1, t, "inconnu");
	struct gs_change *ac = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_wire_change w[2] = { fx_wire(uc), fx_wire(ac) };
	struct gs_apply_stats st;
	const struct gs_trust_site *s;
	struct gs_trust *reread = NULL;

	assert_null(gs_trust_get(f->trust, gs_identity_pk(f->u)));
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_replica_apply(f->r, w, 2, gs_identity_pk(f->a),
	    &st), 0);
	assert_int_equal(st.applied, 1);
	assert_int_equal(st.by_reason[-GS_EUNTRUSTED], 1);
	s = gs_trust_get(f->trust, gs_identity_pk(f->u));
	assert_non_null(s);
	assert_int_equal(s->trust, GS_TRUST_PENDING);
	/* the store says the same, read afresh */
	assert_int_equal(gs_trust_load(f->st, gs_replica_pk(f->r), &reread), 0);
	s = gs_trust_get(reread, gs_identity_pk(f->u));
	assert_non_null(s);
	assert_int_equal(s->trust, GS_TRUST_PENDING);
	gs_trust_destroy(&reread);
	/* still untrusted: its changes stay refused */
	assert_int_equal(fx_apply_c(f, uc), GS_EUNTRUSTED);
	assert_int_equal(gs_replica_author_count(f->r), 1);
	gs_change_destroy(&uc);
	gs_change_destroy(&ac);
}

static void
test_edit_rights(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *b1, *cohost, *b2, *b3, *b4;

	assert_int_equal(fx_apply_c(f, root), 0);
	/* B is neither owner nor co-host */
	b1 = fx_edit(f->b, 1, t + 1, root, "title", "volé");
	assert_int_equal(fx_apply_c(f, b1), GS_EDENIED);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->b)), 0);
	/* A lists B as co-host */
	cohost = fx_edit(f->a, 2, t + 2, root, "cohosts",
	    gs_identity_siteid(f->b));
	assert_int_equal(fx_apply_c(f, cohost), 0);
	/* B's edit on top of that is accepted (b1 used seq 1, never held) */
	b2 = fx_edit(f->b, 1, t + 3, cohost, "title", "Atelier partagé");
	assert_int_equal(fx_apply_c(f, b2), 0);
	assert_string_equal(fx_title_of(f, root->item), "Atelier partagé");
	/* co-hosts may not change who may edit */
	b3 = fx_edit(f->b, 2, t + 4, b2, "cohosts", "");
	assert_int_equal(fx_apply_c(f, b3), GS_EDENIED);
	/* rights are judged on the state the parents saw: the root alone */
	b4 = fx_edit(f->b, 2, t + 4, root, "title", "avant co-hôte");
	assert_int_equal(fx_apply_c(f, b4), GS_EDENIED);
	assert_string_equal(fx_title_of(f, root->item), "Atelier partagé");
	assert_changes(f, 3);
	gs_change_destroy(&root);
	gs_change_destroy(&b1);
	gs_change_destroy(&cohost);
	gs_change_destroy(&b2);
	gs_change_destroy(&b3);
	gs_change_destroy(&b4);
}

/* ---- the change budget of an item (change.h) ---- */

/*
 * Signs n edits by id writing name=value, each on the one before (fan:
 * each on parent), the first on parent (lent), from sequence seq on and
 * after *hlc (moved on), and applies them as one batch from A; st
 * receives the counts. Returns the last edit (the caller's). The budget
 * counts changes whatever their shape: a fan of thousands keeps the test
 * quick where a chain as long costs seconds of merging.
 */
static struct gs_change *
apply_chain(struct fx *f, const struct gs_identity *id, uint64_t seq,
    uint64_t *hlc, const struct gs_change *parent, size_t n, bool fan,
    const char *name, const char *value, struct gs_apply_stats *st)
{
	struct gs_change **cs = calloc(n, sizeof(*cs));
	struct gs_wire_change *w = calloc(n, sizeof(*w));
	struct gs_change *last;

	assert_non_null(cs);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++) {
		cs[i] = fx_edit(id, seq + i, ++*hlc, i && !fan ? cs[i - 1] :
		    parent, name, value);
		w[i] = fx_wire(cs[i]);
	}
	memset(st, 0, sizeof(*st));
	assert_int_equal(gs_replica_apply(f->r, w, n, gs_identity_pk(f->a),
	    st), 0);
	last = cs[n - 1];
	for (size_t i = 0; i + 1 < n; i++)
		gs_change_destroy(&cs[i]);
	free(cs);
	free(w);
	return last;
}

/* An edit by id on parent writing name=value (and name2=value2). */
static int
try_edit(struct fx *f, const struct gs_identity *id, uint64_t seq,
    uint64_t hlc, const struct gs_change *parent, const char *name,
    const char *value, const char *name2, const char *value2)
{
	struct gs_change *c;
	uint8_t *b = NULL;
	size_t blen;
	int rc;

	fx_body_kv(&b, &blen, name, value, name2, value2, NULL);
	c = fx_sign(gs_identity_sk(id), parent->item, parent->type, seq, hlc,
	    (const uint8_t (*)[32])parent->id, 1,
	    strcmp(name, GS_FIELD_DELETED) == 0 && strcmp(value, "1") == 0,
	    b, blen);
	free(b);
	rc = fx_apply_c(f, c);
	gs_change_destroy(&c);
	return rc;
}

/*
 * A co-host writes its GS_ITEM_GUEST_CHANGES edits and no more; the owner,
 * whose item now holds more than that, still edits, and once it has used
 * its ordinary budget it still cancels, changes the co-host list and
 * deletes, until its reserve is used too. Refusals leave nothing behind.
 */
static void
test_change_budget(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	uint64_t aseq = 3;
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *cohost, *bl, *al, *ar, *edit;
	struct gs_apply_stats st;
	size_t ordinary = GS_MAX_ITEM_CHANGES - GS_ITEM_OWNER_RESERVE;

	assert_int_equal(fx_apply_c(f, root), 0);
	cohost = fx_edit(f->a, 2, ++t, root, "cohosts",
	    gs_identity_siteid(f->b));
	assert_int_equal(fx_apply_c(f, cohost), 0);
	/* the co-host's budget, then one more: refused, whatever it writes */
	bl = apply_chain(f, f->b, 1, &t, cohost, GS_ITEM_GUEST_CHANGES,
	    false, "title", "B", &st);
	assert_int_equal(st.applied, GS_ITEM_GUEST_CHANGES);
	assert_int_equal(try_edit(f, f->b, GS_ITEM_GUEST_CHANGES + 1, ++t, bl,
	    "title", "B de trop", NULL, NULL), GS_EBUDGET);
	assert_int_equal(try_edit(f, f->b, GS_ITEM_GUEST_CHANGES + 1, ++t, bl,
	    "cancelled", "yes", NULL, NULL), GS_EBUDGET);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->b)),
	    GS_ITEM_GUEST_CHANGES);
	assert_string_equal(fx_title_of(f, root->item), "B");
	/* the owner is not held back by what the co-host wrote */
	edit = fx_edit(f->a, aseq++, ++t, bl, "title", "A");
	assert_int_equal(fx_apply_c(f, edit), 0);
	/* the owner's ordinary budget: 3 written, the rest in one batch */
	al = apply_chain(f, f->a, aseq, &t, edit, ordinary - 3, true, "title",
	    "A2", &st);
	assert_int_equal(st.applied, ordinary - 3);
	aseq += ordinary - 3;
	assert_int_equal(try_edit(f, f->a, aseq, ++t, al, "title", "A3", NULL,
	    NULL), GS_EBUDGET);
	/* a cancel mixed with an edit is an edit */
	assert_int_equal(try_edit(f, f->a, aseq, ++t, al, "cancelled", "yes",
	    "title", "A3"), GS_EBUDGET);
	assert_string_equal(fx_title_of(f, root->item), "A2");
	/* the reserve: cancel (a date too), drop the co-host, delete */
	assert_int_equal(try_edit(f, f->a, aseq++, ++t, al, "cancelled", "yes",
	    NULL, NULL), 0);
	ar = apply_chain(f, f->a, aseq, &t, al, GS_ITEM_OWNER_RESERVE - 2,
	    false, "cohosts", "", &st);
	assert_int_equal(st.applied, GS_ITEM_OWNER_RESERVE - 2);
	aseq += GS_ITEM_OWNER_RESERVE - 2;
	assert_int_equal(try_edit(f, f->a, aseq++, ++t, ar, GS_FIELD_DELETED,
	    "1", NULL, NULL), 0);
	/* the reserve is used up too: nothing more, not even a delete */
	assert_int_equal(try_edit(f, f->a, aseq, ++t, ar, GS_FIELD_DELETED,
	    "1", NULL, NULL), GS_EBUDGET);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->a)),
	    GS_MAX_ITEM_CHANGES);
	assert_changes(f, GS_MAX_ITEM_CHANGES + GS_ITEM_GUEST_CHANGES);
	gs_change_destroy(&root);
	gs_change_destroy(&cohost);
	gs_change_destroy(&bl);
	gs_change_destroy(&edit);
	gs_change_destroy(&al);
	gs_change_destroy(&ar);
}

/*
 * Each author's budget is counted over its own changes: the same changes
 * arriving in another order get the same answers, here the owner's 600
 * edits before or after the co-host's GS_ITEM_GUEST_CHANGES + 1.
 */
static void
test_change_budget_any_order(void **state)
{
	struct fx *f = *state, *g;
	void *gs;
	uint64_t t = fx_now_hlc();
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *cohost, *bl, *al;
	struct gs_apply_stats st;
	uint64_t ta, tb;

	cohost = fx_edit(f->a, 2, ++t, root, "cohosts",
	    gs_identity_siteid(f->b));
	ta = tb = t;
	/* this site: the owner first, then the co-host */
	assert_int_equal(fx_apply_c(f, root), 0);
	assert_int_equal(fx_apply_c(f, cohost), 0);
	al = apply_chain(f, f->a, 3, &ta, cohost, 600, false, "title", "A",
	    &st);
	assert_int_equal(st.applied, 600);
	bl = apply_chain(f, f->b, 1, &tb, cohost, GS_ITEM_GUEST_CHANGES + 1,
	    false, "place", "B", &st);
	assert_int_equal(st.applied, GS_ITEM_GUEST_CHANGES);
	assert_int_equal(st.by_reason[-GS_EBUDGET], 1);
	gs_change_destroy(&al);
	gs_change_destroy(&bl);
	/* another site, which trusts the same two: the co-host first */
	assert_int_equal(fx_setup(&gs), 0);
	g = gs;
	fx_trust(g, gs_identity_pk(f->a), GS_TRUST_TRUSTED);
	fx_trust(g, gs_identity_pk(f->b), GS_TRUST_TRUSTED);
	ta = tb = cohost->hlc;
	assert_int_equal(fx_apply_c(g, root), 0);
	assert_int_equal(fx_apply_c(g, cohost), 0);
	bl = apply_chain(g, f->b, 1, &tb, cohost, GS_ITEM_GUEST_CHANGES + 1,
	    false, "place", "B", &st);
	assert_int_equal(st.applied, GS_ITEM_GUEST_CHANGES);
	assert_int_equal(st.by_reason[-GS_EBUDGET], 1);
	al = apply_chain(g, f->a, 3, &ta, cohost, 600, false, "title", "A",
	    &st);
	assert_int_equal(st.applied, 600);
	assert_int_equal(gs_replica_change_count(g->r),
	    gs_replica_change_count(f->r));
	gs_change_destroy(&al);
	gs_change_destroy(&bl);
	fx_teardown(&gs);
	gs_change_destroy(&root);
	gs_change_destroy(&cohost);
}

/* ---- clocks ---- */

static void
test_clock(void **state)
{
	struct fx *f = *state;
	uint64_t now = gs_wall_ms();
	struct gs_change *fut = fx_root_event(f->a, 1,
	    GS_HLC_MAKE(now + FX_DAY_MS, 0), "demain");
	struct gs_change *past = fx_root_event(f->a, 1,
	    GS_HLC_MAKE(now - FX_DAY_MS, 0), "hier");
	struct gs_change *same, *before, *after;

	assert_int_equal(fx_apply_c(f, fut), GS_ECLOCK);
	assert_int_equal(gs_replica_seq(f->r, gs_identity_pk(f->a)), 0);
	/* a day late is fine: sites stay offline for days */
	assert_int_equal(fx_apply_c(f, past), 0);
	/* a child must come after its parent */
	same = fx_edit(f->a, 2, past->hlc, past, "title", "même instant");
	assert_int_equal(fx_apply_c(f, same), GS_ECLOCK);
	before = fx_edit(f->a, 2, past->hlc - (1000ull << 16), past, "title",
	    "avant");
	assert_int_equal(fx_apply_c(f, before), GS_ECLOCK);
	after = fx_edit(f->a, 2, past->hlc + 1, past, "title", "après");
	assert_int_equal(fx_apply_c(f, after), 0);
	assert_string_equal(fx_title_of(f, past->item), "après");
	assert_changes(f, 2);
	gs_change_destroy(&fut);
	gs_change_destroy(&past);
	gs_change_destroy(&same);
	gs_change_destroy(&before);
	gs_change_destroy(&after);
}

/* ---- text ---- */

/* A one-field gs.Body built by hand (the encoder may refuse it). */
static size_t
raw_body(uint8_t *out, const char *name, const char *val, size_t vl)
{
	size_t nl = strlen(name), o = 0;

	out[o++] = 0x0a;
	out[o++] = (uint8_t)(2 + nl + 2 + vl);
	out[o++] = 0x0a;
	out[o++] = (uint8_t)nl;
	memcpy(out + o, name, nl);
	o += nl;
	out[o++] = 0x12;
	out[o++] = (uint8_t)vl;
	memcpy(out + o, val, vl);
	return o + vl;
}

static void
test_hostile_text(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	static const char *const bad_titles[] = {
		"\x1b[2J\x1b[HAtelier",            /* clear screen */
		"Atelier\x1b]0;titre\x07",         /* window title */
		"Atelier\r\nFaux: oui",            /* line injection */
		"Atelier\xc2\x9b" "31m",           /* C1 CSI */
		"Atelier\x7f",
	};
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *c;
	uint8_t *b = NULL, raw[128];
	size_t blen;

	for (size_t i = 0; i < sizeof(bad_titles) / sizeof(*bad_titles); i++) {
		uint8_t item[16];
		gs_item_id_new(gs_identity_pk(f->a), 1, item);
		fx_body_kv(&b, &blen, "kind", "workshop", "start",
		    "2025-03-01T14:00:00+01:00", "title", bad_titles[i], NULL);
		c = fx_sign(gs_identity_sk(f->a), item, GS_TYPE_EVENT, 1, t,
		    NULL, 0, false, b, blen);
		assert_int_equal(fx_apply_c(f, c), GS_EINVAL);
		gs_change_destroy(&c);
		free(b);
		b = NULL;
	}
	assert_changes(f, 0);
	assert_int_equal(fx_apply_c(f, root), 0);
	/* invalid UTF-8 and a NUL inside a value: not a canonical body */
	blen = raw_body(raw, "title", "Ate\xc3\x28lier", 9);
	c = fx_sign(gs_identity_sk(f->a), root->item, GS_TYPE_EVENT, 2, t + 1,
	    (const uint8_t (*)[32])root->id, 1, false, raw, blen);
	assert_int_equal(fx_apply_c(f, c), GS_EPROTO);
	gs_change_destroy(&c);
	blen = raw_body(raw, "title", "Ate\0lier", 8);
	c = fx_sign(gs_identity_sk(f->a), root->item, GS_TYPE_EVENT, 2, t + 1,
	    (const uint8_t (*)[32])root->id, 1, false, raw, blen);
	assert_int_equal(fx_apply_c(f, c), GS_EPROTO);
	gs_change_destroy(&c);
	/* an escape sequence in an edit, and an unknown field */
	c = fx_edit(f->a, 2, t + 1, root, "title", "\x1b[5mclignote");
	assert_int_equal(fx_apply_c(f, c), GS_EINVAL);
	gs_change_destroy(&c);
	c = fx_edit(f->a, 2, t + 1, root, "diagnosis", "x");
	assert_int_equal(fx_apply_c(f, c), GS_EINVAL);
	gs_change_destroy(&c);
	/* a title over its 200-byte limit */
	{
		char longt[260];
		memset(longt, 'a', sizeof(longt) - 1);
		longt[sizeof(longt) - 1] = '\0';
		c = fx_edit(f->a, 2, t + 1, root, "title", longt);
		assert_int_equal(fx_apply_c(f, c), GS_EINVAL);
		gs_change_destroy(&c);
	}
	assert_string_equal(fx_title_of(f, root->item), "Atelier");
	assert_changes(f, 1);
	gs_change_destroy(&root);
}

/* ---- batches ---- */

static void
test_mixed_batch(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *a1 = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *a2 = fx_edit(f->a, 2, t + 1, a1, "title",
	    "Atelier 2");
	struct gs_change *a5 = fx_edit(f->a, 5, t + 2, a1, "title", "trou");
	struct gs_change *u1 = fx_root_event(f->u, 1, t, "inconnu");
	struct gs_change *b1 = fx_root_event(f->b, 1, t, "B");
	struct gs_wire_change w[7] = { { 0 } };
	struct gs_apply_stats st;
	uint8_t sig[64];

	memcpy(sig, b1->sig, 64);
	sig[0] ^= 0x04;
	w[0] = fx_wire(a1);
	w[1] = fx_wire(b1);
	w[1].sig = sig;                       /* forged */
	w[2] = fx_wire(a2);
	w[3] = fx_wire(a5);                      /* gap */
	w[4] = fx_wire(u1);                      /* untrusted */
	w[5] = fx_wire(a1);                      /* replay inside the batch */
	w[6] = fx_wire(b1);                      /* the honest B */
	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_replica_apply(f->r, w, 7, gs_identity_pk(f->b),
	    &st), 0);
	assert_int_equal(st.applied, 3);
	assert_int_equal(st.dup, 1);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.by_reason[-GS_EBADSIG], 1);
	assert_int_equal(st.by_reason[-GS_EGAP], 1);
	assert_int_equal(st.by_reason[-GS_EUNTRUSTED], 1);
	assert_changes(f, 3);
	assert_string_equal(fx_title_of(f, a1->item), "Atelier 2");
	assert_string_equal(fx_title_of(f, b1->item), "B");
	assert_null(fx_title_of(f, u1->item));
	gs_change_destroy(&a1);
	gs_change_destroy(&a2);
	gs_change_destroy(&a5);
	gs_change_destroy(&u1);
	gs_change_destroy(&b1);
}

static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void
test_flood(void **state)
{
	struct fx *f = *state;
	enum { TOTAL = 100000, BATCH = 1000, SLOT = 160 };
	struct gs_change *c = fx_root_event(f->a, 1, fx_now_hlc(), "Atelier");
	struct gs_change *c2;
	struct gs_wire_change *w = calloc(BATCH, sizeof(*w));
	uint8_t *buf = malloc((size_t)BATCH * SLOT);
	struct gs_apply_stats st;
	unsigned applied = 0, refused = 0, dup = 0;
	size_t heap0 = 0, heap1;

	assert_non_null(w);
	assert_non_null(buf);
	assert_int_equal(fx_apply_c(f, c), 0);
	for (int round = 0; round < TOTAL / BATCH; round++) {
		gs_random(buf, (size_t)BATCH * SLOT);
		for (int i = 0; i < BATCH; i++) {
			uint8_t *s = buf + (size_t)i * SLOT;
			size_t hl = 1 + s[0] % 64;
			w[i].header = s + 1;
			w[i].header_len = hl;
			/* some look like a header: field 1, varint 1 */
			if (i % 3 == 0) {
				s[1] = 0x08;
				s[2] = 0x01;
			}
			w[i].sig = s + 1 + 64;
			w[i].sig_len = 64;
			w[i].body = (i % 2) ? s + 1 + 128 : NULL;
			w[i].body_len = (i % 2) ? 31 : 0;
		}
		memset(&st, 0, sizeof(st));
		assert_int_equal(gs_replica_apply(f->r, w, BATCH,
		    gs_identity_pk(f->b), &st), 0);
		applied += st.applied;
		refused += st.refused;
		dup += st.dup;
		assert_int_equal(st.by_reason[-GS_EPROTO] +
		    st.by_reason[-GS_EBADSIG], st.refused);
		if (round == 9)
			heap0 = heap_in_use();  /* after the caches warmed up */
	}
	heap1 = heap_in_use();
	assert_int_equal(applied, 0);
	assert_int_equal(dup, 0);
	assert_int_equal(refused, TOTAL);
	/* memory bounded: refusals keep nothing (16 MiB of slack) */
	assert_true(heap1 < heap0 + (16u << 20));
	/* the state is intact and the replica still serves */
	assert_changes(f, 1);
	assert_int_equal(gs_replica_author_count(f->r), 1);
	assert_string_equal(fx_title_of(f, c->item), "Atelier");
	c2 = fx_edit(f->a, 2, c->hlc + 1, c, "title", "Atelier après");
	assert_int_equal(fx_apply_c(f, c2), 0);
	assert_string_equal(fx_title_of(f, c->item), "Atelier après");
	free(w);
	free(buf);
	gs_change_destroy(&c);
	gs_change_destroy(&c2);
}

/* ---- erasure ---- */

/* A's erasure of parent's item, on parent. */
static struct gs_change *
erasure_of(const struct gs_identity *id, uint64_t seq,
    const struct gs_change *parent)
{
	struct gs_change *c;
	uint8_t *b = NULL;
	size_t blen;

	fx_body_kv(&b, &blen, GS_FIELD_DELETED, "1", GS_FIELD_ERASED, "1",
	    NULL);
	c = fx_sign(gs_identity_sk(id), parent->item, parent->type, seq,
	    parent->hlc + 10, (const uint8_t (*)[32])parent->id, 1, true, b,
	    blen);
	free(b);
	return c;
}

static int
on_count_body(const struct gs_stored_change *c, void *arg)
{
	size_t *n = arg;

	n[0]++;
	if (c->sealed_body != NULL)
		n[1]++;
	return 0;
}

/* Changes of item held, and how many still have a body. */
static void
count_bodies(struct fx *f, const uint8_t item[16], size_t *all,
    size_t *with_body)
{
	size_t n[2] = { 0, 0 };

	assert_int_equal(gs_store_changes_of_item(f->st, item, on_count_body,
	    n), 0);
	*all = n[0];
	*with_body = n[1];
}

static bool
item_erased(struct fx *f, const uint8_t item[16])
{
	struct gs_item *it = gs_replica_item(f->r, item);
	const struct gs_state *st = it ? gs_item_state(it) : NULL;

	return st != NULL && st->deleted &&
	    gs_fields_get(&st->fields, GS_FIELD_ERASED) != NULL &&
	    gs_fields_get(&st->fields, "title") == NULL;
}

static void
test_erasure_drops_bodies(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier Secret");
	struct gs_change *ed = fx_edit(f->a, 2, t + 1, root, "place",
	    "Chez Secret");
	struct gs_change *er = erasure_of(f->a, 3, ed);
	struct gs_change *late;
	uint8_t author[32];
	uint64_t seq = 0;
	size_t all, body;

	assert_int_equal(fx_apply_c(f, root), 0);
	assert_int_equal(fx_apply_c(f, ed), 0);
	count_bodies(f, root->item, &all, &body);
	assert_true(all == 2 && body == 2);
	assert_int_equal(gs_store_erasure_get(f->st, root->item, author, &seq),
	    GS_ENOTFOUND);
	assert_int_equal(fx_apply_c(f, er), 0);
	/* the headers stay, the erasure's own body alone remains */
	count_bodies(f, root->item, &all, &body);
	assert_true(all == 3 && body == 1);
	assert_int_equal(gs_store_erasure_get(f->st, root->item, author, &seq),
	    0);
	assert_memory_equal(author, gs_identity_pk(f->a), 32);
	assert_int_equal(seq, 3);
	assert_true(item_erased(f, root->item));
	/* it survives a restart, and the state read back is the erased one */
	fx_close(f);
	fx_open(f);
	assert_true(item_erased(f, root->item));
	/* a later change of the item is stored as a header, writing nothing */
	late = fx_edit(f->a, 4, t + 100, er, "title", "Atelier Secret repris");
	assert_int_equal(fx_apply_c(f, late), 0);
	count_bodies(f, root->item, &all, &body);
	assert_true(all == 4 && body == 1);
	assert_true(item_erased(f, root->item));
	gs_change_destroy(&root);
	gs_change_destroy(&ed);
	gs_change_destroy(&er);
	gs_change_destroy(&late);
}

static void
test_erasure_rules(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier");
	struct gs_change *byb = erasure_of(f->b, 1, root);
	struct gs_change *rootb = fx_root_event(f->b, 1, t, "Atelier B");
	uint8_t *b = NULL;
	size_t blen;
	struct gs_change *bad;

	/* an erasure without "_deleted" in its header, or with content */
	fx_body_kv(&b, &blen, GS_FIELD_DELETED, "1", GS_FIELD_ERASED, "1",
	    "title", "x", NULL);
	assert_int_equal(fx_apply_c(f, root), 0);
	bad = fx_sign(gs_identity_sk(f->a), root->item, root->type, 2, t + 5,
	    (const uint8_t (*)[32])root->id, 1, true, b, blen);
	assert_int_equal(fx_apply_c(f, bad), GS_EINVAL);
	gs_change_destroy(&bad);
	free(b);
	/* B is no co-host of A's event: its erasure is refused */
	assert_int_equal(fx_apply_c(f, byb), GS_EDENIED);
	assert_false(item_erased(f, root->item));
	assert_string_equal(fx_title_of(f, root->item), "Atelier");
	(void)rootb;
	gs_change_destroy(&rootb);
	gs_change_destroy(&root);
	gs_change_destroy(&byb);
}

static void
test_bodiless_needs_proof(void **state)
{
	struct fx *f = *state;
	uint64_t t = fx_now_hlc();
	struct gs_change *root = fx_root_event(f->a, 1, t, "Atelier Secret");
	struct gs_change *er = erasure_of(f->a, 2, root);
	struct gs_change *forged = erasure_of(f->b, 1, root);
	struct gs_change *del;
	struct gs_wire_change w = fx_wire(root);
	uint8_t *b = NULL;
	size_t blen, all, body;

	/* a body stripped on the way, with no proof: refused */
	w.body = NULL;
	w.body_len = 0;
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	/* a proof signed by a site that is not the owner: refused */
	w.proof_header = forged->header;
	w.proof_header_len = forged->header_len;
	w.proof_sig = forged->sig;
	w.proof_sig_len = 64;
	w.proof_body = forged->body;
	w.proof_body_len = forged->body_len;
	assert_int_equal(fx_apply_w(f, &w), GS_EDENIED);
	/* a plain deletion is no proof of erasure */
	fx_body_kv(&b, &blen, GS_FIELD_DELETED, "1", NULL);
	del = fx_sign(gs_identity_sk(f->a), root->item, root->type, 2, t + 10,
	    (const uint8_t (*)[32])root->id, 1, true, b, blen);
	free(b);
	w.proof_header = del->header;
	w.proof_header_len = del->header_len;
	w.proof_sig = del->sig;
	w.proof_body = del->body;
	w.proof_body_len = del->body_len;
	assert_int_equal(fx_apply_w(f, &w), GS_EPROTO);
	/* a proof whose body was altered fails its hash */
	w.proof_header = er->header;
	w.proof_header_len = er->header_len;
	w.proof_sig = er->sig;
	w.proof_body = root->body;
	w.proof_body_len = root->body_len;
	assert_int_equal(fx_apply_w(f, &w), GS_EBADHASH);
	assert_changes(f, 0);
	/* the owner's erasure: the header is stored without a body */
	w.proof_body = er->body;
	w.proof_body_len = er->body_len;
	assert_int_equal(fx_apply_w(f, &w), 0);
	assert_int_equal(fx_apply_c(f, er), 0);
	count_bodies(f, root->item, &all, &body);
	assert_true(all == 2 && body == 1);
	assert_true(item_erased(f, root->item));
	gs_change_destroy(&root);
	gs_change_destroy(&er);
	gs_change_destroy(&forged);
	gs_change_destroy(&del);
}

static void
test_local_edit_of_erased_refused(void **state)
{
	struct fx *f = *state;
	struct gs_verr v;
	uint8_t id[16];
	struct gs_item *it;

	memset(&v, 0, sizeof(v));
	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, id, "title",
	    "Atelier Secret", "kind", "workshop", "start",
	    "2030-06-01T14:00:00+02:00", NULL), 0);
	it = gs_replica_item(f->r, id);
	assert_non_null(it);
	assert_int_equal(gs_replica_erase(f->r, it, &v), 0);
	assert_true(item_erased(f, id));
	it = gs_replica_item(f->r, id);
	assert_int_equal(fx_write(f, it, GS_TYPE_EVENT, NULL, "title",
	    "Atelier repris", NULL), GS_EERASED);
	assert_int_equal(gs_replica_erase(f->r, it, &v), GS_EERASED);
	assert_int_equal(gs_replica_write(f->r, it, GS_TYPE_EVENT,
	    &(struct gs_fields){ 0 }, true, NULL, 0, &v, NULL), GS_EERASED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_garbage_and_truncated),
		FX_TEST(test_oversized),
		FX_TEST(test_forged_signature),
		FX_TEST(test_body_swapped),
		FX_TEST(test_packed_body),
		FX_TEST(test_full_load_keeps_stored_merge),
		FX_TEST(test_erasure_drops_bodies),
		FX_TEST(test_erasure_rules),
		FX_TEST(test_bodiless_needs_proof),
		FX_TEST(test_local_edit_of_erased_refused),
		FX_TEST(test_claims_other_author),
		FX_TEST(test_replay),
		FX_TEST(test_sequence_gap),
		FX_TEST(test_missing_parent),
		FX_TEST(test_equivocation),
		FX_TEST(test_revocation_rules),
		FX_TEST(test_equivocation_proof),
		FX_TEST(test_equivocation_in_batch),
		FX_TEST(test_blocked_and_untrusted),
		FX_TEST(test_unknown_author_pending_after_batch),
		FX_TEST(test_edit_rights),
		FX_TEST(test_change_budget),
		FX_TEST(test_change_budget_any_order),
		FX_TEST(test_clock),
		FX_TEST(test_keylink_rules),
		FX_TEST(test_hostile_text),
		FX_TEST(test_mixed_batch),
		FX_TEST(test_flood),
	};

	if (fx_init() != 0)
		return 1;
	if (getenv("GS_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("GS_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
