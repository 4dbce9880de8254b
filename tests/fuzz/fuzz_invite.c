/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_invite.c: fuzz target for gs_invite_token_parse (invite.h), which
 * reads the invitation lines people paste into gemsync join. The input is
 * parsed as text (a NUL-terminated copy); beyond "no crash", it checks the
 * contract:
 *   - a refusal is one of GS_EINVAL, GS_EVERSION, GS_EINVTRUNC,
 *     GS_EINVTYPO, and leaves the token wiped;
 *   - a token that parses encodes back to a token that parses to the same
 *     fields, and every cut of that text is refused as GS_EINVTRUNC.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "invite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gs_invite_token zero;
	struct gs_invite_token t, u;
	char text[GS_INVITE_TOKEN_MAX], *in;
	size_t len;
	int rc;

	if (size > 4096)
		return 0;
	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	rc = gs_invite_token_parse(in, &t);
	free(in);
	if (rc != 0) {
		if (rc != GS_EINVAL && rc != GS_EVERSION && rc != GS_EINVTRUNC &&
		    rc != GS_EINVTYPO)
			abort();
		if (memcmp(&t, &zero, sizeof(t)) != 0)
			abort();
		return 0;
	}
	if (gs_invite_token_encode(&t, text) != 0)
		abort();
	if (gs_invite_token_parse(text, &u) != 0 ||
	    memcmp(&t, &u, sizeof(t)) != 0)
		abort();
	len = strlen(text);
	for (size_t n = 5; n + 1 < len; n += 7) {
		text[n] = '\0';
		if (gs_invite_token_parse(text, &u) != GS_EINVTRUNC)
			abort();
		gs_invite_token_encode(&t, text);
	}
	return 0;
}
