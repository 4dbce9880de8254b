/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * jsonw.h: a JSON text writer for the large documents of the control
 * socket (item lists), which building a jansson tree and dumping it made
 * slow: it appends straight into one growing buffer. It writes exactly
 * what json_dumps(JSON_COMPACT) writes for the same document, as long as
 * the caller emits object keys in sorted order (as JSON_SORT_KEYS would).
 * Strings must be valid UTF-8 (every stored value is checked on entry).
 * Object keys are written as they are: they must need no escaping (the
 * program's own names, and field names, which are checked to be
 * [a-z0-9_], with "@" and [0-9-] after it for a series' dates).
 *
 * Errors are sticky: after a failed allocation every call is a no-op and
 * gs_jw_finish() returns NULL.
 */
#ifndef GS_JSONW_H
#define GS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_JW_DEPTH 16

struct gs_jw {
	char *buf;                  /* owned; NUL-terminated by gs_jw_finish() */
	size_t len, cap;
	int depth;
	bool first[GS_JW_DEPTH];    /* no value yet at this depth */
	bool after_key;             /* a key was written, its value comes next */
	bool failed;
};

void gs_jw_init(struct gs_jw *w);
/* Makes room for n bytes at once (a hint: the buffer grows anyway). */
void gs_jw_reserve(struct gs_jw *w, size_t n);
/* Frees the buffer (when not finished). Accepts a finished writer. */
void gs_jw_free(struct gs_jw *w);
/* The text (malloc'd, the caller frees), or NULL after an error. */
char *gs_jw_finish(struct gs_jw *w);

void gs_jw_obj(struct gs_jw *w);
void gs_jw_obj_end(struct gs_jw *w);
void gs_jw_arr(struct gs_jw *w);
void gs_jw_arr_end(struct gs_jw *w);
void gs_jw_key(struct gs_jw *w, const char *k);
void gs_jw_str(struct gs_jw *w, const char *s);
void gs_jw_int(struct gs_jw *w, int64_t v);
void gs_jw_bool(struct gs_jw *w, bool v);
void gs_jw_null(struct gs_jw *w);
/* A value already in JSON (e.g. a nested document). */
void gs_jw_raw(struct gs_jw *w, const char *json);
/*
 * Members of an object already in JSON ("a":1,"b":2: len bytes, without
 * the braces), written inside the object being written where a key would
 * go; the caller keeps the keys in sorted order across them.
 */
void gs_jw_members(struct gs_jw *w, const char *json, size_t len);

#endif
