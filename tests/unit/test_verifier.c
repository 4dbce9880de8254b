/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_verifier.c: unit tests of the verification thread pool
 * (daemon/verifier.c) on a private libev loop, with changes signed and
 * put in their wire form by the shared fixture's helpers (fixture.h):
 * results come back in submission order with several threads even when
 * a later, smaller job finishes first; a forged signature, a swapped body
 * and a garbage header are reported with their codes, next to valid
 * changes; a full queue refuses with GS_EBUSY; the done callback may
 * submit again; and destroying the pool with jobs pending joins the
 * threads and frees every job without delivering it (checked under ASan
 * by the sanitizer build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ev.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "item.h"
#include "replica.h"
#include "verifier.h"

#include "fixture.h"

#define BODY "{\"title\":\"Atelier\"}"

struct pool_fx {
	struct ev_loop *loop;
	uint8_t *sk;                  /* secure memory */
	uint8_t pk[32];
	struct gs_change **made;      /* signed changes, seq 1..nmade */
	size_t nmade;
	/* what the done callback saw */
	size_t delivered;             /* jobs */
	size_t want;                  /* stop the loop after this many */
	size_t order[256];            /* user index of each delivered job */
	int codes[64];                /* codes of the last job delivered */
	uint64_t seqs[64];            /* seq of its verified changes, or 0 */
	size_t ncodes;
	int bad_seq;                  /* a verified change had the wrong seq */
	size_t calls;                 /* of the done callback */
	struct gs_verifier *resubmit; /* submit one more job from the callback */
	size_t users_freed;
};

/* A job's context: its index, and the first seq it carries. */
struct user {
	struct pool_fx *f;
	size_t index;
	uint64_t first_seq;
};

static void
user_free(void *arg)
{
	struct user *u = arg;

	u->f->users_freed++;
	free(u);
}

static int
setup(void **state)
{
	struct pool_fx *f = calloc(1, sizeof(*f));
	uint8_t item[16] = { 1 };

	assert_non_null(f);
	assert_int_equal(gs_crypto_init(), 0);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(f->loop);
	f->sk = gs_secure_alloc(GS_SK_LEN);
	assert_non_null(f->sk);
	assert_int_equal(gs_sign_keypair(f->pk, f->sk), 0);
	f->nmade = 600;
	f->made = calloc(f->nmade, sizeof(*f->made));
	assert_non_null(f->made);
	for (size_t i = 0; i < f->nmade; i++)
		f->made[i] = fx_sign(f->sk, item, GS_TYPE_EVENT, i + 1,
		    1000 + i, NULL, 0, false, (const uint8_t *)BODY,
		    strlen(BODY));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct pool_fx *f = *state;

	for (size_t i = 0; i < f->nmade; i++)
		gs_change_destroy(&f->made[i]);
	free(f->made);
	gs_secure_free(f->sk);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

/* A job carrying changes first_seq .. first_seq + n - 1. */
static struct gs_verify_job *
make_job(struct pool_fx *f, size_t index, uint64_t first_seq, size_t n)
{
	struct gs_verify_job *j;
	struct user *u = calloc(1, sizeof(*u));
	struct gs_wire_change w = { 0 };

	assert_non_null(u);
	u->f = f;
	u->index = index;
	u->first_seq = first_seq;
	assert_int_equal(gs_verify_job_new(n, n * 512, u, user_free, &j), 0);
	for (size_t i = 0; i < n; i++) {
		w = fx_wire(f->made[first_seq - 1 + i]);
		assert_int_equal(gs_verify_job_add(j, &w), 0);
	}
	return j;
}

static void
on_job(struct pool_fx *f, struct gs_verify_job *j)
{
	struct user *u = gs_verify_job_user(j);
	struct gs_change **cs = gs_verify_job_changes(j);
	const int *codes = gs_verify_job_codes(j);
	size_t n = gs_verify_job_count(j);

	if (f->delivered < 256)
		f->order[f->delivered] = u->index;
	f->ncodes = n < 64 ? n : 64;
	for (size_t i = 0; i < n; i++) {
		if (i < 64) {
			f->codes[i] = codes[i];
			f->seqs[i] = cs[i] != NULL ? cs[i]->seq : 0;
		}
		if (codes[i] == 0 && (cs[i] == NULL ||
		    cs[i]->seq != u->first_seq + i ||
		    memcmp(cs[i]->author, f->pk, 32) != 0))
			f->bad_seq = 1;
	}
	/* take one change, as gs_replica_apply_verified does */
	if (n > 0)
		gs_change_destroy(&cs[0]);
	f->delivered++;
}

static void
on_done(struct gs_verify_job **jobs, size_t n, void *arg)
{
	struct pool_fx *f = arg;

	assert_in_range(n, 1, GS_VERIFIER_DELIVER_MAX);
	f->calls++;
	for (size_t i = 0; i < n; i++)
		on_job(f, jobs[i]);
	if (f->resubmit != NULL) {
		struct gs_verify_job *j = make_job(f, 100, 11, 10);
		assert_int_equal(gs_verifier_submit(f->resubmit, &j), 0);
		f->resubmit = NULL;
	}
	if (f->delivered >= f->want)
		ev_break(f->loop, EVBREAK_ALL);
}

static struct gs_verifier *
pool(struct pool_fx *f, unsigned threads, size_t max_jobs)
{
	struct gs_verifier_opts o;
	struct gs_verifier *v;

	gs_verifier_opts_default(&o);
	o.threads = threads;
	if (max_jobs > 0)
		o.max_jobs = max_jobs;
	assert_int_equal(gs_verifier_new(f->loop, &o, on_done, f, &v), 0);
	return v;
}

/* A big job first, then small and empty ones: delivered in that order. */
static void
test_order(void **state)
{
	struct pool_fx *f = *state;
	struct gs_verifier *v = pool(f, 3, 0);
	struct gs_verify_job *j;
	uint64_t seq = 1;
	size_t njobs = 0, n;

	assert_int_equal(gs_verifier_threads(v), 3);
	for (size_t i = 0; i < 60; i++) {
		n = i == 0 ? 300 : (i % 7 == 3 ? 0 : 1 + i % 5);
		if (seq + n > f->nmade + 1)
			break;
		j = make_job(f, i, seq, n);
		assert_int_equal(gs_verifier_submit(v, &j), 0);
		assert_null(j);
		seq += n;
		njobs++;
	}
	f->want = njobs;
	ev_run(f->loop, 0);
	assert_int_equal(f->delivered, njobs);
	for (size_t i = 0; i < njobs; i++)
		assert_int_equal(f->order[i], i);
	assert_false(f->bad_seq);
	gs_verifier_destroy(&v);
	assert_null(v);
	assert_int_equal(f->users_freed, njobs);
}

/* Forged signature, swapped body, garbage header: reported by code. */
static void
test_bad_changes(void **state)
{
	struct pool_fx *f = *state;
	struct gs_verifier *v = pool(f, 2, 0);
	struct gs_verify_job *j;
	struct gs_wire_change w = { 0 };
	struct user *u = calloc(1, sizeof(*u));
	uint8_t sig[64], body[] = "{\"title\":\"Autre\"}", junk[] = "junk";

	assert_non_null(u);
	u->f = f;
	u->first_seq = 1;
	assert_int_equal(gs_verify_job_new(5, 5 * 512, u, user_free, &j), 0);
	w = fx_wire(f->made[0]);
	assert_int_equal(gs_verify_job_add(j, &w), 0);
	w = fx_wire(f->made[1]);
	memcpy(sig, w.sig, 64);
	sig[10] ^= 0x40;
	w.sig = sig;
	assert_int_equal(gs_verify_job_add(j, &w), 0);
	w = fx_wire(f->made[2]);
	w.body = body;
	w.body_len = strlen((char *)body);
	assert_int_equal(gs_verify_job_add(j, &w), 0);
	w = fx_wire(f->made[3]);
	w.header = junk;
	w.header_len = 4;
	assert_int_equal(gs_verify_job_add(j, &w), 0);
	w = fx_wire(f->made[4]);
	assert_int_equal(gs_verify_job_add(j, &w), 0);
	/* the job is full: a sixth change does not fit */
	assert_int_equal(gs_verify_job_add(j, &w), GS_EINVAL);
	/* the bytes were copied: scribbling on ours changes nothing */
	memset(sig, 0, sizeof(sig));
	assert_int_equal(gs_verifier_submit(v, &j), 0);
	f->want = 1;
	ev_run(f->loop, 0);
	assert_int_equal(f->delivered, 1);
	assert_int_equal(f->ncodes, 5);
	assert_int_equal(f->codes[0], 0);
	assert_int_equal(f->codes[1], GS_EBADSIG);
	assert_int_equal(f->codes[2], GS_EBADHASH);
	assert_int_equal(f->codes[3], GS_EPROTO);
	assert_int_equal(f->codes[4], 0);
	assert_int_equal(f->seqs[0], 1);
	assert_int_equal(f->seqs[1], 0);
	assert_int_equal(f->seqs[4], 5);
	assert_false(f->bad_seq);
	gs_verifier_destroy(&v);
	assert_int_equal(f->users_freed, 1);
}

/* A full queue refuses, and frees the job it refuses. */
static void
test_backpressure(void **state)
{
	struct pool_fx *f = *state;
	struct gs_verifier *v = pool(f, 1, 2);
	struct gs_verify_job *j;

	j = make_job(f, 0, 1, 10);
	assert_int_equal(gs_verifier_submit(v, &j), 0);
	j = make_job(f, 1, 11, 10);
	assert_int_equal(gs_verifier_submit(v, &j), 0);
	j = make_job(f, 2, 21, 10);
	assert_int_equal(gs_verifier_submit(v, &j), GS_EBUSY);
	assert_null(j);
	assert_int_equal(f->users_freed, 1);
	/* once delivered, there is room again */
	f->want = 2;
	ev_run(f->loop, 0);
	assert_int_equal(f->delivered, 2);
	j = make_job(f, 3, 21, 10);
	assert_int_equal(gs_verifier_submit(v, &j), 0);
	f->want = 3;
	ev_run(f->loop, 0);
	assert_int_equal(f->order[2], 3);
	gs_verifier_destroy(&v);
	assert_int_equal(f->users_freed, 4);
}

/* The done callback may submit: that job comes back too, after. */
static void
test_submit_from_callback(void **state)
{
	struct pool_fx *f = *state;
	struct gs_verifier *v = pool(f, 2, 0);
	struct gs_verify_job *j = make_job(f, 0, 1, 10);

	f->resubmit = v;
	assert_int_equal(gs_verifier_submit(v, &j), 0);
	f->want = 2;
	ev_run(f->loop, 0);
	assert_int_equal(f->delivered, 2);
	assert_int_equal(f->order[0], 0);
	assert_int_equal(f->order[1], 100);
	assert_false(f->bad_seq);
	gs_verifier_destroy(&v);
	assert_int_equal(f->users_freed, 2);
}

/* Destroyed with jobs queued and running: joined, freed, not delivered. */
static void
test_shutdown_pending(void **state)
{
	struct pool_fx *f = *state;
	struct gs_verifier *v = pool(f, 2, 0);
	struct gs_verify_job *j;
	size_t njobs = 0;

	for (uint64_t seq = 1; seq + 40 <= f->nmade + 1; seq += 40) {
		j = make_job(f, njobs, seq, 40);
		assert_int_equal(gs_verifier_submit(v, &j), 0);
		njobs++;
	}
	gs_verifier_destroy(&v);
	assert_null(v);
	assert_int_equal(f->delivered, 0);
	assert_int_equal(f->users_freed, njobs);
	/* the loop holds no watcher of the pool any more */
	ev_run(f->loop, EVRUN_NOWAIT);
	assert_int_equal(f->delivered, 0);
}

/* The thread count is clamped to 1..4; 0 asks for the CPUs online. */
static void
test_thread_count(void **state)
{
	struct pool_fx *f = *state;
	struct gs_verifier *v = pool(f, 9, 0);

	assert_int_equal(gs_verifier_threads(v), GS_VERIFIER_MAX_THREADS);
	gs_verifier_destroy(&v);
	v = pool(f, 0, 0);
	assert_in_range(gs_verifier_threads(v), 1, GS_VERIFIER_MAX_THREADS);
	gs_verifier_destroy(&v);
	gs_verifier_destroy(&v);   /* accepts NULL */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_changes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_submit_from_callback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_thread_count, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
