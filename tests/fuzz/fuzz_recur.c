/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_recur.c: fuzz target for the recurrence rules of recur.h: the
 * checker every "rrule" field goes through (gs_recur_check, from a peer's
 * change as from the CLI), gs_recur_bounded, gs_recur_describe (the rule
 * in French, for listings) and the French shorthand the CLI reads
 * (gs_recur_shorthand, « un mardi sur deux »). The input is split as
 *
 *   u8 mode (bits 0-2: zone; bit 3: expand the series) | u8 start
 *   | the text (the rest): a rule, and the shorthand
 *
 * Beyond "no crash", it checks the contract:
 *   - a shorthand that is read gives a rule the checker accepts, that
 *     does not end, and that describes back into French;
 *   - a rule that describes is, up to its end (", 10 fois"), French the
 *     shorthand reads, and the rule read describes as the same text;
 *   - a rule the checker accepts makes a series that expands (over a
 *     month: bit 3) into occurrences in order, inside the window, each
 *     named by a valid local date.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fields.h"
#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[8] = {
	"Europe/Paris", "UTC", "America/Cayenne", "Indian/Reunion",
	"Australia/Lord_Howe", "Pacific/Chatham", "Nowhere/City", "",
};

static const char *const starts[][2] = {
	{ "2026-01-06T14:00:00+01:00", "2026-01-06T16:00:00+01:00" },
	{ "2026-03-29T02:30:00+01:00", "" },       /* the spring change */
	{ "2026-10-25T02:30:00+02:00", "2026-10-25T02:45:00+01:00" },
	{ "2024-02-29T09:00:00Z", "2024-03-01T09:00:00Z" },
	{ "2026-01-31T23:59:59-03:00", "2026-02-01T00:30:00-03:00" },
	{ "1970-01-01T00:00:00Z", NULL },
	{ "2099-12-31T18:00:00+01:00", "2100-01-01T01:00:00+01:00" },
	{ "2026-06-15T10:00:00+02:00", "2026-06-14T10:00:00+02:00" },
};

struct order {
	int64_t from_ms, to_ms, last_ms;
	char last_date[GS_RECUR_DATE_LEN + 1];
	int n;
};

static int
on_occurrence(const struct gs_occurrence *o, void *arg)
{
	struct order *x = arg;

	if (o->start_ms < x->from_ms || o->start_ms > x->to_ms)
		abort();
	if (x->n > 0 && (o->start_ms < x->last_ms ||
	    strcmp(o->date, x->last_date) <= 0))
		abort();
	if (!gs_recur_date_valid(o->date, NULL, NULL, NULL))
		abort();
	if (strlen(o->start) == 0 || strlen(o->start) >= sizeof(o->start))
		abort();
	x->last_ms = o->start_ms;
	memcpy(x->last_date, o->date, sizeof(x->last_date));
	x->n++;
	return 0;
}

static void
check_describe(const char *rule, const char *tz)
{
	char fr[200], prefix[200], again[GS_RECUR_RULE_MAX + 1], fr2[200];
	size_t n;

	if (gs_recur_describe(rule, tz, fr, sizeof(fr)) != 0)
		return;
	n = strlen(fr);
	if (n == 0 || n >= sizeof(fr) || !gs_utf8_valid(fr, n))
		abort();
	n = strcspn(fr, ",");
	memcpy(prefix, fr, n);
	prefix[n] = '\0';
	if (gs_recur_shorthand(prefix, again, sizeof(again)) != 0)
		abort();
	if (gs_recur_describe(again, tz, fr2, sizeof(fr2)) != 0 ||
	    strcmp(fr2, prefix) != 0)
		abort();
}

static void
check_shorthand(const char *text, const char *tz)
{
	char rule[GS_RECUR_RULE_MAX + 1], fr[200];

	if (gs_recur_shorthand(text, rule, sizeof(rule)) != 0)
		return;
	if (gs_recur_check(rule) != NULL || gs_recur_bounded(rule) != 0)
		abort();
	if (gs_recur_describe(rule, tz, fr, sizeof(fr)) != 0)
		abort();
}

static void
check_series(const char *rule, const char *tz, const char *start,
    const char *end)
{
	struct gs_series *s = NULL;
	struct order x;
	const char *why = NULL;
	int rc;

	rc = gs_series_new(rule, tz, start, end, &s, &why);
	if (rc != 0) {
		if (s != NULL || (rc == GS_EINVAL && why == NULL))
			abort();
		return;
	}
	if (why != NULL || s == NULL)
		abort();
	memset(&x, 0, sizeof(x));
	x.from_ms = 1767225600000ll;              /* 2026-01-01 */
	x.to_ms = x.from_ms + 31ll * 86400000;
	if (gs_series_expand(s, x.from_ms, x.to_ms, on_occurrence, &x) != 0)
		abort();
	gs_series_destroy(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tz, *why, *start, *end;
	char *text;
	int mode, bounded;

	if (size < 2 || size > 4096)
		return 0;
	mode = data[0];
	tz = zones[mode & 7];
	start = starts[data[1] % 8][0];
	end = starts[data[1] % 8][1];
	data += 2;
	size -= 2;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';

	why = gs_recur_check(text);
	if (why != NULL && why[0] == '\0')
		abort();
	bounded = gs_recur_bounded(text);
	if (bounded != 0 && bounded != 1)
		abort();
	check_describe(text, tz);
	check_shorthand(text, tz);
	if (why == NULL && (mode & 8))
		check_series(text, tz, start, end);
	free(text);
	return 0;
}
