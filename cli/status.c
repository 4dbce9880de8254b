/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * status.c: `gemsync status` (also plain `gemsync`): the daemon's status
 * object (docs/control.md) as a short block (French by default,
 * docs/internals/i18n.md), or as sent with
 * --json. Missing members are skipped, so an older or newer daemon still
 * gives a readable answer.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "siteid.h"

#define LABEL_W 18       /* "Sites en attente:" and a space */

static void
line(const char *label, const char *value)
{
	char *clean = cli_out_clean(value);

	printf("%s:", label);
	for (size_t w = cli_out_width(label) + 1; w < LABEL_W; w++)
		fputc(' ', stdout);
	printf("%s\n", clean != NULL ? clean : "?");
	free(clean);
}

/* The integer member key of obj, or -1 when absent. */
static long long
num(const json_t *obj, const char *key)
{
	return cli_doc_int(obj, key, -1);
}

static void
line_num(const char *label, const json_t *obj, const char *key)
{
	char buf[32];

	if (num(obj, key) < 0)
		return;
	snprintf(buf, sizeof(buf), "%lld", num(obj, key));
	line(label, buf);
}

static void
uptime(const json_t *st)
{
	long long s = num(st, "uptime_s");
	char buf[64];

	if (s < 0)
		return;
	if (s >= 86400)
		snprintf(buf, sizeof(buf), _("%lld d %lld h %lld min"), s / 86400,
		    s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, sizeof(buf), _("%lld h %lld min"), s / 3600,
		    s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, sizeof(buf), _("%lld min %lld s"), s / 60, s % 60);
	else
		snprintf(buf, sizeof(buf), _("%lld s"), s);
	line(_("Running for"), buf);
}

/* The first 8 hex digits of an item ID (anything else is dropped). */
static void
short_item(const char *id, char out[9])
{
	size_t n = 0;

	for (; id != NULL && *id != '\0' && n < 8; id++)
		if (strchr("0123456789abcdef", *id) != NULL)
			out[n++] = *id;
	if (n == 0)
		out[n++] = '?';
	out[n] = '\0';
}

/* What the count of an events_block counts. */
enum seats_unit { UNIT_TOO_MANY, UNIT_WAITING, UNIT_HELD };

static const char *
unit_text(enum seats_unit u, long long n)
{
	unsigned long c = n > 0 ? (unsigned long)n : 0;

	switch (u) {
	case UNIT_TOO_MANY:
		return ngettext("seat too many", "seats too many", c);
	case UNIT_WAITING:
		return ngettext("seat waiting", "seats waiting", c);
	case UNIT_HELD:
	default:
		return ngettext("seat reserved by this site",
		    "seats reserved by this site", c);
	}
}

/*
 * Prints "title:" then one line per event of arr: title, short ID and
 * the count member key with its unit. Nothing when arr is empty.
 */
static void
events_block(const char *title, const json_t *arr, const char *key,
    enum seats_unit unit)
{
	long long n;
	const json_t *e;
	char shortid[9];
	char *t, *d;
	size_t i;

	if (json_array_size(arr) == 0)
		return;
	printf(_("\n%s:\n"), title);
	json_array_foreach(arr, i, e) {
		t = cli_out_clean_cut(cli_doc_str(e, "title"), 60);
		d = cli_out_clean_cut(cli_doc_str(e, "date"), 10);
		short_item(cli_doc_str(e, "id"), shortid);
		n = num(e, key) < 0 ? 0 : num(e, key);
		printf(_("  \"%s\" (%s)%s%s: %lld %s\n"), t != NULL ? t : "?",
		    shortid, d != NULL && d[0] != '\0' ? _(" on ") : "",
		    d != NULL ? d : "", n, unit_text(unit, n));
		free(t);
		free(d);
	}
}

/* This site's requests that wait, or that are offered a seat. */
static void
requests_block(const json_t *arr)
{
	const json_t *e;
	const char *state;
	char shortid[9];
	char *t, *d, *id, ord[32];
	long long n, pos;
	size_t i;

	if (json_array_size(arr) == 0)
		return;
	printf(_("\nYour seat requests:\n"));
	json_array_foreach(arr, i, e) {
		t = cli_out_clean_cut(cli_doc_str(e, "title"), 60);
		d = cli_out_clean_cut(cli_doc_str(e, "date"), 10);
		id = cli_out_clean_cut(cli_doc_str(e, "id"), 32);
		short_item(cli_doc_str(e, "id"), shortid);
		state = cli_doc_str(e, "state");
		n = num(e, "seats") < 0 ? 0 : num(e, "seats");
		pos = num(e, "position");
		printf(_("  \"%s\" (%s)%s%s: "), t != NULL ? t : "?", shortid,
		    d != NULL && d[0] != '\0' ? _(" on ") : "",
		    d != NULL ? d : "");
		if (state != NULL && strcmp(state, "available") == 0)
			printf(_("seat available: confirm with gemsync event "
			    "reserve %s%s%s --seats %lld\n"), id != NULL ? id :
			    shortid, d != NULL && d[0] != '\0' ? " --date " : "",
			    d != NULL ? d : "", n);
		else {
			/* TRANSLATORS: a place in a waiting list (French:
			 * 1re, 2e) */
			snprintf(ord, sizeof(ord), ngettext("#%lld", "#%lld",
			    (unsigned long)pos), pos);
			printf(ngettext("%lld seat waiting (%s)\n",
			    "%lld seats waiting (%s)\n",
			    (unsigned long)n), n, ord);
		}
		free(t);
		free(d);
		free(id);
	}
}

/*
 * The first line (what is wrong, or how in sync this site is), then each
 * problem with what to do, then a blank line. Nothing from a daemon that
 * sends no headline.
 */
static void
headline(const json_t *st)
{
	const json_t *probs = json_object_get(st, "problems"), *p;
	char *h = cli_out_clean(cli_doc_str(st, "headline")), *m, *t;
	size_t i;

	if (h == NULL)
		return;
	printf("%s\n", h);
	free(h);
	if (json_array_size(probs) > 0)
		printf(_("\nTo do:\n"));
	json_array_foreach(probs, i, p) {
		m = cli_out_clean(cli_doc_str(p, "message"));
		t = cli_out_clean(cli_doc_str(p, "todo"));
		if (t != NULL)
			printf(_("- %s: %s.\n"), m != NULL ? m : "?", t);
		else
			printf("- %s.\n", m != NULL ? m : "?");
		free(m);
		free(t);
	}
	fputc('\n', stdout);
}

static void
print_status(const json_t *st)
{
	const json_t *items = json_object_get(st, "items");
	const char *name = cli_doc_str(st, "name");
	const char *sid = cli_doc_str(st, "site_id");
	char shortid[GS_SITEID_SHORT], buf[256];

	headline(st);
	if (name != NULL || sid != NULL) {
		cli_out_short_id(sid != NULL ? sid : "?", shortid);
		snprintf(buf, sizeof(buf), "%.120s (%s)",
		    name != NULL && name[0] ? name : _("unnamed"), shortid);
		line(P_("status", "Site"), buf);
	}
	if (sid != NULL)
		line(P_("status", "ID"), sid);
	if (cli_doc_str(st, "version") != NULL)
		line(P_("status", "Version"), cli_doc_str(st, "version"));
	if (cli_doc_str(st, "data_dir") != NULL)
		line(P_("status", "Data"), cli_doc_str(st, "data_dir"));
	if (cli_doc_str(st, "listen") != NULL)
		line(P_("status", "Listening"), cli_doc_str(st, "listen"));
	uptime(st);
	if (json_is_object(items)) {
		snprintf(buf, sizeof(buf), _("%lld event(s), %lld "
		    "resource(s), %lld site(s), %lld reservation(s)"),
		    num(items, "event") < 0 ? 0 : num(items, "event"),
		    num(items, "resource") < 0 ? 0 : num(items, "resource"),
		    num(items, "site") < 0 ? 0 : num(items, "site"),
		    num(items, "reservation") < 0 ? 0 :
		    num(items, "reservation"));
		line(P_("status", "Items"), buf);
	}
	line_num(P_("status", "Changes"), st, "changes");
	line_num(P_("status", "Conflicts"), st, "conflicts");
	line_num(P_("status", "Equivocations"), st, "equivocations");
	line_num(P_("status", "Corrupt"), st, "corrupt");
	if (num(st, "peers") >= 0) {
		snprintf(buf, sizeof(buf), _("%lld connected out of %lld"),
		    num(st, "peers_connected") < 0 ? 0 :
		    num(st, "peers_connected"), num(st, "peers"));
		line(P_("status", "Neighbour sites"), buf);
	}
	if (cli_doc_str(st, "sync") != NULL)
		line(P_("status", "Sync"), cli_doc_str(st, "sync"));
	line_num(P_("status", "Pending sites"), st, "pending_sites");
	line_num(P_("status", "Sync rounds"), st, "rounds");
	line_num(P_("status", "Refused"), st, "refused");
	if (num(st, "bytes_sent") >= 0 || num(st, "bytes_received") >= 0) {
		snprintf(buf, sizeof(buf), _("%lld sent, %lld received"),
		    num(st, "bytes_sent") < 0 ? 0 : num(st, "bytes_sent"),
		    num(st, "bytes_received") < 0 ? 0 :
		    num(st, "bytes_received"));
		line(P_("status", "Bytes"), buf);
	}
	events_block(_("Overbooked events"), json_object_get(st,
	    "overbooked"), "by", UNIT_TOO_MANY);
	events_block(_("Waiting lists of your events"),
	    json_object_get(st, "waiting_lists"),
	    "waiting", UNIT_WAITING);
	requests_block(json_object_get(st, "my_requests"));
	events_block(_("Cancelled while you hold seats"),
	    json_object_get(st, "cancelled_with_seats"), "seats",
	    UNIT_HELD);
	if (json_object_get(st, "problems") != NULL)
		return;   /* said above, with what to do */
	if (num(st, "conflicts") > 0)
		puts(_("\nSome items are in conflict: see them with "
		    "gemsync conflicts list."));
	if (num(st, "pending_sites") > 0)
		puts(_("\nSites are waiting for your decision: gemsync site "
		    "pending."));
}

int
cli_cmd_status(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	json_t *doc = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_none(cli, cmd, argc, argv);
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, "status", NULL, &doc);
	if (ret == CLI_EXIT_OK && doc != NULL)
		print_status(doc);
out:
	json_decref(doc);
	return ret;
}
