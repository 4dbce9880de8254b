/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control_status.c: "where this site stands", for the status command and
 * `site status`. The status object gets a first line ("headline") and a
 * list of problems, each in plain French with what to do. The problems
 * come from one table of checks (`checks[]`): a check reads the status
 * object built so far and the peers, and adds zero or more problems. A
 * new kind of problem (an equivocation, a revocation, a catch-up under
 * way) is one function and one row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "control_int.h"
#include "err.h"
#include "frdate.h"
#include "gossip.h"
#include "hlc.h"
#include "log.h"
#include "replica.h"
#include "siteid.h"
#include "view.h"

#define CLOCK_SKEW_MS 60000          /* as gossip's: a minute apart */
#define UNREACHABLE_S (7 * 86400)    /* a peer silent this long is said */

struct status_ctx {
	struct gs_daemon *d;
	json_t *st;                  /* the status object so far (lent) */
	json_t *problems;            /* owned until added to st */
	int64_t now;                 /* Unix seconds */
};

/*
 * Adds a problem: what is wrong (message) and what to do (todo), both in
 * plain French; check names the row of checks[] (stable, English), site
 * the site concerned or NULL.
 */
static void GS_PRINTF(4, 5)
problem(struct status_ctx *c, const char *check, const uint8_t *site,
    const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s,s:o,s:s}", "check", check, "site",
	    site != NULL ? ctl_site_id_json(site) : json_null(), "message",
	    msg);
	if (e != NULL)
		json_array_append_new(c->problems, e);
}

/* Sets the "todo" of the problem added last. */
static void GS_PRINTF(2, 3)
todo(struct status_ctx *c, const char *fmt, ...)
{
	char msg[400];
	json_t *last = json_array_get(c->problems,
	    json_array_size(c->problems) - 1);
	va_list ap;

	if (last == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(last, "todo", json_string(msg));
}

/* A site's name for a French sentence: its profile, the peer's label, or
 * its short ID; sanitized. */
static void
site_name(struct gs_daemon *d, const uint8_t pk[32], const char *label,
    char out[96])
{
	const char *name = gs_view_site_name(d->replica, pk);
	char sid[GS_SITEID_SHORT];

	if (name == NULL || name[0] == '\0')
		name = label;
	if (name == NULL || name[0] == '\0') {
		gs_siteid_short(pk, sid);
		name = sid;
	}
	gs_sanitize(name, out, 96);
}

static long long
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* ---- the checks ---- */

static int
on_clock(const struct gs_peer_info *p, void *arg)
{
	struct status_ctx *c = arg;
	char name[96], dur[32];

	if (!p->has_clock || (p->clock_offset_ms <= CLOCK_SKEW_MS &&
	    p->clock_offset_ms >= -CLOCK_SKEW_MS))
		return 0;
	site_name(c->d, p->pk, p->label, name);
	gs_frdate_duration(p->clock_offset_ms, dur, sizeof(dur));
	if (p->clock_offset_ms > 0) {
		problem(c, "clock", p->pk, "l'horloge de %s a %s d'avance sur "
		    "la vôtre", name, dur);
		todo(c, "demandez à %s de mettre son ordinateur à l'heure : "
		    "ses modifications sont refusées ici en attendant", name);
	} else {
		problem(c, "clock", p->pk, "l'horloge de cet ordinateur a %s "
		    "d'avance sur %s", dur, name);
		todo(c, "mettez cet ordinateur à l'heure (date et heure "
		    "réglées automatiquement) : vos modifications sont "
		    "refusées par %s en attendant", name);
	}
	return 0;
}

/* A clock more than a minute off a peer's, either way (from its Hello). */
static void
check_clock(struct status_ctx *c)
{
	if (c->d->gossip != NULL)
		gs_gossip_peer_foreach(c->d->gossip, on_clock, c);
}

/* Why changes are refused, in French, and what to do; by -GS_E*. */
static const struct {
	int err;
	const char *why, *todo;
} refusals[] = {
	{ GS_ECLOCK, "datées dans le futur (horloge en avance)",
	    "demandez à %s de mettre son ordinateur à l'heure" },
	{ GS_EUNTRUSTED, "d'un site auquel vous n'avez pas encore décidé de "
	    "faire confiance", "décidez avec gemsync site pending" },
	{ GS_EBLOCKED, "d'un site que vous avez bloqué",
	    "rien à faire si le blocage est voulu (sinon gemsync site "
	    "trust SITE)" },
	{ GS_EDENIED, "qui modifiaient des éléments d'un autre site",
	    "rien à faire : elles sont écartées ; si cela continue, "
	    "prévenez %s" },
	{ GS_EBUDGET, "au-delà du nombre de modifications permis sur un "
	    "élément", "rien à faire : elles sont écartées ; si cela "
	    "continue, prévenez %s" },
};

static int
on_refused(const struct gs_peer_info *p, void *arg)
{
	struct status_ctx *c = arg;
	char name[96];
	unsigned top = 0;
	size_t k = sizeof(refusals) / sizeof(refusals[0]);

	if (p->refused == 0)
		return 0;
	for (size_t i = 0; p->by_reason != NULL &&
	    i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		int r = -refusals[i].err;
		if (r > 0 && r < GS_REASONS && p->by_reason[r] > top) {
			top = p->by_reason[r];
			k = i;
		}
	}
	site_name(c->d, p->pk, p->label, name);
	if (k < sizeof(refusals) / sizeof(refusals[0])) {
		problem(c, "refused", p->pk, "%llu modification%s reçue%s de %s "
		    "refusée%s depuis le démarrage, surtout des modifications "
		    "%s", (unsigned long long)p->refused,
		    p->refused > 1 ? "s" : "", p->refused > 1 ? "s" : "", name,
		    p->refused > 1 ? "s" : "", refusals[k].why);
		todo(c, refusals[k].todo, name);
	} else {
		problem(c, "refused", p->pk, "%llu modification%s ou message%s "
		    "reçu%s de %s refusé%s depuis le démarrage",
		    (unsigned long long)p->refused, p->refused > 1 ? "s" : "",
		    p->refused > 1 ? "s" : "", p->refused > 1 ? "s" : "", name,
		    p->refused > 1 ? "s" : "");
		todo(c, "voyez les raisons avec gemsync peer list ; si cela "
		    "continue, prévenez %s", name);
	}
	return 0;
}

/* Changes or messages a peer sent that were refused since start. */
static void
check_refused(struct status_ctx *c)
{
	if (c->d->gossip != NULL)
		gs_gossip_peer_foreach(c->d->gossip, on_refused, c);
}

static int
on_unreachable(const struct gs_peer_info *p, void *arg)
{
	struct status_ctx *c = arg;
	int64_t since = p->last_seen > 0 ? p->last_seen : p->added;
	char name[96], dur[32], when[48], ep[128];

	if (!p->configured || p->connected || since <= 0 ||
	    c->now - since < UNREACHABLE_S)
		return 0;
	site_name(c->d, p->pk, p->label, name);
	gs_frdate_duration((c->now - since) * 1000, dur, sizeof(dur));
	gs_sanitize(p->endpoint != NULL ? p->endpoint : "", ep, sizeof(ep));
	if (p->last_seen > 0) {
		gs_frdate_clock(c->d->cfg->site_timezone, p->last_seen, c->now,
		    when, sizeof(when));
		problem(c, "unreachable", p->pk, "%s est injoignable depuis %s "
		    "(dernier contact %s)", name, dur, when);
	} else {
		problem(c, "unreachable", p->pk, "%s n'a jamais été joint depuis "
		    "son ajout il y a %s", name, dur);
	}
	todo(c, "appelez %s : son ordinateur est-il allumé et connecté ? "
	    "Si son adresse a changé (ici %s), corrigez-la avec gemsync peer "
	    "add", name, ep[0] != '\0' ? ep : "aucune");
	return 0;
}

/* A peer not heard of for UNREACHABLE_S (last contact kept on disk). */
static void
check_unreachable(struct status_ctx *c)
{
	if (c->d->gossip != NULL)
		gs_gossip_peer_foreach(c->d->gossip, on_unreachable, c);
}

/* Sites waiting for a trust decision. */
static void
check_pending(struct status_ctx *c)
{
	long long n = num(c->st, "pending_sites");

	if (n <= 0)
		return;
	problem(c, "pending_site", NULL, "%lld site%s attend%s votre décision",
	    n, n > 1 ? "s" : "", n > 1 ? "ent" : "");
	todo(c, "voyez-les avec gemsync site pending, puis gemsync site trust "
	    "SITE (ou gemsync site block SITE)");
}

/* Items with a conflict. */
static void
check_conflicts(struct status_ctx *c)
{
	long long n = num(c->st, "conflicts");

	if (n <= 0)
		return;
	problem(c, "conflict", NULL, "%lld élément%s en conflit (deux sites "
	    "l'ont modifié en même temps)", n, n > 1 ? "s" : "");
	todo(c, "voyez-les avec gemsync conflicts list, puis tranchez avec "
	    "gemsync conflicts resolve ITEM");
}

/* Events this site hosts with more seats held than places. */
static void
check_overbooked(struct status_ctx *c)
{
	const json_t *arr = json_object_get(c->st, "overbooked"), *e;
	const char *date;
	char title[128];
	size_t i;

	json_array_foreach(arr, i, e) {
		gs_sanitize(json_string_value(json_object_get(e, "title")) ?
		    json_string_value(json_object_get(e, "title")) : "",
		    title, sizeof(title));
		date = json_string_value(json_object_get(e, "date"));
		problem(c, "overbooked", NULL, "« %s »%s%s a %lld place%s "
		    "réservée%s de trop", title, date != NULL ? " le " : "",
		    date != NULL ? date : "", num(e, "by"),
		    num(e, "by") > 1 ? "s" : "", num(e, "by") > 1 ? "s" : "");
		todo(c, "augmentez la capacité (gemsync event edit %s "
		    "--capacity N) ou prévenez les sites qui ont réservé",
		    json_string_value(json_object_get(e, "id")) ?
		    json_string_value(json_object_get(e, "id")) : "ITEM");
	}
}

/* A restored site fetching its own later changes: writes are refused. */
static void
check_catchup(struct status_ctx *c)
{
	if (!json_is_true(json_object_get(c->st, "catching_up")))
		return;
	problem(c, "catching_up", NULL, "rattrapage en cours : ce site, "
	    "restauré depuis une sauvegarde, récupère auprès des sites "
	    "voisins ses propres changements faits après elle, et refuse "
	    "les écritures jusque-là");
	todo(c, "laissez gemsyncd joindre au moins un site voisin (gemsync "
	    "peer list, gemsync sync)");
}

/* The name of a site object of the status ("sans nom" when it has none). */
static void
status_site_name(const json_t *s, char *out, size_t outlen)
{
	const char *n = json_string_value(json_object_get(s, "name"));

	gs_sanitize(n != NULL && n[0] != '\0' ? n : "sans nom", out, outlen);
}

/* Each site proved to have signed two different changes with one number. */
static void
check_equivocations(struct status_ctx *c)
{
	const json_t *arr = json_object_get(c->st, "equivocating_sites"), *e;
	const char *sid;
	char name[128];
	size_t i;

	json_array_foreach(arr, i, e) {
		sid = json_string_value(json_object_get(e, "site_id"));
		status_site_name(e, name, sizeof(name));
		problem(c, "equivocation", NULL, "le site %s a signé deux "
		    "modifications différentes sous le même numéro (n° %lld) : "
		    "sa clé est sans doute copiée ou volée", name,
		    num(e, "seq"));
		json_object_set(json_array_get(c->problems,
		    json_array_size(c->problems) - 1), "site",
		    json_object_get(e, "site_id"));
		todo(c, "appelez ce site ; s'il n'a pas restauré une ancienne "
		    "sauvegarde, qu'il révoque sa clé (gemsync key revoke "
		    "--yes), sinon le site qui l'a présenté la révoque "
		    "(gemsync site revoke %s)", sid != NULL ? sid : "SITE");
	}
}

/* Revocations acting here: this site's own key first if it is revoked. */
static void
check_revoked(struct status_ctx *c)
{
	const json_t *arr = json_object_get(c->st, "revoked_sites"), *e;
	const char *self = json_string_value(json_object_get(c->st,
	    "site_id")), *sid;
	char name[128];
	size_t i;

	json_array_foreach(arr, i, e) {
		sid = json_string_value(json_object_get(e, "site_id"));
		if (sid != NULL && self != NULL && strcmp(sid, self) == 0) {
			problem(c, "revoked", NULL, "la clé de ce site est "
			    "révoquée : les autres sites refusent ce qu'elle "
			    "signe");
			todo(c, "créez un nouveau site (gemsync init) et "
			    "faites-le accepter par les sites voisins");
			continue;
		}
		status_site_name(e, name, sizeof(name));
		problem(c, "revoked", NULL, "le site %s est révoqué : ses "
		    "modifications après le n° %lld sont refusées, ce qu'il a "
		    "écrit avant reste affiché, marqué « site révoqué »", name,
		    num(e, "last_seq"));
		json_object_set(json_array_get(c->problems,
		    json_array_size(c->problems) - 1), "site",
		    json_object_get(e, "site_id"));
		todo(c, "rien à faire ici ; si ce site continue, il doit se "
		    "faire accepter sous une nouvelle clé");
	}
}

/*
 * Every check, most urgent first: the first problem is the status's first
 * line. A new kind of problem is one row here.
 */
static const struct {
	const char *name;
	void (*fn)(struct status_ctx *c);
} checks[] = {
	{ "catching_up", check_catchup },
	{ "revoked", check_revoked },
	{ "equivocation", check_equivocations },
	{ "clock", check_clock },
	{ "refused", check_refused },
	{ "unreachable", check_unreachable },
	{ "pending_site", check_pending },
	{ "conflict", check_conflicts },
	{ "overbooked", check_overbooked },
};

/* "À jour avec 3 sites sur 4 (dernier échange 14:32)", into out. */
static void
sync_line(struct status_ctx *c, char *out, size_t outlen)
{
	struct gs_gossip_stats s;
	long long n, m;
	char when[48];

	memset(&s, 0, sizeof(s));
	if (c->d->gossip != NULL)
		gs_gossip_stats(c->d->gossip, &s);
	n = (long long)s.in_sync;
	m = (long long)s.peers;
	if (m == 0) {
		snprintf(out, outlen, "Aucun site voisin pour l'instant : "
		    "ajoutez-en un avec gemsync peer add");
		return;
	}
	if (s.last_sync <= 0) {
		snprintf(out, outlen, "À jour avec %lld site%s sur %lld (aucun "
		    "échange pour l'instant)", n, n > 1 ? "s" : "", m);
		return;
	}
	gs_frdate_clock(c->d->cfg->site_timezone, s.last_sync, c->now, when,
	    sizeof(when));
	snprintf(out, outlen, "À jour avec %lld site%s sur %lld (dernier "
	    "échange %s)", n, n > 1 ? "s" : "", m, when);
}

void
ctl_status_problems(struct gs_daemon *d, json_t *st)
{
	struct status_ctx c = { d, st, json_array(), (int64_t)time(NULL) };
	char sync[160], head[480];
	const json_t *first;
	size_t n;

	if (c.problems == NULL)
		return;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i].fn(&c);
	sync_line(&c, sync, sizeof(sync));
	n = json_array_size(c.problems);
	first = json_array_get(c.problems, 0);
	if (first != NULL) {
		const char *m = json_string_value(json_object_get(first,
		    "message"));
		/* the first letter up: "L'horloge ..." opens the line */
		snprintf(head, sizeof(head), "%c%s%s", m != NULL && m[0] >= 'a'
		    && m[0] <= 'z' ? m[0] - 'a' + 'A' : m != NULL ? m[0] : '?',
		    m != NULL && m[0] != '\0' ? m + 1 : "", n > 1 ?
		    " (et d'autres problèmes, ci-dessous)" : "");
	} else {
		snprintf(head, sizeof(head), "%s", sync);
	}
	json_object_set_new(st, "sync", json_string(sync));
	json_object_set_new(st, "headline", json_string(head));
	json_object_set_new(st, "problems", c.problems);
}

/* ---- site status ---- */

/* The time this site wrote its change seq, as a wall clock reads it. */
static int
own_change_time(struct gs_daemon *d, uint64_t seq, int64_t *t)
{
	uint64_t hlc;
	int rc = gs_replica_change_hlc(d->replica, gs_replica_pk(d->replica),
	    seq, &hlc);

	if (rc == 0)
		*t = (int64_t)(GS_HLC_MS(hlc) / 1000);
	return rc;
}

void
ctl_site_status(struct gs_daemon *d, const struct ctl_request *q,
    struct ctl_reply *r)
{
	const uint8_t *me = gs_replica_pk(d->replica);
	uint64_t mine = gs_replica_seq(d->replica, me);
	struct gs_held_info h;
	uint8_t pk[32];
	int64_t t = 0, now = (int64_t)(gs_wall_ms() / 1000);
	char name[96], when[48], msg[400];
	bool known;
	json_t *o;

	if (ctl_other_site_param(d, q, r, pk) != 0)
		return;
	site_name(d, pk, NULL, name);
	known = gs_gossip_held(d->gossip, pk, me, &h) == 0;
	if (!known)
		snprintf(msg, sizeof(msg), "Aucun site voisin n'a encore dit ce "
		    "que %s a reçu de vos changements : il n'est peut-être "
		    "relié à vos voisins que depuis peu, ou pas du tout ; "
		    "réessayez dans quelques minutes (gemsync sync pour "
		    "presser le mouvement)", name);
	else if (mine == 0)
		snprintf(msg, sizeof(msg), "Ce site n'a encore écrit aucun "
		    "changement : %s n'a rien à recevoir de vous", name);
	else if (h.seq == 0)
		snprintf(msg, sizeof(msg), "%s n'a encore reçu aucun de vos "
		    "changements (%llu en tout)", name,
		    (unsigned long long)mine);
	else {
		if (own_change_time(d, h.seq > mine ? mine : h.seq, &t) != 0)
			t = 0;
		gs_frdate_clock(d->cfg->site_timezone, t, now, when,
		    sizeof(when));
		if (h.seq >= mine)
			snprintf(msg, sizeof(msg), "%s a reçu vos changements "
			    "jusqu'à %s : tous", name, when);
		else
			snprintf(msg, sizeof(msg), "%s a reçu vos changements "
			    "jusqu'à %s : il lui en manque %llu", name, when,
			    (unsigned long long)(mine - h.seq));
	}
	o = json_pack("{s:o,s:s,s:b,s:I,s:s}", "site_id",
	    ctl_site_id_json(pk), "name", gs_view_site_name(d->replica, pk),
	    "known", known, "own_seq", (json_int_t)mine, "message", msg);
	if (o != NULL && known) {
		json_object_set_new(o, "seq", json_integer((json_int_t)h.seq));
		json_object_set_new(o, "missing", json_integer((json_int_t)
		    (h.seq >= mine ? 0 : mine - h.seq)));
		json_object_set_new(o, "until", t > 0 ? ctl_time_or_null(t) :
		    json_null());
		json_object_set_new(o, "hops", json_integer(h.hops));
		json_object_set_new(o, "reported", ctl_time_or_null(h.when));
		json_object_set_new(o, "via", ctl_site_id_json(h.via));
	}
	r->json = o;
}
