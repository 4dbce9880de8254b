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

#endif
