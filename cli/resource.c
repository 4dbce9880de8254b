/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * resource.c: `gemsync resource add|list|show|edit|delete`, the shared
 * directory of places and services (GEMs, clubhouses, helplines...). The
 * field options and the list table live here; the rest is in item.c.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_item_field_opt resource_fields[] = {
	{ "name", "name", 0 },
	{ "kind", "kind", 0 },
	{ "address", "address", 0 },
	{ "postcode", "postcode", 0 },
	{ "town", "town", 0 },
	{ "phone", "phone", 0 },
	{ "email", "email", 0 },
	{ "url", "url", 0 },
	{ "hours", "hours", 0 },
	{ "languages", "languages", 0 },
	{ "description", "description", 0 },
	{ "editor", "editors", 1 },
	{ NULL, NULL, 0 },
};

static const struct cli_item_kind resource_kind = {
	"resource", resource_fields, "Ressource ajoutée", "Ressource modifiée",
	"Ressource supprimée",
};

int
cli_cmd_resource_add(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_add(cli, cmd, &resource_kind, argc, argv);
}

int
cli_cmd_resource_edit(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_edit(cli, cmd, &resource_kind, argc, argv);
}

int
cli_cmd_resource_show(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &resource_kind, "item.show", NULL, argc,
	    argv);
}

int
cli_cmd_resource_delete(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &resource_kind, "item.delete",
	    resource_kind.deleted, argc, argv);
}

static const struct cli_opt list_opts[] = {
	{ "kind", 1, 0 },
	{ "town", 1, 0 },
	{ "search", 1, 0 },
	{ "all", 0, 0 },
	{ NULL, 0, 0 },
};

static void
print_resources(const json_t *items, const struct cli_kv *params)
{
	static const char *const hdr[] = { "NOM", "TYPE", "VILLE",
	    "TÉLÉPHONE", "ID" };
	struct cli_table t;
	const json_t *item, *fields;
	const char *kind, *fr, *id, *phone;
	char shortid[9];
	char *name, *town, *marked = NULL;
	size_t i;

	(void)params;
	if (json_array_size(items) == 0) {
		puts("Aucune ressource.");
		return;
	}
	if (cli_table_init(&t, 5, hdr) < 0)
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
		if (name != NULL && asprintf(&marked, "%s%s%s", name,
		    json_is_true(json_object_get(item, "deleted")) ?
		    " (supprimée)" : "",
		    json_array_size(json_object_get(item, "conflicts")) > 0 ?
		    " [conflit]" : "") < 0)
			marked = NULL;
		const char *row[] = { marked != NULL ? marked : "?",
		    fr != NULL ? fr : kind != NULL ? kind : "-",
		    town != NULL && town[0] != '\0' ? town : "-",
		    phone != NULL && phone[0] != '\0' ? phone : "-", shortid };
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
