/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_gen.c: realistic GEM content from a seed (see gs_gen.h). The pools
 * follow the domain notes: recurring workshops and one-off outings of every
 * kind, directory entries of every kind, towns of Auvergne-Rhône-Alpes with
 * their postcodes, roles instead of names.
 */
#include "gs_gen.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "item.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct place {
	const char *town;
	const char *postcode;
};

static const struct place places[] = {
	{ "Lyon", "69007" }, { "Villeurbanne", "69100" },
	{ "Vienne", "38200" }, { "Grenoble", "38000" },
	{ "Saint-Étienne", "42000" }, { "Bourgoin-Jallieu", "38300" },
	{ "Roanne", "42300" }, { "Valence", "26000" },
	{ "Annecy", "74000" }, { "Chambéry", "73000" },
	{ "Bourg-en-Bresse", "01000" }, { "Villefranche-sur-Saône", "69400" },
	{ "Privas", "07000" }, { "Montélimar", "26200" },
	{ "Aurillac", "15000" }, { "Le Puy-en-Velay", "43000" },
};

struct event_kind {
	const char *kind;
	const char *titles[4];
};

static const struct event_kind event_kinds[] = {
	{ "workshop", { "Atelier écriture", "Atelier peinture et collage",
	    "Atelier musique : percussions", "Atelier dessin au fusain" } },
	{ "outing", { "Sortie au musée des Beaux-Arts", "Cinéma : séance "
	    "du mardi", "Visite du jardin botanique", "Sortie à la médiathèque" } },
	{ "physical", { "Marche douce au parc", "Yoga sur chaise",
	    "Balade au bord du Rhône", "Gym douce" } },
	{ "discussion", { "Groupe de parole : le sommeil", "Groupe de "
	    "parole : la solitude", "Café-débat : vivre ensemble",
	    "Groupe de parole : l'estime de soi" } },
	{ "convivial", { "Repas partagé", "Après-midi jeux de société",
	    "Goûter de fin d'année", "Pique-nique inter-GEM" } },
	{ "autonomy", { "Initiation à l'informatique", "Atelier budget",
	    "Aide aux démarches administratives", "Atelier cuisine "
	    "petit budget" } },
	{ "meeting", { "Assemblée générale", "Réunion inter-GEM du "
	    "département", "Comité de programmation", "Réunion des "
	    "animateurs" } },
};

static const char *venues[] = {
	"Maison des associations, salle 2",
	"Local du GEM, rez-de-chaussée",
	"Centre social du quartier, grande salle",
	"Médiathèque municipale, salle d'animation",
	"Parc de la Tête d'Or, entrée des Enfants du Rhône",
	"Musée des Beaux-Arts, hall d'accueil",
};

static const char *sentences[] = {
	"Ouvert aux adhérents et à leurs proches, sans inscription préalable. ",
	"Le matériel est fourni ; venez comme vous êtes, débutants bienvenus. ",
	"Nous nous retrouvons devant l'entrée un quart d'heure avant le début. ",
	"Une boisson chaude est offerte à l'arrivée, dans une ambiance calme. ",
	"Le trajet se fait ensemble en tramway depuis le local du GEM. ",
	"Chacun participe à son rythme, on peut aussi simplement regarder. ",
	"Prévoir des chaussures confortables et une bouteille d'eau. ",
	"Les textes du jour sont en français facile à lire et à comprendre. ",
	"Le programme a été choisi ensemble lors du dernier comité. ",
	"En cas de pluie, l'activité a lieu à l'intérieur, au même endroit. ",
};

static const char *access_notes[] = {
	"Accessible en fauteuil roulant, toilettes adaptées, boucle "
	    "magnétique à l'accueil.",
	"Plain-pied, places assises en nombre, pause toutes les "
	    "quarante-cinq minutes.",
	"Ascenseur depuis la rue ; chiens guides bienvenus ; lieu calme "
	    "et peu bruyant.",
};

static const char *prices[] = {
	"gratuit", "2 € par personne", "participation libre",
	"5 € (gratuit pour les adhérents)",
};

static const char *roles[] = {
	"animatrice du GEM", "animateur du GEM", "bureau de l'association",
	"référente des sorties",
};

static const char *langs[] = { "fr", "fr", "fr,en", "fr,ar", "fr,pt-BR" };
static const char *audiences[] = { "members", "families", "public" };
static const char *yesno[] = { "yes", "no" };

struct resource_kind {
	const char *kind;
	const char *names[3];
};

static const struct resource_kind resource_kinds[] = {
	{ "gem", { "GEM Le Rebond", "GEM La Passerelle", "GEM L'Envol" } },
	{ "clubhouse", { "Clubhouse Rhône-Alpes", "Clubhouse des Pentes",
	    "Clubhouse du Dauphiné" } },
	{ "recovery-college", { "Collège du rétablissement",
	    "Centre ressource rétablissement", "Université populaire du "
	    "rétablissement" } },
	{ "respite", { "Lieu de répit La Maison", "Halte de répit du "
	    "centre-ville", "Accueil de répit Le Phare" } },
	{ "helpline", { "Ligne d'écoute nationale", "Écoute famille",
	    "Ligne d'écoute de nuit" } },
	{ "public-service", { "Maison départementale des personnes "
	    "handicapées", "Centre communal d'action sociale", "Point "
	    "d'accès au droit" } },
	{ "association", { "Association de familles et amis", "Association "
	    "porteuse des GEM du département", "Entraide et loisirs" } },
};

static const char *streets[] = {
	"rue de la République", "avenue Jean Jaurès", "place du Marché",
	"rue des Tanneurs", "quai Saint-Vincent", "boulevard de la Liberté",
};

static const char *hours[] = {
	"Du lundi au vendredi, de 9 h à 12 h et de 14 h à 17 h.",
	"Mardi et jeudi de 13 h 30 à 18 h ; samedi matin sur rendez-vous.",
	"Tous les jours de 18 h à 23 h, y compris les jours fériés.",
};

static const char *res_sentences[] = {
	"Accueil sans rendez-vous, sans condition de diagnostic ni de "
	    "reconnaissance de handicap. ",
	"Un lieu pour rompre l'isolement et partager des activités entre "
	    "pairs. ",
	"Information et orientation pour les personnes et leurs proches. ",
	"Permanences d'accès aux droits et aide pour les dossiers. ",
	"Écoute anonyme et gratuite, par des bénévoles formés. ",
	"Ateliers ouverts à tous pour apprendre sur le rétablissement. ",
};

void
gs_gen_init(struct gs_gen *g, uint64_t seed)
{
	g->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (g->s == 0)
		g->s = 1;
}

uint64_t
gs_gen_next(struct gs_gen *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545f4914f6cdd1dULL;
}

uint32_t
gs_gen_below(struct gs_gen *g, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(gs_gen_next(g) % n);
}

#define PICK(g, a) ((a)[gs_gen_below((g), N(a))])

/* nsent sentences of pool, concatenated into out. */
static void
text(struct gs_gen *g, const char **pool, size_t npool, unsigned nsent,
    char *out, size_t outlen)
{
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < nsent; i++) {
		const char *s = pool[gs_gen_below(g, (uint32_t)npool)];
		if (len + strlen(s) >= outlen)
			break;
		memcpy(out + len, s, strlen(s) + 1);
		len += strlen(s);
	}
	while (len > 0 && out[len - 1] == ' ')
		out[--len] = '\0';
}

/* An event start and end on a weekday afternoon of 2031 or 2032. */
static void
dates(struct gs_gen *g, char *start, char *end, size_t len)
{
	unsigned y = 2031 + gs_gen_below(g, 2), m = 1 + gs_gen_below(g, 12);
	unsigned d = 1 + gs_gen_below(g, 28), h = 9 + gs_gen_below(g, 8);
	const char *tz = m >= 4 && m <= 10 ? "+02:00" : "+01:00";

	snprintf(start, len, "%u-%02u-%02uT%02u:%s:00%s", y, m, d, h,
	    gs_gen_below(g, 2) ? "30" : "00", tz);
	snprintf(end, len, "%u-%02u-%02uT%02u:%s:00%s", y, m, d, h + 2,
	    gs_gen_below(g, 2) ? "30" : "00", tz);
}

static int
set(struct gs_fields *f, const char *name, const char *value, int rc)
{
	return rc != 0 ? rc : gs_fields_set(f, name, value);
}

int
gs_gen_event(struct gs_gen *g, struct gs_fields *f)
{
	const struct event_kind *k = &event_kinds[gs_gen_below(g,
	    N(event_kinds))];
	const struct place *p = &PICK(g, places);
	char title[160], start[40], end[40], where[200], desc[600], cap[8];
	int rc = 0;

	snprintf(title, sizeof(title), "%s à %s", k->titles[gs_gen_below(g,
	    4)], p->town);
	dates(g, start, end, sizeof(start));
	snprintf(where, sizeof(where), "%s, %s %s", PICK(g, venues),
	    p->postcode, p->town);
	text(g, sentences, N(sentences), 3, desc, sizeof(desc));
	snprintf(cap, sizeof(cap), "%u", 6 + gs_gen_below(g, 25));
	rc = set(f, "title", title, rc);
	rc = set(f, "kind", k->kind, rc);
	rc = set(f, "start", start, rc);
	rc = set(f, "end", end, rc);
	rc = set(f, "place", where, rc);
	rc = set(f, "capacity", cap, rc);
	rc = set(f, "languages", PICK(g, langs), rc);
	rc = set(f, "easy_read", PICK(g, yesno), rc);
	rc = set(f, "audience", PICK(g, audiences), rc);
	rc = set(f, "companion", PICK(g, yesno), rc);
	rc = set(f, "accessibility", PICK(g, access_notes), rc);
	rc = set(f, "price", PICK(g, prices), rc);
	rc = set(f, "contact_role", PICK(g, roles), rc);
	rc = set(f, "description", desc, rc);
	return rc;
}

int
gs_gen_resource(struct gs_gen *g, struct gs_fields *f)
{
	const struct resource_kind *k = &resource_kinds[gs_gen_below(g,
	    N(resource_kinds))];
	const struct place *p = &PICK(g, places);
	char name[200], addr[160], phone[32], email[80], url[120];
	char desc[600];
	unsigned n = gs_gen_below(g, 10000);
	int rc = 0;

	snprintf(name, sizeof(name), "%s (%s)", k->names[gs_gen_below(g, 3)],
	    p->town);
	snprintf(addr, sizeof(addr), "%u %s", 1 + gs_gen_below(g, 120),
	    PICK(g, streets));
	snprintf(phone, sizeof(phone), "04 7%u %02u %02u %02u",
	    gs_gen_below(g, 10), n % 100, (n / 100) % 100,
	    gs_gen_below(g, 100));
	snprintf(email, sizeof(email), "contact-%u@%s.example.fr", n,
	    k->kind);
	snprintf(url, sizeof(url), "https://%s.example.fr/annuaire/%u",
	    k->kind, n);
	text(g, res_sentences, N(res_sentences), 3, desc, sizeof(desc));
	rc = set(f, "name", name, rc);
	rc = set(f, "kind", k->kind, rc);
	rc = set(f, "address", addr, rc);
	rc = set(f, "postcode", p->postcode, rc);
	rc = set(f, "town", p->town, rc);
	rc = set(f, "phone", phone, rc);
	rc = set(f, "email", email, rc);
	rc = set(f, "url", url, rc);
	rc = set(f, "hours", PICK(g, hours), rc);
	rc = set(f, "languages", PICK(g, langs), rc);
	rc = set(f, "description", desc, rc);
	return rc;
}

int
gs_gen_edit(struct gs_gen *g, int type, struct gs_fields *f)
{
	char desc[600], cap[8], start[40], end[40];
	int rc = 0;

	if (type == GS_TYPE_EVENT) {
		text(g, sentences, N(sentences), 3, desc, sizeof(desc));
		rc = set(f, "description", desc, rc);
		switch (gs_gen_below(g, 3)) {
		case 0:
			snprintf(cap, sizeof(cap), "%u", 6 + gs_gen_below(g,
			    25));
			rc = set(f, "capacity", cap, rc);
			break;
		case 1:
			dates(g, start, end, sizeof(start));
			rc = set(f, "start", start, rc);
			rc = set(f, "end", end, rc);
			break;
		default:
			rc = set(f, "price", PICK(g, prices), rc);
			rc = set(f, "accessibility", PICK(g, access_notes),
			    rc);
			break;
		}
		return rc;
	}
	if (type == GS_TYPE_RESOURCE) {
		text(g, res_sentences, N(res_sentences), 3, desc,
		    sizeof(desc));
		rc = set(f, "description", desc, rc);
		rc = set(f, "hours", PICK(g, hours), rc);
		return rc;
	}
	return GS_EINVAL;
}
