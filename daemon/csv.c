/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * csv.c: RFC 4180 records written and read (csv.h). Cells are bytes: UTF-8
 * passes through untouched.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grow.h"

static int
out_put(struct gs_csv_out *o, const char *s, size_t n)
{
	if (o->failed)
		return GS_ENOMEM;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *ns;
		while (cap < o->len + n + 1)
			cap *= 2;
		ns = realloc(o->s, cap);
		if (ns == NULL) {
			o->failed = GS_ENOMEM;
			return GS_ENOMEM;
		}
		o->s = ns;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = '\0';
	return 0;
}

int
gs_csv_raw(struct gs_csv_out *o, const char *text)
{
	return out_put(o, text, strlen(text));
}

/* Must the cell be quoted to read back as it is? */
static bool
needs_quotes(const char *c, char sep)
{
	size_t n = strlen(c);

	if (n > 0 && (c[0] == ' ' || c[n - 1] == ' '))
		return true;
	/* a file's first cell starting with a BOM would lose it when read */
	if (n >= 3 && memcmp(c, GS_CSV_BOM, 3) == 0)
		return true;
	for (; *c; c++)
		if (*c == sep || *c == '"' || *c == '\n' || *c == '\r')
			return true;
	return false;
}

static int
put_cell(struct gs_csv_out *o, const char *c, char sep)
{
	const char *q;
	int rc;

	if (!needs_quotes(c, sep))
		return out_put(o, c, strlen(c));
	rc = out_put(o, "\"", 1);
	while (rc == 0 && (q = strchr(c, '"')) != NULL) {
		rc = out_put(o, c, (size_t)(q - c) + 1);   /* up to the quote */
		if (rc == 0)
			rc = out_put(o, "\"", 1);          /* doubled */
		c = q + 1;
	}
	if (rc == 0)
		rc = out_put(o, c, strlen(c));
	if (rc == 0)
		rc = out_put(o, "\"", 1);
	return rc;
}

int
gs_csv_row(struct gs_csv_out *o, const char *const *cells, size_t n,
    char sep)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = out_put(o, &sep, 1);
		if (rc == 0)
			rc = put_cell(o, cells[i] != NULL ? cells[i] : "", sep);
	}
	if (rc == 0)
		rc = out_put(o, "\r\n", 2);
	return rc;
}

void
gs_csv_out_clear(struct gs_csv_out *o)
{
	free(o->s);
	memset(o, 0, sizeof(*o));
}

void
gs_csv_rec_clear(struct gs_csv_rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* The separator the first line uses most outside quotes. */
static char
sniff(const char *p, const char *end)
{
	size_t semi = 0, comma = 0;
	bool quoted = false;

	for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ';')
			semi++;
		else if (!quoted && *p == ',')
			comma++;
	}
	return comma > semi ? ',' : ';';
}

void
gs_csv_reader_init(struct gs_csv_reader *rd, const char *text, size_t len,
    char sep)
{
	rd->p = text;
	rd->end = text + len;
	rd->line = 1;
	rd->nul = false;
	if (len >= 3 && memcmp(text, GS_CSV_BOM, 3) == 0)
		rd->p += 3;
	rd->sep = sep != 0 ? sep : sniff(rd->p, rd->end);
}

/* Appends the n bytes at s as the record's next cell. */
static int
add_cell(struct gs_csv_rec *rec, const char *s, size_t n)
{
	char *c;

	if (gs_grow(&rec->v, &rec->cap, rec->n, sizeof(*rec->v), 16) != 0)
		return GS_ENOMEM;
	c = malloc(n + 1);
	if (c == NULL)
		return GS_ENOMEM;
	memcpy(c, s, n);
	c[n] = '\0';
	rec->v[rec->n++] = c;
	return 0;
}

/* At the end of a record: a line break (consumed) or the end. */
static bool
at_eol(struct gs_csv_reader *rd)
{
	if (rd->p == rd->end)
		return true;
	if (*rd->p == '\r' && rd->p + 1 < rd->end && rd->p[1] == '\n') {
		rd->p += 2;
		rd->line++;
		return true;
	}
	if (*rd->p == '\n' || *rd->p == '\r') {
		rd->p++;
		rd->line++;
		return true;
	}
	return false;
}

/* A malformed record: a NUL byte, which no cell may hold, says so. */
static int
malformed(struct gs_csv_reader *rd, char c)
{
	if (c == '\0')
		rd->nul = true;
	return GS_EINVAL;
}

/*
 * The size of the quoted cell whose text starts at p (after its opening
 * quote), once its doubled quotes are undone; *close: its closing quote.
 * GS_EINVAL if it is never closed or holds a NUL byte.
 */
static int
quoted_size(struct gs_csv_reader *rd, const char *p, size_t *n,
    const char **close)
{
	for (*n = 0; p < rd->end; p++, (*n)++) {
		if (*p == '\0')
			return malformed(rd, *p);
		if (*p != '"')
			continue;
		if (p + 1 == rd->end || p[1] != '"')
			break;
		p++;                          /* a doubled quote is one */
	}
	if (p == rd->end)
		return GS_EINVAL;             /* never closed */
	*close = p;
	return 0;
}

/* Reads a quoted cell (rd->p on its opening quote). */
static int
quoted_cell(struct gs_csv_reader *rd, struct gs_csv_rec *rec)
{
	const char *p = rd->p + 1, *close = NULL;
	char *buf;
	size_t n, k = 0;
	int rc;

	rc = quoted_size(rd, p, &n, &close);
	if (rc != 0)
		return rc;
	if ((buf = malloc(n + 1)) == NULL)
		return GS_ENOMEM;
	for (; p < close; p++) {
		if (*p == '\n')
			rd->line++;
		buf[k++] = *p;
		if (*p == '"')
			p++;                  /* the second of a doubled quote */
	}
	rd->p = close + 1;
	rc = add_cell(rec, buf, k);
	free(buf);
	if (rc == 0 && rd->p < rd->end && *rd->p != rd->sep &&
	    *rd->p != '\n' && *rd->p != '\r')
		rc = malformed(rd, *rd->p);   /* text after the closing quote */
	return rc;
}

static int
plain_cell(struct gs_csv_reader *rd, struct gs_csv_rec *rec)
{
	const char *s = rd->p;

	while (rd->p < rd->end && *rd->p != rd->sep && *rd->p != '\n' &&
	    *rd->p != '\r') {
		if (*rd->p == '"' || *rd->p == '\0')
			return malformed(rd, *rd->p);   /* a quote or a NUL */
		rd->p++;
	}
	return add_cell(rec, s, (size_t)(rd->p - s));
}

int
gs_csv_next(struct gs_csv_reader *rd, struct gs_csv_rec *rec)
{
	int rc;

	gs_csv_rec_clear(rec);
	/* blank lines between records are nothing */
	while (rd->p < rd->end && (*rd->p == '\n' || *rd->p == '\r'))
		(void)at_eol(rd);
	rec->line = rd->line;
	if (rd->p == rd->end)
		return 0;
	for (;;) {
		rc = *rd->p == '"' ? quoted_cell(rd, rec) : plain_cell(rd, rec);
		if (rc != 0) {
			rd->p = rd->end;      /* the rest cannot be trusted */
			return rc;
		}
		if (at_eol(rd))
			return 1;
		rd->p++;                      /* the separator */
		if (at_eol(rd)) {             /* a last empty cell */
			rc = add_cell(rec, "", 0);
			return rc != 0 ? rc : 1;
		}
	}
}
