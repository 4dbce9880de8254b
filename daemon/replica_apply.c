/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica_apply.c: the single gate by which changes enter a site.
 * replica_apply_one() holds every rule a change must pass, checked in the
 * order who / which / when / what / where / store; local writes and peer
 * batches both end there, inside a transaction, and replica_finish_tx()
 * commits or rolls back memory together with disk.
 */
#include "replica_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "grow.h"
#include "log.h"
#include "siteid.h"
#include "store.h"
#include "trust.h"
#include "vault.h"

/* ---- the rules ---- */

/*
 * The ID a root change of this type and body must carry; revoked is the
 * key a revocation revokes (revocation_ok parsed it).
 */
static int
root_item_id(const struct gs_change *c, const struct gs_fields *delta,
    const uint8_t *revoked, uint8_t out[16])
{
	switch (c->type) {
	case GS_TYPE_SITE:
		gs_item_id_site(c->author, out);
		return 0;
	case GS_TYPE_RESERVATION:
		/* from (author, event), or (author, event, date) for a date */
		return gs_item_id_reservation_for(c->author, delta, out);
	case GS_TYPE_CONFIRMATION:
		/* from (author, resource) */
		return gs_item_id_confirmation_for(c->author, delta, out);
	case GS_TYPE_KEYLINK:
		/* one per old key */
		gs_item_id_keylink(c->author, out);
		return 0;
	case GS_TYPE_REVOCATION:
		if (revoked == NULL)
			return GS_EINVAL;
		gs_item_id_revocation(c->author, revoked, out);
		return 0;
	default:
		gs_item_id_new(c->author, c->seq, out);
		return 0;
	}
}

/*
 * An item's ID is bound to what it is about: an edit may not move a
 * reservation to another event or another date (one reservation per
 * site, event and date). An edit naming the event names the date too
 * when the reservation has one; an edit may not name a date alone. A
 * confirmation stays about the resource its ID was derived from.
 */
static bool
keeps_identity(const struct gs_change *c, const struct gs_fields *delta)
{
	uint8_t id[16];

	if (c->type == GS_TYPE_CONFIRMATION)
		/* a confirmation stays about its resource */
		return gs_fields_get(delta, "resource") == NULL ||
		    (gs_item_id_confirmation_for(c->author, delta, id) == 0 &&
		    memcmp(id, c->item, 16) == 0);
	if (c->type != GS_TYPE_RESERVATION)
		return true;
	if (gs_fields_get(delta, "event") == NULL)
		return gs_fields_get(delta, "date") == NULL;
	if (gs_item_id_reservation_for(c->author, delta, id) != 0)
		return false;
	return memcmp(id, c->item, 16) == 0;
}

/*
 * Does an editors list name pk's site: pk, or a key pk succeeded through
 * key links (a co-host that rotated its key stays a co-host)?
 */
static bool
lists_site(const struct gs_replica *r, const char *list, const uint8_t *pk)
{
	const struct replica_link *l;

	if (gs_item_list_has_site(list, pk))
		return true;
	for (size_t k = 0; k < r->nlinks && (l = replica_link_to(r, pk)) !=
	    NULL; k++) {
		pk = l->old;
		if (gs_item_list_has_site(list, pk))
			return true;
	}
	return false;
}

/* May c's author write this item, given the state its parents saw? */
static int
authorized(const struct gs_replica *r, const struct gs_change *c,
    const struct gs_fields *delta, const struct gs_state *seen)
{
	const char *ef = gs_item_editors_field(c->type);

	/* the owner, under any of its keys */
	if (gs_replica_same_site(r, c->author, seen->owner))
		return 0;
	if (ef == NULL || !lists_site(r, gs_fields_get(&seen->fields, ef),
	    c->author))
		return GS_EDENIED;
	/* co-hosts edit the item, not the list of who may edit it */
	if (gs_fields_get(delta, ef) != NULL)
		return GS_EDENIED;
	return 0;
}

bool
gs_replica_is_rescue(int type, const struct gs_fields *delta, bool deleted)
{
	static const char cancel[] = "cancelled";
	const char *ef = gs_item_editors_field(type), *n;
	size_t cl = sizeof(cancel) - 1;

	if (deleted)
		return true;
	if (delta->n == 0)
		return false;
	for (size_t i = 0; i < delta->n; i++) {
		n = delta->v[i].name;
		if (strcmp(n, GS_FIELD_DELETED) == 0 ||
		    (ef != NULL && strcmp(n, ef) == 0))
			continue;
		if (type == GS_TYPE_EVENT && strncmp(n, cancel, cl) == 0 &&
		    (n[cl] == '\0' || n[cl] == '@'))
			continue;
		return false;
	}
	return true;
}

size_t
gs_replica_budget_cap(const uint8_t owner[32], const uint8_t author[32],
    bool rescue)
{
	if (memcmp(author, owner, 32) != 0)
		return GS_ITEM_GUEST_CHANGES;
	return rescue ? GS_MAX_ITEM_CHANGES :
	    GS_MAX_ITEM_CHANGES - GS_ITEM_OWNER_RESERVE;
}

size_t
gs_replica_budget_used(const struct gs_item *it, const uint8_t author[32])
{
	size_t k = 0;

	for (size_t i = 0; i < it->n; i++)
		if (memcmp(it->ch[i].author, author, 32) == 0)
			k++;
	return k;
}

/*
 * Has c's author used its budget on it (change.h)? Its earlier changes are
 * all held here (its sequence has no gaps), so every site counts the same.
 * The count is a scan of the item, paid only when the item holds as many
 * changes as the cap: an author cannot have written more than that.
 */
static bool
over_budget(const struct gs_replica *r, const struct gs_item *it,
    const struct gs_change *c, const struct gs_fields *delta,
    const uint8_t owner[32])
{
	/* the owner's new key has the owner's budget */
	size_t cap = gs_replica_budget_cap(gs_replica_same_site(r, owner,
	    c->author) ? c->author : owner, c->author,
	    gs_replica_is_rescue(c->type, delta, c->deleted));

	return it->n >= cap && gs_replica_budget_used(it, c->author) >= cap;
}

static int
check_parents(const struct gs_replica *r, const struct gs_change *c,
    struct gs_item *it)
{
	(void)r;
	for (size_t i = 0; i < c->nparents; i++) {
		const struct gs_ichange *p = gs_item_change(it, c->parents[i]);
		if (p == NULL)
			return GS_ENOPARENT;
		if (p->hlc >= c->hlc)
			return GS_ECLOCK;  /* a child cannot precede its parent */
	}
	return 0;
}

/* Records proof that author signed two changes with one sequence. */
struct equiv_ctx {
	struct gs_replica *r;
	const struct gs_change *c;
	int ret;
};

static int
on_equiv_row(const struct gs_stored_change *old, void *arg)
{
	struct equiv_ctx *e = arg;
	char sid[GS_SITEID_SHORT];
	int64_t before = 0, after = 0;

	if (memcmp(old->id, e->c->id, 32) == 0) {
		e->ret = GS_EDUP;
		return 0;
	}
	gs_store_equivocation_count(e->r->store, &before);
	gs_store_equivocation_add(e->r->store, e->c->author, e->c->seq,
	    old->header, old->header_len, old->sig, e->c->header,
	    e->c->header_len, e->c->sig);
	gs_store_equivocation_count(e->r->store, &after);
	if (after > before) {   /* one proof and one log line per (author, seq) */
		gs_siteid_short(e->c->author, sid);
		log_warnx("replica: site %s signed two different changes with "
		    "sequence %llu (equivocation); keeping the first", sid,
		    (unsigned long long)e->c->seq);
	}
	e->ret = GS_EEQUIVOC;
	return 0;
}

static int
seen_before(struct gs_replica *r, const struct gs_change *c)
{
	struct equiv_ctx e = { r, c, GS_EDUP };
	int rc = gs_store_change_by_seq(r->store, c->author, c->seq,
	    on_equiv_row, &e);
	return rc != 0 && rc != GS_ENOTFOUND ? rc : e.ret;
}

/*
 * An event or resource created by (author, seq) has an ID derived from
 * them (root_item_id, checked below), and seq was just found new: no item
 * can have that ID yet, so there is nothing to look up.
 */
static bool
fresh_root(const struct gs_change *c)
{
	return c->nparents == 0 &&
	    (c->type == GS_TYPE_EVENT || c->type == GS_TYPE_RESOURCE);
}

/* Is this item's content erased here? 1, 0, or a storage error. */
static int
erased_here(struct gs_replica *r, const uint8_t item[16])
{
	uint8_t author[32];
	uint64_t seq;
	int rc = gs_store_erasure_get(r->store, item, author, &seq);

	if (rc == GS_ENOTFOUND)
		return 0;
	return rc == 0 ? 1 : rc;
}

/* Is delta an erasure ("_deleted" and "_erased", nothing else)? */
static bool
is_erasure(const struct gs_fields *delta)
{
	const char *del = gs_fields_get(delta, GS_FIELD_DELETED);

	return gs_fields_get(delta, GS_FIELD_ERASED) != NULL &&
	    del != NULL && strcmp(del, "1") == 0 && delta->n == 2;
}

/*
 * A change received without its body is accepted (and stored without
 * one) only with a proof that its item was erased: an erasure, signed by
 * a trusted site that is the item's owner (the root's author: for an
 * event or resource the ID binds it) or a co-host the state held here
 * lists. Anything else is a body stripped on the way: refused, so that a
 * relay cannot make a site drop content it should hold.
 */
static int
proof_ok(struct gs_replica *r, const struct gs_change *c,
    struct gs_item *it)
{
	const struct gs_change *p = c->proof;
	const struct gs_state *st = it != NULL ? gs_item_state(it) : NULL;
	const char *ef = gs_item_editors_field(c->type);
	struct gs_fields delta;
	bool ok;

	if (p == NULL || p->body == NULL ||
	    gs_replica_author_ok(r, p->author) != 0)
		return GS_EPROTO;
	gs_fields_init(&delta);
	ok = gs_fields_decode(p->body, p->body_len, &delta) == 0 &&
	    is_erasure(&delta);
	gs_fields_clear(&delta);
	if (!ok)
		return GS_EPROTO;
	if (c->nparents == 0)
		return gs_replica_same_site(r, p->author, c->author) ? 0 :
		    GS_EDENIED;
	if (st == NULL)
		return GS_EDENIED;
	if (gs_replica_same_site(r, p->author, st->owner))
		return 0;
	if (ef != NULL && lists_site(r, gs_fields_get(&st->fields, ef),
	    p->author))
		return 0;
	return GS_EDENIED;
}

/*
 * After the erasure c of it is stored: drops every other body of the
 * item, on disk and in memory, and notes that the transaction erased
 * (its commit then truncates the WAL).
 */
static int
erase_item(struct gs_replica *r, const struct gs_change *c,
    struct gs_item *it)
{
	int ret = gs_store_erase_bodies(r->store, c->item, c->author, c->seq,
	    NULL);

	if (ret != 0)
		return ret;
	for (size_t i = 0; i < it->n; i++)
		if (memcmp(it->ch[i].id, c->id, 32) != 0)
			gs_fields_clear(&it->ch[i].delta);
	it->dirty = 1;
	r->erased = true;
	return 0;
}

/*
 * A revocation is one root change, with its body, never deleted nor
 * edited; a site revoking itself names its own change as the last one
 * kept (nothing it signs after it counts). Fills *rv with what it says.
 */
static int
revocation_ok(const struct gs_change *c, const struct gs_fields *delta,
    struct replica_revocation *rv)
{
	if (c->nparents != 0 || c->deleted || c->body == NULL ||
	    replica_revocation_parse(delta, rv->revoked, &rv->last_seq) != 0)
		return GS_EINVAL;
	memcpy(rv->by, c->author, 32);
	if (memcmp(rv->revoked, c->author, 32) == 0 && rv->last_seq != c->seq)
		return GS_EINVAL;
	return 0;
}

/*
 * A key link is one root change by the old key, with its body, never
 * deleted nor edited, naming itself as the old key's last change; the new
 * key signed (domain, old key, new key). A key is linked once and never
 * back: the successor may not be a key already linked, either way (no
 * fork, no cycle). Fills *lk with what it says.
 */
static int
keylink_ok(const struct gs_replica *r, const struct gs_change *c,
    const struct gs_fields *delta, struct replica_link *lk)
{
	uint8_t sig[64], msg[GS_KEYLINK_MSG_LEN];

	if (c->nparents != 0 || c->deleted || c->body == NULL ||
	    replica_link_parse(delta, lk->next, sig, &lk->last_seq) != 0 ||
	    lk->last_seq != c->seq || memcmp(lk->next, c->author, 32) == 0)
		return GS_EINVAL;
	if (replica_link_from(r, lk->next) != NULL ||
	    replica_link_to(r, lk->next) != NULL ||
	    memcmp(lk->next, gs_identity_pk(r->id), 32) == 0)
		return GS_EINVAL;
	gs_item_keylink_msg(c->author, lk->next, msg);
	if (gs_verify(lk->next, msg, sizeof(msg), sig) != 0)
		return GS_EBADSIG;
	memcpy(lk->old, c->author, 32);
	return 0;
}

/*
 * A key link just stored: noted (its successor gets the old key's trust
 * once the transaction commits). Written by this site's own key, it makes
 * the successor this site's key in the same transaction (meta site_pk):
 * the daemon then restarts with it (identity.h, "rotation").
 */
static int
link_stored(struct gs_replica *r, const struct replica_link *lk)
{
	char o[GS_SITEID_SHORT], n[GS_SITEID_SHORT];
	int ret = replica_link_note(r, lk->old, lk->next, lk->last_seq);

	if (ret != 0)
		return ret;
	r->nsucceed++;
	gs_siteid_short(lk->old, o);
	gs_siteid_short(lk->next, n);
	log_info("replica: site %s now signs with its new key %s; what its "
	    "old key signs after number %llu is refused", o, n,
	    (unsigned long long)lk->last_seq);
	if (memcmp(lk->old, gs_identity_pk(r->id), 32) == 0)
		ret = gs_store_meta_set(r->store, "site_pk", lk->next, 32);
	return ret;
}

/*
 * A revocation just stored: says that it now stops a site's new changes
 * here, if it does, and when this site trusts the revoked site through
 * an introduction, queues this site's own revocation with the same cut
 * (written once the transaction commits), so that the sites this one
 * introduced it to follow: a revocation travels down the introduction
 * chain however many hops long (trust.md).
 */
static int
took_effect(struct gs_replica *r, const struct replica_revocation *rv)
{
	const uint8_t *me = gs_identity_pk(r->id);
	const struct gs_trust_site *s;
	char sid[GS_SITEID_SHORT], by[GS_SITEID_SHORT];
	int ret;

	if (!gs_replica_revoked(r, rv->revoked, NULL, NULL))
		return 0;
	gs_siteid_short(rv->revoked, sid);
	gs_siteid_short(rv->by, by);
	log_warnx("replica: site %s revoked by %s: its changes after "
	    "number %llu are refused, the earlier ones stay, marked", sid, by,
	    (unsigned long long)rv->last_seq);
	s = r->trust != NULL ? gs_trust_get(r->trust, rv->revoked) : NULL;
	if (memcmp(rv->by, me, 32) == 0 || memcmp(rv->by, rv->revoked,
	    32) == 0 || s == NULL || !s->introduced)
		return 0;
	ret = gs_grow(&r->endorse, &r->capendorse, r->nendorse,
	    sizeof(*r->endorse), 4);
	if (ret == 0)
		r->endorse[r->nendorse++] = *rv;
	return ret;
}

/* Forgets a body that will not be stored. */
static void
drop_body(struct gs_change *c)
{
	if (c->body != NULL) {
		gs_wipe(c->body, c->body_len);
		free(c->body);
	}
	c->body = NULL;
	c->body_len = 0;
}

int
replica_apply_one(struct gs_replica *r, struct gs_change **cp)
{
	static const uint8_t nobody[32];
	struct gs_change *c = *cp;
	struct gs_fields delta;
	const struct gs_state *seen = NULL;
	struct gs_stored_change row;
	struct gs_item *it;
	struct replica_revocation rv;
	struct replica_link lk;
	const char *del;
	uint8_t item[16], *sealed = NULL;
	size_t sealed_len = 0;
	uint64_t held, cut;
	bool absorbed = false, erasure = false;
	int ret;

	gs_fields_init(&delta);
	/* who (an unknown author is noted pending once the batch ends) */
	ret = gs_replica_author_ok(r, c->author);
	if (ret == GS_EUNTRUSTED && r->trust != NULL &&
	    gs_seqmap_raise(&r->unknown, c->author, 1) != 0)
		ret = GS_ENOMEM;
	if (ret != 0)
		goto out;
	/* a revoked key: what it signed after the revocation's cut */
	if (gs_replica_revoked(r, c->author, &cut, NULL) && c->seq > cut) {
		ret = GS_EREVOKED;
		goto out;
	}
	/* a replaced key: what it signed after its link to the new one */
	if (gs_replica_replaced(r, c->author, NULL, &cut) && c->seq > cut) {
		ret = GS_EROTATED;
		goto out;
	}
	/* which sequence */
	held = gs_replica_seq(r, c->author);
	if (c->seq <= held) {
		ret = seen_before(r, c);
		goto out;
	}
	ret = GS_EGAP;
	if (c->seq != held + 1)
		goto out;
	/* when */
	ret = GS_ECLOCK;
	if (GS_HLC_MS(c->hlc) > gs_wall_ms() + r->clock.max_drift_ms)
		goto out;
	/* what (a body erased elsewhere is judged once the item is known) */
	if (c->body != NULL) {
		ret = GS_EPROTO;
		if (gs_fields_decode(c->body, c->body_len, &delta))
			goto out;
		ret = GS_EINVAL;
		if (gs_item_check_delta(c->type, &delta, c->nparents == 0,
		    NULL) != 0)
			goto out;
		del = gs_fields_get(&delta, GS_FIELD_DELETED);
		if (c->deleted != (del != NULL && strcmp(del, "1") == 0))
			goto out;
		erasure = gs_fields_get(&delta, GS_FIELD_ERASED) != NULL;
		if (erasure && (!is_erasure(&delta) || c->nparents == 0 ||
		    (c->type != GS_TYPE_EVENT && c->type != GS_TYPE_RESOURCE)))
			goto out;
	}
	if (c->type == GS_TYPE_REVOCATION) {
		ret = revocation_ok(c, &delta, &rv);
		if (ret != 0)
			goto out;
	}
	if (c->type == GS_TYPE_KEYLINK) {
		ret = keylink_ok(r, c, &delta, &lk);
		if (ret != 0)
			goto out;
	}
	/* where */
	it = NULL;
	ret = fresh_root(c) ? GS_ENOTFOUND : gs_replica_item_full(r, c->item, &it);
	if (ret != 0 && ret != GS_ENOTFOUND && ret != GS_ECORRUPT)
		goto out;       /* a storage error */
	/*
	 * An item erased here keeps no content: a change that reaches it
	 * (concurrent with the erasure, or sent without its body) is
	 * stored as a header alone and writes nothing, so its author's
	 * stream does not stall here. Local edits are refused before this
	 * (gs_replica_write).
	 */
	ret = it != NULL ? erased_here(r, c->item) : 0;
	if (ret < 0)
		goto out;
	absorbed = ret == 1;
	if (c->body == NULL && !absorbed) {
		ret = proof_ok(r, c, it);
		if (ret != 0)
			goto out;
		absorbed = true;
	}
	if (absorbed) {
		drop_body(c);
		gs_fields_clear(&delta);
		erasure = false;
	}
	if (c->nparents == 0 && c->body == NULL) {
		/* a bodiless root: only events and resources are erased */
		ret = GS_EINVAL;
		if (!fresh_root(c))
			goto out;
		gs_item_id_new(c->author, c->seq, item);
		if (memcmp(item, c->item, 16) != 0)
			goto out;
	} else if (c->nparents == 0) {
		ret = GS_EINVAL;
		if (root_item_id(c, &delta, c->type == GS_TYPE_REVOCATION ?
		    rv.revoked : NULL, item) != 0 ||
		    memcmp(item, c->item, 16) != 0)
			goto out;
		ret = GS_EEXISTS;
		if (it != NULL)
			goto out;
	} else {
		ret = GS_ENOPARENT;
		if (it == NULL)
			goto out;
		ret = GS_EINVAL;
		if (it->type != c->type || !keeps_identity(c, &delta))
			goto out;
		ret = check_parents(r, c, it);
		if (ret != 0)
			goto out;
		/*
		 * no merge per change along a chain (issue 17); an absorbed
		 * change writes nothing: no one to authorize
		 */
		ret = absorbed ? 0 : gs_item_seen(it,
		    (const uint8_t (*)[32])c->parents, c->nparents, &seen);
		if (ret != 0)
			goto out;
		ret = absorbed ? 0 : authorized(r, c, &delta, seen);
		if (ret != 0)
			goto out;
		/* how much: the author's own budget, whoever else wrote */
		ret = GS_EBUDGET;
		if (over_budget(r, it, c, &delta, absorbed ? nobody :
		    seen->owner))
			goto out;
		ret = 0;
	}
	/* store */
	if (c->body != NULL) {
		/* a body that came packed is stored as it came */
		ret = c->packed != NULL ? gs_vault_seal(r->vault, c->id, 32,
		    c->packed, c->packed_len, &sealed, &sealed_len) :
		    gs_vault_seal_packed(r->vault, c->id, 32, c->body,
		    c->body_len, &sealed, &sealed_len);
		if (ret != 0)
			goto out;
	}
	memset(&row, 0, sizeof(row));
	memcpy(row.id, c->id, 32);
	memcpy(row.item, c->item, 16);
	row.type = c->type;
	memcpy(row.author, c->author, 32);
	row.seq = c->seq;
	row.hlc = c->hlc;
	row.deleted = c->deleted;
	row.parents = (const uint8_t *)c->parents;
	row.nparents = c->nparents;
	row.header = c->header;
	row.header_len = c->header_len;
	row.sig = c->sig;
	row.sealed_body = sealed;
	row.sealed_len = sealed_len;
	ret = gs_store_change_insert(r->store, &row);
	if (ret == 0 && it == NULL)
		ret = gs_itemset_create(r->items, c->item, c->type, &it);
	if (ret == 0)
		ret = gs_item_add(it, c->id, c->author, c->seq, c->hlc,
		    (const uint8_t (*)[32])c->parents, c->nparents, &delta, 0);
	if (ret == 0 && erasure)
		ret = erase_item(r, c, it);
	if (ret == 0)
		ret = replica_touch(r, it);
	r->loaded_full = true;
	if (ret == 0)
		ret = gs_seqmap_raise(&r->authors, c->author, c->seq);
	if (ret != 0)
		goto out;
	if (c->type == GS_TYPE_REVOCATION) {
		ret = replica_revocation_note(r, rv.by, rv.revoked,
		    rv.last_seq);
		if (ret == 0)
			ret = took_effect(r, &rv);
		if (ret != 0)
			goto out;
	}
	if (c->type == GS_TYPE_KEYLINK) {
		ret = link_stored(r, &lk);
		if (ret != 0)
			goto out;
	}
	r->nchanges++;
	if (memcmp(c->author, gs_identity_pk(r->id), 32) != 0)
		gs_hlc_observe(&r->clock, c->hlc, gs_wall_ms());
	/* keep it for the hook, which runs after the commit */
	ret = gs_grow(&r->pending, &r->cappending, r->npending,
	    sizeof(*r->pending), 64);
	if (ret != 0)
		goto out;
	r->pending[r->npending++] = c;
	*cp = NULL;
out:
	free(sealed);
	gs_fields_clear(&delta);
	return ret;
}

static int
is_storage_error(int rc)
{
	return rc == GS_EFULL || rc == GS_EREADONLY || rc == GS_EDB ||
	    rc == GS_EBUSY || rc == GS_ENOMEM || rc == GS_EIO;
}

/* Commits, then tells the hook; on failure rolls back memory too. */
static int
end_tx(struct gs_replica *r, int ret, const uint8_t *from)
{
	int rc;

	if (ret != 0 && !is_storage_error(ret)) {
		/* refused before anything was stored: memory is untouched */
		gs_store_rollback(r->store);
		replica_pending_clear(r);
		replica_untouch(r);
		r->erased = false;
		return ret;
	}
	r->busy = true;
	if (ret == 0)
		ret = replica_flush_touched(r);
	if (ret == 0)
		ret = gs_store_commit(r->store);
	replica_untouch(r);
	if (ret == 0 && r->erased) {
		/* the erased bytes must leave the WAL too, not only the db */
		rc = gs_store_checkpoint_truncate(r->store);
		if (rc != 0)
			log_warnx("replica: truncating the WAL after an "
			    "erasure: %s; retried at the next erasure or "
			    "checkpoint", gs_strerror(rc));
	}
	r->erased = false;
	if (ret != 0) {
		gs_store_rollback(r->store);
		replica_pending_clear(r);
		rc = replica_reload(r);
		if (rc != 0)
			log_warnx("replica: reloading after rollback: %s",
			    gs_strerror(rc));
		return ret;
	}
	for (size_t i = 0; i < r->npending; i++)
		if (r->hook != NULL)
			r->hook(r->pending[i], from, r->hook_arg);
	replica_pending_clear(r);
	return 0;
}

/*
 * Records the untrusted authors the batch met as pending sites. This
 * writes to the store, so it runs after the batch's transaction ended,
 * whichever way: a rollback cannot leave trust in memory and on disk
 * disagreeing.
 */
static void
note_unknown(struct gs_replica *r)
{
	for (size_t i = 0; r->trust != NULL && i < r->unknown.n; i++)
		gs_trust_note_unknown(r->trust, r->unknown.v[i].pk);
	gs_seqmap_clear(&r->unknown);
}

/* This site's own revocation of rv->revoked, with rv's cut. */
static void
endorse_one(struct gs_replica *r, const struct replica_revocation *rv)
{
	struct gs_fields f;
	char sid[GS_SITEID_SIZE], by[GS_SITEID_SHORT], seq[24], why[96];
	int rc;

	gs_siteid_encode(rv->revoked, sid);
	gs_siteid_short(rv->by, by);
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)rv->last_seq);
	snprintf(why, sizeof(why), "révoqué par le site %s", by);
	gs_fields_init(&f);
	rc = gs_fields_set(&f, "site", sid);
	if (rc == 0)
		rc = gs_fields_set(&f, "last_seq", seq);
	if (rc == 0)
		rc = gs_fields_set(&f, "reason", why);
	if (rc == 0)
		rc = gs_replica_write(r, NULL, GS_TYPE_REVOCATION, &f, false,
		    NULL, 0, NULL, NULL);
	gs_fields_clear(&f);
	if (rc != 0 && rc != GS_EEXISTS)
		log_warnx("replica: passing on the revocation of %.8s: %s; "
		    "run gemsync site revoke to pass it on", sid,
		    gs_strerror(rc));
}

/* Writes the revocations queued by the transaction that just ended. */
static void
endorse(struct gs_replica *r, int ret)
{
	struct replica_revocation *v = r->endorse;
	size_t n = r->nendorse;

	r->endorse = NULL;
	r->nendorse = r->capendorse = 0;
	for (size_t i = 0; ret == 0 && i < n; i++)
		endorse_one(r, &v[i]);
	free(v);
}

/* Gives the successors linked by the transaction that just ended their
 * old keys' trust (trust writes stay outside the transaction). */
static void
succeed(struct gs_replica *r, int ret)
{
	size_t n = r->nsucceed;

	r->nsucceed = 0;
	if (ret == 0 && n > 0 && n <= r->nlinks)
		replica_links_succeed(r, r->nlinks - n);
}

int
replica_finish_tx(struct gs_replica *r, int ret, const uint8_t *from)
{
	ret = end_tx(r, ret, from);
	note_unknown(r);
	succeed(r, ret);
	endorse(r, ret);
	return ret;
}

int
gs_replica_apply_verified(struct gs_replica *r, struct gs_change **cs,
    const int *vrc, size_t n, const uint8_t from[32],
    struct gs_apply_stats *st)
{
	int ret, rc;

	ret = gs_store_begin(r->store);
	if (ret != 0) {
		for (size_t i = 0; i < n; i++)
			gs_change_destroy(&cs[i]);
		return ret;
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		rc = vrc[i];
		if (rc == 0)
			rc = cs[i] != NULL ? replica_apply_one(r, &cs[i]) : GS_EPROTO;
		if (rc == 0) {
			st->applied++;
		} else if (rc == GS_EDUP) {
			st->dup++;
		} else if (is_storage_error(rc)) {
			ret = rc;
		} else {
			st->refused++;
			if (-rc > 0 && -rc < GS_REASONS)
				st->by_reason[-rc]++;
		}
	}
	for (size_t i = 0; i < n; i++)
		gs_change_destroy(&cs[i]);
	return replica_finish_tx(r, ret, from);
}

int
gs_replica_apply(struct gs_replica *r, const struct gs_wire_change *w,
    size_t n, const uint8_t from[32], struct gs_apply_stats *st)
{
	struct gs_change **cs;
	int *vrc, ret = GS_ENOMEM;

	cs = calloc(n ? n : 1, sizeof(*cs));
	vrc = calloc(n ? n : 1, sizeof(*vrc));
	if (cs != NULL && vrc != NULL) {
		for (size_t i = 0; i < n; i++)
			vrc[i] = gs_change_verify_wire(&w[i],
			    gs_vault_zip(r->vault), &cs[i]);
		ret = gs_replica_apply_verified(r, cs, vrc, n, from, st);
	}
	free(cs);
	free(vrc);
	return ret;
}

