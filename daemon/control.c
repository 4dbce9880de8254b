/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control.c: the daemon side of the control socket. Requests are
 * gs.Request messages, decoded with a byte budget and checked for their
 * version, then dispatched through the one table of commands to the
 * handlers in control_item.c, control_peer.c and control_site.c. Also the
 * helpers they share (control_int.h), among them the one map from GS_E*
 * errors to gs.Status and French messages.
 */
#include "control.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "control.pb-c.h"
#include "control_int.h"
#include "crypto.h"
#include "err.h"
#include "fold.h"
#include "gossip.h"
#include "log.h"
#include "pbuf.h"
#include "replica.h"
#include "siteid.h"
#include "store.h"
#include "transport.h"
#include "trust.h"
#include "view.h"

#define MAX_REQUEST (1u << 20)
#define MAX_PARAMS 128

struct gs_control {
	struct gs_daemon *d;            /* lent */
	struct gs_endpoint *ep;         /* owned */
	char *path;                     /* owned: the socket file we bound */
};

/* ---- helpers shared by the handlers (control_int.h) ---- */

const char *
ctl_param(const struct ctl_request *q, const char *name)
{
	for (size_t i = 0; i < q->pb->n_params; i++)
		if (strcmp(q->pb->params[i]->name, name) == 0)
			return q->pb->params[i]->value;
	return NULL;
}

void
ctl_fail(struct ctl_reply *r, Gs__Status status, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	snprintf(r->field, sizeof(r->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/*
 * GS_E* errors as the control protocol reports them. An error not listed
 * is REFUSED, "échec : " and its gs_strerror().
 */
static const struct {
	int err;
	Gs__Status status;
	const char *field;              /* NULL: none */
	const char *msg;
} err_map[] = {
	{ GS_EINVAL, GS__STATUS__INVALID, NULL, "entrée invalide" },
	{ GS_EDENIED, GS__STATUS__REFUSED, NULL, "seuls le site propriétaire "
	    "et ses co-organisateurs peuvent modifier cet élément" },
	{ GS_ENOTFOUND, GS__STATUS__NOT_FOUND, "item", "élément introuvable" },
	{ GS_EDELETED, GS__STATUS__REFUSED, "item",
	    "cet élément est supprimé" },
	{ GS_EERASED, GS__STATUS__REFUSED, "item", "le contenu de cet "
	    "élément a été effacé : il ne peut plus être modifié ; créez-en "
	    "un nouveau si besoin" },
	{ GS_ECORRUPT, GS__STATUS__REFUSED, "item", "les données de cet "
	    "élément sont altérées sur le disque : elles ne sont pas "
	    "affichées (voir les journaux du démon)" },
	{ GS_EFULL, GS__STATUS__REFUSED, NULL, "disque plein : rien n'a été "
	    "enregistré, libérez de la place puis réessayez" },
	{ GS_EREADONLY, GS__STATUS__REFUSED, NULL, "le dossier de données est "
	    "en lecture seule : rien n'a été enregistré" },
	{ GS_ENOMEM, GS__STATUS__REFUSED, NULL, "mémoire insuffisante" },
	{ GS_EINVTRUNC, GS__STATUS__INVALID, "token", "invitation incomplète : "
	    "la fin manque (coupée au copier-coller ?) ; recopiez la ligne "
	    "entière" },
	{ GS_EINVTYPO, GS__STATUS__INVALID, "token", "invitation mal "
	    "recopiée : un caractère est faux ; recopiez-la à nouveau, de "
	    "préférence par copier-coller" },
	{ GS_EINVUNKNOWN, GS__STATUS__REFUSED, "token", "invitation inconnue "
	    "ou modifiée : l'autre site ne la reconnaît pas ; demandez-lui "
	    "une nouvelle invitation (gemsync invite)" },
	{ GS_EINVEXPIRED, GS__STATUS__REFUSED, "token", "cette invitation a "
	    "expiré : demandez une nouvelle invitation à l'autre site "
	    "(gemsync invite)" },
	{ GS_EINVUSED, GS__STATUS__REFUSED, "token", "cette invitation a déjà "
	    "servi : demandez une nouvelle invitation à l'autre site "
	    "(gemsync invite)" },
	{ GS_EINVREVOKED, GS__STATUS__REFUSED, "token", "cette invitation a "
	    "été annulée par l'autre site : demandez-lui une nouvelle "
	    "invitation (gemsync invite)" },
	{ GS_EREVOKED, GS__STATUS__REFUSED, NULL, "la clé de ce site a été "
	    "révoquée : il ne peut plus rien écrire. Créez un nouveau site "
	    "(gemsync init) et faites-le accepter par les sites voisins" },
	{ GS_EROTATED, GS__STATUS__REFUSED, NULL, "la clé de ce site vient "
	    "d'être remplacée : gemsyncd redémarre avec la nouvelle clé. "
	    "Réessayez dans une minute (gemsync status)" },
	{ GS_EBUDGET, GS__STATUS__REFUSED, "item", "ce site a écrit toutes "
	    "les modifications permises sur cet élément : demandez les "
	    "suivantes à son site propriétaire, ou créez un nouvel élément" },
	{ GS_ECATCHUP, GS__STATUS__REFUSED, NULL, "rattrapage en cours : ce "
	    "site, restauré depuis une sauvegarde, récupère d'abord auprès "
	    "des sites voisins ses propres modifications plus récentes. "
	    "Attendez que « gemsync status » ne l'indique plus (un site "
	    "voisin au moins doit être joignable), puis recommencez" },
};

void
ctl_fail_err(struct ctl_reply *r, int err, const struct gs_verr *v)
{
	bool named = v != NULL && v->field[0] != '\0';

	for (size_t i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++) {
		if (err_map[i].err != err)
			continue;
		/* a rule broken by a named field says which, and how */
		if (named && err == GS_EINVAL)
			ctl_fail(r, err_map[i].status, v->field,
			    "champ « %s » : %s", v->field, v->rule);
		else if (named && err == GS_EDENIED)
			ctl_fail(r, err_map[i].status, v->field, "%s", v->rule);
		else
			ctl_fail(r, err_map[i].status, err_map[i].field, "%s",
			    err_map[i].msg);
		return;
	}
	ctl_fail(r, GS__STATUS__REFUSED, NULL, "échec : %s", gs_strerror(err));
}

/* A typed ID character as siteid.c reads it: upper case, 0 1 8 as O I B. */
static char
look_alike(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	return c == '0' ? 'O' : c == '1' ? 'I' : c == '8' ? 'B' : c;
}

/* Candidates of a short ID or name, gathered over every known site. */
struct resolve {
	struct gs_daemon *d;
	char key[64];                   /* typed text, dashes and spaces out */
	const char *typed;              /* as typed, for names */
	char folded[128];               /* typed, folded, for a part of a name */
	bool partial;                   /* second pass: a part of a name */
	uint8_t found[8][32];           /* the first matches */
	size_t n;                       /* matches, distinct */
};

static void
resolve_offer(struct resolve *rs, const uint8_t pk[32], const char *label)
{
	char sid[GS_SITEID_SIZE], flat[GS_SITEID_SIZE];
	size_t k = 0, klen = strlen(rs->key);
	const char *name;
	bool hit = false;

	gs_siteid_encode(pk, sid);
	for (const char *c = sid; *c != '\0'; c++)
		if (*c != '-')
			flat[k++] = *c;
	flat[k] = '\0';
	if (klen >= GS_SITEID_SHORT - 1 && strncmp(flat, rs->key, klen) == 0)
		hit = true;
	name = rs->d->replica != NULL ? gs_view_site_name(rs->d->replica, pk) :
	    "";
	if (name[0] != '\0' && (rs->partial ?
	    gs_fold_contains(name, rs->folded) : gs_fold_equal(name, rs->typed)))
		hit = true;
	if (label != NULL && label[0] != '\0' && (rs->partial ?
	    gs_fold_contains(label, rs->folded) :
	    gs_fold_equal(label, rs->typed)))
		hit = true;
	if (!hit)
		return;
	for (size_t i = 0; i < rs->n && i < 8; i++)
		if (memcmp(rs->found[i], pk, 32) == 0)
			return;
	if (rs->n < 8)
		memcpy(rs->found[rs->n], pk, 32);
	rs->n++;
}

static int
on_resolve_site(const struct gs_trust_site *s, void *arg)
{
	resolve_offer(arg, s->pk, NULL);
	return 0;
}

static int
on_resolve_peer(const struct gs_peer_info *p, void *arg)
{
	resolve_offer(arg, p->pk, p->label);
	return 0;
}

static int
on_resolve_pending(const struct gs_pending_row *p, void *arg)
{
	if (p->has_site)
		resolve_offer(arg, p->site, p->name);
	return 0;
}

/* Offers every known site to rs: this one, trusted, peers, pending. */
static void
resolve_pass(struct gs_daemon *d, struct resolve *rs)
{
	if (d->replica != NULL)
		resolve_offer(rs, gs_replica_pk(d->replica), NULL);
	if (d->trust != NULL)
		gs_trust_foreach(d->trust, on_resolve_site, rs);
	if (d->gossip != NULL)
		gs_gossip_peer_foreach(d->gossip, on_resolve_peer, rs);
	if (d->store != NULL)
		gs_store_pending_foreach(d->store, on_resolve_pending, rs);
}

/*
 * Finds the one known site (this one, peers, trusted, blocked or pending
 * sites) whose ID starts with the short form typed (7 characters or
 * more, as lists show), or whose name is the one typed (case and accents
 * ignored), or else whose name holds the text typed (3 characters or
 * more: « envol » for « GEM L'Envol »). Fills r and returns -1 when none or several match.
 */
static int
resolve_site(struct gs_daemon *d, const char *s, struct ctl_reply *r,
    uint8_t pk[32])
{
	struct resolve rs;
	char list[300], sid[GS_SITEID_SHORT];
	size_t k = 0, used = 0;

	memset(&rs, 0, sizeof(rs));
	rs.d = d;
	rs.typed = s;
	for (const char *c = s; *c != '\0' && k < sizeof(rs.key) - 1; c++)
		if (*c != '-' && *c != ' ')
			rs.key[k++] = look_alike(*c);
	resolve_pass(d, &rs);
	/* no whole name: a part of one, « envol » for « GEM L'Envol » */
	if (rs.n == 0 && gs_fold(s, rs.folded, sizeof(rs.folded)) >= 3 &&
	    strlen(rs.folded) < sizeof(rs.folded) - 1) {
		rs.partial = true;
		resolve_pass(d, &rs);
	}
	if (rs.n == 1) {
		memcpy(pk, rs.found[0], 32);
		return 0;
	}
	if (rs.n == 0) {
		ctl_fail(r, GS__STATUS__NOT_FOUND, "site", "aucun site connu ne "
		    "répond à « %.60s » : donnez son identifiant (7 premiers "
		    "caractères ou complet) ou son nom, tels que « gemsync site "
		    "list » les affiche", s);
		return -1;
	}
	list[0] = '\0';
	for (size_t i = 0; i < rs.n && i < 8; i++) {
		const char *name = d->replica != NULL ?
		    gs_view_site_name(d->replica, rs.found[i]) : "";

		gs_siteid_short(rs.found[i], sid);
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%s%s%.40s%s", i > 0 ? ", " : "", sid,
		    name[0] ? " (" : "", name, name[0] ? ")" : "");
		if (used >= sizeof(list))
			break;
	}
	ctl_fail(r, GS__STATUS__INVALID, "site", "« %.40s » désigne %zu "
	    "sites : %s ; donnez l'identifiant complet (gemsync site list)",
	    s, rs.n, list);
	return -1;
}

int
ctl_site_param(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, uint8_t pk[32])
{
	return ctl_site_value(d, ctl_param(q, "site"), r, pk);
}

int
ctl_site_value(struct gs_daemon *d, const char *s, struct ctl_reply *r,
    uint8_t pk[32])
{
	uint8_t curve[32];
	size_t chars = 0;
	int rc;

	if (s == NULL || s[0] == '\0') {
		ctl_fail(r, GS__STATUS__INVALID, "site", "identifiant de site "
		    "manquant");
		return -1;
	}
	rc = gs_siteid_parse(s, pk);
	if (rc == 0 && gs_pk_to_curve(pk, curve) != 0)
		rc = GS_EINVAL;
	for (const char *c = s; *c != '\0'; c++)
		if (*c != '-' && *c != ' ')
			chars++;
	/* a full ID with a typo is told so, not looked up as a name */
	if (rc == GS_ECHECKSUM) {
		ctl_fail(r, GS__STATUS__INVALID, "site", "identifiant de site "
		    "« %.70s » : un caractère est faux (somme de contrôle) ; "
		    "relisez-le avec l'autre site", s);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (chars == 56) {
		ctl_fail(r, GS__STATUS__INVALID, "site", "identifiant de site "
		    "« %.70s » invalide : 56 caractères A-Z et 2-7, par "
		    "groupes de 7 (gemsync id sur l'autre site)", s);
		return -1;
	}
	return resolve_site(d, s, r, pk);
}

int
ctl_other_site_param(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r, uint8_t pk[32])
{
	if (ctl_site_param(d, q, r, pk) != 0)
		return -1;
	if (memcmp(pk, gs_replica_pk(d->replica), 32) == 0) {
		ctl_fail(r, GS__STATUS__INVALID, "site", "c'est l'identifiant "
		    "de ce site-ci");
		return -1;
	}
	return 0;
}

json_t *
ctl_time_or_null(int64_t t)
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

json_t *
ctl_site_id_json(const uint8_t pk[32])
{
	char sid[GS_SITEID_SIZE];

	gs_siteid_encode(pk, sid);
	return json_string(sid);
}

/* ---- dispatch ---- */

/*
 * Every command. Those about peers, sites and sync need gossip: without
 * it (no listen endpoint) they are unknown commands.
 */
static const struct {
	const char *name;
	ctl_handler fn;
	bool gossip;
} commands[] = {
	{ "ping", ctl_ping, false },
	{ "id", ctl_id, false },
	{ "status", ctl_status, false },
	{ "item.add", ctl_item_add, false },
	{ "item.edit", ctl_item_edit, false },
	{ "item.delete", ctl_item_delete, false },
	{ "item.show", ctl_item_show, false },
	{ "item.list", ctl_item_list, false },
	{ "event.cancel", ctl_event_cancel, false },
	{ "event.reserve", ctl_event_reserve, false },
	{ "conflicts.list", ctl_conflicts_list, false },
	{ "conflicts.show", ctl_conflicts_show, false },
	{ "conflicts.resolve", ctl_conflicts_resolve, false },
	{ "peer.add", ctl_peer_add, true },
	{ "peer.remove", ctl_peer_remove, true },
	{ "peer.list", ctl_peer_list, true },
	{ "site.list", ctl_site_list, true },
	{ "site.pending", ctl_site_pending, true },
	{ "site.trust", ctl_site_trust, true },
	{ "site.block", ctl_site_block, true },
	{ "site.status", ctl_site_status, true },
	{ "sync", ctl_sync, true },
	{ "invite.create", ctl_invite_create, true },
	{ "invite.list", ctl_invite_list, true },
	{ "invite.revoke", ctl_invite_revoke, true },
	{ "join", ctl_join, true },
	{ "join.status", ctl_join_status, true },
	{ "resource.confirm", ctl_resource_confirm, false },
	{ "item.check", ctl_item_check, false },
	{ "site.revoke", ctl_site_revoke, true },
	{ "key.revoke", ctl_key_revoke, false },
	{ "export.ics", ctl_export_ics, false },
	{ "backup.start", ctl_backup_start, false },
	{ "backup.step", ctl_backup_step, false },
	{ "backup.read", ctl_backup_read, false },
	{ "catchup.end", ctl_catchup_end, false },
	{ "key.rotate", ctl_key_rotate, true },
};

/* Runs the handler of q's command; -1 when there is none. */
static int
dispatch(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, q->pb->command) != 0)
			continue;
		if (commands[i].gossip && d->gossip == NULL)
			return -1;
		commands[i].fn(d, q, r);
		return 0;
	}
	return -1;
}

static int
encode_reply(struct ctl_reply *r, uint8_t **out, size_t *outlen)
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
		if (r->body != NULL) {
			resp.has_body = 1;
			resp.body.data = (uint8_t *)r->body;
			resp.body.len = r->body_len;
		}
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
	struct ctl_reply r;
	struct ctl_request q;
	Gs__Request *pb = NULL;
	int ret;

	memset(&r, 0, sizeof(r));
	r.status = GS__STATUS__OK;
	gs_pbuf_budget_init(&budget, 4 * MAX_REQUEST);
	if (len > MAX_REQUEST ||
	    (pb = gs__request__unpack(&budget.alloc, len, req)) == NULL) {
		ctl_fail(&r, GS__STATUS__INVALID, NULL, "requête illisible");
	} else if (pb->version != GS_CONTROL_VERSION) {
		ctl_fail(&r, GS__STATUS__BAD_VERSION, NULL, "version de protocole "
		    "%u non prise en charge (le démon parle la version %u) : "
		    "utilisez un gemsync de la même version que gemsyncd",
		    pb->version, GS_CONTROL_VERSION);
	} else if (pb->n_params > MAX_PARAMS) {
		ctl_fail(&r, GS__STATUS__INVALID, NULL, "trop de paramètres");
	} else {
		q.pb = pb;
		if (dispatch(d, &q, &r) != 0)
			ctl_fail(&r, GS__STATUS__INVALID, NULL, "commande inconnue "
			    "« %.40s »", pb->command);
	}
	if (r.status == GS__STATUS__OK && r.json == NULL && r.text == NULL)
		ctl_fail_err(&r, GS_ENOMEM, NULL);
	ret = encode_reply(&r, out, outlen);
	json_decref(r.json);
	free(r.text);
	free(r.body);
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
