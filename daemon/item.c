/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * item.c: item types, their field tables and the rule each field obeys.
 * A table row is {name, required, byte limit, text kind, rule}; generic
 * checks (UTF-8, length in bytes, control characters) run first, then the
 * field's own rule. Rules return NULL when the value is fine, or the rule
 * broken, in plain French, for the admin. Unknown fields are refused, so
 * nothing outside the tables (a member's name, a diagnosis) can be stored.
 * Item IDs are BLAKE2b hashes of their inputs with a domain string each.
 */
#include "item.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "err.h"
#include "siteid.h"

#define LANG_LIST_MAX 10
#define SITE_LIST_MAX 20
#define ENDPOINTS_MAX 5

/* A rule: NULL if value is fine, else the rule it breaks (static text). */
typedef const char *(*rule_fn)(const char *value);

enum text_kind {
	TEXT_LINE = 0,          /* one line: no control character at all */
	TEXT_MULTI = 1,         /* newlines allowed, other controls refused */
};

struct field_def {
	const char *name;
	bool required;
	size_t max_len;         /* bytes */
	const char *max_msg;    /* rule text when max_len is exceeded */
	enum text_kind text;
	rule_fn rule;           /* NULL: free text */
};

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

/* Parses exactly n digits at s into *out. 0 or -1. */
static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	if (m == 2 && leap_year(y))
		return 29;
	return dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(int y, int m, int d)
{
	long long yy = y - (m <= 2);
	long long era = (yy >= 0 ? yy : yy - 399) / 400;
	long long yoe = yy - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* An instant: seconds since the epoch (UTC) and nanoseconds. */
struct instant {
	long long sec;
	long nsec;
};

/*
 * Parses an RFC 3339 date-time with seconds, an optional fraction (1 to 9
 * digits) and a mandatory offset (Z or +hh:mm / -hh:mm). 0 or -1.
 */
static int
parse_datetime(const char *s, struct instant *out)
{
	int y, mo, d, h, mi, sec, oh, om;
	long nsec = 0;
	long long off = 0;
	size_t i;

	if (strlen(s) < 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	i = 19;
	if (s[i] == '.') {
		int nd = 0;
		i++;
		while (is_digit(s[i]) && nd < 9) {
			nsec = nsec * 10 + (s[i] - '0');
			nd++;
			i++;
		}
		if (nd == 0 || is_digit(s[i]))
			return -1;
		for (; nd < 9; nd++)
			nsec *= 10;
	}
	if (s[i] == 'Z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (long long)oh * 3600 + om * 60;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else {
		return -1;
	}
	if (s[i] != '\0')
		return -1;
	out->sec = days_from_civil(y, mo, d) * 86400LL + h * 3600LL +
	    mi * 60LL + sec - off;
	out->nsec = nsec;
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
rule_event_kind(const char *v)
{
	static const char *kinds[] = { "workshop", "outing", "physical",
	    "discussion", "convivial", "autonomy", "meeting", "other" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(v, kinds[i]) == 0)
			return NULL;
	return "doit être l'un de : workshop, outing, physical, discussion, "
	    "convivial, autonomy, meeting, other";
}

static const char *
rule_resource_kind(const char *v)
{
	static const char *kinds[] = { "gem", "clubhouse", "recovery-college",
	    "respite", "helpline", "public-service", "association", "other" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(v, kinds[i]) == 0)
			return NULL;
	return "doit être l'un de : gem, clubhouse, recovery-college, "
	    "respite, helpline, public-service, association, other";
}

static const char *
rule_audience(const char *v)
{
	if (strcmp(v, "members") == 0 || strcmp(v, "families") == 0 ||
	    strcmp(v, "public") == 0)
		return NULL;
	return "doit être l'un de : members, families, public";
}

static const char *
rule_yesno(const char *v)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
		return NULL;
	return "doit être yes ou no";
}

static const char *
rule_datetime(const char *v)
{
	struct instant t;

	if (parse_datetime(v, &t) == 0)
		return NULL;
	return "doit être une date et heure RFC 3339 valide avec son "
	    "décalage horaire (ex. 2026-12-01T14:00:00+01:00 ou "
	    "2026-12-01T13:00:00Z)";
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
	int n;
	size_t len = strlen(v);

	if (strcmp(v, "2A") == 0 || strcmp(v, "2B") == 0)
		return NULL;
	if (len == 2 && digits(v, 2, &n) == 0 && n >= 1 && n <= 95 && n != 20)
		return NULL;
	if (len == 3 && digits(v, 3, &n) == 0 && n >= 971 && n <= 976)
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

static const char *
rule_hex32(const char *v)
{
	if (strlen(v) != 2 * GS_ITEM_ID_LEN)
		goto bad;
	for (const char *p = v; *p; p++)
		if (!is_digit(*p) && !(*p >= 'a' && *p <= 'f'))
			goto bad;
	return NULL;
bad:
	return "doit être un identifiant d'élément de 32 chiffres "
	    "hexadécimaux en minuscules";
}

/* ---- tables --------------------------------------------------------- */

#define M100 "100 octets au plus"
#define M200 "200 octets au plus"
#define M300 "300 octets au plus"
#define M500 "500 octets au plus"
#define M1000 "1000 octets au plus"
#define M2000 "2000 octets au plus"
#define M4000 "4000 octets au plus"
/* For fields whose rule bounds the value anyway. */
#define MFMT "valeur trop longue pour ce champ"

static const struct field_def event_fields[] = {
	{ "accessibility", false, 1000, M1000, TEXT_LINE, NULL },
	{ "audience", false, 32, MFMT, TEXT_LINE, rule_audience },
	{ "cancelled", false, 8, MFMT, TEXT_LINE, rule_yesno },
	{ "capacity", false, 16, MFMT, TEXT_LINE, rule_capacity },
	{ "cohosts", false, 1400, MFMT, TEXT_LINE, rule_sites },
	{ "companion", false, 8, MFMT, TEXT_LINE, rule_yesno },
	{ "contact_role", false, 100, M100, TEXT_LINE, NULL },
	{ "description", false, 4000, M4000, TEXT_MULTI, NULL },
	{ "easy_read", false, 8, MFMT, TEXT_LINE, rule_yesno },
	{ "end", false, 64, MFMT, TEXT_LINE, rule_datetime },
	{ "kind", true, 32, MFMT, TEXT_LINE, rule_event_kind },
	{ "languages", false, 100, MFMT, TEXT_LINE, rule_languages },
	{ "place", false, 300, M300, TEXT_LINE, NULL },
	{ "price", false, 100, M100, TEXT_LINE, NULL },
	{ "start", true, 64, MFMT, TEXT_LINE, rule_datetime },
	{ "title", true, 200, M200, TEXT_LINE, NULL },
};

static const struct field_def resource_fields[] = {
	{ "address", false, 300, M300, TEXT_LINE, NULL },
	{ "description", false, 4000, M4000, TEXT_MULTI, NULL },
	{ "editors", false, 1400, MFMT, TEXT_LINE, rule_sites },
	{ "email", false, 254, "254 octets au plus", TEXT_LINE, rule_email },
	{ "hours", false, 500, M500, TEXT_MULTI, NULL },
	{ "kind", true, 32, MFMT, TEXT_LINE, rule_resource_kind },
	{ "languages", false, 100, MFMT, TEXT_LINE, rule_languages },
	{ "name", true, 200, M200, TEXT_LINE, NULL },
	{ "phone", false, 25, "25 octets au plus", TEXT_LINE, rule_phone },
	{ "postcode", false, 8, MFMT, TEXT_LINE, rule_postcode },
	{ "town", false, 100, M100, TEXT_LINE, NULL },
	{ "url", false, 500, M500, TEXT_LINE, rule_url },
};

static const struct field_def site_fields[] = {
	{ "department", false, 8, MFMT, TEXT_LINE, rule_department },
	{ "description", false, 2000, M2000, TEXT_MULTI, NULL },
	{ "endpoints", false, 1400, MFMT, TEXT_LINE, rule_endpoints },
	{ "hours", false, 500, M500, TEXT_MULTI, NULL },
	{ "languages", false, 100, MFMT, TEXT_LINE, rule_languages },
	{ "name", true, 100, M100, TEXT_LINE, NULL },
	{ "town", false, 100, M100, TEXT_LINE, NULL },
};

static const struct field_def reservation_fields[] = {
	{ "event", true, 64, MFMT, TEXT_LINE, rule_hex32 },
	{ "note", false, 200, M200, TEXT_LINE, NULL },
	{ "seats", true, 16, MFMT, TEXT_LINE, rule_seats },
};

struct type_def {
	const char *name;
	const struct field_def *fields;
	size_t nfields;
	const char *editors;
};

#define TABLE(t) t, sizeof(t) / sizeof(t[0])
static const struct type_def types[] = {
	{ "event", TABLE(event_fields), "cohosts" },
	{ "resource", TABLE(resource_fields), "editors" },
	{ "site", TABLE(site_fields), NULL },
	{ "reservation", TABLE(reservation_fields), NULL },
};

static const struct type_def *
type_def(int type)
{
	if (type < GS_TYPE_MIN || type > GS_TYPE_MAX)
		return NULL;
	return &types[type - GS_TYPE_MIN];
}

static const struct field_def *
field_def(const struct type_def *td, const char *name)
{
	for (size_t i = 0; i < td->nfields; i++)
		if (strcmp(td->fields[i].name, name) == 0)
			return &td->fields[i];
	return NULL;
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

/*
 * NULL if the text has no control character (C0, DEL, C1), allowing only
 * newlines in multi-line text; else the rule broken. s is valid UTF-8.
 */
static const char *
check_controls(const char *s, enum text_kind kind)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; p[i]; i++) {
		int bad = p[i] < 0x20 || p[i] == 0x7f;
		/* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			bad = 1;
		if (kind == TEXT_MULTI && p[i] == '\n')
			bad = 0;
		if (bad)
			return kind == TEXT_MULTI ?
			    "ne doit pas contenir de caractère de contrôle "
			    "(seuls les retours à la ligne sont permis)" :
			    "doit tenir sur une ligne, sans caractère de "
			    "contrôle";
	}
	return NULL;
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
	for (int t = GS_TYPE_MIN; t <= GS_TYPE_MAX; t++)
		if (strcmp(s, types[t - GS_TYPE_MIN].name) == 0)
			return t;
	return GS_EINVAL;
}

int
gs_item_check_field(int type, const char *name, const char *value,
    struct gs_verr *err)
{
	const struct type_def *td = type_def(type);
	const struct field_def *fd;
	const char *why;
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
	fd = field_def(td, name);
	if (fd == NULL)
		return fail(err, name, "champ inconnu");
	if (len == 0) {
		if (fd->required)
			return fail(err, name, "est obligatoire et ne peut "
			    "pas être vide");
		return 0;
	}
	if (!gs_utf8_valid(value, len))
		return fail(err, name, "doit être du texte UTF-8 valide");
	if (len > fd->max_len)
		return fail(err, name, fd->max_msg);
	why = check_controls(value, fd->text);
	if (why != NULL)
		return fail(err, name, why);
	if (fd->rule != NULL) {
		why = fd->rule(value);
		if (why != NULL)
			return fail(err, name, why);
	}
	return 0;
}

/* Checks that every required field of td is in f (values checked apart). */
static int
check_required(const struct type_def *td, const struct gs_fields *f,
    struct gs_verr *err)
{
	for (size_t i = 0; i < td->nfields; i++) {
		const char *v;

		if (!td->fields[i].required)
			continue;
		v = gs_fields_get(f, td->fields[i].name);
		if (v == NULL || v[0] == '\0')
			return fail(err, td->fields[i].name,
			    "est obligatoire");
	}
	return 0;
}

int
gs_item_check_delta(int type, const struct gs_fields *delta, bool root,
    struct gs_verr *err)
{
	int ret = GS_EINVAL;
	const struct type_def *td = type_def(type);

	assert(delta);
	if (td == NULL) {
		ret = fail(err, "", "type d'élément inconnu");
		goto out;
	}
	for (size_t i = 0; i < delta->n; i++) {
		ret = gs_item_check_field(type, delta->v[i].name,
		    delta->v[i].value, err);
		if (ret != 0)
			goto out;
	}
	ret = root ? check_required(td, delta, err) : 0;
out:
	return ret;
}

int
gs_item_check_state(int type, const struct gs_fields *state,
    struct gs_verr *err)
{
	int ret = GS_EINVAL;
	const struct type_def *td = type_def(type);
	const char *start, *end;
	struct instant ts, te;

	assert(state);
	if (td == NULL) {
		ret = fail(err, "", "type d'élément inconnu");
		goto out;
	}
	for (size_t i = 0; i < state->n; i++) {
		ret = gs_item_check_field(type, state->v[i].name,
		    state->v[i].value, err);
		if (ret != 0)
			goto out;
	}
	ret = check_required(td, state, err);
	if (ret != 0)
		goto out;
	if (type == GS_TYPE_EVENT) {
		start = gs_fields_get(state, "start");
		end = gs_fields_get(state, "end");
		if (end != NULL && end[0] != '\0' &&
		    parse_datetime(start, &ts) == 0 &&
		    parse_datetime(end, &te) == 0 &&
		    (te.sec < ts.sec || (te.sec == ts.sec &&
		    te.nsec <= ts.nsec))) {
			ret = fail(err, "end",
			    "doit être après le début (start)");
			goto out;
		}
	}
	ret = 0;
out:
	return ret;
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

/* First GS_ITEM_ID_LEN bytes of BLAKE2b-256 over the parts. */
static void
item_hash(const struct gs_iov *parts, size_t n, uint8_t out[GS_ITEM_ID_LEN])
{
	uint8_t h[GS_HASH_LEN];

	gs_hashv(parts, n, h, sizeof(h));
	memcpy(out, h, GS_ITEM_ID_LEN);
}

void
gs_item_id_new(const uint8_t author[32], uint64_t seq,
    uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-item-v1";
	uint8_t be[8];
	struct gs_iov parts[3];

	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(seq >> (56 - 8 * i));
	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ be, sizeof(be) };
	item_hash(parts, 3, out);
}

void
gs_item_id_site(const uint8_t author[32], uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-site-v1";
	struct gs_iov parts[2];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	item_hash(parts, 2, out);
}

void
gs_item_id_reservation(const uint8_t author[32],
    const uint8_t event[GS_ITEM_ID_LEN], uint8_t out[GS_ITEM_ID_LEN])
{
	static const char dom[] = "gemsync-resv-v1";
	struct gs_iov parts[3];

	parts[0] = (struct gs_iov){ dom, sizeof(dom) - 1 };
	parts[1] = (struct gs_iov){ author, 32 };
	parts[2] = (struct gs_iov){ event, GS_ITEM_ID_LEN };
	item_hash(parts, 3, out);
}

void
gs_hex(const uint8_t *bin, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hx[bin[i] >> 4];
		out[2 * i + 1] = hx[bin[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
gs_unhex(const char *hex, uint8_t *bin, size_t len)
{
	if (hex == NULL || strlen(hex) != 2 * len)
		return GS_EINVAL;
	for (size_t i = 0; i < 2 * len; i++)
		if (hexval(hex[i]) < 0)
			return GS_EINVAL;
	for (size_t i = 0; i < len; i++)
		bin[i] = (uint8_t)(hexval(hex[2 * i]) << 4 |
		    hexval(hex[2 * i + 1]));
	return 0;
}

int
gs_time_parse(const char *s, int64_t *ms)
{
	struct instant t;

	if (s == NULL || parse_datetime(s, &t) != 0)
		return GS_EINVAL;
	*ms = (int64_t)t.sec * 1000 + t.nsec / 1000000;
	return 0;
}
