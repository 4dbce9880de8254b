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

#include "frdate.h"

const char *
cli_site_timezone(struct cli_ctx *cli)
{
	const char *tz = getenv("GEMSYNC_TZ");

	/* Until [site] timezone exists in the configuration: the
	 * environment, then the default of the network. */
	(void)cli;
	return tz != NULL && tz[0] != '\0' ? tz : CLI_DEFAULT_TIMEZONE;
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
	(void)cli_usage(cmd, "--%s « %s » : %s", opt,
	    clean != NULL ? clean : "?", why);
	free(clean);
	return rc == GS_FRDATE_ZONE ? CLI_EXIT_USAGE : CLI_EXIT_INVALID;
}
