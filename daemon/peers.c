/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * peers.c: the control commands about peers, sites and sync (peer add,
 * list and remove; site list, pending, trust and block; sync), served for
 * control.c on top of the peer protocol in gossip.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.pb-c.h"
#include "crypto.h"
#include "err.h"
#include "gossip_int.h"
#include "item.h"
#include "seqmap.h"
#include "siteid.h"
#include "store.h"
#include "transport.h"
#include "trust.h"
#include "view.h"

static const char *
call_param(const struct gs_ctl_call *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (strcmp(c->names[i], name) == 0)
			return c->values[i];
	return NULL;
}

static void
call_fail(struct gs_ctl_call *c, int status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
call_fail(struct gs_ctl_call *c, int status, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	c->status = status;
	snprintf(c->field, sizeof(c->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
}

/* Parses the "site" parameter as a site ID. */
static int
call_site(struct gs_ctl_call *c, uint8_t pk[32])
{
	const char *s = call_param(c, "site");
	uint8_t curve[32];
	int rc;

	if (s == NULL) {
		call_fail(c, GS__STATUS__INVALID, "site", "identifiant de site "
		    "manquant");
		return -1;
	}
	rc = gs_siteid_parse(s, pk);
	if (rc == 0 && gs_pk_to_curve(pk, curve) != 0)
		rc = GS_EINVAL;
	if (rc == GS_ECHECKSUM) {
		call_fail(c, GS__STATUS__INVALID, "site", "identifiant de site "
		    "« %.70s » : un caractère est faux (somme de contrôle) ; "
		    "relisez-le avec l'autre site", s);
		return -1;
	}
	if (rc != 0) {
		call_fail(c, GS__STATUS__INVALID, "site", "identifiant de site "
		    "« %.70s » invalide : 56 caractères A-Z et 2-7, par "
		    "groupes de 7 (gemsync id sur l'autre site)", s);
		return -1;
	}
	return 0;
}

static json_t *
time_or_null(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
site_id_json(const uint8_t pk[32])
{
	char sid[GS_SITEID_SIZE];
	gs_siteid_encode(pk, sid);
	return json_string(sid);
}

static void
after_trust_change(struct gs_gossip *g)
{
	for (size_t i = 0; i < g->npeers; i++)
		if (gs_gossip_peer_connected(g->peers[i]))
			gs_gossip_send_intro(g, g->peers[i]);
}

static void
c_peer_add(struct gs_gossip *g, struct gs_ctl_call *c)
{
	const char *ep = call_param(c, "endpoint"), *name = call_param(c, "name");
	const char *intro = call_param(c, "introducer");
	struct gs_store *st = g->d->store;
	struct gs_peer_row row;
	struct peer *p;
	uint8_t pk[32], curve[32];
	int rc;

	if (call_site(c, pk) != 0)
		return;
	if (memcmp(pk, gs_replica_pk(g->d->replica), 32) == 0) {
		call_fail(c, GS__STATUS__INVALID, "site", "c'est l'identifiant "
		    "de ce site-ci");
		return;
	}
	if (ep == NULL || strncmp(ep, "tcp://", 6) != 0 || strlen(ep) > 255 ||
	    strchr(ep + 6, ':') == NULL) {
		call_fail(c, GS__STATUS__INVALID, "endpoint", "adresse « %.60s » "
		    "invalide : attendu tcp://HÔTE:PORT", ep ? ep : "");
		return;
	}
	if (name != NULL && strlen(name) > 100) {
		call_fail(c, GS__STATUS__INVALID, "name", "nom trop long "
		    "(100 octets au plus)");
		return;
	}
	memset(&row, 0, sizeof(row));
	memcpy(row.pk, pk, 32);
	row.endpoint = ep;
	row.name = name ? name : "";
	row.introducer = intro != NULL && strcmp(intro, "1") == 0;
	row.added = time(NULL);
	rc = gs_trust_set(g->trust, pk, GS_TRUST_TRUSTED, NULL);
	if (rc == 0)
		rc = gs_store_peer_put(st, &row);
	if (rc != 0) {
		call_fail(c, GS__STATUS__REFUSED, NULL, "échec : %s",
		    gs_strerror(rc));
		return;
	}
	if (gs_pk_to_curve(pk, curve) == 0)
		gs_store_pending_remove(st, curve);
	p = gs_gossip_find_peer(g, pk);
	if (p == NULL && (p = gs_gossip_peer_new(g, pk)) == NULL) {
		call_fail(c, GS__STATUS__REFUSED, NULL, "mémoire insuffisante");
		return;
	}
	free(p->endpoint);
	free(p->label);
	p->endpoint = strdup(ep);
	p->label = strdup(row.name);
	p->introducer = row.introducer;
	p->configured = true;
	p->added = row.added;
	gs_gossip_peer_connect(g, p);
	after_trust_change(g);
	c->json = json_pack("{s:o,s:s,s:b}", "site_id", site_id_json(pk),
	    "endpoint", ep, "introducer", row.introducer);
}

static void
c_peer_remove(struct gs_gossip *g, struct gs_ctl_call *c)
{
	struct peer *p;
	uint8_t pk[32];
	int rc;

	if (call_site(c, pk) != 0)
		return;
	rc = gs_store_peer_remove(g->d->store, pk);
	p = gs_gossip_find_peer(g, pk);
	if (rc == GS_ENOTFOUND) {
		call_fail(c, GS__STATUS__NOT_FOUND, "site", "ce site n'est pas "
		    "un pair");
		return;
	}
	if (rc != 0) {
		call_fail(c, GS__STATUS__REFUSED, NULL, "échec : %s",
		    gs_strerror(rc));
		return;
	}
	if (p != NULL)
		gs_gossip_peer_drop(g, p);
	c->json = json_pack("{s:o,s:b}", "site_id", site_id_json(pk),
	    "removed", 1);
}

static json_t *
reasons_json(const struct peer *p)
{
	json_t *o = json_object();

	for (int i = 1; i < GS_REASONS; i++)
		if (p->by_reason[i] > 0)
			json_object_set_new(o, gs_errname(-i),
			    json_integer(p->by_reason[i]));
	return o;
}

static void
c_peer_list(struct gs_gossip *g, struct gs_ctl_call *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < g->npeers; i++) {
		const struct peer *p = g->peers[i];
		const char *profile = gs_view_site_name(g->d->replica, p->pk);
		if (!p->configured)
			continue;
		json_array_append_new(arr, json_pack(
		    "{s:o,s:s,s:s,s:s,s:b,s:b,s:o,s:o,s:I,s:I,s:I,s:I,s:o}",
		    "site_id", site_id_json(p->pk),
		    "name", p->label && p->label[0] ? p->label : profile,
		    "profile_name", profile,
		    "endpoint", p->endpoint ? p->endpoint : "",
		    "introducer", p->introducer,
		    "connected", gs_gossip_peer_connected(p),
		    "last_seen", time_or_null(p->last_seen),
		    "last_sync", time_or_null(p->last_sync),
		    "they_lack", (json_int_t)p->they_lack,
		    "we_lack", (json_int_t)p->we_lack,
		    "applied", (json_int_t)p->applied,
		    "refused", (json_int_t)p->refused,
		    "refused_by_reason", reasons_json(p)));
	}
	c->json = json_pack("{s:o}", "peers", arr);
}

static const char *
trust_name(int t)
{
	return t == GS_TRUST_TRUSTED ? "trusted" : t == GS_TRUST_BLOCKED ?
	    "blocked" : "pending";
}

static json_t *
site_entry(struct gs_gossip *g, const uint8_t pk[32], const char *trust,
    const uint8_t *introducer, const struct gs_seqmap *owned)
{
	uint8_t id[16];
	struct gs_item *it;
	const struct gs_state *st = NULL;
	const char *town = "";

	gs_item_id_site(pk, id);
	it = gs_replica_item(g->d->replica, id);
	if (it != NULL && !it->corrupt && (st = gs_item_state(it)) != NULL &&
	    gs_fields_get(&st->fields, "town") != NULL)
		town = gs_fields_get(&st->fields, "town");
	return json_pack("{s:o,s:s,s:s,s:s,s:o,s:I}",
	    "site_id", site_id_json(pk),
	    "name", gs_view_site_name(g->d->replica, pk),
	    "town", town,
	    "trust", trust,
	    "introduced_by", introducer ? site_id_json(introducer) :
	    json_null(),
	    "items", (json_int_t)gs_seqmap_get(owned, pk));
}

struct site_list_ctx {
	struct gs_gossip *g;
	json_t *arr;
	int only_pending;
	struct gs_seqmap owned;      /* owner -> live events and resources */
};

static int
on_site_list(const struct gs_trust_site *s, void *arg)
{
	struct site_list_ctx *l = arg;
	json_t *e;

	if (l->only_pending && s->trust != GS_TRUST_PENDING)
		return 0;
	e = site_entry(l->g, s->pk, trust_name(s->trust),
	    s->introduced ? s->introducer : NULL, &l->owned);
	if (l->only_pending) {
		json_object_set_new(e, "transport_key", json_null());
		json_object_set_new(e, "source", json_string("gossip"));
		json_object_set_new(e, "first_attempt",
		    time_or_null(s->first_seen));
	}
	json_array_append_new(l->arr, e);
	return 0;
}

static void
c_site_list(struct gs_gossip *g, struct gs_ctl_call *c)
{
	struct site_list_ctx l = { g, json_array(), 0, { NULL, 0, 0 } };

	gs_replica_owned_counts(g->d->replica, &l.owned);
	json_array_append_new(l.arr, site_entry(g,
	    gs_replica_pk(g->d->replica), "self", NULL, &l.owned));
	gs_trust_foreach(g->trust, on_site_list, &l);
	gs_seqmap_free(&l.owned);
	c->json = json_pack("{s:o}", "sites", l.arr);
}

static int
on_pending_row(const struct gs_pending_row *r, void *arg)
{
	struct site_list_ctx *l = arg;
	char hex[65];

	gs_hex(r->curve, 32, hex);
	json_array_append_new(l->arr, json_pack(
	    "{s:n,s:s,s:s,s:s,s:o,s:o,s:I}",
	    "site_id", "transport_key", hex, "source", "connection",
	    "address", r->address,
	    "first_attempt", time_or_null(r->first_attempt),
	    "last_attempt", time_or_null(r->last_attempt),
	    "attempts", (json_int_t)r->attempts));
	return 0;
}

static void
c_site_pending(struct gs_gossip *g, struct gs_ctl_call *c)
{
	struct site_list_ctx l = { g, json_array(), 1, { NULL, 0, 0 } };

	gs_store_pending_foreach(g->d->store,
	    on_pending_row, &l);
	gs_trust_foreach(g->trust, on_site_list, &l);
	c->json = json_pack("{s:o}", "pending", l.arr);
}

static void
c_site_set(struct gs_gossip *g, struct gs_ctl_call *c, int trust)
{
	uint8_t pk[32], curve[32];
	struct peer *p;
	int rc;

	if (call_site(c, pk) != 0)
		return;
	if (memcmp(pk, gs_replica_pk(g->d->replica), 32) == 0) {
		call_fail(c, GS__STATUS__INVALID, "site", "c'est l'identifiant "
		    "de ce site-ci");
		return;
	}
	rc = gs_trust_set(g->trust, pk, trust, NULL);
	if (rc != 0) {
		call_fail(c, GS__STATUS__REFUSED, NULL, "échec : %s",
		    gs_strerror(rc));
		return;
	}
	if (gs_pk_to_curve(pk, curve) == 0)
		gs_store_pending_remove(g->d->store, curve);
	p = gs_gossip_find_peer(g, pk);
	if (trust == GS_TRUST_BLOCKED && p != NULL) {
		/* drop the connection; the peer row stays for the record */
		gs_transport_close(&p->dealer);
		p->route_len = 0;
		p->sending = false;
		p->have_known = false;
		p->has_digest = false;
	} else if (trust == GS_TRUST_TRUSTED && p != NULL && p->dealer == NULL) {
		gs_gossip_peer_connect(g, p);
	}
	after_trust_change(g);
	if (trust == GS_TRUST_TRUSTED)
		for (size_t i = 0; i < g->npeers; i++)
			if (gs_gossip_peer_connected(g->peers[i]))
				gs_gossip_start_round(g, g->peers[i]);
	c->json = json_pack("{s:o,s:s}", "site_id", site_id_json(pk),
	    "trust", trust_name(trust));
}

static void
c_sync(struct gs_gossip *g, struct gs_ctl_call *c)
{
	uint8_t pk[32];
	size_t started = 0;

	if (call_param(c, "site") != NULL && call_site(c, pk) != 0)
		return;
	for (size_t i = 0; i < g->npeers; i++) {
		struct peer *p = g->peers[i];
		if (call_param(c, "site") != NULL && memcmp(p->pk, pk, 32) != 0)
			continue;
		if (!gs_gossip_peer_connected(p) ||
		    gs_trust_author_ok(g->trust, p->pk) != 0)
			continue;
		gs_gossip_start_round(g, p);
		started++;
	}
	if (call_param(c, "site") != NULL && started == 0) {
		call_fail(c, GS__STATUS__REFUSED, "site", "ce pair n'est pas "
		    "connecté en ce moment : la synchronisation reprendra dès "
		    "qu'il sera joignable");
		return;
	}
	c->json = json_pack("{s:I}", "rounds_started", (json_int_t)started);
}

static void c_site_trust(struct gs_gossip *g, struct gs_ctl_call *c)
{
	c_site_set(g, c, GS_TRUST_TRUSTED);
}

static void c_site_block(struct gs_gossip *g, struct gs_ctl_call *c)
{
	c_site_set(g, c, GS_TRUST_BLOCKED);
}

static const struct {
	const char *name;
	void (*fn)(struct gs_gossip *g, struct gs_ctl_call *c);
} gossip_commands[] = {
	{ "peer.add", c_peer_add },
	{ "peer.remove", c_peer_remove },
	{ "peer.list", c_peer_list },
	{ "site.list", c_site_list },
	{ "site.pending", c_site_pending },
	{ "site.trust", c_site_trust },
	{ "site.block", c_site_block },
	{ "sync", c_sync },
};

int
gs_gossip_control(struct gs_gossip *g, struct gs_ctl_call *c)
{
	for (size_t i = 0; i < sizeof(gossip_commands) /
	    sizeof(gossip_commands[0]); i++) {
		if (strcmp(gossip_commands[i].name, c->command) != 0)
			continue;
		c->status = GS__STATUS__OK;
		gossip_commands[i].fn(g, c);
		if (c->status == GS__STATUS__OK && c->json == NULL)
			call_fail(c, GS__STATUS__REFUSED, NULL,
			    "mémoire insuffisante");
		return 0;
	}
	return GS_ENOTFOUND;
}
