/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * grow.h: room for one more element in a growable array. Every array the
 * daemon (and the CLI) appends to doubles its capacity when full; this is
 * that rule written once, with the size overflow checked.
 */
#ifndef GS_GROW_H
#define GS_GROW_H

#include <stddef.h>

/*
 * Makes sure the array at *arrayp (arrayp is the address of a T *, written
 * &s->v) has room for element n: when n == *cap it is reallocated to twice
 * *cap elements of size bytes, or to first elements when *cap is 0; when
 * n < *cap nothing happens. Returns 0, or GS_ENOMEM (also when the new
 * size would overflow) with *arrayp and *cap unchanged: the old array
 * stays valid and the caller's. The caller still owns the array.
 */
int gs_grow(void *arrayp, size_t *cap, size_t n, size_t size, size_t first);

#endif
