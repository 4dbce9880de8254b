/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * view.c: JSON rendering of items and lists for the control socket. The
 * human tables are drawn by the CLI from these same documents.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confirm.h"
#include "err.h"
#include "fold.h"
#include "grow.h"
#include "item.h"
#include "jsonw.h"
#include "log.h"
#include "recur.h"
#include "siteid.h"

const char *
gs_view_site_name(struct gs_replica *r, const uint8_t pk[32])
{
	return gs_replica_site_field(r, pk, "name");
}

char *
gs_view_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

/* ---- one item, written as JSON text (keys in sorted order) ---- */

static void
w_hex(struct gs_jw *w, const uint8_t *bin, size_t len)
{
	char buf[129];

	gs_hex(bin, len, buf);
	gs_jw_str(w, buf);
}

static void
w_time(struct gs_jw *w, uint64_t hlc)
{
	char buf[32];

	gs_replica_time(hlc, buf);
	gs_jw_str(w, buf);
}

/* The memo's entry for pk, filled on first use. */
static size_t
memo_entry(struct gs_replica *r, struct gs_name_memo *m, const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (memcmp(m->v[i].pk, pk, 32) == 0)
			return i;
	i = m->next;
	memcpy(m->v[i].pk, pk, 32);
	m->v[i].name = gs_view_site_name(r, pk);
	gs_siteid_encode(pk, m->v[i].sid);
	m->next = (m->next + 1) % GS_NAME_MEMO;
	if (m->n < GS_NAME_MEMO)
		m->n++;
	return i;
}

const char *
gs_view_memo_name(struct gs_replica *r, struct gs_name_memo *m,
    const uint8_t pk[32])
{
	return m->v[memo_entry(r, m, pk)].name;
}

static void
w_site_memo(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    const uint8_t pk[32])
{
	gs_jw_str(w, m->v[memo_entry(r, m, pk)].sid);
}

static void
w_conflict(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    const struct gs_conflict *c)
{
	gs_jw_obj(w);
	gs_jw_key(w, "candidates");
	gs_jw_arr(w);
	for (size_t i = 0; i < c->ncand; i++) {
		const struct gs_candidate *k = &c->cand[i];

		gs_jw_obj(w);
		gs_jw_key(w, "author");
		w_site_memo(w, r, m, k->author);
		gs_jw_key(w, "author_name");
		gs_jw_str(w, gs_view_memo_name(r, m, k->author));
		gs_jw_key(w, "change");
		w_hex(w, k->change, 32);
		gs_jw_key(w, "time");
		w_time(w, k->hlc);
		gs_jw_key(w, "value");
		gs_jw_str(w, k->value);
		gs_jw_obj_end(w);
	}
	gs_jw_arr_end(w);
	gs_jw_key(w, "field");
	gs_jw_str(w, c->field);
	gs_jw_obj_end(w);
}

static void
w_int_or_null(struct gs_jw *w, bool has, long v)
{
	if (has)
		gs_jw_int(w, v);
	else
		gs_jw_null(w);
}

static const char *
seat_state_name(enum gs_seat_state s)
{
	return s == GS_SEAT_WAITING ? "waiting" : s == GS_SEAT_AVAILABLE ?
	    "available" : "confirmed";
}

static void
w_pos_or_null(struct gs_jw *w, long position)
{
	if (position > 0)
		gs_jw_int(w, position);
	else
		gs_jw_null(w);
}

/*
 * The seats object of an event, or of one date of a series (date not
 * ""): the counts, this site's share, each reservation in queue order
 * (held) and the queue as counts per site. Never a person's name.
 */
static void
w_seats(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    struct gs_seats *s, const uint8_t event[16], const struct gs_state *st,
    const char *date)
{
	const struct gs_seat_group *g = gs_seats_group(s, event, date);
	struct gs_seat_group none;
	struct gs_seat_mine mine;
	long cap = 0;
	bool has = gs_seats_capacity(st, date, &cap);

	if (g == NULL) {
		memset(&none, 0, sizeof(none));
		gs_seats_fill(NULL, 0, has, cap, &none);
		g = &none;
	}
	gs_seats_mine(g, gs_replica_pk(r), &mine);
	gs_jw_obj(w);
	gs_jw_key(w, "available");
	gs_jw_int(w, g->available);
	gs_jw_key(w, "capacity");
	w_int_or_null(w, g->has_capacity, g->capacity);
	gs_jw_key(w, "confirmed");
	gs_jw_int(w, g->confirmed);
	gs_jw_key(w, "held");
	gs_jw_arr(w);
	for (size_t i = 0; i < g->n; i++) {
		const struct gs_seat_ref *x = &g->v[i];
		const struct gs_state *rs = x->it ? gs_item_state(x->it) : NULL;
		const char *note = rs ? gs_fields_get(&rs->fields, "note") : NULL;

		gs_jw_obj(w);
		gs_jw_key(w, "force");
		gs_jw_bool(w, x->force);
		gs_jw_key(w, "note");
		gs_jw_str(w, note ? note : "");
		gs_jw_key(w, "seats");
		gs_jw_int(w, x->seats);
		gs_jw_key(w, "site");
		w_site_memo(w, r, m, x->owner);
		gs_jw_key(w, "site_name");
		gs_jw_str(w, gs_view_memo_name(r, m, x->owner));
		gs_jw_key(w, "state");
		gs_jw_str(w, seat_state_name(x->state));
		gs_jw_obj_end(w);
	}
	gs_jw_arr_end(w);
	gs_jw_key(w, "left");
	w_int_or_null(w, g->has_capacity, g->left);
	gs_jw_key(w, "mine");
	gs_jw_obj(w);
	gs_jw_key(w, "available");
	gs_jw_int(w, mine.available);
	gs_jw_key(w, "confirmed");
	gs_jw_int(w, mine.confirmed);
	gs_jw_key(w, "position");
	w_pos_or_null(w, mine.position);
	gs_jw_key(w, "waiting");
	gs_jw_int(w, mine.waiting);
	gs_jw_obj_end(w);
	gs_jw_key(w, "overbooked");
	gs_jw_int(w, g->overbooked);
	/* one reservation per site and group: a site's counts are its one */
	gs_jw_key(w, "queue");
	gs_jw_arr(w);
	for (size_t i = 0; i < g->n; i++) {
		const struct gs_seat_ref *x = &g->v[i];

		gs_jw_obj(w);
		gs_jw_key(w, "available");
		gs_jw_int(w, x->state == GS_SEAT_AVAILABLE ? x->seats : 0);
		gs_jw_key(w, "confirmed");
		gs_jw_int(w, x->state == GS_SEAT_CONFIRMED ? x->seats : 0);
		gs_jw_key(w, "position");
		w_pos_or_null(w, x->position);
		gs_jw_key(w, "site");
		w_site_memo(w, r, m, x->owner);
		gs_jw_key(w, "site_name");
		gs_jw_str(w, gs_view_memo_name(r, m, x->owner));
		gs_jw_key(w, "waiting");
		gs_jw_int(w, x->state == GS_SEAT_WAITING ? x->seats : 0);
		gs_jw_obj_end(w);
	}
	gs_jw_arr_end(w);
	gs_jw_key(w, "total");
	gs_jw_int(w, g->total);
	gs_jw_key(w, "waiting");
	gs_jw_int(w, g->waiting);
	gs_jw_obj_end(w);
}

struct dates_ctx {
	struct gs_jw *w;
	struct gs_replica *r;
	struct gs_name_memo *m;
	struct gs_seats *s;
	const uint8_t *event;
	const struct gs_state *st;
	bool any;
};

static int
on_seat_date(const char *date, void *arg)
{
	struct dates_ctx *c = arg;

	if (!c->any) {
		gs_jw_key(c->w, "seats_by_date");
		gs_jw_obj(c->w);
		c->any = true;
	}
	gs_jw_key(c->w, date);
	w_seats(c->w, c->r, c->m, c->s, c->event, c->st, date);
	return 0;
}

/* "seats_by_date": {date: seats}, for the dates someone reserved on. */
static void
w_seats_by_date(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    struct gs_seats *s, const uint8_t event[16], const struct gs_state *st)
{
	struct dates_ctx c = { w, r, m, s, event, st, false };

	gs_seats_dates(s, event, on_seat_date, &c);
	if (c.any)
		gs_jw_obj_end(w);
}

/* An item whose state cannot be shown: never as if it were valid. */
static void
w_corrupt(struct gs_jw *w, const struct gs_item *it)
{
	gs_jw_obj(w);
	gs_jw_key(w, "corrupt");
	gs_jw_bool(w, true);
	gs_jw_key(w, "id");
	w_hex(w, it->id, 16);
	gs_jw_key(w, "type");
	gs_jw_str(w, gs_item_type_name(it->type));
	gs_jw_obj_end(w);
}

/* ---- occurrences of a series ---- */

/* A field as written in an occurrence's "fields" (both lent). */
struct kv {
	const char *name;
	size_t nlen;             /* bytes of name that are the name */
	const char *value;
};

static int
cmp_kv(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

/* 1 when name is "<base>@<date>"; *blen is then the length of base. */
static int
is_dated(const char *name, const char *date, size_t *blen)
{
	const char *at = strchr(name, '@');

	if (at == NULL || strcmp(at + 1, date) != 0)
		return 0;
	*blen = (size_t)(at - name);
	return 1;
}

/*
 * The fields of the occurrence o of the series st into out (room for
 * GS_FIELDS_MAX + 2), sorted by name: the base fields, start and end
 * moved to o, then that date's own values over them (an empty one
 * clears the override, not the field). Other dates' fields are left
 * out. Returns how many.
 */
static size_t
occurrence_fields(const struct gs_state *st, const struct gs_occurrence *o,
    struct kv *out)
{
	size_t n = 0, base, blen;
	bool added = false;

	for (size_t i = 0; i < st->fields.n; i++) {
		const struct gs_field *f = &st->fields.v[i];
		if (strchr(f->name, '@') != NULL)
			continue;
		out[n] = (struct kv){ f->name, strlen(f->name), f->value };
		if (strcmp(f->name, "start") == 0)
			out[n].value = o->start;
		else if (strcmp(f->name, "end") == 0 && o->end[0] != '\0')
			out[n].value = o->end;
		n++;
	}
	base = n;
	for (size_t i = 0; i < st->fields.n; i++) {
		const struct gs_field *f = &st->fields.v[i];
		size_t j;
		if (f->value[0] == '\0' || !is_dated(f->name, o->date, &blen))
			continue;
		for (j = 0; j < base; j++)
			if (out[j].nlen == blen &&
			    memcmp(out[j].name, f->name, blen) == 0)
				break;
		if (j < base) {
			out[j].value = f->value;
		} else if (n < GS_FIELDS_MAX + 2) {
			out[n++] = (struct kv){ f->name, blen, f->value };
			added = true;
		}
	}
	if (added)
		qsort(out, n, sizeof(*out), cmp_kv);
	return n;
}

/* 1 when a conflict on field concerns the occurrence on date. */
static int
conflict_shown(const char *field, const char *date)
{
	size_t blen;

	return strchr(field, '@') == NULL || is_dated(field, date, &blen);
}

/* Members "changes" to "created", conflicts shown for date (NULL: all). */
static void
w_head(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    const struct gs_state *st, const char *date)
{
	gs_jw_key(w, "changes");
	gs_jw_int(w, (int64_t)st->nchanges);
	gs_jw_key(w, "conflicts");
	gs_jw_arr(w);
	for (size_t i = 0; i < st->nconflicts; i++)
		if (date == NULL || conflict_shown(st->conflicts[i].field, date))
			w_conflict(w, r, m, &st->conflicts[i]);
	gs_jw_arr_end(w);
	gs_jw_key(w, "created");
	w_time(w, st->created_hlc);
}

/* Members "heads" to "received". */
static void
w_middle(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    struct gs_item *it, const struct gs_state *st)
{
	gs_jw_key(w, "heads");
	gs_jw_arr(w);
	for (size_t i = 0; i < st->nheads; i++)
		w_hex(w, st->heads[i], 32);
	gs_jw_arr_end(w);
	gs_jw_key(w, "id");
	w_hex(w, it->id, 16);
	gs_jw_key(w, "owner");
	w_site_memo(w, r, m, st->owner);
	gs_jw_key(w, "owner_name");
	gs_jw_str(w, gs_view_memo_name(r, m, st->owner));
	/* written by a site whose key was revoked since (trust.md) */
	if (gs_replica_revoked(r, st->owner, NULL, NULL)) {
		gs_jw_key(w, "owner_revoked");
		gs_jw_bool(w, true);
	}
	/* when this site first stored it: with "created", how long it took */
	if (gs_item_received_ms(it) > 0) {
		gs_jw_key(w, "received");
		w_time(w, (uint64_t)gs_item_received_ms(it) << 16);
	}
}

/* Members "type" and "updated". */
static void
w_tail(struct gs_jw *w, struct gs_item *it, const struct gs_state *st)
{
	gs_jw_key(w, "type");
	gs_jw_str(w, gs_item_type_name(it->type));
	gs_jw_key(w, "updated");
	w_time(w, st->updated_hlc);
}

/*
 * The members of a series' rows that are the same on every date, written
 * once per series and list: a year of a weekly series is 52 rows.
 */
struct series_parts {
	char *text[3];           /* head (NULL: per date), middle, tail */
	size_t len[3];
	bool done;
};

/* Renders a part into p->text[i] (NULL when out of memory). */
static void
part(struct series_parts *p, int i, struct gs_replica *r,
    struct gs_name_memo *m, struct gs_item *it, const struct gs_state *st)
{
	struct gs_jw w;
	char *text;

	gs_jw_init(&w);
	gs_jw_obj(&w);
	if (i == 0)
		w_head(&w, r, m, st, NULL);
	else if (i == 1)
		w_middle(&w, r, m, it, st);
	else
		w_tail(&w, it, st);
	gs_jw_obj_end(&w);
	text = gs_jw_finish(&w);
	if (text == NULL)
		return;
	/* the members, without the braces */
	p->len[i] = strlen(text) - 2;
	memmove(text, text + 1, p->len[i]);
	p->text[i] = text;
}

static void
parts_fill(struct series_parts *p, struct gs_replica *r, struct gs_name_memo *m,
    struct gs_item *it, const struct gs_state *st)
{
	bool dated = false;

	p->done = true;
	for (size_t i = 0; i < st->nconflicts; i++)
		if (strchr(st->conflicts[i].field, '@') != NULL)
			dated = true;
	if (!dated)
		part(p, 0, r, m, it, st);
	part(p, 1, r, m, it, st);
	part(p, 2, r, m, it, st);
}

static void
parts_free(struct series_parts *p)
{
	for (int i = 0; i < 3; i++)
		free(p->text[i]);
}

/*
 * "verified": the latest confirmation of a resource from cf, {"by",
 * "by_name", "date"}, or null when nobody confirmed it.
 */
static void
w_verified(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    const struct gs_confirms *cf, const uint8_t id[16])
{
	const struct gs_confirm *c = gs_confirms_latest(cf, id);

	gs_jw_key(w, "verified");
	if (c == NULL) {
		gs_jw_null(w);
		return;
	}
	gs_jw_obj(w);
	gs_jw_key(w, "by");
	w_site_memo(w, r, m, c->by);
	gs_jw_key(w, "by_name");
	gs_jw_str(w, gs_view_memo_name(r, m, c->by));
	gs_jw_key(w, "date");
	w_time(w, c->hlc);
	gs_jw_obj_end(w);
}

/*
 * Writes one item; seats is the index to use for an event (not NULL). With
 * o, the item is a series and the occurrence o of it is written instead
 * (docs/control.md, "Occurrences"), with the parts of it shared by every
 * date from parts when not NULL. cf is the index of confirmations to use
 * for a resource (not NULL).
 */
static void
w_item(struct gs_jw *w, struct gs_replica *r, struct gs_name_memo *m,
    struct gs_item *it, struct gs_seats *seats, const struct gs_confirms *cf,
    const struct gs_occurrence *o, struct series_parts *parts)
{
	const struct gs_state *st = it->corrupt ? NULL : gs_item_state(it);
	struct kv kv[GS_FIELDS_MAX + 2];
	size_t nkv = 0;

	if (st == NULL) {
		w_corrupt(w, it);
		return;
	}
	if (o != NULL)
		nkv = occurrence_fields(st, o, kv);
	if (parts != NULL && !parts->done)
		parts_fill(parts, r, m, it, st);
	gs_jw_obj(w);
	if (parts != NULL && parts->text[0] != NULL)
		gs_jw_members(w, parts->text[0], parts->len[0]);
	else
		w_head(w, r, m, st, o != NULL ? o->date : NULL);
	if (o != NULL) {
		gs_jw_key(w, "date");
		gs_jw_str(w, o->date);
	}
	gs_jw_key(w, "deleted");
	gs_jw_bool(w, st->deleted);
	if (gs_fields_get(&st->fields, GS_FIELD_ERASED) != NULL) {
		/* present only when erased: other items' bytes stay as they were */
		gs_jw_key(w, "erased");
		gs_jw_bool(w, true);
	}
	gs_jw_key(w, "fields");
	gs_jw_obj(w);
	if (o != NULL) {
		char name[GS_FIELD_NAME_MAX + 1];
		for (size_t i = 0; i < nkv; i++) {
			memcpy(name, kv[i].name, kv[i].nlen);
			name[kv[i].nlen] = '\0';
			gs_jw_key(w, name);
			gs_jw_str(w, kv[i].value);
		}
	} else {
		for (size_t i = 0; i < st->fields.n; i++) {
			if (strcmp(st->fields.v[i].name, GS_FIELD_ERASED) == 0)
				continue;
			gs_jw_key(w, st->fields.v[i].name);
			gs_jw_str(w, st->fields.v[i].value);
		}
	}
	gs_jw_obj_end(w);
	if (parts != NULL && parts->text[1] != NULL)
		gs_jw_members(w, parts->text[1], parts->len[1]);
	else
		w_middle(w, r, m, it, st);
	if (it->type == GS_TYPE_EVENT && seats != NULL) {
		gs_jw_key(w, "seats");
		w_seats(w, r, m, seats, it->id, st, o != NULL ? o->date : "");
		if (o == NULL)
			w_seats_by_date(w, r, m, seats, it->id, st);
	}
	if (o != NULL) {
		gs_jw_key(w, "series");
		gs_jw_bool(w, true);
	}
	if (parts != NULL && parts->text[2] != NULL)
		gs_jw_members(w, parts->text[2], parts->len[2]);
	else
		w_tail(w, it, st);
	if (it->type == GS_TYPE_RESOURCE && cf != NULL)
		w_verified(w, r, m, cf, it->id);
	gs_jw_obj_end(w);
}

/* The series an event state describes into *out, or NULL when it is a
 * one-off event (no rrule). GS_EINVAL when its rule cannot be read. */
static int
series_of(const struct gs_state *st, struct gs_series **out)
{
	const char *rrule = gs_fields_get(&st->fields, "rrule");

	*out = NULL;
	if (rrule == NULL || rrule[0] == '\0')
		return 0;
	return gs_series_new(rrule, gs_fields_get(&st->fields, "timezone"),
	    gs_fields_get(&st->fields, "start"),
	    gs_fields_get(&st->fields, "end"), out, NULL);
}

int
gs_view_occurrence_text(struct gs_replica *r, struct gs_item *it,
    const char *date, char **text)
{
	const struct gs_state *st = it->corrupt ? NULL : gs_item_state(it);
	struct gs_series *series = NULL;
	struct gs_seats *seats = NULL;
	struct gs_occurrence o;
	struct gs_name_memo memo = { .n = 0, .next = 0 };
	struct gs_jw w;
	int ret = GS_ECORRUPT;

	*text = NULL;
	if (st == NULL)
		goto out;
	ret = series_of(st, &series);
	if (ret == 0 && series == NULL)
		ret = GS_EINVAL;     /* a one-off event has no dates */
	if (ret != 0)
		goto out;
	ret = gs_series_find(series, date, &o);
	if (ret != 0)
		goto out;
	ret = GS_ENOMEM;
	if ((seats = gs_seats_build(r)) == NULL)
		goto out;
	gs_jw_init(&w);
	w_item(&w, r, &memo, it, seats, NULL, &o, NULL);
	*text = gs_jw_finish(&w);
	if (*text != NULL)
		ret = 0;
out:
	gs_seats_free(&seats);
	gs_series_destroy(&series);
	return ret;
}

char *
gs_view_item_text(struct gs_replica *r, struct gs_item *it)
{
	struct gs_seats *seats = NULL;
	struct gs_confirms *cf = NULL;
	struct gs_jw w;
	struct gs_name_memo memo = { .n = 0, .next = 0 };

	if (it->type == GS_TYPE_EVENT && (seats = gs_seats_build(r)) == NULL)
		return NULL;
	if (it->type == GS_TYPE_RESOURCE && (cf = gs_confirms_build(r)) == NULL)
		return NULL;
	gs_jw_init(&w);
	w_item(&w, r, &memo, it, seats, cf, NULL, NULL);
	gs_seats_free(&seats);
	gs_confirms_free(&cf);
	return gs_jw_finish(&w);
}

json_t *
gs_view_item(struct gs_replica *r, struct gs_item *it)
{
	char *text = gs_view_item_text(r, it);
	json_t *o = text != NULL ? json_loads(text, 0, NULL) : NULL;

	free(text);
	return o;
}

/* ---- lists ---- */

#define YEAR_MS (365ll * 86400000)

struct occ_block;

struct row {
	struct gs_item *it;
	const char *key;      /* start (events) or name (resources) */
	int64_t start_ms;
	const struct gs_occurrence *o;   /* a series' date, or NULL */
	struct occ_block *b;  /* its series' block, with o */
};

/* The occurrences of one series, kept until the list is written. */
struct occ_block {
	struct occ_block *next;
	struct series_parts parts;
	size_t n, cap;
	struct gs_occurrence v[];
};

struct list_ctx {
	struct gs_replica *r;
	int type;
	const struct gs_list_filter *f;
	int64_t from_ms, to_ms;    /* the window series are expanded over */
	struct row *rows;
	size_t n, cap;
	char *folded_q;            /* f->q folded (fold.h), or NULL */
	struct occ_block *blocks;
	const struct gs_confirms *cf;   /* resources' confirmations */
	struct gs_verr *err;
	int failed;                /* GS_ENOMEM, GS_EINVAL (err set) or 0 */
};

/* 1 if the field name of f is set to value. */
static int
field_is(const struct gs_fields *f, const char *name, const char *value)
{
	const char *v = gs_fields_get(f, name);

	return v != NULL && strcmp(v, value) == 0;
}

/* Does a field contain q (folded: « repit » finds « Lieu de répit »)? */
static int
matches_text(const struct gs_fields *f, const char *folded_q)
{
	for (size_t i = 0; i < f->n; i++)
		if (gs_fold_contains(f->v[i].value, folded_q))
			return 1;
	return 0;
}

/* Does an event starting at start_ms and ending at end_ms pass? */
static int
keep_time(const struct gs_list_filter *f, int64_t start_ms, int64_t end_ms)
{
	if (f->has_from && start_ms < f->from_ms)
		return 0;
	if (f->has_to && start_ms > f->to_ms)
		return 0;
	if (!f->all && !f->has_from && end_ms < f->now_ms)
		return 0;   /* over: not upcoming */
	return 1;
}

/*
 * Does the item pass the filter? Fills the sort key. Returns 2 for a
 * series (an event with a rule), whose dates are filtered one by one.
 */
static int
keep(struct list_ctx *c, struct gs_item *it, const struct gs_state *st,
    struct row *row)
{
	const struct gs_list_filter *f = c->f;
	const char *end, *rrule;
	int64_t end_ms;

	if (st->deleted && !f->all && st->nconflicts == 0)
		return 0;
	if (!gs_replica_visible(c->r, st->owner))
		return 0;
	if (f->kind != NULL && !field_is(&st->fields, "kind", f->kind))
		return 0;
	if (f->town != NULL && (gs_fields_get(&st->fields, "town") == NULL ||
	    !gs_fold_equal(gs_fields_get(&st->fields, "town"), f->town)))
		return 0;
	if (f->audience != NULL && !field_is(&st->fields, "audience",
	    f->audience))
		return 0;
	if (c->folded_q != NULL && !matches_text(&st->fields, c->folded_q))
		return 0;
	row->it = it;
	row->o = NULL;
	row->b = NULL;
	if (it->type == GS_TYPE_EVENT) {
		rrule = gs_fields_get(&st->fields, "rrule");
		if (rrule != NULL && rrule[0] != '\0')
			return 2;
		row->key = gs_fields_get(&st->fields, "start");
		if (row->key == NULL || gs_time_parse(row->key, &row->start_ms))
			row->start_ms = 0;
		end = gs_fields_get(&st->fields, "end");
		if (end == NULL || gs_time_parse(end, &end_ms) != 0)
			end_ms = row->start_ms;
		if (!keep_time(f, row->start_ms, end_ms))
			return 0;
	} else {
		if (f->stale && (it->type != GS_TYPE_RESOURCE || st->deleted ||
		    !gs_confirm_stale(gs_confirms_latest(c->cf, it->id),
		    st->created_hlc, f->now_ms)))
			return 0;
		row->key = gs_fields_get(&st->fields, "name");
		row->start_ms = 0;
	}
	if (row->key == NULL)
		row->key = "";
	return 1;
}

static int
add_row(struct list_ctx *c, const struct row *row)
{
	if (gs_grow(&c->rows, &c->cap, c->n, sizeof(*c->rows), 64) != 0) {
		c->failed = GS_ENOMEM;
		return 1;
	}
	c->rows[c->n++] = *row;
	return 0;
}

static int
on_occurrence(const struct gs_occurrence *o, void *arg)
{
	struct occ_block **b = arg;

	if ((*b)->n == (*b)->cap) {
		size_t ncap = (*b)->cap * 2;
		struct occ_block *nb = realloc(*b, sizeof(*nb) +
		    ncap * sizeof(nb->v[0]));
		if (nb == NULL)
			return GS_ENOMEM;
		nb->cap = ncap;
		*b = nb;
	}
	(*b)->v[(*b)->n++] = *o;
	return 0;
}

/* A date's own value of field (lent), or NULL when it has none. */
static const char *
dated_value(const struct gs_state *st, const char *field, const char *date)
{
	char name[GS_FIELD_NAME_MAX + 1];
	const char *v;

	snprintf(name, sizeof(name), "%s@%s", field, date);
	v = gs_fields_get(&st->fields, name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * Adds a row for each date of the series in the list's window: one
 * expansion per series and list, its occurrences kept in one block. A
 * series without end is refused when the window is longer than the
 * expansion bound.
 */
static int
add_series(struct list_ctx *c, struct gs_item *it, const struct gs_state *st)
{
	const char *rrule = gs_fields_get(&st->fields, "rrule");
	struct occ_block *b;
	const char *v;
	int rc, bounded;

	if (c->to_ms - c->from_ms > (int64_t)GS_RECUR_WINDOW_DAYS * 86400000 &&
	    !gs_recur_bounded(rrule)) {
		snprintf(c->err->field, sizeof(c->err->field), "to");
		snprintf(c->err->rule, sizeof(c->err->rule), "fenêtre de plus "
		    "de 2 ans alors que l'événement répété « %.60s » n'a pas de "
		    "fin : donnez --to à moins de 2 ans de --from",
		    gs_fields_get(&st->fields, "title") ?
		    gs_fields_get(&st->fields, "title") : "?");
		c->failed = GS_EINVAL;
		return 1;
	}
	b = malloc(sizeof(*b) + 64 * sizeof(b->v[0]));
	if (b == NULL) {
		c->failed = GS_ENOMEM;
		return 1;
	}
	memset(b, 0, sizeof(*b));
	b->cap = 64;
	b->next = c->blocks;
	c->blocks = b;
	/* a day of margin: a date moved by start@D is filtered below */
	rc = gs_recur_expand(c->f->cache, rrule,
	    gs_fields_get(&st->fields, "timezone"),
	    gs_fields_get(&st->fields, "start"),
	    gs_fields_get(&st->fields, "end"), c->from_ms - 86400000,
	    c->to_ms + 86400000, &bounded, on_occurrence, &c->blocks, NULL);
	b = c->blocks;
	if (rc == GS_EINVAL)
		return 0;     /* a rule this build cannot read: not listed */
	if (rc != 0) {
		c->failed = GS_ENOMEM;
		return 1;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct gs_occurrence *o = &b->v[i];
		struct row row = { it, o->start, o->start_ms, o, b };
		int64_t end_ms = o->end_ms;

		if ((v = dated_value(st, "start", o->date)) != NULL &&
		    gs_time_parse(v, &row.start_ms) == 0)
			row.key = v;
		if ((v = dated_value(st, "end", o->date)) != NULL &&
		    gs_time_parse(v, &end_ms) != 0)
			end_ms = o->end_ms;
		if (row.start_ms < c->from_ms || row.start_ms > c->to_ms ||
		    !keep_time(c->f, row.start_ms, end_ms))
			continue;
		if (add_row(c, &row) != 0)
			return 1;
	}
	return 0;
}

static int
on_list_item(struct gs_item *it, void *arg)
{
	struct list_ctx *c = arg;
	const struct gs_state *st;
	struct row row;
	int k;

	if (it->type != c->type)
		return 0;
	if (it->corrupt || (st = gs_item_state(it)) == NULL) {
		/* listed, flagged corrupt, so the admin sees something is wrong */
		memset(&row, 0, sizeof(row));
		row.it = it;
		row.key = "";
	} else if ((k = keep(c, it, st, &row)) == 0) {
		return 0;
	} else if (k == 2) {
		return add_series(c, it, st);
	}
	return add_row(c, &row);
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	c = strcmp(x->key, y->key);
	if (c != 0)
		return c;
	c = memcmp(x->it->id, y->it->id, 16);
	if (c != 0 || x->o == NULL || y->o == NULL)
		return c != 0 ? c : (x->o != NULL) - (y->o != NULL);
	return strcmp(x->o->date, y->o->date);
}

/*
 * The window a list expands series over: [--from or now, --to or one year
 * after that]; with --all and no --from it starts a year before now.
 */
static void
window(const struct gs_list_filter *f, int64_t *from, int64_t *to)
{
	if (f->has_from)
		*from = f->from_ms;
	else if (f->all)
		*from = f->now_ms - YEAR_MS;
	else
		*from = f->now_ms - 2 * 86400000ll;   /* dates still going on */
	if (f->has_to)
		*to = f->to_ms;
	else
		*to = (f->has_from ? f->from_ms : f->now_ms) + YEAR_MS;
}

int
gs_view_list(struct gs_replica *r, int type, const struct gs_list_filter *f,
    char **text, struct gs_verr *err)
{
	struct list_ctx c;
	struct gs_seats *seats = NULL;
	struct gs_confirms *cf = NULL;
	struct gs_jw w;
	struct gs_name_memo memo = { .n = 0, .next = 0 };
	int ret = GS_ENOMEM;

	*text = NULL;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.type = type;
	c.f = f;
	c.err = err;
	window(f, &c.from_ms, &c.to_ms);
	if (f->q != NULL) {
		/* folded once here, each field against it in keep() */
		c.folded_q = malloc(strlen(f->q) + 1);
		if (c.folded_q == NULL) {
			ret = GS_ENOMEM;
			goto out;
		}
		gs_fold(f->q, c.folded_q, strlen(f->q) + 1);
	}
	if (type == GS_TYPE_RESOURCE && (cf = gs_confirms_build(r)) == NULL)
		goto out;
	c.cf = cf;
	if (gs_replica_foreach(r, type, on_list_item, &c) != 0 || c.failed) {
		ret = c.failed ? c.failed : GS_ENOMEM;
		goto out;
	}
	if (c.n > 1)
		qsort(c.rows, c.n, sizeof(*c.rows), cmp_rows);
	if (type == GS_TYPE_EVENT && (seats = gs_seats_build(r)) == NULL)
		goto out;
	gs_jw_init(&w);
	gs_jw_reserve(&w, 64 + c.n * 1024);   /* an item is 500-900 bytes */
	gs_jw_obj(&w);
	gs_jw_key(&w, "items");
	gs_jw_arr(&w);
	for (size_t i = 0; i < c.n; i++)
		w_item(&w, r, &memo, c.rows[i].it, seats, cf, c.rows[i].o,
		    c.rows[i].b != NULL ? &c.rows[i].b->parts : NULL);
	gs_jw_arr_end(&w);
	gs_jw_obj_end(&w);
	*text = gs_jw_finish(&w);
	if (*text != NULL)
		ret = 0;
out:
	while (c.blocks != NULL) {
		struct occ_block *next = c.blocks->next;
		parts_free(&c.blocks->parts);
		free(c.blocks);
		c.blocks = next;
	}
	gs_seats_free(&seats);
	gs_confirms_free(&cf);
	free(c.rows);
	free(c.folded_q);
	return ret;
}
