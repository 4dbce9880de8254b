/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * hlc.h: hybrid logical clock. A timestamp is 64 bits: the upper 48 are
 * milliseconds since the Unix epoch, the lower 16 a logical counter. Local
 * timestamps are strictly increasing, never behind wall-clock time and never
 * behind any remote timestamp observed. Remote timestamps more than
 * max_drift_ms ahead of local time are refused, so one wrong clock cannot
 * drag the network's clocks forward.
 */
#ifndef GS_HLC_H
#define GS_HLC_H

#include <stdint.h>

struct gs_hlc {
	uint64_t last;          /* last timestamp issued or observed */
	uint64_t max_drift_ms;  /* how far ahead a remote clock may be */
};

#define GS_HLC_MS(t) ((t) >> 16)
#define GS_HLC_MAKE(ms, c) (((uint64_t)(ms) << 16) | ((c) & 0xffff))

/*
 * Milliseconds of wall-clock time since the Unix epoch, shifted by the
 * test hook below (0 unless a test set it).
 */
uint64_t gs_wall_ms(void);
/*
 * Test hook: shifts what gs_wall_ms() returns by ms, so that an
 * integration test can run a site whose clock is wrong (a day ahead)
 * without touching the machine's clock. main() calls it once at start
 * from the GEMSYNC_TEST_CLOCK_OFFSET environment variable (seconds,
 * signed), before any thread starts; nothing else may. It is the one
 * process-wide setting besides the log level, and it only moves this
 * daemon's idea of "now" (change stamps, the clock in Hello, the drift
 * check), never the log's timestamps or the machine's clock.
 */
void gs_wall_set_test_offset(int64_t ms);
/* Initialises a clock. */
void gs_hlc_init(struct gs_hlc *c, uint64_t max_drift_ms);
/* Issues a new timestamp, given the wall clock now_ms. */
uint64_t gs_hlc_tick(struct gs_hlc *c, uint64_t now_ms);
/* gs_hlc_tick with the real wall clock. */
uint64_t gs_hlc_now(struct gs_hlc *c);
/*
 * Takes a remote timestamp into account, given the wall clock now_ms.
 * Returns 0, or GS_ECLOCK (clock untouched) if the remote physical time is
 * more than max_drift_ms ahead of now_ms.
 */
int gs_hlc_observe(struct gs_hlc *c, uint64_t remote, uint64_t now_ms);
/* Formats a timestamp as RFC 3339 UTC with milliseconds, into out[32]. */
void gs_hlc_format(uint64_t t, char out[32]);

#endif
