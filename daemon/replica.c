/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica.c: opening a site, and the single path by which changes enter
 * it. apply_one() holds every rule a change must pass (DESIGN §4, §6);
 * local writes and peer batches both end there, inside a transaction, and
 * the in-memory item set and summary follow only what the store holds.
 */
#include "replica.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "hlc.h"
#include "log.h"
#include "seqmap.h"
#include "siteid.h"
#include "state.h"
#include "store.h"
#include "vault.h"

struct gs_replica {
	struct gs_identity *id;        /* owned */
	struct gs_vault *vault;        /* owned */
	struct gs_store *store;        /* owned */
	struct gs_itemset *items;      /* owned: the item cache */
	struct gs_hlc clock;
	struct gs_seqmap authors;      /* owned: author -> highest sequence */
	struct gs_seqmap corrupt;      /* owned: items seen corrupt (ID, zero-padded) */
	uint64_t nchanges;
	struct gs_item **touched;      /* items written by the open transaction */
	size_t ntouched, captouched;
	bool busy;                     /* worked since the last gs_replica_idle() */
	bool loaded_full;              /* full items cached since the last trim */
	gs_replica_trust_cb trust;
	void *trust_arg;
	gs_replica_hook hook;
	void *hook_arg;
	struct gs_change **pending;    /* committed-soon changes for the hook */
	size_t npending, cappending;
};

void
gs_replica_time(uint64_t hlc, char out[32])
{
	gs_hlc_format(hlc, out);
}

/* ---- summary: author -> highest sequence ---- */

uint64_t
gs_replica_seq(const struct gs_replica *r, const uint8_t author[32])
{
	return gs_seqmap_get(&r->authors, author);
}

int
gs_replica_summary(const struct gs_replica *r, gs_replica_summary_cb cb,
    void *arg)
{
	int rc;

	for (size_t i = 0; i < r->authors.n; i++) {
		rc = cb(r->authors.v[i].pk, r->authors.v[i].seq, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

size_t
gs_replica_author_count(const struct gs_replica *r)
{
	return r->authors.n;
}

uint64_t
gs_replica_change_count(const struct gs_replica *r)
{
	return r->nchanges;
}

/* ---- accessors ---- */

void
gs_replica_set_trust(struct gs_replica *r, gs_replica_trust_cb cb, void *arg)
{
	r->trust = cb;
	r->trust_arg = arg;
}

void
gs_replica_set_hook(struct gs_replica *r, gs_replica_hook cb, void *arg)
{
	r->hook = cb;
	r->hook_arg = arg;
}

int
gs_replica_author_ok(const struct gs_replica *r, const uint8_t pk[32])
{
	if (memcmp(pk, gs_identity_pk(r->id), 32) == 0)
		return 0;
	return r->trust ? r->trust(pk, r->trust_arg) : GS_EUNTRUSTED;
}

const struct gs_identity *
gs_replica_identity(const struct gs_replica *r)
{
	return r->id;
}

const uint8_t *
gs_replica_pk(const struct gs_replica *r)
{
	return gs_identity_pk(r->id);
}

struct gs_store *
gs_replica_store(struct gs_replica *r)
{
	return r->store;
}

size_t
gs_replica_corrupt_count(const struct gs_replica *r)
{
	return r->corrupt.n;
}

/* ---- the item cache ---- */

static void
corrupt_key(const uint8_t id[16], uint8_t key[32])
{
	memcpy(key, id, 16);
	memset(key + 16, 0, 16);
}

/* Remembers that an item failed authentication (logged once). */
static void
mark_corrupt(struct gs_replica *r, struct gs_item *it, const uint8_t id[16])
{
	uint8_t key[32];
	char hex[33];

	if (it != NULL)
		it->corrupt = 1;
	corrupt_key(id, key);
	if (gs_seqmap_get(&r->corrupt, key) != 0)
		return;
	gs_hex(id, 16, hex);
	log_warnx("replica: item %.12s has stored data that fails "
	    "authentication: it is shown as corrupt", hex);
	if (gs_seqmap_raise(&r->corrupt, key, 1) != 0)
		log_warnx("replica: out of memory noting a corrupt item");
}

static bool
known_corrupt(const struct gs_replica *r, const uint8_t id[16])
{
	uint8_t key[32];

	corrupt_key(id, key);
	return gs_seqmap_get(&r->corrupt, key) != 0;
}

/* Fills a cached item's state from its stored row. */
static void
take_row(struct gs_replica *r, struct gs_item *it,
    const struct gs_item_row *row)
{
	uint8_t *pt = NULL;
	size_t len = 0;

	it->stored = true;
	it->received_ms = row->received_ms;
	if (it->full)
		return;            /* the changes are the truth */
	it->dirty = 0;
	if (known_corrupt(r, it->id) ||
	    gs_vault_unseal(r->vault, it->id, 16, row->sealed_state,
	    row->sealed_len, &pt, &len) != 0 ||
	    gs_state_decode(pt, len, &it->state) != 0)
		mark_corrupt(r, it, it->id);
	if (pt != NULL) {
		gs_wipe(pt, len);
		free(pt);
	}
}

struct row_ctx {
	struct gs_replica *r;
	struct gs_item *it;          /* the (first) item read */
	size_t found;                /* rows read */
	struct gs_item **all;        /* foreach: every item read */
	size_t n, cap;
	int ret;
};

/* The cached item of a row, made light from the row if not cached. */
static struct gs_item *
item_of_row(struct gs_replica *r, const struct gs_item_row *row, int *ret)
{
	struct gs_item *it = gs_itemset_get(r->items, row->id);

	*ret = 0;
	if (it != NULL)
		return it;
	*ret = gs_itemset_create(r->items, row->id, row->type, &it);
	if (*ret != 0)
		return NULL;
	take_row(r, it, row);
	return it;
}

/* An item looked up (by ID or ID prefix): the first, and how many. */
static int
on_item_row(const struct gs_item_row *row, void *arg)
{
	struct row_ctx *x = arg;
	struct gs_item *it = item_of_row(x->r, row, &x->ret);

	if (it == NULL)
		return x->ret;
	if (x->found++ == 0)
		x->it = it;
	return 0;
}

/* One item of a foreach, collected. */
static int
on_each_row(const struct gs_item_row *row, void *arg)
{
	struct row_ctx *x = arg;
	struct gs_item *it = item_of_row(x->r, row, &x->ret);

	if (it == NULL)
		return x->ret;
	if (x->n == x->cap) {
		size_t ncap = x->cap * 2;
		struct gs_item **na = realloc(x->all, ncap * sizeof(*na));
		if (na == NULL)
			return x->ret = GS_ENOMEM;
		x->all = na;
		x->cap = ncap;
	}
	x->all[x->n++] = it;
	return 0;
}

struct gs_item *
gs_replica_item(struct gs_replica *r, const uint8_t id[16])
{
	struct row_ctx x = { .r = r };
	struct gs_item *it = gs_itemset_get(r->items, id);
	int rc;

	if (it != NULL)
		return it;
	rc = gs_store_item_get(r->store, id, on_item_row, &x);
	return rc == 0 ? x.it : NULL;
}

/* Adds one stored change to a full item being loaded. */
static int
on_item_change(const struct gs_stored_change *c, void *arg)
{
	struct row_ctx *x = arg;
	struct gs_fields delta;
	uint8_t *body = NULL;
	size_t len = 0;
	int corrupt = 0, rc;

	gs_fields_init(&delta);
	if (c->sealed_body == NULL ||
	    gs_vault_unseal(x->r->vault, c->id, 32, c->sealed_body,
	    c->sealed_len, &body, &len) != 0 ||
	    gs_fields_decode(body, len, &delta) != 0) {
		gs_fields_clear(&delta);
		corrupt = 1;
	}
	if (body != NULL) {
		gs_wipe(body, len);
		free(body);
	}
	if (x->it->type == 0)
		x->it->type = c->type;
	rc = gs_item_add(x->it, c->id, c->author, c->seq, c->hlc,
	    (const uint8_t (*)[32])c->parents, c->nparents, &delta, corrupt);
	gs_fields_clear(&delta);
	if (corrupt)
		mark_corrupt(x->r, x->it, c->item);
	return rc;
}

/*
 * The item with every change loaded: from the cache, or read from the
 * store (a light cached item is filled in place). Returns 0 and *out,
 * GS_ENOTFOUND, or a storage error.
 */
int
gs_replica_item_full(struct gs_replica *r, const uint8_t id[16],
    struct gs_item **out)
{
	struct row_ctx x = { .r = r };
	struct gs_item *it = gs_itemset_get(r->items, id);
	int rc;

	*out = NULL;
	if (it == NULL) {
		rc = gs_store_item_get(r->store, id, on_item_row, &x);
		if (rc != 0)
			return rc;
		it = x.it;
	}
	r->loaded_full = true;
	if (!it->full) {
		x.it = it;
		gs_state_clear(&it->state);
		it->dirty = 1;
		rc = gs_store_changes_of_item(r->store, id, on_item_change, &x);
		if (rc != 0) {
			/* a storage error, not corruption: nothing is noted */
			gs_item_forget_changes(it);
			return rc;
		}
		if (it->n == 0) {
			mark_corrupt(r, it, id);   /* a state without changes */
			return GS_ECORRUPT;
		}
	}
	*out = it;
	return 0;
}

/* The 16-byte bounds of the IDs whose hex spelling starts with prefix. */
static int
prefix_bounds(const char *prefix, uint8_t lo[16], uint8_t hi[16])
{
	char a[33], b[33];
	size_t len = strlen(prefix);

	if (len < 6 || len > 32 || strspn(prefix, "0123456789abcdefABCDEF") !=
	    len)
		return GS_EINVAL;
	memset(a, '0', 32);
	memset(b, 'f', 32);
	memcpy(a, prefix, len);
	memcpy(b, prefix, len);
	a[32] = b[32] = '\0';
	return gs_unhex(a, lo, 16) == 0 && gs_unhex(b, hi, 16) == 0 ? 0 :
	    GS_EINVAL;
}

int
gs_replica_find(struct gs_replica *r, const char *prefix, int type,
    struct gs_item **out)
{
	struct row_ctx x = { .r = r };
	uint8_t lo[16], hi[16];
	int rc;

	*out = NULL;
	rc = prefix_bounds(prefix, lo, hi);
	if (rc != 0)
		return rc;
	rc = gs_store_item_range(r->store, lo, hi, type, on_item_row, &x);
	if (rc != 0)
		return rc;
	if (x.found == 0)
		return GS_ENOTFOUND;
	if (x.found > 1)
		return GS_EINVAL;     /* a prefix that matches two items */
	*out = x.it;
	return 0;
}

int
gs_replica_foreach(struct gs_replica *r, int type, gs_item_cb cb, void *arg)
{
	struct row_ctx x = { .r = r, .cap = 64 };
	int rc;

	if ((x.all = malloc(x.cap * sizeof(*x.all))) == NULL)
		return GS_ENOMEM;
	/* read everything first: cb may query the store itself */
	rc = gs_store_items_foreach(r->store, type, on_each_row, &x);
	for (size_t i = 0; rc == 0 && i < x.n; i++)
		rc = cb(x.all[i], arg);
	free(x.all);
	return rc;
}

/* Highest sequence per author, the change count and the own clock. */
static int
on_summary_row(const uint8_t author[32], uint64_t seq, void *arg)
{
	return gs_seqmap_raise(arg, author, seq);
}

int
gs_replica_owned_counts(struct gs_replica *r, struct gs_seqmap *out)
{
	return gs_store_owned_counts(r->store, on_summary_row, out);
}

size_t
gs_replica_count(struct gs_replica *r, int type)
{
	int64_t n = 0;

	return gs_store_item_count(r->store, type, &n) == 0 ? (size_t)n : 0;
}

void
gs_replica_idle(struct gs_replica *r)
{
	if (r->busy) {
		r->busy = false;
		return;             /* not idle for a whole period yet */
	}
	if (r->ntouched > 0 || gs_itemset_size(r->items) == 0)
		return;
	gs_itemset_clear(r->items);
	gs_itemset_free_retired(r->items);
	gs_store_release_memory(r->store);
	malloc_trim(0);
}

void
gs_replica_trim(struct gs_replica *r)
{
	size_t n = gs_itemset_size(r->items);

	if (r->ntouched > 0)
		return;
	gs_itemset_free_retired(r->items);
	/*
	 * Items with their changes (writes, batches) are big and seldom
	 * asked for again; states read for a list are small and an admin
	 * lists again soon. Everything goes when the site is idle.
	 */
	if (n > GS_CACHE_LIGHT || (n > GS_CACHE_ITEMS && r->loaded_full)) {
		gs_itemset_clear(r->items);   /* memory goes back when idle */
		r->loaded_full = false;
	}
}

/* Notes an item written by the open transaction, once. */
static int
touch(struct gs_replica *r, struct gs_item *it)
{
	if (it->touched)
		return 0;
	if (r->ntouched == r->captouched) {
		size_t ncap = r->captouched ? r->captouched * 2 : 64;
		struct gs_item **nt = realloc(r->touched, ncap * sizeof(*nt));
		if (nt == NULL)
			return GS_ENOMEM;
		r->touched = nt;
		r->captouched = ncap;
	}
	r->touched[r->ntouched++] = it;
	it->touched = true;
	return 0;
}

/* Forgets which items the transaction wrote (it ended either way). */
static void
untouch(struct gs_replica *r)
{
	for (size_t i = 0; i < r->ntouched; i++)
		r->touched[i]->touched = false;
	r->ntouched = 0;
}

/* Writes the merged state of one touched item into the items table. */
static int
flush_item(struct gs_replica *r, struct gs_item *it, int64_t now_ms)
{
	const struct gs_state *st = gs_item_state(it);
	struct gs_item_row row;
	uint8_t *bytes = NULL, *sealed = NULL;
	size_t len = 0, sealed_len = 0;
	int ret;

	if (st == NULL)
		return 0;      /* unmergeable: the item shows as corrupt */
	ret = gs_state_encode(st, &bytes, &len);
	if (ret == 0)
		ret = gs_vault_seal(r->vault, it->id, 16, bytes, len, &sealed,
		    &sealed_len);
	if (ret != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	memcpy(row.id, it->id, 16);
	row.type = it->type;
	row.nchanges = (int64_t)it->n;
	row.nconflicts = (int64_t)st->nconflicts;
	row.received_ms = it->stored ? it->received_ms : now_ms;
	row.sealed_state = sealed;
	row.sealed_len = sealed_len;
	memcpy(row.owner, st->owner, 32);
	row.deleted = st->deleted;
	ret = gs_store_item_put(r->store, &row);
	if (ret == 0 && !it->stored) {
		it->stored = true;
		it->received_ms = now_ms;
	}
out:
	if (bytes != NULL) {
		gs_wipe(bytes, len);
		free(bytes);
	}
	free(sealed);
	return ret;
}

/* Writes every touched item's state; called inside the transaction. */
static int
flush_touched(struct gs_replica *r)
{
	int64_t now = (int64_t)gs_wall_ms();
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < r->ntouched; i++)
		ret = flush_item(r, r->touched[i], now);
	return ret;
}

static int
on_own_last(const struct gs_stored_change *c, void *arg)
{
	struct gs_replica *r = arg;

	if (c->hlc > r->clock.last && GS_HLC_MS(c->hlc) <=
	    gs_wall_ms() + r->clock.max_drift_ms)
		r->clock.last = c->hlc;
	return 0;
}

/*
 * Reads what memory keeps from the store (at open, after a rollback). The
 * cached items are retired, not freed: a request may still hold one.
 */
static int
reload(struct gs_replica *r)
{
	const uint8_t *me = gs_identity_pk(r->id);
	int64_t n = 0;
	uint64_t own;
	int rc;

	untouch(r);
	gs_itemset_retire_all(r->items);
	gs_seqmap_clear(&r->authors);
	rc = gs_store_summary(r->store, on_summary_row, &r->authors);
	if (rc == 0)
		rc = gs_store_change_count(r->store, &n);
	r->nchanges = (uint64_t)n;
	own = gs_seqmap_get(&r->authors, me);
	if (rc == 0 && own > 0)
		rc = gs_store_change_by_seq(r->store, me, own, on_own_last, r);
	return rc;
}

/* ---- checks at open ---- */

struct ids {
	uint8_t (*v)[16];
	size_t n, cap;
};

static int
on_missing(const uint8_t id[16], void *arg)
{
	struct ids *m = arg;

	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		uint8_t (*nv)[16] = realloc(m->v, ncap * 16);
		if (nv == NULL)
			return GS_ENOMEM;
		m->v = nv;
		m->cap = ncap;
	}
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
				ret = flush_item(r, it, (int64_t)gs_wall_ms());
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

	if (c->sealed_body == NULL || gs_vault_unseal(r->vault, c->id, 32,
	    c->sealed_body, c->sealed_len, &body, &len) != 0) {
		mark_corrupt(r, NULL, c->item);
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
	int ret;

	umask(077);
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
	ret = gs_identity_create(data_dir, &id);
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
	ret = gs_store_open(dbpath, &st);
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
		    "modifié). Vérifiez [storage] key_file et la phrase de passe");
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

int
gs_replica_open(const struct gs_replica_opts *o, struct gs_replica **out,
    char *err, size_t errlen)
{
	struct gs_replica *r;
	char dbpath[4096];
	struct stat sb;
	int ret = GS_ENOMEM;

	*out = NULL;
	umask(077);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "mémoire insuffisante");
		return ret;
	}
	gs_hlc_init(&r->clock, (uint64_t)o->max_drift_s * 1000);
	ret = path_join(dbpath, sizeof(dbpath), o->data_dir, "gemsync.db");
	if (ret != 0) {
		snprintf(err, errlen, "chemin trop long : %s", o->data_dir);
		goto out;
	}
	if (stat(dbpath, &sb) != 0) {
		ret = GS_ENOTFOUND;
		snprintf(err, errlen, "aucun site dans %s : lancez d'abord "
		    "« gemsync init » (ou gemsyncd --init)", o->data_dir);
		goto out;
	}
	ret = gs_identity_load(o->data_dir, &r->id);
	if (ret != 0) {
		snprintf(err, errlen, "clé du site %s/site.key : %s%s",
		    o->data_dir, gs_strerror(ret), ret == GS_EPERM ?
		    " (le fichier doit être en mode 0600)" : "");
		goto out;
	}
	ret = gs_vault_open(o->key_file, o->passphrase, &r->vault);
	if (ret != 0) {
		snprintf(err, errlen, "clé de stockage %s : %s%s", o->key_file,
		    gs_strerror(ret), ret == GS_EPERM ?
		    " (le fichier doit être en mode 0600)" :
		    ret == GS_EBADKEY ? " (phrase de passe absente ou fausse)" :
		    "");
		goto out;
	}
	ret = gs_store_open(dbpath, &r->store);
	if (ret != 0) {
		snprintf(err, errlen, "base de données %s : %s", dbpath,
		    gs_strerror(ret));
		goto out;
	}
	ret = check_keys(r, err, errlen);
	if (ret != 0)
		goto out;
	ret = gs_store_migrate(r->store);
	if (ret != 0) {
		snprintf(err, errlen, "base de données %s : %s", dbpath,
		    gs_strerror(ret));
		goto out;
	}
	ret = gs_itemset_new(&r->items);
	if (ret == 0)
		ret = gs_store_changes_after(r->store, 0, 0, on_scan_row, r);
	if (ret == 0)
		ret = build_items_once(r);
	if (ret == 0)
		ret = reload(r);
	if (ret != 0) {
		snprintf(err, errlen, "lecture de la base %s : %s", dbpath,
		    gs_strerror(ret));
		goto out;
	}
	if (r->corrupt.n > 0)
		log_warnx("replica: %zu items have stored data that fails "
		    "authentication; they are shown as corrupt", r->corrupt.n);
	*out = r;
	r = NULL;
	ret = 0;
out:
	gs_replica_close(&r);
	return ret;
}

static void
pending_clear(struct gs_replica *r)
{
	for (size_t i = 0; i < r->npending; i++)
		gs_change_destroy(&r->pending[i]);
	r->npending = 0;
}

void
gs_replica_close(struct gs_replica **rp)
{
	struct gs_replica *r;

	if (rp == NULL || *rp == NULL)
		return;
	r = *rp;
	pending_clear(r);
	free(r->pending);
	free(r->touched);
	gs_itemset_destroy(&r->items);
	gs_store_close(&r->store);
	gs_vault_destroy(&r->vault);
	gs_identity_destroy(&r->id);
	gs_seqmap_free(&r->authors);
	gs_seqmap_free(&r->corrupt);
	free(r);
	*rp = NULL;
}

/* ---- the rules ---- */

/* The ID a root change of this type and body must carry. */
static int
root_item_id(const struct gs_change *c, const struct gs_fields *delta,
    uint8_t out[16])
{
	const char *ev;
	uint8_t event[16];

	switch (c->type) {
	case GS_TYPE_SITE:
		gs_item_id_site(c->author, out);
		return 0;
	case GS_TYPE_RESERVATION:
		ev = gs_fields_get(delta, "event");
		if (ev == NULL || gs_unhex(ev, event, 16) != 0)
			return GS_EINVAL;
		gs_item_id_reservation(c->author, event, out);
		return 0;
	default:
		gs_item_id_new(c->author, c->seq, out);
		return 0;
	}
}

/*
 * An item's ID is bound to what it is about: an edit may not move a
 * reservation to another event (one reservation per site and event).
 */
static bool
keeps_identity(const struct gs_change *c, const struct gs_fields *delta)
{
	const char *ev = gs_fields_get(delta, "event");
	uint8_t event[16], id[16];

	if (c->type != GS_TYPE_RESERVATION || ev == NULL)
		return true;
	if (gs_unhex(ev, event, 16) != 0)
		return false;
	gs_item_id_reservation(c->author, event, id);
	return memcmp(id, c->item, 16) == 0;
}

/* May c's author write this item, given the state its parents saw? */
static int
authorized(const struct gs_change *c, const struct gs_fields *delta,
    const struct gs_state *seen)
{
	const char *ef = gs_item_editors_field(c->type);

	if (memcmp(c->author, seen->owner, 32) == 0)
		return 0;
	if (ef == NULL || !gs_item_list_has_site(gs_fields_get(&seen->fields,
	    ef), c->author))
		return GS_EDENIED;
	/* co-hosts edit the item, not the list of who may edit it */
	if (gs_fields_get(delta, ef) != NULL)
		return GS_EDENIED;
	return 0;
}

static int
check_parents(const struct gs_replica *r, const struct gs_change *c,
    struct gs_item *it)
{
	(void)r;
	for (size_t i = 0; i < c->nparents; i++) {
		const struct gs_ichange *p = gs_item_change(it, c->parents[i]);
		if (p == NULL)
			return GS_ENOPARENT;
		if (p->hlc >= c->hlc)
			return GS_ECLOCK;  /* a child cannot precede its parent */
	}
	return 0;
}

/* Records proof that author signed two changes with one sequence. */
struct equiv_ctx {
	struct gs_replica *r;
	const struct gs_change *c;
	int ret;
};

static int
on_equiv_row(const struct gs_stored_change *old, void *arg)
{
	struct equiv_ctx *e = arg;
	char sid[GS_SITEID_SHORT];
	int64_t before = 0, after = 0;

	if (memcmp(old->id, e->c->id, 32) == 0) {
		e->ret = GS_EDUP;
		return 0;
	}
	gs_store_equivocation_count(e->r->store, &before);
	gs_store_equivocation_add(e->r->store, e->c->author, e->c->seq,
	    old->header, old->header_len, old->sig, e->c->header,
	    e->c->header_len, e->c->sig);
	gs_store_equivocation_count(e->r->store, &after);
	if (after > before) {   /* one proof and one log line per (author, seq) */
		gs_siteid_short(e->c->author, sid);
		log_warnx("replica: site %s signed two different changes with "
		    "sequence %llu (equivocation); keeping the first", sid,
		    (unsigned long long)e->c->seq);
	}
	e->ret = GS_EEQUIVOC;
	return 0;
}

static int
seen_before(struct gs_replica *r, const struct gs_change *c)
{
	struct equiv_ctx e = { r, c, GS_EDUP };
	int rc = gs_store_change_by_seq(r->store, c->author, c->seq,
	    on_equiv_row, &e);
	return rc != 0 && rc != GS_ENOTFOUND ? rc : e.ret;
}

/*
 * An event or resource created by (author, seq) has an ID derived from
 * them (root_item_id, checked below), and seq was just found new: no item
 * can have that ID yet, so there is nothing to look up.
 */
static bool
fresh_root(const struct gs_change *c)
{
	return c->nparents == 0 &&
	    (c->type == GS_TYPE_EVENT || c->type == GS_TYPE_RESOURCE);
}

/*
 * Every rule a verified change must pass, then the insert. Returns 0 when
 * stored, a refusal reason, or a storage error (GS_EFULL, GS_EREADONLY,
 * GS_EDB, GS_EBUSY, GS_ENOMEM) that must abort the batch.
 */
static int
apply_one(struct gs_replica *r, struct gs_change **cp)
{
	struct gs_change *c = *cp;
	struct gs_fields delta;
	struct gs_state seen;
	struct gs_stored_change row;
	struct gs_item *it;
	const char *del;
	uint8_t item[16], *sealed = NULL;
	size_t sealed_len = 0;
	uint64_t held;
	int ret;

	gs_fields_init(&delta);
	memset(&seen, 0, sizeof(seen));
	/* who */
	ret = gs_replica_author_ok(r, c->author);
	if (ret != 0)
		goto out;
	/* which sequence */
	held = gs_replica_seq(r, c->author);
	if (c->seq <= held) {
		ret = seen_before(r, c);
		goto out;
	}
	ret = GS_EGAP;
	if (c->seq != held + 1)
		goto out;
	/* when */
	ret = GS_ECLOCK;
	if (GS_HLC_MS(c->hlc) > gs_wall_ms() + r->clock.max_drift_ms)
		goto out;
	/* what */
	ret = GS_EPROTO;
	if (c->body == NULL || gs_fields_decode(c->body, c->body_len, &delta))
		goto out;
	ret = GS_EINVAL;
	if (gs_item_check_delta(c->type, &delta, c->nparents == 0, NULL) != 0)
		goto out;
	del = gs_fields_get(&delta, GS_FIELD_DELETED);
	if (c->deleted != (del != NULL && strcmp(del, "1") == 0))
		goto out;
	/* where */
	it = NULL;
	ret = fresh_root(c) ? GS_ENOTFOUND : gs_replica_item_full(r, c->item, &it);
	if (ret != 0 && ret != GS_ENOTFOUND && ret != GS_ECORRUPT)
		goto out;       /* a storage error */
	if (c->nparents == 0) {
		ret = GS_EINVAL;
		if (root_item_id(c, &delta, item) != 0 ||
		    memcmp(item, c->item, 16) != 0)
			goto out;
		ret = GS_EEXISTS;
		if (it != NULL)
			goto out;
	} else {
		ret = GS_ENOPARENT;
		if (it == NULL)
			goto out;
		ret = GS_EINVAL;
		if (it->type != c->type || !keeps_identity(c, &delta))
			goto out;
		ret = GS_ETOOBIG;
		if (it->n >= GS_MAX_ITEM_CHANGES)
			goto out;
		ret = check_parents(r, c, it);
		if (ret != 0)
			goto out;
		ret = gs_item_state_at(it, (const uint8_t (*)[32])c->parents,
		    c->nparents, &seen);
		if (ret != 0)
			goto out;
		ret = authorized(c, &delta, &seen);
		if (ret != 0)
			goto out;
	}
	/* store */
	ret = gs_vault_seal(r->vault, c->id, 32, c->body, c->body_len,
	    &sealed, &sealed_len);
	if (ret != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	memcpy(row.id, c->id, 32);
	memcpy(row.item, c->item, 16);
	row.type = c->type;
	memcpy(row.author, c->author, 32);
	row.seq = c->seq;
	row.hlc = c->hlc;
	row.deleted = c->deleted;
	row.parents = (const uint8_t *)c->parents;
	row.nparents = c->nparents;
	row.header = c->header;
	row.header_len = c->header_len;
	row.sig = c->sig;
	row.sealed_body = sealed;
	row.sealed_len = sealed_len;
	ret = gs_store_change_insert(r->store, &row);
	if (ret == 0 && it == NULL)
		ret = gs_itemset_create(r->items, c->item, c->type, &it);
	if (ret == 0)
		ret = gs_item_add(it, c->id, c->author, c->seq, c->hlc,
		    (const uint8_t (*)[32])c->parents, c->nparents, &delta, 0);
	if (ret == 0)
		ret = touch(r, it);
	r->loaded_full = true;
	if (ret == 0)
		ret = gs_seqmap_raise(&r->authors, c->author, c->seq);
	if (ret != 0)
		goto out;
	r->nchanges++;
	if (memcmp(c->author, gs_identity_pk(r->id), 32) != 0)
		gs_hlc_observe(&r->clock, c->hlc, gs_wall_ms());
	/* keep it for the hook, which runs after the commit */
	if (r->npending == r->cappending) {
		size_t ncap = r->cappending ? r->cappending * 2 : 64;
		struct gs_change **np = realloc(r->pending, ncap * sizeof(*np));
		if (np == NULL) {
			ret = GS_ENOMEM;
			goto out;
		}
		r->pending = np;
		r->cappending = ncap;
	}
	r->pending[r->npending++] = c;
	*cp = NULL;
out:
	free(sealed);
	gs_fields_clear(&delta);
	gs_state_clear(&seen);
	return ret;
}

static int
is_storage_error(int rc)
{
	return rc == GS_EFULL || rc == GS_EREADONLY || rc == GS_EDB ||
	    rc == GS_EBUSY || rc == GS_ENOMEM || rc == GS_EIO;
}

/* Commits, then tells the hook; on failure rolls back memory too. */
static int
finish_tx(struct gs_replica *r, int ret, const uint8_t *from)
{
	int rc;

	if (ret != 0 && !is_storage_error(ret)) {
		/* refused before anything was stored: memory is untouched */
		gs_store_rollback(r->store);
		pending_clear(r);
		untouch(r);
		return ret;
	}
	r->busy = true;
	if (ret == 0)
		ret = flush_touched(r);
	if (ret == 0)
		ret = gs_store_commit(r->store);
	untouch(r);
	if (ret != 0) {
		gs_store_rollback(r->store);
		pending_clear(r);
		rc = reload(r);
		if (rc != 0)
			log_warnx("replica: reloading after rollback: %s",
			    gs_strerror(rc));
		return ret;
	}
	for (size_t i = 0; i < r->npending; i++)
		if (r->hook != NULL)
			r->hook(r->pending[i], from, r->hook_arg);
	pending_clear(r);
	return 0;
}

int
gs_replica_apply_verified(struct gs_replica *r, struct gs_change **cs,
    const int *vrc, size_t n, const uint8_t from[32],
    struct gs_apply_stats *st)
{
	int ret, rc;

	ret = gs_store_begin(r->store);
	if (ret != 0) {
		for (size_t i = 0; i < n; i++)
			gs_change_destroy(&cs[i]);
		return ret;
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		rc = vrc[i];
		if (rc == 0)
			rc = cs[i] != NULL ? apply_one(r, &cs[i]) : GS_EPROTO;
		if (rc == 0) {
			st->applied++;
		} else if (rc == GS_EDUP) {
			st->dup++;
		} else if (is_storage_error(rc)) {
			ret = rc;
		} else {
			st->refused++;
			if (-rc > 0 && -rc < GS_REASONS)
				st->by_reason[-rc]++;
		}
	}
	for (size_t i = 0; i < n; i++)
		gs_change_destroy(&cs[i]);
	return finish_tx(r, ret, from);
}

int
gs_replica_verify_one(const struct gs_wire_change *w, struct gs_change **out)
{
	return gs_change_verify(w->header, w->header_len, w->sig, w->sig_len,
	    w->body, w->body_len, out);
}

int
gs_replica_apply(struct gs_replica *r, const struct gs_wire_change *w,
    size_t n, const uint8_t from[32], struct gs_apply_stats *st)
{
	struct gs_change **cs;
	int *vrc, ret = GS_ENOMEM;

	cs = calloc(n ? n : 1, sizeof(*cs));
	vrc = calloc(n ? n : 1, sizeof(*vrc));
	if (cs != NULL && vrc != NULL) {
		for (size_t i = 0; i < n; i++)
			vrc[i] = gs_replica_verify_one(&w[i], &cs[i]);
		ret = gs_replica_apply_verified(r, cs, vrc, n, from, st);
	}
	free(cs);
	free(vrc);
	return ret;
}

/* ---- local writes ---- */

/* The delta applied to the item's current fields, checked as a whole. */
static int
check_result(int type, const struct gs_state *cur,
    const struct gs_fields *delta, struct gs_verr *verr)
{
	struct gs_fields merged;
	int ret;

	gs_fields_init(&merged);
	ret = cur ? gs_fields_copy(&merged, &cur->fields) : 0;
	for (size_t i = 0; ret == 0 && i < delta->n; i++) {
		if (strcmp(delta->v[i].name, GS_FIELD_DELETED) == 0)
			continue;
		if (delta->v[i].value[0] == '\0')
			gs_fields_del(&merged, delta->v[i].name);
		else
			ret = gs_fields_set(&merged, delta->v[i].name,
			    delta->v[i].value);
	}
	if (ret == 0)
		ret = gs_item_check_state(type, &merged, verr);
	gs_fields_clear(&merged);
	return ret;
}

int
gs_replica_write(struct gs_replica *r, struct gs_item *item, int type,
    const struct gs_fields *delta, bool deleted,
    const uint8_t (*parents)[32], size_t nparents, struct gs_verr *verr,
    uint8_t out_item[16])
{
	const uint8_t *me = gs_identity_pk(r->id);
	const struct gs_state *cur = NULL;
	struct gs_fields body;
	struct gs_change *c = NULL;
	uint8_t id[16], *bytes = NULL, event[16];
	size_t len = 0;
	const char *ev;
	int ret;

	gs_fields_init(&body);
	if (item == NULL && type == GS_TYPE_SITE) {
		gs_item_id_site(me, id);
		item = gs_replica_item(r, id);
	} else if (item == NULL && type == GS_TYPE_RESERVATION) {
		ev = gs_fields_get(delta, "event");
		ret = GS_EINVAL;
		if (ev == NULL || gs_unhex(ev, event, 16) != 0)
			goto out;
		gs_item_id_reservation(me, event, id);
		item = gs_replica_item(r, id);
	} else if (item == NULL) {
		gs_item_id_new(me, gs_replica_seq(r, me) + 1, id);
	}
	if (item != NULL) {
		memcpy(id, item->id, 16);
		ret = GS_ECORRUPT;
		if (item->corrupt || (cur = gs_item_state(item)) == NULL)
			goto out;
		ret = GS_EINVAL;
		if (item->type != type)
			goto out;
		if (parents == NULL) {
			parents = (const uint8_t (*)[32])cur->heads;
			nparents = cur->nheads;
		}
		/* the new change must come after what it edits */
		(void)gs_hlc_observe(&r->clock, cur->updated_hlc, gs_wall_ms());
	}
	ret = gs_item_check_delta(type, delta, item == NULL, verr);
	if (ret != 0)
		goto out;
	ret = GS_ENOTFOUND;
	if (item == NULL && deleted)
		goto out;
	ret = gs_fields_copy(&body, delta);
	if (ret == 0 && deleted)
		ret = gs_fields_set(&body, GS_FIELD_DELETED, "1");
	if (ret != 0)
		goto out;
	if (!deleted) {
		ret = check_result(type, cur, &body, verr);
		if (ret != 0)
			goto out;
	}
	if (item != NULL && !deleted && cur->deleted &&
	    gs_fields_get(delta, GS_FIELD_DELETED) == NULL) {
		ret = GS_EDELETED;
		goto out;
	}
	ret = gs_fields_encode(&body, &bytes, &len);
	if (ret != 0)
		goto out;
	ret = gs_change_new(gs_identity_sk(r->id), id, type,
	    gs_replica_seq(r, me) + 1, gs_hlc_now(&r->clock), parents,
	    item != NULL ? nparents : 0, deleted, bytes, len, &c);
	if (ret != 0)
		goto out;
	ret = gs_store_begin(r->store);
	if (ret != 0)
		goto out;
	ret = apply_one(r, &c);
	if (ret == GS_EDENIED && verr != NULL) {
		snprintf(verr->field, sizeof(verr->field), "%s",
		    gs_item_editors_field(type) ? gs_item_editors_field(type) :
		    "owner");
		snprintf(verr->rule, sizeof(verr->rule), "seuls le site "
		    "propriétaire et ses co-organisateurs peuvent modifier cet "
		    "élément");
	}
	ret = finish_tx(r, ret, NULL);
	if (ret == 0 && out_item != NULL)
		memcpy(out_item, id, 16);
out:
	gs_change_destroy(&c);
	free(bytes);
	gs_fields_clear(&body);
	return ret;
}

/* The value the resolution gives one conflicted field. */
static const char *
resolved_value(const struct gs_conflict *c, const uint8_t *take,
    const struct gs_fields *set, int *used_take)
{
	const char *v = set ? gs_fields_get(set, c->field) : NULL;

	if (v != NULL)
		return v;
	for (size_t i = 0; take != NULL && i < c->ncand; i++) {
		if (memcmp(c->cand[i].change, take, 32) == 0) {
			*used_take = 1;
			return c->cand[i].value;
		}
	}
	return c->cand[0].value;   /* the shown winner */
}

int
gs_replica_resolve(struct gs_replica *r, struct gs_item *item,
    const uint8_t *take, const struct gs_fields *set, struct gs_verr *verr)
{
	const struct gs_state *st;
	struct gs_fields delta;
	bool deleted = false;
	int used_take = 0, ret;

	if (item->corrupt || (st = gs_item_state(item)) == NULL)
		return GS_ECORRUPT;
	if (st->nconflicts == 0)
		return GS_ENOTFOUND;
	gs_fields_init(&delta);
	ret = set ? gs_fields_copy(&delta, set) : 0;
	for (size_t i = 0; ret == 0 && i < st->nconflicts; i++) {
		const struct gs_conflict *c = &st->conflicts[i];
		ret = gs_fields_set(&delta, c->field,
		    resolved_value(c, take, set, &used_take));
	}
	if (ret != 0)
		goto out;
	ret = GS_ENOTFOUND;
	if (take != NULL && !used_take)
		goto out;
	if (gs_fields_get(&delta, GS_FIELD_DELETED) != NULL)
		deleted = strcmp(gs_fields_get(&delta, GS_FIELD_DELETED), "1") == 0;
	else
		deleted = st->deleted;   /* a deletion nobody disputes stands */
	ret = gs_replica_write(r, item, item->type, &delta, deleted, NULL, 0,
	    verr, NULL);
out:
	gs_fields_clear(&delta);
	return ret;
}

int
gs_replica_publish_profile(struct gs_replica *r,
    const struct gs_fields *profile, struct gs_verr *verr)
{
	struct gs_fields delta;
	const struct gs_state *cur = NULL;
	struct gs_item *it;
	uint8_t id[16];
	const char *old;
	int ret = 0;

	gs_item_id_site(gs_identity_pk(r->id), id);
	it = gs_replica_item(r, id);
	if (it != NULL && (cur = gs_item_state(it)) == NULL)
		return GS_ECORRUPT;
	gs_fields_init(&delta);
	for (size_t i = 0; ret == 0 && i < profile->n; i++) {
		old = cur ? gs_fields_get(&cur->fields, profile->v[i].name) :
		    NULL;
		if (old == NULL && profile->v[i].value[0] == '\0')
			continue;
		if (old == NULL || strcmp(old, profile->v[i].value) != 0)
			ret = gs_fields_set(&delta, profile->v[i].name,
			    profile->v[i].value);
	}
	if (ret == 0 && delta.n > 0)
		ret = gs_replica_write(r, it, GS_TYPE_SITE, &delta, false,
		    NULL, 0, verr, NULL);
	gs_fields_clear(&delta);
	return ret;
}

/* ---- reading changes back for peers ---- */

struct after_ctx {
	struct gs_replica *r;
	gs_replica_change_cb cb;
	void *arg;
};

static int
on_after_row(const struct gs_stored_change *c, void *arg)
{
	struct after_ctx *a = arg;
	struct gs_wire_change w;
	uint8_t *body = NULL;
	size_t len = 0;
	int rc;

	if (c->sealed_body == NULL || gs_vault_unseal(a->r->vault, c->id, 32,
	    c->sealed_body, c->sealed_len, &body, &len) != 0) {
		log_warnx("replica: a stored body fails authentication; "
		    "not sending it");
		return 0;
	}
	w.header = c->header;
	w.header_len = c->header_len;
	w.sig = c->sig;
	w.sig_len = 64;
	w.body = body;
	w.body_len = len;
	rc = a->cb(c->rowid, c->author, c->seq, &w, a->arg);
	gs_wipe(body, len);
	free(body);
	return rc;
}

int
gs_replica_changes_after(struct gs_replica *r, int64_t after, size_t limit,
    gs_replica_change_cb cb, void *arg)
{
	struct after_ctx a = { r, cb, arg };
	return gs_store_changes_after(r->store, after, limit, on_after_row, &a);
}

static int
on_rowid(const struct gs_stored_change *c, void *arg)
{
	*(int64_t *)arg = c->rowid;
	return 0;
}

int
gs_replica_rowid(struct gs_replica *r, const uint8_t author[32],
    uint64_t seq, int64_t *rowid)
{
	return gs_store_change_by_seq(r->store, author, seq, on_rowid, rowid);
}
