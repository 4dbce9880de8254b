/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control.c: the daemon side of the control socket. Requests are
 * gs.Request messages, decoded with a byte budget; every handler fills a
 * reply (status, French error naming field and rule, or a JSON document).
 */
#include "control.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "control.pb-c.h"
#include "crypto.h"
#include "err.h"
#include "gossip.h"
#include "hlc.h"
#include "item.h"
#include "log.h"
#include "pbuf.h"
#include "replica.h"
#include "siteid.h"
#include "store.h"
#include "transport.h"
#include "view.h"

#define MAX_REQUEST (1u << 20)
#define MAX_PARAMS 128

struct gs_control {
	struct gs_daemon *d;            /* lent */
	struct gs_endpoint *ep;         /* owned */
	char *path;                     /* owned: the socket file we bound */
};

struct reply {
	Gs__Status status;
	char error[400];
	char field[GS_FIELD_NAME_MAX + 1];
	json_t *json;                   /* owned */
	char *text;                     /* owned: the reply as JSON text, instead */
};

struct request {
	const Gs__Request *pb;
};

typedef void (*handler_fn)(struct gs_daemon *d, const struct request *q,
    struct reply *r);

/* ---- helpers ---- */

static const char *
param(const struct request *q, const char *name)
{
	for (size_t i = 0; i < q->pb->n_params; i++)
		if (strcmp(q->pb->params[i]->name, name) == 0)
			return q->pb->params[i]->value;
	return NULL;
}

static void
fail(struct reply *r, Gs__Status status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fail(struct reply *r, Gs__Status status, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static void
fail_verr(struct reply *r, const struct gs_verr *v)
{
	fail(r, GS__STATUS__INVALID, v->field, "champ « %s » : %s", v->field,
	    v->rule);
}

/* Maps a replica error to a reply. */
static void
fail_err(struct reply *r, int err, const struct gs_verr *v)
{
	switch (err) {
	case GS_EINVAL:
		if (v != NULL && v->field[0] != '\0')
			fail_verr(r, v);
		else
			fail(r, GS__STATUS__INVALID, NULL, "entrée invalide");
		break;
	case GS_EDENIED:
		if (v != NULL && v->field[0] != '\0')
			fail(r, GS__STATUS__REFUSED, v->field, "%s", v->rule);
		else
			fail(r, GS__STATUS__REFUSED, NULL, "%s",
			    "seuls le site propriétaire et ses co-organisateurs "
			    "peuvent modifier cet élément");
		break;
	case GS_ENOTFOUND:
		fail(r, GS__STATUS__NOT_FOUND, "item", "élément introuvable");
		break;
	case GS_EDELETED:
		fail(r, GS__STATUS__REFUSED, "item", "cet élément est supprimé");
		break;
	case GS_ECORRUPT:
		fail(r, GS__STATUS__REFUSED, "item", "les données de cet "
		    "élément sont altérées sur le disque : elles ne sont pas "
		    "affichées (voir les journaux du démon)");
		break;
	case GS_EFULL:
		fail(r, GS__STATUS__REFUSED, NULL, "disque plein : rien n'a été "
		    "enregistré, libérez de la place puis réessayez");
		break;
	case GS_EREADONLY:
		fail(r, GS__STATUS__REFUSED, NULL, "le dossier de données est en "
		    "lecture seule : rien n'a été enregistré");
		break;
	default:
		fail(r, GS__STATUS__REFUSED, NULL, "échec : %s",
		    gs_strerror(err));
		break;
	}
}

static int
need_type(const struct request *q, struct reply *r, int *type)
{
	const char *t = param(q, "type");

	*type = t ? gs_item_type_parse(t) : GS_EINVAL;
	if (*type < 0 || *type == GS_TYPE_RESERVATION) {
		fail(r, GS__STATUS__INVALID, "type", "type « %s » inconnu : "
		    "event, resource ou site", t ? t : "");
		return -1;
	}
	return 0;
}

/* Finds the item named by the "item" parameter. */
static struct gs_item *
need_item(struct gs_daemon *d, const struct request *q, struct reply *r,
    int type)
{
	const char *p = param(q, "item");
	struct gs_item *it = NULL;
	int rc;

	if (p == NULL) {
		fail(r, GS__STATUS__INVALID, "item", "identifiant d'élément "
		    "manquant");
		return NULL;
	}
	rc = gs_replica_find(d->replica, p, type, &it);
	if (rc == GS_EINVAL)
		fail(r, GS__STATUS__INVALID, "item", "identifiant « %s » "
		    "invalide ou ambigu : donnez au moins 6 chiffres "
		    "hexadécimaux, davantage s'il en désigne plusieurs", p);
	else if (rc != 0)
		fail(r, GS__STATUS__NOT_FOUND, "item", "aucun élément %s "
		    "d'identifiant %s", type ? gs_item_type_name(type) : "",
		    p);
	return rc == 0 ? it : NULL;
}

/* Collects "f" parameters (name=value) into a delta. */
static int
collect_fields(const struct request *q, struct reply *r,
    struct gs_fields *delta)
{
	for (size_t i = 0; i < q->pb->n_params; i++) {
		const Gs__Param *p = q->pb->params[i];
		const char *eq;
		char name[GS_FIELD_NAME_MAX + 1];
		size_t n;

		if (strcmp(p->name, "f") != 0)
			continue;
		eq = strchr(p->value, '=');
		n = eq ? (size_t)(eq - p->value) : 0;
		if (eq == NULL || n == 0 || n > GS_FIELD_NAME_MAX) {
			fail(r, GS__STATUS__INVALID, NULL, "champ mal formé "
			    "« %.40s » : attendu NOM=VALEUR", p->value);
			return -1;
		}
		memcpy(name, p->value, n);
		name[n] = '\0';
		if (strcmp(name, GS_FIELD_DELETED) == 0) {
			fail(r, GS__STATUS__INVALID, name, "champ réservé");
			return -1;
		}
		if (gs_fields_set(delta, name, eq + 1) != 0) {
			fail(r, GS__STATUS__REFUSED, NULL, "mémoire insuffisante");
			return -1;
		}
	}
	return 0;
}

static void
reply_item(struct gs_daemon *d, struct reply *r, const uint8_t id[16])
{
	struct gs_item *it = gs_replica_item(d->replica, id);

	if (it == NULL) {
		fail(r, GS__STATUS__NOT_FOUND, "item", "élément introuvable");
		return;
	}
	r->text = gs_view_item_text(d->replica, it);
}

/* ---- handlers ---- */

static void
h_ping(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	(void)q;
	r->json = json_pack("{s:s,s:i}", "site_id",
	    gs_identity_siteid(gs_replica_identity(d->replica)), "version",
	    GS_CONTROL_VERSION);
}

static void
h_id(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	char sid[GS_SITEID_SHORT], hex[65];
	uint8_t curve[32];
	const uint8_t *pk = gs_replica_pk(d->replica);

	(void)q;
	gs_siteid_short(pk, sid);
	if (gs_pk_to_curve(pk, curve) != 0)
		memset(curve, 0, sizeof(curve));
	gs_hex(curve, 32, hex);
	r->json = json_pack("{s:s,s:s,s:s}", "site_id",
	    gs_identity_siteid(gs_replica_identity(d->replica)), "short", sid,
	    "transport_key", hex);
}

struct seat_warn {
	struct gs_daemon *d;
	struct gs_seats *seats;
	json_t *overbooked, *cancelled;
};

static int
on_seat_warn(const uint8_t event[16], void *arg)
{
	struct seat_warn *w = arg;
	struct gs_item *it = gs_replica_item(w->d->replica, event);
	const uint8_t *me = gs_replica_pk(w->d->replica);
	const struct gs_state *st;
	struct gs_seat_count sc;
	const char *title, *cancelled;
	char hex[33];

	if (it == NULL || it->type != GS_TYPE_EVENT || it->corrupt ||
	    (st = gs_item_state(it)) == NULL)
		return 0;
	gs_seats_count(w->d->replica, w->seats, it->id, st, &sc);
	title = gs_fields_get(&st->fields, "title");
	cancelled = gs_fields_get(&st->fields, "cancelled");
	gs_hex(it->id, 16, hex);
	if (sc.overbooked > 0 && memcmp(st->owner, me, 32) == 0 && !st->deleted)
		json_array_append_new(w->overbooked, json_pack("{s:s,s:s,s:I}",
		    "id", hex, "title", title ? title : "",
		    "by", (json_int_t)sc.overbooked));
	if (sc.mine > 0 && (st->deleted ||
	    (cancelled != NULL && strcmp(cancelled, "yes") == 0)))
		json_array_append_new(w->cancelled, json_pack("{s:s,s:s,s:I}",
		    "id", hex, "title", title ? title : "",
		    "seats", (json_int_t)sc.mine));
	return 0;
}

/* Overbooked events we host; cancelled events we hold seats on. */
static void
seat_warnings(struct gs_daemon *d, json_t *o)
{
	struct seat_warn w = { d, gs_seats_build(d->replica), json_array(),
	    json_array() };

	/* only events someone holds seats on can be overbooked */
	if (w.seats != NULL)
		gs_seats_events(w.seats, on_seat_warn, &w);
	gs_seats_free(&w.seats);
	json_object_set_new(o, "overbooked", w.overbooked);
	json_object_set_new(o, "cancelled_with_seats", w.cancelled);
}

static void
h_status(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_replica *rp = d->replica;
	size_t conflicts;
	int64_t equiv = 0;
	uint64_t sent = 0, received = 0;
	json_t *o, *counts;

	(void)q;
	conflicts = gs_replica_count(rp, GS_ITEMS_CONFLICTED);
	gs_store_equivocation_count(d->store, &equiv);
	gs_transport_counters(d->transport, &sent, &received);
	counts = json_pack("{s:I,s:I,s:I,s:I}",
	    "event", (json_int_t)gs_replica_count(rp, GS_TYPE_EVENT),
	    "resource", (json_int_t)gs_replica_count(rp, GS_TYPE_RESOURCE),
	    "site", (json_int_t)gs_replica_count(rp, GS_TYPE_SITE),
	    "reservation",
	    (json_int_t)gs_replica_count(rp, GS_TYPE_RESERVATION));
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "site_id", gs_identity_siteid(gs_replica_identity(d->replica)),
	    "name", gs_view_site_name(d->replica, gs_replica_pk(d->replica)),
	    "version", PROJECT_VERSION,
	    "data_dir", d->cfg->data_dir,
	    "listen", d->cfg->listen,
	    "uptime_s", (json_int_t)(time(NULL) - d->started),
	    "items", counts,
	    "changes", (json_int_t)gs_replica_change_count(d->replica),
	    "conflicts", (json_int_t)conflicts,
	    "equivocations", (json_int_t)equiv,
	    "corrupt", (json_int_t)gs_replica_corrupt_count(d->replica),
	    "bytes_sent", (json_int_t)sent,
	    "bytes_received", (json_int_t)received);
	if (o != NULL && d->gossip != NULL)
		gs_gossip_status(d->gossip, o);
	if (o != NULL) {
		json_object_set_new(o, "seq", json_integer((json_int_t)
		    gs_replica_seq(d->replica, gs_replica_pk(d->replica))));
		seat_warnings(d, o);
	}
	r->json = o;
}

/* Writes a local change and replies with the item, or with why not. */
static void
write_reply(struct gs_daemon *d, struct reply *r, struct gs_item *it,
    int type, const struct gs_fields *delta, bool deleted)
{
	struct gs_verr v;
	uint8_t id[16];
	int rc;

	memset(&v, 0, sizeof(v));
	rc = gs_replica_write(d->replica, it, type, delta, deleted, NULL, 0,
	    &v, id);
	if (rc != 0)
		fail_err(r, rc, &v);
	else
		reply_item(d, r, id);
}

static void
h_item_add(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_fields delta;
	int type;

	gs_fields_init(&delta);
	if (need_type(q, r, &type) != 0 || collect_fields(q, r, &delta) != 0)
		goto out;
	if (type == GS_TYPE_SITE) {
		fail(r, GS__STATUS__INVALID, "type", "le profil du site se "
		    "règle dans la configuration ([site])");
		goto out;
	}
	write_reply(d, r, NULL, type, &delta, false);
out:
	gs_fields_clear(&delta);
}

static void
h_item_edit(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_fields delta;
	struct gs_item *it;
	int type;

	gs_fields_init(&delta);
	if (need_type(q, r, &type) != 0 ||
	    (it = need_item(d, q, r, type)) == NULL ||
	    collect_fields(q, r, &delta) != 0)
		goto out;
	if (delta.n == 0) {
		fail(r, GS__STATUS__INVALID, NULL, "rien à modifier : donnez "
		    "au moins un champ");
		goto out;
	}
	write_reply(d, r, it, type, &delta, false);
out:
	gs_fields_clear(&delta);
}

static void
h_event_cancel(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_fields delta;
	struct gs_item *it;

	gs_fields_init(&delta);
	if ((it = need_item(d, q, r, GS_TYPE_EVENT)) == NULL)
		goto out;
	if (gs_fields_set(&delta, "cancelled", "yes") != 0) {
		fail(r, GS__STATUS__REFUSED, NULL, "mémoire insuffisante");
		goto out;
	}
	write_reply(d, r, it, GS_TYPE_EVENT, &delta, false);
out:
	gs_fields_clear(&delta);
}

static void
h_item_delete(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_fields none;
	struct gs_item *it;
	int type;

	gs_fields_init(&none);
	if (need_type(q, r, &type) != 0 ||
	    (it = need_item(d, q, r, type)) == NULL)
		return;
	write_reply(d, r, it, type, &none, true);
}

static void
h_item_show(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_item *it;
	int type;

	if (need_type(q, r, &type) != 0 ||
	    (it = need_item(d, q, r, type)) == NULL)
		return;
	if (it->corrupt || gs_item_state(it) == NULL) {
		fail_err(r, GS_ECORRUPT, NULL);
		return;
	}
	if (!gs_replica_visible(d->replica, gs_item_state(it)->owner)) {
		fail(r, GS__STATUS__NOT_FOUND, "item", "cet élément appartient "
		    "à un site bloqué");
		return;
	}
	r->text = gs_view_item_text(d->replica, it);
}

/* Parses a --from/--to bound: RFC 3339, or a date (day start or end, UTC). */
static int
parse_bound(const char *s, int end_of_day, int64_t *ms)
{
	char buf[40];

	if (strlen(s) == 10) {
		snprintf(buf, sizeof(buf), "%sT%s", s,
		    end_of_day ? "23:59:59.999Z" : "00:00:00Z");
		s = buf;
	}
	return gs_time_parse(s, ms);
}

static void
h_item_list(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	struct gs_list_filter f;
	const char *from = param(q, "from"), *to = param(q, "to");
	const char *all = param(q, "all");
	int type;

	if (need_type(q, r, &type) != 0)
		return;
	memset(&f, 0, sizeof(f));
	if (from != NULL) {
		if (parse_bound(from, 0, &f.from_ms) != 0) {
			fail(r, GS__STATUS__INVALID, "from", "date « %s » "
			    "invalide : AAAA-MM-JJ ou RFC 3339 avec décalage",
			    from);
			return;
		}
		f.has_from = true;
	}
	if (to != NULL) {
		if (parse_bound(to, 1, &f.to_ms) != 0) {
			fail(r, GS__STATUS__INVALID, "to", "date « %s » "
			    "invalide : AAAA-MM-JJ ou RFC 3339 avec décalage", to);
			return;
		}
		f.has_to = true;
	}
	f.kind = param(q, "kind");
	f.town = param(q, "town");
	f.q = param(q, "q");
	f.all = all != NULL && strcmp(all, "1") == 0;
	f.now_ms = (int64_t)gs_wall_ms();
	r->text = gs_view_list(d->replica, type, &f);
	if (r->text == NULL)
		fail(r, GS__STATUS__REFUSED, NULL, "mémoire insuffisante");
}

static void
h_event_reserve(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	const char *seats = param(q, "seats"), *note = param(q, "note");
	const struct gs_state *st;
	const char *cancelled;
	struct gs_fields delta;
	struct gs_item *ev;
	struct gs_verr v;
	char hex[33];
	int rc;

	memset(&v, 0, sizeof(v));
	gs_fields_init(&delta);
	if ((ev = need_item(d, q, r, GS_TYPE_EVENT)) == NULL)
		goto out;
	if (ev->corrupt || (st = gs_item_state(ev)) == NULL) {
		fail_err(r, GS_ECORRUPT, NULL);
		goto out;
	}
	cancelled = gs_fields_get(&st->fields, "cancelled");
	if (seats == NULL) {
		fail(r, GS__STATUS__INVALID, "seats", "nombre de places manquant");
		goto out;
	}
	if (strcmp(seats, "0") != 0 && (st->deleted || (cancelled != NULL &&
	    strcmp(cancelled, "yes") == 0))) {
		fail(r, GS__STATUS__REFUSED, "item", "cet événement est annulé : "
		    "on ne peut plus y réserver de places");
		goto out;
	}
	gs_hex(ev->id, 16, hex);
	rc = gs_fields_set(&delta, "event", hex);
	if (rc == 0)
		rc = gs_fields_set(&delta, "seats", seats);
	if (rc == 0)
		rc = gs_fields_set(&delta, "note", note ? note : "");
	if (rc == 0)
		rc = gs_replica_write(d->replica, NULL, GS_TYPE_RESERVATION,
		    &delta, false, NULL, 0, &v, NULL);
	if (rc != 0)
		fail_err(r, rc, &v);
	else
		r->text = gs_view_item_text(d->replica, ev);
out:
	gs_fields_clear(&delta);
}

static const char *
item_title(const struct gs_state *st)
{
	const char *t = gs_fields_get(&st->fields, "title");

	if (t == NULL)
		t = gs_fields_get(&st->fields, "name");
	return t ? t : "";
}

struct conflict_rows {
	struct gs_replica *replica;
	json_t *arr;
};

static int
on_conflict_item(struct gs_item *it, void *arg)
{
	struct conflict_rows *x = arg;
	json_t *fields;
	const struct gs_state *st;
	size_t ncand = 0;
	char hex[33];

	if (it->corrupt || (st = gs_item_state(it)) == NULL ||
	    st->nconflicts == 0 || !gs_replica_visible(x->replica, st->owner))
		return 0;
	fields = json_array();
	for (size_t i = 0; i < st->nconflicts; i++) {
		json_array_append_new(fields,
		    json_string(st->conflicts[i].field));
		ncand += st->conflicts[i].ncand;
	}
	gs_hex(it->id, 16, hex);
	json_array_append_new(x->arr, json_pack("{s:s,s:s,s:s,s:o,s:I}",
	    "item", hex, "type", gs_item_type_name(it->type),
	    "title", item_title(st), "fields", fields,
	    "candidates", (json_int_t)ncand));
	return 0;
}

static int
cmp_conflict_rows(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "item")),
	    json_string_value(json_object_get(y, "item")));
}

static void
h_conflicts_list(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	json_t *arr = json_array(), *sorted = json_array();
	struct conflict_rows x = { d->replica, arr };
	json_t **rows;
	size_t n;

	(void)q;
	gs_replica_foreach(d->replica, GS_ITEMS_CONFLICTED, on_conflict_item,
	    &x);
	/* the item set is a hash table: order the rows by item ID */
	n = json_array_size(arr);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (rows != NULL) {
		for (size_t i = 0; i < n; i++)
			rows[i] = json_array_get(arr, i);
		qsort(rows, n, sizeof(*rows), cmp_conflict_rows);
		for (size_t i = 0; i < n; i++)
			json_array_append(sorted, rows[i]);
		free(rows);
		r->json = json_pack("{s:o}", "conflicts", sorted);
	} else {
		json_decref(sorted);
	}
	json_decref(arr);
}

static void
h_conflicts_show(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	const struct gs_state *st;
	struct gs_item *it;
	json_t *view;

	if ((it = need_item(d, q, r, 0)) == NULL)
		return;
	if (it->corrupt || (st = gs_item_state(it)) == NULL) {
		fail_err(r, GS_ECORRUPT, NULL);
		return;
	}
	if (!gs_replica_visible(d->replica, st->owner)) {
		fail(r, GS__STATUS__NOT_FOUND, "item", "cet élément appartient "
		    "à un site bloqué");
		return;
	}
	view = gs_view_item(d->replica, it);
	if (view == NULL)
		return;
	r->json = json_pack("{s:O,s:O,s:s,s:O}", "item",
	    json_object_get(view, "id"), "type", json_object_get(view, "type"),
	    "title", item_title(st), "conflicts",
	    json_object_get(view, "conflicts"));
	json_decref(view);
}

/* Finds the change named by a hex prefix among an item's changes. */
static int
find_change(const struct gs_item *it, const char *prefix, uint8_t out[32])
{
	size_t len = strlen(prefix), found = 0;
	char hex[65];

	if (len < 8 || len > 64 ||
	    strspn(prefix, "0123456789abcdefABCDEF") != len)
		return GS_EINVAL;
	for (size_t i = 0; i < it->n; i++) {
		gs_hex(it->ch[i].id, 32, hex);
		if (strncasecmp(hex, prefix, len) != 0)
			continue;
		memcpy(out, it->ch[i].id, 32);
		found++;
	}
	return found == 1 ? 0 : found == 0 ? GS_ENOTFOUND : GS_EINVAL;
}

static void
h_conflicts_resolve(struct gs_daemon *d, const struct request *q,
    struct reply *r)
{
	const char *take = param(q, "take");
	struct gs_fields set;
	struct gs_item *it;
	struct gs_verr v;
	uint8_t change[32];
	int rc;

	memset(&v, 0, sizeof(v));
	gs_fields_init(&set);
	if ((it = need_item(d, q, r, 0)) == NULL)
		goto out;
	for (size_t i = 0; i < q->pb->n_params; i++) {
		const Gs__Param *p = q->pb->params[i];
		const char *eq = strchr(p->value, '=');
		char name[GS_FIELD_NAME_MAX + 1];
		size_t n = eq ? (size_t)(eq - p->value) : 0;
		if (strcmp(p->name, "f") != 0)
			continue;
		if (n == 0 || n > GS_FIELD_NAME_MAX) {
			fail(r, GS__STATUS__INVALID, NULL, "champ mal formé "
			    "« %.40s » : attendu NOM=VALEUR", p->value);
			goto out;
		}
		memcpy(name, p->value, n);
		name[n] = '\0';
		if (gs_fields_set(&set, name, eq + 1) != 0)
			goto out;
	}
	if ((take == NULL) == (set.n == 0)) {
		fail(r, GS__STATUS__INVALID, "take", "donnez soit une "
		    "modification à retenir (take), soit des valeurs (FIELD=VALUE)");
		goto out;
	}
	if (take != NULL) {
		rc = gs_replica_item_full(d->replica, it->id, &it);
		if (rc != 0) {
			fail_err(r, rc, NULL);
			goto out;
		}
		rc = find_change(it, take, change);
		if (rc != 0) {
			fail(r, rc == GS_ENOTFOUND ? GS__STATUS__NOT_FOUND :
			    GS__STATUS__INVALID, "take", "modification « %.64s » "
			    "%s", take, rc == GS_ENOTFOUND ? "introuvable pour cet "
			    "élément" : "invalide ou ambiguë (8 chiffres "
			    "hexadécimaux au moins)");
			goto out;
		}
	}
	rc = gs_replica_resolve(d->replica, it, take ? change : NULL,
	    set.n ? &set : NULL, &v);
	if (rc == GS_ENOTFOUND)
		fail(r, GS__STATUS__NOT_FOUND, take ? "take" : "item", take ?
		    "cette modification n'est candidate dans aucun conflit de "
		    "l'élément" : "cet élément n'a pas de conflit");
	else if (rc != 0)
		fail_err(r, rc, &v);
	else
		r->text = gs_view_item_text(d->replica, it);
out:
	gs_fields_clear(&set);
}

struct command {
	const char *name;
	handler_fn fn;
};

static const struct command commands[] = {
	{ "ping", h_ping },
	{ "id", h_id },
	{ "status", h_status },
	{ "item.add", h_item_add },
	{ "item.edit", h_item_edit },
	{ "item.delete", h_item_delete },
	{ "item.show", h_item_show },
	{ "item.list", h_item_list },
	{ "event.cancel", h_event_cancel },
	{ "event.reserve", h_event_reserve },
	{ "conflicts.list", h_conflicts_list },
	{ "conflicts.show", h_conflicts_show },
	{ "conflicts.resolve", h_conflicts_resolve },
};

/* Commands served by other modules (gossip: peers, sites, sync...). */
static int
dispatch(struct gs_daemon *d, const struct request *q, struct reply *r)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, q->pb->command) == 0) {
			commands[i].fn(d, q, r);
			return 0;
		}
	}
	if (d->gossip != NULL) {
		struct gs_ctl_call call = { .command = q->pb->command };
		const char *names[MAX_PARAMS], *values[MAX_PARAMS];
		size_t n = q->pb->n_params;
		for (size_t i = 0; i < n; i++) {
			names[i] = q->pb->params[i]->name;
			values[i] = q->pb->params[i]->value;
		}
		call.names = names;
		call.values = values;
		call.nparams = n;
		if (gs_gossip_control(d->gossip, &call) == 0) {
			r->status = (Gs__Status)call.status;
			snprintf(r->error, sizeof(r->error), "%s", call.error);
			snprintf(r->field, sizeof(r->field), "%s", call.field);
			r->json = call.json;
			return 0;
		}
	}
	return -1;
}

static int
encode_reply(struct reply *r, uint8_t **out, size_t *outlen)
{
	Gs__Response resp = GS__RESPONSE__INIT;
	char *json = NULL;

	resp.version = GS_CONTROL_VERSION;
	resp.status = r->status;
	if (r->status == GS__STATUS__OK) {
		if (r->text != NULL) {
			json = r->text;
			r->text = NULL;
		} else if (r->json == NULL ||
		    (json = gs_view_dump(r->json)) == NULL) {
			resp.status = GS__STATUS__REFUSED;
			resp.error = "mémoire insuffisante";
		}
		resp.json = json;
	} else {
		resp.error = r->error;
		resp.field = r->field[0] ? r->field : NULL;
	}
	*outlen = gs__response__get_packed_size(&resp);
	*out = malloc(*outlen ? *outlen : 1);
	if (*out != NULL)
		gs__response__pack(&resp, *out);
	free(json);
	return *out ? 0 : GS_ENOMEM;
}

int
gs_control_handle(struct gs_daemon *d, const uint8_t *req, size_t len,
    uint8_t **out, size_t *outlen)
{
	struct gs_pbuf_budget budget;
	struct reply r;
	struct request q;
	Gs__Request *pb = NULL;
	int ret;

	memset(&r, 0, sizeof(r));
	r.status = GS__STATUS__OK;
	gs_pbuf_budget_init(&budget, 4 * MAX_REQUEST);
	if (len > MAX_REQUEST ||
	    (pb = gs__request__unpack(&budget.alloc, len, req)) == NULL) {
		fail(&r, GS__STATUS__INVALID, NULL, "requête illisible");
	} else if (pb->version != GS_CONTROL_VERSION) {
		fail(&r, GS__STATUS__BAD_VERSION, NULL, "version de protocole "
		    "%u non prise en charge (le démon parle la version %u) : "
		    "utilisez un gemsync de la même version que gemsyncd",
		    pb->version, GS_CONTROL_VERSION);
	} else if (pb->n_params > MAX_PARAMS) {
		fail(&r, GS__STATUS__INVALID, NULL, "trop de paramètres");
	} else {
		q.pb = pb;
		if (dispatch(d, &q, &r) != 0)
			fail(&r, GS__STATUS__INVALID, NULL, "commande inconnue "
			    "« %.40s »", pb->command);
	}
	if (r.status == GS__STATUS__OK && r.json == NULL && r.text == NULL)
		fail(&r, GS__STATUS__REFUSED, NULL, "mémoire insuffisante");
	ret = encode_reply(&r, out, outlen);
	json_decref(r.json);
	free(r.text);
	if (pb != NULL)
		gs__request__free_unpacked(pb, &budget.alloc);
	return ret;
}

static void
on_request(struct gs_endpoint *ep, const struct gs_msg *m, void *arg)
{
	struct gs_control *c = arg;
	uint8_t *out = NULL;
	size_t outlen = 0;
	int rc;

	if (gs_control_handle(c->d, m->data, m->len, &out, &outlen) != 0)
		return;
	rc = gs_transport_send(ep, m->route, m->route_len, out, outlen);
	if (rc != 0)
		log_debug("control: reply not delivered: %s", gs_strerror(rc));
	free(out);
}

int
gs_control_start(struct gs_daemon *d, struct gs_control **out)
{
	Gs__Request ping = GS__REQUEST__INIT;
	struct gs_control *c;
	uint8_t buf[64];
	size_t len;
	int ret;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return GS_ENOMEM;
	c->d = d;
	ping.version = GS_CONTROL_VERSION;
	ping.command = "ping";
	len = gs__request__pack(&ping, buf);
	ret = gs_transport_control(d->transport, d->cfg->control, buf, len,
	    1000, on_request, c, &c->ep);
	if (ret != 0) {
		free(c);
		return ret;
	}
	c->path = strdup(d->cfg->control + strlen("ipc://"));
	*out = c;
	return 0;
}

void
gs_control_stop(struct gs_control **c)
{
	if (c == NULL || *c == NULL)
		return;
	gs_transport_close(&(*c)->ep);
	/* a clean stop leaves no socket file behind for the CLI to trip on */
	if ((*c)->path != NULL)
		unlink((*c)->path);
	free((*c)->path);
	free(*c);
	*c = NULL;
}
