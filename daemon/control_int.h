/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_int.h: what the control files share, private to them. control.c
 * owns the socket, the decoding and the one table of commands; the
 * handlers sit by noun in control_item.c (items, events, conflicts),
 * control_peer.c (peers, sync) and control_site.c (this site, other
 * sites). Every handler reads one request and fills one reply: OK with a
 * JSON document, or a gs.Status with a French message naming the field.
 */
#ifndef GS_CONTROL_INT_H
#define GS_CONTROL_INT_H

#include <stdint.h>

#include <jansson.h>

#include "control.h"
#include "control.pb-c.h"
#include "fields.h"
#include "item.h"

struct ctl_request {
	const Gs__Request *pb;          /* lent: decoded, version checked */
};

struct ctl_reply {
	Gs__Status status;
	char error[400];                /* French, when status is not OK */
	char field[GS_FIELD_NAME_MAX + 1];  /* offending field or "" */
	json_t *json;                   /* owned */
	char *text;                     /* owned: the reply as JSON text, instead */
	char *body;                     /* owned: a result that is no JSON
	                                 * document, beside json or text */
	size_t body_len;
};

typedef void (*ctl_handler)(struct gs_daemon *d,
    const struct ctl_request *q, struct ctl_reply *r);

/* The value of the first parameter called name (lent), or NULL. */
const char *ctl_param(const struct ctl_request *q, const char *name);

/* Sets r to status with field (NULL: none) and a formatted message. */
void ctl_fail(struct ctl_reply *r, Gs__Status status,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Sets r from a GS_E* error: the one map from errors to gs.Status and
 * their French messages. v (may be NULL) names the field and the rule
 * for GS_EINVAL and GS_EDENIED; an error with no message of its own says
 * "échec : " and gs_strerror().
 */
void ctl_fail_err(struct ctl_reply *r, int err,
    const struct gs_verr *v);

/*
 * The "site" parameter into pk: a full site ID, or the short form lists
 * show (its first 7 characters or more), or a site's name (case and
 * accents ignored), when it names exactly one known site. Returns 0, or
 * -1 with r filled (missing, wrong checksum, unknown, ambiguous: the
 * message lists the candidates).
 */
int ctl_site_param(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, uint8_t pk[32]);

/* As ctl_site_param(), for the value s of a repeated parameter. */
int ctl_site_value(struct gs_daemon *d, const char *s, struct ctl_reply *r,
    uint8_t pk[32]);

/* As ctl_site_param(), and refuses this site's own ID. */
int ctl_other_site_param(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, uint8_t pk[32]);

/* A Unix time as an RFC 3339 UTC string, or JSON null when t <= 0. */
json_t *ctl_time_or_null(int64_t t);
/* A site key as its site ID string. */
json_t *ctl_site_id_json(const uint8_t pk[32]);

/* The handlers, one per command; control.c lists them in one table. */
/* control_site.c */
void ctl_ping(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_id(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_status(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_site_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
/*
 * Adds to the status object st its "sync" line, its "headline" (the first
 * problem, or the sync line) and its "problems" (control_status.c).
 */
void ctl_status_problems(struct gs_daemon *d, json_t *st);
void ctl_site_status(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_site_pending(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_site_trust(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_site_revoke(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_key_revoke(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_key_rotate(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_site_block(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
/* control_peer.c */
void ctl_peer_add(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_peer_remove(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_peer_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_sync(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
/* control_invite.c */
void ctl_invite_create(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_invite_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_invite_revoke(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_join(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_join_status(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
/* control_item.c */
void ctl_item_add(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_item_edit(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_item_delete(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_item_show(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
/*
 * A --from/--to bound as the lists read it: RFC 3339, or a date
 * (YYYY-MM-DD: the day's start, or its end with end_of_day, UTC), into
 * *ms. 0, or GS_EINVAL.
 */
int ctl_time_bound(const char *s, int end_of_day, int64_t *ms);
/*
 * The filter on an enumerated field (param and field named field): its
 * code in *out (NULL when not given); an unknown value fails r naming
 * the valid values in French (what: the field as people say it). 0, or
 * -1 after failing r.
 */
int ctl_enum_filter(const struct ctl_request *q, struct ctl_reply *r,
    int type, const char *field, const char *what, const char **out);
/* export.ics: the calendar feed (control_export.c). */
void ctl_export_ics(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_item_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_event_cancel(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_event_reserve(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_resource_confirm(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_item_check(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_conflicts_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_conflicts_show(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_conflicts_resolve(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);

/* control_backup.c */
void ctl_backup_start(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_backup_step(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_backup_read(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);
void ctl_catchup_end(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r);

#endif
