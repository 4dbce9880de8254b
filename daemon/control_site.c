/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_site.c: the control commands about this site (ping, id, status)
 * and about other sites (site list, pending, trust, block). Trust is
 * reached through gs_gossip_trust() only, and every decision is handed
 * back to gossip with gs_gossip_trust_changed() so that it acts on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "control_int.h"
#include "identity.h"
#include "item.h"
#include "log.h"
#include "textfmt.h"
#include "crypto.h"
#include "err.h"
#include "gossip.h"
#include "replica.h"
#include "schema.h"
#include "seqmap.h"
#include "siteid.h"
#include "store.h"
#include "transport.h"
#include "trust.h"
#include "seats.h"
#include "view.h"
#include "words.h"

void
ctl_ping(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	(void)q;
	r->json = json_pack("{s:s,s:i}", "site_id",
	    gs_identity_siteid(gs_replica_identity(d->replica)), "version",
	    GS_CONTROL_VERSION);
}

void
ctl_id(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	char sid[GS_SITEID_SHORT], hex[65], words[GS_WORDS_SIZE];
	uint8_t curve[32];
	const uint8_t *pk = gs_replica_pk(d->replica);

	(void)q;
	gs_siteid_short(pk, sid);
	if (gs_pk_to_curve(pk, curve) != 0)
		memset(curve, 0, sizeof(curve));
	gs_hex(curve, 32, hex);
	gs_words_of(pk, words);
	r->json = json_pack("{s:s,s:s,s:s,s:s}", "site_id",
	    gs_identity_siteid(gs_replica_identity(d->replica)), "short", sid,
	    "transport_key", hex, "words", words);
}

struct seat_warn {
	struct gs_daemon *d;
	json_t *overbooked, *cancelled, *waiting, *mine;
};

/* {"id", "title"} and "date" when the group is one date of a series. */
static json_t *
seat_entry(const struct gs_seat_group *g, const struct gs_state *st)
{
	const char *title = gs_fields_get(&st->fields, "title");
	char hex[33];

	gs_hex(g->event, 16, hex);
	if (g->date[0] != '\0')
		return json_pack("{s:s,s:s,s:s}", "id", hex, "title",
		    title ? title : "", "date", g->date);
	return json_pack("{s:s,s:s}", "id", hex, "title", title ? title : "");
}

static void
add_int(json_t *o, const char *key, long v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

static int
on_seat_warn(const struct gs_seat_group *g, void *arg)
{
	struct seat_warn *w = arg;
	struct gs_item *it = gs_replica_item(w->d->replica, g->event);
	const uint8_t *me = gs_replica_pk(w->d->replica);
	const struct gs_state *st;
	struct gs_seat_mine m;
	json_t *e;
	bool host;

	if (it == NULL || it->type != GS_TYPE_EVENT || it->corrupt ||
	    (st = gs_item_state(it)) == NULL)
		return 0;
	host = memcmp(st->owner, me, 32) == 0 && !st->deleted;
	gs_seats_mine(g, me, &m);
	if (g->overbooked > 0 && host) {
		e = seat_entry(g, st);
		add_int(e, "by", g->overbooked);
		json_array_append_new(w->overbooked, e);
	}
	if (g->nwaiting > 0 && host && !gs_seats_cancelled(st, g->date)) {
		e = seat_entry(g, st);
		add_int(e, "waiting", g->waiting);
		add_int(e, "requests", g->nwaiting);
		add_int(e, "confirmed", g->confirmed);
		add_int(e, "capacity", g->capacity);
		json_array_append_new(w->waiting, e);
	}
	if (m.confirmed + m.available + m.waiting > 0 && (st->deleted ||
	    gs_seats_cancelled(st, g->date))) {
		e = seat_entry(g, st);
		add_int(e, "seats", m.confirmed + m.available + m.waiting);
		json_array_append_new(w->cancelled, e);
	} else if (m.waiting > 0 || m.available > 0) {
		e = seat_entry(g, st);
		json_object_set_new(e, "state", json_string(m.available > 0 ?
		    "available" : "waiting"));
		add_int(e, "seats", m.available > 0 ? m.available : m.waiting);
		if (m.position > 0)
			add_int(e, "position", m.position);
		json_array_append_new(w->mine, e);
	}
	return 0;
}

/*
 * Per event and per date of a series: overbooked events we host, the
 * waiting lists of events we host (counts only), our own requests that
 * wait or are offered a seat, and cancelled events we hold seats on.
 */
static void
seat_warnings(struct gs_daemon *d, json_t *o)
{
	struct gs_seats *s = gs_seats_build(d->replica);
	struct seat_warn w = { d, json_array(), json_array(), json_array(),
	    json_array() };

	/* only events someone holds seats on can be overbooked */
	if (s != NULL)
		gs_seats_groups(s, on_seat_warn, &w);
	gs_seats_free(&s);
	json_object_set_new(o, "overbooked", w.overbooked);
	json_object_set_new(o, "cancelled_with_seats", w.cancelled);
	json_object_set_new(o, "waiting_lists", w.waiting);
	json_object_set_new(o, "my_requests", w.mine);
}

/* Adds the peers, pending sites and traffic counters of gossip. */
static void
gossip_status(struct gs_gossip *g, json_t *o)
{
	struct gs_gossip_stats s;

	gs_gossip_stats(g, &s);
	json_object_set_new(o, "peers", json_integer((json_int_t)s.peers));
	json_object_set_new(o, "peers_connected",
	    json_integer((json_int_t)s.connected));
	json_object_set_new(o, "pending_sites",
	    json_integer((json_int_t)s.pending));
	json_object_set_new(o, "refused", json_integer((json_int_t)s.refused));
	json_object_set_new(o, "strangers_unread",
	    json_integer((json_int_t)s.unread));
	json_object_set_new(o, "rounds", json_integer((json_int_t)s.rounds));
	json_object_set_new(o, "in_sync", json_integer((json_int_t)s.in_sync));
	json_object_set_new(o, "last_exchange", ctl_time_or_null(s.last_sync));
	json_object_set_new(o, "introductions", json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "sent", (json_int_t)s.intro.sent,
	    "sent_sites", (json_int_t)s.intro.sent_sites,
	    "full_sent", (json_int_t)s.intro.full_sent,
	    "received", (json_int_t)s.intro.received,
	    "received_sites", (json_int_t)s.intro.received_sites,
	    "trusted", (json_int_t)s.intro.trusted,
	    "batches", (json_int_t)s.intro.batches,
	    "batch_sites", (json_int_t)s.intro.batch_sites));
}

/* Counts the conflicted items an admin can see (not a blocked site's). */
struct shown_count {
	struct gs_replica *replica;
	size_t n;
};

static int
on_conflicted(struct gs_item *it, void *arg)
{
	struct shown_count *c = arg;
	const struct gs_state *st = gs_item_state(it);

	if (st == NULL || gs_replica_visible(c->replica, st->owner))
		c->n++;
	return 0;
}

/* One entry per site with a proof of equivocation (its lowest sequence). */
struct equiv_sites {
	struct gs_daemon *d;
	json_t *arr;
	struct gs_seqmap *counts;     /* NULL, or author -> proofs */
	uint8_t last[32];
	bool any;
};

static int
on_equiv_site(const struct gs_equivoc_row *e, void *arg)
{
	struct equiv_sites *x = arg;

	if (x->counts != NULL) {
		gs_seqmap_raise(x->counts, e->author,
		    gs_seqmap_get(x->counts, e->author) + 1);
		return 0;
	}
	if (x->any && memcmp(x->last, e->author, 32) == 0)
		return 0;   /* rows come by author, then sequence */
	x->any = true;
	memcpy(x->last, e->author, 32);
	json_array_append_new(x->arr, json_pack("{s:o,s:s,s:I,s:o}",
	    "site_id", ctl_site_id_json(e->author),
	    "name", gs_view_site_name(x->d->replica, e->author),
	    "seq", (json_int_t)e->seq,
	    "seen", ctl_time_or_null(e->seen)));
	return 0;
}

/* The sites proved to have signed two changes with one sequence. */
static json_t *
equivocating_sites(struct gs_daemon *d)
{
	struct equiv_sites x = { d, json_array(), NULL, { 0 }, false };

	if (x.arr != NULL)
		gs_store_equivocations_foreach(d->store, on_equiv_site, &x);
	return x.arr;
}

/* {"by", "last_seq"} when a revocation of pk is in effect here, or null. */
static json_t *
revoked_json(struct gs_daemon *d, const uint8_t pk[32])
{
	uint8_t by[32];
	uint64_t last;

	if (!gs_replica_revoked(d->replica, pk, &last, by))
		return json_null();
	return json_pack("{s:o,s:I}", "by", ctl_site_id_json(by), "last_seq",
	    (json_int_t)last);
}

struct revoked_sites {
	struct gs_daemon *d;
	json_t *arr;
};

static void
add_revoked(struct revoked_sites *x, const uint8_t pk[32])
{
	json_t *rv = revoked_json(x->d, pk);

	if (!json_is_object(rv)) {
		json_decref(rv);
		return;
	}
	json_object_set_new(rv, "site_id", ctl_site_id_json(pk));
	json_object_set_new(rv, "name", json_string(gs_view_site_name(
	    x->d->replica, pk)));
	json_array_append_new(x->arr, rv);
}

static int
on_revoked_site(const struct gs_trust_site *s, void *arg)
{
	add_revoked(arg, s->pk);
	return 0;
}

/* The sites (this one first) whose revocation acts here. */
static json_t *
revoked_sites(struct gs_daemon *d)
{
	struct revoked_sites x = { d, json_array() };

	if (x.arr == NULL)
		return NULL;
	add_revoked(&x, gs_replica_pk(d->replica));
	if (d->trust != NULL)
		gs_trust_foreach(d->trust, on_revoked_site, &x);
	return x.arr;
}

void
ctl_status(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_replica *rp = d->replica;
	struct shown_count shown = { d->replica, 0 };
	size_t conflicts;
	int64_t equiv = 0;
	uint64_t sent = 0, received = 0;
	json_t *o, *counts;

	(void)q;
	gs_replica_foreach(rp, GS_ITEMS_CONFLICTED, on_conflicted, &shown);
	conflicts = shown.n;
	gs_store_equivocation_count(d->store, &equiv);
	gs_transport_counters(d->transport, &sent, &received);
	counts = json_pack("{s:I,s:I,s:I,s:I,s:I}",
	    "event", (json_int_t)gs_replica_count(rp, GS_TYPE_EVENT),
	    "resource", (json_int_t)gs_replica_count(rp, GS_TYPE_RESOURCE),
	    "site", (json_int_t)gs_replica_count(rp, GS_TYPE_SITE),
	    "reservation",
	    (json_int_t)gs_replica_count(rp, GS_TYPE_RESERVATION),
	    "confirmation",
	    (json_int_t)gs_replica_count(rp, GS_TYPE_CONFIRMATION));
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "site_id", gs_identity_siteid(gs_replica_identity(d->replica)),
	    "name", gs_view_site_name(d->replica, gs_replica_pk(d->replica)),
	    "version", PROJECT_VERSION,
	    "data_dir", d->cfg->data_dir,
	    "listen", d->cfg->listen,
	    "uptime_s", (json_int_t)(time(NULL) - d->started),
	    "items", counts,
	    "changes", (json_int_t)gs_replica_change_count(d->replica),
	    "conflicts", (json_int_t)conflicts,
	    "equivocations", (json_int_t)equiv,
	    "corrupt", (json_int_t)gs_replica_corrupt_count(d->replica),
	    "bytes_sent", (json_int_t)sent,
	    "bytes_received", (json_int_t)received);
	if (o != NULL && d->gossip != NULL)
		gossip_status(d->gossip, o);
	if (o != NULL) {
		json_object_set_new(o, "seq", json_integer((json_int_t)
		    gs_replica_seq(d->replica, gs_replica_pk(d->replica))));
		json_object_set_new(o, "equivocating_sites",
		    equivocating_sites(d));
		json_object_set_new(o, "revoked_sites", revoked_sites(d));
		json_object_set_new(o, "catching_up",
		    json_boolean(gs_replica_catching_up(d->replica)));
		seat_warnings(d, o);
		ctl_status_problems(d, o);
	}
	r->json = o;
}

static const char *
trust_name(int t)
{
	return t == GS_TRUST_TRUSTED ? "trusted" : t == GS_TRUST_BLOCKED ?
	    "blocked" : "pending";
}

/* The key that replaced pk through a key link (its newest), or null. */
static json_t *
replaced_json(struct gs_daemon *d, const uint8_t pk[32])
{
	const uint8_t *now = gs_replica_current_key(d->replica, pk);

	return memcmp(now, pk, 32) != 0 ? ctl_site_id_json(now) : json_null();
}

struct is_peer {
	const uint8_t *pk;
	bool found;
};

static int
on_is_peer(const struct gs_peer_info *p, void *arg)
{
	struct is_peer *ip = arg;

	if (p->configured && memcmp(p->pk, ip->pk, 32) == 0)
		ip->found = true;
	return 0;
}

/*
 * The exact command that lets a pending site in: site trust when it is
 * a peer already or was seen through one (its changes come through our
 * peers), peer add with the endpoint it announced when it knocked on
 * our door and is no peer.
 */
static json_t *
pending_command(struct gs_daemon *d, const uint8_t pk[32],
    const char *knocked_from)
{
	struct is_peer ip = { pk, false };
	char sid[GS_SITEID_SIZE], cmd[400];

	gs_siteid_encode(pk, sid);
	gs_gossip_peer_foreach(d->gossip, on_is_peer, &ip);
	if (ip.found || knocked_from == NULL)
		snprintf(cmd, sizeof(cmd), "gemsync site trust %s", sid);
	else
		snprintf(cmd, sizeof(cmd), "gemsync peer add %s %s", sid,
		    gs_schema_endpoint_ok(knocked_from) ? knocked_from :
		    "tcp://HÔTE:PORT");   /* only an address goes in a command */
	return json_string(cmd);
}

static json_t *
site_entry(struct gs_daemon *d, const uint8_t pk[32], const char *trust,
    const uint8_t *introducer, const struct gs_seqmap *owned,
    const struct gs_seqmap *equiv)
{
	char words[GS_WORDS_SIZE];
	json_t *e;

	gs_words_of(pk, words);
	e = json_pack("{s:o,s:s,s:s,s:s,s:s,s:o,s:I}",
	    "site_id", ctl_site_id_json(pk), "words", words,
	    "name", gs_view_site_name(d->replica, pk),
	    "town", gs_replica_site_field(d->replica, pk, "town"),
	    "trust", trust,
	    "introduced_by", introducer ? ctl_site_id_json(introducer) :
	    json_null(),
	    "items", (json_int_t)gs_seqmap_get(owned, pk));
	if (e != NULL) {
		json_object_set_new(e, "revoked", revoked_json(d, pk));
		json_object_set_new(e, "equivocations", json_integer(
		    (json_int_t)gs_seqmap_get(equiv, pk)));
		json_object_set_new(e, "replaced_by", replaced_json(d, pk));
	}
	return e;
}

struct site_list_ctx {
	struct gs_daemon *d;
	json_t *arr;
	int only_pending;
	struct gs_seqmap owned;      /* owner -> live events and resources */
	struct gs_seqmap equiv;      /* author -> proofs of equivocation */
};

static int
on_site_list(const struct gs_trust_site *s, void *arg)
{
	struct site_list_ctx *l = arg;
	json_t *e;

	if (l->only_pending && s->trust != GS_TRUST_PENDING)
		return 0;
	e = site_entry(l->d, s->pk, trust_name(s->trust),
	    s->introduced ? s->introducer : NULL, &l->owned, &l->equiv);
	if (l->only_pending) {
		json_object_set_new(e, "transport_key", json_null());
		json_object_set_new(e, "source", json_string("gossip"));
		json_object_set_new(e, "first_attempt",
		    ctl_time_or_null(s->first_seen));
		json_object_set_new(e, "command", pending_command(l->d, s->pk,
		    NULL));
	}
	json_array_append_new(l->arr, e);
	return 0;
}

void
ctl_site_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct site_list_ctx l = { d, json_array(), 0, { NULL, 0, 0 },
	    { NULL, 0, 0 } };
	struct equiv_sites x = { d, NULL, &l.equiv, { 0 }, false };

	(void)q;
	gs_replica_owned_counts(d->replica, &l.owned);
	gs_store_equivocations_foreach(d->store, on_equiv_site, &x);
	json_array_append_new(l.arr, site_entry(d, gs_replica_pk(d->replica),
	    "self", NULL, &l.owned, &l.equiv));
	gs_trust_foreach(d->trust, on_site_list, &l);
	gs_seqmap_free(&l.owned);
	gs_seqmap_free(&l.equiv);
	r->json = json_pack("{s:o}", "sites", l.arr);
}

static int
on_pending_row(const struct gs_pending_row *row, void *arg)
{
	struct site_list_ctx *l = arg;
	char hex[65], words[GS_WORDS_SIZE];
	json_t *e;

	gs_hex(row->curve, 32, hex);
	e = json_pack("{s:n,s:s,s:s,s:s,s:o,s:o,s:I,s:s,s:s,s:n,s:n}",
	    "site_id", "transport_key", hex, "source", "connection",
	    "address", row->address,
	    "first_attempt", ctl_time_or_null(row->first_attempt),
	    "last_attempt", ctl_time_or_null(row->last_attempt),
	    "attempts", (json_int_t)row->attempts,
	    "name", row->name, "town", row->town, "words", "command");
	if (e != NULL && row->has_site) {
		gs_words_of(row->site, words);
		json_object_set_new(e, "site_id", ctl_site_id_json(row->site));
		json_object_set_new(e, "words", json_string(words));
		json_object_set_new(e, "command", pending_command(l->d,
		    row->site, row->endpoint));
	}
	json_array_append_new(l->arr, e);
	return 0;
}

void
ctl_site_pending(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct site_list_ctx l = { d, json_array(), 1, { NULL, 0, 0 },
	    { NULL, 0, 0 } };

	(void)q;
	gs_store_pending_foreach(d->store,
	    on_pending_row, &l);
	gs_trust_foreach(d->trust, on_site_list, &l);
	r->json = json_pack("{s:o}", "pending", l.arr);
}

/* Records a trust decision about the "site" parameter, then lets gossip act. */
static void
site_set(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, int trust)
{
	uint8_t pk[32], curve[32];
	int rc;

	if (ctl_other_site_param(d, q, r, pk) != 0)
		return;
	rc = gs_trust_set(d->trust, pk, trust, NULL);
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return;
	}
	if (gs_pk_to_curve(pk, curve) == 0)
		gs_store_pending_remove(d->store, curve);
	gs_gossip_trust_changed(d->gossip, pk);
	r->json = json_pack("{s:o,s:s}", "site_id", ctl_site_id_json(pk),
	    "trust", trust_name(trust));
}

void
ctl_site_trust(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	site_set(d, q, r, GS_TRUST_TRUSTED);
}

void
ctl_site_block(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	site_set(d, q, r, GS_TRUST_BLOCKED);
}

/*
 * Writes this site's revocation of pk, keeping pk's changes up to last,
 * then lets gossip push it like any change.
 */
static void
write_revocation(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, const uint8_t pk[32], uint64_t last)
{
	const char *reason = ctl_param(q, "reason");
	struct gs_fields f;
	struct gs_verr v;
	char sid[GS_SITEID_SIZE], seq[24], hex[33];
	uint8_t id[16];
	int rc;

	gs_siteid_encode(pk, sid);
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)last);
	memset(&v, 0, sizeof(v));
	gs_fields_init(&f);
	rc = gs_fields_set(&f, "site", sid);
	if (rc == 0)
		rc = gs_fields_set(&f, "last_seq", seq);
	if (rc == 0 && reason != NULL && reason[0] != '\0')
		rc = gs_fields_set(&f, "reason", reason);
	if (rc == 0)
		rc = gs_replica_write(d->replica, NULL, GS_TYPE_REVOCATION, &f,
		    false, NULL, 0, &v, id);
	gs_fields_clear(&f);
	if (rc == GS_EEXISTS) {
		ctl_fail(r, GS__STATUS__REFUSED, "site", "ce site-ci a déjà "
		    "révoqué cette clé : rien à refaire (gemsync site list "
		    "montre la révocation)");
		return;
	}
	if (rc != 0) {
		ctl_fail_err(r, rc, &v);
		return;
	}
	gs_hex(id, 16, hex);
	r->json = json_pack("{s:o,s:I,s:s}", "site_id", ctl_site_id_json(pk),
	    "last_seq", (json_int_t)last, "item", hex);
}

void
ctl_site_revoke(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	uint8_t pk[32];

	if (ctl_other_site_param(d, q, r, pk) != 0)
		return;
	write_revocation(d, q, r, pk, gs_replica_seq(d->replica, pk));
}

void
ctl_key_revoke(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const uint8_t *me = gs_replica_pk(d->replica);

	/* the revocation is this key's last change: nothing after counts */
	write_revocation(d, q, r, me, gs_replica_seq(d->replica, me) + 1);
}

/* ---- key rotation (docs/internals/trust.md) ---- */

/* Longest wait for the peers to hold the key link before restarting. */
#define ROTATE_WAIT_S 20.0
/* Rounds with every peer are started this often while waiting. */
#define ROTATE_SYNC_S 3.0

/*
 * Once every configured peer said it holds the key link (or after
 * ROTATE_WAIT_S: a peer offline learns it from the others), the loop
 * stops and main() starts gemsyncd again, which finishes the rotation
 * (gs_identity_load_current) and serves with the new key: its CURVE
 * transport key is derived from it, and the peers pin the new one when
 * they apply the link.
 */
static void
on_rotate_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gs_daemon *d = w->data;
	double now = ev_now(loop);
	bool held;

	(void)revents;
	held = d->gossip == NULL || gs_gossip_peers_hold(d->gossip,
	    d->rotate_old, d->rotate_seq, d->rotate_since);
	if (!held && now - d->rotate_since < ROTATE_WAIT_S) {
		if (d->gossip != NULL && now - d->rotate_synced >=
		    ROTATE_SYNC_S) {
			d->rotate_synced = now;
			gs_gossip_sync(d->gossip, NULL);
		}
		return;
	}
	log_info("control: key link %s by the peers: restarting with the new "
	    "site key", held ? "held" : "not yet confirmed");
	ev_timer_stop(loop, w);
	d->reexec = 1;
	ev_break(loop, EVBREAK_ALL);
}

/* The key link from this site's key to next, signed by both. */
static int
write_keylink(struct gs_daemon *d, const struct gs_identity *next,
    uint64_t seq, struct gs_verr *v)
{
	const uint8_t *me = gs_replica_pk(d->replica);
	uint8_t msg[GS_KEYLINK_MSG_LEN], sig[64];
	char hex[129], num[24];
	struct gs_fields f;
	int rc;

	gs_item_keylink_msg(me, gs_identity_pk(next), msg);
	rc = gs_sign(gs_identity_sk(next), msg, sizeof(msg), sig);
	if (rc != 0)
		return rc;
	gs_hex(sig, 64, hex);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)seq);
	gs_fields_init(&f);
	rc = gs_fields_set(&f, "site", gs_identity_siteid(next));
	if (rc == 0)
		rc = gs_fields_set(&f, "sig", hex);
	if (rc == 0)
		rc = gs_fields_set(&f, "last_seq", num);
	if (rc == 0)
		rc = gs_replica_write(d->replica, NULL, GS_TYPE_KEYLINK, &f,
		    false, NULL, 0, v, NULL);
	gs_fields_clear(&f);
	return rc;
}

void
ctl_key_rotate(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const uint8_t *me = gs_replica_pk(d->replica);
	struct gs_identity *next = NULL;
	struct gs_verr v;
	char *pass = NULL;
	uint64_t seq = gs_replica_seq(d->replica, me) + 1;
	int rc, perr = 0;

	(void)q;
	memset(&v, 0, sizeof(v));
	if (gs_replica_revoked(d->replica, me, NULL, NULL)) {
		ctl_fail_err(r, GS_EREVOKED, NULL);
		return;
	}
	if (gs_replica_replaced(d->replica, me, NULL, NULL) || d->reexec) {
		ctl_fail_err(r, GS_EROTATED, NULL);
		return;
	}
	pass = gs_config_passphrase(d->cfg, &perr);
	rc = perr != 0 ? perr : gs_identity_create_next(d->cfg->data_dir, pass,
	    &next);
	if (pass != NULL) {
		gs_wipe(pass, strlen(pass));
		free(pass);
	}
	if (rc != 0) {
		ctl_fail(r, GS__STATUS__REFUSED, NULL, "la nouvelle clé n'a pas "
		    "pu être écrite dans %s (%s) : rien n'a changé, vérifiez "
		    "le dossier de données et la phrase secrète, puis "
		    "réessayez", d->cfg->data_dir, gs_strerror(rc));
		return;
	}
	rc = write_keylink(d, next, seq, &v);
	if (rc != 0) {
		/* site.key.next is removed at the next start (not linked) */
		ctl_fail_err(r, rc, &v);
		gs_identity_destroy(&next);
		return;
	}
	r->json = json_pack("{s:o,s:s,s:I,s:b}", "old_site_id",
	    ctl_site_id_json(me), "site_id", gs_identity_siteid(next),
	    "last_seq", (json_int_t)seq, "restart", 1);
	gs_identity_destroy(&next);
	memcpy(d->rotate_old, me, 32);
	d->rotate_seq = seq;
	d->rotate_since = ev_now(d->loop);
	d->rotate_synced = d->rotate_since;
	if (d->gossip != NULL)
		gs_gossip_sync(d->gossip, NULL);
	ev_timer_init(&d->rotate_wait, on_rotate_wait, 0.2, 0.2);
	d->rotate_wait.data = d;
	ev_timer_start(d->loop, &d->rotate_wait);
}
