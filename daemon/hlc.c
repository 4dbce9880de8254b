/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hlc.c: the hybrid logical clock that stamps every change. Because a
 * timestamp packs milliseconds above a 16-bit counter, "the next
 * timestamp in the same millisecond" is simply last + 1, and a counter
 * overflow carries into the millisecond field on its own. The wall clock
 * is passed in by the caller so that tests can run the clock backwards.
 */
#include "hlc.h"

#include <stdio.h>
#include <time.h>

#include "err.h"

/* Largest millisecond value that fits in the upper 48 bits. */
#define HLC_MS_MAX ((UINT64_C(1) << 48) - 1)

/*
 * The test hook's shift (hlc.h, gs_wall_set_test_offset): set once by
 * main() before any thread starts, read only afterwards.
 */
static int64_t test_offset_ms;

void
gs_wall_set_test_offset(int64_t ms)
{
	test_offset_ms = ms;
}

uint64_t
gs_wall_ms(void)
{
	struct timespec ts;
	int64_t ms;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + test_offset_ms;
	return ms > 0 ? (uint64_t)ms : 0;
}

void
gs_hlc_init(struct gs_hlc *c, uint64_t max_drift_ms)
{
	c->last = 0;
	c->max_drift_ms = max_drift_ms;
}

uint64_t
gs_hlc_tick(struct gs_hlc *c, uint64_t now_ms)
{
	uint64_t wall;

	if (now_ms > HLC_MS_MAX)
		now_ms = HLC_MS_MAX;
	wall = GS_HLC_MAKE(now_ms, 0);
	/* A wall clock that went backwards cannot pull us back. */
	if (wall > c->last)
		c->last = wall;
	else
		c->last++;
	return c->last;
}

uint64_t
gs_hlc_now(struct gs_hlc *c)
{
	return gs_hlc_tick(c, gs_wall_ms());
}

int
gs_hlc_observe(struct gs_hlc *c, uint64_t remote, uint64_t now_ms)
{
	int ret = GS_ECLOCK;
	uint64_t rms = GS_HLC_MS(remote);

	/* Written as a difference so that now_ms + drift cannot overflow. */
	if (rms > now_ms && rms - now_ms > c->max_drift_ms)
		goto out;
	/* The next tick will then be strictly after the remote timestamp. */
	if (remote > c->last)
		c->last = remote;
	ret = 0;
out:
	return ret;
}

/* Writes v as exactly n decimal digits, zero-padded. */
static void
digits(char *out, int n, unsigned v)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
gs_hlc_format(uint64_t t, char out[32])
{
	uint64_t ms = GS_HLC_MS(t);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	/* 48 bits of milliseconds end in year 10889: at most 25 bytes. */
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(out, 32, "invalid");
		return;
	}
	if (tm.tm_year + 1900 > 9999) {
		n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000));
		return;
	}
	/* the common case by hand: lists format three times per item */
	digits(out, 4, (unsigned)tm.tm_year + 1900);
	out[4] = '-';
	digits(out + 5, 2, (unsigned)tm.tm_mon + 1);
	out[7] = '-';
	digits(out + 8, 2, (unsigned)tm.tm_mday);
	out[10] = 'T';
	digits(out + 11, 2, (unsigned)tm.tm_hour);
	out[13] = ':';
	digits(out + 14, 2, (unsigned)tm.tm_min);
	out[16] = ':';
	digits(out + 17, 2, (unsigned)tm.tm_sec);
	out[19] = '.';
	digits(out + 20, 3, (unsigned)(ms % 1000));
	out[23] = 'Z';
	out[24] = '\0';
}
