/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * item.c: what `gemsync event ...` and `gemsync resource ...` share. The
 * fields of each type (label, option, help) come from one table per type
 * (event.c, resource.c, site.c); this file turns their options into
 * item.add / item.edit / item.show / item.list requests
 * (docs/control.md) and renders the item objects the daemon
 * returns: the "label: value" block of show, with conflicts, and the
 * confirmation lines. The daemon validates the fields; the CLI only
 * checks the shape of the command line.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "frdate.h"
#include "log.h"
#include "recur.h"
#include "schema.h"
#include "siteid.h"

static const struct cli_word item_types[] = {
	{ "event", N_("event") },
	{ "resource", N_("resource") },
	{ "site", N_("site") },
	{ "reservation", N_("reservation") },
	/* TRANSLATORS: a resource confirmation item: a site checked it */
	{ "confirmation", N_("check") },
	{ NULL, NULL },
};

static const char *
lookup(const struct cli_word *t, const char *key)
{
	for (; t->word != NULL; t++)
		if (strcmp(t->word, key) == 0)
			return t->fr;
	return NULL;
}

const char *
cli_word_fr(const struct cli_word *t, const char *word)
{
	const char *fr;

	if (word == NULL)
		return "?";
	fr = lookup(t, word);
	return fr != NULL ? _(fr) : word;
}

/* The field table of an item type, or NULL. */
static const struct cli_item_field *
fields_of(const char *type)
{
	static const struct cli_item_kind *const kinds[] = {
		&cli_event_kind, &cli_resource_kind, &cli_site_kind,
	};

	for (size_t i = 0; type != NULL && i < sizeof(kinds) / sizeof(kinds[0]);
	    i++)
		if (strcmp(kinds[i]->type, type) == 0)
			return kinds[i]->fields;
	return NULL;
}

/* The French label of field in the table t, or NULL. */
static const char *
field_label(const struct cli_item_field *t, const char *field)
{
	for (; t != NULL && t->field != NULL; t++)
		if (strcmp(t->field, field) == 0)
			return t->label != NULL ? _(t->label) : NULL;
	return NULL;
}

const char *
cli_item_type_fr(const char *type)
{
	return cli_word_fr(item_types, type);
}

const char *
cli_item_label(const char *type, const char *field)
{
	if (field != NULL && strcmp(field, "_deleted") == 0)
		return _("Deletion");
	return field != NULL ? field_label(fields_of(type), field) : NULL;
}

const char *
cli_item_value_fr(const char *type, const char *field, const char *value)
{
	if (type == NULL || field == NULL || value == NULL)
		return NULL;
	return gs_schema_value_fr(gs_item_type_parse(type), field, value);
}

int
cli_list(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv, const char *command, const char *key,
    int (*print)(const json_t *arr))
{
	json_t *root = NULL;
	const json_t *arr;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_none(cli, cmd, argc, argv);
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc_array(cli, command, NULL, key, &root, &arr);
	if (ret == CLI_EXIT_OK && root != NULL)
		ret = print(arr);
out:
	json_decref(root);
	return ret;
}

int
cli_site_one(struct cli_ctx *cli, const struct cli_cmd *cmd,
    int argc, char **argv, const char *command, const char *done)
{
	struct cli_kv params = { 0 };
	json_t *root = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	rc = cli_opts_one(cli, cmd, argc, argv,
	    _("the site ID is missing (SITE-ID)"), &params, "site");
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, command, &params, &root);
	if (ret == CLI_EXIT_OK && root != NULL)
		cli_out_done(_(done), root, "site_id");
out:
	json_decref(root);
	cli_kv_clear(&params);
	return ret;
}

/* The French display of a field value (lent or in buf). */
static const char *
display_value(const char *type, const char *field, const char *value,
    const char *tz, char *buf, size_t buflen)
{
	const char *fr = cli_item_value_fr(type, field, value);
	char *clean, said[200];

	if (fr != NULL) {
		clean = cli_out_clean(value);
		snprintf(buf, buflen, "%s (%s)", fr, clean != NULL ? clean : "?");
		free(clean);
		return buf;
	}
	if (strcmp(field, "start") == 0 || strcmp(field, "end") == 0) {
		cli_out_wallclock(value, buf, buflen);
		return buf;
	}
	/* a series' rule in French when it has words: « chaque mardi » */
	if (strcmp(field, "rrule") == 0 &&
	    gs_recur_describe(value, tz, said, sizeof(said)) == 0) {
		clean = cli_out_clean(value);
		snprintf(buf, buflen, "%s (%s)", said, clean != NULL ? clean : "?");
		free(clean);
		return buf;
	}
	return value;
}

static const json_t *
find_conflict(const json_t *conflicts, const char *field)
{
	size_t i;
	const json_t *c;

	json_array_foreach(conflicts, i, c) {
		const char *f = cli_doc_str(c, "field");
		if (f != NULL && strcmp(f, field) == 0)
			return c;
	}
	return NULL;
}

/*
 * A delete-versus-edit candidate in French ("1" deletes, "0" is an edit
 * that did not see the deletion); other values unchanged.
 */
static const char *
deleted_fr(const char *field, const char *value)
{
	if (field == NULL || strcmp(field, "_deleted") != 0 || value == NULL)
		return value;
	if (strcmp(value, "1") == 0)
		return _("delete");
	if (strcmp(value, "0") == 0)
		return _("keep");
	return value;
}

static void
print_candidates(const json_t *conflict, size_t width)
{
	const json_t *cands = json_object_get(conflict, "candidates");
	const json_t *c;
	char sid[GS_SITEID_SHORT], when[64];
	char *val, *name, *change;
	size_t i;

	json_array_foreach(cands, i, c) {
		val = cli_out_clean_cut(deleted_fr(cli_doc_str(conflict,
		    "field"), cli_doc_str(c, "value")), 200);
		name = cli_out_clean_cut(cli_doc_str(c, "author_name"), 60);
		change = cli_out_clean_cut(cli_doc_str(c, "change"), 13);
		cli_out_short_id(cli_doc_str(c, "author"), sid);
		cli_out_localtime(cli_doc_str(c, "time"), when, sizeof(when));
		/* 12 hex of the change: what `conflicts resolve --take` wants. */
		if (change != NULL && strlen(change) > 12)
			change[12] = '\0';
		if (name != NULL && name[0] != '\0')
			printf(_("%*s- « %s » by %s (%s), %s [%s]%s\n"),
			    (int)width + 2, "", val != NULL ? val : "?", name,
			    sid, when, change != NULL ? change : "?",
			    i == 0 ? _(" (kept)") : "");
		else
			printf(_("%*s- « %s » by the site %s, %s [%s]%s\n"),
			    (int)width + 2, "", val != NULL ? val : "?", sid,
			    when, change != NULL ? change : "?",
			    i == 0 ? _(" (kept)") : "");
		free(val);
		free(name);
		free(change);
	}
}

static void
print_field(const char *type, const char *field, const char *value,
    const char *tz, const json_t *conflicts, size_t width)
{
	const char *label = cli_item_label(type, field);
	const json_t *conflict = find_conflict(conflicts, field);
	char buf[256], suffix[64], base[GS_FIELD_NAME_MAX + 1];
	char *clabel = NULL;
	size_t n;

	if (label == NULL && strchr(field, '@') != NULL) {
		/* a series' own value for one date: "Lieu le 2026-12-22" */
		const char *at = strchr(field, '@'), *bl;
		snprintf(base, sizeof(base), "%.*s", (int)(at - field), field);
		bl = cli_item_label(type, base);
		if (bl != NULL &&
		    asprintf(&clabel, _("%s on %s"), bl, at + 1) < 0)
			clabel = NULL;
		if (clabel != NULL) {
			char *c = cli_out_clean(clabel);
			free(clabel);
			clabel = c;
		}
		label = clabel;
	}
	if (label == NULL) {
		clabel = cli_out_clean(field);
		label = clabel != NULL ? clabel : "?";
	}
	suffix[0] = '\0';
	if (conflict != NULL) {
		n = json_array_size(json_object_get(conflict, "candidates"));
		snprintf(suffix, sizeof(suffix), ngettext(" [conflict: %zu "
		    "value]", " [conflict: %zu values]", n), n);
	}
	/* a date's own value reads as its field's ("oui", a date...) */
	snprintf(base, sizeof(base), "%.*s", (int)strcspn(field, "@"), field);
	cli_out_lv(label, width,
	    value != NULL ? display_value(type, base, value, tz, buf,
	    sizeof(buf))
	    : _("(empty)"), suffix[0] ? suffix : NULL);
	if (conflict != NULL)
		print_candidates(conflict, width);
	free(clabel);
}

static void
print_item(const json_t *item)
{
	static const char *const tail[] = { "ID", N_("Owner"), N_("Created"),
	    N_("Updated"), N_("Changes"), N_("Deleted") };
	const char *type = cli_doc_str(item, "type");
	const struct cli_item_field *known = fields_of(type);
	const json_t *fields = json_object_get(item, "fields");
	const json_t *conflicts = json_object_get(item, "conflicts");
	const json_t *v, *c;
	const char *key, *f, *owner_name, *cancelled;
	const char *tz = cli_doc_str(fields, "timezone");
	char sid[GS_SITEID_SHORT], when[64], num[32], owner[160];
	char *name;
	size_t width = 0, i;

	/* One column for every label of the block. */
	for (i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		if (cli_out_width(_(tail[i])) > width)
			width = cli_out_width(_(tail[i]));
	json_object_foreach((json_t *)fields, key, v) {
		const char *l = cli_item_label(type, key);
		size_t w = cli_out_width(l != NULL ? l : key);
		if (w > width)
			width = w;
	}
	json_array_foreach(conflicts, i, c) {
		f = cli_doc_str(c, "field");
		const char *l = f != NULL ? cli_item_label(type, f) : NULL;
		size_t w = l != NULL ? cli_out_width(l) :
		    f != NULL ? cli_out_width(f) : 0;
		if (w > width)
			width = w;
	}
	if (type != NULL && strcmp(type, "event") == 0 &&
	    cli_event_seats_width() > width)
		width = cli_event_seats_width();
	if (type != NULL && strcmp(type, "resource") == 0 &&
	    cli_out_width(CLI_VERIFIED_LABEL) > width)
		width = cli_out_width(CLI_VERIFIED_LABEL);
	width++;        /* the colon */

	cancelled = cli_doc_str(fields, "cancelled");
	if (type != NULL && strcmp(type, "event") == 0 && cancelled != NULL &&
	    strcmp(cancelled, "yes") == 0)
		puts(_("CANCELLED — this event will not take place."));
	cli_out_lv("ID", width, cli_doc_str(item, "id") != NULL ?
	    cli_doc_str(item, "id") : "?", NULL);
	if (cli_doc_str(item, "date") != NULL) {
		char day[96];
		cli_out_date_fr(cli_doc_str(fields, "start"), day, sizeof(day));
		cli_out_lv("Date", width, day, _(" (one date of a repeated "
		    "event)"));
	}
	/* Known fields in their usual order, then any others by name. */
	for (const struct cli_item_field *l = known;
	    l != NULL && l->field != NULL; l++) {
		v = json_object_get(fields, l->field);
		if (json_is_string(v))
			print_field(type, l->field, json_string_value(v), tz,
			    conflicts, width);
		else if (find_conflict(conflicts, l->field) != NULL)
			print_field(type, l->field, NULL, tz, conflicts, width);
	}
	json_object_foreach((json_t *)fields, key, v) {
		if (field_label(known, key) != NULL)
			continue;
		if (json_is_string(v))
			print_field(type, key, json_string_value(v), tz,
			    conflicts, width);
	}
	/* Conflicts on fields that have no value (or are not fields). */
	json_array_foreach(conflicts, i, c) {
		f = cli_doc_str(c, "field");
		if (f == NULL || json_object_get(fields, f) != NULL ||
		    field_label(known, f) != NULL)
			continue;
		print_field(type, f, strcmp(f, "_deleted") == 0 ?
		    (json_is_true(json_object_get(item, "deleted")) ?
		    _("deleted") : _("kept")) : NULL, tz, conflicts, width);
	}
	if (type != NULL && strcmp(type, "event") == 0)
		cli_event_print_seats(item, width);
	if (type != NULL && strcmp(type, "resource") == 0) {
		char said[200];
		cli_resource_verified(item, said, sizeof(said));
		cli_out_lv(CLI_VERIFIED_LABEL, width, said, NULL);
	}

	owner_name = cli_doc_str(item, "owner_name");
	name = cli_out_clean_cut(owner_name, 80);
	cli_out_short_id(cli_doc_str(item, "owner"), sid);
	if (name != NULL && name[0] != '\0')
		snprintf(owner, sizeof(owner), "%s (%s)%s", name, sid,
		    json_is_true(json_object_get(item, "owner_revoked")) ?
		    _(" — site revoked") : "");
	else
		snprintf(owner, sizeof(owner), _("site %s%s"), sid,
		    json_is_true(json_object_get(item, "owner_revoked")) ?
		    _(" — site revoked") : "");
	free(name);
	cli_out_lv(_(tail[1]), width, owner, NULL);
	cli_out_localtime(cli_doc_str(item, "created"), when, sizeof(when));
	cli_out_lv(_(tail[2]), width, when, NULL);
	cli_out_localtime(cli_doc_str(item, "updated"), when, sizeof(when));
	cli_out_lv(_(tail[3]), width, when, NULL);
	v = json_object_get(item, "changes");
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
		cli_out_lv(_(tail[4]), width, num, NULL);
	}
	if (json_is_true(json_object_get(item, "deleted")))
		cli_out_lv(_(tail[5]), width, _("yes"), NULL);
	if (json_array_size(conflicts) > 0) {
		name = cli_out_clean(cli_doc_str(item, "id"));
		printf(_("\n"
		    "In conflict: see gemsync conflicts show %s\n"
		    "then settle with gemsync conflicts resolve %s --take "
		    "CHANGE\n"
		    "(the 12 characters in brackets).\n"),
		    name != NULL ? name : _("ITEM"),
		    name != NULL ? name : _("ITEM"));
		free(name);
	}
}

/* Option ids beyond the field table. */
enum { OPT_FIELD = 1000, OPT_CLEAR, OPT_ALLOW_PAST, OPT_ALLOW_FAR,
    OPT_EDIT = 2000 };

struct edit_ctx {
	const struct cli_cmd *cmd;
	const struct cli_item_kind *k;
	struct cli_kv fields;
	struct cli_kv params;     /* the kind's edit options */
	int date_flags;           /* GS_FRDATE_ALLOW_* from the options */
};

static int
on_field_opt(void *arg, int id, const char *name, const char *value)
{
	struct edit_ctx *ctx = arg;
	const struct cli_item_field *fo;
	const char *eq;
	char *fname = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	if (id == OPT_ALLOW_PAST || id == OPT_ALLOW_FAR) {
		ctx->date_flags |= id == OPT_ALLOW_PAST ? GS_FRDATE_ALLOW_PAST :
		    GS_FRDATE_ALLOW_FAR;
		return 0;
	}
	if (id >= OPT_EDIT) {
		rc = cli_kv_set(&ctx->params, ctx->k->edit_opts[id -
		    OPT_EDIT].name, value != NULL ? value : "1");
	} else if (id == OPT_CLEAR) {
		if (value[0] == '\0' || strchr(value, '=') != NULL) {
			ret = cli_usage(ctx->cmd, _("--clear takes a field "
			    "name, not '%s'"), value);
			goto out;
		}
		rc = cli_kv_set(&ctx->fields, value, "");
	} else if (id == OPT_FIELD) {
		eq = strchr(value, '=');
		if (eq == NULL || eq == value) {
			ret = cli_usage(ctx->cmd, _("--field takes "
			    "NAME=VALUE, not '%s'"), value);
			goto out;
		}
		fname = strndup(value, (size_t)(eq - value));
		rc = fname != NULL ? cli_kv_set(&ctx->fields, fname, eq + 1) : -1;
	} else {
		fo = &ctx->k->fields[id];
		(void)name;
		rc = fo->join ? cli_kv_join(&ctx->fields, fo->field, value) :
		    cli_kv_set(&ctx->fields, fo->field, value);
	}
	if (rc < 0) {
		ret = cli_nomem();
		goto out;
	}
	ret = 0;
out:
	free(fname);
	return ret;
}

/* The options that follow the field options of add and edit. */
static const struct cli_opt extra_opts[] = {
	{ "field", N_("NAME=VALUE"), OPT_FIELD,
	  N_("any field (repeatable)"), 0 },
	{ "clear", N_("FIELD"), OPT_CLEAR, N_("clears the field (repeatable)"), 0 },
	/* types with dates (events) */
	{ "allow-past", NULL, OPT_ALLOW_PAST,
	  N_("accepts a date more than a day past"), 0 },
	{ "allow-far", NULL, OPT_ALLOW_FAR,
	  N_("accepts a date more than two years ahead"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

/* 1 if an item type has date fields (then --allow-past, --allow-far). */
static int
has_dates(const struct cli_item_kind *k)
{
	int type = gs_item_type_parse(k->type);

	for (size_t i = 0; k->fields[i].field != NULL; i++)
		if (gs_schema_is_time(type, k->fields[i].field))
			return 1;
	return 0;
}

/*
 * Turns the dates among the fields, as people type them (« mardi 14h »),
 * into RFC 3339 in the site's zone. 0, or the exit code after saying why.
 */
static int
read_dates(struct cli_ctx *cli, struct edit_ctx *ctx)
{
	int type = gs_item_type_parse(ctx->k->type), rc;
	char out[64];

	for (size_t i = 0; i < ctx->fields.n; i++) {
		struct cli_kv_pair *p = &ctx->fields.v[i];
		const char *opt = p->name;
		char *v;

		if (p->value[0] == '\0' || !gs_schema_is_time(type, p->name))
			continue;
		for (size_t j = 0; ctx->k->fields[j].field != NULL; j++)
			if (strcmp(ctx->k->fields[j].field, p->name) == 0 &&
			    ctx->k->fields[j].opt != NULL)
				opt = ctx->k->fields[j].opt;
		rc = cli_date(cli, ctx->cmd, opt, p->value, ctx->date_flags, out,
		    sizeof(out));
		if (rc != 0)
			return rc;
		v = strdup(out);
		if (v == NULL)
			return cli_nomem();
		free(p->value);
		p->value = v;
	}
	return 0;
}

/*
 * The help of an option: its row's help, then, when that help ends with
 * ':' and the field is an enumeration, from the next line the French
 * words of the values the daemon's schema allows ("a, b ou c", wrapped),
 * so that they are written in one place. Writes into *p (advanced) and returns the text.
 */
static const char *
option_help(int type, const struct cli_item_field *f, char **p)
{
	const struct gs_enum_value *v = gs_schema_enum(type, f->field);
	char *out = *p, *w;
	size_t col = 0, len;

	/* a help ending with ':' asks for the list ("l'un de :") */
	if (v == NULL || f->help == NULL || f->help[0] == '\0' ||
	    f->help[strlen(f->help) - 1] != ':')
		return f->help;
	w = out + sprintf(out, "%s\n", _(f->help));
	for (size_t i = 0; v[i].code != NULL; i++) {
		len = cli_out_width(v[i].fr);
		if (i > 0 && v[i + 1].code == NULL) {
			/* TRANSLATORS: 4 bytes at most */
			w += sprintf(w, "%.4s", _(" or "));
			col += 4;
		} else if (i > 0 && col + len > 44) {
			w += sprintf(w, ",\n");
			col = 0;
		} else if (i > 0) {
			w += sprintf(w, ", ");
			col += 2;
		}
		w += sprintf(w, "%s", v[i].fr);
		col += len;
	}
	*w++ = '\0';
	*p = w;
	return out;
}

/* Bytes option_help() writes for the values of an enumeration. */
static size_t
values_size(const struct gs_enum_value *v)
{
	size_t n = 0;

	for (; v != NULL && v->code != NULL; v++)
		n += strlen(v->fr) + 4;
	return n;
}

/*
 * Builds the option table of k from its field table (the option's id is
 * the field's row), then --field, and --clear when editing. One block:
 * the caller frees the table, and the help texts with it.
 */
static struct cli_opt *
field_specs(const struct cli_item_kind *k, int edit)
{
	int type = gs_item_type_parse(k->type);
	const struct gs_enum_value *v;
	struct cli_opt *specs;
	size_t n = 0, text = 0, i;
	char *p;

	for (; k->fields[n].field != NULL; n++) {
		v = gs_schema_enum(type, k->fields[n].field);
		if (v != NULL && k->fields[n].help != NULL)
			text += strlen(_(k->fields[n].help)) + values_size(v) +
			    8;
	}
	for (size_t j = 0; edit && k->edit_opts != NULL &&
	    k->edit_opts[j].name != NULL; j++)
		n++;
	specs = calloc(1, (n + 5) * sizeof(*specs) + text);
	if (specs == NULL)
		return NULL;
	p = (char *)(specs + n + 5);
	n = 0;
	for (i = 0; k->fields[i].field != NULL; i++) {
		if (k->fields[i].opt == NULL)
			continue;
		specs[n++] = (struct cli_opt){ k->fields[i].opt,
		    k->fields[i].arg, (int)i,
		    option_help(type, &k->fields[i], &p), 0 };
	}
	for (size_t j = 0; edit && k->edit_opts != NULL &&
	    k->edit_opts[j].name != NULL; j++) {
		specs[n] = k->edit_opts[j];
		specs[n++].id = OPT_EDIT + (int)j;
	}
	specs[n++] = extra_opts[0];
	if (edit)
		specs[n++] = extra_opts[1];
	if (has_dates(k)) {
		specs[n++] = extra_opts[2];
		specs[n++] = extra_opts[3];
	}
	return specs;
}

/* Fields meant for a contact: a phone number or an address belongs there. */
static bool
contact_field(const char *name)
{
	static const char *const contact[] = { "email", "phone", "url",
	    "contact_role" };
	size_t base = strcspn(name, "@");   /* place@2026-12-22 is place */

	for (size_t i = 0; i < sizeof(contact) / sizeof(contact[0]); i++)
		if (strlen(contact[i]) == base &&
		    strncmp(name, contact[i], base) == 0)
			return true;
	return false;
}

/* Does text hold something shaped like an e-mail address? */
static bool
looks_email(const char *t)
{
	for (const char *at = strchr(t, '@'); at != NULL;
	    at = strchr(at + 1, '@')) {
		const char *dot;
		if (at == t || strchr(" \t\n<(", at[-1]) != NULL)
			continue;
		dot = strchr(at + 1, '.');
		if (dot != NULL && dot > at + 1 && dot[1] != '\0' &&
		    strcspn(at + 1, " \t\n") > (size_t)(dot - at))
			return true;
	}
	return false;
}

/*
 * Does text hold something shaped like a phone number: 9 or more digits
 * in a run where only spaces, dots, dashes, a leading + and parentheses
 * come between them (06 12 34 56 78, +33 6 12 34 56 78, 0612345678)?
 */
static bool
looks_phone(const char *t)
{
	unsigned digits = 0;

	for (; *t != '\0'; t++) {
		if (*t >= '0' && *t <= '9')
			digits++;
		else if (strchr(" .-+()/", *t) == NULL || (*t == ' ' &&
		    t[1] == ' '))
			digits = 0;
		if (digits >= 9)
			return true;
	}
	return false;
}

/*
 * Warns, without refusing, when a free-text field looks like a person's
 * contact: the data is health-related and free text travels to every
 * site and stays in the history; contact fields are meant for it.
 */
static void
warn_contacts(const struct cli_kv *fields)
{
	for (size_t i = 0; i < fields->n; i++) {
		const char *name = fields->v[i].name;
		const char *v = fields->v[i].value;
		const char *what;
		char *shown;

		if (contact_field(name))
			continue;
		if (looks_email(v))
			what = _("an e-mail address");
		else if (looks_phone(v))
			what = _("a phone number");
		else
			continue;
		shown = cli_out_clean_cut(name, 40);
		fprintf(stderr, _("gemsync: warning: the field « %s » seems "
		    "to hold %s. Free texts are copied to every site and "
		    "kept in the history: to reach a person, use the "
		    "contact fields instead (--phone, --email).\n"),
		    shown != NULL ? shown : "?", what);
		free(shown);
	}
}

/* add and edit: parse field options, send, confirm. */
static int
add_or_edit(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, int edit, int argc, char **argv)
{
	struct edit_ctx ctx = { cmd, k, { 0 }, { 0 }, 0 };
	struct cli_kv params = { 0 };
	struct cli_opt *specs = NULL;
	json_t *root = NULL;
	char *pos[1], *f = NULL;
	int ret = CLI_EXIT_USAGE, rc;

	specs = field_specs(k, edit);
	if (specs == NULL) {
		ret = cli_nomem();
		goto out;
	}
	rc = cli_opts_args(cli, cmd, specs, on_field_opt, &ctx, argc, argv,
	    pos, edit ? 1 : 0, _("the item to edit is missing (ITEM)"));
	if (cli_opts_stop(rc, &ret))
		goto out;
	if (edit && ctx.fields.n == 0) {
		ret = cli_usage(cmd, _("nothing to edit: give at least one "
		    "field"));
		goto out;
	}
	rc = read_dates(cli, &ctx);
	if (rc != 0) {
		ret = rc;
		goto out;
	}
	if (cli_kv_add(&params, "type", k->type) < 0 ||
	    (edit && cli_kv_add(&params, "item", pos[0]) < 0)) {
		ret = cli_nomem();
		goto out;
	}
	for (size_t i = 0; i < ctx.params.n; i++) {
		if (cli_kv_add(&params, ctx.params.v[i].name,
		    ctx.params.v[i].value) < 0) {
			ret = cli_nomem();
			goto out;
		}
	}
	if (k->prepare != NULL &&
	    (ret = k->prepare(cli, cmd, edit, &ctx.fields, &params)) != 0)
		goto out;
	ret = CLI_EXIT_USAGE;
	warn_contacts(&ctx.fields);
	for (size_t i = 0; i < ctx.fields.n; i++) {
		if (asprintf(&f, "%s=%s", ctx.fields.v[i].name,
		    ctx.fields.v[i].value) < 0)
			f = NULL;
		if (f == NULL || cli_kv_add(&params, "f", f) < 0) {
			ret = cli_nomem();
			goto out;
		}
		free(f);
		f = NULL;
	}
	ret = cli_doc(cli, edit ? "item.edit" : "item.add", &params, &root);
	if (ret == CLI_EXIT_OK && root != NULL)
		cli_out_done(_(edit ? k->edited : k->added), root, "id");
out:
	json_decref(root);
	free(f);
	free(specs);
	cli_kv_clear(&params);
	cli_kv_clear(&ctx.fields);
	cli_kv_clear(&ctx.params);
	return ret;
}

int
cli_item_add(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, int argc, char **argv)
{
	return add_or_edit(cli, cmd, k, 0, argc, argv);
}

int
cli_item_edit(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, int argc, char **argv)
{
	return add_or_edit(cli, cmd, k, 1, argc, argv);
}

struct list_args {
	struct cli_ctx *cli;
	const struct cli_cmd *cmd;
	struct cli_kv params;
};

/*
 * A list or show option: its value, or "1" for a flag, as a parameter;
 * --from, --to and --date read as dates (« 20/12 », « lundi »: a day's
 * start, for --to its end, for --date the day itself), in the site's
 * zone, with no range check.
 */
static int
on_list_opt(void *arg, int id, const char *name, const char *value)
{
	struct list_args *a = arg;
	char date[64];
	int rc;

	(void)id;
	if (strcmp(name, "search") == 0)
		name = "q";
	if (value != NULL && strcmp(name, "date") == 0) {
		rc = cli_day(a->cli, a->cmd, name, value, date);
		if (rc != 0)
			return rc;
		value = date;
	} else if (value != NULL && (strcmp(name, "from") == 0 ||
	    strcmp(name, "to") == 0)) {
		rc = cli_date(a->cli, a->cmd, name, value, GS_FRDATE_NO_RANGE |
		    (name[0] == 't' ? GS_FRDATE_END_OF_DAY : 0), date,
		    sizeof(date));
		if (rc != 0)
			return rc;
		value = date;
	}
	if (cli_kv_set(&a->params, name, value != NULL ? value : "1") < 0)
		return cli_nomem();
	return 0;
}

const struct cli_opt cli_delete_opts[] = {
	{ "erase", NULL, 0, N_("also erases the item's content (title, "
	    "description, notes...)\n"
	    "on every site, history included: cannot be undone"), 0 },
	{ NULL, NULL, 0, NULL, 0 },
};

int
cli_item_one(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_item_kind *k, const char *command, const char *done,
    const struct cli_opt *specs, int argc, char **argv)
{
	struct list_args a = { cli, cmd, { 0 } };
	json_t *root = NULL;
	char *pos[1];
	int ret = CLI_EXIT_USAGE, rc;

	/* event.cancel takes only the item (docs/control.md). */
	if (strncmp(command, "item.", 5) == 0 &&
	    cli_kv_add(&a.params, "type", k->type) < 0) {
		ret = cli_nomem();
		goto out;
	}
	rc = cli_opts_args(cli, cmd, specs, on_list_opt, &a, argc, argv,
	    pos, 1, _("the item is missing (ITEM)"));
	if (rc == 0 && cli_kv_add(&a.params, "item", pos[0]) < 0)
		rc = cli_nomem();
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc(cli, command, &a.params, &root);
	if (ret != CLI_EXIT_OK || root == NULL)
		goto out;
	if (done != NULL)
		cli_out_done(_(done), root, "id");
	else
		print_item(root);
out:
	json_decref(root);
	cli_kv_clear(&a.params);
	return ret;
}

int
cli_item_list(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const char *type, const struct cli_opt *specs, int argc, char **argv,
    void (*print)(const json_t *items, const struct cli_kv *params))
{
	struct list_args a = { cli, cmd, { 0 } };
	json_t *root = NULL;
	const json_t *items;
	char *pos[1];
	int ret = CLI_EXIT_USAGE, rc;

	if (cli_kv_add(&a.params, "type", type) < 0) {
		ret = cli_nomem();
		goto out;
	}
	rc = cli_opts_args(cli, cmd, specs, on_list_opt, &a, argc, argv,
	    pos, 0, NULL);
	if (cli_opts_stop(rc, &ret))
		goto out;
	ret = cli_doc_array(cli, "item.list", &a.params, "items", &root,
	    &items);
	if (ret == CLI_EXIT_OK && root != NULL)
		print(items, &a.params);
out:
	json_decref(root);
	cli_kv_clear(&a.params);
	return ret;
}
