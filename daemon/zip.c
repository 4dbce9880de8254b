/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * zip.c: zstd compression of bodies and states before they are sealed
 * (see zip.h). Level 1: on bodies of a few hundred bytes it gives the
 * ratio of level 3 (385 bytes against 390 for 573 bytes of French text)
 * for a little less CPU (62,000 instructions a call against 68,000,
 * mostly the entropy tables of one small block). No dictionary: one trained on sample
 * text would become part of the storage format for good, and the gain
 * measured on generated text overstates what real text would give.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "err.h"
#include "zip.h"

#define ZIP_LEVEL 1

struct gs_zip {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
};

struct gs_zip *
gs_zip_new(void)
{
	struct gs_zip *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return NULL;
	z->c = ZSTD_createCCtx();
	z->d = ZSTD_createDCtx();
	if (z->c == NULL || z->d == NULL ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->c, ZSTD_c_compressionLevel,
	    ZIP_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->c, ZSTD_c_checksumFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->c, ZSTD_c_contentSizeFlag,
	    1))) {
		gs_zip_free(z);
		return NULL;
	}
	return z;
}

void
gs_zip_free(struct gs_zip *z)
{
	if (z == NULL)
		return;
	ZSTD_freeCCtx(z->c);
	ZSTD_freeDCtx(z->d);
	free(z);
}

int
gs_zip_pack(struct gs_zip *z, const uint8_t *in, size_t len, uint8_t **out,
    size_t *outlen)
{
	size_t cap, n;
	uint8_t *buf;

	*out = NULL;
	*outlen = 0;
	if (len < 2 || len > GS_ZIP_MAX)
		return 0;               /* nothing to gain, or not ours to bound */
	cap = 1 + ZSTD_compressBound(len);
	buf = malloc(cap);
	if (buf == NULL)
		return GS_ENOMEM;
	buf[0] = GS_ZIP_ZSTD;
	n = ZSTD_compress2(z->c, buf + 1, cap - 1, in, len);
	if (ZSTD_isError(n) || 1 + n >= len) {
		free(buf);              /* stored as is */
		return 0;
	}
	*out = buf;
	*outlen = 1 + n;
	return 0;
}

int
gs_zip_unpack(struct gs_zip *z, const uint8_t *in, size_t len, uint8_t **out,
    size_t *outlen)
{
	return gs_zip_unpack_max(z, in, len, GS_ZIP_MAX, out, outlen);
}

int
gs_zip_unpack_max(struct gs_zip *z, const uint8_t *in, size_t len, size_t max,
    uint8_t **out, size_t *outlen)
{
	unsigned long long size;
	uint8_t *buf;
	size_t n;

	*out = NULL;
	*outlen = 0;
	if (len == 0 || in[0] != GS_ZIP_ZSTD)
		return 0;               /* the message itself */
	size = ZSTD_getFrameContentSize(in + 1, len - 1);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
	    size > max || size > GS_ZIP_MAX)
		return GS_ECORRUPT;
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf == NULL)
		return GS_ENOMEM;
	n = ZSTD_decompressDCtx(z->d, buf, (size_t)size, in + 1, len - 1);
	if (ZSTD_isError(n) || n != size) {
		free(buf);
		return GS_ECORRUPT;
	}
	*out = buf;
	*outlen = n;
	return 0;
}
