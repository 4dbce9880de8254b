/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_junk: test-only hostile peer. Connects to a target daemon over CURVE
 * as an existing (trusted) site, whose key it loads from that site's data
 * dir, and sends bad input of one kind (docs/internals/reliability.md,
 * "Bad input from a peer" 1-4 and 12); or tries to connect without being
 * let in ("Refused connections" 13).
 *
 *   gs_junk MODE KEY_DIR TARGET_ENDPOINT TARGET_SITE_ID [COUNT [SEED]]
 *
 * Modes over an authenticated connection:
 *   garbage     COUNT frames of random bytes, 0..4096 bytes each
 *   truncated   COUNT valid Summary/Batch encodings cut at random points
 *   oversized   one frame of 4 MiB + 4 KiB (over the default max_frame);
 *               waits for the daemon to drop the connection, reconnects
 *   counts      absurd repeated counts: a Summary declaring 10 million
 *               entries (length prefix) with a fraction present, a Summary
 *               packed with ~700k minimal entries, 100k distinct authors in
 *               descending order, a Batch of 100k tiny changes and one of
 *               exactly 4096; each step is probed, and steps= gives the
 *               seconds each took to be sent and processed
 *   unknown     unknown oneof field numbers (99, 8), version 999 and 0,
 *               unknown wire types
 *   flood       COUNT (100000) small valid but useless messages (empty
 *               push batches, empty summaries), as fast as HWM allows
 *   chain       COUNT (4800: under the owner's budget of one item) valid changes signed with
 *               the key's own site key: a new event, then edits, each the
 *               child of the one before (one long chain on one item), in
 *               batches of 1000; the
 *               first sequence number is the one after what the target's
 *               summary says it holds of that key, if any (a trusted site whose
 *               daemon is stopped, so nothing else signs with it)
 *   events      COUNT (100000) valid changes signed the same way, each a
 *               new event (its own item), in batches of 4096
 *   versions    not junk: a Hello saying it speaks peer versions 1 to
 *               COUNT, then a Summary holding nothing with credit, and
 *               counts the bodies the target sends back (bodies=) and how
 *               many of them came packed (packed=: starting with 0x01)
 *   hellos      COUNT hellos as a stranger (KEY_DIR: a site the target
 *               does not know), announcing the names "Inondation 0",
 *               "Inondation 1"..., then one more with a made-up invitation
 *               proof; its Refuse (refuses=1) means all were read. No probe.
 * After each of them but hellos, a probe (a Summary asking for a reply) shows whether
 * the daemon still answers on that connection: it answers in order, so
 * its answer also means everything sent before was processed.
 *
 * Modes that must be refused (no CURVE handshake completes, nothing comes
 * back), with a raw ZeroMQ DEALER (a test tool may include zmq.h):
 *   plain       no CURVE at all (NULL mechanism)
 *   wrongkey    the site's own key, but a wrong pinned server key
 *   unknownkey  COUNT fresh key pairs the target has never heard of
 *
 * Prints one line: key=value pairs of what was sent and what came back.
 * Exit status: 0 done, 1 error (could not connect, send failed), 2 usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <zmq.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "fields.h"
#include "hlc.h"
#include "identity.h"
#include "item.h"
#include "peer.pb-c.h"
#include "siteid.h"
#include "transport.h"
#include "version.h"

#define FRAME_MAX (64u << 20)        /* our own transport's limit */
#define DAEMON_MAX_FRAME (4u << 20)  /* the daemon's default max_frame */
#define SEND_TRIES 200000            /* EBUSY retries for one frame */
#define PROBE_WAIT_S 120.0
#define REFUSED_WAIT_MS 3000
#define HELLOS_WAIT_S 5.0

/* A growable byte buffer for hand-made protobuf encodings. */
struct wbuf {
	uint8_t *p;
	size_t n, cap;
	bool oom;
};

struct junk {
	struct ev_loop *loop;
	struct gs_transport *t;
	struct gs_endpoint *ep;
	uint64_t rng;                 /* xorshift64 state */
	/* what we sent */
	unsigned long frames;
	unsigned long long bytes;
	/* what came back */
	unsigned long received;
	unsigned long undecodable;
	unsigned long summaries;      /* answers (reply_wanted = false) */
	unsigned long rounds;         /* its own rounds (reply_wanted = true) */
	unsigned long refuses;
	unsigned long acks;
	unsigned long other;
	int dropped;                  /* saw the connection go down */
	const uint8_t *self;          /* our site key (lent) */
	uint64_t self_seq;            /* of it, what the target's summary holds */
	char steps[128];              /* seconds per step (counts mode) */
	unsigned long bodies, packed; /* bodies received (hello mode) */
	ev_tstamp last_batch;         /* when the last batch came */
};

/* ---- randomness (seeded, so a failing input can be replayed) ---- */

static uint64_t
rnd(struct junk *j)
{
	j->rng ^= j->rng << 13;
	j->rng ^= j->rng >> 7;
	j->rng ^= j->rng << 17;
	return j->rng;
}

static size_t
rnd_below(struct junk *j, size_t upper)
{
	return upper == 0 ? 0 : (size_t)(rnd(j) % upper);
}

static void
rnd_fill(struct junk *j, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)rnd(j);
}

/* ---- protobuf by hand ---- */

static void
wb_need(struct wbuf *w, size_t more)
{
	uint8_t *np;
	size_t ncap;

	if (w->oom || w->n + more <= w->cap)
		return;
	ncap = w->cap ? w->cap : 256;
	while (ncap < w->n + more)
		ncap *= 2;
	np = realloc(w->p, ncap);
	if (np == NULL) {
		w->oom = true;
		return;
	}
	w->p = np;
	w->cap = ncap;
}

static void
wb_raw(struct wbuf *w, const void *src, size_t len)
{
	wb_need(w, len);
	if (w->oom)
		return;
	if (len > 0)
		memcpy(w->p + w->n, src, len);
	w->n += len;
}

static void
wb_varint(struct wbuf *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			b[n] |= 0x80;
		n++;
	} while (v != 0);
	wb_raw(w, b, n);
}

static void
wb_tag(struct wbuf *w, unsigned field, unsigned wiretype)
{
	wb_varint(w, ((uint64_t)field << 3) | wiretype);
}

static void
wb_uint(struct wbuf *w, unsigned field, uint64_t v)
{
	wb_tag(w, field, 0);
	wb_varint(w, v);
}

static void
wb_bytes(struct wbuf *w, unsigned field, const void *p, size_t len)
{
	wb_tag(w, field, 2);
	wb_varint(w, len);
	wb_raw(w, p, len);
}

static void
wb_free(struct wbuf *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

/* A PeerMsg: version, then the given oneof field wrapping inner. */
static void
wb_peermsg(struct wbuf *w, uint64_t version, unsigned field,
    const struct wbuf *inner)
{
	wb_uint(w, 1, version);
	wb_bytes(w, field, inner->p, inner->n);
}

/* A Summary with n random 32-byte authors. */
static void
wb_summary(struct junk *j, struct wbuf *w, size_t n, bool reply_wanted,
    unsigned credit)
{
	struct wbuf e = { 0 };
	uint8_t author[32];

	for (size_t i = 0; i < n; i++) {
		e.n = 0;
		rnd_fill(j, author, 32);
		wb_bytes(&e, 1, author, 32);
		wb_uint(&e, 2, 1 + rnd_below(j, 1000));
		wb_bytes(w, 1, e.p, e.n);
	}
	wb_uint(w, 2, reply_wanted);
	wb_uint(w, 3, credit);
	wb_free(&e);
}

/* A Batch with n changes of random header, signature and body bytes. */
static void
wb_batch(struct junk *j, struct wbuf *w, size_t n, bool push)
{
	struct wbuf c = { 0 };
	uint8_t buf[256];

	for (size_t i = 0; i < n; i++) {
		c.n = 0;
		rnd_fill(j, buf, sizeof(buf));
		wb_bytes(&c, 1, buf, 40 + rnd_below(j, 100));
		wb_bytes(&c, 2, buf + 140, 64);
		wb_bytes(&c, 3, buf + 50, rnd_below(j, 80));
		wb_bytes(w, 1, c.p, c.n);
	}
	wb_uint(w, 2, push);
	wb_free(&c);
}

/* ---- the authenticated connection ---- */

static void
on_msg(struct gs_endpoint *ep, const struct gs_msg *m, void *arg)
{
	struct junk *j = arg;
	Gs__PeerMsg *pm;

	(void)ep;
	j->received++;
	pm = gs__peer_msg__unpack(NULL, m->len, m->data);
	if (pm == NULL) {
		j->undecodable++;
		return;
	}
	switch (pm->msg_case) {
	case GS__PEER_MSG__MSG_SUMMARY:
		for (size_t i = 0; j->self != NULL &&
		    i < pm->summary->n_entries; i++) {
			const Gs__SummaryEntry *e = pm->summary->entries[i];
			if (e->author.len == 32 &&
			    memcmp(e->author.data, j->self, 32) == 0)
				j->self_seq = e->seq;
		}
		if (pm->summary->reply_wanted)
			j->rounds++;
		else
			j->summaries++;
		break;
	case GS__PEER_MSG__MSG_REFUSE:
		j->refuses++;
		break;
	case GS__PEER_MSG__MSG_ACK:
		j->acks++;
		break;
	case GS__PEER_MSG__MSG_BATCH:
		for (size_t i = 0; i < pm->batch->n_changes; i++) {
			const Gs__SignedChange *c = pm->batch->changes[i];
			if (!c->has_body)
				continue;
			j->bodies++;
			if (c->body.len > 0 && c->body.data[0] == 0x01)
				j->packed++;
		}
		j->last_batch = ev_time();
		j->other++;
		break;
	default:
		j->other++;
		break;
	}
	gs__peer_msg__free_unpacked(pm, NULL);
}

static void
turn(struct junk *j)
{
	ev_run(j->loop, EVRUN_NOWAIT);
	if (j->ep != NULL && !gs_transport_connected(j->ep))
		j->dropped = 1;
}

static bool
wait_connected(struct junk *j, double seconds)
{
	for (int i = 0; i < (int)(seconds * 100) &&
	    !gs_transport_connected(j->ep); i++) {
		ev_run(j->loop, EVRUN_NOWAIT);
		ev_sleep(0.01);
	}
	return gs_transport_connected(j->ep);
}

/* Sends one frame, waiting (bounded) while the high water mark is hit. */
static int
send_frame(struct junk *j, const void *p, size_t len)
{
	int rc = GS_EIO;

	for (long i = 0; i < SEND_TRIES; i++) {
		rc = gs_transport_send(j->ep, NULL, 0, p, len);
		if (rc != GS_EBUSY)
			break;
		turn(j);
		ev_sleep(0.0005);
	}
	if (rc == 0) {
		j->frames++;
		j->bytes += len;
	} else {
		fprintf(stderr, "gs_junk: send of %zu bytes failed: %s\n", len,
		    gs_strerror(rc));
	}
	return rc;
}

static int
send_wb(struct junk *j, const struct wbuf *w)
{
	if (w->oom) {
		fprintf(stderr, "gs_junk: out of memory\n");
		return GS_ENOMEM;
	}
	return send_frame(j, w->p, w->n);
}

/*
 * Sends a Summary asking for a reply and waits for the answer (a summary
 * with reply_wanted false). Resends every few seconds, in case the first
 * went out on a connection that was being dropped. Returns 1 if answered.
 */
static int
probe(struct junk *j)
{
	struct wbuf in = { 0 }, m = { 0 };
	unsigned long before = j->summaries;
	ev_tstamp start = ev_time(), last = 0;
	int answered = 0;

	wb_uint(&in, 2, 1);   /* reply_wanted, no entries */
	wb_uint(&in, 3, 0);   /* no credit: we want no batches */
	wb_peermsg(&m, GS_PEER_VERSION, 3, &in);
	while (ev_time() - start < PROBE_WAIT_S) {
		if (j->summaries > before) {
			answered = 1;
			break;
		}
		if (ev_time() - last > 3.0 && gs_transport_connected(j->ep) &&
		    gs_transport_send(j->ep, NULL, 0, m.p, m.n) == 0)
			last = ev_time();
		turn(j);
		ev_sleep(0.005);
	}
	wb_free(&in);
	wb_free(&m);
	return answered;
}

/*
 * Says it speaks peer versions 1 to max, asks for everything with a
 * Summary that holds nothing, and takes batches until none came for 2 s
 * (at most 30 s).
 */
static int
mode_versions(struct junk *j, unsigned long max)
{
	struct wbuf h = { 0 }, in = { 0 }, m = { 0 };
	ev_tstamp start;
	int ret = 1;

	wb_uint(&h, 1, 1);
	wb_uint(&h, 2, max);
	wb_peermsg(&m, max, 2, &h);
	if (send_wb(j, &m) != 0)
		goto out;
	/*
	 * a summary less than a second after the last one (a probe of an
	 * earlier run) only refines a send under way: let that second pass
	 */
	for (start = ev_time(); ev_time() - start < 1.5;) {
		turn(j);
		ev_sleep(0.01);
	}
	m.n = 0;
	wb_uint(&in, 2, 0);    /* no reply wanted: we hold nothing */
	wb_uint(&in, 3, 64);   /* credit for 64 batches */
	wb_peermsg(&m, max, 3, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	start = ev_time();
	while (ev_time() - start < 30.0 && (j->last_batch == 0 ||
	    ev_time() - j->last_batch < 2.0)) {
		turn(j);
		ev_sleep(0.01);
	}
	ret = 0;
out:
	wb_free(&h);
	wb_free(&in);
	wb_free(&m);
	return ret;
}

static int
mode_garbage(struct junk *j, unsigned long count)
{
	uint8_t buf[4096];
	size_t len;
	int ret = 1;

	for (unsigned long i = 0; i < count; i++) {
		len = rnd_below(j, sizeof(buf) + 1);
		rnd_fill(j, buf, len);
		if (send_frame(j, buf, len) != 0)
			goto out;
		if (i % 64 == 0)
			turn(j);
	}
	ret = 0;
out:
	return ret;
}

static int
mode_truncated(struct junk *j, unsigned long count)
{
	struct wbuf in = { 0 }, m = { 0 };
	int ret = 1;

	for (unsigned long i = 0; i < count; i++) {
		in.n = 0;
		m.n = 0;
		if (i % 2 == 0) {
			wb_summary(j, &in, 1 + rnd_below(j, 20), true, 4);
			wb_peermsg(&m, 1, 3, &in);
		} else {
			wb_batch(j, &in, 1 + rnd_below(j, 8), false);
			wb_peermsg(&m, 1, 4, &in);
		}
		if (m.oom)
			goto out;
		/* cut strictly inside: at least one byte is missing */
		m.n = rnd_below(j, m.n);
		if (send_wb(j, &m) != 0)
			goto out;
		if (i % 64 == 0)
			turn(j);
	}
	ret = 0;
out:
	wb_free(&in);
	wb_free(&m);
	return ret;
}

static int
mode_oversized(struct junk *j)
{
	size_t len = DAEMON_MAX_FRAME + 4096;
	uint8_t *buf = malloc(len);
	int ret = 1;

	if (buf == NULL)
		goto out;
	rnd_fill(j, buf, len);
	if (send_frame(j, buf, len) != 0)
		goto out;
	/* the daemon drops the connection; ours reconnects by itself */
	for (int i = 0; i < 2000 && !j->dropped; i++) {
		turn(j);
		ev_sleep(0.01);
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/*
 * Probes after one step of a mode and appends how long the daemon took to
 * get through it (sent + processed) to j->steps, e.g. "0.1,0.0,14.2".
 */
static void
step_done(struct junk *j, ev_tstamp *t)
{
	size_t n = strlen(j->steps);
	int answered = probe(j);

	snprintf(j->steps + n, sizeof(j->steps) - n, "%s%.1f%s",
	    n ? "," : "", ev_time() - *t, answered ? "" : "!");
	*t = ev_time();
}

static int
mode_counts(struct junk *j)
{
	ev_tstamp t = ev_time();

	struct wbuf in = { 0 }, m = { 0 }, e = { 0 };
	uint8_t (*authors)[32] = NULL;
	size_t n;
	int ret = 1;

	/* 1. a summary whose length prefix declares 10 million 6-byte
	 * entries, followed by a few kilobytes of them */
	wb_uint(&m, 1, 1);
	wb_tag(&m, 3, 2);
	wb_varint(&m, 10000000ull * 6);
	for (int i = 0; i < 700; i++)
		wb_raw(&m, "\x0a\x04\x0a\x00\x10\x00", 6);
	if (send_wb(j, &m) != 0)
		goto out;
	step_done(j, &t);
	/* 2. as many minimal entries (empty author, seq 0) as fit in a frame
	 * the daemon accepts: ~700,000, each a separate allocation */
	m.n = 0;
	n = (DAEMON_MAX_FRAME - 64) / 6;
	for (size_t i = 0; i < n; i++)
		wb_raw(&in, "\x0a\x04\x0a\x00\x10\x00", 6);
	wb_uint(&in, 2, 0);
	wb_uint(&in, 3, 0);
	wb_peermsg(&m, 1, 3, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	step_done(j, &t);
	/* 3. exactly 100,000 (the daemon's cap) distinct 32-byte authors in
	 * descending order, the worst order for a sorted insert */
	n = 100000;
	authors = malloc(n * sizeof(*authors));
	if (authors == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		rnd_fill(j, authors[i], 32);
		authors[i][0] = (uint8_t)(0xff - (i * 256) / n);
		authors[i][1] = (uint8_t)(0xff - ((i * 65536) / n) % 256);
	}
	in.n = 0;
	m.n = 0;
	for (size_t i = 0; i < n; i++) {
		e.n = 0;
		wb_bytes(&e, 1, authors[i], 32);
		wb_uint(&e, 2, 1);
		wb_bytes(&in, 1, e.p, e.n);
	}
	wb_uint(&in, 2, 0);
	wb_uint(&in, 3, 0);
	wb_peermsg(&m, 1, 3, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	step_done(j, &t);
	/* 4. a batch of 100,000 tiny changes (empty header and signature) */
	in.n = 0;
	m.n = 0;
	for (size_t i = 0; i < 100000; i++)
		wb_raw(&in, "\x0a\x04\x0a\x00\x12\x00", 6);
	wb_uint(&in, 2, 0);
	wb_peermsg(&m, 1, 4, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	step_done(j, &t);
	/* 5. a batch of exactly 4096 (the cap) small random changes */
	in.n = 0;
	m.n = 0;
	wb_batch(j, &in, 4096, false);
	wb_peermsg(&m, 1, 4, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	step_done(j, &t);
	ret = 0;
out:
	free(authors);
	wb_free(&e);
	wb_free(&in);
	wb_free(&m);
	return ret;
}

static int
mode_unknown(struct junk *j)
{
	struct wbuf in = { 0 }, m = { 0 };
	uint8_t junk[64];
	int ret = 1;

	rnd_fill(j, junk, sizeof(junk));
	/* field 99 as raw bytes, version 999 */
	wb_uint(&m, 1, 999);
	wb_bytes(&m, 99, junk, sizeof(junk));
	if (send_wb(j, &m) != 0)
		goto out;
	/* the same with the current version */
	m.n = 0;
	wb_uint(&m, 1, 1);
	wb_bytes(&m, 99, junk, sizeof(junk));
	if (send_wb(j, &m) != 0)
		goto out;
	/* field 8: the next oneof number, as a future message type would */
	m.n = 0;
	in.n = 0;
	wb_uint(&in, 1, 42);
	wb_peermsg(&m, 2, 8, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	/* the largest field number, fixed64 and fixed32 wire types */
	m.n = 0;
	wb_uint(&m, 1, 1);
	wb_tag(&m, 536870911, 1);
	wb_raw(&m, junk, 8);
	wb_tag(&m, 1000, 5);
	wb_raw(&m, junk, 4);
	if (send_wb(j, &m) != 0)
		goto out;
	/* a group (wire types 3 and 4) and the reserved wire types 6, 7 */
	m.n = 0;
	wb_uint(&m, 1, 1);
	wb_tag(&m, 50, 3);
	wb_uint(&m, 51, 7);
	wb_tag(&m, 50, 4);
	if (send_wb(j, &m) != 0)
		goto out;
	m.n = 0;
	wb_uint(&m, 1, 1);
	wb_tag(&m, 60, 6);
	wb_raw(&m, junk, 8);
	if (send_wb(j, &m) != 0)
		goto out;
	/* version 999 with a valid summary: a newer peer, accepted */
	m.n = 0;
	in.n = 0;
	wb_summary(j, &in, 0, false, 0);
	wb_peermsg(&m, 999, 3, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	/* version 0: too old, answered with a Refuse */
	m.n = 0;
	wb_peermsg(&m, 0, 3, &in);
	if (send_wb(j, &m) != 0)
		goto out;
	/* version only, no message at all */
	m.n = 0;
	wb_uint(&m, 1, 1);
	if (send_wb(j, &m) != 0)
		goto out;
	ret = 0;
out:
	wb_free(&in);
	wb_free(&m);
	return ret;
}

static int
mode_flood(struct junk *j, unsigned long count)
{
	struct wbuf in = { 0 }, batch = { 0 }, sum = { 0 };
	int ret = 1;

	wb_uint(&in, 2, 1);              /* Batch: no changes, push */
	wb_peermsg(&batch, 1, 4, &in);
	in.n = 0;
	wb_uint(&in, 2, 0);              /* Summary: no entries, no reply */
	wb_uint(&in, 3, 0);
	wb_peermsg(&sum, 1, 3, &in);
	if (batch.oom || sum.oom)
		goto out;
	for (unsigned long i = 0; i < count; i++) {
		const struct wbuf *w = i % 2 ? &sum : &batch;
		if (send_wb(j, w) != 0)
			goto out;
		if (i % 256 == 0)
			turn(j);
	}
	ret = 0;
out:
	wb_free(&in);
	wb_free(&batch);
	wb_free(&sum);
	return ret;
}

/*
 * Hellos from a stranger: each a decode for the target, and each an
 * announce it would write without a limit per key.
 */
static int
mode_hellos(struct junk *j, const uint8_t site[32], unsigned long count)
{
	Gs__PeerMsg pm = GS__PEER_MSG__INIT;
	Gs__Hello h = GS__HELLO__INIT;
	Gs__Announce a = GS__ANNOUNCE__INIT;
	Gs__InviteProof ip = GS__INVITE_PROOF__INIT;
	uint8_t id[8] = { 0 }, mac[32] = { 0 }, buf[512];
	char name[64];
	ev_tstamp start;

	h.min_version = h.max_version = GS_PEER_VERSION;
	a.site.data = (uint8_t *)site;
	a.site.len = 32;
	a.name = name;
	h.announce = &a;
	pm.version = GS_PEER_VERSION;
	pm.msg_case = GS__PEER_MSG__MSG_HELLO;
	pm.hello = &h;
	for (unsigned long i = 0; i <= count; i++) {
		snprintf(name, sizeof(name), "Inondation %lu", i);
		if (i == count) {
			ip.id.data = id;
			ip.id.len = sizeof(id);
			ip.mac.data = mac;
			ip.mac.len = sizeof(mac);
			h.invite = &ip;
		}
		if (gs__peer_msg__get_packed_size(&pm) > sizeof(buf) ||
		    send_frame(j, buf, gs__peer_msg__pack(&pm, buf)) != 0)
			return 1;
		if (i % 256 == 0)
			turn(j);
	}
	start = ev_time();
	while (j->refuses == 0 && ev_time() - start < HELLOS_WAIT_S) {
		turn(j);
		ev_sleep(0.01);
	}
	return 0;
}

/* One signed change of the chain, appended to batch as a SignedChange. */
static int
chain_change(const uint8_t *sk, const uint8_t item[16],
    uint64_t seq, uint64_t hlc, const uint8_t (*parent)[32],
    struct gs_fields *f, struct wbuf *batch, uint8_t id_out[32])
{
	struct gs_change *c = NULL;
	struct wbuf sc = { 0 };
	uint8_t *body = NULL;
	size_t len = 0;
	int ret = 1;

	if (gs_fields_encode(f, &body, &len) != 0 ||
	    gs_change_new(sk, item, GS_TYPE_EVENT, seq, hlc, parent,
	    parent != NULL ? 1 : 0, false, body, len, &c) != 0)
		goto out;
	wb_bytes(&sc, 1, c->header, c->header_len);
	wb_bytes(&sc, 2, c->sig, 64);
	wb_bytes(&sc, 3, c->body, c->body_len);
	wb_bytes(batch, 1, sc.p, sc.n);
	memcpy(id_out, c->id, 32);
	ret = sc.oom ? 1 : 0;
out:
	free(body);
	wb_free(&sc);
	gs_change_destroy(&c);
	return ret;
}

/*
 * COUNT valid changes of our own key: one chain on one item (chain), or
 * each a new item (events, one_item false).
 */
static int
mode_valid(struct junk *j, const struct gs_identity *id, unsigned long count,
    bool one_item)
{
	struct wbuf in = { 0 }, m = { 0 };
	struct gs_fields f;
	struct gs_hlc clock;
	uint8_t item[16], prev[32], cur[32];
	char title[64], hex[33];
	uint64_t seq;
	size_t inbatch = 0, per_batch = one_item ? 1000 : 4096;
	int ret = 1;

	gs_fields_init(&f);
	gs_hlc_init(&clock, 0);
	j->self = gs_identity_pk(id);
	if (!probe(j)) {
		fprintf(stderr, "gs_junk: no summary from the target\n");
		goto out;
	}
	seq = j->self_seq + 1;
	gs_item_id_new(gs_identity_pk(id), seq, item);
	if (gs_fields_set(&f, "kind", "workshop") != 0 ||
	    gs_fields_set(&f, "start", "2030-12-20T14:00:00+01:00") != 0 ||
	    gs_fields_set(&f, "title", "Chaîne n°0") != 0)
		goto out;
	for (unsigned long i = 0; i < count; i++, seq++) {
		if (!one_item) {
			gs_item_id_new(gs_identity_pk(id), seq, item);
			snprintf(title, sizeof(title), "Flot n°%lu", i);
			if (gs_fields_set(&f, "title", title) != 0)
				goto out;
		}
		if (i > 0 && one_item) {
			gs_fields_clear(&f);
			snprintf(title, sizeof(title), "Chaîne n°%lu", i);
			if (gs_fields_set(&f, "title", title) != 0)
				goto out;
		}
		if (chain_change(gs_identity_sk(id), item, seq,
		    gs_hlc_now(&clock), i > 0 && one_item ?
		    (const uint8_t (*)[32])prev : NULL, &f, &in, cur) != 0)
			goto out;
		memcpy(prev, cur, 32);
		if (++inbatch == per_batch || i + 1 == count) {
			wb_uint(&in, 2, 0);
			m.n = 0;
			wb_peermsg(&m, GS_PEER_VERSION, 4, &in);
			if (send_wb(j, &m) != 0)
				goto out;
			in.n = 0;
			inbatch = 0;
			turn(j);
		}
	}
	gs_hex(item, 16, hex);
	printf("gs_junk: %s item=%s\n", one_item ? "chain" : "last", hex);
	ret = 0;
out:
	gs_fields_clear(&f);
	wb_free(&in);
	wb_free(&m);
	return ret;
}

/* ---- the connections that must be refused ---- */

/*
 * One raw DEALER: NULL mechanism when client_pk is NULL, else a CURVE
 * client. Sends a valid summary asking for a reply, then waits for
 * anything to come back. *received counts frames, *handshake is 1 if a
 * handshake succeeded (from a socket monitor).
 */
static int
raw_attempt(void *ctx, const char *endpoint, const uint8_t *server_pk,
    const uint8_t *client_pk, const uint8_t *client_sk, int id,
    unsigned long *received, int *handshake, int *failed)
{
	void *sock = NULL, *mon = NULL;
	char monep[64];
	uint8_t msg[8] = { 0x08, 0x01, 0x1a, 0x04, 0x10, 0x01, 0x18, 0x00 };
	uint8_t buf[256];
	int zero = 0, ret = 1, n;
	ev_tstamp start;

	sock = zmq_socket(ctx, ZMQ_DEALER);
	if (sock == NULL)
		goto out;
	(void)zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof(zero));
	if (client_pk != NULL &&
	    (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_pk, 32) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, client_pk, 32) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client_sk, 32) != 0))
		goto out;
	snprintf(monep, sizeof(monep), "inproc://gs-junk-mon-%d", id);
	if (zmq_socket_monitor(sock, monep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
		goto out;
	mon = zmq_socket(ctx, ZMQ_PAIR);
	if (mon == NULL || zmq_setsockopt(mon, ZMQ_LINGER, &zero,
	    sizeof(zero)) != 0 || zmq_connect(mon, monep) != 0)
		goto out;
	if (zmq_connect(sock, endpoint) != 0)
		goto out;
	/* queued until a handshake completes, which it must not */
	if (zmq_send(sock, msg, sizeof(msg), ZMQ_DONTWAIT) < 0)
		goto out;
	start = ev_time();
	while ((ev_time() - start) * 1000 < REFUSED_WAIT_MS) {
		zmq_pollitem_t items[2] = {
			{ sock, 0, ZMQ_POLLIN, 0 },
			{ mon, 0, ZMQ_POLLIN, 0 },
		};
		if (zmq_poll(items, 2, 100) < 0)
			goto out;
		if (items[0].revents & ZMQ_POLLIN) {
			n = zmq_recv(sock, buf, sizeof(buf), ZMQ_DONTWAIT);
			if (n >= 0)
				(*received)++;
		}
		if (items[1].revents & ZMQ_POLLIN) {
			zmq_msg_t ev;
			uint16_t event;
			int more = 0;
			zmq_msg_init(&ev);
			if (zmq_msg_recv(&ev, mon, ZMQ_DONTWAIT) >= 0) {
				more = zmq_msg_more(&ev);
				if (zmq_msg_size(&ev) >= 2) {
					memcpy(&event, zmq_msg_data(&ev), 2);
					if (event ==
					    ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
						*handshake = 1;
					else
						(*failed)++;
				}
			}
			zmq_msg_close(&ev);
			/* the second frame: the endpoint address */
			if (more)
				(void)zmq_recv(mon, buf, sizeof(buf), 0);
		}
	}
	ret = 0;
out:
	if (ret != 0)
		fprintf(stderr, "gs_junk: zmq: %s\n", zmq_strerror(zmq_errno()));
	if (sock != NULL) {
		(void)zmq_socket_monitor(sock, NULL, 0);
		zmq_close(sock);
	}
	if (mon != NULL)
		zmq_close(mon);
	return ret;
}

static int
mode_refused(const char *mode, struct gs_identity *id, const char *endpoint,
    const uint8_t server_curve[32], unsigned long count)
{
	void *ctx = zmq_ctx_new();
	uint8_t pk[32], cpk[32], wrong[32], ed_pk[32];
	uint8_t *sk = gs_secure_alloc(GS_SK_LEN), *csk = gs_secure_alloc(32);
	unsigned long received = 0;
	int handshakes = 0, failed = 0, ret = 1;
	char first[65] = "-";

	if (ctx == NULL || sk == NULL || csk == NULL)
		goto out;
	for (unsigned long i = 0; i < count; i++) {
		int hs = 0;
		const uint8_t *server = server_curve;
		if (strcmp(mode, "plain") == 0) {
			if (raw_attempt(ctx, endpoint, NULL, NULL, NULL, (int)i,
			    &received, &hs, &failed) != 0)
				goto out;
		} else {
			if (strcmp(mode, "wrongkey") == 0) {
				/* our real key, a server key that is not its */
				if (gs_pk_to_curve(gs_identity_pk(id), cpk) ||
				    gs_sk_to_curve(gs_identity_sk(id), csk))
					goto out;
				if (gs_sign_keypair(ed_pk, sk) != 0 ||
				    gs_pk_to_curve(ed_pk, wrong) != 0)
					goto out;
				server = wrong;
			} else {
				if (gs_sign_keypair(pk, sk) != 0 ||
				    gs_pk_to_curve(pk, cpk) != 0 ||
				    gs_sk_to_curve(sk, csk) != 0)
					goto out;
			}
			if (i == 0)
				gs_hex(cpk, 32, first);
			if (raw_attempt(ctx, endpoint, server, cpk, csk, (int)i,
			    &received, &hs, &failed) != 0)
				goto out;
		}
		handshakes += hs;
	}
	printf("gs_junk: mode=%s attempts=%lu handshakes=%d "
	    "handshake_failures=%d received=%lu transport_key=%s\n", mode,
	    count, handshakes, failed, received, first);
	ret = 0;
out:
	gs_secure_free(sk);
	gs_secure_free(csk);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	return ret;
}

int
main(int argc, char **argv)
{
	struct gs_identity *id = NULL;
	struct gs_transport_opts to;
	struct junk j;
	uint8_t server[32], server_curve[32], curve_pk[32];
	uint8_t *curve_sk = NULL;
	const char *mode;
	unsigned long count = 0;
	unsigned long long seed;
	ev_tstamp t0;
	int answered = 0, rc = 1;

	memset(&j, 0, sizeof(j));
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: gs_junk garbage|truncated|oversized|"
		    "counts|unknown|flood|chain|events|versions|hellos|plain|"
		    "wrongkey|unknownkey KEY_DIR "
		    "ENDPOINT SITE_ID [COUNT [SEED]]\n");
		return 2;
	}
	mode = argv[1];
	if (argc > 5)
		count = strtoul(argv[5], NULL, 10);
	seed = argc > 6 ? strtoull(argv[6], NULL, 10) :
	    (unsigned long long)time(NULL);
	j.rng = seed ? seed : 88172645463325252ull;
	if (gs_crypto_init() != 0 || gs_identity_load(argv[2], NULL, &id) != 0 ||
	    gs_siteid_parse(argv[4], server) != 0 ||
	    gs_pk_to_curve(server, server_curve) != 0) {
		fprintf(stderr, "gs_junk: bad arguments\n");
		goto out;
	}
	if (strcmp(mode, "plain") == 0 || strcmp(mode, "wrongkey") == 0 ||
	    strcmp(mode, "unknownkey") == 0) {
		rc = mode_refused(mode, id, argv[3], server_curve,
		    count ? count : 1);
		goto out;
	}
	curve_sk = gs_secure_alloc(32);
	if (curve_sk == NULL || gs_pk_to_curve(gs_identity_pk(id), curve_pk) ||
	    gs_sk_to_curve(gs_identity_sk(id), curve_sk))
		goto out;
	j.loop = ev_loop_new(0);
	if (j.loop == NULL)
		goto out;
	gs_transport_opts_default(&to);
	to.max_frame = FRAME_MAX;     /* so that we may send oversized */
	to.sndhwm = 10000;
	if (gs_transport_new(j.loop, &to, &j.t) != 0 ||
	    gs_transport_connect(j.t, argv[3], server_curve, curve_pk, curve_sk,
	    on_msg, &j, &j.ep) != 0)
		goto out;
	if (!wait_connected(&j, 20.0)) {
		fprintf(stderr, "gs_junk: could not connect\n");
		goto out;
	}
	t0 = ev_time();
	if (strcmp(mode, "garbage") == 0)
		rc = mode_garbage(&j, count ? count : 1000);
	else if (strcmp(mode, "truncated") == 0)
		rc = mode_truncated(&j, count ? count : 1000);
	else if (strcmp(mode, "oversized") == 0)
		rc = mode_oversized(&j);
	else if (strcmp(mode, "counts") == 0)
		rc = mode_counts(&j);
	else if (strcmp(mode, "unknown") == 0)
		rc = mode_unknown(&j);
	else if (strcmp(mode, "flood") == 0)
		rc = mode_flood(&j, count ? count : 100000);
	else if (strcmp(mode, "chain") == 0)
		rc = mode_valid(&j, id, count ? count : 5000, true);
	else if (strcmp(mode, "events") == 0)
		rc = mode_valid(&j, id, count ? count : 100000, false);
	else if (strcmp(mode, "versions") == 0)
		rc = mode_versions(&j, count ? count : GS_PEER_VERSION);
	else if (strcmp(mode, "hellos") == 0)
		rc = mode_hellos(&j, gs_identity_pk(id), count ? count : 100);
	else {
		fprintf(stderr, "gs_junk: unknown mode %s\n", mode);
		rc = 2;
		goto out;
	}
	if (rc != 0)
		goto out;
	/* a stranger is answered nothing: no probe */
	answered = strcmp(mode, "hellos") != 0 && probe(&j);
	printf("gs_junk: mode=%s seed=%llu frames=%lu bytes=%llu "
	    "dropped=%d probe=%s seconds=%.1f received=%lu summaries=%lu "
	    "refuses=%lu acks=%lu rounds=%lu other=%lu undecodable=%lu "
	    "steps=%s bodies=%lu packed=%lu\n",
	    mode, seed, j.frames, j.bytes, j.dropped,
	    answered ? "answered" : "unanswered", ev_time() - t0, j.received,
	    j.summaries, j.refuses, j.acks, j.rounds, j.other, j.undecodable,
	    j.steps[0] ? j.steps : "-", j.bodies, j.packed);
	rc = 0;
out:
	gs_transport_close(&j.ep);
	gs_transport_destroy(&j.t);
	if (j.loop != NULL)
		ev_loop_destroy(j.loop);
	gs_secure_free(curve_sk);
	gs_identity_destroy(&id);
	return rc;
}
