/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store.h: the SQLite database of a site (DESIGN §7). Only store.c
 * includes sqlite3.h; every statement is prepared once and held in the
 * store struct. The store keeps bytes it is given: change headers exactly
 * as signed and bodies already sealed by the vault; it never sees a key or
 * a plaintext body.
 *
 * Changes are kept in apply order (rowid), which is a topological order:
 * a change is stored only after its parents and after the previous change
 * of its author. Sending changes in rowid order therefore sends parents
 * first.
 */
#ifndef GS_STORE_H
#define GS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_SCHEMA_VERSION 5

struct gs_store;

/* A stored change. In callbacks every pointer is lent for the call only. */
struct gs_stored_change {
	int64_t rowid;               /* apply order; set by the store on insert */
	uint8_t id[32];
	uint8_t item[16];
	int type;
	uint8_t author[32];
	uint64_t seq;
	uint64_t hlc;
	bool deleted;
	const uint8_t *parents;      /* nparents * 32 bytes */
	size_t nparents;
	const uint8_t *header;       /* exact signed header bytes */
	size_t header_len;
	const uint8_t *sig;          /* 64 bytes */
	const uint8_t *sealed_body;  /* vault-sealed body, or NULL if pruned */
	size_t sealed_len;
};

/* Return non-zero to stop an iteration; that value is then returned. */
typedef int (*gs_store_change_cb)(const struct gs_stored_change *c, void *arg);
typedef int (*gs_store_summary_cb)(const uint8_t author[32], uint64_t seq,
    void *arg);

enum gs_trust_state {
	GS_TRUST_PENDING = 0,   /* knocked on the door or seen in gossip */
	GS_TRUST_TRUSTED = 1,
	GS_TRUST_BLOCKED = 2,
};

struct gs_site_row {
	uint8_t pk[32];
	int trust;                   /* enum gs_trust_state */
	bool introduced;             /* trusted through an introducer */
	uint8_t introducer[32];      /* valid when introduced */
	int64_t first_seen;          /* Unix seconds */
	int64_t last_attempt;        /* Unix seconds of the last refused connection, 0 if none */
};
typedef int (*gs_store_site_cb)(const struct gs_site_row *s, void *arg);

struct gs_peer_row {
	uint8_t pk[32];
	const char *endpoint;        /* "tcp://host:port"; lent */
	const char *name;            /* admin's label, may be ""; lent */
	bool introducer;
	int64_t added;               /* Unix seconds */
	int64_t last_seen;           /* 0 if never */
	int64_t last_sync;           /* 0 if never */
};
typedef int (*gs_store_peer_cb)(const struct gs_peer_row *p, void *arg);

/*
 * The item types the store knows, given by the schema
 * (gs_schema_store_types) so that no type number is written here: the
 * types kept (an item of another type is never looked up), and those
 * counted per owner by gs_store_owned_counts. Each list is ascending,
 * with no duplicate and at least one type.
 */
#define GS_STORE_TYPES_MAX 16
struct gs_store_types {
	int stored[GS_STORE_TYPES_MAX];
	size_t nstored;
	int owned[GS_STORE_TYPES_MAX];
	size_t nowned;
};

/*
 * Opens (creating if needed, mode 0600 under the caller's umask) the
 * database at path, in WAL mode with synchronous=FULL, secure_delete and a
 * busy timeout. types is copied; the statements that name types are built
 * from it. Does not create or migrate the schema: the caller checks the
 * storage key first. Returns 0 and *out, GS_EINVAL (no path, an empty or
 * too long type list), GS_EDB, GS_ECORRUPT (not a database), GS_EREADONLY,
 * GS_ENOMEM.
 */
int gs_store_open(const char *path, const struct gs_store_types *types,
    struct gs_store **out);
/* Closes (after a WAL checkpoint) and sets *st to NULL. Accepts NULL. */
void gs_store_close(struct gs_store **st);
/* The schema version in the file: 0 for a new, empty database. */
int gs_store_schema_version(struct gs_store *st, int *version);
/*
 * Creates or upgrades the schema to GS_SCHEMA_VERSION in one transaction
 * and prepares every statement. Returns 0, GS_EVERSION if the file is newer
 * than this program, GS_EDB, GS_EFULL, GS_EREADONLY.
 */
int gs_store_migrate(struct gs_store *st);
/* Runs PRAGMA quick_check. 0 if ok, GS_ECORRUPT otherwise. */
int gs_store_check(struct gs_store *st);

/* Key/value metadata. get: *val malloc'd (caller frees), GS_ENOTFOUND. */
int gs_store_meta_get(struct gs_store *st, const char *key, uint8_t **val,
    size_t *len);
int gs_store_meta_set(struct gs_store *st, const char *key,
    const uint8_t *val, size_t len);

/*
 * Transactions. begin is BEGIN IMMEDIATE. Writes outside a transaction
 * are committed at once. Errors: GS_EDB, GS_EFULL, GS_EREADONLY, GS_EBUSY.
 * rollback never fails and is a no-op outside a transaction.
 */
int gs_store_begin(struct gs_store *st);
int gs_store_commit(struct gs_store *st);
void gs_store_rollback(struct gs_store *st);

/*
 * Inserts a change; sets c->rowid. Returns 0, GS_EDUP if a change with
 * this ID is stored, GS_EEQUIVOC if another change has this author and
 * seq, GS_EFULL, GS_EREADONLY, GS_EDB.
 */
int gs_store_change_insert(struct gs_store *st, struct gs_stored_change *c);
/* Calls cb for the change with this ID. GS_ENOTFOUND if none. */
int gs_store_change_get(struct gs_store *st, const uint8_t id[32],
    gs_store_change_cb cb, void *arg);
/* Calls cb for the change (author, seq). GS_ENOTFOUND if none. */
int gs_store_change_by_seq(struct gs_store *st, const uint8_t author[32],
    uint64_t seq, gs_store_change_cb cb, void *arg);
/* 1 if a change with this ID is stored, 0 if not, negative on error. */
int gs_store_change_exists(struct gs_store *st, const uint8_t id[32]);
/* Calls cb for every change of item, in rowid order. */
int gs_store_changes_of_item(struct gs_store *st, const uint8_t item[16],
    gs_store_change_cb cb, void *arg);
/*
 * Calls cb for up to limit changes with rowid > after, in rowid order
 * (limit 0: no limit).
 */
int gs_store_changes_after(struct gs_store *st, int64_t after, size_t limit,
    gs_store_change_cb cb, void *arg);
/* Calls cb with (author, highest seq) for every author, ascending by key. */
int gs_store_summary(struct gs_store *st, gs_store_summary_cb cb, void *arg);
/* Number of changes stored. */
int gs_store_change_count(struct gs_store *st, int64_t *count);

/* Sites known to this site, with their trust state. */
int gs_store_site_put(struct gs_store *st, const struct gs_site_row *s);
int gs_store_site_get(struct gs_store *st, const uint8_t pk[32],
    struct gs_site_row *out);           /* GS_ENOTFOUND */
int gs_store_sites_foreach(struct gs_store *st, gs_store_site_cb cb, void *arg);
int gs_store_site_remove(struct gs_store *st, const uint8_t pk[32]);
                                        /* GS_ENOTFOUND */

/* Peers this site connects to. put inserts or replaces. */
int gs_store_peer_put(struct gs_store *st, const struct gs_peer_row *p);
int gs_store_peer_remove(struct gs_store *st, const uint8_t pk[32]); /* GS_ENOTFOUND */
int gs_store_peer_touch(struct gs_store *st, const uint8_t pk[32],
    int64_t last_seen, int64_t last_sync);  /* 0 leaves a value unchanged */
int gs_store_peers_foreach(struct gs_store *st, gs_store_peer_cb cb, void *arg);

/*
 * Records proof of an equivocation: two different signed headers by one
 * author with one seq. One proof per (author, seq) is kept, so a forked
 * key cannot fill the disk; later ones are ignored. count returns how many
 * are recorded.
 */
int gs_store_equivocation_add(struct gs_store *st, const uint8_t author[32],
    uint64_t seq, const uint8_t *hdr_a, size_t len_a, const uint8_t *sig_a,
    const uint8_t *hdr_b, size_t len_b, const uint8_t *sig_b);
int gs_store_equivocation_count(struct gs_store *st, int64_t *count);
/* 1 if a proof about (author, seq) is recorded, 0 if not, or an error. */
int gs_store_equivocation_has(struct gs_store *st, const uint8_t author[32],
    uint64_t seq);
/* One recorded proof; the bytes are lent for the callback's time. */
struct gs_equivoc_row {
	uint8_t author[32];
	uint64_t seq;
	const uint8_t *hdr_a, *sig_a, *hdr_b, *sig_b;   /* sigs: 64 bytes */
	size_t len_a, len_b;
	int64_t seen;                /* when recorded here (s since epoch) */
};
typedef int (*gs_store_equivoc_cb)(const struct gs_equivoc_row *e,
    void *arg);
/* Calls cb for every proof, by author then sequence; stops on non-zero. */
int gs_store_equivocations_foreach(struct gs_store *st,
    gs_store_equivoc_cb cb, void *arg);

/*
 * Connection attempts by transport (X25519) keys that the ZAP handler
 * refused: the admin sees them in "site pending". touch inserts or
 * updates (first_attempt kept, attempts counted); once max_rows rows
 * exist, unknown keys are not added (GS_EFULL), so a flood of fresh keys
 * costs nothing.
 */
struct gs_pending_row {
	uint8_t curve[32];
	const char *address;         /* last IP address seen; lent */
	int64_t first_attempt;
	int64_t last_attempt;
	int64_t attempts;
	bool has_site;               /* the hello announced a site key */
	uint8_t site[32];            /* ... checked against curve */
	const char *name;            /* announced name, may be ""; lent */
	const char *town;            /* announced town, may be ""; lent */
	const char *endpoint;        /* announced endpoint, may be ""; lent */
};
typedef int (*gs_store_pending_cb)(const struct gs_pending_row *p, void *arg);
int gs_store_pending_touch(struct gs_store *st, const uint8_t curve[32],
    const char *address, int64_t now, int64_t max_rows);
int gs_store_pending_remove(struct gs_store *st, const uint8_t curve[32]);
int gs_store_pending_foreach(struct gs_store *st, gs_store_pending_cb cb,
    void *arg);
/*
 * Records what the pending transport key curve announced in its hello:
 * its site key (whose transport key is curve), name, town and endpoint
 * (checked and sanitised by the caller). GS_ENOTFOUND when curve is not
 * pending.
 */
int gs_store_pending_announce(struct gs_store *st, const uint8_t curve[32],
    const uint8_t site[32], const char *name, const char *town,
    const char *endpoint);

/*
 * Invitations made by this site (invite.h). key is the hash of the
 * secret, never the secret. use takes one use away (GS_ENOTFOUND when
 * none is left, the invitation is revoked or unknown); revoke marks it
 * revoked (GS_ENOTFOUND when unknown).
 */
#define GS_STORE_INVITE_ID 8
struct gs_invite_row {
	uint8_t id[GS_STORE_INVITE_ID];
	const char *label;           /* lent */
	uint8_t key[32];
	int64_t expires;             /* Unix seconds */
	int64_t uses_left;
	bool revoked;
	int64_t created;
};
typedef int (*gs_store_invite_cb)(const struct gs_invite_row *r, void *arg);
int gs_store_invite_add(struct gs_store *st, const struct gs_invite_row *r);
int gs_store_invite_get(struct gs_store *st,
    const uint8_t id[GS_STORE_INVITE_ID], gs_store_invite_cb cb, void *arg);
int gs_store_invites_foreach(struct gs_store *st, gs_store_invite_cb cb,
    void *arg);
int gs_store_invite_use(struct gs_store *st,
    const uint8_t id[GS_STORE_INVITE_ID]);
int gs_store_invite_revoke(struct gs_store *st,
    const uint8_t id[GS_STORE_INVITE_ID]);

/*
 * Items: one row per item, holding its merged state sealed by the vault
 * (the store never sees it in clear) and a few counters in clear, for
 * listing, counting and finding by ID prefix without loading changes.
 */
struct gs_item_row {
	uint8_t id[16];
	int type;
	int64_t nchanges;
	int64_t nconflicts;
	int64_t received_ms;         /* first stored here; kept by put */
	/* lent; NULL for an item of one change (nchanges 1): derived */
	const uint8_t *sealed_state;
	size_t sealed_len;
	uint8_t owner[32];           /* written by put, not read back */
	bool deleted;                /* written by put, not read back */
};
typedef int (*gs_store_item_cb)(const struct gs_item_row *r, void *arg);
typedef int (*gs_store_item_id_cb)(const uint8_t id[16], void *arg);
/* A pseudo-type for foreach and count: items with conflicts. */
#define GS_STORE_CONFLICTED (-1)

/* Inserts or updates an item (an update keeps received_ms). */
int gs_store_item_put(struct gs_store *st, const struct gs_item_row *r);
/* Calls cb for the item with this ID. GS_ENOTFOUND if none. */
int gs_store_item_get(struct gs_store *st, const uint8_t id[16],
    gs_store_item_cb cb, void *arg);
/* Calls cb for at most two items with lo <= id <= hi (type 0: any). */
int gs_store_item_range(struct gs_store *st, const uint8_t lo[16],
    const uint8_t hi[16], int type, gs_store_item_cb cb, void *arg);
/*
 * Calls cb for every item of type (0: all; GS_STORE_CONFLICTED), in no
 * particular order.
 */
int gs_store_items_foreach(struct gs_store *st, int type, gs_store_item_cb cb,
    void *arg);
/* Number of items of type (0: all; GS_STORE_CONFLICTED). */
int gs_store_item_count(struct gs_store *st, int type, int64_t *count);
/*
 * Calls cb(owner, n) with the number of live items of the owned types
 * (events and resources) of each owner.
 */
int gs_store_owned_counts(struct gs_store *st, gs_store_summary_cb cb,
    void *arg);
/* Calls cb with the ID of every item that has changes but no items row. */
int gs_store_items_missing(struct gs_store *st, gs_store_item_id_cb cb,
    void *arg);

/*
 * An online copy of the database into a new file (SQLite's backup API),
 * made in steps so that the caller's loop serves requests in between.
 * The copy is consistent: a write by the store's own connection between
 * two steps is carried into the copy (SQLite updates it at once). Bodies
 * and states stay sealed: the copy holds the same bytes.
 *
 * backup_begin creates path (it must not exist; mode 0600 under the
 * caller's umask) and returns *out, owned by the caller: GS_EEXISTS,
 * GS_EIO, GS_EDB, GS_ENOMEM. backup_step copies up to pages pages: 1 when
 * the copy is complete, 0 when more remains, or GS_EBUSY, GS_EFULL,
 * GS_EIO, GS_EDB (the copy is then useless: end it). *remaining and
 * *total (optional) get SQLite's page counts. backup_end finishes, closes
 * the copy and sets *b to NULL; accepts NULL; the file stays.
 */
struct gs_store_backup;
int gs_store_backup_begin(struct gs_store *st, const char *path,
    struct gs_store_backup **out);
int gs_store_backup_step(struct gs_store_backup *b, int pages,
    int *remaining, int *total);
void gs_store_backup_end(struct gs_store_backup **b);

/* Gives back the page cache's unused memory (an idle site's footprint). */
void gs_store_release_memory(struct gs_store *st);

/* Checkpoints the WAL (PASSIVE). */
int gs_store_checkpoint(struct gs_store *st);
/*
 * Checkpoints the WAL and truncates it to zero bytes (TRUNCATE), so that
 * erased content leaves the -wal file too; waits for readers (busy
 * timeout). Outside a transaction only. 0, GS_EBUSY, GS_EDB.
 */
int gs_store_checkpoint_truncate(struct gs_store *st);

/*
 * Erasure of an item's content: drops the body of every change of item
 * but the erasure change (author, seq), whose body is kept (it holds
 * only the erase flags and is the proof sent with the bodiless headers),
 * and records the erasure; the headers stay, so chains still verify.
 * With secure_delete the freed bytes are overwritten in the database
 * file; the WAL keeps them until gs_store_checkpoint_truncate. *erased
 * (optional) gets the number of bodies dropped. Recording an item twice
 * keeps the first erasure. 0 or a storage error.
 */
int gs_store_erase_bodies(struct gs_store *st, const uint8_t item[16],
    const uint8_t author[32], uint64_t seq, int64_t *erased);
/*
 * The erasure change (author, seq) of item: 0, or GS_ENOTFOUND when the
 * item is not erased, or a storage error.
 */
int gs_store_erasure_get(struct gs_store *st, const uint8_t item[16],
    uint8_t author[32], uint64_t *seq);

#endif
