/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* grow.c: the doubling rule for growable arrays (grow.h). */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int
gs_grow(void *arrayp, size_t *cap, size_t n, size_t size, size_t first)
{
	int ret = 0;
	size_t ncap;
	void *v;
	void *nv;

	if (n < *cap)
		goto out;
	ret = GS_ENOMEM;
	ncap = *cap ? *cap * 2 : first;
	if (ncap < *cap || (size > 0 && ncap > SIZE_MAX / size))
		goto out;
	/* memcpy: arrayp points at a T *, which we may not read as void *. */
	memcpy(&v, arrayp, sizeof(v));
	nv = realloc(v, ncap * size);
	if (nv == NULL)
		goto out;
	memcpy(arrayp, &nv, sizeof(nv));
	*cap = ncap;
	ret = 0;
out:
	return ret;
}
