/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * summary.c: digests and comparisons of Scuttlebutt summaries (see
 * summary.h). Pure functions of their arguments, unit-tested on their own
 * (tests/unit/test_summary.c).
 */
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"

#define ENTRY_BYTES 40          /* author (32) || seq (8, big-endian) */

int
gs_summary_digest(const struct gs_seqmap *m, uint8_t out[32])
{
	uint8_t *buf = malloc(m->n ? m->n * ENTRY_BYTES : 1), *e;

	if (buf == NULL)
		return GS_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		e = buf + i * ENTRY_BYTES;
		memcpy(e, m->v[i].pk, 32);
		for (int k = 0; k < 8; k++)
			e[32 + k] = (uint8_t)(m->v[i].seq >> (56 - 8 * k));
	}
	gs_hash(buf, m->n * ENTRY_BYTES, out, 32);
	free(buf);
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	return memcmp(((const struct gs_seqent *)a)->pk,
	    ((const struct gs_seqent *)b)->pk, 32);
}

void
gs_summary_normalize(struct gs_seqmap *m)
{
	size_t k = 0;

	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), cmp_entry);
	for (size_t i = 0; i < m->n; i++) {
		if (k > 0 && memcmp(m->v[k - 1].pk, m->v[i].pk, 32) == 0) {
			if (m->v[i].seq > m->v[k - 1].seq)
				m->v[k - 1].seq = m->v[i].seq;
			continue;
		}
		m->v[k++] = m->v[i];
	}
	m->n = k;
}

int
gs_summary_ahead(const struct gs_seqmap *a, const struct gs_seqmap *b,
    gs_summary_ahead_cb cb, void *arg)
{
	size_t j = 0;
	uint64_t in_b;
	int c, rc;

	for (size_t i = 0; i < a->n; i++) {
		c = 1;
		while (j < b->n && (c = memcmp(b->v[j].pk, a->v[i].pk, 32)) < 0)
			j++;
		in_b = j < b->n && c == 0 ? b->v[j].seq : 0;
		if (a->v[i].seq <= in_b)
			continue;
		rc = cb(a->v[i].pk, a->v[i].seq, in_b, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}
