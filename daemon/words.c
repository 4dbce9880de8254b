/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * words.c: the spoken fingerprint of a site key (words.h). 256 plain
 * French words, without accents so that nobody hesitates over spelling,
 * sorted, all distinct (the unit test checks it). Never reorder or
 * change the list: two sites of different versions must say the same
 * words for the same key.
 */
#include "words.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"

static const char *const words[256] = {
	"abeille", "abricot", "acier", "agneau", "aigle", "aiguille",
	"album", "amande", "ami", "ancre", "ane", "anneau", "arbre", "arche",
	"argent", "armoire", "artiste", "avion", "avocat", "bagage",
	"balcon", "baleine", "balle", "bambou", "banane", "banc", "bassin",
	"bateau", "baton", "biche", "bijou", "biscuit", "bison", "blason",
	"bocal", "bonbon", "bouche", "bougie", "boule", "boussole", "bouton",
	"branche", "bretelle", "brioche", "brique", "brosse", "bureau",
	"cabane", "cabine", "cacao", "cactus", "cadeau", "cadre", "cahier",
	"caillou", "camion", "canard", "canne", "carotte", "carte", "casque",
	"castor", "cerf", "cerise", "chaise", "chalet", "chameau", "champ",
	"chanson", "chapeau", "charbon", "chat", "chemin", "cheval", "chien",
	"chocolat", "cigale", "citron", "clou", "cochon", "coffre",
	"colline", "comete", "concert", "corde", "costume", "coton",
	"couleur", "couteau", "crabe", "crayon", "cuillere", "cygne",
	"dauphin", "dentelle", "desert", "diamant", "dindon", "domino",
	"dragon", "drapeau", "echelle", "ecureuil", "elephant", "encre",
	"enfant", "epice", "eponge", "escargot", "etoile", "fanfare",
	"farine", "fenetre", "ferme", "feuille", "ficelle", "figue",
	"flamme", "fleur", "flute", "foret", "fourmi", "fraise", "fromage",
	"fusee", "gant", "gateau", "girafe", "glace", "gomme", "gorille",
	"grenier", "grenouille", "guitare", "hamac", "hamster", "hibou",
	"hiver", "horloge", "ile", "insecte", "jardin", "jasmin", "jeton",
	"jongleur", "journal", "jupe", "kayak", "kiwi", "lac", "lampe",
	"lapin", "laurier", "lavande", "legume", "lettre", "lion", "livre",
	"loup", "lune", "lutin", "macaron", "maison", "manteau", "marche",
	"marmotte", "masque", "melon", "mesange", "miel", "miroir",
	"montagne", "moulin", "mouton", "musique", "navet", "neige", "nuage",
	"oasis", "olive", "ombre", "orange", "orchestre", "ours", "outil",
	"panier", "papillon", "parapluie", "pendule", "perle", "phare",
	"piano", "pigeon", "pinceau", "pirate", "placard", "plage", "plume",
	"poire", "poisson", "pomme", "pont", "potiron", "poule", "prairie",
	"puzzle", "radis", "raisin", "rameau", "renard", "requin", "rivage",
	"robot", "rocher", "roseau", "ruban", "sable", "salade", "sapin",
	"sardine", "savon", "serpent", "sifflet", "singe", "sirop", "soleil",
	"soupe", "sourire", "stylo", "sucre", "tableau", "tambour", "tapis",
	"taupe", "tempete", "tigre", "tiroir", "tomate", "tortue", "train",
	"trefle", "tresor", "tulipe", "tunnel", "vache", "valise", "vapeur",
	"velo", "vent", "verger", "village", "violon", "volcan", "wagon",
	"yaourt", "zebre",
};

static const char domain[] = "gemsync words v1";

const char *
gs_words_at(unsigned i)
{
	return i < 256 ? words[i] : NULL;
}

void
gs_words_of(const uint8_t pk[32], char out[GS_WORDS_SIZE])
{
	uint8_t h[16];
	struct gs_iov parts[] = {
		{ domain, sizeof(domain) - 1 }, { pk, 32 },
	};
	size_t n = 0;

	gs_hashv(parts, 2, h, sizeof(h));
	out[0] = '\0';
	for (int i = 0; i < GS_WORDS_COUNT; i++)
		n += (size_t)snprintf(out + n, GS_WORDS_SIZE - n, "%s%s",
		    i > 0 ? " " : "", words[h[i]]);
}
