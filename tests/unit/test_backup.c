/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_backup.c: backups and restores (daemon/backup.c), the passphrase
 * sealing of their keys (gs_vault_pass_seal), and the catch-up a restore
 * leaves (gs_replica_write refuses with GS_ECATCHUP until it ends), on
 * the shared fixture's throw-away site (fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backup.h"
#include "err.h"
#include "replica.h"
#include "schema.h"
#include "store.h"
#include "vault.h"

#include "fixture.h"

static int
add_event(struct fx *f, const char *title)
{
	return fx_write(f, NULL, GS_TYPE_EVENT, NULL, "title", title, "kind",
	    "workshop", "start", "2030-06-01T14:00:00+02:00", NULL);
}

/* Makes a backup of f's open site into path; pass NULL: without keys. */
static void
make_backup(struct fx *f, const char *pass, const char *path)
{
	struct gs_backup *b = NULL;
	uint8_t buf[7000];
	uint64_t off = 0;
	size_t n = 0;
	char part[400];
	FILE *fp;
	int rc = 0, steps = 0;

	assert_int_equal(gs_backup_start(f->st, f->site, f->key, pass, &b), 0);
	assert_int_equal(gs_backup_has_keys(b), pass != NULL);
	assert_int_equal(gs_backup_read(b, 0, buf, sizeof(buf), &n),
	    GS_EINVAL);          /* not complete yet */
	while ((rc = gs_backup_step(b, NULL)) == 0 && steps < 1000)
		steps++;
	assert_int_equal(rc, 1);
	assert_true(gs_backup_size(b) > 20);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	/* an odd chunk size crosses the header/keys/database boundaries */
	do {
		assert_int_equal(gs_backup_read(b, off, buf, 777, &n), 0);
		assert_int_equal(fwrite(buf, 1, n, fp), n);
		off += n;
	} while (n > 0);
	fclose(fp);
	assert_int_equal(off, gs_backup_size(b));
	gs_backup_destroy(&b);
	snprintf(part, sizeof(part), "%s/backup.db.part", f->site);
	assert_int_equal(access(part, F_OK), -1);
}

static int
restore(struct fx *f, const char *path, const char *pass, bool force,
    char *err, size_t errlen)
{
	struct gs_restore_opts o;

	memset(&o, 0, sizeof(o));
	o.file = path;
	o.data_dir = f->site;
	o.key_file = f->key;
	o.passphrase = pass;
	o.max_drift_s = 300;
	o.force = force;
	err[0] = '\0';
	return gs_backup_restore(&o, err, errlen);
}

static void
test_pass_seal(void **state)
{
	static const uint8_t secret[] = "site key and storage key";
	uint8_t *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0;

	(void)state;
	assert_int_equal(gs_vault_pass_seal("", secret, sizeof(secret), &ct,
	    &ctlen), GS_EINVAL);
	assert_int_equal(gs_vault_pass_seal("phrase", secret, sizeof(secret),
	    &ct, &ctlen), 0);
	assert_int_equal(ctlen, sizeof(secret) + GS_VAULT_PASS_OVERHEAD);
	assert_null(memmem(ct, ctlen, "storage key", 11));
	assert_int_equal(gs_vault_pass_open("phrasE", ct, ctlen, &pt, &ptlen),
	    GS_EBADKEY);
	assert_null(pt);
	assert_int_equal(gs_vault_pass_open("phrase", ct, ctlen, &pt, &ptlen),
	    0);
	assert_int_equal(ptlen, sizeof(secret));
	assert_memory_equal(pt, secret, sizeof(secret));
	gs_vault_secret_free(pt);
	pt = NULL;
	/* the salt is bound to the ciphertext */
	ct[6] ^= 1;
	assert_int_equal(gs_vault_pass_open("phrase", ct, ctlen, &pt, &ptlen),
	    GS_EBADKEY);
	assert_int_equal(gs_vault_pass_open("phrase", ct, 10, &pt, &ptlen),
	    GS_ECORRUPT);
	free(ct);
}

static void
test_write_refused_while_catching_up(void **state)
{
	struct fx *f = *state;

	assert_int_equal(add_event(f, "Avant"), 0);
	assert_false(gs_replica_catching_up(f->r));
	assert_int_equal(gs_replica_set_catching_up(f->r, true), 0);
	assert_int_equal(add_event(f, "Pendant"), GS_ECATCHUP);
	assert_int_equal(gs_replica_seq(f->r, gs_replica_pk(f->r)), 1);
	/* the flag survives a restart */
	fx_close(f);
	fx_open(f);
	assert_true(gs_replica_catching_up(f->r));
	assert_int_equal(add_event(f, "Pendant"), GS_ECATCHUP);
	assert_int_equal(gs_replica_set_catching_up(f->r, false), 0);
	assert_int_equal(add_event(f, "Après"), 0);
	assert_int_equal(gs_replica_seq(f->r, gs_replica_pk(f->r)), 2);
}

static void
test_backup_restore_with_keys(void **state)
{
	struct fx *f = *state;
	char path[400], err[1024];

	snprintf(path, sizeof(path), "%s/site.gsb", f->dir);
	assert_int_equal(add_event(f, "Avant la sauvegarde"), 0);
	make_backup(f, "phrase secrète", path);
	assert_int_equal(add_event(f, "Après la sauvegarde"), 0);
	fx_close(f);

	/* a site is there: refused, and so is a wrong passphrase, even
	 * with force, before anything is touched */
	assert_int_equal(restore(f, path, "phrase secrète", false, err,
	    sizeof(err)), GS_EEXISTS);
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(restore(f, path, "autre phrase", true, err,
	    sizeof(err)), GS_EBADKEY);
	assert_int_equal(restore(f, path, NULL, true, err, sizeof(err)),
	    GS_EBADKEY);
	assert_non_null(strstr(err, "--passphrase-file"));
	fx_open(f);
	assert_int_equal(gs_replica_seq(f->r, gs_replica_pk(f->r)), 2);
	fx_close(f);

	assert_int_equal(restore(f, path, "phrase secrète", true, err,
	    sizeof(err)), 0);
	fx_open(f);
	assert_int_equal(gs_replica_seq(f->r, gs_replica_pk(f->r)), 1);
	assert_true(gs_replica_catching_up(f->r));
	assert_int_equal(add_event(f, "Trop tôt"), GS_ECATCHUP);
}

static void
test_restore_without_keys(void **state)
{
	struct fx *f = *state;
	char path[400], db[400], err[1024];

	snprintf(path, sizeof(path), "%s/sans-cles.gsb", f->dir);
	snprintf(db, sizeof(db), "%s/gemsync.db", f->site);
	assert_int_equal(add_event(f, "Atelier"), 0);
	make_backup(f, NULL, path);
	fx_close(f);
	/* the keys stay (copied from the old PC), the database goes */
	assert_int_equal(unlink(db), 0);
	assert_int_equal(restore(f, path, NULL, false, err, sizeof(err)), 0);
	fx_open(f);
	assert_true(gs_replica_catching_up(f->r));
	assert_int_equal(gs_replica_seq(f->r, gs_replica_pk(f->r)), 1);
	fx_close(f);
	/* without its keys, the restore says which files to bring */
	assert_int_equal(unlink(db), 0);
	assert_int_equal(unlink(f->key), 0);
	assert_int_equal(restore(f, path, NULL, false, err, sizeof(err)),
	    GS_ENOTFOUND);
	assert_non_null(strstr(err, "site.key"));
	assert_int_equal(access(db, F_OK), -1);
}

static void
test_restore_refuses_damaged_file(void **state)
{
	struct fx *f = *state;
	char path[400], err[1024];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/abime.gsb", f->dir);
	make_backup(f, NULL, path);
	fx_close(f);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size - 100), 0);
	assert_int_equal(restore(f, path, NULL, true, err, sizeof(err)),
	    GS_ECORRUPT);
	assert_non_null(strstr(err, "incomplète"));
	/* the site there is untouched */
	fx_open(f);
	assert_false(gs_replica_catching_up(f->r));
}

/*
 * A restore --force whose copied database fails its checks puts the
 * replaced site back as it was: nothing is lost.
 */
static void
test_failed_force_restore_keeps_the_site(void **state)
{
	struct fx *f = *state;
	char path[400], err[1024];
	uint8_t junk[8192];
	size_t before;
	struct stat sb;
	FILE *fp;

	assert_int_equal(add_event(f, "Avant la sauvegarde"), 0);
	snprintf(path, sizeof(path), "%s/abimee-dedans.gsb", f->dir);
	make_backup(f, NULL, path);
	assert_int_equal(add_event(f, "Après la sauvegarde"), 0);
	before = gs_replica_count(f->r, GS_TYPE_EVENT);
	fx_close(f);
	/*
	 * the size stays right, the database inside is damaged: its first
	 * page, right after the file's 20-byte header (no keys section)
	 */
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 20 + (off_t)sizeof(junk));
	memset(junk, 0x5a, sizeof(junk));
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 20, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	assert_int_equal(fclose(fp), 0);
	assert_int_not_equal(restore(f, path, NULL, true, err, sizeof(err)),
	    0);
	fx_open(f);
	assert_false(gs_replica_catching_up(f->r));
	assert_int_equal(gs_replica_count(f->r, GS_TYPE_EVENT), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_seal),
		FX_TEST(test_write_refused_while_catching_up),
		FX_TEST(test_backup_restore_with_keys),
		FX_TEST(test_restore_without_keys),
		FX_TEST(test_restore_refuses_damaged_file),
		FX_TEST(test_failed_force_restore_keeps_the_site),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
