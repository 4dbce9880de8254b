/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hsds.c: the directory as an HSDS 3.0 tabular package (Human Services
 * Data Specification, Open Referral): one CSV file per table and a
 * datapackage.json describing them (docs/directory.md has the mapping).
 * A resource is one organization, one service, one location; its
 * address, phone, hours, accessibility, languages and kind go to their
 * own tables, linked by IDs derived from the resource's ID, so the same
 * directory always writes the same package. The service ID is the
 * resource's ID as a UUID, which an import reads back as its stable key.
 */
#include "gemsync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "csv.h"
#include "schema.h"
#include "textfmt.h"

/* The taxonomy the kinds of resource are terms of. */
#define KIND_TAXONOMY "gemsync-resource-kind"

/* The tables and the columns written, in order. */
enum table {
	T_ORG, T_SERVICE, T_LOCATION, T_SAL, T_ADDRESS, T_PHONE, T_SCHEDULE,
	T_ACCESS, T_LANGUAGE, T_TERM, T_ATTRIBUTE, T__COUNT
};

#define MAXCOLS 11
static const struct {
	const char *name;
	const char *cols[MAXCOLS + 1];
} tables[T__COUNT] = {
	[T_ORG] = { "organizations", { "id", "name", "description", "email",
	    "website", NULL } },
	[T_SERVICE] = { "services", { "id", "organization_id", "name",
	    "description", "url", "email", "status", "eligibility_description",
	    "assured_date", NULL } },
	[T_LOCATION] = { "locations", { "id", "location_type",
	    "organization_id", "name", NULL } },
	[T_SAL] = { "service_at_locations", { "id", "service_id",
	    "location_id", NULL } },
	[T_ADDRESS] = { "addresses", { "id", "location_id", "address_1",
	    "city", "state_province", "postal_code", "country", "address_type",
	    NULL } },
	[T_PHONE] = { "phones", { "id", "service_id", "number", NULL } },
	[T_SCHEDULE] = { "schedules", { "id", "service_id", "description",
	    NULL } },
	[T_ACCESS] = { "accessibility", { "id", "location_id", "description",
	    NULL } },
	[T_LANGUAGE] = { "languages", { "id", "service_id", "code", NULL } },
	[T_TERM] = { "taxonomy_terms", { "id", "code", "name", "description",
	    "taxonomy", NULL } },
	[T_ATTRIBUTE] = { "attributes", { "id", "link_id",
	    "taxonomy_term_id", "link_type", "link_entity", NULL } },
};

/* HSDS service status for a resource status, and back. */
static const struct cli_word statuses[] = {
	{ "active", "active" },
	{ "temporarily_closed", "temporarily closed" },
	{ "closed", "inactive" },
	{ NULL, NULL },
};

/* The HSDS status of a resource status: a value of the standard, never
 * translated (cli_word_fr would pass it through gettext). */
static const char *
hsds_status(const char *status)
{
	for (size_t i = 0; statuses[i].word != NULL; i++)
		if (strcmp(statuses[i].word, status) == 0)
			return statuses[i].fr;
	return status;
}

/* 16 bytes as a UUID: 8-4-4-4-12 hex digits. */
static void
uuid_text(const uint8_t b[16], char out[37])
{
	char hex[33];

	gs_hex(b, 16, hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	    hex + 16, hex + 20);
}

/* The UUID of the row of another table for resource rid: 16 bytes of
 * BLAKE2b over "gemsync-hsds-" tag and rid. */
static void
derived_uuid(const char *tag, const char *rid, char out[37])
{
	char buf[200];
	uint8_t h[16];
	int n = snprintf(buf, sizeof(buf), "gemsync-hsds-%s:%s", tag, rid);

	gs_hash(buf, (size_t)n, h, sizeof(h));
	uuid_text(h, out);
}

/* ---- export ---- */

struct pkg {
	struct gs_csv_out out[T__COUNT];
	char terms[16][40];          /* the kinds written as terms */
	size_t nterms;
};

static size_t
ncols(enum table t)
{
	size_t n = 0;

	while (tables[t].cols[n] != NULL)
		n++;
	return n;
}

static void
put(struct pkg *p, enum table t, const char *const *cells)
{
	gs_csv_row(&p->out[t], cells, ncols(t), ',');
}

/* The kind's term, written once; its ID into id. */
static void
kind_term(struct pkg *p, const char *kind, char id[37])
{
	const char *fr = gs_schema_value_fr(GS_TYPE_RESOURCE, "kind", kind);

	derived_uuid("kind", kind, id);
	for (size_t i = 0; i < p->nterms; i++)
		if (strcmp(p->terms[i], kind) == 0)
			return;
	if (p->nterms < 16)
		snprintf(p->terms[p->nterms++], sizeof(p->terms[0]), "%s", kind);
	put(p, T_TERM, (const char *const[]){ id, kind, fr ? fr : kind,
	    fr ? fr : kind, KIND_TAXONOMY });
}

static void
export_one(struct pkg *p, const json_t *item)
{
	const json_t *f = json_object_get(item, "fields");
	const char *rid = cli_doc_str(item, "id");
	const char *name = cli_doc_str(f, "name"), *desc;
	const char *addr = cli_doc_str(f, "address");
	const char *town = cli_doc_str(f, "town");
	const char *pc = cli_doc_str(f, "postcode");
	const char *kind = cli_doc_str(f, "kind"), *v;
	char org[37], svc[37], loc[37], id[37], term[37], day[16];
	uint8_t b[16];

	if (rid == NULL || strlen(rid) != 32 || gs_unhex(rid, b, 16) != 0)
		return;
	uuid_text(b, svc);
	derived_uuid("organization", rid, org);
	derived_uuid("location", rid, loc);
	desc = cli_doc_str(f, "description");
	put(p, T_ORG, (const char *const[]){ org, name,
	    desc != NULL ? desc : name, cli_doc_str(f, "email"),
	    cli_doc_str(f, "url") });
	cli_dir_local_day(cli_doc_str(json_object_get(item, "verified"),
	    "date"), day, sizeof(day));
	v = cli_doc_str(f, "status");
	put(p, T_SERVICE, (const char *const[]){ svc, org, name, desc,
	    cli_doc_str(f, "url"), cli_doc_str(f, "email"),
	    hsds_status(v != NULL ? v : "active"),
	    cli_doc_str(f, "eligibility"), day });
	put(p, T_LOCATION, (const char *const[]){ loc, addr || town || pc ?
	    "physical" : "virtual", org, name });
	derived_uuid("service_at_location", rid, id);
	put(p, T_SAL, (const char *const[]){ id, svc, loc });
	if (addr || town || pc) {
		derived_uuid("address", rid, id);
		put(p, T_ADDRESS, (const char *const[]){ id, loc, addr, town,
		    "", pc, "FR", "physical" });
	}
	if ((v = cli_doc_str(f, "phone")) != NULL) {
		derived_uuid("phone", rid, id);
		put(p, T_PHONE, (const char *const[]){ id, svc, v });
	}
	if ((v = cli_doc_str(f, "hours")) != NULL) {
		derived_uuid("schedule", rid, id);
		put(p, T_SCHEDULE, (const char *const[]){ id, svc, v });
	}
	if ((v = cli_doc_str(f, "accessibility")) != NULL) {
		derived_uuid("accessibility", rid, id);
		put(p, T_ACCESS, (const char *const[]){ id, loc, v });
	}
	v = cli_doc_str(f, "languages");
	for (int i = 0; v != NULL && *v != '\0'; i++) {
		char code[16], tag[32];
		size_t n = strcspn(v, ",");
		snprintf(code, sizeof(code), "%.*s", (int)(n < 15 ? n : 15), v);
		snprintf(tag, sizeof(tag), "language%d", i);
		derived_uuid(tag, rid, id);
		put(p, T_LANGUAGE, (const char *const[]){ id, svc, code });
		v += n;
		if (*v == ',')
			v++;
	}
	if (kind != NULL) {
		kind_term(p, kind, term);
		derived_uuid("attribute", rid, id);
		put(p, T_ATTRIBUTE, (const char *const[]){ id, svc, term,
		    "service", "service" });
	}
}

/* datapackage.json: the tables, each with its columns (jansson). */
static char *
datapackage(void)
{
	json_t *res = json_array(), *pkg;
	char *text;

	for (int t = 0; t < T__COUNT; t++) {
		json_t *fields = json_array(), *schema, *r;
		char path[64];
		for (size_t c = 0; tables[t].cols[c] != NULL; c++)
			json_array_append_new(fields, json_pack("{s:s,s:s}",
			    "name", tables[t].cols[c], "type", strcmp(tables[t].
			    cols[c], "assured_date") == 0 ? "date" : "string"));
		schema = json_pack("{s:o,s:s}", "fields", fields, "primaryKey",
		    "id");
		snprintf(path, sizeof(path), "%s.csv", tables[t].name);
		r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "name",
		    tables[t].name, "path", path, "profile",
		    "tabular-data-resource", "format", "csv", "mediatype",
		    "text/csv", "encoding", "utf-8", "schema", schema);
		json_array_append_new(res, r);
	}
	pkg = json_pack("{s:s,s:s,s:s,s:o}", "name", "gemsync-resources",
	    "profile", "tabular-data-package", "title",
	    "Annuaire des ressources (HSDS 3.0)", /* fr: document */
	    "resources", res);
	text = pkg != NULL ? json_dumps(pkg, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(pkg);
	return text;
}

static int
write_in(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return cli_dir_write_file(path, text, len);
}

int
cli_hsds_export(struct cli_ctx *cli, const char *dir)
{
	struct pkg *p = calloc(1, sizeof(*p));
	const json_t *items, *item;
	json_t *root = NULL;
	char *dp = NULL, name[64];
	size_t i;
	int ret = CLI_EXIT_OK;

	if (p == NULL)
		return cli_nomem();
	ret = cli_dir_fetch(cli, &root, &items);
	if (ret != CLI_EXIT_OK)
		goto out;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_err(_("cannot create the folder %s: %s"), dir,
		    strerror(errno));
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	for (int t = 0; t < T__COUNT; t++)
		gs_csv_row(&p->out[t], tables[t].cols, ncols(t), ',');
	json_array_foreach(items, i, item)
		export_one(p, item);
	dp = datapackage();
	for (int t = 0; t < T__COUNT; t++)
		if (p->out[t].failed) {
			free(dp);
			dp = NULL;
		}
	if (dp == NULL) {
		ret = cli_nomem();
		goto out;
	}
	for (int t = 0; ret == 0 && t < T__COUNT; t++) {
		snprintf(name, sizeof(name), "%s.csv", tables[t].name);
		ret = write_in(dir, name, p->out[t].s, p->out[t].len);
	}
	if (ret == 0)
		ret = write_in(dir, "datapackage.json", dp, strlen(dp));
	if (ret == 0)
		printf(ngettext("%zu resource written to the HSDS package "
		    "%s\n", "%zu resources written to the HSDS package %s\n",
		    json_array_size(items)),
		    json_array_size(items), dir);
out:
	for (int t = 0; t < T__COUNT; t++)
		gs_csv_out_clear(&p->out[t]);
	free(p);
	free(dp);
	json_decref(root);
	return ret;
}

/* ---- import ---- */

/* One table read: its header and records. */
struct table_in {
	char *text;
	struct gs_csv_rec head;
	struct gs_csv_rec *recs;
	size_t n;
};

static void
table_free(struct table_in *t)
{
	for (size_t i = 0; i < t->n; i++)
		gs_csv_rec_clear(&t->recs[i]);
	free(t->recs);
	gs_csv_rec_clear(&t->head);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/* Reads dir/name.csv; a missing optional table is empty. 0 or an exit
 * code after saying why. */
static int
table_read(const char *dir, const char *name, int required,
    struct table_in *t)
{
	struct gs_csv_reader rd;
	struct gs_csv_rec rec = { 0 };
	char path[4096];
	struct stat st;
	size_t len, cap = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	if (stat(path, &st) != 0 && !required)
		return 0;
	rc = cli_dir_read_file(path, &t->text, &len);
	if (rc != 0)
		return rc;
	gs_csv_reader_init(&rd, t->text, len, ',');
	rc = gs_csv_next(&rd, &t->head);
	while (rc == 1 && (rc = gs_csv_next(&rd, &rec)) == 1) {
		if (t->n == cap) {
			struct gs_csv_rec *v = realloc(t->recs, (cap ? cap * 2 :
			    64) * sizeof(*v));
			if (v == NULL) {
				gs_csv_rec_clear(&rec);
				return cli_nomem();
			}
			t->recs = v;
			cap = cap ? cap * 2 : 64;
		}
		t->recs[t->n++] = rec;
		memset(&rec, 0, sizeof(rec));
	}
	if (rc < 0 && rd.nul) {
		cli_dir_csv_nul(path, rec.line);
		gs_csv_rec_clear(&rec);
		return CLI_EXIT_INVALID;
	}
	if (rc < 0) {
		cli_err(_("%s, line %zu: unreadable (a quote not closed?); "
		    "nothing was imported"), path, rec.line);
		gs_csv_rec_clear(&rec);
		return CLI_EXIT_INVALID;
	}
	return 0;
}

/* The cell of column col in record r of t ("" when absent). */
static const char *
cell(const struct table_in *t, const struct gs_csv_rec *r, const char *col)
{
	for (size_t i = 0; i < t->head.n; i++)
		if (strcmp(t->head.v[i], col) == 0)
			return i < r->n ? r->v[i] : "";
	return "";
}

/* The first record of t whose column col is value, or NULL. */
static const struct gs_csv_rec *
find(const struct table_in *t, const char *col, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(cell(t, &t->recs[i], col), value) == 0)
			return &t->recs[i];
	return NULL;
}

/* Sets field from a cell when it says something. */
static int
set(struct cli_dir_row *r, const char *field, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return 0;
	return cli_dir_row_set(r, field, value);
}

/* The gemsync ID a service ID is (a UUID of 32 hex digits), or "". */
static void
service_rid(const char *svc, char out[33])
{
	size_t n = 0;

	for (const char *p = svc; *p != '\0' && n < 33; p++)
		if (*p != '-')
			out[n++] = *p;
	if (n != 32 || strspn(out, "0123456789abcdef") < 32)
		n = 0;
	out[n < 33 ? n : 0] = '\0';
}

/* The service's kind, through its attribute and our taxonomy's term. */
static const char *
service_kind(struct table_in *tb, const char *svc)
{
	for (size_t i = 0; i < tb[T_ATTRIBUTE].n; i++) {
		const struct gs_csv_rec *a = &tb[T_ATTRIBUTE].recs[i], *term;
		if (strcmp(cell(&tb[T_ATTRIBUTE], a, "link_id"), svc) != 0)
			continue;
		term = find(&tb[T_TERM], "id", cell(&tb[T_ATTRIBUTE], a,
		    "taxonomy_term_id"));
		if (term != NULL && strcmp(cell(&tb[T_TERM], term, "taxonomy"),
		    KIND_TAXONOMY) == 0)
			return cell(&tb[T_TERM], term, "code");
	}
	return "other";     /* a foreign service: kind unknown */
}

/* The languages of a service, joined with ",", into out. */
static void
service_languages(struct table_in *tb, const char *svc, char *out,
    size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < tb[T_LANGUAGE].n; i++) {
		const struct gs_csv_rec *l = &tb[T_LANGUAGE].recs[i];
		const char *code = cell(&tb[T_LANGUAGE], l, "code");
		if (strcmp(cell(&tb[T_LANGUAGE], l, "service_id"), svc) != 0 ||
		    code[0] == '\0' || o + strlen(code) + 2 > len)
			continue;
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "," : "",
		    code);
	}
}

static int
service_row(struct table_in *tb, const struct gs_csv_rec *s,
    struct cli_dir_row *r)
{
	struct table_in *sv = &tb[T_SERVICE];
	const char *svc = cell(sv, s, "id"), *status;
	const struct gs_csv_rec *sal, *addr, *acc, *ph, *sch;
	const char *loc = "";
	char rid[33], langs[200];
	int rc = 0;

	service_rid(svc, rid);
	status = cell(sv, s, "status");
	for (size_t i = 0; statuses[i].word != NULL; i++)
		if (strcmp(statuses[i].fr, status) == 0)
			status = statuses[i].word;
	sal = find(&tb[T_SAL], "service_id", svc);
	if (sal != NULL)
		loc = cell(&tb[T_SAL], sal, "location_id");
	addr = find(&tb[T_ADDRESS], "location_id", loc);
	acc = find(&tb[T_ACCESS], "location_id", loc);
	ph = find(&tb[T_PHONE], "service_id", svc);
	sch = find(&tb[T_SCHEDULE], "service_id", svc);
	service_languages(tb, svc, langs, sizeof(langs));
	rc |= set(r, "id", rid);
	rc |= set(r, "name", cell(sv, s, "name"));
	rc |= set(r, "kind", service_kind(tb, svc));
	rc |= set(r, "description", cell(sv, s, "description"));
	rc |= set(r, "url", cell(sv, s, "url"));
	rc |= set(r, "email", cell(sv, s, "email"));
	rc |= set(r, "status", status);
	rc |= set(r, "eligibility", cell(sv, s, "eligibility_description"));
	rc |= set(r, "languages", langs);
	if (addr != NULL) {
		rc |= set(r, "address", cell(&tb[T_ADDRESS], addr,
		    "address_1"));
		rc |= set(r, "town", cell(&tb[T_ADDRESS], addr, "city"));
		rc |= set(r, "postcode", cell(&tb[T_ADDRESS], addr,
		    "postal_code"));
	}
	if (acc != NULL)
		rc |= set(r, "accessibility", cell(&tb[T_ACCESS], acc,
		    "description"));
	if (ph != NULL)
		rc |= set(r, "phone", cell(&tb[T_PHONE], ph, "number"));
	if (sch != NULL)
		rc |= set(r, "hours", cell(&tb[T_SCHEDULE], sch,
		    "description"));
	return rc != 0 ? -1 : 0;
}

int
cli_hsds_read(const char *dir, struct cli_dir_rows *rows, const char **cols,
    size_t *nc)
{
	static const char *const carried[] = { "name", "kind", "address",
	    "postcode", "town", "phone", "email", "url", "hours", "languages",
	    "description", "accessibility", "eligibility", "status" };
	struct table_in tb[T__COUNT];
	int ret = 0;

	memset(tb, 0, sizeof(tb));
	rows->source = "services.csv";
	for (int t = 0; ret == 0 && t < T__COUNT; t++)
		ret = table_read(dir, tables[t].name, t == T_SERVICE, &tb[t]);
	for (size_t i = 0; ret == 0 && i < tb[T_SERVICE].n; i++) {
		const struct gs_csv_rec *s = &tb[T_SERVICE].recs[i];
		struct cli_dir_row *r = cli_dir_rows_add(rows, s->line);
		if (r == NULL || service_row(tb, s, r) != 0)
			ret = cli_nomem();
	}
	*nc = 0;
	for (size_t i = 0; i < sizeof(carried) / sizeof(carried[0]); i++)
		cols[(*nc)++] = carried[i];
	for (int t = 0; t < T__COUNT; t++)
		table_free(&tb[t]);
	return ret;
}
