/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * site.c: `gemsync site list|trust|block|pending`, the trust table
 * (site.* in docs/control.md). Trust is the admin's decision, so pending
 * shows what is needed to take it safely: for a site heard of through
 * gossip its full site ID, for a refused connection its transport key,
 * which the admin compares with `gemsync id --json` on the other site
 * before trusting it. Full identifiers stay in --json; tables cut them.
 * The labels of a site profile's fields (for show and conflicts show)
 * are its field table here.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siteid.h"

/* The fields of a site's profile item, for show and conflicts show. */
static const struct cli_item_field site_fields[] = {
	{ "name", N_("Name"), NULL, NULL, NULL, 0 },
	{ "town", N_("Town"), NULL, NULL, NULL, 0 },
	{ "department", N_("Department"), NULL, NULL, NULL, 0 },
	{ "endpoints", N_("Network addresses"), NULL, NULL, NULL, 0 },
	{ "languages", N_("Languages"), NULL, NULL, NULL, 0 },
	{ "hours", N_("Opening hours"), NULL, NULL, NULL, 0 },
	{ "description", "Description", NULL, NULL, NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct cli_item_kind cli_site_kind = {
	"site", site_fields, NULL, NULL, NULL, NULL, NULL,
};

static const struct cli_word trusts[] = {
	{ "self", N_("this site") },
	{ "trusted", N_("trusted") },
	{ "blocked", N_("blocked") },
	{ "pending", N_("waiting") },
	{ NULL, NULL },
};


/* The short ID of the site that introduced s, or "-". */
static void
introducer(const json_t *s, char out[GS_SITEID_SHORT])
{
	if (cli_doc_str(s, "introduced_by") != NULL)
		cli_out_short_id(cli_doc_str(s, "introduced_by"), out);
	else
		memcpy(out, "-", 2);
}

/* The trust column: a revoked key or an equivocation says so first. */
static const char *
trust_fr(const json_t *s)
{
	const json_t *rv = json_object_get(s, "revoked");
	const json_t *eq = json_object_get(s, "equivocations");

	if (json_is_object(rv))
		return _("REVOKED");
	if (json_is_string(json_object_get(s, "replaced_by")))
		return _("key replaced");
	if (json_is_integer(eq) && json_integer_value(eq) > 0)
		return _("EQUIVOCAL!");
	return cli_word_fr(trusts, cli_doc_str(s, "trust"));
}

static int
print_sites(const json_t *sites)
{
	static const char *const hdr[] = { N_("NAME"), N_("TOWN"), N_("TRUST"),
	    N_("ITEMS"), N_("INTRODUCED BY"), "SITE" };
	struct cli_table t;
	const json_t *s;
	char sid[GS_SITEID_SHORT], intro[GS_SITEID_SHORT], n[32];
	char *name, *town;
	int ret = CLI_EXIT_OK;
	size_t i;

	if (cli_table_init(&t, 6, hdr) < 0)
		return cli_nomem();
	json_array_foreach(sites, i, s) {
		name = cli_out_clean_cut(cli_doc_str(s, "name"), 30);
		town = cli_out_clean_cut(cli_doc_str(s, "town"), 25);
		cli_out_short_id(cli_doc_str(s, "site_id"), sid);
		introducer(s, intro);
		cli_out_int_or_dash(json_object_get(s, "items"), n, sizeof(n));
		const char *row[] = {
		    name != NULL && name[0] != '\0' ? name : "-",
		    town != NULL && town[0] != '\0' ? town : "-",
		    trust_fr(s), n, intro, sid };
		if (cli_table_row(&t, row) < 0)
			ret = CLI_EXIT_REFUSED;
		free(name);
		free(town);
		if (ret != CLI_EXIT_OK)
			break;
	}
	if (ret == CLI_EXIT_OK)
		cli_table_print(&t);
	else
		cli_nomem();
	cli_table_free(&t);
	return ret;
}

int
cli_cmd_site_list(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	return cli_list(cli, cmd, argc, argv, "site.list", "sites",
	    print_sites);
}

int
cli_cmd_site_trust(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_site_one(cli, cmd, argc, argv, "site.trust",
	    N_("Site trusted"));
}

int
cli_cmd_site_block(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_site_one(cli, cmd, argc, argv, "site.block",
	    N_("Site blocked"));
}

static int
is_gossip(const json_t *p)
{
	const char *src = cli_doc_str(p, "source");

	return src != NULL && strcmp(src, "gossip") == 0;
}

/* Whether the daemon knows the site and what to run to accept it. */
static int
has_command(const json_t *p)
{
	return cli_doc_str(p, "command") != NULL;
}

/*
 * A knocking site that said who it is: its name and town as it announced
 * them, its six words to compare on the phone, and the exact command.
 */
static void
print_known(const json_t *p)
{
	char *name = cli_out_clean_cut(cli_doc_str(p, "name"), 40);
	char *town = cli_out_clean_cut(cli_doc_str(p, "town"), 30);
	char *words = cli_out_clean(cli_doc_str(p, "words"));
	char *cmd = cli_out_clean(cli_doc_str(p, "command"));
	char *sid = cli_out_clean(cli_doc_str(p, "site_id"));
	char intro[GS_SITEID_SHORT], when[64];

	cli_out_time_or_never(json_object_get(p, "first_attempt"), when,
	    sizeof(when));
	printf(_("\n\"%s\"%s%s%s\n"), name != NULL && name[0] ? name :
	    _("unnamed"), town != NULL && town[0] ? " (" : "",
	    town != NULL && town[0] ? town : "",
	    town != NULL && town[0] ? ")" : "");
	printf(_("  site: %s\n"), sid != NULL ? sid : "?");
	printf(_("  words: %s\n"), words != NULL ? words : "?");
	if (is_gossip(p)) {
		introducer(p, intro);
		printf(_("  known through: %s, since %s\n"), intro, when);
	} else {
		/* TRANSLATORS: from ADDRESS, N times since DATE */
		printf(_("  connected from %s, %lld times since %s\n"),
		    cli_doc_str(p, "address") ? cli_doc_str(p, "address") : "?",
		    cli_doc_int(p, "attempts", 0), when);
	}
	printf(_("  to accept it: %s\n"), cmd != NULL ? cmd : "?");
	free(name);
	free(town);
	free(words);
	free(cmd);
	free(sid);
}

/* Sites heard of from peers: the full site ID, to copy into site trust. */
static int
table_gossip(const json_t *pending, struct cli_table *t)
{
	static const char *const hdr[] = { N_("NAME"), N_("TOWN"),
	    N_("INTRODUCED BY"), N_("SEEN ON"), "SITE" };
	const json_t *p;
	char intro[GS_SITEID_SHORT], when[64];
	char *name, *town;
	int rc = 0;
	size_t i;

	if (cli_table_init(t, 5, hdr) < 0)
		return -1;
	json_array_foreach(pending, i, p) {
		if (!is_gossip(p) || has_command(p))
			continue;
		name = cli_out_clean_cut(cli_doc_str(p, "name"), 30);
		town = cli_out_clean_cut(cli_doc_str(p, "town"), 25);
		introducer(p, intro);
		cli_out_time_or_never(json_object_get(p, "first_attempt"), when,
		    sizeof(when));
		const char *row[] = {
		    name != NULL && name[0] != '\0' ? name : "-",
		    town != NULL && town[0] != '\0' ? town : "-", intro, when,
		    cli_doc_str(p, "site_id") != NULL ?
		    cli_doc_str(p, "site_id") : "?" };
		rc = cli_table_row(t, row);
		free(name);
		free(town);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Refused connections: who knocked, from where, how often. */
static int
table_conn(const json_t *pending, struct cli_table *t)
{
	static const char *const hdr[] = { N_("TRANSPORT KEY"), N_("ADDRESS"),
	    N_("ATTEMPTS"), N_("FIRST"), N_("LAST") };
	const json_t *p;
	char key[32], first[64], last[64], count[32];
	char *clean;
	size_t i;

	if (cli_table_init(t, 5, hdr) < 0)
		return -1;
	json_array_foreach(pending, i, p) {
		if (is_gossip(p) || has_command(p))
			continue;
		/* 16 hex are enough to tell keys apart; --json has all 64. */
		clean = cli_out_clean(cli_doc_str(p, "transport_key"));
		if (clean == NULL)
			return -1;
		if (strlen(clean) > 16)
			snprintf(key, sizeof(key), "%.16s\xe2\x80\xa6", clean);
		else
			snprintf(key, sizeof(key), "%s", clean[0] ? clean : "?");
		free(clean);
		cli_out_time_or_never(json_object_get(p, "first_attempt"), first,
		    sizeof(first));
		cli_out_time_or_never(json_object_get(p, "last_attempt"), last,
		    sizeof(last));
		cli_out_int_or_dash(json_object_get(p, "attempts"), count,
		    sizeof(count));
		const char *row[] = { key, cli_doc_str(p, "address") != NULL ?
		    cli_doc_str(p, "address") : "-", count, first, last };
		if (cli_table_row(t, row) < 0)
			return -1;
	}
	return 0;
}

static int
print_pending(const json_t *pending)
{
	struct cli_table g = { 0 }, c = { 0 };
	const json_t *p;
	size_t i, known = 0;
	int ret = CLI_EXIT_REFUSED;

	if (json_array_size(pending) == 0) {
		puts(_("No site waiting."));
		return CLI_EXIT_OK;
	}
	if (table_gossip(pending, &g) < 0 || table_conn(pending, &c) < 0) {
		cli_nomem();
		goto out;
	}
	json_array_foreach(pending, i, p) {
		if (!has_command(p))
			continue;
		if (known++ == 0)
			printf(_("Sites waiting for your decision:\n"));
		print_known(p);
	}
	if (known > 0 && (g.nrows > 1 || c.nrows > 1))
		fputc('\n', stdout);
	if (g.nrows > 1) {
		puts(_("Sites known through other sites, not accepted yet:"));
		cli_table_print(&g);
	}
	if (c.nrows > 1) {
		if (g.nrows > 1)
			fputc('\n', stdout);
		puts(_("Connections refused (unknown sites):"));
		cli_table_print(&c);
	}
	puts(_("\n"
	    "Before accepting a site, check its identity with the person in "
	    "charge:\n"
	    "they run « gemsync id --words » on their side and read you its "
	    "six words;\n"
	    "they must be those shown here. To refuse: gemsync site block "
	    "SITE-ID"));
	ret = CLI_EXIT_OK;
out:
	cli_table_free(&g);
	cli_table_free(&c);
	return ret;
}

int
cli_cmd_site_pending(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_list(cli, cmd, argc, argv, "site.pending", "pending",
	    print_pending);
}

int
cli_cmd_site_status(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char *msg;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_one(cli, cmd, argc, argv,
	    _("the site ID is missing (SITE-ID)"), &params, "site");
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, "site.status", &params, &root);
	if (ret == CLI_EXIT_OK && root != NULL) {
		msg = cli_out_clean(cli_doc_str(root, "message"));
		printf("%s.\n", msg != NULL ? msg : "?");
		free(msg);
	}
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}
