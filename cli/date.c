/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * date.c: the dates people type on the command line (--start, --end,
 * --from, --to), read by gs_core's French date parser (frdate.h) in the
 * site's time zone, and the one place that says which zone that is.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "frdate.h"

const char *
cli_site_timezone(struct cli_ctx *cli)
{
	/* a configuration that cannot be read fails the command anyway */
	if (cli_config(cli) != 0 || cli->cfg->site_timezone == NULL)
		return CLI_DEFAULT_TIMEZONE;
	return cli->cfg->site_timezone;
}

int
cli_date(struct cli_ctx *cli, const struct cli_cmd *cmd, const char *opt,
    const char *text, int flags, char *out, size_t outlen)
{
	char why[300];
	char *clean;
	int rc;

	rc = gs_frdate_parse(text, cli_site_timezone(cli), (int64_t)time(NULL),
	    flags, out, outlen, why, sizeof(why));
	if (rc == 0)
		return 0;
	clean = cli_out_clean_cut(text, 60);
	(void)cli_usage(cmd, _("--%s \"%s\": %s"), opt,
	    clean != NULL ? clean : "?", why);
	free(clean);
	return rc == GS_FRDATE_ZONE ? CLI_EXIT_USAGE : CLI_EXIT_INVALID;
}

int
cli_day(struct cli_ctx *cli, const struct cli_cmd *cmd, const char *opt,
    const char *text, char out[11])
{
	char when[64];
	int rc;

	rc = cli_date(cli, cmd, opt, text, GS_FRDATE_NO_RANGE, when,
	    sizeof(when));
	if (rc != 0)
		return rc;
	/* RFC 3339 in the site's zone: its first ten bytes are the local day */
	memcpy(out, when, 10);
	out[10] = '\0';
	return 0;
}
