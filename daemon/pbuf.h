/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * pbuf.h: a protobuf-c allocator with a byte budget. Every unpack of bytes
 * that came from outside (a peer, the CLI, the disk) goes through one, so a
 * message that declares absurd repeated counts or lengths fails to decode
 * instead of exhausting memory.
 */
#ifndef GS_PBUF_H
#define GS_PBUF_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

struct gs_pbuf_budget {
	ProtobufCAllocator alloc;   /* pass &budget.alloc to unpack and free */
	size_t left;                /* bytes that may still be allocated */
};

/* Prepares a budget of limit bytes. The struct must outlive the message. */
void gs_pbuf_budget_init(struct gs_pbuf_budget *b, size_t limit);

/*
 * An arena for one short-lived unpack: allocations are carved from an
 * inline buffer (then from malloc'd blocks when it is full), frees do
 * nothing, and gs_pbuf_arena_release() gives everything back at once.
 * Used where a message is decoded, copied out and dropped (item bodies):
 * one malloc for the whole message instead of one per string. Never pass
 * the message to free_unpacked; release the arena instead.
 */
#define GS_PBUF_ARENA_INLINE 8192

struct gs_pbuf_block;

struct gs_pbuf_arena {
	ProtobufCAllocator alloc;       /* pass &arena.alloc to unpack */
	size_t used;                    /* bytes of buf handed out */
	size_t left;                    /* bytes that may still be allocated */
	struct gs_pbuf_block *blocks;   /* what did not fit in buf */
	_Alignas(16) unsigned char buf[GS_PBUF_ARENA_INLINE];
};

/* Prepares an empty arena that hands out at most limit bytes. */
void gs_pbuf_arena_init(struct gs_pbuf_arena *a, size_t limit);
/* Frees every block (the budget spent stays spent). */
void gs_pbuf_arena_release(struct gs_pbuf_arena *a);

#endif
