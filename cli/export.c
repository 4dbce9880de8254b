/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * export.c: `gemsync export ics`, the calendar feed of the network's
 * events as gemsyncd writes it (export.ics, docs/control.md), saved to a
 * file or printed; and the two helpers `gemsync programme` shares with
 * it: fetching a calendar and writing a file whole (a reader never sees
 * half of one).
 */
#include "gemsync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frdate.h"

enum { OPT_FROM, OPT_TO, OPT_SITE, OPT_KIND, OPT_MEMBERS, OPT_OUT };

static const struct cli_opt export_opts[] = {
	{ "from", "DATE", OPT_FROM, N_("from this day (20/12, lundi, "
	  "2026-12-20...);\ntoday by default"), 0 },
	{ "to", "DATE", OPT_TO, N_("up to this day included; two years "
	  "later by default"), 0 },
	{ "site", "SITE-ID", OPT_SITE, N_("only the events this site "
	  "hosts\nor co-hosts (repeatable)"), 0 },
	{ "kind", "K", OPT_KIND, N_("only this kind of event (atelier, "
	  "sortie...)"), 0 },
	{ "members", NULL, OPT_MEMBERS, N_("also the events for members "
	  "only\n(not for a public calendar)"), 0 },
	{ "output", N_("FILE"), OPT_OUT, N_("writes the calendar to this file "
	  "(otherwise\nto the standard output)"), 'o' },
	{ NULL, NULL, 0, NULL, 0 },
};

struct export_args {
	struct cli_ctx *cli;
	const struct cli_cmd *cmd;
	struct cli_kv params;
	const char *out;          /* -o FILE, lent from argv, or NULL */
};

static int
on_export_opt(void *arg, int id, const char *name, const char *value)
{
	struct export_args *a = arg;
	char date[64];
	int rc;

	switch (id) {
	case OPT_OUT:
		a->out = value;
		return 0;
	case OPT_FROM:
	case OPT_TO:
		rc = cli_date(a->cli, a->cmd, name, value, GS_FRDATE_NO_RANGE |
		    (id == OPT_TO ? GS_FRDATE_END_OF_DAY : 0), date,
		    sizeof(date));
		if (rc != 0)
			return rc;
		value = date;
		break;
	case OPT_MEMBERS:
		value = "1";
		break;
	default:
		break;
	}
	if ((id == OPT_SITE ? cli_kv_add(&a->params, name, value) :
	    cli_kv_set(&a->params, name, value)) < 0)
		return cli_nomem();
	return 0;
}

int
cli_export_fetch(struct cli_ctx *cli, const struct cli_kv *params,
    char **ics, long long *events, long long *left_out)
{
	char *json = NULL, *cal = NULL;
	json_t *root = NULL;
	size_t len = 0;
	int ret;

	*ics = NULL;
	ret = cli_call_body(cli, "export.ics", params, 0, &json, &cal, &len);
	if (ret != CLI_EXIT_OK)
		goto out;
	ret = cli_doc_parse(json, &root);
	if (ret != CLI_EXIT_OK)
		goto out;
	/* the calendar is text: no NUL inside, and as long as announced */
	if (cal == NULL || strlen(cal) != len ||
	    cli_doc_int(root, "bytes", -1) != (long long)len) {
		ret = cli_baddoc();
		goto out;
	}
	*events = cli_doc_int(root, "events", 0);
	*left_out = cli_doc_int(root, "members_left_out", 0);
	*ics = cal;
	cal = NULL;
out:
	json_decref(root);
	free(json);
	free(cal);
	return ret;
}

int
cli_write_file(const char *path, const char *data, size_t len)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int ret = CLI_EXIT_USAGE;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		return cli_nomem();
	}
	f = fopen(tmp, "w");
	if (f == NULL || fwrite(data, 1, len, f) != len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		cli_err(_("cannot write %s: %s; check that the folder "
		    "exists and that you may write in it"), path,
		    strerror(errno));
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		f = NULL;
		cli_err(_("cannot write %s: %s; check that the folder "
		    "exists and that you may write in it"), path,
		    strerror(errno));
		goto out;
	}
	f = NULL;
	ret = CLI_EXIT_OK;
out:
	if (f != NULL)
		fclose(f);
	if (ret != CLI_EXIT_OK)
		unlink(tmp);
	free(tmp);
	return ret;
}

/* What a facilitator reads after an export to a file. */
static void
say_written(const char *path, long long events, long long left_out)
{
	printf(ngettext("Calendar written to %s: %lld event.\n",
	    "Calendar written to %s: %lld events.\n",
	    (unsigned long)events), path, events);
	if (left_out > 0)
		printf(ngettext("%lld members-only event left out "
		    "(--members to include it, not in a public calendar).\n",
		    "%lld members-only events left out (--members to include "
		    "them, not in a public calendar).\n",
		    (unsigned long)left_out), left_out);
}

int
cli_cmd_export_ics(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct export_args a = { cli, cmd, { 0 }, NULL };
	long long events = 0, left_out = 0;
	json_t *root = NULL;      /* stays NULL: --json prints the document */
	char *ics = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_args(cli, cmd, export_opts, on_export_opt, &a, argc,
	    argv, NULL, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (cli->json && a.out == NULL) {
		/* what the calendar holds; -o still writes it */
		ret = cli_doc(cli, "export.ics", &a.params, &root);
		goto out;
	}
	ret = cli_export_fetch(cli, &a.params, &ics, &events, &left_out);
	if (ret != CLI_EXIT_OK)
		goto out;
	if (a.out == NULL) {
		fputs(ics, stdout);
		goto out;
	}
	ret = cli_write_file(a.out, ics, strlen(ics));
	if (ret == CLI_EXIT_OK && cli->json)
		printf("{\"events\":%lld,\"members_left_out\":%lld}\n", events,
		    left_out);
	else if (ret == CLI_EXIT_OK)
		say_written(a.out, events, left_out);
out:
	json_decref(root);
	free(ics);
	cli_kv_clear(&a.params);
	return ret;
}
