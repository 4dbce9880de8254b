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
	{ "title", N_("Title"), "title", "T",
	  N_("title (required when adding)"), 0 },
	{ "kind", "Type", "kind", "K", N_("type (required when adding), one "
	    "of:"),
	  0 },
	{ "start", N_("Start"), "start", "S",
	  N_("start: 20/12/2026 14h, 20/12 14h30, mardi 14h,\n"
	      "demain 10h, 2026-12-20 14:00 or RFC 3339"), 0 },
	{ "end", N_("End"), "end", "E",
	  N_("end, after the start (same forms)"), 0 },
	{ ".repeat", NULL, "repeat", N_("TEXT"), N_("repeat the event (typed in "
	    "French): « chaque mardi »,\n"
	    "« un mardi sur deux », « le premier jeudi du mois »\n"
	    "(premier... quatrième, dernier), « chaque jour »,\n"
	    "« chaque semaine » or « tous les mois »"), 0 },
	{ "rrule", N_("Repeats"), "rrule", "RRULE", N_("or an RFC 5545 rule "
	    "(FREQ=WEEKLY;BYDAY=TU)"), 0 },
	{ ".until", NULL, "until", N_("YYYY-MM-DD"), N_("last date of the series "
	    "(until the end\n"
	    "of that day)"), 0 },
	{ ".count", NULL, "count", "N", N_("or the number of dates of the "
	    "series"), 0 },
	{ "timezone", N_("Time zone"), NULL, NULL, NULL, 0 },
	{ "place", N_("Place"), "place", "P", N_("meeting place"), 0 },
	{ "capacity", N_("Seats"), "capacity", "N",
	  N_("number of seats (integer >= 0)"), 0 },
	{ "languages", N_("Languages"), "languages", "L",
	  N_("languages, comma-separated (fr,en)"), 0 },
	{ "easy_read", N_("Easy to read (FALC)"), "easy-read",
	  "oui|non" /* fr: value */, N_("easy-to-read text (FALC)"), 0 },
	{ "audience", N_("Audience"), "audience", "A",
	  N_("audience, one of:"), 0 },
	{ "companion", N_("Companion welcome"), "companion",
	  "oui|non" /* fr: value */, N_("a relative may come"), 0 },
	{ "accessibility", N_("Accessibility"), "accessibility", "A",
	  N_("accessibility, transport"), 0 },
	{ "price", N_("Price"), "price", "P", N_("price (« gratuit »...)"), 0 },
	{ "contact_role", "Contact", "contact-role", "R",
	  N_("whom to contact (a role, no name)"), 0 },
	{ "description", "Description", "description", "D", "description",
	  0 },
	{ "cohosts", N_("Co-hosts"), "cohost", "SITE-ID",
	  N_("co-hosting site (repeatable)"), 1 },
	{ "cancelled", N_("Cancelled"), NULL, NULL, NULL, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

/* Options of edit only, sent as request parameters. */
static const struct cli_opt edit_opts[] = {
	{ "date", N_("YYYY-MM-DD"), 0, N_("edit only this date of a repeated "
	    "event\n"
	    "(without --date: the whole series)"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/* Options of show, cancel and reserve that name one date of a series. */
static const struct cli_opt date_opts[] = {
	{ "date", N_("YYYY-MM-DD"), 0, N_("one date only of a repeated event"), 0 },
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
			return cli_usage(cmd, _("--until and --count go with "
			    "--repeat or --rrule: first say how the event "
			    "repeats"));
		return drop_options(fields);
	}
	if (repeat != NULL && rrule != NULL)
		return cli_usage(cmd, _("--repeat and --rrule say the same "
		    "thing: give one or the other"));
	if (until != NULL && count != NULL)
		return cli_usage(cmd, _("--until or --count, not both"));
	if ((rc = cli_config(cli)) != 0)
		return rc;
	tz = cli->cfg->site_timezone;
	if (repeat != NULL &&
	    gs_recur_shorthand(repeat, rule, sizeof(rule)) != 0)
		return cli_usage(cmd, _("unknown repetition « %s »: write for "
		    "example « chaque mardi », « un mardi sur deux », « le "
		    "premier jeudi du mois », « chaque jour », « chaque "
		    "semaine » or « tous les mois », or give a rule with "
		    "--rrule"), repeat);
	if (rrule != NULL)
		snprintf(rule, sizeof(rule), "%s", rrule);
	if ((until != NULL || count != NULL) && (strstr(rule, "UNTIL=") ||
	    strstr(rule, "COUNT=")))
		return cli_usage(cmd, _("the rule already has its end (UNTIL "
		    "or COUNT): remove --until or --count"));
	if (until != NULL) {
		if ((rc = cli_day(cli, cmd, "until", until, day)) != 0)
			return rc;
		if (gs_recur_until(day, tz, end, sizeof(end)) != 0)
			return cli_usage(cmd, _("--until takes a date that "
			    "exists, not '%s'"), day);
		snprintf(rule + strlen(rule), sizeof(rule) - strlen(rule),
		    ";UNTIL=%s", end);
	}
	if (count != NULL) {
		if (count[0] == '\0' || count[0] == '0' || strlen(count) > 4 ||
		    strspn(count, "0123456789") != strlen(count))
			return cli_usage(cmd, _("--count takes a number of "
			    "dates from 1 to 9999, not '%s'"), count);
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
	"event", event_fields, N_("Event added"), N_("Event edited"),
	N_("Event deleted"), prepare_event, edit_opts,
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
	    N_("Event cancelled"), date_opts, argc, argv);
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
	  N_("from this date (20/12, lundi, 2026-12-20...)"), 0 },
	{ "to", "DATE", OPT_TO, N_("until this date (that day included)"), 0 },
	{ "kind", "K", OPT_KIND, N_("only this kind of event (atelier,\n"
	    "sortie... as when adding)"), 0 },
	{ "audience", "A", OPT_AUDIENCE, N_("only this audience (adhérents...)"),
	  0 },
	{ "all", NULL, OPT_ALL, N_("also past and deleted events"),
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
	    _(" (cancelled)") : "",
	    json_is_true(json_object_get(item, "deleted")) ?
	    _(" (deleted)") : "",
	    json_array_size(json_object_get(item, "conflicts")) > 0 ?
	    _(" [conflict]") : "") < 0)
		title = NULL;
	free(cut);
	return title;
}

static void
print_events(const json_t *items, const struct cli_kv *params)
{
	static const char *const hdr[] = { N_("START"), N_("TITLE"), "TYPE",
	    N_("PLACE"),
	    N_("SEATS"), "ID" };
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
		puts(all ? _("No event.") : _("No coming event."));
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
#define SEATS_HELD N_("Reservations")
#define SEATS_CONFIRMED N_("Confirmed")
#define SEATS_AVAILABLE N_("Available")
#define SEATS_WAITING N_("Waiting")
#define SEATS_LEFT N_("Seats left")
#define SEATS_MINE N_("This site")

size_t
cli_event_seats_width(void)
{
	static const char *const labels[] = { SEATS_HELD, SEATS_CONFIRMED,
	    SEATS_AVAILABLE, SEATS_WAITING, SEATS_LEFT, SEATS_MINE };
	size_t w = 0, l;

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if ((l = cli_out_width(_(labels[i]))) > w)
			w = l;
	return w;
}

/* "1re", "2e", ...: a place in the waiting list. */
static void
ordinal(long long n, char *out, size_t len)
{
	/* TRANSLATORS: a place in a waiting list (French: 1re, 2e) */
	snprintf(out, len, ngettext("#%lld", "#%lld", (unsigned long)n), n);
}

/* n for ngettext: a count of seats, negative when unknown */
static unsigned long
count_of(long long n)
{
	return n > 0 ? (unsigned long)n : 1;
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
		snprintf(out, len, "%s", _(" (seat available, to confirm)"));
		return;
	}
	ordinal(cli_doc_int(q, "position", 0), ord, sizeof(ord));
	snprintf(out, len, _(" (waiting, %s)"), ord);
}

/* One line per site holding seats, in queue order, joined (malloc'd). */
static char *
held_lines(const json_t *held, const json_t *queue)
{
	const json_t *h;
	char *all = NULL, *next = NULL, *line = NULL, *who, *note;
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
		if (asprintf(&line, ngettext("%s: %s seat%s%s%s",
		    "%s: %s seats%s%s%s", count_of(n)), who != NULL ? who : "?",
		    count, state, note != NULL && note[0] != '\0' ? " — " : "",
		    note != NULL ? note : "") < 0)
			line = NULL;
		if (line == NULL || asprintf(&next, "%s%s%s", all,
		    i > 0 ? "\n" : "", line) < 0)
			next = NULL;
		free(line);
		line = NULL;
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
		snprintf(buf, sizeof(buf), _("seat available: confirm with "
		    "gemsync event reserve %.32s%s%.10s --seats %lld"),
		    id != NULL ? id : "?", date != NULL ? " --date " : "",
		    date != NULL ? date : "", avail);
		cli_out_lv(_(SEATS_MINE), width, buf, NULL);
	} else if (wait > 0) {
		ordinal(cli_doc_int(mine, "position", 0), ord, sizeof(ord));
		snprintf(buf, sizeof(buf), ngettext("%lld seat waiting (%s)",
		    "%lld seats waiting (%s)", count_of(wait)), wait, ord);
		cli_out_lv(_(SEATS_MINE), width, buf, NULL);
	} else if (conf > 0) {
		snprintf(buf, sizeof(buf), ngettext("%lld seat confirmed",
		    "%lld seats confirmed", count_of(conf)), conf);
		cli_out_lv(_(SEATS_MINE), width, buf, NULL);
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
	size_t used;
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
		/* TRANSLATORS: no reservation */
		cli_out_lv(_(SEATS_HELD), width, _("none"), NULL);
	} else {
		lines = held_lines(held, json_object_get(seats, "queue"));
		cli_out_lv(_(SEATS_HELD), width, lines != NULL ? lines : "?",
		    NULL);
	}
	if (conf >= 0) {
		if (cap >= 0)
			snprintf(buf, sizeof(buf), ngettext("%lld of %lld seat",
			    "%lld of %lld seats", count_of(cap)), conf, cap);
		else
			snprintf(buf, sizeof(buf), "%lld", conf);
		cli_out_lv(_(SEATS_CONFIRMED), width, buf, NULL);
	}
	if (avail > 0) {
		snprintf(buf, sizeof(buf), ngettext("%lld seat kept for "
		    "requests to confirm", "%lld seats kept for requests to "
		    "confirm", count_of(avail)), avail);
		cli_out_lv(_(SEATS_AVAILABLE), width, buf, NULL);
	}
	if (wait > 0) {
		used = (size_t)snprintf(buf, sizeof(buf), ngettext("%lld seat",
		    "%lld seats", count_of(wait)), wait);
		if (used < sizeof(buf))
			snprintf(buf + used, sizeof(buf) - used,
			    ngettext(" (%zu request)", " (%zu requests)",
			    nwait > 0 ? nwait : 1), nwait);
		cli_out_lv(_(SEATS_WAITING), width, buf, NULL);
	}
	if (left >= 0)
		snprintf(buf, sizeof(buf), "%lld", left);
	else
		snprintf(buf, sizeof(buf), "%s", _("no limit"));
	cli_out_lv(_(SEATS_LEFT), width, buf, NULL);
	mine_line(json_object_get(seats, "mine"), id, date, width);
	if (over > 0)
		printf(ngettext("OVERBOOKED by %lld seat\n",
		    "OVERBOOKED by %lld seats\n", count_of(over)), over);
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

		printf(_("\nSeats on %s:\n"), cdate != NULL ? cdate : "?");
		print_seats_block(ds, cid, cdate, width);
		free(cdate);
	}
out:
	free(cid);
}

enum { OPT_SEATS, OPT_NOTE, OPT_DATE, OPT_FORCE };

static const struct cli_opt reserve_opts[] = {
	{ "date", N_("YYYY-MM-DD"), OPT_DATE, N_("one date only of a repeated "
	    "event"), 0 },
	{ "seats", "N", OPT_SEATS, N_("number of seats this site holds (0 to "
	    "10000;\n"
	    "replaces the previous reservation, 0 cancels it)"), 0 },
	{ "force", NULL, OPT_FORCE, N_("confirm even when it is full "
	    "(overbooking\n"
	    "wanted by the organiser)"), 0 },
	{ "note", N_("TEXT"), OPT_NOTE, N_("note for the organiser (no names of\n"
	    "people: only numbers)"), 0 },
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
	snprintf(when, sizeof(when), "%s%.10s", date != NULL ? _(", on ") : "",
	    date != NULL ? date : "");
	conf = cli_doc_int(mine, "confirmed", 0);
	wait = cli_doc_int(mine, "waiting", 0);
	printf(_("\"%s\" (%s)%s\n"), title != NULL ? title : "?",
	    id != NULL ? id : "?", when);
	if (n == 0) {
		puts(_("Reservation cancelled: this site holds no seat "
		    "any more."));
	} else if (wait > 0) {
		ordinal(cli_doc_int(mine, "position", 0), ord, sizeof(ord));
		printf(ngettext("Full: request for %lld seat recorded, waiting "
		    "(%s).\n", "Full: request for %lld seats recorded, waiting "
		    "(%s).\n", count_of(wait)), wait, ord);
		puts(_("Requests are served in order when seats free up;\n"
		    "gemsync status will say when to confirm."));
	} else {
		printf(ngettext("%lld seat confirmed.\n",
		    "%lld seats confirmed.\n", count_of(conf)), conf);
	}
	left = cli_doc_int(st, "left", -1);
	over = cli_doc_int(st, "overbooked", -1);
	if (left >= 0)
		printf(_("Seats left: %lld\n"), left);
	else if (json_is_object(st))
		puts(_("Seats left: no limit"));
	if (over > 0)
		printf(ngettext("Warning: the event is OVERBOOKED by %lld seat "
		    "(tell the organiser).\n", "Warning: the event is "
		    "OVERBOOKED by %lld seats (tell the organiser).\n",
		    count_of(over)), over);
	if (cancelled != NULL && strcmp(cancelled, "yes") == 0)
		puts(_("Warning: this event is CANCELLED."));
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
	    argv, pos, 1, _("the event is missing (EVENT)"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (r.seats == NULL) {
		ret = cli_usage(cmd, _("the number of seats is missing "
		    "(--seats N, 0 to cancel)"));
		goto out;
	}
	/* The range is the daemon's rule; the CLI checks the shape only. */
	if (r.seats[0] == '\0' || strspn(r.seats, "0123456789") !=
	    strlen(r.seats) || strlen(r.seats) > 9) {
		ret = cli_usage(cmd, _("--seats takes a whole number of "
		    "seats, not '%s'"), r.seats);
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
