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

struct gs_list_filter {
	bool has_from, has_to;
	int64_t from_ms, to_ms;   /* events whose start is in [from, to] */
	const char *kind;         /* NULL: any */
	const char *town;         /* NULL: any (resources, case-insensitive) */
	const char *q;            /* NULL: none; case-insensitive substring */
	bool all;                 /* include past and deleted items */
	int64_t now_ms;           /* "upcoming" is relative to this */
};

/*
 * Decides whether items owned by a site are shown: 1 yes, 0 no (blocked).
 * NULL means all are shown.
 */
typedef int (*gs_view_visible_cb)(const uint8_t owner[32], void *arg);

/* The JSON object of an item (new reference), or NULL on GS_ENOMEM. */
json_t *gs_view_item(struct gs_replica *r, struct gs_item *it);
/* {"items": [...]} for a type, filtered and ordered (new reference). */
json_t *gs_view_list(struct gs_replica *r, int type,
    const struct gs_list_filter *f, gs_view_visible_cb visible, void *arg);
/* The profile name of a site (lent), or "" if unknown. */
const char *gs_view_site_name(struct gs_replica *r, const uint8_t pk[32]);
/* Compact, key-sorted UTF-8 text of a JSON value (malloc'd), or NULL. */
char *gs_view_dump(const json_t *v);

#endif
