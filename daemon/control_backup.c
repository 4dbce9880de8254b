/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_backup.c: the control commands of a backup and of the catch-up
 * that follows a restore (docs/control.md). A backup is driven by the
 * CLI, one request per step: backup.start begins the copy, backup.step
 * copies a few megabytes at a time (the loop serves peers and other
 * requests between two steps), backup.read hands the finished file over
 * in chunks, as hex, which the CLI writes where the admin asked. The
 * daemon thus writes only in its data dir, whichever user it runs as.
 * One backup at a time: a new start replaces an unfinished one, whose
 * token then no longer matches.
 */
#include "control_int.h"

#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "config.h"
#include "crypto.h"
#include "daemon.h"
#include "err.h"
#include "log.h"
#include "replica.h"
#include "textfmt.h"

#define CHUNK (192 * 1024)          /* bytes per backup.read */

/* The running backup of token's request, or NULL with r filled. */
static struct gs_backup *
backup_of(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *t = ctl_param(q, "token");

	if (d->backup == NULL || t == NULL ||
	    strcmp(t, d->backup_token) != 0) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "token", "cette sauvegarde "
		    "n'est plus en cours (une autre l'a remplacée, ou le démon "
		    "a redémarré) : relancez « gemsync backup »");
		return NULL;
	}
	return d->backup;
}

void
ctl_backup_start(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *pass = ctl_param(q, "passphrase");
	uint8_t tok[16];
	int rc;

	gs_backup_destroy(&d->backup);
	rc = gs_backup_start(d->store, d->cfg->data_dir, d->cfg->key_file,
	    pass, &d->backup);
	if (rc != 0) {
		log_warnx("control: backup: %s", gs_strerror(rc));
		ctl_fail(r, GS__STATUS__REFUSED, NULL, "la sauvegarde n'a pas "
		    "pu commencer : %s (vérifiez la place libre dans %s ; "
		    "les détails sont dans le journal de gemsyncd)", gs_strerror(rc),
		    d->cfg->data_dir);
		return;
	}
	gs_random(tok, sizeof(tok));
	gs_hex(tok, sizeof(tok), d->backup_token);
	log_info("control: backup started%s",
	    gs_backup_has_keys(d->backup) ? " (with keys)" : "");
	r->json = json_pack("{s:s,s:b}", "token", d->backup_token,
	    "with_keys", gs_backup_has_keys(d->backup));
}

void
ctl_backup_step(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_backup *b = backup_of(d, q, r);
	int pct = 0, rc;

	if (b == NULL)
		return;
	rc = gs_backup_step(b, &pct);
	if (rc < 0) {
		gs_backup_destroy(&d->backup);
		ctl_fail(r, GS__STATUS__REFUSED, NULL, "la copie de la base a "
		    "échoué : %s (rien n'a été écrit ; vérifiez la place libre "
		    "dans %s puis relancez)", gs_strerror(rc),
		    d->cfg->data_dir);
		return;
	}
	r->json = json_pack("{s:b,s:i,s:I}", "done", rc == 1,
	    "percent", pct, "size", (json_int_t)gs_backup_size(b));
}

void
ctl_backup_read(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_backup *b = backup_of(d, q, r);
	const char *o = ctl_param(q, "offset");
	unsigned long long off = 0;
	uint8_t *buf = NULL;
	char *hex = NULL, *end = NULL;
	size_t n = 0;
	int rc;

	if (b == NULL)
		return;
	if (o != NULL && o[0] >= '0' && o[0] <= '9')
		off = strtoull(o, &end, 10);
	if (end == NULL || *end != '\0' || gs_backup_size(b) == 0 ||
	    off > gs_backup_size(b)) {
		ctl_fail(r, GS__STATUS__INVALID, "offset", "position de lecture "
		    "invalide");
		return;
	}
	buf = malloc(CHUNK);
	hex = malloc(2 * CHUNK + 1);
	if (buf == NULL || hex == NULL) {
		ctl_fail_err(r, GS_ENOMEM, NULL);
		goto out;
	}
	rc = gs_backup_read(b, off, buf, CHUNK, &n);
	if (rc != 0) {
		ctl_fail(r, GS__STATUS__REFUSED, NULL, "lecture de la "
		    "sauvegarde impossible : %s", gs_strerror(rc));
		goto out;
	}
	gs_hex(buf, n, hex);
	r->json = json_pack("{s:s,s:I}", "data", hex,
	    "size", (json_int_t)gs_backup_size(b));
	if (off + n == gs_backup_size(b)) {
		log_info("control: backup handed over (%llu bytes)",
		    (unsigned long long)gs_backup_size(b));
		gs_backup_destroy(&d->backup);
	}
out:
	free(buf);
	free(hex);
}

void
ctl_catchup_end(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	bool was = gs_replica_catching_up(d->replica);
	int rc;

	(void)q;
	rc = gs_replica_set_catching_up(d->replica, false);
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return;
	}
	if (was)
		log_warnx("control: catch-up ended by the admin, before this "
		    "site's later changes were seen on a peer");
	r->json = json_pack("{s:b}", "was_catching_up", was);
}
