/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * backup.c: `gemsync backup FILE` and `gemsync restore FILE`.
 *
 * backup drives the daemon's online copy (control commands backup.start,
 * backup.step, backup.read: docs/control.md) and writes the file itself,
 * 0600, so it lands where the admin can write whatever user gemsyncd
 * runs as. restore hands over to `gemsyncd --restore` (the CLI never
 * opens the database or the keys), as init does.
 */
#include "gemsync.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "err.h"
#include "textfmt.h"

#define MAX_STEPS 1000000          /* a bound on backup.step calls */

enum { OPT_WITH_KEYS, OPT_PASSPHRASE_FILE, OPT_FORCE };

static const struct cli_opt backup_opts[] = {
	{ "with-keys", NULL, OPT_WITH_KEYS, N_("adds the site's key and the "
	  "storage key,\nencrypted by a passphrase"), 0 },
	{ "passphrase-file", "F", OPT_PASSPHRASE_FILE, N_("the passphrase "
	  "(otherwise\n$GEMSYNC_BACKUP_PASSPHRASE, or asked at the keyboard)"),
	  0 },
	{ NULL, NULL, 0, NULL, 0 },
};

static const struct cli_opt restore_opts[] = {
	{ "passphrase-file", "F", OPT_PASSPHRASE_FILE, N_("the passphrase "
	  "of the keys in the\nbackup (otherwise $GEMSYNC_BACKUP_PASSPHRASE,\n"
	  "or asked at the keyboard)"), 0 },
	{ "force", NULL, OPT_FORCE, N_("replaces the site already there"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct bk_args {
	bool with_keys;
	bool force;
	const char *passfile;
};

static int
on_opt(void *arg, int id, const char *name, const char *value)
{
	struct bk_args *a = arg;

	(void)name;
	if (id == OPT_WITH_KEYS)
		a->with_keys = true;
	else if (id == OPT_FORCE)
		a->force = true;
	else if (id == OPT_PASSPHRASE_FILE)
		a->passfile = value;
	return 0;
}

/*
 * Asks for a secret on the terminal, without echo. A malloc'd string
 * (newline removed), or NULL when there is no terminal or no answer.
 */
static char *
prompt_secret(const char *question)
{
	struct termios old, quiet;
	char buf[1024], *ans = NULL;
	FILE *tty = fopen("/dev/tty", "r+");
	bool echo_off = false;
	size_t n;

	if (tty == NULL)
		return NULL;
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	fputs(question, tty);
	fflush(tty);
	if (fgets(buf, sizeof(buf), tty) != NULL) {
		n = strcspn(buf, "\r\n");
		buf[n] = '\0';
		ans = strdup(buf);
	}
	if (echo_off)
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	gs_wipe(buf, sizeof(buf));
	return ans;
}

/* The passphrase typed twice alike on the terminal, or NULL. */
static char *
prompt_twice(bool twice)
{
	char *a = prompt_secret(_("Passphrase of the backup: "));
	char *b = NULL;

	if (a == NULL || !twice)
		return a;
	b = prompt_secret(_("The same, once more: "));
	if (b == NULL || strcmp(a, b) != 0) {
		cli_err(_("the two passphrases differ: nothing was "
		    "done"));
		gs_wipe(a, strlen(a));
		free(a);
		a = NULL;
	}
	if (b != NULL) {
		gs_wipe(b, strlen(b));
		free(b);
	}
	return a;
}

/* The backup passphrase, malloc'd, or NULL with *ret set. */
static char *
backup_passphrase(const struct cli_ctx *cli, const struct cli_cmd *cmd,
    const char *file, int *ret)
{
	struct gs_config tmp;
	const char *env;
	char *pass = NULL;
	int err = 0;

	(void)cli;
	if (file == NULL) {
		env = getenv("GEMSYNC_BACKUP_PASSPHRASE");
		if (env != NULL && env[0] != '\0')
			pass = strdup(env);
		else if (isatty(STDIN_FILENO))
			pass = prompt_twice(true);
	} else {
		memset(&tmp, 0, sizeof(tmp));
		tmp.passphrase_file = (char *)file;
		pass = gs_config_passphrase(&tmp, &err);
		if (err == GS_EPERM)
			cli_err(_("%s is readable by others: run chmod "
			    "600 %s"), file, file);
		else if (err != 0)
			cli_err(_("cannot read %s: %s"), file,
			    strerror(errno));
	}
	if (err != 0) {
		*ret = CLI_EXIT_USAGE;
	} else if (pass == NULL || pass[0] == '\0') {
		*ret = cli_usage(cmd, _("--with-keys needs a passphrase: "
		    "--passphrase-file F or the variable "
		    "GEMSYNC_BACKUP_PASSPHRASE"));
		free(pass);
		pass = NULL;
	}
	return pass;
}

static void
free_secret(char *p)
{
	if (p != NULL) {
		gs_wipe(p, strlen(p));
		free(p);
	}
}

/* One request with params; *doc gets the parsed reply. Exit code. */
static int
call(struct cli_ctx *cli, const char *command, const struct cli_kv *params,
    json_t **doc)
{
	char *json = NULL;
	int ret;

	*doc = NULL;
	ret = cli_call(cli, command, params, 0, &json);
	if (ret == CLI_EXIT_OK)
		ret = cli_doc_parse(json, doc);
	free(json);
	return ret;
}

/* backup.step until the copy is complete; *size gets the file's size. */
static int
run_steps(struct cli_ctx *cli, const char *token, long long *size)
{
	struct cli_kv p = { 0 };
	json_t *doc = NULL;
	int ret = CLI_EXIT_DOWN;

	if (cli_kv_add(&p, "token", token) < 0) {
		ret = cli_nomem();
		goto out;
	}
	for (long i = 0; i < MAX_STEPS; i++) {
		json_decref(doc);
		ret = call(cli, "backup.step", &p, &doc);
		if (ret != CLI_EXIT_OK)
			goto out;
		if (json_is_true(json_object_get(doc, "done")))
			break;
	}
	*size = cli_doc_int(doc, "size", -1);
	if (*size <= 0)
		ret = cli_baddoc();
out:
	json_decref(doc);
	cli_kv_clear(&p);
	return ret;
}

/* Writes all of buf to fd. 0 or -1 (errno). */
static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* backup.read from 0 to size into fd. */
static int
fetch(struct cli_ctx *cli, const char *token, long long size, int fd,
    const char *file)
{
	struct cli_kv p = { 0 };
	json_t *doc = NULL;
	uint8_t *bin = NULL;
	const char *hex;
	char off[32];
	long long at = 0;
	size_t n;
	int ret = CLI_EXIT_OK;

	while (ret == CLI_EXIT_OK && at < size) {
		snprintf(off, sizeof(off), "%lld", at);
		cli_kv_clear(&p);
		json_decref(doc);
		doc = NULL;
		if (cli_kv_add(&p, "token", token) < 0 ||
		    cli_kv_add(&p, "offset", off) < 0) {
			ret = cli_nomem();
			break;
		}
		ret = call(cli, "backup.read", &p, &doc);
		if (ret != CLI_EXIT_OK)
			break;
		hex = cli_doc_str(doc, "data");
		n = hex != NULL ? strlen(hex) / 2 : 0;
		if (hex == NULL || n == 0 || strlen(hex) % 2 != 0 ||
		    (long long)n > size - at) {
			ret = cli_baddoc();
			break;
		}
		free(bin);
		if ((bin = malloc(n)) == NULL) {
			ret = cli_nomem();
			break;
		}
		if (gs_unhex(hex, bin, n) != 0) {
			ret = cli_baddoc();
			break;
		}
		if (write_all(fd, bin, n) != 0) {
			cli_err(_("cannot write %s: %s"), file,
			    strerror(errno));
			ret = CLI_EXIT_REFUSED;
			break;
		}
		at += (long long)n;
	}
	if (ret == CLI_EXIT_OK && fsync(fd) != 0) {
		cli_err(_("cannot write %s: %s"), file,
		    strerror(errno));
		ret = CLI_EXIT_REFUSED;
	}
	free(bin);
	json_decref(doc);
	cli_kv_clear(&p);
	return ret;
}

/* The result, in French or as JSON. */
static void
report(const struct cli_ctx *cli, const char *file, long long size,
    bool keys)
{
	json_t *o;
	char *s;

	if (!cli->json) {
		printf(_("Backup written to %s (%.1f MB, %s).\n"), file,
		    (double)size / 1e6, keys ? _("with the site's keys, "
		    "encrypted by the passphrase") : _("without the keys: also "
		    "keep a copy of site.key and of the storage key"));
		return;
	}
	o = json_pack("{s:s,s:I,s:b}", "file", file, "size",
	    (json_int_t)size, "with_keys", keys);
	s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

int
cli_cmd_backup(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct bk_args a = { false, false, NULL };
	struct cli_kv params = { 0 };
	json_t *doc = NULL;
	char *pos[1], *pass = NULL, *token = NULL;
	long long size = 0;
	int ret = CLI_EXIT_USAGE, rc, fd = -1;
	bool keys = false;

	rc = cli_opts_args(cli, cmd, backup_opts, on_opt, &a, argc, argv, pos,
	    1, _("give the file to write the backup to"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (a.passfile != NULL && !a.with_keys) {
		ret = cli_usage(cmd, _("--passphrase-file goes with --with-keys"));
		goto out;
	}
	if (a.with_keys) {
		pass = backup_passphrase(cli, cmd, a.passfile, &ret);
		if (pass == NULL)
			goto out;
		if (cli_kv_add(&params, "passphrase", pass) < 0) {
			ret = cli_nomem();
			goto out;
		}
	}
	fd = open(pos[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST) {
		cli_err(_("%s already exists: choose another name (a "
		    "backup never replaces another one)"), pos[0]);
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	if (fd == -1) {
		cli_err(_("cannot create %s: %s"), pos[0], strerror(errno));
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	ret = call(cli, "backup.start", &params, &doc);
	if (ret != CLI_EXIT_OK)
		goto out;
	keys = json_is_true(json_object_get(doc, "with_keys"));
	if (cli_doc_str(doc, "token") == NULL ||
	    (token = strdup(cli_doc_str(doc, "token"))) == NULL) {
		ret = cli_baddoc();
		goto out;
	}
	ret = run_steps(cli, token, &size);
	if (ret == CLI_EXIT_OK)
		ret = fetch(cli, token, size, fd, pos[0]);
	if (ret == CLI_EXIT_OK)
		report(cli, pos[0], size, keys);
out:
	if (fd != -1) {
		close(fd);
		if (ret != CLI_EXIT_OK)
			(void)unlink(pos[0]);
	}
	if (params.n > 0)
		gs_wipe(params.v[0].value, strlen(params.v[0].value));
	free_secret(pass);
	free(token);
	json_decref(doc);
	cli_kv_clear(&params);
	return ret;
}

/* True when FILE looks like a backup holding keys (header flag). */
static bool
backup_has_keys(const char *file)
{
	unsigned char head[6];
	FILE *fp = fopen(file, "rb");
	bool yes;

	if (fp == NULL)
		return false;
	yes = fread(head, 1, sizeof(head), fp) == sizeof(head) &&
	    memcmp(head, "GSB1", 4) == 0 && (head[5] & 1) != 0;
	fclose(fp);
	return yes;
}

/*
 * For a restore from a terminal without --passphrase-file nor
 * $GEMSYNC_BACKUP_PASSPHRASE: asks for it when the file holds keys, and
 * hands it to gemsyncd in its environment. 0, or an exit code.
 */
static int
restore_prompt(const struct bk_args *a, const char *file)
{
	const char *env = getenv("GEMSYNC_BACKUP_PASSPHRASE");
	char *pass;
	int rc;

	if (a->passfile != NULL || (env != NULL && env[0] != '\0') ||
	    !isatty(STDIN_FILENO) || !backup_has_keys(file))
		return 0;
	pass = prompt_twice(false);
	if (pass == NULL)
		return CLI_EXIT_USAGE;
	rc = setenv("GEMSYNC_BACKUP_PASSPHRASE", pass, 1);
	gs_wipe(pass, strlen(pass));
	free(pass);
	return rc == 0 ? 0 : cli_nomem();
}

int
cli_cmd_restore(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct bk_args a = { false, false, NULL };
	char *args[10], *pos[1];
	int ret = CLI_EXIT_USAGE, n = 0, rc;

	rc = cli_opts_args(cli, cmd, restore_opts, on_opt, &a, argc, argv, pos,
	    1, _("give the backup file"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = restore_prompt(&a, pos[0]);
	if (ret != 0)
		goto out;
	args[n++] = "gemsyncd";
	args[n++] = "--restore";
	args[n++] = pos[0];
	args[n++] = "-c";
	args[n++] = (char *)cli->conf_path;
	if (a.passfile != NULL) {
		args[n++] = "--backup-passphrase-file";
		args[n++] = (char *)a.passfile;
	}
	if (a.force)
		args[n++] = "--force";
	args[n] = NULL;
	ret = cli_exec_daemon(args);
out:
	return ret;
}
