/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gossip.h: site-to-site replication (DESIGN §3, §6). Holds the peers and
 * lends the trust decisions, runs the peer protocol (proto/peer.proto)
 * over the transport: hello, Scuttlebutt summaries, batches bounded in
 * bytes and count under credit-based flow control, eager push of new
 * changes, and jittered anti-entropy rounds. The control commands about
 * peers, sites and sync live in control_peer.c and control_site.c; they
 * reach gossip only through the typed verbs below.
 */
#ifndef GS_GOSSIP_H
#define GS_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "replica.h"
#include "version.h"

struct gs_gossip;
struct gs_trust;

/* One peer as the control commands see it: a snapshot, all lent. */
struct gs_peer_info {
	const uint8_t *pk;                /* site key, 32 bytes */
	const char *label;                /* admin's name; may be NULL or "" */
	const char *endpoint;             /* NULL: inbound only */
	bool introducer;
	bool configured;                  /* in the peers table (peer add) */
	bool connected;                   /* reachable now */
	int64_t last_seen, last_sync;     /* Unix seconds; 0: never */
	uint64_t they_lack, we_lack;
	uint64_t applied, refused;
	uint64_t dup;                     /* received again, already held */
	const unsigned *by_reason;        /* GS_REASONS counts, by -GS_E* */
	int64_t added;                    /* Unix seconds of peer add; 0 */
	bool in_sync;                     /* see gs_gossip_stats.in_sync */
	bool has_clock;                   /* it sent its clock in a Hello */
	int64_t clock_offset_ms;          /* its clock minus ours, then */
};

/*
 * What a site holds of an author's changes, as gs_gossip_held() knows
 * it: from the site's own summary (a peer, hops 1), or reported by peers.
 */
struct gs_held_info {
	uint64_t seq;                     /* highest contiguous sequence */
	uint32_t hops;                    /* 1: a peer; 2: a peer's peer... */
	int64_t when;                     /* Unix seconds of the report */
	const uint8_t *via;               /* the peer that told us; lent */
};

/* Introductions (site keys passed along introducers) since start. */
struct gs_intro_stats {
	uint64_t sent;                    /* messages sent */
	uint64_t sent_sites;              /* site keys in them */
	uint64_t full_sent;               /* of the messages: every trusted site */
	uint64_t received;                /* messages received from introducers */
	uint64_t received_sites;          /* site keys in them */
	uint64_t trusted;                 /* sites trusted because of them */
	uint64_t batches;                 /* times new sites were passed on */
	uint64_t batch_sites;             /* site keys in those messages */
};

/* Counters for the status command. */
struct gs_gossip_stats {
	size_t peers;                     /* configured peers */
	size_t connected;                 /* peers reachable now */
	size_t pending;                   /* sites waiting for a decision */
	uint64_t refused;                 /* changes refused, all peers */
	uint64_t unread;                  /* untrusted keys' messages dropped
	                                     undecoded (too many a minute) */
	uint64_t rounds;                  /* anti-entropy rounds started */
	/*
	 * Configured peers "in sync": connected, and its last summary (with
	 * what we sent it since) shows that neither side lacks a change of
	 * an author both accept.
	 */
	size_t in_sync;
	int64_t last_sync;                /* latest exchange, Unix s; 0 */
	struct gs_intro_stats intro;
};

typedef int (*gs_peer_cb)(const struct gs_peer_info *p, void *arg);

/*
 * Loads peers from d->store (the trust decisions are d->trust, lent),
 * binds the listen endpoint (if configured) behind the ZAP allowlist,
 * connects to every peer and arms the anti-entropy timer. Returns 0 and *out, or GS_EIO (listen failed).
 */
int gs_gossip_start(struct gs_daemon *d, struct gs_gossip **out);
/* Closes every peer socket and the listener; sets *g to NULL. */
void gs_gossip_stop(struct gs_gossip **g);

/*
 * Acts on a new trust decision about pk, already recorded in the trust
 * table: a blocked peer is disconnected (its row stays), a trusted one is
 * dialled; connected peers get our new introductions and, when pk became
 * trusted, a round each.
 */
void gs_gossip_trust_changed(struct gs_gossip *g, const uint8_t pk[32]);

/*
 * Records pk as a peer at endpoint (tcp://HOST:PORT, checked by the
 * caller) with the admin's label (copied) and dials it; pk must already be
 * trusted. Replaces the endpoint and label of a known peer. Returns 0, a
 * store error (nothing in memory changed) or GS_ENOMEM.
 */
int gs_gossip_peer_add(struct gs_gossip *g, const uint8_t pk[32],
    const char *endpoint, const char *label, bool introducer);
/*
 * Starts a join (gemsync join): trusts pk, makes it a peer at endpoint
 * (tcp://HOST:PORT, from the invitation) with the admin's label, and every
 * hello to it carries the invitation proof (id, mac) until the daemon
 * stops. On failure (a store error, GS_ENOMEM) the site's trust is as it
 * was and no peer was added.
 */
int gs_gossip_join(struct gs_gossip *g, const uint8_t pk[32],
    const char *endpoint, const char *label, const uint8_t id[8],
    const uint8_t mac[32]);
/*
 * Takes back a join the inviter refused: the peer it added goes (one
 * there before stays), the site's trust is what it was before the join.
 * GS_ENOTFOUND when no join with pk is in progress; or a store error.
 */
int gs_gossip_join_undo(struct gs_gossip *g, const uint8_t pk[32]);
/*
 * How the join with pk went: 0 no answer yet, 1 accepted (the inviter
 * talks to us), or the GS_EINV* error it refused with. GS_ENOTFOUND when
 * no join with pk is in progress.
 */
int gs_gossip_join_state(struct gs_gossip *g, const uint8_t pk[32]);
/*
 * Forgets the peer pk: its row, its connection and its counters. Returns
 * 0, GS_ENOTFOUND if pk is not in the peers table, or a store error.
 */
int gs_gossip_peer_remove(struct gs_gossip *g, const uint8_t pk[32]);
/*
 * Calls cb for every peer, configured or only inbound, in no set order,
 * until cb returns non-zero, which is returned. The info is valid during
 * the call only.
 */
int gs_gossip_peer_foreach(struct gs_gossip *g, gs_peer_cb cb, void *arg);
/*
 * Starts an anti-entropy round with every connected, trusted peer, or
 * with pk only when pk is not NULL. Returns how many rounds started.
 */
size_t gs_gossip_sync(struct gs_gossip *g, const uint8_t *pk);
/*
 * Whether every configured peer (blocked ones aside) sent a summary after
 * since (ev_now time) saying it holds author pk up to seq: a key link
 * reached them (key rotation waits for it). True without peers.
 */
bool gs_gossip_peers_hold(struct gs_gossip *g, const uint8_t pk[32],
    uint64_t seq, double since);
/* Fills *s with the counters of the status command. */
void gs_gossip_stats(struct gs_gossip *g, struct gs_gossip_stats *s);

/*
 * What site holds of author's changes, as far as this site knows: from
 * site's last summary when it is a peer, else from the reports peers
 * relay (sync-protocol.md, "What others hold"). Returns 0 and *out (lent
 * pointers valid until the next turn of the loop), or GS_ENOTFOUND when
 * nobody said.
 */
int gs_gossip_held(struct gs_gossip *g, const uint8_t site[32],
    const uint8_t author[32], struct gs_held_info *out);

#endif
