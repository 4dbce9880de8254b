/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica.h: a site's replica of the shared data. It owns the identity,
 * the vault, the clock and the item cache; the store and the trust
 * decisions are the daemon's, lent to it. It is the only way changes get
 * in: local writes from the CLI and batches from peers go through the
 * same checks (gs_change_verify, trust, sequence, clock, parents, body
 * rules, authorization) and the same transaction path, so a change
 * written here is exactly as checked as one received.
 *
 * Files: replica.c (item cache, summary, reading back), replica_open.c
 * (creating and opening a site), replica_apply.c (the gate every change
 * goes through), replica_write.c (local writes and resolutions).
 */
#ifndef GS_REPLICA_H
#define GS_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "change.h"
#include "err.h"
#include "identity.h"
#include "item.h"
#include "itemset.h"
#include "store.h"

struct gs_replica;

struct gs_replica_opts {
	const char *data_dir;
	const char *key_file;
	const char *passphrase;     /* NULL if the key file has none */
	unsigned max_drift_s;       /* remote HLC ahead of local time */
};

/* Refusal reasons are error codes; by_reason is indexed by -code. */
#define GS_REASONS 64
struct gs_apply_stats {
	unsigned applied;
	unsigned dup;                 /* already held: a no-op, not a refusal */
	unsigned refused;
	unsigned by_reason[GS_REASONS];
};

struct gs_trust;
/*
 * Told about each change newly stored, after its transaction commits.
 * from is the peer it came from (its 32-byte site key), NULL if local.
 */
typedef void (*gs_replica_hook)(const struct gs_change *c,
    const uint8_t *from, void *arg);

/*
 * Creates a new site in data_dir: the directory (0700), the site key, the
 * storage key (wrapped with passphrase if not NULL), the database and its
 * key check. Refuses (GS_EEXISTS) if any of them exists already. On
 * failure err says why in French.
 */
int gs_replica_init_site(const char *data_dir, const char *key_file,
    const char *passphrase, char *err, size_t errlen);
/*
 * Opens the database of the site in data_dir, which must exist (else
 * GS_ENOTFOUND, err saying to run init). Nothing is written to it until
 * gs_replica_open() has checked the keys. The caller owns *out: it lends
 * it to the replica, the trust decisions and gossip, and closes it after
 * them.
 */
int gs_replica_open_store(const char *data_dir, struct gs_store **out,
    char *err, size_t errlen);
/*
 * Opens an existing site on its store st (lent; it must outlive the
 * replica): loads the keys, checks the storage key against the database
 * before writing anything to it, migrates the schema, checks every stored
 * body and reads the summary. A body that fails authentication marks its
 * item corrupt (reported, never shown as valid). Returns 0 and *out, or
 * an error with err set: GS_EBADKEY, GS_EPERM, GS_ECORRUPT, GS_EVERSION,
 * GS_EDB, GS_EIO.
 */
int gs_replica_open(const struct gs_replica_opts *o, struct gs_store *st,
    struct gs_replica **out, char *err, size_t errlen);
/*
 * Closes everything but the store, wiping keys; sets *r to NULL. Accepts
 * NULL.
 */
void gs_replica_close(struct gs_replica **r);

/*
 * Lends the site's trust decisions (NULL: only this site's own changes
 * are accepted, and every site is visible). The replica only reads them,
 * except that untrusted authors met by a batch are noted pending once
 * the batch's transaction has ended.
 */
void gs_replica_set_trust(struct gs_replica *r, struct gs_trust *trust);
void gs_replica_set_hook(struct gs_replica *r, gs_replica_hook cb, void *arg);

/*
 * Whether an author's changes are accepted: 0, GS_EUNTRUSTED or
 * GS_EBLOCKED (this site's own key, and a key linked to it, are always
 * 0; a key not known here that a key link names as the successor of an
 * accepted key is accepted). Reads only.
 */
int gs_replica_author_ok(const struct gs_replica *r, const uint8_t pk[32]);
/*
 * Whether the items of a site are shown (lists, show, seats, conflicts):
 * false only for a blocked site (blocked under this key or under the key
 * that replaced it). The one place that rule lives.
 */
bool gs_replica_visible(const struct gs_replica *r, const uint8_t owner[32]);

/*
 * Whether a revocation of site pk is in effect here (docs/internals/
 * trust.md): one written by pk itself, by this site, or by the introducer
 * through which this site trusts pk. Then *last_seq (if not NULL) is the
 * last of pk's sequence numbers accepted (the lowest such cut) and by (if
 * not NULL) receives the revoking site. pk's changes numbered beyond it
 * are refused (GS_EREVOKED); those up to it stay, marked.
 */
bool gs_replica_revoked(const struct gs_replica *r, const uint8_t pk[32],
    uint64_t *last_seq, uint8_t *by);
/*
 * Key rotation (docs/internals/trust.md). Whether site key pk was replaced
 * by a key link held here: then *next (if not NULL) receives its direct
 * successor and *last_seq (if not NULL) the last of pk's sequence numbers
 * accepted (the link's own); pk's changes beyond it are refused
 * (GS_EROTATED).
 */
bool gs_replica_replaced(const struct gs_replica *r, const uint8_t pk[32],
    uint8_t *next, uint64_t *last_seq);
/* The newest key of pk's site, following its key links (pk itself when
 * it was not replaced). Lent: pk or a link's key. */
const uint8_t *gs_replica_current_key(const struct gs_replica *r,
    const uint8_t pk[32]);
/*
 * Whether keys a and b are one site: equal, or linked one to the other
 * through key links. The one rule by which a site's new key owns, edits
 * and cancels what its old key wrote.
 */
bool gs_replica_same_site(const struct gs_replica *r, const uint8_t a[32],
    const uint8_t b[32]);
/*
 * Checks a proof of equivocation received from a peer: both headers
 * verify under e->author with e->seq, and differ. It is kept when its
 * author is this site or a site known here (not pending), and fewer than
 * GS_EQUIVOC_MAX proofs are kept. A proof that would not be kept (its
 * author unknown or pending here, one about its (author, seq) held, the
 * table full) is dropped before its signatures are checked. Returns 1
 * when newly kept, 0 when already known or not kept, GS_EPROTO or
 * GS_EBADSIG for a false proof, or a storage error.
 */
#define GS_EQUIVOC_MAX 1000
struct gs_equivoc_row;
int gs_replica_equivocation_add(struct gs_replica *r,
    const struct gs_equivoc_row *e);
const struct gs_identity *gs_replica_identity(const struct gs_replica *r);
const uint8_t *gs_replica_pk(const struct gs_replica *r);
/* Items whose stored data failed authentication. */
size_t gs_replica_corrupt_count(const struct gs_replica *r);

/*
 * Items. They live in the store; the replica caches those a request or a
 * batch touches, and every item pointer it hands out stays valid until
 * gs_replica_trim(), which the daemon calls between two turns of its
 * event loop. An item from these functions may be light (its merged state
 * only, gs_item_state()); gs_replica_item_full() loads its changes.
 */
#define GS_CACHE_ITEMS 512       /* once items were loaded with their changes */
#define GS_CACHE_LIGHT 16384     /* while only states were read (lists) */
/* Pseudo-type for foreach and count: the items that have conflicts. */
#define GS_ITEMS_CONFLICTED GS_STORE_CONFLICTED

/* The item with this ID, or NULL (none, or unreadable). */
struct gs_item *gs_replica_item(struct gs_replica *r, const uint8_t id[16]);
/*
 * A field of site pk's profile (lent from the item cache: valid until
 * the next change is applied), or "" when the site has no readable one.
 */
const char *gs_replica_site_field(struct gs_replica *r, const uint8_t pk[32],
    const char *field);
/* The same with every change loaded: 0, GS_ENOTFOUND or a storage error. */
int gs_replica_item_full(struct gs_replica *r, const uint8_t id[16],
    struct gs_item **out);
/*
 * The item whose hex ID starts with prefix (6 to 32 hex digits), of type
 * (0: any). Returns 0 and *out, GS_ENOTFOUND, or GS_EINVAL when the prefix
 * is malformed or matches several items.
 */
int gs_replica_find(struct gs_replica *r, const char *prefix, int type,
    struct gs_item **out);
/* Calls cb for every item of type (0: all; GS_ITEMS_CONFLICTED), in no set order. */
int gs_replica_foreach(struct gs_replica *r, int type, gs_item_cb cb,
    void *arg);
/* Number of items of type (0: all; GS_ITEMS_CONFLICTED). */
size_t gs_replica_count(struct gs_replica *r, int type);
/* Fills out (owner -> n) with the live events and resources of each site. */
struct gs_seqmap;
int gs_replica_owned_counts(struct gs_replica *r, struct gs_seqmap *out);
/* Empties the item cache when it is large; never during a request. */
void gs_replica_trim(struct gs_replica *r);
/*
 * Called every few seconds: after a whole period without a write, empties
 * the item cache and gives memory back (page cache, malloc arenas), so an
 * idle site stays small. Never during a request.
 */
void gs_replica_idle(struct gs_replica *r);

/*
 * Writes a local change. item NULL creates a new item of type (for a site
 * profile or a reservation, writes to the existing item if there is one).
 * delta holds the fields written ("" clears one); deleted deletes. parents
 * NULL means the item's current heads. The result is validated as a whole
 * item (verr says which field and rule). Committed with synchronous=FULL
 * before returning. out_item receives the item ID.
 * Returns 0, GS_EINVAL (verr), GS_EDENIED (not owner or co-host),
 * GS_EBUDGET (this site used its change budget on the item), GS_EDELETED,
 * GS_EERASED (the item's content was erased: it takes no more changes),
 * GS_EFULL, GS_EREADONLY, GS_EDB, GS_ENOMEM.
 */
int gs_replica_write(struct gs_replica *r, struct gs_item *item, int type,
    const struct gs_fields *delta, bool deleted,
    const uint8_t (*parents)[32], size_t nparents, struct gs_verr *verr,
    uint8_t out_item[16]);
/*
 * Erases an event's or a resource's content: writes a deletion carrying
 * "_erased" = "1", signed like any change; every site that applies it
 * (this one at once) drops the bodies of the item's other changes and
 * truncates its WAL (docs/internals/sync-protocol.md, "Erasure"). Only
 * the owner or a co-host may. Returns what gs_replica_write returns;
 * GS_EINVAL for another type.
 */
int gs_replica_erase(struct gs_replica *r, struct gs_item *item,
    struct gs_verr *verr);

/*
 * The change budget of an item (change.h; sync-protocol.md, "Applying a
 * change", rule 8), which the apply gate enforces with GS_EBUDGET.
 * gs_replica_is_rescue: true when a change deleting the item (deleted) or
 * writing delta does only what the owner's reserve is kept for: cancel
 * the event or one date of it, delete or restore the item, change the
 * list of who else may write it (judged on field names alone).
 * gs_replica_budget_cap: how many changes author may write to an item
 * owned by owner, for a change of that kind. gs_replica_budget_used: how
 * many it holds by author (it must be full).
 */
bool gs_replica_is_rescue(int type, const struct gs_fields *delta,
    bool deleted);
size_t gs_replica_budget_cap(const uint8_t owner[32],
    const uint8_t author[32], bool rescue);
size_t gs_replica_budget_used(const struct gs_item *it,
    const uint8_t author[32]);

/*
 * Applies a batch of changes from a peer (from: its site key) in one
 * transaction. Each change is checked; refused ones are counted in st
 * and skipped. Returns 0, or a storage error (GS_EFULL, GS_EREADONLY,
 * GS_EDB, GS_EBUSY) after rolling the whole batch back, memory included.
 */
int gs_replica_apply(struct gs_replica *r, const struct gs_wire_change *w,
    size_t n, const uint8_t from[32], struct gs_apply_stats *st);

/*
 * The same, in two steps, so that the costly part can run on other
 * threads: gs_change_verify_wire() checks each change as it travels and
 * touches no replica state. gs_replica_apply_verified() then applies, on
 * the replica's thread and in order, n changes whose verification gave
 * vrc[i] (0: cs[i] holds the verified change). It takes every cs[i]
 * (freed, set to NULL) and counts a verification failure as a refusal
 * with that reason.
 */
int gs_replica_apply_verified(struct gs_replica *r, struct gs_change **cs,
    const int *vrc, size_t n, const uint8_t from[32],
    struct gs_apply_stats *st);

/* Highest sequence held for author (0 if none). */
uint64_t gs_replica_seq(const struct gs_replica *r, const uint8_t author[32]);
/* Calls cb(author, seq, arg) for every author held, ascending by key. */
typedef int (*gs_replica_summary_cb)(const uint8_t author[32], uint64_t seq,
    void *arg);
int gs_replica_summary(const struct gs_replica *r, gs_replica_summary_cb cb,
    void *arg);
/*
 * The summary itself (author -> highest sequence, ascending), lent until
 * the next change is applied.
 */
const struct gs_seqmap *gs_replica_authors(const struct gs_replica *r);
/* Number of authors in the summary. */
size_t gs_replica_author_count(const struct gs_replica *r);
/* Number of changes held. */
uint64_t gs_replica_change_count(const struct gs_replica *r);

/*
 * Catch-up after a restore (docs/internals/reliability.md): a site
 * restored from a backup may have signed changes after it, which its
 * peers hold. Until it has them back, signing a new change could reuse
 * one of their sequence numbers (an equivocation), so gs_replica_write()
 * refuses with GS_ECATCHUP. The flag is the meta key "catchup", set by
 * the restore and kept across restarts. set_catching_up writes it (0 or
 * a storage error; memory follows only on success).
 */
bool gs_replica_catching_up(const struct gs_replica *r);
int gs_replica_set_catching_up(struct gs_replica *r, bool on);

/*
 * Reads stored changes with rowid > after in apply order, at most limit
 * (0: no limit), unsealing bodies, and calls cb with each as it travels.
 * With packed, a body stored packed is given as it is stored (w->packed,
 * body NULL), for a peer that takes packed bodies. The wire change is
 * lent for the call. A change whose body cannot be unsealed is skipped
 * (and logged).
 */
typedef int (*gs_replica_change_cb)(int64_t rowid, const uint8_t author[32],
    uint64_t seq, const struct gs_wire_change *w, void *arg);
int gs_replica_changes_after(struct gs_replica *r, int64_t after,
    size_t limit, bool packed, gs_replica_change_cb cb, void *arg);
/* The HLC stamp of (author, seq): 0 and *hlc, or GS_ENOTFOUND. */
int gs_replica_change_hlc(struct gs_replica *r, const uint8_t author[32],
    uint64_t seq, uint64_t *hlc);
/* The rowid of (author, seq): 0 and *rowid, or GS_ENOTFOUND. */
int gs_replica_rowid(struct gs_replica *r, const uint8_t author[32],
    uint64_t seq, int64_t *rowid);

/*
 * Settles every conflict of an item with one change whose parents are all
 * its heads. take (a change ID, or NULL): each conflicted field takes the
 * value that change wrote, when it is a candidate there. set: fields
 * given explicitly ("_deleted" = "1" keeps a deletion, "0" keeps the
 * item). Conflicted fields given neither way keep their shown winner.
 * Returns 0, GS_ENOTFOUND (no conflict, or take is not a candidate of any
 * conflict), GS_EINVAL (verr), GS_EDENIED, or a storage error.
 */
int gs_replica_resolve(struct gs_replica *r, struct gs_item *item,
    const uint8_t *take, const struct gs_fields *set, struct gs_verr *verr);

/* Publishes this site's profile if it differs from the stored one. */
int gs_replica_publish_profile(struct gs_replica *r,
    const struct gs_fields *profile, struct gs_verr *verr);

/* Formats an HLC timestamp as RFC 3339 (UTC, milliseconds). */
void gs_replica_time(uint64_t hlc, char out[32]);

#endif
