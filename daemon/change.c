/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * change.c: building, signing, parsing and verifying changes. The header
 * is a gs.ChangeHeader; it is signed as encoded and never re-encoded after
 * that: a change received from a peer keeps the bytes its author signed.
 */
#include "change.h"

#include <stdlib.h>
#include <string.h>

#include "change.pb-c.h"
#include "crypto.h"
#include "err.h"
#include "item.h"
#include "pbuf.h"
#include "zip.h"

static int
cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/*
 * A body that came packed: unpacked within GS_MAX_BODY, smaller packed
 * than plain (so that a peer cannot make us store padding), then the
 * change verified against the plain bytes and the packed ones kept.
 */
static int
verify_packed(const struct gs_wire_change *w, struct gs_zip *z,
    struct gs_change **out)
{
	uint8_t *body = NULL;
	size_t len = 0;
	int ret = GS_EPROTO;

	*out = NULL;
	if (w->packed_len < 2 || w->packed[0] != GS_ZIP_ZSTD ||
	    w->packed_len > GS_MAX_BODY)
		return GS_EPROTO;
	if (z == NULL)
		return GS_ENOMEM;
	ret = gs_zip_unpack_max(z, w->packed, w->packed_len, GS_MAX_BODY,
	    &body, &len);
	if (ret == GS_ENOMEM)
		return ret;
	if (ret != 0 || body == NULL || w->packed_len >= len) {
		free(body);
		return GS_EPROTO;
	}
	ret = gs_change_verify(w->header, w->header_len, w->sig, w->sig_len,
	    body, len, out);
	free(body);
	if (ret != 0)
		return ret;
	if (((*out)->packed = malloc(w->packed_len)) == NULL) {
		gs_change_destroy(out);
		return GS_ENOMEM;
	}
	memcpy((*out)->packed, w->packed, w->packed_len);
	(*out)->packed_len = w->packed_len;
	return 0;
}

int
gs_change_verify_wire(const struct gs_wire_change *w, struct gs_zip *z,
    struct gs_change **out)
{
	struct gs_change *c = NULL, *p = NULL;
	int ret;

	*out = NULL;
	if (w->body == NULL && w->packed != NULL)
		return verify_packed(w, z, out);
	ret = gs_change_verify(w->header, w->header_len, w->sig, w->sig_len,
	    w->body, w->body_len, &c);
	if (ret != 0 || w->body != NULL || w->proof_header == NULL)
		goto out;
	ret = GS_EPROTO;
	if (w->proof_body == NULL)
		goto out;
	ret = gs_change_verify(w->proof_header, w->proof_header_len,
	    w->proof_sig, w->proof_sig_len, w->proof_body, w->proof_body_len,
	    &p);
	if (ret != 0)
		goto out;
	ret = GS_EPROTO;
	if (memcmp(p->item, c->item, 16) != 0 || p->type != c->type ||
	    !p->deleted)
		goto out;
	c->proof = p;
	p = NULL;
	ret = 0;
out:
	gs_change_destroy(&p);
	if (ret == 0) {
		*out = c;
		c = NULL;
	}
	gs_change_destroy(&c);
	return ret;
}

void
gs_change_destroy(struct gs_change **c)
{
	if (c == NULL || *c == NULL)
		return;
	gs_change_destroy(&(*c)->proof);
	free((*c)->parents);
	free((*c)->header);
	free((*c)->body);
	free((*c)->packed);
	free(*c);
	*c = NULL;
}

int
gs_change_new(const uint8_t *sk, const uint8_t item[16], int type,
    uint64_t seq, uint64_t hlc, const uint8_t (*parents)[32],
    size_t nparents, bool deleted, const uint8_t *body, size_t body_len,
    struct gs_change **out)
{
	Gs__ChangeHeader h = GS__CHANGE_HEADER__INIT;
	ProtobufCBinaryData *pbin = NULL;
	struct gs_change *c = NULL;
	int ret = GS_EINVAL;

	*out = NULL;
	if (nparents > GS_MAX_PARENTS || body_len > GS_MAX_BODY ||
	    type < GS_TYPE_MIN || type > GS_TYPE_MAX || seq == 0)
		goto out;
	ret = GS_ENOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	if (nparents > 0) {
		c->parents = malloc(nparents * 32);
		pbin = calloc(nparents, sizeof(*pbin));
		if (c->parents == NULL || pbin == NULL)
			goto out;
		memcpy(c->parents, parents, nparents * 32);
		qsort(c->parents, nparents, 32, cmp_hash);
		for (size_t i = 1; i < nparents; i++) {
			if (memcmp(c->parents[i - 1], c->parents[i], 32) == 0) {
				ret = GS_EINVAL;
				goto out;
			}
		}
		for (size_t i = 0; i < nparents; i++) {
			pbin[i].data = c->parents[i];
			pbin[i].len = 32;
		}
	}
	c->nparents = nparents;
	memcpy(c->item, item, 16);
	c->type = type;
	gs_sk_to_pk(sk, c->author);
	c->seq = seq;
	c->hlc = hlc;
	c->deleted = deleted;
	gs_hash(body, body_len, c->body_hash, 32);
	if (body_len > 0) {
		if ((c->body = malloc(body_len)) == NULL)
			goto out;
		memcpy(c->body, body, body_len);
	} else if ((c->body = malloc(1)) == NULL) {
		goto out;   /* an empty body is still a body, not an absent one */
	}
	c->body_len = body_len;

	h.version = GS_CHANGE_VERSION;
	h.item.data = c->item;
	h.item.len = 16;
	h.type = (uint32_t)type;
	h.author.data = c->author;
	h.author.len = 32;
	h.seq = seq;
	h.hlc = hlc;
	h.n_parents = nparents;
	h.parents = pbin;
	h.body_hash.data = c->body_hash;
	h.body_hash.len = 32;
	h.deleted = deleted;
	c->header_len = gs__change_header__get_packed_size(&h);
	if ((c->header = malloc(c->header_len)) == NULL)
		goto out;
	gs__change_header__pack(&h, c->header);
	gs_hash(c->header, c->header_len, c->id, 32);
	ret = gs_sign(sk, c->header, c->header_len, c->sig);
	if (ret != 0)
		goto out;
	*out = c;
	c = NULL;
	ret = 0;
out:
	free(pbin);
	gs_change_destroy(&c);
	return ret;
}

/* Copies the decoded header into c after checking every field. */
static int
take_header(const Gs__ChangeHeader *h, struct gs_change *c)
{
	if (h->version != GS_CHANGE_VERSION)
		return GS_EPROTO;
	if (h->item.len != 16 || h->author.len != 32 || h->body_hash.len != 32)
		return GS_EPROTO;
	if (h->type < GS_TYPE_MIN || h->type > GS_TYPE_MAX || h->seq == 0)
		return GS_EPROTO;
	if (h->n_parents > GS_MAX_PARENTS)
		return GS_EPROTO;
	for (size_t i = 0; i < h->n_parents; i++) {
		if (h->parents[i].len != 32)
			return GS_EPROTO;
		if (i > 0 && memcmp(h->parents[i - 1].data, h->parents[i].data,
		    32) >= 0)
			return GS_EPROTO;
	}
	memcpy(c->item, h->item.data, 16);
	c->type = (int)h->type;
	memcpy(c->author, h->author.data, 32);
	c->seq = h->seq;
	c->hlc = h->hlc;
	memcpy(c->body_hash, h->body_hash.data, 32);
	c->deleted = h->deleted;
	c->nparents = h->n_parents;
	if (c->nparents > 0) {
		if ((c->parents = malloc(c->nparents * 32)) == NULL)
			return GS_ENOMEM;
		for (size_t i = 0; i < c->nparents; i++)
			memcpy(c->parents[i], h->parents[i].data, 32);
	}
	return 0;
}

int
gs_change_verify(const uint8_t *header, size_t header_len,
    const uint8_t *sig, size_t sig_len, const uint8_t *body, size_t body_len,
    struct gs_change **out)
{
	Gs__ChangeHeader *h = NULL;
	struct gs_change *c = NULL;
	struct gs_pbuf_budget budget;
	uint8_t hash[32];
	int ret = GS_ETOOBIG;

	*out = NULL;
	if (header_len > GS_MAX_HEADER || (body != NULL && body_len > GS_MAX_BODY))
		goto out;
	ret = GS_EPROTO;
	if (sig_len != GS_SIG_LEN || header_len == 0)
		goto out;
	gs_pbuf_budget_init(&budget, 4 * GS_MAX_HEADER);
	h = gs__change_header__unpack(&budget.alloc, header_len, header);
	if (h == NULL)
		goto out;
	ret = GS_ENOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	ret = take_header(h, c);
	if (ret != 0)
		goto out;
	ret = gs_verify(c->author, header, header_len, sig);
	if (ret != 0)
		goto out;
	if (body != NULL) {
		gs_hash(body, body_len, hash, 32);
		ret = GS_EBADHASH;
		if (memcmp(hash, c->body_hash, 32) != 0)
			goto out;
		ret = GS_ENOMEM;
		if ((c->body = malloc(body_len ? body_len : 1)) == NULL)
			goto out;
		memcpy(c->body, body, body_len);
		c->body_len = body_len;
	}
	ret = GS_ENOMEM;
	if ((c->header = malloc(header_len)) == NULL)
		goto out;
	memcpy(c->header, header, header_len);
	c->header_len = header_len;
	memcpy(c->sig, sig, GS_SIG_LEN);
	gs_hash(header, header_len, c->id, 32);
	*out = c;
	c = NULL;
	ret = 0;
out:
	if (h != NULL)
		gs__change_header__free_unpacked(h, &budget.alloc);
	gs_change_destroy(&c);
	return ret;
}
