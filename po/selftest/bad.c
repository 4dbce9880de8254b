/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* po.coverage.selftest: check-literals.py --selftest expects a report on
 * exactly the lines marked BAD (the last line: an unclosed block). */
#include <stdio.h>
#define _(s) (s)

struct opt { const char *name, *help; };
static const struct opt opts[] = {
	{ "force", "remplace le site déjà présent" }, /* BAD */
	{ "partial", "importe les lignes valides" }, /* BAD */
};

void
bad(int n)
{
	printf("Sauvegarde écrite\n"); /* BAD */
	printf("%d ligne%s refusée%s\n", n, n > 1 ? "s" : "", ""); /* BAD */
	puts("Backup written to the file"); /* BAD */
	fprintf(stderr, "cannot read the configuration\n"); /* BAD */
	printf(_("ok %s\n"), "« quoted »"); /* BAD */
	/* fr: document begin */ /* BAD */
	puts("une page en français");
	/* the block is never closed: reported where it begins */
}
