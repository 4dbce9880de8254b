/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * conflicts.c: `gemsync conflicts list|show|resolve` (conflicts.* in
 * docs/control.md). Two sites that edit the same field without having
 * seen each other's change leave a conflict: every site shows the same
 * winner, and the admin settles it. show lists, field by field, every
 * candidate value with its author, time and the first 12 hex digits of
 * its change, which is what resolve --take wants; resolve --set writes
 * new values instead.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siteid.h"

#define DELETED_FIELD "_deleted"

/* _("deletion") for a delete-versus-edit conflict, else the field. */
static const char *
field_fr(const char *field)
{
	if (field != NULL && strcmp(field, DELETED_FIELD) == 0)
		return _("deletion");
	return field != NULL ? field : "?";
}

static int
print_list(const json_t *conflicts)
{
	static const char *const hdr[] = { "ID", "TYPE", N_("TITLE"),
	    N_("FIELDS"), N_("CANDIDATES") };
	struct cli_table t;
	const json_t *c, *f;
	char shortid[9], count[32];
	char *title, *fields = NULL, *next = NULL;
	int ret = CLI_EXIT_OK;
	size_t i, k;

	if (json_array_size(conflicts) == 0) {
		puts(_("No conflict."));
		return CLI_EXIT_OK;
	}
	if (cli_table_init(&t, 5, hdr) < 0)
		return cli_nomem();
	json_array_foreach(conflicts, i, c) {
		snprintf(shortid, sizeof(shortid), "%s",
		    cli_doc_str(c, "item") != NULL ? cli_doc_str(c, "item") :
		    "?");
		title = cli_out_clean_cut(cli_doc_str(c, "title"), 40);
		fields = strdup("");
		json_array_foreach(json_object_get(c, "fields"), k, f) {
			if (fields == NULL)
				break;
			if (asprintf(&next, "%s%s%s", fields, k > 0 ? ", " : "",
			    field_fr(json_string_value(f))) < 0)
				next = NULL;
			free(fields);
			fields = next;
			next = NULL;
		}
		cli_out_int_or_dash(json_object_get(c, "candidates"), count,
		    sizeof(count));
		const char *row[] = { shortid,
		    cli_item_type_fr(cli_doc_str(c, "type")),
		    title != NULL && title[0] != '\0' ? title : "-",
		    fields != NULL ? fields : "?", count };
		if (title == NULL || fields == NULL ||
		    cli_table_row(&t, row) < 0)
			ret = CLI_EXIT_REFUSED;
		free(title);
		free(fields);
		fields = NULL;
		if (ret != CLI_EXIT_OK)
			break;
	}
	if (ret == CLI_EXIT_OK) {
		cli_table_print(&t);
		puts(_("\n"
		    "Details: gemsync conflicts show ID"));
	} else {
		cli_nomem();
	}
	cli_table_free(&t);
	return ret;
}

int
cli_cmd_conflicts_list(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_list(cli, cmd, argc, argv, "conflicts.list", "conflicts",
	    print_list);
}

/*
 * Prints a candidate value after "« ", its later lines indented, each
 * sanitized and cut; a delete-versus-edit candidate is named in French.
 */
static void
print_value(const char *field, const char *value)
{
	const char *p = value != NULL ? value : "";
	char *line, *clean;

	if (field != NULL && strcmp(field, DELETED_FIELD) == 0) {
		puts(value != NULL && strcmp(value, "1") == 0 ?
		    _("delete the item") : _("keep the item (edit)"));
		return;
	}
	/* TRANSLATORS: opens a quoted value (French: « and a space) */
	fputs(P_("open quote", "\""), stdout);
	for (int first = 1; p != NULL; first = 0) {
		line = cli_out_line(&p);
		clean = cli_out_clean_cut(line, 200);
		if (!first)
			fputs("\n      ", stdout);
		fputs(clean != NULL ? clean : "?", stdout);
		free(clean);
		free(line);
	}
	/* TRANSLATORS: closes a quoted value (French: a space and ») */
	puts(P_("close quote", "\""));
}

static void
print_candidate(const char *field, const json_t *c, int winner)
{
	char sid[GS_SITEID_SHORT], when[64];
	char *name, *change;

	printf("  %s ", winner ? "*" : " ");
	print_value(field, cli_doc_str(c, "value"));
	name = cli_out_clean_cut(cli_doc_str(c, "author_name"), 60);
	change = cli_out_clean(cli_doc_str(c, "change"));
	if (change != NULL && strlen(change) > 12)
		change[12] = '\0';
	cli_out_short_id(cli_doc_str(c, "author"), sid);
	cli_out_localtime(cli_doc_str(c, "time"), when, sizeof(when));
	if (name != NULL && name[0] != '\0')
		printf(_("      by %s (%s), %s, change %s\n"), name, sid, when,
		    change != NULL && change[0] != '\0' ? change : "?");
	else
		printf(_("      by the site %s, %s, change %s\n"), sid, when,
		    change != NULL && change[0] != '\0' ? change : "?");
	free(name);
	free(change);
}

/*
 * Prints word with its first letter in capital: an ASCII letter, or a
 * Latin-1 one in UTF-8 (the « é » of « événement »: C3 A9 gives C3 89).
 */
static void
print_capitalized(const char *word)
{
	const unsigned char *w = (const unsigned char *)word;

	if (w[0] >= 'a' && w[0] <= 'z')
		printf("%c%s", w[0] - 'a' + 'A', word + 1);
	else if (w[0] == 0xC3 && w[1] >= 0xA0 && w[1] <= 0xBE && w[1] != 0xB7)
		printf("%c%c%s", w[0], w[1] - 0x20, word + 2);
	else
		fputs(word, stdout);
}

static void
print_show(const json_t *root, const json_t *conflicts)
{
	const char *type = cli_doc_str(root, "type");
	const char *tfr = cli_item_type_fr(type), *field, *label;
	const json_t *c, *cand;
	char *id, *title, *cfield;
	size_t i, k;

	id = cli_out_clean(cli_doc_str(root, "item"));
	if (id != NULL && id[0] == '\0') {
		free(id);
		id = NULL;
	}
	title = cli_out_clean_cut(cli_doc_str(root, "title"), 80);
	print_capitalized(tfr);
	printf(_(" %s \"%s\"\n"), id != NULL ? id : "?",
	    title != NULL ? title : "?");
	if (json_array_size(conflicts) == 0) {
		puts(_("No conflict on this item."));
		goto out;
	}
	json_array_foreach(conflicts, i, c) {
		field = cli_doc_str(c, "field");
		cfield = cli_out_clean(field);
		label = field != NULL ? cli_item_label(type, field) : NULL;
		if (field != NULL && strcmp(field, DELETED_FIELD) == 0)
			printf(_("\n"
			    "Deletion against edit (%s):\n"),
			    DELETED_FIELD);
		else if (label != NULL)
			printf(_("\n%s (%s):\n"), label,
			    cfield != NULL ? cfield : "?");
		else
			printf(_("\n%s:\n"), cfield != NULL ? cfield : "?");
		free(cfield);
		json_array_foreach(json_object_get(c, "candidates"), k, cand)
			print_candidate(field, cand, k == 0);
	}
	printf(_("\n"
	    "*: value kept for now, the same on every site.\n"
	    "To settle:\n"
	    "  gemsync conflicts resolve %s --take CHANGE\n"
	    "  gemsync conflicts resolve %s --set FIELD=VALUE\n"),
	    id != NULL ? id : _("ITEM"), id != NULL ? id : _("ITEM"));
out:
	free(id);
	free(title);
}

int
cli_cmd_conflicts_show(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	const json_t *conflicts;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_one(cli, cmd, argc, argv, _("the item is missing (ITEM)"),
	    &params, "item");
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc_array(cli, "conflicts.show", &params, "conflicts",
	    &root, &conflicts);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	print_show(root, conflicts);
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}

enum { OPT_TAKE, OPT_SET };

static const struct cli_opt resolve_opts[] = {
	{ "take", N_("CHANGE"), OPT_TAKE, N_("keeps the values of this change "
	    "(the 12\n"
	    "characters gemsync conflicts show prints)"), 0 },
	{ "set", N_("FIELD=VALUE"), OPT_SET, N_("gives this value to the field "
	    "(repeatable);\n"
	    "_deleted=1 keeps the deletion, _deleted=0\n"
	    "keeps the item"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct resolve_ctx {
	const struct cli_cmd *cmd;
	const char *take;
	int ntake;
	struct cli_kv sets;        /* "f" = "FIELD=VALUE", in order */
};

static int
on_resolve_opt(void *arg, int id, const char *name, const char *value)
{
	struct resolve_ctx *r = arg;
	const char *eq;

	(void)name;
	if (id == OPT_TAKE) {
		r->take = value;
		r->ntake++;
		return 0;
	}
	eq = strchr(value, '=');
	if (eq == NULL || eq == value)
		return cli_usage(r->cmd, _("--set takes FIELD=VALUE, not '%s'"),
		    value);
	if (cli_kv_add(&r->sets, "f", value) < 0)
		return cli_nomem();
	return 0;
}

int
cli_cmd_conflicts_resolve(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct resolve_ctx r = { cmd, NULL, 0, { 0 } };
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char *pos[1], *id = NULL;
	size_t left;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, resolve_opts, on_resolve_opt, &r, argc,
	    argv, pos, 1, _("the item is missing (ITEM)"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if ((r.ntake > 0) == (r.sets.n > 0) || r.ntake > 1) {
		ret = cli_usage(cmd, _("give either one --take CHANGE or one "
		    "or more --set FIELD=VALUE"));
		goto out;
	}
	if (cli_kv_add(&params, "item", pos[0]) < 0 ||
	    (r.take != NULL && cli_kv_add(&params, "take", r.take) < 0)) {
		ret = cli_nomem();
		goto out;
	}
	for (size_t i = 0; i < r.sets.n; i++) {
		if (cli_kv_add(&params, "f", r.sets.v[i].value) < 0) {
			ret = cli_nomem();
			goto out;
		}
	}
	ret = cli_doc(cli, "conflicts.resolve", &params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	id = cli_out_clean(cli_doc_str(root, "id"));
	printf(_("Conflict settled: %s\n"), id != NULL ? id : "?");
	left = json_array_size(json_object_get(root, "conflicts"));
	if (left > 0)
		printf(ngettext("%zu field is still in conflict: gemsync "
		    "conflicts show %s\n", "%zu fields are still in conflict: "
		    "gemsync conflicts show %s\n", left), left,
		    id != NULL ? id : _("ITEM"));
out:
	free(id);
	json_decref(root);
	cli_kv_clear(&params);
	cli_kv_clear(&r.sets);
	return ret;
}
