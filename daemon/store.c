/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store.c: the SQLite database of a site (DESIGN §7), the only file that
 * includes sqlite3.h. One connection, used from the daemon's single
 * thread. Every statement the daemon runs repeatedly is prepared once (in
 * gs_store_open for those that need no table, in gs_store_migrate for the
 * rest) and held in the store struct; each public function owns its own
 * statements, so a callback may call any other store function, but not
 * the one that is calling it (that is refused with GS_EINVAL).
 *
 * Opening must not write the main database file: the caller reads the
 * schema version and the storage key check from meta before deciding to
 * migrate. Switching an empty file to WAL writes its first page, so for a
 * new, empty file the switch is deferred to gs_store_migrate.
 *
 * The schema version lives in PRAGMA user_version; migrations are an array
 * of SQL scripts, migrations[v] upgrading version v to v + 1, all applied
 * in one BEGIN IMMEDIATE transaction. Bytes (headers, sealed bodies) are
 * stored as given and never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto.h"
#include "err.h"
#include "log.h"
#include "store.h"

#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_ID_LEN 32
#define STORE_ITEM_LEN 16
#define STORE_SIG_LEN 64

/* Migration scripts: migrations[v] takes user_version v to v + 1. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta("
	"  key TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL);"
	"CREATE TABLE changes("
	"  rowid INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL UNIQUE,"
	"  item BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  hlc INTEGER NOT NULL,"
	"  deleted INTEGER NOT NULL,"
	"  parents BLOB NOT NULL,"
	"  header BLOB NOT NULL,"
	"  sig BLOB NOT NULL,"
	"  body BLOB,"
	"  UNIQUE(author, seq));"
	"CREATE INDEX changes_item ON changes(item);"
	"CREATE TABLE sites("
	"  pk BLOB PRIMARY KEY,"
	"  trust INTEGER NOT NULL,"
	"  introducer BLOB,"
	"  first_seen INTEGER NOT NULL,"
	"  last_attempt INTEGER NOT NULL);"
	"CREATE TABLE peers("
	"  pk BLOB PRIMARY KEY,"
	"  endpoint TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  introducer INTEGER NOT NULL,"
	"  added INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL DEFAULT 0,"
	"  last_sync INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE equivocations("
	"  author BLOB,"
	"  seq INTEGER,"
	"  hdr_a BLOB,"
	"  sig_a BLOB,"
	"  hdr_b BLOB,"
	"  sig_b BLOB,"
	"  seen INTEGER,"
	"  PRIMARY KEY(author, seq));"
	"CREATE TABLE pending("
	"  curve BLOB PRIMARY KEY,"
	"  address TEXT NOT NULL,"
	"  first_attempt INTEGER NOT NULL,"
	"  last_attempt INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL);",
	/*
	 * 1 -> 2: each item's merged state, sealed, so that a site lists
	 * its items without holding them in memory. received is when this
	 * site first stored the item (Unix ms). Filled by the replica.
	 */
	"CREATE TABLE items("
	"  rowid INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  nchanges INTEGER NOT NULL,"
	"  nconflicts INTEGER NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  owner BLOB NOT NULL,"
	"  deleted INTEGER NOT NULL,"
	"  state BLOB NOT NULL,"
	"  UNIQUE(type, id));"
	"CREATE INDEX items_conflicted ON items(nconflicts) "
	"  WHERE nconflicts > 0;"
	/*
	 * ... and changes without an index on their (random) ID: (author,
	 * seq) already identifies a change, nothing looks one up by ID on a
	 * hot path, and a random-key index costs a page write per insert
	 * once it outgrows the cache.
	 */
	"CREATE TABLE changes2("
	"  rowid INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL,"
	"  item BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  hlc INTEGER NOT NULL,"
	"  deleted INTEGER NOT NULL,"
	"  parents BLOB NOT NULL,"
	"  header BLOB NOT NULL,"
	"  sig BLOB NOT NULL,"
	"  body BLOB,"
	"  UNIQUE(author, seq));"
	"INSERT INTO changes2(rowid, id, item, type, author, seq, hlc, deleted, "
	"  parents, header, sig, body) SELECT rowid, id, item, type, author, "
	"  seq, hlc, deleted, parents, header, sig, body FROM changes;"
	"DROP TABLE changes;"
	"ALTER TABLE changes2 RENAME TO changes;"
	"CREATE INDEX changes_item ON changes(item);",
	/*
	 * 2 -> 3: items whose content was erased, with the erasure change
	 * (author, seq): its body is the one of the item's bodies kept, and
	 * it travels as the proof with the headers sent without bodies.
	 */
	"CREATE TABLE erasures("
	"  item BLOB PRIMARY KEY,"
	"  author BLOB NOT NULL,"
	"  seq INTEGER NOT NULL);",
	/*
	 * 3 -> 4: invitations (invite.h), holding only a hash of their
	 * secret; and what a knocking site announced in its hello.
	 */
	"CREATE TABLE invites("
	"  id BLOB PRIMARY KEY,"
	"  label TEXT NOT NULL,"
	"  secret_hash BLOB NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  uses_left INTEGER NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"ALTER TABLE pending ADD COLUMN site BLOB;"
	"ALTER TABLE pending ADD COLUMN name TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE pending ADD COLUMN town TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE pending ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';",
	/*
	 * 4 -> 5, smaller rows (docs/internals/storage-format.md):
	 * - authors numbered: changes and items name an author by its
	 *   number in authors (1 or 2 bytes) rather than its 32-byte key,
	 *   in the rows and in the (author, seq) index;
	 * - no change ID column: it is the BLAKE2b-256 of the header, which
	 *   the store computes when it reads a change (change_id() in SQL);
	 * - no state kept for an item of one change, whose state is that
	 *   change's merge (about 70 % of items are never edited): the
	 *   replica derives it from the change when it reads the row. The
	 *   states of older items stay as they are (they read back the
	 *   same); the space freed is reused by later writes.
	 */
	"CREATE TABLE authors("
	"  n INTEGER PRIMARY KEY,"
	"  pk BLOB NOT NULL UNIQUE);"
	"INSERT INTO authors(pk) SELECT author FROM changes "
	"  UNION SELECT owner FROM items;"
	"CREATE TABLE changes2("
	"  rowid INTEGER PRIMARY KEY,"
	"  item BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  author INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  hlc INTEGER NOT NULL,"
	"  deleted INTEGER NOT NULL,"
	"  parents BLOB NOT NULL,"
	"  header BLOB NOT NULL,"
	"  sig BLOB NOT NULL,"
	"  body BLOB,"
	"  UNIQUE(author, seq));"
	"INSERT INTO changes2(rowid, item, type, author, seq, hlc, deleted, "
	"  parents, header, sig, body) SELECT c.rowid, c.item, c.type, "
	"  a.n, c.seq, c.hlc, c.deleted, c.parents, c.header, c.sig, c.body "
	"  FROM changes c JOIN authors a ON a.pk = c.author;"
	"DROP TABLE changes;"
	"ALTER TABLE changes2 RENAME TO changes;"
	"CREATE INDEX changes_item ON changes(item);"
	"CREATE TABLE items2("
	"  rowid INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  nchanges INTEGER NOT NULL,"
	"  nconflicts INTEGER NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  owner INTEGER NOT NULL,"
	"  deleted INTEGER NOT NULL,"
	"  state BLOB,"
	"  UNIQUE(type, id));"
	"INSERT INTO items2(rowid, id, type, nchanges, nconflicts, received, "
	"  owner, deleted, state) SELECT i.rowid, i.id, i.type, i.nchanges, "
	"  i.nconflicts, i.received, a.n, i.deleted, "
	"  CASE WHEN i.nchanges = 1 THEN NULL ELSE i.state END "
	"  FROM items i JOIN authors a ON a.pk = i.owner;"
	"DROP TABLE items;"
	"ALTER TABLE items2 RENAME TO items;"
	"CREATE INDEX items_conflicted ON items(nconflicts) "
	"  WHERE nconflicts > 0;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    GS_SCHEMA_VERSION, "one migration per schema version");

/* Column list of the queries that read invitations. */
#define INVITE_COLS \
	"id, label, secret_hash, expires, uses_left, revoked, created"

/*
 * Column list shared by every query that reads whole changes, from
 * CHANGES_FROM: changes name their author by number (authors.n), and
 * are read with the author's key.
 */
#define CHANGE_COLS \
	"c.rowid, c.item, c.type, a.pk, c.seq, c.hlc, c.deleted, " \
	"c.parents, c.header, c.sig, c.body"
#define CHANGES_FROM "changes c CROSS JOIN authors a ON a.n = c.author"
/* The number of the author whose key is parameter P. */
#define AUTHOR_N(p) "(SELECT n FROM authors WHERE pk = " p ")"

/* Column list shared by every query that reads item rows. */
#define ITEM_COLS "id, type, nchanges, nconflicts, received, state"
/*
 * Items are indexed by (type, id), which lists a type in ID order; a
 * lookup by ID alone seeks once per type, so it names the stored types.
 * The rows themselves (a sealed state each, about a page fifth) are
 * appended in rowid order. The type lists come from the schema
 * (struct gs_store_types): a statement's text names them by these
 * markers, which prepare_schema replaces with "(1, 2, ...)" once.
 */
#define STORED_TYPES "{stored}"
#define OWNED_TYPES "{owned}"

/*
 * Settings of every connection, in order:
 * - every commit durable, deleted content overwritten;
 * - an initial sync inserts in random ID order: give the indexes room;
 * (The checkpoint settings depend on the page size: set_wal.)
 */
static const char *const setup_pragmas[] = {
	"PRAGMA synchronous=FULL",
	"PRAGMA secure_delete=ON",
	"PRAGMA foreign_keys=ON",
	"PRAGMA cache_size=-8192",
};
#define NSETUP (sizeof(setup_pragmas) / sizeof(setup_pragmas[0]))

/* Statements that need no table, prepared by gs_store_open. */
enum base_stmt {
	BS_BEGIN,
	BS_COMMIT,
	BS_ROLLBACK,
	BS_USER_VERSION,
	BS_HAS_META,
	BS_QUICK_CHECK,
	BS__COUNT
};

static const char *const base_sql[BS__COUNT] = {
	[BS_BEGIN] = "BEGIN IMMEDIATE",
	[BS_COMMIT] = "COMMIT",
	[BS_ROLLBACK] = "ROLLBACK",
	[BS_USER_VERSION] = "PRAGMA user_version",
	[BS_HAS_META] =
	    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
	[BS_QUICK_CHECK] = "PRAGMA quick_check",
};

/* Statements on the schema, prepared by gs_store_migrate. */
enum schema_stmt {
	SS_META_GET,
	SS_META_SET,
	SS_AUTHOR_PUT,
	SS_CHANGE_INSERT,
	SS_CHANGE_GET,
	SS_CHANGE_BY_SEQ,
	SS_CHANGE_EXISTS,
	SS_CHANGES_OF_ITEM,
	SS_CHANGES_AFTER,
	SS_SUMMARY,
	SS_CHANGE_COUNT,
	SS_SITE_PUT,
	SS_SITE_GET,
	SS_SITES_ALL,
	SS_SITE_REMOVE,
	SS_PEER_PUT,
	SS_PEER_REMOVE,
	SS_PEER_TOUCH,
	SS_PEERS_ALL,
	SS_EQUIVOC_ADD,
	SS_EQUIVOC_COUNT,
	SS_EQUIVOC_HAS,
	SS_EQUIVOC_ALL,
	SS_PENDING_UPDATE,
	SS_PENDING_INSERT,
	SS_PENDING_COUNT,
	SS_PENDING_REMOVE,
	SS_PENDING_ALL,
	SS_ITEM_PUT,
	SS_ITEM_GET,
	SS_ITEM_RANGE,
	SS_ITEMS_ALL,
	SS_ITEMS_OF_TYPE,
	SS_ITEMS_OF_TYPE_SCAN,
	SS_ITEMS_CONFLICTED,
	SS_ITEM_COUNT,
	SS_ITEM_COUNT_TYPE,
	SS_ITEM_COUNT_CONFLICTED,
	SS_ITEMS_MISSING,
	SS_ITEM_COUNT_OWNED,
	SS_ERASE_BODIES,
	SS_ERASURE_PUT,
	SS_ERASURE_GET,
	SS_INVITE_ADD,
	SS_INVITE_GET,
	SS_INVITES_ALL,
	SS_INVITE_USE,
	SS_INVITE_REVOKE,
	SS_PENDING_ANNOUNCE,
	SS__COUNT
};

static const char *const schema_sql[SS__COUNT] = {
	[SS_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[SS_META_SET] = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[SS_AUTHOR_PUT] = "INSERT INTO authors(pk) VALUES(?1) "
	    "ON CONFLICT(pk) DO NOTHING",
	[SS_CHANGE_INSERT] = "INSERT INTO changes(item, type, author, "
	    "seq, hlc, deleted, parents, header, sig, body) "
	    "VALUES(?1, ?2, " AUTHOR_N("?3") ", ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* no index on IDs: a scan, for tests and tools */
	[SS_CHANGE_GET] = "SELECT " CHANGE_COLS " FROM " CHANGES_FROM
	    " WHERE change_id(c.header) = ?1",
	[SS_CHANGE_BY_SEQ] = "SELECT " CHANGE_COLS " FROM " CHANGES_FROM
	    " WHERE c.author = " AUTHOR_N("?1") " AND c.seq = ?2",
	[SS_CHANGE_EXISTS] = "SELECT 1 FROM changes "
	    "WHERE change_id(header) = ?1",
	[SS_CHANGES_OF_ITEM] = "SELECT " CHANGE_COLS " FROM " CHANGES_FROM
	    " WHERE c.item = ?1 ORDER BY c.rowid",
	[SS_CHANGES_AFTER] = "SELECT " CHANGE_COLS " FROM " CHANGES_FROM
	    " WHERE c.rowid > ?1 ORDER BY c.rowid LIMIT ?2",
	[SS_SUMMARY] = "SELECT a.pk, MAX(c.seq) FROM " CHANGES_FROM
	    " GROUP BY c.author ORDER BY a.pk",
	[SS_CHANGE_COUNT] = "SELECT COUNT(*) FROM changes",
	[SS_SITE_PUT] = "INSERT INTO sites(pk, trust, introducer, "
	    "first_seen, last_attempt) VALUES(?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT(pk) DO UPDATE SET trust = excluded.trust, "
	    "introducer = excluded.introducer, "
	    "first_seen = excluded.first_seen, "
	    "last_attempt = excluded.last_attempt",
	[SS_SITE_GET] = "SELECT pk, trust, introducer, first_seen, "
	    "last_attempt FROM sites WHERE pk = ?1",
	[SS_SITES_ALL] = "SELECT pk, trust, introducer, first_seen, "
	    "last_attempt FROM sites ORDER BY pk",
	[SS_SITE_REMOVE] = "DELETE FROM sites WHERE pk = ?1",
	[SS_PEER_PUT] = "INSERT INTO peers(pk, endpoint, name, introducer, "
	    "added, last_seen, last_sync) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT(pk) DO UPDATE SET endpoint = excluded.endpoint, "
	    "name = excluded.name, introducer = excluded.introducer, "
	    "added = excluded.added, last_seen = excluded.last_seen, "
	    "last_sync = excluded.last_sync",
	[SS_PEER_REMOVE] = "DELETE FROM peers WHERE pk = ?1",
	[SS_PEER_TOUCH] = "UPDATE peers SET "
	    "last_seen = CASE WHEN ?2 != 0 THEN ?2 ELSE last_seen END, "
	    "last_sync = CASE WHEN ?3 != 0 THEN ?3 ELSE last_sync END "
	    "WHERE pk = ?1",
	[SS_PEERS_ALL] = "SELECT pk, endpoint, name, introducer, added, "
	    "last_seen, last_sync FROM peers ORDER BY pk",
	[SS_EQUIVOC_ADD] = "INSERT OR IGNORE INTO equivocations(author, seq, "
	    "hdr_a, sig_a, hdr_b, sig_b, seen) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SS_EQUIVOC_COUNT] = "SELECT COUNT(*) FROM equivocations",
	[SS_EQUIVOC_HAS] = "SELECT 1 FROM equivocations "
	    "WHERE author = ?1 AND seq = ?2",
	[SS_EQUIVOC_ALL] = "SELECT author, seq, hdr_a, sig_a, hdr_b, sig_b, "
	    "seen FROM equivocations ORDER BY author, seq",
	[SS_PENDING_UPDATE] = "UPDATE pending SET address = ?2, "
	    "last_attempt = ?3, attempts = attempts + 1 WHERE curve = ?1",
	[SS_PENDING_INSERT] = "INSERT INTO pending(curve, address, "
	    "first_attempt, last_attempt, attempts) VALUES(?1, ?2, ?3, ?3, 1)",
	[SS_PENDING_COUNT] = "SELECT COUNT(*) FROM pending",
	[SS_PENDING_REMOVE] = "DELETE FROM pending WHERE curve = ?1",
	[SS_PENDING_ALL] = "SELECT curve, address, first_attempt, "
	    "last_attempt, attempts, site, name, town, endpoint FROM pending "
	    "ORDER BY first_attempt, curve",
	[SS_ITEM_PUT] = "INSERT INTO items(id, type, nchanges, nconflicts, "
	    "received, state, owner, deleted) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, " AUTHOR_N("?7") ", ?8) "
	    "ON CONFLICT(type, id) DO UPDATE SET "
	    "nchanges = excluded.nchanges, nconflicts = excluded.nconflicts, "
	    "state = excluded.state, owner = excluded.owner, "
	    "deleted = excluded.deleted",
	[SS_ITEM_COUNT_OWNED] = "SELECT a.pk, COUNT(*) FROM items i "
	    "CROSS JOIN authors a ON a.n = i.owner "
	    "WHERE i.type IN " OWNED_TYPES " AND i.deleted = 0 "
	    "GROUP BY i.owner",
	[SS_ITEM_GET] = "SELECT " ITEM_COLS " FROM items "
	    "WHERE type IN " STORED_TYPES " AND id = ?1",
	[SS_ITEM_RANGE] = "SELECT " ITEM_COLS " FROM items "
	    "WHERE type IN " STORED_TYPES " AND id BETWEEN ?1 AND ?2 "
	    "AND (?3 = 0 OR type = ?3) ORDER BY id LIMIT 2",
	[SS_ITEMS_ALL] = "SELECT " ITEM_COLS " FROM items ORDER BY type, id",
	[SS_ITEMS_OF_TYPE] = "SELECT " ITEM_COLS " FROM items "
	    "WHERE type = ?1 ORDER BY id",
	[SS_ITEMS_OF_TYPE_SCAN] = "SELECT " ITEM_COLS " FROM items NOT INDEXED "
	    "WHERE type = ?1",
	[SS_ITEMS_CONFLICTED] = "SELECT " ITEM_COLS " FROM items "
	    "WHERE nconflicts > 0 ORDER BY id",
	[SS_ITEM_COUNT] = "SELECT COUNT(*) FROM items",
	[SS_ITEM_COUNT_TYPE] = "SELECT COUNT(*) FROM items WHERE type = ?1",
	[SS_ITEM_COUNT_CONFLICTED] = "SELECT COUNT(*) FROM items "
	    "WHERE nconflicts > 0",
	/* secure_delete overwrites the freed cells in the pages */
	[SS_ERASE_BODIES] = "UPDATE changes SET body = NULL "
	    "WHERE item = ?1 AND body IS NOT NULL "
	    "AND NOT (author = " AUTHOR_N("?2") " AND seq = ?3)",
	[SS_ERASURE_PUT] = "INSERT OR IGNORE INTO erasures(item, author, seq) "
	    "VALUES(?1, ?2, ?3)",
	[SS_ERASURE_GET] = "SELECT author, seq FROM erasures WHERE item = ?1",
	[SS_INVITE_ADD] = "INSERT INTO invites(id, label, secret_hash, "
	    "expires, uses_left, revoked, created) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, 0, ?6)",
	[SS_INVITE_GET] = "SELECT " INVITE_COLS " FROM invites WHERE id = ?1",
	[SS_INVITES_ALL] = "SELECT " INVITE_COLS " FROM invites "
	    "ORDER BY created, id",
	[SS_INVITE_USE] = "UPDATE invites SET uses_left = uses_left - 1 "
	    "WHERE id = ?1 AND uses_left > 0 AND revoked = 0",
	[SS_INVITE_REVOKE] = "UPDATE invites SET revoked = 1 WHERE id = ?1",
	[SS_PENDING_ANNOUNCE] = "UPDATE pending SET site = ?2, name = ?3, "
	    "town = ?4, endpoint = ?5 WHERE curve = ?1",
	[SS_ITEMS_MISSING] = "SELECT DISTINCT item FROM changes "
	    "WHERE item NOT IN (SELECT id FROM items)",
};

struct gs_store {
	sqlite3 *db;                       /* the one connection */
	bool in_memory;                    /* ":memory:" (tests): no WAL */
	bool wal;                          /* journal is WAL (or in memory) */
	bool migrated;                     /* schema statements are prepared */
	sqlite3_stmt *base[BS__COUNT];     /* prepared by open */
	sqlite3_stmt *schema[SS__COUNT];   /* prepared by migrate */
	char stored_sql[128];              /* "(1, 2, ...)": the stored types */
	char owned_sql[128];               /* the same for the owned types */
};

/* Maps an SQLite result code to a GS_E* code. */
static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return GS_EFULL;
	case SQLITE_READONLY:
		return GS_EREADONLY;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return GS_EBUSY;
	case SQLITE_NOMEM:
		return GS_ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return GS_ECORRUPT;
	default:
		return GS_EDB;
	}
}

/* Logs a failed operation with SQLite's message (never with data). */
static int
db_fail(struct gs_store *st, const char *what, int rc)
{
	log_warnx("store: %s: %s (%d)", what, sqlite3_errmsg(st->db), rc);
	return map_rc(rc);
}

/* Binds len bytes at p, an empty (not NULL) blob when len is 0. */
static int
bind_bytes(sqlite3_stmt *s, int i, const void *p, size_t len)
{
	if (len == 0)
		return sqlite3_bind_zeroblob(s, i, 0);
	if (len > INT_MAX)
		return SQLITE_TOOBIG;
	return sqlite3_bind_blob(s, i, p, (int)len, SQLITE_STATIC);
}

/* Copies a column that must be exactly n bytes long; false otherwise. */
static bool
col_fixed(sqlite3_stmt *s, int col, uint8_t *dst, size_t n)
{
	const void *p;

	if (sqlite3_column_type(s, col) != SQLITE_BLOB)
		return false;
	p = sqlite3_column_blob(s, col);
	if (p == NULL || (size_t)sqlite3_column_bytes(s, col) != n)
		return false;
	memcpy(dst, p, n);
	return true;
}

/* Resets a statement after use, also on error paths. */
static void
stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/*
 * Hands out schema statement i, refusing if the schema is not migrated or
 * if the statement is in use (the same function called from its own
 * callback).
 */
static int
get_stmt(struct gs_store *st, enum schema_stmt i, sqlite3_stmt **out)
{
	int ret = GS_EINVAL;

	*out = NULL;
	if (!st->migrated) {
		log_warnx("store: schema not migrated");
		goto out;
	}
	if (sqlite3_stmt_busy(st->schema[i])) {
		log_warnx("store: statement in use: nested call");
		goto out;
	}
	*out = st->schema[i];
	ret = 0;
out:
	return ret;
}

/* Steps a lookup: 1 if it returns a row, 0 if none; then resets it. */
static int
step_exists(struct gs_store *st, sqlite3_stmt *s, const char *what)
{
	int ret = GS_EDB;
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc == SQLITE_DONE)
		ret = 0;
	else
		ret = db_fail(st, what, rc);
	stmt_done(s);
	return ret;
}

/* Steps a statement that returns no row, then resets it. */
static int
step_done(struct gs_store *st, sqlite3_stmt *s, const char *what)
{
	int ret = GS_EDB;

	ret = step_exists(st, s, what);
	if (ret == 1) {
		log_warnx("store: %s: unexpected row", what);
		ret = 0;
	}
	return ret;
}

/* Steps a statement that returns one integer, then resets it. */
static int
step_int64(struct gs_store *st, sqlite3_stmt *s, const char *what,
    int64_t *val)
{
	int ret = GS_EDB;
	int rc;

	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			log_warnx("store: %s: no row", what);
		else
			ret = db_fail(st, what, rc);
		goto out;
	}
	*val = sqlite3_column_int64(s, 0);
	ret = 0;
out:
	stmt_done(s);
	return ret;
}

/* One statement parameter for bind_args; build it with the A_* macros. */
struct arg {
	enum { K_BYTES, K_INT, K_TEXT, K_NULL } kind;
	const void *p;                     /* bytes or text (lent) */
	size_t len;                        /* bytes: 0 binds an empty blob */
	int64_t v;                         /* int */
};

#define A_BYTES(p, n)   { K_BYTES, (p), (n), 0 }
#define A_ID(p)         A_BYTES((p), STORE_ID_LEN)
#define A_SIG(p)        A_BYTES((p), STORE_SIG_LEN)
#define A_INT(v)        { K_INT, NULL, 0, (int64_t)(v) }
#define A_TEXT(t)       { K_TEXT, (t), 0, 0 }
/* Bytes when cond holds, SQL NULL otherwise. */
#define A_OPT(cond, p, n) { (cond) ? K_BYTES : K_NULL, (p), (n), 0 }
#define NARGS(a)        (sizeof(a) / sizeof((a)[0]))

/* Binds args[0..n) to parameters 1..n of s; resets s on failure. */
static int
bind_args(struct gs_store *st, sqlite3_stmt *s, const char *what,
    const struct arg *args, size_t n)
{
	int ret = GS_EDB;
	int rc = SQLITE_OK;
	size_t i;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		switch (args[i].kind) {
		case K_BYTES:
			rc = bind_bytes(s, (int)i + 1, args[i].p, args[i].len);
			break;
		case K_INT:
			rc = sqlite3_bind_int64(s, (int)i + 1, args[i].v);
			break;
		case K_TEXT:
			rc = sqlite3_bind_text(s, (int)i + 1, args[i].p, -1,
			    SQLITE_STATIC);
			break;
		case K_NULL:
			rc = sqlite3_bind_null(s, (int)i + 1);
			break;
		}
	}
	if (rc != SQLITE_OK) {
		ret = db_fail(st, what, rc);
		stmt_done(s);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

/* Hands out schema statement which (see get_stmt) with args bound. */
static int
stmt_bind(struct gs_store *st, enum schema_stmt which, const char *what,
    const struct arg *args, size_t n, sqlite3_stmt **out)
{
	sqlite3_stmt *s = NULL;
	int ret = GS_EDB;

	*out = NULL;
	ret = get_stmt(st, which, &s);
	if (ret != 0)
		goto out;
	ret = bind_args(st, s, what, args, n);
	if (ret != 0)
		goto out;
	*out = s;
out:
	return ret;
}

/* How run finishes a bound statement: step_done or step_exists. */
typedef int (*step_fn)(struct gs_store *st, sqlite3_stmt *s,
    const char *what);

/* Binds args to schema statement which, then steps it with step. */
static int
run(struct gs_store *st, enum schema_stmt which, const char *what,
    const struct arg *args, size_t n, step_fn step)
{
	sqlite3_stmt *s = NULL;
	int ret = GS_EDB;

	ret = stmt_bind(st, which, what, args, n, &s);
	if (ret != 0)
		goto out;
	ret = step(st, s, what);
out:
	return ret;
}

/* Runs a write: GS_ENOTFOUND when it changed no row. */
static int
run_changed(struct gs_store *st, enum schema_stmt which, const char *what,
    const struct arg *args, size_t n)
{
	int ret = GS_EDB;

	ret = run(st, which, what, args, n, step_done);
	if (ret == 0 && sqlite3_changes(st->db) == 0)
		ret = GS_ENOTFOUND;
	return ret;
}

/* Runs schema statement which, returning one integer, into *val. */
static int
count_rows(struct gs_store *st, enum schema_stmt which, const char *what,
    int64_t *val)
{
	sqlite3_stmt *s = NULL;
	int ret = GS_EDB;

	*val = 0;
	ret = get_stmt(st, which, &s);
	if (ret != 0)
		goto out;
	ret = step_int64(st, s, what, val);
out:
	return ret;
}

/*
 * Runs a one-off statement (setup pragmas) and copies its text result.
 * *raw (optional) receives SQLite's own result code.
 */
static int
run_once(struct gs_store *st, const char *sql, char *res, size_t reslen,
    int *raw)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int ret = GS_EDB;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (raw != NULL)
		*raw = rc;
	if (rc != SQLITE_OK) {
		ret = db_fail(st, "prepare setup", rc);
		goto out;
	}
	rc = sqlite3_step(s);
	if (raw != NULL)
		*raw = rc;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = db_fail(st, "setup", rc);
		goto out;
	}
	if (res != NULL && reslen > 0) {
		res[0] = '\0';
		t = rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
		if (t != NULL)
			snprintf(res, reslen, "%s", (const char *)t);
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

/* Runs every statement of a script (a migration step). */
static int
run_script(struct gs_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	const char *tail = sql;
	int ret = GS_EDB;
	int rc;

	while (*tail != '\0') {
		rc = sqlite3_prepare_v2(st->db, tail, -1, &s, &tail);
		if (rc != SQLITE_OK) {
			ret = db_fail(st, "prepare migration", rc);
			goto out;
		}
		if (s == NULL)          /* trailing whitespace */
			break;
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
			ret = db_fail(st, "migration", rc);
			goto out;
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

/*
 * Pages of a new database: 16 KiB holds the rows of changes (about 800
 * bytes each) with less slack than 4 KiB (-7 % on disk measured). An
 * existing file keeps its page size (this pragma changes nothing then).
 */
#define STORE_PAGE_SIZE 16384
/*
 * Checkpoint every ~16 MiB of WAL rather than 4, so that the index pages
 * a sync rewrites over and over are copied back less often (the daemon
 * also checkpoints every 5 minutes). 32 MiB let the WAL reach 66 MiB in
 * a 1,000,000-change sync (the threshold plus one slice's pages); 16 MiB
 * kept it to 41 MiB, the sync no slower. Once a checkpoint has reset
 * it, a WAL larger than 64 MiB is cut back to that.
 */
#define STORE_WAL_CHECKPOINT (16 * 1024 * 1024)
#define STORE_WAL_LIMIT (64 * 1024 * 1024)

/* The checkpoint settings above, in pages of this file. */
static int
set_checkpoints(struct gs_store *st, int *raw)
{
	char buf[32], sql[64];
	long page;
	int ret;

	ret = run_once(st, "PRAGMA page_size", buf, sizeof(buf), raw);
	if (ret != 0)
		return ret;
	page = strtol(buf, NULL, 10);
	if (page < 512)
		page = 4096;
	snprintf(sql, sizeof(sql), "PRAGMA wal_autocheckpoint=%ld",
	    STORE_WAL_CHECKPOINT / page);
	ret = run_once(st, sql, buf, sizeof(buf), raw);
	if (ret != 0)
		return ret;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%d",
	    STORE_WAL_LIMIT);
	return run_once(st, sql, buf, sizeof(buf), raw);
}

/* Switches the journal to WAL and checks that it took. */
static int
set_wal(struct gs_store *st, int *raw)
{
	char mode[16], sql[48];
	int ret = GS_EDB;

	if (st->wal)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA page_size=%d", STORE_PAGE_SIZE);
	ret = run_once(st, sql, NULL, 0, raw);
	if (ret != 0)
		goto out;
	ret = run_once(st, "PRAGMA journal_mode=WAL", mode, sizeof(mode), raw);
	if (ret != 0)
		goto out;
	if (strcmp(mode, "wal") != 0 &&
	    !(st->in_memory && strcmp(mode, "memory") == 0)) {
		log_warnx("store: cannot use wal journal (got %s)", mode);
		ret = GS_EDB;
		goto out;
	}
	st->wal = true;
	ret = set_checkpoints(st, raw);
out:
	return ret;
}

/* change_id(header) in SQL: the change ID, BLAKE2b-256 of the header. */
static void
sql_change_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const void *hdr;
	uint8_t id[STORE_ID_LEN];
	int n;

	(void)argc;
	hdr = sqlite3_value_blob(argv[0]);
	n = sqlite3_value_bytes(argv[0]);
	if (hdr == NULL || n <= 0) {
		sqlite3_result_null(ctx);
		return;
	}
	gs_hash(hdr, (size_t)n, id, sizeof(id));
	sqlite3_result_blob(ctx, id, sizeof(id), SQLITE_TRANSIENT);
}

/* True if the directory holding path is not writable by us. */
static bool
dir_readonly(const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t n;

	slash = strrchr(path, '/');
	if (slash == NULL)
		return access(".", W_OK) != 0 &&
		    (errno == EACCES || errno == EROFS || errno == EPERM);
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir))
		return false;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return access(dir, W_OK) != 0 &&
	    (errno == EACCES || errno == EROFS || errno == EPERM);
}

/*
 * Creates the file with mode 0600 if missing, so that SQLite (which
 * creates with 0644) and its -wal and -shm files (which copy the mode of
 * the database) stay private whatever the umask.
 */
static int
precreate(const char *path)
{
	int ret = GS_EDB;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST) {
			ret = 0;
			goto out;
		}
		if (errno == EACCES || errno == EROFS || errno == EPERM) {
			log_warnx("store: cannot create database: %s",
			    strerror(errno));
			ret = GS_EREADONLY;
			goto out;
		}
		log_warn("store: cannot create database");
		ret = GS_EDB;
		goto out;
	}
	close(fd);
	ret = 0;
out:
	return ret;
}

/* Refines an error met while opening: a read-only dir may be the cause. */
static int
open_err(const char *path, int ret, int rc)
{
	if ((rc & 0xff) == SQLITE_CANTOPEN && dir_readonly(path))
		ret = GS_EREADONLY;
	return ret;
}

/*
 * Writes "(t1, t2, ...)" for n types into out (size bytes). 0, or
 * GS_EINVAL if the list is empty or does not fit.
 */
static int
type_list_sql(const int *types, size_t n, char *out, size_t size)
{
	size_t len = 0;
	int w;

	if (n == 0)
		return GS_EINVAL;
	for (size_t i = 0; i < n; i++) {
		w = snprintf(out + len, size - len, "%s%d%s", i ? ", " : "(",
		    types[i], i + 1 == n ? ")" : "");
		if (w < 0 || (size_t)w >= size - len)
			return GS_EINVAL;
		len += (size_t)w;
	}
	return 0;
}

int
gs_store_open(const char *path, const struct gs_store_types *types,
    struct gs_store **out)
{
	struct gs_store *st = NULL;
	char buf[32];
	int64_t pages = 0;
	int ret = GS_EINVAL;
	int flags;
	int raw = SQLITE_OK;
	int rc;
	int i;

	*out = NULL;
	if (path == NULL || *path == '\0' || types == NULL ||
	    types->nstored > GS_STORE_TYPES_MAX ||
	    types->nowned > GS_STORE_TYPES_MAX)
		goto out;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		ret = GS_ENOMEM;
		goto out;
	}
	if (type_list_sql(types->stored, types->nstored, st->stored_sql,
	    sizeof(st->stored_sql)) != 0 ||
	    type_list_sql(types->owned, types->nowned, st->owned_sql,
	    sizeof(st->owned_sql)) != 0)
		goto out;
	st->in_memory = strcmp(path, ":memory:") == 0;
	if (!st->in_memory) {
		ret = precreate(path);
		if (ret != 0)
			goto out;
	}
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		if (st->db == NULL) {
			log_warnx("store: cannot open database: out of memory");
			ret = GS_ENOMEM;
		} else {
			ret = open_err(path, db_fail(st, "open", rc), rc);
		}
		goto out;
	}
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		log_warnx("store: database file is read-only");
		ret = GS_EREADONLY;
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	rc = sqlite3_create_function_v2(st->db, "change_id", 1,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_change_id, NULL,
	    NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = db_fail(st, "change_id function", rc);
		goto out;
	}
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	rc = sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		ret = db_fail(st, "busy timeout", rc);
		goto out;
	}

	/* Reading the page count is the first read: garbage shows here. */
	ret = run_once(st, "PRAGMA page_count", buf, sizeof(buf), &raw);
	if (ret != 0) {
		ret = open_err(path, ret, raw);
		goto out;
	}
	pages = strtoll(buf, NULL, 10);
	/* An empty file stays empty until migrate (see the top comment). */
	if (pages > 0) {
		ret = set_wal(st, &raw);
		if (ret != 0) {
			ret = open_err(path, ret, raw);
			goto out;
		}
	}
	for (i = 0; i < (int)NSETUP; i++) {
		ret = run_once(st, setup_pragmas[i], NULL, 0, NULL);
		if (ret != 0)
			goto out;
	}

	for (i = 0; i < BS__COUNT; i++) {
		rc = sqlite3_prepare_v3(st->db, base_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->base[i], NULL);
		if (rc != SQLITE_OK) {
			ret = db_fail(st, "prepare", rc);
			goto out;
		}
	}
	*out = st;
	st = NULL;
	ret = 0;
out:
	gs_store_close(&st);
	return ret;
}

void
gs_store_close(struct gs_store **stp)
{
	struct gs_store *st;
	int rc;
	int i;

	if (stp == NULL || *stp == NULL)
		return;
	st = *stp;
	*stp = NULL;
	for (i = 0; i < SS__COUNT; i++)
		sqlite3_finalize(st->schema[i]);
	for (i = 0; i < BS__COUNT; i++)
		sqlite3_finalize(st->base[i]);
	if (st->db != NULL) {
		if (st->wal && !st->in_memory && sqlite3_get_autocommit(st->db)) {
			rc = sqlite3_wal_checkpoint_v2(st->db, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
			if (rc != SQLITE_OK)
				db_fail(st, "checkpoint on close", rc);
		}
		rc = sqlite3_close(st->db);
		if (rc != SQLITE_OK)
			log_warnx("store: close: %s (%d)",
			    sqlite3_errmsg(st->db), rc);
	}
	free(st);
}

int
gs_store_schema_version(struct gs_store *st, int *version)
{
	int64_t v = 0;
	int ret = GS_EDB;

	*version = 0;
	ret = step_int64(st, st->base[BS_USER_VERSION], "user_version", &v);
	if (ret != 0)
		goto out;
	if (v < 0 || v > INT_MAX) {
		log_warnx("store: bad schema version");
		ret = GS_ECORRUPT;
		goto out;
	}
	*version = (int)v;
	ret = 0;
out:
	return ret;
}

/*
 * The text of schema statement i with the type markers replaced: the
 * table's text itself if it has none, else a copy in buf (size bytes).
 * NULL if it does not fit or has an unknown marker.
 */
static const char *
schema_text(const struct gs_store *st, int i, char *buf, size_t size)
{
	const char *sql = schema_sql[i], *mark, *list;
	size_t len = 0, mlen;

	while ((mark = strchr(sql, '{')) != NULL) {
		if (strncmp(mark, STORED_TYPES, strlen(STORED_TYPES)) == 0) {
			list = st->stored_sql;
			mlen = strlen(STORED_TYPES);
		} else if (strncmp(mark, OWNED_TYPES,
		    strlen(OWNED_TYPES)) == 0) {
			list = st->owned_sql;
			mlen = strlen(OWNED_TYPES);
		} else {
			return NULL;
		}
		if (len + (size_t)(mark - sql) + strlen(list) >= size)
			return NULL;
		memcpy(buf + len, sql, (size_t)(mark - sql));
		len += (size_t)(mark - sql);
		memcpy(buf + len, list, strlen(list));
		len += strlen(list);
		sql = mark + mlen;
	}
	if (sql == schema_sql[i])
		return sql;
	if (len + strlen(sql) >= size)
		return NULL;
	memcpy(buf + len, sql, strlen(sql) + 1);
	return buf;
}

/* Prepares every schema statement once the tables exist. */
static int
prepare_schema(struct gs_store *st)
{
	int ret = GS_EDB;
	char buf[1024];
	const char *sql;
	int rc;
	int i;

	for (i = 0; i < SS__COUNT; i++) {
		if (st->schema[i] != NULL)
			continue;
		sql = schema_text(st, i, buf, sizeof(buf));
		if (sql == NULL) {
			log_warnx("store: cannot build statement %d", i);
			goto out;
		}
		rc = sqlite3_prepare_v3(st->db, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st->schema[i], NULL);
		if (rc != SQLITE_OK) {
			ret = db_fail(st, "prepare", rc);
			goto out;
		}
	}
	st->migrated = true;
	ret = 0;
out:
	return ret;
}

int
gs_store_migrate(struct gs_store *st)
{
	char sql[64];
	bool in_tx = false;
	int version = 0;
	int ret = GS_EDB;
	int v;

	ret = set_wal(st, NULL);
	if (ret != 0)
		goto out;
	ret = gs_store_begin(st);
	if (ret != 0)
		goto out;
	in_tx = true;
	/* Read under the write lock: another process may have migrated. */
	ret = gs_store_schema_version(st, &version);
	if (ret != 0)
		goto out;
	if (version > GS_SCHEMA_VERSION) {
		log_warnx("store: schema version %d is newer than %d",
		    version, GS_SCHEMA_VERSION);
		ret = GS_EVERSION;
		goto out;
	}
	if (version < GS_SCHEMA_VERSION) {
		for (v = version; v < GS_SCHEMA_VERSION; v++) {
			ret = run_script(st, migrations[v]);
			if (ret != 0)
				goto out;
		}
		/* A pragma takes no parameter; the value is our constant. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
		    GS_SCHEMA_VERSION);
		ret = run_once(st, sql, NULL, 0, NULL);
		if (ret != 0)
			goto out;
		ret = gs_store_commit(st);
		if (ret != 0)
			goto out;
		log_info("store: schema migrated from version %d to %d",
		    version, GS_SCHEMA_VERSION);
	} else {
		ret = gs_store_commit(st);
		if (ret != 0)
			goto out;
	}
	in_tx = false;
	ret = prepare_schema(st);
out:
	if (in_tx)
		gs_store_rollback(st);
	return ret;
}

int
gs_store_check(struct gs_store *st)
{
	sqlite3_stmt *s = st->base[BS_QUICK_CHECK];
	const unsigned char *t;
	int ret = GS_ECORRUPT;
	int rc;

	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		ret = db_fail(st, "quick_check", rc);
		if (ret == GS_EDB || ret == 0)
			ret = GS_ECORRUPT;
		goto out;
	}
	t = sqlite3_column_text(s, 0);
	if (t == NULL || strcmp((const char *)t, "ok") != 0) {
		log_warnx("store: quick_check failed");
		ret = GS_ECORRUPT;
		goto out;
	}
	ret = 0;
out:
	stmt_done(s);
	return ret;
}

/* True if the meta table exists (readable before migration). */
static int
has_meta(struct gs_store *st, bool *yes)
{
	int ret = GS_EDB;

	ret = step_exists(st, st->base[BS_HAS_META], "meta lookup");
	if (ret < 0)
		goto out;
	*yes = ret == 1;
	ret = 0;
out:
	return ret;
}

int
gs_store_meta_get(struct gs_store *st, const char *key, uint8_t **val,
    size_t *len)
{
	const struct arg args[] = { A_TEXT(key) };
	sqlite3_stmt *s = NULL;
	sqlite3_stmt *once = NULL;
	const void *p;
	bool exists = false;
	size_t n;
	int ret = GS_EDB;
	int rc;

	*val = NULL;
	*len = 0;
	if (st->migrated) {
		ret = get_stmt(st, SS_META_GET, &s);
		if (ret != 0)
			goto out;
	} else {
		/* Before migration: the caller checks the key first. */
		ret = has_meta(st, &exists);
		if (ret != 0)
			goto out;
		if (!exists) {
			ret = GS_ENOTFOUND;
			goto out;
		}
		rc = sqlite3_prepare_v2(st->db, schema_sql[SS_META_GET], -1,
		    &once, NULL);
		if (rc != SQLITE_OK) {
			ret = db_fail(st, "prepare meta", rc);
			goto out;
		}
		s = once;
	}
	ret = bind_args(st, s, "meta get", args, NARGS(args));
	if (ret != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		ret = GS_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = db_fail(st, "meta get", rc);
		goto out;
	}
	p = sqlite3_column_blob(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	if (p == NULL && n > 0) {
		ret = GS_ENOMEM;
		goto out;
	}
	*val = malloc(n > 0 ? n : 1);
	if (*val == NULL) {
		ret = GS_ENOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(*val, p, n);
	*len = n;
	ret = 0;
out:
	if (s != NULL)
		stmt_done(s);
	sqlite3_finalize(once);
	return ret;
}

int
gs_store_meta_set(struct gs_store *st, const char *key,
    const uint8_t *val, size_t len)
{
	const struct arg args[] = { A_TEXT(key), A_BYTES(val, len) };

	return run(st, SS_META_SET, "meta set", args, NARGS(args), step_done);
}

int
gs_store_begin(struct gs_store *st)
{
	return step_done(st, st->base[BS_BEGIN], "begin");
}

int
gs_store_commit(struct gs_store *st)
{
	return step_done(st, st->base[BS_COMMIT], "commit");
}

void
gs_store_rollback(struct gs_store *st)
{
	if (st == NULL || sqlite3_get_autocommit(st->db))
		return;
	(void)step_done(st, st->base[BS_ROLLBACK], "rollback");
}

/* After a constraint failure: tells a duplicate from an equivocation. */
/* 1 if the stored change has the ID in arg, 2 otherwise. */
static int
same_id(const struct gs_stored_change *old, void *arg)
{
	return memcmp(old->id, arg, STORE_ID_LEN) == 0 ? 1 : 2;
}

static int
classify_conflict(struct gs_store *st, const struct gs_stored_change *c)
{
	int ret;

	/* the one constraint is UNIQUE(author, seq): same ID or another? */
	ret = gs_store_change_by_seq(st, c->author, c->seq, same_id,
	    (void *)c->id);
	if (ret == 1)
		return GS_EDUP;
	if (ret == 2)
		return GS_EEQUIVOC;
	if (ret == GS_ENOTFOUND || ret == 0) {
		log_warnx("store: change insert: unexpected constraint failure");
		return GS_EDB;
	}
	return ret;
}

/* Numbers an author (authors.n) if it has no number yet. */
static int
author_put(struct gs_store *st, const uint8_t pk[32])
{
	const struct arg args[] = { A_ID(pk) };

	return run(st, SS_AUTHOR_PUT, "author put", args, NARGS(args),
	    step_done);
}

int
gs_store_change_insert(struct gs_store *st, struct gs_stored_change *c)
{
	const struct arg args[] = {
		A_BYTES(c->item, STORE_ITEM_LEN),
		A_INT(c->type),
		A_ID(c->author),
		A_INT(c->seq),
		A_INT(c->hlc),
		A_INT(c->deleted ? 1 : 0),
		A_BYTES(c->parents, c->nparents * STORE_ID_LEN),
		A_BYTES(c->header, c->header_len),
		A_SIG(c->sig),
		A_OPT(c->sealed_body != NULL, c->sealed_body, c->sealed_len),
	};
	sqlite3_stmt *s = NULL;
	int ret = GS_EINVAL;
	int rc;

	if (c->seq > INT64_MAX || (c->nparents > 0 && c->parents == NULL) ||
	    c->header == NULL || c->header_len == 0 || c->sig == NULL ||
	    c->nparents > INT_MAX / STORE_ID_LEN) {
		log_warnx("store: change insert: invalid change");
		goto out;
	}
	ret = author_put(st, c->author);
	if (ret != 0)
		goto out;
	ret = stmt_bind(st, SS_CHANGE_INSERT, "change insert", args,
	    NARGS(args), &s);
	if (ret != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT)
		ret = db_fail(st, "change insert", rc);
	stmt_done(s);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		ret = classify_conflict(st, c);
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto out;
	c->rowid = sqlite3_last_insert_rowid(st->db);
	ret = 0;
out:
	return ret;
}

/* Fills c from a row of CHANGE_COLS; pointers are lent from the row. */
static int
row_to_change(sqlite3_stmt *s, struct gs_stored_change *c)
{
	int64_t seq;
	int n;

	memset(c, 0, sizeof(*c));
	c->rowid = sqlite3_column_int64(s, 0);
	if (!col_fixed(s, 1, c->item, STORE_ITEM_LEN) ||
	    !col_fixed(s, 3, c->author, STORE_ID_LEN))
		return GS_ECORRUPT;
	c->type = sqlite3_column_int(s, 2);
	seq = sqlite3_column_int64(s, 4);
	if (seq < 0)
		return GS_ECORRUPT;
	c->seq = (uint64_t)seq;
	c->hlc = (uint64_t)sqlite3_column_int64(s, 5);
	c->deleted = sqlite3_column_int(s, 6) != 0;

	c->parents = sqlite3_column_blob(s, 7);
	n = sqlite3_column_bytes(s, 7);
	if (n % STORE_ID_LEN != 0 || (n > 0 && c->parents == NULL))
		return GS_ECORRUPT;
	c->nparents = (size_t)n / STORE_ID_LEN;
	if (n == 0)
		c->parents = NULL;

	c->header = sqlite3_column_blob(s, 8);
	n = sqlite3_column_bytes(s, 8);
	if (c->header == NULL || n <= 0)
		return GS_ECORRUPT;
	c->header_len = (size_t)n;
	/* the change ID is the hash of the header (change.h) */
	gs_hash(c->header, c->header_len, c->id, STORE_ID_LEN);

	c->sig = sqlite3_column_blob(s, 9);
	if (c->sig == NULL || sqlite3_column_bytes(s, 9) != STORE_SIG_LEN)
		return GS_ECORRUPT;

	if (sqlite3_column_type(s, 10) == SQLITE_NULL) {
		c->sealed_body = NULL;
		c->sealed_len = 0;
	} else {
		c->sealed_body = sqlite3_column_blob(s, 10);
		n = sqlite3_column_bytes(s, 10);
		c->sealed_len = (size_t)n;
		/* An empty blob reads as NULL: keep "present but empty". */
		if (c->sealed_body == NULL && n == 0)
			c->sealed_body = (const uint8_t *)"";
	}
	return 0;
}

/* A row of SS_SUMMARY. */
struct summary_row {
	uint8_t author[STORE_ID_LEN];
	uint64_t seq;
};

/* Fills r from a summary row. */
static int
row_to_summary(sqlite3_stmt *s, struct summary_row *r)
{
	int64_t seq;

	seq = sqlite3_column_int64(s, 1);
	if (!col_fixed(s, 0, r->author, sizeof(r->author)) || seq < 0)
		return GS_ECORRUPT;
	r->seq = (uint64_t)seq;
	return 0;
}

/* Fills r from a sites row. */
static int
row_to_site(sqlite3_stmt *s, struct gs_site_row *r)
{
	memset(r, 0, sizeof(*r));
	if (!col_fixed(s, 0, r->pk, STORE_ID_LEN))
		return GS_ECORRUPT;
	r->trust = sqlite3_column_int(s, 1);
	if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
		if (!col_fixed(s, 2, r->introducer, STORE_ID_LEN))
			return GS_ECORRUPT;
		r->introduced = true;
	}
	r->first_seen = sqlite3_column_int64(s, 3);
	r->last_attempt = sqlite3_column_int64(s, 4);
	return 0;
}

/* Fills r from a peers row; strings are lent from the row. */
static int
row_to_peer(sqlite3_stmt *s, struct gs_peer_row *r)
{
	memset(r, 0, sizeof(*r));
	r->endpoint = (const char *)sqlite3_column_text(s, 1);
	r->name = (const char *)sqlite3_column_text(s, 2);
	if (!col_fixed(s, 0, r->pk, STORE_ID_LEN) ||
	    r->endpoint == NULL || r->name == NULL)
		return GS_ECORRUPT;
	r->introducer = sqlite3_column_int(s, 3) != 0;
	r->added = sqlite3_column_int64(s, 4);
	r->last_seen = sqlite3_column_int64(s, 5);
	r->last_sync = sqlite3_column_int64(s, 6);
	return 0;
}

/* Fills r from a pending row; the address is lent from the row. */
static int
row_to_pending(sqlite3_stmt *s, struct gs_pending_row *r)
{
	memset(r, 0, sizeof(*r));
	r->address = (const char *)sqlite3_column_text(s, 1);
	if (!col_fixed(s, 0, r->curve, STORE_ID_LEN) || r->address == NULL)
		return GS_ECORRUPT;
	r->first_attempt = sqlite3_column_int64(s, 2);
	r->last_attempt = sqlite3_column_int64(s, 3);
	r->attempts = sqlite3_column_int64(s, 4);
	r->has_site = col_fixed(s, 5, r->site, STORE_ID_LEN);
	r->name = (const char *)sqlite3_column_text(s, 6);
	r->town = (const char *)sqlite3_column_text(s, 7);
	r->endpoint = (const char *)sqlite3_column_text(s, 8);
	if (r->name == NULL || r->town == NULL || r->endpoint == NULL)
		return GS_ECORRUPT;
	return 0;
}

/* Fills r from an invites row (INVITE_COLS); the label is lent. */
static int
row_to_invite(sqlite3_stmt *s, struct gs_invite_row *r)
{
	memset(r, 0, sizeof(*r));
	r->label = (const char *)sqlite3_column_text(s, 1);
	if (!col_fixed(s, 0, r->id, GS_STORE_INVITE_ID) || r->label == NULL ||
	    !col_fixed(s, 2, r->key, STORE_ID_LEN))
		return GS_ECORRUPT;
	r->expires = sqlite3_column_int64(s, 3);
	r->uses_left = sqlite3_column_int64(s, 4);
	r->revoked = sqlite3_column_int(s, 5) != 0;
	r->created = sqlite3_column_int64(s, 6);
	return 0;
}

/* Fills r from an equivocations row; the bytes are lent. */
static int
row_to_equivoc(sqlite3_stmt *s, struct gs_equivoc_row *r)
{
	int a, b;

	memset(r, 0, sizeof(*r));
	if (!col_fixed(s, 0, r->author, STORE_ID_LEN))
		return GS_ECORRUPT;
	r->seq = (uint64_t)sqlite3_column_int64(s, 1);
	r->hdr_a = sqlite3_column_blob(s, 2);
	a = sqlite3_column_bytes(s, 2);
	r->sig_a = sqlite3_column_blob(s, 3);
	if (sqlite3_column_bytes(s, 3) != STORE_SIG_LEN)
		return GS_ECORRUPT;
	r->hdr_b = sqlite3_column_blob(s, 4);
	b = sqlite3_column_bytes(s, 4);
	r->sig_b = sqlite3_column_blob(s, 5);
	if (sqlite3_column_bytes(s, 5) != STORE_SIG_LEN)
		return GS_ECORRUPT;
	if (r->hdr_a == NULL || r->hdr_b == NULL || r->sig_a == NULL ||
	    r->sig_b == NULL || a <= 0 || b <= 0)
		return GS_ECORRUPT;
	r->len_a = (size_t)a;
	r->len_b = (size_t)b;
	r->seen = sqlite3_column_int64(s, 6);
	return 0;
}

/* Fills r from an items row (ITEM_COLS); the state is lent. */
static int
row_to_item(sqlite3_stmt *s, struct gs_item_row *r)
{
	int n;

	memset(r, 0, sizeof(*r));
	if (!col_fixed(s, 0, r->id, STORE_ITEM_LEN))
		return GS_ECORRUPT;
	r->type = sqlite3_column_int(s, 1);
	r->nchanges = sqlite3_column_int64(s, 2);
	r->nconflicts = sqlite3_column_int64(s, 3);
	r->received_ms = sqlite3_column_int64(s, 4);
	if (sqlite3_column_type(s, 5) == SQLITE_NULL) {
		/* one change: the state is derived from it */
		return r->nchanges == 1 ? 0 : GS_ECORRUPT;
	}
	r->sealed_state = sqlite3_column_blob(s, 5);
	n = sqlite3_column_bytes(s, 5);
	if (r->sealed_state == NULL || n <= 0)
		return GS_ECORRUPT;
	r->sealed_len = (size_t)n;
	return 0;
}

/* Fills id from a one-column row of 16-byte item IDs. */
static int
row_to_item_id(sqlite3_stmt *s, uint8_t id[STORE_ITEM_LEN])
{
	return col_fixed(s, 0, id, STORE_ITEM_LEN) ? 0 : GS_ECORRUPT;
}

/* The kinds of row a query hands to a callback. */
enum row_type {
	RT_ITEM,
	RT_ITEM_ID,
	RT_CHANGE,
	RT_SUMMARY,
	RT_SITE,
	RT_PEER,
	RT_PENDING,
	RT_INVITE,
	RT_EQUIVOC
};

/* One decoded row, of the type its query names. */
union row {
	struct gs_item_row item;
	uint8_t item_id[STORE_ITEM_LEN];
	struct gs_stored_change change;
	struct summary_row summary;
	struct gs_site_row site;
	struct gs_peer_row peer;
	struct gs_pending_row pending;
	struct gs_invite_row invite;
	struct gs_equivoc_row equivoc;
};

/* The caller's callback, of the type matching the row type. */
union row_cb {
	gs_store_item_cb item;
	gs_store_item_id_cb item_id;
	gs_store_change_cb change;
	gs_store_summary_cb summary;
	gs_store_site_cb site;
	gs_store_peer_cb peer;
	gs_store_pending_cb pending;
	gs_store_invite_cb invite;
	gs_store_equivoc_cb equivoc;
};

/* Decodes the current row of s as type t; GS_ECORRUPT if malformed. */
static int
row_decode(enum row_type t, sqlite3_stmt *s, union row *r)
{
	switch (t) {
	case RT_ITEM:
		return row_to_item(s, &r->item);
	case RT_ITEM_ID:
		return row_to_item_id(s, r->item_id);
	case RT_CHANGE:
		return row_to_change(s, &r->change);
	case RT_SUMMARY:
		return row_to_summary(s, &r->summary);
	case RT_SITE:
		return row_to_site(s, &r->site);
	case RT_PEER:
		return row_to_peer(s, &r->peer);
	case RT_PENDING:
		return row_to_pending(s, &r->pending);
	case RT_INVITE:
		return row_to_invite(s, &r->invite);
	case RT_EQUIVOC:
		return row_to_equivoc(s, &r->equivoc);
	}
	return GS_EINVAL;
}

/* Hands a decoded row of type t to the caller's callback. */
static int
row_deliver(enum row_type t, const union row *r, union row_cb cb, void *arg)
{
	switch (t) {
	case RT_ITEM:
		return cb.item(&r->item, arg);
	case RT_ITEM_ID:
		return cb.item_id(r->item_id, arg);
	case RT_CHANGE:
		return cb.change(&r->change, arg);
	case RT_SUMMARY:
		return cb.summary(r->summary.author, r->summary.seq, arg);
	case RT_SITE:
		return cb.site(&r->site, arg);
	case RT_PEER:
		return cb.peer(&r->peer, arg);
	case RT_PENDING:
		return cb.pending(&r->pending, arg);
	case RT_INVITE:
		return cb.invite(&r->invite, arg);
	case RT_EQUIVOC:
		return cb.equivoc(&r->equivoc, arg);
	}
	return GS_EINVAL;
}

/*
 * Runs query which on args, decoding each row as type t and calling cb on
 * it; a non-zero return of cb stops the iteration and is returned. one:
 * GS_ENOTFOUND when no row. Always resets the statement, also when cb
 * stops the iteration or an error happens.
 */
static int
query(struct gs_store *st, enum schema_stmt which, const char *what,
    const struct arg *args, size_t n, enum row_type t, bool one,
    union row_cb cb, void *arg)
{
	sqlite3_stmt *s = NULL;
	union row r;
	bool any = false;
	int ret = GS_EDB;
	int rc;

	ret = stmt_bind(st, which, what, args, n, &s);
	if (ret != 0)
		goto out;
	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			ret = db_fail(st, what, rc);
			goto out;
		}
		any = true;
		ret = row_decode(t, s, &r);
		if (ret != 0) {
			log_warnx("store: %s: malformed row", what);
			goto out;
		}
		ret = row_deliver(t, &r, cb, arg);
		if (ret != 0)
			goto out;
	}
	ret = one && !any ? GS_ENOTFOUND : 0;
out:
	if (s != NULL)
		stmt_done(s);
	return ret;
}

int
gs_store_change_get(struct gs_store *st, const uint8_t id[32],
    gs_store_change_cb cb, void *arg)
{
	const struct arg args[] = { A_ID(id) };

	return query(st, SS_CHANGE_GET, "change get", args, NARGS(args),
	    RT_CHANGE, true, (union row_cb){ .change = cb }, arg);
}

int
gs_store_change_by_seq(struct gs_store *st, const uint8_t author[32],
    uint64_t seq, gs_store_change_cb cb, void *arg)
{
	const struct arg args[] = { A_ID(author), A_INT(seq) };

	if (seq > INT64_MAX)
		return GS_ENOTFOUND;
	return query(st, SS_CHANGE_BY_SEQ, "change by seq", args, NARGS(args),
	    RT_CHANGE, true, (union row_cb){ .change = cb }, arg);
}

int
gs_store_change_exists(struct gs_store *st, const uint8_t id[32])
{
	const struct arg args[] = { A_ID(id) };

	return run(st, SS_CHANGE_EXISTS, "change exists", args,
	    NARGS(args), step_exists);
}

int
gs_store_changes_of_item(struct gs_store *st, const uint8_t item[16],
    gs_store_change_cb cb, void *arg)
{
	const struct arg args[] = { A_BYTES(item, STORE_ITEM_LEN) };

	return query(st, SS_CHANGES_OF_ITEM, "changes of item", args,
	    NARGS(args), RT_CHANGE, false, (union row_cb){ .change = cb },
	    arg);
}

int
gs_store_changes_after(struct gs_store *st, int64_t after, size_t limit,
    gs_store_change_cb cb, void *arg)
{
	/* No limit binds -1, which SQLite reads as none. */
	const struct arg args[] = {
		A_INT(after),
		A_INT(limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit),
	};

	return query(st, SS_CHANGES_AFTER, "changes after", args, NARGS(args),
	    RT_CHANGE, false, (union row_cb){ .change = cb }, arg);
}

int
gs_store_summary(struct gs_store *st, gs_store_summary_cb cb, void *arg)
{
	return query(st, SS_SUMMARY, "summary", NULL, 0, RT_SUMMARY, false,
	    (union row_cb){ .summary = cb }, arg);
}

int
gs_store_change_count(struct gs_store *st, int64_t *count)
{
	return count_rows(st, SS_CHANGE_COUNT, "change count", count);
}

int
gs_store_site_put(struct gs_store *st, const struct gs_site_row *r)
{
	const struct arg args[] = {
		A_ID(r->pk),
		A_INT(r->trust),
		A_OPT(r->introduced, r->introducer, STORE_ID_LEN),
		A_INT(r->first_seen),
		A_INT(r->last_attempt),
	};

	return run(st, SS_SITE_PUT, "site put", args, NARGS(args), step_done);
}

/* gs_store_site_get's callback: copies the one row out. */
static int
copy_site(const struct gs_site_row *r, void *arg)
{
	memcpy(arg, r, sizeof(*r));
	return 0;
}

int
gs_store_site_get(struct gs_store *st, const uint8_t pk[32],
    struct gs_site_row *out)
{
	const struct arg args[] = { A_ID(pk) };

	return query(st, SS_SITE_GET, "site get", args, NARGS(args), RT_SITE,
	    true, (union row_cb){ .site = copy_site }, out);
}

int
gs_store_sites_foreach(struct gs_store *st, gs_store_site_cb cb, void *arg)
{
	return query(st, SS_SITES_ALL, "sites", NULL, 0, RT_SITE, false,
	    (union row_cb){ .site = cb }, arg);
}

int
gs_store_site_remove(struct gs_store *st, const uint8_t pk[32])
{
	const struct arg args[] = { A_ID(pk) };

	return run_changed(st, SS_SITE_REMOVE, "site remove", args,
	    NARGS(args));
}

int
gs_store_peer_put(struct gs_store *st, const struct gs_peer_row *p)
{
	const struct arg args[] = {
		A_ID(p->pk),
		A_TEXT(p->endpoint),
		A_TEXT(p->name != NULL ? p->name : ""),
		A_INT(p->introducer ? 1 : 0),
		A_INT(p->added),
		A_INT(p->last_seen),
		A_INT(p->last_sync),
	};

	if (p->endpoint == NULL)
		return GS_EINVAL;
	return run(st, SS_PEER_PUT, "peer put", args, NARGS(args), step_done);
}

int
gs_store_peer_remove(struct gs_store *st, const uint8_t pk[32])
{
	const struct arg args[] = { A_ID(pk) };

	return run_changed(st, SS_PEER_REMOVE, "peer remove", args,
	    NARGS(args));
}

int
gs_store_peer_touch(struct gs_store *st, const uint8_t pk[32],
    int64_t last_seen, int64_t last_sync)
{
	const struct arg args[] = {
		A_ID(pk), A_INT(last_seen), A_INT(last_sync)
	};

	return run_changed(st, SS_PEER_TOUCH, "peer touch", args,
	    NARGS(args));
}

int
gs_store_peers_foreach(struct gs_store *st, gs_store_peer_cb cb, void *arg)
{
	return query(st, SS_PEERS_ALL, "peers", NULL, 0, RT_PEER, false,
	    (union row_cb){ .peer = cb }, arg);
}

int
gs_store_equivocation_add(struct gs_store *st, const uint8_t author[32],
    uint64_t seq, const uint8_t *hdr_a, size_t len_a, const uint8_t *sig_a,
    const uint8_t *hdr_b, size_t len_b, const uint8_t *sig_b)
{
	const struct arg args[] = {
		A_ID(author),
		A_INT(seq),
		A_BYTES(hdr_a, len_a),
		A_SIG(sig_a),
		A_BYTES(hdr_b, len_b),
		A_SIG(sig_b),
		A_INT(time(NULL)),
	};

	if (seq > INT64_MAX || hdr_a == NULL || hdr_b == NULL ||
	    sig_a == NULL || sig_b == NULL)
		return GS_EINVAL;
	return run(st, SS_EQUIVOC_ADD, "equivocation add", args,
	    NARGS(args), step_done);
}

int
gs_store_equivocation_count(struct gs_store *st, int64_t *count)
{
	return count_rows(st, SS_EQUIVOC_COUNT, "equivocation count", count);
}

int
gs_store_equivocation_has(struct gs_store *st, const uint8_t author[32],
    uint64_t seq)
{
	const struct arg args[] = { A_ID(author), A_INT(seq) };

	if (seq > INT64_MAX)
		return 0;
	return run(st, SS_EQUIVOC_HAS, "equivocation has", args,
	    NARGS(args), step_exists);
}

int
gs_store_equivocations_foreach(struct gs_store *st, gs_store_equivoc_cb cb,
    void *arg)
{
	return query(st, SS_EQUIVOC_ALL, "equivocations", NULL, 0, RT_EQUIVOC,
	    false, (union row_cb){ .equivoc = cb }, arg);
}

int
gs_store_pending_touch(struct gs_store *st, const uint8_t curve[32],
    const char *address, int64_t now, int64_t max_rows)
{
	const struct arg args[] = {
		A_ID(curve),
		A_TEXT(address != NULL ? address : ""),
		A_INT(now),
	};
	int64_t count = 0;
	int ret = GS_EDB;

	ret = run(st, SS_PENDING_UPDATE, "pending update", args,
	    NARGS(args), step_done);
	if (ret != 0 || sqlite3_changes(st->db) > 0)
		goto out;
	ret = count_rows(st, SS_PENDING_COUNT, "pending count", &count);
	if (ret != 0)
		goto out;
	if (count >= max_rows) {
		ret = GS_EFULL;
		goto out;
	}
	ret = run(st, SS_PENDING_INSERT, "pending insert", args,
	    NARGS(args), step_done);
out:
	return ret;
}

int
gs_store_pending_remove(struct gs_store *st, const uint8_t curve[32])
{
	const struct arg args[] = { A_ID(curve) };

	return run(st, SS_PENDING_REMOVE, "pending remove", args,
	    NARGS(args), step_done);
}

int
gs_store_pending_foreach(struct gs_store *st, gs_store_pending_cb cb,
    void *arg)
{
	return query(st, SS_PENDING_ALL, "pending", NULL, 0, RT_PENDING, false,
	    (union row_cb){ .pending = cb }, arg);
}

int
gs_store_pending_announce(struct gs_store *st, const uint8_t curve[32],
    const uint8_t site[32], const char *name, const char *town,
    const char *endpoint)
{
	const struct arg args[] = {
		A_ID(curve), A_ID(site), A_TEXT(name), A_TEXT(town),
		A_TEXT(endpoint),
	};

	return run_changed(st, SS_PENDING_ANNOUNCE, "pending announce", args,
	    NARGS(args));
}

int
gs_store_invite_add(struct gs_store *st, const struct gs_invite_row *r)
{
	const struct arg args[] = {
		A_BYTES(r->id, GS_STORE_INVITE_ID), A_TEXT(r->label),
		A_ID(r->key), A_INT(r->expires), A_INT(r->uses_left),
		A_INT(r->created),
	};

	return run(st, SS_INVITE_ADD, "invite add", args, NARGS(args),
	    step_done);
}

int
gs_store_invite_get(struct gs_store *st,
    const uint8_t id[GS_STORE_INVITE_ID], gs_store_invite_cb cb, void *arg)
{
	const struct arg args[] = { A_BYTES(id, GS_STORE_INVITE_ID) };

	return query(st, SS_INVITE_GET, "invite get", args, NARGS(args),
	    RT_INVITE, true, (union row_cb){ .invite = cb }, arg);
}

int
gs_store_invites_foreach(struct gs_store *st, gs_store_invite_cb cb,
    void *arg)
{
	return query(st, SS_INVITES_ALL, "invites", NULL, 0, RT_INVITE, false,
	    (union row_cb){ .invite = cb }, arg);
}

int
gs_store_invite_use(struct gs_store *st,
    const uint8_t id[GS_STORE_INVITE_ID])
{
	const struct arg args[] = { A_BYTES(id, GS_STORE_INVITE_ID) };

	return run_changed(st, SS_INVITE_USE, "invite use", args,
	    NARGS(args));
}

int
gs_store_invite_revoke(struct gs_store *st,
    const uint8_t id[GS_STORE_INVITE_ID])
{
	const struct arg args[] = { A_BYTES(id, GS_STORE_INVITE_ID) };

	return run_changed(st, SS_INVITE_REVOKE, "invite revoke", args,
	    NARGS(args));
}

/* A checkpoint of the WAL in mode; nothing to do without a WAL. */
static int
checkpoint(struct gs_store *st, int mode, const char *what)
{
	int rc;

	if (!st->wal || st->in_memory)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, mode, NULL, NULL);
	return rc == SQLITE_OK ? 0 : db_fail(st, what, rc);
}

int
gs_store_checkpoint(struct gs_store *st)
{
	return checkpoint(st, SQLITE_CHECKPOINT_PASSIVE, "checkpoint");
}

int
gs_store_checkpoint_truncate(struct gs_store *st)
{
	return checkpoint(st, SQLITE_CHECKPOINT_TRUNCATE,
	    "checkpoint (truncate)");
}

/* ---- erasures ---- */

int
gs_store_erase_bodies(struct gs_store *st, const uint8_t item[16],
    const uint8_t author[32], uint64_t seq, int64_t *erased)
{
	const struct arg args[] = {
		A_BYTES(item, STORE_ITEM_LEN),
		A_ID(author),
		A_INT(seq),
	};
	const struct arg put[] = {
		A_BYTES(item, STORE_ITEM_LEN),
		A_ID(author),
		A_INT(seq),
	};
	int ret = GS_EINVAL;

	if (erased != NULL)
		*erased = 0;
	if (seq > INT64_MAX)
		goto out;
	ret = run(st, SS_ERASE_BODIES, "erase bodies", args, NARGS(args),
	    step_done);
	if (ret != 0)
		goto out;
	if (erased != NULL)
		*erased = sqlite3_changes64(st->db);
	ret = run(st, SS_ERASURE_PUT, "erasure put", put, NARGS(put),
	    step_done);
out:
	return ret;
}

int
gs_store_erasure_get(struct gs_store *st, const uint8_t item[16],
    uint8_t author[32], uint64_t *seq)
{
	const struct arg args[] = { A_BYTES(item, STORE_ITEM_LEN) };
	sqlite3_stmt *s = NULL;
	int ret = GS_EDB;
	int rc;

	ret = stmt_bind(st, SS_ERASURE_GET, "erasure get", args, NARGS(args),
	    &s);
	if (ret != 0)
		goto out;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		ret = GS_ENOTFOUND;
	} else if (rc != SQLITE_ROW) {
		ret = db_fail(st, "erasure get", rc);
	} else if (!col_fixed(s, 0, author, STORE_ID_LEN) ||
	    sqlite3_column_int64(s, 1) < 1) {
		log_warnx("store: erasure get: malformed row");
		ret = GS_ECORRUPT;
	} else {
		*seq = (uint64_t)sqlite3_column_int64(s, 1);
		ret = 0;
	}
	stmt_done(s);
out:
	return ret;
}

/* ---- items ---- */

int
gs_store_item_put(struct gs_store *st, const struct gs_item_row *r)
{
	const struct arg args[] = {
		A_BYTES(r->id, STORE_ITEM_LEN), A_INT(r->type),
		A_INT(r->nchanges), A_INT(r->nconflicts), A_INT(r->received_ms),
		A_OPT(r->sealed_state != NULL, r->sealed_state, r->sealed_len),
		A_ID(r->owner),
		A_INT(r->deleted),
	};

	int ret = author_put(st, r->owner);

	if (ret != 0)
		return ret;
	return run(st, SS_ITEM_PUT, "item put", args, NARGS(args), step_done);
}

int
gs_store_item_get(struct gs_store *st, const uint8_t id[16],
    gs_store_item_cb cb, void *arg)
{
	const struct arg args[] = { A_BYTES(id, STORE_ITEM_LEN) };

	return query(st, SS_ITEM_GET, "item get", args, NARGS(args), RT_ITEM,
	    true, (union row_cb){ .item = cb }, arg);
}

int
gs_store_item_range(struct gs_store *st, const uint8_t lo[16],
    const uint8_t hi[16], int type, gs_store_item_cb cb, void *arg)
{
	const struct arg args[] = {
		A_BYTES(lo, STORE_ITEM_LEN), A_BYTES(hi, STORE_ITEM_LEN),
		A_INT(type),
	};

	return query(st, SS_ITEM_RANGE, "item range", args, NARGS(args),
	    RT_ITEM, false, (union row_cb){ .item = cb }, arg);
}

int
gs_store_items_foreach(struct gs_store *st, int type, gs_store_item_cb cb,
    void *arg)
{
	const struct arg args[] = { A_INT(type) };

	if (type == GS_STORE_CONFLICTED)
		return query(st, SS_ITEMS_CONFLICTED, "conflicted items", NULL,
		    0, RT_ITEM, false, (union row_cb){ .item = cb }, arg);
	if (type == 0)
		return query(st, SS_ITEMS_ALL, "items", NULL, 0, RT_ITEM,
		    false, (union row_cb){ .item = cb }, arg);
	/*
	 * Events and resources are most of the rows: reading the table in
	 * storage order beats one index probe per row. Sites and
	 * reservations are few: the index finds them.
	 */
	return query(st, type == 1 || type == 2 ? SS_ITEMS_OF_TYPE_SCAN :
	    SS_ITEMS_OF_TYPE, "items of type", args, NARGS(args), RT_ITEM,
	    false, (union row_cb){ .item = cb }, arg);
}

int
gs_store_item_count(struct gs_store *st, int type, int64_t *count)
{
	const struct arg args[] = { A_INT(type) };
	sqlite3_stmt *s = NULL;
	int ret;

	if (type == GS_STORE_CONFLICTED)
		return count_rows(st, SS_ITEM_COUNT_CONFLICTED,
		    "conflicted item count", count);
	if (type == 0)
		return count_rows(st, SS_ITEM_COUNT, "item count", count);
	*count = 0;
	ret = stmt_bind(st, SS_ITEM_COUNT_TYPE, "item count", args,
	    NARGS(args), &s);
	if (ret == 0)
		ret = step_int64(st, s, "item count", count);
	return ret;
}

int
gs_store_owned_counts(struct gs_store *st, gs_store_summary_cb cb, void *arg)
{
	return query(st, SS_ITEM_COUNT_OWNED, "owned counts", NULL, 0,
	    RT_SUMMARY, false, (union row_cb){ .summary = cb }, arg);
}

int
gs_store_items_missing(struct gs_store *st, gs_store_item_id_cb cb, void *arg)
{
	return query(st, SS_ITEMS_MISSING, "items missing", NULL, 0,
	    RT_ITEM_ID, false, (union row_cb){ .item_id = cb }, arg);
}

void
gs_store_release_memory(struct gs_store *st)
{
	sqlite3_db_release_memory(st->db);
}

/* ---- online backup ---- */

struct gs_store_backup {
	struct gs_store *st;        /* lent: the source */
	sqlite3 *dst;               /* owned: the copy */
	sqlite3_backup *bk;         /* owned: SQLite's backup object */
};

int
gs_store_backup_begin(struct gs_store *st, const char *path,
    struct gs_store_backup **out)
{
	struct gs_store_backup *b = NULL;
	int ret = GS_ENOMEM;
	int fd, rc;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto out;
	b->st = st;
	/* created here, 0600 and exclusively: SQLite would make it 0644 */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		ret = errno == EEXIST ? GS_EEXISTS : GS_EIO;
		log_warn("store: backup copy %s", path);
		goto out;
	}
	close(fd);
	ret = GS_EDB;
	rc = sqlite3_open_v2(path, &b->dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("store: backup copy: %s", b->dst ?
		    sqlite3_errmsg(b->dst) : "cannot open");
		ret = map_rc(rc);
		goto out;
	}
	b->bk = sqlite3_backup_init(b->dst, "main", st->db, "main");
	if (b->bk == NULL) {
		log_warnx("store: backup: %s", sqlite3_errmsg(b->dst));
		ret = map_rc(sqlite3_errcode(b->dst));
		if (ret == 0)
			ret = GS_EDB;
		goto out;
	}
	*out = b;
	b = NULL;
	ret = 0;
out:
	gs_store_backup_end(&b);
	return ret;
}

int
gs_store_backup_step(struct gs_store_backup *b, int pages, int *remaining,
    int *total)
{
	int ret = GS_EDB;
	int rc;

	rc = sqlite3_backup_step(b->bk, pages > 0 ? pages : 1);
	if (remaining != NULL)
		*remaining = sqlite3_backup_remaining(b->bk);
	if (total != NULL)
		*total = sqlite3_backup_pagecount(b->bk);
	if (rc == SQLITE_DONE) {
		ret = 1;
		goto out;
	}
	if (rc == SQLITE_OK) {
		ret = 0;
		goto out;
	}
	log_warnx("store: backup step: %s (%d)", sqlite3_errmsg(b->dst), rc);
	ret = map_rc(rc);
	if (ret == 0)
		ret = GS_EDB;
out:
	return ret;
}

void
gs_store_backup_end(struct gs_store_backup **bp)
{
	struct gs_store_backup *b = *bp;

	if (b == NULL)
		return;
	if (b->bk != NULL)
		(void)sqlite3_backup_finish(b->bk);
	if (b->dst != NULL)
		(void)sqlite3_close(b->dst);
	free(b);
	*bp = NULL;
}
