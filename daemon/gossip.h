/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gossip.h: site-to-site replication (DESIGN §3, §6). Holds the peers and
 * the trust decisions, runs the peer protocol (proto/peer.proto) over the
 * transport: hello, Scuttlebutt summaries, batches bounded in bytes and
 * count under credit-based flow control, eager push of new changes, and
 * jittered anti-entropy rounds. It also serves the control commands about
 * peers, sites and sync.
 */
#ifndef GS_GOSSIP_H
#define GS_GOSSIP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon.h"

#define GS_PEER_VERSION 1

struct gs_gossip;

/* A control command handed to gossip by control.c. */
struct gs_ctl_call {
	const char *command;
	const char **names;       /* parameter names (lent) */
	const char **values;      /* parameter values (lent) */
	size_t nparams;
	int status;               /* out: gs.Status */
	char error[400];          /* out: French message when status != OK */
	char field[33];           /* out: offending field, if any */
	json_t *json;             /* out: result (owned by the caller) */
};

/*
 * Loads peers and trust from the store, binds the listen endpoint (if
 * configured) behind the ZAP allowlist, connects to every peer and arms
 * the anti-entropy timer. Returns 0 and *out, or GS_EIO (listen failed).
 */
int gs_gossip_start(struct gs_daemon *d, struct gs_gossip **out);
/* Closes every peer socket and the listener; sets *g to NULL. */
void gs_gossip_stop(struct gs_gossip **g);

/* Adds peers, pending sites and traffic counters to a status object. */
void gs_gossip_status(struct gs_gossip *g, json_t *status);
/*
 * Serves peer.*, site.*, sync commands. Returns 0 when the command is
 * one of them (call filled), GS_ENOTFOUND otherwise.
 */
int gs_gossip_control(struct gs_gossip *g, struct gs_ctl_call *call);

#endif
