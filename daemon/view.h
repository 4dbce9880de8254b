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
#include "recur.h"
#include "schema.h"
#include "seats.h"
#include "siteid.h"

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
	bool stale;               /* resources nobody vouched for in 6
	                           * months only (confirm.h) */
	int64_t now_ms;           /* "upcoming" is relative to this */
	struct gs_recur_cache *cache;   /* lent: series' expansions, or NULL */
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
 * One date of a series (docs/control.md, "Occurrences"): the event object
 * with "date" and "series": true, its fields the series' fields with
 * start and end moved to that date and the date's own values
 * (<field>@<date>) over them. *text is malloc'd (the caller frees).
 * Returns 0, GS_ENOTFOUND (no such date in the series), GS_EINVAL (not a
 * series, or date not a date), GS_ECORRUPT, GS_ENOMEM.
 */
int gs_view_occurrence_text(struct gs_replica *r, struct gs_item *it,
    const char *date, char **text);
/*
 * {"items": [...]} for a type, filtered and ordered, as compact key-sorted
 * JSON text into *text (malloc'd; the caller frees). Written straight as
 * text: a list may hold thousands of items. A series is listed as one row
 * per date in the window (from --from or now, to --to or one year later;
 * with all and no from, from a year before now), each an occurrence as
 * gs_view_occurrence_text writes it, sorted by start with the one-off
 * events; never more than GS_RECUR_WINDOW_DAYS of dates per series.
 * Returns 0, GS_EINVAL with err filled (field "to") when a series without
 * end meets a window longer than that, or GS_ENOMEM.
 */
int gs_view_list(struct gs_replica *r, int type,
    const struct gs_list_filter *f, char **text, struct gs_verr *err);
/* The profile name of a site (lent), or "" if unknown. */
const char *gs_view_site_name(struct gs_replica *r, const uint8_t pk[32]);
/*
 * Site names looked up while writing one document: a list of thousands
 * of items names the same few sites over and over, and a site without a
 * profile would otherwise cost a store lookup each time. Starts zeroed.
 */
#define GS_NAME_MEMO 64
struct gs_name_memo {
	struct {
		uint8_t pk[32];
		const char *name;      /* lent from the item cache */
		char sid[GS_SITEID_SIZE];
	} v[GS_NAME_MEMO];
	size_t n, next;
};
/* gs_view_site_name of pk, looked up once per memo (lent). */
const char *gs_view_memo_name(struct gs_replica *r, struct gs_name_memo *m,
    const uint8_t pk[32]);
/* Compact, key-sorted UTF-8 text of a JSON value (malloc'd), or NULL. */
char *gs_view_dump(const json_t *v);

#endif
