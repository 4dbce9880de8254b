/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * item.h: item types and their fields, and the validation rules every
 * field obeys. One table per type lists its fields with their rules, so a
 * new type costs one table. No field describes a member's health or
 * identity: unknown fields are refused.
 *
 * A change body is a delta: the fields it writes. The reserved field
 * "_deleted" ("1" or "0") is written by deletions and by conflict
 * resolutions that settle a delete-versus-edit conflict.
 */
#ifndef GS_ITEM_H
#define GS_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

enum gs_item_type {
	GS_TYPE_EVENT = 1,
	GS_TYPE_RESOURCE = 2,
	GS_TYPE_SITE = 3,
	GS_TYPE_RESERVATION = 4,
};
#define GS_TYPE_MIN 1
#define GS_TYPE_MAX 4

#define GS_ITEM_ID_LEN 16
#define GS_FIELD_DELETED "_deleted"

/* What failed validation: the field and the rule, in French. */
struct gs_verr {
	char field[GS_FIELD_NAME_MAX + 1];
	char rule[200];
};

/* "event", "resource", "site", "reservation", or NULL if unknown. */
const char *gs_item_type_name(int type);
/* The type named s, or GS_EINVAL. */
int gs_item_type_parse(const char *s);

/*
 * Checks one field of an item of the given type: the name is known for
 * the type and the value follows its rule (length, format, enumeration).
 * An empty value clears an optional field and is accepted for it.
 * Returns 0 or GS_EINVAL with err filled (err may be NULL).
 */
int gs_item_check_field(int type, const char *name, const char *value,
    struct gs_verr *err);
/*
 * Checks a change body (delta). Every field passes gs_item_check_field;
 * a root change (root true) must also carry every required field.
 * "_deleted" must be "0" or "1". Returns 0 or GS_EINVAL with err filled.
 */
int gs_item_check_delta(int type, const struct gs_fields *delta, bool root,
    struct gs_verr *err);
/*
 * Checks a whole item state: required fields present and non-empty, and
 * the rules across fields (an event ends after it starts). Returns 0 or
 * GS_EINVAL with err filled.
 */
int gs_item_check_state(int type, const struct gs_fields *state,
    struct gs_verr *err);

/*
 * The field listing the sites, besides the owner, that may edit an item of
 * this type ("cohosts" for events, "editors" for resources), or NULL when
 * only the owner may write (site profiles, reservations).
 */
const char *gs_item_editors_field(int type);
/*
 * 1 if the comma-separated list of site IDs in value contains pk, 0
 * otherwise (including when value is NULL).
 */
int gs_item_list_has_site(const char *value, const uint8_t pk[32]);

/* The 16-byte ID of an item created by author's change number seq. */
void gs_item_id_new(const uint8_t author[32], uint64_t seq,
    uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of the site profile of author (one per site). */
void gs_item_id_site(const uint8_t author[32], uint8_t out[GS_ITEM_ID_LEN]);
/* The 16-byte ID of author's reservation on event (one per site and event). */
void gs_item_id_reservation(const uint8_t author[32],
    const uint8_t event[GS_ITEM_ID_LEN], uint8_t out[GS_ITEM_ID_LEN]);

/*
 * Parses an RFC 3339 date-time with offset into milliseconds since the
 * Unix epoch. Returns 0 or GS_EINVAL.
 */
int gs_time_parse(const char *s, int64_t *ms);

/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void gs_hex(const uint8_t *bin, size_t len, char *out);
/* Parses exactly 2 * len hex digits (any case). 0 or GS_EINVAL. */
int gs_unhex(const char *hex, uint8_t *bin, size_t len);

#endif
