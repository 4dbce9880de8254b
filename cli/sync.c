/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sync.c: `gemsync sync [--peer SITE-ID]` asks the daemon to start a
 * gossip round now with every connected trusted peer, or with one
 * (control command `sync`). Rounds run in the background: the command
 * reports how many started, not their outcome; `gemsync peer list` shows
 * the result.
 *
 * `gemsync sync --force-end-catchup` ends a restored site's catch-up by
 * hand (control command `catchup.end`): for a site none of whose peers
 * can be reached, at the risk docs/cli.md describes.
 */
#include "gemsync.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

enum { OPT_PEER, OPT_END_CATCHUP };

static const struct cli_opt sync_opts[] = {
	{ "peer", "SITE-ID", OPT_PEER, N_("only with this neighbour site"), 0 },
	{ "force-end-catchup", NULL, OPT_END_CATCHUP, N_("ends the catch-up "
	  "of a restored site\nwithout waiting for its neighbour sites "
	  "(risky: see\nthe help of gemsync restore)"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct sync_args {
	const char *peer;
	bool end_catchup;
};

static int
on_sync_opt(void *arg, int id, const char *name, const char *value)
{
	struct sync_args *a = arg;

	(void)name;
	if (id == OPT_PEER)
		a->peer = value;
	else if (id == OPT_END_CATCHUP)
		a->end_catchup = true;
	return 0;
}

/* Ends the catch-up by hand and says what it was. */
static int
end_catchup(struct cli_ctx *cli)
{
	json_t *root = NULL;
	int ret;

	ret = cli_doc(cli, "catchup.end", NULL, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	if (json_is_true(json_object_get(root, "was_catching_up")))
		puts(_("Catch-up ended by hand: the site accepts writes "
		    "again. If a neighbour site holds changes of this site "
		    "newer than the backup, they will be reported as "
		    "equivocation."));
	else
		puts(_("This site was not catching up: nothing to do."));
out:
	json_decref(root);
	return ret;
}

int
cli_cmd_sync(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct cli_kv params = { 0 };
	struct sync_args a = { NULL, false };
	const char *peer;
	const json_t *v;
	json_t *root = NULL;
	char *pos[1];
	long long n;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, sync_opts, on_sync_opt, &a, argc, argv,
	    pos, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		goto out;
	peer = a.peer;
	if (a.end_catchup) {
		ret = a.peer != NULL ? cli_usage(cmd, _("--force-end-catchup does "
		    "not go with --peer")) : end_catchup(cli);
		goto out;
	}
	if (peer != NULL && cli_kv_add(&params, "site", peer) < 0) {
		ret = cli_nomem();
		goto out;
	}
	ret = cli_doc(cli, "sync", &params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	v = json_object_get(root, "rounds_started");
	if (!json_is_integer(v)) {
		ret = cli_baddoc();
		goto out;
	}
	n = (long long)json_integer_value(v);
	if (n == 0)
		puts(_("No neighbour site connected: no sync started. See "
		    "gemsync peer list."));
	else
		printf(ngettext("Sync started with %lld neighbour site "
		    "(gemsync peer list to follow it).\n",
		    "Sync started with %lld neighbour sites "
		    "(gemsync peer list to follow it).\n", (unsigned long)n),
		    n);
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}
