/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pbuf.c: the budgeted protobuf-c allocator. Each block carries its size
 * in a small header so that frees give the budget back.
 */
#include "pbuf.h"

#include <stdint.h>
#include <stdlib.h>

#define HDR 16   /* keeps the returned memory max-aligned */

static void *
budget_alloc(void *data, size_t size)
{
	struct gs_pbuf_budget *b = data;
	unsigned char *p;

	if (size > b->left || size > SIZE_MAX - HDR)
		return NULL;
	if ((p = malloc(size + HDR)) == NULL)
		return NULL;
	*(size_t *)p = size;
	b->left -= size;
	return p + HDR;
}

static void
budget_free(void *data, void *ptr)
{
	struct gs_pbuf_budget *b = data;
	unsigned char *p;

	if (ptr == NULL)
		return;
	p = (unsigned char *)ptr - HDR;
	b->left += *(size_t *)p;
	free(p);
}

void
gs_pbuf_budget_init(struct gs_pbuf_budget *b, size_t limit)
{
	b->alloc.alloc = budget_alloc;
	b->alloc.free = budget_free;
	b->alloc.allocator_data = b;
	b->left = limit;
}
