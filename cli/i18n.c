/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * i18n.c: the CLI's messages through gettext (docs/internals/i18n.md).
 * The msgids in the code are English; po/fr.po holds the French, built
 * into gemsync.mo. The catalogue is looked up next to the program
 * (BINDIR/../share/locale: /usr/bin/gemsync finds /usr/share/locale, the
 * build tree's build/cli/gemsync finds build/share/locale, which the
 * tests use), else in the configured LOCALEDIR. Without a catalogue the
 * messages are English.
 *
 * French by default: a facilitator's machine, a service account or sudo
 * often run with no language in the locale (C, POSIX, C.UTF-8). There
 * the CLI takes C.UTF-8 for messages and, unless LANGUAGE says
 * otherwise, French. A
 * configured locale is obeyed: LANG=en_US.UTF-8 or LANGUAGE=en gives
 * English. Only LC_MESSAGES is set here (LC_CTYPE by gs_text_locale_init;
 * numbers and dates never follow the locale).
 */
#include "gemsync.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GS_LOCALEDIR
#define GS_LOCALEDIR "/usr/share/locale"
#endif

/* BINDIR/../share/locale of the running program if it is a directory. */
static int
locale_near_exe(char *buf, size_t len)
{
	char exe[PATH_MAX];
	struct stat st;
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (int up = 0; up < 2; up++) {
		slash = strrchr(exe, '/');
		if (slash == NULL)
			return -1;
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, len, "%s/share/locale", exe) >= len ||
	    stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	return 0;
}

void
cli_i18n_init(void)
{
	char dir[PATH_MAX];
	const char *m, *lang;

	m = setlocale(LC_MESSAGES, "");
	if (m == NULL || strcmp(m, "C") == 0 || strcmp(m, "POSIX") == 0 ||
	    strncmp(m, "C.", 2) == 0) {
		/* gettext ignores LANGUAGE in the C locale, not in C.UTF-8 */
		if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL)
			(void)setlocale(LC_MESSAGES, "C.utf8");
		lang = getenv("LANGUAGE");
		if (lang == NULL || lang[0] == '\0')
			(void)setenv("LANGUAGE", "fr", 1);
	}
	if (locale_near_exe(dir, sizeof(dir)) == 0)
		(void)bindtextdomain(CLI_TEXTDOMAIN, dir);
	else
		(void)bindtextdomain(CLI_TEXTDOMAIN, GS_LOCALEDIR);
	/* the CLI writes UTF-8 whatever LC_CTYPE the terminal has */
	(void)bind_textdomain_codeset(CLI_TEXTDOMAIN, "UTF-8");
	(void)textdomain(CLI_TEXTDOMAIN);
}

const char *
cli_pgettext(const char *ctx_msgid, const char *msgid)
{
	const char *t = gettext(ctx_msgid);

	return t == ctx_msgid ? msgid : t;
}
