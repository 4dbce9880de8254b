/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * verifier.h: checks received changes on worker threads, off the libev
 * loop. Verifying a change (gs_change_verify_wire: Ed25519 signature and
 * BLAKE2b body hash, ~50 us) is the costly part of receiving a batch and
 * needs no replica state, so a small pool of threads does it while the
 * loop keeps serving; finished jobs come back to the loop through an
 * ev_async watcher, strictly in submission order, to be applied there.
 *
 * A job is one batch of wire changes whose bytes the job owns (they are
 * copied in by gs_verify_job_add), with one caller pointer for context.
 *
 * Threads and ownership:
 * - The loop thread builds a job, submits it, and from then on does not
 *   touch it until the done callback, which runs on the loop thread.
 * - Workers take chunks of a queued job under the verifier's mutex and
 *   write only their chunk's result slots (cs[i], vrc[i]) without it; the
 *   input (wire changes and their bytes) is read-only while queued. The
 *   loop thread takes chunks the same way when it is idle (ev_idle).
 * - The job list, the chunk cursors and the counters are guarded by the
 *   mutex; everything else in struct gs_verifier belongs to the loop
 *   thread. Workers block every signal, so libev keeps them all.
 */
#ifndef GS_VERIFIER_H
#define GS_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include "change.h"

#define GS_VERIFIER_MAX_THREADS 4

struct gs_verifier;
struct gs_verify_job;

/*
 * Called on the loop thread with the finished jobs at the head of the
 * queue, in submission order: n >= 1, at most GS_VERIFIER_DELIVER_MAX at
 * once (more come on the next turn of the loop), so that the caller may
 * apply consecutive batches in one transaction. The jobs are lent: the
 * callback may take changes out of them (see gs_verify_job_changes) and
 * submit new jobs, but must not destroy the verifier. They (and what is
 * left in them) are freed on return.
 */
#define GS_VERIFIER_DELIVER_MAX 8
typedef void (*gs_verifier_done_cb)(struct gs_verify_job **jobs, size_t n,
    void *arg);

/* Frees a job's caller pointer. */
typedef void (*gs_verify_user_free)(void *user);

struct gs_verifier_opts {
	unsigned threads;     /* worker threads; 0: online CPUs, 1 to 4 */
	size_t max_jobs;      /* jobs submitted and not yet delivered */
	size_t max_bytes;     /* their wire bytes (one job is always let in) */
};

/* Fills opts with the defaults (0 threads: automatic, 256 jobs, 64 MiB). */
void gs_verifier_opts_default(struct gs_verifier_opts *opts);

/*
 * Starts the worker threads and the ev_async watcher on loop (which must
 * be running on the calling thread). cb and arg are lent until destroy.
 * Returns 0 and *out, GS_ENOMEM or GS_EIO (a thread could not start).
 */
int gs_verifier_new(struct ev_loop *loop, const struct gs_verifier_opts *opts,
    gs_verifier_done_cb cb, void *arg, struct gs_verifier **out);
/*
 * Stops and joins the workers, then frees every job not yet delivered
 * (without calling the done callback). Sets *v to NULL. Accepts NULL.
 * Never from inside the done callback.
 */
void gs_verifier_destroy(struct gs_verifier **v);

/*
 * Holds back (hold true) or resumes (false) the delivery of finished jobs,
 * from the loop thread: a caller that applies what it was handed over
 * several turns of the loop holds the rest until it is done, so that the
 * verifier's bounds (max_jobs, max_bytes) stay the bound on what waits.
 * Workers keep verifying meanwhile. Resuming delivers on a later turn.
 */
void gs_verifier_hold(struct gs_verifier *v, bool hold);

/* Number of worker threads running. */
unsigned gs_verifier_threads(const struct gs_verifier *v);

/*
 * Hands a job over to the workers. Always takes *job (sets it to NULL).
 * Returns 0, or GS_EBUSY when the queue is full (max_jobs or max_bytes):
 * the job is then freed, never delivered.
 */
int gs_verifier_submit(struct gs_verifier *v, struct gs_verify_job **job);

/*
 * A new job for at most n changes totalling at most bytes bytes. user is
 * the caller's context, freed with user_free (if not NULL) when the job
 * is; on failure it is not taken. Returns 0 and *out, GS_ENOMEM.
 */
int gs_verify_job_new(size_t n, size_t bytes, void *user,
    gs_verify_user_free user_free, struct gs_verify_job **out);
/* Frees a job never submitted, and its user pointer; sets *j to NULL. */
void gs_verify_job_destroy(struct gs_verify_job **j);
/*
 * Copies one wire change into the job. Returns 0, or GS_EINVAL when the
 * job is full (the count or the bytes given to gs_verify_job_new).
 */
int gs_verify_job_add(struct gs_verify_job *j, const struct gs_wire_change *w);

/* The number of changes in the job. */
size_t gs_verify_job_count(const struct gs_verify_job *j);
/* The caller's pointer given to gs_verify_job_new (lent). */
void *gs_verify_job_user(const struct gs_verify_job *j);
/*
 * The results, once delivered: codes[i] is what gs_change_verify_wire
 * returned for change i, and changes[i] the verified change when it is 0.
 * Both arrays are lent; the caller may take changes[i] (and set it to
 * NULL), as gs_replica_apply_verified does.
 */
struct gs_change **gs_verify_job_changes(struct gs_verify_job *j);
const int *gs_verify_job_codes(const struct gs_verify_job *j);

#endif
