/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * event.c: `gemsync event add|list|show|edit|cancel|delete|reserve`.
 * The field table of an event (each field's label, option and help: a
 * new field is one row) and its list table live here; requests and the
 * show block are in item.c. The list shows each event's own wall-clock time
 * (the offset it was written with), as people read it on a poster.
 */
#include "gemsync.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "recur.h"
#include "siteid.h"

/* The fields of an event: label in show, option and its help. */
static const struct cli_item_field event_fields[] = {
	{ "title", "Titre", "title", "T", "titre (obligatoire à l'ajout)", 0 },
	{ "kind", "Type", "kind", "K", "type (obligatoire à l'ajout), l'un de :",
	  0 },
	{ "start", "Début", "start", "S",
	  "début : 20/12/2026 14h, 20/12 14h30, mardi 14h,\n"
	  "demain 10h, 2026-12-20 14:00 ou RFC 3339", 0 },
	{ "end", "Fin", "end", "E", "fin, après le début (mêmes formes)", 0 },
	{ ".repeat", NULL, "repeat", "TEXTE", "répéter l'événement : « chaque "
	  "mardi »,\n« un mardi sur deux », « le premier jeudi du mois »\n"
	  "(premier... quatrième, dernier), « chaque jour »,\n« chaque "
	  "semaine » ou « tous les mois »", 0 },
	{ "rrule", "Répétition", "rrule", "RRULE", "ou une règle RFC 5545 "
	  "(FREQ=WEEKLY;BYDAY=TU)", 0 },
	{ ".until", NULL, "until", "AAAA-MM-JJ", "dernière date de la série "
	  "(jusqu'à la fin\nde ce jour)", 0 },
	{ ".count", NULL, "count", "N", "ou nombre de dates de la série", 0 },
	{ "timezone", "Fuseau horaire", NULL, NULL, NULL, 0 },
	{ "place", "Lieu", "place", "P", "lieu de rendez-vous", 0 },
	{ "capacity", "Places", "capacity", "N",
	  "nombre de places (entier >= 0)", 0 },
	{ "languages", "Langues", "languages", "L",
	  "langues, séparées par des virgules (fr,en)", 0 },
	{ "easy_read", "Facile à lire (FALC)", "easy-read", "oui|non",
	  "texte facile à lire (FALC)", 0 },
	{ "audience", "Public", "audience", "A", "public, l'un de :", 0 },
	{ "companion", "Accompagnant bienvenu", "companion", "oui|non",
	  "un proche peut venir", 0 },
	{ "accessibility", "Accessibilité", "accessibility", "A",
	  "accessibilité, transports", 0 },
	{ "price", "Prix", "price", "P", "prix (« gratuit »...)", 0 },
	{ "contact_role", "Contact", "contact-role", "R",
	  "qui contacter (rôle, pas de nom)", 0 },
	{ "description", "Description", "description", "D", "description",
	  0 },
	{ "cohosts", "Co-organisateurs", "cohost", "SITE-ID",
	  "site co-organisateur (répétable)", 1 },
	{ "cancelled", "Annulé", NULL, NULL, NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

/* Options of edit only, sent as request parameters. */
static const struct cli_opt edit_opts[] = {
	{ "date", "AAAA-MM-JJ", 0, "ne modifier que cette date d'un événement "
	  "répété\n(sans --date : toute la série)", 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/* Options of show, cancel and reserve that name one date of a series. */
static const struct cli_opt date_opts[] = {
	{ "date", "AAAA-MM-JJ", 0, "une seule date d'un événement répété", 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/* Copies fields without the rows that are options only ("." names). */
static int
drop_options(struct cli_kv *fields)
{
	struct cli_kv kept = { 0 };

	for (size_t i = 0; i < fields->n; i++) {
		if (fields->v[i].name[0] == '.')
			continue;
		if (cli_kv_add(&kept, fields->v[i].name,
		    fields->v[i].value) < 0) {
			cli_kv_clear(&kept);
			return cli_nomem();
		}
	}
	cli_kv_clear(fields);
	*fields = kept;
	return 0;
}

/* The edit's --date, typed as a person would, as YYYY-MM-DD. */
static int
day_param(struct cli_ctx *cli, const struct cli_cmd *cmd,
    struct cli_kv *params)
{
	const char *date = cli_kv_get(params, "date");
	char day[11];
	int rc;

	if (date == NULL)
		return 0;
	rc = cli_day(cli, cmd, "date", date, day);
	if (rc == 0 && cli_kv_set(params, "date", day) < 0)
		rc = cli_nomem();
	return rc;
}

/*
 * --repeat (French shorthand), --rrule, --until and --count become the
 * "rrule" field, and a series gets this site's time zone ([site]
 * timezone) unless --field timezone=... names another.
 */
static int
prepare_event(struct cli_ctx *cli, const struct cli_cmd *cmd, int edit,
    struct cli_kv *fields, struct cli_kv *params)
{
	const char *repeat = cli_kv_get(fields, ".repeat");
	const char *rrule = cli_kv_get(fields, "rrule");
	const char *until = cli_kv_get(fields, ".until");
	const char *count = cli_kv_get(fields, ".count");
	const char *tz;
	char rule[GS_RECUR_RULE_MAX + 64], end[40], day[11];
	int rc;

	(void)edit;
	rc = day_param(cli, cmd, params);
	if (rc != 0)
		return rc;
	if (repeat == NULL && rrule == NULL) {
		if (until != NULL || count != NULL)
			return cli_usage(cmd, "--until et --count accompagnent "
			    "--repeat ou --rrule : dites d'abord comment "
			    "l'événement se répète");
		return drop_options(fields);
	}
	if (repeat != NULL && rrule != NULL)
		return cli_usage(cmd, "--repeat et --rrule disent la même chose "
		    ": donnez l'un ou l'autre");
	if (until != NULL && count != NULL)
		return cli_usage(cmd, "--until ou --count, pas les deux");
	if ((rc = cli_config(cli)) != 0)
		return rc;
	tz = cli->cfg->site_timezone;
	if (repeat != NULL &&
	    gs_recur_shorthand(repeat, rule, sizeof(rule)) != 0)
		return cli_usage(cmd, "répétition « %s » inconnue : écrivez par "
		    "exemple « chaque mardi », « un mardi sur deux », « le "
		    "premier jeudi du mois », « chaque jour », « chaque "
		    "semaine » ou « tous les mois », ou donnez une règle avec "
		    "--rrule", repeat);
	if (rrule != NULL)
		snprintf(rule, sizeof(rule), "%s", rrule);
	if ((until != NULL || count != NULL) && (strstr(rule, "UNTIL=") ||
	    strstr(rule, "COUNT=")))
		return cli_usage(cmd, "la règle a déjà sa fin (UNTIL ou COUNT) : "
		    "retirez --until ou --count");
	if (until != NULL) {
		if ((rc = cli_day(cli, cmd, "until", until, day)) != 0)
			return rc;
		if (gs_recur_until(day, tz, end, sizeof(end)) != 0)
			return cli_usage(cmd, "--until attend une date qui "
			    "existe, pas « %s »", day);
		snprintf(rule + strlen(rule), sizeof(rule) - strlen(rule),
		    ";UNTIL=%s", end);
	}
	if (count != NULL) {
		if (count[0] == '\0' || count[0] == '0' || strlen(count) > 4 ||
		    strspn(count, "0123456789") != strlen(count))
			return cli_usage(cmd, "--count attend un nombre de dates "
			    "de 1 à 9999, pas « %s »", count);
		snprintf(rule + strlen(rule), sizeof(rule) - strlen(rule),
		    ";COUNT=%s", count);
	}
	if (cli_kv_set(fields, "rrule", rule) < 0 ||
	    (rule[0] != '\0' && cli_kv_get(fields, "timezone") == NULL &&
	    cli_kv_set(fields, "timezone", tz) < 0))
		return cli_nomem();
	return drop_options(fields);
}

const struct cli_item_kind cli_event_kind = {
	"event", event_fields, "Événement ajouté", "Événement modifié",
	"Événement supprimé", prepare_event, edit_opts,
};

int
cli_cmd_event_add(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	return cli_item_add(cli, cmd, &cli_event_kind, argc, argv);
}

int
cli_cmd_event_edit(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_edit(cli, cmd, &cli_event_kind, argc, argv);
}

int
cli_cmd_event_show(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &cli_event_kind, "item.show", NULL,
	    date_opts, argc, argv);
}

int
cli_cmd_event_cancel(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &cli_event_kind, "event.cancel",
	    "Événement annulé", date_opts, argc, argv);
}

int
cli_cmd_event_delete(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_one(cli, cmd, &cli_event_kind, "item.delete",
	    cli_event_kind.deleted, cli_delete_opts, argc, argv);
}

enum { OPT_FROM, OPT_TO, OPT_KIND, OPT_AUDIENCE, OPT_ALL };

static const struct cli_opt list_opts[] = {
	{ "from", "DATE", OPT_FROM,
	  "à partir de cette date (20/12, lundi, 2026-12-20...)", 0 },
	{ "to", "DATE", OPT_TO, "jusqu'à cette date (ce jour compris)", 0 },
	{ "kind", "K", OPT_KIND, "seulement ce type d'événement (atelier,\n"
	  "sortie... comme à l'ajout)", 0 },
	{ "audience", "A", OPT_AUDIENCE, "seulement ce public (adhérents...)",
	  0 },
	{ "all", NULL, OPT_ALL, "aussi les événements passés et supprimés",
	  0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/* Title as listed: cut, then marked when cancelled, deleted or in conflict. */
static char *
list_title(const json_t *item, const json_t *fields)
{
	const char *cancelled = cli_doc_str(fields, "cancelled");
	char *cut, *title = NULL;

	cut = cli_out_clean_cut(cli_doc_str(fields, "title"), 40);
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
print_events(const json_t *items, const struct cli_kv *params)
{
	static const char *const hdr[] = { "DÉBUT", "TITRE", "TYPE", "LIEU",
	    "PLACES", "ID" };
	/* Past events are listed too with --all, --from or --to. */
	int all = cli_kv_get(params, "all") != NULL ||
	    cli_kv_get(params, "from") != NULL ||
	    cli_kv_get(params, "to") != NULL;
	struct cli_table t;
	const json_t *item, *fields;
	const char *kind, *fr, *cap, *id, *date;
	char start[96], shortid[24];
	char *title, *place;
	size_t i;

	if (json_array_size(items) == 0) {
		puts(all ? "Aucun événement." : "Aucun événement à venir.");
		return;
	}
	if (cli_table_init(&t, 6, hdr) < 0)
		return;
	json_array_foreach(items, i, item) {
		fields = json_object_get(item, "fields");
		cli_out_date_fr(cli_doc_str(fields, "start"), start,
		    sizeof(start));
		kind = cli_doc_str(fields, "kind");
		fr = cli_item_value_fr("event", "kind", kind);
		cap = cli_doc_str(fields, "capacity");
		id = cli_doc_str(item, "id");
		date = cli_doc_str(item, "date");
		/* a series' date: what show, edit and cancel take with --date */
		snprintf(shortid, sizeof(shortid), "%.8s%s%.10s",
		    id != NULL ? id : "?", date != NULL ? " " : "",
		    date != NULL ? date : "");
		title = list_title(item, fields);
		place = cli_out_clean_cut(cli_doc_str(fields, "place"), 30);
		const char *row[] = { start, title != NULL ? title : "?",
		    fr != NULL ? fr : kind != NULL ? kind : "-",
		    place != NULL && place[0] != '\0' ? place : "-",
		    cap != NULL && cap[0] != '\0' ? cap : "-", shortid };
		if (cli_table_row(&t, row) < 0)
			cli_nomem();
		free(title);
		free(place);
	}
	cli_table_print(&t);
	cli_table_free(&t);
}

int
cli_cmd_event_list(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	return cli_item_list(cli, cmd, "event", list_opts, argc, argv,
	    print_events);
}

/* Labels of the seats block; the widest sets cli_event_seats_width(). */
#define SEATS_HELD "Réservations"
#define SEATS_CONFIRMED "Confirmées"
#define SEATS_WAITING "En attente"
#define SEATS_LEFT "Places restantes"
#define SEATS_MINE "Ce site"

size_t
cli_event_seats_width(void)
{
	return cli_out_width(SEATS_LEFT);
}

/* "1re", "2e", ...: a place in the waiting list. */
static void
ordinal(long long n, char *out, size_t len)
{
	snprintf(out, len, n == 1 ? "%lldre" : "%llde", n);
}

/* "1 place", "3 places" */
static const char *
places(long long n)
{
	return n > 1 ? "places" : "place";
}

/* "GEM Le Rebond (abcdefg)" or "site abcdefg", sanitized, malloc'd. */
static char *
site_label(const char *name, const char *site)
{
	char sid[GS_SITEID_SHORT];
	char *clean, *out = NULL;
	int rc;

	cli_out_short_id(site != NULL ? site : "?", sid);
	clean = cli_out_clean_cut(name, 60);
	if (clean == NULL)
		return NULL;
	if (clean[0] != '\0')
		rc = asprintf(&out, "%s (%s)", clean, sid);
	else
		rc = asprintf(&out, "site %s", sid);
	if (rc < 0)
		out = NULL;
	free(clean);
	return out;
}

/* " — en attente (2e)" etc. for one held reservation of the queue. */
static void
held_state(const json_t *h, const json_t *queue, size_t i, char *out,
    size_t len)
{
	const char *state = cli_doc_str(h, "state");
	const json_t *q = json_array_get(queue, i);
	char ord[16];

	out[0] = '\0';
	if (state == NULL || strcmp(state, "confirmed") == 0)
		return;
	if (strcmp(state, "available") == 0) {
		snprintf(out, len, " (place disponible, à confirmer)");
		return;
	}
	ordinal(cli_doc_int(q, "position", 0), ord, sizeof(ord));
	snprintf(out, len, " (en attente, %s)", ord);
}

/* One line per site holding seats, in queue order, joined (malloc'd). */
static char *
held_lines(const json_t *held, const json_t *queue)
{
	const json_t *h;
	char *all = NULL, *next = NULL, *who, *note;
	char count[32], state[64];
	long long n;
	size_t i;

	all = strdup("");
	json_array_foreach(held, i, h) {
		if (all == NULL)
			break;
		who = site_label(cli_doc_str(h, "site_name"),
		    cli_doc_str(h, "site"));
		note = cli_out_clean_cut(cli_doc_str(h, "note"), 60);
		n = cli_doc_int(h, "seats", -1);
		snprintf(count, sizeof(count), n >= 0 ? "%lld" : "?", n);
		held_state(h, queue, i, state, sizeof(state));
		if (asprintf(&next, "%s%s%s : %s place%s%s%s%s", all,
		    i > 0 ? "\n" : "", who != NULL ? who : "?", count,
		    n > 1 ? "s" : "", state, note != NULL && note[0] != '\0' ?
		    " — " : "", note != NULL ? note : "") < 0)
			next = NULL;
		free(who);
		free(note);
		free(all);
		all = next;
		next = NULL;
	}
	return all;
}

/* What this site should do, from the "mine" object (printed when any). */
static void
mine_line(const json_t *mine, const char *id, const char *date, size_t width)
{
	long long conf = cli_doc_int(mine, "confirmed", 0);
	long long wait = cli_doc_int(mine, "waiting", 0);
	long long avail = cli_doc_int(mine, "available", 0);
	char buf[256], ord[16];

	if (avail > 0) {
		snprintf(buf, sizeof(buf), "place disponible : confirmez avec "
		    "gemsync event reserve %.32s%s%.10s --seats %lld",
		    id != NULL ? id : "?", date != NULL ? " --date " : "",
		    date != NULL ? date : "", avail);
		cli_out_lv(SEATS_MINE, width, buf, NULL);
	} else if (wait > 0) {
		ordinal(cli_doc_int(mine, "position", 0), ord, sizeof(ord));
		snprintf(buf, sizeof(buf), "%lld %s en attente (%s)", wait,
		    places(wait), ord);
		cli_out_lv(SEATS_MINE, width, buf, NULL);
	} else if (conf > 0) {
		snprintf(buf, sizeof(buf), "%lld %s %s", conf, places(conf),
		    conf > 1 ? "confirmées" : "confirmée");
		cli_out_lv(SEATS_MINE, width, buf, NULL);
	}
}

/* One seats object: the event's, or one date's (date not NULL). */
static void
print_seats_block(const json_t *seats, const char *id, const char *date,
    size_t width)
{
	const json_t *held = json_object_get(seats, "held");
	long long cap, conf, left, over, wait, avail;
	size_t nwait = 0, i;
	const json_t *q;
	char buf[128];
	char *lines = NULL;

	cap = cli_doc_int(seats, "capacity", -1);
	conf = cli_doc_int(seats, "confirmed", -1);
	left = cli_doc_int(seats, "left", -1);
	over = cli_doc_int(seats, "overbooked", -1);
	wait = cli_doc_int(seats, "waiting", 0);
	avail = cli_doc_int(seats, "available", 0);
	json_array_foreach(json_object_get(seats, "queue"), i, q)
		if (cli_doc_int(q, "waiting", 0) > 0)
			nwait++;
	if (json_array_size(held) == 0) {
		cli_out_lv(SEATS_HELD, width, "aucune", NULL);
	} else {
		lines = held_lines(held, json_object_get(seats, "queue"));
		cli_out_lv(SEATS_HELD, width, lines != NULL ? lines : "?", NULL);
	}
	if (conf >= 0) {
		if (cap >= 0)
			snprintf(buf, sizeof(buf), "%lld sur %lld %s", conf,
			    cap, places(cap));
		else
			snprintf(buf, sizeof(buf), "%lld", conf);
		cli_out_lv(SEATS_CONFIRMED, width, buf, NULL);
	}
	if (avail > 0) {
		snprintf(buf, sizeof(buf), "%lld %s gardée%s pour des "
		    "demandes à confirmer", avail, places(avail),
		    avail > 1 ? "s" : "");
		cli_out_lv("Disponibles", width, buf, NULL);
	}
	if (wait > 0) {
		snprintf(buf, sizeof(buf), "%lld %s (%zu demande%s)", wait,
		    places(wait), nwait, nwait > 1 ? "s" : "");
		cli_out_lv(SEATS_WAITING, width, buf, NULL);
	}
	if (left >= 0)
		snprintf(buf, sizeof(buf), "%lld", left);
	else
		snprintf(buf, sizeof(buf), "sans limite");
	cli_out_lv(SEATS_LEFT, width, buf, NULL);
	mine_line(json_object_get(seats, "mine"), id, date, width);
	if (over > 0)
		printf("SURRÉSERVÉ de %lld place%s\n", over, over > 1 ? "s" : "");
	free(lines);
}

void
cli_event_print_seats(const json_t *item, size_t width)
{
	const json_t *seats = json_object_get(item, "seats");
	const json_t *by_date = json_object_get(item, "seats_by_date");
	const char *id = cli_doc_str(item, "id"), *date;
	const json_t *ds;
	char *cid = cli_out_clean(id);

	if (!json_is_object(seats))
		goto out;
	/* a series whose dates only are reserved: skip the empty block */
	if (!json_is_object(by_date) || json_array_size(json_object_get(seats,
	    "held")) > 0)
		print_seats_block(seats, cid, NULL, width);
	json_object_foreach((json_t *)by_date, date, ds) {
		char *cdate = cli_out_clean(date);

		printf("\nPlaces le %s :\n", cdate != NULL ? cdate : "?");
		print_seats_block(ds, cid, cdate, width);
		free(cdate);
	}
out:
	free(cid);
}

enum { OPT_SEATS, OPT_NOTE, OPT_DATE, OPT_FORCE };

static const struct cli_opt reserve_opts[] = {
	{ "date", "AAAA-MM-JJ", OPT_DATE, "une seule date d'un événement "
	  "répété", 0 },
	{ "seats", "N", OPT_SEATS, "nombre de places que ce site tient (0 à "
	  "10000 ;\nremplace la réservation précédente, 0 l'annule)", 0 },
	{ "force", NULL, OPT_FORCE, "confirmer même si c'est complet "
	  "(surréservation\nvoulue par l'organisateur)", 0 },
	{ "note", "TEXTE", OPT_NOTE, "note pour l'organisateur (pas de noms "
	  "de\npersonnes : seulement des nombres)", 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

struct reserve_ctx {
	struct cli_ctx *cli;
	const struct cli_cmd *cmd;
	const char *seats;
	const char *note;
	const char *date;         /* NULL, or day[] */
	bool force;
	char day[11];             /* --date read as YYYY-MM-DD */
};

static int
on_reserve_opt(void *arg, int id, const char *name, const char *value)
{
	struct reserve_ctx *r = arg;

	(void)name;
	if (id == OPT_SEATS)
		r->seats = value;
	else if (id == OPT_DATE) {
		int rc = cli_day(r->cli, r->cmd, "date", value, r->day);
		if (rc != 0)
			return rc;
		r->date = r->day;
	}
	else if (id == OPT_FORCE)
		r->force = true;
	else
		r->note = value;
	return 0;
}

/* The confirmation of event reserve, from the event's item object. */
static void
print_reserved(const json_t *item, const char *seats, const char *date)
{
	const json_t *st = json_object_get(item, "seats");
	const json_t *fields = json_object_get(item, "fields");
	const char *cancelled = cli_doc_str(fields, "cancelled");
	const json_t *mine;
	char *title, *id, when[64], ord[16];
	long long n = strtoll(seats, NULL, 10), left, over, conf, wait;

	if (date != NULL)
		st = json_object_get(json_object_get(item, "seats_by_date"),
		    date);
	mine = json_object_get(st, "mine");
	title = cli_out_clean_cut(cli_doc_str(fields, "title"), 60);
	id = cli_out_clean(cli_doc_str(item, "id"));
	snprintf(when, sizeof(when), "%s%.10s", date != NULL ? ", le " : "",
	    date != NULL ? date : "");
	conf = cli_doc_int(mine, "confirmed", 0);
	wait = cli_doc_int(mine, "waiting", 0);
	printf("« %s » (%s)%s\n", title != NULL ? title : "?",
	    id != NULL ? id : "?", when);
	if (n == 0) {
		puts("Réservation annulée : ce site ne tient plus de place.");
	} else if (wait > 0) {
		ordinal(cli_doc_int(mine, "position", 0), ord, sizeof(ord));
		printf("Complet : demande de %lld %s enregistrée, en attente "
		    "(%s).\n", wait, places(wait), ord);
		puts("Les demandes sont servies dans l'ordre quand des places "
		    "se libèrent ;\ngemsync status dira quand confirmer.");
	} else {
		printf("%lld %s %s.\n", conf, places(conf), conf > 1 ?
		    "confirmées" : "confirmée");
	}
	left = cli_doc_int(st, "left", -1);
	over = cli_doc_int(st, "overbooked", -1);
	if (left >= 0)
		printf("Places restantes : %lld\n", left);
	else if (json_is_object(st))
		puts("Places restantes : sans limite");
	if (over > 0)
		printf("Attention : l'événement est SURRÉSERVÉ de %lld place%s "
		    "(prévenez l'organisateur).\n", over, over > 1 ? "s" : "");
	if (cancelled != NULL && strcmp(cancelled, "yes") == 0)
		puts("Attention : cet événement est ANNULÉ.");
	free(title);
	free(id);
}

int
cli_cmd_event_reserve(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct reserve_ctx r = { cli, cmd, NULL, NULL, NULL, false, "" };
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	char *pos[1];
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, reserve_opts, on_reserve_opt, &r, argc,
	    argv, pos, 1, "il manque l'événement (EVENT)");
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (r.seats == NULL) {
		ret = cli_usage(cmd, "il manque le nombre de places "
		    "(--seats N, 0 pour annuler)");
		goto out;
	}
	/* The range is the daemon's rule; the CLI checks the shape only. */
	if (r.seats[0] == '\0' || strspn(r.seats, "0123456789") !=
	    strlen(r.seats) || strlen(r.seats) > 9) {
		ret = cli_usage(cmd, "--seats attend un nombre entier de "
		    "places, pas « %s »", r.seats);
		goto out;
	}
	if (cli_kv_add(&params, "item", pos[0]) < 0 ||
	    cli_kv_add(&params, "seats", r.seats) < 0 ||
	    (r.note != NULL && cli_kv_add(&params, "note", r.note) < 0) ||
	    (r.date != NULL && cli_kv_add(&params, "date", r.date) < 0) ||
	    (r.force && cli_kv_add(&params, "force", "1") < 0)) {
		ret = cli_nomem();
		goto out;
	}
	ret = cli_doc(cli, "event.reserve", &params, &root);
	if (ret == CLI_EXIT_OK && root != NULL)
		print_reserved(root, r.seats, r.date);
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}
