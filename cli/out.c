/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * out.c: human output of the CLI. Text from the daemon may come from any
 * trusted peer, so every string is passed through gs_sanitize() before it
 * reaches the terminal. Widths are terminal cells (gs_text_width: wcwidth
 * in the UTF-8 locale main() sets once), not bytes nor characters, so that
 * « Sortie au musée », « Cafe\u0301 » and « 読書会 » line up with « Marche
 * douce ». No colours: output is the same on a terminal and in a pipe.
 */
#include "gemsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grow.h"
#include "log.h"
#include "text.h"

/* A malloc'd sanitized copy of s (NULL gives "") with room bytes spare. */
static char *
clean_dup(const char *s, size_t room)
{
	size_t len;
	char *out;

	if (s == NULL)
		s = "";
	len = strlen(s);
	/* gs_sanitize never lengthens: '?' replaces one byte or more. */
	if (len >= 0x7ffffff0u)
		len = 0x7ffffff0u;
	out = malloc(len + 1 + room);
	if (out == NULL)
		return NULL;
	gs_sanitize(s, out, (unsigned)(len + 1));
	return out;
}

char *
cli_out_clean(const char *s)
{
	return clean_dup(s, 0);
}

void
cli_out_short_id(const char *site, char out[8])
{
	char *clean = cli_out_clean(site);
	size_t i = 0, n = 0;

	if (clean == NULL) {
		memcpy(out, "?", 2);
		return;
	}
	/*
	 * Seven characters. Site IDs are ASCII, but a peer may lie: never
	 * more than 7 bytes, and no multi-byte character cut in half (any
	 * non-ASCII tail is dropped, which is enough for a short ID).
	 */
	for (i = 0; clean[i] != '\0' && i < 7; i++) {
		if (((unsigned char)clean[i] & 0xc0) != 0x80) {
			if (n == 7)
				break;
			n++;
		}
	}
	while (i > 0 && ((unsigned char)clean[i - 1] & 0x80) != 0)
		i--;
	memcpy(out, clean, i);
	out[i] = '\0';
	free(clean);
}

size_t
cli_out_width(const char *s)
{
	return gs_text_width(s);
}

void
cli_out_pad(const char *s, size_t width)
{
	size_t w = cli_out_width(s);

	fputs(s, stdout);
	for (; w < width; w++)
		fputc(' ', stdout);
}

char *
cli_out_clean_cut(const char *s, size_t max)
{
	/* Room for "…" (3 bytes) even when it replaces one ASCII byte. */
	char *out = clean_dup(s, 3);
	size_t i;

	if (out == NULL)
		return NULL;
	if (max < 2 || cli_out_width(out) <= max)
		return out;
	/* Keep what fits in max - 1 cells, then "…" (one cell). */
	i = gs_text_fit(out, max - 1);
	memcpy(out + i, "\xe2\x80\xa6", 4);
	return out;
}

/* Parses "YYYY-MM-DDTHH:MM[:SS[.fff]]" into tm; returns the rest or NULL. */
static const char *
parse_rfc3339(const char *s, struct tm *tm)
{
	int n = 0;

	memset(tm, 0, sizeof(*tm));
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d%n", &tm->tm_year,
	    &tm->tm_mon, &tm->tm_mday, &tm->tm_hour, &tm->tm_min, &n) != 5 ||
	    n != 16)
		return NULL;
	s += n;
	if (s[0] == ':') {
		if (sscanf(s, ":%2d%n", &tm->tm_sec, &n) != 1 || n != 3)
			return NULL;
		s += n;
		if (s[0] == '.') {
			s++;
			while (*s >= '0' && *s <= '9')
				s++;
		}
	}
	if (tm->tm_mon < 1 || tm->tm_mon > 12 || tm->tm_mday < 1 ||
	    tm->tm_mday > 31 || tm->tm_hour > 23 || tm->tm_min > 59 ||
	    tm->tm_sec > 60)
		return NULL;
	tm->tm_year -= 1900;
	tm->tm_mon -= 1;
	return s;
}

static void
copy_clean(const char *s, char *out, size_t outlen)
{
	gs_sanitize(s != NULL ? s : "", out, (unsigned)outlen);
}

void
cli_out_wallclock(const char *s, char *out, size_t outlen)
{
	struct tm tm;

	if (s == NULL || parse_rfc3339(s, &tm) == NULL) {
		copy_clean(s, out, outlen);
		return;
	}
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

/* The day of an RFC 3339 time and its wall time; 0, or -1 when not one. */
static int
wall_tm(const char *s, struct tm *tm)
{
	time_t t;

	if (s == NULL || parse_rfc3339(s, tm) == NULL)
		return -1;
	/* the wall time as written: only the weekday is computed */
	t = timegm(tm);
	gmtime_r(&t, tm);
	return 0;
}

/* « mardi 15 décembre » (with the year when it is not this one). */
static void
day_of_tm(const struct tm *tm, char *out, size_t outlen)
{
	/* French in every language: the house style's dates */
	/* fr: value */
	static const char *const days[] = { "dimanche", "lundi", "mardi",
	    "mercredi", "jeudi", "vendredi", "samedi" };
	/* fr: value */
	static const char *const months[] = { "janvier", "février", "mars",
	    "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
	    "novembre", "décembre" };
	struct tm now;
	char year[16] = "";
	time_t t;

	t = time(NULL);
	localtime_r(&t, &now);
	if (tm->tm_year != now.tm_year)
		snprintf(year, sizeof(year), " %d", tm->tm_year + 1900);
	snprintf(out, outlen, "%s %d%s %s%s", days[tm->tm_wday],
	    tm->tm_mday, tm->tm_mday == 1 ? "er" : "", months[tm->tm_mon],
	    year);
}

/* « 14 h », « 14 h 30 ». */
static void
hour_of_tm(const struct tm *tm, char *out, size_t outlen)
{
	if (tm->tm_min != 0)
		snprintf(out, outlen, "%d h %02d", tm->tm_hour, tm->tm_min);
	else
		snprintf(out, outlen, "%d h", tm->tm_hour);
}

void
cli_out_day_fr(const char *s, char *out, size_t outlen)
{
	struct tm tm;

	if (wall_tm(s, &tm) != 0) {
		copy_clean(s, out, outlen);
		return;
	}
	day_of_tm(&tm, out, outlen);
}

void
cli_out_hour_fr(const char *s, char *out, size_t outlen)
{
	struct tm tm;

	if (wall_tm(s, &tm) != 0) {
		copy_clean(s, out, outlen);
		return;
	}
	hour_of_tm(&tm, out, outlen);
}

/* « lundi 30 novembre, 14 h 20 ». */
static void
date_of_tm(const struct tm *tm, char *out, size_t outlen)
{
	char day[80], hour[16];

	day_of_tm(tm, day, sizeof(day));
	hour_of_tm(tm, hour, sizeof(hour));
	snprintf(out, outlen, "%s, %s", day, hour);
}

void
cli_out_date_fr(const char *s, char *out, size_t outlen)
{
	struct tm tm;

	if (wall_tm(s, &tm) != 0) {
		copy_clean(s, out, outlen);
		return;
	}
	date_of_tm(&tm, out, outlen);
}

void
cli_out_time_or_never(const json_t *v, char *out, size_t outlen)
{
	if (!json_is_string(v)) {
		snprintf(out, outlen, "%s", _("never"));
		return;
	}
	cli_out_localtime(json_string_value(v), out, outlen);
}

int
cli_out_local_tm(const char *s, struct tm *lt)
{
	const char *rest;
	struct tm tm;
	time_t t;

	rest = s != NULL ? parse_rfc3339(s, &tm) : NULL;
	/* Item times are UTC ("Z"); anything else is not converted. */
	if (rest == NULL || (strcmp(rest, "Z") != 0 && strcmp(rest, "z") != 0 &&
	    strcmp(rest, "+00:00") != 0))
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1 || localtime_r(&t, lt) == NULL)
		return -1;
	return 0;
}

void
cli_out_localtime(const char *s, char *out, size_t outlen)
{
	struct tm lt;

	if (cli_out_local_tm(s, &lt) != 0) {
		copy_clean(s, out, outlen);     /* shown as written */
		return;
	}
	date_of_tm(&lt, out, outlen);   /* in this computer's time zone */
}

void
cli_out_day_tm(const struct tm *tm, char *out, size_t outlen)
{
	day_of_tm(tm, out, outlen);
}

char *
cli_out_line(const char **p)
{
	const char *s = *p, *nl = strchr(s, '\n');
	char *line;

	line = strndup(s, nl != NULL ? (size_t)(nl - s) : strlen(s));
	if (line != NULL && line[0] != '\0' && line[strlen(line) - 1] == '\r')
		line[strlen(line) - 1] = '\0';
	*p = nl != NULL ? nl + 1 : NULL;
	return line;
}

void
cli_out_int_or_dash(const json_t *v, char *out, size_t outlen)
{
	if (json_is_integer(v))
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, outlen, "-");
}

void
cli_out_done(const char *what, const json_t *obj, const char *key)
{
	char *v = cli_out_clean(cli_doc_str(obj, key));

	printf(_("%s: %s\n"), what, v != NULL ? v : "?");
	free(v);
}

void
cli_out_lv(const char *label, size_t width, const char *value,
    const char *suffix)
{
	const char *p = value;
	char *line, *clean;

	printf("%s:", label);
	for (size_t w = cli_out_width(label) + 1; w < width + 2; w++)
		fputc(' ', stdout);
	for (int first = 1; p != NULL; first = 0) {
		line = cli_out_line(&p);
		clean = cli_out_clean(line);
		if (!first)
			printf("\n%*s", (int)width + 2, "");
		fputs(clean != NULL ? clean : "?", stdout);
		free(clean);
		free(line);
	}
	if (suffix != NULL)
		fputs(suffix, stdout);
	fputc('\n', stdout);
}

int
cli_table_init(struct cli_table *t, size_t ncols, const char *const *hdr)
{
	const char *tr[CLI_TABLE_MAXCOLS];

	memset(t, 0, sizeof(*t));
	if (ncols > CLI_TABLE_MAXCOLS)
		return -1;
	t->ncols = ncols;
	/* headers are N_() msgids: translated here */
	for (size_t c = 0; c < ncols; c++)
		tr[c] = hdr[c][0] != '\0' ? _(hdr[c]) : hdr[c];
	return cli_table_row(t, tr);
}

int
cli_table_row(struct cli_table *t, const char *const *cells)
{
	/* An element of the array is a row: ncols cells. */
	if (gs_grow(&t->cells, &t->cap, t->nrows, t->ncols * sizeof(*t->cells),
	    16) != 0)
		return -1;
	for (size_t c = 0; c < t->ncols; c++) {
		char *cell = cli_out_clean(cells[c]);
		if (cell == NULL) {
			for (size_t k = 0; k < c; k++)
				free(t->cells[t->nrows * t->ncols + k]);
			return -1;
		}
		t->cells[t->nrows * t->ncols + c] = cell;
	}
	t->nrows++;
	return 0;
}

void
cli_table_print(const struct cli_table *t)
{
	size_t *w, c, r;

	w = calloc(t->ncols, sizeof(*w));
	if (w == NULL)
		return;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t x = cli_out_width(t->cells[r * t->ncols + c]);
			if (x > w[c])
				w[c] = x;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			if (c + 1 == t->ncols) {
				fputs(cell, stdout);
			} else {
				cli_out_pad(cell, w[c]);
				fputs("  ", stdout);
			}
		}
		fputc('\n', stdout);
	}
	free(w);
}

void
cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
