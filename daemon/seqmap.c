/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* seqmap.c: sorted key -> sequence map and key binary search (seqmap.h). */
#include "seqmap.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grow.h"

size_t
gs_key_search(const void *base, size_t n, size_t stride,
    const uint8_t key[32], int *found)
{
	return gs_key_search_len(base, n, stride, key, 32, found);
}

size_t
gs_key_search_len(const void *base, size_t n, size_t stride,
    const uint8_t *key, size_t keylen, int *found)
{
	const uint8_t *b = base;
	size_t lo = 0, hi = n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(b + mid * stride, key, keylen);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t
gs_seqmap_get(const struct gs_seqmap *m, const uint8_t pk[32])
{
	int found;
	size_t i = gs_key_search(m->v, m->n, sizeof(*m->v), pk, &found);

	return found ? m->v[i].seq : 0;
}

int
gs_seqmap_raise(struct gs_seqmap *m, const uint8_t pk[32], uint64_t seq)
{
	int found;
	size_t i = gs_key_search(m->v, m->n, sizeof(*m->v), pk, &found);

	if (found) {
		if (seq > m->v[i].seq)
			m->v[i].seq = seq;
		return 0;
	}
	if (gs_grow(&m->v, &m->cap, m->n, sizeof(*m->v), 16) != 0)
		return GS_ENOMEM;
	memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(*m->v));
	memcpy(m->v[i].pk, pk, 32);
	m->v[i].seq = seq;
	m->n++;
	return 0;
}

int
gs_seqmap_copy(struct gs_seqmap *dst, const struct gs_seqmap *src)
{
	struct gs_seqent *nv;

	if (src->n > dst->cap) {
		nv = realloc(dst->v, src->n * sizeof(*nv));
		if (nv == NULL)
			return GS_ENOMEM;
		dst->v = nv;
		dst->cap = src->n;
	}
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

void
gs_seqmap_clear(struct gs_seqmap *m)
{
	m->n = 0;
}

void
gs_seqmap_free(struct gs_seqmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
