/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * sync.c: `gemsync sync [--peer SITE-ID]` asks the daemon to start a
 * gossip round now with every connected trusted peer, or with one
 * (control command `sync`). Rounds run in the background: the command
 * reports how many started, not their outcome; `gemsync peer list` shows
 * the result.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>

enum { OPT_PEER };

static const struct cli_opt sync_opts[] = {
	{ "peer", "SITE-ID", OPT_PEER, N_("only with this neighbour site"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

int
cli_cmd_sync(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct cli_kv params = { 0 };
	const char *peer = NULL;
	const json_t *v;
	json_t *root = NULL;
	char *pos[1];
	long long n;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, sync_opts, cli_opt_store, &peer, argc, argv,
	    pos, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		goto out;
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
