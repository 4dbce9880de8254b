/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_peer.c: the control commands about peers (peer add, remove,
 * list) and sync. They check the request, record trust through
 * gs_gossip_trust() and leave the connections to gossip's verbs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "err.h"
#include "gossip.h"
#include "replica.h"
#include "schema.h"
#include "store.h"
#include "text.h"
#include "trust.h"
#include "view.h"
#include "words.h"

struct announced {
	const uint8_t *pk;
	char name[101];
};

static int
on_pending_name(const struct gs_pending_row *p, void *arg)
{
	struct announced *a = arg;

	if (p->has_site && memcmp(p->site, a->pk, 32) == 0 &&
	    p->name[0] != '\0')
		snprintf(a->name, sizeof(a->name), "%s", p->name);
	return 0;
}

/*
 * The name a pending site announced, for a peer added without --name:
 * it stays known by that name (and found by it) before its profile
 * arrives. NULL when it announced none.
 */
static const char *
announced_name(struct gs_daemon *d, const uint8_t pk[32], struct announced *a)
{
	a->pk = pk;
	a->name[0] = '\0';
	if (d->store == NULL ||
	    gs_store_pending_foreach(d->store, on_pending_name, a) != 0)
		return NULL;
	return a->name[0] != '\0' ? a->name : NULL;
}

void
ctl_peer_add(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *ep = ctl_param(q, "endpoint"), *name = ctl_param(q, "name");
	const char *intro = ctl_param(q, "introducer");
	bool introducer = intro != NULL && strcmp(intro, "1") == 0;
	struct announced ann;
	uint8_t pk[32];
	char why[160];
	int rc;

	if (ctl_other_site_param(d, q, r, pk) != 0)
		return;
	if (name == NULL)
		name = announced_name(d, pk, &ann);
	/* the test a site's endpoint field and an announced endpoint pass */
	if (!gs_schema_endpoint_ok(ep) || strlen(ep) > 255) {
		ctl_fail(r, GS__STATUS__INVALID, "endpoint",
		    "adresse « %.60s » "
		    "invalide : attendu tcp://HÔTE:PORT", ep ? ep : "");
		return;
	}
	if (name != NULL && strlen(name) > 100) {
		ctl_fail(r, GS__STATUS__INVALID, "name", "nom trop long "
		    "(100 octets au plus)");
		return;
	}
	/* the admin's name for a peer obeys the rule of a site's name */
	if (name != NULL && gs_text_check(name, false, why, sizeof(why)) != 0) {
		ctl_fail(r, GS__STATUS__INVALID, "name", "nom : %s", why);
		return;
	}
	if (name != NULL && gs_text_blank(name)) {
		ctl_fail(r, GS__STATUS__INVALID, "name", "nom : ne peut pas "
		    "être fait que d'espaces");
		return;
	}
	rc = gs_trust_set(d->trust, pk, GS_TRUST_TRUSTED,
	    NULL);
	if (rc == 0)
		rc = gs_gossip_peer_add(d->gossip, pk, ep, name, introducer);
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return;
	}
	r->json = json_pack("{s:o,s:s,s:b}", "site_id", ctl_site_id_json(pk),
	    "endpoint", ep, "introducer", introducer);
}

void
ctl_peer_remove(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	uint8_t pk[32];
	int rc;

	if (ctl_site_param(d, q, r, pk) != 0)
		return;
	rc = gs_gossip_peer_remove(d->gossip, pk);
	if (rc == GS_ENOTFOUND) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "site", "ce site n'est pas "
		    "un site voisin (gemsync peer list)");
		return;
	}
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return;
	}
	r->json = json_pack("{s:o,s:b}", "site_id", ctl_site_id_json(pk),
	    "removed", 1);
}

static json_t *
reasons_json(const unsigned by_reason[GS_REASONS])
{
	json_t *o = json_object();

	for (int i = 1; i < GS_REASONS; i++)
		if (by_reason[i] > 0)
			json_object_set_new(o, gs_errname(-i),
			    json_integer(by_reason[i]));
	return o;
}

struct peer_list_ctx {
	struct gs_daemon *d;
	json_t *arr;
};

static int
on_peer(const struct gs_peer_info *p, void *arg)
{
	struct peer_list_ctx *l = arg;
	const char *profile;
	char words[GS_WORDS_SIZE];
	json_t *e;

	if (!p->configured)
		return 0;
	profile = gs_view_site_name(l->d->replica, p->pk);
	gs_words_of(p->pk, words);
	e = json_pack(
	    "{s:o,s:s,s:s,s:s,s:s,s:b,s:b,s:o,s:o,s:I,s:I,s:I,s:I,s:o}",
	    "site_id", ctl_site_id_json(p->pk), "words", words,
	    "name", p->label && p->label[0] ? p->label : profile,
	    "profile_name", profile,
	    "endpoint", p->endpoint ? p->endpoint : "",
	    "introducer", p->introducer,
	    "connected", p->connected,
	    "last_seen", ctl_time_or_null(p->last_seen),
	    "last_sync", ctl_time_or_null(p->last_sync),
	    "they_lack", (json_int_t)p->they_lack,
	    "we_lack", (json_int_t)p->we_lack,
	    "applied", (json_int_t)p->applied,
	    "refused", (json_int_t)p->refused,
	    "refused_by_reason", reasons_json(p->by_reason));
	if (e == NULL)
		return 0;
	json_object_set_new(e, "in_sync", json_boolean(p->in_sync));
	json_object_set_new(e, "duplicates", json_integer((json_int_t)p->dup));
	json_object_set_new(e, "clock_offset_ms", p->has_clock ?
	    json_integer((json_int_t)p->clock_offset_ms) : json_null());
	json_array_append_new(l->arr, e);
	return 0;
}

void
ctl_peer_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct peer_list_ctx l = { d, json_array() };

	(void)q;
	gs_gossip_peer_foreach(d->gossip, on_peer, &l);
	r->json = json_pack("{s:o}", "peers", l.arr);
}

void
ctl_sync(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	bool one = ctl_param(q, "site") != NULL;
	uint8_t pk[32];
	size_t started;

	if (one && ctl_site_param(d, q, r, pk) != 0)
		return;
	started = gs_gossip_sync(d->gossip, one ? pk : NULL);
	if (one && started == 0) {
		ctl_fail(r, GS__STATUS__REFUSED, "site", "ce site voisin "
		    "n'est pas connecté en ce moment : les échanges "
		    "reprendront d'eux-mêmes dès qu'il sera joignable "
		    "(voyez gemsync peer list)");
		return;
	}
	r->json = json_pack("{s:I}", "rounds_started", (json_int_t)started);
}
