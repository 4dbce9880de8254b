/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * opts.c: option parsing for the CLI commands, and the small name/value
 * list (cli_kv) that carries both request parameters and item fields. The
 * parser is ours rather than getopt_long's so that errors are in French,
 * name the option, and exit 2, and so that options keep their order.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
kv_grow(struct cli_kv *kv)
{
	struct cli_kv_pair *v;
	size_t cap;

	if (kv->n < kv->cap)
		return 0;
	cap = kv->cap == 0 ? 8 : kv->cap * 2;
	v = realloc(kv->v, cap * sizeof(*v));
	if (v == NULL)
		return -1;
	kv->v = v;
	kv->cap = cap;
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

/* Global options accepted after the command too. */
enum { OPT_JSON = -100, OPT_CONFIG };
static const struct cli_opt global_opts[] = {
	{ "json", 0, OPT_JSON },
	{ "config", 1, OPT_CONFIG },
	{ NULL, 0, 0 },
};

static const struct cli_opt *
find_opt(const struct cli_opt *specs, const char *name, size_t len)
{
	for (const struct cli_opt *o = specs; o != NULL && o->name != NULL;
	    o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	for (const struct cli_opt *o = global_opts; o->name != NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

int
cli_opts_parse(struct cli_ctx *cli, const struct cli_cmd *cmd,
    const struct cli_opt *specs,
    int argc, char **argv, cli_opt_fn fn, void *arg, char **pos, int maxpos,
    int *npos)
{
	const struct cli_opt *o;
	const char *a, *eq, *value;
	int ret = CLI_EXIT_USAGE;
	int only_pos = 0, rc;
	size_t len;

	*npos = 0;
	for (int i = 0; i < argc; i++) {
		a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (*npos >= maxpos) {
				ret = cli_usage(cmd, "argument en trop : "
				    "« %s »", a);
				goto out;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cli_help(cmd);
			ret = -1;
			goto out;
		}
		if (strcmp(a, "-c") == 0) {
			a = "--config";
		} else if (a[1] != '-') {
			ret = cli_usage(cmd, "option inconnue : %s", a);
			goto out;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		o = find_opt(specs, a, len);
		if (o == NULL) {
			ret = cli_usage(cmd, "option inconnue : --%.*s",
			    (int)len, a);
			goto out;
		}
		value = NULL;
		if (o->has_arg) {
			if (eq != NULL) {
				value = eq + 1;
			} else if (i + 1 < argc &&
			    strncmp(argv[i + 1], "--", 2) != 0) {
				value = argv[++i];
			} else {
				ret = cli_usage(cmd, "l'option --%s demande "
				    "une valeur", o->name);
				goto out;
			}
		} else if (eq != NULL) {
			ret = cli_usage(cmd, "l'option --%s ne prend pas "
			    "de valeur", o->name);
			goto out;
		}
		if (o->id == OPT_JSON) {
			cli->json = 1;
			continue;
		}
		if (o->id == OPT_CONFIG) {
			cli->conf_path = value;
			cli->conf_explicit = 1;
			continue;
		}
		rc = fn != NULL ? fn(arg, o->id, o->name, value) : 0;
		if (rc != 0) {
			ret = rc;
			goto out;
		}
	}
	ret = 0;
out:
	return ret;
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
