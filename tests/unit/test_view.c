/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_view.c: items as the admin sees them (daemon/view.c), on the
 * shared fixture's site (fixture.h): an event and a resource rendered by
 * gs_view_item_text, compared byte for byte with the JSON expected
 * (owner names from site profiles, conflicts with their candidates,
 * seats); gs_view_list's filters (kind, from/to, all, town, q) and its
 * order; a blocked owner's items hidden (gs_replica_visible);
 * and seat totals, this site's share and overbooking, without the seats
 * of a blocked site. Peer B's changes carry fixed HLCs, so their times
 * are known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "crypto.h"
#include "err.h"
#include "hlc.h"
#include "item.h"
#include "replica.h"
#include "siteid.h"
#include "view.h"

#include "fixture.h"

/* 2025-01-02T03:04:05.678Z, when B wrote its items */
#define T0 GS_HLC_MAKE(1735787045678ull, 0)
/* 2025-01-01T00:00:00Z: "now" for the lists */
#define NOW_MS 1735689600000ll

/* A change by B of type on item (parent NULL: a root) writing fields. */
static struct gs_change *
by_b(struct fx *f, int type, const uint8_t item[16], uint64_t seq,
    uint64_t hlc, const struct gs_change *parent, const char *name, ...)
{
	struct gs_fields d;
	struct gs_change *c;
	uint8_t *body = NULL;
	size_t len;
	va_list ap;

	gs_fields_init(&d);
	va_start(ap, name);
	for (const char *n = name; n != NULL; n = va_arg(ap, const char *))
		fx_set(&d, n, va_arg(ap, const char *));
	va_end(ap);
	assert_int_equal(gs_fields_encode(&d, &body, &len), 0);
	c = fx_sign(gs_identity_sk(f->b), item, type, seq, hlc,
	    parent != NULL ? (const uint8_t (*)[32])parent->id : NULL,
	    parent != NULL ? 1 : 0, false, body, len);
	assert_int_equal(fx_apply_c(f, c), 0);
	free(body);
	gs_fields_clear(&d);
	return c;
}

/* B's site profile, named name (change number seq). */
static void
b_profile(struct fx *f, uint64_t seq, const char *name)
{
	struct gs_change *c;
	uint8_t id[16];

	gs_item_id_site(gs_identity_pk(f->b), id);
	c = by_b(f, GS_TYPE_SITE, id, seq, T0, NULL, "name", name, NULL);
	gs_change_destroy(&c);
}

/* The item's text is exactly want. */
static void
assert_text(struct fx *f, const uint8_t id[16], const char *want)
{
	struct gs_item *it = gs_replica_item(f->r, id);
	char *text;

	assert_non_null(it);
	text = gs_view_item_text(f->r, it);
	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

/* "received", when this site stored the item, as the view writes it. */
static void
received(struct fx *f, const uint8_t id[16], char out[32])
{
	struct gs_item *it = gs_replica_item(f->r, id);

	assert_non_null(it);
	assert_true(it->received_ms > 0);
	gs_replica_time((uint64_t)it->received_ms << 16, out);
}

static void
test_event_text(void **state)
{
	struct fx *f = *state;
	struct gs_change *root, *ed;
	uint8_t id[16];
	char want[2048], sid_b[GS_SITEID_SIZE], sid_me[GS_SITEID_SIZE];
	char item[33], head[65], recv[32], evhex[33];

	b_profile(f, 1, "Maison B");
	gs_item_id_new(gs_identity_pk(f->b), 2, id);
	root = by_b(f, GS_TYPE_EVENT, id, 2, T0, NULL, "kind", "workshop",
	    "start", "2030-06-01T14:00:00+02:00", "title", "Atelier",
	    "capacity", "10", "place", "", NULL);
	ed = by_b(f, GS_TYPE_EVENT, id, 3, T0 + (1 << 16), root, "title",
	    "Atelier \"couture\"", NULL);
	gs_hex(id, 16, evhex);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    evhex, "seats", "3", "note", "avec Léa", NULL), 0);
	gs_siteid_encode(gs_identity_pk(f->b), sid_b);
	gs_siteid_encode(gs_replica_pk(f->r), sid_me);
	gs_hex(id, 16, item);
	gs_hex(ed->id, 32, head);
	received(f, id, recv);
	snprintf(want, sizeof(want),
	    "{\"changes\":2,\"conflicts\":[],"
	    "\"created\":\"2025-01-02T03:04:05.678Z\",\"deleted\":false,"
	    "\"fields\":{\"capacity\":\"10\",\"kind\":\"workshop\","
	    "\"start\":\"2030-06-01T14:00:00+02:00\","
	    "\"title\":\"Atelier \\\"couture\\\"\"},"
	    "\"heads\":[\"%s\"],\"id\":\"%s\",\"owner\":\"%s\","
	    "\"owner_name\":\"Maison B\",\"received\":\"%s\","
	    "\"seats\":{\"available\":0,\"capacity\":10,\"confirmed\":3,"
	    "\"held\":[{\"force\":false,\"note\":\"avec Léa\","
	    "\"seats\":3,\"site\":\"%s\",\"site_name\":\"\","
	    "\"state\":\"confirmed\"}],\"left\":7,"
	    "\"mine\":{\"available\":0,\"confirmed\":3,\"position\":null,"
	    "\"waiting\":0},\"overbooked\":0,"
	    "\"queue\":[{\"available\":0,\"confirmed\":3,\"position\":null,"
	    "\"site\":\"%s\",\"site_name\":\"\",\"waiting\":0}],"
	    "\"total\":3,\"waiting\":0},\"type\":\"event\","
	    "\"updated\":\"2025-01-02T03:04:05.679Z\"}",
	    head, item, sid_b, recv, sid_me, sid_me);
	assert_text(f, id, want);
	/* gs_view_item is the same document as an object */
	{
		json_t *o = gs_view_item(f->r, gs_replica_item(f->r, id));
		char *text;

		assert_non_null(o);
		text = gs_view_dump(o);
		assert_string_equal(text, want);
		free(text);
		json_decref(o);
	}
	assert_string_equal(gs_view_site_name(f->r, gs_identity_pk(f->b)),
	    "Maison B");
	assert_string_equal(gs_view_site_name(f->r, gs_identity_pk(f->u)), "");
	gs_change_destroy(&root);
	gs_change_destroy(&ed);
}

/* A resource with a conflict: every candidate, winner first. */
static void
test_resource_text(void **state)
{
	struct fx *f = *state;
	struct gs_change *root, *c1, *c2;
	uint8_t id[16];
	char want[2048], sid_b[GS_SITEID_SIZE], item[33], recv[32];
	char h1[65], h2[65], x1[65], x2[65];

	gs_item_id_new(gs_identity_pk(f->b), 1, id);
	root = by_b(f, GS_TYPE_RESOURCE, id, 1, T0, NULL, "kind", "gem",
	    "name", "GEM du Parc", "town", "Lyon", NULL);
	c1 = by_b(f, GS_TYPE_RESOURCE, id, 2, T0 + (2 << 16), root, "name",
	    "GEM les Tilleuls", NULL);
	c2 = by_b(f, GS_TYPE_RESOURCE, id, 3, T0 + (3 << 16), root, "name",
	    "GEM la Passerelle", NULL);
	gs_siteid_encode(gs_identity_pk(f->b), sid_b);
	gs_hex(id, 16, item);
	gs_hex(c1->id, 32, x1);
	gs_hex(c2->id, 32, x2);
	/* heads ascending by ID */
	if (memcmp(c1->id, c2->id, 32) < 0) {
		memcpy(h1, x1, sizeof(h1));
		memcpy(h2, x2, sizeof(h2));
	} else {
		memcpy(h1, x2, sizeof(h1));
		memcpy(h2, x1, sizeof(h2));
	}
	received(f, id, recv);
	/* the later edit wins; both are candidates */
	snprintf(want, sizeof(want),
	    "{\"changes\":3,\"conflicts\":[{\"candidates\":["
	    "{\"author\":\"%s\",\"author_name\":\"\",\"change\":\"%s\","
	    "\"time\":\"2025-01-02T03:04:05.681Z\","
	    "\"value\":\"GEM la Passerelle\"},"
	    "{\"author\":\"%s\",\"author_name\":\"\",\"change\":\"%s\","
	    "\"time\":\"2025-01-02T03:04:05.680Z\","
	    "\"value\":\"GEM les Tilleuls\"}],\"field\":\"name\"}],"
	    "\"created\":\"2025-01-02T03:04:05.678Z\",\"deleted\":false,"
	    "\"fields\":{\"kind\":\"gem\",\"name\":\"GEM la Passerelle\","
	    "\"town\":\"Lyon\"},\"heads\":[\"%s\",\"%s\"],\"id\":\"%s\","
	    "\"owner\":\"%s\",\"owner_name\":\"\",\"received\":\"%s\","
	    "\"type\":\"resource\",\"updated\":\"2025-01-02T03:04:05.681Z\","
	    "\"verified\":null}",
	    sid_b, x2, sid_b, x1, h1, h2, item, sid_b, recv);
	assert_text(f, id, want);
	gs_change_destroy(&root);
	gs_change_destroy(&c1);
	gs_change_destroy(&c2);
}

/* ---- lists ---- */

/* The titles (events) or names (resources) of a list, joined by '|'. */
static void
list_keys(struct fx *f, int type, const struct gs_list_filter *flt,
    char *out, size_t len)
{
	char *text = NULL;
	json_t *doc, *items, *v;
	struct gs_verr err;
	size_t i;

	assert_int_equal(gs_view_list(f->r, type, flt, &text, &err), 0);
	assert_non_null(text);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	items = json_object_get(doc, "items");
	assert_true(json_is_array(items));
	out[0] = '\0';
	json_array_foreach(items, i, v) {
		const char *k = json_string_value(json_object_get(
		    json_object_get(v, "fields"), type == GS_TYPE_EVENT ?
		    "title" : "name"));
		assert_non_null(k);
		if (i > 0)
			strncat(out, "|", len - strlen(out) - 1);
		strncat(out, k, len - strlen(out) - 1);
	}
	json_decref(doc);
	free(text);
}

static void
event(struct fx *f, const char *kind, const char *start, const char *end,
    const char *title, uint8_t id[16])
{
	if (end != NULL)
		assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, id, "kind",
		    kind, "start", start, "end", end, "title", title, NULL), 0);
	else
		assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, id, "kind",
		    kind, "start", start, "title", title, NULL), 0);
}

static void
test_list_events(void **state)
{
	struct fx *f = *state;
	struct gs_list_filter flt;
	struct gs_fields del;
	struct gs_verr verr;
	struct gs_change *c;
	uint8_t id[16], gone[16];
	char keys[1024];

	event(f, "workshop", "2030-06-01T10:00:00+02:00", NULL,
	    "Atelier couture", id);
	event(f, "outing", "2030-05-01T10:00:00+02:00", NULL,
	    "Sortie au musée", id);
	event(f, "workshop", "2020-01-01T10:00:00+01:00", NULL,
	    "Atelier passé", id);
	/* started before now, ends after: still upcoming */
	event(f, "discussion", "2024-12-31T18:00:00+01:00",
	    "2025-01-03T18:00:00+01:00", "Groupe de parole", id);
	event(f, "workshop", "2030-07-01T10:00:00+02:00", NULL, "Supprimé",
	    gone);
	gs_fields_init(&del);
	memset(&verr, 0, sizeof(verr));
	assert_int_equal(gs_replica_write(f->r, gs_replica_item(f->r, gone),
	    GS_TYPE_EVENT, &del, true, NULL, 0, &verr, NULL), 0);
	gs_item_id_new(gs_identity_pk(f->b), 1, id);
	c = by_b(f, GS_TYPE_EVENT, id, 1, T0, NULL, "kind", "outing", "start",
	    "2030-08-01T10:00:00+02:00", "title", "Marche de B", NULL);
	gs_change_destroy(&c);

	memset(&flt, 0, sizeof(flt));
	flt.now_ms = NOW_MS;
	/* upcoming and live, by start */
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Groupe de parole|Sortie au musée|"
	    "Atelier couture|Marche de B");
	/* all: past and deleted too */
	flt.all = true;
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Atelier passé|Groupe de parole|"
	    "Sortie au musée|Atelier couture|Supprimé|Marche de B");
	flt.all = false;
	/* kind */
	flt.kind = "outing";
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Sortie au musée|Marche de B");
	flt.kind = "meeting";
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "");
	flt.kind = NULL;
	/* from/to, both ends included; a from shows the past */
	flt.has_from = flt.has_to = true;
	assert_int_equal(gs_time_parse("2030-05-01T10:00:00+02:00",
	    &flt.from_ms), 0);
	assert_int_equal(gs_time_parse("2030-07-01T10:00:00+02:00",
	    &flt.to_ms), 0);
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Sortie au musée|Atelier couture");
	flt.all = true;
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Sortie au musée|Atelier couture|Supprimé");
	flt.all = false;
	assert_int_equal(gs_time_parse("2019-01-01T00:00:00Z", &flt.from_ms),
	    0);
	assert_int_equal(gs_time_parse("2021-01-01T00:00:00Z", &flt.to_ms),
	    0);
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Atelier passé");
	flt.has_from = flt.has_to = false;
	/* q: a case-insensitive substring of any field */
	flt.q = "ATELIER";
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Atelier couture");
	flt.q = "outing";
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Sortie au musée|Marche de B");
	flt.q = NULL;
	/* a blocked site's items are hidden (gs_replica_visible) */
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Groupe de parole|Sortie au musée|"
	    "Atelier couture|Marche de B");
	fx_trust(f, gs_identity_pk(f->b), GS_TRUST_BLOCKED);
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Groupe de parole|Sortie au musée|"
	    "Atelier couture");
	flt.all = true;
	list_keys(f, GS_TYPE_EVENT, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Atelier passé|Groupe de parole|"
	    "Sortie au musée|Atelier couture|Supprimé");
	/* resources are another list */
	list_keys(f, GS_TYPE_RESOURCE, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "");
}

static void
test_list_resources(void **state)
{
	struct fx *f = *state;
	struct gs_list_filter flt;
	struct gs_change *c;
	uint8_t id[16];
	char keys[1024];

	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESOURCE, NULL, "kind",
	    "gem", "name", "GEM du Parc", "town", "Lyon", NULL), 0);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESOURCE, NULL, "kind",
	    "helpline", "name", "Écoute nuit", NULL), 0);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESOURCE, NULL, "kind",
	    "clubhouse", "name", "Clubhouse Croix-Rousse", "town", "LYON",
	    NULL), 0);
	gs_item_id_new(gs_identity_pk(f->b), 1, id);
	c = by_b(f, GS_TYPE_RESOURCE, id, 1, T0, NULL, "kind", "gem", "name",
	    "Autre GEM", "town", "Villeurbanne", NULL);
	gs_change_destroy(&c);
	memset(&flt, 0, sizeof(flt));
	flt.now_ms = NOW_MS;
	/* by name (bytes: "É" after ASCII) */
	list_keys(f, GS_TYPE_RESOURCE, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Autre GEM|Clubhouse Croix-Rousse|"
	    "GEM du Parc|Écoute nuit");
	/* town, whole and case-insensitive */
	flt.town = "lyon";
	list_keys(f, GS_TYPE_RESOURCE, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Clubhouse Croix-Rousse|GEM du Parc");
	flt.town = "Lyo";
	list_keys(f, GS_TYPE_RESOURCE, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "");
	flt.town = NULL;
	flt.kind = "gem";
	flt.q = "gem";
	list_keys(f, GS_TYPE_RESOURCE, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "Autre GEM|GEM du Parc");
	fx_trust(f, gs_identity_pk(f->b), GS_TRUST_BLOCKED);
	list_keys(f, GS_TYPE_RESOURCE, &flt, keys, sizeof(keys));
	assert_string_equal(keys, "GEM du Parc");
}

/* ---- seats ---- */

struct events_seen {
	size_t n;
	uint8_t last[16];
};

static int
on_seat_event(const uint8_t event[16], void *arg)
{
	struct events_seen *e = arg;

	e->n++;
	memcpy(e->last, event, 16);
	return 0;
}

static void
test_seats(void **state)
{
	struct fx *f = *state;
	struct gs_seat_count sc;
	struct gs_seats *s;
	struct events_seen seen;
	struct gs_change *c;
	uint8_t ev[16], open[16], rid[16];
	char evhex[33], openhex[33], *text;
	json_t *o, *seats;

	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, ev, "kind",
	    "workshop", "start", "2030-06-01T10:00:00+02:00", "title",
	    "Atelier", "capacity", "4", NULL), 0);
	assert_int_equal(fx_write(f, NULL, GS_TYPE_EVENT, open, "kind",
	    "outing", "start", "2030-06-02T10:00:00+02:00", "title",
	    "Sortie", NULL), 0);
	gs_hex(ev, 16, evhex);
	gs_hex(open, 16, openhex);
	fx_seats(f, ev, &sc);
	assert_true(sc.has_capacity);
	assert_int_equal(sc.capacity, 4);
	assert_int_equal(sc.total, 0);
	assert_int_equal(sc.overbooked, 0);
	/* three seats here, two at B: one more than there are. B's
	 * reservation was created first (T0), so it is confirmed and this
	 * site's request waits: no overbooking, the queue settles it */
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    evhex, "seats", "3", NULL), 0);
	gs_item_id_reservation(gs_identity_pk(f->b), ev, rid);
	c = by_b(f, GS_TYPE_RESERVATION, rid, 1, T0, NULL, "event", evhex,
	    "seats", "2", NULL);
	gs_change_destroy(&c);
	fx_seats(f, ev, &sc);
	assert_int_equal(sc.capacity, 4);
	assert_int_equal(sc.total, 5);
	assert_int_equal(sc.confirmed, 2);
	assert_int_equal(sc.waiting, 3);
	assert_int_equal(sc.mine, 3);
	assert_int_equal(sc.overbooked, 0);
	text = gs_view_item_text(f->r, gs_replica_item(f->r, ev));
	assert_non_null(text);
	o = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(o);
	seats = json_object_get(o, "seats");
	assert_int_equal(json_integer_value(json_object_get(seats, "left")),
	    2);
	assert_int_equal(json_integer_value(json_object_get(seats,
	    "overbooked")), 0);
	assert_int_equal(json_integer_value(json_object_get(seats,
	    "waiting")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    seats, "mine"), "position")), 1);
	assert_int_equal(json_integer_value(json_object_get(seats, "total")),
	    5);
	assert_int_equal(json_array_size(json_object_get(seats, "held")), 2);
	json_decref(o);
	/* no capacity: no limit, and capacity and left are null */
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    openhex, "seats", "7", NULL), 0);
	fx_seats(f, open, &sc);
	assert_false(sc.has_capacity);
	assert_int_equal(sc.total, 7);
	assert_int_equal(sc.overbooked, 0);
	text = gs_view_item_text(f->r, gs_replica_item(f->r, open));
	assert_non_null(text);
	assert_non_null(strstr(text, "\"capacity\":null,"));
	assert_non_null(strstr(text, "\"left\":null,"));
	assert_non_null(strstr(text, "\"total\":7,\"waiting\":0}"));
	free(text);
	/* each event held once in the index */
	s = gs_seats_build(f->r);
	assert_non_null(s);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(gs_seats_events(s, on_seat_event, &seen), 0);
	assert_int_equal(seen.n, 2);
	gs_seats_free(&s);
	/* a blocked site's seats are not counted */
	fx_trust(f, gs_identity_pk(f->b), GS_TRUST_BLOCKED);
	fx_seats(f, ev, &sc);
	assert_int_equal(sc.total, 3);
	assert_int_equal(sc.overbooked, 0);
	/* a reservation given back (0 seats) holds nothing */
	assert_int_equal(fx_write(f, NULL, GS_TYPE_RESERVATION, NULL, "event",
	    evhex, "seats", "0", NULL), 0);
	fx_seats(f, ev, &sc);
	assert_int_equal(sc.total, 0);
	assert_int_equal(sc.mine, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_event_text),
		FX_TEST(test_resource_text),
		FX_TEST(test_list_events),
		FX_TEST(test_list_resources),
		FX_TEST(test_seats),
	};

	if (fx_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
