/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * resource.c: `gemsync resource add|list|show|edit|delete`, the shared
 * directory of places and services (GEMs, clubhouses, helplines...). The
 * field table (each field's label, option and help) and the list table
 * live here; the rest is in item.c.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siteid.h"

/* The fields of a resource: label in show, option and its help. */
static const struct cli_item_field resource_fields[] = {
	{ "name", N_("Name"), "name", "N",
	  N_("name (required when adding)"), 0 },
	{ "kind", N_("Type"), "kind", "K", N_("type (required), one of:"), 0 },
	{ "address", N_("Address"), "address", "A", N_("address"), 0 },
	{ "postcode", N_("Postcode"), "postcode", "P",
	  N_("postcode (5 digits)"), 0 },
	{ "town", N_("Town"), "town", "T", N_("town"), 0 },
	{ "phone", N_("Phone"), "phone", "P", N_("phone"), 0 },
	{ "email", N_("E-mail"), "email", "E", N_("e-mail"), 0 },
	{ "url", N_("Website"), "url", "U", N_("website (http or https)"), 0 },
	{ "hours", N_("Opening hours"), "hours", "H", N_("opening hours"), 0 },
	{ "languages", N_("Languages"), "languages", "L",
	  N_("languages, comma-separated"), 0 },
	{ "description", "Description", "description", "D", "description",
	  0 },
	{ "accessibility", N_("Accessibility"), "accessibility", "A",
	  N_("accessibility (e.g. « plain-pied, boucle magnétique »)"), 0 },
	{ "eligibility", N_("Conditions"), "eligibility", "C",
	  N_("conditions of access (e.g. « sans diagnostic, sans "
	  "orientation »)"), 0 },
	{ "status", N_("Status"), "status", "S", N_("status, one of:"), 0 },
	{ "editors", N_("Editors"), "editor", "SITE-ID",
	  N_("site allowed to edit (repeatable)"), 1 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct cli_item_kind cli_resource_kind = {
	"resource", resource_fields, N_("Resource added"),
	N_("Resource edited"),
	N_("Resource deleted"), NULL, NULL,
};

int
cli_cmd_resource_add(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_add(cli, cmd, &cli_resource_kind, argc, argv);
}

int
cli_cmd_resource_edit(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_edit(cli, cmd, &cli_resource_kind, argc, argv);
}

int
cli_cmd_resource_show(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &cli_resource_kind, "item.show", NULL, NULL, argc,
	    argv);
}

int
cli_cmd_resource_delete(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &cli_resource_kind, "item.delete", cli_resource_kind.deleted, cli_delete_opts, argc, argv);
}

static const struct cli_opt list_opts[] = {
	{ "stale", NULL, 0, N_("only the resources nobody has checked\n"
	  "for 6 months (resource confirm)"), 0 },
	{ "kind", "K", 0, N_("only this kind of resource"), 0 },
	{ "town", "T", 0, N_("only this town"), 0 },
	{ "search", N_("TEXT"), 0, N_("searches the text"), 0 },
	{ "all", NULL, 0, N_("includes the deleted resources"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/* A UTC RFC 3339 time as the local day « jeudi 12 novembre », or "?". */
static void
local_day(const char *rfc3339, char *out, size_t outlen)
{
	struct tm lt;

	if (cli_out_local_tm(rfc3339, &lt) == 0)
		cli_out_day_tm(&lt, out, outlen);
	else
		snprintf(out, outlen, "?");
}

void
cli_resource_verified(const json_t *item, char *out, size_t outlen)
{
	const json_t *v = json_object_get(item, "verified");
	const char *by_name = cli_doc_str(v, "by_name");
	char day[64], sid[GS_SITEID_SHORT], *name;

	if (!json_is_object(v)) {
		local_day(cli_doc_str(item, "created"), day, sizeof(day));
		snprintf(out, outlen, _("never checked (created on %s)"), day);
		return;
	}
	local_day(cli_doc_str(v, "date"), day, sizeof(day));
	name = cli_out_clean_cut(by_name, 60);
	cli_out_short_id(cli_doc_str(v, "by"), sid);
	if (name != NULL && name[0] != '\0')
		snprintf(out, outlen, _("checked on %s by %s"), day, name);
	else
		snprintf(out, outlen, _("checked on %s by the site %s"), day,
		    sid);
	free(name);
}

static void
print_resources(const json_t *items, const struct cli_kv *params)
{
	static const char *const hdr[] = { N_("NAME"), "TYPE", N_("TOWN"),
	    N_("PHONE"), N_("CHECKED"), "ID" };
	struct cli_table t;
	const json_t *item, *fields;
	const char *kind, *fr, *id, *phone;
	char shortid[9], said[200];
	char *name, *town, *marked = NULL;
	size_t i;

	(void)params;
	if (json_array_size(items) == 0) {
		puts(_("No resource."));
		return;
	}
	if (cli_table_init(&t, 6, hdr) < 0)
		return;
	json_array_foreach(items, i, item) {
		fields = json_object_get(item, "fields");
		kind = cli_doc_str(fields, "kind");
		fr = cli_item_value_fr("resource", "kind", kind);
		id = cli_doc_str(item, "id");
		snprintf(shortid, sizeof(shortid), "%s", id != NULL ? id : "?");
		name = cli_out_clean_cut(cli_doc_str(fields, "name"), 40);
		town = cli_out_clean_cut(cli_doc_str(fields, "town"), 25);
		phone = cli_doc_str(fields, "phone");
		cli_resource_verified(item, said, sizeof(said));
		if (name != NULL && asprintf(&marked, "%s%s%s", name,
		    json_is_true(json_object_get(item, "deleted")) ?
		    P_("resource", " (deleted)") : "",
		    json_array_size(json_object_get(item, "conflicts")) > 0 ?
		    _(" [conflict]") : "") < 0)
			marked = NULL;
		const char *row[] = { marked != NULL ? marked : "?",
		    fr != NULL ? fr : kind != NULL ? kind : "-",
		    town != NULL && town[0] != '\0' ? town : "-",
		    phone != NULL && phone[0] != '\0' ? phone : "-", said,
		    shortid };
		if (cli_table_row(&t, row) < 0)
			cli_nomem();
		free(name);
		free(town);
		free(marked);
		marked = NULL;
	}
	cli_table_print(&t);
	cli_table_free(&t);
}

int
cli_cmd_resource_list(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_list(cli, cmd, "resource", list_opts, argc, argv,
	    print_resources);
}

int
cli_cmd_resource_confirm(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char said[200];
	int ret;

	ret = cli_opts_one(cli, cmd, argc, argv, _("the resource is missing "
	    "(RESOURCE)"), &params, "item");
	if (cli_opts_stop(ret, &ret))
		goto out;
	ret = cli_doc(cli, "resource.confirm", &params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	cli_resource_verified(root, said, sizeof(said));
	cli_out_done(_("Resource checked"), root, "id");
	printf("%s\n", said);
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}
