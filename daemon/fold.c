/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fold.c: case and accent folding of UTF-8 text for comparisons (see
 * fold.h). One table maps the Latin-1 letters U+00C0..U+00FF to their
 * plain lowercase letters; œ, æ and ß fold to two letters, which takes no
 * more bytes than their UTF-8 form, so the folded text never grows.
 */
#include "fold.h"

#include <stdlib.h>
#include <string.h>

/* U+00C0 .. U+00FF: the folded letters, or NULL to keep the character. */
static const char *const latin1[64] = {
	/* C0 À Á Â Ã Ä Å Æ Ç */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* C8 È É Ê Ë Ì Í Î Ï */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* D0 Ð Ñ Ò Ó Ô Õ Ö × */ "d", "n", "o", "o", "o", "o", "o", NULL,
	/* D8 Ø Ù Ú Û Ü Ý Þ ß */ "o", "u", "u", "u", "u", "y", NULL, "ss",
	/* E0 à á â ã ä å æ ç */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* E8 è é ê ë ì í î ï */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* F0 ð ñ ò ó ô õ ö ÷ */ "d", "n", "o", "o", "o", "o", "o", NULL,
	/* F8 ø ù ú û ü ý þ ÿ */ "o", "u", "u", "u", "u", "y", NULL, "y",
};

/*
 * Folds the character at s: sets *in to its length in bytes and returns
 * its folded text (lent, static or s itself when *same is set).
 */
static const char *
fold_one(const unsigned char *s, size_t *in, int *same)
{
	*same = 0;
	*in = 1;
	if (s[0] >= 'A' && s[0] <= 'Z') {
		/* "a\0b\0...": the lowercase letter, NUL-terminated */
		static const char lower[] = "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0"
		    "k\0l\0m\0n\0o\0p\0q\0r\0s\0t\0u\0v\0w\0x\0y\0z";
		return &lower[2 * (s[0] - 'A')];
	}
	if (s[0] == 0xc2 && s[1] == 0xa0) {             /* no-break space */
		*in = 2;
		return " ";
	}
	if (s[0] == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
		const char *f = latin1[s[1] - 0x80];
		*in = 2;
		if (f != NULL)
			return f;
		*same = 1;
		return (const char *)s;
	}
	if (s[0] == 0xc5 && (s[1] == 0x92 || s[1] == 0x93)) {  /* Œ œ */
		*in = 2;
		return "oe";
	}
	if (s[0] == 0xc5 && s[1] == 0xb8) {             /* Ÿ */
		*in = 2;
		return "y";
	}
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x98 || s[2] == 0x99)) {
		*in = 3;                                /* ‘ ’ */
		return "'";
	}
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2] == 0xaf) {
		*in = 3;                                /* narrow no-break space */
		return " ";
	}
	/* Anything else: the whole UTF-8 sequence unchanged. */
	if (s[0] >= 0xc0) {
		size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
		size_t k = 1;
		while (k < n && (s[k] & 0xc0) == 0x80)
			k++;
		*in = k;
	}
	*same = 1;
	return (const char *)s;
}

size_t
gs_fold(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0, in, n;
	const char *f;
	int same;

	if (outlen == 0)
		return 0;
	while (*p != '\0') {
		f = fold_one(p, &in, &same);
		n = same ? in : strlen(f);
		if (len + n >= outlen)
			break;
		memcpy(out + len, f, n);
		len += n;
		p += in;
	}
	out[len] = '\0';
	return len;
}

/* Folds s into a malloc'd buffer (or buf when it fits); NULL on ENOMEM. */
static char *
fold_dup(const char *s, char *buf, size_t buflen)
{
	size_t need = strlen(s) + 1;
	char *out = need <= buflen ? buf : malloc(need);

	if (out != NULL)
		gs_fold(s, out, need);
	return out;
}

/* Squeezes spaces in place: none at either end, runs as one. */
static void
squeeze(char *s)
{
	char *w = s;

	for (const char *r = s; *r != '\0'; r++) {
		if (*r == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = *r;
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

int
gs_fold_equal(const char *a, const char *b)
{
	char abuf[256], bbuf[256];
	char *fa = fold_dup(a, abuf, sizeof(abuf));
	char *fb = fold_dup(b, bbuf, sizeof(bbuf));
	int eq = 0;

	if (fa != NULL && fb != NULL) {
		squeeze(fa);
		squeeze(fb);
		eq = strcmp(fa, fb) == 0;
	}
	if (fa != abuf)
		free(fa);
	if (fb != bbuf)
		free(fb);
	return eq;
}

int
gs_fold_contains(const char *hay, const char *folded_needle)
{
	char buf[1024];
	char *f;
	int found;

	if (hay == NULL)
		return 0;
	f = fold_dup(hay, buf, sizeof(buf));
	if (f == NULL)
		return 0;
	found = strstr(f, folded_needle) != NULL;
	if (f != buf)
		free(f);
	return found;
}
