/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.h: a site in one file, and back. A backup is made by the running
 * daemon (it owns the database): an online, consistent copy taken with
 * SQLite's backup API in steps between which the loop keeps serving,
 * bodies and states still sealed under the storage key; with keys, the
 * site key and the storage key file are added, sealed under a passphrase
 * (Argon2id). The CLI fetches the finished file in chunks over the
 * control socket and writes it where the admin asked, so the daemon
 * never writes outside its data dir. A restore runs with the daemon
 * stopped (`gemsyncd --restore`), writes the site back into the data dir
 * and leaves it catching up (replica.h, gs_replica_catching_up).
 *
 * File layout (docs/internals/storage-format.md, "Backup file"): a
 * 20-byte header, "GSB1", version 1, flags (bit 0: keys), two zero
 * bytes, the keys section's length (4 bytes, little endian) and the
 * database's (8 bytes, little endian); then the keys section (absent
 * when its length is 0), then the SQLite database file.
 */
#ifndef GS_BACKUP_H
#define GS_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gs_store;
struct gs_backup;

/*
 * Starts a backup of st: the copy goes to DATA_DIR/backup.db.part (a
 * stale one, left by a daemon stopped during a backup, is replaced).
 * With a passphrase (not NULL, not empty), DATA_DIR/site.key and the
 * storage key file key_file are read now and sealed under it. Returns 0
 * and *out (owned by the caller), GS_EIO, GS_EDB, GS_ENOTFOUND or
 * GS_EPERM (a key file), GS_ENOMEM.
 */
int gs_backup_start(struct gs_store *st, const char *data_dir,
    const char *key_file, const char *passphrase, struct gs_backup **out);
/*
 * Copies the next pages (a few megabytes at most). Returns 1 when the
 * file is complete, 0 when more remains, or an error (GS_EBUSY, GS_EFULL,
 * GS_EIO, GS_EDB): the backup is then useless, destroy it. *done_pct
 * (optional) gets how much is copied, 0 to 100.
 */
int gs_backup_step(struct gs_backup *b, int *done_pct);
/* The whole file's size once complete (0 before). */
uint64_t gs_backup_size(const struct gs_backup *b);
/* True when the backup holds the keys. */
bool gs_backup_has_keys(const struct gs_backup *b);
/*
 * Reads up to cap bytes of the complete file at offset into buf; *n gets
 * the count (0 at the end). Returns 0, GS_EINVAL (not complete, offset
 * past the end), GS_EIO.
 */
int gs_backup_read(struct gs_backup *b, uint64_t offset, uint8_t *buf,
    size_t cap, size_t *n);
/* Removes the copy, wipes the sealed keys, frees; sets *b to NULL. */
void gs_backup_destroy(struct gs_backup **b);

/* What a restore needs to know. */
struct gs_restore_opts {
	const char *file;            /* the backup file */
	const char *data_dir;        /* where the site goes */
	const char *key_file;        /* the storage key file ([storage]) */
	const char *passphrase;      /* the backup's, for its keys; or NULL */
	const char *store_pass;      /* the storage key's own, or NULL */
	int max_drift_s;             /* [sync] max_clock_drift */
	bool force;                  /* replace a site already there */
};

/*
 * Restores the site in o->file into o->data_dir: refuses (GS_EEXISTS)
 * when a site is there unless o->force, writes the keys the file holds
 * (GS_EBADKEY: wrong passphrase) or checks that they are already in
 * place (GS_ENOTFOUND), writes the database, checks it (quick_check, the
 * keys against it, every body's authentication) and marks it catching
 * up. A database that fails the checks is removed again. Returns 0, or an
 * error with err set in French, saying what to do.
 */
int gs_backup_restore(const struct gs_restore_opts *o, char *err,
    size_t errlen);

#endif
