/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* po.coverage.selftest: nothing here may be reported. */
#include <stdio.h>
#define _(s) (s)
#define N_(s) (s)
#define P_(c, s) (s)
#define ngettext(a, b, n) ((n) > 1 ? (b) : (a))

struct opt { const char *name, *help; };
static const struct opt opts[] = {
	{ "force", N_("replaces the site already there") },
};
/* fr: value */
static const char *const days[] = { "lundi", "mardi", "décembre" };

void
good(int n)
{
	printf(_("Backup written to %s\n"), "f");
	printf(ngettext("%d line refused\n", "%d lines refused\n", n), n);
	fputs(P_("open quote", "\""), stdout);
	printf("%s: %d\n", "x", n);
	puts("aujourd'hui"); /* fr: value */
	/* fr: document begin */
	puts("<p>Tout le monde peut venir.</p>");
	/* fr: document end */
	/* the character literal '«' is not a string */
}
