/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * control.h: the control socket the gemsync CLI talks to (docs/control.md).
 * One table maps command names to handlers; each request is decoded with a
 * bounded allocator, checked for its protocol version, answered OK or with
 * a status and a French message naming the field and the rule.
 */
#ifndef GS_CONTROL_H
#define GS_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "version.h"      /* GS_CONTROL_VERSION */

struct gs_control;

/*
 * Binds the control endpoint of d->cfg. Returns 0 and *out, GS_EBUSY if
 * another daemon answers there, GS_EIO.
 */
int gs_control_start(struct gs_daemon *d, struct gs_control **out);
/* Closes the endpoint; sets *c to NULL. Accepts NULL. */
void gs_control_stop(struct gs_control **c);

/*
 * Handles one encoded request and returns the encoded response (malloc'd,
 * owned by the caller) in *out. Exposed for tests and fuzzing.
 */
int gs_control_handle(struct gs_daemon *d, const uint8_t *req, size_t len,
    uint8_t **out, size_t *outlen);

#endif
