/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * daemon.h: the context of one running gemsyncd, passed down to the
 * modules that serve it (control, gossip). main.c owns it and everything
 * in it: it opens the store, then the replica and the trust decisions on
 * it, and lends them down; nothing here is global.
 */
#ifndef GS_DAEMON_H
#define GS_DAEMON_H

#include <stdint.h>

#include <ev.h>

struct gs_config;
struct gs_store;
struct gs_trust;
struct gs_replica;
struct gs_transport;
struct gs_endpoint;
struct gs_control;
struct gs_gossip;

struct gs_daemon {
	struct ev_loop *loop;             /* lent: the default loop */
	struct gs_config *cfg;            /* owned; replaced on SIGHUP */
	struct gs_store *store;           /* owned; lent to all below */
	struct gs_trust *trust;           /* owned; lent to replica, gossip */
	struct gs_replica *replica;       /* owned */
	struct gs_transport *transport;   /* owned */
	struct gs_control *control;       /* owned */
	struct gs_gossip *gossip;         /* owned; NULL when not listening */
	int64_t started;                  /* Unix seconds */
	ev_signal sigterm, sigint, sighup;
	ev_timer checkpoint;              /* periodic WAL checkpoint */
	ev_prepare trim;                  /* empties the item cache between turns */
	ev_timer idle;                    /* gives memory back when idle */
};

#endif
