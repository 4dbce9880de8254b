/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * qr.h: a line of text as a QR code (libqrencode, medium error
 * correction, 8-bit mode), drawn in a terminal with Unicode half blocks:
 * each character cell holds two rows of modules, so the code keeps its
 * proportions. Dark modules are drawn as the terminal's background and
 * light ones as blocks, with the 4-module quiet zone the standard asks
 * for, which reads on a dark terminal; --json scripts never see it. The
 * only file that includes qrencode.h.
 */
#ifndef GS_QR_H
#define GS_QR_H

#include <stddef.h>
#include <stdint.h>

/* A QR symbol: width x width modules, 1 = dark. */
struct gs_qr {
	int version;                /* 1..40 */
	int width;                  /* 17 + 4 * version */
	uint8_t *dark;              /* owned: width * width bytes */
};

/* Encodes text. Returns 0, GS_ETOOBIG (too long for a QR code) or GS_ENOMEM. */
int gs_qr_encode(const char *text, struct gs_qr *out);
void gs_qr_free(struct gs_qr *q);
/*
 * Draws q as UTF-8 lines (half blocks, quiet zone included) into a
 * malloc'd string the caller frees, or NULL when memory runs out.
 */
char *gs_qr_draw(const struct gs_qr *q);

#endif
