/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * programme.c: `gemsync programme`, the programme members read: a
 * static, self-contained web page (index.html: inline CSS, no script, no
 * font or file from elsewhere) that prints a week on one A4 page, and
 * beside it the week's calendar (programme.ics, as `export ics` writes
 * it). The events come from gemsyncd's list (item.list: one row per date
 * of a series, in order); days and hours are written by out.c's French
 * date helpers. The easy-to-read edition (--easy-read) has large type,
 * one idea per line, plain words and no abbreviation.
 *
 * Members-only events are left out unless --members is given: a
 * programme is posted on the wall and on the web.
 */
#include "gemsync.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "frdate.h"
#include "recur.h"
#include "schema.h"
#include "textfmt.h"

enum { OPT_WEEK, OPT_MONTH, OPT_FROM, OPT_EASY, OPT_MEMBERS, OPT_KIND,
	OPT_OUT };

static const struct cli_opt programme_opts[] = {
	{ "week", NULL, OPT_WEEK, N_("the week, from Monday to Sunday "
	  "(default)"), 0 },
	{ "month", NULL, OPT_MONTH, N_("the month, from the 1st to the last "
	  "day"), 0 },
	{ "from", "DATE", OPT_FROM, N_("the week or the month of this day "
	  "(20/12,\nlundi...); today by default"), 0 },
	{ "easy-read", NULL, OPT_EASY, N_("easy-to-read edition: large "
	  "type, one idea\nper line, plain words"), 0 },
	{ "members", NULL, OPT_MEMBERS, N_("also the events for members "
	  "only\n(programme posted at the GEM, not online)"), 0 },
	{ "kind", "K", OPT_KIND, N_("only this kind of event (atelier, "
	  "sortie...)"), 0 },
	{ "output", N_("DIR"), OPT_OUT, N_("folder to write index.html and "
	  "programme.ics in\n(created if missing)"), 'o' },
	{ NULL, NULL, 0, NULL, 0 },
};

struct prog_args {
	struct cli_ctx *cli;
	const struct cli_cmd *cmd;
	bool month, easy, members;
	const char *from;         /* lent from argv, or NULL: today */
	const char *kind;         /* lent from argv, or NULL */
	const char *dir;          /* lent from argv */
};

static int
on_prog_opt(void *arg, int id, const char *name, const char *value)
{
	struct prog_args *a = arg;

	(void)name;
	switch (id) {
	case OPT_WEEK:
		a->month = false;
		break;
	case OPT_MONTH:
		a->month = true;
		break;
	case OPT_FROM:
		a->from = value;
		break;
	case OPT_EASY:
		a->easy = true;
		break;
	case OPT_MEMBERS:
		a->members = true;
		break;
	case OPT_KIND:
		a->kind = value;
		break;
	default:
		a->dir = value;
		break;
	}
	return 0;
}

/* ---- the window ---- */

/* day (YYYY-MM-DD) moved by n days, into out (11 bytes). */
static void
day_add(const char *day, int n, char out[11])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm) + (time_t)n * 86400;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The first and last day of the week (Monday to Sunday) or month of day. */
static void
window(const char *day, bool month, char first[11], char last[11])
{
	struct tm tm;
	char next[11];
	time_t t;

	if (month) {
		snprintf(first, 11, "%.7s-01", day);
		day_add(first, 31, next);          /* some day of next month */
		snprintf(next + 8, 3, "01");
		day_add(next, -1, last);
		return;
	}
	memset(&tm, 0, sizeof(tm));
	sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	day_add(day, -((tm.tm_wday + 6) % 7), first);
	day_add(first, 6, last);
}

/* ---- the page ---- */

/* Writes s with the five HTML specials escaped. */
static void
html(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/*
 * The page is a document for French-speaking members: French whatever
 * the locale of whoever runs the command (docs/internals/i18n.md).
 */
/* fr: document begin */
static const char css[] =
	"*{box-sizing:border-box}"
	"html{font-family:\"DejaVu Sans\",Verdana,Arial,sans-serif;"
	"color:#1a1a1a;background:#fff;line-height:1.45}"
	"body{margin:0 auto;max-width:50rem;padding:1rem;font-size:1.05rem}"
	"h1{font-size:1.6rem;margin:0 0 .2rem}"
	"header p{margin:0 0 1rem}"
	"h2{font-size:1.2rem;background:#1d4e89;color:#fff;"
	"padding:.2rem .5rem;margin:1rem 0 .4rem;border-radius:.2rem}"
	"h3{font-size:1.05rem;margin:0}"
	"ul.events{list-style:none;margin:0;padding:0}"
	"li.event{display:flex;flex-wrap:wrap;gap:0 .8rem;"
	"border-bottom:1px solid #767676;padding:.35rem 0}"
	".when{font-weight:bold;min-width:6.5rem;margin:0}"
	".what{flex:1 1 20rem}"
	".what p{margin:0}"
	"ul.badges{list-style:none;margin:.15rem 0 0;padding:0;display:flex;"
	"flex-wrap:wrap;gap:.3rem}"
	"ul.badges li{border:1px solid #1a1a1a;border-radius:.8rem;"
	"padding:0 .5rem;font-size:.9em;background:#f2f2f2}"
	"ul.badges li.cancelled{background:#8a1c1c;color:#fff;"
	"border-color:#8a1c1c}"
	"ul.badges li.members{background:#5c2d00;color:#fff;"
	"border-color:#5c2d00}"
	".empty{font-style:italic}"
	"footer{margin-top:1.2rem;font-size:.95rem}"
	"a{color:#0b3d91}"
	"@page{size:A4;margin:10mm}"
	"@media print{"
	"body{max-width:none;padding:0;font-size:10pt;line-height:1.25}"
	"h1{font-size:16pt}h2{font-size:11pt;margin:.25rem 0 .1rem;"
	"break-after:avoid}"
	"h3{font-size:10.5pt}"
	"main{columns:2;column-gap:7mm}"
	"section{break-inside:avoid-column}"
	"li.event{break-inside:avoid;padding:.12rem 0}"
	".when{min-width:3.2rem}"
	"ul.badges li{font-size:9pt}"
	"footer{font-size:9pt;margin-top:.4rem}"
	"}";

/* The easy-to-read edition: large type, one idea per line. */
static const char css_easy[] =
	"body{font-size:1.35rem;max-width:40rem;line-height:1.6}"
	"h1{font-size:2rem}h2{font-size:1.6rem}h3{font-size:1.45rem}"
	"li.event{display:block;padding:.8rem 0;border-bottom:2px solid "
	"#1a1a1a}"
	".what p{margin:.2rem 0}"
	"@media print{body{font-size:16pt;line-height:1.45}"
	"h1{font-size:24pt}h2{font-size:20pt}h3{font-size:18pt}"
	"main{columns:1}li.event{padding:4mm 0}"
	"ul.badges li{font-size:16pt}footer{font-size:16pt}}";

/* A field of an item (lent), "" when absent. */
static const char *
field(const json_t *fields, const char *name)
{
	const char *v = cli_doc_str(fields, name);

	return v != NULL ? v : "";
}

/* The French word of an event's enumerated value, as typed when unknown. */
static const char *
word(const json_t *fields, const char *name)
{
	const char *v = field(fields, name);
	const char *fr = gs_schema_value_fr(GS_TYPE_EVENT, name, v);

	return fr != NULL ? fr : v;
}

/* An RFC 3339 time as the site's local time (out: 32 bytes, date: 11),
 * or as written when it cannot be read. */
static void
local(const char *s, const char *tz, char out[32], char date[11])
{
	int64_t ms;

	if (s == NULL || gs_time_parse(s, &ms) != 0 ||
	    gs_recur_local(ms, tz, out, 32, date) != 0) {
		snprintf(out, 32, "%s", s != NULL ? s : "");
		snprintf(date, 11, "%.10s", out);
	}
}

/* « 14 h 30 », or « 14 heures 30 » in the easy-to-read edition. */
static void
hour(const char *rfc3339, bool easy, char *out, size_t len)
{
	char h[16];
	const char *sp;

	cli_out_hour_fr(rfc3339, h, sizeof(h));
	sp = strstr(h, " h");
	if (!easy || sp == NULL) {
		snprintf(out, len, "%s", h);
		return;
	}
	snprintf(out, len, "%.*s heures%s", (int)(sp - h), h, sp + 2);
}

struct page {
	FILE *f;
	const char *tz;
	bool easy;
	char day[11];             /* the day being written, "" before */
	long shown;
	long left_out;            /* members-only dates left out */
};

static void
badges(struct page *p, const json_t *fields, bool cancelled)
{
	const char *audience = field(fields, "audience");
	bool any = false;

#define BADGE(cls, text) do { \
	if (!any) fputs("<ul class=\"badges\">", p->f); \
	any = true; \
	fprintf(p->f, "<li class=\"%s\">%s</li>", cls, text); \
} while (0)
	if (cancelled)
		BADGE("cancelled", "annulé");
	if (strcmp(field(fields, "easy_read"), "yes") == 0)
		BADGE("easy", "facile à lire");
	if (strcmp(field(fields, "companion"), "yes") == 0)
		BADGE("companion", "accompagnants bienvenus");
	if (strcmp(audience, "public") == 0)
		BADGE("public", "ouvert à tous");
	else if (strcmp(audience, "families") == 0)
		BADGE("families", "adhérents et familles");
	else if (strcmp(audience, "members") == 0)
		BADGE("members", "réservé aux adhérents");
#undef BADGE
	if (any)
		fputs("</ul>", p->f);
}

/* The seats left, when the event counts them. */
static void
seats(struct page *p, const json_t *item)
{
	const json_t *left = json_object_get(json_object_get(item, "seats"),
	    "left");
	long long n;

	if (!json_is_integer(left))
		return;
	n = json_integer_value(left);
	if (p->easy)
		fprintf(p->f, n > 0 ? "<p>Il reste %lld place%s.</p>" :
		    "<p>C'est complet : il n'y a plus de place.</p>", n,
		    n > 1 ? "s" : "");
	else if (n > 0)
		fprintf(p->f, "<p class=\"seats\">%lld place%s restante%s</p>",
		    n, n > 1 ? "s" : "", n > 1 ? "s" : "");
	else
		fputs("<p class=\"seats\">complet</p>", p->f);
}

/* One event in the compact edition: hour, then title and one line. */
static void
event_compact(struct page *p, const json_t *item, const json_t *fields,
    const char *start, const char *end, bool cancelled)
{
	const char *place = field(fields, "place");
	const char *price = field(fields, "price");
	char h[32];

	hour(start, false, h, sizeof(h));
	fprintf(p->f, "<p class=\"when\">%s", h);
	if (end[0] != '\0') {
		hour(end, false, h, sizeof(h));
		fprintf(p->f, " à %s", h);
	}
	fputs("</p><div class=\"what\"><h3>", p->f);
	html(p->f, field(fields, "title"));
	fputs("</h3><p>", p->f);
	html(p->f, word(fields, "kind"));
	if (place[0] != '\0') {
		fputs(" — ", p->f);
		html(p->f, place);
	}
	fputs(" — ", p->f);
	html(p->f, cli_doc_str(item, "owner_name") != NULL &&
	    cli_doc_str(item, "owner_name")[0] != '\0' ?
	    cli_doc_str(item, "owner_name") : "un GEM du réseau");
	fputs(" — ", p->f);
	html(p->f, price[0] != '\0' ? price : "prix non précisé");
	fputs("</p>", p->f);
	badges(p, fields, cancelled);
	seats(p, item);
	fputs("</div>", p->f);
}

/* One event in the easy-to-read edition: one idea per line. */
static void
event_easy(struct page *p, const json_t *item, const json_t *fields,
    const char *start, const char *end, bool cancelled)
{
	const char *audience = field(fields, "audience");
	const char *owner = cli_doc_str(item, "owner_name");
	char h[32];

	fputs("<div class=\"what\"><h3>", p->f);
	html(p->f, field(fields, "title"));
	fputs("</h3>", p->f);
	if (cancelled)
		fputs("<p><strong>Attention : cette activité est annulée."
		    "</strong></p>", p->f);
	hour(start, true, h, sizeof(h));
	fprintf(p->f, "<p class=\"when\">Début : %s.</p>", h);
	if (end[0] != '\0') {
		hour(end, true, h, sizeof(h));
		fprintf(p->f, "<p>Fin : %s.</p>", h);
	}
	fputs("<p>Activité : ", p->f);
	html(p->f, word(fields, "kind"));
	fputs(".</p>", p->f);
	if (field(fields, "place")[0] != '\0') {
		fputs("<p>Lieu : ", p->f);
		html(p->f, field(fields, "place"));
		fputs(".</p>", p->f);
	}
	fputs("<p>Organisé par : ", p->f);
	html(p->f, owner != NULL && owner[0] != '\0' ? owner :
	    "un GEM du réseau");
	fputs(".</p><p>Prix : ", p->f);
	html(p->f, field(fields, "price")[0] != '\0' ? field(fields, "price") :
	    "demandez au GEM");
	fputs(".</p>", p->f);
	if (strcmp(field(fields, "companion"), "yes") == 0)
		fputs("<p>Vous pouvez venir avec une personne de votre "
		    "choix.</p>", p->f);
	else if (strcmp(field(fields, "companion"), "no") == 0)
		fputs("<p>Les accompagnants ne viennent pas à cette "
		    "activité.</p>", p->f);
	if (strcmp(audience, "public") == 0)
		fputs("<p>Tout le monde peut venir.</p>", p->f);
	else if (strcmp(audience, "families") == 0)
		fputs("<p>Pour les adhérents et leurs familles.</p>", p->f);
	else if (strcmp(audience, "members") == 0)
		fputs("<p>Seulement pour les adhérents du GEM.</p>", p->f);
	if (strcmp(field(fields, "easy_read"), "yes") == 0)
		fputs("<p>Les textes de cette activité sont faciles à "
		    "lire.</p>", p->f);
	seats(p, item);
	fputs("</div>", p->f);
}

/* One row of the list: a new day opens a section with its heading. */
static void
event_row(struct page *p, const json_t *item)
{
	const json_t *fields = json_object_get(item, "fields");
	char start[32], end[32] = "", date[11], edate[11], day[80];
	const char *id = cli_doc_str(item, "id");

	local(cli_doc_str(fields, "start"), p->tz, start, date);
	if (field(fields, "end")[0] != '\0')
		local(field(fields, "end"), p->tz, end, edate);
	if (strcmp(date, p->day) != 0) {
		if (p->day[0] != '\0')
			fputs("</ul></section>\n", p->f);
		snprintf(p->day, sizeof(p->day), "%s", date);
		cli_out_day_fr(start, day, sizeof(day));
		fprintf(p->f, "<section aria-labelledby=\"d%s\">"
		    "<h2 id=\"d%s\">", date, date);
		html(p->f, day);
		fputs("</h2><ul class=\"events\">\n", p->f);
	}
	fputs("<li class=\"event\" data-start=\"", p->f);
	html(p->f, start);
	fputs("\" data-id=\"", p->f);
	html(p->f, id);
	fputs("\">", p->f);
	if (p->easy)
		event_easy(p, item, fields, start, end,
		    strcmp(field(fields, "cancelled"), "yes") == 0);
	else
		event_compact(p, item, fields, start, end,
		    strcmp(field(fields, "cancelled"), "yes") == 0);
	fputs("</li>\n", p->f);
	p->shown++;
}

/* Is the row shown: not deleted, and members-only only when asked (else
 * counted in p->left_out). */
static bool
shown(struct page *p, const json_t *item, bool members)
{
	const json_t *fields = json_object_get(item, "fields");

	if (json_is_true(json_object_get(item, "deleted")) ||
	    json_is_true(json_object_get(item, "corrupt")) || fields == NULL)
		return false;
	if (members || strcmp(field(fields, "audience"), "members") != 0)
		return true;
	p->left_out++;
	return false;
}

/*
 * Writes the page for the rows of items into buf (malloc'd, *len bytes).
 * first and last are the window's days as RFC 3339 (local midnight).
 * Returns how many events it shows, or -1 when out of memory; *left_out
 * is how many members-only dates it left out.
 */
static long
page_write(const json_t *items, const struct prog_args *a, const char *tz,
    const char *first, const char *last, char **buf, size_t *len,
    long *left_out)
{
	struct page p = { NULL, tz, a->easy, "", 0, 0 };
	char d1[80], d2[80];
	const json_t *item;
	size_t i;

	if ((p.f = open_memstream(buf, len)) == NULL)
		return -1;
	cli_out_day_fr(first, d1, sizeof(d1));
	cli_out_day_fr(last, d2, sizeof(d2));
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>", p.f);
	fprintf(p.f, "Programme du %s au %s</title>\n<style>", d1, d2);
	fputs(css, p.f);
	if (a->easy)
		fputs(css_easy, p.f);
	fputs("</style>\n</head>\n<body>\n<header>\n", p.f);
	fprintf(p.f, a->easy ? "<h1>Le programme des activités</h1>\n"
	    "<p>Du %s au %s.</p>\n" : "<h1>Programme des GEM</h1>\n"
	    "<p>Du %s au %s</p>\n", d1, d2);
	fputs("</header>\n<main>\n", p.f);
	json_array_foreach(items, i, item)
		if (shown(&p, item, a->members))
			event_row(&p, item);
	if (p.day[0] != '\0')
		fputs("</ul></section>\n", p.f);
	else
		fprintf(p.f, "<p class=\"empty\">Aucune activité prévue %s.</p>\n",
		    a->month ? "ce mois-ci" : "cette semaine");
	fputs("</main>\n<footer>\n<p>", p.f);
	fputs(a->easy ? "Pour ajouter ces activités à votre agenda : "
	    "<a href=\"programme.ics\">le calendrier</a>." :
	    "Calendrier à ajouter à votre agenda : "
	    "<a href=\"programme.ics\">programme.ics</a>", p.f);
	fputs("</p>\n</footer>\n</body>\n</html>\n", p.f);
	if (fclose(p.f) != 0)
		return -1;
	*left_out = p.left_out;
	return p.shown;
}

/* fr: document end */

/* ---- the command ---- */

/* Creates dir when missing. 0, or 2 after saying why. */
static int
make_dir(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0755) == 0 || (errno == EEXIST && stat(dir, &sb) == 0 &&
	    S_ISDIR(sb.st_mode)))
		return 0;
	cli_err(_("cannot create the folder %s: %s; give with -o a "
	    "folder you may write in"), dir, strerror(errno));
	return CLI_EXIT_USAGE;
}

/* Writes dir/name whole. */
static int
write_in(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = NULL;
	int ret;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return cli_nomem();
	ret = cli_write_file(path, data, len);
	free(path);
	return ret;
}

static void
say_done(const struct prog_args *a, long shown, long left_out,
    const char *first, const char *last)
{
	char d1[80], d2[80], *abs;

	cli_out_day_fr(first, d1, sizeof(d1));
	cli_out_day_fr(last, d2, sizeof(d2));
	printf(ngettext("Programme from %s to %s written: %ld activity.\n",
	    "Programme from %s to %s written: %ld activities.\n",
	    (unsigned long)shown), d1, d2, shown);
	if (left_out > 0)
		printf(ngettext("%ld members-only activity left out "
		    "(--members for a programme posted at the GEM).\n",
		    "%ld members-only activities left out "
		    "(--members for a programme posted at the GEM).\n",
		    (unsigned long)left_out), left_out);
	abs = realpath(a->dir, NULL);
	printf(_("To open in a browser (and to print): file://%s/"
	    "index.html\nCalendar to publish: %s/programme.ics\n"),
	    abs != NULL ? abs : a->dir, abs != NULL ? abs : a->dir);
	free(abs);
}

/* The parameters of both requests: the window and the filters. */
static int
request_params(struct prog_args *a, struct cli_kv *kv, char first[64],
    char last[64])
{
	char today[11], d1[11], d2[11];
	int rc;

	rc = cli_day(a->cli, a->cmd, "from", a->from != NULL ? a->from :
	    "aujourd'hui", today); /* fr: value */
	if (rc != 0)
		return rc;
	window(today, a->month, d1, d2);
	rc = cli_date(a->cli, a->cmd, "from", d1, GS_FRDATE_NO_RANGE, first,
	    64);
	if (rc == 0)
		rc = cli_date(a->cli, a->cmd, "from", d2, GS_FRDATE_NO_RANGE |
		    GS_FRDATE_END_OF_DAY, last, 64);
	if (rc != 0)
		return rc;
	if (cli_kv_set(kv, "from", first) < 0 || cli_kv_set(kv, "to", last) < 0 ||
	    (a->kind != NULL && cli_kv_set(kv, "kind", a->kind) < 0))
		return cli_nomem();
	return 0;
}

int
cli_cmd_programme(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct prog_args a = { cli, cmd, false, false, false, NULL, NULL, NULL };
	struct cli_kv list = { 0 }, cal = { 0 };
	char first[64], last[64], *page = NULL, *ics = NULL;
	long long events = 0, ics_left_out = 0;
	long left_out = 0;
	const json_t *items;
	json_t *root = NULL;
	size_t len = 0;
	long shown;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, programme_opts, on_prog_opt, &a, argc,
	    argv, NULL, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (a.dir == NULL) {
		ret = cli_usage(cmd, _("give the folder to write the "
		    "programme in with -o DIR"));
		goto out;
	}
	ret = request_params(&a, &cal, first, last);
	if (ret != 0)
		goto out;
	ret = CLI_EXIT_USAGE;
	if (cli_kv_set(&list, "type", "event") < 0 ||
	    cli_kv_set(&list, "from", first) < 0 ||
	    cli_kv_set(&list, "to", last) < 0 ||
	    (a.kind != NULL && cli_kv_set(&list, "kind", a.kind) < 0) ||
	    (a.members && cli_kv_set(&cal, "members", "1") < 0)) {
		ret = cli_nomem();
		goto out;
	}
	/* the page is built from the document: --json does not apply */
	cli->json = 0;
	ret = cli_doc_array(cli, "item.list", &list, "items", &root, &items);
	if (ret != CLI_EXIT_OK)
		goto out;
	ret = cli_export_fetch(cli, &cal, &ics, &events, &ics_left_out);
	if (ret != CLI_EXIT_OK)
		goto out;
	shown = page_write(items, &a, cli_site_timezone(cli), first, last,
	    &page, &len, &left_out);
	if (shown < 0) {
		ret = cli_nomem();
		goto out;
	}
	ret = make_dir(a.dir);
	if (ret == 0)
		ret = write_in(a.dir, "index.html", page, len);
	if (ret == 0)
		ret = write_in(a.dir, "programme.ics", ics, strlen(ics));
	if (ret == 0)
		say_done(&a, shown, left_out, first, last);
out:
	free(page);
	free(ics);
	json_decref(root);
	cli_kv_clear(&list);
	cli_kv_clear(&cal);
	return ret;
}
