/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * csv.h: CSV text as RFC 4180 writes it, for the directory's exchange
 * files (docs/directory.md): a flat file a spreadsheet opens (UTF-8 with
 * a byte order mark, ";" between cells, as LibreOffice and Excel expect
 * in French) and the HSDS tables (",", no mark). A cell holding the
 * separator, a quote, a line break or spaces at either end is quoted,
 * its quotes doubled; any cell may hold newlines. Reading accepts both
 * separators, a mark or none, CRLF or LF, and tells which line each
 * record starts on, so an import names the line of a bad row.
 * No I/O here: text in, text out.
 */
#ifndef GS_CSV_H
#define GS_CSV_H

#include <stdbool.h>
#include <stddef.h>

/* The UTF-8 byte order mark a spreadsheet reads as "this is UTF-8". */
#define GS_CSV_BOM "\xef\xbb\xbf"

/* A growing text buffer for what is written. */
struct gs_csv_out {
	char *s;        /* NUL-terminated, owned; NULL before the first write */
	size_t len, cap;
	int failed;     /* GS_ENOMEM once a write failed: later ones do nothing */
};

/*
 * Appends one record: the n cells separated by sep, each quoted when it
 * must be, ended by CRLF (RFC 4180). NULL cells are empty. Returns 0 or
 * GS_ENOMEM (then o->failed).
 */
int gs_csv_row(struct gs_csv_out *o, const char *const *cells, size_t n,
    char sep);
/* Appends text as is (the byte order mark). 0 or GS_ENOMEM. */
int gs_csv_raw(struct gs_csv_out *o, const char *text);
/* Frees o's text; o is then empty and reusable. */
void gs_csv_out_clear(struct gs_csv_out *o);

/* One record read. */
struct gs_csv_rec {
	char **v;       /* n cells, each NUL-terminated and owned */
	size_t n, cap;
	size_t line;    /* line of the text the record starts on, from 1 */
};

/* Frees the cells; the record is then empty and reusable. */
void gs_csv_rec_clear(struct gs_csv_rec *r);

/* Reads records from text (not owned: it must outlive the reader). */
struct gs_csv_reader {
	const char *p, *end;
	size_t line;
	char sep;
	bool nul;       /* the malformed record held a NUL byte */
};

/*
 * Starts reading len bytes of text; skips a byte order mark. sep is the
 * separator, or 0 to take the one the first line uses most outside
 * quotes (";" or ",", ";" when neither).
 */
void gs_csv_reader_init(struct gs_csv_reader *rd, const char *text,
    size_t len, char sep);
/*
 * Reads the next record into rec (cleared first). Returns 1 for a
 * record, 0 at the end of the text, GS_EINVAL for a malformed record (a
 * quote never closed, text after a closing quote, or a NUL byte, which
 * no cell may hold: then rd->nul; rec->line says where, and reading
 * stops there), GS_ENOMEM. Blank lines are skipped.
 */
int gs_csv_next(struct gs_csv_reader *rd, struct gs_csv_rec *rec);

#endif
