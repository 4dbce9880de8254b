/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.c: making a backup file while the daemon runs, and restoring one
 * with the daemon stopped (backup.h has the layout). The database copy is
 * the store's (SQLite's backup API); this file adds the header and the
 * keys section, serves the result in chunks, and on restore puts the
 * pieces back and checks them by opening the site the way a start does.
 */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "identity.h"
#include "keyfile.h"
#include "log.h"
#include "replica.h"
#include "store.h"
#include "vault.h"

#define MAGIC "GSB1"
#define VERSION 1
#define FLAG_KEYS 0x01
#define HDR_LEN 20
#define KEY_MAX 512               /* a key file read into the bundle */
#define STEP_PAGES 1024           /* pages copied per step */
#define COPY_BUF 65536
#define DB_PART "backup.db.part"
#define DB_NAME "gemsync.db"
#define RESTORE_PART "gemsync.db.restore"

struct gs_backup {
	struct gs_store_backup *copy;  /* owned; NULL once complete */
	char *path;                    /* owned: the database copy */
	uint8_t head[HDR_LEN];         /* the file header, once complete */
	uint8_t *keys;                 /* owned: the sealed keys, or NULL */
	size_t keys_len;
	uint64_t db_len;               /* the copy's size, once complete */
	int fd;                        /* the copy, read-only, once complete */
	bool complete;
};

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* A malloc'd "dir/name", or NULL. */
static char *
join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/* Appends the key file at path to buf (guarded) as a 2-byte length and its bytes. */
static int
add_key(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int ret;

	/* no larger than the restore accepts (next_key) */
	if (*len + 2 + KEY_MAX > cap)
		return GS_ETOOBIG;
	ret = gs_keyfile_read(path, buf + *len + 2, KEY_MAX, &n);
	if (ret != 0)
		return ret;
	if (n == 0)
		return GS_ECORRUPT;
	put_le(buf + *len, n, 2);
	*len += 2 + n;
	return 0;
}

/* The site key and the storage key file, sealed under passphrase. */
static int
seal_keys(const char *data_dir, const char *key_file, const char *passphrase,
    uint8_t **out, size_t *outlen)
{
	uint8_t *buf = gs_secure_alloc(2 * (KEY_MAX + 2));
	char *site_key = join(data_dir, "site.key");
	size_t len = 0;
	int ret = GS_ENOMEM;

	if (buf == NULL || site_key == NULL)
		goto out;
	ret = add_key(site_key, buf, 2 * (KEY_MAX + 2), &len);
	if (ret == 0)
		ret = add_key(key_file, buf, 2 * (KEY_MAX + 2), &len);
	if (ret == 0)
		ret = gs_vault_pass_seal(passphrase, buf, len, out, outlen);
out:
	gs_secure_free(buf);
	free(site_key);
	return ret;
}

int
gs_backup_start(struct gs_store *st, const char *data_dir,
    const char *key_file, const char *passphrase, struct gs_backup **out)
{
	struct gs_backup *b;
	int ret = GS_ENOMEM;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ret;
	b->fd = -1;
	if ((b->path = join(data_dir, DB_PART)) == NULL)
		goto out;
	if (passphrase != NULL && passphrase[0] != '\0') {
		ret = seal_keys(data_dir, key_file, passphrase, &b->keys,
		    &b->keys_len);
		if (ret != 0)
			goto out;
	}
	/* a copy left by a daemon stopped mid-backup is of no use */
	if (unlink(b->path) != 0 && errno != ENOENT) {
		log_warn("backup: %s", b->path);
		ret = GS_EIO;
		goto out;
	}
	ret = gs_store_backup_begin(st, b->path, &b->copy);
	if (ret != 0)
		goto out;
	*out = b;
	b = NULL;
out:
	gs_backup_destroy(&b);
	return ret;
}

/* The copy is done: opens it for reading and builds the header. */
static int
finish(struct gs_backup *b)
{
	struct stat sb;

	gs_store_backup_end(&b->copy);
	b->fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (b->fd == -1 || fstat(b->fd, &sb) != 0) {
		log_warn("backup: %s", b->path);
		return GS_EIO;
	}
	b->db_len = (uint64_t)sb.st_size;
	memcpy(b->head, MAGIC, 4);
	b->head[4] = VERSION;
	b->head[5] = b->keys != NULL ? FLAG_KEYS : 0;
	b->head[6] = b->head[7] = 0;
	put_le(b->head + 8, b->keys_len, 4);
	put_le(b->head + 12, b->db_len, 8);
	b->complete = true;
	return 0;
}

int
gs_backup_step(struct gs_backup *b, int *done_pct)
{
	int remaining = 0, total = 0, ret;

	if (b->complete) {
		if (done_pct != NULL)
			*done_pct = 100;
		return 1;
	}
	ret = gs_store_backup_step(b->copy, STEP_PAGES, &remaining, &total);
	if (done_pct != NULL)
		*done_pct = total > 0 ? (int)((int64_t)(total - remaining) *
		    100 / total) : 0;
	if (ret == 1) {
		ret = finish(b);
		if (ret == 0)
			ret = 1;
	}
	return ret;
}

uint64_t
gs_backup_size(const struct gs_backup *b)
{
	return b->complete ? HDR_LEN + b->keys_len + b->db_len : 0;
}

bool
gs_backup_has_keys(const struct gs_backup *b)
{
	return b->keys != NULL;
}

int
gs_backup_read(struct gs_backup *b, uint64_t offset, uint8_t *buf,
    size_t cap, size_t *n)
{
	uint64_t size = gs_backup_size(b), prefix = HDR_LEN + b->keys_len;
	size_t done = 0, want;
	ssize_t got;

	*n = 0;
	if (!b->complete || offset > size)
		return GS_EINVAL;
	while (done < cap && offset < prefix) {
		buf[done++] = offset < HDR_LEN ? b->head[offset] :
		    b->keys[offset - HDR_LEN];
		offset++;
	}
	while (done < cap && offset < size) {
		want = cap - done;
		if (want > size - offset)
			want = (size_t)(size - offset);
		got = pread(b->fd, buf + done, want, (off_t)(offset - prefix));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			log_warn("backup: reading %s", b->path);
			return GS_EIO;
		}
		done += (size_t)got;
		offset += (uint64_t)got;
	}
	*n = done;
	return 0;
}

void
gs_backup_destroy(struct gs_backup **bp)
{
	struct gs_backup *b = *bp;

	if (b == NULL)
		return;
	gs_store_backup_end(&b->copy);
	if (b->fd != -1)
		close(b->fd);
	if (b->path != NULL && unlink(b->path) != 0 && errno != ENOENT)
		log_warn("backup: removing %s", b->path);
	free(b->path);
	free(b->keys);
	free(b);
	*bp = NULL;
}

/* ---- restore ---- */

/* What a restore works with; paths are owned. */
struct restore {
	const struct gs_restore_opts *o;
	char *err;
	size_t errlen;
	int fd;                       /* the backup file */
	uint8_t head[HDR_LEN];
	uint64_t keys_len, db_len;
	char *db, *part, *site_key, *site_id;
	uint8_t *plain;               /* the opened keys section (guarded) */
	size_t plain_len;
	const uint8_t *sk, *vk;       /* its two keys, lent from plain */
	size_t sklen, vklen;
	bool wrote_keys;              /* keys written by this restore */
	bool wrote_db;
	char *aside[8];               /* files of the replaced site, renamed
	                               * to NAME.avant-restauration until the
	                               * restore succeeds */
	size_t naside;
};

static int
fail(struct restore *x, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct restore *x, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Reads exactly len bytes at offset. 0 or GS_EIO. */
static int
read_at(int fd, uint64_t offset, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t got;

	while (done < len) {
		got = pread(fd, (uint8_t *)buf + done, len - done,
		    (off_t)(offset + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return GS_EIO;
		done += (size_t)got;
	}
	return 0;
}

/* Opens the backup file and checks its header against its size. */
static int
read_header(struct restore *x)
{
	struct stat sb;

	x->fd = open(x->o->file, O_RDONLY | O_CLOEXEC);
	if (x->fd == -1 || fstat(x->fd, &sb) != 0)
		return fail(x, GS_EIO, "impossible de lire la sauvegarde %s : "
		    "%s", x->o->file, strerror(errno));
	if (sb.st_size < HDR_LEN || read_at(x->fd, 0, x->head, HDR_LEN) ||
	    memcmp(x->head, MAGIC, 4) != 0)
		return fail(x, GS_ECORRUPT, "%s n'est pas une sauvegarde "
		    "gemsync (faite par « gemsync backup »)", x->o->file);
	if (x->head[4] != VERSION)
		return fail(x, GS_EVERSION, "%s vient d'une version de gemsync "
		    "plus récente (format %u) : restaurez-la avec cette "
		    "version", x->o->file, x->head[4]);
	x->keys_len = get_le(x->head + 8, 4);
	x->db_len = get_le(x->head + 12, 8);
	if (((x->head[5] & FLAG_KEYS) != 0) != (x->keys_len > 0) ||
	    x->db_len == 0 ||
	    x->keys_len > (uint64_t)sb.st_size - HDR_LEN ||
	    x->db_len != (uint64_t)sb.st_size - HDR_LEN - x->keys_len)
		return fail(x, GS_ECORRUPT, "la sauvegarde %s est incomplète "
		    "ou abîmée (sa taille ne correspond pas à son en-tête) : "
		    "prenez-en une autre copie", x->o->file);
	return 0;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/*
 * Sets path aside (renamed NAME.avant-restauration) if it exists, so that
 * a failed restore can put the replaced site back. 0, or GS_EIO/GS_ENOMEM
 * (err set).
 */
static int
remove_file(struct restore *x, const char *path)
{
	char *to;

	if (!exists(path))
		return 0;
	if (x->naside == sizeof(x->aside) / sizeof(x->aside[0]) ||
	    asprintf(&to, "%s.avant-restauration", path) < 0)
		return fail(x, GS_ENOMEM, "mémoire insuffisante");
	if (rename(path, to) != 0) {
		free(to);
		return fail(x, GS_EIO, "impossible de mettre de côté %s : %s",
		    path, strerror(errno));
	}
	x->aside[x->naside++] = to;
	return 0;
}

/*
 * The files set aside: put back in place (restore failed, put_back) or
 * dropped (restore done). Frees the names either way.
 */
static void
end_aside(struct restore *x, bool put_back)
{
	size_t n;

	for (size_t i = 0; i < x->naside; i++) {
		n = strlen(x->aside[i]) - strlen(".avant-restauration");
		if (put_back) {
			char *orig = strndup(x->aside[i], n);

			if (orig == NULL || rename(x->aside[i], orig) != 0)
				log_warnx("backup: %s left as it is: put it back "
				    "by hand", x->aside[i]);
			free(orig);
		} else {
			(void)unlink(x->aside[i]);
		}
		free(x->aside[i]);
	}
	x->naside = 0;
}

/* Refuses to replace a site, or with force clears what will be replaced. */
static int
clear_site(struct restore *x)
{
	static const char *const db_files[] = { "gemsync.db", "gemsync.db-wal",
	    "gemsync.db-shm", RESTORE_PART };
	bool keys = x->keys_len > 0;
	char *p;
	int ret = 0;

	if (!x->o->force && (exists(x->db) || (keys && (exists(x->site_key) ||
	    exists(x->o->key_file)))))
		return fail(x, GS_EEXISTS, "un site existe déjà dans %s : rien "
		    "n'a été modifié. Pour le remplacer par la sauvegarde, "
		    "arrêtez gemsyncd puis relancez avec --force",
		    x->o->data_dir);
	for (size_t i = 0; ret == 0 && i < sizeof(db_files) /
	    sizeof(db_files[0]); i++) {
		if ((p = join(x->o->data_dir, db_files[i])) == NULL)
			return fail(x, GS_ENOMEM, "mémoire insuffisante");
		ret = remove_file(x, p);
		free(p);
	}
	if (ret == 0 && keys)
		ret = remove_file(x, x->site_key);
	if (ret == 0 && keys)
		ret = remove_file(x, x->site_id);
	if (ret == 0 && keys)
		ret = remove_file(x, x->o->key_file);
	return ret;
}

/* Takes the next length-prefixed key out of the bundle. */
static int
next_key(const uint8_t *b, size_t len, size_t *pos, const uint8_t **key,
    size_t *klen)
{
	if (len - *pos < 2)
		return GS_ECORRUPT;
	*klen = (size_t)get_le(b + *pos, 2);
	if (*klen == 0 || *klen > KEY_MAX || len - *pos - 2 < *klen)
		return GS_ECORRUPT;
	*key = b + *pos + 2;
	*pos += 2 + *klen;
	return 0;
}

/* Writes site.id beside the restored site key, as init does. */
static int
write_site_id(struct restore *x)
{
	struct gs_identity *id = NULL;
	char line[GS_SITEID_SIZE + 1];
	int ret;

	ret = gs_identity_load(x->o->data_dir, x->o->store_pass, &id);
	if (ret != 0)
		return fail(x, ret, "la clé du site de la sauvegarde est "
		    "illisible : %s", gs_strerror(ret));
	snprintf(line, sizeof(line), "%s\n", gs_identity_siteid(id));
	gs_identity_destroy(&id);
	ret = gs_keyfile_create(x->site_id, line, strlen(line));
	if (ret != 0)
		return fail(x, ret, "impossible d'écrire %s : %s", x->site_id,
		    gs_strerror(ret));
	return 0;
}

/*
 * Opens the keys section into x->plain, before anything on disk is
 * touched: a wrong passphrase costs nothing, even with --force.
 */
static int
open_keys(struct restore *x)
{
	uint8_t *sealed = NULL;
	size_t pos = 0;
	int ret = GS_ENOMEM;

	if (x->o->passphrase == NULL || x->o->passphrase[0] == '\0')
		return fail(x, GS_EBADKEY, "cette sauvegarde contient les clés "
		    "du site, protégées par une phrase secrète : donnez-la "
		    "avec --passphrase-file FICHIER (ou la variable "
		    "GEMSYNC_BACKUP_PASSPHRASE)");
	if (x->keys_len > GS_VAULT_PASS_MAX + GS_VAULT_PASS_OVERHEAD)
		return fail(x, GS_ECORRUPT, "la section des clés de %s est "
		    "abîmée", x->o->file);
	if ((sealed = malloc((size_t)x->keys_len)) == NULL) {
		fail(x, ret, "mémoire insuffisante");
		goto out;
	}
	ret = read_at(x->fd, HDR_LEN, sealed, (size_t)x->keys_len);
	if (ret == 0)
		ret = gs_vault_pass_open(x->o->passphrase, sealed,
		    (size_t)x->keys_len, &x->plain, &x->plain_len);
	if (ret == GS_EBADKEY) {
		fail(x, ret, "phrase secrète fausse pour cette sauvegarde (ou "
		    "fichier modifié) : rien n'a été écrit ; vérifiez le "
		    "fichier donné à --passphrase-file");
		goto out;
	}
	if (ret == 0)
		ret = next_key(x->plain, x->plain_len, &pos, &x->sk,
		    &x->sklen);
	if (ret == 0)
		ret = next_key(x->plain, x->plain_len, &pos, &x->vk,
		    &x->vklen);
	if (ret != 0)
		fail(x, ret, "la section des clés de %s est illisible : %s",
		    x->o->file, gs_strerror(ret));
out:
	free(sealed);
	return ret;
}

/* Writes the two key files open_keys took out, and site.id. */
static int
write_keys(struct restore *x)
{
	int ret;

	x->wrote_keys = true;
	ret = gs_keyfile_create(x->site_key, x->sk, x->sklen);
	if (ret == 0)
		ret = gs_keyfile_create(x->o->key_file, x->vk, x->vklen);
	if (ret != 0)
		return fail(x, ret, "impossible d'écrire les clés du site (%s, "
		    "%s) : %s", x->site_key, x->o->key_file, gs_strerror(ret));
	return write_site_id(x);
}

/* Without keys in the file, the site's keys must already be in place. */
static int
check_keys_present(struct restore *x)
{
	if (exists(x->site_key) && exists(x->o->key_file))
		return 0;
	return fail(x, GS_ENOTFOUND, "cette sauvegarde ne contient pas les "
	    "clés du site (elle a été faite sans --with-keys) : copiez "
	    "d'abord depuis l'ancien PC le fichier site.key dans %s et la clé "
	    "de stockage dans %s (mode 0600, propriétaire : l'utilisateur de "
	    "gemsyncd), puis relancez la restauration", x->o->data_dir,
	    x->o->key_file);
}

/* Copies the database section to gemsync.db, through a synced part file. */
static int
restore_db(struct restore *x)
{
	uint8_t *buf = malloc(COPY_BUF);
	uint64_t off = 0;
	size_t want;
	ssize_t put;
	int ret = GS_ENOMEM, out_fd = -1, dfd;

	if (buf == NULL)
		return fail(x, ret, "mémoire insuffisante");
	out_fd = open(x->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ret = GS_EIO;
	if (out_fd == -1) {
		fail(x, ret, "impossible de créer %s : %s", x->part,
		    strerror(errno));
		goto out;
	}
	x->wrote_db = true;
	while (off < x->db_len) {
		want = x->db_len - off < COPY_BUF ? (size_t)(x->db_len - off) :
		    COPY_BUF;
		if (read_at(x->fd, HDR_LEN + x->keys_len + off, buf, want)) {
			fail(x, ret, "lecture de %s impossible", x->o->file);
			goto out;
		}
		put = write(out_fd, buf, want);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			fail(x, errno == ENOSPC ? GS_EFULL : ret, "écriture de "
			    "%s impossible : %s", x->part, strerror(errno));
			goto out;
		}
		off += (uint64_t)put;
	}
	if (fsync(out_fd) != 0 || rename(x->part, x->db) != 0) {
		fail(x, ret, "écriture de %s impossible : %s", x->db,
		    strerror(errno));
		goto out;
	}
	dfd = open(x->o->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	ret = 0;
out:
	if (out_fd != -1)
		close(out_fd);
	free(buf);
	return ret;
}

/*
 * Opens the restored site as a start would (keys against the database,
 * schema, every body's authentication), runs quick_check, and sets the
 * catch-up flag.
 */
static int
check_and_mark(struct restore *x)
{
	struct gs_replica_opts ro;
	struct gs_store *st = NULL;
	struct gs_replica *r = NULL;
	char why[400];
	int ret;

	ret = gs_replica_open_store(x->o->data_dir, &st, why, sizeof(why));
	if (ret == 0) {
		ret = gs_store_check(st);
		if (ret != 0)
			snprintf(why, sizeof(why), "la base copiée ne passe pas "
			    "le contrôle d'intégrité de SQLite");
	}
	if (ret == 0) {
		memset(&ro, 0, sizeof(ro));
		ro.data_dir = x->o->data_dir;
		ro.key_file = x->o->key_file;
		ro.passphrase = x->o->store_pass;
		ro.max_drift_s = x->o->max_drift_s;
		ret = gs_replica_open(&ro, st, &r, why, sizeof(why));
	}
	if (ret == 0) {
		ret = gs_replica_set_catching_up(r, true);
		if (ret != 0)
			snprintf(why, sizeof(why), "%s", gs_strerror(ret));
	}
	if (ret != 0)
		fail(x, ret, "la sauvegarde %s n'a pas pu être restaurée : %s "
		    "(la base copiée a été retirée)", x->o->file, why);
	gs_replica_close(&r);
	gs_store_close(&st);
	return ret;
}

/* Takes back what a failed restore wrote. */
static void
undo(struct restore *x)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char *p;

	if (x->wrote_db) {
		(void)unlink(x->part);
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			if (asprintf(&p, "%s%s", x->db, sfx[i]) >= 0) {
				(void)unlink(p);
				free(p);
			}
		}
	}
	if (x->wrote_keys) {
		(void)unlink(x->site_key);
		(void)unlink(x->site_id);
		(void)unlink(x->o->key_file);
	}
}

int
gs_backup_restore(const struct gs_restore_opts *o, char *err, size_t errlen)
{
	struct restore x;
	int ret;

	memset(&x, 0, sizeof(x));
	x.o = o;
	x.err = err;
	x.errlen = errlen;
	x.fd = -1;
	x.db = join(o->data_dir, DB_NAME);
	x.part = join(o->data_dir, RESTORE_PART);
	x.site_key = join(o->data_dir, "site.key");
	x.site_id = join(o->data_dir, "site.id");
	if (x.db == NULL || x.part == NULL || x.site_key == NULL ||
	    x.site_id == NULL) {
		ret = fail(&x, GS_ENOMEM, "mémoire insuffisante");
		goto out;
	}
	ret = read_header(&x);
	if (ret == 0 && x.keys_len > 0)
		ret = open_keys(&x);
	if (ret != 0)
		goto out;
	if (mkdir(o->data_dir, 0700) != 0 && errno != EEXIST) {
		ret = fail(&x, GS_EIO, "impossible de créer le dossier de "
		    "données %s : %s", o->data_dir, strerror(errno));
		goto out;
	}
	/* keys that must already be here: checked before anything moves */
	if (x.keys_len == 0 && (ret = check_keys_present(&x)) != 0)
		goto out;
	ret = clear_site(&x);
	if (ret == 0)
		ret = x.keys_len > 0 ? write_keys(&x) : 0;
	if (ret == 0)
		ret = restore_db(&x);
	if (ret == 0)
		ret = check_and_mark(&x);
	if (ret != 0)
		undo(&x);
	end_aside(&x, ret != 0);
out:
	if (x.fd != -1)
		close(x.fd);
	gs_vault_secret_free(x.plain);
	free(x.db);
	free(x.part);
	free(x.site_key);
	free(x.site_id);
	return ret;
}
