/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * invite.c: `gemsync invite`, `invite list`, `invite revoke` and `gemsync
 * join` (invite.create, invite.list, invite.revoke, join, join.status in
 * docs/control.md). One line made on one site and pasted on the other
 * sets both up: the joining site adds and trusts the inviter, the
 * inviter trusts the joiner when its first hello proves it holds the
 * invitation. `join` waits a little for the inviter's answer.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qr.h"
#include "siteid.h"

#define JOIN_WAIT_MS 20000       /* how long join waits for the answer */
#define JOIN_POLL_MS 250

enum { OPT_NAME, OPT_EXPIRES, OPT_USES, OPT_QR };

static const struct cli_opt invite_opts[] = {
	{ "name", N_("NAME"), OPT_NAME, N_("name of the invitation (who it is "
	  "for), seen in invite list"), 0 },
	{ "expires", N_("TIME"), OPT_EXPIRES, N_("how long it is valid: 7d (default), "
	  "12h, 30min..."), 0 },
	{ "uses", "N", OPT_USES, N_("number of sites that may use it "
	  "(default 1)"), 0 },
	{ "qr", NULL, OPT_QR, N_("also draws the invitation as a QR code"),
	  0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct invite_ctx {
	struct cli_kv params;
	int qr;
};

static int
on_invite_opt(void *arg, int id, const char *name, const char *value)
{
	struct invite_ctx *a = arg;
	static const char *const keys[] = { "name", "expires", "uses" };

	(void)name;
	if (id == OPT_QR) {
		a->qr = 1;
		return 0;
	}
	return cli_kv_set(&a->params, keys[id], value) < 0 ? cli_nomem() : 0;
}

/* Draws the token as a QR code on stdout. */
static int
print_qr(const char *token)
{
	struct gs_qr q;
	char *art;

	if (gs_qr_encode(token, &q) != 0) {
		cli_err(_("cannot draw this QR code (invitation too "
		    "long?): copy the line above"));
		return CLI_EXIT_REFUSED;
	}
	art = gs_qr_draw(&q);
	gs_qr_free(&q);
	if (art == NULL)
		return cli_nomem();
	fputs(art, stdout);
	free(art);
	return CLI_EXIT_OK;
}

int
cli_cmd_invite(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct invite_ctx a = { { 0 }, 0 };
	json_t *root = NULL;
	char *token = NULL, *words = NULL, *pos[1], when[64];
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, invite_opts, on_invite_opt, &a, argc,
	    argv, pos, 0, "");
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, "invite.create", &a.params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	token = cli_out_clean(cli_doc_str(root, "token"));
	words = cli_out_clean(cli_doc_str(root, "words"));
	if (token == NULL || words == NULL || token[0] == '\0') {
		ret = cli_baddoc();
		goto out;
	}
	printf("%s\n", token);
	if (a.qr && (ret = print_qr(token)) != CLI_EXIT_OK)
		goto out;
	cli_out_localtime(cli_doc_str(root, "expires"), when, sizeof(when));
	printf(_("\nOn the other site, paste this line after \"gemsync "
	    "join\":\n  gemsync join %s\n"
	    "Valid until %s, for %lld site(s). Keep it to yourself: "
	    "whoever has it\ncan join your network. Words of this site, to "
	    "compare on the phone:\n  %s\n"), token, when,
	    cli_doc_int(root, "uses", 1), words);
out:
	free(token);
	free(words);
	json_decref(root);
	cli_kv_clear(&a.params);
	return ret;
}

static const char *
state_fr(const char *s)
{
	static const struct cli_word states[] = {
		/* TRANSLATORS: the state of an invitation (feminine) */
		{ "active", N_("valid") }, { "expired", N_("expired") },
		{ "used", N_("used") }, { "revoked", N_("cancelled") },
		{ NULL, NULL },
	};

	return cli_word_fr(states, s);
}

static int
print_invites(const json_t *arr)
{
	static const char *const hdr[] = { "ID", N_("NAME"), N_("STATE"),
	    N_("LEFT"), N_("EXPIRES") };
	struct cli_table t;
	const json_t *v;
	char left[32], when[64];
	char *name;
	size_t i;
	int ret = CLI_EXIT_OK;

	if (json_array_size(arr) == 0) {
		puts(_("No invitation. Create one with: gemsync invite"));
		return CLI_EXIT_OK;
	}
	if (cli_table_init(&t, 5, hdr) < 0)
		return cli_nomem();
	json_array_foreach(arr, i, v) {
		name = cli_out_clean_cut(cli_doc_str(v, "name"), 30);
		snprintf(left, sizeof(left), "%lld",
		    cli_doc_int(v, "uses_left", 0));
		cli_out_time_or_never(json_object_get(v, "expires"), when,
		    sizeof(when));
		const char *row[] = { cli_doc_str(v, "id") ?
		    cli_doc_str(v, "id") : "?",
		    name != NULL && name[0] != '\0' ? name : "-",
		    state_fr(cli_doc_str(v, "state")), left, when };
		if (cli_table_row(&t, row) < 0)
			ret = cli_nomem();
		free(name);
		if (ret != CLI_EXIT_OK)
			break;
	}
	if (ret == CLI_EXIT_OK)
		cli_table_print(&t);
	cli_table_free(&t);
	return ret;
}

int
cli_cmd_invite_list(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_list(cli, cmd, argc, argv, "invite.list", "invites",
	    print_invites);
}

int
cli_cmd_invite_revoke(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_one(cli, cmd, argc, argv, _("the invitation to "
	    "cancel is missing (its ID or its name, see gemsync invite list)"),
	    &params, "id");
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, "invite.revoke", &params, &root);
	if (ret == CLI_EXIT_OK && root != NULL)
		cli_out_done(_("Invitation cancelled"), root, "id");
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}

static const struct cli_opt join_opts[] = {
	{ "name", N_("NAME"), OPT_NAME, N_("name to show for the inviting site"),
	  0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/*
 * Asks the daemon how the join with site went, until an answer or
 * JOIN_WAIT_MS. Returns the exit code; *accepted is 1 once the inviter
 * has accepted, 0 while it has not answered.
 */
static int
join_wait(struct cli_ctx *cli, const char *site, int *accepted)
{
	struct cli_kv params = { 0 };
	struct timespec pause = { 0, JOIN_POLL_MS * 1000000L };
	char *json = NULL;
	json_t *doc = NULL;
	const char *st;
	int ret = CLI_EXIT_OK;

	*accepted = 0;
	if (cli_kv_add(&params, "site", site) < 0)
		return cli_nomem();
	for (int i = 0; i < JOIN_WAIT_MS / JOIN_POLL_MS; i++) {
		ret = cli_call(cli, "join.status", &params, 0, &json);
		if (ret != CLI_EXIT_OK)
			break;
		ret = cli_doc_parse(json, &doc);
		free(json);
		json = NULL;
		if (ret != CLI_EXIT_OK)
			break;
		st = cli_doc_str(doc, "state");
		*accepted = st != NULL && strcmp(st, "accepted") == 0;
		json_decref(doc);
		doc = NULL;
		if (*accepted)
			break;
		nanosleep(&pause, NULL);
	}
	cli_kv_clear(&params);
	return ret;
}

int
cli_cmd_join(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char *pos[1], *site = NULL, *words = NULL, *ep = NULL;
	const char *name = NULL;
	int ret = CLI_EXIT_USAGE, rc, accepted = 0;

	rc = cli_opts_args(cli, cmd, join_opts, cli_opt_store, &name, argc,
	    argv, pos, 1, _("the invitation is missing (the GS1-... line that "
	    "\"gemsync invite\" showed on the other site)"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (cli_kv_add(&params, "token", pos[0]) < 0 ||
	    (name != NULL && cli_kv_add(&params, "name", name) < 0)) {
		ret = cli_nomem();
		goto out;
	}
	ret = cli_doc(cli, "join", &params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	site = cli_out_clean(cli_doc_str(root, "site_id"));
	words = cli_out_clean(cli_doc_str(root, "words"));
	ep = cli_out_clean(cli_doc_str(root, "endpoint"));
	if (site == NULL || words == NULL || ep == NULL) {
		ret = cli_baddoc();
		goto out;
	}
	printf(_("Request sent to the site %s (%s).\nIts words, to compare "
	    "on the phone: %s\n"), site, ep, words);
	fflush(stdout);
	ret = join_wait(cli, site, &accepted);
	if (ret != CLI_EXIT_OK)
		goto out;
	if (accepted)
		puts(_("Done: the two sites are neighbours and sync with "
		    "each other."));
	else
		puts(_("No answer yet from the other site (switched off or "
		    "out of reach?): the\nrequest stays pending as long as "
		    "gemsyncd runs; check with\ngemsync peer list."));
out:
	free(site);
	free(words);
	free(ep);
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}
