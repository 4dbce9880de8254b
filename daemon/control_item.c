/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_item.c: the control commands about items (item add, edit,
 * delete, show, list), events (cancel, reserve) and conflicts (list, show,
 * resolve). Writes go through the replica's one write path; replies are
 * the view's JSON (view.h), and errors name the field and the rule.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control_int.h"
#include "crypto.h"
#include "err.h"
#include "gossip.h"
#include "hlc.h"
#include "recur.h"
#include "replica.h"
#include "seats.h"
#include "siteid.h"
#include "view.h"

static int
need_type(const struct ctl_request *q, struct ctl_reply *r, int *type)
{
	const char *t = ctl_param(q, "type");

	*type = t ? gs_item_type_parse(t) : GS_EINVAL;
	/* a key link is written by key.rotate only, with its new key */
	if (*type < 0 || *type == GS_TYPE_RESERVATION ||
	    *type == GS_TYPE_CONFIRMATION || *type == GS_TYPE_KEYLINK) {
		ctl_fail(r, GS__STATUS__INVALID, "type",
		    "type « %s » inconnu : "
		    "event, resource ou site", t ? t : "");
		return -1;
	}
	return 0;
}

/* Finds the item named by the "item" parameter. */
static struct gs_item *
need_item(struct gs_daemon *d, const struct ctl_request *q, struct ctl_reply *r,
    int type)
{
	const char *p = ctl_param(q, "item");
	struct gs_item *it = NULL;
	int rc;

	if (p == NULL) {
		ctl_fail(r, GS__STATUS__INVALID, "item",
		    "identifiant d'élément "
		    "manquant");
		return NULL;
	}
	rc = gs_replica_find(d->replica, p, type, &it);
	if (rc == GS_EINVAL)
		ctl_fail(r, GS__STATUS__INVALID, "item", "identifiant « %s » "
		    "invalide ou ambigu : donnez au moins 6 chiffres "
		    "hexadécimaux, davantage s'il en désigne plusieurs", p);
	else if (rc != 0)
		ctl_fail(r, GS__STATUS__NOT_FOUND, "item", "aucun élément %s "
		    "d'identifiant %s", type ? gs_item_type_name(type) : "",
		    p);
	return rc == 0 ? it : NULL;
}

/*
 * Collects "f" parameters (name=value) into a delta, an enumerated value
 * typed in French (or in any case) stored as its code. A value that is
 * none of the field's values is kept as typed: the write's check then
 * refuses it, naming the valid values.
 */
static int
collect_fields(const struct ctl_request *q, struct ctl_reply *r, int type,
    struct gs_fields *delta)
{
	for (size_t i = 0; i < q->pb->n_params; i++) {
		const Gs__Param *p = q->pb->params[i];
		const char *eq, *value;
		char name[GS_FIELD_NAME_MAX + 1];
		size_t n;

		if (strcmp(p->name, "f") != 0)
			continue;
		eq = strchr(p->value, '=');
		n = eq ? (size_t)(eq - p->value) : 0;
		if (eq == NULL || n == 0 || n > GS_FIELD_NAME_MAX) {
			ctl_fail(r, GS__STATUS__INVALID, NULL,
			    "champ mal formé "
			    "« %.40s » : attendu NOM=VALEUR", p->value);
			return -1;
		}
		memcpy(name, p->value, n);
		name[n] = '\0';
		if (strcmp(name, GS_FIELD_DELETED) == 0 ||
		    strcmp(name, GS_FIELD_ERASED) == 0) {
			ctl_fail(r, GS__STATUS__INVALID, name, "champ réservé");
			return -1;
		}
		(void)gs_schema_normalize(type, name, eq + 1, &value);
		if (gs_fields_set(delta, name, value) != 0) {
			ctl_fail_err(r, GS_ENOMEM, NULL);
			return -1;
		}
	}
	return 0;
}

static void
reply_item(struct gs_daemon *d, struct ctl_reply *r, const uint8_t id[16])
{
	struct gs_item *it = gs_replica_item(d->replica, id);

	if (it == NULL) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "item",
		    "élément introuvable");
		return;
	}
	r->text = gs_view_item_text(d->replica, it);
}


/*
 * The state of an item an admin may see: readable, and not owned by a
 * blocked site. NULL after failing r otherwise.
 */
static const struct gs_state *
need_shown(struct gs_daemon *d, struct ctl_reply *r, struct gs_item *it)
{
	const struct gs_state *st;

	if (it->corrupt || (st = gs_item_state(it)) == NULL) {
		ctl_fail_err(r, GS_ECORRUPT, NULL);
		return NULL;
	}
	if (!gs_replica_visible(d->replica, st->owner)) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "item", "cet élément "
		    "appartient à un site bloqué");
		return NULL;
	}
	return st;
}

/*
 * The "date" parameter naming one date of the series it (NULL when
 * absent) into *date. 0, or -1 after failing r: not a date, the item not
 * a series, or no occurrence of the series on that date.
 */
static int
need_date(const struct ctl_request *q, struct ctl_reply *r,
    struct gs_item *it, const char **date)
{
	const char *p = ctl_param(q, "date");
	const struct gs_state *st;
	const char *rrule;
	struct gs_series *s = NULL;
	struct gs_occurrence o;
	int rc;

	*date = NULL;
	if (p == NULL)
		return 0;
	if (!gs_recur_date_valid(p, NULL, NULL, NULL)) {
		ctl_fail(r, GS__STATUS__INVALID, "date", "date « %.40s » "
		    "invalide : écrivez-la AAAA-MM-JJ (ex. 2026-12-22)", p);
		return -1;
	}
	if (it->corrupt || (st = gs_item_state(it)) == NULL) {
		ctl_fail_err(r, GS_ECORRUPT, NULL);
		return -1;
	}
	rrule = gs_fields_get(&st->fields, "rrule");
	if (it->type != GS_TYPE_EVENT || rrule == NULL || rrule[0] == '\0') {
		ctl_fail(r, GS__STATUS__INVALID, "date", "--date ne vaut que "
		    "pour un événement répété : cet événement n'a qu'une date, "
		    "retirez --date");
		return -1;
	}
	rc = gs_series_new(rrule, gs_fields_get(&st->fields, "timezone"),
	    gs_fields_get(&st->fields, "start"),
	    gs_fields_get(&st->fields, "end"), &s, NULL);
	if (rc == 0)
		rc = gs_series_find(s, p, &o);
	gs_series_destroy(&s);
	if (rc == GS_ENOTFOUND) {
		ctl_fail(r, GS__STATUS__INVALID, "date", "le %s n'est pas une "
		    "date de cet événement répété : voyez ses dates avec "
		    "gemsync event list", p);
		return -1;
	}
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return -1;
	}
	*date = p;
	return 0;
}

/*
 * Renames each field of delta to "<field>@<date>", so an edit changes one
 * date of a series. 0, or -1 after failing r (a field a date cannot
 * change on its own).
 */
static int
dated_delta(struct ctl_reply *r, const char *date, struct gs_fields *delta)
{
	struct gs_fields dated;
	char name[GS_FIELD_NAME_MAX + 1];
	int ret = -1;

	gs_fields_init(&dated);
	for (size_t i = 0; i < delta->n; i++) {
		const char *f = delta->v[i].name;
		if (!gs_schema_per_date(GS_TYPE_EVENT, f)) {
			ctl_fail(r, GS__STATUS__INVALID, f, "« %s » ne change "
			    "pas pour une seule date : modifiez toute la série "
			    "(sans --date)", f);
			goto out;
		}
		snprintf(name, sizeof(name), "%s@%s", f, date);
		if (gs_fields_set(&dated, name, delta->v[i].value) != 0) {
			ctl_fail_err(r, GS_ENOMEM, NULL);
			goto out;
		}
	}
	gs_fields_clear(delta);
	*delta = dated;
	gs_fields_init(&dated);
	ret = 0;
out:
	gs_fields_clear(&dated);
	return ret;
}

/* out = « profile name » (SHORT), the name cut on a character at 48 bytes. */
static void
site_label(struct gs_daemon *d, const uint8_t pk[32], char *out, size_t len)
{
	const char *name = gs_view_site_name(d->replica, pk);
	char sid[GS_SITEID_SHORT];
	size_t n = strlen(name);

	gs_siteid_short(pk, sid);
	if (n > 48) {
		n = 48;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;   /* not inside a UTF-8 sequence */
	}
	if (n == 0)
		snprintf(out, len, "%s", sid);
	else
		snprintf(out, len, "« %.*s%s » (%s)", (int)n, name,
		    name[n] != '\0' ? "…" : "", sid);
}

/*
 * Fails r for GS_EBUDGET on it, in French: the site that used the budget
 * (this one: an author can only use its own), how much, and what is left
 * to do. it NULL or unreadable: the generic message.
 */
static void
budget_fail(struct gs_daemon *d, struct ctl_reply *r, struct gs_item *it)
{
	const uint8_t *me = gs_replica_pk(d->replica);
	const struct gs_state *st;
	char self[96], owner[96];
	size_t used;

	if (it == NULL || gs_replica_item_full(d->replica, it->id, &it) != 0 ||
	    (st = gs_item_state(it)) == NULL) {
		ctl_fail_err(r, GS_EBUDGET, NULL);
		return;
	}
	used = gs_replica_budget_used(it, me);
	site_label(d, me, self, sizeof(self));
	site_label(d, st->owner, owner, sizeof(owner));
	if (memcmp(me, st->owner, 32) != 0)
		ctl_fail(r, GS__STATUS__REFUSED, "item", "ce site, %s, a écrit "
		    "%zu modifications de cet élément, le maximum pour un "
		    "co-organisateur : il ne peut plus le modifier. Demandez "
		    "les changements suivants au site propriétaire, %s, qui "
		    "peut toujours le modifier, l'annuler ou le supprimer",
		    self, used, owner);
	else if (used < GS_MAX_ITEM_CHANGES)
		ctl_fail(r, GS__STATUS__REFUSED, "item", "ce site, %s, a écrit "
		    "%zu modifications de cet élément : il ne lui reste que "
		    "sa réserve de propriétaire, pour %s. Pour d'autres "
		    "changements, créez un nouvel élément", self, used,
		    it->type == GS_TYPE_EVENT ? "l'annuler, le supprimer ou "
		    "changer ses co-organisateurs (--clear cohosts)" :
		    it->type == GS_TYPE_RESOURCE ? "le supprimer ou changer "
		    "ses co-rédacteurs (--clear editors)" : "le supprimer");
	else
		ctl_fail(r, GS__STATUS__REFUSED, "item", "ce site, %s, a écrit "
		    "les %zu modifications permises sur cet élément, réserve "
		    "comprise : créez un nouvel élément pour la suite", self,
		    used);
}

/* Writes a local change and replies with the item, or with why not. */
static void
write_reply(struct gs_daemon *d, struct ctl_reply *r, struct gs_item *it,
    int type, const struct gs_fields *delta, bool deleted)
{
	struct gs_verr v;
	uint8_t id[16];
	int rc;

	memset(&v, 0, sizeof(v));
	rc = gs_replica_write(d->replica, it, type, delta, deleted, NULL, 0,
	    &v, id);
	if (rc == GS_EBUDGET)
		budget_fail(d, r, it);
	else if (rc != 0)
		ctl_fail_err(r, rc, &v);
	else
		reply_item(d, r, id);
}

void
ctl_item_add(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_fields delta;
	int type;

	gs_fields_init(&delta);
	if (need_type(q, r, &type) != 0 ||
	    collect_fields(q, r, type, &delta) != 0)
		goto out;
	if (type == GS_TYPE_SITE) {
		ctl_fail(r, GS__STATUS__INVALID, "type", "le profil du site se "
		    "règle dans la configuration ([site])");
		goto out;
	}
	write_reply(d, r, NULL, type, &delta, false);
out:
	gs_fields_clear(&delta);
}

/*
 * item.check: would these fields make a valid new item of the type? The
 * same checks as item.add (each field's rule, the required fields, the
 * rules across fields), writing nothing: an import checks every row
 * before it writes any. Replies {} or INVALID naming the field and rule.
 */
void
ctl_item_check(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_fields delta;
	struct gs_verr v;
	int type, rc;

	(void)d;
	memset(&v, 0, sizeof(v));
	gs_fields_init(&delta);
	if (need_type(q, r, &type) != 0 ||
	    collect_fields(q, r, type, &delta) != 0)
		goto out;
	rc = gs_item_check_delta(type, &delta, true, &v);
	/* as a write's result: an empty value is no value */
	for (size_t i = delta.n; rc == 0 && i-- > 0;) {
		char name[GS_FIELD_NAME_MAX + 1];
		if (delta.v[i].value[0] != '\0')
			continue;
		snprintf(name, sizeof(name), "%s", delta.v[i].name);
		gs_fields_del(&delta, name);
	}
	if (rc == 0)
		rc = gs_item_check_state(type, &delta, &v);
	if (rc != 0)
		ctl_fail_err(r, rc, &v);
	else
		r->text = strdup("{}");
out:
	gs_fields_clear(&delta);
}

void
ctl_item_edit(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_fields delta;
	struct gs_item *it;
	const char *date;
	int type;

	gs_fields_init(&delta);
	if (need_type(q, r, &type) != 0 ||
	    (it = need_item(d, q, r, type)) == NULL ||
	    collect_fields(q, r, type, &delta) != 0 ||
	    need_date(q, r, it, &date) != 0)
		goto out;
	if (delta.n == 0) {
		ctl_fail(r, GS__STATUS__INVALID, NULL,
		    "rien à modifier : donnez "
		    "au moins un champ");
		goto out;
	}
	if (date != NULL && dated_delta(r, date, &delta) != 0)
		goto out;
	write_reply(d, r, it, type, &delta, false);
out:
	gs_fields_clear(&delta);
}

void
ctl_event_cancel(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_fields delta;
	struct gs_item *it;
	const char *date;
	char name[GS_FIELD_NAME_MAX + 1];

	gs_fields_init(&delta);
	if ((it = need_item(d, q, r, GS_TYPE_EVENT)) == NULL ||
	    need_date(q, r, it, &date) != 0)
		goto out;
	/* with a date, that date only */
	if (date != NULL)
		snprintf(name, sizeof(name), "cancelled@%s", date);
	else
		snprintf(name, sizeof(name), "cancelled");
	if (gs_fields_set(&delta, name, "yes") != 0) {
		ctl_fail_err(r, GS_ENOMEM, NULL);
		goto out;
	}
	write_reply(d, r, it, GS_TYPE_EVENT, &delta, false);
out:
	gs_fields_clear(&delta);
}

void
ctl_item_delete(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_fields none;
	struct gs_item *it;
	int type;

	struct gs_verr v;
	const char *erase;
	int rc;

	gs_fields_init(&none);
	if (need_type(q, r, &type) != 0 ||
	    (it = need_item(d, q, r, type)) == NULL)
		return;
	erase = ctl_param(q, "erase");
	if (erase == NULL || strcmp(erase, "1") != 0) {
		write_reply(d, r, it, type, &none, true);
		return;
	}
	memset(&v, 0, sizeof(v));
	rc = gs_replica_erase(d->replica, it, &v);
	if (rc != 0)
		ctl_fail_err(r, rc, &v);
	else
		reply_item(d, r, it->id);
}

void
ctl_item_show(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_item *it;
	const char *date;
	int type, rc;

	if (need_type(q, r, &type) != 0 ||
	    (it = need_item(d, q, r, type)) == NULL ||
	    need_shown(d, r, it) == NULL || need_date(q, r, it, &date) != 0)
		return;
	if (date == NULL) {
		r->text = gs_view_item_text(d->replica, it);
		return;
	}
	rc = gs_view_occurrence_text(d->replica, it, date, &r->text);
	if (rc != 0)
		ctl_fail_err(r, rc, NULL);
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

/*
 * The list filter on an enumerated field: its code (French word or code
 * typed, see gs_schema_normalize) in *out, NULL when not given. An
 * unknown value is an error listing the valid values in French, never an
 * empty list. 0 or -1 after failing r.
 */
static int
enum_filter(const struct ctl_request *q, struct ctl_reply *r, int type,
    const char *field, const char *what, const char **out)
{
	const char *v = ctl_param(q, field);
	char list[400];

	*out = NULL;
	if (v == NULL)
		return 0;
	if (gs_schema_enum(type, field) == NULL) {
		ctl_fail(r, GS__STATUS__INVALID, field, "pas de filtre %s pour "
		    "ce type d'élément", field);
		return -1;
	}
	if (v[0] == '\0' || gs_schema_normalize(type, field, v, out) != 0) {
		gs_schema_values_fr(type, field, list, sizeof(list));
		ctl_fail(r, GS__STATUS__INVALID, field, "%s « %.60s » inconnu : "
		    "valeurs possibles : %s", what, v, list);
		return -1;
	}
	return 0;
}

void
ctl_item_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct gs_list_filter f;
	const char *from = ctl_param(q, "from"), *to = ctl_param(q, "to");
	const char *all = ctl_param(q, "all");
	struct gs_verr v;
	int type, rc;

	if (need_type(q, r, &type) != 0)
		return;
	memset(&f, 0, sizeof(f));
	if (from != NULL) {
		if (parse_bound(from, 0, &f.from_ms) != 0) {
			ctl_fail(r, GS__STATUS__INVALID, "from", "date « %s » "
			    "invalide : AAAA-MM-JJ ou RFC 3339 avec décalage",
			    from);
			return;
		}
		f.has_from = true;
	}
	if (to != NULL) {
		if (parse_bound(to, 1, &f.to_ms) != 0) {
			ctl_fail(r, GS__STATUS__INVALID, "to", "date « %s » "
			    "invalide : AAAA-MM-JJ ou RFC 3339 avec décalage", to);
			return;
		}
		f.has_to = true;
	}
	if (enum_filter(q, r, type, "kind", "type", &f.kind) != 0 ||
	    enum_filter(q, r, type, "audience", "public", &f.audience) != 0)
		return;
	f.town = ctl_param(q, "town");
	f.q = ctl_param(q, "q");
	f.all = all != NULL && strcmp(all, "1") == 0;
	f.stale = ctl_param(q, "stale") != NULL &&
	    strcmp(ctl_param(q, "stale"), "1") == 0;
	f.now_ms = (int64_t)gs_wall_ms();
	f.cache = d->series;
	memset(&v, 0, sizeof(v));
	rc = gs_view_list(d->replica, type, &f, &r->text, &v);
	if (rc != 0)
		ctl_fail_err(r, rc, &v);
}

/*
 * resource.confirm: this site checked the record today. Writes this
 * site's confirmation of the resource (one item per site and resource,
 * a change per confirmation) and replies with the resource, whose
 * "verified" then names this site. A deleted or erased resource, or one
 * of a blocked site, is refused: there is nothing to vouch for.
 */
void
ctl_resource_confirm(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const struct gs_state *st;
	struct gs_fields delta;
	struct gs_item *it;
	struct gs_verr v;
	char hex[33];
	int rc;

	memset(&v, 0, sizeof(v));
	gs_fields_init(&delta);
	if ((it = need_item(d, q, r, GS_TYPE_RESOURCE)) == NULL ||
	    (st = need_shown(d, r, it)) == NULL)
		goto out;
	if (st->deleted) {
		ctl_fail(r, GS__STATUS__REFUSED, "item", "cette ressource est "
		    "supprimée : il n'y a plus rien à vérifier. Ajoutez-la de "
		    "nouveau (resource add) si elle existe toujours");
		goto out;
	}
	gs_hex(it->id, 16, hex);
	rc = gs_fields_set(&delta, "resource", hex);
	if (rc == 0)
		rc = gs_replica_write(d->replica, NULL, GS_TYPE_CONFIRMATION,
		    &delta, false, NULL, 0, &v, NULL);
	if (rc == GS_EBUDGET)
		ctl_fail(r, GS__STATUS__REFUSED, "item", "ce site a confirmé "
		    "cette ressource le nombre de fois permis : sa dernière "
		    "confirmation reste affichée");
	else if (rc != 0)
		ctl_fail_err(r, rc, &v);
	else
		reply_item(d, r, it->id);
out:
	gs_fields_clear(&delta);
}

/* What the queue says of this site's request once written. */
struct reserve_fit {
	enum gs_seat_state state;
	long position;       /* among waiting requests, when waiting */
	long left;           /* seats left before the request */
	bool bumps;          /* it would send another site's seats waiting */
	long held;           /* seats this site holds now (confirmed or kept) */
};

/*
 * Computes the queue of (event, date) as it would be with this site's
 * reservation set to seats (force: forced), from the merged state. A new
 * request comes last (its creation will be the newest); an existing one
 * keeps its place (the creation of its item). 0, or GS_ENOMEM.
 */
static int
reserve_fit(struct gs_daemon *d, const struct gs_item *ev,
    const struct gs_state *est, const char *date, const uint8_t resv[16],
    long seats, bool force, struct reserve_fit *out)
{
	const uint8_t *me = gs_replica_pk(d->replica);
	struct gs_seats *s = gs_seats_build(d->replica);
	const struct gs_seat_group *g;
	struct gs_seat_group ng;
	struct gs_seat_ref *v = NULL, *x = NULL;
	enum gs_seat_state *was = NULL;
	struct gs_item *mine;
	const struct gs_state *ms;
	long cap = 0;
	bool has = gs_seats_capacity(est, date, &cap);
	size_t n = 0;
	int ret = GS_ENOMEM;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		goto out;
	g = gs_seats_group(s, ev->id, date);
	n = g != NULL ? g->n : 0;
	v = calloc(n + 1, sizeof(*v));
	was = calloc(n + 1, sizeof(*was));
	if (v == NULL || was == NULL)
		goto out;
	out->left = g != NULL ? g->left : has ? cap : 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = g->v[i];
		if (memcmp(v[i].id, resv, 16) == 0) {
			x = &v[i];
			out->held = v[i].state != GS_SEAT_WAITING ? v[i].seats : 0;
		}
	}
	if (x == NULL) {
		x = &v[n++];
		memcpy(x->event, ev->id, 16);
		snprintf(x->date, sizeof(x->date), "%s", date);
		memcpy(x->id, resv, 16);
		memcpy(x->owner, me, 32);
		mine = gs_replica_item(d->replica, resv);
		/* given back (0 seats): it keeps the place of its creation */
		x->created_hlc = mine != NULL && !mine->corrupt &&
		    (ms = gs_item_state(mine)) != NULL ? ms->created_hlc :
		    UINT64_MAX;
		x->state = GS_SEAT_WAITING;
	}
	x->seats = seats;
	x->force = force;
	x->flagged = false;
	gs_seats_sort(v, n);
	for (size_t i = 0; i < n; i++)
		was[i] = v[i].state;
	gs_seats_fill(v, n, has, cap, &ng);
	for (size_t i = 0; i < n; i++) {
		if (memcmp(v[i].id, resv, 16) == 0) {
			out->state = v[i].state;
			out->position = v[i].position;
		} else if (was[i] != GS_SEAT_WAITING &&
		    v[i].state == GS_SEAT_WAITING) {
			out->bumps = true;
		}
	}
	ret = 0;
out:
	free(v);
	free(was);
	gs_seats_free(&s);
	return ret;
}

void
ctl_event_reserve(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *seats = ctl_param(q, "seats"), *note = ctl_param(q, "note");
	const char *date = ctl_param(q, "date"), *force_p = ctl_param(q, "force");
	bool force = force_p != NULL && strcmp(force_p, "1") == 0;
	const struct gs_state *st;
	struct reserve_fit fit;
	struct gs_fields delta;
	struct gs_item *ev;
	struct gs_verr v;
	uint8_t resv[16];
	char hex[33], *end;
	long n;
	int rc;

	memset(&v, 0, sizeof(v));
	memset(&fit, 0, sizeof(fit));
	gs_fields_init(&delta);
	if ((ev = need_item(d, q, r, GS_TYPE_EVENT)) == NULL ||
	    need_date(q, r, ev, &date) != 0)
		goto out;
	if (ev->corrupt || (st = gs_item_state(ev)) == NULL) {
		ctl_fail_err(r, GS_ECORRUPT, NULL);
		goto out;
	}
	if (seats == NULL) {
		ctl_fail(r, GS__STATUS__INVALID, "seats",
		    "nombre de places manquant");
		goto out;
	}
	if (date == NULL)
		date = "";
	if (strcmp(seats, "0") != 0 && (st->deleted ||
	    gs_seats_cancelled(st, date))) {
		ctl_fail(r, GS__STATUS__REFUSED, "item", date[0] != '\0' &&
		    !st->deleted && gs_seats_cancelled(st, "") == false ?
		    "cette date est annulée : on ne peut plus y réserver de "
		    "places" : "cet événement est annulé : "
		    "on ne peut plus y réserver de places");
		goto out;
	}
	gs_hex(ev->id, 16, hex);
	rc = gs_fields_set(&delta, "event", hex);
	if (rc == 0 && date[0] != '\0')
		rc = gs_fields_set(&delta, "date", date);
	if (rc == 0)
		rc = gs_fields_set(&delta, "seats", seats);
	if (rc == 0)
		rc = gs_fields_set(&delta, "note", note ? note : "");
	if (rc == 0)
		rc = gs_item_id_reservation_for(gs_replica_pk(d->replica),
		    &delta, resv);
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		goto out;
	}
	/* a malformed number is refused by the schema when written */
	n = strtol(seats, &end, 10);
	if (*end == '\0' && n > 0) {
		rc = reserve_fit(d, ev, st, date, resv, n, force, &fit);
		if (rc != 0) {
			ctl_fail_err(r, rc, NULL);
			goto out;
		}
		if (fit.bumps && !force) {
			ctl_fail(r, GS__STATUS__REFUSED, "seats", "ce site "
			    "tient déjà %ld place%s ; en demander %ld ferait "
			    "passer en attente des places déjà confirmées "
			    "d'autres sites. Demandez au plus %ld places, ou "
			    "--force si l'organisateur l'accepte", fit.held,
			    fit.held > 1 ? "s" : "", n, fit.held + fit.left);
			goto out;
		}
	}
	/* written as waiting when it does not fit; re-reserving clears it */
	rc = gs_fields_set(&delta, "waiting", n > 0 && *end == '\0' &&
	    fit.state == GS_SEAT_WAITING ? "yes" : "no");
	if (rc == 0)
		rc = gs_fields_set(&delta, "force", force ? "yes" : "no");
	if (rc == 0)
		rc = gs_replica_write(d->replica, NULL, GS_TYPE_RESERVATION,
		    &delta, false, NULL, 0, &v, NULL);
	if (rc != 0)
		ctl_fail_err(r, rc, &v);
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

/* The conflicted items of visible sites, as rows for conflicts list. */
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

void
ctl_conflicts_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
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

void
ctl_conflicts_show(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const struct gs_state *st;
	struct gs_item *it;
	json_t *view;

	if ((it = need_item(d, q, r, 0)) == NULL ||
	    (st = need_shown(d, r, it)) == NULL)
		return;
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

void
ctl_conflicts_resolve(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *take = ctl_param(q, "take");
	struct gs_fields set;
	struct gs_item *it;
	struct gs_verr v;
	uint8_t change[32];
	int rc;

	memset(&v, 0, sizeof(v));
	gs_fields_init(&set);
	if ((it = need_item(d, q, r, 0)) == NULL || need_shown(d, r, it) == NULL)
		goto out;
	for (size_t i = 0; i < q->pb->n_params; i++) {
		const Gs__Param *p = q->pb->params[i];
		const char *eq = strchr(p->value, '='), *value;
		char name[GS_FIELD_NAME_MAX + 1];
		size_t n = eq ? (size_t)(eq - p->value) : 0;
		if (strcmp(p->name, "f") != 0)
			continue;
		if (n == 0 || n > GS_FIELD_NAME_MAX) {
			ctl_fail(r, GS__STATUS__INVALID, NULL,
			    "champ mal formé "
			    "« %.40s » : attendu NOM=VALEUR", p->value);
			goto out;
		}
		memcpy(name, p->value, n);
		name[n] = '\0';
		(void)gs_schema_normalize(it->type, name, eq + 1, &value);
		if (gs_fields_set(&set, name, value) != 0)
			goto out;
	}
	if ((take == NULL) == (set.n == 0)) {
		ctl_fail(r, GS__STATUS__INVALID, "take", "donnez soit une "
		    "modification à retenir (take), soit des valeurs (FIELD=VALUE)");
		goto out;
	}
	if (take != NULL) {
		rc = gs_replica_item_full(d->replica, it->id, &it);
		if (rc != 0) {
			ctl_fail_err(r, rc, NULL);
			goto out;
		}
		rc = find_change(it, take, change);
		if (rc != 0) {
			ctl_fail(r, rc == GS_ENOTFOUND ? GS__STATUS__NOT_FOUND :
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
		ctl_fail(r, GS__STATUS__NOT_FOUND, take ? "take" : "item", take ?
		    "cette modification n'est candidate dans aucun conflit de "
		    "l'élément" : "cet élément n'a pas de conflit");
	else if (rc == GS_EBUDGET)
		budget_fail(d, r, it);
	else if (rc != 0)
		ctl_fail_err(r, rc, &v);
	else
		r->text = gs_view_item_text(d->replica, it);
out:
	gs_fields_clear(&set);
}

int
ctl_time_bound(const char *s, int end_of_day, int64_t *ms)
{
	return parse_bound(s, end_of_day, ms);
}

int
ctl_enum_filter(const struct ctl_request *q, struct ctl_reply *r, int type,
    const char *field, const char *what, const char **out)
{
	return enum_filter(q, r, type, field, what, out);
}
