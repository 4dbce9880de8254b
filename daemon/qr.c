/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * qr.c: QR codes through libqrencode, drawn with half blocks (qr.h).
 */
#include "qr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "err.h"

#define QUIET 4

int
gs_qr_encode(const char *text, struct gs_qr *out)
{
	QRcode *c;
	size_t n;

	memset(out, 0, sizeof(*out));
	errno = 0;
	c = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (c == NULL)
		return errno == ENOMEM ? GS_ENOMEM : GS_ETOOBIG;
	n = (size_t)c->width * (size_t)c->width;
	if ((out->dark = malloc(n)) == NULL) {
		QRcode_free(c);
		return GS_ENOMEM;
	}
	/* libqrencode: bit 0 of each byte is the module's colour */
	for (size_t i = 0; i < n; i++)
		out->dark[i] = c->data[i] & 1;
	out->version = c->version;
	out->width = c->width;
	QRcode_free(c);
	return 0;
}

void
gs_qr_free(struct gs_qr *q)
{
	free(q->dark);
	memset(q, 0, sizeof(*q));
}

/* Whether the module at (x, y) is light, the quiet zone included. */
static int
light(const struct gs_qr *q, int x, int y)
{
	x -= QUIET;
	y -= QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 1;
	return !q->dark[(size_t)y * (size_t)q->width + (size_t)x];
}

char *
gs_qr_draw(const struct gs_qr *q)
{
	static const char *const cell[4] = {
		" ", "\u2584", "\u2580", "\u2588",   /* none, low, high, both */
	};
	int side = q->width + 2 * QUIET;
	size_t cap = (size_t)(side / 2 + 1) * ((size_t)side * 3 + 1) + 1, n = 0;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	for (int y = 0; y < side; y += 2) {
		for (int x = 0; x < side; x++) {
			int k = light(q, x, y) * 2 + light(q, x, y + 1);
			size_t l = strlen(cell[k]);

			memcpy(s + n, cell[k], l);
			n += l;
		}
		s[n++] = '\n';
	}
	s[n] = '\0';
	return s;
}
