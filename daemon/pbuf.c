/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pbuf.c: the budgeted protobuf-c allocator. Each block carries its size
 * in a small header so that frees give the budget back. And the arena of
 * one unpack (pbuf.h), with a byte budget too.
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

struct gs_pbuf_block {
	struct gs_pbuf_block *next;
	_Alignas(16) unsigned char data[];
};

static void *
arena_alloc(void *data, size_t size)
{
	struct gs_pbuf_arena *a = data;
	struct gs_pbuf_block *blk;
	size_t rounded;

	if (size > a->left || size > SIZE_MAX - 32)
		return NULL;
	rounded = (size + 15) & ~(size_t)15;
	a->left -= size;
	if (rounded <= GS_PBUF_ARENA_INLINE - a->used) {
		void *p = a->buf + a->used;
		a->used += rounded;
		return p;
	}
	if ((blk = malloc(sizeof(*blk) + size)) == NULL)
		return NULL;
	blk->next = a->blocks;
	a->blocks = blk;
	return blk->data;
}

static void
arena_free(void *data, void *ptr)
{
	(void)data;
	(void)ptr;      /* everything goes at gs_pbuf_arena_release() */
}

void
gs_pbuf_arena_init(struct gs_pbuf_arena *a, size_t limit)
{
	a->alloc.alloc = arena_alloc;
	a->alloc.free = arena_free;
	a->alloc.allocator_data = a;
	a->used = 0;
	a->left = limit;
	a->blocks = NULL;
}

void
gs_pbuf_arena_release(struct gs_pbuf_arena *a)
{
	while (a->blocks != NULL) {
		struct gs_pbuf_block *next = a->blocks->next;
		free(a->blocks);
		a->blocks = next;
	}
	a->used = 0;
}
