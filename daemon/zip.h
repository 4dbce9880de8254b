/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * zip.h: compression of what is sealed at rest (item bodies and states),
 * with zstd; the only module that includes zstd.h.
 *
 * The packed form of a protobuf message is either the message itself,
 * when compressing does not make it shorter, or the byte GS_ZIP_ZSTD
 * (0x01) followed by one zstd frame that records its content size. A
 * protobuf message never starts with 0x01 (that would be field number 0),
 * so the two forms cannot be confused, and what was stored before
 * compression existed reads back as is. Packing happens before sealing:
 * the sealed plaintext is the packed form.
 */
#ifndef GS_ZIP_H
#define GS_ZIP_H

#include <stddef.h>
#include <stdint.h>

#define GS_ZIP_ZSTD 0x01
/* Largest content a packed form may declare (a bound on memory). */
#define GS_ZIP_MAX (16u * 1024 * 1024)

/* Compression and decompression contexts, reused call after call. */
struct gs_zip;

/* Returns NULL when out of memory. */
struct gs_zip *gs_zip_new(void);
/* Frees; accepts NULL. */
void gs_zip_free(struct gs_zip *z);

/*
 * The packed form of in (len bytes, a protobuf message). *out is
 * malloc'd, owned by the caller: either a compressed copy, or NULL when
 * the message is to be stored as is (*outlen then 0). Returns 0,
 * GS_ENOMEM.
 */
int gs_zip_pack(struct gs_zip *z, const uint8_t *in, size_t len,
    uint8_t **out, size_t *outlen);
/*
 * The message of a packed form. When in is compressed, *out is a
 * malloc'd copy of the content (owned by the caller, at least one byte
 * allocated); otherwise *out is NULL and in is the message. Returns 0,
 * GS_ECORRUPT (not a valid frame, or larger than GS_ZIP_MAX), GS_ENOMEM.
 */
int gs_zip_unpack(struct gs_zip *z, const uint8_t *in, size_t len,
    uint8_t **out, size_t *outlen);

/*
 * gs_zip_unpack() of what a peer sent: a frame whose content is larger
 * than max is GS_ECORRUPT before anything is allocated.
 */
int gs_zip_unpack_max(struct gs_zip *z, const uint8_t *in, size_t len,
    size_t max, uint8_t **out, size_t *outlen);

#endif
