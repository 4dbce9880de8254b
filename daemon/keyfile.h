/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyfile.h: small secret files on disk (the site key, the storage key).
 * A key file is created exclusively with mode 0600 and made durable before
 * anyone relies on it; it is loaded only when it is a regular file that
 * group and others cannot touch, and never read past the caller's bound.
 * The module knows nothing of the bytes: their format is the caller's.
 */
#ifndef GS_KEYFILE_H
#define GS_KEYFILE_H

#include <stddef.h>

/*
 * Creates path with mode 0600 (O_EXCL: an existing file is never
 * overwritten, even in a race), writes the len bytes of data, fsyncs the
 * file and then its directory (a directory that cannot be synced is only
 * logged). Returns 0, GS_EEXISTS if path exists (nothing is written, not
 * logged), GS_EIO (logged; a partial file is unlinked), GS_ENOMEM. data
 * stays the caller's; nothing of it is kept or logged.
 */
int gs_keyfile_create(const char *path, const void *data, size_t len);
/*
 * Reads the whole of path into buf, which holds cap bytes (secure memory
 * when the content is secret), and sets *len to the count read. Returns 0,
 * GS_ENOTFOUND if path does not exist (not logged), GS_EPERM if group or
 * others have any permission on it, GS_ECORRUPT if it is not a regular
 * file or holds more than cap bytes, GS_EIO. On any error *len is 0 and
 * buf is wiped. Errors other than GS_ENOTFOUND are logged with the path.
 * A short or empty file is not an error here: the caller checks *len.
 */
int gs_keyfile_read(const char *path, void *buf, size_t cap, size_t *len);

#endif
