/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * jsonw.c: appending JSON text. Commas are placed by tracking, per nesting
 * level, whether a value was written yet.
 */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct gs_jw *w, size_t n);

void
gs_jw_init(struct gs_jw *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
}

void
gs_jw_reserve(struct gs_jw *w, size_t n)
{
	char *nb;

	if (w->failed || n <= w->cap)
		return;
	if ((nb = realloc(w->buf, n)) == NULL) {
		w->failed = true;
		return;
	}
	w->buf = nb;
	w->cap = n;
}

void
gs_jw_free(struct gs_jw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

char *
gs_jw_finish(struct gs_jw *w)
{
	char *out;

	if (!w->failed && w->buf == NULL)
		grow(w, 0);
	out = w->failed || w->depth != 0 ? NULL : w->buf;
	if (out != NULL)
		out[w->len] = '\0';

	if (out == NULL)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	return out;
}

/* Makes room for n more bytes and the final NUL; false on failure. */
static bool
grow(struct gs_jw *w, size_t n)
{
	size_t ncap = w->cap ? w->cap : 4096;
	char *nb;

	if (w->failed)
		return false;
	while (w->len + n + 1 > ncap)
		ncap *= 2;
	if ((nb = realloc(w->buf, ncap)) == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = nb;
	w->cap = ncap;
	return true;
}

/* Appends n bytes; the NUL is written by gs_jw_finish(). */
static inline void
put(struct gs_jw *w, const char *p, size_t n)
{
	if (w->len + n + 1 > w->cap && !grow(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Before any value: a comma unless it is the first at its level. */
static void
sep(struct gs_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
}

static void
open_(struct gs_jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth + 1 >= GS_JW_DEPTH) {
		w->failed = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void
close_(struct gs_jw *w, char c)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	w->depth--;
	put(w, &c, 1);
}

void gs_jw_obj(struct gs_jw *w) { open_(w, '{'); }
void gs_jw_obj_end(struct gs_jw *w) { close_(w, '}'); }
void gs_jw_arr(struct gs_jw *w) { open_(w, '['); }
void gs_jw_arr_end(struct gs_jw *w) { close_(w, ']'); }

/* What ends a run of bytes copied as they are: escapes and the end. */
static const bool stops[256] = {
	[0] = true, [1] = true, [2] = true, [3] = true, [4] = true,
	[5] = true, [6] = true, [7] = true, [8] = true, [9] = true,
	[10] = true, [11] = true, [12] = true, [13] = true, [14] = true,
	[15] = true, [16] = true, [17] = true, [18] = true, [19] = true,
	[20] = true, [21] = true, [22] = true, [23] = true, [24] = true,
	[25] = true, [26] = true, [27] = true, [28] = true, [29] = true,
	[30] = true, [31] = true, ['"'] = true, ['\\'] = true,
};

/* A quoted, escaped string, as jansson writes it (UTF-8 kept as is). */
static void
quoted(struct gs_jw *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s;
	char esc[7];

	put(w, "\"", 1);
	for (;; s++) {
		unsigned char c;
		const char *e = NULL;
		size_t elen = 2;

		while (!stops[(unsigned char)*s])
			s++;
		if ((c = (unsigned char)*s) == '\0')
			break;
		put(w, run, (size_t)(s - run));
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			e = esc;
			elen = 6;
		}
		put(w, e, elen);
		run = s + 1;
	}
	put(w, run, (size_t)(s - run));
	put(w, "\"", 1);
}

void
gs_jw_key(struct gs_jw *w, const char *k)
{
	sep(w);
	put(w, "\"", 1);
	put(w, k, strlen(k));
	put(w, "\":", 2);
	w->after_key = true;
}

void
gs_jw_str(struct gs_jw *w, const char *s)
{
	sep(w);
	quoted(w, s);
}

void
gs_jw_int(struct gs_jw *w, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);

	sep(w);
	put(w, buf, (size_t)n);
}

void
gs_jw_bool(struct gs_jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
gs_jw_null(struct gs_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void
gs_jw_raw(struct gs_jw *w, const char *json)
{
	sep(w);
	put(w, json, strlen(json));
}

void
gs_jw_members(struct gs_jw *w, const char *json, size_t len)
{
	if (w->after_key) {
		w->failed = true;
		return;
	}
	sep(w);
	put(w, json, len);
}
