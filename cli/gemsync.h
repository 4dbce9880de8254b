/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gemsync.h: what the files of the admin CLI share. main.c parses the
 * global options and the configuration, then dispatches through the
 * command table to one handler per command; each command group lives in
 * its own file (init.c, status.c, event.c, resource.c, with the item logic
 * common to events and resources in item.c). ctl.c is the only file that
 * talks to gemsyncd (one gs.Request, one gs.Response on the control
 * socket), and doc.c reads the JSON documents it answers with; out.c
 * renders daemon text for humans; opts.c parses options.
 * Handlers return the process exit code (enum cli_exit).
 */
#ifndef CLI_GEMSYNC_H
#define CLI_GEMSYNC_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <libintl.h>

/*
 * Messages a person reads: _("English") at the call, N_("English") in a
 * static table (then _() where it is printed); po/fr.po has the French
 * (docs/internals/i18n.md).
 */
#define CLI_TEXTDOMAIN "gemsync"
#define _(s) gettext(s)
#define N_(s) (s)
/* The same English in two French forms: P_("resource", " (deleted)") */
#define P_(ctx, s) cli_pgettext(ctx "\004" s, s)
const char *cli_pgettext(const char *ctx_msgid, const char *msgid);

/* Exit codes: documented in `gemsync --help` and docs/cli.md. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_REFUSED = 1,      /* REFUSED or BAD_VERSION from the daemon */
	CLI_EXIT_USAGE = 2,        /* bad command line or configuration */
	CLI_EXIT_DOWN = 3,         /* daemon not running or not answering */
	CLI_EXIT_NOTFOUND = 4,     /* NOT_FOUND */
	CLI_EXIT_INVALID = 5,      /* INVALID: a field broke a rule */
};

/* The site's time zone when nothing names one (cli_site_timezone). */
#define CLI_DEFAULT_TIMEZONE "Europe/Paris"

/* The configuration file when neither -c nor GEMSYNC_CONF names one. */
#define CLI_DEFAULT_CONF "/etc/gemsync/gemsyncd.conf"

/* The resolved command line and configuration, passed to every handler. */
struct cli_ctx {
	const char *conf_path;    /* configuration file (lent from argv/env) */
	int conf_explicit;        /* given by -c or GEMSYNC_CONF: must exist */
	struct gs_config *cfg;    /* read by cli_config(), owned; NULL before */
	const char *data_dir;     /* [daemon] data_dir (lent from cfg) */
	const char *control;      /* [daemon] control endpoint (lent from cfg) */
	int json;                 /* --json: print the daemon's document */
	int timeout_ms;           /* send/receive timeout on the socket */
	int denied;               /* the socket refused this user (said) */
	const char *err_prefix;   /* NULL, or put before the daemon's
	                           * refusals (« ligne 12 : »), lent */
};

struct cli_cmd;
struct cli_opt;
struct gs_config;
typedef int (*cli_fn)(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv);

/* One row of the command table. */
struct cli_cmd {
	const char *words[3];     /* e.g. {"event", "add", NULL} */
	cli_fn fn;             /* handler; argv holds the words' arguments */
	const char *help;         /* one line, French */
	const char *usage;        /* arguments after the words, or NULL */
	const char *notes;        /* text printed after the options in
	                           * --help (what an argument is), or NULL */
};

/*
 * Picks the messages' language (French unless the locale asks otherwise)
 * and finds the catalogue (i18n.c). Once, first thing in main().
 */
void cli_i18n_init(void);
/*
 * Reads the configuration with the daemon's own module (gs_config_load,
 * so both accept and refuse the same files) and GEMSYNC_TIMEOUT, once.
 * A missing default file means the defaults. Returns 0, or 2 after
 * printing why (missing or invalid explicit file, a bad setting with its
 * line, bad timeout).
 */
int cli_config(struct cli_ctx *cli);
/*
 * Prints the --help text of cmd to stdout: usage, role, the lines of
 * specs (the options the command's parser was given, help from the
 * specs themselves), cmd's notes, then the global options and the exit
 * codes. cmd NULL prints the main help (specs unused).
 */
void cli_help(const struct cli_cmd *cmd, const struct cli_opt *specs);
/*
 * The IANA time zone dates typed on the command line are read in: the
 * site's zone, [site] timezone of the configuration (read with
 * cli_config; CLI_DEFAULT_TIMEZONE when it cannot be read). Lent.
 */
const char *cli_site_timezone(struct cli_ctx *cli);
/*
 * Reads the date text given to --opt (frdate.h: « 20/12/2026 14h »,
 * « mardi 14h », RFC 3339...) in the site's zone into out as RFC 3339.
 * flags: GS_FRDATE_* (past and far checks, end of day). Returns 0, or
 * prints why in French with the input sanitized and returns 5 (a date
 * refused) or 2 (an unknown zone).
 */
int cli_date(struct cli_ctx *cli, const struct cli_cmd *cmd, const char *opt,
    const char *text, int flags, char *out, size_t outlen);
/*
 * A day typed for --opt (« 22/12 », « mardi », 2026-12-22...) as
 * YYYY-MM-DD in the site's zone: one date of a series. Same returns as
 * cli_date().
 */
int cli_day(struct cli_ctx *cli, const struct cli_cmd *cmd, const char *opt,
    const char *text, char out[11]);
/* Prints "gemsync: MSG" on stderr, MSG sanitized whole (gs_sanitize):
 * every message that quotes the user's input goes through it. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "gemsync: MSG" (as cli_err) and a hint to --help on stderr;
 * returns 2. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growable list of name/value string pairs, both owned. */
struct cli_kv {
	struct cli_kv_pair {
		char *name;
		char *value;
	} *v;
	size_t n;
	size_t cap;
};

/* Appends a copy of name=value. 0, or -1 when out of memory. */
int cli_kv_add(struct cli_kv *kv, const char *name, const char *value);
/* Sets name to a copy of value, replacing an earlier value. 0 or -1. */
int cli_kv_set(struct cli_kv *kv, const char *name, const char *value);
/* Appends ",value" to name (or sets it when absent). 0 or -1. */
int cli_kv_join(struct cli_kv *kv, const char *name, const char *value);
/* Returns the value of name (lent) or NULL. */
const char *cli_kv_get(const struct cli_kv *kv, const char *name);
/* Frees every pair; kv is then empty and reusable. */
void cli_kv_clear(struct cli_kv *kv);

/*
 * Option parsing. Each spec names a long option (without "--"), the
 * placeholder of its value (NULL for a flag), an id the caller switches
 * on, and its help: the one description of the option, from which --help
 * is printed. "--name value" and "--name=value" are both accepted; a
 * value that starts with "--" must use the "=" form. The global options
 * (cli_global_opts: "-c"/"--config FILE", "--json", "-h"/"--help") are
 * accepted everywhere, by the same parser; "-h"/"--help" print the
 * command's help. Positional arguments are gathered in pos (up to maxpos).
 */
struct cli_opt {
	const char *name;         /* long name, without "--" */
	const char *arg;          /* value placeholder ("N"), NULL: a flag */
	int id;                   /* returned to the callback */
	const char *help;         /* French; "\n" starts a continuation line */
	char short_name;          /* 'c' for "-c", or 0 */
};
/*
 * The candidate closest to word (a typo: "evnt" for "event", "titel" for
 * "title"), or NULL when none is close enough to be a slip (one edit in a
 * word of 4 bytes or less, two in a longer one). Lent from cands.
 */
const char *cli_closest(const char *word, const char *const *cands,
    size_t n);
/* The global options, NULL-terminated. */
extern const struct cli_opt cli_global_opts[];
typedef int (*cli_opt_fn)(void *arg, int id, const char *name,
    const char *value);
/*
 * Parses the global options before the command in argv and sets *used to
 * the index of the first argument that is not one (the command). Returns
 * 0, CLI_EXIT_USAGE after printing the error, or -1 after printing the
 * main help (the caller then exits 0).
 */
int cli_opts_global(struct cli_ctx *cli, int argc, char **argv, int *used);
/* A cli_opt_fn for a command with one option: stores the option's value
 * (lent from argv) in *(const char **)arg. */
int cli_opt_store(void *arg, int id, const char *name, const char *value);
/* Prints one help line per spec, the text starting after width columns. */
void cli_opts_help(const struct cli_opt *specs, int width);
/*
 * Parses argv against specs (terminated by a NULL name). fn is called for
 * each option in order; a non-zero return stops parsing and is returned.
 * Returns 0 when done, CLI_EXIT_USAGE after printing the error, or -1 after
 * printing the help (the caller then exits 0).
 */
int cli_opts_parse(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_opt *specs,
    int argc, char **argv, cli_opt_fn fn, void *arg, char **pos, int maxpos,
    int *npos);

/*
 * cli_opts_parse, then checks that exactly want positional arguments were
 * given (into pos, room for want): otherwise prints missing as a usage
 * error (missing is unused when want is 0). Same returns as
 * cli_opts_parse: 0 to go on, CLI_EXIT_USAGE (or fn's code), or -1 after
 * printing the help.
 */
int cli_opts_args(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_opt *specs, cli_opt_fn fn, void *arg,
    int argc, char **argv, char **pos, int want, const char *missing);

/*
 * After the option parser: true when the command must stop there, with
 * *ret set to the exit code (0 once the help was printed, else rc).
 */
int cli_opts_stop(int rc, int *ret);

/*
 * Commands with no option and no argument: cli_opts_args with neither.
 * Same returns.
 */
int cli_opts_none(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv);

/*
 * Commands with no option and one argument: cli_opts_args for one
 * positional, then appends name=ARG to params. Same returns, and 1 after
 * printing "mémoire insuffisante".
 */
int cli_opts_one(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv, const char *missing, struct cli_kv *params,
    const char *name);

/* Flag for cli_call: do not print the "daemon down" message. */
#define CLI_CALL_QUIET_DOWN 1

/*
 * Sends one gs.Request (version 1) with command and params to the daemon
 * and waits for its gs.Response. On OK returns 0 and sets *json to a
 * malloc'd NUL-terminated copy of the document (owned by the caller,
 * "{}" when the daemon sent none). Otherwise prints the reason to stderr
 * (unless CLI_CALL_QUIET_DOWN hides the unreachable case) and returns the
 * exit code: 1 refused, 3 unreachable, 4 not found, 5 invalid.
 */
int cli_call(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, int flags, char **json);
/*
 * cli_call, and the reply's body (a result that is no JSON document,
 * export.ics's calendar) into *body (malloc'd with a NUL after its
 * *body_len bytes; NULL when the reply has none). body may be NULL.
 */
int cli_call_body(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, int flags, char **json, char **body,
    size_t *body_len);
/* Prints the "gemsyncd ne répond pas" message and hint on stderr. */
void cli_print_down(const struct cli_ctx *cli);

/* Reply documents (doc.c), on top of cli_call. */
/*
 * Sends command with params. With --json prints the document exactly as
 * received and leaves *root NULL; otherwise sets *root to the parsed
 * object (owned by the caller). Returns the exit code (3 when the
 * document is not a JSON object).
 */
int cli_doc(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, json_t **root);
/*
 * cli_doc, then sets *arr to the member key of the document (lent from
 * *root), which must be an array: otherwise prints why and returns 3.
 * With --json *root and *arr stay NULL.
 */
int cli_doc_array(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, const char *key, json_t **root,
    const json_t **arr);
/*
 * Parses a document received with cli_call into *root (owned by the
 * caller). Returns 0, or 3 after printing why when it is not a JSON
 * object (*root then NULL).
 */
int cli_doc_parse(const char *json, json_t **root);
/* Returns the string member key of obj, or NULL (lent). */
const char *cli_doc_str(const json_t *obj, const char *key);
/* Returns the integer member key of obj, or dflt when absent or not an
 * integer. */
long long cli_doc_int(const json_t *obj, const char *key, long long dflt);
/* Prints "mémoire insuffisante" on stderr; returns 1. */
int cli_nomem(void);
/* Prints "document JSON de gemsyncd illisible" on stderr; returns 3. */
int cli_baddoc(void);

/*
 * Output helpers (out.c). Everything that came from the daemon goes
 * through cli_out_clean() before being printed.
 */
/* Returns a malloc'd sanitized copy of s (NULL gives ""), or NULL. */
char *cli_out_clean(const char *s);
/* Writes the short form (first 7 characters) of a site ID, sanitized. */
void cli_out_short_id(const char *site, char out[8]);
/* Width of s in terminal cells (gs_text_width: wide characters 2,
 * combining marks 0). */
size_t cli_out_width(const char *s);
/* Writes s padded with spaces to width cells (no padding if last). */
void cli_out_pad(const char *s, size_t width);
/*
 * Returns a malloc'd sanitized copy of s cut to at most max terminal
 * cells, ending with "…" when cut; NULL when out of memory.
 */
char *cli_out_clean_cut(const char *s, size_t max);
/* Formats an RFC 3339 time as "YYYY-MM-DD HH:MM" as written (its own
 * offset), or copies the sanitized text when it is not one. */
void cli_out_wallclock(const char *rfc3339, char *out, size_t outlen);
/*
 * Formats an RFC 3339 time as people read it on a programme, at the wall
 * time written (its own offset): « mardi 15 décembre, 14 h », « jeudi 1er
 * janvier 2027, 9 h 30 » (the year when it is not this one). Copies the
 * sanitized text when it is not one.
 */
void cli_out_date_fr(const char *rfc3339, char *out, size_t outlen);
/* Its two halves, as programme headings and times are written: the day
 * « mardi 15 décembre » (the year when not this one) and the hour « 14 h »,
 * « 9 h 30 ». Same rules as cli_out_date_fr(). */
void cli_out_day_fr(const char *rfc3339, char *out, size_t outlen);
void cli_out_hour_fr(const char *rfc3339, char *out, size_t outlen);
/* A UTC RFC 3339 time in this computer's local time, in the house style:
 * « lundi 30 novembre, 14 h 20 » (the year when not this one). */
void cli_out_localtime(const char *rfc3339, char *out, size_t outlen);
/* The same time as a local struct tm: 0, or -1 when it is not UTC. */
int cli_out_local_tm(const char *rfc3339, struct tm *lt);
/* A day as the house style writes it: « jeudi 12 novembre » (the year
 * when not this one). */
void cli_out_day_tm(const struct tm *tm, char *out, size_t outlen);

/*
 * Cuts the first line off *p and returns it as a malloc'd copy without
 * its "\n" or "\r\n" (NULL when out of memory). *p then points after it,
 * or is NULL once the last line is taken.
 */
char *cli_out_line(const char **p);
/* Writes the integer v in decimal, or "-" when v is not an integer. */
void cli_out_int_or_dash(const json_t *v, char *out, size_t outlen);
/* Prints "what : VALUE" with the sanitized string member key of obj
 * ("?" when absent). */
void cli_out_done(const char *what, const json_t *obj, const char *key);

/* A simple table: rows of sanitized cells, printed with aligned columns. */
struct cli_table {
	size_t ncols;
	size_t nrows;             /* including the header row */
	size_t cap;
	char **cells;             /* nrows * ncols, owned */
};
#define CLI_TABLE_MAXCOLS 16
/* Starts a table with the given header (ncols strings, at most
 * CLI_TABLE_MAXCOLS, N_() msgids translated here). 0 or -1. */
int cli_table_init(struct cli_table *t, size_t ncols, const char *const *hdr);
/* Adds a row; cells are sanitized copies of the given strings. 0 or -1. */
int cli_table_row(struct cli_table *t, const char *const *cells);
/* Prints the table to stdout, columns separated by two spaces. */
void cli_table_print(const struct cli_table *t);
/* Frees the table. */
void cli_table_free(struct cli_table *t);

/* Handlers, one group per file. */
int cli_cmd_init(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_id(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_status(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_event_add(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_event_edit(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_event_show(struct cli_ctx *, const struct cli_cmd *, int, char **);
/*
 * Asks gemsyncd for the calendar feed (export.ics) with params: *ics the
 * calendar text (malloc'd, the caller's), *events its VEVENTs, *left_out
 * the members-only events left out. Returns the exit code (*ics NULL
 * unless 0).
 */
int cli_export_fetch(struct cli_ctx *cli, const struct cli_kv *params,
    char **ics, long long *events, long long *left_out);
/*
 * Writes len bytes of data to path whole: into path.tmp, synced, then
 * renamed over path. Returns 0, or 2 after saying why and what to do.
 */
int cli_write_file(const char *path, const char *data, size_t len);
int cli_cmd_export_ics(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_programme(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_event_list(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_event_cancel(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_event_delete(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_add(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_edit(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_show(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_list(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_delete(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_event_reserve(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_confirm(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_export(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_resource_import(struct cli_ctx *, const struct cli_cmd *, int,
    char **);

/*
 * The directory exchanged with files (directory.c, hsds.c; docs/
 * directory.md). An import reads its file into rows, checks them all
 * with the daemon (cli_dir_check), then writes them (cli_dir_write).
 */
#define CLI_DIR_COLS 32           /* field columns a file may carry */
/* One row of a file to import, as fields. */
struct cli_dir_row {
	size_t line;              /* where the row starts in the file */
	struct cli_kv fields;     /* field -> value, enumerations as codes */
	char *id;                 /* the gemsync ID it was exported with */
	char *key;                /* folded "name|address|town" */
	const json_t *match;      /* the resource it is, or NULL (lent) */
	struct cli_kv diff;       /* what an edit of match must change */
	char *assured;            /* HSDS assured_date, shown only */
	int bad;                  /* refused: reported, not written */
};
struct cli_dir_rows {
	struct cli_dir_row *v;
	size_t n, cap;
	const char *source;       /* NULL, or the file the lines are of
	                           * ("services.csv"), named in messages */
};
/* Appends an empty row read at line; NULL when out of memory. */
struct cli_dir_row *cli_dir_rows_add(struct cli_dir_rows *rows,
    size_t line);
/* Frees every row; rows is then empty. */
void cli_dir_rows_free(struct cli_dir_rows *rows);
/* Sets a field of the row ("id": the exported ID), an enumeration's
 * French word stored as its code. 0, or -1 when out of memory. */
int cli_dir_row_set(struct cli_dir_row *r, const char *field,
    const char *value);
/*
 * Checks every row: the daemon's rules (item.check, a bad row named by
 * its line on stderr), one row per resource, and matches each to the
 * live resource it is in items (by ID, else by key), filling its diff
 * over cols (the field columns the file carries: an empty cell clears);
 * a row that would change a resource me (this site's ID) may not edit is
 * bad. *nbad counts the bad rows. Returns 0 or an exit code (daemon down).
 */
int cli_dir_check(struct cli_ctx *cli, struct cli_dir_rows *rows,
    const char *const *cols, size_t ncols, const json_t *items,
    const char *me, size_t *nbad);
/*
 * Writes the good rows (adds, edits of what differs, nothing for a row
 * that changes nothing) and prints the counts; with bad rows and not
 * partial, writes nothing and says so (5). Returns the exit code.
 */
int cli_dir_write(struct cli_ctx *cli, const struct cli_dir_rows *rows,
    size_t nbad, int partial);
/* The live resources, as item.list answers: *root owned, *items lent. */
int cli_dir_fetch(struct cli_ctx *cli, json_t **root, const json_t **items);
/* A UTC RFC 3339 time as the local day "YYYY-MM-DD" ("" for NULL). */
void cli_dir_local_day(const char *rfc3339, char *out, size_t outlen);
/* Writes len bytes to path ("-": stdout). 0, or 1 after saying why. */
int cli_dir_write_file(const char *path, const char *text, size_t len);
/* Says that the CSV file path holds a NUL byte on line: not text. */
void cli_dir_csv_nul(const char *path, size_t line);
/* Reads path whole (16 MiB at most) into *text (malloc'd). 0 or an exit
 * code after saying why. */
int cli_dir_read_file(const char *path, char **text, size_t *len);
/* This site's ID, malloc'd, or NULL with *ret the exit code. */
char *cli_dir_me(struct cli_ctx *cli, int *ret);
/* Writes the live resources as an HSDS 3.0 package into dir (created
 * when missing). Returns the exit code. */
int cli_hsds_export(struct cli_ctx *cli, const char *dir);
/* Reads the HSDS package in dir into rows, and the field columns it
 * carries into cols (room for CLI_DIR_COLS). 0 or an exit code. */
int cli_hsds_read(const char *dir, struct cli_dir_rows *rows,
    const char **cols, size_t *ncols);

/* The label of a resource's freshness line in `resource show`. */
#define CLI_VERIFIED_LABEL "Vérification"
/*
 * Writes what a resource document says of its freshness, in French:
 * « vérifié le 12/11/2026 par GEM L'Envol » from its "verified" member,
 * or « jamais vérifié (créé le 03/04/2026) » (dates in local time,
 * names sanitized) into out (always NUL-terminated).
 */
void cli_resource_verified(const json_t *item, char *out, size_t outlen);
int cli_cmd_peer_add(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_peer_list(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_peer_remove(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_site_list(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_site_status(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_site_trust(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_site_block(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_site_pending(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_site_revoke(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_key_revoke(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_key_rotate(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_sync(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_invite(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_invite_list(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_invite_revoke(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_join(struct cli_ctx *, const struct cli_cmd *, int, char **);
/*
 * Finds gemsyncd beside the running gemsync (init.c): writes its path
 * into out and returns 0, or -1 to fall back on PATH.
 */
int cli_find_daemon(char *out, size_t outlen);
/*
 * Runs gemsyncd with args (args[0] is replaced by its path) in place of
 * this process; returns CLI_EXIT_DOWN, having said why, only if it could
 * not.
 */
int cli_exec_daemon(char **args);
int cli_cmd_backup(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_restore(struct cli_ctx *, const struct cli_cmd *, int, char **);
int cli_cmd_conflicts_list(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_conflicts_show(struct cli_ctx *, const struct cli_cmd *, int,
    char **);
int cli_cmd_conflicts_resolve(struct cli_ctx *, const struct cli_cmd *, int,
    char **);

/*
 * conflicts list, peer list, site list, site pending: no option and no
 * argument; sends command, then with --json prints the document, otherwise
 * returns print's exit code for the array member key (lent).
 */
int cli_list(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv, const char *command, const char *key,
    int (*print)(const json_t *arr));
/*
 * site trust, site block, peer remove: one SITE-ID argument sent as
 * "site" with command, then "done : SITE-ID" from the answer. Returns the
 * exit code.
 */
int cli_site_one(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv, const char *command, const char *done);
/*
 * Formats a UTC RFC 3339 time (or JSON null / absent) for a table: local
 * "YYYY-MM-DD HH:MM:SS", or "jamais" when v is not a string.
 */
void cli_out_time_or_never(const json_t *v, char *out, size_t outlen);
/* French name of an item type ("événement"...), or the sanitized-safe
 * input itself when unknown (lent; NULL gives "?"). */
const char *cli_item_type_fr(const char *type);
/* A word the daemon sends (a type, a kind, a trust) and its French. */
struct cli_word {
	const char *word;
	const char *fr;
};
/*
 * The French of word in t (ended by a NULL word), or word itself when t
 * does not have it; NULL gives "?". Lent: from t or word.
 */
const char *cli_word_fr(const struct cli_word *t, const char *word);
/*
 * Prints "Label:" padded to width + 2 columns, then the sanitized value,
 * one line per line of the value (continuation lines indented to the
 * value column), then suffix (lent, printed as is) when not NULL.
 */
void cli_out_lv(const char *label, size_t width, const char *value,
    const char *suffix);
/*
 * Prints the "seats" block of an event item object (event.c), as
 * "Label: value" lines aligned on width, and « SURRÉSERVÉ de N places »
 * when overbooked. Prints nothing when the item has no seats object.
 */
void cli_event_print_seats(const json_t *item, size_t width);
/* Widest label cli_event_print_seats may print (for the column width). */
size_t cli_event_seats_width(void);

/*
 * Item commands shared by events and resources (item.c). Each item type
 * has one table of its fields (event.c, resource.c, site.c), in the order
 * `show` prints them: the field's name, its French label, and its option
 * with the option's help. A new field is one row.
 */
struct cli_item_field {
	const char *field;        /* field name, e.g. "easy_read" */
	const char *label;        /* French label, e.g. "Facile à lire (FALC)" */
	const char *opt;          /* option, e.g. "easy-read"; NULL: none */
	const char *arg;          /* the option's value placeholder */
	const char *help;         /* the option's help line(s) */
	int join;                 /* repeatable: values joined with "," */
};
struct cli_item_kind {
	const char *type;         /* "event", "resource" or "site" */
	const struct cli_item_field *fields;   /* ended by a NULL field */
	const char *added;        /* "Événement ajouté" ... */
	const char *edited;
	const char *deleted;
	/*
	 * NULL, or called by add and edit once the options are parsed: turns
	 * the rows whose field starts with "." (options that are not fields,
	 * such as --repeat) into fields or into request parameters
	 * (params), and removes them from fields. Returns 0 or an exit code
	 * after printing why.
	 */
	int (*prepare)(struct cli_ctx *cli, const struct cli_cmd *cmd,
	    int edit, struct cli_kv *fields, struct cli_kv *params);
	const struct cli_opt *edit_opts;   /* NULL, or options of edit only,
	                                    * sent as parameters */
};
extern const struct cli_item_kind cli_event_kind;
/* `--erase` of event and resource delete (docs/cli.md). */
extern const struct cli_opt cli_delete_opts[];
extern const struct cli_item_kind cli_resource_kind;
extern const struct cli_item_kind cli_site_kind;
int cli_item_add(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, int argc, char **argv);
int cli_item_edit(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, int argc, char **argv);
/* show, delete, and (events) cancel: one ITEM argument, and the options
 * of specs (NULL: none) sent as parameters. command is the control
 * command, done the confirmation (NULL: print the item). */
int cli_item_one(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, const char *command, const char *done,
    const struct cli_opt *specs, int argc, char **argv);
/*
 * event list, resource list: sends item.list with type and every option of
 * specs (no argument) as a parameter ("1" for a flag, "search" sent as
 * "q"). With --json prints the document, otherwise calls print with the
 * "items" array and the parameters sent (both lent). Returns the exit code.
 */
int cli_item_list(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const char *type, const struct cli_opt *specs, int argc, char **argv,
    void (*print)(const json_t *items, const struct cli_kv *params));

/* French label of a field, or NULL when unknown. */
const char *cli_item_label(const char *type, const char *field);
/* French rendering of a coded value (kind, yes/no...), or NULL. */
const char *cli_item_value_fr(const char *type, const char *field,
    const char *value);

#endif
