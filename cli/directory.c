/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * directory.c: `gemsync export resources` and `gemsync import resources`,
 * the directory exchanged with files (docs/directory.md). The flat file
 * is one CSV a spreadsheet opens (UTF-8 with its mark, ";"), its columns
 * the resource fields of cli/resource.c's table under their labels
 * (translated; an import also reads the English labels and the field
 * names), the cells French (value words, dates) in every language; HSDS
 * 3.0 packages are written and read by hsds.c. An import
 * checks every row with the daemon's own rules (item.check) before it
 * writes any, names each bad row by its line, and matches each row to a
 * resource already held by a stable key, so the same file imported again
 * writes nothing.
 */
#include "gemsync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "fold.h"
#include "schema.h"
#include "siteid.h"

/* A file to import is read whole: a regional list is far below this. */
#define IMPORT_MAX (16u << 20)

/* Columns of the flat file besides the fields. */
#define COL_ID "ID"
#define COL_VERIFIED_ON N_("Checked on")
#define COL_VERIFIED_BY N_("Checked by")

/* The resource fields a file carries: all but the editors (site IDs of
 * this network, meaningless elsewhere). */
static int
exchanged(const struct cli_item_field *f)
{
	return strcmp(f->field, "editors") != 0;
}

/* ---- reading what the daemon holds ---- */

int
cli_dir_fetch(struct cli_ctx *cli, json_t **root, const json_t **items)
{
	struct cli_kv params = { 0 };
	char *json = NULL;
	int ret;

	*root = NULL;
	*items = NULL;
	if (cli_kv_add(&params, "type", "resource") < 0) {
		ret = cli_nomem();
		goto out;
	}
	ret = cli_call(cli, "item.list", &params, 0, &json);
	if (ret == CLI_EXIT_OK)
		ret = cli_doc_parse(json, root);
	if (ret == CLI_EXIT_OK) {
		*items = json_object_get(*root, "items");
		if (!json_is_array(*items))
			ret = cli_baddoc();
	}
out:
	free(json);
	cli_kv_clear(&params);
	return ret;
}

void
cli_dir_local_day(const char *rfc3339, char *out, size_t outlen)
{
	struct tm lt;

	out[0] = '\0';
	if (rfc3339 != NULL && cli_out_local_tm(rfc3339, &lt) == 0)
		strftime(out, outlen, "%Y-%m-%d", &lt);
}

/* ---- the flat file ---- */

/* The value a spreadsheet shows: an enumeration's French word. */
static const char *
shown_value(const char *field, const char *code)
{
	const char *fr = gs_schema_value_fr(GS_TYPE_RESOURCE, field, code);

	return fr != NULL ? fr : code;
}

static int
flat_header(struct gs_csv_out *o)
{
	const char *cells[32];
	size_t n = 0;

	cells[n++] = COL_ID;
	for (const struct cli_item_field *f = cli_resource_kind.fields;
	    f->field != NULL && n < 29; f++)
		if (exchanged(f))
			cells[n++] = _(f->label);
	cells[n++] = _(COL_VERIFIED_ON);
	cells[n++] = _(COL_VERIFIED_BY);
	return gs_csv_row(o, cells, n, ';');
}

static int
flat_row(struct gs_csv_out *o, const json_t *item)
{
	const json_t *fields = json_object_get(item, "fields");
	const json_t *ver = json_object_get(item, "verified");
	const char *cells[32];
	char day[16];
	size_t n = 0;

	cells[n++] = cli_doc_str(item, "id");
	for (const struct cli_item_field *f = cli_resource_kind.fields;
	    f->field != NULL && n < 29; f++)
		if (exchanged(f))
			cells[n++] = shown_value(f->field,
			    cli_doc_str(fields, f->field));
	cli_dir_local_day(cli_doc_str(ver, "date"), day, sizeof(day));
	cells[n++] = day;
	cells[n++] = cli_doc_str(ver, "by_name");
	return gs_csv_row(o, cells, n, ';');
}

/* Writes len bytes to path ("-": standard output). 0, or 1 after saying
 * why. */
int
cli_dir_write_file(const char *path, const char *text, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	int bad;

	if (f == NULL) {
		cli_err(_("cannot write %s: %s — check the folder and "
		    "its permissions"), path, strerror(errno));
		return CLI_EXIT_REFUSED;
	}
	bad = len > 0 && fwrite(text, 1, len, f) != len;
	if (f == stdout)
		bad |= fflush(f) != 0;
	else
		bad |= fclose(f) != 0;
	if (bad) {
		cli_err(_("writing %s is incomplete: %s — check the free "
		    "space on the disk"), path, strerror(errno));
		return CLI_EXIT_REFUSED;
	}
	return 0;
}

static int
export_flat(struct cli_ctx *cli, const char *path)
{
	struct gs_csv_out o = { 0 };
	const json_t *items, *item;
	json_t *root = NULL;
	size_t i;
	int ret;

	ret = cli_dir_fetch(cli, &root, &items);
	if (ret != CLI_EXIT_OK)
		goto out;
	gs_csv_raw(&o, GS_CSV_BOM);
	flat_header(&o);
	json_array_foreach(items, i, item)
		flat_row(&o, item);
	if (o.failed) {
		ret = cli_nomem();
		goto out;
	}
	ret = cli_dir_write_file(path, o.s, o.len);
	if (ret == 0 && strcmp(path, "-") != 0)
		printf(ngettext("%zu resource written to %s\n",
		    "%zu resources written to %s\n",
		    json_array_size(items)),
		    json_array_size(items), path);
out:
	gs_csv_out_clear(&o);
	json_decref(root);
	return ret;
}

/* ---- export ---- */

struct export_args {
	const char *csv;
	const char *out;
	int hsds;
};

enum { EX_CSV = 1, EX_HSDS, EX_OUT };

static const struct cli_opt export_opts[] = {
	{ "csv", N_("FILE"), EX_CSV, N_("a single CSV file for a "
	  "spreadsheet\n(UTF-8, \";\"; -: the standard output)"), 0 },
	{ "hsds", NULL, EX_HSDS, N_("an HSDS 3.0 package (CSV tables and "
	  "datapackage.json)\nin the folder of -o"), 0 },
	{ "output", N_("DIR"), EX_OUT, N_("the folder of the HSDS package "
	  "(created if missing)"), 'o' },
	{ NULL, NULL, 0, NULL, 0 },
};

static int
on_export_opt(void *arg, int id, const char *name, const char *value)
{
	struct export_args *a = arg;

	(void)name;
	if (id == EX_CSV)
		a->csv = value;
	else if (id == EX_OUT)
		a->out = value;
	else if (id == EX_HSDS)
		a->hsds = 1;
	return 0;
}

int
cli_cmd_resource_export(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct export_args a = { NULL, NULL, 0 };
	int ret, rc;

	rc = cli_opts_args(cli, cmd, export_opts, on_export_opt, &a, argc,
	    argv, NULL, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		return ret;
	if ((a.csv != NULL) == (a.hsds != 0))
		return cli_usage(cmd, _("give either --csv FILE, or --hsds "
		    "-o DIR"));
	if (a.hsds && a.out == NULL)
		return cli_usage(cmd, _("--hsds needs the folder of the package: "
		    "-o DIR"));
	if (a.csv != NULL && a.out != NULL)
		return cli_usage(cmd, _("-o goes only with --hsds; with --csv, "
		    "the file follows --csv"));
	if (a.csv != NULL)
		return export_flat(cli, a.csv);
	return cli_hsds_export(cli, a.out);
}

/* ---- import ---- */

void
cli_dir_rows_free(struct cli_dir_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++) {
		struct cli_dir_row *r = &rows->v[i];
		cli_kv_clear(&r->fields);
		cli_kv_clear(&r->diff);
		free(r->id);
		free(r->key);
		free(r->assured);
	}
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}

struct cli_dir_row *
cli_dir_rows_add(struct cli_dir_rows *rows, size_t line)
{
	struct cli_dir_row *r;

	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 64;
		struct cli_dir_row *v = realloc(rows->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		rows->v = v;
		rows->cap = cap;
	}
	r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	r->line = line;
	return r;
}

int
cli_dir_row_set(struct cli_dir_row *r, const char *field, const char *value)
{
	const char *code = value;

	if (strcmp(field, "id") == 0) {
		free(r->id);
		r->id = value[0] != '\0' ? strdup(value) : NULL;
		return value[0] != '\0' && r->id == NULL ? -1 : 0;
	}
	/* « fermé temporairement » is stored as its code; an unknown word is
	 * kept as typed, for the daemon to refuse naming the values */
	(void)gs_schema_normalize(GS_TYPE_RESOURCE, field, value, &code);
	return cli_kv_set(&r->fields, field, code);
}

/* The folded key of a resource: name|address|town. malloc'd, or NULL. */
static char *
stable_key(const char *name, const char *address, const char *town)
{
	const char *parts[3] = { name, address, town };
	size_t len = 3;
	char *k, *p;

	for (int i = 0; i < 3; i++)
		len += parts[i] != NULL ? strlen(parts[i]) : 0;
	k = malloc(len + 1);
	if (k == NULL)
		return NULL;
	p = k;
	for (int i = 0; i < 3; i++) {
		size_t n = gs_fold(parts[i] != NULL ? parts[i] : "", p,
		    len + 1 - (size_t)(p - k));
		p += n;
		if (i < 2)
			*p++ = '|';
	}
	*p = '\0';
	return k;
}

/* The column a header cell names: "id", a field, "" (shown, ignored on
 * import), or NULL when unknown. */
static const char *
column_field(const char *cell)
{
	if (gs_fold_equal(cell, COL_ID))
		return "id";
	if (gs_fold_equal(cell, _(COL_VERIFIED_ON)) ||
	    gs_fold_equal(cell, _(COL_VERIFIED_BY)) ||
	    gs_fold_equal(cell, COL_VERIFIED_ON) ||
	    gs_fold_equal(cell, COL_VERIFIED_BY))
		return "";
	for (const struct cli_item_field *f = cli_resource_kind.fields;
	    f->field != NULL; f++)
		if (exchanged(f) && (gs_fold_equal(cell, _(f->label)) ||
		    gs_fold_equal(cell, f->label) ||
		    strcmp(cell, f->field) == 0))
			return f->field;
	return NULL;
}

/* Reads the flat file's rows. 0, or an exit code after saying why. */
static int
read_flat(const char *path, const char *text, size_t len,
    struct cli_dir_rows *rows, const char **fcols, size_t *nf)
{
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };
	const char *cols[64];
	size_t ncols;
	int rc, ret = CLI_EXIT_INVALID;

	gs_csv_reader_init(&rd, text, len, 0);
	rc = gs_csv_next(&rd, &rec);
	if (rc < 0 && rd.nul) {
		cli_dir_csv_nul(path, rec.line);
		goto out;
	}
	if (rc != 1) {
		/* TRANSLATORS: FILE: what is wrong with it */
		cli_err(_("%s: %s"), path, rc == 0 ? _("empty file: the first "
		    "line must name the columns (Name;Type;...)") :
		    _("line 1 unreadable (a quote not closed?)"));
		goto out;
	}
	ncols = rec.n < 64 ? rec.n : 64;
	*nf = 0;
	for (size_t i = 0; i < ncols; i++) {
		cols[i] = column_field(rec.v[i]);
		if (cols[i] != NULL && cols[i][0] != '\0' &&
		    strcmp(cols[i], "id") != 0 && *nf < CLI_DIR_COLS)
			fcols[(*nf)++] = cols[i];
		if (cols[i] == NULL) {
			cli_err(_("%s, line 1: unknown column \"%.60s\" — the "
			    "columns are those gemsync export resources --csv "
			    "writes (ID, Name, Type, Address...)"),
			    path, rec.v[i]);
			goto out;
		}
	}
	while ((rc = gs_csv_next(&rd, &rec)) == 1) {
		struct cli_dir_row *r = cli_dir_rows_add(rows, rec.line);
		if (r == NULL) {
			ret = cli_nomem();
			goto out;
		}
		if (rec.n > ncols) {
			cli_err(_("line %zu: %zu cells for %zu columns — "
			    "one \";\" too many? Put a value that contains "
			    "one between quotes"), rec.line, rec.n, ncols);
			r->bad = 1;
			continue;
		}
		for (size_t i = 0; i < rec.n; i++)
			if (cols[i][0] != '\0' && rec.v[i][0] != '\0' &&
			    cli_dir_row_set(r, cols[i], rec.v[i]) < 0) {
				ret = cli_nomem();
				goto out;
			}
	}
	if (rc != 0 && rd.nul) {
		cli_dir_csv_nul(path, rec.line);
		goto out;
	}
	if (rc != 0) {
		cli_err(_("%s, line %zu: unreadable (a quote not closed, or "
		    "text after a closing quote); nothing was "
		    "imported"), path, rec.line);
		goto out;
	}
	ret = 0;
out:
	gs_csv_rec_clear(&rec);
	return ret;
}

/* « ligne 12 : », or « services.csv, ligne 12 : » for a package. */
static void
line_prefix(const struct cli_dir_rows *rows, const struct cli_dir_row *r,
    char *out, size_t len)
{
	if (rows->source != NULL)
		snprintf(out, len, _("%s, line %zu: "), rows->source, r->line);
	else
		snprintf(out, len, _("line %zu: "), r->line);
}

/* Sends item.check for the row; 0, or the exit code after the daemon's
 * reason (prefixed with the line). */
static int
check_row(struct cli_ctx *cli, const struct cli_dir_rows *rows,
    const struct cli_dir_row *r)
{
	struct cli_kv params = { 0 };
	char prefix[80], *f = NULL, *json = NULL;
	int ret = CLI_EXIT_OK;

	if (cli_kv_add(&params, "type", "resource") < 0)
		ret = cli_nomem();
	for (size_t i = 0; ret == 0 && i < r->fields.n; i++) {
		if (asprintf(&f, "%s=%s", r->fields.v[i].name,
		    r->fields.v[i].value) < 0 || cli_kv_add(&params, "f",
		    f) < 0)
			ret = cli_nomem();
		free(f);
		f = NULL;
	}
	if (ret == 0) {
		line_prefix(rows, r, prefix, sizeof(prefix));
		cli->err_prefix = prefix;
		ret = cli_call(cli, "item.check", &params, 0, &json);
		cli->err_prefix = NULL;
	}
	free(json);
	cli_kv_clear(&params);
	return ret;
}

/* 1 when site (text ID) may edit item: its owner or one of its editors. */
static int
may_edit(const json_t *item, const char *site)
{
	const char *owner = cli_doc_str(item, "owner");
	const char *ed = cli_doc_str(json_object_get(item, "fields"),
	    "editors");
	size_t n = strlen(site);

	if (owner != NULL && strcmp(owner, site) == 0)
		return 1;
	for (const char *p = ed; p != NULL && *p != '\0';) {
		const char *c = strchr(p, ',');
		size_t len = c != NULL ? (size_t)(c - p) : strlen(p);
		if (len == n && strncmp(p, site, n) == 0)
			return 1;
		p = c != NULL ? c + 1 : NULL;
	}
	return 0;
}

/* The live resource row r is: by its ID, else by its key. */
static const json_t *
find_match(const struct cli_dir_row *r, const json_t *items, char **keys)
{
	const json_t *item;
	size_t i;

	json_array_foreach(items, i, item) {
		const char *id = cli_doc_str(item, "id");
		if (r->id != NULL && id != NULL && strcmp(id, r->id) == 0)
			return item;
	}
	json_array_foreach(items, i, item)
		if (keys[i] != NULL && strcmp(keys[i], r->key) == 0)
			return item;
	return NULL;
}

/* What an edit of r->match must write: the file's columns that differ
 * (an empty cell clears). */
static int
fill_diff(struct cli_dir_row *r, const char *const *cols, size_t ncols)
{
	const json_t *fields = json_object_get(r->match, "fields");

	for (size_t i = 0; i < ncols; i++) {
		const char *now = cli_doc_str(fields, cols[i]);
		const char *want = cli_kv_get(&r->fields, cols[i]);
		if (strcmp(now != NULL ? now : "", want != NULL ? want : "") ==
		    0)
			continue;
		if (cli_kv_add(&r->diff, cols[i], want != NULL ? want : "") < 0)
			return -1;
	}
	return 0;
}

int
cli_dir_check(struct cli_ctx *cli, struct cli_dir_rows *rows,
    const char *const *cols, size_t ncols, const json_t *items,
    const char *me, size_t *nbad)
{
	char **keys = calloc(json_array_size(items) + 1, sizeof(*keys));
	const json_t *item;
	size_t i;
	int ret = CLI_EXIT_OK, rc;

	*nbad = 0;
	if (keys == NULL)
		return cli_nomem();
	json_array_foreach(items, i, item) {
		const json_t *f = json_object_get(item, "fields");
		keys[i] = stable_key(cli_doc_str(f, "name"),
		    cli_doc_str(f, "address"), cli_doc_str(f, "town"));
	}
	for (i = 0; i < rows->n; i++) {
		struct cli_dir_row *r = &rows->v[i];
		if (r->bad)
			goto counted;
		r->key = stable_key(cli_kv_get(&r->fields, "name"),
		    cli_kv_get(&r->fields, "address"),
		    cli_kv_get(&r->fields, "town"));
		if (r->key == NULL) {
			ret = cli_nomem();
			goto out;
		}
		rc = check_row(cli, rows, r);
		if (rc == CLI_EXIT_INVALID) {
			r->bad = 1;
			goto counted;
		}
		if (rc != CLI_EXIT_OK) {
			ret = rc;      /* the daemon is down: stop */
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (rows->v[j].bad || strcmp(rows->v[j].key, r->key) ||
			    (r->id != NULL && rows->v[j].id != NULL &&
			    strcmp(r->id, rows->v[j].id) != 0))
				continue;
			char prefix[80];
			line_prefix(rows, r, prefix, sizeof(prefix));
			cli_err(_("%ssame resource as line %zu (same name, "
			    "address and town) — keep only one"), prefix,
			    rows->v[j].line);
			r->bad = 1;
			goto counted;
		}
		r->match = find_match(r, items, keys);
		if (r->match != NULL && fill_diff(r, cols, ncols) < 0) {
			ret = cli_nomem();
			goto out;
		}
		if (r->match != NULL && r->diff.n > 0 && !may_edit(r->match,
		    me)) {
			char *owner = cli_out_clean_cut(cli_doc_str(r->match,
			    "owner_name"), 60), prefix[80];
			line_prefix(rows, r, prefix, sizeof(prefix));
			cli_err(_("%sthis resource belongs to %s: only that "
			    "site and its editors may change it; "
			    "ask it for the change, or remove the line"),
			    prefix, owner != NULL && owner[0] != '\0' ? owner :
			    _("another site"));
			free(owner);
			r->bad = 1;
		}
counted:
		if (r->bad)
			(*nbad)++;
	}
out:
	for (i = 0; i < json_array_size(items); i++)
		free(keys[i]);
	free(keys);
	return ret;
}

/* Writes one good row: an add, an edit of what differs, or nothing. */
static int
write_row(struct cli_ctx *cli, const struct cli_dir_rows *rows,
    const struct cli_dir_row *r, int *what)
{
	const struct cli_kv *src = r->match != NULL ? &r->diff : &r->fields;
	struct cli_kv params = { 0 };
	char prefix[80], *f = NULL, *json = NULL;
	int ret = CLI_EXIT_OK;

	*what = r->match == NULL ? 0 : r->diff.n > 0 ? 1 : 2;
	if (*what == 2)
		return 0;
	if (cli_kv_add(&params, "type", "resource") < 0 ||
	    (r->match != NULL && cli_kv_add(&params, "item",
	    cli_doc_str(r->match, "id")) < 0))
		ret = cli_nomem();
	for (size_t i = 0; ret == 0 && i < src->n; i++) {
		if (asprintf(&f, "%s=%s", src->v[i].name, src->v[i].value) < 0 ||
		    cli_kv_add(&params, "f", f) < 0)
			ret = cli_nomem();
		free(f);
		f = NULL;
	}
	if (ret == 0) {
		line_prefix(rows, r, prefix, sizeof(prefix));
		cli->err_prefix = prefix;
		ret = cli_call(cli, r->match != NULL ? "item.edit" : "item.add",
		    &params, 0, &json);
		cli->err_prefix = NULL;
	}
	free(json);
	cli_kv_clear(&params);
	return ret;
}

int
cli_dir_write(struct cli_ctx *cli, const struct cli_dir_rows *rows,
    size_t nbad, int partial)
{
	size_t n[3] = { 0, 0, 0 }, failed = 0;
	int ret = CLI_EXIT_OK, rc, what;

	if (nbad > 0 && !partial) {
		cli_err(ngettext("%zu line refused out of %zu: nothing was "
		    "imported. Fix it, or run again with --partial to import "
		    "the %zu others", "%zu lines refused out of %zu: nothing "
		    "was imported. Fix them, or run again with --partial to "
		    "import the %zu others", nbad), nbad,
		    rows->n, rows->n - nbad);
		return CLI_EXIT_INVALID;
	}
	for (size_t i = 0; i < rows->n; i++) {
		if (rows->v[i].bad)
			continue;
		rc = write_row(cli, rows, &rows->v[i], &what);
		if (rc == CLI_EXIT_DOWN)
			return rc;
		if (rc != CLI_EXIT_OK) {
			failed++;
			ret = rc;
			continue;
		}
		n[what]++;
	}
	printf(ngettext("%zu resource added", "%zu resources added",
	    n[0]), n[0]);
	printf(ngettext(", %zu changed", ", %zu changed", n[1]),
	    n[1]);
	printf(ngettext(", %zu unchanged", ", %zu unchanged",
	    n[2]), n[2]);
	if (nbad + failed > 0)
		printf(ngettext(", %zu line not imported",
		    ", %zu lines not imported",
		    nbad + failed), nbad + failed);
	printf(".\n");
	return ret;
}

/* This site's ID (text), malloc'd, or NULL after saying why (*ret set). */
char *
cli_dir_me(struct cli_ctx *cli, int *ret)
{
	char *json = NULL, *me = NULL;
	json_t *root = NULL;

	*ret = cli_call(cli, "id", NULL, 0, &json);
	if (*ret == CLI_EXIT_OK)
		*ret = cli_doc_parse(json, &root);
	if (*ret == CLI_EXIT_OK) {
		me = cli_doc_str(root, "site_id") != NULL ?
		    strdup(cli_doc_str(root, "site_id")) : NULL;
		if (me == NULL)
			*ret = cli_baddoc();
	}
	json_decref(root);
	free(json);
	return me;
}

void
cli_dir_csv_nul(const char *path, size_t line)
{
	cli_err(_("%s, line %zu: a null character, which a text file never "
	    "holds: save the table again as CSV (text); nothing was "
	    "imported"), path, line);
}

/* Reads path whole into *text (malloc'd, NUL-terminated). 0, or an exit
 * code after saying why. */
int
cli_dir_read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, got;
	char *buf = NULL;

	*text = NULL;
	if (f == NULL) {
		cli_err(_("cannot read %s: %s"), path, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	buf = malloc(IMPORT_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return cli_nomem();
	}
	while ((got = fread(buf + n, 1, IMPORT_MAX + 1 - n, f)) > 0)
		n += got;
	fclose(f);
	if (n > IMPORT_MAX) {
		free(buf);
		cli_err(_("%s: file of more than 16 MiB — split it"), path);
		return CLI_EXIT_USAGE;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static const struct cli_opt import_opts[] = {
	{ "partial", NULL, 0, N_("imports the valid lines even if others "
	  "are refused"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

static int
on_import_opt(void *arg, int id, const char *name, const char *value)
{
	(void)id;
	(void)name;
	(void)value;
	*(int *)arg = 1;
	return 0;
}

int
cli_cmd_resource_import(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv)
{
	struct cli_dir_rows rows = { 0 };
	const json_t *items = NULL;
	json_t *root = NULL;
	const char *cols[CLI_DIR_COLS];
	char *pos[1], *text = NULL, *me = NULL;
	size_t len = 0, ncols = 0, nbad = 0;
	struct stat st;
	int partial = 0, ret, rc;

	rc = cli_opts_args(cli, cmd, import_opts, on_import_opt, &partial,
	    argc, argv, pos, 1, _("the file to import is missing (FILE)"));
	if (cli_opts_stop(rc, &ret))
		return ret;
	if (stat(pos[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		ret = cli_hsds_read(pos[0], &rows, cols, &ncols);
	} else if (strlen(pos[0]) > 15 && strcmp(pos[0] + strlen(pos[0]) - 15,
	    "datapackage.json") == 0) {
		ret = CLI_EXIT_USAGE;
		cli_err(_("give the folder of the HSDS package rather than its "
		    "datapackage.json"));
	} else {
		ret = cli_dir_read_file(pos[0], &text, &len);
		if (ret == 0)
			ret = read_flat(pos[0], text, len, &rows, cols, &ncols);
	}
	if (ret != 0)
		goto out;
	me = cli_dir_me(cli, &ret);
	if (me == NULL)
		goto out;
	ret = cli_dir_fetch(cli, &root, &items);
	if (ret == CLI_EXIT_OK)
		ret = cli_dir_check(cli, &rows, cols, ncols, items, me, &nbad);
	if (ret == CLI_EXIT_OK)
		ret = cli_dir_write(cli, &rows, nbad, partial);
out:
	json_decref(root);
	cli_dir_rows_free(&rows);
	free(text);
	free(me);
	return ret;
}
