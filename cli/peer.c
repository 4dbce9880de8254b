/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * peer.c: `gemsync peer add|list|remove`, the sites this one connects to
 * (peer.add, peer.list, peer.remove in docs/control.md). Adding a peer
 * also trusts it, in the daemon. The list is the admin's view of the
 * federation's health: who is connected, when we last heard from and
 * synced with each peer, how far behind each side is, and how many of its
 * changes we refused (with the reasons, when there are any).
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siteid.h"

enum { OPT_NAME, OPT_INTRODUCER };

static const struct cli_opt add_opts[] = {
	{ "name", N_("NAME"), OPT_NAME, N_("name shown for this neighbour site"),
	  0 },
	{ "introducer", NULL, OPT_INTRODUCER,
	  N_("accepts the sites this neighbour site introduces"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct add_ctx {
	const char *name;
	int introducer;
};

static int
on_add_opt(void *arg, int id, const char *name, const char *value)
{
	struct add_ctx *a = arg;

	(void)name;
	if (id == OPT_NAME)
		a->name = value;
	else
		a->introducer = 1;
	return 0;
}

int
cli_cmd_peer_add(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	struct add_ctx a = { NULL, 0 };
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char *pos[2], *site = NULL, *ep = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, add_opts, on_add_opt, &a, argc, argv, pos,
	    2, _("the site ID and its address are needed (SITE-ID "
	        "tcp://HOST:PORT)"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (cli_kv_add(&params, "site", pos[0]) < 0 ||
	    cli_kv_add(&params, "endpoint", pos[1]) < 0 ||
	    (a.name != NULL && cli_kv_add(&params, "name", a.name) < 0) ||
	    (a.introducer && cli_kv_add(&params, "introducer", "1") < 0)) {
		ret = cli_nomem();
		goto out;
	}
	ret = cli_doc(cli, "peer.add", &params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	site = cli_out_clean(cli_doc_str(root, "site_id"));
	ep = cli_out_clean(cli_doc_str(root, "endpoint"));
	printf(_("Neighbour site added: %s at %s%s\n"),
	    site != NULL ? site : "?",
	    ep != NULL ? ep : "?",
	    json_is_true(json_object_get(root, "introducer")) ?
	    _(" (introducer)") : "");
out:
	free(site);
	free(ep);
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}

int
cli_cmd_peer_remove(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_site_one(cli, cmd, argc, argv, "peer.remove",
	    N_("Neighbour site removed"));
}

/* "DENIED 2, STALE 1": the refusal reasons of a peer (malloc'd). */
static char *
reasons(const json_t *by)
{
	const char *key;
	const json_t *v;
	char *all = strdup(""), *next = NULL, *k;

	json_object_foreach((json_t *)by, key, v) {
		if (all == NULL)
			break;
		k = cli_out_clean(key);
		if (asprintf(&next, "%s%s%s %lld", all, all[0] ? ", " : "",
		    k != NULL ? k : "?", json_is_integer(v) ?
		    (long long)json_integer_value(v) : 0) < 0)
			next = NULL;
		free(k);
		free(all);
		all = next;
		next = NULL;
	}
	return all;
}

static int
print_peers(const json_t *peers)
{
	static const char *const hdr[] = { N_("NAME"), "SITE", N_("ADDRESS"),
	    N_("STATE"), N_("SEEN"), N_("SYNCED"), N_("LAG"), N_("REFUSED") };
	struct cli_table t;
	const json_t *p;
	char sid[GS_SITEID_SHORT], seen[64], synced[64], lag[64], refused[32];
	char *name, *label = NULL, *why;
	int ret = CLI_EXIT_REFUSED, any_refused = 0;
	size_t i;

	if (json_array_size(peers) == 0) {
		puts(_("No neighbour site. Add one with: gemsync peer add "
		    "SITE-ID tcp://HOST:PORT"));
		return CLI_EXIT_OK;
	}
	if (cli_table_init(&t, 8, hdr) < 0)
		return cli_nomem();
	json_array_foreach(peers, i, p) {
		name = cli_out_clean_cut(cli_doc_str(p, "name"), 30);
		if (name != NULL && asprintf(&label, "%s%s",
		    name[0] != '\0' ? name : "-",
		    json_is_true(json_object_get(p, "introducer")) ?
		    _(" (introducer)") : "") < 0)
			label = NULL;
		cli_out_short_id(cli_doc_str(p, "site_id"), sid);
		cli_out_time_or_never(json_object_get(p, "last_seen"), seen,
		    sizeof(seen));
		cli_out_time_or_never(json_object_get(p, "last_sync"), synced,
		    sizeof(synced));
		snprintf(lag, sizeof(lag), _("them %lld / us %lld"),
		    cli_doc_int(p, "they_lack", 0), cli_doc_int(p, "we_lack", 0));
		snprintf(refused, sizeof(refused), "%lld", cli_doc_int(p, "refused", 0));
		if (cli_doc_int(p, "refused", 0) > 0)
			any_refused = 1;
		const char *row[] = { label != NULL ? label : "?", sid,
		    cli_doc_str(p, "endpoint") != NULL ?
		    cli_doc_str(p, "endpoint") : "-",
		    json_is_true(json_object_get(p, "connected")) ?
		    _("connected") : _("disconnected"), seen, synced, lag,
		    refused };
		if (cli_table_row(&t, row) < 0) {
			free(name);
			free(label);
			goto out;
		}
		free(name);
		free(label);
		label = NULL;
	}
	cli_table_print(&t);
	/* Why changes were refused: the first thing to check on a complaint. */
	if (any_refused)
		fputc('\n', stdout);
	json_array_foreach(peers, i, p) {
		if (cli_doc_int(p, "refused", 0) <= 0)
			continue;
		cli_out_short_id(cli_doc_str(p, "site_id"), sid);
		why = reasons(json_object_get(p, "refused_by_reason"));
		printf(_("Changes refused from %s: %s\n"), sid,
		    why != NULL && why[0] != '\0' ? why : "?");
		free(why);
	}
	puts(_("\n"
	    "LAG: changes they lack / we lack."));
	ret = CLI_EXIT_OK;
out:
	cli_table_free(&t);
	if (ret != CLI_EXIT_OK)
		cli_nomem();
	return ret;
}

int
cli_cmd_peer_list(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	return cli_list(cli, cmd, argc, argv, "peer.list", "peers",
	    print_peers);
}
