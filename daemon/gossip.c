/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gossip.c: the peer protocol. Each peer is a site key with, possibly, a
 * DEALER to its endpoint and, possibly, a route back through our ROUTER
 * when it connected to us. Messages are identified by the authenticated
 * transport key, never by anything the peer writes in them.
 *
 * A round: we send our summary (author -> highest sequence held) with
 * reply_wanted; the peer sends the changes we lack in rowid order (parents
 * first), at most `credit` batches ahead of our acknowledgements, and
 * answers with its own summary, for which we do the same. New changes are
 * pushed at once to connected peers that are exactly one change behind
 * for that author; anything a push misses, the next round repairs.
 */
#include "gossip.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "config.h"
#include "crypto.h"
#include "err.h"
#include "frdate.h"
#include "grow.h"
#include "hlc.h"
#include "invite.h"
#include "item.h"
#include "log.h"
#include "pbuf.h"
#include "peer.pb-c.h"
#include "replica.h"
#include "schema.h"
#include "seqmap.h"
#include "siteid.h"
#include "summary.h"
#include "store.h"
#include "transport.h"
#include "trust.h"
#include "verifier.h"
#include "zip.h"

#define MAX_AUTHORS 100000      /* summary entries accepted */
#define MAX_BATCH 4096          /* changes in one received batch */
#define MAX_INTRO 10000         /* sites in one introduction */
#define MAX_VERIFYING 64        /* batches of one peer in the verifier */
#define RUN_MAX 4096            /* changes in one run of a peer's batches */
#define SLICE_S 0.05            /* loop time one slice of a run may take */
#define SLICE_FIRST 512         /* changes in the first slice */
#define SLICE_MIN 128           /* changes in a slice, at least */
#define FRAME_SLACK 1024        /* room for the envelope under max_frame */
#define TICK_S 1.0
#define REROUND_S 2.0           /* a gap asks for a round at most this often */
#define STALL_S 30.0            /* no ack this long: what is in flight is lost */
#define REDIAL_MIN_S 15.0       /* first redial of a refused dealer */
#define REDIAL_MAX_S 300.0
#define PERSIST_S 60            /* peer times are written at most this often */
#define ZAP_RECORD_S 60         /* a refused key is written at most this often */
#define ROUTE_MAX 256
#define ZAP_MEMORY 64           /* refused keys remembered, to spare the disk */
#define STRANGER_READS 120      /* a stranger key's messages read a minute */
#define CLOCK_SKEW_MS 60000     /* clocks further apart than this: said */
#define HELLO_ANSWER_S 30.0     /* a Hello is answered unless we sent one */
#define HELLO_EVERY_S 600.0     /* a Hello (our clock) again this often */
#define HELD_MAX 4096           /* reports of what others hold, remembered */
#define HELD_SEND 32            /* reports in one summary */
#define HELD_SHORT 4            /* reports in turn in a short summary */
#define HELD_REFRESH_S 300.0    /* unchanged reports for a peer, resent */
#define HELD_HOPS 16            /* reports relayed this far at most */
#define INTRO_BATCH_S 1.0       /* new sites are passed on this often */

/*
 * "site holds author's changes up to seq", learnt from a peer's Held
 * reports (sync-protocol.md, "What others hold"). Sorted by site then
 * author; at most HELD_MAX, only about trusted sites and authors.
 */
struct held {
	uint8_t key[64];                  /* site key, then author key */
	uint64_t seq;
	uint32_t hops;                    /* from us: 2 = a peer's peer */
	int64_t when;                     /* Unix seconds it was reported */
	uint8_t via[32];                  /* the peer that reported it */
};

/*
 * A run of consecutive verified batches of one peer, applied one slice
 * per turn of the loop (each slice its own transaction), so that no batch
 * holds the loop for long: control requests and other peers are served
 * between slices (issue 17). Runs are applied in the order they came.
 */
struct run {
	struct run *next;
	uint8_t from[32];                 /* the peer's site key */
	struct gs_change **cs;            /* owned; cs[i] NULL once applied */
	int *vrc;                         /* owned; verification results */
	size_t n, done;                   /* changes; changes applied */
	unsigned nbatches;                /* batches in the run */
	unsigned nacks;                   /* of them, not pushes: to ack */
	struct gs_apply_stats st;         /* what the slices did */
	int rc;                           /* storage error: the rest dropped */
};

/*
 * A site trusted since the last batch of introductions, to pass on: by
 * an introduction from `from` (which is not told again), or by the
 * admin (has_from false: every peer is told).
 */
struct intro_new {
	uint8_t pk[32];
	uint8_t from[32];
	bool has_from;
};

_Static_assert(offsetof(struct intro_new, pk) == 0,
    "new sites are searched by their leading key");

/* One peer: a site we dial, or a trusted site that dialled us. */
struct peer {
	struct gs_gossip *g;              /* lent */
	uint8_t pk[32];
	uint8_t curve[32];
	char *endpoint;                   /* owned; NULL: inbound only */
	char *label;                      /* owned; admin's name for it */
	bool introducer;
	unsigned proto;                   /* version both speak (its hello) */
	bool configured;                  /* in the peers table */
	int64_t added, last_seen, last_sync;
	int64_t saved_seen, saved_sync;   /* what the store holds */
	struct gs_endpoint *dealer;       /* owned; NULL without endpoint */
	bool was_connected;
	ev_tstamp down_since;             /* dealer not connected since */
	double redial_s;                  /* current redial delay */
	uint8_t route[ROUTE_MAX];         /* inbound route through our ROUTER */
	size_t route_len;
	ev_tstamp route_seen;
	/* what we know the peer holds (its last summary, plus what we sent) */
	struct gs_seqmap known;
	bool have_known;
	uint8_t known_digest[32];         /* digest of its last full summary */
	bool has_digest;
	ev_tstamp heard_at;               /* when its last summary came */
	uint8_t (*unwanted)[32];          /* authors it refuses; ascending */
	size_t nunwanted;
	/* sending to the peer */
	unsigned granted;                 /* credit the peer gave in its summary */
	ev_tstamp summary_at;             /* when that summary came */
	unsigned credit;
	int64_t cursor;
	bool sending;
	unsigned inflight;
	ev_tstamp acked_at;               /* its last ack since our last start */
	bool acked;                       /* an ack came since that start */
	bool flight_lost;                 /* what is in flight may be lost */
	/* counters */
	uint64_t they_lack, we_lack;
	uint64_t applied;
	uint64_t dup;                     /* received again, already held */
	uint64_t refused;
	unsigned by_reason[GS_REASONS];
	ev_tstamp last_reround;
	unsigned verifying;               /* batches verifying or applying */
	/* a join in progress (gemsync join): the proof our hellos carry */
	bool joining;
	uint8_t invite_id[GS_INVITE_ID_LEN];
	uint8_t invite_mac[GS_INVITE_MAC_LEN];
	int join_rc;                      /* 0 waiting, 1 accepted, <0 refused */
	bool join_was_peer;               /* a peer already before the join */
	bool join_had_site;               /* the site was known before: */
	struct gs_trust_site join_was;    /* as it was, restored if refused */
	/* its clock, from its last Hello */
	int64_t clock_offset_ms;          /* its clock minus ours */
	bool has_clock;
	int clock_state;                  /* -1 behind ours, 0 right, 1 ahead */
	ev_tstamp hello_sent;             /* our last Hello to it; 0: none */
	size_t held_cursor;               /* where our reports to it resume */
	uint64_t held_hash;               /* of the reports about its changes */
	ev_tstamp held_at;                /* when we last sent those */
	/* its last summary showed neither side lacking a change the other
	 * takes, when we held what parity_digest sums up */
	bool parity;
	uint8_t parity_digest[32];
	/* what its last summary said it holds, without what we sent since:
	 * what our Held reports and `site status` tell of it */
	struct gs_seqmap said;
	bool have_said;
};

struct gs_gossip {
	struct gs_daemon *d;              /* lent */
	struct gs_trust *trust;           /* lent by the daemon */
	struct gs_endpoint *listener;     /* owned */
	struct gs_verifier *verifier;     /* owned: checks received batches */
	struct run *runs, *runs_tail;     /* owned: verified, being applied */
	ev_timer apply_timer;             /* a slice per turn while runs wait */
	size_t slice;                     /* changes in the next slice */
	uint8_t curve_pk[32];
	uint8_t *curve_sk;                /* owned, guarded memory */
	struct peer **peers;              /* owned */
	size_t npeers, cappeers;
	ev_timer round_timer;
	ev_timer tick;
	uint64_t rounds;
	uint64_t refused;                 /* all peers, for the log window */
	uint64_t refused_logged;
	ev_tstamp last_refusal_log;
	struct stranger {
		uint8_t curve[32];
		ev_tstamp when;           /* first seen in this minute */
		unsigned recorded;        /* what was written: SEEN_* */
		unsigned reads;           /* its messages decoded */
	} zap_seen[ZAP_MEMORY];           /* untrusted keys seen this minute */
	unsigned zap_next;
	uint64_t unread;                  /* strangers' messages not decoded */
	int64_t equivocs;                 /* proofs held when last sent */
	struct held *held;                /* owned; what others hold */
	size_t nheld, capheld;
	struct gs_intro_stats intro;      /* counters */
	struct intro_new *intro_new;      /* owned; ascending by pk */
	size_t nintro_new, capintro_new;
	ev_timer intro_timer;             /* passes intro_new on */
};

/* What was written of an untrusted key this minute (struct stranger). */
enum { SEEN_ZAP = 1, SEEN_HELLO = 2 };

/* The peer with this site key (lent), or NULL. */
static struct peer *find_peer(struct gs_gossip *g, const uint8_t pk[32]);
/* A new peer for a valid site key (owned by g), or NULL. */
static struct peer *peer_new(struct gs_gossip *g, const uint8_t pk[32]);
/* (Re)opens p's DEALER to its endpoint, if it has one. */
static int peer_connect(struct gs_gossip *g, struct peer *p);
/* Closes and frees p (never from p's own message callback). */
static void peer_drop(struct gs_gossip *g, struct peer *p);
/* 1 if p can be reached now, by our DEALER or its route to us. */
static bool peer_connected(const struct peer *p);
/* Sends p the sites we trust. */
static void send_intro(struct gs_gossip *g, struct peer *p);
/* Starts an anti-entropy round with p. */
static void start_round(struct gs_gossip *g, struct peer *p);
/* Should this author's changes go to peers at all? */
static bool relayable(struct gs_gossip *g, const uint8_t author[32]);
/* An untrusted key's entry for this minute, or NULL in a flood of keys. */
static struct stranger *stranger_of(struct gs_gossip *g,
    const uint8_t curve[32]);
/* A copy of what is known of site pk (trust.h), or NULL. */
static const struct gs_trust_site *trust_before(struct gs_gossip *g,
    const uint8_t pk[32], struct gs_trust_site *copy);
/* Trusts pk and makes it a peer, in the caller's transaction, or nothing. */
static int trust_peer(struct gs_gossip *g, const uint8_t pk[32],
    const char *endpoint, const char *label,
    const struct gs_trust_site *was, struct peer **out);

/* ---- small helpers ---- */

static void
short_id(const uint8_t pk[32], char out[GS_SITEID_SHORT])
{
	gs_siteid_short(pk, out);
}

static uint64_t
known_seq(const struct peer *p, const uint8_t pk[32])
{
	return gs_seqmap_get(&p->known, pk);
}

static int
set_known(struct peer *p, const uint8_t pk[32], uint64_t seq)
{
	return gs_seqmap_raise(&p->known, pk, seq);
}

static struct peer *
find_peer(struct gs_gossip *g, const uint8_t pk[32])
{
	for (size_t i = 0; i < g->npeers; i++)
		if (memcmp(g->peers[i]->pk, pk, 32) == 0)
			return g->peers[i];
	return NULL;
}

static bool
peer_connected(const struct peer *p)
{
	ev_tstamp now = ev_now(p->g->d->loop);

	if (p->dealer != NULL && gs_transport_connected(p->dealer))
		return true;
	return p->route_len > 0 &&
	    now - p->route_seen < 3.0 * p->g->d->cfg->heartbeat_s + 1.0;
}

static void
peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	gs_transport_close(&p->dealer);
	free(p->endpoint);
	free(p->label);
	gs_seqmap_free(&p->known);
	gs_seqmap_free(&p->said);
	free(p->unwanted);
	free(p);
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Does p refuse this author (it told us so in its summary)? */
static bool
unwanted_by(const struct peer *p, const uint8_t author[32])
{
	int found;

	gs_key_search(p->unwanted, p->nunwanted, 32, author, &found);
	return found;
}

/* ---- sending ---- */

static int
peer_send(struct peer *p, const Gs__PeerMsg *m)
{
	uint8_t *buf;
	size_t len = gs__peer_msg__get_packed_size(m);
	int ret = GS_EBUSY;

	if ((buf = malloc(len ? len : 1)) == NULL)
		return GS_ENOMEM;
	gs__peer_msg__pack(m, buf);
	if (p->dealer != NULL && gs_transport_connected(p->dealer))
		ret = gs_transport_send(p->dealer, NULL, 0, buf, len);
	if (ret != 0 && p->route_len > 0 && p->g->listener != NULL) {
		ret = gs_transport_send(p->g->listener, p->route, p->route_len,
		    buf, len);
		if (ret == GS_ENOTFOUND)
			p->route_len = 0;   /* that connection is gone */
	}
	free(buf);
	return ret;
}

struct sum_build {
	Gs__SummaryEntry *ents;
	Gs__SummaryEntry **ptrs;
	size_t n;
};

static int
on_sum_entry(const uint8_t author[32], uint64_t seq, void *arg)
{
	struct sum_build *b = arg;
	Gs__SummaryEntry *e = &b->ents[b->n];

	gs__summary_entry__init(e);
	e->author.data = (uint8_t *)author;
	e->author.len = 32;
	e->seq = seq;
	b->ptrs[b->n] = e;
	b->n++;
	return 0;
}

/* Site keys for a message: the unwanted ones, or the introductions. */
struct key_build {
	ProtobufCBinaryData *v;   /* owned; the keys are lent by the trust */
	size_t n, cap;
	bool trusted;             /* the trusted sites, or all the others */
};

static int
on_key_site(const struct gs_trust_site *s, void *arg)
{
	struct key_build *k = arg;

	if ((s->trust == GS_TRUST_TRUSTED) != k->trusted || k->n == k->cap)
		return 0;
	k->v[k->n].data = (uint8_t *)s->pk;
	k->v[k->n].len = 32;
	k->n++;
	return 0;
}

/*
 * Collects into k the keys of at most cap sites: the trusted ones, or
 * (trusted false) every other. 0 or GS_ENOMEM; the caller frees k->v
 * either way.
 */
static int
collect_keys(struct gs_gossip *g, bool trusted, size_t cap,
    struct key_build *k)
{
	k->n = 0;
	k->cap = cap;
	k->trusted = trusted;
	k->v = calloc(cap, sizeof(*k->v));
	if (k->v == NULL)
		return GS_ENOMEM;
	gs_trust_foreach(g->trust, on_key_site, k);
	return 0;
}

/* ---- what others hold (Held reports) ---- */

/* Up to HELD_SEND reports for one summary; every pointer lent. */
struct held_build {
	Gs__Held h[HELD_SEND];
	Gs__Held *ptrs[HELD_SEND];
	size_t n;
};

static void
held_add(struct held_build *b, const uint8_t *site, const uint8_t *author,
    uint64_t seq, uint32_t hops)
{
	Gs__Held *h;

	if (b->n == HELD_SEND || seq == 0 || memcmp(site, author, 32) == 0)
		return;
	h = &b->h[b->n];
	gs__held__init(h);
	h->site.data = (uint8_t *)site;
	h->site.len = 32;
	h->author.data = (uint8_t *)author;
	h->author.len = 32;
	h->seq = seq;
	h->hops = hops;
	b->ptrs[b->n++] = h;
}

/* The report at position pos of the rotation, if it may go to q. */
static void
held_at(struct gs_gossip *g, const struct peer *q, size_t pos,
    struct held_build *b)
{
	const struct held *h;

	for (size_t i = 0; i < g->npeers; i++) {
		const struct peer *p = g->peers[i];
		size_t n = p->have_said ? p->said.n : 0;
		if (pos >= n) {
			pos -= n;
			continue;
		}
		if (p != q && relayable(g, p->pk) &&
		    relayable(g, p->said.v[pos].pk) &&
		    memcmp(p->said.v[pos].pk, q->pk, 32) != 0)
			held_add(b, p->pk, p->said.v[pos].pk,
			    p->said.v[pos].seq, 1);
		return;
	}
	if (pos >= g->nheld)
		return;
	h = &g->held[pos];
	if (memcmp(h->key, q->pk, 32) != 0 &&
	    memcmp(h->key + 32, q->pk, 32) != 0 &&
	    memcmp(h->via, q->pk, 32) != 0 && h->hops < HELD_HOPS)
		held_add(b, h->key, h->key + 32, h->seq, h->hops);
}

/* FNV-1a over the reports of b: did they change since last sent? */
static uint64_t
held_hash(const struct held_build *b)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < b->n; i++) {
		const uint8_t *parts[2] = { b->h[i].site.data,
		    b->h[i].author.data };
		uint64_t seq = b->h[i].seq;
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < 32; j++)
				h = (h ^ parts[k][j]) * UINT64_C(1099511628211);
		for (int j = 0; j < 8; j++, seq >>= 8)
			h = (h ^ (seq & 0xff)) * UINT64_C(1099511628211);
	}
	return h;
}

/*
 * The reports for q's next summary: first what our other peers, then the
 * sites we heard of, hold of q's own changes (what q's `site status`
 * asks), left out of a short summary when q had them unchanged less than
 * HELD_REFRESH_S ago; then, in turn from one summary to the next, what
 * our peers and the sites we heard of hold of other authors, so that
 * reports travel further than two hops (HELD_SHORT of them in a short
 * summary). At most HELD_SEND, whatever the network's size.
 */
static void
held_build(struct gs_gossip *g, struct peer *q, struct held_build *b,
    bool short_summary)
{
	size_t total = g->nheld, pos, limit;
	ev_tstamp now = ev_now(g->d->loop);
	uint64_t h;

	b->n = 0;
	for (size_t i = 0; i < g->npeers; i++) {
		const struct peer *p = g->peers[i];
		if (p != q && p->have_said && relayable(g, p->pk))
			held_add(b, p->pk, q->pk, gs_seqmap_get(&p->said,
			    q->pk), 1);
	}
	for (size_t i = 0; i < g->nheld; i++)
		if (memcmp(g->held[i].key + 32, q->pk, 32) == 0 &&
		    memcmp(g->held[i].via, q->pk, 32) != 0 &&
		    g->held[i].hops < HELD_HOPS)
			held_add(b, g->held[i].key, q->pk, g->held[i].seq,
			    g->held[i].hops);
	h = held_hash(b);
	if (short_summary && h == q->held_hash &&
	    now - q->held_at < HELD_REFRESH_S)
		b->n = 0;
	else if (b->n > 0) {
		q->held_hash = h;
		q->held_at = now;
	}
	limit = short_summary ? b->n + HELD_SHORT : HELD_SEND;
	for (size_t i = 0; i < g->npeers; i++)
		total += g->peers[i]->have_said ? g->peers[i]->said.n : 0;
	if (total == 0)
		return;
	pos = q->held_cursor % total;
	for (size_t k = 0; k < total && k < 4 * HELD_SEND && b->n < limit &&
	    b->n < HELD_SEND; k++) {
		held_at(g, q, pos, b);
		pos = (pos + 1) % total;
	}
	q->held_cursor = pos;
}

/* Index of key in g->held, or where it would go (*found 0). */
static size_t
held_find(const struct gs_gossip *g, const uint8_t key[64], int *found)
{
	return gs_key_search_len(g->held, g->nheld, sizeof(g->held[0]), key,
	    sizeof(g->held[0].key), found);
}

/*
 * Makes room for one more report when the table is full: the one
 * furthest away goes, unless it is about our own changes (what `site
 * status` answers from) or no further than the new one. 0, or -1 (the
 * new report is not kept).
 */
static int
held_evict(struct gs_gossip *g, uint32_t hops, const uint8_t *me)
{
	size_t victim = g->nheld;
	uint32_t far = 0;

	for (size_t i = 0; i < g->nheld; i++)
		if (memcmp(g->held[i].key + 32, me, 32) != 0 &&
		    g->held[i].hops > far) {
			far = g->held[i].hops;
			victim = i;
		}
	if (victim == g->nheld || far <= hops)
		return -1;
	memmove(&g->held[victim], &g->held[victim + 1],
	    (g->nheld - victim - 1) * sizeof(*g->held));
	g->nheld--;
	return 0;
}

/*
 * Records "site holds author up to seq, hops away, reported by via". A
 * report replaces the one we had when it comes from as near or nearer,
 * or says more.
 */
static void
held_note(struct gs_gossip *g, const uint8_t site[32],
    const uint8_t author[32], uint64_t seq, uint32_t hops,
    const uint8_t via[32])
{
	const uint8_t *me = gs_replica_pk(g->d->replica);
	uint8_t key[64];
	struct held *h;
	size_t i;
	int found;

	memcpy(key, site, 32);
	memcpy(key + 32, author, 32);
	i = held_find(g, key, &found);
	if (!found) {
		if (g->nheld == HELD_MAX && (memcmp(author, me, 32) == 0 ?
		    held_evict(g, 0, me) : held_evict(g, hops, me)) != 0)
			return;
		if (gs_grow(&g->held, &g->capheld, g->nheld, sizeof(*g->held),
		    64) != 0)
			return;
		i = held_find(g, key, &found);
		memmove(&g->held[i + 1], &g->held[i],
		    (g->nheld - i) * sizeof(*g->held));
		g->nheld++;
		h = &g->held[i];
		memcpy(h->key, key, 64);
	} else {
		h = &g->held[i];
		if (seq <= h->seq && hops > h->hops)
			return;
	}
	h->seq = seq;
	h->hops = hops;
	h->when = (int64_t)time(NULL);
	memcpy(h->via, via, 32);
}

/*
 * May we keep reports about this site? Only about sites in the trust
 * table (trusted, or pending: met as authors or introduced, at most
 * GS_TRUST_MAX_PENDING of those), never blocked: an invented key costs
 * nothing.
 */
static bool
reportable(struct gs_gossip *g, const uint8_t site[32])
{
	const struct gs_trust_site *t = gs_trust_get(g->trust, site);

	return t != NULL && t->trust != GS_TRUST_BLOCKED;
}

/* Takes p's reports about sites other than p and us. */
static void
take_held(struct gs_gossip *g, struct peer *p, const Gs__Summary *s)
{
	const uint8_t *me = gs_replica_pk(g->d->replica);

	for (size_t i = 0; i < s->n_held; i++) {
		const Gs__Held *h = s->held[i];
		if (h->hops == 0 || h->hops >= HELD_HOPS ||
		    memcmp(h->site.data, me, 32) == 0 ||
		    memcmp(h->site.data, p->pk, 32) == 0 ||
		    memcmp(h->site.data, h->author.data, 32) == 0 ||
		    !reportable(g, h->site.data) ||
		    !relayable(g, h->author.data))
			continue;
		held_note(g, h->site.data, h->author.data, h->seq, h->hops + 1,
		    p->pk);
	}
}

/* The digest of what this site holds. */
static int
own_digest(struct gs_gossip *g, uint8_t digest[32])
{
	return gs_summary_digest(gs_replica_authors(g->d->replica), digest);
}

/* A short summary (digest only): we believe p holds what we hold. */
static int
send_short_summary(struct gs_gossip *g, struct peer *p, bool reply_wanted,
    const uint8_t digest[32])
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Summary s = GS__SUMMARY__INIT;
	struct held_build hb;

	held_build(g, p, &hb, true);
	s.n_held = hb.n;
	s.held = hb.ptrs;
	s.has_digest = true;
	s.digest.data = (uint8_t *)digest;
	s.digest.len = 32;
	s.reply_wanted = reply_wanted;
	s.credit = g->d->cfg->credits;
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_SUMMARY;
	m.summary = &s;
	return peer_send(p, &m);
}

static int
send_full_summary(struct gs_gossip *g, struct peer *p, bool reply_wanted);

/* Sends our summary: short when p's last summary matched ours. */
static int
send_summary(struct gs_gossip *g, struct peer *p, bool reply_wanted)
{
	uint8_t digest[32];

	if (p->has_digest && own_digest(g, digest) == 0 &&
	    memcmp(digest, p->known_digest, 32) == 0)
		return send_short_summary(g, p, reply_wanted, digest);
	return send_full_summary(g, p, reply_wanted);
}

static int
send_full_summary(struct gs_gossip *g, struct peer *p, bool reply_wanted)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Summary s = GS__SUMMARY__INIT;
	struct sum_build b = { NULL, NULL, 0 };
	struct key_build u = { 0 };
	struct held_build hb;
	size_t n = 0;
	int ret;

	n = gs_replica_author_count(g->d->replica);
	b.ents = calloc(n ? n : 1, sizeof(*b.ents));
	b.ptrs = calloc(n ? n : 1, sizeof(*b.ptrs));
	ret = GS_ENOMEM;
	if (b.ents == NULL || b.ptrs == NULL)
		goto out;
	ret = collect_keys(g, false, GS_TRUST_MAX_PENDING + 64, &u);
	if (ret != 0)
		goto out;
	gs_replica_summary(g->d->replica, on_sum_entry, &b);
	s.n_entries = b.n;
	s.entries = b.ptrs;
	s.n_unwanted = u.n;
	s.unwanted = u.v;
	held_build(g, p, &hb, false);
	s.n_held = hb.n;
	s.held = hb.ptrs;
	s.reply_wanted = reply_wanted;
	s.credit = g->d->cfg->credits;
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_SUMMARY;
	m.summary = &s;
	ret = peer_send(p, &m);
out:
	free(b.ents);
	free(b.ptrs);
	free(u.v);
	return ret;
}

/* A field of this site's own profile (lent), or "". */
static const char *
own_field(struct gs_gossip *g, const char *name)
{
	return gs_replica_site_field(g->d->replica,
	    gs_replica_pk(g->d->replica), name);
}

/*
 * Our hello: the versions we speak, who we are for a site that does not
 * know us yet (site key, name, town, where to dial us back), and the
 * invitation proof while a join is in progress.
 */
static void
send_hello(struct peer *p)
{
	struct gs_gossip *g = p->g;
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Hello h = GS__HELLO__INIT;
	Gs__Announce a = GS__ANNOUNCE__INIT;
	Gs__InviteProof proof = GS__INVITE_PROOF__INIT;
	char ep[GS_INVITE_ENDPOINT_MAX + 1];

	h.min_version = GS_PEER_MIN_VERSION;
	h.max_version = GS_PEER_VERSION;
	h.software = "gemsyncd " PROJECT_VERSION;
	a.site.data = (uint8_t *)gs_replica_pk(g->d->replica);
	a.site.len = 32;
	a.name = (char *)own_field(g, "name");
	a.town = (char *)own_field(g, "town");
	if (gs_invite_endpoint(g->d->cfg->advertise, g->d->cfg->listen, ep,
	    sizeof(ep)) == 0)
		a.endpoint = ep;
	h.announce = &a;
	if (p->joining) {
		proof.id.data = p->invite_id;
		proof.id.len = GS_INVITE_ID_LEN;
		proof.mac.data = p->invite_mac;
		proof.mac.len = GS_INVITE_MAC_LEN;
		h.invite = &proof;
	}
	h.has_clock_ms = true;
	h.clock_ms = gs_wall_ms();
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_HELLO;
	m.hello = &h;
	if (peer_send(p, &m) == 0)
		p->hello_sent = ev_now(p->g->d->loop);
}

/*
 * The peer's clock, from its Hello: kept for status, and said in the log
 * when it starts or stops being more than a minute off ours, once per
 * change (a Hello comes at each connection and every HELLO_EVERY_S).
 */
static void
note_clock(struct gs_gossip *g, struct peer *p, uint64_t clock_ms)
{
	int64_t off = (int64_t)clock_ms - (int64_t)gs_wall_ms();
	int state = off > CLOCK_SKEW_MS ? 1 : off < -CLOCK_SKEW_MS ? -1 : 0;
	bool first = !p->has_clock;
	char sid[GS_SITEID_SHORT], who[96], dur[32];

	(void)g;
	p->clock_offset_ms = off;
	p->has_clock = true;
	if (!first && state == p->clock_state)
		return;
	if (first && state == 0) {
		p->clock_state = 0;
		return;
	}
	short_id(p->pk, sid);
	gs_sanitize(p->label != NULL && p->label[0] != '\0' ? p->label : sid,
	    who, sizeof(who));
	gs_frdate_duration(off, dur, sizeof(dur));
	if (state > 0)
		log_warnx("gossip: peer %s: l'horloge de %s a %s d'avance sur "
		    "la vôtre ; ses modifications sont refusées tant qu'elle "
		    "avance : demandez-lui de mettre son ordinateur à l'heure",
		    sid, who, dur);
	else if (state < 0)
		log_warnx("gossip: peer %s: l'horloge de cet ordinateur a %s "
		    "d'avance sur %s ; vos modifications y sont refusées tant "
		    "qu'elle avance : mettez cet ordinateur à l'heure (ou, si "
		    "c'est lui qui retarde, %s)", sid, dur, who, who);
	else
		log_info("gossip: peer %s: l'horloge de %s et la vôtre sont de "
		    "nouveau d'accord", sid, who);
	p->clock_state = state;
}

/* Sends p an Introductions message of n site keys (lent); counts it. */
static void
intro_send(struct gs_gossip *g, struct peer *p, ProtobufCBinaryData *keys,
    size_t n, bool full)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Introductions in = GS__INTRODUCTIONS__INIT;

	in.n_sites = n;
	in.sites = keys;
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_INTRO;
	m.intro = &in;
	if (peer_send(p, &m) != 0)
		return;
	g->intro.sent++;
	g->intro.sent_sites += n;
	if (full)
		g->intro.full_sent++;
	else
		g->intro.batch_sites += n;
}

static void
send_intro(struct gs_gossip *g, struct peer *p)
{
	struct key_build b = { 0 };

	if (collect_keys(g, true, MAX_INTRO, &b) == 0)
		intro_send(g, p, b.v, b.n, true);
	free(b.v);
}

/* ---- equivocation proofs ---- */

#define PROOFS_MAX 64          /* proofs in one message */

struct proof_build {
	Gs__EquivocationProof v[PROOFS_MAX];
	Gs__EquivocationProof *ptrs[PROOFS_MAX];
	uint8_t *bytes[PROOFS_MAX];       /* owned copies of the row bytes */
	size_t n;
};

static int
on_proof_row(const struct gs_equivoc_row *e, void *arg)
{
	struct proof_build *b = arg;
	Gs__EquivocationProof *q = &b->v[b->n];
	size_t len = 32 + e->len_a + 64 + e->len_b + 64;
	uint8_t *m;

	if (b->n == PROOFS_MAX)
		return 1;
	if ((m = malloc(len)) == NULL)
		return GS_ENOMEM;
	b->bytes[b->n] = m;
	gs__equivocation_proof__init(q);
	memcpy(m, e->author, 32);
	q->author = (ProtobufCBinaryData){ 32, m };
	m += 32;
	q->seq = e->seq;
	memcpy(m, e->hdr_a, e->len_a);
	q->header_a = (ProtobufCBinaryData){ e->len_a, m };
	m += e->len_a;
	memcpy(m, e->sig_a, 64);
	q->sig_a = (ProtobufCBinaryData){ 64, m };
	m += 64;
	memcpy(m, e->hdr_b, e->len_b);
	q->header_b = (ProtobufCBinaryData){ e->len_b, m };
	m += e->len_b;
	memcpy(m, e->sig_b, 64);
	q->sig_b = (ProtobufCBinaryData){ 64, m };
	b->ptrs[b->n++] = q;
	return 0;
}

/*
 * Sends p the equivocation proofs held here (the first PROOFS_MAX, by
 * author): on connection, and to every peer when one more is kept, so a
 * proof reaches every site however it was found.
 */
static void
send_equivocations(struct gs_gossip *g, struct peer *p)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Equivocations eq = GS__EQUIVOCATIONS__INIT;
	struct proof_build *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL)
		return;
	rc = gs_store_equivocations_foreach(g->d->store, on_proof_row, b);
	if ((rc == 0 || rc == 1) && b->n > 0) {
		eq.n_proofs = b->n;
		eq.proofs = b->ptrs;
		m.version = GS_PEER_VERSION;
		m.msg_case = GS__PEER_MSG__MSG_EQUIVOCATIONS;
		m.equivocations = &eq;
		peer_send(p, &m);
	}
	for (size_t i = 0; i < b->n; i++)
		free(b->bytes[i]);
	free(b);
}

/* When a proof was kept since the last call: sends them to every peer. */
static void
spread_equivocations(struct gs_gossip *g)
{
	int64_t n = 0;

	if (gs_store_equivocation_count(g->d->store, &n) != 0 ||
	    n <= g->equivocs)
		return;
	g->equivocs = n;
	for (size_t i = 0; i < g->npeers; i++)
		if (peer_connected(g->peers[i]))
			send_equivocations(g, g->peers[i]);
}

static void
on_equivocations(struct gs_gossip *g, struct peer *p,
    const Gs__Equivocations *eq)
{
	struct gs_equivoc_row e;
	char sid[GS_SITEID_SHORT], from[GS_SITEID_SHORT];
	const Gs__EquivocationProof *q;
	int rc;

	for (size_t i = 0; i < eq->n_proofs && i < PROOFS_MAX; i++) {
		q = eq->proofs[i];
		if (q->author.len != 32 || q->sig_a.len != 64 ||
		    q->sig_b.len != 64) {
			p->refused++;
			continue;
		}
		memset(&e, 0, sizeof(e));
		memcpy(e.author, q->author.data, 32);
		e.seq = q->seq;
		e.hdr_a = q->header_a.data;
		e.len_a = q->header_a.len;
		e.sig_a = q->sig_a.data;
		e.hdr_b = q->header_b.data;
		e.len_b = q->header_b.len;
		e.sig_b = q->sig_b.data;
		rc = gs_replica_equivocation_add(g->d->replica, &e);
		short_id(e.author, sid);
		short_id(p->pk, from);
		if (rc < 0) {
			p->refused++;
			log_warnx("gossip: peer %s sent a false proof of "
			    "equivocation about site %s: %s", from, sid,
			    gs_strerror(rc));
		} else if (rc == 1) {
			log_warnx("gossip: site %s signed two different changes "
			    "with sequence %llu (proof from peer %s): its key "
			    "is copied or stolen", sid,
			    (unsigned long long)e.seq, from);
		}
	}
	spread_equivocations(g);
}

static void
send_refuse(struct peer *p, unsigned code, const char *reason)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Refuse r = GS__REFUSE__INIT;

	r.code = code;
	r.reason = (char *)reason;
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_REFUSE;
	m.refuse = &r;
	peer_send(p, &m);
}

/* ---- batches out ---- */

struct batch_build {
	struct gs_gossip *g;
	struct peer *p;
	Gs__SignedChange *sc;
	Gs__SignedChange **ptrs;
	size_t n, max;
	size_t bytes, max_bytes;
	int64_t last_rowid;
	bool full;
};

static void
batch_free(struct batch_build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->sc[i].header.data);
		free(b->sc[i].signature.data);
		free(b->sc[i].body.data);
		free(b->sc[i].erasure.data);
	}
	b->n = 0;
	b->bytes = 0;
}

static uint8_t *
dup_bytes(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	if (p != NULL && len > 0)
		memcpy(p, src, len);
	return p;
}

/* Should this change go to p at all? */
static bool
relayable(struct gs_gossip *g, const uint8_t author[32])
{
	return gs_trust_author_ok(g->trust, author) == 0;
}

static int
on_batch_change(int64_t rowid, const uint8_t author[32], uint64_t seq,
    const struct gs_wire_change *w, void *arg)
{
	struct batch_build *b = arg;
	Gs__SignedChange *sc;
	size_t size = w->header_len + w->sig_len + w->body_len +
	    w->packed_len + 16 +
	    (w->proof_header != NULL ? w->proof_header_len + w->proof_sig_len +
	    w->proof_body_len + 16 : 0);

	if (b->n > 0 && (b->n == b->max || b->bytes + size > b->max_bytes)) {
		b->full = true;
		return 1;
	}
	b->last_rowid = rowid;
	if (seq <= known_seq(b->p, author) || !relayable(b->g, author) ||
	    unwanted_by(b->p, author))
		return 0;
	sc = &b->sc[b->n];
	gs__signed_change__init(sc);
	sc->header.data = dup_bytes(w->header, w->header_len);
	sc->header.len = w->header_len;
	sc->signature.data = dup_bytes(w->sig, w->sig_len);
	sc->signature.len = w->sig_len;
	if (w->body != NULL) {
		sc->body.data = dup_bytes(w->body, w->body_len);
		sc->body.len = w->body_len;
		sc->has_body = true;
	} else if (w->packed != NULL) {
		sc->body.data = dup_bytes(w->packed, w->packed_len);
		sc->body.len = w->packed_len;
		sc->has_body = true;
	} else if (w->proof_header != NULL) {
		/* erased here: the header alone, and the erasure as proof */
		Gs__SignedChange pr = GS__SIGNED_CHANGE__INIT;
		pr.header.data = (uint8_t *)w->proof_header;
		pr.header.len = w->proof_header_len;
		pr.signature.data = (uint8_t *)w->proof_sig;
		pr.signature.len = w->proof_sig_len;
		pr.body.data = (uint8_t *)w->proof_body;
		pr.body.len = w->proof_body_len;
		pr.has_body = true;
		sc->erasure.len = gs__signed_change__get_packed_size(&pr);
		sc->erasure.data = malloc(sc->erasure.len);
		sc->has_erasure = true;
		if (sc->erasure.data != NULL)
			gs__signed_change__pack(&pr, sc->erasure.data);
	}
	b->ptrs[b->n] = sc;
	b->n++;
	if (sc->header.data == NULL || sc->signature.data == NULL ||
	    (sc->has_body && sc->body.data == NULL) ||
	    (sc->has_erasure && sc->erasure.data == NULL))
		return GS_ENOMEM;
	b->bytes += size;
	set_known(b->p, author, seq);
	return 0;
}

static int
send_batch(struct peer *p, struct batch_build *b, bool push)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Batch bm = GS__BATCH__INIT;

	bm.n_changes = b->n;
	bm.changes = b->ptrs;
	bm.push = push;
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_BATCH;
	m.batch = &bm;
	return peer_send(p, &m);
}

/* Where to start scanning for what p lacks: 0 if it lacks nothing. */
struct lag_ctx {
	struct gs_gossip *g;
	struct peer *p;
	int64_t start;
	uint64_t lack;
	bool any;
	const struct gs_seqmap *sent;     /* NULL, or what p held or was sent */
	bool skipped;                     /* p lacks what the send passed by */
};

static int
on_lag(const uint8_t author[32], uint64_t seq, uint64_t k, void *arg)
{
	struct lag_ctx *l = arg;
	int64_t rowid;

	if (!relayable(l->g, author) || unwanted_by(l->p, author))
		return 0;
	l->lack += seq - k;
	if (gs_replica_rowid(l->g->d->replica, author, k + 1, &rowid) != 0)
		return 0;
	if (!l->any || rowid - 1 < l->start) {
		l->start = rowid - 1;
		l->any = true;
	}
	/* the send went past it without sending it (p did not want it then,
	 * or we did not relay it): only a new start sends it */
	if (l->sent != NULL && rowid <= l->p->cursor &&
	    gs_seqmap_get(l->sent, author) <= k)
		l->skipped = true;
	return 0;
}

/* Sends p what it lacks, as far as credit allows. */
static void
pump(struct gs_gossip *g, struct peer *p)
{
	struct batch_build b;
	const struct gs_config *cfg = g->d->cfg;
	int rc;

	if (!p->sending)
		return;
	memset(&b, 0, sizeof(b));
	b.g = g;
	b.p = p;
	/* what a peer accepts: more changes are refused, more bytes dropped */
	b.max = cfg->batch_changes < MAX_BATCH ? cfg->batch_changes : MAX_BATCH;
	b.max_bytes = cfg->batch_bytes < cfg->max_frame - FRAME_SLACK ?
	    cfg->batch_bytes : cfg->max_frame - FRAME_SLACK;
	b.sc = calloc(b.max, sizeof(*b.sc));
	b.ptrs = calloc(b.max, sizeof(*b.ptrs));
	if (b.sc == NULL || b.ptrs == NULL)
		goto out;
	while (p->credit > 0 && p->sending) {
		b.full = false;
		b.last_rowid = p->cursor;
		rc = gs_replica_changes_after(g->d->replica, p->cursor,
		    b.max * 4, p->proto >= 2, on_batch_change, &b);
		if (rc < 0) {
			log_warnx("gossip: reading changes: %s", gs_strerror(rc));
			p->sending = false;
			p->flight_lost = true;
			p->have_known = false;   /* the next summary tells again */
			p->has_digest = false;
			batch_free(&b);
			break;
		}
		if (!b.full && b.last_rowid == p->cursor && b.n == 0) {
			p->sending = false;     /* nothing left after cursor */
			break;
		}
		p->cursor = b.last_rowid;
		if (b.n == 0)
			continue;
		if (send_batch(p, &b, false) != 0) {
			/* not connected any more: the next round resumes */
			p->sending = false;
			p->flight_lost = true;
			p->have_known = false;
			p->has_digest = false;
			batch_free(&b);
			break;
		}
		p->credit--;
		p->inflight++;
		batch_free(&b);
	}
	if (!p->sending && p->inflight == 0)
		p->last_sync = time(NULL);
out:
	free(b.sc);
	free(b.ptrs);
}

/* ---- receiving ---- */

static void
log_refusals(struct gs_gossip *g, struct peer *p)
{
	ev_tstamp now = ev_now(g->d->loop);
	char sid[GS_SITEID_SHORT];

	if (g->refused == g->refused_logged || now - g->last_refusal_log < 10.0)
		return;
	short_id(p->pk, sid);
	log_warnx("gossip: refused %llu changes in the last window (latest "
	    "from peer %s; see gemsync peer list)",
	    (unsigned long long)(g->refused - g->refused_logged), sid);
	g->refused_logged = g->refused;
	g->last_refusal_log = now;
}

/*
 * Replaces what we know p holds with its summary: one copy and one sort,
 * so that a summary of many authors in any order costs O(n log n).
 */
static int
take_summary(struct peer *p, const Gs__Summary *s)
{
	struct gs_seqmap *m = &p->known;
	size_t n = s->n_entries;

	if (n > m->cap) {
		struct gs_seqent *nv = realloc(m->v, n * sizeof(*nv));
		if (nv == NULL)
			return GS_ENOMEM;
		m->v = nv;
		m->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(m->v[i].pk, s->entries[i]->author.data, 32);
		m->v[i].seq = s->entries[i]->seq;
	}
	m->n = n;
	gs_summary_normalize(m);
	return 0;
}

static int
take_unwanted(struct peer *p, const Gs__Summary *s)
{
	uint8_t (*u)[32] = malloc(s->n_unwanted ? s->n_unwanted * 32 : 1);

	if (u == NULL)
		return GS_ENOMEM;
	for (size_t i = 0; i < s->n_unwanted; i++)
		memcpy(u[i], s->unwanted[i].data, 32);
	if (s->n_unwanted > 1)
		qsort(u, s->n_unwanted, 32, cmp_key);
	free(p->unwanted);
	p->unwanted = u;
	p->nunwanted = s->n_unwanted;
	return 0;
}

/*
 * A site restored from a backup ends its catch-up (gs_replica_write
 * refuses until then) once at least one peer's summary is known and no
 * peer whose summary is known holds a later change of this site's own
 * author than this site now does: its next sequence number is then free
 * on every peer reached. Called after each summary and each applied run.
 */
static void
check_catchup(struct gs_gossip *g)
{
	struct gs_replica *r = g->d->replica;
	const uint8_t *me = gs_replica_pk(r);
	uint64_t mine;
	size_t reached = 0;
	int rc;

	if (!gs_replica_catching_up(r))
		return;
	mine = gs_replica_seq(r, me);
	for (size_t i = 0; i < g->npeers; i++) {
		const struct peer *p = g->peers[i];

		if (!p->have_known)
			continue;
		if (gs_seqmap_get(&p->known, me) > mine)
			return;
		reached++;
	}
	if (reached == 0)
		return;
	rc = gs_replica_set_catching_up(r, false);
	if (rc != 0) {
		log_warnx("gossip: ending catch-up: %s", gs_strerror(rc));
		return;
	}
	log_info("gossip: catch-up done: %zu peers hold nothing newer of this "
	    "site than sequence %llu; local writes accepted again", reached,
	    (unsigned long long)mine);
}

static bool
summary_valid(const Gs__Summary *s)
{
	if (s->n_entries > MAX_AUTHORS || s->n_unwanted > MAX_AUTHORS)
		return false;
	for (size_t i = 0; i < s->n_entries; i++)
		if (s->entries[i]->author.len != 32)
			return false;
	for (size_t i = 0; i < s->n_unwanted; i++)
		if (s->unwanted[i].len != 32)
			return false;
	if (s->n_held > 2 * HELD_SEND)
		return false;
	for (size_t i = 0; i < s->n_held; i++)
		if (s->held[i]->site.len != 32 || s->held[i]->author.len != 32)
			return false;
	if (s->has_digest && (s->digest.len != 32 || s->n_entries > 0 ||
	    s->n_unwanted > 0))
		return false;
	return true;
}

/* Counts what one side holds that the other lacks and would take. */
struct sync_check {
	struct gs_gossip *g;
	const struct peer *p;
	bool ours;                 /* our changes p lacks; else the reverse */
	uint64_t lack;
};

static int
on_sync_check(const uint8_t author[32], uint64_t in_a, uint64_t in_b,
    void *arg)
{
	struct sync_check *c = arg;

	if (relayable(c->g, author) && !(c->ours &&
	    unwanted_by(c->p, author)))
		c->lack += in_a - in_b;
	return 0;
}

/*
 * p's full summary just came (p->known is it): records whether neither
 * side lacks a change the other would take, and what we held then. The
 * status says "in sync" while we still hold just that.
 */
static void
note_parity(struct gs_gossip *g, struct peer *p)
{
	const struct gs_seqmap *mine = gs_replica_authors(g->d->replica);
	struct sync_check c = { g, p, true, 0 };

	gs_summary_ahead(mine, &p->known, on_sync_check, &c);
	c.ours = false;
	gs_summary_ahead(&p->known, mine, on_sync_check, &c);
	p->parity = c.lack == 0 && own_digest(g, p->parity_digest) == 0;
}

/*
 * A short summary: if its digest is ours, p holds exactly what we hold
 * (nothing to send either way); otherwise we tell p everything and ask for
 * the same.
 */
static void
on_short_summary(struct gs_gossip *g, struct peer *p, const Gs__Summary *s)
{
	uint8_t digest[32];

	if (own_digest(g, digest) != 0 ||
	    memcmp(digest, s->digest.data, 32) != 0 ||
	    gs_seqmap_copy(&p->known, gs_replica_authors(g->d->replica)) != 0) {
		send_full_summary(g, p, true);
		return;
	}
	p->have_known = true;
	p->heard_at = ev_now(g->d->loop);
	p->have_said = gs_seqmap_copy(&p->said, &p->known) == 0;
	memcpy(p->known_digest, digest, 32);
	p->has_digest = true;
	p->parity = true;
	memcpy(p->parity_digest, digest, 32);
	p->we_lack = 0;
	p->they_lack = 0;
	p->granted = s->credit > 64 ? 64 : s->credit;
	if (!p->sending) {
		p->credit = p->granted;
		p->last_sync = time(NULL);
	}
	if (s->reply_wanted)
		send_short_summary(g, p, false, digest);
	check_catchup(g);
}

/* What a peer holds that we lack, from trusted authors; others pend. */
struct lack_ctx {
	struct gs_gossip *g;
	uint64_t lack;
};

static int
on_we_lack(const uint8_t author[32], uint64_t theirs, uint64_t mine,
    void *arg)
{
	struct lack_ctx *x = arg;

	if (gs_trust_author_ok(x->g->trust, author) == 0)
		x->lack += theirs - mine;
	else
		gs_trust_note_unknown(x->g->trust, author);
	return 0;
}

/*
 * A full summary from p while batches we sent it are in flight (the send
 * under way, or its last batches): does the send go on from where it is,
 * rather than start again from what the summary says p lacks? Only while
 * p acknowledges them, none with a refusal: then they are on their way,
 * and what the summary says p lacks is what they carry. A batch p
 * dropped or could not store shows as no ack since the send started (a
 * site that read only our hello), as refusals of the changes after it
 * (gaps), as acks that stop coming (STALL_S), or as a new connection; a
 * send we stopped on an error is marked too. And p may now want what the
 * send passed by (an author it took or we relay since). Then the send
 * starts again from what p lacks, as it does when nothing is in flight.
 */
static bool
send_goes_on(const struct peer *p, const struct lag_ctx *l, ev_tstamp now)
{
	return p->inflight > 0 && l->any && !l->skipped && p->acked &&
	    !p->flight_lost && now - p->acked_at < STALL_S;
}

static void
on_summary(struct gs_gossip *g, struct peer *p, const Gs__Summary *s)
{
	struct lag_ctx l;
	struct lack_ctx we = { g, 0 };
	struct gs_seqmap sent = { 0 };
	bool have_sent;

	if (!summary_valid(s)) {
		p->refused++;
		g->refused++;
		log_refusals(g, p);
		return;
	}
	take_held(g, p, s);
	if (s->has_digest) {
		on_short_summary(g, p, s);
		return;
	}
	/* what p held or was sent, before its summary replaces it */
	have_sent = p->inflight > 0 && gs_seqmap_copy(&sent, &p->known) == 0;
	if (take_summary(p, s) != 0 || take_unwanted(p, s) != 0) {
		gs_seqmap_free(&sent);
		return;
	}
	p->has_digest = gs_summary_digest(&p->known, p->known_digest) == 0;
	p->heard_at = ev_now(g->d->loop);
	gs_summary_ahead(&p->known, gs_replica_authors(g->d->replica),
	    on_we_lack, &we);
	p->have_known = true;
	p->have_said = gs_seqmap_copy(&p->said, &p->known) == 0;
	note_parity(g, p);
	p->we_lack = we.lack;
	check_catchup(g);
	if (p->sending && ev_now(g->d->loop) - p->summary_at < 1.0) {
		/* a send is under way and was set up a moment ago: the new
		 * summary only refines what we skip, it does not restart */
		if (s->reply_wanted)
			send_summary(g, p, false);
		gs_seqmap_free(&sent);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.g = g;
	l.p = p;
	l.sent = have_sent ? &sent : NULL;
	gs_summary_ahead(gs_replica_authors(g->d->replica), &p->known, on_lag,
	    &l);
	gs_seqmap_free(&sent);
	l.sent = NULL;
	p->they_lack = l.lack;
	if (have_sent && send_goes_on(p, &l, ev_now(g->d->loop))) {
		/* sending what is in flight again would only pile up
		 * batches at the peer (and cost it a second check of each) */
		if (s->reply_wanted)
			send_summary(g, p, false);
		return;
	}
	p->summary_at = ev_now(g->d->loop);
	p->granted = s->credit > 64 ? 64 : s->credit;
	p->credit = p->granted;
	p->inflight = 0;   /* batches in flight before are acked or lost */
	p->sending = l.any;
	p->cursor = l.start;
	p->acked = false;
	p->flight_lost = false;
	if (s->reply_wanted)
		send_summary(g, p, false);
	if (p->sending)
		pump(g, p);
	else if (we.lack == 0)
		p->last_sync = time(NULL);
}

/*
 * A received batch on its way through the verifier. The job owns a copy
 * of the wire bytes rather than the unpacked message: handle() frees the
 * message (and its budgeted allocator, which lives on its stack) when it
 * returns, and a memcpy of a few hundred bytes per change costs far less
 * than the ~50 us of checking it. The peer is named by its key only: by
 * the time the job is done it may have been dropped, or replaced.
 */
struct batch_ctx {
	uint8_t from[32];         /* the peer's site key */
	bool push;                /* an eager push: no ack */
};

/* Counts what a run of p's batches did, and asks for a round on a gap. */
static void
batches_applied(struct gs_gossip *g, struct peer *p,
    const struct gs_apply_stats *st)
{
	ev_tstamp now = ev_now(g->d->loop);

	p->applied += st->applied;
	p->dup += st->dup;
	p->refused += st->refused;
	g->refused += st->refused;
	for (int i = 0; i < GS_REASONS; i++)
		p->by_reason[i] += st->by_reason[i];
	if (st->refused > 0)
		log_refusals(g, p);
	if (p->we_lack > st->applied)
		p->we_lack -= st->applied;
	else
		p->we_lack = 0;
	/* a gap or a missing parent: ask for a round to fill it */
	if ((st->by_reason[-GS_EGAP] > 0 || st->by_reason[-GS_ENOPARENT] > 0) &&
	    now - p->last_reround > REROUND_S) {
		p->last_reround = now;
		send_summary(g, p, true);
	}
	check_catchup(g);
}

static void
send_ack(struct peer *p, unsigned applied, unsigned refused)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__BatchAck ack = GS__BATCH_ACK__INIT;

	ack.credit = 1;
	ack.applied = applied;
	ack.refused = refused;
	m.version = GS_PEER_VERSION;
	m.msg_case = GS__PEER_MSG__MSG_ACK;
	m.ack = &ack;
	peer_send(p, &m);
}

static void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		gs_change_destroy(&r->cs[i]);
	free(r->cs);
	free(r->vrc);
	free(r);
}

/*
 * A run of jobs[0..n) (verified batches of one peer, in order): takes
 * their changes. NULL if memory is short (the batches are then lost, as
 * a storage error would lose them: no ack, the sender sends them again).
 */
static struct run *
run_new(struct gs_verify_job **jobs, size_t n, const uint8_t from[32])
{
	struct run *r;
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += gs_verify_job_count(jobs[i]);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->cs = calloc(total ? total : 1, sizeof(*r->cs));
	r->vrc = calloc(total ? total : 1, sizeof(*r->vrc));
	if (r->cs == NULL || r->vrc == NULL) {
		run_free(r);
		return NULL;
	}
	memcpy(r->from, from, 32);
	for (size_t i = 0; i < n; i++) {
		struct gs_change **jc = gs_verify_job_changes(jobs[i]);
		const int *jr = gs_verify_job_codes(jobs[i]);
		size_t jn = gs_verify_job_count(jobs[i]);
		const struct batch_ctx *ctx = gs_verify_job_user(jobs[i]);
		for (size_t c = 0; c < jn; c++, k++) {
			r->cs[k] = jc[c];      /* taken from the job */
			jc[c] = NULL;
			r->vrc[k] = jr[c];
		}
		r->nbatches++;
		if (!ctx->push)
			r->nacks++;
	}
	r->n = total;
	return r;
}

/*
 * A run is applied: accounted, and acknowledged batch by batch (pushes
 * excepted) if the peer is still there; the counts of the run ride on its
 * first ack. A storage error means no ack: the sender's credit runs out
 * and the next round sends the batches again (those applied before the
 * error are then duplicates, a no-op).
 */
static void
run_done(struct gs_gossip *g, struct run *r)
{
	struct peer *p = find_peer(g, r->from);

	if (p != NULL)
		p->verifying = p->verifying > r->nbatches ?
		    p->verifying - r->nbatches : 0;
	if (r->rc != 0) {
		log_warnx("gossip: batch from a peer not stored (%s); "
		    "it will be sent again", gs_strerror(r->rc));
		return;
	}
	if (p == NULL)
		return;
	batches_applied(g, p, &r->st);
	for (unsigned k = 0; k < r->nacks; k++)
		send_ack(p, k == 0 ? r->st.applied : 0,
		    k == 0 ? r->st.refused : 0);
}

/*
 * Applies one slice of the first run, in its own transaction, sized so
 * that it takes about SLICE_S from what the last slices cost per change:
 * the loop serves control requests and sockets before the next one. The
 * changes are applied even if the peer is gone: each one stands on its
 * author's signature and trust, not on who relayed it.
 */
static void
apply_slice(struct gs_gossip *g)
{
	struct run *r = g->runs;
	size_t k;
	ev_tstamp t0, dt;
	double want;
	int rc;

	if (r == NULL)
		return;
	k = r->n - r->done < g->slice ? r->n - r->done : g->slice;
	t0 = ev_time();
	rc = k == 0 ? 0 : gs_replica_apply_verified(g->d->replica,
	    r->cs + r->done, r->vrc + r->done, k, r->from, &r->st);
	dt = ev_time() - t0;
	r->done += k;
	if (rc != 0) {
		r->rc = rc;
		r->done = r->n;    /* the rest is dropped, and sent again */
	}
	if (k > 0 && dt > 0) {
		/* halfway to the size that would have taken SLICE_S */
		want = SLICE_S * (double)k / dt;
		want = (want + (double)g->slice) / 2;
		g->slice = want < SLICE_MIN ? SLICE_MIN :
		    want > RUN_MAX ? RUN_MAX : (size_t)want;
	}
	if (r->done < r->n)
		return;
	g->runs = r->next;
	if (g->runs == NULL)
		g->runs_tail = NULL;
	run_done(g, r);
	run_free(r);
	spread_equivocations(g);   /* an equivocation found in this run */
}

/* A slice per turn while runs wait; then the verifier may deliver again. */
static void
on_apply(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gs_gossip *g = w->data;

	(void)revents;
	apply_slice(g);
	if (g->runs != NULL) {
		ev_timer_set(w, 0.0, 0.0);
		ev_timer_start(loop, w);
	} else {
		gs_verifier_hold(g->verifier, false);
	}
}

/*
 * Verified batches, in the order they came (on the loop thread). Each run
 * of consecutive batches from one peer (RUN_MAX changes at most, unless a
 * single batch has more) is queued, then applied a slice per turn of the
 * loop (on_apply); the verifier delivers nothing more until the queue is
 * empty, so its bounds stay the bound on what waits.
 */
static void
on_verified(struct gs_verify_job **jobs, size_t n, void *arg)
{
	struct gs_gossip *g = arg;
	const struct batch_ctx *ctx, *next;
	struct peer *p;
	struct run *r;
	size_t run, changes;

	for (size_t i = 0; i < n; i += run) {
		ctx = gs_verify_job_user(jobs[i]);
		changes = gs_verify_job_count(jobs[i]);
		for (run = 1; i + run < n; run++) {
			next = gs_verify_job_user(jobs[i + run]);
			changes += gs_verify_job_count(jobs[i + run]);
			if (memcmp(next->from, ctx->from, 32) != 0 ||
			    changes > RUN_MAX)
				break;
		}
		r = run_new(jobs + i, run, ctx->from);
		if (r == NULL) {
			log_warnx("gossip: out of memory; a batch from a peer "
			    "dropped, it will be sent again");
			p = find_peer(g, ctx->from);
			if (p != NULL)
				p->verifying = p->verifying > run ?
				    p->verifying - (unsigned)run : 0;
			continue;
		}
		if (g->runs_tail != NULL)
			g->runs_tail->next = r;
		else
			g->runs = r;
		g->runs_tail = r;
	}
	if (g->runs != NULL && !ev_is_active(&g->apply_timer)) {
		gs_verifier_hold(g->verifier, true);
		ev_timer_set(&g->apply_timer, 0.0, 0.0);
		ev_timer_start(g->d->loop, &g->apply_timer);
	}
}

/*
 * The erasure a bodiless change carries, unpacked with a small budget
 * into w's proof ranges (left NULL when it does not decode: the change
 * is then refused as stripped). Free the result with the budget.
 */
static Gs__SignedChange *
unpack_proof(const Gs__SignedChange *c, struct gs_pbuf_budget *pb,
    struct gs_wire_change *w)
{
	Gs__SignedChange *pr;

	if (c->erasure.len > GS_MAX_HEADER + GS_MAX_BODY + 256)
		return NULL;
	gs_pbuf_budget_init(pb, 2 * c->erasure.len + 4096);
	pr = gs__signed_change__unpack(&pb->alloc, c->erasure.len,
	    c->erasure.data);
	if (pr == NULL)
		return NULL;
	w->proof_header = pr->header.data;
	w->proof_header_len = pr->header.len;
	w->proof_sig = pr->signature.data;
	w->proof_sig_len = pr->signature.len;
	w->proof_body = pr->has_body ? pr->body.data : NULL;
	w->proof_body_len = pr->has_body ? pr->body.len : 0;
	return pr;
}

/* Copies b into a verifier job; NULL if memory is short. */
static struct gs_verify_job *
batch_job(struct peer *p, const Gs__Batch *b)
{
	struct gs_verify_job *job = NULL;
	struct batch_ctx *ctx;
	struct gs_wire_change w = { 0 };
	struct gs_pbuf_budget pb;
	Gs__SignedChange *pr;
	size_t bytes = 0;
	int rc;

	for (size_t i = 0; i < b->n_changes; i++) {
		const Gs__SignedChange *c = b->changes[i];
		bytes += c->header.len + c->signature.len +
		    (c->has_body ? c->body.len : 0);
		if (!c->has_body && c->has_erasure)
			bytes += c->erasure.len;   /* bounds its parts */
	}
	if ((ctx = malloc(sizeof(*ctx))) == NULL)
		return NULL;
	memcpy(ctx->from, p->pk, 32);
	ctx->push = b->push;
	if (gs_verify_job_new(b->n_changes, bytes, ctx, free, &job) != 0) {
		free(ctx);
		return NULL;
	}
	for (size_t i = 0; i < b->n_changes; i++) {
		const Gs__SignedChange *c = b->changes[i];
		w.header = c->header.data;
		w.header_len = c->header.len;
		w.sig = c->signature.data;
		w.sig_len = c->signature.len;
		w.body = c->has_body ? c->body.data : NULL;
		w.body_len = c->has_body ? c->body.len : 0;
		w.packed = NULL;
		w.packed_len = 0;
		if (c->has_body && c->body.len > 0 &&
		    c->body.data[0] == GS_ZIP_ZSTD) {
			w.packed = w.body;      /* packed as the sender stores it */
			w.packed_len = w.body_len;
			w.body = NULL;
			w.body_len = 0;
		}
		w.proof_header = NULL;
		pr = NULL;
		if (!c->has_body && c->has_erasure)
			pr = unpack_proof(c, &pb, &w);
		rc = gs_verify_job_add(job, &w);
		if (pr != NULL)
			gs__signed_change__free_unpacked(pr, &pb.alloc);
		if (rc != 0) {
			gs_verify_job_destroy(&job);   /* cannot happen: sized */
			break;
		}
	}
	return job;
}

/*
 * A batch from p: checked on the verifier's threads, applied when it
 * comes back (on_verified). One that does not fit (too many of p's
 * batches waiting, or the verifier full) is dropped unacknowledged, as a
 * storage error would: the sender's credit runs out and the next round
 * sends it again.
 */
static void
on_batch(struct gs_gossip *g, struct peer *p, const Gs__Batch *b)
{
	struct gs_verify_job *job;
	char sid[GS_SITEID_SHORT];
	size_t n = b->n_changes;

	if (n > MAX_BATCH) {
		p->refused += n;
		g->refused += n;
		send_refuse(p, 1, "batch too large");
		return;
	}
	if (p->verifying >= MAX_VERIFYING) {
		short_id(p->pk, sid);
		log_debug("gossip: peer %s has %u batches waiting; one dropped",
		    sid, p->verifying);
		return;
	}
	if ((job = batch_job(p, b)) == NULL)
		return;
	if (gs_verifier_submit(g->verifier, &job) != 0) {
		short_id(p->pk, sid);
		log_debug("gossip: verifier full; a batch from peer %s "
		    "dropped", sid);
		return;
	}
	p->verifying++;
}

static void
on_ack(struct gs_gossip *g, struct peer *p, const Gs__BatchAck *a)
{
	if (p->inflight > 0)
		p->inflight--;
	p->acked_at = ev_now(g->d->loop);
	p->acked = true;
	if (a->refused > 0)
		p->flight_lost = true;
	/* never more than the peer granted, whatever acks come back late */
	p->credit += a->credit > 4 ? 4 : a->credit;
	if (p->credit > p->granted)
		p->credit = p->granted;
	if (p->they_lack > a->applied)
		p->they_lack -= a->applied;
	else
		p->they_lack = 0;
	if (p->sending)
		pump(g, p);
	else if (p->inflight == 0)
		p->last_sync = time(NULL);
}

/*
 * Passes the sites trusted since the last batch on to every connected
 * peer (those that take us as introducer trust them in turn), in one
 * message per peer: not to the peer that introduced a site, nor a peer
 * its own key. A wave of introductions through a large graph costs each
 * link one message per batch, with the keys new in it, however many
 * introductions came in meanwhile.
 */
static void
intro_flush(struct gs_gossip *g)
{
	ProtobufCBinaryData *keys;
	uint64_t sent = g->intro.sent;
	size_t n;

	if (g->nintro_new == 0)
		return;
	/* out of memory: not passed on; peers learn them when they connect */
	keys = calloc(g->nintro_new, sizeof(*keys));
	for (size_t i = 0; keys != NULL && i < g->npeers; i++) {
		struct peer *p = g->peers[i];
		if (!peer_connected(p))
			continue;   /* the whole set goes when it connects */
		n = 0;
		for (size_t j = 0; j < g->nintro_new; j++) {
			const struct intro_new *e = &g->intro_new[j];
			if ((e->has_from && memcmp(e->from, p->pk, 32) == 0) ||
			    memcmp(e->pk, p->pk, 32) == 0)
				continue;
			keys[n].data = (uint8_t *)e->pk;
			keys[n].len = 32;
			n++;
		}
		if (n > 0)
			intro_send(g, p, keys, n, false);
	}
	free(keys);
	if (g->intro.sent > sent)
		g->intro.batches++;
	g->nintro_new = 0;
}

static void
on_intro_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	intro_flush(w->data);
}

/*
 * Queues pk, just trusted (introduced by from, or NULL: by the admin),
 * for the next batch of introductions, at most INTRO_BATCH_S away.
 */
static void
intro_queue(struct gs_gossip *g, const uint8_t pk[32], const uint8_t *from)
{
	struct intro_new *e;
	int found;
	size_t i;

	if (g->nintro_new == MAX_INTRO)
		intro_flush(g);   /* a batch is one message: it is full */
	i = gs_key_search(g->intro_new, g->nintro_new, sizeof(*e), pk, &found);
	if (found) {
		e = &g->intro_new[i];
		if (from == NULL || !e->has_from ||
		    memcmp(e->from, from, 32) != 0)
			e->has_from = false;   /* twice, two ways: tell all */
		return;
	}
	if (gs_grow(&g->intro_new, &g->capintro_new, g->nintro_new,
	    sizeof(*g->intro_new), 64) != 0)
		return;   /* not passed on; peers learn it when they connect */
	memmove(&g->intro_new[i + 1], &g->intro_new[i],
	    (g->nintro_new - i) * sizeof(*g->intro_new));
	g->nintro_new++;
	e = &g->intro_new[i];
	memcpy(e->pk, pk, 32);
	e->has_from = from != NULL;
	if (from != NULL)
		memcpy(e->from, from, 32);
	if (!ev_is_active(&g->intro_timer)) {
		ev_timer_set(&g->intro_timer, INTRO_BATCH_S, 0.0);
		ev_timer_start(g->d->loop, &g->intro_timer);
	}
}

/*
 * Trusts the sites an introducer names that we had not decided about,
 * all in one transaction, and queues them to be passed on.
 */
static void
on_intro(struct gs_gossip *g, struct peer *p, const Gs__Introductions *in)
{
	const struct gs_trust_site *s;
	char sid[GS_SITEID_SHORT], by[GS_SITEID_SHORT];
	struct gs_store *st = g->d->store;
	bool tx = false;
	size_t added = 0;

	if (!p->introducer || in->n_sites > MAX_INTRO)
		return;
	g->intro.received++;
	g->intro.received_sites += in->n_sites;
	for (size_t i = 0; i < in->n_sites; i++) {
		const uint8_t *pk = in->sites[i].data;
		if (in->sites[i].len != 32 ||
		    memcmp(pk, gs_replica_pk(g->d->replica), 32) == 0)
			continue;
		s = gs_trust_get(g->trust, pk);
		if (s != NULL && s->trust != GS_TRUST_PENDING)
			continue;   /* our own decision stands */
		/* opened at the first decision: most messages bring none */
		if (added == 0 && !tx)
			tx = gs_store_begin(st) == 0;
		if (gs_trust_set(g->trust, pk, GS_TRUST_TRUSTED, p->pk) != 0)
			continue;
		if (added == 0)
			short_id(pk, sid);
		added++;
		intro_queue(g, pk, p->pk);
	}
	if (tx && gs_store_commit(st) != 0) {
		gs_store_rollback(st);
		short_id(p->pk, by);
		log_warnx("gossip: the sites introduced by %s could not be "
		    "written; they are trusted until the daemon stops, and "
		    "introduced again when %s reconnects", by, by);
	}
	if (added == 0)
		return;
	g->intro.trusted += added;
	short_id(p->pk, by);
	if (added == 1)
		log_info("gossip: site %s trusted, introduced by %s", sid, by);
	else
		log_info("gossip: %zu sites trusted (%s and others), "
		    "introduced by %s", added, sid, by);
	send_summary(g, p, true);
}

static void
handle(struct gs_gossip *g, struct peer *p, const uint8_t *data, size_t len)
{
	struct gs_pbuf_budget budget;
	Gs__PeerMsg *m;
	char sid[GS_SITEID_SHORT];
	bool first_hello;

	p->last_seen = time(NULL);
	gs_pbuf_budget_init(&budget, 4 * g->d->cfg->max_frame + 65536);
	m = gs__peer_msg__unpack(&budget.alloc, len, data);
	if (m == NULL) {
		short_id(p->pk, sid);
		log_debug("gossip: undecodable message from peer %s", sid);
		p->refused++;
		g->refused++;
		log_refusals(g, p);
		return;
	}
	if (m->version < GS_PEER_MIN_VERSION) {
		send_refuse(p, 2, "protocol version too old: upgrade gemsyncd");
		goto out;
	}
	/* the inviter speaks to us: it trusts us, the join is done */
	if (p->joining && p->join_rc == 0 &&
	    m->msg_case != GS__PEER_MSG__MSG_REFUSE) {
		p->join_rc = 1;
		short_id(p->pk, sid);
		log_info("gossip: site %s accepted our invitation", sid);
	}
	switch (m->msg_case) {
	case GS__PEER_MSG__MSG_HELLO:
		if (m->hello->max_version < GS_PEER_MIN_VERSION ||
		    m->hello->min_version > GS_PEER_VERSION) {
			short_id(p->pk, sid);
			log_warnx("gossip: peer %s speaks protocol %u-%u, we "
			    "speak %u-%u", sid, m->hello->min_version,
			    m->hello->max_version, GS_PEER_MIN_VERSION,
			    GS_PEER_VERSION);
			send_refuse(p, 2, "no common protocol version");
			break;
		}
		p->proto = m->hello->max_version < GS_PEER_VERSION ?
		    m->hello->max_version : GS_PEER_VERSION;
		first_hello = !p->has_clock;
		if (m->hello->has_clock_ms)
			note_clock(g, p, m->hello->clock_ms);
		/*
		 * Our clock goes back unless we told it a moment ago; always
		 * to its first hello: the hello we sent before it trusted us
		 * was read as a stranger's, without our clock.
		 */
		if (first_hello || p->hello_sent == 0 ||
		    ev_now(g->d->loop) - p->hello_sent > HELLO_ANSWER_S)
			send_hello(p);
		/* introductions go both ways, whoever dialled */
		send_intro(g, p);
		send_equivocations(g, p);
		break;
	case GS__PEER_MSG__MSG_SUMMARY:
		on_summary(g, p, m->summary);
		break;
	case GS__PEER_MSG__MSG_BATCH:
		on_batch(g, p, m->batch);
		break;
	case GS__PEER_MSG__MSG_ACK:
		on_ack(g, p, m->ack);
		break;
	case GS__PEER_MSG__MSG_INTRO:
		on_intro(g, p, m->intro);
		break;
	case GS__PEER_MSG__MSG_EQUIVOCATIONS:
		on_equivocations(g, p, m->equivocations);
		break;
	case GS__PEER_MSG__MSG_REFUSE:
		short_id(p->pk, sid);
		{
			char reason[128];
			gs_sanitize(m->refuse->reason, reason, sizeof(reason));
			log_warnx("gossip: peer %s refused us: %s", sid, reason);
		}
		if (p->joining && p->join_rc == 0 &&
		    m->refuse->code >= (unsigned)-GS_EINVUNKNOWN &&
		    m->refuse->code <= (unsigned)-GS_EINVREVOKED)
			p->join_rc = -(int)m->refuse->code;
		break;
	default:
		p->refused++;   /* unknown message type: counted, ignored */
		g->refused++;
		break;
	}
out:
	gs__peer_msg__free_unpacked(m, &budget.alloc);
}


/* Sends a refusal to a site we do not trust, through our ROUTER. */
static void
refuse_stranger(struct gs_gossip *g, const struct gs_msg *m, unsigned code,
    const char *reason)
{
	Gs__PeerMsg pm = GS__PEER_MSG__INIT;
	Gs__Refuse r = GS__REFUSE__INIT;
	uint8_t buf[256];
	size_t len;

	r.code = code;
	r.reason = (char *)reason;
	pm.version = GS_PEER_VERSION;
	pm.msg_case = GS__PEER_MSG__MSG_REFUSE;
	pm.refuse = &r;
	len = gs__peer_msg__get_packed_size(&pm);
	if (len > sizeof(buf))
		return;
	gs__peer_msg__pack(&pm, buf);
	gs_transport_send(g->listener, m->route, m->route_len, buf, len);
}

/*
 * A site that presented a valid invitation, in the transaction where its
 * use was spent: trusted, made a peer (dialled back at the endpoint it
 * announced, if any), and its hello handled. On failure nothing of it
 * stays: the invitation's use neither, for the joiner to try again.
 */
static int
admit_joiner(struct gs_gossip *g, const struct gs_msg *m,
    const uint8_t site[32], const char *endpoint)
{
	char sid[GS_SITEID_SHORT];
	struct gs_trust_site copy;
	const struct gs_trust_site *was = trust_before(g, site, &copy);
	struct peer *p;
	int rc;

	short_id(site, sid);
	rc = trust_peer(g, site, endpoint, "", was, &p);
	if (rc != 0) {
		log_warnx("gossip: cannot add site %s that joined: %s; its "
		    "invitation is not spent", sid, gs_strerror(rc));
		return rc;
	}
	log_info("gossip: site %s joined with an invitation: now a trusted "
	    "peer", sid);
	memcpy(p->route, m->route, m->route_len);
	p->route_len = m->route_len;
	p->route_seen = ev_now(g->d->loop);
	handle(g, p, m->data, m->len);
	start_round(g, p);
	return 0;
}

/*
 * Whether an announced endpoint may be kept: a site's endpoint field
 * (schema.c), no longer than an invitation's. It is dialled, and shown in
 * the command site pending tells the facilitator to type: nothing but
 * tcp://HOST:PORT, no shell or control character.
 */
static bool
endpoint_ok(const char *ep)
{
	return gs_schema_endpoint_ok(ep) &&
	    strlen(ep) <= GS_INVITE_ENDPOINT_MAX;
}

/*
 * A message from a site we do not trust (ZAP lets every key in but a
 * blocked one's). Only a hello is read: what it announces goes to "site
 * pending" (once a minute per key, as the ZAP record), and a valid
 * invitation proof makes it a trusted peer. The rest is dropped unread;
 * past STRANGER_READS messages a minute from one key, undecoded.
 */
static void
on_stranger(struct gs_gossip *g, const struct gs_msg *m)
{
	struct gs_pbuf_budget budget;
	const struct gs_trust_site *s;
	const Gs__Announce *a;
	const Gs__InviteProof *ip;
	struct stranger *st;
	Gs__PeerMsg *pm;
	uint8_t curve[32];
	char sid[GS_SITEID_SHORT], name[101], town[101];
	int rc;

	if (m->len > 4096)
		return;   /* a hello is small: not worth decoding */
	st = stranger_of(g, m->curve_pk);
	if (st == NULL || st->reads >= STRANGER_READS) {
		g->unread++;
		return;
	}
	st->reads++;
	gs_pbuf_budget_init(&budget, 65536);
	pm = gs__peer_msg__unpack(&budget.alloc, m->len, m->data);
	if (pm == NULL)
		return;
	if (pm->msg_case != GS__PEER_MSG__MSG_HELLO ||
	    (a = pm->hello->announce) == NULL || a->site.len != 32 ||
	    gs_pk_to_curve(a->site.data, curve) != 0 ||
	    memcmp(curve, m->curve_pk, 32) != 0 ||
	    memcmp(a->site.data, gs_replica_pk(g->d->replica), 32) == 0)
		goto out;
	s = gs_trust_get(g->trust, a->site.data);
	if (s != NULL && s->trust == GS_TRUST_BLOCKED)
		goto out;
	short_id(a->site.data, sid);
	gs_sanitize(a->name ? a->name : "", name, sizeof(name));
	gs_sanitize(a->town ? a->town : "", town, sizeof(town));
	ip = pm->hello->invite;
	if (ip != NULL) {
		/* the use is spent in the transaction that admits the site */
		rc = gs_store_begin(g->d->store);
		if (rc == 0)
			rc = gs_invite_redeem(g->d->store,
			    gs_replica_pk(g->d->replica), a->site.data,
			    ip->id.data, ip->id.len, ip->mac.data, ip->mac.len,
			    time(NULL));
		if (rc == 0 && admit_joiner(g, m, a->site.data,
		    endpoint_ok(a->endpoint) ? a->endpoint : "") == 0)
			goto out;
		if (rc != 0) {
			gs_store_rollback(g->d->store);
			log_warnx("gossip: site %s presented an invitation that "
			    "we refuse: %s", sid, gs_strerror(rc));
			refuse_stranger(g, m, (unsigned)-rc, gs_strerror(rc));
		}
	}
	if ((st->recorded & SEEN_HELLO) == 0) {
		st->recorded |= SEEN_HELLO;
		gs_store_pending_announce(g->d->store, curve, a->site.data,
		    name, town, endpoint_ok(a->endpoint) ? a->endpoint : "");
	}
out:
	gs__peer_msg__free_unpacked(pm, &budget.alloc);
}

/* A message on our ROUTER: find the site by its authenticated key. */
static void
on_listener_msg(struct gs_endpoint *ep, const struct gs_msg *m, void *arg)
{
	struct gs_gossip *g = arg;
	const struct gs_trust_site *s;
	struct peer *p;

	(void)ep;
	if (m->curve_pk == NULL || m->route_len == 0 ||
	    m->route_len > ROUTE_MAX)
		return;
	s = gs_trust_by_curve(g->trust, m->curve_pk);
	if (s == NULL || s->trust == GS_TRUST_PENDING) {
		on_stranger(g, m);
		return;
	}
	if (s->trust != GS_TRUST_TRUSTED)
		return;   /* trust withdrawn since the handshake */
	p = find_peer(g, s->pk);
	if (p == NULL && (p = peer_new(g, s->pk)) == NULL)
		return;
	memcpy(p->route, m->route, m->route_len);
	p->route_len = m->route_len;
	p->route_seen = ev_now(g->d->loop);
	handle(g, p, m->data, m->len);
}

static void
on_dealer_msg(struct gs_endpoint *ep, const struct gs_msg *m, void *arg)
{
	struct peer *p = arg;

	(void)ep;
	if (gs_trust_author_ok(p->g->trust, p->pk) != 0)
		return;
	handle(p->g, p, m->data, m->len);
}

static struct stranger *
stranger_of(struct gs_gossip *g, const uint8_t curve[32])
{
	ev_tstamp now = ev_now(g->d->loop);
	struct stranger *s;
	unsigned recent = 0;

	for (unsigned i = 0; i < ZAP_MEMORY; i++) {
		s = &g->zap_seen[i];
		if (now - s->when >= ZAP_RECORD_S)
			continue;
		if (memcmp(s->curve, curve, 32) == 0)
			return s;
		recent++;
	}
	if (recent == ZAP_MEMORY)
		return NULL;   /* 64 new keys in a minute: a flood, not a GEM */
	/* the oldest entry, past its minute since one is */
	s = &g->zap_seen[g->zap_next];
	g->zap_next = (g->zap_next + 1) % ZAP_MEMORY;
	memset(s, 0, sizeof(*s));
	memcpy(s->curve, curve, 32);
	s->when = now;
	return s;
}

/*
 * A key refused a moment ago is not written again: a client retrying, or a
 * flood of fresh keys, costs a table lookup, not an fsync each time.
 */
static bool
zap_should_record(struct gs_gossip *g, const uint8_t curve[32])
{
	struct stranger *s = stranger_of(g, curve);

	if (s == NULL || (s->recorded & SEEN_ZAP) != 0)
		return false;
	s->recorded |= SEEN_ZAP;
	return true;
}

/*
 * ZAP: trusted sites come in. Unknown and pending keys come in too, but
 * only their hello is read (on_stranger: what they announce, an
 * invitation); they are recorded as pending. Blocked keys are refused.
 */
static int
on_zap(const uint8_t curve[32], const char *address, void *arg)
{
	struct gs_gossip *g = arg;
	const struct gs_trust_site *s = gs_trust_by_curve(g->trust, curve);
	char hex[65];

	if (s != NULL && s->trust == GS_TRUST_TRUSTED)
		return 1;
	if (s != NULL && s->trust == GS_TRUST_BLOCKED)
		return 0;
	if (zap_should_record(g, curve)) {
		gs_hex(curve, 16, hex);
		log_info("gossip: connection from unknown transport key "
		    "%s... (%s): only its hello is read, see gemsync site "
		    "pending", hex, address);
		gs_store_pending_touch(g->d->store, curve,
		    address, time(NULL), GS_TRUST_MAX_PENDING);
	}
	return 1;
}

/* ---- peers ---- */

static struct peer *
peer_new(struct gs_gossip *g, const uint8_t pk[32])
{
	struct peer *p;

	if (gs_grow(&g->peers, &g->cappeers, g->npeers, sizeof(*g->peers),
	    8) != 0)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (gs_pk_to_curve(pk, p->curve) != 0) {
		free(p);
		return NULL;
	}
	p->g = g;
	memcpy(p->pk, pk, 32);
	g->peers[g->npeers++] = p;
	return p;
}

static void
peer_drop(struct gs_gossip *g, struct peer *p)
{
	for (size_t i = 0; i < g->npeers; i++) {
		if (g->peers[i] != p)
			continue;
		g->peers[i] = g->peers[--g->npeers];
		peer_free(p);
		return;
	}
}

static void on_connected(struct gs_gossip *g, struct peer *p);

/* A DEALER's handshake succeeded: start talking now, not at the tick. */
static void
on_dealer_up(struct gs_endpoint *ep, void *arg)
{
	struct peer *p = arg;

	(void)ep;
	if (!p->was_connected) {
		p->was_connected = true;
		on_connected(p->g, p);
	}
}

static int
peer_connect(struct gs_gossip *g, struct peer *p)
{
	int rc;
	char sid[GS_SITEID_SHORT];

	gs_transport_close(&p->dealer);
	p->was_connected = false;
	if (p->endpoint == NULL || p->endpoint[0] == '\0')
		return 0;
	rc = gs_transport_connect(g->d->transport, p->endpoint, p->curve,
	    g->curve_pk, g->curve_sk, on_dealer_msg, p, &p->dealer);
	if (rc == 0)
		gs_transport_set_up_cb(p->dealer, on_dealer_up);
	if (rc != 0) {
		short_id(p->pk, sid);
		log_warnx("gossip: cannot connect to peer %s at %s: %s", sid,
		    p->endpoint, gs_strerror(rc));
	}
	return rc;
}

static int
on_peer_row(const struct gs_peer_row *row, void *arg)
{
	struct gs_gossip *g = arg;
	struct peer *p = peer_new(g, row->pk);

	if (p == NULL)
		return 0;
	p->endpoint = strdup(row->endpoint);
	p->label = strdup(row->name);
	p->introducer = row->introducer;
	p->configured = true;
	p->added = row->added;
	p->last_seen = p->saved_seen = row->last_seen;
	p->last_sync = p->saved_sync = row->last_sync;
	return 0;
}

/* Starts a round with p: summary out, the rest follows from replies. */
static void
start_round(struct gs_gossip *g, struct peer *p)
{
	if (send_summary(g, p, true) == 0)
		g->rounds++;
}

static void
on_connected(struct gs_gossip *g, struct peer *p)
{
	p->flight_lost = true;    /* sent on the connection before, maybe */
	send_hello(p);
	send_intro(g, p);
	start_round(g, p);
}

static void
arm_round(struct gs_gossip *g)
{
	double base = g->d->cfg->interval_s;
	double jitter = base * 0.25 * ((double)gs_random_below(2001) / 1000.0 - 1.0);

	ev_timer_stop(g->d->loop, &g->round_timer);
	ev_timer_set(&g->round_timer, base + jitter, 0.0);
	ev_timer_start(g->d->loop, &g->round_timer);
}

static void
on_round(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gs_gossip *g = w->data;
	struct peer *pick[64];
	size_t n = 0, fanout = g->d->cfg->fanout;

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < g->npeers && n < 64; i++)
		if (peer_connected(g->peers[i]) &&
		    gs_trust_author_ok(g->trust, g->peers[i]->pk) == 0)
			pick[n++] = g->peers[i];
	/* a random subset of fanout peers (partial Fisher-Yates) */
	for (size_t i = 0; i < n && i < fanout; i++) {
		size_t j = i + gs_random_below((uint32_t)(n - i));
		struct peer *t = pick[i];
		pick[i] = pick[j];
		pick[j] = t;
		if (ev_now(g->d->loop) - pick[i]->hello_sent > HELLO_EVERY_S)
			send_hello(pick[i]);
		start_round(g, pick[i]);
	}
	arm_round(g);
}

/*
 * libzmq gives up on a connection whose handshake was refused (the peer
 * did not trust us yet) and never dials again. So a dealer that stays
 * down is replaced, with a growing delay: the peer may trust us by now.
 */
static void
redial(struct gs_gossip *g, struct peer *p, bool up)
{
	ev_tstamp now = ev_now(g->d->loop);

	if (p->dealer == NULL || up) {
		p->down_since = 0;
		p->redial_s = REDIAL_MIN_S;
		return;
	}
	if (p->down_since == 0) {
		p->down_since = now;
		if (p->redial_s < REDIAL_MIN_S)
			p->redial_s = REDIAL_MIN_S;
		return;
	}
	if (now - p->down_since < p->redial_s)
		return;
	peer_connect(g, p);
	p->down_since = now;
	p->redial_s = p->redial_s * 2 > REDIAL_MAX_S ? REDIAL_MAX_S :
	    p->redial_s * 2;
}

/*
 * A configured peer whose site key was replaced by a key link held here
 * (and whose new key has its trust): the peer row and the dialled
 * connection move to the new key, same address, name and introducer
 * flag, so the transport pins the new CURVE key. One a tick; never from
 * a peer's own callback (the old peer is freed).
 */
static void
follow_rotation(struct gs_gossip *g)
{
	const uint8_t *next;
	struct peer *p, *q;
	char o[GS_SITEID_SHORT], n[GS_SITEID_SHORT], *ep, *lb;
	uint8_t old[32];
	int rc;

	for (size_t i = 0; i < g->npeers; i++) {
		p = g->peers[i];
		next = gs_replica_current_key(g->d->replica, p->pk);
		if (!p->configured || next == p->pk ||
		    memcmp(next, p->pk, 32) == 0 ||
		    gs_trust_author_ok(g->trust, next) != 0)
			continue;
		q = find_peer(g, next);
		if (q != NULL && q->configured)
			continue;   /* the admin added it already */
		memcpy(old, p->pk, 32);
		ep = strdup(p->endpoint != NULL ? p->endpoint : "");
		lb = strdup(p->label != NULL ? p->label : "");
		rc = ep == NULL || lb == NULL ? GS_ENOMEM :
		    gs_gossip_peer_add(g, next, ep, lb, p->introducer);
		if (rc == 0)
			rc = gs_gossip_peer_remove(g, old);
		short_id(old, o);
		short_id(next, n);
		if (rc == 0)
			log_info("gossip: peer %s now %s (its new site key)", o,
			    n);
		else
			log_warnx("gossip: moving peer %s to its new key %s: "
			    "%s", o, n, gs_strerror(rc));
		free(ep);
		free(lb);
		return;
	}
}

static void
on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gs_gossip *g = w->data;
	struct gs_store *st = g->d->store;

	(void)loop;
	(void)revents;
	follow_rotation(g);
	for (size_t i = 0; i < g->npeers; i++) {
		struct peer *p = g->peers[i];
		bool up = p->dealer != NULL && gs_transport_connected(p->dealer);
		if (up && !p->was_connected)
			on_connected(g, p);
		p->was_connected = up;
		redial(g, p, up);
		/* write through rarely: every write is an fsync */
		if (p->configured && (p->last_seen - p->saved_seen >= PERSIST_S ||
		    p->last_sync - p->saved_sync >= PERSIST_S) &&
		    gs_store_peer_touch(st, p->pk, p->last_seen,
		    p->last_sync) == 0) {
			p->saved_seen = p->last_seen;
			p->saved_sync = p->last_sync;
		}
	}
}

/* ---- push ---- */

/*
 * Can a push reach p now? Unlike peer_connected(), an inbound
 * route counts however long the peer has been quiet: the ROUTER is
 * MANDATORY, so a route whose connection is gone fails the send at once
 * (and is forgotten), while a quiet but live one delivers. Waiting for the
 * peer to speak first would hold pushes to inbound-only peers until their
 * next round.
 */
static bool
push_reachable(const struct peer *p)
{
	if (p->dealer != NULL && gs_transport_connected(p->dealer))
		return true;
	return p->route_len > 0 && p->g->listener != NULL;
}

static void
on_new_change(const struct gs_change *c, const uint8_t *from, void *arg)
{
	struct gs_gossip *g = arg;
	Gs__SignedChange sc = GS__SIGNED_CHANGE__INIT, *ptr = &sc;
	struct batch_build b;

	/* a change stored without its body (erased) waits for a round */
	if (!relayable(g, c->author) || c->body == NULL)
		return;
	sc.header.data = c->header;
	sc.header.len = c->header_len;
	sc.signature.data = (uint8_t *)c->sig;
	sc.signature.len = 64;
	sc.has_body = true;
	memset(&b, 0, sizeof(b));
	b.sc = &sc;
	b.ptrs = &ptr;
	b.n = 1;
	for (size_t i = 0; i < g->npeers; i++) {
		struct peer *p = g->peers[i];
		uint64_t k;
		if ((from != NULL && memcmp(p->pk, from, 32) == 0) ||
		    !push_reachable(p) ||
		    gs_trust_author_ok(g->trust, p->pk) != 0)
			continue;
		k = known_seq(p, c->author);
		if (unwanted_by(p, c->author))
			continue;
		if (p->have_known && k + 1 != c->seq)
			continue;   /* behind by more: the round will send it */
		/* packed as it came, to a peer that takes it so */
		sc.body.data = c->packed != NULL && p->proto >= 2 ? c->packed :
		    c->body;
		sc.body.len = sc.body.data == c->body ? c->body_len :
		    c->packed_len;
		if (send_batch(p, &b, true) == 0)
			set_known(p, c->author, c->seq);
	}
}

/* ---- lifecycle ---- */

int
gs_gossip_start(struct gs_daemon *d, struct gs_gossip **out)
{
	struct gs_gossip *g;
	struct gs_store *st = d->store;
	struct gs_verifier_opts vo;
	int ret = GS_ENOMEM;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ret;
	g->d = d;
	if ((g->curve_sk = gs_secure_alloc(32)) == NULL)
		goto out;
	ret = gs_pk_to_curve(gs_replica_pk(d->replica), g->curve_pk);
	if (ret == 0)
		ret = gs_sk_to_curve(gs_identity_sk(gs_replica_identity(
		    d->replica)), g->curve_sk);
	g->trust = d->trust;
	if (ret == 0)
		ret = gs_store_peers_foreach(st, on_peer_row, g);
	if (ret != 0)
		goto out;
	ev_timer_init(&g->apply_timer, on_apply, 0.0, 0.0);
	g->apply_timer.data = g;
	ev_timer_init(&g->intro_timer, on_intro_timer, INTRO_BATCH_S, 0.0);
	g->intro_timer.data = g;
	g->slice = SLICE_FIRST;
	gs_verifier_opts_default(&vo);
	ret = gs_verifier_new(d->loop, &vo, on_verified, g, &g->verifier);
	if (ret != 0) {
		log_warnx("gossip: cannot start the verifier: %s",
		    gs_strerror(ret));
		goto out;
	}
	gs_replica_set_hook(d->replica, on_new_change, g);
	if (d->cfg->listen[0] != '\0') {
		ret = gs_transport_listen(d->transport, d->cfg->listen,
		    g->curve_pk, g->curve_sk, on_zap, on_listener_msg, g,
		    &g->listener);
		if (ret != 0)
			goto out;
	}
	for (size_t i = 0; i < g->npeers; i++)
		if (gs_trust_author_ok(g->trust, g->peers[i]->pk) == 0)
			peer_connect(g, g->peers[i]);
	ev_timer_init(&g->round_timer, on_round, 1.0, 0.0);
	g->round_timer.data = g;
	arm_round(g);
	ev_timer_init(&g->tick, on_tick, 0.1, TICK_S);
	g->tick.data = g;
	ev_timer_start(d->loop, &g->tick);
	*out = g;
	g = NULL;
	ret = 0;
out:
	if (g != NULL) {
		gs_replica_set_hook(d->replica, NULL, NULL);
		gs_gossip_stop(&g);
	}
	return ret;
}

void
gs_gossip_stop(struct gs_gossip **gp)
{
	struct gs_gossip *g;

	if (gp == NULL || *gp == NULL)
		return;
	g = *gp;
	/* first: a batch still verifying is dropped, never delivered */
	gs_verifier_destroy(&g->verifier);
	if (g->d->loop != NULL) {
		ev_timer_stop(g->d->loop, &g->round_timer);
		ev_timer_stop(g->d->loop, &g->intro_timer);
		ev_timer_stop(g->d->loop, &g->tick);
		ev_timer_stop(g->d->loop, &g->apply_timer);
	}
	/* verified but not yet applied: dropped, unacked, sent again */
	while (g->runs != NULL) {
		struct run *r = g->runs;
		g->runs = r->next;
		run_free(r);
	}
	g->runs_tail = NULL;
	if (g->d->replica != NULL) {
		gs_replica_set_hook(g->d->replica, NULL, NULL);
	}
	for (size_t i = 0; i < g->npeers; i++)
		peer_free(g->peers[i]);
	free(g->peers);
	gs_transport_close(&g->listener);
	gs_secure_free(g->curve_sk);
	free(g->held);
	free(g->intro_new);
	free(g);
	*gp = NULL;
}

static int
count_pending(const struct gs_pending_row *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

static int
count_pending_sites(const struct gs_trust_site *s, void *arg)
{
	if (s->trust == GS_TRUST_PENDING)
		(*(size_t *)arg)++;
	return 0;
}

/*
 * Is p in sync with us (gs_gossip_stats.in_sync)? digest: what we hold
 * now, or NULL if it could not be computed.
 */
static bool
peer_in_sync(struct gs_gossip *g, const struct peer *p,
    const uint8_t *digest)
{
	return digest != NULL && p->parity && peer_connected(p) &&
	    gs_trust_author_ok(g->trust, p->pk) == 0 &&
	    memcmp(p->parity_digest, digest, 32) == 0;
}

void
gs_gossip_stats(struct gs_gossip *g, struct gs_gossip_stats *s)
{
	uint8_t buf[32];
	const uint8_t *digest = own_digest(g, buf) == 0 ? buf : NULL;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < g->npeers; i++) {
		if (g->peers[i]->configured)
			s->peers++;
		if (peer_connected(g->peers[i]))
			s->connected++;
		if (g->peers[i]->configured &&
		    peer_in_sync(g, g->peers[i], digest))
			s->in_sync++;
		if (g->peers[i]->last_sync > s->last_sync)
			s->last_sync = g->peers[i]->last_sync;
	}
	gs_store_pending_foreach(g->d->store,
	    count_pending, &s->pending);
	gs_trust_foreach(g->trust, count_pending_sites, &s->pending);
	s->refused = g->refused;
	s->unread = g->unread;
	s->rounds = g->rounds;
	s->intro = g->intro;
}

/* ---- verbs for the control commands ---- */

bool
gs_gossip_peers_hold(struct gs_gossip *g, const uint8_t pk[32],
    uint64_t seq, double since)
{
	for (size_t i = 0; i < g->npeers; i++) {
		const struct peer *p = g->peers[i];
		if (!p->configured ||
		    gs_trust_author_ok(g->trust, p->pk) == GS_EBLOCKED)
			continue;
		if (p->heard_at <= since || known_seq(p, pk) < seq)
			return false;
	}
	return true;
}

void
gs_gossip_trust_changed(struct gs_gossip *g, const uint8_t pk[32])
{
	const struct gs_trust_site *s = gs_trust_get(g->trust, pk);
	int trust = s != NULL ? s->trust : GS_TRUST_PENDING;
	struct peer *p = find_peer(g, pk);

	if (trust == GS_TRUST_BLOCKED && p != NULL) {
		/* drop the connection; the peer row stays for the record */
		gs_transport_close(&p->dealer);
		p->route_len = 0;
		p->sending = false;
		p->have_known = false;
		p->has_digest = false;
	} else if (trust == GS_TRUST_TRUSTED && p != NULL && p->dealer == NULL) {
		peer_connect(g, p);
	}
	if (trust != GS_TRUST_TRUSTED)
		return;
	/* connected peers learn the new site with the next batch */
	intro_queue(g, pk, NULL);
	for (size_t i = 0; i < g->npeers; i++)
		if (peer_connected(g->peers[i]))
			start_round(g, g->peers[i]);
}

/* The peer row of pk, added now. */
static void
peer_row(struct gs_peer_row *row, const uint8_t pk[32], const char *endpoint,
    const char *label, bool introducer)
{
	memset(row, 0, sizeof(*row));
	memcpy(row->pk, pk, 32);
	row->endpoint = endpoint;
	row->name = label ? label : "";
	row->introducer = introducer;
	row->added = time(NULL);
}

/* Writes a peer's row; its transport key leaves the pending list. */
static int
peer_store(struct gs_gossip *g, const struct gs_peer_row *row)
{
	uint8_t curve[32];
	int ret;

	ret = gs_store_peer_put(g->d->store, row);
	if (ret == 0 && gs_pk_to_curve(row->pk, curve) == 0)
		gs_store_pending_remove(g->d->store, curve);
	return ret;
}

/* The peer in memory takes what its stored row says, and is dialled. */
static void
peer_take(struct gs_gossip *g, struct peer *p, const struct gs_peer_row *row)
{
	char *ep = strdup(row->endpoint), *lb = strdup(row->name);

	free(p->endpoint);
	free(p->label);
	p->endpoint = ep;
	p->label = lb;
	p->introducer = row->introducer;
	p->configured = true;
	p->added = row->added;
	peer_connect(g, p);
	/* p gets every site we trust when it connects; the others, p */
	if (gs_trust_author_ok(g->trust, p->pk) == 0)
		intro_queue(g, p->pk, NULL);
}

int
gs_gossip_peer_add(struct gs_gossip *g, const uint8_t pk[32],
    const char *endpoint, const char *label, bool introducer)
{
	struct gs_peer_row row;
	struct peer *p;
	int ret;

	peer_row(&row, pk, endpoint, label, introducer);
	ret = peer_store(g, &row);
	if (ret != 0)
		return ret;
	p = find_peer(g, pk);
	if (p == NULL && (p = peer_new(g, pk)) == NULL)
		return GS_ENOMEM;
	peer_take(g, p, &row);
	return 0;
}

/* A copy of what is known of site pk in *copy: copy, or NULL if nothing. */
static const struct gs_trust_site *
trust_before(struct gs_gossip *g, const uint8_t pk[32],
    struct gs_trust_site *copy)
{
	const struct gs_trust_site *s = gs_trust_get(g->trust, pk);

	if (s == NULL)
		return NULL;
	*copy = *s;
	return copy;
}

/*
 * Trusts site pk and makes it a peer at endpoint, ending the transaction
 * the caller began: all of it is committed, or it is rolled back and
 * memory takes back was (the site before, from trust_before). *out: the
 * peer.
 */
static int
trust_peer(struct gs_gossip *g, const uint8_t pk[32], const char *endpoint,
    const char *label, const struct gs_trust_site *was, struct peer **out)
{
	struct gs_store *st = g->d->store;
	struct gs_peer_row row;
	struct peer *p = find_peer(g, pk);
	bool fresh = p == NULL;
	int ret = 0;

	peer_row(&row, pk, endpoint, label, false);
	if (fresh && (p = peer_new(g, pk)) == NULL)
		ret = GS_ENOMEM;
	if (ret == 0)
		ret = gs_trust_set(g->trust, pk, GS_TRUST_TRUSTED, NULL);
	if (ret == 0)
		ret = peer_store(g, &row);
	if (ret == 0)
		ret = gs_store_commit(st);
	if (ret != 0) {
		gs_store_rollback(st);
		gs_trust_undo(g->trust, pk, was);
		if (fresh && p != NULL)
			peer_drop(g, p);
		return ret;
	}
	peer_take(g, p, &row);
	*out = p;
	return 0;
}

/* Takes back a join: the peer it added goes, the site's trust is back. */
static int
join_undo(struct gs_gossip *g, struct peer *p)
{
	struct gs_trust_site was = p->join_was;
	bool had = p->join_had_site;
	uint8_t pk[32];
	int ret = 0, rc;

	memcpy(pk, p->pk, 32);
	p->joining = false;
	if (!p->join_was_peer)
		ret = gs_gossip_peer_remove(g, pk);   /* p is freed */
	rc = gs_trust_restore(g->trust, pk, had ? &was : NULL);
	gs_gossip_trust_changed(g, pk);
	return ret != 0 ? ret : rc;
}

int
gs_gossip_join(struct gs_gossip *g, const uint8_t pk[32],
    const char *endpoint, const char *label,
    const uint8_t id[GS_INVITE_ID_LEN], const uint8_t mac[GS_INVITE_MAC_LEN])
{
	struct gs_trust_site copy;
	const struct gs_trust_site *was = trust_before(g, pk, &copy);
	struct peer *p = find_peer(g, pk);
	bool was_peer = p != NULL && p->configured;
	bool again = p != NULL && p->joining;
	int ret;

	ret = gs_store_begin(g->d->store);
	if (ret == 0)
		ret = trust_peer(g, pk, endpoint, label, was, &p);
	if (ret != 0)
		return ret;
	if (!again) {
		/* a join tried again keeps what was before the first */
		p->join_was_peer = was_peer;
		p->join_had_site = was != NULL;
		if (was != NULL)
			p->join_was = *was;
	}
	p->joining = true;
	p->join_rc = 0;
	memcpy(p->invite_id, id, GS_INVITE_ID_LEN);
	memcpy(p->invite_mac, mac, GS_INVITE_MAC_LEN);
	/* a fresh connection, so that its first hello carries the proof */
	ret = peer_connect(g, p);
	if (ret != 0)
		(void)join_undo(g, p);
	return ret;
}

int
gs_gossip_join_undo(struct gs_gossip *g, const uint8_t pk[32])
{
	struct peer *p = find_peer(g, pk);

	if (p == NULL || !p->joining)
		return GS_ENOTFOUND;
	return join_undo(g, p);
}

int
gs_gossip_join_state(struct gs_gossip *g, const uint8_t pk[32])
{
	struct peer *p = find_peer(g, pk);

	if (p == NULL || !p->joining)
		return GS_ENOTFOUND;
	return p->join_rc;
}

int
gs_gossip_peer_remove(struct gs_gossip *g, const uint8_t pk[32])
{
	struct peer *p;
	int ret;

	ret = gs_store_peer_remove(g->d->store, pk);
	if (ret != 0)
		goto out;
	p = find_peer(g, pk);
	if (p != NULL)
		peer_drop(g, p);
out:
	return ret;
}

int
gs_gossip_peer_foreach(struct gs_gossip *g, gs_peer_cb cb, void *arg)
{
	struct gs_peer_info info;
	uint8_t buf[32];
	const uint8_t *digest = own_digest(g, buf) == 0 ? buf : NULL;
	int rc;

	for (size_t i = 0; i < g->npeers; i++) {
		const struct peer *p = g->peers[i];

		memset(&info, 0, sizeof(info));
		info.pk = p->pk;
		info.label = p->label;
		info.endpoint = p->endpoint;
		info.introducer = p->introducer;
		info.configured = p->configured;
		info.connected = peer_connected(p);
		info.last_seen = p->last_seen;
		info.last_sync = p->last_sync;
		info.they_lack = p->they_lack;
		info.we_lack = p->we_lack;
		info.applied = p->applied;
		info.dup = p->dup;
		info.refused = p->refused;
		info.by_reason = p->by_reason;
		info.added = p->added;
		info.in_sync = peer_in_sync(g, p, digest);
		info.has_clock = p->has_clock;
		info.clock_offset_ms = p->clock_offset_ms;
		rc = cb(&info, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

size_t
gs_gossip_sync(struct gs_gossip *g, const uint8_t *pk)
{
	size_t started = 0;

	for (size_t i = 0; i < g->npeers; i++) {
		struct peer *p = g->peers[i];
		if (pk != NULL && memcmp(p->pk, pk, 32) != 0)
			continue;
		if (!peer_connected(p) ||
		    gs_trust_author_ok(g->trust, p->pk) != 0)
			continue;
		start_round(g, p);
		started++;
	}
	return started;
}

int
gs_gossip_held(struct gs_gossip *g, const uint8_t site[32],
    const uint8_t author[32], struct gs_held_info *out)
{
	const struct peer *p = find_peer(g, site);
	uint8_t key[64];
	size_t i;
	int found;

	memset(out, 0, sizeof(*out));
	if (p != NULL && p->have_said) {
		out->seq = gs_seqmap_get(&p->said, author);
		out->hops = 1;
		out->when = p->last_seen;
		out->via = p->pk;
		return 0;
	}
	memcpy(key, site, 32);
	memcpy(key + 32, author, 32);
	i = held_find(g, key, &found);
	if (!found)
		return GS_ENOTFOUND;
	out->seq = g->held[i].seq;
	out->hops = g->held[i].hops;
	out->when = g->held[i].when;
	out->via = g->held[i].via;
	return 0;
}
