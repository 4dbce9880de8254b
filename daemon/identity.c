/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * identity.c: the site's Ed25519 key pair on disk and in memory.
 *
 * DATA_DIR/site.key is 68 bytes: the magic "GSK1" and the 64-byte libsodium
 * secret key (seed || public key); or, when the site has a passphrase,
 * 141 bytes: the magic "GSK2" and the secret key wrapped like the storage
 * key (vault.h, gs_vault_wrap: Argon2id, XChaCha20-Poly1305), so that a
 * stolen disk cannot sign as the site. A raw key loaded with a passphrase
 * is sealed in place (written beside, then renamed over site.key). It is created exclusively with mode
 * 0600 and synced before the site ID is published in DATA_DIR/site.id (the
 * text and a newline, for humans and scripts; the daemon never reads it
 * back). Loading refuses a key file that group or others may touch, and
 * checks that the stored public half belongs to the seed with a test
 * signature, so a damaged file is reported rather than used. The secret
 * key only ever lives in guarded memory.
 */
#include "identity.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "keyfile.h"
#include "log.h"
#include "vault.h"

#define KEY_MAGIC "GSK1"
#define KEY_MAGIC_LEN 4
#define KEY_FILE_LEN (KEY_MAGIC_LEN + GS_SK_LEN)
#define SEALED_MAGIC "GSK2"
#define SEALED_LEN GS_WRAP_LEN(GS_SK_LEN)
#define BUF_LEN SEALED_LEN
#define NEW_NAME "site.key.new"
#define NEXT_NAME "site.key.next"
#define KEY_NAME "site.key"
#define ID_NAME "site.id"

struct gs_identity {
	uint8_t pk[GS_PK_LEN];          /* public key, also in sk[32..63] */
	uint8_t *sk;                    /* GS_SK_LEN bytes, guarded memory */
	char siteid[GS_SITEID_SIZE];    /* site ID text of pk */
};

/* Joins dir and name into a malloc'd path, or NULL. */
static char *
join_path(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/* Makes the new directory entries durable; failure is only logged. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0)
		log_warn("identity: cannot sync directory %s", dir);
	if (fd >= 0)
		close(fd);
}

/*
 * What create and load share: the identity being built (with guarded room
 * for the secret key), guarded room for the key file's bytes, and the key
 * file's path. with_key_file() owns it around one step.
 */
struct key_work {
	const char *dir;
	const char *pass;          /* NULL or "": none */
	struct gs_identity *id;
	uint8_t *buf;              /* BUF_LEN bytes */
	char *path;                /* DATA_DIR/site.key */
	bool created;              /* create: the key file exists now */
};

/*
 * Runs step (create or load) on a fresh key_work for dir. On success *out
 * receives the identity; on failure a key file the step created is taken
 * back (without its site.id, create can rerun) and *out stays NULL.
 */
static int
with_named_key_file(const char *dir, const char *name, const char *pass,
    int (*step)(struct key_work *), struct gs_identity **out)
{
	struct key_work w = { dir, pass, NULL, NULL, NULL, false };
	int ret = GS_ENOMEM;

	*out = NULL;
	w.id = calloc(1, sizeof(*w.id));
	w.buf = gs_secure_alloc(BUF_LEN);
	w.path = join_path(dir, name);
	if (w.id == NULL || w.buf == NULL || w.path == NULL ||
	    (w.id->sk = gs_secure_alloc(GS_SK_LEN)) == NULL)
		goto out;
	ret = step(&w);
	if (ret != 0)
		goto out;
	*out = w.id;
	w.id = NULL;
out:
	if (ret != 0 && w.created)
		unlink(w.path);
	gs_secure_free(w.buf);
	free(w.path);
	gs_identity_destroy(&w.id);
	return ret;
}

static int
with_key_file(const char *dir, const char *pass,
    int (*step)(struct key_work *), struct gs_identity **out)
{
	return with_named_key_file(dir, KEY_NAME, pass, step, out);
}

/*
 * Proves that the secret scalar derived from the seed matches the stored
 * public key: a signature made with sk verifies under pk only then.
 */
static int
check_pair(const uint8_t *sk, const uint8_t pk[GS_PK_LEN])
{
	static const char probe[] = "gemsync identity self-check";
	uint8_t sig[GS_SIG_LEN];
	int ret = GS_ECORRUPT;

	if (gs_sign(sk, probe, sizeof(probe) - 1, sig) != 0)
		goto out;
	if (gs_verify(pk, probe, sizeof(probe) - 1, sig) != 0)
		goto out;
	ret = 0;
out:
	return ret;
}

/* Writes the site ID text and a newline to dir/site.id (0644). */
static int
write_siteid(const char *dir, const char *siteid)
{
	int ret = GS_ENOMEM;
	char *path = join_path(dir, ID_NAME);
	char line[GS_SITEID_SIZE + 1];
	int fd = -1;
	size_t len;

	if (path == NULL)
		goto out;
	len = (size_t)snprintf(line, sizeof(line), "%s\n", siteid);
	ret = GS_EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("identity: cannot create %s", path);
		goto out;
	}
	/* Short text to a regular file: dprintf writes it whole or fails. */
	if (dprintf(fd, "%s", line) != (int)len || fsync(fd) != 0) {
		log_warn("identity: cannot write %s", path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

static bool
has_pass(const char *pass)
{
	return pass != NULL && pass[0] != '\0';
}

/* The key file's bytes for sk: sealed when there is a passphrase. */
static int
key_bytes(const uint8_t *sk, const char *pass, uint8_t *buf, size_t *len)
{
	if (has_pass(pass)) {
		*len = SEALED_LEN;
		return gs_vault_wrap(SEALED_MAGIC, sk, GS_SK_LEN, pass, buf);
	}
	memcpy(buf, KEY_MAGIC, KEY_MAGIC_LEN);
	memcpy(buf + KEY_MAGIC_LEN, sk, GS_SK_LEN);
	*len = KEY_FILE_LEN;
	return 0;
}

/*
 * Replaces a raw key file by its sealed form: written exclusively beside
 * it, synced, then renamed over it, so a crash leaves one or the other.
 */
static int
seal_in_place(struct key_work *w)
{
	char *tmp = join_path(w->dir, NEW_NAME);
	size_t len = 0;
	int ret = GS_ENOMEM;

	if (tmp == NULL)
		return ret;
	(void)unlink(tmp);          /* left by a crash before the rename */
	ret = key_bytes(w->id->sk, w->pass, w->buf, &len);
	if (ret == 0)
		ret = gs_keyfile_create(tmp, w->buf, len);
	if (ret == 0 && rename(tmp, w->path) != 0) {
		log_warn("identity: cannot rename %s", tmp);
		(void)unlink(tmp);
		ret = GS_EIO;
	}
	if (ret == 0) {
		sync_dir(w->dir);
		log_info("identity: %s is now sealed by the passphrase",
		    w->path);
	}
	free(tmp);
	return ret;
}

/* A new key pair for w->id, written (sealed if w->pass) to w->path. */
static int
new_key_file(struct key_work *w)
{
	struct gs_identity *id = w->id;
	size_t len = 0;
	int ret;

	ret = gs_sign_keypair(id->pk, id->sk);
	if (ret != 0)
		return ret;
	gs_siteid_encode(id->pk, id->siteid);
	ret = key_bytes(id->sk, w->pass, w->buf, &len);
	if (ret == 0)
		ret = gs_keyfile_create(w->path, w->buf, len);
	if (ret != 0)
		return ret;
	w->created = true;
	return 0;
}

/* A new key pair, written to the key file, then site.id beside it. */
static int
create_step(struct key_work *w)
{
	struct gs_identity *id = w->id;
	int ret;

	ret = new_key_file(w);
	if (ret != 0)
		return ret;
	ret = write_siteid(w->dir, id->siteid);
	if (ret != 0)
		return ret;
	sync_dir(w->dir);
	log_info("identity: created site key, site id %s", id->siteid);
	return 0;
}

/* The secret key out of the key file's len bytes in buf, into id->sk. */
static int
read_sk(struct key_work *w, size_t len)
{
	int ret;

	if (len == KEY_FILE_LEN && memcmp(w->buf, KEY_MAGIC,
	    KEY_MAGIC_LEN) == 0) {
		memcpy(w->id->sk, w->buf + KEY_MAGIC_LEN, GS_SK_LEN);
		return 0;
	}
	if (len != SEALED_LEN || memcmp(w->buf, SEALED_MAGIC,
	    KEY_MAGIC_LEN) != 0) {
		log_warnx("identity: %s is not a site key file", w->path);
		return GS_ECORRUPT;
	}
	if (!has_pass(w->pass)) {
		log_warnx("identity: %s is sealed and needs the passphrase",
		    w->path);
		return GS_ENEEDPASS;
	}
	ret = gs_vault_unwrap(w->buf, GS_SK_LEN, w->pass, w->id->sk);
	if (ret == GS_EBADKEY)
		log_warnx("identity: wrong passphrase for %s", w->path);
	return ret;
}

/* The key pair read back from the key file, and checked. */
static int
load_step(struct key_work *w)
{
	struct gs_identity *id = w->id;
	size_t len = 0;
	int ret;

	ret = gs_keyfile_read(w->path, w->buf, BUF_LEN, &len);
	if (ret == 0)
		ret = read_sk(w, len);
	if (ret != 0)
		return ret;
	gs_sk_to_pk(id->sk, id->pk);
	if (check_pair(id->sk, id->pk) != 0) {
		log_warnx("identity: %s holds a damaged key pair", w->path);
		return GS_ECORRUPT;
	}
	gs_siteid_encode(id->pk, id->siteid);
	if (len == KEY_FILE_LEN && has_pass(w->pass))
		return seal_in_place(w);
	return 0;
}

int
gs_identity_create(const char *dir, const char *pass,
    struct gs_identity **out)
{
	return with_key_file(dir, pass, create_step, out);
}

/* A new key pair in site.key.next (one a crash left is replaced). */
static int
next_step(struct key_work *w)
{
	struct gs_identity *id = w->id;
	int ret;

	(void)unlink(w->path);
	ret = new_key_file(w);
	if (ret != 0)
		return ret;
	sync_dir(w->dir);
	log_info("identity: new site key %s written to %s, waiting for its "
	    "key link", id->siteid, w->path);
	return 0;
}

int
gs_identity_create_next(const char *dir, const char *pass,
    struct gs_identity **out)
{
	return with_named_key_file(dir, NEXT_NAME, pass, next_step, out);
}

/* Renames an unreadable site.key.next to NEXT_NAME.abime. */
static int
keep_aside(const char *dir, const char *np)
{
	char *to = join_path(dir, NEXT_NAME ".abime");
	int ret = 0;

	if (to == NULL)
		return GS_ENOMEM;
	if (rename(np, to) != 0) {
		log_warn("identity: cannot rename %s", np);
		ret = GS_EIO;
	} else {
		log_warnx("identity: %s is unreadable (a rotation cut short, "
		    "or a damaged disk): kept as %s; the site starts with its "
		    "current key", np, to);
		sync_dir(dir);
	}
	free(to);
	return ret;
}

/*
 * The successor key in site.key.next becomes site.key (one rename, then
 * site.id), or, when it is not the key the database names, is removed:
 * its link never committed.
 */
static int
settle_next(const char *dir, const char *pass, const uint8_t expect[32])
{
	struct gs_identity *next = NULL;
	char *np = join_path(dir, NEXT_NAME), *kp = join_path(dir, KEY_NAME);
	int ret = GS_ENOMEM;

	if (np == NULL || kp == NULL)
		goto out;
	ret = access(np, F_OK) == 0 ? with_named_key_file(dir, NEXT_NAME,
	    pass, load_step, &next) : GS_ENOTFOUND;
	if (ret == GS_ENOTFOUND) {
		ret = 0;
	} else if (ret == GS_ECORRUPT) {
		/*
		 * Cut by a crash before its link, or damaged on disk after
		 * it: kept aside, as the only copy of the key if linked.
		 */
		ret = keep_aside(dir, np);
	} else if (ret == 0 && memcmp(next->pk, expect, 32) != 0) {
		/* written before its link, which never committed */
		log_warnx("identity: %s was not linked to the site key (the "
		    "rotation stopped before its link was written): removed; "
		    "run gemsync key rotate again", np);
		(void)unlink(np);
		sync_dir(dir);
		ret = 0;
	} else if (ret == 0) {
		if (rename(np, kp) != 0) {
			log_warn("identity: cannot rename %s", np);
			ret = GS_EIO;
			goto out;
		}
		sync_dir(dir);
		ret = write_siteid(dir, next->siteid);
		log_info("identity: the site now signs with its new key %s",
		    next->siteid);
	}
out:
	gs_identity_destroy(&next);
	free(np);
	free(kp);
	return ret;
}

int
gs_identity_load_current(const char *dir, const char *pass,
    const uint8_t *expect, struct gs_identity **out)
{
	int ret = expect != NULL ? settle_next(dir, pass, expect) : 0;

	if (ret != 0) {
		*out = NULL;
		return ret;
	}
	return gs_identity_load(dir, pass, out);
}

int
gs_identity_load(const char *dir, const char *pass,
    struct gs_identity **out)
{
	return with_key_file(dir, pass, load_step, out);
}

void
gs_identity_destroy(struct gs_identity **id)
{
	if (id == NULL || *id == NULL)
		return;
	gs_secure_free((*id)->sk);
	free(*id);
	*id = NULL;
}

const uint8_t *
gs_identity_pk(const struct gs_identity *id)
{
	return id->pk;
}

const uint8_t *
gs_identity_sk(const struct gs_identity *id)
{
	return id->sk;
}

const char *
gs_identity_siteid(const struct gs_identity *id)
{
	return id->siteid;
}
