/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * state.c: an item's merged state: freeing it, finding a conflict in it,
 * and packing and unpacking it with protobuf-c. Unpacking goes through a
 * byte budget, since the bytes come from the disk.
 */
#include "state.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fields.h"
#include "pbuf.h"
#include "state.pb-c.h"

/* A state is at most a few item bodies and their conflict candidates. */
#define STATE_BUDGET (4u * 1024 * 1024)

static ProtobufCBinaryData
bin(const uint8_t *p, size_t len)
{
	ProtobufCBinaryData b = { len, (uint8_t *)p };
	return b;
}

struct packed {
	Gs__ItemState m;
	ProtobufCBinaryData *heads;
	Gs__StateConflict *conf;
	Gs__StateConflict **confp;
	Gs__StateCandidate *cand;
	Gs__StateCandidate **candp;
	uint8_t *fields;
};

static void
packed_free(struct packed *p)
{
	free(p->heads);
	free(p->conf);
	free(p->confp);
	free(p->cand);
	free(p->candp);
	free(p->fields);
}

static int
pack_conflicts(const struct gs_state *st, struct packed *p)
{
	size_t ncand = 0, k = 0;

	for (size_t i = 0; i < st->nconflicts; i++)
		ncand += st->conflicts[i].ncand;
	p->conf = calloc(st->nconflicts + 1, sizeof(*p->conf));
	p->confp = calloc(st->nconflicts + 1, sizeof(*p->confp));
	p->cand = calloc(ncand + 1, sizeof(*p->cand));
	p->candp = calloc(ncand + 1, sizeof(*p->candp));
	if (!p->conf || !p->confp || !p->cand || !p->candp)
		return GS_ENOMEM;
	for (size_t i = 0; i < st->nconflicts; i++) {
		const struct gs_conflict *c = &st->conflicts[i];
		Gs__StateConflict *pc = &p->conf[i];

		gs__state_conflict__init(pc);
		pc->field = c->field;
		pc->n_cand = c->ncand;
		pc->cand = &p->candp[k];
		for (size_t j = 0; j < c->ncand; j++, k++) {
			gs__state_candidate__init(&p->cand[k]);
			p->cand[k].value = c->cand[j].value;
			p->cand[k].change = bin(c->cand[j].change, 32);
			p->cand[k].author = bin(c->cand[j].author, 32);
			p->cand[k].hlc = c->cand[j].hlc;
			p->candp[k] = &p->cand[k];
		}
		p->confp[i] = pc;
	}
	p->m.n_conflicts = st->nconflicts;
	p->m.conflicts = p->confp;
	return 0;
}

int
gs_state_encode(const struct gs_state *st, uint8_t **out, size_t *len)
{
	struct packed p;
	size_t flen = 0;
	int ret;

	*out = NULL;
	*len = 0;
	memset(&p, 0, sizeof(p));
	gs__item_state__init(&p.m);
	ret = gs_fields_encode(&st->fields, &p.fields, &flen);
	if (ret != 0)
		goto out;
	ret = GS_ENOMEM;
	if ((p.heads = calloc(st->nheads + 1, sizeof(*p.heads))) == NULL)
		goto out;
	for (size_t i = 0; i < st->nheads; i++)
		p.heads[i] = bin(st->heads[i], 32);
	p.m.owner = bin(st->owner, 32);
	p.m.root = bin(st->root, 32);
	p.m.fields = bin(p.fields, flen);
	p.m.deleted = st->deleted;
	p.m.n_heads = st->nheads;
	p.m.heads = p.heads;
	p.m.created_hlc = st->created_hlc;
	p.m.updated_hlc = st->updated_hlc;
	p.m.nchanges = st->nchanges;
	ret = pack_conflicts(st, &p);
	if (ret != 0)
		goto out;
	ret = GS_ENOMEM;
	*len = gs__item_state__get_packed_size(&p.m);
	if ((*out = malloc(*len ? *len : 1)) == NULL)
		goto out;
	gs__item_state__pack(&p.m, *out);
	ret = 0;
out:
	packed_free(&p);
	return ret;
}

static int
unpack_conflict(const Gs__StateConflict *pc, struct gs_conflict *c)
{
	if (pc->field == NULL || pc->n_cand < 2)
		return GS_EPROTO;
	if ((c->field = strdup(pc->field)) == NULL ||
	    (c->cand = calloc(pc->n_cand, sizeof(*c->cand))) == NULL)
		return GS_ENOMEM;
	for (size_t j = 0; j < pc->n_cand; j++) {
		const Gs__StateCandidate *k = pc->cand[j];
		struct gs_candidate *d = &c->cand[j];

		if (k->change.len != 32 || k->author.len != 32 ||
		    k->value == NULL)
			return GS_EPROTO;
		if ((d->value = strdup(k->value)) == NULL)
			return GS_ENOMEM;
		memcpy(d->change, k->change.data, 32);
		memcpy(d->author, k->author.data, 32);
		d->hlc = k->hlc;
		c->ncand++;
	}
	return 0;
}

static int
unpack_state(const Gs__ItemState *m, struct gs_state *out)
{
	int ret;

	if (m->owner.len != 32 || m->root.len != 32 || m->n_heads == 0)
		return GS_EPROTO;
	memcpy(out->owner, m->owner.data, 32);
	memcpy(out->root, m->root.data, 32);
	ret = gs_fields_decode_own(m->fields.data, m->fields.len,
	    &out->fields);
	if (ret != 0)
		return ret;
	out->deleted = m->deleted;
	if ((out->heads = calloc(m->n_heads, 32)) == NULL)
		return GS_ENOMEM;
	for (size_t i = 0; i < m->n_heads; i++) {
		if (m->heads[i].len != 32)
			return GS_EPROTO;
		memcpy(out->heads[i], m->heads[i].data, 32);
		out->nheads++;
	}
	if (m->n_conflicts > 0 && (out->conflicts = calloc(m->n_conflicts,
	    sizeof(*out->conflicts))) == NULL)
		return GS_ENOMEM;
	for (size_t i = 0; i < m->n_conflicts; i++) {
		ret = unpack_conflict(m->conflicts[i], &out->conflicts[i]);
		out->nconflicts++;
		if (ret != 0)
			return ret;
	}
	out->created_hlc = m->created_hlc;
	out->updated_hlc = m->updated_hlc;
	out->nchanges = (size_t)m->nchanges;
	return 0;
}

int
gs_state_decode(const uint8_t *buf, size_t len, struct gs_state *out)
{
	struct gs_pbuf_budget b;
	Gs__ItemState *m;
	int ret;

	gs_state_clear(out);
	gs_pbuf_budget_init(&b, STATE_BUDGET);
	m = gs__item_state__unpack(&b.alloc, len, buf);
	if (m == NULL)
		return GS_EPROTO;
	ret = unpack_state(m, out);
	gs__item_state__free_unpacked(m, &b.alloc);
	if (ret != 0)
		gs_state_clear(out);
	return ret;
}

void
gs_conflict_clear(struct gs_conflict *c)
{
	for (size_t i = 0; i < c->ncand; i++)
		free(c->cand[i].value);
	free(c->cand);
	free(c->field);
	memset(c, 0, sizeof(*c));
}

void
gs_state_clear(struct gs_state *s)
{
	if (s == NULL)
		return;
	gs_fields_clear(&s->fields);
	free(s->heads);
	for (size_t i = 0; i < s->nconflicts; i++)
		gs_conflict_clear(&s->conflicts[i]);
	free(s->conflicts);
	memset(s, 0, sizeof(*s));
}

const struct gs_conflict *
gs_state_conflict(const struct gs_state *s, const char *field)
{
	size_t lo = 0, hi;

	assert(s && field);
	hi = s->nconflicts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->conflicts[mid].field, field);
		if (c == 0)
			return &s->conflicts[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
