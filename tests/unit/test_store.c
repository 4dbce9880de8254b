/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_store.c: unit tests of the SQLite store (daemon/store.c). Each test
 * works in its own mkdtemp directory, removed afterwards. The file is
 * inspected from outside (size, mode, header bytes) without sqlite3.h,
 * which only store.c includes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "err.h"
#include "store.h"

#include "fixture.h"

/*
 * The types the store is given: the schema's (gs_schema_store_types),
 * written out so that this test exercises the store alone.
 */
static const struct gs_store_types fx_types = {
	.stored = { 1, 2, 3, 4 }, .nstored = 4,
	.owned = { 1, 2 }, .nowned = 2,
};

struct store_fx {
	char dir[64];
	char path[128];
	struct gs_store *st;
};

/* A change with its own storage for the lent pointers. */
struct tchange {
	struct gs_stored_change c;
	uint8_t parents[2 * 32];
	uint8_t header[96];
	uint8_t sig[64];
	uint8_t body[40];
};

/* A copy of a change seen by a callback. */
struct seen {
	int64_t rowid;
	uint8_t id[32];
	uint64_t seq;
	size_t nparents;
	bool has_body;
};

struct collect {
	struct seen rows[4096];
	size_t n;
	int stop_after;           /* stop (returning 42) after this many; 0: never */
};

static int
setup(void **state)
{
	struct store_fx *fx;

	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx_tmpdir(fx->dir, sizeof(fx->dir), "store");
	snprintf(fx->path, sizeof(fx->path), "%s/site.db", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct store_fx *fx = *state;

	gs_store_close(&fx->st);
	chmod(fx->dir, 0700);
	fx_rmtree(fx->dir);
	free(fx);
	return 0;
}

static void
open_migrated(struct store_fx *fx)
{
	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), 0);
	assert_int_equal(gs_store_migrate(fx->st), 0);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* Fills a change; variant changes the ID and header (for equivocation). */
static void
mk_change(struct tchange *t, uint8_t author, uint64_t seq, uint8_t item,
    int variant, size_t nparents, bool body)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	memset(t->c.item, item, sizeof(t->c.item));
	t->c.type = 3;
	memset(t->c.author, author, sizeof(t->c.author));
	t->c.seq = seq;
	t->c.hlc = ((uint64_t)1700000000000 << 16) + seq;
	t->c.deleted = (seq % 5) == 0;
	for (i = 0; i < sizeof(t->parents); i++)
		t->parents[i] = (uint8_t)(i + seq);
	t->c.parents = t->parents;
	t->c.nparents = nparents;
	for (i = 0; i < sizeof(t->header); i++)
		t->header[i] = (uint8_t)(i * 7 + seq + (size_t)variant);
	t->header[0] = author;
	t->c.header = t->header;
	t->c.header_len = sizeof(t->header) - (seq % 3);
	/* the ID is the hash of the header, as the store derives it */
	gs_hash(t->c.header, t->c.header_len, t->c.id, 32);
	memset(t->sig, 0x5a ^ author, sizeof(t->sig));
	t->c.sig = t->sig;
	if (body) {
		memset(t->body, 0xb0 + (int)(seq % 16), sizeof(t->body));
		t->c.sealed_body = t->body;
		t->c.sealed_len = sizeof(t->body);
	}
}

static int
collect_cb(const struct gs_stored_change *c, void *arg)
{
	struct collect *col = arg;
	struct seen *s;

	assert_true(col->n < sizeof(col->rows) / sizeof(col->rows[0]));
	s = &col->rows[col->n++];
	s->rowid = c->rowid;
	memcpy(s->id, c->id, 32);
	s->seq = c->seq;
	s->nparents = c->nparents;
	s->has_body = c->sealed_body != NULL;
	if (col->stop_after > 0 && col->n == (size_t)col->stop_after)
		return 42;
	return 0;
}

/* Checks that a change read back equals the one inserted. */
static int
equal_cb(const struct gs_stored_change *c, void *arg)
{
	const struct gs_stored_change *want = arg;

	assert_int_equal(c->rowid, want->rowid);
	assert_memory_equal(c->id, want->id, 32);
	assert_memory_equal(c->item, want->item, 16);
	assert_int_equal(c->type, want->type);
	assert_memory_equal(c->author, want->author, 32);
	assert_int_equal(c->seq, want->seq);
	assert_int_equal(c->hlc, want->hlc);
	assert_int_equal(c->deleted, want->deleted);
	assert_int_equal(c->nparents, want->nparents);
	if (want->nparents > 0)
		assert_memory_equal(c->parents, want->parents,
		    want->nparents * 32);
	assert_int_equal(c->header_len, want->header_len);
	assert_memory_equal(c->header, want->header, want->header_len);
	assert_memory_equal(c->sig, want->sig, 64);
	if (want->sealed_body == NULL) {
		assert_null(c->sealed_body);
		assert_int_equal(c->sealed_len, 0);
	} else {
		assert_non_null(c->sealed_body);
		assert_int_equal(c->sealed_len, want->sealed_len);
		assert_memory_equal(c->sealed_body, want->sealed_body,
		    want->sealed_len);
	}
	return 0;
}

static void
test_new_db(void **state)
{
	struct store_fx *fx = *state;
	struct stat sb;
	char wal[160];
	uint8_t *val = NULL;
	size_t len = 99;
	int64_t count;
	int v = -1;

	umask(022);
	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), 0);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(gs_store_schema_version(fx->st, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(gs_store_meta_get(fx->st, "key_check", &val, &len),
	    GS_ENOTFOUND);
	assert_null(val);
	assert_int_equal(len, 0);
	/* Nothing written to the main file before migrate. */
	assert_int_equal(file_size(fx->path), 0);
	/* Schema functions refuse before migrate. */
	assert_int_equal(gs_store_change_count(fx->st, &count), GS_EINVAL);
	assert_int_equal(gs_store_meta_set(fx->st, "k", (const uint8_t *)"v",
	    1), GS_EINVAL);

	assert_int_equal(gs_store_migrate(fx->st), 0);
	assert_true(file_size(fx->path) > 0);
	/* The WAL is as private as the database. */
	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(gs_store_schema_version(fx->st, &v), 0);
	assert_int_equal(v, GS_SCHEMA_VERSION);
	/* A second migrate is a no-op. */
	assert_int_equal(gs_store_migrate(fx->st), 0);
	assert_int_equal(gs_store_schema_version(fx->st, &v), 0);
	assert_int_equal(v, GS_SCHEMA_VERSION);
	assert_int_equal(gs_store_check(fx->st), 0);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 0);

	/* Meta round trip, replace, empty value. */
	assert_int_equal(gs_store_meta_get(fx->st, "k", &val, &len),
	    GS_ENOTFOUND);
	assert_int_equal(gs_store_meta_set(fx->st, "k",
	    (const uint8_t *)"abc", 3), 0);
	assert_int_equal(gs_store_meta_set(fx->st, "k",
	    (const uint8_t *)"\x00\x01\x02\x03", 4), 0);
	assert_int_equal(gs_store_meta_get(fx->st, "k", &val, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(val, "\x00\x01\x02\x03", 4);
	free(val);
	val = NULL;
	assert_int_equal(gs_store_meta_set(fx->st, "empty", NULL, 0), 0);
	assert_int_equal(gs_store_meta_get(fx->st, "empty", &val, &len), 0);
	assert_non_null(val);
	assert_int_equal(len, 0);
	free(val);
	assert_int_equal(gs_store_checkpoint(fx->st), 0);
}

static void
test_version_newer(void **state)
{
	struct store_fx *fx = *state;
	char wal[160];
	uint8_t be[4] = { 0, 0, 0, 99 };
	int fd;
	int v = 0;

	open_migrated(fx);
	gs_store_close(&fx->st);
	assert_null(fx->st);
	/* A clean close leaves no WAL, so the header below is the truth. */
	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	assert_int_equal(access(wal, F_OK), -1);
	/* user_version is the big-endian word at offset 60 of the header. */
	fd = open(fx->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, be, sizeof(be), 60), sizeof(be));
	close(fd);

	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), 0);
	assert_int_equal(gs_store_schema_version(fx->st, &v), 0);
	assert_int_equal(v, 99);
	assert_int_equal(gs_store_migrate(fx->st), GS_EVERSION);
	assert_int_equal(gs_store_schema_version(fx->st, &v), 0);
	assert_int_equal(v, 99);
}

static void
test_changes(void **state)
{
	struct store_fx *fx = *state;
	struct tchange t[6];
	struct tchange dup, eq;
	struct collect *col;
	uint8_t missing[32] = { 0 };
	int64_t count;
	int i;

	col = calloc(1, sizeof(*col));
	assert_non_null(col);
	open_migrated(fx);
	/* Author 1: seq 1..4, items 0x10/0x20; author 2: seq 1..2. */
	mk_change(&t[0], 1, 1, 0x10, 0, 0, true);
	mk_change(&t[1], 1, 2, 0x20, 0, 1, true);
	mk_change(&t[2], 2, 1, 0x10, 0, 2, false);
	mk_change(&t[3], 1, 3, 0x10, 0, 2, true);
	mk_change(&t[4], 2, 2, 0x20, 0, 1, true);
	mk_change(&t[5], 1, 4, 0x10, 0, 1, false);
	for (i = 0; i < 6; i++) {
		t[i].c.rowid = -1;
		assert_int_equal(gs_store_change_insert(fx->st, &t[i].c), 0);
		assert_true(t[i].c.rowid > 0);
		if (i > 0)
			assert_true(t[i].c.rowid > t[i - 1].c.rowid);
	}
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 6);

	/* get and by_seq return exactly what was inserted. */
	for (i = 0; i < 6; i++) {
		assert_int_equal(gs_store_change_get(fx->st, t[i].c.id,
		    equal_cb, &t[i].c), 0);
		assert_int_equal(gs_store_change_by_seq(fx->st, t[i].c.author,
		    t[i].c.seq, equal_cb, &t[i].c), 0);
		assert_int_equal(gs_store_change_exists(fx->st, t[i].c.id), 1);
	}
	assert_int_equal(gs_store_change_get(fx->st, missing, collect_cb, col),
	    GS_ENOTFOUND);
	assert_int_equal(gs_store_change_by_seq(fx->st, t[0].c.author, 9,
	    collect_cb, col), GS_ENOTFOUND);
	assert_int_equal(gs_store_change_exists(fx->st, missing), 0);
	assert_int_equal(col->n, 0);

	/* Same ID again: a duplicate, whatever else it says. */
	dup = t[3];
	dup.c.sealed_body = NULL;
	assert_int_equal(gs_store_change_insert(fx->st, &dup.c), GS_EDUP);
	/* Same author and seq, another ID: an equivocation. */
	mk_change(&eq, 1, 3, 0x10, 1, 0, true);
	assert_int_equal(gs_store_change_insert(fx->st, &eq.c), GS_EEQUIVOC);
	assert_int_equal(gs_store_change_exists(fx->st, eq.c.id), 0);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 6);
	/* The first change is kept. */
	assert_int_equal(gs_store_change_by_seq(fx->st, t[3].c.author, 3,
	    equal_cb, &t[3].c), 0);

	/* changes_of_item: rowid order, only that item. */
	assert_int_equal(gs_store_changes_of_item(fx->st, t[0].c.item,
	    collect_cb, col), 0);
	assert_int_equal(col->n, 4);
	assert_memory_equal(col->rows[0].id, t[0].c.id, 32);
	assert_memory_equal(col->rows[1].id, t[2].c.id, 32);
	assert_memory_equal(col->rows[2].id, t[3].c.id, 32);
	assert_memory_equal(col->rows[3].id, t[5].c.id, 32);
	assert_false(col->rows[1].has_body);
	assert_int_equal(col->rows[1].nparents, 2);

	/* changes_after: all, after, limit. */
	col->n = 0;
	assert_int_equal(gs_store_changes_after(fx->st, 0, 0, collect_cb, col),
	    0);
	assert_int_equal(col->n, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(col->rows[i].rowid, t[i].c.rowid);
	col->n = 0;
	assert_int_equal(gs_store_changes_after(fx->st, t[1].c.rowid, 2,
	    collect_cb, col), 0);
	assert_int_equal(col->n, 2);
	assert_int_equal(col->rows[0].rowid, t[2].c.rowid);
	assert_int_equal(col->rows[1].rowid, t[3].c.rowid);
	col->n = 0;
	assert_int_equal(gs_store_changes_after(fx->st, t[5].c.rowid, 10,
	    collect_cb, col), 0);
	assert_int_equal(col->n, 0);

	/* A callback that stops: its value comes back, and the statement is
	 * reset (a second run starts from the beginning again). */
	col->stop_after = 2;
	assert_int_equal(gs_store_changes_after(fx->st, 0, 0, collect_cb, col),
	    42);
	assert_int_equal(col->n, 2);
	col->n = 0;
	assert_int_equal(gs_store_changes_after(fx->st, 0, 0, collect_cb, col),
	    42);
	assert_int_equal(col->rows[0].rowid, t[0].c.rowid);
	col->stop_after = 0;
	free(col);
}

struct nest {
	struct gs_store *st;
	struct tchange extra;
	int inner_get;
	int inner_insert;
	int inner_same;
	int calls;
};

static int
noop_cb(const struct gs_stored_change *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

static int
nest_cb(const struct gs_stored_change *c, void *arg)
{
	struct nest *n = arg;

	if (n->calls++ > 0)
		return 0;
	n->inner_get = gs_store_change_get(n->st, c->id, noop_cb, NULL);
	n->inner_insert = gs_store_change_insert(n->st, &n->extra.c);
	n->inner_same = gs_store_changes_after(n->st, 0, 0, noop_cb, NULL);
	return 0;
}

static void
test_nested(void **state)
{
	struct store_fx *fx = *state;
	struct tchange a;
	struct nest n;
	int64_t count;

	open_migrated(fx);
	mk_change(&a, 7, 1, 0x30, 0, 0, true);
	assert_int_equal(gs_store_change_insert(fx->st, &a.c), 0);
	memset(&n, 0, sizeof(n));
	n.st = fx->st;
	mk_change(&n.extra, 7, 2, 0x30, 0, 1, true);
	assert_int_equal(gs_store_changes_of_item(fx->st, a.c.item, nest_cb,
	    &n), 0);
	assert_int_equal(n.inner_get, 0);
	assert_int_equal(n.inner_insert, 0);
	assert_int_equal(gs_store_changes_after(fx->st, 0, 0, nest_cb, &n), 0);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 2);
	/* Same function nested: refused, not corrupted. */
	n.calls = 0;
	n.extra.c.seq = 3;
	n.extra.c.id[5] ^= 1;
	assert_int_equal(gs_store_changes_after(fx->st, 0, 0, nest_cb, &n), 0);
	assert_int_equal(n.inner_same, GS_EINVAL);
	assert_int_equal(n.inner_insert, 0);
}

struct sum {
	uint8_t author[8][32];
	uint64_t seq[8];
	size_t n;
};

static int
sum_cb(const uint8_t author[32], uint64_t seq, void *arg)
{
	struct sum *s = arg;

	assert_true(s->n < 8);
	memcpy(s->author[s->n], author, 32);
	s->seq[s->n++] = seq;
	return 0;
}

static void
test_summary(void **state)
{
	struct store_fx *fx = *state;
	static const uint8_t authors[] = { 0x90, 0x05, 0xff, 0x40 };
	static const uint64_t maxseq[] = { 3, 7, 1, 4 };
	struct tchange t;
	struct sum s;
	size_t a;
	uint64_t q;

	open_migrated(fx);
	memset(&s, 0, sizeof(s));
	assert_int_equal(gs_store_summary(fx->st, sum_cb, &s), 0);
	assert_int_equal(s.n, 0);
	/* Interleave authors so insert order is not key order. */
	for (q = 1; q <= 7; q++) {
		for (a = 0; a < 4; a++) {
			if (q > maxseq[a])
				continue;
			mk_change(&t, authors[a], q, 0x11, 0, 0, true);
			assert_int_equal(gs_store_change_insert(fx->st, &t.c),
			    0);
		}
	}
	assert_int_equal(gs_store_summary(fx->st, sum_cb, &s), 0);
	assert_int_equal(s.n, 4);
	/* Ascending by key: 0x05, 0x40, 0x90, 0xff. */
	assert_int_equal(s.author[0][0], 0x05);
	assert_int_equal(s.seq[0], 7);
	assert_int_equal(s.author[1][0], 0x40);
	assert_int_equal(s.seq[1], 4);
	assert_int_equal(s.author[2][0], 0x90);
	assert_int_equal(s.seq[2], 3);
	assert_int_equal(s.author[3][31], 0xff);
	assert_int_equal(s.seq[3], 1);
}

static void
test_transactions(void **state)
{
	struct store_fx *fx = *state;
	struct tchange t;
	int64_t count;
	uint64_t q;

	open_migrated(fx);
	gs_store_rollback(fx->st);          /* no-op outside a transaction */
	assert_int_equal(gs_store_begin(fx->st), 0);
	for (q = 1; q <= 3; q++) {
		mk_change(&t, 9, q, 0x12, 0, 0, true);
		assert_int_equal(gs_store_change_insert(fx->st, &t.c), 0);
	}
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 3);
	gs_store_rollback(fx->st);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 0);
	mk_change(&t, 9, 1, 0x12, 0, 0, true);
	assert_int_equal(gs_store_change_exists(fx->st, t.c.id), 0);
	gs_store_rollback(fx->st);          /* again: still a no-op */

	assert_int_equal(gs_store_begin(fx->st), 0);
	/* A nested begin is an error, and leaves the outer one alone. */
	assert_int_equal(gs_store_begin(fx->st), GS_EDB);
	for (q = 1; q <= 3; q++) {
		mk_change(&t, 9, q, 0x12, 0, 0, true);
		assert_int_equal(gs_store_change_insert(fx->st, &t.c), 0);
	}
	assert_int_equal(gs_store_commit(fx->st), 0);
	gs_store_rollback(fx->st);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 3);
	/* A commit without a transaction fails cleanly. */
	assert_int_equal(gs_store_commit(fx->st), GS_EDB);

	/* A duplicate inside a batch fails alone: the batch goes on. */
	assert_int_equal(gs_store_begin(fx->st), 0);
	mk_change(&t, 9, 4, 0x12, 0, 0, true);
	assert_int_equal(gs_store_change_insert(fx->st, &t.c), 0);
	assert_int_equal(gs_store_change_insert(fx->st, &t.c), GS_EDUP);
	mk_change(&t, 9, 5, 0x12, 0, 0, true);
	assert_int_equal(gs_store_change_insert(fx->st, &t.c), 0);
	assert_int_equal(gs_store_commit(fx->st), 0);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 5);
}

struct site_list {
	struct gs_site_row rows[4];
	size_t n;
};

static int
site_cb(const struct gs_site_row *s, void *arg)
{
	struct site_list *l = arg;

	assert_true(l->n < 4);
	l->rows[l->n++] = *s;
	return 0;
}

static void
test_sites(void **state)
{
	struct store_fx *fx = *state;
	struct gs_site_row a, b, got;
	struct site_list l;

	open_migrated(fx);
	memset(&a, 0, sizeof(a));
	memset(a.pk, 0x22, 32);
	a.trust = GS_TRUST_PENDING;
	a.first_seen = 1000;
	memset(&b, 0, sizeof(b));
	memset(b.pk, 0x11, 32);
	b.trust = GS_TRUST_TRUSTED;
	b.introduced = true;
	memset(b.introducer, 0x33, 32);
	b.first_seen = 2000;
	b.last_attempt = 2500;
	assert_int_equal(gs_store_site_get(fx->st, a.pk, &got), GS_ENOTFOUND);
	assert_int_equal(gs_store_site_put(fx->st, &a), 0);
	assert_int_equal(gs_store_site_put(fx->st, &b), 0);

	assert_int_equal(gs_store_site_get(fx->st, b.pk, &got), 0);
	assert_memory_equal(got.pk, b.pk, 32);
	assert_int_equal(got.trust, GS_TRUST_TRUSTED);
	assert_true(got.introduced);
	assert_memory_equal(got.introducer, b.introducer, 32);
	assert_int_equal(got.first_seen, 2000);
	assert_int_equal(got.last_attempt, 2500);

	/* put replaces. */
	a.trust = GS_TRUST_BLOCKED;
	a.last_attempt = 1234;
	assert_int_equal(gs_store_site_put(fx->st, &a), 0);
	assert_int_equal(gs_store_site_get(fx->st, a.pk, &got), 0);
	assert_int_equal(got.trust, GS_TRUST_BLOCKED);
	assert_false(got.introduced);
	assert_int_equal(got.last_attempt, 1234);

	memset(&l, 0, sizeof(l));
	assert_int_equal(gs_store_sites_foreach(fx->st, site_cb, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.rows[0].pk[0], 0x11);
	assert_int_equal(l.rows[1].pk[0], 0x22);
	assert_int_equal(l.rows[1].trust, GS_TRUST_BLOCKED);
}

struct peer_list {
	uint8_t pk[4][32];
	char endpoint[4][64];
	char name[4][64];
	bool introducer[4];
	int64_t added[4], last_seen[4], last_sync[4];
	size_t n;
};

static int
peer_cb(const struct gs_peer_row *p, void *arg)
{
	struct peer_list *l = arg;

	assert_true(l->n < 4);
	memcpy(l->pk[l->n], p->pk, 32);
	snprintf(l->endpoint[l->n], 64, "%s", p->endpoint);
	snprintf(l->name[l->n], 64, "%s", p->name);
	l->introducer[l->n] = p->introducer;
	l->added[l->n] = p->added;
	l->last_seen[l->n] = p->last_seen;
	l->last_sync[l->n] = p->last_sync;
	l->n++;
	return 0;
}

static void
test_peers(void **state)
{
	struct store_fx *fx = *state;
	struct gs_peer_row p;
	struct peer_list l;
	uint8_t pk2[32];

	open_migrated(fx);
	memset(&p, 0, sizeof(p));
	memset(p.pk, 0xaa, 32);
	p.endpoint = "tcp://192.0.2.1:7070";
	p.name = "GEM Lyon";
	p.introducer = true;
	p.added = 100;
	assert_int_equal(gs_store_peer_put(fx->st, &p), 0);
	memset(p.pk, 0x0a, 32);
	p.endpoint = "tcp://192.0.2.2:7070";
	p.name = "";
	p.introducer = false;
	p.added = 200;
	assert_int_equal(gs_store_peer_put(fx->st, &p), 0);
	memcpy(pk2, p.pk, 32);

	assert_int_equal(gs_store_peer_touch(fx->st, pk2, 300, 0), 0);
	assert_int_equal(gs_store_peer_touch(fx->st, pk2, 0, 310), 0);
	assert_int_equal(gs_store_peer_touch(fx->st, pk2, 0, 0), 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(gs_store_peers_foreach(fx->st, peer_cb, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.pk[0][0], 0x0a);
	assert_string_equal(l.endpoint[0], "tcp://192.0.2.2:7070");
	assert_string_equal(l.name[0], "");
	assert_false(l.introducer[0]);
	assert_int_equal(l.added[0], 200);
	assert_int_equal(l.last_seen[0], 300);
	assert_int_equal(l.last_sync[0], 310);
	assert_int_equal(l.pk[1][0], 0xaa);
	assert_string_equal(l.name[1], "GEM Lyon");
	assert_true(l.introducer[1]);
	assert_int_equal(l.last_seen[1], 0);
	assert_int_equal(l.last_sync[1], 0);

	/* put replaces. */
	p.endpoint = "tcp://192.0.2.9:7171";
	p.name = "renamed";
	assert_int_equal(gs_store_peer_put(fx->st, &p), 0);
	assert_int_equal(gs_store_peer_remove(fx->st, pk2 + 0), 0);
	assert_int_equal(gs_store_peer_remove(fx->st, pk2), GS_ENOTFOUND);
	assert_int_equal(gs_store_peer_touch(fx->st, pk2, 1, 1), GS_ENOTFOUND);
	memset(&l, 0, sizeof(l));
	assert_int_equal(gs_store_peers_foreach(fx->st, peer_cb, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.pk[0][0], 0xaa);
}

static void
test_equivocations(void **state)
{
	struct store_fx *fx = *state;
	uint8_t author[32], sa[64], sb[64];
	uint8_t ha[50], hb[60], hc[60];
	int64_t count = -1;

	open_migrated(fx);
	memset(author, 0x44, sizeof(author));
	memset(sa, 1, sizeof(sa));
	memset(sb, 2, sizeof(sb));
	memset(ha, 3, sizeof(ha));
	memset(hb, 4, sizeof(hb));
	memset(hc, 5, sizeof(hc));
	assert_int_equal(gs_store_equivocation_count(fx->st, &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(gs_store_equivocation_add(fx->st, author, 3, ha,
	    sizeof(ha), sa, hb, sizeof(hb), sb), 0);
	assert_int_equal(gs_store_equivocation_add(fx->st, author, 3, ha,
	    sizeof(ha), sa, hb, sizeof(hb), sb), 0);
	assert_int_equal(gs_store_equivocation_count(fx->st, &count), 0);
	assert_int_equal(count, 1);
	/* one proof per (author, seq): a third version adds nothing */
	assert_int_equal(gs_store_equivocation_add(fx->st, author, 3, ha,
	    sizeof(ha), sa, hc, sizeof(hc), sb), 0);
	assert_int_equal(gs_store_equivocation_count(fx->st, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(gs_store_equivocation_add(fx->st, author, 4, ha,
	    sizeof(ha), sa, hc, sizeof(hc), sb), 0);
	assert_int_equal(gs_store_equivocation_count(fx->st, &count), 0);
	assert_int_equal(count, 2);
}

static void
test_garbage(void **state)
{
	struct store_fx *fx = *state;
	uint8_t buf[8192];
	uint32_t x = 0x12345678;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	fd = open(fx->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	/* Detected at open: the first read of the header fails. */
	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), GS_ECORRUPT);
	assert_null(fx->st);
}

static void
test_reopen(void **state)
{
	struct store_fx *fx = *state;
	struct tchange t;
	uint8_t *val = NULL;
	size_t len = 0;
	int64_t count;
	int v = 0;

	open_migrated(fx);
	assert_int_equal(gs_store_meta_set(fx->st, "key_check",
	    (const uint8_t *)"check", 5), 0);
	mk_change(&t, 3, 1, 0x13, 0, 0, true);
	assert_int_equal(gs_store_change_insert(fx->st, &t.c), 0);
	gs_store_close(&fx->st);
	gs_store_close(&fx->st);            /* NULL accepted */

	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), 0);
	assert_int_equal(gs_store_schema_version(fx->st, &v), 0);
	assert_int_equal(v, GS_SCHEMA_VERSION);
	/* meta readable before migrate, for the storage key check. */
	assert_int_equal(gs_store_meta_get(fx->st, "key_check", &val, &len),
	    0);
	assert_int_equal(len, 5);
	assert_memory_equal(val, "check", 5);
	free(val);
	val = NULL;
	assert_int_equal(gs_store_meta_get(fx->st, "other", &val, &len),
	    GS_ENOTFOUND);
	assert_int_equal(gs_store_migrate(fx->st), 0);
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(gs_store_change_get(fx->st, t.c.id, equal_cb, &t.c),
	    0);
	assert_int_equal(gs_store_check(fx->st), 0);
}

/* True if the permission bits are enforced for us (not so for root). */
static bool
perms_enforced(const char *rodir)
{
	char probe[160];
	int fd;

	snprintf(probe, sizeof(probe), "%s/probe", rodir);
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return true;
	close(fd);
	unlink(probe);
	return false;
}

static void
test_readonly(void **state)
{
	struct store_fx *fx = *state;
	char rodir[96], path[128];

	/* A database, then a read-only file. */
	open_migrated(fx);
	gs_store_close(&fx->st);
	snprintf(rodir, sizeof(rodir), "%s/ro", fx->dir);
	assert_int_equal(mkdir(rodir, 0500), 0);
	if (geteuid() == 0 && !perms_enforced(rodir)) {
		skip();
		return;
	}
	assert_int_equal(chmod(fx->path, 0400), 0);
	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), GS_EREADONLY);
	assert_null(fx->st);
	assert_int_equal(chmod(fx->path, 0600), 0);

	/* A new database in a read-only directory. */
	snprintf(path, sizeof(path), "%s/site.db", rodir);
	assert_int_equal(gs_store_open(path, &fx_types, &fx->st), GS_EREADONLY);
	assert_null(fx->st);

	/* An existing database in a directory made read-only: no WAL file
	 * can be created. */
	assert_int_equal(chmod(fx->dir, 0500), 0);
	assert_int_equal(gs_store_open(fx->path, &fx_types, &fx->st), GS_EREADONLY);
	assert_null(fx->st);
	assert_int_equal(chmod(fx->dir, 0700), 0);
}

/* Walks changes_after in pages, as a sync would. */
struct pager {
	int64_t last;
	size_t n;
	bool ordered;
};

static int
page_cb(const struct gs_stored_change *c, void *arg)
{
	struct pager *p = arg;

	if (c->rowid <= p->last)
		p->ordered = false;
	p->last = c->rowid;
	p->n++;
	return 0;
}

static void
test_batches(void **state)
{
	struct store_fx *fx = *state;
	struct tchange t;
	struct pager pg;
	struct sum s;
	int64_t count;
	size_t before;
	uint64_t q;
	int a;

	open_migrated(fx);
	/* 4 authors x 500 changes, in transactions of 252. */
	for (q = 1; q <= 500; q++) {
		if (q % 63 == 1)
			assert_int_equal(gs_store_begin(fx->st), 0);
		for (a = 0; a < 4; a++) {
			mk_change(&t, (uint8_t)(0x60 + a), q, (uint8_t)q, 0,
			    q > 1 ? 1 : 0, (q % 7) != 0);
			assert_int_equal(gs_store_change_insert(fx->st, &t.c),
			    0);
		}
		if (q % 63 == 0 || q == 500)
			assert_int_equal(gs_store_commit(fx->st), 0);
	}
	assert_int_equal(gs_store_change_count(fx->st, &count), 0);
	assert_int_equal(count, 2000);

	memset(&pg, 0, sizeof(pg));
	pg.ordered = true;
	do {
		before = pg.n;
		assert_int_equal(gs_store_changes_after(fx->st, pg.last, 300,
		    page_cb, &pg), 0);
		assert_true(pg.n - before <= 300);
	} while (pg.n != before);
	assert_int_equal(pg.n, 2000);
	assert_true(pg.ordered);

	memset(&s, 0, sizeof(s));
	assert_int_equal(gs_store_summary(fx->st, sum_cb, &s), 0);
	assert_int_equal(s.n, 4);
	for (a = 0; a < 4; a++) {
		assert_int_equal(s.author[a][0], 0x60 + a);
		assert_int_equal(s.seq[a], 500);
	}
}

static void
test_memory(void **state)
{
	struct gs_store *st = NULL;
	struct tchange t;

	(void)state;
	assert_int_equal(gs_store_open(":memory:", &fx_types, &st), 0);
	assert_int_equal(gs_store_migrate(st), 0);
	mk_change(&t, 1, 1, 1, 0, 0, true);
	assert_int_equal(gs_store_change_insert(st, &t.c), 0);
	assert_int_equal(gs_store_change_exists(st, t.c.id), 1);
	gs_store_close(&st);
	assert_null(st);
}

/* A store is refused an empty or oversized type list. */
static void
test_types_refused(void **state)
{
	struct gs_store *st = NULL;
	struct gs_store_types t = fx_types;

	(void)state;
	t.nstored = 0;
	assert_int_equal(gs_store_open(":memory:", &t, &st), GS_EINVAL);
	assert_null(st);
	t = fx_types;
	t.nowned = GS_STORE_TYPES_MAX + 1;
	assert_int_equal(gs_store_open(":memory:", &t, &st), GS_EINVAL);
	assert_null(st);
	assert_int_equal(gs_store_open(":memory:", NULL, &st), GS_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_newer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sites, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocations, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_types_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
