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

#define EDIT_NOTES \
	"Seuls les champs donnés sont modifiés.\n" ITEM_ARG

#define ITEM_ARG \
	"ITEM est l'identifiant de l'élément, ou un préfixe unique d'au moins\n" \
	"6 chiffres hexadécimaux.\n"

static const struct cli_cmd commands[] = {
	{ { "init", NULL, NULL }, cli_cmd_init,
	  "crée l'identité et la base du site (lance gemsyncd --init)",
	  "[--passphrase-file FICHIER]", NULL },
	{ { "id", NULL, NULL }, cli_cmd_id,
	  "affiche l'identifiant du site", NULL, NULL },
	{ { "status", NULL, NULL }, cli_cmd_status,
	  "affiche l'état de gemsyncd (commande par défaut)", NULL, NULL },
	{ { "event", "add", NULL }, cli_cmd_event_add,
	  "ajoute un événement", "--title T --kind K --start S [OPTIONS]",
	  NULL },
	{ { "event", "list", NULL }, cli_cmd_event_list,
	  "liste les événements à venir",
	  "[--from DATE] [--to DATE] [--kind K] [--all]", NULL },
	{ { "event", "show", NULL }, cli_cmd_event_show,
	  "affiche un événement", "ITEM", ITEM_ARG },
	{ { "event", "edit", NULL }, cli_cmd_event_edit,
	  "modifie un événement", "ITEM [OPTIONS]",
	  EDIT_NOTES },
	{ { "event", "cancel", NULL }, cli_cmd_event_cancel,
	  "annule un événement (il reste visible, marqué annulé)", "ITEM",
	  ITEM_ARG },
	{ { "event", "delete", NULL }, cli_cmd_event_delete,
	  "supprime un événement", "ITEM", ITEM_ARG },
	{ { "event", "reserve", NULL }, cli_cmd_event_reserve,
	  "réserve des places pour ce site (0 annule la réservation)",
	  "EVENT [--date AAAA-MM-JJ] --seats N [--force] [--note TEXTE]",
	  "EVENT est un ID d'événement ou un préfixe unique d'au moins 6\n"
	  "caractères hexadécimaux. Quand c'est complet, la demande attend\n"
	  "son tour (« en attente (2e) ») : les demandes sont servies dans\n"
	  "l'ordre où elles ont été faites, sur tous les sites. Seuls des\n"
	  "nombres de places circulent, jamais de noms.\n" },
	{ { "resource", "add", NULL }, cli_cmd_resource_add,
	  "ajoute une ressource à l'annuaire", "--name N --kind K [OPTIONS]",
	  NULL },
	{ { "resource", "list", NULL }, cli_cmd_resource_list,
	  "liste les ressources de l'annuaire",
	  "[--kind K] [--town T] [--search TEXTE] [--all] [--stale]", NULL },
	{ { "resource", "show", NULL }, cli_cmd_resource_show,
	  "affiche une ressource", "ITEM", ITEM_ARG },
	{ { "resource", "edit", NULL }, cli_cmd_resource_edit,
	  "modifie une ressource", "ITEM [OPTIONS]",
	  EDIT_NOTES },
	{ { "resource", "delete", NULL }, cli_cmd_resource_delete,
	  "supprime une ressource", "ITEM", ITEM_ARG },
	{ { "resource", "confirm", NULL }, cli_cmd_resource_confirm,
	  "note que ce site a vérifié la fiche aujourd'hui", "RESOURCE",
	  "RESOURCE est un ID de ressource ou un préfixe unique d'au moins 6\n"
	  "caractères hexadécimaux. Chaque site peut vérifier toute fiche ;\n"
	  "tous les sites affichent la dernière vérification (« vérifié le\n"
	  "12/11/2026 par GEM L'Envol »), et resource list --stale liste\n"
	  "les fiches que personne n'a vérifiées depuis 6 mois.\n" },
	{ { "export", "resources", NULL }, cli_cmd_resource_export,
	  "écrit l'annuaire dans un fichier (tableur ou HSDS 3.0)",
	  "(--csv FICHIER | --hsds -o DOSSIER)",
	  "--csv écrit un seul fichier que LibreOffice ou Excel ouvrent tel\n"
	  "quel (UTF-8, « ; »). --hsds écrit les tables du standard HSDS 3.0\n"
	  "(organizations.csv, services.csv, locations.csv...) et leur\n"
	  "datapackage.json, avec la date de dernière vérification\n"
	  "(assured_date).\n" },
	{ { "import", "resources", NULL }, cli_cmd_resource_import,
	  "ajoute ou met à jour des ressources depuis un fichier",
	  "FICHIER|DOSSIER [--partial]",
	  "FICHIER est un CSV comme celui d'export resources --csv (la\n"
	  "première ligne nomme les colonnes) ; DOSSIER un paquet HSDS.\n"
	  "Chaque ligne suit les règles de resource add ; les lignes\n"
	  "refusées sont nommées (« ligne 12 : ... ») et rien n'est importé\n"
	  "sauf avec --partial. Une ligne déjà importée ne change rien :\n"
	  "réimporter le même fichier ne fait rien, une liste mise à jour\n"
	  "modifie seulement ce qui a changé.\n" },
	{ { "conflicts", "list", NULL }, cli_cmd_conflicts_list,
	  "liste les éléments en conflit", NULL, NULL },
	{ { "conflicts", "show", NULL }, cli_cmd_conflicts_show,
	  "montre les valeurs en concurrence d'un élément", "ITEM",
	  ITEM_ARG },
	{ { "conflicts", "resolve", NULL }, cli_cmd_conflicts_resolve,
	  "tranche un conflit",
	  "ITEM (--take CHANGEMENT | --set CHAMP=VALEUR ...)",
	  "Donnez soit --take, soit --set. Les champs en conflit non nommés\n"
	  "gardent la valeur retenue.\n" ITEM_ARG },
	{ { "peer", "add", NULL }, cli_cmd_peer_add,
	  "ajoute un pair (et lui fait confiance)",
	  "SITE-ID tcp://HÔTE:PORT [--name NOM] [--introducer]",
	  "SITE-ID est l'identifiant complet que « gemsync id » affiche sur\n"
	  "l'autre site.\n" },
	{ { "peer", "list", NULL }, cli_cmd_peer_list,
	  "liste les pairs et l'état de la synchronisation", NULL, NULL },
	{ { "peer", "remove", NULL }, cli_cmd_peer_remove,
	  "retire un pair", "SITE-ID", NULL },
	{ { "site", "list", NULL }, cli_cmd_site_list,
	  "liste les sites connus et la confiance accordée", NULL, NULL },
	{ { "site", "trust", NULL }, cli_cmd_site_trust,
	  "fait confiance à un site", "SITE-ID", NULL },
	{ { "site", "block", NULL }, cli_cmd_site_block,
	  "bloque un site (ses modifications sont refusées)", "SITE-ID",
	  NULL },
	{ { "site", "pending", NULL }, cli_cmd_site_pending,
	  "liste les sites qui attendent votre décision", NULL, NULL },
	{ { "sync", NULL, NULL }, cli_cmd_sync,
	  "lance une synchronisation maintenant", "[--peer SITE-ID]", NULL },
	{ { "site", "revoke", NULL }, cli_cmd_site_revoke,
	  "révoque la clé d'un site que ce site a présenté",
	  "SITE-ID [--reason TEXTE]",
	  "La révocation est signée et gagne tous les sites voisins : ceux\n"
	  "qui font confiance au site par ce site-ci refusent ses nouvelles\n"
	  "modifications ; les anciennes restent, marquées.\n" },
	{ { "key", "revoke", NULL }, cli_cmd_key_revoke,
	  "révoque la clé de ce site (clé volée ou perdue)",
	  "--yes [--reason TEXTE]",
	  "Définitif : tous les sites refusent ensuite ce que cette clé\n"
	  "signe. Pour continuer, créez un nouveau site (gemsync init).\n" },
	{ { "key", "rotate", NULL }, cli_cmd_key_rotate,
	  "remplace la clé de ce site par une nouvelle",
	  "",
	  "L'ancienne clé signe un lien vers la nouvelle, qui le signe aussi.\n"
	  "Les sites voisins suivent d'eux-mêmes : même nom, même confiance,\n"
	  "les éléments de ce site restent modifiables. gemsyncd redémarre\n"
	  "seul avec la nouvelle clé dès que les voisins ont reçu le lien.\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes[] =
	"Codes de sortie :\n"
	"  0  succès\n"
	"  1  refusé par gemsyncd\n"
	"  2  erreur d'utilisation ou de configuration\n"
	"  3  gemsyncd ne tourne pas ou ne répond pas\n"
	"  4  élément introuvable\n"
	"  5  saisie invalide (un champ enfreint une règle)\n";

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

	fputs("Usage : gemsync [-c FICHIER] [--json] COMMANDE [ARGUMENTS]\n\n"
	    "Administre le site gemsync local en parlant à gemsyncd sur son\n"
	    "socket de contrôle. Sans commande : gemsync status.\n\n"
	    "Commandes :\n", stdout);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		cmd_name(&commands[i], name, sizeof(name));
		printf("  %-17s %s\n", name, commands[i].help);
	}
	fputs("\nOptions :\n", stdout);
	cli_opts_help(cli_global_opts, GLOBAL_WIDTH);
	fputs("Aide d'une commande : gemsync COMMANDE --help\n"
	    "\nEnvironnement :\n"
	    "  GEMSYNC_CONF     fichier de configuration\n"
	    "  GEMSYNC_TIMEOUT  délai d'attente de gemsyncd en secondes (30)\n\n",
	    stdout);
	fputs(exit_codes, stdout);
}

static void
print_group_help(FILE *fp, const char *group)
{
	char name[64];

	fprintf(fp, "Usage : gemsync [-c FICHIER] [--json] %s COMMANDE "
	    "[ARGUMENTS]\n\nCommandes :\n", group);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].words[0], group) != 0)
			continue;
		cmd_name(&commands[i], name, sizeof(name));
		fprintf(fp, "  %-17s %s\n", name, commands[i].help);
	}
	fprintf(fp, "\nAide d'une commande : gemsync %s COMMANDE --help\n\n",
	    group);
	fputs(exit_codes, fp);
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
	printf("Usage : gemsync [-c FICHIER] [--json] %s%s%s\n\n", name,
	    cmd->usage != NULL ? " " : "",
	    cmd->usage != NULL ? cmd->usage : "");
	printf("Rôle : %s.\n", cmd->help);
	if ((specs != NULL && specs->name != NULL) || cmd->notes != NULL)
		putchar('\n');
	cli_opts_help(specs, OPT_WIDTH);
	if (cmd->notes != NULL)
		fputs(cmd->notes, stdout);
	fputs("\nOptions communes :\n", stdout);
	cli_opts_help(cli_global_opts, GLOBAL_WIDTH);
	printf("\n%s", exit_codes);
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
		fputs("gemsync: mémoire insuffisante\n", stderr);
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
		fprintf(stderr, "Aide : gemsync %s --help\n", name);
	} else {
		fputs("Aide : gemsync --help\n", stderr);
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
		cli_err("GEMSYNC_TIMEOUT doit être un nombre de secondes "
		    "entre 0 et 86400, pas « %s »", s);
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
		cli_err("impossible de lire la configuration %s", err);
		goto out;
	}
	if (rc != 0) {
		cli_err("configuration : %s",
		    err[0] != '\0' ? err : gs_strerror(rc));
		goto out;
	}
	if (err[0] != '\0')
		cli_err("attention, la configuration a une erreur que "
		    "gemsyncd refusera au prochain démarrage : %s (vérifiez "
		    "avec gemsyncd -n)", err);
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
		ret = cli_usage(NULL, "commande inconnue « %s %s » : "
		    "vouliez-vous dire « %s %s » ?", c0 ? c0 : "?",
		    c1 ? c1 : "?", w0, near);
	else if (w1 != NULL)
		ret = cli_usage(NULL, "commande inconnue « %s %s »",
		    c0 ? c0 : "?", c1 ? c1 : "?");
	else if (near != NULL)
		ret = cli_usage(NULL, "commande inconnue « %s » : "
		    "vouliez-vous dire « %s » ?", c0 ? c0 : "?", near);
	else
		ret = cli_usage(NULL, "commande inconnue « %s »",
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
			fprintf(stderr, "gemsync: %s : il manque la "
			    "commande\n\n", argv[i]);
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
