/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fields.h: a small sorted map of field name -> string value, the shape of
 * every item body and item state, and its canonical protobuf encoding
 * (gs.Body: fields sorted by name, each name once). Decoding is strict: a
 * body that is not canonical, not UTF-8, or too large is refused, so that
 * the same fields always hash the same.
 */
#ifndef GS_FIELDS_H
#define GS_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#define GS_FIELDS_MAX 64            /* fields in one body */
#define GS_FIELD_NAME_MAX 32        /* bytes in a field name */
#define GS_FIELD_VALUE_MAX 8192     /* bytes in a field value */

struct gs_field {
	char *name;     /* owned, NUL-terminated */
	char *value;    /* owned, NUL-terminated, valid UTF-8 */
};

struct gs_fields {
	struct gs_field *v;   /* sorted by name (strcmp), names unique */
	size_t n;             /* fields in use */
	size_t cap;           /* allocated slots */
};

/* Makes f empty. A zeroed struct is also a valid empty map. */
void gs_fields_init(struct gs_fields *f);
/* Frees every field and leaves f empty (reusable). Accepts NULL. */
void gs_fields_clear(struct gs_fields *f);
/* Sets name to a copy of value (replacing any old value). 0 or GS_ENOMEM. */
int gs_fields_set(struct gs_fields *f, const char *name, const char *value);
/* Returns the value of name (lent, valid until f changes) or NULL. */
const char *gs_fields_get(const struct gs_fields *f, const char *name);
/* Removes name if present. */
void gs_fields_del(struct gs_fields *f, const char *name);
/* Replaces dst with a deep copy of src. 0 or GS_ENOMEM (dst then empty). */
int gs_fields_copy(struct gs_fields *dst, const struct gs_fields *src);
/* 1 if a and b hold the same names and values, 0 otherwise. */
int gs_fields_equal(const struct gs_fields *a, const struct gs_fields *b);

/*
 * Encodes f as a canonical gs.Body. *out is malloc'd and owned by the
 * caller. Returns 0 or GS_ENOMEM.
 */
int gs_fields_encode(const struct gs_fields *f, uint8_t **out, size_t *outlen);
/*
 * Decodes a gs.Body into out (which must be empty). Returns 0, GS_EPROTO
 * when the bytes are not a canonical body (bad protobuf, unsorted or
 * repeated names, invalid UTF-8, a NUL inside a string, limits above
 * exceeded), or GS_ENOMEM. out is left empty on failure.
 */
int gs_fields_decode(const uint8_t *buf, size_t len, struct gs_fields *out);

/*
 * The same for bytes this site encoded itself and kept sealed (an item's
 * state): every rule but the canonical re-encoding, which the seal makes
 * moot, is still checked.
 */
int gs_fields_decode_own(const uint8_t *buf, size_t len,
    struct gs_fields *out);

/* 1 if s (len bytes) is valid UTF-8 without NUL bytes, 0 otherwise. */
int gs_utf8_valid(const char *s, size_t len);

#endif
