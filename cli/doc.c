/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * doc.c: the daemon's reply documents, on top of ctl.c. gemsyncd answers
 * each request with a JSON text (docs/control.md); these helpers send a
 * request and hand back that text as is for --json, or parse it into an
 * object, and read its members. A document that is not what the protocol
 * promises is reported once, here, as an unreadable answer (exit 3).
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>

const char *
cli_doc_str(const json_t *obj, const char *key)
{
	const json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long
cli_doc_int(const json_t *obj, const char *key, long long dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

int
cli_doc_parse(const char *json, json_t **root)
{
	json_error_t jerr;

	*root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (*root == NULL || !json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return cli_baddoc();
	}
	return CLI_EXIT_OK;
}

int
cli_doc(struct cli_ctx *cli, const char *command, const struct cli_kv *params,
    json_t **root)
{
	char *json = NULL;
	int ret;

	*root = NULL;
	ret = cli_call(cli, command, params, 0, &json);
	if (ret != CLI_EXIT_OK)
		goto out;
	if (cli->json) {
		printf("%s\n", json);
		goto out;
	}
	ret = cli_doc_parse(json, root);
out:
	free(json);
	return ret;
}

int
cli_doc_array(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, const char *key, json_t **root,
    const json_t **arr)
{
	int ret;

	*arr = NULL;
	ret = cli_doc(cli, command, params, root);
	if (ret != CLI_EXIT_OK || *root == NULL)
		return ret;
	*arr = json_object_get(*root, key);
	if (!json_is_array(*arr)) {
		*arr = NULL;
		return cli_baddoc();
	}
	return CLI_EXIT_OK;
}

int
cli_nomem(void)
{
	fprintf(stderr, _("gemsync: out of memory\n"));
	return CLI_EXIT_REFUSED;
}

int
cli_baddoc(void)
{
	fprintf(stderr, _("gemsync: unreadable JSON document from gemsyncd\n"));
	return CLI_EXIT_DOWN;
}
