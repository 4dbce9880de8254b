/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gen_corpus.c: writes the seed corpora of the fuzz targets into
 * DIR/<name>/: valid messages built with the real encoders (signed
 * changes, canonical bodies, peer messages, control requests) and broken
 * variants of them (truncated, bit-flipped, oversized, unsorted, invalid
 * UTF-8, absurd counts, unknown types). Keys are random, so each run
 * gives new bytes; the committed corpus is one run of it. Usage:
 *   fuzz_corpus_gen tests/fuzz/corpus
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "change.h"
#include "zip.h"
#include "control.pb-c.h"
#include "crypto.h"
#include "err.h"
#include "fields.h"
#include "gossip.h"
#include "hlc.h"
#include "item.h"
#include "peer.pb-c.h"

struct gen {
	const char *root;
	uint8_t *sk;          /* secure memory */
	uint8_t pk[32];
	char dir[1024];
	unsigned seq;         /* file number inside dir */
	int err;
};

static void
gen_dir(struct gen *g, const char *name)
{
	snprintf(g->dir, sizeof(g->dir), "%s/%s", g->root, name);
	if (mkdir(g->dir, 0755) != 0 && errno != EEXIST)
		g->err = 1;
	g->seq = 0;
}

static void
put(struct gen *g, const char *label, const void *buf, size_t len)
{
	char path[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%03u-%s", g->dir, g->seq++, label);
	f = fopen(path, "wb");
	if (f == NULL || (len > 0 && fwrite(buf, 1, len, f) != len))
		g->err = 1;
	if (f != NULL && fclose(f) != 0)
		g->err = 1;
}

/* buf, and then buf cut at a few places. */
static void
put_cuts(struct gen *g, const char *label, const uint8_t *buf, size_t len)
{
	char l[200];

	put(g, label, buf, len);
	if (len < 2)
		return;
	snprintf(l, sizeof(l), "%s-cut1", label);
	put(g, l, buf, len - 1);
	snprintf(l, sizeof(l), "%s-cuthalf", label);
	put(g, l, buf, len / 2);
}

static void
put_flip(struct gen *g, const char *label, const uint8_t *buf, size_t len,
    size_t at)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c == NULL) {
		g->err = 1;
		return;
	}
	memcpy(c, buf, len);
	if (at < len)
		c[at] ^= 0x01;
	put(g, label, c, len);
	free(c);
}

static int
body_of(const char *const *kv, uint8_t **out, size_t *outlen)
{
	struct gs_fields f;
	int rc = 0;

	gs_fields_init(&f);
	for (size_t i = 0; kv[i] != NULL && rc == 0; i += 2)
		rc = gs_fields_set(&f, kv[i], kv[i + 1]);
	if (rc == 0)
		rc = gs_fields_encode(&f, out, outlen);
	gs_fields_clear(&f);
	return rc;
}

static const char *const event_kv[] = {
	"kind", "workshop", "start", "2025-03-01T14:00:00+01:00",
	"title", "Atelier peinture", "place", "Salle des fêtes, Rennes",
	NULL };
static const char *const edit_kv[] = { "title", "Atelier peinture (salle 2)",
	NULL };
static const char *const del_kv[] = { "_deleted", "1", NULL };
static const char *const long_kv[] = {
	"description", "Atelier peinture ouvert à tous, atelier peinture "
	"ouvert à tous, atelier peinture ouvert à tous, au GEM de Rennes.",
	"kind", "workshop", "start", "2025-03-01T14:00:00+01:00",
	"title", "Atelier peinture", NULL };

/* One raw gs.Field / gs.Body by hand, for non-canonical bodies. */
static size_t
raw_field(uint8_t *out, const char *name, size_t nl, const char *val,
    size_t vl)
{
	size_t o = 0;

	out[o++] = 0x0a;                          /* Body.fields, LEN */
	out[o++] = (uint8_t)(2 + nl + 2 + vl);
	out[o++] = 0x0a;                          /* Field.name */
	out[o++] = (uint8_t)nl;
	memcpy(out + o, name, nl);
	o += nl;
	out[o++] = 0x12;                          /* Field.value */
	out[o++] = (uint8_t)vl;
	memcpy(out + o, val, vl);
	return o + vl;
}

static void
gen_fields(struct gen *g)
{
	static const char *const one[] = { "title", "Café", NULL };
	static const char *const empty_val[] = { "place", "", NULL };
	uint8_t *b = NULL, raw[512];
	size_t len, o;
	char big[GS_FIELD_VALUE_MAX + 2];
	struct gs_fields f;

	gen_dir(g, "fields");
	put(g, "empty", "", 0);
	if (body_of(event_kv, &b, &len) == 0) {
		put_cuts(g, "event", b, len);
		put_flip(g, "event-flip", b, len, 3);
	}
	free(b);
	b = NULL;
	if (body_of(one, &b, &len) == 0)
		put(g, "one-utf8", b, len);
	free(b);
	b = NULL;
	if (body_of(empty_val, &b, &len) == 0)
		put(g, "empty-value", b, len);
	free(b);
	b = NULL;
	if (body_of(del_kv, &b, &len) == 0)
		put(g, "deleted", b, len);
	free(b);
	b = NULL;
	/* unsorted, repeated */
	o = raw_field(raw, "title", 5, "b", 1);
	o += raw_field(raw + o, "kind", 4, "a", 1);
	put(g, "unsorted", raw, o);
	o = raw_field(raw, "kind", 4, "a", 1);
	o += raw_field(raw + o, "kind", 4, "b", 1);
	put(g, "repeated", raw, o);
	o = raw_field(raw, "title", 5, "\xc3\x28", 2);
	put(g, "bad-utf8", raw, o);
	o = raw_field(raw, "title", 5, "a\0b", 3);
	put(g, "nul-inside", raw, o);
	o = raw_field(raw, "title", 5, "\x1b[2J\x1b]0;pwn\x07", 12);
	put(g, "escapes", raw, o);
	o = raw_field(raw, "", 0, "x", 1);
	put(g, "empty-name", raw, o);
	memset(big, 'n', 40);
	o = raw_field(raw, big, 40, "x", 1);
	put(g, "long-name", raw, o);
	/* a value over the limit, through the encoder */
	gs_fields_init(&f);
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	if (gs_fields_set(&f, "title", big) == 0 &&
	    gs_fields_encode(&f, &b, &len) == 0)
		put(g, "long-value", b, len);
	free(b);
	b = NULL;
	gs_fields_clear(&f);
	/* a field with an unknown tag, a wrong wire type, a huge length */
	put(g, "unknown-tag", "\x12\x01x", 3);
	put(g, "wire-type", "\x08\x01", 2);
	put(g, "huge-len", "\x0a\xff\xff\xff\xff\x0f", 6);
	put(g, "garbage", "\xde\xad\xbe\xef\x00\x01\x02", 7);
}

/* A signed change: root event, its edit, and its deletion. */
struct signed3 {
	struct gs_change *c[3];
};

static int
make_changes(struct gen *g, struct signed3 *s)
{
	const char *const *kv[3] = { event_kv, edit_kv, del_kv };
	uint8_t item[16], *b = NULL;
	size_t len;
	uint64_t hlc = GS_HLC_MAKE(gs_wall_ms(), 0);
	int rc = 0;

	memset(s, 0, sizeof(*s));
	gs_item_id_new(g->pk, 1, item);
	for (int i = 0; i < 3 && rc == 0; i++) {
		rc = body_of(kv[i], &b, &len);
		if (rc == 0)
			rc = gs_change_new(g->sk, item, GS_TYPE_EVENT, i + 1,
			    hlc + (uint64_t)i * 65536,
			    i ? (const uint8_t (*)[32])s->c[i - 1]->id : NULL,
			    i ? 1 : 0, i == 2, b, len, &s->c[i]);
		free(b);
		b = NULL;
	}
	return rc;
}

static void
free_changes(struct signed3 *s)
{
	for (int i = 0; i < 3; i++)
		gs_change_destroy(&s->c[i]);
}

/* The fuzz_change input layout: u16 hlen | u8 slen | u8 flags | ... */
static void
put_change(struct gen *g, const char *label, const uint8_t *h, size_t hl,
    const uint8_t *sig, size_t sl, const uint8_t *body, size_t bl, int hb)
{
	uint8_t *buf = malloc(4 + hl + sl + bl);

	if (buf == NULL) {
		g->err = 1;
		return;
	}
	buf[0] = (uint8_t)(hl & 0xff);
	buf[1] = (uint8_t)(hl >> 8);
	buf[2] = (uint8_t)sl;
	buf[3] = (uint8_t)hb;   /* 1: body, 3: packed body */
	memcpy(buf + 4, h, hl);
	memcpy(buf + 4 + hl, sig, sl);
	if (bl > 0)
		memcpy(buf + 4 + hl + sl, body, bl);
	put(g, label, buf, 4 + hl + sl + bl);
	free(buf);
}

/* A body that travels packed (protocol 2): valid, padded, flag wrong. */
static void
gen_packed(struct gen *g)
{
	static const uint8_t skip[8] = { 0x50, 0x2a, 0x4d, 0x18, 0, 1, 0, 0 };
	struct gs_zip *z = gs_zip_new();
	struct gs_change *c = NULL, *v = NULL;
	struct gs_wire_change w = { 0 };
	uint8_t item[16], *b = NULL, *p = NULL, *pad = NULL;
	size_t len = 0, plen = 0;

	gs_item_id_new(g->pk, 9, item);
	if (z == NULL || body_of(long_kv, &b, &len) != 0 ||
	    gs_change_new(g->sk, item, GS_TYPE_EVENT, 9,
	    GS_HLC_MAKE(gs_wall_ms(), 0), NULL, 0, false, b, len, &c) != 0 ||
	    gs_zip_pack(z, b, len, &p, &plen) != 0 || p == NULL ||
	    (pad = calloc(1, plen + sizeof(skip) + 256)) == NULL) {
		g->err = 1;
		goto out;
	}
	w.header = c->header;
	w.header_len = c->header_len;
	w.sig = c->sig;
	w.sig_len = 64;
	w.packed = p;
	w.packed_len = plen;
	if (gs_change_verify_wire(&w, z, &v) != 0) {  /* the seed must pass */
		g->err = 1;
		goto out;
	}
	gs_change_destroy(&v);
	put_change(g, "packed", c->header, c->header_len, c->sig, 64, p, plen,
	    3);
	memcpy(pad, p, plen);
	memcpy(pad + plen, skip, sizeof(skip));
	put_change(g, "packed-padded", c->header, c->header_len, c->sig, 64,
	    pad, plen + sizeof(skip) + 256, 3);
	p[0] = 0x02;
	put_change(g, "packed-bad-flag", c->header, c->header_len, c->sig, 64,
	    p, plen, 3);
out:
	free(pad);
	free(p);
	free(b);
	gs_change_destroy(&c);
	gs_zip_free(z);
}

static void
gen_change(struct gen *g, const struct signed3 *s)
{
	const struct gs_change *c;
	uint8_t sig[64], many[40][32];
	struct gs_change *mp = NULL;
	uint8_t item[16];

	gen_dir(g, "change");
	for (int i = 0; i < 3; i++) {
		char l[32];
		c = s->c[i];
		snprintf(l, sizeof(l), "valid-%d", i + 1);
		put_change(g, l, c->header, c->header_len, c->sig, 64,
		    c->body, c->body_len, true);
	}
	c = s->c[0];
	put_change(g, "no-body", c->header, c->header_len, c->sig, 64, NULL, 0,
	    false);
	put_change(g, "cut-header", c->header, c->header_len - 3, c->sig, 64,
	    c->body, c->body_len, true);
	memcpy(sig, c->sig, 64);
	sig[10] ^= 0x20;
	put_change(g, "forged-sig", c->header, c->header_len, sig, 64,
	    c->body, c->body_len, true);
	put_change(g, "short-sig", c->header, c->header_len, c->sig, 63,
	    c->body, c->body_len, true);
	put_change(g, "other-body", c->header, c->header_len, c->sig, 64,
	    s->c[1]->body, s->c[1]->body_len, true);
	put_change(g, "empty", (const uint8_t *)"", 0, (const uint8_t *)"", 0,
	    NULL, 0, false);
	put_change(g, "garbage", (const uint8_t *)"\x08\x01\x12\x10", 4,
	    (const uint8_t *)"", 0, NULL, 0, false);
	/* over GS_MAX_PARENTS, built by hand: gs_change_new refuses it */
	for (int i = 0; i < 32; i++) {
		memset(many[i], 0, 32);
		many[i][0] = (uint8_t)i;
	}
	gs_item_id_new(g->pk, 7, item);
	if (gs_change_new(g->sk, item, GS_TYPE_EVENT, 7,
	    GS_HLC_MAKE(gs_wall_ms(), 0), (const uint8_t (*)[32])many, 32,
	    false, NULL, 0, &mp) == 0)
		put_change(g, "32-parents", mp->header, mp->header_len, mp->sig,
		    64, NULL, 0, true);
	gs_change_destroy(&mp);
	gen_packed(g);
}

static int
pack_peer(struct gen *g, const char *label, const Gs__PeerMsg *m, bool cuts)
{
	size_t len = gs__peer_msg__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);

	if (buf == NULL)
		return g->err = 1;
	gs__peer_msg__pack(m, buf);
	if (cuts)
		put_cuts(g, label, buf, len);
	else
		put(g, label, buf, len);
	free(buf);
	return 0;
}

static void
gen_peer(struct gen *g, const struct signed3 *s)
{
	Gs__PeerMsg m;
	Gs__Hello hello = GS__HELLO__INIT;
	Gs__Summary sum = GS__SUMMARY__INIT;
	Gs__SummaryEntry ent[2] = { GS__SUMMARY_ENTRY__INIT,
	    GS__SUMMARY_ENTRY__INIT }, *ents[2] = { &ent[0], &ent[1] };
	Gs__Batch batch = GS__BATCH__INIT;
	Gs__SignedChange sc[3], *scs[3];
	Gs__BatchAck ack = GS__BATCH_ACK__INIT;
	Gs__Refuse ref = GS__REFUSE__INIT;
	Gs__Introductions intro = GS__INTRODUCTIONS__INIT;
	ProtobufCBinaryData sites[2];
	uint8_t other[32], sig[64];

	gen_dir(g, "peer_msg");
#define PM_INIT(v) do { gs__peer_msg__init(&m); m.version = (v); } while (0)
	PM_INIT(GS_PEER_VERSION);
	hello.min_version = 1;
	hello.max_version = 1;
	hello.software = "gemsyncd 0.1.0";
	m.msg_case = GS__PEER_MSG__MSG_HELLO;
	m.hello = &hello;
	pack_peer(g, "hello", &m, false);
	hello.software = "\x1b[31mevil\x1b[0m\xc2\x9b" "2J";
	pack_peer(g, "hello-escapes", &m, false);

	PM_INIT(GS_PEER_VERSION);
	ent[0].author.data = g->pk;
	ent[0].author.len = 32;
	ent[0].seq = 3;
	gs_random(other, sizeof(other));
	ent[1].author.data = other;
	ent[1].author.len = 31;                   /* bad key length */
	ent[1].seq = UINT64_MAX;
	sum.n_entries = 1;
	sum.entries = ents;
	sum.reply_wanted = true;
	sum.credit = 4;
	m.msg_case = GS__PEER_MSG__MSG_SUMMARY;
	m.summary = &sum;
	pack_peer(g, "summary", &m, true);
	sum.n_entries = 2;
	pack_peer(g, "summary-badkey", &m, false);

	PM_INIT(GS_PEER_VERSION);
	for (int i = 0; i < 3; i++) {
		gs__signed_change__init(&sc[i]);
		sc[i].header.data = s->c[i]->header;
		sc[i].header.len = s->c[i]->header_len;
		sc[i].signature.data = (uint8_t *)s->c[i]->sig;
		sc[i].signature.len = 64;
		sc[i].has_body = true;
		sc[i].body.data = s->c[i]->body;
		sc[i].body.len = s->c[i]->body_len;
		scs[i] = &sc[i];
	}
	batch.n_changes = 3;
	batch.changes = scs;
	m.msg_case = GS__PEER_MSG__MSG_BATCH;
	m.batch = &batch;
	pack_peer(g, "batch", &m, true);
	memcpy(sig, s->c[1]->sig, 64);
	sig[63] ^= 0x80;
	sc[1].signature.data = sig;
	sc[0].has_body = false;
	batch.push = true;
	pack_peer(g, "batch-forged-nobody", &m, false);

	PM_INIT(GS_PEER_VERSION);
	ack.credit = 1;
	ack.applied = 3;
	m.msg_case = GS__PEER_MSG__MSG_ACK;
	m.ack = &ack;
	pack_peer(g, "ack", &m, false);

	PM_INIT(GS_PEER_VERSION);
	ref.code = 2;
	ref.reason = "protocol version too old \x1b]8;;http://x\x07";
	m.msg_case = GS__PEER_MSG__MSG_REFUSE;
	m.refuse = &ref;
	pack_peer(g, "refuse", &m, false);

	PM_INIT(GS_PEER_VERSION);
	sites[0].data = g->pk;
	sites[0].len = 32;
	sites[1].data = other;
	sites[1].len = 5;
	intro.n_sites = 2;
	intro.sites = sites;
	m.msg_case = GS__PEER_MSG__MSG_INTRO;
	m.intro = &intro;
	pack_peer(g, "intro", &m, false);

	PM_INIT(0);
	pack_peer(g, "version0", &m, false);
#undef PM_INIT
	/* version 1, then unknown field 9 (an unknown message type) */
	put(g, "unknown-type", "\x08\x01\x4a\x02\x08\x01", 6);
	/* a batch declaring a 2 GB change */
	put(g, "absurd-len", "\x08\x01\x22\x06\x0a\x80\x80\x80\x80\x08", 10);
	/* many tiny empty changes in one batch */
	{
		uint8_t buf[4 + 2 * 1000 + 4];
		size_t o = 0, inner = 2 * 1000 + 2;
		buf[o++] = 0x08;
		buf[o++] = 0x01;
		buf[o++] = 0x22;                  /* batch, LEN */
		buf[o++] = (uint8_t)(0x80 | (inner & 0x7f));
		buf[o++] = (uint8_t)(inner >> 7);
		for (int i = 0; i < 1000; i++) {
			buf[o++] = 0x0a;          /* changes: empty message */
			buf[o++] = 0x00;
		}
		buf[o++] = 0x10;                  /* push = 0 */
		buf[o++] = 0x00;
		put(g, "many-empty", buf, o);
	}
	put(g, "garbage", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	put(g, "empty", "", 0);
}

static void
pack_req(struct gen *g, const char *label, const char *cmd, unsigned version,
    const char *const *kv, bool cuts)
{
	Gs__Request q = GS__REQUEST__INIT;
	Gs__Param p[160], *pp[160];
	size_t n = 0, len;
	uint8_t *buf;

	for (; kv != NULL && kv[2 * n] != NULL && n < 160; n++) {
		gs__param__init(&p[n]);
		p[n].name = (char *)kv[2 * n];
		p[n].value = (char *)kv[2 * n + 1];
		pp[n] = &p[n];
	}
	q.version = version;
	q.command = (char *)cmd;
	q.n_params = n;
	q.params = pp;
	len = gs__request__get_packed_size(&q);
	buf = malloc(len ? len : 1);
	if (buf == NULL) {
		g->err = 1;
		return;
	}
	gs__request__pack(&q, buf);
	if (cuts)
		put_cuts(g, label, buf, len);
	else
		put(g, label, buf, len);
	free(buf);
}

static void
gen_control(struct gen *g)
{
	/* @@EVENT@@@@@ / @@RESRC@@@@@: see fuzz_control.c */
	static const char *const add_ev[] = { "type", "event",
	    "f", "title=Atelier peinture", "f", "kind=workshop",
	    "f", "start=2025-03-01T14:00:00+01:00", NULL };
	static const char *const add_res[] = { "type", "resource",
	    "f", "name=GEM Les Amis", "f", "kind=gem", "f", "postcode=35000",
	    NULL };
	static const char *const add_bad[] = { "type", "event",
	    "f", "title=\x1b[2Jx", "f", "kind=workshop", "f", "nope", NULL };
	static const char *const add_resv[] = { "type", "reservation", NULL };
	static const char *const list_ev[] = { "type", "event", NULL };
	static const char *const list_res[] = { "type", "resource",
	    "q", "gem", NULL };
	static const char *const show[] = { "type", "event",
	    "item", "@@EVENT@@@@@", NULL };
	static const char *const show_short[] = { "type", "event",
	    "item", "ab", NULL };
	static const char *const edit[] = { "type", "event",
	    "item", "@@EVENT@@@@@", "f", "title=Atelier (salle 2)",
	    "f", "cohosts=", NULL };
	static const char *const edit_bad[] = { "type", "event",
	    "item", "@@EVENT@@@@@", "f", "end=2020-01-01T00:00:00Z", NULL };
	static const char *const edit_res[] = { "type", "resource",
	    "item", "@@RESRC@@@@@", "f", "phone=02 99 00 00 00", NULL };
	static const char *const del[] = { "type", "resource",
	    "item", "@@RESRC@@@@@", NULL };
	static const char *const cancel[] = { "item", "@@EVENT@@@@@", NULL };
	static const char *const missing[] = { "type", "event",
	    "item", "ffffffffffff", NULL };
	static const char *many[2 * 130 + 1];

	gen_dir(g, "control");
	pack_req(g, "ping", "ping", 1, NULL, true);
	pack_req(g, "id", "id", 1, NULL, false);
	pack_req(g, "status", "status", 1, NULL, false);
	pack_req(g, "add-event", "item.add", 1, add_ev, true);
	pack_req(g, "add-resource", "item.add", 1, add_res, false);
	pack_req(g, "add-bad", "item.add", 1, add_bad, false);
	pack_req(g, "add-reservation", "item.add", 1, add_resv, false);
	pack_req(g, "list", "item.list", 1, list_ev, false);
	pack_req(g, "list-res", "item.list", 1, list_res, false);
	pack_req(g, "show", "item.show", 1, show, false);
	pack_req(g, "show-short", "item.show", 1, show_short, false);
	pack_req(g, "edit", "item.edit", 1, edit, true);
	pack_req(g, "edit-bad", "item.edit", 1, edit_bad, false);
	pack_req(g, "edit-res", "item.edit", 1, edit_res, false);
	pack_req(g, "cancel", "event.cancel", 1, cancel, false);
	pack_req(g, "delete", "item.delete", 1, del, false);
	pack_req(g, "missing", "item.show", 1, missing, false);
	pack_req(g, "unknown", "peer.add", 1, NULL, false);
	pack_req(g, "version2", "ping", 2, NULL, false);
	for (int i = 0; i < 130; i++) {
		many[2 * i] = "f";
		many[2 * i + 1] = "title=x";
	}
	many[260] = NULL;
	pack_req(g, "many-params", "item.add", 1, many, false);
	put(g, "empty", "", 0);
	put(g, "garbage", "\x08\x01\x12\xff\xff\xff\xff\x0f", 8);
}

int
main(int argc, char **argv)
{
	struct gen g;
	struct signed3 s;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_corpus_gen DIR\n");
		return 2;
	}
	memset(&g, 0, sizeof(g));
	memset(&s, 0, sizeof(s));
	g.root = argv[1];
	if (gs_crypto_init() != 0 || (g.sk = gs_secure_alloc(GS_SK_LEN)) ==
	    NULL || gs_sign_keypair(g.pk, g.sk) != 0 ||
	    (mkdir(g.root, 0755) != 0 && errno != EEXIST)) {
		fprintf(stderr, "fuzz_corpus_gen: cannot start\n");
		return 1;
	}
	if (make_changes(&g, &s) != 0) {
		fprintf(stderr, "fuzz_corpus_gen: cannot sign changes\n");
		g.err = 1;
	} else {
		gen_fields(&g);
		gen_change(&g, &s);
		gen_peer(&g, &s);
		gen_control(&g);
	}
	free_changes(&s);
	gs_secure_free(g.sk);
	if (g.err)
		fprintf(stderr, "fuzz_corpus_gen: some files not written\n");
	return g.err ? 1 : 0;
}
