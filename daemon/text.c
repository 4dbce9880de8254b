/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * text.c: the table of code points refused in text a person reads, the
 * check every text field goes through, the sanitizer of everything
 * printed or logged (gs_sanitize, declared in log.h), and widths in
 * terminal cells. One table: a code point is refused on receipt exactly
 * when it would be replaced on output.
 */
#include "text.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "log.h"

/*
 * The refused code points, in order. Each of these either drives a
 * terminal (controls), reorders or hides what is around it on screen
 * (bidi controls and marks, separators, zero-width and invisible
 * characters), so that « GEM <U+202E>LOBNER MEG » displays reversed, as
 * another GEM's name.
 */
static const struct refused_range {
	uint32_t lo, hi;
	const char *what;       /* French, for the admin */
} refused[] = {
	{ 0x0000, 0x001f, "caractère de contrôle" },
	{ 0x007f, 0x009f, "caractère de contrôle" },
	{ 0x061c, 0x061c, "marque de direction du texte" },
	{ 0x180e, 0x180e, "caractère invisible" },
	{ 0x200b, 0x200d, "caractère de largeur nulle" },
	{ 0x200e, 0x200f, "marque de direction du texte" },
	{ 0x2028, 0x2029, "séparateur de ligne ou de paragraphe" },
	{ 0x202a, 0x202e, "contrôle de direction du texte" },
	{ 0x2060, 0x2064, "caractère invisible" },
	{ 0x2066, 0x2069, "contrôle de direction du texte" },
	{ 0x206a, 0x206f, "caractère de mise en forme invisible" },
	{ 0xfeff, 0xfeff, "marque d'ordre des octets (BOM)" },
	{ 0xfff9, 0xfffb, "caractère d'annotation invisible" },
	{ 0xe0000, 0xe007f, "étiquette invisible" },
};
#define NREFUSED (sizeof(refused) / sizeof(refused[0]))

/* Combining marks of the scripts written here (general category Mn in
 * the blocks that stack): the rule on runs counts these. */
static const struct { uint32_t lo, hi; } marks[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x05bf, 0x05bf }, { 0x05c1, 0x05c2 }, { 0x05c4, 0x05c5 },
	{ 0x05c7, 0x05c7 }, { 0x0610, 0x061a }, { 0x064b, 0x065f },
	{ 0x0670, 0x0670 }, { 0x06d6, 0x06dc }, { 0x06df, 0x06e4 },
	{ 0x06e7, 0x06e8 }, { 0x06ea, 0x06ed }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x20d0, 0x20ff }, { 0xfe20, 0xfe2f },
};
#define NMARKS (sizeof(marks) / sizeof(marks[0]))

const char *
gs_text_refused(uint32_t cp)
{
	for (size_t i = 0; i < NREFUSED && refused[i].lo <= cp; i++)
		if (cp <= refused[i].hi)
			return refused[i].what;
	return NULL;
}

bool
gs_text_is_mark(uint32_t cp)
{
	for (size_t i = 0; i < NMARKS && marks[i].lo <= cp; i++)
		if (cp <= marks[i].hi)
			return true;
	return false;
}

size_t
gs_utf8_decode(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * What is wrong with the code point cp, given marks combining marks just
 * before it (GS_TEXT_MARKS_MAX at the start of the text, so that a mark
 * there is refused): NULL, or the class refused. Updates *marks.
 */
static const char *
judge(uint32_t cp, bool multiline, unsigned *run)
{
	const char *what;

	if (cp == '\n' && multiline) {
		*run = GS_TEXT_MARKS_MAX;
		return NULL;
	}
	what = gs_text_refused(cp);
	if (what != NULL)
		return what;
	if (!gs_text_is_mark(cp)) {
		*run = 0;
		return NULL;
	}
	if (*run >= GS_TEXT_MARKS_MAX)
		return "marque combinante en trop";
	(*run)++;
	return NULL;
}

int
gs_text_check(const char *s, bool multiline, char *why, size_t whylen)
{
	unsigned run = GS_TEXT_MARKS_MAX;
	const char *what;
	uint32_t cp;
	size_t n;

	for (; *s; s += n) {
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) {
			run = 0;        /* printable ASCII: never refused */
			n = 1;
			continue;
		}
		n = gs_utf8_decode(s, &cp);
		if (n == 0) {
			snprintf(why, whylen, "doit être du texte UTF-8 valide");
			return -1;
		}
		what = judge(cp, multiline, &run);
		if (what == NULL)
			continue;
		if (gs_text_is_mark(cp))
			snprintf(why, whylen, "ne doit pas empiler plus de %d "
			    "marques combinantes (accents) sur une lettre, ni "
			    "commencer par l'une d'elles", GS_TEXT_MARKS_MAX);
		else if ((cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) &&
		    multiline)
			snprintf(why, whylen, "ne doit pas contenir de caractère "
			    "de contrôle (seuls les retours à la ligne sont "
			    "permis)");
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			snprintf(why, whylen, "doit tenir sur une ligne, sans "
			    "caractère de contrôle");
		else
			snprintf(why, whylen, "ne doit pas contenir U+%04X "
			    "(%s)", (unsigned)cp, what);
		return -1;
	}
	return 0;
}

bool
gs_text_blank(const char *s)
{
	uint32_t cp;
	size_t n;

	if (*s == '\0')
		return false;
	for (; *s; s += n) {
		n = gs_utf8_decode(s, &cp);
		if (n == 0)
			return false;
		if (!(cp == ' ' || cp == '\t' || cp == 0xa0 || cp == 0x1680 ||
		    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
		    cp == 0x205f || cp == 0x3000))
			return false;
	}
	return true;
}

void
gs_sanitize(const char *in, char *out, unsigned outlen)
{
	unsigned run = GS_TEXT_MARKS_MAX;
	const char *s = in;
	unsigned o = 0;
	uint32_t cp;
	size_t n;

	if (outlen == 0)
		return;
	while (*s) {
		n = gs_utf8_decode(s, &cp);
		if (n == 0 || judge(cp, false, &run) != NULL) {
			/* one '?' for a refused character or a bad byte */
			n = n == 0 ? 1 : n;
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			s += n;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, s, n);
		o += (unsigned)n;
		s += n;
	}
	out[o] = '\0';
	if (*s && outlen > 4) {
		/* truncated: mark it, without splitting a UTF-8 sequence */
		o = o > outlen - 4 ? outlen - 4 : o;
		while (o > 0 && (((unsigned char)out[o]) & 0xc0) == 0x80)
			o--;
		memcpy(out + o, "...", 4);
	}
}

int
gs_text_locale_init(void)
{
	const char *cs;

	if (setlocale(LC_CTYPE, "") != NULL) {
		cs = nl_langinfo(CODESET);
		if (cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
		    strcmp(cs, "utf8") == 0))
			return 0;
	}
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "C.utf8") != NULL)
		return 0;
	setlocale(LC_CTYPE, "C");
	return -1;
}

/* Cells taken by cp: wcwidth() in a UTF-8 locale, else 1 (0 a mark). */
static size_t
cells(uint32_t cp, bool utf8)
{
	int w;

	if (utf8) {
		w = wcwidth((wchar_t)cp);
		return w < 0 ? 1 : (size_t)w;
	}
	return gs_text_is_mark(cp) ? 0 : 1;
}

static bool
locale_utf8(void)
{
	return MB_CUR_MAX > 1;
}

size_t
gs_text_width(const char *s)
{
	bool utf8 = locale_utf8();
	size_t w = 0, n;
	uint32_t cp;

	for (; *s; s += n) {
		n = gs_utf8_decode(s, &cp);
		if (n == 0) {
			n = 1;
			w++;
			continue;
		}
		w += cells(cp, utf8);
	}
	return w;
}

size_t
gs_text_fit(const char *s, size_t max)
{
	bool utf8 = locale_utf8();
	size_t w = 0, n, c, i = 0;
	uint32_t cp;

	while (s[i]) {
		n = gs_utf8_decode(s + i, &cp);
		c = n == 0 ? 1 : cells(cp, utf8);
		n = n == 0 ? 1 : n;
		/* a zero-width character stays with the one before it */
		if (c > 0 && w + c > max)
			break;
		w += c;
		i += n;
	}
	return i;
}
