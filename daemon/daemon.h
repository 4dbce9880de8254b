/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * daemon.h: the context of one running gemsyncd, passed down to the
 * modules that serve it (control, gossip). main.c owns it and everything
 * in it: it opens the store, then the replica and the trust decisions on
 * it, and lends them down; nothing here is global.
 */
#ifndef GS_DAEMON_H
#define GS_DAEMON_H

#include <stdbool.h>
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
struct gs_backup;

struct gs_daemon {
	struct ev_loop *loop;             /* lent: the default loop */
	struct gs_config *cfg;            /* owned; replaced on SIGHUP */
	struct gs_store *store;           /* owned; lent to all below */
	struct gs_trust *trust;           /* owned; lent to replica, gossip */
	struct gs_replica *replica;       /* owned */
	struct gs_transport *transport;   /* owned */
	struct gs_control *control;       /* owned */
	struct gs_gossip *gossip;         /* owned; NULL only in tests and fuzzers */
	struct gs_recur_cache *series;    /* owned; expansions kept between
	                                   * lists, NULL: none */
	int64_t started;                  /* Unix seconds */
	ev_signal sigterm, sigint, sighup;
	ev_timer checkpoint;              /* periodic WAL checkpoint */
	ev_prepare trim;                  /* empties the item cache between turns */
	ev_timer idle;                    /* gives memory back when idle */
	/* key rotation (control_site.c): restart once peers hold the link */
	ev_timer rotate_wait;
	uint8_t rotate_old[32];           /* the key the link replaced */
	uint64_t rotate_seq;              /* the link's sequence */
	double rotate_since;              /* when the link was written */
	double rotate_synced;             /* when rounds were last started */
	int reexec;                       /* main() restarts gemsyncd after
	                                   * cleanup, with the new key */
	struct gs_backup *backup;         /* owned: the backup being made, or NULL */
	char backup_token[33];            /* its token (hex), for the CLI */
	bool profile_pending;             /* profile not yet published (catch-up) */
};

struct gs_replica_opts;
struct gs_fields;

/*
 * Reads gemsyncd's configuration and checks everything a start would:
 * gs_config_load(), then the site profile it publishes ([site] and
 * [network] advertise) against the site schema, each error naming the
 * file, the line and the setting. The one check behind both `gemsyncd
 * -n` and a start (and SIGHUP). Returns 0 and *out, or an error with err
 * set.
 */
int gs_daemon_load_config(const char *path, struct gs_config **out,
    char *err, size_t errlen);
/*
 * The profile a configuration publishes, as site fields; a site with no
 * [site] name is named after its short ID (pk). 0 or GS_ENOMEM.
 */
int gs_daemon_profile(const struct gs_config *cfg, const uint8_t *pk,
    struct gs_fields *f);

/*
 * Opens the site of o->data_dir into d: the store, the replica on it,
 * and the trust decisions read from the store and lent to the replica,
 * in that order. Returns 0, or an error with err set in French (see
 * gs_replica_open_store and gs_replica_open); what was opened stays in d
 * for gs_daemon_close_site().
 */
int gs_daemon_open_site(struct gs_daemon *d, const struct gs_replica_opts *o,
    char *err, size_t errlen);
/*
 * Closes what gs_daemon_open_site() opened, in reverse, after the backup
 * under way if any (it reads the store). Idempotent.
 */
void gs_daemon_close_site(struct gs_daemon *d);

#endif
