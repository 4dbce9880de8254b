/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * view.c: JSON rendering of items and lists for the control socket. The
 * human tables are drawn by the CLI from these same documents.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "item.h"
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

static json_t *
site_str(const uint8_t pk[32])
{
	char sid[GS_SITEID_SIZE];
	gs_siteid_encode(pk, sid);
	return json_string(sid);
}

static json_t *
time_str(uint64_t hlc)
{
	char buf[32];
	gs_replica_time(hlc, buf);
	return json_string(buf);
}

static json_t *
hex_str(const uint8_t *bin, size_t len)
{
	char buf[129];
	gs_hex(bin, len, buf);
	return json_string(buf);
}

static json_t *
conflict_json(struct gs_replica *r, const struct gs_conflict *c)
{
	json_t *o = json_object(), *cands = json_array();

	if (o == NULL || cands == NULL) {
		json_decref(o);
		json_decref(cands);
		return NULL;
	}
	json_object_set_new(o, "field", json_string(c->field));
	for (size_t i = 0; i < c->ncand; i++) {
		const struct gs_candidate *k = &c->cand[i];
		json_t *e = json_object();
		if (e == NULL)
			break;
		json_object_set_new(e, "value", json_string(k->value));
		json_object_set_new(e, "change", hex_str(k->change, 32));
		json_object_set_new(e, "author", site_str(k->author));
		json_object_set_new(e, "author_name",
		    json_string(gs_view_site_name(r, k->author)));
		json_object_set_new(e, "time", time_str(k->hlc));
		json_array_append_new(cands, e);
	}
	json_object_set_new(o, "candidates", cands);
	return o;
}

/* ---- seats ---- */

struct seat_ref {
	uint8_t event[16];
	struct gs_item *it;      /* a live reservation with seats > 0 */
	long seats;
};

struct gs_seats {
	struct gs_replica *r;    /* lent */
	struct seat_ref *v;
	size_t n, cap;
	int failed;
};

static int
on_seat_item(struct gs_item *it, void *arg)
{
	struct gs_seats *s = arg;
	const struct gs_state *st;
	const char *ev, *seats;
	struct seat_ref ref;
	char *end;

	if (it->type != GS_TYPE_RESERVATION || it->corrupt ||
	    (st = gs_item_state(it)) == NULL || st->deleted)
		return 0;
	/* a blocked site's items are not shown, its seats included */
	if (gs_replica_author_ok(s->r, st->owner) == GS_EBLOCKED)
		return 0;
	ev = gs_fields_get(&st->fields, "event");
	seats = gs_fields_get(&st->fields, "seats");
	if (ev == NULL || seats == NULL || gs_unhex(ev, ref.event, 16) != 0)
		return 0;
	ref.seats = strtol(seats, &end, 10);
	if (*end != '\0' || ref.seats <= 0)
		return 0;
	ref.it = it;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 32;
		struct seat_ref *nv = realloc(s->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			s->failed = 1;
			return 1;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = ref;
	return 0;
}

static int
cmp_seat_ref(const void *a, const void *b)
{
	const struct seat_ref *x = a, *y = b;
	int c = memcmp(x->event, y->event, 16);

	if (c != 0)
		return c;
	/* then by holder, so "held" is listed in a stable order */
	c = memcmp(gs_item_state(x->it)->owner, gs_item_state(y->it)->owner,
	    32);
	return c != 0 ? c : memcmp(x->it->id, y->it->id, 16);
}

struct gs_seats *
gs_seats_build(struct gs_replica *r)
{
	struct gs_seats *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->r = r;
	gs_replica_foreach(r, GS_TYPE_RESERVATION, on_seat_item, s);
	if (s->failed) {
		gs_seats_free(&s);
		return NULL;
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_seat_ref);
	return s;
}

int
gs_seats_events(const struct gs_seats *s, gs_seats_event_cb cb, void *arg)
{
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		if (i > 0 && memcmp(s->v[i - 1].event, s->v[i].event, 16) == 0)
			continue;
		rc = cb(s->v[i].event, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
gs_seats_free(struct gs_seats **s)
{
	if (s == NULL || *s == NULL)
		return;
	free((*s)->v);
	free(*s);
	*s = NULL;
}

/* The first reservation on event in the index, and how many there are. */
static const struct seat_ref *
seats_of(const struct gs_seats *s, const uint8_t event[16], size_t *n)
{
	size_t lo = 0, hi = s->n, first;

	*n = 0;
	if (s->n == 0)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (memcmp(s->v[mid].event, event, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < s->n && memcmp(s->v[lo].event, event, 16) == 0)
		lo++;
	*n = lo - first;
	return &s->v[first];
}

void
gs_seats_count(struct gs_replica *r, struct gs_seats *s,
    const uint8_t event[16], const struct gs_state *st,
    struct gs_seat_count *out)
{
	const char *cap = gs_fields_get(&st->fields, "capacity");
	const struct seat_ref *ref;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (cap != NULL) {
		out->has_capacity = true;
		out->capacity = strtol(cap, NULL, 10);
	}
	ref = seats_of(s, event, &n);
	for (size_t i = 0; i < n; i++) {
		out->total += ref[i].seats;
		if (memcmp(gs_item_state(ref[i].it)->owner, gs_replica_pk(r),
		    32) == 0)
			out->mine += ref[i].seats;
	}
	if (out->has_capacity && out->total > out->capacity)
		out->overbooked = out->total - out->capacity;
}

static json_t *
seats_json(struct gs_replica *r, struct gs_seats *s, const uint8_t event[16],
    const struct gs_state *st)
{
	struct gs_seat_count sc;
	const struct seat_ref *ref;
	json_t *held = json_array();
	size_t n;

	gs_seats_count(r, s, event, st, &sc);
	ref = seats_of(s, event, &n);
	for (size_t i = 0; i < n; i++) {
		const struct gs_state *rs = gs_item_state(ref[i].it);
		const char *note = gs_fields_get(&rs->fields, "note");
		json_array_append_new(held, json_pack("{s:o,s:s,s:I,s:s}",
		    "site", site_str(rs->owner),
		    "site_name", gs_view_site_name(r, rs->owner),
		    "seats", (json_int_t)ref[i].seats,
		    "note", note ? note : ""));
	}
	return json_pack("{s:o,s:o,s:I,s:o,s:I}",
	    "capacity", sc.has_capacity ? json_integer(sc.capacity) :
	    json_null(),
	    "held", held,
	    "total", (json_int_t)sc.total,
	    "left", sc.has_capacity ? json_integer(sc.total > sc.capacity ?
	    0 : sc.capacity - sc.total) : json_null(),
	    "overbooked", (json_int_t)sc.overbooked);
}

json_t *
gs_view_item(struct gs_replica *r, struct gs_item *it, struct gs_seats *seats)
{
	const struct gs_state *st = it->corrupt ? NULL : gs_item_state(it);
	json_t *o = json_object(), *fields, *heads, *conflicts;
	struct gs_seats *own = NULL;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "id", hex_str(it->id, 16));
	json_object_set_new(o, "type", json_string(gs_item_type_name(it->type)));
	if (st == NULL) {
		/* never show a tampered item as if it were valid */
		json_object_set_new(o, "corrupt", json_true());
		return o;
	}
	fields = json_object();
	heads = json_array();
	conflicts = json_array();
	for (size_t i = 0; i < st->fields.n; i++)
		json_object_set_new(fields, st->fields.v[i].name,
		    json_string(st->fields.v[i].value));
	for (size_t i = 0; i < st->nheads; i++)
		json_array_append_new(heads, hex_str(st->heads[i], 32));
	for (size_t i = 0; i < st->nconflicts; i++)
		json_array_append_new(conflicts,
		    conflict_json(r, &st->conflicts[i]));
	json_object_set_new(o, "owner", site_str(st->owner));
	json_object_set_new(o, "owner_name",
	    json_string(gs_view_site_name(r, st->owner)));
	json_object_set_new(o, "fields", fields);
	json_object_set_new(o, "deleted", json_boolean(st->deleted));
	json_object_set_new(o, "created", time_str(st->created_hlc));
	/* when this site first stored it: with "created", how long it took */
	if (it->received_ms > 0)
		json_object_set_new(o, "received",
		    time_str((uint64_t)it->received_ms << 16));
	json_object_set_new(o, "updated", time_str(st->updated_hlc));
	json_object_set_new(o, "changes", json_integer((json_int_t)st->nchanges));
	json_object_set_new(o, "heads", heads);
	json_object_set_new(o, "conflicts", conflicts);
	if (it->type == GS_TYPE_EVENT) {
		if (seats == NULL)
			seats = own = gs_seats_build(r);
		if (seats != NULL)
			json_object_set_new(o, "seats",
			    seats_json(r, seats, it->id, st));
		gs_seats_free(&own);
	}
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
	gs_view_visible_cb visible;
	void *arg;
	struct row *rows;
	size_t n, cap;
	int failed;
};

static int
contains_ci(const char *hay, const char *needle)
{
	return hay != NULL && strcasestr(hay, needle) != NULL;
}

static int
matches_text(const struct gs_fields *f, const char *q)
{
	for (size_t i = 0; i < f->n; i++)
		if (contains_ci(f->v[i].value, q))
			return 1;
	return 0;
}

/* Does the item pass the filter? Fills the sort key. */
static int
keep(struct list_ctx *c, struct gs_item *it, const struct gs_state *st,
    struct row *row)
{
	const struct gs_list_filter *f = c->f;
	const char *kind = gs_fields_get(&st->fields, "kind");
	const char *end;
	int64_t end_ms;

	if (st->deleted && !f->all && st->nconflicts == 0)
		return 0;
	if (c->visible != NULL && !c->visible(st->owner, c->arg))
		return 0;
	if (f->kind != NULL && (kind == NULL || strcmp(kind, f->kind) != 0))
		return 0;
	if (f->town != NULL && (gs_fields_get(&st->fields, "town") == NULL ||
	    strcasecmp(gs_fields_get(&st->fields, "town"), f->town) != 0))
		return 0;
	if (f->q != NULL && !matches_text(&st->fields, f->q))
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
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct row *nr = realloc(c->rows, ncap * sizeof(*nr));
		if (nr == NULL) {
			c->failed = 1;
			return 1;
		}
		c->rows = nr;
		c->cap = ncap;
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

json_t *
gs_view_list(struct gs_replica *r, int type, const struct gs_list_filter *f,
    gs_view_visible_cb visible, void *arg)
{
	struct list_ctx c = { r, type, f, visible, arg, NULL, 0, 0, 0 };
	json_t *items = NULL, *o = NULL;
	struct gs_seats *seats = NULL;

	gs_replica_foreach(r, type, on_list_item, &c);
	if (c.failed)
		goto out;
	if (c.n > 1)
		qsort(c.rows, c.n, sizeof(*c.rows), cmp_rows);
	if ((items = json_array()) == NULL || (o = json_object()) == NULL)
		goto out;
	if (type == GS_TYPE_EVENT && (seats = gs_seats_build(r)) == NULL) {
		json_decref(o);
		o = NULL;
		goto out;
	}
	for (size_t i = 0; i < c.n; i++)
		json_array_append_new(items, gs_view_item(r, c.rows[i].it,
		    seats));
	json_object_set_new(o, "items", items);
	items = NULL;
out:
	gs_seats_free(&seats);
	json_decref(items);
	free(c.rows);
	return o;
}
