/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main.c: entry point of gemsync, the admin CLI. It parses the global
 * options (with opts.c's parser), finds the command in the table of
 * {words, handler, help} (as wireguard-tools' wg does) and runs its
 * handler, which returns the exit code. The configuration is read
 * lazily (cli_config) so that --help works without one and so that -c
 * may also follow the command.
 */
#include "gemsync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "text.h"

#define CLI_DEFAULT_TIMEOUT 30
/* Where the help of options starts: after "  " and the widest head. */
#define OPT_WIDTH 18
#define GLOBAL_WIDTH 20

/* whole literals in N_(): xgettext does not expand macros */
#define EDIT_NOTES \
	N_("Only the given fields are changed.\n" \
	"ITEM is the item's ID, or a unique prefix of at least\n" \
	"6 hexadecimal digits.\n")

#define ITEM_ARG \
	N_("ITEM is the item's ID, or a unique prefix of at least\n" \
	"6 hexadecimal digits.\n")

#define BACKUP_NOTES \
	N_("The file holds the database (contents encrypted by the storage\n" \
	"key). Without --with-keys, also keep a copy of site.key and of the\n" \
	"storage key: restoring needs them. With --with-keys, they are in\n" \
	"the file, encrypted by the passphrase read from F (or\n" \
	"$GEMSYNC_BACKUP_PASSPHRASE, or asked at the keyboard).\n")

#define RESTORE_NOTES \
	N_("Runs gemsyncd --restore. Then, when it starts, the site catches\n" \
	"up from its neighbour sites the changes it made after the backup\n" \
	"and refuses writes until then (\"catching up\").\n")

static const struct cli_cmd commands[] = {
	{ { "init", NULL, NULL }, cli_cmd_init,
	  N_("creates the site's identity and database (runs gemsyncd --init)"),
	  N_("[--passphrase-file FILE]"), NULL },
	{ { "id", NULL, NULL }, cli_cmd_id,
	  N_("shows the site's ID"), "[--words]", NULL },
	{ { "status", NULL, NULL }, cli_cmd_status,
	  N_("shows the state of gemsyncd (the default command)"), NULL, NULL },
	{ { "event", "add", NULL }, cli_cmd_event_add,
	  N_("adds an event"), "--title T --kind K --start S [OPTIONS]",
	  NULL },
	{ { "event", "list", NULL }, cli_cmd_event_list,
	  N_("lists the coming events"),
	  "[--from DATE] [--to DATE] [--kind K] [--all]", NULL },
	{ { "event", "show", NULL }, cli_cmd_event_show,
	  N_("shows an event"), N_("ITEM"), ITEM_ARG },
	{ { "event", "edit", NULL }, cli_cmd_event_edit,
	  N_("edits an event"), N_("ITEM [OPTIONS]"),
	  EDIT_NOTES },
	{ { "event", "cancel", NULL }, cli_cmd_event_cancel,
	  N_("cancels an event (it stays visible, marked cancelled)"),
	  N_("ITEM"),
	  ITEM_ARG },
	{ { "event", "delete", NULL }, cli_cmd_event_delete,
	  N_("deletes an event"), N_("ITEM"), ITEM_ARG },
	{ { "event", "reserve", NULL }, cli_cmd_event_reserve,
	  N_("reserves seats for this site (0 cancels the reservation)"),
	  N_("EVENT [--date YYYY-MM-DD] --seats N [--force] [--note TEXT]"),
	  N_("EVENT is an event ID or a unique prefix of at least 6\n"
	      "hexadecimal characters. When it is full, the request waits\n"
	      "its turn (\"waiting (2nd)\"): requests are served in the\n"
	      "order they were made, on every site. Only numbers of seats\n"
	      "travel, never names.\n") },
	{ { "resource", "add", NULL }, cli_cmd_resource_add,
	  N_("adds a resource to the directory"), "--name N --kind K [OPTIONS]",
	  NULL },
	{ { "resource", "list", NULL }, cli_cmd_resource_list,
	  N_("lists the resources of the directory"),
	  N_("[--kind K] [--town T] [--search TEXT] [--all] [--stale]"), NULL },
	{ { "resource", "show", NULL }, cli_cmd_resource_show,
	  N_("shows a resource"), N_("ITEM"), ITEM_ARG },
	{ { "resource", "edit", NULL }, cli_cmd_resource_edit,
	  N_("edits a resource"), N_("ITEM [OPTIONS]"),
	  EDIT_NOTES },
	{ { "resource", "delete", NULL }, cli_cmd_resource_delete,
	  N_("deletes a resource"), N_("ITEM"), ITEM_ARG },
	{ { "resource", "confirm", NULL }, cli_cmd_resource_confirm,
	  N_("records that this site checked the entry today"),
	  N_("RESOURCE"),
	  N_("RESOURCE is a resource ID or a unique prefix of at least 6\n"
	  "hexadecimal characters. Any site may check any entry; every\n"
	  "site shows the last check (\"checked on 12/11/2026 by\n"
	  "GEM L'Envol\"), and resource list --stale lists the entries\n"
	  "nobody has checked for 6 months.\n") },
	{ { "export", "resources", NULL }, cli_cmd_resource_export,
	  N_("writes the directory to a file (spreadsheet or HSDS 3.0)"),
	  N_("(--csv FILE | --hsds -o DIR)"),
	  N_("--csv writes a single file that LibreOffice or Excel open as\n"
	  "is (UTF-8, \";\"). --hsds writes the tables of the HSDS 3.0\n"
	  "standard (organizations.csv, services.csv, locations.csv...) and\n"
	  "their datapackage.json, with the date of the last check\n"
	  "(assured_date).\n") },
	{ { "import", "resources", NULL }, cli_cmd_resource_import,
	  N_("adds or updates resources from a file"),
	  N_("FILE|DIR [--partial]"),
	  N_("FILE is a CSV like the one of export resources --csv (the\n"
	  "first line names the columns); DIR an HSDS package.\n"
	  "Each line follows the rules of resource add; the refused lines\n"
	  "are named (\"line 12: ...\") and nothing is imported unless\n"
	  "--partial is given. A line already imported changes nothing:\n"
	  "importing the same file again does nothing, an updated list\n"
	  "changes only what changed.\n") },
	{ { "conflicts", "list", NULL }, cli_cmd_conflicts_list,
	  N_("lists the items in conflict"), NULL, NULL },
	{ { "conflicts", "show", NULL }, cli_cmd_conflicts_show,
	  N_("shows the competing values of an item"), N_("ITEM"),
	  ITEM_ARG },
	{ { "conflicts", "resolve", NULL }, cli_cmd_conflicts_resolve,
	  N_("settles a conflict"),
	  N_("ITEM (--take CHANGE | --set FIELD=VALUE ...)"),
	  N_("Give either --take or --set. The conflicting fields not named\n"
	  "keep the value chosen.\n"
	  "ITEM is the item's ID, or a unique prefix of at least\n"
	  "6 hexadecimal digits.\n") },
	{ { "peer", "add", NULL }, cli_cmd_peer_add,
	  N_("adds a neighbour site (and trusts it)"),
	  N_("SITE-ID tcp://HOST:PORT [--name NAME] [--introducer]"),
	  N_("SITE-ID is the full ID that \"gemsync id\" shows on\n"
	      "the other site.\n") },
	{ { "peer", "list", NULL }, cli_cmd_peer_list,
	  N_("lists the neighbour sites and the state of the sync"), NULL,
	  NULL },
	{ { "peer", "remove", NULL }, cli_cmd_peer_remove,
	  N_("removes a neighbour site"), "SITE-ID", NULL },
	{ { "site", "list", NULL }, cli_cmd_site_list,
	  N_("lists the known sites and the trust given"), NULL,
	  N_("EQUIVOCAL! marks a site that signed two incompatible versions of\n"
	  "one change: its key is copied or stolen; gemsync status says what\n"
	  "to do.\n") },
	{ { "site", "trust", NULL }, cli_cmd_site_trust,
	  N_("trusts a site"), "SITE-ID", NULL },
	{ { "site", "block", NULL }, cli_cmd_site_block,
	  N_("blocks a site (its changes are refused)"), "SITE-ID",
	  NULL },
	{ { "site", "pending", NULL }, cli_cmd_site_pending,
	  N_("lists the sites waiting for your decision"), NULL, NULL },
	{ { "site", "status", NULL }, cli_cmd_site_status,
	  N_("tells how far a site has received your changes"), "SITE-ID",
	  N_("Answers for any site the network knows, direct neighbour or\n"
	  "not, from what the sites tell each other (not a proof: a site\n"
	  "can lie about the others).\n") },
	{ { "sync", NULL, NULL }, cli_cmd_sync,
	  N_("starts a sync now"),
	  "[--peer SITE-ID | --force-end-catchup]", NULL },
	{ { "site", "revoke", NULL }, cli_cmd_site_revoke,
	  N_("revokes the key of a site this site introduced"),
	  N_("SITE-ID [--reason TEXT]"),
	  N_("The revocation is signed and reaches every neighbour site: those\n"
	  "that trust the site through this one refuse its new changes;\n"
	  "the old ones stay, marked.\n") },
	{ { "key", "revoke", NULL }, cli_cmd_key_revoke,
	  N_("revokes this site's key (stolen or lost key)"),
	  N_("--yes [--reason TEXT]"),
	  N_("Final: every site then refuses what this key signs. To go\n"
	  "on, create a new site (gemsync init).\n") },
	{ { "export", "ics", NULL }, cli_cmd_export_ics,
	  N_("writes the calendar of the events (iCalendar, .ics)"),
	  N_("[--from DATE] [--to DATE] [--site SITE-ID...] [--kind K] "
	  "[--members] [-o FILE]"),
	  N_("The events for members only are left out without --members:\n"
	  "a published calendar must not show them.\n") },
	{ { "programme", NULL, NULL }, cli_cmd_programme,
	  N_("writes the programme to print or to put online"),
	  N_("[--week | --month] [--from DATE] [--easy-read] [--members] "
	  "-o DIR"),
	  N_("Writes DIR/index.html (a standalone page, without script) and\n"
	  "DIR/programme.ics. A week fits on one A4 page.\n") },
	{ { "backup", NULL, NULL }, cli_cmd_backup,
	  N_("backs the site up to a file, without stopping gemsyncd"),
	  N_("FILE [--with-keys --passphrase-file F]"), BACKUP_NOTES },
	{ { "restore", NULL, NULL }, cli_cmd_restore,
	  N_("restores the site from a backup (gemsyncd stopped)"),
	  N_("FILE [--passphrase-file F] [--force]"), RESTORE_NOTES },
	{ { "invite", "list", NULL }, cli_cmd_invite_list,
	  N_("lists this site's invitations"), NULL, NULL },
	{ { "invite", "revoke", NULL }, cli_cmd_invite_revoke,
	  N_("cancels an invitation"), N_("ID|NAME"), NULL },
	{ { "invite", NULL, NULL }, cli_cmd_invite,
	  N_("creates an invitation: one line to paste on the other site"),
	  N_("[--name NAME] [--expires 7d] [--uses 1] [--qr]"),
	  N_("On the other site, \"gemsync join LINE\" adds this site as a "
	  "neighbour;\nthis site accepts it at its first connection: "
	  "nothing else to do.\n") },
	{ { "join", NULL, NULL }, cli_cmd_join,
	  N_("joins the site that made the invitation"),
	  N_("INVITATION [--name NAME]"),
	  N_("INVITATION is the GS1-... line that \"gemsync invite\" "
	  "showed.\n") },
	{ { "key", "rotate", NULL }, cli_cmd_key_rotate,
	  N_("replaces this site's key by a new one"),
	  "",
	  N_("The old key signs a link to the new one, which signs it too.\n"
	  "The neighbour sites follow by themselves: same name, same trust,\n"
	  "this site's items stay editable. gemsyncd restarts by itself\n"
	  "with the new key as soon as the neighbours have the link.\n") },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const exit_codes =
	N_("Exit codes:\n"
	    "  0  success\n"
	    "  1  refused by gemsyncd\n"
	    "  2  usage or configuration error\n"
	    "  3  gemsyncd is not running, does not answer or cannot be "
	    "reached\n"
	    "  4  item not found\n"
	    "  5  invalid input (a field breaks a rule)\n");

static void
cmd_name(const struct cli_cmd *cmd, char *out, size_t outlen)
{
	out[0] = '\0';
	for (int i = 0; i < 3 && cmd->words[i] != NULL; i++) {
		if (i > 0)
			strncat(out, " ", outlen - strlen(out) - 1);
		strncat(out, cmd->words[i], outlen - strlen(out) - 1);
	}
}

static void
print_main_help(void)
{
	char name[64];

	fputs(_("Usage: gemsync [-c FILE] [--json] COMMAND [ARGUMENTS]\n"
	    "\n"
	    "Runs the local gemsync site by talking to gemsyncd on its\n"
	    "control socket. Without a command: gemsync status.\n"
	    "\n"
	    "Commands:\n"), stdout);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		cmd_name(&commands[i], name, sizeof(name));
		printf("  %-17s %s\n", name, _(commands[i].help));
	}
	fputs(_("\n"
	    "Options:\n"), stdout);
	cli_opts_help(cli_global_opts, GLOBAL_WIDTH);
	fputs(_("Help on a command: gemsync COMMAND --help\n"
	    "\n"
	    "Environment:\n"
	    "  GEMSYNC_CONF     configuration file\n"
	    "  GEMSYNC_TIMEOUT  how long to wait for gemsyncd, in seconds "
	    "(30)\n"
	    "  LANGUAGE         language of the messages (fr by default, "
	    "en)\n"
	    "\n"),
	    stdout);
	fputs(_(exit_codes), stdout);
}

static void
print_group_help(FILE *fp, const char *group)
{
	char name[64];

	fprintf(fp, _("Usage: gemsync [-c FILE] [--json] %s COMMAND "
	    "[ARGUMENTS]\n"
	    "\n"
	    "Commands:\n"), group);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].words[0], group) != 0)
			continue;
		cmd_name(&commands[i], name, sizeof(name));
		fprintf(fp, "  %-17s %s\n", name, _(commands[i].help));
	}
	fprintf(fp, _("\n"
	    "Help on a command: gemsync %s COMMAND --help\n"
	    "\n"),
	    group);
	fputs(_(exit_codes), fp);
}

void
cli_help(const struct cli_cmd *cmd, const struct cli_opt *specs)
{
	char name[64];

	if (cmd == NULL) {
		print_main_help();
		return;
	}
	cmd_name(cmd, name, sizeof(name));
	printf(_("Usage: gemsync [-c FILE] [--json] %s%s%s\n"
	    "\n"), name,
	    cmd->usage != NULL && cmd->usage[0] != '\0' ? " " : "",
	    cmd->usage != NULL && cmd->usage[0] != '\0' ? _(cmd->usage) : "");
	printf(_("Purpose: %s.\n"), _(cmd->help));
	if ((specs != NULL && specs->name != NULL) || cmd->notes != NULL)
		putchar('\n');
	cli_opts_help(specs, OPT_WIDTH);
	if (cmd->notes != NULL)
		fputs(_(cmd->notes), stdout);
	fputs(_("\n"
	    "Common options:\n"), stdout);
	cli_opts_help(cli_global_opts, GLOBAL_WIDTH);
	printf("\n%s", _(exit_codes));
}

/*
 * Prints "gemsync: MSG" on stderr, the whole message through gs_sanitize:
 * whatever of the user's input (an argument, an environment variable, a
 * path) it quotes is printed inert, by the same rule as a peer's text.
 */
static void
verr(const char *fmt, va_list ap)
{
	char *msg = NULL, *clean;
	int n;

	n = vasprintf(&msg, fmt, ap);
	if (n < 0) {
		fputs(_("gemsync: out of memory\n"), stderr);
		return;
	}
	clean = cli_out_clean(msg);
	fprintf(stderr, "gemsync: %s\n", clean != NULL ? clean : "?");
	free(clean);
	free(msg);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

int
cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	char name[64] = "";
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	if (cmd != NULL) {
		cmd_name(cmd, name, sizeof(name));
		fprintf(stderr, _("Help: gemsync %s --help\n"), name);
	} else {
		fputs(_("Help: gemsync --help\n"), stderr);
	}
	return CLI_EXIT_USAGE;
}

static int
parse_timeout(struct cli_ctx *cli)
{
	const char *s = getenv("GEMSYNC_TIMEOUT");
	char *end = NULL;
	double d;

	cli->timeout_ms = CLI_DEFAULT_TIMEOUT * 1000;
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(d > 0) || d > 86400) {
		cli_err(_("GEMSYNC_TIMEOUT must be a number of seconds "
		    "between 0 and 86400, not '%s'"), s);
		return -1;
	}
	cli->timeout_ms = (int)(d * 1000);
	if (cli->timeout_ms < 1)
		cli->timeout_ms = 1;
	return 0;
}

int
cli_config(struct cli_ctx *cli)
{
	char err[512];
	int ret = CLI_EXIT_USAGE;
	int rc;

	if (cli->cfg != NULL)
		return CLI_EXIT_OK;
	if (parse_timeout(cli) < 0)
		goto out;
	/*
	 * Leniently: a mistake in a setting the CLI does not use must not
	 * lock the admin out of the CLI (status, peer list) while fixing it.
	 */
	rc = gs_config_load_lenient(cli->conf_path, &cli->cfg, err,
	    sizeof(err));
	/* The default file is optional: without it, the defaults apply. */
	if (rc == GS_ENOTFOUND && !cli->conf_explicit)
		rc = gs_config_load_lenient(NULL, &cli->cfg, err, sizeof(err));
	if (rc == GS_ENOTFOUND || rc == GS_EIO) {
		cli_err(_("cannot read the configuration %s"), err);
		goto out;
	}
	if (rc != 0) {
		cli_err(_("configuration: %s"),
		    err[0] != '\0' ? err : gs_strerror(rc));
		goto out;
	}
	if (err[0] != '\0')
		cli_err(_("warning, the configuration has an error that "
		    "gemsyncd will refuse at its next start: %s (check with "
		    "gemsyncd -n)"), err);
	cli->data_dir = cli->cfg->data_dir;
	cli->control = cli->cfg->control;
	ret = CLI_EXIT_OK;
out:
	return ret;
}

static int
is_help(const char *s)
{
	return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0;
}

static const struct cli_cmd *
find_cmd(const char *w0, const char *w1)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].words[0], w0) != 0)
			continue;
		if (commands[i].words[1] == NULL)
			return &commands[i];
		if (w1 != NULL && strcmp(commands[i].words[1], w1) == 0)
			return &commands[i];
	}
	return NULL;
}

static int
is_group(const char *w0)
{
	/* a word that is also a command alone (invite) is not a group */
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].words[0], w0) == 0 &&
		    commands[i].words[1] == NULL)
			return 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].words[0], w0) == 0 &&
		    commands[i].words[1] != NULL)
			return 1;
	return 0;
}

/*
 * Says a command is unknown, echoed sanitized, and proposes the closest
 * one (a typo of the group, or of the command in a known group). w1 is
 * the second word when w0 is a known group, else NULL. Returns 2.
 */
static int
unknown_cmd(const char *w0, const char *w1)
{
	const char *cands[NCOMMANDS], *near;
	char *c0 = cli_out_clean_cut(w0, 40), *c1 = NULL;
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *w = w1 != NULL ? commands[i].words[1] :
		    commands[i].words[0];
		if (w1 != NULL && strcmp(commands[i].words[0], w0) != 0)
			continue;
		if (w != NULL && (n == 0 || strcmp(cands[n - 1], w) != 0))
			cands[n++] = w;
	}
	near = cli_closest(w1 != NULL ? w1 : w0, cands, n);
	if (w1 != NULL)
		c1 = cli_out_clean_cut(w1, 40);
	if (w1 != NULL && near != NULL)
		ret = cli_usage(NULL, _("unknown command '%s %s': did you "
		    "mean '%s %s'?"), c0 ? c0 : "?",
		    c1 ? c1 : "?", w0, near);
	else if (w1 != NULL)
		ret = cli_usage(NULL, _("unknown command '%s %s'"),
		    c0 ? c0 : "?", c1 ? c1 : "?");
	else if (near != NULL)
		ret = cli_usage(NULL, _("unknown command '%s': did you mean "
		    "'%s'?"), c0 ? c0 : "?", near);
	else
		ret = cli_usage(NULL, _("unknown command '%s'"),
		    c0 ? c0 : "?");
	free(c0);
	free(c1);
	return ret;
}

int
main(int argc, char **argv)
{
	struct cli_ctx cli = { 0 };
	const struct cli_cmd *cmd;
	char *status_argv[] = { NULL };
	int ret = CLI_EXIT_USAGE;
	int i = 0, nwords, rc;

	/* once, before any output: widths in cells need a UTF-8 LC_CTYPE */
	(void)gs_text_locale_init();
	cli_i18n_init();
	cli.conf_path = getenv("GEMSYNC_CONF");
	cli.conf_explicit = cli.conf_path != NULL && cli.conf_path[0] != '\0';
	if (!cli.conf_explicit)
		cli.conf_path = CLI_DEFAULT_CONF;

	/* Global options, before the command. */
	rc = cli_opts_global(&cli, argc - 1, argv + 1, &i);
	if (cli_opts_stop(rc, &ret))
		goto out;
	i++;		/* argv[0] */

	if (i >= argc) {
		ret = cli_cmd_status(&cli, find_cmd("status", NULL), 0,
		    status_argv);
		goto out;
	}
	if (is_group(argv[i])) {
		if (i + 1 >= argc) {
			fprintf(stderr, _("gemsync: %s: the command is "
			    "missing\n"
			    "\n"), argv[i]);
			print_group_help(stderr, argv[i]);
			goto out;
		}
		if (is_help(argv[i + 1])) {
			print_group_help(stdout, argv[i]);
			ret = CLI_EXIT_OK;
			goto out;
		}
	}
	cmd = find_cmd(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
	if (cmd == NULL) {
		ret = unknown_cmd(argv[i], is_group(argv[i]) ? argv[i + 1] :
		    NULL);
		goto out;
	}
	nwords = cmd->words[1] != NULL ? 2 : 1;
	i += nwords;
	ret = cmd->fn(&cli, cmd, argc - i, argv + i);
out:
	gs_config_destroy(&cli.cfg);
	return ret;
}
