/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * view.c: JSON rendering of items and lists for the control socket. The
 * human tables are drawn by the CLI from these same documents.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fold.h"
#include "grow.h"
#include "item.h"
#include "jsonw.h"
#include "log.h"
#include "siteid.h"

const char *
gs_view_site_name(struct gs_replica *r, const uint8_t pk[32])
{
	uint8_t id[16];
	struct gs_item *it;
	const struct gs_state *st;
	const char *name;

	gs_item_id_site(pk, id);
	it = gs_replica_item(r, id);
	if (it == NULL || it->corrupt || (st = gs_item_state(it)) == NULL)
		return "";
	name = gs_fields_get(&st->fields, "name");
	return name != NULL ? name : "";
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

/*
 * Site names looked up while writing one document: a list of thousands
 * of items names the same few sites over and over, and a site without a
 * profile would otherwise cost a store lookup each time.
 */
#define NAME_MEMO 64
struct name_memo {
	struct {
		uint8_t pk[32];
		const char *name;      /* lent from the item cache */
		char sid[GS_SITEID_SIZE];
	} v[NAME_MEMO];
	size_t n, next;
};

/* The memo's entry for pk, filled on first use. */
static size_t
memo_entry(struct gs_replica *r, struct name_memo *m, const uint8_t pk[32])
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (memcmp(m->v[i].pk, pk, 32) == 0)
			return i;
	i = m->next;
	memcpy(m->v[i].pk, pk, 32);
	m->v[i].name = gs_view_site_name(r, pk);
	gs_siteid_encode(pk, m->v[i].sid);
	m->next = (m->next + 1) % NAME_MEMO;
	if (m->n < NAME_MEMO)
		m->n++;
	return i;
}

static const char *
site_name(struct gs_replica *r, struct name_memo *m, const uint8_t pk[32])
{
	return m->v[memo_entry(r, m, pk)].name;
}

static void
w_site_memo(struct gs_jw *w, struct gs_replica *r, struct name_memo *m,
    const uint8_t pk[32])
{
	gs_jw_str(w, m->v[memo_entry(r, m, pk)].sid);
}

static void
w_conflict(struct gs_jw *w, struct gs_replica *r, struct name_memo *m,
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
		gs_jw_str(w, site_name(r, m, k->author));
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
w_seats(struct gs_jw *w, struct gs_replica *r, struct name_memo *m,
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
		gs_jw_str(w, site_name(r, m, x->owner));
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
		gs_jw_str(w, site_name(r, m, x->owner));
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
	struct name_memo *m;
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
w_seats_by_date(struct gs_jw *w, struct gs_replica *r, struct name_memo *m,
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

/* Writes one item; seats is the index to use for an event (not NULL). */
static void
w_item(struct gs_jw *w, struct gs_replica *r, struct name_memo *m,
    struct gs_item *it,
    struct gs_seats *seats)
{
	const struct gs_state *st = it->corrupt ? NULL : gs_item_state(it);

	if (st == NULL) {
		w_corrupt(w, it);
		return;
	}
	gs_jw_obj(w);
	gs_jw_key(w, "changes");
	gs_jw_int(w, (int64_t)st->nchanges);
	gs_jw_key(w, "conflicts");
	gs_jw_arr(w);
	for (size_t i = 0; i < st->nconflicts; i++)
		w_conflict(w, r, m, &st->conflicts[i]);
	gs_jw_arr_end(w);
	gs_jw_key(w, "created");
	w_time(w, st->created_hlc);
	gs_jw_key(w, "deleted");
	gs_jw_bool(w, st->deleted);
	gs_jw_key(w, "fields");
	gs_jw_obj(w);
	for (size_t i = 0; i < st->fields.n; i++) {
		gs_jw_key(w, st->fields.v[i].name);
		gs_jw_str(w, st->fields.v[i].value);
	}
	gs_jw_obj_end(w);
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
	gs_jw_str(w, site_name(r, m, st->owner));
	/* when this site first stored it: with "created", how long it took */
	if (gs_item_received_ms(it) > 0) {
		gs_jw_key(w, "received");
		w_time(w, (uint64_t)gs_item_received_ms(it) << 16);
	}
	if (it->type == GS_TYPE_EVENT && seats != NULL) {
		gs_jw_key(w, "seats");
		w_seats(w, r, m, seats, it->id, st, "");
		w_seats_by_date(w, r, m, seats, it->id, st);
	}
	gs_jw_key(w, "type");
	gs_jw_str(w, gs_item_type_name(it->type));
	gs_jw_key(w, "updated");
	w_time(w, st->updated_hlc);
	gs_jw_obj_end(w);
}

char *
gs_view_item_text(struct gs_replica *r, struct gs_item *it)
{
	struct gs_seats *seats = NULL;
	struct gs_jw w;
	struct name_memo memo = { .n = 0, .next = 0 };

	if (it->type == GS_TYPE_EVENT && (seats = gs_seats_build(r)) == NULL)
		return NULL;
	gs_jw_init(&w);
	w_item(&w, r, &memo, it, seats);
	gs_seats_free(&seats);
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

struct row {
	struct gs_item *it;
	const char *key;      /* start (events) or name (resources) */
	int64_t start_ms;
};

struct list_ctx {
	struct gs_replica *r;
	int type;
	const struct gs_list_filter *f;
	struct row *rows;
	size_t n, cap;
	int failed;
	char *folded_q;       /* f->q folded (fold.h), or NULL */
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

/* Does the item pass the filter? Fills the sort key. */
static int
keep(struct list_ctx *c, struct gs_item *it, const struct gs_state *st,
    struct row *row)
{
	const struct gs_list_filter *f = c->f;
	const char *end;
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
	if (it->type == GS_TYPE_EVENT) {
		row->key = gs_fields_get(&st->fields, "start");
		if (row->key == NULL || gs_time_parse(row->key, &row->start_ms))
			row->start_ms = 0;
		if (f->has_from && row->start_ms < f->from_ms)
			return 0;
		if (f->has_to && row->start_ms > f->to_ms)
			return 0;
		if (!f->all && !f->has_from) {
			end = gs_fields_get(&st->fields, "end");
			if (end == NULL || gs_time_parse(end, &end_ms) != 0)
				end_ms = row->start_ms;
			if (end_ms < f->now_ms)
				return 0;   /* over: not upcoming */
		}
	} else {
		row->key = gs_fields_get(&st->fields, "name");
		row->start_ms = 0;
	}
	if (row->key == NULL)
		row->key = "";
	return 1;
}

static int
on_list_item(struct gs_item *it, void *arg)
{
	struct list_ctx *c = arg;
	const struct gs_state *st;
	struct row row;

	if (it->type != c->type)
		return 0;
	if (it->corrupt || (st = gs_item_state(it)) == NULL) {
		/* listed, flagged corrupt, so the admin sees something is wrong */
		memset(&row, 0, sizeof(row));
		row.it = it;
		row.key = "";
	} else if (!keep(c, it, st, &row)) {
		return 0;
	}
	if (gs_grow(&c->rows, &c->cap, c->n, sizeof(*c->rows), 64) != 0) {
		c->failed = 1;
		return 1;
	}
	c->rows[c->n++] = row;
	return 0;
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	c = strcmp(x->key, y->key);
	return c != 0 ? c : memcmp(x->it->id, y->it->id, 16);
}

char *
gs_view_list(struct gs_replica *r, int type, const struct gs_list_filter *f)
{
	struct list_ctx c = { r, type, f, NULL, 0, 0, 0, NULL };
	struct gs_seats *seats = NULL;
	struct gs_jw w;
	struct name_memo memo = { .n = 0, .next = 0 };
	char *text = NULL;

	if (f->q != NULL) {
		/* folded once here, each field against it in keep() */
		c.folded_q = malloc(strlen(f->q) + 1);
		if (c.folded_q == NULL)
			goto out;
		gs_fold(f->q, c.folded_q, strlen(f->q) + 1);
	}
	if (gs_replica_foreach(r, type, on_list_item, &c) != 0 || c.failed)
		goto out;
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
		w_item(&w, r, &memo, c.rows[i].it, seats);
	gs_jw_arr_end(&w);
	gs_jw_obj_end(&w);
	text = gs_jw_finish(&w);
out:
	gs_seats_free(&seats);
	free(c.rows);
	free(c.folded_q);
	return text;
}
