/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * schema.h: the item types and their fields, and the validation rules
 * every field obeys. schema.c holds one table per type listing its
 * fields, a row each with everything the daemon knows about a field
 * (name, required, text kind, byte limit, rule), and one table of the
 * types; so a new field is one row and a new type is one table and one
 * row. No field describes a member's health or identity: unknown fields
 * are refused.
 *
 * A change body is a delta: the fields it writes. The reserved field
 * "_deleted" ("1" or "0") is written by deletions and by conflict
 * resolutions that settle a delete-versus-edit conflict.
 *
 * Other modules learn about the types from here rather than from their
 * numbers: the store is handed the stored and owned types
 * (gs_schema_store_types), the replica the editors field of each type.
 */
#ifndef GS_SCHEMA_H
#define GS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* The numbers are on disk and on the wire: never renumber. */
enum gs_item_type {
	GS_TYPE_EVENT = 1,
	GS_TYPE_RESOURCE = 2,
	GS_TYPE_SITE = 3,
	GS_TYPE_RESERVATION = 4,
	/* a site checked a resource's record: one item per (site, resource),
	 * its latest change's HLC is the date it last did (confirm.h) */
	GS_TYPE_CONFIRMATION = 5,
	/*
	 * A signed revocation of a site key, by an introducer or by the site
	 * itself (docs/internals/trust.md). One per revoking and revoked site;
	 * final: it takes no later change.
	 */
	GS_TYPE_REVOCATION = 6,
	/*
	 * A key link: the site's old key names its new key, which signs the
	 * pair too (docs/internals/trust.md, "Key rotation"). One per old
	 * key, final; the old key's last change.
	 */
	GS_TYPE_KEYLINK = 7,
};
#define GS_TYPE_MIN 1
#define GS_TYPE_MAX 7

#define GS_ITEM_ID_LEN 16
#define GS_FIELD_DELETED "_deleted"
/*
 * "_erased" = "1", with "_deleted" = "1", marks an erasure: every site
 * drops the bodies of the item's other changes (docs/internals/
 * sync-protocol.md, "Erasure").
 */
#define GS_FIELD_ERASED "_erased"

struct gs_store_types;

/* What failed validation: the field and the rule, in French. */
struct gs_verr {
	char field[GS_FIELD_NAME_MAX + 1];
	char rule[200];
};

/* "event", "resource", "site", "reservation", "confirmation",
 * "revocation", or NULL if
 * unknown (a number between GS_TYPE_MIN and GS_TYPE_MAX may be unknown). */
const char *gs_item_type_name(int type);
/* The type named s, or GS_EINVAL (s NULL or unknown). */
int gs_item_type_parse(const char *s);

/*
 * Fills *out with the item types the store keeps (every type, ascending)
 * and those it counts per owner (the live events and resources a site
 * lists). out is the caller's; nothing is lent.
 */
void gs_schema_store_types(struct gs_store_types *out);

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
 * the type's rules across fields (an event ends after it starts).
 * Returns 0 or GS_EINVAL with err filled.
 */
int gs_item_check_state(int type, const struct gs_fields *state,
    struct gs_verr *err);

/*
 * The field listing the sites, besides the owner, that may edit an item of
 * this type ("cohosts" for events, "editors" for resources), or NULL when
 * only the owner may write (site profiles, reservations) or the type is
 * unknown.
 */
const char *gs_item_editors_field(int type);
/*
 * One value of an enumerated field: its code, which is what is stored,
 * signed, synced and printed by --json (and what scripts may type), and
 * its French word, which lists show and which people type. Both are
 * accepted as input, case and accents ignored (gs_schema_normalize).
 */
struct gs_enum_value {
	const char *code;         /* "workshop"; NULL ends a table */
	const char *fr;           /* "atelier": shown and accepted */
	const char *also;         /* NULL, or one more French word accepted */
};

/*
 * The values of an enumerated field (yes/no fields included: oui/non), in
 * table order, ended by a row whose code is NULL; NULL when the field is
 * free or ruled otherwise, or unknown. Lent, static. The CLI builds its
 * help and its display labels from it instead of keeping a copy.
 */
const struct gs_enum_value *gs_schema_enum(int type, const char *field);
/* The French word of an enumerated field's code ("atelier" for
 * "workshop"), or NULL when the field is not enumerated or code unknown.
 * Lent, static. */
const char *gs_schema_value_fr(int type, const char *field,
    const char *code);
/*
 * Recognises a value typed for a field: for an enumerated field, its code
 * or its French word, case and accents ignored and spaces squeezed
 * (« Activite physique », « ADHÉRENTS », « Oui »), sets *out to the code
 * (lent, static) and returns 0, or returns GS_EINVAL (*out then value) when
 * it is none of them. Any other field, and an empty value, is left as it
 * is: *out = value, 0. Used on input only (control fields and list
 * filters); the apply gate keeps accepting codes only.
 */
int gs_schema_normalize(int type, const char *field, const char *value,
    const char **out);
/*
 * Writes the French words of an enumerated field, ", " between them in
 * table order ("atelier, sortie, ..."), into buf (cut to buflen, always
 * NUL-terminated) for messages that list the valid values; "" when the
 * field is not enumerated. Returns the length written.
 */
size_t gs_schema_values_fr(int type, const char *field, char *buf,
    size_t buflen);
/*
 * true if the field holds a date and time (RFC 3339 with its offset, like
 * an event's start and end), which the CLI reads from French input
 * first; a per-date name "start@2026-12-22" is its base field's.
 */
bool gs_schema_is_time(int type, const char *field);
/*
 * true when a series may give field its own value on one date
 * ("<field>@<YYYY-MM-DD>"), false otherwise or when unknown.
 */
bool gs_schema_per_date(int type, const char *field);
/*
 * 1 if the comma-separated list of site IDs in value (an editors field)
 * contains pk, 0 otherwise (including when value is NULL).
 */
int gs_item_list_has_site(const char *value, const uint8_t pk[32]);
/*
 * Whether ep is tcp://HOST:PORT as a site's endpoint field takes it
 * (HOST a name, IPv4 or [IPv6], PORT 1..65535): nothing else, no space,
 * no shell or control character. ep may be NULL (false).
 */
bool gs_schema_endpoint_ok(const char *ep);

#endif
