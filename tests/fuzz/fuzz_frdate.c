/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_frdate.c: fuzz target for gs_frdate_parse (frdate.h), which reads
 * the dates a facilitator types (--start, --end, --from, --to). The input
 * is split as
 *
 *   u8 flags (GS_FRDATE_*, low 4 bits) | u8 zone (an index into zones[])
 *   | u32 LE seconds after 2020-01-01 ("now") | the text (the rest)
 *
 * so the fuzzer reaches each flag, zones with odd offsets and daylight
 * saving rules (and names that are not zones), and any "now" up to 2156.
 * Beyond "no crash", it checks the contract: the return is 0 or one of
 * the GS_FRDATE_* codes, a refusal explains itself in why, and a date
 * read from French text comes out as RFC 3339 whose offset is the zone's
 * offset at that instant and which lies within the range check unless
 * the flags lift it. RFC 3339 input must come back byte for byte.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frdate.h"
#include "textfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE_2020 1577836800ll
#define DAY 86400

static const char *const zones[] = {
	"Europe/Paris", "UTC", "America/Cayenne", "Indian/Reunion",
	"Pacific/Noumea", "America/New_York", "Australia/Lord_Howe",
	"Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns",
	"Pacific/Kiritimati", "America/Miquelon",
	/* not zones: refused as GS_FRDATE_ZONE, never followed as paths */
	"", "Nowhere/City", "../../../etc/passwd", "/etc/localtime",
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

/* The offset "+hh:mm" / "-hh:mm" / "Z" at the end of an RFC 3339 text. */
static int
tail_offset(const char *s, int32_t *off)
{
	size_t n = strlen(s);
	const char *t;

	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z')) {
		*off = 0;
		return 0;
	}
	if (n < 6)
		return -1;
	t = s + n - 6;
	if ((t[0] != '+' && t[0] != '-') || t[3] != ':')
		return -1;
	*off = ((t[1] - '0') * 10 + (t[2] - '0')) * 3600 +
	    ((t[4] - '0') * 10 + (t[5] - '0')) * 60;
	if (t[0] == '-')
		*off = -*off;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_instant inst;
	char out[40], why[400], *text;
	const char *tz;
	int64_t now, ms, t;
	int32_t off, want;
	int flags, rc;
	bool rfc;

	if (size < 6 || size > 4096)
		return 0;
	flags = data[0] & 15;
	tz = zones[data[1] % NZONES];
	now = BASE_2020 + (int64_t)((uint32_t)data[2] |
	    (uint32_t)data[3] << 8 | (uint32_t)data[4] << 16 |
	    (uint32_t)data[5] << 24);
	data += 6;
	size -= 6;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	rfc = gs_instant_parse(text, &inst) == 0;

	memset(out, 0, sizeof(out));
	memset(why, 0x55, sizeof(why));
	rc = gs_frdate_parse(text, tz, now, flags, out, sizeof(out), why,
	    sizeof(why));
	if (rc != 0) {
		if (rc != GS_FRDATE_BAD && rc != GS_FRDATE_PAST &&
		    rc != GS_FRDATE_FAR && rc != GS_FRDATE_ZONE)
			abort();
		if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
			abort();
		if (rfc)
			abort();             /* RFC 3339 is taken as it is */
		goto out;
	}
	if (rfc) {
		if (strlen(text) < sizeof(out) && strcmp(out, text) != 0)
			abort();
		goto out;
	}
	/* French text: RFC 3339 out, with the zone's offset then */
	if (gs_time_parse(out, &ms) != 0 || tail_offset(out, &off) != 0)
		abort();
	t = ms / 1000 - (ms % 1000 < 0);
	if (gs_frdate_offset(tz, t, &want) != 0 || want / 60 != off / 60)
		abort();
	if (!(flags & GS_FRDATE_NO_RANGE)) {
		if (t < now - DAY && !(flags & GS_FRDATE_ALLOW_PAST))
			abort();
		if (t > now + 731ll * DAY && !(flags & GS_FRDATE_ALLOW_FAR))
			abort();
	}
out:
	free(text);
	return 0;
}
