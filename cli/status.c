/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * status.c: `gemsync status` (also plain `gemsync`): the daemon's status
 * object (docs/control.md) as a short French block, or as sent with
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
		snprintf(buf, sizeof(buf), "%lld j %lld h %lld min", s / 86400,
		    s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, sizeof(buf), "%lld h %lld min", s / 3600,
		    s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, sizeof(buf), "%lld min %lld s", s / 60, s % 60);
	else
		snprintf(buf, sizeof(buf), "%lld s", s);
	line("En marche depuis", buf);
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

/*
 * Prints "title :" then one line per event of arr: title, short ID and
 * the count member key with its unit. Nothing when arr is empty.
 */
static void
events_block(const char *title, const json_t *arr, const char *key,
    const char *unit)
{
	const json_t *e;
	char shortid[9];
	char *t, *d;
	size_t i;

	if (json_array_size(arr) == 0)
		return;
	printf("\n%s :\n", title);
	json_array_foreach(arr, i, e) {
		t = cli_out_clean_cut(cli_doc_str(e, "title"), 60);
		d = cli_out_clean_cut(cli_doc_str(e, "date"), 10);
		short_item(cli_doc_str(e, "id"), shortid);
		printf("  « %s » (%s)%s%s : %lld %s\n", t != NULL ? t : "?",
		    shortid, d != NULL && d[0] != '\0' ? " le " : "",
		    d != NULL ? d : "", num(e, key) < 0 ? 0 : num(e, key),
		    unit);
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
	char *t, *d, *id;
	long long n, pos;
	size_t i;

	if (json_array_size(arr) == 0)
		return;
	printf("\nVos demandes de places :\n");
	json_array_foreach(arr, i, e) {
		t = cli_out_clean_cut(cli_doc_str(e, "title"), 60);
		d = cli_out_clean_cut(cli_doc_str(e, "date"), 10);
		id = cli_out_clean_cut(cli_doc_str(e, "id"), 32);
		short_item(cli_doc_str(e, "id"), shortid);
		state = cli_doc_str(e, "state");
		n = num(e, "seats") < 0 ? 0 : num(e, "seats");
		pos = num(e, "position");
		printf("  « %s » (%s)%s%s : ", t != NULL ? t : "?", shortid,
		    d != NULL && d[0] != '\0' ? " le " : "", d != NULL ? d : "");
		if (state != NULL && strcmp(state, "available") == 0)
			printf("place disponible : confirmez avec gemsync event "
			    "reserve %s%s%s --seats %lld\n", id != NULL ? id :
			    shortid, d != NULL && d[0] != '\0' ? " --date " : "",
			    d != NULL ? d : "", n);
		else
			printf("%lld place%s en attente (%lld%s)\n", n,
			    n > 1 ? "s" : "", pos, pos == 1 ? "re" : "e");
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
		printf("\nÀ faire :\n");
	json_array_foreach(probs, i, p) {
		m = cli_out_clean(cli_doc_str(p, "message"));
		t = cli_out_clean(cli_doc_str(p, "todo"));
		printf("- %s%s%s.\n", m != NULL ? m : "?",
		    t != NULL ? " : " : "", t != NULL ? t : "");
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
		    name != NULL && name[0] ? name : "sans nom", shortid);
		line("Site", buf);
	}
	if (sid != NULL)
		line("Identifiant", sid);
	if (cli_doc_str(st, "version") != NULL)
		line("Version", cli_doc_str(st, "version"));
	if (cli_doc_str(st, "data_dir") != NULL)
		line("Données", cli_doc_str(st, "data_dir"));
	if (cli_doc_str(st, "listen") != NULL)
		line("Écoute", cli_doc_str(st, "listen"));
	uptime(st);
	if (json_is_object(items)) {
		snprintf(buf, sizeof(buf), "%lld événement(s), %lld "
		    "ressource(s), %lld site(s), %lld réservation(s)",
		    num(items, "event") < 0 ? 0 : num(items, "event"),
		    num(items, "resource") < 0 ? 0 : num(items, "resource"),
		    num(items, "site") < 0 ? 0 : num(items, "site"),
		    num(items, "reservation") < 0 ? 0 :
		    num(items, "reservation"));
		line("Éléments", buf);
	}
	line_num("Modifications", st, "changes");
	line_num("Conflits", st, "conflicts");
	line_num("Équivocations", st, "equivocations");
	line_num("Corrompues", st, "corrupt");
	if (num(st, "peers") >= 0) {
		snprintf(buf, sizeof(buf), "%lld connecté(s) sur %lld",
		    num(st, "peers_connected") < 0 ? 0 :
		    num(st, "peers_connected"), num(st, "peers"));
		line("Sites voisins", buf);
	}
	if (cli_doc_str(st, "sync") != NULL)
		line("Synchro", cli_doc_str(st, "sync"));
	line_num("Sites en attente", st, "pending_sites");
	line_num("Tours de synchro", st, "rounds");
	line_num("Refusées", st, "refused");
	if (num(st, "bytes_sent") >= 0 || num(st, "bytes_received") >= 0) {
		snprintf(buf, sizeof(buf), "%lld envoyés, %lld reçus",
		    num(st, "bytes_sent") < 0 ? 0 : num(st, "bytes_sent"),
		    num(st, "bytes_received") < 0 ? 0 :
		    num(st, "bytes_received"));
		line("Octets", buf);
	}
	events_block("Événements surréservés", json_object_get(st,
	    "overbooked"), "by", "place(s) de trop");
	events_block("Listes d'attente de vos événements",
	    json_object_get(st, "waiting_lists"),
	    "waiting", "place(s) en attente");
	requests_block(json_object_get(st, "my_requests"));
	events_block("Annulés alors que vous avez des places",
	    json_object_get(st, "cancelled_with_seats"), "seats",
	    "place(s) réservée(s) par ce site");
	if (json_object_get(st, "problems") != NULL)
		return;   /* said above, with what to do */
	if (num(st, "conflicts") > 0)
		puts("\nDes éléments sont en conflit : voyez-les avec "
		    "gemsync conflicts list.");
	if (num(st, "pending_sites") > 0)
		puts("\nDes sites attendent votre décision : gemsync site "
		    "pending.");
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
