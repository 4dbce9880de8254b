/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica_write.c: local changes: writes from the CLI, conflict
 * resolutions and the site's own profile. Each builds and signs one
 * change, which then goes through the same gate as a received one
 * (replica_apply.c).
 */
#include "replica_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* ---- local writes ---- */

/* The delta applied to the item's current fields, checked as a whole. */
static int
check_result(int type, const struct gs_state *cur,
    const struct gs_fields *delta, struct gs_verr *verr)
{
	struct gs_fields merged;
	int ret;

	gs_fields_init(&merged);
	ret = cur ? gs_fields_copy(&merged, &cur->fields) : 0;
	for (size_t i = 0; ret == 0 && i < delta->n; i++) {
		if (strcmp(delta->v[i].name, GS_FIELD_DELETED) == 0)
			continue;
		if (delta->v[i].value[0] == '\0')
			gs_fields_del(&merged, delta->v[i].name);
		else
			ret = gs_fields_set(&merged, delta->v[i].name,
			    delta->v[i].value);
	}
	if (ret == 0)
		ret = gs_item_check_state(type, &merged, verr);
	gs_fields_clear(&merged);
	return ret;
}

int
gs_replica_write(struct gs_replica *r, struct gs_item *item, int type,
    const struct gs_fields *delta, bool deleted,
    const uint8_t (*parents)[32], size_t nparents, struct gs_verr *verr,
    uint8_t out_item[16])
{
	const uint8_t *me = gs_identity_pk(r->id);
	const struct gs_state *cur = NULL;
	struct gs_fields body;
	struct gs_change *c = NULL;
	uint8_t id[16], pk[32], *bytes = NULL;
	uint64_t seq;
	size_t len = 0;
	int ret;

	gs_fields_init(&body);
	/* a restored site must not reuse a sequence its peers hold */
	ret = GS_ECATCHUP;
	if (r->catching_up)
		goto out;
	if (item == NULL && type == GS_TYPE_SITE) {
		gs_item_id_site(me, id);
		item = gs_replica_item(r, id);
	} else if (item == NULL && type == GS_TYPE_RESERVATION) {
		ret = gs_item_id_reservation_for(me, delta, id);
		if (ret != 0)
			goto out;
		item = gs_replica_item(r, id);
	} else if (item == NULL && type == GS_TYPE_CONFIRMATION) {
		ret = gs_item_id_confirmation_for(me, delta, id);
		if (ret != 0)
			goto out;
		item = gs_replica_item(r, id);
	} else if (item == NULL && type == GS_TYPE_KEYLINK) {
		/* final: one per key, never edited */
		gs_item_id_keylink(me, id);
		ret = GS_EEXISTS;
		if (gs_replica_item(r, id) != NULL)
			goto out;
	} else if (item == NULL && type == GS_TYPE_REVOCATION) {
		/* final: one per revoked site, never edited */
		ret = replica_revocation_parse(delta, pk, &seq);
		if (ret != 0)
			goto out;
		gs_item_id_revocation(me, pk, id);
		ret = GS_EEXISTS;
		if (gs_replica_item(r, id) != NULL)
			goto out;
	} else if (item == NULL) {
		gs_item_id_new(me, gs_replica_seq(r, me) + 1, id);
	}
	if (item != NULL) {
		memcpy(id, item->id, 16);
		/* an erased item takes no more local changes, of any kind */
		ret = gs_store_erasure_get(r->store, item->id, pk, &seq);
		if (ret == 0)
			ret = GS_EERASED;
		if (ret != GS_ENOTFOUND)
			goto out;
		ret = GS_ECORRUPT;
		if (item->corrupt || (cur = gs_item_state(item)) == NULL)
			goto out;
		ret = GS_EINVAL;
		if (item->type != type)
			goto out;
		if (parents == NULL) {
			parents = (const uint8_t (*)[32])cur->heads;
			nparents = cur->nheads;
		}
		/* the new change must come after what it edits */
		(void)gs_hlc_observe(&r->clock, cur->updated_hlc, gs_wall_ms());
	}
	ret = gs_item_check_delta(type, delta, item == NULL, verr);
	if (ret != 0)
		goto out;
	ret = GS_ENOTFOUND;
	if (item == NULL && deleted)
		goto out;
	ret = gs_fields_copy(&body, delta);
	if (ret == 0 && deleted)
		ret = gs_fields_set(&body, GS_FIELD_DELETED, "1");
	if (ret != 0)
		goto out;
	if (!deleted) {
		ret = check_result(type, cur, &body, verr);
		if (ret != 0)
			goto out;
	}
	if (item != NULL && !deleted && cur->deleted &&
	    gs_fields_get(delta, GS_FIELD_DELETED) == NULL) {
		ret = GS_EDELETED;
		goto out;
	}
	ret = gs_fields_encode(&body, &bytes, &len);
	if (ret != 0)
		goto out;
	ret = gs_change_new(gs_identity_sk(r->id), id, type,
	    gs_replica_seq(r, me) + 1, gs_hlc_now(&r->clock), parents,
	    item != NULL ? nparents : 0, deleted, bytes, len, &c);
	if (ret != 0)
		goto out;
	ret = gs_store_begin(r->store);
	if (ret != 0)
		goto out;
	ret = replica_apply_one(r, &c);
	if (ret == GS_EDENIED && verr != NULL) {
		snprintf(verr->field, sizeof(verr->field), "%s",
		    gs_item_editors_field(type) ? gs_item_editors_field(type) :
		    "owner");
		snprintf(verr->rule, sizeof(verr->rule), "seuls le site "
		    "propriétaire et ses co-organisateurs peuvent modifier cet "
		    "élément");
	}
	ret = replica_finish_tx(r, ret, NULL);
	if (ret == 0 && out_item != NULL)
		memcpy(out_item, id, 16);
out:
	gs_change_destroy(&c);
	free(bytes);
	gs_fields_clear(&body);
	return ret;
}

int
gs_replica_erase(struct gs_replica *r, struct gs_item *item,
    struct gs_verr *verr)
{
	struct gs_fields delta;
	int ret = GS_EINVAL;

	gs_fields_init(&delta);
	if (item->type != GS_TYPE_EVENT && item->type != GS_TYPE_RESOURCE)
		goto out;
	ret = gs_fields_set(&delta, GS_FIELD_ERASED, "1");
	if (ret == 0)
		ret = gs_replica_write(r, item, item->type, &delta, true, NULL,
		    0, verr, NULL);
out:
	gs_fields_clear(&delta);
	return ret;
}

/* The value the resolution gives one conflicted field. */
static const char *
resolved_value(const struct gs_conflict *c, const uint8_t *take,
    const struct gs_fields *set, int *used_take)
{
	const char *v = set ? gs_fields_get(set, c->field) : NULL;

	if (v != NULL)
		return v;
	for (size_t i = 0; take != NULL && i < c->ncand; i++) {
		if (memcmp(c->cand[i].change, take, 32) == 0) {
			*used_take = 1;
			return c->cand[i].value;
		}
	}
	return c->cand[0].value;   /* the shown winner */
}

int
gs_replica_resolve(struct gs_replica *r, struct gs_item *item,
    const uint8_t *take, const struct gs_fields *set, struct gs_verr *verr)
{
	const struct gs_state *st;
	struct gs_fields delta;
	bool deleted = false;
	int used_take = 0, ret;

	if (item->corrupt || (st = gs_item_state(item)) == NULL)
		return GS_ECORRUPT;
	if (st->nconflicts == 0)
		return GS_ENOTFOUND;
	gs_fields_init(&delta);
	ret = set ? gs_fields_copy(&delta, set) : 0;
	for (size_t i = 0; ret == 0 && i < st->nconflicts; i++) {
		const struct gs_conflict *c = &st->conflicts[i];
		ret = gs_fields_set(&delta, c->field,
		    resolved_value(c, take, set, &used_take));
	}
	if (ret != 0)
		goto out;
	ret = GS_ENOTFOUND;
	if (take != NULL && !used_take)
		goto out;
	if (gs_fields_get(&delta, GS_FIELD_DELETED) != NULL)
		deleted = strcmp(gs_fields_get(&delta, GS_FIELD_DELETED), "1") == 0;
	else
		deleted = st->deleted;   /* a deletion nobody disputes stands */
	ret = gs_replica_write(r, item, item->type, &delta, deleted, NULL, 0,
	    verr, NULL);
out:
	gs_fields_clear(&delta);
	return ret;
}

int
gs_replica_publish_profile(struct gs_replica *r,
    const struct gs_fields *profile, struct gs_verr *verr)
{
	struct gs_fields delta;
	const struct gs_state *cur = NULL;
	struct gs_item *it;
	uint8_t id[16];
	const char *old;
	int ret = 0;

	gs_item_id_site(gs_identity_pk(r->id), id);
	it = gs_replica_item(r, id);
	if (it != NULL && (cur = gs_item_state(it)) == NULL)
		return GS_ECORRUPT;
	gs_fields_init(&delta);
	for (size_t i = 0; ret == 0 && i < profile->n; i++) {
		old = cur ? gs_fields_get(&cur->fields, profile->v[i].name) :
		    NULL;
		if (old == NULL && profile->v[i].value[0] == '\0')
			continue;
		if (old == NULL || strcmp(old, profile->v[i].value) != 0)
			ret = gs_fields_set(&delta, profile->v[i].name,
			    profile->v[i].value);
	}
	if (ret == 0 && delta.n > 0)
		ret = gs_replica_write(r, it, GS_TYPE_SITE, &delta, false,
		    NULL, 0, verr, NULL);
	gs_fields_clear(&delta);
	return ret;
}

