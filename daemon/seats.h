/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seats.h: seats held on events, counted from the reservations of the
 * sites shown (a blocked site's seats are not counted). The index is
 * built once per request and lent to the view and the status.
 */
#ifndef GS_SEATS_H
#define GS_SEATS_H

#include <stdbool.h>
#include <stdint.h>

#include "replica.h"

/* One live reservation with seats > 0, as indexed. */
struct gs_seat_ref {
	uint8_t event[16];
	struct gs_item *it;      /* lent from the item cache */
	long seats;
};

/* Reservations indexed by event, built once per request. */
struct gs_seats;
/* Builds the index from the item set. NULL on GS_ENOMEM. */
struct gs_seats *gs_seats_build(struct gs_replica *r);
void gs_seats_free(struct gs_seats **s);
/* Calls cb once for every event someone holds seats on; stops on non-zero. */
typedef int (*gs_seats_event_cb)(const uint8_t event[16], void *arg);
int gs_seats_events(const struct gs_seats *s, gs_seats_event_cb cb, void *arg);

/* Seats on one event, from its state and the index. */
struct gs_seat_count {
	bool has_capacity;
	long capacity;
	long total;          /* seats held by all sites */
	long mine;           /* seats held by this site */
	long overbooked;     /* total - capacity when positive */
};
void gs_seats_count(struct gs_replica *r, struct gs_seats *s,
    const uint8_t event[16], const struct gs_state *st,
    struct gs_seat_count *out);

/*
 * The reservations on event, in holder order: the first one, and their
 * number in *n (NULL and 0 when there are none). Lent from s.
 */
const struct gs_seat_ref *gs_seats_of(const struct gs_seats *s,
    const uint8_t event[16], size_t *n);

#endif
