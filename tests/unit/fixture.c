/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fixture.c: the shared unit-test fixture (see fixture.h). It opens a
 * site the way the daemon does: the store first, then the replica on it,
 * then the trust table from the store, lent to the replica.
 */
#include "fixture.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "err.h"
#include "crypto.h"
#include "hlc.h"
#include "log.h"

int
fx_init(void)
{
	gs_log_level = GS_LOG_ERROR;
	return gs_crypto_init() == 0 ? 0 : -1;
}

/* ---- folders and identities ---- */

void
fx_tmpdir(char *out, size_t len, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(out, len, "%s/gs-%s-XXXXXX", tmp != NULL ? tmp : "/tmp",
	    name);
	assert_non_null(mkdtemp(out));
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *w)
{
	(void)sb;
	(void)flag;
	(void)w;
	return remove(path);
}

void
fx_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct gs_identity *
fx_identity(const char *root, const char *name)
{
	struct gs_identity *id = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(gs_identity_create(path, NULL, &id), 0);
	return id;
}

/* ---- the site, its replica and its trust ---- */

void
fx_trust(struct fx *f, const uint8_t *pk, int trust)
{
	assert_non_null(f->r);
	if (f->trust == NULL)
		assert_int_equal(gs_trust_load(f->st, gs_replica_pk(f->r),
		    &f->trust), 0);
	if (pk != NULL)
		assert_int_equal(gs_trust_set(f->trust, pk, trust, NULL), 0);
	if (pk == NULL)
		f->no_trust = trust == FX_NO_TRUST;
	gs_replica_set_trust(f->r, f->no_trust ? NULL : f->trust);
}

void
fx_open(struct fx *f)
{
	struct gs_replica_opts o;
	char err[512];

	assert_null(f->r);
	memset(&o, 0, sizeof(o));
	o.data_dir = f->site;
	o.key_file = f->key;
	o.max_drift_s = 300;
	assert_int_equal(gs_replica_open_store(f->site, &f->st, err,
	    sizeof(err)), 0);
	assert_int_equal(gs_replica_open(&o, f->st, &f->r, err, sizeof(err)),
	    0);
	fx_trust(f, NULL, 0);
}

void
fx_close(struct fx *f)
{
	gs_replica_close(&f->r);
	gs_trust_destroy(&f->trust);
	gs_store_close(&f->st);
}

int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	fx_tmpdir(f->dir, sizeof(f->dir), "unit");
	snprintf(f->site, sizeof(f->site), "%s/site", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/storage.key", f->dir);
	assert_int_equal(gs_replica_init_site(f->site, f->key, NULL, err,
	    sizeof(err)), 0);
	fx_open(f);
	f->a = fx_identity(f->dir, "a");
	f->b = fx_identity(f->dir, "b");
	f->u = fx_identity(f->dir, "u");
	f->x = fx_identity(f->dir, "x");
	fx_trust(f, gs_identity_pk(f->a), GS_TRUST_TRUSTED);
	fx_trust(f, gs_identity_pk(f->b), GS_TRUST_TRUSTED);
	fx_trust(f, gs_identity_pk(f->x), GS_TRUST_BLOCKED);
	*state = f;
	return 0;
}

int
fx_teardown(void **state)
{
	struct fx *f = *state;

	fx_close(f);
	gs_identity_destroy(&f->a);
	gs_identity_destroy(&f->b);
	gs_identity_destroy(&f->u);
	gs_identity_destroy(&f->x);
	fx_rmtree(f->dir);
	free(f);
	return 0;
}

/* ---- building changes ---- */

uint64_t
fx_now_hlc(void)
{
	return GS_HLC_MAKE(gs_wall_ms(), 0);
}

void
fx_set(struct gs_fields *d, const char *name, const char *value)
{
	assert_int_equal(gs_fields_set(d, name, value), 0);
}

/* Sets the name, value, ... pairs of ap (from first) in d. */
static void
set_pairs(struct gs_fields *d, const char *first, va_list ap)
{
	const char *v;

	for (const char *n = first; n != NULL; n = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		fx_set(d, n, v);
	}
}

void
fx_body_kv(uint8_t **out, size_t *len, const char *name, ...)
{
	struct gs_fields fl;
	va_list ap;

	gs_fields_init(&fl);
	va_start(ap, name);
	set_pairs(&fl, name, ap);
	va_end(ap);
	assert_int_equal(gs_fields_encode(&fl, out, len), 0);
	gs_fields_clear(&fl);
}

struct gs_change *
fx_sign(const uint8_t *sk, const uint8_t item[16], int type, uint64_t seq,
    uint64_t hlc, const uint8_t (*parents)[32], size_t np, bool deleted,
    const uint8_t *body, size_t blen)
{
	struct gs_change *c = NULL;

	assert_int_equal(gs_change_new(sk, item, type, seq, hlc, parents, np,
	    deleted, body, blen, &c), 0);
	return c;
}

struct gs_change *
fx_root_event(const struct gs_identity *id, uint64_t seq, uint64_t hlc,
    const char *title)
{
	struct gs_change *c;
	uint8_t item[16], *b = NULL;
	size_t blen;

	gs_item_id_new(gs_identity_pk(id), seq, item);
	fx_body_kv(&b, &blen, "kind", "workshop", "start",
	    "2025-03-01T14:00:00+01:00", "title", title, NULL);
	c = fx_sign(gs_identity_sk(id), item, GS_TYPE_EVENT, seq, hlc, NULL,
	    0, false, b, blen);
	free(b);
	return c;
}

struct gs_change *
fx_edit(const struct gs_identity *id, uint64_t seq, uint64_t hlc,
    const struct gs_change *parent, const char *name, const char *value)
{
	struct gs_change *c;
	uint8_t *b = NULL;
	size_t blen;

	fx_body_kv(&b, &blen, name, value, NULL);
	c = fx_sign(gs_identity_sk(id), parent->item, parent->type, seq, hlc,
	    (const uint8_t (*)[32])parent->id, 1, false, b, blen);
	free(b);
	return c;
}

struct gs_wire_change
fx_wire(const struct gs_change *c)
{
	struct gs_wire_change w = { 0 };

	w.header = c->header;
	w.header_len = c->header_len;
	w.sig = c->sig;
	w.sig_len = 64;
	w.body = c->body;
	w.body_len = c->body_len;
	return w;
}

/* ---- applying and writing ---- */

int
fx_apply_w(struct fx *f, const struct gs_wire_change *w)
{
	struct gs_apply_stats st;
	int reason = 1;

	memset(&st, 0, sizeof(st));
	assert_int_equal(gs_replica_apply(f->r, w, 1, gs_identity_pk(f->a),
	    &st), 0);
	assert_int_equal(st.applied + st.dup + st.refused, 1);
	if (st.applied == 1)
		return 0;
	if (st.dup == 1)
		return GS_EDUP;
	for (int i = 1; i < GS_REASONS; i++) {
		if (st.by_reason[i] == 0)
			continue;
		assert_int_equal(st.by_reason[i], 1);
		assert_int_equal(reason, 1);    /* only one reason counted */
		reason = -i;
	}
	assert_true(reason < 0);
	return reason;
}

int
fx_apply_c(struct fx *f, const struct gs_change *c)
{
	struct gs_wire_change w = fx_wire(c);

	return fx_apply_w(f, &w);
}

int
fx_write(struct fx *f, struct gs_item *it, int type, uint8_t out[16],
    const char *name, ...)
{
	struct gs_fields d;
	struct gs_verr v;
	va_list ap;
	int rc;

	gs_fields_init(&d);
	va_start(ap, name);
	set_pairs(&d, name, ap);
	va_end(ap);
	memset(&v, 0, sizeof(v));
	rc = gs_replica_write(f->r, it, type, &d, false, NULL, 0, &v, out);
	gs_fields_clear(&d);
	return rc;
}

void
fx_seats(struct fx *f, const uint8_t event[16], struct gs_seat_count *out)
{
	struct gs_item *ev = gs_replica_item(f->r, event);
	struct gs_seats *s = gs_seats_build(f->r);

	assert_non_null(ev);
	assert_non_null(s);
	gs_seats_count(f->r, s, event, gs_item_state(ev), out);
	gs_seats_free(&s);
	assert_null(s);
}

const char *
fx_title_of(struct fx *f, const uint8_t item[16])
{
	struct gs_item *it = gs_replica_item(f->r, item);
	const struct gs_state *s;

	if (it == NULL)
		return NULL;
	s = gs_item_state(it);
	return s != NULL ? gs_fields_get(&s->fields, "title") : NULL;
}
