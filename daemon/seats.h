/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * seats.h: seats held on events and the waiting list, counted from the
 * reservations of the sites shown (a blocked site's seats are not
 * counted). The index is built once per request and lent to the view,
 * the reserve command and the status.
 *
 * A group is one one-off event, or one date of a series (a reservation
 * carrying `date`). Its capacity is the event's `capacity@<date>` when
 * present, else `capacity` (none: no limit). The state of each
 * reservation is computed from the merged state alone, so every site
 * holding the same changes computes the same queue:
 *
 *  - order: the HLC of the reservation item's creation (its state's
 *    created_hlc), then the owner's key, then the item ID;
 *  - fill the capacity in that order, strictly first come first served:
 *    a request that does not fit waits, and so does every later one;
 *  - a reservation written with `force` = `yes` is always confirmed and
 *    counts toward the total (it may overbook);
 *  - a request written as waiting (`waiting` = `yes`) that now fits is
 *    "available": its seats are kept for it, but it is not confirmed
 *    until its site reserves again (which clears the flag).
 *
 * No person is ever named: a reservation is a number of seats per site.
 */
#ifndef GS_SEATS_H
#define GS_SEATS_H

#include <stdbool.h>
#include <stdint.h>

#include "replica.h"

/* Length of a date key "YYYY-MM-DD". */
#define GS_DATE_LEN 10

enum gs_seat_state {
	GS_SEAT_CONFIRMED = 0,
	GS_SEAT_WAITING = 1,
	GS_SEAT_AVAILABLE = 2,     /* written as waiting, now fits */
};

/* One live reservation with seats > 0, as indexed. */
struct gs_seat_ref {
	uint8_t event[16];
	char date[GS_DATE_LEN + 1];  /* "" for a one-off event */
	uint8_t id[16];              /* the reservation item's ID */
	uint8_t owner[32];           /* the site holding the seats */
	uint64_t created_hlc;        /* creation of the reservation item */
	long seats;
	bool force;                  /* force = yes */
	bool flagged;                /* waiting = yes: written as waiting */
	struct gs_item *it;          /* lent from the item cache; may be NULL
	                              * in tests */
	/* computed by gs_seats_fill() */
	enum gs_seat_state state;
	long position;               /* 1-based among waiting, else 0 */
};

/* The counts of one group (one event, or one date of a series). */
struct gs_seat_group {
	uint8_t event[16];
	char date[GS_DATE_LEN + 1];
	bool has_capacity;
	long capacity;
	long confirmed;      /* seats confirmed, forced ones included */
	long available;      /* seats kept for requests to re-confirm */
	long waiting;        /* seats waiting */
	long nwaiting;       /* requests waiting */
	long total;          /* confirmed + available + waiting */
	long overbooked;     /* confirmed + available - capacity, when > 0 */
	long left;           /* capacity - confirmed - available, at least 0 */
	struct gs_seat_ref *v;   /* its reservations in queue order (lent) */
	size_t n;
};

/* Reservations indexed by event and date, built once per request. */
struct gs_seats;
/* Builds the index from the item set and fills every group's queue.
 * NULL on GS_ENOMEM. */
struct gs_seats *gs_seats_build(struct gs_replica *r);
void gs_seats_free(struct gs_seats **s);
/* Calls cb once for every event someone holds seats on; stops on non-zero. */
typedef int (*gs_seats_event_cb)(const uint8_t event[16], void *arg);
int gs_seats_events(const struct gs_seats *s, gs_seats_event_cb cb, void *arg);
/* Calls cb once for every group, in (event, date) order; stops on
 * non-zero and returns it. */
typedef int (*gs_seats_group_cb)(const struct gs_seat_group *g, void *arg);
int gs_seats_groups(const struct gs_seats *s, gs_seats_group_cb cb,
    void *arg);
/* The group of (event, date) ("" or NULL: the event itself), or NULL when
 * nobody holds seats there. Lent from s. */
const struct gs_seat_group *gs_seats_group(const struct gs_seats *s,
    const uint8_t event[16], const char *date);
/* Calls cb with each date (sorted) of event that has a group; stops on
 * non-zero and returns it. */
typedef int (*gs_seats_date_cb)(const char *date, void *arg);
int gs_seats_dates(const struct gs_seats *s, const uint8_t event[16],
    gs_seats_date_cb cb, void *arg);

/*
 * The capacity of date ("" or NULL: the event) from an event's state:
 * `capacity@<date>` when present, else `capacity`. false when there is
 * none (no limit).
 */
bool gs_seats_capacity(const struct gs_state *ev, const char *date,
    long *capacity);
/* Is date ("" or NULL: the event) cancelled: `cancelled@<date>` or
 * `cancelled` is "yes"? */
bool gs_seats_cancelled(const struct gs_state *ev, const char *date);

/*
 * The queue computation, on its own for tests: sorts v (n reservations
 * of one group) into queue order, then fills g's counts and each
 * reservation's state and position. g->v and g->n are set to v and n.
 */
void gs_seats_sort(struct gs_seat_ref *v, size_t n);
void gs_seats_fill(struct gs_seat_ref *v, size_t n, bool has_capacity,
    long capacity, struct gs_seat_group *g);

/* One site's share of a group. */
struct gs_seat_mine {
	long confirmed, waiting, available;
	long position;       /* 1-based among waiting requests, 0 if none */
};
/* pk's share of g (g may be NULL: all zero). */
void gs_seats_mine(const struct gs_seat_group *g, const uint8_t pk[32],
    struct gs_seat_mine *out);

/* Seats on one event (its undated reservations), from its state and the
 * index: the counts of its group, or its capacity and zeros. */
struct gs_seat_count {
	bool has_capacity;
	long capacity;
	long total;          /* seats requested by all sites */
	long confirmed;      /* seats confirmed */
	long waiting;        /* seats waiting (available ones included) */
	long mine;           /* seats requested by this site */
	long overbooked;     /* confirmed seats beyond capacity */
};
void gs_seats_count(struct gs_replica *r, struct gs_seats *s,
    const uint8_t event[16], const struct gs_state *st,
    struct gs_seat_count *out);

#endif
