/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * event.c: `gemsync event add|list|show|edit|cancel|delete`. The field
 * options of an event and its list table live here; requests and the show
 * block are in item.c. The list shows each event's own wall-clock time
 * (the offset it was written with), as people read it on a poster.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gs_item_field_opt event_fields[] = {
	{ "title", "title", 0 },
	{ "kind", "kind", 0 },
	{ "start", "start", 0 },
	{ "end", "end", 0 },
	{ "place", "place", 0 },
	{ "capacity", "capacity", 0 },
	{ "languages", "languages", 0 },
	{ "easy-read", "easy_read", 0 },
	{ "audience", "audience", 0 },
	{ "companion", "companion", 0 },
	{ "accessibility", "accessibility", 0 },
	{ "price", "price", 0 },
	{ "contact-role", "contact_role", 0 },
	{ "description", "description", 0 },
	{ "cohost", "cohosts", 1 },
	{ NULL, NULL, 0 },
};

static const struct gs_item_kind event_kind = {
	"event", event_fields, "Événement ajouté", "Événement modifié",
	"Événement supprimé",
};

int
gs_cmd_event_add(struct gs_cli *cli, const struct gs_cli_cmd *cmd, int argc,
    char **argv)
{
	return gs_item_add(cli, cmd, &event_kind, argc, argv);
}

int
gs_cmd_event_edit(struct gs_cli *cli, const struct gs_cli_cmd *cmd,
    int argc, char **argv)
{
	return gs_item_edit(cli, cmd, &event_kind, argc, argv);
}

int
gs_cmd_event_show(struct gs_cli *cli, const struct gs_cli_cmd *cmd,
    int argc, char **argv)
{
	return gs_item_one(cli, cmd, &event_kind, "item.show", NULL, argc,
	    argv);
}

int
gs_cmd_event_cancel(struct gs_cli *cli, const struct gs_cli_cmd *cmd,
    int argc, char **argv)
{
	return gs_item_one(cli, cmd, &event_kind, "event.cancel",
	    "Événement annulé", argc, argv);
}

int
gs_cmd_event_delete(struct gs_cli *cli, const struct gs_cli_cmd *cmd,
    int argc, char **argv)
{
	return gs_item_one(cli, cmd, &event_kind, "item.delete",
	    event_kind.deleted, argc, argv);
}

enum { OPT_FROM, OPT_TO, OPT_KIND, OPT_ALL };

static const struct gs_opt list_opts[] = {
	{ "from", 1, OPT_FROM },
	{ "to", 1, OPT_TO },
	{ "kind", 1, OPT_KIND },
	{ "all", 0, OPT_ALL },
	{ NULL, 0, 0 },
};

static int
on_list_opt(void *arg, int id, const char *name, const char *value)
{
	struct gs_kv *params = arg;

	(void)id;
	if (gs_kv_set(params, name, value != NULL ? value : "1") < 0) {
		fprintf(stderr, "gemsync: mémoire insuffisante\n");
		return GS_EXIT_REFUSED;
	}
	return 0;
}

/* Title as listed: cut, then marked when cancelled, deleted or in conflict. */
static char *
list_title(const json_t *item, const json_t *fields)
{
	const char *cancelled = gs_json_str(fields, "cancelled");
	char *cut, *title = NULL;

	cut = gs_out_clean_cut(gs_json_str(fields, "title"), 40);
	if (cut == NULL)
		return NULL;
	if (asprintf(&title, "%s%s%s%s", cut,
	    cancelled != NULL && strcmp(cancelled, "yes") == 0 ?
	    " (annulé)" : "",
	    json_is_true(json_object_get(item, "deleted")) ? " (supprimé)" : "",
	    json_array_size(json_object_get(item, "conflicts")) > 0 ?
	    " [conflit]" : "") < 0)
		title = NULL;
	free(cut);
	return title;
}

static void
print_events(const json_t *items, void *arg)
{
	static const char *const hdr[] = { "DÉBUT", "TITRE", "TYPE", "LIEU",
	    "PLACES", "ID" };
	const int *all = arg;
	struct gs_table t;
	const json_t *item, *fields;
	const char *kind, *fr, *cap, *id;
	char start[64], shortid[9];
	char *title, *place;
	size_t i;

	if (json_array_size(items) == 0) {
		puts(*all ? "Aucun événement." : "Aucun événement à venir.");
		return;
	}
	if (gs_table_init(&t, 6, hdr) < 0)
		return;
	json_array_foreach(items, i, item) {
		fields = json_object_get(item, "fields");
		gs_out_wallclock(gs_json_str(fields, "start"), start,
		    sizeof(start));
		kind = gs_json_str(fields, "kind");
		fr = gs_item_value_fr("event", "kind", kind);
		cap = gs_json_str(fields, "capacity");
		id = gs_json_str(item, "id");
		snprintf(shortid, sizeof(shortid), "%s", id != NULL ? id : "?");
		title = list_title(item, fields);
		place = gs_out_clean_cut(gs_json_str(fields, "place"), 30);
		const char *row[] = { start, title != NULL ? title : "?",
		    fr != NULL ? fr : kind != NULL ? kind : "-",
		    place != NULL && place[0] != '\0' ? place : "-",
		    cap != NULL && cap[0] != '\0' ? cap : "-", shortid };
		if (gs_table_row(&t, row) < 0)
			fprintf(stderr, "gemsync: mémoire insuffisante\n");
		free(title);
		free(place);
	}
	gs_table_print(&t);
	gs_table_free(&t);
}

int
gs_cmd_event_list(struct gs_cli *cli, const struct gs_cli_cmd *cmd,
    int argc, char **argv)
{
	struct gs_kv params = { 0 };
	char *pos[1];
	int ret = GS_EXIT_USAGE, npos = 0, all, rc;

	if (gs_kv_add(&params, "type", "event") < 0) {
		fprintf(stderr, "gemsync: mémoire insuffisante\n");
		ret = GS_EXIT_REFUSED;
		goto out;
	}
	rc = gs_opts_parse(cli, cmd, list_opts, argc, argv, on_list_opt,
	    &params, pos, 0, &npos);
	if (rc != 0) {
		ret = rc < 0 ? GS_EXIT_OK : rc;
		goto out;
	}
	all = gs_kv_get(&params, "all") != NULL ||
	    gs_kv_get(&params, "from") != NULL ||
	    gs_kv_get(&params, "to") != NULL;
	ret = gs_item_list(cli, &params, print_events, &all);
out:
	gs_kv_clear(&params);
	return ret;
}
