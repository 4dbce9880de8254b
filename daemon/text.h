/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * text.h: the one rule for text that a person will read. Text from a peer
 * (a title, a site name, a note) and the admin's own input are checked
 * against one table of refused code points: controls (C0, DEL, C1), bidi
 * embeddings, overrides, isolates and marks, line and paragraph
 * separators, zero-width and invisible characters, the BOM. A run of more
 * than GS_TEXT_MARKS_MAX combining marks (or a mark with nothing before
 * it) is refused too: stacked marks draw over the lines around them. The
 * schema's check of every text field (gs_text_check) and the sanitizer of
 * everything printed or logged (gs_sanitize, log.h) read the same table,
 * so what is refused on receipt is also what is never printed raw.
 *
 * Widths are measured in terminal cells with the C library's wcwidth()
 * once gs_text_locale_init() has set a UTF-8 LC_CTYPE (the CLI does it
 * once at start); without one, each character counts one cell and a
 * combining mark none.
 */
#ifndef GS_TEXT_H
#define GS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Combining marks allowed in a row after one base character ("ệ" written
 * e + U+0323 + U+0302 takes two; Hebrew with points and a cantillation
 * mark takes three). */
#define GS_TEXT_MARKS_MAX 3

/*
 * The class of refused code points cp belongs to, in French (static
 * text, e.g. "contrôle de direction du texte"), or NULL when cp is
 * allowed. '\n' is a control here: multi-line text allows it itself.
 */
const char *gs_text_refused(uint32_t cp);

/* 1 if cp is a combining mark (it draws over the character before it). */
bool gs_text_is_mark(uint32_t cp);

/*
 * Decodes the UTF-8 sequence at s (NUL-terminated) into *cp. Returns its
 * length (1-4), or 0 when the bytes are not valid UTF-8 (overlong forms
 * and surrogates included).
 */
size_t gs_utf8_decode(const char *s, uint32_t *cp);

/*
 * Checks s (valid UTF-8) against the table and the rule on combining
 * marks; multiline allows '\n'. Returns 0, or -1 with the rule broken,
 * in French and naming the code point (« ne doit pas contenir U+202E
 * (contrôle de direction du texte) »), written to why (whylen bytes).
 */
int gs_text_check(const char *s, bool multiline, char *why, size_t whylen);

/* 1 if s is not empty and holds only spaces (any Unicode space, tabs):
 * a title or a name like that shows nothing. */
bool gs_text_blank(const char *s);

/*
 * Sets LC_CTYPE to a UTF-8 locale for wcwidth(): the user's own when it
 * is UTF-8, else C.UTF-8. Call once, at start, before any thread. Returns
 * 0, or -1 when no UTF-8 locale exists (widths then count characters).
 */
int gs_text_locale_init(void);

/* Width of s in terminal cells: wide characters count 2, combining
 * marks 0; an invalid byte or a non-printable character counts 1. */
size_t gs_text_width(const char *s);

/*
 * Length in bytes of the longest start of s that fits in cells terminal
 * cells, without cutting a character or leaving its combining marks
 * behind.
 */
size_t gs_text_fit(const char *s, size_t cells);

#endif
