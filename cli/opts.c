/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * opts.c: option parsing for the CLI commands, and the small name/value
 * list (cli_kv) that carries both request parameters and item fields. The
 * parser is ours rather than getopt_long's so that errors are in French,
 * name the option, and exit 2, and so that options keep their order. One
 * parser reads the global options, before the command and after it, and
 * every command's own; each option spec carries its help, and --help is
 * printed from the specs the parser was given, so an option is described
 * in one place only.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

static int
kv_grow(struct cli_kv *kv)
{
	if (gs_grow(&kv->v, &kv->cap, kv->n, sizeof(*kv->v), 8) != 0)
		return -1;
	return 0;
}

int
cli_kv_add(struct cli_kv *kv, const char *name, const char *value)
{
	char *n = NULL, *v = NULL;
	int ret = -1;

	if (kv_grow(kv) < 0)
		goto out;
	n = strdup(name);
	v = strdup(value);
	if (n == NULL || v == NULL)
		goto out;
	kv->v[kv->n].name = n;
	kv->v[kv->n].value = v;
	kv->n++;
	n = v = NULL;
	ret = 0;
out:
	free(n);
	free(v);
	return ret;
}

static struct cli_kv_pair *
kv_find(const struct cli_kv *kv, const char *name)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->v[i].name, name) == 0)
			return &kv->v[i];
	return NULL;
}

int
cli_kv_set(struct cli_kv *kv, const char *name, const char *value)
{
	struct cli_kv_pair *p = kv_find(kv, name);
	char *v;

	if (p == NULL)
		return cli_kv_add(kv, name, value);
	v = strdup(value);
	if (v == NULL)
		return -1;
	free(p->value);
	p->value = v;
	return 0;
}

int
cli_kv_join(struct cli_kv *kv, const char *name, const char *value)
{
	struct cli_kv_pair *p = kv_find(kv, name);
	char *v = NULL;

	if (p == NULL || p->value[0] == '\0')
		return cli_kv_set(kv, name, value);
	if (asprintf(&v, "%s,%s", p->value, value) < 0)
		return -1;
	free(p->value);
	p->value = v;
	return 0;
}

const char *
cli_kv_get(const struct cli_kv *kv, const char *name)
{
	const struct cli_kv_pair *p = kv_find(kv, name);

	return p != NULL ? p->value : NULL;
}

void
cli_kv_clear(struct cli_kv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->v[i].name);
		free(kv->v[i].value);
	}
	free(kv->v);
	kv->v = NULL;
	kv->n = kv->cap = 0;
}

/*
 * Distance between a and b: insertions, deletions, substitutions and
 * swaps of two neighbours (so "titel" is 1 from "title"), in bytes;
 * capped at 9 for words longer than 31 bytes.
 */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[32][32];

	if (la > 31 || lb > 31)
		return 9;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *
cli_closest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t len = strlen(word), bestd = (size_t)-1, max;

	/* one slip in a short word, two in a longer one; never most of it */
	max = len <= 4 ? 1 : 2;
	for (size_t i = 0; i < n; i++) {
		size_t dist;
		if (cands[i] == NULL)
			continue;
		dist = distance(word, cands[i]);
		if (dist < bestd) {
			bestd = dist;
			best = cands[i];
		}
	}
	return bestd <= max && bestd < len ? best : NULL;
}

/* The option of specs or the global options closest to name, or NULL. */
static const char *
closest_opt(const struct cli_opt *specs, const char *name)
{
	const char *cands[64];
	size_t n = 0;

	for (const struct cli_opt *o = specs; o != NULL && o->name != NULL &&
	    n < 60; o++)
		cands[n++] = o->name;
	cands[n++] = "config";
	cands[n++] = "json";
	cands[n++] = "help";
	return cli_closest(name, cands, n);
}

/*
 * The global options: the one table for the parser and for the help of
 * every command. They are accepted before the command and after it.
 */
enum { OPT_JSON = -100, OPT_CONFIG, OPT_HELP };
const struct cli_opt cli_global_opts[] = {
	/* TRANSLATORS: /etc/gemsync/gemsyncd.conf is CLI_DEFAULT_CONF */
	{ "config", N_("FILE"), OPT_CONFIG, N_("configuration (default: "
	  "$GEMSYNC_CONF,\notherwise /etc/gemsync/gemsyncd.conf)"), 'c' },
	{ "json", NULL, OPT_JSON, N_("prints gemsyncd's JSON document"), 0 },
	{ "help", NULL, OPT_HELP, N_("this help"), 'h' },
	{ NULL, NULL, 0, NULL, 0 },
};

/* The spec of "--name" (len characters) or of "-s" (len 0), or NULL. */
static const struct cli_opt *
find_in(const struct cli_opt *specs, const char *name, size_t len, char s)
{
	for (const struct cli_opt *o = specs; o != NULL && o->name != NULL;
	    o++) {
		if (len == 0 && o->short_name != '\0' && o->short_name == s)
			return o;
		if (len > 0 && strlen(o->name) == len &&
		    strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

static const struct cli_opt *
find_opt(const struct cli_opt *specs, const char *name, size_t len, char s)
{
	const struct cli_opt *o = find_in(specs, name, len, s);

	return o != NULL ? o : find_in(cli_global_opts, name, len, s);
}

/*
 * Says that --NAME (len bytes at a) is unknown, echoed sanitized, and
 * proposes the closest option when one is close. Returns 2.
 */
static int
unknown_opt(const struct cli_cmd *cmd, const struct cli_opt *specs,
    const char *a, size_t len)
{
	char name[48];
	const char *near;
	char *clean;
	int ret;

	snprintf(name, sizeof(name), "%.*s", (int)(len < 47 ? len : 47), a);
	near = closest_opt(specs, name);
	clean = cli_out_clean_cut(name, 40);
	if (near != NULL)
		ret = cli_usage(cmd, _("unknown option: --%s: did you mean "
		    "--%s?"), clean != NULL ? clean : "?", near);
	else
		ret = cli_usage(cmd, _("unknown option: --%s"),
		    clean != NULL ? clean : "?");
	free(clean);
	return ret;
}

/*
 * The one parser, for the global options before the command (cmd and
 * specs NULL, stop set: returns at the first argument that is not an
 * option, which *npos then indexes) and for a command's arguments.
 */
static int
parse(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_opt *specs, int argc, char **argv, cli_opt_fn fn,
    void *arg, char **pos, int maxpos, int *npos, int stop)
{
	const struct cli_opt *o;
	const char *a, *eq, *value;
	char *clean;
	int ret = CLI_EXIT_USAGE;
	int only_pos = 0, rc, i;
	size_t len;

	*npos = 0;
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (stop)
				break;
			if (*npos >= maxpos) {
				ret = cli_usage(cmd, _("one argument too "
				    "many: '%s'"), a);
				goto out;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (a[1] != '-') {
			/* "-c FILE", "-cFILE", "-h" */
			o = find_opt(specs, NULL, 0, a[1]);
			eq = o != NULL && o->arg != NULL && a[2] != '\0' ?
			    a + 1 : NULL;
			if (o == NULL || (a[2] != '\0' && eq == NULL)) {
				clean = cli_out_clean_cut(a, 40);
				ret = cli_usage(cmd, _("unknown option: %s"),
				    clean != NULL ? clean : "?");
				free(clean);
				goto out;
			}
		} else {
			a += 2;
			eq = strchr(a, '=');
			len = eq != NULL ? (size_t)(eq - a) : strlen(a);
			o = len > 0 ? find_opt(specs, a, len, 0) : NULL;
			if (o == NULL) {
				ret = unknown_opt(cmd, specs, a, len);
				goto out;
			}
		}
		value = NULL;
		if (o->arg != NULL) {
			if (eq != NULL) {
				value = eq + 1;
			} else if (i + 1 < argc &&
			    strncmp(argv[i + 1], "--", 2) != 0) {
				value = argv[++i];
			} else {
				ret = cli_usage(cmd, _("the option --%s needs "
				    "a value"), o->name);
				goto out;
			}
		} else if (eq != NULL) {
			ret = cli_usage(cmd, _("the option --%s takes no value"),
			    o->name);
			goto out;
		}
		switch (o->id) {
		case OPT_HELP:
			cli_help(cmd, specs);
			ret = -1;
			goto out;
		case OPT_JSON:
			cli->json = 1;
			break;
		case OPT_CONFIG:
			cli->conf_path = value;
			cli->conf_explicit = 1;
			break;
		default:
			rc = fn != NULL ? fn(arg, o->id, o->name, value) : 0;
			if (rc != 0) {
				ret = rc;
				goto out;
			}
		}
	}
	if (stop)
		*npos = i;
	ret = 0;
out:
	return ret;
}

int
cli_opts_global(struct cli_ctx *cli, int argc, char **argv, int *used)
{
	return parse(cli, NULL, NULL, argc, argv, NULL, NULL, NULL, 0, used,
	    1);
}

int
cli_opts_parse(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_opt *specs,
    int argc, char **argv, cli_opt_fn fn, void *arg, char **pos, int maxpos,
    int *npos)
{
	return parse(cli, cmd, specs, argc, argv, fn, arg, pos, maxpos, npos,
	    0);
}

/* Prints one option line: "  -c, --config FILE  help..." (placeholder
 * and help translated). */
static void
print_opt(const struct cli_opt *o, int width)
{
	char head[64], sh[5] = "";
	const char *h = o->help != NULL && o->help[0] != '\0' ?
	    _(o->help) : "", *nl;

	if (o->short_name != '\0')
		snprintf(sh, sizeof(sh), "-%c, ", o->short_name);
	snprintf(head, sizeof(head), "%s--%s%s%s", sh, o->name,
	    o->arg != NULL ? " " : "", o->arg != NULL ? _(o->arg) : "");
	printf("  %-*s  ", width, head);
	/* Continuation lines are indented to the help column. */
	while ((nl = strchr(h, '\n')) != NULL) {
		printf("%.*s\n%*s", (int)(nl - h), h,
		    4 + (int)(strlen(head) > (size_t)width ?
		    strlen(head) : (size_t)width), "");
		h = nl + 1;
	}
	printf("%s\n", h);
}

void
cli_opts_help(const struct cli_opt *specs, int width)
{
	for (const struct cli_opt *o = specs; o != NULL && o->name != NULL;
	    o++)
		print_opt(o, width);
}

int
cli_opt_store(void *arg, int id, const char *name, const char *value)
{
	const char **dst = arg;

	(void)id;
	(void)name;
	*dst = value;
	return 0;
}

int
cli_opts_args(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_opt *specs, cli_opt_fn fn, void *arg,
    int argc, char **argv, char **pos, int want, const char *missing)
{
	int npos = 0, rc;

	rc = cli_opts_parse(cli, cmd, specs, argc, argv, fn, arg, pos, want,
	    &npos);
	if (rc == 0 && npos != want)
		rc = cli_usage(cmd, "%s", missing);
	return rc;
}

int
cli_opts_none(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv)
{
	char *pos[1];

	/* want 0: a stray argument is refused by the parser, never "missing" */
	return cli_opts_args(cli, cmd, NULL, NULL, NULL, argc, argv, pos, 0,
	    "");
}

int
cli_opts_one(struct cli_ctx *cli, const struct cli_cmd *cmd, int argc,
    char **argv, const char *missing, struct cli_kv *params,
    const char *name)
{
	char *pos[1];
	int rc;

	rc = cli_opts_args(cli, cmd, NULL, NULL, NULL, argc, argv, pos, 1,
	    missing);
	if (rc == 0 && cli_kv_add(params, name, pos[0]) < 0)
		rc = cli_nomem();
	return rc;
}

int
cli_opts_stop(int rc, int *ret)
{
	if (rc == 0)
		return 0;
	*ret = rc < 0 ? CLI_EXIT_OK : rc;
	return 1;
}
