/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gossip_int.h: what gossip.c (the peer protocol) shares with peers.c (the
 * control commands about peers, sites and sync). Private to those two
 * files; everyone else uses gossip.h.
 */
#ifndef GS_GOSSIP_INT_H
#define GS_GOSSIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "gossip.h"
#include "replica.h"
#include "seqmap.h"
#include "verifier.h"

#define ROUTE_MAX 256
#define ZAP_MEMORY 64           /* refused keys remembered, to spare the disk */

/* One peer: a site we dial, or a trusted site that dialled us. */
struct peer {
	struct gs_gossip *g;              /* lent */
	uint8_t pk[32];
	uint8_t curve[32];
	char *endpoint;                   /* owned; NULL: inbound only */
	char *label;                      /* owned; admin's name for it */
	bool introducer;
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
	uint8_t (*unwanted)[32];          /* authors it refuses; ascending */
	size_t nunwanted;
	/* sending to the peer */
	unsigned granted;                 /* credit the peer gave in its summary */
	ev_tstamp summary_at;             /* when that summary came */
	unsigned credit;
	int64_t cursor;
	bool sending;
	unsigned inflight;
	/* counters */
	uint64_t they_lack, we_lack;
	uint64_t applied;
	uint64_t refused;
	unsigned by_reason[GS_REASONS];
	ev_tstamp last_reround;
	unsigned verifying;               /* batches in the verifier */
};

struct gs_gossip {
	struct gs_daemon *d;              /* lent */
	struct gs_trust *trust;           /* lent by the daemon */
	struct gs_endpoint *listener;     /* owned */
	struct gs_verifier *verifier;     /* owned: checks received batches */
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
	struct {
		uint8_t curve[32];
		ev_tstamp when;
	} zap_seen[ZAP_MEMORY];           /* refused keys recently recorded */
	unsigned zap_next;
};

/* The peer with this site key (lent), or NULL. */
struct peer *gs_gossip_find_peer(struct gs_gossip *g, const uint8_t pk[32]);
/* A new peer for a valid site key (owned by g), or NULL. */
struct peer *gs_gossip_peer_new(struct gs_gossip *g, const uint8_t pk[32]);
/* (Re)opens p's DEALER to its endpoint, if it has one. */
int gs_gossip_peer_connect(struct gs_gossip *g, struct peer *p);
/* Closes and frees p (never from p's own message callback). */
void gs_gossip_peer_drop(struct gs_gossip *g, struct peer *p);
/* 1 if p can be reached now, by our DEALER or its route to us. */
bool gs_gossip_peer_connected(const struct peer *p);
/* Sends p the sites we trust. */
void gs_gossip_send_intro(struct gs_gossip *g, struct peer *p);
/* Starts an anti-entropy round with p. */
void gs_gossip_start_round(struct gs_gossip *g, struct peer *p);

#endif
