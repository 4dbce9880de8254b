/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * trust.c: `gemsync site revoke` and `gemsync key revoke`, the signed
 * revocations that travel to every site (site.revoke and key.revoke in
 * docs/control.md; how they act in docs/internals/trust.md), and
 * `gemsync key rotate` (key.rotate), the signed link to a new site key.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_REASON, OPT_YES };

static const struct cli_opt revoke_opts[] = {
	{ "reason", N_("TEXT"), OPT_REASON, N_("why (shown to the other sites)"),
	  0 },
	{ NULL, NULL, 0, NULL, 0 },
};

static const struct cli_opt key_opts[] = {
	{ "reason", N_("TEXT"), OPT_REASON, N_("why (shown to the other sites)"),
	  0 },
	{ "yes", NULL, OPT_YES, N_("confirms: this site's key will no longer "
	  "be able to write anything"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct revoke_ctx {
	const char *reason;
	int yes;
};

static int
on_opt(void *arg, int id, const char *name, const char *value)
{
	struct revoke_ctx *a = arg;

	(void)name;
	if (id == OPT_REASON)
		a->reason = value;
	else
		a->yes = 1;
	return 0;
}

/* Sends command with params (and the reason) and prints what was done. */
static int
send_revoke(struct cli_ctx *cli, const char *command, struct cli_kv *params,
    const struct revoke_ctx *a, const char *done)
{
	json_t *root = NULL;
	char *site = NULL;
	int ret;

	if (a->reason != NULL && cli_kv_add(params, "reason", a->reason) < 0)
		return cli_nomem();
	ret = cli_doc(cli, command, params, &root);
	if (ret == CLI_EXIT_OK && root != NULL) {
		site = cli_out_clean(cli_doc_str(root, "site_id"));
		/* TRANSLATORS: "Site revoked: SITE-ID" */
		printf(_("%s: %s\n"), done, site != NULL ? site : "?");
		printf(_("Its changes up to no. %lld stay, marked; "
		    "the next ones will be refused by the neighbour sites as "
		    "soon as they receive the revocation.\n"), (long long)
		    json_integer_value(json_object_get(root, "last_seq")));
	}
	free(site);
	json_decref(root);
	return ret;
}

int
cli_cmd_site_revoke(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct revoke_ctx a = { NULL, 0 };
	struct cli_kv params = { 0 };
	char *pos[1];
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, revoke_opts, on_opt, &a, argc, argv, pos,
	    1, _("the site ID is missing (SITE-ID)"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (cli_kv_add(&params, "site", pos[0]) < 0) {
		ret = cli_nomem();
		goto out;
	}
	ret = send_revoke(cli, "site.revoke", &params, &a, _("Site revoked"));
out:
	cli_kv_clear(&params);
	return ret;
}

int
cli_cmd_key_revoke(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct revoke_ctx a = { NULL, 0 };
	struct cli_kv params = { 0 };
	char *pos[1];
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, key_opts, on_opt, &a, argc, argv, pos, 0,
	    "");
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (!a.yes) {
		ret = cli_usage(cmd, _("the revocation is final: this site will "
		    "no longer be able to write anything. Add --yes to confirm"));
		goto out;
	}
	ret = send_revoke(cli, "key.revoke", &params, &a,
	    _("This site's key revoked"));
out:
	cli_kv_clear(&params);
	return ret;
}

int
cli_cmd_key_rotate(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char *site = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_none(cli, cmd, argc, argv);
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, "key.rotate", &params, &root);
	if (ret == CLI_EXIT_OK && root != NULL) {
		site = cli_out_clean(cli_doc_str(root, "site_id"));
		printf(_("New key of this site: %s\n"), site != NULL ? site :
		    "?");
		printf(_("The old key named it (change no. %lld); "
		    "the neighbour sites move to the new one by themselves, "
		    "with the same name and the same trust. gemsyncd restarts "
		    "by itself with it as soon as they have the link (20 "
		    "seconds at most): then check with \"gemsync status\".\n"),
		    (long long)json_integer_value(json_object_get(root,
		    "last_seq")));
	}
	free(site);
	json_decref(root);
out:
	cli_kv_clear(&params);
	return ret;
}
