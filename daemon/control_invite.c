/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_invite.c: the control commands about invitations (invite.create,
 * invite.list, invite.revoke) and joining a network with one (join,
 * join.status). The token and the proof are invite.c's; the connection
 * and the hello that carries the proof are gossip's. The secret is only
 * in the token handed back to the admin: never logged, stored hashed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "control_int.h"
#include "crypto.h"
#include "err.h"
#include "gossip.h"
#include "invite.h"
#include "replica.h"
#include "store.h"
#include "textfmt.h"
#include "trust.h"
#include "words.h"

#define INVITE_LIFE_MAX (366 * 86400L)
#define INVITE_USES_MAX 100

/*
 * A duration typed as a number and a unit: 7d or 7j (days), 12h, 30min
 * or 30m, 45s. Returns seconds, or -1.
 */
static long
parse_duration(const char *s)
{
	static const struct { const char *unit; long s; } units[] = {
		{ "d", 86400 }, { "j", 86400 }, { "h", 3600 }, { "min", 60 },
		{ "m", 60 }, { "s", 1 },
	};
	char *end = NULL;
	long n = strtol(s, &end, 10);

	if (end == s || n <= 0 || n > 100000)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(end, units[i].unit) == 0)
			return n * units[i].s;
	return -1;
}

/* The words of a site key, as a JSON string. */
static json_t *
words_json(const uint8_t pk[32])
{
	char w[GS_WORDS_SIZE];

	gs_words_of(pk, w);
	return json_string(w);
}

void
ctl_invite_create(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *label = ctl_param(q, "name"), *exp = ctl_param(q, "expires");
	const char *uses_s = ctl_param(q, "uses");
	struct gs_invite_token t;
	char ep[GS_INVITE_ENDPOINT_MAX + 1], token[GS_INVITE_TOKEN_MAX];
	char idhex[2 * GS_INVITE_ID_LEN + 1];
	long life = exp != NULL ? parse_duration(exp) : 7 * 86400L;
	long uses = 1;
	char *end = NULL;
	int64_t now = time(NULL);
	const uint8_t *self = gs_replica_pk(d->replica);
	int rc;

	if (life <= 0 || life > INVITE_LIFE_MAX) {
		ctl_fail(r, GS__STATUS__INVALID, "expires", "durée « %.20s » "
		    "invalide : un nombre et une unité, par exemple 7j (jours), "
		    "12h, 30min ; un an au plus", exp ? exp : "");
		return;
	}
	if (uses_s != NULL)
		uses = strtol(uses_s, &end, 10);
	if (uses_s != NULL && (end == uses_s || *end != '\0' || uses < 1 ||
	    uses > INVITE_USES_MAX)) {
		ctl_fail(r, GS__STATUS__INVALID, "uses", "nombre d'utilisations "
		    "« %.20s » invalide : de 1 à %d", uses_s, INVITE_USES_MAX);
		return;
	}
	if (label != NULL && strlen(label) > 100) {
		ctl_fail(r, GS__STATUS__INVALID, "name", "nom trop long (100 "
		    "octets au plus)");
		return;
	}
	rc = gs_invite_endpoint(d->cfg->advertise, d->cfg->listen, ep,
	    sizeof(ep));
	if (rc != 0) {
		ctl_fail(r, GS__STATUS__REFUSED, "advertise", "les autres sites "
		    "ne sauraient pas où joindre celui-ci : indiquez son adresse "
		    "dans la configuration, [network] advertise = "
		    "tcp://HÔTE:PORT, puis rechargez gemsyncd");
		return;
	}
	rc = gs_invite_create(d->store, self, ep, label ? label : "", now,
	    now + life, (int)uses, &t);
	if (rc == 0)
		rc = gs_invite_token_encode(&t, token);
	if (rc != 0) {
		gs_wipe(&t, sizeof(t));
		ctl_fail_err(r, rc, NULL);
		return;
	}
	gs_hex(t.id, GS_INVITE_ID_LEN, idhex);
	r->json = json_pack("{s:s,s:s,s:s,s:o,s:I,s:s,s:o,s:o}",
	    "token", token, "id", idhex, "name", label ? label : "",
	    "expires", ctl_time_or_null(t.expires), "uses", (json_int_t)uses,
	    "endpoint", ep, "site_id", ctl_site_id_json(self),
	    "words", words_json(self));
	gs_wipe(&t, sizeof(t));
	gs_wipe(token, sizeof(token));
}

struct invite_list_ctx {
	json_t *arr;
	int64_t now;
};

static int
on_invite_row(const struct gs_invite_row *row, void *arg)
{
	struct invite_list_ctx *l = arg;
	char idhex[2 * GS_STORE_INVITE_ID + 1];
	const char *state = row->revoked ? "revoked" : row->uses_left <= 0 ?
	    "used" : l->now >= row->expires ? "expired" : "active";

	gs_hex(row->id, GS_STORE_INVITE_ID, idhex);
	json_array_append_new(l->arr, json_pack("{s:s,s:s,s:o,s:o,s:I,s:s}",
	    "id", idhex, "name", row->label,
	    "created", ctl_time_or_null(row->created),
	    "expires", ctl_time_or_null(row->expires),
	    "uses_left", (json_int_t)row->uses_left, "state", state));
	return 0;
}

void
ctl_invite_list(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct invite_list_ctx l = { json_array(), time(NULL) };
	int rc;

	(void)q;
	rc = gs_store_invites_foreach(d->store, on_invite_row, &l);
	if (rc != 0) {
		json_decref(l.arr);
		ctl_fail_err(r, rc, NULL);
		return;
	}
	r->json = json_pack("{s:o}", "invites", l.arr);
}

/* Finds an invitation by its ID (16 hex digits) or its unique name. */
struct invite_find {
	const char *typed;
	uint8_t id[GS_STORE_INVITE_ID];
	size_t n;
};

static int
on_invite_find(const struct gs_invite_row *row, void *arg)
{
	struct invite_find *f = arg;
	char idhex[2 * GS_STORE_INVITE_ID + 1];

	gs_hex(row->id, GS_STORE_INVITE_ID, idhex);
	if (strcasecmp(idhex, f->typed) == 0 ||
	    (row->label[0] != '\0' && strcmp(row->label, f->typed) == 0)) {
		memcpy(f->id, row->id, sizeof(f->id));
		f->n++;
	}
	return 0;
}

void
ctl_invite_revoke(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	struct invite_find f = { ctl_param(q, "id"), { 0 }, 0 };
	char idhex[2 * GS_STORE_INVITE_ID + 1];
	int rc;

	if (f.typed == NULL || f.typed[0] == '\0') {
		ctl_fail(r, GS__STATUS__INVALID, "id", "invitation manquante : "
		    "son identifiant, ou son nom (gemsync invite list)");
		return;
	}
	rc = gs_store_invites_foreach(d->store, on_invite_find, &f);
	if (rc == 0 && f.n == 0) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "id", "aucune invitation "
		    "« %.40s » : voyez gemsync invite list", f.typed);
		return;
	}
	if (rc == 0 && f.n > 1) {
		ctl_fail(r, GS__STATUS__INVALID, "id", "%zu invitations "
		    "s'appellent « %.40s » : donnez son identifiant (gemsync "
		    "invite list)", f.n, f.typed);
		return;
	}
	if (rc == 0)
		rc = gs_store_invite_revoke(d->store, f.id);
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return;
	}
	gs_hex(f.id, GS_STORE_INVITE_ID, idhex);
	r->json = json_pack("{s:s,s:b}", "id", idhex, "revoked", 1);
}

void
ctl_join(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const char *text = ctl_param(q, "token"), *name = ctl_param(q, "name");
	const uint8_t *self = gs_replica_pk(d->replica);
	const struct gs_trust_site *s;
	struct gs_invite_token t;
	uint8_t key[GS_INVITE_KEY_LEN], mac[GS_INVITE_MAC_LEN];
	int rc;

	rc = gs_invite_token_parse(text ? text : "", &t);
	if (rc == GS_EINVAL) {
		ctl_fail(r, GS__STATUS__INVALID, "token", "ce texte n'est pas une "
		    "invitation gemsync (elle commence par %s) : recopiez la "
		    "ligne entière que « gemsync invite » a affichée sur "
		    "l'autre site", GS_INVITE_PREFIX);
		return;
	}
	if (rc == GS_EVERSION) {
		ctl_fail(r, GS__STATUS__INVALID, "token", "invitation faite par "
		    "une version plus récente de gemsync : mettez ce site à "
		    "jour, puis recommencez");
		return;
	}
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		return;
	}
	if (memcmp(t.site, self, 32) == 0) {
		ctl_fail(r, GS__STATUS__INVALID, "token", "c'est une invitation "
		    "de ce site-ci : collez-la sur l'autre site");
		goto out;
	}
	if (t.expires <= time(NULL)) {
		ctl_fail_err(r, GS_EINVEXPIRED, NULL);
		goto out;
	}
	s = gs_trust_get(d->trust, t.site);
	if (s != NULL && s->trust == GS_TRUST_BLOCKED) {
		ctl_fail(r, GS__STATUS__REFUSED, "token", "vous avez bloqué le "
		    "site qui vous invite : levez d'abord le blocage (gemsync "
		    "site trust)");
		goto out;
	}
	gs_invite_key(t.secret, key);
	gs_invite_proof(key, t.id, t.site, self, mac);
	rc = gs_gossip_join(d->gossip, t.site, t.endpoint, name, t.id, mac);
	if (rc != 0) {
		ctl_fail_err(r, rc, NULL);
		goto out;
	}
	r->json = json_pack("{s:o,s:s,s:o,s:s}", "site_id",
	    ctl_site_id_json(t.site), "endpoint", t.endpoint, "words",
	    words_json(t.site), "state", "waiting");
out:
	gs_wipe(key, sizeof(key));
	gs_wipe(mac, sizeof(mac));
	gs_wipe(&t, sizeof(t));
}

void
ctl_join_status(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	uint8_t pk[32];
	int st;

	if (ctl_site_param(d, q, r, pk) != 0)
		return;
	st = gs_gossip_join_state(d->gossip, pk);
	if (st == GS_ENOTFOUND) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "site", "aucune demande en "
		    "cours vers ce site (gemsync join l'envoie)");
		return;
	}
	if (st < 0) {
		/* refused: the inviter is as it was before the join */
		gs_gossip_join_undo(d->gossip, pk);
		ctl_fail_err(r, st, NULL);
		return;
	}
	r->json = json_pack("{s:o,s:s}", "site_id", ctl_site_id_json(pk),
	    "state", st == 1 ? "accepted" : "waiting");
}
