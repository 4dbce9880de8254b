/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_schema.c: every field rule of every item type, accepted and
 * refused, the delta and state checks (required fields, unknown fields,
 * "_deleted", an event ending after it starts across offsets), the
 * messages for over-long values, and the type lists the store is given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "fields.h"
#include "schema.h"
#include "store.h"
#include "textfmt.h"
#include "siteid.h"

static void
ok_(int type, const char *name, const char *value, int line)
{
	struct gs_verr err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = gs_item_check_field(type, name, value, &err);
	if (rc != 0)
		print_error("line %d: %s=\"%s\" refused: %s\n", line, name,
		    value, err.rule);
	assert_int_equal(rc, 0);
}

static void
ko_(int type, const char *name, const char *value, int line)
{
	struct gs_verr err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = gs_item_check_field(type, name, value, &err);
	if (rc != GS_EINVAL)
		print_error("line %d: %s=\"%s\" accepted\n", line, name, value);
	assert_int_equal(rc, GS_EINVAL);
	assert_string_equal(err.field, name);
	assert_true(strlen(err.rule) > 0);
}

#define OK(t, n, v) ok_((t), (n), (v), __LINE__)
#define KO(t, n, v) ko_((t), (n), (v), __LINE__)
#define EV GS_TYPE_EVENT
#define RES GS_TYPE_RESOURCE
#define SITE GS_TYPE_SITE
#define RESV GS_TYPE_RESERVATION

/* A string of n copies of c (static buffer, one at a time). */
static const char *
rep(char c, size_t n)
{
	static char buf[9000];

	assert_true(n < sizeof(buf));
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void
site_id(uint8_t seed, char out[GS_SITEID_SIZE])
{
	uint8_t pk[32];

	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)(seed + 7 * i);
	gs_siteid_encode(pk, out);
}

static void
test_types(void **state)
{
	(void)state;
	assert_string_equal(gs_item_type_name(GS_TYPE_EVENT), "event");
	assert_string_equal(gs_item_type_name(GS_TYPE_RESOURCE), "resource");
	assert_string_equal(gs_item_type_name(GS_TYPE_SITE), "site");
	assert_string_equal(gs_item_type_name(GS_TYPE_RESERVATION), "reservation");
	assert_null(gs_item_type_name(0));
	assert_string_equal(gs_item_type_name(GS_TYPE_CONFIRMATION),
	    "confirmation");
	assert_string_equal(gs_item_type_name(GS_TYPE_REVOCATION),
	    "revocation");
	assert_string_equal(gs_item_type_name(GS_TYPE_KEYLINK), "keylink");
	assert_null(gs_item_type_name(GS_TYPE_MAX + 1));
	assert_int_equal(gs_item_type_parse("event"), GS_TYPE_EVENT);
	assert_int_equal(gs_item_type_parse("reservation"), GS_TYPE_RESERVATION);
	assert_int_equal(gs_item_type_parse("Event"), GS_EINVAL);
	assert_int_equal(gs_item_type_parse(""), GS_EINVAL);
	assert_string_equal(gs_item_editors_field(EV), "cohosts");
	assert_string_equal(gs_item_editors_field(RES), "editors");
	assert_null(gs_item_editors_field(SITE));
	assert_null(gs_item_editors_field(RESV));
	KO(9, "title", "x");
}

static void
test_event_text_fields(void **state)
{
	struct gs_verr err;

	(void)state;
	OK(EV, "title", "Atelier écriture");
	OK(EV, "title", rep('a', 200));
	KO(EV, "title", rep('a', 201));
	KO(EV, "title", "");                    /* required: no clearing */
	KO(EV, "title", "Ligne 1\nLigne 2");
	KO(EV, "title", "tab\there");
	KO(EV, "title", "del\x7f");
	KO(EV, "title", "c1 \xc2\x85 control");
	KO(EV, "title", "bad \xc3 utf8");
	/* Lengths are bytes: 100 "é" = 200 bytes fits, 101 does not. */
	{
		char buf[300] = "";
		for (int i = 0; i < 100; i++)
			strcat(buf, "é");
		OK(EV, "title", buf);
		strcat(buf, "é");
		KO(EV, "title", buf);
	}
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_field(EV, "title", rep('a', 201), &err),
	    GS_EINVAL);
	assert_string_equal(err.field, "title");
	assert_non_null(strstr(err.rule, "200 octets au plus"));
	assert_int_equal(gs_item_check_field(EV, "title", rep('a', 201), NULL),
	    GS_EINVAL);

	OK(EV, "description", "");
	OK(EV, "description", "Première ligne\nDeuxième ligne");
	OK(EV, "description", rep('d', 4000));
	KO(EV, "description", rep('d', 4001));
	KO(EV, "description", "tab\tinside");
	KO(EV, "description", "cr\rinside");

	OK(EV, "place", "Maison des associations, salle 2");
	OK(EV, "place", "");
	OK(EV, "place", rep('p', 300));
	KO(EV, "place", rep('p', 301));
	KO(EV, "place", "a\nb");

	OK(EV, "accessibility", "Accès fauteuil, boucle magnétique");
	OK(EV, "accessibility", rep('x', 1000));
	KO(EV, "accessibility", rep('x', 1001));
	OK(EV, "price", "gratuit");
	OK(EV, "price", rep('x', 100));
	KO(EV, "price", rep('x', 101));
	OK(EV, "contact_role", "animatrice");
	OK(EV, "contact_role", rep('x', 100));
	KO(EV, "contact_role", rep('x', 101));
	KO(EV, "contact_role", "ani\x01matrice");
}

static void
test_event_enums(void **state)
{
	static const char *kinds[] = { "workshop", "outing", "physical",
	    "discussion", "convivial", "autonomy", "meeting", "other" };

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		OK(EV, "kind", kinds[i]);
	KO(EV, "kind", "party");
	KO(EV, "kind", "Workshop");
	KO(EV, "kind", "");
	OK(EV, "audience", "members");
	OK(EV, "audience", "families");
	OK(EV, "audience", "public");
	OK(EV, "audience", "");
	KO(EV, "audience", "everyone");
	OK(EV, "easy_read", "yes");
	OK(EV, "easy_read", "no");
	KO(EV, "easy_read", "oui");
	OK(EV, "companion", "yes");
	KO(EV, "companion", "1");
	OK(EV, "cancelled", "no");
	OK(EV, "cancelled", "");
	KO(EV, "cancelled", "YES");
}

static void
test_event_dates(void **state)
{
	(void)state;
	OK(EV, "start", "2026-12-01T14:00:00+01:00");
	OK(EV, "start", "2026-12-01T13:00:00Z");
	OK(EV, "start", "2026-12-01T13:00:00.5Z");
	OK(EV, "start", "2026-12-01T13:00:00.123456789-03:30");
	OK(EV, "start", "2028-02-29T10:00:00+01:00");        /* leap day */
	OK(EV, "start", "2000-02-29T10:00:00Z");              /* 400 rule */
	KO(EV, "start", "2027-02-29T10:00:00+01:00");
	KO(EV, "start", "1900-02-29T10:00:00Z");              /* 100 rule */
	KO(EV, "start", "2026-12-01T14:00:00");               /* no offset */
	KO(EV, "start", "2026-12-01 14:00:00Z");
	KO(EV, "start", "2026-12-01T14:00Z");                 /* no seconds */
	KO(EV, "start", "2026-12-01");
	KO(EV, "start", "2026-13-01T14:00:00Z");
	KO(EV, "start", "2026-04-31T14:00:00Z");
	KO(EV, "start", "2026-12-00T14:00:00Z");
	KO(EV, "start", "2026-12-01T24:00:00Z");
	KO(EV, "start", "2026-12-01T14:60:00Z");
	KO(EV, "start", "2026-12-01T14:00:60Z");
	KO(EV, "start", "2026-12-01T14:00:00.Z");
	KO(EV, "start", "2026-12-01T14:00:00+1:00");
	KO(EV, "start", "2026-12-01T14:00:00+01:60");
	KO(EV, "start", "2026-12-01T14:00:00+0100");
	KO(EV, "start", "2026-12-01T14:00:00Zjunk");
	KO(EV, "start", "");                                  /* required */
	OK(EV, "end", "2026-12-01T16:00:00+01:00");
	OK(EV, "end", "");                                    /* optional */
	KO(EV, "end", "demain");
}

static void
test_event_numbers_lists(void **state)
{
	char a[GS_SITEID_SIZE], b[GS_SITEID_SIZE], typo[GS_SITEID_SIZE];
	char buf[2048];
	uint8_t pk[32];

	(void)state;
	OK(EV, "capacity", "0");
	OK(EV, "capacity", "12");
	OK(EV, "capacity", "100000");
	KO(EV, "capacity", "100001");
	KO(EV, "capacity", "012");
	KO(EV, "capacity", "-1");
	KO(EV, "capacity", "+3");
	KO(EV, "capacity", "1.5");
	KO(EV, "capacity", "douze");
	OK(EV, "capacity", "");

	OK(EV, "languages", "fr");
	OK(EV, "languages", "fr,en,ar,pt-BR");
	OK(EV, "languages", "es-419,ber");
	OK(EV, "languages", "fr,en,ar,de,es,it,pt,ro,tr,ru");   /* 10 */
	KO(EV, "languages", "fr,en,ar,de,es,it,pt,ro,tr,ru,uk");
	KO(EV, "languages", "fr,fr");
	KO(EV, "languages", "fr, en");
	KO(EV, "languages", "FR");
	KO(EV, "languages", "pt-br");
	KO(EV, "languages", "f");
	KO(EV, "languages", "fran");
	KO(EV, "languages", "fr,");
	KO(EV, "languages", "pt-B");

	site_id(1, a);
	site_id(2, b);
	OK(EV, "cohosts", a);
	snprintf(buf, sizeof(buf), "%s,%s", a, b);
	OK(EV, "cohosts", buf);
	snprintf(buf, sizeof(buf), "%s,%s", a, a);
	KO(EV, "cohosts", buf);                              /* duplicate */
	/* A typo: one character changed is caught by the check characters. */
	memcpy(typo, a, sizeof(typo));
	typo[3] = typo[3] == 'Q' ? 'R' : 'Q';
	assert_int_not_equal(gs_siteid_parse(typo, pk), 0);
	KO(EV, "cohosts", typo);
	/* Not the canonical spelling (lowercase) is refused too. */
	memcpy(typo, a, sizeof(typo));
	for (char *p = typo; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	assert_int_equal(gs_siteid_parse(typo, pk), 0);
	KO(EV, "cohosts", typo);
	snprintf(buf, sizeof(buf), "%s, %s", a, b);
	KO(EV, "cohosts", buf);
	KO(EV, "cohosts", "GEM du Rebond");
	/* At most 20 sites. */
	buf[0] = '\0';
	for (int i = 0; i < 20; i++) {
		char s[GS_SITEID_SIZE];
		site_id((uint8_t)(10 + i), s);
		if (i > 0)
			strcat(buf, ",");
		strcat(buf, s);
	}
	OK(EV, "cohosts", buf);
	strcat(buf, ",");
	strcat(buf, a);
	KO(EV, "cohosts", buf);
}

static void
test_unknown_and_deleted(void **state)
{
	struct gs_verr err;

	(void)state;
	KO(EV, "diagnosis", "x");
	KO(EV, "name", "x");            /* a resource field, not an event's */
	KO(RES, "title", "x");
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_field(EV, "member_name", "x", &err),
	    GS_EINVAL);
	assert_string_equal(err.field, "member_name");
	assert_string_equal(err.rule, "champ inconnu");
	for (int t = GS_TYPE_MIN; t <= GS_TYPE_MAX; t++) {
		if (gs_item_type_name(t) == NULL)
			continue;   /* a number assigned ahead of its type */
		OK(t, "_deleted", "0");
		OK(t, "_deleted", "1");
		KO(t, "_deleted", "");
		KO(t, "_deleted", "yes");
		KO(t, "_deleted", "2");
	}
}

static void
test_resource_fields(void **state)
{
	static const char *kinds[] = { "gem", "clubhouse", "recovery-college",
	    "respite", "helpline", "public-service", "association", "other" };
	char a[GS_SITEID_SIZE], bad[GS_SITEID_SIZE];

	(void)state;
	OK(RES, "name", "GEM Le Rebond");
	OK(RES, "name", rep('n', 200));
	KO(RES, "name", rep('n', 201));
	KO(RES, "name", "");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		OK(RES, "kind", kinds[i]);
	KO(RES, "kind", "hospital");
	KO(RES, "kind", "workshop");
	OK(RES, "address", "12 rue de la Paix");
	KO(RES, "address", rep('a', 301));
	OK(RES, "accessibility", "plain-pied, boucle magnétique");
	KO(RES, "accessibility", rep('a', 1001));
	OK(RES, "eligibility", "sans diagnostic, sans orientation");
	KO(RES, "eligibility", rep('e', 501));
	KO(RES, "eligibility", "ligne\nsuivante");
	OK(RES, "status", "active");
	OK(RES, "status", "temporarily_closed");
	OK(RES, "status", "closed");
	OK(RES, "status", "");
	KO(RES, "status", "fermé");          /* stored as the code only */
	KO(RES, "status", "open");
	OK(RES, "postcode", "35000");
	OK(RES, "postcode", "");
	KO(RES, "postcode", "3500");
	KO(RES, "postcode", "350000");
	KO(RES, "postcode", "35 00");
	KO(RES, "postcode", "2A000");
	OK(RES, "town", "Saint-Étienne");
	KO(RES, "town", rep('t', 101));
	OK(RES, "phone", "02 99 00 00 00");
	OK(RES, "phone", "+33 (0)2.99.00-00-00");
	KO(RES, "phone", "3114");                   /* under 6 digits */
	OK(RES, "phone", "123456");
	KO(RES, "phone", "12345");                  /* under 6 characters */
	KO(RES, "phone", "+(.) -12345");            /* under 6 digits */
	KO(RES, "phone", "02 99 00 00 00 poste 12");
	KO(RES, "phone", "02 99 00 00 00 00 00 00 00"); /* 26 chars */
	OK(RES, "email", "contact@gem-rebond.fr");
	KO(RES, "email", "contact");
	KO(RES, "email", "@gem.fr");
	KO(RES, "email", "contact@localhost");
	KO(RES, "email", "con tact@gem.fr");
	KO(RES, "email", "a@b@gem.fr");
	KO(RES, "email", "a@gem.fr.");
	{
		char e[9100];
		snprintf(e, sizeof(e), "%s@gem.fr", rep('a', 247)); /* 254 */
		OK(RES, "email", e);
		snprintf(e, sizeof(e), "%s@gem.fr", rep('a', 248));
		KO(RES, "email", e);
	}
	OK(RES, "url", "https://www.psycom.org/");
	OK(RES, "url", "http://gem.example.fr");
	KO(RES, "url", "ftp://gem.example.fr");
	KO(RES, "url", "https://");
	KO(RES, "url", "https:///path");
	KO(RES, "url", "www.gem.fr");
	KO(RES, "url", "https://gem.fr/a b");
	{
		char u[9100];
		snprintf(u, sizeof(u), "https://g.fr/%s", rep('p', 487)); /* 500 */
		OK(RES, "url", u);
		snprintf(u, sizeof(u), "https://g.fr/%s", rep('p', 488));
		KO(RES, "url", u);
	}
	OK(RES, "hours", "Lundi 14h-18h\nJeudi 10h-17h");
	KO(RES, "hours", rep('h', 501));
	OK(RES, "languages", "fr,en");
	KO(RES, "languages", "français");
	OK(RES, "description", rep('d', 4000));
	KO(RES, "description", rep('d', 4001));
	site_id(3, a);
	OK(RES, "editors", a);
	memcpy(bad, a, sizeof(bad));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	KO(RES, "editors", bad);
	KO(RES, "cohosts", a);
}

static void
test_site_fields(void **state)
{
	(void)state;
	OK(SITE, "name", "GEM L'Envol");
	OK(SITE, "name", rep('n', 100));
	KO(SITE, "name", rep('n', 101));
	KO(SITE, "name", "");
	OK(SITE, "town", "Quimper");
	KO(SITE, "town", rep('t', 101));
	OK(SITE, "department", "01");
	OK(SITE, "department", "29");
	OK(SITE, "department", "95");
	OK(SITE, "department", "2A");
	OK(SITE, "department", "2B");
	OK(SITE, "department", "971");
	OK(SITE, "department", "976");
	KO(SITE, "department", "00");
	KO(SITE, "department", "20");
	KO(SITE, "department", "96");
	KO(SITE, "department", "1");
	KO(SITE, "department", "970");
	KO(SITE, "department", "977");
	KO(SITE, "department", "2a");
	OK(SITE, "endpoints", "tcp://gem.example.fr:7440");
	OK(SITE, "endpoints", "tcp://192.0.2.1:7440,tcp://[2001:db8::1]:1");
	OK(SITE, "endpoints", "tcp://a:1,tcp://b:2,tcp://c:3,tcp://d:4,tcp://e:65535");
	KO(SITE, "endpoints", "tcp://a:1,tcp://b:2,tcp://c:3,tcp://d:4,tcp://e:5,tcp://f:6");
	KO(SITE, "endpoints", "tcp://gem.example.fr:0");
	KO(SITE, "endpoints", "tcp://gem.example.fr:65536");
	KO(SITE, "endpoints", "tcp://gem.example.fr");
	KO(SITE, "endpoints", "tcp://:7440");
	KO(SITE, "endpoints", "udp://gem.example.fr:7440");
	KO(SITE, "endpoints", "tcp://gem example:7440");
	KO(SITE, "endpoints", "tcp://*:7440");
	OK(SITE, "languages", "fr,br");
	KO(SITE, "languages", "fr;br");
	OK(SITE, "hours", "Mardi après-midi");
	KO(SITE, "hours", rep('h', 501));
	OK(SITE, "description", rep('d', 2000));
	KO(SITE, "description", rep('d', 2001));
	KO(SITE, "title", "x");
}

/* A key link's signature: 128 lowercase hexadecimal digits, no more. */
static void
test_keylink_sig(void **state)
{
	(void)state;
	OK(GS_TYPE_KEYLINK, "sig", rep('a', 128));
	OK(GS_TYPE_KEYLINK, "sig", rep('7', 128));
	KO(GS_TYPE_KEYLINK, "sig", rep('A', 128));
	KO(GS_TYPE_KEYLINK, "sig", rep('a', 127));
	KO(GS_TYPE_KEYLINK, "sig", rep('g', 128));
	KO(GS_TYPE_KEYLINK, "sig", "");
}

static void
test_reservation_fields(void **state)
{
	(void)state;
	OK(RESV, "event", "0123456789abcdef0123456789abcdef");
	KO(RESV, "event", "0123456789ABCDEF0123456789ABCDEF");
	KO(RESV, "event", "0123456789abcdef0123456789abcde");
	KO(RESV, "event", "0123456789abcdef0123456789abcdefa");
	KO(RESV, "event", "0123456789abcdef0123456789abcdeg");
	KO(RESV, "event", "");
	OK(RESV, "seats", "0");
	OK(RESV, "seats", "2");
	OK(RESV, "seats", "10000");
	KO(RESV, "seats", "10001");
	KO(RESV, "seats", "02");
	KO(RESV, "seats", "");
	OK(RESV, "date", "2026-12-22");
	OK(RESV, "date", "2028-02-29");
	OK(RESV, "date", "");
	KO(RESV, "date", "2026-02-29");
	KO(RESV, "date", "2026-13-01");
	KO(RESV, "date", "22/12/2026");
	KO(RESV, "date", "2026-12-22T14:00:00Z");
	KO(RESV, "date", "2026-1-022");
	OK(RESV, "force", "yes");
	OK(RESV, "force", "no");
	KO(RESV, "force", "oui");
	OK(RESV, "waiting", "yes");
	KO(RESV, "waiting", "1");
	OK(RESV, "note", "Arrivée en fauteuil");
	OK(RESV, "note", rep('n', 200));
	KO(RESV, "note", rep('n', 201));
	KO(RESV, "note", "a\nb");
}

static void
event_root(struct gs_fields *f)
{
	gs_fields_init(f);
	assert_int_equal(gs_fields_set(f, "title", "Marche douce au parc"), 0);
	assert_int_equal(gs_fields_set(f, "kind", "physical"), 0);
	assert_int_equal(gs_fields_set(f, "start", "2026-12-01T14:00:00+01:00"), 0);
}

static void
test_delta(void **state)
{
	struct gs_fields f;
	struct gs_verr err;

	(void)state;
	event_root(&f);
	assert_int_equal(gs_item_check_delta(EV, &f, true, &err), 0);
	/* Root missing a required field. */
	gs_fields_del(&f, "kind");
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_delta(EV, &f, true, &err), GS_EINVAL);
	assert_string_equal(err.field, "kind");
	/* ... fine for a later delta. */
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), 0);
	/* Clearing an optional field in a delta is fine, a required one not. */
	gs_fields_clear(&f);
	assert_int_equal(gs_fields_set(&f, "place", ""), 0);
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), 0);
	assert_int_equal(gs_fields_set(&f, "title", ""), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), GS_EINVAL);
	assert_string_equal(err.field, "title");
	/* Unknown field. */
	gs_fields_clear(&f);
	assert_int_equal(gs_fields_set(&f, "health", "x"), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), GS_EINVAL);
	assert_string_equal(err.field, "health");
	assert_string_equal(err.rule, "champ inconnu");
	/* Deletion deltas. */
	gs_fields_clear(&f);
	assert_int_equal(gs_fields_set(&f, "_deleted", "1"), 0);
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), 0);
	assert_int_equal(gs_fields_set(&f, "_deleted", "0"), 0);
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), 0);
	assert_int_equal(gs_fields_set(&f, "_deleted", "true"), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_delta(EV, &f, false, &err), GS_EINVAL);
	assert_string_equal(err.field, "_deleted");
	/* Each type's required fields. */
	gs_fields_clear(&f);
	assert_int_equal(gs_fields_set(&f, "name", "Clubhouse Paris"), 0);
	assert_int_equal(gs_item_check_delta(RES, &f, true, &err), GS_EINVAL);
	assert_string_equal(err.field, "kind");
	assert_int_equal(gs_fields_set(&f, "kind", "clubhouse"), 0);
	assert_int_equal(gs_item_check_delta(RES, &f, true, &err), 0);
	assert_int_equal(gs_item_check_delta(SITE, &f, true, &err), GS_EINVAL);
	gs_fields_del(&f, "kind");
	assert_int_equal(gs_item_check_delta(SITE, &f, true, &err), 0);
	gs_fields_clear(&f);
	assert_int_equal(gs_fields_set(&f, "event", "0123456789abcdef0123456789abcdef"), 0);
	assert_int_equal(gs_item_check_delta(RESV, &f, true, &err), GS_EINVAL);
	assert_string_equal(err.field, "seats");
	assert_int_equal(gs_fields_set(&f, "seats", "3"), 0);
	assert_int_equal(gs_item_check_delta(RESV, &f, true, &err), 0);
	gs_fields_clear(&f);
}

static void
test_state_end_after_start(void **state)
{
	struct gs_fields f;
	struct gs_verr err;

	(void)state;
	event_root(&f);
	assert_int_equal(gs_item_check_state(EV, &f, &err), 0);
	/* 14:00+01:00 is 13:00Z, so 13:30Z is after it. */
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-01T13:30:00Z"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), 0);
	/* 12:30Z is before; 13:00Z is the same instant: refused. */
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-01T12:30:00Z"), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_state(EV, &f, &err), GS_EINVAL);
	assert_string_equal(err.field, "end");
	assert_non_null(strstr(err.rule, "après le début"));
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-01T13:00:00Z"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), GS_EINVAL);
	/* Fractions count; negative offsets and day changes too. */
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-01T13:00:00.001Z"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), 0);
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-01T08:30:00-04:00"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), GS_EINVAL);
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-01T08:30:00-05:00"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), 0);
	assert_int_equal(gs_fields_set(&f, "end", "2026-12-02T00:30:00+11:00"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), 0);
	/* Leap day end. */
	assert_int_equal(gs_fields_set(&f, "end", "2028-02-29T10:00:00+01:00"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), 0);
	/* A state missing a required field, or holding an unknown one. */
	gs_fields_del(&f, "title");
	memset(&err, 0, sizeof(err));
	assert_int_equal(gs_item_check_state(EV, &f, &err), GS_EINVAL);
	assert_string_equal(err.field, "title");
	assert_int_equal(gs_fields_set(&f, "title", "Atelier"), 0);
	assert_int_equal(gs_fields_set(&f, "mood", "x"), 0);
	assert_int_equal(gs_item_check_state(EV, &f, &err), GS_EINVAL);
	assert_string_equal(err.field, "mood");
	gs_fields_clear(&f);
}

static void
test_list_has_site(void **state)
{
	char a[GS_SITEID_SIZE], b[GS_SITEID_SIZE], buf[256];
	uint8_t pka[32], pkc[32];

	(void)state;
	site_id(1, a);
	site_id(2, b);
	for (int i = 0; i < 32; i++) {
		pka[i] = (uint8_t)(1 + 7 * i);
		pkc[i] = (uint8_t)(5 + 7 * i);
	}
	snprintf(buf, sizeof(buf), "%s,%s", b, a);
	assert_int_equal(gs_item_list_has_site(buf, pka), 1);
	assert_int_equal(gs_item_list_has_site(b, pka), 0);
	assert_int_equal(gs_item_list_has_site(buf, pkc), 0);
	assert_int_equal(gs_item_list_has_site(NULL, pka), 0);
	assert_int_equal(gs_item_list_has_site("", pka), 0);
	assert_int_equal(gs_item_list_has_site("junk,,", pka), 0);
}

/* An over-long value is told the limit in bytes, unless a rule bounds it. */
static void
test_too_long(void **state)
{
	struct gs_verr err;

	(void)state;
	assert_int_equal(gs_item_check_field(RES, "phone", rep('1', 26), &err),
	    GS_EINVAL);
	assert_string_equal(err.rule, "25 octets au plus");
	assert_int_equal(gs_item_check_field(RES, "email", rep('a', 255),
	    &err), GS_EINVAL);
	assert_string_equal(err.rule, "254 octets au plus");
	assert_int_equal(gs_item_check_field(EV, "description",
	    rep('a', 4001), &err), GS_EINVAL);
	assert_string_equal(err.rule, "4000 octets au plus");
	assert_int_equal(gs_item_check_field(EV, "kind", rep('a', 33), &err),
	    GS_EINVAL);
	assert_string_equal(err.rule, "valeur trop longue pour ce champ");
}

/* An enumeration takes whole values only, and names them when refused. */
static void
test_one_of(void **state)
{
	struct gs_verr err;

	(void)state;
	OK(EV, "kind", "workshop");
	OK(EV, "kind", "other");
	KO(EV, "kind", "work");
	KO(EV, "kind", "workshop,");
	KO(EV, "kind", "workshop, outing");
	KO(RES, "kind", "workshop");
	OK(RES, "kind", "recovery-college");
	assert_int_equal(gs_item_check_field(EV, "audience", "tous", &err),
	    GS_EINVAL);
	assert_string_equal(err.rule, "doit être l'un de : adhérents, "
	    "adhérents et familles, tout public");
	assert_int_equal(gs_item_check_field(RES, "kind", "x", &err),
	    GS_EINVAL);
	assert_string_equal(err.rule, "doit être l'un de : GEM, clubhouse, "
	    "recovery college, lieu de répit, ligne d'écoute, service public, "
	    "association, autre");
	assert_int_equal(gs_item_check_field(EV, "easy_read", "sûr",
	    &err), GS_EINVAL);
	assert_string_equal(err.rule, "doit être l'un de : oui, non");
}

/* The store is given every type, and events and resources as owned. */
static void
test_store_types(void **state)
{
	struct gs_store_types t;

	(void)state;
	gs_schema_store_types(&t);
	for (int ty = GS_TYPE_MIN, i = 0; ty <= GS_TYPE_MAX; ty++) {
		if (gs_item_type_name(ty) == NULL)
			continue;   /* a number assigned ahead of its type */
		assert_true(i < (int)t.nstored);
		assert_int_equal(t.stored[i++], ty);
		if (ty == GS_TYPE_MAX)
			assert_int_equal(i, (int)t.nstored);
	}
	assert_int_equal(t.nowned, 2);
	assert_int_equal(t.owned[0], GS_TYPE_EVENT);
	assert_int_equal(t.owned[1], GS_TYPE_RESOURCE);
}

/* A reservation names its event by the hex of the event's ID. */
/* A confirmation names its resource by the hex of the resource's ID. */
static void
test_confirmation_fields(void **state)
{
	char hex[2 * GS_ITEM_ID_LEN + 1];

	(void)state;
	memset(hex, 'a', sizeof(hex) - 1);
	hex[sizeof(hex) - 1] = '\0';
	OK(GS_TYPE_CONFIRMATION, "resource", hex);
	KO(GS_TYPE_CONFIRMATION, "resource", "");
	KO(GS_TYPE_CONFIRMATION, "resource", "abc");
	KO(GS_TYPE_CONFIRMATION, "date", "2026-11-12");   /* no such field */
	assert_string_equal(gs_item_type_name(GS_TYPE_CONFIRMATION),
	    "confirmation");
	assert_null(gs_item_editors_field(GS_TYPE_CONFIRMATION));
}

static void
test_reservation_event_hex(void **state)
{
	static const uint8_t id[GS_ITEM_ID_LEN] = { 0x00, 0xab, 0xff, 0x10 };
	char hex[2 * GS_ITEM_ID_LEN + 1];

	(void)state;
	gs_hex(id, sizeof(id), hex);
	OK(RESV, "event", hex);
	hex[0] = 'A';
	KO(RESV, "event", hex);
}

/* The values the CLI shows are those the rules accept, and only those. */
static void
test_schema_values(void **state)
{
	static const struct { int type; const char *field; } enums[] = {
		{ GS_TYPE_EVENT, "kind" }, { GS_TYPE_EVENT, "audience" },
		{ GS_TYPE_EVENT, "easy_read" }, { GS_TYPE_EVENT, "companion" },
		{ GS_TYPE_EVENT, "cancelled" }, { GS_TYPE_RESOURCE, "kind" },
		{ GS_TYPE_RESOURCE, "status" },
	};
	const struct gs_enum_value *v;
	char list[200];

	(void)state;
	assert_null(gs_schema_enum(GS_TYPE_EVENT, "title"));
	assert_null(gs_schema_enum(GS_TYPE_EVENT, "nope"));
	assert_null(gs_schema_enum(99, "kind"));
	assert_null(gs_schema_enum(GS_TYPE_EVENT, NULL));
	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		v = gs_schema_enum(enums[i].type, enums[i].field);
		assert_non_null(v);
		/* every code passes the rule and maps back from its word */
		for (; v->code != NULL; v++) {
			const char *code = NULL;
			assert_non_null(v->fr);
			assert_int_equal(gs_item_check_field(enums[i].type,
			    enums[i].field, v->code, NULL), 0);
			assert_string_equal(gs_schema_value_fr(enums[i].type,
			    enums[i].field, v->code), v->fr);
			assert_int_equal(gs_schema_normalize(enums[i].type,
			    enums[i].field, v->fr, &code), 0);
			assert_string_equal(code, v->code);
		}
	}
	assert_int_equal(gs_schema_values_fr(GS_TYPE_EVENT, "audience", list,
	    sizeof(list)), strlen("adhérents, adhérents et familles, "
	    "tout public"));
	assert_string_equal(list, "adhérents, adhérents et familles, "
	    "tout public");
	assert_int_equal(gs_schema_values_fr(GS_TYPE_EVENT, "title", list,
	    sizeof(list)), 0);
	assert_string_equal(list, "");
	/* cut, but terminated */
	gs_schema_values_fr(GS_TYPE_EVENT, "kind", list, 10);
	assert_string_equal(list, "atelier, ");
	assert_null(gs_schema_value_fr(GS_TYPE_EVENT, "kind", "atelier"));
	assert_null(gs_schema_value_fr(GS_TYPE_EVENT, "title", "x"));
	assert_int_not_equal(gs_item_check_field(GS_TYPE_EVENT, "kind",
	    "atelire", NULL), 0);
}

/* French words and codes, any case, any accents, become the code. */
static void
test_normalize(void **state)
{
	static const struct {
		int type;
		const char *field, *in, *code;
	} ok[] = {
		{ GS_TYPE_EVENT, "kind", "atelier", "workshop" },
		{ GS_TYPE_EVENT, "kind", "workshop", "workshop" },
		{ GS_TYPE_EVENT, "kind", "WORKSHOP", "workshop" },
		{ GS_TYPE_EVENT, "kind", "Activite physique", "physical" },
		{ GS_TYPE_EVENT, "kind", "ACTIVITÉ  PHYSIQUE ", "physical" },
		{ GS_TYPE_EVENT, "kind", "Réunion", "meeting" },
		{ GS_TYPE_EVENT, "kind", "convivialite", "convivial" },
		{ GS_TYPE_EVENT, "kind", "moment convivial", "convivial" },
		{ GS_TYPE_EVENT, "kind", "autonomie", "autonomy" },
		{ GS_TYPE_EVENT, "kind", "groupe de parole", "discussion" },
		{ GS_TYPE_EVENT, "audience", "ADHÉRENTS", "members" },
		{ GS_TYPE_EVENT, "audience", "adherents", "members" },
		{ GS_TYPE_EVENT, "audience", "familles", "families" },
		{ GS_TYPE_EVENT, "audience", "Tout public", "public" },
		{ GS_TYPE_EVENT, "easy_read", "Oui", "yes" },
		{ GS_TYPE_EVENT, "companion", "NON", "no" },
		{ GS_TYPE_EVENT, "cancelled", "yes", "yes" },
		{ GS_TYPE_RESOURCE, "kind", "lieu de repit", "respite" },
		{ GS_TYPE_RESOURCE, "kind", "Ligne d’écoute", "helpline" },
		{ GS_TYPE_RESOURCE, "kind", "gem", "gem" },
		{ GS_TYPE_RESOURCE, "kind", "Recovery-College", "recovery-college" },
		{ GS_TYPE_RESOURCE, "kind", "collège de rétablissement",
		  "recovery-college" },
		{ GS_TYPE_RESOURCE, "status", "Fermé temporairement",
		  "temporarily_closed" },
		{ GS_TYPE_RESOURCE, "status", "ferme", "closed" },
		{ GS_TYPE_RESOURCE, "status", "actif", "active" },
		{ GS_TYPE_RESOURCE, "status", "Active", "active" },
	};
	static const struct {
		int type;
		const char *field, *in;
	} ko[] = {
		{ GS_TYPE_EVENT, "kind", "atelire" },
		{ GS_TYPE_EVENT, "kind", "atelier," },
		{ GS_TYPE_EVENT, "kind", "respite" },      /* another type's */
		{ GS_TYPE_EVENT, "audience", "tous" },
		{ GS_TYPE_EVENT, "easy_read", "o" },
		{ GS_TYPE_EVENT, "easy_read", "1" },
		{ GS_TYPE_RESOURCE, "kind", "atelier" },
		{ GS_TYPE_RESOURCE, "status", "ouvert" },
	};
	const char *code;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		code = NULL;
		assert_int_equal(gs_schema_normalize(ok[i].type, ok[i].field,
		    ok[i].in, &code), 0);
		assert_string_equal(code, ok[i].code);
	}
	for (size_t i = 0; i < sizeof(ko) / sizeof(ko[0]); i++) {
		code = NULL;
		assert_int_equal(gs_schema_normalize(ko[i].type, ko[i].field,
		    ko[i].in, &code), GS_EINVAL);
		assert_ptr_equal(code, ko[i].in);
	}
	/* free fields and empty values are left as typed */
	assert_int_equal(gs_schema_normalize(GS_TYPE_EVENT, "title", "Atelier",
	    &code), 0);
	assert_string_equal(code, "Atelier");
	assert_int_equal(gs_schema_normalize(GS_TYPE_EVENT, "kind", "", &code),
	    0);
	assert_string_equal(code, "");
}

/*
 * What a site announces as its endpoint (gossip.c, a stranger's hello) is
 * dialled and printed in the peer add command site pending suggests: only
 * tcp://HOST:PORT gets through, never shell or control characters.
 */
static void
test_endpoint_ok(void **state)
{
	(void)state;
	assert_true(gs_schema_endpoint_ok("tcp://gem.example.org:7400"));
	assert_true(gs_schema_endpoint_ok("tcp://192.0.2.7:7400"));
	assert_true(gs_schema_endpoint_ok("tcp://[2001:db8::1]:7400"));
	assert_false(gs_schema_endpoint_ok(NULL));
	assert_false(gs_schema_endpoint_ok(""));
	assert_false(gs_schema_endpoint_ok("udp://gem.example.org:7400"));
	assert_false(gs_schema_endpoint_ok("tcp://gem.example.org"));
	assert_false(gs_schema_endpoint_ok("tcp://gem.example.org:0"));
	assert_false(gs_schema_endpoint_ok("tcp://gem.example.org:99999"));
	assert_false(gs_schema_endpoint_ok("tcp://x:1;touch$IFS/tmp/p"));
	assert_false(gs_schema_endpoint_ok("tcp://$(reboot):7400"));
	assert_false(gs_schema_endpoint_ok("tcp://x`id`:7400"));
	assert_false(gs_schema_endpoint_ok("tcp://gem\x1b[2J:7400"));
	assert_false(gs_schema_endpoint_ok("tcp://gem :7400"));
}

/* Text that looks like something else, in every free-text field a peer
 * or the admin fills: refused like a control character. Blank-only
 * titles and names show nothing: refused too. */
static void
test_text_that_lies(void **state)
{
	static const char *const bad[] = {
		"GEM \xe2\x80\xaeLOBNER MEG",   /* U+202E RLO */
		"a\xe2\x80\xaa" "b", "a\xe2\x80\xab" "b", "a\xe2\x80\xac" "b",
		"a\xe2\x80\xad" "b",
		"a\xe2\x81\xa6" "b", "a\xe2\x81\xa7" "b", "a\xe2\x81\xa8" "b",
		"a\xe2\x81\xa9" "b",           /* isolates */
		"a\xe2\x80\xa8" "b", "a\xe2\x80\xa9" "b", /* U+2028/2029 */
		"a\xe2\x80\x8b" "b", "a\xe2\x80\x8c" "b", "a\xe2\x80\x8d" "b",
		"a\xe2\x80\x8e" "b", "a\xe2\x80\x8f" "b", /* zero-width */
		"\xef\xbb\xbf" "ab",            /* BOM */
		"Z\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85\xcc\x86", /* marks */
		"a\x1b[31mb",
	};
	static const struct { int type; const char *field; } where[] = {
		{ EV, "title" }, { EV, "place" }, { EV, "description" },
		{ EV, "title@2030-06-02" },
		{ RES, "name" }, { RES, "town" }, { RES, "hours" },
		{ SITE, "name" }, { SITE, "description" },
		{ RESV, "note" },
	};

	(void)state;
	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			KO(where[w].type, where[w].field, bad[i]);
	KO(EV, "title", "   ");
	KO(RES, "name", " \xc2\xa0 ");
	KO(SITE, "name", "  ");
	OK(EV, "title", " Atelier ");
	OK(EV, "place", " ");          /* not a title nor a name */
	OK(EV, "title", "Cafe\xcc\x81 \xe8\xaa\xad\xe6\x9b\xb8");
	OK(EV, "description", "deux\nlignes");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_event_text_fields),
		cmocka_unit_test(test_event_enums),
		cmocka_unit_test(test_event_dates),
		cmocka_unit_test(test_event_numbers_lists),
		cmocka_unit_test(test_unknown_and_deleted),
		cmocka_unit_test(test_resource_fields),
		cmocka_unit_test(test_site_fields),
		cmocka_unit_test(test_keylink_sig),
		cmocka_unit_test(test_reservation_fields),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_state_end_after_start),
		cmocka_unit_test(test_list_has_site),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_one_of),
		cmocka_unit_test(test_store_types),
		cmocka_unit_test(test_reservation_event_hex),
		cmocka_unit_test(test_confirmation_fields),
		cmocka_unit_test(test_schema_values),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_text_that_lies),
		cmocka_unit_test(test_endpoint_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
