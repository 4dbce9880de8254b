/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica_open.c: creating a site (keys, database, key check) and opening
 * one: the keys are checked against the database before anything is
 * written to it, the schema is migrated, every stored body is checked,
 * and what memory keeps is read back.
 */
#include "replica_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "grow.h"
#include "log.h"
#include "store.h"
#include "vault.h"

/* ---- checks at open ---- */

struct ids {
	uint8_t (*v)[16];
	size_t n, cap;
};

static int
on_missing(const uint8_t id[16], void *arg)
{
	struct ids *m = arg;

	if (gs_grow(&m->v, &m->cap, m->n, sizeof(*m->v), 256) != 0)
		return GS_ENOMEM;
	memcpy(m->v[m->n++], id, 16);
	return 0;
}

/*
 * Builds the items rows that are missing: every item of a database made
 * before the items table existed. Done once, in batches.
 */
static int
build_missing_items(struct gs_replica *r)
{
	struct ids m = { NULL, 0, 0 };
	struct gs_item *it;
	int ret;

	ret = gs_store_items_missing(r->store, on_missing, &m);
	if (ret != 0 || m.n == 0)
		goto out;
	log_info("replica: computing the state of %zu items", m.n);
	for (size_t i = 0; ret == 0 && i < m.n; i += 1000) {
		ret = gs_store_begin(r->store);
		for (size_t j = i; ret == 0 && j < m.n && j < i + 1000; j++) {
			gs_itemset_clear(r->items);
			ret = gs_itemset_create(r->items, m.v[j], 0, &it);
			if (ret == 0)
				ret = gs_replica_item_full(r, m.v[j], &it);
			if (ret == GS_ECORRUPT)
				ret = 0;   /* shown as corrupt, not stored */
			else if (ret == 0)
				ret = replica_flush_item(r, it, (int64_t)gs_wall_ms());
		}
		ret = ret == 0 ? gs_store_commit(r->store) : ret;
		if (ret != 0)
			gs_store_rollback(r->store);
	}
	gs_itemset_clear(r->items);
out:
	free(m.v);
	return ret;
}

/*
 * Items are written with their changes, so once the rows missing after
 * the migration to schema 2 are built, none can be missing again: the
 * meta key "items" says it was done, and spares every later start the
 * scan of every change.
 */
static int
build_items_once(struct gs_replica *r)
{
	uint8_t *val = NULL;
	size_t len = 0;
	int ret;

	ret = gs_store_meta_get(r->store, "items", &val, &len);
	free(val);
	if (ret != GS_ENOTFOUND)
		return ret;
	ret = build_missing_items(r);
	if (ret == 0)
		ret = gs_store_meta_set(r->store, "items", (const uint8_t *)"2",
		    1);
	return ret;
}

/* Checks every stored body's authentication, noting corrupt items. */
static int
on_scan_row(const struct gs_stored_change *c, void *arg)
{
	struct gs_replica *r = arg;
	uint8_t *body = NULL;
	size_t len = 0;

	if (c->sealed_body == NULL)
		return 0;       /* erased (the only way a body goes missing) */
	if (gs_vault_unseal(r->vault, c->id, 32, c->sealed_body,
	    c->sealed_len, &body, &len) != 0) {
		replica_mark_corrupt(r, NULL, c->item);
		return 0;
	}
	gs_wipe(body, len);
	free(body);
	return 0;
}

static int
path_join(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= outlen ? GS_EINVAL : 0;
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return GS_EINVAL;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, i == len ? mode : 0755) != 0 && errno != EEXIST)
			return GS_EIO;
		buf[i] = i == len ? '\0' : '/';
	}
	return chmod(path, mode) == 0 ? 0 : GS_EIO;
}

int
gs_replica_init_site(const char *data_dir, const char *key_file,
    const char *passphrase, char *err, size_t errlen)
{
	struct gs_identity *id = NULL;
	struct gs_vault *v = NULL;
	struct gs_store *st = NULL;
	uint8_t *kc = NULL;
	size_t kclen;
	char dbpath[4096], keypath[4096];
	struct stat sb;
	struct gs_store_types types;
	int ret;

	ret = path_join(dbpath, sizeof(dbpath), data_dir, "gemsync.db");
	if (ret == 0)
		ret = path_join(keypath, sizeof(keypath), data_dir, "site.key");
	if (ret != 0) {
		snprintf(err, errlen, "chemin trop long : %s", data_dir);
		goto out;
	}
	ret = GS_EEXISTS;
	if (stat(keypath, &sb) == 0 || stat(dbpath, &sb) == 0 ||
	    stat(key_file, &sb) == 0) {
		snprintf(err, errlen, "une identité de site existe déjà dans "
		    "%s : init refuse de l'écraser", data_dir);
		goto out;
	}
	ret = mkdir_p(data_dir, 0700);
	if (ret != 0) {
		snprintf(err, errlen, "impossible de créer %s : %s", data_dir,
		    strerror(errno));
		goto out;
	}
	ret = gs_identity_create(data_dir, passphrase, &id);
	if (ret != 0) {
		snprintf(err, errlen, "clé du site : %s", gs_strerror(ret));
		goto out;
	}
	ret = gs_vault_create(key_file, passphrase, &v);
	if (ret != 0) {
		snprintf(err, errlen, "clé de stockage %s : %s", key_file,
		    gs_strerror(ret));
		goto out;
	}
	gs_schema_store_types(&types);
	ret = gs_store_open(dbpath, &types, &st);
	if (ret == 0)
		ret = gs_store_migrate(st);
	if (ret == 0)
		ret = gs_vault_keycheck_make(v, &kc, &kclen);
	if (ret == 0)
		ret = gs_store_meta_set(st, "keycheck", kc, kclen);
	if (ret == 0)
		ret = gs_store_meta_set(st, "site_pk", gs_identity_pk(id), 32);
	if (ret != 0)
		snprintf(err, errlen, "base de données %s : %s", dbpath,
		    gs_strerror(ret));
out:
	free(kc);
	gs_store_close(&st);
	gs_vault_destroy(&v);
	gs_identity_destroy(&id);
	return ret;
}

/* What a facilitator reads when the site key cannot be loaded. */
static void
identity_error(const char *dir, int ret, char *err, size_t errlen)
{
	if (ret == GS_ENEEDPASS)
		snprintf(err, errlen, "la clé du site %s/site.key est "
		    "protégée par la phrase secrète, qui n'a pas été donnée : "
		    "indiquez le fichier qui la contient dans la configuration "
		    "([storage] passphrase_file, ou la variable "
		    "GEMSYNC_PASSPHRASE), puis relancez gemsyncd", dir);
	else if (ret == GS_EBADKEY)
		snprintf(err, errlen, "la phrase secrète ne déverrouille pas "
		    "la clé du site %s/site.key : vérifiez le fichier indiqué "
		    "par [storage] passphrase_file, puis relancez gemsyncd",
		    dir);
	else
		snprintf(err, errlen, "clé du site %s/site.key : %s%s", dir,
		    gs_strerror(ret), ret == GS_EPERM ?
		    " (le fichier doit être en mode 0600)" : "");
}

/* Checks the storage key and the site key against the database. */
static int
check_keys(struct gs_replica *r, char *err, size_t errlen)
{
	uint8_t *val = NULL;
	size_t len;
	int ret, version;

	ret = gs_store_schema_version(r->store, &version);
	if (ret != 0 || version == 0) {
		snprintf(err, errlen, "la base de données est vide ou "
		    "illisible : lancez « gemsync init » pour créer le site");
		return ret != 0 ? ret : GS_ENOTFOUND;
	}
	ret = gs_store_meta_get(r->store, "keycheck", &val, &len);
	if (ret == 0)
		ret = gs_vault_keycheck_verify(r->vault, val, len);
	free(val);
	val = NULL;
	if (ret != 0) {
		snprintf(err, errlen, "mauvaise clé de stockage : elle ne "
		    "correspond pas à cette base de données (rien n'a été "
		    "modifié). Vérifiez [storage] key_file et la phrase secrète");
		return GS_EBADKEY;
	}
	ret = gs_store_meta_get(r->store, "site_pk", &val, &len);
	if (ret != 0 || len != 32 || memcmp(val, gs_identity_pk(r->id), 32)) {
		snprintf(err, errlen, "la clé du site (site.key) ne correspond "
		    "pas à cette base de données");
		ret = GS_EBADKEY;
	}
	free(val);
	return ret;
}

/* Reads the catch-up flag a restore left (meta "catchup" = "1"). */
static int
load_catchup(struct gs_replica *r)
{
	uint8_t *val = NULL;
	size_t len = 0;
	int ret;

	ret = gs_store_meta_get(r->store, "catchup", &val, &len);
	if (ret == GS_ENOTFOUND)
		ret = 0;
	else if (ret == 0)
		r->catching_up = len == 1 && val[0] == '1';
	free(val);
	if (r->catching_up)
		log_info("replica: restored from a backup, catching up: local "
		    "writes wait for this site's later changes from its peers");
	return ret;
}

int
gs_replica_open_store(const char *data_dir, struct gs_store **out,
    char *err, size_t errlen)
{
	char dbpath[4096];
	struct stat sb;
	struct gs_store_types types;
	int ret;

	*out = NULL;
	ret = path_join(dbpath, sizeof(dbpath), data_dir, "gemsync.db");
	if (ret != 0) {
		snprintf(err, errlen, "chemin trop long : %s", data_dir);
		return ret;
	}
	if (stat(dbpath, &sb) != 0) {
		snprintf(err, errlen, "aucun site dans %s : lancez d'abord "
		    "« gemsync init » (ou gemsyncd --init)", data_dir);
		return GS_ENOTFOUND;
	}
	gs_schema_store_types(&types);
	ret = gs_store_open(dbpath, &types, out);
	if (ret != 0)
		snprintf(err, errlen, "base de données %s : %s", dbpath,
		    gs_strerror(ret));
	return ret;
}

int
gs_replica_open(const struct gs_replica_opts *o, struct gs_store *st,
    struct gs_replica **out, char *err, size_t errlen)
{
	struct gs_replica *r;
	uint8_t *meta = NULL;
	const uint8_t *expect = NULL;
	size_t len = 0;
	int ret = GS_ENOMEM;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "mémoire insuffisante");
		return ret;
	}
	r->store = st;
	gs_hlc_init(&r->clock, (uint64_t)o->max_drift_s * 1000);
	/* the database's site key: a rotation may have to be finished */
	if (gs_store_meta_get(st, "site_pk", &meta, &len) == 0 && len == 32)
		expect = meta;
	ret = gs_identity_load_current(o->data_dir, o->passphrase, expect,
	    &r->id);
	free(meta);
	if (ret != 0) {
		identity_error(o->data_dir, ret, err, errlen);
		goto out;
	}
	ret = gs_vault_open(o->key_file, o->passphrase, &r->vault);
	if (ret != 0) {
		snprintf(err, errlen, "clé de stockage %s : %s%s", o->key_file,
		    gs_strerror(ret), ret == GS_EPERM ?
		    " (le fichier doit être en mode 0600)" :
		    ret == GS_EBADKEY ? " (phrase secrète absente ou fausse)" :
		    "");
		goto out;
	}
	ret = check_keys(r, err, errlen);
	if (ret != 0)
		goto out;
	ret = gs_store_migrate(r->store);
	if (ret != 0) {
		snprintf(err, errlen, "base de données de %s : %s",
		    o->data_dir, gs_strerror(ret));
		goto out;
	}
	ret = gs_itemset_new(&r->items);
	if (ret == 0)
		ret = gs_store_changes_after(r->store, 0, 0, on_scan_row, r);
	if (ret == 0)
		ret = build_items_once(r);
	if (ret == 0)
		ret = replica_reload(r);
	if (ret != 0) {
		snprintf(err, errlen, "lecture de la base de %s : %s",
		    o->data_dir, gs_strerror(ret));
		goto out;
	}
	if (r->corrupt.n > 0)
		log_warnx("replica: %zu items have stored data that fails "
		    "authentication; they are shown as corrupt", r->corrupt.n);
	ret = load_catchup(r);
	if (ret != 0) {
		snprintf(err, errlen, "lecture de la base de %s : %s",
		    o->data_dir, gs_strerror(ret));
		goto out;
	}
	*out = r;
	r = NULL;
	ret = 0;
out:
	gs_replica_close(&r);
	return ret;
}

