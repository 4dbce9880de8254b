/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * view.h: items as the admin sees them, rendered as JSON documents
 * (docs/control.md). Every view is a function of the item's changes and
 * the site profiles held, so two sites holding the same changes render
 * the same bytes. Items owned by blocked sites are not shown.
 */
#ifndef GS_VIEW_H
#define GS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "replica.h"
#include "seats.h"

struct gs_list_filter {
	bool has_from, has_to;
	int64_t from_ms, to_ms;   /* events whose start is in [from, to] */
	const char *kind;         /* NULL: any; else a code */
	const char *audience;     /* NULL: any; else a code (events) */
	const char *town;         /* NULL: any (resources, case and accents
	                           * ignored) */
	const char *q;            /* NULL: none; substring, case and accents
	                           * ignored (fold.h) */
	bool all;                 /* include past and deleted items */
	int64_t now_ms;           /* "upcoming" is relative to this */
};

/*
 * One item as compact, key-sorted JSON text (malloc'd; the caller frees),
 * or NULL on GS_ENOMEM; an event's seats are counted. gs_view_item() is
 * the same as a JSON object (new reference), for replies that take parts
 * of it.
 */
char *gs_view_item_text(struct gs_replica *r, struct gs_item *it);
json_t *gs_view_item(struct gs_replica *r, struct gs_item *it);
/*
 * {"items": [...]} for a type, filtered and ordered, as compact key-sorted
 * JSON text (malloc'd; the caller frees), or NULL on GS_ENOMEM. Written
 * straight as text: a list may hold thousands of items.
 */
char *gs_view_list(struct gs_replica *r, int type,
    const struct gs_list_filter *f);
/* The profile name of a site (lent), or "" if unknown. */
const char *gs_view_site_name(struct gs_replica *r, const uint8_t pk[32]);
/* Compact, key-sorted UTF-8 text of a JSON value (malloc'd), or NULL. */
char *gs_view_dump(const json_t *v);

#endif
