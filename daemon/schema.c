/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * schema.c: item types, their field tables and the rule each field obeys.
 * A field row is {name, required, text kind, byte limit, rule, how an
 * over-long value is refused}; generic checks (UTF-8, length in bytes,
 * the text rule of text.h: controls, bidi controls, invisible
 * characters, stacked combining marks) run first, then the field's own rule. Rules return
 * NULL when the value is fine, or the rule broken, in plain French, for
 * the admin. Unknown fields are refused, so nothing outside the tables (a
 * member's name, a diagnosis) can be stored. A type row adds what holds
 * across fields (a rule on the whole state) and who may edit.
 */
#include "schema.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "fold.h"
#include "recur.h"
#include "siteid.h"
#include "store.h"
#include "text.h"
#include "textfmt.h"

#define LANG_LIST_MAX 10
#define SITE_LIST_MAX 20
#define ENDPOINTS_MAX 5

/* A rule: NULL if value is fine, else the rule it breaks (static text). */
typedef const char *(*rule_fn)(const char *value);

enum text_kind {
	LINE = 0,               /* one line: no control character at all */
	MULTI = 1,              /* newlines allowed, other controls refused */
};

/* What an over-long value is told. */
enum too_long {
	SAY_BYTES = 0,          /* "<max_len> octets au plus" */
	SAY_VALUE = 1,          /* the rule bounds the value: no number */
};

struct field_def {
	const char *name;
	bool required;          /* a root change and a state must set it */
	enum text_kind text;
	size_t max_len;         /* bytes */
	rule_fn rule;           /* NULL: free text */
	enum too_long say;
	const struct gs_enum_value *one_of; /* NULL, or the only values */
	bool per_date;          /* a series may override it for one date, as
	                         * "<name>@<YYYY-MM-DD>" (recur.h) */
};

/* A rule across the fields of a whole state: NULL, or the rule broken
 * with *field set to the field named in the error. */
typedef const char *(*state_rule_fn)(const struct gs_fields *state,
    const char **field);

/* ---- small parsers -------------------------------------------------- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/*
 * Parses a decimal integer made of digits only, without sign or leading
 * zero (except "0"), at most max. 0 and *out, or -1.
 */
static int
parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 9)
		return -1;
	if (s[0] == '0' && len > 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits list at commas: calls fn on each element; stops on -1. */
static int
each_element(const char *list, int (*fn)(const char *e, size_t len,
    void *arg), void *arg)
{
	const char *p = list;

	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (fn(p, len, arg) != 0)
			return -1;
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}

/* ---- rules ---------------------------------------------------------- */

static const char *
rule_datetime(const char *v)
{
	struct gs_instant t;

	if (gs_instant_parse(v, &t) == 0)
		return NULL;
	return "doit être une date et heure RFC 3339 valide avec son "
	    "décalage horaire (ex. 2026-12-01T14:00:00+01:00 ou "
	    "2026-12-01T13:00:00Z)";
}

/* A title or a name must show something. */
static const char *
rule_not_blank(const char *v)
{
	if (gs_text_blank(v))
		return "ne peut pas être fait que d'espaces";
	return NULL;
}

/* A date key: the local date YYYY-MM-DD of one occurrence of a series. */
static const char *
rule_date(const char *v)
{
	struct gs_instant t;
	char buf[32];

	if (strlen(v) == 10 && v[4] == '-' && v[7] == '-' &&
	    strspn(v, "0123456789-") == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", v);
		if (gs_instant_parse(buf, &t) == 0)
			return NULL;
	}
	return "doit être une date AAAA-MM-JJ qui existe (ex. 2026-12-22)";
}

static const char *
rule_capacity(const char *v)
{
	unsigned long n;

	if (parse_uint(v, strlen(v), 100000, &n) == 0)
		return NULL;
	return "doit être un nombre entier de 0 à 100000, en chiffres seuls";
}

static const char *
rule_seats(const char *v)
{
	unsigned long n;

	if (parse_uint(v, strlen(v), 10000, &n) == 0)
		return NULL;
	return "doit être un nombre entier de 0 à 10000, en chiffres seuls";
}

/* 1 if e (len bytes) is a language tag: ll[l] with an optional -RR/-999. */
static int
lang_tag_valid(const char *e, size_t len)
{
	size_t n = 0;

	while (n < len && is_lower(e[n]))
		n++;
	if (n < 2 || n > 3)
		return 0;
	if (n == len)
		return 1;
	if (e[n] != '-')
		return 0;
	if (len - n - 1 == 2 && is_upper(e[n + 1]) && is_upper(e[n + 2]))
		return 1;
	if (len - n - 1 == 3 && is_digit(e[n + 1]) && is_digit(e[n + 2]) &&
	    is_digit(e[n + 3]))
		return 1;
	return 0;
}

struct list_state {
	const char *elems[SITE_LIST_MAX > LANG_LIST_MAX ? SITE_LIST_MAX :
	    LANG_LIST_MAX];
	size_t lens[SITE_LIST_MAX > LANG_LIST_MAX ? SITE_LIST_MAX :
	    LANG_LIST_MAX];
	uint8_t pks[SITE_LIST_MAX][32];
	size_t n;
	size_t max;
	const char *why;        /* the rule broken, when an element fails */
};

static int
lang_elem(const char *e, size_t len, void *arg)
{
	struct list_state *st = arg;

	if (st->n == st->max) {
		st->why = "ne doit pas compter plus de 10 langues";
		return -1;
	}
	if (!lang_tag_valid(e, len)) {
		st->why = "doit être une liste de codes de langue séparés par "
		    "des virgules, sans espace (ex. fr,en,pt-BR)";
		return -1;
	}
	for (size_t i = 0; i < st->n; i++) {
		if (st->lens[i] == len && memcmp(st->elems[i], e, len) == 0) {
			st->why = "ne doit pas citer deux fois la même langue";
			return -1;
		}
	}
	st->elems[st->n] = e;
	st->lens[st->n] = len;
	st->n++;
	return 0;
}

static const char *
rule_languages(const char *v)
{
	struct list_state st;

	memset(&st, 0, sizeof(st));
	st.max = LANG_LIST_MAX;
	if (each_element(v, lang_elem, &st) != 0)
		return st.why;
	return NULL;
}

static int
site_elem(const char *e, size_t len, void *arg)
{
	struct list_state *st = arg;
	char buf[GS_SITEID_SIZE], canon[GS_SITEID_SIZE];
	uint8_t pk[32];

	if (st->n == st->max) {
		st->why = "ne doit pas compter plus de 20 sites";
		return -1;
	}
	st->why = "doit être une liste d'identifiants de site valides "
	    "(forme XXXXXXX-XXXXXXX-..., 63 caractères) séparés par des "
	    "virgules, sans espace";
	if (len != GS_SITEID_LEN)
		return -1;
	memcpy(buf, e, len);
	buf[len] = '\0';
	if (gs_siteid_parse(buf, pk) != 0)
		return -1;
	gs_siteid_encode(pk, canon);
	if (strcmp(canon, buf) != 0)
		return -1;
	for (size_t i = 0; i < st->n; i++) {
		if (memcmp(st->pks[i], pk, 32) == 0) {
			st->why = "ne doit pas citer deux fois le même site";
			return -1;
		}
	}
	memcpy(st->pks[st->n], pk, 32);
	st->n++;
	st->why = NULL;
	return 0;
}

static const char *
rule_sites(const char *v)
{
	struct list_state st;

	memset(&st, 0, sizeof(st));
	st.max = SITE_LIST_MAX;
	if (each_element(v, site_elem, &st) != 0)
		return st.why;
	return NULL;
}

static const char *
rule_postcode(const char *v)
{
	if (strlen(v) == 5 && is_digit(v[0]) && is_digit(v[1]) &&
	    is_digit(v[2]) && is_digit(v[3]) && is_digit(v[4]))
		return NULL;
	return "doit compter exactement 5 chiffres";
}

static const char *
rule_phone(const char *v)
{
	size_t len = strlen(v), ndig = 0;

	for (size_t i = 0; i < len; i++) {
		if (is_digit(v[i]))
			ndig++;
		else if (strchr(" +.-()", v[i]) == NULL)
			goto bad;
	}
	if (len >= 6 && len <= 25 && ndig >= 6)
		return NULL;
bad:
	return "doit être un numéro de 6 à 25 caractères : chiffres, espaces, "
	    "+ . - ( ), avec au moins 6 chiffres";
}

static const char *
rule_email(const char *v)
{
	const char *at = strchr(v, '@');
	const char *dom, *dot;
	size_t dlen;

	if (at == NULL || at == v || strchr(at + 1, '@') != NULL)
		goto bad;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			goto bad;
	dom = at + 1;
	dlen = strlen(dom);
	dot = strchr(dom, '.');
	if (dot == NULL || dom[0] == '.' || dom[dlen - 1] == '.')
		goto bad;
	return NULL;
bad:
	return "doit être une adresse électronique de la forme "
	    "nom@domaine.fr, sans espace";
}

static const char *
rule_url(const char *v)
{
	const char *host;
	size_t hlen;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		goto bad;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			goto bad;
	hlen = strcspn(host, "/?#");
	if (hlen == 0 || host[0] == ':' || host[0] == '@')
		goto bad;
	return NULL;
bad:
	return "doit être une adresse web commençant par http:// ou "
	    "https:// suivie d'un nom d'hôte, sans espace";
}

static const char *
rule_department(const char *v)
{
	unsigned long n;
	size_t len = strlen(v);

	if (strcmp(v, "2A") == 0 || strcmp(v, "2B") == 0)
		return NULL;
	/* "01" to "09": parse_uint refuses a leading zero */
	if (len == 2 && v[0] == '0' && v[1] >= '1' && v[1] <= '9')
		return NULL;
	if (len == 2 && parse_uint(v, 2, 95, &n) == 0 && n >= 10 && n != 20)
		return NULL;
	if (len == 3 && parse_uint(v, 3, 976, &n) == 0 && n >= 971)
		return NULL;
	return "doit être un numéro de département : 01 à 95 (sauf 20), "
	    "2A, 2B ou 971 à 976";
}

/* 1 if e (len bytes) is tcp://HOST:PORT, HOST a name, IPv4 or [IPv6]. */
static int
endpoint_valid(const char *e, size_t len)
{
	const char *h, *colon;
	size_t hlen;
	unsigned long port;

	if (len < 6 || memcmp(e, "tcp://", 6) != 0)
		return 0;
	h = e + 6;
	len -= 6;
	colon = NULL;
	for (size_t i = len; i > 0; i--) {
		if (h[i - 1] == ':') {
			colon = h + i - 1;
			break;
		}
	}
	if (colon == NULL)
		return 0;
	hlen = (size_t)(colon - h);
	if (parse_uint(colon + 1, len - hlen - 1, 65535, &port) != 0 ||
	    port == 0)
		return 0;
	if (hlen == 0 || hlen > 255)
		return 0;
	if (h[0] == '[') {
		if (hlen < 4 || h[hlen - 1] != ']')
			return 0;
		for (size_t i = 1; i + 1 < hlen; i++) {
			char c = h[i];
			if (!(is_digit(c) || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return 0;
		}
		return 1;
	}
	for (size_t i = 0; i < hlen; i++) {
		char c = h[i];
		if (!(is_digit(c) || is_lower(c) || is_upper(c) || c == '.' ||
		    c == '-'))
			return 0;
	}
	return h[0] != '.' && h[0] != '-';
}

bool
gs_schema_endpoint_ok(const char *ep)
{
	return ep != NULL && endpoint_valid(ep, strlen(ep)) == 1;
}

struct count_state {
	size_t n;
	const char *why;
};

static int
endpoint_elem(const char *e, size_t len, void *arg)
{
	struct count_state *st = arg;

	if (st->n == ENDPOINTS_MAX) {
		st->why = "ne doit pas compter plus de 5 adresses";
		return -1;
	}
	if (!endpoint_valid(e, len)) {
		st->why = "doit être une liste d'adresses tcp://HÔTE:PORT "
		    "(port de 1 à 65535) séparées par des virgules, sans espace";
		return -1;
	}
	st->n++;
	return 0;
}

static const char *
rule_endpoints(const char *v)
{
	struct count_state st = { 0, NULL };

	if (each_element(v, endpoint_elem, &st) != 0)
		return st.why;
	return NULL;
}

/* One site ID (a revoked site). */
static const char *
rule_site_id(const char *v)
{
	uint8_t pk[32];

	if (gs_siteid_parse(v, pk) == 0)
		return NULL;
	return "doit être un identifiant de site complet (gemsync id)";
}

/* A sequence number: decimal digits, no sign nor leading zero, < 2^53. */
static const char *
rule_seqnum(const char *v)
{
	size_t n = strlen(v);
	unsigned long long x = 0;

	if (n == 0 || n > 16 || (v[0] == '0' && n > 1))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			goto bad;
		x = x * 10 + (unsigned long long)(v[i] - '0');
	}
	if (x < (1ULL << 53))
		return NULL;
bad:
	return "doit être un numéro de modification, en chiffres seuls";
}

/* Whether v is exactly len lowercase hexadecimal digits. */
static bool
is_lower_hex(const char *v, size_t len)
{
	if (strlen(v) != len)
		return false;
	for (const char *p = v; *p; p++)
		if (!is_digit(*p) && !(*p >= 'a' && *p <= 'f'))
			return false;
	return true;
}

static const char *
rule_hex32(const char *v)
{
	return is_lower_hex(v, 2 * GS_ITEM_ID_LEN) ? NULL : "doit être un "
	    "identifiant d'élément de 32 chiffres hexadécimaux en minuscules";
}

/* A signature: 128 lowercase hexadecimal digits (64 bytes). */
static const char *
rule_hex_sig(const char *v)
{
	return is_lower_hex(v, 128) ? NULL : "doit être une signature de 128 "
	    "chiffres hexadécimaux en minuscules";
}

static const char *
rule_rrule(const char *v)
{
	return gs_recur_check(v);
}

static const char *
rule_timezone(const char *v)
{
	return gs_recur_zone_check(v);
}

/* An event ends after it starts, when it says when it ends. */
static const char *
event_state_rule(const struct gs_fields *state, const char **field)
{
	const char *start = gs_fields_get(state, "start");
	const char *end = gs_fields_get(state, "end");
	const char *rrule = gs_fields_get(state, "rrule");
	const char *tz = gs_fields_get(state, "timezone");
	bool series = rrule != NULL && rrule[0] != '\0';
	struct gs_instant ts, te;

	*field = "end";
	if (end != NULL && end[0] != '\0' &&
	    gs_instant_parse(start, &ts) == 0 &&
	    gs_instant_parse(end, &te) == 0 && gs_instant_cmp(&te, &ts) <= 0)
		return "doit être après le début (start)";
	*field = "timezone";
	if (series && (tz == NULL || tz[0] == '\0'))
		return "est obligatoire pour un événement répété (rrule) : "
		    "donnez un fuseau comme Europe/Paris";
	/* a date's own value only means something for a series */
	for (size_t i = 0; !series && i < state->n; i++) {
		if (strchr(state->v[i].name, '@') == NULL ||
		    state->v[i].value[0] == '\0')
			continue;
		*field = state->v[i].name;
		return "ne vaut que pour un événement répété : donnez d'abord "
		    "une règle de répétition (--repeat ou --rrule)";
	}
	return NULL;
}

/* ---- tables --------------------------------------------------------- */

/*
 * The enumerations: each value's code (stored, signed, in --json) beside
 * its French word (shown in lists and accepted as input, like the code,
 * case and accents ignored) and, for some, one more French word accepted.
 */
#define ENUM_END { NULL, NULL, NULL }
static const struct gs_enum_value yes_no[] = {
	{ "yes", "oui", NULL },
	{ "no", "non", NULL },
	ENUM_END,
};

static const struct gs_enum_value event_kinds[] = {
	{ "workshop", "atelier", NULL },
	{ "outing", "sortie", NULL },
	{ "physical", "activité physique", NULL },
	{ "discussion", "groupe de parole", NULL },
	{ "convivial", "moment convivial", "convivialité" },
	{ "autonomy", "atelier autonomie", "autonomie" },
	{ "meeting", "réunion", NULL },
	{ "other", "autre", NULL },
	ENUM_END,
};

static const struct gs_enum_value audiences[] = {
	{ "members", "adhérents", NULL },
	{ "families", "adhérents et familles", "familles" },
	{ "public", "tout public", "public" },
	ENUM_END,
};

static const struct gs_enum_value resource_kinds[] = {
	{ "gem", "GEM", NULL },
	{ "clubhouse", "clubhouse", NULL },
	{ "recovery-college", "recovery college", "collège de rétablissement" },
	{ "respite", "lieu de répit", "répit" },
	{ "helpline", "ligne d'écoute", NULL },
	{ "public-service", "service public", NULL },
	{ "association", "association", NULL },
	{ "other", "autre", NULL },
	ENUM_END,
};

static const struct gs_enum_value resource_status[] = {
	{ "active", "actif", "active" },
	{ "temporarily_closed", "fermé temporairement", NULL },
	{ "closed", "fermé", NULL },
	ENUM_END,
};

/*
 * One row a field, by name. Columns: name, required, text kind, limit in
 * bytes, rule (NULL: free text), what an over-long value is told
 * (SAY_BYTES: "<limit> octets au plus"; SAY_VALUE: the rule bounds the
 * value anyway), for an enumeration its table of values (the rule then
 * is "doit être l'un de : <their French words>"), and whether a series
 * may override it for one date ("place@2026-12-22": same rule, empty
 * clears it). A field the CLI shows also has its label and help in the
 * CLI's tables.
 */
static const struct field_def event_fields[] = {
	{ "accessibility", false, LINE, 1000, NULL, SAY_BYTES, NULL, true },
	{ "audience", false, LINE, 32, NULL, SAY_VALUE, audiences, false },
	{ "cancelled", false, LINE, 8, NULL, SAY_VALUE, yes_no, true },
	{ "capacity", false, LINE, 16, rule_capacity, SAY_VALUE, NULL, true },
	{ "cohosts", false, LINE, 1400, rule_sites, SAY_VALUE, NULL, false },
	{ "companion", false, LINE, 8, NULL, SAY_VALUE, yes_no, false },
	{ "contact_role", false, LINE, 100, NULL, SAY_BYTES, NULL, true },
	{ "description", false, MULTI, 4000, NULL, SAY_BYTES, NULL, true },
	{ "easy_read", false, LINE, 8, NULL, SAY_VALUE, yes_no, false },
	{ "end", false, LINE, 64, rule_datetime, SAY_VALUE, NULL, true },
	{ "kind", true, LINE, 32, NULL, SAY_VALUE, event_kinds, false },
	{ "languages", false, LINE, 100, rule_languages, SAY_VALUE, NULL,
	    false },
	{ "place", false, LINE, 300, NULL, SAY_BYTES, NULL, true },
	{ "price", false, LINE, 100, NULL, SAY_BYTES, NULL, true },
	{ "rrule", false, LINE, GS_RECUR_RULE_MAX, rule_rrule, SAY_VALUE,
	    NULL, false },
	{ "start", true, LINE, 64, rule_datetime, SAY_VALUE, NULL, true },
	{ "timezone", false, LINE, 64, rule_timezone, SAY_VALUE, NULL, false },
	{ "title", true, LINE, 200, rule_not_blank, SAY_BYTES, NULL, true },
};

static const struct field_def resource_fields[] = {
	{ "accessibility", false, LINE, 1000, NULL, SAY_BYTES, NULL, false },
	{ "address", false, LINE, 300, NULL, SAY_BYTES, NULL, false },
	{ "description", false, MULTI, 4000, NULL, SAY_BYTES, NULL, false },
	{ "editors", false, LINE, 1400, rule_sites, SAY_VALUE, NULL, false },
	{ "eligibility", false, LINE, 500, NULL, SAY_BYTES, NULL, false },
	{ "email", false, LINE, 254, rule_email, SAY_BYTES, NULL, false },
	{ "hours", false, MULTI, 500, NULL, SAY_BYTES, NULL, false },
	{ "kind", true, LINE, 32, NULL, SAY_VALUE, resource_kinds, false },
	{ "languages", false, LINE, 100, rule_languages, SAY_VALUE, NULL,
	    false },
	{ "name", true, LINE, 200, rule_not_blank, SAY_BYTES, NULL, false },
	{ "phone", false, LINE, 25, rule_phone, SAY_BYTES, NULL, false },
	{ "postcode", false, LINE, 8, rule_postcode, SAY_VALUE, NULL, false },
	{ "status", false, LINE, 32, NULL, SAY_VALUE, resource_status, false },
	{ "town", false, LINE, 100, NULL, SAY_BYTES, NULL, false },
	{ "url", false, LINE, 500, rule_url, SAY_BYTES, NULL, false },
};

static const struct field_def site_fields[] = {
	{ "department", false, LINE, 8, rule_department, SAY_VALUE,
	    NULL, false },
	{ "description", false, MULTI, 2000, NULL, SAY_BYTES, NULL, false },
	{ "endpoints", false, LINE, 1400, rule_endpoints, SAY_VALUE,
	    NULL, false },
	{ "hours", false, MULTI, 500, NULL, SAY_BYTES, NULL, false },
	{ "languages", false, LINE, 100, rule_languages, SAY_VALUE,
	    NULL, false },
	{ "name", true, LINE, 100, rule_not_blank, SAY_BYTES, NULL, false },
	{ "town", false, LINE, 100, NULL, SAY_BYTES, NULL, false },
};

static const struct field_def reservation_fields[] = {
	{ "date", false, LINE, 10, rule_date, SAY_VALUE, NULL, false },
	{ "event", true, LINE, 64, rule_hex32, SAY_VALUE, NULL, false },
	{ "force", false, LINE, 8, NULL, SAY_VALUE, yes_no, false },
	{ "note", false, LINE, 200, NULL, SAY_BYTES, NULL, false },
	{ "seats", true, LINE, 16, rule_seats, SAY_VALUE, NULL, false },
	{ "waiting", false, LINE, 8, NULL, SAY_VALUE, yes_no, false },
};

static const struct field_def confirmation_fields[] = {
	{ "resource", true, LINE, 64, rule_hex32, SAY_VALUE, NULL, false },
};

static const struct field_def revocation_fields[] = {
	{ "last_seq", true, LINE, 16, rule_seqnum, SAY_VALUE, NULL, false },
	{ "reason", false, LINE, 300, NULL, SAY_BYTES, NULL, false },
	{ "site", true, LINE, 80, rule_site_id, SAY_VALUE, NULL, false },
};

static const struct field_def keylink_fields[] = {
	{ "last_seq", true, LINE, 16, rule_seqnum, SAY_VALUE, NULL, false },
	{ "sig", true, LINE, 128, rule_hex_sig, SAY_VALUE, NULL, false },
	{ "site", true, LINE, 80, rule_site_id, SAY_VALUE, NULL, false },
};

struct type_def {
	int type;               /* enum gs_item_type */
	const char *name;
	const struct field_def *fields;
	size_t nfields;
	const char *editors;    /* see gs_item_editors_field() */
	bool owned;             /* counted among the items a site owns */
	state_rule_fn state_rule;   /* NULL: no rule across fields */
};

/* One row a type, in type order (a number may be missing: types are
 * assigned to features ahead of their rows). */
#define TABLE(t) t, sizeof(t) / sizeof(t[0])
static const struct type_def types[] = {
	{ GS_TYPE_EVENT, "event", TABLE(event_fields), "cohosts", true,
	    event_state_rule },
	{ GS_TYPE_RESOURCE, "resource", TABLE(resource_fields), "editors",
	    true, NULL },
	{ GS_TYPE_SITE, "site", TABLE(site_fields), NULL, false, NULL },
	{ GS_TYPE_RESERVATION, "reservation", TABLE(reservation_fields), NULL,
	    false, NULL },
	{ GS_TYPE_CONFIRMATION, "confirmation", TABLE(confirmation_fields),
	    NULL, false, NULL },
	{ GS_TYPE_REVOCATION, "revocation", TABLE(revocation_fields), NULL,
	    false, NULL },
	{ GS_TYPE_KEYLINK, "keylink", TABLE(keylink_fields), NULL, false,
	    NULL },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))
_Static_assert(NTYPES <= GS_TYPE_MAX - GS_TYPE_MIN + 1,
    "at most one row in types[] per item type");

static const struct type_def *
type_def(int type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

static const struct field_def *
field_def(const struct type_def *td, const char *name)
{
	/* the first byte before strcmp: this runs for every field of
	 * every change received */
	for (size_t i = 0; i < td->nfields; i++)
		if (td->fields[i].name[0] == name[0] &&
		    strcmp(td->fields[i].name, name) == 0)
			return &td->fields[i];
	return NULL;
}

const struct gs_enum_value *
gs_schema_enum(int type, const char *field)
{
	const struct type_def *td = type_def(type);
	const struct field_def *fd = td && field ? field_def(td, field) : NULL;

	return fd ? fd->one_of : NULL;
}

bool
gs_schema_is_time(int type, const char *field)
{
	const struct type_def *td = type_def(type);
	const struct field_def *fd;
	char base[GS_FIELD_NAME_MAX + 1];
	size_t n;

	if (td == NULL || field == NULL)
		return false;
	n = strcspn(field, "@");
	if (n >= sizeof(base))
		return false;
	memcpy(base, field, n);
	base[n] = '\0';
	fd = field_def(td, base);
	return fd != NULL && fd->rule == rule_datetime;
}

const char *
gs_schema_value_fr(int type, const char *field, const char *code)
{
	const struct gs_enum_value *v = gs_schema_enum(type, field);

	for (; v != NULL && code != NULL && v->code != NULL; v++)
		if (strcmp(v->code, code) == 0)
			return v->fr;
	return NULL;
}

int
gs_schema_normalize(int type, const char *field, const char *value,
    const char **out)
{
	const struct gs_enum_value *v = gs_schema_enum(type, field);

	*out = value;
	if (v == NULL || value == NULL || value[0] == '\0')
		return 0;
	for (; v->code != NULL; v++) {
		if (strcmp(value, v->code) == 0 || gs_fold_equal(value, v->code) ||
		    gs_fold_equal(value, v->fr) ||
		    (v->also != NULL && gs_fold_equal(value, v->also))) {
			*out = v->code;
			return 0;
		}
	}
	return GS_EINVAL;
}

size_t
gs_schema_values_fr(int type, const char *field, char *buf, size_t buflen)
{
	const struct gs_enum_value *v = gs_schema_enum(type, field);
	size_t len = 0;
	int n;

	if (buflen == 0)
		return 0;
	buf[0] = '\0';
	for (; v != NULL && v->code != NULL && len < buflen; v++) {
		n = snprintf(buf + len, buflen - len, "%s%s",
		    len > 0 ? ", " : "", v->fr);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return len < buflen ? len : buflen - 1;
}

bool
gs_schema_per_date(int type, const char *field)
{
	const struct type_def *td = type_def(type);
	const struct field_def *fd = td ? field_def(td, field) : NULL;

	return fd != NULL && fd->per_date;
}

/* Fills err (may be NULL) and returns GS_EINVAL. */
static int
fail(struct gs_verr *err, const char *field, const char *rule)
{
	if (err != NULL) {
		snprintf(err->field, sizeof(err->field), "%s", field);
		snprintf(err->rule, sizeof(err->rule), "%s", rule);
	}
	return GS_EINVAL;
}

/* 1 if v is the code of one of the values, else 0. */
static int
is_one_of(const char *v, const struct gs_enum_value *values)
{
	for (; values->code != NULL; values++)
		if (strcmp(values->code, v) == 0)
			return 1;
	return 0;
}

/* Refuses a value that is not one of fd's values, naming them in French. */
static int
fail_one_of(struct gs_verr *err, int type, const char *name,
    const struct field_def *fd)
{
	char why[sizeof(err->rule)];
	size_t n = (size_t)snprintf(why, sizeof(why), "doit être l'un de : ");

	gs_schema_values_fr(type, fd->name, why + n, sizeof(why) - n);
	return fail(err, name, why);
}

/* Refuses a value longer than fd allows, as fd says to. */
static int
fail_too_long(struct gs_verr *err, const char *name,
    const struct field_def *fd)
{
	char why[64];

	if (fd->say == SAY_VALUE)
		return fail(err, name, "valeur trop longue pour ce champ");
	snprintf(why, sizeof(why), "%zu octets au plus", fd->max_len);
	return fail(err, name, why);
}

/* ---- public --------------------------------------------------------- */

const char *
gs_item_type_name(int type)
{
	const struct type_def *td = type_def(type);

	return td ? td->name : NULL;
}

int
gs_item_type_parse(const char *s)
{
	if (s == NULL)
		return GS_EINVAL;
	for (size_t i = 0; i < NTYPES; i++)
		if (strcmp(s, types[i].name) == 0)
			return types[i].type;
	return GS_EINVAL;
}

void
gs_schema_store_types(struct gs_store_types *out)
{
	_Static_assert(NTYPES <= GS_STORE_TYPES_MAX, "store type list size");
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < NTYPES; i++) {
		out->stored[out->nstored++] = types[i].type;
		if (types[i].owned)
			out->owned[out->nowned++] = types[i].type;
	}
}

/* Refuses a per-date name, naming the fields a date may override. */
static int
fail_dated(struct gs_verr *err, const char *name, const struct type_def *td)
{
	char why[sizeof(err->rule)];
	size_t n;

	n = (size_t)snprintf(why, sizeof(why), "attendu CHAMP@AAAA-MM-JJ, une "
	    "date qui existe, CHAMP l'un de :");
	for (size_t i = 0; i < td->nfields && n < sizeof(why); i++)
		if (td->fields[i].per_date)
			n += (size_t)snprintf(why + n, sizeof(why) - n, " %s",
			    td->fields[i].name);
	return fail(err, name, why);
}

/*
 * The row of a per-date field "<base>@<YYYY-MM-DD>": the base's row when
 * it may be overridden and the date exists, else NULL.
 */
static const struct field_def *
dated_field_def(const struct type_def *td, const char *name)
{
	const char *at = strchr(name, '@');
	const struct field_def *fd;
	char base[GS_FIELD_NAME_MAX + 1];
	size_t n;

	if (at == NULL || (n = (size_t)(at - name)) > GS_FIELD_NAME_MAX)
		return NULL;
	memcpy(base, name, n);
	base[n] = '\0';
	fd = field_def(td, base);
	if (fd == NULL || !fd->per_date ||
	    !gs_recur_date_valid(at + 1, NULL, NULL, NULL))
		return NULL;
	return fd;
}

int
gs_item_check_field(int type, const char *name, const char *value,
    struct gs_verr *err)
{
	const struct type_def *td = type_def(type);
	const struct field_def *fd;
	const char *why;
	char rule[160];
	bool dated = false;
	size_t len;

	if (name == NULL || value == NULL)
		return fail(err, name ? name : "", "valeur absente");
	if (td == NULL)
		return fail(err, name, "type d'élément inconnu");
	len = strlen(value);
	if (strcmp(name, GS_FIELD_DELETED) == 0) {
		if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0)
			return 0;
		return fail(err, name, "doit être 0 ou 1");
	}
	if (strcmp(name, GS_FIELD_ERASED) == 0) {
		if (strcmp(value, "1") == 0)
			return 0;
		return fail(err, name, "doit être 1");
	}
	fd = field_def(td, name);
	if (fd == NULL && strchr(name, '@') != NULL) {
		fd = dated_field_def(td, name);
		if (fd == NULL)
			return fail_dated(err, name, td);
		dated = true;
	}
	if (fd == NULL)
		return fail(err, name, "champ inconnu");
	if (len == 0) {
		if (fd->required && !dated)
			return fail(err, name, "est obligatoire et ne peut "
			    "pas être vide");
		return 0;
	}
	if (!gs_utf8_valid(value, len))
		return fail(err, name, "doit être du texte UTF-8 valide");
	if (len > fd->max_len)
		return fail_too_long(err, name, fd);
	if (gs_text_check(value, fd->text == MULTI, rule,
	    sizeof(rule)) != 0)
		return fail(err, name, rule);
	if (fd->one_of != NULL && !is_one_of(value, fd->one_of))
		return fail_one_of(err, type, name, fd);
	if (fd->rule != NULL) {
		why = fd->rule(value);
		if (why != NULL)
			return fail(err, name, why);
	}
	return 0;
}

/*
 * Checks every field of f, then that every required field of td is set
 * (and, with its state rule, a whole state's rule across fields).
 */
static int
check_all(const struct type_def *td, const struct gs_fields *f,
    bool required, state_rule_fn state_rule, struct gs_verr *err)
{
	int ret = GS_EINVAL;
	const char *why, *field;

	if (td == NULL) {
		ret = fail(err, "", "type d'élément inconnu");
		goto out;
	}
	for (size_t i = 0; i < f->n; i++) {
		ret = gs_item_check_field(td->type, f->v[i].name,
		    f->v[i].value, err);
		if (ret != 0)
			goto out;
	}
	for (size_t i = 0; required && i < td->nfields; i++) {
		const char *v;

		if (!td->fields[i].required)
			continue;
		v = gs_fields_get(f, td->fields[i].name);
		if (v == NULL || v[0] == '\0') {
			ret = fail(err, td->fields[i].name, "est obligatoire");
			goto out;
		}
	}
	if (state_rule != NULL && (why = state_rule(f, &field)) != NULL) {
		ret = fail(err, field, why);
		goto out;
	}
	ret = 0;
out:
	return ret;
}

int
gs_item_check_delta(int type, const struct gs_fields *delta, bool root,
    struct gs_verr *err)
{
	assert(delta);
	return check_all(type_def(type), delta, root, NULL, err);
}

int
gs_item_check_state(int type, const struct gs_fields *state,
    struct gs_verr *err)
{
	const struct type_def *td = type_def(type);

	assert(state);
	return check_all(td, state, true, td ? td->state_rule : NULL, err);
}

const char *
gs_item_editors_field(int type)
{
	const struct type_def *td = type_def(type);

	return td ? td->editors : NULL;
}

int
gs_item_list_has_site(const char *value, const uint8_t pk[32])
{
	const char *p = value;

	if (value == NULL)
		return 0;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char buf[128];
		uint8_t got[32];

		if (len < sizeof(buf)) {
			memcpy(buf, p, len);
			buf[len] = '\0';
			if (gs_siteid_parse(buf, got) == 0 &&
			    memcmp(got, pk, 32) == 0)
				return 1;
		}
		if (c == NULL)
			return 0;
		p = c + 1;
	}
}
