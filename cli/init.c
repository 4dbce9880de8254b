/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * init.c: `gemsync init` and `gemsync id`. The CLI never opens the
 * database or the keys: init hands over to `gemsyncd --init` (found next
 * to this executable, else in PATH) and passes its exit code through. id
 * asks the daemon, and when it is not running reads DATA_DIR/site.id,
 * the public text file init leaves behind.
 */
#include "gemsync.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "siteid.h"
#include "words.h"

enum { OPT_PASSPHRASE_FILE };

static const struct cli_opt init_opts[] = {
	{ "passphrase-file", "F", OPT_PASSPHRASE_FILE, N_("protects the "
	    "storage key with the passphrase\n"
	    "held in F"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/*
 * Finds gemsyncd beside the running gemsync (init, restore): the same directory, the
 * build tree (cli/../daemon/) or an install (bin/../sbin/). Writes the path
 * into out and returns 0, or -1 to fall back on PATH.
 */
int
cli_find_daemon(char *out, size_t outlen)
{
	static const char *const rel[] = { "gemsyncd", "../daemon/gemsyncd",
	    "../sbin/gemsyncd" };
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if ((size_t)snprintf(out, outlen, "%s/%s", self, rel[i]) >=
		    outlen)
			continue;
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

int
cli_exec_daemon(char **args)
{
	char path[PATH_MAX];

	fflush(stdout);
	fflush(stderr);
	if (cli_find_daemon(path, sizeof(path)) == 0) {
		args[0] = path;
		execv(path, args);
		cli_err(_("cannot run %s: %s"), path, strerror(errno));
	} else {
		execvp("gemsyncd", args);
		cli_err(_("cannot run gemsyncd: %s (neither next to "
		    "gemsync, nor in the PATH)"), strerror(errno));
	}
	return CLI_EXIT_DOWN;
}

int
cli_cmd_init(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	const char *passfile = NULL;
	char *args[7];
	char *pos[1];
	int ret = CLI_EXIT_USAGE, n = 0, rc;

	rc = cli_opts_args(cli, cmd, init_opts, cli_opt_store, &passfile, argc,
	    argv, pos, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		goto out;
	args[n++] = "gemsyncd";
	args[n++] = "--init";
	args[n++] = "-c";
	args[n++] = (char *)cli->conf_path;
	if (passfile != NULL) {
		args[n++] = "--passphrase-file";
		args[n++] = (char *)passfile;
	}
	args[n] = NULL;
	ret = cli_exec_daemon(args);
out:
	return ret;
}

/* Reads the first line of DATA_DIR/site.id into out. 0 or -1 (errno). */
static int
read_site_id(const struct cli_ctx *cli, char *out, size_t outlen)
{
	char *path = NULL;
	FILE *fp = NULL;
	int ret = -1;
	size_t n;

	if (asprintf(&path, "%s/site.id", cli->data_dir) < 0) {
		path = NULL;
		goto out;
	}
	fp = fopen(path, "r");
	if (fp == NULL)
		goto out;
	if (fgets(out, (int)outlen, fp) == NULL) {
		errno = EINVAL;
		goto out;
	}
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
	if (n == 0) {
		errno = EINVAL;
		goto out;
	}
	ret = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(path);
	return ret;
}

/* Prints the site ID read from site.id, in the daemon's JSON shape too. */
static int
print_file_id(const struct cli_ctx *cli, const char *raw)
{
	char id[GS_SITEID_SIZE], shortid[GS_SITEID_SHORT];
	json_t *doc = NULL;
	char *s = NULL;
	int ret = CLI_EXIT_DOWN;

	gs_sanitize(raw, id, sizeof(id));
	cli_out_short_id(id, shortid);
	if (!cli->json) {
		printf("%s\n", id);
		ret = CLI_EXIT_OK;
		goto out;
	}
	doc = json_pack("{s:s, s:s}", "site_id", id, "short", shortid);
	if (doc != NULL)
		s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (s == NULL) {
		cli_nomem();        /* exit code 3: the daemon is away */
		goto out;
	}
	printf("%s\n", s);
	ret = CLI_EXIT_OK;
out:
	free(s);
	json_decref(doc);
	return ret;
}

static const struct cli_opt id_opts[] = {
	{ "words", NULL, 0, N_("shows the site's fingerprint in 6 words, to read "
	  "aloud\nto the other site to check it talks to this one"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

static int
on_id_opt(void *arg, int id, const char *name, const char *value)
{
	(void)id;
	(void)name;
	(void)value;
	*(int *)arg = 1;
	return 0;
}

/* The six words of a site ID read from site.id (the daemon is away). */
static int
print_file_words(const char *raw)
{
	char words[GS_WORDS_SIZE];
	uint8_t pk[32];

	if (gs_siteid_parse(raw, pk) != 0) {
		cli_err(_("unreadable site ID in site.id"));
		return CLI_EXIT_DOWN;
	}
	gs_words_of(pk, words);
	printf("%s\n", words);
	return CLI_EXIT_OK;
}

int
cli_cmd_id(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	char raw[GS_SITEID_SIZE + 64];
	json_t *doc = NULL;
	char *json = NULL, *id = NULL;
	char *pos[1];
	int ret = CLI_EXIT_USAGE, rc, err, words = 0;

	rc = cli_opts_args(cli, cmd, id_opts, on_id_opt, &words, argc, argv,
	    pos, 0, "");
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_call(cli, "id", NULL, CLI_CALL_QUIET_DOWN, &json);
	if (ret == CLI_EXIT_DOWN && !cli->denied) {
		/* The daemon is away: site.id is public, read it. */
		if (read_site_id(cli, raw, sizeof(raw)) == 0) {
			ret = words && !cli->json ? print_file_words(raw) :
			    print_file_id(cli, raw);
			goto out;
		}
		err = errno;
		cli_print_down(cli);
		cli_err(_("and %s/site.id cannot be read: %s"), cli->data_dir,
		    strerror(err));
		goto out;
	}
	if (ret != CLI_EXIT_OK)
		goto out;
	if (cli->json) {
		printf("%s\n", json);
		goto out;
	}
	ret = cli_doc_parse(json, &doc);
	if (ret != CLI_EXIT_OK)
		goto out;
	id = cli_out_clean(cli_doc_str(doc, words ? "words" : "site_id"));
	if (id == NULL || id[0] == '\0') {
		ret = cli_baddoc();
		goto out;
	}
	printf("%s\n", id);
out:
	free(id);
	free(json);
	json_decref(doc);
	return ret;
}
