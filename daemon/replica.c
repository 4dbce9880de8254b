/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replica.c: a site's replica: its item cache (items are read from the
 * store and kept until the loop's turn ends), its summary (author ->
 * highest sequence), and reading stored changes back for peers. Changes
 * get in only through replica_apply.c's gate.
 */
#include "replica_int.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "grow.h"
#include "log.h"
#include "siteid.h"
#include "state.h"
#include "store.h"
#include "trust.h"
#include "vault.h"
#include "zip.h"

void
gs_replica_time(uint64_t hlc, char out[32])
{
	gs_hlc_format(hlc, out);
}

/* ---- summary: author -> highest sequence ---- */

uint64_t
gs_replica_seq(const struct gs_replica *r, const uint8_t author[32])
{
	return gs_seqmap_get(&r->authors, author);
}

int
gs_replica_summary(const struct gs_replica *r, gs_replica_summary_cb cb,
    void *arg)
{
	int rc;

	for (size_t i = 0; i < r->authors.n; i++) {
		rc = cb(r->authors.v[i].pk, r->authors.v[i].seq, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

const struct gs_seqmap *
gs_replica_authors(const struct gs_replica *r)
{
	return &r->authors;
}

size_t
gs_replica_author_count(const struct gs_replica *r)
{
	return r->authors.n;
}

uint64_t
gs_replica_change_count(const struct gs_replica *r)
{
	return r->nchanges;
}

/* ---- accessors ---- */

void
gs_replica_set_trust(struct gs_replica *r, struct gs_trust *trust)
{
	r->trust = trust;
	/* a link committed just before a crash: its trust moves now */
	replica_links_succeed(r, 0);
}

void
gs_replica_set_hook(struct gs_replica *r, gs_replica_hook cb, void *arg)
{
	r->hook = cb;
	r->hook_arg = arg;
}

int
gs_replica_author_ok(const struct gs_replica *r, const uint8_t pk[32])
{
	const struct replica_link *l;
	int rc;

	if (gs_replica_same_site(r, pk, gs_identity_pk(r->id)))
		return 0;
	rc = r->trust ? gs_trust_author_ok(r->trust, pk) : GS_EUNTRUSTED;
	/* a successor not yet given its old key's trust (the link's batch
	 * is still open): the old key's trust; links form no cycle */
	for (size_t k = 0; rc == GS_EUNTRUSTED && k < r->nlinks &&
	    (l = replica_link_to(r, pk)) != NULL; k++) {
		pk = l->old;
		rc = r->trust ? gs_trust_author_ok(r->trust, pk) :
		    GS_EUNTRUSTED;
	}
	return rc;
}

/* ---- key links ---- */

const struct replica_link *
replica_link_from(const struct gs_replica *r, const uint8_t pk[32])
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (memcmp(r->links[i].old, pk, 32) == 0)
			return &r->links[i];
	return NULL;
}

const struct replica_link *
replica_link_to(const struct gs_replica *r, const uint8_t pk[32])
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (memcmp(r->links[i].next, pk, 32) == 0)
			return &r->links[i];
	return NULL;
}

bool
gs_replica_replaced(const struct gs_replica *r, const uint8_t pk[32],
    uint8_t *next, uint64_t *last_seq)
{
	const struct replica_link *l = replica_link_from(r, pk);

	if (l == NULL)
		return false;
	if (next != NULL)
		memcpy(next, l->next, 32);
	if (last_seq != NULL)
		*last_seq = l->last_seq;
	return true;
}

const uint8_t *
gs_replica_current_key(const struct gs_replica *r, const uint8_t pk[32])
{
	const struct replica_link *l;

	/* the gate lets no key be linked twice nor back: at most nlinks hops */
	for (size_t k = 0; k < r->nlinks && (l = replica_link_from(r, pk)) !=
	    NULL; k++)
		pk = l->next;
	return pk;
}

bool
gs_replica_same_site(const struct gs_replica *r, const uint8_t a[32],
    const uint8_t b[32])
{
	if (memcmp(a, b, 32) == 0)
		return true;
	if (r->nlinks == 0)
		return false;
	return memcmp(gs_replica_current_key(r, a),
	    gs_replica_current_key(r, b), 32) == 0;
}

int
replica_link_parse(const struct gs_fields *f, uint8_t next[32],
    uint8_t sig[64], uint64_t *last_seq)
{
	const char *site = gs_fields_get(f, "site");
	const char *hex = gs_fields_get(f, "sig");
	const char *seq = gs_fields_get(f, "last_seq");
	char *end;

	if (site == NULL || hex == NULL || seq == NULL ||
	    gs_siteid_parse(site, next) != 0 || strlen(hex) != 128 ||
	    gs_unhex(hex, sig, 64) != 0)
		return GS_EINVAL;
	*last_seq = strtoull(seq, &end, 10);
	return *end == '\0' && end != seq ? 0 : GS_EINVAL;
}

int
replica_link_note(struct gs_replica *r, const uint8_t old[32],
    const uint8_t next[32], uint64_t last_seq)
{
	struct replica_link *l;
	int ret = gs_grow(&r->links, &r->caplinks, r->nlinks,
	    sizeof(*r->links), 4);

	if (ret != 0)
		return ret;
	l = &r->links[r->nlinks++];
	memcpy(l->old, old, 32);
	memcpy(l->next, next, 32);
	l->last_seq = last_seq;
	return 0;
}

void
replica_links_succeed(struct gs_replica *r, size_t from)
{
	char o[GS_SITEID_SHORT], n[GS_SITEID_SHORT];
	int rc;

	for (size_t i = from; r->trust != NULL && i < r->nlinks; i++) {
		rc = gs_trust_succeed(r->trust, r->links[i].old,
		    r->links[i].next);
		if (rc == 0)
			continue;
		gs_siteid_short(r->links[i].old, o);
		gs_siteid_short(r->links[i].next, n);
		log_warnx("replica: giving site %s's trust to its new key %s: "
		    "%s; retried at the next start", o, n, gs_strerror(rc));
	}
}

bool
gs_replica_visible(const struct gs_replica *r, const uint8_t owner[32])
{
	/* a site blocked under its new key is blocked under its old ones */
	return r->trust == NULL || (gs_trust_visible(r->trust, owner) &&
	    gs_trust_visible(r->trust, gs_replica_current_key(r, owner)));
}

/* Does revocation v count here? */
static bool
revocation_applies(const struct gs_replica *r,
    const struct replica_revocation *v)
{
	const struct gs_trust_site *s;

	if (memcmp(v->by, v->revoked, 32) == 0 ||
	    memcmp(v->by, gs_identity_pk(r->id), 32) == 0)
		return true;
	s = r->trust != NULL ? gs_trust_get(r->trust, v->revoked) : NULL;
	return s != NULL && s->introduced && memcmp(s->introducer, v->by,
	    32) == 0;
}

bool
gs_replica_revoked(const struct gs_replica *r, const uint8_t pk[32],
    uint64_t *last_seq, uint8_t *by)
{
	const struct replica_revocation *best = NULL;

	for (size_t i = 0; i < r->nrevs; i++) {
		const struct replica_revocation *v = &r->revs[i];
		if (memcmp(v->revoked, pk, 32) != 0 ||
		    !revocation_applies(r, v))
			continue;
		if (best == NULL || v->last_seq < best->last_seq)
			best = v;
	}
	if (best == NULL)
		return false;
	if (last_seq != NULL)
		*last_seq = best->last_seq;
	if (by != NULL)
		memcpy(by, best->by, 32);
	return true;
}

/* Is header (with sig) a valid change by author numbered seq? */
static int
proof_half(const uint8_t *hdr, size_t len, const uint8_t *sig,
    const uint8_t author[32], uint64_t seq)
{
	struct gs_change *c = NULL;
	int ret = gs_change_verify(hdr, len, sig, 64, NULL, 0, &c);

	if (ret == 0 && (memcmp(c->author, author, 32) != 0 || c->seq != seq))
		ret = GS_EPROTO;
	gs_change_destroy(&c);
	return ret;
}

int
gs_replica_equivocation_add(struct gs_replica *r,
    const struct gs_equivoc_row *e)
{
	const struct gs_trust_site *s;
	int64_t before = 0, after = 0;
	int ret;

	if (e->len_a == e->len_b && memcmp(e->hdr_a, e->hdr_b, e->len_a) == 0)
		return GS_EPROTO;
	/* what would not be kept is not verified: two signatures each */
	s = r->trust != NULL ? gs_trust_get(r->trust, e->author) : NULL;
	if (memcmp(e->author, gs_identity_pk(r->id), 32) != 0 &&
	    (s == NULL || s->trust == GS_TRUST_PENDING))
		return 0;
	ret = gs_store_equivocation_has(r->store, e->author, e->seq);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	ret = gs_store_equivocation_count(r->store, &before);
	if (ret != 0 || before >= GS_EQUIVOC_MAX)
		return ret;
	ret = proof_half(e->hdr_a, e->len_a, e->sig_a, e->author, e->seq);
	if (ret == 0)
		ret = proof_half(e->hdr_b, e->len_b, e->sig_b, e->author,
		    e->seq);
	if (ret != 0)
		return ret;
	ret = gs_store_equivocation_add(r->store, e->author, e->seq,
	    e->hdr_a, e->len_a, e->sig_a, e->hdr_b, e->len_b, e->sig_b);
	if (ret == 0)
		ret = gs_store_equivocation_count(r->store, &after);
	return ret != 0 ? ret : after > before;
}

int
replica_revocation_parse(const struct gs_fields *f, uint8_t revoked[32],
    uint64_t *last_seq)
{
	const char *site = gs_fields_get(f, "site");
	const char *seq = gs_fields_get(f, "last_seq");
	char *end;

	if (site == NULL || seq == NULL || gs_siteid_parse(site, revoked) != 0)
		return GS_EINVAL;
	*last_seq = strtoull(seq, &end, 10);
	return *end == '\0' && end != seq ? 0 : GS_EINVAL;
}

int
replica_revocation_note(struct gs_replica *r, const uint8_t by[32],
    const uint8_t revoked[32], uint64_t last_seq)
{
	struct replica_revocation *v;
	int ret = gs_grow(&r->revs, &r->caprevs, r->nrevs, sizeof(*r->revs), 8);

	if (ret != 0)
		return ret;
	v = &r->revs[r->nrevs++];
	memcpy(v->revoked, revoked, 32);
	memcpy(v->by, by, 32);
	v->last_seq = last_seq;
	return 0;
}

const struct gs_identity *
gs_replica_identity(const struct gs_replica *r)
{
	return r->id;
}

const uint8_t *
gs_replica_pk(const struct gs_replica *r)
{
	return gs_identity_pk(r->id);
}

size_t
gs_replica_corrupt_count(const struct gs_replica *r)
{
	return r->corrupt.n;
}

bool
gs_replica_catching_up(const struct gs_replica *r)
{
	return r->catching_up;
}

int
gs_replica_set_catching_up(struct gs_replica *r, bool on)
{
	const uint8_t v = on ? '1' : '0';
	int ret;

	ret = gs_store_meta_set(r->store, "catchup", &v, 1);
	if (ret == 0)
		r->catching_up = on;
	return ret;
}

/* ---- the item cache ---- */

static void
corrupt_key(const uint8_t id[16], uint8_t key[32])
{
	memcpy(key, id, 16);
	memset(key + 16, 0, 16);
}

void
replica_mark_corrupt(struct gs_replica *r, struct gs_item *it,
    const uint8_t id[16])
{
	uint8_t key[32];
	char hex[33];

	if (it != NULL)
		it->corrupt = 1;
	corrupt_key(id, key);
	if (gs_seqmap_get(&r->corrupt, key) != 0)
		return;
	gs_hex(id, 16, hex);
	log_warnx("replica: item %.12s has stored data that fails "
	    "authentication: it is shown as corrupt", hex);
	if (gs_seqmap_raise(&r->corrupt, key, 1) != 0)
		log_warnx("replica: out of memory noting a corrupt item");
}

static bool
known_corrupt(const struct gs_replica *r, const uint8_t id[16])
{
	uint8_t key[32];

	corrupt_key(id, key);
	return gs_seqmap_get(&r->corrupt, key) != 0;
}

struct row_ctx {
	struct gs_replica *r;
	struct gs_item *it;          /* the (first) item read */
	size_t found;                /* rows read */
	struct gs_item **all;        /* foreach: every item read */
	size_t n, cap;
	bool loading;                /* the changes are read next: no state */
	int ret;
};

static int on_item_change(const struct gs_stored_change *c, void *arg);

/*
 * The state of an item stored without one (a single change): that
 * change's merge, computed as a full item's would be, after which the
 * change is dropped again and the item stays light. A storage error is
 * returned, and leaves the item shown as corrupt while it stays cached
 * (not noted: it is read again once the cache is emptied).
 */
static int
derive_state(struct gs_replica *r, struct gs_item *it)
{
	struct row_ctx x = { .r = r, .it = it };
	int rc;

	it->dirty = 1;
	rc = gs_store_changes_of_item(r->store, it->id, on_item_change, &x);
	if (rc == 0 && (it->n != 1 || gs_item_state(it) == NULL))
		replica_mark_corrupt(r, it, it->id);
	gs_item_forget_changes(it);
	it->dirty = 0;
	if (rc != 0)
		it->corrupt = 1;
	return rc;
}

/*
 * Fills a cached item's state from its stored row; when its changes are
 * read next (loading), a state that is not stored is left to them rather
 * than derived from the same change first.
 */
static int
take_row(struct gs_replica *r, struct gs_item *it,
    const struct gs_item_row *row, bool loading)
{
	uint8_t *pt = NULL;
	size_t len = 0;

	it->stored = true;
	it->received_ms = row->received_ms;
	if (it->full)
		return 0;          /* the changes are the truth */
	if (row->sealed_state == NULL && !known_corrupt(r, it->id)) {
		if (!loading)
			return derive_state(r, it);
		it->dirty = 1;     /* gs_replica_item_full reads the change */
		return 0;
	}
	it->dirty = 0;
	if (known_corrupt(r, it->id) ||
	    gs_vault_unseal_packed(r->vault, it->id, 16, row->sealed_state,
	    row->sealed_len, &pt, &len) != 0 ||
	    gs_state_decode(pt, len, &it->state) != 0)
		replica_mark_corrupt(r, it, it->id);
	if (pt != NULL) {
		gs_wipe(pt, len);
		free(pt);
	}
	return 0;
}

/* The cached item of a row, made light from the row if not cached. */
static struct gs_item *
item_of_row(struct gs_replica *r, const struct gs_item_row *row,
    bool loading, int *ret)
{
	struct gs_item *it = gs_itemset_get(r->items, row->id);

	*ret = 0;
	if (it != NULL)
		return it;
	*ret = gs_itemset_create(r->items, row->id, row->type, &it);
	if (*ret != 0)
		return NULL;
	*ret = take_row(r, it, row, loading);
	return *ret == 0 ? it : NULL;
}

/*
 * An item read from the store: the first is kept and every one counted
 * (lookups by ID or ID prefix), and with x->all set each is collected
 * too (foreach).
 */
static int
on_row(const struct gs_item_row *row, void *arg)
{
	struct row_ctx *x = arg;
	struct gs_item *it = item_of_row(x->r, row, x->loading, &x->ret);

	if (it == NULL)
		return x->ret;
	if (x->found++ == 0)
		x->it = it;
	if (x->all == NULL)
		return 0;
	if (gs_grow(&x->all, &x->cap, x->n, sizeof(*x->all), 64) != 0)
		return x->ret = GS_ENOMEM;
	x->all[x->n++] = it;
	return 0;
}

struct gs_item *
gs_replica_item(struct gs_replica *r, const uint8_t id[16])
{
	struct row_ctx x = { .r = r };
	struct gs_item *it = gs_itemset_get(r->items, id);
	int rc;

	if (it != NULL)
		return it;
	rc = gs_store_item_get(r->store, id, on_row, &x);
	return rc == 0 ? x.it : NULL;
}

const char *
gs_replica_site_field(struct gs_replica *r, const uint8_t pk[32],
    const char *field)
{
	uint8_t id[16];
	struct gs_item *it;
	const struct gs_state *st;
	const char *v;

	gs_item_id_site(pk, id);
	it = gs_replica_item(r, id);
	if (it == NULL || it->corrupt || (st = gs_item_state(it)) == NULL)
		return "";
	v = gs_fields_get(&st->fields, field);
	return v != NULL ? v : "";
}

/* Adds one stored change to a full item being loaded. */
static int
on_item_change(const struct gs_stored_change *c, void *arg)
{
	struct row_ctx *x = arg;
	struct gs_fields delta;
	uint8_t *body = NULL;
	size_t len = 0;
	int corrupt = 0, rc;

	gs_fields_init(&delta);
	/* a missing body was erased: the change writes nothing any more */
	if (c->sealed_body != NULL &&
	    (gs_vault_unseal_packed(x->r->vault, c->id, 32, c->sealed_body,
	    c->sealed_len, &body, &len) != 0 ||
	    gs_fields_decode(body, len, &delta) != 0)) {
		gs_fields_clear(&delta);
		corrupt = 1;
	}
	if (body != NULL) {
		gs_wipe(body, len);
		free(body);
	}
	if (x->it->type == 0)
		x->it->type = c->type;
	rc = gs_item_add(x->it, c->id, c->author, c->seq, c->hlc,
	    (const uint8_t (*)[32])c->parents, c->nparents, &delta, corrupt);
	gs_fields_clear(&delta);
	if (corrupt)
		replica_mark_corrupt(x->r, x->it, c->item);
	return rc;
}

/*
 * The item with every change loaded: from the cache, or read from the
 * store (a light cached item is filled in place). Returns 0 and *out,
 * GS_ENOTFOUND, or a storage error.
 */
/*
 * Reads a light item's changes into it. The state it had, when it was
 * the stored merge of those very changes (as many, none corrupt), is
 * kept rather than merged again, and the state of a single change is
 * merged at once: a change whose parents are its heads is then folded in
 * (item.c) and the item written back with no merge of all its changes.
 */
static int
fill_changes(struct gs_replica *r, struct gs_item *it)
{
	struct row_ctx x = { .r = r, .it = it, .loading = true };
	struct gs_state kept = it->state;
	int was_dirty = it->dirty;
	bool keep = !it->dirty && !it->corrupt;
	int rc;

	memset(&it->state, 0, sizeof(it->state));
	it->dirty = 1;
	rc = gs_store_changes_of_item(r->store, it->id, on_item_change, &x);
	if (rc != 0) {
		/*
		 * a storage error, not corruption: nothing is noted, and the
		 * item stays the light one it was, with its state
		 */
		gs_item_forget_changes(it);
		gs_state_clear(&it->state);
		it->state = kept;
		it->dirty = was_dirty;
		return rc;
	}
	if (it->n == 0) {
		gs_state_clear(&kept);
		replica_mark_corrupt(r, it, it->id);   /* a state, no changes */
		return GS_ECORRUPT;
	}
	if (keep && !it->corrupt && kept.nchanges == it->n) {
		gs_state_clear(&it->state);
		it->state = kept;
		it->dirty = 0;
		return 0;
	}
	gs_state_clear(&kept);
	/*
	 * one change (no state stored): its merge is cheap, and with it
	 * done a change on it is folded in rather than merged with it
	 */
	if (it->n == 1 && !it->corrupt)
		(void)gs_item_state(it);
	return 0;
}

int
gs_replica_item_full(struct gs_replica *r, const uint8_t id[16],
    struct gs_item **out)
{
	struct row_ctx x = { .r = r, .loading = true };
	struct gs_item *it = gs_itemset_get(r->items, id);
	int rc;

	*out = NULL;
	if (it == NULL) {
		rc = gs_store_item_get(r->store, id, on_row, &x);
		if (rc != 0)
			return rc;
		it = x.it;
	}
	r->loaded_full = true;
	if (!it->full) {
		rc = fill_changes(r, it);
		if (rc != 0)
			return rc;
	}
	*out = it;
	return 0;
}

/* The 16-byte bounds of the IDs whose hex spelling starts with prefix. */
static int
prefix_bounds(const char *prefix, uint8_t lo[16], uint8_t hi[16])
{
	char a[33], b[33];
	size_t len = strlen(prefix);

	if (len < 6 || len > 32 || strspn(prefix, "0123456789abcdefABCDEF") !=
	    len)
		return GS_EINVAL;
	memset(a, '0', 32);
	memset(b, 'f', 32);
	memcpy(a, prefix, len);
	memcpy(b, prefix, len);
	a[32] = b[32] = '\0';
	return gs_unhex(a, lo, 16) == 0 && gs_unhex(b, hi, 16) == 0 ? 0 :
	    GS_EINVAL;
}

int
gs_replica_find(struct gs_replica *r, const char *prefix, int type,
    struct gs_item **out)
{
	struct row_ctx x = { .r = r };
	uint8_t lo[16], hi[16];
	int rc;

	*out = NULL;
	rc = prefix_bounds(prefix, lo, hi);
	if (rc != 0)
		return rc;
	rc = gs_store_item_range(r->store, lo, hi, type, on_row, &x);
	if (rc != 0)
		return rc;
	if (x.found == 0)
		return GS_ENOTFOUND;
	if (x.found > 1)
		return GS_EINVAL;     /* a prefix that matches two items */
	*out = x.it;
	return 0;
}

int
gs_replica_foreach(struct gs_replica *r, int type, gs_item_cb cb, void *arg)
{
	struct row_ctx x = { .r = r, .cap = 64 };
	int rc;

	if ((x.all = malloc(x.cap * sizeof(*x.all))) == NULL)
		return GS_ENOMEM;
	/* read everything first: cb may query the store itself */
	rc = gs_store_items_foreach(r->store, type, on_row, &x);
	for (size_t i = 0; rc == 0 && i < x.n; i++)
		rc = cb(x.all[i], arg);
	free(x.all);
	return rc;
}

/* Highest sequence per author, the change count and the own clock. */
static int
on_summary_row(const uint8_t author[32], uint64_t seq, void *arg)
{
	return gs_seqmap_raise(arg, author, seq);
}

int
gs_replica_owned_counts(struct gs_replica *r, struct gs_seqmap *out)
{
	return gs_store_owned_counts(r->store, on_summary_row, out);
}

size_t
gs_replica_count(struct gs_replica *r, int type)
{
	int64_t n = 0;

	return gs_store_item_count(r->store, type, &n) == 0 ? (size_t)n : 0;
}

void
gs_replica_idle(struct gs_replica *r)
{
	if (r->busy) {
		r->busy = false;
		return;             /* not idle for a whole period yet */
	}
	if (r->ntouched > 0 || gs_itemset_size(r->items) == 0)
		return;
	gs_itemset_clear(r->items);
	gs_itemset_free_retired(r->items);
	gs_store_release_memory(r->store);
	malloc_trim(0);
}

void
gs_replica_trim(struct gs_replica *r)
{
	size_t n = gs_itemset_size(r->items);

	if (r->ntouched > 0)
		return;
	gs_itemset_free_retired(r->items);
	/*
	 * Items with their changes (writes, batches) are big and seldom
	 * asked for again; states read for a list are small and an admin
	 * lists again soon. Everything goes when the site is idle.
	 */
	if (n > GS_CACHE_LIGHT || (n > GS_CACHE_ITEMS && r->loaded_full)) {
		gs_itemset_clear(r->items);   /* memory goes back when idle */
		r->loaded_full = false;
	}
}

int
replica_touch(struct gs_replica *r, struct gs_item *it)
{
	if (it->touched)
		return 0;
	if (gs_grow(&r->touched, &r->captouched, r->ntouched,
	    sizeof(*r->touched), 64) != 0)
		return GS_ENOMEM;
	r->touched[r->ntouched++] = it;
	it->touched = true;
	return 0;
}

void
replica_untouch(struct gs_replica *r)
{
	for (size_t i = 0; i < r->ntouched; i++)
		r->touched[i]->touched = false;
	r->ntouched = 0;
}

int
replica_flush_item(struct gs_replica *r, struct gs_item *it, int64_t now_ms)
{
	const struct gs_state *st = gs_item_state(it);
	struct gs_item_row row;
	uint8_t *bytes = NULL, *sealed = NULL;
	size_t len = 0, sealed_len = 0;
	bool single;
	int ret;

	if (st == NULL)
		return 0;      /* unmergeable: the item shows as corrupt */
	/* one change: no state stored, it is derived when read (take_row) */
	single = it->full && it->n == 1;
	ret = single ? 0 : gs_state_encode(st, &bytes, &len);
	if (ret == 0 && !single)
		ret = gs_vault_seal_packed(r->vault, it->id, 16, bytes, len,
		    &sealed, &sealed_len);
	if (ret != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	if (!single) {
		row.sealed_state = sealed;
		row.sealed_len = sealed_len;
	}
	memcpy(row.id, it->id, 16);
	row.type = it->type;
	row.nchanges = (int64_t)it->n;
	row.nconflicts = (int64_t)st->nconflicts;
	row.received_ms = it->stored ? it->received_ms : now_ms;
	memcpy(row.owner, st->owner, 32);
	row.deleted = st->deleted;
	ret = gs_store_item_put(r->store, &row);
	if (ret == 0 && !it->stored) {
		it->stored = true;
		it->received_ms = now_ms;
	}
out:
	if (bytes != NULL) {
		gs_wipe(bytes, len);
		free(bytes);
	}
	free(sealed);
	return ret;
}

int
replica_flush_touched(struct gs_replica *r)
{
	int64_t now = (int64_t)gs_wall_ms();
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < r->ntouched; i++)
		ret = replica_flush_item(r, r->touched[i], now);
	return ret;
}

static int
on_own_last(const struct gs_stored_change *c, void *arg)
{
	struct gs_replica *r = arg;

	if (c->hlc > r->clock.last && GS_HLC_MS(c->hlc) <=
	    gs_wall_ms() + r->clock.max_drift_ms)
		r->clock.last = c->hlc;
	return 0;
}

/* Notes one stored key link (a light item: its merged state). */
static int
on_link_item(struct gs_item *it, void *arg)
{
	struct gs_replica *r = arg;
	const struct gs_state *st = it->corrupt ? NULL : gs_item_state(it);
	uint8_t next[32], sig[64];
	uint64_t last;

	if (st == NULL || replica_link_parse(&st->fields, next, sig,
	    &last) != 0)
		return 0;   /* a corrupt item is reported as such elsewhere */
	return replica_link_note(r, st->owner, next, last);
}

/* Notes one stored revocation (a light item: its merged state). */
static int
on_revocation_item(struct gs_item *it, void *arg)
{
	struct gs_replica *r = arg;
	const struct gs_state *st = it->corrupt ? NULL : gs_item_state(it);
	uint8_t revoked[32];
	uint64_t last;

	if (st == NULL || replica_revocation_parse(&st->fields, revoked,
	    &last) != 0)
		return 0;   /* a corrupt item is reported as such elsewhere */
	return replica_revocation_note(r, st->owner, revoked, last);
}

int
replica_reload(struct gs_replica *r)
{
	const uint8_t *me = gs_identity_pk(r->id);
	int64_t n = 0;
	uint64_t own;
	int rc;

	replica_untouch(r);
	gs_itemset_retire_all(r->items);
	gs_seqmap_clear(&r->authors);
	rc = gs_store_summary(r->store, on_summary_row, &r->authors);
	if (rc == 0)
		rc = gs_store_change_count(r->store, &n);
	r->nchanges = (uint64_t)n;
	own = gs_seqmap_get(&r->authors, me);
	if (rc == 0 && own > 0)
		rc = gs_store_change_by_seq(r->store, me, own, on_own_last, r);
	r->nrevs = 0;
	if (rc == 0)
		rc = gs_replica_foreach(r, GS_TYPE_REVOCATION,
		    on_revocation_item, r);
	r->nlinks = 0;
	r->nsucceed = 0;
	if (rc == 0)
		rc = gs_replica_foreach(r, GS_TYPE_KEYLINK, on_link_item, r);
	return rc;
}

void
replica_pending_clear(struct gs_replica *r)
{
	for (size_t i = 0; i < r->npending; i++)
		gs_change_destroy(&r->pending[i]);
	r->npending = 0;
}

void
gs_replica_close(struct gs_replica **rp)
{
	struct gs_replica *r;

	if (rp == NULL || *rp == NULL)
		return;
	r = *rp;
	replica_pending_clear(r);
	free(r->pending);
	free(r->touched);
	free(r->revs);
	free(r->links);
	free(r->endorse);
	gs_itemset_destroy(&r->items);
	gs_vault_destroy(&r->vault);
	gs_identity_destroy(&r->id);
	gs_seqmap_free(&r->authors);
	gs_seqmap_free(&r->corrupt);
	gs_seqmap_free(&r->unknown);
	free(r);
	*rp = NULL;
}

/* ---- reading changes back for peers ---- */

static bool
is_storage(int rc)
{
	return rc == GS_EFULL || rc == GS_EREADONLY || rc == GS_EDB ||
	    rc == GS_EBUSY || rc == GS_ENOMEM || rc == GS_EIO;
}

struct after_ctx {
	struct gs_replica *r;
	bool packed;               /* bodies may be given packed */
	gs_replica_change_cb cb;
	void *arg;
};

/* The erasure of an item, read back to go with its bodiless changes. */
struct proof_ctx {
	struct gs_replica *r;
	uint8_t *header, *sig, *body;   /* owned */
	size_t header_len, body_len;
};

static int
on_proof_row(const struct gs_stored_change *c, void *arg)
{
	struct proof_ctx *p = arg;

	if (c->sealed_body == NULL || gs_vault_unseal_packed(p->r->vault,
	    c->id, 32, c->sealed_body, c->sealed_len, &p->body,
	    &p->body_len) != 0)
		return GS_ECORRUPT;
	p->header = malloc(c->header_len);
	p->sig = malloc(64);
	if (p->header == NULL || p->sig == NULL)
		return GS_ENOMEM;
	memcpy(p->header, c->header, c->header_len);
	p->header_len = c->header_len;
	memcpy(p->sig, c->sig, 64);
	return 0;
}

static void
proof_clear(struct proof_ctx *p)
{
	free(p->header);
	free(p->sig);
	free(p->body);
	memset(p, 0, sizeof(*p));
}

/* A change whose body was erased: its header, with the erasure as proof. */
static int
send_bodiless(struct after_ctx *a, const struct gs_stored_change *c)
{
	struct proof_ctx p = { .r = a->r };
	struct gs_wire_change w = { 0 };
	uint8_t author[32];
	uint64_t seq = 0;
	int rc;

	rc = gs_store_erasure_get(a->r->store, c->item, author, &seq);
	if (rc == 0)
		rc = gs_store_change_by_seq(a->r->store, author, seq,
		    on_proof_row, &p);
	if (rc != 0) {
		log_warnx("replica: an erased change has no readable erasure; "
		    "not sending it");
		proof_clear(&p);
		return is_storage(rc) ? rc : 0;
	}
	w.header = c->header;
	w.header_len = c->header_len;
	w.sig = c->sig;
	w.sig_len = 64;
	w.proof_header = p.header;
	w.proof_header_len = p.header_len;
	w.proof_sig = p.sig;
	w.proof_sig_len = 64;
	w.proof_body = p.body;
	w.proof_body_len = p.body_len;
	rc = a->cb(c->rowid, c->author, c->seq, &w, a->arg);
	proof_clear(&p);
	return rc;
}

static int
on_after_row(const struct gs_stored_change *c, void *arg)
{
	struct after_ctx *a = arg;
	struct gs_wire_change w = { 0 };
	uint8_t *body = NULL;
	size_t len = 0;
	int rc;

	if (c->sealed_body == NULL)
		return send_bodiless(a, c);
	if ((a->packed ? gs_vault_unseal(a->r->vault, c->id, 32,
	    c->sealed_body, c->sealed_len, &body, &len) :
	    gs_vault_unseal_packed(a->r->vault, c->id, 32,
	    c->sealed_body, c->sealed_len, &body, &len)) != 0) {
		log_warnx("replica: a stored body fails authentication; "
		    "not sending it");
		return 0;
	}
	w.header = c->header;
	w.header_len = c->header_len;
	w.sig = c->sig;
	w.sig_len = 64;
	if (len > 0 && body[0] == GS_ZIP_ZSTD) {
		w.packed = body;       /* only when a->packed: else unpacked */
		w.packed_len = len;
	} else {
		w.body = body;
		w.body_len = len;
	}
	rc = a->cb(c->rowid, c->author, c->seq, &w, a->arg);
	gs_wipe(body, len);
	free(body);
	return rc;
}

int
gs_replica_changes_after(struct gs_replica *r, int64_t after, size_t limit,
    bool packed, gs_replica_change_cb cb, void *arg)
{
	struct after_ctx a = { r, packed, cb, arg };
	return gs_store_changes_after(r->store, after, limit, on_after_row, &a);
}

static int
on_rowid(const struct gs_stored_change *c, void *arg)
{
	*(int64_t *)arg = c->rowid;
	return 0;
}

int
gs_replica_rowid(struct gs_replica *r, const uint8_t author[32],
    uint64_t seq, int64_t *rowid)
{
	return gs_store_change_by_seq(r->store, author, seq, on_rowid, rowid);
}

static int
on_hlc(const struct gs_stored_change *c, void *arg)
{
	*(uint64_t *)arg = c->hlc;
	return 0;
}

int
gs_replica_change_hlc(struct gs_replica *r, const uint8_t author[32],
    uint64_t seq, uint64_t *hlc)
{
	return gs_store_change_by_seq(r->store, author, seq, on_hlc, hlc);
}
